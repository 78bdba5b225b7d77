// ringlab-sim: the headless tool. Runs the in-process cluster without a GUI and prints what happened, and shows
// how a ring places data.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <cstring>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <ringlab/cli/documentation.h>
#include <ringlab/cli/program_options.h>
#include <ringlab/engine/ring.h>
#include <ringlab/sim/campaign.h>
#include <ringlab/sim/course.h>
#include <ringlab/sim/lesson_report.h>
#include <ringlab/sim/file_output.h>
#include <ringlab/sim/ring_report.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_catalog.h>
#include <ringlab/sim/scenario_runner.h>
#include <ringlab/sim/scenario_writer.h>
#include <ringlab/sim/simulation.h>
#include <ringlab/sim/summary.h>
#include <ringlab/sim/timeseries.h>
#include <ringlab/sim/trace_export.h>

#include "campaign_batch.h"
#include "nemesis_client.h"

namespace po = boost::program_options;
using namespace ringlab;

namespace {

constexpr int kExitOk = cli::kExitOk;
constexpr int kExitExpectationFailed = cli::kExitFailure;
constexpr int kExitUsage = cli::kExitUsage;
namespace fs = std::filesystem;

constexpr const char* kProgram = "ringlab-sim";

const std::vector<cli::ExitStatus> kRunExitStatus = {
    {kExitOk, "every expectation holds"},
    {kExitExpectationFailed, "an expectation failed (each is listed as measured against expected)"},
    {kExitUsage,
     "usage or input error: a bad flag, an unreadable or invalid scenario, an output path that cannot be "
     "written; nothing was run"}};
const std::vector<cli::ExitStatus> kToolExitStatus = {{kExitOk, "success"},
                                                      {kExitUsage, "usage error: a bad flag or argument"}};

cli::CommandInfo programInfo() {
  cli::CommandInfo info;
  info.program = kProgram;
  info.synopsis = "[COMMAND] [OPTION]...";
  info.description =
      "The headless RingLab tool: runs the in-process cluster without a GUI and prints what happened, and shows how a "
      "ring places data.";
  info.commands = {{"run FILE", "run a scenario headless; prints narration, a summary and whether expectations hold"},
                   {"campaign",
                    "replay one seed of the randomized fault campaign (campaign --seed N), or run a range of seeds "
                    "on all cores (campaign --seeds A..B), or one shard of it (--shard I/K)"},
                   {"campaign-merge FILE...",
                    "combine the JSON results of campaign shards (campaign --seeds A..B --shard I/K --json) into "
                    "one summary"},
                   {"check FILE...", "validate scenario files without running them"},
                   {"course", "list the lessons of the course (course list), or check that every lesson still "
                              "teaches what it claims (course check)"},
                   {"list", "list the shipped scenarios with their titles"},
                   {"demo",
                    "run the default 5-node cluster under a mixed workload and print a summary (the default: options "
                    "without a COMMAND are demo's)"},
                   {"ring", "show how a ring places data: each node's ownership and the balance statistics"},
                   {"load",
                    "run recording clients against real ringlabd nodes and write every operation to a history file "
                    "(the real-node nemesis, docs/NEMESIS.md)"},
                   {"check-history",
                    "read back every key from real nodes and check a recorded history: lost writes, invented values, "
                    "stale reads, divergence"}};
  info.notes =
      "FILE is a path, or the name of a shipped scenario (see 'list').\n"
      "Run 'ringlab-sim COMMAND --help' for a command's options.";
  info.exitStatus = {
      {kExitOk, "success; for run and campaign, every expectation holds"},
      {kExitExpectationFailed,
       "run or campaign: an expectation failed (with --seeds: in some seed); campaign-merge: a seed failed or a "
       "shard is missing; or an unexpected internal error"},
      {kExitUsage,
       "usage or input error: a bad command, flag or argument, an invalid scenario file, an output path "
       "that cannot be written"}};
  return info;
}

cli::CommandInfo commandInfo(const char* command, std::string synopsis, std::string description,
                             std::vector<cli::ExitStatus> exitStatus = kToolExitStatus) {
  cli::CommandInfo info;
  info.program = kProgram;
  info.command = command;
  info.synopsis = std::move(synopsis);
  info.description = std::move(description);
  info.exitStatus = std::move(exitStatus);
  info.valueNames = {{"seed", "N"},
                     {"seconds", "SECONDS"},
                     {"nodes", "N"},
                     {"rate", "OPS"},
                     {"vnodes", "N"},
                     {"partitions", "Q"},
                     {"replicas", "N"},
                     {"duration", "TIME"},
                     {"report", "FILE"},
                     {"trace", "FILE"},
                     {"csv", "FILE"},
                     {"tie-seed", "N"},
                     {"trace-from", "TIME"},
                     {"trace-to", "TIME"},
                     {"trace-sample", "FRACTION"},
                     {"staleness-bands", "DURATIONS"},
                     {"seeds", "A..B"},
                     {"jobs", "K"},
                     {"shard", "I/K"},
                     {"expect", "BOUND"},
                     {"set", "PATH=VALUE"},
                     {"answers", "FILE"},
                     {"inject-bug", "BUG"}};
  return info;
}

// `implicit`: run without naming the command, so errors name the program alone.
int runDemo(const std::vector<std::string>& args, bool implicit) {
  cli::CommandInfo info = commandInfo(
      "demo", "[OPTION]...",
      "Runs the default cluster (N=3, R=2, W=2) under an open-loop workload of 80% reads over zipfian keys "
      "for a few virtual seconds, and prints throughput, latency percentiles, messages and the trace hash.");
  if (implicit) info.command.clear();
  po::options_description options("Options");
  double seconds = 5;
  std::uint64_t seed = 1;
  std::size_t nodes = 5;
  double rate = 10000;
  std::string routing = "random";
  std::string detector = "phi_accrual";
  options.add_options()("help,h", "show this help")("seconds", po::value(&seconds)->default_value(5),
                                                    "virtual seconds to run")(
      "seed", po::value(&seed)->default_value(1), "random seed (the same seed gives the same run)")(
      "nodes", po::value(&nodes)->default_value(5), "number of nodes")("rate", po::value(&rate)->default_value(10000),
                                                                       "client operations per second (open loop)")(
      "routing", po::value(&routing)->default_value("random"),
      "how clients pick a coordinator: random, token_aware (a replica of the key) or proxy (a node without a copy)")(
      "detector", po::value(&detector)->default_value("phi_accrual"),
      "failure detection: phi_accrual (heartbeats gossiped to all, fine up to hundreds of nodes) or swim (probes "
      "of one peer a round, for thousands)")(
      "crash", "crash n3 at 40% of the run and restart it at 70%, to show failures and recovery");
  po::variables_map vm;
  if (auto exit = cli::parseCommandLine(info, args, options, vm)) return *exit;
  if (!(seconds > 0) || seconds > 3600) {
    return cli::usageError(info, "--seconds: expected more than 0 and at most 3600, got " + fmt::format("{}", seconds));
  }
  if (!(rate >= 0) || rate > 1e6) {
    return cli::usageError(info, "--rate: expected 0 to 1000000 operations per second, got " + fmt::format("{}", rate));
  }

  SimulationConfig config;
  config.seed = seed;
  config.nodes = nodes;
  config.quorum = {std::min<std::size_t>(3, nodes), std::min<std::size_t>(2, nodes), std::min<std::size_t>(2, nodes)};
  if (Status s = config.validate(); !s.isOk()) return cli::usageError(info, "--nodes: " + s.message());
  if (const auto protocol = parseDetectionProtocol(detector)) {
    config.mechanisms.detection = *protocol;
  } else {
    return cli::usageError(info, "--detector: expected phi_accrual or swim, got '" + detector + "'");
  }
  WorkloadConfig workload;
  if (const auto r = parseRouting(routing)) {
    workload.routing = *r;
  } else {
    return cli::usageError(info, "--routing: expected random, token_aware or proxy, got '" + routing + "'");
  }
  workload.ratePerSecond = rate;
  workload.readRatio = 0.8;
  workload.keys = KeyDistribution::zipfian(10000, 0.99);

  Simulation sim(config);
  sim.addWorkload(workload);
  std::printf("RingLab demo: %zu nodes, N=%zu R=%zu W=%zu, %s, %s failure detection, seed %llu\n", config.nodes,
              config.quorum.n, config.quorum.r, config.quorum.w, workload.describe().c_str(),
              config.mechanisms.detection == DetectionProtocol::kSwim ? "SWIM" : "phi accrual",
              static_cast<unsigned long long>(seed));
  const auto wallStart = std::chrono::steady_clock::now();
  const TimePoint end{std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds))};
  if (vm.count("crash") && nodes >= 3) {
    const TimePoint crashAt{end.sinceStart * 4 / 10};
    const TimePoint restartAt{end.sinceStart * 7 / 10};
    sim.runUntil(crashAt);
    std::printf("  %7.3fs  n3 crashes\n", static_cast<double>(crashAt.nanos()) / 1e9);
    sim.crash(2);
    sim.runUntil(restartAt);
    std::printf("  %7.3fs  n3 restarts\n", static_cast<double>(restartAt.nanos()) / 1e9);
    sim.restart(2);
  }
  sim.runUntil(end);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  std::printf("\n%s", formatRunSummary(sim, RunSpeed{wall}).c_str());
  return kExitOk;
}

