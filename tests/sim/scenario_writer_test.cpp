// The scenario writer: every shipped scenario and a scenario using every feature are written, parsed back and give
// the same spec and the same run; and the live-changeable actions (workload keys, quorum N) parse, check and apply.
#include <ringlab/sim/scenario_writer.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// --- helpers ----------------------------------------------------------------------------------------------------

std::vector<std::string> shippedScenarios() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(RINGLAB_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

ScenarioSpec parseOk(std::string_view text) {
  Result<ScenarioSpec> result = parseScenario(text, "x.yaml");
  EXPECT_TRUE(result.isOk()) << result.status().message() << "\nin:\n" << text;
  return result.isOk() ? std::move(result).value() : ScenarioSpec{};
}

// Writes `spec`, parses the text back, and checks that writing the result gives the same text again.
ScenarioSpec roundTrip(const ScenarioSpec& spec) {
  const std::string text = writeScenario(spec);
  ScenarioSpec back = parseOk(text);
  EXPECT_EQ(writeScenario(back), text) << "writing the parsed spec changes the text";
  return back;
}

// Runs the first `length` of a scenario (the timeline up to then included) and returns the trace hash.
std::uint64_t traceHashOf(const ScenarioSpec& spec, Duration length) {
  ScenarioRunOptions options;
  options.duration = std::min(length, spec.duration);
  ScenarioRunner runner(spec, options);
  runner.runUntil(runner.end());
  return runner.simulation().traceHash();
}

std::vector<std::string> describeTimeline(const ScenarioSpec& spec) {
  std::vector<std::string> out;
  for (const TimelineEntry& entry : spec.timeline) {
    std::string line = formatScenarioDuration(entry.at.sinceStart) + ":";
    for (const ScenarioAction& action : entry.actions) line += " [" + describeAction(action) + "]";
    if (!entry.say.empty()) line += " say '" + entry.say + "'";
    if (entry.pause) line += " pause";
    if (entry.focus) {
      if (entry.focus->node) line += " focus " + nodeName(*entry.focus->node);
      if (entry.focus->key) line += " focus key " + *entry.focus->key;
      if (entry.focus->view) line += " focus view " + std::string(focusViewName(*entry.focus->view));
    }
    out.push_back(line);
  }
  return out;
}

void expectSameSpec(const ScenarioSpec& a, const ScenarioSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.duration, b.duration);
  EXPECT_EQ(a.cluster.seed, b.cluster.seed);
  EXPECT_EQ(a.cluster.nodes, b.cluster.nodes);
  EXPECT_EQ(a.cluster.quorum, b.cluster.quorum);
  EXPECT_EQ(a.cluster.ring.strategy, b.cluster.ring.strategy);
  EXPECT_EQ(a.cluster.network.latency.describe(), b.cluster.network.latency.describe());
  EXPECT_EQ(a.cluster.network.links.size(), b.cluster.network.links.size());
  ASSERT_EQ(a.workloads.size(), b.workloads.size());
  for (std::size_t i = 0; i < a.workloads.size(); ++i) {
    EXPECT_EQ(a.workloads[i].describe(), b.workloads[i].describe());
    EXPECT_EQ(a.workloads[i].start, b.workloads[i].start);
    EXPECT_EQ(a.workloads[i].stop, b.workloads[i].stop);
  }
  EXPECT_EQ(describeTimeline(a), describeTimeline(b));
  ASSERT_EQ(a.expectations.size(), b.expectations.size());
  for (std::size_t i = 0; i < a.expectations.size(); ++i) {
    EXPECT_EQ(a.expectations[i].metric, b.expectations[i].metric);
    EXPECT_EQ(a.expectations[i].min, b.expectations[i].min);
    EXPECT_EQ(a.expectations[i].max, b.expectations[i].max);
  }
  EXPECT_EQ(a.quiesce.limit, b.quiesce.limit);
  EXPECT_EQ(a.quiesce.checkEvery, b.quiesce.checkEvery);
  EXPECT_EQ(a.stalenessBands, b.stalenessBands);
}

// --- shipped scenarios ------------------------------------------------------------------------------------------

class ShippedScenarioWriterTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenarioWriterTest, WrittenAndParsedBackRunsTheSame) {
  const std::string path = (fs::path(RINGLAB_SOURCE_DIR) / "scenarios" / (GetParam() + ".yaml")).string();
  Result<ScenarioSpec> original = loadScenarioFile(path);
  ASSERT_TRUE(original.isOk()) << original.status().message();
  const ScenarioSpec back = roundTrip(*original);
  expectSameSpec(*original, back);
  EXPECT_EQ(traceHashOf(*original, 3s), traceHashOf(back, 3s))
      << GetParam() << " (seed " << original->cluster.seed << ")\n"
      << writeScenario(*original);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedScenarioWriterTest, ::testing::ValuesIn(shippedScenarios()),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// --- a scenario using every feature -----------------------------------------------------------------------------

TimelineEntry at(Duration when, std::vector<ScenarioAction> actions, std::string say = {}, bool pause = false) {
  TimelineEntry entry;
  entry.at = TimePoint{when};
  entry.actions = std::move(actions);
  entry.say = std::move(say);
  entry.pause = pause;
  return entry;
}

ScenarioSpec everyFeature() {
  ScenarioSpec spec;
  spec.name = "Every feature: a, b # c";
  spec.description = "Two lines: here\nand \"here\".\n";
  spec.duration = 20s;
  SimulationConfig& c = spec.cluster;
  c.seed = 987654321;
  c.nodes = 5;
  c.ring = {PlacementStrategy::kPartitions, 16, 96};
  c.quorum = {3, 1, 3};
  c.requestTimeout = 1500us;
  c.coresPerNode = 3;
  c.cpuCostPerMessage = 0s;
  c.storage.maxValueBytes = 3 << 20;
  c.storage.maxKeyBytes = 1000;
  c.clockSkew = {0ms, 50ms, -20ms, 0ms, 1ns};
  c.mechanisms.gossipInterval = 750ms;
  c.mechanisms.failureDetector = false;
  c.mechanisms.detector.threshold = 9.5;
  c.mechanisms.hintedHandoff = false;
  c.mechanisms.maxHints = 77;
  c.mechanisms.readRepairProbability = 0.1;
  c.mechanisms.antiEntropy = false;
  NetworkConfig& n = c.network;
  n.latency = LatencyDistribution::mixture(
                  {{0.9, LatencyDistribution::constant(1ms)}, {0.1, LatencyDistribution::pareto(5ms, 1.5).plus(250us)}})
                  .plus(100us);
  n.latencyByKind[static_cast<std::size_t>(MessageKind::kGossip)] = LatencyDistribution::constant(3ms);
  n.latencyByKind[static_cast<std::size_t>(MessageKind::kAeTree)] = LatencyDistribution::normal(2ms, 300us);
  n.loss = 0.001;
  n.duplication = 1.0 / 3.0;
  n.links[{0, 1}] = {LatencyDistribution::lognormal(2ms, 0.7), 0.05};
  n.links[{1, 0}] = {LatencyDistribution::lognormal(2ms, 0.7), 0.05};
  n.links[{2, 3}] = {LatencyDistribution::uniform(1ms, 4ms), std::nullopt};
  n.links[{3, 2}] = {std::nullopt, 0.2};

  WorkloadConfig open;
  open.ratePerSecond = 123.456;
  open.readRatio = 0.7;
  open.deleteRatio = 0.1;
  open.keys = KeyDistribution::zipfian(5000, 1.1, false);
  open.valueBytesMin = 10;
  open.valueBytesMax = 2048;
  open.routing = Routing::kTokenAware;
  spec.workloads.push_back(open);
  WorkloadConfig closed;
  closed.model = LoadModel::kClosedLoop;
  closed.clients = 3;
  closed.thinkTime = 20ms;
  closed.keys = KeyDistribution::hotspot(300, 0.05, 0.8);
  closed.start = TimePoint{2s};
  closed.stop = TimePoint{15s};
  closed.routing = Routing::kProxy;
  spec.workloads.push_back(closed);

  LinkAction link;
  link.from = 0;
  link.to = 2;
  link.bothWays = false;
  link.latency = LatencyDistribution::exponential(7ms);
  link.loss = 0.25;
  NetworkAction network;
  network.latency = LatencyDistribution::uniform(1ms, 2ms).plus(1ms);
  network.loss = 0.01;
  NetworkAction duplicating;
  duplicating.duplication = 0.05;
  WorkloadAction workload;
  workload.ratePerSecond = 80;
  workload.readRatio = 0.5;
  workload.deleteRatio = 0.05;
  workload.keys = KeyDistribution::hotspot(100, 0.1, 0.9);
  WorkloadAction keysOnly;
  keysOnly.keys = KeyDistribution::uniform(42);
  keysOnly.routing = Routing::kRandom;
  spec.timeline = {
      at(1s, {CrashAction{2}}, "n3 goes: down", true),
      at(2s, {RestartAction{2, true}}),
      at(2500ms, {WipeAction{1}}),
      at(3s, {PartitionAction{{{0, 1}, {2, 3, 4}}}}),
      at(4s, {HealAction{}, CutLinkAction{0, 1}}),
      at(5s, {link, network, SlowNodeAction{3, 10}}),
      at(6s, {workload, QuorumAction{2, 2, 5}}),
      at(7s, {keysOnly, QuorumAction{std::nullopt, 1, std::nullopt}}),
      at(8s, {AddNodeAction{}}),
      at(9s, {QuorumAction{3, 3, 6}, SlowNodeAction{3, 1}}),
      at(10s, {}, "", true),
      at(11s, {CrashAction{3}, RemoveNodeAction{3}}),
      at(12s, {DecommissionAction{5}}),
      at(13s, {}, "Only words."),
      at(13500ms, {ClockAction{1, -80ms}, duplicating}),
      at(13600ms, {ClockAction{2, 1500us}}),
      at(13750ms, {ClockAction{1, 0ms}}),
  };
  spec.expectations = {
      {ExpectMetric::kLostWrites, std::nullopt, 0, {}},
      {ExpectMetric::kAvailability, 0.5, std::nullopt, {}},
      {ExpectMetric::kGetP99, std::nullopt, 2e7, {}},
      {ExpectMetric::kConvergenceTime, 1e6, std::nullopt, {}},
      {ExpectMetric::kThroughput, 1, 1e6, {}},
      {ExpectMetric::kStaleReadRate, std::nullopt, 0.25, {}},
      {ExpectMetric::kFreshAfter, std::nullopt, 5e6, {}},
      {ExpectMetric::kUnexplainedLostWrites, std::nullopt, 0, {}},
      {ExpectMetric::kInventedValues, std::nullopt, 0, {}},
      {ExpectMetric::kMembershipDisagreements, std::nullopt, 0, {}},
  };
  spec.stalenessBands = {250us, 1500us, 1s};
  spec.quiesce.limit = 5s;
  spec.quiesce.checkEvery = 50ms;
  return spec;
}

TEST(ScenarioWriterTest, ScenarioWithEveryFeatureRoundTrips) {
  const ScenarioSpec spec = everyFeature();
  ASSERT_TRUE(spec.cluster.validate().isOk()) << spec.cluster.validate().message();
  const ScenarioSpec back = roundTrip(spec);
  expectSameSpec(spec, back);

  const SimulationConfig& c = back.cluster;
  EXPECT_EQ(c.seed, 987654321u);
  EXPECT_EQ(c.ring.partitions, 96u);
  EXPECT_EQ(c.requestTimeout, 1500us);
  EXPECT_EQ(c.coresPerNode, 3u);
  EXPECT_EQ(c.cpuCostPerMessage, 0s);
  EXPECT_EQ(c.storage.maxValueBytes, 3u << 20);
  EXPECT_EQ(c.storage.maxKeyBytes, 1000u);
  EXPECT_EQ(c.clockSkew, (std::vector<Duration>{0ms, 50ms, -20ms, 0ms, 1ns}));
  EXPECT_EQ(c.mechanisms.gossipInterval, 750ms);
  EXPECT_FALSE(c.mechanisms.failureDetector);
  EXPECT_EQ(c.mechanisms.detector.threshold, 9.5);
  EXPECT_FALSE(c.mechanisms.hintedHandoff);
  EXPECT_EQ(c.mechanisms.maxHints, 77u);
  EXPECT_EQ(c.mechanisms.readRepairProbability, 0.1);
  EXPECT_FALSE(c.mechanisms.antiEntropy);
  EXPECT_TRUE(c.mechanisms.gossip);
  EXPECT_EQ(c.network.duplication, 1.0 / 3.0);
  EXPECT_EQ(c.network.loss, 0.001);
  ASSERT_EQ(c.network.links.size(), 4u);
  EXPECT_FALSE(c.network.links.at({2, 3}).loss);
  EXPECT_FALSE(c.network.links.at({3, 2}).latency);
  EXPECT_EQ(c.network.links.at({3, 2}).loss, 0.2);
  EXPECT_TRUE(c.network.latencyByKind[static_cast<std::size_t>(MessageKind::kAeTree)].has_value());

  EXPECT_EQ(back.workloads[0].ratePerSecond, 123.456);
  EXPECT_EQ(back.workloads[0].keys.shape(), KeyDistribution::Shape::kZipfian);
  EXPECT_EQ(back.workloads[0].keys.theta(), 1.1);
  EXPECT_FALSE(back.workloads[0].keys.scrambled());
  EXPECT_EQ(back.workloads[1].keys.hotKeyFraction(), 0.05);
  EXPECT_EQ(back.workloads[1].thinkTime, 20ms);
  EXPECT_EQ(back.workloads[0].routing, Routing::kTokenAware);
  EXPECT_EQ(back.workloads[1].routing, Routing::kProxy);
  EXPECT_EQ(std::get<WorkloadAction>(back.timeline[7].actions[0]).routing, Routing::kRandom);
  EXPECT_FALSE(std::get<WorkloadAction>(back.timeline[6].actions[0]).routing.has_value());

  const auto& changed = std::get<WorkloadAction>(back.timeline[6].actions[0]);
  ASSERT_TRUE(changed.keys.has_value());
  EXPECT_EQ(changed.keys->describe(), KeyDistribution::hotspot(100, 0.1, 0.9).describe());
  const auto& quorum = std::get<QuorumAction>(back.timeline[6].actions[1]);
  EXPECT_EQ(quorum.n, 5u);
  EXPECT_EQ(quorum.r, 2u);
  EXPECT_EQ(quorum.w, 2u);
  EXPECT_TRUE(back.timeline[0].pause);
  EXPECT_EQ(back.timeline[0].say, "n3 goes: down");
  EXPECT_TRUE(back.timeline[10].actions.empty());
  EXPECT_TRUE(back.timeline[10].pause);

  EXPECT_EQ(traceHashOf(spec, 14s), traceHashOf(back, 14s)) << "seed " << spec.cluster.seed;
}

// tombstone_gc is off unless given, and a mapping turns it on unless it says otherwise; what is written reads back
// the same in every combination.
TEST(ScenarioWriterTest, TombstoneCollectionReadsAndRoundTripsInEveryForm) {
  const auto mechanisms = [](std::string_view value) {
    return parseOk("name: T\nduration: 2s\ncluster:\n  mechanisms:\n    tombstone_gc: " + std::string(value) + "\n")
        .cluster.mechanisms;
  };
  EXPECT_FALSE(parseOk("name: T\nduration: 2s\n").cluster.mechanisms.tombstoneGc);
  const MechanismConfig on = mechanisms("{grace: 10s}");
  EXPECT_TRUE(on.tombstoneGc);
  EXPECT_EQ(on.tombstoneGrace, 10s);
  EXPECT_TRUE(mechanisms("true").tombstoneGc);
  EXPECT_EQ(mechanisms("true").tombstoneGrace, std::chrono::hours(240));
  const MechanismConfig off = mechanisms("{enabled: false, grace: 1h}");
  EXPECT_FALSE(off.tombstoneGc);
  EXPECT_EQ(off.tombstoneGrace, 1h);
  for (const std::string_view form : {"{grace: 10s}", "true", "{enabled: false, grace: 1h}", "false"}) {
    ScenarioSpec spec = parseOk("name: T\nduration: 2s\ncluster:\n  mechanisms:\n    tombstone_gc: " + std::string(form) + "\n");
    const ScenarioSpec back = roundTrip(spec);
    EXPECT_EQ(back.cluster.mechanisms.tombstoneGc, spec.cluster.mechanisms.tombstoneGc) << form;
    EXPECT_EQ(back.cluster.mechanisms.tombstoneGrace, spec.cluster.mechanisms.tombstoneGrace) << form;
  }
  const Result<ScenarioSpec> zero =
      parseScenario("name: T\nduration: 2s\ncluster:\n  mechanisms:\n    tombstone_gc: {grace: 0s}\n", "x.yaml");
  ASSERT_FALSE(zero.isOk());
  EXPECT_NE(zero.status().message().find("x.yaml:5"), std::string::npos) << zero.status().message();
}

TEST(ScenarioWriterTest, SwimSettingsRoundTripAndATooLongProbeTimeoutIsRefused) {
  ScenarioSpec spec = parseOk(
      "name: s\nduration: 5s\ncluster:\n  nodes: 20\n  mechanisms:\n    gossip: {interval: 2s}\n"
      "    failure_detector: {protocol: swim, probe_timeout: 300ms, indirect_probes: 5, suspicion_multiplier: 2.5,"
      " retransmit_multiplier: 3, sync_interval: 10s}\nworkload: {rate: 10/s}\n");
  const MechanismConfig& m = spec.cluster.mechanisms;
  EXPECT_EQ(m.detection, DetectionProtocol::kSwim);
  EXPECT_EQ(m.swim.probeTimeout, 300ms);
  EXPECT_EQ(m.swim.indirectProbes, 5u);
  EXPECT_EQ(m.swim.suspicionMultiplier, 2.5);
  EXPECT_EQ(m.swim.retransmitMultiplier, 3u);
  EXPECT_EQ(m.swim.syncInterval, 10s);
  const ScenarioSpec back = roundTrip(spec);
  EXPECT_EQ(back.cluster.mechanisms.detection, DetectionProtocol::kSwim);
  EXPECT_EQ(back.cluster.mechanisms.swim.syncInterval, 10s);
  EXPECT_NE(writeScenario(spec).find("protocol: swim"), std::string::npos);

  const auto refused = parseScenario(
      "name: s\nduration: 5s\ncluster:\n  mechanisms:\n    failure_detector: {protocol: swim, probe_timeout: 900ms}\n"
      "workload: {rate: 10/s}\n",
      "x.yaml");
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.status().message().find("probe_timeout must be shorter than 80% of the gossip interval"),
            std::string::npos)
      << refused.status().message();
  const auto unknown = parseScenario(
      "name: s\nduration: 5s\ncluster:\n  mechanisms:\n    failure_detector: {protocol: gossip}\n"
      "workload: {rate: 10/s}\n",
      "x.yaml");
  ASSERT_FALSE(unknown.isOk());
  EXPECT_NE(unknown.status().message().find("phi_accrual or swim"), std::string::npos) << unknown.status().message();
}

