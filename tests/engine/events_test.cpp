#include <ringlab/engine/events.h>

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

namespace ringlab {
namespace {

EventType typeAt(std::size_t i) { return static_cast<EventType>(i); }

// One default-constructed event of every alternative, in variant order.
template <std::size_t... I>
std::vector<Event> oneOfEachImpl(std::index_sequence<I...>) {
  return {Event(std::in_place_index<I>)...};
}
std::vector<Event> oneOfEach() { return oneOfEachImpl(std::make_index_sequence<kEventTypeCount>()); }

TEST(EventBusTest, WantsIsFalseForEveryTypeWithoutSubscribers) {
  EventBus bus;
  for (std::size_t i = 0; i < kEventTypeCount; ++i) EXPECT_FALSE(bus.wants(typeAt(i))) << eventTypeName(typeAt(i));
}

TEST(EventBusTest, WantsIsTrueOnlyForSubscribedTypes) {
  EventBus bus;
  bus.subscribe(maskOf(EventType::kMessageSent) | maskOf(EventType::kStorageWritten), [](const Event&) {});
  bus.subscribe(maskOf(EventType::kFiberSlice), [](const Event&) {});

  for (std::size_t i = 0; i < kEventTypeCount; ++i) {
    const EventType t = typeAt(i);
    const bool subscribed =
        t == EventType::kMessageSent || t == EventType::kStorageWritten || t == EventType::kFiberSlice;
    EXPECT_EQ(bus.wants(t), subscribed) << eventTypeName(t);
  }
}

TEST(EventBusTest, SubscriberWithEmptyMaskWantsNothing) {
  EventBus bus;
  int calls = 0;
  bus.subscribe(0, [&](const Event&) { ++calls; });

  for (std::size_t i = 0; i < kEventTypeCount; ++i) EXPECT_FALSE(bus.wants(typeAt(i)));
  for (const Event& e : oneOfEach()) bus.publish(e);
  EXPECT_EQ(calls, 0);
}

TEST(EventBusTest, SubscriberToAllEventsReceivesEveryType) {
  EventBus bus;
  std::vector<EventType> received;
  bus.subscribe(kAllEvents, [&](const Event& e) { received.push_back(eventType(e)); });

  for (const Event& e : oneOfEach()) bus.publish(e);

  ASSERT_EQ(received.size(), kEventTypeCount);
  for (std::size_t i = 0; i < kEventTypeCount; ++i) {
    EXPECT_TRUE(bus.wants(typeAt(i)));
    EXPECT_EQ(received[i], typeAt(i));
  }
}

TEST(EventBusTest, PublishDeliversOnlyToSubscribersWhoseMaskIncludesTheType) {
  EventBus bus;
  std::vector<EventType> sends;
  std::vector<EventType> storage;
  std::vector<EventType> both;
  bus.subscribe(maskOf(EventType::kMessageSent), [&](const Event& e) { sends.push_back(eventType(e)); });
  bus.subscribe(maskOf(EventType::kStorageWritten), [&](const Event& e) { storage.push_back(eventType(e)); });
  bus.subscribe(maskOf(EventType::kMessageSent) | maskOf(EventType::kStorageWritten),
                [&](const Event& e) { both.push_back(eventType(e)); });

  for (const Event& e : oneOfEach()) bus.publish(e);

  EXPECT_EQ(sends, std::vector<EventType>{EventType::kMessageSent});
  EXPECT_EQ(storage, std::vector<EventType>{EventType::kStorageWritten});
  EXPECT_EQ(both, (std::vector<EventType>{EventType::kMessageSent, EventType::kStorageWritten}));
}

TEST(EventBusTest, PublishPassesTheEventItself) {
  EventBus bus;
  std::vector<StorageWritten> received;
  bus.subscribe(maskOf(EventType::kStorageWritten),
                [&](const Event& e) { received.push_back(std::get<StorageWritten>(e)); });

  StorageWritten written;
  written.time = TimePoint{Duration(1234)};
  written.node = 3;
  written.key = "user:42";
  written.version = Version{99, 1, 3};
  written.applied = true;
  written.tombstone = true;
  bus.publish(written);

  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].time, written.time);
  EXPECT_EQ(received[0].node, 3u);
  EXPECT_EQ(received[0].key, "user:42");
  EXPECT_EQ(received[0].version, written.version);
  EXPECT_TRUE(received[0].applied);
  EXPECT_TRUE(received[0].tombstone);
}

