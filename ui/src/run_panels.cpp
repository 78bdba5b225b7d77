#include <ringlab/ui/run_panels.h>

#include <QHeaderView>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QVBoxLayout>

#include <ringlab/ui/models.h>

namespace ringlab {

NodeTableView::NodeTableView(NodeTableModel& model, QWidget* parent) : QTableView(parent) {
  setObjectName(QStringLiteral("nodeTable"));
  // Sortable by any column (click a header): a thousand nodes sorted by CPU load or hints show the hot ones first.
  // Node order (by id) until then.
  auto* sorted = new QSortFilterProxyModel(this);
  sorted->setSourceModel(&model);
  sorted->setSortRole(NodeTableModel::kSortRole);
  setModel(sorted);
  horizontalHeader()->setSortIndicator(NodeTableModel::kName, Qt::AscendingOrder);
  setSortingEnabled(true);
  // The arrow widens every column: shown once the user sorts, so that node order fits the panel as before.
  horizontalHeader()->setSortIndicatorShown(false);
  connect(horizontalHeader(), &QHeaderView::sortIndicatorChanged, this,
          [this] { horizontalHeader()->setSortIndicatorShown(true); });
  verticalHeader()->hide();
  setSelectionBehavior(QAbstractItemView::SelectRows);
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  // Column widths from the first rows only: measuring a thousand rows at every update would cost more than drawing.
  horizontalHeader()->setResizeContentsPrecision(64);
  setContextMenuPolicy(Qt::CustomContextMenu);
  setToolTip(tr("Right-click a node to crash, restart, wipe, slow down or decommission it"));
  setMinimumHeight(110);
  connect(this, &QTableView::customContextMenuRequested, this, [this](const QPoint& pos) {
    const QModelIndex index = indexAt(pos);
    if (!index.isValid()) return;
    emit nodeContextMenuRequested(static_cast<NodeId>(index.data(NodeTableModel::kNodeIdRole).toUInt()),
                                  viewport()->mapToGlobal(pos));
  });
}

void NodeTableView::selectNode(NodeId node) {
  for (int row = 0; row < model()->rowCount(); ++row) {
    if (model()->index(row, 0).data(NodeTableModel::kNodeIdRole).toUInt() == node) selectRow(row);
  }
}

ActionLogPanel::ActionLogPanel(ActionLogModel& model, QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* view = new QTableView(this);
  view->setModel(&model);
  view->horizontalHeader()->setStretchLastSection(true);
  view->verticalHeader()->hide();
  auto* save = new QPushButton(tr("Save run as scenario…"), this);
  save->setToolTip(tr("The scenario with its seed and every manual action, to replay the lesson (Ctrl+S)"));
  connect(save, &QPushButton::clicked, this, &ActionLogPanel::saveRequested);
  layout->addWidget(view);
  layout->addWidget(save);
}

}  // namespace ringlab
