#include <ringlab/ui/main_window.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <ostream>

#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonObject>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTextBrowser>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <ringlab/sim/file_output.h>
#include <ringlab/sim/scenario_catalog.h>
#include <ringlab/sim/scenario_writer.h>
#include <ringlab/ui/charts_view.h>
#include <ringlab/ui/export.h>
#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/inspector.h>
#include <ringlab/ui/live_panel.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/recording_feed.h>
#include <ringlab/ui/remote_feed.h>
#include <ringlab/ui/ring_view.h>
#include <ringlab/ui/run_report.h>
#include <ringlab/ui/simulation_feed.h>
#include <ringlab/ui/spacetime_view.h>
#include <ringlab/ui/traffic_view.h>

#ifndef RINGLAB_SCENARIO_DIR
#define RINGLAB_SCENARIO_DIR ""
#endif

namespace ringlab {

namespace {

struct SpeedPreset {
  const char* label;
  double speed;  // 0: as fast as possible
};
constexpr SpeedPreset kSpeeds[] = {{"0.01x", 0.01}, {"0.05x", 0.05}, {"0.1x", 0.1},   {"0.25x", 0.25},
                                   {"0.5x", 0.5},   {"1x", 1.0},     {"2x", 2.0},     {"5x", 5.0},
                                   {"10x", 10.0},   {"25x", 25.0},   {"100x", 100.0}, {"max", 0.0}};
constexpr int kDefaultSpeedIndex = 5;
constexpr std::chrono::milliseconds kStepAmount{10};

QStringList kDefaultPresentationCharts() { return {QStringLiteral("Throughput"), QStringLiteral("Get latency")}; }

QString nodeLabel(NodeId n) { return QString::fromStdString(nodeName(n)); }

bool sameKeys(const KeyDistribution& a, const KeyDistribution& b) {
  return a.shape() == b.shape() && a.count() == b.count() && a.theta() == b.theta() &&
         a.hotKeyFraction() == b.hotKeyFraction() && a.hotOpFraction() == b.hotOpFraction();
}

// A scenario's description as flowing paragraphs: YAML's folded line breaks join into one line, a blank line
// starts a new paragraph, and a line that starts with "-" or "*" stays a line of its own.
QString descriptionHtml(const QString& text) {
  QString html;
  const QStringList paragraphs = text.trimmed().split(QRegularExpression(QStringLiteral("\\n\\s*\\n")));
  for (const QString& paragraph : paragraphs) {
    QString joined;
    for (const QString& raw : paragraph.split(QLatin1Char('\n'))) {
      const QString line = raw.trimmed();
      if (line.isEmpty()) continue;
      if (!joined.isEmpty()) {
        joined += line.startsWith(QLatin1Char('-')) || line.startsWith(QLatin1Char('*')) ? QStringLiteral("<br>")
                                                                                         : QStringLiteral(" ");
      }
      joined += line.toHtmlEscaped();
    }
    html += QStringLiteral("<p>%1</p>").arg(joined);
  }
  return html;
}

}  // namespace

MainWindow::MainWindow(bool restoreSettings, QWidget* parent)
    : QMainWindow(parent), m_useSettings(restoreSettings), m_feed(std::make_unique<SimulationFeed>()) {
  setWindowTitle(tr("RingLab"));
  setObjectName(QStringLiteral("MainWindow"));
  m_normalFont = QApplication::font();
  m_theme = Theme::make(ThemeKind::kLight, false);

  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(4, 4, 4, 0);
  layout->setSpacing(4);
  m_narration = new QLabel(central);
  m_narration->setObjectName(QStringLiteral("narration"));
  m_narration->setWordWrap(true);
  m_narration->setTextFormat(Qt::RichText);
  m_narration->setMinimumHeight(44);
  m_narration->setMargin(8);
  m_narration->setAutoFillBackground(true);
  layout->addWidget(m_narration);

  m_lookupRow = new QWidget(central);
  auto* lookupRow = new QHBoxLayout(m_lookupRow);
  lookupRow->setContentsMargins(0, 0, 0, 0);
  auto* lookupLabel = new QLabel(tr("Find a &key:"), m_lookupRow);
  m_keyLookup = new QLineEdit(m_lookupRow);
  m_keyLookup->setObjectName(QStringLiteral("keyLookup"));
  m_keyLookup->setPlaceholderText(
      tr("type a key, e.g. key:00000042 — its token, coordinator, replicas and fallbacks "
         "appear on the ring (Esc leaves the field)"));
  m_keyLookup->setClearButtonEnabled(true);
  // Typing a key is something one sets out to do: the field takes focus only when clicked (or Alt+K), so that the
  // keyboard shortcuts work from launch, and Escape hands the keys back to them.
  m_keyLookup->setFocusPolicy(Qt::ClickFocus);
  m_keyLookup->installEventFilter(this);
  lookupLabel->setBuddy(m_keyLookup);
  lookupRow->addWidget(lookupLabel);
  lookupRow->addWidget(m_keyLookup, 1);
  layout->addWidget(m_lookupRow);

  auto* splitter = new QSplitter(Qt::Horizontal, central);
  m_ringView = new RingView(splitter);
  m_trafficView = new TrafficView(splitter);
  // Clicking a view takes the focus away from a text field, so the shortcuts apply again.
  m_ringView->setFocusPolicy(Qt::ClickFocus);
  m_trafficView->setFocusPolicy(Qt::ClickFocus);
  splitter->addWidget(m_ringView);
  splitter->addWidget(m_trafficView);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 1);
  layout->addWidget(splitter, 1);
  setCentralWidget(central);
  connect(m_keyLookup, &QLineEdit::textChanged, m_ringView, &RingView::setLookupKey);

  m_nodeModel = new NodeTableModel(this);
  m_actionLog = new ActionLogModel(this);
  m_scenarioList = new ScenarioListModel(this);
  m_scenarioList->setFiles(shippedScenarios(RINGLAB_SCENARIO_DIR));

  m_presentationCharts = kDefaultPresentationCharts();
  buildActions();
  buildToolBar();
  buildDocks();
  buildMenus();
  clearReport();

  connect(m_ringView, &RingView::nodeContextMenuRequested, this, &MainWindow::showNodeMenu);
  connect(m_trafficView, &TrafficView::nodeContextMenuRequested, this, &MainWindow::showNodeMenu);
  connect(m_feed.get(), &ClusterFeed::snapshotReady, this, [this](const FeedSnapshot& s) {
    if (!live() && !m_replay) onSnapshot(s);
  });
  // While a live cluster or a recording is shown, the paused simulation's signals must not touch the views.
  connect(m_feed.get(), &ClusterFeed::scenarioStarted, this,
          [this](std::shared_ptr<const ScenarioSpec> spec, const QVector<NarrationPoint>& timeline) {
            if (!live() && !m_replay) {
              onScenarioStarted(std::move(spec), timeline);
            } else {
              m_spec = std::move(spec);
              m_timeline = timeline;
            }
          });
  connect(m_feed.get(), &ClusterFeed::narrationReached, this, [this](const NarrationPoint& p) {
    if (!live() && !m_replay) onNarration(p);
  });
  connect(m_feed.get(), &ClusterFeed::actionLogged, this, [this](const LoggedAction& a) {
    m_actionLog->append(a);
    statusBar()->showMessage(tr("%1 at %2").arg(a.description, formatVirtualTime(a.atNs)), 4000);
  });
  connect(m_feed.get(), &ClusterFeed::rewound, this, [this](qint64 atNs, const QVector<LoggedAction>& kept) {
    m_actionLog->clear();
    for (const LoggedAction& a : kept) m_actionLog->append(a);
    m_chartsView->clear();
    clearReport();
    forgetShownControls();
    setNarrationBody(tr("<b>Back at %1.</b> The run was replayed from its seed with your earlier actions; act "
                        "differently from here to fork it.")
                         .arg(formatVirtualTime(atNs)));
  });
  connect(m_feed.get(), &ClusterFeed::progress, this, [this](const QString& what, double fraction) {
    if (what.isEmpty())
      statusBar()->clearMessage();
    else
      statusBar()->showMessage(QStringLiteral("%1 … %2 %").arg(what).arg(static_cast<int>(fraction * 100)));
  });
  connect(m_feed.get(), &ClusterFeed::problem, this, [this](const QString& message) {
    statusBar()->showMessage(message, 8000);
    if (isVisible()) QMessageBox::warning(this, tr("RingLab"), message);
  });
  connect(m_feed.get(), &ClusterFeed::runReportReady, this, [this](const QString& json) { m_reportJson = json; });
  connect(m_feed.get(), &ClusterFeed::runFinished, this,
          [this](const QString& report, bool passed) { onRunFinished(report, m_reportJson, passed); });

