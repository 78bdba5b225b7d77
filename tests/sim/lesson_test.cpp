// Lessons: questions and their reveals, answers, overrides (--set) and challenges.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <ringlab/sim/course.h>
#include <ringlab/sim/lesson.h>
#include <ringlab/sim/lesson_report.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

// R=1, W=1 for 10 s (reads can be stale), then R=2, W=2 (they cannot).
constexpr const char* kBase = R"(name: Lesson under test
seed: 7
duration: 16s
lesson: {teaches: "N, R and W", minutes: 5, summary: "R + W > N: every read quorum meets the last write quorum."}
cluster:
  nodes: 5
  replication: {n: 3, r: 1, w: 1}
  mechanisms:
    hinted_handoff: false
network:
  latency: {dist: lognormal, median: 2ms, sigma: 0.8}
workload:
  rate: 1500/s
  read_ratio: 0.7
  keys: {count: 100, distribution: zipf, theta: 1.1}
timeline:
  - at: 2s
    ask:
      id: share
      question: "What share of reads will be stale until 10 s?"
      measure: stale_read_rate
      answer: 0.03
      tolerance: 0.03
  - at: 10s
    reveal: share
    quorum: {r: 2, w: 2}
    ask:
      id: after
      question: "How many stale reads now?"
      measure: stale_reads
      choices:
        - {text: "None", max: 0, correct: true}
        - {text: "Some", min: 1}
  - at: 16s
    reveal: [after]
  - at: 12s
    ask:
      id: concept
      question: "Which inequality rules out stale reads?"
      choices: ["R + W > N", {text: "R + W = N"}, {text: "R = W", correct: false}]
)";

std::string withConcept(std::string text, std::string_view marked) {
  const std::string needle = "choices: [\"R + W > N\",";
  text.replace(text.find(needle), needle.size(), std::string("choices: [{text: \"R + W > N\", correct: ") +
                                                     std::string(marked) + "},");
  return text;
}

ScenarioSpec parseOk(const std::string& text, std::span<const ScenarioOverride> overrides = {}) {
  auto spec = parseScenario(text, "lesson.yaml", overrides);
  EXPECT_TRUE(spec.isOk()) << spec.status().message();
  return spec.isOk() ? *spec : ScenarioSpec{};
}

