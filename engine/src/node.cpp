#include <ringlab/engine/node.h>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <span>
#include <string>

#include "node_waits.h"

#include <ringlab/engine/hash.h>

namespace ringlab {

std::string_view conflictModeName(ConflictMode mode) { return mode == ConflictMode::kSiblings ? "siblings" : "lww"; }

std::string_view injectedBugName(InjectedBug bug) {
  switch (bug) {
    case InjectedBug::kNone: return "none";
    case InjectedBug::kAckBeforeStore: return "ack-before-store";
    case InjectedBug::kSkipHintReplay: return "skip-hint-replay";
    case InjectedBug::kReadKeepsOldest: return "read-keeps-oldest";
    case InjectedBug::kDropAntiEntropyRecords: return "drop-anti-entropy-records";
  }
  return "none";
}

std::optional<InjectedBug> parseInjectedBug(std::string_view name) {
  if (name == injectedBugName(InjectedBug::kNone)) return InjectedBug::kNone;
  for (InjectedBug bug : kInjectableBugs) {
    if (injectedBugName(bug) == name) return bug;
  }
  return std::nullopt;
}

std::string injectableBugList() {
  std::string list;
  const std::size_t count = std::size(kInjectableBugs);
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) list += i + 1 == count ? " or " : ", ";
    list += injectedBugName(kInjectableBugs[i]);
  }
  return list;
}

std::optional<ConflictMode> parseConflictMode(std::string_view name) {
  if (name == "lww") return ConflictMode::kLww;
  if (name == "siblings") return ConflictMode::kSiblings;
  return std::nullopt;
}

Node::Node(NodeConfig config, Runtime& runtime, Storage& storage, std::shared_ptr<const Ring> ring)
    : m_config(config),
      m_rt(runtime),
      m_storage(storage),
      m_ring(std::move(ring)),
      m_hlc(config.id),
      m_membership(config.id, 0, config.membershipLimits),
      m_detector(config.mechanisms.detector),
      m_hints(config.mechanisms.maxHints),
      m_inbox(std::make_unique<Inbox>()) {}

Node::~Node() = default;

std::size_t Node::queuedMessages() const { return m_inbox->queue.size(); }

void Node::start(std::uint64_t generation) {
  if (m_running) return;
  m_running = true;
  const MechanismConfig& mechanisms = m_config.mechanisms;
  if (m_seeds) {
    m_membership = MembershipView(m_config.id, generation, *m_seeds, m_config.membershipLimits);
  } else {
    m_membership = MembershipView(m_config.id, generation, m_config.membershipLimits);
    for (NodeId node : m_ring->nodes()) m_membership.addSeed(node);
  }
  m_detector = PhiAccrualDetector(mechanisms.detector);
  m_peerStates.clear();
  m_gossipHeard.clear();
  m_checkQueue = {};
  m_checkDue.clear();
  m_doubted.clear();
  m_doubtedIndex.clear();
  m_hintReplays.clear();
  m_handOvers.clear();
  const std::size_t workers = std::max<std::size_t>(1, m_rt.concurrency());
  for (std::size_t i = 0; i < workers; ++i) {
    m_rt.spawn(FiberRole::kReplica, "replica-" + std::to_string(i + 1), [this] { serveReplicaRequests(); });
  }
  if (swimming()) {
    startSwim();
  } else {
    if (mechanisms.gossip) m_rt.spawn(FiberRole::kGossip, "gossip", [this] { runGossip(); });
    if (mechanisms.gossip && mechanisms.failureDetector) {
      m_rt.spawn(FiberRole::kDetector, "failure-detector", [this] { runDetector(); });
    }
  }
  if (mechanisms.hintedHandoff) m_rt.spawn(FiberRole::kHints, "hint-replay", [this] { runHintReplay(); });
  if (mechanisms.antiEntropy) m_rt.spawn(FiberRole::kAntiEntropy, "anti-entropy", [this] { runAntiEntropy(); });
  if (mechanisms.tombstoneGc) m_rt.spawn(FiberRole::kSystem, "tombstone-gc", [this] { runTombstoneGc(); });
}

