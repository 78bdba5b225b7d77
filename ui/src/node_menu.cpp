#include <ringlab/ui/node_menu.h>

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

#include <ringlab/ui/models.h>

namespace ringlab {

namespace {

QString nodeLabel(NodeId n) { return QString::fromStdString(nodeName(n)); }

}  // namespace

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
