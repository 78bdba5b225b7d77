#include <ringlab/net/daemon.h>

#include <fnmatch.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>

#include <ringlab/engine/hash.h>
#include <ringlab/net/admin_server.h>
#include <ringlab/net/descriptors.h>
#include <ringlab/net/log_limiter.h>
#include <ringlab/net/service_notify.h>

namespace ringlab::net {
namespace {

using boost::asio::ip::tcp;
using ErrorCodeT = boost::system::error_code;

constexpr std::size_t kClientReadChunk = 64 * 1024;
constexpr std::size_t kClientFirstRead = 1024;  // a pipeline of 16 small commands, on the connection's fiber stack
constexpr Duration kClientWriteTimeout = std::chrono::seconds(30);
// Most commands of a pipeline that run at once, before the output limits are checked. A write replies in a few bytes;
// a read may reply with a value (up to 1 MiB), so at most kMaxReadRun of them go in a run, which adds tens of MiB at
// most to an output buffer. Long runs of writes keep the storage busy: with RocksDB a run lands in a few group
// commits, and the larger a group, the less each write costs.
constexpr std::size_t kMaxCommandRun = 256;
constexpr std::size_t kMaxReadRun = 32;
constexpr std::size_t kRocksDbReplicaFibers = kMaxCommandRun;  // a whole run of writes reaches the writer at once
// A power of two; a run fills at most half of it, with the keys of the run of writes committing before it.
constexpr std::size_t kRunKeySlots = 8 * kMaxCommandRun;
// An output buffer that grew past this is freed once written, rather than kept for the next replies.
constexpr std::size_t kKeptOutputCapacity = 256 * 1024;
// How long, and how many bytes, a connection closed for a protocol error is still read (and dropped) so that its
// client sees the error reply instead of a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
// Free heap memory is handed back to the system at most this often (after a large buffer was freed).
constexpr Duration kMemoryTrimInterval = std::chrono::seconds(1);
// A failed AUTH answers after kAuthFailureDelay times the connection's failures so far (at most a second); the
// kMaxAuthFailures-th closes the connection.
constexpr Duration kAuthFailureDelay = std::chrono::milliseconds(100);
constexpr std::size_t kMaxAuthFailures = 10;
constexpr Duration kMembershipInterval = std::chrono::milliseconds(200);
constexpr const char* kRedisCompatVersion = "7.0.0";
// Descriptors kept out of the client budget: peer connections (two per member), the log, the spare descriptor and
// the rest; RocksDB keeps up to 256 files open on top (its max_open_files).
constexpr std::size_t kReservedDescriptors = 256;
constexpr std::size_t kRocksDbDescriptors = 256;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status checkWritableDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(ErrorCode::kUnavailable, "cannot create data directory '" + dir + "': " + ec.message());
  const std::string probe = dir + "/.ringlabd-write-test";
  {
    std::ofstream out(probe);
    if (!out || !(out << "ok") || !out.flush()) {
      return Status(ErrorCode::kUnavailable, "data directory '" + dir + "' is not writable");
    }
  }
  std::filesystem::remove(probe, ec);
  return Status::ok();
}

std::string remoteOf(const tcp::socket& socket) {
  ErrorCodeT ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "?";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

void LatencyHistogram::record(Duration d) {
  const double seconds = std::chrono::duration<double>(d).count();
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  counts[i]++;
  sum += seconds;
  total++;
}

struct Daemon::ClientState {
  std::uint64_t id = 0;
  std::string name;
  std::string remote;
  bool authenticated = false;
  bool quit = false;
  tcp::socket* socket = nullptr;
  std::size_t pendingOutput = 0;  // replies not yet taken by the kernel; counted in metrics().clientOutputBytes
  std::size_t pendingInput = 0;   // bytes of a command not yet whole; counted in metrics().clientInputBytes
  std::optional<std::chrono::steady_clock::time_point> overSoftSince;  // since when pendingOutput > the soft limit
  bool closing = false;        // a limit closed the connection: nothing more is run or written
  std::string closeReason;     // why, for the log
  bool replyTooLarge = false;  // a reply being built passed the hard limit (set by executeOne)
  std::size_t runReplyBytes = 0;
  std::size_t authFailures = 0;  // failed AUTH or HELLO AUTH on this connection  // values MGET put in the replies of
                                 // the current run of commands
};

// --- Commands
//
// One table says what each command is: its arity (as Redis counts it, the name included; negative means at least),
// its flags, where its keys are, its group and summary, and the function that runs it. COMMAND, COMMAND COUNT,
// COMMAND INFO and COMMAND DOCS answer from it, arity errors and the unknown-command message come from it, and the
// pipeline scheduler asks it which commands touch which keys and which write.

namespace {

enum CommandFlag : std::uint8_t {
  kWrite = 1,     // changes data
  kReadOnly = 2,  // reads data only
  kFast = 4,      // answers without a round trip to the storage or a peer
  kNoAuth = 8,    // allowed before AUTH
};

constexpr std::pair<CommandFlag, std::string_view> kFlagNames[] = {
    {kWrite, "write"}, {kReadOnly, "readonly"}, {kFast, "fast"}, {kNoAuth, "no_auth"}};

}  // namespace

struct Daemon::Command {
  using Args = std::vector<std::string>;
  std::string_view name;  // upper case
  int arity;
  std::uint8_t flags;
  int firstKey, lastKey, keyStep;  // argument positions of the keys; lastKey -1: the last argument; all 0: no keys
  std::string_view group;          // as COMMAND DOCS groups commands: string, generic, connection, server
  std::string_view summary;
  void (*run)(Daemon& daemon, ClientState& client, Args& args, std::string& out);

  bool arityFits(std::size_t argc) const {
    return arity > 0 ? argc == static_cast<std::size_t>(arity) : argc >= static_cast<std::size_t>(-arity);
  }
  // Calls `visit` with each key argument, in order, while it returns true; returns whether it always did.
  template <typename Visit>
  bool forEachKey(const Args& args, Visit visit) const {
    if (firstKey == 0) return true;
    const long last = lastKey < 0 ? static_cast<long>(args.size()) + lastKey : lastKey;
    for (long i = firstKey; i <= last && i < static_cast<long>(args.size()); i += keyStep) {
      if (!visit(std::string_view(args[static_cast<std::size_t>(i)]))) return false;
    }
    return true;
  }
};

std::string_view clientLimitName(ClientLimit limit) {
  switch (limit) {
    case ClientLimit::kOutputHard: return "output_hard";
    case ClientLimit::kOutputSoft: return "output_soft";
    case ClientLimit::kOutputTotal: return "output_total";
    case ClientLimit::kPartialCommand: return "partial_command";
    case ClientLimit::kInputTotal: return "input_total";
  }
  return "output_hard";
}

Daemon::Daemon(DaemonConfig config) : m_config(std::move(config)), m_commandCounts(commands().size() + 1, 0) {}

Daemon::~Daemon() {
  m_admin.reset();
  m_transport.reset();
  m_node.reset();
  m_storage.reset();
}

Duration Daemon::uptime() const { return m_loop ? m_loop->sinceStart() : Duration{0}; }

std::uint64_t Daemon::residentBytes() const {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string_view operationErrorReasonName(OperationErrorReason reason) {
  switch (reason) {
    case OperationErrorReason::kTimeout: return "timeout";
    case OperationErrorReason::kUnavailable: return "unavailable";
    case OperationErrorReason::kRejected: return "rejected";
    case OperationErrorReason::kCancelled: return "cancelled";
    case OperationErrorReason::kOther: break;
  }
  return "other";
}

OperationErrorReason operationErrorReasonOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTimeout: return OperationErrorReason::kTimeout;
    case ErrorCode::kUnavailable: return OperationErrorReason::kUnavailable;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kTooLarge: return OperationErrorReason::kRejected;
    case ErrorCode::kCancelled: return OperationErrorReason::kCancelled;
    default: return OperationErrorReason::kOther;
  }
}

Status Daemon::readiness() const {
  const std::string& self = m_config.nodeName;
  auto notReady = [](std::string reason) { return Status(ErrorCode::kUnavailable, std::move(reason)); };
  if (m_stopping) return notReady(self + " is shutting down");
  if (!m_node || !m_node->running()) return notReady(self + " has not started serving yet");
  if (!m_storage) return notReady(self + " has no storage open");
  if (memberStatus() == MemberStatus::kLeft) return notReady(self + " has left the ring (decommissioned)");
  if (!m_config.seeds.empty()) {
    bool heard = false;  // gossip from another member, not just its name
    for (NodeId member : m_node->membership().members()) {
      const auto info = m_node->membership().member(member);
      heard = heard || (member != m_nodeId && info && info->generation != 0);
    }
    if (!heard) {
      std::string seeds;
      for (const HostPort& seed : m_config.seeds) seeds += (seeds.empty() ? "" : ", ") + seed.toString();
      return notReady(self + " has not joined its cluster yet: no gossip heard from another member (seeds: " + seeds +
                      ")");
    }
  }
  const Ring& ring = m_node->ring();
  if (!ring.contains(m_nodeId)) return notReady(self + " is not in its ring yet");
  const std::size_t needed = std::max(m_config.quorum.r, m_config.quorum.w);
  if (ring.nodes().size() < needed) {
    return notReady("the ring of " + self + " has " + std::to_string(ring.nodes().size()) +
                    (ring.nodes().size() == 1 ? " member" : " members") + "; reads and writes need " +
                    std::to_string(needed) + " (R = " + std::to_string(m_config.quorum.r) +
                    ", W = " + std::to_string(m_config.quorum.w) + ")");
  }
  return Status::ok();
}

Status Daemon::open() {
  m_nodeId = parseNodeName(m_config.nodeName);
  if (m_nodeId == kNoNode) {
    return Status(ErrorCode::kInvalidArgument,
                  "--node-id: '" + m_config.nodeName + "' is not a node name (expected n1, n2, n3, ...)");
  }
  if (Status s = m_config.quorum.validate(); !s.isOk()) return Status(ErrorCode::kInvalidArgument, s.message());
  if (m_config.vnodes == 0 || m_config.vnodes > 4096) {
    return Status(ErrorCode::kInvalidArgument, "--vnodes must be between 1 and 4096");
  }
  if (m_config.advertiseHost.empty()) {
    m_config.advertiseHost =
        (m_config.bindHost == "0.0.0.0" || m_config.bindHost == "::") ? "127.0.0.1" : m_config.bindHost;
  }
  {
    // Every client and admin connection takes a descriptor: make room for all of them and a reserve, so that clients
    // and admin floods cannot starve peers and storage; with less, fewer clients are allowed.
    const std::size_t reserve =
        kReservedDescriptors + (m_config.storage == StorageKind::kRocksDb ? kRocksDbDescriptors : 0);
    const std::size_t wanted = m_config.maxClients + m_config.maxAdminConnections + reserve;
    const std::size_t limit = raiseDescriptorLimit(wanted);
    if (limit < wanted) {
      const std::size_t others = m_config.maxAdminConnections + reserve;
      const std::size_t clients = limit > others + 16 ? limit - others : 16;
      spdlog::warn(
          "the descriptor limit is {} (ulimit -n, or LimitNOFILE= in the unit): --max-clients lowered from {} to {} "
          "to keep {} for admin connections, peers and storage",
          limit, m_config.maxClients, clients, others);
      m_config.maxClients = std::min(m_config.maxClients, clients);
    }
    reserveSpareDescriptor();
  }
  m_io = std::make_unique<boost::asio::io_context>(1);
  m_loop = std::make_unique<FiberLoop>(*m_io);
  const std::uint64_t seed = (static_cast<std::uint64_t>(::getpid()) << 32) ^
                             static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  const std::size_t replicaFibers = m_config.storage == StorageKind::kRocksDb
                                        ? std::max(m_config.replicaFibers, kRocksDbReplicaFibers)
                                        : m_config.replicaFibers;
  m_runtime = std::make_unique<RealRuntime>(*m_loop, m_nodeId, replicaFibers, mix64(seed));
  m_runtime->setClockOffset(m_config.clockOffset);

  if (m_config.storage == StorageKind::kRocksDb) {
    if (m_config.dataDir.empty()) return Status(ErrorCode::kInvalidArgument, "--data-dir is required with rocksdb");
    if (Status s = checkWritableDirectory(m_config.dataDir); !s.isOk()) return s;
    auto opened = RocksDbStorage::open(*m_io, m_config.dataDir, m_config.sync);
    if (!opened) return opened.status();
    m_rocks = opened->get();
    m_storage = std::move(*opened);
  } else {
    m_storage = makeMemoryStorage();
  }

  // Generations must grow across restarts: the wall clock in milliseconds does.
  // The true clock, not the shifted one (--clock-offset-ms): a node restarted with a clock behind must not come back
  // with a generation lower than its last, which peers would ignore.
  m_generation = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  NodeConfig nodeConfig;
  nodeConfig.id = m_nodeId;
  nodeConfig.quorum = m_config.quorum;
  nodeConfig.conflicts = m_config.conflicts;
  nodeConfig.maxSiblings = m_config.maxSiblings;
  nodeConfig.injectedBug = m_config.injectedBug;
  nodeConfig.requestTimeout = m_config.requestTimeout;
  nodeConfig.membershipLimits = MembershipLimits{m_config.maxMembers, m_config.maxNewMembersPerGossip};
  if (m_config.gossipInterval < std::chrono::milliseconds(10)) {
    return Status(ErrorCode::kInvalidArgument, "--gossip-interval-ms must be at least 10");
  }
  {
    // The detector's defaults suit a 1s round; keep the same proportions for any other.
    MechanismConfig& mechanisms = nodeConfig.mechanisms;
    const Duration round = m_config.gossipInterval;
    mechanisms.gossipInterval = round;
    mechanisms.detector.minStdDev = round / 2;
    mechanisms.detector.acceptablePause = round;
    mechanisms.detector.firstHeartbeatEstimate = round;
    mechanisms.detectorInterval = std::min<Duration>(std::chrono::milliseconds(250), round / 4);
    mechanisms.detection = m_config.detection;
    mechanisms.swim.probeTimeout = std::min<Duration>(std::chrono::milliseconds(500), round / 2);
    mechanisms.tombstoneGc = m_config.tombstoneGrace > Duration{0};
    if (mechanisms.tombstoneGc) mechanisms.tombstoneGrace = m_config.tombstoneGrace;
  }
  m_node = std::make_unique<Node>(nodeConfig, *m_runtime, *m_storage, ringFor({m_nodeId}));

  // Bind every endpoint before serving any, so that a port in use stops the start cleanly. Clients and admin first:
  // a port 0 becomes the one the kernel picked, and the peer handshake advertises the bound ports.
  {
    ErrorCodeT ec;
    const auto address = boost::asio::ip::make_address(m_config.bindHost, ec);
    const std::string where = m_config.bindHost + ":" + std::to_string(m_config.clientPort);
    if (ec) return Status(ErrorCode::kInvalidArgument, "--bind: '" + m_config.bindHost + "' is not an IP address");
    auto acceptor = std::make_unique<tcp::acceptor>(*m_io);
    const tcp::endpoint endpoint(address, m_config.clientPort);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
    if (!ec) m_config.clientPort = acceptor->local_endpoint(ec).port();
    if (ec) return Status(ErrorCode::kUnavailable, "cannot listen for clients on " + where + ": " + ec.message());
    m_clientAcceptor = std::move(acceptor);
  }
  if (m_config.adminPort != 0 || m_config.adminAnyPort) {
    m_admin = std::make_unique<AdminServer>(*this);
    if (Status s = m_admin->listen(m_config.bindHost, m_config.adminAnyPort ? 0 : m_config.adminPort); !s.isOk()) {
      return s;
    }
    m_config.adminPort = m_admin->port();
  }

  PeerTransportConfig peerConfig;
  peerConfig.cluster = m_config.cluster;
  peerConfig.secret = m_config.clusterSecret;
  peerConfig.self =
      MemberAddress{m_nodeId, m_config.advertiseHost, m_config.peerPort, m_config.clientPort, m_config.adminPort};
  peerConfig.bindHost = m_config.bindHost;
  peerConfig.seeds = m_config.seeds;
  peerConfig.maxAddresses = m_config.maxMembers;
  PeerTransport::Callbacks callbacks;
  callbacks.onMessage = [this](Message message) { m_node->onMessage(std::move(message)); };
  callbacks.onUnreachable = [this](NodeId to, MessageKind kind, std::uint64_t requestId) {
    m_node->onUnreachable(to, kind, requestId);
  };
  callbacks.onPeerDiscovered = [this](const MemberAddress& address) {
    spdlog::info("peer {} at {}:{} (clients {}, admin {})", nodeName(address.node), address.host, address.peerPort,
                 address.clientPort, address.adminPort);
    if (m_node->running()) m_node->addPeer(address.node);
  };
  m_transport = std::make_unique<PeerTransport>(*m_runtime, peerConfig, callbacks);
  m_runtime->setTransport(m_transport.get());
  if (Status s = m_transport->listen(); !s.isOk()) return s;
  m_config.peerPort = m_transport->peerPort();
  if (!m_config.portFile.empty()) {
    if (Status s = writePortFile(); !s.isOk()) return s;
  }
  return Status::ok();
}

Status Daemon::writePortFile() const {
  const std::string& path = m_config.portFile;
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << "client_port=" << m_config.clientPort << "\npeer_port=" << m_config.peerPort
        << "\nadmin_port=" << m_config.adminPort << "\n";
    out.close();
    if (!out) return Status(ErrorCode::kUnavailable, "--port-file: cannot write '" + temporary + "'");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec)
    return Status(ErrorCode::kUnavailable,
                  "--port-file: cannot rename '" + temporary + "' to '" + path + "': " + ec.message());
  return Status::ok();
}

