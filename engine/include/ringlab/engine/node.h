// A storage node's protocol: it coordinates client GET/PUT/DELETE for any key, and serves as a replica for the keys
// the ring places on it. Written as plain sequential fiber code against the Runtime, so the same code runs in the
// simulation and on real nodes.
//
// Coordination (Dynamo): the coordinator sends the request to all N replicas of the key's preference list. A write
// succeeds after W acknowledgements, a read after R replies (the newest version wins; every reply is recorded). Too
// few answers give kUnavailable (enough replicas refused or failed that the quorum cannot be met) or kTimeout (the
// request timeout passed first). Answers that arrive after completion are still recorded until the deadline.
//
// Threading: a Node is used from its runtime's thread only. Client calls (get/put/remove) block the calling fiber;
// onMessage/onUnreachable are called by the runtime outside fibers and never block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include <ringlab/engine/events.h>
#include <ringlab/engine/failure_detector.h>
#include <ringlab/engine/hints.h>
#include <ringlab/engine/membership.h>
#include <ringlab/engine/message.h>
#include <ringlab/engine/quorum.h>
#include <ringlab/engine/reply_wait.h>
#include <ringlab/engine/ring.h>
#include <ringlab/engine/runtime.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/storage.h>
#include <ringlab/engine/version.h>

