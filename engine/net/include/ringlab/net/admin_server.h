// The admin HTTP endpoint (Boost.Beast): GET /metrics (Prometheus text), GET /cluster (JSON), GET /events
// (newline-delimited JSON observation events, sampled down to a rate), GET /healthz and /readyz (for load balancers
// and service managers), GET / (an index), and the actions: GET/POST /fault (injected drops, delays and pauses; POST
// only with --allow-fault-injection), POST /decommission and POST /members (join through another node). HEAD is
// served wherever GET is. Versioned by the "api_version" field (kAdminApiVersion); the API is documented in
// docs/ADMIN_API.md. With an admin token configured, every request but /healthz and /readyz must carry
// "Authorization: Bearer <token>". Request bodies are JSON objects of at most 64 kB; a bad one gets 400 with a
// message naming the field.
//
// Two parts, as in Boost.Beast's examples: handle() turns one request into its answer through the table of routes
// (admin_request.h, which also checks every body with no node behind it) and does no I/O, so tests call it
// directly; the session loop reads requests, writes what handle() answers and streams /events. A fiber per connection; every read and write has a deadline.
// Threading: loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <ringlab/engine/admin_api.h>
#include <ringlab/engine/events.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/net/admin_request.h>

namespace ringlab::net {

class Daemon;

// The answer to one request, and what the session does once it is written.
struct AdminReply {
  AdminResponse response;  // complete (payload prepared); for HEAD, the headers of the GET answer and no body
  std::optional<Duration> pauseAfterReply;   // POST /fault pause: stop the node once the answer is on its way
  std::optional<EventStreamRequest> events;  // GET /events: stream these instead of writing `response`
};

// The Content-Type of GET /metrics.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class AdminServer {
 public:
  explicit AdminServer(Daemon& daemon);
  ~AdminServer();
  // Binds host:port (port 0: one the kernel picks, see port()); errors name the address.
  Status listen(const std::string& host, std::uint16_t port);
  // The bound port after listen(), else 0.
  std::uint16_t port() const { return m_port; }
  // Connections being served, and those refused because --max-admin-connections were open.
  std::size_t openConnections() const { return m_openSessions; }
  std::uint64_t refusedConnections() const { return m_refusedSessions; }
  void start();
  void stop();

  // The answer to one request: authentication, routing and the endpoint's work, without touching a socket. Never
  // throws for bad input: a malformed target, an unknown path or method, or a bad body is an error answer.
  AdminReply handle(const AdminRequest& request);

  // The bodies, exposed for tests and for INFO.
  std::string metricsText();
  std::string clusterJson();
  // GET /fault: whether fault injection is allowed, and the rules in force.
  boost::json::object faultJson();

 private:
  using Socket = boost::asio::ip::tcp::socket;
  struct Query;
  // One endpoint's work; the reply's response has its status, headers and body set.
  using Handler = void (AdminServer::*)(const Query& query, AdminReply& reply);
  static Handler handlerOf(AdminEndpoint endpoint);

  void acceptLoop();
  void serve(std::shared_ptr<Socket> socket);
  void streamEvents(Socket& socket, const EventStreamRequest& request);
  // After an error answer to a request that could not be read whole: lets the client read the answer, then closes.
  void lingerAndClose(Socket& socket);

  void getIndex(const Query& query, AdminReply& reply);
  void getHealthz(const Query& query, AdminReply& reply);
  void getReadyz(const Query& query, AdminReply& reply);
  void getMetrics(const Query& query, AdminReply& reply);
  void getCluster(const Query& query, AdminReply& reply);
  void getEvents(const Query& query, AdminReply& reply);
  void getFault(const Query& query, AdminReply& reply);
  void postFault(const Query& query, AdminReply& reply);
  void postDecommission(const Query& query, AdminReply& reply);
  void postMembers(const Query& query, AdminReply& reply);
  void deleteMembers(const Query& query, AdminReply& reply);

  // The actions. Each fails with kInvalidArgument and a message naming the field when the body is not valid, before
  // changing anything. applyFault returns the pause to take once the answer is written, if any.
  Result<std::optional<Duration>> applyFault(const std::string& body);
  // Starts dialling the address given; returns it as host:port.
  Result<std::string> dialMember(const std::string& body);
  boost::json::array faultRulesJson();
  void setJson(AdminResponse& response, unsigned status, const boost::json::value& body);
  void setError(AdminResponse& response, unsigned status, const std::string& message);

  Daemon& m_daemon;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> m_acceptor;
  std::uint16_t m_port = 0;
  std::vector<std::weak_ptr<Socket>> m_sessions;
  bool m_stopping = false;
  std::size_t m_openSessions = 0;       // admin connections being served (at most --max-admin-connections)
  std::uint64_t m_refusedSessions = 0;  // connections refused because that many were open
};

}  // namespace ringlab::net
