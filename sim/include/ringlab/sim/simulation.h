// The deterministic in-process cluster: N engine nodes on a virtual-time runtime, a simulated network, node CPU
// models, client workloads and metrics. The app, the headless runner and the tests all drive a cluster through
// this class.
//
// Simulation is the facade over its parts: the event loop (an EventQueue of timers and messages, dispatched here,
// with the fibers they wake), the network model (NetworkModel: latency, loss, partitions) and the delivery of
// messages through it, the CPU model (CpuModel: each node's cores), the cluster (node slots, crash and restart,
// faults, the ring), its membership changes (MembershipChanges: joins, decommissions and removals with their streams)
// and its clients (ClientDriver: workloads and single operations). The last two are internal (sim/src/).
//
// Everything runs on the calling thread: fibers are scheduled by the DeterministicScheduler, time is virtual and
// advances only when every fiber is blocked, and every random draw comes from streams split off the seed. The same
// configuration and seed give the same run, event for event; traceHash() proves it.
//
// Not thread-safe: create, drive and destroy a Simulation on one thread (a different thread per simulation is fine).
// Several simulations may live on one thread; drive one at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include <boost/fiber/fixedsize_stack.hpp>
#include <boost/fiber/pooled_fixedsize_stack.hpp>
#include <boost/fiber/waker.hpp>

#include <ringlab/engine/events.h>
#include <ringlab/engine/node.h>
#include <ringlab/engine/random.h>
#include <ringlab/engine/ring.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/storage.h>
#include <ringlab/sim/cpu_model.h>
#include <ringlab/sim/event_queue.h>
#include <ringlab/sim/metrics.h>
#include <ringlab/sim/network.h>
#include <ringlab/sim/scheduler.h>
#include <ringlab/sim/workload.h>

namespace ringlab {

class ClientDriver;
class MembershipChanges;

struct SimulationConfig {
  std::uint64_t seed = 1;
  std::size_t nodes = 5;
  RingConfig ring;
  QuorumConfig quorum;
  ConflictMode conflicts = ConflictMode::kLww;  // how replicas settle concurrent writes (NodeConfig::conflicts)
  std::size_t maxSiblings = 32;                 // siblings mode: NodeConfig::maxSiblings
  Duration requestTimeout = std::chrono::milliseconds(500);
  std::size_t coresPerNode = 2;
  Duration cpuCostPerMessage = std::chrono::microseconds(20);  // per handled message or client request
  StorageLimits storage;
  NetworkConfig network;
  std::vector<Duration> clockSkew;  // per node (index = node id); missing entries are 0
  MechanismConfig mechanisms;       // gossip, failure detection, hinted handoff, read repair, anti-entropy
  InjectedBug injectedBug = InjectedBug::kNone;  // every node's NodeConfig::injectedBug (tests of the checker)
  // Events due at the same virtual instant run in the order they were scheduled (FIFO) unless this is set: then
  // their order is shuffled by a generator seeded with `seed` and `tieSeed`, as FoundationDB's simulator does, so
  // bugs that depend on one order surface. Still deterministic: the same seed and tie seed give the same run.
  bool shuffleTies = false;
  std::uint64_t tieSeed = 0;

  // kInvalidArgument naming the field: no nodes, N larger than the node count, invalid quorum, no cores, negative
  // costs or timeouts, invalid latency distributions or probabilities.
  Status validate() const;
};

// A client that issues one operation after another keeps a session: its id, so the history checker can order its
// operations causally, and the newest version it has seen, which its coordinator's clock must pass (the causal
// context of HybridLogicalClock::nowAfter). Open-loop arrivals are independent requests without a session.
struct ClientSession {
  std::uint64_t client = 0;  // 0: no session
  Version seen;              // newest version written or read by this client so far (null: none)
};

// A finished client operation as the client saw it.
struct ClientOperation {
  std::uint64_t id = 0;          // sequence number of the operation in this run
  std::uint64_t client = 0;      // the session's client id; 0 for an independent request
  NodeId coordinator = kNoNode;  // kNoNode when no node was running to take it
  OperationResult result;        // result.begun / result.completed are the client's invoke and completion times
  VersionVector context;         // siblings-mode writes: the causal context the write carried (empty: blind)
  std::int64_t delta = 0;        // increments: the amount added
};

// What kind of write a workload operation is, beyond its Operation.
struct WriteStyle {
  bool readModifyWrite = false;  // siblings mode: read the key, then write with the read's context
  WorkloadConfig::Counter counter = WorkloadConfig::Counter::kCrdt;  // increments
};

class Simulation final : private FiberObserver {
 public:
  // Builds the cluster and starts every node. Check config.validate() first: an invalid configuration throws
  // std::invalid_argument.
  explicit Simulation(SimulationConfig config);
  ~Simulation() override;
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // --- time
  TimePoint now() const { return m_now; }
  // Runs every event up to and including `until`, then sets the clock to `until`.
  void runUntil(TimePoint until);
  void runFor(Duration d) { runUntil(m_now + d); }
  // Processes the next event (and every fiber it makes ready). Returns false when nothing is queued.
  bool step();
  // Virtual time of the next queued event, if any.
  std::optional<TimePoint> nextEventTime() const;

