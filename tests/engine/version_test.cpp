#include <gtest/gtest.h>
#include <ringlab/engine/version.h>

#include <limits>
#include <vector>

namespace ringlab {
namespace {

Record recordAt(Version version, Value value = "v") { return Record{version, std::move(value), false}; }

TEST(VersionTest, OrdersByPhysicalThenLogicalThenNode) {
  EXPECT_LT((Version{1, 9, 9}), (Version{2, 0, 0}));
  EXPECT_LT((Version{5, 1, 9}), (Version{5, 2, 0}));
  EXPECT_LT((Version{5, 2, 0}), (Version{5, 2, 1}));
  EXPECT_EQ((Version{5, 2, 1}), (Version{5, 2, 1}));
}

TEST(VersionTest, CompareBreaksTiesByNode) {
  EXPECT_EQ(compare(Version{5, 2, 0}, Version{5, 2, 1}), Causality::kBefore);
  EXPECT_EQ(compare(Version{5, 2, 1}, Version{5, 2, 0}), Causality::kAfter);
  EXPECT_EQ(compare(Version{5, 2, 1}, Version{5, 2, 1}), Causality::kEqual);
  EXPECT_EQ(compare(Version{4, 0, 0}, Version{3, 7, 9}), Causality::kAfter);
}

TEST(VersionTest, ToStringShowsPhysicalLogicalAndNodeName) {
  EXPECT_EQ((Version{1500123, 4, 1}).toString(), "1500123.4@n2");
  EXPECT_EQ((Version{}).toString(), "0.0@n1");
}

TEST(VersionTest, SupersedesOnlyWhenStrictlyNewer) {
  const Record older = recordAt(Version{10, 0, 0});
  const Record newer = recordAt(Version{10, 0, 1});
  EXPECT_TRUE(supersedes(newer, older));
  EXPECT_FALSE(supersedes(older, newer));
  EXPECT_FALSE(supersedes(newer, newer));
  Record tombstone = recordAt(Version{11, 0, 0}, "");
  tombstone.tombstone = true;
  EXPECT_TRUE(supersedes(tombstone, newer));
}

TEST(VersionTest, ReconcilePicksTheNewestAndIgnoresMissingReplies) {
  const std::vector<std::optional<Record>> replies = {
      std::nullopt, recordAt(Version{10, 3, 2}, "b"), recordAt(Version{12, 0, 0}, "c"),
      std::nullopt, recordAt(Version{12, 0, 1}, "d"), recordAt(Version{9, 9, 9}, "a")};
  const std::optional<Record> chosen = reconcile(replies);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->value, "d");
  EXPECT_EQ(chosen->version, (Version{12, 0, 1}));
}

// The reconciler keeps a pointer to the winning register instead of a copy, so a read's answers are copied once.
TEST(VersionTest, AReconcilerPointsAtTheWinningReplyWithoutCopyingIt) {
  const std::vector<Record> replies = {recordAt(Version{10, 0, 0}, "a"), recordAt(Version{12, 0, 1}, "c"),
                                       recordAt(Version{11, 0, 0}, "b")};
  Reconciler reconciler;
  EXPECT_EQ(reconciler.current(), nullptr);
  EXPECT_EQ(reconciler.result(), std::nullopt);
  for (const Record& reply : replies) reconciler.add(reply);
  EXPECT_EQ(reconciler.current(), &replies[1]);
  // A counter older than the newest register loses to it, as last-write-wins between kinds would have it.
  PnCounter counter;
  counter.add(0, 5);
  const Record olderCounter = Record::fromCounter(counter, Version{9, 0, 0});
  reconciler.add(olderCounter);
  EXPECT_EQ(reconciler.current(), &replies[1]);
  EXPECT_EQ(reconciler.result(), replies[1]);
}

// Two counters are merged into a record the reconciler owns; a third merges into that. A register newer than the
// merge then wins outright (the key was rewritten with another kind), and the reconciler points at it.
TEST(VersionTest, AReconcilerMergesCountersIntoItsOwnRecord) {
  PnCounter a, b, c;
  a.add(0, 5);
  b.add(1, 2);
  c.add(2, -1);
  const std::vector<std::optional<Record>> replies = {Record::fromCounter(a, Version{4, 0, 0}),
                                                      Record::fromCounter(b, Version{5, 0, 1}),
                                                      Record::fromCounter(c, Version{3, 0, 2})};
  Reconciler reconciler;
  for (const auto& reply : replies) reconciler.add(*reply);
  ASSERT_NE(reconciler.current(), nullptr);
  for (const auto& reply : replies) EXPECT_NE(reconciler.current(), &*reply);
  EXPECT_EQ(reconciler.current()->counter.value(), 6);
  EXPECT_EQ(reconciler.current()->version, (Version{5, 0, 1}));
  EXPECT_EQ(reconciler.current()->kind, RecordKind::kCounter);
  const Record olderRegister = recordAt(Version{5, 0, 0}, "old");
  reconciler.add(olderRegister);
  EXPECT_EQ(reconciler.current()->counter.value(), 6) << "an older register of another kind loses";
  const Record newerRegister = recordAt(Version{7, 0, 0}, "rewritten");
  reconciler.add(newerRegister);
  EXPECT_EQ(reconciler.current(), &newerRegister);
  EXPECT_EQ(reconciler.result()->value, "rewritten");
}

TEST(VersionTest, ReconcileOfNoRecordsIsNullopt) {
  const std::vector<std::optional<Record>> none = {std::nullopt, std::nullopt};
  EXPECT_EQ(reconcile(none), std::nullopt);
  EXPECT_EQ(reconcile({}), std::nullopt);
}

TEST(HybridLogicalClockTest, StampsWithItsNodeAndFollowsPhysicalTime) {
  HybridLogicalClock clock(3);
  EXPECT_EQ(clock.now(100), (Version{100, 0, 3}));
  EXPECT_EQ(clock.now(100), (Version{100, 1, 3}));
  EXPECT_EQ(clock.now(250), (Version{250, 0, 3}));
  EXPECT_EQ(clock.last(), (Version{250, 0, 3}));
}

TEST(HybridLogicalClockTest, StaysMonotonicWhenThePhysicalClockGoesBackwards) {
  HybridLogicalClock clock(0);
  Version previous = clock.now(1'000);
  for (std::int64_t physical : {999, 500, 1'000, 0, -40, 1'001, 1'001, 700}) {
    const Version next = clock.now(physical);
    EXPECT_GT(next, previous) << "at physical time " << physical;
    EXPECT_GE(next.physicalMicros, previous.physicalMicros);
    previous = next;
  }
  EXPECT_EQ(previous, (Version{1'001, 2, 0}));
}

TEST(HybridLogicalClockTest, ObservingAFarFutureVersionKeepsTheClockAboveIt) {
  HybridLogicalClock clock(1);
  clock.now(100);
  const Version remote{1'000'000'000, 7, 4};
  clock.observe(remote, 200);
  EXPECT_GT(clock.last(), remote);
  EXPECT_EQ(clock.last().node, 1u);
  const Version next = clock.now(300);
  EXPECT_GT(next, remote);
  EXPECT_EQ(next, (Version{1'000'000'000, 9, 1}));
}

TEST(HybridLogicalClockTest, NowAfterObserveIsGreaterThanTheObservedVersion) {
  // Equal physical and logical parts but a higher node id: the clock must still move past the remote version.
  HybridLogicalClock clock(0);
  clock.now(50);
  clock.observe(Version{50, 0, 9}, 50);
  EXPECT_GT(clock.now(50), (Version{50, 0, 9}));

  // Remote behind the local clock: observing it must not move the clock backwards.
  HybridLogicalClock ahead(2);
  const Version before = ahead.now(5'000);
  ahead.observe(Version{10, 3, 0}, 4'000);
  EXPECT_GT(ahead.last(), before);
  EXPECT_GT(ahead.now(4'000), before);

  // Physical time ahead of both: the counter resets.
  HybridLogicalClock fresh(2);
  fresh.now(10);
  fresh.observe(Version{20, 5, 1}, 30);
  EXPECT_EQ(fresh.last(), (Version{30, 0, 2}));
}

TEST(HybridLogicalClockTest, NowAfterBreaksASameMicrosecondTieWithTheCounterNotTheNodeId) {
  // n1 wrote at 500us; a client that saw that write asks n0 (lower id) to write within the same microsecond.
  HybridLogicalClock clock(0);
  const Version seen{500, 0, 1};
  const Version issued = clock.nowAfter(seen, 500);
  EXPECT_GT(issued, seen);
  EXPECT_EQ(issued, (Version{500, 1, 0}));
  EXPECT_GT(clock.now(500), issued);
}

TEST(HybridLogicalClockTest, NowAfterIsNowWhenPhysicalTimeAlreadyOrdersTheResult) {
  HybridLogicalClock plain(2);
  HybridLogicalClock withContext(2);
  plain.now(100);
  withContext.now(100);
  // An older context, or one from an earlier microsecond, changes nothing.
  EXPECT_EQ(withContext.nowAfter(Version{90, 7, 4}, 120), plain.now(120));
  EXPECT_EQ(withContext.nowAfter(Version{119, 3, 4}, 120), plain.now(120));
  EXPECT_EQ(withContext.nowAfter(Version{}, 120), plain.now(120));
  EXPECT_EQ(withContext.nowAfter(Version{110, 0, 4}, 120), plain.now(120));
  EXPECT_EQ(withContext.last(), plain.last());
}

TEST(HybridLogicalClockTest, NowAfterAContextAheadOfTheLocalClockTakesItsPhysicalPart) {
  // A context from a node whose clock runs ahead: the result follows it, as HLC's receive rule prescribes.
  HybridLogicalClock clock(0);
  clock.now(1'000);
  const Version ahead{5'000, 2, 3};
  EXPECT_EQ(clock.nowAfter(ahead, 1'200), (Version{5'000, 3, 0}));
  EXPECT_GT(clock.now(1'300), (Version{5'000, 3, 0}));
  // Same physical part as the clock's own last version: the counter passes both.
  HybridLogicalClock same(1);
  same.now(700);
  same.now(700);
  same.now(700);  // last = 700.2
  EXPECT_EQ(same.nowAfter(Version{700, 5, 0}, 700), (Version{700, 6, 1}));
}

TEST(HybridLogicalClockTest, CounterOverflowCarriesIntoThePhysicalPart) {
  HybridLogicalClock clock(0);
  const Version remote{100, std::numeric_limits<std::uint32_t>::max(), 5};
  clock.observe(remote, 0);
  const Version observed = clock.last();
  EXPECT_GT(observed, remote);
  EXPECT_EQ(observed, (Version{101, 0, 0}));
  EXPECT_GT(clock.now(0), observed);
}

}  // namespace
}  // namespace ringlab
