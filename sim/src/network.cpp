#include <ringlab/sim/network.h>

namespace ringlab {

NetworkModel::NetworkModel(NetworkConfig config, std::size_t nodeCount)
    : m_config(std::move(config)), m_nodeCount(nodeCount), m_cut(nodeCount * nodeCount, 0) {}

const LinkSettings* NetworkModel::link(NodeId from, NodeId to) const {
  if (m_config.links.empty()) return nullptr;
  auto it = m_config.links.find({from, to});
  return it == m_config.links.end() ? nullptr : &it->second;
}

Transmission NetworkModel::transmit(NodeId from, NodeId to, MessageKind kind, Rng& rng) const {
  Transmission t;
  if (linkCut(from, to)) {
    t.cut = true;
    return t;
  }
  const LinkSettings* settings = link(from, to);
  const double loss = settings && settings->loss ? *settings->loss : m_config.loss;
  if (loss > 0 && rng.chance(loss)) {
    t.lost = true;
    return t;
  }
  const LatencyDistribution* latency = &m_config.latency;
  if (settings && settings->latency) {
    latency = &*settings->latency;
  } else if (const auto& byKind = m_config.latencyByKind[static_cast<std::size_t>(kind)]) {
    latency = &*byKind;
  }
  t.latency = latency->sample(rng);
  if (m_config.duplication > 0 && rng.chance(m_config.duplication)) {
    t.duplicate = true;
    t.duplicateLatency = latency->sample(rng);
  }
  return t;
}

bool NetworkModel::linkCut(NodeId from, NodeId to) const {
  if (m_cutCount == 0 || from >= m_nodeCount || to >= m_nodeCount) return false;
  return m_cut[from * m_nodeCount + to] != 0;
}

void NetworkModel::cutLink(NodeId from, NodeId to) {
  if (from >= m_nodeCount || to >= m_nodeCount || from == to) return;
  auto& cell = m_cut[from * m_nodeCount + to];
  if (!cell) {
    cell = 1;
    ++m_cutCount;
  }
}

void NetworkModel::partition(const std::vector<std::vector<NodeId>>& groups) {
  std::vector<int> groupOf(m_nodeCount, -1);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (NodeId node : groups[g]) {
      if (node < m_nodeCount) groupOf[node] = static_cast<int>(g);
    }
  }
  for (NodeId a = 0; a < m_nodeCount; ++a) {
    for (NodeId b = 0; b < m_nodeCount; ++b) {
      if (groupOf[a] >= 0 && groupOf[b] >= 0 && groupOf[a] != groupOf[b]) cutLink(a, b);
    }
  }
}

void NetworkModel::heal() {
  std::fill(m_cut.begin(), m_cut.end(), 0);
  m_cutCount = 0;
}

void NetworkModel::setKindLatency(MessageKind kind, LatencyDistribution latency) {
  m_config.latencyByKind[static_cast<std::size_t>(kind)] = std::move(latency);
}

void NetworkModel::setLinkLatency(NodeId from, NodeId to, LatencyDistribution latency) {
  m_config.links[{from, to}].latency = std::move(latency);
}

void NetworkModel::setLinkLoss(NodeId from, NodeId to, double loss) { m_config.links[{from, to}].loss = loss; }

void NetworkModel::resize(std::size_t nodeCount) {
  std::vector<std::uint8_t> cut(nodeCount * nodeCount, 0);
  std::size_t count = 0;
  for (NodeId a = 0; a < std::min(nodeCount, m_nodeCount); ++a) {
    for (NodeId b = 0; b < std::min(nodeCount, m_nodeCount); ++b) {
      cut[a * nodeCount + b] = m_cut[a * m_nodeCount + b];
      count += cut[a * nodeCount + b];
    }
  }
  m_cut = std::move(cut);
  m_cutCount = count;
  m_nodeCount = nodeCount;
}

}  // namespace ringlab
