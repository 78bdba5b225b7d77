// The admin HTTP endpoint (Boost.Beast): GET /metrics (Prometheus text), GET /cluster (JSON), GET /events
// (newline-delimited JSON observation events, sampled down to a rate), GET / (an index), and the actions: GET/POST
// /fault (injected drops, delays and pauses; POST only with --allow-fault-injection), POST /decommission and POST
// /members (join through another node). Versioned by the "api_version" field; the API is documented in
// docs/ADMIN_API.md. With an admin token configured, every request must carry "Authorization: Bearer <token>".
// Request bodies are JSON objects of at most 64 kB; a bad one gets 400 with a message naming the field.
//
// A fiber per connection; every read and write has a deadline. Threading: loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>

namespace ringlab::net {

class Daemon;

inline constexpr int kAdminApiVersion = 1;

class AdminServer {
 public:
  explicit AdminServer(Daemon& daemon);
  ~AdminServer();
  // Binds host:port; errors name the address.
  Status listen(const std::string& host, std::uint16_t port);
  void start();
  void stop();

  // The bodies, exposed for tests and for INFO.
  std::string metricsText();
  std::string clusterJson();
  // GET /fault: whether fault injection is allowed, and the rules in force.
  boost::json::object faultJson();

 private:
  using Socket = boost::asio::ip::tcp::socket;
  void acceptLoop();
  void serve(std::shared_ptr<Socket> socket);
  void streamEvents(std::shared_ptr<Socket> socket, const std::string& target, unsigned httpVersion);
  // The actions. Each fails with kInvalidArgument and a message naming the field when the body is not valid, before
  // changing anything. postFault returns the pause to take once the answer is written, if any.
  Result<std::optional<Duration>> postFault(const std::string& body);
  // Starts dialling the address given; returns it as host:port.
  Result<std::string> postMembers(const std::string& body);
  boost::json::array faultRulesJson();
  // After an error answer to a request that could not be read whole: lets the client read the answer, then closes.
  void lingerAndClose(Socket& socket);

  Daemon& m_daemon;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> m_acceptor;
  std::vector<std::weak_ptr<Socket>> m_sessions;
  bool m_stopping = false;
};

}  // namespace ringlab::net