  resize(1500, 920);
  if (m_useSettings) {
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    if (settings.contains(QStringLiteral("presentation/charts")))
      setPresentationCharts(settings.value(QStringLiteral("presentation/charts")).toStringList());
    setTheme(settings.value(QStringLiteral("view/dark"), false).toBool() ? ThemeKind::kDark : ThemeKind::kLight);
  } else {
    setTheme(ThemeKind::kLight);
  }
  setNarrationBody(tr("Open a scenario from the Scenario panel or with File ▸ Open (Ctrl+O)."));
  updateTimeControls();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
  m_playAction = new QAction(tr("Play"), this);
  m_playAction->setShortcuts({QKeySequence(Qt::Key_Space), QKeySequence(Qt::Key_MediaTogglePlayPause)});
  m_playAction->setToolTip(tr("Play or pause the run (Space)"));
  connect(m_playAction, &QAction::triggered, this, [this] {
    if (live()) {
      m_liveFrozen = !m_liveFrozen;
      if (m_liveFrozen) {
        m_remote->pause();
      } else {
        m_remote->play();
      }
      updateTimeControls();
      return;
    }
    if (m_snapshot.playing)
      timeFeed().pause();
    else
      timeFeed().play();
  });
  m_stepAction = new QAction(tr("Step"), this);
  m_stepAction->setShortcuts({QKeySequence(Qt::Key_Right), QKeySequence(Qt::Key_S)});
  m_stepAction->setToolTip(tr("Advance 10 ms of virtual time and pause (→ or S)"));
  connect(m_stepAction, &QAction::triggered, this, [this] { timeFeed().step(kStepAmount); });
  m_nextAction = new QAction(tr("Next narration"), this);
  m_nextAction->setShortcuts({QKeySequence(Qt::Key_N), QKeySequence(Qt::Key_PageDown)});
  m_nextAction->setToolTip(tr("Run to the next narration point of the scenario and pause there (N or Page Down)"));
  connect(m_nextAction, &QAction::triggered, this, [this] { timeFeed().runToNextNarration(); });
  m_backAction = new QAction(tr("Back 1 s"), this);
  m_backAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Left));
  m_backAction->setToolTip(tr("Travel one second back in virtual time (Ctrl+←)"));
  connect(m_backAction, &QAction::triggered, this,
          [this] { seekTo(std::max<std::int64_t>(0, m_snapshot.nowNs - 1'000'000'000)); });
  m_forwardAction = new QAction(tr("Forward 1 s"), this);
  m_forwardAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right));
  m_forwardAction->setToolTip(tr("Run one second forward and pause (Ctrl+→)"));
  connect(m_forwardAction, &QAction::triggered, this, [this] { seekTo(m_snapshot.nowNs + 1'000'000'000); });
  m_restartAction = new QAction(tr("Restart"), this);
  m_restartAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  m_restartAction->setToolTip(tr("Start the scenario again with the same seed (Ctrl+R)"));
  connect(m_restartAction, &QAction::triggered, this, [this] { restart(false); });
  m_newSeedAction = new QAction(tr("New seed"), this);
  m_newSeedAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  m_newSeedAction->setToolTip(tr("Start the scenario again with a new random seed (Ctrl+Shift+R)"));
  connect(m_newSeedAction, &QAction::triggered, this, [this] { restart(true); });
  m_healAction = new QAction(tr("Heal network"), this);
  m_healAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
  m_healAction->setToolTip(tr("Restore every cut link (Ctrl+H)"));
  connect(m_healAction, &QAction::triggered, this, [this] { applyAction(HealAction{}); });
  m_partitionAction = new QAction(tr("Partition…"), this);
  m_partitionAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  m_partitionAction->setToolTip(tr("Split the nodes into groups that cannot reach each other (Ctrl+P)"));
  connect(m_partitionAction, &QAction::triggered, this, &MainWindow::showPartitionDialog);
  m_addNodeAction = new QAction(tr("Add node"), this);
  m_addNodeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
  m_addNodeAction->setToolTip(tr("Add a node: it takes tokens and streams in its ranges (Ctrl+J)"));
  connect(m_addNodeAction, &QAction::triggered, this, [this] {
    if (live()) {
      addLiveNodeDialog();
    } else {
      applyAction(AddNodeAction{});
    }
  });
  m_presentationAction = new QAction(tr("Presentation mode"), this);
  m_presentationAction->setCheckable(true);
  m_presentationAction->setShortcuts({QKeySequence(Qt::Key_F11), QKeySequence(Qt::Key_F5)});
  m_presentationAction->setToolTip(tr("Full screen, large fonts, high contrast (F11 or F5)"));
  connect(m_presentationAction, &QAction::toggled, this, &MainWindow::setPresentationMode);
  m_darkAction = new QAction(tr("Dark palette"), this);
  m_darkAction->setCheckable(true);
  m_darkAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
  connect(m_darkAction, &QAction::toggled, this,
          [this](bool dark) { setTheme(dark ? ThemeKind::kDark : ThemeKind::kLight); });
  m_fasterAction = new QAction(tr("Faster"), this);
  m_fasterAction->setShortcuts({QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal), QKeySequence(Qt::Key_Up)});
  connect(m_fasterAction, &QAction::triggered, this, [this] { stepSpeed(+1); });
  m_slowerAction = new QAction(tr("Slower"), this);
  m_slowerAction->setShortcuts({QKeySequence(Qt::Key_Minus), QKeySequence(Qt::Key_Down)});
  connect(m_slowerAction, &QAction::triggered, this, [this] { stepSpeed(-1); });
  for (QAction* a : {m_playAction, m_stepAction, m_nextAction, m_fasterAction, m_slowerAction}) {
    a->setShortcutContext(Qt::ApplicationShortcut);
  }
}

void MainWindow::buildToolBar() {
  QToolBar* bar = addToolBar(tr("Time"));
  bar->setObjectName(QStringLiteral("timeToolBar"));
  bar->setMovable(true);
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  bar->addAction(m_playAction);
  bar->addAction(m_stepAction);
  bar->addAction(m_nextAction);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Speed "), bar));
  m_speed = new QComboBox(bar);
  for (const SpeedPreset& p : kSpeeds) m_speed->addItem(QString::fromLatin1(p.label), p.speed);
  m_speed->setItemText(static_cast<int>(std::size(kSpeeds)) - 1, tr("as fast as possible"));
  m_speed->setCurrentIndex(kDefaultSpeedIndex);
  m_speed->setToolTip(tr("Virtual time per second of real time (+ and − change it)"));
  connect(m_speed, &QComboBox::currentIndexChanged, this, [this](int i) {
    m_feed->setSpeed(m_speed->itemData(i).toDouble());
    if (m_replay) m_replay->setSpeed(m_speed->itemData(i).toDouble());
  });
  bar->addWidget(m_speed);
  bar->addSeparator();
  m_timeLabel = new QLabel(bar);
  m_timeLabel->setObjectName(QStringLiteral("virtualTime"));
  m_timeLabel->setMinimumWidth(170);
  m_timeLabel->setToolTip(tr("Virtual time of the run / the scenario's duration"));
  bar->addWidget(m_timeLabel);
  m_scrubber = new QSlider(Qt::Horizontal, bar);
  m_scrubber->setObjectName(QStringLiteral("scrubber"));
  m_scrubber->setRange(0, 1000);
  m_scrubber->setMinimumWidth(160);
  m_scrubber->setMaximumWidth(260);
  m_scrubber->setToolTip(
      tr("Where the run is. Drag back to travel to an earlier moment (the run is replayed from its "
         "seed, with your actions up to then); act differently from there to fork it. "
         "Ctrl+← and Ctrl+→ move one second."));
  connect(m_scrubber, &QSlider::sliderReleased, this, [this] {
    if (m_snapshot.endNs <= 0) return;
    seekTo(m_snapshot.endNs / 1000 * m_scrubber->value());
  });
  bar->addWidget(m_scrubber);
  m_seedLabel = new QLabel(bar);
  m_seedLabel->setToolTip(tr("The run's seed: the same seed gives the same run"));
  bar->addWidget(m_seedLabel);
  bar->addSeparator();
  bar->addAction(m_restartAction);
  bar->addAction(m_newSeedAction);

  QToolBar* cluster = addToolBar(tr("Cluster"));
  m_clusterBar = cluster;
  cluster->setObjectName(QStringLiteral("clusterToolBar"));
  cluster->setToolButtonStyle(Qt::ToolButtonTextOnly);
  cluster->addAction(m_partitionAction);
  cluster->addAction(m_healAction);
  cluster->addAction(m_addNodeAction);

  m_statusStats = new QLabel(this);
  statusBar()->addPermanentWidget(m_statusStats);
}

void MainWindow::buildDocks() {
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);

  // Scenario browser, description, narration list and report.
  m_scenarioDock = new QDockWidget(tr("Scenario"), this);
  m_scenarioDock->setObjectName(QStringLiteral("scenarioDock"));
  auto* scenarioPanel = new QWidget(m_scenarioDock);
  auto* sl = new QVBoxLayout(scenarioPanel);
  m_scenarioView = new QListView(scenarioPanel);
  m_scenarioView->setModel(m_scenarioList);
  m_scenarioView->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_scenarioView->setMinimumHeight(70);
  m_scenarioView->setWordWrap(true);  // whole titles, on two lines when the panel is narrow
  m_scenarioView->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_scenarioView->setToolTip(tr("Shipped scenarios: double-click or press Enter to open one"));
  connect(m_scenarioView, &QListView::activated, this, [this](const QModelIndex& index) {
    openScenarioFile(index.data(ScenarioListModel::kPathRole).toString(), false);
  });
  auto* open = new QPushButton(tr("Open file…"), scenarioPanel);
  connect(open, &QPushButton::clicked, this, &MainWindow::openScenarioDialog);
  m_scenarioTitle = new QLabel(scenarioPanel);
  m_scenarioTitle->setWordWrap(true);
  QFont titleFont = m_scenarioTitle->font();
  titleFont.setBold(true);
  titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
  m_scenarioTitle->setFont(titleFont);
  m_scenarioDescription = new QTextBrowser(scenarioPanel);
  m_scenarioDescription->setFrameShape(QFrame::NoFrame);
  m_scenarioDescription->setMinimumHeight(60);
  m_scenarioDescription->viewport()->setAutoFillBackground(false);
  m_reportStatus = new QLabel(scenarioPanel);
  m_reportStatus->setWordWrap(true);
  m_reportButton = new QPushButton(tr("Show the report…"), scenarioPanel);
  m_reportButton->setObjectName(QStringLiteral("showReport"));
  m_reportButton->setToolTip(tr("Expectations, operations and latency, consistency and messages of the finished run"));
  connect(m_reportButton, &QPushButton::clicked, this, &MainWindow::showReport);
  sl->addWidget(new QLabel(tr("Scenarios"), scenarioPanel));
  sl->addWidget(m_scenarioView, 2);
  sl->addWidget(open);
  sl->addWidget(m_scenarioTitle);
  sl->addWidget(m_scenarioDescription, 3);
  sl->addWidget(m_reportStatus);
  sl->addWidget(m_reportButton);
  m_scenarioDock->setWidget(scenarioPanel);
  addDockWidget(Qt::LeftDockWidgetArea, m_scenarioDock);

  // Action log.
  m_logDock = new QDockWidget(tr("Action log"), this);
  m_logDock->setObjectName(QStringLiteral("logDock"));
  auto* logPanel = new QWidget(m_logDock);
  auto* ll = new QVBoxLayout(logPanel);
  auto* logView = new QTableView(logPanel);
  logView->setModel(m_actionLog);
  logView->horizontalHeader()->setStretchLastSection(true);
  logView->verticalHeader()->hide();
  auto* save = new QPushButton(tr("Save run as scenario…"), logPanel);
  save->setToolTip(tr("The scenario with its seed and every manual action, to replay the lesson (Ctrl+S)"));
  connect(save, &QPushButton::clicked, this, &MainWindow::saveRunDialog);
  ll->addWidget(logView);
  ll->addWidget(save);
  m_logDock->setWidget(logPanel);
  addDockWidget(Qt::LeftDockWidgetArea, m_logDock);
  tabifyDockWidget(m_scenarioDock, m_logDock);
  m_scenarioDock->raise();

  // Nodes.
  m_nodesDock = new QDockWidget(tr("Nodes"), this);
  m_nodesDock->setObjectName(QStringLiteral("nodesDock"));
  m_nodeTable = new QTableView(m_nodesDock);
  m_nodeTable->setObjectName(QStringLiteral("nodeTable"));
  m_nodeTable->setModel(m_nodeModel);
  m_nodeTable->verticalHeader()->hide();
  m_nodeTable->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_nodeTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_nodeTable->setContextMenuPolicy(Qt::CustomContextMenu);
  m_nodeTable->setToolTip(tr("Right-click a node to crash, restart, wipe, slow down or decommission it"));
  connect(m_nodeTable, &QTableView::customContextMenuRequested, this, [this](const QPoint& pos) {
    const QModelIndex index = m_nodeTable->indexAt(pos);
    if (!index.isValid()) return;
    showNodeMenu(static_cast<NodeId>(index.data(NodeTableModel::kNodeIdRole).toUInt()),
                 m_nodeTable->viewport()->mapToGlobal(pos));
  });
  m_nodeTable->setMinimumHeight(110);
  m_nodesDock->setWidget(m_nodeTable);
  addDockWidget(Qt::RightDockWidgetArea, m_nodesDock);

  // Live controls.
  m_controlsDock = new QDockWidget(tr("Controls"), this);
  m_controlsDock->setObjectName(QStringLiteral("controlsDock"));
  auto* controls = new QWidget(m_controlsDock);
  auto* cl = new QVBoxLayout(controls);
  auto* quorum = new QGroupBox(tr("Replication"), controls);
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
  connect(applyQuorumButton, &QPushButton::clicked, this, &MainWindow::applyQuorum);
  ql->addRow(applyQuorumButton);
  auto* workload = new QGroupBox(tr("Workload"), controls);
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
  auto* applyWorkloadButton = new QPushButton(tr("Apply workload"), workload);
  applyWorkloadButton->setObjectName(QStringLiteral("applyWorkload"));
  applyWorkloadButton->setToolTip(tr("Sends the values you changed; the panel follows the scenario's own changes"));
  connect(applyWorkloadButton, &QPushButton::clicked, this, &MainWindow::applyWorkload);
  wl->addRow(applyWorkloadButton);
  auto* membership = new QGroupBox(tr("Cluster"), controls);
  auto* ml = new QVBoxLayout(membership);
  for (QAction* a : {m_partitionAction, m_healAction, m_addNodeAction}) {
    auto* b = new QPushButton(a->text(), membership);
    b->setToolTip(a->toolTip());
    connect(b, &QPushButton::clicked, a, &QAction::trigger);
    ml->addWidget(b);
  }
  ml->addWidget(new QLabel(tr("Right-click a node (ring legend, traffic view or table) for crash, restart, wipe, "
                              "slow-down and decommission."),
                           membership));
  static_cast<QLabel*>(ml->itemAt(ml->count() - 1)->widget())->setWordWrap(true);
  cl->addWidget(quorum);
  cl->addWidget(workload);
  cl->addWidget(membership);
  cl->addStretch(1);
  auto* scroll = new QScrollArea(m_controlsDock);
  scroll->setWidget(controls);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_controlsDock->setWidget(scroll);
  addDockWidget(Qt::RightDockWidgetArea, m_controlsDock);

  // Inspectors, tabbed with the controls.
  m_inspectorDock = new QDockWidget(tr("Inspector"), this);
  m_inspectorDock->setObjectName(QStringLiteral("inspectorDock"));
  // In a scroll area, so that the panel never sets the window's least height (it must fit a 720p screen).
  auto* inspectorScroll = new QScrollArea(m_inspectorDock);
  m_inspector = new InspectorPanel(*m_feed, inspectorScroll);
  inspectorScroll->setWidget(m_inspector);
  inspectorScroll->setWidgetResizable(true);
  inspectorScroll->setFrameShape(QFrame::NoFrame);
  m_inspectorDock->setWidget(inspectorScroll);
  addDockWidget(Qt::RightDockWidgetArea, m_inspectorDock);
  tabifyDockWidget(m_controlsDock, m_inspectorDock);
  m_controlsDock->raise();
  connect(m_keyLookup, &QLineEdit::textChanged, m_inspector, &InspectorPanel::inspectKey);

  // Charts.
  m_chartsDock = new QDockWidget(tr("Live charts"), this);
  m_chartsDock->setObjectName(QStringLiteral("chartsDock"));
  m_chartsView = new ChartsView(m_chartsDock);
  m_chartsDock->setWidget(m_chartsView);
  addDockWidget(Qt::BottomDockWidgetArea, m_chartsDock);

  // Space-time diagram, tabbed with the charts.
  m_spacetimeDock = new QDockWidget(tr("Space-time diagram"), this);
  m_spacetimeDock->setObjectName(QStringLiteral("spacetimeDock"));
  m_spacetimeView = new SpaceTimeView(m_spacetimeDock);
  m_spacetimeView->setToolTip(QString());
  m_spacetimeDock->setWidget(m_spacetimeView);
  addDockWidget(Qt::BottomDockWidgetArea, m_spacetimeDock);
  tabifyDockWidget(m_chartsDock, m_spacetimeDock);

  // Fiber scheduling, tabbed with them too.
  m_fibersDock = new QDockWidget(tr("Fiber scheduling"), this);
  m_fibersDock->setObjectName(QStringLiteral("fibersDock"));
  m_fiberView = new FiberView(m_fibersDock);
  m_fibersDock->setWidget(m_fiberView);
  addDockWidget(Qt::BottomDockWidgetArea, m_fibersDock);
  tabifyDockWidget(m_spacetimeDock, m_fibersDock);

  // One time cursor for the diagrams; a point clicked in a chart opens its interval in the space-time diagram.
  auto moveCursor = [this](std::int64_t ns) {
    m_spacetimeView->setTimeCursor(ns);
    m_fiberView->setTimeCursor(ns);
  };
  connect(m_spacetimeView, &SpaceTimeView::timeClicked, this, moveCursor);
  connect(m_fiberView, &FiberView::timeClicked, this, moveCursor);
  connect(m_chartsView, &ChartsView::intervalSelected, this, [this, moveCursor](double endSeconds) {
    const auto end = static_cast<std::int64_t>(endSeconds * 1e9);
    const std::int64_t start = std::max<std::int64_t>(0, end - 250'000'000);
    m_spacetimeView->setWindow(start, end);
    m_fiberView->setWindow(start, end);
    moveCursor((start + end) / 2);
    m_spacetimeDock->raise();
    statusBar()->showMessage(tr("Showing %1 – %2 in the diagrams; double-click a diagram to follow the run again")
                                 .arg(formatVirtualTime(start), formatVirtualTime(end)),
                             6000);
  });
  m_chartsDock->raise();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open scenario…"), this, &MainWindow::openScenarioDialog);
  open->setShortcut(QKeySequence::Open);
  file->addAction(tr("Open &recording…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a recorded session"), QString(),
                                                      tr("RingLab recordings (*.ringlab);;All files (*)"));
    if (path.isEmpty()) return;
    if (const QString error = openRecording(path); !error.isEmpty()) {
      QMessageBox::warning(this, tr("Cannot open the recording"), error);
    }
  });
  QAction* connectAction = file->addAction(tr("&Connect to cluster…"), this, &MainWindow::connectDialog);
  connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
  connectAction->setToolTip(tr("Watch a cluster of real ringlabd nodes (Ctrl+K)"));
  m_disconnectAction =
      file->addAction(tr("&Disconnect (back to the simulation)"), this, &MainWindow::disconnectFromCluster);
  m_disconnectAction->setEnabled(false);
  file->addSeparator();
  QAction* save = file->addAction(tr("&Save run as scenario…"), this, &MainWindow::saveRunDialog);
  save->setShortcut(QKeySequence::Save);
  QMenu* exportMenu = file->addMenu(tr("&Export"));
  QAction* exportView = exportMenu->addAction(tr("&View as PNG or SVG…"), this, &MainWindow::exportViewDialog);
  exportView->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  exportMenu->addAction(tr("&Metrics as CSV…"), this, &MainWindow::exportMetricsDialog);
  exportMenu->addAction(tr("&Trace as Chrome/Perfetto JSON…"), this, &MainWindow::exportTraceDialog);
  exportMenu->addAction(tr("&Run as scenario…"), this, &MainWindow::saveRunDialog);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->addAction(m_playAction);
  run->addAction(m_stepAction);
  run->addAction(m_nextAction);
  run->addAction(m_backAction);
  run->addAction(m_forwardAction);
  run->addSeparator();
  run->addAction(m_fasterAction);
  run->addAction(m_slowerAction);
  run->addSeparator();
  run->addAction(m_restartAction);
  run->addAction(m_newSeedAction);
  run->addSeparator();
  m_reportAction = run->addAction(tr("End-of-run &report…"), this, &MainWindow::showReport);
  m_reportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  m_reportAction->setEnabled(false);

  QMenu* cluster = menuBar()->addMenu(tr("&Cluster"));
  cluster->addAction(m_partitionAction);
  cluster->addAction(m_healAction);
  cluster->addAction(m_addNodeAction);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(m_presentationAction);
  buildPresentationChartsMenu(view->addMenu(tr("Charts in presentation mode")));
  view->addAction(m_darkAction);
  view->addSeparator();
  for (QDockWidget* dock : {m_scenarioDock, m_logDock, m_nodesDock, m_controlsDock, m_inspectorDock, m_chartsDock,
                            m_spacetimeDock, m_fibersDock}) {
    view->addAction(dock->toggleViewAction());
  }
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* keys = help->addAction(tr("&Keyboard shortcuts"), this, &MainWindow::showShortcuts);
  keys->setShortcut(QKeySequence(Qt::Key_F1));
  help->addAction(tr("&About RingLab"), this, &MainWindow::showAbout);
}

