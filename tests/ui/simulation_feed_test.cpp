#include <algorithm>

#include <gtest/gtest.h>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>

#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>
#include <ringlab/sim/scenario_writer.h>
#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/inspector.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/simulation_feed.h>

#include "qt_test_support.h"

namespace ringlab {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

ScenarioSpec shipped(const std::string& name) {
  auto spec = loadScenarioFile(RINGLAB_SOURCE_DIR "/scenarios/" + name + ".yaml");
  EXPECT_TRUE(spec.isOk()) << spec.status().message();
  return std::move(spec).value();
}

// Collects the feed's snapshots and logged actions. Every connection names the feed as its context, so the
// handlers run on the test's thread (queued), not on the simulation thread that emits.
struct FeedRecorder {
  explicit FeedRecorder(SimulationFeed& feed) {
    QObject::connect(&feed, &ClusterFeed::snapshotReady, &feed, [this](const FeedSnapshot& s) {
      last = s;
      for (const TimeMark& m : s.newMarks) marks << QString::fromStdString(m.text);
      messages += s.newMessages.size();
      ++snapshots;
      samples += s.newSamples.size();
      sampleList.insert(sampleList.end(), s.newSamples.begin(), s.newSamples.end());
    });
    QObject::connect(&feed, &ClusterFeed::actionLogged, &feed, [this](const LoggedAction& a) { actions.push_back(a); });
    QObject::connect(&feed, &ClusterFeed::problem, &feed, [this](const QString& m) { problems << m; });
    QObject::connect(&feed, &ClusterFeed::scenarioStarted, &feed,
                     [this](std::shared_ptr<const ScenarioSpec> s, const QVector<NarrationPoint>& t) {
                       spec = std::move(s);
                       timeline = t;
                       samples = 0;
                     });
  }
  // Runs the feed to `t` and waits until the snapshot of that moment arrived.
  void runTo(SimulationFeed& feed, Duration t) {
    feed.runToBlocking(TimePoint{t});
    ASSERT_TRUE(testing::waitFor([&] { return last.nowNs == t.count(); })) << "no snapshot at " << t.count();
  }
  FeedSnapshot last;
  int snapshots = 0;
  std::size_t samples = 0;
  std::vector<MetricsSample> sampleList;
  std::size_t messages = 0;
  QStringList marks;
  std::vector<LoggedAction> actions;
  QStringList problems;
  std::shared_ptr<const ScenarioSpec> spec;
  QVector<NarrationPoint> timeline;
};

// steady-state (five nodes, phi accrual) with n2 crashed from the UI at 1 s, run to 6 s: every running node's detector
// has marked it down.
void runSteadyStateWithN2CrashedAtOneSecond(SimulationFeed& feed, FeedRecorder& rec) {
  feed.load(shipped("steady-state"), false);
  rec.runTo(feed, seconds(1));
  feed.apply(CrashAction{1});
  rec.runTo(feed, seconds(6));
}

TEST(SimulationFeedTest, RunsToATimeAndDescribesTheCluster) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  feed.load(shipped("crash-hinted-handoff"), /*play=*/false);
  rec.runTo(feed, seconds(2));
  ASSERT_NE(rec.spec, nullptr);
  EXPECT_EQ(rec.spec->name, "Node crash and hinted handoff");
  EXPECT_FALSE(rec.timeline.isEmpty());
  const FeedSnapshot& s = rec.last;
  EXPECT_EQ(s.nodes.size(), 5u);
  ASSERT_NE(s.ring, nullptr);
  EXPECT_EQ(s.ring->entries().size(), 5u * 16u);
  EXPECT_EQ(s.seed, 42u);
  EXPECT_FALSE(s.playing);
  EXPECT_GT(s.operationsCompleted, 1000u);
  EXPECT_EQ(rec.samples, 8u);  // 2 s of 250 ms intervals
  double share = 0;
  for (const NodeInfo& n : s.nodes) {
    EXPECT_EQ(n.state, NodeDisplayState::kUp);
    share += n.primaryShare;
  }
  EXPECT_NEAR(share, 1.0, 1e-9);
}

