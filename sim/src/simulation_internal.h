// Internals of the Simulation shared by its parts (simulation.cpp, client_driver.cpp, membership_changes.cpp): the
// node slots and their runtimes, and the two parts that live behind the facade, ClientDriver and MembershipChanges.
// Not installed; nothing outside sim/src/ includes it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/fiber/context.hpp>

#include <ringlab/sim/simulation.h>

namespace ringlab {

inline std::int64_t micros(TimePoint t) { return t.nanos() / 1000; }

// The running fiber's properties. Every fiber the simulation spawns has FiberProps (the scheduler creates them), so
// a static cast is safe and avoids boost::this_fiber::properties' dynamic_cast on this hot path.
inline FiberProps& currentFiber() {
  return *static_cast<FiberProps*>(boost::fibers::context::active()->get_properties());
}

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
  bool leaving = false;  // decommissioning: still running to stream its data out, no longer in the ring
  bool left = false;     // gone for good
};

// The clients: workloads (open-loop arrivals, closed-loop sessions) and single operations, each run in a
// coordinator fiber on the node it picked; every finished operation is counted, hashed and reported.
class ClientDriver {
 public:
  explicit ClientDriver(Simulation& sim) : m_sim(sim) {}

  std::size_t addWorkload(WorkloadConfig config);
  void setWorkloadRate(std::size_t workload, double ratePerSecond);
  void setWorkloadMix(std::size_t workload, double readRatio, double deleteRatio);
  void setWorkloadKeys(std::size_t workload, KeyDistribution keys);
  void setWorkloadRouting(std::size_t workload, Routing routing);
  std::size_t workloadCount() const { return m_workloads.size(); }
  const WorkloadConfig& workload(std::size_t index) const;
  void stopWorkloads();
  void submit(NodeId coordinator, Operation op, Key key, Value value, std::function<void(const ClientOperation&)> done,
              const ClientSession& session, WriteStyle style);
  void onOperationCompleted(std::function<void(const ClientOperation&)> observer);
  std::uint64_t operationsInFlight() const { return m_operationsStarted - m_operationsFinished; }

 private:
  struct Workload {
    WorkloadConfig config;
    Rng rng;
    bool stopped = false;
    bool arrivalScheduled = false;
    std::uint64_t issued = 0;
  };

  void scheduleArrival(std::size_t workload);
  void issueOperation(std::size_t workload, std::function<void(const ClientOperation&)> done,
                      const ClientSession& session = {});
  void runClosedLoopClient(std::size_t workload);
  void finishOperation(ClientOperation& op, const std::function<void(const ClientOperation&)>& done);
  // Runs one client operation on `node` (in its coordinator fiber) as `style` says: a plain request, a causal
  // read-modify-write or blind write in siblings mode, or an increment. Records the context and delta in `op`.
  OperationResult executeStyled(Node& node, ClientOperation& op, const Key& key, Value value, const Version& after,
                                const WriteStyle& style);

  Simulation& m_sim;
  std::vector<std::unique_ptr<Workload>> m_workloads;
  std::vector<std::function<void(const ClientOperation&)>> m_completionObservers;
  std::uint64_t m_nextOperationId = 0;
  std::uint64_t m_nextClientId = 0;
  std::uint64_t m_operationsStarted = 0;
  std::uint64_t m_operationsFinished = 0;
};

// Membership changes: a node joins, is decommissioned or removed; the ring changes at once and the ranges that moved
// stream to their new owners in the background, again a second later when some did not, until each change completes.
class MembershipChanges {
 public:
  explicit MembershipChanges(Simulation& sim) : m_sim(sim) {}

  NodeId addNode();
  Status decommission(NodeId node);
  Status removeNode(NodeId node);
  const std::vector<Simulation::MembershipChange>& changes() const { return m_changes; }
  bool membershipChangeInProgress() const;
  // A node restarted: a join it did not finish before it crashed streams its ranges again.
  void restarted(NodeId node);

 private:
  void startStreaming(std::size_t change, const Ring& before);
  // Streams every range of `change` again, from the ring it began with; its counts of done and failed start over.
  void streamAgain(std::size_t change);
  // Marks a membership change finished: a joining node becomes normal, a leaving one announces it left and stops.
  void completeMembershipChange(std::size_t change);
  Status leaveRing(NodeId node, Simulation::MembershipChange::Kind kind);
  // Records a change the ring has just taken (`before` is the ring it replaced), says so, and starts its streams.
  void begin(Simulation::MembershipChange::Kind kind, NodeId node, const Ring& before, NodeState state,
             const char* reason);

  Simulation& m_sim;
  std::vector<Simulation::MembershipChange> m_changes;
};

}  // namespace ringlab
