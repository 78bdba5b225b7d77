#include <ringlab/observe/event_json.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <ringlab/engine/overloaded.h>
#include <ringlab/observe/enum_names.h>

namespace ringlab {
namespace json = boost::json;
namespace {

std::string token(Token t) { return std::to_string(t); }
json::object range(const TokenRange& r) { return {{"start", token(r.start)}, {"end", token(r.end)}}; }
std::string node(NodeId id) { return id == kNoNode ? std::string() : nodeName(id); }

// Reads the fields of one object into an event, keeping the first problem. Absent fields leave their target alone.
class FieldReader {
 public:
  FieldReader(const json::object& object, std::string_view type) : m_object(object), m_type(type) {}

  const Status& status() const { return m_status; }

  template <typename Int>
  void integer(std::string_view key, Int& out) {
    const json::value* v = find(key);
    if (!v) return;
    if (const auto n = integerOf(*v); n && *n >= static_cast<long double>(std::numeric_limits<Int>::min()) &&
                                      *n <= static_cast<long double>(std::numeric_limits<Int>::max())) {
      out = static_cast<Int>(*n);
      return;
    }
    fail(key, "an integer that fits its field");
  }
  void time(std::string_view key, TimePoint& out) {
    std::int64_t ns = out.nanos();
    integer(key, ns);
    out = TimePoint{Duration(ns)};
  }
  void duration(std::string_view key, Duration& out) {
    std::int64_t ns = out.count();
    integer(key, ns);
    out = Duration(ns);
  }
  void boolean(std::string_view key, bool& out) {
    const json::value* v = find(key);
    if (!v) return;
    if (!v->is_bool()) return fail(key, "true or false");
    out = v->get_bool();
  }
  void number(std::string_view key, double& out) {
    const json::value* v = find(key);
    if (!v) return;
    if (v->is_double()) {
      out = v->get_double();
    } else if (v->is_int64()) {
      out = static_cast<double>(v->get_int64());
    } else if (v->is_uint64()) {
      out = static_cast<double>(v->get_uint64());
    } else {
      fail(key, "a number");
    }
  }
  void string(std::string_view key, std::string& out) {
    const json::value* v = find(key);
    if (!v) return;
    if (!v->is_string()) return fail(key, "a string");
    out = std::string(v->get_string());
  }
  void nodeId(std::string_view key, NodeId& out) {
    const json::value* v = find(key);
    if (!v) return;
    if (const auto id = nodeOf(*v)) {
      out = *id;
    } else {
      fail(key, "a node name like n1, or \"\"");
    }
  }
  void nodeList(std::string_view key, NodeList& out) {
    const json::value* v = find(key);
    if (!v) return;
    if (!v->is_array()) return fail(key, "an array of node names");
    NodeList list;
    for (const json::value& item : v->get_array()) {
      const auto id = nodeOf(item);
      if (!id || *id == kNoNode) return fail(key, "an array of node names");
      list.push_back(*id);
    }
    out = std::move(list);
  }
  void version(std::string_view key, Version& out) {
    const json::value* v = find(key);
    if (!v) return;
    if (const auto parsed = v->is_string() ? parseVersion(v->get_string()) : std::nullopt) {
      out = *parsed;
    } else {
      fail(key, "a version like \"1500123.4@n2\"");
    }
  }
  void tokenRange(std::string_view key, TokenRange& out) {
    const json::value* v = find(key);
    if (!v) return;
    const json::object* o = v->if_object();
    const auto start = o ? tokenOf(o->if_contains("start")) : std::nullopt;
    const auto end = o ? tokenOf(o->if_contains("end")) : std::nullopt;
    if (!start || !end) return fail(key, "{\"start\": \"token\", \"end\": \"token\"} with decimal tokens");
    out = TokenRange{*start, *end};
  }
  template <typename Enum, typename NameOf>
  void enumeration(std::string_view key, Enum& out, NameOf nameOf, std::string_view what) {
    const json::value* v = find(key);
    if (!v) return;
    if (const auto value = v->is_string() ? enumFromName<Enum>(v->get_string(), nameOf) : std::nullopt) {
      out = *value;
    } else {
      fail(key, what);
    }
  }
  void messageKind(std::string_view key, MessageKind& out) {
    const json::value* v = find(key);
    if (!v) return;
    if (const auto kind = v->is_string() ? parseMessageKind(v->get_string()) : std::nullopt) {
      out = *kind;
    } else {
      fail(key, "a message kind like \"write\"");
    }
  }