std::shared_ptr<const Ring> Daemon::ringFor(const std::vector<NodeId>& members) const {
  std::vector<RingEntry> entries;
  entries.reserve(members.size() * m_config.vnodes);
  for (NodeId member : members) {
    const std::string base = nodeName(member) + "#";
    for (std::size_t v = 0; v < m_config.vnodes; ++v) {
      entries.push_back(RingEntry{tokenForKey(base + std::to_string(v)), member});
    }
  }
  RingConfig ringConfig;
  ringConfig.strategy = PlacementStrategy::kVnodes;
  ringConfig.vnodesPerNode = m_config.vnodes;
  return std::make_shared<const Ring>(Ring::fromEntries(std::move(entries), ringConfig));
}

void Daemon::refreshRing() {
  std::vector<NodeId> members;
  for (NodeId member : m_node->membership().members()) {
    const auto info = m_node->membership().member(member);
    // A member joins the ring once this node has its address: from a handshake with it, or from the address book
    // of a peer that proved the cluster secret. A name that only gossip mentions does not, so a gossip message
    // listing invented members cannot fill the ring with nodes nobody can reach. Then it stays in until it has left
    // (status normal until gossip says otherwise); this node too.
    if (info && info->status != MemberStatus::kLeft && m_transport->hasAddress(member)) members.push_back(member);
  }
  if (members == m_node->ring().nodes()) return;
  m_node->setRing(ringFor(members));
  ++m_ringVersion;
  std::string names;
  for (NodeId member : members) names += (names.empty() ? "" : ",") + nodeName(member);
  spdlog::info("ring version {}: members {}", m_ringVersion, names);
  auto& bus = m_runtime->events();
  if (bus.wants(EventType::kClusterChanged)) {
    bus.publish(ClusterChanged{m_runtime->now(), "ring members " + names});
  }
}

MemberStatus Daemon::memberStatus() const {
  const auto self = m_node->membership().member(m_nodeId);
  return self ? self->status : MemberStatus::kNormal;
}