void Node::stop() {
  if (!m_running) return;
  m_running = false;
  // Every fiber waiting for replies wakes and unwinds.
  m_requests.cancelAll();
  m_hintReplays.clear();
  m_handOvers.clear();
  m_streams.cancelAll();
  m_handOffs.cancelAll();
  m_inbox->queue.clear();
  m_inbox->ready.notify_all();
  // A causal write cut short before its local apply returned was sent nowhere; storage holds every one that was.
  m_causalInFlight.clear();
  m_unstored.clear();  // InjectedBug::kAckBeforeStore: acknowledged, never stored
}

OperationResult Node::get(const Key& key) { return coordinate(Operation::kGet, key, {}, {}, CausalWrite{}); }
OperationResult Node::put(const Key& key, Value value) {
  return coordinate(Operation::kPut, key, std::move(value), {}, CausalWrite{});
}
OperationResult Node::remove(const Key& key) { return coordinate(Operation::kDelete, key, {}, {}, CausalWrite{}); }
OperationResult Node::execute(Operation op, const Key& key, Value value, const Version& after) {
  return coordinate(op, key, std::move(value), after, CausalWrite{});
}

OperationResult Node::writeWithContext(Operation op, const Key& key, Value value, const VersionVector& context,
                                       const Version& after) {
  return coordinate(op, key, std::move(value), after, CausalWrite{&context, 0});
}

OperationResult Node::increment(const Key& key, std::int64_t delta, const Version& after) {
  return coordinate(Operation::kIncrement, key, {}, after, CausalWrite{nullptr, delta});
}

Result<Record> Node::buildCausalRecord(Operation op, const Key& key, Value value, const Version& stamp,
                                       const CausalWrite& causal, std::optional<Dot>& dot) {
  std::optional<Record> base = m_storage.get(key);
  if (auto it = m_causalInFlight.find(key); it != m_causalInFlight.end()) {
    base = base ? mergeRecords(*base, it->second.record) : it->second.record;
  }
  if (op == Operation::kIncrement) {
    PnCounter counter;
    if (base && base->kind == RecordKind::kCounter) {
      counter = base->counter;
    } else if (base && !base->tombstone) {
      return Status(ErrorCode::kInvalidArgument,
                    "WRONGTYPE " + key + " holds a " + (base->kind == RecordKind::kSiblings ? "sibling set" : "value") +
                        ", not a counter (INCR, DECR, INCRBY and DECRBY create a counter on a missing key)");
    }
    counter.add(m_config.id, causal.delta);
    return Record::fromCounter(std::move(counter), stamp);
  }
  SiblingSet set;
  if (base && base->kind == RecordKind::kSiblings) set = base->siblings;
  const VersionVector none;
  const VersionVector& context = causal.context != nullptr ? *causal.context : none;
  const auto kept = static_cast<std::size_t>(std::count_if(set.siblings().begin(), set.siblings().end(),
                                                           [&](const Sibling& s) { return !context.covers(s.dot); }));
  if (kept + 1 > m_config.maxSiblings) {
    return Status(ErrorCode::kTooLarge, key + " would have " + std::to_string(kept + 1) + " siblings; the limit is " +
                                            std::to_string(m_config.maxSiblings) +
                                            ": read it and write back with its context to resolve them");
  }
  dot = set.write(m_config.id, context, std::move(value), op == Operation::kDelete, stamp);
  return Record::fromSiblings(std::move(set));
}

namespace {

// Adds the record of every successful answer to `reconciler` (which then points into `answers`).
void addRecords(Reconciler& reconciler, std::span<const ReplicaAnswer> answers) {
  for (const ReplicaAnswer& answer : answers) {
    if (answer.result == ErrorCode::kOk && answer.record) reconciler.add(*answer.record);
  }
}

}  // namespace

