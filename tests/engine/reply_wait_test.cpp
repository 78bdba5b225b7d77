// ReplyWait and ReplyTable, driven directly: real Boost.Fiber fibers on this thread's default scheduler, and a
// runtime double whose timers fire when the test says so and whose node stops when the test says so.
#include <gtest/gtest.h>
#include <ringlab/engine/reply_wait.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>

namespace ringlab {
namespace {

using namespace std::chrono_literals;
using Outcome = ReplyWait::Outcome;

class TestRuntime final : public Runtime {
 public:
  NodeId self() const override { return 0; }
  TimePoint now() const override { return TimePoint{}; }
  std::int64_t wallClockMicros() const override { return 0; }
  void spawn(FiberRole, std::string, std::function<void()>) override {}
  void sleepFor(Duration) override { boost::this_fiber::yield(); }
  // Lets other fibers (and the test) run meanwhile, as a real CPU charge would.
  void chargeCpu() override {
    ++cpuCharges;
    boost::this_fiber::yield();
  }
  void noteWait(const WaitFor& what) override { notes.push_back(what); }
  void checkAlive() override {
    if (stopped && unwindOnStop) throw FiberCancelled{};
  }
  std::size_t concurrency() const override { return 1; }
  TimerId startTimer(Duration delay, std::function<void()> callback) override {
    const TimerId id = ++m_nextTimer;
    timers.emplace(id, Armed{delay, std::move(callback)});
    return id;
  }
  void cancelTimer(TimerId id) override { timers.erase(id); }
  void send(Message) override {}
  Rng& rng() override { return m_rng; }
  EventBus& events() override { return m_events; }

  // Fires an armed timer as the runtime would when it comes due.
  void fire(TimerId id) {
    auto it = timers.find(id);
    ASSERT_NE(it, timers.end()) << "timer " << id << " is not armed";
    auto callback = std::move(it->second.callback);
    timers.erase(it);
    callback();
  }
  TimerId onlyTimer() const { return timers.size() == 1 ? timers.begin()->first : 0; }

  struct Armed {
    Duration delay;
    std::function<void()> callback;
  };
  std::map<TimerId, Armed> timers;
  std::vector<WaitFor> notes;
  int cpuCharges = 0;
  bool stopped = false;
  bool unwindOnStop = true;

 private:
  TimerId m_nextTimer = 0;
  Rng m_rng;
  EventBus m_events;
};

// A fiber blocked in await(), and what it returned (or that it unwound).
struct Waiter {
  std::optional<Outcome> outcome;
  bool unwound = false;
};

// Starts a fiber that awaits `wait`, and lets it run until it blocks or returns.
std::shared_ptr<Waiter> startWaiter(ReplyWait& wait, std::function<void()> perAnswer = {}) {
  auto waiter = std::make_shared<Waiter>();
  boost::fibers::fiber([&wait, waiter, perAnswer = std::move(perAnswer)] {
    try {
      waiter->outcome = wait.await(perAnswer);
    } catch (const FiberCancelled&) {
      waiter->unwound = true;
    }
  }).detach();
  boost::this_fiber::yield();
  return waiter;
}

// Lets every ready fiber run.
void settle() {
  for (int i = 0; i < 8; ++i) boost::this_fiber::yield();
}

const WaitFor kReason{WaitKind::kReplies, kNoNode, 42};

TEST(ReplyWaitTest, CompletesWhenKOfNAnswersAreOk) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 2, 3);
  auto waiter = startWaiter(wait);
  EXPECT_FALSE(waiter->outcome);

  wait.answer(true);
  settle();
  EXPECT_FALSE(waiter->outcome) << "one ok answer of the two needed";
  EXPECT_FALSE(wait.ended());

  wait.answer(true);
  settle();
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kReached);
  EXPECT_TRUE(wait.ended());
  EXPECT_EQ(wait.counted(), 2u);
  EXPECT_EQ(wait.okCounted(), 2u);
}

TEST(ReplyWaitTest, FailedAnswersDoNotCountTowardTheQuorum) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 2, 4);
  auto waiter = startWaiter(wait);
  wait.answer(true);
  wait.answer(false);
  settle();
  EXPECT_FALSE(waiter->outcome) << "1 ok, 1 failed, 2 outstanding: still reachable";
  wait.answer(true);
  settle();
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kReached);
  EXPECT_EQ(wait.failedCounted(), 1u);
}

