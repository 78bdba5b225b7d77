// The objects the main window is wired from, each on its own on Qt's offscreen platform: feed capabilities disable
// what a feed cannot do, the export controller writes PNGs of a view's size and refuses run exports a feed cannot
// make, and presentation mode hides every panel but the stage and brings them back.
#include <filesystem>

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QImage>
#include <QLabel>
#include <QMainWindow>

#include <gtest/gtest.h>

#include <ringlab/ui/charts_view.h>
#include <ringlab/ui/cluster_actions.h>
#include <ringlab/ui/export_controller.h>
#include <ringlab/ui/panel_layout.h>
#include <ringlab/ui/recording_feed.h>
#include <ringlab/ui/remote_feed.h>
#include <ringlab/ui/simulation_feed.h>
#include <ringlab/ui/time_controls.h>

#include "qt_test_support.h"

namespace ringlab {
namespace {

std::filesystem::path tempFile(const std::string& name) { return std::filesystem::temp_directory_path() / name; }

TEST(FeedCapabilitiesTest, ARecordingTravelsInTimeButCannotBeChangedAndALiveClusterTheOpposite) {
  testing::app();
  const RecordingFeed recording;
  EXPECT_TRUE(recording.can(FeedCapability::kSeek));
  EXPECT_FALSE(recording.can(FeedCapability::kFaults));
  EXPECT_FALSE(recording.can(FeedCapability::kExportRun));
  const RemoteFeed remote;
  EXPECT_TRUE(remote.can(FeedCapability::kFaults));
  EXPECT_FALSE(remote.can(FeedCapability::kSeek));
  EXPECT_TRUE(remote.can(FeedCapability::kFreezeOnly));
  const SimulationFeed simulation;
  EXPECT_TRUE(simulation.can(FeedCapability::kFaults) && simulation.can(FeedCapability::kSeek));
}

TEST(FeedCapabilitiesTest, ControlsForARecordingDisableFaultActionsAndRestartButKeepTimeTravel) {
  testing::app();
  QMainWindow window;
  TimeControls time(window);
  ClusterActions cluster(window, {});
  RecordingFeed recording;
  time.setFeed(&recording);
  cluster.setFeed(&recording, nullptr);
  FeedSnapshot snapshot;
  snapshot.endNs = 10'000'000'000;
  time.update(snapshot, true);
  cluster.update(snapshot, true);
  EXPECT_FALSE(cluster.partition()->isEnabled());
  EXPECT_FALSE(cluster.heal()->isEnabled());
  EXPECT_FALSE(cluster.addNode()->isEnabled());
  EXPECT_FALSE(time.restart()->isEnabled());
  EXPECT_TRUE(time.back()->isEnabled());
  EXPECT_TRUE(time.step()->isEnabled());

  SimulationFeed simulation;
  cluster.setFeed(&simulation, nullptr);
  cluster.update(snapshot, true);
  EXPECT_TRUE(cluster.partition()->isEnabled());
}

TEST(ExportControllerTest, SavesAViewAsAPngOfItsSizeAndNamesAnUnknownView) {
  testing::app();
  QWidget window;
  auto* view = new QLabel(QStringLiteral("ring"), &window);
  view->resize(320, 200);
  ExportController exporter(window, [] { return RunExportSource{}; });
  exporter.addView(QStringLiteral("ring"), view);
  const std::filesystem::path path = tempFile("ringlab-export-controller.png");
  ASSERT_TRUE(exporter.saveView(QStringLiteral("ring"), QString::fromStdString(path.string())).isEmpty());
  const QImage saved(QString::fromStdString(path.string()));
  EXPECT_EQ(saved.size(), QSize(320, 200));
  EXPECT_TRUE(exporter.saveView(QStringLiteral("nope"), QStringLiteral("/tmp/x.png")).contains("nope"));
}

TEST(ExportControllerTest, ARecordingCannotBeSavedAsAScenario) {
  testing::app();
  QWidget window;
  RecordingFeed recording;
  ExportController exporter(window, [&] {
    RunExportSource source;
    source.feed = &recording;
    return source;
  });
  const std::filesystem::path path = tempFile("ringlab-export-recording.yaml");
  std::filesystem::remove(path);
  EXPECT_FALSE(exporter.saveRunAsScenario(QString::fromStdString(path.string())).isEmpty());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PanelLayoutTest, PresentationModeHidesAllButTheStageAndBringsThePanelsBack) {
  testing::app();
  QMainWindow window;
  window.setAttribute(Qt::WA_DontShowOnScreen);
  PanelLayout layout(window, /*useSettings=*/false);
  auto* charts = new ChartsView;
  QDockWidget* stage =
      layout.addPanel(QStringLiteral("Charts"), QStringLiteral("chartsDock"), charts, Qt::BottomDockWidgetArea);
  QDockWidget* a = layout.addPanel(QStringLiteral("A"), QStringLiteral("aDock"), new QLabel, Qt::LeftDockWidgetArea);
  QDockWidget* b = layout.addPanel(QStringLiteral("B"), QStringLiteral("bDock"), new QLabel, Qt::RightDockWidgetArea);
  auto* bar = new QLabel(QStringLiteral("bar"));
  window.setCentralWidget(bar);
  layout.setStage(stage, charts);
  window.show();
  layout.setPresentationCharts({QStringLiteral("Get latency")});
  layout.setPresentationMode(true);
  EXPECT_TRUE(stage->isVisible());
  EXPECT_FALSE(a->isVisible());
  EXPECT_FALSE(b->isVisible());
  EXPECT_EQ(charts->shownCharts(), QStringList{QStringLiteral("Get latency")});
  layout.setPresentationMode(false);
  EXPECT_TRUE(a->isVisible());
  EXPECT_TRUE(b->isVisible());
  EXPECT_EQ(charts->shownCharts().size(), ChartsView::chartTitles().size()) << "every chart again";
}

}  // namespace
}  // namespace ringlab
