// LoadGenerator against real single-node ringlabd processes on loopback: the rate it reaches, latency figures, a
// killed node, a rate change, and its bound on operations in flight. Skipped where ringlabd is not built.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <QThread>

#include <ringlab/ui/load_generator.h>

#include "qt_test_support.h"

#ifdef RINGLAB_RINGLABD_PATH
#define RINGLABD_PATH RINGLAB_RINGLABD_PATH
#else
#define RINGLABD_PATH ""
#endif
#include "../net/harness.h"

namespace ringlab {
namespace {

// Nodes that each stand alone (N = R = W = 1): the generator does not care whether its targets form one cluster.
class LoadGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::app();
    if (std::string(RINGLABD_PATH).empty()) GTEST_SKIP() << "ringlabd is not built (RINGLAB_BUILD_NET is off)";
    QObject::connect(&generator, &LoadGenerator::statsReady, [this](const LoadStats& s) { stats.push_back(s); });
    QObject::connect(&generator, &LoadGenerator::problem, [this](const QString& p) { problems << p; });
  }

  testing::NodeProcess& startNode(const std::string& name) {
    nodes.push_back(std::make_unique<testing::NodeProcess>(
        name, dir.sub(name), std::vector<std::string>{"--storage", "memory", "--n", "1", "--r", "1", "--w", "1"}));
    nodes.back()->start();
    EXPECT_TRUE(nodes.back()->waitServing()) << "see " << nodes.back()->logPath();
    return *nodes.back();
  }

  LoadConfig config(double rate) const {
    LoadConfig c;
    for (const auto& n : nodes) {
      c.targets.push_back(
          {QString::fromStdString(n->name()), QStringLiteral("127.0.0.1"), static_cast<quint16>(n->clientPort())});
    }
    c.opsPerSecond = rate;
    c.readFraction = 0.5;
    c.keys = KeyDistribution::zipfian(500, 0.99);
    c.seed = 11;
    return c;
  }

  // Runs the event loop for `ms` and returns the stats that arrived meanwhile.
  std::vector<LoadStats> collect(int ms) {
    const std::size_t from = stats.size();
    testing::waitFor([] { return false; }, ms);
    return {stats.begin() + static_cast<std::ptrdiff_t>(from), stats.end()};
  }

  static std::uint64_t total(const std::vector<LoadStats>& s, std::uint64_t (*field)(const LoadStats&)) {
    std::uint64_t sum = 0;
    for (const LoadStats& x : s) sum += field(x);
    return sum;
  }
  static double seconds(const std::vector<LoadStats>& s) {
    double sum = 0;
    for (const LoadStats& x : s) sum += x.intervalSeconds;
    return sum;
  }

  QApplication& m_app = testing::app();  // before any QObject
  testing::TempDir dir{"ringlab-load"};
  std::vector<std::unique_ptr<testing::NodeProcess>> nodes;
  std::vector<LoadStats> stats;
  QStringList problems;
  LoadGenerator generator;  // destroyed first: its handlers write to the members above
};

std::uint64_t completedOf(const LoadStats& s) { return s.totalCompleted(); }
std::uint64_t errorsOf(const LoadStats& s) { return s.errors; }
std::uint64_t skippedOf(const LoadStats& s) { return s.skipped; }

