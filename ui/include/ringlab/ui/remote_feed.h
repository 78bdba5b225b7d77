// A cluster of real ringlabd nodes, seen through their admin endpoints (docs/ADMIN_API.md), as a ClusterFeed: the
// same views that show the simulation show the real cluster.
//
// A worker thread discovers the members from any node's /cluster, polls every member's /cluster and /metrics once a
// second, follows each member's /events stream, and turns all of it into snapshots (LiveClusterModel) about 30
// times a second. A member that stops answering is marked unreachable and retried with backoff (0.5 s doubling to
// 8 s); nothing waits on the network on the UI thread. Actions (fault injection, decommission, adding a member) are
// admin requests; refusals come back through problem() with the node's own explanation.
//
// Recording: every input the model takes can be written to a file (one JSON object per line) and opened later as
// a RecordingFeed, which plays it through the same model.
//
// Thread-safety: create and call from the UI thread; signals arrive on the UI thread.
#pragma once

#include <memory>
#include <vector>

#include <QJsonObject>
#include <QThread>
#include <QVector>

#include <ringlab/ui/cluster_feed.h>
#include <ringlab/ui/live_model.h>

namespace ringlab {

class RemoteWorker;

// Where to connect: any member's admin endpoint.
struct RemoteTarget {
  QString host = QStringLiteral("127.0.0.1");
  int adminPort = 8380;
  QString token;  // the admin token, when the cluster has one
  QString address() const { return QStringLiteral("%1:%2").arg(host).arg(adminPort); }
  // "host:port" or "port"; an error message in `error` when it is neither.
  static std::optional<RemoteTarget> parse(const QString& text, QString* error);
};

class RemoteFeed final : public ClusterFeed {
  Q_OBJECT

 public:
  explicit RemoteFeed(QObject* parent = nullptr);
  ~RemoteFeed() override;  // closes every connection and stops the worker

  // Starts following the cluster `target` belongs to.
  void connectTo(const RemoteTarget& target);
  const RemoteTarget& target() const { return m_target; }

  QString sourceDescription() const override { return tr("cluster at %1").arg(m_target.address()); }
  // Faults and membership through the admin endpoints; time is the real clock, so pausing only freezes the picture.
  FeedCapabilities capabilities() const override {
    return FeedCapabilities(FeedCapability::kPlayPause) | FeedCapability::kFaults | FeedCapability::kMembership |
           FeedCapability::kFreezeOnly;
  }
  // A live cluster cannot be paused: pause() freezes the picture (the connection keeps reading), play() goes live.
  void play() override;
  void pause() override;
  bool paused(const FeedSnapshot&) const override { return m_frozen; }
  // "live · 12 s since connecting", the source, and what was seen.
  FeedClockText clockText(const FeedSnapshot& latest) const override;
  void step(std::chrono::nanoseconds) override {}
  void runToNextNarration() override {}
  void setSpeed(double) override {}
  // Partitions, cut links, heal and link delays become fault-injection rules on the nodes; decommission a
  // decommission request. Other actions have no real counterpart and are refused with a problem() message.
  void apply(const ScenarioAction& action) override;

  // --- actions on the real cluster (each an admin request; the outcome arrives as actionLogged or problem)
  // Sends a fault rule ({"action": "drop"|"delay"|"pause"|"heal", ...}) to `node`'s POST /fault.
  void injectFault(const QString& node, const QJsonObject& rule);
  void decommission(const QString& node);
  // Asks member `via` to gossip with the ringlabd whose peer port is at `peerAddress` (host:port), so it joins.
  void addMember(const QString& via, const QString& peerAddress);

  // Records every input from now on to `path`; returns an error message naming the file, empty on success.
  QString startRecording(const QString& path);
  void stopRecording();
  bool recording() const { return m_recording; }

  // The members as of the last snapshot (names, addresses, reachability, fault flags).
  const std::vector<LiveMember>& members() const { return m_members; }

 signals:
  void membersChanged();
  // "connecting to 127.0.0.1:8380", "3 members, 3 reachable", "recording to FILE"...
  void statusChanged(const QString& text);
  // Recording started (to `path`) or stopped (by request or because the file could not be written).
  void recordingChanged(bool on, const QString& path);

 private:
  void onMembers(const std::vector<LiveMember>& members);

  QThread m_thread;
  RemoteWorker* m_worker = nullptr;
  RemoteTarget m_target;
  std::vector<LiveMember> m_members;
  bool m_recording = false;
  bool m_frozen = false;
};

}  // namespace ringlab

Q_DECLARE_METATYPE(std::vector<ringlab::LiveMember>)
