// Merkle tree builds (entry by entry and from a storage scan) and tree comparison. Run with --benchmark_filter=...
#include <ringlab/engine/merkle.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <ringlab/engine/hash.h>
#include <ringlab/engine/random.h>
#include <ringlab/engine/storage.h>

namespace ringlab {
namespace {

constexpr unsigned kDepth = 10;
constexpr std::uint64_t kSeed = 7;
constexpr TokenRange kWholeRing{0, 0};

struct Entry {
  Token token;
  std::string key;
  Version version;
};

std::vector<Entry> randomEntries(std::size_t count, std::uint64_t seed = kSeed) {
  Rng rng(seed);
  std::vector<Entry> entries;
  entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string key = "user:" + std::to_string(rng.next());
    const Token token = tokenForKey(key);
    entries.push_back(
        Entry{token, std::move(key),
              Version{static_cast<std::int64_t>(1 + rng.below(1'000'000'000)), 0, static_cast<NodeId>(rng.below(5))}});
  }
  return entries;
}

MerkleTree treeOf(const std::vector<Entry>& entries) {
  MerkleTree tree(kWholeRing, kDepth);
  for (const Entry& e : entries) tree.add(e.token, e.key, e.version);
  return tree;
}

// add() per entry, in random token order; each add rehashes its path (kDepth inner hashes).
void BM_MerkleBuildByAdd(benchmark::State& state) {
  const std::vector<Entry> entries = randomEntries(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    MerkleTree tree = treeOf(entries);
    benchmark::DoNotOptimize(tree.root());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MerkleBuildByAdd)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// fromStorage over the in-memory storage: scan plus one pass over the inner nodes.
void BM_MerkleFromStorage(benchmark::State& state) {
  const std::unique_ptr<Storage> storage = makeMemoryStorage();
  for (const Entry& e : randomEntries(static_cast<std::size_t>(state.range(0)))) {
    Record record;
    record.version = e.version;
    record.value = "value";
    (void)storage->apply(e.key, record);
  }
  for (auto _ : state) {
    MerkleTree tree = MerkleTree::fromStorage(*storage, kWholeRing, kDepth);
    benchmark::DoNotOptimize(tree.root());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MerkleFromStorage)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// Two depth-10 trees over 100,000 entries that differ in state.range(0) entries (new versions of existing keys).
void BM_MerkleDifferingLeaves(benchmark::State& state) {
  std::vector<Entry> entries = randomEntries(100'000);
  const MerkleTree a = treeOf(entries);
  Rng rng(kSeed + 1);
  for (std::int64_t i = 0; i < state.range(0); ++i) entries[rng.below(entries.size())].version.logical += 1;
  const MerkleTree b = treeOf(entries);
  std::size_t found = 0;
  for (auto _ : state) {
    const std::vector<std::uint32_t> diff = MerkleTree::differingLeaves(a, b);
    found = diff.size();
    benchmark::DoNotOptimize(diff.data());
  }
  state.counters["differingLeaves"] = static_cast<double>(found);
}
BENCHMARK(BM_MerkleDifferingLeaves)->Arg(1)->Arg(100);

// The same comparison against a peer's plain leaf vector (linear scan of 2^10 leaves).
void BM_MerkleDifferingPeerLeaves(benchmark::State& state) {
  std::vector<Entry> entries = randomEntries(100'000);
  const MerkleTree a = treeOf(entries);
  Rng rng(kSeed + 1);
  for (std::int64_t i = 0; i < state.range(0); ++i) entries[rng.below(entries.size())].version.logical += 1;
  const std::vector<std::uint64_t> peerLeaves = treeOf(entries).leaves();
  for (auto _ : state) {
    const std::vector<std::uint32_t> diff = a.differingLeaves(peerLeaves);
    benchmark::DoNotOptimize(diff.data());
  }
}
BENCHMARK(BM_MerkleDifferingPeerLeaves)->Arg(1)->Arg(100);

}  // namespace
}  // namespace ringlab