TEST(SimulationFeedTest, TheInspectedNodesOpinionOfEachPeerComesWithTheSnapshotsAndOnlyForIt) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  runSteadyStateWithN2CrashedAtOneSecond(feed, rec);
  const FeedSnapshot& s = rec.last;
  EXPECT_EQ(s.detection, DetectionProtocol::kPhiAccrual);
  // n1 (inspected by default) judges its four peers with phi; the others' opinions are only their doubts.
  ASSERT_EQ(s.nodes[0].peers.size(), 4u);
  EXPECT_EQ(s.nodes[0].peers[0].peer, 1u);
  EXPECT_EQ(s.nodes[0].peers[0].verdict, NodeState::kDown);
  EXPECT_GT(s.nodes[0].peers[0].phi, 8.0);
  EXPECT_LT(s.nodes[0].peers[1].phi, 4.0);
  EXPECT_TRUE(s.nodes[0].peersListed);
  for (NodeId id = 1; id < s.nodes.size(); ++id) {
    EXPECT_TRUE(s.nodes[id].peers.empty()) << "n" << id + 1;
    EXPECT_FALSE(s.nodes[id].peersListed) << "n" << id + 1;
  }
  for (NodeId id : {0u, 2u, 3u, 4u}) {
    EXPECT_TRUE(s.nodes[id].judged);
    EXPECT_EQ(s.nodes[id].verdictOn(1), NodeState::kDown) << "n" << id + 1;
    EXPECT_EQ(s.nodes[id].doubts.size(), 1u) << "n" << id + 1;
  }
  // Inspecting n3 moves the detail there at once, without running on.
  feed.setInspectedNode(2);
  ASSERT_TRUE(testing::waitFor([&] { return !rec.last.nodes[2].peers.empty(); }));
  EXPECT_TRUE(rec.last.nodes[0].peers.empty());
  EXPECT_TRUE(rec.last.nodes[2].peersListed);
  EXPECT_FALSE(rec.last.nodes[0].peersListed);
  EXPECT_EQ(rec.last.nowNs, Duration(seconds(6)).count());
}

TEST(SimulationFeedTest, UnderSwimTheInspectorListsThePeersSomeNewsWasAbout) {
  testing::app();
  auto spec = parseScenario(R"(name: SWIM crash
seed: 3
duration: 30s
cluster:
  nodes: 12
  mechanisms: {failure_detector: {protocol: swim}}
workload: {rate: 50/s}
timeline:
  - {at: 1s, crash: n5}
)",
                            "swim-crash.yaml");
  ASSERT_TRUE(spec.isOk()) << spec.status().message();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  feed.load(std::move(spec).value(), false);
  rec.runTo(feed, seconds(25));
  const FeedSnapshot& s = rec.last;
  EXPECT_EQ(s.detection, DetectionProtocol::kSwim);
  EXPECT_EQ(s.nodes[4].state, NodeDisplayState::kDown);
  EXPECT_EQ(s.nodes[4].suspectedBy, 11u);
  // n1 knows n5 is dead; peers nobody spread news about are not listed (up at incarnation 0).
  const auto& peers = s.nodes[0].peers;
  const auto n5 = std::find_if(peers.begin(), peers.end(), [](const PeerOpinion& p) { return p.peer == 4; });
  ASSERT_NE(n5, peers.end());
  EXPECT_EQ(n5->verdict, NodeState::kDown);
  EXPECT_EQ(n5->deathDueNs, -1);
  EXPECT_LT(peers.size(), 11u);
  for (const PeerOpinion& p : peers) EXPECT_EQ(p.phi, 0.0);
}

