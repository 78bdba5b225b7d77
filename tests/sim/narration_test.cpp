// The shipped lessons say what the class will see: each narration claim checked here holds in the run at the time
// it is shown (the scenario's own seed). A claim that stops holding after an engine change fails here, so the
// narration is changed with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <ringlab/sim/history.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

ScenarioSpec load(const std::string& name) {
  auto spec = loadScenarioFile((fs::path(RINGLAB_SOURCE_DIR) / "scenarios" / (name + ".yaml")).string());
  if (!spec) throw std::runtime_error(spec.status().toString());
  return std::move(*spec);
}

// The timeline entry at `at` (its narration is what the test checks).
const TimelineEntry& entryAt(const ScenarioSpec& spec, Duration at) {
  for (const TimelineEntry& e : spec.timeline) {
    if (e.at == TimePoint{at}) return e;
  }
  throw std::runtime_error("no timeline entry at " + formatScenarioDuration(at));
}

// What every running node other than `peer` believes about `peer`: "n1 down (phi 9.10), n2 suspect (phi 6.95)".
std::string opinionsOf(Simulation& sim, NodeId peer) {
  std::string out;
  for (NodeId observer = 0; observer < sim.nodeCount(); ++observer) {
    if (observer == peer || !sim.isRunning(observer)) continue;
    out += nodeName(observer) + " " + std::string(nodeStateName(sim.node(observer).peerState(peer))) + " (phi " +
           std::to_string(sim.node(observer).peerPhi(peer)) + ") ";
  }
  return out;
}

bool everyRunningPeerSees(Simulation& sim, NodeId peer, NodeState state) {
  for (NodeId observer = 0; observer < sim.nodeCount(); ++observer) {
    if (observer == peer || !sim.isRunning(observer)) continue;
    if (sim.node(observer).peerState(peer) != state) return false;
  }
  return true;
}

// Each node's CPU load over the quarter second before `t`; runs the scenario to `t`.
std::vector<double> loadsBefore(ScenarioRunner& runner, TimePoint t) {
  Simulation& sim = runner.simulation();
  const Duration window = 250ms;
  runner.runUntil(TimePoint{t.sinceStart - window});
  std::vector<Duration> before;
  for (NodeId n = 0; n < sim.nodeCount(); ++n) before.push_back(sim.cpuBusy(n));
  runner.runUntil(t);
  std::vector<double> loads;
  const auto cores = static_cast<double>(sim.config().coresPerNode);
  for (NodeId n = 0; n < sim.nodeCount(); ++n) {
    loads.push_back(static_cast<double>((sim.cpuBusy(n) - before[n]).count()) /
                    (cores * static_cast<double>(window.count())));
  }
  return loads;
}

std::string describeLoads(const std::vector<double>& loads) {
  std::string out;
  for (NodeId n = 0; n < loads.size(); ++n) out += nodeName(n) + " " + std::to_string(loads[n]) + " ";
  return out;
}

TEST(ShippedNarrationTest, CrashHintedHandoffShowsHintsAndTheDownVerdictWhenItSaysSo) {
  const ScenarioSpec spec = load("crash-hinted-handoff");
  ScenarioRunner runner(spec);
  Simulation& sim = runner.simulation();
  runner.runUntil(TimePoint{5s});
  EXPECT_EQ(sim.hintsPending(), 0u) << entryAt(spec, 5s).say;
  runner.runUntil(TimePoint{11s});
  EXPECT_GT(sim.hintsPending(), 0u) << entryAt(spec, 10s).say;
  const TimelineEntry& suspect = entryAt(spec, 14s);
  ASSERT_TRUE(suspect.focus && suspect.focus->node == NodeId{0});
  runner.runUntil(suspect.at);
  EXPECT_EQ(sim.node(0).peerState(2), NodeState::kSuspect) << suspect.say << "\n" << opinionsOf(sim, 2);
  // The pause point claims that every other node's detector has marked n3 down.
  const auto pause = std::find_if(spec.timeline.begin(), spec.timeline.end(), [](const auto& e) { return e.pause; });
  ASSERT_NE(pause, spec.timeline.end());
  const TimelineEntry& verdict = *pause;
  runner.runUntil(verdict.at);
  EXPECT_TRUE(everyRunningPeerSees(sim, 2, NodeState::kDown)) << verdict.say << "\n" << opinionsOf(sim, 2);
  runner.runUntil(TimePoint{38s});
  EXPECT_EQ(sim.hintsPending(), 0u) << entryAt(spec, 38s).say;
}

