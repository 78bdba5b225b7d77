#include <ringlab/sim/history.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kSeed = 20240921;

// A tiny seeded generator (splitmix64), kept local so this test links against nothing beyond the checker's own
// dependencies.
class TestRng {
 public:
  explicit TestRng(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  std::uint64_t m_state;
};

template <typename T>
void shuffle(std::vector<T>& items, TestRng& rng) {
  for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

TimePoint at(Duration d) { return TimePoint{d}; }

// A version whose physical part is `micros`; distinct micros give increasing versions.
Version v(std::int64_t micros, NodeId node = 0) { return Version{micros, 0, node}; }

HistoryEntry write(std::uint64_t id, const Key& key, Duration invoked, Duration completed, Version version,
                   ErrorCode result = ErrorCode::kOk, Operation op = Operation::kPut) {
  HistoryEntry e;
  e.id = id;
  e.op = op;
  e.key = key;
  e.invoked = at(invoked);
  e.completed = at(completed);
  e.result = result;
  e.version = version;
  return e;
}

HistoryEntry read(std::uint64_t id, const Key& key, Duration invoked, Duration completed, Version version,
                  ErrorCode result = ErrorCode::kOk) {
  HistoryEntry e;
  e.id = id;
  e.op = Operation::kGet;
  e.key = key;
  e.invoked = at(invoked);
  e.completed = at(completed);
  e.result = result;
  e.version = version;
  e.found = !version.isNull();
  return e;
}

ReplicaVersions replicasHolding(std::vector<std::optional<Version>> versions) {
  ReplicaVersions r;
  for (std::size_t i = 0; i < versions.size(); ++i) r.replicas.push_back(static_cast<NodeId>(i));
  r.versions = std::move(versions);
  return r;
}

// Everything in a report, as text, so two reports can be compared whole.
std::string describe(const HistoryReport& r) {
  std::ostringstream out;
  out << "ops=" << r.operations << " reads=" << r.successfulReads << " writes=" << r.acknowledgedWrites
      << " stale=" << r.staleReads << " lostWrites=" << r.lostWrites << " lostUpdates=" << r.lostUpdates << "\n";
  for (const auto& s : r.staleReadExamples) {
    out << "stale " << s.readId << " " << s.key << " " << s.returned.toString() << " "
        << s.latestAcknowledged.toString() << " " << s.sinceAcknowledged.count() << "\n";
  }
  for (const auto& w : r.lostWriteExamples) {
    out << "lostWrite " << w.writeId << " " << w.key << " " << w.version.toString() << " " << w.acknowledged.nanos()
        << "\n";
  }
  for (const auto& u : r.lostUpdateExamples) {
    out << "lostUpdate " << u.writeId << " " << u.supersededBy << " " << u.key << " " << u.version.toString() << " "
        << u.winningVersion.toString() << "\n";
  }
  for (const auto& b : r.staleness) {
    out << "band " << b.from.count() << "-" << b.to.count() << " " << b.reads << " " << b.fresh << "\n";
  }
  return out.str();
}

// The default band of a delay (band i covers [edge i-1, edge i)).
std::size_t bandIndexOfTestDelay(Duration delay) {
  const std::vector<Duration> edges = defaultStalenessBandEdges();
  return static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), delay) - edges.begin());
}

std::uint64_t curveReads(const HistoryReport& r) {
  std::uint64_t n = 0;
  for (const auto& b : r.staleness) n += b.reads;
  return n;
}

std::uint64_t curveFresh(const HistoryReport& r) {
  std::uint64_t n = 0;
  for (const auto& b : r.staleness) n += b.fresh;
  return n;
}

// ---- Basics ----------------------------------------------------------------------------------------------------

TEST(HistoryTest, EmptyHistoryGivesZerosAndEmptyBands) {
  const HistoryReport r = checkHistory({}, {});
  EXPECT_EQ(r.operations, 0u);
  EXPECT_EQ(r.successfulReads, 0u);
  EXPECT_EQ(r.acknowledgedWrites, 0u);
  EXPECT_EQ(r.staleReads, 0u);
  EXPECT_EQ(r.lostWrites, 0u);
  EXPECT_EQ(r.lostUpdates, 0u);
  EXPECT_TRUE(r.staleReadExamples.empty());
  EXPECT_TRUE(r.lostWriteExamples.empty());
  EXPECT_TRUE(r.lostUpdateExamples.empty());
  EXPECT_EQ(r.staleReadRate(), 0.0);
  ASSERT_EQ(r.staleness.size(), 13u);
  for (const auto& b : r.staleness) {
    EXPECT_EQ(b.reads, 0u);
    EXPECT_EQ(b.fresh, 0u);
    EXPECT_EQ(b.freshProbability(), 1.0);
  }
}

TEST(HistoryTest, StalenessBandsHaveTheDocumentedEdges) {
  const HistoryReport r = checkHistory({}, {});
  const std::vector<Duration> edges = {0ms,   1ms,   2ms,   5ms, 10ms, 20ms, 50ms,
                                       100ms, 200ms, 500ms, 1s,  2s,   5s,   Duration::max()};
  ASSERT_EQ(r.staleness.size(), edges.size() - 1);
  for (std::size_t i = 0; i < r.staleness.size(); ++i) {
    EXPECT_EQ(r.staleness[i].from, edges[i]) << "band " << i;
    EXPECT_EQ(r.staleness[i].to, edges[i + 1]) << "band " << i;
  }
}

TEST(HistoryTest, CountsOperationsReadsAndAcknowledgedWritesOnlyWhenSuccessful) {
  const std::vector<HistoryEntry> h = {
      write(1, "a", 0ms, 1ms, v(10)),
      write(2, "a", 2ms, 3ms, v(20), ErrorCode::kOk, Operation::kDelete),
      write(3, "a", 4ms, 5ms, v(30), ErrorCode::kTimeout),
      read(4, "a", 6ms, 7ms, v(20)),
      read(5, "a", 6ms, 7ms, Version{}, ErrorCode::kUnavailable),
  };
  const HistoryReport r = checkHistory(h, {{"a", replicasHolding({v(30)})}});
  EXPECT_EQ(r.operations, 5u);
  EXPECT_EQ(r.successfulReads, 1u);
  EXPECT_EQ(r.acknowledgedWrites, 2u);
}

// ---- Stale reads -----------------------------------------------------------------------------------------------

