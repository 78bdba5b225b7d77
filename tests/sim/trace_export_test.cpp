// Behaviour of the Chrome trace export: the JSON parses, names every node, pairs flows and requests, counts fiber
// slices exactly, stays valid when truncated, is byte-identical across runs with one seed, and reports unwritable
// paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include <ringlab/sim/simulation.h>
#include <ringlab/sim/trace_export.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

SimulationConfig threeNodes(std::uint64_t seed) {
  SimulationConfig config;
  config.seed = seed;
  config.nodes = 3;
  config.quorum = {3, 2, 2};
  return config;
}

// Counts what the trace should show, from its own subscription.
struct EventCounts {
  std::size_t runningSlices = 0;
  std::size_t requestsBegun = 0;
  std::size_t requestsCompleted = 0;
  std::size_t messagesSent = 0;
  std::size_t messagesDropped = 0;
};

void submitSome(Simulation& sim) {
  for (int i = 0; i < 4; ++i) {
    sim.submit(static_cast<NodeId>(i % 3), Operation::kPut, "key-" + std::to_string(i), "value");
  }
  sim.runFor(10ms);
  for (int i = 0; i < 4; ++i)
    sim.submit(static_cast<NodeId>((i + 1) % 3), Operation::kGet, "key-" + std::to_string(i), "");
  sim.submit(2, Operation::kDelete, "key-0", "");
}

// Runs a small cluster with the recorder attached before any operation; returns the trace text.
std::string traceOfRun(std::uint64_t seed, EventCounts* counts = nullptr, std::size_t maxEvents = 1'000'000,
                       bool* truncated = nullptr) {
  EventCounts local;  // outlives the simulation, whose teardown may still publish
  EventCounts& c = counts ? *counts : local;
  Simulation sim(threeNodes(seed));
  ChromeTraceRecorder recorder(sim.events(), maxEvents);
  sim.events().subscribe(kAllEvents, [&c](const Event& e) {
    if (const auto* s = std::get_if<FiberSlice>(&e); s && s->state == FiberState::kRunning) c.runningSlices++;
    if (std::holds_alternative<RequestBegun>(e)) c.requestsBegun++;
    if (std::holds_alternative<RequestCompleted>(e)) c.requestsCompleted++;
    if (std::holds_alternative<MessageSent>(e)) c.messagesSent++;
    if (std::holds_alternative<MessageDropped>(e)) c.messagesDropped++;
  });
  recorder.addNarration(sim.now(), "three nodes start");
  submitSome(sim);
  sim.runFor(100ms);
  if (truncated) *truncated = recorder.truncated();
  std::ostringstream out;
  recorder.write(out);
  return out.str();
}

json::array parseEvents(const std::string& text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) {
    ADD_FAILURE() << "trace does not parse: " << ec.message();
    return {};
  }
  EXPECT_EQ(root.at("displayTimeUnit"), "ms");
  EXPECT_TRUE(root.at("otherData").is_object());
  return root.at("traceEvents").as_array();
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

TEST(ChromeTraceRecorderTest, OutputParsesAndNamesEveryNodeProcess) {
  const auto events = parseEvents(traceOfRun(7));
  std::map<std::int64_t, std::string> processes;
  for (const auto& v : events) {
    const auto& e = v.as_object();
    if (str(e.at("ph")) == "M" && str(e.at("name")) == "process_name") {
      processes[e.at("pid").to_number<std::int64_t>()] = str(e.at("args").at("name"));
    }
  }
  const std::map<std::int64_t, std::string> expected = {{0, "cluster"}, {1, "n1"}, {2, "n2"}, {3, "n3"}};
  EXPECT_EQ(processes, expected);
}

