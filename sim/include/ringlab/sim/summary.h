// Plain-text summaries of a simulation run for terminals: operations, latency percentiles, errors, messages per
// kind and simulation speed. Pure formatting over a Simulation's metrics; call from the simulation's thread.
#pragma once

#include <string>

#include <ringlab/sim/simulation.h>

namespace ringlab {

struct RunSpeed {
  double wallSeconds = 0;  // real time the run took
};

std::string formatRunSummary(const Simulation& sim, const RunSpeed& speed);

}  // namespace ringlab