QString MainWindow::openScenarioFile(const QString& path, bool play, std::optional<std::uint64_t> seed, bool quiet) {
  auto spec = loadScenarioFile(path.toStdString());
  if (!spec.isOk()) {
    const QString message = QString::fromStdString(spec.status().message());
    if (!quiet) {
      QMessageBox box(QMessageBox::Critical, tr("Cannot open scenario"),
                      tr("The scenario was not opened; the current run is unchanged."), QMessageBox::Ok, this);
      box.setInformativeText(message);
      box.exec();
    }
    return message;
  }
  openScenario(std::move(spec).value(), path, play, seed);
  return {};
}

void MainWindow::openScenario(ScenarioSpec spec, const QString& path, bool play, std::optional<std::uint64_t> seed) {
  if (live()) disconnectFromCluster();
  closeRecording();
  m_scenarioPath = path;
  m_actionLog->clear();
  m_chartsView->clear();
  clearReport();
  forgetShownControls();
  const int row = m_scenarioList->rowOf(QFileInfo(path).completeBaseName());
  if (row >= 0) m_scenarioView->setCurrentIndex(m_scenarioList->index(row));
  if (m_useSettings) QSettings().setValue(QStringLiteral("run/lastScenario"), path);
  m_feed->load(std::move(spec), play, seed);
}

