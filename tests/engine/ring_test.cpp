#include <ringlab/engine/ring.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace ringlab {
namespace {

constexpr Token kMaxToken = std::numeric_limits<Token>::max();

RingConfig vnodes(std::size_t perNode) {
  RingConfig config;
  config.strategy = PlacementStrategy::kVnodes;
  config.vnodesPerNode = perNode;
  return config;
}

RingConfig partitions(std::size_t q) {
  RingConfig config;
  config.strategy = PlacementStrategy::kPartitions;
  config.partitions = q;
  return config;
}

Ring buildRing(const RingConfig& config, std::size_t nodes, std::uint64_t seed) {
  Rng rng(seed);
  return Ring::build(config, nodes, rng);
}

// The reference: walk entries() from the first token >= t, one entry at a time, no index.
PreferenceList bruteForceList(const Ring& ring, Token t, std::size_t replicas, std::size_t maxFallbacks) {
  PreferenceList out;
  const auto& entries = ring.entries();
  std::size_t start = 0;
  while (start < entries.size() && entries[start].token < t) ++start;
  if (start == entries.size()) start = 0;
  for (std::size_t step = 0; step < entries.size(); ++step) {
    const NodeId node = entries[(start + step) % entries.size()].node;
    const bool seen = std::find(out.replicas.begin(), out.replicas.end(), node) != out.replicas.end() ||
                      std::find(out.fallbacks.begin(), out.fallbacks.end(), node) != out.fallbacks.end();
    if (seen) continue;
    if (out.replicas.size() < replicas) {
      out.replicas.push_back(node);
    } else if (out.fallbacks.size() < maxFallbacks) {
      out.fallbacks.push_back(node);
    }
  }
  return out;
}

std::vector<Token> tokensOf(const Ring& ring, NodeId node) {
  std::vector<Token> tokens;
  for (const RingEntry& e : ring.entries()) {
    if (e.node == node) tokens.push_back(e.token);
  }
  return tokens;
}

double totalFraction(const std::vector<RangeTransfer>& transfers) {
  long double sum = 0;
  for (const RangeTransfer& t : transfers) sum += t.range.fraction();
  return static_cast<double>(sum);
}

// The nodes that joined the replica set of `t` between the two rings.
std::set<NodeId> gainedAt(const Ring& before, const Ring& after, Token t, std::size_t replicas) {
  const PreferenceList was = before.preferenceList(t, replicas);
  const PreferenceList now = after.preferenceList(t, replicas);
  std::set<NodeId> gained;
  for (NodeId node : now.replicas) {
    if (std::find(was.replicas.begin(), was.replicas.end(), node) == was.replicas.end()) gained.insert(node);
  }
  return gained;
}

// Root mean square of the measured CV over `seeds` rings; squares average without bias, so this estimates the
// analytic CV directly.
double rmsCv(std::size_t nodes, std::size_t perNode, int seeds, bool halfRing) {
  double sumSquares = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    Ring ring = buildRing(vnodes(perNode), nodes, static_cast<std::uint64_t>(seed));
    if (halfRing) {
      // A deliberately biased placement: every token in the lower half of the ring.
      std::vector<RingEntry> entries = ring.entries();
      for (RingEntry& e : entries) e.token >>= 1;
      ring = Ring::fromEntries(entries, vnodes(perNode));
    }
    const double cv = ring.ownership(3).coefficientOfVariation;
    sumSquares += cv * cv;
  }
  return std::sqrt(sumSquares / seeds);
}

TEST(TokenRangeTest, ContainsTokensAfterStartUpToAndIncludingEnd) {
  const TokenRange range{100, 200};
  EXPECT_FALSE(range.contains(100));
  EXPECT_TRUE(range.contains(101));
  EXPECT_TRUE(range.contains(200));
  EXPECT_FALSE(range.contains(201));
  EXPECT_FALSE(range.contains(0));
}

