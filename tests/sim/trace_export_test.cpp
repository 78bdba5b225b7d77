// Behaviour of the Chrome trace export: the JSON parses, names every node, pairs flows and requests, counts fiber
// slices exactly, stays valid when truncated, is byte-identical across runs with one seed, and reports unwritable
// paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <zlib.h>
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
    if (v.at("ph") == "X" && v.at("pid") == 1)
      slices.emplace_back(v.at("ts").to_number<double>(), v.at("dur").to_number<double>());
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

// A run with a steady open-loop workload: hundreds of short-lived coordinator fibers over 300 ms.
std::string traceOfBusyRun(std::uint64_t seed, const TraceOptions& options, std::size_t* fibersStarted = nullptr) {
  std::size_t started = 0;  // outlives the simulation, whose teardown may still publish
  Simulation sim(threeNodes(seed));
  ChromeTraceRecorder recorder(sim.events(), options);
  sim.events().subscribe(maskOf(EventType::kFiberStarted), [&started](const Event&) { ++started; });
  WorkloadConfig workload;
  workload.ratePerSecond = 2000;
  workload.readRatio = 0.5;
  sim.addWorkload(workload);
  sim.runFor(300ms);
  if (fibersStarted) *fibersStarted = started;
  std::ostringstream out;
  recorder.write(out);
  return out.str();
}

TEST(TraceLanesTest, ShortLivedFibersShareABoundedSetOfNamedLanes) {
  for (std::uint64_t seed : {3u, 11u}) {
    std::size_t fibers = 0;
    const auto events = parseEvents(traceOfBusyRun(seed, TraceOptions{}, &fibers));
    std::set<std::pair<std::int64_t, std::int64_t>> lanes;
    const std::regex laneName(R"((n[0-9]+ )?[a-z-]+ #[0-9]+)");
    for (const auto& v : events) {
      if (v.at("ph") == "M" && v.at("name") == "thread_name" && v.at("tid") != 0) {
        lanes.emplace(v.at("pid").to_number<std::int64_t>(), v.at("tid").to_number<std::int64_t>());
        EXPECT_TRUE(std::regex_match(str(v.at("args").at("name")), laneName))
            << "seed " << seed << ": " << str(v.at("args").at("name"));
      }
    }
    EXPECT_GT(fibers, 300u) << "seed " << seed;
    EXPECT_LT(lanes.size() * 5, fibers) << "seed " << seed << ": " << lanes.size() << " lanes for " << fibers
                                        << " fibers";
  }
}

TEST(TraceLanesTest, SlicesOnOneLaneNeverOverlap) {
  const std::uint64_t seed = 5;
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::pair<double, double>>> byLane;
  for (const auto& v : parseEvents(traceOfBusyRun(seed, TraceOptions{}))) {
    if (v.at("ph") != "X" || v.at("tid") == 0) continue;
    const double ts = v.at("ts").to_number<double>();
    byLane[{v.at("pid").to_number<std::int64_t>(), v.at("tid").to_number<std::int64_t>()}].emplace_back(
        ts, ts + v.at("dur").to_number<double>());
  }
  ASSERT_FALSE(byLane.empty());
  for (auto& [lane, slices] : byLane) {
    std::sort(slices.begin(), slices.end());
    for (std::size_t i = 1; i < slices.size(); ++i) {
      EXPECT_LE(slices[i - 1].second, slices[i].first + 1e-9)
          << "seed " << seed << ": lane " << lane.first << "/" << lane.second << " overlaps at " << slices[i].first;
    }
  }
}

TEST(TraceLanesTest, RunningSlicesNameTheirFiber) {
  const auto events = parseEvents(traceOfBusyRun(2, TraceOptions{}));
  const std::regex fiberName(R"([a-z0-9-]+ #[0-9]+)");
  std::size_t running = 0;
  for (const auto& v : events) {
    if (v.at("ph") != "X" || !v.as_object().contains("cat") || v.at("cat") != "running") continue;
    ++running;
    EXPECT_TRUE(std::regex_match(str(v.at("args").at("fiber")), fiberName)) << str(v.at("args").at("fiber"));
  }
  EXPECT_GT(running, 0u);
}

