#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMenuBar>
#include <QPixmap>
#include <QTableView>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/charts_view.h>
#include <ringlab/ui/export.h>
#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/inspector.h>
#include <ringlab/ui/main_window.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/ring_view.h>
#include <ringlab/ui/simulation_feed.h>
#include <ringlab/ui/spacetime_view.h>
#include <ringlab/ui/traffic_view.h>

#include "qt_test_support.h"

namespace ringlab {
namespace {

const QString kCrashScenario = QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/crash-hinted-handoff.yaml");
const QString kQuorumScenario = QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/quorum-tradeoffs.yaml");
const QString kHotKeyScenario = QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/hot-key.yaml");
const QString kPartitionScenario = QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/network-partition.yaml");

template <typename T>
T& child(MainWindow& window, const char* name) {
  T* widget = window.findChild<T*>(QString::fromLatin1(name));
  if (!widget) throw std::runtime_error(std::string("no widget named ") + name);
  return *widget;
}

void runTo(MainWindow& window, Duration t) {
  window.feed().runToBlocking(TimePoint{t});
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().nowNs == t.count(); }));
}

TEST(MainWindowTest, OpensAScenarioRunsItAndSavesAScreenshot) {
  testing::app();
  MainWindow window(/*restoreSettings=*/false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(12));  // past the crash of n3 at 10 s
  EXPECT_EQ(window.lastSnapshot().nodes.at(2).state, NodeDisplayState::kDown);
  EXPECT_EQ(window.nodeModel().rowCount(), 5);
  EXPECT_EQ(window.nodeModel().data(window.nodeModel().index(2, NodeTableModel::kState), Qt::DisplayRole).toString(),
            "down");
  EXPECT_GT(window.chartsView().sampleCount(), 40u);
  for (const QString& view : MainWindow::viewNames()) {
    const QPixmap pixmap = window.grabView(view);
    if (view == QLatin1String("live")) {  // the live cluster panel exists only while connected
      EXPECT_TRUE(pixmap.isNull());
      EXPECT_FALSE(window.saveView(view, QStringLiteral("/tmp/unused.png")).isEmpty());
      continue;
    }
    EXPECT_FALSE(pixmap.isNull()) << view.toStdString();
    EXPECT_GT(pixmap.width(), 100) << view.toStdString();
  }
  const auto path = std::filesystem::temp_directory_path() / "ringlab-main-window-test.png";
  ASSERT_TRUE(window.grabView("window").save(QString::fromStdString(path.string()), "PNG"));
  QImage saved(QString::fromStdString(path.string()));
  EXPECT_EQ(saved.size(), window.size());
  std::filesystem::remove(path);
  EXPECT_TRUE(window.grabView("no-such-view").isNull());
}

TEST(MainWindowTest, TheSpaceTimeFilterBarNarrowsTheDiagramAndListsTheRunsNodes) {
  testing::app();
  MainWindow window(/*restoreSettings=*/false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kQuorumScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(2));
  auto& family = child<QComboBox>(window, "spacetimeFamily");
  auto& node = child<QComboBox>(window, "spacetimeNode");
  auto& key = child<QLineEdit>(window, "spacetimeKey");
  ASSERT_EQ(node.count(), 6);  // every node, then n1..n5
  EXPECT_EQ(node.itemText(5), "of n5");
  SpaceTimeView& view = window.spacetimeView();
  EXPECT_FALSE(view.filter().active());
  key.setText(QStringLiteral("key:00000000"));
  family.setCurrentIndex(family.findData(static_cast<int>(SpaceTimeFilter::Family::kReads)));
  node.setCurrentIndex(3);
  EXPECT_EQ(view.filter().key, "key:00000000");
  EXPECT_EQ(view.filter().family, SpaceTimeFilter::Family::kReads);
  EXPECT_EQ(view.filter().node, std::optional<NodeId>(2));
  // A window that holds many messages shows far fewer through the filter, and every one it shows matches it.
  view.setWindow(0, std::chrono::nanoseconds(std::chrono::seconds(2)).count());
  (void)view.grab();
  const std::size_t narrowed = view.messagesMatching();
  key.clear();
  family.setCurrentIndex(0);
  node.setCurrentIndex(0);
  EXPECT_FALSE(view.filter().active());
  (void)view.grab();
  EXPECT_LT(narrowed * 20, view.messagesMatching());
}

