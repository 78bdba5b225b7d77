#include <ringlab/observe/cluster_observer.h>

#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include <ringlab/observe/event_json.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMs = 1'000'000;

TimePoint at(std::int64_t ns) { return TimePoint{Duration{ns}}; }

MessageSent sent(std::int64_t t, std::uint64_t id, NodeId from, NodeId to, std::uint64_t request,
                 std::int64_t deliverAt) {
  return MessageSent{at(t), id, from, to, MessageKind::kWriteRequest, request, 100, at(deliverAt)};
}

RequestCompleted completed(std::int64_t t, NodeId coordinator, std::uint64_t request, Operation op, std::string key,
                           ErrorCode result, std::int64_t latencyNs) {
  RequestCompleted e;
  e.time = at(t);
  e.coordinator = coordinator;
  e.requestId = request;
  e.op = op;
  e.key = std::move(key);
  e.result = result;
  e.latency = Duration{latencyNs};
  return e;
}

ClusterSnapshot take(ClusterObserver& observer, std::int64_t nowNs, std::size_t nodes = 0) {
  ClusterSnapshot s;
  s.nodes.resize(nodes);
  for (NodeId id = 0; id < nodes; ++id) s.nodes[id].id = id;
  observer.takeRecords(s, nowNs);
  return s;
}

TEST(ClusterObserverTest, ASimulatedMessageFliesUntilTheDeliveryThatNamesItsSend) {
  ClusterObserver observer;
  observer.observe(sent(10 * kMs, 7, 0, 1, 3, 12 * kMs));
  observer.observe(sent(10 * kMs, 8, 0, 2, 3, 15 * kMs));
  ClusterSnapshot s = take(observer, 11 * kMs);
  EXPECT_EQ(s.inFlightTotal, 2u);
  EXPECT_TRUE(s.newMessages.empty());

  observer.observe(MessageDelivered{at(12 * kMs), 7, 0, 1, MessageKind::kWriteRequest, 3});
  s = take(observer, 12 * kMs);
  ASSERT_EQ(s.inFlight.size(), 1u);
  EXPECT_EQ(s.inFlight[0].to, 2u);
  EXPECT_EQ(s.inFlight[0].arrivesNs, 15 * kMs);
  ASSERT_EQ(s.newMessages.size(), 1u);
  EXPECT_EQ(s.newMessages[0].to, 1u);
  EXPECT_EQ(s.newMessages[0].sentNs, 10 * kMs);
  EXPECT_EQ(s.newMessages[0].endedNs, 12 * kMs);
  EXPECT_FALSE(s.newMessages[0].dropped);
  EXPECT_EQ(s.messagesDelivered, 1u);

  // The other is lost: it leaves the air as a dropped record and one flash, in one snapshot only.
  observer.observe(MessageDropped{at(13 * kMs), 8, 0, 2, MessageKind::kWriteRequest, 3, DropReason::kPartition});
  s = take(observer, 13 * kMs);
  EXPECT_EQ(s.inFlightTotal, 0u);
  ASSERT_EQ(s.newMessages.size(), 1u);
  EXPECT_TRUE(s.newMessages[0].dropped);
  EXPECT_EQ(s.newMessages[0].sentNs, 10 * kMs);
  ASSERT_EQ(s.drops.size(), 1u);
  EXPECT_EQ(s.drops[0].reason, DropReason::kPartition);
  s = take(observer, 14 * kMs);
  EXPECT_TRUE(s.drops.empty());
  EXPECT_TRUE(s.newMessages.empty());
}