TEST(InspectorPanelTest, UnderSwimThePeerTableShowsIncarnationsAndSuspicionsAndCountsTheRest) {
  testing::app();
  SimulationFeed feed;  // nothing loaded: the panel reads only the snapshot given
  InspectorPanel panel(feed);
  panel.resize(400, 500);
  panel.show();
  FeedSnapshot s;
  s.nowNs = Duration(seconds(10)).count();
  s.detection = DetectionProtocol::kSwim;
  s.nodes.resize(5);
  for (NodeId i = 0; i < 5; ++i) {
    s.nodes[i].id = i;
    s.nodes[i].judged = true;
  }
  s.nodes[0].peers = {PeerOpinion{2, NodeState::kSuspect, 0.0, 3, Duration(seconds(12)).count() + 500'000'000},
                      PeerOpinion{3, NodeState::kDown, 0.0, 1, -1}};
  s.nodes[0].peersListed = true;
  panel.setSnapshot(s);
  const auto tables = panel.findChildren<QTableWidget*>();
  const auto peers = std::find_if(tables.begin(), tables.end(), [](QTableWidget* t) {
    return t->columnCount() == 4 && t->horizontalHeaderItem(2)->text() == "Incarnation";
  });
  ASSERT_NE(peers, tables.end()) << "no SWIM peer table";
  ASSERT_EQ((*peers)->rowCount(), 2);
  EXPECT_EQ((*peers)->item(0, 0)->text(), "n3");
  EXPECT_EQ((*peers)->item(0, 1)->text(), "suspect");
  EXPECT_EQ((*peers)->item(0, 2)->text(), "3");
  EXPECT_EQ((*peers)->item(0, 3)->text(), "dead in 2.5 s unless refuted");
  EXPECT_EQ((*peers)->item(1, 3)->text(), "");
  bool counted = false;
  for (QLabel* label : panel.findChildren<QLabel*>()) {
    counted =
        counted || (label->isVisible() && label->text() == "2 other peers: up at incarnation 0, no news about them.");
  }
  EXPECT_TRUE(counted) << "the peers with no news are not counted";
  // Phi accrual: the phi column again, for every peer listed.
  s.detection = DetectionProtocol::kPhiAccrual;
  s.nodes[0].peers = {PeerOpinion{1, NodeState::kUp, 0.5, 0, -1}};
  panel.setSnapshot(s);
  EXPECT_EQ((*peers)->columnCount(), 3);
  EXPECT_EQ((*peers)->horizontalHeaderItem(1)->text(), "phi");
  EXPECT_EQ((*peers)->item(0, 1)->text(), "0.50");
  // A snapshot that does not carry the node's opinions yet (the inspection just moved): an empty table that says so,
  // not a stale one.
  s.nodes[0].peersListed = false;
  panel.setSnapshot(s);
  EXPECT_EQ((*peers)->rowCount(), 0);
  bool waiting = false;
  for (QLabel* label : panel.findChildren<QLabel*>()) {
    waiting = waiting || (label->isVisible() && label->text() == "Reading n1's opinion of its peers…");
  }
  EXPECT_TRUE(waiting);
}

TEST(SimulationFeedTest, TheRunsReportShowsStalenessPerTimelinePhase) {
  testing::app();
  auto spec = parseScenario(R"(name: Two quorum phases
seed: 5
duration: 2s
cluster: {nodes: 5, replication: {n: 3, r: 1, w: 1}}
network: {latency: {dist: exponential, mean: 2ms}}
workload: {rate: 3000/s, read_ratio: 0.7, keys: {count: 20}}
timeline:
  - {at: 1s, quorum: {r: 2, w: 2}}
)",
                            "two-phases.yaml");
  ASSERT_TRUE(spec.isOk()) << spec.status().message();
  SimulationFeed feed;
  QString report;
  QObject::connect(&feed, &ClusterFeed::runFinished, &feed, [&](const QString& text, bool) { report = text; });
  feed.load(std::move(spec).value(), /*play=*/false);
  feed.runToBlocking(TimePoint{seconds(2)});
  ASSERT_TRUE(testing::waitFor([&] { return !report.isEmpty(); })) << "no report after the run";
  EXPECT_TRUE(report.contains("Staleness by phase")) << report.toStdString();
  EXPECT_TRUE(report.contains("0s-1s")) << report.toStdString();
  EXPECT_TRUE(report.contains("1s-2s")) << report.toStdString();
  EXPECT_TRUE(report.contains("quorum R=2 W=2")) << report.toStdString();
  EXPECT_TRUE(report.contains("P(fresh) first reaches 99.9%")) << report.toStdString();
}