TEST(MainWindowTest, ABrokenScenarioFileChangesNothing) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(1));
  const auto path = std::filesystem::temp_directory_path() / "ringlab-broken.yaml";
  std::ofstream(path) << "name: Broken\nduration: 10s\ncluster:\n  nodes: five\n";
  const QString error = window.openScenarioFile(QString::fromStdString(path.string()), false, std::nullopt, true);
  EXPECT_TRUE(error.contains("ringlab-broken.yaml:4:")) << error.toStdString();
  testing::waitFor([] { return false; }, 100);
  EXPECT_EQ(window.lastSnapshot().nowNs, std::chrono::nanoseconds(std::chrono::seconds(1)).count());
  EXPECT_EQ(window.windowTitle(), "RingLab — Node crash and hinted handoff");
  std::filesystem::remove(path);
}

TEST(MainWindowTest, NodeActionsFromTheWindowReachTheEngineAndCanBeSavedAsAScenario) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(2));
  window.applyAction(CrashAction{0});
  window.applyAction(SlowNodeAction{1, 4.0});
  runTo(window, std::chrono::seconds(3));
  bool n1Running = true;
  double n2Factor = 1;
  window.feed().inspectBlocking([&](ScenarioRunner* runner) {
    n1Running = runner->simulation().isRunning(0);
    n2Factor = runner->simulation().cpuFactor(1);
  });
  EXPECT_FALSE(n1Running);
  EXPECT_DOUBLE_EQ(n2Factor, 4.0);
  ASSERT_TRUE(testing::waitFor([&] { return window.actionLog().rowCount() == 2; }));
  EXPECT_DOUBLE_EQ(window.lastSnapshot().nodes[1].cpuFactor, 4.0);

  const auto path = std::filesystem::temp_directory_path() / "ringlab-saved-run.yaml";
  ASSERT_TRUE(window.saveRunAsScenario(QString::fromStdString(path.string())).isEmpty());
  auto spec = loadScenarioFile(path.string());
  ASSERT_TRUE(spec.isOk()) << spec.status().message();
  EXPECT_EQ(spec->cluster.seed, 42u);
  bool hasManualCrash = false;
  for (const TimelineEntry& e : spec->timeline) {
    for (const ScenarioAction& a : e.actions) {
      if (const auto* crash = std::get_if<CrashAction>(&a); crash && crash->node == 0) {
        hasManualCrash = e.at == TimePoint{std::chrono::seconds(2)};
      }
    }
  }
  EXPECT_TRUE(hasManualCrash);
  std::filesystem::remove(path);
}

TEST(MainWindowTest, ANarrationFocusSelectsItsNodeKeyAndView) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1400, 900);
  window.show();
  const auto path = std::filesystem::temp_directory_path() / "ringlab-focus.yaml";
  std::ofstream(path) << R"(name: Focus
duration: 5s
cluster: {nodes: 5}
workload: {rate: 200/s}
timeline:
  - {at: 1s, say: "Look at n4's fibers.", focus: {node: n4, view: fibers}}
  - {at: 2s, focus: {key: "key:00000007", view: spacetime}}
)";
  ASSERT_TRUE(window.openScenarioFile(QString::fromStdString(path.string()), false, std::nullopt, true).isEmpty());
  std::filesystem::remove(path);
  runTo(window, std::chrono::milliseconds(1500));
  ASSERT_TRUE(testing::waitFor([&] { return window.fiberView().node() == 3; })) << window.fiberView().node();
  EXPECT_EQ(window.inspector().node(), 3u);
  EXPECT_TRUE(window.fiberView().isVisible()) << "the fiber view is brought to the front";
  const QModelIndexList selected =
      window.findChild<QTableView*>(QStringLiteral("nodeTable"))->selectionModel()->selectedRows();
  ASSERT_EQ(selected.size(), 1);
  EXPECT_EQ(selected.front().data(NodeTableModel::kNodeIdRole).toUInt(), 3u);

  runTo(window, std::chrono::milliseconds(2500));
  ASSERT_TRUE(testing::waitFor([&] { return window.spacetimeView().isVisible(); }));
  ASSERT_TRUE(window.inspector().keyInspection().has_value());
  EXPECT_EQ(window.inspector().keyInspection()->key, "key:00000007");
  EXPECT_EQ(window.fiberView().node(), 3u) << "an entry without a node keeps the selection";
}