namespace ringlab {

// How a node finds out that a peer has failed.
enum class DetectionProtocol : std::uint8_t {
  // Every node gossips its whole membership view (a heartbeat counter per member) to a random peer each round, and
  // judges every peer by phi accrual over the heartbeats it receives (Cassandra's way). Work and memory are n^2 for
  // the cluster: fine for tens or hundreds of nodes, slow at a thousand.
  kPhiAccrual,
  // SWIM (Das, Gupta and Motivala, 2002; as HashiCorp's memberlist does it): each round a node probes one random
  // peer, asks a few others to probe it when it does not answer in time, and suspects it if nobody gets an answer.
  // News (alive, suspect, dead) rides on the probes and their acknowledgements; a suspected node that hears of it
  // refutes it, and a suspicion that nobody refutes in time becomes a death. A node sends and receives O(1) messages a
  // round whatever the size of the cluster, and keeps state only about peers some news was about.
  kSwim,
};
std::string_view detectionProtocolName(DetectionProtocol protocol);  // "phi_accrual", "swim"
// Inverse of detectionProtocolName; nullopt for anything else.
std::optional<DetectionProtocol> parseDetectionProtocol(std::string_view name);

// SWIM's settings (DetectionProtocol::kSwim). The protocol period is the gossip interval.
struct SwimConfig {
  Duration probeTimeout = std::chrono::milliseconds(500);  // a probe unanswered this long goes to helpers
  std::size_t indirectProbes = 3;                          // helpers asked to probe a peer that did not answer
  // A suspicion nobody refutes becomes a death after multiplier x max(1, log10 n) protocol periods (memberlist's
  // suspicion timeout): n = 1,000 gives 12 periods, n = 10,000 16.
  double suspicionMultiplier = 4;
  // Each rumour is sent multiplier x ceil(log10(n + 1)) times, up to maxPiggyback on each probe or acknowledgement.
  std::size_t retransmitMultiplier = 4;
  std::size_t maxPiggyback = 8;
  // A full exchange of membership views with one peer this often (memberlist's push-pull), and at a node's first
  // round: how a node that joined or restarted learns what rumours it missed. Zero: only at the first round.
  Duration syncInterval = std::chrono::seconds(30);
};

// The mechanisms that keep a cluster available and convergent. Each can be switched off, so a class can see what
// breaks without it.
struct MechanismConfig {
  bool gossip = true;  // membership and heartbeats by gossip
  Duration gossipInterval = std::chrono::seconds(1);
  bool failureDetector = true;  // phi accrual over gossiped heartbeats
  // Heartbeats arrive by gossip, second-hand and irregularly, so the detector tolerates more spread than it would
  // for direct heartbeats: a floor of 500ms on the deviation and a 1s acceptable pause.
  FailureDetectorConfig detector{.minStdDev = std::chrono::milliseconds(500),
                                 .acceptablePause = std::chrono::seconds(1)};
  Duration detectorInterval = std::chrono::milliseconds(250);
  DetectionProtocol detection = DetectionProtocol::kPhiAccrual;
  SwimConfig swim;
  bool hintedHandoff = true;                            // sloppy quorum: fallbacks take writes for failed replicas
  Duration hintAfter = std::chrono::milliseconds(100);  // a replica silent this long gets a hinted copy elsewhere
  Duration hintReplayInterval = std::chrono::seconds(1);
  std::size_t maxHints = 10000;  // per node; the oldest are dropped beyond it
  std::size_t hintReplayBatch = 200;
  bool readRepair = true;  // write the newest version back to stale replicas
  double readRepairProbability = 1.0;
  bool antiEntropy = true;  // Merkle-tree exchanges between replicas of each range
  Duration antiEntropyInterval = std::chrono::milliseconds(250);
  unsigned merkleDepth = 8;
  // Tombstone collection (Cassandra's gc_grace_seconds): a replica drops a tombstone once the delete is older than
  // the grace period, checked every tenth of it (but no more often than once a second, and at least once an hour). A
  // replica that missed the delete and comes back after that still holds the value and repairs bring it back: repair
  // must reach every replica within the grace period. Off by default, so tombstones are kept forever.
  bool tombstoneGc = false;
  Duration tombstoneGrace = std::chrono::hours(24 * 10);
};

// How replicas treat concurrent writes to one key. kLww: one version per key, the newest timestamp wins (concurrent
// writes are silently dropped). kSiblings: causality decides (causal.h): a write supersedes exactly what its writer
// read, and concurrent writes are all kept as siblings until a write that read them resolves them. Counters
// (Operation::kIncrement) are PN-counter CRDTs in both modes.
enum class ConflictMode : std::uint8_t { kLww, kSiblings };
std::string_view conflictModeName(ConflictMode mode);  // "lww", "siblings"
// Inverse of conflictModeName; nullopt for anything else.
std::optional<ConflictMode> parseConflictMode(std::string_view name);

// A bug a node can be told to have, on purpose, so that tests prove the history checker and the fault campaign catch
// each one (mutation testing of the checker). Only tests and `ringlab-sim campaign --inject-bug` set it.
enum class InjectedBug : std::uint8_t {
  kNone,
  kAckBeforeStore,          // a replica acknowledges a write at once and stores it at its next detector check (every
                            // detectorInterval): a crash in between loses it, and reads in between miss it
  kSkipHintReplay,          // hints are kept but never replayed to their owners
  kReadKeepsOldest,         // a read returns the oldest version among the replies instead of the newest
  kDropAntiEntropyRecords,  // records fetched by anti-entropy are dropped instead of applied
};
std::string_view injectedBugName(InjectedBug bug);  // "ack-before-store", ...; "none" for kNone
// Inverse of injectedBugName; nullopt for anything else.
std::optional<InjectedBug> parseInjectedBug(std::string_view name);
inline constexpr InjectedBug kInjectableBugs[] = {InjectedBug::kAckBeforeStore, InjectedBug::kSkipHintReplay,
                                                  InjectedBug::kReadKeepsOldest, InjectedBug::kDropAntiEntropyRecords};
// The injectable bugs' names for messages and help: "ack-before-store, skip-hint-replay, ... or
// drop-anti-entropy-records".
std::string injectableBugList();

struct NodeConfig {
  NodeId id = 0;
  ConflictMode conflicts = ConflictMode::kLww;
  // In siblings mode, a write that would leave a key with more siblings than this fails with kTooLarge (nothing is
  // dropped); the writer must read the key and write back with its context to resolve them.
  std::size_t maxSiblings = 32;
  QuorumConfig quorum;
  Duration requestTimeout = std::chrono::milliseconds(500);
  MechanismConfig mechanisms;
  MembershipLimits membershipLimits;  // none by default (the simulation); ringlabd bounds what gossip may add
  InjectedBug injectedBug = InjectedBug::kNone;  // tests only: see InjectedBug
};

// One replica's answer to a coordinated request.
struct ReplicaAnswer {
  NodeId replica = 0;
  ErrorCode result = ErrorCode::kOk;  // kUnavailable: the replica refused the connection
  std::optional<Record> record;       // reads: what the replica holds (nullopt: nothing)
  TimePoint at;
};

struct OperationResult {
  Operation op{};
  Key key;
  Status status;                       // ok, or why the operation failed
  bool found = false;                  // get: a live value was read (not missing, not a tombstone)
  Value value;                         // get: the value when found
  Version version;                     // put/delete: the version written; get: the version read (null when nothing)
  std::optional<Record> record;        // get: the merge of every reply (siblings, context, counter); writes in
                                       // siblings mode and increments: the state the coordinator wrote
  std::optional<Dot> dot;              // siblings-mode put/delete: the dot the write got
  std::vector<ReplicaAnswer> answers;  // answers received by completion, in arrival order: who answered, how and
                                       // when (what a read's replicas held is merged into `record`, not repeated)
  TimePoint begun;
  TimePoint completed;
  std::uint64_t requestId = 0;
};

struct NodeStats {
  std::uint64_t coordinated = 0;    // client requests coordinated
  std::uint64_t replicaWrites = 0;  // write requests served as a replica
  std::uint64_t replicaReads = 0;
  std::uint64_t lateAnswers = 0;       // answers recorded after their request completed
  std::uint64_t strayAnswers = 0;      // answers for requests no longer pending (after the deadline, or unknown)
  std::uint64_t duplicateAnswers = 0;  // a second answer from one replica to one request (a duplicated message)
  std::uint64_t hintedWritesSent = 0;  // writes sent to a fallback for a failed replica
  std::uint64_t readRepairsSent = 0;
  std::uint64_t antiEntropyExchanges = 0;     // exchanges this node started
  std::uint64_t antiEntropyKeysRepaired = 0;  // records applied here from anti-entropy
  std::uint64_t antiEntropyBytesRepaired = 0;
  std::uint64_t antiEntropyBytesSent = 0;  // encoded bytes of the anti-entropy messages this node sent
  std::uint64_t gossipRounds = 0;
  std::uint64_t tombstonesPurged = 0;  // tombstones dropped after their grace period
};

// What an observer may know of a node without reaching into it (the app's node table and inspector, the scenario
// runner): what it stores, the hints it holds, and how it sees itself in the membership. A copy, taken at once.
struct NodeStatus {
  std::uint64_t records = 0;      // live values, tombstones, sibling sets and counters stored
  std::uint64_t bytes = 0;        // their size (keys, values, versions)
  std::uint64_t siblingKeys = 0;  // keys holding more than one concurrent sibling
  std::uint64_t tombstones = 0;
  std::size_t hintsHeld = 0;                        // writes held for other nodes
  MemberStatus membership = MemberStatus::kNormal;  // as this node sees itself (kNormal before it knows)
};

class Node {
 public:
  Node(NodeConfig config, Runtime& runtime, Storage& storage, std::shared_ptr<const Ring> ring);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();

