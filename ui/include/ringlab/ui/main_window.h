// The desktop app's main window: the ring and traffic views side by side under a narration banner, live charts, the
// scenario browser, the node table, live controls (quorum, workload, membership, partitions) and the action log in
// dockable panels, a toolbar for time (play, pause, step, next narration, speed, restart), presentation mode, and
// light and dark palettes. Window layout and settings persist in QSettings.
//
// Thread-safety: a widget; UI thread only. It drives a ClusterFeed it owns and reads only its snapshots.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <QMainWindow>
#include <QPixmap>
#include <QPointer>
#include <QStringList>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QDialog;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMenu;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QDoubleSpinBox;
class QTableView;
class QTextBrowser;
class QSlider;
class QToolBar;
QT_END_NAMESPACE

namespace ringlab {

class ActionLogModel;
class ChartsView;
class NodeTableModel;
class RingView;
class ScenarioListModel;
class SimulationFeed;
class SpaceTimeView;
class FiberView;
class InspectorPanel;
class KeyConsole;
class LivePanel;
class RemoteFeed;
class RecordingFeed;
class ClusterFeed;
struct RemoteTarget;
class TrafficView;

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
  ScenarioListModel& scenarioList() { return *m_scenarioList; }

  // The views --screenshot can save, and a grab of one ("window" for the whole window). Null pixmap for an
  // unknown name.
  static QStringList viewNames();
  QPixmap grabView(const QString& name);
  // Saves a view as PNG, or SVG when `path` ends in .svg. Returns an error message, empty on success.
  QString saveView(const QString& name, const QString& path);

  // Shows where `key` lives on the ring (fills the lookup field).
  void setLookupKey(const QString& key);
  // Points the screen at what a narration talks about: selects the node (node table, fiber view, inspector), looks
  // the key up, brings the view to the front. Narration entries with `focus:` call it when they are reached.
  void applyFocus(const NarrationFocus& focus);
  void setTheme(ThemeKind kind);
  void setPresentationMode(bool on);
  bool presentationMode() const { return m_presentation; }
  // The charts presentation mode shows (one or two titles of ChartsView::chartTitles()); remembered with the layout.
  void setPresentationCharts(const QStringList& titles);
  QStringList presentationCharts() const { return m_presentationCharts; }
  // The end-of-run report of the last finished run (HTML tables), empty before the end; showReport() opens it.
  QString reportHtml() const { return m_reportHtml; }
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
  bool live() const { return m_remote != nullptr; }
  // Opens a recorded live session (File > Open recording); returns an error naming the file and line.
  QString openRecording(const QString& path);
  RecordingFeed* recordingFeed() { return m_replay.get(); }
  RemoteFeed* remoteFeed() { return m_remote.get(); }
  LivePanel* livePanel() { return m_livePanel; }
  KeyConsole* keyConsole() { return m_keyConsole; }