TEST(ScenarioWriterTest, ShuffledTiesRoundTripWithTheirSeed) {
  for (std::uint64_t tieSeed : {0u, 5u}) {
    ScenarioSpec spec = parseOk("name: Ties\nduration: 2s\n");
    spec.cluster.shuffleTies = true;
    spec.cluster.tieSeed = tieSeed;
    const ScenarioSpec back = roundTrip(spec);
    EXPECT_TRUE(back.cluster.shuffleTies) << "tie seed " << tieSeed;
    EXPECT_EQ(back.cluster.tieSeed, tieSeed);
  }
  EXPECT_EQ(writeScenario(parseOk("name: Fifo\nduration: 2s\n")).find("shuffle_ties"), std::string::npos);
}

TEST(ScenarioWriterTest, WritesDurationsInTheLargestExactUnit) {
  ScenarioSpec spec;
  spec.name = "Units";
  spec.duration = 90s;
  spec.cluster.requestTimeout = 1500us;
  spec.quiesce.limit = 2min;
  spec.quiesce.checkEvery = 1001ns;
  const std::string text = writeScenario(spec);
  EXPECT_NE(text.find("duration: 90s"), std::string::npos) << text;
  EXPECT_NE(text.find("request_timeout: 1500us"), std::string::npos) << text;
  EXPECT_NE(text.find("limit: 2m"), std::string::npos) << text;
  EXPECT_NE(text.find("check_every: 1001ns"), std::string::npos) << text;
  const ScenarioSpec back = roundTrip(spec);
  EXPECT_EQ(back.quiesce.checkEvery, 1001ns);
}

