// Behaviour of the deterministic in-process cluster: determinism, quorum outcomes under crashes, partitions.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <ringlab/engine/hash.h>
#include <ringlab/sim/simulation.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

SimulationConfig smallCluster(std::uint64_t seed) {
  SimulationConfig config;
  config.seed = seed;
  config.nodes = 5;
  config.quorum = {3, 2, 2};
  config.requestTimeout = 200ms;
  return config;
}

WorkloadConfig steadyLoad(double rate = 2000) {
  WorkloadConfig w;
  w.ratePerSecond = rate;
  w.readRatio = 0.5;
  w.keys = KeyDistribution::zipfian(500, 0.9);
  return w;
}

struct RunSummary {
  std::uint64_t traceHash;
  std::uint64_t ok;
  std::uint64_t failed;
};

RunSummary runOnce(std::uint64_t seed) {
  Simulation sim(smallCluster(seed));
  sim.addWorkload(steadyLoad());
  sim.runUntil(TimePoint{300ms});
  sim.crash(2);
  sim.runUntil(TimePoint{600ms});
  sim.restart(2);
  sim.runUntil(TimePoint{1s});
  std::uint64_t ok = 0, failed = 0;
  for (auto& op : sim.metrics().operations) {
    ok += op.ok;
    failed += op.failed();
  }
  return {sim.traceHash(), ok, failed};
}

TEST(SimulationTest, SameSeedGivesSameTraceHash) {
  const RunSummary a = runOnce(42);
  const RunSummary b = runOnce(42);
  EXPECT_EQ(a.traceHash, b.traceHash);
  EXPECT_EQ(a.ok, b.ok);
  EXPECT_GT(a.ok, 1500u) << "the workload should have completed most of ~2000 operations";
}

TEST(SimulationTest, DifferentSeedsGiveDifferentTraces) {
  EXPECT_NE(runOnce(1).traceHash, runOnce(2).traceHash);
}

// Finds a key whose preference list (N = 3) contains the given nodes as replicas.
Key keyReplicatedOn(const Ring& ring, std::set<NodeId> wanted, std::set<NodeId> avoidAsFirst = {}) {
  for (int i = 0; i < 100000; ++i) {
    Key key = "probe-" + std::to_string(i);
    auto list = ring.preferenceList(tokenForKey(key), 3);
    std::set<NodeId> replicas(list.replicas.begin(), list.replicas.end());
    bool all = true;
    for (NodeId n : wanted) all = all && replicas.count(n);
    if (all && !avoidAsFirst.count(list.replicas[0])) return key;
  }
  ADD_FAILURE() << "no key found";
  return {};
}

NodeId coordinatorOutside(const Ring& ring, const Key& key, std::size_t nodes) {
  auto list = ring.preferenceList(tokenForKey(key), 3);
  for (NodeId n = 0; n < nodes; ++n) {
    if (std::find(list.replicas.begin(), list.replicas.end(), n) == list.replicas.end()) return n;
  }
  return 0;
}

TEST(SimulationTest, WritesSucceedWithOneOfThreeReplicasCrashed) {
  for (std::uint64_t seed : {1, 2, 3}) {
    Simulation sim(smallCluster(seed));
    const Key key = keyReplicatedOn(sim.ring(), {});
    auto replicas = sim.ring().preferenceList(tokenForKey(key), 3).replicas;
    sim.crash(replicas[1]);
    const NodeId coordinator = coordinatorOutside(sim.ring(), key, 5);
    std::vector<ClientOperation> results;
    for (int i = 0; i < 20; ++i) {
      sim.submit(coordinator, Operation::kPut, key, "v" + std::to_string(i),
                 [&](const ClientOperation& op) { results.push_back(op); });
      sim.runFor(50ms);
    }
    ASSERT_EQ(results.size(), 20u) << "seed " << seed;
    for (const auto& op : results) {
      EXPECT_TRUE(op.result.status.isOk()) << "seed " << seed << ": " << op.result.status.toString();
    }
  }
}

TEST(SimulationTest, WritesFailUnavailableWithinTimeoutWithTwoOfThreeReplicasCrashed) {
  for (std::uint64_t seed : {1, 2, 3}) {
    Simulation sim(smallCluster(seed));
    const Key key = keyReplicatedOn(sim.ring(), {});
    auto replicas = sim.ring().preferenceList(tokenForKey(key), 3).replicas;
    sim.crash(replicas[0]);
    sim.crash(replicas[2]);
    const NodeId coordinator = replicas[1];
    std::vector<ClientOperation> results;
    sim.submit(coordinator, Operation::kPut, key, "v", [&](const ClientOperation& op) { results.push_back(op); });
    sim.runFor(1s);
    ASSERT_EQ(results.size(), 1u) << "seed " << seed;
    const auto& r = results[0].result;
    EXPECT_EQ(r.status.code(), ErrorCode::kUnavailable) << "seed " << seed << ": " << r.status.toString();
    EXPECT_LT(r.completed - r.begun, sim.config().requestTimeout) << "seed " << seed;
  }
}

}  // namespace
}  // namespace ringlab
