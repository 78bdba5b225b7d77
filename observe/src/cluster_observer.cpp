#include <ringlab/observe/cluster_observer.h>

#include <algorithm>

#include <ringlab/engine/overloaded.h>

namespace ringlab {

ClusterObserver::ClusterObserver(ObserverOptions options) : m_limits(options) {}

template <typename T>
void ClusterObserver::keepNewest(std::deque<T>& records, T record, std::size_t limit) {
  records.push_back(std::move(record));
  if (records.size() > limit) {
    records.pop_front();
    m_truncated = true;
  }
}

std::uint64_t ClusterObserver::fiberId(NodeId node, std::uint64_t id) const {
  if (m_limits.source == EventSource::kSimulation) return id;  // one id space for the whole cluster
  constexpr std::uint64_t kLow = (std::uint64_t{1} << kFiberIdNodeShift) - 1;
  return (static_cast<std::uint64_t>(node) + 1) << kFiberIdNodeShift | (id & kLow);
}

void ClusterObserver::observe(const Event& event, std::int64_t shiftNs) {
  const auto at = [shiftNs](TimePoint t) { return t.nanos() + shiftNs; };
  std::visit(
      Overloaded{
          [&](const MessageSent& e) { onSent(e, shiftNs); },
          [&](const MessageDelivered& e) { onDelivered(e, shiftNs); },
          [&](const MessageDropped& e) { onDropped(e, shiftNs); },
          [&](const RequestBegun& e) {
            if (!known(e.coordinator)) return;
            if (m_openRequests.size() >= m_limits.openRequests) m_openRequests.clear();  // their begins are lost
            m_openRequests[{e.coordinator, e.requestId}] =
                RequestRecord{e.requestId, e.coordinator, e.op, e.key, at(e.time), 0, ErrorCode::kOk, 0, {}, {}};
          },
          [&](const RequestCompleted& e) { onRequestCompleted(e, shiftNs); },
          [&](const FiberStarted& e) {
            if (!known(e.node)) return;
            keepNewest(m_fibers, FiberRecord{fiberId(e.node, e.fiberId), e.node, e.role, e.name, at(e.time), -1, false},
                       m_limits.fibersPerSnapshot);
          },
          [&](const FiberEnded& e) {
            if (!known(e.node)) return;
            keepNewest(
                m_fibers,
                FiberRecord{fiberId(e.node, e.fiberId), e.node, FiberRole::kSystem, {}, -1, at(e.time), e.cancelled},
                m_limits.fibersPerSnapshot);
          },
          [&](const FiberSlice& e) {
            if (!known(e.node)) return;
            WaitFor wait;
            if (e.state == FiberState::kBlocked) {
              wait = e.waitFor;
              if (wait.peer != kNoNode && !known(wait.peer)) wait.peer = kNoNode;
            }
            keepNewest(
                m_slices,
                FiberSliceRecord{fiberId(e.node, e.fiberId), e.node, e.role, e.state, at(e.start), at(e.end), wait},
                m_limits.recordsPerSnapshot);
          },
          [&](const NodeStateChanged& e) {
            if (!known(e.node)) return;
            addMark(at(e.time),
                    nodeName(e.node) + " " + (e.reason.empty() ? std::string(nodeStateName(e.state)) : e.reason));
          },
          [&](const ClusterChanged& e) { addMark(at(e.time), e.description); },
          [&](const PeerStateChanged& e) {
            if (!known(e.observer) || !known(e.peer)) return;
            if (e.state == NodeState::kDown || e.state == NodeState::kUp) {
              addMark(at(e.time),
                      nodeName(e.observer) + " sees " + nodeName(e.peer) + " " + std::string(nodeStateName(e.state)));
            }
          },
          [&](const AntiEntropyExchanged& e) {
            if (!known(e.node)) return;
            if (m_repairs.size() <= e.node) m_repairs.resize(static_cast<std::size_t>(e.node) + 1);
            auto& [last, total] = m_repairs[e.node];
            last = AntiEntropySummary{at(e.time),        e.peer,       e.range,      m_limits.merkleLeaves,
                                      e.differingLeaves, e.keysPushed, e.keysFetched};
            total += e.keysPushed + e.keysFetched;
          },
          [](const auto&) {},
      },
      event);
}

void ClusterObserver::onSent(const MessageSent& e, std::int64_t shiftNs) {
  if (!known(e.from) || !known(e.to) || !isKnownMessageKind(static_cast<std::uint8_t>(e.kind))) return;
  const std::int64_t t = e.time.nanos() + shiftNs;
  const std::uint64_t id = m_nextMessageId++;
  // A simulation knows when a message will arrive (a message lost at its send never does: its drop follows at once
  // and ends it); a real node does not, so its dot flies for the minimum flight.
  if (m_limits.source == EventSource::kSimulation) {
    m_inFlight[{e.from, e.messageId}] =
        MessageDot{id, e.from, e.to, e.kind, t, std::max(e.deliverAt, e.time).nanos() + shiftNs, e.requestId, e.bytes};
    return;
  }
  if (m_inFlight.size() < m_limits.unknownArrivals) {
    m_inFlight[{e.from, e.messageId}] = MessageDot{id, e.from, e.to, e.kind, t, t + kMinFlightNs, e.requestId, e.bytes};
  }
  const Link link{e.from, e.to, e.kind};
  // The receiver's stream may have brought the delivery first.
  if (auto early = m_earlyDeliveries.find(link); early != m_earlyDeliveries.end()) {
    auto& deliveries = early->second;
    std::erase_if(deliveries, [t](const PendingSend& d) { return d.atNs < t - kUnmatchedLifetimeNs; });
    const auto match = std::find_if(deliveries.begin(), deliveries.end(), [&](const PendingSend& d) {
      return (e.requestId == 0 || d.requestId == e.requestId) && d.atNs >= t - kClockSlackNs;
    });
    if (match != deliveries.end()) {
      keepNewest(m_messages,
                 MessageRecord{id, e.from, e.to, e.kind, e.requestId, e.bytes, t, std::max(t, match->atNs), false},
                 m_limits.recordsPerSnapshot);
      deliveries.erase(match);
      return;
    }
  }
  auto& queue = m_unmatchedSends[link];
  queue.push_back(PendingSend{t, e.requestId, e.bytes, id});
  while (!queue.empty() && queue.front().atNs < t - kUnmatchedLifetimeNs) queue.pop_front();
}

bool ClusterObserver::finishInFlight(NodeId from, std::uint64_t messageId, std::int64_t t, bool dropped) {
  if (m_limits.source != EventSource::kSimulation) return false;
  const auto it = m_inFlight.find({from, messageId});
  if (it == m_inFlight.end()) return false;
  const MessageDot& d = it->second;
  keepNewest(m_messages, MessageRecord{d.id, d.from, d.to, d.kind, d.requestId, d.bytes, d.sentNs, t, dropped},
             m_limits.recordsPerSnapshot);
  m_inFlight.erase(it);
  return true;
}

void ClusterObserver::onDelivered(const MessageDelivered& e, std::int64_t shiftNs) {
  if (!known(e.from) || !known(e.to) || !isKnownMessageKind(static_cast<std::uint8_t>(e.kind))) return;
  const std::int64_t t = e.time.nanos() + shiftNs;
  ++m_messagesDelivered;
  if (finishInFlight(e.from, e.messageId, t, /*dropped=*/false)) return;
  // A delivery that does not name its send: the send on the same link and of the same kind, for the same request when
  // the delivery names one, else the oldest (events are sampled: either half may be missing).
  const Link link{e.from, e.to, e.kind};
  const auto keepForItsSend = [&] {
    auto& deliveries = m_earlyDeliveries[link];
    deliveries.push_back(PendingSend{t, e.requestId, 0, 0});
    while (deliveries.size() > m_limits.unknownArrivals) deliveries.pop_front();
  };
  const auto it = m_unmatchedSends.find(link);
  if (it == m_unmatchedSends.end()) {
    keepForItsSend();
    return;
  }
  auto& queue = it->second;
  while (!queue.empty() && queue.front().atNs < t - kUnmatchedLifetimeNs) queue.pop_front();
  if (queue.empty()) {
    keepForItsSend();
    return;
  }
  auto match = queue.begin();
  if (e.requestId != 0) {
    const auto same =
        std::find_if(queue.begin(), queue.end(), [&](const PendingSend& p) { return p.requestId == e.requestId; });
    if (same != queue.end()) match = same;
  }
  const PendingSend sent = *match;
  queue.erase(match);
  keepNewest(m_messages,
             MessageRecord{sent.id, e.from, e.to, e.kind, sent.requestId, sent.bytes, sent.atNs, std::max(t, sent.atNs),
                           false},
             m_limits.recordsPerSnapshot);
}

void ClusterObserver::onDropped(const MessageDropped& e, std::int64_t shiftNs) {
  if (!known(e.from) || !known(e.to) || !isKnownMessageKind(static_cast<std::uint8_t>(e.kind))) return;
  const std::int64_t t = e.time.nanos() + shiftNs;
  m_drops.push_back(DropFlash{e.from, e.to, e.kind, e.reason, t});
  if (m_drops.size() > m_limits.dropsPerSnapshot) m_drops.pop_front();  // the newest are the ones a view shows
  if (finishInFlight(e.from, e.messageId, t, /*dropped=*/true)) return;
  // Lost before it was sent (a real node's fault rule), or its send was not seen: it lives and dies at one instant.
  keepNewest(m_messages, MessageRecord{m_nextMessageId++, e.from, e.to, e.kind, e.requestId, 0, t, t, true},
             m_limits.recordsPerSnapshot);
}

void ClusterObserver::onRequestCompleted(const RequestCompleted& e, std::int64_t shiftNs) {
  if (!known(e.coordinator)) return;
  const std::int64_t t = e.time.nanos() + shiftNs;
  if (e.result == ErrorCode::kOk) {
    ++m_requestsSucceeded;
  } else {
    ++m_requestsFailed;
  }
  RequestRecord record;
  if (const auto it = m_openRequests.find({e.coordinator, e.requestId}); it != m_openRequests.end()) {
    record = std::move(it->second);
    m_openRequests.erase(it);
  } else {
    record =
        RequestRecord{e.requestId, e.coordinator, e.op, e.key, t - e.latency.count(), 0, ErrorCode::kOk, 0, {}, {}};
  }
  record.endNs = t;
  record.result = e.result;
  keepNewest(m_requests, std::move(record), m_limits.recordsPerSnapshot);
}

void ClusterObserver::addMark(std::int64_t atNs, std::string text, bool narration) {
  // Marks are few (faults, changes, narration); past the limit the oldest go. Their loss does not make the message
  // history incomplete, so it is not reported as a truncation.
  m_marks.push_back(TimeMark{atNs, std::move(text), narration});
  if (m_marks.size() > m_limits.marksPerSnapshot) m_marks.pop_front();
}

void ClusterObserver::takeRecords(ClusterSnapshot& s, std::int64_t nowNs) {
  // Real nodes' dots fly until their minimum flight is over; a simulation's until their delivery or drop.
  if (m_limits.source == EventSource::kNodeStreams) {
    std::erase_if(m_inFlight, [nowNs](const auto& entry) { return entry.second.arrivesNs < nowNs; });
  }
  // Real nodes' streams interleave, each late by its own lag: a send mapped past `nowNs` is not drawn yet.
  std::size_t flying = 0;
  for (const auto& [key, dot] : m_inFlight) flying += dot.sentNs <= nowNs ? 1 : 0;
  s.inFlightTotal = flying;
  const std::size_t limit = std::max<std::size_t>(1, m_limits.dotsPerSnapshot);
  const std::size_t stride = flying > limit ? (flying + limit - 1) / limit : 1;
  s.inFlight.clear();
  s.inFlight.reserve(std::min(flying, limit));
  std::size_t i = 0;
  for (const auto& [key, dot] : m_inFlight) {
    if (dot.sentNs > nowNs) continue;
    if (i++ % stride == 0) s.inFlight.push_back(dot);
  }
  s.drops.assign(m_drops.begin(), m_drops.end());
  m_drops.clear();
  s.newMessages.assign(m_messages.begin(), m_messages.end());
  m_messages.clear();
  s.newRequests.assign(std::make_move_iterator(m_requests.begin()), std::make_move_iterator(m_requests.end()));
  m_requests.clear();
  s.newFibers.assign(std::make_move_iterator(m_fibers.begin()), std::make_move_iterator(m_fibers.end()));
  m_fibers.clear();
  s.newSlices.assign(m_slices.begin(), m_slices.end());
  m_slices.clear();
  s.newMarks.assign(std::make_move_iterator(m_marks.begin()), std::make_move_iterator(m_marks.end()));
  m_marks.clear();
  s.recordingTruncated = std::exchange(m_truncated, false);
  s.messagesDelivered = m_messagesDelivered;
  for (NodeInfo& info : s.nodes) {
    if (info.id >= m_repairs.size()) continue;
    info.lastRepair = m_repairs[info.id].first;
    info.antiEntropyKeysRepaired = m_repairs[info.id].second;
  }
}

}  // namespace ringlab
