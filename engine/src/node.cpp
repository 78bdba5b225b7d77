#include <ringlab/engine/node.h>

#include <algorithm>
#include <mutex>
#include <string>

#include <ringlab/engine/hash.h>

namespace ringlab {

Status QuorumConfig::validate() const {
  if (n == 0) return Status(ErrorCode::kInvalidArgument, "N (replicas) must be at least 1");
  if (r == 0 || r > n) {
    return Status(ErrorCode::kInvalidArgument,
                  "R (" + std::to_string(r) + ") must be between 1 and N (" + std::to_string(n) + ")");
  }
  if (w == 0 || w > n) {
    return Status(ErrorCode::kInvalidArgument,
                  "W (" + std::to_string(w) + ") must be between 1 and N (" + std::to_string(n) + ")");
  }
  return Status::ok();
}

struct Node::PendingRequest {
  std::uint64_t id = 0;
  Operation op{};
  Key key;
  Record record;           // writes: what is being written
  std::size_t asked = 0;   // replicas the request went to
  std::size_t needed = 0;  // R or W
  std::vector<ReplicaAnswer> answers;
  std::size_t processed = 0;  // answers the coordinator fiber has charged CPU for and counted
  bool timedOut = false;
  bool cancelled = false;
  bool completed = false;  // the client has its answer; later answers are late
  TimerId deadline = 0;
  TimePoint begun;
  boost::fibers::mutex mutex;
  boost::fibers::condition_variable changed;

