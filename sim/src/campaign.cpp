#include <ringlab/sim/campaign.h>

#include <map>
#include <set>

#include <fmt/format.h>

#include <ringlab/engine/overloaded.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

// A duration in [lo, hi), to the millisecond (so a seed's timeline reads 3.797s, not 3797701750ns).
Duration between(Rng& rng, Duration lo, Duration hi) {
  const Duration d(static_cast<std::int64_t>(rng.uniform(static_cast<double>(lo.count()), static_cast<double>(hi.count()))));
  return std::chrono::floor<std::chrono::milliseconds>(d);
}

Expectation atMostZero(ExpectMetric metric) {
  Expectation e;
  e.metric = metric;
  e.max = 0;
  return e;
}

// The kinds of fault a campaign draws, in the order they are reported.
enum class Fault : std::uint8_t {
  kCrash,
  kRestart,
  kRestartWiped,
  kWipe,
  kPartition,
  kOneWayCut,
  kHeal,
  kNetworkLoss,
  kLinkLoss,
  kLatencySpike,
  kDuplication,
  kClockJump,
  kSlowNode,
  kJoin,
  kDecommission,
  kQuorumChange,
};
constexpr std::string_view kFaultNames[] = {
    "crash",     "restart",      "restart with wiped disk", "wipe (disk lost)", "partition", "one-way cut",
    "heal",      "network loss", "link loss",               "latency spike",    "duplication", "clock jump",
    "slow node", "join",         "decommission",            "quorum change"};

Fault faultOf(const ScenarioAction& action) {
  return std::visit(Overloaded{
                        [](const CrashAction&) { return Fault::kCrash; },
                        [](const RestartAction& a) { return a.wipe ? Fault::kRestartWiped : Fault::kRestart; },
                        [](const WipeAction&) { return Fault::kWipe; },
                        [](const PartitionAction&) { return Fault::kPartition; },
                        [](const CutLinkAction&) { return Fault::kOneWayCut; },
                        [](const HealAction&) { return Fault::kHeal; },
                        [](const LinkAction& a) { return a.loss ? Fault::kLinkLoss : Fault::kLatencySpike; },
                        [](const NetworkAction& a) { return a.duplication ? Fault::kDuplication : Fault::kNetworkLoss; },
                        [](const SlowNodeAction&) { return Fault::kSlowNode; },
                        [](const WorkloadAction&) { return Fault::kHeal; },  // never drawn
                        [](const QuorumAction&) { return Fault::kQuorumChange; },
                        [](const AddNodeAction&) { return Fault::kJoin; },
                        [](const DecommissionAction&) { return Fault::kDecommission; },
                        [](const RemoveNodeAction&) { return Fault::kDecommission; },  // never drawn
                        [](const ClockAction&) { return Fault::kClockJump; },
                    },
                    action);
}

}  // namespace

std::vector<std::string_view> campaignFaultKinds() { return {std::begin(kFaultNames), std::end(kFaultNames)}; }

std::vector<std::pair<std::string_view, std::size_t>> campaignFaults(const ScenarioSpec& spec) {
  std::map<Fault, std::size_t> counts;
  for (const TimelineEntry& entry : spec.timeline) {
    for (const ScenarioAction& action : entry.actions) counts[faultOf(action)]++;
  }
  std::vector<std::pair<std::string_view, std::size_t>> out;
  for (const auto& [fault, count] : counts) out.emplace_back(kFaultNames[static_cast<std::size_t>(fault)], count);
  return out;
}

std::string formatCampaignFaults(const ScenarioSpec& spec) {
  std::string out;
  for (const auto& [name, count] : campaignFaults(spec)) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", name, count);
  }
  return out.empty() ? "none" : out;
}