std::string parseError(const std::string& text, std::span<const ScenarioOverride> overrides = {}) {
  auto spec = parseScenario(text, "lesson.yaml", overrides);
  EXPECT_FALSE(spec.isOk()) << "expected an error";
  return spec.isOk() ? std::string() : spec.status().message();
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(LessonParseTest, QuestionsAreKeptInTheOrderAskedAndTheirStepsPointAtThem) {
  const ScenarioSpec spec = parseOk(withConcept(kBase, "true"));
  ASSERT_EQ(spec.questions.size(), 3u);
  EXPECT_EQ(spec.questions[0].id, "share");
  EXPECT_EQ(spec.questions[1].id, "after");
  EXPECT_EQ(spec.questions[2].id, "concept");  // asked at 12 s, written last
  EXPECT_TRUE(spec.questions[0].isNumber());
  EXPECT_DOUBLE_EQ(*spec.questions[0].answer, 0.03);
  EXPECT_EQ(spec.questions[0].revealAt, TimePoint{10s});
  EXPECT_EQ(spec.questions[1].revealAt, TimePoint{16s});
  EXPECT_FALSE(spec.questions[2].revealAt.has_value());  // revealed at the end
  EXPECT_EQ(spec.questions[2].markedChoice(), 0u);
  ASSERT_TRUE(spec.lesson.has_value());
  EXPECT_EQ(spec.lesson->teaches, "N, R and W");
  EXPECT_EQ(spec.lesson->minutes, 5);

  std::vector<std::string> asked, revealed;
  for (const TimelineEntry& entry : spec.timeline) {
    if (entry.ask) asked.push_back(spec.questions[*entry.ask].id);
    for (std::size_t r : entry.reveals) revealed.push_back(spec.questions[r].id);
    EXPECT_TRUE(entry.isNarration());
  }
  EXPECT_EQ(asked, (std::vector<std::string>{"share", "after", "concept"}));
  EXPECT_EQ(revealed, (std::vector<std::string>{"share", "after"}));
}

TEST(LessonParseTest, MistakesInQuestionsAreNamedWithTheirPlace) {
  const std::string base = withConcept(kBase, "true");
  EXPECT_NE(parseError(replaced(base, "reveal: [after]", "reveal: [afterr]")).find("no question has the id 'afterr'"),
            std::string::npos);
  EXPECT_NE(parseError(replaced(base, "reveal: share", "reveal: concept")).find("a reveal comes after its question"),
            std::string::npos);
  EXPECT_NE(parseError(replaced(base, "{text: \"Some\", min: 1}", "{text: \"Some\"}"))
                .find("expected a range of stale_reads for which this choice is right"),
            std::string::npos);
  EXPECT_NE(parseError(withConcept(kBase, "false")).find("expected exactly one choice marked 'correct: true'"),
            std::string::npos);
  EXPECT_NE(parseError(replaced(base, "      answer: 0.03\n", "")).find("timeline[0].ask.answer: missing"), std::string::npos);
  // Lost writes need the replicas' final state: no reveal before the end.
  const std::string message = parseError(replaced(base, "measure: stale_read_rate", "measure: lost_writes"));
  EXPECT_NE(message.find("lesson.yaml:"), std::string::npos) << message;
  EXPECT_NE(message.find("revealed at the end"), std::string::npos) << message;
  EXPECT_NE(parseError(replaced(base, "id: after", "id: share")).find("duplicate question id 'share'"),
            std::string::npos);
}

TEST(LessonParseTest, OverridesEditTheFileBeforeItIsValidatedAndNameThemselvesInErrors) {
  const std::string base = withConcept(kBase, "true");
  const std::vector<ScenarioOverride> set = {{"cluster.replication.r", "2"},
                                             {"cluster.mechanisms.hinted_handoff.enabled", "true"},
                                             {"workload.rate", "300/s"},
                                             {"cluster.mechanisms.read_repair.enabled", "false"}};
  const ScenarioSpec spec = parseOk(base, set);
  EXPECT_EQ(spec.cluster.quorum.r, 2u);
  EXPECT_TRUE(spec.cluster.mechanisms.hintedHandoff);  // was written 'hinted_handoff: false'
  EXPECT_FALSE(spec.cluster.mechanisms.readRepair);    // was not written at all
  ASSERT_EQ(spec.workloads.size(), 1u);
  EXPECT_DOUBLE_EQ(spec.workloads[0].ratePerSecond, 300);
  EXPECT_EQ(spec.overrides, set);

  const std::vector<ScenarioOverride> tooLarge = {{"cluster.replication.r", "9"}};
  const std::string message = parseError(base, tooLarge);
  EXPECT_EQ(message.rfind("--set cluster.replication.r=9: cluster.replication.r: R (9) must be between 1 and N", 0), 0u)
      << message;
  const std::vector<ScenarioOverride> intoValue = {{"cluster.nodes.count", "3"}};
  EXPECT_NE(parseError(base, intoValue).find("'nodes' is a value ('5'), not a mapping"), std::string::npos);
  // A misspelled key is the override's doing: the message names it, not a line of the file.
  const std::vector<ScenarioOverride> misspelled = {{"cluster.replicaton.r", "2"}};
  const std::string typo = parseError(base, misspelled);
  EXPECT_EQ(typo.rfind("--set cluster.replicaton.r=2: cluster.replicaton: unknown key (did you mean 'replication'?)", 0),
            0u)
      << typo;
  // A setting below a mechanism written as true/false, alone and in either order with `enabled`.
  const std::vector<ScenarioOverride> interval = {{"cluster.mechanisms.hinted_handoff.hint_after", "50ms"}};
  const ScenarioSpec withInterval = parseOk(base, interval);
  EXPECT_FALSE(withInterval.cluster.mechanisms.hintedHandoff);  // still as written
  EXPECT_EQ(withInterval.cluster.mechanisms.hintAfter, 50ms);
  const std::vector<ScenarioOverride> both = {{"cluster.mechanisms.hinted_handoff.hint_after", "50ms"},
                                              {"cluster.mechanisms.hinted_handoff.enabled", "true"}};
  EXPECT_TRUE(parseOk(base, both).cluster.mechanisms.hintedHandoff);

  std::string problem;
  EXPECT_FALSE(parseOverride("cluster.replication.r", problem).has_value());
  EXPECT_NE(problem.find("PATH=VALUE"), std::string::npos);
  EXPECT_FALSE(parseOverride("cluster..r=2", problem).has_value());
  const auto parsed = parseOverride(" cluster.replication.w = 3 ", problem);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(formatOverride(*parsed), "cluster.replication.w=3");
}

TEST(LessonParseTest, AnswersAreReadAsPeopleTypeThem) {
  const ScenarioSpec spec = parseOk(withConcept(kBase, "true"));
  std::string problem;
  const auto percent = parseAnswer(spec.questions[0], "3.5 %", problem);
  ASSERT_TRUE(percent.has_value()) << problem;
  EXPECT_DOUBLE_EQ(std::get<double>(*percent), 0.035);
  EXPECT_DOUBLE_EQ(std::get<double>(*parseAnswer(spec.questions[0], "2", problem)), 0.02);
  EXPECT_FALSE(parseAnswer(spec.questions[0], "lots", problem).has_value());
  EXPECT_NE(problem.find("expected a number in %"), std::string::npos);
  EXPECT_EQ(std::get<std::size_t>(*parseAnswer(spec.questions[1], "2", problem)), 1u);
  EXPECT_EQ(std::get<std::size_t>(*parseAnswer(spec.questions[1], "None", problem)), 0u);
  EXPECT_FALSE(parseAnswer(spec.questions[1], "3", problem).has_value());

  auto file = parseAnswerFile("share: 4\nafter: 1\n", "answers.yaml", spec.questions);
  ASSERT_TRUE(file.isOk()) << file.status().message();
  EXPECT_EQ(file->size(), 2u);
  auto unknown = parseAnswerFile("share: 4\nshares: 1\n", "answers.yaml", spec.questions);
  ASSERT_FALSE(unknown.isOk());
  EXPECT_NE(unknown.status().message().find("answers.yaml:2:1: no question has the id 'shares'"), std::string::npos);
  auto bad = parseAnswerFile("after: 7\n", "answers.yaml", spec.questions);
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("answers.yaml:1:8: expected a choice from 1 to 2"), std::string::npos)
      << bad.status().message();
}

