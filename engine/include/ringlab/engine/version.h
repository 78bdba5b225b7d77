// Versions of stored values and how to reconcile them.
//
// A register record carries one value and its HLC Version (timestamp.h); replicas keep the newest (last-write-wins
// with a deterministic tie-break). Deletes write a tombstone record with a fresh version. In the `siblings` conflict
// mode a record carries a SiblingSet instead (every concurrent value with its dot and one causal context), and a
// counter key carries a PnCounter (causal.h); both merge by causality, never by timestamp.
//
// Everything that depends on the versioning scheme goes through this header: mergeRecords() (what every place that
// reconciles replicas uses: storage apply, hint store, coordinator read, read repair, anti-entropy, streaming),
// supersedes(), reconcile() and syncVersion(). Plain values; thread-compatible.
#pragma once

#include <optional>
#include <span>
#include <string>

#include <ringlab/engine/causal.h>
#include <ringlab/engine/timestamp.h>
#include <ringlab/engine/types.h>

namespace ringlab {

// What a record holds. Wire and storage numbers: never reuse or renumber one.
enum class RecordKind : std::uint8_t {
  kRegister = 0,  // one value (or tombstone), last-write-wins by version
  kSiblings = 1,  // a SiblingSet: concurrent values kept side by side
  kCounter = 2,   // a PnCounter
};
inline constexpr std::uint8_t kHighestRecordKind = 2;
// "register", "siblings", "counter"
std::string_view recordKindName(RecordKind kind);

// What a replica stores for a key: a value or a tombstone, with its version; or a sibling set; or a counter.
// For kSiblings, `version`, `value` and `tombstone` show the newest sibling (what a plain GET returns); for kCounter,
// `value` is the total in decimal and `version` the timestamp of the latest update it has seen.
struct Record {
  Version version;
  Value value;
  bool tombstone = false;
  RecordKind kind = RecordKind::kRegister;
  SiblingSet siblings{};  // kSiblings only
  PnCounter counter{};    // kCounter only

  // A sibling-set record whose visible fields show the newest sibling (a tombstone when the set is empty).
  static Record fromSiblings(SiblingSet siblings);
  // A counter record with its total as value.
  static Record fromCounter(PnCounter counter, Version version);

  // Bytes this record accounts for in storage and on the wire (value plus fixed overhead; every sibling's value and
  // dot, every counter entry).
  std::size_t footprint() const;
  friend bool operator==(const Record&, const Record&) = default;
};

// The join of two replicas' records of one key. Two registers: the newer (`current` on a tie). Two sibling sets or two
// counters: their causal merge. Records of different kinds (a key rewritten with another kind): the one with the
// newer version, as last-write-wins would.
Record mergeRecords(const Record& current, const Record& incoming);

// True when a replica holding `current` must change it on receiving `incoming`: for registers, when `incoming` is
// newer; for causal kinds, when the merge differs from `current`.
bool supersedes(const Record& incoming, const Record& current);

// The record a reader should see among replies (missing replies are nullopt): the merge of all of them. Returns
// nullopt when none has a record.
std::optional<Record> reconcile(std::span<const std::optional<Record>> replies);

// reconcile() one reply at a time, copying nothing on the way: it points at the winning reply, and builds a record of
// its own only when two replies of one causal kind (sibling sets, counters) must be merged. The replies added must
// outlive it, unchanged.
class Reconciler {
 public:
  Reconciler() = default;
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void add(const Record& reply);
  // What reconcile() would return so far; null when nothing was added. Valid while the replies and this are.
  const Record* current() const { return m_current; }
  std::optional<Record> result() const { return m_current ? std::optional<Record>(*m_current) : std::nullopt; }

 private:
  const Record* m_current = nullptr;
  std::optional<Record> m_merged;  // when m_current points here
};

// What anti-entropy and the Merkle trees compare: a register's version; for causal kinds a digest of the whole state
// (every sibling, the context, every counter entry) marked with node kNoNode, so two replicas with different sibling
// sets never look equal. isDigest() tells the two apart.
Version syncVersion(const Record& record);
inline bool isDigest(const Version& version) { return version.node == kNoNode; }

}  // namespace ringlab
