#include <ringlab/ui/window_menus.h>

#include <vector>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>

#include <ringlab/ui/cluster_actions.h>
#include <ringlab/ui/export_controller.h>
#include <ringlab/ui/lesson_controller.h>
#include <ringlab/ui/live_session.h>
#include <ringlab/ui/main_window.h>
#include <ringlab/ui/panel_layout.h>
#include <ringlab/ui/scenario_panel.h>
#include <ringlab/ui/time_controls.h>

namespace ringlab {

WindowMenus::WindowMenus(MainWindow& window, ScenarioPanel& scenarios, ClusterActions& cluster, QAction& darkPalette)
    : QObject(&window), m_window(window) {
  buildFileMenu(scenarios);

  TimeControls& time = window.timeControls();
  QMenu* run = window.menuBar()->addMenu(tr("&Run"));
  run->addActions({time.play(), time.step(), time.next(), time.back(), time.forward()});
  run->addSeparator();
  run->addActions({time.faster(), time.slower()});
  run->addSeparator();
  run->addActions({time.restart(), time.newSeed()});
  run->addSeparator();
  m_report = run->addAction(tr("End-of-run &report…"), QKeySequence(Qt::CTRL | Qt::Key_I), &window,
                            &MainWindow::showReport);
  m_report->setEnabled(false);
  window.menuBar()->addMenu(tr("&Cluster"))->addActions({cluster.partition(), cluster.heal(), cluster.addNode()});

  buildLessonMenu();  // after File: its handout action joins File > Export
  buildViewMenu(darkPalette);
  buildHelpMenu();
  carryShortcuts();
  window.panelLayout().addStepAside(window.menuBar());
}

void WindowMenus::buildFileMenu(ScenarioPanel& scenarios) {
  MainWindow& window = m_window;
  ExportController& exporter = window.exporter();
  QMenu* file = window.menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open scenario…"), QKeySequence::Open, &scenarios, &ScenarioPanel::openFileDialog);
  file->addAction(tr("Open &recording…"), &window, [&window] {
    const QString path = QFileDialog::getOpenFileName(&window, tr("Open a recorded session"), QString(),
                                                      tr("RingLab recordings (*.ringlab);;All files (*)"));
    if (path.isEmpty()) return;
    if (const QString error = window.openRecording(path); !error.isEmpty())
      QMessageBox::warning(&window, tr("Cannot open the recording"), error);
  });
  QAction* connectAction =
      file->addAction(tr("&Connect to cluster…"), QKeySequence(Qt::CTRL | Qt::Key_K), &window, [&window] {
        if (const auto target = LiveSession::askTarget(&window)) window.connectToCluster(*target);
      });
  connectAction->setToolTip(tr("Watch a cluster of real ringlabd nodes (Ctrl+K)"));
  m_disconnect =
      file->addAction(tr("&Disconnect (back to the simulation)"), &window, &MainWindow::disconnectFromCluster);
  file->addSeparator();
  file->addAction(tr("&Save run as scenario…"), QKeySequence::Save, &exporter, &ExportController::saveRunDialog);
  QMenu* exportMenu = file->addMenu(tr("&Export"));
  m_exportMenu = exportMenu;
  exportMenu->addAction(tr("&View as PNG or SVG…"), QKeySequence(Qt::CTRL | Qt::Key_E), &exporter,
                        &ExportController::exportViewDialog);
  exportMenu->addAction(tr("&Metrics as CSV…"), &exporter, &ExportController::exportMetricsDialog);
  exportMenu->addAction(tr("&Trace as Chrome/Perfetto JSON…"), &exporter, &ExportController::exportTraceDialog);
  exportMenu->addAction(tr("&Run as scenario…"), &exporter, &ExportController::saveRunDialog);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, &window, &QWidget::close);
}

void WindowMenus::buildViewMenu(QAction& darkPalette) {
  PanelLayout& layout = m_window.panelLayout();
  QMenu* view = m_window.menuBar()->addMenu(tr("&View"));
  view->addAction(layout.presentationAction());
  layout.buildPresentationChartsMenu(view->addMenu(tr("Charts in presentation mode")));
  view->addAction(&darkPalette);
  // Whose failure detector the ring, traffic view and node table show: during a partition, each side sees the other
  // suspect or down while the default view shows every node suspect.
  QMenu* seenBy = view->addMenu(tr("Membership as seen &by"));
  connect(seenBy, &QMenu::aboutToShow, this, [this, seenBy] { fillViewpointMenu(*seenBy); });
  view->addSeparator();
  layout.addPanelToggles(view);
}

