#include "campaign_batch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <ringlab/cli/command_line.h>

extern char** environ;

namespace ringlab {
namespace {

namespace json = boost::json;

constexpr const char* kFormat = "ringlab-campaign-result";
constexpr std::int64_t kFormatVersion = 1;
// What a worker's stderr may hold before its oldest bytes are dropped: the failed expectations come last.
constexpr std::size_t kStderrTail = 8192;
constexpr std::size_t kReasonMax = 300;
// A result file larger than this is refused rather than read (a 100,000-seed campaign with every seed failing is
// about 10 MB).
constexpr std::uintmax_t kMaxResultFile = 256u << 20;

std::string signalName(int sig) {
  switch (sig) {
    case SIGABRT: return "SIGABRT";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGTRAP: return "SIGTRAP";
    default: return "signal " + std::to_string(sig);
  }
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (std::string t = trimmed(line); !t.empty()) out.push_back(std::move(t));
  }
  return out;
}

std::string limited(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (s.size() > kReasonMax) s = s.substr(0, kReasonMax - 3) + "...";
  return s;
}

// The one-line reason a worker failed, from how it ended and the tail of its stderr.
std::string failureReason(int status, const std::string& stderrTail) {
  const std::vector<std::string> all = lines(stderrTail);
  const std::string last = all.empty() ? "" : all.back();
  if (WIFSIGNALED(status)) {
    std::string reason = "killed by " + signalName(WTERMSIG(status));
    if (!last.empty()) reason += ": " + last;
    return limited(reason);
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  // The replay lists each failed expectation after "...: N expectation(s) failed:".
  std::string expectations;
  bool listing = false;
  for (const std::string& line : all) {
    if (line.find("expectation(s) failed:") != std::string::npos) {
      listing = true;
      expectations.clear();
      continue;
    }
    if (listing) expectations += (expectations.empty() ? "" : "; ") + line;
  }
  if (code == cli::kExitFailure && !expectations.empty()) return limited(expectations);
  std::string reason = fmt::format("exit status {}", code);
  if (!last.empty()) reason += ": " + last;
  return limited(reason);
}

std::string formatClock(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

// One line on stderr: seeds done of total, failures, elapsed and the estimated time left. Redrawn at most every
// 100 ms of wall time.
class CampaignProgress {
 public:
  CampaignProgress(bool enabled, std::uint64_t total) : m_enabled(enabled), m_total(total) {}
  ~CampaignProgress() { clear(); }
  void update(std::uint64_t done, std::size_t failed, bool force = false) {
    if (!m_enabled) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - m_last < std::chrono::milliseconds(100)) return;
    m_last = now;
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    const double fraction = m_total ? static_cast<double>(done) / static_cast<double>(m_total) : 1.0;
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    const std::string eta =
        done ? formatClock(elapsed / static_cast<double>(done) * static_cast<double>(m_total - done)) : "-";
    std::fprintf(stderr, "\r[%s%s] %llu/%llu seeds  %zu failed  %s elapsed  ETA %s   ",
                 std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(m_total), failed,
                 formatClock(elapsed).c_str(), eta.c_str());
    std::fflush(stderr);
    m_drawn = true;
  }
  void clear() {
    if (!m_drawn) return;
    std::fprintf(stderr, "\r%100s\r", "");
    std::fflush(stderr);
    m_drawn = false;
  }

 private:
  bool m_enabled;
  std::uint64_t m_total;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point m_last{};
};

struct Worker {
  std::uint64_t seed = 0;
  pid_t pid = -1;
  int stderrFd = -1;  // -1 once it reached end of file
  std::string tail;
};

// Starts `program campaign --seed N --quiet OPTIONS...` with stdout discarded and stderr on a pipe. Returns an error
// message when it cannot.
std::string startWorker(const CampaignBatchOptions& options, std::uint64_t seed, Worker& worker) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::string("cannot create a pipe: ") + std::strerror(errno);
  std::vector<std::string> args = {options.program, "campaign", "--seed", std::to_string(seed), "--quiet"};
  if (options.conflicts != "lww") {
    args.push_back("--conflicts");
    args.push_back(options.conflicts);
  }
  args.insert(args.end(), options.options.begin(), options.options.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, options.program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (error != 0) {
    close(fds[0]);
    return "cannot start '" + options.program + "': " + std::strerror(error);
  }
  worker.seed = seed;
  worker.pid = pid;
  worker.stderrFd = fds[0];
  worker.tail.clear();
  return {};
}

void readFrom(Worker& worker) {
  char buffer[4096];
  const ssize_t n = read(worker.stderrFd, buffer, sizeof buffer);
  if (n > 0) {
    worker.tail.append(buffer, static_cast<std::size_t>(n));
    if (worker.tail.size() > kStderrTail) worker.tail.erase(0, worker.tail.size() - kStderrTail);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close(worker.stderrFd);
    worker.stderrFd = -1;
  }
}

// --- JSON reading -----------------------------------------------------------------------------------------------

// Reads field `key` of `object` as an unsigned integer; appends a problem naming `where.key` otherwise.
bool readUnsigned(const json::object& object, std::string_view key, std::string_view where, std::uint64_t& out,
                  std::string& problem) {
  const json::value* v = object.if_contains(key);
  const std::string name = where.empty() ? std::string(key) : std::string(where) + "." + std::string(key);
  if (!v) {
    problem = "missing '" + name + "'";
    return false;
  }
  if (v->is_uint64()) {
    out = v->as_uint64();
    return true;
  }
  if (v->is_int64() && v->as_int64() >= 0) {
    out = static_cast<std::uint64_t>(v->as_int64());
    return true;
  }
  problem = "'" + name + "' is not a non-negative integer";
  return false;
}

const json::object* readObject(const json::object& object, std::string_view key, std::string& problem) {
  const json::value* v = object.if_contains(key);
  if (!v || !v->is_object()) {
    problem = "'" + std::string(key) + "' is " + (v ? "not an object" : "missing");
    return nullptr;
  }
  return &v->as_object();
}

// One result file, checked. Returns the problem (without the file name) or an empty string.
std::string readResult(const std::string& path, CampaignResult& result) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return "cannot read: " + ec.message();
  if (size > kMaxResultFile) return fmt::format("{} bytes: larger than a campaign result can be", size);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::string("cannot read: ") + std::strerror(errno);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) return "empty file, expected a campaign result (ringlab-sim campaign --seeds A..B --json)";
  json::error_code jec;
  json::parse_options parseOptions;
  parseOptions.max_depth = 16;
  const json::value doc = json::parse(text, jec, {}, parseOptions);
  if (jec) return "not JSON: " + jec.message();
  if (!doc.is_object()) return "expected a JSON object";
  const json::object& o = doc.as_object();
  const json::value* format = o.if_contains("format");
  if (!format || !format->is_string() || format->as_string() != kFormat) {
    return std::string("'format' is not \"") + kFormat + "\": not a campaign result";
  }
  std::string problem;
  std::uint64_t version = 0;
  if (!readUnsigned(o, "version", "", version, problem)) return problem;
  if (version != static_cast<std::uint64_t>(kFormatVersion)) {
    return fmt::format("version {} is not supported (expected {})", version, kFormatVersion);
  }
  const json::object* seeds = readObject(o, "seeds", problem);
  if (!seeds) return problem;
  if (!readUnsigned(*seeds, "first", "seeds", result.seeds.first, problem) ||
      !readUnsigned(*seeds, "last", "seeds", result.seeds.last, problem)) {
    return problem;
  }
  if (result.seeds.first > result.seeds.last) return "'seeds.first' is greater than 'seeds.last'";
  if (result.seeds.last - result.seeds.first == ~std::uint64_t{0})
    return "'seeds' holds more seeds than a campaign can";
  const json::object* shard = readObject(o, "shard", problem);
  if (!shard) return problem;
  if (!readUnsigned(*shard, "index", "shard", result.shard.index, problem) ||
      !readUnsigned(*shard, "count", "shard", result.shard.count, problem)) {
    return problem;
  }
  if (result.shard.index < 1 || result.shard.index > result.shard.count) {
    return fmt::format("shard {}/{} is not a shard (expected 1 <= index <= count)", result.shard.index,
                       result.shard.count);
  }
  const json::value* conflicts = o.if_contains("conflicts");
  if (!conflicts || !conflicts->is_string()) return "'conflicts' is missing or not a string";
  result.conflicts = std::string(conflicts->as_string());
  const json::value* options = o.if_contains("options");
  if (!options || !options->is_array()) return "'options' is missing or not an array";
  result.options.clear();
  for (const json::value& option : options->as_array()) {
    if (!option.is_string()) return "'options' holds something other than a string";
    result.options.emplace_back(option.as_string());
  }
  if (!readUnsigned(o, "seeds_run", "", result.seedsRun, problem) ||
      !readUnsigned(o, "passed", "", result.passed, problem)) {
    return problem;
  }
  if (result.seedsRun != shardSize(result.seeds, result.shard)) {
    return fmt::format("'seeds_run' is {}, but shard {}/{} of seeds {}..{} holds {}", result.seedsRun,
                       result.shard.index, result.shard.count, result.seeds.first, result.seeds.last,
                       shardSize(result.seeds, result.shard));
  }
  const json::value* failures = o.if_contains("failures");
  if (!failures || !failures->is_array()) return "'failures' is missing or not an array";
  result.failures.clear();
  std::size_t i = 0;
  for (const json::value& f : failures->as_array()) {
    const std::string where = fmt::format("failures[{}]", i++);
    if (!f.is_object()) return "'" + where + "' is not an object";
    SeedFailure failure;
    if (!readUnsigned(f.as_object(), "seed", where, failure.seed, problem)) return problem;
    if (!inShard(result.seeds, result.shard, failure.seed)) {
      return fmt::format("'{}.seed' {} is not in shard {}/{} of seeds {}..{}", where, failure.seed, result.shard.index,
                         result.shard.count, result.seeds.first, result.seeds.last);
    }
    const json::value* reason = f.as_object().if_contains("reason");
    if (!reason || !reason->is_string()) return "'" + where + ".reason' is missing or not a string";
    failure.reason = std::string(reason->as_string());
    result.failures.push_back(std::move(failure));
  }
  std::sort(result.failures.begin(), result.failures.end(),
            [](const SeedFailure& a, const SeedFailure& b) { return a.seed < b.seed; });
  for (std::size_t k = 1; k < result.failures.size(); ++k) {
    if (result.failures[k].seed == result.failures[k - 1].seed) {
      return fmt::format("seed {} is listed as failed twice", result.failures[k].seed);
    }
  }
  if (result.passed + result.failures.size() != result.seedsRun) {
    return fmt::format("'passed' ({}) and the failures ({}) do not add up to 'seeds_run' ({})", result.passed,
                       result.failures.size(), result.seedsRun);
  }
  const json::value* wall = o.if_contains("wall_seconds");
  if (!wall || !wall->is_number()) return "'wall_seconds' is missing or not a number";
  result.wallSeconds = wall->to_number<double>();
  if (!(result.wallSeconds >= 0)) return "'wall_seconds' is negative";
  return {};
}