// A simulated message lost at its send (a cut link, random loss) has no flight: its drop follows at the same instant.
// It must not linger as a dot, and its record keeps the send's size.
TEST(ClusterObserverTest, ASimulatedMessageLostAtItsSendLeavesNoDotAndKeepsItsSize) {
  ClusterObserver observer;
  observer.observe(sent(10 * kMs, 7, 0, 1, 3, 10 * kMs));
  observer.observe(MessageDropped{at(10 * kMs), 7, 0, 1, MessageKind::kWriteRequest, 3, DropReason::kPartition});
  const ClusterSnapshot s = take(observer, 10 * kMs + 1);
  EXPECT_EQ(s.inFlightTotal, 0u);
  ASSERT_EQ(s.newMessages.size(), 1u);
  EXPECT_TRUE(s.newMessages[0].dropped);
  EXPECT_EQ(s.newMessages[0].bytes, 100u);
  EXPECT_EQ(s.newMessages[0].sentNs, 10 * kMs);
  // And a message delivered the instant it was sent (a zero latency) ends at its delivery too.
  observer.observe(sent(20 * kMs, 8, 0, 1, 4, 20 * kMs));
  observer.observe(MessageDelivered{at(20 * kMs), 8, 0, 1, MessageKind::kWriteRequest, 4});
  const ClusterSnapshot t = take(observer, 20 * kMs);
  EXPECT_EQ(t.inFlightTotal, 0u);
  ASSERT_EQ(t.newMessages.size(), 1u);
  EXPECT_FALSE(t.newMessages[0].dropped);
}

TEST(ClusterObserverTest, ARealNodesSendIsDrawnForTheMinimumFlightAndPairsWithItsDeliveryByLinkAndRequest) {
  ClusterObserver observer(ObserverOptions{.source = EventSource::kNodeStreams});
  // Two writes on the same link; real nodes know neither the arrival nor, on delivery, the send's id.
  observer.observe(sent(10 * kMs, 1, 0, 1, 5, 10 * kMs));
  observer.observe(sent(11 * kMs, 2, 0, 1, 6, 11 * kMs));
  // The second request's delivery comes first: it pairs with its own request's send, not the oldest.
  observer.observe(MessageDelivered{at(12 * kMs), 0, 0, 1, MessageKind::kWriteRequest, 6});
  ClusterSnapshot s = take(observer, 12 * kMs);
  ASSERT_EQ(s.newMessages.size(), 1u);
  EXPECT_EQ(s.newMessages[0].requestId, 6u);
  EXPECT_EQ(s.newMessages[0].sentNs, 11 * kMs);
  EXPECT_EQ(s.newMessages[0].endedNs, 12 * kMs);
  // Both dots stay in the air for the minimum flight, delivered or not, then go.
  EXPECT_EQ(s.inFlightTotal, 2u);
  s = take(observer, 10 * kMs + ClusterObserver::kMinFlightNs + 1);
  EXPECT_EQ(s.inFlightTotal, 1u);
  s = take(observer, 11 * kMs + ClusterObserver::kMinFlightNs + 1);
  EXPECT_EQ(s.inFlightTotal, 0u);
  // A delivery naming no request takes the oldest send left on the link.
  observer.observe(MessageDelivered{at(300 * kMs), 0, 0, 1, MessageKind::kWriteRequest, 0});
  s = take(observer, 300 * kMs);
  ASSERT_EQ(s.newMessages.size(), 1u);
  EXPECT_EQ(s.newMessages[0].requestId, 5u);
}

TEST(ClusterObserverTest, ADeliveryFromTheFasterStreamWaitsForItsSend) {
  ClusterObserver observer(ObserverOptions{.source = EventSource::kNodeStreams});
  observer.observe(MessageDelivered{at(12 * kMs), 0, 0, 1, MessageKind::kWriteRequest, 4});
  EXPECT_TRUE(take(observer, 12 * kMs).newMessages.empty());
  observer.observe(sent(11 * kMs, 1, 0, 1, 4, 11 * kMs));
  ClusterSnapshot s = take(observer, 13 * kMs);
  ASSERT_EQ(s.newMessages.size(), 1u);
  EXPECT_EQ(s.newMessages[0].sentNs, 11 * kMs);
  EXPECT_EQ(s.newMessages[0].endedNs, 12 * kMs);
  // The delivery was used: a second send on the link finds nothing to pair with.
  observer.observe(sent(14 * kMs, 2, 0, 1, 4, 14 * kMs));
  EXPECT_TRUE(take(observer, 15 * kMs).newMessages.empty());
}

