#include <ringlab/ui/inspector.h>

#include <algorithm>

#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <ringlab/ui/models.h>
#include <ringlab/ui/cluster_feed.h>
#include <ringlab/ui/theme.h>

namespace ringlab {

namespace {

QString name(NodeId n) { return QString::fromStdString(nodeName(n)); }

QTableWidget* makeTable(const QStringList& headers, QWidget* parent) {
  auto* table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
  table->setHorizontalHeaderLabels(headers);
  table->verticalHeader()->hide();
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setSelectionMode(QAbstractItemView::NoSelection);
  table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table->horizontalHeader()->setStretchLastSection(true);
  return table;
}

void setRow(QTableWidget* table, int row, const QStringList& cells, const QColor& color = QColor()) {
  for (int c = 0; c < cells.size(); ++c) {
    auto* item = new QTableWidgetItem(cells[c]);
    if (color.isValid()) item->setForeground(color);
    table->setItem(row, c, item);
  }
}

}  // namespace

InspectorPanel::InspectorPanel(ClusterFeed& feed, QWidget* parent) : QWidget(parent), m_feed(feed) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_tabs = new QTabWidget(this);
  layout->addWidget(m_tabs);

  auto* nodePage = new QWidget(m_tabs);
  auto* nl = new QVBoxLayout(nodePage);
  m_nodeBox = new QComboBox(nodePage);
  connect(m_nodeBox, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i >= 0) inspectNode(static_cast<NodeId>(i));
  });
  m_nodeSummary = new QLabel(nodePage);
  m_nodeSummary->setTextFormat(Qt::RichText);
  m_nodeSummary->setWordWrap(true);
  m_peers = makeTable({tr("Peer"), tr("phi"), tr("Its view")}, nodePage);
  m_peersNote = new QLabel(nodePage);
  m_peersNote->setWordWrap(true);
  m_peersNote->hide();
  nl->addWidget(m_nodeBox);
  nl->addWidget(m_nodeSummary);
  nl->addWidget(m_peers, 1);
  nl->addWidget(m_peersNote);
  m_tabs->addTab(nodePage, tr("Node"));

  auto* keyPage = new QWidget(m_tabs);
  m_keyPage = keyPage;
  auto* kl = new QVBoxLayout(keyPage);
  m_keySummary = new QLabel(tr("Type a key in “Find a key” to inspect it."), keyPage);
  m_keySummary->setWordWrap(true);
  m_copies = makeTable({tr("Node"), tr("Role"), tr("Version or context"), tr("Holds")}, keyPage);
  m_history = makeTable({tr("Time"), tr("Operation"), tr("Result"), tr("Version"), tr("Latency")}, keyPage);
  kl->addWidget(m_keySummary);
  kl->addWidget(m_copies, 1);
  kl->addWidget(new QLabel(tr("Recent operations by the clients"), keyPage));
  kl->addWidget(m_history, 1);
  m_tabs->addTab(keyPage, tr("Key"));

  // The key view reads the replicas on the simulation thread, twice a second while it is shown.
  m_keyTimer = new QTimer(this);
  m_keyTimer->setInterval(500);
  connect(m_keyTimer, &QTimer::timeout, this, [this] {
    if (isVisible() && m_tabs->currentIndex() == 1) refreshKey();
  });
  m_keyTimer->start();
}

void InspectorPanel::setSnapshot(const FeedSnapshot& snapshot) {
  m_snapshot = snapshot;
  if (m_nodeBox->count() != static_cast<int>(snapshot.nodes.size())) {
    const QSignalBlocker block(m_nodeBox);
    m_nodeBox->clear();
    for (const NodeInfo& n : snapshot.nodes) m_nodeBox->addItem(name(n.id));
    m_nodeBox->setCurrentIndex(std::min(static_cast<int>(m_node), m_nodeBox->count() - 1));
  }
  if (isVisible()) showNode();
}

void InspectorPanel::inspectNode(NodeId node) {
  m_node = node;
  m_feed.setInspectedNode(node);
  if (m_nodeBox->currentIndex() != static_cast<int>(node) && static_cast<int>(node) < m_nodeBox->count()) {
    const QSignalBlocker block(m_nodeBox);
    m_nodeBox->setCurrentIndex(static_cast<int>(node));
  }
  m_tabs->setCurrentIndex(0);
  showNode();
}

// The node's latest anti-entropy repair: which range it compared with whom, how many Merkle leaves differed, and what
// moved. Empty when its exchanges have found nothing to repair.
QString InspectorPanel::antiEntropyText(const NodeInfo& n) const {
  if (!n.lastRepair) return {};
  const AntiEntropySummary& a = *n.lastRepair;
  const auto position = [](Token t) { return static_cast<double>(t) / 0x1p64 * 100.0; };
  return tr("<br>Anti-entropy: %1 keys repaired so far. Latest at %2 with %3: the range from %4 % to %5 % of the "
            "ring (%6 % of it), %7 of %8 Merkle leaves differed; pushed %9 keys, fetched %10")
      .arg(n.antiEntropyKeysRepaired)
      .arg(formatVirtualTime(a.atNs), name(a.peer))
      .arg(position(a.range.start), 0, 'f', 1)
      .arg(position(a.range.end), 0, 'f', 1)
      .arg(a.range.fraction() * 100, 0, 'f', 1)
      .arg(a.differingLeaves)
      .arg(a.leaves)
      .arg(a.keysPushed)
      .arg(a.keysFetched);
}