OperationResult Node::coordinate(Operation op, const Key& key, Value value, const Version& after,
                                 const CausalWrite& causal) {
  m_rt.checkAlive();
  OperationResult result;
  result.op = op;
  result.key = key;
  result.begun = m_rt.now();
  auto fail = [&](ErrorCode code, std::string message) {
    result.status = Status(code, std::move(message));
    result.completed = m_rt.now();
    return result;
  };
  if (key.empty()) return fail(ErrorCode::kInvalidArgument, "empty key");
  if (key.size() > m_storage.limits().maxKeyBytes) {
    return fail(ErrorCode::kTooLarge, "key of " + std::to_string(key.size()) + " bytes exceeds the limit of " +
                                          std::to_string(m_storage.limits().maxKeyBytes) + " bytes");
  }
  if (value.size() > m_storage.limits().maxValueBytes) {
    return fail(ErrorCode::kTooLarge, "value of " + std::to_string(value.size()) + " bytes exceeds the limit of " +
                                          std::to_string(m_storage.limits().maxValueBytes) + " bytes");
  }

  m_rt.chargeCpu();
  m_stats.coordinated++;
  const QuorumConfig quorum = m_config.quorum;
  const MechanismConfig& mechanisms = m_config.mechanisms;
  PreferenceList preference;
  m_ring->preferenceList(tokenForKey(key), quorum.n, mechanisms.hintedHandoff ? kMaxFallbacks : 0, preference);
  const std::size_t needed = op == Operation::kGet ? quorum.r : quorum.w;

  auto pending = std::make_shared<PendingRequest>(m_rt, nextRequestId(), needed);
  pending->op = op;
  pending->key = key;
  pending->replicas.assign(preference.replicas.begin(), preference.replicas.end());
  pending->fallbacks.assign(preference.fallbacks.begin(), preference.fallbacks.end());
  result.requestId = pending->id;

  auto& bus = m_rt.events();
  if (bus.wants(EventType::kRequestBegun)) {
    bus.publish(RequestBegun{m_rt.now(), m_config.id, pending->id, op, key, preference.replicas});
  }
  if (preference.replicas.size() < needed) {
    result = fail(ErrorCode::kUnavailable, "the ring has " + std::to_string(preference.replicas.size()) +
                                               " nodes for this key; " + std::to_string(needed) + " are needed");
  } else if (const bool causalWrite =
                 op == Operation::kIncrement || (op != Operation::kGet && m_config.conflicts == ConflictMode::kSiblings);
             causalWrite && std::find(preference.replicas.begin(), preference.replicas.end(), m_config.id) ==
                                preference.replicas.end()) {
    // The next dot must come from a replica's own state for the key, or two writes could get the same one.
    std::string replicas;
    for (NodeId replica : preference.replicas) replicas += (replicas.empty() ? "" : ", ") + nodeName(replica);
    result = fail(ErrorCode::kInvalidArgument, nodeName(m_config.id) + " is not a replica of this key (" + replicas +
                                                   " are); a causal write or increment must go to one of them");
  } else {
    if (causalWrite) {
      m_rt.chargeCpu();  // before reading the state the write builds on: nothing may yield in between but the apply
      const Version stamp = m_hlc.nowAfter(after, m_rt.wallClockMicros());
      auto built = buildCausalRecord(op, key, std::move(value), stamp, causal, result.dot);
      if (built) {
        pending->record = std::move(*built);
        // Stored here before any other replica sees it, so a crash cannot make this node issue the dot again.
        InFlight& inFlight = m_causalInFlight[key];
        inFlight.record = inFlight.writers == 0 ? pending->record : mergeRecords(inFlight.record, pending->record);
        inFlight.writers++;
        pending->localResult = applyLocally(key, pending->record);
        if (auto it = m_causalInFlight.find(key); it != m_causalInFlight.end() && --it->second.writers == 0) {
          m_causalInFlight.erase(it);
        }
        if (*pending->localResult != ErrorCode::kOk) {
          built = Status(*pending->localResult, "the coordinator could not store the write");
        }
      }
      if (!built) result = fail(built.status().code(), built.status().message());
    } else if (op != Operation::kGet) {
      pending->record.version = m_hlc.nowAfter(after, m_rt.wallClockMicros());
      pending->record.tombstone = op == Operation::kDelete;
      pending->record.value = std::move(value);
    }
  }
  if (result.status.isOk()) {
    // Send to the N replicas; wait for R replies or W acks, or the timeout; answer.
    // A request this node serves alone (the key's only replica is this node) has its answer before sendToReplicas
    // returns: it needs no deadline, and no entry where answers from other nodes would find it.
    auto awaitAnswers = [&] {
      m_requests.add(pending->id, pending);
      pending->startDeadline(m_config.requestTimeout, [this, id = pending->id] { onDeadline(id); });
    };
    const bool alone = pending->servedAlone(m_config.id);
    if (!alone) awaitAnswers();
    sendToReplicas(*pending);
    // The local share was refused and a hinted copy went to a fallback after all: its ack comes as a message.
    if (alone && pending->arrived() < pending->expected()) awaitAnswers();
    result.status = awaitQuorum(*pending);
    const std::size_t counted = pending->counted();
    result.answers.reserve(counted);
    for (std::size_t i = 0; i < counted; ++i) {
      const ReplicaAnswer& a = pending->answers[i];
      result.answers.push_back(ReplicaAnswer{a.replica, a.result, std::nullopt, a.at});
    }
    if (op == Operation::kGet) {
      // Reconciled from the answers in place, before finish() may let them go: one copy of the winner, not one per
      // step.
      Reconciler reconciler;
      addRecords(reconciler, std::span(pending->answers).first(counted));
      const Record* newest = reconciler.current();
      if (m_config.injectedBug == InjectedBug::kReadKeepsOldest) {
        for (std::size_t i = 0; i < counted; ++i) {
          const ReplicaAnswer& a = pending->answers[i];
          if (a.result == ErrorCode::kOk && a.record && (!newest || a.record->version < newest->version)) {
            newest = &*a.record;
          }
        }
      }
      if (newest) {
        result.version = newest->version;
        result.found = !newest->tombstone;
        if (result.found) result.value = newest->value;
        result.record = *newest;
      }
    }
    finish(*pending);
    result.completed = m_rt.now();
    if (op != Operation::kGet) {
      result.version = pending->record.version;
      for (const Sibling& sibling : pending->record.siblings.siblings()) {
        if (result.dot && sibling.dot == *result.dot) result.version = sibling.stamp;  // this write's own stamp
      }
      if (pending->record.kind != RecordKind::kRegister) {
        if (op == Operation::kIncrement) result.value = pending->record.value;
        result.record = pending->record;
      }
    }
  }
  if (bus.wants(EventType::kRequestCompleted)) {
    bus.publish(RequestCompleted{m_rt.now(), m_config.id, result.requestId, op, key, result.status.code(),
                                 result.completed - result.begun, result.version,
                                 static_cast<std::uint32_t>(result.answers.size())});
  }
  return result;
}

