#include <ringlab/sim/simulation.h>

#include "simulation_internal.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include <boost/fiber/fiber.hpp>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#include <boost/fiber/operations.hpp>

#include <fmt/format.h>

#include <ringlab/engine/codec.h>
#include <ringlab/engine/hash.h>

namespace ringlab {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kFiberStackBytes = 512 * 1024;
#else
constexpr std::size_t kFiberStackBytes = 64 * 1024;
#endif

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Configuration

Status SimulationConfig::validate() const {
  auto bad = [](std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); };
  if (nodes == 0) return bad("cluster.nodes must be at least 1");
  if (nodes > 10000) return bad("cluster.nodes must be at most 10000 (got " + std::to_string(nodes) + ")");
  if (Status s = quorum.validate(); !s.isOk()) return s;
  if (quorum.n > nodes) {
    return bad("N (" + std::to_string(quorum.n) + ") is larger than the node count (" + std::to_string(nodes) + ")");
  }
  if (ring.strategy == PlacementStrategy::kVnodes && (ring.vnodesPerNode == 0 || ring.vnodesPerNode > 4096)) {
    return bad("ring.vnodes must be between 1 and 4096");
  }
  if (ring.strategy == PlacementStrategy::kPartitions && (ring.partitions == 0 || ring.partitions > (1u << 20))) {
    return bad("ring.partitions must be between 1 and 1048576");
  }
  if (requestTimeout <= Duration{0}) return bad("the request timeout must be positive");
  if (coresPerNode == 0 || coresPerNode > 256) return bad("cores per node must be between 1 and 256");
  if (cpuCostPerMessage < Duration{0}) return bad("the CPU cost per message must not be negative");
  if (Status s = network.latency.validate(); !s.isOk()) return bad("network latency: " + s.message());
  for (std::size_t k = 0; k < network.latencyByKind.size(); ++k) {
    if (!network.latencyByKind[k]) continue;
    if (Status s = network.latencyByKind[k]->validate(); !s.isOk()) {
      return bad("latency for " + std::string(messageKindName(static_cast<MessageKind>(k))) + ": " + s.message());
    }
  }
  if (network.loss < 0 || network.loss > 1) return bad("network loss must be between 0 and 1");
  if (network.duplication < 0 || network.duplication > 1) return bad("network duplication must be between 0 and 1");
  if (clockSkew.size() > nodes) return bad("clock skew is given for more nodes than the cluster has");
  for (Duration skew : clockSkew) {
    if (skew > std::chrono::hours(1) || skew < -std::chrono::hours(1)) return bad("clock skew must be within 1h");
  }
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------------------------
// Internal structures

struct Simulation::Timer {
  std::function<void()> callback;
  std::uint32_t generation = 0;
  NodeId node = kNoNode;
  std::uint64_t incarnation = 0;
  bool armed = false;
  bool wake = false;  // wakes a blocked fiber: always fires, even for a crashed node (the fiber then unwinds)
};

struct Simulation::InFlight {
  Message message;
  std::uint64_t messageId = 0;
  std::uint64_t senderIncarnation = 0;
  MessageKind kind{};
  bool used = false;
};

std::size_t Simulation::nodeCount() const { return m_nodes.size(); }
boost::context::stack_context Simulation::FiberStacks::allocate() {
  boost::context::stack_context stack = m_pool.allocate();
  *m_last = stack;
#if defined(__SANITIZE_ADDRESS__)
  ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.sp) - stack.size, stack.size);
#endif
  return stack;
}

void Simulation::FiberStacks::deallocate(boost::context::stack_context& stack) noexcept {
#if defined(__SANITIZE_ADDRESS__)
  ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.sp) - stack.size, stack.size);
#endif
  m_pool.deallocate(stack);
}

bool Simulation::isRunning(NodeId node) const { return node < m_nodes.size() && m_nodes[node].running; }
Node& Simulation::node(NodeId id) { return *m_nodes.at(id).node; }
const Node& Simulation::node(NodeId id) const { return *m_nodes.at(id).node; }

// ---------------------------------------------------------------------------------------------------------------
// Construction and teardown

