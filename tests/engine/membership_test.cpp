#include <gtest/gtest.h>
#include <ringlab/engine/membership.h>
#include <ringlab/engine/random.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

constexpr TimePoint kT1{1s};
constexpr TimePoint kT2{2s};

Gossip gossipOf(std::vector<GossipEntry> entries) { return Gossip{std::move(entries)}; }

GossipEntry entry(NodeId node, std::uint64_t generation, std::uint64_t heartbeat,
                  MemberStatus status = MemberStatus::kNormal) {
  return GossipEntry{node, generation, heartbeat, status};
}

TEST(MembershipTest, StartsWithOnlyItselfAtHeartbeatZero) {
  const MembershipView view(3, 42);
  EXPECT_EQ(view.self(), 3u);
  EXPECT_EQ(view.members(), std::vector<NodeId>{3});
  EXPECT_EQ(view.digest(), gossipOf({entry(3, 42, 0)}));
  EXPECT_EQ(view.member(4), std::nullopt);
  EXPECT_EQ(view.pickPeer(12345), std::nullopt);
}

// New members from one digest join the known ones in node order, wherever they fall between them, and a digest that
// names a new member twice (or out of order) keeps the newer entry.
TEST(MembershipTest, NewMembersInterleaveWithKnownOnesInNodeOrder) {
  MembershipView view(4, 1);
  view.addSeed(2);
  view.addSeed(8);
  const auto merged = view.merge(gossipOf({entry(9, 1, 3), entry(1, 1, 1), entry(5, 1, 2), entry(2, 1, 4),
                                           entry(5, 1, 7), entry(7, 2, 0), entry(1, 1, 0)}),
                                 TimePoint{std::chrono::seconds(1)});
  EXPECT_EQ(view.members(), (std::vector<NodeId>{1, 2, 4, 5, 7, 8, 9}));
  for (std::size_t i = 0; i < view.size(); ++i) EXPECT_EQ(view.memberAt(i), view.members()[i]);
  EXPECT_EQ(merged.advanced, (std::vector<NodeId>{1, 2, 5, 7, 9}));
  EXPECT_EQ(view.member(5)->heartbeat, 7u);
  EXPECT_EQ(view.member(1)->heartbeat, 1u) << "the older duplicate does not win";
  EXPECT_EQ(view.member(8)->heartbeat, 0u);
  EXPECT_EQ(view.digest(), gossipOf({entry(1, 1, 1), entry(2, 1, 4), entry(4, 1, 0), entry(5, 1, 7), entry(7, 2, 0),
                                     entry(8, 0, 0), entry(9, 1, 3)}));
}

TEST(MembershipTest, KnownMembersAreFoundWhetherTheDigestIsInNodeOrderOrNot) {
  MembershipView view(0, 1);
  for (NodeId node = 1; node <= 6; ++node) view.addSeed(node);
  // In order up to 5 (found walking along the view), then back to 3 and on to 6 and 4 (found by search).
  const auto merged =
      view.merge(gossipOf({entry(2, 1, 1), entry(5, 1, 2), entry(3, 1, 3), entry(6, 1, 4), entry(4, 1, 5)}), kT1);
  EXPECT_EQ(merged.advanced, (std::vector<NodeId>{2, 3, 4, 5, 6}));
  EXPECT_EQ(view.members(), (std::vector<NodeId>{0, 1, 2, 3, 4, 5, 6})) << "no member is added twice";
  EXPECT_EQ(view.member(2)->heartbeat, 1u);
  EXPECT_EQ(view.member(5)->heartbeat, 2u);
  EXPECT_EQ(view.member(3)->heartbeat, 3u);
  EXPECT_EQ(view.member(6)->heartbeat, 4u);
  EXPECT_EQ(view.member(4)->heartbeat, 5u);
  EXPECT_EQ(view.member(1)->heartbeat, 0u);
}