std::string joinOptions(const std::vector<std::string>& options) {
  std::string out;
  for (const std::string& o : options) {
    const bool plain = !o.empty() && o.find_first_of(" \t'\"\\$`*?;&|<>()") == std::string::npos;
    out += " " + (plain ? o : "'" + o + "'");
  }
  return out;
}

}  // namespace

std::optional<SeedRange> parseSeedRange(std::string_view text) {
  const auto dots = text.find("..");
  if (dots == std::string_view::npos) return std::nullopt;
  unsigned long long first = 0, last = 0;
  if (!cli::parseUnsigned(text.substr(0, dots), ~0ull, first) ||
      !cli::parseUnsigned(text.substr(dots + 2), ~0ull, last))
    return std::nullopt;
  if (first > last) return std::nullopt;
  return SeedRange{first, last};
}

std::optional<Shard> parseShard(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  unsigned long long index = 0, count = 0;
  if (!cli::parseUnsigned(text.substr(0, slash), ~0ull, index) ||
      !cli::parseUnsigned(text.substr(slash + 1), ~0ull, count))
    return std::nullopt;
  if (index < 1 || index > count) return std::nullopt;
  return Shard{index, count};
}

// A range of all 2^64 seeds does not fit the count; parsers refuse it.
std::uint64_t shardSize(SeedRange range, Shard shard) {
  const std::uint64_t offset = shard.index - 1;
  if (range.last - range.first < offset) return 0;
  return (range.last - range.first - offset) / shard.count + 1;
}

