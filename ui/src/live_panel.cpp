#include <ringlab/ui/live_panel.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <ringlab/ui/remote_feed.h>
#include <ringlab/ui/resp_client.h>

namespace ringlab {

// --- KeyConsole ------------------------------------------------------------------------------------------------------

KeyConsole::KeyConsole(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* intro = new QLabel(tr("Send a command through any member: it coordinates the request with the key's "
                              "replicas, as a client's would be."),
                           this);
  intro->setWordWrap(true);
  layout->addWidget(intro);
  auto* form = new QFormLayout();
  m_node = new QComboBox(this);
  m_key = new QLineEdit(this);
  m_key->setPlaceholderText(tr("user:42"));
  m_value = new QLineEdit(this);
  m_value->setPlaceholderText(tr("value for SET"));
  form->addRow(tr("Through"), m_node);
  form->addRow(tr("Key"), m_key);
  form->addRow(tr("Value"), m_value);
  layout->addLayout(form);
  auto* buttons = new QHBoxLayout();
  for (const QString& op : {QStringLiteral("GET"), QStringLiteral("SET"), QStringLiteral("DEL")}) {
    auto* b = new QPushButton(op, this);
    connect(b, &QPushButton::clicked, this, [this, op] {
      if (m_key->text().isEmpty()) {
        m_log->appendPlainText(tr("Type a key first."));
        return;
      }
      run(m_node->currentText(), op, m_key->text(), m_value->text());
    });
    buttons->addWidget(b);
  }
  buttons->addStretch(1);
  layout->addLayout(buttons);
  m_log = new QPlainTextEdit(this);
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(500);
  layout->addWidget(m_log, 1);
}

KeyConsole::~KeyConsole() = default;

void KeyConsole::setMembers(const std::vector<LiveMember>& members) {
  m_members = members;
  const QString current = m_node->currentText();
  const QSignalBlocker block(m_node);
  m_node->clear();
  for (const LiveMember& m : members) {
    if (m.clientPort > 0 && m.status != QLatin1String("left")) m_node->addItem(m.name);
  }
  const int i = m_node->findText(current);
  if (i >= 0) m_node->setCurrentIndex(i);
}

RespClient& KeyConsole::clientFor(const LiveMember& member) {
  RespClient*& client = m_clients[member.name];
  if (!client) {
    client = new RespClient(this);
  }
  if (!client->isReady() && client->outstanding() == 0) {
    client->connectToNode(RespEndpoint{member.name, member.host, static_cast<quint16>(member.clientPort)});
  }
  return *client;
}

void KeyConsole::run(const QString& node, const QString& op, const QString& key, const QString& value) {
  const auto it = std::find_if(m_members.begin(), m_members.end(), [&](const LiveMember& m) { return m.name == node; });
  if (it == m_members.end() || it->clientPort <= 0) {
    const QString line = tr("%1 %2: no member named '%3' serves clients").arg(op, key, node);
    m_log->appendPlainText(line);
    emit replied(line);
    return;
  }
  QStringList args{op, key};
  if (op == QLatin1String("SET")) args << value;
  const QString asked = QStringLiteral("%1> %2").arg(node, args.join(QLatin1Char(' ')));
  clientFor(*it).command(args, [this, asked](const RespReply& reply) {
    const QString line = asked + QStringLiteral("\n    ") + reply.describe();
    m_log->appendPlainText(line);
    emit replied(line);
  });
}

QString KeyConsole::log() const { return m_log->toPlainText(); }

// --- LivePanel -------------------------------------------------------------------------------------------------------

LivePanel::LivePanel(RemoteFeed& feed, QWidget* parent) : QWidget(parent), m_feed(feed) {
  qRegisterMetaType<LoadConfig>();
  qRegisterMetaType<LoadStats>();
  auto* layout = new QVBoxLayout(this);
  m_status = new QLabel(tr("connecting…"), this);
  m_status->setWordWrap(true);
  layout->addWidget(m_status);

  m_members = new QTableWidget(0, 4, this);
  m_members->setHorizontalHeaderLabels({tr("Node"), tr("State"), tr("Fault rules"), tr("Clients at")});
  m_members->verticalHeader()->hide();
  m_members->verticalHeader()->setDefaultSectionSize(m_members->fontMetrics().height() + 6);
  m_members->horizontalHeader()->setStretchLastSection(true);
  m_members->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_members->setSelectionMode(QAbstractItemView::NoSelection);
  m_members->setWordWrap(false);
  m_members->setMinimumHeight(m_members->horizontalHeader()->sizeHint().height() +
                              5 * m_members->verticalHeader()->defaultSectionSize() + 4);
  layout->addWidget(m_members, 1);

  auto* load = new QGroupBox(tr("Load generator"), this);
  auto* form = new QFormLayout(load);
  m_rate = new QDoubleSpinBox(load);
  m_rate->setRange(0, LoadConfig::kMaxOpsPerSecond);
  m_rate->setDecimals(0);
  m_rate->setSingleStep(100);
  m_rate->setValue(500);
  m_rate->setSuffix(tr(" ops/s"));
  m_readPercent = new QSpinBox(load);
  m_readPercent->setRange(0, 100);
  m_readPercent->setValue(80);
  m_readPercent->setSuffix(tr(" % reads"));
  m_distribution = new QComboBox(load);
  m_distribution->addItems({tr("uniform"), tr("zipfian (θ 0.99)"), tr("hotspot (80% on 1%)")});
  m_keyCount = new QSpinBox(load);
  m_keyCount->setRange(1, 10'000'000);
  m_keyCount->setValue(10'000);
  m_keyCount->setSuffix(tr(" keys"));
  form->addRow(tr("Rate"), m_rate);
  form->addRow(tr("Mix"), m_readPercent);
  form->addRow(tr("Keys"), m_keyCount);
  form->addRow(tr("Distribution"), m_distribution);
  m_loadButton = new QPushButton(tr("Start load"), load);
  m_loadButton->setToolTip(tr("GET and SET against every reachable member's client port, from this app"));
  form->addRow(m_loadButton);
  m_loadFigures = new QLabel(tr("no load from the app"), load);
  m_loadFigures->setWordWrap(true);
  form->addRow(m_loadFigures);
  layout->addWidget(load);
  connect(m_loadButton, &QPushButton::clicked, this, [this] {
    if (m_loadRunning) {
      setLoad(0, 0, KeyDistribution::uniform(1));
    } else {
      applyLoad();
    }
  });
  connect(m_rate, &QDoubleSpinBox::editingFinished, this, [this] {
    if (m_loadRunning) applyLoad();
  });
  connect(m_readPercent, &QSpinBox::editingFinished, this, [this] {
    if (m_loadRunning) applyLoad();
  });
  connect(m_distribution, &QComboBox::currentIndexChanged, this, [this] {
    if (m_loadRunning) applyLoad();
  });
  connect(m_keyCount, &QSpinBox::editingFinished, this, [this] {
    if (m_loadRunning) applyLoad();
  });

  m_recordButton = new QPushButton(tr("Record session…"), this);
  m_recordButton->setToolTip(
      tr("Write everything the app receives to a file you can open later (File > Open recording)"));
  layout->addWidget(m_recordButton);
  connect(m_recordButton, &QPushButton::clicked, this, &LivePanel::toggleRecording);

  connect(&m_feed, &RemoteFeed::statusChanged, m_status, &QLabel::setText);
  connect(&m_feed, &RemoteFeed::membersChanged, this, &LivePanel::refreshMembers);
  connect(&m_feed, &RemoteFeed::recordingChanged, this, [this](bool on, const QString& path) {
    m_recordButton->setText(on ? tr("Stop recording") : tr("Record session…"));
    m_recordButton->setToolTip(on ? tr("Recording to %1").arg(path)
                                  : tr("Write everything the app receives to a file you can open later (File > Open "
                                       "recording)"));
  });

  m_loadThread.setObjectName(QStringLiteral("ringlab-load"));
  m_load = new LoadGenerator;
  m_load->moveToThread(&m_loadThread);
  connect(&m_loadThread, &QThread::finished, m_load, &QObject::deleteLater);
  connect(m_load, &LoadGenerator::statsReady, this, [this](const LoadStats& s) {
    m_lastStats = s;
    QString text = tr("%1 ops/s done (target %2) · p99 get %3 ms, set %4 ms")
                       .arg(s.completedPerSecond(), 0, 'f', 0)
                       .arg(s.targetOpsPerSecond, 0, 'f', 0)
                       .arg(s.p99Ms[static_cast<std::size_t>(Operation::kGet)], 0, 'f', 2)
                       .arg(s.p99Ms[static_cast<std::size_t>(Operation::kPut)], 0, 'f', 2);
    if (s.errors > 0) text += tr(" · %1 errors (%2)").arg(s.errors).arg(s.lastError);
    if (s.skipped > 0) text += tr(" · %1 skipped (cluster behind or unreachable)").arg(s.skipped);
    m_loadFigures->setText(text);
    emit loadStats(s);
  });
  connect(m_load, &LoadGenerator::problem, this, [this](const QString& message) { m_loadFigures->setText(message); });
  m_loadThread.start();
}

LivePanel::~LivePanel() {
  QMetaObject::invokeMethod(
      m_load, [l = m_load] { l->stop(); }, Qt::BlockingQueuedConnection);
  m_loadThread.quit();
  m_loadThread.wait();
}

LoadConfig LivePanel::loadConfig() const {
  LoadConfig config;
  for (const LiveMember& m : m_feed.members()) {
    if (m.clientPort > 0 && !m.host.isEmpty() && m.status != QLatin1String("left")) {
      config.targets.push_back(RespEndpoint{m.name, m.host, static_cast<quint16>(m.clientPort)});
    }
  }
  return config;
}

void LivePanel::applyLoad() {
  const auto count = static_cast<std::uint64_t>(m_keyCount->value());
  KeyDistribution keys = KeyDistribution::uniform(count);
  if (m_distribution->currentIndex() == 1) keys = KeyDistribution::zipfian(count, 0.99);
  if (m_distribution->currentIndex() == 2) keys = KeyDistribution::hotspot(count, 0.01, 0.8);
  setLoad(m_rate->value(), m_readPercent->value() / 100.0, keys);
}

void LivePanel::setLoad(double opsPerSecond, double readFraction, const KeyDistribution& keys) {
  LoadConfig config = loadConfig();
  config.opsPerSecond = opsPerSecond;
  config.readFraction = readFraction;
  config.keys = keys;
  if (opsPerSecond <= 0) {
    QMetaObject::invokeMethod(m_load, [l = m_load] { l->stop(); });
    m_loadRunning = false;
    m_loadButton->setText(tr("Start load"));
    m_loadFigures->setText(tr("no load from the app"));
    return;
  }
  if (config.targets.empty()) {
    m_loadFigures->setText(tr("no member serves clients yet"));
    return;
  }
  m_rate->setValue(opsPerSecond);
  m_readPercent->setValue(static_cast<int>(readFraction * 100 + 0.5));
  const bool running = m_loadRunning;
  m_loadTargets.clear();
  for (const RespEndpoint& e : config.targets) m_loadTargets << e.address();
  QMetaObject::invokeMethod(m_load, [l = m_load, config, running] {
    if (running) {
      l->setConfig(config);
    } else {
      l->start(config);
    }
  });
  m_loadRunning = true;
  m_loadButton->setText(tr("Stop load"));
}

void LivePanel::toggleRecording() {
  if (m_feed.recording()) {
    m_feed.stopRecording();
    return;
  }
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Record the session to"), QStringLiteral("session.ringlab"),
                                   tr("RingLab recordings (*.ringlab);;All files (*)"));
  if (path.isEmpty()) return;
  if (const QString error = m_feed.startRecording(path); !error.isEmpty()) {
    QMessageBox::warning(this, tr("Cannot record"), error);
  }
}

void LivePanel::refreshMembers() {
  const std::vector<LiveMember>& members = m_feed.members();
  if (m_loadRunning) {
    // Members that joined get load too, and those that left get none.
    QStringList now;
    for (const RespEndpoint& e : loadConfig().targets) now << e.address();
    if (now != m_loadTargets) applyLoad();
  }
  m_members->setRowCount(static_cast<int>(members.size()));
  int row = 0;
  for (const LiveMember& m : members) {
    const QString state = m.reachable ? m.status : tr("unreachable");
    const QString faults = !m.faultInjection    ? tr("off (no --allow-fault-injection)")
                           : m.faults.isEmpty() ? tr("none")
                                                : m.faults.join(QStringLiteral(", "));
    const QStringList cells{m.name, state, faults, m.clientPort > 0 ? m.clientAddress() : tr("—")};
    const QString tip = tr("%1: admin %2, clients %3, peers %4:%5%6")
                            .arg(m.name, m.adminPort > 0 ? m.adminAddress() : tr("—"),
                                 m.clientPort > 0 ? m.clientAddress() : tr("—"), m.host)
                            .arg(m.peerPort)
                            .arg(m.reachable ? QString() : tr("\nunreachable: %1").arg(m.lastError));
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = m_members->item(row, c);
      if (!item) {
        item = new QTableWidgetItem;
        m_members->setItem(row, c, item);
      }
      item->setText(cells[c]);
      item->setToolTip(tip);
    }
    ++row;
  }
  m_members->resizeColumnsToContents();
}

}  // namespace ringlab
