// Benchmarks of the simulation's machinery: storage, fiber switches, and whole-cluster simulation speed.
#include <benchmark/benchmark.h>

#include <chrono>

#include <boost/fiber/all.hpp>

#include <ringlab/engine/storage.h>
#include <ringlab/sim/key_distribution.h>
#include <ringlab/sim/scheduler.h>
#include <ringlab/sim/simulation.h>

namespace ringlab {
namespace {

void BM_StoragePut(benchmark::State& state) {
  auto storage = makeMemoryStorage();
  const auto keys = static_cast<std::uint64_t>(state.range(0));
  Record record;
  record.value.assign(100, 'v');
  std::uint64_t i = 0;
  for (auto _ : state) {
    record.version.physicalMicros = static_cast<std::int64_t>(++i);
    benchmark::DoNotOptimize(storage->apply(keyName(i % keys), record));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoragePut)->Arg(10'000)->Arg(1'000'000);

void BM_StorageGet(benchmark::State& state) {
  auto storage = makeMemoryStorage();
  const auto keys = static_cast<std::uint64_t>(state.range(0));
  Record record;
  record.value.assign(100, 'v');
  record.version.physicalMicros = 1;
  for (std::uint64_t k = 0; k < keys; ++k) (void)storage->apply(keyName(k), record);
  std::vector<std::string> probes;
  for (std::uint64_t k = 0; k < 4096; ++k) probes.push_back(keyName((k * 7919) % keys));
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(storage->get(probes[i++ & 4095]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StorageGet)->Arg(10'000)->Arg(1'000'000);

// Two fibers handing control back and forth through the deterministic scheduler: one iteration is one switch.
void BM_FiberSwitch(benchmark::State& state) {
  installDeterministicScheduler();
  bool done = false;
  boost::fibers::fiber other([&] {
    while (!done) boost::this_fiber::yield();
  });
  for (auto _ : state) boost::this_fiber::yield();
  done = true;
  other.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FiberSwitch);

// The default cluster (5 nodes, N=3, R=W=2) under an open-loop workload of 10,000 operations per second; one
// iteration simulates one virtual second. Reports delivered messages per wall-clock second and the ratio of virtual
// to real time.
void BM_SimulateCluster(benchmark::State& state) {
  std::uint64_t delivered = 0;
  double virtualSeconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    SimulationConfig config;
    config.seed = 1;
    config.nodes = 5;
    config.quorum = {3, 2, 2};
    auto sim = std::make_unique<Simulation>(config);
    WorkloadConfig workload;
    workload.ratePerSecond = static_cast<double>(state.range(0));
    workload.readRatio = 0.8;
    workload.keys = KeyDistribution::zipfian(10'000, 0.99);
    sim->addWorkload(workload);
    state.ResumeTiming();
    sim->runUntil(TimePoint{std::chrono::seconds(1)});
    state.PauseTiming();
    delivered += sim->metrics().totalMessages().delivered;
    virtualSeconds += 1;
    sim.reset();
    state.ResumeTiming();
  }
  state.counters["messages_per_s"] = benchmark::Counter(static_cast<double>(delivered), benchmark::Counter::kIsRate);
  state.counters["x_real_time"] = benchmark::Counter(virtualSeconds, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimulateCluster)->Arg(10'000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace ringlab