bool inShard(SeedRange range, Shard shard, std::uint64_t seed) {
  return seed >= range.first && seed <= range.last && (seed - range.first) % shard.count == shard.index - 1;
}

CampaignResult runCampaignBatch(const CampaignBatchOptions& options) {
  CampaignResult result;
  result.seeds = options.seeds;
  result.shard = options.shard;
  result.conflicts = options.conflicts;
  result.options = options.options;
  const std::uint64_t total = shardSize(options.seeds, options.shard);
  const auto wallStart = std::chrono::steady_clock::now();
  CampaignProgress progress(options.progress, total);

  // The next seed to start, walked without overflow: `remaining` seeds from `next` on, `count` apart.
  std::uint64_t next = options.seeds.first + (options.shard.index - 1);
  std::uint64_t remaining = total;
  std::uint64_t done = 0;
  std::vector<Worker> running;
  const auto finish = [&](std::uint64_t seed, std::optional<std::string> reason) {
    ++done;
    if (reason) {
      result.failures.push_back({seed, std::move(*reason)});
    } else {
      ++result.passed;
    }
    progress.update(done, result.failures.size(), done == total);
  };
  progress.update(0, 0, true);
  while (remaining > 0 || !running.empty()) {
    while (remaining > 0 && running.size() < std::max(1u, options.jobs)) {
      const std::uint64_t seed = next;
      --remaining;
      if (remaining > 0) next += options.shard.count;
      Worker worker;
      if (std::string error = startWorker(options, seed, worker); !error.empty()) {
        finish(seed, limited(error));
        continue;
      }
      running.push_back(std::move(worker));
    }
    std::vector<pollfd> fds;
    for (const Worker& w : running) {
      if (w.stderrFd >= 0) fds.push_back({w.stderrFd, POLLIN, 0});
    }
    // Workers that closed stderr are reaped below; wait briefly so a worker exiting is noticed soon.
    const bool anyClosed = fds.size() < running.size();
    const int ready = poll(fds.data(), fds.size(), anyClosed ? 10 : 100);
    if (ready > 0) {
      for (Worker& w : running) {
        if (w.stderrFd < 0) continue;
        const auto it = std::find_if(fds.begin(), fds.end(), [&](const pollfd& p) { return p.fd == w.stderrFd; });
        if (it != fds.end() && (it->revents & (POLLIN | POLLHUP | POLLERR))) readFrom(w);
      }
    }
    for (auto it = running.begin(); it != running.end();) {
      if (it->stderrFd >= 0) {
        ++it;
        continue;
      }
      int status = 0;
      const pid_t reaped = waitpid(it->pid, &status, WNOHANG);
      if (reaped == 0 || (reaped < 0 && errno == EINTR)) {
        ++it;
        continue;
      }
      if (reaped < 0) {
        finish(it->seed, std::string("lost track of the worker: ") + std::strerror(errno));
      } else if (WIFEXITED(status) && WEXITSTATUS(status) == cli::kExitOk) {
        finish(it->seed, std::nullopt);
      } else {
        finish(it->seed, failureReason(status, it->tail));
      }
      it = running.erase(it);
    }
    progress.update(done, result.failures.size());
  }
  progress.clear();
  result.seedsRun = done;
  std::sort(result.failures.begin(), result.failures.end(),
            [](const SeedFailure& a, const SeedFailure& b) { return a.seed < b.seed; });
  result.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  return result;
}