TEST(ChromeTraceRecorderTest, EveryFlowStartHasAnEndAndEveryRequestBeginHasAnEnd) {
  EventCounts counts;
  const auto events = parseEvents(traceOfRun(7, &counts));
  ASSERT_EQ(counts.messagesDropped, 0u) << "no faults: every message is delivered";
  std::multiset<std::uint64_t> flowStarts, flowEnds, requestBegins, requestEnds;
  for (const auto& v : events) {
    const auto& e = v.as_object();
    const std::string ph = str(e.at("ph"));
    if (ph == "s") flowStarts.insert(e.at("id").to_number<std::uint64_t>());
    if (ph == "f") {
      flowEnds.insert(e.at("id").to_number<std::uint64_t>());
      EXPECT_EQ(e.at("bp"), "e");
    }
    if (ph == "b" || ph == "e") {
      EXPECT_EQ(e.at("cat"), "request");
      (ph == "b" ? requestBegins : requestEnds).insert(e.at("id").to_number<std::uint64_t>());
    }
    if (ph == "e") {
      EXPECT_TRUE(e.at("args").as_object().contains("result"));
      EXPECT_TRUE(e.at("args").as_object().contains("latency"));
    }
  }
  EXPECT_EQ(flowStarts.size(), counts.messagesSent);
  EXPECT_EQ(flowStarts, flowEnds);
  EXPECT_EQ(requestBegins.size(), 9u);
  EXPECT_EQ(requestBegins.size(), counts.requestsBegun);
  EXPECT_EQ(requestEnds.size(), counts.requestsCompleted);
  EXPECT_EQ(requestBegins, requestEnds);
}

TEST(ChromeTraceRecorderTest, RunningSlicesMatchFiberSliceEventsOnNamedThreads) {
  EventCounts counts;
  const auto events = parseEvents(traceOfRun(7, &counts));
  std::set<std::pair<std::int64_t, std::int64_t>> namedThreads;
  for (const auto& v : events) {
    const auto& e = v.as_object();
    if (str(e.at("ph")) == "M" && str(e.at("name")) == "thread_name") {
      namedThreads.emplace(e.at("pid").to_number<std::int64_t>(), e.at("tid").to_number<std::int64_t>());
    }
  }
  std::size_t running = 0;
  for (const auto& v : events) {
    const auto& e = v.as_object();
    if (str(e.at("ph")) != "X") continue;
    const auto thread = std::make_pair(e.at("pid").to_number<std::int64_t>(), e.at("tid").to_number<std::int64_t>());
    EXPECT_TRUE(namedThreads.count(thread)) << "slice on unnamed thread " << thread.first << "/" << thread.second;
    EXPECT_GE(e.at("dur").to_number<double>(), 0.0);
    if (str(e.at("cat")) == "running") running++;
  }
  EXPECT_GT(counts.runningSlices, 0u);
  EXPECT_EQ(running, counts.runningSlices);
}

// Every blocked fiber of a node says what it waited for: a coordinator the replies to its own request, a replica
// server its next request, the periodic fibers a timer.
TEST(FiberWaitTest, BlockedSlicesNameWhatTheFiberWaitedFor) {
  // Declared before the simulation: its teardown still publishes slices of the fibers it cancels.
  std::vector<FiberSlice> blocked;
  std::set<std::pair<NodeId, std::uint64_t>> requests;  // (coordinator, request id)
  Simulation sim(threeNodes(11));
  sim.events().subscribe(maskOf(EventType::kFiberSlice) | maskOf(EventType::kRequestBegun), [&](const Event& e) {
    if (const auto* s = std::get_if<FiberSlice>(&e); s && s->state == FiberState::kBlocked) blocked.push_back(*s);
    if (const auto* r = std::get_if<RequestBegun>(&e)) requests.emplace(r->coordinator, r->requestId);
  });
  submitSome(sim);
  sim.runFor(3s);
  std::map<FiberRole, std::set<WaitKind>> kindsByRole;
  std::size_t replyWaits = 0;
  for (const FiberSlice& s : blocked) {
    if (s.node == kNoNode) continue;  // submitted operations, outside any node
    kindsByRole[s.role].insert(s.waitFor.kind);
    EXPECT_NE(s.waitFor.kind, WaitKind::kUnrecorded) << fiberRoleName(s.role) << " fiber " << s.fiberId;
    if (s.waitFor.kind == WaitKind::kReplies) {
      ++replyWaits;
      EXPECT_EQ(s.role, FiberRole::kCoordinator);
      EXPECT_TRUE(requests.count({s.node, s.waitFor.requestId})) << "request " << s.waitFor.requestId;
    }
  }
  EXPECT_GT(replyWaits, 0u);
  EXPECT_EQ(kindsByRole[FiberRole::kReplica], (std::set<WaitKind>{WaitKind::kInbox}));
  EXPECT_EQ(kindsByRole[FiberRole::kGossip], (std::set<WaitKind>{WaitKind::kTimer}));
  EXPECT_EQ(kindsByRole[FiberRole::kDetector], (std::set<WaitKind>{WaitKind::kTimer}));
}