void Node::sendToReplicas(PendingRequest& pending) {
  const Operation op = pending.op;
  const MechanismConfig& mechanisms = m_config.mechanisms;
  // Replicas the failure detector believes down get no request: a write goes to a fallback with a hint instead
  // (sloppy quorum), a read counts them as failed at once.
  const bool sloppy = op != Operation::kGet && mechanisms.hintedHandoff;
  bool local = false;
  std::vector<NodeId> down;
  for (NodeId replica : pending.replicas) {
    if (replica == m_config.id) {
      local = true;
      pending.expect();
      continue;
    }
    if (!isUp(replica) && (sloppy || op == Operation::kGet)) {
      down.push_back(replica);
      continue;
    }
    pending.expect();
    Message message;
    message.to = replica;
    message.requestId = pending.id;
    if (op == Operation::kGet) {
      message.payload = ReadRequest{pending.key};
    } else {
      message.payload = WriteRequest{pending.key, pending.record};
    }
    m_rt.send(std::move(message));
  }
  if (sloppy) {
    sendHints(pending, down);
    if (!pending.servedAlone(m_config.id)) {
      pending.attachTimer(m_rt.startTimer(mechanisms.hintAfter, [this, id = pending.id] { onHintDeadline(id); }));
    }
  } else {
    for (NodeId replica : down) {
      pending.expect();
      recordAnswer(pending, ReplicaAnswer{replica, ErrorCode::kUnavailable, std::nullopt, m_rt.now()});
    }
  }
  if (local) {
    // The coordinator is one of the replicas: serve its own share without a network hop.
    m_rt.chargeCpu();
    ReplicaAnswer answer{m_config.id, ErrorCode::kOk, std::nullopt, m_rt.now()};
    if (op == Operation::kGet) {
      answer.record = m_storage.get(pending.key);
      m_stats.replicaReads++;
    } else if (pending.localResult) {
      answer.result = *pending.localResult;  // a causal write, stored before it was sent
    } else {
      answer.result = applyLocally(pending.key, pending.record);
    }
    recordAnswer(pending, std::move(answer));
  }
}