TEST(LessonRunTest, ARevealMeasuresTheOperationsFromItsQuestionWithTheSameCheckerAsTheWholeRun) {
  // Asked at 0 s and revealed at the quorum change: the window is the run's first phase, whose staleness the
  // checker reports for the whole run too.
  std::string text = withConcept(kBase, "true");
  text = replaced(text, "  - at: 2s\n    ask:", "  - at: 0s\n    ask:");
  ScenarioRunner runner(parseOk(text));
  const ScenarioReport report = runner.run();
  ASSERT_EQ(report.reveals.size(), 3u);
  const Reveal& share = report.reveals[0];
  ASSERT_TRUE(share.measured.has_value());
  ASSERT_GE(report.history.phases.size(), 2u);
  const PhaseStaleness& first = report.history.phases[0];
  EXPECT_EQ(first.to, TimePoint{10s});
  EXPECT_GT(first.staleReads, 0u);
  EXPECT_DOUBLE_EQ(*share.measured, first.staleReadRate());
  EXPECT_NE(share.measuredText.find(fmt::format("({} of ", first.staleReads)), std::string::npos) << share.measuredText;
  EXPECT_EQ(share.at, TimePoint{10s});

  // After the change no read is stale: the lesson's "None" is what the run measured.
  const Reveal& after = report.reveals[1];
  EXPECT_EQ(*after.measured, 0.0);
  EXPECT_EQ(after.rightChoice, 0u);
  EXPECT_TRUE(after.lessonAgrees);
  // A question that measures nothing is graded by its marked choice.
  const Reveal& idea = report.reveals[2];
  EXPECT_FALSE(idea.measured.has_value());
  EXPECT_TRUE(idea.lessonAgrees);

  // Grading: a prediction within the tolerance is right, one outside it is not.
  const Question& q = runner.spec().questions[0];
  EXPECT_TRUE(gradeAnswer(q, share, Answer{*share.measured + q.tolerance / 2}).correct);
  const AnswerGrade wrong = gradeAnswer(q, share, Answer{0.0});
  ASSERT_GT(*share.measured, q.tolerance);  // R=W=1 in this window: stale reads, more than 0 + the tolerance
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(wrong.text.rfind("You predicted 0.0 %. Measured: ", 0), 0u) << wrong.text;
  EXPECT_FALSE(gradeAnswer(runner.spec().questions[1], after, Answer{std::size_t{1}}).correct);
  EXPECT_TRUE(gradeAnswer(runner.spec().questions[2], idea, Answer{std::size_t{0}}).correct);
}

