#include <ringlab/engine/reply_wait.h>

#include <mutex>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>

namespace ringlab {

struct ReplyWait::Signal {
  boost::fibers::mutex mutex;
  boost::fibers::condition_variable changed;
};

ReplyWait::ReplyWait(Runtime& runtime, WaitFor reason, std::size_t needed, std::size_t expected)
    : m_rt(runtime), m_reason(reason), m_needed(needed), m_expected(expected), m_signal(std::make_unique<Signal>()) {}

ReplyWait::~ReplyWait() { close(); }

void ReplyWait::startDeadline(Duration timeout, std::function<void()> onExpired) {
  m_onExpired = std::move(onExpired);
  m_deadlineArmed = true;
  m_deadline = m_rt.startTimer(timeout, [this] {
    m_deadlineArmed = false;
    m_timedOut = true;
    wake();
    // A copy: the callback may release the last reference to this wait.
    if (auto onExpired = m_onExpired) onExpired();
  });
}

void ReplyWait::attachTimer(TimerId timer) { m_attached.push_back(timer); }

void ReplyWait::expect(std::size_t more) {
  m_expected += more;
  wake();
}

std::size_t ReplyWait::answer(bool ok) {
  m_results.push_back(ok);
  wake();
  return m_results.size() - 1;
}

void ReplyWait::cancel() {
  m_cancelled = true;
  close();
  wake();
}

void ReplyWait::close() {
  if (m_deadlineArmed) {
    m_deadlineArmed = false;
    m_rt.cancelTimer(m_deadline);
  }
  for (TimerId timer : m_attached) m_rt.cancelTimer(timer);
  m_attached.clear();
}

void ReplyWait::wake() {
  if (!ended()) m_signal->changed.notify_all();
}

ReplyWait::Outcome ReplyWait::decide() const {
  if (m_okCounted >= m_needed) return Outcome::kReached;
  if (m_expected < m_needed + failedCounted()) return Outcome::kUnreachable;
  if (m_timedOut) return Outcome::kTimedOut;
  if (m_cancelled) return Outcome::kCancelled;
  return Outcome::kPending;
}

ReplyWait::Outcome ReplyWait::await(const std::function<void()>& perAnswer) {
  std::unique_lock lock(m_signal->mutex);
  for (;;) {
    while (m_counted < m_results.size()) {
      if (perAnswer) {
        lock.unlock();
        perAnswer();
        lock.lock();
      }
      m_okCounted += m_results[m_counted] ? 1 : 0;
      m_counted++;
    }
    if (const Outcome outcome = decide(); outcome != Outcome::kPending) {
      m_outcome = outcome;
      return outcome;
    }
    m_rt.noteWait(m_reason);
    m_signal->changed.wait(lock);
    m_rt.checkAlive();
  }
}

}  // namespace ringlab
