#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <QAbstractItemModelTester>
#include <QHeaderView>

#include <ringlab/sim/scenario_catalog.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/run_panels.h>

#include "qt_test_support.h"

namespace ringlab {
namespace {

NodeInfo node(NodeId id, NodeDisplayState state, double share) {
  NodeInfo n;
  n.id = id;
  n.state = state;
  n.primaryShare = share;
  n.keys = 100 + id;
  return n;
}

TEST(ShareTextTest, ShowsTheDigitsASmallShareNeeds) {
  EXPECT_EQ(shareText(0.125), "12.5 %");
  EXPECT_EQ(shareText(0.0031), "0.31 %");
  EXPECT_EQ(shareText(0.00012), "0.012 %");  // a node of 10,000 with 8 tokens
  EXPECT_EQ(shareText(0.000012), "0.0012 %");  // with one token
  EXPECT_EQ(shareText(0.0), "0 %");
}

TEST(NodeTableModelTest, GrowsByInsertingRowsAndUpdatesInPlace) {
  testing::app();
  NodeTableModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.update({node(0, NodeDisplayState::kUp, 0.5), node(1, NodeDisplayState::kUp, 0.5)});
  ASSERT_EQ(model.rowCount(), 2);
  EXPECT_EQ(model.data(model.index(1, NodeTableModel::kName), Qt::DisplayRole).toString(), "n2");
  EXPECT_EQ(model.data(model.index(0, NodeTableModel::kOwnership), Qt::DisplayRole).toString(), "50.0 %");

  int inserted = 0;
  QObject::connect(&model, &QAbstractItemModel::rowsInserted, [&] { ++inserted; });
  model.update({node(0, NodeDisplayState::kDown, 0.4), node(1, NodeDisplayState::kUp, 0.3),
                node(2, NodeDisplayState::kJoining, 0.3)});
  EXPECT_EQ(inserted, 1);
  ASSERT_EQ(model.rowCount(), 3);
  EXPECT_EQ(model.data(model.index(0, NodeTableModel::kState), Qt::DisplayRole).toString(), "down");
  EXPECT_EQ(model.data(model.index(2, NodeTableModel::kState), Qt::DisplayRole).toString(), "joining");
  EXPECT_EQ(model.data(model.index(2, 0), NodeTableModel::kNodeIdRole).toUInt(), 2u);

  model.update({node(0, NodeDisplayState::kUp, 1.0)});  // a new, smaller run resets
  EXPECT_EQ(model.rowCount(), 1);
}

TEST(NodeTableViewTest, ListsNodesInOrderAndSortsByAnyColumnAsNumbers) {
  testing::app();
  NodeTableModel model;
  NodeTableView view(model);
  std::vector<NodeInfo> nodes;
  for (NodeId id = 0; id < 12; ++id) {
    NodeInfo n = node(id, NodeDisplayState::kUp, 1.0 / 12);
    n.cpuUtilization = id == 7 ? 0.95 : 0.01 * id;
    n.hintsHeld = id == 10 ? 9 : 0;  // "9" sorts above "10" as text, not as a number
    nodes.push_back(n);
  }
  nodes[11].hintsHeld = 10;
  model.update(nodes);
  const auto idAt = [&](int row) { return view.model()->index(row, 0).data(NodeTableModel::kNodeIdRole).toUInt(); };
  for (int row = 0; row < 12; ++row) EXPECT_EQ(idAt(row), static_cast<uint>(row)) << "node order until sorted";
  EXPECT_FALSE(view.horizontalHeader()->isSortIndicatorShown()) << "no arrow until the user sorts";
  view.sortByColumn(NodeTableModel::kCpu, Qt::DescendingOrder);
  EXPECT_TRUE(view.horizontalHeader()->isSortIndicatorShown());
  EXPECT_EQ(idAt(0), 7u) << "the busiest node first";
  EXPECT_EQ(idAt(1), 11u);
  view.sortByColumn(NodeTableModel::kHints, Qt::DescendingOrder);
  EXPECT_EQ(idAt(0), 11u) << "10 hints above 9";
  EXPECT_EQ(idAt(1), 10u);
  // Selecting a node finds its row wherever sorting put it.
  view.selectNode(3);
  const QModelIndexList selected = view.selectionModel()->selectedRows();
  ASSERT_EQ(selected.size(), 1);
  EXPECT_EQ(selected.front().data(NodeTableModel::kNodeIdRole).toUInt(), 3u);
}

TEST(ScenarioListModelTest, ListsShippedScenariosAndMarksBrokenFiles) {
  testing::app();
  const auto dir = std::filesystem::temp_directory_path() / "ringlab-models-test";
  std::filesystem::create_directories(dir);
  const auto broken = dir / "broken.yaml";
  std::ofstream(broken) << "name: Broken\nduration: ten seconds\n";
  auto files = shippedScenarios(RINGLAB_SOURCE_DIR "/scenarios");
  ASSERT_GE(files.size(), 9u);
  files.push_back(broken);

  ScenarioListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.setFiles(files);
  ASSERT_EQ(model.rowCount(), static_cast<int>(files.size()));
  const int crash = model.rowOf("crash-hinted-handoff");
  ASSERT_GE(crash, 0);
  EXPECT_EQ(model.data(model.index(crash), Qt::DisplayRole).toString(), "Node crash and hinted handoff");
  EXPECT_FALSE(model.data(model.index(crash), ScenarioListModel::kDescriptionRole).toString().isEmpty());
  const int bad = model.rowOf("broken");
  ASSERT_GE(bad, 0);
  EXPECT_TRUE(model.entry(bad).error.contains("broken.yaml:2:")) << model.entry(bad).error.toStdString();
  EXPECT_EQ(model.rowOf("no-such-scenario"), -1);
  std::filesystem::remove_all(dir);
}

TEST(ActionLogModelTest, AppendsActionsInOrderAndClears) {
  testing::app();
  ActionLogModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.append({1'500'000'000, CrashAction{2}, "crash n3"});
  model.append({2'000'000'000, HealAction{}, "heal"});
  ASSERT_EQ(model.rowCount(), 2);
  EXPECT_EQ(model.data(model.index(0, ActionLogModel::kTime), Qt::DisplayRole).toString(), "1.500 s");
  EXPECT_EQ(model.data(model.index(1, ActionLogModel::kAction), Qt::DisplayRole).toString(), "heal");
  model.clear();
  EXPECT_EQ(model.rowCount(), 0);
}

TEST(ScenarioWithActionsTest, PutsManualActionsAfterTheScenarioEntriesOfTheSameInstant) {
  ScenarioSpec spec;
  spec.cluster.seed = 7;
  spec.timeline.push_back(timelineEntry(std::chrono::seconds(1), CrashAction{0}));
  spec.timeline.push_back(timelineEntry(std::chrono::seconds(3), RestartAction{0, false}));
  const std::vector<LoggedAction> actions = {{1'000'000'000, CrashAction{1}, "crash n2"},
                                             {2'000'000'000, HealAction{}, "heal"}};
  const ScenarioSpec out = scenarioWithActions(spec, actions, 99);
  EXPECT_EQ(out.cluster.seed, 99u);
  ASSERT_EQ(out.timeline.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<CrashAction>(out.timeline[0].actions[0]));
  EXPECT_EQ(std::get<CrashAction>(out.timeline[0].actions[0]).node, 0u);
  EXPECT_EQ(std::get<CrashAction>(out.timeline[1].actions[0]).node, 1u);
  EXPECT_TRUE(std::holds_alternative<HealAction>(out.timeline[2].actions[0]));
  EXPECT_TRUE(std::holds_alternative<RestartAction>(out.timeline[3].actions[0]));
}

}  // namespace
}  // namespace ringlab
