#include <ringlab/engine/membership.h>

#include <algorithm>
#include <limits>
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

MembershipView::SeedTable::SeedTable(std::vector<NodeId> nodes, std::uint64_t generation)
    : m_table(std::make_shared<Table>()) {
  sortUnique(nodes);
  m_table->infos.resize(nodes.size(), MemberInfo{.generation = generation});
  m_table->order = std::move(nodes);
}

const std::vector<NodeId>& MembershipView::SeedTable::nodes() const { return m_table->order; }

MembershipView::MembershipView(NodeId self, std::uint64_t generation, MembershipLimits limits)
    : m_self(self), m_limits(limits), m_table(std::make_shared<Table>()) {
  m_own.generation = generation;
  m_table->order.push_back(self);
  m_table->infos.emplace_back();
}

MembershipView::MembershipView(NodeId self, std::uint64_t generation, const SeedTable& seeds, MembershipLimits limits)
    : m_self(self), m_limits(limits), m_table(seeds.m_table) {
  m_own.generation = generation;
  if (indexOf(self) == kNotFound) {
    Table& table = writable();
    const auto it = std::lower_bound(table.order.begin(), table.order.end(), self);
    table.infos.insert(table.infos.begin() + (it - table.order.begin()), MemberInfo{});
    table.order.insert(it, self);
  }
}

MembershipView::Table& MembershipView::writable() {
  if (m_table.use_count() != 1) m_table = std::make_shared<Table>(*m_table);
  return *m_table;
}

std::size_t MembershipView::indexOf(NodeId node) const {
  const std::vector<NodeId>& order = m_table->order;
  const auto it = std::lower_bound(order.begin(), order.end(), node);
  return it != order.end() && *it == node ? static_cast<std::size_t>(it - order.begin()) : kNotFound;
}

MemberInfo& MembershipView::entry(NodeId node) {
  const std::size_t known = indexOf(node);
  Table& table = writable();
  if (known != kNotFound) return table.infos[known];
  const auto it = std::lower_bound(table.order.begin(), table.order.end(), node);
  const auto at = it - table.order.begin();
  table.order.insert(it, node);
  table.infos.insert(table.infos.begin() + at, MemberInfo{});
  return table.infos[static_cast<std::size_t>(at)];
}

void MembershipView::beat() { ++m_own.heartbeat; }

void MembershipView::raiseOwnHeartbeatAbove(std::uint64_t above) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t next = m_own.heartbeat == kMax ? kMax : m_own.heartbeat + 1;
  m_own.heartbeat = std::max(next, above == kMax ? kMax : above + 1);
}

void MembershipView::setOwnStatus(MemberStatus status) {
  if (m_own.status == status) return;
  m_own.status = status;
  ++m_own.heartbeat;
}

void MembershipView::addSeed(NodeId node) {
  if (node != m_self && indexOf(node) == kNotFound) entry(node);
}

Gossip MembershipView::digest() const {
  const Table& table = *m_table;
  Gossip gossip;
  gossip.members.reserve(table.order.size());
  for (std::size_t i = 0; i < table.order.size(); ++i) {
    const NodeId node = table.order[i];
    const MemberInfo& info = node == m_self ? m_own : table.infos[i];
    gossip.members.push_back(GossipEntry{node, info.generation, info.heartbeat, info.status});
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
  // Nothing is written until an entry is newer: a digest that brings no news leaves a shared table shared.
  const Table* table = m_table.get();
  Table* owned = nullptr;
  std::size_t cursor = 0;
  bool ascending = true;
  std::optional<NodeId> previous;
  for (const GossipEntry& entry : remote.members) {
    if (entry.node == m_self) continue;
    if (previous && entry.node <= *previous) ascending = false;
    previous = entry.node;
    std::size_t index = kNotFound;
    const std::vector<NodeId>& order = table->order;
    if (ascending) {
      while (cursor < order.size() && order[cursor] < entry.node) ++cursor;
      if (cursor < order.size() && order[cursor] == entry.node) index = cursor++;
    } else {
      index = indexOf(entry.node);
    }
    const MemberInfo* local = nullptr;
    MemberInfo* freshEntry = nullptr;  // the entry of `fresh` that `local` points to, if it is one
    auto freshIt = fresh.end();
    if (index != kNotFound) {
      local = &table->infos[index];
    } else if (freshIt = freshAt(entry.node); freshIt != fresh.end() && freshIt->first == entry.node) {
      local = freshEntry = &freshIt->second;
    }
    if (!local) {
      if (m_limits.maxNewPerMerge != 0 || m_limits.maxMembers != 0) {
        if ((m_limits.maxNewPerMerge != 0 && added >= m_limits.maxNewPerMerge) ||
            (m_limits.maxMembers != 0 && table->order.size() + fresh.size() >= m_limits.maxMembers)) {
          ++m_refused;
          continue;
        }
        ++added;
      }
      // An unknown member starts as a seed placeholder.
      local = freshEntry = &fresh.insert(freshIt, {entry.node, MemberInfo{}})->second;
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
    MemberInfo* target = nullptr;
    if (index != kNotFound) {
      if (owned == nullptr) {
        owned = &writable();
        table = owned;
      }
      target = &owned->infos[index];
    } else {
      target = freshEntry;
    }
    target->generation = entry.generation;
    target->heartbeat = entry.heartbeat;
    target->status = entry.status;
    target->lastChange = now;
  }
  if (!fresh.empty()) {
    // Merge from the back, in place: each array grows once.
    Table& out = writable();
    std::size_t old = out.order.size();
    std::size_t k = fresh.size();
    out.order.resize(old + k);
    out.infos.resize(old + k);
    for (std::size_t at = old + k; k > 0; --at) {
      if (old > 0 && out.order[old - 1] > fresh[k - 1].first) {
        out.order[at - 1] = out.order[old - 1];
        out.infos[at - 1] = out.infos[old - 1];
        --old;
      } else {
        out.order[at - 1] = fresh[k - 1].first;
        out.infos[at - 1] = fresh[k - 1].second;
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
  MemberInfo& info = writable().infos[index];
  if (info.status != MemberStatus::kLeft) ++m_leftCount;
  info.status = MemberStatus::kLeft;
  ++info.heartbeat;
  return true;
}

std::optional<MemberInfo> MembershipView::member(NodeId node) const {
  if (node == m_self) return m_own;
  const std::size_t index = indexOf(node);
  if (index == kNotFound) return std::nullopt;
  return m_table->infos[index];
}

std::vector<NodeId> MembershipView::members() const { return m_table->order; }

std::optional<NodeId> MembershipView::pickPeer(std::uint64_t random) const {
  std::vector<NodeId> candidates;
  const Table& table = *m_table;
  for (std::size_t i = 0; i < table.order.size(); ++i) {
    if (table.order[i] != m_self && table.infos[i].status != MemberStatus::kLeft) candidates.push_back(table.order[i]);
  }
  if (candidates.empty()) return std::nullopt;
  // The high half of random * n: uniform over the candidates to within n / 2^64, using the generator's high bits.
  const auto index = static_cast<std::size_t>((Uint128{random} * candidates.size()) >> 64);
  return candidates[index];
}

}  // namespace ringlab
