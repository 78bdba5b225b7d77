// What the space-time diagram draws: the finished messages, requests and time marks of the current run, accumulated
// from snapshots and bounded (the oldest are forgotten first). Plain values; UI thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include <ringlab/ui/feed_snapshot.h>

namespace ringlab {

class TimelineStore {
 public:
  explicit TimelineStore(std::size_t maxMessages = 300'000, std::size_t maxRequests = 100'000);

  // Adds what a snapshot brought. Records arrive in the order they finished.
  void append(const FeedSnapshot& snapshot);
  void clear();

  const std::deque<MessageRecord>& messages() const { return m_messages; }
  const std::deque<RequestRecord>& requests() const { return m_requests; }
  const std::vector<TimeMark>& marks() const { return m_marks; }
  // Virtual time from which the record is complete (older records were forgotten or left out).
  std::int64_t completeFromNs() const { return m_completeFromNs; }
  std::int64_t nowNs() const { return m_nowNs; }

  // Messages of one request (its fan-out: requests to replicas, answers, hints, read repair).
  std::vector<const MessageRecord*> messagesOfRequest(std::uint64_t requestId) const;
  const RequestRecord* request(std::uint64_t requestId) const;

 private:
  std::size_t m_maxMessages;
  std::size_t m_maxRequests;
  std::deque<MessageRecord> m_messages;
  std::deque<RequestRecord> m_requests;
  std::vector<TimeMark> m_marks;
  std::int64_t m_completeFromNs = 0;
  std::int64_t m_nowNs = 0;
};

}  // namespace ringlab
