#include <ringlab/net/event_json.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <ringlab/engine/overloaded.h>

namespace ringlab::net {
namespace {

std::string token(Token t) { return std::to_string(t); }

boost::json::object range(const TokenRange& r) { return {{"start", token(r.start)}, {"end", token(r.end)}}; }

std::string node(NodeId id) { return id == kNoNode ? std::string() : nodeName(id); }

}  // namespace

boost::json::object eventToJson(const Event& event) {
  boost::json::object o;
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
                 },
                 [&](const MessageDelivered& e) {
                   o["time_ns"] = e.time.nanos();
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
                   boost::json::array replicas;
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
                   if (e.state == FiberState::kBlocked) {
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

std::string eventToJsonLine(const Event& event) { return boost::json::serialize(eventToJson(event)); }

}  // namespace ringlab::net
