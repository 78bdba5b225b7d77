#include <ringlab/engine/version.h>

#include <algorithm>
#include <limits>

namespace ringlab {

std::string Version::toString() const {
  return std::to_string(physicalMicros) + "." + std::to_string(logical) + "@" + nodeName(node);
}

Causality compare(const Version& a, const Version& b) {
  const auto order = a <=> b;
  if (order < 0) return Causality::kBefore;
  if (order > 0) return Causality::kAfter;
  return Causality::kEqual;
}

bool supersedes(const Record& incoming, const Record& current) { return incoming.version > current.version; }

std::optional<Record> reconcile(std::span<const std::optional<Record>> replies) {
  const Record* newest = nullptr;
  for (const auto& reply : replies) {
    if (reply && (newest == nullptr || supersedes(*reply, *newest))) newest = &*reply;
  }
  if (newest == nullptr) return std::nullopt;
  return *newest;
}

namespace {

// The timestamp (physical, counter + 1), carried into the next microsecond if the counter would wrap, so that the
// result is always strictly greater than (physical, counter).
Version successor(std::int64_t physical, std::uint32_t counter, NodeId node) {
  if (counter == std::numeric_limits<std::uint32_t>::max()) return Version{physical + 1, 0, node};
  return Version{physical, counter + 1, node};
}

}  // namespace

Version HybridLogicalClock::now(std::int64_t physicalMicros) {
  const std::int64_t l = m_last.physicalMicros;
  if (physicalMicros > l) {
    m_last = Version{physicalMicros, 0, m_node};
  } else {
    m_last = successor(l, m_last.logical, m_node);
  }
  return m_last;
}

Version HybridLogicalClock::nowAfter(const Version& after, std::int64_t physicalMicros) {
  if (after.isNull() || after <= m_last || after.physicalMicros < physicalMicros) return now(physicalMicros);
  // `after` is newer than anything this clock has seen and not older than its physical time: take its physical part
  // and count past its logical part (HLC's receive rule with l = after.l).
  const std::int64_t top = std::max(physicalMicros, after.physicalMicros);
  std::uint32_t counter = after.logical;
  if (m_last.physicalMicros == top) counter = std::max(counter, m_last.logical);
  m_last = successor(top, counter, m_node);
  return m_last;
}

void HybridLogicalClock::observe(const Version& remote, std::int64_t physicalMicros) {
  const std::int64_t l = m_last.physicalMicros;
  const std::int64_t top = std::max({l, remote.physicalMicros, physicalMicros});
  if (top == l && top == remote.physicalMicros) {
    m_last = successor(top, std::max(m_last.logical, remote.logical), m_node);
  } else if (top == l) {
    m_last = successor(top, m_last.logical, m_node);
  } else if (top == remote.physicalMicros) {
    m_last = successor(top, remote.logical, m_node);
  } else {
    m_last = Version{top, 0, m_node};
  }
}

}  // namespace ringlab
