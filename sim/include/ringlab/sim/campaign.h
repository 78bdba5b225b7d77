// Randomized fault campaigns: a scenario generated from a seed, with crashes, restarts, partitions, loss, latency
// spikes and membership changes under a closed-loop workload, then a quiesce. The same seed always gives the same
// scenario, so a failing seed found by the test suite is replayed with `ringlab-sim campaign --seed N`.
// Pure function; thread-safe.
#pragma once

#include <cstdint>

#include <ringlab/sim/scenario.h>

namespace ringlab {

// The campaign scenario for `seed`. Its expectations: no lost acknowledged write, no divergent key at the end.
ScenarioSpec faultCampaignScenario(std::uint64_t seed);

}  // namespace ringlab
