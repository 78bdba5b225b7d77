// The app connected to a real 3-node ringlabd cluster on loopback: the remote feed discovers the three members and
// their tokens, events and metrics flow into its snapshots, a killed node turns unreachable and recovers when it is
// restarted, faults are refused without --allow-fault-injection, and the main window renders the live cluster.
// Skipped where ringlabd is not built.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <QJsonArray>
#include <QJsonObject>

#include <ringlab/ui/live_panel.h>
#include <ringlab/ui/main_window.h>
#include <ringlab/ui/recording_feed.h>
#include <ringlab/ui/remote_feed.h>

#include "qt_test_support.h"

#ifdef RINGLAB_RINGLABD_PATH
#define RINGLABD_PATH RINGLAB_RINGLABD_PATH
#else
#define RINGLABD_PATH ""
#endif
#include "../net/harness.h"

namespace ringlab {
namespace {

class LiveClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(RINGLABD_PATH).empty()) GTEST_SKIP() << "ringlabd is not built";
    for (const char* name : {"n1", "n2", "n3"}) {
      std::vector<std::string> extra{"--storage", "memory"};
      if (std::string(name) != "n3") extra.push_back("--allow-fault-injection");
      nodes.push_back(std::make_unique<testing::NodeProcess>(name, dir.sub(name), extra));
    }
    ASSERT_TRUE(nodes[0]->start()) << "see " << nodes[0]->logPath();
    nodes[1]->setSeeds(nodes[0]->peerAddress());
    nodes[2]->setSeeds(nodes[0]->peerAddress());
    for (std::size_t i = 1; i < nodes.size(); ++i) nodes[i]->start();
    for (auto& n : nodes) ASSERT_TRUE(n->waitServing()) << "see " << n->logPath();
  }

  RemoteTarget target() const {
    RemoteTarget t;
    t.host = QStringLiteral("127.0.0.1");
    t.adminPort = nodes[0]->adminPort();
    return t;
  }

  // Follows a feed's snapshots, keeping the last and counting what arrived.
  struct Watch {
    explicit Watch(RemoteFeed& feed) {
      QObject::connect(&feed, &ClusterFeed::snapshotReady, &feed, [this](const FeedSnapshot& s) {
        last = s;
        requests += s.newRequests.size();
        messages += s.newMessages.size();
        slices += s.newSlices.size();
        for (const MetricsSample& m : s.newSamples) {
          if (m.opsPerSecond[static_cast<std::size_t>(Operation::kPut)] > 0) ++busySamples;
        }
        for (const TimeMark& m : s.newMarks) marks << QString::fromStdString(m.text);
      });
      QObject::connect(&feed, &ClusterFeed::problem, &feed, [this](const QString& p) { problems << p; });
      QObject::connect(&feed, &ClusterFeed::actionLogged, &feed,
                       [this](const LoggedAction& a) { actions << a.description; });
    }
    FeedSnapshot last;
    std::size_t requests = 0;
    std::size_t messages = 0;
    std::size_t slices = 0;
    std::size_t busySamples = 0;
    QStringList marks;
    QStringList problems;
    QStringList actions;
  };

  void writeSome(int count) {
    testing::RespClient client(nodes[1]->clientPort());
    for (int i = 0; i < count; ++i) client.command({"SET", "key:" + std::to_string(i), "value"});
  }

  // Three members up, each with its 16 tokens (the default --vnodes) in the ring.
  bool allUp(const FeedSnapshot& s) const {
    if (s.nodes.size() != 3 || !s.ring || s.ring->entries().size() != 48) return false;
    for (const NodeInfo& n : s.nodes) {
      if (!n.running || n.state != NodeDisplayState::kUp) return false;
    }
    return true;
  }

  QApplication& m_app = testing::app();
  testing::TempDir dir{"ringlab-live"};
  std::vector<std::unique_ptr<testing::NodeProcess>> nodes;
};

