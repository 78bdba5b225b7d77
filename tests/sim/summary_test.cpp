// The scenario summary (terminal and app) and the JSON report carry the staleness figures of every timeline phase and
// the time at which P(fresh) reaches 99.9 %.
#include <ringlab/sim/summary.h>

#include <string>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kSeed = 5;

// R=W=1 for the first second, then R=W=2 (with a narration-only entry in between, which starts no phase).
constexpr std::string_view kTwoPhases = R"(name: Two phases
seed: 5
duration: 2s
cluster: {nodes: 5, replication: {n: 3, r: 1, w: 1}}
network: {latency: {dist: exponential, mean: 2ms}}
workload: {rate: 4000/s, read_ratio: 0.7, keys: {count: 20}}
timeline:
  - {at: 500ms, say: "Only words."}
  - {at: 1s, quorum: {r: 2, w: 2}}
staleness_bands: [1ms, 4ms, 16ms]
expect:
  fresh_999_after: {max: 1h}
)";

ScenarioReport runTwoPhases(ScenarioRunOptions options = {}) {
  auto spec = parseScenario(kTwoPhases, "two-phases.yaml");
  if (!spec) throw std::runtime_error(spec.status().toString());
  return ScenarioRunner(std::move(*spec), std::move(options)).run();
}

TEST(SummaryTest, ReportHasOnePhasePerInstantOfChangeWithItsActions) {
  const ScenarioReport report = runTwoPhases();
  const HistoryReport& h = report.history;
  ASSERT_EQ(h.phases.size(), 2u) << "seed " << kSeed;
  ASSERT_EQ(report.phaseChanges.size(), 2u);
  EXPECT_EQ(report.phaseChanges[0], "");
  EXPECT_EQ(report.phaseChanges[1], "quorum R=2 W=2");
  EXPECT_EQ(h.phases[1].from, TimePoint{1s});
  EXPECT_EQ(h.phases[0].successfulReads + h.phases[1].successfulReads, h.successfulReads);
  EXPECT_EQ(h.phases[0].staleReads + h.phases[1].staleReads, h.staleReads);
  EXPECT_GT(h.phases[0].staleReads, 0u) << "seed " << kSeed << ": R=W=1 should show stale reads";
  ASSERT_EQ(h.staleness.size(), 4u);  // the scenario's three edges
  EXPECT_EQ(h.staleness[1].from, 1ms);
  EXPECT_EQ(h.staleness[1].to, 4ms);
}

TEST(SummaryTest, SummaryTextShowsThePhasesAndTheFreshTargetTime) {
  const ScenarioReport report = runTwoPhases();
  const std::string text = formatScenarioSummary(report, RunSpeed{});
  EXPECT_NE(text.find("Staleness by phase"), std::string::npos) << text;
  EXPECT_NE(text.find("0s-1s"), std::string::npos) << text;
  EXPECT_NE(text.find("1s-2s"), std::string::npos) << text;
  EXPECT_NE(text.find("quorum R=2 W=2"), std::string::npos) << text;
  EXPECT_NE(text.find("1ms-4ms"), std::string::npos) << text;
  EXPECT_NE(text.find("16ms+"), std::string::npos) << text;
  EXPECT_NE(text.find("P(fresh) first reaches 99.9%"), std::string::npos) << text;
}

TEST(SummaryTest, JsonReportCarriesPhasesBandsAndTheFreshTargetTime) {
  const ScenarioReport report = runTwoPhases();
  const boost::json::value root = boost::json::parse(formatScenarioJson(report, RunSpeed{}));
  const auto& consistency = root.at("consistency").as_object();
  const auto& phases = consistency.at("phases").as_array();
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_EQ(phases[1].at("began_with").as_string(), "quorum R=2 W=2");
  EXPECT_DOUBLE_EQ(phases[1].at("from_s").to_number<double>(), 1.0);
  EXPECT_DOUBLE_EQ(phases[1].at("to_s").to_number<double>(), 2.0);
  EXPECT_EQ(phases[0].at("stale_reads").to_number<std::uint64_t>(), report.history.phases[0].staleReads);
  EXPECT_EQ(phases[0].at("staleness").as_array().size(), 4u);
  EXPECT_EQ(consistency.at("staleness").as_array().size(), 4u);
  ASSERT_TRUE(report.history.freshAfter);
  EXPECT_NEAR(consistency.at("fresh_999_after_ms").to_number<double>(),
              static_cast<double>(report.history.freshAfter->count()) / 1e6, 1e-9);
}

TEST(SummaryTest, FreshTargetTimeIsAnExpectationMetric) {
  const ScenarioReport report = runTwoPhases();
  ASSERT_TRUE(report.history.freshAfter);
  EXPECT_EQ(measureExpectation(ExpectMetric::kFreshAfter, report),
            static_cast<double>(report.history.freshAfter->count()));
  ASSERT_EQ(report.expectations.size(), 1u);
  EXPECT_TRUE(report.expectations[0].passed) << report.expectations[0].text;
  EXPECT_EQ(report.expectations[0].text.rfind("fresh_999_after = ", 0), 0u) << report.expectations[0].text;
}

TEST(SummaryTest, RunOptionsOverrideTheScenariosBands) {
  ScenarioRunOptions options;
  options.stalenessBands = std::vector<Duration>{10ms};
  const ScenarioReport report = runTwoPhases(options);
  ASSERT_EQ(report.history.staleness.size(), 2u);
  EXPECT_EQ(report.history.staleness[0].to, 10ms);
  EXPECT_EQ(report.history.phases[0].staleness.size(), 2u);
}

}  // namespace
}  // namespace ringlab
