#include <gtest/gtest.h>
#include <ringlab/engine/causal.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace ringlab {
namespace {

VersionVector vv(std::vector<VersionVector::Entry> entries) { return VersionVector(std::move(entries)); }

std::vector<std::string> values(const SiblingSet& set) {
  std::vector<std::string> out;
  for (const auto& s : set.siblings()) out.push_back(s.value);
  return out;
}

TEST(VersionVectorTest, ComparesBeforeAfterEqualAndConcurrent) {
  const auto a = vv({{0, 2}, {1, 1}});
  const auto b = vv({{0, 3}, {1, 1}});
  const auto c = vv({{0, 1}, {1, 4}});
  EXPECT_EQ(compare(a, b), Causality::kBefore);
  EXPECT_EQ(compare(b, a), Causality::kAfter);
  EXPECT_EQ(compare(a, vv({{1, 1}, {0, 2}})), Causality::kEqual);
  EXPECT_EQ(compare(b, c), Causality::kConcurrent);
  EXPECT_EQ(compare(VersionVector{}, a), Causality::kBefore);
}

TEST(VersionVectorTest, MergeIsThePointwiseMaximumAndPrintsReadably) {
  const auto merged = VersionVector::merged(vv({{0, 4}, {2, 1}}), vv({{2, 2}, {1, 7}}));
  EXPECT_EQ(merged.toString(), "n1:4 n2:7 n3:2");
  EXPECT_EQ(VersionVector{}.toString(), "(empty)");
  EXPECT_EQ(vv({{3, 0}}).entries().size(), 0u) << "zero entries are not stored";
}

TEST(SiblingSetTest, AWriteWithTheReadContextReplacesWhatWasRead) {
  SiblingSet set;
  set.write(0, {}, "a", false, Version{1, 0, 0});
  const VersionVector read = set.context();
  const Dot dot = set.write(0, read, "b", false, Version{2, 0, 0});
  EXPECT_EQ(dot, (Dot{0, 2}));
  EXPECT_EQ(values(set), std::vector<std::string>{"b"});
  EXPECT_EQ(set.context().toString(), "n1:2");
}

TEST(SiblingSetTest, ConcurrentWritesThroughTwoNodesBecomeSiblingsAndAReadModifyWriteResolvesThem) {
  SiblingSet n1;
  SiblingSet n2;
  n1.write(0, {}, "from-n1", false, Version{5, 0, 0});
  n2.write(1, {}, "from-n2", false, Version{4, 0, 1});
  const SiblingSet joined = SiblingSet::merge(n1, n2);
  EXPECT_EQ(values(joined), (std::vector<std::string>{"from-n1", "from-n2"}));
  EXPECT_EQ(SiblingSet::compare(n1, n2), Causality::kConcurrent);
  EXPECT_EQ(SiblingSet::compare(n1, joined), Causality::kBefore);
  EXPECT_EQ(joined.newest()->value, "from-n1");

  SiblingSet resolved = joined;
  resolved.write(1, joined.context(), "both", false, Version{6, 0, 1});
  EXPECT_EQ(values(resolved), std::vector<std::string>{"both"});
  EXPECT_EQ(values(SiblingSet::merge(n1, resolved)), std::vector<std::string>{"both"})
      << "a stale replica's sibling is covered by the resolving write's context";
}

TEST(SiblingSetTest, ABlindWriteBecomesASiblingOfEverythingStored) {
  SiblingSet set;
  set.write(0, {}, "a", false, Version{1, 0, 0});
  set.write(0, {}, "b", false, Version{2, 0, 0});
  EXPECT_EQ(values(set), (std::vector<std::string>{"a", "b"}));
}

TEST(SiblingSetTest, AConcurrentDeleteIsKeptAsATombstoneSibling) {
  SiblingSet a;
  a.write(0, {}, "v", false, Version{1, 0, 0});
  SiblingSet b = a;
  a.write(0, a.context(), "", true, Version{2, 0, 0});
  b.write(1, b.context(), "w", false, Version{3, 0, 1});
  const SiblingSet joined = SiblingSet::merge(a, b);
  ASSERT_EQ(joined.siblings().size(), 2u);
  EXPECT_TRUE(joined.siblings()[0].tombstone);
  EXPECT_EQ(joined.siblings()[1].value, "w");
}

TEST(SiblingSetTest, FromPartsRejectsADotTheContextDoesNotCoverOrTwoSiblingsWithOneDot) {
  const auto uncovered = SiblingSet::fromParts(vv({{0, 1}}), {Sibling{Dot{0, 2}, "x", false, {}}});
  ASSERT_FALSE(uncovered.isOk());
  EXPECT_EQ(uncovered.status().code(), ErrorCode::kCorrupt);
  const auto twice =
      SiblingSet::fromParts(vv({{0, 2}}), {Sibling{Dot{0, 2}, "x", false, {}}, Sibling{Dot{0, 2}, "y", false, {}}});
  EXPECT_FALSE(twice.isOk());
  EXPECT_TRUE(SiblingSet::fromParts(vv({{0, 2}}), {Sibling{Dot{0, 2}, "x", false, {}}}).isOk());
}

TEST(SiblingSetTest, PruningADepartedNodeCanResurrectASupersededWriteButNeverLosesOne) {
  SiblingSet old;
  old.write(2, {}, "by-n3", false, Version{1, 0, 2});  // n3 writes, then leaves the cluster
  SiblingSet current = old;
  current.write(0, current.context(), "by-n1", false, Version{2, 0, 0});
  EXPECT_EQ(current.prune([](NodeId node) { return node != 2; }), 1u);
  EXPECT_EQ(current.context().toString(), "n1:1");
  // A stale replica still holds n3's superseded write: it comes back as a (false) sibling.
  EXPECT_EQ(values(SiblingSet::merge(current, old)), (std::vector<std::string>{"by-n1", "by-n3"}));
}

TEST(SiblingSetTest, PruningKeepsEntriesThatNameAHeldSibling) {
  SiblingSet set;
  set.write(2, {}, "by-n3", false, Version{1, 0, 2});
  EXPECT_EQ(set.prune([](NodeId node) { return node != 2; }), 0u);
  EXPECT_EQ(set.context().toString(), "n3:1");
}

TEST(PnCounterTest, CountsIncrementsAndDecrementsPerNode) {
  PnCounter counter;
  counter.add(0, 5);
  counter.add(0, -1);
  counter.add(1, 3);
  counter.add(1, 0);
  EXPECT_EQ(counter.value(), 7);
  EXPECT_EQ(counter.toString(), "n1:+5-1 n2:+3 = 7");
  counter.add(2, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(counter.entries().back().decrements, std::uint64_t{1} << 63);
}

TEST(PnCounterTest, ConcurrentIncrementsThroughDifferentNodesAreAllCounted) {
  PnCounter base;
  base.add(0, 10);
  PnCounter a = base;
  PnCounter b = base;
  a.add(0, 1);
  b.add(1, 1);
  EXPECT_EQ(PnCounter::compare(a, b), Causality::kConcurrent);
  EXPECT_EQ(PnCounter::merge(a, b).value(), 12);
  EXPECT_EQ(PnCounter::compare(base, a), Causality::kBefore);
}

TEST(PnCounterTest, FromEntriesRejectsANodeNamedTwice) {
  EXPECT_FALSE(PnCounter::fromEntries({{0, 1, 0}, {0, 2, 0}}).isOk());
  EXPECT_EQ(PnCounter::fromEntries({{1, 2, 0}, {0, 1, 0}}).value().value(), 3);
}

// ---- Randomized histories -------------------------------------------------------------------------------------
//
// Replicas of one key receive writes through coordinators (a replica that updates its own state and then sends the
// whole state to some others), clients that read a replica and write back with its context or write blind, and
// pairwise merges (anti-entropy, read repair, hints) in random order. Beside the real states the test keeps the
// ground truth: which writes each state has seen. The laws checked:
//   - a state's context covers exactly the writes it has seen;
//   - a state holds exactly the seen writes no write it has seen was made with a read that had seen them;
//   - after everything is merged, every acknowledged write is present or was superseded by a later write whose
//     read had seen it: nothing is lost.

struct Truth {
  std::set<int> seen;  // write ids
};

struct Write {
  Dot dot;
  std::set<int> readSeen;  // what the writer's read had seen (empty for a blind write)
};

class History {
 public:
  explicit History(std::uint64_t seed, int replicas) : m_rng(seed), m_states(replicas), m_truth(replicas) {}

  void step() {
    const int r = pick(static_cast<int>(m_states.size()));
    switch (pick(4)) {
      case 0:
      case 1: {  // write through coordinator r, with the context of a read from replica `from` or blind
        const bool blind = pick(4) == 0;
        const int from = pick(static_cast<int>(m_states.size()));
        const VersionVector readContext = blind ? VersionVector{} : m_states[from].context();
        const std::set<int> readSeen = blind ? std::set<int>{} : m_truth[from].seen;
        const int id = static_cast<int>(m_writes.size());
        const bool tombstone = pick(10) == 0;
        const Dot dot = m_states[r].write(static_cast<NodeId>(r), readContext, "w" + std::to_string(id), tombstone,
                                          Version{id + 1, 0, static_cast<NodeId>(r)});
        m_writes.push_back(Write{dot, readSeen});
        m_truth[r].seen.insert(readSeen.begin(), readSeen.end());
        m_truth[r].seen.insert(id);
        for (int other = 0; other < static_cast<int>(m_states.size()); ++other) {
          if (other != r && pick(2) == 0) mergeInto(other, r);  // replication reaches some replicas
        }
        break;
      }
      default: mergeInto(r, pick(static_cast<int>(m_states.size())));
    }
  }

  void mergeInto(int to, int from) {
    m_states[to] = SiblingSet::merge(m_states[to], m_states[from]);
    m_truth[to].seen.insert(m_truth[from].seen.begin(), m_truth[from].seen.end());
  }

  // The writes a state with `seen` should hold: seen, and not superseded by a seen write whose read had seen them.
  std::vector<int> expectedSiblings(const std::set<int>& seen) const {
    std::vector<int> out;
    for (int w : seen) {
      bool superseded = false;
      for (int later : seen) {
        if (m_writes[later].readSeen.count(w) != 0) superseded = true;
      }
      if (!superseded) out.push_back(w);
    }
    return out;
  }

  ::testing::AssertionResult checkReplica(int r) const {
    for (int w = 0; w < static_cast<int>(m_writes.size()); ++w) {
      if (m_states[r].covers(m_writes[w].dot) != (m_truth[r].seen.count(w) != 0)) {
        return ::testing::AssertionFailure() << "replica " << r << " context " << m_states[r].context().toString()
                                             << " is wrong about write " << w << " " << m_writes[w].dot.toString();
      }
    }
    std::vector<int> held;
    for (const auto& s : m_states[r].siblings()) held.push_back(std::stoi(s.value.substr(1)));
    std::sort(held.begin(), held.end());
    const std::vector<int> expected = expectedSiblings(m_truth[r].seen);
    if (held != expected) {
      return ::testing::AssertionFailure() << "replica " << r << " holds " << m_states[r].toString()
                                           << " but should hold " << expected.size() << " siblings";
    }
    return ::testing::AssertionSuccess();
  }

  SiblingSet everythingMerged() const {
    SiblingSet all;
    for (const auto& s : m_states) all = SiblingSet::merge(all, s);
    return all;
  }

  const std::vector<Write>& writes() const { return m_writes; }
  const SiblingSet& state(int r) const { return m_states[r]; }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_rng); }

