// The scenario file parser: a full file parses into the expected values, defaults fill what a file leaves out, and
// every kind of mistake is rejected with file:line:column, the key path and what was expected.
#include <ringlab/sim/scenario.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kFullScenario = R"(name: Node crash
description: |
  Multi-line text.
  Second line.
seed: 42
duration: 60s
cluster:
  nodes: 5
  ring: {strategy: partitions, partitions: 128}
  replication: {n: 3, r: 1, w: 3}
  request_timeout: 250ms
  cores: 4
  cpu_per_message: 15us
  max_value_size: 2MiB
  max_key_size: 1KB
  clock_skew: {n2: 50ms, n3: -20ms}
network:
  latency: {dist: exponential, mean: 2ms, shift: 100us}
  latency_by_kind: {write: 1ms, read_reply: {dist: uniform, min: 1ms, max: 3ms}}
  links:
    - {from: n1, to: n2, latency: 20ms, loss: 0.1}
    - {from: n4, to: n5, loss: 0.5, both_ways: false}
  loss: 0.01
  duplication: 0.001
workload:
  - rate: 2000/s
    read_ratio: 0.7
    delete_ratio: 0.1
    keys: {count: 10000, distribution: zipf, theta: 0.99}
    value_size: {min: 100B, max: 1KiB}
    start: 1s
    stop: 50s
  - model: closed_loop
    clients: 4
    think_time: 1ms
    keys: {count: 500, distribution: hotspot, hot_keys: 0.1, hot_ops: 0.8}
timeline:
  - {at: 40s, say: "Look at the charts.", pause: true}
  - {at: 10s, crash: n3, say: "n3 crashes."}
  - {at: 20s, restart: {node: n3, wipe: true}}
  - {at: 21s, wipe: n3}
  - {at: 25s, partition: [[n1, n2, n3], [n4, n5]]}
  - {at: 26s, cut: {from: n1, to: n2}}
  - {at: 30s, heal: true}
  - {at: 31s, link: {from: n1, to: n2, latency: 50ms, loss: 0.2, both_ways: false}}
  - {at: 32s, network: {latency: {dist: constant, value: 5ms}, loss: 0.01}}
  - {at: 33s, slow: {node: n2, factor: 10}}
  - {at: 34s, workload: {rate: 5000/s, read_ratio: 0.5, delete_ratio: 0.1}}
  - {at: 35s, quorum: {r: 1, w: 1}}
  - {at: 10s, slow: {node: n1, factor: 2}, crash: n4}
expect:
  lost_writes: 0
  availability: {min: 0.99}
  convergence_time: {max: 20s}
  put_p99: 50ms
  throughput: 1500
  stale_read_rate: {min: 0, max: 0.05}
quiesce: {limit: 10s, check_every: 50ms}
)";

// Two lines, so the lines a test appends are numbered from 3.
constexpr std::string_view kHead = "name: Test\nduration: 60s\n";

Result<ScenarioSpec> parse(std::string_view text) { return parseScenario(text, "x.yaml"); }

ScenarioSpec parseOk(std::string_view text) {
  Result<ScenarioSpec> result = parse(text);
  EXPECT_TRUE(result.isOk()) << result.status().message() << "\nin:\n" << text;
  return result.isOk() ? std::move(result).value() : ScenarioSpec{};
}

// Succeeds when `text` is rejected as invalid with a message that starts with `prefix` and contains `fragment`.
::testing::AssertionResult rejected(std::string_view text, std::string_view prefix, std::string_view fragment = {}) {
  const Result<ScenarioSpec> result = parse(text);
  if (result.isOk()) return ::testing::AssertionFailure() << "parsed, but should not have:\n" << text;
  const Status status = result.status();
  const std::string& message = status.message();
  if (status.code() != ErrorCode::kInvalidArgument) {
    return ::testing::AssertionFailure() << "wrong code " << errorCodeName(status.code()) << ": " << message;
  }
  if (!message.starts_with(prefix)) {
    return ::testing::AssertionFailure() << "message\n  " << message << "\ndoes not start with\n  " << prefix;
  }
  if (message.find(fragment) == std::string::npos) {
    return ::testing::AssertionFailure() << "message\n  " << message << "\ndoes not contain\n  " << fragment;
  }
  return ::testing::AssertionSuccess() << message;
}

std::string withHead(std::string_view rest) { return std::string(kHead) + std::string(rest); }

// --- valid files --------------------------------------------------------------------------------------------------

TEST(ScenarioParseTest, FullExampleParsesIntoTheExpectedValues) {
  const ScenarioSpec spec = parseOk(kFullScenario);
  EXPECT_EQ(spec.name, "Node crash");
  EXPECT_EQ(spec.description, "Multi-line text.\nSecond line.\n");
  EXPECT_EQ(spec.sourceName, "x.yaml");
  EXPECT_EQ(spec.duration, 60s);

  const SimulationConfig& c = spec.cluster;
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.nodes, 5u);
  EXPECT_EQ(c.ring.strategy, PlacementStrategy::kPartitions);
  EXPECT_EQ(c.ring.partitions, 128u);
  EXPECT_EQ(c.quorum, (QuorumConfig{3, 1, 3}));
  EXPECT_EQ(c.requestTimeout, 250ms);
  EXPECT_EQ(c.coresPerNode, 4u);
  EXPECT_EQ(c.cpuCostPerMessage, 15us);
  EXPECT_EQ(c.storage.maxValueBytes, 2u << 20);
  EXPECT_EQ(c.storage.maxKeyBytes, 1000u);
  EXPECT_EQ(c.clockSkew, (std::vector<Duration>{0ns, 50ms, -20ms, 0ns, 0ns}));

  const NetworkConfig& net = c.network;
  EXPECT_EQ(net.latency.describe(), "exponential(mean 2.00ms) + 100.0us");
  const auto write = static_cast<std::size_t>(MessageKind::kWriteRequest);
  const auto readReply = static_cast<std::size_t>(MessageKind::kReadReply);
  ASSERT_TRUE(net.latencyByKind[write]);
  EXPECT_EQ(net.latencyByKind[write]->describe(), LatencyDistribution::constant(1ms).describe());
  ASSERT_TRUE(net.latencyByKind[readReply]);
  EXPECT_EQ(net.latencyByKind[readReply]->describe(), "uniform(1.00ms, 3.00ms)");
  EXPECT_FALSE(net.latencyByKind[static_cast<std::size_t>(MessageKind::kReadRequest)]);
  EXPECT_DOUBLE_EQ(net.loss, 0.01);
  EXPECT_DOUBLE_EQ(net.duplication, 0.001);
  ASSERT_EQ(net.links.size(), 3u);  // n1<->n2 both ways, n4->n5 one way
  const LinkSettings& n1n2 = net.links.at({0, 1});
  ASSERT_TRUE(n1n2.latency);
  EXPECT_EQ(n1n2.latency->describe(), LatencyDistribution::constant(20ms).describe());
  EXPECT_DOUBLE_EQ(n1n2.loss.value_or(-1), 0.1);
  EXPECT_TRUE(net.links.contains({1, 0}));
  EXPECT_TRUE(net.links.contains({3, 4}));
  EXPECT_FALSE(net.links.contains({4, 3}));
  EXPECT_FALSE(net.links.at({3, 4}).latency);

  ASSERT_EQ(spec.workloads.size(), 2u);
  const WorkloadConfig& open = spec.workloads[0];
  EXPECT_EQ(open.model, LoadModel::kOpenLoop);
  EXPECT_DOUBLE_EQ(open.ratePerSecond, 2000);
  EXPECT_DOUBLE_EQ(open.readRatio, 0.7);
  EXPECT_DOUBLE_EQ(open.deleteRatio, 0.1);
  EXPECT_EQ(open.keys.describe(), "zipfian(10000 keys, theta 0.99, scrambled)");
  EXPECT_EQ(open.valueBytesMin, 100u);
  EXPECT_EQ(open.valueBytesMax, 1024u);
  EXPECT_EQ(open.start, TimePoint{1s});
  EXPECT_EQ(open.stop, TimePoint{50s});
  const WorkloadConfig& closed = spec.workloads[1];
  EXPECT_EQ(closed.model, LoadModel::kClosedLoop);
  EXPECT_EQ(closed.clients, 4u);
  EXPECT_EQ(closed.thinkTime, 1ms);
  EXPECT_DOUBLE_EQ(closed.readRatio, 0.8);
  EXPECT_EQ(closed.keys.describe(), "hotspot(500 keys, 80% of ops to the first 50 keys)");
  EXPECT_FALSE(closed.stop);

  // Sorted by time; the two 10s entries keep their file order.
  const std::vector<TimelineEntry>& t = spec.timeline;
  ASSERT_EQ(t.size(), 13u);
  std::vector<Duration> times;
  for (const TimelineEntry& e : t) times.push_back(e.at.sinceStart);
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
  EXPECT_EQ(t[0].at, TimePoint{10s});
  EXPECT_EQ(t[0].say, "n3 crashes.");
  EXPECT_EQ(t[0].where.line, 39);
  EXPECT_EQ(t[0].where.column, 5);
  ASSERT_EQ(t[0].actions.size(), 1u);
  EXPECT_EQ(std::get<CrashAction>(t[0].actions[0]).node, 2u);
  ASSERT_EQ(t[1].actions.size(), 2u);  // slow then crash, in file order
  EXPECT_EQ(std::get<SlowNodeAction>(t[1].actions[0]).node, 0u);
  EXPECT_DOUBLE_EQ(std::get<SlowNodeAction>(t[1].actions[0]).factor, 2);
  EXPECT_EQ(std::get<CrashAction>(t[1].actions[1]).node, 3u);
  const auto& restart = std::get<RestartAction>(t[2].actions[0]);
  EXPECT_EQ(restart.node, 2u);
  EXPECT_TRUE(restart.wipe);
  EXPECT_EQ(std::get<WipeAction>(t[3].actions[0]).node, 2u);
  EXPECT_EQ(std::get<PartitionAction>(t[4].actions[0]).groups, (std::vector<std::vector<NodeId>>{{0, 1, 2}, {3, 4}}));
  const auto& cut = std::get<CutLinkAction>(t[5].actions[0]);
  EXPECT_EQ(cut.from, 0u);
  EXPECT_EQ(cut.to, 1u);
  EXPECT_TRUE(std::holds_alternative<HealAction>(t[6].actions[0]));
  const auto& link = std::get<LinkAction>(t[7].actions[0]);
  EXPECT_FALSE(link.bothWays);
  EXPECT_DOUBLE_EQ(link.loss.value_or(-1), 0.2);
  const auto& network = std::get<NetworkAction>(t[8].actions[0]);
  ASSERT_TRUE(network.latency);
  EXPECT_EQ(network.latency->describe(), LatencyDistribution::constant(5ms).describe());
  const auto& slow = std::get<SlowNodeAction>(t[9].actions[0]);
  EXPECT_EQ(slow.node, 1u);
  EXPECT_DOUBLE_EQ(slow.factor, 10);
  const auto& workload = std::get<WorkloadAction>(t[10].actions[0]);
  EXPECT_DOUBLE_EQ(workload.ratePerSecond.value_or(-1), 5000);
  EXPECT_DOUBLE_EQ(workload.readRatio.value_or(-1), 0.5);
  EXPECT_DOUBLE_EQ(workload.deleteRatio.value_or(-1), 0.1);
  const auto& quorum = std::get<QuorumAction>(t[11].actions[0]);
  EXPECT_EQ(quorum.r, 1u);
  EXPECT_EQ(quorum.w, 1u);
  EXPECT_EQ(t[12].at, TimePoint{40s});
  EXPECT_TRUE(t[12].actions.empty());
  EXPECT_EQ(t[12].say, "Look at the charts.");
  EXPECT_TRUE(t[12].pause);
  EXPECT_FALSE(t[0].pause);

  const std::vector<Expectation>& e = spec.expectations;
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[0].metric, ExpectMetric::kLostWrites);
  EXPECT_FALSE(e[0].min);
  EXPECT_EQ(e[0].max, 0.0);
  EXPECT_EQ(e[0].where.line, 52);
  EXPECT_EQ(e[0].where.column, 3);
  EXPECT_EQ(e[1].metric, ExpectMetric::kAvailability);
  EXPECT_EQ(e[1].min, 0.99);
  EXPECT_FALSE(e[1].max);
  EXPECT_EQ(e[2].metric, ExpectMetric::kConvergenceTime);
  EXPECT_EQ(e[2].max, 20e9);
  EXPECT_EQ(e[3].metric, ExpectMetric::kPutP99);
  EXPECT_EQ(e[3].max, 50e6);  // a bare bound on a lower-is-better metric is a maximum
  EXPECT_EQ(e[4].metric, ExpectMetric::kThroughput);
  EXPECT_EQ(e[4].min, 1500.0);  // ... and on a higher-is-better metric a minimum
  EXPECT_EQ(e[5].min, 0.0);
  EXPECT_EQ(e[5].max, 0.05);

  EXPECT_EQ(spec.quiesce.limit, 10s);
  EXPECT_EQ(spec.quiesce.checkEvery, 50ms);
}

