// Writes a scenario back out as a YAML scenario file (the format of docs/SCENARIOS.md), so that a scenario built or
// changed in a program (the desktop app saves the loaded scenario plus the actions its user applied by hand) can be
// loaded again, shared and replayed.
//
// The output is exact: parseScenario reads it back to an equivalent spec (same cluster, network, workloads, timeline,
// expectations and quiesce settings), so the same seed gives the same run. Durations are written as whole numbers of
// the largest unit that holds them exactly ("1500us"), numbers in their shortest form that reads back to the same
// double. Settings that keep the parser's default are left out. Pure function of its argument; thread-safe.
#pragma once

#include <string>

#include <ringlab/sim/scenario.h>

namespace ringlab {

// The YAML text of `spec`. A spec that parseScenario accepted (or one built in code that it would accept) is written
// so that it parses back; for an invalid spec (say, R larger than N) the text is written all the same and
// parseScenario reports the problem. Timeline entries keep their order; an entry holding two actions of one kind
// (possible only in code) is written as several entries at the same time, which run in the same order.
// sourceName is not written.
std::string writeScenario(const ScenarioSpec& spec);

}  // namespace ringlab
