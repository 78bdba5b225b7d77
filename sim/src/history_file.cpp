#include <ringlab/sim/history_file.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace ringlab {
namespace {

namespace json = boost::json;

template <typename T>
bool parseNumber(std::string_view text, T& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

Status fieldError(std::string_view field, const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, fmt::format("field '{}': {}", field, what));
}

std::int64_t micros(TimePoint t) { return std::chrono::duration_cast<std::chrono::microseconds>(t.sinceStart).count(); }

}  // namespace

std::optional<Version> parseVersion(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::size_t at = text.find('@');
  if (dot == std::string_view::npos || at == std::string_view::npos || at < dot) return std::nullopt;
  Version version;
  if (!parseNumber(text.substr(0, dot), version.physicalMicros)) return std::nullopt;
  if (!parseNumber(text.substr(dot + 1, at - dot - 1), version.logical)) return std::nullopt;
  version.node = parseNodeName(text.substr(at + 1));
  if (version.node == kNoNode) return std::nullopt;
  return version;
}

std::string formatRecordedOperation(const RecordedOperation& operation) {
  const HistoryEntry& e = operation.entry;
  json::object line;
  line["client"] = e.client;
  line["id"] = e.id;
  line["op"] = operationName(e.op);
  line["key"] = e.key;
  if (e.coordinator != kNoNode) line["node"] = nodeName(e.coordinator);
  line["invoked_us"] = micros(e.invoked);
  line["completed_us"] = micros(e.completed);
  line["ok"] = e.result == ErrorCode::kOk;
  if (e.op == Operation::kGet && e.result == ErrorCode::kOk) line["found"] = e.found;
  if (!e.version.isNull()) line["version"] = e.version.toString();
  if (e.op != Operation::kGet || e.found) line["value"] = operation.value;
  if (e.result != ErrorCode::kOk) line["error"] = operation.error;
  return json::serialize(line);
}

Result<RecordedOperation> parseRecordedOperation(std::string_view text) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(text, ec);
  if (ec) return Status(ErrorCode::kInvalidArgument, "not a JSON object: " + ec.message());
  if (!parsed.is_object()) return Status(ErrorCode::kInvalidArgument, "not a JSON object");
  const json::object& line = parsed.get_object();
  for (const auto& [name, value] : line) {
    static constexpr std::string_view kKnown[] = {"client",       "id", "op",    "key",     "node",  "invoked_us",
                                                  "completed_us", "ok", "found", "version", "value", "error"};
    if (std::find(std::begin(kKnown), std::end(kKnown), std::string_view(name)) == std::end(kKnown)) {
      return fieldError(name, "unknown field");
    }
  }
  const auto integer = [&](std::string_view field, bool required, std::int64_t& out) -> Status {
    const json::value* value = line.if_contains(field);
    if (!value) return required ? fieldError(field, "missing") : Status::ok();
    if (value->is_int64()) {
      out = value->get_int64();
    } else if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      out = static_cast<std::int64_t>(value->get_uint64());
    } else {
      return fieldError(field, "expected an integer");
    }
    if (out < 0) return fieldError(field, "expected a non-negative integer");
    return Status::ok();
  };
  const auto string = [&](std::string_view field, bool required, std::string& out) -> Status {
    const json::value* value = line.if_contains(field);
    if (!value) return required ? fieldError(field, "missing") : Status::ok();
    if (!value->is_string()) return fieldError(field, "expected a string");
    out = std::string(value->get_string());
    return Status::ok();
  };
  const auto boolean = [&](std::string_view field, bool required, bool& out) -> Status {
    const json::value* value = line.if_contains(field);
    if (!value) return required ? fieldError(field, "missing") : Status::ok();
    if (!value->is_bool()) return fieldError(field, "expected true or false");
    out = value->get_bool();
    return Status::ok();
  };

  RecordedOperation operation;
  HistoryEntry& e = operation.entry;
  std::int64_t client = 0, id = 0, invoked = 0, completed = 0;
  std::string op, node, version;
  bool ok = false;
  for (Status s :
       {integer("client", true, client), integer("id", true, id), string("op", true, op), string("key", true, e.key),
        string("node", false, node), integer("invoked_us", true, invoked), integer("completed_us", true, completed),
        boolean("ok", true, ok), boolean("found", false, e.found), string("version", false, version),
        string("value", false, operation.value), string("error", false, operation.error)}) {
    if (!s.isOk()) return s;
  }
  e.client = static_cast<std::uint64_t>(client);
  e.id = static_cast<std::uint64_t>(id);
  if (op == "get") {
    e.op = Operation::kGet;
  } else if (op == "put") {
    e.op = Operation::kPut;
  } else if (op == "delete") {
    e.op = Operation::kDelete;
  } else {
    return fieldError("op", "'" + op + "' is not get, put or delete");
  }
  if (!node.empty()) {
    e.coordinator = parseNodeName(node);
    if (e.coordinator == kNoNode) return fieldError("node", "'" + node + "' is not a node name (n1, n2, ...)");
  }
  if (completed < invoked) return fieldError("completed_us", "earlier than invoked_us");
  e.invoked = TimePoint{std::chrono::microseconds(invoked)};
  e.completed = TimePoint{std::chrono::microseconds(completed)};
  e.result = ok ? ErrorCode::kOk : ErrorCode::kTimeout;  // the checker only asks whether it succeeded
  if (!version.empty()) {
    const auto parsedVersion = parseVersion(version);
    if (!parsedVersion) return fieldError("version", "'" + version + "' is not PHYSICAL.LOGICAL@NODE");
    e.version = *parsedVersion;
  }
  if (ok && e.op != Operation::kGet && e.version.isNull())
    return fieldError("version", "missing for a successful write");
  if (ok && e.op == Operation::kGet && e.found && e.version.isNull()) {
    return fieldError("version", "missing for a read that found a value");
  }
  return operation;
}