TEST(MainWindowTest, KeyboardShortcutsDriveTime) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.show();
  QApplication::setActiveWindow(&window);
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().endNs > 0; }));
  // N runs to the first narration point (5 s) and pauses exactly there.
  QTest::keyClick(&window, Qt::Key_N);
  ASSERT_TRUE(testing::waitFor([&] {
    return window.lastSnapshot().nowNs == 5'000'000'000 && !window.lastSnapshot().playing;
  })) << window.lastSnapshot().nowNs;
  // Right steps 10 ms.
  QTest::keyClick(&window, Qt::Key_Right);
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().nowNs == 5'010'000'000; }));
  // Space plays, Space again pauses.
  QTest::keyClick(&window, Qt::Key_Space);
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().playing; }));
  QTest::keyClick(&window, Qt::Key_Space);
  ASSERT_TRUE(testing::waitFor([&] { return !window.lastSnapshot().playing; }));
  // Faster: + moves the speed up one step (1x -> 2x).
  QTest::keyClick(&window, Qt::Key_Plus);
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().speed == 2.0; }));
}

TEST(MainWindowTest, ExportsViewsAsSvgMetricsAsCsvAndTheTraceAsJson) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(3));
  const auto dir = std::filesystem::temp_directory_path();
  const QString svg = QString::fromStdString((dir / "ringlab-export-test.svg").string());
  ASSERT_TRUE(window.saveView("traffic", svg).isEmpty());
  QFile svgFile(svg);
  ASSERT_TRUE(svgFile.open(QIODevice::ReadOnly));
  const QByteArray svgText = svgFile.readAll();
  EXPECT_TRUE(svgText.contains("<svg"));
  EXPECT_TRUE(svgText.contains(">n1<")) << "node labels are text in the drawing";
  EXPECT_FALSE(window.saveView("traffic", "/no/such/folder/x.svg").isEmpty());

  const QString csv = QString::fromStdString((dir / "ringlab-export-test.csv").string());
  ASSERT_TRUE(window.feed().exportMetricsCsv(csv).isEmpty());
  QFile csvFile(csv);
  ASSERT_TRUE(csvFile.open(QIODevice::ReadOnly));
  const QList<QByteArray> lines = csvFile.readAll().split('\n');
  EXPECT_TRUE(lines.front().startsWith("time_s,get_ops_s"));
  EXPECT_GE(lines.size(), 12);  // header + 12 intervals of 250 ms

  ScenarioSpec spec = loadScenarioFile(kCrashScenario.toStdString()).value();
  const std::string json = (dir / "ringlab-export-test.json").string();
  double lastProgress = 0;
  ASSERT_TRUE(
      exportTraceByReplay(spec, TimePoint{std::chrono::seconds(1)}, json, [&](double f) { lastProgress = f; }).isOk());
  EXPECT_DOUBLE_EQ(lastProgress, 1.0);
  QFile jsonFile(QString::fromStdString(json));
  ASSERT_TRUE(jsonFile.open(QIODevice::ReadOnly));
  const QJsonDocument doc = QJsonDocument::fromJson(jsonFile.readAll());
  ASSERT_TRUE(doc.isObject());
  EXPECT_GT(doc.object().value("traceEvents").toArray().size(), 1000);
  std::filesystem::remove(svg.toStdString());
  std::filesystem::remove(csv.toStdString());
  std::filesystem::remove(json);
}