 private:
  const json::value* find(std::string_view key) const { return m_status.isOk() ? m_object.if_contains(key) : nullptr; }

  void fail(std::string_view key, std::string_view expected) {
    if (!m_status.isOk()) return;
    m_status = Status(ErrorCode::kInvalidArgument, "event '" + std::string(m_type) + "', field '" + std::string(key) +
                                                       "': expected " + std::string(expected) + ", got " +
                                                       json::serialize(*m_object.if_contains(key)));
  }

  static std::optional<long double> integerOf(const json::value& v) {
    if (v.is_int64()) return static_cast<long double>(v.get_int64());
    if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
    // Some JSON writers print large integers as doubles (5e+10): accept those with no fraction.
    if (v.is_double() && std::trunc(v.get_double()) == v.get_double()) return static_cast<long double>(v.get_double());
    return std::nullopt;
  }
  static std::optional<NodeId> nodeOf(const json::value& v) {
    if (!v.is_string()) return std::nullopt;
    const std::string_view name = v.get_string();
    if (name.empty()) return kNoNode;
    const NodeId id = parseNodeName(name);
    return id == kNoNode ? std::nullopt : std::optional<NodeId>(id);
  }
  static std::optional<Token> tokenOf(const json::value* v) {
    if (!v || !v->is_string()) return std::nullopt;
    const std::string_view s = v->get_string();
    Token t = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), t);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return t;
  }
  // "physical.logical@node", as Version::toString writes it.
  static std::optional<Version> parseVersion(std::string_view s) {
    const auto dot = s.find('.');
    const auto at = s.find('@');
    if (dot == std::string_view::npos || at == std::string_view::npos || at < dot) return std::nullopt;
    Version v;
    const auto physical = std::from_chars(s.data(), s.data() + dot, v.physicalMicros);
    const auto logical = std::from_chars(s.data() + dot + 1, s.data() + at, v.logical);
    if (physical.ec != std::errc() || physical.ptr != s.data() + dot || logical.ec != std::errc() ||
        logical.ptr != s.data() + at || dot == 0) {
      return std::nullopt;
    }
    v.node = parseNodeName(s.substr(at + 1));
    if (v.node == kNoNode) return std::nullopt;
    return v;
  }

  const json::object& m_object;
  std::string_view m_type;
  Status m_status;
};

