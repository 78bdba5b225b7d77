// What real nodes report, turned into the snapshots the views draw. A LiveClusterModel is fed the raw inputs a
// connection to a cluster receives (each member's /cluster and /metrics bodies, its /events lines, and whether its
// admin endpoint answers) and makes FeedSnapshots from them; a live connection and a recorded session feed it the
// same inputs, so both look alike.
//
// Times: a snapshot's time is the session's (nanoseconds since it began). Each node stamps events with its own
// monotonic clock; the model maps them onto the session's by the smallest (arrival - event time) seen from that
// node, so an event is never placed after it arrived. Messages are drawn in flight for at least kMinFlight so that
// sub-millisecond hops on a LAN stay visible.
//
// Thread-safety: none; one thread feeds it and takes snapshots.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <ringlab/engine/admin_api.h>
#include <ringlab/observe/cluster_observer.h>
#include <ringlab/ui/feed_snapshot.h>

namespace ringlab {

// One member of a real cluster as the app knows it.
struct LiveMember {
  QString name;  // "n1"
  NodeId id = kNoNode;
  QString host;
  int adminPort = 0;
  int clientPort = 0;
  int peerPort = 0;
  QString status;  // gossiped membership status: normal, joining, leaving, left
  bool inRing = false;
  bool reachable = false;       // its admin endpoint answered last time
  QString lastError;            // why it did not, when it did not
  bool faultInjection = false;  // started with --allow-fault-injection
  QStringList faults;           // active fault rules on it, described ("drop to n2", "delay 200 ms to n3")
  std::int64_t generation = 0;
  QString adminAddress() const { return QStringLiteral("%1:%2").arg(host).arg(adminPort); }
  QString clientAddress() const { return QStringLiteral("%1:%2").arg(host).arg(clientPort); }
};

class LiveClusterModel {
 public:
  enum class InputKind : std::uint8_t {
    kCluster,       // a GET /cluster body
    kMetrics,       // a GET /metrics body (Prometheus text)
    kEvent,         // one line of GET /events
    kReachability,  // "up", or "down <reason>"
  };
  static QString inputKindName(InputKind kind);  // "cluster", "metrics", "event", "reachability"
  static std::optional<InputKind> parseInputKind(const QString& name);

  // Members the app draws: n1 .. n256; inputs naming others are ignored.
  static constexpr NodeId kMaxNodes = 256;
  // Minimum time a message is drawn in flight.
  static constexpr std::int64_t kMinFlightNs = ClusterObserver::kMinFlightNs;

  LiveClusterModel();
  ~LiveClusterModel();
  LiveClusterModel(const LiveClusterModel&) = delete;
  LiveClusterModel& operator=(const LiveClusterModel&) = delete;

  // Takes one input that arrived at session time `atNs` from node `node` (for kCluster, the body's own "node" field
  // names it). Returns a message for the user when the input cannot be used (not JSON, an admin API version this
  // app does not speak), empty otherwise. Never throws on bad input.
  QString ingest(std::int64_t atNs, const QString& node, InputKind kind, const QByteArray& body);

  // The cluster at session time `nowNs`, with the records that arrived since the previous call.
  FeedSnapshot takeSnapshot(std::int64_t nowNs);

  std::vector<LiveMember> members() const;  // by name
  std::optional<LiveMember> member(const QString& name) const;
  QuorumConfig quorum() const { return m_quorum; }
  QString clusterName() const { return m_clusterName; }
  std::uint64_t eventsIngested() const { return m_eventsIngested; }

 private:
  struct MemberState;
  // Counters of one node's last /metrics, to turn into rates.
  struct Counters {
    std::int64_t atNs = -1;
    std::array<double, 3> ops{};
    std::array<double, 3> errors{};
    std::array<std::vector<std::pair<double, double>>, 3> buckets;  // (le, cumulative count)
    std::array<double, kTrafficClassCount> sent{};
    double dropped = 0;
  };
  // One node's rates between its last two scrapes.
  struct Rates {
    std::int64_t atNs = -1;  // the later scrape
    std::array<double, 3> ops{};
    std::array<double, 3> errors{};
    std::array<std::map<double, double>, 3> buckets;  // le -> operations in the bucket between the scrapes
    std::array<double, kTrafficClassCount> sent{};
    double dropped = 0;
  };

  MemberState& memberNamed(const QString& name);
  QString ingestCluster(std::int64_t atNs, const QByteArray& body);
  void ingestMetrics(std::int64_t atNs, MemberState& m, const QByteArray& body);
  QString ingestEvent(std::int64_t atNs, MemberState& m, const QByteArray& body);
  void setReachable(std::int64_t atNs, MemberState& m, bool reachable, const QString& reason);
  std::int64_t toSession(MemberState& m, std::int64_t atNs, std::int64_t nodeNs, bool calibrate);
  void rebuildRing();
  void addMark(std::int64_t atNs, const QString& text);
  void closeInterval(std::int64_t endNs);

  std::map<QString, std::unique_ptr<MemberState>> m_members;
  QString m_clusterName;
  QuorumConfig m_quorum;
  DetectionProtocol m_detection = DetectionProtocol::kPhiAccrual;
  std::size_t m_vnodes = 16;
  std::shared_ptr<const Ring> m_ring;
  std::uint64_t m_ringVersion = 0;
  OwnershipStats m_ownership;           // of m_ring with m_ownershipReplicas replicas
  std::size_t m_ownershipReplicas = 0;  // 0: to be computed
  std::vector<RingEntry> m_ringEntries;
  std::uint64_t m_eventsIngested = 0;
  // Events become messages, requests, fibers and marks the way they do for a simulation.
  ClusterObserver m_observer{ObserverOptions{.source = EventSource::kNodeStreams,
                                             .maxNodes = kMaxNodes,
                                             .recordsPerSnapshot = 20'000,
                                             .fibersPerSnapshot = 20'000,
                                             .marksPerSnapshot = 1'000,
                                             .openRequests = 10'000}};
  std::vector<MetricsSample> m_newSamples;

  std::int64_t m_intervalStartNs = 0;  // start of the chart interval now open (one sample a second)
};

}  // namespace ringlab