 private:
  std::mt19937_64 m_rng;
  std::vector<SiblingSet> m_states;
  std::vector<Truth> m_truth;
  std::vector<Write> m_writes;
};

constexpr int kHistories = 2000;

TEST(SiblingSetPropertyTest, RandomHistoriesKeepEveryReplicaExactAndLoseNoAcknowledgedWrite) {
  for (std::uint64_t seed = 1; seed <= kHistories; ++seed) {
    History history(seed, 3);
    const int steps = 5 + static_cast<int>(seed % 40);
    for (int i = 0; i < steps; ++i) history.step();
    for (int r = 0; r < 3; ++r) ASSERT_TRUE(history.checkReplica(r)) << "seed " << seed;
    const SiblingSet all = history.everythingMerged();
    for (int w = 0; w < static_cast<int>(history.writes().size()); ++w) {
      const bool present = std::any_of(all.siblings().begin(), all.siblings().end(),
                                       [&](const Sibling& s) { return s.dot == history.writes()[w].dot; });
      const bool coveredByLater = std::any_of(history.writes().begin(), history.writes().end(),
                                              [&](const Write& later) { return later.readSeen.count(w) != 0; });
      ASSERT_TRUE(present || coveredByLater) << "seed " << seed << ": write " << w << " lost";
      ASSERT_FALSE(present && coveredByLater) << "seed " << seed << ": write " << w << " survived its successor";
    }
  }
}

