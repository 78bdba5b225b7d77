#include <ringlab/sim/lesson_report.h>

#include <algorithm>

#include <fmt/format.h>

namespace ringlab {

std::string formatQuestion(const Question& question, std::string_view indent) {
  std::string out = fmt::format("{}? [{}] {}", indent, question.id, question.text);
  for (std::size_t i = 0; i < question.choices.size(); ++i) {
    out += fmt::format("\n{}    ({}) {}", indent, i + 1, question.choices[i].text);
  }
  if (question.isNumber()) {
    const std::string_view unit = metricInputUnit(*question.measure);
    out += fmt::format("\n{}    answer with a number{}", indent, unit.empty() ? std::string() : fmt::format(" in {}", unit));
  }
  if (!question.hint.empty()) out += fmt::format("\n{}    hint: {}", indent, question.hint);
  return out;
}

std::string formatReveal(const Question& question, const Reveal& reveal, std::string_view indent) {
  std::string out = fmt::format("{}! [{}]", indent, question.id);
  if (!reveal.measuredText.empty()) out += fmt::format(" Measured: {}.", reveal.measuredText);
  if (question.isNumber()) {
    if (reveal.measured) out += fmt::format(" Answer: {}.", formatMetricValue(*question.measure, *reveal.measured));
  } else {
    const std::optional<std::size_t> right = question.measure ? reveal.rightChoice : question.markedChoice();
    if (right) {
      out += fmt::format(" Answer: ({}) {}.", *right + 1, question.choices[*right].text);
    } else {
      out += " No choice holds the measured value.";
    }
  }
  if (!question.explanation.empty()) out += fmt::format("\n{}    {}", indent, question.explanation);
  return out;
}

std::string formatLessonReport(const ScenarioSpec& spec, const ScenarioReport& report,
                               const std::map<std::string, Answer>* answers, AnswerTally* tally) {
  std::string out;
  if (!report.reveals.empty()) {
    out += "\nQuestions:\n";
    for (const Reveal& reveal : report.reveals) {
      const Question& q = spec.questions[reveal.question];
      out += formatReveal(q, reveal, "  ") + "\n";
      if (!answers) continue;
      if (tally) ++tally->asked;
      const auto given = answers->find(q.id);
      if (given == answers->end()) {
        out += "    not answered\n";
        continue;
      }
      const AnswerGrade grade = gradeAnswer(q, reveal, given->second);
      if (grade.correct && tally) ++tally->correct;
      out += fmt::format("    {} {}\n", grade.correct ? "RIGHT" : "WRONG", grade.text);
    }
    if (answers && tally) out += fmt::format("  {} of {} answers right\n", tally->correct, tally->asked);
  }
  if (spec.challenge && report.challenge) {
    const ChallengeReport& grade = *report.challenge;
    out += fmt::format("\nChallenge: {}\n", spec.challenge->text);
    if (spec.overrides.empty()) {
      out += "  settings: as the lesson starts (give yours with --set PATH=VALUE)\n";
    } else {
      std::string settings;
      for (const ScenarioOverride& o : spec.overrides) settings += (settings.empty() ? "" : " ") + formatOverride(o);
      out += "  settings: " + settings + "\n";
    }
    for (const std::string& problem : grade.problems) out += "  NOT ALLOWED " + problem + "\n";
    for (const ExpectationResult& goal : grade.goals) {
      out += fmt::format("  {} {}\n", goal.passed ? "PASS" : "FAIL", goal.text);
      if (!goal.passed && goal.lookAt) out += fmt::format("       look at {}\n", goal.lookAtText);
    }
    out += grade.passed ? "  Challenge met.\n" : "  Challenge not met.\n";
  }
  if (spec.lesson && !spec.lesson->summary.empty()) {
    std::string summary = spec.lesson->summary;
    while (!summary.empty() && summary.back() == '\n') summary.pop_back();
    out += "\nSummary: " + summary + "\n";
  }
  return out;
}

}  // namespace ringlab
