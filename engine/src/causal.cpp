#include <ringlab/engine/causal.h>

#include <algorithm>

namespace ringlab {
namespace {

// A state-based CRDT's order, read off its join: a before b when joining a into b leaves b as it was.
template <typename State>
Causality compareByJoin(const State& a, const State& b) {
  if (a == b) return Causality::kEqual;
  const State joined = State::merge(a, b);
  if (joined == b) return Causality::kBefore;
  if (joined == a) return Causality::kAfter;
  return Causality::kConcurrent;
}

}  // namespace

std::string Dot::toString() const { return nodeName(node) + ":" + std::to_string(counter); }

VersionVector::VersionVector(std::vector<Entry> entries) {
  for (const auto& e : entries) advance(e.node, e.counter);
}

std::uint64_t VersionVector::get(NodeId node) const {
  const auto it =
      std::lower_bound(m_entries.begin(), m_entries.end(), node, [](const Entry& e, NodeId n) { return e.node < n; });
  return it != m_entries.end() && it->node == node ? it->counter : 0;
}

void VersionVector::advance(NodeId node, std::uint64_t counter) {
  if (counter == 0) return;
  const auto it =
      std::lower_bound(m_entries.begin(), m_entries.end(), node, [](const Entry& e, NodeId n) { return e.node < n; });
  if (it != m_entries.end() && it->node == node) {
    it->counter = std::max(it->counter, counter);
  } else {
    m_entries.insert(it, Entry{node, counter});
  }
}

void VersionVector::merge(const VersionVector& other) {
  std::vector<Entry> out;
  out.reserve(m_entries.size() + other.m_entries.size());
  auto a = m_entries.begin();
  auto b = other.m_entries.begin();
  while (a != m_entries.end() || b != other.m_entries.end()) {
    if (b == other.m_entries.end() || (a != m_entries.end() && a->node < b->node)) {
      out.push_back(*a++);
    } else if (a == m_entries.end() || b->node < a->node) {
      out.push_back(*b++);
    } else {
      out.push_back(Entry{a->node, std::max(a->counter, b->counter)});
      ++a;
      ++b;
    }
  }
  m_entries = std::move(out);
}

VersionVector VersionVector::merged(const VersionVector& a, const VersionVector& b) {
  VersionVector out = a;
  out.merge(b);
  return out;
}

bool VersionVector::descends(const VersionVector& other) const {
  return std::all_of(other.m_entries.begin(), other.m_entries.end(),
                     [&](const Entry& e) { return get(e.node) >= e.counter; });
}

std::string VersionVector::toString() const {
  if (m_entries.empty()) return "(empty)";
  std::string out;
  for (const auto& e : m_entries) {
    if (!out.empty()) out += ' ';
    out += nodeName(e.node) + ":" + std::to_string(e.counter);
  }
  return out;
}

Causality compare(const VersionVector& a, const VersionVector& b) {
  const bool aDescendsB = a.descends(b);
  const bool bDescendsA = b.descends(a);
  if (aDescendsB && bDescendsA) return Causality::kEqual;
  if (bDescendsA) return Causality::kBefore;
  if (aDescendsB) return Causality::kAfter;
  return Causality::kConcurrent;
}

Result<SiblingSet> SiblingSet::fromParts(VersionVector context, std::vector<Sibling> siblings) {
  std::sort(siblings.begin(), siblings.end(), [](const Sibling& x, const Sibling& y) { return x.dot < y.dot; });
  for (std::size_t i = 0; i < siblings.size(); ++i) {
    if (i > 0 && siblings[i - 1].dot == siblings[i].dot) {
      return Status(ErrorCode::kCorrupt, "two siblings share the dot " + siblings[i].dot.toString());
    }
    if (siblings[i].dot.counter == 0) {
      return Status(ErrorCode::kCorrupt, "the sibling dot " + siblings[i].dot.toString() + " has counter 0");
    }
    if (!context.covers(siblings[i].dot)) {
      return Status(ErrorCode::kCorrupt, "the causal context " + context.toString() + " does not cover the dot " +
                                             siblings[i].dot.toString());
    }
  }
  SiblingSet set;
  set.m_context = std::move(context);
  set.m_siblings = std::move(siblings);
  return set;
}

Dot SiblingSet::write(NodeId coordinator, const VersionVector& readContext, Value value, bool tombstone,
                      Version stamp) {
  std::erase_if(m_siblings, [&](const Sibling& s) { return readContext.covers(s.dot); });
  m_context.merge(readContext);
  const Dot dot = nextDot(coordinator);
  m_context.advance(dot.node, dot.counter);
  // The new dot is the highest of its node, so it sorts after every sibling of that node; insert in dot order.
  const auto at = std::upper_bound(m_siblings.begin(), m_siblings.end(), dot,
                                   [](const Dot& d, const Sibling& s) { return d < s.dot; });
  m_siblings.insert(at, Sibling{dot, std::move(value), tombstone, stamp});
  return dot;
}

SiblingSet SiblingSet::merge(const SiblingSet& a, const SiblingSet& b) {
  SiblingSet out;
  out.m_context = VersionVector::merged(a.m_context, b.m_context);
  auto x = a.m_siblings.begin();
  auto y = b.m_siblings.begin();
  while (x != a.m_siblings.end() || y != b.m_siblings.end()) {
    if (y == b.m_siblings.end() || (x != a.m_siblings.end() && x->dot < y->dot)) {
      if (!b.m_context.covers(x->dot)) out.m_siblings.push_back(*x);  // b has not seen it: keep
      ++x;
    } else if (x == a.m_siblings.end() || y->dot < x->dot) {
      if (!a.m_context.covers(y->dot)) out.m_siblings.push_back(*y);
      ++y;
    } else {
      out.m_siblings.push_back(*x);  // both hold it: dots are unique, so it is the same write
      ++x;
      ++y;
    }
  }
  return out;
}

Causality SiblingSet::compare(const SiblingSet& a, const SiblingSet& b) { return compareByJoin(a, b); }

const Sibling* SiblingSet::newest() const {
  const Sibling* best = nullptr;
  for (const auto& s : m_siblings) {
    if (best == nullptr || s.stamp > best->stamp) best = &s;
  }
  return best;
}

std::string SiblingSet::toString() const {
  std::string out;
  for (const auto& s : m_siblings) {
    out += "[" + s.dot.toString() + (s.tombstone ? " deleted" : " '" + s.value + "'") + "] ";
  }
  return out + "ctx{" + m_context.toString() + "}";
}

Result<PnCounter> PnCounter::fromEntries(std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.node < y.node; });
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i - 1].node == entries[i].node) {
      return Status(ErrorCode::kCorrupt, "the counter names " + nodeName(entries[i].node) + " twice");
    }
  }
  PnCounter counter;
  counter.m_entries = std::move(entries);
  return counter;
}

