// Lessons as text, for the headless runner and logs: a question as it is asked, a reveal with what the run measured,
// and the lesson part of a report (every question with its measured answer and, given answers, their grades; the
// challenge's grade; the lesson's summary). Pure functions; thread-compatible.
#pragma once

#include <map>
#include <string>

#include <ringlab/sim/lesson.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {

// "? [stale-share] What share of reads will be stale over the next 10 s?" with its choices (1) ... (2) ... on the
// next lines, or the unit a number answer takes, and the hint; each line starts with `indent`. No trailing newline.
std::string formatQuestion(const Question& question, std::string_view indent);

// "! [stale-share] Measured: 3.2 % of reads were stale (141 of 4,410). Answer: (2) Under 5 %." No trailing newline.
std::string formatReveal(const Question& question, const Reveal& reveal, std::string_view indent);

struct AnswerTally {
  std::size_t asked = 0;    // questions with answers to grade
  std::size_t correct = 0;
};

// The lesson part of a report, or "" for a scenario without questions or challenge. With `answers`, each question's
// answer is graded (a missing answer counts as wrong) and `tally` counts them.
std::string formatLessonReport(const ScenarioSpec& spec, const ScenarioReport& report,
                               const std::map<std::string, Answer>* answers, AnswerTally* tally);

}  // namespace ringlab
