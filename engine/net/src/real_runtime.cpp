#include <ringlab/net/real_runtime.h>

#include <chrono>

namespace ringlab::net {

RealRuntime::RealRuntime(FiberLoop& loop, NodeId self, std::size_t concurrency, std::uint64_t seed)
    : m_loop(loop), m_self(self), m_concurrency(concurrency == 0 ? 1 : concurrency), m_rng(seed), m_wheel(loop.io()) {}

RealRuntime::~RealRuntime() { stop(); }

std::int64_t RealRuntime::wallClockMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
             .count() +
         m_clockOffsetMicros;
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
  net::noteWait(WaitFor{WaitKind::kTimer});
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
  const auto due = std::chrono::steady_clock::now() + delay;
  m_timers.emplace(id, PendingTimer{due, std::move(callback)});
  if (m_timerQueue.size() >= 2 * m_timers.size() + 1024) {
    // Mostly cancelled entries: rebuild from the live timers.
    std::vector<Due> live;
    live.reserve(m_timers.size());
    for (const auto& [timer, pending] : m_timers) {
      if (timer != id) live.emplace_back(pending.due, timer);
    }
    m_timerQueue = decltype(m_timerQueue)(std::greater<Due>(), std::move(live));
  }
  m_timerQueue.emplace(due, id);
  if (!m_armedFor || due < *m_armedFor) armTimer();
  return id;
}

void RealRuntime::cancelTimer(TimerId id) {
  // The due time stays queued (dropped when it comes first), and the Asio timer stays armed: when it fires for a
  // cancelled timer it re-arms for the first live one.
  m_timers.erase(id);
}

void RealRuntime::armTimer() {
  while (!m_timerQueue.empty() && !m_timers.contains(m_timerQueue.top().second)) m_timerQueue.pop();
  if (m_timerQueue.empty() || m_stopped) {
    m_armedFor.reset();
    return;
  }
  const auto due = m_timerQueue.top().first;
  m_armedFor = due;
  m_wheel.expires_at(due);
  m_wheel.async_wait([this, due](const boost::system::error_code& ec) {
    if (ec || m_stopped || m_armedFor != due) return;  // re-armed for an earlier deadline meanwhile
    m_armedFor.reset();
    fireTimers();
  });
}

void RealRuntime::fireTimers() {
  const auto now = std::chrono::steady_clock::now();
  while (!m_timerQueue.empty() && !m_stopped) {
    const auto [due, id] = m_timerQueue.top();
    if (due > now) break;
    m_timerQueue.pop();
    auto it = m_timers.find(id);
    if (it == m_timers.end()) continue;  // cancelled
    std::function<void()> callback = std::move(it->second.callback);
    m_timers.erase(it);
    callback();
  }
  armTimer();
}

void RealRuntime::send(Message message) {
  if (m_stopped || !m_transport) return;
  message.from = m_self;
  m_transport->send(std::move(message));
}

void RealRuntime::stop() {
  m_stopped = true;
  m_timers.clear();
  m_timerQueue = {};
  m_wheel.cancel();
  m_armedFor.reset();
  for (auto* timer : m_sleeps) timer->cancel();
}

}  // namespace ringlab::net