TEST(ReplyWaitTest, EndsUnreachableOnceTooManyAnswersFailed) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 2, 3);
  auto waiter = startWaiter(wait);
  wait.answer(false);
  settle();
  EXPECT_FALSE(waiter->outcome) << "2 of the 3 can still answer";
  wait.answer(false);
  settle();
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kUnreachable);
}

TEST(ReplyWaitTest, ExpectingMoreAnswersKeepsTheQuorumReachable) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 2, 3);
  auto waiter = startWaiter(wait);
  wait.answer(false);
  wait.expect();  // a copy went to a fallback
  wait.answer(false);
  settle();
  EXPECT_FALSE(waiter->outcome) << "4 expected, 2 failed: 2 can still answer";
  wait.answer(true);
  wait.answer(true);
  settle();
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kReached);
  EXPECT_EQ(wait.expected(), 4u);
}

TEST(ReplyWaitTest, TimesOutAtTheDeadlineAndThenRunsTheExpiryCallback) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 2, 3);
  int expired = 0;
  wait.startDeadline(500ms, [&] { ++expired; });
  ASSERT_EQ(rt.timers.size(), 1u);
  EXPECT_EQ(rt.timers.begin()->second.delay, Duration(500ms));
  auto waiter = startWaiter(wait);
  wait.answer(true);
  settle();
  EXPECT_FALSE(waiter->outcome);

  rt.fire(rt.onlyTimer());
  settle();
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kTimedOut);
  EXPECT_TRUE(wait.timedOut());
  EXPECT_EQ(expired, 1);
  EXPECT_EQ(wait.okCounted(), 1u);
}

TEST(ReplyWaitTest, AQuorumReachedBeforeTheDeadlineIsNotATimeout) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 1, 1);
  wait.startDeadline(10ms);
  auto waiter = startWaiter(wait);
  wait.answer(true);
  rt.fire(rt.onlyTimer());  // both before the fiber runs again: the answer wins
  settle();
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kReached);
}

TEST(ReplyWaitTest, CancelWakesTheWaiterWhichUnwindsAndStopsTheTimers) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 2, 3);
  wait.startDeadline(500ms);
  wait.attachTimer(rt.startTimer(100ms, [] { FAIL() << "an attached timer fired after cancel()"; }));
  auto waiter = startWaiter(wait);
  ASSERT_EQ(rt.timers.size(), 2u);

  rt.stopped = true;
  wait.cancel();
  settle();
  EXPECT_TRUE(waiter->unwound);
  EXPECT_FALSE(waiter->outcome);
  EXPECT_TRUE(rt.timers.empty());
  EXPECT_TRUE(wait.cancelled());
}

TEST(ReplyWaitTest, CancelEndsTheWaitWhereTheRuntimeDoesNotUnwind) {
  TestRuntime rt;
  rt.unwindOnStop = false;
  ReplyWait wait(rt, kReason, 2, 3);
  auto waiter = startWaiter(wait);
  wait.cancel();
  settle();
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kCancelled);
}

TEST(ReplyWaitTest, LateAnswersAreCountedButChangeNothing) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 1, 3);
  auto waiter = startWaiter(wait);
  EXPECT_EQ(wait.answer(true), 0u);
  settle();
  ASSERT_TRUE(waiter->outcome);
  ASSERT_EQ(*waiter->outcome, Outcome::kReached);

  EXPECT_EQ(wait.answer(false), 1u);
  EXPECT_EQ(wait.answer(false), 2u);
  settle();
  EXPECT_EQ(wait.outcome(), Outcome::kReached);
  EXPECT_EQ(wait.arrived(), 3u);
  EXPECT_EQ(wait.counted(), 1u);
  EXPECT_EQ(wait.failedCounted(), 0u);
  EXPECT_FALSE(wait.isOk(1));
}