TEST(TokenRangeTest, WrappingRangeContainsBothEndsOfTheTokenSpace) {
  const TokenRange range{kMaxToken - 10, 5};
  EXPECT_TRUE(range.contains(kMaxToken));
  EXPECT_TRUE(range.contains(kMaxToken - 9));
  EXPECT_FALSE(range.contains(kMaxToken - 10));
  EXPECT_TRUE(range.contains(0));
  EXPECT_TRUE(range.contains(5));
  EXPECT_FALSE(range.contains(6));
  EXPECT_FALSE(range.contains(kMaxToken / 2));
}

TEST(TokenRangeTest, EqualStartAndEndIsTheWholeRing) {
  const TokenRange range{42, 42};
  EXPECT_TRUE(range.contains(42));
  EXPECT_TRUE(range.contains(0));
  EXPECT_TRUE(range.contains(kMaxToken));
  EXPECT_DOUBLE_EQ(range.fraction(), 1.0);
}

TEST(TokenRangeTest, FractionCountsTokensIncludingAcrossTheWrap) {
  EXPECT_DOUBLE_EQ((TokenRange{0, Token{1} << 63}.fraction()), 0.5);
  EXPECT_DOUBLE_EQ((TokenRange{Token{1} << 62, Token{1} << 63}.fraction()), 0.25);
  // (2^64 - 2^62, 2^62] wraps and covers half the ring.
  EXPECT_DOUBLE_EQ((TokenRange{kMaxToken - (Token{1} << 62) + 1, Token{1} << 62}.fraction()), 0.5);
  EXPECT_GT((TokenRange{7, 8}.fraction()), 0.0);
}

TEST(RingTest, EmptyRingGivesEmptyPreferenceLists) {
  const Ring ring;
  const PreferenceList list = ring.preferenceList(123, 3, 2);
  EXPECT_TRUE(list.replicas.empty());
  EXPECT_TRUE(list.fallbacks.empty());
  EXPECT_TRUE(ring.nodes().empty());
  EXPECT_TRUE(ring.ownership(3).nodes.empty());
}

TEST(RingTest, PreferenceListMatchesClockwiseWalkOverEntries) {
  for (const RingConfig& config : {vnodes(16), vnodes(1), partitions(64), partitions(100)}) {
    const Ring ring = buildRing(config, 12, 7);
    Rng tokens(99);
    for (int i = 0; i < 3000; ++i) {
      const Token t = i < 3 ? (i == 0 ? 0 : i == 1 ? kMaxToken : ring.entries()[5].token) : tokens.next();
      const PreferenceList expected = bruteForceList(ring, t, 3, 2);
      const PreferenceList actual = ring.preferenceList(t, 3, 2);
      ASSERT_EQ(actual.replicas, expected.replicas) << "token " << t;
      ASSERT_EQ(actual.fallbacks, expected.fallbacks) << "token " << t;
    }
  }
}

TEST(RingTest, OwnerIndexIsFirstEntryAtOrAfterToken) {
  // A large vnode ring (bucket index), a uniform partition ring (arithmetic) and clustered tokens (long buckets).
  std::vector<RingEntry> clustered;
  for (NodeId i = 0; i < 200; ++i) clustered.push_back({Token{1000} + i * 3, i % 7});
  clustered.push_back({kMaxToken - 5, 3});
  for (const Ring& ring : {buildRing(vnodes(64), 50, 3), buildRing(partitions(4096), 10, 0),
                           buildRing(partitions(3), 2, 0), Ring::fromEntries(clustered, vnodes(1))}) {
    const auto& entries = ring.entries();
    std::vector<Token> probes = {0, 1, kMaxToken, kMaxToken - 1};
    for (std::size_t i = 0; i < entries.size(); i += 1 + entries.size() / 500) {
      probes.push_back(entries[i].token);
      probes.push_back(entries[i].token + 1);
      probes.push_back(entries[i].token - 1);
    }
    Rng rng(5);
    for (int i = 0; i < 2000; ++i) probes.push_back(rng.next());
    for (Token t : probes) {
      auto it = std::lower_bound(entries.begin(), entries.end(), t,
                                 [](const RingEntry& e, Token value) { return e.token < value; });
      const std::size_t expected = it == entries.end() ? 0 : static_cast<std::size_t>(it - entries.begin());
      ASSERT_EQ(ring.ownerIndex(t), expected) << "token " << t;
      ASSERT_TRUE(ring.rangeOf(expected).contains(t)) << "token " << t;
    }
  }
}