// On an injected clock the generator issues exactly the rate times the time that passed, and every latency is the
// time the clock moved while the reply was on its way: no figure depends on how fast the machine is.
TEST_F(LoadGeneratorTest, ReachesTheTargetRateWithLatencyFigures) {
  startNode("n1");
  qint64 nowNs = 0;
  LoadGenerator paced(nullptr, [&nowNs] { return nowNs; });
  std::vector<LoadStats> s;
  QObject::connect(&paced, &LoadGenerator::statsReady, [&s](const LoadStats& x) { s.push_back(x); });
  paced.start(config(500));
  ASSERT_TRUE(paced.isRunning());
  // Both connections up before the clock starts moving (figures at the same instant cover no time).
  ASSERT_TRUE(testing::waitFor([&] {
    paced.emitStatsNow();
    return !s.empty() && s.back().nodes.at(0).connectionsUp == 2;
  }));
  s.clear();
  constexpr qint64 kTickNs = 5'000'000;
  constexpr int kTicksPerInterval = 50;  // 250 ms
  constexpr int kIntervals = 8;          // 2 s
  for (int interval = 0; interval < kIntervals; ++interval) {
    for (int t = 0; t < kTicksPerInterval; ++t) {
      paced.tickNow();
      nowNs += kTickNs;
      // Every reply arrives before the clock moves again: each latency is one tick.
      ASSERT_TRUE(testing::waitFor([&] { return paced.outstanding() == 0; }, 5000));
    }
    paced.emitStatsNow();
  }
  ASSERT_EQ(s.size(), std::size_t(kIntervals));
  const std::uint64_t completed = total(s, completedOf);
  // The first tick (at 0) issues nothing and the last one runs 5 ms before the end: 1.995 s of operations.
  EXPECT_NEAR(double(completed), 500 * 1.995, 1.0) << completed << " ops in 2 s of the injected clock";
  EXPECT_EQ(total(s, errorsOf), 0u) << s.back().lastError.toStdString();
  EXPECT_EQ(total(s, skippedOf), 0u);
  std::uint64_t gets = 0, puts = 0;
  for (const LoadStats& x : s) {
    EXPECT_DOUBLE_EQ(x.intervalSeconds, 0.25);
    EXPECT_EQ(x.targetOpsPerSecond, 500);
    EXPECT_EQ(x.outstanding, 0u);
    gets += x.completed[0];
    puts += x.completed[1];
    EXPECT_EQ(x.completed[2], 0u);
    for (std::size_t op : {0, 1}) {
      if (x.completed[op] == 0) continue;
      EXPECT_DOUBLE_EQ(x.p50Ms[op], 5.0) << "op " << op;
      EXPECT_DOUBLE_EQ(x.p999Ms[op], 5.0) << "op " << op;
    }
  }
  EXPECT_EQ(gets + puts, completed);
  EXPECT_GT(gets, completed / 4);  // half of them, loosely
  EXPECT_GT(puts, completed / 4);
  ASSERT_EQ(s.back().nodes.size(), 1u);
  EXPECT_EQ(s.back().nodes[0].name, "n1");
  EXPECT_EQ(s.back().nodes[0].state, LoadNodeState::kConnected);
  EXPECT_EQ(s.back().nodes[0].connectionsUp, 2);
  // The keys it wrote are there, under its prefix.
  testing::RespClient check(nodes[0]->clientPort());
  EXPECT_GT(check.command({"DBSIZE"}).integer, 0);
  paced.stop();
  EXPECT_FALSE(paced.isRunning());
  const std::size_t before = s.size();
  paced.tickNow();
  paced.emitStatsNow();
  EXPECT_EQ(s.size(), before) << "a stopped generator emits nothing";
  EXPECT_TRUE(problems.isEmpty());
}

TEST_F(LoadGeneratorTest, AKilledNodeIsReportedUnreachableWhileTheOthersKeepGoing) {
  startNode("n1");
  startNode("n2");
  generator.start(config(400));
  auto s = collect(750);
  ASSERT_FALSE(s.empty());
  ASSERT_EQ(s.back().nodes.size(), 2u);
  EXPECT_EQ(s.back().nodes[1].state, LoadNodeState::kConnected);

  nodes[1]->kill9();
  collect(500);
  s = collect(750);
  ASSERT_FALSE(s.empty());
  const LoadNodeStats& n2 = s.back().nodes[1];
  EXPECT_EQ(n2.state, LoadNodeState::kUnreachable);
  EXPECT_EQ(n2.connectionsUp, 0);
  EXPECT_TRUE(n2.lastError.startsWith(QStringLiteral("n2 at 127.0.0.1:%1: ").arg(nodes[1]->clientPort())))
      << n2.lastError.toStdString();
  EXPECT_EQ(s.back().nodes[0].state, LoadNodeState::kConnected);
  // All traffic goes to n1 now, at the full rate.
  EXPECT_GE(double(total(s, completedOf)), 0.4 * 400 * seconds(s));
  for (const LoadStats& x : s) EXPECT_EQ(x.nodes[1].completed, 0u);

  // With no node left, every operation due is skipped, and nothing piles up.
  nodes[0]->kill9();
  collect(500);
  s = collect(750);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(total(s, completedOf), 0u);
  EXPECT_GE(double(total(s, skippedOf)), 0.8 * 400 * seconds(s));
  EXPECT_EQ(s.back().outstanding, 0u);
  EXPECT_EQ(s.back().nodes[0].state, LoadNodeState::kUnreachable);
  EXPECT_TRUE(s.back().nodes[0].lastError.endsWith(": connection refused"))
      << s.back().nodes[0].lastError.toStdString();

  // A node that comes back is used again (its first retries are 0.25 s and 0.5 s apart; by now at most 2 s).
  nodes[0]->start();
  ASSERT_TRUE(nodes[0]->waitServing());
  ASSERT_TRUE(testing::waitFor([&] { return !stats.empty() && stats.back().totalCompleted() > 0; }, 8000));
  EXPECT_EQ(stats.back().nodes[0].state, LoadNodeState::kConnected);
}