TEST(HistoryTest, ReadReturningTheAcknowledgedWriteIsFresh) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), read(2, "k", 3ms, 4ms, v(100))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100)})}});
  EXPECT_EQ(r.successfulReads, 1u);
  EXPECT_EQ(r.staleReads, 0u);
  EXPECT_EQ(r.staleReadRate(), 0.0);
  EXPECT_EQ(curveReads(r), 1u);
  EXPECT_EQ(curveFresh(r), 1u);
}

TEST(HistoryTest, ReadReturningANewerVersionThanAcknowledgedIsFresh) {
  // The newer write is still in flight when the read begins, and the read sees it.
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), write(2, "k", 2ms, 9ms, v(200)),
                                       read(3, "k", 3ms, 4ms, v(200))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.staleReads, 0u);
  EXPECT_EQ(curveFresh(r), 1u);
}

TEST(HistoryTest, ReadReturningAnOlderVersionThanOneAcknowledgedBeforeItBeganIsStale) {
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(100)),
      write(2, "k", 2ms, 3ms, v(200)),
      read(7, "k", 10ms, 11ms, v(100)),
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.successfulReads, 1u);
  EXPECT_EQ(r.staleReads, 1u);
  EXPECT_EQ(r.staleReadRate(), 1.0);
  ASSERT_EQ(r.staleReadExamples.size(), 1u);
  const StaleRead& s = r.staleReadExamples[0];
  EXPECT_EQ(s.readId, 7u);
  EXPECT_EQ(s.key, "k");
  EXPECT_EQ(s.returned, v(100));
  EXPECT_EQ(s.latestAcknowledged, v(200));
  EXPECT_EQ(s.sinceAcknowledged, 7ms);
}

TEST(HistoryTest, StaleReadIsJudgedAgainstTheHighestVersionNotTheLastAcknowledgement) {
  // Write 2 has the higher version but is acknowledged before write 1 (clock skew); the read must see v(200).
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 5ms, v(100)),
      write(2, "k", 1ms, 2ms, v(200)),
      read(3, "k", 6ms, 7ms, v(200)),
      read(4, "k", 8ms, 9ms, v(100)),
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.staleReads, 1u);
  ASSERT_EQ(r.staleReadExamples.size(), 1u);
  EXPECT_EQ(r.staleReadExamples[0].readId, 4u);
  EXPECT_EQ(r.staleReadExamples[0].latestAcknowledged, v(200));
  EXPECT_EQ(r.staleReadExamples[0].sinceAcknowledged, 6ms);  // 8ms minus write 2's acknowledgement at 2ms
}

TEST(HistoryTest, ReadConcurrentWithAWriteIsNeverStale) {
  // The write completes after the read began (or exactly when it began): whatever the read returns, it is not stale.
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 10ms, v(100)), read(2, "k", 5ms, 6ms, Version{}), read(3, "k", 9ms, 12ms, v(100)),
      read(4, "k", 10ms, 11ms, Version{}),  // begins at the very instant of the acknowledgement: not strictly after
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100)})}});
  EXPECT_EQ(r.successfulReads, 3u);
  EXPECT_EQ(r.staleReads, 0u);
  EXPECT_EQ(curveReads(r), 0u);  // no write was acknowledged before any of them began
}

TEST(HistoryTest, NullReadAfterAnAcknowledgedWriteIsStale) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), read(2, "k", 2ms, 3ms, Version{})};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100)})}});
  EXPECT_EQ(r.staleReads, 1u);
  ASSERT_EQ(r.staleReadExamples.size(), 1u);
  EXPECT_TRUE(r.staleReadExamples[0].returned.isNull());
  EXPECT_EQ(r.staleReadExamples[0].latestAcknowledged, v(100));
  EXPECT_EQ(r.staleReadExamples[0].sinceAcknowledged, 1ms);
}

TEST(HistoryTest, ReadAfterAnAcknowledgedDeleteMustSeeTheTombstoneVersion) {
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(100)), write(2, "k", 2ms, 3ms, v(200), ErrorCode::kOk, Operation::kDelete),
      read(3, "k", 4ms, 5ms, v(200)),  // found nothing live, but returned the tombstone's version
      read(4, "k", 4ms, 5ms, v(100)),  // still sees the deleted value
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.staleReads, 1u);
  ASSERT_EQ(r.staleReadExamples.size(), 1u);
  EXPECT_EQ(r.staleReadExamples[0].readId, 4u);
}

TEST(HistoryTest, ReadsOfDifferentKeysDoNotInterfere) {
  const std::vector<HistoryEntry> h = {
      write(1, "a", 0ms, 1ms, v(500)),   write(2, "b", 0ms, 1ms, v(100)),
      read(3, "b", 2ms, 3ms, v(100)),     // fresh for b although a has a higher version
      read(4, "c", 2ms, 3ms, Version{}),  // nothing was ever written to c
      read(5, "a", 2ms, 3ms, v(100)),     // stale: a's acknowledged version is v(500)
  };
  const HistoryReport r = checkHistory(h, {{"a", replicasHolding({v(500)})}, {"b", replicasHolding({v(100)})}});
  EXPECT_EQ(r.successfulReads, 3u);
  EXPECT_EQ(r.staleReads, 1u);
  ASSERT_EQ(r.staleReadExamples.size(), 1u);
  EXPECT_EQ(r.staleReadExamples[0].readId, 5u);
  EXPECT_EQ(r.staleReadExamples[0].key, "a");
  EXPECT_EQ(curveReads(r), 2u);  // the read of c has no prior acknowledged write
  EXPECT_DOUBLE_EQ(r.staleReadRate(), 1.0 / 3.0);
}

TEST(HistoryTest, FailedWriteDoesNotMakeLaterReadsStale) {
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(100)),
      write(2, "k", 2ms, 3ms, v(200), ErrorCode::kTimeout),
      read(3, "k", 4ms, 5ms, v(100)),
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100)})}});
  EXPECT_EQ(r.acknowledgedWrites, 1u);
  EXPECT_EQ(r.staleReads, 0u);
}

TEST(HistoryTest, FailedReadsAreNeitherCountedNorStale) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)),
                                       read(2, "k", 2ms, 3ms, Version{}, ErrorCode::kTimeout)};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100)})}});
  EXPECT_EQ(r.successfulReads, 0u);
  EXPECT_EQ(r.staleReads, 0u);
  EXPECT_EQ(curveReads(r), 0u);
  EXPECT_EQ(r.staleReadRate(), 0.0);
}

// ---- Staleness curve -------------------------------------------------------------------------------------------