ShrinkResult shrinkScenario(ScenarioSpec failing, const std::function<bool(const ScenarioSpec&)>& fails,
                            const std::function<void(const ShrinkResult&)>& progress) {
  ShrinkResult result;
  result.spec = std::move(failing);
  const auto tryCandidate = [&](const ScenarioSpec& candidate) {
    ++result.candidates;
    const bool still = fails(candidate);
    if (progress) progress(result);
    return still;
  };
  for (bool removed = true; removed;) {
    removed = false;
    for (std::size_t i = result.spec.timeline.size(); i-- > 0;) {
      ScenarioSpec candidate = result.spec;
      candidate.timeline.erase(candidate.timeline.begin() + static_cast<std::ptrdiff_t>(i));
      if (!tryCandidate(candidate)) continue;
      result.spec = std::move(candidate);
      ++result.entriesRemoved;
      removed = true;
    }
  }
  for (std::size_t w = 0; w < result.spec.workloads.size(); ++w) {
    while (result.spec.workloads[w].model == LoadModel::kClosedLoop && result.spec.workloads[w].clients > 1) {
      ScenarioSpec candidate = result.spec;
      candidate.workloads[w].clients--;
      if (!tryCandidate(candidate)) break;
      result.spec = std::move(candidate);
      ++result.clientsRemoved;
    }
  }
  return result;
}