Simulation::Simulation(SimulationConfig config)
    : m_config(std::move(config)),
      m_scheduler(installDeterministicScheduler()),
      m_rng(m_config.seed),
      m_networkRng(m_rng.split("network")),
      m_network(m_config.network, m_config.nodes),
      m_cpu(m_config.coresPerNode, m_config.cpuCostPerMessage),
      m_queue(m_config.shuffleTies, m_rng.split("ties").split(m_config.tieSeed)),
      m_stacks(kFiberStackBytes),
      m_clients(std::make_unique<ClientDriver>(*this)),
      m_membership(std::make_unique<MembershipChanges>(*this)) {
  if (Status s = m_config.validate(); !s.isOk()) throw std::invalid_argument(s.toString());
  m_ringRng = m_rng.split("ring");
  m_ring = std::make_shared<const Ring>(Ring::build(m_config.ring, m_config.nodes, m_ringRng));
  m_seeds.emplace(m_ring->nodes(), seedGeneration());
  m_nodes.reserve(m_config.nodes);
  for (NodeId id = 0; id < m_config.nodes; ++id) addSlot(id);
  for (NodeId id = 0; id < m_config.nodes; ++id) {
    m_nodes[id].running = true;
    m_nodes[id].node->start(m_nodes[id].incarnation);
  }
  // The simulation knows the truth, so it can tell which "down" verdicts were wrong.
  m_detectorWatch = m_events.subscribe(maskOf(EventType::kPeerStateChanged), [this](const Event& event) {
    const auto& change = std::get<PeerStateChanged>(event);
    if (change.state != NodeState::kDown) return;
    ++m_downVerdicts;
    if (isRunning(change.peer) && !m_network.linkCut(change.peer, change.observer)) ++m_falseSuspicions;
  });
}

