// Inspectors: what one node is doing (state, tokens, keys, bytes, hints held, CPU use, and its failure detector's
// phi and verdict toward every peer) and where one key is (its version on each replica and fallback, and the
// clients' recent operations on it).
//
// Thread-safety: inspectKey reads a simulation: call it on the simulation's thread (SimulationFeed::inspectBlocking).
// InspectorPanel is a widget: UI thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <QWidget>

#include <ringlab/engine/version.h>
#include <ringlab/sim/history.h>
#include <ringlab/sim/scenario_runner.h>
#include <ringlab/ui/feed_snapshot.h>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QTableWidget;
class QTabWidget;
class QTimer;
QT_END_NAMESPACE

namespace ringlab {

class SimulationFeed;

struct KeyInspection {
  Key key;
  Token token = 0;
  struct Copy {
    NodeId node = 0;
    bool fallback = false;  // beyond the N replicas (holds it only as a hint or after a membership change)
    bool running = true;
    std::optional<Record> record;
    bool newest = false;  // holds the newest version any copy has (sibling sets, counters: has seen every other's)
    // Sibling sets and counters: how this copy relates to the others by causality, as in "up to date",
    // "behind n2" (another copy has seen everything this one has, and more) or "concurrent with n2" (each has seen
    // a write the other has not). Empty for registers (their timestamps decide) and for a missing record.
    std::string standing;
  };
  std::vector<Copy> copies;          // the N replicas, then the fallbacks
  std::vector<HistoryEntry> recent;  // the clients' latest operations on the key, oldest first
  std::size_t operations = 0;        // all of them so far
};

// What every replica and fallback of `key` holds now, and the last `maxHistory` client operations on it.
KeyInspection inspectKey(ScenarioRunner& runner, const Key& key, std::size_t maxHistory = 20);
// Sets every copy's `newest` and `standing` from the records they hold (inspectKey calls it).
void rankCopies(std::vector<KeyInspection::Copy>& copies);
// How a copy's record reads in the inspector: "2 siblings", "counter = 17", "12 bytes", "a tombstone".
std::string describeHolding(const Record& record);
// One row of a sibling set or a counter in the inspector.
struct KeyPart {
  std::string label;    // the sibling's dot ("n1:4") or the counter entry's node ("n2")
  std::string version;  // the sibling's timestamp, or the entry's totals ("+6 -1")
  std::string value;    // the sibling's value ("'apple'", "a delete", "300 bytes"); empty for counter entries
  friend bool operator==(const KeyPart&, const KeyPart&) = default;
};
// One part per sibling or per counter entry; empty for a register.
std::vector<KeyPart> describeParts(const Record& record);

class InspectorPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit InspectorPanel(SimulationFeed& feed, QWidget* parent = nullptr);

  void setSnapshot(const FeedSnapshot& snapshot);
  void inspectNode(NodeId node);
  void inspectKey(const QString& key);
  NodeId node() const { return m_node; }
  const std::optional<KeyInspection>& keyInspection() const { return m_key; }
  // On a live cluster the simulated key tab gives way to `live` (GET, SET and DEL through a member); null restores it.
  void setLiveKeyTab(QWidget* live);

 private:
  void showNode();
  QString antiEntropyText(const NodeInfo& n) const;
  void refreshKey();
  void showKey();

  SimulationFeed& m_feed;
  QTabWidget* m_tabs = nullptr;
  QWidget* m_keyPage = nullptr;
  QWidget* m_liveKeyPage = nullptr;
  QComboBox* m_nodeBox = nullptr;
  QLabel* m_nodeSummary = nullptr;
  QTableWidget* m_peers = nullptr;
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
