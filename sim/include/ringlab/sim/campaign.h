// Randomized fault campaigns: a scenario generated from a seed, with crashes, restarts, partitions, loss, latency
// spikes and membership changes under a closed-loop workload, then a quiesce. The same seed always gives the same
// scenario, so a failing seed found by the test suite is replayed with `ringlab-sim campaign --seed N`.
// Pure function; thread-safe.
#pragma once

#include <cstdint>

#include <ringlab/sim/scenario.h>

namespace ringlab {

// The campaign scenario for `seed`. Its expectations: no lost acknowledged write, no divergent key at the end.
// With kSiblings the cluster tracks causality, the clients mix read-modify-writes, blind writes and CRDT counter
// increments, and the expectations add no lost counter increment; the faults drawn are the same as with kLww.
ScenarioSpec faultCampaignScenario(std::uint64_t seed, ConflictMode conflicts = ConflictMode::kLww);

}  // namespace ringlab