TEST(LessonRunTest, ARevealIsReadyWhenItsStepsNarrationIsCalled) {
  ScenarioRunOptions options;
  ScenarioRunner* runnerPtr = nullptr;
  std::vector<std::string> seen;
  options.onNarration = [&](const TimelineEntry& entry) {
    for (std::size_t q : entry.reveals) {
      const Reveal* reveal = runnerPtr->reveal(q);
      ASSERT_NE(reveal, nullptr);
      seen.push_back(runnerPtr->spec().questions[q].id + " " + reveal->measuredText);
    }
  };
  ScenarioRunner runner(parseOk(withConcept(kBase, "true")), options);
  runnerPtr = &runner;
  EXPECT_EQ(runner.reveal(0), nullptr);
  const ScenarioReport report = runner.run();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "share " + report.reveals[0].measuredText);
  EXPECT_EQ(seen[1], "after " + report.reveals[1].measuredText);
}

constexpr const char* kChallenge = R"(
challenge:
  text: "No stale read, with n3 crashed."
  knobs:
    - {set: cluster.replication.r, min: 1, max: 2}
    - {set: cluster.replication.w, min: 1, max: 3}
  goals: {stale_reads: 0, availability: 0.99}
  solution: {cluster.replication.r: 2, cluster.replication.w: 2}
)";

