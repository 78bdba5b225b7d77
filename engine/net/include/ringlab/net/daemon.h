// ringlabd's node process: one engine Node on the real runtime, with its three endpoints: RESP2 for clients, the
// peer transport, and the admin HTTP endpoint (admin_server.h).
//
// The ring is derived, not configured: every member's tokens are a function of its node name (XXH3 of "n3#0",
// "n3#1", ...), so every node computes the same ring from the same member set, which it learns from seeds, peer
// handshakes and gossip. A member that has left is removed from the ring.
//
// Threading: a Daemon lives on one thread, which run() turns into the event loop until SIGTERM/SIGINT or
// requestStop(). Storage writes have their own thread (rocksdb_storage.h).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include <ringlab/engine/node.h>
#include <ringlab/net/peer_transport.h>
#include <ringlab/engine/resp.h>
#include <ringlab/net/rocksdb_storage.h>

namespace ringlab::net {

enum class StorageKind { kMemory, kRocksDb };

struct DaemonConfig {
  std::string nodeName = "n1";
  std::string cluster = "ringlab";
  std::string clusterSecret;
  std::string bindHost = "127.0.0.1";
  std::string advertiseHost;  // empty: the bind address (127.0.0.1 when binding to all addresses)
  // Port 0 for clients or peers binds a port the kernel picks; open() then stores the bound one here.
  std::uint16_t clientPort = 6380;
  std::uint16_t peerPort = 7380;
  std::uint16_t adminPort = 8380;  // 0: no admin endpoint (unless adminAnyPort)
  bool adminAnyPort = false;       // serve the admin endpoint on a port the kernel picks; open() stores it in adminPort
  // Where open() writes the bound ports once every endpoint listens, as "client_port=N", "peer_port=N" and
  // "admin_port=N" lines (admin 0: none). Written whole under a temporary name and renamed. Empty: no file.
  std::string portFile;
  std::vector<HostPort> seeds;
  StorageKind storage = StorageKind::kRocksDb;
  std::string dataDir;  // RocksDB directory (required for kRocksDb)
  SyncPolicy sync = SyncPolicy::kEverySec;
  QuorumConfig quorum;
  ConflictMode conflicts = ConflictMode::kLww;  // --conflicts: lww or siblings (every node of a cluster alike)
  std::size_t maxSiblings = 32;
  Duration requestTimeout = std::chrono::milliseconds(500);
  std::size_t vnodes = 16;
  std::string password;    // AUTH; empty: none
  std::string adminToken;  // empty: the admin endpoint is open (it binds to the bind address only)
  bool allowFaultInjection = false;
  // Members this node knows at most (self and members that left included), and members one gossip message may add.
  std::size_t maxMembers = 1024;
  std::size_t maxNewMembersPerGossip = 16;
  // Admin connections served at once; more are answered 503 and closed before anything is read.
  std::size_t maxAdminConnections = 64;
  RespLimits resp;
  std::size_t maxClients = 10000;
  Duration clientIdleTimeout{0};  // 0: clients may stay idle forever (Redis's default)
  // A client that sent part of a command is closed if the rest does not come within this (whatever clientIdleTimeout).
  Duration partialCommandTimeout = std::chrono::seconds(30);
  // When the parts of commands that all clients have sent and not yet completed pass this many bytes together, the
  // client with the largest is disconnected: a value may be 1 MiB, but ten thousand clients may not each hold one.
  std::size_t clientInputTotalBytes = 256u << 20;
  // Limits on a client's output buffer: the bytes of replies produced for it and not yet taken by the kernel, as
  // Redis's client-output-buffer-limit (docs/LIMITS.md). Over the hard limit a client is disconnected at once; over
  // the soft limit the node runs none of its further commands until its replies drain below it, and disconnects it
  // when they stay over it for softTime. When the output buffers of all clients together pass totalBytes, the client
  // with the largest is disconnected.
  std::size_t clientOutputHardBytes = 64u << 20;
  std::size_t clientOutputSoftBytes = 16u << 20;
  Duration clientOutputSoftTime = std::chrono::seconds(10);
  std::size_t clientOutputTotalBytes = 512u << 20;
  std::size_t eventsPerSecond = 2000;  // default sampling rate of /events
  // Fibers serving peers' replica requests. With RocksDB storage a write waits for the writer thread's group commit,
  // so the node takes at least 64: the replica writes that arrive together land in one write batch instead of four
  // at a time.
  std::size_t replicaFibers = 4;
  // Gossip round period. The failure detector scales with it (its tolerated spread is half a round, its tolerated
  // pause one round), so a shorter period also detects failures sooner.
  Duration gossipInterval = std::chrono::seconds(1);
  // phi accrual over gossiped heartbeats (every node gossips its whole view), or SWIM (a probe of one peer a round,
  // news on the probes): the same on every node of a cluster.
  DetectionProtocol detection = DetectionProtocol::kPhiAccrual;
  // Tombstones are dropped this long after their delete (0: kept forever); repair must reach every replica sooner.
  Duration tombstoneGrace = std::chrono::hours(24 * 10);
  // Testing only (the real-node nemesis, docs/NEMESIS.md): shift this node's wall clock, as a machine whose clock is
  // off would be (versions carry the shifted time); and make the node wrong on purpose (see InjectedBug), to prove a
  // checker catches it.
  Duration clockOffset{0};
  InjectedBug injectedBug = InjectedBug::kNone;
};

// Progress of this node's decommission (POST /decommission): the ranges it hands to their new owners.
struct DecommissionProgress {
  bool started = false;
  bool finished = false;  // every range handed off (or given up on); the node has left
  std::size_t rangesTotal = 0;
  std::size_t rangesDone = 0;
  std::size_t rangesFailed = 0;  // the receiver did not acknowledge; anti-entropy among the others fills them in
  std::uint64_t records = 0;
};

// Latency histogram with fixed bucket bounds (seconds), Prometheus style.
struct LatencyHistogram {
  static constexpr std::array<double, 14> kBounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                  0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
  std::array<std::uint64_t, kBounds.size() + 1> counts{};  // last: +Inf
  double sum = 0;
  std::uint64_t total = 0;
  void record(Duration d);
};

// Why a coordinated operation failed: the "reason" label of ringlab_operation_errors_total, a small fixed set.
enum class OperationErrorReason : std::uint8_t {
  kTimeout,      // too few answers before the deadline
  kUnavailable,  // too few replicas reachable for the quorum
  kRejected,     // the request itself was refused (a key or value over its limit, a bad argument)
  kCancelled,    // abandoned because the node stopped
  kOther,
};
inline constexpr std::size_t kOperationErrorReasonCount = 5;
// "timeout", "unavailable", "rejected", "cancelled", "other"
std::string_view operationErrorReasonName(OperationErrorReason reason);
OperationErrorReason operationErrorReasonOf(ErrorCode code);

// Why the node closed a client's connection: the "reason" label of ringlab_clients_disconnected_total.
enum class ClientLimit : std::uint8_t {
  kOutputHard,      // its output buffer passed the hard limit
  kOutputSoft,      // its output buffer stayed over the soft limit too long
  kOutputTotal,     // all output buffers together passed their limit, and this client's was the largest
  kPartialCommand,  // it sent part of a command and not the rest in time
  kInputTotal,      // the partial commands of all clients together passed their limit, and this client's was the largest
};
inline constexpr std::size_t kClientLimitCount = 5;
// "output_hard", "output_soft", "output_total", "partial_command", "input_total"
std::string_view clientLimitName(ClientLimit limit);

struct DaemonMetrics {
  std::uint64_t connectionsReceived = 0;
  std::uint64_t connectionsRejected = 0;
  std::uint64_t protocolErrors = 0;
  std::uint64_t authFailures = 0;  // failed AUTH and HELLO AUTH attempts
  std::uint64_t commandsProcessed = 0;
  std::uint64_t pipelineRunsOverlapped = 0;  // runs of pipelined writes started while the run before still committed
  std::size_t connectedClients = 0;
  std::array<LatencyHistogram, 3> opLatency;                                        // by Operation
  std::array<std::array<std::uint64_t, kOperationErrorReasonCount>, 3> opErrors{};  // by Operation, then reason
  std::uint64_t siblingReads = 0;     // GETs that found several siblings and answered with the newest one
  std::size_t clientOutputBytes = 0;  // replies waiting for all clients together (their output buffers)
  std::size_t clientInputBytes = 0;   // parts of commands received and not yet whole, all clients together
  // Clients disconnected by a limit, by ClientLimit.
  std::array<std::uint64_t, kClientLimitCount> clientsDisconnected{};
};

class AdminServer;

class Daemon {
 public:
  explicit Daemon(DaemonConfig config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens storage and binds every endpoint (config() then holds the bound ports), and writes the port file when
  // configured. Errors say what and where (port in use, unwritable directory).
  Status open();
  // Serves until a stop signal; returns the process exit code.
  int run();
  void requestStop();

  // For the admin endpoint and INFO: loop thread only.
  const DaemonConfig& config() const { return m_config; }
  NodeId nodeId() const { return m_nodeId; }
  Node& node() { return *m_node; }
  Storage& storage() { return *m_storage; }
  RealRuntime& runtime() { return *m_runtime; }
  PeerTransport& transport() { return *m_transport; }
  const DaemonMetrics& metrics() const { return m_metrics; }
  // Client commands processed, by lower-case command name ("unknown" for names ringlabd does not know), in name order;
  // commands never sent are left out.
  std::vector<std::pair<std::string, std::uint64_t>> commandCounts() const;
  Duration uptime() const;
  std::vector<MemberAddress> addressBook() const { return m_transport->addressBook(); }
  std::uint64_t generation() const { return m_generation; }
  std::uint64_t ringVersion() const { return m_ringVersion; }
  std::uint64_t residentBytes() const;
  // Whether this node can take traffic (GET /readyz): started and not stopping, storage open, joined (not left; with
  // seeds, gossip heard from another member), in its own ring, and the ring has enough members for R and W.
  // kUnavailable with the reason otherwise.
  Status readiness() const;

  // Admin actions (loop thread only).
  // This node's own membership status (normal, leaving, left).
  MemberStatus memberStatus() const;
  // Starts leaving the ring: status leaving (gossiped), then every range this node holds goes to the node that takes
  // it over, then status left and this node drops out of its own ring (it keeps running, serving clients as a
  // coordinator, until stopped). kInvalidArgument, with the reason, when the node is already leaving or gone, or the
  // ring would keep fewer than N members. A restart cancels a decommission in progress (the node comes back normal).
  Status decommission();
  const DecommissionProgress& decommissionProgress() const { return m_decommission; }
  // Removes another member that is gone for good (a machine that will not come back, or a name gossip made up): it
  // is marked left, which gossip spreads, its address is forgotten, and it leaves the ring. A member that is still
  // running comes back with its next heartbeat (decommission it instead). kInvalidArgument for this node,
  // kNotFound for a member it does not know.
  Status removeMember(NodeId member);
  // Blocks the loop thread for `duration`, as a stopped process or a long garbage-collection pause would: nothing
  // this node serves moves meanwhile (the kernel still accepts connections and buffers bytes).
  void pause(Duration duration);
  // Injected faults on outgoing peer messages; `description` says what changed (logged and published).
  void setFaultRules(PeerFaultRules rules, const std::string& description);

 private:
  // Writes config().portFile (see DaemonConfig::portFile). The error names the file.
  Status writePortFile() const;
  void acceptClients();
  void serveClient(std::shared_ptr<boost::asio::ip::tcp::socket> socket, std::uint64_t id);
  void lingerAfterError(boost::asio::ip::tcp::socket& socket);
  // INCR/DECR/INCRBY/DECRBY: adds `delta` to the key's PN-counter and replies with the total this node sees.
  void incrBy(const std::string& key, std::int64_t delta, std::string& out);
  struct ClientState;
  // Runs a batch of parsed commands, appending replies in order.
  // Returns false when the connection must close (a client limit was hit; the reason is in client).
  bool execute(ClientState& client, std::vector<std::vector<std::string>>& batch, std::string& out);
  // After replies were appended to `out` (the client's whole output buffer): enforces the output limits, and writes
  // while the buffer is over the soft limit. Returns false when the connection must close.
  bool checkOutput(ClientState& client, std::string& out);
  // Writes from `out` (erasing what the kernel took) until at most `keep` bytes wait. Returns false on a write error,
  // or when the soft limit's time or the write deadline passed (the reason is then in client).
  bool drainOutput(ClientState& client, std::string& out, std::size_t keep);
  void setPendingOutput(ClientState& client, std::size_t bytes);
  // Records the bytes of an incomplete command `client` holds, and closes the client with the largest when all of them
  // together pass --client-input-total-limit; false when that closed this client.
  bool checkInput(ClientState& client, std::size_t buffered);
  void setPendingInput(ClientState& client, std::size_t bytes);
  // While `total` (a figure the closings bring down) is over `limit`, closes the client holding the most `held` bytes;
  // `what` and `flag` name them in the log line.
  void closeLargestWhileOver(const std::size_t& total, std::size_t limit, std::size_t ClientState::*held,
                             ClientLimit reason, std::string_view what, std::string_view flag);
  // Marks the client for closing because of `limit` (logged when its connection closes) and closes its socket.
  void closeForLimit(ClientState& client, ClientLimit limit, std::string reason);
  // The commands clients may send (the table in daemon.cpp), and the one named `upperName`, or null.
  struct Command;
  static const std::vector<Command>& commands();
  static const Command* findCommand(std::string_view upperName);
  // The same for a name in any case (as clients send them), without building an upper-case copy.
  static const Command* findCommandAnyCase(std::string_view name);
  // Runs one command, checking authentication and arity against the table first; `command` is
  // findCommandAnyCase(args[0]), looked up once by the caller.
  void executeOne(ClientState& client, const Command* command, std::vector<std::string>& args, std::string& out);
  void runDelete(ClientState& client, std::vector<std::string>& args, std::string& out);
  void runIncrementBy(ClientState& client, std::vector<std::string>& args, std::string& out);
  void runConfig(ClientState& client, std::vector<std::string>& args, std::string& out);
  void runCommand(ClientState& client, std::vector<std::string>& args, std::string& out);
  void runHello(ClientState& client, std::vector<std::string>& args, std::string& out);
  void refreshRing();
  // After leaving the ring: sends the news to every peer and waits (bounded) until each that is not down has
  // answered. Returns {peers that answered, peers asked}.
  std::pair<std::size_t, std::size_t> announceDeparture();
  std::shared_ptr<const Ring> ringFor(const std::vector<NodeId>& members) const;
  std::string infoText(std::string_view section);
  void recordOp(Operation op, const OperationResult& result);
  // Answers a failed AUTH: slows the connection down, and closes it after too many failures.
  void authFailed(ClientState& client, std::string& out);

  DaemonConfig m_config;
  NodeId m_nodeId = 0;
  std::uint64_t m_generation = 1;
  std::uint64_t m_ringVersion = 0;
  std::unique_ptr<boost::asio::io_context> m_io;
  std::unique_ptr<FiberLoop> m_loop;
  std::unique_ptr<RealRuntime> m_runtime;
  std::unique_ptr<Storage> m_storage;
  RocksDbStorage* m_rocks = nullptr;
  std::unique_ptr<Node> m_node;
  std::unique_ptr<PeerTransport> m_transport;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> m_clientAcceptor;
  std::unique_ptr<AdminServer> m_admin;
  std::vector<std::weak_ptr<boost::asio::ip::tcp::socket>> m_clients;
  std::map<std::uint64_t, ClientState*> m_clientStates;  // every served client, by id (for the total output limit)
  std::uint64_t m_membersRefusedLogged = 0;              // MembershipView::refused() when last logged
  bool m_trimMemory = false;  // a large buffer was freed: return free heap memory to the system soon
  DaemonMetrics m_metrics;
  std::vector<std::uint64_t> m_commandCounts;  // by index in commands(), then one for unknown names
  DecommissionProgress m_decommission;
  std::size_t m_serviceFibers = 0;
  bool m_stopping = false;
};

}  // namespace ringlab::net