Status Daemon::decommission() {
  const std::string self = m_config.nodeName;
  if (m_stopping) return Status(ErrorCode::kInvalidArgument, self + " is shutting down");
  const MemberStatus status = memberStatus();
  if (status == MemberStatus::kLeaving)
    return Status(ErrorCode::kInvalidArgument, self + " is already leaving the ring");
  if (status == MemberStatus::kLeft) return Status(ErrorCode::kInvalidArgument, self + " has already left the ring");
  const Ring& before = m_node->ring();
  if (!before.contains(m_nodeId)) return Status(ErrorCode::kInvalidArgument, self + " is not in its ring");
  const std::size_t members = before.nodes().size();
  if (members <= m_config.quorum.n) {
    return Status(ErrorCode::kInvalidArgument,
                  "decommissioning " + self + " would leave " + std::to_string(members - 1) +
                      (members == 2 ? " member" : " members") +
                      " in the ring, fewer than N = " + std::to_string(m_config.quorum.n) + " (add a node first)");
  }
  const Ring after = before.withoutNode(m_nodeId);
  std::vector<Node::HandOffTask> tasks;
  for (const RangeTransfer& transfer : Ring::diff(before, after, m_config.quorum.n)) {
    if (transfer.from == m_nodeId && transfer.to != m_nodeId) tasks.push_back({transfer.range, transfer.to});
  }
  m_node->setMemberStatus(MemberStatus::kLeaving);
  m_decommission = DecommissionProgress{};
  m_decommission.started = true;
  m_decommission.rangesTotal = tasks.size();
  spdlog::warn("decommissioning: handing {} ranges to the remaining members, then leaving the ring", tasks.size());
  auto& bus = m_runtime->events();
  if (bus.wants(EventType::kNodeStateChanged)) {
    bus.publish(NodeStateChanged{m_runtime->now(), m_nodeId, NodeState::kLeaving, "decommissioning (admin request)"});
  }
  m_runtime->spawn(FiberRole::kSystem, "decommission", [this, tasks = std::move(tasks)] {
    // Progress, for /cluster, as the hand-off reports each range.
    struct Progress {
      EventBus& bus;
      EventBus::SubscriptionId id;
      ~Progress() { bus.unsubscribe(id); }
    } progress{m_runtime->events(),
               m_runtime->events().subscribe(maskOf(EventType::kRangeStreamed), [this](const Event& event) {
                 const auto& streamed = std::get<RangeStreamed>(event);
                 if (streamed.source != m_nodeId && streamed.source != kNoNode) return;
                 (streamed.source == kNoNode ? m_decommission.rangesFailed : m_decommission.rangesDone)++;
                 m_decommission.records += streamed.records;
               })};
    const Node::StreamOutcome outcome = m_node->handOff(tasks);
    // Hints it holds for owners that are out of reach would leave with it: they go on to a fallback first.
    const std::size_t hintsHeld = m_node->hints().pending();
    const std::size_t hintsLeft = hintsHeld > 0 ? m_node->handOffHints() : 0;
    if (hintsHeld > 0) {
      spdlog::warn("decommissioning: handed on {} of {} hints held for other nodes", hintsHeld - hintsLeft, hintsHeld);
    }
    m_node->setMemberStatus(MemberStatus::kLeft);
    // Tell every peer now, and wait for their answers, before saying the decommission has finished: a node stopped
    // right after would otherwise take the news of its leaving with it, and stay in the others' rings as a member
    // that is down.
    const auto [told, asked] = announceDeparture();
    m_decommission.finished = true;
    spdlog::warn(
        "left the ring: {} records handed off in {} ranges ({} ranges not acknowledged); {} of {} peers "
        "acknowledged the departure",
        outcome.records, outcome.rangesDone, outcome.rangesFailed, told, asked);
    auto& events = m_runtime->events();
    if (events.wants(EventType::kClusterChanged)) {
      events.publish(ClusterChanged{m_runtime->now(), m_config.nodeName + " left: " + std::to_string(outcome.records) +
                                                          " records handed off in " +
                                                          std::to_string(outcome.rangesDone) + " ranges"});
    }
    refreshRing();
  });
  return Status::ok();
}

std::pair<std::size_t, std::size_t> Daemon::announceDeparture() {
  const TimePoint since = m_runtime->now();
  const TimePoint deadline = since + std::max<Duration>(4 * m_config.requestTimeout, std::chrono::seconds(2));
  const std::vector<NodeId> asked = m_node->announce();
  const auto answered = [&](NodeId peer) { return m_node->gossipHeardSince(peer, since); };
  TimePoint lastAsk = since;
  for (;;) {
    std::size_t waiting = 0;
    for (NodeId peer : asked) waiting += !answered(peer) && m_node->peerState(peer) != NodeState::kDown;
    if (waiting == 0 || m_runtime->now() >= deadline || m_stopping) break;
    if (m_runtime->now() - lastAsk >= std::chrono::milliseconds(500)) {
      (void)m_node->announce();  // a peer that was reconnecting gets it again
      lastAsk = m_runtime->now();
    }
    m_runtime->sleepFor(std::chrono::milliseconds(20));
  }
  std::size_t told = 0;
  for (NodeId peer : asked) told += answered(peer);
  return {told, asked.size()};
}

Status Daemon::removeMember(NodeId member) {
  if (Status s = m_node->removeMember(member); !s.isOk()) return s;
  m_transport->forget(member);
  spdlog::warn("removed member {} (admin request): marked as left; gossip tells the other members", nodeName(member));
  auto& bus = m_runtime->events();
  if (bus.wants(EventType::kClusterChanged)) {
    bus.publish(ClusterChanged{m_runtime->now(), nodeName(member) + " removed by an operator on " + m_config.nodeName});
  }
  refreshRing();
  return Status::ok();
}

void Daemon::pause(Duration duration) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  spdlog::warn("pausing for {} ms (admin request): nothing is served meanwhile", ms);
  auto& bus = m_runtime->events();
  if (bus.wants(EventType::kNodeStateChanged)) {
    bus.publish(NodeStateChanged{m_runtime->now(), m_nodeId, NodeState::kDown,
                                 "paused for " + std::to_string(ms) + " ms (admin request)"});
  }
  std::this_thread::sleep_for(duration);
  spdlog::warn("resumed after a pause of {} ms", ms);
  if (bus.wants(EventType::kNodeStateChanged)) {
    bus.publish(NodeStateChanged{m_runtime->now(), m_nodeId, NodeState::kUp, "resumed after a pause"});
  }
}

void Daemon::setFaultRules(PeerFaultRules rules, const std::string& description) {
  m_transport->setFaultRules(std::move(rules));
  spdlog::warn("fault injection: {}", description);
  auto& bus = m_runtime->events();
  if (bus.wants(EventType::kClusterChanged)) {
    bus.publish(ClusterChanged{m_runtime->now(), "fault injection on " + m_config.nodeName + ": " + description});
  }
}

void Daemon::requestStop() {
  if (m_stopping) return;
  m_stopping = true;
  spdlog::info("shutting down");
  (void)notifyServiceManager("STOPPING=1");
  ErrorCodeT ec;
  if (m_clientAcceptor) m_clientAcceptor->close(ec);
  for (auto& weak : m_clients) {
    if (auto socket = weak.lock()) socket->close(ec);
  }
  if (m_admin) m_admin->stop();
  m_transport->stop();
  m_node->stop();
  m_runtime->stop();
  m_loop->stop();
}

int Daemon::run() {
  boost::asio::signal_set signals(*m_io, SIGTERM, SIGINT);
  signals.async_wait([this](const ErrorCodeT& ec, int signal) {
    if (!ec) {
      spdlog::info("received signal {}", signal);
      requestStop();
    }
  });
  m_node->start(m_generation);
  for (const MemberAddress& address : m_transport->addressBook()) m_node->addPeer(address.node);
  m_transport->start();
  m_runtime->spawn(FiberRole::kClient, "client-accept", [this] { acceptClients(); });
  if (m_admin) m_admin->start();
  m_runtime->spawn(FiberRole::kSystem, "membership", [this] {
    TimePoint lastTrim{};
    for (;;) {
      refreshRing();
      m_loop->scheduler().setRecordSlices(m_runtime->events().wants(EventType::kFiberSlice));
      if (const std::uint64_t refused = m_node->membership().refused(); refused != m_membersRefusedLogged) {
        logLimited(spdlog::level::warn, "members-refused",
                   "gossip named " + std::to_string(refused - m_membersRefusedLogged) +
                       " more members than this node takes (at most " + std::to_string(m_config.maxMembers) +
                       " members, --max-members, and " + std::to_string(m_config.maxNewMembersPerGossip) +
                       " new ones per gossip message); they were left out");
        m_membersRefusedLogged = refused;
      }
      if (m_trimMemory && m_runtime->now() - lastTrim >= kMemoryTrimInterval) {
        // Large reply buffers were freed: glibc keeps freed memory for reuse, so without this the resident size
        // stays at its peak after an attack or a burst.
        m_trimMemory = false;
        lastTrim = m_runtime->now();
        ::malloc_trim(0);
      }
      m_runtime->sleepFor(kMembershipInterval);
    }
  });
  if (m_rocks && m_rocks->syncPolicy() == SyncPolicy::kEverySec) {
    m_runtime->spawn(FiberRole::kSystem, "log-sync", [this] {
      for (;;) {
        m_runtime->sleepFor(std::chrono::seconds(1));
        m_rocks->syncLog();
      }
    });
  }
  spdlog::info("{} of cluster '{}' serving clients on {}:{}, peers on {}:{}{}", m_config.nodeName, m_config.cluster,
               m_config.bindHost, m_config.clientPort, m_config.bindHost, m_config.peerPort,
               m_admin ? ", admin on " + m_config.bindHost + ":" + std::to_string(m_config.adminPort) : "");
  {
    // What an operator checks first: durability, replication and how this node finds the ring.
    std::string seeds;
    for (const HostPort& seed : m_config.seeds) seeds += (seeds.empty() ? "" : ",") + seed.toString();
    spdlog::info(
        "storage {}{}; N={} R={} W={}; {} vnodes; request timeout {} ms; {} every {} ms; {}; "
        "client AUTH {}, admin token {}, fault injection {}",
        m_config.storage == StorageKind::kMemory ? "memory (not durable)" : "rocksdb in " + m_config.dataDir,
        m_config.storage == StorageKind::kMemory ? "" : ", appendfsync " + std::string(syncPolicyName(m_config.sync)),
        m_config.quorum.n, m_config.quorum.r, m_config.quorum.w, m_config.vnodes,
        std::chrono::duration_cast<std::chrono::milliseconds>(m_config.requestTimeout).count(),
        m_config.detection == DetectionProtocol::kSwim ? "SWIM probes" : "gossip",
        std::chrono::duration_cast<std::chrono::milliseconds>(m_config.gossipInterval).count(),
        seeds.empty() ? std::string("no seeds (first node of a ring)") : "joining through " + seeds,
        m_config.password.empty() ? "off" : "on", m_config.adminToken.empty() ? "off" : "on",
        m_config.allowFaultInjection ? "allowed" : "off");
    if (m_config.injectedBug != InjectedBug::kNone) {
      spdlog::warn("injected bug '{}': this node is wrong on purpose, to test a checker; never use it for data",
                   injectedBugName(m_config.injectedBug));
    }
    if (m_config.clockOffset != Duration{0}) {
      spdlog::warn("the wall clock of this node is shifted by {} ms (--clock-offset-ms)",
                   std::chrono::duration_cast<std::chrono::milliseconds>(m_config.clockOffset).count());
    }
  }
  // systemd's Type=notify: the ports are bound and every fiber is started.
  if (!notifyServiceManager("READY=1\nSTATUS=serving clients on port " + std::to_string(m_config.clientPort))) {
    spdlog::warn("could not tell the service manager that the node is ready (NOTIFY_SOCKET={})",
                 std::getenv("NOTIFY_SOCKET"));
  }
  auto& bus = m_runtime->events();
  m_loop->run([this] { return m_loop->liveFibers() == 0; }, std::chrono::seconds(3),
              [&bus](std::vector<FiberSlice>& slices) {
                if (!bus.wants(EventType::kFiberSlice)) return;
                for (const FiberSlice& slice : slices) bus.publish(slice);
              });
  if (m_loop->liveFibers() != 0) {
    // Some fiber did not unwind in time. Storage is closed properly; the rest goes with the process.
    spdlog::warn("{} fibers still running at shutdown; exiting without waiting for them", m_loop->liveFibers());
    m_storage.reset();
    spdlog::shutdown();
    std::_Exit(0);
  }
  m_admin.reset();
  m_transport.reset();
  m_storage.reset();
  spdlog::info("stopped");
  return 0;
}

