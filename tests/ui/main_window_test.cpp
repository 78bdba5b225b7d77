#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPixmap>
#include <QTableView>
#include <QTest>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/charts_view.h>
#include <ringlab/ui/export.h>
#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/inspector.h>
#include <ringlab/ui/main_window.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/simulation_feed.h>
#include <ringlab/ui/spacetime_view.h>

#include "qt_test_support.h"

namespace ringlab {
namespace {

const QString kCrashScenario = QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/crash-hinted-handoff.yaml");

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

}  // namespace
}  // namespace ringlab
