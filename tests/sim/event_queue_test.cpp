#include <ringlab/sim/event_queue.h>

#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include <ringlab/sim/cpu_model.h>

namespace ringlab {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();

const EventQueue::IsCancelled kNoneCancelled = [](const QueuedEvent&) { return false; };

// The slots of every event, in the order the queue gives them.
std::vector<std::uint32_t> drain(EventQueue& queue, const EventQueue::IsCancelled& cancelled = kNoneCancelled) {
  std::vector<std::uint32_t> order;
  while (const auto event = queue.popUntil(kForever, cancelled)) order.push_back(event->slot);
  return order;
}

TEST(EventQueueTest, EventsComeOutByTimeAndSameInstantOnesInTheOrderTheyWereScheduled) {
  EventQueue queue(false, Rng(1));
  queue.push(5 * kMs, 0, EventKind::kTimer, 1, 0);
  queue.push(2 * kMs, 0, EventKind::kDeliver, 2, 0);
  queue.push(5 * kMs, 0, EventKind::kTimer, 3, 0);
  queue.push(2 * kMs, 0, EventKind::kRefused, 4, 0);
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_EQ(drain(queue), (std::vector<std::uint32_t>{2, 4, 1, 3}));
  EXPECT_EQ(queue.size(), 0u);
}

// Far events wait in buckets; they must come out exactly where one heap would have put them, including ties with
// near events scheduled later.
TEST(EventQueueTest, FarEventsComeOutInTheSameOrderAsNearOnes) {
  EventQueue queue(false, Rng(1));
  queue.push(500 * kMs, 0, EventKind::kTimer, 1, 0);  // far (beyond the 20 ms horizon)
  queue.push(30 * kMs, 0, EventKind::kTimer, 2, 0);   // far
  queue.push(10 * kMs, 0, EventKind::kTimer, 3, 0);   // near
  // At 490 ms an event for 500 ms is near: it ties with the far one scheduled first, and comes after it.
  ASSERT_EQ(queue.popUntil(10 * kMs, kNoneCancelled)->slot, 3u);
  EXPECT_FALSE(queue.popUntil(20 * kMs, kNoneCancelled).has_value()) << "nothing is due by 20 ms";
  ASSERT_EQ(queue.popUntil(30 * kMs, kNoneCancelled)->slot, 2u);
  queue.push(500 * kMs, 490 * kMs, EventKind::kTimer, 4, 0);
  EXPECT_EQ(drain(queue), (std::vector<std::uint32_t>{1, 4}));
}

TEST(EventQueueTest, CancelledFarEventsNeverComeOutAndDoNotCountAsNext) {
  EventQueue queue(false, Rng(1));
  queue.push(100 * kMs, 0, EventKind::kTimer, 1, 7);
  queue.push(200 * kMs, 0, EventKind::kTimer, 2, 0);
  const EventQueue::IsCancelled firstCancelled = [](const QueuedEvent& e) { return e.generation == 7; };
  EXPECT_EQ(queue.nextTime(kNoneCancelled), 100 * kMs);
  EXPECT_EQ(queue.nextTime(firstCancelled), 200 * kMs);
  EXPECT_EQ(drain(queue, firstCancelled), (std::vector<std::uint32_t>{2}));
  EXPECT_FALSE(queue.nextTime(kNoneCancelled).has_value());
}

TEST(EventQueueTest, ShuffledTiesAreAnOrderOfTheSeedAndTimeStillComesFirst) {
  const auto order = [](std::uint64_t seed) {
    EventQueue queue(true, Rng(seed));
    for (std::uint32_t slot = 1; slot <= 8; ++slot) queue.push(kMs, 0, EventKind::kTimer, slot, 0);
    queue.push(0, 0, EventKind::kTimer, 99, 0);
    return drain(queue);
  };
  const std::vector<std::uint32_t> a = order(3);
  EXPECT_EQ(a, order(3)) << "the same seed gives the same order";
  EXPECT_EQ(a.front(), 99u) << "an earlier event still runs first";
  std::set<std::vector<std::uint32_t>> orders;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) orders.insert(order(seed));
  EXPECT_GT(orders.size(), 1u) << "seeds give different orders of the eight ties";
  EXPECT_EQ(std::set<std::uint32_t>(a.begin(), a.end()).size(), 9u) << "every event comes out once";
}

TEST(CpuModelTest, WorkQueuesOnTheCoreThatFreesFirstAndScalesWithTheFactor) {
  CpuModel cpu(2, Duration{20'000});
  cpu.addNode(TimePoint{});
  const TimePoint now{};
  const auto a = cpu.charge(0, now);
  const auto b = cpu.charge(0, now);
  const auto c = cpu.charge(0, now);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->start, now);
  EXPECT_EQ(b->start, now) << "two cores: two units at once";
  EXPECT_EQ(c->start, now + Duration{20'000}) << "the third waits for a core";
  EXPECT_EQ(c->end, now + Duration{40'000});
  cpu.setFactor(0, 2.0);
  const auto slow = cpu.charge(0, now + Duration{100'000});
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->end - slow->start, Duration{40'000});
  EXPECT_DOUBLE_EQ(cpu.factor(0), 2.0);
  EXPECT_DOUBLE_EQ(cpu.factor(5), 1.0) << "an unknown node runs at normal speed";
}

TEST(CpuModelTest, BusyTimeCountsOnlyWorkDoneAndARestartAbandonsTheQueue) {
  CpuModel cpu(1, Duration{10'000});
  cpu.addNode(TimePoint{});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(cpu.charge(0, TimePoint{}));  // queued back to back: 0..50 µs
  EXPECT_EQ(cpu.busy(0, TimePoint{Duration{25'000}}), Duration{25'000});
  EXPECT_EQ(cpu.busy(0, TimePoint{Duration{60'000}}), Duration{50'000});
  cpu.release(0, TimePoint{Duration{25'000}});  // a crash at 25 µs: the rest was never done
  EXPECT_EQ(cpu.busy(0, TimePoint{Duration{60'000}}), Duration{25'000});
  const auto next = cpu.charge(0, TimePoint{Duration{30'000}});
  ASSERT_TRUE(next);
  EXPECT_EQ(next->start, TimePoint{Duration{30'000}}) << "the core is free after the restart";
  EXPECT_EQ(cpu.busy(9, TimePoint{}), Duration{0});
}

TEST(CpuModelTest, FreeWorkTakesNoCore) {
  CpuModel cpu(1, Duration{0});
  cpu.addNode(TimePoint{});
  EXPECT_FALSE(cpu.charge(0, TimePoint{}).has_value());
}

}  // namespace
}  // namespace ringlab