TEST(MainWindowTest, APointClickedInAChartOpensItsIntervalInBothDiagrams) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(3));
  emit window.chartsView().intervalSelected(2.0);
  EXPECT_EQ(window.spacetimeView().windowStartNs(), 1'750'000'000);
  EXPECT_EQ(window.spacetimeView().windowEndNs(), 2'000'000'000);
  EXPECT_FALSE(window.spacetimeView().following());
  EXPECT_EQ(window.spacetimeView().timeCursor(), 1'875'000'000);
  EXPECT_EQ(window.fiberView().timeCursor(), 1'875'000'000);
  // A time clicked in one diagram moves the cursor in the other.
  emit window.spacetimeView().timeClicked(1'900'000'000);
  EXPECT_EQ(window.fiberView().timeCursor(), 1'900'000'000);
}

TEST(MainWindowTest, PresentationModeEnlargesTheFontAndComesBack) {
  testing::app();
  MainWindow window(false);
  const double before = QApplication::font().pointSizeF();
  window.setPresentationMode(true);
  EXPECT_TRUE(window.presentationMode());
  EXPECT_GT(QApplication::font().pointSizeF(), before * 1.3);
  window.setPresentationMode(false);
  EXPECT_DOUBLE_EQ(QApplication::font().pointSizeF(), before);
}

TEST(MainWindowTest, TheWindowFitsA720pScreenInEveryLayout) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(1));
  for (const bool presentation : {false, true}) {
    window.setPresentationMode(presentation);
    QApplication::processEvents();
    const QSize least = window.minimumSizeHint().expandedTo(window.minimumSize());
    EXPECT_LE(least.width(), 1280) << "presentation " << presentation;
    EXPECT_LE(least.height(), 720) << "presentation " << presentation;
    window.showNormal();
    window.resize(1280, 720);
    QApplication::processEvents();
    EXPECT_EQ(window.size(), QSize(1280, 720)) << "presentation " << presentation;
  }
  window.setPresentationMode(false);
}

TEST(MainWindowTest, PresentationModeShowsOnlyTheViewsAndTheChosenChartsThenBringsThePanelsBack) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1600, 1000);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  window.setPresentationCharts({"Get latency", "Errors and drops"});
  std::vector<QDockWidget*> visibleBefore;
  for (QDockWidget* dock : window.findChildren<QDockWidget*>())
    if (dock->isVisible()) visibleBefore.push_back(dock);
  window.setPresentationMode(true);
  QApplication::processEvents();
  for (QDockWidget* dock : window.findChildren<QDockWidget*>()) {
    EXPECT_EQ(dock->isVisible(), dock->objectName() == "chartsDock") << dock->objectName().toStdString();
  }
  EXPECT_FALSE(window.findChild<QLineEdit*>("keyLookup")->isVisible());
  EXPECT_EQ(window.chartsView().shownCharts(), (QStringList{"Get latency", "Errors and drops"}));
  // A third choice replaces the oldest.
  window.setPresentationCharts({"Get latency", "Errors and drops", "Throughput"});
  EXPECT_EQ(window.presentationCharts(), (QStringList{"Errors and drops", "Throughput"}));
  window.setPresentationMode(false);
  QApplication::processEvents();
  for (QDockWidget* dock : visibleBefore) EXPECT_TRUE(dock->isVisible()) << dock->objectName().toStdString();
  EXPECT_TRUE(window.findChild<QLineEdit*>("keyLookup")->isVisible());
}

TEST(MainWindowTest, PresentationModeHidesTheMenuBarButKeepsItsShortcutsAndEscapeLeavesIt) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1280, 720);
  window.show();
  QApplication::setActiveWindow(&window);
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  window.setPresentationMode(true);
  QApplication::processEvents();
  EXPECT_FALSE(window.menuBar()->isVisible());
  // The dark palette's action lives in the View menu only; its shortcut works with the menu bar hidden.
  QAction* dark = nullptr;
  for (QAction* a : window.actions())
    if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D)) dark = a;
  ASSERT_NE(dark, nullptr) << "the window carries the menu actions' shortcuts";
  const bool wasDark = dark->isChecked();
  QTest::keyClick(&window, Qt::Key_D, Qt::ControlModifier | Qt::ShiftModifier);
  EXPECT_NE(dark->isChecked(), wasDark);
  QTest::keyClick(&window, Qt::Key_D, Qt::ControlModifier | Qt::ShiftModifier);
  // Escape leaves presentation mode, and the menu bar comes back.
  QTest::keyClick(&window, Qt::Key_Escape);
  EXPECT_FALSE(window.presentationMode());
  QApplication::processEvents();
  EXPECT_TRUE(window.menuBar()->isVisible());
  // Outside presentation mode Escape does not enter it.
  QTest::keyClick(&window, Qt::Key_Escape);
  EXPECT_FALSE(window.presentationMode());
}

TEST(MainWindowTest, InPresentationModeTheNarrationsPanelJoinsTheStageUntilTheNextFocus) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1280, 720);
  window.show();
  const auto path = std::filesystem::temp_directory_path() / "ringlab-guest.yaml";
  std::ofstream(path) << R"(name: Guest
