// Grading against expectations, and a lesson's challenge run with a student's settings: the results the headless
// runner, the course check and the desktop app's challenge dialog show. runChallenge() runs a whole simulation on the
// calling thread (the app calls it from a thread of its own). Values are thread-compatible.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <ringlab/engine/types.h>
#include <ringlab/sim/scenario.h>

namespace ringlab {

struct ExpectationResult {
  Expectation expectation;
  double measured = 0;  // durations in nanoseconds; +infinity when a duration never ended (no convergence)
  bool passed = false;
  std::string text;  // "lost_writes = 0 (expected <= 0)"
  // When it failed: where in the run to look first (the first failed operation, stale read, lost write or slow
  // operation), with what happened there ("the first stale read, at 12.204s"). Unset when nothing points there.
  std::optional<TimePoint> lookAt;
  std::string lookAtText;
};

// A challenge's grade: its goals against a run with the student's settings.
struct ChallengeReport {
  std::vector<ExpectationResult> goals;
  // Settings that make the run no answer to the challenge: a knob outside its range, or a setting the challenge
  // does not offer ("cluster.nodes is not a knob of this challenge").
  std::vector<std::string> problems;
  bool passed = false;  // every goal holds and there are no problems
};

// What runChallenge gives: the grade, or why the run could not happen.
struct ChallengeRun {
  std::optional<ChallengeReport> grade;  // set when the scenario has a challenge and ran
  std::string error;
};

// Runs `spec` (a lesson read with the student's settings as overrides) to its end and grades its challenge.
// `onProgress` as ScenarioRunOptions::onProgress, through the main phase and the quiesce phase; an exception it
// throws (derived from std::exception) stops the run, and its what() is the error.
ChallengeRun runChallenge(const ScenarioSpec& spec,
                          const std::function<void(double fraction, bool quiescing)>& onProgress = {});

}  // namespace ringlab
