// The admin endpoint's actions on real ringlabd processes: injected faults (drop, delay, pause, heal), decommission,
// joining a lone node through POST /members, and what bad requests get.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "harness.h"

namespace ringlab::testing {
namespace {

using namespace std::chrono_literals;

boost::json::value getJson(const NodeProcess& node, const std::string& path) {
  return parse(httpRequest(node.adminPort(), "GET", path).body);
}

HttpReply post(const NodeProcess& node, const std::string& path, const std::string& body) {
  return httpRequest(node.adminPort(), "POST", path, body);
}

// A member's field in `node`'s /cluster, as text ("" when absent).
std::string memberField(const NodeProcess& node, const std::string& member, const std::string& field) {
  const boost::json::value cluster = getJson(node, "/cluster");
  if (!cluster.is_object() || !cluster.as_object().contains("members")) return {};
  for (const auto& m : cluster.at("members").as_array()) {
    if (m.at("id").as_string() != member) continue;
    const auto* value = m.as_object().if_contains(field);
    if (!value) return {};
    return value->is_string() ? std::string(value->as_string()) : boost::json::serialize(*value);
  }
  return {};
}

// The sum of every sample of a metric whose name and labels start with `prefix`.
double metric(const NodeProcess& node, const std::string& prefix) {
  const std::string text = httpRequest(node.adminPort(), "GET", "/metrics").body;
  double sum = 0;
  std::size_t pos = 0;
  while ((pos = text.find("\n" + prefix, pos)) != std::string::npos) {
    const auto lineEnd = text.find('\n', pos + 1);
    const std::string line = text.substr(pos + 1, lineEnd - pos - 1);
    sum += std::stod(line.substr(line.rfind(' ') + 1));
    pos = lineEnd;
  }
  return sum;
}

struct Cluster {
  Cluster(const TempDir& dir, int count, const std::vector<std::string>& extra) {
    for (int i = 1; i <= count; ++i) {
      nodes.push_back(std::make_unique<NodeProcess>("n" + std::to_string(i), dir.sub("n" + std::to_string(i)), extra));
    }
    // The first node binds ports the kernel picks; the others join through its peer port.
    nodes[0]->start();
    for (auto& node : nodes) node->setSeeds(nodes[0]->peerAddress());
    for (std::size_t i = 1; i < nodes.size(); ++i) nodes[i]->start();
  }
  bool formed() {
    const std::string size = std::to_string(nodes.size());
    for (auto& node : nodes) {
      if (!node->waitServing()) return false;
    }
    return eventually([&] {
      for (auto& node : nodes) {
        if (node->info("ring_members") != size || node->info("ring_members_up") != size ||
            node->info("ring_members_heard") != size) {
          return false;
        }
      }
      return true;
    });
  }
  NodeProcess& operator[](std::size_t i) { return *nodes[i]; }
  std::vector<std::unique_ptr<NodeProcess>> nodes;
};

// A GET through `port`, timed; the reply's type is '$' for a value, '-' for an error.
std::pair<RespClient::Reply, std::chrono::milliseconds> timedGet(int port, const std::string& key) {
  RespClient client(port, 10s);
  const auto start = std::chrono::steady_clock::now();
  auto reply = client.command({"GET", key});
  return {reply, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)};
}

// --tombstone-grace: a deleted key's tombstone stays until the grace period has passed, then the node drops it (on
// RocksDB, the default storage) and counts it.
TEST(TombstoneCollectionTest, ADeletedKeysTombstoneIsDroppedAfterTheGracePeriod) {
  TempDir dir("ringlabd-tombstones");
  NodeProcess node("n1", dir.sub("n1"), {"--n", "1", "--r", "1", "--w", "1", "--tombstone-grace", "2"});
  ASSERT_TRUE(node.start()) << "see " << node.logPath();
  ASSERT_TRUE(node.waitServing());
  RespClient client(node.clientPort());
  ASSERT_EQ(client.command({"SET", "k", "v"}).text, "OK");
  ASSERT_EQ(client.command({"DEL", "k"}).integer, 1);
  EXPECT_EQ(metric(node, "ringlab_storage_tombstones"), 1) << "kept during the grace period";
  EXPECT_EQ(metric(node, "ringlab_tombstones_purged_total"), 0);
  EXPECT_TRUE(eventually([&] { return metric(node, "ringlab_tombstones_purged_total") == 1; },
                         std::chrono::seconds(15)));
  EXPECT_EQ(metric(node, "ringlab_storage_tombstones"), 0);
  EXPECT_EQ(metric(node, "ringlab_storage_records"), 0);
  EXPECT_TRUE(client.command({"GET", "k"}).null);
}

TEST(AdminActionsTest, FaultInjectionIsRefusedWithoutTheFlag) {
  TempDir dir("ringlabd-nofault");
  NodeProcess node("n1", dir.sub("n1"), with(kFastGossip, {"--n", "1", "--r", "1", "--w", "1"}));
  node.start();
  ASSERT_TRUE(node.waitServing());
  const HttpReply refused = post(node, "/fault", R"({"action":"drop"})");
  EXPECT_EQ(refused.status, 403);
  const boost::json::value body = parse(refused.body);
  ASSERT_TRUE(body.is_object()) << refused.body;
  EXPECT_EQ(body.at("api_version").as_int64(), 1);
  EXPECT_EQ(body.at("error").as_string(), "fault injection is off on n1: start ringlabd with --allow-fault-injection");
  // Reading the rules is allowed, and says so.
  const boost::json::value rules = getJson(node, "/fault");
  EXPECT_EQ(rules.at("allowed").as_bool(), false);
  EXPECT_TRUE(rules.at("rules").as_array().empty());
  EXPECT_EQ(getJson(node, "/cluster").at("fault_injection").as_bool(), false);
}

TEST(AdminActionsTest, DropToAPeerCutsItOffAndHealRestoresIt) {
  TempDir dir("ringlabd-drop");
  // R = 3: a read through n1 needs n2's answer.
  Cluster cluster(dir, 3,
                  with(kFastGossip, {"--allow-fault-injection", "--n", "3", "--r", "3", "--w", "1",
                                     "--request-timeout-ms", "1000"}));
  ASSERT_TRUE(cluster.formed());
  RespClient client(cluster[0].clientPort());
  ASSERT_EQ(client.command({"SET", "k", "v"}).text, "OK");
  ASSERT_TRUE(eventually([&] { return cluster[1].localKeys() == 1; }));
  ASSERT_EQ(timedGet(cluster[0].clientPort(), "k").first.text, "v");

  // Watch n1's drops as they happen.
  RespClient events(cluster[0].adminPort());
  ASSERT_TRUE(events.sendRaw("GET /events?types=message_dropped HTTP/1.1\r\nHost: x\r\n\r\n"));

  const HttpReply dropped = post(cluster[0], "/fault", R"({"action":"drop","peers":["n2"],"probability":1.0})");
  ASSERT_EQ(dropped.status, 200) << dropped.body;
  const boost::json::value rules = parse(dropped.body).at("rules");
  ASSERT_EQ(rules.as_array().size(), 1u) << dropped.body;
  EXPECT_EQ(rules.at(0).at("action").as_string(), "drop");
  EXPECT_EQ(rules.at(0).at("peer").as_string(), "n2");
  EXPECT_EQ(rules.at(0).at("probability").to_number<double>(), 1.0);
  // /cluster carries the same rules.
  EXPECT_EQ(getJson(cluster[0], "/cluster").at("faults"), rules);

  // n2 no longer hears from n1: reads through n1 cannot reach R = 3, while n3 still reads.
  const double before = metric(cluster[0], "ringlab_messages_dropped_total");
  const auto cut = timedGet(cluster[0].clientPort(), "k");
  EXPECT_EQ(cut.first.type, '-') << cut.first.text;
  EXPECT_EQ(timedGet(cluster[2].clientPort(), "k").first.text, "v");
  EXPECT_GT(metric(cluster[0], "ringlab_messages_dropped_total"), before);
  EXPECT_GT(metric(cluster[0], "ringlab_fault_messages_total{node=\"n1\",action=\"drop\",peer=\"n2\"}"), 0);
  std::string received;
  char buffer[4096];
  while (received.find("\"reason\":\"injected\"") == std::string::npos) {
    const ssize_t n = ::recv(events.fd(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_NE(received.find("\"to\":\"n2\",\"kind\""), std::string::npos) << received;
  EXPECT_NE(received.find("\"reason\":\"injected\""), std::string::npos) << received;

  const HttpReply healed = post(cluster[0], "/fault", R"({"action":"heal"})");
  ASSERT_EQ(healed.status, 200) << healed.body;
  EXPECT_TRUE(parse(healed.body).at("rules").as_array().empty());
  EXPECT_TRUE(getJson(cluster[0], "/fault").at("rules").as_array().empty());
  EXPECT_TRUE(eventually([&] { return timedGet(cluster[0].clientPort(), "k").first.text == "v"; }, 10s));
}

TEST(AdminActionsTest, DelayToAPeerSlowsQuorumReadsByTheDelay) {
  TempDir dir("ringlabd-delay");
  Cluster cluster(dir, 3,
                  with(kFastGossip, {"--allow-fault-injection", "--n", "3", "--r", "3", "--w", "1",
                                     "--request-timeout-ms", "3000"}));
  ASSERT_TRUE(cluster.formed());
  RespClient client(cluster[0].clientPort());
  ASSERT_EQ(client.command({"SET", "k", "v"}).text, "OK");
  ASSERT_EQ(timedGet(cluster[0].clientPort(), "k").first.text, "v");

  constexpr int kDelayMs = 300;
  const HttpReply delayed =
      post(cluster[0], "/fault", R"({"action":"delay","peers":["n2"],"delay_ms":)" + std::to_string(kDelayMs) + "}");
  ASSERT_EQ(delayed.status, 200) << delayed.body;
  const boost::json::value rule = parse(delayed.body).at("rules").at(0);
  EXPECT_EQ(rule.at("action").as_string(), "delay");
  EXPECT_EQ(rule.at("peer").as_string(), "n2");
  EXPECT_EQ(rule.at("delay_ms").as_int64(), kDelayMs);
  for (int i = 0; i < 3; ++i) {
    const auto [reply, took] = timedGet(cluster[0].clientPort(), "k");
    EXPECT_EQ(reply.text, "v");
    EXPECT_GE(took.count(), kDelayMs * 8 / 10) << "read " << i;
  }
  EXPECT_GT(metric(cluster[0], "ringlab_fault_messages_total{node=\"n1\",action=\"delay\",peer=\"n2\"}"), 0);
  ASSERT_EQ(post(cluster[0], "/fault", R"({"action":"heal"})").status, 200);
  EXPECT_EQ(timedGet(cluster[0].clientPort(), "k").first.text, "v");
}

TEST(AdminActionsTest, APausedNodeIsSuspectedAndComesBack) {
  TempDir dir("ringlabd-pause");
  Cluster cluster(dir, 3, with(kFastGossip, {"--allow-fault-injection"}));
  ASSERT_TRUE(cluster.formed());
  const auto start = std::chrono::steady_clock::now();
  // Long enough that both detectors cross their threshold before it ends even on a slow, loaded machine (with
  // 200 ms gossip that takes about a second; a node under a sanitizer sharing two cores took more than three).
  const HttpReply paused = post(cluster[2], "/fault", R"({"action":"pause","duration_ms":8000})");
  ASSERT_EQ(paused.status, 202) << paused.body;
  // The answer comes whole, connection closed, before the pause: not eight seconds later.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  const boost::json::value body = parse(paused.body);
  EXPECT_EQ(body.at("node").as_string(), "n3");
  EXPECT_EQ(body.at("action").as_string(), "pause");
  EXPECT_EQ(body.at("duration_ms").as_int64(), 8000);
  EXPECT_GT(body.at("until_ms").as_int64(), 0);
  // Both peers notice the silence (each is watched all along: one may notice it well before the other).
  bool suspected[2] = {false, false};
  EXPECT_TRUE(eventually(
      [&] {
        for (int i = 0; i < 2; ++i) {
          const std::string state = memberField(cluster[i], "n3", "state");
          suspected[i] = suspected[i] || state == "suspect" || state == "down";
        }
        return suspected[0] && suspected[1];
      },
      7s))
      << "n1 suspected n3: " << suspected[0] << ", n2 suspected n3: " << suspected[1]
      << "; phi of n3 now at n1 " << memberField(cluster[0], "n3", "phi") << ", at n2 "
      << memberField(cluster[1], "n3", "phi");
  // Nothing is served meanwhile: the kernel takes the connection, the node answers once the pause is over.
  RespClient stalled(cluster[2].clientPort(), 15s);
  EXPECT_EQ(stalled.command({"PING"}).text, "PONG");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 7500ms);
  // Back: the peers see it up again.
  for (auto* peer : {&cluster[0], &cluster[1]}) {
    EXPECT_TRUE(eventually([&] { return memberField(*peer, "n3", "state") == "up"; }, 10s)) << peer->name();
  }
}

TEST(AdminActionsTest, DecommissionLeavesTheRingAndTheOthersKeepEveryKey) {
  TempDir dir("ringlabd-decommission");
  // N = 2 of 3 nodes: n3 holds ranges that only one other node has; after it leaves, n1 and n2 must hold them all.
  Cluster cluster(dir, 3, with(kFastGossip, {"--n", "2", "--r", "1", "--w", "2", "--request-timeout-ms", "3000"}));
  ASSERT_TRUE(cluster.formed());
  RespClient client(cluster[0].clientPort());
  constexpr int kKeys = 300;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(client.command({"SET", "key" + std::to_string(i), "value" + std::to_string(i)}).text, "OK");
  }
  ASSERT_LT(cluster[0].localKeys(), kKeys) << "with N = 2 of 3, n1 does not hold every key yet";

  const HttpReply accepted = post(cluster[2], "/decommission", "");
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const boost::json::value body = parse(accepted.body);
  EXPECT_EQ(body.at("node").as_string(), "n3");
  EXPECT_EQ(body.at("status").as_string(), "leaving");
  const HttpReply again = post(cluster[2], "/decommission", "");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(parse(again.body).at("error").as_string().find("n3"), boost::json::string::npos);

  // Finished once the ranges are handed over and the peers have heard that n3 left.
  ASSERT_TRUE(eventually(
      [&] { return getJson(cluster[2], "/cluster").at("decommission").at("finished").as_bool(); }, 20s));
  EXPECT_EQ(memberField(cluster[2], "n3", "status"), "left");
  const boost::json::value progress = getJson(cluster[2], "/cluster").at("decommission");
  EXPECT_EQ(progress.at("ranges_failed").as_int64(), 0);
  EXPECT_GT(progress.at("records").as_int64(), 0) << "n3 handed its ranges over";
  for (auto* node : {&cluster[0], &cluster[1]}) {
    EXPECT_TRUE(eventually([&] { return memberField(*node, "n3", "status") == "left"; }, 10s)) << node->name();
    EXPECT_TRUE(eventually([&] { return memberField(*node, "n3", "in_ring") == "false"; }, 10s)) << node->name();
    EXPECT_TRUE(eventually([&] { return node->localKeys() == kKeys; }, 20s))
        << node->name() << " holds " << node->localKeys();
    RespClient reader(node->clientPort());
    for (int i = 0; i < kKeys; ++i) {
      ASSERT_EQ(reader.command({"GET", "key" + std::to_string(i)}).text, "value" + std::to_string(i))
          << node->name() << " key" << i;
    }
  }
  EXPECT_EQ(post(cluster[2], "/decommission", "").status, 409);
}

// An operator stops a decommissioned node as soon as its /cluster says the decommission finished. By then every
// peer must know it has left: otherwise the news leaves with it, and the others keep it in their rings as a member
// that is down (and count it among the members a quorum can use).
TEST(AdminActionsTest, ANodeStoppedTheMomentItsDecommissionFinishesIsGoneFromEveryRing) {
  TempDir dir("ringlabd-decommission-stop");
  Cluster cluster(dir, 4, with(kFastGossip, {"--n", "2", "--r", "1", "--w", "1"}));
  ASSERT_TRUE(cluster.formed());
  ASSERT_EQ(post(cluster[3], "/decommission", "").status, 202);
  ASSERT_TRUE(eventually(
      [&] { return getJson(cluster[3], "/cluster").at("decommission").at("finished").as_bool(); }, 20s));
  cluster[3].kill9();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(memberField(cluster[i], "n4", "status"), "left") << cluster[i].name();
    EXPECT_TRUE(eventually([&] { return memberField(cluster[i], "n4", "in_ring") == "false"; }, 5s))
        << cluster[i].name();
  }
}

TEST(AdminActionsTest, PostMembersJoinsALoneNode) {
  TempDir dir("ringlabd-join");
  Cluster cluster(dir, 2, kFastGossip);
  ASSERT_TRUE(cluster.formed());
  NodeProcess lone("n3", dir.sub("n3"), kFastGossip);
  lone.start();
  ASSERT_TRUE(lone.waitServing());
  EXPECT_EQ(lone.info("ring_members"), "1");

  const HttpReply accepted = post(lone, "/members", R"({"peer":")" + cluster[0].peerAddress() + "\"}");
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(parse(accepted.body).at("peer").as_string(), cluster[0].peerAddress());
  for (auto* node : {&cluster[0], &cluster[1]}) {
    EXPECT_TRUE(eventually([&] { return memberField(*node, "n3", "in_ring") == "true"; }, 10s)) << node->name();
  }
  EXPECT_TRUE(eventually([&] { return lone.info("ring_members") == "3"; }, 10s));
}

