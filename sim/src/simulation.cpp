#include <ringlab/sim/simulation.h>

#include <algorithm>
#include <cstdlib>
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

std::int64_t micros(TimePoint t) { return t.nanos() / 1000; }

// The running fiber's properties. Every fiber the simulation spawns has FiberProps (the scheduler creates them), so
// a static cast is safe and avoids boost::this_fiber::properties' dynamic_cast on this hot path.
FiberProps& currentFiber() { return *static_cast<FiberProps*>(boost::fibers::context::active()->get_properties()); }

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Configuration

Status SimulationConfig::validate() const {
  auto bad = [](std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); };
  if (nodes == 0) return bad("cluster.nodes must be at least 1");
  if (nodes > 1000) return bad("cluster.nodes must be at most 1000 (got " + std::to_string(nodes) + ")");
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

class Simulation::NodeRuntime final : public Runtime {
 public:
  NodeRuntime(Simulation& sim, NodeId id) : m_sim(sim), m_id(id) {}

  NodeId self() const override { return m_id; }
  TimePoint now() const override { return m_sim.m_now; }
  std::int64_t wallClockMicros() const override {
    const auto& skew = m_sim.m_config.clockSkew;
    return micros(m_sim.m_now + (m_id < skew.size() ? skew[m_id] : Duration{0}));
  }
  void spawn(FiberRole role, std::string name, std::function<void()> body) override {
    m_sim.spawnFiber(m_id, role, std::move(name), std::move(body));
  }
  void sleepFor(Duration d) override { m_sim.sleepFiber(d); }
  void chargeCpu() override { m_sim.chargeCpu(m_id); }
  void noteWait(const WaitFor& what) override { currentFiber().waitFor = what; }
  void checkAlive() override { m_sim.checkAlive(); }
  std::size_t concurrency() const override { return m_sim.m_config.coresPerNode; }
  TimerId startTimer(Duration delay, std::function<void()> callback) override {
    return m_sim.startTimer(m_id, delay, std::move(callback), false);
  }
  void cancelTimer(TimerId id) override { m_sim.cancelTimer(id); }
  void send(Message message) override { m_sim.send(m_id, std::move(message)); }
  Rng& rng() override { return m_rng; }
  EventBus& events() override { return m_sim.m_events; }

  Rng m_rng;

 private:
  Simulation& m_sim;
  NodeId m_id;
};

struct Simulation::NodeSlot {
  std::unique_ptr<Storage> storage;
  std::unique_ptr<NodeRuntime> runtime;
  std::unique_ptr<Node> node;
  bool running = false;
  std::uint64_t incarnation = 1;
  std::vector<TimePoint> coreFreeAt;
  Duration cpuCharged{0};  // CPU time handed out on its cores so far, including work scheduled past now
  double cpuFactor = 1.0;
  bool leaving = false;  // decommissioning: still running to stream its data out, no longer in the ring
  bool left = false;     // gone for good
};