TEST(ScenarioParseTest, MinimalFileGetsTheDefaults) {
  const ScenarioSpec spec = parseOk("name: Minimal\nduration: 10s\n");
  const SimulationConfig defaults;
  EXPECT_EQ(spec.name, "Minimal");
  EXPECT_EQ(spec.description, "");
  EXPECT_EQ(spec.duration, 10s);
  EXPECT_EQ(spec.cluster.seed, 1u);
  EXPECT_EQ(spec.cluster.nodes, 5u);
  EXPECT_EQ(spec.cluster.ring.strategy, PlacementStrategy::kVnodes);
  EXPECT_EQ(spec.cluster.ring.vnodesPerNode, 16u);
  EXPECT_EQ(spec.cluster.quorum, (QuorumConfig{3, 2, 2}));
  EXPECT_EQ(spec.cluster.requestTimeout, defaults.requestTimeout);
  EXPECT_EQ(spec.cluster.coresPerNode, defaults.coresPerNode);
  EXPECT_EQ(spec.cluster.cpuCostPerMessage, defaults.cpuCostPerMessage);
  EXPECT_EQ(spec.cluster.storage.maxValueBytes, defaults.storage.maxValueBytes);
  EXPECT_EQ(spec.cluster.network.latency.describe(), defaults.network.latency.describe());
  EXPECT_TRUE(spec.cluster.network.links.empty());
  EXPECT_TRUE(spec.cluster.clockSkew.empty());
  EXPECT_TRUE(spec.workloads.empty());
  EXPECT_TRUE(spec.timeline.empty());
  EXPECT_TRUE(spec.expectations.empty());
  EXPECT_EQ(spec.quiesce.limit, 30s);
  EXPECT_EQ(spec.quiesce.checkEvery, 100ms);
}

TEST(ScenarioParseTest, ReplicationDefaultsFollowTheClusterSize) {
  EXPECT_EQ(parseOk(withHead("cluster: {nodes: 1}\n")).cluster.quorum, (QuorumConfig{1, 1, 1}));
  EXPECT_EQ(parseOk(withHead("cluster: {nodes: 2}\n")).cluster.quorum, (QuorumConfig{2, 2, 2}));
  EXPECT_EQ(parseOk(withHead("cluster: {replication: {n: 5}}\n")).cluster.quorum, (QuorumConfig{5, 3, 3}));
  EXPECT_EQ(parseOk(withHead("cluster: {replication: {n: 3, r: 1}}\n")).cluster.quorum, (QuorumConfig{3, 1, 2}));
}

TEST(ScenarioParseTest, DefaultWorkloadIsOpenLoopWithUniformKeys) {
  const ScenarioSpec spec = parseOk(withHead("workload: {rate: 120/m}\n"));
  ASSERT_EQ(spec.workloads.size(), 1u);
  const WorkloadConfig& w = spec.workloads[0];
  EXPECT_EQ(w.model, LoadModel::kOpenLoop);
  EXPECT_DOUBLE_EQ(w.ratePerSecond, 2);
  EXPECT_DOUBLE_EQ(w.readRatio, 0.8);
  EXPECT_DOUBLE_EQ(w.deleteRatio, 0);
  EXPECT_EQ(w.keys.describe(), "uniform(1000 keys)");
  EXPECT_EQ(w.valueBytesMin, 100u);
  EXPECT_EQ(w.valueBytesMax, 100u);
  EXPECT_EQ(parseOk(withHead("workload: {keys: {distribution: zipfian}}\n")).workloads[0].keys.describe(),
            "zipfian(1000 keys, theta 0.99, scrambled)");
  EXPECT_EQ(parseOk(withHead("workload: {keys: {distribution: zipf, scrambled: false, theta: 1.2}}\n"))
                .workloads[0]
                .keys.describe(),
            "zipfian(1000 keys, theta 1.2, unscrambled)");
  EXPECT_EQ(parseOk(withHead("workload: {keys: {count: 1000, distribution: hotspot}}\n")).workloads[0].keys.describe(),
            "hotspot(1000 keys, 90% of ops to the first 10 keys)");
}