Status Node::awaitQuorum(PendingRequest& pending) {
  // Each answer costs CPU to process.
  const ReplyWait::Outcome outcome = pending.await([this] { m_rt.chargeCpu(); });
  const char* what = pending.op == Operation::kGet ? "replies" : "acks";
  switch (outcome) {
    case ReplyWait::Outcome::kReached: return Status::ok();
    case ReplyWait::Outcome::kUnreachable: {
      if (pending.failedCounted() == 0) {
        // Nothing failed: the ring holds fewer replicas for the key than the quorum needs (a ring of one member
        // with W = 2, say).
        return Status(ErrorCode::kUnavailable,
                      "the ring has " + std::to_string(pending.expected()) +
                          (pending.expected() == 1 ? " replica" : " replicas") + " for this key; " +
                          std::to_string(pending.needed()) + " " + what + " needed (add members, or lower the quorum)");
      }
      std::string refused;
      for (std::size_t i = 0; i < pending.counted(); ++i) {
        if (pending.answers[i].result == ErrorCode::kOk) continue;
        if (!refused.empty()) refused += ", ";
        refused += nodeName(pending.answers[i].replica);
      }
      return Status(ErrorCode::kUnavailable, std::to_string(pending.failedCounted()) + " of " +
                                                 std::to_string(pending.expected()) + " replicas unreachable (" +
                                                 refused + "); " + std::to_string(pending.needed()) + " " + what +
                                                 " needed");
    }
    case ReplyWait::Outcome::kTimedOut:
      return Status(ErrorCode::kTimeout, std::to_string(pending.okCounted()) + " of " +
                                             std::to_string(pending.needed()) + " " + what + " within " +
                                             formatDuration(m_config.requestTimeout));
    case ReplyWait::Outcome::kPending:
    case ReplyWait::Outcome::kCancelled: break;
  }
  return Status(ErrorCode::kCancelled, nodeName(m_config.id) + " stopped");
}

void Node::finish(PendingRequest& pending) {
  if (pending.arrived() >= pending.expected() || pending.timedOut()) retire(pending);
}

void Node::retire(PendingRequest& pending) {
  pending.close();
  auto keepAlive = m_requests.take(pending.id);
  if (!keepAlive) return;
  if (pending.op == Operation::kGet) maybeReadRepair(pending);
}

void Node::onDeadline(std::uint64_t requestId) {
  // A request whose client has its answer was kept for late answers until now.
  auto pending = m_requests.find(requestId);
  if (pending && pending->ended()) retire(*pending);
}

void Node::recordAnswer(PendingRequest& pending, ReplicaAnswer answer) {
  auto& bus = m_rt.events();
  if (bus.wants(EventType::kReplicaAnswered)) {
    bus.publish(ReplicaAnswered{
        m_rt.now(), m_config.id, answer.replica, pending.id, pending.op,
        answer.record ? answer.record->version : (pending.op == Operation::kGet ? Version{} : pending.record.version),
        pending.ended()});
  }
  // A replica that refused a write gets a hinted copy on a fallback, so the write can still reach W.
  if (answer.result == ErrorCode::kUnavailable && pending.op != Operation::kGet && !pending.ended() &&
      m_config.mechanisms.hintedHandoff) {
    NodeId owner = answer.replica;
    const auto used = std::find(pending.usedFallbacks.begin(), pending.usedFallbacks.end(), answer.replica);
    if (used != pending.usedFallbacks.end()) {
      // A fallback refused the hinted copy: the copy goes on to the next fallback, still for the replica it stands
      // in for (the fallback is no owner: a hint for it would be replayed to it, and the replicas would never see
      // the write).
      NodeId& hinted = pending.hintedOwners[static_cast<std::size_t>(used - pending.usedFallbacks.begin())];
      owner = hinted;
      hinted = kNoNode;
    }
    if (owner != kNoNode) sendHints(pending, {owner});
  }
  const bool ok = answer.result == ErrorCode::kOk;
  pending.answers.push_back(std::move(answer));
  pending.answer(ok);
  if (pending.ended()) {
    m_stats.lateAnswers++;
    if (pending.arrived() >= pending.expected()) retire(pending);
  }
}

