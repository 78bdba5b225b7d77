// The admin HTTP endpoint (Boost.Beast): GET /metrics (Prometheus text), GET /cluster (JSON), GET /events
// (newline-delimited JSON observation events, sampled down to a rate), GET / (an index). Versioned by the
// "api_version" field; the API is documented in docs/ADMIN_API.md. With an admin token configured, every request
// must carry "Authorization: Bearer <token>".
//
// A fiber per connection; every read and write has a deadline. Threading: loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include <ringlab/engine/status.h>

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

 private:
  using Socket = boost::asio::ip::tcp::socket;
  void acceptLoop();
  void serve(std::shared_ptr<Socket> socket);
  void streamEvents(std::shared_ptr<Socket> socket, const std::string& target, unsigned httpVersion);

  Daemon& m_daemon;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> m_acceptor;
  std::vector<std::weak_ptr<Socket>> m_sessions;
  bool m_stopping = false;
};

}  // namespace ringlab::net