TEST(ScenarioWriterTest, WritesStalenessBandsOnlyWhenTheyDifferFromTheDefault) {
  ScenarioSpec spec;
  spec.name = "Bands";
  spec.duration = 10s;
  EXPECT_EQ(writeScenario(spec).find("staleness_bands"), std::string::npos);
  spec.stalenessBands = {500us, 2ms, 1s};
  const std::string text = writeScenario(spec);
  EXPECT_NE(text.find("staleness_bands: [500us, 2ms, 1s]"), std::string::npos) << text;
  EXPECT_EQ(roundTrip(spec).stalenessBands, spec.stalenessBands);
}

TEST(ScenarioWriterTest, RepeatedActionKindsAtOneInstantKeepTheirOrder) {
  ScenarioSpec spec;
  spec.name = "Two crashes";
  spec.duration = 5s;
  spec.workloads.push_back(WorkloadConfig{});
  spec.timeline = {at(1s, {CrashAction{0}, CrashAction{1}, RestartAction{0}}, "both go")};
  const ScenarioSpec back = roundTrip(spec);
  ASSERT_EQ(back.timeline.size(), 2u);
  EXPECT_EQ(describeTimeline(back),
            (std::vector<std::string>{"1s: [crash n1] say 'both go'", "1s: [crash n2] [restart n1]"}));
  EXPECT_EQ(traceHashOf(spec, 3s), traceHashOf(back, 3s));
}