// Views made from one SeedTable behave exactly like views seeded one member at a time, and each stays its own:
// what one takes from gossip, beats or marks is invisible to the others sharing the table.
TEST(MembershipTest, ViewsFromOneSeedTableMatchSeededViewsAndStayIndependent) {
  const MembershipView::SeedTable seeds({4, 1, 3, 2, 3});
  EXPECT_EQ(seeds.nodes(), (std::vector<NodeId>{1, 2, 3, 4}));
  MembershipView a(1, 7, seeds);
  MembershipView b(2, 9, seeds);
  MembershipView outsider(5, 11, seeds);  // not in the table: added to its own copy
  MembershipView built(1, 7);
  for (NodeId node : {2, 3, 4}) built.addSeed(node);
  EXPECT_EQ(a.digest(), built.digest());
  EXPECT_EQ(a.member(1)->generation, 7u);
  EXPECT_EQ(b.member(2)->generation, 9u);
  EXPECT_EQ(outsider.members(), (std::vector<NodeId>{1, 2, 3, 4, 5}));
  EXPECT_EQ(b.members(), (std::vector<NodeId>{1, 2, 3, 4}));

  a.beat();
  const auto merged = a.merge(gossipOf({entry(3, 5, 2), entry(6, 1, 1)}), kT1);
  EXPECT_EQ(merged.advanced, (std::vector<NodeId>{3, 6}));
  EXPECT_TRUE(a.markLeft(4));
  built.beat();
  built.merge(gossipOf({entry(3, 5, 2), entry(6, 1, 1)}), kT1);
  built.markLeft(4);
  EXPECT_EQ(a.digest(), built.digest());

  // b and the table are untouched.
  EXPECT_EQ(b.member(3)->generation, 0u);
  EXPECT_EQ(b.member(4)->status, MemberStatus::kNormal);
  EXPECT_FALSE(b.member(6).has_value());
  EXPECT_EQ(b.member(1)->heartbeat, 0u);
  EXPECT_EQ(seeds.nodes(), (std::vector<NodeId>{1, 2, 3, 4}));
  MembershipView c(3, 1, seeds);
  EXPECT_EQ(c.member(1)->heartbeat, 0u);
  EXPECT_EQ(c.leftCount(), 0u);

  // A digest with no news leaves b as it was; one about b itself is ignored.
  EXPECT_TRUE(b.merge(gossipOf({entry(1, 0, 0), entry(2, 50, 50)}), kT2).advanced.empty());
  EXPECT_EQ(b.member(2)->generation, 9u);
}

TEST(MembershipTest, BeatIncrementsOwnHeartbeat) {
  MembershipView view(0, 7);
  view.beat();
  view.beat();
  EXPECT_EQ(view.member(0)->heartbeat, 2u);
  EXPECT_EQ(view.member(0)->generation, 7u);
}

TEST(MembershipTest, MergeTakesTheHigherHeartbeat) {
  MembershipView view(0, 1);
  MembershipView::MergeResult result = view.merge(gossipOf({entry(1, 5, 3)}), kT1);
  EXPECT_EQ(result.advanced, std::vector<NodeId>{1});
  EXPECT_EQ(view.member(1), (MemberInfo{5, 3, MemberStatus::kNormal, kT1}));

  result = view.merge(gossipOf({entry(1, 5, 2)}), kT2);
  EXPECT_TRUE(result.advanced.empty());
  EXPECT_EQ(view.member(1), (MemberInfo{5, 3, MemberStatus::kNormal, kT1}));

  result = view.merge(gossipOf({entry(1, 5, 3)}), kT2);
  EXPECT_TRUE(result.advanced.empty());

  result = view.merge(gossipOf({entry(1, 5, 9)}), kT2);
  EXPECT_EQ(result.advanced, std::vector<NodeId>{1});
  EXPECT_TRUE(result.restarted.empty());
  EXPECT_TRUE(result.statusChanged.empty());
  EXPECT_EQ(view.member(1), (MemberInfo{5, 9, MemberStatus::kNormal, kT2}));
}

TEST(MembershipTest, NewerGenerationWinsEvenWithALowerHeartbeatAndIsReportedRestarted) {
  MembershipView view(0, 1);
  view.merge(gossipOf({entry(1, 5, 900)}), kT1);
  const MembershipView::MergeResult result = view.merge(gossipOf({entry(1, 6, 2)}), kT2);
  EXPECT_EQ(result.advanced, std::vector<NodeId>{1});
  EXPECT_EQ(result.restarted, std::vector<NodeId>{1});
  EXPECT_EQ(view.member(1)->generation, 6u);
  EXPECT_EQ(view.member(1)->heartbeat, 2u);
}