void MainWindow::onScenarioStarted(std::shared_ptr<const ScenarioSpec> spec, const QVector<NarrationPoint>& timeline) {
  m_spec = std::move(spec);
  m_timeline = timeline;
  m_actionLog->clear();
  m_chartsView->clear();
  clearReport();
  forgetShownControls();
  setWindowTitle(tr("RingLab — %1").arg(QString::fromStdString(m_spec->name)));
  m_scenarioTitle->setText(QString::fromStdString(m_spec->name));
  QString html = descriptionHtml(QString::fromStdString(m_spec->description));
  if (!timeline.isEmpty()) {
    html += tr("<p><b>Timeline</b></p><table cellspacing='2'>");
    for (const NarrationPoint& p : timeline) {
      html += QStringLiteral("<tr><td valign='top' style='padding-right:6px'>%1</td><td>%2%3</td></tr>")
                  .arg(formatVirtualTime(p.atNs).toHtmlEscaped())
                  .arg(p.actions.isEmpty() ? QString() : QStringLiteral("<i>%1</i><br>").arg(p.actions.toHtmlEscaped()))
                  .arg(p.text.toHtmlEscaped());
    }
    html += QStringLiteral("</table>");
  }
  m_scenarioDescription->setHtml(html);
  setNarrationBody(
      tr("<b>%1</b> — N runs to the next narration point.").arg(QString::fromStdString(m_spec->name).toHtmlEscaped()));
}

void MainWindow::onNarration(const NarrationPoint& point) {
  QString html = QStringLiteral("<b>%1</b>&nbsp;&nbsp;").arg(formatVirtualTime(point.atNs));
  if (!point.actions.isEmpty()) html += QStringLiteral("<i>%1</i>&nbsp;&nbsp;").arg(point.actions.toHtmlEscaped());
  html += point.text.toHtmlEscaped();
  setNarrationBody(html);
  if (point.focus) applyFocus(*point.focus);
}

void MainWindow::applyFocus(const NarrationFocus& focus) {
  if (focus.key) setLookupKey(QString::fromStdString(*focus.key));
  if (focus.node) {
    const NodeId node = *focus.node;
    m_fiberView->setNode(node);
    m_inspector->inspectNode(node);
    for (int row = 0; row < m_nodeModel->rowCount(); ++row) {
      if (m_nodeModel->index(row, 0).data(NodeTableModel::kNodeIdRole).toUInt() == node) m_nodeTable->selectRow(row);
    }
  }
  if (!focus.view) return;
  QDockWidget* dock = nullptr;
  QWidget* view = nullptr;
  switch (*focus.view) {
    case FocusView::kRing: view = m_ringView; break;
    case FocusView::kTraffic: view = m_trafficView; break;
    case FocusView::kCharts: dock = m_chartsDock; break;
    case FocusView::kNodes: dock = m_nodesDock; break;
    case FocusView::kSpacetime: dock = m_spacetimeDock; break;
    case FocusView::kFibers: dock = m_fibersDock; break;
    case FocusView::kInspector: dock = m_inspectorDock; break;
  }
  if (dock != nullptr) {
    if (!m_presentation) dock->show();  // presentation mode keeps the panels it hid
    dock->raise();
    view = dock->widget();
  }
  if (view != nullptr && view->isVisible()) view->setFocus(Qt::OtherFocusReason);
}

void MainWindow::setNarrationText(const QString& html) { setNarrationBody(html); }

void MainWindow::setNarrationBody(const QString& html) {
  m_narrationBody = html;
  m_narrationHint.clear();
  m_narration->setText(html);
  updateNarrationHint();
}

// What the viewer can do now, from the play state the latest snapshot reports; nothing while the run plays.
void MainWindow::updateNarrationHint() {
  QString hint;
  if (!live() && !m_replay && m_spec && !m_snapshot.finished && !m_snapshot.playing && m_snapshot.endNs > 0) {
    hint = m_snapshot.nowNs == 0 ? tr("press Space to play") : tr("paused — Space to continue");
  }
  if (hint == m_narrationHint) return;
  m_narrationHint = hint;
  m_narration->setText(hint.isEmpty()
                           ? m_narrationBody
                           : m_narrationBody +
                                 tr("&nbsp;&nbsp;<span style='color:gray'>(%1)</span>").arg(hint.toHtmlEscaped()));
}

void MainWindow::onSnapshot(const FeedSnapshot& snapshot) {
  m_snapshot = snapshot;
  m_ringView->setSnapshot(snapshot);
  m_trafficView->setSnapshot(snapshot);
  m_chartsView->setSnapshot(snapshot);
  m_spacetimeView->setSnapshot(snapshot);
  m_fiberView->setSnapshot(snapshot);
  m_inspector->setSnapshot(snapshot);
  m_nodeModel->update(snapshot.nodes);
  if (!live() && !m_replay) syncControls(snapshot);
  updateTimeControls();
  updateNarrationHint();
}

void MainWindow::forgetShownControls() {
  m_shownQuorum.reset();
  m_shownWorkload.reset();
}

