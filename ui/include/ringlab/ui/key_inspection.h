// Where one key is: what each of its replicas and fallbacks holds, how the copies relate, and the clients' recent
// operations on it, as a value a feed answers ClusterFeed::inspectKey with and the inspector shows. Pure functions to
// rank copies and describe records for display.
//
// Thread-safety: values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <ringlab/engine/types.h>
#include <ringlab/engine/version.h>
#include <ringlab/sim/history.h>

namespace ringlab {

struct KeyInspection {
  Key key;
  Token token = 0;
  struct Copy {
    NodeId node = 0;
    bool fallback = false;  // beyond the N replicas (holds it only as a hint or after a membership change)
    bool running = true;
    std::optional<Record> record;
    bool newest = false;  // holds the newest version any copy has (sibling sets, counters: has seen every other's)
    // Sibling sets and counters: how this copy relates to the others by causality, as in "up to date",
    // "behind n2" (another copy has seen everything this one has, and more) or "concurrent with n2" (each has seen
    // a write the other has not). Empty for registers (their timestamps decide) and for a missing record.
    std::string standing;
  };
  std::vector<Copy> copies;          // the N replicas, then the fallbacks
  std::vector<HistoryEntry> recent;  // the clients' latest operations on the key, oldest first
  std::size_t operations = 0;        // all of them so far
};

// Sets every copy's `newest` and `standing` from the records they hold (a feed's inspectKey calls it).
void rankCopies(std::vector<KeyInspection::Copy>& copies);
// How a copy's record reads in the inspector: "2 siblings", "counter = 17", "12 bytes", "a tombstone".
std::string describeHolding(const Record& record);
// One row of a sibling set or a counter in the inspector.
struct KeyPart {
  std::string label;    // the sibling's dot ("n1:4") or the counter entry's node ("n2")
  std::string version;  // the sibling's timestamp, or the entry's totals ("+6 -1")
  std::string value;    // the sibling's value ("'apple'", "a delete", "300 bytes"); empty for counter entries
  friend bool operator==(const KeyPart&, const KeyPart&) = default;
};
// One part per sibling or per counter entry; empty for a register.
std::vector<KeyPart> describeParts(const Record& record);

}  // namespace ringlab