TEST(TraceWindowTest, OnlyEventsInsideTheWindowAreRecorded) {
  const std::uint64_t seed = 4;
  TraceOptions options;
  options.from = TimePoint{100ms};
  options.to = TimePoint{200ms};
  const auto events = parseEvents(traceOfBusyRun(seed, options));
  std::size_t inside = 0;
  for (const auto& v : events) {
    if (v.at("ph") == "M") continue;
    const double ts = v.at("ts").to_number<double>();  // microseconds
    if (v.at("ph") == "X" && v.at("tid") != 0) {
      // A fiber slice is kept when it overlaps the window.
      EXPECT_GE(ts + v.at("dur").to_number<double>(), 100'000.0) << "seed " << seed;
      EXPECT_LE(ts, 200'000.0) << "seed " << seed;
    } else {
      EXPECT_GE(ts, 100'000.0) << "seed " << seed << ": " << json::serialize(v);
      EXPECT_LE(ts, 200'000.0) << "seed " << seed << ": " << json::serialize(v);
      ++inside;
    }
  }
  EXPECT_GT(inside, 100u) << "seed " << seed;
}

TEST(TraceSampleTest, ASampledRequestKeepsAllItsEventsAndOthersKeepNone) {
  const std::uint64_t seed = 8;
  TraceOptions options;
  options.sample = 0.25;
  std::set<std::uint64_t> begun, completed, inMessages;
  std::size_t requestsInFull = 0;
  for (const auto& v : parseEvents(traceOfBusyRun(seed, TraceOptions{}))) {
    if (v.at("ph") == "b") ++requestsInFull;
  }
  for (const auto& v : parseEvents(traceOfBusyRun(seed, options))) {
    if (v.at("ph") == "b") begun.insert(v.at("id").to_number<std::uint64_t>());
    if (v.at("ph") == "e") completed.insert(v.at("id").to_number<std::uint64_t>());
    if (v.at("ph") == "X" && v.as_object().contains("cat") && v.at("cat") == "message") {
      const auto request = v.at("args").at("request").to_number<std::uint64_t>();
      if (request != 0) {
        EXPECT_TRUE(isRequestSampled(request, 0.25)) << "seed " << seed << ": request " << request;
        inMessages.insert(request);
      }
    }
  }
  EXPECT_EQ(begun, completed) << "seed " << seed;
  for (std::uint64_t id : begun) EXPECT_TRUE(isRequestSampled(id, 0.25)) << "seed " << seed << ": request " << id;
  EXPECT_GT(begun.size(), requestsInFull / 8) << "seed " << seed;
  EXPECT_LT(begun.size(), requestsInFull / 2) << "seed " << seed;
}

TEST(TraceSampleTest, SamplingIsAFunctionOfTheRequestIdAndKeepsAboutTheFraction) {
  std::size_t kept = 0;
  for (std::uint64_t id = 1; id <= 20'000; ++id) {
    const bool sampled = isRequestSampled(id, 0.1);
    EXPECT_EQ(sampled, isRequestSampled(id, 0.1));
    if (sampled) {
      EXPECT_TRUE(isRequestSampled(id, 0.5)) << "a larger sample keeps every request of a smaller one";
      ++kept;
    }
    EXPECT_TRUE(isRequestSampled(id, 1.0));
  }
  EXPECT_GT(kept, 1'600u);
  EXPECT_LT(kept, 2'400u);
}

TEST(TraceOptionsTest, ParsesDurationsAndAFraction) {
  const auto options = parseTraceOptions("10s", "1500ms", "");
  EXPECT_FALSE(options.isOk()) << "the window ends before it starts";
  const auto parsed = parseTraceOptions("500ms", "2s", "0.25");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().toString();
  EXPECT_EQ(parsed->from, TimePoint{500ms});
  EXPECT_EQ(parsed->to, TimePoint{2s});
  EXPECT_DOUBLE_EQ(parsed->sample, 0.25);
  const auto defaults = parseTraceOptions("", "", "");
  ASSERT_TRUE(defaults.isOk());
  EXPECT_FALSE(defaults->from);
  EXPECT_FALSE(defaults->to);
  EXPECT_EQ(defaults->sample, 1.0);
  EXPECT_EQ(defaults->maxEvents, TraceOptions::kDefaultMaxEvents);
}

TEST(TraceOptionsTest, ErrorsNameTheFlagAndWhatWasGiven) {
  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> cases = {
      {"ten", "", "", "--trace-from"},   {"", "-1s", "", "--trace-to"},   {"", "", "0", "--trace-sample"},
      {"", "", "1.5", "--trace-sample"}, {"", "", "x", "--trace-sample"}, {"5s", "5s", "", "--trace-to"},
  };
  for (const auto& [from, to, sample, flag] : cases) {
    const auto result = parseTraceOptions(from, to, sample);
    ASSERT_FALSE(result.isOk()) << from << " " << to << " " << sample;
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.status().message().rfind(flag, 0), 0u) << result.status().message();
    const std::string given = !sample.empty() ? sample : (!to.empty() ? to : from);
    EXPECT_NE(result.status().message().find("'" + given + "'"), std::string::npos) << result.status().message();
  }
}

TEST(TraceCapTest, TheMessageNamesTheCapWhenItWasReachedAndHowToNarrowTheTrace) {
  Simulation sim(threeNodes(7));
  ChromeTraceRecorder recorder(sim.events(), 50);
  submitSome(sim);
  sim.runFor(100ms);
  ASSERT_TRUE(recorder.truncated());
  const std::string message = traceCapMessage(recorder, "out.json", false);
  EXPECT_NE(message.find("cap of 50 events"), std::string::npos) << message;
  EXPECT_NE(message.find(formatDuration(recorder.truncatedAt().sinceStart)), std::string::npos) << message;
  EXPECT_NE(message.find("out.json"), std::string::npos) << message;
  for (const char* flag : {"--trace-from", "--trace-to", "--trace-sample", "--trace-truncate"}) {
    EXPECT_NE(message.find(flag), std::string::npos) << flag << " missing from: " << message;
  }
  const std::string accepted = traceCapMessage(recorder, "out.json", true);
  EXPECT_EQ(accepted.find("--trace-sample"), std::string::npos) << accepted;
}

std::string gunzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return {};
  std::string text;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
  gzclose(file);
  return text;
}

TEST(TraceGzipTest, AGzFileHoldsTheSameJsonCompressed) {
  Simulation sim(threeNodes(6));
  ChromeTraceRecorder recorder(sim.events());
  submitSome(sim);
  sim.runFor(50ms);
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "ringlab_trace_gzip_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "trace.json.gz").string();
  ASSERT_TRUE(recorder.writeTo(path).isOk());
  std::ostringstream expected;
  recorder.write(expected);
  std::ifstream in(path, std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0x8b);
  EXPECT_LT(raw.size() * 4, expected.str().size());
  EXPECT_EQ(gunzip(path), expected.str());
  EXPECT_TRUE(isCompressedTracePath("a.json.gz"));
  EXPECT_FALSE(isCompressedTracePath("a.json"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ringlab
