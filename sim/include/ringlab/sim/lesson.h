// Lessons: what turns a scenario into something a class works through rather than watches.
//
// - A question (`ask:` on a timeline step) stops the run and asks for a prediction: one of several choices, or a
//   number. Most questions name a metric the run measures (`measure:`), the same metrics the `expect:` section
//   checks; the answer is then graded against what the run measured, never against text in the file. A question is
//   revealed at a later step (`reveal:`), measured over the operations invoked from the question to the reveal, or,
//   without a reveal step, at the end of the run, measured over the whole run.
// - A challenge names the settings (knobs) a student may change, their ranges, and the goals (expectations) a run with
//   the student's settings must meet. Knobs are set with overrides, `--set cluster.replication.r=2` on the command
//   line, which edit the scenario file's YAML before it is validated (so a bad value gets the same message a bad file
//   does).
// - Lesson information (concept, minutes, summary) and teacher's notes, for the course and the app's teacher view.
//
// The file format is documented in docs/SCENARIOS.md ("Lessons"). Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>

namespace ringlab {

enum class ExpectMetric : std::uint8_t;
struct ScenarioSpec;

// Where a value came from in the scenario file (1-based; 0 when unknown).
struct SourceLocation {
  int line = 0;
  int column = 0;
};

// --- values of metrics, as people read and write them -------------------------------------------------------------

// How a metric's values are shown and typed: shares as percentages ("3.2 %", typed "3.2" or "3.2%"), durations with
// a unit ("12.5ms", typed "12.5ms" or a bare number of milliseconds), rates per second, counts as whole numbers.
enum class MetricUnit : std::uint8_t { kCount, kShare, kDuration, kRate };
MetricUnit metricUnit(ExpectMetric metric);
// "3.2 %", "12.5ms", "2,950/s", "1,234"; "never" for an infinite duration.
std::string formatMetricValue(ExpectMetric metric, double value);
// A value as a person types it, in the metric's unit (see MetricUnit): a share is a percentage with or without "%"
// ("3.2" is 3.2 %, 0.032), a duration has a unit or is a number of milliseconds, a rate may end in "/s". nullopt when
// malformed. The result is in the metric's own scale (a share as a fraction, a duration in nanoseconds).
std::optional<double> parseMetricValue(ExpectMetric metric, std::string_view text);
// A bound on a metric as a goal states it: "≥ 99.9 %", "≤ 15.00ms", "1.0 % to 5.0 %" ("" for no bound).
std::string formatRequired(ExpectMetric metric, std::optional<double> min, std::optional<double> max);
// What a number answer is typed in: "%", "ms", "/s" or "" (for the app's number field).
std::string_view metricInputUnit(ExpectMetric metric);

// --- questions ----------------------------------------------------------------------------------------------------

struct QuestionChoice {
  std::string text;
  // With a measured question: the range of the measured value for which this choice is the right one (inclusive, in
  // the metric's scale). Every choice of a measured question has at least one bound.
  std::optional<double> min;
  std::optional<double> max;
  bool correct = false;  // the lesson's own answer (exactly one choice); checked against the run by `course check`
  bool holds(double measured) const {
    return (!min || measured >= *min) && (!max || measured <= *max);
  }
};

struct Question {
  std::string id;    // unique in the scenario; what `reveal:` and answer files name
  std::string text;  // the question, as asked
  std::string hint;  // optional
  std::string explanation;  // optional, shown with the answer
  std::vector<QuestionChoice> choices;  // empty: the answer is a number
  std::optional<ExpectMetric> measure;  // what the run measures to answer it (always set for a number question)
  // Number questions: the lesson's own answer and how far from the measured value an answer may be and still count
  // (both in the metric's scale).
  std::optional<double> answer;
  double tolerance = 0;
  TimePoint askedAt;
  std::optional<TimePoint> revealAt;  // nullopt: at the end of the run
  SourceLocation where;

