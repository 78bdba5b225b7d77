// What one can do to the cluster shown: partition, heal and add a node (actions with shortcuts, a toolbar and
// buttons), and each node's context menu. Everything is enabled from the feed's capabilities; a live cluster gets its
// own menu and add-node dialog from its LiveSession, the simulation the actions below.
//
// Thread-safety: UI thread only.
#pragma once

#include <functional>
#include <optional>

#include <QObject>
#include <QPointer>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/feed_snapshot.h>

QT_BEGIN_NAMESPACE
class QAction;
class QMainWindow;
class QMenu;
class QPoint;
class QToolBar;
class QWidget;
QT_END_NAMESPACE

namespace ringlab {

class ClusterFeed;
class LiveSession;

class ClusterActions final : public QObject {
  Q_OBJECT

 public:
  // Adds the Cluster toolbar to `window`. `viewActions` adds the entries every node menu has (inspect, fibers).
  ClusterActions(QMainWindow& window, std::function<void(QMenu&, NodeId)> viewActions);

  // The feed acted on from now on, and the live session when it is a live cluster (null otherwise).
  void setFeed(ClusterFeed* feed, LiveSession* live);
  // Enables what the feed can do as of `snapshot`; `open` is false while there is nothing to act on.
  void update(const FeedSnapshot& snapshot, bool open);
  // Applies `action` through the feed.
  void apply(const ScenarioAction& action);
  // The node's context menu at `globalPos`: nothing for a feed that cannot be acted on.
  void showNodeMenu(NodeId node, const QPoint& globalPos);

  QAction* partition() const { return m_partition; }
  QAction* heal() const { return m_heal; }
  QAction* addNode() const { return m_addNode; }
  QToolBar* toolBar() const { return m_toolBar; }

 private:
  QMainWindow& m_window;
  std::function<void(QMenu&, NodeId)> m_viewActions;
  QPointer<ClusterFeed> m_feed;
  QPointer<LiveSession> m_live;
  FeedSnapshot m_snapshot;
  bool m_open = false;
  QAction* m_partition = nullptr;
  QAction* m_heal = nullptr;
  QAction* m_addNode = nullptr;
  QToolBar* m_toolBar = nullptr;
};

// Adds the actions on `node` as of `snapshot` to `menu`; choosing one calls `apply` with it. Adds nothing for a node
// the snapshot does not have.
void addNodeActions(QMenu& menu, const FeedSnapshot& snapshot, NodeId node,
                    const std::function<void(const ScenarioAction&)>& apply);

// Asks which side of a partition each member goes to. Nullopt when cancelled, or when every node is on one side
// (after saying that there is nothing to cut).
std::optional<PartitionAction> askPartition(QWidget* parent, const FeedSnapshot& snapshot);

}  // namespace ringlab