TEST(HistoryTest, StalenessBandsIncludeTheirLowerEdgeAndExcludeTheirUpperEdge) {
  // One key per read so each read's delta is measured from its own write, acknowledged at 1s.
  struct Probe {
    Duration delta;
    std::size_t band;
    bool fresh;
  };
  const std::vector<Probe> probes = {
      {1ns, 0, true},       {999us, 0, false}, {1ms, 1, true},      {1999us, 1, true}, {2ms, 2, false},
      {4999999ns, 2, true}, {5ms, 3, true},    {10ms, 4, true},     {20ms, 5, true},   {50ms, 6, true},
      {99ms, 6, false},     {100ms, 7, true},  {200ms, 8, true},    {500ms, 9, true},  {999ms, 9, true},
      {1s, 10, true},       {2s, 11, true},    {4999ms, 11, false}, {5s, 12, true},    {3600s, 12, false},
  };
  std::vector<HistoryEntry> h;
  std::uint64_t id = 1;
  std::vector<std::uint64_t> reads(13), fresh(13);
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const Key key = "k" + std::to_string(i);
    h.push_back(write(id++, key, 0s, 1s, v(100)));
    h.push_back(read(id++, key, 1s + probes[i].delta, 1s + probes[i].delta + 1ms, probes[i].fresh ? v(100) : v(50)));
    ++reads[probes[i].band];
    if (probes[i].fresh) ++fresh[probes[i].band];
  }
  const HistoryReport r = checkHistory(h, {});
  ASSERT_EQ(r.staleness.size(), 13u);
  for (std::size_t b = 0; b < 13; ++b) {
    EXPECT_EQ(r.staleness[b].reads, reads[b]) << "band " << b;
    EXPECT_EQ(r.staleness[b].fresh, fresh[b]) << "band " << b;
  }
  EXPECT_DOUBLE_EQ(r.staleness[0].freshProbability(), 0.5);
  EXPECT_EQ(r.staleReads, 5u);
}

TEST(HistoryTest, StalenessDeltaIsMeasuredFromTheHighestVersionWrite) {
  // Write 1 (v200) acknowledged at 1ms; write 2 (v100, skewed clock) acknowledged at 40ms. A read at 43ms is 42ms
  // after the winning write, so it lands in the 20-50ms band, not the 2-5ms one.
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(200)), write(2, "k", 30ms, 40ms, v(100)),
                                       read(3, "k", 43ms, 44ms, v(200))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.staleness[5].reads, 1u);
  EXPECT_EQ(r.staleness[5].fresh, 1u);
  EXPECT_EQ(curveReads(r), 1u);
}

TEST(HistoryTest, ReadsOfKeysWithoutAPriorAcknowledgedWriteAreNotInTheCurve) {
  const std::vector<HistoryEntry> h = {
      read(1, "k", 0ms, 1ms, Version{}),
      write(2, "k", 2ms, 3ms, v(100), ErrorCode::kUnavailable),
      read(3, "k", 4ms, 5ms, Version{}),
      read(4, "other", 4ms, 5ms, Version{}),
  };
  const HistoryReport r = checkHistory(h, {});
  EXPECT_EQ(r.successfulReads, 3u);
  EXPECT_EQ(r.staleReads, 0u);
  EXPECT_EQ(curveReads(r), 0u);
}

// ---- Lost writes -----------------------------------------------------------------------------------------------

TEST(HistoryTest, AcknowledgedWriteAbsentFromEveryReplicaIsLost) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), write(2, "j", 0ms, 2ms, v(100))};
  // "k": every replica empty. "j": absent from the final state altogether.
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({std::nullopt, std::nullopt, std::nullopt})}});
  EXPECT_EQ(r.lostWrites, 2u);
  ASSERT_EQ(r.lostWriteExamples.size(), 2u);
  EXPECT_EQ(r.lostWriteExamples[0].writeId, 1u);
  EXPECT_EQ(r.lostWriteExamples[0].key, "k");
  EXPECT_EQ(r.lostWriteExamples[0].version, v(100));
  EXPECT_EQ(r.lostWriteExamples[0].acknowledged, at(1ms));
  EXPECT_EQ(r.lostWriteExamples[1].writeId, 2u);
  EXPECT_EQ(r.lostWriteExamples[1].key, "j");
}

TEST(HistoryTest, LostWritesTheDiskLossCallbackExplainsAreCountedApart) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), write(2, "j", 0ms, 2ms, v(100, 1)),
                                       write(3, "m", 0ms, 2ms, v(300))};
  HistoryCheckOptions options;
  options.lostToDiskLoss = [](const Key& key, const Version& version) { return key == "j" && version == v(100, 1); };
  const HistoryReport r = checkHistory(h, {{"m", replicasHolding({v(300)})}}, options);
  EXPECT_EQ(r.lostWrites, 2u);
  EXPECT_EQ(r.lostWritesToDiskLoss, 1u);
  EXPECT_EQ(r.unexplainedLostWrites(), 1u);
  ASSERT_EQ(r.lostWriteExamples.size(), 2u);
  EXPECT_FALSE(r.lostWriteExamples[0].diskLoss) << "k: nothing explains it";
  EXPECT_TRUE(r.lostWriteExamples[1].diskLoss) << "j: every node that acknowledged it was wiped";
  // Without the callback nothing is explained.
  EXPECT_EQ(checkHistory(h, {{"m", replicasHolding({v(300)})}}).unexplainedLostWrites(), 2u);
}

TEST(HistoryTest, AReadOfAVersionNoWriteCarriedIsInvented) {
  HistoryEntry crashed = write(3, "k", 5ms, 6ms, Version{}, ErrorCode::kCancelled);
  crashed.coordinator = 2;  // its coordinator crashed before the version reached the history
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(100)),
      write(2, "k", 2ms, 3ms, v(200), ErrorCode::kTimeout),  // failed, but may have landed
      crashed,
      read(4, "k", 4ms, 5ms, v(100)),
      read(5, "k", 4ms, 5ms, v(200)),
      read(6, "k", 4ms, 5ms, v(150)),     // nobody wrote 150
      read(7, "k", 7ms, 8ms, v(400, 2)),  // may come from the write whose coordinator n3 crashed
      read(8, "k", 7ms, 8ms, v(400, 1)),  // n2 issued no write of this key
      read(9, "k", 2ms, 4ms, v(500, 2)),  // completed before n3's write began
  };
  HistoryCheckOptions options;
  options.checkInventedValues = true;
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}}, options);
  EXPECT_EQ(r.inventedReads, 3u);
  ASSERT_EQ(r.inventedReadExamples.size(), 3u);
  EXPECT_EQ(r.inventedReadExamples[0].readId, 6u);
  EXPECT_EQ(r.inventedReadExamples[0].returned, v(150));
  EXPECT_EQ(r.inventedReadExamples[1].readId, 8u);
  EXPECT_EQ(r.inventedReadExamples[2].readId, 9u);
  options.checkInventedValues = false;
  EXPECT_EQ(checkHistory(h, {{"k", replicasHolding({v(200)})}}, options).inventedReads, 0u);
}