TEST(MembershipTest, OlderGenerationIsIgnored) {
  MembershipView view(0, 1);
  view.merge(gossipOf({entry(1, 6, 2)}), kT1);
  const MembershipView::MergeResult result = view.merge(gossipOf({entry(1, 5, 1000, MemberStatus::kLeft)}), kT2);
  EXPECT_TRUE(result.advanced.empty());
  EXPECT_TRUE(result.restarted.empty());
  EXPECT_TRUE(result.statusChanged.empty());
  EXPECT_EQ(view.member(1), (MemberInfo{6, 2, MemberStatus::kNormal, kT1}));
}

TEST(MembershipTest, StatusTravelsWithNewerInformationOnly) {
  MembershipView view(0, 1);
  view.merge(gossipOf({entry(1, 5, 3), entry(2, 5, 3)}), kT1);

  // Same (generation, heartbeat) with another status is not newer information.
  MembershipView::MergeResult result = view.merge(gossipOf({entry(1, 5, 3, MemberStatus::kLeaving)}), kT2);
  EXPECT_TRUE(result.statusChanged.empty());
  EXPECT_EQ(view.member(1)->status, MemberStatus::kNormal);

  result = view.merge(gossipOf({entry(1, 5, 4, MemberStatus::kLeaving), entry(2, 5, 4)}), kT2);
  EXPECT_EQ(result.advanced, (std::vector<NodeId>{1, 2}));
  EXPECT_EQ(result.statusChanged, std::vector<NodeId>{1});
  EXPECT_EQ(view.member(1)->status, MemberStatus::kLeaving);

  result = view.merge(gossipOf({entry(1, 5, 5, MemberStatus::kLeft)}), kT2);
  EXPECT_EQ(result.statusChanged, std::vector<NodeId>{1});
  EXPECT_EQ(view.member(1)->status, MemberStatus::kLeft);
}

TEST(MembershipTest, OwnEntryIsAuthoritative) {
  MembershipView view(4, 10);
  view.beat();
  const MemberInfo before = *view.member(4);
  const MembershipView::MergeResult result =
      view.merge(gossipOf({entry(4, 99, 99, MemberStatus::kLeft), entry(4, 10, 50, MemberStatus::kLeaving)}), kT1);
  EXPECT_TRUE(result.advanced.empty());
  EXPECT_TRUE(result.restarted.empty());
  EXPECT_TRUE(result.statusChanged.empty());
  EXPECT_EQ(view.member(4), before);
  EXPECT_EQ(view.digest(), gossipOf({entry(4, 10, 1)}));
}

TEST(MembershipTest, OwnStatusChangeBumpsHeartbeatAndReachesPeers) {
  MembershipView a(0, 1);
  MembershipView b(1, 1);
  b.merge(a.digest(), kT1);
  a.setOwnStatus(MemberStatus::kLeaving);
  EXPECT_EQ(a.member(0)->status, MemberStatus::kLeaving);
  EXPECT_EQ(a.member(0)->heartbeat, 1u);
  a.setOwnStatus(MemberStatus::kLeaving);  // no change, no bump
  EXPECT_EQ(a.member(0)->heartbeat, 1u);

  const MembershipView::MergeResult result = b.merge(a.digest(), kT2);
  EXPECT_EQ(result.statusChanged, std::vector<NodeId>{0});
  EXPECT_EQ(b.member(0)->status, MemberStatus::kLeaving);
}