void Node::onMessage(Message message) {
  if (!m_running) return;
  switch (message.kind()) {
    case MessageKind::kWriteAck: {
      if (auto replay = m_hintReplays.find(message.requestId); replay != m_hintReplays.end()) {
        const auto& ack = std::get<WriteAck>(message.payload);
        if (ack.result == ErrorCode::kOk) settleHint(replay->second);
        m_hintReplays.erase(replay);
        return;
      }
      if (auto handOff = m_handOffs.take(message.requestId)) {
        handOff->answer(std::get<WriteAck>(message.payload).result == ErrorCode::kOk);
        return;
      }
      [[fallthrough]];
    }
    case MessageKind::kReadReply: {
      auto pending = m_requests.find(message.requestId);  // recordAnswer may retire it
      if (!pending) {
        m_stats.strayAnswers++;
        return;
      }
      // A message may arrive twice (a network that duplicates it, a resend): one replica's answer counts once, or a
      // single replica could make a quorum of R or W on its own.
      if (std::any_of(pending->answers.begin(), pending->answers.end(),
                      [&](const ReplicaAnswer& a) { return a.replica == message.from; })) {
        m_stats.duplicateAnswers++;
        return;
      }
      ReplicaAnswer answer{message.from, ErrorCode::kOk, std::nullopt, m_rt.now()};
      if (auto* ack = std::get_if<WriteAck>(&message.payload)) {
        answer.result = ack->result;
      } else if (auto* reply = std::get_if<ReadReply>(&message.payload)) {
        if (reply->record) m_hlc.observe(reply->record->version, m_rt.wallClockMicros());
        answer.record = std::move(reply->record);
      }
      recordAnswer(*pending, std::move(answer));
      return;
    }
    case MessageKind::kStreamBatch: {
      auto wait = m_streams.find(message.requestId);
      if (!wait) return;
      wait->batch = std::move(std::get<StreamBatch>(message.payload));
      wait->answer(true);
      return;
    }
    default:
      // Everything else is work for this node's replica fibers, which charge CPU for it.
      m_inbox->queue.push_back(std::move(message));
      m_inbox->ready.notify_one();
      return;
  }
}

void Node::onUnreachable(NodeId to, MessageKind kind, std::uint64_t requestId) {
  if (!m_running) return;
  if (kind != MessageKind::kWriteRequest && kind != MessageKind::kReadRequest && kind != MessageKind::kHintedWrite) {
    return;
  }
  auto pending = m_requests.find(requestId);
  if (!pending) return;
  recordAnswer(*pending, ReplicaAnswer{to, ErrorCode::kUnavailable, std::nullopt, m_rt.now()});
}

void Node::serveReplicaRequests() {
  Inbox& inbox = *m_inbox;
  for (;;) {
    Message message;
    {
      std::unique_lock lock(inbox.mutex);
      while (inbox.queue.empty()) {
        m_rt.noteWait(WaitFor{WaitKind::kInbox});
        inbox.ready.wait(lock);
        m_rt.checkAlive();
      }
      message = std::move(inbox.queue.front());
      inbox.queue.pop_front();
    }
    m_rt.chargeCpu();
    handleReplicaRequest(message);
  }
}