TEST(ShippedNarrationTest, HotKeyOverloadsItsReplicasWhileTheOthersIdle) {
  const ScenarioSpec spec = load("hot-key");
  const TimelineEntry& look = entryAt(spec, 10s);
  ASSERT_TRUE(look.focus && look.focus->node) << "the narration points the fiber view at a hot replica";
  ScenarioRunner runner(spec);
  const std::vector<double> loads = loadsBefore(runner, look.at);
  const std::vector<double> sorted = [&] {
    std::vector<double> s = loads;
    std::sort(s.begin(), s.end(), std::greater<>());
    return s;
  }();
  EXPECT_GE(loads[*look.focus->node], 0.9) << describeLoads(loads);
  EXPECT_GE(sorted[2], 0.9) << "three hot replicas: " << describeLoads(loads);
  EXPECT_LT(sorted[3], 0.8) << "the others have cycles to spare: " << describeLoads(loads);
  runner.runUntil(runner.end());
  std::uint64_t timeoutsWhileHot = 0;
  std::uint64_t timeoutsAfter16s = 0;
  std::uint64_t slowSuccessesWhileHot = 0;
  for (const HistoryEntry& e : runner.history()) {
    if (e.result == ErrorCode::kTimeout && e.invoked >= TimePoint{4s} && e.invoked < TimePoint{14s}) {
      ++timeoutsWhileHot;
    }
    if (e.result == ErrorCode::kTimeout && e.completed >= TimePoint{16s}) ++timeoutsAfter16s;
    if (e.op == Operation::kGet && e.result == ErrorCode::kOk && e.invoked >= TimePoint{4s} &&
        e.invoked < TimePoint{14s} && e.completed - e.invoked > 20ms) {
      ++slowSuccessesWhileHot;
    }
  }
  EXPECT_GT(timeoutsWhileHot, 10 * 5000u) << entryAt(spec, 4s).say;
  EXPECT_LT(timeoutsWhileHot, 10 * 7000u) << entryAt(spec, 4s).say;
  EXPECT_LT(slowSuccessesWhileHot, timeoutsWhileHot / 100) << entryAt(spec, 4s).say;
  EXPECT_EQ(timeoutsAfter16s, 0u) << entryAt(spec, 14s).say;
}

TEST(ShippedNarrationTest, NetworkPartitionSidesMarkEachOtherDownAndTheOneWayCutGoesUnnoticedByN1) {
  const ScenarioSpec spec = load("network-partition");
  ScenarioRunner runner(spec);
  Simulation& sim = runner.simulation();
  runner.runUntil(TimePoint{13s});
  EXPECT_GT(sim.hintsPending(), 0u) << entryAt(spec, 13s).say;
  const TimelineEntry& sides = entryAt(spec, 18s);
  ASSERT_TRUE(sides.focus && sides.focus->node == NodeId{0});
  runner.runUntil(sides.at);
  for (NodeId a : {0u, 1u, 2u}) {
    for (NodeId b : {3u, 4u}) {
      EXPECT_EQ(sim.node(a).peerState(b), NodeState::kDown) << nodeName(a) << " about " << nodeName(b);
      EXPECT_EQ(sim.node(b).peerState(a), NodeState::kDown) << nodeName(b) << " about " << nodeName(a);
    }
  }
  for (TimePoint t{35s}; t < TimePoint{45s}; t = t + 250ms) {
    runner.runUntil(t);
    ASSERT_EQ(sim.node(0).peerState(1), NodeState::kUp) << "at " << formatDuration(t.sinceStart);
  }
}

// Stale reads among the reads invoked in [from, to), against every write of the run.
std::uint64_t staleReadsBetween(const std::vector<HistoryEntry>& history, Duration from, Duration to) {
  std::vector<HistoryEntry> window;
  for (const HistoryEntry& e : history) {
    if (e.op != Operation::kGet || (e.invoked >= TimePoint{from} && e.invoked < TimePoint{to})) window.push_back(e);
  }
  return checkHistory(window, {}).staleReads;
}

TEST(ShippedNarrationTest, QuorumTradeoffsIsStaleOnlyWhileRPlusWIsAtMostN) {
  const ScenarioSpec spec = load("quorum-tradeoffs");
  ScenarioRunner runner(spec);
  runner.run();
  const auto& history = runner.history();
  EXPECT_GT(staleReadsBetween(history, 0s, 10s), 0u) << entryAt(spec, 5s).say;
  // A read that begins just after a switch may still miss a write acknowledged under the previous setting, which
  // has not reached every replica yet; the narration says so. Past the first second of a phase, none is stale.
  EXPECT_EQ(staleReadsBetween(history, 10s, 20s), 0u) << entryAt(spec, 10s).say;
  EXPECT_EQ(staleReadsBetween(history, 21s, 30s), 0u) << entryAt(spec, 20s).say;
  EXPECT_EQ(staleReadsBetween(history, 30s, 40s), 0u) << entryAt(spec, 30s).say;
  EXPECT_LE(staleReadsBetween(history, 20s, 21s), 3u) << entryAt(spec, 20s).say;
}

