#include <ringlab/net/admin_request.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <openssl/crypto.h>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <ringlab/engine/admin_api.h>

namespace ringlab::net {
namespace {

namespace http = boost::beast::http;

constexpr AdminRoute kRoutes[] = {
    {"/", http::verb::get, false, AdminEndpoint::kIndex},
    {"/metrics", http::verb::get, false, AdminEndpoint::kMetrics},
    {"/cluster", http::verb::get, false, AdminEndpoint::kCluster},
    {"/events", http::verb::get, false, AdminEndpoint::kEvents},
    {"/fault", http::verb::get, false, AdminEndpoint::kGetFault},
    {"/fault", http::verb::post, false, AdminEndpoint::kPostFault},
    {"/decommission", http::verb::post, false, AdminEndpoint::kDecommission},
    {"/members", http::verb::post, false, AdminEndpoint::kPostMembers},
    {"/members", http::verb::delete_, false, AdminEndpoint::kDeleteMembers},
    {"/healthz", http::verb::get, true, AdminEndpoint::kHealthz},
    {"/readyz", http::verb::get, true, AdminEndpoint::kReadyz},
};

// A request body that failed validation; the message names the field. Errors are values here, not exceptions: an
// exception caught inside a fiber that goes on running leaves AddressSanitizer's stale redzones on its stack.
Status badRequest(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

// The keys of a JSON object text's top level, in order, as written (escapes not decoded). `json` must be valid JSON
// whose value is an object.
std::vector<std::string_view> topLevelKeys(std::string_view json) {
  std::vector<std::string_view> keys;
  int depth = 0;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') {
      const std::size_t start = ++i;
      while (i < json.size() && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
      const std::string_view text = json.substr(start, i - start);
      std::size_t next = json.find_first_not_of(" \t\r\n", i + 1);
      if (depth == 1 && next != std::string_view::npos && json[next] == ':') keys.push_back(text);
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return keys;
}

// The body as a JSON object. An empty body is an empty object when `emptyIsObject`. A key given twice is refused:
// which of the two would count is a guess the sender should not have to make.
Result<boost::json::object> parseObject(std::string_view body, bool emptyIsObject, std::string_view example) {
  const auto blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank) {
    if (emptyIsObject) return boost::json::object{};
    return badRequest("the body is empty; expected a JSON object such as " + std::string(example));
  }
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  const std::size_t used = parser.write(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return badRequest("the body is not JSON: " + ec.message() + " (at byte " + std::to_string(used) +
                      "); expected an object such as " + std::string(example));
  }
  boost::json::value value = parser.release();
  if (!value.is_object()) return badRequest("the body must be a JSON object such as " + std::string(example));
  const std::vector<std::string_view> keys = topLevelKeys(body);
  if (keys.size() != value.as_object().size()) {
    std::set<std::string_view> seen;
    for (std::string_view key : keys) {
      if (!seen.insert(key).second) return badRequest("field '" + std::string(key) + "' is given twice");
    }
    return badRequest("a field is given twice");
  }
  return std::move(value.as_object());
}

// A whole number in [min, max] (a JSON integer, or a number with no fraction).
Result<std::int64_t> wholeNumber(const boost::json::value& value, std::string_view field, std::int64_t min,
                                 std::int64_t max, std::string_view unit) {
  std::optional<std::int64_t> number;
  if (value.is_int64()) {
    number = value.as_int64();
  } else if (value.is_uint64()) {
    number =
        value.as_uint64() > static_cast<std::uint64_t>(max) ? max + 1 : static_cast<std::int64_t>(value.as_uint64());
  } else if (value.is_double()) {
    const double d = value.as_double();
    if (std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(min) && d <= static_cast<double>(max)) {
      number = static_cast<std::int64_t>(d);
    }
  }
  if (!number || *number < min || *number > max) {
    return badRequest("field '" + std::string(field) + "' must be a whole number of " + std::string(unit) +
                      " between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                      boost::json::serialize(value));
  }
  return *number;
}

// The methods a path serves, as the Allow header lists them ("GET, POST"). HEAD goes with GET and is not listed.
std::string allowedMethods(std::string_view path) {
  std::string out;
  for (http::verb method : {http::verb::get, http::verb::post, http::verb::delete_}) {
    for (const AdminRoute& route : kRoutes) {
      if (route.path == path && route.method == method) {
        out += (out.empty() ? "" : ", ") + std::string(http::to_string(method));
        break;
      }
    }
  }
  return out;
}

bool tokenMatches(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

// The token of an "Authorization: Bearer <token>" header, or "" without one. The scheme is case-insensitive
// (RFC 9110, section 11.1): "bearer" and "BEARER" are "Bearer".
std::string bearerToken(const AdminRequest& request) {
  const auto it = request.find(http::field::authorization);
  if (it == request.end()) return {};
  std::string_view value = it->value();
  if (value.size() <= 7 || !boost::beast::iequals(value.substr(0, 6), "Bearer") || (value[6] != ' ' && value[6] != '\t')) {
    return {};
  }
  value.remove_prefix(7);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return std::string(value);
}

}  // namespace

ParsedAdminRequest parseAdminRequest(std::string_view bytes) {
  ParsedAdminRequest out;
  http::request_parser<http::string_body> parser;
  parser.header_limit(kAdminMaxHeaderBytes);
  parser.body_limit(kAdminMaxBodyBytes);
  parser.eager(true);
  boost::system::error_code ec;
  while (out.used < bytes.size() && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(bytes.data() + out.used, bytes.size() - out.used), ec);
    out.used += n;
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || n == 0) break;
  }
  if (ec) {
    out.refusal = unreadableRequestResponse(ec);
  } else if (parser.is_done()) {
    out.request = parser.release();
  }
  return out;
}

std::optional<AdminResponse> unreadableRequestResponse(const boost::system::error_code& ec) {
  std::string error;
  http::status status = http::status::bad_request;
  if (ec == http::error::body_limit) {
    status = http::status::payload_too_large;
    error = "the body is larger than " + std::to_string(kAdminMaxBodyBytes / 1024) + " kB";
  } else if (ec == http::error::header_limit) {
    status = http::status::request_header_fields_too_large;
    error = "the request header is larger than " + std::to_string(kAdminMaxHeaderBytes / 1024) + " kB";
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    error = "malformed HTTP request: " + ec.message();
  }
  if (error.empty()) return std::nullopt;
  AdminResponse response(status, 11);
  response.set(http::field::server, "ringlabd");
  response.set(http::field::content_type, "application/json");
  response.body() =
      boost::json::serialize(boost::json::object{{"api_version", kAdminApiVersion}, {"error", error}}) + "\n";
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

std::span<const AdminRoute> adminRoutes() { return kRoutes; }

AdminRouting routeAdminRequest(const AdminRequest& request, std::string_view token) {
  AdminRouting out;
  const http::verb method = request.method() == http::verb::head ? http::verb::get : request.method();
  const auto target = request.target();
  const auto url = boost::urls::parse_origin_form(boost::core::string_view(target.data(), target.size()));
  if (!url) {
    out.status = 400;
    out.error = "malformed request target '" + std::string(target) + "': " + url.error().message() +
                " (expected a path such as /events?types=hint)";
    return out;
  }
  out.url = *url;
  out.path = std::string(url->path());
  const AdminRoute* route = nullptr;
  const AdminRoute* anyMethod = nullptr;
  for (const AdminRoute& r : kRoutes) {
    if (r.path != out.path) continue;
    anyMethod = &r;
    if (r.method == method) route = &r;
  }
  if (!(anyMethod && anyMethod->open) && !token.empty() && !tokenMatches(bearerToken(request), token)) {
    out.status = 401;
    out.error = "missing or wrong admin token (send Authorization: Bearer ...)";
  } else if (!anyMethod) {
    out.status = 404;
    out.error = "no such endpoint: " + out.path;
  } else if (!route) {
    out.status = 405;
    out.allow = allowedMethods(out.path);
    out.error = std::string(request.method_string()) + " " + out.path + " is not supported: " + out.path + " allows " +
                out.allow;
  } else {
    out.route = route;
  }
  return out;
}

std::string queryParameter(const boost::urls::url_view& url, std::string_view name) {
  const auto params = url.params();
  const auto it = params.find(boost::core::string_view(name.data(), name.size()));
  if (it == params.end()) return {};
  return std::string((*it).value);
}

Result<EventStreamRequest> parseEventStreamRequest(std::string_view types, std::string_view rate,
                                                   std::size_t defaultRate) {
  EventStreamRequest stream;
  stream.mask = kAllEvents & ~maskOf(EventType::kFiberSlice);
  std::string typeError;
  if (!types.empty()) {
    stream.mask = 0;
    std::string_view rest = types;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      bool known = false;
      for (std::size_t t = 0; t < kEventTypeCount; ++t) {
        if (eventTypeName(static_cast<EventType>(t)) == name) {
          stream.mask |= maskOf(static_cast<EventType>(t));
          known = true;
        }
      }
      if (!known && typeError.empty()) typeError = "unknown event type '" + std::string(name) + "'";
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  stream.rate = defaultRate;
  if (!rate.empty()) {
    auto [ptr, ec] = std::from_chars(rate.data(), rate.data() + rate.size(), stream.rate);
    if (ec != std::errc() || ptr != rate.data() + rate.size() || stream.rate == 0 ||
        stream.rate > kAdminMaxEventsPerSecond) {
      return badRequest("rate must be a whole number between 1 and " + std::to_string(kAdminMaxEventsPerSecond));
    }
  }
  if (!typeError.empty()) return badRequest(std::move(typeError));
  return stream;
}

Result<FaultRequest> parseFaultRequest(std::string_view text) {
  static constexpr std::string_view kExample = R"({"action":"drop","peers":["n2"],"probability":1.0})";
  const auto parsed = parseObject(text, false, kExample);
  if (!parsed) return parsed.status();
  const boost::json::object& body = *parsed;
  const auto* actionValue = body.if_contains("action");
  if (!actionValue) return badRequest("field 'action' is missing (one of drop, delay, pause, heal)");
  if (!actionValue->is_string()) {
    return badRequest("field 'action' must be a string: one of drop, delay, pause, heal");
  }
  FaultRequest request;
  const std::string action(actionValue->as_string());
  std::vector<std::string_view> fields;  // the fields the action takes
  if (action == "drop") {
    request.action = FaultRequest::Action::kDrop;
    fields = {"action", "peers", "probability"};
  } else if (action == "delay") {
    request.action = FaultRequest::Action::kDelay;
    fields = {"action", "peers", "delay_ms"};
  } else if (action == "pause") {
    request.action = FaultRequest::Action::kPause;
    fields = {"action", "duration_ms"};
  } else if (action == "heal") {
    request.action = FaultRequest::Action::kHeal;
    fields = {"action"};
  } else {
    return badRequest("field 'action': '" + action + "' is not one of drop, delay, pause, heal");
  }
  for (const auto& [key, value] : body) {
    if (std::find(fields.begin(), fields.end(), std::string_view(key)) != fields.end()) continue;
    std::string takes;
    for (std::size_t i = 1; i < fields.size(); ++i) takes += (takes.empty() ? "" : ", ") + std::string(fields[i]);
    return badRequest("field '" + std::string(key) + "' is not used by action '" + action + "' (it takes " +
                      (takes.empty() ? std::string("no other field") : takes) + ")");
  }

  if (const auto* list = body.if_contains("peers"); list && !list->is_null()) {
    if (!list->is_array()) return badRequest("field 'peers' must be an array of node names such as [\"n2\"]");
    const auto& array = list->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string field = "peers[" + std::to_string(i) + "]";
      if (!array[i].is_string()) return badRequest("field '" + field + "' must be a node name such as \"n2\"");
      const std::string name(array[i].as_string());
      const NodeId peer = parseNodeName(name);
      if (peer == kNoNode) return badRequest("field '" + field + "': '" + name + "' is not a node name (n1, n2, ...)");
      request.peers.push_back(peer);
    }
  }
  switch (request.action) {
    case FaultRequest::Action::kHeal:
      return request;
    case FaultRequest::Action::kPause: {
      const auto* duration = body.if_contains("duration_ms");
      if (!duration) return badRequest("field 'duration_ms' is missing (1 to 60000 milliseconds)");
      const auto ms = wholeNumber(*duration, "duration_ms", 1, kAdminMaxPauseMs, "milliseconds");
      if (!ms) return ms.status();
      request.durationMs = *ms;
      return request;
    }
    case FaultRequest::Action::kDrop:
      if (const auto* p = body.if_contains("probability")) {
        if (!p->is_number() || !std::isfinite(p->to_number<double>()) || p->to_number<double>() < 0 ||
            p->to_number<double>() > 1) {
          return badRequest("field 'probability' must be a number between 0 and 1, not " +
                            boost::json::serialize(*p));
        }
        request.probability = p->to_number<double>();
      }
      break;
    case FaultRequest::Action::kDelay: {
      const auto* d = body.if_contains("delay_ms");
      if (!d) return badRequest("field 'delay_ms' is missing (0 to 10000 milliseconds)");
      const auto ms = wholeNumber(*d, "delay_ms", 0, kAdminMaxDelayMs, "milliseconds");
      if (!ms) return ms.status();
      request.delayMs = *ms;
      break;
    }
  }
  return request;
}

Status parseDecommissionRequest(std::string_view text) {
  const auto body = parseObject(text, true, "{}");
  if (!body) return body.status();
  if (!body->empty()) {
    return badRequest("field '" + std::string(body->begin()->key()) +
                      "' is not understood: POST /decommission takes no fields");
  }
  return Status::ok();
}

Result<HostPort> parseJoinRequest(std::string_view text) {
  const auto parsed = parseObject(text, false, R"({"peer":"127.0.0.1:7380"})");
  if (!parsed) return parsed.status();
  const boost::json::object& body = *parsed;
  for (const auto& [key, value] : body) {
    if (key != "peer") {
      return badRequest("field '" + std::string(key) + "' is not understood (POST /members takes peer)");
    }
  }
  const auto* peer = body.if_contains("peer");
  if (!peer) return badRequest("field 'peer' is missing: the host:port of another node's peer port");
  if (!peer->is_string()) return badRequest("field 'peer' must be a string host:port, such as \"127.0.0.1:7380\"");
  auto address = parseHostPort(std::string_view(peer->as_string()));
  if (!address) return badRequest("field 'peer': " + address.status().message());
  if (address->host.empty() || address->host.size() > 253 ||
      address->host.find_first_of(" \t\r\n/?#@") != std::string::npos) {
    return badRequest("field 'peer': '" + address->host + "' is not a host name or address");
  }
  return address;
}

Result<NodeId> parseRemoveMemberRequest(std::string_view text) {
  const auto parsed = parseObject(text, false, R"({"member":"n5"})");
  if (!parsed) return parsed.status();
  const boost::json::object& body = *parsed;
  for (const auto& [key, value] : body) {
    if (key != "member") {
      return badRequest("field '" + std::string(key) + "' is not understood (DELETE /members takes member)");
    }
  }
  const auto* member = body.if_contains("member");
  if (!member) return badRequest("field 'member' is missing: the name of a member, such as \"n5\"");
  if (!member->is_string()) return badRequest("field 'member' must be a node name such as \"n5\"");
  const std::string name(member->as_string());
  const NodeId node = parseNodeName(name);
  if (node == kNoNode) return badRequest("field 'member': '" + name + "' is not a node name (n1, n2, ...)");
  return node;
}

}  // namespace ringlab::net
