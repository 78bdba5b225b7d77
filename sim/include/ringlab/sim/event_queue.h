// EventQueue: the simulation's pending events in the order they run: by virtual time, then (when ties are shuffled)
// by a seeded draw, then by the order they were scheduled. Near events live in a binary heap; events more than a
// horizon ahead (mostly request deadlines, nearly all cancelled before they come up) wait in coarse time buckets and
// enter the heap only when their bucket may hold the next event, so a cancelled one never costs a heap operation.
// The order is exactly the same as one heap would give.
//
// The queue knows nothing of what an event means: an event is a kind and a slot (a timer, a message in flight) with
// a generation, and the owner says which events are cancelled.
//
// Not thread-safe: the simulation's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <queue>
#include <vector>

#include <ringlab/engine/random.h>

namespace ringlab {

enum class EventKind : std::uint8_t { kTimer, kDeliver, kRefused };

struct QueuedEvent {
  std::int64_t at = 0;    // virtual nanoseconds
  std::uint64_t tie = 0;  // orders events due at the same instant: 0 (FIFO by seq) unless ties are shuffled
  std::uint64_t seq = 0;
  EventKind kind{};
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  bool operator>(const QueuedEvent& o) const {
    if (at != o.at) return at > o.at;
    if (tie != o.tie) return tie > o.tie;
    return seq > o.seq;
  }
};

class EventQueue {
 public:
  using IsCancelled = std::function<bool(const QueuedEvent&)>;

  // `tieRng` orders same-instant events when `shuffleTies`; it is drawn from only then.
  EventQueue(bool shuffleTies, Rng tieRng) : m_shuffleTies(shuffleTies), m_tieRng(tieRng) {}

  // Schedules an event at `at`; `nowNs` is the current virtual time (it decides near or far).
  void push(std::int64_t at, std::int64_t nowNs, EventKind kind, std::uint32_t slot, std::uint32_t generation);
  // The next event due at or before `untilNs`, taken off the queue; nullopt when there is none. Far events whose bucket
  // may hold it move into the heap first, leaving cancelled ones behind.
  std::optional<QueuedEvent> popUntil(std::int64_t untilNs, const IsCancelled& cancelled);
  // Virtual time of the next event that is not cancelled, if any.
  std::optional<std::int64_t> nextTime(const IsCancelled& cancelled) const;
  std::size_t size() const { return m_heap.size() + m_farCount; }

 private:
  void migrateFarEvents(const IsCancelled& cancelled);

  bool m_shuffleTies;
  Rng m_tieRng;
  std::priority_queue<QueuedEvent, std::vector<QueuedEvent>, std::greater<>> m_heap;
  std::map<std::int64_t, std::vector<QueuedEvent>> m_far;  // by bucket number
  std::int64_t m_migratedUntil = 0;                        // every far event before this is in the heap
  std::size_t m_farCount = 0;
  std::uint64_t m_nextSeq = 0;
};

}  // namespace ringlab