TEST(AdminActionsTest, BadRequestsGetAMessageAndTheNodeKeepsServing) {
  TempDir dir("ringlabd-badadmin");
  NodeProcess node("n1", dir.sub("n1"),
                   with(kFastGossip, {"--allow-fault-injection", "--n", "1", "--r", "1", "--w", "1"}));
  node.start();
  ASSERT_TRUE(node.waitServing());
  struct Case {
    std::string method, path, body;
    int status;
    std::string error;  // a part of the message
  };
  const std::vector<Case> cases = {
      {"POST", "/fault", "", 400, "body is empty"},
      {"POST", "/fault", "{\"action\":", 400, "not JSON"},
      {"POST", "/fault", "[1,2]", 400, "must be a JSON object"},
      {"POST", "/fault", "{}", 400, "field 'action' is missing"},
      {"POST", "/fault", R"({"action":42})", 400, "field 'action' must be a string"},
      {"POST", "/fault", R"({"action":"explode"})", 400, "field 'action': 'explode' is not one of"},
      {"POST", "/fault", R"({"action":"drop","peers":["n9"]})", 400, "field 'peers[0]': n9 is not a known peer"},
      {"POST", "/fault", R"({"action":"drop","peers":["n1"]})", 400, "n1 is this node"},
      {"POST", "/fault", R"({"action":"drop","peers":["x"]})", 400, "'x' is not a node name"},
      {"POST", "/fault", R"({"action":"drop","peers":"n2"})", 400, "field 'peers' must be an array"},
      {"POST", "/fault", R"({"action":"drop","probability":2})", 400, "field 'probability' must be a number"},
      {"POST", "/fault", R"({"action":"drop","probability":"all"})", 400, "field 'probability'"},
      {"POST", "/fault", R"({"action":"delay"})", 400, "field 'delay_ms' is missing"},
      {"POST", "/fault", R"({"action":"delay","delay_ms":20000})", 400, "field 'delay_ms' must be a whole number"},
      {"POST", "/fault", R"({"action":"delay","delay_ms":1.5})", 400, "field 'delay_ms'"},
      {"POST", "/fault", R"({"action":"delay","delay_ms":-1})", 400, "field 'delay_ms'"},
      {"POST", "/fault", R"({"action":"pause","duration_ms":0})", 400, "field 'duration_ms'"},
      {"POST", "/fault", R"({"action":"pause","duration_ms":99999999999999999999})", 400, "field 'duration_ms'"},
      {"POST", "/fault", R"({"action":"pause"})", 400, "field 'duration_ms' is missing"},
      {"POST", "/fault", R"({"action":"heal","peers":[]})", 400, "field 'peers' is not used by action 'heal'"},
      {"POST", "/fault", R"({"action":"drop","delay_ms":5})", 400, "field 'delay_ms' is not used by action 'drop'"},
      {"POST", "/fault", std::string(70 * 1024, ' '), 413, "larger than 64 kB"},
      {"POST", "/members", "", 400, "body is empty"},
      {"POST", "/members", R"({"peer":"nohost"})", 400, "field 'peer': 'nohost' is not host:port"},
      {"POST", "/members", R"({"peer":"127.0.0.1:99999"})", 400, "field 'peer'"},
      {"POST", "/members", R"({"peer":7380})", 400, "field 'peer' must be a string"},
      {"POST", "/members", R"({"seed":"127.0.0.1:7380"})", 400, "field 'seed' is not understood"},
      {"POST", "/members", R"({"peer":"127.0.0.1:)" + std::to_string(node.peerPort()) + "\"}", 400, "own peer port"},
      {"POST", "/decommission", R"({"now":true})", 400, "field 'now'"},
      {"POST", "/decommission", "", 409, "fewer than N = 1"},
      {"GET", "/decommission", "", 405, "/decommission allows POST"},
      {"DELETE", "/fault", "", 405, "/fault allows GET, POST"},
      {"POST", "/cluster", "{}", 405, "/cluster allows GET"},
      {"POST", "/nothing", "{}", 404, "no such endpoint"},
  };
  for (const Case& c : cases) {
    const HttpReply reply = httpRequest(node.adminPort(), c.method, c.path, c.body);
    EXPECT_EQ(reply.status, c.status) << c.method << " " << c.path << " " << c.body.substr(0, 80) << ": " << reply.body;
    const boost::json::value body = parse(reply.body);
    ASSERT_TRUE(body.is_object() && body.as_object().contains("error")) << reply.body;
    EXPECT_NE(std::string(body.at("error").as_string()).find(c.error), std::string::npos)
        << c.body.substr(0, 80) << ": " << reply.body;
    EXPECT_EQ(body.at("api_version").as_int64(), 1);
  }
  EXPECT_EQ(httpRequest(node.adminPort(), "GET", "/decommission").header("Allow"), "POST");
  EXPECT_EQ(httpRequest(node.adminPort(), "PUT", "/fault").header("Allow"), "GET, POST");
  // Malformed HTTP gets an answer too, and nothing was half-applied.
  RespClient garbage(node.adminPort());
  garbage.sendRaw("POST /fault HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(garbage.fd(), buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, n);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("malformed HTTP request"), std::string::npos) << answer;
  EXPECT_TRUE(getJson(node, "/fault").at("rules").as_array().empty());
  EXPECT_EQ(memberField(node, "n1", "status"), "normal");
  // The index lists the actions.
  const boost::json::value index = getJson(node, "/");
  EXPECT_EQ(index.at("methods").at("/fault"), boost::json::array({"GET", "POST"}));
  EXPECT_EQ(index.at("methods").at("/members"), boost::json::array({"POST", "DELETE"}));
  RespClient client(node.clientPort());
  EXPECT_EQ(client.command({"SET", "still", "here"}).text, "OK");
  EXPECT_EQ(client.command({"GET", "still"}).text, "here");
}

