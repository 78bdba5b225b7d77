#include <ringlab/engine/membership.h>

#include <algorithm>
#include <tuple>

namespace ringlab {
namespace {

__extension__ typedef unsigned __int128 Uint128;

bool newer(const GossipEntry& remote, const MemberInfo& local) {
  return std::tie(remote.generation, remote.heartbeat) > std::tie(local.generation, local.heartbeat);
}

void sortUnique(std::vector<NodeId>& nodes) {
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
}

}  // namespace

MembershipView::MembershipView(NodeId self, std::uint64_t generation, MembershipLimits limits)
    : m_self(self), m_limits(limits) {
  entry(self).generation = generation;
}

MemberInfo& MembershipView::entry(NodeId node) {
  const auto [it, inserted] = m_members.try_emplace(node);
  if (inserted) m_order.insert(std::lower_bound(m_order.begin(), m_order.end(), node), node);
  return it->second;
}

void MembershipView::beat() { ++m_members.at(m_self).heartbeat; }

void MembershipView::setOwnStatus(MemberStatus status) {
  MemberInfo& own = m_members.at(m_self);
  if (own.status == status) return;
  own.status = status;
  ++own.heartbeat;
}

void MembershipView::addSeed(NodeId node) { entry(node); }

Gossip MembershipView::digest() const {
  Gossip gossip;
  gossip.members.reserve(m_members.size());
  for (const auto& [node, info] : m_members) {
    gossip.members.push_back(GossipEntry{node, info.generation, info.heartbeat, info.status});
  }
  return gossip;
}

MembershipView::MergeResult MembershipView::merge(const Gossip& remote, TimePoint now) {
  MergeResult result;
  std::size_t added = 0;
  for (const GossipEntry& entry : remote.members) {
    if (entry.node == m_self) continue;
    if ((m_limits.maxNewPerMerge != 0 || m_limits.maxMembers != 0) && !m_members.count(entry.node)) {
      if ((m_limits.maxNewPerMerge != 0 && added >= m_limits.maxNewPerMerge) ||
          (m_limits.maxMembers != 0 && m_members.size() >= m_limits.maxMembers)) {
        ++m_refused;
        continue;
      }
      ++added;
    }
    MemberInfo& local = this->entry(entry.node);  // an unknown member starts as a seed placeholder
    if (!newer(entry, local)) continue;
    const bool heardOf = local.generation != 0 || local.heartbeat != 0;
    result.advanced.push_back(entry.node);
    if (heardOf && entry.generation > local.generation) result.restarted.push_back(entry.node);
    if (entry.status != local.status) {
      result.statusChanged.push_back(entry.node);
      if (entry.status == MemberStatus::kLeft) ++m_leftCount;
      if (local.status == MemberStatus::kLeft) --m_leftCount;
    }
    local.generation = entry.generation;
    local.heartbeat = entry.heartbeat;
    local.status = entry.status;
    local.lastChange = now;
  }
  sortUnique(result.advanced);
  sortUnique(result.restarted);
  sortUnique(result.statusChanged);
  return result;
}

bool MembershipView::markLeft(NodeId node) {
  if (node == m_self) return false;
  const auto it = m_members.find(node);
  if (it == m_members.end()) return false;
  MemberInfo& info = it->second;
  if (info.status != MemberStatus::kLeft) ++m_leftCount;
  info.status = MemberStatus::kLeft;
  ++info.heartbeat;
  return true;
}

std::optional<MemberInfo> MembershipView::member(NodeId node) const {
  const auto it = m_members.find(node);
  if (it == m_members.end()) return std::nullopt;
  return it->second;
}

std::vector<NodeId> MembershipView::members() const { return m_order; }

std::optional<NodeId> MembershipView::pickPeer(std::uint64_t random) const {
  std::vector<NodeId> candidates;
  for (const auto& [node, info] : m_members) {
    if (node != m_self && info.status != MemberStatus::kLeft) candidates.push_back(node);
  }
  if (candidates.empty()) return std::nullopt;
  // The high half of random * n: uniform over the candidates to within n / 2^64, using the generator's high bits.
  const auto index = static_cast<std::size_t>((Uint128{random} * candidates.size()) >> 64);
  return candidates[index];
}

}  // namespace ringlab
