#include <ringlab/ui/key_inspection.h>

#include <algorithm>

#include <ringlab/engine/causal.h>

namespace ringlab {

namespace {

bool causalKind(const Record& r) { return r.kind == RecordKind::kSiblings || r.kind == RecordKind::kCounter; }

// How record a relates to record b by causality (both sibling sets or both counters).
Causality causalOrder(const Record& a, const Record& b) {
  if (a.kind == RecordKind::kSiblings) return SiblingSet::compare(a.siblings, b.siblings);
  return PnCounter::compare(a.counter, b.counter);
}

std::string preview(const Value& value) {
  const bool printable = std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!printable) return std::to_string(value.size()) + " bytes";
  if (value.size() <= 12) return "'" + value + "'";
  return "'" + value.substr(0, 9) + "...' (" + std::to_string(value.size()) + " bytes)";
}

}  // namespace

void rankCopies(std::vector<KeyInspection::Copy>& copies) {
  std::optional<Version> newest;
  for (const auto& c : copies) {
    if (c.record && !causalKind(*c.record) && (!newest || *newest < c.record->version)) newest = c.record->version;
  }
  for (auto& c : copies) {
    c.standing.clear();
    c.newest = false;
    if (!c.record) continue;
    if (!causalKind(*c.record)) {
      c.newest = newest && c.record->version == *newest;
      continue;
    }
    // A sibling set or counter is up to date when no other copy of the same kind has seen a write it has not.
    std::string behind;
    std::string concurrent;
    for (const auto& other : copies) {
      if (&other == &c || !other.record || other.record->kind != c.record->kind) continue;
      const std::string name = nodeName(other.node);
      switch (causalOrder(*c.record, *other.record)) {
        case Causality::kBefore: behind += (behind.empty() ? "" : ", ") + name; break;
        case Causality::kConcurrent: concurrent += (concurrent.empty() ? "" : ", ") + name; break;
        case Causality::kEqual:
        case Causality::kAfter: break;
      }
    }
    c.newest = behind.empty() && concurrent.empty();
    if (c.newest) {
      c.standing = "up to date";
    } else if (!behind.empty()) {
      c.standing = "behind " + behind;
    } else {
      c.standing = "concurrent with " + concurrent;
    }
  }
}

std::string describeHolding(const Record& record) {
  switch (record.kind) {
    case RecordKind::kSiblings: {
      const std::size_t n = record.siblings.siblings().size();
      if (n == 0) return "an empty sibling set";
      if (n == 1) return record.tombstone ? "1 sibling: a delete" : "1 sibling: " + preview(record.value);
      return std::to_string(n) + " siblings";
    }
    case RecordKind::kCounter: return "counter = " + std::to_string(record.counter.value());
    case RecordKind::kRegister: break;
  }
  return record.tombstone ? "a tombstone" : std::to_string(record.value.size()) + " bytes";
}

std::vector<KeyPart> describeParts(const Record& record) {
  std::vector<KeyPart> out;
  if (record.kind == RecordKind::kSiblings) {
    for (const Sibling& s : record.siblings.siblings()) {
      out.push_back({s.dot.toString(), s.stamp.toString(), s.tombstone ? std::string("a delete") : preview(s.value)});
    }
  } else if (record.kind == RecordKind::kCounter) {
    for (const PnCounter::Entry& e : record.counter.entries()) {
      std::string totals = "+" + std::to_string(e.increments);
      if (e.decrements != 0) totals += " -" + std::to_string(e.decrements);
      out.push_back({nodeName(e.node), std::move(totals), std::string()});
    }
  }
  return out;
}

}  // namespace ringlab
