// Waiting for replies: the one way node code waits for "k of n answers, or a deadline" (FoundationDB's quorum()).
//
// A ReplyWait counts the answers to requests one fiber sent. The fiber blocks in await() until `needed` answers are
// ok (kReached), so many answers failed that `needed` ok ones can no longer come (kUnreachable), the deadline passed
// (kTimedOut), or the wait was cancelled because its node stopped (the runtime then unwinds the fiber with
// FiberCancelled; kCancelled only where the runtime does not). await() records what it waits for with
// Runtime::noteWait before every block and calls Runtime::checkAlive after every wake-up, so callers do neither.
//
// Answers that arrive after await() returned are late: they are counted (arrived()) but change nothing. The wait
// keeps no payloads: a caller that needs what the answers carried keeps them itself, in arrival order (answer()
// returns the index).
//
// ReplyTable routes answers to waits by request id and cancels every open wait when the node stops.
//
// Threading: like the Node, used from its runtime's thread only. answer(), expect() and cancel() never block and may
// be called outside fibers (from onMessage or a timer); await() is fiber only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <ringlab/engine/events.h>
#include <ringlab/engine/runtime.h>
#include <ringlab/engine/types.h>

namespace ringlab {

class ReplyWait {
 public:
  enum class Outcome : std::uint8_t {
    kPending,      // await() has not returned yet
    kReached,      // `needed` answers were ok
    kUnreachable,  // too many answers failed for `needed` ok ones to come
    kTimedOut,     // the deadline passed first
    kCancelled,    // cancel() was called (its node stopped) and the runtime did not unwind the fiber
  };

  // Waits for `needed` ok answers out of `expected` (expect() adds more). `reason` is what the fiber view shows while
  // the fiber blocks. `runtime` must outlive the wait.
  ReplyWait(Runtime& runtime, WaitFor reason, std::size_t needed, std::size_t expected);
  ReplyWait(const ReplyWait&) = delete;
  ReplyWait& operator=(const ReplyWait&) = delete;
  // Cancels the deadline and attached timers.
  virtual ~ReplyWait();

  // Starts the deadline: after `timeout` the wait times out, and then `onExpired` runs (also when await() has
  // returned already, which lets a caller keep taking late answers until the deadline). At most once per wait.
  void startDeadline(Duration timeout, std::function<void()> onExpired = {});
  // Ties a timer of the caller's to this wait: close() and cancel() cancel it with the deadline.
  void attachTimer(TimerId timer);

  // One more answer is on its way (a copy sent to a fallback). Wakes the waiting fiber.
  void expect(std::size_t more = 1);
  // Records an answer, ok or failed, and wakes the waiting fiber. Returns its index in arrival order.
  std::size_t answer(bool ok);
  // The node stopped: cancels the timers, and wakes the waiting fiber, which unwinds. Idempotent.
  void cancel();
  // No more answers are of interest: cancels the deadline and the attached timers. Idempotent.
  void close();

  // Fiber only. Blocks until the outcome is known and returns it (never kPending). `perAnswer`, when given, runs in
  // the waiting fiber once for each answer, in arrival order, before that answer counts (a coordinator charges CPU
  // there; answers may arrive meanwhile). Throws FiberCancelled when the node stops during the wait. Call once.
  Outcome await(const std::function<void()>& perAnswer = {});

  Outcome outcome() const { return m_outcome; }
  // await() has returned: answers arriving now are late.
  bool ended() const { return m_outcome != Outcome::kPending; }
  bool timedOut() const { return m_timedOut; }
  bool cancelled() const { return m_cancelled; }
  std::size_t needed() const { return m_needed; }
  std::size_t expected() const { return m_expected; }
  std::size_t arrived() const { return m_results.size(); }
  // Answers the waiting fiber took into account (await() counts only these); the rest arrived after it returned.
  std::size_t counted() const { return m_counted; }
  // Among the first counted() answers.
  std::size_t okCounted() const { return m_okCounted; }
  std::size_t failedCounted() const { return m_counted - m_okCounted; }
  bool isOk(std::size_t index) const { return m_results.at(index); }
  const WaitFor& reason() const { return m_reason; }

 protected:
  Runtime& runtime() const { return m_rt; }

 private:
  struct Signal;  // the fiber condition the waiter blocks on (kept out of this header)

  void wake();
  Outcome decide() const;

  Runtime& m_rt;
  WaitFor m_reason;
  std::size_t m_needed;
  std::size_t m_expected;
  std::vector<bool> m_results;  // ok or failed, in arrival order
  std::size_t m_counted = 0;
  std::size_t m_okCounted = 0;
  bool m_timedOut = false;
  bool m_cancelled = false;
  Outcome m_outcome = Outcome::kPending;
  TimerId m_deadline = 0;
  bool m_deadlineArmed = false;
  std::function<void()> m_onExpired;
  std::vector<TimerId> m_attached;
  std::unique_ptr<Signal> m_signal;
};

// A node's open waits of one kind, by request id (one wait may be registered under several ids). Ordered, so that
// cancelAll() wakes fibers in a deterministic order.
template <typename Wait = ReplyWait>
class ReplyTable {
 public:
  void add(std::uint64_t requestId, std::shared_ptr<Wait> wait) { m_waits.emplace(requestId, std::move(wait)); }
  // The wait for `requestId`, or null (an answer nobody waits for any more).
  std::shared_ptr<Wait> find(std::uint64_t requestId) const {
    auto it = m_waits.find(requestId);
    return it == m_waits.end() ? nullptr : it->second;
  }
  // find(), and forgets the id: for waits that take one answer per id.
  std::shared_ptr<Wait> take(std::uint64_t requestId) {
    auto it = m_waits.find(requestId);
    if (it == m_waits.end()) return nullptr;
    auto wait = std::move(it->second);
    m_waits.erase(it);
    return wait;
  }
  // Forgets the id and closes its wait (its timers stop). No-op for an unknown id.
  void release(std::uint64_t requestId) {
    if (auto wait = take(requestId)) wait->close();
  }
  // The node stopped: cancels every wait, in request id order, and forgets them all.
  void cancelAll() {
    auto waits = std::move(m_waits);
    m_waits.clear();
    for (auto& [id, wait] : waits) wait->cancel();
  }
  std::size_t size() const { return m_waits.size(); }
  bool empty() const { return m_waits.empty(); }

 private:
  std::map<std::uint64_t, std::shared_ptr<Wait>> m_waits;
};

}  // namespace ringlab