  // Starts serving: spawns the replica fibers and, when enabled, gossip, failure detection, hint replay and
  // anti-entropy. `generation` distinguishes restarts (it must grow with every start). The node must not be running.
  void start(std::uint64_t generation = 1);
  // Stops at once, as a crash would: every request in progress is abandoned and every fiber of this node waiting
  // inside it is woken (the runtime makes them unwind). Volatile state (pending requests, queued messages) is lost;
  // storage is untouched.
  void stop();
  bool running() const { return m_running; }

  // Fiber only. Coordinate a client operation and return when it completes or fails. A value larger than the
  // storage limit fails at once with kTooLarge.
  OperationResult get(const Key& key);
  OperationResult put(const Key& key, Value value);
  OperationResult remove(const Key& key);
  // `after` is the client's causal context: the newest version the client has seen (null when it keeps none). A
  // write gets a version greater than it (HybridLogicalClock::nowAfter), so a client's write always supersedes what
  // the client saw before, even through another coordinator in the same microsecond.
  OperationResult execute(Operation op, const Key& key, Value value, const Version& after = {});
  // A put or delete with the causal context of what its writer read (VersionVector of a get's record.siblings; empty
  // for a blind write). In siblings mode it supersedes exactly the siblings the context covers; in lww mode the
  // context is ignored. A causal write is coordinated by a replica of the key: on another node it fails with
  // kInvalidArgument naming the replicas. kTooLarge when it would exceed maxSiblings.
  OperationResult writeWithContext(Operation op, const Key& key, Value value, const VersionVector& context,
                                   const Version& after = {});
  // Adds `delta` to the PN-counter under `key` (creating it at 0). Coordinated by a replica of the key, like a
  // causal write. Fails with kInvalidArgument ("WRONGTYPE ...") when the key holds a live register or sibling set.
  // The result's value is the total as this coordinator sees it after the increment.
  OperationResult increment(const Key& key, std::int64_t delta, const Version& after = {});

