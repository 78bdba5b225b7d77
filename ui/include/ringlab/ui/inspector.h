// Inspectors: what one node is doing (state, tokens, keys, bytes, hints held, CPU use, and its failure detector's
// phi and verdict toward every peer) and where one key is (its version on each replica and fallback, and the
// clients' recent operations on it).
//
// The key tab asks the feed (ClusterFeed::inspectKey) and shows the KeyInspection it answers with.
// Thread-safety: InspectorPanel is a widget: UI thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <QWidget>

#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/key_inspection.h>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QTableWidget;
class QTabWidget;
class QTimer;
QT_END_NAMESPACE

namespace ringlab {

class ClusterFeed;
struct Theme;

class InspectorPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit InspectorPanel(ClusterFeed& feed, QWidget* parent = nullptr);

  void setSnapshot(const FeedSnapshot& snapshot);
  void inspectNode(NodeId node);
  void inspectKey(const QString& key);
  NodeId node() const { return m_node; }
  const std::optional<KeyInspection>& keyInspection() const { return m_key; }
  // On a live cluster the simulated key tab gives way to `live` (GET, SET and DEL through a member); null restores it.
  void setLiveKeyTab(QWidget* live);

 private:
  void showNode();
  void showPeers(const NodeInfo& n, const Theme& theme);
  QString antiEntropyText(const NodeInfo& n) const;
  void refreshKey();
  void showKey();

  ClusterFeed& m_feed;
  QTabWidget* m_tabs = nullptr;
  QWidget* m_keyPage = nullptr;
  QWidget* m_liveKeyPage = nullptr;
  QComboBox* m_nodeBox = nullptr;
  QLabel* m_nodeSummary = nullptr;
  QTableWidget* m_peers = nullptr;
  QLabel* m_peersNote = nullptr;                      // under SWIM: how many peers are up with no news (not listed)
  std::optional<DetectionProtocol> m_peerColumnsFor;  // the protocol the peer table's columns are set up for
  QLabel* m_keySummary = nullptr;
  QTableWidget* m_copies = nullptr;
  QTableWidget* m_history = nullptr;
  QTimer* m_keyTimer = nullptr;
  FeedSnapshot m_snapshot;
  NodeId m_node = 0;
  QString m_keyText;
  std::optional<KeyInspection> m_key;
};

}  // namespace ringlab