TEST(SiblingSetPropertyTest, MergeIsCommutativeAssociativeAndIdempotent) {
  for (std::uint64_t seed = 1; seed <= kHistories; ++seed) {
    History history(seed, 3);
    for (int i = 0; i < 12 + static_cast<int>(seed % 20); ++i) history.step();
    const SiblingSet& a = history.state(0);
    const SiblingSet& b = history.state(1);
    const SiblingSet& c = history.state(2);
    ASSERT_EQ(SiblingSet::merge(a, b), SiblingSet::merge(b, a)) << "seed " << seed;
    ASSERT_EQ(SiblingSet::merge(SiblingSet::merge(a, b), c), SiblingSet::merge(a, SiblingSet::merge(b, c)))
        << "seed " << seed;
    ASSERT_EQ(SiblingSet::merge(a, a), a) << "seed " << seed;
    // Dominance: the merge descends both inputs, and compare agrees with the merge.
    const SiblingSet ab = SiblingSet::merge(a, b);
    ASSERT_TRUE(ab.context().descends(a.context()) && ab.context().descends(b.context())) << "seed " << seed;
    const Causality relation = SiblingSet::compare(a, b);
    if (relation == Causality::kBefore) {
      ASSERT_EQ(ab, b) << "seed " << seed;
    } else if (relation == Causality::kAfter) {
      ASSERT_EQ(ab, a) << "seed " << seed;
    } else if (relation == Causality::kConcurrent) {
      ASSERT_TRUE(ab != a && ab != b) << "seed " << seed;
    }
  }
}