  // Called by the runtime when a message for this node arrives.
  void onMessage(Message message);
  // Called by the runtime when a message this node sent could not be delivered because the destination refused it.
  void onUnreachable(NodeId to, MessageKind kind, std::uint64_t requestId);

  // `seeds`, when given, lists the ring's nodes (MembershipView::SeedTable(ring->nodes())): start() then seeds the
  // membership view from it, sharing its memory with every node given the same table, instead of building its own.
  void setRing(std::shared_ptr<const Ring> ring, std::optional<MembershipView::SeedTable> seeds = std::nullopt) {
    m_ring = std::move(ring);
    m_seeds = std::move(seeds);
  }
  const Ring& ring() const { return *m_ring; }
  void setQuorum(const QuorumConfig& quorum) { m_config.quorum = quorum; }
  void setRequestTimeout(Duration timeout) { m_config.requestTimeout = timeout; }
  const NodeConfig& config() const { return m_config; }
  NodeId id() const { return m_config.id; }
  Storage& storage() { return m_storage; }
  const Storage& storage() const { return m_storage; }
  const NodeStats& stats() const { return m_stats; }
  const HintStore& hints() const { return m_hints; }
  const MembershipView& membership() const { return m_membership; }
  // The queries observers use. status(): a summary of what the node holds; localRecord(): the copy of `key` this
  // node stores (nullopt when none), as its storage has it, without a read through the cluster.
  NodeStatus status() const;
  std::optional<Record> localRecord(const Key& key) const { return m_storage.get(key); }
  // This node's current opinion of a peer: kUp, kSuspect or kDown (kUp when failure detection is off, and for self).
  NodeState peerState(NodeId peer) const;
  // The phi value this node's detector has for a peer now (0 when unknown, under SWIM, or detection is off).
  double peerPhi(NodeId peer) const;
  // The peers this node's failure detector thinks suspect or down, in no particular order (empty when detection is
  // off): what an observer needs to count suspicions without asking every node about every peer.
  const std::vector<NodeId>& doubtedPeers() const { return m_doubted; }
  DetectionProtocol detectionProtocol() const { return m_config.mechanisms.detection; }
  // What SWIM knows of a peer some rumour was about: its incarnation, this node's verdict and, for a suspect, when
  // the suspicion becomes a death unless the peer refutes it. Peers no rumour was about are up at incarnation 0.
  struct SwimPeerStatus {
    NodeId peer = 0;
    NodeState state = NodeState::kUp;
    std::uint64_t incarnation = 0;
    std::optional<TimePoint> deathDue;
  };
  // Every peer with SWIM news, by id (empty unless this node runs SWIM).
  std::vector<SwimPeerStatus> swimPeers() const;
  void setMechanisms(const MechanismConfig& mechanisms) { m_config.mechanisms = mechanisms; }
  // Forgets every hint (a wiped disk).
  void clearHints() {
    m_hints.clear();
    m_handOvers.clear();
  }