TEST(HistoryTest, AcknowledgedWriteHeldByAnOlderVersionOnlyIsLost) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), write(2, "k", 2ms, 3ms, v(200))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100), v(100), std::nullopt})}});
  EXPECT_EQ(r.lostWrites, 1u);
  ASSERT_EQ(r.lostWriteExamples.size(), 1u);
  EXPECT_EQ(r.lostWriteExamples[0].writeId, 2u);
}

TEST(HistoryTest, AcknowledgedWritePresentOnOneReplicaIsNotLost) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({std::nullopt, v(100), std::nullopt})}});
  EXPECT_EQ(r.lostWrites, 0u);
}

TEST(HistoryTest, AcknowledgedWriteIsNotLostWhenAReplicaHoldsAHigherVersion) {
  // The higher version comes from no recorded write (e.g. a client outside the history); it still covers the write.
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({std::nullopt, v(300)})}});
  EXPECT_EQ(r.lostWrites, 0u);
}

TEST(HistoryTest, WriteSupersededByALaterHigherVersionWriteIsNotLostEvenIfAbsent) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), write(2, "k", 2ms, 3ms, v(200))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200), v(200)})}});
  EXPECT_EQ(r.lostWrites, 0u);
}

TEST(HistoryTest, FailedWriteWithAHigherVersionAlsoSupersedes) {
  // The failed write may have landed on a replica that later lost it; the acknowledged one is not blamed.
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)),
                                       write(2, "k", 2ms, 3ms, v(200), ErrorCode::kTimeout)};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({std::nullopt, std::nullopt})}});
  EXPECT_EQ(r.lostWrites, 0u);
}

TEST(HistoryTest, FailedWriteIsNeverItselfLost) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100), ErrorCode::kUnavailable)};
  const HistoryReport r = checkHistory(h, {});
  EXPECT_EQ(r.lostWrites, 0u);
}

TEST(HistoryTest, AcknowledgedDeleteWhoseTombstoneVanishedIsLost) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)),
                                       write(2, "k", 2ms, 3ms, v(200), ErrorCode::kOk, Operation::kDelete)};
  // The tombstone is gone and the deleted value is back: the delete is lost.
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100)})}});
  EXPECT_EQ(r.lostWrites, 1u);
  ASSERT_EQ(r.lostWriteExamples.size(), 1u);
  EXPECT_EQ(r.lostWriteExamples[0].writeId, 2u);
}

// ---- Lost updates ----------------------------------------------------------------------------------------------

TEST(HistoryTest, WriteWithLowerVersionThanOneAcknowledgedBeforeItBeganIsALostUpdate) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(500)), write(2, "k", 2ms, 3ms, v(100))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(500)})}});
  EXPECT_EQ(r.lostUpdates, 1u);
  ASSERT_EQ(r.lostUpdateExamples.size(), 1u);
  const LostUpdate& u = r.lostUpdateExamples[0];
  EXPECT_EQ(u.writeId, 2u);
  EXPECT_EQ(u.supersededBy, 1u);
  EXPECT_EQ(u.key, "k");
  EXPECT_EQ(u.version, v(100));
  EXPECT_EQ(u.winningVersion, v(500));
  EXPECT_EQ(r.lostWrites, 0u);  // superseded by the winner, which is present
}

TEST(HistoryTest, LostUpdateNamesTheHighestVersionEarlierWrite) {
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(300)), write(2, "k", 1ms, 2ms, v(700)),
      write(3, "k", 3ms, 4ms, v(400)),  // lost update against write 2
      write(4, "k", 5ms, 6ms, v(200)),  // lost update against writes 1, 2 and 3: names write 2, the highest
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(700)})}});
  EXPECT_EQ(r.lostUpdates, 2u);
  ASSERT_EQ(r.lostUpdateExamples.size(), 2u);
  EXPECT_EQ(r.lostUpdateExamples[0].writeId, 3u);
  EXPECT_EQ(r.lostUpdateExamples[0].supersededBy, 2u);
  EXPECT_EQ(r.lostUpdateExamples[0].winningVersion, v(700));
  EXPECT_EQ(r.lostUpdateExamples[1].writeId, 4u);
  EXPECT_EQ(r.lostUpdateExamples[1].supersededBy, 2u);
}

TEST(HistoryTest, OverlappingWritesAreNotLostUpdates) {
  // Write 1 completes after write 2 began: they are concurrent, so either may win.
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 5ms, v(500)), write(2, "k", 4ms, 6ms, v(100)),
      write(3, "k", 5ms, 7ms, v(50)),  // begins at the very instant write 1 is acknowledged: still concurrent
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(500)})}});
  EXPECT_EQ(r.lostUpdates, 0u);
}

TEST(HistoryTest, LaterWriteWithAHigherVersionIsNotALostUpdate) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), write(2, "k", 2ms, 3ms, v(200))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.lostUpdates, 0u);
}

TEST(HistoryTest, FailedEarlierWriteCausesNoLostUpdate) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(500), ErrorCode::kTimeout),
                                       write(2, "k", 2ms, 3ms, v(100))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(500)})}});
  EXPECT_EQ(r.lostUpdates, 0u);
}

// ---- Examples --------------------------------------------------------------------------------------------------

