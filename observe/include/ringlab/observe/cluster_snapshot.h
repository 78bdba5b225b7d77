// What the desktop app's views draw, as plain values without Qt: a ClusterSnapshot of a cluster at one moment, with
// the records of what happened since the previous one (messages, requests, fibers, marks, metrics). The simulation
// feed, the connection to real nodes and a recorded session all make them, through one ClusterObserver
// (cluster_observer.h). Nothing here points into a running simulation; the ring is an immutable copy shared between
// snapshots until it changes.
//
// Thread-safety: values; a snapshot may be copied and read from any thread once it is made.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ringlab/engine/events.h>
#include <ringlab/engine/message.h>
#include <ringlab/engine/node.h>
#include <ringlab/engine/quorum.h>
#include <ringlab/engine/ring.h>

namespace ringlab {

// The eight traffic categories the views colour by; every MessageKind falls into one.
enum class TrafficClass : std::uint8_t { kWrite, kRead, kAck, kReply, kGossip, kHint, kRepair, kAntiEntropy };
inline constexpr std::size_t kTrafficClassCount = 8;
TrafficClass trafficClassOf(MessageKind kind);

// How a node looks from outside: its real state plus what its peers believe.
// kUnreachable: a real node the app cannot reach (its admin endpoint does not answer); what it is doing is unknown.
enum class NodeDisplayState : std::uint8_t { kUp, kSuspect, kDown, kJoining, kLeaving, kLeft, kUnreachable };
inline constexpr std::size_t kNodeDisplayStateCount = 7;

// A node's latest anti-entropy exchange that found differences: the ring range it compared with a peer's Merkle
// tree, how many leaves differed, and the keys it pushed and fetched.
struct AntiEntropySummary {
  std::int64_t atNs = 0;
  NodeId peer = 0;
  TokenRange range;
  std::uint32_t leaves = 0;  // leaves in each tree (2^depth)
  std::uint32_t differingLeaves = 0;
  std::uint32_t keysPushed = 0;
  std::uint32_t keysFetched = 0;
};

// One node's opinion of one peer, for the inspector.
struct PeerOpinion {
  NodeId peer = 0;
  NodeState verdict = NodeState::kUp;
  double phi = 0;                 // phi accrual: how unlikely the silence since the peer's last heartbeat is
  std::uint64_t incarnation = 0;  // SWIM: the peer's incarnation as this node knows it
  std::int64_t deathDueNs = -1;   // SWIM, a suspect: when the suspicion becomes a death unless refuted (else -1)
};

struct NodeInfo {
  NodeId id = 0;
  NodeDisplayState state = NodeDisplayState::kUp;
  bool running = true;
  double cpuFactor = 1.0;      // 1: normal speed; 4: four times slower
  double primaryShare = 0;     // fraction of the token space this node is primary for
  double replicatedShare = 0;  // fraction it holds a replica of
  std::size_t tokens = 0;      // vnodes or partitions it holds
  std::uint64_t keys = 0;      // records in its storage (tombstones included)
  std::uint64_t bytes = 0;
  std::uint64_t siblingKeys = 0;                 // keys whose record holds more than one sibling (conflicts: siblings)
  std::size_t hintsHeld = 0;                     // hints this node keeps for others
  std::size_t suspectedBy = 0;                   // running peers whose detector thinks it suspect or down
  double cpuUtilization = 0;                     // share of its cores busy over the last quarter second or more (0..1)
  // This node's failure detector: whether its verdicts are known (a live node that answered, any simulated node),
  // the peers it thinks suspect or down (by id; every other peer it thinks up), and its opinion of each peer in
  // detail, by id. The detail is there for the node the inspector shows (a simulation fills it for that node only, so
  // that a snapshot of n nodes does not hold n^2 opinions); under SWIM it lists only the peers some news was about.
  bool judged = false;
  std::vector<std::pair<NodeId, NodeState>> doubts;
  std::vector<PeerOpinion> peers;
  bool peersListed = false;  // `peers` is this node's opinion (else this snapshot does not carry it)
  std::optional<AntiEntropySummary> lastRepair;  // its latest anti-entropy exchange that found differences
  std::uint64_t antiEntropyKeysRepaired = 0;     // keys pushed or fetched by its exchanges so far

