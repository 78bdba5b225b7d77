// ringlab-sim: the headless tool. Runs the in-process cluster without a GUI and prints what happened, and shows
// how a ring places data.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <ringlab/engine/ring.h>
#include <ringlab/sim/ring_report.h>
#include <ringlab/sim/simulation.h>
#include <ringlab/sim/summary.h>

namespace po = boost::program_options;
using namespace ringlab;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

const char* kUsage =
    "Usage: ringlab-sim [COMMAND] [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  demo     run the default 5-node cluster under a mixed workload and print a summary (the default)\n"
    "  ring     show how a ring places data: each node's ownership and the balance statistics\n"
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
  options.add_options()("help,h", "show this help")(
      "seconds", po::value(&seconds)->default_value(5), "virtual seconds to run")(
      "seed", po::value(&seed)->default_value(1), "random seed (the same seed gives the same run)")(
      "nodes", po::value(&nodes)->default_value(5), "number of nodes")(
      "rate", po::value(&rate)->default_value(10000), "client operations per second (open loop)")(
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
    if (partitions == 0 || partitions > (1u << 20)) return usageError("ring: --partitions must be between 1 and 1048576");
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
    if (command == "demo") return runDemo(args);
    if (command == "ring") return runRing(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringlab-sim: %s\n", e.what());
    return 1;
  }
  return usageError("unknown command '" + command + "' (expected demo or ring)");
}