TEST(ScenarioWriterTest, NarrationFocusRoundTrips) {
  ScenarioSpec spec;
  spec.name = "Focus";
  spec.duration = 5s;
  spec.cluster.nodes = 7;
  TimelineEntry look = at(1s, {}, "Look at n7's fibers.");
  look.focus = NarrationFocus{6, std::nullopt, FocusView::kFibers, std::nullopt};
  TimelineEntry onlyFocus = at(2s, {}, "");
  onlyFocus.focus = NarrationFocus{std::nullopt, "key:00000042", FocusView::kRing, FocusChart::kStaleness};
  spec.timeline = {look, onlyFocus};
  const std::string text = writeScenario(spec);
  EXPECT_NE(text.find("focus: {node: n7, view: fibers}"), std::string::npos) << text;
  const ScenarioSpec back = roundTrip(spec);
  ASSERT_EQ(back.timeline.size(), 2u);
  EXPECT_EQ(back.timeline[0].focus, look.focus);
  EXPECT_EQ(back.timeline[1].focus, onlyFocus.focus);
  EXPECT_TRUE(back.timeline[1].say.empty()) << "a focus alone needs no empty say";
  EXPECT_EQ(describeTimeline(back), describeTimeline(spec));
}

TEST(ScenarioWriterTest, StringsThatLookLikeOtherYamlStayStrings) {
  for (const std::string name : {"null", "~", "true", "123", "- item", "a: b", "#hash", " padded ", "[x]", "'q'"}) {
    ScenarioSpec spec;
    spec.name = name;
    spec.description = name;
    spec.duration = 1s;
    spec.timeline = {at(0s, {}, name)};
    const ScenarioSpec back = roundTrip(spec);
    EXPECT_EQ(back.name, name);
    EXPECT_EQ(back.description, name);
    ASSERT_EQ(back.timeline.size(), 1u);
    EXPECT_EQ(back.timeline[0].say, name);
  }
}