void Simulation::addSlot(NodeId id) {
  m_nodes.emplace_back();
  NodeSlot& slot = m_nodes.back();
  slot.storage = makeMemoryStorage(m_config.storage);
  slot.runtime = std::make_unique<NodeRuntime>(*this, id);
  slot.runtime->m_rng = m_rng.split(0x6e6f6465'00000000ull + id);
  NodeConfig nodeConfig;
  nodeConfig.id = id;
  nodeConfig.quorum = m_config.quorum;
  nodeConfig.conflicts = m_config.conflicts;
  nodeConfig.maxSiblings = m_config.maxSiblings;
  nodeConfig.requestTimeout = m_config.requestTimeout;
  nodeConfig.mechanisms = m_config.mechanisms;
  nodeConfig.injectedBug = m_config.injectedBug;
  slot.node = std::make_unique<Node>(nodeConfig, *slot.runtime, *slot.storage, m_ring);
  slot.node->setRing(m_ring, m_seeds);
  m_cpu.addNode(m_now);
}

NodeStats Simulation::totalNodeStats() const {
  NodeStats total;
  for (const auto& slot : m_nodes) {
    const NodeStats& s = slot.node->stats();
    total.coordinated += s.coordinated;
    total.replicaWrites += s.replicaWrites;
    total.replicaReads += s.replicaReads;
    total.lateAnswers += s.lateAnswers;
    total.strayAnswers += s.strayAnswers;
    total.duplicateAnswers += s.duplicateAnswers;
    total.hintedWritesSent += s.hintedWritesSent;
    total.readRepairsSent += s.readRepairsSent;
    total.antiEntropyExchanges += s.antiEntropyExchanges;
    total.antiEntropyKeysRepaired += s.antiEntropyKeysRepaired;
    total.antiEntropyBytesRepaired += s.antiEntropyBytesRepaired;
    total.antiEntropyBytesSent += s.antiEntropyBytesSent;
    total.gossipRounds += s.gossipRounds;
    total.tombstonesPurged += s.tombstonesPurged;
  }
  return total;
}

std::size_t Simulation::hintsPending() const {
  std::size_t pending = 0;
  for (const auto& slot : m_nodes) pending += slot.node->hints().pending();
  return pending;
}

Simulation::~Simulation() {
  // Every fiber must unwind before the nodes and stacks go away: stop the nodes (their waiting fibers wake and
  // unwind), wake every sleeper, and let them all run to their end.
  m_stopping = true;
  for (auto& slot : m_nodes) {
    if (slot.running) {
      slot.running = false;
      ++slot.incarnation;
      slot.node->stop();
    }
  }
  for (int round = 0; round < 1000 && m_liveFibers > 0; ++round) {
    for (auto& timer : m_timers) {
      if (timer.armed && timer.wake) {
        timer.armed = false;
        auto callback = std::move(timer.callback);
        callback();
      }
    }
    runReadyFibers();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Event loop

void Simulation::push(std::int64_t at, EventKind kind, std::uint32_t slot, std::uint32_t generation) {
  m_queue.push(at, m_now.nanos(), kind, slot, generation);
}

bool Simulation::isCancelled(const QueuedEvent& event) const {
  if (event.kind != EventKind::kTimer) return false;
  const Timer& timer = m_timers[event.slot];
  return !timer.armed || timer.generation != event.generation;
}

std::optional<TimePoint> Simulation::nextEventTime() const {
  const auto next = m_queue.nextTime([this](const QueuedEvent& e) { return isCancelled(e); });
  if (!next) return std::nullopt;
  return TimePoint{Duration(*next)};
}

bool Simulation::step() {
  runReadyFibers();
  const auto event = m_queue.popUntil(std::numeric_limits<std::int64_t>::max(),
                                      [this](const QueuedEvent& e) { return isCancelled(e); });
  if (!event) return false;
  m_now = TimePoint{Duration(event->at)};
  dispatch(*event);
  runReadyFibers();
  return true;
}

void Simulation::runUntil(TimePoint until) {
  runReadyFibers();
  const EventQueue::IsCancelled cancelled = [this](const QueuedEvent& e) { return isCancelled(e); };
  while (const auto event = m_queue.popUntil(until.nanos(), cancelled)) {
    m_now = TimePoint{Duration(event->at)};
    dispatch(*event);
    runReadyFibers();
  }
  if (m_now < until) m_now = until;
}

void Simulation::dispatch(const QueuedEvent& event) {
  ++m_eventsProcessed;
  switch (event.kind) {
    case EventKind::kTimer: {
      Timer& timer = m_timers[event.slot];
      if (!timer.armed || timer.generation != event.generation) return;  // cancelled
      timer.armed = false;
      auto callback = std::move(timer.callback);
      timer.callback = nullptr;
      const bool fire = timer.wake || timer.node == kNoNode ||
                        (m_nodes[timer.node].running && m_nodes[timer.node].incarnation == timer.incarnation);
      m_freeTimers.push_back(event.slot);
      if (fire) callback();
      return;
    }
    case EventKind::kDeliver: deliver(event.slot); return;
    case EventKind::kRefused: {
      // Copy what is needed and free the slot first: the sender may send again (a hint), which can grow m_inflight.
      InFlight& flight = m_inflight[event.slot];
      const NodeId sender = flight.message.from;
      const NodeId to = flight.message.to;
      const MessageKind kind = flight.kind;
      const std::uint64_t requestId = flight.message.requestId;
      const std::uint64_t incarnation = flight.senderIncarnation;
      flight.used = false;
      flight.message = Message{};
      m_freeInflight.push_back(event.slot);
      NodeSlot& slot = m_nodes[sender];
      if (slot.running && slot.incarnation == incarnation) slot.node->onUnreachable(to, kind, requestId);
      return;
    }
  }
}

void Simulation::hash(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  // Odd multipliers keep the fields distinguishable; one finalising mix per record keeps this cheap.
  m_traceHash =
      mix64(m_traceHash ^ a ^ (b * 0x9e3779b97f4a7c15ull) ^ (c * 0xc2b2ae3d27d4eb4full) ^ (d * 0x165667b19e3779f9ull));
}

// ---------------------------------------------------------------------------------------------------------------
// Fibers

void Simulation::spawnFiber(NodeId node, FiberRole role, std::string name, std::function<void()> body) {
  if (m_stopping) return;
  const std::uint64_t fiberId = ++m_nextFiberId;
  ++m_fibersStarted;
  ++m_liveFibers;
  if (m_events.wants(EventType::kFiberStarted)) {
    m_events.publish(FiberStarted{m_now, node, fiberId, role, std::move(name)});
  }
  boost::fibers::fiber fiber(std::allocator_arg, m_stacks, [this, node, fiberId, body = std::move(body)]() mutable {
    bool cancelled = false;
    try {
      checkAlive();
      body();
    } catch (const FiberCancelled&) {
      cancelled = true;
    }
    body = nullptr;  // release captures while the simulation is certainly alive
    --m_liveFibers;
    if (m_events.wants(EventType::kFiberEnded)) m_events.publish(FiberEnded{m_now, node, fiberId, cancelled});
  });
  auto& props = fiber.properties<FiberProps>();
  props.owner = this;
  props.node = node;
  props.role = role;
  props.fiberId = fiberId;
  props.incarnation = node == kNoNode ? 0 : m_nodes[node].incarnation;
  const boost::context::stack_context& stack = m_stacks.lastAllocated();
  props.stackBottom = static_cast<const char*>(stack.sp) - stack.size;
  props.stackSize = stack.size;
  fiber.detach();
}

namespace {
[[noreturn]] void cancelFiber() {
#if defined(__SANITIZE_ADDRESS__)
  // Boost.Context's switches are not annotated for ASan, so it believes we are on the thread's stack and, while the
  // exception unwinds, cannot clear the redzones of unwound frames. Tell it which stack this fiber runs on.
  const FiberProps& props = currentFiber();
  if (props.stackBottom) {
    __sanitizer_start_switch_fiber(nullptr, props.stackBottom, props.stackSize);
    __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
  }
#endif
  throw FiberCancelled{};
}
}  // namespace

void Simulation::checkAlive() {
  if (m_stopping) cancelFiber();
  FiberProps& props = currentFiber();
  if (props.node == kNoNode) return;
  const NodeSlot& slot = m_nodes[props.node];
  if (!slot.running || slot.incarnation != props.incarnation) cancelFiber();
}

void Simulation::sleepFiber(Duration d) {
  if (d < Duration{0}) d = Duration{0};
  boost::fibers::context* self = boost::fibers::context::active();
  FiberProps& props = *static_cast<FiberProps*>(self->get_properties());
  if (!props.inCpu) props.waitFor = WaitFor{WaitKind::kTimer};
  boost::fibers::waker waker = self->create_waker();
  startTimer(
      kNoNode, d, [waker]() { waker.wake(); }, true);
  self->suspend();
  checkAlive();
}

void Simulation::chargeCpu(NodeId node) {
  const auto slice = m_cpu.charge(node, m_now);
  if (!slice) {
    checkAlive();
    return;
  }
  FiberProps& props = currentFiber();
  if (m_events.wants(EventType::kFiberSlice)) {
    if (slice->start > m_now) {
      m_events.publish(FiberSlice{node, props.fiberId, props.role, FiberState::kReady, m_now, slice->start, {}});
    }
    m_events.publish(FiberSlice{node, props.fiberId, props.role, FiberState::kRunning, slice->start, slice->end, {}});
  }
  props.inCpu = true;
  sleepFiber(slice->end - m_now);
  props.inCpu = false;
}

void Simulation::fiberBlocked(FiberProps& fiber) {
  if (!fiber.inCpu) fiber.blockedSinceNanos = m_now.nanos();
}

void Simulation::fiberReady(FiberProps& fiber) {
  if (fiber.blockedSinceNanos < 0) return;
  const TimePoint since{Duration(fiber.blockedSinceNanos)};
  fiber.blockedSinceNanos = -1;
  const WaitFor waitFor = fiber.waitFor;
  fiber.waitFor = WaitFor{};
  if (m_events.wants(EventType::kFiberSlice) && m_now > since) {
    m_events.publish(FiberSlice{fiber.node, fiber.fiberId, fiber.role, FiberState::kBlocked, since, m_now, waitFor});
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Timers

TimerId Simulation::startTimer(NodeId node, Duration delay, std::function<void()> callback, bool wake) {
  std::uint32_t slot;
  if (!m_freeTimers.empty()) {
    slot = m_freeTimers.back();
    m_freeTimers.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(m_timers.size());
    m_timers.emplace_back();
  }
  Timer& timer = m_timers[slot];
  timer.callback = std::move(callback);
  timer.generation++;
  timer.node = node;
  timer.incarnation = node == kNoNode ? 0 : m_nodes[node].incarnation;
  timer.armed = true;
  timer.wake = wake;
  push((m_now + std::max(delay, Duration{0})).nanos(), EventKind::kTimer, slot, timer.generation);
  return (static_cast<TimerId>(timer.generation) << 32) | slot;
}

void Simulation::cancelTimer(TimerId id) {
  const auto slot = static_cast<std::uint32_t>(id & 0xffffffffu);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  if (slot >= m_timers.size()) return;
  Timer& timer = m_timers[slot];
  if (!timer.armed || timer.generation != generation || timer.wake) return;
  timer.armed = false;
  timer.callback = nullptr;
  // The slot is freed when its queue entry comes up (the generation check skips it).
  m_freeTimers.push_back(slot);
  timer.generation++;
}

// ---------------------------------------------------------------------------------------------------------------
// Network

void Simulation::send(NodeId from, Message message) {
  NodeSlot& sender = m_nodes[from];
  if (!sender.running) return;
  message.from = from;
  const MessageKind kind = message.kind();
  const auto kindIndex = static_cast<std::size_t>(kind);
  const auto bytes = static_cast<std::uint32_t>(encodedSize(message));
  MessageMetrics& counters = m_metrics.messages[kindIndex];
  counters.sent++;
  counters.bytes += bytes;

  std::uint32_t slot;
  if (!m_freeInflight.empty()) {
    slot = m_freeInflight.back();
    m_freeInflight.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(m_inflight.size());
    m_inflight.emplace_back();
  }
  InFlight& flight = m_inflight[slot];
  flight.messageId = ++m_nextMessageId;
  flight.senderIncarnation = sender.incarnation;
  flight.kind = kind;
  flight.used = true;

  const NodeId to = message.to;
  const Transmission t =
      to < m_nodes.size() ? m_network.transmit(from, to, kind, m_networkRng) : Transmission{.lost = true};
  if (m_events.wants(EventType::kMessageSent)) {
    m_events.publish(MessageSent{m_now, flight.messageId, from, to, kind, message.requestId, bytes, m_now + t.latency});
  }
  flight.message = std::move(message);
  if (t.cut || t.lost) {
    drop(flight, t.cut ? DropReason::kPartition : DropReason::kLoss);
    flight.used = false;
    flight.message = Message{};
    m_freeInflight.push_back(slot);
    return;
  }
  if (!m_nodes[to].running) {
    // Connection refused: the sender learns it after a round trip's worth of latency.
    m_metrics.refusedConnections++;
    drop(flight, DropReason::kNodeDown);
    push((m_now + t.latency).nanos(), EventKind::kRefused, slot, 0);
    return;
  }
  if (t.duplicate) {
    std::uint32_t copySlot;
    if (!m_freeInflight.empty()) {
      copySlot = m_freeInflight.back();
      m_freeInflight.pop_back();
    } else {
      copySlot = static_cast<std::uint32_t>(m_inflight.size());
      m_inflight.emplace_back();
    }
    InFlight& copy = m_inflight[copySlot];  // may have moved m_inflight: re-fetch the original below
    copy.message = m_inflight[slot].message;
    copy.messageId = ++m_nextMessageId;
    copy.senderIncarnation = sender.incarnation;
    copy.kind = kind;
    copy.used = true;
    counters.sent++;
    counters.bytes += bytes;
    if (m_events.wants(EventType::kMessageSent)) {
      m_events.publish(MessageSent{m_now, copy.messageId, from, to, kind, copy.message.requestId, bytes,
                                   m_now + t.duplicateLatency});
    }
    push((m_now + t.duplicateLatency).nanos(), EventKind::kDeliver, copySlot, 0);
  }
  push((m_now + t.latency).nanos(), EventKind::kDeliver, slot, 0);
}

void Simulation::drop(const InFlight& flight, DropReason reason) {
  m_metrics.messages[static_cast<std::size_t>(flight.kind)].dropped++;
  hash(0xd409, static_cast<std::uint64_t>(m_now.nanos()), flight.messageId, static_cast<std::uint64_t>(reason));
  if (m_events.wants(EventType::kMessageDropped)) {
    m_events.publish(MessageDropped{m_now, flight.messageId, flight.message.from, flight.message.to, flight.kind,
                                    flight.message.requestId, reason});
  }
}

void Simulation::deliver(std::uint32_t slot) {
  InFlight& flight = m_inflight[slot];
  const NodeId to = flight.message.to;
  const NodeId from = flight.message.from;
  if (!m_nodes[to].running) {
    drop(flight, DropReason::kNodeDown);
  } else if (m_network.linkCut(from, to)) {
    drop(flight, DropReason::kPartition);
  } else {
    m_metrics.messages[static_cast<std::size_t>(flight.kind)].delivered++;
    hash(0xde11, static_cast<std::uint64_t>(m_now.nanos()), flight.messageId,
         (static_cast<std::uint64_t>(from) << 32) | to);
    if (m_events.wants(EventType::kMessageDelivered)) {
      m_events.publish(MessageDelivered{m_now, flight.messageId, from, to, flight.kind, flight.message.requestId});
    }
    Message message = std::move(flight.message);
    flight.used = false;
    flight.message = Message{};
    m_freeInflight.push_back(slot);
    m_nodes[to].node->onMessage(std::move(message));
    return;
  }
  flight.used = false;
  flight.message = Message{};
  m_freeInflight.push_back(slot);
}

// ---------------------------------------------------------------------------------------------------------------
// Faults

void Simulation::crash(NodeId id) {
  if (id >= m_nodes.size() || !m_nodes[id].running) return;
  NodeSlot& slot = m_nodes[id];
  slot.running = false;
  ++slot.incarnation;
  slot.node->stop();
  m_cpu.release(id, m_now);
  hash(0xc4a5, static_cast<std::uint64_t>(m_now.nanos()), id);
  if (m_events.wants(EventType::kNodeStateChanged)) {
    m_events.publish(NodeStateChanged{m_now, id, NodeState::kDown, "crashed"});
  }
}

void Simulation::restart(NodeId id, bool wipe) {
  if (id >= m_nodes.size() || m_nodes[id].running || m_nodes[id].left) return;
  NodeSlot& slot = m_nodes[id];
  if (wipe) {
    slot.storage->clear();
    slot.node->clearHints();
  }
  slot.running = true;
  ++slot.incarnation;
  m_cpu.release(id, m_now);
  slot.node->start(slot.incarnation);
  hash(0x5747, static_cast<std::uint64_t>(m_now.nanos()), id, wipe);
  if (m_events.wants(EventType::kNodeStateChanged)) {
    m_events.publish(NodeStateChanged{m_now, id, NodeState::kUp, wipe ? "restarted with wiped storage" : "restarted"});
  }
  m_membership->restarted(id);
}

void Simulation::partition(const std::vector<std::vector<NodeId>>& groups) {
  m_network.partition(groups);
  std::string description = "partition";
  for (const auto& group : groups) {
    description += " [";
    for (std::size_t i = 0; i < group.size(); ++i) description += (i ? " " : "") + nodeName(group[i]);
    description += "]";
    for (NodeId n : group) hash(0x9a47, static_cast<std::uint64_t>(m_now.nanos()), n, groups.size());
  }
  if (m_events.wants(EventType::kClusterChanged)) m_events.publish(ClusterChanged{m_now, description});
}

void Simulation::cutLink(NodeId from, NodeId to) {
  m_network.cutLink(from, to);
  hash(0xc07, static_cast<std::uint64_t>(m_now.nanos()), from, to);
  if (m_events.wants(EventType::kClusterChanged)) {
    m_events.publish(ClusterChanged{m_now, "link " + nodeName(from) + " -> " + nodeName(to) + " cut"});
  }
}

void Simulation::heal() {
  m_network.heal();
  hash(0x4ea1, static_cast<std::uint64_t>(m_now.nanos()));
  if (m_events.wants(EventType::kClusterChanged)) m_events.publish(ClusterChanged{m_now, "all links healed"});
}

void Simulation::setClockOffset(NodeId id, Duration offset) {
  if (id >= m_nodes.size()) return;
  if (m_config.clockSkew.size() <= id) m_config.clockSkew.resize(id + 1, Duration{0});
  m_config.clockSkew[id] = offset;
  hash(0xc10c, static_cast<std::uint64_t>(m_now.nanos()), id, static_cast<std::uint64_t>(offset.count()));
  if (m_events.wants(EventType::kClusterChanged)) {
    const Duration size = offset < Duration{0} ? -offset : offset;
    m_events.publish(ClusterChanged{
        m_now, offset == Duration{0} ? nodeName(id) + "'s clock back to true time"
                                     : fmt::format("{}'s clock {} {} true time", nodeName(id), formatDuration(size),
                                                   offset < Duration{0} ? "behind" : "ahead of")});
  }
}

void Simulation::setCpuFactor(NodeId id, double factor) {
  if (id >= m_nodes.size() || !(factor > 0)) return;
  m_cpu.setFactor(id, factor);
  hash(0xcf, static_cast<std::uint64_t>(m_now.nanos()), id, static_cast<std::uint64_t>(factor * 1e6));
}

double Simulation::cpuFactor(NodeId id) const { return m_cpu.factor(id); }

Duration Simulation::cpuBusy(NodeId id) const { return m_cpu.busy(id, m_now); }

void Simulation::setQuorum(const QuorumConfig& quorum) {
  m_config.quorum = quorum;
  for (auto& slot : m_nodes) slot.node->setQuorum(quorum);
  hash(0x9b0, quorum.n, quorum.r, quorum.w);
}

// ---------------------------------------------------------------------------------------------------------------
// Membership and clients: the parts behind the facade

void Simulation::switchRing(Ring ring) {
  m_ring = std::make_shared<const Ring>(std::move(ring));
  m_seeds.emplace(m_ring->nodes(), seedGeneration());
  for (auto& slot : m_nodes) slot.node->setRing(m_ring, m_seeds);
  hash(0x4149, static_cast<std::uint64_t>(m_now.nanos()), m_ring->entries().size());
}

// With SWIM, a member's first generation is news that a view takes (and a shared table is copied for): seeding the
// views with the generation every node starts at spares a 10,000-node cluster 10,000 copies. Heartbeat gossip learns
// it from the first digest, as real nodes do, and its runs stay as they were.
std::uint64_t Simulation::seedGeneration() const {
  return m_config.mechanisms.detection == DetectionProtocol::kSwim ? NodeSlot{}.incarnation : 0;
}

bool Simulation::hasLeft(NodeId node) const { return node < m_nodes.size() && m_nodes[node].left; }
NodeId Simulation::addNode() { return m_membership->addNode(); }
Status Simulation::decommission(NodeId node) { return m_membership->decommission(node); }
Status Simulation::removeNode(NodeId node) { return m_membership->removeNode(node); }
const std::vector<Simulation::MembershipChange>& Simulation::membershipChanges() const {
  return m_membership->changes();
}
bool Simulation::membershipChangeInProgress() const { return m_membership->membershipChangeInProgress(); }

std::size_t Simulation::addWorkload(WorkloadConfig config) { return m_clients->addWorkload(std::move(config)); }
void Simulation::setWorkloadRate(std::size_t workload, double ratePerSecond) {
  m_clients->setWorkloadRate(workload, ratePerSecond);
}
void Simulation::setWorkloadMix(std::size_t workload, double readRatio, double deleteRatio) {
  m_clients->setWorkloadMix(workload, readRatio, deleteRatio);
}
void Simulation::setWorkloadKeys(std::size_t workload, KeyDistribution keys) {
  m_clients->setWorkloadKeys(workload, std::move(keys));
}
void Simulation::setWorkloadRouting(std::size_t workload, Routing routing) {
  m_clients->setWorkloadRouting(workload, routing);
}
std::size_t Simulation::workloadCount() const { return m_clients->workloadCount(); }
const WorkloadConfig& Simulation::workload(std::size_t index) const { return m_clients->workload(index); }
void Simulation::stopWorkloads() { m_clients->stopWorkloads(); }
void Simulation::submit(NodeId coordinator, Operation op, Key key, Value value,
                        std::function<void(const ClientOperation&)> done, const ClientSession& session,
                        WriteStyle style) {
  m_clients->submit(coordinator, op, std::move(key), std::move(value), std::move(done), session, style);
}
void Simulation::onOperationCompleted(std::function<void(const ClientOperation&)> observer) {
  m_clients->onOperationCompleted(std::move(observer));
}
std::uint64_t Simulation::operationsInFlight() const { return m_clients->operationsInFlight(); }

}  // namespace ringlab