void Daemon::acceptClients() {
  std::uint64_t nextClient = 0;
  while (!m_stopping) {
    auto socket = std::make_shared<tcp::socket>(*m_io);
    auto [ec] =
        awaitHandler<ErrorCodeT>([&](auto handler) { m_clientAcceptor->async_accept(*socket, std::move(handler)); });
    if (m_stopping) break;
    if (ec) {
      backOffAfterAcceptError(*m_clientAcceptor, ec, "accepting a client", *m_runtime);
      continue;
    }
    m_metrics.connectionsReceived++;
    if (m_metrics.connectedClients >= m_config.maxClients) {
      m_metrics.connectionsRejected++;
      const std::string reply = "-ERR max number of clients reached\r\n";
      ErrorCodeT ignored;
      boost::asio::write(*socket, boost::asio::buffer(reply), ignored);
      socket->close(ignored);
      continue;
    }
    ErrorCodeT ignored;
    socket->set_option(tcp::no_delay(true), ignored);
    socket->non_blocking(true, ignored);
    m_clients.erase(std::remove_if(m_clients.begin(), m_clients.end(), [](auto& w) { return w.expired(); }),
                    m_clients.end());
    m_clients.push_back(socket);
    const std::uint64_t id = ++nextClient;
    m_runtime->spawn(FiberRole::kClient, "client-" + std::to_string(id), [this, socket, id] {
      m_metrics.connectedClients++;
      struct Leave {
        Daemon* d;
        ~Leave() { d->m_metrics.connectedClients--; }
      } leave{this};
      serveClient(socket, id);
    });
  }
}

void Daemon::serveClient(std::shared_ptr<tcp::socket> socket, std::uint64_t id) {
  ClientState client;
  client.id = id;
  client.remote = remoteOf(*socket);
  client.authenticated = m_config.password.empty();
  client.socket = socket.get();
  m_clientStates[id] = &client;
  RespParser parser(m_config.resp);
  std::vector<std::vector<std::string>> batch;
  std::string out;
  ErrorCodeT ignored;
  bool protocolError = false;
  // The next commands are read only once the replies to the previous ones are written: a client that does not read
  // its replies is not read either.
  while (!m_stopping) {
    // An idle client may wait as long as --timeout allows; one that sent part of a command has
    // --partial-command-timeout to send the rest, so that a half-sent command cannot hold its buffer forever.
    Duration wait = m_config.clientIdleTimeout;
    const bool partial = parser.buffered() > 0;
    if (partial && (wait == Duration{0} || m_config.partialCommandTimeout < wait))
      wait = m_config.partialCommandTimeout;
    std::optional<OperationDeadline> idle;
    if (wait > Duration{0}) idle.emplace(*m_io, *socket, wait);
    noteWait(WaitFor{WaitKind::kClient});
    // Wait for the next bytes by reading them into the connection's small buffer. Asio tries the read at once only
    // when the socket may hold data, and otherwise queues it on the descriptor it registered for input when the
    // connection opened; an async_wait would register the descriptor again, one epoll_ctl per wait (6% of a node
    // serving pipelined GETs). Whatever else the socket holds is then read into the loop's one large buffer without
    // yielding, so an idle connection holds only the small one.
    std::array<char, kClientFirstRead> first;
    auto [ec, firstBytes] = awaitHandler<ErrorCodeT, std::size_t>(
        [&](auto handler) { socket->async_read_some(boost::asio::buffer(first), std::move(handler)); });
    const bool expired = idle && idle->expired();
    idle.reset();
    if (expired && partial && ec) {  // bytes that came as the deadline passed keep the connection
      m_metrics.clientsDisconnected[static_cast<std::size_t>(ClientLimit::kPartialCommand)]++;
      client.closeReason = "sent " + std::to_string(parser.buffered()) +
                           " bytes of a command and not the rest within " +
                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait).count()) +
                           " s (--partial-command-timeout)";
    }
    if (ec || client.closing) break;
    parser.feed(std::string_view(first.data(), firstBytes));
    if (firstBytes == first.size()) {
      static std::vector<char> buffer(kClientReadChunk);
      // An error here (the peer closed after sending) is left for the next read to report: these commands run first.
      const std::size_t n = socket->read_some(boost::asio::buffer(buffer), ec);
      if (!ec) parser.feed(std::string_view(buffer.data(), n));
    }
    batch.clear();
    bool failed = false;
    for (;;) {
      std::vector<std::string> args;
      const auto outcome = parser.next(args);
      if (outcome == RespParser::Outcome::kCommand) {
        batch.push_back(std::move(args));
      } else {
        failed = outcome == RespParser::Outcome::kError;
        break;
      }
    }
    if (!checkInput(client, parser.buffered())) break;
    if (!execute(client, batch, out)) break;
    if (failed && !client.quit) {
      m_metrics.protocolErrors++;
      logLimited(spdlog::level::info, "client-protocol-error",
                 "client " + client.remote + ": " + parser.error() + "; closing the connection");
      appendError(out, "ERR " + parser.error());
      if (!checkOutput(client, out)) break;
    }
    if (!out.empty() && !drainOutput(client, out, 0)) break;
    if (out.capacity() > kKeptOutputCapacity) {
      std::string().swap(out);
      m_trimMemory = true;
    }
    if (failed || client.quit) {
      protocolError = failed && !client.quit;
      break;
    }
  }
  if (protocolError && !m_stopping) lingerAfterError(*socket);
  if (!client.closeReason.empty()) {
    logLimited(spdlog::level::warn, "client-limit",
               "client " + client.remote + " (id " + std::to_string(client.id) + "): " + client.closeReason +
                   "; disconnected");
  }
  m_trimMemory = true;  // its parser's and reply buffers, and the descriptors' kernel-side memory
  client.closing = false;
  setPendingOutput(client, 0);
  setPendingInput(client, 0);
  m_clientStates.erase(id);
  socket->shutdown(tcp::socket::shutdown_both, ignored);
  socket->close(ignored);
}

// After a protocol error the client may still be sending the rest of what it meant (a value over the bulk limit, say):
// closing with unread input makes the kernel reset the connection, and the reset can discard the error reply before
// the client reads it. So the node stops writing, then reads and drops input for a bounded time and amount (a
// lingering close, as web servers do), and closes when the client does or the bound is reached.
void Daemon::lingerAfterError(tcp::socket& socket) {
  ErrorCodeT ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return;
  std::size_t dropped = 0;
  const auto until = std::chrono::steady_clock::now() + kLingerTime;
  static std::vector<char> buffer(kClientReadChunk);
  while (!m_stopping && dropped < kLingerBytes) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) break;
    OperationDeadline deadline(*m_io, socket, std::chrono::duration_cast<Duration>(until - now));
    auto [waited] =
        awaitHandler<ErrorCodeT>([&](auto handler) { socket.async_wait(tcp::socket::wait_read, std::move(handler)); });
    if (waited || deadline.expired()) break;
    const std::size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) continue;
    if (ec) break;  // end of stream: the client has read the error and closed
    dropped += n;
  }
}

void Daemon::setPendingOutput(ClientState& client, std::size_t bytes) {
  if (client.closing) bytes = 0;  // already released when the limit closed it
  m_metrics.clientOutputBytes = m_metrics.clientOutputBytes - client.pendingOutput + bytes;
  client.pendingOutput = bytes;
  if (bytes > m_config.clientOutputSoftBytes) {
    if (!client.overSoftSince) client.overSoftSince = std::chrono::steady_clock::now();
  } else {
    client.overSoftSince.reset();
  }
}

void Daemon::setPendingInput(ClientState& client, std::size_t bytes) {
  if (client.closing) bytes = 0;
  m_metrics.clientInputBytes = m_metrics.clientInputBytes - client.pendingInput + bytes;
  client.pendingInput = bytes;
}

bool Daemon::checkInput(ClientState& client, std::size_t buffered) {
  if (client.closing) return false;
  setPendingInput(client, buffered);
  closeLargestWhileOver(m_metrics.clientInputBytes, m_config.clientInputTotalBytes, &ClientState::pendingInput,
                        ClientLimit::kInputTotal, "partial commands", "--client-input-total-limit");
  return !client.closing;
}

void Daemon::closeLargestWhileOver(const std::size_t& total, std::size_t limit, std::size_t ClientState::*held,
                                   ClientLimit reason, std::string_view what, std::string_view flag) {
  while (total > limit) {
    ClientState* largest = nullptr;
    for (const auto& [otherId, other] : m_clientStates) {
      if (!other->closing && (!largest || other->*held > largest->*held)) largest = other;
    }
    if (!largest) break;
    closeForLimit(*largest, reason,
                  "the " + std::string(what) + " of all clients hold " + std::to_string(total) +
                      " bytes, over the limit of " + std::to_string(limit) + " bytes (" + std::string(flag) +
                      "), and this client's (" + std::to_string(largest->*held) + " bytes) was the largest");
  }
}

