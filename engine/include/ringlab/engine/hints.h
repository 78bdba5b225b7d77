// Hinted handoff storage on a fallback node (Dynamo's sloppy quorum).
//
// When a replica is down, the coordinator writes to the next healthy node instead, with a hint naming the intended
// owner. The fallback keeps the hint here and replays it once the owner is back; the owner acknowledges and the hint
// is removed. Only the newest record per (owner, key) is worth replaying, so a newer hint replaces an older one.
// Storage is bounded by a hint count and a byte budget: past either, the oldest hints (lowest sequence number, any
// owner) are dropped, leaving those keys to read repair and anti-entropy.
//
// Pure and deterministic: the time comes from the caller and every container is ordered. Thread-compatible: const
// calls may run concurrently, anything else needs external synchronisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <ringlab/engine/types.h>
#include <ringlab/engine/version.h>

namespace ringlab {

struct Hint {
  NodeId owner = 0;
  Key key;
  Record record;
  TimePoint stored;
  std::uint64_t sequence = 0;  // order of arrival in its store, from 1; a replacing hint gets a new one

  // Bytes this hint accounts for against the store's byte budget: the key plus the record's footprint.
  std::size_t footprint() const { return key.size() + record.footprint(); }
  friend bool operator==(const Hint&, const Hint&) = default;
};

// Cumulative counters since construction, plus the current contents. Every hint stored has one fate, so
// stored == replayed + dropped + superseded + pending.
struct HintStats {
  std::uint64_t stored = 0;      // hints accepted (including ones that replaced an older hint)
  std::uint64_t replayed = 0;    // removed by acknowledge()
  std::uint64_t dropped = 0;     // evicted by a limit, refused as larger than the limits allow, or discarded by clear()
  std::uint64_t superseded = 0;  // replaced by a newer hint for the same (owner, key)
  std::size_t pending = 0;       // hints held now
  std::size_t bytes = 0;         // sum of their footprints
  friend bool operator==(const HintStats&, const HintStats&) = default;
};

class HintStore {
 public:
  // Limits on the hints held at once: their number and the sum of their footprints.
  explicit HintStore(std::size_t maxHints = 10000, std::size_t maxBytes = 64u << 20);

  // Stores a hint for `owner`. A newer version of the same (owner, key) replaces the older hint (counted superseded);
  // an older or equal one is ignored and counted nowhere. When a limit is exceeded the oldest hints (lowest sequence,
  // any owner) are dropped and counted. A hint that alone exceeds a limit is dropped on arrival (counted stored and
  // dropped) without evicting others; a stale hint it replaced stays removed.
  void store(NodeId owner, const Key& key, const Record& record, TimePoint now);

  // Up to `max` hints for `owner`, oldest first (copies). Empty when there are none.
  std::vector<Hint> pendingFor(NodeId owner, std::size_t max) const;

  // Owners with pending hints, sorted.
  std::vector<NodeId> owners() const;

  // Removes the hint for (owner, key) if it still holds `version`, counting it replayed. No effect when there is no
  // such hint or it holds another version (a newer hint stored meanwhile stays).
  // Removes the hint only if it still holds exactly `replayed` (a hint merged with newer siblings or counter entries
  // since the replay was sent stays, so what the replay did not carry is replayed later).
  void acknowledge(NodeId owner, const Key& key, const Record& replayed);
  void acknowledge(NodeId owner, const Key& key, const Version& version);

  std::size_t pending() const { return m_stats.pending; }
  std::size_t pendingCount(NodeId owner) const;
  // Whether the hint for (owner, key) holds exactly `record`.
  bool holds(NodeId owner, const Key& key, const Record& record) const;
  const HintStats& stats() const { return m_stats; }

  // Discards every pending hint, counting them as dropped (a node that loses its memory loses its hints). The other
  // counters and the limits are kept.
  void clear();

 private:
  // Removes the hint with this sequence number from every index; returns its footprint.
  std::size_t erase(std::uint64_t sequence);

  std::size_t m_maxHints;
  std::size_t m_maxBytes;
  std::uint64_t m_nextSequence = 1;
  std::map<std::uint64_t, Hint> m_bySequence;                    // all hints, oldest first
  std::map<std::pair<NodeId, Key>, std::uint64_t> m_byOwnerKey;  // (owner, key) -> sequence
  std::map<NodeId, std::set<std::uint64_t>> m_byOwner;           // owner -> its sequences; no empty sets
  HintStats m_stats;
};

}  // namespace ringlab