TEST(HistoryTest, ExampleListsKeepTheTenSmallestIdsSortedById) {
  // 25 keys, each with one stale read, one lost write and one lost update; ids are scattered so that the smallest
  // ids are not the first keys nor the first entries.
  std::vector<HistoryEntry> h;
  TestRng rng(kSeed);
  std::vector<std::uint64_t> ids;
  for (std::uint64_t i = 0; i < 75; ++i) ids.push_back(1000 - 7 * i);
  shuffle(ids, rng);

  std::vector<std::uint64_t> staleIds, lostWriteIds, lostUpdateIds;
  for (std::size_t k = 0; k < 25; ++k) {
    const Key key = "key" + std::to_string(k);
    const std::uint64_t winner = ids[3 * k], loser = ids[3 * k + 1], reader = ids[3 * k + 2];
    h.push_back(write(winner, key, 0ms, 1ms, v(500)));  // lost: nothing on any replica, highest version
    h.push_back(write(loser, key, 2ms, 3ms, v(100)));   // lost update against the winner
    h.push_back(read(reader, key, 4ms, 5ms, v(100)));   // stale
    lostWriteIds.push_back(winner);
    lostUpdateIds.push_back(loser);
    staleIds.push_back(reader);
  }
  for (auto* list : {&staleIds, &lostWriteIds, &lostUpdateIds}) {
    std::sort(list->begin(), list->end());
    list->resize(kMaxHistoryExamples);
  }

  const HistoryReport r = checkHistory(h, {});
  EXPECT_EQ(r.staleReads, 25u);
  EXPECT_EQ(r.lostWrites, 25u);
  EXPECT_EQ(r.lostUpdates, 25u);
  std::vector<std::uint64_t> gotStale, gotLostWrites, gotLostUpdates;
  for (const auto& s : r.staleReadExamples) gotStale.push_back(s.readId);
  for (const auto& w : r.lostWriteExamples) gotLostWrites.push_back(w.writeId);
  for (const auto& u : r.lostUpdateExamples) gotLostUpdates.push_back(u.writeId);
  EXPECT_EQ(gotStale, staleIds);
  EXPECT_EQ(gotLostWrites, lostWriteIds);
  EXPECT_EQ(gotLostUpdates, lostUpdateIds);
}

// ---- Replica divergence ----------------------------------------------------------------------------------------

TEST(HistoryTest, CountDivergentKeysCountsKeysWhoseReplicasDisagree) {
  const FinalReplicaState state = {
      {"agree", replicasHolding({v(100), v(100), v(100)})},
      {"oneMissing", replicasHolding({v(100), std::nullopt, v(100)})},
      {"oneOlder", replicasHolding({v(100), v(100), v(50)})},
      {"allMissing", replicasHolding({std::nullopt, std::nullopt, std::nullopt})},
      {"single", replicasHolding({v(100)})},
      {"none", replicasHolding({})},
  };
  EXPECT_EQ(countDivergentKeys(state), 2u);
  EXPECT_EQ(countDivergentKeys({}), 0u);
  EXPECT_EQ(countDivergentKeys({{"agree", replicasHolding({v(1), v(1)})}}), 0u);
  EXPECT_EQ(countDivergentKeys({{"oneMissing", replicasHolding({std::nullopt, v(1)})}}), 1u);
  EXPECT_EQ(countDivergentKeys({{"oneOlder", replicasHolding({v(2), v(1)})}}), 1u);
  EXPECT_EQ(countDivergentKeys({{"allMissing", replicasHolding({std::nullopt, std::nullopt})}}), 0u);
}

TEST(HistoryTest, CountDivergentKeysComparesWholeVersionsIncludingNode) {
  EXPECT_EQ(countDivergentKeys({{"k", replicasHolding({v(100, 1), v(100, 2)})}}), 1u);
}

// ---- Order independence and scale ------------------------------------------------------------------------------

// A random mix of reads and writes over a few keys, with overlapping intervals, failures and skewed versions.
std::vector<HistoryEntry> randomHistory(TestRng& rng, std::size_t n) {
  std::vector<HistoryEntry> h;
  for (std::uint64_t id = 1; id <= n; ++id) {
    const Key key = "k" + std::to_string(rng.below(5));
    const Duration invoked = std::chrono::microseconds(rng.below(100000));
    const Duration completed = invoked + std::chrono::microseconds(1 + rng.below(5000));
    const ErrorCode result = rng.chance(0.1) ? ErrorCode::kTimeout : ErrorCode::kOk;
    // Versions follow invocation time with some skew, so that lost updates and stale reads both happen.
    const Version version =
        v(invoked.count() / 1000 + static_cast<std::int64_t>(rng.below(3000)), static_cast<NodeId>(rng.below(3)));
    if (rng.chance(0.5)) {
      h.push_back(read(id, key, invoked, completed, rng.chance(0.1) ? Version{} : version, result));
    } else {
      h.push_back(
          write(id, key, invoked, completed, version, result, rng.chance(0.2) ? Operation::kDelete : Operation::kPut));
    }
  }
  return h;
}

TEST(HistoryTest, ShuffledHistoryGivesTheSameReport) {
  TestRng rng(kSeed);
  std::vector<HistoryEntry> h = randomHistory(rng, 2000);
  FinalReplicaState state;
  for (int k = 0; k < 5; k += 2) {
    state["k" + std::to_string(k)] = replicasHolding({v(60000), std::nullopt, v(1000)});
  }

  const HistoryReport first = checkHistory(h, state);
  // The random history exercises every kind of finding, otherwise the comparison proves little.
  EXPECT_GT(first.staleReads, 0u) << "seed " << kSeed;
  EXPECT_GT(first.lostUpdates, 0u) << "seed " << kSeed;
  EXPECT_GT(first.lostWrites, 0u) << "seed " << kSeed;
  for (int round = 0; round < 3; ++round) {
    shuffle(h, rng);
    EXPECT_EQ(describe(checkHistory(h, state)), describe(first)) << "seed " << kSeed << " round " << round;
  }
}