TEST(PnCounterPropertyTest, RandomIncrementsThroughAnyReplicaConvergeToTheExactTotal) {
  for (std::uint64_t seed = 1; seed <= kHistories; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    // Each replica holds the counter; replica r applies its own node's increments (the coordinator's entry).
    std::vector<PnCounter> replicas(4);
    std::int64_t acknowledged = 0;
    for (int i = 0; i < 60; ++i) {
      const int r = pick(4);
      if (pick(3) != 0) {
        const std::int64_t delta = pick(21) - 10;
        replicas[r].add(static_cast<NodeId>(r), delta);
        acknowledged += delta;
      } else {
        const int from = pick(4);
        replicas[r] = PnCounter::merge(replicas[r], replicas[from]);
      }
    }
    PnCounter all;
    for (const auto& c : replicas) all = PnCounter::merge(all, c);
    ASSERT_EQ(all.value(), acknowledged) << "seed " << seed;
    ASSERT_EQ(PnCounter::merge(replicas[0], replicas[1]), PnCounter::merge(replicas[1], replicas[0]));
    ASSERT_EQ(PnCounter::merge(replicas[2], replicas[2]), replicas[2]);
    ASSERT_EQ(PnCounter::merge(PnCounter::merge(replicas[0], replicas[1]), replicas[2]),
              PnCounter::merge(replicas[0], PnCounter::merge(replicas[1], replicas[2])));
  }
}

}  // namespace
}  // namespace ringlab
