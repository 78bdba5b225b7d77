#include <ringlab/net/admin_server.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <deque>
#include <optional>
#include <set>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <ringlab/net/daemon.h>
#include <ringlab/net/descriptors.h>
#include <ringlab/net/log_limiter.h>
#include <ringlab/net/process_stats.h>
#include <ringlab/observe/event_json.h>
#include <ringlab/observe/prometheus_text.h>

#ifndef RINGLAB_NET_VERSION
#define RINGLAB_NET_VERSION "unknown"
#endif

namespace ringlab::net {
namespace {

namespace http = boost::beast::http;
using boost::asio::ip::tcp;
using ErrorCodeT = boost::system::error_code;

constexpr Duration kRequestTimeout = std::chrono::seconds(10);
constexpr Duration kWriteTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxQueuedLines = 10000;
constexpr std::size_t kMaxEventsPerSecond = 100000;
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::size_t kMaxBodyBytes = 64 * 1024;
constexpr std::int64_t kMaxDelayMs = 10000;
constexpr std::int64_t kMaxPauseMs = 60000;

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
  ErrorCodeT ec;
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

std::string formatProbability(double p) {
  char buffer[32];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, p);
  return std::string(buffer, ptr);
}

bool tokenMatches(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

// Sets (`active`) or removes one action's rule for `peers`. No peers means every peer: the rule for all (kNoNode)
// replaces the per-peer ones.
template <typename Value>
void setRule(std::map<NodeId, Value>& rules, const std::vector<NodeId>& peers, bool active, const Value& value) {
  if (peers.empty()) {
    rules.clear();
    if (active) rules[kNoNode] = value;
    return;
  }
  for (NodeId peer : peers) {
    if (active) {
      rules[peer] = value;
    } else {
      rules.erase(peer);
    }
  }
}

// The answer to a request that could not be read whole, when there is one to give: a body over the limit (413), a
// header over the limit (431) or malformed HTTP (400). nullopt when the client just went away or was too slow.
std::optional<AdminResponse> unreadableRequestResponse(const ErrorCodeT& ec) {
  std::string error;
  http::status status = http::status::bad_request;
  if (ec == http::error::body_limit) {
    status = http::status::payload_too_large;
    error = "the body is larger than " + std::to_string(kMaxBodyBytes / 1024) + " kB";
  } else if (ec == http::error::header_limit) {
    status = http::status::request_header_fields_too_large;
    error = "the request header is larger than " + std::to_string(kMaxHeaderBytes / 1024) + " kB";
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

}  // namespace

// One row of the routing table: a method on a path, and who serves it.
struct AdminServer::Route {
  std::string_view path;
  http::verb method;  // GET routes serve HEAD too
  bool open;          // served without the admin token: probes carry none, and they reveal nothing but readiness
  Handler handler;
};

// The request's target, parsed (Boost.URL); valid while the request is.
struct AdminServer::Query {
  const AdminRequest& request;
  boost::urls::url_view url;
  std::string path;  // percent-decoded
  // A query parameter, percent-decoded ("types=a%2Cb" is "a,b"); "" when absent or empty.
  std::string param(std::string_view name) const {
    const auto params = url.params();
    const auto it = params.find(boost::core::string_view(name.data(), name.size()));
    if (it == params.end()) return {};
    return std::string((*it).value);
  }
};

// Every endpoint, in the order the index lists them.
const AdminServer::Route AdminServer::kRoutes[] = {
    {"/", http::verb::get, false, &AdminServer::getIndex},
    {"/metrics", http::verb::get, false, &AdminServer::getMetrics},
    {"/cluster", http::verb::get, false, &AdminServer::getCluster},
    {"/events", http::verb::get, false, &AdminServer::getEvents},
    {"/fault", http::verb::get, false, &AdminServer::getFault},
    {"/fault", http::verb::post, false, &AdminServer::postFault},
    {"/decommission", http::verb::post, false, &AdminServer::postDecommission},
    {"/members", http::verb::post, false, &AdminServer::postMembers},
    {"/members", http::verb::delete_, false, &AdminServer::deleteMembers},
    {"/healthz", http::verb::get, true, &AdminServer::getHealthz},
    {"/readyz", http::verb::get, true, &AdminServer::getReadyz},
};

namespace {

// The methods a path serves, as the Allow header lists them ("GET, POST"). HEAD goes with GET and is not listed.
template <typename Routes>
std::string allowedMethods(const Routes& routes, std::string_view path) {
  std::string out;
  for (http::verb method : {http::verb::get, http::verb::post, http::verb::delete_}) {
    for (const auto& route : routes) {
      if (route.path == path && route.method == method) {
        out += (out.empty() ? "" : ", ") + std::string(http::to_string(method));
        break;
      }
    }
  }
  return out;
}

}  // namespace

AdminServer::AdminServer(Daemon& daemon) : m_daemon(daemon) {}
AdminServer::~AdminServer() { stop(); }

Status AdminServer::listen(const std::string& host, std::uint16_t port) {
  ErrorCodeT ec;
  const std::string where = host + ":" + std::to_string(port);
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return Status(ErrorCode::kInvalidArgument, "admin address " + where + ": not an IP address");
  auto acceptor = std::make_unique<tcp::acceptor>(m_daemon.runtime().loop().io());
  const tcp::endpoint endpoint(address, port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return Status(ErrorCode::kUnavailable, "cannot listen for admin requests on " + where + ": " + ec.message());
  m_port = acceptor->local_endpoint(ec).port();
  if (ec) return Status(ErrorCode::kUnavailable, "cannot read the bound admin port on " + where + ": " + ec.message());
  m_acceptor = std::move(acceptor);
  return Status::ok();
}

void AdminServer::start() {
  m_daemon.runtime().spawn(FiberRole::kSystem, "admin-accept", [this] { acceptLoop(); });
}

void AdminServer::stop() {
  if (m_stopping) return;
  m_stopping = true;
  ErrorCodeT ec;
  if (m_acceptor) m_acceptor->close(ec);
  for (auto& weak : m_sessions) {
    if (auto socket = weak.lock()) socket->close(ec);
  }
}

void AdminServer::acceptLoop() {
  while (!m_stopping) {
    auto socket = std::make_shared<Socket>(m_daemon.runtime().loop().io());
    auto [ec] = awaitHandler<ErrorCodeT>([&](auto handler) { m_acceptor->async_accept(*socket, std::move(handler)); });
    if (m_stopping) break;
    if (ec) {
      backOffAfterAcceptError(*m_acceptor, ec, "accepting an admin connection", m_daemon.runtime());
      continue;
    }
    const std::size_t cap = m_daemon.config().maxAdminConnections;
    if (m_openSessions >= cap) {
      // Refused before reading anything (so before any token check): a short answer if the socket takes it at
      // once, and the descriptor is free again.
      m_refusedSessions++;
      ErrorCodeT ignored;
      socket->non_blocking(true, ignored);
      static const std::string kBusy = [] {
        const std::string body =
            "{\"api_version\": 1, \"error\": \"too many admin connections are open; try again later\"}\n";
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
               "Content-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
      }();
      socket->write_some(boost::asio::buffer(kBusy), ignored);
      socket->close(ignored);
      logLimited(spdlog::level::warn, "admin-connections",
                 "admin: refused a connection: " + std::to_string(m_openSessions) +
                     " admin connections are open, the most allowed (--max-admin-connections)");
      continue;
    }
    m_sessions.erase(std::remove_if(m_sessions.begin(), m_sessions.end(), [](auto& w) { return w.expired(); }),
                     m_sessions.end());
    m_sessions.push_back(socket);
    ++m_openSessions;
    m_daemon.runtime().spawn(FiberRole::kSystem, "admin", [this, socket] {
      struct Leave {
        std::size_t& open;
        ~Leave() { --open; }
      } leave{m_openSessions};
      try {
        serve(socket);
      } catch (const std::exception& e) {
        logLimited(spdlog::level::warn, "admin-session", std::string("admin session failed: ") + e.what());
      }
      ErrorCodeT ignored;
      socket->close(ignored);
    });
  }
}

// The session: read a request, write handle()'s answer, until the client closes, asks to close, or stalls.
void AdminServer::serve(std::shared_ptr<Socket> socket) {
  auto& io = m_daemon.runtime().loop().io();
  boost::beast::flat_buffer buffer(64 * 1024);
  auto write = [&](AdminResponse& response) {
    OperationDeadline deadline(io, *socket, kWriteTimeout);
    auto [ec, written] = awaitHandler<ErrorCodeT, std::size_t>(
        [&](auto handler) { http::async_write(*socket, response, std::move(handler)); });
    return ec;
  };
  while (!m_stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(kMaxBodyBytes);
    ErrorCodeT ec;
    {
      OperationDeadline deadline(io, *socket, kRequestTimeout);
      std::tie(ec, std::ignore) = awaitHandler<ErrorCodeT, std::size_t>(
          [&](auto handler) { http::async_read_header(*socket, buffer, parser, std::move(handler)); });
      if (!ec && !parser.is_done()) {
        // curl asks before sending a larger body; answer at once rather than make it wait a second.
        if (auto expect = parser.get().find(http::field::expect);
            expect != parser.get().end() && boost::beast::iequals(expect->value(), "100-continue")) {
          static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          std::tie(ec, std::ignore) = awaitHandler<ErrorCodeT, std::size_t>([&](auto handler) {
            boost::asio::async_write(*socket, boost::asio::buffer(kContinue), std::move(handler));
          });
        }
        if (!ec) {
          std::tie(ec, std::ignore) = awaitHandler<ErrorCodeT, std::size_t>(
              [&](auto handler) { http::async_read(*socket, buffer, parser, std::move(handler)); });
        }
      }
    }
    if (ec) {
      // A request that cannot be read whole gets an answer when there is one to give, and the connection closes.
      if (auto response = unreadableRequestResponse(ec); response && !write(*response)) lingerAndClose(*socket);
      return;
    }
    AdminReply reply = handle(parser.get());
    if (reply.events) return streamEvents(*socket, *reply.events);
    ec = write(reply.response);
    const bool again = !ec && reply.response.keep_alive();
    if (!again) {
      // Closed now, not when the fiber ends: a client reading to the end of the connection has its answer before
      // a pause begins.
      ErrorCodeT ignored;
      socket->shutdown(tcp::socket::shutdown_send, ignored);
      socket->close(ignored);
    }
    // The answer is on its way (in the kernel's buffer) before the node stops moving.
    if (reply.pauseAfterReply) m_daemon.pause(*reply.pauseAfterReply);
    if (!again) return;
  }
}

AdminReply AdminServer::handle(const AdminRequest& request) {
  AdminReply reply;
  AdminResponse& response = reply.response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::server, "ringlabd");
  const bool head = request.method() == http::verb::head;
  const http::verb method = head ? http::verb::get : request.method();
  const auto target = request.target();
  const auto url = boost::urls::parse_origin_form(boost::core::string_view(target.data(), target.size()));
  if (!url) {
    setError(response, 400,
             "malformed request target '" + std::string(target) + "': " + url.error().message() +
                 " (expected a path such as /events?types=hint)");
  } else {
    const Query query{request, *url, std::string(url->path())};
    const Route* route = nullptr;
    const Route* anyMethod = nullptr;
    for (const Route& r : kRoutes) {
      if (r.path != query.path) continue;
      anyMethod = &r;
      if (r.method == method) route = &r;
    }
    const std::string& token = m_daemon.config().adminToken;
    std::string given;
    if (auto it = request.find(http::field::authorization); it != request.end()) {
      // The scheme is case-insensitive (RFC 9110, section 11.1): "bearer" and "BEARER" are "Bearer".
      std::string_view value = it->value();
      if (value.size() > 7 && boost::beast::iequals(value.substr(0, 6), "Bearer") &&
          (value[6] == ' ' || value[6] == '\t')) {
        value.remove_prefix(7);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
        given = std::string(value);
      }
    }
    if (!(anyMethod && anyMethod->open) && !token.empty() && !tokenMatches(given, token)) {
      setError(response, 401, "missing or wrong admin token (send Authorization: Bearer ...)");
      response.set(http::field::www_authenticate, "Bearer");
    } else if (!anyMethod) {
      setError(response, 404, "no such endpoint: " + query.path);
    } else if (!route) {
      const std::string allowed = allowedMethods(kRoutes, query.path);
      response.set(http::field::allow, allowed);
      setError(response, 405,
               std::string(request.method_string()) + " " + query.path + " is not supported: " + query.path +
                   " allows " + allowed);
    } else {
      (this->*route->handler)(query, reply);
    }
  }
  if (reply.events && head) reply.events.reset();  // the stream's headers only
  if (reply.events) return reply;
  response.prepare_payload();
  if (head) {
    // The headers GET would send, Content-Length included, and no body.
    const std::size_t length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return reply;
}

void AdminServer::setJson(AdminResponse& response, unsigned status, const boost::json::value& body) {
  response.result(status);
  response.set(http::field::content_type, "application/json");
  response.body() = boost::json::serialize(body) + "\n";
}

void AdminServer::setError(AdminResponse& response, unsigned status, const std::string& message) {
  setJson(response, status, boost::json::object{{"api_version", kAdminApiVersion}, {"error", message}});
}

void AdminServer::getIndex(const Query&, AdminReply& reply) {
  boost::json::array endpoints;
  boost::json::object methods;
  for (const Route& route : kRoutes) {
    if (route.path == "/") continue;
    if (!methods.contains(route.path)) {
      endpoints.emplace_back(route.path);
      methods[route.path] = boost::json::array{};
    }
    methods[route.path].as_array().emplace_back(http::to_string(route.method));
  }
  setJson(reply.response, 200,
          {{"api_version", kAdminApiVersion},
           {"node", m_daemon.config().nodeName},
           {"endpoints", std::move(endpoints)},
           {"methods", std::move(methods)}});
}

void AdminServer::getHealthz(const Query&, AdminReply& reply) {
  setJson(reply.response, 200,
          {{"api_version", kAdminApiVersion}, {"node", m_daemon.config().nodeName}, {"status", "serving"}});
}

void AdminServer::getReadyz(const Query&, AdminReply& reply) {
  const Status ready = m_daemon.readiness();
  boost::json::object body{{"api_version", kAdminApiVersion}, {"node", m_daemon.config().nodeName}};
  body["ready"] = ready.isOk();
  if (!ready.isOk()) body["reason"] = ready.message();
  setJson(reply.response, ready.isOk() ? 200 : 503, body);
}

void AdminServer::getMetrics(const Query&, AdminReply& reply) {
  reply.response.result(http::status::ok);
  reply.response.set(http::field::content_type, kMetricsContentType);
  reply.response.body() = metricsText();
}

void AdminServer::getCluster(const Query&, AdminReply& reply) {
  reply.response.result(http::status::ok);
  reply.response.set(http::field::content_type, "application/json");
  reply.response.body() = clusterJson();
}

void AdminServer::getEvents(const Query& query, AdminReply& reply) {
  // Which event types, and how many per second at most.
  EventStreamRequest stream;
  stream.mask = kAllEvents & ~maskOf(EventType::kFiberSlice);
  const std::string types = query.param("types");
  std::string error;
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
      if (!known && error.empty()) error = "unknown event type '" + std::string(name) + "'";
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  stream.rate = m_daemon.config().eventsPerSecond;
  if (const std::string text = query.param("rate"); !text.empty()) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), stream.rate);
    if (ec != std::errc() || ptr != text.data() + text.size() || stream.rate == 0 ||
        stream.rate > kMaxEventsPerSecond) {
      error = "rate must be a whole number between 1 and " + std::to_string(kMaxEventsPerSecond);
    }
  }
  if (!error.empty()) {
    setError(reply.response, 400, error);
    reply.response.keep_alive(false);
    return;
  }
  // The headers of the stream; its body is written by the session, ended by closing the connection.
  reply.response.result(http::status::ok);
  reply.response.set(http::field::content_type, "application/x-ndjson");
  reply.response.set(http::field::cache_control, "no-store");
  reply.response.keep_alive(false);
  reply.events = stream;
}

void AdminServer::getFault(const Query&, AdminReply& reply) { setJson(reply.response, 200, faultJson()); }

void AdminServer::postFault(const Query& query, AdminReply& reply) {
  const DaemonConfig& config = m_daemon.config();
  if (!config.allowFaultInjection) {
    setError(reply.response, 403,
             "fault injection is off on " + config.nodeName + ": start ringlabd with --allow-fault-injection");
    return;
  }
  const auto applied = applyFault(query.request.body());
  if (!applied) {
    setError(reply.response, 400, applied.status().message());
  } else if (*applied) {
    reply.pauseAfterReply = *applied;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(**applied).count();
    const std::int64_t untilMs = m_daemon.runtime().wallClockMicros() / 1000 + ms;
    setJson(reply.response, 202,
            {{"api_version", kAdminApiVersion},
             {"node", config.nodeName},
             {"action", "pause"},
             {"duration_ms", ms},
             {"until_ms", untilMs}});
  } else {
    setJson(reply.response, 200, faultJson());
  }
}

void AdminServer::postDecommission(const Query& query, AdminReply& reply) {
  const auto body = parseObject(query.request.body(), true, "{}");
  if (!body) {
    setError(reply.response, 400, body.status().message());
  } else if (!body->empty()) {
    setError(reply.response, 400,
             "field '" + std::string(body->begin()->key()) + "' is not understood: POST /decommission takes no fields");
  } else if (Status s = m_daemon.decommission(); !s.isOk()) {
    setError(reply.response, 409, s.message());
  } else {
    setJson(reply.response, 202,
            {{"api_version", kAdminApiVersion}, {"node", m_daemon.config().nodeName}, {"status", "leaving"}});
  }
}

void AdminServer::postMembers(const Query& query, AdminReply& reply) {
  if (auto peer = dialMember(query.request.body()); !peer) {
    setError(reply.response, 400, peer.status().message());
  } else {
    setJson(reply.response, 202,
            {{"api_version", kAdminApiVersion},
             {"node", m_daemon.config().nodeName},
             {"peer", *peer},
             {"status", "connecting"}});
  }
}

void AdminServer::deleteMembers(const Query& query, AdminReply& reply) {
  const auto parsed = parseObject(query.request.body(), false, R"({"member":"n5"})");
  if (!parsed) return setError(reply.response, 400, parsed.status().message());
  const boost::json::object& body = *parsed;
  for (const auto& [key, value] : body) {
    if (key != "member") {
      return setError(reply.response, 400,
                      "field '" + std::string(key) + "' is not understood (DELETE /members takes member)");
    }
  }
  const auto* member = body.if_contains("member");
  if (!member) return setError(reply.response, 400, "field 'member' is missing: the name of a member, such as \"n5\"");
  if (!member->is_string()) return setError(reply.response, 400, "field 'member' must be a node name such as \"n5\"");
  const std::string name(member->as_string());
  const NodeId node = parseNodeName(name);
  if (node == kNoNode) {
    return setError(reply.response, 400, "field 'member': '" + name + "' is not a node name (n1, n2, ...)");
  }
  if (Status s = m_daemon.removeMember(node); !s.isOk()) {
    return setError(reply.response, s.code() == ErrorCode::kNotFound ? 404 : 400, "field 'member': " + s.message());
  }
  setJson(reply.response, 202,
          {{"api_version", kAdminApiVersion},
           {"node", m_daemon.config().nodeName},
           {"member", nodeName(node)},
           {"status", "left"}});
}

void AdminServer::lingerAndClose(Socket& socket) {
  // The client may still be sending (a body over the limit): closing with unread bytes would reset the connection
  // and could destroy the answer before the client reads it. Stop sending, take what comes for a moment, then close.
  ErrorCodeT ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 16 * 1024> sink;
  OperationDeadline linger(m_daemon.runtime().loop().io(), socket, std::chrono::seconds(1));
  for (std::size_t drained = 0; drained < (std::size_t{4} << 20);) {
    auto [rec, n] = awaitHandler<ErrorCodeT, std::size_t>(
        [&](auto handler) { socket.async_read_some(boost::asio::buffer(sink), std::move(handler)); });
    if (rec) break;
    drained += n;
  }
  socket.close(ec);
}

Result<std::optional<Duration>> AdminServer::applyFault(const std::string& text) {
  static constexpr std::string_view kExample = R"({"action":"drop","peers":["n2"],"probability":1.0})";
  const auto parsed = parseObject(text, false, kExample);
  if (!parsed) return parsed.status();
  const boost::json::object& body = *parsed;
  const auto* actionValue = body.if_contains("action");
  if (!actionValue) return badRequest("field 'action' is missing (one of drop, delay, pause, heal)");
  if (!actionValue->is_string()) {
    return badRequest("field 'action' must be a string: one of drop, delay, pause, heal");
  }
  const std::string action(actionValue->as_string());
  std::vector<std::string_view> fields;  // the fields the action takes
  if (action == "drop") {
    fields = {"action", "peers", "probability"};
  } else if (action == "delay") {
    fields = {"action", "peers", "delay_ms"};
  } else if (action == "pause") {
    fields = {"action", "duration_ms"};
  } else if (action == "heal") {
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

  if (action == "pause") {
    const auto* duration = body.if_contains("duration_ms");
    if (!duration) return badRequest("field 'duration_ms' is missing (1 to 60000 milliseconds)");
    const auto ms = wholeNumber(*duration, "duration_ms", 1, kMaxPauseMs, "milliseconds");
    if (!ms) return ms.status();
    return std::optional<Duration>(std::chrono::milliseconds(*ms));
  }
  PeerTransport& transport = m_daemon.transport();
  if (action == "heal") {
    m_daemon.setFaultRules({}, "heal: every drop and delay rule cleared");
    return std::optional<Duration>();
  }

  // The peers named, or every peer (kNoNode).
  const NodeId self = m_daemon.nodeId();
  std::set<NodeId> known;
  for (NodeId member : m_daemon.node().membership().members()) known.insert(member);
  for (const MemberAddress& address : m_daemon.addressBook()) known.insert(address.node);
  known.erase(self);
  std::vector<NodeId> peers;
  std::string peerNames;
  if (const auto* list = body.if_contains("peers"); list && !list->is_null()) {
    if (!list->is_array()) return badRequest("field 'peers' must be an array of node names such as [\"n2\"]");
    const auto& array = list->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const std::string field = "peers[" + std::to_string(i) + "]";
      if (!array[i].is_string()) return badRequest("field '" + field + "' must be a node name such as \"n2\"");
      const std::string name(array[i].as_string());
      const NodeId peer = parseNodeName(name);
      if (peer == kNoNode) return badRequest("field '" + field + "': '" + name + "' is not a node name (n1, n2, ...)");
      if (peer == self) return badRequest("field '" + field + "': " + name + " is this node");
      if (!known.count(peer)) {
        std::string names;
        for (NodeId k : known) names += (names.empty() ? "" : ", ") + nodeName(k);
        return badRequest("field '" + field + "': " + name + " is not a known peer of " + m_daemon.config().nodeName +
                          " (known: " + (names.empty() ? std::string("none") : names) + ")");
      }
      if (std::find(peers.begin(), peers.end(), peer) == peers.end()) {
        peers.push_back(peer);
        peerNames += (peerNames.empty() ? "" : ",") + name;
      }
    }
  }
  if (peers.empty()) peerNames = "every peer";

  PeerFaultRules rules = transport.faultRules();
  std::string description;
  if (action == "drop") {
    double probability = 1.0;
    if (const auto* p = body.if_contains("probability")) {
      if (!p->is_number() || p->to_number<double>() < 0 || p->to_number<double>() > 1 ||
          !std::isfinite(p->to_number<double>())) {
        return badRequest("field 'probability' must be a number between 0 and 1, not " + boost::json::serialize(*p));
      }
      probability = p->to_number<double>();
    }
    setRule(rules.drop, peers, probability > 0, probability);
    description = probability > 0
                      ? "drop messages to " + peerNames + " with probability " + formatProbability(probability)
                      : "stop dropping messages to " + peerNames;
  } else {
    const auto* d = body.if_contains("delay_ms");
    if (!d) return badRequest("field 'delay_ms' is missing (0 to 10000 milliseconds)");
    const auto checked = wholeNumber(*d, "delay_ms", 0, kMaxDelayMs, "milliseconds");
    if (!checked) return checked.status();
    const std::int64_t ms = *checked;
    const Duration delay = std::chrono::milliseconds(ms);
    setRule(rules.delay, peers, ms > 0, delay);
    description = ms > 0 ? "delay messages to " + peerNames + " by " + std::to_string(ms) + " ms"
                         : "stop delaying messages to " + peerNames;
  }
  m_daemon.setFaultRules(std::move(rules), description);
  return std::optional<Duration>();
}

Result<std::string> AdminServer::dialMember(const std::string& text) {
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
  const std::string given(peer->as_string());
  auto address = parseHostPort(given);
  if (!address) return badRequest("field 'peer': " + address.status().message());
  if (address->host.empty() || address->host.size() > 253 ||
      address->host.find_first_of(" \t\r\n/?#@") != std::string::npos) {
    return badRequest("field 'peer': '" + address->host + "' is not a host name or address");
  }
  const DaemonConfig& config = m_daemon.config();
  if (address->port == config.peerPort) {
    bool own = address->host == config.advertiseHost || address->host == config.bindHost;
    ErrorCodeT ec, bindEc;
    const auto ip = boost::asio::ip::make_address(address->host, ec);
    const auto bound = boost::asio::ip::make_address(config.bindHost, bindEc);
    const bool listensOnLoopback = !bindEc && (bound.is_loopback() || bound.is_unspecified());
    if (listensOnLoopback && (address->host == "localhost" || (!ec && ip.is_loopback()))) own = true;
    if (own) return badRequest("field 'peer': " + given + " is this node's own peer port");
  }
  const std::string shown = address->host.find(':') != std::string::npos
                                ? "[" + address->host + "]:" + std::to_string(address->port)
                                : address->toString();
  spdlog::info("admin: joining through {}", shown);
  m_daemon.transport().dial(*address);
  return shown;
}

boost::json::array AdminServer::faultRulesJson() {
  const PeerFaultRules& rules = m_daemon.transport().faultRules();
  boost::json::array out;
  auto peer = [](NodeId node) { return node == kNoNode ? std::string("*") : nodeName(node); };
  // Every peer ("*") first, then by peer; drops before delays.
  auto ordered = [](const auto& map) {
    std::vector<NodeId> keys;
    if (map.count(kNoNode)) keys.push_back(kNoNode);
    for (const auto& [node, value] : map) {
      if (node != kNoNode) keys.push_back(node);
    }
    return keys;
  };
  for (NodeId node : ordered(rules.drop)) {
    out.push_back(boost::json::object{{"action", "drop"}, {"peer", peer(node)}, {"probability", rules.drop.at(node)}});
  }
  for (NodeId node : ordered(rules.delay)) {
    out.push_back(boost::json::object{
        {"action", "delay"},
        {"peer", peer(node)},
        {"delay_ms", std::chrono::duration_cast<std::chrono::milliseconds>(rules.delay.at(node)).count()}});
  }
  return out;
}

boost::json::object AdminServer::faultJson() {
  return {{"api_version", kAdminApiVersion},
          {"node", m_daemon.config().nodeName},
          {"allowed", m_daemon.config().allowFaultInjection},
          {"rules", faultRulesJson()}};
}

// The body of GET /events, after its headers: the sampled events as they happen, until the client goes away.
void AdminServer::streamEvents(Socket& socket, const EventStreamRequest& request) {
  auto& io = m_daemon.runtime().loop().io();
  auto& bus = m_daemon.runtime().events();
  struct Stream {
    std::deque<std::string> lines;
    double tokens = 0;
    double rate = 0;
    TimePoint refilled;
    std::uint64_t dropped = 0;
    bool reportDue = false;  // set once a second: time to say how many events were left out
    bool closed = false;
    boost::fibers::mutex mutex;
    boost::fibers::condition_variable wake;
  };
  auto stream = std::make_shared<Stream>();
  stream->rate = static_cast<double>(request.rate);
  stream->tokens = stream->rate;
  stream->refilled = m_daemon.runtime().now();
  auto& runtime = m_daemon.runtime();
  const auto subscription = bus.subscribe(request.mask, [stream, &runtime](const Event& event) {
    const TimePoint now = runtime.now();
    stream->tokens = std::min(
        stream->rate, stream->tokens + stream->rate * std::chrono::duration<double>(now - stream->refilled).count());
    stream->refilled = now;
    if (stream->tokens < 1 || stream->lines.size() >= kMaxQueuedLines) {
      stream->dropped++;
      return;
    }
    stream->tokens -= 1;
    stream->lines.push_back(eventToJsonLine(event));
    stream->wake.notify_one();
  });
  struct Unsubscribe {
    EventBus& bus;
    EventBus::SubscriptionId id;
    ~Unsubscribe() { bus.unsubscribe(id); }
  } unsubscribe{bus, subscription};

  // The header: the body is the stream, ended by closing the connection.
  std::string header =
      "HTTP/1.1 200 OK\r\nServer: ringlabd\r\nContent-Type: application/x-ndjson\r\n"
      "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  header += boost::json::serialize(boost::json::object{{"type", "hello"},
                                                       {"api_version", kAdminApiVersion},
                                                       {"node", m_daemon.config().nodeName},
                                                       {"rate", request.rate}}) +
            "\n";
  ErrorCodeT ec;
  {
    OperationDeadline deadline(io, socket, kWriteTimeout);
    std::tie(ec, std::ignore) = awaitHandler<ErrorCodeT, std::size_t>(
        [&](auto handler) { boost::asio::async_write(socket, boost::asio::buffer(header), std::move(handler)); });
  }
  if (ec) return;
  // Notice the client going away: any read completion means it closed (or sent what it should not).
  auto scratch = std::make_shared<std::array<char, 256>>();
  socket.async_read_some(boost::asio::buffer(*scratch), [stream, scratch](const ErrorCodeT&, std::size_t) {
    stream->closed = true;
    stream->wake.notify_one();
  });
  // Once a second, report how many events sampling left out.
  auto ticker = std::make_shared<boost::asio::steady_timer>(io);
  std::function<void()> tick;
  auto tickAlive = std::make_shared<bool>(true);
  tick = [ticker, stream, tickAlive, &tick] {
    ticker->expires_after(std::chrono::seconds(1));
    ticker->async_wait([stream, tickAlive, &tick](const ErrorCodeT& e) {
      if (e || !*tickAlive) return;
      stream->reportDue = true;
      if (stream->dropped > 0) stream->wake.notify_one();
      tick();
    });
  };
  tick();
  struct StopTicker {
    std::shared_ptr<bool> alive;
    std::shared_ptr<boost::asio::steady_timer> timer;
    ~StopTicker() {
      *alive = false;
      timer->cancel();
    }
  } stopTicker{tickAlive, ticker};

  std::string out;
  while (!m_stopping) {
    {
      std::unique_lock lock(stream->mutex);
      while (!stream->closed && !m_stopping && stream->lines.empty() && !(stream->reportDue && stream->dropped > 0)) {
        stream->wake.wait(lock);
      }
    }
    if (stream->closed || m_stopping) return;
    out.clear();
    if (stream->reportDue && stream->dropped > 0) {
      out += boost::json::serialize(boost::json::object{{"type", "sampled"}, {"dropped", stream->dropped}}) + "\n";
      stream->dropped = 0;
      stream->reportDue = false;
    }
    while (!stream->lines.empty()) {
      out += stream->lines.front();
      out += '\n';
      stream->lines.pop_front();
    }
    OperationDeadline deadline(io, socket, kWriteTimeout);
    std::tie(ec, std::ignore) = awaitHandler<ErrorCodeT, std::size_t>(
        [&](auto handler) { boost::asio::async_write(socket, boost::asio::buffer(out), std::move(handler)); });
    if (ec) return;
  }
}

