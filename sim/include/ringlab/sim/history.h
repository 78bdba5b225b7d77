// The history checker: what the clients actually saw.
//
// A run records every client operation (invoke and completion times, key, the version written or read, and the
// client that issued it). After the run, the checker reports
//  - stale reads: successful reads that returned a version older than a write acknowledged before the read began;
//  - the staleness curve: for each band of time since the latest acknowledged write (by version, among writes
//    acknowledged before the read began), the share of reads that returned it or something newer; the band edges are
//    configurable, and the time at which that share first reaches 99.9 % is interpolated from the curve;
//  - the same staleness figures for each phase of the run (the reads invoked between two given instants, such as
//    the timeline's changes);
//  - lost writes: acknowledged writes that no acknowledged write superseded (no higher version) and that are absent
//    from every replica once the run has quiesced (durability violations);
//  - lost updates: acknowledged writes whose version is lower than that of a write acknowledged before they began, so
//    last-write-wins discarded them although they came later in real time (clock skew at work).
//
// "Acknowledged before an operation began" is real-time order, refined at a single instant by causal order: a write
// acknowledged at the very instant an operation is invoked precedes it only when the same client issued both (a
// closed-loop client without think time issues its next request at the instant its write is acknowledged). Writes of
// other clients acknowledged at that instant are concurrent with it.
// Pure functions over plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include <ringlab/engine/events.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/engine/version.h>