TEST(RingTest, PreferenceListHoldsDistinctNodes) {
  const Ring ring = buildRing(vnodes(32), 8, 11);
  Rng rng(1);
  PreferenceList list;
  for (int i = 0; i < 2000; ++i) {
    ring.preferenceList(rng.next(), 3, 3, list);
    ASSERT_EQ(list.replicas.size(), 3u);
    ASSERT_EQ(list.fallbacks.size(), 3u);
    std::set<NodeId> all(list.replicas.begin(), list.replicas.end());
    all.insert(list.fallbacks.begin(), list.fallbacks.end());
    EXPECT_EQ(all.size(), 6u) << "replicas and fallbacks must be distinct from each other";
  }
}

TEST(RingTest, FallbacksFollowRingOrderAfterReplicas) {
  // Entries alternate through nodes 0..4 in order, so the walk from entry 0 meets 0, 1, 2, 3, 4.
  std::vector<RingEntry> entries;
  for (NodeId i = 0; i < 20; ++i) entries.push_back({Token{1000} * (i + 1), i % 5});
  const Ring ring = Ring::fromEntries(entries, vnodes(4));
  const PreferenceList list = ring.preferenceList(1000, 2, 2);
  EXPECT_EQ(list.replicas, (NodeList{0, 1}));
  EXPECT_EQ(list.fallbacks, (NodeList{2, 3}));
  const PreferenceList fromMiddle = ring.preferenceList(3500, 2, 10);
  EXPECT_EQ(fromMiddle.replicas, (NodeList{3, 4}));
  EXPECT_EQ(fromMiddle.fallbacks, (NodeList{0, 1, 2}));
}

// Ownership lists the nodes in the ring, not every id below the largest: with nodes 1 and 3 only, the second entry
// is node 3's, and of() finds each by id.
TEST(RingTest, OwnershipOfFindsNodesByIdWhenIdsSkip) {
  const Ring ring = Ring::fromEntries({{1000, 1}, {2000, 3}, {3000, 3}, {4000, 3}}, vnodes(3));
  const OwnershipStats stats = ring.ownership(1);
  ASSERT_EQ(stats.nodes.size(), 2u);
  EXPECT_EQ(stats.nodes[1].node, 3u);
  ASSERT_NE(stats.of(3), nullptr);
  EXPECT_EQ(stats.of(3)->tokens, 3u);
  EXPECT_EQ(stats.of(1)->tokens, 1u);
  EXPECT_EQ(stats.of(2), nullptr);
  EXPECT_EQ(stats.of(0), nullptr);
}

TEST(RingTest, PreferenceListSkipsRepeatedNode) {
  const Ring ring = Ring::fromEntries({{10, 0}, {20, 0}, {30, 1}, {40, 1}, {50, 2}}, vnodes(2));
  EXPECT_EQ(ring.preferenceList(5, 3).replicas, (NodeList{0, 1, 2}));
  EXPECT_EQ(ring.preferenceList(35, 2, 5).replicas, (NodeList{1, 2}));
  EXPECT_EQ(ring.preferenceList(35, 2, 5).fallbacks, (NodeList{0}));
}

TEST(RingTest, HugeReplicaCountsAreCappedAtTheNodesInTheRing) {
  const Ring ring = buildRing(vnodes(4), 5, 4);
  const PreferenceList list =
      ring.preferenceList(1, std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max());
  EXPECT_EQ(list.replicas.size(), 5u);
  EXPECT_TRUE(list.fallbacks.empty());
}

