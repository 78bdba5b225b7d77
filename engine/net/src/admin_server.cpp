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

#include <ringlab/net/admin_request.h>
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

// A request the node cannot act on; the message names the field.
Status invalid(std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); }

std::string formatProbability(double p) {
  char buffer[32];
  auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof buffer, p);
  return std::string(buffer, ptr);
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

}  // namespace

// The request's target, parsed (Boost.URL); valid while the request is.
struct AdminServer::Query {
  const AdminRequest& request;
  boost::urls::url_view url;
  std::string path;  // percent-decoded
  // A query parameter, percent-decoded; "" when absent or empty.
  std::string param(std::string_view name) const { return queryParameter(url, name); }
};

AdminServer::Handler AdminServer::handlerOf(AdminEndpoint endpoint) {
  switch (endpoint) {
    case AdminEndpoint::kIndex: return &AdminServer::getIndex;
    case AdminEndpoint::kMetrics: return &AdminServer::getMetrics;
    case AdminEndpoint::kCluster: return &AdminServer::getCluster;
    case AdminEndpoint::kEvents: return &AdminServer::getEvents;
    case AdminEndpoint::kGetFault: return &AdminServer::getFault;
    case AdminEndpoint::kPostFault: return &AdminServer::postFault;
    case AdminEndpoint::kDecommission: return &AdminServer::postDecommission;
    case AdminEndpoint::kPostMembers: return &AdminServer::postMembers;
    case AdminEndpoint::kDeleteMembers: return &AdminServer::deleteMembers;
    case AdminEndpoint::kHealthz: return &AdminServer::getHealthz;
    case AdminEndpoint::kReadyz: return &AdminServer::getReadyz;
  }
  return &AdminServer::getIndex;
}

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
    parser.header_limit(kAdminMaxHeaderBytes);
    parser.body_limit(kAdminMaxBodyBytes);
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
  const AdminRouting routing = routeAdminRequest(request, m_daemon.config().adminToken);
  if (!routing.route) {
    setError(response, routing.status, routing.error);
    if (routing.status == 401) response.set(http::field::www_authenticate, "Bearer");
    if (routing.status == 405) response.set(http::field::allow, routing.allow);
  } else {
    const Query query{request, routing.url, routing.path};
    (this->*handlerOf(routing.route->endpoint))(query, reply);
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
  for (const AdminRoute& route : adminRoutes()) {
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
  const auto stream = parseEventStreamRequest(query.param("types"), query.param("rate"), m_daemon.config().eventsPerSecond);
  if (!stream) {
    setError(reply.response, 400, stream.status().message());
    reply.response.keep_alive(false);
    return;
  }
  // The headers of the stream; its body is written by the session, ended by closing the connection.
  reply.response.result(http::status::ok);
  reply.response.set(http::field::content_type, "application/x-ndjson");
  reply.response.set(http::field::cache_control, "no-store");
  reply.response.keep_alive(false);
  reply.events = *stream;
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
  if (Status body = parseDecommissionRequest(query.request.body()); !body.isOk()) {
    setError(reply.response, 400, body.message());
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
  const auto parsed = parseRemoveMemberRequest(query.request.body());
  if (!parsed) return setError(reply.response, 400, parsed.status().message());
  const NodeId node = *parsed;
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
  const auto parsed = parseFaultRequest(text);
  if (!parsed) return parsed.status();
  const FaultRequest& request = *parsed;
  if (request.action == FaultRequest::Action::kPause) {
    return std::optional<Duration>(std::chrono::milliseconds(request.durationMs));
  }
  PeerTransport& transport = m_daemon.transport();
  if (request.action == FaultRequest::Action::kHeal) {
    m_daemon.setFaultRules({}, "heal: every drop and delay rule cleared");
    return std::optional<Duration>();
  }

  // The peers named (each a known peer), or every peer (kNoNode).
  const NodeId self = m_daemon.nodeId();
  std::set<NodeId> known;
  for (NodeId member : m_daemon.node().membership().members()) known.insert(member);
  for (const MemberAddress& address : m_daemon.addressBook()) known.insert(address.node);
  known.erase(self);
  std::vector<NodeId> peers;
  std::string peerNames;
  for (std::size_t i = 0; i < request.peers.size(); ++i) {
    const NodeId peer = request.peers[i];
    const std::string field = "peers[" + std::to_string(i) + "]";
    const std::string name = nodeName(peer);
    if (peer == self) return invalid("field '" + field + "': " + name + " is this node");
    if (!known.count(peer)) {
      std::string names;
      for (NodeId k : known) names += (names.empty() ? "" : ", ") + nodeName(k);
      return invalid("field '" + field + "': " + name + " is not a known peer of " + m_daemon.config().nodeName +
                        " (known: " + (names.empty() ? std::string("none") : names) + ")");
    }
    if (std::find(peers.begin(), peers.end(), peer) == peers.end()) {
      peers.push_back(peer);
      peerNames += (peerNames.empty() ? "" : ",") + name;
    }
  }
  if (peers.empty()) peerNames = "every peer";

  PeerFaultRules rules = transport.faultRules();
  std::string description;
  if (request.action == FaultRequest::Action::kDrop) {
    const double probability = request.probability;
    setRule(rules.drop, peers, probability > 0, probability);
    description = probability > 0
                      ? "drop messages to " + peerNames + " with probability " + formatProbability(probability)
                      : "stop dropping messages to " + peerNames;
  } else {
    const std::int64_t ms = request.delayMs;
    const Duration delay = std::chrono::milliseconds(ms);
    setRule(rules.delay, peers, ms > 0, delay);
    description = ms > 0 ? "delay messages to " + peerNames + " by " + std::to_string(ms) + " ms"
                         : "stop delaying messages to " + peerNames;
  }
  m_daemon.setFaultRules(std::move(rules), description);
  return std::optional<Duration>();
}

Result<std::string> AdminServer::dialMember(const std::string& text) {
  auto address = parseJoinRequest(text);
  if (!address) return address.status();
  const std::string shown = address->host.find(':') != std::string::npos
                                ? "[" + address->host + "]:" + std::to_string(address->port)
                                : address->toString();
  const DaemonConfig& config = m_daemon.config();
  if (address->port == config.peerPort) {
    bool own = address->host == config.advertiseHost || address->host == config.bindHost;
    ErrorCodeT ec, bindEc;
    const auto ip = boost::asio::ip::make_address(address->host, ec);
    const auto bound = boost::asio::ip::make_address(config.bindHost, bindEc);
    const bool listensOnLoopback = !bindEc && (bound.is_loopback() || bound.is_unspecified());
    if (listensOnLoopback && (address->host == "localhost" || (!ec && ip.is_loopback()))) own = true;
    if (own) return invalid("field 'peer': " + shown + " is this node's own peer port");
  }
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
  for (const auto& [command, n] : m_daemon.commandCounts()) out.sample({{"command", command}}, count(n));
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
  const MechanismConfig& mechanisms = node.config().mechanisms;
  root["failure_detector"] = mechanisms.gossip && mechanisms.failureDetector
                                 ? boost::json::string(detectionProtocolName(node.detectionProtocol()))
                                 : boost::json::string("off");
  std::map<NodeId, std::uint64_t> incarnations;  // SWIM: the peers some news was about
  for (const Node::SwimPeerStatus& peer : node.swimPeers()) incarnations[peer.peer] = peer.incarnation;
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
    if (auto it = incarnations.find(member); it != incarnations.end()) m["incarnation"] = it->second;
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