// --- the live-changeable actions --------------------------------------------------------------------------------

constexpr std::string_view kHead = "name: T\nduration: 60s\nworkload: {rate: 100/s}\n";

std::string withHead(std::string_view rest) { return std::string(kHead) + std::string(rest); }

std::string errorOf(std::string_view text) {
  const Result<ScenarioSpec> result = parseScenario(text, "x.yaml");
  return result.isOk() ? std::string("(accepted)") : result.status().message();
}

TEST(ScenarioWriterTest, WorkloadActionTakesAKeysBlock) {
  const ScenarioSpec spec = parseOk(withHead(
      "timeline:\n  - {at: 1s, workload: {keys: {count: 50, distribution: zipf, theta: 1.2, scrambled: false}}}\n"
      "  - {at: 2s, workload: {rate: 10/s, keys: {count: 7}}}\n"));
  const auto& first = std::get<WorkloadAction>(spec.timeline[0].actions[0]);
  ASSERT_TRUE(first.keys.has_value());
  EXPECT_EQ(first.keys->shape(), KeyDistribution::Shape::kZipfian);
  EXPECT_EQ(first.keys->count(), 50u);
  EXPECT_EQ(first.keys->theta(), 1.2);
  EXPECT_FALSE(first.keys->scrambled());
  EXPECT_FALSE(first.ratePerSecond.has_value());
  const auto& second = std::get<WorkloadAction>(spec.timeline[1].actions[0]);
  EXPECT_EQ(second.keys->shape(), KeyDistribution::Shape::kUniform);
  EXPECT_EQ(second.keys->count(), 7u);
  EXPECT_EQ(describeAction(second), "workload: rate 10/s, keys uniform(7 keys)");
}