int runRing(const std::vector<std::string>& args) {
  const cli::CommandInfo info =
      commandInfo("ring", "[OPTION]...",
                  "Builds a ring and shows how it places data: each node's share of primary and replicated ranges, "
                  "and the balance statistics beside the analytic expectation for random tokens.");
  po::options_description options("Options");
  std::size_t nodes = 30, vnodes = 64, replicas = 3, partitions = 0;
  std::uint64_t seed = 1;
  options.add_options()("help,h", "show this help")("nodes", po::value(&nodes)->default_value(30), "number of nodes")(
      "vnodes", po::value(&vnodes)->default_value(64), "random tokens per node (virtual-node strategy)")(
      "partitions", po::value(&partitions),
      "use Q equal partitions claimed by nodes (Dynamo strategy 3) instead of random tokens")(
      "replicas", po::value(&replicas)->default_value(3), "N, for the replicated share")(
      "seed", po::value(&seed)->default_value(1), "random seed for the tokens");
  po::variables_map vm;
  if (auto exit = cli::parseCommandLine(info, args, options, vm)) return *exit;
  if (nodes == 0 || nodes > 10000)
    return cli::usageError(info, "--nodes: expected 1 to 10000, got " + std::to_string(nodes));
  if (replicas == 0 || replicas > 16) {
    return cli::usageError(info, "--replicas: expected 1 to 16, got " + std::to_string(replicas));
  }
  if (replicas > nodes) {
    return cli::usageError(info, fmt::format("--replicas (N = {}) exceeds the node count ({}): a key cannot have "
                                             "more replicas than there are nodes",
                                             replicas, nodes));
  }
  RingConfig config;
  if (vm.count("partitions")) {
    if (partitions == 0 || partitions > (1u << 20))
      return cli::usageError(info, "--partitions: expected 1 to 1048576, got " + std::to_string(partitions));
    config.strategy = PlacementStrategy::kPartitions;
    config.partitions = partitions;
  } else {
    if (vnodes == 0 || vnodes > 4096) {
      return cli::usageError(info, "--vnodes: expected 1 to 4096, got " + std::to_string(vnodes));
    }
    config.vnodesPerNode = vnodes;
  }
  Rng rng = Rng(seed).split("ring");
  const Ring ring = Ring::build(config, nodes, rng);
  RingReportOptions report;
  report.nodes = nodes;
  report.vnodesPerNode = config.strategy == PlacementStrategy::kVnodes ? vnodes : 0;
  report.partitions = config.strategy == PlacementStrategy::kPartitions ? partitions : 0;
  report.seed = seed;
  std::fputs(formatRingReport(ring, replicas, report).c_str(), stdout);
  return kExitOk;
}

std::vector<fs::path> shippedScenarios() { return ringlab::shippedScenarios(RINGLAB_SCENARIO_DIR); }
// A path as given, or the shipped scenario of that name.
std::string resolveScenario(const std::string& given) { return ringlab::resolveScenario(given, RINGLAB_SCENARIO_DIR); }

int runList(const std::vector<std::string>& args) {
  const cli::CommandInfo info =
      commandInfo("list", "[OPTION]...", "Lists the shipped scenarios: name, duration and title.");
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit");
  po::variables_map vm;
  if (auto exit = cli::parseCommandLine(info, args, options, vm)) return *exit;
  const auto files = shippedScenarios();
  if (files.empty()) {
    std::printf("No shipped scenarios found (looked next to the executable and in %s).\n", RINGLAB_SCENARIO_DIR);
    return kExitOk;
  }
  std::printf("%-24s %9s  %s\n", "scenario", "duration", "title");
  for (const fs::path& file : files) {
    auto spec = loadScenarioFile(file.string());
    if (!spec) {
      std::printf("%-24s %9s  (invalid: %s)\n", file.stem().c_str(), "-", spec.status().message().c_str());
      continue;
    }
    std::printf("%-24s %9s  %s\n", file.stem().c_str(), formatDuration(spec->duration).c_str(), spec->name.c_str());
  }
  std::printf("\nRun one with: ringlab-sim run NAME\n");
  return kExitOk;
}

int runCheck(const std::vector<std::string>& args) {
  const cli::CommandInfo info = commandInfo(
      "check", "[OPTION]... FILE...",
      "Validates scenario files without running them: prints a one-line summary of each valid file, and each error "
      "with its file, line and column.",
      {{kExitOk, "every file is a valid scenario"},
       {kExitUsage, "usage error, or a file is unreadable or not a valid scenario"}});
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit");
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto exit = cli::parseCommandLine(info, args, options, vm, &files)) return *exit;
  if (files.empty()) return cli::usageError(info, "expected a scenario FILE");
  int exitCode = kExitOk;
  for (const std::string& given : files) {
    const std::string path = resolveScenario(given);
    auto spec = loadScenarioFile(path);
    if (!spec) {
      std::fprintf(stderr, "%s\n", spec.status().message().c_str());
      exitCode = kExitUsage;
      continue;
    }
    std::printf("%s: ok: \"%s\", %zu nodes, %s, %zu timeline entries, %zu expectations\n", path.c_str(),
                spec->name.c_str(), spec->cluster.nodes, formatDuration(spec->duration).c_str(), spec->timeline.size(),
                spec->expectations.size());
    for (const std::string& warning : spec->warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  }
  return exitCode;
}

