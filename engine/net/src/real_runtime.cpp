#include <ringlab/net/real_runtime.h>

#include <chrono>

namespace ringlab::net {

RealRuntime::RealRuntime(FiberLoop& loop, NodeId self, std::size_t concurrency, std::uint64_t seed)
    : m_loop(loop), m_self(self), m_concurrency(concurrency == 0 ? 1 : concurrency), m_rng(seed) {}

RealRuntime::~RealRuntime() { stop(); }

std::int64_t RealRuntime::wallClockMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void RealRuntime::spawn(FiberRole role, std::string name, std::function<void()> body) {
  if (m_stopped) return;
  auto wrapped = [this, body = std::move(body)]() mutable {
    try {
      checkAlive();
      body();
    } catch (const FiberCancelled&) {
      // The node stopped while this fiber waited: not an error.
    }
    body = nullptr;
  };
  const std::string label = name;
  const std::uint64_t id = m_loop.spawn(m_self, role, std::move(name), std::move(wrapped));
  if (m_events.wants(EventType::kFiberStarted)) m_events.publish(FiberStarted{now(), m_self, id, role, label});
}

void RealRuntime::sleepFor(Duration d) {
  checkAlive();
  boost::asio::steady_timer timer(m_loop.io());
  timer.expires_after(d);
  m_sleeps.insert(&timer);
  awaitHandler<boost::system::error_code>([&](auto handler) { timer.async_wait(std::move(handler)); });
  m_sleeps.erase(&timer);
  checkAlive();
}

void RealRuntime::checkAlive() {
  if (m_stopped) throw FiberCancelled{};
}

TimerId RealRuntime::startTimer(Duration delay, std::function<void()> callback) {
  const TimerId id = ++m_nextTimer;
  if (m_stopped) return id;
  auto timer = std::make_shared<boost::asio::steady_timer>(m_loop.io());
  timer->expires_after(delay);
  m_timers.emplace(id, timer);
  timer->async_wait([this, id, timer, callback = std::move(callback)](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = m_timers.find(id);
    if (it == m_timers.end() || it->second != timer) return;
    m_timers.erase(it);
    if (!m_stopped) callback();
  });
  return id;
}

void RealRuntime::cancelTimer(TimerId id) {
  auto it = m_timers.find(id);
  if (it == m_timers.end()) return;
  it->second->cancel();
  m_timers.erase(it);
}

void RealRuntime::send(Message message) {
  if (m_stopped || !m_transport) return;
  message.from = m_self;
  m_transport->send(std::move(message));
}

void RealRuntime::stop() {
  m_stopped = true;
  for (auto& [id, timer] : m_timers) timer->cancel();
  m_timers.clear();
  for (auto* timer : m_sleeps) timer->cancel();
}

}  // namespace ringlab::net