Result<std::vector<RecordedOperation>> readRecordedHistory(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(ErrorCode::kNotFound, path + ": cannot be read");
  std::vector<RecordedOperation> history;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = parseRecordedOperation(line);
    if (!parsed)
      return Status(ErrorCode::kInvalidArgument, fmt::format("{}:{}: {}", path, number, parsed.status().message()));
    history.push_back(std::move(*parsed));
  }
  if (in.bad()) return Status(ErrorCode::kNotFound, fmt::format("{}: read failed after line {}", path, number));
  return history;
}

std::vector<ValueMismatch> findValueMismatches(const std::vector<RecordedOperation>& history) {
  std::map<std::pair<Key, std::string>, const HistoryEntry*> writes;  // (key, value sent) -> the write
  for (const RecordedOperation& o : history) {
    if (o.entry.op == Operation::kPut) writes.emplace(std::make_pair(o.entry.key, o.value), &o.entry);
  }
  std::vector<ValueMismatch> mismatches;
  for (const RecordedOperation& o : history) {
    const HistoryEntry& e = o.entry;
    if (e.op != Operation::kGet || e.result != ErrorCode::kOk || !e.found) continue;
    const auto it = writes.find({e.key, o.value});
    std::string why;
    if (it == writes.end()) {
      why = "no write to the key sent this value";
    } else if (const HistoryEntry& w = *it->second; w.result == ErrorCode::kOk) {
      if (w.version != e.version) why = "its write got version " + w.version.toString();
    } else if (w.coordinator != e.version.node || e.completed < w.invoked) {
      why = "its write failed at " + (w.coordinator == kNoNode ? std::string("no node") : nodeName(w.coordinator)) +
            ", which did not issue this version";
    }
    if (!why.empty()) mismatches.push_back(ValueMismatch{e.id, e.key, e.version, o.value, std::move(why)});
  }
  return mismatches;
}

}  // namespace ringlab