duration: 5s
cluster: {nodes: 4}
workload: {rate: 200/s}
timeline:
  - {at: 1s, say: "n2's latest exchange.", focus: {node: n2, view: inspector}}
  - {at: 2s, say: "Back to the charts.", focus: {view: charts}}
)";
  ASSERT_TRUE(window.openScenarioFile(QString::fromStdString(path.string()), false, std::nullopt, true).isEmpty());
  std::filesystem::remove(path);
  auto* inspector = window.findChild<QDockWidget*>(QStringLiteral("inspectorDock"));
  ASSERT_NE(inspector, nullptr);
  window.setPresentationMode(true);
  QApplication::processEvents();
  EXPECT_FALSE(inspector->isVisible());
  runTo(window, std::chrono::milliseconds(1500));
  ASSERT_TRUE(testing::waitFor([&] { return inspector->isVisible(); })) << "the inspector the narration names shows";
  EXPECT_EQ(window.inspector().node(), 1u);
  runTo(window, std::chrono::milliseconds(2500));
  ASSERT_TRUE(testing::waitFor([&] { return !inspector->isVisible(); })) << "the next focus sends it away";
  window.setPresentationMode(false);
  QApplication::processEvents();
  EXPECT_TRUE(inspector->isVisible()) << "the panels of the normal layout come back";
}

TEST(MainWindowTest, AJumpPastAWholeFaultShadesItsPeriodAsPlayingThroughItWould) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(40));  // n3 is down from 10 s to 30 s: both inside one jump
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().nowNs == 40'000'000'000; }));
  QApplication::processEvents();
  const auto& periods = window.chartsView().faultPeriods();
  ASSERT_EQ(periods.size(), 1u);
  EXPECT_EQ(periods[0].label, "n3 down");
  EXPECT_NEAR(periods[0].startSeconds, 10.0, 0.01);
  EXPECT_NEAR(periods[0].endSeconds, 30.0, 0.01);
}

TEST(MainWindowTest, LostUpdatesAreChartedAsTheyHappenAndOnlyWhereThereAreSome) {
  testing::app();
  const auto lostUpdatePoints = [](const QString& scenario) {
    MainWindow window(false);
    EXPECT_TRUE(window.openScenarioFile(scenario, false, std::nullopt, true).isEmpty());
    runTo(window, std::chrono::seconds(8));
    EXPECT_TRUE(testing::waitFor([&] { return window.lastSnapshot().nowNs == 8'000'000'000; }));
    QApplication::processEvents();
    window.chartsView().refresh();
    const std::vector<QLineSeries*> series = window.chartsView().seriesOf("Stale reads, lost updates, hints");
    std::size_t positive = 0;
    std::size_t points = 0;
    for (QLineSeries* s : series) {
      if (s->name() != "lost updates %") continue;
      points = static_cast<std::size_t>(s->count());
      for (const QPointF& p : s->points()) positive += p.y() > 0 ? 1 : 0;
    }
    EXPECT_GT(points, 30u) << "a point every 250 ms";
    return positive;
  };
  // n2's clock runs 80 ms behind: its writes lose to older ones throughout the run.
  EXPECT_GT(lostUpdatePoints(QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/lww-lost-updates.yaml")), 5u);
  EXPECT_EQ(lostUpdatePoints(QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/steady-state.yaml")), 0u);
}

TEST(MainWindowTest, TheControlsPanelFollowsQuorumAndWorkloadTimelineSteps) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(kQuorumScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(5));
  EXPECT_EQ(child<QSpinBox>(window, "quorumR").value(), 1);
  EXPECT_EQ(child<QSpinBox>(window, "quorumW").value(), 1);
  EXPECT_EQ(child<QComboBox>(window, "workloadKeys").currentText(), "zipfian (θ 1.1)");
  runTo(window, std::chrono::seconds(39));  // the step at 30 s set R=3 W=1
  EXPECT_EQ(child<QSpinBox>(window, "quorumN").value(), 3);
  EXPECT_EQ(child<QSpinBox>(window, "quorumR").value(), 3);
  EXPECT_EQ(child<QSpinBox>(window, "quorumW").value(), 1);

  MainWindow hot(false);
  ASSERT_TRUE(hot.openScenarioFile(kHotKeyScenario, false, std::nullopt, true).isEmpty());
  runTo(hot, std::chrono::seconds(1));
  EXPECT_EQ(child<QComboBox>(hot, "workloadKeys").currentText(), "zipfian (θ 1.8)");
  EXPECT_EQ(child<QSpinBox>(hot, "workloadReads").value(), 90);
}

TEST(MainWindowTest, TheControlsPanelFollowsTimeTravel) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(kQuorumScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(31));
  ASSERT_EQ(child<QSpinBox>(window, "quorumR").value(), 3);
  window.feed().seek(TimePoint{std::chrono::seconds(15)});  // back into the R=2 W=2 phase
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().nowNs == 15'000'000'000; }, 60000));
  testing::waitFor([] { return false; }, 100);
  EXPECT_EQ(child<QSpinBox>(window, "quorumR").value(), 2);
  EXPECT_EQ(child<QSpinBox>(window, "quorumW").value(), 2);
}

TEST(MainWindowTest, TheCoordinatorRoutingFollowsTheScenarioAndCanBeChanged) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/client-routing.yaml"), false,
                                      std::nullopt, true)
                  .isEmpty());
  runTo(window, std::chrono::seconds(5));
  auto& routing = child<QComboBox>(window, "workloadRouting");
  EXPECT_EQ(routing.currentText(), "token-aware (a replica)");
  runTo(window, std::chrono::seconds(15));  // the step at 10 s switched to proxy routing
  EXPECT_EQ(routing.currentText(), "proxy (holds no copy)");
  routing.setCurrentIndex(routing.findData(static_cast<int>(Routing::kRandom)));
  child<QPushButton>(window, "applyWorkload").click();
  runTo(window, std::chrono::seconds(16));
  ASSERT_TRUE(window.lastSnapshot().workload);
  EXPECT_EQ(window.lastSnapshot().workload->routing, Routing::kRandom);
  EXPECT_EQ(window.actionLog().rowCount(), 1) << "only the routing was sent";
}

TEST(MainWindowTest, ANarrationFocusOnAChartPutsItOnThePresentationScreenForThatMomentOnly) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1280, 720);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kQuorumScenario, false, std::nullopt, true).isEmpty());
  window.setPresentationCharts({"Throughput", "Get latency"});
  window.setPresentationMode(true);
  QApplication::processEvents();
  runTo(window, std::chrono::milliseconds(5500));  // the step at 5 s: {view: charts, chart: staleness}
  ASSERT_TRUE(testing::waitFor(
      [&] { return window.chartsView().shownCharts().contains("Stale reads, lost updates, hints"); }))
      << window.chartsView().shownCharts().join(", ").toStdString();
  EXPECT_EQ(window.chartsView().shownCharts(), (QStringList{"Get latency", "Stale reads, lost updates, hints"}));
  EXPECT_EQ(window.presentationCharts(), (QStringList{"Throughput", "Get latency"})) << "the presenter's choice stays";
  window.setPresentationMode(false);
}