void Node::handleReplicaRequest(Message& message) {
  Message reply;
  reply.to = message.from;
  reply.requestId = message.requestId;
  if (auto* write = std::get_if<WriteRequest>(&message.payload)) {
    m_hlc.observe(write->record.version, m_rt.wallClockMicros());
    if (m_config.injectedBug == InjectedBug::kAckBeforeStore) {
      m_unstored.push_back(KeyRecord{write->key, write->record});
      reply.payload = WriteAck{write->key, write->record.version, ErrorCode::kOk};
    } else {
      reply.payload = WriteAck{write->key, write->record.version, applyLocally(write->key, write->record)};
    }
  } else if (auto* read = std::get_if<ReadRequest>(&message.payload)) {
    m_stats.replicaReads++;
    reply.payload = ReadReply{read->key, m_storage.get(read->key)};
  } else if (auto* hinted = std::get_if<HintedWrite>(&message.payload)) {
    m_hlc.observe(hinted->record.version, m_rt.wallClockMicros());
    storeHint(hinted->intendedOwner, hinted->key, hinted->record);
    reply.payload = WriteAck{hinted->key, hinted->record.version, ErrorCode::kOk};
  } else if (auto* replay = std::get_if<HintReplay>(&message.payload)) {
    m_hlc.observe(replay->record.version, m_rt.wallClockMicros());
    reply.payload = WriteAck{replay->key, replay->record.version, applyLocally(replay->key, replay->record)};
  } else if (auto* repair = std::get_if<ReadRepair>(&message.payload)) {
    applyLocally(repair->key, repair->record);
    return;
  } else if (std::holds_alternative<Gossip>(message.payload)) {
    onGossip(message);
    return;
  } else if (std::holds_alternative<Probe>(message.payload)) {
    onProbe(message);
    return;
  } else if (std::holds_alternative<ProbeAck>(message.payload)) {
    onProbeAck(message);
    return;
  } else if (std::holds_alternative<AeTree>(message.payload)) {
    onAeTree(message);
    return;
  } else if (std::holds_alternative<AeDiff>(message.payload)) {
    onAeDiff(message);
    return;
  } else if (std::holds_alternative<AeFetch>(message.payload)) {
    onAeFetch(message);
    return;
  } else if (auto* records = std::get_if<AeRecords>(&message.payload)) {
    applyRecords(*records);
    return;
  } else if (std::holds_alternative<StreamRequest>(message.payload)) {
    onStreamRequest(message);
    return;
  } else {
    return;
  }
  m_rt.send(std::move(reply));
}

ErrorCode Node::applyLocally(const Key& key, const Record& record) {
  m_stats.replicaWrites++;
  auto outcome = m_storage.apply(key, record);
  auto& bus = m_rt.events();
  if (bus.wants(EventType::kStorageWritten)) {
    bus.publish(StorageWritten{m_rt.now(), m_config.id, key, record.version,
                               outcome.isOk() && *outcome == ApplyOutcome::kApplied, record.tombstone});
  }
  return outcome.isOk() ? ErrorCode::kOk : outcome.status().code();
}

}  // namespace ringlab