// A one-line progress bar on stderr, redrawn at most every 100 ms of wall time.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : m_enabled(enabled) {}
  ~ProgressBar() { clear(); }
  void update(double fraction, bool quiescing, TimePoint now) {
    if (!m_enabled) return;
    const auto wall = std::chrono::steady_clock::now();
    if (wall - m_last < std::chrono::milliseconds(100) && fraction < 1.0) return;
    m_last = wall;
    const int width = 30;
    const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
    std::fprintf(stderr, "\r[%s%s] %3.0f%% %s  %-10s", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), 100 * std::clamp(fraction, 0.0, 1.0),
                 quiescing ? "quiescing" : "running  ", formatDuration(now.sinceStart).c_str());
    std::fflush(stderr);
    m_drawn = true;
  }
  // One line of text in place of the bar (work whose end is not known in advance).
  void note(const std::string& text) {
    if (!m_enabled) return;
    std::fprintf(stderr, "\r%-70s", text.c_str());
    std::fflush(stderr);
    m_drawn = true;
  }
  void clear() {
    if (!m_drawn) return;
    std::fprintf(stderr, "\r%70s\r", "");
    std::fflush(stderr);
    m_drawn = false;
  }

 private:
  bool m_enabled;
  bool m_drawn = false;
  std::chrono::steady_clock::time_point m_last{};
};

// An --expect flag: "METRIC<=VALUE" or "METRIC>=VALUE", VALUE a duration for the latency and time metrics and a
// number otherwise. Returns std::nullopt with `problem` set when it is not one.
std::optional<Expectation> parseExpectFlag(const std::string& text, std::string& problem) {
  const auto le = text.find("<=");
  const auto ge = text.find(">=");
  if ((le == std::string::npos) == (ge == std::string::npos)) {
    problem = "expected METRIC<=VALUE or METRIC>=VALUE, such as put_p99<=50ms, got '" + text + "'";
    return std::nullopt;
  }
  const std::size_t at = le != std::string::npos ? le : ge;
  const auto trim = [](std::string s) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  const std::string name = trim(text.substr(0, at));
  const std::string value = trim(text.substr(at + 2));
  const auto metric = parseExpectMetric(name);
  if (!metric) {
    problem = "unknown metric '" + name + "' in '" + text + "' (the metrics are those of a scenario's expect section)";
    return std::nullopt;
  }
  Expectation e;
  e.metric = *metric;
  double bound = 0;
  if (isDurationMetric(*metric)) {
    const auto d = parseDuration(value);
    if (!d || *d < Duration{0}) {
      problem = "expected a duration such as 50ms after '" + name + (le != std::string::npos ? "<=" : ">=") +
                "', got '" + value + "'";
      return std::nullopt;
    }
    bound = static_cast<double>(d->count());
  } else {
    char* end = nullptr;
    bound = value.empty() ? 0 : std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(bound)) {
      problem = "expected a number after '" + name + (le != std::string::npos ? "<=" : ">=") + "', got '" + value + "'";
      return std::nullopt;
    }
  }
  (le != std::string::npos ? e.max : e.min) = bound;
  return e;
}

// The options of run and campaign that name files to write; each is checked writable before the run starts.
const std::vector<std::string> kOutputOptions = {"report", "trace", "csv"};

