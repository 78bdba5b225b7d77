// The simulated network: how long each message takes, whether it is lost or duplicated, and which links are cut.
//
// Latency is drawn per message from a distribution chosen by precedence: the directed link's own setting, else the
// message kind's, else the default. Loss likewise: the link's probability, else the default. Partitions cut directed
// links; a two-way partition cuts both directions. Links are between nodes 0..nodeCount-1.
// A plain value owned by the Simulation; not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ringlab/engine/message.h>
#include <ringlab/engine/random.h>
#include <ringlab/engine/types.h>
#include <ringlab/sim/distribution.h>

namespace ringlab {

struct LinkSettings {
  std::optional<LatencyDistribution> latency;
  std::optional<double> loss;
};

struct NetworkConfig {
  LatencyDistribution latency =
      LatencyDistribution::exponential(std::chrono::microseconds(500)).plus(std::chrono::microseconds(100));
  std::array<std::optional<LatencyDistribution>, kMessageKindCount> latencyByKind{};
  double loss = 0.0;         // probability a message is lost
  double duplication = 0.0;  // probability a delivered message is delivered a second time
  std::map<std::pair<NodeId, NodeId>, LinkSettings> links;  // (from, to) overrides
};

// What happens to one message.
struct Transmission {
  bool lost = false;
  bool cut = false;  // dropped because the link is partitioned
  Duration latency{};
  bool duplicate = false;  // deliver a second copy
  Duration duplicateLatency{};
};

class NetworkModel {
 public:
  NetworkModel(NetworkConfig config, std::size_t nodeCount);

  // Decides the fate of a message from `from` to `to` of `kind`, drawing from `rng`.
  Transmission transmit(NodeId from, NodeId to, MessageKind kind, Rng& rng) const;

  bool linkCut(NodeId from, NodeId to) const;
  void cutLink(NodeId from, NodeId to);
  // Cuts every link between nodes of different groups, both ways. Nodes in no group keep all their links.
  void partition(const std::vector<std::vector<NodeId>>& groups);
  // Restores every cut link.
  void heal();
  bool anyCut() const { return m_cutCount > 0; }

  void setDefaultLatency(LatencyDistribution latency) { m_config.latency = std::move(latency); }
  void setKindLatency(MessageKind kind, LatencyDistribution latency);
  void setLinkLatency(NodeId from, NodeId to, LatencyDistribution latency);
  void setLinkLoss(NodeId from, NodeId to, double loss);
  void setLoss(double loss) { m_config.loss = loss; }
  void setDuplication(double probability) { m_config.duplication = probability; }
  void resize(std::size_t nodeCount);

  const NetworkConfig& config() const { return m_config; }
  std::size_t nodeCount() const { return m_nodeCount; }

 private:
  const LinkSettings* link(NodeId from, NodeId to) const;

  NetworkConfig m_config;
  std::size_t m_nodeCount;
  std::vector<std::uint8_t> m_cut;  // m_cut[from * m_nodeCount + to]
  std::size_t m_cutCount = 0;
};

}  // namespace ringlab
