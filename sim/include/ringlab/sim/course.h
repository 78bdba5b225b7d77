// A course: an ordered folder of lessons (scenario files with a `lesson:` section, run in file-name order), and the
// check that every lesson still teaches what it claims: its expectations hold, every question's own answer agrees
// with what the run measures, and a challenge fails as the lesson starts it and passes with the lesson's solution.
// Runs simulations; thread-compatible.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <ringlab/engine/status.h>
#include <ringlab/sim/scenario.h>

namespace ringlab {

struct CourseLesson {
  std::filesystem::path path;
  ScenarioSpec spec;
};

// Every *.yaml in `directory`, in file-name order (01-..., 02-...). kNotFound when the folder cannot be read or holds
// no lesson; kInvalidArgument naming the file for a file that does not parse or has no `lesson:` section.
Result<std::vector<CourseLesson>> loadCourse(const std::filesystem::path& directory);

// The course folder among the scenario directories (scenario_catalog.h): the first with a "course" subfolder.
std::filesystem::path findCourseDirectory(const std::string& sourceDirectory);

struct LessonCheck {
  std::string file;  // the file name
  std::string title;
  std::vector<std::string> checked;   // what held, one line each ("question stale-share: 3.2 % is choice (2)")
  std::vector<std::string> failures;  // what no longer matches what the lesson claims, one line each
  bool passed() const { return failures.empty(); }
};

// Checks one lesson: it has at least one question and a summary; its run meets its expectations; every question is
// revealed and the lesson's answer agrees with the measured value; a challenge is not met by the lesson as written
// and is met with its `solution` (a second run, with the solution as overrides). `onRun` is called before each run
// with what is about to run (for progress).
LessonCheck checkLesson(const CourseLesson& lesson, const std::function<void(const std::string&)>& onRun = {});

}  // namespace ringlab
