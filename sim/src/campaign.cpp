#include <ringlab/sim/campaign.h>

#include <set>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

}  // namespace

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
  std::set<NodeId> down, gone;
  bool membershipChanged = false;
  const auto members = [&] { return nodes - gone.size(); };
  for (Duration t = 1s; t < 10s; t += Duration(static_cast<std::int64_t>(rng.uniform(0.4e9, 1.6e9)))) {
    const auto node = static_cast<NodeId>(rng.below(nodes));
    if (gone.count(node)) continue;
    switch (rng.below(8)) {
      case 0:
        if (!down.count(node) && down.size() < 2) {
          spec.timeline.push_back(timelineEntry(t, CrashAction{node}));
          down.insert(node);
        }
        break;
      case 1:
        if (down.count(node)) {
          spec.timeline.push_back(timelineEntry(t, RestartAction{node, false}));
          down.erase(node);
        }
        break;
      case 2: {
        std::vector<NodeId> a, b;
        for (NodeId n = 0; n < nodes; ++n) {
          if (!gone.count(n)) (rng.chance(0.5) ? a : b).push_back(n);
        }
        if (!a.empty() && !b.empty()) spec.timeline.push_back(timelineEntry(t, PartitionAction{{a, b}}));
        break;
      }
      case 3: spec.timeline.push_back(timelineEntry(t, HealAction{})); break;
      case 4: {
        NetworkAction lossy;
        lossy.loss = rng.uniform(0, 0.1);
        spec.timeline.push_back(timelineEntry(t, lossy));
        break;
      }
      case 5: {
        const auto peer = static_cast<NodeId>((node + 1) % nodes);
        if (gone.count(peer)) break;
        LinkAction spike;
        spike.from = node;
        spike.to = peer;
        spike.latency = LatencyDistribution::constant(std::chrono::milliseconds(static_cast<int>(rng.uniform(5, 200))));
        spec.timeline.push_back(timelineEntry(t, spike));
        break;
      }
      case 6:
        // At most one membership change per campaign: a join, or the departure of a running node.
        if (membershipChanged) break;
        membershipChanged = true;
        if (rng.chance(0.5)) {
          spec.timeline.push_back(timelineEntry(t, AddNodeAction{}));
          ++nodes;
        } else if (!down.count(node) && members() > 4) {
          spec.timeline.push_back(timelineEntry(t, DecommissionAction{node}));
          gone.insert(node);
        }
        break;
      default: break;  // a quiet interval
    }
  }
  Expectation noLoss;
  noLoss.metric = ExpectMetric::kLostWrites;
  noLoss.max = 0;
  Expectation converged;
  converged.metric = ExpectMetric::kDivergentKeys;
  converged.max = 0;
  spec.expectations = {noLoss, converged};
  if (conflicts == ConflictMode::kSiblings) {
    Expectation noLostIncrement;
    noLostIncrement.metric = ExpectMetric::kLostCrdtIncrements;
    noLostIncrement.max = 0;
    spec.expectations.push_back(noLostIncrement);
  }
  return spec;
}

}  // namespace ringlab