  // Membership changes. A range to take over: where to fetch it from, and who else holds it if that fails.
  struct StreamTask {
    TokenRange range;
    std::vector<NodeId> sources;  // tried in order
  };
  struct StreamOutcome {
    std::size_t rangesDone = 0;
    std::size_t rangesFailed = 0;  // no source answered; anti-entropy will fill these in
    std::uint64_t records = 0;
  };
  // Fiber only. Fetches every task's range in batches and applies the records. Blocks until done.
  StreamOutcome streamIn(const std::vector<StreamTask>& tasks);
  // The other direction, for a node that leaves on its own (a real node has no one to tell the receivers to pull): a
  // range this node holds, and the node that takes it over.
  struct HandOffTask {
    TokenRange range;
    NodeId to = kNoNode;
  };
  // Fiber only. Sends every record this node holds in each task's range to the task's receiver, in batches, as hint
  // replays (which the receiver applies and acknowledges), and blocks until every batch is acknowledged. A range
  // whose receiver does not acknowledge a batch within 4 request timeouts, or refuses a record, counts as failed
  // (anti-entropy among the remaining replicas fills it in). Publishes a RangeStreamed event per range, with the
  // receiver as node and this node as source. Returns early, with the rest not counted, when the node stops.
  StreamOutcome handOff(const std::vector<HandOffTask>& tasks);
  // Fiber only. For a node about to leave: sends every hint it holds to its owner if the owner is up, or else to the
  // key's current replicas that are up (which store it as data; anti-entropy brings it to the owner later), and
  // waits a request timeout for the acknowledgements, up to `rounds` times while hints remain. Returns how many
  // hints it still holds (lost when it leaves).
  std::size_t handOffHints(int rounds = 4);
  // Records `peer` as a member heard of but not heard from yet (a seed), so that gossip reaches it, and starts the
  // failure detector's clock for it: a peer named by others that never gossips (it left, or is gone) is judged
  // down like one that fell silent, instead of counting as up for ever. Real nodes call this when they learn a
  // peer's address; the simulation gives every node the ring instead. Call after start().
  void addPeer(NodeId peer);
  // Sends this node's membership digest to every member that has not left, each asked to answer with its own
  // (push-pull), so that a change of this node's own status (it has left) reaches everyone now rather than over
  // gossip rounds. Returns the peers asked; gossipHeardSince() tells which of them have answered.
  std::vector<NodeId> announce();
  // Whether `peer` has sent this node gossip at or after `since` (an answer to announce(), or a round of its own).
  bool gossipHeardSince(NodeId peer, TimePoint since) const {
    const auto it = m_gossipHeard.find(peer);
    return it != m_gossipHeard.end() && it->second >= since;
  }
  // Sets this node's membership status (joining, normal, leaving, left); gossip spreads it.
  void setMemberStatus(MemberStatus status);
  // An operator removes another member that is gone for good (MembershipView::markLeft): it leaves this node's view,
  // and every other as gossip spreads the news. kInvalidArgument for this node itself, kNotFound for a member this
  // node does not know.
  Status removeMember(NodeId member);
  std::size_t pendingRequests() const { return m_requests.size(); }
  std::size_t queuedMessages() const;

 private:
  struct PendingRequest;
  struct StreamWait;
  struct Inbox;

