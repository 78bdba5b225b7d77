// Anti-entropy benchmarks, in virtual time and bytes rather than CPU time:
//  - BM_ConvergeAfterPartition/keys: a 5-node cluster (N=3, R=W=2, every mechanism on) loads `keys` keys, is split
//    2|3 for 10 s under writes, heals; reports the virtual seconds until every replica agrees.
//  - BM_AntiEntropyBytes/divergent: 20,000 keys on every replica, then `divergent` keys changed on one replica only;
//    anti-entropy alone repairs them; reports the anti-entropy bytes sent until convergence against the bytes a
//    full transfer of that replica's data would take.
//  - BM_InSyncExchanges: the same 20,000 keys on every replica and nothing divergent; reports what one exchange
//    between replicas that agree costs, over 60 s of anti-entropy.
#include <benchmark/benchmark.h>

#include <ringlab/engine/hash.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

void BM_ConvergeAfterPartition(benchmark::State& state) {
  const auto keys = static_cast<std::uint64_t>(state.range(0));
  double convergedSeconds = 0;
  double divergentAtHeal = 0;
  for (auto _ : state) {
    ScenarioSpec spec;
    spec.name = "converge";
    spec.duration = 25s;
    spec.cluster.seed = 1;
    spec.cluster.nodes = 5;
    spec.quiesce.limit = 300s;
    spec.quiesce.checkEvery = 250ms;
    WorkloadConfig workload;
    workload.ratePerSecond = 2000;
    workload.readRatio = 0.2;
    workload.keys = KeyDistribution::uniform(keys);
    spec.workloads.push_back(workload);
    TimelineEntry cut;
    cut.at = TimePoint{10s};
    cut.actions.push_back(PartitionAction{{{0, 1}, {2, 3, 4}}});
    TimelineEntry heal;
    heal.at = TimePoint{20s};
    heal.actions.push_back(HealAction{});
    spec.timeline = {cut, heal};
    // Stop the clients at the heal, so the time measured is the repair after it.
    spec.workloads[0].stop = TimePoint{20s};
    ScenarioRunner runner(spec);
    runner.runUntil(TimePoint{20s});
    divergentAtHeal = static_cast<double>(countDivergentKeys(runner.readReplicas()));
    const ScenarioReport report = runner.finish();
    convergedSeconds = report.convergenceTime
                           ? static_cast<double>((*report.convergenceTime + (report.duration - 20s)).count()) / 1e9
                           : -1;
  }
  state.counters["divergent_keys_at_heal"] = divergentAtHeal;
  state.counters["virtual_s_to_converge"] = convergedSeconds;
}
BENCHMARK(BM_ConvergeAfterPartition)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// Five nodes with anti-entropy the only repair mechanism.
SimulationConfig antiEntropyOnly(std::uint64_t seed) {
  SimulationConfig config;
  config.seed = seed;
  config.nodes = 5;
  config.mechanisms.hintedHandoff = false;
  config.mechanisms.readRepair = false;
  return config;
}

// The record every replica starts with: 200 bytes, one version.
Record loadedRecord() {
  Record record;
  record.value.assign(200, 'v');
  record.version = Version{1'000, 0, 1};
  return record;
}

void BM_AntiEntropyBytes(benchmark::State& state) {
  const auto divergent = static_cast<std::uint64_t>(state.range(0));
  constexpr std::uint64_t kKeys = 20'000;
  double aeBytes = 0, fullBytes = 0, seconds = 0;
  for (auto _ : state) {
    Simulation sim(antiEntropyOnly(2));
    const NodeId victim = 0;
    const Record record = loadedRecord();
    std::vector<Key> victimKeys;
    PreferenceList list;
    for (std::uint64_t k = 0; k < kKeys; ++k) {
      const Key key = keyName(k);
      sim.ring().preferenceList(tokenForKey(key), 3, 0, list);
      for (NodeId replica : list.replicas) {
        (void)sim.node(replica).storage().apply(key, record);
        if (replica == victim) victimKeys.push_back(key);
      }
    }
    // The victim misses the newest version of `divergent` of its keys.
    Record newer = record;
    newer.version = Version{2'000, 0, 2};
    for (std::uint64_t i = 0; i < divergent && i < victimKeys.size(); ++i) {
      sim.ring().preferenceList(tokenForKey(victimKeys[i]), 3, 0, list);
      for (NodeId replica : list.replicas) {
        if (replica != victim) (void)sim.node(replica).storage().apply(victimKeys[i], newer);
      }
    }
    fullBytes = static_cast<double>(sim.node(victim).storage().stats().bytes);
    const std::uint64_t before = sim.totalNodeStats().antiEntropyBytesSent;
    // Run until the victim holds every newer version.
    for (int step = 0; step < 2400; ++step) {
      sim.runFor(100ms);
      bool done = true;
      for (std::uint64_t i = 0; i < divergent && i < victimKeys.size() && done; ++i) {
        done = sim.node(victim).storage().get(victimKeys[i])->version == newer.version;
      }
      if (done) break;
    }
    seconds = static_cast<double>(sim.now().nanos()) / 1e9;
    aeBytes = static_cast<double>(sim.totalNodeStats().antiEntropyBytesSent - before);
  }
  state.counters["ae_bytes"] = aeBytes;
  state.counters["full_transfer_bytes"] = fullBytes;
  state.counters["ae_over_full"] = aeBytes / fullBytes;
  state.counters["virtual_s"] = seconds;
}
BENCHMARK(BM_AntiEntropyBytes)->Arg(1)->Arg(10)->Arg(100)->Arg(1'000)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_InSyncExchanges(benchmark::State& state) {
  constexpr std::uint64_t kKeys = 20'000;
  double bytes = 0, exchanges = 0;
  for (auto _ : state) {
    Simulation sim(antiEntropyOnly(3));
    const Record record = loadedRecord();
    PreferenceList list;
    for (std::uint64_t k = 0; k < kKeys; ++k) {
      const Key key = keyName(k);
      sim.ring().preferenceList(tokenForKey(key), 3, 0, list);
      for (NodeId replica : list.replicas) (void)sim.node(replica).storage().apply(key, record);
    }
    sim.runFor(60s);
    bytes = static_cast<double>(sim.totalNodeStats().antiEntropyBytesSent);
    exchanges = static_cast<double>(sim.totalNodeStats().antiEntropyExchanges);
  }
  state.counters["exchanges"] = exchanges;
  state.counters["ae_bytes"] = bytes;
  state.counters["bytes_per_exchange"] = exchanges > 0 ? bytes / exchanges : 0;
}
BENCHMARK(BM_InSyncExchanges)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace ringlab