TEST(ScenarioParseTest, EveryLatencyDistributionParses) {
  const auto latencyOf = [](std::string_view yaml) {
    return parseOk(withHead("network:\n  latency: " + std::string(yaml) + "\n")).cluster.network.latency.describe();
  };
  EXPECT_EQ(latencyOf("2ms"), LatencyDistribution::constant(2ms).describe());
  EXPECT_EQ(latencyOf("{dist: constant, value: 3ms}"), LatencyDistribution::constant(3ms).describe());
  EXPECT_EQ(latencyOf("{dist: normal, mean: 5ms, stddev: 1ms}"), LatencyDistribution::normal(5ms, 1ms).describe());
  EXPECT_EQ(latencyOf("{dist: pareto, scale: 1ms, shape: 1.5}"), LatencyDistribution::pareto(1ms, 1.5).describe());
  EXPECT_EQ(latencyOf("{dist: lognormal, median: 2ms, sigma: 0.5, shift: 1ms}"),
            LatencyDistribution::lognormal(2ms, 0.5).plus(1ms).describe());
  EXPECT_EQ(latencyOf("{dist: mixture, parts: [{weight: 0.9, dist: constant, value: 1ms},"
                      " {weight: 0.1, dist: pareto, scale: 5ms, shape: 1.5, shift: 1ms}]}"),
            "mixture(0.9 x constant(1.00ms), 0.1 x (pareto(scale 5.00ms, shape 1.5) + 1.00ms))");
  EXPECT_EQ(latencyOf("{dist: mixture, parts: [{weight: 1, dist: mixture, parts: [{weight: 2, dist: constant, "
                      "value: 1ms}]}]}"),
            LatencyDistribution::mixture({{1, LatencyDistribution::mixture({{2, LatencyDistribution::constant(1ms)}})}})
                .describe());
}

TEST(ScenarioParseTest, TimelineKeepsFileOrderWithinAnInstant) {
  const ScenarioSpec spec =
      parseOk(withHead("timeline:\n"
                       "  - {at: 5s, say: second}\n"
                       "  - {at: 1s, say: first}\n"
                       "  - {at: 5s, say: third}\n"
                       "  - {at: 0s, crash: n1}\n"
                       "  - {at: 5s, restart: n1}\n"));
  std::vector<std::string> says;
  for (const TimelineEntry& e : spec.timeline) says.push_back(e.say);
  EXPECT_EQ(says, (std::vector<std::string>{"", "first", "second", "third", ""}));
  EXPECT_TRUE(std::holds_alternative<RestartAction>(spec.timeline[4].actions[0]));
  EXPECT_EQ(spec.timeline[4].where.line, 8);
}

TEST(ScenarioParseTest, SmallConveniences) {
  // A node name alone is a one-node group; restart takes a bare node name; 0 needs no unit; yes/no are booleans.
  const ScenarioSpec spec =
      parseOk(withHead("timeline:\n"
                       "  - {at: 0, partition: [n1, [n2, n3]]}\n"
                       "  - {at: 1s, crash: n2}\n"
                       "  - {at: 2s, restart: n2, pause: yes}\n"));
  EXPECT_EQ(std::get<PartitionAction>(spec.timeline[0].actions[0]).groups,
            (std::vector<std::vector<NodeId>>{{0}, {1, 2}}));
  EXPECT_FALSE(std::get<RestartAction>(spec.timeline[2].actions[0]).wipe);
  EXPECT_TRUE(spec.timeline[2].pause);
}

TEST(ScenarioParseTest, ShuffleTiesTakesABooleanOrTheSeedOfTheShuffle) {
  EXPECT_FALSE(parseOk(kHead).cluster.shuffleTies);
  const ScenarioSpec on = parseOk(withHead("shuffle_ties: true\n"));
  EXPECT_TRUE(on.cluster.shuffleTies);
  EXPECT_EQ(on.cluster.tieSeed, 0u);
  const ScenarioSpec seeded = parseOk(withHead("shuffle_ties: 17\n"));
  EXPECT_TRUE(seeded.cluster.shuffleTies);
  EXPECT_EQ(seeded.cluster.tieSeed, 17u);
  EXPECT_FALSE(parseOk(withHead("shuffle_ties: false\n")).cluster.shuffleTies);
  EXPECT_TRUE(rejected(withHead("shuffle_ties: maybe\n"),
                       "x.yaml:3:15: shuffle_ties: expected true, false or a whole number (the seed of the shuffle)"));
  EXPECT_TRUE(rejected(withHead("shuffle_ties: 12abc\n"), "x.yaml:3:15: shuffle_ties: expected"));
}

// --- rejected files -----------------------------------------------------------------------------------------------

TEST(ScenarioParseTest, RejectsAnEmptyFile) {
  EXPECT_TRUE(rejected("", "x.yaml: expected a mapping with at least 'name' and 'duration'"));
  EXPECT_TRUE(rejected("# only a comment\n", "x.yaml: expected a mapping with at least 'name' and 'duration'"));
}

TEST(ScenarioParseTest, RejectsAListAtTopLevel) {
  EXPECT_TRUE(rejected("- name: x\n- duration: 1s\n",
                       "x.yaml:1:1: expected a mapping with at least 'name' and 'duration', got a list"));
  EXPECT_TRUE(rejected("hello\n", "x.yaml:1:1: expected a mapping", "got 'hello'"));
}

TEST(ScenarioParseTest, RejectsAWrongType) {
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes: five\n"),
                       "x.yaml:4:10: cluster.nodes: expected a whole number from 1 to 10000, got 'five'"));
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes: [5]\n"), "x.yaml:4:10: cluster.nodes: expected", "got a list"));
  EXPECT_TRUE(rejected(withHead("cluster: 5\n"), "x.yaml:3:10: cluster: expected a mapping", "got '5'"));
  EXPECT_TRUE(rejected(withHead("network: {loss: abc}\n"),
                       "x.yaml:3:17: network.loss: expected a number from 0 to 1, got 'abc'"));
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes:\n"), "x.yaml:4:3: cluster.nodes: expected", "got nothing"));
}

TEST(ScenarioParseTest, RejectsMissingRequiredKeys) {
  EXPECT_TRUE(rejected("duration: 10s\n", "x.yaml:1:1: name: missing"));
  EXPECT_TRUE(rejected("name: x\n", "x.yaml:1:1: duration: missing"));
  EXPECT_TRUE(rejected("name: ''\nduration: 1s\n", "x.yaml:1:7: name: expected a non-empty string, got ''"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {crash: n1}\n"), "x.yaml:4:5: timeline[0].at: missing"));
}

TEST(ScenarioParseTest, RejectsAnUnknownTopLevelKey) {
  EXPECT_TRUE(rejected(withHead("clsuter: {nodes: 3}\n"), "x.yaml:3:1: clsuter: unknown key (did you mean 'cluster'?)",
                       "expected one of name, description, seed, duration, cluster"));
}

TEST(ScenarioParseTest, RejectsAnUnknownNestedKey) {
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes: 5\n  replicaton: {n: 3}\n"),
                       "x.yaml:5:3: cluster.replicaton: unknown key (did you mean 'replication'?); expected one of "
                       "nodes, ring, replication, "));
  EXPECT_TRUE(rejected(withHead("workload:\n  - keys: {count: 10, thta: 1}\n"),
                       "x.yaml:4:23: workload[0].keys.thta: unknown key (did you mean 'theta'?)"));
  EXPECT_TRUE(rejected(withHead("network: {latency: {dist: exponential, mean: 1ms, men: 2ms}}\n"),
                       "x.yaml:3:51: network.latency.men: unknown key", "expected one of dist, mean, shift"));
}

TEST(ScenarioParseTest, RejectsADuplicateKey) {
  EXPECT_TRUE(rejected(withHead("cluster: {nodes: 3, nodes: 4}\n"),
                       "x.yaml:3:21: cluster.nodes: duplicate key; it is already given at line 3"));
}

TEST(ScenarioParseTest, FocusPointsAtANodeAKeyAndAView) {
  const ScenarioSpec spec =
      parseOk(withHead("cluster: {nodes: 12}\n"
                       "timeline:\n"
                       "  - {at: 10s, say: \"Look at n7.\", focus: {node: n7, view: fibers}}\n"
                       "  - {at: 12s, focus: {key: \"key:00000042\", chart: staleness}}\n"
                       "  - {at: 14s, add_node: true, focus: {node: n13, view: ring}}\n"));
  ASSERT_EQ(spec.timeline.size(), 3u);
  ASSERT_TRUE(spec.timeline[0].focus.has_value());
  EXPECT_EQ(spec.timeline[0].focus->node, NodeId{6});
  EXPECT_EQ(spec.timeline[0].focus->view, FocusView::kFibers);
  EXPECT_FALSE(spec.timeline[0].focus->key.has_value());
  ASSERT_TRUE(spec.timeline[1].focus.has_value());
  EXPECT_EQ(spec.timeline[1].focus->key, "key:00000042");
  EXPECT_FALSE(spec.timeline[1].focus->node.has_value());
  EXPECT_EQ(spec.timeline[1].focus->chart, FocusChart::kStaleness);
  EXPECT_FALSE(spec.timeline[0].focus->chart.has_value());
  EXPECT_TRUE(spec.timeline[1].isNarration()) << "a focus alone makes an entry";
  EXPECT_EQ(spec.timeline[2].focus->node, NodeId{12}) << "a node added by the same entry can be focused";
  EXPECT_EQ(focusViewName(FocusView::kSpacetime), "spacetime");
  EXPECT_EQ(parseFocusView("inspector"), FocusView::kInspector);
  EXPECT_FALSE(parseFocusView("table").has_value());
  EXPECT_EQ(focusChartName(FocusChart::kGetLatency), "get_latency");
  EXPECT_EQ(parseFocusChart("messages"), FocusChart::kMessages);
}