TEST(RingTest, FewerNodesThanReplicasGivesShorterList) {
  const Ring ring = buildRing(vnodes(16), 2, 4);
  const PreferenceList list = ring.preferenceList(12345, 3, 2);
  EXPECT_EQ(list.replicas.size(), 2u);
  EXPECT_TRUE(list.fallbacks.empty());
  const Ring single = buildRing(partitions(8), 1, 0);
  EXPECT_EQ(single.preferenceList(0, 3, 1).replicas, (NodeList{0}));
}

TEST(RingTest, TokenAboveLastEntryWrapsToFirstEntry) {
  const Ring ring = Ring::fromEntries({{100, 4}, {200, 5}, {300, 6}}, vnodes(1));
  EXPECT_EQ(ring.ownerIndex(301), 0u);
  EXPECT_EQ(ring.ownerIndex(kMaxToken), 0u);
  EXPECT_EQ(ring.ownerIndex(0), 0u);
  EXPECT_EQ(ring.ownerIndex(100), 0u);
  EXPECT_EQ(ring.ownerIndex(101), 1u);
  EXPECT_EQ(ring.preferenceList(kMaxToken, 2).replicas, (NodeList{4, 5}));
  EXPECT_EQ(ring.rangeOf(0), (TokenRange{300, 100}));
  EXPECT_TRUE(ring.rangeOf(0).contains(kMaxToken));
}

TEST(RingTest, SingleEntryOwnsTheWholeRing) {
  const Ring ring = Ring::fromEntries({{777, 2}}, vnodes(1));
  EXPECT_DOUBLE_EQ(ring.rangeOf(0).fraction(), 1.0);
  const OwnershipStats stats = ring.ownership(3);
  ASSERT_EQ(stats.nodes.size(), 1u);
  EXPECT_DOUBLE_EQ(stats.nodes[0].primaryShare, 1.0);
  EXPECT_DOUBLE_EQ(stats.nodes[0].replicatedShare, 1.0);
}

TEST(RingTest, FromEntriesSortsAndKeepsFirstOfDuplicateTokens) {
  const Ring ring = Ring::fromEntries({{30, 1}, {10, 2}, {30, 3}, {20, 4}, {10, 5}}, vnodes(1));
  const std::vector<RingEntry> expected = {{10, 2}, {20, 4}, {30, 1}};
  EXPECT_EQ(ring.entries(), expected);
  EXPECT_EQ(ring.nodes(), (std::vector<NodeId>{1, 2, 4}));
  EXPECT_TRUE(ring.contains(4));
  EXPECT_FALSE(ring.contains(3));
}

TEST(RingTest, VnodeBuildGivesEachNodeItsTokens) {
  const Ring ring = buildRing(vnodes(16), 10, 1);
  EXPECT_EQ(ring.entries().size(), 160u);
  EXPECT_EQ(ring.nodes().size(), 10u);
  for (const NodeOwnership& o : ring.ownership(3).nodes) EXPECT_EQ(o.tokens, 16u);
  for (std::size_t i = 1; i < ring.entries().size(); ++i) {
    EXPECT_LT(ring.entries()[i - 1].token, ring.entries()[i].token);
  }
}

TEST(RingTest, SameSeedGivesSameRing) {
  EXPECT_EQ(buildRing(vnodes(64), 20, 1234).entries(), buildRing(vnodes(64), 20, 1234).entries());
  EXPECT_NE(buildRing(vnodes(64), 20, 1234).entries(), buildRing(vnodes(64), 20, 1235).entries());
  Rng a(8), b(8);
  const Ring base = buildRing(vnodes(8), 5, 2);
  EXPECT_EQ(base.withNode(5, a).entries(), base.withNode(5, b).entries());
  EXPECT_EQ(buildRing(partitions(64), 5, 1).entries(), buildRing(partitions(64), 5, 2).entries());
}

TEST(RingTest, VnodeBuildDrawsNodeZeroTokensFirst) {
  Rng rng(77);
  std::vector<Token> firstDraws;
  for (int i = 0; i < 4; ++i) firstDraws.push_back(rng.next());
  std::sort(firstDraws.begin(), firstDraws.end());
  EXPECT_EQ(tokensOf(buildRing(vnodes(4), 3, 77), 0), firstDraws);
}

