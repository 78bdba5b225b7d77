#include <ringlab/ui/controls_panel.h>

#include <algorithm>
#include <cmath>

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace ringlab {

namespace {

bool sameKeys(const KeyDistribution& a, const KeyDistribution& b) {
  return a.shape() == b.shape() && a.count() == b.count() && a.theta() == b.theta() &&
         a.hotKeyFraction() == b.hotKeyFraction() && a.hotOpFraction() == b.hotOpFraction();
}

}  // namespace

ControlsPanel::ControlsPanel(const QList<QAction*>& clusterActions, QWidget* parent) : QWidget(parent) {
  auto* cl = new QVBoxLayout(this);
  auto* quorum = new QGroupBox(tr("Replication"), this);
  auto* ql = new QFormLayout(quorum);
  m_n = new QSpinBox(quorum);
  m_r = new QSpinBox(quorum);
  m_w = new QSpinBox(quorum);
  for (QSpinBox* box : {m_n, m_r, m_w}) box->setRange(1, 9);
  m_n->setObjectName(QStringLiteral("quorumN"));
  m_r->setObjectName(QStringLiteral("quorumR"));
  m_w->setObjectName(QStringLiteral("quorumW"));
  m_n->setToolTip(tr("Replicas per key"));
  m_r->setToolTip(tr("Replies a read waits for"));
  m_w->setToolTip(tr("Acknowledgements a write waits for"));
  ql->addRow(tr("N (replicas)"), m_n);
  ql->addRow(tr("R (read quorum)"), m_r);
  ql->addRow(tr("W (write quorum)"), m_w);
  auto* applyQuorumButton = new QPushButton(tr("Apply N/R/W"), quorum);
  applyQuorumButton->setObjectName(QStringLiteral("applyQuorum"));
  applyQuorumButton->setToolTip(tr("Sends the values you changed; the panel follows the scenario's own changes"));
  connect(applyQuorumButton, &QPushButton::clicked, this, &ControlsPanel::applyQuorum);
  ql->addRow(applyQuorumButton);

  auto* workload = new QGroupBox(tr("Workload"), this);
  auto* wl = new QFormLayout(workload);
  m_rate = new QDoubleSpinBox(workload);
  m_rate->setRange(0, 1'000'000);
  m_rate->setDecimals(0);
  m_rate->setSingleStep(100);
  m_rate->setSuffix(tr(" ops/s"));
  m_rate->setToolTip(tr("Arrival rate of the open-loop workload (0 pauses the clients)"));
  m_readPercent = new QSpinBox(workload);
  m_readPercent->setRange(0, 100);
  m_readPercent->setSuffix(QStringLiteral(" %"));
  m_rate->setObjectName(QStringLiteral("workloadRate"));
  m_readPercent->setObjectName(QStringLiteral("workloadReads"));
  m_keyDistribution = new QComboBox(workload);
  m_keyDistribution->setObjectName(QStringLiteral("workloadKeys"));
  m_keyDistribution->addItems({QString(), QString(), QString()});
  m_keyCount = new QSpinBox(workload);
  m_keyCount->setObjectName(QStringLiteral("workloadKeyCount"));
  m_keyCount->setRange(1, 10'000'000);
  m_keyCount->setSingleStep(1000);
  wl->addRow(tr("Rate"), m_rate);
  wl->addRow(tr("Reads"), m_readPercent);
  wl->addRow(tr("Keys"), m_keyDistribution);
  wl->addRow(tr("Key count"), m_keyCount);
  m_routing = new QComboBox(workload);
  m_routing->setObjectName(QStringLiteral("workloadRouting"));
  m_routing->addItem(tr("random node"), static_cast<int>(Routing::kRandom));
  m_routing->addItem(tr("token-aware (a replica)"), static_cast<int>(Routing::kTokenAware));
  m_routing->addItem(tr("proxy (holds no copy)"), static_cast<int>(Routing::kProxy));
  m_routing->setToolTip(tr("Which node coordinates a request: any running node, one of the key's replicas (its own "
                           "copy answers at once), or a node without a copy (every replica a network hop away)"));
  wl->addRow(tr("Coordinator"), m_routing);
  auto* applyWorkloadButton = new QPushButton(tr("Apply workload"), workload);
  applyWorkloadButton->setObjectName(QStringLiteral("applyWorkload"));
  applyWorkloadButton->setToolTip(tr("Sends the values you changed; the panel follows the scenario's own changes"));
  connect(applyWorkloadButton, &QPushButton::clicked, this, &ControlsPanel::applyWorkload);
  wl->addRow(applyWorkloadButton);

  auto* membership = new QGroupBox(tr("Cluster"), this);
  auto* ml = new QVBoxLayout(membership);
  for (QAction* a : clusterActions) {
    auto* b = new QPushButton(a->text(), membership);
    b->setToolTip(a->toolTip());
    connect(b, &QPushButton::clicked, a, &QAction::trigger);
    ml->addWidget(b);
  }
  auto* hint = new QLabel(tr("Right-click a node (ring legend, traffic view or table) for crash, restart, wipe, "
                             "slow-down and decommission."),
                          membership);
  hint->setWordWrap(true);
  ml->addWidget(hint);
  cl->addWidget(quorum);
  cl->addWidget(workload);
  cl->addWidget(membership);
  cl->addStretch(1);
}

void ControlsPanel::forget() {
  m_shownQuorum.reset();
  m_shownWorkload.reset();
}

void ControlsPanel::sync(const FeedSnapshot& snapshot) {
  const QuorumConfig& q = snapshot.quorum;
  const std::optional<QuorumConfig> was = m_shownQuorum;
  if (!was || was->n != q.n) m_n->setValue(static_cast<int>(q.n));
  if (!was || was->r != q.r) m_r->setValue(static_cast<int>(q.r));
  if (!was || was->w != q.w) m_w->setValue(static_cast<int>(q.w));
  m_shownQuorum = q;
  if (!snapshot.workload) return;
  const WorkloadConfig& w = *snapshot.workload;
  const WorkloadConfig* old = m_shownWorkload ? &*m_shownWorkload : nullptr;
  if (!old || old->ratePerSecond != w.ratePerSecond) m_rate->setValue(w.ratePerSecond);
  if (!old || old->readRatio != w.readRatio) m_readPercent->setValue(static_cast<int>(std::lround(w.readRatio * 100)));
  if (!old || !sameKeys(old->keys, w.keys)) {
    if (w.keys.shape() == KeyDistribution::Shape::kZipfian) m_zipfTheta = w.keys.theta();
    if (w.keys.shape() == KeyDistribution::Shape::kHotspot) {
      m_hotKeyFraction = w.keys.hotKeyFraction();
      m_hotOpFraction = w.keys.hotOpFraction();
    }
    updateDistributionLabels();
    m_keyDistribution->setCurrentIndex(static_cast<int>(w.keys.shape()));
    m_keyCount->setValue(static_cast<int>(std::min<std::uint64_t>(w.keys.count(), 10'000'000)));
  }
  if (!old || old->routing != w.routing) m_routing->setCurrentIndex(m_routing->findData(static_cast<int>(w.routing)));
  m_shownWorkload = w;
}

void ControlsPanel::updateDistributionLabels() {
  m_keyDistribution->setItemText(0, tr("uniform"));
  m_keyDistribution->setItemText(1, tr("zipfian (θ %1)").arg(QLocale().toString(m_zipfTheta, 'g', 3)));
  m_keyDistribution->setItemText(2, tr("hot spot (%1 % of ops → %2 % of keys)")
                                        .arg(QLocale().toString(m_hotOpFraction * 100, 'g', 3))
                                        .arg(QLocale().toString(m_hotKeyFraction * 100, 'g', 3)));
}

void ControlsPanel::applyQuorum() {
  const QuorumConfig shown = m_shownQuorum.value_or(QuorumConfig{});
  const QuorumConfig wanted{static_cast<std::size_t>(m_n->value()), static_cast<std::size_t>(m_r->value()),
                            static_cast<std::size_t>(m_w->value())};
  if (wanted.r > wanted.n || wanted.w > wanted.n) {
    QMessageBox::warning(this, tr("Replication"), tr("R and W cannot be larger than N."));
    return;
  }
  QuorumAction q;
  if (wanted.n != shown.n) q.n = wanted.n;
  if (wanted.r != shown.r) q.r = wanted.r;
  if (wanted.w != shown.w) q.w = wanted.w;
  if (!q.n && !q.r && !q.w) {
    emit message(tr("N/R/W are already N=%1 R=%2 W=%3").arg(shown.n).arg(shown.r).arg(shown.w), 4000);
    return;
  }
  emit actionRequested(q);
}

void ControlsPanel::applyWorkload() {
  if (!m_shownWorkload) return;
  const WorkloadConfig& shown = *m_shownWorkload;
  WorkloadAction w;
  if (std::abs(m_rate->value() - std::round(shown.ratePerSecond)) >= 0.5) w.ratePerSecond = m_rate->value();
  if (m_readPercent->value() != static_cast<int>(std::lround(shown.readRatio * 100))) {
    w.readRatio = m_readPercent->value() / 100.0;
    if (*w.readRatio + shown.deleteRatio > 1.0) w.deleteRatio = 1.0 - *w.readRatio;
  }
  const auto count = static_cast<std::uint64_t>(m_keyCount->value());
  if (m_keyDistribution->currentIndex() != static_cast<int>(shown.keys.shape()) ||
      count != std::min<std::uint64_t>(shown.keys.count(), 10'000'000)) {
    switch (m_keyDistribution->currentIndex()) {
      case 1: w.keys = KeyDistribution::zipfian(count, m_zipfTheta); break;
      case 2: w.keys = KeyDistribution::hotspot(count, m_hotKeyFraction, m_hotOpFraction); break;
      default: w.keys = KeyDistribution::uniform(count); break;
    }
  }
  if (const auto routing = static_cast<Routing>(m_routing->currentData().toInt()); routing != shown.routing) {
    w.routing = routing;
  }
  if (!w.ratePerSecond && !w.readRatio && !w.keys && !w.routing) {
    emit message(tr("The workload already runs with these settings"), 4000);
    return;
  }
  emit actionRequested(w);
}

}  // namespace ringlab
