// TCP transport between real nodes: the engine's codec frames over one outbound connection per peer, after the
// authenticated handshake of handshake.h.
//
// Each direction of a peer pair has its own connection: a node writes its messages to a peer over the connection it
// opened (reused for every message), and reads the peer's messages from the connection the peer opened. A writer
// fiber per peer connects on demand with a deadline, reconnects with exponential backoff (50ms doubling to 2s) and
// writes queued frames in batches, each write with a deadline. While a peer cannot be reached, requests addressed to
// it are reported at once through the unreachable callback (so coordinators fail over to fallbacks) and other
// messages are dropped. A reader fiber per inbound connection checks every frame against the size limits and the
// codec; a frame that fails closes that connection only.
//
// Peers are learned from the seeds (dialled until they answer), from addresses dialled later (dial()), from every
// handshake (both sides send the address book they know), and from the node's own membership view.
//
// Injected faults (the admin endpoint's POST /fault, only with --allow-fault-injection): outgoing messages to a peer
// can be dropped with a probability (reported as dropped with reason "injected", and never to the node as
// unreachable: a cut link says nothing) or held back for a delay before they are written; per peer, messages keep
// their order.
//
// Threading: loop thread only; callbacks run on it (onMessage from a reader fiber, onUnreachable from a posted
// handler, outside fibers).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include <ringlab/engine/codec.h>
#include <ringlab/engine/message.h>
#include <ringlab/net/handshake.h>
#include <ringlab/net/host_port.h>
#include <ringlab/net/real_runtime.h>

namespace ringlab::net {

struct PeerTransportConfig {
  std::string cluster = "ringlab";
  std::string secret;
  MemberAddress self;  // own id, advertised host and ports
  std::string bindHost = "127.0.0.1";
  std::vector<HostPort> seeds;
  CodecLimits limits;
  Duration connectTimeout = std::chrono::seconds(2);
  Duration handshakeTimeout = std::chrono::seconds(2);
  Duration writeTimeout = std::chrono::seconds(5);
  Duration idleTimeout = std::chrono::seconds(60);  // an inbound connection silent this long is closed
  std::size_t maxQueuedFrames = 100000;             // per peer; beyond it messages are dropped
  std::size_t maxAddresses = 1024;                  // members' addresses kept at most (own included); more are ignored
};

// The injected faults on outgoing messages. A rule keyed kNoNode applies to every peer without a rule of its own.
struct PeerFaultRules {
  std::map<NodeId, double> drop;     // probability in (0, 1]
  std::map<NodeId, Duration> delay;  // > 0
  bool empty() const { return drop.empty() && delay.empty(); }
  // The rule that applies to `peer`: 0 when none.
  double dropFor(NodeId peer) const;
  Duration delayFor(NodeId peer) const;
};

struct PeerTransportStats {
  std::array<std::uint64_t, kMessageKindCount> sentByKind{};
  std::array<std::uint64_t, kMessageKindCount> receivedByKind{};
  std::uint64_t bytesSent = 0;
  std::uint64_t bytesReceived = 0;
  std::uint64_t dropped = 0;            // messages not sent: peer unreachable, unknown or queue full
  std::uint64_t handshakesRefused = 0;  // inbound or outbound handshakes that failed authentication or naming
  std::uint64_t framesRejected = 0;     // inbound frames that failed the codec (their connection was closed)
  std::uint64_t connectionsAccepted = 0;
  std::uint64_t connectFailures = 0;
  std::map<NodeId, std::uint64_t> faultDropped;  // by peer: messages dropped by an injected rule (also in `dropped`)
  std::map<NodeId, std::uint64_t> faultDelayed;  // by peer: messages held back by an injected rule
};

class PeerTransport final : public MessageTransport {
 public:
  struct Callbacks {
    std::function<void(Message)> onMessage;
    std::function<void(NodeId to, MessageKind kind, std::uint64_t requestId)> onUnreachable;
    std::function<void(const MemberAddress&)> onPeerDiscovered;  // a member whose address is newly known
  };

  PeerTransport(RealRuntime& runtime, PeerTransportConfig config, Callbacks callbacks);
  ~PeerTransport() override;

  // Binds and listens on bindHost:self.peerPort; port 0 takes a port the kernel picks, which then becomes the
  // advertised one (peerPort()). Errors name the address (port in use, address not available).
  Status listen();
  // The peer port this node advertises: after listen(), the bound one.
  std::uint16_t peerPort() const { return m_config.self.peerPort; }
  // Starts accepting and dialling the seeds.
  void start();
  // Closes every connection and the listener; fibers end on their own.
  void stop();

  void send(Message message) override;

  // Connects to another node's peer port and keeps trying, with backoff, until it answers (as for a seed); what the
  // handshake brings is learned as from a seed. An address that turns out to be this node is given up quietly; one
  // already being dialled is not dialled twice.
  void dial(HostPort address);

  // Replaces the injected fault rules; messages already held back keep their time.
  void setFaultRules(PeerFaultRules rules) { m_faults = std::move(rules); }
  const PeerFaultRules& faultRules() const { return m_faults; }

  // Every member address known, own included, by node.
  std::vector<MemberAddress> addressBook() const;
  // Records an address learned elsewhere; returns true when it was new. A new one beyond maxAddresses is ignored.
  bool learn(const MemberAddress& address);
  // Whether this node has an address for `node` (from a handshake with it, or from the address book of a peer that
  // proved the cluster secret).
  bool hasAddress(NodeId node) const { return m_addresses.count(node) > 0; }
  // Forgets `node`'s address and closes the connection to it (an operator removed the member).
  void forget(NodeId node);
  const PeerTransportStats& stats() const { return m_stats; }
  // Number of peers with an established outbound connection.
  std::size_t connectedPeers() const;
  std::size_t activeFibers() const { return m_fibers; }

 private:
  struct Link;
  struct Outgoing {
    std::vector<std::uint8_t> frame;
    MessageKind kind{};
    std::uint64_t requestId = 0;
    TimePoint due;  // not written before (an injected delay)
  };
  using Socket = boost::asio::ip::tcp::socket;

  void acceptLoop();
  void serveInbound(std::shared_ptr<Socket> socket);
  void runLink(std::shared_ptr<Link> link);
  void dialSeed(HostPort seed);
  // Connects to `to` and runs the connector side of the handshake. On success returns the socket and fills `peer`
  // with the acceptor's address; errors say what failed.
  Result<std::shared_ptr<Socket>> connectAndHandshake(const HostPort& to, MemberAddress& peer);
  std::shared_ptr<Link> linkFor(NodeId node);
  void reportUnreachable(NodeId to, MessageKind kind, std::uint64_t requestId);
  void drop(const Message& message, DropReason reason);
  void spawnFiber(std::string name, std::function<void()> body);

  RealRuntime& m_rt;
  PeerTransportConfig m_config;
  Callbacks m_callbacks;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> m_acceptor;
  std::map<NodeId, MemberAddress> m_addresses;
  std::map<NodeId, std::shared_ptr<Link>> m_links;
  std::vector<std::weak_ptr<Socket>> m_inbound;
  PeerTransportStats m_stats;
  PeerFaultRules m_faults;
  std::set<std::string> m_dialling;  // addresses dial() is trying now
  std::uint64_t m_nextMessageId = 0;
  std::size_t m_fibers = 0;
  bool m_stopping = false;
};

}  // namespace ringlab::net