  std::size_t okAnswers(std::size_t upTo) const {
    std::size_t ok = 0;
    for (std::size_t i = 0; i < upTo; ++i) ok += answers[i].result == ErrorCode::kOk;
    return ok;
  }
};

Node::Node(NodeConfig config, Runtime& runtime, Storage& storage, std::shared_ptr<const Ring> ring)
    : m_config(config), m_rt(runtime), m_storage(storage), m_ring(std::move(ring)), m_hlc(config.id) {}

Node::~Node() = default;

void Node::start() {
  if (m_running) return;
  m_running = true;
  const std::size_t workers = std::max<std::size_t>(1, m_rt.concurrency());
  for (std::size_t i = 0; i < workers; ++i) {
    m_rt.spawn(FiberRole::kReplica, "replica-" + std::to_string(i + 1), [this] { serveReplicaRequests(); });
  }
}

void Node::stop() {
  if (!m_running) return;
  m_running = false;
  for (auto& [id, pending] : m_pending) {
    pending->cancelled = true;
    m_rt.cancelTimer(pending->deadline);
    pending->changed.notify_all();
  }
  m_pending.clear();
  m_inbox.clear();
  m_inboxReady.notify_all();
}

OperationResult Node::get(const Key& key) { return coordinate(Operation::kGet, key, {}); }
OperationResult Node::put(const Key& key, Value value) { return coordinate(Operation::kPut, key, std::move(value)); }
OperationResult Node::remove(const Key& key) { return coordinate(Operation::kDelete, key, {}); }
OperationResult Node::execute(Operation op, const Key& key, Value value) {
  return coordinate(op, key, std::move(value));
}

OperationResult Node::coordinate(Operation op, const Key& key, Value value) {
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
  PreferenceList preference;
  m_ring->preferenceList(tokenForKey(key), quorum.n, 0, preference);
  const std::size_t needed = op == Operation::kGet ? quorum.r : quorum.w;

  auto pending = std::make_shared<PendingRequest>();
  pending->id = nextRequestId();
  pending->op = op;
  pending->key = key;
  pending->asked = preference.replicas.size();
  pending->needed = needed;
  pending->begun = result.begun;
  result.requestId = pending->id;

  auto& bus = m_rt.events();
  if (bus.wants(EventType::kRequestBegun)) {
    bus.publish(RequestBegun{m_rt.now(), m_config.id, pending->id, op, key, preference.replicas});
  }
  if (preference.replicas.size() < needed) {
    result = fail(ErrorCode::kUnavailable, "the ring has " + std::to_string(preference.replicas.size()) +
                                               " nodes for this key; " + std::to_string(needed) + " are needed");
  } else {
    if (op != Operation::kGet) {
      pending->record.version = m_hlc.now(m_rt.wallClockMicros());
      pending->record.tombstone = op == Operation::kDelete;
      pending->record.value = std::move(value);
    }
    m_pending.emplace(pending->id, pending);
    const std::uint64_t id = pending->id;
    pending->deadline = m_rt.startTimer(m_config.requestTimeout, [this, id] { onDeadline(id); });
    bool local = false;
    for (NodeId replica : preference.replicas) {
      if (replica == m_config.id) {
        local = true;
        continue;
      }
      Message message;
      message.to = replica;
      message.requestId = pending->id;
      if (op == Operation::kGet) {
        message.payload = ReadRequest{key};
      } else {
        message.payload = WriteRequest{key, pending->record};
      }
      m_rt.send(std::move(message));
    }
    if (local) {
      // The coordinator is one of the replicas: serve its own share without a network hop.
      m_rt.chargeCpu();
      ReplicaAnswer answer{m_config.id, ErrorCode::kOk, std::nullopt, m_rt.now()};
      if (op == Operation::kGet) {
        answer.record = m_storage.get(key);
        m_stats.replicaReads++;
      } else {
        answer.result = applyLocally(key, pending->record);
      }
      recordAnswer(*pending, std::move(answer));
    }
    result.status = awaitQuorum(*pending);
    result.answers.assign(pending->answers.begin(), pending->answers.begin() + pending->processed);
    finish(*pending);
    result.completed = m_rt.now();
    if (op == Operation::kGet) {
      std::vector<std::optional<Record>> records;
      for (const auto& a : result.answers) {
        if (a.result == ErrorCode::kOk) records.push_back(a.record);
      }
      if (auto newest = reconcile(records)) {
        result.version = newest->version;
        result.found = !newest->tombstone;
        if (result.found) result.value = std::move(newest->value);
      }
    } else {
      result.version = pending->record.version;
    }
  }
  if (bus.wants(EventType::kRequestCompleted)) {
    bus.publish(RequestCompleted{m_rt.now(), m_config.id, result.requestId, op, key, result.status.code(),
                                 result.completed - result.begun, result.version,
                                 static_cast<std::uint32_t>(result.answers.size())});
  }
  return result;
}

Status Node::awaitQuorum(PendingRequest& pending) {
  std::unique_lock lock(pending.mutex);
  for (;;) {
    // Each answer costs CPU to process; more may arrive meanwhile.
    while (pending.processed < pending.answers.size()) {
      lock.unlock();
      m_rt.chargeCpu();
      lock.lock();
      pending.processed++;
    }
    const std::size_t ok = pending.okAnswers(pending.processed);
    const std::size_t failed = pending.processed - ok;
    if (ok >= pending.needed) return Status::ok();
    const char* what = pending.op == Operation::kGet ? "replies" : "acks";
    if (pending.asked - failed < pending.needed) {
      std::string refused;
      for (std::size_t i = 0; i < pending.processed; ++i) {
        if (pending.answers[i].result == ErrorCode::kOk) continue;
        if (!refused.empty()) refused += ", ";
        refused += nodeName(pending.answers[i].replica);
      }
      return Status(ErrorCode::kUnavailable, std::to_string(failed) + " of " + std::to_string(pending.asked) +
                                                 " replicas unreachable (" + refused + "); " +
                                                 std::to_string(pending.needed) + " " + what + " needed");
    }
    if (pending.timedOut) {
      return Status(ErrorCode::kTimeout, std::to_string(ok) + " of " + std::to_string(pending.needed) + " " + what +
                                             " within " + formatDuration(m_config.requestTimeout));
    }
    pending.changed.wait(lock);
    m_rt.checkAlive();
  }
}

void Node::finish(PendingRequest& pending) {
  pending.completed = true;
  if (pending.answers.size() >= pending.asked || pending.timedOut) {
    m_rt.cancelTimer(pending.deadline);
    m_pending.erase(pending.id);
  }
  // Otherwise the request stays registered until the deadline so late answers are recorded.
}

void Node::onDeadline(std::uint64_t requestId) {
  auto it = m_pending.find(requestId);
  if (it == m_pending.end()) return;
  auto pending = it->second;
  pending->timedOut = true;
  if (pending->completed) {
    m_pending.erase(it);
  } else {
    pending->changed.notify_all();
  }
}

void Node::recordAnswer(PendingRequest& pending, ReplicaAnswer answer) {
  auto& bus = m_rt.events();
  if (bus.wants(EventType::kReplicaAnswered)) {
    bus.publish(ReplicaAnswered{
        m_rt.now(), m_config.id, answer.replica, pending.id, pending.op,
        answer.record ? answer.record->version : (pending.op == Operation::kGet ? Version{} : pending.record.version),
        pending.completed});
  }
  pending.answers.push_back(std::move(answer));
  if (pending.completed) {
    m_stats.lateAnswers++;
    if (pending.answers.size() >= pending.asked) {
      m_rt.cancelTimer(pending.deadline);
      m_pending.erase(pending.id);
    }
    return;
  }
  pending.changed.notify_all();
}

void Node::onMessage(Message message) {
  if (!m_running) return;
  switch (message.kind()) {
    case MessageKind::kWriteRequest:
    case MessageKind::kReadRequest:
      m_inbox.push_back(std::move(message));
      m_inboxReady.notify_one();
      return;
    case MessageKind::kWriteAck:
    case MessageKind::kReadReply: {
      auto it = m_pending.find(message.requestId);
      if (it == m_pending.end()) {
        m_stats.strayAnswers++;
        return;
      }
      auto pending = it->second;  // recordAnswer may erase it from the map
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
  }
}

void Node::onUnreachable(NodeId to, MessageKind kind, std::uint64_t requestId) {
  if (!m_running) return;
  if (kind != MessageKind::kWriteRequest && kind != MessageKind::kReadRequest) return;
  auto it = m_pending.find(requestId);
  if (it == m_pending.end()) return;
  auto pending = it->second;
  recordAnswer(*pending, ReplicaAnswer{to, ErrorCode::kUnavailable, std::nullopt, m_rt.now()});
}

void Node::serveReplicaRequests() {
  for (;;) {
    Message message;
    {
      std::unique_lock lock(m_inboxMutex);
      while (m_inbox.empty()) {
        m_inboxReady.wait(lock);
        m_rt.checkAlive();
      }
      message = std::move(m_inbox.front());
      m_inbox.pop_front();
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
    reply.payload = WriteAck{write->key, write->record.version, applyLocally(write->key, write->record)};
  } else if (auto* read = std::get_if<ReadRequest>(&message.payload)) {
    m_stats.replicaReads++;
    reply.payload = ReadReply{read->key, m_storage.get(read->key)};
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
