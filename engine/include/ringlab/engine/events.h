// Observation: typed events describing everything a viewer, a trace or a metric needs to know about a run.
//
// Producers call `if (bus.wants(EventType::kX)) bus.publish(...)`, so building an event costs nothing when nobody
// listens for its type. Subscribers are called synchronously, in subscription order, on the producer's thread; they
// must not block and must not publish. Not thread-safe: one bus per simulation or per node process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <ringlab/engine/message.h>
#include <ringlab/engine/ring.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/engine/version.h>

namespace ringlab {

// kIncrement adds a signed amount to a PN-counter key (INCR, DECR, INCRBY, DECRBY).
enum class Operation : std::uint8_t { kGet, kPut, kDelete, kIncrement };
std::string_view operationName(Operation op);  // "get", "put", "delete", "increment"

// What a fiber does; every fiber has one, and the fiber-scheduling view colours by it.
enum class FiberRole : std::uint8_t {
  kCoordinator,  // coordinates one client request
  kReplica,      // serves requests addressed to this node as a replica
  kGossip,
  kDetector,  // failure detector
  kHints,     // hinted-handoff replay
  kRepair,    // read repair
  kAntiEntropy,
  kClient,  // workload client
  kSystem,  // anything else (timers, administration)
};
inline constexpr std::size_t kFiberRoleCount = 9;
std::string_view fiberRoleName(FiberRole role);

enum class DropReason : std::uint8_t {
  kLoss,       // random loss on the link
  kPartition,  // the link is cut
  kNodeDown,   // the destination (or the sender) is not running
  kInjected,   // a real node's fault-injection rule dropped it (ringlabd's POST /fault)
};
std::string_view dropReasonName(DropReason reason);

enum class NodeState : std::uint8_t { kUp, kDown, kSuspect, kJoining, kLeaving };
std::string_view nodeStateName(NodeState state);

struct MessageSent {
  TimePoint time;
  std::uint64_t messageId = 0;  // unique per run; a duplicated message has a new id
  NodeId from = 0;
  NodeId to = 0;
  MessageKind kind{};
  std::uint64_t requestId = 0;
  std::uint32_t bytes = 0;
  TimePoint deliverAt;  // when it will arrive if not dropped (the simulation knows; real nodes: == time)
  friend bool operator==(const MessageSent&, const MessageSent&) = default;
};

struct MessageDelivered {
  TimePoint time;
  std::uint64_t messageId = 0;
  NodeId from = 0;
  NodeId to = 0;
  MessageKind kind{};
  std::uint64_t requestId = 0;
  friend bool operator==(const MessageDelivered&, const MessageDelivered&) = default;
};

struct MessageDropped {
  TimePoint time;
  std::uint64_t messageId = 0;
  NodeId from = 0;
  NodeId to = 0;
  MessageKind kind{};
  std::uint64_t requestId = 0;
  DropReason reason{};
  friend bool operator==(const MessageDropped&, const MessageDropped&) = default;
};

struct RequestBegun {
  TimePoint time;
  NodeId coordinator = 0;
  std::uint64_t requestId = 0;
  Operation op{};
  Key key;
  NodeList replicas;  // the preference list the request is sent to
  friend bool operator==(const RequestBegun&, const RequestBegun&) = default;
};

struct RequestCompleted {
  TimePoint time;
  NodeId coordinator = 0;
  std::uint64_t requestId = 0;
  Operation op{};
  Key key;
  ErrorCode result = ErrorCode::kOk;
  Duration latency{};
  Version version;            // written (put/delete) or read (get; null when not found)
  std::uint32_t answers = 0;  // replica answers received by completion
  friend bool operator==(const RequestCompleted&, const RequestCompleted&) = default;
};

// A replica's answer reaching the coordinator, including those after the request completed.
struct ReplicaAnswered {
  TimePoint time;
  NodeId coordinator = 0;
  NodeId replica = 0;
  std::uint64_t requestId = 0;
  Operation op{};
  Version version;  // the version the replica stored or returned (null: none)
  bool afterCompletion = false;
  friend bool operator==(const ReplicaAnswered&, const ReplicaAnswered&) = default;
};

enum class FiberState : std::uint8_t { kRunning, kReady, kBlocked };
std::string_view fiberStateName(FiberState state);

// What a blocked fiber waits for. Protocol code says so through Runtime::noteWait() just before it blocks;
// sleepFor() notes kTimer itself.
enum class WaitKind : std::uint8_t {
  kUnrecorded,  // nobody said (a lock, say)
  kTimer,       // a sleep: the next gossip round, a client's think time
  kReplies,     // a coordinator: replica answers to its request (WaitFor::requestId)
  kInbox,       // a replica server: the next request addressed to this node
  kStream,      // a joining node: the next batch of a range from WaitFor::peer
  kStorage,     // a durable write to finish (real nodes)
  kClient,      // a client connection: the client's next command (real nodes)
  kNetwork,     // socket I/O with a peer (WaitFor::peer) or an admin client (real nodes)
  kOutbox,      // a peer connection's sender: the next message to WaitFor::peer (real nodes)
};
inline constexpr std::size_t kWaitKindCount = 9;
std::string_view waitKindName(WaitKind kind);  // "unrecorded", "timer", "replies", ...

struct WaitFor {
  WaitKind kind = WaitKind::kUnrecorded;
  NodeId peer = kNoNode;        // the node it waits on, when one
  std::uint64_t requestId = 0;  // the client request it waits for, when one
  friend bool operator==(const WaitFor&, const WaitFor&) = default;
};
// "replies to request 42", "a range batch from n3", "a timer".
std::string describeWait(const WaitFor& wait);

// A period in one fiber's life: running on a core, ready and waiting for a core, or blocked (waiting for a message,
// a timer or a lock; `waitFor` says which, for blocked slices).
struct FiberSlice {
  NodeId node = 0;
  std::uint64_t fiberId = 0;
  FiberRole role{};
  FiberState state{};
  TimePoint start;
  TimePoint end;
  WaitFor waitFor;
  friend bool operator==(const FiberSlice&, const FiberSlice&) = default;
};

struct FiberStarted {
  TimePoint time;
  NodeId node = 0;
  std::uint64_t fiberId = 0;
  FiberRole role{};
  std::string name;
  friend bool operator==(const FiberStarted&, const FiberStarted&) = default;
};

struct FiberEnded {
  TimePoint time;
  NodeId node = 0;
  std::uint64_t fiberId = 0;
  bool cancelled = false;  // ended because its node crashed or stopped
  friend bool operator==(const FiberEnded&, const FiberEnded&) = default;
};

struct NodeStateChanged {
  TimePoint time;
  NodeId node = 0;
  NodeState state{};
  std::string reason;  // "crashed", "restarted", "restarted with wiped storage", ...
  friend bool operator==(const NodeStateChanged&, const NodeStateChanged&) = default;
};

struct StorageWritten {
  TimePoint time;
  NodeId node = 0;
  Key key;
  Version version;
  bool applied = false;  // false: an equal or newer version was already stored
  bool tombstone = false;
  friend bool operator==(const StorageWritten&, const StorageWritten&) = default;
};

// A change applied by the simulation's fault injector or an operator: partitions, link settings, quorum changes.
struct ClusterChanged {
  TimePoint time;
  std::string description;
  friend bool operator==(const ClusterChanged&, const ClusterChanged&) = default;
};

// One node's failure detector changed its opinion of a peer.
struct PeerStateChanged {
  TimePoint time;
  NodeId observer = 0;
  NodeId peer = 0;
  NodeState state{};  // kUp, kSuspect or kDown
  double phi = 0;
  friend bool operator==(const PeerStateChanged&, const PeerStateChanged&) = default;
};

enum class HintAction : std::uint8_t {
  kStored,    // a fallback took a write for an owner that is down or slow
  kReplayed,  // the owner acknowledged the replayed hint; it is deleted
  kDropped,   // the hint store was full: the oldest hint was dropped
  kHandedOver,  // the owner left the ring; a current replica of the key acknowledged the hint instead; it is deleted
};
std::string_view hintActionName(HintAction action);

struct HintEvent {
  TimePoint time;
  NodeId holder = 0;  // the fallback node holding the hint
  NodeId owner = 0;   // the replica the record belongs to
  HintAction action{};
  Key key;
  std::size_t pending = 0;  // hints the holder has after this event
  Version version;          // stored, replayed or handed over: the version of the hint's record
  NodeId to = kNoNode;      // replayed or handed over: the node that stored it (kNoNode: every current replica)
  friend bool operator==(const HintEvent&, const HintEvent&) = default;
};

// A coordinator wrote the newest version back to a replica whose read reply was stale.
struct ReadRepaired {
  TimePoint time;
  NodeId coordinator = 0;
  NodeId replica = 0;
  Key key;
  Version version;
  friend bool operator==(const ReadRepaired&, const ReadRepaired&) = default;
};

// One anti-entropy exchange found differences, seen from the initiating node.
struct AntiEntropyExchanged {
  TimePoint time;
  NodeId node = 0;
  NodeId peer = 0;
  TokenRange range;
  std::uint32_t differingLeaves = 0;
  std::uint32_t keysPushed = 0;   // records this node sent to the peer
  std::uint32_t keysFetched = 0;  // records this node asked the peer for
  friend bool operator==(const AntiEntropyExchanged&, const AntiEntropyExchanged&) = default;
};

// Progress of a membership change on a node receiving ranges: one event per streamed range.
struct RangeStreamed {
  TimePoint time;
  NodeId node = 0;    // the receiving node
  NodeId source = 0;  // where the range came from (kNoNode when no source could be reached)
  TokenRange range;
  std::uint64_t records = 0;
  std::size_t rangesDone = 0;
  std::size_t rangesTotal = 0;
  friend bool operator==(const RangeStreamed&, const RangeStreamed&) = default;
};

using Event =
    std::variant<MessageSent, MessageDelivered, MessageDropped, RequestBegun, RequestCompleted, ReplicaAnswered,
                 FiberSlice, FiberStarted, FiberEnded, NodeStateChanged, StorageWritten, ClusterChanged,
                 PeerStateChanged, HintEvent, ReadRepaired, AntiEntropyExchanged, RangeStreamed>;

// Index of each alternative of Event, for subscription masks.
enum class EventType : std::uint8_t {
  kMessageSent,
  kMessageDelivered,
  kMessageDropped,
  kRequestBegun,
  kRequestCompleted,
  kReplicaAnswered,
  kFiberSlice,
  kFiberStarted,
  kFiberEnded,
  kNodeStateChanged,
  kStorageWritten,
  kClusterChanged,
  kPeerStateChanged,
  kHintEvent,
  kReadRepaired,
  kAntiEntropyExchanged,
  kRangeStreamed,
};
inline constexpr std::size_t kEventTypeCount = std::variant_size_v<Event>;
std::string_view eventTypeName(EventType type);
inline EventType eventType(const Event& e) { return static_cast<EventType>(e.index()); }

using EventMask = std::uint32_t;
inline constexpr EventMask kAllEvents = (1u << kEventTypeCount) - 1;
constexpr EventMask maskOf(EventType t) { return 1u << static_cast<unsigned>(t); }

class EventBus {
 public:
  using Handler = std::function<void(const Event&)>;
  using SubscriptionId = std::uint64_t;

  // Handler is called for every published event whose type is in `mask`. Returns an id for unsubscribe().
  SubscriptionId subscribe(EventMask mask, Handler handler);
  void unsubscribe(SubscriptionId id);

  bool wants(EventType type) const { return (m_mask & maskOf(type)) != 0; }
  void publish(const Event& event);

 private:
  struct Subscriber {
    SubscriptionId id;
    EventMask mask;
    Handler handler;
  };
  void recomputeMask();

  std::vector<Subscriber> m_subscribers;
  EventMask m_mask = 0;
  SubscriptionId m_nextId = 1;
};

}  // namespace ringlab
