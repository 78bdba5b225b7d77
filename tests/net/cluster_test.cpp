// Real ringlabd processes on loopback: replication through redis-cli, failures under load, durability, and
// convergence after a restart.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "harness.h"

namespace ringlab::testing {
namespace {

// Three nodes seeded from the first, all seeing a ring of three members that are up.
struct Cluster {
  explicit Cluster(const TempDir& dir, std::vector<std::string> extra = {}) {
    // A generous request deadline: the assertions are about failures, not speed, and CI machines stall.
    extra.insert(extra.end(), {"--request-timeout-ms", "3000"});
    for (int i = 1; i <= 3; ++i) {
      nodes.push_back(std::make_unique<NodeProcess>("n" + std::to_string(i), dir.sub("n" + std::to_string(i)), extra));
    }
    // The first node binds ports the kernel picks; the others join through its peer port.
    nodes[0]->start();
    for (auto& node : nodes) node->setSeeds(nodes[0]->peerAddress());
    for (std::size_t i = 1; i < nodes.size(); ++i) nodes[i]->start();
  }
  bool formed() {
    for (auto& node : nodes) {
      if (!node->waitServing()) return false;
    }
    return eventually([&] {
      for (auto& node : nodes) {
        if (node->info("ring_members") != "3" || node->info("ring_members_up") != "3" ||
            node->info("ring_members_heard") != "3") {
          return false;
        }
      }
      return true;
    });
  }
  std::vector<std::unique_ptr<NodeProcess>> nodes;
};

std::string redisCli(int port, const std::string& args) {
  return shell("redis-cli -p " + std::to_string(port) + " " + args + " 2>&1");
}

TEST(ClusterTest, RedisCliSetOnOneNodeIsReadOnTheOthers) {
  TempDir dir("ringlabd-cluster");
  Cluster cluster(dir, {"--storage", "memory"});
  ASSERT_TRUE(cluster.formed());
  EXPECT_EQ(redisCli(cluster.nodes[0]->clientPort(), "SET greeting hello"), "OK");
  EXPECT_EQ(redisCli(cluster.nodes[1]->clientPort(), "GET greeting"), "hello");
  EXPECT_EQ(redisCli(cluster.nodes[2]->clientPort(), "GET greeting"), "hello");
  EXPECT_EQ(redisCli(cluster.nodes[2]->clientPort(), "INCR counter"), "1");
  EXPECT_EQ(redisCli(cluster.nodes[1]->clientPort(), "INCR counter"), "2");
  EXPECT_EQ(redisCli(cluster.nodes[0]->clientPort(), "MSET a 1 b 2"), "OK");
  EXPECT_EQ(redisCli(cluster.nodes[1]->clientPort(), "MGET a b missing"),
            "1\n2");  // the trailing nil prints as an empty line
  EXPECT_EQ(redisCli(cluster.nodes[2]->clientPort(), "DEL a missing"), "1");
  EXPECT_EQ(redisCli(cluster.nodes[0]->clientPort(), "EXISTS a b"), "1");
  // Every node replicates every key with N = 3.
  for (auto& node : cluster.nodes) EXPECT_TRUE(eventually([&] { return node->localKeys() == 3; }));
}

// Sends `commands` as one pipeline and checks each reply, in order, against `expected` (integers as their digits, a
// null as "(nil)"); stops at the first reply that differs.
void sendPipelineExpecting(RespClient& client, const std::vector<std::vector<std::string>>& commands,
                           const std::vector<std::string>& expected) {
  std::string pipeline;
  for (const auto& command : commands) pipeline += RespClient::encode(command);
  ASSERT_TRUE(client.sendRaw(pipeline));
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto reply = client.readReply();
    ASSERT_TRUE(reply.ok()) << "reply " << i << " to " << commands[i][0] << ": " << reply.text;
    const std::string text = reply.type == ':' ? std::to_string(reply.integer) : reply.null ? "(nil)" : reply.text;
    ASSERT_EQ(text, expected[i]) << "reply " << i << " to " << commands[i][0] << " " << commands[i][1];
  }
}

// A pipeline runs its commands on distinct keys at once (a fiber each) and splits where a key comes back: whatever
// the split, the replies are those of running the commands one after another.
TEST(ClusterTest, APipelineThatRepeatsKeysAnswersAsIfRunInOrder) {
  TempDir dir("ringlabd-pipeline-order");
  Cluster cluster(dir, {"--storage", "memory"});
  ASSERT_TRUE(cluster.formed());
  RespClient client(cluster.nodes[0]->clientPort());
  ASSERT_TRUE(client.connected());
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string> expected;
  for (int round = 0; round < 3; ++round) {
    for (int k = 0; k < 40; ++k) {  // more distinct keys than one concurrent run takes
      commands.push_back({"SET", "k" + std::to_string(k), "r" + std::to_string(round)});
      expected.push_back("OK");
    }
    commands.push_back({"GET", "k7"});
    expected.push_back("r" + std::to_string(round));
    commands.push_back({"INCR", "count"});
    expected.push_back(std::to_string(round * 2 + 1));
    commands.push_back({"INCR", "count"});
    expected.push_back(std::to_string(round * 2 + 2));
    commands.push_back({"MSET", "m", "first", "m", "second"});  // one command naming a key twice
    expected.push_back("OK");
    commands.push_back({"GET", "m"});
    expected.push_back("second");
  }
  sendPipelineExpecting(client, commands, expected);
}

// A long pipeline of writes (a redis-cli --pipe load) starts the next run of writes while the one before it commits,
// unless the two share a key: the replies are still those of running the commands one after another. Every 300
// commands a DEL names the key SET 280 commands before (in the committing run, or earlier) and an INCR bumps one
// counter: a DEL running beside the SET it follows would answer 0, and two INCRs at once a count twice.
TEST(ClusterTest, ALongPipelineOfWritesAnswersAsIfRunInOrder) {
  TempDir dir("ringlabd-long-pipeline");
  NodeProcess node("n1", dir.sub("n1"), {"--n", "1", "--r", "1", "--w", "1"});
  node.start();
  ASSERT_TRUE(node.waitServing());
  EXPECT_EQ(node.info("storage"), "rocksdb");
  RespClient client(node.clientPort());
  ASSERT_TRUE(client.connected());
  std::int64_t count = 0;
  // Runs overlap only within what the node reads at once; should a loaded machine hand the pipeline over in small
  // pieces, it is sent again (new keys, the same counter).
  const auto overlapped0 = std::stoull(node.info("pipeline_runs_overlapped"));
  for (int attempt = 0; attempt < 5 && std::stoull(node.info("pipeline_runs_overlapped")) == overlapped0; ++attempt) {
    std::vector<std::vector<std::string>> commands;
    std::vector<std::string> expected;
    std::map<std::string, std::string> model;
    auto keyAt = [&](std::size_t p) { return "w" + std::to_string(attempt) + ":" + std::to_string(p); };
    for (std::size_t p = 0; p < 3000; ++p) {
      if (p % 300 == 299) {
        commands.push_back({"DEL", keyAt(p - 280)});
        expected.push_back(model.erase(keyAt(p - 280)) ? "1" : "0");
      } else if (p % 300 == 149) {
        commands.push_back({"INCR", "count"});
        expected.push_back(std::to_string(++count));
      } else {
        const std::string value = "v" + std::to_string(p);
        commands.push_back({"SET", keyAt(p), value});
        expected.push_back("OK");
        model[keyAt(p)] = value;
      }
    }
    for (std::size_t p = 0; p < 3000; p += 7) {
      commands.push_back({"GET", keyAt(p)});
      expected.push_back(model.count(keyAt(p)) ? model[keyAt(p)] : "(nil)");
    }
    sendPipelineExpecting(client, commands, expected);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // The runs did overlap (so the replies above came from runs in flight together).
  EXPECT_GT(std::stoull(node.info("pipeline_runs_overlapped")), overlapped0);
}

// The commands a history checker reads versions with (the real-node nemesis, docs/NEMESIS.md).
TEST(ClusterTest, VersionCommandsAnswerTheVersionEveryReplicaHolds) {
  TempDir dir("ringlabd-versions");
  Cluster cluster(dir, {"--storage", "memory"});
  ASSERT_TRUE(cluster.formed());
  RespClient n1(cluster.nodes[0]->clientPort());
  const RespClient::Reply written = n1.command({"SETVER", "k", "v1"});
  ASSERT_EQ(written.type, '$') << written.text;
  ASSERT_NE(written.text.find("@n1"), std::string::npos) << written.text;  // PHYSICAL.LOGICAL@COORDINATOR
  RespClient n2(cluster.nodes[1]->clientPort());
  const RespClient::Reply got = n2.command({"GETVER", "k"});
  ASSERT_EQ(got.type, '*');
  ASSERT_EQ(got.elements.size(), 2u);
  EXPECT_EQ(got.elements[0].text, "v1");
  EXPECT_EQ(got.elements[1].text, written.text);
  const RespClient::Reply missing = n2.command({"GETVER", "nothing-here"});
  ASSERT_EQ(missing.elements.size(), 2u);
  EXPECT_TRUE(missing.elements[0].null);
  EXPECT_TRUE(missing.elements[1].null);
  // Every replica's own copy, without a quorum (N = 3: all three hold it once the write reached them).
  for (auto& node : cluster.nodes) {
    RespClient client(node->clientPort());
    EXPECT_TRUE(eventually([&] {
      const RespClient::Reply local = client.command({"LOCALGET", "k"});
      return local.elements.size() == 2 && local.elements[0].text == written.text && local.elements[1].text == "v1";
    })) << node->name();
    EXPECT_TRUE(client.command({"LOCALGET", "nothing-here"}).null);
  }
  EXPECT_EQ(n1.command({"SETVER", "k"}).type, '-');  // wrong number of arguments
}

TEST(ClusterTest, AClockOffsetShiftsTheVersionsANodeIssues) {
  TempDir dir("ringlabd-clock");
  NodeProcess ahead("n1", dir.sub("n1"), {"--storage", "memory", "--n", "1", "--r", "1", "--w", "1",
                                           "--clock-offset-ms", "3600000"});
  ASSERT_TRUE(ahead.start());
  ASSERT_TRUE(ahead.waitServing());
  RespClient client(ahead.clientPort());
  const RespClient::Reply written = client.command({"SETVER", "k", "v"});
  ASSERT_EQ(written.type, '$') << written.text;
  const long long physicalMicros = std::stoll(written.text.substr(0, written.text.find('.')));
  const long long nowMicros = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  EXPECT_GT(physicalMicros - nowMicros, 3500ll * 1000 * 1000) << written.text;
  EXPECT_LT(physicalMicros - nowMicros, 3700ll * 1000 * 1000) << written.text;
}

TEST(ClusterTest, RedisBenchmarkRunsUnchangedAgainstAClusterNode) {
  TempDir dir("ringlabd-bench");
  Cluster cluster(dir, {"--storage", "memory"});
  ASSERT_TRUE(cluster.formed());
  const std::string out = shell("redis-benchmark -p " + std::to_string(cluster.nodes[1]->clientPort()) +
                                " -t set,get,incr -n 2000 -c 10 -P 4 -q --csv 2>&1");
  EXPECT_NE(out.find("\"SET\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"GET\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"INCR\""), std::string::npos) << out;
  // Every INCR of the benchmark's one counter is counted (a CRDT counter; no read-then-write race).
  EXPECT_EQ(redisCli(cluster.nodes[0]->clientPort(), "GET counter:__rand_int__"), "2000");
  EXPECT_EQ(out.find("ERR"), std::string::npos) << out;
  EXPECT_EQ(cluster.nodes[1]->info("protocol_errors"), "0");
}

// Writes keys through n1 and n2 until stopped; remembers which writes were acknowledged.
class Writer {
 public:
  Writer(int port, std::string prefix) : m_port(port), m_prefix(std::move(prefix)) {
    m_thread = std::thread([this] { run(); });
  }
  ~Writer() { stop(); }
  void stop() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
  }
  std::size_t acknowledged() {
    std::lock_guard lock(m_mutex);
    return m_acked.size();
  }
  std::size_t failedAfter(std::size_t index) {
    std::lock_guard lock(m_mutex);
    std::size_t n = 0;
    for (std::size_t f : m_failed) n += f >= index;
    return n;
  }
  std::size_t attempts() { return m_next; }
  std::map<std::string, std::string> acked() {
    std::lock_guard lock(m_mutex);
    return m_acked;
  }

 private:
  void run() {
    auto client = std::make_unique<RespClient>(m_port);
    while (!m_stop) {
      const std::size_t i = m_next;
      const std::string key = m_prefix + std::to_string(i);
      const std::string value = "v" + std::to_string(i * 7);
      auto reply = client->command({"SET", key, value});
      std::lock_guard lock(m_mutex);
      if (reply.type == '+') {
        m_acked[key] = value;
      } else {
        m_failed.push_back(i);
        if (reply.type == 0) client = std::make_unique<RespClient>(m_port);
      }
      ++m_next;
    }
  }
  int m_port;
  std::string m_prefix;
  std::atomic<bool> m_stop{false};
  std::atomic<std::size_t> m_next{0};
  std::mutex m_mutex;
  std::map<std::string, std::string> m_acked;
  std::vector<std::size_t> m_failed;
  std::thread m_thread;
};

// Real nodes speak SWIM too: probes and rumours over TCP find a killed node, and take it back when it restarts.
TEST(ClusterTest, SwimFailureDetectionMarksAKilledNodeDownAndTakesItBack) {
  TempDir dir("ringlabd-swim");
  Cluster cluster(dir, {"--storage", "memory", "--failure-detector", "swim", "--gossip-interval-ms", "200"});
  ASSERT_TRUE(cluster.formed());
  EXPECT_EQ(redisCli(cluster.nodes[0]->clientPort(), "SET before kill"), "OK");
  cluster.nodes[2]->kill9();
  // Suspicion timeout at 3 nodes: 4 rounds of 200 ms, after the probe that finds it.
  for (std::size_t i : {0u, 1u}) {
    EXPECT_TRUE(eventually([&] { return cluster.nodes[i]->info("ring_members_up") == "2"; }))
        << cluster.nodes[i]->name() << " still counts " << cluster.nodes[i]->info("ring_members_up") << " up";
  }
  EXPECT_EQ(redisCli(cluster.nodes[1]->clientPort(), "GET before"), "kill") << "R=2 of the two live replicas";
  // The admin view names the detector and, for the peer the news was about, its incarnation (suspect, then down).
  const auto n3InView = [&] {
    const boost::json::value view =
        boost::json::parse(httpRequest(cluster.nodes[0]->adminPort(), "GET", "/cluster").body);
    EXPECT_EQ(view.at("failure_detector").as_string(), "swim");
    for (const boost::json::value& m : view.at("members").as_array()) {
      if (m.at("id").as_string() == "n3") return m.as_object();
    }
    return boost::json::object{};
  };
  EXPECT_TRUE(eventually([&] { return n3InView()["state"] == "down"; }));
  EXPECT_TRUE(n3InView().contains("incarnation"));
  cluster.nodes[2]->start();
  ASSERT_TRUE(cluster.nodes[2]->waitServing());
  for (auto& node : cluster.nodes) {
    EXPECT_TRUE(eventually([&] { return node->info("ring_members_up") == "3"; }))
        << node->name() << " counts " << node->info("ring_members_up") << " up after the restart";
    // The restarted node learns the others' generations from its first exchange of views (push-pull).
    EXPECT_TRUE(eventually([&] { return node->info("ring_members_heard") == "3"; }))
        << node->name() << " has heard from " << node->info("ring_members_heard") << " members";
  }
}

// Nodes can start before their seed: with SWIM they know no peer until their connection to the seed is up, and they
// form the cluster with it once it is (their first exchange of views stays due until there is a peer to ask).
TEST(ClusterTest, SwimNodesStartedBeforeTheirSeedJoinOnceItIsUp) {
  TempDir dir("ringlabd-swim-late-seed");
  Cluster cluster(dir, {"--storage", "memory", "--failure-detector", "swim", "--gossip-interval-ms", "200"});
  ASSERT_TRUE(cluster.formed());
  for (auto& node : cluster.nodes) node->kill9();
  // The seed keeps its ports across the restart; the others run rounds with nobody to talk to meanwhile.
  ASSERT_TRUE(cluster.nodes[1]->start());
  ASSERT_TRUE(cluster.nodes[2]->start());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(cluster.nodes[1]->info("ring_members_heard"), "1") << "no seed up yet, so nothing heard";
  ASSERT_TRUE(cluster.nodes[0]->start());
  EXPECT_TRUE(cluster.formed()) << "members heard: " << cluster.nodes[0]->info("ring_members_heard") << ", "
                                << cluster.nodes[1]->info("ring_members_heard") << ", "
                                << cluster.nodes[2]->info("ring_members_heard");
}

TEST(ClusterTest, KillNineUnderLoadKeepsWritesSucceedingAndTheNodeCatchesUp) {
  TempDir dir("ringlabd-kill");
  Cluster cluster(dir);
  ASSERT_TRUE(cluster.formed());
  Writer a(cluster.nodes[0]->clientPort(), "a:");
  Writer b(cluster.nodes[1]->clientPort(), "b:");
  ASSERT_TRUE(eventually([&] { return a.acknowledged() > 300 && b.acknowledged() > 300; }));

  cluster.nodes[2]->kill9();
  const std::size_t aAtKill = a.attempts(), bAtKill = b.attempts();
  // With N=3 and W=2, the two live replicas acknowledge every write.
  ASSERT_TRUE(eventually([&] { return a.attempts() > aAtKill + 500 && b.attempts() > bAtKill + 500; }));
  EXPECT_EQ(a.failedAfter(aAtKill + 1), 0u);
  EXPECT_EQ(b.failedAfter(bAtKill + 1), 0u);

  cluster.nodes[2]->start();
  ASSERT_TRUE(cluster.nodes[2]->waitServing());
  ASSERT_TRUE(eventually([&] { return a.attempts() > aAtKill + 1000; }));
  a.stop();
  b.stop();
  const auto acked = [&] {
    auto all = a.acked();
    auto more = b.acked();
    all.insert(more.begin(), more.end());
    return all;
  }();
  // Hinted handoff and anti-entropy bring n3 every write it missed: all replicas hold every acknowledged key.
  for (auto& node : cluster.nodes) {
    EXPECT_TRUE(
        eventually([&] { return node->localKeys() >= static_cast<long long>(acked.size()); }, std::chrono::seconds(60)))
        << node->name() << " holds " << node->localKeys() << " of " << acked.size();
  }
  RespClient n3(cluster.nodes[2]->clientPort());
  for (const auto& [key, value] : acked) {
    const auto reply = n3.command({"GET", key});
    ASSERT_EQ(reply.text, value) << key;
  }
}

TEST(ClusterTest, SyncAlwaysLosesNoAcknowledgedWriteAcrossKillNine) {
  TempDir dir("ringlabd-durable");
  NodeProcess node("n1", dir.sub("n1"), {"--n", "1", "--r", "1", "--w", "1", "--appendfsync", "always"});
  node.start();
  ASSERT_TRUE(node.waitServing());
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < 4; ++i)
    writers.push_back(std::make_unique<Writer>(node.clientPort(), "w" + std::to_string(i) + ":"));
  // Every writer well under way (on a loaded machine they do not keep pace with each other).
  ASSERT_TRUE(eventually([&] {
    return std::all_of(writers.begin(), writers.end(), [](const auto& w) { return w->acknowledged() > 200; });
  }));
  node.kill9();
  std::map<std::string, std::string> acked;
  for (auto& writer : writers) {
    writer->stop();
    auto mine = writer->acked();
    acked.insert(mine.begin(), mine.end());
  }
  ASSERT_GT(acked.size(), 800u);