  // This node's verdict on `peer`: kUp unless `doubts` names it.
  NodeState verdictOn(NodeId peer) const;
};

// One message on the wire: drawn as a dot moving from `from` to `to` between `sent` and `arrives`.
struct MessageDot {
  std::uint64_t id = 0;
  NodeId from = 0;
  NodeId to = 0;
  MessageKind kind{};
  std::int64_t sentNs = 0;
  std::int64_t arrivesNs = 0;
  std::uint64_t requestId = 0;
  std::uint32_t bytes = 0;
};

// A message that arrived or was lost, for the space-time diagram: an arrow from (from, sent) to (to, ended).
struct MessageRecord {
  std::uint64_t id = 0;
  NodeId from = 0;
  NodeId to = 0;
  MessageKind kind{};
  std::uint64_t requestId = 0;  // the client request it serves (0: none, e.g. gossip)
  std::uint32_t bytes = 0;
  std::int64_t sentNs = 0;
  std::int64_t endedNs = 0;  // delivered or dropped
  bool dropped = false;
};

// A client request as its coordinator saw it.
struct RequestRecord {
  std::uint64_t requestId = 0;
  NodeId coordinator = 0;
  Operation op{};
  std::string key;
  std::int64_t beginNs = 0;
  std::int64_t endNs = 0;
  ErrorCode result = ErrorCode::kOk;
  // Siblings mode (zero and empty otherwise): how many siblings the key had in the answer, the causal context a write
  // carried, and whether the request showed the key's sibling set grown or, a write, resolved it to one value.
  enum class SiblingChange : std::uint8_t { kNone, kGrew, kResolved };
  std::uint32_t siblings = 0;
  std::string context;
  SiblingChange siblingChange = SiblingChange::kNone;
};

// A fiber's life, for the fiber-scheduling view.
struct FiberRecord {
  std::uint64_t fiberId = 0;
  NodeId node = 0;
  FiberRole role{};
  std::string name;
  std::int64_t startNs = 0;
  std::int64_t endNs = -1;  // -1 while it lives
  bool cancelled = false;   // ended because its node crashed or stopped
};

// One period of a fiber: running on a core, ready and waiting for one, or blocked.
struct FiberSliceRecord {
  std::uint64_t fiberId = 0;
  NodeId node = 0;
  FiberRole role{};
  FiberState state{};
  std::int64_t startNs = 0;
  std::int64_t endNs = 0;
  WaitFor waitFor;  // blocked slices: what it waited for
};

// Something that happened to the cluster at one instant: a fault, a change, a narration point.
struct TimeMark {
  std::int64_t atNs = 0;
  std::string text;
  bool narration = false;
};

// A message the network lost, shown as a short flash where it died.
struct DropFlash {
  NodeId from = 0;
  NodeId to = 0;
  MessageKind kind{};
  DropReason reason{};
  std::int64_t atNs = 0;
};

// Figures of one sampling interval of virtual time, for the live charts.
struct MetricsSample {
  double timeSeconds = 0;                // end of the interval
  std::array<double, 3> opsPerSecond{};  // completed (ok + failed), by Operation
  std::array<double, 3> p50Ms{};         // successful operations, by Operation (0 when none)
  std::array<double, 3> p99Ms{};
  std::array<double, 3> p999Ms{};
  double errorsPerSecond = 0;
  std::array<double, 3> failedPerSecond{};  // failed operations (timeouts, too few replicas...), by Operation
  std::array<double, kTrafficClassCount> messagesPerSecond{};  // sent, by TrafficClass
  double droppedPerSecond = 0;
  double staleReadRate = 0;     // stale reads / successful reads in the interval
  double lostUpdateRate = 0;    // lost updates (last-write-wins) / acknowledged puts and deletes in the interval
  double hintsOutstanding = 0;  // at the end of the interval, all nodes
  // At the end of the interval: down verdicts that running nodes' failure detectors hold on nodes that are not
  // running (crashed or unreachable; for one crash, how many nodes know of it), and the running nodes.
  double crashDownVerdicts = 0;
  double runningNodes = 0;
};

// What a cluster looked like at one moment, and what happened in it since the previous snapshot: the part of a
// FeedSnapshot that observation makes (the feed adds its own clock and controls).
struct ClusterSnapshot {
  std::int64_t nowNs = 0;
  QuorumConfig quorum;
  std::vector<NodeInfo> nodes;                      // by node id, including nodes that left
  std::shared_ptr<const Ring> ring;                 // shared with earlier snapshots until the ring changes
  std::uint64_t ringVersion = 0;                    // increments with every ring change
  std::vector<MessageDot> inFlight;                 // possibly a sample (see inFlightTotal)
  std::size_t inFlightTotal = 0;                    // messages actually in flight
  std::vector<DropFlash> drops;                     // drops since the previous snapshot (the newest)
  std::vector<std::pair<NodeId, NodeId>> cutLinks;  // directed (from, to)
  std::vector<MetricsSample> newSamples;            // intervals completed since the previous snapshot
  std::vector<MessageRecord> newMessages;           // messages delivered or dropped since the previous snapshot
  std::vector<RequestRecord> newRequests;           // requests completed since the previous snapshot
  std::vector<FiberRecord> newFibers;               // fibers started or ended since the previous snapshot
  std::vector<FiberSliceRecord> newSlices;          // fiber slices finished since the previous snapshot
  std::vector<TimeMark> newMarks;                   // faults, changes and narration since the previous snapshot
  bool recordingTruncated = false;  // more happened than a snapshot carries: only the newest records are here
  std::uint64_t operationsCompleted = 0;
  std::uint64_t operationsFailed = 0;
  std::uint64_t messagesDelivered = 0;
  std::uint64_t traceHash = 0;  // a simulation's trace hash (0 for real nodes)
  DetectionProtocol detection = DetectionProtocol::kPhiAccrual;  // how the nodes detect failures
};

// The nodes' states as one member's failure detector sees them (the presenter's "as seen by"), so the two sides of a
// partition show: a peer the viewer believes up is shown up, one it suspects suspect, one it believes down down,
// whatever the other nodes think; the viewer is up to itself. Joining, leaving, left and unreachable nodes keep their
// state.
// Nothing changes when `viewer` is not a running member or its verdicts are not known.
void applyViewpoint(std::vector<NodeInfo>& nodes, NodeId viewer);

}  // namespace ringlab