TEST(RingTest, VnodeOwnershipCvMatchesAnalyticExpectation) {
  for (std::size_t nodes : {10, 30}) {
    for (std::size_t perNode : {16, 64, 256}) {
      const double expected = expectedVnodeOwnershipCv(nodes, perNode);
      const double measured = rmsCv(nodes, perNode, 20, false);
      EXPECT_NEAR(measured, expected, 0.25 * expected) << nodes << " nodes x " << perNode << " vnodes";
    }
  }
}

TEST(RingTest, BalanceCheckRejectsTokensConfinedToHalfTheRing) {
  // The statistical check above must be able to fail: the same check on a biased placement is far off.
  for (std::size_t perNode : {16, 256}) {
    const double expected = expectedVnodeOwnershipCv(10, perNode);
    EXPECT_GT(std::abs(rmsCv(10, perNode, 20, true) - expected), 0.25 * expected) << perNode << " vnodes";
  }
}

TEST(RingTest, ExpectedVnodeOwnershipCvFollowsFormula) {
  EXPECT_DOUBLE_EQ(expectedVnodeOwnershipCv(10, 16), std::sqrt(9.0 / 161.0));
  EXPECT_DOUBLE_EQ(expectedVnodeOwnershipCv(1, 16), 0.0);
  EXPECT_DOUBLE_EQ(expectedVnodeOwnershipCv(0, 16), 0.0);
}

TEST(RingTest, SharesSumToOneAndReplicatedSharesToN) {
  for (const RingConfig& config : {vnodes(16), vnodes(256), partitions(64), partitions(1000)}) {
    for (std::size_t nodes : {1, 2, 3, 7, 30}) {
      const Ring ring = buildRing(config, nodes, nodes);
      const OwnershipStats stats = ring.ownership(3);
      long double primary = 0, replicated = 0;
      for (const NodeOwnership& o : stats.nodes) {
        primary += o.primaryShare;
        replicated += o.replicatedShare;
      }
      EXPECT_NEAR(static_cast<double>(primary), 1.0, 1e-9) << nodes;
      EXPECT_NEAR(static_cast<double>(replicated), static_cast<double>(std::min<std::size_t>(3, nodes)), 1e-9) << nodes;
      EXPECT_NEAR(stats.meanPrimary, 1.0 / static_cast<double>(nodes), 1e-12);
      EXPECT_GE(stats.maxOverMean, 1.0);
      EXPECT_LE(stats.minPrimary, stats.meanPrimary);
      EXPECT_EQ(stats.replicas, 3u);
    }
  }
}

TEST(RingTest, PartitionTokensCutTheRingIntoEqualPartitions) {
  const Ring ring = buildRing(partitions(3), 3, 0);
  ASSERT_EQ(ring.entries().size(), 3u);
  EXPECT_EQ(ring.entries()[0].token, 0x5555555555555554ull);
  EXPECT_EQ(ring.entries()[1].token, 0xAAAAAAAAAAAAAAA9ull);
  EXPECT_EQ(ring.entries()[2].token, kMaxToken);
  const Ring pow2 = buildRing(partitions(4), 2, 0);
  EXPECT_EQ(pow2.entries()[0].token, (Token{1} << 62) - 1);
  EXPECT_EQ(pow2.rangeOf(0), (TokenRange{kMaxToken, (Token{1} << 62) - 1}));
  EXPECT_DOUBLE_EQ(pow2.rangeOf(0).fraction(), 0.25);
  EXPECT_EQ(pow2.preferenceList(0, 1).replicas, (NodeList{0}));
  EXPECT_EQ(pow2.preferenceList(Token{1} << 62, 1).replicas, (NodeList{1}));
}

TEST(RingTest, PartitionsGiveEvenOwnershipWhenQDivisibleByNodes) {
  for (std::size_t nodes : {4, 8, 16, 64}) {
    const OwnershipStats stats = buildRing(partitions(256), nodes, 0).ownership(3);
    EXPECT_LT(stats.coefficientOfVariation, 1e-9) << nodes;
    EXPECT_LT(stats.replicatedCoefficientOfVariation, 1e-9) << nodes;
    EXPECT_NEAR(stats.maxOverMean, 1.0, 1e-9) << nodes;
  }
}

