#include <ringlab/sim/course.h>

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include <ringlab/sim/scenario_catalog.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {

namespace fs = std::filesystem;

Result<std::vector<CourseLesson>> loadCourse(const fs::path& directory) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) {
    return Status(ErrorCode::kNotFound, fmt::format("cannot read the course folder '{}': {}", directory.string(), ec.message()));
  }
  if (files.empty()) {
    return Status(ErrorCode::kNotFound, fmt::format("the course folder '{}' holds no lesson (*.yaml)", directory.string()));
  }
  std::sort(files.begin(), files.end());
  std::vector<CourseLesson> lessons;
  for (const fs::path& file : files) {
    Result<ScenarioSpec> spec = loadScenarioFile(file.string());
    if (!spec) return spec.status();
    if (!spec->lesson) {
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("{}: lesson: missing; a course file needs a 'lesson:' section (what it teaches)",
                                file.string()));
    }
    lessons.push_back(CourseLesson{file, std::move(*spec)});
  }
  return lessons;
}

fs::path findCourseDirectory(const std::string& sourceDirectory) {
  for (const fs::path& dir : scenarioDirectories(sourceDirectory)) {
    std::error_code ec;
    if (fs::is_directory(dir / "course", ec)) return dir / "course";
  }
  return {};
}

namespace {

std::string describeAnswer(const Question& q) {
  if (q.isNumber()) {
    return fmt::format("{} (within {})", formatMetricValue(*q.measure, *q.answer),
                       formatMetricValue(*q.measure, q.tolerance));
  }
  const std::size_t marked = *q.markedChoice();
  return fmt::format("({}) {}", marked + 1, q.choices[marked].text);
}

}  // namespace

LessonCheck checkLesson(const CourseLesson& lesson, const std::function<void(const std::string&)>& onRun) {
  const ScenarioSpec& spec = lesson.spec;
  LessonCheck check;
  check.file = lesson.path.filename().string();
  check.title = spec.name;
  if (spec.questions.empty()) check.failures.push_back("the lesson asks no question");
  if (!spec.lesson || spec.lesson->summary.empty()) check.failures.push_back("the lesson has no summary (lesson.summary)");

  if (onRun) onRun(spec.name);
  ScenarioRunner runner(spec);
  const ScenarioReport report = runner.run();
  for (const ExpectationResult& e : report.expectations) {
    (e.passed ? check.checked : check.failures).push_back("expect " + e.text);
  }
  for (std::size_t q = 0; q < spec.questions.size(); ++q) {
    const Question& question = spec.questions[q];
    const auto reveal = std::find_if(report.reveals.begin(), report.reveals.end(),
                                     [&](const Reveal& r) { return r.question == q; });
    if (reveal == report.reveals.end()) {
      check.failures.push_back(fmt::format("question {}: never asked (its step is after the end of the run)", question.id));
      continue;
    }
    if (!question.measure) {
      check.checked.push_back(fmt::format("question {}: answer {} (nothing to measure)", question.id, describeAnswer(question)));
      continue;
    }
    std::string line = fmt::format("question {}: measured {}; the lesson answers {}", question.id,
                                   reveal->measuredText, describeAnswer(question));
    if (!question.isNumber()) {
      line += reveal->rightChoice ? fmt::format(", the run says ({})", *reveal->rightChoice + 1)
                                  : std::string(", which no choice holds");
    }
    (reveal->lessonAgrees ? check.checked : check.failures).push_back(std::move(line));
  }

  if (spec.challenge) {
    const Challenge& challenge = *spec.challenge;
    if (report.challenge && report.challenge->passed) {
      check.failures.push_back("challenge: the goals are already met without changing anything");
    } else {
      check.checked.push_back("challenge: not met as the lesson starts");
    }
    if (challenge.solution.empty()) {
      check.failures.push_back("challenge: no solution to check (challenge.solution)");
    } else {
      std::string settings;
      for (const ScenarioOverride& o : challenge.solution) settings += (settings.empty() ? "" : " ") + formatOverride(o);
      Result<ScenarioSpec> solved = loadScenarioFile(lesson.path.string(), challenge.solution);
      if (!solved) {
        check.failures.push_back("challenge: the solution does not make a valid scenario: " + solved.status().message());
      } else {
        if (onRun) onRun(spec.name + " (solution: " + settings + ")");
        ScenarioRunner solvedRunner(std::move(*solved));
        const ScenarioReport solvedReport = solvedRunner.run();
        if (solvedReport.challenge && solvedReport.challenge->passed) {
          check.checked.push_back("challenge: met with " + settings);
        } else {
          std::string why;
          if (solvedReport.challenge) {
            for (const std::string& p : solvedReport.challenge->problems) why += "; " + p;
            for (const ExpectationResult& g : solvedReport.challenge->goals) {
              if (!g.passed) why += "; " + g.text;
            }
          }
          check.failures.push_back("challenge: not met with its solution " + settings + why);
        }
      }
    }
  }
  return check;
}

}  // namespace ringlab
