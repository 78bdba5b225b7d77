#include <gtest/gtest.h>
#include <ringlab/engine/hints.h>

#include <chrono>
#include <string>
#include <vector>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

Record recordAt(std::int64_t micros, Value value = "value") { return Record{Version{micros, 0, 1}, std::move(value)}; }

std::vector<Key> keysOf(const std::vector<Hint>& hints) {
  std::vector<Key> keys;
  keys.reserve(hints.size());
  for (const Hint& hint : hints) keys.push_back(hint.key);
  return keys;
}

void expectConsistent(const HintStore& store) {
  const HintStats& stats = store.stats();
  EXPECT_EQ(stats.stored, stats.replayed + stats.dropped + stats.superseded + stats.pending);
  EXPECT_EQ(stats.pending, store.pending());
  std::size_t pending = 0;
  std::size_t bytes = 0;
  for (NodeId owner : store.owners()) {
    const std::vector<Hint> hints = store.pendingFor(owner, 1u << 30);
    EXPECT_EQ(hints.size(), store.pendingCount(owner));
    EXPECT_FALSE(hints.empty());
    pending += hints.size();
    for (const Hint& hint : hints) bytes += hint.footprint();
  }
  EXPECT_EQ(stats.pending, pending);
  EXPECT_EQ(stats.bytes, bytes);
}

TEST(HintStoreTest, StorePendingForAcknowledgeRoundTrip) {
  HintStore store;
  store.store(2, "apple", recordAt(10, "a"), TimePoint{1s});
  store.store(2, "banana", recordAt(11, "b"), TimePoint{2s});
  store.store(5, "cherry", recordAt(12, "c"), TimePoint{3s});
  EXPECT_EQ(store.pending(), 3u);
  EXPECT_EQ(store.pendingCount(2), 2u);
  EXPECT_EQ(store.pendingCount(5), 1u);
  EXPECT_EQ(store.pendingCount(9), 0u);

  const std::vector<Hint> forTwo = store.pendingFor(2, 10);
  ASSERT_EQ(forTwo.size(), 2u);
  EXPECT_EQ(forTwo[0], (Hint{2, "apple", recordAt(10, "a"), TimePoint{1s}, 1}));
  EXPECT_EQ(forTwo[1], (Hint{2, "banana", recordAt(11, "b"), TimePoint{2s}, 2}));
  EXPECT_EQ(keysOf(store.pendingFor(2, 1)), std::vector<Key>{"apple"});
  EXPECT_TRUE(store.pendingFor(2, 0).empty());
  EXPECT_TRUE(store.pendingFor(9, 10).empty());

  store.acknowledge(2, "apple", recordAt(10).version);
  EXPECT_EQ(keysOf(store.pendingFor(2, 10)), std::vector<Key>{"banana"});
  store.acknowledge(2, "banana", recordAt(11).version);
  store.acknowledge(5, "cherry", recordAt(12).version);
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_TRUE(store.owners().empty());
  EXPECT_EQ(store.stats(), (HintStats{.stored = 3, .replayed = 3}));
  expectConsistent(store);
}

TEST(HintStoreTest, PendingForReturnsOldestFirst) {
  HintStore store;
  for (const char* key : {"z", "m", "a", "q"}) store.store(1, key, recordAt(5), TimePoint{});
  EXPECT_EQ(keysOf(store.pendingFor(1, 10)), (std::vector<Key>{"z", "m", "a", "q"}));
  EXPECT_EQ(keysOf(store.pendingFor(1, 2)), (std::vector<Key>{"z", "m"}));
}