  node.start();
  ASSERT_TRUE(node.waitServing());
  RespClient client(node.clientPort());
  std::size_t missing = 0;
  for (const auto& [key, value] : acked) {
    if (client.command({"GET", key}).text != value) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged writes";
}

// Pipelines of SETs on several connections at once: the node commits each pipeline as one group, so a kill -9 in the
// middle of groups must still keep every SET whose +OK the client read. A process crash loses nothing acknowledged
// under either log sync policy (the write-ahead log is written before the reply; only a machine crash waits on fsync).
class PipelinedDurabilityTest : public ::testing::TestWithParam<std::string> {};

// Four connections send pipelines of SETs of `valueBytes` until `ackedBytes` of them were acknowledged, then the node
// is killed with SIGKILL and started again: every acknowledged SET must read back.
void killNineLosesNoAcknowledgedPipelinedWrite(const std::string& appendfsync, std::size_t valueBytes,
                                               std::size_t ackedBytes) {
  TempDir dir("ringlabd-pipelined");
  NodeProcess node("n1", dir.sub("n1"), {"--n", "1", "--r", "1", "--w", "1", "--appendfsync", appendfsync});
  node.start();
  ASSERT_TRUE(node.waitServing());
  constexpr int kWriters = 4;
  constexpr std::size_t kDepth = 32;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> acknowledged{0};
  std::vector<std::map<std::string, std::string>> acked(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      RespClient client(node.clientPort());
      for (std::size_t round = 0; !stop; ++round) {
        std::string pipeline;
        std::vector<std::pair<std::string, std::string>> sent;
        for (std::size_t k = 0; k < kDepth; ++k) {
          std::string value = "v" + std::to_string(round * kDepth + k);
          value.resize(std::max(value.size(), valueBytes), '.');
          sent.emplace_back("p" + std::to_string(w) + ":" + std::to_string(round * kDepth + k), std::move(value));
          pipeline += RespClient::encode({"SET", sent.back().first, sent.back().second});
        }
        if (!client.sendRaw(pipeline)) return;
        for (const auto& [key, value] : sent) {
          const auto reply = client.readReply();
          if (reply.type != '+') return;  // the node is gone: nothing after this was acknowledged
          acked[w][key] = value;
          ++acknowledged;
        }
      }
    });
  }
  const std::size_t writes = std::max<std::size_t>(3000, ackedBytes / std::max<std::size_t>(valueBytes, 1));
  const bool loaded = eventually([&] { return acknowledged > writes; }, std::chrono::seconds(30));
  node.kill9();
  stop = true;
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(loaded) << "only " << acknowledged << " writes were acknowledged before the kill";

  node.start();
  ASSERT_TRUE(node.waitServing());
  RespClient client(node.clientPort());
  std::size_t missing = 0, total = 0;
  for (const auto& mine : acked) {
    for (const auto& [key, value] : mine) {
      ++total;
      if (client.command({"GET", key}).text != value) ++missing;
    }
  }
  EXPECT_EQ(missing, 0u) << "of " << total << " acknowledged pipelined writes (appendfsync " << appendfsync << ")";
}