TEST(LessonRunTest, AChallengeIsGradedByItsGoalsAndPointsAtTheFirstFailure) {
  std::string text = withConcept(kBase, "true");
  text = replaced(text, "    quorum: {r: 2, w: 2}\n", "") + kChallenge;
  text = replaced(text, "        - {text: \"None\", max: 0, correct: true}\n        - {text: \"Some\", min: 1}",
                  "        - {text: \"None\", max: 0}\n        - {text: \"Some\", min: 1, correct: true}");
  ScenarioRunner asWritten(parseOk(text));
  const ScenarioReport failed = asWritten.run();
  ASSERT_TRUE(failed.challenge.has_value());
  EXPECT_FALSE(failed.challenge->passed);
  ASSERT_EQ(failed.challenge->goals.size(), 2u);
  const ExpectationResult& stale = failed.challenge->goals[0];
  EXPECT_FALSE(stale.passed);
  ASSERT_TRUE(stale.lookAt.has_value());
  EXPECT_EQ(*stale.lookAt, failed.history.staleReadTimes.front());
  EXPECT_NE(stale.lookAtText.find("the first stale read, at "), std::string::npos);
  EXPECT_TRUE(failed.challenge->goals[1].passed);
  EXPECT_FALSE(failed.challenge->goals[1].lookAt.has_value());

  const std::vector<ScenarioOverride> solution = {{"cluster.replication.r", "2"}, {"cluster.replication.w", "2"}};
  ScenarioRunner solved(parseOk(text, solution));
  const ScenarioReport passed = solved.run();
  ASSERT_TRUE(passed.challenge.has_value());
  EXPECT_TRUE(passed.challenge->passed);
  EXPECT_TRUE(passed.challenge->problems.empty());

  // R=3 meets the goals but is outside the knob's range (at most 2): no answer to the challenge.
  const std::vector<ScenarioOverride> tooFar = {{"cluster.replication.r", "3"}, {"cluster.replication.w", "2"}};
  ScenarioRunner outside(parseOk(text, tooFar));
  const ScenarioReport beyond = outside.run();
  EXPECT_TRUE(std::all_of(beyond.challenge->goals.begin(), beyond.challenge->goals.end(),
                          [](const ExpectationResult& g) { return g.passed; }));
  EXPECT_FALSE(beyond.challenge->passed);
  ASSERT_EQ(beyond.challenge->problems.size(), 1u);
  EXPECT_EQ(beyond.challenge->problems[0], "cluster.replication.r: 3 is above the challenge's maximum of 2");

  // A setting that is not a knob makes the run no answer at all.
  const std::vector<ScenarioOverride> cheat = {{"cluster.replication.r", "2"},
                                               {"cluster.replication.w", "2"},
                                               {"cluster.mechanisms.read_repair.enabled", "false"}};
  ScenarioRunner cheating(parseOk(text, cheat));
  const ScenarioReport cheated = cheating.run();
  EXPECT_FALSE(cheated.challenge->passed);
  ASSERT_EQ(cheated.challenge->problems.size(), 1u);
  EXPECT_EQ(cheated.challenge->problems[0], "cluster.mechanisms.read_repair.enabled is not a knob of this challenge");

  const std::string lesson = formatLessonReport(solved.spec(), passed, nullptr, nullptr);
  EXPECT_NE(lesson.find("settings: cluster.replication.r=2 cluster.replication.w=2"), std::string::npos) << lesson;
  EXPECT_NE(lesson.find("Challenge met."), std::string::npos);
  EXPECT_NE(lesson.find("Summary: R + W > N"), std::string::npos);
}

TEST(LessonParseTest, AChallengeOffersOnlyKnownKnobsWithinTheirRanges) {
  const std::string base = withConcept(kBase, "true");
  EXPECT_NE(parseError(base + replaced(kChallenge, "cluster.replication.w, min", "cluster.replication.x, min"))
                .find("challenge.knobs[1].set: not a setting a challenge can offer"),
            std::string::npos);
  EXPECT_NE(parseError(base + replaced(kChallenge, "cluster.replication.r: 2", "cluster.replication.r: 4"))
                .find("cluster.replication.r: 4 is above the challenge's maximum of 2"),
            std::string::npos);
  ChallengeKnob conflicts;
  conflicts.path = "cluster.conflicts";
  conflicts.kind = KnobKind::kChoice;
  conflicts.choices = {"lww", "siblings"};
  EXPECT_EQ(checkKnobValue(conflicts, "siblings"), "");
  EXPECT_NE(checkKnobValue(conflicts, "crdt"), "");
  const ScenarioSpec spec = parseOk(base + kChallenge);
  EXPECT_EQ(knobValue(spec, *findChallengeKnob("cluster.replication.r")), "1");
  EXPECT_EQ(knobValue(spec, *findChallengeKnob("cluster.mechanisms.hinted_handoff.enabled")), "false");
  EXPECT_EQ(knobValue(spec, *findChallengeKnob("workload.rate")), "1500/s");
}