TEST(SimulationFeedTest, ACrashFromTheUiReachesTheEngineAndIsLogged) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  runSteadyStateWithN2CrashedAtOneSecond(feed, rec);
  bool running = true;
  feed.inspectBlocking([&](ScenarioRunner* runner) { running = runner->simulation().isRunning(1); });
  EXPECT_FALSE(running);
  EXPECT_EQ(rec.last.nodes[1].state, NodeDisplayState::kDown);
  EXPECT_EQ(rec.last.nodes[1].suspectedBy, 4u);  // every running peer's detector noticed
  // The crash detection chart: no verdict before the crash, then the four running nodes' down verdicts, one by one.
  ASSERT_EQ(rec.sampleList.size(), 24u);
  EXPECT_EQ(rec.sampleList[3].crashDownVerdicts, 0);  // at 1 s
  EXPECT_EQ(rec.sampleList[3].runningNodes, 5);
  EXPECT_EQ(rec.sampleList[4].runningNodes, 4);
  EXPECT_EQ(rec.sampleList.back().crashDownVerdicts, 4);
  EXPECT_TRUE(std::is_sorted(
      rec.sampleList.begin(), rec.sampleList.end(),
      [](const MetricsSample& a, const MetricsSample& b) { return a.crashDownVerdicts < b.crashDownVerdicts; }));
  ASSERT_EQ(rec.actions.size(), 1u);
  EXPECT_EQ(rec.actions[0].description, "crash n2");
  EXPECT_TRUE(rec.marks.contains("n2 crashed")) << rec.marks.join(" | ").toStdString();
  EXPECT_GT(rec.messages, 1000u);
  EXPECT_EQ(rec.actions[0].atNs, std::chrono::nanoseconds(seconds(1)).count());

  feed.apply(CrashAction{1});  // refused: already down
  ASSERT_TRUE(testing::waitFor([&] { return !rec.problems.isEmpty(); }));
  EXPECT_TRUE(rec.problems.first().contains("already down"));
  EXPECT_EQ(rec.actions.size(), 1u);
}

TEST(SimulationFeedTest, RestartingWithTheSameSeedReproducesTheRun) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  feed.load(shipped("steady-state"), false);
  rec.runTo(feed, milliseconds(1500));
  const std::uint64_t first = rec.last.traceHash;
  feed.restart();
  ASSERT_TRUE(testing::waitFor([&] { return rec.last.nowNs == 0; }));
  rec.runTo(feed, milliseconds(1500));
  EXPECT_EQ(rec.last.traceHash, first);
  feed.restart(std::uint64_t{1234});
  ASSERT_TRUE(testing::waitFor([&] { return rec.last.seed == 1234; }));
  rec.runTo(feed, milliseconds(1500));
  EXPECT_NE(rec.last.traceHash, first);
}

TEST(SimulationFeedTest, ASavedRunReplaysTheManualActionsExactly) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  const ScenarioSpec original = shipped("steady-state");
  feed.load(original, false, std::uint64_t{5});
  rec.runTo(feed, milliseconds(800));
  feed.apply(CrashAction{2});
  rec.runTo(feed, milliseconds(1700));
  PartitionAction split;
  split.groups = {{0, 1}, {3, 4}};
  feed.apply(split);
  rec.runTo(feed, milliseconds(2300));
  feed.apply(RestartAction{2, false});
  feed.apply(HealAction{});
  rec.runTo(feed, seconds(3));
  ASSERT_EQ(rec.actions.size(), 4u);

  // Written out and read back as a scenario file, the run is the same run.
  const ScenarioSpec withActions = scenarioWithActions(*rec.spec, rec.actions, rec.last.seed);
  auto reparsed = parseScenario(writeScenario(withActions), "replay.yaml");
  ASSERT_TRUE(reparsed.isOk()) << reparsed.status().message();
  ScenarioRunner replay(std::move(reparsed).value());
  replay.runUntil(TimePoint{seconds(3)});
  EXPECT_EQ(replay.simulation().traceHash(), rec.last.traceHash);
}

