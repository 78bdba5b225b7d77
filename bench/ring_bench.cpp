// Ring lookups, builds and ownership statistics. Run with --benchmark_filter=... to pick one.
#include <ringlab/engine/ring.h>

#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

namespace ringlab {
namespace {

constexpr std::size_t kLookupTokens = 4096;  // powers of two: the lookup loop cycles with a mask
constexpr std::size_t kManyLookupTokens = std::size_t{1} << 20;
constexpr std::size_t kReplicas = 3;

RingConfig vnodeConfig(std::size_t perNode) {
  RingConfig config;
  config.strategy = PlacementStrategy::kVnodes;
  config.vnodesPerNode = perNode;
  return config;
}

std::vector<Token> randomTokens(std::uint64_t seed, std::size_t count = kLookupTokens) {
  Rng rng(seed);
  std::vector<Token> tokens(count);
  for (Token& t : tokens) t = rng.next();
  return tokens;
}

void lookupLoop(benchmark::State& state, const Ring& ring, std::size_t tokenCount = kLookupTokens) {
  const std::vector<Token> tokens = randomTokens(7, tokenCount);
  PreferenceList list;
  std::size_t i = 0;
  for (auto _ : state) {
    ring.preferenceList(tokens[i++ & (tokenCount - 1)], kReplicas, 0, list);
    benchmark::DoNotOptimize(list.replicas.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Args: nodes, vnodes per node.
void BM_PreferenceListLookup(benchmark::State& state) {
  Rng rng(1);
  const Ring ring =
      Ring::build(vnodeConfig(static_cast<std::size_t>(state.range(1))), static_cast<std::size_t>(state.range(0)), rng);
  lookupLoop(state, ring);
}
BENCHMARK(BM_PreferenceListLookup)->Args({5, 16})->Args({30, 64})->Args({100, 256})->Args({1000, 256});

// 2^20 distinct tokens, so lookups mostly miss the cache as they would for a server's stream of unrelated keys.
void BM_PreferenceListLookupUncached(benchmark::State& state) {
  Rng rng(1);
  const Ring ring =
      Ring::build(vnodeConfig(static_cast<std::size_t>(state.range(1))), static_cast<std::size_t>(state.range(0)), rng);
  lookupLoop(state, ring, kManyLookupTokens);
}
BENCHMARK(BM_PreferenceListLookupUncached)->Args({1000, 256});

// Same lookup with two fallbacks, as a coordinator asks for when sloppy quorums are on.
void BM_PreferenceListLookupWithFallbacks(benchmark::State& state) {
  Rng rng(1);
  const Ring ring =
      Ring::build(vnodeConfig(static_cast<std::size_t>(state.range(1))), static_cast<std::size_t>(state.range(0)), rng);
  const std::vector<Token> tokens = randomTokens(7);
  PreferenceList list;
  std::size_t i = 0;
  for (auto _ : state) {
    ring.preferenceList(tokens[i++ & (kLookupTokens - 1)], kReplicas, 2, list);
    benchmark::DoNotOptimize(list.fallbacks.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PreferenceListLookupWithFallbacks)->Args({5, 16})->Args({1000, 256});

// Args: partitions Q, nodes.
void BM_PreferenceListLookupPartitions(benchmark::State& state) {
  RingConfig config;
  config.strategy = PlacementStrategy::kPartitions;
  config.partitions = static_cast<std::size_t>(state.range(0));
  Rng rng(1);
  const Ring ring = Ring::build(config, static_cast<std::size_t>(state.range(1)), rng);
  lookupLoop(state, ring);
}
BENCHMARK(BM_PreferenceListLookupPartitions)->Args({4096, 1000})->Args({64, 5});

// Args: nodes, vnodes per node.
void BM_RingBuild(benchmark::State& state) {
  const RingConfig config = vnodeConfig(static_cast<std::size_t>(state.range(1)));
  const auto nodes = static_cast<std::size_t>(state.range(0));
  std::uint64_t seed = 0;
  for (auto _ : state) {
    Rng rng(++seed);
    Ring ring = Ring::build(config, nodes, rng);
    benchmark::DoNotOptimize(ring.entries().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0) * state.range(1)));
}
BENCHMARK(BM_RingBuild)->Args({5, 16})->Args({30, 64})->Args({1000, 256})->Unit(benchmark::kMicrosecond);

void BM_Ownership(benchmark::State& state) {
  Rng rng(1);
  const Ring ring = Ring::build(vnodeConfig(64), 30, rng);
  for (auto _ : state) {
    OwnershipStats stats = ring.ownership(kReplicas);
    benchmark::DoNotOptimize(stats.coefficientOfVariation);
  }
}
BENCHMARK(BM_Ownership)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ringlab
