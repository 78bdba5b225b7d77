// ringlab-sim: the headless tool. Runs the in-process cluster without a GUI and prints what happened, and shows
// how a ring places data.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <ringlab/engine/ring.h>
#include <ringlab/sim/campaign.h>
#include <ringlab/sim/file_output.h>
#include <ringlab/sim/ring_report.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_catalog.h>
#include <ringlab/sim/scenario_runner.h>
#include <ringlab/sim/simulation.h>
#include <ringlab/sim/summary.h>
#include <ringlab/sim/timeseries.h>
#include <ringlab/sim/trace_export.h>

namespace po = boost::program_options;
using namespace ringlab;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitExpectationFailed = 1;
constexpr int kExitUsage = 2;
namespace fs = std::filesystem;

const char* kUsage =
    "Usage: ringlab-sim [COMMAND] [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  run FILE     run a scenario headless; prints narration, a summary and whether expectations hold\n"
    "  campaign     replay one seed of the randomized fault campaign: campaign --seed N\n"
    "  check FILE   validate a scenario file without running it\n"
    "  list         list the shipped scenarios with their titles\n"
    "  demo         run the default 5-node cluster under a mixed workload and print a summary (the default)\n"
    "  ring         show how a ring places data: each node's ownership and the balance statistics\n"
    "\n"
    "FILE is a path, or the name of a shipped scenario (see 'list').\n"
    "Exit status: 0 when every expectation holds, 1 when one fails, 2 for usage or input errors.\n"
    "\n"
    "Run 'ringlab-sim COMMAND --help' for a command's options.\n"
    "  --help       show this help\n"
    "  --version    print the version\n";

int usageError(const std::string& message) {
  std::fprintf(stderr, "ringlab-sim: %s\nRun 'ringlab-sim --help' for usage.\n", message.c_str());
  return kExitUsage;
}

// Parses `args` against `options`; returns false (after printing) on error or --help.
bool parse(const std::vector<std::string>& args, const po::options_description& options, po::variables_map& vm,
           const char* command, int& exitCode) {
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    exitCode = usageError(std::string(command) + ": " + e.what());
    return false;
  }
  if (vm.count("help")) {
    std::cout << "Usage: ringlab-sim " << command << " [OPTIONS]\n\n" << options;
    exitCode = kExitOk;
    return false;
  }
  return true;
}