PnCounter::Entry& PnCounter::entryFor(NodeId node) {
  const auto it =
      std::lower_bound(m_entries.begin(), m_entries.end(), node, [](const Entry& e, NodeId n) { return e.node < n; });
  if (it != m_entries.end() && it->node == node) return *it;
  return *m_entries.insert(it, Entry{node, 0, 0});
}

void PnCounter::add(NodeId node, std::int64_t delta) {
  if (delta == 0) return;
  Entry& e = entryFor(node);
  if (delta > 0) {
    e.increments += static_cast<std::uint64_t>(delta);
  } else {
    // -(delta + 1) + 1 avoids negating INT64_MIN.
    e.decrements += static_cast<std::uint64_t>(-(delta + 1)) + 1;
  }
}

std::int64_t PnCounter::value() const {
  std::uint64_t up = 0;
  std::uint64_t down = 0;
  for (const auto& e : m_entries) {
    up += e.increments;
    down += e.decrements;
  }
  return static_cast<std::int64_t>(up - down);  // two's complement wrap, as Redis's INCR overflow would not allow
}

PnCounter PnCounter::merge(const PnCounter& a, const PnCounter& b) {
  PnCounter out = a;
  for (const auto& e : b.m_entries) {
    Entry& mine = out.entryFor(e.node);
    mine.increments = std::max(mine.increments, e.increments);
    mine.decrements = std::max(mine.decrements, e.decrements);
  }
  return out;
}