 protected:
  void showEvent(QShowEvent* event) override;
  void closeEvent(QCloseEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void buildActions();
  void buildToolBar();
  void buildDocks();
  void buildMenus();
  void onSnapshot(const FeedSnapshot& snapshot);
  void onScenarioStarted(std::shared_ptr<const ScenarioSpec> spec, const QVector<NarrationPoint>& timeline);
  void onNarration(const NarrationPoint& point);
  void showNodeMenu(NodeId node, const QPoint& globalPos);
  void showPartitionDialog();
  void applyQuorum();
  void applyWorkload();
  void updateTimeControls();
  void stepSpeed(int delta);
  void openScenarioDialog();
  void saveRunDialog();
  void exportViewDialog();
  void exportMetricsDialog();
  void exportTraceDialog();
  QWidget* viewWidget(const QString& name);
  void showShortcuts();
  void showAbout();
  void restart(bool newSeed);
  void connectDialog();
  // Forgets the charts, diagrams, action log and report of the previous run or source.
  void clearHistory();
  // "Inspect" and "Show its fibers", in both the simulation's and the live cluster's node menu.
  void addNodeViewActions(QMenu& menu, NodeId node);
  void closeRecording();
  ClusterFeed& timeFeed();  // the feed the time controls drive: a recording when one is open, else the simulation
  void seekTo(std::int64_t ns);
  void showLiveNodeMenu(NodeId node, const QPoint& globalPos);
  void addLiveNodeDialog();
  void setNarrationText(const QString& html);
  // Sets the banner to `html` followed by what the play state asks of the viewer (paused: "Space to continue").
  void setNarrationBody(const QString& html);
  void updateNarrationHint();
  // Shows in the Controls panel every live setting that changed since it was last shown, leaving the others (and
  // any edit in progress on them) alone.
  void syncControls(const FeedSnapshot& snapshot);
  void forgetShownControls();
  void onRunFinished(const QString& summary, const QString& json, bool passed);
  void clearReport();
  void updateDistributionLabels();
  void buildPresentationChartsMenu(QMenu* menu);

  bool m_useSettings;
  std::unique_ptr<SimulationFeed> m_feed;
  std::unique_ptr<RemoteFeed> m_remote;     // while connected to a real cluster
  std::unique_ptr<RecordingFeed> m_replay;  // while a recording is open
  bool m_liveFrozen = false;
  LivePanel* m_livePanel = nullptr;
  KeyConsole* m_keyConsole = nullptr;
  QDockWidget* m_liveDock = nullptr;
  QAction* m_disconnectAction = nullptr;
  FeedSnapshot m_snapshot;
  std::shared_ptr<const ScenarioSpec> m_spec;
  QString m_scenarioPath;
  QVector<NarrationPoint> m_timeline;
  Theme m_theme;
  bool m_presentation = false;
  bool m_wasMaximized = false;
  bool m_initialLayoutDone = false;
  QFont m_normalFont;
  QStringList m_presentationCharts;
  QMenu* m_presentationChartsMenu = nullptr;
  QString m_narrationBody;  // the banner without its play-state hint
  QString m_narrationHint;  // the play-state hint shown after it
  QString m_reportHtml;
  QString m_reportJson;
  QDialog* m_reportDialog = nullptr;
  QTextBrowser* m_reportView = nullptr;
  std::vector<QPointer<QDockWidget>> m_hiddenPanels;  // what presentation mode hid
  QString m_reportText;
  QWidget* m_lookupRow = nullptr;

  RingView* m_ringView = nullptr;
  TrafficView* m_trafficView = nullptr;
  ChartsView* m_chartsView = nullptr;
  SpaceTimeView* m_spacetimeView = nullptr;
  FiberView* m_fiberView = nullptr;
  InspectorPanel* m_inspector = nullptr;
  QLabel* m_narration = nullptr;
  QLineEdit* m_keyLookup = nullptr;
  NodeTableModel* m_nodeModel = nullptr;
  ActionLogModel* m_actionLog = nullptr;
  ScenarioListModel* m_scenarioList = nullptr;
  QListView* m_scenarioView = nullptr;
  QLabel* m_scenarioTitle = nullptr;
  QTextBrowser* m_scenarioDescription = nullptr;
  QLabel* m_reportStatus = nullptr;
  QPushButton* m_reportButton = nullptr;
  QTableView* m_nodeTable = nullptr;
  QDockWidget* m_scenarioDock = nullptr;
  QDockWidget* m_nodesDock = nullptr;
  QDockWidget* m_controlsDock = nullptr;
  QDockWidget* m_chartsDock = nullptr;
  QDockWidget* m_spacetimeDock = nullptr;
  QDockWidget* m_fibersDock = nullptr;
  QDockWidget* m_inspectorDock = nullptr;
  QDockWidget* m_logDock = nullptr;

  QAction* m_playAction = nullptr;
  QAction* m_stepAction = nullptr;
  QAction* m_nextAction = nullptr;
  QAction* m_restartAction = nullptr;
  QAction* m_backAction = nullptr;
  QAction* m_forwardAction = nullptr;
  QAction* m_newSeedAction = nullptr;
  QAction* m_healAction = nullptr;
  QAction* m_partitionAction = nullptr;
  QAction* m_addNodeAction = nullptr;
  QAction* m_presentationAction = nullptr;
  QAction* m_reportAction = nullptr;
  QAction* m_darkAction = nullptr;
  QAction* m_fasterAction = nullptr;
  QAction* m_slowerAction = nullptr;
  QComboBox* m_speed = nullptr;
  QLabel* m_timeLabel = nullptr;
  QSlider* m_scrubber = nullptr;
  QLabel* m_seedLabel = nullptr;
  QLabel* m_statusStats = nullptr;
  QToolBar* m_clusterBar = nullptr;
  QSpinBox* m_n = nullptr;
  QSpinBox* m_r = nullptr;
  QSpinBox* m_w = nullptr;
  QDoubleSpinBox* m_rate = nullptr;
  QSpinBox* m_readPercent = nullptr;
  QComboBox* m_keyDistribution = nullptr;
  QSpinBox* m_keyCount = nullptr;
  // What the Controls panel last showed of the live configuration (reset on a new run); Apply sends only what the
  // user changed from these, so it never reverts a scenario's setting.
  std::optional<QuorumConfig> m_shownQuorum;
  std::optional<WorkloadConfig> m_shownWorkload;
  double m_zipfTheta = 0.99;
  double m_hotKeyFraction = 0.01;
  double m_hotOpFraction = 0.8;
};

}  // namespace ringlab
