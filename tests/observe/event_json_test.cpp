// Events as JSON lines: every event type encodes and decodes to an equal value, and a line that does not describe
// an event is refused with a message naming the field.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <ringlab/observe/enum_names.h>
#include <ringlab/observe/event_json.h>

namespace ringlab {
namespace {

TimePoint at(std::int64_t ns) { return TimePoint{Duration(ns)}; }
const Version kVersion{1'500'123, 4, 2};

// One event of every type with every field away from its default (and a few more for fields with variants). A new
// event type fails AllTypesAreCovered until it is added here.
std::vector<Event> sampleEvents() {
  std::vector<Event> out;
  out.push_back(MessageSent{at(10), 7, 0, 2, MessageKind::kWriteRequest, 42, 128, at(15)});
  out.push_back(MessageDelivered{at(15), 7, 0, 2, MessageKind::kWriteAck, 42});
  out.push_back(MessageDropped{at(16), 8, 2, 0, MessageKind::kGossip, 0, DropReason::kInjected});
  out.push_back(RequestBegun{at(17), 1, 43, Operation::kDelete, "user:\"17\"\n", NodeList{1, 2, 3}});
  out.push_back(RequestCompleted{at(18), 1, 43, Operation::kGet, "k", ErrorCode::kTimeout, Duration(99), kVersion, 2});
  out.push_back(RequestCompleted{at(18), 1, 44, Operation::kGet, "", ErrorCode::kOk, Duration(1), Version{}, 0});
  out.push_back(ReplicaAnswered{at(19), 1, 3, 43, Operation::kPut, kVersion, true});
  out.push_back(FiberSlice{4, 12, FiberRole::kAntiEntropy, FiberState::kBlocked, at(20), at(30),
                           WaitFor{WaitKind::kStream, 5, 77}});
  out.push_back(FiberSlice{4, 13, FiberRole::kSystem, FiberState::kRunning, at(20), at(21), WaitFor{}});
  out.push_back(FiberSlice{4, 14, FiberRole::kClient, FiberState::kBlocked, at(20), at(21), WaitFor{}});
  out.push_back(FiberStarted{at(22), 4, 12, FiberRole::kHints, "hint replay"});
  out.push_back(FiberEnded{at(23), 4, 12, true});
  out.push_back(NodeStateChanged{at(24), 5, NodeState::kLeaving, "decommissioned"});
  out.push_back(StorageWritten{at(25), 6, "k2", kVersion, true, true});
  out.push_back(ClusterChanged{at(26), "cut n1 | n2"});
  out.push_back(PeerStateChanged{at(27), 0, 1, NodeState::kSuspect, 8.25});
  out.push_back(HintEvent{at(28), 2, 3, HintAction::kReplayed, "k3", 11, kVersion, 3});
  out.push_back(HintEvent{at(28), 2, 3, HintAction::kHandedOver, "k3", 10, kVersion, kNoNode});
  out.push_back(ReadRepaired{at(29), 1, 2, "k4", kVersion});
  out.push_back(AntiEntropyExchanged{at(30), 1, 2, TokenRange{18'000'000'000'000'000'000ull, 5}, 3, 4, 5});
  out.push_back(RangeStreamed{at(31), 3, kNoNode, TokenRange{1, 2}, 1000, 2, 16});
  return out;
}

TEST(EventJsonTest, AllTypesAreCovered) {
  std::set<std::size_t> covered;
  for (const Event& e : sampleEvents()) covered.insert(e.index());
  EXPECT_EQ(covered.size(), kEventTypeCount) << "add an event of each new type to sampleEvents()";
}

TEST(EventJsonTest, EveryEventTypeRoundTripsToAnEqualValue) {
  for (const Event& event : sampleEvents()) {
    const std::string line = eventToJsonLine(event);
    const Result<Event> decoded = eventFromJsonLine(line);
    ASSERT_TRUE(decoded.isOk()) << line << ": " << decoded.status().toString();
    EXPECT_TRUE(*decoded == event) << line << " decodes to " << eventToJsonLine(*decoded);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  }
}

TEST(EventJsonTest, EveryEventTypeNameDecodes) {
  // The type names come from the engine's table; each names a decodable event (a bare one: absent fields are zero).
  const auto types = namedEnumValues<EventType>(eventTypeName);
  ASSERT_EQ(types.size(), kEventTypeCount);
  for (EventType type : types) {
    boost::json::object o{{"type", eventTypeName(type)}};
    const Result<Event> decoded = eventFromJson(o);
    ASSERT_TRUE(decoded.isOk()) << eventTypeName(type) << ": " << decoded.status().toString();
    EXPECT_EQ(eventType(*decoded), type);
  }
}

TEST(EventJsonTest, TheLineFormatIsStable) {
  // What ringlabd has always written for these fields (docs/ADMIN_API.md), so that older readers keep working.
  EXPECT_EQ(eventToJsonLine(
                RequestCompleted{at(18), 1, 43, Operation::kGet, "k", ErrorCode::kTimeout, Duration(99), kVersion, 2}),
            R"({"type":"request_completed","time_ns":18,"coordinator":"n2","request_id":43,"op":"get","key":"k",)"
            R"("result":"timeout","latency_ns":99,"version":"1500123.4@n3","answers":2})");
  EXPECT_EQ(eventToJsonLine(AntiEntropyExchanged{at(1), 0, kNoNode, TokenRange{7, 9}, 1, 2, 3}),
            R"({"type":"anti_entropy_exchanged","time_ns":1,"node":"n1","peer":"","range":{"start":"7","end":"9"},)"
            R"("differing_leaves":1,"keys_pushed":2,"keys_fetched":3})");
}

TEST(EventJsonTest, EnumNamesReadBackForEveryNamedValue) {
  for (Operation op : namedEnumValues<Operation>(operationName)) {
    EXPECT_EQ(enumFromName<Operation>(operationName(op), operationName), op);
  }
  EXPECT_EQ(namedEnumValues<Operation>(operationName).size(), 4u);  // get, put, delete, increment
  EXPECT_EQ(namedEnumValues<WaitKind>(waitKindName).size(), kWaitKindCount);
  EXPECT_EQ(namedEnumValues<FiberRole>(fiberRoleName).size(), kFiberRoleCount);
  EXPECT_EQ(enumFromName<ErrorCode>("internal error", errorCodeName), ErrorCode::kInternal);
  EXPECT_EQ(enumFromName<ErrorCode>("unknown error", errorCodeName), std::nullopt);
  EXPECT_EQ(enumFromName<NodeState>("", nodeStateName), std::nullopt);
}

TEST(EventJsonTest, AMissingFieldReadsAsZeroAndAMessageSentsDeliveryDefaultsToItsSend) {
  const Result<Event> e = eventFromJsonLine(R"({"type":"message_sent","time_ns":5,"from":"n1","kind":"gossip"})");
  ASSERT_TRUE(e.isOk()) << e.status().toString();
  const auto& sent = std::get<MessageSent>(*e);
  EXPECT_EQ(sent.from, 0u);
  EXPECT_EQ(sent.to, 0u);
  EXPECT_EQ(sent.kind, MessageKind::kGossip);
  EXPECT_EQ(sent.deliverAt, at(5));
}

// The message for `line`; empty when it decodes.
std::string refusal(const std::string& line) { return eventFromJsonLine(line).status().message(); }

TEST(EventJsonTest, ABadLineIsRefusedWithAMessageNamingTheField) {
  EXPECT_NE(refusal("{\"type\": \"message_sent\", \"time_ns\": 5").find("not JSON"), std::string::npos);
  EXPECT_NE(refusal("[1]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(refusal("{}").find("\"type\""), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"message_teleported"})").find("'message_teleported' is not an event type"),
            std::string::npos);
  const std::string kind = refusal(R"({"type":"message_sent","kind":"telepathy"})");
  EXPECT_NE(kind.find("'message_sent', field 'kind'"), std::string::npos) << kind;
  EXPECT_NE(kind.find("\"telepathy\""), std::string::npos) << kind;
  EXPECT_NE(refusal(R"({"type":"fiber_started","node":"node one"})").find("field 'node'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"fiber_ended","fiber_id":-1})").find("field 'fiber_id'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"fiber_ended","time_ns":"5"})").find("field 'time_ns'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"message_sent","bytes":4294967296})").find("field 'bytes'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"read_repaired","version":"12@n1"})").find("field 'version'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"range_streamed","range":{"start":"1","end":"x"}})").find("field 'range'"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"type":"request_begun","replicas":["n1",""]})").find("field 'replicas'"), std::string::npos);
  EXPECT_NE(refusal(R"({"type":"fiber_ended","cancelled":1})").find("field 'cancelled'"), std::string::npos);
}

TEST(EventJsonTest, EventTimeIsASlicesStart) {
  EXPECT_EQ(eventTime(FiberSlice{0, 1, FiberRole::kGossip, FiberState::kRunning, at(5), at(9), {}}), at(5));
  EXPECT_EQ(eventTime(ClusterChanged{at(7), "x"}), at(7));
}

}  // namespace
}  // namespace ringlab