TEST(HintStoreTest, NewerHintReplacesOlderAndCountsSuperseded) {
  HintStore store;
  store.store(3, "k", recordAt(10, "old"), TimePoint{1s});
  store.store(3, "other", recordAt(10), TimePoint{1s});
  store.store(3, "k", recordAt(20, "new"), TimePoint{2s});
  EXPECT_EQ(store.pendingCount(3), 2u);
  const std::vector<Hint> hints = store.pendingFor(3, 10);
  // The replacement is the newest hint now, behind "other".
  EXPECT_EQ(keysOf(hints), (std::vector<Key>{"other", "k"}));
  EXPECT_EQ(hints[1].record.value, "new");
  EXPECT_EQ(hints[1].stored, TimePoint{2s});
  EXPECT_EQ(store.stats().superseded, 1u);
  EXPECT_EQ(store.stats().stored, 3u);
  expectConsistent(store);
}

TEST(HintStoreTest, OlderOrEqualHintIsIgnored) {
  HintStore store;
  store.store(3, "k", recordAt(20, "new"), TimePoint{1s});
  store.store(3, "k", recordAt(10, "old"), TimePoint{2s});
  store.store(3, "k", recordAt(20, "same version"), TimePoint{3s});
  const std::vector<Hint> hints = store.pendingFor(3, 10);
  ASSERT_EQ(hints.size(), 1u);
  EXPECT_EQ(hints[0].record.value, "new");
  EXPECT_EQ(hints[0].stored, TimePoint{1s});
  EXPECT_EQ(store.stats(), (HintStats{.stored = 1, .pending = 1, .bytes = hints[0].footprint()}));
}

TEST(HintStoreTest, SameKeyForDifferentOwnersAreSeparateHints) {
  HintStore store;
  store.store(1, "k", recordAt(10), TimePoint{});
  store.store(2, "k", recordAt(5), TimePoint{});
  EXPECT_EQ(store.pending(), 2u);
  EXPECT_EQ(store.stats().superseded, 0u);
  store.acknowledge(1, "k", recordAt(10).version);
  EXPECT_EQ(store.owners(), std::vector<NodeId>{2});
}

TEST(HintStoreTest, AcknowledgingAStaleVersionKeepsTheNewerHint) {
  HintStore store;
  store.store(4, "k", recordAt(10, "first"), TimePoint{});
  const Version replaying = store.pendingFor(4, 1)[0].record.version;
  store.store(4, "k", recordAt(30, "second"), TimePoint{});  // arrives while the first is being replayed
  store.acknowledge(4, "k", replaying);
  ASSERT_EQ(store.pendingCount(4), 1u);
  EXPECT_EQ(store.pendingFor(4, 1)[0].record.value, "second");
  EXPECT_EQ(store.stats().replayed, 0u);

  // Unknown owner or key: nothing happens.
  store.acknowledge(9, "k", recordAt(30).version);
  store.acknowledge(4, "nope", recordAt(30).version);
  EXPECT_EQ(store.pending(), 1u);

  store.acknowledge(4, "k", recordAt(30).version);
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_EQ(store.stats().replayed, 1u);
  expectConsistent(store);
}

TEST(HintStoreTest, CountLimitDropsTheOldestAcrossOwners) {
  HintStore store(3);
  store.store(7, "a", recordAt(1), TimePoint{1s});
  store.store(2, "b", recordAt(1), TimePoint{2s});
  store.store(7, "c", recordAt(1), TimePoint{3s});
  store.store(2, "d", recordAt(1), TimePoint{4s});  // evicts 7/"a"
  store.store(9, "e", recordAt(1), TimePoint{5s});  // evicts 2/"b"
  EXPECT_EQ(store.pending(), 3u);
  EXPECT_EQ(store.stats().dropped, 2u);
  EXPECT_EQ(keysOf(store.pendingFor(7, 10)), std::vector<Key>{"c"});
  EXPECT_EQ(keysOf(store.pendingFor(2, 10)), std::vector<Key>{"d"});
  EXPECT_EQ(keysOf(store.pendingFor(9, 10)), std::vector<Key>{"e"});
  expectConsistent(store);
}

