// The fault campaign's generator and its oracles: every fault kind is drawn, each seed says which, and each bug a
// node can be given on purpose (InjectedBug) makes the campaign fail within a bounded number of seeds, so a passing
// campaign means something. A failing seed is replayed with `ringlab-sim campaign --seed N [--inject-bug NAME]`.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include <ringlab/sim/campaign.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

bool expects(const ScenarioSpec& spec, ExpectMetric metric) {
  for (const Expectation& e : spec.expectations) {
    if (e.metric == metric && e.max == 0.0) return true;
  }
  return false;
}

TEST(CampaignTest, SixtySeedsDrawEveryKindOfFaultAndEachSeedSaysWhichItDrew) {
  std::set<std::string_view> drawn;
  std::size_t strict = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const ScenarioSpec spec = faultCampaignScenario(seed);
    const auto faults = campaignFaults(spec);
    std::size_t total = 0;
    for (const auto& [kind, count] : faults) {
      drawn.insert(kind);
      total += count;
      EXPECT_NE(spec.description.find(std::string(kind) + " " + std::to_string(count)), std::string::npos)
          << "seed " << seed << ": the description names " << kind << "\n" << spec.description;
    }
    EXPECT_GE(total, 3u) << "seed " << seed << " is eventful: " << formatCampaignFaults(spec);
    if (!spec.cluster.mechanisms.hintedHandoff) {
      ++strict;
      // Strict quorums: stale reads are a bug, and nothing that moves or loses replicas is drawn.
      EXPECT_TRUE(expects(spec, ExpectMetric::kStaleReads)) << "seed " << seed;
      for (const auto& [kind, count] : faults) {
        EXPECT_TRUE(kind != "wipe (disk lost)" && kind != "restart with wiped disk" && kind != "join" &&
                    kind != "decommission" && kind != "quorum change")
            << "seed " << seed << " is strict but drew " << kind;
      }
    } else {
      EXPECT_FALSE(expects(spec, ExpectMetric::kStaleReads)) << "seed " << seed;
    }
    for (ExpectMetric oracle : {ExpectMetric::kUnexplainedLostWrites, ExpectMetric::kDivergentKeys,
                                ExpectMetric::kMembershipDisagreements, ExpectMetric::kInventedValues}) {
      EXPECT_TRUE(expects(spec, oracle)) << "seed " << seed << " lacks " << expectMetricName(oracle);
    }
  }
  const std::vector<std::string_view> kinds = campaignFaultKinds();
  for (std::string_view kind : kinds) EXPECT_TRUE(drawn.count(kind)) << "no seed drew " << kind;
  EXPECT_GE(strict, 10u);
  EXPECT_LE(strict, 30u);
}

TEST(CampaignTest, TheSiblingsCampaignDrawsTheSameFaultsButNoDiskLoss) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const ScenarioSpec lww = faultCampaignScenario(seed);
    const ScenarioSpec siblings = faultCampaignScenario(seed, ConflictMode::kSiblings);
    // The same timeline, without the in-place wipes and with every restart keeping its disk.
    std::vector<std::string> expected, got;
    for (const TimelineEntry& entry : lww.timeline) {
      for (const ScenarioAction& action : entry.actions) {
        if (std::holds_alternative<WipeAction>(action)) continue;
        ScenarioAction kept = action;
        if (auto* restart = std::get_if<RestartAction>(&kept)) restart->wipe = false;
        expected.push_back(formatScenarioDuration(entry.at.sinceStart) + " " + describeAction(kept));
      }
    }
    for (const TimelineEntry& entry : siblings.timeline) {
      for (const ScenarioAction& action : entry.actions) {
        got.push_back(formatScenarioDuration(entry.at.sinceStart) + " " + describeAction(action));
      }
    }
    EXPECT_EQ(got, expected) << "seed " << seed;
  }
}

// Mutation tests of the checker: each bug, given to every node, must fail the campaign within a few seeds. A seed
// that fails is replayable with its number and the bug's name.
class InjectedBugTest : public ::testing::TestWithParam<InjectedBug> {};

TEST_P(InjectedBugTest, TheCampaignCatchesItWithinABoundedNumberOfSeeds) {
  const InjectedBug bug = GetParam();
  constexpr std::uint64_t kSeeds = 20;
  std::optional<std::uint64_t> caught;
  std::string what;
  for (std::uint64_t seed = 1; seed <= kSeeds && !caught; ++seed) {
    ScenarioSpec spec = faultCampaignScenario(seed);
    spec.cluster.injectedBug = bug;
    const ScenarioReport report = ScenarioRunner(std::move(spec)).run();
    if (report.passed) continue;
    caught = seed;
    for (const ExpectationResult& e : report.expectations) {
      if (!e.passed) what += e.text + "; ";
    }
  }
  ASSERT_TRUE(caught.has_value()) << injectedBugName(bug) << " passed " << kSeeds << " campaign seeds";
  std::printf("%s caught by seed %llu (ringlab-sim campaign --seed %llu --inject-bug %s): %s\n",
              std::string(injectedBugName(bug)).c_str(), static_cast<unsigned long long>(*caught),
              static_cast<unsigned long long>(*caught), std::string(injectedBugName(bug)).c_str(), what.c_str());
  // The same seed without the bug passes: the failure is the bug's.
  EXPECT_TRUE(ScenarioRunner(faultCampaignScenario(*caught)).run().passed) << "seed " << *caught;
}