TEST_F(LoadGeneratorTest, ARateChangeTakesEffectWithoutReconnecting) {
  startNode("n1");
  generator.start(config(100));
  auto slow = collect(1000);
  const std::string connectionsBefore = nodes[0]->info("total_connections_received");
  generator.setConfig(config(1500));
  collect(250);
  auto fast = collect(1000);
  const double slowRate = double(total(slow, completedOf)) / seconds(slow);
  const double fastRate = double(total(fast, completedOf)) / seconds(fast);
  EXPECT_GE(slowRate, 40);
  EXPECT_LE(slowRate, 150);
  EXPECT_GE(fastRate, 600);
  EXPECT_EQ(fast.back().targetOpsPerSecond, 1500);
  // The connections were kept: the node saw one new connection since, the one asking it.
  ASSERT_FALSE(connectionsBefore.empty());
  EXPECT_EQ(std::stoll(nodes[0]->info("total_connections_received")), std::stoll(connectionsBefore) + 1);

  LoadConfig stopped = config(0);
  generator.setConfig(stopped);
  collect(300);
  const auto idle = collect(750);
  ASSERT_FALSE(idle.empty());
  EXPECT_EQ(total(idle, completedOf), 0u);
  EXPECT_EQ(idle.back().nodes[0].state, LoadNodeState::kConnected);
}

TEST_F(LoadGeneratorTest, AnOverloadedConnectionSkipsOperationsInsteadOfQueueing) {
  startNode("n1");
  LoadConfig c = config(LoadConfig::kMaxOpsPerSecond);
  c.connectionsPerNode = 1;
  c.maxOutstandingPerConnection = 1;
  c.valueBytes = 4096;
  generator.start(c);
  const auto s = collect(1000);
  ASSERT_FALSE(s.empty());
  EXPECT_GT(total(s, skippedOf), 0u);
  EXPECT_GT(total(s, completedOf), 0u);
  for (const LoadStats& x : s) EXPECT_LE(x.outstanding, 1u);
}

TEST_F(LoadGeneratorTest, AnInvalidConfigIsRefusedNamingTheField) {
  LoadConfig c;
  generator.start(c);
  EXPECT_FALSE(generator.isRunning());
  ASSERT_EQ(problems.size(), 1);
  EXPECT_TRUE(problems[0].contains("targets")) << problems[0].toStdString();
  c.targets.push_back({QStringLiteral("n1"), QStringLiteral("127.0.0.1"), 1});
  c.readFraction = 0.7;
  c.deleteFraction = 0.5;
  EXPECT_TRUE(c.validate().contains("readFraction + deleteFraction")) << c.validate().toStdString();
  c.deleteFraction = 0.1;
  c.opsPerSecond = 1e6;
  EXPECT_TRUE(c.validate().contains("opsPerSecond")) << c.validate().toStdString();
  c.opsPerSecond = 10;
  EXPECT_TRUE(c.validate().isEmpty()) << c.validate().toStdString();
}

TEST_F(LoadGeneratorTest, DeletesFollowTheDeleteFractionOnAWorkerThread) {
  startNode("n1");
  // The generator lives on its own thread; stats come back queued to this one.
  QThread worker;
  auto* remote = new LoadGenerator;
  remote->moveToThread(&worker);
  QObject::connect(&worker, &QThread::finished, remote, &QObject::deleteLater);
  std::vector<LoadStats> got;
  QObject context;
  QObject::connect(remote, &LoadGenerator::statsReady, &context, [&](const LoadStats& s) { got.push_back(s); });
  worker.start();
  LoadConfig c = config(600);
  c.readFraction = 0.2;
  c.deleteFraction = 0.4;
  QMetaObject::invokeMethod(remote, [remote, c] { remote->start(c); });
  ASSERT_TRUE(testing::waitFor([&] { return got.size() >= 5; }, 5000));
  std::array<std::uint64_t, 3> byOp{};
  for (const LoadStats& s : got) {
    for (std::size_t i = 0; i < 3; ++i) byOp[i] += s.completed[i];
  }
  const double all = double(byOp[0] + byOp[1] + byOp[2]);
  ASSERT_GT(all, 100);
  EXPECT_NEAR(double(byOp[0]) / all, 0.2, 0.1);
  EXPECT_NEAR(double(byOp[2]) / all, 0.4, 0.1);
  EXPECT_GT(got.back().p50Ms[2], 0);
  QMetaObject::invokeMethod(
      remote, [remote] { remote->stop(); }, Qt::BlockingQueuedConnection);
  worker.quit();
  worker.wait();
}

}  // namespace
}  // namespace ringlab