std::string formatCampaignSummary(const CampaignResult& result, unsigned jobs) {
  std::string out = fmt::format("Fault campaign, seeds {}..{}", result.seeds.first, result.seeds.last);
  if (result.shard.count > 1) out += fmt::format(", shard {}/{}", result.shard.index, result.shard.count);
  out += fmt::format(", conflicts {}", result.conflicts);
  if (!result.options.empty()) out += ", options" + joinOptions(result.options);
  if (jobs > 0) out += fmt::format(", {} job{}", jobs, jobs == 1 ? "" : "s");
  out += "\n";
  out += fmt::format("  {} seed{} run: {} passed, {} failed, {:.1f}s wall\n", result.seedsRun,
                     result.seedsRun == 1 ? "" : "s", result.passed, result.failures.size(), result.wallSeconds);
  if (!result.failures.empty()) {
    out += "Failed seeds:\n";
    for (const SeedFailure& f : result.failures) out += fmt::format("  {:>8}  {}\n", f.seed, f.reason);
    out +=
        fmt::format("Replay one with: ringlab-sim campaign --seed {}{}{}\n", result.failures.front().seed,
                    result.conflicts == "lww" ? "" : " --conflicts " + result.conflicts, joinOptions(result.options));
  }
  return out;
}

std::string formatCampaignJson(const CampaignResult& result) {
  json::object o;
  o["format"] = kFormat;
  o["version"] = kFormatVersion;
  o["seeds"] = {{"first", result.seeds.first}, {"last", result.seeds.last}};
  o["shard"] = {{"index", result.shard.index}, {"count", result.shard.count}};
  o["conflicts"] = result.conflicts;
  json::array options;
  for (const std::string& option : result.options) options.emplace_back(option);
  o["options"] = std::move(options);
  o["seeds_run"] = result.seedsRun;
  o["passed"] = result.passed;
  json::array failures;
  for (const SeedFailure& f : result.failures) failures.push_back(json::object{{"seed", f.seed}, {"reason", f.reason}});
  o["failures"] = std::move(failures);
  o["wall_seconds"] = result.wallSeconds;
  return json::serialize(o) + "\n";
}