void InspectorPanel::showNode() {
  if (m_node >= m_snapshot.nodes.size()) return;
  const NodeInfo& n = m_snapshot.nodes[m_node];
  const Theme theme = Theme::make(ThemeKind::kLight, false);
  m_nodeSummary->setText(
      tr("<b>%1</b> is <b style='color:%2'>%3</b>%4<br>%5 tokens · owns %6 of the ring (replicates %7)<br>"
         "%8 keys%13 · %9 bytes · holds %10 hints for others<br>CPU %11 % busy%12")
          .arg(name(n.id), nodeStateColor(n.state, theme).name(), nodeDisplayStateName(n.state))
          .arg(n.suspectedBy > 0 ? tr(" · %n peer(s) suspect it", nullptr, static_cast<int>(n.suspectedBy)) : QString())
          .arg(n.tokens)
          .arg(shareText(n.primaryShare), shareText(n.replicatedShare))
          .arg(n.keys)
          .arg(n.bytes)
          .arg(n.hintsHeld)
          .arg(n.cpuUtilization * 100, 0, 'f', 0)
          .arg(n.cpuFactor != 1.0 ? tr(" · %1x slower than normal").arg(n.cpuFactor) : QString())
          .arg(n.siblingKeys > 0 ? tr(" (%1 with siblings)").arg(n.siblingKeys) : QString()) +
      antiEntropyText(n));
  showPeers(n, theme);
}

// The inspected node's failure detector, peer by peer: phi and verdict under phi accrual; under SWIM the peers some
// news was about, with the incarnation it knows and how long a suspicion has left, and a line for the rest.
void InspectorPanel::showPeers(const NodeInfo& n, const Theme& theme) {
  const bool swim = m_snapshot.detection == DetectionProtocol::kSwim;
  if (m_peerColumnsFor != m_snapshot.detection) {
    m_peerColumnsFor = m_snapshot.detection;
    const QStringList headers = swim ? QStringList{tr("Peer"), tr("Its view"), tr("Incarnation"), tr("Suspicion")}
                                     : QStringList{tr("Peer"), tr("phi"), tr("Its view")};
    m_peers->setColumnCount(static_cast<int>(headers.size()));
    m_peers->setHorizontalHeaderLabels(headers);
    m_peers->setToolTip(
        swim ? tr("This node's failure detector (SWIM): each round it probes one peer, asks 3 others to probe it when "
                  "the probe goes unanswered, and then suspects it. A suspected peer that is alive refutes with a "
                  "higher incarnation; one that does not is declared dead when the suspicion times out.")
             : tr("This node's failure detector: phi is how unlikely the silence since the peer's last heartbeat is "
                  "(suspect from 4, down from 8)"));
  }
  m_peers->setRowCount(0);
  if (!n.peersListed) {  // the feed sends it with the next snapshot (the inspection just moved here)
    m_peersNote->setText(tr("Reading %1's opinion of its peers…").arg(name(n.id)));
    m_peersNote->show();
    return;
  }
  int row = 0;
  std::size_t listed = 0;
  for (const PeerOpinion& peer : n.peers) {
    if (peer.peer == n.id || peer.peer >= m_snapshot.nodes.size() ||
        m_snapshot.nodes[peer.peer].state == NodeDisplayState::kLeft) {
      continue;
    }
    ++listed;
    m_peers->insertRow(row);
    const QColor color =
        peer.verdict == NodeState::kUp
            ? QColor()
            : nodeStateColor(peer.verdict == NodeState::kDown ? NodeDisplayState::kDown : NodeDisplayState::kSuspect,
                             theme);
    const QString view = QString::fromStdString(std::string(nodeStateName(peer.verdict)));
    if (swim) {
      QString suspicion;
      if (peer.deathDueNs >= 0) {
        const double left = static_cast<double>(peer.deathDueNs - m_snapshot.nowNs) / 1e9;
        suspicion = left > 0 ? tr("dead in %1 s unless refuted").arg(left, 0, 'f', 1) : tr("one last probe");
      }
      setRow(m_peers, row++, {name(peer.peer), view, QString::number(peer.incarnation), suspicion}, color);
    } else {
      setRow(m_peers, row++, {name(peer.peer), QString::number(peer.phi, 'f', 2), view}, color);
    }
  }
  std::size_t others = 0;
  for (const NodeInfo& other : m_snapshot.nodes) {
    others += other.id != n.id && other.state != NodeDisplayState::kLeft;
  }
  if (swim && n.judged) {
    const std::size_t unlisted = others > listed ? others - listed : 0;
    m_peersNote->setText(unlisted == 1 ? tr("1 other peer: up at incarnation 0, no news about it.")
                                       : tr("%1 other peers: up at incarnation 0, no news about them.").arg(unlisted));
    m_peersNote->setVisible(others > listed);
  } else {
    m_peersNote->hide();
  }
}

