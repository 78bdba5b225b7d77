// Every shipped scenario is a test: it runs headless and meets its own expectations, and the same seed gives the
// same trace.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> shippedScenarios() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(RINGLAB_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// tests/sim/shipped_trace_hashes.txt: "NAME HASH" lines, '#' comments.
std::map<std::string, std::string> recordedTraceHashes() {
  std::map<std::string, std::string> hashes;
  std::ifstream in(fs::path(RINGLAB_SOURCE_DIR) / "tests" / "sim" / "shipped_trace_hashes.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, hash;
    if (fields >> name >> hash) hashes[name] = hash;
  }
  return hashes;
}

std::string hex(std::uint64_t value) {
  std::ostringstream out;
  out << std::hex;
  out.width(16);
  out.fill('0');
  out << value;
  return out.str();
}

ScenarioSpec load(const std::string& name) {
  auto spec = loadScenarioFile((fs::path(RINGLAB_SOURCE_DIR) / "scenarios" / (name + ".yaml")).string());
  if (!spec) throw std::runtime_error(spec.status().toString());
  return std::move(*spec);
}

TEST(ScenarioRunnerTest, EveryAppliedTimelineEntryIsReportedNotOnlyNarratedOnes) {
  auto spec = parseScenario(
      "name: Faults without narration\n"
      "duration: 3s\n"
      "cluster: {nodes: 3}\n"
      "timeline:\n"
      "  - {at: 500ms, crash: n2}\n"
      "  - {at: 1s, restart: n2, say: n2 is back}\n"
      "  - {at: 2s, partition: [[n1], [n2, n3]]}\n",
      "inline.yaml");
  ASSERT_TRUE(spec.isOk()) << spec.status().message();
  std::vector<std::string> applied, narrated;
  ScenarioRunOptions options;
  options.onEntryApplied = [&](const TimelineEntry& e) { applied.push_back(formatTimelineEntry(e)); };
  options.onNarration = [&](const TimelineEntry& e) { narrated.push_back(formatTimelineEntry(e)); };
  ScenarioRunner runner(std::move(*spec), options);
  const ScenarioReport report = runner.run();
  const std::vector<std::string> expected = {"    0.500s  crash n2", "    1.000s  restart n2: n2 is back",
                                             "    2.000s  partition [n1] [n2 n3]"};
  EXPECT_EQ(applied, expected) << "seed " << report.seed;
  EXPECT_EQ(narrated, std::vector<std::string>{expected[1]}) << "seed " << report.seed;
}

// Five nodes, one workload-free cluster, and a timeline; the report's crash detections and detection_time.
ScenarioReport runWithTimeline(const std::string& timeline) {
  auto spec = parseScenario(
      "name: Detection\nduration: 20s\ncluster: {nodes: 5}\ntimeline:\n" + timeline + "expect: {detection_time: 15s}\n",
      "inline.yaml");
  if (!spec) throw std::runtime_error(spec.status().toString());
  return ScenarioRunner(std::move(*spec)).run();
}

TEST(ScenarioRunnerTest, DetectionTimeIsTheCrashToTheLastRunningNodesDownVerdict) {
  const ScenarioReport report = runWithTimeline("  - {at: 5s, crash: n3}\n");
  ASSERT_EQ(report.crashDetections.size(), 1u);
  const CrashDetection& d = report.crashDetections[0];
  EXPECT_EQ(d.node, NodeId{2});
  EXPECT_EQ(d.crashedAt, TimePoint{std::chrono::seconds(5)});
  EXPECT_EQ(d.observers, 4u);
  ASSERT_EQ(d.detectedAfter.size(), 4u);
  EXPECT_TRUE(std::is_sorted(d.detectedAfter.begin(), d.detectedAfter.end()));
  EXPECT_GT(d.detectedAfter.front(), std::chrono::seconds(1)) << "phi needs a silence of a few heartbeats";
  ASSERT_TRUE(d.allDetected());
  EXPECT_EQ(*d.allDetected(), d.detectedAfter.back());
  EXPECT_EQ(d.detectedBy(0.5), d.detectedAfter[1]);
  EXPECT_EQ(measureExpectation(ExpectMetric::kDetectionTime, report),
            static_cast<double>(d.detectedAfter.back().count()));
  ASSERT_EQ(report.expectations.size(), 1u);
  EXPECT_TRUE(report.expectations[0].passed) << report.expectations[0].text;
  EXPECT_NE(
      describeMeasured(ExpectMetric::kDetectionTime, measureExpectation(ExpectMetric::kDetectionTime, report), report)
          .find("every running node (4) marked n3 down within"),
      std::string::npos);
}