TEST(EventBusTest, PublishCallsSubscribersInSubscriptionOrder) {
  EventBus bus;
  std::vector<int> order;
  bus.subscribe(maskOf(EventType::kClusterChanged), [&](const Event&) { order.push_back(1); });
  bus.subscribe(kAllEvents, [&](const Event&) { order.push_back(2); });
  bus.subscribe(maskOf(EventType::kMessageSent), [&](const Event&) { order.push_back(3); });
  bus.subscribe(maskOf(EventType::kClusterChanged), [&](const Event&) { order.push_back(4); });

  bus.publish(ClusterChanged{TimePoint{}, "partition n1 | n2"});

  EXPECT_EQ(order, (std::vector<int>{1, 2, 4}));
}

TEST(EventBusTest, EventsPublishedBeforeSubscribingAreNotReplayed) {
  EventBus bus;
  for (const Event& e : oneOfEach()) bus.publish(e);

  int calls = 0;
  bus.subscribe(kAllEvents, [&](const Event&) { ++calls; });

  EXPECT_EQ(calls, 0);
}

TEST(EventBusTest, SubscribeReturnsDistinctIds) {
  EventBus bus;
  std::set<EventBus::SubscriptionId> ids;
  for (int i = 0; i < 10; ++i) ids.insert(bus.subscribe(kAllEvents, [](const Event&) {}));
  EXPECT_EQ(ids.size(), 10u);
}

TEST(EventBusTest, UnsubscribeStopsDeliveryAndRecomputesWants) {
  EventBus bus;
  int sentCalls = 0;
  int sharedCalls = 0;
  const auto sentOnly = bus.subscribe(maskOf(EventType::kMessageSent), [&](const Event&) { ++sentCalls; });
  bus.subscribe(maskOf(EventType::kMessageDropped), [&](const Event&) { ++sharedCalls; });
  const auto dropsToo = bus.subscribe(maskOf(EventType::kMessageDropped), [&](const Event&) { ++sharedCalls; });

  bus.unsubscribe(sentOnly);
  EXPECT_FALSE(bus.wants(EventType::kMessageSent));
  EXPECT_TRUE(bus.wants(EventType::kMessageDropped));
  bus.publish(MessageSent{});
  EXPECT_EQ(sentCalls, 0);

  // kMessageDropped stays wanted while another subscriber still asks for it.
  bus.unsubscribe(dropsToo);
  EXPECT_TRUE(bus.wants(EventType::kMessageDropped));
  bus.publish(MessageDropped{});
  EXPECT_EQ(sharedCalls, 1);
}

TEST(EventBusTest, UnsubscribingEverySubscriberLeavesNothingWanted) {
  EventBus bus;
  const auto a = bus.subscribe(kAllEvents, [](const Event&) {});
  const auto b = bus.subscribe(maskOf(EventType::kFiberEnded), [](const Event&) {});

  bus.unsubscribe(b);
  bus.unsubscribe(a);

  for (std::size_t i = 0; i < kEventTypeCount; ++i) EXPECT_FALSE(bus.wants(typeAt(i))) << eventTypeName(typeAt(i));
}

TEST(EventBusTest, UnsubscribeOfUnknownOrRemovedIdChangesNothing) {
  EventBus bus;
  int calls = 0;
  const auto id = bus.subscribe(maskOf(EventType::kFiberStarted), [&](const Event&) { ++calls; });
  const auto gone = bus.subscribe(maskOf(EventType::kFiberEnded), [](const Event&) {});
  bus.unsubscribe(gone);

  bus.unsubscribe(gone);
  bus.unsubscribe(id + 1000);

  EXPECT_TRUE(bus.wants(EventType::kFiberStarted));
  bus.publish(FiberStarted{});
  EXPECT_EQ(calls, 1);
}