TEST(ScenarioParseTest, RejectsABadFocus) {
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, focus: {node: n9}}\n"),
                       "x.yaml:4:28: timeline[0].focus.node: expected a node name n1..n5, got 'n9'"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, focus: {view: table}}\n"),
                       "x.yaml:4:28: timeline[0].focus.view: expected a view name: one of ring, traffic",
                       "got 'table'"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, focus: {}}\n"),
                       "x.yaml:4:21: timeline[0].focus: expected at least one of node, key, view or chart, got none"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, focus: {chart: latency}}\n"),
                       "x.yaml:4:29: timeline[0].focus.chart: expected a chart name: one of throughput, get_latency",
                       "got 'latency'"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, focus: {nod: n1}}\n"),
                       "x.yaml:4:22: timeline[0].focus.nod: unknown key (did you mean 'node'?)"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, focus: n1}\n"),
                       "x.yaml:4:21: timeline[0].focus: expected a mapping such as {node: n7, view: fibers}"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, focus: {key: \"\"}}\n"),
                       "x.yaml:4:27: timeline[0].focus.key: expected a non-empty string"));
  // n6 exists only after the add_node at 5s.
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 5s, add_node: true}\n  - {at: 1s, focus: {node: n6}}\n"),
                       "x.yaml:5:28: timeline[1].focus.node: n6 does not exist yet at 1s"));
}

TEST(ScenarioParseTest, RejectsAnUnknownNodeInCrash) {
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, say: hi}\n  - {at: 2s, crash: n9}\n"),
                       "x.yaml:5:21: timeline[1].crash: expected a node name n1..n5, got 'n9'"));
  EXPECT_TRUE(rejected(withHead("cluster: {nodes: 1, replication: {n: 1}}\ntimeline:\n  - {at: 2s, crash: n0}\n"),
                       "x.yaml:5:21: timeline[0].crash: expected a node name n1, got 'n0'"));
}

TEST(ScenarioParseTest, DetectionTimeNeedsACrashAndTheFailureDetector) {
  const ScenarioSpec spec = parseOk(withHead("timeline:\n  - {at: 2s, crash: n3}\nexpect: {detection_time: 10s}\n"));
  ASSERT_EQ(spec.expectations.size(), 1u);
  EXPECT_EQ(spec.expectations[0].metric, ExpectMetric::kDetectionTime);
  EXPECT_EQ(spec.expectations[0].max, 10e9);
  EXPECT_TRUE(isDurationMetric(ExpectMetric::kDetectionTime));
  EXPECT_FALSE(isHigherBetter(ExpectMetric::kDetectionTime));
  EXPECT_EQ(parseExpectMetric("detection_time"), ExpectMetric::kDetectionTime);
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 2s, partition: [[n1], [n2]]}\nexpect: {detection_time: 10s}\n"),
                       "x.yaml:5:10: expect.detection_time: detection_time needs a crash in the timeline"));
  EXPECT_TRUE(rejected(withHead("cluster: {mechanisms: {failure_detector: false}}\ntimeline:\n  - {at: 2s, crash: n3}\n"
                                "expect: {detection_time: 10s}\n"),
                       "x.yaml:6:10: expect.detection_time: detection_time needs gossip and the failure detector"));
  // A challenge's goal too.
  EXPECT_TRUE(rejected(withHead("challenge:\n  text: Detect it\n  knobs: [{set: workload.rate}]\n"
                                "  goals: {detection_time: 10s}\n"),
                       "x.yaml:6:11: challenge.goals.detection_time: detection_time needs a crash in the timeline"));
}

TEST(ScenarioParseTest, RejectsAnUnknownNodeInPartition) {
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, partition: [[n1, n2], [n3, n6]]}\n"),
                       "x.yaml:4:41: timeline[0].partition[1][1]: expected a node name n1..n5, got 'n6'"));
}

TEST(ScenarioParseTest, RejectsRLargerThanN) {
  EXPECT_TRUE(rejected(withHead("cluster:\n  replication: {n: 3, r: 4}\n"),
                       "x.yaml:4:26: cluster.replication.r: R (4) must be between 1 and N (3)"));
  EXPECT_TRUE(rejected(withHead("cluster:\n  replication: {w: 0}\n"),
                       "x.yaml:4:20: cluster.replication.w: W (0) must be between 1 and N (3)"));
  // N written after R: the later key is blamed.
  EXPECT_TRUE(rejected(withHead("cluster:\n  replication: {r: 3, n: 2}\n"),
                       "x.yaml:4:26: cluster.replication.n: N (2) is smaller than R (3)"));
}

TEST(ScenarioParseTest, RejectsNLargerThanTheNodeCount) {
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes: 2\n  replication: {n: 3}\n"),
                       "x.yaml:5:20: cluster.replication.n: N (3) is larger than the node count (2)"));
  EXPECT_TRUE(rejected(withHead("cluster:\n  replication: {n: 3}\n  nodes: 2\n"),
                       "x.yaml:5:10: cluster.nodes: the node count (2) is smaller than N (3)"));
}

TEST(ScenarioParseTest, RejectsBadDurations) {
  EXPECT_TRUE(rejected("name: x\nduration: -5s\n",
                       "x.yaml:2:11: duration: expected a duration greater than 0s and at most 24h, got '-5s'"));
  EXPECT_TRUE(rejected("name: x\nduration: 0s\n",
                       "x.yaml:2:11: duration: expected a duration greater than 0s and at most 24h, got '0s'"));
  EXPECT_TRUE(rejected("name: x\nduration: 60\n",
                       "x.yaml:2:11: duration: expected a duration with a unit such as 250ms or 10s, got '60'"));
  EXPECT_TRUE(rejected("name: x\nduration: 25h\n", "x.yaml:2:11: duration: expected", "at most 24h, got '25h'"));
  EXPECT_TRUE(rejected(withHead("cluster: {request_timeout: -1ms}\n"), "x.yaml:3:28: cluster.request_timeout:"));
}

TEST(ScenarioParseTest, RejectsATimeBeyondTheDuration) {
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 70s, crash: n1}\n"),
                       "x.yaml:4:10: timeline[0].at: expected a time within the scenario's duration (0s to 60s), "
                       "got '70s'"));
  EXPECT_TRUE(rejected(withHead("workload: {start: 60s}\n"), "x.yaml:3:19: workload.start: expected a time before"));
  EXPECT_TRUE(rejected(withHead("workload: {start: 10s, stop: 5s}\n"),
                       "x.yaml:3:30: workload.stop: expected a time after start (10s), got '5s'"));
}

TEST(ScenarioParseTest, RejectsAHugeValueSizeNamingTheLimit) {
  EXPECT_TRUE(rejected(withHead("workload:\n  value_size: 10GB\n"),
                       "x.yaml:4:15: workload.value_size: expected a value size of at most 64MiB", "got '10GB'"));
  EXPECT_TRUE(rejected(withHead("workload:\n  value_size: {min: 2KiB, max: 1KiB}\n"),
                       "x.yaml:4:32: workload.value_size.max: expected a maximum no smaller than min (2KiB)"));
  EXPECT_TRUE(rejected(withHead("cluster: {max_value_size: 2GiB}\n"),
                       "x.yaml:3:27: cluster.max_value_size: expected a size from 1B to 1GiB, got '2GiB'"));
}