TEST(MembershipTest, SeedsAreKnownButNotHeardFrom) {
  MembershipView view(0, 1);
  view.addSeed(2);
  view.addSeed(1);
  view.addSeed(0);  // self: no effect
  EXPECT_EQ(view.members(), (std::vector<NodeId>{0, 1, 2}));
  EXPECT_EQ(view.member(2), (MemberInfo{}));
  EXPECT_EQ(view.digest(), gossipOf({entry(0, 1, 0), entry(1, 0, 0), entry(2, 0, 0)}));

  // First news from a seed advances it but is not a restart.
  MembershipView::MergeResult result = view.merge(gossipOf({entry(1, 3, 0)}), kT1);
  EXPECT_EQ(result.advanced, std::vector<NodeId>{1});
  EXPECT_TRUE(result.restarted.empty());

  // Re-adding a known member does not reset it.
  view.addSeed(1);
  EXPECT_EQ(view.member(1)->generation, 3u);
}

TEST(MembershipTest, MergeAddsUnknownMembersAndReportsSortedLists) {
  MembershipView view(5, 1);
  view.merge(gossipOf({entry(3, 2, 2)}), kT1);
  // Unsorted and duplicated entries still produce sorted lists without duplicates.
  const MembershipView::MergeResult result =
      view.merge(gossipOf({entry(9, 1, 1, MemberStatus::kJoining), entry(3, 4, 1), entry(1, 0, 0), entry(7, 1, 1),
                           entry(3, 4, 2), entry(2, 1, 1)}),
                 kT2);
  EXPECT_EQ(result.advanced, (std::vector<NodeId>{2, 3, 7, 9}));
  EXPECT_EQ(result.restarted, std::vector<NodeId>{3});
  EXPECT_EQ(result.statusChanged, std::vector<NodeId>{9});
  // Node 1 was only mentioned at (0, 0): known from now on, but nothing about it advanced.
  EXPECT_EQ(view.members(), (std::vector<NodeId>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(view.member(1), (MemberInfo{}));
  EXPECT_EQ(view.member(3), (MemberInfo{4, 2, MemberStatus::kNormal, kT2}));

  const Gossip digest = view.digest();
  ASSERT_EQ(digest.members.size(), 6u);
  for (std::size_t i = 1; i < digest.members.size(); ++i) {
    EXPECT_LT(digest.members[i - 1].node, digest.members[i].node);
  }
}

TEST(MembershipTest, PickPeerNeverReturnsSelfOrLeftMembersAndIsUniform) {
  MembershipView view(2, 1);
  for (NodeId node : {0u, 1u, 3u, 4u, 5u}) view.addSeed(node);
  view.merge(gossipOf({entry(4, 1, 1, MemberStatus::kLeft), entry(5, 1, 1, MemberStatus::kLeaving)}), kT1);

  const std::vector<NodeId> eligible = {0, 1, 3, 5};
  EXPECT_EQ(view.pickPeer(0), 0u);
  EXPECT_EQ(view.pickPeer(std::numeric_limits<std::uint64_t>::max()), 5u);

  Rng rng(77);
  std::map<NodeId, int> counts;
  constexpr int kDraws = 40000;
  for (int i = 0; i < kDraws; ++i) {
    const std::optional<NodeId> peer = view.pickPeer(rng.next());
    ASSERT_TRUE(peer);
    ++counts[*peer];
  }
  ASSERT_EQ(counts.size(), eligible.size());
  for (NodeId node : eligible) {
    EXPECT_NEAR(counts[node], 0.25 * kDraws, 0.025 * kDraws) << nodeName(node);
  }
}

TEST(MembershipTest, PickPeerIsNulloptWhenOnlyLeftMembersRemain) {
  MembershipView view(0, 1);
  view.merge(gossipOf({entry(1, 1, 1, MemberStatus::kLeft), entry(2, 1, 1, MemberStatus::kLeft)}), kT1);
  EXPECT_EQ(view.pickPeer(0), std::nullopt);
  EXPECT_EQ(view.pickPeer(std::numeric_limits<std::uint64_t>::max()), std::nullopt);
}

enum class Bootstrap { kEveryoneKnowsEveryone, kOneSeed };

// Runs push-pull gossip rounds (each node exchanges digests with one random peer) until every view's digest is the
// same. Returns the number of rounds, or -1 if they never converge within `maxRounds`.
int roundsToConverge(std::size_t n, std::uint64_t seed, Bootstrap bootstrap, int maxRounds) {
  Rng rng(seed);
  std::vector<MembershipView> views;
  for (NodeId i = 0; i < n; ++i) {
    views.emplace_back(i, 1000 + i);
    for (std::uint64_t b = 0; b < 1 + rng.below(5); ++b) views.back().beat();
  }
  for (NodeId i = 0; i < n; ++i) {
    if (bootstrap == Bootstrap::kOneSeed) {
      views[i].addSeed(0);
    } else {
      for (NodeId j = 0; j < n; ++j) views[i].addSeed(j);
    }
  }
  const auto converged = [&] {
    for (const MembershipView& view : views) {
      if (view.digest() != views.front().digest()) return false;
    }
    return true;
  };
  TimePoint now{};
  for (int round = 1; round <= maxRounds; ++round) {
    now = now + 1s;
    for (NodeId i = 0; i < n; ++i) {
      const std::optional<NodeId> peer = views[i].pickPeer(rng.next());
      if (!peer) continue;
      EXPECT_NE(*peer, i);
      const Gossip mine = views[i].digest();
      const Gossip theirs = views[*peer].digest();
      views[*peer].merge(mine, now);
      views[i].merge(theirs, now);
    }
    if (converged()) {
      // Every view knows every member with its own (generation, heartbeat).
      for (NodeId i = 0; i < n; ++i) {
        EXPECT_EQ(views.front().member(i)->generation, 1000 + i);
        EXPECT_EQ(views.front().member(i)->heartbeat, views[i].member(i)->heartbeat);
      }
      return round;
    }
  }
  return -1;
}

TEST(MembershipTest, GossipConvergesInLogarithmicRounds) {
  constexpr std::size_t kNodes = 32;
  const int bound = static_cast<int>(3 * std::log2(kNodes)) + 5;
  for (Bootstrap bootstrap : {Bootstrap::kEveryoneKnowsEveryone, Bootstrap::kOneSeed}) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      const int rounds = roundsToConverge(kNodes, seed, bootstrap, 100);
      EXPECT_GT(rounds, 0) << "seed " << seed << " bootstrap " << static_cast<int>(bootstrap);
      EXPECT_LE(rounds, bound) << "seed " << seed << " bootstrap " << static_cast<int>(bootstrap);
    }
  }
}