CampaignMerge mergeCampaignResults(const std::vector<std::string>& files) {
  CampaignMerge merge;
  std::map<std::uint64_t, std::string> shardFiles;  // index -> file
  std::optional<CampaignResult> reference;
  std::string referenceFile;
  for (const std::string& file : files) {
    CampaignResult r;
    if (std::string problem = readResult(file, r); !problem.empty()) {
      merge.problems.push_back(file + ": " + problem);
      continue;
    }
    if (!reference) {
      reference = r;
      referenceFile = file;
      merge.result.seeds = r.seeds;
      merge.result.conflicts = r.conflicts;
      merge.result.options = r.options;
      merge.shardCount = r.shard.count;
    } else {
      std::string mismatch;
      if (r.seeds.first != reference->seeds.first || r.seeds.last != reference->seeds.last) {
        mismatch = fmt::format("seeds {}..{}, but {} has {}..{}", r.seeds.first, r.seeds.last, referenceFile,
                               reference->seeds.first, reference->seeds.last);
      } else if (r.shard.count != reference->shard.count) {
        mismatch = fmt::format("{} shards, but {} has {}: the slices would overlap", r.shard.count, referenceFile,
                               reference->shard.count);
      } else if (r.conflicts != reference->conflicts) {
        mismatch = fmt::format("conflicts {}, but {} has {}", r.conflicts, referenceFile, reference->conflicts);
      } else if (r.options != reference->options) {
        mismatch = fmt::format("options '{}', but {} has '{}'", trimmed(joinOptions(r.options)), referenceFile,
                               trimmed(joinOptions(reference->options)));
      }
      if (!mismatch.empty()) {
        merge.problems.push_back(file + ": " + mismatch);
        continue;
      }
    }
    if (const auto seen = shardFiles.find(r.shard.index); seen != shardFiles.end()) {
      merge.problems.push_back(
          fmt::format("{}: shard {}/{} is also in {}", file, r.shard.index, r.shard.count, seen->second));
      continue;
    }
    shardFiles[r.shard.index] = file;
    merge.result.seedsRun += r.seedsRun;
    merge.result.passed += r.passed;
    merge.result.wallSeconds += r.wallSeconds;
    merge.longestWallSeconds = std::max(merge.longestWallSeconds, r.wallSeconds);
    for (SeedFailure& f : r.failures) merge.result.failures.push_back(std::move(f));
  }
  std::sort(merge.result.failures.begin(), merge.result.failures.end(),
            [](const SeedFailure& a, const SeedFailure& b) { return a.seed < b.seed; });
  if (reference) {
    // Listing every missing shard of a huge count would be unbounded; the first few say enough.
    for (std::uint64_t i = 1; i <= merge.shardCount && merge.missingShards.size() < 100; ++i) {
      if (!shardFiles.count(i)) merge.missingShards.push_back(i);
    }
  }
  return merge;
}

}  // namespace ringlab