struct Simulation::Workload {
  WorkloadConfig config;
  Rng rng;
  bool stopped = false;
  bool arrivalScheduled = false;
  std::uint64_t issued = 0;
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
      m_tieRng(m_rng.split("ties").split(m_config.tieSeed)),
      m_network(m_config.network, m_config.nodes),
      m_stacks(kFiberStackBytes) {
  if (Status s = m_config.validate(); !s.isOk()) throw std::invalid_argument(s.toString());
  m_ringRng = m_rng.split("ring");
  m_ring = std::make_shared<const Ring>(Ring::build(m_config.ring, m_config.nodes, m_ringRng));
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
  slot.coreFreeAt.assign(m_config.coresPerNode, m_now);
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

namespace {
constexpr std::int64_t kFarHorizonNanos = 20'000'000;  // 20 ms
constexpr std::int64_t kFarBucketNanos = 1'000'000;    // 1 ms
}  // namespace

void Simulation::push(std::int64_t at, EventKind kind, std::uint32_t slot, std::uint32_t generation) {
  const QueuedEvent event{at, m_config.shuffleTies ? m_tieRng.next() : 0, m_nextSeq++, kind, slot, generation};
  if (at - m_now.nanos() > kFarHorizonNanos && at >= m_migratedUntil) {
    m_far[at / kFarBucketNanos].push_back(event);
    ++m_farCount;
  } else {
    m_queue.push(event);
  }
}

bool Simulation::isCancelled(const QueuedEvent& event) const {
  if (event.kind != EventKind::kTimer) return false;
  const Timer& timer = m_timers[event.slot];
  return !timer.armed || timer.generation != event.generation;
}

void Simulation::migrateFarEvents() {
  while (!m_far.empty()) {
    auto bucket = m_far.begin();
    const std::int64_t bucketStart = bucket->first * kFarBucketNanos;
    if (!m_queue.empty() && m_queue.top().at < bucketStart) return;
    m_farCount -= bucket->second.size();
    for (const QueuedEvent& event : bucket->second) {
      if (!isCancelled(event)) m_queue.push(event);
    }
    m_migratedUntil = bucketStart + kFarBucketNanos;
    m_far.erase(bucket);
  }
}

std::optional<TimePoint> Simulation::nextEventTime() const {
  std::optional<TimePoint> next;
  if (!m_queue.empty()) next = TimePoint{Duration(m_queue.top().at)};
  for (const auto& [bucket, events] : m_far) {
    for (const QueuedEvent& event : events) {
      if (!isCancelled(event) && (!next || event.at < next->nanos())) next = TimePoint{Duration(event.at)};
    }
    if (next && next->nanos() < (bucket + 1) * kFarBucketNanos) break;
  }
  return next;
}

bool Simulation::step() {
  runReadyFibers();
  migrateFarEvents();
  if (m_queue.empty()) return false;
  const QueuedEvent event = m_queue.top();
  m_queue.pop();
  m_now = TimePoint{Duration(event.at)};
  dispatch(event);
  runReadyFibers();
  return true;
}

void Simulation::runUntil(TimePoint until) {
  runReadyFibers();
  for (;;) {
    migrateFarEvents();
    if (m_queue.empty() || m_queue.top().at > until.nanos()) break;
    const QueuedEvent event = m_queue.top();
    m_queue.pop();
    m_now = TimePoint{Duration(event.at)};
    dispatch(event);
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
  NodeSlot& slot = m_nodes[node];
  const Duration cost =
      Duration(static_cast<std::int64_t>(static_cast<double>(m_config.cpuCostPerMessage.count()) * slot.cpuFactor));
  if (cost <= Duration{0}) {
    checkAlive();
    return;
  }
  auto core = std::min_element(slot.coreFreeAt.begin(), slot.coreFreeAt.end());
  const TimePoint start = std::max(m_now, *core);
  const TimePoint end = start + cost;
  *core = end;
  slot.cpuCharged += cost;
  FiberProps& props = currentFiber();
  if (m_events.wants(EventType::kFiberSlice)) {
    if (start > m_now) {
      m_events.publish(FiberSlice{node, props.fiberId, props.role, FiberState::kReady, m_now, start, {}});
    }
    m_events.publish(FiberSlice{node, props.fiberId, props.role, FiberState::kRunning, start, end, {}});
  }
  props.inCpu = true;
  sleepFiber(end - m_now);
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
  releaseCores(slot);
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
  releaseCores(slot);
  slot.node->start(slot.incarnation);
  hash(0x5747, static_cast<std::uint64_t>(m_now.nanos()), id, wipe);
  if (m_events.wants(EventType::kNodeStateChanged)) {
    m_events.publish(NodeStateChanged{m_now, id, NodeState::kUp, wipe ? "restarted with wiped storage" : "restarted"});
  }
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
  m_nodes[id].cpuFactor = factor;
  hash(0xcf, static_cast<std::uint64_t>(m_now.nanos()), id, static_cast<std::uint64_t>(factor * 1e6));
}

double Simulation::cpuFactor(NodeId id) const { return id < m_nodes.size() ? m_nodes[id].cpuFactor : 1.0; }

Duration Simulation::cpuBusy(NodeId id) const {
  if (id >= m_nodes.size()) return Duration{0};
  const NodeSlot& slot = m_nodes[id];
  // Work queued on a core runs back to back from now until the core is free: only the part before now is done.
  Duration busy = slot.cpuCharged;
  for (TimePoint free : slot.coreFreeAt) {
    if (free > m_now) busy -= free - m_now;
  }
  return busy;
}

void Simulation::releaseCores(NodeSlot& slot) {
  // The work queued past now is abandoned with the fibers that waited for it: it was never done.
  for (TimePoint& free : slot.coreFreeAt) {
    if (free > m_now) slot.cpuCharged -= free - m_now;
    free = m_now;
  }
}

void Simulation::setQuorum(const QuorumConfig& quorum) {
  m_config.quorum = quorum;
  for (auto& slot : m_nodes) slot.node->setQuorum(quorum);
  hash(0x9b0, quorum.n, quorum.r, quorum.w);
}

// ---------------------------------------------------------------------------------------------------------------
// Clients

void Simulation::onOperationCompleted(std::function<void(const ClientOperation&)> observer) {
  m_completionObservers.push_back(std::move(observer));
}

void Simulation::finishOperation(ClientOperation& op, const std::function<void(const ClientOperation&)>& done) {
  ++m_operationsFinished;
  OperationMetrics& metrics = m_metrics.of(op.result.op);
  const ErrorCode code = op.result.status.code();
  if (code == ErrorCode::kOk) {
    metrics.ok++;
    metrics.latency.record(op.result.completed - op.result.begun);
    if (op.result.op == Operation::kGet && !op.result.found) m_metrics.notFoundReads++;
  } else {
    metrics.errors[static_cast<std::size_t>(code)]++;
  }
  hash(0x0b5, static_cast<std::uint64_t>(m_now.nanos()), op.id,
       (static_cast<std::uint64_t>(code) << 32) | op.coordinator);
  hash(static_cast<std::uint64_t>(op.result.version.physicalMicros), op.result.version.logical, op.result.version.node,
       op.result.found);
  for (const auto& observer : m_completionObservers) observer(op);
  if (done) done(op);
}

OperationResult Simulation::executeStyled(Node& node, ClientOperation& op, const Key& key, Value value,
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
  if (kind == Operation::kGet || m_config.conflicts != ConflictMode::kSiblings) {
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
  OperationResult result = node.writeWithContext(kind, key, std::move(value), op.context, std::max(after, read.version));
  result.begun = read.begun;
  return result;
}

void Simulation::submit(NodeId coordinator, Operation op, Key key, Value value,
                        std::function<void(const ClientOperation&)> done, const ClientSession& session,
                        WriteStyle style) {
  const std::uint64_t id = ++m_nextOperationId;
  ++m_operationsStarted;
  if (coordinator >= m_nodes.size() || !m_nodes[coordinator].running) {
    ClientOperation failed;
    failed.id = id;
    failed.client = session.client;
    failed.coordinator = coordinator < m_nodes.size() ? coordinator : kNoNode;
    failed.result.op = op;
    failed.result.key = std::move(key);
    failed.result.begun = failed.result.completed = m_now;
    failed.result.status = Status(ErrorCode::kUnavailable, coordinator < m_nodes.size()
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
  pending->op.result.begun = m_now;
  pending->done = std::move(done);
  // If the coordinator crashes, the fiber unwinds without a result: report the operation as cancelled then.
  struct Guard {
    Simulation* sim;
    std::shared_ptr<Pending> pending;
    ~Guard() {
      if (pending->finished) return;
      pending->finished = true;
      pending->op.result.status =
          Status(ErrorCode::kCancelled, "coordinator " + nodeName(pending->op.coordinator) + " crashed");
      pending->op.result.completed = sim->m_now;
      sim->finishOperation(pending->op, pending->done);
    }
  };
  const TimePoint begun = m_now;
  spawnFiber(coordinator, FiberRole::kCoordinator, std::string(operationName(op)),
             [this, coordinator, pending, begun, style, after = session.seen, key = std::move(key),
              value = std::move(value)]() mutable {
               Guard guard{this, pending};
               OperationResult result = executeStyled(*m_nodes[coordinator].node, pending->op, key, std::move(value),
                                                      after, style);
               result.begun = begun;
               result.completed = m_now;
               pending->op.result = std::move(result);
               pending->finished = true;
               finishOperation(pending->op, pending->done);
             });
}

std::size_t Simulation::addWorkload(WorkloadConfig config) {
  if (Status s = config.validate(); !s.isOk()) throw std::invalid_argument("workload: " + s.toString());
  const std::size_t index = m_workloads.size();
  auto workload = std::make_unique<Workload>();
  workload->config = std::move(config);
  workload->rng = m_rng.split(0x776f726b'00000000ull + index);
  m_workloads.push_back(std::move(workload));
  Workload& w = *m_workloads.back();
  if (w.config.model == LoadModel::kOpenLoop) {
    scheduleArrival(index);
  } else {
    for (std::size_t c = 0; c < w.config.clients; ++c) {
      spawnFiber(kNoNode, FiberRole::kClient, "client-" + std::to_string(c + 1),
                 [this, index] { runClosedLoopClient(index); });
    }
  }
  return index;
}

void Simulation::scheduleArrival(std::size_t index) {
  Workload& w = *m_workloads[index];
  if (w.stopped || w.arrivalScheduled || w.config.ratePerSecond <= 0) return;
  TimePoint at = std::max(m_now, w.config.start) +
                 Duration(static_cast<std::int64_t>(w.rng.exponential(1e9 / w.config.ratePerSecond)));
  if (w.config.stop && at >= *w.config.stop) return;
  w.arrivalScheduled = true;
  startTimer(
      kNoNode, at - m_now,
      [this, index] {
        Workload& workload = *m_workloads[index];
        workload.arrivalScheduled = false;
        if (workload.stopped || workload.config.ratePerSecond <= 0) return;
        issueOperation(index, {});
        scheduleArrival(index);
      },
      false);
}

void Simulation::issueOperation(std::size_t index, std::function<void(const ClientOperation&)> done,
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
  const bool siblingsWrite = m_config.conflicts == ConflictMode::kSiblings && op != Operation::kGet;
  if (siblingsWrite && op != Operation::kIncrement) style.readModifyWrite = !(c.blindRatio > 0 && w.rng.uniform01() < c.blindRatio);
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
  auto serving = [](const NodeSlot& slot) { return slot.running && !slot.leaving; };
  for (const auto& slot : m_nodes) running += serving(slot);
  NodeId coordinator = kNoNode;
  const bool needsReplica = siblingsWrite || (op == Operation::kIncrement && c.counter == WorkloadConfig::Counter::kCrdt);
  const auto replicasOf = [&](const Key& k) {
    PreferenceList list;
    m_ring->preferenceList(tokenForKey(k), m_config.quorum.n, 0, list);
    return list.replicas;
  };
  if ((needsReplica || c.routing == Routing::kTokenAware) && running > 0) {
    std::vector<NodeId> candidates;
    for (NodeId replica : replicasOf(key)) {
      if (replica < m_nodes.size() && serving(m_nodes[replica])) candidates.push_back(replica);
    }
    if (!candidates.empty()) coordinator = candidates[w.rng.below(candidates.size())];
  } else if (c.routing == Routing::kProxy && running > 0) {
    const auto replicas = replicasOf(key);
    std::vector<NodeId> candidates;
    for (NodeId id = 0; id < m_nodes.size(); ++id) {
      if (serving(m_nodes[id]) && std::find(replicas.begin(), replicas.end(), id) == replicas.end()) {
        candidates.push_back(id);
      }
    }
    if (!candidates.empty()) {
      coordinator = candidates[w.rng.below(candidates.size())];
    } else {
      std::uint64_t pick = w.rng.below(running);  // every running node holds a copy: any of them
      for (NodeId id = 0; id < m_nodes.size(); ++id) {
        if (serving(m_nodes[id]) && pick-- == 0) {
          coordinator = id;
          break;
        }
      }
    }
  } else if (running > 0) {
    std::uint64_t pick = w.rng.below(running);
    for (NodeId id = 0; id < m_nodes.size(); ++id) {
      if (serving(m_nodes[id]) && pick-- == 0) {
        coordinator = id;
        break;
      }
    }
  }
  submit(coordinator, op, std::move(key), std::move(value), std::move(done), session, style);
}

void Simulation::runClosedLoopClient(std::size_t index) {
  ClientSession session;
  session.client = ++m_nextClientId;
  for (;;) {
    Workload& w = *m_workloads[index];
    if (w.stopped) return;
    if (m_now < w.config.start) {
      sleepFiber(w.config.start - m_now);
      continue;
    }
    if (w.config.stop && m_now >= *w.config.stop) return;
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
    checkAlive();
    if (w.config.thinkTime > Duration{0}) sleepFiber(w.config.thinkTime);
  }
}

void Simulation::setWorkloadRate(std::size_t index, double ratePerSecond) {
  if (index >= m_workloads.size()) return;
  Workload& w = *m_workloads[index];
  w.config.ratePerSecond = ratePerSecond;
  hash(0x4a7e, index, static_cast<std::uint64_t>(ratePerSecond * 1000));
  if (w.config.model == LoadModel::kOpenLoop) scheduleArrival(index);
}

void Simulation::setWorkloadMix(std::size_t index, double readRatio, double deleteRatio) {
  if (index >= m_workloads.size()) return;
  WorkloadConfig& config = m_workloads[index]->config;
  config.readRatio = std::clamp(readRatio, 0.0, 1.0);
  config.deleteRatio = std::clamp(deleteRatio, 0.0, 1.0 - config.readRatio);
  hash(0x3147, index, static_cast<std::uint64_t>(readRatio * 1e6), static_cast<std::uint64_t>(deleteRatio * 1e6));
}

void Simulation::setWorkloadKeys(std::size_t index, KeyDistribution keys) {
  if (index >= m_workloads.size()) return;
  hash(0x6b65, index, keys.count(), static_cast<std::uint64_t>(keys.shape()));
  m_workloads[index]->config.keys = std::move(keys);
}

void Simulation::setWorkloadRouting(std::size_t index, Routing routing) {
  if (index >= m_workloads.size()) return;
  hash(0x726f, index, static_cast<std::uint64_t>(routing));
  m_workloads[index]->config.routing = routing;
}

const WorkloadConfig& Simulation::workload(std::size_t index) const { return m_workloads.at(index)->config; }

void Simulation::stopWorkloads() {
  for (auto& w : m_workloads) w->stopped = true;
}

}  // namespace ringlab

namespace ringlab {

// ---------------------------------------------------------------------------------------------------------------
// Membership changes

bool Simulation::hasLeft(NodeId node) const { return node < m_nodes.size() && m_nodes[node].left; }

bool Simulation::membershipChangeInProgress() const {
  return std::any_of(m_changes.begin(), m_changes.end(), [](const MembershipChange& c) { return !c.finished; });
}

void Simulation::switchRing(Ring ring) {
  m_ring = std::make_shared<const Ring>(std::move(ring));
  for (auto& slot : m_nodes) slot.node->setRing(m_ring);
  hash(0x4149, static_cast<std::uint64_t>(m_now.nanos()), m_ring->entries().size());
}

void Simulation::completeMembershipChange(std::size_t changeIndex) {
  MembershipChange& c = m_changes[changeIndex];
  if (c.finished) return;
  c.finished = m_now;
  NodeSlot& slot = m_nodes[c.node];
  if (c.kind == MembershipChange::Kind::kAdd) {
    slot.node->setMemberStatus(MemberStatus::kNormal);
  } else {
    slot.node->setMemberStatus(MemberStatus::kLeft);
    // As a real node does before it exits: every member hears that it has left (and tells the others), so no
    // membership view keeps it as a member that went silent.
    if (slot.running) (void)slot.node->announce();
    if (slot.running) {
      slot.running = false;
      ++slot.incarnation;
      slot.node->stop();
    }
    slot.leaving = false;
    slot.left = true;
  }
  hash(0xd0e, static_cast<std::uint64_t>(m_now.nanos()), c.node, c.recordsStreamed);
  if (m_events.wants(EventType::kClusterChanged)) {
    m_events.publish(ClusterChanged{m_now, fmt::format("{} {}: {} records streamed in {} ranges", nodeName(c.node),
                                                       c.kind == MembershipChange::Kind::kAdd ? "joined" : "left",
                                                       c.recordsStreamed, c.transfers.size())});
  }
}

void Simulation::startStreaming(std::size_t changeIndex, const Ring& before) {
  MembershipChange& change = m_changes[changeIndex];
  // Group the ranges by receiving node; each receiver tries the previous holder first, then the other replicas the
  // range had before the change.
  std::map<NodeId, std::vector<Node::StreamTask>> byReceiver;
  PreferenceList previous;
  for (const RangeTransfer& transfer : change.transfers) {
    Node::StreamTask task;
    task.range = transfer.range;
    before.preferenceList(transfer.range.end, m_config.quorum.n, 0, previous);
    if (transfer.from != change.node || change.kind != MembershipChange::Kind::kRemove) {
      task.sources.push_back(transfer.from);
    }
    for (NodeId replica : previous.replicas) {
      if (replica != transfer.to && replica != change.node &&
          std::find(task.sources.begin(), task.sources.end(), replica) == task.sources.end()) {
        task.sources.push_back(replica);
      }
    }
    // The node that gives the range up is the one source sure to hold every write it took: the others may lack
    // some, and once it is no longer a replica nothing else brings them over. While it runs, only it is asked (a
    // failure streams again a second later); when it is down, the other previous replicas stand in.
    const NodeSlot& giver = m_nodes[transfer.from];
    if (change.kind != MembershipChange::Kind::kRemove && !task.sources.empty() && task.sources.front() == transfer.from &&
        giver.running && !giver.left) {
      task.sources.resize(1);
    }
    byReceiver[transfer.to].push_back(std::move(task));
  }
  change.receivers = byReceiver.size();
  auto finishIfDone = [this, changeIndex] {
    MembershipChange& c = m_changes[changeIndex];
    if (c.receiversDone < c.receivers || c.finished || c.handingOffHints || c.retryPending) return;
    NodeSlot& slot = m_nodes[c.node];
    // Some ranges did not stream (a receiver or every source down or cut off): they stream again in a second, while
    // the node joining or leaving runs. A leaving node stays until then; a joining one stays joining.
    const bool nodeNeeded = c.kind != MembershipChange::Kind::kRemove;
    if (c.rangesFailed > 0 && (slot.running || !nodeNeeded) && c.before && c.streamAttempts < kMaxStreamAttempts) {
      c.streamAttempts++;
      c.retryPending = true;
      startTimer(kNoNode, std::chrono::seconds(1), [this, changeIndex] {
        MembershipChange& change = m_changes[changeIndex];
        change.retryPending = false;
        change.receiversDone = 0;
        change.rangesFailed = 0;
        const std::shared_ptr<const Ring> before = change.before;
        startStreaming(changeIndex, *before);
      }, false);
      return;
    }
    if (c.kind == MembershipChange::Kind::kAdd || !slot.running || slot.node->hints().pending() == 0) {
      completeMembershipChange(changeIndex);
      return;
    }
    // Hints it holds for unreachable owners would leave with it: it sends them on first. The change completes
    // however the hand-off ends (a crash of the leaving node cuts it short).
    c.handingOffHints = true;
    struct Done {
      Simulation* sim;
      std::size_t change;
      ~Done() { sim->completeMembershipChange(change); }
    };
    spawnFiber(c.node, FiberRole::kSystem, "hand-off-hints", [this, changeIndex, done = std::make_shared<Done>(Done{this, changeIndex})] {
      (void)m_nodes[m_changes[changeIndex].node].node->handOffHints();
    });
  };
  // If a receiver is down, or crashes before or while streaming, its remaining ranges count as failed: anti-entropy
  // fills them in once it is back. Either way the change completes: the completion runs when the fiber's body is
  // released, however the fiber ended.
  struct Completion {
    Completion(Simulation* s, std::size_t c, std::size_t r, std::function<void()> f)
        : sim(s), change(c), ranges(r), finish(std::move(f)) {}
    Completion(const Completion&) = delete;
    Completion& operator=(const Completion&) = delete;
    Simulation* sim;
    std::size_t change;
    std::size_t ranges;
    std::function<void()> finish;
    bool counted = false;
    ~Completion() {
      if (counted) return;
      MembershipChange& c = sim->m_changes[change];
      c.rangesFailed += ranges;
      c.receiversDone++;
      finish();
    }
  };
  for (auto& [receiver, tasks] : byReceiver) {
    auto completion = std::make_shared<Completion>(this, changeIndex, tasks.size(), finishIfDone);
    if (!m_nodes[receiver].running) continue;  // `completion` counts it as failed right here
    spawnFiber(receiver, FiberRole::kSystem, "stream-in",
               [this, receiver = receiver, tasks = std::move(tasks), changeIndex, finishIfDone, completion] {
                 const Node::StreamOutcome outcome = m_nodes[receiver].node->streamIn(tasks);
                 completion->counted = true;
                 MembershipChange& c = m_changes[changeIndex];
                 c.recordsStreamed += outcome.records;
                 c.rangesFailed += outcome.rangesFailed;
                 c.receiversDone++;
                 finishIfDone();
               });
  }
  finishIfDone();
}

NodeId Simulation::addNode() {
  const NodeId id = static_cast<NodeId>(m_nodes.size());
  const Ring before = *m_ring;
  m_config.nodes = m_nodes.size() + 1;
  m_network.resize(m_config.nodes);
  addSlot(id);
  switchRing(before.withNode(id, m_ringRng));
  NodeSlot& slot = m_nodes[id];
  slot.running = true;
  slot.node->start(slot.incarnation);
  slot.node->setMemberStatus(MemberStatus::kJoining);
  MembershipChange change;
  change.kind = MembershipChange::Kind::kAdd;
  change.node = id;
  change.begun = m_now;
  change.transfers = Ring::diff(before, *m_ring, m_config.quorum.n);
  change.before = std::make_shared<const Ring>(before);
  m_changes.push_back(std::move(change));
  if (m_events.wants(EventType::kNodeStateChanged)) {
    m_events.publish(NodeStateChanged{m_now, id, NodeState::kJoining, "added to the ring"});
  }
  startStreaming(m_changes.size() - 1, before);
  return id;
}

Status Simulation::leaveRing(NodeId id, MembershipChange::Kind kind) {
  const bool decommission = kind == MembershipChange::Kind::kDecommission;
  NodeSlot& slot = m_nodes[id];
  const Ring before = *m_ring;
  if (before.nodes().size() <= m_config.quorum.n) {
    return Status(ErrorCode::kInvalidArgument,
                  std::string(decommission ? "decommissioning " : "removing ") + nodeName(id) +
                      " would leave fewer than N = " + std::to_string(m_config.quorum.n) + " nodes");
  }
  if (decommission) {
    slot.leaving = true;  // it keeps running until its ranges have streamed out
    slot.node->setMemberStatus(MemberStatus::kLeaving);
  } else {
    slot.left = true;
    slot.node->clearHints();
  }
  switchRing(before.withoutNode(id));
  MembershipChange change;
  change.kind = kind;
  change.node = id;
  change.begun = m_now;
  change.transfers = Ring::diff(before, *m_ring, m_config.quorum.n);
  change.before = std::make_shared<const Ring>(before);
  m_changes.push_back(std::move(change));
  if (m_events.wants(EventType::kNodeStateChanged)) {
    m_events.publish(NodeStateChanged{m_now, id, decommission ? NodeState::kLeaving : NodeState::kDown,
                                      decommission ? "decommissioning" : "removed from the ring"});
  }
  startStreaming(m_changes.size() - 1, before);
  return Status::ok();
}

Status Simulation::decommission(NodeId id) {
  if (id >= m_nodes.size() || !m_nodes[id].running || m_nodes[id].leaving || m_nodes[id].left) {
    return Status(ErrorCode::kInvalidArgument, nodeName(id) + " is not a running member of the ring");
  }
  return leaveRing(id, MembershipChange::Kind::kDecommission);
}

Status Simulation::removeNode(NodeId id) {
  if (id >= m_nodes.size() || m_nodes[id].running || m_nodes[id].left) {
    return Status(ErrorCode::kInvalidArgument,
                  nodeName(id) + " is not a crashed member of the ring (decommission a running node instead)");
  }
  return leaveRing(id, MembershipChange::Kind::kRemove);
}

}  // namespace ringlab
