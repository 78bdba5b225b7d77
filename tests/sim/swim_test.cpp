// SWIM failure detection (DetectionProtocol::kSwim) in the deterministic simulation: a crash is detected by every
// node and a restart taken back, false suspicions under message loss are refuted, a healed partition reunites the
// cluster, and a node keeps state only about the peers some news was about.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <ringlab/sim/simulation.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

SimulationConfig swimConfig(std::uint64_t seed, std::size_t nodes) {
  SimulationConfig config;
  config.seed = seed;
  config.nodes = nodes;
  config.ring.vnodesPerNode = 8;
  config.mechanisms.detection = DetectionProtocol::kSwim;
  return config;
}

// The latest published verdict of each observer about each peer.
struct Verdicts {
  std::map<std::pair<NodeId, NodeId>, NodeState> state;
  std::map<NodeId, TimePoint> firstDown;  // of the watched peer, by observer
  std::size_t suspicions = 0;
};

std::shared_ptr<Verdicts> watch(Simulation& sim, NodeId peer) {
  auto verdicts = std::make_shared<Verdicts>();
  sim.events().subscribe(maskOf(EventType::kPeerStateChanged), [verdicts, peer](const Event& e) {
    const auto& change = std::get<PeerStateChanged>(e);
    verdicts->state[{change.observer, change.peer}] = change.state;
    if (change.state == NodeState::kSuspect) ++verdicts->suspicions;
    if (change.peer == peer && change.state == NodeState::kDown && !verdicts->firstDown.count(change.observer)) {
      verdicts->firstDown[change.observer] = change.time;
    }
  });
  return verdicts;
}

TEST(SwimTest, EveryNodeMarksACrashedNodeDownAndTakesItBackAfterItRestarts) {
  for (std::uint64_t seed : {1, 2, 3}) {
    Simulation sim(swimConfig(seed, 50));
    const auto verdicts = watch(sim, 25);
    sim.runUntil(TimePoint{10s});
    EXPECT_EQ(sim.downVerdicts(), 0u) << "seed " << seed << ": no down verdict in a healthy cluster";
    sim.crash(25);
    const TimePoint crashedAt = sim.now();
    sim.runUntil(TimePoint{40s});
    // Suspicion timeout at 50 nodes: 4 x log10(50) = 6.8 periods; plus the probe that finds it and the spreading.
    for (NodeId observer = 0; observer < 50; ++observer) {
      if (observer == 25) continue;
      ASSERT_TRUE(verdicts->firstDown.count(observer))
          << "seed " << seed << ": " << nodeName(observer) << " never marked n26 down";
      const Duration delay = verdicts->firstDown[observer] - crashedAt;
      EXPECT_GT(delay, 6s) << "seed " << seed << ": a suspicion must wait for its timeout";
      EXPECT_LT(delay, 20s) << "seed " << seed << ": " << nodeName(observer) << " took " << formatDuration(delay);
      EXPECT_EQ(sim.node(observer).peerState(25), NodeState::kDown);
    }
    EXPECT_EQ(sim.falseSuspicions(), 0u) << "seed " << seed;
    sim.restart(25);
    sim.runUntil(TimePoint{60s});
    for (NodeId observer = 0; observer < 50; ++observer) {
      EXPECT_EQ(sim.node(observer).peerState(25), NodeState::kUp)
          << "seed " << seed << ": " << nodeName(observer) << " did not take the restarted n26 back";
    }
  }
}

// A node that restarts while the rumour of its death is still spreading is not declared dead again by the nodes the
// rumour reaches after its restart: they know the restart's generation is newer.
TEST(SwimTest, ARestartWhileItsDeathIsStillSpreadingIsNotUndone) {
  for (std::uint64_t seed : {1, 2, 3}) {
    Simulation sim(swimConfig(seed, 200));
    const auto verdicts = watch(sim, 100);
    sim.runUntil(TimePoint{5s});
    sim.crash(100);
    // Run until the first node declares n101 dead, then restart it at once.
    for (TimePoint t = sim.now(); verdicts->firstDown.empty() && t < TimePoint{60s}; t = t + 50ms) sim.runUntil(t);
    ASSERT_FALSE(verdicts->firstDown.empty()) << "seed " << seed;
    sim.restart(100);
    sim.runUntil(sim.now() + 40s);
    std::size_t stillDown = 0;
    for (NodeId observer = 0; observer < 200; ++observer) {
      stillDown += observer != 100 && sim.node(observer).peerState(100) != NodeState::kUp;
    }
    EXPECT_EQ(stillDown, 0u) << "seed " << seed << ": nodes still doubt the restarted n101";
  }
}

TEST(SwimTest, SuspicionsUnderMessageLossAreRefutedBeforeTheyBecomeDeaths) {
  SimulationConfig config = swimConfig(4, 30);
  config.network.loss = 0.10;
  Simulation sim(config);
  const auto verdicts = watch(sim, 0);
  sim.runUntil(TimePoint{120s});
  // 30 nodes probing for two minutes with 10% loss: the indirect probes save most, and the rest are suspected...
  EXPECT_GT(verdicts->suspicions, 0u) << "with 10% loss some probe should go unanswered by every path";
  // ...and refuted (a last direct probe asks the suspect before its death is declared): no running node is declared
  // dead, and every node is believed up at the end.
  EXPECT_EQ(sim.falseSuspicions(), 0u);
  for (NodeId a = 0; a < 30; ++a) {
    for (NodeId b = 0; b < 30; ++b) {
      if (a != b && sim.node(a).peerState(b) != NodeState::kUp) {
        // A suspicion raised in the last round may still be on its way to its refutation.
        EXPECT_EQ(sim.node(a).peerState(b), NodeState::kSuspect) << nodeName(a) << " about " << nodeName(b);
      }
    }
  }
}

