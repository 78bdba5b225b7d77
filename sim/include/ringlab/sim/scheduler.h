// The simulation's fiber scheduler: a deterministic Boost.Fiber scheduling algorithm for one OS thread.
//
// Ready fibers run in FIFO order of becoming ready, so the interleaving depends only on the program and the seed,
// never on timing. Every fiber carries FiberProps (node, role, id, incarnation); the scheduler tells its observer
// when a fiber blocks and when it becomes ready again, which is how waits are recorded for the fiber view.
//
// The algorithm is installed once per thread (installDeterministicScheduler) and outlives simulations; a
// Simulation attaches itself as the observer while it runs. The simulation loop runs in the thread's main context
// and lets fibers run by yielding until no worker fiber is ready (readyWorkers() == 0). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/properties.hpp>
#include <boost/fiber/scheduler.hpp>

#include <ringlab/engine/events.h>
#include <ringlab/engine/types.h>

namespace ringlab {

class FiberObserver;

struct FiberProps : boost::fibers::fiber_properties {
  explicit FiberProps(boost::fibers::context* ctx) : fiber_properties(ctx) {}

  FiberObserver* owner = nullptr;  // the simulation that spawned the fiber (null: main or dispatcher)
  NodeId node = kNoNode;           // kNoNode for clients outside any node
  FiberRole role = FiberRole::kSystem;
  std::uint64_t fiberId = 0;
  std::uint64_t incarnation = 0;        // the node incarnation the fiber belongs to
  std::int64_t blockedSinceNanos = -1;  // set while blocked, for the blocked slice
  bool inCpu = false;                   // blocked inside the CPU model: recorded as ready/running, not blocked
  WaitFor waitFor;                      // what the next (or current) block waits for, for the blocked slice
  const void* stackBottom = nullptr;    // the fiber's stack (for sanitizer annotations)
  std::size_t stackSize = 0;
};

// Receives scheduling transitions. Called from inside the scheduler: must not switch fibers.
class FiberObserver {
 public:
  virtual ~FiberObserver() = default;
  virtual void fiberBlocked(FiberProps& fiber) = 0;
  virtual void fiberReady(FiberProps& fiber) = 0;
};

class DeterministicScheduler final : public boost::fibers::algo::algorithm_with_properties<FiberProps> {
 public:
  DeterministicScheduler() = default;

  void awakened(boost::fibers::context* ctx, FiberProps& props) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override;
  void suspend_until(std::chrono::steady_clock::time_point const& deadline) noexcept override;
  void notify() noexcept override;

  // Worker fibers (not main, not dispatcher) ready to run.
  std::size_t readyWorkers() const { return m_readyWorkers; }
  // Context switches to worker fibers so far (for benchmarks and statistics).
  std::uint64_t switches() const { return m_switches; }

 private:
  boost::fibers::scheduler::ready_queue_type m_ready;
  // The dispatcher (which frees finished fibers and polls Boost.Fiber's own clock-based sleep queue, unused here)
  // waits aside and runs once every kDispatcherInterval picks, or when nothing but the main context is ready.
  boost::fibers::context* m_dispatcher = nullptr;
  std::size_t m_picksSinceDispatcher = 0;
  std::size_t m_readyWorkers = 0;
  boost::fibers::context* m_running = nullptr;
  std::uint64_t m_switches = 0;
};

// Installs the deterministic scheduler for the calling thread if it is not installed yet, and returns it.
// Must be called before the thread creates any fiber or uses any fiber primitive.
DeterministicScheduler& installDeterministicScheduler();

// Lets every ready worker fiber run until all are blocked or finished. Call from the main context only.
void runReadyFibers();

}  // namespace ringlab