TEST(AdminActionsTest, ActionsNeedTheAdminTokenWhenOneIsSet) {
  TempDir dir("ringlabd-admintoken");
  Cluster cluster(dir, 3, with(kFastGossip, {"--allow-fault-injection", "--n", "2", "--admin-token", "s3cret"}));
  ASSERT_TRUE(cluster.formed());
  EXPECT_EQ(post(cluster[2], "/decommission", "").status, 401);
  EXPECT_EQ(post(cluster[2], "/fault", R"({"action":"heal"})").status, 401);
  EXPECT_EQ(post(cluster[2], "/members", R"({"peer":"127.0.0.1:1"})").status, 401);
  EXPECT_EQ(cluster[2].info("ring_members"), "3");
  const HttpReply accepted = httpRequest(cluster[2].adminPort(), "POST", "/fault",
                                         R"({"action":"drop","probability":0.5})", {"Authorization: Bearer s3cret"});
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  const boost::json::value rule = parse(accepted.body).at("rules").at(0);
  EXPECT_EQ(rule.at("peer").as_string(), "*");
  EXPECT_EQ(rule.at("probability").to_number<double>(), 0.5);
}

}  // namespace
}  // namespace ringlab::testing

namespace ringlab::testing {
namespace {

// Cuts `node` off from every other node of the cluster, both ways, by dropping their peer messages.
void isolate(Cluster& cluster, std::size_t node) {
  std::string others;
  for (std::size_t i = 0; i < cluster.nodes.size(); ++i) {
    if (i == node) continue;
    others += std::string(others.empty() ? "" : ",") + "\"n" + std::to_string(i + 1) + "\"";
    ASSERT_EQ(post(cluster[i], "/fault", R"({"action":"drop","peers":["n)" + std::to_string(node + 1) +
                                             R"("],"probability":1.0})")
                  .status,
              200);
  }
  ASSERT_EQ(post(cluster[node], "/fault", R"({"action":"drop","peers":[)" + others + R"(],"probability":1.0})").status,
            200);
}