TEST(FiberWaitTest, DescriptionsNameThePeerAndTheRequest) {
  EXPECT_EQ(describeWait(WaitFor{WaitKind::kReplies, kNoNode, 42}), "replies to request 42");
  EXPECT_EQ(describeWait(WaitFor{WaitKind::kStream, 2, 0}), "a range batch from n3");
  EXPECT_EQ(describeWait(WaitFor{WaitKind::kTimer}), "a timer");
  EXPECT_EQ(waitKindName(WaitKind::kInbox), "inbox");
}

TEST(ChromeTraceRecorderTest, BlockedSlicesCarryWhatTheyWaitedFor) {
  std::size_t blocked = 0;
  std::size_t replies = 0;
  for (const auto& v : parseEvents(traceOfRun(7))) {
    const auto& e = v.as_object();
    if (str(e.at("ph")) != "X" || str(e.at("cat")) != "blocked") continue;
    ++blocked;
    ASSERT_TRUE(e.contains("args"));
    const std::string waitingFor = str(e.at("args").at("waiting_for"));
    EXPECT_FALSE(waitingFor.empty());
    if (waitingFor.starts_with("replies to request ")) ++replies;
  }
  EXPECT_GT(blocked, 0u);
  EXPECT_GT(replies, 0u);
}

TEST(ChromeTraceRecorderTest, NetworkSlicesAreExactAndNeverOverlapPartially) {
  EventBus bus;
  ChromeTraceRecorder recorder(bus);
  const auto send = [&](std::int64_t nanos, std::uint64_t id) {
    MessageSent m;
    m.time = TimePoint{Duration(nanos)};
    m.messageId = id;
    m.from = 0;
    m.to = 1;
    m.kind = MessageKind::kReadRequest;
    m.requestId = 9;
    m.bytes = 30;
    bus.publish(m);
  };
  send(1'234'567, 1);
  send(1'234'567, 2);  // same instant: both slices end together and nest
  send(1'234'967, 3);  // 400 ns later: the two before are cut short to 0.4 us
  send(5'000'000, 4);
  MessageDelivered delivered;  // message 3 arrives, so its flow arrow is drawn
  delivered.time = TimePoint{Duration(6'000'000)};
  delivered.messageId = 3;
  delivered.from = 0;
  delivered.to = 1;
  delivered.kind = MessageKind::kReadRequest;
  delivered.requestId = 9;
  bus.publish(delivered);
  std::ostringstream out;
  recorder.write(out);
  std::vector<std::pair<double, double>> slices;  // ts, dur of n1's network slices
  for (const auto& v : parseEvents(out.str())) {
    if (v.at("ph") == "X" && v.at("pid") == 1) slices.emplace_back(v.at("ts").to_number<double>(), v.at("dur").to_number<double>());
  }
  const std::vector<std::pair<double, double>> expected = {
      {1234.567, 0.4}, {1234.567, 0.4}, {1234.967, 1.0}, {5000.0, 1.0}};
  EXPECT_EQ(slices, expected);
  EXPECT_NE(out.str().find(R"({"name":"read","cat":"message","ph":"X","ts":1234.567,"dur":0.4,"pid":1,"tid":0,)"
                           R"("args":{"to":"n2","bytes":30,"request":9}})"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find(R"({"name":"read","cat":"message","ph":"s","ts":1234.967,"pid":1,"tid":0,"id":3})"),
            std::string::npos)
      << out.str();
}

TEST(ChromeTraceRecorderTest, FaultsAppearAsInstants) {
  Simulation sim(threeNodes(3));
  ChromeTraceRecorder recorder(sim.events());
  sim.crash(2);
  sim.submit(0, Operation::kPut, "k", "v");
  sim.runFor(20ms);
  sim.partition({{0}, {1, 2}});
  sim.runFor(1ms);
  recorder.addNarration(sim.now(), "quote \" backslash \\ newline \n bad utf-8 \xff end");
  std::ostringstream out;
  recorder.write(out);
  const auto events = parseEvents(out.str());
  bool crashed = false, partitioned = false, dropped = false, narrated = false;
  for (const auto& v : events) {
    const auto& e = v.as_object();
    if (str(e.at("ph")) != "i") continue;
    const std::string name = str(e.at("name"));
    if (name == "down: crashed") {
      crashed = true;
      EXPECT_EQ(e.at("pid"), 3);
      EXPECT_EQ(e.at("s"), "p");
    }
    if (e.at("cat") == "cluster") {
      partitioned = true;
      EXPECT_EQ(e.at("pid"), 0);
      EXPECT_EQ(e.at("s"), "g");
    }
    if (name.rfind("dropped write (", 0) == 0) dropped = true;
    if (e.at("cat") == "narration") {
      narrated = true;
      EXPECT_EQ(name, "quote \" backslash \\ newline \n bad utf-8 \xef\xbf\xbd end");
    }
  }
  EXPECT_TRUE(crashed);
  EXPECT_TRUE(partitioned);
  EXPECT_TRUE(dropped);
  EXPECT_TRUE(narrated);
}

TEST(ChromeTraceRecorderTest, TruncatedTraceStillParses) {
  bool truncated = false;
  const std::string text = traceOfRun(7, nullptr, 50, &truncated);
  EXPECT_TRUE(truncated);
  const json::value root = json::parse(text);
  EXPECT_EQ(root.at("otherData").at("truncated"), true);
  EXPECT_EQ(root.at("otherData").at("recordedEvents"), 50);
  bool marker = false;
  for (const auto& v : root.at("traceEvents").as_array()) {
    if (v.at("name") == "trace truncated: later events were not recorded") marker = true;
  }
  EXPECT_TRUE(marker);
}

TEST(ChromeTraceRecorderTest, RecordedEventsStopAtTheLimit) {
  Simulation sim(threeNodes(7));
  ChromeTraceRecorder recorder(sim.events(), 10);
  EXPECT_FALSE(recorder.truncated());
  submitSome(sim);
  sim.runFor(100ms);
  EXPECT_TRUE(recorder.truncated());
  EXPECT_EQ(recorder.recordedEvents(), 10u);
}

TEST(ChromeTraceRecorderTest, SameSeedGivesByteIdenticalTraces) {
  for (std::uint64_t seed : {1u, 42u}) {
    const std::string a = traceOfRun(seed);
    const std::string b = traceOfRun(seed);
    EXPECT_GT(a.size(), 1000u) << "seed " << seed;
    EXPECT_TRUE(a == b) << "seed " << seed << ": traces differ";
  }
}

TEST(ChromeTraceRecorderTest, WriteToReplacesTheFileAndLeavesNoTemporary) {
  Simulation sim(threeNodes(5));
  ChromeTraceRecorder recorder(sim.events());
  submitSome(sim);
  sim.runFor(50ms);
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "ringlab_trace_export_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "trace.json").string();
  { std::ofstream(path) << "old"; }
  const Status status = recorder.writeTo(path);
  ASSERT_TRUE(status.isOk()) << status.toString();
  std::ostringstream expected;
  recorder.write(expected);
  std::ifstream in(path);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, expected.str());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);
  std::filesystem::remove_all(dir);
}

TEST(ChromeTraceRecorderTest, WriteToAnUnwritablePathNamesIt) {
  EventBus bus;
  ChromeTraceRecorder recorder(bus);
  const std::string path = "/nonexistent-ringlab-dir/sub/trace.json";
  const Status status = recorder.writeTo(path);
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("No such file"), std::string::npos) << status.message();
}

TEST(ChromeTraceRecorderTest, UnsubscribesWhenDestroyed) {
  EventBus bus;
  {
    ChromeTraceRecorder recorder(bus);
    EXPECT_TRUE(bus.wants(EventType::kFiberSlice));
  }
  EXPECT_FALSE(bus.wants(EventType::kFiberSlice));
}

}  // namespace
}  // namespace ringlab
