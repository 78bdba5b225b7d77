// The desktop app's main window: the ring and traffic views side by side under a narration banner, live charts, the
// scenario browser, the node table, live controls (quorum, workload, membership, partitions) and the action log in
// dockable panels, a toolbar for time (play, pause, step, next narration, speed, restart), presentation mode, and
// light and dark palettes. Window layout and settings persist in QSettings.
//
// It is wiring: the feed shown (the embedded simulation, a live cluster or a recording) is one ClusterFeed, and
// every control is enabled from its capabilities; time controls, the menus, the Scenario and Controls panels, the
// live session, exports and the panel layout are objects of their own.
//
// Thread-safety: a widget; UI thread only. It drives the feeds it owns and reads only their snapshots.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <QMainWindow>
#include <QPixmap>
#include <QStringList>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>

QT_BEGIN_NAMESPACE
class QAction;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMenu;
QT_END_NAMESPACE

namespace ringlab {

class ActionLogModel;
class CentralArea;
class ChartsView;
class ClusterActions;
class ClusterFeed;
class ControlsPanel;
class DiagramPanels;
class ExportController;
class FiberView;
class InspectorPanel;
class KeyConsole;
class LessonController;
class LivePanel;
class LiveSession;
class NodeTableModel;
class NodeTableView;
class PanelLayout;
class RecordingFeed;
class RemoteFeed;
class RingView;
class ScenarioListModel;
class ScenarioPanel;
class SimulationFeed;
class SpaceTimeView;
class TimeControls;
class TrafficView;
class WindowMenus;
struct RemoteTarget;

class MainWindow final : public QMainWindow {
  Q_OBJECT