void InspectorPanel::inspectKey(const QString& key) {
  m_keyText = key;
  refreshKey();
  // A key asked for (typed, or named by the narration) is what the reader wants to see.
  if (!key.isEmpty() && m_tabs->indexOf(m_keyPage) >= 0) m_tabs->setCurrentWidget(m_keyPage);
}

void InspectorPanel::refreshKey() {
  if (m_keyText.isEmpty()) {
    m_key.reset();
    showKey();
    return;
  }
  m_key = m_feed.can(FeedCapability::kInspectKeys) ? m_feed.inspectKey(m_keyText.toStdString()) : std::nullopt;
  showKey();
}

void InspectorPanel::showKey() {
  m_copies->setRowCount(0);
  m_history->setRowCount(0);
  if (!m_key) {
    m_keySummary->setText(tr("Type a key in “Find a key” to inspect it."));
    return;
  }
  const KeyInspection& k = *m_key;
  m_keySummary->setText(tr("key “%1” · token 0x%2 · %3 client operations so far")
                            .arg(QString::fromStdString(k.key))
                            .arg(k.token, 16, 16, QLatin1Char('0'))
                            .arg(k.operations));
  const Theme theme = Theme::make(ThemeKind::kLight, false);
  int row = 0;
  bool firstReplica = true;
  for (const auto& c : k.copies) {
    m_copies->insertRow(row);
    QString holds = c.record ? QString::fromStdString(describeHolding(*c.record)) : tr("nothing");
    if (!c.running) holds += tr(" (down)");
    const QColor color = c.record && !c.newest ? nodeStateColor(NodeDisplayState::kSuspect, theme) : QColor();
    QString version = QStringLiteral("—");
    if (c.record && c.record->kind == RecordKind::kSiblings) {
      // The context is what this copy has seen (kept or superseded), one entry per coordinating node.
      version = tr("%1 · %2")
                    .arg(QString::fromStdString(c.record->siblings.context().toString()),
                         QString::fromStdString(c.standing));
    } else if (c.record && c.record->kind == RecordKind::kCounter) {
      version = QString::fromStdString(c.standing);
    } else if (c.record) {
      version = QString::fromStdString(c.record->version.toString()) + (c.newest ? tr("  newest") : tr("  stale"));
    }
    QString role = tr("fallback");
    if (!c.fallback) role = firstReplica ? tr("replica (coordinator)") : tr("replica");
    if (!c.fallback) firstReplica = false;
    setRow(m_copies, row++, {name(c.node), role, version, holds}, color);
    // A sibling set or a counter: one indented row per sibling (its dot, timestamp and value) or per node's entry.
    if (c.record) {
      const bool siblings = c.record->kind == RecordKind::kSiblings;
      for (const KeyPart& part : describeParts(*c.record)) {
        m_copies->insertRow(row);
        setRow(m_copies, row++,
               {QString(), (siblings ? tr("  └ sibling %1") : tr("  └ %1")).arg(QString::fromStdString(part.label)),
                QString::fromStdString(part.version), QString::fromStdString(part.value)},
               color);
      }
    }
  }
  row = 0;
  for (auto it = k.recent.rbegin(); it != k.recent.rend(); ++it) {
    m_history->insertRow(row);
    const QColor color = it->result == ErrorCode::kOk ? QColor() : nodeStateColor(NodeDisplayState::kDown, theme);
    QString result = it->result == ErrorCode::kOk
                         ? (it->op == Operation::kGet && !it->found ? tr("not found") : tr("ok"))
                         : QString::fromStdString(std::string(errorCodeName(it->result)));
    // Siblings mode: how many siblings the key had in the answer, and the context a write carried.
    if (it->result == ErrorCode::kOk && it->siblings > 1) result += tr(" · %1 siblings").arg(it->siblings);
    if (it->op != Operation::kGet && !it->context.empty()) {
      result += tr(" · read context %1").arg(QString::fromStdString(it->context.toString()));
    }
    setRow(m_history, row++,
           {formatVirtualTime(it->invoked.nanos()), QString::fromStdString(std::string(operationName(it->op))),
            result,
            it->version.isNull() ? QStringLiteral("—") : QString::fromStdString(it->version.toString()),
            QString::fromStdString(formatDuration(it->completed - it->invoked))},
           color);
  }
}

void InspectorPanel::setLiveKeyTab(QWidget* live) {
  if (m_liveKeyPage) {
    m_tabs->removeTab(m_tabs->indexOf(m_liveKeyPage));
    m_liveKeyPage = nullptr;
  }
  const int keyIndex = m_tabs->indexOf(m_keyPage);
  if (live) {
    if (keyIndex >= 0) m_tabs->removeTab(keyIndex);
    m_liveKeyPage = live;
    m_tabs->addTab(live, tr("Key"));
  } else if (keyIndex < 0) {
    m_tabs->addTab(m_keyPage, tr("Key"));
  }
}

}  // namespace ringlab