void Daemon::closeForLimit(ClientState& client, ClientLimit limit, std::string reason) {
  if (client.closing) return;
  m_metrics.clientsDisconnected[static_cast<std::size_t>(limit)]++;
  setPendingOutput(client, 0);
  setPendingInput(client, 0);
  client.closing = true;
  client.closeReason = std::move(reason);
  ErrorCodeT ignored;
  client.socket->close(ignored);  // wakes its fiber if it waits on the socket
}

bool Daemon::checkOutput(ClientState& client, std::string& out) {
  if (client.closing) return false;
  const std::size_t hard = m_config.clientOutputHardBytes;
  if (client.replyTooLarge) {
    closeForLimit(client, ClientLimit::kOutputHard,
                  "a reply passed the output buffer hard limit of " + std::to_string(hard) +
                      " bytes (--client-output-hard-limit)");
    return false;
  }
  setPendingOutput(client, out.size());
  if (client.pendingOutput > hard) {
    closeForLimit(client, ClientLimit::kOutputHard,
                  "output buffer of " + std::to_string(client.pendingOutput) + " bytes passed the hard limit of " +
                      std::to_string(hard) + " bytes (--client-output-hard-limit)");
    return false;
  }
  closeLargestWhileOver(m_metrics.clientOutputBytes, m_config.clientOutputTotalBytes, &ClientState::pendingOutput,
                        ClientLimit::kOutputTotal, "output buffers", "--client-output-total-limit");
  if (client.closing) return false;
  if (client.pendingOutput > m_config.clientOutputSoftBytes) {
    return drainOutput(client, out, m_config.clientOutputSoftBytes);
  }
  return true;
}

bool Daemon::drainOutput(ClientState& client, std::string& out, std::size_t keep) {
  using Clock = std::chrono::steady_clock;
  const auto giveUp = Clock::now() + kClientWriteTimeout;
  std::size_t offset = 0;
  bool ok = true;
  // Most replies fit the socket buffer: write at once, and wait (with a deadline) only for the rest.
  while (!client.closing && out.size() - offset > keep) {
    ErrorCodeT ec;
    std::size_t written = client.socket->write_some(boost::asio::buffer(out.data() + offset, out.size() - offset), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
      ec = {};
      written = 0;
    }
    if (ec) {
      ok = false;
      break;
    }
    offset += written;
    setPendingOutput(client, out.size() - offset);
    if (out.size() - offset <= keep) break;
    auto deadline = giveUp;
    const bool soft = client.overSoftSince.has_value();
    if (soft) deadline = std::min(deadline, *client.overSoftSince + m_config.clientOutputSoftTime);
    const auto now = Clock::now();
    bool expired = now >= deadline;
    if (!expired) {
      OperationDeadline wait(*m_io, *client.socket, deadline - now);
      noteWait(WaitFor{WaitKind::kClient});
      auto [wec] = awaitHandler<ErrorCodeT>(
          [&](auto handler) { client.socket->async_wait(tcp::socket::wait_write, std::move(handler)); });
      expired = wait.expired();
      if (wec && !expired) {
        ok = false;
        break;
      }
    }
    if (expired) {
      if (soft && Clock::now() >= *client.overSoftSince + m_config.clientOutputSoftTime) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(m_config.clientOutputSoftTime).count();
        closeForLimit(client, ClientLimit::kOutputSoft,
                      "output buffer stayed over the soft limit of " + std::to_string(m_config.clientOutputSoftBytes) +
                          " bytes for " + std::to_string(ms) + " ms (--client-output-soft-limit, " +
                          "--client-output-soft-seconds); " + std::to_string(out.size() - offset) + " bytes unread");
      }
      ok = false;
      break;
    }
  }
  out.erase(0, offset);
  return ok && !client.closing;
}

bool Daemon::execute(ClientState& client, std::vector<std::vector<std::string>>& batch, std::string& out) {
  std::vector<std::string> replies(batch.size());
  std::vector<const Command*> found(batch.size());  // null: a name ringlabd does not know
  for (std::size_t k = 0; k < batch.size(); ++k) found[k] = findCommandAnyCase(batch[k][0]);

  // A run of commands running concurrently, a fiber per command, and the count of those not finished yet.
  struct Latch {
    std::size_t left = 0;
    boost::fibers::mutex mutex;
    boost::fibers::condition_variable done;
    void wait() {
      std::unique_lock lock(mutex);
      while (left > 0) done.wait(lock);
    }
  };
  struct Run {
    std::size_t begin = 0, end = 0;
    std::shared_ptr<Latch> latch;
  };
  auto reply = [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) {
      out += replies[k];
      std::string().swap(replies[k]);
      std::vector<std::string>().swap(batch[k]);  // the arguments too: a SET's value may be large
    }
  };
  // A run of writes whose replies are not out yet: the next run of writes starts before it finishes when no key is
  // shared. One connection's pipeline (a redis-cli --pipe load) then keeps both the event loop and the storage busy,
  // instead of the loop waiting for each group commit before it parses the next commands.
  std::optional<Run> committing;
  std::optional<Run> spawned;  // a run started and not yet committing or landed
  // Whatever way execute() ends, no fiber of a run is left holding references into the batch and the replies.
  struct WaitForRuns {
    const std::optional<Run>& committing;
    const std::optional<Run>& spawned;
    ~WaitForRuns() {
      if (spawned) spawned->latch->wait();
      if (committing) committing->latch->wait();
    }
  } waitForRuns{committing, spawned};
  auto land = [&]() -> bool {
    if (!committing) return true;
    committing->latch->wait();
    reply(committing->begin, committing->end);
    committing.reset();
    return checkOutput(client, out);
  };

  std::size_t i = 0;
  while (i < batch.size() && !client.quit && !client.closing) {
    // The longest run (of at most kMaxCommandRun) of key commands from i whose keys are all distinct (and distinct
    // from those of a committing run) runs concurrently, a fiber per command; anything else runs alone, in order.
    // Either way replies go out in request order, and the output limits are checked after each run.
    std::size_t j = i;
    std::size_t reads = 0;
    bool sharesCommittingKey = false;
    if (client.authenticated) {
      // Distinct keys, told apart by hash in a small table on the stack: two keys that share a slot's hash end the
      // run early (it is then merely shorter), never let two commands on one key run at once.
      // Only as much of the table as the rest of the batch can fill is cleared (a lone command clears 8 slots).
      std::array<std::size_t, kRunKeySlots> seen;
      std::size_t slots = 8;
      while (slots < kRunKeySlots && slots < 4 * (batch.size() - i)) slots *= 2;
      if (committing) slots = kRunKeySlots;
      std::fill_n(seen.begin(), slots, std::size_t{0});
      std::size_t seenKeys = 0;
      auto addKey = [&](std::string_view key) {
        std::size_t hash = std::hash<std::string_view>()(key) | 1;  // 0 marks a free slot
        for (std::size_t slot = hash & (slots - 1);; slot = (slot + 1) & (slots - 1)) {
          if (seen[slot] == 0) {
            seen[slot] = hash;
            return ++seenKeys < slots / 2;
          }
          if (seen[slot] == hash) return false;
        }
      };
      // The committing run's keys first. They are distinct and fill under half of the table; should they not (a run
      // of commands with many keys each), the run lands first.
      for (std::size_t k = committing ? committing->begin : 0; committing && k < committing->end; ++k) {
        if (!found[k]->forEachKey(batch[k], addKey)) sharesCommittingKey = true;
      }
      while (!sharesCommittingKey && j < batch.size() && j - i < kMaxCommandRun) {
        const Command* command = found[j];
        if (!command || command->firstKey == 0 || !command->arityFits(batch[j].size())) break;
        if (!(command->flags & kWrite) && ++reads > kMaxReadRun) break;
        if (!command->forEachKey(batch[j], addKey)) {
          if (j == i && !committing) ++j;  // a command on its own may name a key twice (MSET k 1 k 2)
          break;
        }
        ++j;
      }
    }
    sharesCommittingKey = sharesCommittingKey || (committing && j == i);
    if (committing && (sharesCommittingKey || reads > 0)) {
      // This run waits for the committing one: its first command shares a key with it, or is not a key command (or
      // not a known one), or the run reads.
      if (!land()) return false;
      continue;
    }
    j = std::max(j, i + 1);
    client.runReplyBytes = 0;
    const bool anyWrite =
        std::any_of(found.begin() + static_cast<std::ptrdiff_t>(i), found.begin() + static_cast<std::ptrdiff_t>(j),
                    [](const Command* command) { return command && (command->flags & kWrite); });
    const bool concurrent = (j - i > 1 || committing) && (m_config.quorum.n > 1 || (m_rocks && anyWrite));
    if (!concurrent) {
      // One command, or every operation is served locally without waiting for a peer or the disk: concurrency would
      // only add fiber switches. Writes to RocksDB do wait (for the writer thread's group commit), so a run with
      // writes goes concurrently below: the whole run then lands in one write batch instead of one per command.
      if (!land()) return false;
      for (std::size_t k = i; k < j && !client.quit; ++k) executeOne(client, found[k], batch[k], replies[k]);
      reply(i, j);
      i = j;
      if (!checkOutput(client, out)) return false;
      continue;
    }
    spawned = Run{i, j, std::make_shared<Latch>()};
    const std::shared_ptr<Latch> latch = spawned->latch;
    // Counted as each fiber is spawned (none runs before this fiber yields): should a spawn fail, or the node be
    // shutting down, the count holds only the fibers that exist.
    for (std::size_t k = i; k < j; ++k) {
      // Shutting down: spawn() would refuse. The commands not started get no reply; the connection is closing.
      if (m_runtime->stopped()) break;
      // Straight on the loop (not Runtime::spawn, which may cancel a fiber before its body runs): the count-down
      // must happen whatever becomes of the command.
      // A run holds key commands only, so found[k] is never null here.
      m_loop->spawn(m_nodeId, FiberRole::kCoordinator, lower(found[k]->name),
                    [this, &client, &batch, &replies, command = found[k], k, latch] {
                      struct CountDown {
                        Latch& latch;
                        ~CountDown() {
                          if (--latch.left == 0) latch.done.notify_all();
                        }
                      } countDown{*latch};
                      try {
                        executeOne(client, command, batch[k], replies[k]);
                      } catch (const FiberCancelled&) {
                        // The node stopped while the command waited; the connection is closing anyway.
                      }
                    });
      ++latch->left;
    }
    i = j;
    if (committing) m_metrics.pipelineRunsOverlapped++;
    const bool writeFollows = i < batch.size() && found[i] && found[i]->firstKey != 0 && (found[i]->flags & kWrite);
    if (m_rocks && anyWrite && reads == 0 && writeFollows) {
      // A write follows: the run's fibers queue their writes, and the writer starts on them while this fiber parses
      // the next run. (A batch's last run waits for the loop's pass to end instead, so that the writes of
      // every connection served in the pass share one group commit.)
      boost::this_fiber::yield();
      m_rocks->startQueuedWrites();
    }
    // The run before this one (if any) goes out first; the waitForRuns guard waits for this one if that fails.
    if (!land()) return false;
    committing.swap(spawned);  // spawned is empty: committing landed above
    if (!anyWrite || reads > 0) {
      if (!land()) return false;
    }
  }
  return land();
}