TEST(MembershipTest, RestartSpreadsAndEveryPeerReportsItOnce) {
  constexpr NodeId kNodes = 8;
  constexpr NodeId kRestarting = 3;
  Rng rng(5);
  std::vector<MembershipView> views;
  for (NodeId i = 0; i < kNodes; ++i) {
    views.emplace_back(i, 1);
    for (NodeId j = 0; j < kNodes; ++j) views[i].addSeed(j);
    for (int b = 0; b < 50; ++b) views[i].beat();
  }
  std::vector<int> restartReports(kNodes, 0);
  const auto exchange = [&](NodeId i, TimePoint now) {
    const std::optional<NodeId> peer = views[i].pickPeer(rng.next());
    if (!peer) return;
    const Gossip mine = views[i].digest();
    const Gossip theirs = views[*peer].digest();
    for (NodeId node : views[*peer].merge(mine, now).restarted) restartReports[*peer] += node == kRestarting ? 1 : 99;
    for (NodeId node : views[i].merge(theirs, now).restarted) restartReports[i] += node == kRestarting ? 1 : 99;
  };
  for (int round = 0; round < 10; ++round) {
    for (NodeId i = 0; i < kNodes; ++i) exchange(i, TimePoint{1s});
  }
  ASSERT_EQ(restartReports, std::vector<int>(kNodes, 0));

  // Node 3 restarts: a new view with a higher generation, knowing only the seeds, heartbeat back near zero.
  views[kRestarting] = MembershipView(kRestarting, 2);
  for (NodeId j = 0; j < kNodes; ++j) views[kRestarting].addSeed(j);
  views[kRestarting].beat();
  for (int round = 0; round < 20; ++round) {
    for (NodeId i = 0; i < kNodes; ++i) exchange(i, TimePoint{2s});
  }
  for (NodeId i = 0; i < kNodes; ++i) {
    EXPECT_EQ(views[i].member(kRestarting)->generation, 2u) << nodeName(i);
    EXPECT_EQ(restartReports[i], i == kRestarting ? 0 : 1) << nodeName(i);
  }
}

