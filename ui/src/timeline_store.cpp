#include <ringlab/ui/timeline_store.h>

#include <algorithm>

namespace ringlab {

TimelineStore::TimelineStore(std::size_t maxMessages, std::size_t maxRequests)
    : m_maxMessages(maxMessages), m_maxRequests(maxRequests) {}

void TimelineStore::append(const FeedSnapshot& s) {
  if (s.nowNs < m_nowNs) clear();  // a new run
  m_nowNs = s.nowNs;
  m_messages.insert(m_messages.end(), s.newMessages.begin(), s.newMessages.end());
  m_requests.insert(m_requests.end(), s.newRequests.begin(), s.newRequests.end());
  m_marks.insert(m_marks.end(), s.newMarks.begin(), s.newMarks.end());
  while (m_messages.size() > m_maxMessages) {
    m_completeFromNs = std::max(m_completeFromNs, m_messages.front().endedNs);
    m_messages.pop_front();
  }
  while (m_requests.size() > m_maxRequests) {
    m_completeFromNs = std::max(m_completeFromNs, m_requests.front().endNs);
    m_requests.pop_front();
  }
  if (s.recordingTruncated && !s.newMessages.empty()) {
    // Only the newest records came: the record is complete from the oldest of them on.
    std::int64_t from = s.newMessages.front().sentNs;
    for (const MessageRecord& m : s.newMessages) from = std::min(from, m.sentNs);
    m_completeFromNs = std::max(m_completeFromNs, from);
  }
}

void TimelineStore::clear() {
  m_messages.clear();
  m_requests.clear();
  m_marks.clear();
  m_completeFromNs = 0;
  m_nowNs = 0;
}

std::vector<const MessageRecord*> TimelineStore::messagesOfRequest(std::uint64_t requestId) const {
  std::vector<const MessageRecord*> out;
  if (requestId == 0) return out;
  for (const MessageRecord& m : m_messages)
    if (m.requestId == requestId) out.push_back(&m);
  return out;
}

const RequestRecord* TimelineStore::request(std::uint64_t requestId) const {
  for (auto it = m_requests.rbegin(); it != m_requests.rend(); ++it)
    if (it->requestId == requestId) return &*it;
  return nullptr;
}

}  // namespace ringlab