TEST(ScenarioParseTest, RejectsABadDistribution) {
  EXPECT_TRUE(rejected(withHead("network:\n  latency: {dist: gaussian, mean: 1ms}\n"),
                       "x.yaml:4:19: network.latency.dist: expected a distribution name: one of constant, uniform, "
                       "normal, exponential, pareto, lognormal, mixture, got 'gaussian'"));
  EXPECT_TRUE(rejected(withHead("network:\n  latency: {dist: pareto, scale: 1ms, shape: 0}\n"),
                       "x.yaml:4:12: network.latency: pareto latency shape must be a finite number > 0, got 0"));
  EXPECT_TRUE(
      rejected(withHead("network:\n  latency: {dist: exponential}\n"), "x.yaml:4:12: network.latency.mean: missing"));
  EXPECT_TRUE(rejected(withHead("network:\n  latency: {mean: 2ms}\n"), "x.yaml:4:12: network.latency.dist: missing"));
  EXPECT_TRUE(rejected(withHead("network:\n  latency: {dist: uniform, min: 3ms, max: 1ms}\n"),
                       "x.yaml:4:43: network.latency.max: expected a maximum no smaller than min (3ms)"));
  EXPECT_TRUE(rejected(withHead("network:\n  latency: {dist: mixture, parts: []}\n"),
                       "x.yaml:4:35: network.latency.parts: expected a non-empty list"));
  EXPECT_TRUE(rejected(withHead("network:\n  latency: {dist: mixture, parts: [{dist: constant, value: 1ms}]}\n"),
                       "x.yaml:4:36: network.latency.parts[0].weight: missing"));
  EXPECT_TRUE(rejected(withHead("network:\n  latency: {dist: constant, value: 1ms, weight: 1}\n"),
                       "x.yaml:4:41: network.latency.weight: unknown key"));
  EXPECT_TRUE(rejected(withHead("network:\n  latency_by_kind: {telepathy: 1ms}\n"),
                       "x.yaml:4:21: network.latency_by_kind.telepathy: unknown key",
                       "expected one of write, write_ack, read, read_reply, gossip"));
  EXPECT_TRUE(rejected(withHead("network:\n  latency: -1ms\n"), "x.yaml:4:12: network.latency: expected a duration"));
}

TEST(ScenarioParseTest, RejectsAYamlSyntaxError) {
  EXPECT_TRUE(rejected(withHead("cluster: {nodes: [1, 2\nnetwork: {}\n"), "x.yaml:", "YAML syntax error"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s\n"), "x.yaml:5:1: YAML syntax error: a '{' opened",
                       "(YAML: end of map flow not found)"));
  EXPECT_TRUE(rejected(withHead("---\nname: again\n"), "x.yaml:3:1: expected a single YAML document"));
  EXPECT_TRUE(rejected(withHead("...\nname: again\n"), "x.yaml:4:1: expected a single YAML document"));
  EXPECT_TRUE(rejected("# a comment\n---\n\n---\n", "x.yaml:4:1: expected a single YAML document"));
}

TEST(ScenarioParseTest, OneDocumentMarkersAreAccepted) {
  EXPECT_EQ(parseOk("%YAML 1.2\n---\n" + withHead("cluster: {nodes: 4}\n...\n# done\n")).cluster.nodes, 4);
  // "---" inside a value is text, not a marker: only column 0 counts.
  EXPECT_EQ(parseOk(withHead("description: |\n  ---\n  a rule\n")).description, "---\na rule\n");
}

// yaml-cpp's LoadAll never returns on these (found by the scenario fuzzer): they must be refused, promptly.
TEST(ScenarioParseTest, TextThatHangsYamlCppsMultiDocumentReaderIsRefused) {
  EXPECT_TRUE(rejected(",Okltpr5\n J", "x.yaml:1:1: expected a mapping with at least 'name' and 'duration'"));
  EXPECT_TRUE(rejected(",a", "x.yaml:1:1: expected a mapping"));
}

TEST(ScenarioParseTest, RejectsBadRatios) {
  EXPECT_TRUE(rejected(withHead("workload:\n  read_ratio: 1.5\n"),
                       "x.yaml:4:15: workload.read_ratio: expected a number from 0 to 1, got '1.5'"));
  EXPECT_TRUE(rejected(withHead("workload:\n  read_ratio: 0.6\n  delete_ratio: 0.5\n"),
                       "x.yaml:5:17: workload.delete_ratio: read_ratio (0.6) + delete_ratio (0.5) must not exceed 1"));
  EXPECT_TRUE(rejected(withHead("workload: {delete_ratio: 0.5}\n"),
                       "x.yaml:3:26: workload.delete_ratio: read_ratio (0.8, the default) + delete_ratio (0.5)"));
  EXPECT_TRUE(
      rejected(withHead("workload: {read_ratio: 0.5}\ntimeline:\n  - {at: 1s, workload: {delete_ratio: 0.6}}\n"),
               "x.yaml:5:24: timeline[0].workload: read_ratio (0.5) + delete_ratio (0.6) would exceed 1"));
}

TEST(ScenarioParseTest, RejectsAPartitionWithOneGroup) {
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, partition: [[n1, n2]]}\n"),
                       "x.yaml:4:25: timeline[0].partition: expected at least 2 groups of nodes, got 1"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, partition: [[n1], []]}\n"),
                       "x.yaml:4:32: timeline[0].partition[1]: expected a non-empty group of nodes"));
}

TEST(ScenarioParseTest, RejectsANodeInTwoGroups) {
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, partition: [[n1, n2], [n2, n3]]}\n"),
                       "x.yaml:4:37: timeline[0].partition[1][0]: n2 is already in timeline[0].partition[0]"));
}

TEST(ScenarioParseTest, RejectsAnUnknownExpectationMetric) {
  EXPECT_TRUE(rejected(withHead("expect:\n  lost_write: 0\n"),
                       "x.yaml:4:3: expect.lost_write: unknown metric (did you mean 'lost_writes'?); expected one of "
                       "lost_writes, lost_updates"));
  EXPECT_TRUE(rejected(withHead("expect:\n  converged_within: 20s\n"),
                       "x.yaml:4:3: expect.converged_within: unknown metric (did you mean 'convergence_time'?)"));
  EXPECT_TRUE(rejected(withHead("expect: {availability: 1.2}\n"),
                       "x.yaml:3:24: expect.availability: expected a number "
                       "from 0 to 1, got '1.2'"));
  EXPECT_TRUE(rejected(withHead("expect: {get_p99: 5}\n"), "x.yaml:3:19: expect.get_p99: expected a duration"));
  EXPECT_TRUE(rejected(withHead("expect: {timeouts: {min: 5, max: 1}}\n"),
                       "x.yaml:3:34: expect.timeouts.max: expected a maximum no smaller than min (5)"));
  EXPECT_TRUE(rejected(withHead("expect: {timeouts: {}}\n"), "x.yaml:3:20: expect.timeouts: expected at least one"));
}

TEST(ScenarioParseTest, RejectsInconsistentTimelines) {
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, restart: n2}\n"),
                       "x.yaml:4:23: timeline[0].restart: expected a crashed node, but n2 is running at 1s"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 2s, crash: n2}\n  - {at: 1s, crash: n2}\n"),
                       "x.yaml:4:21: timeline[0].crash: expected a running node, but n2 is already down at 2s"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, crash: n2, wipe: n2}\n"),
                       "x.yaml:4:31: timeline[0].wipe: expected a running node, but n2 is down at 1s"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, workload: {rate: 5/s}}\n"),
                       "x.yaml:4:24: timeline[0].workload: there is no workload to change"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s}\n"), "x.yaml:4:5: timeline[0]: expected an action"));
  EXPECT_TRUE(
      rejected(withHead("timeline:\n  - {at: 1s, heal: false}\n"), "x.yaml:4:20: timeline[0].heal: expected true"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, cut: {from: n1, to: n1}}\n"),
                       "x.yaml:4:34: timeline[0].cut.to: expected a node other than 'from' (n1), got 'n1'"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, link: {from: n1, to: n2}}\n"),
                       "x.yaml:4:20: timeline[0].link: expected at least one of latency or loss"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, quorum: {r: 4}}\n"),
                       "x.yaml:4:26: timeline[0].quorum.r: R (4) must be between 1 and N (3)"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, slow: {node: n1, factor: 0}}\n"),
                       "x.yaml:4:39: timeline[0].slow.factor: expected a number greater than 0 and at most 1000"));
  EXPECT_TRUE(rejected(withHead("timeline: {at: 1s}\n"), "x.yaml:3:11: timeline: expected a list"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, network: {duplication: 1.5}}\n"),
                       "x.yaml:4:37: timeline[0].network.duplication: expected a number"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, clock: {node: n1}}\n"),
                       "x.yaml:4:21: timeline[0].clock.offset: missing"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, clock: {node: n1, offset: 2h}}\n"),
                       "x.yaml:4:40: timeline[0].clock.offset: expected a duration from -1h to 1h"));
}

TEST(ScenarioParseTest, ClockJumpsAndDuplicationAreTimelineActions) {
  const ScenarioSpec spec = parseOk(withHead(
      "timeline:\n  - {at: 1s, clock: {node: n2, offset: -80ms}, network: {duplication: 0.05}}\n"
      "  - {at: 2s, clock: {node: n2, offset: 0ms}}\n"));
  ASSERT_EQ(spec.timeline.size(), 2u);
  ASSERT_EQ(spec.timeline[0].actions.size(), 2u);
  const auto& clock = std::get<ClockAction>(spec.timeline[0].actions[0]);
  EXPECT_EQ(clock.node, 1u);
  EXPECT_EQ(clock.offset, -80ms);
  EXPECT_EQ(describeAction(clock), "clock n2 -80ms");
  const auto& network = std::get<NetworkAction>(spec.timeline[0].actions[1]);
  EXPECT_EQ(network.duplication, 0.05);
  EXPECT_FALSE(network.loss.has_value());
  EXPECT_EQ(describeAction(network), "network: duplication 0.05");
  EXPECT_EQ(describeAction(spec.timeline[1].actions[0]), "clock n2 back to true time");
}