void MainWindow::syncControls(const FeedSnapshot& snapshot) {
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
  m_shownWorkload = w;
}

void MainWindow::updateDistributionLabels() {
  m_keyDistribution->setItemText(0, tr("uniform"));
  m_keyDistribution->setItemText(1, tr("zipfian (θ %1)").arg(QLocale().toString(m_zipfTheta, 'g', 3)));
  m_keyDistribution->setItemText(2, tr("hot spot (%1 % of ops → %2 % of keys)")
                                        .arg(QLocale().toString(m_hotOpFraction * 100, 'g', 3))
                                        .arg(QLocale().toString(m_hotKeyFraction * 100, 'g', 3)));
}

void MainWindow::updateTimeControls() {
  if (live()) {
    m_playAction->setText(m_liveFrozen ? tr("Go live") : tr("Freeze"));
    m_playAction->setEnabled(true);
    for (QAction* a : {m_stepAction, m_nextAction, m_forwardAction, m_backAction, m_restartAction, m_newSeedAction}) {
      a->setEnabled(false);
    }
    for (QAction* a : {m_partitionAction, m_healAction, m_addNodeAction}) a->setEnabled(true);
    m_scrubber->setEnabled(false);
    m_timeLabel->setText(tr("live · %1 since connecting").arg(formatVirtualTime(m_snapshot.nowNs)));
    m_seedLabel->setText(tr("  %1  ").arg(m_remote->sourceDescription()));
    m_statusStats->setText(
        tr("%1  ·  %2 ops seen, %3 failed  ·  %4 messages drawn in flight%5")
            .arg(m_liveFrozen ? tr("frozen (the connection keeps reading)") : tr("live"))
            .arg(m_snapshot.operationsCompleted)
            .arg(m_snapshot.operationsFailed)
            .arg(m_snapshot.inFlightTotal)
            .arg(m_snapshot.recordingTruncated ? tr("  ·  events sampled by the nodes") : QString()));
    return;
  }
  const bool loaded = m_spec != nullptr || m_replay != nullptr;
  m_playAction->setText(m_snapshot.playing ? tr("Pause") : tr("Play"));
  for (QAction* a :
       {m_playAction, m_stepAction, m_nextAction, m_partitionAction, m_healAction, m_addNodeAction, m_forwardAction}) {
    a->setEnabled(loaded && !m_snapshot.finished);
  }
  m_backAction->setEnabled(loaded);
  m_scrubber->setEnabled(loaded);
  m_restartAction->setEnabled(loaded);
  m_newSeedAction->setEnabled(loaded);
  if (m_replay) {
    for (QAction* a : {m_partitionAction, m_healAction, m_addNodeAction, m_restartAction, m_newSeedAction}) {
      a->setEnabled(false);
    }
    m_playAction->setEnabled(true);
  }
  m_timeLabel->setText(tr("t = %1 / %2").arg(formatVirtualTime(m_snapshot.nowNs), formatVirtualTime(m_snapshot.endNs)));
  if (!m_scrubber->isSliderDown()) {
    const QSignalBlocker block(m_scrubber);
    m_scrubber->setValue(m_snapshot.endNs > 0 ? static_cast<int>(1000 * m_snapshot.nowNs / m_snapshot.endNs) : 0);
  }
  m_seedLabel->setText(tr("  seed %1  ").arg(m_snapshot.seed));
  QString speed;
  if (m_snapshot.playing) {
    speed = tr("running at %1x real time").arg(m_snapshot.achievedSpeed, 0, 'f', m_snapshot.achievedSpeed < 1 ? 2 : 1);
  } else {
    speed = m_snapshot.finished ? tr("ended") : tr("paused");
  }
  m_statusStats->setText(tr("%1  ·  %2 ops done, %3 failed  ·  %4 messages in flight  ·  trace %5")
                             .arg(speed)
                             .arg(m_snapshot.operationsCompleted)
                             .arg(m_snapshot.operationsFailed)
                             .arg(m_snapshot.inFlightTotal)
                             .arg(m_snapshot.traceHash, 16, 16, QLatin1Char('0')));
}

void MainWindow::stepSpeed(int delta) {
  const int i = std::clamp(m_speed->currentIndex() + delta, 0, m_speed->count() - 1);
  m_speed->setCurrentIndex(i);
  statusBar()->showMessage(tr("Speed: %1").arg(m_speed->currentText()), 2000);
}

void MainWindow::restart(bool newSeed) {
  if (!m_spec) return;
  std::optional<std::uint64_t> seed;
  if (newSeed) seed = QRandomGenerator::global()->bounded(1, 1'000'000);
  m_actionLog->clear();
  m_chartsView->clear();
  clearReport();
  forgetShownControls();
  m_feed->restart(seed);
}

void MainWindow::applyAction(const ScenarioAction& action) {
  if (live()) {
    m_remote->apply(action);
  } else if (m_replay) {
    m_replay->apply(action);
  } else {
    m_feed->apply(action);
  }
}

// --- a live cluster
// ---------------------------------------------------------------------------------------------------

ClusterFeed& MainWindow::timeFeed() {
  if (m_replay) return *m_replay;
  return *m_feed;
}

void MainWindow::seekTo(std::int64_t ns) {
  if (m_replay) {
    m_replay->seek(ns);
  } else {
    m_feed->seek(TimePoint{Duration(ns)});
  }
}

QString MainWindow::openRecording(const QString& path) {
  auto replay = std::make_unique<RecordingFeed>();
  if (const QString error = replay->open(path); !error.isEmpty()) return error;
  if (live()) disconnectFromCluster();
  closeRecording();
  m_feed->pause();
  m_snapshot = FeedSnapshot{};
  clearHistory();
  m_replay = std::move(replay);
  connect(m_replay.get(), &ClusterFeed::snapshotReady, this, &MainWindow::onSnapshot);
  connect(m_replay.get(), &ClusterFeed::problem, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
  connect(m_replay.get(), &ClusterFeed::rewound, this,
          [this](qint64, const QVector<LoggedAction>&) { clearHistory(); });
  m_replay->setSpeed(m_speed->currentData().toDouble());
  setWindowTitle(tr("RingLab — %1").arg(m_replay->sourceDescription()));
  m_scenarioTitle->setText(tr("Recorded session"));
  m_scenarioDescription->setHtml(tr("<p>A recorded session of the cluster at %1: %2 inputs over %3. Play, pause, step "
                                    "and scrub it like a run; it cannot be changed.</p>")
                                     .arg(m_replay->source().toHtmlEscaped())
                                     .arg(m_replay->inputCount())
                                     .arg(formatVirtualTime(m_replay->durationNs())));
  setNarrationText(tr("<b>Recording of %1.</b> Press Space to play it.").arg(m_replay->source().toHtmlEscaped()));
  m_controlsDock->setEnabled(false);
  m_replay->seek(0);
  return {};
}

void MainWindow::closeRecording() {
  if (!m_replay) return;
  m_replay.reset();
  m_controlsDock->setEnabled(true);
}

void MainWindow::connectToCluster(const RemoteTarget& target) {
  if (live()) disconnectFromCluster();
  closeRecording();
  m_feed->pause();
  m_remote = std::make_unique<RemoteFeed>();
  m_liveFrozen = false;
  m_snapshot = FeedSnapshot{};
  clearHistory();
  connect(m_remote.get(), &ClusterFeed::snapshotReady, this, &MainWindow::onSnapshot);
  connect(m_remote.get(), &ClusterFeed::actionLogged, this, [this](const LoggedAction& a) {
    m_actionLog->append(a);
    statusBar()->showMessage(tr("%1 at %2").arg(a.description, formatVirtualTime(a.atNs)), 4000);
  });
  connect(m_remote.get(), &ClusterFeed::problem, this, [this](const QString& message) {
    statusBar()->showMessage(message, 8000);
    m_actionLog->append(LoggedAction{m_snapshot.nowNs, HealAction{}, message});
  });
  m_livePanel = new LivePanel(*m_remote);
  m_liveDock = new QDockWidget(tr("Live cluster"), this);
  m_liveDock->setObjectName(QStringLiteral("liveDock"));
  m_liveDock->setWidget(m_livePanel);
  addDockWidget(Qt::RightDockWidgetArea, m_liveDock);
  tabifyDockWidget(m_controlsDock, m_liveDock);
  m_liveDock->show();
  m_liveDock->raise();
  m_keyConsole = new KeyConsole;
  m_inspector->setLiveKeyTab(m_keyConsole);
  connect(m_remote.get(), &RemoteFeed::membersChanged, m_keyConsole,
          [this] { m_keyConsole->setMembers(m_remote->members()); });
  connect(m_remote.get(), &RemoteFeed::statusChanged, this, [this](const QString& text) {
    setNarrationText(tr("<b>Live: %1.</b> %2. Right-click a node to inject faults; the Live cluster panel starts "
                        "load and records the session.")
                         .arg(m_remote->sourceDescription().toHtmlEscaped(), text.toHtmlEscaped()));
  });
  m_scenarioTitle->setText(tr("Live cluster"));
  m_scenarioDescription->setHtml(
      tr("<p>The views show a cluster of real <tt>ringlabd</tt> nodes, read from their admin endpoints: ring "
         "placement from their tokens, traffic and the space-time diagram from their sampled message events, fiber "
         "scheduling from their real fiber slices, and the charts from their metrics.</p><p>Messages on a LAN take "
         "well under a millisecond; the traffic view draws each for a quarter of a second so that it can be "
         "seen.</p><p>Fault injection (pause, drop or delay messages) works on nodes started with "
         "<tt>--allow-fault-injection</tt>.</p>"));
  setWindowTitle(tr("RingLab — %1").arg(target.address()));
  m_disconnectAction->setEnabled(true);
  m_controlsDock->setEnabled(false);
  const QString waiting = tr("Waiting for %1 to answer…").arg(target.address());
  m_ringView->setEmptyText(waiting);
  m_trafficView->setEmptyText(waiting);
  m_remote->connectTo(target);
  if (m_useSettings) {
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("live/recent")).toStringList();
    recent.removeAll(target.address());
    recent.prepend(target.address());
    while (recent.size() > 8) recent.removeLast();
    settings.setValue(QStringLiteral("live/recent"), recent);
  }
  updateTimeControls();
}