void Daemon::authFailed(ClientState& client, std::string& out) {
  // Guessing is slowed down per connection (each failure waits longer than the one before), and a connection that
  // keeps failing is closed: tens of thousands of guesses a second become a handful.
  ++client.authFailures;
  m_metrics.authFailures++;
  appendError(out, "WRONGPASS invalid username-password pair or user is disabled.");
  if (client.authFailures >= kMaxAuthFailures) {
    client.quit = true;  // the reply goes out, then the connection closes
    logLimited(spdlog::level::warn, "client-auth",
               "client " + client.remote + ": " + std::to_string(client.authFailures) +
                   " failed AUTH attempts; closing the connection");
    return;
  }
  m_runtime->sleepFor(std::min<Duration>(kAuthFailureDelay * client.authFailures, std::chrono::seconds(1)));
}

void Daemon::recordOp(Operation op, const OperationResult& result) {
  auto index = static_cast<std::size_t>(op);
  m_metrics.opLatency[index].record(result.completed - result.begun);
  if (!result.status.isOk()) {
    m_metrics.opErrors[index][static_cast<std::size_t>(operationErrorReasonOf(result.status.code()))]++;
  }
}

void Daemon::incrBy(const std::string& key, std::int64_t delta, std::string& out) {
  OperationResult result = m_node->increment(key, delta);
  recordOp(Operation::kPut, result);  // metrics count increments as writes
  if (!result.status.isOk()) {
    const std::string& message = result.status.message();
    if (message.rfind("WRONGTYPE", 0) == 0) return appendError(out, message);
    return appendError(out, "ERR " + result.status.toString());
  }
  // The coordinator's own copy may lack increments acknowledged through other nodes: a quorum read (R + W > N)
  // after the increment sees every one of them, so a client's INCRs through different nodes reply 1, 2, 3, ...
  std::int64_t total = result.record ? result.record->counter.value() : 0;
  OperationResult read = m_node->get(key);
  recordOp(Operation::kGet, read);
  if (read.status.isOk() && read.record && read.record->kind == RecordKind::kCounter) {
    total = PnCounter::merge(read.record->counter, result.record ? result.record->counter : PnCounter{}).value();
  }
  appendInteger(out, total);
}

namespace {

// GETCTX's context as text: "n1:4,n3:2" (empty for a key never written in siblings mode). Clients treat it as opaque
// and hand it back to SETCTX.
std::string formatContext(const VersionVector& context) {
  std::string out;
  for (const auto& e : context.entries()) {
    out += (out.empty() ? "" : ",") + nodeName(e.node) + ":" + std::to_string(e.counter);
  }
  return out;
}

std::optional<VersionVector> parseContext(std::string_view text) {
  std::vector<VersionVector::Entry> entries;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const NodeId node = parseNodeName(item.substr(0, colon));
    std::uint64_t counter = 0;
    const std::string_view digits = item.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), counter);
    if (node == kNoNode || digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) {
      return std::nullopt;
    }
    entries.push_back({node, counter});
  }
  return VersionVector(std::move(entries));
}

std::optional<std::int64_t> parseInteger(const std::string& text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

const std::vector<Daemon::Command>& Daemon::commands() {
  using Args = Command::Args;
  static const std::vector<Command> table = {
      {"GET", 2, kReadOnly, 1, 1, 1, "string", "Returns the value of a key, read from R replicas.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         OperationResult result = d.m_node->get(args[1]);
         d.recordOp(Operation::kGet, result);
         if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
         if (result.record && result.record->siblings.siblings().size() > 1) d.m_metrics.siblingReads++;
         if (!result.found) return appendNull(out);
         appendBulk(out, result.value);
       }},
      {"SET", -3, kWrite, 1, 1, 1, "string", "Sets the value of a key, acknowledged by W replicas.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         if (args.size() > 3) {
           return appendError(out, "ERR SET option '" + args[3] +
                                       "' is not supported by ringlabd (no expiry and no conditional writes: SET key "
                                       "value only)");
         }
         OperationResult result = d.m_node->put(args[1], std::move(args[2]));
         d.recordOp(Operation::kPut, result);
         if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
         appendSimple(out, "OK");
       }},
      {"DEL", -2, kWrite, 1, -1, 1, "generic",
       "Deletes keys (each a tombstone on W replicas); answers how many existed.",
       [](Daemon& d, ClientState& c, Args& a, std::string& o) { d.runDelete(c, a, o); }},
      {"UNLINK", -2, kWrite, 1, -1, 1, "generic", "Deletes keys, as DEL.",
       [](Daemon& d, ClientState& c, Args& a, std::string& o) { d.runDelete(c, a, o); }},
      {"EXISTS", -2, kReadOnly, 1, -1, 1, "generic", "Counts how many of the keys exist.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         long long found = 0;
         for (std::size_t i = 1; i < args.size(); ++i) {
           OperationResult result = d.m_node->get(args[i]);
           d.recordOp(Operation::kGet, result);
           if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
           found += result.found ? 1 : 0;
         }
         appendInteger(out, found);
       }},
      {"MGET", -2, kReadOnly, 1, -1, 1, "string", "Returns the values of several keys.",
       [](Daemon& d, ClientState& client, Args& args, std::string& out) {
         std::string values;
         for (std::size_t i = 1; i < args.size(); ++i) {
           OperationResult result = d.m_node->get(args[i]);
           d.recordOp(Operation::kGet, result);
           if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
           if (result.found) {
             appendBulk(values, result.value);
             client.runReplyBytes += result.value.size();
           } else {
             appendNull(values);
           }
           if (client.pendingOutput + client.runReplyBytes > d.m_config.clientOutputHardBytes) {
             client.replyTooLarge = true;  // checkOutput closes the connection after this run
             return;
           }
         }
         appendArrayHeader(out, args.size() - 1);
         out += values;
       }},
      {"MSET", -3, kWrite, 1, -1, 2, "string", "Sets several keys, one after the other.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         if (args.size() % 2 == 0) return appendError(out, "ERR wrong number of arguments for 'mset' command");
         for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
           OperationResult result = d.m_node->put(args[i], std::move(args[i + 1]));
           d.recordOp(Operation::kPut, result);
           if (!result.status.isOk()) {
             return appendError(out, "ERR MSET stopped at key '" + args[i] +
                                         "' (earlier keys were written): " + result.status.toString());
           }
         }
         appendSimple(out, "OK");
       }},
      {"INCR", 2, kWrite, 1, 1, 1, "string", "Adds 1 to a counter (a PN-counter CRDT); answers its value.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) { d.incrBy(args[1], 1, out); }},
      {"DECR", 2, kWrite, 1, 1, 1, "string", "Subtracts 1 from a counter; answers its value.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) { d.incrBy(args[1], -1, out); }},
      {"INCRBY", 3, kWrite, 1, 1, 1, "string", "Adds an amount to a counter; answers its value.",
       [](Daemon& d, ClientState& c, Args& a, std::string& o) { d.runIncrementBy(c, a, o); }},
      {"DECRBY", 3, kWrite, 1, 1, 1, "string", "Subtracts an amount from a counter; answers its value.",
       [](Daemon& d, ClientState& c, Args& a, std::string& o) { d.runIncrementBy(c, a, o); }},
      {"GETCTX", 2, kReadOnly, 1, 1, 1, "string",
       "Returns a key's causal context and every sibling's value (nil for a concurrent delete).",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         OperationResult result = d.m_node->get(args[1]);
         d.recordOp(Operation::kGet, result);
         if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
         appendArrayHeader(out, 2);
         if (!result.record || result.record->kind != RecordKind::kSiblings) {
           appendBulk(out, "");
           if (!result.found) return appendArrayHeader(out, 0);
           appendArrayHeader(out, 1);
           return appendBulk(out, result.value);
         }
         const SiblingSet& set = result.record->siblings;
         appendBulk(out, formatContext(set.context()));
         appendArrayHeader(out, set.siblings().size());
         for (const Sibling& sibling : set.siblings()) {
           if (sibling.tombstone) {
             appendNull(out);
           } else {
             appendBulk(out, sibling.value);
           }
         }
       }},
      {"SETCTX", 4, kWrite, 1, 1, 1, "string",
       "Writes a value that supersedes exactly the siblings GETCTX returned with the given context.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         const auto context = parseContext(args[3]);
         if (!context) {
           return appendError(
               out, "ERR SETCTX context '" + args[3] + "' is not one GETCTX returned (expected n1:4,n3:2 or empty)");
         }
         OperationResult result = d.m_node->writeWithContext(Operation::kPut, args[1], std::move(args[2]), *context);
         d.recordOp(Operation::kPut, result);
         if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
         appendSimple(out, "OK");
       }},
      {"GETVER", 2, kReadOnly, 1, 1, 1, "string",
       "GET that also answers the version read: [value, version] (nil, nil when missing), for history checkers.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         OperationResult result = d.m_node->get(args[1]);
         d.recordOp(Operation::kGet, result);
         if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
         appendArrayHeader(out, 2);
         if (!result.found) {
           appendNull(out);
         } else {
           appendBulk(out, result.value);
         }
         if (result.version.isNull()) return appendNull(out);
         appendBulk(out, result.version.toString());
       }},
      {"SETVER", 3, kWrite, 1, 1, 1, "string",
       "SET that answers the version the write got (e.g. 1733448000123456.0@n2), for history checkers.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         OperationResult result = d.m_node->put(args[1], std::move(args[2]));
         d.recordOp(Operation::kPut, result);
         if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
         appendBulk(out, result.version.toString());
       }},
      {"LOCALGET", 2, kReadOnly, 1, 1, 1, "string",
       "This node's own copy of a key, with no quorum: [version, value] (value nil for a tombstone), or nil.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         const std::optional<Record> record = d.m_storage->get(args[1]);
         if (!record) return appendNull(out);
         appendArrayHeader(out, 2);
         appendBulk(out, syncVersion(*record).toString());
         if (record->tombstone) return appendNull(out);
         appendBulk(out, record->value);
       }},
      {"DBSIZE", 1, kReadOnly | kFast, 0, 0, 0, "server", "Counts the live keys this node stores (not the cluster's).",
       [](Daemon& d, ClientState&, Args&, std::string& out) {
         const StorageStats stats = d.m_storage->stats();
         appendInteger(out, static_cast<long long>(stats.records - stats.tombstones));
       }},
      {"PING", -1, kFast, 0, 0, 0, "connection", "Answers PONG, or its argument.",
       [](Daemon&, ClientState&, Args& args, std::string& out) {
         if (args.size() > 2) return appendError(out, "ERR wrong number of arguments for 'ping' command");
         if (args.size() == 2) return appendBulk(out, args[1]);
         appendSimple(out, "PONG");
       }},
      {"ECHO", 2, kFast, 0, 0, 0, "connection", "Answers its argument.",
       [](Daemon&, ClientState&, Args& args, std::string& out) { appendBulk(out, args[1]); }},
      {"INFO", -1, kFast, 0, 0, 0, "server",
       "Reports the node: server, clients, memory, persistence, stats, replication, ring, keyspace.",
       [](Daemon& d, ClientState&, Args& args, std::string& out) {
         if (args.size() > 2) return appendError(out, "ERR wrong number of arguments for 'info' command");
         appendBulk(out, d.infoText(args.size() == 2 ? lower(args[1]) : "default"));
       }},
      {"CONFIG", -2, kFast, 0, 0, 0, "server", "CONFIG GET pattern...: the settings in force (they come from flags).",
       [](Daemon& d, ClientState& c, Args& a, std::string& o) { d.runConfig(c, a, o); }},
      {"COMMAND", -1, kFast, 0, 0, 0, "server", "Describes the commands: COMMAND, COMMAND COUNT, INFO name..., DOCS.",
       [](Daemon& d, ClientState& c, Args& a, std::string& o) { d.runCommand(c, a, o); }},
      {"CLIENT", -2, kFast, 0, 0, 0, "connection", "CLIENT SETNAME, GETNAME, ID and SETINFO.",
       [](Daemon&, ClientState& client, Args& args, std::string& out) {
         const std::string sub = upper(args[1]);
         if (sub == "SETNAME" && args.size() == 3) {
           if (args[2].find_first_of(" \n") != std::string::npos) {
             return appendError(out, "ERR Client names cannot contain spaces, newlines or special characters.");
           }
           client.name = args[2];
           return appendSimple(out, "OK");
         }
         if (sub == "GETNAME" && args.size() == 2) {
           return client.name.empty() ? appendNull(out) : appendBulk(out, client.name);
         }
         if (sub == "ID" && args.size() == 2) return appendInteger(out, static_cast<long long>(client.id));
         if (sub == "SETINFO" && args.size() == 4) return appendSimple(out, "OK");
         appendError(out, "ERR CLIENT supports SETNAME, GETNAME, ID and SETINFO only");
       }},
      {"SELECT", 2, kFast, 0, 0, 0, "connection", "Selects database 0, the only one.",
       [](Daemon&, ClientState&, Args& args, std::string& out) {
         if (args[1] == "0") return appendSimple(out, "OK");
         appendError(out, "ERR DB index is out of range (ringlabd has database 0 only)");
       }},
      {"AUTH", -2, kFast | kNoAuth, 0, 0, 0, "connection", "Authenticates with --requirepass's password.",
       [](Daemon& d, ClientState& client, Args& args, std::string& out) {
         if (args.size() > 3) return appendError(out, "ERR wrong number of arguments for 'auth' command");
         if (d.m_config.password.empty()) {
           return appendError(out,
                              "ERR AUTH <password> called without any password configured for the default user. "
                              "Are you sure your configuration is correct?");
         }
         const std::string& given = args.back();
         const bool userOk = args.size() == 2 || args[1] == "default";
         if (userOk && given == d.m_config.password) {
           client.authenticated = true;
           return appendSimple(out, "OK");
         }
         d.authFailed(client, out);
       }},
      {"HELLO", -1, kFast | kNoAuth, 0, 0, 0, "connection", "Greets the node with protocol 2, AUTH and SETNAME.",
       [](Daemon& d, ClientState& c, Args& a, std::string& o) { d.runHello(c, a, o); }},
      {"QUIT", -1, kFast | kNoAuth, 0, 0, 0, "connection", "Closes the connection once the reply is sent.",
       [](Daemon&, ClientState& client, Args&, std::string& out) {
         client.quit = true;
         appendSimple(out, "OK");
       }},
  };
  return table;
}