Causality PnCounter::compare(const PnCounter& a, const PnCounter& b) { return compareByJoin(a, b); }

std::string PnCounter::toString() const {
  std::string out;
  for (const auto& e : m_entries) {
    if (!out.empty()) out += ' ';
    out += nodeName(e.node) + ":+" + std::to_string(e.increments);
    if (e.decrements > 0) out += "-" + std::to_string(e.decrements);
  }
  return (out.empty() ? std::string("(empty)") : out) + " = " + std::to_string(value());
}

}  // namespace ringlab

namespace ringlab {
namespace {

void putLe(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

class CausalReader {
 public:
  explicit CausalReader(std::string_view bytes) : m_bytes(bytes) {}

  Status take(std::uint64_t& value, int bytes, const char* what) {
    if (m_bytes.size() - m_at < static_cast<std::size_t>(bytes)) {
      return Status(ErrorCode::kTruncated, std::string("causal body ends inside the ") + what + " at byte " +
                                               std::to_string(m_at));
    }
    value = 0;
    for (int i = 0; i < bytes; ++i) {
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(m_bytes[m_at + i])) << (8 * i);
    }
    m_at += static_cast<std::size_t>(bytes);
    return Status::ok();
  }

  // A count whose elements take at least `minBytes` each must fit in what remains.
  Status count(std::uint64_t& n, std::size_t minBytes, const char* what) {
    if (Status s = take(n, 4, what); !s) return s;
    if (n > (m_bytes.size() - m_at) / minBytes) {
      return Status(ErrorCode::kCorrupt, std::string(what) + " " + std::to_string(n) + " at byte " +
                                             std::to_string(m_at - 4) + " does not fit the " +
                                             std::to_string(m_bytes.size() - m_at) + " bytes that remain");
    }
    return Status::ok();
  }

  Status bytes(std::string& out, std::size_t length, const char* what) {
    if (m_bytes.size() - m_at < length) {
      return Status(ErrorCode::kTruncated, std::string("causal body ends inside the ") + what + " at byte " +
                                               std::to_string(m_at));
    }
    out.assign(m_bytes.substr(m_at, length));
    m_at += length;
    return Status::ok();
  }

  Status finish() const {
    if (m_at == m_bytes.size()) return Status::ok();
    return Status(ErrorCode::kCorrupt, "causal body has " + std::to_string(m_bytes.size() - m_at) +
                                           " trailing bytes at byte " + std::to_string(m_at));
  }
  std::size_t at() const { return m_at; }

 private:
  std::string_view m_bytes;
  std::size_t m_at = 0;
};

}  // namespace

void appendSiblingSet(std::string& out, const SiblingSet& set) {
  putLe(out, set.context().entries().size(), 4);
  for (const auto& e : set.context().entries()) {
    putLe(out, e.node, 4);
    putLe(out, e.counter, 8);
  }
  putLe(out, set.siblings().size(), 4);
  for (const auto& s : set.siblings()) {
    putLe(out, s.dot.node, 4);
    putLe(out, s.dot.counter, 8);
    out.push_back(s.tombstone ? 1 : 0);
    putLe(out, static_cast<std::uint64_t>(s.stamp.physicalMicros), 8);
    putLe(out, s.stamp.logical, 4);
    putLe(out, s.stamp.node, 4);
    putLe(out, s.value.size(), 4);
    out += s.value;
  }
}

void appendPnCounter(std::string& out, const PnCounter& counter) {
  putLe(out, counter.entries().size(), 4);
  for (const auto& e : counter.entries()) {
    putLe(out, e.node, 4);
    putLe(out, e.increments, 8);
    putLe(out, e.decrements, 8);
  }
}

Result<SiblingSet> parseSiblingSet(std::string_view bytes, std::size_t maxValueBytes) {
  CausalReader reader(bytes);
  std::uint64_t n = 0;
  if (Status s = reader.count(n, 12, "context entry count"); !s) return s;
  std::vector<VersionVector::Entry> entries;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t node = 0;
    std::uint64_t counter = 0;
    if (Status s = reader.take(node, 4, "context node"); !s) return s;
    if (Status s = reader.take(counter, 8, "context counter"); !s) return s;
    entries.push_back({static_cast<NodeId>(node), counter});
  }
  if (Status s = reader.count(n, 33, "sibling count"); !s) return s;
  std::vector<Sibling> siblings;
  for (std::uint64_t i = 0; i < n; ++i) {
    Sibling sibling;
    std::uint64_t node = 0;
    std::uint64_t tombstone = 0;
    std::uint64_t physical = 0;
    std::uint64_t logical = 0;
    std::uint64_t stampNode = 0;
    std::uint64_t length = 0;
    if (Status s = reader.take(node, 4, "dot node"); !s) return s;
    if (Status s = reader.take(sibling.dot.counter, 8, "dot counter"); !s) return s;
    if (Status s = reader.take(tombstone, 1, "tombstone flag"); !s) return s;
    if (tombstone > 1) {
      return Status(ErrorCode::kCorrupt, "tombstone flag " + std::to_string(tombstone) + " at byte " +
                                             std::to_string(reader.at() - 1) + " is neither 0 nor 1");
    }
    if (Status s = reader.take(physical, 8, "sibling timestamp"); !s) return s;
    if (Status s = reader.take(logical, 4, "sibling timestamp"); !s) return s;
    if (Status s = reader.take(stampNode, 4, "sibling timestamp"); !s) return s;
    if (Status s = reader.take(length, 4, "sibling value length"); !s) return s;
    if (length > maxValueBytes) {
      return Status(ErrorCode::kTooLarge, "sibling value of " + std::to_string(length) + " bytes at byte " +
                                              std::to_string(reader.at() - 4) + " exceeds the limit of " +
                                              std::to_string(maxValueBytes));
    }
    if (Status s = reader.bytes(sibling.value, length, "sibling value"); !s) return s;
    sibling.dot.node = static_cast<NodeId>(node);
    sibling.tombstone = tombstone == 1;
    sibling.stamp = Version{static_cast<std::int64_t>(physical), static_cast<std::uint32_t>(logical),
                            static_cast<NodeId>(stampNode)};
    siblings.push_back(std::move(sibling));
  }
  if (Status s = reader.finish(); !s) return s;
  return SiblingSet::fromParts(VersionVector(std::move(entries)), std::move(siblings));
}

Result<PnCounter> parsePnCounter(std::string_view bytes) {
  CausalReader reader(bytes);
  std::uint64_t n = 0;
  if (Status s = reader.count(n, 20, "counter entry count"); !s) return s;
  std::vector<PnCounter::Entry> entries;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t node = 0;
    PnCounter::Entry e;
    if (Status s = reader.take(node, 4, "counter node"); !s) return s;
    if (Status s = reader.take(e.increments, 8, "counter increments"); !s) return s;
    if (Status s = reader.take(e.decrements, 8, "counter decrements"); !s) return s;
    e.node = static_cast<NodeId>(node);
    entries.push_back(e);
  }
  if (Status s = reader.finish(); !s) return s;
  return PnCounter::fromEntries(std::move(entries));
}

}  // namespace ringlab