void MainWindow::disconnectFromCluster() {
  if (!live()) return;
  m_ringView->setEmptyText({});
  m_trafficView->setEmptyText({});
  m_snapshot = FeedSnapshot{};
  m_ringView->setSnapshot(m_snapshot);
  m_trafficView->setSnapshot(m_snapshot);
  m_nodeModel->update(m_snapshot.nodes);
  m_inspector->setLiveKeyTab(nullptr);
  delete m_keyConsole;
  m_keyConsole = nullptr;
  removeDockWidget(m_liveDock);
  delete m_liveDock;  // and the live panel with its load generator
  m_liveDock = nullptr;
  m_livePanel = nullptr;
  m_remote.reset();
  m_disconnectAction->setEnabled(false);
  m_controlsDock->setEnabled(true);
  clearHistory();
  if (m_spec) {
    setWindowTitle(tr("RingLab — %1").arg(QString::fromStdString(m_spec->name)));
    m_scenarioTitle->setText(QString::fromStdString(m_spec->name));
    m_feed->restart();
    setNarrationText(tr("<b>Back to the simulation.</b> Press Space to play."));
  } else {
    setWindowTitle(tr("RingLab"));
    m_scenarioTitle->setText(tr("No scenario"));
    m_scenarioDescription->clear();
    setNarrationText(
        tr("<b>Disconnected.</b> Open a scenario (Ctrl+O, or double-click one in the Scenario panel) "
           "or connect to a cluster again (Ctrl+K)."));
  }
  updateTimeControls();
}

void MainWindow::connectDialog() {
  QDialog dialog(this);
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
  const QStringList recent = QSettings().value(QStringLiteral("live/recent")).toStringList();
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
  if (dialog.exec() != QDialog::Accepted || !target) return;
  connectToCluster(*target);
}

void MainWindow::clearHistory() {
  m_chartsView->clear();
  m_spacetimeView->clear();
  m_fiberView->clear();
  m_actionLog->clear();
  clearReport();
}

void MainWindow::addNodeViewActions(QMenu& menu, NodeId node) {
  menu.addAction(tr("Inspect"), this, [this, node] {
    m_inspectorDock->show();
    m_inspectorDock->raise();
    m_inspector->inspectNode(node);
  });
  menu.addAction(tr("Show its fibers"), this, [this, node] {
    m_fibersDock->show();
    m_fibersDock->raise();
    m_fiberView->setNode(node);
  });
}

void MainWindow::showLiveNodeMenu(NodeId node, const QPoint& globalPos) {
  const QString name = nodeLabel(node);
  const auto& members = m_remote->members();
  const auto it = std::find_if(members.begin(), members.end(), [&](const LiveMember& m) { return m.name == name; });
  if (it == members.end()) return;
  const LiveMember member = *it;
  QMenu menu(this);
  menu.addSection(member.reachable ? tr("%1 at %2").arg(name, member.adminAddress())
                                   : tr("%1 (unreachable: %2)").arg(name, member.lastError));
  addNodeViewActions(menu, node);
  menu.addSeparator();
  const bool faults = member.faultInjection && member.reachable;
  if (!member.faultInjection) {
    QAction* note =
        menu.addAction(tr("Fault injection is off on %1 (start it with --allow-fault-injection)").arg(name));
    note->setEnabled(false);
  }
  const auto fault = [this, name](QJsonObject rule) { m_remote->injectFault(name, rule); };
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
                                         [this, name] { m_remote->decommission(name); });
  decommission->setEnabled(member.reachable && member.status == QLatin1String("normal"));
  menu.exec(globalPos);
}

void MainWindow::addLiveNodeDialog() {
  const auto& members = m_remote->members();
  QString via;
  for (const LiveMember& m : members) {
    if (m.reachable && m.status == QLatin1String("normal")) {
      via = m.name;
      break;
    }
  }
  if (via.isEmpty()) {
    QMessageBox::information(this, tr("Add node"),
                             tr("No member answers now; the new node needs one to join through."));
    return;
  }
  bool ok = false;
  const QString peer = QInputDialog::getText(
      this, tr("Add node"),
      tr("Start a new ringlabd (with its own --node-id and ports, no --seeds), then give its peer address "
         "(--peer-port). It joins through %1.")
          .arg(via),
      QLineEdit::Normal, QStringLiteral("127.0.0.1:7384"), &ok);
  if (!ok || peer.trimmed().isEmpty()) return;
  m_remote->addMember(via, peer.trimmed());
}

// Sends only the values the user changed from the live ones, so a setting the scenario made in the meantime is
// never put back.
void MainWindow::applyQuorum() {
  const QuorumConfig shown = m_shownQuorum.value_or(m_snapshot.quorum);
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
    statusBar()->showMessage(tr("N/R/W are already N=%1 R=%2 W=%3").arg(shown.n).arg(shown.r).arg(shown.w), 4000);
    return;
  }
  applyAction(q);
}

void MainWindow::applyWorkload() {
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
  if (!w.ratePerSecond && !w.readRatio && !w.keys) {
    statusBar()->showMessage(tr("The workload already runs with these settings"), 4000);
    return;
  }
  applyAction(w);
}

void MainWindow::showNodeMenu(NodeId node, const QPoint& globalPos) {
  if (live()) {
    showLiveNodeMenu(node, globalPos);
    return;
  }
  if (m_replay) return;  // a recording cannot be acted on
  if (!m_spec || node >= m_snapshot.nodes.size()) return;
  const NodeInfo& info = m_snapshot.nodes[node];
  QMenu menu(this);
  menu.addSection(tr("%1 (%2)").arg(nodeLabel(node), nodeDisplayStateName(info.state)));
  addNodeViewActions(menu, node);
  menu.addSeparator();
  const bool member = info.state != NodeDisplayState::kLeft;
  auto add = [&](const QString& text, ScenarioAction action, bool enabled) {
    QAction* a = menu.addAction(text, this, [this, action] { applyAction(action); });
    a->setEnabled(enabled && member && !m_snapshot.finished);
  };
  add(tr("Crash"), CrashAction{node}, info.running);
  add(tr("Restart"), RestartAction{node, false}, !info.running);
  add(tr("Restart with a wiped disk"), RestartAction{node, true}, !info.running);
  add(tr("Wipe its disk (crash, wipe, restart)"), WipeAction{node}, info.running);
  menu.addSeparator();
  QMenu* slow = menu.addMenu(tr("Slow down"));
  for (double factor : {2.0, 4.0, 10.0, 50.0}) {
    QAction* a = slow->addAction(tr("%1x slower CPU").arg(factor), this, [this, node, factor] {
      applyAction(SlowNodeAction{node, factor});
    });
    a->setEnabled(member && info.running);
  }
  add(tr("Normal speed"), SlowNodeAction{node, 1.0}, info.cpuFactor != 1.0);
  menu.addSeparator();
  {
    PartitionAction isolate;
    isolate.groups.push_back({node});
    std::vector<NodeId> rest;
    for (const NodeInfo& n : m_snapshot.nodes)
      if (n.id != node && n.state != NodeDisplayState::kLeft) rest.push_back(n.id);
    isolate.groups.push_back(rest);
    add(tr("Isolate from the others"), isolate, true);
  }
  menu.addSeparator();
  add(tr("Decommission (hand its ranges over, then leave)"), DecommissionAction{node}, info.running);
  add(tr("Remove (down for good; survivors re-replicate)"), RemoveNodeAction{node}, !info.running);
  menu.exec(globalPos);
}

