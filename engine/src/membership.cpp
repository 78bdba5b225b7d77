#include <ringlab/engine/membership.h>

#include <algorithm>
#include <optional>
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

std::size_t MembershipView::indexOf(NodeId node) const {
  const auto it = std::lower_bound(m_order.begin(), m_order.end(), node);
  return it != m_order.end() && *it == node ? static_cast<std::size_t>(it - m_order.begin()) : kNotFound;
}

MemberInfo& MembershipView::entry(NodeId node) {
  const auto it = std::lower_bound(m_order.begin(), m_order.end(), node);
  const auto at = it - m_order.begin();
  if (it == m_order.end() || *it != node) {
    m_order.insert(it, node);
    m_infos.insert(m_infos.begin() + at, MemberInfo{});
  }
  return m_infos[static_cast<std::size_t>(at)];
}

void MembershipView::beat() { ++m_infos[indexOf(m_self)].heartbeat; }

void MembershipView::setOwnStatus(MemberStatus status) {
  MemberInfo& own = m_infos[indexOf(m_self)];
  if (own.status == status) return;
  own.status = status;
  ++own.heartbeat;
}

void MembershipView::addSeed(NodeId node) { entry(node); }

Gossip MembershipView::digest() const {
  Gossip gossip;
  gossip.members.reserve(m_order.size());
  for (std::size_t i = 0; i < m_order.size(); ++i) {
    const MemberInfo& info = m_infos[i];
    gossip.members.push_back(GossipEntry{m_order[i], info.generation, info.heartbeat, info.status});
  }
  return gossip;
}

MembershipView::MergeResult MembershipView::merge(const Gossip& remote, TimePoint now) {
  MergeResult result;
  // Members not known before the merge wait in `fresh`, sorted by node, and join the sorted arrays in one pass at the
  // end: a digest (sorted by node) naming a thousand new members appends to `fresh` a thousand times rather than
  // inserting into the middle of the arrays a thousand times.
  std::vector<std::pair<NodeId, MemberInfo>> fresh;
  const auto freshAt = [&](NodeId node) {
    return std::lower_bound(fresh.begin(), fresh.end(), node, [](const auto& f, NodeId n) { return f.first < n; });
  };
  std::size_t added = 0;
  // A digest lists its members in node order, as this view does: one walk along both finds each member, where a
  // binary search per member was a tenth of a 1,000-node simulation. A digest out of order (not one this code
  // writes) falls back to the search from where the order breaks.
  std::size_t cursor = 0;
  bool ascending = true;
  std::optional<NodeId> previous;
  for (const GossipEntry& entry : remote.members) {
    if (entry.node == m_self) continue;
    if (previous && entry.node <= *previous) ascending = false;
    previous = entry.node;
    std::size_t index = kNotFound;
    if (ascending) {
      while (cursor < m_order.size() && m_order[cursor] < entry.node) ++cursor;
      if (cursor < m_order.size() && m_order[cursor] == entry.node) index = cursor++;
    } else {
      index = indexOf(entry.node);
    }
    MemberInfo* local = nullptr;
    auto freshIt = fresh.end();
    if (index != kNotFound) {
      local = &m_infos[index];
    } else if (freshIt = freshAt(entry.node); freshIt != fresh.end() && freshIt->first == entry.node) {
      local = &freshIt->second;
    }
    if (!local) {
      if (m_limits.maxNewPerMerge != 0 || m_limits.maxMembers != 0) {
        if ((m_limits.maxNewPerMerge != 0 && added >= m_limits.maxNewPerMerge) ||
            (m_limits.maxMembers != 0 && m_order.size() + fresh.size() >= m_limits.maxMembers)) {
          ++m_refused;
          continue;
        }
        ++added;
      }
      // An unknown member starts as a seed placeholder.
      local = &fresh.insert(freshIt, {entry.node, MemberInfo{}})->second;
    }
    if (!newer(entry, *local)) continue;
    const bool heardOf = local->generation != 0 || local->heartbeat != 0;
    result.advanced.push_back(entry.node);
    if (heardOf && entry.generation > local->generation) result.restarted.push_back(entry.node);
    if (entry.status != local->status) {
      result.statusChanged.push_back(entry.node);
      if (entry.status == MemberStatus::kLeft) ++m_leftCount;
      if (local->status == MemberStatus::kLeft) --m_leftCount;
    }
    local->generation = entry.generation;
    local->heartbeat = entry.heartbeat;
    local->status = entry.status;
    local->lastChange = now;
  }
  if (!fresh.empty()) {
    // Merge from the back, in place: each array grows once.
    std::size_t old = m_order.size();
    std::size_t k = fresh.size();
    m_order.resize(old + k);
    m_infos.resize(old + k);
    for (std::size_t out = old + k; k > 0; --out) {
      if (old > 0 && m_order[old - 1] > fresh[k - 1].first) {
        m_order[out - 1] = m_order[old - 1];
        m_infos[out - 1] = m_infos[old - 1];
        --old;
      } else {
        m_order[out - 1] = fresh[k - 1].first;
        m_infos[out - 1] = fresh[k - 1].second;
        --k;
      }
    }
  }
  sortUnique(result.advanced);
  sortUnique(result.restarted);
  sortUnique(result.statusChanged);
  return result;
}

bool MembershipView::markLeft(NodeId node) {
  if (node == m_self) return false;
  const std::size_t index = indexOf(node);
  if (index == kNotFound) return false;
  MemberInfo& info = m_infos[index];
  if (info.status != MemberStatus::kLeft) ++m_leftCount;
  info.status = MemberStatus::kLeft;
  ++info.heartbeat;
  return true;
}

std::optional<MemberInfo> MembershipView::member(NodeId node) const {
  const std::size_t index = indexOf(node);
  if (index == kNotFound) return std::nullopt;
  return m_infos[index];
}

std::vector<NodeId> MembershipView::members() const { return m_order; }

std::optional<NodeId> MembershipView::pickPeer(std::uint64_t random) const {
  std::vector<NodeId> candidates;
  for (std::size_t i = 0; i < m_order.size(); ++i) {
    if (m_order[i] != m_self && m_infos[i].status != MemberStatus::kLeft) candidates.push_back(m_order[i]);
  }
  if (candidates.empty()) return std::nullopt;
  // The high half of random * n: uniform over the candidates to within n / 2^64, using the generator's high bits.
  const auto index = static_cast<std::size_t>((Uint128{random} * candidates.size()) >> 64);
  return candidates[index];
}

}  // namespace ringlab