void expectConsecutivePartitionsDistinct(const Ring& ring, std::size_t window) {
  const auto& entries = ring.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::set<NodeId> seen;
    for (std::size_t k = 0; k < window; ++k) seen.insert(entries[(i + k) % entries.size()].node);
    ASSERT_EQ(seen.size(), window) << "partitions " << i << ".." << i + window - 1;
  }
}

TEST(RingTest, PartitionsPutAnyNConsecutivePartitionsOnDistinctNodes) {
  // Round robin is seamless when Q is a multiple of the node count; with at least 5 nodes the seam where the ring
  // wraps is repaired for any Q.
  expectConsecutivePartitionsDistinct(buildRing(partitions(63), 3, 0), 3);
  expectConsecutivePartitionsDistinct(buildRing(partitions(64), 4, 0), 3);
  for (std::size_t q : {64, 65, 66, 100, 4096}) {
    for (std::size_t nodes : {5, 6, 7, 10, 1000}) {
      if (nodes > q) continue;
      SCOPED_TRACE(testing::Message() << "Q=" << q << " nodes=" << nodes);
      const Ring ring = buildRing(partitions(q), nodes, 0);
      expectConsecutivePartitionsDistinct(ring, 3);
      std::map<NodeId, std::size_t> counts;
      for (const RingEntry& e : ring.entries()) ++counts[e.node];
      std::size_t most = 0, fewest = q;
      for (const auto& [node, count] : counts) {
        most = std::max(most, count);
        fewest = std::min(fewest, count);
      }
      EXPECT_LE(most - fewest, 1u) << "round robin stays balanced";
    }
  }
  // Growing from 4 to 16 nodes one at a time, then shrinking back, keeps the property.
  Ring ring = buildRing(partitions(256), 4, 0);
  Rng rng(0);
  for (NodeId node = 4; node < 16; ++node) {
    ring = ring.withNode(node, rng);
    expectConsecutivePartitionsDistinct(ring, 3);
  }
  for (NodeId node = 15; node >= 6; --node) {
    ring = ring.withoutNode(node);
    expectConsecutivePartitionsDistinct(ring, 3);
  }
}

TEST(RingTest, PartitionWithNodeClaimsFairShareFromMostLoaded) {
  const Ring before = buildRing(partitions(64), 4, 0);
  Rng rng(0);
  const Ring after = before.withNode(4, rng);
  std::map<NodeId, std::size_t> counts;
  for (const RingEntry& e : after.entries()) ++counts[e.node];
  EXPECT_EQ(counts[4], 64u / 5);
  for (NodeId node = 0; node < 4; ++node) {
    EXPECT_GE(counts[node], 12u);
    EXPECT_LE(counts[node], 13u);
  }
  // Only claimed partitions change owner, and they go to the new node.
  for (std::size_t i = 0; i < 64; ++i) {
    if (after.entries()[i].node != before.entries()[i].node) {
      EXPECT_EQ(after.entries()[i].node, 4u);
    }
    EXPECT_EQ(after.entries()[i].token, before.entries()[i].token);
  }
}

TEST(RingTest, PartitionWithoutNodeSpreadsPartitionsOverLeastLoaded) {
  // 16 nodes x 4 partitions: each partition of the leaving node goes to a different node clear of its neighbours.
  const Ring before = buildRing(partitions(64), 16, 0);
  const Ring after = before.withoutNode(2);
  EXPECT_FALSE(after.contains(2));
  std::map<NodeId, std::size_t> counts;
  for (const RingEntry& e : after.entries()) ++counts[e.node];
  EXPECT_EQ(counts.size(), 15u);
  for (const auto& [node, count] : counts) EXPECT_TRUE(count == 4 || count == 5) << nodeName(node);
  expectConsecutivePartitionsDistinct(after, 3);
  EXPECT_TRUE(buildRing(partitions(8), 1, 0).withoutNode(0).empty());
}