TEST_F(LiveClusterTest, SeesTheMembersTheirTokensEventsAndMetrics) {
  RemoteFeed feed;
  Watch watch(feed);
  feed.connectTo(target());
  ASSERT_TRUE(testing::waitFor([&] { return allUp(watch.last); }, 15000)) << watch.problems.join('\n').toStdString();
  // The ring is the members' real tokens: 16 each (the default --vnodes).
  ASSERT_TRUE(watch.last.ring);
  EXPECT_EQ(watch.last.ring->entries().size(), 48u);
  for (const NodeInfo& n : watch.last.nodes) {
    EXPECT_EQ(n.tokens, 16u) << nodeName(n.id);
    EXPECT_GT(n.replicatedShare, 0.99) << "N = 3 on three nodes: each holds every key";
  }
  EXPECT_EQ(feed.members().size(), 3u);
  EXPECT_EQ(watch.last.quorum.n, 3u);

  // Writes through n2 show up as completed requests, messages between nodes, fiber slices and metric rates.
  ASSERT_TRUE(testing::waitFor(
      [&] {
        writeSome(50);
        return watch.requests > 0 && watch.messages > 0 && watch.slices > 0 && watch.busySamples > 0;
      },
      15000))
      << "requests " << watch.requests << ", messages " << watch.messages << ", slices " << watch.slices
      << ", samples with puts " << watch.busySamples;
  EXPECT_GT(watch.last.nodes[1].keys, 0u);
}

TEST_F(LiveClusterTest, AKilledNodeIsUnreachableAndRecoversWhenRestarted) {
  RemoteFeed feed;
  Watch watch(feed);
  feed.connectTo(target());
  ASSERT_TRUE(testing::waitFor([&] { return allUp(watch.last); }, 15000));
  nodes[2]->kill9();
  ASSERT_TRUE(testing::waitFor(
      [&] {
        const auto& m = feed.members();
        return watch.last.nodes.size() == 3 && watch.last.nodes[2].state == NodeDisplayState::kUnreachable &&
               m.size() == 3 && !m[2].reachable;
      },
      10000));
  EXPECT_FALSE(watch.last.nodes[2].running);
  EXPECT_TRUE(watch.marks.join('\n').contains(QStringLiteral("n3 unreachable")))
      << watch.marks.join('\n').toStdString();
  const auto n3 = std::find_if(feed.members().begin(), feed.members().end(),
                               [](const LiveMember& m) { return m.name == QLatin1String("n3"); });
  ASSERT_NE(n3, feed.members().end());
  EXPECT_FALSE(n3->reachable);
  EXPECT_FALSE(n3->lastError.isEmpty());

  nodes[2]->start();
  ASSERT_TRUE(nodes[2]->waitServing());
  ASSERT_TRUE(testing::waitFor([&] { return watch.last.nodes[2].running; }, 15000));
  EXPECT_NE(watch.last.nodes[2].state, NodeDisplayState::kUnreachable);
  EXPECT_TRUE(watch.marks.join('\n').contains(QStringLiteral("n3 reachable again")));
}

TEST_F(LiveClusterTest, FaultInjectionIsRefusedWithoutTheFlagAndSaysWhy) {
  RemoteFeed feed;
  Watch watch(feed);
  feed.connectTo(target());
  ASSERT_TRUE(testing::waitFor([&] { return allUp(watch.last); }, 15000));
  // n3 runs without --allow-fault-injection.
  feed.injectFault(QStringLiteral("n3"), QJsonObject{{QStringLiteral("action"), QStringLiteral("drop")},
                                                     {QStringLiteral("peers"), QJsonArray{QStringLiteral("n1")}}});
  ASSERT_TRUE(testing::waitFor([&] { return !watch.problems.isEmpty(); }, 10000));
  EXPECT_TRUE(watch.problems.join('\n').contains(QStringLiteral("--allow-fault-injection")))
      << watch.problems.join('\n').toStdString();
  // n1 allows it: a drop rule toward n2 shows as a cut link, and heal clears it.
  feed.injectFault(QStringLiteral("n1"), QJsonObject{{QStringLiteral("action"), QStringLiteral("drop")},
                                                     {QStringLiteral("peers"), QJsonArray{QStringLiteral("n2")}}});
  ASSERT_TRUE(testing::waitFor(
      [&] {
        for (const auto& [from, to] : watch.last.cutLinks)
          if (from == 0 && to == 1) return true;
        return false;
      },
      10000))
      << watch.problems.join('\n').toStdString();
  feed.apply(HealAction{});
  ASSERT_TRUE(testing::waitFor([&] { return watch.last.cutLinks.empty(); }, 10000));
}