std::string AdminServer::metricsText() {
  Node& node = m_daemon.node();
  const DaemonMetrics& metrics = m_daemon.metrics();
  PrometheusWriter out(PrometheusWriter::Labels{{"node", m_daemon.config().nodeName}});
  using Labels = PrometheusWriter::Labels;
  auto count = [](auto value) { return static_cast<double>(value); };
  auto opLabel = [](std::size_t op) { return std::string(operationName(static_cast<Operation>(op))); };

  out.family("ringlab_up", "gauge", "1 while the node serves.");
  out.sample({}, 1);
  out.family("ringlab_build_info", "gauge", "Always 1; the labels say which build of ringlabd this is.");
  out.sample({{"version", RINGLAB_NET_VERSION}, {"api_version", std::to_string(kAdminApiVersion)}}, 1);
  out.family("ringlab_commands_total", "counter", "Client commands processed, by command.");
  for (const auto& [command, n] : metrics.commandCounts) out.sample({{"command", command}}, count(n));
  out.family("ringlab_connected_clients", "gauge", "Client connections open now.");
  out.sample({}, count(metrics.connectedClients));
  out.family("ringlab_protocol_errors_total", "counter", "Client connections closed for protocol errors.");
  out.sample({}, count(metrics.protocolErrors));
  out.family("ringlab_client_output_bytes", "gauge", "Replies waiting to be written to clients, all clients together.");
  out.sample({}, count(metrics.clientOutputBytes));
  out.family("ringlab_client_input_bytes", "gauge",
             "Parts of client commands received and not yet whole, all clients together.");
  out.sample({}, count(metrics.clientInputBytes));
  out.family("ringlab_clients_disconnected_total", "counter", "Client connections closed by a limit, by limit.");
  for (std::size_t limit = 0; limit < kClientLimitCount; ++limit) {
    out.sample({{"reason", std::string(clientLimitName(static_cast<ClientLimit>(limit)))}},
               count(metrics.clientsDisconnected[limit]));
  }
  out.family("ringlab_operation_duration_seconds", "histogram", "Coordinated operations, from start to quorum, by op.");
  for (std::size_t op = 0; op < metrics.opLatency.size(); ++op) {
    const LatencyHistogram& h = metrics.opLatency[op];
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < LatencyHistogram::kBounds.size(); ++b) {
      cumulative += h.counts[b];
      out.sample("_bucket", {{"op", opLabel(op)}, {"le", PrometheusWriter::formatValue(LatencyHistogram::kBounds[b])}},
                 count(cumulative));
    }
    out.sample("_bucket", {{"op", opLabel(op)}, {"le", "+Inf"}}, count(h.total));
    out.sample("_sum", {{"op", opLabel(op)}}, h.sum);
    out.sample("_count", {{"op", opLabel(op)}}, count(h.total));
  }
  out.family("ringlab_operation_errors_total", "counter",
             "Coordinated operations that failed, by op and reason (timeout, unavailable, rejected, cancelled, "
             "other).");
  for (std::size_t op = 0; op < metrics.opErrors.size(); ++op) {
    for (std::size_t r = 0; r < kOperationErrorReasonCount; ++r) {
      out.sample(Labels{{"op", opLabel(op)},
                        {"reason", std::string(operationErrorReasonName(static_cast<OperationErrorReason>(r)))}},
                 count(metrics.opErrors[op][r]));
    }
  }
  const PeerTransportStats& peers = m_daemon.transport().stats();
  auto kindLabel = [](std::size_t k) {
    return Labels{{"kind", std::string(messageKindName(static_cast<MessageKind>(k)))}};
  };
  out.family("ringlab_messages_sent_total", "counter", "Peer messages sent, by kind.");
  for (std::size_t k = 1; k < kMessageKindCount; ++k) out.sample(kindLabel(k), count(peers.sentByKind[k]));
  out.family("ringlab_messages_received_total", "counter", "Peer messages received, by kind.");
  for (std::size_t k = 1; k < kMessageKindCount; ++k) out.sample(kindLabel(k), count(peers.receivedByKind[k]));
  out.family("ringlab_messages_dropped_total", "counter",
             "Peer messages not sent (peer unreachable, queue full, or an injected drop).");
  out.sample({}, count(peers.dropped));
  out.family("ringlab_fault_messages_total", "counter",
             "Peer messages dropped or delayed by injected faults (POST /fault), by action and peer.");
  for (const auto& [peer, n] : peers.faultDropped) {
    out.sample({{"action", "drop"}, {"peer", nodeName(peer)}}, count(n));
  }
  for (const auto& [peer, n] : peers.faultDelayed) {
    out.sample({{"action", "delay"}, {"peer", nodeName(peer)}}, count(n));
  }
  out.family("ringlab_peer_bytes_total", "counter", "Peer protocol bytes, by direction.");
  out.sample({{"direction", "sent"}}, count(peers.bytesSent));
  out.sample({{"direction", "received"}}, count(peers.bytesReceived));
  out.family("ringlab_peer_handshakes_refused_total", "counter", "Peer handshakes refused (cluster name or secret).");
  out.sample({}, count(peers.handshakesRefused));
  out.family("ringlab_peer_frames_rejected_total", "counter", "Inbound peer frames that failed the codec.");
  out.sample({}, count(peers.framesRejected));
  const HintStats& hints = node.hints().stats();
  out.family("ringlab_hints_pending", "gauge", "Hinted writes held for other replicas.");
  out.sample({}, count(hints.pending));
  out.family("ringlab_hints_total", "counter", "Hints by what happened to them.");
  out.sample({{"action", "stored"}}, count(hints.stored));
  out.sample({{"action", "replayed"}}, count(hints.replayed));
  out.sample({{"action", "dropped"}}, count(hints.dropped));
  const NodeStats& stats = node.stats();
  out.family("ringlab_read_repairs_total", "counter", "Read repairs sent.");
  out.sample({}, count(stats.readRepairsSent));
  out.family("ringlab_anti_entropy_exchanges_total", "counter", "Merkle exchanges this node started.");
  out.sample({}, count(stats.antiEntropyExchanges));
  out.family("ringlab_anti_entropy_keys_repaired_total", "counter", "Records applied here by anti-entropy.");
  out.sample({}, count(stats.antiEntropyKeysRepaired));
  out.family("ringlab_tombstones_purged_total", "counter", "Tombstones dropped after --tombstone-grace.");
  out.sample({}, count(stats.tombstonesPurged));
  out.family("ringlab_replica_writes_total", "counter", "Writes served as a replica.");
  out.sample({}, count(stats.replicaWrites));
  out.family("ringlab_replica_reads_total", "counter", "Reads served as a replica.");
  out.sample({}, count(stats.replicaReads));
  const OwnershipStats ownership = node.ring().ownership(m_daemon.config().quorum.n);
  out.family("ringlab_ring_ownership", "gauge", "Share of the token space each member replicates (N replicas).");
  for (const NodeOwnership& owned : ownership.nodes) {
    if (owned.tokens == 0) continue;
    out.sample({{"member", nodeName(owned.node)}}, owned.replicatedShare);
  }
  out.family("ringlab_ring_members", "gauge", "Members in this node's ring.");
  out.sample({}, count(node.ring().nodes().size()));
  // One family after the other: the format requires each family's samples to be one group.
  std::vector<NodeId> others;
  for (NodeId peer : node.ring().nodes()) {
    if (peer != m_daemon.nodeId()) others.push_back(peer);
  }
  out.family("ringlab_peer_phi", "gauge", "Phi-accrual suspicion of each peer.");
  for (NodeId peer : others) out.sample({{"peer", nodeName(peer)}}, node.peerPhi(peer));
  out.family("ringlab_peer_up", "gauge", "1 when the failure detector considers the peer up.");
  for (NodeId peer : others) {
    out.sample({{"peer", nodeName(peer)}}, node.peerState(peer) == NodeState::kUp ? 1 : 0);
  }
  const StorageStats storage = m_daemon.storage().stats();
  out.family("ringlab_storage_records", "gauge", "Records stored on this node (live and tombstones).");
  out.sample({}, count(storage.records));
  out.family("ringlab_storage_tombstones", "gauge", "Tombstones stored on this node.");
  out.sample({}, count(storage.tombstones));
  out.family("ringlab_storage_bytes", "gauge", "Bytes of keys and records stored.");
  out.sample({}, count(storage.bytes));
  out.family("ringlab_storage_sibling_keys", "gauge", "Keys holding more than one sibling (conflicts: siblings).");
  out.sample({}, count(storage.siblingKeys));
  // The standard process metrics of Prometheus's client libraries, where /proc tells them.
  if (const auto process = readProcessStats()) {
    out.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
    out.sample({}, process->cpuSeconds);
    out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    out.sample({}, count(process->residentBytes));
    out.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
    out.sample({}, process->startTimeSeconds);
  }
  return out.take();
}