TEST(MembershipTest, SameSeedGivesSameRun) {
  EXPECT_EQ(roundsToConverge(32, 9, Bootstrap::kEveryoneKnowsEveryone, 100),
            roundsToConverge(32, 9, Bootstrap::kEveryoneKnowsEveryone, 100));
}

TEST(MembershipTest, LimitsBoundWhatOneDigestAndTheWholeViewMayAdd) {
  MembershipView view(0, 1, MembershipLimits{/*maxMembers=*/10, /*maxNewPerMerge=*/4});
  std::vector<GossipEntry> invented;
  for (NodeId node = 1; node <= 100; ++node) invented.push_back(entry(node, 1, 1));
  auto merged = view.merge(gossipOf(invented), kT1);
  EXPECT_EQ(view.members(), (std::vector<NodeId>{0, 1, 2, 3, 4}));  // the first four, in digest order
  EXPECT_EQ(merged.advanced, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(view.refused(), 96u);
  // Known members are still updated when nothing new may be added.
  invented[0].heartbeat = 7;
  for (int round = 0; round < 3; ++round) view.merge(gossipOf(invented), kT2);
  EXPECT_EQ(view.size(), 10u);
  EXPECT_EQ(view.member(1)->heartbeat, 7u);
  EXPECT_EQ(view.refused(), 96u + 92u + 91u + 91u);
}

TEST(MembershipTest, NoLimitsByDefault) {
  MembershipView view(0, 1);
  std::vector<GossipEntry> many;
  for (NodeId node = 1; node <= 2000; ++node) many.push_back(entry(node, 1, 1));
  view.merge(gossipOf(many), kT1);
  EXPECT_EQ(view.size(), 2001u);
  EXPECT_EQ(view.refused(), 0u);
}

TEST(MembershipTest, MarkLeftMakesNewerNewsThatOtherViewsTake) {
  MembershipView a(0, 1), b(1, 1);
  a.merge(gossipOf({entry(5, 3, 9)}), kT1);
  b.merge(gossipOf({entry(5, 3, 9)}), kT1);
  EXPECT_FALSE(a.markLeft(0));  // self
  EXPECT_FALSE(a.markLeft(7));  // unknown
  ASSERT_TRUE(a.markLeft(5));
  EXPECT_EQ(a.member(5)->status, MemberStatus::kLeft);
  EXPECT_EQ(a.leftCount(), 1u);
  b.merge(a.digest(), kT2);
  EXPECT_EQ(b.member(5)->status, MemberStatus::kLeft);
  // A member that is alive comes back with its next own heartbeat.
  b.merge(gossipOf({entry(5, 3, 11)}), kT2);
  EXPECT_EQ(b.member(5)->status, MemberStatus::kNormal);
}

}  // namespace

// Gossip draws its target by index, so the indexed members must be the same set, in node order, as members(), and the
// count of members that left must follow merges both ways.
TEST(MembershipTest, IndexedMembersFollowSeedsAndMergesAndLeftAreCounted) {
  MembershipView view(5, 1);
  view.addSeed(9);
  view.addSeed(2);
  Gossip gossip;
  gossip.members = {GossipEntry{1, 1, 3, MemberStatus::kNormal}, GossipEntry{7, 1, 2, MemberStatus::kLeft}};
  view.merge(gossip, kT1);
  ASSERT_EQ(view.size(), 5u);
  std::vector<NodeId> indexed;
  for (std::size_t i = 0; i < view.size(); ++i) indexed.push_back(view.memberAt(i));
  EXPECT_EQ(indexed, (std::vector<NodeId>{1, 2, 5, 7, 9}));
  EXPECT_EQ(indexed, view.members());
  EXPECT_EQ(view.leftCount(), 1u);
  gossip.members = {GossipEntry{7, 2, 0, MemberStatus::kJoining}};
  view.merge(gossip, kT2);
  EXPECT_EQ(view.leftCount(), 0u);
}

}  // namespace ringlab
