// Item models behind the desktop app's tables and lists. They hold values copied from feed snapshots and scenario
// files, never pointers into a simulation, and are checked with QAbstractItemModelTester.
//
// Thread-safety: Qt models; use them on the UI thread.
#pragma once

#include <filesystem>
#include <vector>

#include <QAbstractListModel>
#include <QAbstractTableModel>

#include <ringlab/ui/cluster_feed.h>
#include <ringlab/ui/feed_snapshot.h>

namespace ringlab {

// A node's CPU load for tables and captions: "87 %", with the slow-down factor when it is not 1 ("87 % · 8x slower").
QString cpuLoadText(const NodeInfo& node);
// A share of the ring as a percentage with the digits it needs: "12.5 %", "0.31 %", "0.012 %" (at 10,000 nodes
// every node owns about 0.01 %), "0 %".
QString shareText(double fraction);

// One row per node: name, state, ownership, tokens, keys, hints held, CPU load. Rows are added when nodes join;
// existing rows only change data, so selections survive updates.
class NodeTableModel final : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kName, kState, kOwnership, kTokens, kKeys, kHints, kCpu, kColumnCount };
  static constexpr int kNodeIdRole = Qt::UserRole + 1;
  static constexpr int kSortRole = Qt::UserRole + 2;  // a number to sort by (node id, state, share, count, load)

  using QAbstractTableModel::QAbstractTableModel;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  void update(const std::vector<NodeInfo>& nodes);
  const std::vector<NodeInfo>& nodes() const { return m_nodes; }

 private:
  std::vector<NodeInfo> m_nodes;
};

// The scenario browser: title, file name and description of each scenario found.
class ScenarioListModel final : public QAbstractListModel {
  Q_OBJECT

 public:
  static constexpr int kPathRole = Qt::UserRole + 1;
  static constexpr int kDescriptionRole = Qt::UserRole + 2;

  struct Entry {
    QString path;
    QString fileName;  // "crash-hinted-handoff"
    QString title;     // the scenario's name
    QString description;
    QString error;  // non-empty when the file does not parse
  };

  using QAbstractListModel::QAbstractListModel;
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;

  // Reads every file (parsing each for its title and description; broken files are listed with their error).
  void setFiles(const std::vector<std::filesystem::path>& files);
  const Entry& entry(int row) const { return m_entries.at(static_cast<std::size_t>(row)); }
  // Row of the scenario with this file name (without extension), or -1.
  int rowOf(const QString& fileName) const;

 private:
  std::vector<Entry> m_entries;
};

// Manual actions taken in this run, in order: virtual time and description.
class ActionLogModel final : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kTime, kAction, kColumnCount };

  using QAbstractTableModel::QAbstractTableModel;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  void append(const LoggedAction& action);
  void clear();
  const std::vector<LoggedAction>& actions() const { return m_actions; }

 private:
  std::vector<LoggedAction> m_actions;
};

// "12.350 s" for a virtual time in nanoseconds.
QString formatVirtualTime(std::int64_t ns);

// The scenario plus the manual actions, as one spec whose timeline holds both (manual actions after the scenario's
// own entries of the same instant), and whose seed is `seed`.
ScenarioSpec scenarioWithActions(const ScenarioSpec& spec, const std::vector<LoggedAction>& actions,
                                 std::uint64_t seed);

}  // namespace ringlab