// `campaign --seed N --shrink`: runs the seed; if it fails, shrinks it while the same expectations keep failing and
// writes the smallest failing scenario as YAML (every candidate must also read back as a valid scenario file).
int shrinkCampaignSeed(ScenarioSpec spec, const std::string& path, const std::string& bug, bool showProgress) {
  const ScenarioReport first = ScenarioRunner(spec).run();
  if (first.passed) {
    std::printf("%s passes: nothing to shrink.\n", spec.name.c_str());
    return kExitOk;
  }
  std::set<ExpectMetric> failed;
  for (const ExpectationResult& e : first.expectations) {
    if (!e.passed) failed.insert(e.expectation.metric);
  }
  const InjectedBug injected = spec.cluster.injectedBug;
  const auto fails = [&](const ScenarioSpec& candidate) {
    Result<ScenarioSpec> reread = parseScenario(writeScenario(candidate), path);
    if (!reread) return false;  // e.g. a restart left without its crash
    reread->cluster.injectedBug = injected;
    const ScenarioReport report = ScenarioRunner(std::move(*reread)).run();
    return std::any_of(report.expectations.begin(), report.expectations.end(),
                       [&](const ExpectationResult& e) { return !e.passed && failed.count(e.expectation.metric); });
  };
  const std::size_t entries = spec.timeline.size();
  std::size_t clients = 0;
  for (const WorkloadConfig& w : spec.workloads) clients += w.model == LoadModel::kClosedLoop ? w.clients : 0;
  ProgressBar progress(showProgress);
  ShrinkResult shrunk = shrinkScenario(std::move(spec), fails, [&](const ShrinkResult& r) {
    progress.note(fmt::format("shrinking: {} runs, {} timeline steps and {} clients removed", r.candidates,
                              r.entriesRemoved, r.clientsRemoved));
  });
  progress.clear();
  ScenarioSpec& small = shrunk.spec;
  small.name += ", shrunk";
  small.description = fmt::format("Shrunk from {} timeline steps to {} in {} runs. Faults left: {}.", entries,
                                  small.timeline.size(), shrunk.candidates, formatCampaignFaults(small));
  if (!bug.empty()) small.description += " It fails only with --inject-bug " + bug + ".";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << writeScenario(small);
  out.close();
  if (!out) {
    std::fprintf(stderr, "ringlab-sim: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return kExitUsage;
  }
  const ScenarioReport last = ScenarioRunner(small).run();
  std::size_t smallClients = 0;
  for (const WorkloadConfig& w : small.workloads) smallClients += w.model == LoadModel::kClosedLoop ? w.clients : 0;
  std::printf("%s\nfrom %zu timeline steps and %zu clients to %zu and %zu, in %zu runs; it still fails:\n",
              small.name.c_str(), entries, clients, small.timeline.size(), smallClients, shrunk.candidates);
  for (const ExpectationResult& e : last.expectations) {
    if (!e.passed) std::printf("  %s\n", e.text.c_str());
  }
  std::printf("Wrote %s. Open it with 'ringlab %s', or replay it with 'ringlab-sim run %s%s'.\n", path.c_str(),
              path.c_str(), path.c_str(), bug.empty() ? "" : (" --inject-bug " + bug).c_str());
  return kExitExpectationFailed;
}

int runScenario(const std::vector<std::string>& args, bool campaign) {
  const cli::CommandInfo info =
      campaign
          ? commandInfo(
                "campaign", "(--seed N | --seeds A..B) [OPTION]...",
                "Runs the randomized fault campaign of seed N, as the test suite does, to replay a failing seed. "
                "Each seed draws from every fault the simulator knows (crashes and restarts, lost disks, "
                "partitions and one-way cuts, loss, duplication, latency spikes, clock jumps, slow nodes, joins "
                "and decommissions, quorum changes) and checks that no acknowledged write is lost unless every "
                "node that acknowledged it lost its disk, that replicas and membership views agree after quiesce, "
                "that no read returns a value nobody wrote, and, on the seeds with strict quorums, that no read is "
                "stale. The summary's heading names the faults drawn. Events due at the same instant run in an "
                "order shuffled with seed N unless --tie-seed or --fifo-ties says otherwise.\n"
                "With --seeds A..B it runs every seed from A to B (inclusive), each in its own worker process "
                "(this program, replaying that seed), --jobs at a time, with a progress bar on a terminal, and "
                "prints one summary: how many passed, and each failed seed with the expectation that failed (or "
                "the signal that killed its worker). --shard I/K runs only the seeds s with (s - A) % K == I - 1, "
                "so K machines (a Slurm array, Kubernetes indexed Jobs, GNU parallel over ssh) split a campaign "
                "between them; --json writes each shard's result for 'ringlab-sim campaign-merge'.",
                kRunExitStatus)
          : commandInfo("run", "[OPTION]... FILE",
                        "Runs a scenario headless: prints its narration as the timeline applies, a progress bar, "
                        "then a summary and whether each expectation holds. FILE is a path, or the name of a "
                        "shipped scenario (see 'ringlab-sim list').",
                        kRunExitStatus);
  po::options_description options("Options");
  std::uint64_t seed = 0;
  std::uint64_t tieSeed = 0;
  std::string duration, reportPath, tracePath, csvPath, bands, traceFrom, traceTo, traceSample, conflicts;
  std::string seedsText, shardText, injectBug, shrinkPath;
  unsigned jobs = 0;
  std::vector<std::string> expects, sets;
  std::string answersPath;
  options.add_options()("help,h", "show this help")("seed", po::value(&seed), "override the scenario's seed")(
      "tie-seed", po::value(&tieSeed), "run events due at the same instant in an order shuffled with this seed")(
      "fifo-ties", "run events due at the same instant in the order they were scheduled (the default for 'run')")(
      "duration", po::value(&duration),
      "override the scenario's duration (e.g. 5s); later timeline entries are skipped")(
      "report", po::value(&reportPath), "write the full report as JSON to this file")(
      "trace", po::value(&tracePath),
      "write a Chrome trace-event JSON file (open it in ui.perfetto.dev); gzip-compressed when FILE ends in .gz")(
      "trace-from", po::value(&traceFrom), "trace only from this virtual time on (e.g. 10s, 1500ms)")(
      "trace-to", po::value(&traceTo), "trace only up to this virtual time (e.g. 20s)")(
      "trace-sample", po::value(&traceSample),
      "trace this fraction of the requests with all their messages (e.g. 0.1; chosen by request id)")(
      "trace-truncate", "when the trace reaches its event cap, keep the cut trace instead of failing")(
      "csv", po::value(&csvPath), "write the metric time series (one row per virtual second) as CSV")(
      "staleness-bands", po::value(&bands),
      "override the scenario's staleness band edges: increasing durations, e.g. 1ms,5ms,20ms,100ms")(
      "quiet,q", "print only the summary (no narration, no progress bar)")(
      "inject-bug", po::value(&injectBug),
      ("make every node wrong on purpose, to see the checks catch it: " + injectableBugList()).c_str());
  if (!campaign) {
    options.add_options()(
        "set", po::value(&sets)->composing(),
        "change a setting of the scenario file before it runs, as PATH=VALUE with a path of keys, e.g. "
        "cluster.replication.r=2 or workload.rate=500/s (repeatable); a lesson's challenge is graded with them")(
        "answers", po::value(&answersPath),
        "grade answers to the scenario's questions: a YAML file mapping question ids to answers, e.g. "
        "{stale-share: 5, which-node: 2} (a choice's number, or a number in the question's unit)");
  }
  if (campaign) {
    options.add_options()("conflicts", po::value(&conflicts),
                          "lww (default) or siblings: run the campaign with causality tracking, read-modify-writes, "
                          "blind writes and CRDT counters");
    options.add_options()("seeds", po::value(&seedsText),
                          "run every seed from A to B (inclusive) on worker processes and print one summary")(
        "jobs", po::value(&jobs), "with --seeds: how many seeds run at once (default: the number of cores)")(
        "shard", po::value(&shardText),
        "with --seeds: run only the I-th of K disjoint slices of the range, the seeds s with (s - A) % K == I - 1")(
        "json", "with --seeds: print the result as JSON on stdout (for campaign-merge) instead of the summary")(
        "shrink", "with --seed: if the seed fails, remove timeline steps and clients while it still fails and write "
                  "the smallest failing scenario as YAML (see --shrink-to)")(
        "shrink-to", po::value(&shrinkPath),
        "with --shrink: the file to write (default: campaign-SEED-shrunk.yaml in the current directory)")(
        "expect", po::value(&expects)->composing(),
        "add an expectation to the campaign's, as METRIC<=VALUE or METRIC>=VALUE with a metric of a scenario's "
        "expect section, e.g. put_p99<=50ms or availability>=0.99 (repeatable)");
  }
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto exit = cli::parseCommandLine(info, args, options, vm, campaign ? nullptr : &files)) return *exit;
  if (!campaign && files.size() != 1) {
    return cli::usageError(info, files.empty()
                                     ? "expected exactly one scenario FILE"
                                     : "expected exactly one scenario FILE, got " + std::to_string(files.size()));
  }
  const bool batch = campaign && vm.count("seeds") > 0;
  if (campaign && vm.count("seed") && batch) return cli::usageError(info, "--seed and --seeds exclude each other");
  if (campaign && !vm.count("seed") && !batch) return cli::usageError(info, "expected --seed N or --seeds A..B");
  std::optional<SeedRange> seedRange;
  std::optional<Shard> shard = Shard{};
  if (campaign && !batch) {
    for (const char* flag : {"jobs", "shard", "json"}) {
      if (vm.count(flag)) return cli::usageError(info, fmt::format("--{}: needs --seeds A..B", flag));
    }
  }
  if (batch) {
    seedRange = parseSeedRange(seedsText);
    if (!seedRange) {
      return cli::usageError(info,
                             "--seeds: expected A..B, two seeds with A <= B such as 1..1000, got '" + seedsText + "'");
    }
    if (seedRange->last - seedRange->first == ~std::uint64_t{0}) {
      return cli::usageError(info, "--seeds: at most 18446744073709551615 seeds at once, got '" + seedsText + "'");
    }
    if (vm.count("shard")) {
      shard = parseShard(shardText);
      if (!shard) {
        return cli::usageError(info, "--shard: expected I/K with 1 <= I <= K, such as 2/8, got '" + shardText + "'");
      }
    }
    if (vm.count("jobs") && (jobs == 0 || jobs > 4096)) {
      return cli::usageError(info, "--jobs: expected 1 to 4096, got " + std::to_string(jobs));
    }
    for (const std::string& flag : kOutputOptions) {
      if (vm.count(flag)) {
        return cli::usageError(info, "--" + flag +
                                         ": writes one seed's run; with --seeds, replay a failed seed "
                                         "with --seed N --" +
                                         flag + " FILE");
      }
    }
  }
  std::vector<Expectation> extraExpectations;
  for (const std::string& text : expects) {
    std::string problem;
    const auto expectation = parseExpectFlag(text, problem);
    if (!expectation) return cli::usageError(info, "--expect: " + problem);
    extraExpectations.push_back(*expectation);
  }
  if (std::string problem = cli::checkOutputOptions(vm, kOutputOptions); !problem.empty()) {
    return cli::usageError(info, problem);
  }
  Result<ScenarioSpec> spec = Status(ErrorCode::kInvalidArgument, "no scenario");
  ScenarioRunOptions runOptions;
  if (campaign) {
    const auto mode = parseConflictMode(conflicts.empty() ? "lww" : conflicts);
    if (!mode) return cli::usageError(info, "--conflicts: '" + conflicts + "' (expected lww or siblings)");
    spec = faultCampaignScenario(seed, *mode);
    for (const Expectation& e : extraExpectations) spec->expectations.push_back(e);
  } else {
    std::vector<ScenarioOverride> overrides;
    for (const std::string& text : sets) {
      std::string problem;
      const auto o = parseOverride(text, problem);
      if (!o) return cli::usageError(info, "--set: " + problem);
      overrides.push_back(*o);
    }
    spec = loadScenarioFile(resolveScenario(files[0]), overrides);
    if (!spec) {
      std::fprintf(stderr, "%s\n", spec.status().message().c_str());
      return kExitUsage;
    }
    if (vm.count("seed")) runOptions.seed = seed;
    for (const std::string& warning : spec->warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  }
  if (vm.count("inject-bug")) {
    const auto bug = parseInjectedBug(injectBug);
    if (!bug) {
      return cli::usageError(info, "--inject-bug: '" + injectBug + "' (expected none, " + injectableBugList() + ")");
    }
    spec->cluster.injectedBug = *bug;
    if (*bug != InjectedBug::kNone) spec->name += fmt::format(" (injected bug: {})", injectedBugName(*bug));
  }
  if (campaign && (vm.count("shrink") || vm.count("shrink-to"))) {
    if (batch) return cli::usageError(info, "--shrink: shrinks one seed; use --seed N");
    if (!vm.count("shrink")) return cli::usageError(info, "--shrink-to: needs --shrink");
    if (shrinkPath.empty()) shrinkPath = fmt::format("campaign-{}-shrunk.yaml", seed);
  }
  Result<TraceOptions> traceOptions = parseTraceOptions(traceFrom, traceTo, traceSample);
  if (!traceOptions) {
    return cli::usageError(info, traceOptions.status().message());
  }
  if (tracePath.empty() &&
      (vm.count("trace-from") || vm.count("trace-to") || vm.count("trace-sample") || vm.count("trace-truncate"))) {
    return cli::usageError(info, "the --trace-* options need --trace FILE");
  }
  if (vm.count("tie-seed") && vm.count("fifo-ties")) {
    return cli::usageError(info, "--tie-seed and --fifo-ties exclude each other");
  }
  if (vm.count("tie-seed")) {
    spec->cluster.shuffleTies = true;
    spec->cluster.tieSeed = tieSeed;
  } else if (vm.count("fifo-ties")) {
    spec->cluster.shuffleTies = false;
  }
  if (vm.count("duration")) {
    auto parsed = parseDuration(duration);
    if (!parsed || *parsed <= Duration{0} || *parsed > kMaxScenarioDuration) {
      return cli::usageError(
          info, "--duration: expected a positive duration of at most 24h, such as 5s or 500ms, got '" + duration + "'");
    }
    runOptions.duration = *parsed;
  }
  if (vm.count("staleness-bands")) {
    auto parsed = parseStalenessBands(bands);
    if (!parsed) return cli::usageError(info, "--staleness-bands: " + parsed.status().message());
    runOptions.stalenessBands = std::move(*parsed);
  }
  const bool quiet = vm.count("quiet") > 0;
  if (campaign && vm.count("shrink")) {
    if (runOptions.duration) spec->duration = *runOptions.duration;
    if (runOptions.stalenessBands) spec->stalenessBands = *runOptions.stalenessBands;
    return shrinkCampaignSeed(std::move(*spec), shrinkPath, vm.count("inject-bug") ? injectBug : std::string(),
                              !quiet && isatty(STDERR_FILENO));
  }
  const std::string campaignFaultText = campaign ? formatCampaignFaults(*spec) : std::string();
  if (batch) {
    CampaignBatchOptions batchOptions;
    std::error_code ec;
    batchOptions.program = fs::read_symlink("/proc/self/exe", ec).string();
    if (ec) {
      std::fprintf(stderr, "ringlab-sim: cannot find this program to run the seeds (/proc/self/exe: %s)\n",
                   ec.message().c_str());
      return kExitExpectationFailed;
    }
    batchOptions.seeds = *seedRange;
    batchOptions.shard = *shard;
    batchOptions.jobs = vm.count("jobs") ? jobs : std::max(1u, std::thread::hardware_concurrency());
    batchOptions.conflicts = conflicts.empty() ? "lww" : conflicts;
    // Everything else that shapes a seed's run is forwarded, already checked, to every worker.
    std::vector<std::string>& forwarded = batchOptions.options;
    if (vm.count("tie-seed")) forwarded.insert(forwarded.end(), {"--tie-seed", std::to_string(tieSeed)});
    if (vm.count("fifo-ties")) forwarded.push_back("--fifo-ties");
    if (vm.count("inject-bug")) forwarded.insert(forwarded.end(), {"--inject-bug", injectBug});
    if (vm.count("duration")) forwarded.insert(forwarded.end(), {"--duration", duration});
    if (vm.count("staleness-bands")) forwarded.insert(forwarded.end(), {"--staleness-bands", bands});
    for (const std::string& e : expects) forwarded.insert(forwarded.end(), {"--expect", e});
    batchOptions.progress = !quiet && isatty(STDERR_FILENO);
    const CampaignResult result = runCampaignBatch(batchOptions);
    const std::string out =
        vm.count("json") ? formatCampaignJson(result) : formatCampaignSummary(result, batchOptions.jobs);
    std::fputs(out.c_str(), stdout);
    return result.failures.empty() ? kExitOk : kExitExpectationFailed;
  }
  std::optional<std::map<std::string, Answer>> answers;
  if (!answersPath.empty()) {
    std::ifstream in(answersPath, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "ringlab-sim: cannot read the answers '%s': %s\n", answersPath.c_str(), std::strerror(errno));
      return kExitUsage;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = parseAnswerFile(text, answersPath, spec->questions);
    if (!parsed) {
      std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
      return kExitUsage;
    }
    answers = std::move(*parsed);
  }
  ProgressBar progress(!quiet && isatty(STDERR_FILENO));
  ScenarioRunner* runnerPtr = nullptr;
  std::unique_ptr<ChromeTraceRecorder> trace;
  runOptions.onEntryApplied = [&](const TimelineEntry& entry) {
    if (trace && !entry.say.empty()) trace->addNarration(entry.at, entry.say);
    const bool lesson = entry.ask || !entry.reveals.empty();
    if (quiet || (entry.actions.empty() && entry.say.empty() && !entry.pause && !lesson)) return;  // focus, notes
    progress.clear();
    std::string line = formatTimelineEntry(entry);
    if (entry.actions.empty() && entry.say.empty() && !entry.pause) {
      line += entry.reveals.empty() ? "question" : (entry.ask ? "answer and question" : "answer");
    }
    std::printf("%s\n", line.c_str());
    const ScenarioSpec& running = runnerPtr->spec();
    for (std::size_t q : entry.reveals) {
      if (const Reveal* r = runnerPtr->reveal(q)) {
        std::printf("%s\n", formatReveal(running.questions[q], *r, "            ").c_str());
      }
    }
    if (entry.ask) std::printf("%s\n", formatQuestion(running.questions[*entry.ask], "            ").c_str());
    std::fflush(stdout);
  };
  runOptions.onProgress = [&](double fraction, bool quiescing) {
    if (runnerPtr) progress.update(fraction, quiescing, runnerPtr->simulation().now());
  };

  if (!quiet) {
    std::printf("%s\n", spec->name.c_str());
    std::string description = spec->description;
    while (!description.empty() && description.back() == '\n') description.pop_back();
    if (!description.empty()) std::printf("%s\n", description.c_str());
    std::printf("\n");
  }
  const auto wallStart = std::chrono::steady_clock::now();
  ScenarioRunner runner(std::move(*spec), runOptions);
  runnerPtr = &runner;
  if (!tracePath.empty()) {
    trace = std::make_unique<ChromeTraceRecorder>(runner.simulation().events(), *traceOptions);
    trace->declareNodes(runner.simulation().nodeCount());
  }
  MetricsTimeSeries series;
  if (!csvPath.empty()) series.attach(runner.simulation());
  ScenarioReport report = runner.run();
  series.detach();
  for (TimePoint completed : report.history.staleReadTimes) series.recordStaleRead(completed);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  progress.clear();

  std::printf("%s%s", quiet ? "" : "\n", formatScenarioSummary(report, RunSpeed{wall}).c_str());
  AnswerTally tally;
  std::fputs(formatLessonReport(runner.spec(), report, answers ? &*answers : nullptr, &tally).c_str(), stdout);
  // A challenge run with the student's settings is graded by the challenge's goals: the file's own expectations
  // describe the lesson as written.
  const bool gradedChallenge = report.challenge && !runner.spec().overrides.empty();
  bool passed = gradedChallenge ? report.challenge->passed : report.passed;
  if (answers && tally.correct < tally.asked) passed = false;
  int exitCode = passed ? kExitOk : kExitExpectationFailed;
  if (!reportPath.empty()) {
    const std::string json = formatScenarioJson(report, RunSpeed{wall});
    if (Status s = writeFileAtomically(reportPath, "report", [&](std::ostream& out) { out << json; }); !s.isOk()) {
      std::fprintf(stderr, "ringlab-sim: %s\n", s.message().c_str());
      exitCode = kExitUsage;
    }
  }
  if (trace) {
    if (Status s = trace->writeTo(tracePath); !s.isOk()) {
      std::fprintf(stderr, "ringlab-sim: %s\n", s.toString().c_str());
      exitCode = kExitUsage;
    } else if (trace->truncated()) {
      const bool keep = vm.count("trace-truncate") > 0;
      std::fprintf(stderr, "ringlab-sim: %s\n", traceCapMessage(*trace, tracePath, keep).c_str());
      if (!keep) exitCode = kExitUsage;
    }
  }
  if (!csvPath.empty()) {
    if (Status s = series.writeCsv(csvPath); !s.isOk()) {
      std::fprintf(stderr, "ringlab-sim: %s\n", s.toString().c_str());
      exitCode = kExitUsage;
    }
  }
  if (!report.passed && !gradedChallenge) {
    std::fprintf(stderr, "\n%s: %zu expectation(s) failed:\n", report.name.c_str(),
                 static_cast<std::size_t>(std::count_if(report.expectations.begin(), report.expectations.end(),
                                                        [](const auto& e) { return !e.passed; })));
    for (const auto& e : report.expectations) {
      if (!e.passed) std::fprintf(stderr, "  %s\n", e.text.c_str());
    }
    if (campaign) std::fprintf(stderr, "  faults drawn: %s\n", campaignFaultText.c_str());
  }
  trace.reset();  // it is subscribed to the runner's event bus, which goes first otherwise
  return exitCode;
}

int runCourse(const std::vector<std::string>& args) {
  const cli::CommandInfo info = commandInfo(
      "course", "(list | check) [DIR]",
      "The course: an ordered folder of lessons (the shipped one is scenarios/course). 'course list' shows each "
      "lesson with what it teaches and how long it takes. 'course check' runs every lesson headless and fails when "
      "one no longer teaches what it claims: an expectation fails, a question's own answer disagrees with what the "
      "run measures, a challenge is met without changes, or its solution does not meet it.",
      {{kExitOk, "list: the course was listed; check: every lesson holds"},
       {kExitExpectationFailed, "check: a lesson no longer matches what it claims (each failure is listed)"},
       {kExitUsage, "usage or input error: a bad flag, a folder that cannot be read, an invalid lesson"}});
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")("verbose,v", "check: list what held in each lesson, too");
  po::variables_map vm;
  std::vector<std::string> words;
  if (auto exit = cli::parseCommandLine(info, args, options, vm, &words)) return *exit;
  if (words.empty() || (words[0] != "list" && words[0] != "check")) {
    return cli::usageError(info, words.empty() ? "expected list or check" : "expected list or check, got '" + words[0] + "'");
  }
  if (words.size() > 2) return cli::usageError(info, "expected at most one course folder");
  const fs::path dir = words.size() == 2 ? fs::path(words[1]) : findCourseDirectory(RINGLAB_SCENARIO_DIR);
  if (dir.empty()) {
    std::fprintf(stderr, "ringlab-sim: no course found (looked for a 'course' folder beside the shipped scenarios)\n");
    return kExitUsage;
  }
  auto course = loadCourse(dir);
  if (!course) {
    std::fprintf(stderr, "%s\n", course.status().message().c_str());
    return kExitUsage;
  }
  if (words[0] == "list") {
    int total = 0;
    for (std::size_t i = 0; i < course->size(); ++i) {
      const ScenarioSpec& spec = (*course)[i].spec;
      total += spec.lesson->minutes;
      const std::string contents = fmt::format("{} question{}{}", spec.questions.size(),
                                               spec.questions.size() == 1 ? "" : "s",
                                               spec.challenge ? ", challenge" : "");
      std::printf("%2zu. %-42s %2d min  %-24s %s\n", i + 1, spec.lesson->teaches.c_str(), spec.lesson->minutes,
                  contents.c_str(), (*course)[i].path.filename().c_str());
    }
    std::printf("\n%zu lessons, about %d minutes. Run one with: ringlab-sim run %s\n", course->size(), total,
                ((*course)[0].path).c_str());
    return kExitOk;
  }
  const bool tty = isatty(STDERR_FILENO);
  std::size_t failed = 0;
  const auto wallStart = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < course->size(); ++i) {
    const CourseLesson& lesson = (*course)[i];
    const auto start = std::chrono::steady_clock::now();
    const LessonCheck check = checkLesson(lesson, [&](const std::string& what) {
      if (tty) std::fprintf(stderr, "\r\033[K[%zu/%zu] running %s", i + 1, course->size(), what.c_str());
    });
    if (tty) std::fprintf(stderr, "\r\033[K");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-34s %s (%zu checks, %.1f s)\n", check.file.c_str(), check.passed() ? "ok" : "FAILED",
                check.checked.size() + check.failures.size(), seconds);
    if (vm.count("verbose")) {
      for (const std::string& line : check.checked) std::printf("    ok   %s\n", line.c_str());
    }
    for (const std::string& line : check.failures) std::printf("    FAIL %s\n", line.c_str());
    if (!check.passed()) ++failed;
    std::fflush(stdout);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  std::printf("\n%zu of %zu lessons hold (%.1f s)\n", course->size() - failed, course->size(), wall);
  return failed == 0 ? kExitOk : kExitExpectationFailed;
}