TEST(ScenarioWriterTest, BadWorkloadKeysAreRejectedWithWhereAndWhat) {
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, workload: {keys: {count: 0}}}\n")),
            "x.yaml:5:39: timeline[0].workload.keys.count: expected a whole number from 1 to 100000000, got '0'");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, workload: {keys: {theta: 2}}}\n")),
            "x.yaml:5:39: timeline[0].workload.keys.theta: only applies to 'distribution: zipf'; these keys are "
            "uniform");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, workload: {keys: zipf}}\n")),
            "x.yaml:5:31: timeline[0].workload.keys: expected a mapping such as {count: 10000, distribution: zipf}, "
            "got 'zipf'");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, workload: {}}\n")),
            "x.yaml:5:24: timeline[0].workload: expected at least one of rate, read_ratio, delete_ratio, keys or "
            "routing, got none");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, workload: {key: {count: 5}}}\n")),
            "x.yaml:5:25: timeline[0].workload.key: unknown key (did you mean 'keys'?); expected one of rate, "
            "read_ratio, delete_ratio, keys, routing");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, workload: {routing: token-aware}}\n")),
            "x.yaml:5:34: timeline[0].workload.routing: expected random, token_aware or proxy, got 'token-aware'");
}

TEST(ScenarioWriterTest, QuorumActionTakesNUpToTheRunningNodes) {
  const ScenarioSpec spec =
      parseOk(withHead("timeline:\n  - {at: 1s, quorum: {n: 5, r: 3, w: 3}}\n  - {at: 2s, quorum: {r: 5}}\n"
                       "  - {at: 3s, add_node: true}\n  - {at: 4s, quorum: {n: 6}}\n  - {at: 5s, quorum: {n: 1, r: 1, "
                       "w: 1}}\n"));
  const auto& q = std::get<QuorumAction>(spec.timeline[0].actions[0]);
  EXPECT_EQ(q.n, 5u);
  EXPECT_EQ(describeAction(q), "quorum N=5 R=3 W=3");
  EXPECT_EQ(std::get<QuorumAction>(spec.timeline[3].actions[0]).n, 6u);
}

TEST(ScenarioWriterTest, BadQuorumNIsRejectedWithWhereAndWhat) {
  // More replicas than running nodes: n5 is down at 2s.
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, crash: n5}\n  - {at: 2s, quorum: {n: 5}}\n")),
            "x.yaml:6:26: timeline[1].quorum.n: N (5) must be between 1 and the number of nodes running at 2s (4)");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, quorum: {n: 0}}\n")),
            "x.yaml:5:26: timeline[0].quorum.n: N (0) must be between 1 and the number of nodes running at 1s (5)");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, quorum: {n: 6}}\n")),
            "x.yaml:5:26: timeline[0].quorum.n: N (6) must be between 1 and the number of nodes running at 1s (5)");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, quorum: {n: 2, r: 3}}\n")),
            "x.yaml:5:32: timeline[0].quorum.r: R (3) must be between 1 and N (2)");
  // R and W stay 2 (a majority of the cluster's N = 3): N = 1 alone would break R <= N.
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, quorum: {n: 1, r: 1}}\n")),
            "x.yaml:5:26: timeline[0].quorum.n: N (1) is smaller than W (2), which is in force at 1s; set w as well");
  // The N in force is the one the timeline set last, in time order (the file order here is not).
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 2s, quorum: {w: 5}}\n  - {at: 1s, quorum: {n: 4}}\n")),
            "x.yaml:5:26: timeline[0].quorum.w: W (5) must be between 1 and N (4)");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, quorum: {n: five}}\n")),
            "x.yaml:5:26: timeline[0].quorum.n: expected a whole number, got 'five'");
  EXPECT_EQ(errorOf(withHead("timeline:\n  - {at: 1s, quorum: {}}\n")),
            "x.yaml:5:22: timeline[0].quorum: expected at least one of n, r or w, got none");
}

TEST(ScenarioWriterTest, LiveKeyAndQuorumChangesApplyAndReplay) {
  ScenarioSpec spec =
      parseOk(withHead("cluster: {nodes: 5}\n"
                       "timeline:\n  - {at: 1s, workload: {keys: {count: 1}}, quorum: {n: 5, r: 1, w: 5}}\n"));
  spec.duration = 3s;
  ScenarioRunner runner(spec);
  runner.runUntil(TimePoint{1100ms});
  EXPECT_EQ(runner.simulation().config().quorum, (QuorumConfig{5, 1, 5}));
  EXPECT_EQ(runner.simulation().workload(0).keys.count(), 1u);
  runner.runUntil(runner.end());
  std::size_t after = 0;
  for (const HistoryEntry& op : runner.history()) {
    if (op.invoked < TimePoint{1s}) continue;
    ++after;
    EXPECT_EQ(op.key, keyName(0));
  }
  EXPECT_GT(after, 50u);
  EXPECT_EQ(traceHashOf(spec, 3s), traceHashOf(spec, 3s)) << "seed " << spec.cluster.seed;
}