// One reader per event type: a type without one does not compile (see decodeAs below).
void readFields(FieldReader& r, MessageSent& e) {
  r.time("time_ns", e.time);
  r.integer("message_id", e.messageId);
  r.nodeId("from", e.from);
  r.nodeId("to", e.to);
  r.messageKind("kind", e.kind);
  r.integer("request_id", e.requestId);
  r.integer("bytes", e.bytes);
  e.deliverAt = e.time;  // a line without it comes from a real node, where the two are equal
  r.time("deliver_at_ns", e.deliverAt);
}
void readFields(FieldReader& r, MessageDelivered& e) {
  r.time("time_ns", e.time);
  r.integer("message_id", e.messageId);
  r.nodeId("from", e.from);
  r.nodeId("to", e.to);
  r.messageKind("kind", e.kind);
  r.integer("request_id", e.requestId);
}
void readFields(FieldReader& r, MessageDropped& e) {
  r.time("time_ns", e.time);
  r.integer("message_id", e.messageId);
  r.nodeId("from", e.from);
  r.nodeId("to", e.to);
  r.messageKind("kind", e.kind);
  r.integer("request_id", e.requestId);
  r.enumeration("reason", e.reason, dropReasonName, "a drop reason like \"partition\"");
}
void readFields(FieldReader& r, RequestBegun& e) {
  r.time("time_ns", e.time);
  r.nodeId("coordinator", e.coordinator);
  r.integer("request_id", e.requestId);
  r.enumeration("op", e.op, operationName, "get, put, delete or increment");
  r.string("key", e.key);
  r.nodeList("replicas", e.replicas);
}
void readFields(FieldReader& r, RequestCompleted& e) {
  r.time("time_ns", e.time);
  r.nodeId("coordinator", e.coordinator);
  r.integer("request_id", e.requestId);
  r.enumeration("op", e.op, operationName, "get, put, delete or increment");
  r.string("key", e.key);
  r.enumeration("result", e.result, errorCodeName, "an error code name like \"ok\" or \"timeout\"");
  r.duration("latency_ns", e.latency);
  r.version("version", e.version);
  r.integer("answers", e.answers);
}
void readFields(FieldReader& r, ReplicaAnswered& e) {
  r.time("time_ns", e.time);
  r.nodeId("coordinator", e.coordinator);
  r.nodeId("replica", e.replica);
  r.integer("request_id", e.requestId);
  r.enumeration("op", e.op, operationName, "get, put, delete or increment");
  r.version("version", e.version);
  r.boolean("after_completion", e.afterCompletion);
}
void readFields(FieldReader& r, FiberSlice& e) {
  r.time("time_ns", e.start);
  r.nodeId("node", e.node);
  r.integer("fiber_id", e.fiberId);
  r.enumeration("role", e.role, fiberRoleName, "a fiber role like \"coordinator\"");
  r.enumeration("state", e.state, fiberStateName, "running, ready or blocked");
  r.time("start_ns", e.start);
  r.time("end_ns", e.end);
  r.enumeration("wait", e.waitFor.kind, waitKindName, "a wait kind like \"replies\"");
  r.nodeId("wait_peer", e.waitFor.peer);
  r.integer("wait_request_id", e.waitFor.requestId);
}
void readFields(FieldReader& r, FiberStarted& e) {
  r.time("time_ns", e.time);
  r.nodeId("node", e.node);
  r.integer("fiber_id", e.fiberId);
  r.enumeration("role", e.role, fiberRoleName, "a fiber role like \"coordinator\"");
  r.string("name", e.name);
}
void readFields(FieldReader& r, FiberEnded& e) {
  r.time("time_ns", e.time);
  r.nodeId("node", e.node);
  r.integer("fiber_id", e.fiberId);
  r.boolean("cancelled", e.cancelled);
}
void readFields(FieldReader& r, NodeStateChanged& e) {
  r.time("time_ns", e.time);
  r.nodeId("node", e.node);
  r.enumeration("state", e.state, nodeStateName, "a node state like \"up\"");
  r.string("reason", e.reason);
}
void readFields(FieldReader& r, StorageWritten& e) {
  r.time("time_ns", e.time);
  r.nodeId("node", e.node);
  r.string("key", e.key);
  r.version("version", e.version);
  r.boolean("applied", e.applied);
  r.boolean("tombstone", e.tombstone);
}
void readFields(FieldReader& r, ClusterChanged& e) {
  r.time("time_ns", e.time);
  r.string("description", e.description);
}
void readFields(FieldReader& r, PeerStateChanged& e) {
  r.time("time_ns", e.time);
  r.nodeId("observer", e.observer);
  r.nodeId("peer", e.peer);
  r.enumeration("state", e.state, nodeStateName, "a node state like \"up\"");
  r.number("phi", e.phi);
}
void readFields(FieldReader& r, HintEvent& e) {
  r.time("time_ns", e.time);
  r.nodeId("holder", e.holder);
  r.nodeId("owner", e.owner);
  r.enumeration("action", e.action, hintActionName, "stored, replayed, dropped or handed_over");
  r.string("key", e.key);
  r.integer("pending", e.pending);
  r.version("version", e.version);
  r.nodeId("to", e.to);
}
void readFields(FieldReader& r, ReadRepaired& e) {
  r.time("time_ns", e.time);
  r.nodeId("coordinator", e.coordinator);
  r.nodeId("replica", e.replica);
  r.string("key", e.key);
  r.version("version", e.version);
}
void readFields(FieldReader& r, AntiEntropyExchanged& e) {
  r.time("time_ns", e.time);
  r.nodeId("node", e.node);
  r.nodeId("peer", e.peer);
  r.tokenRange("range", e.range);
  r.integer("differing_leaves", e.differingLeaves);
  r.integer("keys_pushed", e.keysPushed);
  r.integer("keys_fetched", e.keysFetched);
}
void readFields(FieldReader& r, RangeStreamed& e) {
  r.time("time_ns", e.time);
  r.nodeId("node", e.node);
  r.nodeId("source", e.source);
  r.tokenRange("range", e.range);
  r.integer("records", e.records);
  r.integer("ranges_done", e.rangesDone);
  r.integer("ranges_total", e.rangesTotal);
}

