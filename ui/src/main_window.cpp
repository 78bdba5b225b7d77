#include <ringlab/ui/main_window.h>

#include <algorithm>

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QRandomGenerator>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>

#include <ringlab/ui/central_area.h>
#include <ringlab/ui/charts_view.h>
#include <ringlab/ui/cluster_actions.h>
#include <ringlab/ui/controls_panel.h>
#include <ringlab/ui/diagram_panels.h>
#include <ringlab/ui/export_controller.h>
#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/inspector.h>
#include <ringlab/ui/lesson_controller.h>
#include <ringlab/ui/live_session.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/panel_layout.h>
#include <ringlab/ui/recording_feed.h>
#include <ringlab/ui/ring_view.h>
#include <ringlab/ui/run_panels.h>
#include <ringlab/ui/scenario_panel.h>
#include <ringlab/ui/simulation_feed.h>
#include <ringlab/ui/spacetime_view.h>
#include <ringlab/ui/time_controls.h>
#include <ringlab/ui/traffic_view.h>
#include <ringlab/ui/window_menus.h>

namespace ringlab {

MainWindow::MainWindow(bool restoreSettings, QWidget* parent)
    : QMainWindow(parent), m_useSettings(restoreSettings), m_feed(std::make_unique<SimulationFeed>()) {
  setWindowTitle(tr("RingLab"));
  setObjectName(QStringLiteral("MainWindow"));
  m_theme = Theme::make(ThemeKind::kLight, false);
  m_layout = new PanelLayout(*this, m_useSettings);

  m_central = new CentralArea(this);
  setCentralWidget(m_central);
  m_ringView = &m_central->ringView();
  m_trafficView = &m_central->trafficView();
  m_nodeModel = new NodeTableModel(this);
  m_actionLog = new ActionLogModel(this);

  // Time and cluster actions, their toolbars and the status line.
  m_time = new TimeControls(*this);
  connect(m_time, &TimeControls::restartRequested, this, &MainWindow::restart);
  connect(m_time, &TimeControls::message, statusBar(), &QStatusBar::showMessage);
  m_cluster = new ClusterActions(*this, [this](QMenu& menu, NodeId node) { addNodeViewActions(menu, node); });
  m_darkAction = new QAction(tr("Dark palette"), this);
  m_darkAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
  m_darkAction->setCheckable(true);
  connect(m_darkAction, &QAction::toggled, this,
          [this](bool dark) { setTheme(dark ? ThemeKind::kDark : ThemeKind::kLight); });

  // Panels: scenario and action log on the left, nodes, controls and inspector on the right, diagrams below.
  m_scenarioPanel = new ScenarioPanel;
  m_scenarioPanel->setUseSettings(m_useSettings);
  connect(m_scenarioPanel, &ScenarioPanel::scenarioChosen, this,
          [this](const QString& path) { openScenarioFile(path, false); });
  m_scenarioDock =
      m_layout->addPanel(tr("Scenario"), QStringLiteral("scenarioDock"), m_scenarioPanel, Qt::LeftDockWidgetArea);
  auto* logPanel = new ActionLogPanel(*m_actionLog);
  m_logDock =
      m_layout->addPanel(tr("Action log"), QStringLiteral("logDock"), logPanel, Qt::LeftDockWidgetArea, m_scenarioDock);
  m_scenarioDock->raise();
  m_nodeTable = new NodeTableView(*m_nodeModel);
  connect(m_nodeTable, &NodeTableView::nodeContextMenuRequested, m_cluster, &ClusterActions::showNodeMenu);
  m_nodesDock = m_layout->addPanel(tr("Nodes"), QStringLiteral("nodesDock"), m_nodeTable, Qt::RightDockWidgetArea);
  m_controls = new ControlsPanel({m_cluster->partition(), m_cluster->heal(), m_cluster->addNode()});
  connect(m_controls, &ControlsPanel::actionRequested, m_cluster, &ClusterActions::apply);
  connect(m_controls, &ControlsPanel::message, statusBar(), &QStatusBar::showMessage);
  m_controlsDock = m_layout->addPanel(tr("Controls"), QStringLiteral("controlsDock"), m_controls,
                                      Qt::RightDockWidgetArea, nullptr, PanelLayout::Scroll::kVertical);
  m_inspector = new InspectorPanel(*m_feed);
  connect(&m_central->keyField(), &QLineEdit::textChanged, m_inspector, &InspectorPanel::inspectKey);
  m_inspectorDock = m_layout->addPanel(tr("Inspector"), QStringLiteral("inspectorDock"), m_inspector,
                                       Qt::RightDockWidgetArea, m_controlsDock, PanelLayout::Scroll::kBoth);
  m_controlsDock->raise();
  m_diagrams = new DiagramPanels(*m_layout);
  connect(m_diagrams, &DiagramPanels::message, statusBar(), &QStatusBar::showMessage);
  m_chartsView = &m_diagrams->charts();
  m_spacetimeView = &m_diagrams->spacetime();
  m_fiberView = &m_diagrams->fibers();
  m_layout->setStage(m_diagrams->chartsDock(), m_chartsView);
  m_layout->setHeadline(&m_central->banner());
  m_lessons = new LessonController(m_central->lessonPanel(), *this, m_useSettings);
  connect(m_lessons, &LessonController::resumeRequested, this, [this] {
    if (&activeFeed() == m_feed.get() && !m_snapshot.finished) m_feed->play();
  });
  connect(m_lessons, &LessonController::openRunRequested, this,
          [this](std::shared_ptr<const ScenarioSpec> spec, qint64 atNs) {
            // The student's run, at its first failure (a second before it), with the space-time diagram in front.
            openScenario(*spec, m_scenarioPath, /*play=*/false);
            m_feed->seek(std::max<qint64>(0, atNs - 1'000'000'000));
            m_diagrams->spacetimeDock()->show();
            m_diagrams->spacetimeDock()->raise();
            statusBar()->showMessage(tr("Your run with the challenge's settings, one second before %1")
                                         .arg(formatVirtualTime(atNs)),
                                     10000);
          });
  connect(m_lessons, &LessonController::progressChanged, m_scenarioPanel, [this] { m_scenarioPanel->refreshCourse(); });
  connect(m_scenarioPanel, &ScenarioPanel::nextLessonRequested, this, &MainWindow::openNextLesson);
  // Keys 1 to 9 answer the open question of a lesson (a text field that has the focus keeps its digits).
  for (int n = 1; n <= 9; ++n) {
    auto* answer = new QAction(tr("Answer %1").arg(n), this);
    answer->setShortcut(QKeySequence(Qt::Key_0 + n));
    connect(answer, &QAction::triggered, this, [this, n] { m_lessons->choose(n); });
    addAction(answer);
  }
  for (QWidget* w : std::initializer_list<QWidget*>{&m_central->keyRow(), m_cluster->toolBar(), statusBar()})
    m_layout->addStepAside(w);
  connect(m_layout, &PanelLayout::presentationChanged, this, [this] {
    setTheme(m_theme.kind);
    m_lessons->setPresentationMode(presentationMode());
  });

  m_export = new ExportController(*this, [this] {
    return RunExportSource{&activeFeed(),   m_spec,           m_actionLog->actions(),
                           m_snapshot.seed, m_snapshot.nowNs, m_scenarioPath};
  });
  m_export->setBeforeGrab([this] { m_chartsView->refresh(); });
  m_export->addView(QStringLiteral("ring"), m_ringView);
  m_export->addView(QStringLiteral("traffic"), m_trafficView);
  for (QDockWidget* dock :
       {m_diagrams->chartsDock(), m_diagrams->spacetimeDock(), m_diagrams->fibersDock(), m_inspectorDock})
    m_export->addView(dock->objectName().chopped(4), dock->widget(), dock);  // "chartsDock" is "charts"
  for (QDockWidget* dock : {m_nodesDock, m_scenarioDock, m_controlsDock})
    m_export->addView(dock->objectName().chopped(4), dock->widget());
  connect(m_export, &ExportController::message, statusBar(), &QStatusBar::showMessage);
  connect(logPanel, &ActionLogPanel::saveRequested, m_export, &ExportController::saveRunDialog);
  m_menus = new WindowMenus(*this, *m_scenarioPanel, *m_cluster, *m_darkAction);
  connect(m_scenarioPanel, &ScenarioPanel::reportAvailable, &m_menus->reportAction(), &QAction::setEnabled);

  connect(m_ringView, &RingView::nodeContextMenuRequested, m_cluster, &ClusterActions::showNodeMenu);
  connect(m_trafficView, &TrafficView::nodeContextMenuRequested, m_cluster, &ClusterActions::showNodeMenu);
  // The simulation is always there; while a live cluster or a recording is shown, it keeps its scenario quietly.
  watch(*m_feed);
  connect(m_feed.get(), &ClusterFeed::scenarioStarted, this,
          [this](std::shared_ptr<const ScenarioSpec> spec, const QVector<NarrationPoint>& timeline) {
            if (&activeFeed() == m_feed.get()) return onScenarioStarted(std::move(spec), timeline);
            m_spec = std::move(spec);
            m_timeline = timeline;
          });
  connect(m_feed.get(), &ClusterFeed::narrationReached, this, [this](const NarrationPoint& p) {
    if (&activeFeed() == m_feed.get()) onNarration(p);
  });
  connect(m_feed.get(), &ClusterFeed::rewound, this, [this](qint64 atNs, const QVector<LoggedAction>& kept) {
    clearRun();
    for (const LoggedAction& a : kept) m_actionLog->append(a);
    setNarrationBody(tr("<b>Back at %1.</b> The run was replayed from its seed with your earlier actions; act "
                        "differently from here to fork it.")
                         .arg(formatVirtualTime(atNs)));
  });
  connect(m_feed.get(), &ClusterFeed::problem, this, [this](const QString& message) {
    if (isVisible()) QMessageBox::warning(this, tr("RingLab"), message);
  });
  connect(m_feed.get(), &ClusterFeed::runReportReady, m_scenarioPanel, &ScenarioPanel::setReportJson);
  connect(m_feed.get(), &ClusterFeed::runFinished, this, [this](const QString& report, bool passed) {
    m_scenarioPanel->setReport(report, passed);
    setNarrationBody(passed ? tr("<b>The scenario has ended.</b> Every expectation holds — the report: Ctrl+I. "
                                 "Restart (Ctrl+R) to watch again, or with a new seed (Ctrl+Shift+R).")
                            : tr("<b>The scenario has ended.</b> <span style='color:#e03131'>Some expectations "
                                 "failed</span> — the report: Ctrl+I."));
    if (isVisible() && !testAttribute(Qt::WA_DontShowOnScreen)) showReport();
  });

  resize(1500, 920);
  m_layout->restore();
  const bool dark = m_useSettings && QSettings().value(QStringLiteral("view/dark"), false).toBool();
  setTheme(dark ? ThemeKind::kDark : ThemeKind::kLight);
  setNarrationBody(tr("Open a scenario from the Scenario panel or with File ▸ Open (Ctrl+O)."));
  activate();
}

MainWindow::~MainWindow() = default;

void MainWindow::setViewpoint(std::optional<NodeId> viewer) {
  m_viewpoint = viewer;
  if (!m_viewpointLabel) {
    m_viewpointLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_viewpointLabel);
  }
  m_viewpointLabel->setText(viewer ? tr("membership as seen by %1").arg(QString::fromStdString(nodeName(*viewer)))
                                   : QString());
  m_viewpointLabel->setVisible(viewer.has_value());
  // Redraw the node states now (the run may be paused): the last snapshot without what it already delivered once.
  FeedSnapshot seen = m_snapshot;
  seen.newSamples.clear();
  seen.newMessages.clear();
  seen.newRequests.clear();
  seen.newFibers.clear();
  seen.newSlices.clear();
  seen.newMarks.clear();
  if (viewer) applyViewpoint(seen.nodes, *viewer);
  m_central->setSnapshot(seen);
  m_nodeModel->update(seen.nodes);
}

ClusterFeed& MainWindow::activeFeed() {
  if (m_replay) return *m_replay;
  if (m_live) return m_live->feed();
  return *m_feed;
}

bool MainWindow::sourceOpen() { return m_spec != nullptr || &activeFeed() != m_feed.get(); }

void MainWindow::watch(ClusterFeed& feed) {
  const auto shown = [this, f = &feed] { return &activeFeed() == f; };
  connect(&feed, &ClusterFeed::snapshotReady, this, [this, shown](const FeedSnapshot& s) {
    if (shown()) onSnapshot(s);
  });
  connect(&feed, &ClusterFeed::actionLogged, this, [this, shown](const LoggedAction& a) {
    if (!shown()) return;
    m_actionLog->append(a);
    statusBar()->showMessage(tr("%1 at %2").arg(a.description, formatVirtualTime(a.atNs)), 4000);
  });
  connect(&feed, &ClusterFeed::progress, this, [this, shown](const QString& what, double fraction) {
    if (!shown()) return;
    if (what.isEmpty())
      statusBar()->clearMessage();
    else
      statusBar()->showMessage(QStringLiteral("%1 … %2 %").arg(what).arg(static_cast<int>(fraction * 100)));
  });
  connect(&feed, &ClusterFeed::problem, this,
          [this](const QString& message) { statusBar()->showMessage(message, 8000); });
}

void MainWindow::activate() {
  m_menus->disconnectAction().setEnabled(live());
  m_time->setFeed(&activeFeed());
  m_cluster->setFeed(&activeFeed(), m_live.get());
  updateControls();
}

void MainWindow::updateControls() {
  m_time->update(m_snapshot, sourceOpen());
  m_cluster->update(m_snapshot, sourceOpen());
  m_controlsDock->setEnabled(activeFeed().can(FeedCapability::kSettings));
}

QString MainWindow::openScenarioFile(const QString& path, bool play, std::optional<std::uint64_t> seed, bool quiet) {
  QString error;
  auto spec = ScenarioPanel::loadScenario(path, quiet ? nullptr : this, &error);
  if (spec) openScenario(std::move(*spec), path, play, seed);
  return error;
}

void MainWindow::openScenario(ScenarioSpec spec, const QString& path, bool play, std::optional<std::uint64_t> seed) {
  if (live()) disconnectFromCluster();
  closeRecording();
  m_scenarioPath = path;
  clearRun();
  m_scenarioPanel->selectFile(path);
  if (m_useSettings) QSettings().setValue(QStringLiteral("run/lastScenario"), path);
  m_feed->load(std::move(spec), play, seed);
}

void MainWindow::onScenarioStarted(std::shared_ptr<const ScenarioSpec> spec, const QVector<NarrationPoint>& timeline) {
  m_spec = std::move(spec);
  m_timeline = timeline;
  clearRun();
  setWindowTitle(tr("RingLab — %1").arg(QString::fromStdString(m_spec->name)));
  m_scenarioPanel->showScenario(*m_spec, timeline);
  m_lessons->start(m_spec, m_scenarioPath);
  m_menus->lessonStarted(*m_lessons);
  setNarrationBody(
      tr("<b>%1</b> — N runs to the next narration point.").arg(QString::fromStdString(m_spec->name).toHtmlEscaped()));
}

void MainWindow::onNarration(const NarrationPoint& point) {
  m_lessons->onNarration(point);
  if (point.lessonEnd) return;  // the run's end says itself in the banner when the report is ready
  if (point.ask && point.text.isEmpty() && point.actions.isEmpty()) {
    setNarrationBody(tr("<b>%1</b>&nbsp;&nbsp;A question for the class: answer below (keys 1–9), then the run goes "
                        "on.")
                         .arg(formatVirtualTime(point.atNs)));
  } else {
    setNarrationBody(CentralArea::narrationHtml(point));
  }
  if (point.focus) applyFocus(*point.focus);
}

void MainWindow::applyFocus(const NarrationFocus& focus) {
  if (focus.key) setLookupKey(QString::fromStdString(*focus.key));
  if (focus.node) {
    const NodeId node = *focus.node;
    m_fiberView->setNode(node);
    m_inspector->inspectNode(node);
    m_nodeTable->selectNode(node);
  }
  if (focus.chart) {
    const QStringList titles = ChartsView::chartTitles();
    if (const auto i = static_cast<qsizetype>(*focus.chart); i < titles.size()) m_layout->showChart(titles[i]);
  }
  if (!focus.view) return;
  QDockWidget* dock = nullptr;
  QWidget* view = nullptr;
  switch (*focus.view) {
    case FocusView::kRing: view = m_ringView; break;
    case FocusView::kTraffic: view = m_trafficView; break;
    case FocusView::kCharts: dock = m_diagrams->chartsDock(); break;
    case FocusView::kNodes: dock = m_nodesDock; break;
    case FocusView::kSpacetime: dock = m_diagrams->spacetimeDock(); break;
    case FocusView::kFibers: dock = m_diagrams->fibersDock(); break;
    case FocusView::kInspector: dock = m_inspectorDock; break;
  }
  if (dock != nullptr) {
    m_layout->bringForward(dock);
    view = dock->widget();
  }
  if (view != nullptr && view->isVisible()) view->setFocus(Qt::OtherFocusReason);
}

void MainWindow::setNarrationBody(const QString& html) {
  m_central->setNarration(html);
  updateNarrationHint();
}

// What the viewer can do now, from the play state the latest snapshot reports; nothing while the run plays.
void MainWindow::updateNarrationHint() {
  QString hint;
  if (activeFeed().can(FeedCapability::kRestart) && m_spec && !m_snapshot.finished && !m_snapshot.playing &&
      m_snapshot.endNs > 0) {
    hint = m_snapshot.nowNs == 0 ? tr("press Space to play") : tr("paused — Space to continue");
    if (m_lessons->waitingForAnswer()) hint = tr("waiting for the class's answer");
  }
  m_central->setNarrationHint(hint);
}

void MainWindow::onSnapshot(const FeedSnapshot& snapshot) {
  m_snapshot = snapshot;
  if (m_viewpoint && *m_viewpoint >= snapshot.nodes.size()) {
    statusBar()->showMessage(tr("%1 is not in this cluster: showing membership as every node sees it")
                                 .arg(QString::fromStdString(nodeName(*m_viewpoint))),
                             8000);
    m_viewpoint.reset();  // a run with fewer nodes
    if (m_viewpointLabel) m_viewpointLabel->hide();
  }
  if (m_viewpoint) {
    FeedSnapshot seen = snapshot;
    applyViewpoint(seen.nodes, *m_viewpoint);
    m_central->setSnapshot(seen);
    m_nodeModel->update(seen.nodes);
  } else {
    m_central->setSnapshot(snapshot);
    m_nodeModel->update(snapshot.nodes);
  }
  m_diagrams->setSnapshot(snapshot);
  m_inspector->setSnapshot(snapshot);
  if (activeFeed().can(FeedCapability::kSettings)) m_controls->sync(snapshot);
  updateControls();
  updateNarrationHint();
}

QString MainWindow::nextLessonPath() const { return m_scenarioPanel->lessonAfter(m_scenarioPath); }

void MainWindow::openNextLesson() {
  const QString next = nextLessonPath();
  if (next.isEmpty()) {
    statusBar()->showMessage(tr("That was the last lesson of the course."), 8000);
    return;
  }
  openScenarioFile(next, /*play=*/false);
}

void MainWindow::setTeacherView(bool on) {
  m_lessons->setTeacherView(on);
  if (m_menus->teacherAction().isChecked() != on) {
    const QSignalBlocker block(&m_menus->teacherAction());
    m_menus->teacherAction().setChecked(on);
  }
}

void MainWindow::showCourse() {
  m_scenarioDock->show();
  m_scenarioDock->raise();
  m_scenarioPanel->showCourse();
}

void MainWindow::restart(bool newSeed) {
  if (!m_spec) return;
  std::optional<std::uint64_t> seed;
  if (newSeed) seed = QRandomGenerator::global()->bounded(1, 1'000'000);
  clearRun();
  activeFeed().restart(seed);
}

void MainWindow::applyAction(const ScenarioAction& action) { m_cluster->apply(action); }

void MainWindow::clearRun() {
  m_actionLog->clear();
  m_chartsView->clear();
  m_scenarioPanel->clearReport();
  m_controls->forget();
}

void MainWindow::clearHistory() {
  clearRun();
  m_diagrams->clear();
}

QString MainWindow::openRecording(const QString& path) {
  auto replay = std::make_unique<RecordingFeed>();
  if (const QString error = replay->open(path); !error.isEmpty()) return error;
  endLiveSession();
  closeRecording();
  m_feed->pause();
  m_snapshot = FeedSnapshot{};
  clearHistory();
  m_replay = std::move(replay);
  watch(*m_replay);
  connect(m_replay.get(), &ClusterFeed::rewound, this, [this] { clearHistory(); });
  activate();
  setWindowTitle(tr("RingLab — %1").arg(m_replay->sourceDescription()));
  m_scenarioPanel->showSource(tr("Recorded session"), m_replay->aboutHtml());
  setNarrationBody(tr("<b>Recording of %1.</b> Press Space to play it.").arg(m_replay->source().toHtmlEscaped()));
  m_replay->seek(0);
  return {};
}

void MainWindow::closeRecording() {
  if (!m_replay) return;
  m_replay.reset();
  activate();
}

void MainWindow::connectToCluster(const RemoteTarget& target) {
  endLiveSession();
  closeRecording();
  m_feed->pause();
  m_snapshot = FeedSnapshot{};
  clearHistory();
  m_live = std::make_unique<LiveSession>(*this, m_controlsDock, *m_scenarioPanel,
                                         [this](QWidget* keyTab) { m_inspector->setLiveKeyTab(keyTab); });
  watch(m_live->feed());
  // The node's own explanation of a refused action stays in the log beside what was done.
  connect(&m_live->feed(), &ClusterFeed::problem, this, [this](const QString& message) {
    m_actionLog->append(LoggedAction{m_snapshot.nowNs, HealAction{}, message});
  });
  connect(m_live.get(), &LiveSession::narrationChanged, this, &MainWindow::setNarrationBody);
  setWindowTitle(tr("RingLab — %1").arg(target.address()));
  m_central->setEmptyText(tr("Waiting for %1 to answer…").arg(target.address()));
  m_export->addView(QStringLiteral("live"), m_live->dock()->widget());
  m_live->start(target, m_useSettings);
  activate();
}

void MainWindow::endLiveSession() {
  if (!m_live) return;
  m_central->setEmptyText({});
  m_snapshot = FeedSnapshot{};
  m_central->setSnapshot(m_snapshot);
  m_nodeModel->update(m_snapshot.nodes);
  m_live.reset();
  activate();
}

void MainWindow::disconnectFromCluster() {
  if (!live()) return;
  endLiveSession();
  clearHistory();
  if (m_spec) {
    setWindowTitle(tr("RingLab — %1").arg(QString::fromStdString(m_spec->name)));
    m_scenarioPanel->showScenario(*m_spec, m_timeline);
    m_feed->restart();
    setNarrationBody(tr("<b>Back to the simulation.</b> Press Space to play."));
  } else {
    setWindowTitle(tr("RingLab"));
    m_scenarioPanel->showSource(tr("No scenario"), QString());
    setNarrationBody(
        tr("<b>Disconnected.</b> Open a scenario (Ctrl+O, or double-click one in the Scenario panel) "
           "or connect to a cluster again (Ctrl+K)."));
  }
  updateControls();
}

RemoteFeed* MainWindow::remoteFeed() { return m_live ? &m_live->feed() : nullptr; }
LivePanel* MainWindow::livePanel() { return m_live ? m_live->panel() : nullptr; }
KeyConsole* MainWindow::keyConsole() { return m_live ? m_live->keyConsole() : nullptr; }
ScenarioListModel& MainWindow::scenarioList() { return m_scenarioPanel->scenarioList(); }
QString MainWindow::reportHtml() const { return m_scenarioPanel->reportHtml(); }
void MainWindow::showReport() { m_scenarioPanel->showReport(); }
bool MainWindow::presentationMode() const { return m_layout->presentationMode(); }
void MainWindow::setPresentationMode(bool on) { m_layout->setPresentationMode(on); }
QStringList MainWindow::presentationCharts() const { return m_layout->presentationCharts(); }
void MainWindow::setPresentationCharts(const QStringList& titles) { m_layout->setPresentationCharts(titles); }
QStringList MainWindow::viewNames() { return ExportController::viewNames(); }
QPixmap MainWindow::grabView(const QString& name) { return m_export->grabView(name); }
QString MainWindow::saveView(const QString& name, const QString& path) { return m_export->saveView(name, path); }
QString MainWindow::saveRunAsScenario(const QString& path) { return m_export->saveRunAsScenario(path); }
void MainWindow::setLookupKey(const QString& key) { m_central->keyField().setText(key); }

void MainWindow::addNodeViewActions(QMenu& menu, NodeId node) {
  menu.addAction(tr("Inspect"), this, [this, node] {
    m_inspectorDock->show();
    m_inspectorDock->raise();
    m_inspector->inspectNode(node);
  });
  menu.addAction(tr("Show its fibers"), this, [this, node] {
    m_diagrams->fibersDock()->show();
    m_diagrams->fibersDock()->raise();
    m_fiberView->setNode(node);
  });
}

void MainWindow::setTheme(ThemeKind kind) {
  m_theme = Theme::make(kind, presentationMode());
  QApplication::setPalette(m_theme.palette());
  m_central->setTheme(m_theme);
  m_diagrams->setTheme(m_theme);
  if (m_darkAction->isChecked() != (kind == ThemeKind::kDark)) {
    const QSignalBlocker block(m_darkAction);
    m_darkAction->setChecked(kind == ThemeKind::kDark);
  }
  if (m_useSettings) QSettings().setValue(QStringLiteral("view/dark"), kind == ThemeKind::kDark);
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (m_initialLayoutDone) return;
  m_initialLayoutDone = true;
  m_ringView->setFocus(Qt::OtherFocusReason);  // not a text field: the shortcuts work from the start
  if (m_useSettings && QSettings().contains(QStringLiteral("window/state"))) return;  // the user's layout
  resizeDocks({m_diagrams->chartsDock()}, {std::max(300, height() * 32 / 100)}, Qt::Vertical);
  resizeDocks({m_scenarioDock, m_nodesDock}, {300, 380}, Qt::Horizontal);
  resizeDocks({m_nodesDock, m_controlsDock}, {230, 400}, Qt::Vertical);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  m_layout->save();
  event->accept();
}

}  // namespace ringlab