  // --- faults and changes (take effect at now())
  void crash(NodeId node);
  // Restarts a crashed node; its storage survives unless `wipe`.
  void restart(NodeId node, bool wipe = false);
  // Cuts every link between nodes of different groups, both ways.
  void partition(const std::vector<std::vector<NodeId>>& groups);
  // Cuts the link from `from` to `to` only (a one-way partition).
  void cutLink(NodeId from, NodeId to);
  // Restores every link.
  void heal();
  // Sets a node's clock offset from virtual time (SimulationConfig::clockSkew) from now on: a clock jump.
  void setClockOffset(NodeId node, Duration offset);
  // Multiplies a node's CPU cost per message (2.0: half as fast). 1.0 restores it.
  void setCpuFactor(NodeId node, double factor);
  // The factor set by setCpuFactor (1.0 unless changed, or for an unknown node).
  double cpuFactor(NodeId node) const;
  // CPU time the node's cores have spent so far in the CPU model (cost per message times its factor, over all its
  // cores): the difference over an interval, divided by cores x interval, is its load. Zero for an unknown node.
  Duration cpuBusy(NodeId node) const;
  void setQuorum(const QuorumConfig& quorum);

  // --- membership changes (the ring changes at once; data follows by streaming in the background)
  // Adds a node (the next id: n6 after n1..n5). It takes tokens (or claims partitions), then streams in the ranges
  // it now owns, in batches, from their previous holders. Returns its id.
  NodeId addNode();
  // Decommissions a running node: its ranges go to their new owners, which stream them from it; then it leaves.
  // kInvalidArgument when the node is not running, already leaving, or the ring would have fewer than N nodes.
  Status decommission(NodeId node);
  // Removes a node that is down for good: the new owners stream its ranges from the surviving replicas.
  Status removeNode(NodeId node);
  // One membership change and its progress.
  struct MembershipChange {
    enum class Kind : std::uint8_t { kAdd, kDecommission, kRemove } kind{};
    NodeId node = 0;
    std::vector<RangeTransfer> transfers;  // the ring diff
    std::size_t receivers = 0;             // nodes streaming ranges in
    std::size_t receiversDone = 0;
    std::uint64_t recordsStreamed = 0;
    std::size_t rangesFailed = 0;
    TimePoint begun;
    std::optional<TimePoint> finished;
    bool handingOffHints = false;  // a leaving node sends the hints it holds on before it goes
    // A change whose ranges did not all stream (a receiver, or every source, down or cut off) streams again a second
    // later, up to kMaxStreamAttempts times in all: a leaving node leaves only once its data has somewhere to go, and
    // data held only by a node that stopped being a replica reaches the new one.
    std::shared_ptr<const Ring> before;  // the ring before the change (the streams' previous holders)
    std::size_t streamAttempts = 1;
    bool retryPending = false;
  };
  const std::vector<MembershipChange>& membershipChanges() const;
  static constexpr std::size_t kMaxStreamAttempts = 60;
  bool membershipChangeInProgress() const;
  // True for a node that has left the cluster (decommissioned or removed); it cannot be restarted.
  bool hasLeft(NodeId node) const;
  NetworkModel& network() { return m_network; }

  // --- clients
  // Adds a workload; returns its index. It starts at max(now, config.start).
  std::size_t addWorkload(WorkloadConfig config);
  // Open loop: changes the arrival rate; closed loop: ignored. Rate 0 pauses the workload.
  void setWorkloadRate(std::size_t workload, double ratePerSecond);
  // Changes the operation mix of a workload (shares of gets and deletes; puts are the rest).
  void setWorkloadMix(std::size_t workload, double readRatio, double deleteRatio);
  // Changes which keys a workload's later operations touch; draws continue from the workload's own random stream.
  // Ignored for an unknown workload index.
  void setWorkloadKeys(std::size_t workload, KeyDistribution keys);
  // Changes how a workload's later requests pick their coordinator. Ignored for an unknown workload index.
  void setWorkloadRouting(std::size_t workload, Routing routing);
  std::size_t workloadCount() const;
  const WorkloadConfig& workload(std::size_t index) const;
  void stopWorkloads();
  // Sends one operation to `coordinator` now; `done` is called with the outcome when it completes (also when the
  // coordinator crashes first: kCancelled). `done` runs inside a fiber and must not block. `session` names the
  // client and carries its causal context; the caller updates session.seen from the outcome.
  void submit(NodeId coordinator, Operation op, Key key, Value value,
              std::function<void(const ClientOperation&)> done = {}, const ClientSession& session = {},
              WriteStyle style = {});
  // Called for every finished client operation (workloads and submit alike), in completion order.
  void onOperationCompleted(std::function<void(const ClientOperation&)> observer);

