// Every shipped scenario is a test: it runs headless and meets its own expectations, and the same seed gives the
// same trace.
#include <gtest/gtest.h>

#include <algorithm>
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