// "n: tokens share%" for each node of the ring.
std::string describeOwnership(const OwnershipStats& stats) {
  std::string out;
  for (const NodeOwnership& o : stats.nodes) {
    out += nodeName(o.node) + ": " + std::to_string(o.tokens) + " " + std::to_string(o.primaryShare) + " ";
  }
  return out;
}

TEST(ShippedNarrationTest, RingBalanceSharesStayAsEvenAsQAllows) {
  const ScenarioSpec spec = load("ring-balance");
  ScenarioRunner runner(spec);
  Simulation& sim = runner.simulation();
  const auto expectCounts = [&](std::size_t nodes, std::size_t low, std::size_t high, const std::string& say) {
    const OwnershipStats stats = sim.ring().ownership(sim.config().quorum.n);
    ASSERT_EQ(stats.nodes.size(), nodes) << say;
    for (const NodeOwnership& o : stats.nodes) {
      EXPECT_GE(o.tokens, low) << say << "\n" << describeOwnership(stats);
      EXPECT_LE(o.tokens, high) << say << "\n" << describeOwnership(stats);
      EXPECT_NEAR(o.primaryShare, static_cast<double>(o.tokens) / 48.0, 1e-9) << "partitions are equal";
    }
  };
  runner.runUntil(TimePoint{2s});
  expectCounts(4, 12, 12, entryAt(spec, 2s).say);
  runner.runUntil(TimePoint{6s});
  expectCounts(5, 9, 10, entryAt(spec, 6s).say);
  runner.runUntil(TimePoint{12s});
  expectCounts(6, 8, 8, entryAt(spec, 12s).say);
}

