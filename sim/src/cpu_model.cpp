#include <ringlab/sim/cpu_model.h>

#include <algorithm>

namespace ringlab {

void CpuModel::addNode(TimePoint now) {
  m_nodes.emplace_back();
  m_nodes.back().freeAt.assign(m_cores, now);
}

std::optional<CpuModel::Slice> CpuModel::charge(NodeId node, TimePoint now) {
  NodeCores& cores = m_nodes[node];
  const Duration cost = Duration(static_cast<std::int64_t>(static_cast<double>(m_cost.count()) * cores.factor));
  if (cost <= Duration{0}) return std::nullopt;
  auto core = std::min_element(cores.freeAt.begin(), cores.freeAt.end());
  const TimePoint start = std::max(now, *core);
  const TimePoint end = start + cost;
  *core = end;
  cores.charged += cost;
  return Slice{start, end};
}

void CpuModel::release(NodeId node, TimePoint now) {
  NodeCores& cores = m_nodes[node];
  for (TimePoint& free : cores.freeAt) {
    if (free > now) cores.charged -= free - now;
    free = now;
  }
}

Duration CpuModel::busy(NodeId node, TimePoint now) const {
  if (node >= m_nodes.size()) return Duration{0};
  const NodeCores& cores = m_nodes[node];
  // Work queued on a core runs back to back from now until the core is free: only the part before now is done.
  Duration busy = cores.charged;
  for (TimePoint free : cores.freeAt) {
    if (free > now) busy -= free - now;
  }
  return busy;
}

void CpuModel::setFactor(NodeId node, double factor) {
  if (node < m_nodes.size()) m_nodes[node].factor = factor;
}

}  // namespace ringlab
