// Two small panels of the main window: the node table (one row per node; right-click for the node's menu) and the
// action log (the manual actions taken, with a button to save the run as a scenario).
//
// Thread-safety: widgets; UI thread only.
#pragma once

#include <QTableView>
#include <QWidget>

#include <ringlab/engine/types.h>

namespace ringlab {

class ActionLogModel;
class NodeTableModel;

class NodeTableView final : public QTableView {
  Q_OBJECT

 public:
  explicit NodeTableView(NodeTableModel& model, QWidget* parent = nullptr);
  // Selects the row of `node`, if it has one.
  void selectNode(NodeId node);

 signals:
  void nodeContextMenuRequested(ringlab::NodeId node, const QPoint& globalPos);
};

class ActionLogPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit ActionLogPanel(ActionLogModel& model, QWidget* parent = nullptr);

 signals:
  void saveRequested();
};

}  // namespace ringlab