TEST(ClusterObserverTest, ARequestBeginsWhenItsCoordinatorBeganItOrItsLatencyBeforeItsEnd) {
  ClusterObserver observer;
  observer.observe(RequestBegun{at(10 * kMs), 1, 40, Operation::kPut, "k1", {}});
  observer.observe(completed(25 * kMs, 1, 40, Operation::kPut, "k1", ErrorCode::kOk, 14 * kMs));
  // Its begin was not seen (a sampled stream, or recording started later): the latency says when.
  observer.observe(completed(30 * kMs, 2, 41, Operation::kGet, "k2", ErrorCode::kTimeout, 20 * kMs));
  const ClusterSnapshot s = take(observer, 30 * kMs);
  ASSERT_EQ(s.newRequests.size(), 2u);
  EXPECT_EQ(s.newRequests[0].beginNs, 10 * kMs);
  EXPECT_EQ(s.newRequests[0].endNs, 25 * kMs);
  EXPECT_EQ(s.newRequests[0].key, "k1");
  EXPECT_EQ(s.newRequests[1].beginNs, 10 * kMs);
  EXPECT_EQ(s.newRequests[1].coordinator, 2u);
  EXPECT_EQ(s.newRequests[1].result, ErrorCode::kTimeout);
  EXPECT_EQ(observer.requestsSucceeded(), 1u);
  EXPECT_EQ(observer.requestsFailed(), 1u);
}

TEST(ClusterObserverTest, ARealNodesFiberIdsCarryTheNodeAndASimulationsStayAsTheyAre) {
  const FiberStarted started{at(kMs), 2, 9, FiberRole::kCoordinator, "put k"};
  ClusterObserver simulation;
  simulation.observe(started);
  ASSERT_EQ(take(simulation, kMs).newFibers.size(), 1u);
  ClusterObserver real(ObserverOptions{.source = EventSource::kNodeStreams});
  real.observe(started);
  real.observe(FiberStarted{at(kMs), 1, 9, FiberRole::kCoordinator, "get k"});
  const ClusterSnapshot s = take(real, kMs);
  ASSERT_EQ(s.newFibers.size(), 2u);
  EXPECT_NE(s.newFibers[0].fiberId, s.newFibers[1].fiberId) << "fiber 9 of n3 and fiber 9 of n2 are two fibers";
  EXPECT_EQ(s.newFibers[0].fiberId, (std::uint64_t{3} << ClusterObserver::kFiberIdNodeShift) | 9);
}

TEST(ClusterObserverTest, EventsNamingANodeBeyondTheLimitAreIgnored) {
  ClusterObserver observer(ObserverOptions{.source = EventSource::kNodeStreams, .maxNodes = 4});
  observer.observe(sent(kMs, 1, 0, 9, 0, kMs));
  observer.observe(FiberStarted{at(kMs), 7, 1, FiberRole::kSystem, "x"});
  observer.observe(NodeStateChanged{at(kMs), 5, NodeState::kDown, "crashed"});
  observer.observe(completed(kMs, 4, 1, Operation::kGet, "k", ErrorCode::kOk, 0));
  const ClusterSnapshot s = take(observer, kMs);
  EXPECT_EQ(s.inFlightTotal, 0u);
  EXPECT_TRUE(s.newFibers.empty());
  EXPECT_TRUE(s.newMarks.empty());
  EXPECT_TRUE(s.newRequests.empty());
}