// The tombstone lesson: n3 returns after the grace period and its old values come back (the deletes lost, reads of
// them stale), as its narration says; the same run with n3 back before the tombstones are dropped loses nothing, and
// so does the run that keeps tombstones forever.
TEST(ShippedNarrationTest, TombstoneLessonResurrectsOnlyWhenTheReplicaMissesTheGracePeriod) {
  const ScenarioSpec shipped = load("tombstone-resurrection");
  ASSERT_TRUE(shipped.cluster.mechanisms.tombstoneGc);
  const auto run = [](const ScenarioSpec& spec) {
    ScenarioRunner runner(spec);
    const ScenarioReport report = runner.run();
    return std::pair{report, runner.simulation().totalNodeStats().tombstonesPurged};
  };
  const auto [late, latePurged] = run(shipped);
  EXPECT_GT(latePurged, 100u);
  EXPECT_GT(late.history.lostWrites, 100u);
  EXPECT_GT(late.history.staleReads, 1000u);
  EXPECT_EQ(late.divergentKeys, 0u);

  ScenarioSpec early = shipped;
  auto restart = std::find_if(early.timeline.begin(), early.timeline.end(), [](const TimelineEntry& e) {
    return !e.actions.empty() && std::holds_alternative<RestartAction>(e.actions.front());
  });
  ASSERT_NE(restart, early.timeline.end());
  EXPECT_EQ(restart->at, TimePoint{32s});
  restart->at = TimePoint{14s};
  std::stable_sort(early.timeline.begin(), early.timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
  const auto [inTime, inTimePurged] = run(early);
  EXPECT_GT(inTimePurged, 100u) << "the tombstones are dropped in this run too, after n3 has them";
  EXPECT_EQ(inTime.history.lostWrites, 0u);
  EXPECT_EQ(inTime.history.staleReads, 0u);

  ScenarioSpec forever = shipped;
  forever.cluster.mechanisms.tombstoneGc = false;
  const auto [kept, keptPurged] = run(forever);
  EXPECT_EQ(keptPurged, 0u);
  EXPECT_EQ(kept.history.lostWrites, 0u);
  EXPECT_EQ(kept.history.staleReads, 0u);
}

TEST(ShippedNarrationTest, MerkleLessonShowsN4RepairingAfterTheHeal) {
  const ScenarioSpec spec = load("merkle-anti-entropy");
  ScenarioRunner runner(spec);
  Simulation& sim = runner.simulation();
  std::vector<AntiEntropyExchanged> exchanges;
  sim.events().subscribe(maskOf(EventType::kAntiEntropyExchanged),
                         [&](const Event& e) { exchanges.push_back(std::get<AntiEntropyExchanged>(e)); });
  const TimelineEntry& look = entryAt(spec, 15s);
  ASSERT_TRUE(look.focus && look.focus->node == NodeId{3});
  runner.runUntil(look.at);
  std::size_t n4Repairs = 0;
  for (const AntiEntropyExchanged& a : exchanges) {
    EXPECT_LE(a.differingLeaves, 16u);
    if (a.node == 3 && a.time > TimePoint{12s} && a.differingLeaves > 0 && a.keysPushed + a.keysFetched > 0) {
      ++n4Repairs;
    }
  }
  EXPECT_GT(n4Repairs, 0u) << look.say;
}

TEST(ShippedNarrationTest, AntiEntropyRepairsOnlyAfterTheHeal) {
  const ScenarioSpec spec = load("anti-entropy");
  ScenarioRunner runner(spec);
  std::vector<AntiEntropyExchanged> exchanges;
  runner.simulation().events().subscribe(maskOf(EventType::kAntiEntropyExchanged), [&](const Event& e) {
    exchanges.push_back(std::get<AntiEntropyExchanged>(e));
  });
  const TimelineEntry& look = entryAt(spec, 22s);
  ASSERT_TRUE(look.focus && look.focus->node == NodeId{3});
  runner.runUntil(look.at);
  std::size_t n4Repairs = 0;
  for (const AntiEntropyExchanged& a : exchanges) {
    if (a.node == 3 && a.time > TimePoint{20s} && a.keysPushed + a.keysFetched > 0) ++n4Repairs;
  }
  EXPECT_GT(n4Repairs, 0u) << look.say;
  for (const TimelineEntry& e : spec.timeline) {
    EXPECT_EQ(e.say.find("message table"), std::string::npos) << "the message table exists only in the report";
  }
  EXPECT_EQ(spec.description.find("message table"), std::string::npos);
}

// How many running nodes other than `peer` believe it is in `state`.
std::size_t countSeeing(Simulation& sim, NodeId peer, NodeState state) {
  std::size_t seeing = 0;
  for (NodeId observer = 0; observer < sim.nodeCount(); ++observer) {
    if (observer != peer && sim.isRunning(observer) && sim.node(observer).peerState(peer) == state) ++seeing;
  }
  return seeing;
}

TEST(ShippedNarrationTest, GossipAtScaleMarksTheCrashDownAsTheNarrationSays) {
  const ScenarioSpec spec = load("gossip-at-scale");
  ASSERT_EQ(spec.cluster.nodes, 1000u);
  ScenarioRunner runner(spec);
  Simulation& sim = runner.simulation();
  constexpr NodeId kCrashed = 499;  // n500
  runner.runUntil(TimePoint{10s});
  ASSERT_FALSE(sim.isRunning(kCrashed)) << entryAt(spec, 10s).say;
  EXPECT_EQ(countSeeing(sim, kCrashed, NodeState::kDown), 0u);
  // "The first failure detectors mark n500 down": a few, not yet many.
  runner.runUntil(entryAt(spec, 16500ms).at);
  const std::size_t first = countSeeing(sim, kCrashed, NodeState::kDown);
  EXPECT_GE(first, 1u) << entryAt(spec, 16500ms).say;
  EXPECT_LE(first, 50u) << entryAt(spec, 16500ms).say;
  // "About half of the nodes".
  runner.runUntil(entryAt(spec, 19s).at);
  const std::size_t half = countSeeing(sim, kCrashed, NodeState::kDown);
  EXPECT_GE(half, 350u) << entryAt(spec, 19s).say;
  EXPECT_LE(half, 650u) << entryAt(spec, 19s).say;
  // "Every node has marked n500 down", and the verdicts spread over about log2 n rounds (between half and twice).
  runner.runUntil(entryAt(spec, 24s).at);
  EXPECT_EQ(countSeeing(sim, kCrashed, NodeState::kDown), 999u) << entryAt(spec, 24s).say;
  const ScenarioReport report = runner.finish();
  ASSERT_EQ(report.crashDetections.size(), 1u);
  const CrashDetection& detection = report.crashDetections[0];
  ASSERT_TRUE(detection.allDetected());
  const double rounds =
      static_cast<double>((detection.detectedAfter.back() - detection.detectedAfter.front()).count()) /
      static_cast<double>(spec.cluster.mechanisms.gossipInterval.count());
  EXPECT_GE(rounds, 0.5 * std::log2(999.0));
  EXPECT_LE(rounds, 2 * std::log2(999.0));
}

}  // namespace
}  // namespace ringlab
