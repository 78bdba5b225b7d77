#include <ringlab/ui/live_session.h>

#include <algorithm>

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFormLayout>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include <ringlab/ui/live_panel.h>
#include <ringlab/ui/scenario_panel.h>

namespace ringlab {

namespace {

constexpr int kRecentTargets = 8;
const QString kRecentKey = QStringLiteral("live/recent");

}  // namespace

LiveSession::LiveSession(QMainWindow& window, QDockWidget* tabWith, ScenarioPanel& scenario,
                         std::function<void(QWidget*)> setKeyTab)
    : m_window(window), m_setKeyTab(std::move(setKeyTab)), m_feed(std::make_unique<RemoteFeed>()) {
  m_panel = new LivePanel(*m_feed);
  m_dock = new QDockWidget(tr("Live cluster"), &window);
  m_dock->setObjectName(QStringLiteral("liveDock"));
  m_dock->setWidget(m_panel);
  window.addDockWidget(Qt::RightDockWidgetArea, m_dock);
  if (tabWith) window.tabifyDockWidget(tabWith, m_dock);
  m_dock->show();
  m_dock->raise();
  m_console = new KeyConsole;
  if (m_setKeyTab) m_setKeyTab(m_console);
  connect(m_feed.get(), &RemoteFeed::membersChanged, m_console, [this] { m_console->setMembers(m_feed->members()); });
  connect(m_feed.get(), &RemoteFeed::statusChanged, this, [this](const QString& text) {
    emit narrationChanged(tr("<b>Live: %1.</b> %2. Right-click a node to inject faults; the Live cluster panel starts "
                             "load and records the session.")
                              .arg(m_feed->sourceDescription().toHtmlEscaped(), text.toHtmlEscaped()));
  });
  scenario.showSource(
      tr("Live cluster"),
      tr("<p>The views show a cluster of real <tt>ringlabd</tt> nodes, read from their admin endpoints: ring "
         "placement from their tokens, traffic and the space-time diagram from their sampled message events, fiber "
         "scheduling from their real fiber slices, and the charts from their metrics.</p><p>Messages on a LAN take "
         "well under a millisecond; the traffic view draws each for a quarter of a second so that it can be "
         "seen.</p><p>Fault injection (pause, drop or delay messages) works on nodes started with "
         "<tt>--allow-fault-injection</tt>.</p>"));
}

LiveSession::~LiveSession() {
  if (m_setKeyTab) m_setKeyTab(nullptr);
  delete m_console;
  if (m_dock) {
    m_window.removeDockWidget(m_dock);
    delete m_dock;  // and the live panel with its load generator
  }
  m_feed.reset();
}

QDockWidget* LiveSession::dock() const { return m_dock; }
KeyConsole* LiveSession::keyConsole() const { return m_console; }

void LiveSession::start(const RemoteTarget& target, bool remember) {
  m_feed->connectTo(target);
  if (!remember) return;
  QSettings settings;
  QStringList recent = settings.value(kRecentKey).toStringList();
  recent.removeAll(target.address());
  recent.prepend(target.address());
  while (recent.size() > kRecentTargets) recent.removeLast();
  settings.setValue(kRecentKey, recent);
}

void LiveSession::showNodeMenu(NodeId node, const QPoint& globalPos,
                               const std::function<void(QMenu&)>& addViewActions) {
  const QString name = QString::fromStdString(nodeName(node));
  const auto& members = m_feed->members();
  const auto it = std::find_if(members.begin(), members.end(), [&](const LiveMember& m) { return m.name == name; });
  if (it == members.end()) return;
  const LiveMember member = *it;
  QMenu menu(&m_window);
  menu.addSection(member.reachable ? tr("%1 at %2").arg(name, member.adminAddress())
                                   : tr("%1 (unreachable: %2)").arg(name, member.lastError));
  if (addViewActions) addViewActions(menu);
  menu.addSeparator();
  const bool faults = member.faultInjection && member.reachable;
  if (!member.faultInjection) {
    QAction* note =
        menu.addAction(tr("Fault injection is off on %1 (start it with --allow-fault-injection)").arg(name));
    note->setEnabled(false);
  }
  RemoteFeed* feed = m_feed.get();
  const auto fault = [feed, name](const QJsonObject& rule) { feed->injectFault(name, rule); };
  QMenu* pause = menu.addMenu(tr("Pause the node"));
  pause->setEnabled(faults);
  for (int seconds : {3, 10, 30}) {
    pause->addAction(tr("for %1 s").arg(seconds), this, [fault, seconds] {
      fault(QJsonObject{{QStringLiteral("action"), QStringLiteral("pause")},
                        {QStringLiteral("duration_ms"), seconds * 1000}});
    });
  }
  QMenu* drop = menu.addMenu(tr("Drop its messages to"));
  QMenu* delay = menu.addMenu(tr("Delay its messages to"));
  drop->setEnabled(faults);
  delay->setEnabled(faults);
  QJsonArray everyone;
  for (const LiveMember& m : members) {
    if (m.name == name || m.status == QLatin1String("left")) continue;
    everyone.append(m.name);
    drop->addAction(m.name, this, [fault, peer = m.name] {
      fault(
          QJsonObject{{QStringLiteral("action"), QStringLiteral("drop")}, {QStringLiteral("peers"), QJsonArray{peer}}});
    });
    for (int ms : {50, 200, 1000}) {
      delay->addAction(tr("%1 by %2 ms").arg(m.name).arg(ms), this, [fault, peer = m.name, ms] {
        fault(QJsonObject{{QStringLiteral("action"), QStringLiteral("delay")},
                          {QStringLiteral("peers"), QJsonArray{peer}},
                          {QStringLiteral("delay_ms"), ms}});
      });
    }
  }
  drop->addSeparator();
  drop->addAction(tr("every peer"), this, [fault, everyone] {
    fault(QJsonObject{{QStringLiteral("action"), QStringLiteral("drop")}, {QStringLiteral("peers"), everyone}});
  });
  QAction* heal = menu.addAction(tr("Heal (clear its fault rules)"), this, [fault] {
    fault(QJsonObject{{QStringLiteral("action"), QStringLiteral("heal")}});
  });
  heal->setEnabled(faults && !member.faults.isEmpty());
  menu.addSeparator();
  QAction* decommission = menu.addAction(tr("Decommission (hand its ranges over, then leave)"), this,
                                         [feed, name] { feed->decommission(name); });
  decommission->setEnabled(member.reachable && member.status == QLatin1String("normal"));
  menu.exec(globalPos);
}

void LiveSession::addNodeDialog() {
  QString via;
  for (const LiveMember& m : m_feed->members()) {
    if (m.reachable && m.status == QLatin1String("normal")) {
      via = m.name;
      break;
    }
  }
  if (via.isEmpty()) {
    QMessageBox::information(&m_window, tr("Add node"),
                             tr("No member answers now; the new node needs one to join through."));
    return;
  }
  bool ok = false;
  const QString peer = QInputDialog::getText(
      &m_window, tr("Add node"),
      tr("Start a new ringlabd (with its own --node-id and ports, no --seeds), then give its peer address "
         "(--peer-port). It joins through %1.")
          .arg(via),
      QLineEdit::Normal, QStringLiteral("127.0.0.1:7384"), &ok);
  if (!ok || peer.trimmed().isEmpty()) return;
  m_feed->addMember(via, peer.trimmed());
}

std::optional<RemoteTarget> LiveSession::askTarget(QWidget* parent) {
  QDialog dialog(parent);
  dialog.setWindowTitle(tr("Connect to a cluster"));
  auto* layout = new QVBoxLayout(&dialog);
  auto* intro = new QLabel(tr("Give the admin endpoint (--admin-port) of any ringlabd node; the app finds the other "
                              "members from it."),
                           &dialog);
  intro->setWordWrap(true);
  layout->addWidget(intro);
  auto* form = new QFormLayout();
  auto* address = new QComboBox(&dialog);
  address->setEditable(true);
  const QStringList recent = QSettings().value(kRecentKey).toStringList();
  address->addItems(recent.isEmpty() ? QStringList{QStringLiteral("127.0.0.1:8380")} : recent);
  auto* token = new QLineEdit(&dialog);
  token->setEchoMode(QLineEdit::Password);
  token->setPlaceholderText(tr("only when the nodes run with --admin-token"));
  form->addRow(tr("Host:port"), address);
  form->addRow(tr("Admin token"), token);
  layout->addLayout(form);
  auto* error = new QLabel(&dialog);
  error->setStyleSheet(QStringLiteral("color: #e03131"));
  layout->addWidget(error);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
  layout->addWidget(buttons);
  std::optional<RemoteTarget> target;
  connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
    QString message;
    target = RemoteTarget::parse(address->currentText(), &message);
    if (!target) {
      error->setText(message);
      return;
    }
    target->token = token->text();
    dialog.accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return std::nullopt;
  return target;
}

}  // namespace ringlab
