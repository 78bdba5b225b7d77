// Bad input from outside never takes a node down: garbage on the client and peer ports, peers of another cluster
// or with the wrong secret, bad flags, ports in use, an unwritable data directory, admin requests without the token.
#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include <random>

#include <ringlab/engine/codec.h>
#include <ringlab/net/handshake.h>

#include "harness.h"

namespace ringlab::testing {
namespace {

std::string randomBytes(std::uint32_t seed, std::size_t n) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

bool pings(int port) {
  RespClient client(port);
  return client.connected() && client.command({"PING"}).text == "PONG";
}

class RobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::make_unique<TempDir>("ringlabd-robust");
    node = std::make_unique<NodeProcess>(
        "n1", dir->sub("n1"),
        std::vector<std::string>{"--storage", "memory", "--n", "1", "--r", "1", "--w", "1", "--admin-token", "tok3n"});
    node->start();
    ASSERT_TRUE(node->waitServing());
  }
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<NodeProcess> node;
};

TEST_F(RobustnessTest, RandomBytesOnTheClientPortCloseThatConnectionOnly) {
  RespClient bystander(node->clientPort());
  ASSERT_EQ(bystander.command({"SET", "k", "v"}).text, "OK");
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    RespClient attacker(node->clientPort());
    // A leading '*' makes the bytes a (bad) multibulk command rather than a long inline one.
    attacker.sendRaw("*" + randomBytes(seed, 4096) + "\r\n");
    EXPECT_TRUE(attacker.closedByServer()) << "seed " << seed;
  }
  EXPECT_EQ(bystander.command({"GET", "k"}).text, "v");
  EXPECT_TRUE(pings(node->clientPort()));
}

TEST_F(RobustnessTest, MalformedRespGetsAnErrorAndTheConnectionCloses) {
  for (const std::string bad :
       {"*2\r\n$3\r\nGET\r\n:12\r\n", "*1\r\n$-5\r\n", "*x\r\n", "*1\r\n$3\r\nGETX\r\n", "*9999999999\r\n"}) {
    RespClient client(node->clientPort());
    client.sendRaw(bad);
    const auto reply = client.readReply();
    EXPECT_EQ(reply.type, '-') << bad;
    EXPECT_NE(reply.text.find("Protocol error"), std::string::npos) << reply.text;
    EXPECT_TRUE(client.closedByServer());
  }
  EXPECT_TRUE(pings(node->clientPort()));
}

TEST_F(RobustnessTest, InlinePipelinedAndPartialCommandsAreServedInOrder) {
  RespClient client(node->clientPort());
  // Inline commands, then a pipeline whose last command arrives in two pieces.
  client.sendRaw("PING\r\nSET inline \"two words\"\r\n");
  EXPECT_EQ(client.readReply().text, "PONG");
  EXPECT_EQ(client.readReply().text, "OK");
  const std::string pipeline = RespClient::encode({"INCR", "p"}) + RespClient::encode({"INCR", "p"}) +
                               RespClient::encode({"GET", "p"}) + RespClient::encode({"GET", "inline"});
  client.sendRaw(pipeline.substr(0, pipeline.size() - 7));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client.sendRaw(pipeline.substr(pipeline.size() - 7));
  EXPECT_EQ(client.readReply().integer, 1);
  EXPECT_EQ(client.readReply().integer, 2);
  EXPECT_EQ(client.readReply().text, "2");
  EXPECT_EQ(client.readReply().text, "two words");
}