TEST(SwimTest, AHealedPartitionReunitesTheCluster) {
  Simulation sim(swimConfig(5, 12));
  sim.runUntil(TimePoint{5s});
  sim.partition({{0, 1, 2, 3, 4, 5}, {6, 7, 8, 9, 10, 11}});
  sim.runUntil(TimePoint{40s});
  EXPECT_EQ(sim.node(0).peerState(6), NodeState::kDown) << "across the partition, peers are declared dead";
  EXPECT_EQ(sim.node(11).peerState(5), NodeState::kDown);
  EXPECT_EQ(sim.node(0).peerState(1), NodeState::kUp) << "on the same side, they are not";
  sim.heal();
  sim.runUntil(TimePoint{100s});
  for (NodeId a = 0; a < 12; ++a) {
    for (NodeId b = 0; b < 12; ++b) {
      if (a != b) EXPECT_EQ(sim.node(a).peerState(b), NodeState::kUp) << nodeName(a) << " about " << nodeName(b);
    }
  }
}

// A lost link between two nodes is bridged by indirect probes: the prober asks helpers, they relay the answer, and
// nobody is suspected.
TEST(SwimTest, IndirectProbesBridgeABrokenLink) {
  Simulation sim(swimConfig(8, 8));
  const auto verdicts = watch(sim, 0);
  sim.cutLink(0, 1);
  sim.cutLink(1, 0);
  sim.runUntil(TimePoint{60s});
  EXPECT_EQ(verdicts->suspicions, 0u) << "n1 and n2 reach each other through helpers";
  EXPECT_EQ(sim.node(0).peerState(1), NodeState::kUp);
  EXPECT_EQ(sim.node(1).peerState(0), NodeState::kUp);
}

TEST(SwimTest, ANodeSendsAFewMessagesARoundWhateverTheClusterSize) {
  for (std::size_t nodes : {20u, 200u}) {
    SimulationConfig config = swimConfig(6, nodes);
    config.mechanisms.hintedHandoff = false;
    config.mechanisms.antiEntropy = false;
    Simulation sim(config);
    sim.runUntil(TimePoint{20s});
    const auto& probes = sim.metrics().messages[static_cast<std::size_t>(MessageKind::kProbe)];
    const auto& acks = sim.metrics().messages[static_cast<std::size_t>(MessageKind::kProbeAck)];
    const double perNodePerSecond = static_cast<double>(probes.sent + acks.sent) / static_cast<double>(nodes) / 20.0;
    EXPECT_GT(perNodePerSecond, 1.5) << nodes << " nodes: a probe and its ack each round";
    EXPECT_LT(perNodePerSecond, 2.5) << nodes << " nodes: no indirect probes in a healthy cluster";
    // No heartbeat gossip: whole views are exchanged only at a node's first round and every 30 s (request and
    // answer), so in 20 s each node sends two.
    EXPECT_EQ(sim.metrics().messages[static_cast<std::size_t>(MessageKind::kGossip)].sent, 2 * nodes)
        << "one push-pull exchange per node";
    const double bytesPerMessage =
        static_cast<double>(probes.bytes + acks.bytes) / static_cast<double>(probes.sent + acks.sent);
    EXPECT_LT(bytesPerMessage, 250) << nodes << " nodes: a message carries at most a few rumours, not the membership";
  }
}

// An exchange of views (push-pull) with no answer by the next round is asked again, at most 8 times before the next
// scheduled exchange; one that is answered is not asked again. Gossip messages here take 15 s each way, as answers
// from a peer whose connection is down would never come.
TEST(SwimTest, AnUnansweredExchangeOfViewsIsAskedAgainAtMostEightTimes) {
  for (std::uint64_t seed : {1, 2}) {
    Simulation sim(swimConfig(seed, 6));
    sim.network().setKindLatency(MessageKind::kGossip, LatencyDistribution::constant(15s));
    auto requests = std::make_shared<std::vector<TimePoint>>();  // n1's requests for an exchange of views
    sim.events().subscribe(maskOf(EventType::kMessageSent), [requests](const Event& e) {
      const auto& sent = std::get<MessageSent>(e);
      if (sent.from == 0 && sent.kind == MessageKind::kGossip && sent.requestId != 0) requests->push_back(sent.time);
    });
    sim.runUntil(TimePoint{25s});
    ASSERT_EQ(requests->size(), 9u) << "seed " << seed << ": the first round's request and 8 more";
    for (std::size_t i = 1; i < requests->size(); ++i) {
      EXPECT_GT((*requests)[i] - (*requests)[i - 1], 500ms) << "seed " << seed << ": one a round at most";
    }
    // Answers come at once again: the next scheduled exchange (a sync interval after the first) is asked once.
    sim.network().setKindLatency(MessageKind::kGossip, LatencyDistribution::constant(1ms));
    requests->clear();
    sim.runUntil(TimePoint{55s});
    EXPECT_EQ(requests->size(), 1u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace ringlab