TEST(ClusterObserverTest, MoreRecordsThanASnapshotCarriesKeepTheNewestAndSaySo) {
  ClusterObserver observer(ObserverOptions{.recordsPerSnapshot = 3});
  for (std::uint64_t id = 1; id <= 5; ++id) {
    observer.observe(completed(static_cast<std::int64_t>(id) * kMs, 0, id, Operation::kGet, "k", ErrorCode::kOk, 0));
  }
  ClusterSnapshot s = take(observer, 10 * kMs);
  ASSERT_EQ(s.newRequests.size(), 3u);
  EXPECT_EQ(s.newRequests.front().requestId, 3u);
  EXPECT_EQ(s.newRequests.back().requestId, 5u);
  EXPECT_TRUE(s.recordingTruncated);
  EXPECT_FALSE(take(observer, 11 * kMs).recordingTruncated);
}

TEST(ClusterObserverTest, DotsBeyondTheLimitAreASampleAndTheTotalIsTold) {
  ClusterObserver observer(ObserverOptions{.dotsPerSnapshot = 10});
  for (std::uint64_t id = 1; id <= 100; ++id) observer.observe(sent(kMs, id, 0, 1, 0, 50 * kMs));
  const ClusterSnapshot s = take(observer, 2 * kMs);
  EXPECT_EQ(s.inFlightTotal, 100u);
  EXPECT_EQ(s.inFlight.size(), 10u);
}

TEST(ClusterObserverTest, MarksSayWhatHappenedToWhomAndNodesGetTheirLatestRepair) {
  ClusterObserver observer(ObserverOptions{.merkleLeaves = 1024});
  observer.observe(NodeStateChanged{at(kMs), 2, NodeState::kDown, "crashed"});
  observer.observe(NodeStateChanged{at(2 * kMs), 2, NodeState::kUp, ""});
  observer.observe(PeerStateChanged{at(3 * kMs), 0, 2, NodeState::kSuspect, 5.0});
  observer.observe(PeerStateChanged{at(4 * kMs), 0, 2, NodeState::kDown, 9.0});
  observer.observe(ClusterChanged{at(5 * kMs), "partition [n1] [n2 n3]"});
  observer.addMark(6 * kMs, "Watch n3", /*narration=*/true);
  observer.observe(AntiEntropyExchanged{at(7 * kMs), 1, 2, TokenRange{10, 20}, 3, 4, 5});
  observer.observe(AntiEntropyExchanged{at(8 * kMs), 1, 0, TokenRange{20, 30}, 1, 1, 0});
  const ClusterSnapshot s = take(observer, 10 * kMs, 3);
  std::vector<std::string> texts;
  for (const TimeMark& m : s.newMarks) texts.push_back(m.text);
  EXPECT_EQ(texts,
            (std::vector<std::string>{"n3 crashed", "n3 up", "n1 sees n3 down", "partition [n1] [n2 n3]", "Watch n3"}));
  EXPECT_TRUE(s.newMarks.back().narration);
  ASSERT_TRUE(s.nodes[1].lastRepair.has_value());
  EXPECT_EQ(s.nodes[1].lastRepair->peer, 0u);
  EXPECT_EQ(s.nodes[1].lastRepair->leaves, 1024u);
  EXPECT_EQ(s.nodes[1].antiEntropyKeysRepaired, 10u);  // 4 + 5, then 1 + 0
  EXPECT_FALSE(s.nodes[0].lastRepair.has_value());
}

