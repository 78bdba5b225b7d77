#include "simulation_internal.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <boost/fiber/context.hpp>

#include <ringlab/engine/hash.h>

namespace ringlab {

// ---------------------------------------------------------------------------------------------------------------
// Clients

void ClientDriver::onOperationCompleted(std::function<void(const ClientOperation&)> observer) {
  m_completionObservers.push_back(std::move(observer));
}

void ClientDriver::finishOperation(ClientOperation& op, const std::function<void(const ClientOperation&)>& done) {
  ++m_operationsFinished;
  OperationMetrics& metrics = m_sim.m_metrics.of(op.result.op);
  const ErrorCode code = op.result.status.code();
  if (code == ErrorCode::kOk) {
    metrics.ok++;
    metrics.latency.record(op.result.completed - op.result.begun);
    if (op.result.op == Operation::kGet && !op.result.found) m_sim.m_metrics.notFoundReads++;
  } else {
    metrics.errors[static_cast<std::size_t>(code)]++;
  }
  m_sim.hash(0x0b5, static_cast<std::uint64_t>(m_sim.m_now.nanos()), op.id,
             (static_cast<std::uint64_t>(code) << 32) | op.coordinator);
  m_sim.hash(static_cast<std::uint64_t>(op.result.version.physicalMicros), op.result.version.logical,
             op.result.version.node, op.result.found);
  for (const auto& observer : m_completionObservers) observer(op);
  if (done) done(op);
}

OperationResult ClientDriver::executeStyled(Node& node, ClientOperation& op, const Key& key, Value value,
                                            const Version& after, const WriteStyle& style) {
  const Operation kind = op.result.op;
  if (kind == Operation::kIncrement) {
    op.delta = 1;
    if (style.counter == WorkloadConfig::Counter::kCrdt) return node.increment(key, 1, after);
    // A naive counter: read the value, write value + 1. Concurrent increments through different nodes overwrite
    // each other under last-write-wins.
    OperationResult read = node.get(key);
    OperationResult result = read;
    if (read.status.isOk()) {
      std::int64_t current = 0;
      if (read.found) current = std::strtoll(read.value.c_str(), nullptr, 10);
      result = node.execute(Operation::kPut, key, std::to_string(current + 1), std::max(after, read.version));
      result.value = std::to_string(current + 1);
    }
    result.op = Operation::kIncrement;
    result.begun = read.begun;
    return result;
  }
  if (kind == Operation::kGet || m_sim.m_config.conflicts != ConflictMode::kSiblings) {
    return node.execute(kind, key, std::move(value), after);
  }
  if (!style.readModifyWrite) return node.writeWithContext(kind, key, std::move(value), op.context, after);
  OperationResult read = node.get(key);
  if (!read.status.isOk()) {
    read.op = kind;
    read.version = {};
    read.record.reset();
    return read;
  }
  if (read.record && read.record->kind == RecordKind::kSiblings) op.context = read.record->siblings.context();
  OperationResult result =
      node.writeWithContext(kind, key, std::move(value), op.context, std::max(after, read.version));
  result.begun = read.begun;
  return result;
}

void ClientDriver::submit(NodeId coordinator, Operation op, Key key, Value value,
                          std::function<void(const ClientOperation&)> done, const ClientSession& session,
                          WriteStyle style) {
  const std::uint64_t id = ++m_nextOperationId;
  ++m_operationsStarted;
  if (coordinator >= m_sim.m_nodes.size() || !m_sim.m_nodes[coordinator].running) {
    ClientOperation failed;
    failed.id = id;
    failed.client = session.client;
    failed.coordinator = coordinator < m_sim.m_nodes.size() ? coordinator : kNoNode;
    failed.result.op = op;
    failed.result.key = std::move(key);
    failed.result.begun = failed.result.completed = m_sim.m_now;
    failed.result.status = Status(ErrorCode::kUnavailable, coordinator < m_sim.m_nodes.size()
                                                               ? "coordinator " + nodeName(coordinator) + " is down"
                                                               : "no node is running");
    finishOperation(failed, done);
    return;
  }
  struct Pending {
    ClientOperation op;
    bool finished = false;
    std::function<void(const ClientOperation&)> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->op.id = id;
  pending->op.client = session.client;
  pending->op.coordinator = coordinator;
  pending->op.result.op = op;
  pending->op.result.key = key;
  pending->op.result.begun = m_sim.m_now;
  pending->done = std::move(done);
  // If the coordinator crashes, the fiber unwinds without a result: report the operation as cancelled then.
  struct Guard {
    ClientDriver* clients;
    std::shared_ptr<Pending> pending;
    ~Guard() {
      if (pending->finished) return;
      pending->finished = true;
      pending->op.result.status =
          Status(ErrorCode::kCancelled, "coordinator " + nodeName(pending->op.coordinator) + " crashed");
      pending->op.result.completed = clients->m_sim.m_now;
      clients->finishOperation(pending->op, pending->done);
    }
  };
  const TimePoint begun = m_sim.m_now;
  m_sim.spawnFiber(coordinator, FiberRole::kCoordinator, std::string(operationName(op)),
                   [this, coordinator, pending, begun, style, after = session.seen, key = std::move(key),
                    value = std::move(value)]() mutable {
                     Guard guard{this, pending};
                     OperationResult result = executeStyled(*m_sim.m_nodes[coordinator].node, pending->op, key,
                                                            std::move(value), after, style);
                     result.begun = begun;
                     result.completed = m_sim.m_now;
                     pending->op.result = std::move(result);
                     pending->finished = true;
                     finishOperation(pending->op, pending->done);
                   });
}

std::size_t ClientDriver::addWorkload(WorkloadConfig config) {
  if (Status s = config.validate(); !s.isOk()) throw std::invalid_argument("workload: " + s.toString());
  const std::size_t index = m_workloads.size();
  auto workload = std::make_unique<Workload>();
  workload->config = std::move(config);
  workload->rng = m_sim.m_rng.split(0x776f726b'00000000ull + index);
  m_workloads.push_back(std::move(workload));
  Workload& w = *m_workloads.back();
  if (w.config.model == LoadModel::kOpenLoop) {
    scheduleArrival(index);
  } else {
    for (std::size_t c = 0; c < w.config.clients; ++c) {
      m_sim.spawnFiber(kNoNode, FiberRole::kClient, "client-" + std::to_string(c + 1),
                       [this, index] { runClosedLoopClient(index); });
    }
  }
  return index;
}

void ClientDriver::scheduleArrival(std::size_t index) {
  Workload& w = *m_workloads[index];
  if (w.stopped || w.arrivalScheduled || w.config.ratePerSecond <= 0) return;
  TimePoint at = std::max(m_sim.m_now, w.config.start) +
                 Duration(static_cast<std::int64_t>(w.rng.exponential(1e9 / w.config.ratePerSecond)));
  if (w.config.stop && at >= *w.config.stop) return;
  w.arrivalScheduled = true;
  m_sim.startTimer(
      kNoNode, at - m_sim.m_now,
      [this, index] {
        Workload& workload = *m_workloads[index];
        workload.arrivalScheduled = false;
        if (workload.stopped || workload.config.ratePerSecond <= 0) return;
        issueOperation(index, {});
        scheduleArrival(index);
      },
      false);
}

void ClientDriver::issueOperation(std::size_t index, std::function<void(const ClientOperation&)> done,
                                  const ClientSession& session) {
  Workload& w = *m_workloads[index];
  const WorkloadConfig& c = w.config;
  w.issued++;
  const double draw = w.rng.uniform01();
  const Operation op = draw < c.readRatio                                      ? Operation::kGet
                       : draw < c.readRatio + c.deleteRatio                    ? Operation::kDelete
                       : draw < c.readRatio + c.deleteRatio + c.incrementRatio ? Operation::kIncrement
                                                                               : Operation::kPut;
  Key key = keyName(c.keys.next(w.rng));
  if (op == Operation::kIncrement) {
    key = (c.counter == WorkloadConfig::Counter::kCrdt ? "counter-" : "counter-register-") + key;
  }
  WriteStyle style;
  style.counter = c.counter;
  const bool siblingsWrite = m_sim.m_config.conflicts == ConflictMode::kSiblings && op != Operation::kGet;
  if (siblingsWrite && op != Operation::kIncrement)
    style.readModifyWrite = !(c.blindRatio > 0 && w.rng.uniform01() < c.blindRatio);
  Value value;
  if (op == Operation::kPut) {
    const std::size_t size =
        c.valueBytesMin + (c.valueBytesMax > c.valueBytesMin ? w.rng.below(c.valueBytesMax - c.valueBytesMin + 1) : 0);
    value.assign(size, static_cast<char>('a' + w.issued % 26));
  }
  // A coordinator among the running nodes, as the workload's routing chooses (a load balancer with health checks by
  // default). A causal write or a CRDT increment needs a replica of the key (Node::writeWithContext): it goes to one
  // of them, as a token-aware client would send it.
  std::size_t running = 0;
  auto serving = [](const Simulation::NodeSlot& slot) { return slot.running && !slot.leaving; };
  for (const auto& slot : m_sim.m_nodes) running += serving(slot);
  NodeId coordinator = kNoNode;
  const bool needsReplica =
      siblingsWrite || (op == Operation::kIncrement && c.counter == WorkloadConfig::Counter::kCrdt);
  const auto replicasOf = [&](const Key& k) {
    PreferenceList list;
    m_sim.m_ring->preferenceList(tokenForKey(k), m_sim.m_config.quorum.n, 0, list);
    return list.replicas;
  };
  if ((needsReplica || c.routing == Routing::kTokenAware) && running > 0) {
    std::vector<NodeId> candidates;
    for (NodeId replica : replicasOf(key)) {
      if (replica < m_sim.m_nodes.size() && serving(m_sim.m_nodes[replica])) candidates.push_back(replica);
    }
    if (!candidates.empty()) coordinator = candidates[w.rng.below(candidates.size())];
  } else if (c.routing == Routing::kProxy && running > 0) {
    const auto replicas = replicasOf(key);
    std::vector<NodeId> candidates;
    for (NodeId id = 0; id < m_sim.m_nodes.size(); ++id) {
      if (serving(m_sim.m_nodes[id]) && std::find(replicas.begin(), replicas.end(), id) == replicas.end()) {
        candidates.push_back(id);
      }
    }
    if (!candidates.empty()) {
      coordinator = candidates[w.rng.below(candidates.size())];
    } else {
      std::uint64_t pick = w.rng.below(running);  // every running node holds a copy: any of them
      for (NodeId id = 0; id < m_sim.m_nodes.size(); ++id) {
        if (serving(m_sim.m_nodes[id]) && pick-- == 0) {
          coordinator = id;
          break;
        }
      }
    }
  } else if (running > 0) {
    std::uint64_t pick = w.rng.below(running);
    for (NodeId id = 0; id < m_sim.m_nodes.size(); ++id) {
      if (serving(m_sim.m_nodes[id]) && pick-- == 0) {
        coordinator = id;
        break;
      }
    }
  }
  submit(coordinator, op, std::move(key), std::move(value), std::move(done), session, style);
}

void ClientDriver::runClosedLoopClient(std::size_t index) {
  ClientSession session;
  session.client = ++m_nextClientId;
  for (;;) {
    Workload& w = *m_workloads[index];
    if (w.stopped) return;
    if (m_sim.m_now < w.config.start) {
      m_sim.sleepFiber(w.config.start - m_sim.m_now);
      continue;
    }
    if (w.config.stop && m_sim.m_now >= *w.config.stop) return;
    bool finished = false;
    boost::fibers::context* self = boost::fibers::context::active();
    boost::fibers::waker waker = self->create_waker();
    bool waiting = false;
    issueOperation(
        index,
        [&finished, &waiting, &session, waker](const ClientOperation& op) {
          session.seen = std::max(session.seen, op.result.version);
          finished = true;
          if (waiting) waker.wake();
        },
        session);
    if (!finished) {
      waiting = true;
      currentFiber().waitFor = WaitFor{WaitKind::kReplies};
      self->suspend();
      waiting = false;
    }
    m_sim.checkAlive();
    if (w.config.thinkTime > Duration{0}) m_sim.sleepFiber(w.config.thinkTime);
  }
}

void ClientDriver::setWorkloadRate(std::size_t index, double ratePerSecond) {
  if (index >= m_workloads.size()) return;
  Workload& w = *m_workloads[index];
  w.config.ratePerSecond = ratePerSecond;
  m_sim.hash(0x4a7e, index, static_cast<std::uint64_t>(ratePerSecond * 1000));
  if (w.config.model == LoadModel::kOpenLoop) scheduleArrival(index);
}

void ClientDriver::setWorkloadMix(std::size_t index, double readRatio, double deleteRatio) {
  if (index >= m_workloads.size()) return;
  WorkloadConfig& config = m_workloads[index]->config;
  config.readRatio = std::clamp(readRatio, 0.0, 1.0);
  config.deleteRatio = std::clamp(deleteRatio, 0.0, 1.0 - config.readRatio);
  m_sim.hash(0x3147, index, static_cast<std::uint64_t>(readRatio * 1e6), static_cast<std::uint64_t>(deleteRatio * 1e6));
}

void ClientDriver::setWorkloadKeys(std::size_t index, KeyDistribution keys) {
  if (index >= m_workloads.size()) return;
  m_sim.hash(0x6b65, index, keys.count(), static_cast<std::uint64_t>(keys.shape()));
  m_workloads[index]->config.keys = std::move(keys);
}

void ClientDriver::setWorkloadRouting(std::size_t index, Routing routing) {
  if (index >= m_workloads.size()) return;
  m_sim.hash(0x726f, index, static_cast<std::uint64_t>(routing));
  m_workloads[index]->config.routing = routing;
}

const WorkloadConfig& ClientDriver::workload(std::size_t index) const { return m_workloads.at(index)->config; }

void ClientDriver::stopWorkloads() {
  for (auto& w : m_workloads) w->stopped = true;
}

}  // namespace ringlab