TEST(HintStoreTest, ByteLimitDropsTheOldestAcrossOwners) {
  const std::size_t each = std::string("k0").size() + recordAt(1, std::string(100, 'x')).footprint();
  HintStore store(1000, 3 * each + each / 2);
  for (int i = 0; i < 3; ++i) store.store(i % 2, "k" + std::to_string(i), recordAt(1, std::string(100, 'x')), {});
  EXPECT_EQ(store.stats().dropped, 0u);
  EXPECT_EQ(store.stats().bytes, 3 * each);

  // A hint twice the size needs two of the oldest to go.
  store.store(5, "k3", recordAt(1, std::string(100 + each, 'y')), {});
  EXPECT_EQ(store.stats().dropped, 2u);
  EXPECT_EQ(store.owners(), (std::vector<NodeId>{0, 5}));
  EXPECT_EQ(keysOf(store.pendingFor(0, 10)), std::vector<Key>{"k2"});
  EXPECT_LE(store.stats().bytes, 3 * each + each / 2);
  expectConsistent(store);
}

TEST(HintStoreTest, HintLargerThanTheBudgetIsDroppedWithoutEvictingOthers) {
  HintStore store(10, 200);
  store.store(1, "small", recordAt(1, "v"), {});
  store.store(1, "big", recordAt(1, std::string(500, 'x')), {});
  EXPECT_EQ(keysOf(store.pendingFor(1, 10)), std::vector<Key>{"small"});
  EXPECT_EQ(store.stats().dropped, 1u);
  EXPECT_EQ(store.stats().stored, 2u);
  expectConsistent(store);

  HintStore none(0);
  none.store(1, "k", recordAt(1), {});
  EXPECT_EQ(none.pending(), 0u);
  EXPECT_EQ(none.stats().dropped, 1u);
  expectConsistent(none);
}

TEST(HintStoreTest, OwnersAreSortedAndListOnlyThoseWithPendingHints) {
  HintStore store;
  for (NodeId owner : {9u, 3u, 12u, 0u, 3u}) store.store(owner, "k" + std::to_string(owner), recordAt(1), {});
  EXPECT_EQ(store.owners(), (std::vector<NodeId>{0, 3, 9, 12}));
  store.acknowledge(9, "k9", recordAt(1).version);
  EXPECT_EQ(store.owners(), (std::vector<NodeId>{0, 3, 12}));
}

TEST(HintStoreTest, ClearDropsEverythingPendingAndKeepsCounters) {
  HintStore store;
  store.store(1, "a", recordAt(1), {});
  store.store(2, "b", recordAt(1), {});
  store.acknowledge(1, "a", recordAt(1).version);
  store.clear();
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_TRUE(store.owners().empty());
  EXPECT_EQ(store.stats(), (HintStats{.stored = 2, .replayed = 1, .dropped = 1}));
  store.store(2, "b", recordAt(1), {});
  EXPECT_EQ(store.pendingCount(2), 1u);
  expectConsistent(store);
}

TEST(HintStoreTest, StatsStayConsistentUnderAMixedWorkload) {
  HintStore store(50, 4000);
  std::uint64_t x = 12345;
  const auto next = [&x] {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x >> 33;
  };
  for (int i = 0; i < 2000; ++i) {
    const NodeId owner = static_cast<NodeId>(next() % 5);
    const Key key = "k" + std::to_string(next() % 40);
    const Record record = recordAt(static_cast<std::int64_t>(next() % 100), std::string(next() % 120, 'v'));
    if (next() % 3 == 0) {
      store.acknowledge(owner, key, record.version);
    } else {
      store.store(owner, key, record, TimePoint{std::chrono::milliseconds(i)});
    }
    ASSERT_LE(store.pending(), 50u);
    ASSERT_LE(store.stats().bytes, 4000u);
  }
  expectConsistent(store);
  EXPECT_GT(store.stats().dropped, 0u);
  EXPECT_GT(store.stats().superseded, 0u);
}

}  // namespace
}  // namespace ringlab