void MainWindow::showPartitionDialog() {
  if (!m_spec && !live()) return;
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Partition the network"));
  auto* layout = new QVBoxLayout(&dialog);
  layout->addWidget(new QLabel(tr("Put each node on a side. Links between sides are cut both ways; links inside a "
                                  "side keep working. Heal restores everything."),
                               &dialog));
  static_cast<QLabel*>(layout->itemAt(0)->widget())->setWordWrap(true);
  auto* form = new QFormLayout();
  std::vector<std::pair<NodeId, QComboBox*>> choices;
  std::vector<NodeId> members;
  for (const NodeInfo& n : m_snapshot.nodes)
    if (n.state != NodeDisplayState::kLeft) members.push_back(n.id);
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto* side = new QComboBox(&dialog);
    side->addItems({tr("side A"), tr("side B"), tr("side C")});
    side->setCurrentIndex(i < (members.size() + 1) / 2 ? 0 : 1);
    form->addRow(nodeLabel(members[i]), side);
    choices.emplace_back(members[i], side);
  }
  layout->addLayout(form);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Partition"));
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  layout->addWidget(buttons);
  if (dialog.exec() != QDialog::Accepted) return;
  PartitionAction action;
  action.groups.resize(3);
  for (const auto& [node, box] : choices) action.groups[static_cast<std::size_t>(box->currentIndex())].push_back(node);
  std::erase_if(action.groups, [](const std::vector<NodeId>& g) { return g.empty(); });
  if (action.groups.size() < 2) {
    QMessageBox::information(this, tr("Partition"), tr("Every node is on the same side: nothing to cut."));
    return;
  }
  applyAction(action);
}

QString MainWindow::saveRunAsScenario(const QString& path) {
  if (live() || m_replay) return tr("A live cluster or a recording cannot be saved as a scenario.");
  if (!m_spec) return tr("No scenario is open.");
  const ScenarioSpec spec = scenarioWithActions(*m_spec, m_actionLog->actions(), m_snapshot.seed);
  const std::string yaml = writeScenario(spec);
  const Status status =
      writeFileAtomically(path.toStdString(), "scenario", [&yaml](std::ostream& out) { out << yaml; });
  return status.isOk() ? QString() : QString::fromStdString(status.message());
}

void MainWindow::saveRunDialog() {
  if (live() || m_replay) {
    QMessageBox::information(this, tr("RingLab"),
                             tr("This works on the simulation. The live cluster and recordings export their views "
                                "as PNG or SVG (Ctrl+E); record a live session from the Live cluster panel."));
    return;
  }
  if (!m_spec) return;
  const QString suggested = QFileInfo(m_scenarioPath).completeBaseName() + QStringLiteral("-replay.yaml");
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Save run as scenario"), suggested, tr("Scenario files (*.yaml *.yml)"));
  if (path.isEmpty()) return;
  const QString error = saveRunAsScenario(path);
  if (!error.isEmpty())
    QMessageBox::critical(this, tr("Save run"), error);
  else
    statusBar()->showMessage(tr("Saved %1 with %2 manual action(s)").arg(path).arg(m_actionLog->actions().size()),
                             5000);
}

void MainWindow::openScenarioDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open scenario"), QString(),
                                                    tr("Scenario files (*.yaml *.yml);;All files (*)"));
  if (!path.isEmpty()) openScenarioFile(path, false);
}

QStringList MainWindow::viewNames() {
  return {QStringLiteral("window"),    QStringLiteral("ring"),      QStringLiteral("traffic"),
          QStringLiteral("charts"),    QStringLiteral("nodes"),     QStringLiteral("scenario"),
          QStringLiteral("controls"),  QStringLiteral("spacetime"), QStringLiteral("fibers"),
          QStringLiteral("inspector"), QStringLiteral("live")};
}

QWidget* MainWindow::viewWidget(const QString& name) {
  m_chartsView->refresh();
  if (name == QLatin1String("window")) return this;
  if (name == QLatin1String("ring")) return m_ringView;
  if (name == QLatin1String("traffic")) return m_trafficView;
  // A view in a tabbed panel is brought to the front first, so that it has its real size.
  if (name == QLatin1String("charts") || name == QLatin1String("spacetime") || name == QLatin1String("fibers")) {
    QDockWidget* dock = name == QLatin1String("charts")      ? m_chartsDock
                        : name == QLatin1String("spacetime") ? m_spacetimeDock
                                                             : m_fibersDock;
    dock->show();
    dock->raise();
    QApplication::processEvents();
    return dock->widget();
  }
  if (name == QLatin1String("nodes")) return m_nodesDock->widget();
  if (name == QLatin1String("scenario")) return m_scenarioDock->widget();
  if (name == QLatin1String("controls")) return m_controlsDock->widget();
  if (name == QLatin1String("live")) return m_liveDock ? m_liveDock->widget() : nullptr;
  if (name == QLatin1String("inspector")) {
    m_inspectorDock->show();
    m_inspectorDock->raise();
    QApplication::processEvents();
    return m_inspectorDock->widget();
  }
  return nullptr;
}

QPixmap MainWindow::grabView(const QString& name) {
  QWidget* widget = viewWidget(name);
  return widget ? widget->grab() : QPixmap();
}

QString MainWindow::saveView(const QString& name, const QString& path) {
  QWidget* widget = viewWidget(name);
  if (!widget && name == QLatin1String("live")) return tr("The live view exists only while connected to a cluster.");
  if (!widget) return tr("Unknown view '%1' (expected one of: %2).").arg(name, viewNames().join(QStringLiteral(", ")));
  if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
    return saveWidgetSvg(*widget, path, tr("RingLab — %1").arg(name));
  }
  if (!widget->grab().save(path, "PNG")) return tr("Could not write %1.").arg(path);
  return {};
}

void MainWindow::exportViewDialog() {
  bool ok = false;
  const QString name = QInputDialog::getItem(this, tr("Export view"), tr("View to save:"), viewNames(), 1, false, &ok);
  if (!ok) return;
  QString filter;
  const QString path = QFileDialog::getSaveFileName(this, tr("Export view"), QStringLiteral("ringlab-%1.png").arg(name),
                                                    tr("PNG image (*.png);;SVG drawing (*.svg)"), &filter);
  if (path.isEmpty()) return;
  const QString error = saveView(name, path);
  if (!error.isEmpty())
    QMessageBox::critical(this, tr("Export view"), error);
  else
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
}

