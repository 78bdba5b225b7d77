// ClusterObserver: the one place where what a cluster reports becomes what the app draws. It takes the cluster's
// events (and the marks a feed adds: narration, reachability) and keeps the records of a ClusterSnapshot: messages in
// flight and finished, drops, client requests, fibers and their slices, marks, and each node's latest anti-entropy
// repair. The embedded simulation, a connection to real nodes and a recorded session all feed one, so every view
// sees the same projection of the same events whatever their source.
//
// Two kinds of source (EventSource), one set of records:
//  - A simulation publishes every node's events on one clock. A delivery or a drop carries the id of its send, and a
//    send knows when it will arrive (`deliverAt`): its dot flies until its delivery or drop.
//  - Real nodes stream sampled events, each node on its own clock, which the caller shifts onto the session's clock
//    (`shiftNs`). A delivery does not know its send's id and a send does not know its arrival. A send is drawn in
//    flight for kMinFlightNs, so that sub-millisecond hops stay visible, and its delivery is matched to it by link,
//    kind and request (the oldest send on the link when no request matches), in whichever order the two streams
//    bring them. A send whose delivery was not seen is forgotten after kUnmatchedLifetimeNs.
// Message and fiber ids are per node on real nodes: the observer keys messages by sender and gives the records ids of
// its own, and puts the node in the high bits of a real node's fiber ids (a simulation's are unique already).
//
// A request record is made from the coordinator's RequestCompleted, with its begin from the RequestBegun when that was
// seen, else from the completion's latency. Messages, requests, slices and fibers beyond the options' limits are
// dropped oldest first and the snapshot says so (recordingTruncated); marks beyond theirs are dropped silently.
//
// Thread-safety: none; one thread feeds it and takes its records.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ringlab/engine/events.h>
#include <ringlab/observe/cluster_snapshot.h>

namespace ringlab {

enum class EventSource : std::uint8_t {
  kSimulation,   // one clock, message ids shared by send and delivery, arrival times known
  kNodeStreams,  // real nodes: a stream per node, on its own clock; sends and deliveries matched by link
};

struct ObserverOptions {
  EventSource source = EventSource::kSimulation;
  NodeId maxNodes = kNoNode;                // events naming a node id at or above this are ignored
  std::uint32_t merkleLeaves = 0;           // leaves of each Merkle tree, for the repair summaries (0: unknown)
  std::size_t recordsPerSnapshot = 50'000;  // finished messages, requests or slices kept per snapshot, the newest
  // Fibers started or ended per snapshot, the newest. A view needs every fiber of the window it shows, so a simulation
  // keeps them all (a replay records only the seconds before its target); real nodes' streams are bounded.
  std::size_t fibersPerSnapshot = static_cast<std::size_t>(-1);
  std::size_t dotsPerSnapshot = 2'000;     // message dots per snapshot (a sample beyond: see inFlightTotal)
  std::size_t dropsPerSnapshot = 400;      // drop flashes per snapshot, the newest
  std::size_t marksPerSnapshot = 100'000;  // marks per snapshot, the newest (not a truncation of the history)
  std::size_t unknownArrivals = 4'000;     // sends drawn for kMinFlightNs at once (real nodes)
  std::size_t openRequests = 100'000;      // requests begun and not yet completed that are remembered
};

class ClusterObserver {
 public:
  static constexpr std::int64_t kMinFlightNs = 250'000'000;
  static constexpr std::int64_t kUnmatchedLifetimeNs = 2'000'000'000;
  static constexpr std::int64_t kClockSlackNs = 50'000'000;  // how far two nodes' shifted clocks may disagree
  static constexpr int kFiberIdNodeShift = 40;  // a real node's fiber in the records: (node + 1) << 40 | its own id

  explicit ClusterObserver(ObserverOptions options = {});

  // Takes one event; `shiftNs` is added to every time it carries (a node's clock onto the session's).
  void observe(const Event& event, std::int64_t shiftNs = 0);
  // Something to mark on the time axes at `atNs`: a fault, a change, a narration point.
  void addMark(std::int64_t atNs, std::string text, bool narration = false);
  // Events were left out (a sampled stream): the next snapshot says its records are incomplete.
  void noteTruncated() { m_truncated = true; }

  // Moves the records gathered since the last call into `snapshot`, as of `nowNs`: the messages in flight then (a
  // sample), drops, finished messages, requests, fibers, slices and marks, whether some were dropped, the messages
  // delivered so far, and for each node in `snapshot.nodes` its latest anti-entropy repair.
  void takeRecords(ClusterSnapshot& snapshot, std::int64_t nowNs);

  // Requests coordinators completed so far, successfully or not (RequestCompleted events).
  std::uint64_t requestsSucceeded() const { return m_requestsSucceeded; }
  std::uint64_t requestsFailed() const { return m_requestsFailed; }
  std::uint64_t messagesDelivered() const { return m_messagesDelivered; }

 private:
  struct PendingSend {
    std::int64_t atNs = 0;  // the send, or for an early delivery the delivery
    std::uint64_t requestId = 0;
    std::uint32_t bytes = 0;
    std::uint64_t id = 0;
  };
  struct IdHash {
    std::size_t operator()(const std::pair<NodeId, std::uint64_t>& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.second * 0x9E3779B97F4A7C15ull ^ k.first);
    }
  };
  using Link = std::tuple<NodeId, NodeId, MessageKind>;

  bool known(NodeId node) const { return node < m_limits.maxNodes; }
  void onSent(const MessageSent& e, std::int64_t shiftNs);
  void onDelivered(const MessageDelivered& e, std::int64_t shiftNs);
  void onDropped(const MessageDropped& e, std::int64_t shiftNs);
  // A simulation's message that arrived or was lost, found by its send's id: its record, and its dot leaves the air.
  bool finishInFlight(NodeId from, std::uint64_t messageId, std::int64_t t, bool dropped);
  void onRequestCompleted(const RequestCompleted& e, std::int64_t shiftNs);
  template <typename T>
  void keepNewest(std::deque<T>& records, T record, std::size_t limit);
  std::uint64_t fiberId(NodeId node, std::uint64_t id) const;

  ObserverOptions m_limits;
  std::uint64_t m_nextMessageId = 1;
  // By (sender, the sender's id). A simulation's dots fly until their delivery or drop; real nodes' for kMinFlightNs.
  std::unordered_map<std::pair<NodeId, std::uint64_t>, MessageDot, IdHash> m_inFlight;
  std::map<Link, std::deque<PendingSend>> m_unmatchedSends;
  std::map<Link, std::deque<PendingSend>> m_earlyDeliveries;  // deliveries whose send had not arrived yet
  std::unordered_map<std::pair<NodeId, std::uint64_t>, RequestRecord, IdHash> m_openRequests;  // (coordinator, id)

  std::deque<DropFlash> m_drops;
  std::deque<MessageRecord> m_messages;
  std::deque<RequestRecord> m_requests;
  std::deque<FiberRecord> m_fibers;
  std::deque<FiberSliceRecord> m_slices;
  std::deque<TimeMark> m_marks;
  std::vector<std::pair<std::optional<AntiEntropySummary>, std::uint64_t>> m_repairs;  // by node: last, keys so far
  bool m_truncated = false;
  std::uint64_t m_requestsSucceeded = 0;
  std::uint64_t m_requestsFailed = 0;
  std::uint64_t m_messagesDelivered = 0;
};

}  // namespace ringlab
