#include <algorithm>

#include <ringlab/engine/events.h>

namespace ringlab {

std::string_view operationName(Operation op) {
  switch (op) {
    case Operation::kGet: return "get";
    case Operation::kPut: return "put";
    case Operation::kDelete: return "delete";
    case Operation::kIncrement: return "increment";
  }
  return "unknown";
}

std::string_view fiberRoleName(FiberRole role) {
  switch (role) {
    case FiberRole::kCoordinator: return "coordinator";
    case FiberRole::kReplica: return "replica";
    case FiberRole::kGossip: return "gossip";
    case FiberRole::kDetector: return "detector";
    case FiberRole::kHints: return "hints";
    case FiberRole::kRepair: return "repair";
    case FiberRole::kAntiEntropy: return "anti-entropy";
    case FiberRole::kClient: return "client";
    case FiberRole::kSystem: return "system";
  }
  return "unknown";
}

std::string_view hintActionName(HintAction action) {
  switch (action) {
    case HintAction::kStored: return "stored";
    case HintAction::kReplayed: return "replayed";
    case HintAction::kDropped: return "dropped";
    case HintAction::kHandedOver: return "handed_over";
  }
  return "unknown";
}

std::string_view dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kLoss: return "loss";
    case DropReason::kPartition: return "partition";
    case DropReason::kNodeDown: return "node down";
    case DropReason::kInjected: return "injected";
  }
  return "unknown";
}

std::string_view nodeStateName(NodeState state) {
  switch (state) {
    case NodeState::kUp: return "up";
    case NodeState::kDown: return "down";
    case NodeState::kSuspect: return "suspect";
    case NodeState::kJoining: return "joining";
    case NodeState::kLeaving: return "leaving";
  }
  return "unknown";
}

std::string_view fiberStateName(FiberState state) {
  switch (state) {
    case FiberState::kRunning: return "running";
    case FiberState::kReady: return "ready";
    case FiberState::kBlocked: return "blocked";
  }
  return "unknown";
}

std::string_view waitKindName(WaitKind kind) {
  switch (kind) {
    case WaitKind::kUnrecorded: return "unrecorded";
    case WaitKind::kTimer: return "timer";
    case WaitKind::kReplies: return "replies";
    case WaitKind::kInbox: return "inbox";
    case WaitKind::kStream: return "stream";
    case WaitKind::kStorage: return "storage";
    case WaitKind::kClient: return "client";
    case WaitKind::kNetwork: return "network";
    case WaitKind::kOutbox: return "outbox";
  }
  return "unknown";
}

std::string describeWait(const WaitFor& wait) {
  const std::string from = wait.peer == kNoNode ? std::string() : " from " + nodeName(wait.peer);
  const std::string to = wait.peer == kNoNode ? std::string() : " to " + nodeName(wait.peer);
  switch (wait.kind) {
    case WaitKind::kUnrecorded: return "something unrecorded (a lock)";
    case WaitKind::kTimer: return "a timer";
    case WaitKind::kReplies:
      return wait.requestId == 0 ? std::string("the answer to its request")
                                 : "replies to request " + std::to_string(wait.requestId);
    case WaitKind::kInbox: return "the next replica request";
    case WaitKind::kStream: return "a range batch" + from;
    case WaitKind::kStorage: return "a storage write";
    case WaitKind::kClient: return "the client's next command";
    case WaitKind::kNetwork:
      return "network I/O" + (wait.peer == kNoNode ? std::string() : " with " + nodeName(wait.peer));
    case WaitKind::kOutbox: return "messages to send" + to;
  }
  return "unknown";
}

std::string_view eventTypeName(EventType type) {
  switch (type) {
    case EventType::kMessageSent: return "message_sent";
    case EventType::kMessageDelivered: return "message_delivered";
    case EventType::kMessageDropped: return "message_dropped";
    case EventType::kRequestBegun: return "request_begun";
    case EventType::kRequestCompleted: return "request_completed";
    case EventType::kReplicaAnswered: return "replica_answered";
    case EventType::kFiberSlice: return "fiber_slice";
    case EventType::kFiberStarted: return "fiber_started";
    case EventType::kFiberEnded: return "fiber_ended";
    case EventType::kNodeStateChanged: return "node_state_changed";
    case EventType::kStorageWritten: return "storage_written";
    case EventType::kClusterChanged: return "cluster_changed";
    case EventType::kPeerStateChanged: return "peer_state_changed";
    case EventType::kHintEvent: return "hint";
    case EventType::kReadRepaired: return "read_repaired";
    case EventType::kAntiEntropyExchanged: return "anti_entropy_exchanged";
    case EventType::kRangeStreamed: return "range_streamed";
  }
  return "unknown";
}

EventBus::SubscriptionId EventBus::subscribe(EventMask mask, Handler handler) {
  const SubscriptionId id = m_nextId++;
  m_subscribers.push_back(Subscriber{id, mask & kAllEvents, std::move(handler)});
  recomputeMask();
  return id;
}

void EventBus::unsubscribe(SubscriptionId id) {
  std::erase_if(m_subscribers, [id](const Subscriber& s) { return s.id == id; });
  recomputeMask();
}

void EventBus::publish(const Event& event) {
  const EventMask bit = maskOf(eventType(event));
  if ((m_mask & bit) == 0) return;
  for (const auto& subscriber : m_subscribers) {
    if (subscriber.mask & bit) subscriber.handler(event);
  }
}

void EventBus::recomputeMask() {
  m_mask = 0;
  for (const auto& s : m_subscribers) m_mask |= s.mask;
}

}  // namespace ringlab