TEST(ScenarioParseTest, RejectsSettingsOfTheWrongModel) {
  EXPECT_TRUE(rejected(withHead("workload: {clients: 8}\n"),
                       "x.yaml:3:21: workload.clients: only applies to 'model: closed_loop'; this workload is "
                       "open_loop"));
  EXPECT_TRUE(rejected(withHead("workload: {model: closed_loop, rate: 5/s}\n"),
                       "x.yaml:3:38: workload.rate: only applies to 'model: open_loop'"));
  EXPECT_TRUE(rejected(withHead("workload: {keys: {theta: 0.5}}\n"),
                       "x.yaml:3:26: workload.keys.theta: only applies to 'distribution: zipf'"));
  EXPECT_TRUE(rejected(withHead("cluster: {ring: {partitions: 64}}\n"),
                       "x.yaml:3:30: cluster.ring.partitions: only applies to 'strategy: partitions'"));
  EXPECT_TRUE(
      rejected(withHead("workload: []\n"), "x.yaml:3:11: workload: expected a workload mapping or a non-empty"));
  EXPECT_TRUE(rejected(withHead("workload: [{rate: 1/s}, {rate: fast}]\n"),
                       "x.yaml:3:32: workload[1].rate: expected a rate such as 2000/s or 120/m, got 'fast'"));
}

TEST(ScenarioParseTest, RejectsBadNetworkSettings) {
  EXPECT_TRUE(rejected(withHead("network:\n  links:\n    - {from: n1, to: n2, loss: 0.1}\n    - {from: n2, to: n1, "
                                "loss: 0.2}\n"),
                       "x.yaml:6:7: network.links[1]: the link n2 -> n1 is already set by network.links[0]"));
  EXPECT_TRUE(rejected(withHead("network:\n  links: [{from: n1, to: n2}]\n"),
                       "x.yaml:4:11: network.links[0]: expected at least one of latency or loss"));
  EXPECT_TRUE(rejected(withHead("cluster: {clock_skew: {n7: 1ms}}\n"),
                       "x.yaml:3:24: cluster.clock_skew.n7: expected a node name n1..n5, got 'n7'"));
  EXPECT_TRUE(rejected(withHead("cluster: {clock_skew: {n1: 2h}}\n"),
                       "x.yaml:3:28: cluster.clock_skew.n1: expected a duration from -1h to 1h, got '2h'"));
}