std::string AdminServer::clusterJson() {
  Node& node = m_daemon.node();
  const DaemonConfig& config = m_daemon.config();
  boost::json::object root;
  root["api_version"] = kAdminApiVersion;
  root["cluster"] = config.cluster;
  root["node"] = config.nodeName;
  root["generation"] = m_daemon.generation();
  root["ring_version"] = m_daemon.ringVersion();
  root["quorum"] = {{"n", config.quorum.n}, {"r", config.quorum.r}, {"w", config.quorum.w}};
  root["vnodes_per_node"] = config.vnodes;
  root["fault_injection"] = config.allowFaultInjection;
  std::map<NodeId, MemberAddress> addresses;
  for (const MemberAddress& a : m_daemon.addressBook()) addresses[a.node] = a;
  std::map<NodeId, boost::json::array> tokens;
  for (const RingEntry& entry : node.ring().entries()) tokens[entry.node].emplace_back(std::to_string(entry.token));
  boost::json::array members;
  for (NodeId member : node.membership().members()) {
    boost::json::object m;
    m["id"] = nodeName(member);
    const auto info = node.membership().member(member);
    if (info) {
      static constexpr const char* kStatus[] = {"normal", "joining", "leaving", "left"};
      m["status"] = kStatus[static_cast<int>(info->status) & 3];
      m["generation"] = info->generation;
      m["heartbeat"] = info->heartbeat;
    }
    m["state"] = nodeStateName(node.peerState(member));
    m["phi"] = node.peerPhi(member);
    if (auto a = addresses.find(member); a != addresses.end()) {
      m["host"] = a->second.host;
      m["peer_port"] = a->second.peerPort;
      m["client_port"] = a->second.clientPort;
      m["admin_port"] = a->second.adminPort;
    }
    m["in_ring"] = node.ring().contains(member);
    m["tokens"] = tokens.count(member) ? tokens[member] : boost::json::array{};
    members.push_back(std::move(m));
  }
  root["members"] = std::move(members);
  root["faults"] = faultRulesJson();
  if (const DecommissionProgress& d = m_daemon.decommissionProgress(); d.started) {
    root["decommission"] = {{"ranges_total", d.rangesTotal},
                            {"ranges_done", d.rangesDone},
                            {"ranges_failed", d.rangesFailed},
                            {"records", d.records},
                            {"finished", d.finished}};
  }
  return boost::json::serialize(root) + "\n";
}

}  // namespace ringlab::net