template <std::size_t I>
Result<Event> decodeAs(const json::object& object, std::string_view type) {
  std::variant_alternative_t<I, Event> event{};
  FieldReader reader(object, type);
  readFields(reader, event);
  if (!reader.status().isOk()) return reader.status();
  return Event(std::in_place_index<I>, std::move(event));
}

template <std::size_t... I>
Result<Event> decodeIndex(std::size_t index, const json::object& object, std::string_view type,
                          std::index_sequence<I...>) {
  using Decoder = Result<Event> (*)(const json::object&, std::string_view);
  static constexpr Decoder kDecoders[] = {&decodeAs<I>...};
  return kDecoders[index](object, type);
}

}  // namespace

json::object eventToJson(const Event& event) {
  json::object o;
  o["type"] = eventTypeName(eventType(event));
  std::visit(Overloaded{
                 [&](const MessageSent& e) {
                   o["time_ns"] = e.time.nanos();
                   o["message_id"] = e.messageId;
                   o["from"] = node(e.from);
                   o["to"] = node(e.to);
                   o["kind"] = messageKindName(e.kind);
                   o["request_id"] = e.requestId;
                   o["bytes"] = e.bytes;
                   o["deliver_at_ns"] = e.deliverAt.nanos();
                 },
                 [&](const MessageDelivered& e) {
                   o["time_ns"] = e.time.nanos();
                   o["message_id"] = e.messageId;
                   o["from"] = node(e.from);
                   o["to"] = node(e.to);
                   o["kind"] = messageKindName(e.kind);
                   o["request_id"] = e.requestId;
                 },
                 [&](const MessageDropped& e) {
                   o["time_ns"] = e.time.nanos();
                   o["message_id"] = e.messageId;
                   o["from"] = node(e.from);
                   o["to"] = node(e.to);
                   o["kind"] = messageKindName(e.kind);
                   o["request_id"] = e.requestId;
                   o["reason"] = dropReasonName(e.reason);
                 },
                 [&](const RequestBegun& e) {
                   o["time_ns"] = e.time.nanos();
                   o["coordinator"] = node(e.coordinator);
                   o["request_id"] = e.requestId;
                   o["op"] = operationName(e.op);
                   o["key"] = e.key;
                   json::array replicas;
                   for (NodeId r : e.replicas) replicas.emplace_back(node(r));
                   o["replicas"] = std::move(replicas);
                 },
                 [&](const RequestCompleted& e) {
                   o["time_ns"] = e.time.nanos();
                   o["coordinator"] = node(e.coordinator);
                   o["request_id"] = e.requestId;
                   o["op"] = operationName(e.op);
                   o["key"] = e.key;
                   o["result"] = errorCodeName(e.result);
                   o["latency_ns"] = e.latency.count();
                   o["version"] = e.version.toString();
                   o["answers"] = e.answers;
                 },
                 [&](const ReplicaAnswered& e) {
                   o["time_ns"] = e.time.nanos();
                   o["coordinator"] = node(e.coordinator);
                   o["replica"] = node(e.replica);
                   o["request_id"] = e.requestId;
                   o["op"] = operationName(e.op);
                   o["version"] = e.version.toString();
                   o["after_completion"] = e.afterCompletion;
                 },
                 [&](const FiberSlice& e) {
                   o["time_ns"] = e.start.nanos();
                   o["node"] = node(e.node);
                   o["fiber_id"] = e.fiberId;
                   o["role"] = fiberRoleName(e.role);
                   o["state"] = fiberStateName(e.state);
                   o["start_ns"] = e.start.nanos();
                   o["end_ns"] = e.end.nanos();
                   if (e.state == FiberState::kBlocked || e.waitFor != WaitFor{}) {
                     o["wait"] = waitKindName(e.waitFor.kind);
                     if (e.waitFor.peer != kNoNode) o["wait_peer"] = node(e.waitFor.peer);
                     if (e.waitFor.requestId != 0) o["wait_request_id"] = e.waitFor.requestId;
                   }
                 },
                 [&](const FiberStarted& e) {
                   o["time_ns"] = e.time.nanos();
                   o["node"] = node(e.node);
                   o["fiber_id"] = e.fiberId;
                   o["role"] = fiberRoleName(e.role);
                   o["name"] = e.name;
                 },
                 [&](const FiberEnded& e) {
                   o["time_ns"] = e.time.nanos();
                   o["node"] = node(e.node);
                   o["fiber_id"] = e.fiberId;
                   o["cancelled"] = e.cancelled;
                 },
                 [&](const NodeStateChanged& e) {
                   o["time_ns"] = e.time.nanos();
                   o["node"] = node(e.node);
                   o["state"] = nodeStateName(e.state);
                   o["reason"] = e.reason;
                 },
                 [&](const StorageWritten& e) {
                   o["time_ns"] = e.time.nanos();
                   o["node"] = node(e.node);
                   o["key"] = e.key;
                   o["version"] = e.version.toString();
                   o["applied"] = e.applied;
                   o["tombstone"] = e.tombstone;
                 },
                 [&](const ClusterChanged& e) {
                   o["time_ns"] = e.time.nanos();
                   o["description"] = e.description;
                 },
                 [&](const PeerStateChanged& e) {
                   o["time_ns"] = e.time.nanos();
                   o["observer"] = node(e.observer);
                   o["peer"] = node(e.peer);
                   o["state"] = nodeStateName(e.state);
                   o["phi"] = e.phi;
                 },
                 [&](const HintEvent& e) {
                   o["time_ns"] = e.time.nanos();
                   o["holder"] = node(e.holder);
                   o["owner"] = node(e.owner);
                   o["action"] = hintActionName(e.action);
                   o["key"] = e.key;
                   o["pending"] = e.pending;
                   o["version"] = e.version.toString();
                   o["to"] = node(e.to);
                 },
                 [&](const ReadRepaired& e) {
                   o["time_ns"] = e.time.nanos();
                   o["coordinator"] = node(e.coordinator);
                   o["replica"] = node(e.replica);
                   o["key"] = e.key;
                   o["version"] = e.version.toString();
                 },
                 [&](const AntiEntropyExchanged& e) {
                   o["time_ns"] = e.time.nanos();
                   o["node"] = node(e.node);
                   o["peer"] = node(e.peer);
                   o["range"] = range(e.range);
                   o["differing_leaves"] = e.differingLeaves;
                   o["keys_pushed"] = e.keysPushed;
                   o["keys_fetched"] = e.keysFetched;
                 },
                 [&](const RangeStreamed& e) {
                   o["time_ns"] = e.time.nanos();
                   o["node"] = node(e.node);
                   o["source"] = node(e.source);
                   o["range"] = range(e.range);
                   o["records"] = e.records;
                   o["ranges_done"] = e.rangesDone;
                   o["ranges_total"] = e.rangesTotal;
                 },
             },
             event);
  return o;
}