// Generated history of ~200k entries with a simple structure whose expected counts are known by construction:
// keys are written in turn; a write's acknowledgement precedes the read that follows it by a known delay; most reads
// return exactly the previous write's version, every 13th returns the one before it (stale); every 10th key loses
// its final write on all replicas.
TEST(HistoryTest, LargeGeneratedHistoryMatchesCountsKnownByConstruction) {
  constexpr std::size_t kKeys = 1000;
  constexpr std::size_t kRounds = 100;  // per key: a write then a read, so 2 * kKeys * kRounds entries
  const std::vector<Duration> delays = {500us, 1500us, 3ms, 7ms, 15ms, 30ms, 70ms, 150ms, 300ms, 700ms, 1500ms};

  TestRng rng(kSeed);
  std::vector<HistoryEntry> h;
  h.reserve(2 * kKeys * kRounds);
  FinalReplicaState state;
  std::uint64_t expectedStale = 0, expectedLost = 0;
  std::vector<std::uint64_t> expectedReads(13), expectedFresh(13);
  std::uint64_t id = 1;
  for (std::size_t k = 0; k < kKeys; ++k) {
    const Key key = "user:" + std::to_string(k);
    Duration t = std::chrono::microseconds(k);  // keys interleave in time
    Version previous;
    for (std::size_t round = 0; round < kRounds; ++round) {
      const Version version = v(static_cast<std::int64_t>(1 + round), static_cast<NodeId>(k % 3));
      h.push_back(
          write(id++, key, t, t + 1ms, version, ErrorCode::kOk, round % 7 == 6 ? Operation::kDelete : Operation::kPut));
      const std::size_t delayIndex = (k + round) % delays.size();
      const Duration readAt = t + 1ms + delays[delayIndex];
      const bool stale = (id % 13 == 0) && round > 0;
      h.push_back(read(id++, key, readAt, readAt + 1ms, stale ? previous : version));
      // Delays are chosen inside bands 0..10 in order.
      ++expectedReads[delayIndex];
      if (stale) {
        ++expectedStale;
      } else {
        ++expectedFresh[delayIndex];
      }
      previous = version;
      t = readAt + 2ms;
    }
    if (k % 10 == 0) {
      state[key] = replicasHolding({std::nullopt, std::nullopt, std::nullopt});
      ++expectedLost;
    } else {
      state[key] = replicasHolding({previous, previous, v(1, static_cast<NodeId>(k % 3))});
    }
  }
  shuffle(h, rng);

  const HistoryReport r = checkHistory(h, state);
  EXPECT_EQ(r.operations, 2 * kKeys * kRounds);
  EXPECT_EQ(r.successfulReads, kKeys * kRounds);
  EXPECT_EQ(r.acknowledgedWrites, kKeys * kRounds);
  EXPECT_EQ(r.staleReads, expectedStale);
  EXPECT_GT(expectedStale, 0u);
  EXPECT_EQ(r.lostWrites, expectedLost);
  EXPECT_EQ(r.lostUpdates, 0u);
  for (std::size_t b = 0; b < 13; ++b) {
    EXPECT_EQ(r.staleness[b].reads, expectedReads[b]) << "band " << b;
    EXPECT_EQ(r.staleness[b].fresh, expectedFresh[b]) << "band " << b;
  }
  EXPECT_EQ(r.staleReadExamples.size(), kMaxHistoryExamples);
  EXPECT_EQ(r.lostWriteExamples.size(), kMaxHistoryExamples);
  EXPECT_TRUE(std::is_sorted(r.staleReadExamples.begin(), r.staleReadExamples.end(),
                             [](const StaleRead& a, const StaleRead& b) { return a.readId < b.readId; }));
  EXPECT_EQ(countDivergentKeys(state), kKeys - kKeys / 10);
}

// ---- Same-instant causal order ----------------------------------------------------------------------------------

HistoryEntry byClient(HistoryEntry e, std::uint64_t client) {
  e.client = client;
  return e;
}

TEST(HistoryTest, ClientsReadAtTheInstantItsOwnWriteIsAcknowledgedFollowsThatWrite) {
  // Client 1 writes v200, acknowledged at 5ms, and reads at that same instant; the read returns the older v100.
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(100)),
      byClient(write(2, "k", 3ms, 5ms, v(200)), 1),
      byClient(read(3, "k", 5ms, 6ms, v(100)), 1),
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.staleReads, 1u);
  ASSERT_EQ(r.staleReadExamples.size(), 1u);
  EXPECT_EQ(r.staleReadExamples[0].latestAcknowledged, v(200));
  EXPECT_EQ(r.staleReadExamples[0].sinceAcknowledged, 0ms);
  EXPECT_EQ(r.staleness[0].reads, 1u);  // measured from the same-instant write: band 0-1ms, not 4ms
  EXPECT_EQ(r.staleness[0].fresh, 0u);
}

TEST(HistoryTest, AnotherClientsWriteAcknowledgedAtTheSameInstantIsConcurrentWithARead) {
  // Client 2 reads at the instant client 1's write is acknowledged: nothing orders the two, so the read is judged
  // against the write acknowledged at 1ms, which it returned.
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(100)), byClient(write(2, "k", 3ms, 5ms, v(200)), 1),
      byClient(read(3, "k", 5ms, 6ms, v(100)), 2),
      read(4, "k", 5ms, 6ms, v(100)),  // an independent request (no client): concurrent as well
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.staleReads, 0u);
  EXPECT_EQ(r.staleness[bandIndexOfTestDelay(4ms)].reads, 2u);
  EXPECT_EQ(r.staleness[bandIndexOfTestDelay(4ms)].fresh, 2u);
}

TEST(HistoryTest, ALaterOperationOfTheSameClientAtTheSameInstantDoesNotPrecedeAnEarlierOne) {
  // Ids order a client's operations: a write the client issued after its read is not "before" the read even when
  // both carry the same instants.
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(100)),
      byClient(read(2, "k", 5ms, 5ms, v(100)), 1),
      byClient(write(3, "k", 5ms, 5ms, v(200)), 1),
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}});
  EXPECT_EQ(r.staleReads, 0u);
  EXPECT_EQ(r.lostUpdates, 0u);
}

