#include <ringlab/net/peer_transport.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>

#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>

#include <ringlab/net/descriptors.h>
#include <ringlab/net/log_limiter.h>

namespace ringlab::net {
namespace {

using boost::asio::ip::tcp;
using ErrorCodeT = boost::system::error_code;

constexpr Duration kInitialBackoff = std::chrono::milliseconds(50);
constexpr Duration kMaxBackoff = std::chrono::seconds(2);
constexpr std::size_t kMaxBatchFrames = 256;
constexpr std::size_t kMaxBatchBytes = 1u << 20;
constexpr std::size_t kReadChunk = 64 * 1024;

bool isRequestKind(MessageKind kind) {
  return kind == MessageKind::kWriteRequest || kind == MessageKind::kReadRequest || kind == MessageKind::kHintedWrite;
}

std::string endpointText(const tcp::socket& socket) {
  ErrorCodeT ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

Status ioError(std::string_view what, const ErrorCodeT& ec, bool timedOut) {
  if (timedOut) return Status(ErrorCode::kTimeout, std::string(what) + ": deadline passed");
  return Status(ErrorCode::kUnavailable, std::string(what) + ": " + ec.message());
}

Status writeAll(boost::asio::io_context& io, tcp::socket& socket, const std::vector<std::uint8_t>& bytes,
                Duration timeout) {
  OperationDeadline deadline(io, socket, timeout);
  auto [ec, n] = awaitHandler<ErrorCodeT, std::size_t>(
      [&](auto handler) { boost::asio::async_write(socket, boost::asio::buffer(bytes), std::move(handler)); });
  if (ec) return ioError("write", ec, deadline.expired());
  return Status::ok();
}

// Reads one whole handshake message.
Result<std::vector<std::uint8_t>> readHandshake(boost::asio::io_context& io, tcp::socket& socket, Duration timeout) {
  OperationDeadline deadline(io, socket, timeout);
  std::vector<std::uint8_t> bytes(4);
  auto [ec, n] = awaitHandler<ErrorCodeT, std::size_t>(
      [&](auto handler) { boost::asio::async_read(socket, boost::asio::buffer(bytes), std::move(handler)); });
  if (ec) return ioError("reading the handshake", ec, deadline.expired());
  auto size = handshakeMessageSize(bytes);
  if (!size) return size.status();
  bytes.resize(*size);
  auto [ec2, n2] = awaitHandler<ErrorCodeT, std::size_t>([&](auto handler) {
    boost::asio::async_read(socket, boost::asio::buffer(bytes.data() + 4, bytes.size() - 4), std::move(handler));
  });
  if (ec2) return ioError("reading the handshake", ec2, deadline.expired());
  return bytes;
}

}  // namespace

double PeerFaultRules::dropFor(NodeId peer) const {
  if (auto it = drop.find(peer); it != drop.end()) return it->second;
  if (auto it = drop.find(kNoNode); it != drop.end()) return it->second;
  return 0;
}

Duration PeerFaultRules::delayFor(NodeId peer) const {
  if (auto it = delay.find(peer); it != delay.end()) return it->second;
  if (auto it = delay.find(kNoNode); it != delay.end()) return it->second;
  return Duration{0};
}

struct PeerTransport::Link {
  NodeId node = kNoNode;
  std::deque<Outgoing> queue;
  boost::fibers::mutex mutex;
  boost::fibers::condition_variable wake;
  std::shared_ptr<Socket> socket;
  std::shared_ptr<boost::asio::steady_timer> backoffTimer;
  std::shared_ptr<boost::asio::steady_timer> delayTimer;  // waiting for the front message's due time
  bool failing = false;
};

PeerTransport::PeerTransport(RealRuntime& runtime, PeerTransportConfig config, Callbacks callbacks)
    : m_rt(runtime), m_config(std::move(config)), m_callbacks(std::move(callbacks)) {
  m_addresses[m_config.self.node] = m_config.self;
}

PeerTransport::~PeerTransport() { stop(); }

Status PeerTransport::listen() {
  ErrorCodeT ec;
  const auto address = boost::asio::ip::make_address(m_config.bindHost, ec);
  const std::string where = m_config.bindHost + ":" + std::to_string(m_config.self.peerPort);
  if (ec) return Status(ErrorCode::kInvalidArgument, "peer address " + where + ": not an IP address");
  auto acceptor = std::make_unique<tcp::acceptor>(m_rt.loop().io());
  const tcp::endpoint endpoint(address, m_config.self.peerPort);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) return Status(ErrorCode::kUnavailable, "cannot listen for peers on " + where + ": " + ec.message());
  const std::uint16_t bound = acceptor->local_endpoint(ec).port();
  if (ec) return Status(ErrorCode::kUnavailable, "cannot read the bound peer port on " + where + ": " + ec.message());
  m_config.self.peerPort = bound;
  m_addresses[m_config.self.node].peerPort = bound;
  m_acceptor = std::move(acceptor);
  return Status::ok();
}

void PeerTransport::spawnFiber(std::string name, std::function<void()> body) {
  ++m_fibers;
  m_rt.loop().spawn(m_config.self.node, FiberRole::kSystem, name, [this, name, body = std::move(body)] {
    try {
      body();
    } catch (const std::exception& e) {
      spdlog::error("peer transport fiber '{}' failed: {}", name, e.what());
    }
    --m_fibers;
  });
}

void PeerTransport::start() {
  if (m_acceptor) spawnFiber("peer-accept", [this] { acceptLoop(); });
  for (const HostPort& seed : m_config.seeds) {
    const bool self =
        seed.port == m_config.self.peerPort && (seed.host == m_config.self.host || seed.host == m_config.bindHost ||
                                                (seed.host == "localhost" && m_config.bindHost == "127.0.0.1"));
    if (self) continue;  // a shared seed list may name this node too
    spawnFiber("seed " + seed.toString(), [this, seed] { dialSeed(seed); });
  }
}

void PeerTransport::stop() {
  if (m_stopping) return;
  m_stopping = true;
  ErrorCodeT ec;
  if (m_acceptor) m_acceptor->close(ec);
  for (auto& [node, link] : m_links) {
    if (link->socket) link->socket->close(ec);
    if (link->backoffTimer) link->backoffTimer->cancel();
    if (link->delayTimer) link->delayTimer->cancel();
    link->wake.notify_all();
  }
  for (auto& weak : m_inbound) {
    if (auto socket = weak.lock()) socket->close(ec);
  }
}

std::vector<MemberAddress> PeerTransport::addressBook() const {
  std::vector<MemberAddress> out;
  for (const auto& [node, address] : m_addresses) out.push_back(address);
  return out;
}

void PeerTransport::forget(NodeId node) {
  if (node == m_config.self.node) return;
  m_addresses.erase(node);
  if (auto link = m_links.find(node); link != m_links.end() && link->second->socket) {
    ErrorCodeT ec;
    link->second->socket->close(ec);
    link->second->socket.reset();
  }
}

bool PeerTransport::learn(const MemberAddress& address) {
  if (address.node == kNoNode || address.node == m_config.self.node || address.peerPort == 0 || address.host.empty()) {
    return false;
  }
  if (!m_addresses.count(address.node) && m_addresses.size() >= m_config.maxAddresses) {
    logLimited(spdlog::level::warn, "peer-addresses",
               "ignoring the address of " + nodeName(address.node) + ": " + std::to_string(m_addresses.size()) +
                   " member addresses are known, the most kept (--max-members)");
    return false;
  }
  auto [it, inserted] = m_addresses.try_emplace(address.node, address);
  if (!inserted) {
    if (it->second == address) return false;
    spdlog::info("peer {} moved from {}:{} to {}:{}", nodeName(address.node), it->second.host, it->second.peerPort,
                 address.host, address.peerPort);
    it->second = address;
    if (auto link = m_links.find(address.node); link != m_links.end() && link->second->socket) {
      ErrorCodeT ec;
      link->second->socket->close(ec);
      link->second->socket.reset();
    }
  }
  if (m_callbacks.onPeerDiscovered) m_callbacks.onPeerDiscovered(it->second);
  return inserted;
}

std::size_t PeerTransport::connectedPeers() const {
  std::size_t n = 0;
  for (const auto& [node, link] : m_links) n += link->socket != nullptr;
  return n;
}

void PeerTransport::reportUnreachable(NodeId to, MessageKind kind, std::uint64_t requestId) {
  if (!isRequestKind(kind)) return;
  boost::asio::post(m_rt.loop().io(), [this, to, kind, requestId] {
    if (!m_stopping && m_callbacks.onUnreachable) m_callbacks.onUnreachable(to, kind, requestId);
  });
}

void PeerTransport::drop(const Message& message, DropReason reason) {
  m_stats.dropped++;
  auto& bus = m_rt.events();
  if (bus.wants(EventType::kMessageDropped)) {
    bus.publish(MessageDropped{m_rt.now(), ++m_nextMessageId, message.from, message.to, message.kind(),
                               message.requestId, reason});
  }
}

std::shared_ptr<PeerTransport::Link> PeerTransport::linkFor(NodeId node) {
  auto& link = m_links[node];
  if (!link) {
    link = std::make_shared<Link>();
    link->node = node;
    spawnFiber("peer-out " + nodeName(node), [this, l = link] { runLink(l); });
  }
  return link;
}

void PeerTransport::send(Message message) {
  if (m_stopping) return;
  const MessageKind kind = message.kind();
  if (message.to == m_config.self.node) {
    // Loopback: deliver on the next pass, outside the sender's call.
    boost::asio::post(m_rt.loop().io(), [this, message = std::move(message)]() mutable {
      if (!m_stopping && m_callbacks.onMessage) m_callbacks.onMessage(std::move(message));
    });
    return;
  }
  if (!m_addresses.count(message.to)) {
    reportUnreachable(message.to, kind, message.requestId);
    drop(message, DropReason::kNodeDown);
    return;
  }
  Duration delay{0};
  if (!m_faults.empty()) {
    const double p = m_faults.dropFor(message.to);
    if (p > 0 && (p >= 1 || m_rt.rng().uniform01() < p)) {
      m_stats.faultDropped[message.to]++;
      drop(message, DropReason::kInjected);
      return;
    }
    delay = m_faults.delayFor(message.to);
  }
  auto link = linkFor(message.to);
  if (link->failing || link->queue.size() >= m_config.maxQueuedFrames) {
    reportUnreachable(message.to, kind, message.requestId);
    drop(message, DropReason::kNodeDown);
    return;
  }
  if (delay > Duration{0}) m_stats.faultDelayed[message.to]++;
  Outgoing out{encodeMessage(message), kind, message.requestId, m_rt.now() + delay};
  m_stats.sentByKind[static_cast<std::size_t>(kind)]++;
  auto& bus = m_rt.events();
  if (bus.wants(EventType::kMessageSent)) {
    bus.publish(MessageSent{m_rt.now(), ++m_nextMessageId, message.from, message.to, kind, message.requestId,
                            static_cast<std::uint32_t>(out.frame.size()), m_rt.now()});
  }
  link->queue.push_back(std::move(out));
  link->wake.notify_one();
}

void PeerTransport::runLink(std::shared_ptr<Link> link) {
  auto& io = m_rt.loop().io();
  Duration backoff = kInitialBackoff;
  while (!m_stopping) {
    {
      std::unique_lock lock(link->mutex);
      while (!m_stopping && link->queue.empty() && !link->failing) {
        noteWait(WaitFor{WaitKind::kOutbox, link->node});
        link->wake.wait(lock);
      }
    }
    if (m_stopping) break;
    if (!link->socket) {
      auto address = m_addresses.find(link->node);
      Result<std::shared_ptr<Socket>> connected = Status(ErrorCode::kNotFound, "no address known");
      MemberAddress peer;
      if (address != m_addresses.end()) {
        const HostPort target{address->second.host, address->second.peerPort};
        connected = connectAndHandshake(target, peer);
        if (connected && peer.node != link->node) {
          connected = Status(ErrorCode::kInvalidArgument,
                             target.toString() + " is " + nodeName(peer.node) + ", not " + nodeName(link->node));
        }
      }
      if (m_stopping) break;
      if (!connected) {
        if (!link->failing) {
          spdlog::warn("peer {} unreachable: {}", nodeName(link->node), connected.status().message());
        }
        link->failing = true;
        m_stats.connectFailures++;
        std::deque<Outgoing> lost;
        lost.swap(link->queue);
        for (const Outgoing& out : lost) {
          m_stats.dropped++;
          reportUnreachable(link->node, out.kind, out.requestId);
        }
        link->backoffTimer = std::make_shared<boost::asio::steady_timer>(io);
        link->backoffTimer->expires_after(backoff);
        awaitHandler<ErrorCodeT>([&](auto handler) { link->backoffTimer->async_wait(std::move(handler)); });
        link->backoffTimer.reset();
        backoff = std::min<Duration>(backoff * 2, kMaxBackoff);
        continue;
      }
      if (link->failing) spdlog::info("peer {} reachable again", nodeName(link->node));
      link->failing = false;
      backoff = kInitialBackoff;
      link->socket = std::move(*connected);
      continue;
    }
    if (!link->queue.empty() && link->queue.front().due > m_rt.now()) {
      // Held back by an injected delay. Later messages wait behind it, so order is kept.
      link->delayTimer = std::make_shared<boost::asio::steady_timer>(io);
      link->delayTimer->expires_after(link->queue.front().due - m_rt.now());
      awaitHandler<ErrorCodeT>([&](auto handler) { link->delayTimer->async_wait(std::move(handler)); });
      link->delayTimer.reset();
      continue;
    }
    std::vector<Outgoing> batch;
    std::size_t bytes = 0;
    const TimePoint now = m_rt.now();
    while (!link->queue.empty() && batch.size() < kMaxBatchFrames && bytes < kMaxBatchBytes &&
           link->queue.front().due <= now) {
      bytes += link->queue.front().frame.size();
      batch.push_back(std::move(link->queue.front()));
      link->queue.pop_front();
    }
    std::vector<boost::asio::const_buffer> buffers;
    buffers.reserve(batch.size());
    for (const Outgoing& out : batch) buffers.emplace_back(boost::asio::buffer(out.frame));
    auto socket = link->socket;
    OperationDeadline deadline(io, *socket, m_config.writeTimeout);
    auto [ec, n] = awaitHandler<ErrorCodeT, std::size_t>(
        [&](auto handler) { boost::asio::async_write(*socket, buffers, std::move(handler)); });
    if (ec) {
      spdlog::debug("peer {}: write failed ({}), reconnecting", nodeName(link->node),
                    deadline.expired() ? "deadline passed" : ec.message());
      ErrorCodeT ignored;
      socket->close(ignored);
      if (link->socket == socket) link->socket.reset();
      for (const Outgoing& out : batch) reportUnreachable(link->node, out.kind, out.requestId);
      m_stats.dropped += batch.size();
      continue;
    }
    m_stats.bytesSent += n;
  }
  if (link->socket) {
    ErrorCodeT ec;
    link->socket->close(ec);
  }
}

Result<std::shared_ptr<PeerTransport::Socket>> PeerTransport::connectAndHandshake(const HostPort& to,
                                                                                  MemberAddress& peer) {
  auto& io = m_rt.loop().io();
  const std::string where = to.toString();
  auto socket = std::make_shared<Socket>(io);
  {
    tcp::resolver resolver(io);
    OperationDeadline resolveDeadline(io, resolver, m_config.connectTimeout);
    auto [ec, endpoints] = awaitHandler<ErrorCodeT, tcp::resolver::results_type>(
        [&](auto handler) { resolver.async_resolve(to.host, std::to_string(to.port), std::move(handler)); });
    if (ec) return Status(ErrorCode::kUnavailable, "cannot resolve " + where + ": " + ec.message());
    OperationDeadline deadline(io, *socket, m_config.connectTimeout);
    auto [ec2, endpoint] = awaitHandler<ErrorCodeT, tcp::endpoint>(
        [&](auto handler) { boost::asio::async_connect(*socket, endpoints, std::move(handler)); });
    if (ec2) return ioError("connecting to " + where, ec2, deadline.expired());
  }
  ErrorCodeT ignored;
  socket->set_option(tcp::no_delay(true), ignored);
  HandshakeHello hello{m_config.cluster, m_config.self, randomNonce()};
  if (Status s = writeAll(io, *socket, encodeHello(hello), m_config.handshakeTimeout); !s.isOk()) return s;
  auto challengeBytes = readHandshake(io, *socket, m_config.handshakeTimeout);
  if (!challengeBytes) return Status(challengeBytes.status().code(), where + ": " + challengeBytes.status().message());
  auto challenge = decodeChallenge(*challengeBytes);
  if (!challenge) return Status(challenge.status().code(), where + ": " + challenge.status().message());
  if (!challenge->accepted) {
    m_stats.handshakesRefused++;
    return Status(ErrorCode::kInvalidArgument, where + " refused the handshake: " + challenge->reason);
  }
  const Proof expected = computeProof(m_config.secret, "acceptor", m_config.cluster, challenge->nonce, hello.nonce,
                                      challenge->self.node, m_config.self.node);
  if (!proofsEqual(expected, challenge->proof)) {
    m_stats.handshakesRefused++;
    return Status(ErrorCode::kInvalidArgument,
                  where + " failed to prove the secret of cluster '" + m_config.cluster + "'; not connecting");
  }
  if (challenge->self.node == m_config.self.node) {
    return Status(ErrorCode::kInvalidArgument, where + " is this node itself");
  }
  HandshakeProof proof{computeProof(m_config.secret, "connector", m_config.cluster, hello.nonce, challenge->nonce,
                                    m_config.self.node, challenge->self.node),
                       addressBook()};
  if (Status s = writeAll(io, *socket, encodeProof(proof), m_config.handshakeTimeout); !s.isOk()) return s;
  auto welcomeBytes = readHandshake(io, *socket, m_config.handshakeTimeout);
  if (!welcomeBytes) return Status(welcomeBytes.status().code(), where + ": " + welcomeBytes.status().message());
  auto welcome = decodeWelcome(*welcomeBytes);
  if (!welcome) return Status(welcome.status().code(), where + ": " + welcome.status().message());
  if (!welcome->accepted) {
    m_stats.handshakesRefused++;
    return Status(ErrorCode::kInvalidArgument, where + " refused the handshake: " + welcome->reason);
  }
  peer = challenge->self;
  if (peer.host.empty() || peer.host == "0.0.0.0") peer.host = to.host;
  learn(peer);
  for (const MemberAddress& address : welcome->addressBook) {
    if (!m_addresses.count(address.node)) learn(address);
  }
  return socket;
}

void PeerTransport::dial(HostPort address) {
  if (m_stopping || !m_dialling.insert(address.toString()).second) return;
  spawnFiber("dial " + address.toString(), [this, address] {
    struct Done {
      PeerTransport* transport;
      std::string address;
      ~Done() { transport->m_dialling.erase(address); }
    } done{this, address.toString()};
    dialSeed(address);
  });
}

void PeerTransport::dialSeed(HostPort seed) {
  Duration backoff = kInitialBackoff;
  std::string lastError;
  while (!m_stopping) {
    MemberAddress peer;
    auto connected = connectAndHandshake(seed, peer);
    if (connected) {
      auto link = linkFor(peer.node);
      if (!link->socket && !m_stopping) {
        link->socket = std::move(*connected);
        link->failing = false;
        link->wake.notify_one();
      } else {
        ErrorCodeT ec;
        (*connected)->close(ec);
      }
      spdlog::info("seed {} is {}", seed.toString(), nodeName(peer.node));
      return;
    }
    const std::string error = connected.status().message();
    if (error.find("is this node itself") != std::string::npos || error.find("own id") != std::string::npos) return;
    if (error != lastError) {
      // Refusals are worth an operator's attention; a seed that is not up yet is not.
      if (connected.status().code() == ErrorCode::kInvalidArgument) {
        spdlog::error("seed {}: {}", seed.toString(), error);
      } else {
        spdlog::info("seed {} not reachable yet: {}", seed.toString(), error);
      }
      lastError = error;
    }
    boost::asio::steady_timer timer(m_rt.loop().io());
    timer.expires_after(backoff);
    awaitHandler<ErrorCodeT>([&](auto handler) { timer.async_wait(std::move(handler)); });
    backoff = std::min<Duration>(backoff * 2, kMaxBackoff);
  }
}

void PeerTransport::acceptLoop() {
  while (!m_stopping && m_acceptor) {
    auto socket = std::make_shared<Socket>(m_rt.loop().io());
    auto [ec] = awaitHandler<ErrorCodeT>([&](auto handler) { m_acceptor->async_accept(*socket, std::move(handler)); });
    if (m_stopping) break;
    if (ec) {
      backOffAfterAcceptError(*m_acceptor, ec, "accepting a peer connection", m_rt);
      continue;
    }
    m_stats.connectionsAccepted++;
    m_inbound.erase(std::remove_if(m_inbound.begin(), m_inbound.end(), [](auto& w) { return w.expired(); }),
                    m_inbound.end());
    m_inbound.push_back(socket);
    spawnFiber("peer-in", [this, socket] { serveInbound(socket); });
  }
}

void PeerTransport::serveInbound(std::shared_ptr<Socket> socket) {
  auto& io = m_rt.loop().io();
  const std::string remote = endpointText(*socket);
  ErrorCodeT ignored;
  auto refuse = [&](std::string reason, bool atChallenge) {
    m_stats.handshakesRefused++;
    logLimited(spdlog::level::warn, "peer-refused", "refused peer connection from " + remote + ": " + reason);
    if (atChallenge) {
      HandshakeChallenge challenge;
      challenge.reason = std::move(reason);
      (void)writeAll(io, *socket, encodeChallenge(challenge), m_config.handshakeTimeout);
    } else {
      HandshakeWelcome welcome;
      welcome.reason = std::move(reason);
      (void)writeAll(io, *socket, encodeWelcome(welcome), m_config.handshakeTimeout);
    }
    socket->close(ignored);
  };

  auto helloBytes = readHandshake(io, *socket, m_config.handshakeTimeout);
  if (!helloBytes) {
    logLimited(spdlog::level::warn, "peer-hello",
               "peer connection from " + remote + " closed: " + helloBytes.status().message());
    socket->close(ignored);
    return;
  }
  auto hello = decodeHello(*helloBytes);
  if (!hello) return refuse("malformed hello: " + hello.status().message(), true);
  if (hello->cluster != m_config.cluster) {
    return refuse("cluster name '" + hello->cluster + "' does not match this node's cluster", true);
  }
  if (hello->self.node == m_config.self.node || hello->self.node == kNoNode) {
    return refuse("node id " + nodeName(hello->self.node) + " is this node's own id", true);
  }
  HandshakeChallenge challenge;
  challenge.accepted = true;
  challenge.self = m_config.self;
  challenge.nonce = randomNonce();
  challenge.proof = computeProof(m_config.secret, "acceptor", m_config.cluster, challenge.nonce, hello->nonce,
                                 m_config.self.node, hello->self.node);
  if (Status s = writeAll(io, *socket, encodeChallenge(challenge), m_config.handshakeTimeout); !s.isOk()) {
    socket->close(ignored);
    return;
  }
  auto proofBytes = readHandshake(io, *socket, m_config.handshakeTimeout);
  if (!proofBytes) {
    m_stats.handshakesRefused++;
    spdlog::warn("peer {} at {} gave up during the handshake ({}); it may not know the cluster secret",
                 nodeName(hello->self.node), remote, proofBytes.status().message());
    socket->close(ignored);
    return;
  }
  auto proof = decodeProof(*proofBytes);
  if (!proof) return refuse("malformed proof: " + proof.status().message(), false);
  const Proof expected = computeProof(m_config.secret, "connector", m_config.cluster, hello->nonce, challenge.nonce,
                                      hello->self.node, m_config.self.node);
  if (!proofsEqual(expected, proof->proof)) {
    return refuse("peer " + nodeName(hello->self.node) + " failed to prove the cluster secret", false);
  }
  HandshakeWelcome welcome{true, {}, addressBook()};
  if (Status s = writeAll(io, *socket, encodeWelcome(welcome), m_config.handshakeTimeout); !s.isOk()) {
    socket->close(ignored);
    return;
  }
  const NodeId peer = hello->self.node;
  MemberAddress direct = hello->self;
  if (direct.host.empty() || direct.host == "0.0.0.0") {
    ErrorCodeT ec;
    direct.host = socket->remote_endpoint(ec).address().to_string();
  }
  learn(direct);
  for (const MemberAddress& address : proof->addressBook) {
    if (!m_addresses.count(address.node)) learn(address);
  }
  spdlog::debug("peer {} connected from {}", nodeName(peer), remote);

  // Frames until the peer closes, goes silent past the idle timeout, or sends something invalid.
  std::vector<std::uint8_t> buffer(kReadChunk);
  std::size_t begin = 0, end = 0;
  for (;;) {
    for (;;) {
      const std::span<const std::uint8_t> available(buffer.data() + begin, end - begin);
      auto size = nextFrameSize(available, m_config.limits);
      if (!size) {
        m_stats.framesRejected++;
        spdlog::warn("peer {} at {}: {}; closing the connection", nodeName(peer), remote, size.status().toString());
        socket->close(ignored);
        return;
      }
      if (*size == 0 || *size > available.size()) {
        if (*size > buffer.size() - begin) {
          // Make room for the whole frame (its size was checked against the limit).
          std::memmove(buffer.data(), buffer.data() + begin, end - begin);
          end -= begin;
          begin = 0;
          if (*size > buffer.size()) buffer.resize(*size);
        }
        break;
      }
      auto message = decodeMessage(available.first(*size), m_config.limits);
      if (!message) {
        m_stats.framesRejected++;
        spdlog::warn("peer {} at {}: bad frame: {}; closing the connection", nodeName(peer), remote,
                     message.status().toString());
        socket->close(ignored);
        return;
      }
      begin += *size;
      if (message->from != peer || message->to != m_config.self.node) {
        m_stats.framesRejected++;
        spdlog::warn("peer {} at {}: frame from {} to {} on this connection; closing", nodeName(peer), remote,
                     nodeName(message->from), nodeName(message->to));
        socket->close(ignored);
        return;
      }
      const MessageKind kind = message->kind();
      m_stats.receivedByKind[static_cast<std::size_t>(kind)]++;
      m_stats.bytesReceived += *size;
      auto& bus = m_rt.events();
      if (bus.wants(EventType::kMessageDelivered)) {
        bus.publish(MessageDelivered{m_rt.now(), 0, message->from, message->to, kind, message->requestId});
      }
      if (m_callbacks.onMessage) m_callbacks.onMessage(std::move(*message));
      if (m_stopping) return;
    }
    if (begin == end) {
      begin = end = 0;
    } else if (buffer.size() - end < 4096) {
      std::memmove(buffer.data(), buffer.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == buffer.size()) buffer.resize(buffer.size() * 2);
    OperationDeadline deadline(io, *socket, m_config.idleTimeout);
    noteWait(WaitFor{WaitKind::kNetwork, peer});
    auto [ec, n] = awaitHandler<ErrorCodeT, std::size_t>([&](auto handler) {
      socket->async_read_some(boost::asio::buffer(buffer.data() + end, buffer.size() - end), std::move(handler));
    });
    if (ec) {
      if (ec != boost::asio::error::eof && !m_stopping) {
        spdlog::debug("peer {} at {}: {}", nodeName(peer), remote, deadline.expired() ? "idle timeout" : ec.message());
      }
      socket->close(ignored);
      return;
    }
    end += n;
  }
}

}  // namespace ringlab::net