TEST_F(LiveClusterTest, TheMainWindowShowsTheLiveClusterAndItsKeyConsoleWorks) {
  MainWindow window(/*restoreSettings=*/false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1600, 1000);
  window.show();
  window.connectToCluster(target());
  ASSERT_TRUE(window.live());
  ASSERT_TRUE(testing::waitFor([&] { return allUp(window.lastSnapshot()); }, 15000));
  // The key console sends through a member: SET then GET.
  ASSERT_NE(window.keyConsole(), nullptr);
  window.keyConsole()->setMembers(window.remoteFeed()->members());
  window.keyConsole()->run(QStringLiteral("n2"), QStringLiteral("SET"), QStringLiteral("user:1"),
                           QStringLiteral("ada"));
  // The GET goes through another member on another connection: only once the SET is acknowledged.
  ASSERT_TRUE(testing::waitFor([&] { return window.keyConsole()->log().contains(QStringLiteral("OK")); }, 10000))
      << window.keyConsole()->log().toStdString();
  window.keyConsole()->run(QStringLiteral("n3"), QStringLiteral("GET"), QStringLiteral("user:1"));
  ASSERT_TRUE(testing::waitFor([&] { return window.keyConsole()->log().contains(QStringLiteral("\"ada\"")); }, 10000))
      << window.keyConsole()->log().toStdString();
  // The load generator gives the charts something to show.
  window.livePanel()->setLoad(300, 0.5, KeyDistribution::uniform(100));
  ASSERT_TRUE(testing::waitFor([&] { return window.livePanel()->lastLoadStats().totalCompleted() > 0; }, 10000));
  testing::waitFor([] { return false; }, 1500);
  const QImage image = window.grabView(QStringLiteral("window")).toImage();
  ASSERT_FALSE(image.isNull());
  EXPECT_EQ(image.width(), 1600);
  if (const QByteArray out = qgetenv("RINGLAB_TEST_SCREENSHOTS"); !out.isEmpty()) {
    image.save(QString::fromUtf8(out) + QStringLiteral("/live-window.png"));
  }
  window.disconnectFromCluster();
  EXPECT_FALSE(window.live());
}

// A recorded live session opens in the same views, and going back and forth in it shows the same picture.
TEST_F(LiveClusterTest, ARecordedSessionReplaysTheClusterAndSeeksReproduceIt) {
  const std::string path = dir.sub("session.ringlab");
  {
    RemoteFeed feed;
    Watch watch(feed);
    feed.connectTo(target());
    ASSERT_TRUE(testing::waitFor([&] { return allUp(watch.last); }, 15000));
    ASSERT_TRUE(feed.startRecording(QString::fromStdString(path)).isEmpty());
    ASSERT_TRUE(testing::waitFor(
        [&] {
          writeSome(20);
          return watch.busySamples > 0;
        },
        15000));
    nodes[2]->kill9();
    ASSERT_TRUE(testing::waitFor([&] { return watch.last.nodes[2].state == NodeDisplayState::kUnreachable; }, 10000));
    feed.stopRecording();
  }
  RecordingFeed replay;
  std::vector<FeedSnapshot> seen;
  QObject::connect(&replay, &ClusterFeed::snapshotReady, &replay, [&](const FeedSnapshot& s) { seen.push_back(s); });
  ASSERT_TRUE(replay.open(QString::fromStdString(path)).isEmpty());
  ASSERT_GT(replay.durationNs(), 0);
  replay.seek(replay.durationNs());
  const FeedSnapshot end = seen.back();
  ASSERT_EQ(end.nodes.size(), 3u);
  ASSERT_TRUE(end.ring);
  EXPECT_EQ(end.ring->entries().size(), 48u);
  EXPECT_EQ(end.nodes[2].state, NodeDisplayState::kUnreachable);
  EXPECT_EQ(end.nodes[0].state, NodeDisplayState::kUp);
  // Back to the start and forward again: the same states, keys and counts.
  replay.seek(0);
  replay.seek(replay.durationNs());
  const FeedSnapshot again = seen.back();
  ASSERT_EQ(again.nodes.size(), end.nodes.size());
  for (std::size_t i = 0; i < end.nodes.size(); ++i) {
    EXPECT_EQ(again.nodes[i].state, end.nodes[i].state);
    EXPECT_EQ(again.nodes[i].keys, end.nodes[i].keys);
  }
  EXPECT_EQ(again.operationsCompleted, end.operationsCompleted);
  EXPECT_EQ(again.messagesDelivered, end.messagesDelivered);
  // Acting on a recording is refused with a reason.
  QStringList problems;
  QObject::connect(&replay, &ClusterFeed::problem, &replay, [&](const QString& p) { problems << p; });
  replay.apply(HealAction{});
  ASSERT_EQ(problems.size(), 1);
  EXPECT_TRUE(problems.front().contains(QStringLiteral("recording")));
}

}  // namespace
}  // namespace ringlab
