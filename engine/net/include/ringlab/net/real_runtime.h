// The real Runtime: a node's protocol code on the FiberLoop, with real time, real timers and TCP messages.
//
// Fibers are Boost.Fiber fibers on the loop thread, timers are Asio steady timers, send() hands the message to the
// MessageTransport (the PeerTransport), and randomness comes from a generator seeded from the operating system.
// chargeCpu() does nothing: the work a message costs is done for real. stop() cancels every timer and wakes every
// sleeping fiber, which then unwinds with FiberCancelled.
//
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <ringlab/engine/runtime.h>
#include <ringlab/net/fiber_loop.h>

namespace ringlab::net {

class MessageTransport {
 public:
  virtual ~MessageTransport() = default;
  // Queues `message` for delivery; never blocks. Failures reach the node through Node::onUnreachable.
  virtual void send(Message message) = 0;
};

class RealRuntime final : public Runtime {
 public:
  RealRuntime(FiberLoop& loop, NodeId self, std::size_t concurrency, std::uint64_t seed);
  ~RealRuntime() override;

  void setTransport(MessageTransport* transport) { m_transport = transport; }
  // Shifts wallClockMicros() by `offset`, as a machine whose clock is off (testing: DaemonConfig::clockOffset).
  void setClockOffset(Duration offset) {
    m_clockOffsetMicros = std::chrono::duration_cast<std::chrono::microseconds>(offset).count();
  }

  NodeId self() const override { return m_self; }
  TimePoint now() const override { return TimePoint{m_loop.sinceStart()}; }
  std::int64_t wallClockMicros() const override;
  void spawn(FiberRole role, std::string name, std::function<void()> body) override;
  void sleepFor(Duration d) override;
  void chargeCpu() override {}
  void noteWait(const WaitFor& what) override { net::noteWait(what); }
  void checkAlive() override;
  std::size_t concurrency() const override { return m_concurrency; }
  TimerId startTimer(Duration delay, std::function<void()> callback) override;
  void cancelTimer(TimerId id) override;
  void send(Message message) override;
  Rng& rng() override { return m_rng; }
  EventBus& events() override { return m_events; }

  // Cancels every timer and sleep; fibers that wait in the runtime then throw FiberCancelled.
  void stop();
  bool stopped() const { return m_stopped; }
  FiberLoop& loop() { return m_loop; }

 private:
  FiberLoop& m_loop;
  NodeId m_self;
  std::size_t m_concurrency;
  Rng m_rng;
  EventBus m_events;
  MessageTransport* m_transport = nullptr;
  bool m_stopped = false;
  std::int64_t m_clockOffsetMicros = 0;
  // Timers live in one queue served by a single Asio timer armed for the earliest deadline, not an Asio timer each.
  // A coordinated request starts two and almost always cancels both, so a cancel only forgets the callback (a hash
  // erase); its due time stays in the heap until it comes to the top, where it is dropped, or until cancelled entries
  // outnumber live ones and the heap is rebuilt from the live timers (long timeouts cannot grow it without bound).
  // Two ordered maps, a node allocation and a rebalance per start and per cancel, were 4% of a cluster node's time.
  void armTimer();
  void fireTimers();
  using Due = std::pair<std::chrono::steady_clock::time_point, TimerId>;
  struct PendingTimer {
    std::chrono::steady_clock::time_point due;
    std::function<void()> callback;
  };
  TimerId m_nextTimer = 0;
  boost::unordered_flat_map<TimerId, PendingTimer> m_timers;                   // the live timers
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> m_timerQueue;  // earliest first, cancelled too
  boost::asio::steady_timer m_wheel;
  std::optional<std::chrono::steady_clock::time_point> m_armedFor;
  std::set<boost::asio::steady_timer*> m_sleeps;
};

}  // namespace ringlab::net