  struct CausalWrite {
    const VersionVector* context = nullptr;  // siblings-mode put/delete
    std::int64_t delta = 0;                  // increment
  };
  OperationResult coordinate(Operation op, const Key& key, Value value, const Version& after,
                             const CausalWrite& causal);
  // Builds the record a causal write (siblings-mode put/delete, or increment) stores, from this replica's own state
  // for the key (storage merged with its causal writes still being applied). Errors: WRONGTYPE, too many siblings.
  Result<Record> buildCausalRecord(Operation op, const Key& key, Value value, const Version& stamp,
                                   const CausalWrite& causal, std::optional<Dot>& dot);
  // Sends the request to the preference list's replicas (hinted copies to fallbacks for those believed down, for a
  // write) and serves the local share.
  void sendToReplicas(PendingRequest& pending);
  // Blocks until `pending` reaches its quorum, cannot, or times out; returns its status. Charges CPU for each answer.
  Status awaitQuorum(PendingRequest& pending);
  // The client has its answer: the request stays registered until the deadline or the last answer, for late ones.
  void finish(PendingRequest& pending);
  // Unregisters a finished request (late answers are no longer expected) and starts read repair for a get.
  void retire(PendingRequest& pending);
  void onDeadline(std::uint64_t requestId);
  void recordAnswer(PendingRequest& pending, ReplicaAnswer answer);
  void serveReplicaRequests();
  void handleReplicaRequest(Message& message);
  bool isUp(NodeId peer) const;
  // Sends hinted copies of a write to fallbacks standing in for `owners` (replicas that failed or are down).
  void sendHints(PendingRequest& pending, const std::vector<NodeId>& owners);
  void onHintDeadline(std::uint64_t requestId);
  void maybeReadRepair(const PendingRequest& pending);
  void runGossip();
  void runDetector();
  // --- SWIM (DetectionProtocol::kSwim; node_swim.cpp) ---
  bool swimming() const {
    return m_config.mechanisms.gossip && m_config.mechanisms.failureDetector &&
           m_config.mechanisms.detection == DetectionProtocol::kSwim;
  }
  void startSwim();
  // One probe per protocol period: direct, then indirect through helpers, then a suspicion if nobody answered.
  void runProbes();
  void onProbe(const Message& message);
  void onProbeAck(const Message& message);
  void sendProbe(NodeId to, std::uint64_t sequence, NodeId target);
  void probeDoubted();
  // Applies news about a member; true when it changed what this node believes (and so is worth passing on).
  bool applyRumour(const Rumour& rumour, TimePoint now);
  void applyRumours(const std::vector<Rumour>& rumours);
  // Queues news for the next probes and acknowledgements (replacing older news about the same member).
  void spread(const Rumour& rumour);
  // The news to piggyback on a message to `to`: what this node believes about `to` itself (so that a suspected node
  // hears of it at once and refutes it: Lifeguard's buddy system), then the least-sent first, each counted.
  std::vector<Rumour> piggyback(NodeId to);
  // This node's own alive rumour (its generation, incarnation and status).
  Rumour ownAlive() const;
  // Suspicions past their timeout become deaths.
  void expireSuspicions(TimePoint now);
  void publishPeerState(NodeId peer, NodeState state, TimePoint now);
  Duration suspicionTimeout() const;
  // Writes acknowledged but not stored yet (InjectedBug::kAckBeforeStore), stored now.
  void storeUnstored();
  void runHintReplay();
  void runAntiEntropy();
  void runTombstoneGc();
  void onGossip(const Message& message);
  // A newer heartbeat of `peer` arrived: feeds the detector and schedules the peer's next check. O(1) amortized.
  void onHeartbeat(NodeId peer, TimePoint now);
  // When the detector should next look at `peer`, whose published state is `state`: when its phi reaches the next
  // threshold. nullopt when nothing but a heartbeat can change its state (down, or never heard from).
  std::optional<TimePoint> nextCheck(NodeId peer, NodeState state) const;
  void scheduleCheck(NodeId peer, TimePoint due);
  void setDoubted(NodeId peer, bool doubted);
  // A uniformly random member other than self, not left, whose published state is up; nullopt if there is none.
  std::optional<NodeId> drawTrustedPeer();
  void onAeTree(const Message& message);
  void onAeDiff(const Message& message);
  void onAeFetch(const Message& message);
  void applyRecords(const AeRecords& records);
  void storeHint(NodeId owner, const Key& key, const Record& record);
  void onStreamRequest(const Message& message);
  void sendMaintenance(NodeId to, Payload payload);
  // Sends `peer` this node's membership digest as a request, so that it answers with its own (push-pull gossip).
  void askForGossip(NodeId peer);
  // Applies a record locally as a replica; returns the ack code.
  ErrorCode applyLocally(const Key& key, const Record& record);
  std::uint64_t nextRequestId() { return (static_cast<std::uint64_t>(m_config.id) << 40) | ++m_requestCounter; }

  NodeConfig m_config;
  Runtime& m_rt;
  Storage& m_storage;
  std::shared_ptr<const Ring> m_ring;
  std::optional<MembershipView::SeedTable> m_seeds;  // the ring's nodes, shared with other nodes (setRing)
  HybridLogicalClock m_hlc;
  bool m_running = false;
  std::uint64_t m_requestCounter = 0;
  NodeStats m_stats;

  ReplyTable<PendingRequest> m_requests;  // coordinated requests, by request id