namespace ringlab {

bool Node::selfLeaving() const {
  const auto self = m_membership.member(m_config.id);
  return self && self->status == MemberStatus::kLeaving;
}

bool Node::handOverStored(NodeId owner, const Key& key, const Record& record, NodeId replica) const {
  const auto it = m_handOvers.find({owner, key});
  return it != m_handOvers.end() && it->second.record == record &&
         std::find(it->second.stored.begin(), it->second.stored.end(), replica) != it->second.stored.end();
}

void Node::settleHint(const ReplayedHint& replay) {
  const std::size_t before = m_hints.pending();
  if (replay.toReplica) {
    // A hint handed over goes to every current replica of its key; it is removed once all of them have stored it.
    // The first acknowledgement is not enough: that replica may have held the write already (it may be the
    // coordinator that took it), and the hint would then leave one copy where the write had two.
    if (!m_hints.holds(replay.owner, replay.key, replay.record)) {
      // A late or repeated answer, for a hint settled, replaced by a newer one or dropped since: nothing to track.
      if (auto it = m_handOvers.find({replay.owner, replay.key});
          it != m_handOvers.end() && it->second.record == replay.record) {
        m_handOvers.erase(it);
      }
      return;
    }
    HandOver& handOver = m_handOvers[{replay.owner, replay.key}];
    if (handOver.record != replay.record) handOver = HandOver{replay.record, {}};
    if (std::find(handOver.stored.begin(), handOver.stored.end(), replay.to) == handOver.stored.end()) {
      handOver.stored.push_back(replay.to);
    }
    PreferenceList list;
    m_ring->preferenceList(tokenForKey(replay.key), m_config.quorum.n, 0, list);
    // A node leaving the ring is still in its own ring until it has left, but its storage leaves with it: it does
    // not count itself.
    const bool leaving = selfLeaving();
    const bool everyReplica = std::all_of(list.replicas.begin(), list.replicas.end(), [&](NodeId replica) {
      return replica == replay.owner || (leaving && replica == m_config.id) ||
             std::find(handOver.stored.begin(), handOver.stored.end(), replica) != handOver.stored.end();
    });
    if (!everyReplica) return;
    m_handOvers.erase({replay.owner, replay.key});
  }
  m_hints.acknowledge(replay.owner, replay.key, replay.record);
  auto& bus = m_rt.events();
  if (m_hints.pending() < before && bus.wants(EventType::kHintEvent)) {
    bus.publish(HintEvent{m_rt.now(), m_config.id, replay.owner,
                          replay.handedOver ? HintAction::kHandedOver : HintAction::kReplayed, replay.key,
                          m_hints.pending(), replay.record.version, replay.toReplica ? kNoNode : replay.to});
  }
}

bool Node::isUp(NodeId peer) const {
  if (peer == m_config.id) return true;
  return peerState(peer) != NodeState::kDown;
}

void Node::sendHints(PendingRequest& pending, const std::vector<NodeId>& owners) {
  for (NodeId owner : owners) {
    if (std::find(pending.hintedOwners.begin(), pending.hintedOwners.end(), owner) != pending.hintedOwners.end()) {
      continue;
    }
    // The next fallback in ring order that is up and not already used for this request.
    NodeId fallback = kNoNode;
    for (NodeId candidate : pending.fallbacks) {
      if (candidate == m_config.id || !isUp(candidate)) continue;
      if (std::find(pending.usedFallbacks.begin(), pending.usedFallbacks.end(), candidate) !=
          pending.usedFallbacks.end()) {
        continue;
      }
      fallback = candidate;
      break;
    }
    if (fallback == kNoNode) continue;
    pending.hintedOwners.push_back(owner);
    pending.usedFallbacks.push_back(fallback);
    pending.expect();
    m_stats.hintedWritesSent++;
    Message message;
    message.to = fallback;
    message.requestId = pending.id;
    message.payload = HintedWrite{pending.key, pending.record, owner};
    m_rt.send(std::move(message));
  }
}

void Node::onHintDeadline(std::uint64_t requestId) {
  auto pending = m_requests.find(requestId);
  if (!pending || pending->ended()) return;
  // Replicas that have not answered yet are slow or gone: give their copy to fallbacks too.
  std::vector<NodeId> silent;
  for (NodeId replica : pending->replicas) {
    if (replica == m_config.id) continue;
    const bool answered = std::any_of(pending->answers.begin(), pending->answers.end(),
                                      [replica](const ReplicaAnswer& a) { return a.replica == replica; });
    if (!answered) silent.push_back(replica);
  }
  sendHints(*pending, silent);
}

void Node::maybeReadRepair(const PendingRequest& pending) {
  const MechanismConfig& mechanisms = m_config.mechanisms;
  if (!mechanisms.readRepair || !m_running) return;
  Reconciler reconciler;
  addRecords(reconciler, pending.answers);
  if (!reconciler.current()) return;
  std::optional<Record> newest;  // copied once a repair is decided; most reads repair nothing
  for (const auto& answer : pending.answers) {
    if (answer.result != ErrorCode::kOk) continue;
    if (answer.record && !supersedes(newest ? *newest : *reconciler.current(), *answer.record)) continue;
    if (!newest) {
      // One draw per read decides whether this read repairs at all.
      if (!m_rt.rng().chance(mechanisms.readRepairProbability)) return;
      newest = *reconciler.current();
    }
    m_stats.readRepairsSent++;
    auto& bus = m_rt.events();
    if (bus.wants(EventType::kReadRepaired)) {
      bus.publish(ReadRepaired{m_rt.now(), m_config.id, answer.replica, pending.key, newest->version});
    }
    if (answer.replica == m_config.id) {
      applyLocally(pending.key, *newest);
      continue;
    }
    Message message;
    message.to = answer.replica;
    message.payload = ReadRepair{pending.key, *newest};
    m_rt.send(std::move(message));
  }
}

}  // namespace ringlab