void WindowMenus::fillViewpointMenu(QMenu& menu) {
  menu.clear();
  auto* group = new QActionGroup(&menu);
  const std::optional<NodeId> viewer = m_window.viewpoint();
  QAction* all = menu.addAction(tr("Every node (suspect when any peer suspects it)"));
  all->setCheckable(true);
  all->setChecked(!viewer);
  group->addAction(all);
  connect(all, &QAction::triggered, &m_window, [this] { m_window.setViewpoint(std::nullopt); });
  for (const NodeInfo& n : m_window.lastSnapshot().nodes) {
    if (n.state == NodeDisplayState::kLeft) continue;
    QAction* a = menu.addAction(QString::fromStdString(nodeName(n.id)));
    a->setCheckable(true);
    a->setChecked(viewer == n.id);
    group->addAction(a);
    connect(a, &QAction::triggered, &m_window, [this, id = n.id] { m_window.setViewpoint(id); });
  }
}

void WindowMenus::buildLessonMenu() {
  MainWindow& window = m_window;
  QMenu* lesson = window.menuBar()->addMenu(tr("&Lesson"));
  m_challenge = lesson->addAction(tr("&Challenge…"), QKeySequence(Qt::CTRL | Qt::Key_G), &window,
                                  [&window] { window.lessons().openChallenge(); });
  m_challenge->setToolTip(tr("Change the settings the lesson allows, run it and get it graded"));
  m_challenge->setEnabled(false);
  lesson->addAction(tr("&Next lesson"), QKeySequence(Qt::CTRL | Qt::Key_L), &window, &MainWindow::openNextLesson);
  lesson->addAction(tr("The &course"), &window, &MainWindow::showCourse);
  lesson->addSeparator();
  m_teacher = lesson->addAction(tr("&Teacher view (notes)"));
  m_teacher->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
  m_teacher->setCheckable(true);
  m_teacher->setToolTip(tr("Show the lesson's notes for the teacher (never in presentation mode)"));
  connect(m_teacher, &QAction::toggled, &window, [&window](bool on) { window.lessons().setTeacherView(on); });
  m_handout = lesson->addAction(tr("Export lesson &handout (PDF)…"), &window.exporter(),
                                &ExportController::exportHandoutDialog);
  m_handout->setEnabled(false);
  m_exportMenu->addAction(m_handout);  // File > Export too, beside the other exports
}

void WindowMenus::lessonStarted(const LessonController& lessons) {
  m_challenge->setEnabled(lessons.hasChallenge());
  m_handout->setEnabled(lessons.isLesson());
}

void WindowMenus::buildHelpMenu() {
  MainWindow& window = m_window;
  QMenu* help = window.menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard shortcuts"), QKeySequence(Qt::Key_F1), &window, [&window] {
    QMessageBox::information(&window, tr("Keyboard shortcuts"), TimeControls::shortcutsHtml());
  });
  help->addAction(tr("&About RingLab"), &window, [&window] {
    QMessageBox::about(&window, tr("About RingLab"),
                       tr("<b>RingLab %1</b><p>A Dynamo-style replicated key-value store that you can watch: "
                          "consistent hashing with virtual nodes, N/R/W quorums, hinted handoff, read repair, Merkle "
                          "anti-entropy, gossip and failure detection, in a deterministic simulation.</p>")
                           .arg(QApplication::applicationVersion()));
  });
}

void WindowMenus::carryShortcuts() {
  // A shortcut works while one widget holding its action is visible: the window is, with or without its menu bar.
  std::vector<QMenu*> menus;
  for (QAction* top : m_window.menuBar()->actions())
    if (top->menu()) menus.push_back(top->menu());
  while (!menus.empty()) {
    QMenu* menu = menus.back();
    menus.pop_back();
    for (QAction* a : menu->actions()) {
      if (a->menu()) menus.push_back(a->menu());
      else if (!a->shortcuts().isEmpty()) m_window.addAction(a);
    }
  }
}

}  // namespace ringlab