TEST(MetricValueTest, ValuesAreShownAndReadInTheirUnits) {
  EXPECT_EQ(formatMetricValue(ExpectMetric::kStaleReadRate, 0.032), "3.2 %");
  EXPECT_EQ(formatMetricValue(ExpectMetric::kAvailability, 0.9995), "99.95 %");
  EXPECT_EQ(formatMetricValue(ExpectMetric::kStaleReads, 4410), "4,410");
  EXPECT_EQ(formatMetricValue(ExpectMetric::kGetP99, 12.5e6), "12.50ms");
  EXPECT_EQ(formatMetricValue(ExpectMetric::kThroughput, 2950.4), "2,950/s");
  EXPECT_DOUBLE_EQ(*parseMetricValue(ExpectMetric::kGetP99, "20"), 20e6);
  EXPECT_DOUBLE_EQ(*parseMetricValue(ExpectMetric::kGetP99, "1s"), 1e9);
  EXPECT_FALSE(parseMetricValue(ExpectMetric::kStaleReadRate, "120").has_value());
  EXPECT_FALSE(parseMetricValue(ExpectMetric::kStaleReads, "-1").has_value());
  EXPECT_FALSE(parseMetricValue(ExpectMetric::kStaleReads, "1e300").has_value());
  EXPECT_FALSE(parseMetricValue(ExpectMetric::kGetP99, "1e300").has_value());
}

TEST(CourseTest, TheShippedCourseHasItsLessonsInOrderEachWithAQuestionAndASummary) {
  auto course = loadCourse(std::filesystem::path(RINGLAB_SOURCE_DIR) / "scenarios" / "course");
  ASSERT_TRUE(course.isOk()) << course.status().message();
  EXPECT_GE(course->size(), 12u);
  std::size_t challenges = 0;
  for (std::size_t i = 0; i < course->size(); ++i) {
    const CourseLesson& lesson = (*course)[i];
    SCOPED_TRACE(lesson.path.string());
    EXPECT_EQ(lesson.path.filename().string().substr(0, 2), fmt::format("{:02}", i + 1));
    EXPECT_FALSE(lesson.spec.questions.empty());
    EXPECT_FALSE(lesson.spec.lesson->summary.empty());
    EXPECT_GE(lesson.spec.lesson->minutes, 3);
    EXPECT_LE(lesson.spec.lesson->minutes, 8);
    EXPECT_TRUE(lesson.spec.warnings.empty());
    if (lesson.spec.challenge) ++challenges;
  }
  EXPECT_GE(challenges, 4u);
}

TEST(CourseTest, ACheckFailsALessonWhoseAnswerNoLongerMatchesTheRun) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "ringlab-course-test";
  std::filesystem::create_directories(dir);
  const std::string good = withConcept(kBase, "true");
  {
    std::ofstream(dir / "01-good.yaml") << good;
    std::ofstream(dir / "02-wrong.yaml") << replaced(good, "answer: 0.03", "answer: 0.5");
  }
  auto course = loadCourse(dir);
  ASSERT_TRUE(course.isOk()) << course.status().message();
  ASSERT_EQ(course->size(), 2u);
  const LessonCheck ok = checkLesson((*course)[0]);
  EXPECT_TRUE(ok.passed()) << (ok.failures.empty() ? "" : ok.failures[0]);
  const LessonCheck wrong = checkLesson((*course)[1]);
  ASSERT_EQ(wrong.failures.size(), 1u);
  EXPECT_NE(wrong.failures[0].find("question share: measured "), std::string::npos) << wrong.failures[0];
  EXPECT_NE(wrong.failures[0].find("the lesson answers 50.0 %"), std::string::npos) << wrong.failures[0];
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ringlab