TEST(ScenarioParseTest, NeverThrowsOrCrashesOnMangledInput) {
  const std::string full(kFullScenario);
  for (std::size_t length = 0; length <= full.size(); length += 4) {
    const Result<ScenarioSpec> result = parse(full.substr(0, length));
    EXPECT_TRUE(result.isOk() || result.status().message().starts_with("x.yaml")) << result.status().message();
  }
  for (std::size_t i = 0; i < full.size(); i += 13) {
    for (const char c : {'[', '{', ':', '-', '\0', '"', '*', ' ', '\n'}) {
      std::string mangled = full;
      mangled[i] = c;
      const Result<ScenarioSpec> result = parse(mangled);
      EXPECT_TRUE(result.isOk() || result.status().message().starts_with("x.yaml")) << result.status().message();
    }
  }
  for (std::string_view odd : {"{", "[[[[", "a: *b", "&a [*a]", "? [a]\n: 1", "name: x\nduration: 1s\n{a: 1}: 2\n",
                               "!!binary aGVsbG8=", "\xff\xfe", "name: x\nduration: 1s\nexpect: {? [x]: 1}\n"}) {
    EXPECT_FALSE(parse(odd).isOk()) << odd;
  }
  EXPECT_FALSE(parse(std::string(100'000, '[')).isOk());
}

TEST(ScenarioParseTest, GivesUpOnAliasExplosions) {
  // Aliases multiply work: q3 stands for 200^3 parts. The parser gives up instead of walking them all.
  std::string bomb =
      withHead("network:\n  latency: {dist: mixture, parts: [&q0 {weight: 1, dist: constant, value: 1ms}");
  for (int level = 1; level <= 4; ++level) {
    bomb += ", &q" + std::to_string(level) + " {weight: 1, dist: mixture, parts: [";
    for (int i = 0; i < 200; ++i) bomb += (i > 0 ? ", *q" : "*q") + std::to_string(level - 1);
    bomb += "]}";
  }
  bomb += "]}\n";
  const Result<ScenarioSpec> exploded = parse(bomb);
  ASSERT_FALSE(exploded.isOk());
  EXPECT_NE(exploded.status().message().find("more than"), std::string::npos) << exploded.status().message();
}

// --- loading files ------------------------------------------------------------------------------------------------

TEST(ScenarioParseTest, LoadScenarioFileReportsUnreadableFiles) {
  const Result<ScenarioSpec> missing = loadScenarioFile("/nonexistent/dir/none.yaml");
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "cannot read '/nonexistent/dir/none.yaml': No such file or directory");

  const std::string dir = ::testing::TempDir();
  const Result<ScenarioSpec> directory = loadScenarioFile(dir);
  ASSERT_FALSE(directory.isOk());
  EXPECT_EQ(directory.status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(directory.status().message().starts_with("cannot read '" + dir + "': ")) << directory.status().message();
}

TEST(ScenarioParseTest, LoadScenarioFileParsesAndRefusesHugeFiles) {
  const std::string path = ::testing::TempDir() + "ringlab_scenario_parse_test.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << "name: From a file\nduration: 5s\ncluster: {nodes: 3}\n";
  }
  const Result<ScenarioSpec> loaded = loadScenarioFile(path);
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  EXPECT_EQ(loaded->sourceName, path);
  EXPECT_EQ(loaded->cluster.nodes, 3u);
  {
    std::ofstream out(path, std::ios::binary);
    out << "name: Bad\nduration: 5\n";
  }
  const Result<ScenarioSpec> bad = loadScenarioFile(path);
  ASSERT_FALSE(bad.isOk());
  EXPECT_TRUE(bad.status().message().starts_with(path + ":2:11: duration:")) << bad.status().message();
  {
    std::ofstream out(path, std::ios::binary);
    out << "name: Huge\nduration: 5s\ndescription: \"" << std::string(5u << 20, 'x') << "\"\n";
  }
  const Result<ScenarioSpec> huge = loadScenarioFile(path);
  ASSERT_FALSE(huge.isOk());
  EXPECT_EQ(huge.status().code(), ErrorCode::kTooLarge);
  EXPECT_NE(huge.status().message().find("4 MiB"), std::string::npos) << huge.status().message();
  std::remove(path.c_str());
}

// Every shipped scenario must parse. The directory is found relative to this source file.
TEST(ScenarioParseTest, EveryShippedScenarioParses) {
  const std::filesystem::path dir = std::filesystem::path(RINGLAB_SOURCE_DIR) / "scenarios";
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  if (files.empty()) GTEST_SKIP() << "no *.yaml scenarios under " << dir;
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const Result<ScenarioSpec> spec = loadScenarioFile(file.string());
    EXPECT_TRUE(spec.isOk()) << spec.status().message();
  }
}

// --- value syntax -------------------------------------------------------------------------------------------------

TEST(ScenarioParseTest, ParseDurationAcceptsNumbersWithUnits) {
  const std::vector<std::pair<std::string_view, Duration>> good = {
      {"250ms", 250ms},
      {"10s", 10s},
      {"1.5s", 1500ms},
      {"2m", 2min},
      {"1h", 1h},
      {"500us", 500us},
      {"5\xc2\xb5s", 5us},
      {"5\xce\xbcs", 5us},
      {"100ns", 100ns},
      {"3 ms", 3ms},
      {"0", 0ns},
      {"0.0", 0ns},
      {"-20ms", -20ms},
      {"0.5ns", 0ns},
      {"1.0000000001s", 1s},
      {"0.000001h", 3600us},
      {"007s", 7s},
      {"9223372036.854775807s", Duration{std::numeric_limits<std::int64_t>::max()}},
  };
  for (const auto& [text, expected] : good) {
    const std::optional<Duration> d = parseDuration(text);
    ASSERT_TRUE(d.has_value()) << text;
    EXPECT_EQ(*d, expected) << text;
  }
  for (std::string_view bad : {"",
                               "250",
                               "ms",
                               "-",
                               "s5",
                               "10 s ",
                               " 10s",
                               "10  s",
                               "1.s",
                               ".5s",
                               "10sec",
                               "1e3s",
                               "+5s",
                               "--5s",
                               "5 5s",
                               "abc",
                               "10S",
                               "10Ms",
                               "1,5s",
                               "99999999999h",
                               "9223372036.854775808s",
                               "1234567890123456789s"}) {
    EXPECT_FALSE(parseDuration(bad).has_value()) << bad;
  }
}

TEST(ScenarioParseTest, ParseRateAcceptsPerUnitAndBareNumbers) {
  const std::vector<std::pair<std::string_view, double>> good = {
      {"2000/s", 2000}, {"120/m", 2},   {"5/ms", 5000}, {"1/us", 1e6},           {"3600/h", 1},
      {"100", 100},     {"0.5/s", 0.5}, {"0", 0},       {"10 /s", 10},           {"10/ s", 10},
      {"10 / s", 10},   {"1.25", 1.25}, {"7/ns", 7e9},  {"2000/\xc2\xb5s", 2e9},
  };
  for (const auto& [text, expected] : good) {
    const std::optional<double> r = parseRate(text);
    ASSERT_TRUE(r.has_value()) << text;
    EXPECT_DOUBLE_EQ(*r, expected) << text;
  }
  for (std::string_view bad : {"", "/s", "10/", "10/x", "-5/s", "1.5k/s", "abc", "10//s", "10 per s", "10s", "10/sec",
                               "10  /s", "5/s ", "1e3/s"}) {
    EXPECT_FALSE(parseRate(bad).has_value()) << bad;
  }
}

TEST(ScenarioParseTest, ParseSizeAcceptsDecimalAndBinaryUnits) {
  const std::vector<std::pair<std::string_view, std::uint64_t>> good = {
      {"100B", 100},
      {"100", 100},
      {"0", 0},
      {"64KiB", 65536},
      {"1MiB", 1u << 20},
      {"1GiB", 1u << 30},
      {"1MB", 1'000'000},
      {"10GB", 10'000'000'000},
      {"1kB", 1000},
      {"1.5KiB", 1536},
      {"2 KB", 2000},
      {"1TiB", std::uint64_t{1} << 40},
      {"4194304TiB", std::uint64_t{1} << 62},
  };
  for (const auto& [text, expected] : good) {
    const std::optional<std::uint64_t> s = parseSize(text);
    ASSERT_TRUE(s.has_value()) << text;
    EXPECT_EQ(*s, expected) << text;
  }
  for (std::string_view bad : {"", "KB", "10kb", "10mb", "-1B", "1.5.5B", "10 GB ", "10  GB", "4194305TiB",
                               "99999999999999999999", "1 0B", "ten", "10b", "10K"}) {
    EXPECT_FALSE(parseSize(bad).has_value()) << bad;
  }
}

TEST(ScenarioParseTest, DescribeActionNamesNodesForPeople) {
  EXPECT_EQ(describeAction(CrashAction{2}), "crash n3");
  EXPECT_EQ(describeAction(RestartAction{2, false}), "restart n3");
  EXPECT_EQ(describeAction(RestartAction{2, true}), "restart n3 with empty storage");
  EXPECT_EQ(describeAction(WipeAction{0}), "wipe n1");
  EXPECT_EQ(describeAction(PartitionAction{{{0, 1, 2}, {3, 4}}}), "partition [n1 n2 n3] [n4 n5]");
  EXPECT_EQ(describeAction(CutLinkAction{0, 1}), "cut n1 -> n2");
  EXPECT_EQ(describeAction(HealAction{}), "heal");
  EXPECT_EQ(describeAction(LinkAction{0, 1, true, LatencyDistribution::constant(50ms), 0.2}),
            "link n1 <-> n2: latency " + LatencyDistribution::constant(50ms).describe() + ", loss 0.2");
  EXPECT_EQ(describeAction(LinkAction{0, 1, false, std::nullopt, 0.5}), "link n1 -> n2: loss 0.5");
  EXPECT_EQ(describeAction(NetworkAction{LatencyDistribution::exponential(2ms), std::nullopt}),
            "network: latency exponential(mean 2.00ms)");
  EXPECT_EQ(describeAction(NetworkAction{std::nullopt, 0.01}), "network: loss 0.01");
  EXPECT_EQ(describeAction(SlowNodeAction{1, 10}), "slow n2 x10");
  EXPECT_EQ(describeAction(WorkloadAction{5000, 0.5, 0.1}), "workload: rate 5000/s, read_ratio 0.5, delete_ratio 0.1");
  EXPECT_EQ(describeAction(WorkloadAction{std::nullopt, 0.9, std::nullopt}), "workload: read_ratio 0.9");
  EXPECT_EQ(describeAction(QuorumAction{1, 1}), "quorum R=1 W=1");
  EXPECT_EQ(describeAction(QuorumAction{std::nullopt, 3}), "quorum W=3");
}

TEST(ScenarioParseTest, ExpectMetricNamesRoundTrip) {
  const std::vector<std::string_view> names = {
      "lost_writes",      "lost_updates",     "stale_reads",      "stale_read_rate", "availability",
      "get_availability", "put_availability", "convergence_time", "divergent_keys",  "get_p50",
      "get_p99",          "get_p999",         "put_p50",          "put_p99",         "put_p999",
      "throughput",       "timeouts",         "unavailable",      "fresh_999_after"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto metric = static_cast<ExpectMetric>(i);
    EXPECT_EQ(expectMetricName(metric), names[i]);
    EXPECT_EQ(parseExpectMetric(names[i]), metric);
  }
  EXPECT_FALSE(parseExpectMetric("converged_within"));
  EXPECT_FALSE(parseExpectMetric(""));
  EXPECT_TRUE(isDurationMetric(ExpectMetric::kConvergenceTime));
  EXPECT_TRUE(isDurationMetric(ExpectMetric::kGetP50));
  EXPECT_TRUE(isDurationMetric(ExpectMetric::kPutP999));
  EXPECT_FALSE(isDurationMetric(ExpectMetric::kThroughput));
  EXPECT_FALSE(isDurationMetric(ExpectMetric::kStaleReadRate));
  EXPECT_TRUE(isDurationMetric(ExpectMetric::kFreshAfter));
  EXPECT_FALSE(isHigherBetter(ExpectMetric::kFreshAfter));
}

// --- staleness bands ----------------------------------------------------------------------------------------------

TEST(ScenarioParseTest, StalenessBandsDefaultToTheCheckersBands) {
  EXPECT_EQ(parseOk(withHead("")).stalenessBands, defaultStalenessBandEdges());
}

TEST(ScenarioParseTest, StalenessBandsTakeIncreasingDurations) {
  const ScenarioSpec spec = parseOk(withHead("staleness_bands: [500us, 1ms, 2500us, 10s]\n"));
  EXPECT_EQ(spec.stalenessBands, (std::vector<Duration>{500us, 1ms, 2500us, 10s}));
  EXPECT_TRUE(parseOk(withHead("staleness_bands: []\n")).stalenessBands.empty());
}

TEST(ScenarioParseTest, RejectsBadStalenessBandsWithTheirPosition) {
  EXPECT_TRUE(
      rejected(withHead("staleness_bands: [1ms, 1ms]\n"),
               "x.yaml:3:24: staleness_bands[1]: expected a duration above the edge before it (1ms), got '1ms'"));
  EXPECT_TRUE(rejected(withHead("staleness_bands: [5ms, 2ms]\n"), "x.yaml:3:24: staleness_bands[1]: expected"));
  EXPECT_TRUE(rejected(withHead("staleness_bands: [0ms]\n"),
                       "x.yaml:3:19: staleness_bands[0]: expected a duration greater than 0s and at most 24h"));
  EXPECT_TRUE(rejected(withHead("staleness_bands: [1ms, 5]\n"),
                       "x.yaml:3:24: staleness_bands[1]: expected a duration with a unit such as 250ms or 10s"));
  EXPECT_TRUE(rejected(withHead("staleness_bands: 5ms\n"),
                       "x.yaml:3:18: staleness_bands: expected a list of increasing durations", "got '5ms'"));
  std::string many = "staleness_bands: [";
  for (int i = 1; i <= 65; ++i) many += (i > 1 ? ", " : "") + std::to_string(i) + "ms";
  EXPECT_TRUE(rejected(withHead(many + "]\n"), "x.yaml:3:18: staleness_bands: expected at most 64 band edges"));
}

TEST(ScenarioParseTest, ParseStalenessBandsReadsACommaSeparatedList) {
  const auto bands = parseStalenessBands("1ms, 5ms,20ms ,1s");
  ASSERT_TRUE(bands.isOk()) << bands.status().message();
  EXPECT_EQ(*bands, (std::vector<Duration>{1ms, 5ms, 20ms, 1s}));
  const auto notADuration = parseStalenessBands("1ms,five");
  ASSERT_FALSE(notADuration.isOk());
  EXPECT_EQ(notADuration.status().message(), "item 2: expected a duration with a unit such as 5ms, got 'five'");
  const auto decreasing = parseStalenessBands("5ms,1ms");
  ASSERT_FALSE(decreasing.isOk());
  EXPECT_EQ(decreasing.status().message(), "band edge 2 (1.00ms) is not above the one before it (5.00ms)");
  EXPECT_FALSE(parseStalenessBands("").isOk());
  EXPECT_FALSE(parseStalenessBands("0ms").isOk());
}

// --- YAML syntax errors, explained ----------------------------------------------------------------------------------

TEST(ScenarioSyntaxTest, ATabInTheIndentationIsNamedWithItsLine) {
  EXPECT_TRUE(rejected(withHead("cluster:\n\tnodes: 5\n"), "x.yaml:4:", "line 4 is indented with a tab"));
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes: 5\n\tseed: 3\n"),
                       "x.yaml:5:1: YAML syntax error: line 5 is "
                       "indented with a tab; YAML indents with "
                       "spaces only"));
}

TEST(ScenarioSyntaxTest, AMisalignedKeyIsExplainedAsIndentationAndKeepsYamlsWords) {
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes: 5\n   seed: 3\n"),
                       "x.yaml:5:8: YAML syntax error: this line is indented differently from the keys around it",
                       "the line reads: '   seed: 3' (YAML: illegal map value)"));
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes: 5\n seed: 3\n"),
                       "x.yaml:5:2: YAML syntax error: this line is "
                       "indented less than the keys it belongs to",
                       "(YAML: end of map not found)"));
  EXPECT_TRUE(rejected(withHead("timeline:\n  - at: 1s\n    crash: n3\n   - at: 2s\n"),
                       "x.yaml:6:4:", "entries of one list must start in the same column"));
}