namespace ringlab {

struct HistoryEntry {
  std::uint64_t id = 0;      // operations of one client have increasing ids, in the order the client issued them
  std::uint64_t client = 0;  // the issuing client's session; 0 for an independent request (no causal order)
  NodeId coordinator = kNoNode;  // the node that coordinated it (kNoNode: none was running)
  Operation op{};
  Key key;
  TimePoint invoked;
  TimePoint completed;
  ErrorCode result = ErrorCode::kOk;
  Version version;     // put/delete: version written; get: version read (null when nothing was found)
  bool found = false;  // get: a live value was read
  // Siblings mode. Writes: the dot the write got (nullopt when it failed before getting one) and the causal context
  // it carried (what it supersedes). Reads and writes: how many siblings the key had in the result (0: not known).
  std::optional<Dot> dot;
  VersionVector context;
  std::size_t siblings = 0;
  std::int64_t delta = 0;  // increments: the amount added
};

// What the replicas hold for one key after quiesce: one entry per replica of the key's preference list
// (nullopt: the replica holds nothing for the key).
struct ReplicaVersions {
  std::vector<NodeId> replicas;
  std::vector<std::optional<Version>> versions;  // syncVersion(): a digest for sibling sets and counters
  // The records themselves, where the checker needs more than a version: sibling sets, counters and the register
  // values of counter keys (entries parallel to `replicas`; empty when not needed).
  std::vector<std::optional<Record>> records;
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
  bool diskLoss = false;  // HistoryCheckOptions::lostToDiskLoss explains it
};

// A successful read that returned a version no client ever wrote to that key.
struct InventedRead {
  std::uint64_t readId = 0;
  Key key;
  Version returned;
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

// The share of fresh reads as a function of the time since acknowledgement, interpolated linearly between band
// midpoints (the open last band counts at its lower edge; bands without reads are skipped), reaches `target` first at
// the returned time. When the first band with reads already reaches it, the curve is taken as flat before that band's
// midpoint and the result is that band's lower edge. nullopt when no band reaches it (or no band has reads).
std::optional<Duration> timeToFreshProbability(const std::vector<StalenessBand>& bands, double target);
inline constexpr double kFreshTarget = 0.999;

// Staleness of the reads invoked during one phase of a run: [from, to).
struct PhaseStaleness {
  TimePoint from;
  TimePoint to{Duration::max()};  // Duration::max() for the last phase
  std::uint64_t successfulReads = 0;
  std::uint64_t staleReads = 0;
  std::vector<StalenessBand> staleness;  // the same bands as the whole run's curve
  std::optional<Duration> freshAfter;    // timeToFreshProbability(staleness, kFreshTarget)
  double staleReadRate() const;
};

// Upper edges of every staleness band but the last: 1ms, 2ms, 5ms, 10ms, 20ms, 50ms, 100ms, 200ms, 500ms, 1s, 2s, 5s
// (so the bands are 0-1ms, 1-2ms, ..., 5s+).
std::vector<Duration> defaultStalenessBandEdges();
inline constexpr std::size_t kMaxStalenessBandEdges = 64;
// kInvalidArgument unless the edges are positive, strictly increasing and at most kMaxStalenessBandEdges.
Status validateStalenessBandEdges(const std::vector<Duration>& edges);

struct HistoryCheckOptions {
  // Upper edges of the bands but the last (valid per validateStalenessBandEdges); band i is [edge i-1, edge i) with
  // edge -1 = 0, the last band is [last edge, forever).
  std::vector<Duration> bandEdges = defaultStalenessBandEdges();
  // Where phases begin, increasing; reads belong to the phase in which they were invoked. The first phase starts at
  // 0 whatever the first entry is. Empty: one phase, the whole run.
  std::vector<TimePoint> phaseStarts;
  // Replicas drop tombstones after a grace period (tombstone_gc): a key no replica holds any more is deleted, so a
  // delete is not lost when its key is gone everywhere, and a read that finds nothing after a delete is fresh. A
  // replica that still holds an older value (the delete resurrected) is still a lost write, and reads of it stale.
  bool tombstonesCollected = false;
  // Last-write-wins registers: count reads that return a version no write to the key carried (every write counts,
  // failed ones too: a write that timed out may still have landed). A write whose coordinator crashed before it
  // answered has no version in the history but may have landed: a version issued by that coordinator (Version::node)
  // is accepted from it for reads that complete after it began. Keys with causal writes or counters are skipped.
  bool checkInventedValues = false;
  // Disks lost during the run: true when every node that acknowledged the write (key, version) lost its disk after
  // the write began (so its copy may have gone with it), which the model allows to lose it. Unset: no lost write
  // is explained.
  std::function<bool(const Key&, const Version&)> lostToDiskLoss;
};

struct HistoryReport {
  std::uint64_t operations = 0;
  std::uint64_t successfulReads = 0;
  std::uint64_t acknowledgedWrites = 0;  // puts and deletes
  std::uint64_t staleReads = 0;
  std::uint64_t lostWrites = 0;
  std::uint64_t lostUpdates = 0;
  std::uint64_t lostWritesToDiskLoss = 0;  // the lost writes HistoryCheckOptions::lostToDiskLoss explains
  std::uint64_t inventedReads = 0;         // HistoryCheckOptions::checkInventedValues
  std::vector<InventedRead> inventedReadExamples;
  std::vector<StaleRead> staleReadExamples;  // the first few, by read id
  std::vector<LostWrite> lostWriteExamples;
  std::vector<LostUpdate> lostUpdateExamples;
  std::vector<StalenessBand> staleness;   // the bands of HistoryCheckOptions::bandEdges
  std::optional<Duration> freshAfter;     // timeToFreshProbability(staleness, kFreshTarget)
  std::vector<PhaseStaleness> phases;     // one per phase (at least one)
  std::vector<TimePoint> staleReadTimes;  // completion time of every stale read, in time order
  // Siblings mode: a write is lost only if no replica holds it as a sibling and no write's context covered it.
  std::uint64_t siblingsCreated = 0;     // acknowledged writes that left their key with more than one sibling
  std::uint64_t largestSiblingSet = 0;   // the most siblings any result or final replica showed for one key
  std::uint64_t siblingSetsResolved = 0; // times a key with siblings went back to one by a write
  Duration longestSiblingLife{};         // longest time from a key getting siblings to a write resolving them
  // Counters: acknowledged increments (sum of amounts) against the total the replicas converged to, per key.
  std::int64_t acknowledgedIncrements = 0;
  std::int64_t convergedCounterTotal = 0;
  std::uint64_t lostIncrements = 0;      // sum over counter keys of max(0, acknowledged - converged)
  std::uint64_t lostCrdtIncrements = 0;  // the same, over the keys that converged to a CRDT counter
  double staleReadRate() const;
  // Lost writes no disk loss explains: each one is a bug.
  std::uint64_t unexplainedLostWrites() const { return lostWrites - lostWritesToDiskLoss; }
};

inline constexpr std::size_t kMaxHistoryExamples = 10;

// Checks a history. Entries may come in any order; only successful operations count as reads or acknowledged writes.
// `finalState` is consulted for lost writes: a write is present when any replica holds its version or a higher one.
// Keys absent from `finalState` count as held by no replica. Invalid band edges in `options` throw
// std::invalid_argument (check them with validateStalenessBandEdges first).
HistoryReport checkHistory(const std::vector<HistoryEntry>& history, const FinalReplicaState& finalState,
                           const HistoryCheckOptions& options = {});

// Replica divergence: keys whose replicas do not all hold the same version (a missing record differs from any).
std::uint64_t countDivergentKeys(const FinalReplicaState& state);

}  // namespace ringlab
