#include <ringlab/engine/hints.h>

#include <algorithm>

namespace ringlab {

HintStore::HintStore(std::size_t maxHints, std::size_t maxBytes) : m_maxHints(maxHints), m_maxBytes(maxBytes) {}

std::size_t HintStore::erase(std::uint64_t sequence) {
  const auto it = m_bySequence.find(sequence);
  const Hint& hint = it->second;
  const std::size_t bytes = hint.footprint();
  m_byOwnerKey.erase({hint.owner, hint.key});
  const auto owner = m_byOwner.find(hint.owner);
  owner->second.erase(sequence);
  if (owner->second.empty()) m_byOwner.erase(owner);
  m_bySequence.erase(it);
  --m_stats.pending;
  m_stats.bytes -= bytes;
  return bytes;
}

void HintStore::store(NodeId owner, const Key& key, const Record& incoming, TimePoint now) {
  Record record = incoming;
  const auto existing = m_byOwnerKey.find({owner, key});
  if (existing != m_byOwnerKey.end()) {
    const Record& held = m_bySequence.at(existing->second).record;
    if (!supersedes(incoming, held)) return;
    record = mergeRecords(held, incoming);  // a sibling set or counter keeps what the older hint carried
    erase(existing->second);
    ++m_stats.superseded;
  }

  ++m_stats.stored;
  Hint hint{owner, key, record, now, m_nextSequence++};
  const std::size_t bytes = hint.footprint();
  if (m_maxHints == 0 || bytes > m_maxBytes) {
    ++m_stats.dropped;
    return;
  }

  const std::uint64_t sequence = hint.sequence;
  m_byOwnerKey.emplace(std::pair{owner, key}, sequence);
  m_byOwner[owner].insert(sequence);
  m_bySequence.emplace(sequence, std::move(hint));
  ++m_stats.pending;
  m_stats.bytes += bytes;

  // The new hint has the highest sequence and fits on its own, so eviction stops before reaching it.
  while (m_stats.pending > m_maxHints || m_stats.bytes > m_maxBytes) {
    erase(m_bySequence.begin()->first);
    ++m_stats.dropped;
  }
}

std::vector<Hint> HintStore::pendingFor(NodeId owner, std::size_t max) const {
  std::vector<Hint> hints;
  const auto it = m_byOwner.find(owner);
  if (it == m_byOwner.end()) return hints;
  hints.reserve(std::min(max, it->second.size()));
  for (std::uint64_t sequence : it->second) {
    if (hints.size() == max) break;
    hints.push_back(m_bySequence.at(sequence));
  }
  return hints;
}

std::vector<NodeId> HintStore::owners() const {
  std::vector<NodeId> result;
  result.reserve(m_byOwner.size());
  for (const auto& [owner, sequences] : m_byOwner) result.push_back(owner);
  return result;
}

void HintStore::acknowledge(NodeId owner, const Key& key, const Version& version) {
  const auto it = m_byOwnerKey.find({owner, key});
  if (it == m_byOwnerKey.end() || m_bySequence.at(it->second).record.version != version) return;
  erase(it->second);
  ++m_stats.replayed;
}

void HintStore::acknowledge(NodeId owner, const Key& key, const Record& replayed) {
  const auto it = m_byOwnerKey.find({owner, key});
  if (it == m_byOwnerKey.end() || m_bySequence.at(it->second).record != replayed) return;
  erase(it->second);
  ++m_stats.replayed;
}

bool HintStore::holds(NodeId owner, const Key& key, const Record& record) const {
  const auto it = m_byOwnerKey.find({owner, key});
  return it != m_byOwnerKey.end() && m_bySequence.at(it->second).record == record;
}

std::size_t HintStore::pendingCount(NodeId owner) const {
  const auto it = m_byOwner.find(owner);
  return it == m_byOwner.end() ? 0 : it->second.size();
}

void HintStore::clear() {
  m_stats.dropped += m_stats.pending;
  m_bySequence.clear();
  m_byOwnerKey.clear();
  m_byOwner.clear();
  m_stats.pending = 0;
  m_stats.bytes = 0;
}

}  // namespace ringlab