TEST(AdminActionsTest, IncrementsThroughEveryNodeDuringAPartitionAreAllCountedAfterHealing) {
  TempDir dir("ringlabd-counters");
  // W = 1: each node acknowledges its own increments while cut off. R = 1: a GET answers from one replica, so every
  // node's own copy must converge for the totals below.
  Cluster cluster(dir, 3,
                  with(kFastGossip, {"--allow-fault-injection", "--n", "3", "--r", "1", "--w", "1",
                                     "--request-timeout-ms", "1000"}));
  ASSERT_TRUE(cluster.formed());
  RespClient setup(cluster[0].clientPort());
  ASSERT_EQ(setup.command({"INCRBY", "hits", "100"}).integer, 100);
  ASSERT_NO_FATAL_FAILURE(isolate(cluster, 2));

  std::array<long long, 3> acknowledged{};
  std::vector<std::thread> writers;
  for (std::size_t i = 0; i < 3; ++i) {
    writers.emplace_back([&, i] {
      RespClient client(cluster[i].clientPort(), 10s);
      for (int k = 0; k < 40; ++k) {
        const auto reply = client.command({k % 4 == 3 ? "DECR" : "INCR", "hits"});
        if (reply.type == ':') acknowledged[i] += k % 4 == 3 ? -1 : 1;
      }
    });
  }
  for (auto& writer : writers) writer.join();
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(acknowledged[i], 20) << "n" << i + 1 << " refused increments";
  const long long total = 100 + acknowledged[0] + acknowledged[1] + acknowledged[2];

  for (std::size_t i = 0; i < 3; ++i) ASSERT_EQ(post(cluster[i], "/fault", R"({"action":"heal"})").status, 200);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(eventually([&] { return timedGet(cluster[i].clientPort(), "hits").first.text == std::to_string(total); }))
        << "n" << i + 1 << " answers " << timedGet(cluster[i].clientPort(), "hits").first.text << ", not " << total;
  }
}

}  // namespace
}  // namespace ringlab::testing