TEST(MainWindowTest, ApplySendsOnlyWhatWasChangedAndNeverRevertsTheScenario) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(kQuorumScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(32));
  const double rate = window.lastSnapshot().workload->ratePerSecond;
  child<QDoubleSpinBox>(window, "workloadRate").setValue(rate + 500);
  child<QPushButton>(window, "applyWorkload").click();
  child<QPushButton>(window, "applyQuorum").click();  // nothing changed: nothing sent
  runTo(window, std::chrono::seconds(33));
  const FeedSnapshot& s = window.lastSnapshot();
  ASSERT_TRUE(s.workload);
  EXPECT_DOUBLE_EQ(s.workload->ratePerSecond, rate + 500);
  EXPECT_EQ(s.workload->keys.shape(), KeyDistribution::Shape::kZipfian);
  EXPECT_DOUBLE_EQ(s.workload->keys.theta(), 1.1);
  EXPECT_EQ(s.quorum.r, 3u);
  EXPECT_EQ(s.quorum.w, 1u);
  EXPECT_EQ(window.actionLog().rowCount(), 1) << "only the workload change was applied";
}

TEST(MainWindowTest, ShortcutsWorkWithFocusInTheKeyFieldOnceEscapeLeavesIt) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1400, 900);
  window.show();
  QApplication::setActiveWindow(&window);
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().endNs > 0; }));
  auto& field = child<QLineEdit>(window, "keyLookup");
  EXPECT_FALSE(field.hasFocus()) << "the key field must not take the keys at launch";
  // Clicked on purpose, the field takes the keys: N is a letter of the key.
  QTest::mouseClick(&field, Qt::LeftButton);
  ASSERT_TRUE(field.hasFocus());
  QTest::keyClicks(&field, "key:n");
  EXPECT_EQ(field.text(), "key:n");
  EXPECT_EQ(window.lastSnapshot().nowNs, 0);
  // Escape leaves the field; N then runs to the first narration point.
  QTest::keyClick(&field, Qt::Key_Escape);
  EXPECT_FALSE(field.hasFocus());
  QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : &window, Qt::Key_N);
  ASSERT_TRUE(testing::waitFor([&] {
    return window.lastSnapshot().nowNs == 5'000'000'000 && !window.lastSnapshot().playing;
  })) << window.lastSnapshot().nowNs;
  // Back in the field, a click on a view takes the focus from it.
  QTest::mouseClick(&field, Qt::LeftButton);
  ASSERT_TRUE(field.hasFocus());
  QTest::mouseClick(&window.trafficView(), Qt::LeftButton);
  EXPECT_TRUE(window.trafficView().hasFocus());
}