int runDemo(const std::vector<std::string>& args) {
  po::options_description options("Options");
  double seconds = 5;
  std::uint64_t seed = 1;
  std::size_t nodes = 5;
  double rate = 10000;
  options.add_options()("help,h", "show this help")("seconds", po::value(&seconds)->default_value(5),
                                                    "virtual seconds to run")(
      "seed", po::value(&seed)->default_value(1), "random seed (the same seed gives the same run)")(
      "nodes", po::value(&nodes)->default_value(5), "number of nodes")("rate", po::value(&rate)->default_value(10000),
                                                                       "client operations per second (open loop)")(
      "crash", "crash n3 at 40% of the run and restart it at 70%, to show failures and recovery");
  po::variables_map vm;
  int exitCode = 0;
  if (!parse(args, options, vm, "demo", exitCode)) return exitCode;
  if (!(seconds > 0) || seconds > 3600) return usageError("demo: --seconds must be between 0 and 3600");
  if (!(rate >= 0) || rate > 1e6) return usageError("demo: --rate must be between 0 and 1000000");

  SimulationConfig config;
  config.seed = seed;
  config.nodes = nodes;
  config.quorum = {std::min<std::size_t>(3, nodes), std::min<std::size_t>(2, nodes), std::min<std::size_t>(2, nodes)};
  if (Status s = config.validate(); !s.isOk()) return usageError("demo: " + s.message());
  WorkloadConfig workload;
  workload.ratePerSecond = rate;
  workload.readRatio = 0.8;
  workload.keys = KeyDistribution::zipfian(10000, 0.99);

  Simulation sim(config);
  sim.addWorkload(workload);
  std::printf("RingLab demo: %zu nodes, N=%zu R=%zu W=%zu, %s, seed %llu\n", config.nodes, config.quorum.n,
              config.quorum.r, config.quorum.w, workload.describe().c_str(), static_cast<unsigned long long>(seed));
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
  int exitCode = 0;
  if (!parse(args, options, vm, "ring", exitCode)) return exitCode;
  if (nodes == 0 || nodes > 10000) return usageError("ring: --nodes must be between 1 and 10000");
  if (replicas == 0 || replicas > 16) return usageError("ring: --replicas must be between 1 and 16");
  RingConfig config;
  if (vm.count("partitions")) {
    if (partitions == 0 || partitions > (1u << 20))
      return usageError("ring: --partitions must be between 1 and 1048576");
    config.strategy = PlacementStrategy::kPartitions;
    config.partitions = partitions;
  } else {
    if (vnodes == 0 || vnodes > 4096) return usageError("ring: --vnodes must be between 1 and 4096");
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

// Parses `args` against `options` plus any number of positional FILE arguments (returned in `files`). Returns
// false after printing a usage error (exitCode is set).
bool parseWithFiles(const std::vector<std::string>& args, const po::options_description& options, po::variables_map& vm,
                    std::vector<std::string>& files, const char* command, int& exitCode) {
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    exitCode = usageError(std::string(command) + ": " + e.what());
    return false;
  }
  if (vm.count("file")) files = vm["file"].as<std::vector<std::string>>();
  return true;
}

int runList(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "Usage: ringlab-sim list\n\nLists the shipped scenarios (name, duration, title).\n";
    return kExitOk;
  }
  if (!args.empty()) return usageError("list: unexpected argument '" + args[0] + "'");
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
  po::options_description options("Options");
  options.add_options()("help,h", "show this help");
  po::variables_map vm;
  std::vector<std::string> files;
  if (int exitCode = 0; !parseWithFiles(args, options, vm, files, "check", exitCode)) return exitCode;
  if (vm.count("help")) {
    std::cout << "Usage: ringlab-sim check FILE...\n\nValidates scenario files without running them.\n\n" << options;
    return kExitOk;
  }
  if (files.empty()) return usageError("check: expected a scenario FILE");
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

int runScenario(const std::vector<std::string>& args, bool campaign) {
  po::options_description options("Options");
  std::uint64_t seed = 0;
  std::string duration, reportPath, tracePath, csvPath;
  options.add_options()("help,h", "show this help")("seed", po::value(&seed), "override the scenario's seed")(
      "duration", po::value(&duration),
      "override the scenario's duration (e.g. 5s); later timeline entries are skipped")(
      "report", po::value(&reportPath), "write the full report as JSON to this file")(
      "trace", po::value(&tracePath), "write a Chrome trace-event JSON file (open it in ui.perfetto.dev)")(
      "csv", po::value(&csvPath), "write the metric time series (one row per virtual second) as CSV")(
      "quiet,q", "print only the summary (no narration, no progress bar)");
  po::variables_map vm;
  std::vector<std::string> files;
  if (int exitCode = 0; !parseWithFiles(args, options, vm, files, campaign ? "campaign" : "run", exitCode)) {
    return exitCode;
  }
  if (vm.count("help")) {
    if (campaign) {
      std::cout << "Usage: ringlab-sim campaign --seed N [OPTIONS]\n\nRuns the randomized fault campaign of seed N "
                   "(crashes, restarts, partitions, loss, latency spikes, a membership change), as the test suite "
                   "does, to replay a failing seed.\n\n"
                << options;
    } else {
      std::cout << "Usage: ringlab-sim run FILE [OPTIONS]\n\nRuns a scenario headless.\n\n" << options;
    }
    return kExitOk;
  }
  Result<ScenarioSpec> spec = Status(ErrorCode::kInvalidArgument, "no scenario");
  ScenarioRunOptions runOptions;
  if (campaign) {
    if (!files.empty()) return usageError("campaign: unexpected argument '" + files[0] + "'");
    if (!vm.count("seed")) return usageError("campaign: expected --seed N");
    spec = faultCampaignScenario(seed);
  } else {
    if (files.size() != 1) return usageError("run: expected exactly one scenario FILE");
    spec = loadScenarioFile(resolveScenario(files[0]));
    if (!spec) {
      std::fprintf(stderr, "%s\n", spec.status().message().c_str());
      return kExitUsage;
    }
    if (vm.count("seed")) runOptions.seed = seed;
  }
  if (vm.count("duration")) {
    auto parsed = parseDuration(duration);
    if (!parsed || *parsed <= Duration{0}) {
      return usageError("run: --duration: expected a positive duration such as 5s or 500ms, got '" + duration + "'");
    }
    runOptions.duration = *parsed;
  }
  const bool quiet = vm.count("quiet") > 0;
  ProgressBar progress(!quiet && isatty(STDERR_FILENO));
  ScenarioRunner* runnerPtr = nullptr;
  std::unique_ptr<ChromeTraceRecorder> trace;
  runOptions.onNarration = [&](const TimelineEntry& entry) {
    if (trace && !entry.say.empty()) trace->addNarration(entry.at, entry.say);
    if (quiet || (entry.actions.empty() && entry.say.empty() && !entry.pause)) return;  // only a focus for the app
    progress.clear();
    std::string actions;
    for (const auto& action : entry.actions) actions += (actions.empty() ? "" : ", ") + describeAction(action);
    std::printf("%9.3fs  %s%s%s%s\n", static_cast<double>(entry.at.nanos()) / 1e9, actions.c_str(),
                actions.empty() || entry.say.empty() ? "" : ": ", entry.say.c_str(), entry.pause ? "  [pause]" : "");
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
    trace = std::make_unique<ChromeTraceRecorder>(runner.simulation().events());
    trace->declareNodes(runner.simulation().nodeCount());
  }
  MetricsTimeSeries series;
  if (!csvPath.empty()) series.attach(runner.simulation());
  ScenarioReport report = runner.run();
  series.detach();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  progress.clear();

  std::printf("%s%s", quiet ? "" : "\n", formatScenarioSummary(report, RunSpeed{wall}).c_str());
  int exitCode = report.passed ? kExitOk : kExitExpectationFailed;
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
      std::fprintf(stderr, "ringlab-sim: the trace was cut at %zu events; shorten the run for a complete trace\n",
                   trace->recordedEvents());
    }
  }
  if (!csvPath.empty()) {
    if (Status s = series.writeCsv(csvPath); !s.isOk()) {
      std::fprintf(stderr, "ringlab-sim: %s\n", s.toString().c_str());
      exitCode = kExitUsage;
    }
  }
  if (!report.passed) {
    std::fprintf(stderr, "\n%s: %zu expectation(s) failed:\n", report.name.c_str(),
                 static_cast<std::size_t>(std::count_if(report.expectations.begin(), report.expectations.end(),
                                                        [](const auto& e) { return !e.passed; })));
    for (const auto& e : report.expectations) {
      if (!e.passed) std::fprintf(stderr, "  %s\n", e.text.c_str());
    }
  }
  trace.reset();  // it is subscribed to the runner's event bus, which goes first otherwise
  return exitCode;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = "demo";
  if (!args.empty()) {
    const std::string& first = args.front();
    if (first == "--help" || first == "-h" || first == "help") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (first == "--version") {
      std::printf("ringlab-sim %s\n", RINGLAB_VERSION);
      return kExitOk;
    }
    if (first.rfind("-", 0) != 0) {
      command = first;
      args.erase(args.begin());
    }
  }
  try {
    if (command == "run") return runScenario(args, false);
    if (command == "campaign") return runScenario(args, true);
    if (command == "check") return runCheck(args);
    if (command == "list") return runList(args);
    if (command == "demo") return runDemo(args);
    if (command == "ring") return runRing(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringlab-sim: %s\n", e.what());
    return 1;
  }
  return usageError("unknown command '" + command + "' (expected run, campaign, check, list, demo or ring)");
}