  bool isNumber() const { return choices.empty(); }
  // The choice marked correct (choice questions).
  std::optional<std::size_t> markedChoice() const;
};

// True when a metric can be measured over a window of the run (from a question to its reveal): the metrics of the
// clients' operations. The others (lost writes, convergence, divergent keys, ...) need the replicas' final state and
// are revealed at the end of the run only.
bool isWindowMetric(ExpectMetric metric);

// What the run measured for a question, when it was revealed.
struct Reveal {
  std::size_t question = 0;  // index into ScenarioSpec::questions
  TimePoint at;              // when it was revealed (the end of the main phase for end-of-run reveals)
  std::optional<double> measured;  // nullopt for a question that measures nothing
  // "3.2 % of reads were stale (141 of 4,410)": the value with what it is made of, or "" when nothing is measured.
  std::string measuredText;
  // The choice whose range holds the measured value (choice questions with a measure): the right answer.
  std::optional<std::size_t> rightChoice;
  // The lesson's own answer agrees with the run: its marked choice is the right one, or its number is within the
  // tolerance of the measured value. Always true for a question that measures nothing.
  bool lessonAgrees = true;
};

// A student's answer: a choice (0-based) or a number in the metric's scale.
using Answer = std::variant<std::size_t, double>;

struct AnswerGrade {
  bool correct = false;
  // "You predicted 0 %. Measured: 3.2 % of reads were stale (141 of 4,410)." or "You chose (2) ... The answer is
  // (3) ...", one paragraph.
  std::string text;
};
AnswerGrade gradeAnswer(const Question& question, const Reveal& reveal, const Answer& answer);

// Reads an answer as typed: a choice number (1-based) or the choice's text for a choice question, a value in the
// metric's unit for a number question (parseMetricValue). nullopt with `problem` set when it is neither.
std::optional<Answer> parseAnswer(const Question& question, std::string_view text, std::string& problem);

// An answer file: a YAML mapping from question ids to answers as typed ({stale-share: 5, which-node: 2}). Errors
// (kInvalidArgument) name the file, line and question: an id no question has, an answer parseAnswer refuses.
Result<std::map<std::string, Answer>> parseAnswerFile(std::string_view yamlText, std::string_view sourceName,
                                                     const std::vector<Question>& questions);

// --- challenges ---------------------------------------------------------------------------------------------------

// A setting a challenge may let a student change, named by its path in the scenario file.
enum class KnobKind : std::uint8_t { kInteger, kBoolean, kDuration, kRate, kChoice };
struct KnobInfo {
  std::string_view path;   // "cluster.replication.r"
  std::string_view label;  // "R (replicas a read waits for)"
  KnobKind kind;
  std::span<const std::string_view> choices;  // kChoice
};
// Every setting a challenge may name.
std::span<const KnobInfo> challengeKnobs();
const KnobInfo* findChallengeKnob(std::string_view path);
// A knob's number as written in a file: "3", "250ms", "2000/s".
std::string formatKnobValue(KnobKind kind, double value);

struct ChallengeKnob {
  std::string path;
  std::string label;
  KnobKind kind = KnobKind::kInteger;
  std::optional<double> min;  // integers, rates (per second), durations (nanoseconds)
  std::optional<double> max;
  std::vector<std::string> choices;  // kChoice: the values allowed (all the knob's values unless the file narrows them)
};

// One setting, as `--set PATH=VALUE` gives it: a path of mapping keys into the scenario file and a YAML scalar.
struct ScenarioOverride {
  std::string path;
  std::string value;
  friend bool operator==(const ScenarioOverride&, const ScenarioOverride&) = default;
};
// Reads "cluster.replication.r=2". nullopt with `problem` set when there is no '=' or the path is malformed.
std::optional<ScenarioOverride> parseOverride(std::string_view text, std::string& problem);
// "cluster.replication.r=2"
std::string formatOverride(const ScenarioOverride& o);

// The value a knob has in a scenario, as it would be written after --set ("2", "true", "500ms", "3000/s", "lww").
std::string knobValue(const ScenarioSpec& spec, const KnobInfo& knob);
// Whether `value` (as written) is allowed for the challenge's knob; "" when it is, else the reason, e.g.
// "cluster.replication.r: 4 is above the challenge's maximum of 3".
std::string checkKnobValue(const ChallengeKnob& knob, std::string_view value);

// --- lessons ------------------------------------------------------------------------------------------------------

struct LessonInfo {
  std::string teaches;  // the concept, as the course list shows it ("Consistent hashing")
  int minutes = 0;       // how long it takes in class
  std::string summary;   // shown when the run ends
};

}  // namespace ringlab
