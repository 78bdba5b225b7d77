// Randomized fault campaigns: a scenario generated from a seed that draws every fault the simulator knows (crashes
// and restarts, lost disks, partitions and one-way cuts, network and per-link loss, duplication, latency spikes,
// clock jumps, slow nodes, joins and decommissions, quorum changes) under a closed-loop workload, then a quiesce.
// The same seed always gives the same scenario, so a failing seed found by the test suite is replayed with
// `ringlab-sim campaign --seed N`. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ringlab/sim/scenario.h>

namespace ringlab {

// The campaign scenario for `seed`. About three seeds in ten run strict quorums (R + W > N, no hinted handoff, no
// disk loss, membership or quorum change); the others sloppy quorums and every fault. Its expectations (the
// oracles): no lost acknowledged write that no disk loss explains, no divergent key and no disagreeing membership
// view after quiesce, no read of a value nobody wrote (kLww), and with strict quorums no stale read. With kSiblings
// the cluster tracks causality, the clients mix read-modify-writes, blind writes and CRDT counter increments, and
// the expectations add no lost counter increment; the faults drawn are the same as with kLww but for disk loss,
// which it leaves out (a wiped node reuses its id as counter and dot actor from zero). The description
// names the profile and the faults drawn.
ScenarioSpec faultCampaignScenario(std::uint64_t seed, ConflictMode conflicts = ConflictMode::kLww);

// Every kind of fault a campaign may draw, by the names campaignFaults() reports.
std::vector<std::string_view> campaignFaultKinds();
// The faults a campaign scenario's timeline applies, by kind, with how many of each (kinds never drawn left out).
std::vector<std::pair<std::string_view, std::size_t>> campaignFaults(const ScenarioSpec& spec);
// "crash 2, partition 1, clock jump 3" (or "none").
std::string formatCampaignFaults(const ScenarioSpec& spec);

// Shrinking a failing scenario to a smaller one that still fails. `fails` runs a candidate and says whether the
// failure persists; it is called once per candidate, in a deterministic order. Greedy: timeline entries are removed
// one at a time, last first, keeping each removal after which it still fails, in passes until a pass removes
// nothing; then each workload's closed-loop clients go down one at a time to 1 while it still fails.
struct ShrinkResult {
  ScenarioSpec spec;          // the smallest failing scenario found
  std::size_t candidates = 0;  // runs of `fails`
  std::size_t entriesRemoved = 0;
  std::size_t clientsRemoved = 0;
};
ShrinkResult shrinkScenario(ScenarioSpec failing, const std::function<bool(const ScenarioSpec&)>& fails,
                            const std::function<void(const ShrinkResult&)>& progress = {});

}  // namespace ringlab