TEST(RingTest, PartitionWithoutNodePrefersDistinctReplicasOverBalance) {
  // Round robin over 6 nodes: every partition of node 2 sits between nodes 0, 1 and 3, 4, so only node 5 can take
  // them without putting one node twice in three consecutive partitions.
  const Ring after = buildRing(partitions(60), 6, 0).withoutNode(2);
  std::map<NodeId, std::size_t> counts;
  for (const RingEntry& e : after.entries()) ++counts[e.node];
  EXPECT_EQ(counts[5], 20u);
  expectConsecutivePartitionsDistinct(after, 3);
}

TEST(RingTest, PartitionsWithMoreNodesThanPartitionsLeaveSomeNodesEmpty) {
  const Ring ring = buildRing(partitions(4), 6, 0);
  EXPECT_EQ(ring.nodes(), (std::vector<NodeId>{0, 1, 2, 3}));
  Rng rng(0);
  EXPECT_FALSE(ring.withNode(9, rng).contains(9));
}

TEST(RingTest, PartitionWithNodeOnEmptyRingGivesItEveryPartition) {
  Rng rng(0);
  const Ring grown = Ring::build(partitions(8), 0, rng).withNode(3, rng);
  ASSERT_EQ(grown.entries().size(), 8u);
  EXPECT_EQ(grown.entries(), buildRing(partitions(8), 1, 0).withNode(3, rng).withoutNode(0).entries());
  EXPECT_EQ(grown.nodes(), (std::vector<NodeId>{3}));
}

TEST(RingTest, WithNodeKeepsOtherNodesVnodeTokens) {
  const Ring before = buildRing(vnodes(32), 10, 3);
  Rng rng(17);
  const Ring after = before.withNode(10, rng);
  EXPECT_EQ(after.entries().size(), before.entries().size() + 32);
  EXPECT_EQ(tokensOf(after, 10).size(), 32u);
  for (NodeId node = 0; node < 10; ++node) EXPECT_EQ(tokensOf(after, node), tokensOf(before, node));
  Rng again(17);
  EXPECT_EQ(after.withNode(10, again).entries(), after.entries()) << "adding a present node changes nothing";
}

TEST(RingTest, WithoutNodeKeepsOtherNodesVnodeTokens) {
  const Ring before = buildRing(vnodes(32), 10, 3);
  const Ring after = before.withoutNode(4);
  EXPECT_FALSE(after.contains(4));
  EXPECT_EQ(after.entries().size(), before.entries().size() - 32);
  for (NodeId node = 0; node < 10; ++node) {
    if (node != 4) {
      EXPECT_EQ(tokensOf(after, node), tokensOf(before, node));
    }
  }
  EXPECT_EQ(after.withoutNode(4).entries(), after.entries());
}

TEST(RingTest, DiffForAddedVnodeNodeMovesRangesOnlyToNewNode) {
  const Ring before = buildRing(vnodes(16), 8, 21);
  Rng rng(22);
  const Ring after = before.withNode(8, rng);
  const std::vector<RangeTransfer> transfers = Ring::diff(before, after, 3);
  ASSERT_FALSE(transfers.empty());
  for (const RangeTransfer& t : transfers) {
    EXPECT_EQ(t.to, 8u);
    EXPECT_TRUE(before.contains(t.from));
  }
  double share = 0;
  for (const NodeOwnership& o : after.ownership(3).nodes) {
    if (o.node == 8) share = o.replicatedShare;
  }
  EXPECT_NEAR(totalFraction(transfers), share, 1e-9);
}