TEST(HistoryTest, SameClientsBackToBackWriteWithALowerVersionAtOneInstantIsALostUpdate) {
  // Client 1's second write is issued at the instant its first is acknowledged, and ties below it: last-write-wins
  // discards it. Another client's write at that instant is concurrent, so its lower version is no lost update.
  const std::vector<HistoryEntry> h = {
      byClient(write(1, "k", 0ms, 2ms, Version{2'000, 0, 3}), 1),
      byClient(write(2, "k", 2ms, 2ms, Version{2'000, 0, 1}), 1),
      byClient(write(3, "k", 2ms, 2ms, Version{2'000, 0, 2}), 2),
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({Version{2'000, 0, 3}})}});
  EXPECT_EQ(r.lostUpdates, 1u);
  ASSERT_EQ(r.lostUpdateExamples.size(), 1u);
  EXPECT_EQ(r.lostUpdateExamples[0].writeId, 2u);
  EXPECT_EQ(r.lostUpdateExamples[0].supersededBy, 1u);
}

// ---- Configurable bands, phases, and the 99.9 % time -----------------------------------------------------------

TEST(HistoryTest, ConfiguredBandEdgesSplitTheCurve) {
  HistoryCheckOptions options;
  options.bandEdges = {2ms, 10ms};
  std::vector<HistoryEntry> h;
  const std::vector<std::pair<Duration, bool>> probes = {{1ns, true}, {1999us, false}, {2ms, true},
                                                         {9ms, true}, {10ms, false},   {3s, true}};
  std::uint64_t id = 1;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const Key key = "k" + std::to_string(i);
    h.push_back(write(id++, key, 0ms, 1s, v(200)));
    h.push_back(read(id++, key, 1s + probes[i].first, 5s, probes[i].second ? v(200) : v(100)));
  }
  const HistoryReport r = checkHistory(h, {}, options);
  ASSERT_EQ(r.staleness.size(), 3u);
  EXPECT_EQ(r.staleness[0].from, 0ms);
  EXPECT_EQ(r.staleness[0].to, 2ms);
  EXPECT_EQ(r.staleness[2].from, 10ms);
  EXPECT_EQ(r.staleness[2].to, Duration::max());
  EXPECT_EQ(r.staleness[0].reads, 2u);
  EXPECT_EQ(r.staleness[0].fresh, 1u);
  EXPECT_EQ(r.staleness[1].reads, 2u);
  EXPECT_EQ(r.staleness[1].fresh, 2u);
  EXPECT_EQ(r.staleness[2].reads, 2u);
  EXPECT_EQ(r.staleness[2].fresh, 1u);
}

TEST(HistoryTest, DefaultBandEdgesAreTheDocumentedOnes) {
  const std::vector<Duration> expected = {1ms, 2ms, 5ms, 10ms, 20ms, 50ms, 100ms, 200ms, 500ms, 1s, 2s, 5s};
  EXPECT_EQ(defaultStalenessBandEdges(), expected);
  EXPECT_EQ(HistoryCheckOptions{}.bandEdges, expected);
}

TEST(HistoryTest, BandEdgesMustBePositiveIncreasingAndFew) {
  EXPECT_TRUE(validateStalenessBandEdges({}).isOk());
  EXPECT_TRUE(validateStalenessBandEdges({1us, 1ms}).isOk());
  EXPECT_FALSE(validateStalenessBandEdges({0ms, 1ms}).isOk());
  EXPECT_FALSE(validateStalenessBandEdges({5ms, 5ms}).isOk());
  EXPECT_FALSE(validateStalenessBandEdges({5ms, 2ms}).isOk());
  std::vector<Duration> many;
  for (std::size_t i = 1; i <= kMaxStalenessBandEdges + 1; ++i) many.push_back(Duration(static_cast<std::int64_t>(i)));
  EXPECT_FALSE(validateStalenessBandEdges(many).isOk());
  HistoryCheckOptions bad;
  bad.bandEdges = {2ms, 1ms};
  EXPECT_THROW(checkHistory({}, {}, bad), std::invalid_argument);
}

TEST(HistoryTest, PhasesCountTheReadsInvokedWithinThem) {
  HistoryCheckOptions options;
  options.phaseStarts = {TimePoint{10ms}, TimePoint{20ms}};
  const std::vector<HistoryEntry> h = {
      write(1, "k", 0ms, 1ms, v(100)),
      read(2, "k", 2ms, 3ms, v(100)),  // phase 0, fresh
      write(3, "k", 8ms, 9ms, v(200)),
      read(4, "k", 9500us, 12ms, v(100)),   // invoked in phase 0: stale there, though it completed in phase 1
      read(5, "k", 10ms, 11ms, v(100)),     // phase 1, stale
      read(6, "k", 15ms, 16ms, v(200)),     // phase 1, fresh
      read(7, "j", 21ms, 22ms, Version{}),  // phase 2: no write to j yet, counted but not on the curve
  };
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(200)})}}, options);
  ASSERT_EQ(r.phases.size(), 3u);
  EXPECT_EQ(r.phases[0].from, TimePoint{});
  EXPECT_EQ(r.phases[0].to, TimePoint{10ms});
  EXPECT_EQ(r.phases[2].to.sinceStart, Duration::max());
  EXPECT_EQ(r.phases[0].successfulReads, 2u);
  EXPECT_EQ(r.phases[0].staleReads, 1u);
  EXPECT_EQ(r.phases[1].successfulReads, 2u);
  EXPECT_EQ(r.phases[1].staleReads, 1u);
  EXPECT_DOUBLE_EQ(r.phases[1].staleReadRate(), 0.5);
  EXPECT_EQ(r.phases[2].successfulReads, 1u);
  EXPECT_EQ(r.phases[2].staleReads, 0u);
  EXPECT_EQ(r.staleReads, 2u);
  std::uint64_t phaseCurveReads = 0;
  for (const auto& phase : r.phases) {
    for (const auto& band : phase.staleness) phaseCurveReads += band.reads;
  }
  EXPECT_EQ(phaseCurveReads, curveReads(r));
  EXPECT_EQ(r.staleReadTimes, (std::vector<TimePoint>{TimePoint{11ms}, TimePoint{12ms}}));
}

TEST(HistoryTest, WithoutPhaseStartsTheWholeRunIsOnePhase) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), read(2, "k", 2ms, 3ms, v(50))};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100)})}});
  ASSERT_EQ(r.phases.size(), 1u);
  EXPECT_EQ(r.phases[0].successfulReads, r.successfulReads);
  EXPECT_EQ(r.phases[0].staleReads, r.staleReads);
}

StalenessBand band(Duration from, Duration to, std::uint64_t reads, std::uint64_t fresh) {
  StalenessBand b;
  b.from = from;
  b.to = to;
  b.reads = reads;
  b.fresh = fresh;
  return b;
}

TEST(HistoryTest, FreshTargetTimeIsInterpolatedBetweenBandMidpoints) {
  // 0-1ms: P = 0.99 (midpoint 0.5ms); 1-3ms: no reads; 3-5ms: P = 0.9995 (midpoint 4ms).
  const std::vector<StalenessBand> bands = {band(0ms, 1ms, 1000, 990), band(1ms, 3ms, 0, 0), band(3ms, 5ms, 2000, 1999),
                                            band(5ms, Duration::max(), 10, 10)};
  const std::optional<Duration> t = timeToFreshProbability(bands, 0.999);
  ASSERT_TRUE(t);
  // 0.5ms + (0.999 - 0.99) / (0.9995 - 0.99) * 3.5ms
  EXPECT_NEAR(static_cast<double>(t->count()), 0.5e6 + 0.009 / 0.0095 * 3.5e6, 1.0);
}

TEST(HistoryTest, FreshTargetTimeIsTheFirstBandsStartWhenItAlreadyReachesTheTarget) {
  const std::vector<StalenessBand> bands = {band(0ms, 1ms, 0, 0), band(1ms, 2ms, 1000, 1000),
                                            band(2ms, Duration::max(), 10, 5)};
  EXPECT_EQ(timeToFreshProbability(bands, 0.999), std::optional<Duration>(1ms));
}