const Daemon::Command* Daemon::findCommand(std::string_view upperName) {
  static const std::unordered_map<std::string_view, const Command*> byName = [] {
    std::unordered_map<std::string_view, const Command*> out;
    for (const Command& command : commands()) out.emplace(command.name, &command);
    return out;
  }();
  const auto it = byName.find(upperName);
  return it == byName.end() ? nullptr : it->second;
}

const Daemon::Command* Daemon::findCommandAnyCase(std::string_view name) {
  // Every name in the table is short; a longer one cannot match.
  std::array<char, 32> upperName;
  if (name.size() > upperName.size()) return nullptr;
  for (std::size_t i = 0; i < name.size(); ++i) {
    upperName[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
  }
  return findCommand(std::string_view(upperName.data(), name.size()));
}

std::vector<std::pair<std::string, std::uint64_t>> Daemon::commandCounts() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  const auto& table = commands();
  for (std::size_t i = 0; i < m_commandCounts.size(); ++i) {
    if (m_commandCounts[i] == 0) continue;
    out.emplace_back(i < table.size() ? lower(table[i].name) : std::string("unknown"), m_commandCounts[i]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Daemon::executeOne(ClientState& client, const Command* command, std::vector<std::string>& args, std::string& out) {
  m_metrics.commandsProcessed++;
  const auto& table = commands();
  if (!command) {
    m_commandCounts.back()++;
    std::string known;
    for (const Command& c : table) known += (known.empty() ? "" : " ") + std::string(c.name);
    return appendError(out, "ERR unknown command '" + args[0] + "' (ringlabd supports " + known + ")");
  }
  m_commandCounts[static_cast<std::size_t>(command - table.data())]++;
  if (!client.authenticated && !(command->flags & kNoAuth)) return appendError(out, "NOAUTH Authentication required.");
  if (!command->arityFits(args.size())) {
    return appendError(out, "ERR wrong number of arguments for '" + lower(command->name) + "' command");
  }
  command->run(*this, client, args, out);
}

void Daemon::runDelete(ClientState&, std::vector<std::string>& args, std::string& out) {
  long long removed = 0;
  for (std::size_t i = 1; i < args.size(); ++i) {
    OperationResult read = m_node->get(args[i]);
    recordOp(Operation::kGet, read);
    if (!read.status.isOk()) return appendError(out, "ERR " + read.status.toString());
    if (!read.found) continue;
    OperationResult result = m_node->remove(args[i]);
    recordOp(Operation::kDelete, result);
    if (!result.status.isOk()) return appendError(out, "ERR " + result.status.toString());
    ++removed;
  }
  appendInteger(out, removed);
}

void Daemon::runIncrementBy(ClientState&, std::vector<std::string>& args, std::string& out) {
  const auto amount = parseInteger(args[2]);
  if (!amount || *amount == std::numeric_limits<std::int64_t>::min()) {
    return appendError(out, "ERR value is not an integer or out of range");
  }
  incrBy(args[1], upper(args[0]) == "DECRBY" ? -*amount : *amount, out);
}

void Daemon::runConfig(ClientState&, std::vector<std::string>& args, std::string& out) {
  const std::size_t argc = args.size();
  if (upper(args[1]) != "GET") {
    return appendError(out, "ERR CONFIG " + upper(args[1]) +
                                " is not supported by ringlabd (only CONFIG GET; settings come from flags)");
  }
  if (argc < 3) return appendError(out, "ERR wrong number of arguments for 'config|get' command");
  const bool durable = m_config.storage == StorageKind::kRocksDb;
  auto seconds = [](Duration d) { return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()); };
  const std::vector<std::pair<std::string, std::string>> parameters = {
      {"save", ""},  // no snapshots: RocksDB's log is the persistence
      {"appendonly", durable ? "yes" : "no"},
      {"appendfsync", std::string(syncPolicyName(m_config.sync))},
      {"databases", "1"},
      {"port", std::to_string(m_config.clientPort)},
      {"bind", m_config.bindHost},
      {"maxclients", std::to_string(m_config.maxClients)},
      {"timeout", seconds(m_config.clientIdleTimeout)},
      {"proto-max-bulk-len", std::to_string(m_config.resp.maxBulkBytes)},
      {"client-output-buffer-limit", "normal " + std::to_string(m_config.clientOutputHardBytes) + " " +
                                         std::to_string(m_config.clientOutputSoftBytes) + " " +
                                         seconds(m_config.clientOutputSoftTime)},
      {"client-output-total-limit", std::to_string(m_config.clientOutputTotalBytes)},
      {"client-input-total-limit", std::to_string(m_config.clientInputTotalBytes)},
      {"partial-command-timeout", seconds(m_config.partialCommandTimeout)},
      {"maxmemory", "0"},
      {"dir", durable ? m_config.dataDir : ""},
  };
  std::vector<std::pair<std::string, std::string>> matched;
  for (const auto& [key, value] : parameters) {
    for (std::size_t i = 2; i < argc; ++i) {
      if (fnmatch(lower(args[i]).c_str(), key.c_str(), 0) == 0) {
        matched.emplace_back(key, value);
        break;
      }
    }
  }
  appendArrayHeader(out, matched.size() * 2);
  for (const auto& [key, value] : matched) {
    appendBulk(out, key);
    appendBulk(out, value);
  }
}

void Daemon::runCommand(ClientState&, std::vector<std::string>& args, std::string& out) {
  // Redis's COMMAND INFO form: name, arity, flags, first key, last key, key step.
  auto info = [&out](const Command& c) {
    appendArrayHeader(out, 6);
    appendBulk(out, lower(c.name));
    appendInteger(out, c.arity);
    std::size_t flags = 0;
    for (const auto& [flag, name] : kFlagNames) flags += (c.flags & flag) ? 1 : 0;
    appendArrayHeader(out, flags);
    for (const auto& [flag, name] : kFlagNames) {
      if (c.flags & flag) appendSimple(out, name);
    }
    appendInteger(out, c.firstKey);
    appendInteger(out, c.lastKey);
    appendInteger(out, c.keyStep);
  };
  // COMMAND DOCS: name, then a map (a flat array in RESP2) of summary, since and group, the keys Redis requires.
  auto docs = [&out](const Command& c) {
    appendBulk(out, lower(c.name));
    appendArrayHeader(out, 6);
    appendBulk(out, "summary");
    appendBulk(out, c.summary);
    appendBulk(out, "since");
    appendBulk(out, RINGLAB_NET_VERSION);
    appendBulk(out, "group");
    appendBulk(out, c.group);
  };
  const std::vector<Command>& all = commands();
  if (args.size() == 1) {
    appendArrayHeader(out, all.size());
    for (const Command& c : all) info(c);
    return;
  }
  const std::string sub = upper(args[1]);
  if (sub == "COUNT" && args.size() == 2) return appendInteger(out, static_cast<long long>(all.size()));
  if (sub == "INFO" || sub == "DOCS") {
    std::vector<const Command*> chosen;
    bool everything = args.size() == 2;
    if (everything) {
      for (const Command& c : all) chosen.push_back(&c);
    } else {
      for (std::size_t i = 2; i < args.size(); ++i) chosen.push_back(findCommand(upper(args[i])));
    }
    if (sub == "INFO") {
      appendArrayHeader(out, chosen.size());
      for (const Command* c : chosen) c ? info(*c) : appendNull(out);
      return;
    }
    std::size_t known = 0;
    for (const Command* c : chosen) known += c ? 1 : 0;
    appendArrayHeader(out, known * 2);
    for (const Command* c : chosen) {
      if (c) docs(*c);
    }
    return;
  }
  appendError(out,
              "ERR COMMAND " + sub + " is not supported (COMMAND, COMMAND COUNT, COMMAND INFO and COMMAND DOCS are)");
}

void Daemon::runHello(ClientState& client, std::vector<std::string>& args, std::string& out) {
  const std::size_t argc = args.size();
  std::size_t i = 1;
  if (argc >= 2) {
    if (args[1] != "2") {
      if (args[1] == "3") return appendError(out, "NOPROTO sorry, this protocol version is not supported");
      return appendError(out, "ERR Protocol version is not an integer or out of range");
    }
    i = 2;
  }
  for (; i < argc; ++i) {
    const std::string option = upper(args[i]);
    if (option == "AUTH" && i + 2 < argc) {
      if (m_config.password.empty() || args[i + 2] != m_config.password || args[i + 1] != "default") {
        return authFailed(client, out);
      }
      client.authenticated = true;
      i += 2;
    } else if (option == "SETNAME" && i + 1 < argc) {
      client.name = args[++i];
    } else {
      return appendError(out, "ERR Syntax error in HELLO option '" + args[i] + "'");
    }
  }
  if (!client.authenticated) {
    return appendError(out,
                       "NOAUTH HELLO must be called with the client already authenticated, "
                       "otherwise the HELLO AUTH <user> <pass> option can be used");
  }
  appendArrayHeader(out, 14);
  for (const auto& [key, value] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"server", "ringlabd"}, {"version", RINGLAB_NET_VERSION}}) {
    appendBulk(out, key);
    appendBulk(out, value);
  }
  appendBulk(out, "proto");
  appendInteger(out, 2);
  appendBulk(out, "id");
  appendInteger(out, static_cast<long long>(client.id));
  appendBulk(out, "mode");
  appendBulk(out, "standalone");
  appendBulk(out, "role");
  appendBulk(out, "master");
  appendBulk(out, "modules");
  appendArrayHeader(out, 0);
}