std::string eventToJsonLine(const Event& event) { return json::serialize(eventToJson(event)); }

Result<Event> eventFromJson(const json::object& object) {
  const json::value* type = object.if_contains("type");
  if (!type || !type->is_string()) {
    return Status(ErrorCode::kInvalidArgument, "an event needs a \"type\" string");
  }
  const std::string_view name = type->get_string();
  const auto index = enumFromName<EventType>(name, eventTypeName);
  if (!index) return Status(ErrorCode::kInvalidArgument, "'" + std::string(name) + "' is not an event type");
  return decodeIndex(static_cast<std::size_t>(*index), object, name, std::make_index_sequence<kEventTypeCount>());
}

Result<Event> eventFromJsonLine(std::string_view line) {
  boost::system::error_code ec;
  const json::value root = json::parse(line, ec);
  if (ec) return Status(ErrorCode::kCorrupt, "an event line is not JSON: " + ec.message());
  if (!root.is_object()) return Status(ErrorCode::kCorrupt, "an event line is not a JSON object");
  return eventFromJson(root.get_object());
}

TimePoint eventTime(const Event& event) {
  return std::visit(Overloaded{[](const FiberSlice& e) { return e.start; }, [](const auto& e) { return e.time; }},
                    event);
}

}  // namespace ringlab