  MembershipView m_membership;
  PhiAccrualDetector m_detector;
  // The last verdict published per peer (looked up, not iterated).
  boost::unordered_flat_map<NodeId, NodeState> m_peerStates;
  // Failure detection looks only at peers whose verdict can change by now: each scheduled peer has one due time (when
  // its phi reaches the next threshold) in m_checkDue and an entry in the min-heap; an entry whose time is no longer
  // the peer's due time is stale and skipped.
  struct DueCheck {
    TimePoint due;
    NodeId peer = 0;
    friend auto operator<=>(const DueCheck&, const DueCheck&) = default;
  };
  std::priority_queue<DueCheck, std::vector<DueCheck>, std::greater<>> m_checkQueue;
  boost::unordered_flat_map<NodeId, TimePoint> m_checkDue;
  // Peers published suspect or down (not left), for O(1) draws; m_doubtedIndex locates each in m_doubted.
  std::vector<NodeId> m_doubted;
  boost::unordered_flat_map<NodeId, std::size_t> m_doubtedIndex;
  boost::unordered_flat_map<NodeId, TimePoint> m_gossipHeard;  // when each peer's gossip last arrived (not iterated)
  HintStore m_hints;
  struct ReplayedHint {
    NodeId owner;
    Key key;
    Record record;            // what was sent: the hint is dropped on the ack only if it still holds exactly this
    bool handedOver = false;  // not to the owner: to a fallback, or to a current replica of the key in its place
    NodeId to = kNoNode;      // the node it was sent to (this node's own id when it stored the record itself)
    bool toReplica = false;   // sent to a current replica of the key as data, in the owner's place
  };
  std::map<std::uint64_t, ReplayedHint> m_hintReplays;  // by request id, until acknowledged
  // A hint handed over in its owner's place: which current replicas of the key have stored exactly `record`. One of
  // them may have held the write already (the coordinator that took it, say): the hint is an extra copy until every
  // current replica holds it, and dropping it at the first acknowledgement could leave a single copy of the write.
  struct HandOver {
    Record record;
    std::vector<NodeId> stored;
  };
  std::map<std::pair<NodeId, Key>, HandOver> m_handOvers;  // by (owner, key)
  // A replayed (or handed-over) hint was stored: drops it if it still holds what was sent (a handed-over one once
  // every current replica of its key has stored it), and says so.
  void settleHint(const ReplayedHint& replay);
  // Whether `replica` already stored the handed-over hint of `owner` for `key` as it is now.
  bool handOverStored(NodeId owner, const Key& key, const Record& record, NodeId replica) const;
  // This node is leaving the ring (decommissioning): it is no place to hand a hint to, itself included.
  bool selfLeaving() const;
  std::size_t m_aeCursor = 0;        // next ring range to reconcile
  const std::vector<std::uint32_t>& replicatedRanges();
  std::shared_ptr<const Ring> m_replicatedRing;  // the ring and N that m_replicated was computed for
  std::size_t m_replicatedN = 0;
  std::vector<std::uint32_t> m_replicated;
  ReplyTable<StreamWait> m_streams;  // range batches asked for, by request id
  ReplyTable<> m_handOffs;           // acks of records handed off, by the request id of each record

  std::unique_ptr<Inbox> m_inbox;  // replica requests waiting for a replica fiber
  // Causal writes this node coordinated whose local apply has not returned yet (a RocksDB apply blocks the fiber):
  // the next causal write of the key builds on them, so no dot is issued twice.
  struct InFlight {
    Record record;
    std::size_t writers = 0;
  };
  std::map<Key, InFlight> m_causalInFlight;
  // InjectedBug::kAckBeforeStore: writes acknowledged but not stored yet (lost when the node stops).
  std::vector<KeyRecord> m_unstored;

  // SWIM state. Only peers some rumour was about have an entry: at 10,000 nodes a node holds a few, not 10,000.
  struct SwimPeer {
    std::uint64_t generation = 0;
    std::uint64_t incarnation = 0;
    NodeState state = NodeState::kUp;
    TimePoint suspectedUntil;  // kSuspect: when the suspicion becomes a death (after one last direct probe)
    bool askedAtLast = false;  // kSuspect: the last direct probe has been sent
  };
  // Peers some rumour was about. This node's own incarnation is its heartbeat in m_membership (raised to refute).
  boost::unordered_flat_map<NodeId, SwimPeer> m_swimPeers;
  struct QueuedRumour {
    Rumour rumour;
    std::uint32_t sent = 0;
    std::uint64_t order = 0;  // queueing order: ties of `sent` go oldest first
  };
  std::vector<QueuedRumour> m_rumours;
  std::uint64_t m_rumourOrder = 0;
  std::uint64_t m_probeSequence = 0;
  std::optional<TimePoint> m_nextSync;  // the next push-pull exchange of views (none: no more)
  // The peer asked for the latest push-pull while its answer has not come; asked again at the next round (of another
  // peer, when there is one) at most kSyncRetries times before the next scheduled exchange.
  std::optional<NodeId> m_syncAskedOf;
  std::uint32_t m_syncRetries = 0;
  struct ProbeInFlight {
    NodeId target = 0;
    std::uint64_t sequence = 0;
    bool acked = false;
  };
  ProbeInFlight m_probe;
  // Indirect probes this node sends for others, by its own sequence number: whom to relay the ack to.
  struct Relay {
    NodeId origin = 0;
    std::uint64_t originSequence = 0;
    TimePoint sent;
  };
  boost::unordered_flat_map<std::uint64_t, Relay> m_relays;
};

}  // namespace ringlab