int runCampaignMerge(const std::vector<std::string>& args) {
  cli::CommandInfo info = commandInfo(
      "campaign-merge", "[OPTION]... FILE...",
      "Combines the JSON results of the shards of one fault campaign (written by 'ringlab-sim campaign --seeds A..B "
      "--shard I/K --json') into one summary, as if the campaign had run on one machine. The files must be results "
      "of the same seeds, shard count, conflicts mode and options, each shard at most once; a file that is not, or "
      "that is not a well-formed result, is named with what is wrong and nothing is merged. Missing shards are "
      "listed.",
      {{kExitOk, "every shard is present and every seed passed"},
       {kExitExpectationFailed, "a seed failed, or a shard is missing"},
       {kExitUsage, "usage error, or a file is unreadable, malformed or inconsistent with the others"}});
  info.fileArguments = {"*.json"};
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "json", "print the merged result as JSON (the format of campaign --json, shard 1/1) instead of the summary");
  po::variables_map vm;
  std::vector<std::string> files;
  if (auto exit = cli::parseCommandLine(info, args, options, vm, &files)) return *exit;
  if (files.empty()) return cli::usageError(info, "expected the result FILEs of a campaign's shards");
  CampaignMerge merge = mergeCampaignResults(files);
  if (!merge.problems.empty()) {
    for (const std::string& problem : merge.problems)
      std::fprintf(stderr, "ringlab-sim campaign-merge: %s\n", problem.c_str());
    std::fprintf(stderr, "ringlab-sim campaign-merge: nothing merged (%zu of %zu files unusable)\n",
                 merge.problems.size(), files.size());
    return kExitUsage;
  }
  std::string missing;
  for (std::uint64_t index : merge.missingShards) missing += (missing.empty() ? "" : ", ") + std::to_string(index);
  const double allShards = merge.result.wallSeconds;
  merge.result.wallSeconds = merge.longestWallSeconds;
  if (!merge.missingShards.empty()) {
    std::fprintf(stderr, "ringlab-sim campaign-merge: incomplete: %zu file(s) of %llu shards; missing shard(s) %s%s\n",
                 files.size(), static_cast<unsigned long long>(merge.shardCount), missing.c_str(),
                 merge.missingShards.size() >= 100 ? ", ..." : "");
  }
  if (vm.count("json")) {
    if (merge.missingShards.empty()) std::fputs(formatCampaignJson(merge.result).c_str(), stdout);
  } else {
    std::fputs(formatCampaignSummary(merge.result, 0).c_str(), stdout);
    std::printf("  merged from %zu shard file(s) of %llu; the longest shard took %.1fs wall, all together %.1fs\n",
                files.size(), static_cast<unsigned long long>(merge.shardCount), merge.longestWallSeconds, allShards);
  }
  return merge.missingShards.empty() && merge.result.failures.empty() ? kExitOk : kExitExpectationFailed;
}