TEST(ScenarioWriterTest, SetWorkloadKeysIsDeterministic) {
  const auto run = [](std::uint64_t seed) {
    SimulationConfig config;
    config.seed = seed;
    Simulation sim(config);
    WorkloadConfig w;
    w.ratePerSecond = 500;
    sim.addWorkload(w);
    sim.runFor(500ms);
    sim.setWorkloadKeys(0, KeyDistribution::zipfian(100, 0.99));
    sim.setWorkloadKeys(7, KeyDistribution::uniform(3));  // no such workload: ignored
    sim.runFor(500ms);
    return sim.traceHash();
  };
  for (std::uint64_t seed : {1u, 2u, 3u}) EXPECT_EQ(run(seed), run(seed)) << "seed " << seed;
}

}  // namespace
}  // namespace ringlab

namespace ringlab {
namespace {

// Every lesson of the course: written and read back, its questions, reveals, challenge, notes and lesson information
// are the same (so a lesson exported from the app keeps what makes it a lesson).
TEST(ScenarioWriterTest, LessonsRoundTripWithTheirQuestionsAndChallenge) {
  std::size_t lessons = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(RINGLAB_SOURCE_DIR) / "scenarios" / "course")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    ++lessons;
    auto spec = loadScenarioFile(entry.path().string());
    ASSERT_TRUE(spec.isOk()) << spec.status().message();
    const ScenarioSpec back = roundTrip(*spec);
    ASSERT_EQ(back.questions.size(), spec->questions.size());
    for (std::size_t i = 0; i < back.questions.size(); ++i) {
      const Question& a = spec->questions[i];
      const Question& b = back.questions[i];
      EXPECT_EQ(a.id, b.id);
      EXPECT_EQ(a.text, b.text);
      EXPECT_EQ(a.hint, b.hint);
      EXPECT_EQ(a.explanation, b.explanation);
      EXPECT_EQ(a.measure, b.measure);
      EXPECT_EQ(a.answer, b.answer);
      EXPECT_EQ(a.tolerance, b.tolerance);
      EXPECT_EQ(a.askedAt, b.askedAt);
      EXPECT_EQ(a.revealAt, b.revealAt);
      ASSERT_EQ(a.choices.size(), b.choices.size());
      for (std::size_t c = 0; c < a.choices.size(); ++c) {
        EXPECT_EQ(a.choices[c].text, b.choices[c].text);
        EXPECT_EQ(a.choices[c].min, b.choices[c].min);
        EXPECT_EQ(a.choices[c].max, b.choices[c].max);
        EXPECT_EQ(a.choices[c].correct, b.choices[c].correct);
      }
    }
    EXPECT_EQ(back.notes, spec->notes);
    ASSERT_TRUE(back.lesson.has_value());
    EXPECT_EQ(back.lesson->teaches, spec->lesson->teaches);
    EXPECT_EQ(back.lesson->minutes, spec->lesson->minutes);
    EXPECT_EQ(back.lesson->summary, spec->lesson->summary);
    ASSERT_EQ(back.challenge.has_value(), spec->challenge.has_value());
    if (spec->challenge) {
      EXPECT_EQ(back.challenge->text, spec->challenge->text);
      EXPECT_EQ(back.challenge->solution, spec->challenge->solution);
      ASSERT_EQ(back.challenge->knobs.size(), spec->challenge->knobs.size());
      for (std::size_t k = 0; k < back.challenge->knobs.size(); ++k) {
        EXPECT_EQ(back.challenge->knobs[k].path, spec->challenge->knobs[k].path);
        EXPECT_EQ(back.challenge->knobs[k].min, spec->challenge->knobs[k].min);
        EXPECT_EQ(back.challenge->knobs[k].max, spec->challenge->knobs[k].max);
        EXPECT_EQ(back.challenge->knobs[k].choices, spec->challenge->knobs[k].choices);
      }
      EXPECT_EQ(back.challenge->goals.size(), spec->challenge->goals.size());
    }
    ASSERT_EQ(back.timeline.size(), spec->timeline.size());
    for (std::size_t i = 0; i < back.timeline.size(); ++i) {
      EXPECT_EQ(back.timeline[i].ask, spec->timeline[i].ask);
      EXPECT_EQ(back.timeline[i].reveals, spec->timeline[i].reveals);
      EXPECT_EQ(back.timeline[i].notes, spec->timeline[i].notes);
    }
  }
  EXPECT_GE(lessons, 12u);
}

}  // namespace
}  // namespace ringlab
