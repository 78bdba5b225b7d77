#include <ringlab/engine/version.h>

#include <algorithm>
#include <limits>

#include <xxhash.h>

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

std::string_view recordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kRegister: return "register";
    case RecordKind::kSiblings: return "siblings";
    case RecordKind::kCounter: return "counter";
  }
  return "unknown";
}

Record Record::fromSiblings(SiblingSet siblings) {
  Record record;
  record.kind = RecordKind::kSiblings;
  if (const Sibling* newest = siblings.newest()) {
    record.version = newest->stamp;
    record.value = newest->value;
    record.tombstone = newest->tombstone;
  } else {
    record.tombstone = true;
  }
  record.siblings = std::move(siblings);
  return record;
}

Record Record::fromCounter(PnCounter counter, Version version) {
  Record record;
  record.kind = RecordKind::kCounter;
  record.version = version;
  record.value = std::to_string(counter.value());
  record.counter = std::move(counter);
  return record;
}

std::size_t Record::footprint() const {
  std::size_t bytes = value.size() + sizeof(Version) + 1;
  if (kind == RecordKind::kSiblings) {
    bytes += siblings.context().entries().size() * 12;
    for (const auto& s : siblings.siblings()) bytes += s.value.size() + 12 + sizeof(Version) + 1;
  } else if (kind == RecordKind::kCounter) {
    bytes += counter.entries().size() * 20;
  }
  return bytes;
}

Record mergeRecords(const Record& current, const Record& incoming) {
  if (current.kind == incoming.kind) {
    switch (current.kind) {
      case RecordKind::kRegister: break;
      case RecordKind::kSiblings: {
        Record merged = Record::fromSiblings(SiblingSet::merge(current.siblings, incoming.siblings));
        // An empty set (every sibling superseded by nothing) cannot arise from writes; keep the newer stamp anyway.
        if (merged.siblings.empty()) merged.version = std::max(current.version, incoming.version);
        return merged;
      }
      case RecordKind::kCounter:
        return Record::fromCounter(PnCounter::merge(current.counter, incoming.counter),
                                   std::max(current.version, incoming.version));
    }
  }
  return incoming.version > current.version ? incoming : current;
}

bool supersedes(const Record& incoming, const Record& current) {
  if (incoming.kind == RecordKind::kRegister && current.kind == RecordKind::kRegister) {
    return incoming.version > current.version;
  }
  return mergeRecords(current, incoming) != current;
}

std::optional<Record> reconcile(std::span<const std::optional<Record>> replies) {
  Reconciler reconciler;
  for (const auto& reply : replies) {
    if (reply) reconciler.add(*reply);
  }
  return reconciler.result();
}

void Reconciler::add(const Record& reply) {
  if (!m_current) {
    m_current = &reply;
    return;
  }
  if (!supersedes(reply, *m_current)) return;
  if (reply.kind == m_current->kind && reply.kind != RecordKind::kRegister) {
    m_merged = mergeRecords(*m_current, reply);  // built before it replaces what m_current may point at
    m_current = &*m_merged;
  } else {
    // Two registers, or records of two kinds: the merge is the newer record itself (see mergeRecords).
    m_current = &reply;
  }
}

Version syncVersion(const Record& record) {
  if (record.kind == RecordKind::kRegister) return record.version;
  std::string body(1, static_cast<char>(record.kind));
  if (record.kind == RecordKind::kSiblings) {
    appendSiblingSet(body, record.siblings);
  } else {
    appendPnCounter(body, record.counter);
  }
  return Version{static_cast<std::int64_t>(XXH3_64bits(body.data(), body.size())), 0, kNoNode};
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