// Sets the value names of a command's options, replacing the program-wide ones of the same options.
void nameValues(cli::CommandInfo& info, const std::vector<std::pair<std::string, std::string>>& names) {
  for (const auto& [option, value] : names) {
    auto it = std::find_if(info.valueNames.begin(), info.valueNames.end(),
                           [&](const auto& entry) { return entry.first == option; });
    if (it == info.valueNames.end()) {
      info.valueNames.emplace_back(option, value);
    } else {
      it->second = value;
    }
  }
}

// --password, else RINGLAB_REQUIREPASS (as ringlabd reads it), else none.
std::string passwordOrEnvironment(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("RINGLAB_REQUIREPASS");
  return env ? env : "";
}

int runLoadCommand(const std::vector<std::string>& args) {
  cli::CommandInfo info = commandInfo(
      "load", "--nodes HOST:PORT,... --history FILE [OPTION]...",
      "Runs closed-loop clients against real ringlabd nodes for a while: each operation goes to a random node, reads "
      "with GETVER and writes a unique value with SETVER, and is written to the history file (JSON lines) with the "
      "times it began and ended on the machine's monotonic clock. An operation that gets no answer within --timeout "
      "fails (a stopped or cut-off node never blocks a client). 'check-history' judges the file. "
      "scripts/nemesis.sh runs this under faults.",
      {{kExitOk, "the load ran; the history is written"},
       {kExitExpectationFailed, "no node could be reached at the start, or the history could not be written"},
       {kExitUsage, "usage error: a bad flag or argument"}});
  nameValues(info, {{"nodes", "HOST:PORT,..."},
                    {"history", "FILE"},
                    {"clients", "N"},
                    {"keys", "N"},
                    {"read-ratio", "FRACTION"},
                    {"timeout-ms", "MS"},
                    {"password", "PASSWORD"}});
  po::options_description options("Options");
  std::string nodes, history, password;
  double seconds = 60, timeoutMs = 2000, readRatio = 0.5;
  std::size_t clients = 4, keys = 40;
  std::uint64_t seed = 1;
  options.add_options()("help,h", "show this help")("nodes", po::value(&nodes),
                                                    "client addresses of the nodes, comma-separated")(
      "history", po::value(&history), "the history file to write (JSON lines)")(
      "seconds", po::value(&seconds)->default_value(60), "how long to run")(
      "clients", po::value(&clients)->default_value(4), "closed-loop clients (threads)")(
      "keys", po::value(&keys)->default_value(40), "distinct keys, chosen uniformly")(
      "read-ratio", po::value(&readRatio)->default_value(0.5), "share of operations that are reads")(
      "timeout-ms", po::value(&timeoutMs)->default_value(2000), "deadline of one operation, connecting included")(
      "seed", po::value(&seed)->default_value(1), "random seed of the clients' choices")(
      "password", po::value(&password), "AUTH password, when the nodes require one (or RINGLAB_REQUIREPASS)");
  po::variables_map vm;
  if (auto exit = cli::parseCommandLine(info, args, options, vm)) return *exit;
  if (nodes.empty()) return cli::usageError(info, "--nodes: expected HOST:PORT,... of at least one node");
  if (history.empty()) return cli::usageError(info, "--history: expected the file to write");
  auto endpoints = nemesis::parseEndpoints(nodes);
  if (!endpoints) return cli::usageError(info, "--nodes: " + endpoints.status().message());
  if (!(seconds > 0) || seconds > 86400)
    return cli::usageError(info, fmt::format("--seconds: expected 0 < S <= 86400, got {}", seconds));
  if (clients < 1 || clients > 256)
    return cli::usageError(info, fmt::format("--clients: expected 1 to 256, got {}", clients));
  if (keys < 1 || keys > 1000000)
    return cli::usageError(info, fmt::format("--keys: expected 1 to 1000000, got {}", keys));
  if (!(readRatio >= 0 && readRatio <= 1))
    return cli::usageError(info, fmt::format("--read-ratio: expected 0 to 1, got {}", readRatio));
  if (!(timeoutMs >= 1 && timeoutMs <= 600000)) {
    return cli::usageError(info, fmt::format("--timeout-ms: expected 1 to 600000, got {}", timeoutMs));
  }
  nemesis::LoadOptions load;
  load.nodes = std::move(*endpoints);
  load.clients = clients;
  load.keys = keys;
  load.readRatio = readRatio;
  load.duration = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
  load.timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(timeoutMs));
  load.seed = seed;
  load.historyPath = history;
  load.password = passwordOrEnvironment(password);
  std::printf("load: %zu clients on %zu nodes, %zu keys, %.0f%% reads, for %g s; history in %s\n", clients,
              load.nodes.size(), keys, readRatio * 100, seconds, history.c_str());
  std::fflush(stdout);
  auto result = nemesis::runLoad(load, stdout);
  if (!result) {
    std::fprintf(stderr, "ringlab-sim load: %s\n", result.status().message().c_str());
    return kExitExpectationFailed;
  }
  std::printf("load: done, %llu operations (%llu succeeded, %llu failed)\n",
              static_cast<unsigned long long>(result->operations), static_cast<unsigned long long>(result->succeeded),
              static_cast<unsigned long long>(result->failed));
  return kExitOk;
}