TEST(EventBusTest, UnsubscribeKeepsTheOrderOfTheRemainingSubscribers) {
  EventBus bus;
  std::vector<int> order;
  bus.subscribe(kAllEvents, [&](const Event&) { order.push_back(1); });
  const auto second = bus.subscribe(kAllEvents, [&](const Event&) { order.push_back(2); });
  bus.subscribe(kAllEvents, [&](const Event&) { order.push_back(3); });
  bus.unsubscribe(second);
  bus.subscribe(kAllEvents, [&](const Event&) { order.push_back(4); });

  bus.publish(FiberSlice{});

  EXPECT_EQ(order, (std::vector<int>{1, 3, 4}));
}

TEST(EventTypeTest, EventTypeMatchesTheVariantAlternative) {
  EXPECT_EQ(eventType(MessageSent{}), EventType::kMessageSent);
  EXPECT_EQ(eventType(MessageDelivered{}), EventType::kMessageDelivered);
  EXPECT_EQ(eventType(MessageDropped{}), EventType::kMessageDropped);
  EXPECT_EQ(eventType(RequestBegun{}), EventType::kRequestBegun);
  EXPECT_EQ(eventType(RequestCompleted{}), EventType::kRequestCompleted);
  EXPECT_EQ(eventType(ReplicaAnswered{}), EventType::kReplicaAnswered);
  EXPECT_EQ(eventType(FiberSlice{}), EventType::kFiberSlice);
  EXPECT_EQ(eventType(FiberStarted{}), EventType::kFiberStarted);
  EXPECT_EQ(eventType(FiberEnded{}), EventType::kFiberEnded);
  EXPECT_EQ(eventType(NodeStateChanged{}), EventType::kNodeStateChanged);
  EXPECT_EQ(eventType(StorageWritten{}), EventType::kStorageWritten);
  EXPECT_EQ(eventType(ClusterChanged{}), EventType::kClusterChanged);
  EXPECT_EQ(eventType(PeerStateChanged{}), EventType::kPeerStateChanged);
  EXPECT_EQ(eventType(HintEvent{}), EventType::kHintEvent);
  EXPECT_EQ(eventType(ReadRepaired{}), EventType::kReadRepaired);
  EXPECT_EQ(eventType(AntiEntropyExchanged{}), EventType::kAntiEntropyExchanged);
  EXPECT_EQ(eventType(RangeStreamed{}), EventType::kRangeStreamed);
  // Every alternative is listed above: the enum has exactly one value per alternative.
  EXPECT_EQ(static_cast<std::size_t>(EventType::kRangeStreamed) + 1, kEventTypeCount);
}

TEST(EventTypeTest, EveryEventTypeHasADistinctKnownName) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kEventTypeCount; ++i) {
    const std::string_view name = eventTypeName(typeAt(i));
    EXPECT_FALSE(name.empty()) << "event type " << i;
    EXPECT_NE(name, "unknown") << "event type " << i;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), kEventTypeCount);
}

TEST(EventTypeTest, NameOfAValueBeyondTheEnumIsUnknown) {
  EXPECT_EQ(eventTypeName(typeAt(kEventTypeCount)), "unknown");
}

TEST(EventTypeTest, AllEventsMaskHasOneBitPerType) {
  EventMask combined = 0;
  for (std::size_t i = 0; i < kEventTypeCount; ++i) {
    EXPECT_EQ(combined & maskOf(typeAt(i)), 0u) << "event type " << i << " shares a bit";
    combined |= maskOf(typeAt(i));
  }
  EXPECT_EQ(combined, kAllEvents);
}

}  // namespace
}  // namespace ringlab