// The same run seen two ways through the same observer: straight from the simulation, and as real nodes report it
// (each event through its JSON line, deliveries without their send's id, sends without their arrival). Requests,
// fibers, slices and marks come out the same; messages pair differently (by link instead of by id) but every
// delivery and every drop is one record, so the counts agree.
TEST(ClusterObserverTest, ASimulationAndTheSameRunReportedAsRealNodesWouldGiveTheSameRecords) {
  Result<ScenarioSpec> loaded = loadScenarioFile(RINGLAB_SOURCE_DIR "/scenarios/crash-hinted-handoff.yaml");
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  ScenarioSpec spec = *loaded;
  spec.workloads.at(0).ratePerSecond = 300;
  spec.timeline.clear();
  spec.timeline.push_back(timelineEntry(1500ms, CrashAction{2}));
  // A partition too: its messages are lost at their send.
  spec.timeline.push_back(timelineEntry(2000ms, PartitionAction{{{0, 1}, {2, 3, 4}}}));
  ScenarioRunner runner(spec);

  // Kept and replayed after the run: a handler runs on the publishing fiber's small stack.
  std::vector<Event> events;
  const auto subscription =
      runner.simulation().events().subscribe(kAllEvents, [&](const Event& event) { events.push_back(event); });
  runner.runUntil(TimePoint{3s});
  runner.simulation().events().unsubscribe(subscription);  // the runner outlives `events` and publishes as it stops
  ASSERT_GT(events.size(), 1000u);

  ClusterObserver direct;
  ClusterObserver streamed(ObserverOptions{.source = EventSource::kNodeStreams});
  for (const Event& event : events) {
    direct.observe(event);
    Result<Event> decoded = eventFromJsonLine(eventToJsonLine(event));
    ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
    Event asReal = *decoded;
    if (auto* s = std::get_if<MessageSent>(&asReal)) s->deliverAt = s->time;
    if (auto* d = std::get_if<MessageDelivered>(&asReal)) d->messageId = 0;
    streamed.observe(asReal);
  }
  const ClusterSnapshot a = take(direct, runner.simulation().now().nanos(), 5);
  const ClusterSnapshot b = take(streamed, runner.simulation().now().nanos(), 5);

  ASSERT_GT(a.newRequests.size(), 100u);
  ASSERT_EQ(a.newRequests.size(), b.newRequests.size());
  for (std::size_t i = 0; i < a.newRequests.size(); ++i) {
    const RequestRecord& x = a.newRequests[i];
    const RequestRecord& y = b.newRequests[i];
    EXPECT_EQ(std::tie(x.requestId, x.coordinator, x.op, x.key, x.beginNs, x.endNs, x.result),
              std::tie(y.requestId, y.coordinator, y.op, y.key, y.beginNs, y.endNs, y.result))
        << "request " << i;
  }
  EXPECT_EQ(a.newFibers.size(), b.newFibers.size());
  ASSERT_EQ(a.newSlices.size(), b.newSlices.size());
  for (std::size_t i = 0; i < a.newSlices.size(); ++i) {
    EXPECT_EQ(std::tie(a.newSlices[i].node, a.newSlices[i].startNs, a.newSlices[i].endNs, a.newSlices[i].state),
              std::tie(b.newSlices[i].node, b.newSlices[i].startNs, b.newSlices[i].endNs, b.newSlices[i].state));
  }
  ASSERT_EQ(a.newMarks.size(), b.newMarks.size());
  for (std::size_t i = 0; i < a.newMarks.size(); ++i) EXPECT_EQ(a.newMarks[i].text, b.newMarks[i].text);
  EXPECT_TRUE(
      std::any_of(a.newMarks.begin(), a.newMarks.end(), [](const TimeMark& m) { return m.text == "n3 crashed"; }));

  const auto count = [](const ClusterSnapshot& s) {
    std::map<std::pair<MessageKind, bool>, std::size_t> byKind;  // (kind, dropped)
    for (const MessageRecord& m : s.newMessages) ++byKind[{m.kind, m.dropped}];
    return byKind;
  };
  const auto counts = count(a);
  EXPECT_EQ(counts, count(b));
  const auto droppedWrites = counts.find({MessageKind::kWriteRequest, true});
  EXPECT_TRUE(droppedWrites != counts.end() && droppedWrites->second > 0) << "writes to the crashed n3 are dropped";
  // Whatever the partition lost at its send left the air with its drop: no simulated dot flies across the cut.
  const auto side = [](NodeId n) { return n <= 1; };
  for (const MessageDot& dot : a.inFlight) {
    EXPECT_EQ(side(dot.from), side(dot.to)) << nodeName(dot.from) << " -> " << nodeName(dot.to);
  }
  EXPECT_EQ(a.messagesDelivered, b.messagesDelivered);
}

}  // namespace
}  // namespace ringlab