int runCheckHistoryCommand(const std::vector<std::string>& args) {
  cli::CommandInfo info = commandInfo(
      "check-history", "--nodes HOST:PORT,... --history FILE [OPTION]...",
      "Checks a history recorded by 'load' against real nodes with the simulation's history checker. It waits until "
      "every node's own copy of every key agrees (LOCALGET; up to --settle seconds), reads every key through every "
      "node (GETVER, added to the history), and reports lost acknowledged writes, values no write carried, reads "
      "whose value differs from their version's write, stale reads (a version older than one acknowledged before the "
      "read began) and keys whose replicas still differ. Every node given is taken as a replica of every key: run the "
      "cluster with N equal to its number of nodes.",
      {{kExitOk, "no anomaly: the history is consistent with the nodes' final state"},
       {kExitExpectationFailed, "an anomaly was found (each is listed), or the nodes could not be read"},
       {kExitUsage, "usage or input error: a bad flag, or a history file that cannot be read or parsed"}});
  nameValues(info, {{"nodes", "HOST:PORT,..."},
                    {"history", "FILE"},
                    {"settle", "SECONDS"},
                    {"timeout-ms", "MS"},
                    {"password", "PASSWORD"},
                    {"allow-stale-reads-from", "MICROS"}});
  po::options_description options("Options");
  std::string nodes, history, password;
  double settle = 60, timeoutMs = 2000;
  options.add_options()("help,h", "show this help")("nodes", po::value(&nodes),
                                                    "client addresses of every node, comma-separated")(
      "history", po::value(&history), "the history file 'load' wrote")("settle", po::value(&settle)->default_value(60),
                                                                       "seconds to wait for the replicas to agree")(
      "timeout-ms", po::value(&timeoutMs)->default_value(2000), "deadline of one read")(
      "allow-stale-reads-from", po::value<std::int64_t>(),
      "report stale reads invoked at or after this instant (microseconds of the monotonic clock, as in the history) "
      "without failing: a run that lost a disk then may read stale values until repair")(
      "password", po::value(&password), "AUTH password, when the nodes require one (or RINGLAB_REQUIREPASS)");
  po::variables_map vm;
  if (auto exit = cli::parseCommandLine(info, args, options, vm)) return *exit;
  if (nodes.empty()) return cli::usageError(info, "--nodes: expected HOST:PORT,... of every node");
  if (history.empty()) return cli::usageError(info, "--history: expected the file 'load' wrote");
  auto endpoints = nemesis::parseEndpoints(nodes);
  if (!endpoints) return cli::usageError(info, "--nodes: " + endpoints.status().message());
  if (!(settle >= 0 && settle <= 3600))
    return cli::usageError(info, fmt::format("--settle: expected 0 to 3600, got {}", settle));
  if (!(timeoutMs >= 1 && timeoutMs <= 600000)) {
    return cli::usageError(info, fmt::format("--timeout-ms: expected 1 to 600000, got {}", timeoutMs));
  }
  nemesis::CheckOptions check;
  check.nodes = std::move(*endpoints);
  check.historyPath = history;
  check.settle = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(settle));
  check.timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(timeoutMs));
  if (vm.count("allow-stale-reads-from")) {
    const std::int64_t from = vm["allow-stale-reads-from"].as<std::int64_t>();
    if (from < 0)
      return cli::usageError(info, fmt::format("--allow-stale-reads-from: expected 0 or more, got {}", from));
    check.staleReadsAllowedFrom = TimePoint{std::chrono::microseconds(from)};
  }
  check.password = passwordOrEnvironment(password);
  const int status = nemesis::runCheck(check, stdout);
  return status == 2 ? kExitUsage : status == 0 ? kExitOk : kExitExpectationFailed;
}

