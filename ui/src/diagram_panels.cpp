#include <ringlab/ui/diagram_panels.h>

#include <algorithm>

#include <QComboBox>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QToolButton>
#include <QVBoxLayout>

#include <ringlab/ui/charts_view.h>
#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/panel_layout.h>
#include <ringlab/ui/spacetime_view.h>

namespace ringlab {

namespace {

constexpr std::int64_t kChartIntervalNs = 250'000'000;  // one point of the charts

}  // namespace

DiagramPanels::DiagramPanels(PanelLayout& layout) : QObject(&layout) {
  m_charts = new ChartsView;
  m_chartsDock = layout.addPanel(tr("Live charts"), QStringLiteral("chartsDock"), m_charts, Qt::BottomDockWidgetArea);
  m_spacetime = new SpaceTimeView;
  m_spacetime->setToolTip(QString());
  // The filter bar: a family of messages, a node and a key, each "any" by default.
  auto* spacetimePanel = new QWidget;
  auto* column = new QVBoxLayout(spacetimePanel);
  column->setContentsMargins(0, 0, 0, 0);
  column->setSpacing(2);
  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(6, 2, 6, 0);
  auto* show = new QLabel(tr("Show"));
  m_family = new QComboBox;
  m_family->setObjectName(QStringLiteral("spacetimeFamily"));
  m_family->setToolTip(tr("Only one family of messages (and, for reads and writes, the client requests)"));
  for (int f = 0; f <= static_cast<int>(SpaceTimeFilter::Family::kAntiEntropy); ++f) {
    m_family->addItem(spaceTimeFamilyName(static_cast<SpaceTimeFilter::Family>(f)), f);
  }
  m_node = new QComboBox;
  m_node->setObjectName(QStringLiteral("spacetimeNode"));
  m_node->setToolTip(tr("Only the messages a node sent or received, and the requests it coordinated"));
  m_node->addItem(tr("of every node"), -1);
  m_key = new QLineEdit;
  m_key->setObjectName(QStringLiteral("spacetimeKey"));
  m_key->setPlaceholderText(tr("for any key"));
  m_key->setToolTip(tr("Only the requests on this key and their messages: follow one request through the crowd"));
  m_key->setClearButtonEnabled(true);
  m_key->setMaximumWidth(220);
  m_lanes = new QLineEdit;
  m_lanes->setObjectName(QStringLiteral("spacetimeLanes"));
  m_lanes->setPlaceholderText(tr("lanes: default"));
  m_lanes->setToolTip(tr("The nodes drawn as lanes, such as \"n1 n7 n500\". Empty: every node up to %1; in a larger "
                         "cluster the replicas of the key above, else the first %1 nodes")
                          .arg(SpaceTimeView::kMaxLanes));
  m_lanes->setClearButtonEnabled(true);
  m_lanes->setMaximumWidth(200);
  auto* reset = new QToolButton;
  reset->setText(tr("Show all"));
  reset->setToolTip(tr("Clear the filter"));
  bar->addWidget(show);
  bar->addWidget(m_family);
  bar->addWidget(m_node);
  bar->addWidget(m_key, 1);
  bar->addWidget(m_lanes, 1);
  bar->addWidget(reset);
  bar->addStretch(1);
  column->addLayout(bar);
  column->addWidget(m_spacetime, 1);
  spacetimePanel->setFocusProxy(m_spacetime);  // a narration's focus on the panel reaches the diagram's keys
  connect(m_family, &QComboBox::currentIndexChanged, this, &DiagramPanels::applyFilter);
  connect(m_node, &QComboBox::currentIndexChanged, this, &DiagramPanels::applyFilter);
  connect(m_key, &QLineEdit::textChanged, this, &DiagramPanels::applyFilter);
  connect(m_lanes, &QLineEdit::editingFinished, this, &DiagramPanels::applyLanes);
  connect(m_lanes, &QLineEdit::textChanged, this, [this](const QString& text) {
    if (text.isEmpty()) applyLanes();  // the clear button
  });
  connect(reset, &QToolButton::clicked, this, [this] {
    m_family->setCurrentIndex(0);
    m_node->setCurrentIndex(0);
    m_key->clear();
    m_lanes->clear();
  });
  m_spacetimeDock = layout.addPanel(tr("Space-time diagram"), QStringLiteral("spacetimeDock"), spacetimePanel,
                                    Qt::BottomDockWidgetArea, m_chartsDock);
  m_fibers = new FiberView;
  m_fibersDock = layout.addPanel(tr("Fiber scheduling"), QStringLiteral("fibersDock"), m_fibers,
                                 Qt::BottomDockWidgetArea, m_spacetimeDock);
  connect(m_spacetime, &SpaceTimeView::timeClicked, this, &DiagramPanels::moveCursor);
  connect(m_fibers, &FiberView::timeClicked, this, &DiagramPanels::moveCursor);
  connect(m_charts, &ChartsView::intervalSelected, this, [this](double endSeconds) {
    const auto end = static_cast<std::int64_t>(endSeconds * 1e9);
    const std::int64_t start = std::max<std::int64_t>(0, end - kChartIntervalNs);
    m_spacetime->setWindow(start, end);
    m_fibers->setWindow(start, end);
    moveCursor((start + end) / 2);
    m_spacetimeDock->raise();
    emit message(tr("Showing %1 – %2 in the diagrams; double-click a diagram to follow the run again")
                     .arg(formatVirtualTime(start), formatVirtualTime(end)),
                 6000);
  });
  m_chartsDock->raise();
}

void DiagramPanels::moveCursor(std::int64_t ns) {
  m_spacetime->setTimeCursor(ns);
  m_fibers->setTimeCursor(ns);
}

void DiagramPanels::applyFilter() {
  SpaceTimeFilter filter;
  filter.family = static_cast<SpaceTimeFilter::Family>(std::max(0, m_family->currentData().toInt()));
  if (const int node = m_node->currentData().toInt(); node >= 0) filter.node = static_cast<NodeId>(node);
  filter.key = m_key->text().toStdString();
  m_spacetime->setFilter(filter);
}

void DiagramPanels::applyLanes() {
  std::vector<NodeId> lanes;
  QStringList unknown;
  const QStringList names = m_lanes->text().split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts);
  for (const QString& name : names) {
    const NodeId id = parseNodeName(name.toStdString());
    if (id != kNoNode && id < m_spacetime->nodeCount()) {
      lanes.push_back(id);
    } else {
      unknown << name;
    }
  }
  m_spacetime->setLanes(std::move(lanes));
  if (!unknown.isEmpty()) {
    emit message(tr("Lanes: no node %1 in this run (nodes are n1 to n%2)")
                     .arg(unknown.join(QStringLiteral(", ")))
                     .arg(m_spacetime->nodeCount()),
                 6000);
  }
}