TEST(SimulationFeedTest, TravellingBackReplaysTheSameStateAndActingThereForksTheRun) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  std::vector<std::pair<qint64, int>> rewinds;
  QObject::connect(&feed, &ClusterFeed::rewound, &feed,
                   [&](qint64 at, const QVector<LoggedAction>& kept) { rewinds.emplace_back(at, kept.size()); });
  feed.load(shipped("steady-state"), false, std::uint64_t{5});
  rec.runTo(feed, seconds(1));
  feed.apply(CrashAction{2});
  rec.runTo(feed, seconds(2));
  const std::uint64_t at2 = rec.last.traceHash;
  rec.runTo(feed, seconds(3));
  const std::uint64_t at3 = rec.last.traceHash;
  feed.apply(RestartAction{2, false});
  rec.runTo(feed, seconds(4));

  // Back to 2 s: the same state as the first time there; the restart at 3 s is forgotten.
  feed.seek(TimePoint{seconds(2)});
  ASSERT_TRUE(
      testing::waitFor([&] { return !rewinds.empty() && rec.last.nowNs == seconds(2).count() * 1'000'000'000; }));
  EXPECT_EQ(rewinds.back(), std::make_pair(qint64{2'000'000'000}, 1));
  EXPECT_EQ(rec.last.traceHash, at2);
  EXPECT_EQ(rec.last.nodes[2].state, NodeDisplayState::kDown);
  // Forward again to 3 s: the same state again.
  feed.seek(TimePoint{seconds(3)});
  ASSERT_TRUE(testing::waitFor([&] { return rec.last.nowNs == 3'000'000'000; }));
  EXPECT_EQ(rec.last.traceHash, at3);
  // A different action from here forks the run: n3 stays down and n1 goes down too.
  feed.apply(CrashAction{0});
  rec.runTo(feed, seconds(4));
  bool n1Running = true;
  bool n3Running = true;
  feed.inspectBlocking([&](ScenarioRunner* runner) {
    n1Running = runner->simulation().isRunning(0);
    n3Running = runner->simulation().isRunning(2);
  });
  EXPECT_FALSE(n1Running);
  EXPECT_FALSE(n3Running);
}

TEST(SimulationFeedTest, AStepBackLandsOnASpareParkedThereWithTheSameState) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  int rewinds = 0;
  QStringList replays;
  QObject::connect(&feed, &ClusterFeed::rewound, &feed, [&](qint64, const QVector<LoggedAction>&) { ++rewinds; });
  QObject::connect(&feed, &ClusterFeed::progress, &feed, [&](const QString& what, double) {
    if (!what.isEmpty()) replays << what;
  });
  feed.load(shipped("steady-state"), false, std::uint64_t{5});
  rec.runTo(feed, seconds(1));
  feed.apply(CrashAction{2});
  rec.runTo(feed, seconds(2));
  const std::uint64_t at2 = rec.last.traceHash;
  rec.runTo(feed, seconds(3));
  const std::uint64_t at3 = rec.last.traceHash;
  rec.runTo(feed, seconds(4));
  // Paused at 4 s: spares are replayed in the background and parked at 3 s and 2 s.
  ASSERT_TRUE(testing::waitFor(
      [&] {
        QVector<qint64> parked = feed.parkedSparesBlocking();
        std::sort(parked.begin(), parked.end());
        return parked == QVector<qint64>{2'000'000'000, 3'000'000'000};
      },
      60'000));
  feed.seek(TimePoint{seconds(3)});
  ASSERT_TRUE(testing::waitFor([&] { return rewinds == 1 && rec.last.nowNs == 3'000'000'000; }));
  EXPECT_EQ(rec.last.traceHash, at3) << "the spare is the same run";
  EXPECT_EQ(rec.last.nodes[2].state, NodeDisplayState::kDown) << "the manual crash at 1 s is replayed";
  feed.seek(TimePoint{seconds(2)});
  ASSERT_TRUE(testing::waitFor([&] { return rewinds == 2 && rec.last.nowNs == 2'000'000'000; }));
  EXPECT_EQ(rec.last.traceHash, at2);
  EXPECT_TRUE(replays.isEmpty()) << "no step replayed from time zero: " << replays.join(", ").toStdString();
}

TEST(SimulationFeedTest, TheKeyInspectorShowsEachReplicasVersionAndTheKeysHistory) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  feed.load(shipped("steady-state"), false);
  rec.runTo(feed, seconds(2));
  std::optional<KeyInspection> inspection;
  Version lastAcked;
  feed.inspectBlocking([&](ScenarioRunner* runner) {
    // The key of the last successful put so far.
    const auto& history = runner->history();
    auto put = std::find_if(history.rbegin(), history.rend(), [](const HistoryEntry& e) {
      return e.op == Operation::kPut && e.result == ErrorCode::kOk;
    });
    ASSERT_NE(put, history.rend());
    lastAcked = put->version;
    inspection = inspectKey(*runner, put->key);
  });
  ASSERT_TRUE(inspection.has_value());
  ASSERT_EQ(inspection->copies.size(), 5u);  // N = 3 replicas and 2 fallbacks
  std::size_t holding = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(inspection->copies[i].fallback);
    if (inspection->copies[i].record) ++holding;
  }
  EXPECT_GE(holding, 2u);  // W = 2 acknowledged it
  EXPECT_TRUE(inspection->copies[3].fallback);
  bool newestIsTheWrite = false;
  for (const auto& c : inspection->copies) {
    if (c.newest) newestIsTheWrite = newestIsTheWrite || !(c.record->version < lastAcked);
  }
  EXPECT_TRUE(newestIsTheWrite);
  EXPECT_GE(inspection->operations, 1u);
  ASSERT_FALSE(inspection->recent.empty());
  EXPECT_EQ(inspection->recent.back().key, inspection->key);
}

TEST(SimulationFeedTest, PlayingAdvancesVirtualTimeAndPauseStopsIt) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  feed.load(shipped("steady-state"), false);
  ASSERT_TRUE(testing::waitFor([&] { return rec.spec != nullptr; }));
  feed.setSpeed(0);  // as fast as possible
  feed.play();
  ASSERT_TRUE(testing::waitFor([&] { return rec.last.playing && rec.last.nowNs > milliseconds(300).count(); }));
  feed.pause();
  ASSERT_TRUE(testing::waitFor([&] { return !rec.last.playing; }));
  const std::int64_t stopped = rec.last.nowNs;
  testing::waitFor([] { return false; }, 200);
  EXPECT_EQ(rec.last.nowNs, stopped);
}

// Clicking a coordinator fiber of a real run says what it waited for: the replies to its own request, with the
// request's operation and key.
TEST(SimulationFeedTest, AFibersSummaryNamesWhatItWaitedFor) {
  testing::app();
  SimulationFeed feed;
  FeedRecorder rec(feed);
  FiberView view;
  view.resize(1200, 500);
  QObject::connect(&feed, &ClusterFeed::snapshotReady, &view, [&view](const FeedSnapshot& s) { view.setSnapshot(s); });
  feed.load(shipped("crash-hinted-handoff"), false);
  rec.runTo(feed, milliseconds(2500));
  std::optional<std::uint64_t> coordinator;
  for (std::uint64_t id = 1; id < 200'000 && !coordinator; ++id) {
    const auto summary = view.summarize(id);
    if (summary && summary->fiber.role == FiberRole::kCoordinator &&
        summary->byKind[static_cast<std::size_t>(WaitKind::kReplies)].count > 0) {
      coordinator = id;
    }
  }
  ASSERT_TRUE(coordinator.has_value()) << "no coordinator fiber waited for replies";
  const auto summary = view.summarize(*coordinator);
  const WaitFor longest = summary->byKind[static_cast<std::size_t>(WaitKind::kReplies)].longest;
  EXPECT_NE(longest.requestId, 0u);
  const QString text = view.summaryText(*coordinator);
  EXPECT_TRUE(text.contains(QStringLiteral("replies to request %1").arg(longest.requestId))) << text.toStdString();
  // The request's key is named ("... (put "key-17")"): the view saw the request complete.
  EXPECT_TRUE(text.contains(QStringLiteral("(get \"")) || text.contains(QStringLiteral("(put \"")) ||
              text.contains(QStringLiteral("(delete \"")))
      << text.toStdString();
  view.setNode(summary->fiber.node);
  view.selectFiber(*coordinator);
  view.setWindow(std::max<std::int64_t>(0, summary->fiber.startNs - 2'000'000), summary->fiber.startNs + 18'000'000);
  const QImage image = view.grab().toImage();
  EXPECT_FALSE(image.isNull());
  if (const QByteArray dir = qgetenv("RINGLAB_TEST_SCREENSHOTS"); !dir.isEmpty()) {
    image.save(QString::fromUtf8(dir) + QStringLiteral("/fiber-wait.png"));
  }
}

}  // namespace
}  // namespace ringlab