TEST(ReplyWaitTest, NotesItsReasonBeforeEveryBlockAndChecksTheNodeAfter) {
  TestRuntime rt;
  const WaitFor reason{WaitKind::kStream, 3, 7};
  ReplyWait wait(rt, reason, 2, 2);
  auto waiter = startWaiter(wait);
  ASSERT_EQ(rt.notes.size(), 1u);
  EXPECT_EQ(rt.notes[0], reason);
  wait.answer(true);
  settle();
  ASSERT_EQ(rt.notes.size(), 2u) << "blocked again after the first answer";
  EXPECT_EQ(rt.notes[1], reason);
  wait.answer(true);
  settle();
  EXPECT_EQ(rt.notes.size(), 2u);
  ASSERT_TRUE(waiter->outcome);
}

TEST(ReplyWaitTest, DoesNotBlockWhenTheAnswersAreAlreadyIn) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 1, 1);
  wait.answer(true);
  auto waiter = startWaiter(wait);
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kReached);
  EXPECT_TRUE(rt.notes.empty());
}

TEST(ReplyWaitTest, RunsThePerAnswerStepInTheWaiterForEveryCountedAnswer) {
  TestRuntime rt;
  ReplyWait wait(rt, kReason, 3, 3);
  auto waiter = startWaiter(wait, [&rt] { rt.chargeCpu(); });
  wait.answer(true);
  boost::this_fiber::yield();  // the waiter is now inside the per-answer step of the first answer
  wait.answer(true);
  wait.answer(true);  // both arrive while it is busy
  settle();
  ASSERT_TRUE(waiter->outcome);
  EXPECT_EQ(*waiter->outcome, Outcome::kReached);
  EXPECT_EQ(rt.cpuCharges, 3);
  EXPECT_EQ(wait.counted(), 3u);
}

TEST(ReplyWaitTest, CloseStopsTheDeadlineSoItNeverFires) {
  TestRuntime rt;
  int expired = 0;
  {
    ReplyWait wait(rt, kReason, 1, 1);
    wait.startDeadline(1s, [&] { ++expired; });
    wait.close();
    EXPECT_TRUE(rt.timers.empty());
  }
  {
    ReplyWait wait(rt, kReason, 1, 1);
    wait.startDeadline(1s, [&] { ++expired; });
  }
  EXPECT_TRUE(rt.timers.empty()) << "destroying a wait cancels its deadline";
  EXPECT_EQ(expired, 0);
}

TEST(ReplyTableTest, RoutesByRequestIdUntilTakenOrReleased) {
  TestRuntime rt;
  ReplyTable<> table;
  auto a = std::make_shared<ReplyWait>(rt, kReason, 1, 1);
  auto b = std::make_shared<ReplyWait>(rt, kReason, 2, 2);
  b->startDeadline(1s);
  table.add(1, a);
  table.add(2, b);
  table.add(3, b);  // one wait under two ids
  EXPECT_EQ(table.find(1), a);
  EXPECT_EQ(table.find(3), b);
  EXPECT_EQ(table.find(9), nullptr);

  EXPECT_EQ(table.take(2), b);
  EXPECT_EQ(table.find(2), nullptr);
  EXPECT_EQ(table.take(2), nullptr);
  EXPECT_EQ(table.size(), 2u);

  table.release(3);
  EXPECT_EQ(table.find(3), nullptr);
  EXPECT_TRUE(rt.timers.empty()) << "release() closes the wait";
  EXPECT_FALSE(b->cancelled());
}

TEST(ReplyTableTest, CancelAllWakesEveryWaiterAndEmptiesTheTable) {
  TestRuntime rt;
  ReplyTable<> table;
  auto a = std::make_shared<ReplyWait>(rt, kReason, 1, 1);
  auto b = std::make_shared<ReplyWait>(rt, kReason, 1, 1);
  a->startDeadline(1s);
  table.add(5, a);
  table.add(6, b);
  table.add(7, b);
  auto waiterA = startWaiter(*a);
  auto waiterB = startWaiter(*b);
  rt.stopped = true;
  table.cancelAll();
  settle();
  EXPECT_TRUE(table.empty());
  EXPECT_TRUE(waiterA->unwound);
  EXPECT_TRUE(waiterB->unwound);
  EXPECT_TRUE(rt.timers.empty());
}

}  // namespace
}  // namespace ringlab