std::vector<cli::OptionHelp> programOptions(const cli::CommandInfo& program) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit")("version", "print the version and exit");
  std::vector<cli::OptionHelp> described = cli::describeOptions(program, options);
  for (cli::OptionHelp& option : cli::documentationOptions()) described.push_back(std::move(option));
  return described;
}

// The program and every command as --help describes them: each command's parser runs under a collector, which
// records its options instead of parsing.
cli::ProgramDoc documentation(const cli::CommandInfo& program) {
  cli::ProgramDoc doc;
  doc.program = {program, programOptions(program)};
  doc.section = 1;
  doc.brief = "run RingLab's simulated cluster headless: scenarios, fault campaigns, ring placement";
  doc.seeAlso = {"ringlab(1)", "ringlabd(8)"};
  doc.fileArguments = {"*.yaml", "*.yml"};
  {
    cli::DocumentationCollector collector;
    runScenario({}, false);
    runScenario({}, true);
    runCampaignMerge({});
    runCheck({});
    runCourse({});
    runList({});
    runDemo({}, false);
    runRing({});
    runLoadCommand({});
    runCheckHistoryCommand({});
    doc.commands = collector.commands();
  }
  return doc;
}

}  // namespace

int main(int argc, char** argv) {
  const cli::CommandInfo program = programInfo();
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = "demo";
  bool implicit = true;
  if (!args.empty()) {
    const std::string& first = args.front();
    if (first == "--help" || first == "-h" || (first == "help" && args.size() == 1)) {
      std::fputs(cli::formatHelp(program, programOptions(program)).c_str(), stdout);
      return kExitOk;
    }
    try {
      if (const auto kind = cli::documentationRequest(args)) {
        std::fputs(cli::formatDocumentation(documentation(program), *kind, RINGLAB_VERSION).c_str(), stdout);
        return kExitOk;
      }
    } catch (const cli::UsageError& e) {
      return cli::usageError(program, e.what());
    }
    if (first == "--version") {
      std::fputs(cli::formatVersion(kProgram, RINGLAB_VERSION).c_str(), stdout);
      return kExitOk;
    }
    if (first == "help") {  // help COMMAND
      args = {args[1], "--help"};
    }
    if (args.front().rfind("-", 0) != 0) {
      command = args.front();
      args.erase(args.begin());
      implicit = false;
    }
  }
  try {
    if (command == "run") return runScenario(args, false);
    if (command == "campaign") return runScenario(args, true);
    if (command == "campaign-merge") return runCampaignMerge(args);
    if (command == "check") return runCheck(args);
    if (command == "course") return runCourse(args);
    if (command == "list") return runList(args);
    if (command == "demo") return runDemo(args, implicit);
    if (command == "ring") return runRing(args);
    if (command == "load") return runLoadCommand(args);
    if (command == "check-history") return runCheckHistoryCommand(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringlab-sim: %s\n", e.what());
    return kExitExpectationFailed;
  }
  return cli::usageError(
      program, "unknown command '" + command +
                   "' (expected run, campaign, campaign-merge, check, course, list, demo, ring, load or check-history)");
}
