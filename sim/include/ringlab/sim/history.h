// The history checker: what the clients actually saw.
//
// A run records every client operation (invoke and completion times, key, the version written or read). After the
// run, the checker reports
//  - stale reads: successful reads that returned a version older than a write acknowledged before the read began;
//  - the staleness curve: for each band of time since the latest acknowledged write (by version, among writes
//    acknowledged before the read began), the share of reads that returned it or something newer;
//  - lost writes: acknowledged writes that no acknowledged write superseded (no higher version) and that are absent
//    from every replica once the run has quiesced (durability violations);
//  - lost updates: acknowledged writes whose version is lower than that of a write acknowledged before they began, so
//    last-write-wins discarded them although they came later in real time (clock skew at work).
// Pure functions over plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include <ringlab/engine/events.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/engine/version.h>

namespace ringlab {

struct HistoryEntry {
  std::uint64_t id = 0;
  Operation op{};
  Key key;
  TimePoint invoked;
  TimePoint completed;
  ErrorCode result = ErrorCode::kOk;
  Version version;     // put/delete: version written; get: version read (null when nothing was found)
  bool found = false;  // get: a live value was read
};

// What the replicas hold for one key after quiesce: one entry per replica of the key's preference list
// (nullopt: the replica holds nothing for the key).
struct ReplicaVersions {
  std::vector<NodeId> replicas;
  std::vector<std::optional<Version>> versions;
};
using FinalReplicaState = std::map<Key, ReplicaVersions>;

struct StaleRead {
  std::uint64_t readId = 0;
  Key key;
  Version returned;
  Version latestAcknowledged;    // the newest version acknowledged before the read began
  Duration sinceAcknowledged{};  // read invocation minus that write's acknowledgement
};

struct LostWrite {
  std::uint64_t writeId = 0;
  Key key;
  Version version;
  TimePoint acknowledged;
};

struct LostUpdate {
  std::uint64_t writeId = 0;       // the discarded write
  std::uint64_t supersededBy = 0;  // the earlier write whose higher version won
  Key key;
  Version version;
  Version winningVersion;
};

struct StalenessBand {
  Duration from{};  // inclusive
  Duration to{};    // exclusive; Duration::max() for the last band
  std::uint64_t reads = 0;
  std::uint64_t fresh = 0;  // returned the latest acknowledged version or newer
  double freshProbability() const { return reads ? static_cast<double>(fresh) / static_cast<double>(reads) : 1.0; }
};

struct HistoryReport {
  std::uint64_t operations = 0;
  std::uint64_t successfulReads = 0;
  std::uint64_t acknowledgedWrites = 0;  // puts and deletes
  std::uint64_t staleReads = 0;
  std::uint64_t lostWrites = 0;
  std::uint64_t lostUpdates = 0;
  std::vector<StaleRead> staleReadExamples;  // the first few, by read id
  std::vector<LostWrite> lostWriteExamples;
  std::vector<LostUpdate> lostUpdateExamples;
  std::vector<StalenessBand> staleness;  // fixed bands: 0-1ms, 1-2ms, 2-5ms, 5-10ms, 10-20ms, 20-50ms, 50-100ms,
                                         // 100-200ms, 200-500ms, 500ms-1s, 1s-2s, 2s-5s, 5s+
  double staleReadRate() const;
};

inline constexpr std::size_t kMaxHistoryExamples = 10;

// Checks a history. Entries may come in any order; only successful operations count as reads or acknowledged writes.
// `finalState` is consulted for lost writes: a write is present when any replica holds its version or a higher one.
// Keys absent from `finalState` count as held by no replica.
HistoryReport checkHistory(const std::vector<HistoryEntry>& history, const FinalReplicaState& finalState);

// Replica divergence: keys whose replicas do not all hold the same version (a missing record differs from any).
std::uint64_t countDivergentKeys(const FinalReplicaState& state);

}  // namespace ringlab