std::string Daemon::infoText(std::string_view section) {
  const bool all = section == "default" || section == "all" || section == "everything";
  auto wants = [&](std::string_view name) { return all || section == name; };
  std::string out;
  auto line = [&](std::string_view key, const std::string& value) {
    out += key;
    out += ':';
    out += value;
    out += "\r\n";
  };
  if (wants("server")) {
    out += "# Server\r\n";
    line("redis_version", kRedisCompatVersion);
    line("ringlab_version", RINGLAB_NET_VERSION);
    line("redis_mode", "standalone");
    line("os", "Linux");
    line("process_id", std::to_string(::getpid()));
    line("tcp_port", std::to_string(m_config.clientPort));
    line("uptime_in_seconds", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(uptime()).count()));
    line("node_id", m_config.nodeName);
    line("cluster_name", m_config.cluster);
    line("generation", std::to_string(m_generation));
    out += "\r\n";
  }
  if (wants("clients")) {
    out += "# Clients\r\n";
    line("connected_clients", std::to_string(m_metrics.connectedClients));
    line("maxclients", std::to_string(m_config.maxClients));
    line("client_output_bytes", std::to_string(m_metrics.clientOutputBytes));
    line("client_input_bytes", std::to_string(m_metrics.clientInputBytes));
    line("admin_connections", std::to_string(m_admin ? m_admin->openConnections() : 0));
    line("rejected_admin_connections", std::to_string(m_admin ? m_admin->refusedConnections() : 0));
    for (std::size_t limit = 0; limit < kClientLimitCount; ++limit) {
      line("clients_disconnected_" + std::string(clientLimitName(static_cast<ClientLimit>(limit))),
           std::to_string(m_metrics.clientsDisconnected[limit]));
    }
    out += "\r\n";
  }
  if (wants("memory")) {
    out += "# Memory\r\n";
    line("used_memory_rss", std::to_string(residentBytes()));
    line("storage_bytes", std::to_string(m_storage->stats().bytes));
    if (m_rocks) line("storage_memory_bytes", std::to_string(m_rocks->memoryBytes()));
    out += "\r\n";
  }
  if (wants("persistence")) {
    out += "# Persistence\r\n";
    line("storage", m_config.storage == StorageKind::kRocksDb ? "rocksdb" : "memory");
    line("aof_enabled", m_config.storage == StorageKind::kRocksDb ? "1" : "0");
    line("appendfsync", std::string(syncPolicyName(m_config.sync)));
    out += "\r\n";
  }
  if (wants("stats")) {
    out += "# Stats\r\n";
    line("total_connections_received", std::to_string(m_metrics.connectionsReceived));
    line("total_commands_processed", std::to_string(m_metrics.commandsProcessed));
    line("rejected_connections", std::to_string(m_metrics.connectionsRejected));
    line("protocol_errors", std::to_string(m_metrics.protocolErrors));
    line("auth_failures", std::to_string(m_metrics.authFailures));
    line("pipeline_runs_overlapped", std::to_string(m_metrics.pipelineRunsOverlapped));
    if (m_rocks) {
      const RocksDbStorage::ReadCounts reads = m_rocks->readCounts();
      line("storage_read_cache_hits", std::to_string(reads.cacheHits));
      line("storage_read_cache_misses", std::to_string(reads.cacheMisses));
    }
    const auto& peers = m_transport->stats();
    line("peer_bytes_sent", std::to_string(peers.bytesSent));
    line("peer_bytes_received", std::to_string(peers.bytesReceived));
    line("peer_handshakes_refused", std::to_string(peers.handshakesRefused));
    line("peer_frames_rejected", std::to_string(peers.framesRejected));
    out += "\r\n";
  }
  if (wants("replication")) {
    out += "# Replication\r\n";
    line("role", "master");
    line("connected_slaves", "0");
    out += "\r\n";
  }
  if (wants("ring")) {
    out += "# Ring\r\n";
    const Ring& ring = m_node->ring();
    const auto members = ring.nodes();
    std::string names;
    std::size_t up = 0;
    for (NodeId member : members) {
      names += (names.empty() ? "" : ",") + nodeName(member);
      up += m_node->peerState(member) == NodeState::kUp;
    }
    line("ring_version", std::to_string(m_ringVersion));
    line("ring_members", std::to_string(members.size()));
    line("ring_members_up", std::to_string(up));
    std::size_t heard = 0;  // members this node has had gossip from (itself included), not just heard named
    for (NodeId member : members) {
      const auto info = m_node->membership().member(member);
      heard += member == m_nodeId || (info && info->generation != 0);
    }
    line("ring_members_heard", std::to_string(heard));
    line("members_known", std::to_string(m_node->membership().size()));
    line("members_refused", std::to_string(m_node->membership().refused()));
    line("ring_nodes", names);
    line("ring_vnodes_per_node", std::to_string(m_config.vnodes));
    line("replication_n", std::to_string(m_config.quorum.n));
    line("replication_r", std::to_string(m_config.quorum.r));
    line("replication_w", std::to_string(m_config.quorum.w));
    line("conflicts", std::string(conflictModeName(m_config.conflicts)));
    line("sibling_reads", std::to_string(m_metrics.siblingReads));
    line("peers_connected", std::to_string(m_transport->connectedPeers()));
    line("hints_pending", std::to_string(m_node->hints().pending()));
    const OwnershipStats ownership = ring.ownership(m_config.quorum.n);
    for (const NodeOwnership& owned : ownership.nodes) {
      if (owned.node == m_nodeId) line("owned_share", std::to_string(owned.replicatedShare));
    }
    for (const MemberAddress& address : m_transport->addressBook()) {
      if (address.node == m_nodeId) continue;
      line("member_" + nodeName(address.node), "state=" + std::string(nodeStateName(m_node->peerState(address.node))) +
                                                   ",phi=" + std::to_string(m_node->peerPhi(address.node)) +
                                                   ",peer=" + address.host + ":" + std::to_string(address.peerPort) +
                                                   ",client=" + std::to_string(address.clientPort));
    }
    out += "\r\n";
  }
  if (wants("keyspace")) {
    out += "# Keyspace\r\n";
    const StorageStats stats = m_storage->stats();
    if (stats.records > stats.tombstones) {
      line("db0", "keys=" + std::to_string(stats.records - stats.tombstones) + ",expires=0,avg_ttl=0");
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace ringlab::net