TEST(ScenarioSyntaxTest, AValueHoldingAColonIsToldToUseQuotes) {
  EXPECT_TRUE(rejected(withHead("timeline:\n  - {at: 1s, crash: n3, say: n3: down}\n"),
                       "x.yaml:4:", "put such a value in quotes, as in say: \"n3: down\""));
  EXPECT_TRUE(rejected(withHead("description: the plan: crash n3\n"), "x.yaml:3:", "put the value in quotes"));
}

TEST(ScenarioSyntaxTest, AMissingSpaceAfterAColonIsPointedOut) {
  EXPECT_TRUE(rejected("name: x\nduration:60s\n", "x.yaml:2:1: duration:60s: unknown key",
                       "a ':' needs a space after it to separate a key from its value: write 'duration: 60s'"));
  EXPECT_TRUE(rejected(withHead("cluster:\n  nodes:5\n"), "x.yaml:4:3: cluster:", "write 'nodes: 5'"));
}

TEST(ScenarioSyntaxTest, BinaryAndNonUtf8FilesAreNamedAsSuch) {
  EXPECT_TRUE(rejected(std::string("name: x\n\x7f"
                                   "ELF\0\0\x01",
                                   14),
                       "x.yaml:2:5: this is not a text file", "byte 12 is a NUL byte"));
  EXPECT_TRUE(rejected("name: caf\xe9\nduration: 60s\n", "x.yaml:1:10: the file is not UTF-8 text", "byte 9 is 0xe9"));
  EXPECT_TRUE(parse("name: caf\xc3\xa9\nduration: 60s\n").isOk()) << "UTF-8 text is fine";
}

// --- timeline contradictions ----------------------------------------------------------------------------------------

TEST(ScenarioWarningTest, AHealWithNothingCutIsWarnedAboutWithItsLineAndColumn) {
  const ScenarioSpec spec =
      parseOk(withHead("timeline:\n"
                       "  - {at: 1s, heal: true}\n"
                       "  - {at: 2s, partition: [[n1], [n2]]}\n"
                       "  - {at: 3s, heal: true}\n"
                       "  - {at: 4s, heal: true}\n"));
  ASSERT_EQ(spec.warnings.size(), 2u);
  EXPECT_TRUE(spec.warnings[0].starts_with("x.yaml:4:20: warning: timeline[0].heal: nothing is cut at 1s"))
      << spec.warnings[0];
  EXPECT_TRUE(spec.warnings[1].starts_with("x.yaml:7:20: warning: timeline[3].heal: nothing is cut at 4s"))
      << spec.warnings[1];
}

TEST(ScenarioWarningTest, CuttingALinkThatIsAlreadyCutIsWarnedAbout) {
  const ScenarioSpec spec =
      parseOk(withHead("timeline:\n"
                       "  - {at: 1s, partition: [[n1, n2], [n3]]}\n"
                       "  - {at: 2s, cut: {from: n1, to: n3}}\n"
                       "  - {at: 3s, cut: {from: n3, to: n1}}\n"
                       "  - {at: 4s, heal: true}\n"
                       "  - {at: 5s, cut: {from: n1, to: n3}}\n"));
  ASSERT_EQ(spec.warnings.size(), 2u);
  EXPECT_NE(spec.warnings[0].find("x.yaml:5:19: warning: timeline[1].cut: the link n1 -> n3 is already cut at 2s "
                                  "(by line 4"),
            std::string::npos)
      << spec.warnings[0];
  EXPECT_NE(spec.warnings[1].find("timeline[2].cut: the link n3 -> n1"), std::string::npos) << spec.warnings[1];
}

TEST(ScenarioWarningTest, ASlowDownThatChangesNothingIsWarnedAbout) {
  const ScenarioSpec spec =
      parseOk(withHead("timeline:\n"
                       "  - {at: 1s, slow: {node: n2, factor: 1}}\n"
                       "  - {at: 2s, slow: {node: n2, factor: 5}}\n"
                       "  - {at: 3s, slow: {node: n2, factor: 5}}\n"
                       "  - {at: 4s, slow: {node: n2, factor: 1}}\n"));
  ASSERT_EQ(spec.warnings.size(), 2u);
  EXPECT_NE(spec.warnings[0].find("timeline[0].slow: n2 is not slowed at 1s"), std::string::npos) << spec.warnings[0];
  EXPECT_NE(spec.warnings[1].find("timeline[2].slow: n2 already runs with factor 5 at 3s (set by line 5)"),
            std::string::npos)
      << spec.warnings[1];
}

TEST(ScenarioWarningTest, AConsistentTimelineHasNoWarnings) {
  const ScenarioSpec spec =
      parseOk(withHead("timeline:\n"
                       "  - {at: 1s, partition: [[n1, n2], [n3, n4, n5]]}\n"
                       "  - {at: 2s, slow: {node: n2, factor: 5}}\n"
                       "  - {at: 3s, crash: n4}\n"
                       "  - {at: 4s, heal: true, restart: n4}\n"
                       "  - {at: 5s, slow: {node: n2, factor: 1}}\n"));
  EXPECT_TRUE(spec.warnings.empty()) << spec.warnings.front();
}

TEST(ScenarioWarningTest, ShippedScenariosHaveNoWarnings) {
  for (const auto& entry : std::filesystem::directory_iterator(std::string(RINGLAB_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    const Result<ScenarioSpec> spec = loadScenarioFile(entry.path().string());
    ASSERT_TRUE(spec.isOk()) << spec.status().message();
    EXPECT_TRUE(spec->warnings.empty()) << spec->warnings.front();
  }
}

TEST(TimelineEntryFormatTest, ALineShowsTheTimeEveryActionTheNarrationAndThePause) {
  TimelineEntry entry = timelineEntry(std::chrono::milliseconds(12'500), CrashAction{2});
  entry.actions.push_back(HealAction{});
  EXPECT_EQ(formatTimelineEntry(entry), "   12.500s  crash n3, heal");
  entry.say = "n3 goes down";
  entry.pause = true;
  EXPECT_EQ(formatTimelineEntry(entry), "   12.500s  crash n3, heal: n3 goes down  [pause]");
}

TEST(ScenarioParseTest, ABinaryFileIsRefusedWithWhereAndWhichByte) {
  const std::string text("name: x\nduration: 1s\xff\xfe\x01", 23);
  const auto spec = parse(text);
  ASSERT_FALSE(spec.isOk());
  EXPECT_EQ(spec.status().message().rfind("x.yaml:2:13: the file is not UTF-8 text (byte 20 is 0xff)", 0), 0u)
      << spec.status().message();
  const auto nul = parse(std::string("name: x\0", 8));
  ASSERT_FALSE(nul.isOk());
  EXPECT_NE(nul.status().message().find("byte 7 is a NUL byte"), std::string::npos) << nul.status().message();
  EXPECT_TRUE(parse("name: \"caf\xc3\xa9\"\nduration: 1s\n").isOk()) << "UTF-8 text is fine";
}

}  // namespace
}  // namespace ringlab