ScenarioSpec faultCampaignScenario(std::uint64_t seed, ConflictMode conflicts) {
  Rng rng = Rng(seed).split("campaign");
  ScenarioSpec spec;
  spec.name = "Fault campaign, seed " + std::to_string(seed);
  spec.sourceName = "campaign";
  spec.duration = 12s;
  spec.cluster.seed = seed;
  // Same-instant events in a seeded random order rather than FIFO, so each seed also tries an unusual interleaving.
  spec.cluster.shuffleTies = true;
  spec.cluster.tieSeed = seed;
  spec.cluster.nodes = 5;
  spec.cluster.quorum = {3, 2, 2};
  spec.cluster.requestTimeout = 300ms;
  spec.quiesce.limit = 60s;
  spec.quiesce.checkEvery = 250ms;
  // About one seed in three runs strict quorums: no sloppy quorum (no hinted handoff), R + W > N throughout, and
  // no fault that moves or loses replicas (disk loss, membership and quorum changes). There no read may be stale.
  const bool strict = rng.chance(0.3);
  if (strict) spec.cluster.mechanisms.hintedHandoff = false;
  // Disk loss only with last-write-wins: a node that lost its disk issues counter increments and dots under its old
  // id again, starting from zero, which its pre-wipe entries elsewhere mask (a limit of node-id actors).
  const bool disksMayBeLost = !strict && conflicts == ConflictMode::kLww;
  WorkloadConfig workload;
  workload.model = LoadModel::kClosedLoop;
  workload.clients = 4;
  workload.thinkTime = 2ms;
  workload.readRatio = 0.4;
  workload.keys = KeyDistribution::uniform(200);
  if (conflicts == ConflictMode::kSiblings) {
    spec.name += " (siblings)";
    spec.cluster.conflicts = conflicts;
    workload.blindRatio = 0.2;
    workload.incrementRatio = 0.15;
    // A few hot keys, so that concurrent writes to one key (and siblings) are common.
    workload.keys = KeyDistribution::uniform(40);
  }
  spec.workloads.push_back(workload);

  std::size_t nodes = 5;
  std::set<NodeId> down, gone, slowed, skewed;
  std::size_t membershipChanges = 0;
  const auto members = [&] { return nodes - gone.size(); };
  const auto add = [&](Duration t, ScenarioAction action) { spec.timeline.push_back(timelineEntry(t, std::move(action))); };
  const auto otherThan = [&](NodeId node) -> std::optional<NodeId> {
    for (std::size_t tries = 0; tries < 8; ++tries) {
      const auto peer = static_cast<NodeId>(rng.below(nodes));
      if (peer != node && !gone.count(peer)) return peer;
    }
    return std::nullopt;
  };
  for (Duration t = 1s; t < 10s; t += between(rng, 300ms, 1200ms)) {
    const auto node = static_cast<NodeId>(rng.below(nodes));
    if (gone.count(node)) continue;
    switch (rng.below(15)) {
      case 0:
        if (!down.count(node) && down.size() < 2) {
          add(t, CrashAction{node});
          down.insert(node);
        }
        break;
      case 1:
        if (down.count(node)) {
          const bool wipe = rng.chance(0.3);  // drawn in every mode, so both modes draw the same other faults
          add(t, RestartAction{node, disksMayBeLost && wipe});
          down.erase(node);
        }
        break;
      case 2: {
        std::vector<NodeId> a, b;
        for (NodeId n = 0; n < nodes; ++n) {
          if (!gone.count(n)) (rng.chance(0.5) ? a : b).push_back(n);
        }
        if (!a.empty() && !b.empty()) add(t, PartitionAction{{a, b}});
        break;
      }
      case 3: add(t, HealAction{}); break;
      case 4: {
        NetworkAction lossy;
        lossy.loss = rng.uniform(0, 0.1);
        add(t, lossy);
        break;
      }
      case 5:
        if (const auto peer = otherThan(node)) {
          LinkAction spike;
          spike.from = node;
          spike.to = *peer;
          spike.latency = LatencyDistribution::constant(std::chrono::milliseconds(static_cast<int>(rng.uniform(5, 200))));
          add(t, spike);
        }
        break;
      case 6:
        if (const auto peer = otherThan(node)) add(t, CutLinkAction{node, *peer});
        break;
      case 7:
        if (const auto peer = otherThan(node)) {
          LinkAction lossy;
          lossy.from = node;
          lossy.to = *peer;
          lossy.bothWays = rng.chance(0.5);
          lossy.loss = rng.uniform(0.1, 0.6);
          add(t, lossy);
        }
        break;
      case 8: {
        NetworkAction duplicating;
        duplicating.duplication = rng.chance(0.3) ? 0.0 : rng.uniform(0.01, 0.2);
        add(t, duplicating);
        break;
      }
      case 9: {
        // A jump forwards or back, up to half a second, or back to true time.
        Duration offset = between(rng, -500ms, 500ms);
        if (skewed.count(node) && rng.chance(0.3)) offset = Duration{0};
        add(t, ClockAction{node, offset});
        if (offset == Duration{0}) skewed.erase(node); else skewed.insert(node);
        break;
      }
      case 10:
        if (slowed.count(node)) {
          add(t, SlowNodeAction{node, 1.0});
          slowed.erase(node);
        } else {
          add(t, SlowNodeAction{node, rng.uniform(2, 20)});
          slowed.insert(node);
        }
        break;
      case 11:
        if (disksMayBeLost && !down.count(node)) add(t, WipeAction{node});
        break;
      case 12:
      case 13:
        // Up to two membership changes: joins, and departures of running nodes (also while others are down).
        if (strict || membershipChanges >= 2) break;
        if (rng.chance(0.5)) {
          add(t, AddNodeAction{});
          ++nodes;
          ++membershipChanges;
        } else if (!down.count(node) && members() > 4) {
          add(t, DecommissionAction{node});
          gone.insert(node);
          slowed.erase(node);
          ++membershipChanges;
        }
        break;
      case 14:
        if (!strict) {
          // R and W anywhere from 1 to N (N stays 3): weaker or stronger quorums for the rest of the run.
          QuorumAction quorum;
          quorum.r = 1 + rng.below(3);
          quorum.w = 1 + rng.below(3);
          add(t, quorum);
        }
        break;
      default: break;
    }
  }
  spec.expectations = {atMostZero(ExpectMetric::kUnexplainedLostWrites), atMostZero(ExpectMetric::kDivergentKeys),
                       atMostZero(ExpectMetric::kMembershipDisagreements)};
  if (conflicts == ConflictMode::kLww) spec.expectations.push_back(atMostZero(ExpectMetric::kInventedValues));
  if (strict) spec.expectations.push_back(atMostZero(ExpectMetric::kStaleReads));
  if (conflicts == ConflictMode::kSiblings) spec.expectations.push_back(atMostZero(ExpectMetric::kLostCrdtIncrements));
  spec.description = fmt::format("{}. Faults drawn: {}.",
                                 strict ? "Strict quorums (R + W > N, no hinted handoff, no disk loss or membership "
                                          "change): no read may be stale"
                                        : "Sloppy quorums with hinted handoff",
                                 formatCampaignFaults(spec));
  return spec;
}

}  // namespace ringlab