void MainWindow::exportMetricsDialog() {
  if (live() || m_replay) {
    QMessageBox::information(this, tr("RingLab"),
                             tr("This works on the simulation. The live cluster and recordings export their views "
                                "as PNG or SVG (Ctrl+E); record a live session from the Live cluster panel."));
    return;
  }
  if (!m_spec) return;
  const QString path = QFileDialog::getSaveFileName(this, tr("Export metrics"), QStringLiteral("ringlab-metrics.csv"),
                                                    tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  const QString error = m_feed->exportMetricsCsv(path);
  if (!error.isEmpty())
    QMessageBox::critical(this, tr("Export metrics"), error);
  else
    statusBar()->showMessage(tr("Saved %1 (one line per 250 ms of virtual time)").arg(path), 5000);
}

void MainWindow::exportTraceDialog() {
  if (live() || m_replay) {
    QMessageBox::information(this, tr("RingLab"),
                             tr("This works on the simulation. The live cluster and recordings export their views "
                                "as PNG or SVG (Ctrl+E); record a live session from the Live cluster panel."));
    return;
  }
  if (!m_spec) return;
  const QString path = QFileDialog::getSaveFileName(this, tr("Export trace"), QStringLiteral("ringlab-trace.json"),
                                                    tr("Chrome / Perfetto trace (*.json)"));
  if (path.isEmpty()) return;
  // The trace is recorded by replaying the run (same seed, same actions) on a thread of its own.
  const ScenarioSpec spec = scenarioWithActions(*m_spec, m_actionLog->actions(), m_snapshot.seed);
  const TimePoint until{Duration(m_snapshot.nowNs)};
  auto* dialog =
      new QProgressDialog(tr("Recording the trace of the run up to %1…").arg(formatVirtualTime(m_snapshot.nowNs)),
                          QString(), 0, 1000, this);
  dialog->setWindowModality(Qt::WindowModal);
  dialog->setMinimumDuration(300);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  QThread* thread = QThread::create([this, spec, until, path, dialog] {
    const Status status = exportTraceByReplay(spec, until, path.toStdString(), [dialog](double f) {
      QMetaObject::invokeMethod(dialog, [dialog, f] { dialog->setValue(static_cast<int>(f * 1000)); });
    });
    const QString error = status.isOk() ? QString() : QString::fromStdString(status.message());
    QMetaObject::invokeMethod(this, [this, dialog, error, path] {
      dialog->close();
      if (!error.isEmpty())
        QMessageBox::critical(this, tr("Export trace"), error);
      else
        statusBar()->showMessage(tr("Saved %1: open it in ui.perfetto.dev").arg(path), 8000);
    });
  });
  connect(thread, &QThread::finished, thread, &QObject::deleteLater);
  thread->start();
}

void MainWindow::setLookupKey(const QString& key) { m_keyLookup->setText(key); }

void MainWindow::setTheme(ThemeKind kind) {
  m_theme = Theme::make(kind, m_presentation);
  QApplication::setPalette(m_theme.palette());
  m_ringView->setTheme(m_theme);
  m_trafficView->setTheme(m_theme);
  m_chartsView->setTheme(m_theme);
  m_spacetimeView->setTheme(m_theme);
  m_fiberView->setTheme(m_theme);
  QPalette banner = m_narration->palette();
  banner.setColor(QPalette::Window, kind == ThemeKind::kDark ? QColor(0x2b, 0x30, 0x3b) : QColor(0xe7, 0xf0, 0xfb));
  banner.setColor(QPalette::WindowText, m_theme.text);
  m_narration->setPalette(banner);
  if (m_darkAction->isChecked() != (kind == ThemeKind::kDark)) {
    const QSignalBlocker block(m_darkAction);
    m_darkAction->setChecked(kind == ThemeKind::kDark);
  }
  if (m_useSettings) QSettings().setValue(QStringLiteral("view/dark"), kind == ThemeKind::kDark);
}

void MainWindow::setPresentationMode(bool on) {
  if (m_presentation == on) return;
  m_presentation = on;
  if (m_presentationAction->isChecked() != on) {
    const QSignalBlocker block(m_presentationAction);
    m_presentationAction->setChecked(on);
  }
  QFont font = m_normalFont;
  if (on) font.setPointSizeF(m_normalFont.pointSizeF() * 1.5);
  QApplication::setFont(font);
  QFont narration = font;
  narration.setPointSizeF(font.pointSizeF() * (on ? 1.3 : 1.1));
  m_narration->setFont(narration);
  setTheme(m_theme.kind);
  // For a projector: the narration, the ring, the traffic and the presenter's charts get the whole screen; every
  // other panel (the Inspector and the live cluster's too), the key field, the cluster toolbar and the status bar
  // step aside and come back after.
  if (on) {
    m_wasMaximized = isMaximized();
    m_hiddenPanels.clear();
    for (QDockWidget* dock : findChildren<QDockWidget*>()) {
      if (dock == m_chartsDock || !dock->isVisible()) continue;
      m_hiddenPanels.emplace_back(dock);
      dock->hide();
    }
    m_chartsDock->show();
    m_chartsDock->raise();
    m_chartsView->setShownCharts(m_presentationCharts);
    m_lookupRow->hide();
    m_clusterBar->hide();
    statusBar()->hide();
    showFullScreen();
    // Once the full-screen size is known: about 40 % of the height for the charts.
    QTimer::singleShot(0, this, [this] {
      if (m_presentation) resizeDocks({m_chartsDock}, {height() * 40 / 100}, Qt::Vertical);
    });
  } else {
    m_chartsView->setShownCharts({});
    for (const QPointer<QDockWidget>& dock : m_hiddenPanels)
      if (dock) dock->show();
    m_hiddenPanels.clear();
    m_chartsDock->raise();
    m_lookupRow->show();
    m_clusterBar->show();
    statusBar()->show();
    if (m_wasMaximized)
      showMaximized();
    else
      showNormal();
  }
}

void MainWindow::setPresentationCharts(const QStringList& titles) {
  QStringList chosen;
  for (const QString& t : titles)
    if (ChartsView::chartTitles().contains(t) && !chosen.contains(t)) chosen << t;
  while (chosen.size() > 2) chosen.removeFirst();
  if (chosen.isEmpty()) chosen = kDefaultPresentationCharts();
  m_presentationCharts = chosen;
  if (m_presentationChartsMenu) {
    for (QAction* a : m_presentationChartsMenu->actions()) {
      const QSignalBlocker block(a);
      a->setChecked(chosen.contains(a->data().toString()));
    }
  }
  if (m_presentation) m_chartsView->setShownCharts(chosen);
  if (m_useSettings) QSettings().setValue(QStringLiteral("presentation/charts"), chosen);
}

void MainWindow::buildPresentationChartsMenu(QMenu* menu) {
  m_presentationChartsMenu = menu;
  menu->setToolTipsVisible(true);
  for (const QString& title : ChartsView::chartTitles()) {
    QAction* a = menu->addAction(title);
    a->setData(title);
    a->setCheckable(true);
    a->setChecked(m_presentationCharts.contains(title));
    a->setToolTip(tr("Presentation mode shows one or two charts; a third choice replaces the oldest"));
    connect(a, &QAction::toggled, this, [this, title](bool checked) {
      QStringList chosen = m_presentationCharts;
      if (checked) {
        chosen.append(title);
      } else if (chosen.size() > 1) {
        chosen.removeAll(title);
      }
      setPresentationCharts(chosen);
    });
  }
}

void MainWindow::clearReport() {
  m_reportHtml.clear();
  m_reportJson.clear();
  m_reportText.clear();
  m_reportStatus->setText(tr("The report opens when the scenario ends."));
  m_reportStatus->setToolTip(
      tr("Expectations, availability, latency, stale reads, lost writes and updates, convergence, messages"));
  m_reportButton->setEnabled(false);
  if (m_reportAction) m_reportAction->setEnabled(false);
  if (m_reportDialog) m_reportDialog->hide();
}

void MainWindow::onRunFinished(const QString& summary, const QString& json, bool passed) {
  m_reportText = summary;
  m_reportHtml =
      json.isEmpty() ? QStringLiteral("<pre>%1</pre>").arg(summary.toHtmlEscaped()) : runReportHtml(json.toUtf8());
  m_reportStatus->setText(passed ? tr("<b>Ended:</b> every expectation holds.")
                                 : tr("<b>Ended:</b> <span style='color:#e03131'>some expectations failed</span>."));
  m_reportButton->setEnabled(true);
  m_reportAction->setEnabled(true);
  setNarrationBody(passed ? tr("<b>The scenario has ended.</b> Every expectation holds — the report: Ctrl+I. Restart "
                               "(Ctrl+R) to watch again, or with a new seed (Ctrl+Shift+R).")
                          : tr("<b>The scenario has ended.</b> <span style='color:#e03131'>Some expectations "
                               "failed</span> — the report: Ctrl+I."));
  if (isVisible() && !testAttribute(Qt::WA_DontShowOnScreen)) showReport();
}

void MainWindow::showReport() {
  if (m_reportHtml.isEmpty()) return;
  if (!m_reportDialog) {
    m_reportDialog = new QDialog(this);
    m_reportDialog->setObjectName(QStringLiteral("reportDialog"));
    m_reportDialog->setWindowTitle(tr("End-of-run report"));
    auto* layout = new QVBoxLayout(m_reportDialog);
    m_reportView = new QTextBrowser(m_reportDialog);
    m_reportView->setOpenLinks(false);
    layout->addWidget(m_reportView);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, m_reportDialog);
    QPushButton* copy = buttons->addButton(tr("Copy as text"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_reportText); });
    connect(buttons, &QDialogButtonBox::rejected, m_reportDialog, &QDialog::hide);
    layout->addWidget(buttons);
  }
  m_reportView->setHtml(m_reportHtml);
  const QSize available = screen() ? screen()->availableSize() : QSize(1280, 720);
  m_reportDialog->resize(std::min(1000, available.width() - 80), std::min(700, available.height() - 80));
  m_reportDialog->show();
  m_reportDialog->raise();
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_keyLookup && event->type() == QEvent::KeyPress &&
      static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
    m_keyLookup->clearFocus();
    m_ringView->setFocus(Qt::OtherFocusReason);
    return true;
  }
  return QMainWindow::eventFilter(watched, event);
}

void MainWindow::showShortcuts() {
  QMessageBox::information(
      this, tr("Keyboard shortcuts"),
      tr("<table cellspacing='4'>"
         "<tr><td><b>Space</b></td><td>play / pause</td></tr>"
         "<tr><td><b>→</b> or <b>S</b></td><td>step 10 ms of virtual time</td></tr>"
         "<tr><td><b>N</b> or <b>Page Down</b></td><td>run to the next narration point</td></tr>"
         "<tr><td><b>Ctrl+←</b> / <b>Ctrl+→</b></td><td>travel one second back / forward</td></tr>"
         "<tr><td><b>+</b> / <b>−</b></td><td>faster / slower</td></tr>"
         "<tr><td><b>Ctrl+R</b></td><td>restart with the same seed</td></tr>"
         "<tr><td><b>Ctrl+Shift+R</b></td><td>restart with a new seed</td></tr>"
         "<tr><td><b>Ctrl+P</b> / <b>Ctrl+H</b></td><td>partition / heal the network</td></tr>"
         "<tr><td><b>Ctrl+J</b></td><td>add a node</td></tr>"
         "<tr><td><b>F11</b> or <b>F5</b></td><td>presentation mode</td></tr>"
         "<tr><td><b>Ctrl+Shift+D</b></td><td>dark palette</td></tr>"
         "<tr><td><b>Ctrl+O</b> / <b>Ctrl+S</b></td><td>open a scenario / save the run as a scenario</td></tr>"
         "<tr><td><b>Ctrl+E</b></td><td>export a view as PNG</td></tr>"
         "</table>"));
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About RingLab"),
                     tr("<b>RingLab %1</b><p>A Dynamo-style replicated key-value store that you can watch: "
                        "consistent hashing with virtual nodes, N/R/W quorums, hinted handoff, read repair, Merkle "
                        "anti-entropy, gossip and failure detection, in a deterministic simulation.</p>")
                         .arg(QApplication::applicationVersion()));
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (m_initialLayoutDone) return;
  m_initialLayoutDone = true;
  m_ringView->setFocus(Qt::OtherFocusReason);  // not a text field: the shortcuts work from the start
  if (m_useSettings && QSettings().contains(QStringLiteral("window/state"))) return;  // the user's layout
  resizeDocks({m_chartsDock}, {std::max(300, height() * 32 / 100)}, Qt::Vertical);
  resizeDocks({m_scenarioDock, m_nodesDock}, {300, 380}, Qt::Horizontal);
  resizeDocks({m_nodesDock, m_controlsDock}, {230, 400}, Qt::Vertical);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (m_useSettings) {
    if (m_presentation) setPresentationMode(false);
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
  }
  event->accept();
}

}  // namespace ringlab