TEST(RingTest, DiffForRemovedNodeMovesRangesOnlyFromRemovedNode) {
  for (const RingConfig& config : {vnodes(16), partitions(128)}) {
    const Ring before = buildRing(config, 8, 31);
    const Ring after = before.withoutNode(3);
    const std::vector<RangeTransfer> transfers = Ring::diff(before, after, 3);
    ASSERT_FALSE(transfers.empty());
    for (const RangeTransfer& t : transfers) {
      EXPECT_EQ(t.from, 3u);
      EXPECT_NE(t.to, 3u);
    }
    double share = 0;
    for (const NodeOwnership& o : before.ownership(3).nodes) {
      if (o.node == 3) share = o.replicatedShare;
    }
    EXPECT_NEAR(totalFraction(transfers), share, 1e-9);
  }
}

TEST(RingTest, DiffCoversExactlyTheTokensWhoseReplicaSetGainedANode) {
  const Ring before = buildRing(partitions(64), 5, 0);
  Rng rng(1);
  const Ring after = before.withNode(5, rng).withoutNode(1);
  const std::vector<RangeTransfer> transfers = Ring::diff(before, after, 3);
  Rng probes(2);
  for (int i = 0; i < 5000; ++i) {
    const Token t = probes.next();
    std::set<NodeId> covered;
    for (const RangeTransfer& transfer : transfers) {
      if (transfer.range.contains(t)) {
        EXPECT_TRUE(covered.insert(transfer.to).second) << "overlapping transfers";
      }
    }
    ASSERT_EQ(covered, gainedAt(before, after, t, 3)) << "token " << t;
  }
}

TEST(RingTest, DiffMergesAdjacentPiecesAndSortsByStart) {
  const Ring before = buildRing(vnodes(64), 6, 5);
  const Ring after = before.withoutNode(0);
  const std::vector<RangeTransfer> transfers = Ring::diff(before, after, 2);
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    for (std::size_t j = 0; j < transfers.size(); ++j) {
      const bool samePair = transfers[i].from == transfers[j].from && transfers[i].to == transfers[j].to;
      if (i != j && samePair) {
        EXPECT_NE(transfers[i].range.end, transfers[j].range.start) << "unmerged neighbours";
      }
    }
    if (i > 0) {
      EXPECT_LE(transfers[i - 1].range.start, transfers[i].range.start);
    }
  }
}

TEST(RingTest, DiffMergesAcrossTheWrapIntoOneRange) {
  // Node 1 disappears; its two ranges, (max-100, 10] and (10, 50], meet across zero and go to node 0 as one.
  const Ring before = Ring::fromEntries({{100, 0}, {200, 2}, {kMaxToken - 100, 0}, {50, 1}, {10, 1}}, vnodes(1));
  const Ring after = before.withoutNode(1);
  const std::vector<RangeTransfer> transfers = Ring::diff(before, after, 1);
  ASSERT_EQ(transfers.size(), 1u);
  EXPECT_EQ(transfers[0].range, (TokenRange{kMaxToken - 100, 50}));
  EXPECT_EQ(transfers[0].from, 1u);
  EXPECT_EQ(transfers[0].to, 0u);
}

TEST(RingTest, DiffOfRingWithItselfIsEmpty) {
  const Ring ring = buildRing(vnodes(16), 10, 8);
  EXPECT_TRUE(Ring::diff(ring, ring, 3).empty());
  EXPECT_TRUE(Ring::diff(Ring(), ring, 3).empty()) << "nothing to copy from";
  EXPECT_TRUE(Ring::diff(ring, Ring(), 3).empty()) << "nobody to copy to";
}

TEST(RingTest, DiffToWholeRingFromEmptyReplicaSetUsesOldPrimary) {
  // Growing from one node to two with N = 2: node 1 gains everything and nobody lost anything.
  const Ring before = Ring::fromEntries({{10, 0}}, vnodes(1));
  const Ring after = Ring::fromEntries({{10, 0}, {20, 1}}, vnodes(1));
  const std::vector<RangeTransfer> transfers = Ring::diff(before, after, 2);
  ASSERT_EQ(transfers.size(), 1u);
  EXPECT_EQ(transfers[0].from, 0u);
  EXPECT_EQ(transfers[0].to, 1u);
  EXPECT_DOUBLE_EQ(transfers[0].range.fraction(), 1.0);
}

}  // namespace
}  // namespace ringlab