TEST(HistoryTest, FreshTargetTimeUsesTheOpenLastBandsLowerEdgeAndIsNulloptWhenNeverReached) {
  const std::vector<StalenessBand> reached = {band(0ms, 2ms, 100, 90), band(2ms, Duration::max(), 100, 100)};
  // Midpoint 1ms at 0.9, lower edge 2ms at 1.0.
  const std::optional<Duration> t = timeToFreshProbability(reached, 0.999);
  ASSERT_TRUE(t);
  EXPECT_NEAR(static_cast<double>(t->count()), 1e6 + 0.099 / 0.1 * 1e6, 1.0);

  const std::vector<StalenessBand> never = {band(0ms, 2ms, 100, 90), band(2ms, Duration::max(), 100, 99)};
  EXPECT_EQ(timeToFreshProbability(never, 0.999), std::nullopt);
  EXPECT_EQ(timeToFreshProbability({}, 0.999), std::nullopt);
}

TEST(HistoryTest, ReportCarriesTheFreshTargetTimeOfTheRunAndOfEachPhase) {
  const std::vector<HistoryEntry> h = {write(1, "k", 0ms, 1ms, v(100)), read(2, "k", 1500us, 3ms, v(50)),
                                       read(3, "k", 30ms, 31ms, v(100))};
  HistoryCheckOptions options;
  options.phaseStarts = {TimePoint{20ms}};
  const HistoryReport r = checkHistory(h, {{"k", replicasHolding({v(100)})}}, options);
  EXPECT_EQ(r.freshAfter, timeToFreshProbability(r.staleness, kFreshTarget));
  ASSERT_TRUE(r.freshAfter);
  EXPECT_EQ(r.phases[0].freshAfter, std::nullopt);                   // its only read was stale
  EXPECT_EQ(r.phases[1].freshAfter, std::optional<Duration>(20ms));  // band 20-50ms, all fresh
}

}  // namespace
}  // namespace ringlab

namespace ringlab {
namespace {

// Siblings mode: two concurrent writes through n1 and n2, then a read-modify-write through n1 that read both.
struct SiblingHistory {
  SiblingHistory() {
    SiblingSet n1;
    SiblingSet n2;
    a = write(1, "k", 0ms, 1ms, v(10, 0));
    a.dot = n1.write(0, {}, "a", false, a.version);
    b = write(2, "k", 0ms, 1ms, v(11, 1));
    b.dot = n2.write(1, {}, "b", false, b.version);
    both = SiblingSet::merge(n1, n2);
    resolve = write(3, "k", 2ms, 3ms, v(12, 0));
    resolve.context = both.context();
    resolved = both;
    resolve.dot = resolved.write(0, resolve.context, "ab", false, resolve.version);
  }
  FinalReplicaState holding(const SiblingSet& set) const {
    ReplicaVersions replicas;
    replicas.replicas = {0, 1, 2};
    const Record record = Record::fromSiblings(set);
    replicas.versions.assign(3, syncVersion(record));
    replicas.records.assign(3, record);
    return {{"k", replicas}};
  }
  HistoryEntry a, b, resolve;
  SiblingSet both, resolved;
};

TEST(HistorySiblingsTest, AWriteSupersededByAContextThatCoveredItIsNotLost) {
  const SiblingHistory h;
  const HistoryReport report = checkHistory({h.a, h.b, h.resolve}, h.holding(h.resolved));
  EXPECT_EQ(report.lostWrites, 0u);
  EXPECT_EQ(report.lostUpdates, 0u) << "last-write-wins order means nothing with siblings";
}

TEST(HistorySiblingsTest, AWriteNoReplicaHoldsAndNoContextCoveredIsLost) {
  const SiblingHistory h;
  // The replicas hold only a's sibling: b vanished although nothing superseded it.
  SiblingSet onlyA;
  onlyA.write(0, {}, "a", false, h.a.version);
  const HistoryReport report = checkHistory({h.a, h.b}, h.holding(onlyA));
  EXPECT_EQ(report.lostWrites, 1u);
  ASSERT_EQ(report.lostWriteExamples.size(), 1u);
  EXPECT_EQ(report.lostWriteExamples[0].writeId, 2u);
}

TEST(HistorySiblingsTest, AWriteWhoseDotSurvivesWithAnotherTimestampIsLost) {
  // Two writes that got the same dot (a bug): the survivor's timestamp tells them apart.
  const SiblingHistory h;
  HistoryEntry twin = h.b;
  twin.id = 4;
  twin.version = v(13, 1);
  const HistoryReport report = checkHistory({h.a, h.b, twin}, h.holding(h.both));
  EXPECT_EQ(report.lostWrites, 1u);
}

TEST(HistorySiblingsTest, CountsSiblingsAndHowLongTheyLived) {
  SiblingHistory h;
  h.a.siblings = 1;
  h.b.siblings = 2;
  h.resolve.siblings = 1;
  const HistoryReport report = checkHistory({h.a, h.b, h.resolve}, h.holding(h.resolved));
  EXPECT_EQ(report.siblingsCreated, 1u);
  EXPECT_EQ(report.largestSiblingSet, 2u);
  EXPECT_EQ(report.siblingSetsResolved, 1u);
  EXPECT_EQ(report.longestSiblingLife, 2ms);
}

TEST(HistoryCountersTest, IncrementsMissingFromTheConvergedCounterAreLost) {
  std::vector<HistoryEntry> history;
  for (std::uint64_t i = 1; i <= 5; ++i) {
    HistoryEntry e = write(i, "counter-x", 0ms, 1ms, v(static_cast<std::int64_t>(i)), ErrorCode::kOk,
                           Operation::kIncrement);
    e.delta = 1;
    history.push_back(e);
  }
  PnCounter counter;
  counter.add(0, 3);
  ReplicaVersions replicas;
  replicas.replicas = {0};
  const Record record = Record::fromCounter(counter, v(5));
  replicas.versions = {syncVersion(record)};
  replicas.records = {record};
  const HistoryReport report = checkHistory(history, {{"counter-x", replicas}});
  EXPECT_EQ(report.acknowledgedIncrements, 5);
  EXPECT_EQ(report.convergedCounterTotal, 3);
  EXPECT_EQ(report.lostIncrements, 2u);
  EXPECT_EQ(report.lostCrdtIncrements, 2u);
  EXPECT_EQ(report.acknowledgedWrites, 0u) << "increments are not register writes";
}

}  // namespace
}  // namespace ringlab