void DiagramPanels::setSnapshot(const FeedSnapshot& snapshot) {
  // One entry per node of the run (nodes join and leave; the choice stays while its node exists).
  if (static_cast<std::size_t>(m_node->count() - 1) != snapshot.nodes.size()) {
    const int chosen = m_node->currentData().toInt();
    const QSignalBlocker quiet(m_node);
    while (m_node->count() > 1) m_node->removeItem(m_node->count() - 1);
    for (const NodeInfo& n : snapshot.nodes) {
      m_node->addItem(tr("of %1").arg(QString::fromStdString(nodeName(n.id))), static_cast<int>(n.id));
    }
    const int index = m_node->findData(chosen);
    m_node->setCurrentIndex(index < 0 ? 0 : index);
    if (index < 0 && chosen >= 0) applyFilter();
  }
  m_charts->setSnapshot(snapshot);
  m_spacetime->setSnapshot(snapshot);
  m_fibers->setSnapshot(snapshot);
}

void DiagramPanels::setTheme(const Theme& theme) {
  m_charts->setTheme(theme);
  m_spacetime->setTheme(theme);
  m_fibers->setTheme(theme);
}

void DiagramPanels::clear() {
  m_charts->clear();
  m_spacetime->clear();
  m_fibers->clear();
}

}  // namespace ringlab