TEST(ScenarioRunnerTest, ACrashedNodeBackBeforeEveryVerdictLeavesDetectionUnbounded) {
  const ScenarioReport report = runWithTimeline("  - {at: 5s, crash: n3}\n  - {at: 5500ms, restart: n3}\n");
  ASSERT_EQ(report.crashDetections.size(), 1u);
  EXPECT_TRUE(report.crashDetections[0].detectedAfter.empty());
  EXPECT_FALSE(report.crashDetections[0].allDetected());
  EXPECT_TRUE(std::isinf(measureExpectation(ExpectMetric::kDetectionTime, report)));
  ASSERT_EQ(report.expectations.size(), 1u);
  EXPECT_FALSE(report.expectations[0].passed);
  const std::string described =
      describeMeasured(ExpectMetric::kDetectionTime, measureExpectation(ExpectMetric::kDetectionTime, report), report);
  EXPECT_NE(described.find("only 0 of the 4 running nodes marked n3 down"), std::string::npos) << described;
  // A failed claim points at the crash nobody finished noticing.
  EXPECT_EQ(report.expectations[0].lookAt, TimePoint{std::chrono::seconds(5)});
  EXPECT_EQ(report.expectations[0].lookAtText, "n3's crash, at 5.000s (0 of 4 running nodes marked it down)");
}

TEST(ScenarioRunnerTest, ANodeThatCrashesBeforeItsVerdictIsNotWaitedFor) {
  // n4 crashes a moment after n3, before any detector can have marked n3 down: three nodes are left to notice each.
  const ScenarioReport report = runWithTimeline("  - {at: 5s, crash: n3}\n  - {at: 5100ms, crash: n4}\n");
  ASSERT_EQ(report.crashDetections.size(), 2u);
  EXPECT_EQ(report.crashDetections[0].observers, 3u);
  EXPECT_EQ(report.crashDetections[1].observers, 3u);
  for (const CrashDetection& d : report.crashDetections) {
    EXPECT_EQ(d.detectedAfter.size(), 3u) << nodeName(d.node);
    EXPECT_TRUE(d.allDetected()) << nodeName(d.node);
  }
  EXPECT_TRUE(report.passed);
}

TEST(ScenarioRunnerTest, NodesThatAlreadyHeldTheCrashedNodeDownKnowAtOnce) {
  // n1 is cut off for 10 s, long enough for the others to mark it down, then crashes: no new verdict comes.
  const ScenarioReport report =
      runWithTimeline("  - {at: 2s, partition: [[n1], [n2, n3, n4, n5]]}\n  - {at: 12s, crash: n1}\n");
  ASSERT_EQ(report.crashDetections.size(), 1u);
  const CrashDetection& d = report.crashDetections[0];
  EXPECT_EQ(d.observers, 4u);
  EXPECT_EQ(d.detectedAfter, std::vector<Duration>(4, Duration{0}));
  EXPECT_EQ(d.allDetected(), Duration{0});
}

TEST(ScenarioRunnerTest, AWipedNodeIsNotWaitedForEither) {
  // n4 loses its disk (crash and restart with a fresh detector) before anyone marked n3 down.
  const ScenarioReport report = runWithTimeline("  - {at: 5s, crash: n3}\n  - {at: 5100ms, wipe: n4}\n");
  ASSERT_EQ(report.crashDetections.size(), 1u);
  EXPECT_EQ(report.crashDetections[0].observers, 3u);
  EXPECT_EQ(report.crashDetections[0].detectedAfter.size(), 3u);
  EXPECT_TRUE(report.crashDetections[0].allDetected());
}

class ShippedScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenarioTest, MeetsItsExpectations) {
  ScenarioSpec spec = load(GetParam());
  ASSERT_FALSE(spec.expectations.empty()) << "a shipped scenario states what it shows";
  ScenarioRunner runner(spec);
  const ScenarioReport report = runner.run();
  for (const auto& e : report.expectations) {
    EXPECT_TRUE(e.passed) << GetParam() << " (seed " << report.seed << "): " << e.text;
  }
  EXPECT_EQ(report.timelineEntriesSkipped, 0u);

  // The run itself is part of the interface: a change that alters it must say so by updating the record.
  const auto recorded = recordedTraceHashes();
  const auto it = recorded.find(GetParam());
  ASSERT_NE(it, recorded.end()) << "record this scenario's trace hash in tests/sim/shipped_trace_hashes.txt: "
                                << GetParam() << " " << hex(report.traceHash);
  EXPECT_EQ(it->second, hex(report.traceHash))
      << GetParam() << ": the run changed. If the change is meant to alter runs, update "
      << "tests/sim/shipped_trace_hashes.txt and name the scenario in the commit message.";
}

TEST_P(ShippedScenarioTest, SameSeedGivesSameTraceHash) {
  // A shortened run keeps this quick; the timeline up to the cut still applies.
  ScenarioRunOptions options;
  options.duration = std::min<Duration>(load(GetParam()).duration, std::chrono::seconds(8));
  ScenarioReport first = ScenarioRunner(load(GetParam()), options).run();
  ScenarioReport second = ScenarioRunner(load(GetParam()), options).run();
  EXPECT_EQ(first.traceHash, second.traceHash) << GetParam();
  EXPECT_EQ(first.history.staleReads, second.history.staleReads);
  options.seed = first.seed + 1;
  ScenarioReport other = ScenarioRunner(load(GetParam()), options).run();
  EXPECT_NE(first.traceHash, other.traceHash) << GetParam() << ": a different seed should give a different run";
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedScenarioTest, ::testing::ValuesIn(shippedScenarios()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace ringlab