TEST_P(PipelinedDurabilityTest, KillNineLosesNoAcknowledgedPipelinedWrite) {
  killNineLosesNoAcknowledgedPipelinedWrite(GetParam(), 0, 0);
}

// Enough bytes that several 4 MiB memtables fill, four of them are flushed into a table file, and the log to replay
// at the restart spans several memtables (40 MiB of 8 KiB values).
TEST_P(PipelinedDurabilityTest, KillNineAfterSeveralMemtablesLosesNoAcknowledgedWrite) {
  killNineLosesNoAcknowledgedPipelinedWrite(GetParam(), 8192, 40u << 20);
}

INSTANTIATE_TEST_SUITE_P(SyncPolicies, PipelinedDurabilityTest, ::testing::Values("always", "everysec"));

// INFO tells how a RocksDB node's reads are served: a key read twice is read from RocksDB once and from the read
// cache once, and an overwrite is read back from the cache.
TEST(ClusterTest, InfoCountsReadsServedByTheReadCache) {
  TempDir dir("ringlabd-cache");
  NodeProcess node("n1", dir.sub("n1"), {"--n", "1", "--r", "1", "--w", "1"});
  node.start();
  ASSERT_TRUE(node.waitServing());
  EXPECT_EQ(node.info("storage"), "rocksdb");
  RespClient client(node.clientPort());
  ASSERT_EQ(client.command({"SET", "k", "first"}).text, "OK");
  auto count = [&](const std::string& field) { return std::stoull(node.info(field)); };
  const auto misses0 = count("storage_read_cache_misses");
  const auto hits0 = count("storage_read_cache_hits");
  EXPECT_EQ(client.command({"GET", "k"}).text, "first");
  EXPECT_GE(count("storage_read_cache_misses"), misses0 + 1);
  const auto hits1 = count("storage_read_cache_hits");
  EXPECT_EQ(client.command({"GET", "k"}).text, "first");
  EXPECT_GE(count("storage_read_cache_hits"), hits1 + 1);
  ASSERT_EQ(client.command({"SET", "k", "second"}).text, "OK");
  const auto hits2 = count("storage_read_cache_hits");
  EXPECT_EQ(client.command({"GET", "k"}).text, "second");
  EXPECT_GE(count("storage_read_cache_hits"), hits2 + 1);
  EXPECT_GE(hits2, hits0 + 1);
  EXPECT_GT(count("storage_memory_bytes"), 0u);
}

TEST(ClusterTest, SigtermShutsDownCleanlyAndDataSurvivesARestart) {
  TempDir dir("ringlabd-term");
  NodeProcess node("n1", dir.sub("n1"), {"--n", "1", "--r", "1", "--w", "1"});
  node.start();
  ASSERT_TRUE(node.waitServing());
  EXPECT_EQ(redisCli(node.clientPort(), "SET kept value"), "OK");
  EXPECT_EQ(node.terminate(), 0);
  node.start();
  ASSERT_TRUE(node.waitServing());
  EXPECT_EQ(redisCli(node.clientPort(), "GET kept"), "value");
}

}  // namespace
}  // namespace ringlab::testing
