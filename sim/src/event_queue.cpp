#include <ringlab/sim/event_queue.h>

#include <limits>

namespace ringlab {
namespace {
constexpr std::int64_t kFarHorizonNanos = 20'000'000;  // 20 ms
constexpr std::int64_t kFarBucketNanos = 1'000'000;    // 1 ms
}  // namespace

void EventQueue::push(std::int64_t at, std::int64_t nowNs, EventKind kind, std::uint32_t slot,
                      std::uint32_t generation) {
  const QueuedEvent event{at, m_shuffleTies ? m_tieRng.next() : 0, m_nextSeq++, kind, slot, generation};
  if (at - nowNs > kFarHorizonNanos && at >= m_migratedUntil) {
    m_far[at / kFarBucketNanos].push_back(event);
    ++m_farCount;
  } else {
    m_heap.push(event);
  }
}

void EventQueue::migrateFarEvents(const IsCancelled& cancelled) {
  while (!m_far.empty()) {
    auto bucket = m_far.begin();
    const std::int64_t bucketStart = bucket->first * kFarBucketNanos;
    if (!m_heap.empty() && m_heap.top().at < bucketStart) return;
    m_farCount -= bucket->second.size();
    for (const QueuedEvent& event : bucket->second) {
      if (!cancelled(event)) m_heap.push(event);
    }
    m_migratedUntil = bucketStart + kFarBucketNanos;
    m_far.erase(bucket);
  }
}

std::optional<QueuedEvent> EventQueue::popUntil(std::int64_t untilNs, const IsCancelled& cancelled) {
  migrateFarEvents(cancelled);
  if (m_heap.empty() || m_heap.top().at > untilNs) return std::nullopt;
  const QueuedEvent event = m_heap.top();
  m_heap.pop();
  return event;
}

std::optional<std::int64_t> EventQueue::nextTime(const IsCancelled& cancelled) const {
  std::optional<std::int64_t> next;
  if (!m_heap.empty()) next = m_heap.top().at;
  for (const auto& [bucket, events] : m_far) {
    for (const QueuedEvent& event : events) {
      if (!cancelled(event) && (!next || event.at < *next)) next = event.at;
    }
    if (next && *next < (bucket + 1) * kFarBucketNanos) break;
  }
  return next;
}

}  // namespace ringlab