TEST_F(RobustnessTest, UnsupportedCommandsAndOptionsGetUsefulErrors) {
  RespClient client(node->clientPort());
  auto reply = client.command({"FLUSHALL"});
  EXPECT_EQ(reply.type, '-');
  EXPECT_NE(reply.text.find("unknown command 'FLUSHALL'"), std::string::npos) << reply.text;
  reply = client.command({"SET", "k", "v", "EX", "10"});
  EXPECT_NE(reply.text.find("not supported"), std::string::npos) << reply.text;
  EXPECT_EQ(client.command({"SELECT", "0"}).text, "OK");
  EXPECT_EQ(client.command({"SELECT", "1"}).type, '-');
  EXPECT_EQ(client.command({"HELLO", "3"}).text.rfind("NOPROTO", 0), 0u);
  EXPECT_EQ(client.command({"HELLO", "2"}).elements.size(), 14u);
  EXPECT_EQ(client.command({"CLIENT", "SETNAME", "tester"}).text, "OK");
  EXPECT_EQ(client.command({"CLIENT", "GETNAME"}).text, "tester");
  const auto config = client.command({"CONFIG", "GET", "appendonly"});
  ASSERT_EQ(config.elements.size(), 2u);
  EXPECT_EQ(config.elements[1].text, "no");  // memory storage
  EXPECT_EQ(client.command({"COMMAND", "DOCS"}).type, '*');
  // Commands unknown to the node (FLUSHALL above and two more) are counted under one name, not their own: random
  // names cannot grow the metrics.
  client.command({"NOSUCH1"});
  client.command({"NOSUCH2"});
  const std::string metrics = httpRequest(node->adminPort(), "GET", "/metrics", {}, {"Authorization: Bearer tok3n"}).body;
  EXPECT_NE(metrics.find("ringlab_commands_total{node=\"n1\",command=\"unknown\"} 3"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("nosuch"), std::string::npos);
  EXPECT_EQ(client.command({"AUTH", "x"}).type, '-');  // no password configured
  EXPECT_EQ(client.command({"SET", "n", "abc"}).text, "OK");
  // A key holds a value or a counter, as in Redis a key holds one type.
  const auto wrongType = client.command({"INCR", "n"});
  EXPECT_EQ(wrongType.type, '-');
  EXPECT_EQ(wrongType.text.rfind("WRONGTYPE n holds a value, not a counter", 0), 0u) << wrongType.text;
  EXPECT_NE(client.command({"INCRBY", "c", "ten"}).text.find("not an integer"), std::string::npos);
  EXPECT_EQ(client.command({"INCRBY", "c", "10"}).integer, 10);
  EXPECT_EQ(client.command({"DECR", "c"}).integer, 9);
  EXPECT_EQ(client.command({"DECRBY", "c", "4"}).integer, 5);
  EXPECT_EQ(client.command({"GET", "c"}).text, "5");
  EXPECT_EQ(client.command({"QUIT"}).text, "OK");
  EXPECT_TRUE(client.closedByServer());
}

TEST_F(RobustnessTest, RandomBytesAndBadFramesOnThePeerPortCloseThatConnectionOnly) {
  for (std::uint32_t seed = 1; seed <= 10; ++seed) {
    RespClient peer(node->peerPort());
    peer.sendRaw(randomBytes(seed, 2048));
    EXPECT_TRUE(peer.closedByServer()) << "seed " << seed;
  }
  {
    // A well-formed hello of another cluster: refused with a reason.
    RespClient peer(node->peerPort());
    net::HandshakeHello hello{"other-cluster", {5, "127.0.0.1", 1, 2, 3}, net::randomNonce()};
    const auto bytes = net::encodeHello(hello);
    peer.sendRaw(std::string(bytes.begin(), bytes.end()));
    EXPECT_TRUE(peer.closedByServer());
  }
  {
    // A message frame where a handshake must come first.
    RespClient peer(node->peerPort());
    Message message;
    message.from = 4;
    message.payload = ReadRequest{"k"};
    const auto frame = encodeMessage(message);
    peer.sendRaw(std::string(frame.begin(), frame.end()));
    EXPECT_TRUE(peer.closedByServer());
  }
  EXPECT_TRUE(pings(node->clientPort()));
  EXPECT_NE(node->info("peer_handshakes_refused"), "0");
}

TEST_F(RobustnessTest, APeerWithTheWrongSecretIsRefused) {
  NodeProcess intruder("n2", dir->sub("n2"), {"--storage", "memory", "--cluster-secret", "not-the-secret"});
  intruder.setSeeds(node->peerAddress());
  intruder.start();
  ASSERT_TRUE(intruder.waitServing());
  // The legitimate node notices the failed handshake and never admits the intruder to its ring.
  ASSERT_TRUE(eventually([&] { return node->info("peer_handshakes_refused") != "0"; }));
  EXPECT_EQ(node->info("ring_members"), "1");
  EXPECT_EQ(intruder.info("ring_members"), "1");
  EXPECT_NE(shell("grep -c 'failed to prove the secret' " + intruder.logPath()), "0");
}

TEST_F(RobustnessTest, TheAdminEndpointRequiresItsToken) {
  const std::string base =
      "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" + std::to_string(node->adminPort());
  EXPECT_EQ(shell(base + "/cluster"), "401");
  EXPECT_EQ(shell(base + "/cluster -H 'Authorization: Bearer wrong'"), "401");
  EXPECT_EQ(shell(base + "/cluster -H 'Authorization: Bearer tok3n'"), "200");
  EXPECT_EQ(shell(base + "/nothing -H 'Authorization: Bearer tok3n'"), "404");
  const std::string cluster = shell("curl -s http://127.0.0.1:" + std::to_string(node->adminPort()) +
                                    "/cluster -H 'Authorization: Bearer tok3n'");
  EXPECT_NE(cluster.find("\"api_version\":1"), std::string::npos) << cluster;
  EXPECT_NE(cluster.find("\"quorum\":{\"n\":1,\"r\":1,\"w\":1}"), std::string::npos) << cluster;
  const std::string metrics = shell("curl -s http://127.0.0.1:" + std::to_string(node->adminPort()) +
                                    "/metrics -H 'Authorization: Bearer tok3n'");
  EXPECT_NE(metrics.find("ringlab_operation_duration_seconds_bucket"), std::string::npos);
  // Garbage on the admin port closes that connection only.
  RespClient garbage(node->adminPort());
  garbage.sendRaw(randomBytes(7, 1000) + "\r\n\r\n");
  EXPECT_TRUE(garbage.closedByServer());
  EXPECT_EQ(shell(base + "/metrics -H 'Authorization: Bearer tok3n'"), "200");
}

TEST_F(RobustnessTest, EventsStreamNewlineDelimitedJsonOfWhatHappens) {
  RespClient events(node->adminPort());
  ASSERT_TRUE(
      events.sendRaw("GET /events?types=request_completed,fiber_slice&rate=1000 HTTP/1.1\r\n"
                     "Host: x\r\nAuthorization: Bearer tok3n\r\n\r\n"));
  // Requests happen after the stream is open (the hello line proves it is).
  std::string received;
  auto readUntil = [&](const std::string& needle) {
    char buffer[4096];
    while (received.find(needle) == std::string::npos) {
      const ssize_t n = ::recv(events.fd(), buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      received.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  };
  ASSERT_TRUE(readUntil("\"type\":\"hello\""));
  RespClient client(node->clientPort());
  ASSERT_EQ(client.command({"SET", "watched", "1"}).text, "OK");
  ASSERT_TRUE(readUntil("\"key\":\"watched\""));
  EXPECT_NE(received.find("200 OK"), std::string::npos);
  EXPECT_NE(received.find("application/x-ndjson"), std::string::npos);
  EXPECT_NE(received.find("{\"type\":\"request_completed\""), std::string::npos);
  EXPECT_NE(received.find("\"result\":\"ok\""), std::string::npos) << received;
  ASSERT_TRUE(readUntil("\"type\":\"fiber_slice\""));
}

TEST(CommandLineTest, AYamlConfigSetsOptionsAndFlagsWin) {
  TempDir dir("ringlabd-yaml");
  const std::string yaml = dir.sub("node.yaml");
  shell("printf 'storage: memory\\nn: 1\\nr: 1\\nw: 1\\nnode-id: n7\\nseeds: []\\n' > " + yaml);
  // The harness passes --node-id n2 on the command line: it wins over the file's n7.
  NodeProcess node("n2", dir.sub("n2"), {"--config", yaml});
  node.start();
  ASSERT_TRUE(node.waitServing());
  EXPECT_EQ(node.info("node_id"), "n2");
  EXPECT_EQ(node.info("replication_n"), "1");
  EXPECT_EQ(node.info("storage"), "memory");
  RespClient client(node.clientPort());
  EXPECT_EQ(client.command({"SET", "k", "v"}).text, "OK");
}

TEST(CommandLineTest, PortZeroBindsAPortTheKernelPicksAndThePortFileAndHandshakeReportIt) {
  TempDir dir("ringlabd-ports");
  // The harness starts nodes with --client-port 0 --peer-port 0 --admin-port auto --port-file.
  NodeProcess first("n1", dir.sub("n1"), kFastGossip);
  ASSERT_TRUE(first.start()) << "see " << first.logPath();
  EXPECT_NE(first.clientPort(), first.peerPort());
  EXPECT_NE(first.adminPort(), 0);
  ASSERT_TRUE(first.waitServing());
  EXPECT_EQ(first.info("tcp_port"), std::to_string(first.clientPort()));
  EXPECT_EQ(httpRequest(first.adminPort(), "GET", "/healthz").status, 200);
  // A peer learns the bound ports from the handshake, not the 0 the node was started with.
  NodeProcess second("n2", dir.sub("n2"), kFastGossip);
  second.setSeeds(first.peerAddress());
  ASSERT_TRUE(second.start()) << "see " << second.logPath();
  bool advertised = eventually([&] {
    const boost::json::value cluster = parse(httpRequest(second.adminPort(), "GET", "/cluster").body);
    if (!cluster.is_object() || !cluster.as_object().contains("members")) return false;
    for (const auto& member : cluster.at("members").as_array()) {
      const auto& m = member.as_object();
      if (m.contains("id") && m.at("id") == "n1" && m.contains("peer_port")) {
        return m.at("peer_port").to_number<int>() == first.peerPort() &&
               m.at("client_port").to_number<int>() == first.clientPort() &&
               m.at("admin_port").to_number<int>() == first.adminPort();
      }
    }
    return false;
  });
  EXPECT_TRUE(advertised) << httpRequest(second.adminPort(), "GET", "/cluster").body;
  // A restart keeps the ports, so peers find the node where it was.
  const int client = first.clientPort();
  first.kill9();
  ASSERT_TRUE(first.start()) << "see " << first.logPath();
  EXPECT_EQ(first.clientPort(), client);
  EXPECT_TRUE(first.waitServing());
}

TEST(CommandLineTest, BadInputGivesAClearErrorAndNoCrash) {
  TempDir dir("ringlabd-flags");
  const std::string bin = RINGLABD_PATH;
  auto run = [&](const std::string& args) { return shell(bin + " " + args + " 2>&1; echo \"exit=$?\""); };
  std::string out = run("--no-such-flag");
  EXPECT_NE(out.find("no-such-flag"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=2"), std::string::npos) << out;
  out = run("--client-port 99999");
  EXPECT_NE(out.find("--client-port: 99999 is not a port"), std::string::npos) << out;
  out = run("--node-id bob --storage memory");
  EXPECT_NE(out.find("not a node name"), std::string::npos) << out;
  out = run("--n 2 --r 3 --storage memory");
  EXPECT_NE(out.find("R (3) must be between 1 and N (2)"), std::string::npos) << out;
  out = run("--seeds nonsense --storage memory");
  EXPECT_NE(out.find("--seeds: 'nonsense' is not host:port"), std::string::npos) << out;
  // An unwritable data directory (a path below a regular file).
  const std::string file = dir.sub("file");
  shell("touch " + file);
  out = run("--data-dir " + file + "/db --client-port 0 --peer-port 0 --admin-port 0");
  EXPECT_NE(out.find("data directory '" + file + "/db'"), std::string::npos) << out;
  EXPECT_NE(out.find("exit=1"), std::string::npos) << out;
  // A port in use.
  NodeProcess holder("n1", dir.sub("n1"), {"--storage", "memory"});
  holder.start();
  ASSERT_TRUE(holder.waitServing());
  out = run("--storage memory --client-port " + std::to_string(holder.clientPort()) + " --peer-port 0 --admin-port 0");
  EXPECT_NE(out.find("cannot listen for clients on 127.0.0.1:" + std::to_string(holder.clientPort())),
            std::string::npos)
      << out;
  // A YAML config with a typo names the file and line.
  const std::string yaml = dir.sub("node.yaml");
  shell("printf 'node-id: n2\\nclient-prot: 7000\\n' > " + yaml);
  out = run("--config " + yaml);
  EXPECT_NE(out.find(yaml + ":2: unknown option 'client-prot'"), std::string::npos) << out;
  EXPECT_NE(run("--help").find("--seeds"), std::string::npos);
  EXPECT_NE(run("--version").find("ringlabd "), std::string::npos);
}

// COMMAND describes every command from the node's one table, and the arity that table states is the arity the
// node enforces: each command sent with one argument too few (or, for a fixed arity, one too many) is refused with
// Redis's message, and COUNT, INFO and DOCS agree with it.
TEST_F(RobustnessTest, CommandDescribesEveryCommandAndTheArityItStatesIsEnforced) {
  RespClient client(node->clientPort());
  const auto all = client.command({"COMMAND"});
  ASSERT_EQ(all.type, '*');
  ASSERT_GE(all.elements.size(), 20u);
  EXPECT_EQ(client.command({"COMMAND", "COUNT"}).integer, static_cast<long long>(all.elements.size()));
  const auto docs = client.command({"COMMAND", "DOCS"});
  ASSERT_EQ(docs.elements.size(), all.elements.size() * 2);
  std::set<std::string> names;
  for (std::size_t i = 0; i < all.elements.size(); ++i) {
    const auto& info = all.elements[i];
    ASSERT_EQ(info.elements.size(), 6u);
    const std::string name = info.elements[0].text;
    const long long arity = info.elements[1].integer;
    SCOPED_TRACE(name);
    names.insert(name);
    EXPECT_EQ(docs.elements[2 * i].text, name);
    ASSERT_EQ(docs.elements[2 * i + 1].elements.size(), 6u);
    EXPECT_EQ(docs.elements[2 * i + 1].elements[0].text, "summary");
    EXPECT_FALSE(docs.elements[2 * i + 1].elements[1].text.empty());
    if (name == "quit") continue;  // it would close this connection
    const std::size_t least = static_cast<std::size_t>(arity > 0 ? arity : -arity);
    if (least > 1) {
      std::vector<std::string> tooFew(least - 1, "x");
      tooFew[0] = name;
      const auto reply = client.command(tooFew);
      EXPECT_EQ(reply.text, "ERR wrong number of arguments for '" + name + "' command");
    }
    if (arity > 0) {
      std::vector<std::string> tooMany(static_cast<std::size_t>(arity) + 1, "x");
      tooMany[0] = name;
      const auto reply = client.command(tooMany);
      EXPECT_EQ(reply.text, "ERR wrong number of arguments for '" + name + "' command");
    }
  }
  for (const char* expected : {"get", "set", "del", "mget", "mset", "incrby", "getctx", "setctx", "command"}) {
    EXPECT_EQ(names.count(expected), 1u) << expected;
  }
  const auto mset = client.command({"COMMAND", "INFO", "mset", "nosuch"});
  ASSERT_EQ(mset.elements.size(), 2u);
  EXPECT_EQ(mset.elements[0].elements[1].integer, -3);
  EXPECT_EQ(mset.elements[0].elements[5].integer, 2);  // keys at every other argument
  EXPECT_TRUE(mset.elements[1].null);
  // The unknown-command message lists what the table has.
  const auto unknown = client.command({"FLUSHDB"});
  for (const std::string& name : names) {
    std::string upperName = name;
    for (char& c : upperName) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_NE(unknown.text.find(" " + upperName), std::string::npos) << upperName;
  }
}

}  // namespace
}  // namespace ringlab::testing