 public:
  // `restoreSettings`: read and write QSettings (geometry, docks, theme, presentation charts); off for screenshots and
  // tests. The speed always starts at 1x.
  explicit MainWindow(bool restoreSettings = true, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a scenario file; on a parse error shows the message (file:line:column) in a dialog unless `quiet`, and
  // changes nothing. Returns the error message, empty on success.
  QString openScenarioFile(const QString& path, bool play, std::optional<std::uint64_t> seed = std::nullopt,
                           bool quiet = false);
  void openScenario(ScenarioSpec spec, const QString& path, bool play,
                    std::optional<std::uint64_t> seed = std::nullopt);

  SimulationFeed& feed() { return *m_feed; }
  const FeedSnapshot& lastSnapshot() const { return m_snapshot; }
  RingView& ringView() { return *m_ringView; }
  TrafficView& trafficView() { return *m_trafficView; }
  ChartsView& chartsView() { return *m_chartsView; }
  SpaceTimeView& spacetimeView() { return *m_spacetimeView; }
  FiberView& fiberView() { return *m_fiberView; }
  InspectorPanel& inspector() { return *m_inspector; }
  NodeTableModel& nodeModel() { return *m_nodeModel; }
  ActionLogModel& actionLog() { return *m_actionLog; }
  ScenarioListModel& scenarioList();
  // The feed the window shows and drives: a recording when one is open, the live cluster while connected, else the
  // simulation.
  ClusterFeed& activeFeed();
  // The objects the window is wired from.
  PanelLayout& panelLayout() { return *m_layout; }
  TimeControls& timeControls() { return *m_time; }
  ExportController& exporter() { return *m_export; }
  LessonController& lessons() { return *m_lessons; }
  const QString& scenarioPath() const { return m_scenarioPath; }
  // The lesson of the course after the open one (the first lesson when none is open); empty at the end of the course.
  QString nextLessonPath() const;
  // Opens the lesson after the current one (Lesson > Next lesson).
  void openNextLesson();
  // Brings the Scenario panel's course list to the front.
  void showCourse();
  // Lesson > Teacher view: the lessons' notes for the teacher (never shown in presentation mode).
  void setTeacherView(bool on);

  // The views --screenshot can save, and a grab of one ("window" for the whole window). Null pixmap for an
  // unknown name.
  static QStringList viewNames();
  QPixmap grabView(const QString& name);
  // Saves a view as PNG, or SVG when `path` ends in .svg. Returns an error message, empty on success.
  QString saveView(const QString& name, const QString& path);

  // Shows where `key` lives on the ring (fills the lookup field).
  void setLookupKey(const QString& key);
  // Shows membership in the ring, traffic view and node table as `viewer`'s failure detector sees it (View >
  // Membership as seen by); nullopt: each node suspect when any peer suspects it.
  void setViewpoint(std::optional<NodeId> viewer);
  std::optional<NodeId> viewpoint() const { return m_viewpoint; }
  // Points the screen at what a narration talks about: selects the node (node table, fiber view, inspector), looks
  // the key up, brings the view to the front. Narration entries with `focus:` call it when they are reached.
  void applyFocus(const NarrationFocus& focus);
  void setTheme(ThemeKind kind);
  void setPresentationMode(bool on);
  bool presentationMode() const;
  // The charts presentation mode shows (one or two titles of ChartsView::chartTitles()); remembered with the layout.
  void setPresentationCharts(const QStringList& titles);
  QStringList presentationCharts() const;
  // The end-of-run report of the last finished run (HTML tables), empty before the end; showReport() opens it.
  QString reportHtml() const;
  void showReport();
  // Node context menu actions, also used by tests: applies the action through the feed.
  void applyAction(const ScenarioAction& action);
  // Saves the scenario plus the manual actions as a scenario file; returns an error message, empty on success.
  QString saveRunAsScenario(const QString& path);

  // --- a live cluster of real nodes
  // Shows the cluster that `target` (a member's admin endpoint) belongs to instead of the simulation, which pauses.
  void connectToCluster(const RemoteTarget& target);
  // Back to the simulation.
  void disconnectFromCluster();
  bool live() const { return m_live != nullptr; }
  // Opens a recorded live session (File > Open recording); returns an error naming the file and line.
  QString openRecording(const QString& path);
  RecordingFeed* recordingFeed() { return m_replay.get(); }
  RemoteFeed* remoteFeed();
  LivePanel* livePanel();
  KeyConsole* keyConsole();

 protected:
  void showEvent(QShowEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  // Whether there is anything to drive (a scenario, a live cluster or a recording).
  bool sourceOpen();
  // Connects what every feed sends to the window; each signal counts only while its feed is the one shown.
  void watch(ClusterFeed& feed);
  // The shown feed changed: the time controls drive it and the controls follow its capabilities.
  void activate();
  void onSnapshot(const FeedSnapshot& snapshot);
  void onScenarioStarted(std::shared_ptr<const ScenarioSpec> spec, const QVector<NarrationPoint>& timeline);
  void onNarration(const NarrationPoint& point);
  void updateControls();
  // "Inspect" and "Show its fibers", in every node menu.
  void addNodeViewActions(QMenu& menu, NodeId node);
  void restart(bool newSeed);
  // Forgets the run's history: the action log, the charts, the report and what the Controls panel showed.
  void clearRun();
  // Forgets the charts, diagrams, action log and report of the previous run or source.
  void clearHistory();
  void endLiveSession();
  void closeRecording();
  // Sets the banner to `html` followed by what the play state asks of the viewer (paused: "Space to continue").
  void setNarrationBody(const QString& html);
  void updateNarrationHint();

  bool m_useSettings;
  std::unique_ptr<SimulationFeed> m_feed;
  std::unique_ptr<LiveSession> m_live;      // while connected to a real cluster
  std::unique_ptr<RecordingFeed> m_replay;  // while a recording is open
  FeedSnapshot m_snapshot;
  // The member whose failure detector the ring, traffic view and node table show (View > Membership as seen by);
  // nullopt: every node, suspect when any peer suspects it.
  std::optional<NodeId> m_viewpoint;
  QLabel* m_viewpointLabel = nullptr;
  std::shared_ptr<const ScenarioSpec> m_spec;
  QString m_scenarioPath;
  QVector<NarrationPoint> m_timeline;
  Theme m_theme;
  bool m_initialLayoutDone = false;

  PanelLayout* m_layout = nullptr;
  TimeControls* m_time = nullptr;
  ExportController* m_export = nullptr;
  LessonController* m_lessons = nullptr;
  ScenarioPanel* m_scenarioPanel = nullptr;
  ControlsPanel* m_controls = nullptr;
  DiagramPanels* m_diagrams = nullptr;
  RingView* m_ringView = nullptr;
  TrafficView* m_trafficView = nullptr;
  ChartsView* m_chartsView = nullptr;
  SpaceTimeView* m_spacetimeView = nullptr;
  FiberView* m_fiberView = nullptr;
  InspectorPanel* m_inspector = nullptr;
  CentralArea* m_central = nullptr;
  NodeTableModel* m_nodeModel = nullptr;
  ActionLogModel* m_actionLog = nullptr;
  NodeTableView* m_nodeTable = nullptr;
  ClusterActions* m_cluster = nullptr;
  QDockWidget* m_scenarioDock = nullptr;
  QDockWidget* m_nodesDock = nullptr;
  QDockWidget* m_controlsDock = nullptr;
  QDockWidget* m_inspectorDock = nullptr;
  QDockWidget* m_logDock = nullptr;
  QAction* m_darkAction = nullptr;
  WindowMenus* m_menus = nullptr;
};

}  // namespace ringlab
