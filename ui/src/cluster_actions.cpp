#include <ringlab/ui/cluster_actions.h>

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QToolBar>
#include <QVBoxLayout>

#include <ringlab/ui/cluster_feed.h>
#include <ringlab/ui/live_session.h>
#include <ringlab/ui/models.h>

namespace ringlab {

namespace {

QString nodeLabel(NodeId n) { return QString::fromStdString(nodeName(n)); }

QAction* makeAction(QObject* parent, const QString& text, const QKeySequence& key, const QString& tip) {
  auto* a = new QAction(text, parent);
  a->setShortcut(key);
  a->setToolTip(tip);
  return a;
}

}  // namespace

ClusterActions::ClusterActions(QMainWindow& window, std::function<void(QMenu&, NodeId)> viewActions)
    : QObject(&window), m_window(window), m_viewActions(std::move(viewActions)) {
  m_heal = makeAction(&window, tr("Heal network"), QKeySequence(Qt::CTRL | Qt::Key_H),
                      tr("Restore every cut link (Ctrl+H)"));
  connect(m_heal, &QAction::triggered, this, [this] { apply(HealAction{}); });
  m_partition = makeAction(&window, tr("Partition…"), QKeySequence(Qt::CTRL | Qt::Key_P),
                           tr("Split the nodes into groups that cannot reach each other (Ctrl+P)"));
  connect(m_partition, &QAction::triggered, this, [this] {
    if (!m_open) return;
    if (const auto partition = askPartition(&m_window, m_snapshot)) apply(*partition);
  });
  m_addNode = makeAction(&window, tr("Add node"), QKeySequence(Qt::CTRL | Qt::Key_J),
                         tr("Add a node: it takes tokens and streams in its ranges (Ctrl+J)"));
  connect(m_addNode, &QAction::triggered, this, [this] {
    if (m_live)
      m_live->addNodeDialog();  // a real node is started by hand and named here
    else
      apply(AddNodeAction{});
  });
  m_toolBar = window.addToolBar(tr("Cluster"));
  m_toolBar->setObjectName(QStringLiteral("clusterToolBar"));
  m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  m_toolBar->addActions({m_partition, m_heal, m_addNode});
}

void ClusterActions::setFeed(ClusterFeed* feed, LiveSession* live) {
  m_feed = feed;
  m_live = live;
}

void ClusterActions::update(const FeedSnapshot& snapshot, bool open) {
  m_snapshot = snapshot;
  m_open = open;
  const bool running = open && !snapshot.finished && m_feed;
  m_partition->setEnabled(running && m_feed->can(FeedCapability::kFaults));
  m_heal->setEnabled(running && m_feed->can(FeedCapability::kFaults));
  m_addNode->setEnabled(running && m_feed->can(FeedCapability::kMembership));
}

void ClusterActions::apply(const ScenarioAction& action) {
  if (m_feed) m_feed->apply(action);
}

void ClusterActions::showNodeMenu(NodeId node, const QPoint& globalPos) {
  const auto viewActions = [this, node](QMenu& menu) { m_viewActions(menu, node); };
  if (m_live) return m_live->showNodeMenu(node, globalPos, viewActions);
  if (!m_feed || !m_feed->can(FeedCapability::kFaults) || !m_open || node >= m_snapshot.nodes.size()) return;
  QMenu menu(&m_window);
  menu.addSection(tr("%1 (%2)").arg(nodeLabel(node), nodeDisplayStateName(m_snapshot.nodes[node].state)));
  viewActions(menu);
  menu.addSeparator();
  addNodeActions(menu, m_snapshot, node, [this](const ScenarioAction& action) { apply(action); });
  menu.exec(globalPos);
}

void addNodeActions(QMenu& menu, const FeedSnapshot& snapshot, NodeId node,
                    const std::function<void(const ScenarioAction&)>& apply) {
  if (node >= snapshot.nodes.size()) return;
  const NodeInfo& info = snapshot.nodes[node];
  const bool member = info.state != NodeDisplayState::kLeft;
  auto add = [&](const QString& text, ScenarioAction action, bool enabled) {
    QAction* a = menu.addAction(text, &menu, [apply, action] { apply(action); });
    a->setEnabled(enabled && member && !snapshot.finished);
  };
  add(QMenu::tr("Crash"), CrashAction{node}, info.running);
  add(QMenu::tr("Restart"), RestartAction{node, false}, !info.running);
  add(QMenu::tr("Restart with a wiped disk"), RestartAction{node, true}, !info.running);
  add(QMenu::tr("Wipe its disk (crash, wipe, restart)"), WipeAction{node}, info.running);
  menu.addSeparator();
  QMenu* slow = menu.addMenu(QMenu::tr("Slow down"));
  for (double factor : {2.0, 4.0, 10.0, 50.0}) {
    QAction* a = slow->addAction(QMenu::tr("%1x slower CPU").arg(factor), &menu, [apply, node, factor] {
      apply(SlowNodeAction{node, factor});
    });
    a->setEnabled(member && info.running);
  }
  add(QMenu::tr("Normal speed"), SlowNodeAction{node, 1.0}, info.cpuFactor != 1.0);
  menu.addSeparator();
  {
    PartitionAction isolate;
    isolate.groups.push_back({node});
    std::vector<NodeId> rest;
    for (const NodeInfo& n : snapshot.nodes)
      if (n.id != node && n.state != NodeDisplayState::kLeft) rest.push_back(n.id);
    isolate.groups.push_back(rest);
    add(QMenu::tr("Isolate from the others"), isolate, true);
  }
  menu.addSeparator();
  add(QMenu::tr("Decommission (hand its ranges over, then leave)"), DecommissionAction{node}, info.running);
  add(QMenu::tr("Remove (down for good; survivors re-replicate)"), RemoveNodeAction{node}, !info.running);
}

std::optional<PartitionAction> askPartition(QWidget* parent, const FeedSnapshot& snapshot) {
  QDialog dialog(parent);
  dialog.setWindowTitle(QDialog::tr("Partition the network"));
  auto* layout = new QVBoxLayout(&dialog);
  auto* intro = new QLabel(QDialog::tr("Put each node on a side. Links between sides are cut both ways; links inside "
                                       "a side keep working. Heal restores everything."),
                           &dialog);
  intro->setWordWrap(true);
  layout->addWidget(intro);
  auto* form = new QFormLayout();
  std::vector<std::pair<NodeId, QComboBox*>> choices;
  std::vector<NodeId> members;
  for (const NodeInfo& n : snapshot.nodes)
    if (n.state != NodeDisplayState::kLeft) members.push_back(n.id);
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto* side = new QComboBox(&dialog);
    side->addItems({QDialog::tr("side A"), QDialog::tr("side B"), QDialog::tr("side C")});
    side->setCurrentIndex(i < (members.size() + 1) / 2 ? 0 : 1);
    form->addRow(nodeLabel(members[i]), side);
    choices.emplace_back(members[i], side);
  }
  layout->addLayout(form);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(QDialog::tr("Partition"));
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  layout->addWidget(buttons);
  if (dialog.exec() != QDialog::Accepted) return std::nullopt;
  PartitionAction action;
  action.groups.resize(3);
  for (const auto& [node, box] : choices) action.groups[static_cast<std::size_t>(box->currentIndex())].push_back(node);
  std::erase_if(action.groups, [](const std::vector<NodeId>& g) { return g.empty(); });
  if (action.groups.size() < 2) {
    QMessageBox::information(parent, QDialog::tr("Partition"),
                             QDialog::tr("Every node is on the same side: nothing to cut."));
    return std::nullopt;
  }
  return action;
}

}  // namespace ringlab