TEST(MainWindowTest, TheNarrationBannerSaysPausedOnlyWhilePaused) {
  testing::app();
  MainWindow window(false);
  ASSERT_TRUE(window.openScenarioFile(kCrashScenario, false, std::nullopt, true).isEmpty());
  auto& banner = child<QLabel>(window, "narration");
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().endNs > 0; }));
  EXPECT_TRUE(banner.text().contains("press Space to play")) << banner.text().toStdString();
  window.feed().runToNextNarration();
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().nowNs == 5'000'000'000; }));
  ASSERT_TRUE(testing::waitFor([&] { return !window.lastSnapshot().playing; }));
  EXPECT_TRUE(banner.text().contains("paused — Space to continue")) << banner.text().toStdString();
  window.feed().play();
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().playing; }));
  EXPECT_FALSE(banner.text().contains("paused")) << banner.text().toStdString();
  EXPECT_FALSE(banner.text().contains("press Space")) << banner.text().toStdString();
  window.feed().pause();
}

TEST(MainWindowTest, AScreenshotDrawsOnlyTheDropMarkersTheLiveViewShowsAtThatMoment) {
  testing::app();
  MainWindow window(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1400, 900);
  window.trafficView().setAnimated(false);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kPartitionScenario, false, std::nullopt, true).isEmpty());
  runTo(window, std::chrono::seconds(12));  // in the partition (10 s - 25 s): messages across the cut are lost
  window.grabView("traffic");
  EXPECT_GT(window.trafficView().dropsDrawn(), 0u);
  // Two seconds after the heal, the live view has long faded the partition's drops.
  runTo(window, std::chrono::seconds(27));
  window.grabView("traffic");
  EXPECT_EQ(window.trafficView().dropsDrawn(), 0u);
  // Straight from the start to a moment after the heal, as --screenshot does, they are not drawn either.
  MainWindow fresh(false);
  fresh.setAttribute(Qt::WA_DontShowOnScreen);
  fresh.resize(1400, 900);
  fresh.trafficView().setAnimated(false);
  fresh.show();
  ASSERT_TRUE(fresh.openScenarioFile(kPartitionScenario, false, std::nullopt, true).isEmpty());
  runTo(fresh, std::chrono::seconds(27));
  testing::waitFor([] { return false; }, 200);
  fresh.grabView("traffic");
  EXPECT_EQ(fresh.trafficView().dropsDrawn(), 0u);
}

TEST(MainWindowTest, TheEndOfRunReportHasTablesAndOpensOnDemand) {
  testing::app();
  MainWindow window(false);
  ScenarioSpec spec = loadScenarioFile(kCrashScenario.toStdString()).value();
  spec.duration = std::chrono::seconds(2);
  spec.timeline.clear();
  window.openScenario(spec, kCrashScenario, false);
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().endNs > 0; }));
  window.feed().runToBlocking(TimePoint{std::chrono::seconds(3)});
  ASSERT_TRUE(testing::waitFor([&] { return !window.reportHtml().isEmpty(); }, 60000));
  EXPECT_TRUE(window.reportHtml().contains("<table")) << window.reportHtml().toStdString();
  EXPECT_TRUE(window.reportHtml().contains("Operations"));
  EXPECT_TRUE(window.reportHtml().contains("lost updates"));
  window.showReport();
  auto* dialog = window.findChild<QDialog*>("reportDialog");
  ASSERT_NE(dialog, nullptr);
  EXPECT_TRUE(dialog->isVisible());
  EXPECT_GE(dialog->width(), 600);
  dialog->hide();
}

}  // namespace
}  // namespace ringlab