  // --- inspection
  std::size_t nodeCount() const;
  bool isRunning(NodeId node) const;
  // The node object (valid for the simulation's lifetime; throws std::out_of_range for an unknown id).
  Node& node(NodeId id);
  const Node& node(NodeId id) const;
  const Ring& ring() const { return *m_ring; }
  const SimulationConfig& config() const { return m_config; }
  const Metrics& metrics() const { return m_metrics; }
  EventBus& events() { return m_events; }
  // A hash of everything observable that happened so far (deliveries, drops, completions, faults).
  std::uint64_t traceHash() const { return m_traceHash; }
  std::uint64_t eventsProcessed() const { return m_eventsProcessed; }
  std::uint64_t fibersStarted() const { return m_fibersStarted; }
  std::size_t liveFibers() const { return m_liveFibers; }
  std::size_t queuedEvents() const { return m_queue.size(); }
  std::uint64_t operationsInFlight() const;

  // Failure detection quality: every time a node's detector declares a peer down, and how many of those were false
  // (the peer was running and the link from it to the observer was not cut).
  std::uint64_t downVerdicts() const { return m_downVerdicts; }
  std::uint64_t falseSuspicions() const { return m_falseSuspicions; }
  // Sums over the nodes' counters.
  NodeStats totalNodeStats() const;
  std::size_t hintsPending() const;

 private:
  friend class ClientDriver;
  friend class MembershipChanges;
  class NodeRuntime;
  struct NodeSlot;
  struct Timer;
  struct InFlight;

  // Runtime services, per node.
  void spawnFiber(NodeId node, FiberRole role, std::string name, std::function<void()> body);
  void sleepFiber(Duration d);
  void chargeCpu(NodeId node);
  void checkAlive();
  TimerId startTimer(NodeId node, Duration delay, std::function<void()> callback, bool wake);
  void cancelTimer(TimerId id);
  void send(NodeId from, Message message);

  void push(std::int64_t at, EventKind kind, std::uint32_t slot, std::uint32_t generation);
  bool isCancelled(const QueuedEvent& event) const;
  void dispatch(const QueuedEvent& event);
  void deliver(std::uint32_t slot);
  void drop(const InFlight& flight, DropReason reason);
  void hash(std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0, std::uint64_t d = 0);

  void fiberBlocked(FiberProps& fiber) override;
  void fiberReady(FiberProps& fiber) override;

  SimulationConfig m_config;
  DeterministicScheduler& m_scheduler;
  Rng m_rng;
  Rng m_networkRng;
  TimePoint m_now;
  EventBus m_events;
  Metrics m_metrics;
  NetworkModel m_network;
  std::shared_ptr<const Ring> m_ring;
  // The ring's nodes as seed members, one table shared by every node's membership view until that view changes.
  std::optional<MembershipView::SeedTable> m_seeds;
  std::uint64_t seedGeneration() const;
  std::vector<NodeSlot> m_nodes;
  CpuModel m_cpu;
  EventQueue m_queue;
  std::vector<Timer> m_timers;
  std::vector<std::uint32_t> m_freeTimers;
  std::vector<InFlight> m_inflight;
  std::vector<std::uint32_t> m_freeInflight;

  // Fiber stacks come from a pool. Under AddressSanitizer the pool's stacks are unpoisoned when handed out and
  // returned: Boost.Context's switches are not annotated for ASan, so a reused stack would otherwise keep the stale
  // redzones of the fiber that used it before.
  class FiberStacks {
   public:
    explicit FiberStacks(std::size_t bytes) : m_pool(bytes) {}
    boost::context::stack_context allocate();
    void deallocate(boost::context::stack_context& stack) noexcept;
    const boost::context::stack_context& lastAllocated() const { return *m_last; }

   private:
    boost::fibers::pooled_fixedsize_stack m_pool;
    // Shared by the copies Boost.Fiber makes of the allocator, so the original sees what a copy allocated.
    std::shared_ptr<boost::context::stack_context> m_last = std::make_shared<boost::context::stack_context>();
  };
  FiberStacks m_stacks;
  std::uint64_t m_nextFiberId = 0;
  std::uint64_t m_fibersStarted = 0;
  std::size_t m_liveFibers = 0;
  std::uint64_t m_nextMessageId = 0;
  std::uint64_t m_eventsProcessed = 0;
  std::uint64_t m_traceHash = 0x52696e674c6162ull;
  bool m_stopping = false;
  Rng m_ringRng;
  // Installs a new ring on every node.
  void switchRing(Ring ring);
  void addSlot(NodeId id);
  std::unique_ptr<ClientDriver> m_clients;
  std::unique_ptr<MembershipChanges> m_membership;
  std::uint64_t m_downVerdicts = 0;
  std::uint64_t m_falseSuspicions = 0;
  EventBus::SubscriptionId m_detectorWatch = 0;
};

}  // namespace ringlab