INSTANTIATE_TEST_SUITE_P(Bugs, InjectedBugTest, ::testing::ValuesIn(kInjectableBugs),
                         [](const ::testing::TestParamInfo<InjectedBug>& info) {
                           std::string name(injectedBugName(info.param));
                           std::erase(name, '-');
                           return name;
                         });

// Failing campaign seeds, shrunk with `campaign --seed N --shrink`, kept once their cause was fixed
// (tests/sim/regressions/, each file's description says what it was). Each must meet every expectation it states.
// They replay exact runs: a change to how runs unfold can make one stop reaching the old failure, so a file that no
// longer fails on the code before its fix is only a scenario, not a regression test; they are cheap to keep.
TEST(CampaignRegressionTest, ShrunkFailuresOfFixedBugsMeetTheirExpectations) {
  const std::filesystem::path dir = std::filesystem::path(RINGLAB_SOURCE_DIR) / "tests" / "sim" / "regressions";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    const Result<ScenarioSpec> spec = loadScenarioFile(entry.path().string());
    ASSERT_TRUE(spec.isOk()) << entry.path() << ": " << spec.status().toString();
    ASSERT_TRUE(expects(*spec, ExpectMetric::kUnexplainedLostWrites)) << entry.path();
    const ScenarioReport report = ScenarioRunner(*spec).run();
    for (const ExpectationResult& result : report.expectations) {
      EXPECT_TRUE(result.passed) << entry.path().filename() << ": " << result.text;
    }
  }
  EXPECT_GE(files, 5u);
}

TEST(InjectedBugTest, NamesRoundTrip) {
  for (InjectedBug bug : kInjectableBugs) EXPECT_EQ(parseInjectedBug(injectedBugName(bug)), bug);
  EXPECT_EQ(parseInjectedBug("none"), InjectedBug::kNone);
  EXPECT_FALSE(parseInjectedBug("ack-before-stor").has_value());
}

TEST(ShrinkTest, KeepsOnlyTheStepsAndClientsTheFailureNeeds) {
  ScenarioSpec spec = faultCampaignScenario(5);
  spec.timeline = {timelineEntry(1s, CrashAction{1}), timelineEntry(2s, CrashAction{2}),
                   timelineEntry(3s, HealAction{}), timelineEntry(4s, RestartAction{1, false}),
                   timelineEntry(5s, SlowNodeAction{3, 4})};
  // "Fails" while n3 crashes and at least two clients run: the smallest such scenario has one step, two clients.
  const auto fails = [](const ScenarioSpec& s) {
    bool crash = false;
    for (const TimelineEntry& e : s.timeline) {
      const auto* c = std::get_if<CrashAction>(&e.actions.at(0));
      crash = crash || (c && c->node == 2);
    }
    return crash && s.workloads.at(0).clients >= 2;
  };
  std::size_t reported = 0;
  const ShrinkResult result = shrinkScenario(spec, fails, [&](const ShrinkResult& r) { reported = r.candidates; });
  ASSERT_EQ(result.spec.timeline.size(), 1u);
  EXPECT_EQ(describeAction(result.spec.timeline[0].actions[0]), "crash n3");
  EXPECT_EQ(result.spec.workloads[0].clients, 2u);
  EXPECT_EQ(result.entriesRemoved, 4u);
  EXPECT_EQ(result.clientsRemoved, 2u);
  // Pass 1 tries the five steps (four go), pass 2 the one left; then 3 clients, 2 clients, 1 client (refused).
  EXPECT_EQ(result.candidates, 5u + 1u + 3u);
  EXPECT_EQ(reported, result.candidates);
  EXPECT_TRUE(fails(result.spec));
}

// A network that delivers every message twice: one replica's second answer must not count towards R or W, or a
// single replica would make a quorum and strict quorums would read stale values.
TEST(DuplicateAnswersTest, ASecondAnswerFromOneReplicaDoesNotCountTowardsTheQuorum) {
  ScenarioSpec spec;
  spec.name = "duplicates";
  spec.duration = 6s;
  spec.cluster.seed = 4;
  spec.cluster.nodes = 5;
  spec.cluster.quorum = {3, 2, 2};
  spec.cluster.mechanisms.hintedHandoff = false;
  spec.cluster.network.duplication = 1.0;
  WorkloadConfig workload;
  workload.model = LoadModel::kClosedLoop;
  workload.clients = 4;
  workload.readRatio = 0.5;
  workload.keys = KeyDistribution::uniform(50);
  spec.workloads.push_back(workload);
  // One replica of everything is slow to answer, so a duplicated first answer would often complete a request alone.
  spec.timeline.push_back(timelineEntry(1s, SlowNodeAction{0, 30}));
  spec.timeline.push_back(timelineEntry(1s, LinkAction{1, 2, true, LatencyDistribution::constant(40ms), {}}));
  ScenarioRunner runner(spec);
  const ScenarioReport report = runner.run();
  EXPECT_GT(runner.simulation().totalNodeStats().duplicateAnswers, 100u);
  EXPECT_GT(report.history.successfulReads, 500u);
  EXPECT_EQ(report.history.staleReads, 0u);
  EXPECT_EQ(report.history.lostWrites, 0u);
}

}  // namespace
}  // namespace ringlab
