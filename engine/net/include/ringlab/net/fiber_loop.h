// The real runtime's event loop: one OS thread runs a Boost.Asio io_context and a Boost.Fiber scheduler together.
//
// LoopScheduler is a FIFO Boost.Fiber scheduling algorithm that tags every fiber with LoopFiberProps (node, role,
// id) and records its run slices (running, ready, blocked) for the fiber-scheduling view. FiberLoop::run() is the
// loop: the thread's main context runs ready Asio handlers, then yields so that every ready fiber runs until it
// blocks, and sleeps in the io_context (epoll) only when no fiber is ready. Asio completion handlers never switch
// fibers themselves; they wake the fiber that waits for them (see awaitHandler), which then runs on the next pass.
//
// awaitHandler() and OperationDeadline are the building blocks fibers use for asynchronous operations.
//
// Threading: everything here belongs to the loop thread. Other threads may only post() to the io_context.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/properties.hpp>
#include <boost/fiber/scheduler.hpp>

#include <ringlab/engine/events.h>
#include <ringlab/engine/types.h>

namespace ringlab::net {

struct LoopFiberProps : boost::fibers::fiber_properties {
  explicit LoopFiberProps(boost::fibers::context* ctx) : fiber_properties(ctx) {}
  NodeId node = kNoNode;
  FiberRole role = FiberRole::kSystem;
  std::uint64_t fiberId = 0;  // 0: not spawned through FiberLoop (main, dispatcher)
  std::int64_t stateSinceNanos = -1;
  FiberState state = FiberState::kReady;
  WaitFor waitFor;  // what the next (or current) block waits for; reset when the blocked slice is recorded
};

// Says what the calling fiber's next block waits for (see Runtime::noteWait). Does nothing outside a tagged fiber.
void noteWait(const WaitFor& what);

class LoopScheduler final : public boost::fibers::algo::algorithm_with_properties<LoopFiberProps> {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LoopScheduler(Clock::time_point epoch) : m_epoch(epoch) {}

  void awakened(boost::fibers::context* ctx, LoopFiberProps& props) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override { return !m_ready.empty(); }
  void suspend_until(std::chrono::steady_clock::time_point const& deadline) noexcept override;
  void notify() noexcept override;

  std::size_t readyWorkers() const { return m_readyWorkers; }
  std::uint64_t switches() const { return m_switches; }
  // When on, transitions of tagged fibers are collected as FiberSlice values (see takeSlices()).
  void setRecordSlices(bool on) { m_recordSlices = on; }
  // Moves out the slices collected since the last call.
  std::vector<FiberSlice> takeSlices();

 private:
  void transition(LoopFiberProps& props, FiberState next, std::int64_t nowNanos);
  std::int64_t nowNanos() const;

  Clock::time_point m_epoch;
  boost::fibers::scheduler::ready_queue_type m_ready;
  boost::fibers::context* m_running = nullptr;
  std::size_t m_readyWorkers = 0;
  std::uint64_t m_switches = 0;
  bool m_recordSlices = false;
  std::vector<FiberSlice> m_slices;
};

class FiberLoop {
 public:
  // Installs the LoopScheduler on the calling thread; at most one FiberLoop per thread, created before any fiber.
  explicit FiberLoop(boost::asio::io_context& io);
  // The scheduler stays installed (Boost.Fiber owns it until the thread ends) but no longer touches the io_context.
  ~FiberLoop();
  FiberLoop(const FiberLoop&) = delete;
  FiberLoop& operator=(const FiberLoop&) = delete;

  boost::asio::io_context& io() { return m_io; }
  LoopScheduler& scheduler() { return *m_scheduler; }
  // Monotonic time since the loop was created.
  Duration sinceStart() const { return std::chrono::steady_clock::now() - m_epoch; }

  // Starts a detached fiber tagged with node and role. Runs on the next pass of the loop. `body` must not let an
  // exception escape (the caller wraps it); if one does, it is logged and the process terminates.
  std::uint64_t spawn(NodeId node, FiberRole role, std::string name, std::function<void()> body);
  std::size_t liveFibers() const { return m_liveFibers; }

  // Runs until stop() is called and then until `drained()` returns true or `grace` has passed. Call from the main
  // context. Slices recorded meanwhile are handed to `onSlices` (may be empty) from the main context.
  void run(const std::function<bool()>& drained, Duration grace,
           const std::function<void(std::vector<FiberSlice>&)>& onSlices);
  void stop();
  bool stopping() const { return m_stopping; }

 private:
  boost::asio::io_context& m_io;
  std::chrono::steady_clock::time_point m_epoch;
  LoopScheduler* m_scheduler = nullptr;
  std::size_t m_liveFibers = 0;
  std::uint64_t m_nextFiberId = 0;
  bool m_stopping = false;
};

// Suspends the calling fiber until `initiate(handler)` calls `handler(args...)` (from the loop thread), and returns
// the arguments. `initiate` typically starts an Asio operation with the handler as its completion token. The handler
// may outlive the wait (it holds the shared state), so a fiber may be woken only by the one call.
template <typename... Args, typename Initiate>
std::tuple<Args...> awaitHandler(Initiate&& initiate) {
  struct State {
    std::optional<std::tuple<Args...>> result;
    boost::fibers::mutex mutex;
    boost::fibers::condition_variable ready;
  };
  auto state = std::make_shared<State>();
  initiate([state](Args... args) {
    state->result.emplace(std::move(args)...);
    state->ready.notify_one();
  });
  std::unique_lock lock(state->mutex);
  while (!state->result) state->ready.wait(lock);
  return std::move(*state->result);
}

// Cancels an I/O object's pending operations if they have not completed within `timeout`: a deadline for one
// operation. The object must outlive the deadline; the deadline may be destroyed at any time.
class OperationDeadline {
 public:
  template <typename IoObject>
  OperationDeadline(boost::asio::io_context& io, IoObject& object, Duration timeout)
      : m_timer(io), m_alive(std::make_shared<bool>(true)) {
    m_timer.expires_after(timeout);
    m_timer.async_wait([alive = m_alive, expired = m_expired, &object](const boost::system::error_code& ec) {
      if (ec || !*alive) return;
      *expired = true;
      if constexpr (requires(boost::system::error_code & e) { object.cancel(e); }) {
        boost::system::error_code ignored;
        object.cancel(ignored);
      } else {
        object.cancel();
      }
    });
  }
  ~OperationDeadline() {
    *m_alive = false;
    m_timer.cancel();
  }
  OperationDeadline(const OperationDeadline&) = delete;
  OperationDeadline& operator=(const OperationDeadline&) = delete;
  // True when the deadline passed and cancelled the operation.
  bool expired() const { return *m_expired; }

 private:
  boost::asio::steady_timer m_timer;
  std::shared_ptr<bool> m_alive;
  std::shared_ptr<bool> m_expired = std::make_shared<bool>(false);
};

}  // namespace ringlab::net
