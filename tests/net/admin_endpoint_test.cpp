// The admin endpoint of real ringlabd processes, over HTTP: /metrics of a cluster passes the strict exposition-format
// checker, the probes answer without the token, HEAD and percent-encoded queries work on the wire.
#include <gtest/gtest.h>

#include <memory>

#include <boost/json.hpp>

#include "harness.h"
#include <ringlab/observe/prometheus_text.h>

namespace ringlab::testing {
namespace {

using namespace std::chrono_literals;

TEST(AdminEndpointTest, MetricsOfAClusterUnderLoadPassTheStrictChecker) {
  TempDir dir("ringlabd-metrics");
  std::vector<std::unique_ptr<NodeProcess>> nodes;
  for (int i = 1; i <= 3; ++i) {
    nodes.push_back(std::make_unique<NodeProcess>("n" + std::to_string(i), dir.sub("n" + std::to_string(i)),
                                                  with(kFastGossip, {"--admin-token", "t0k"})));
  }
  // The first node binds ports the kernel picks; the others join through its peer port.
  nodes[0]->start();
  for (auto& node : nodes) node->setSeeds(nodes[0]->peerAddress());
  for (std::size_t i = 1; i < nodes.size(); ++i) nodes[i]->start();
  for (auto& node : nodes) ASSERT_TRUE(node->waitServing());
  ASSERT_TRUE(eventually([&] { return nodes[0]->info("ring_members_up") == "3"; }));
  RespClient client(nodes[0]->clientPort());
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(client.command({"SET", "k" + std::to_string(i), "v"}).text, "OK");
    ASSERT_TRUE(client.command({"GET", "k" + std::to_string(i)}).ok());
  }
  const HttpReply reply = httpRequest(nodes[0]->adminPort(), "GET", "/metrics", {}, {"Authorization: Bearer t0k"});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(readPrometheusText(reply.body).problems, std::vector<std::string>()) << reply.body;
  // Two peers each for phi and up: the families that once interleaved.
  for (const std::string family : {"ringlab_peer_phi{", "ringlab_peer_up{"}) {
    std::size_t samples = 0;
    for (std::size_t pos = 0; (pos = reply.body.find("\n" + family, pos)) != std::string::npos; ++pos) ++samples;
    EXPECT_EQ(samples, 2u) << family;
  }
  EXPECT_NE(reply.body.find("ringlab_operation_duration_seconds_count{node=\"n1\",op=\"put\"} 50\n"), std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find("\nprocess_start_time_seconds{node=\"n1\"} "), std::string::npos);
}

TEST(AdminEndpointTest, ProbesAnswerWithoutTheTokenAndReadinessWaitsForTheCluster) {
  TempDir dir("ringlabd-probes");
  // A seed where nothing listens: the node serves, but has not joined a cluster.
  NodeProcess lonely("n2", dir.sub("n2"), with(kFastGossip, {"--admin-token", "t0k"}));
  lonely.setSeeds("127.0.0.1:" + std::to_string(freePort()));
  lonely.start();
  ASSERT_TRUE(lonely.waitServing());
  EXPECT_EQ(httpRequest(lonely.adminPort(), "GET", "/healthz").status, 200);
  const HttpReply notReady = httpRequest(lonely.adminPort(), "GET", "/readyz");
  EXPECT_EQ(notReady.status, 503) << notReady.body;
  EXPECT_NE(std::string(parse(notReady.body).at("reason").as_string()).find("has not joined its cluster"),
            std::string::npos)
      << notReady.body;
  EXPECT_EQ(httpRequest(lonely.adminPort(), "GET", "/cluster").status, 401);

  // A node on its own (no seeds) is a cluster of its own, not ready while its ring is too small for R and W...
  NodeProcess tooSmall("n3", dir.sub("n3"), kFastGossip);
  tooSmall.start();
  ASSERT_TRUE(tooSmall.waitServing());
  const HttpReply small = httpRequest(tooSmall.adminPort(), "GET", "/readyz");
  EXPECT_EQ(small.status, 503) << small.body;
  EXPECT_NE(small.body.find("has 1 member; reads and writes need 2 (R = 2, W = 2)"), std::string::npos) << small.body;
  // ... and ready once it serves when one member is enough.
  NodeProcess alone("n1", dir.sub("n1"), with(kFastGossip, {"--n", "1", "--r", "1", "--w", "1"}));
  alone.start();
  ASSERT_TRUE(alone.waitServing());
  ASSERT_TRUE(eventually([&] { return httpRequest(alone.adminPort(), "GET", "/readyz").status == 200; }));
  EXPECT_EQ(parse(httpRequest(alone.adminPort(), "GET", "/readyz").body).at("ready").as_bool(), true);

  // HEAD on the wire: the headers of GET, Content-Length included, and no body.
  const HttpReply get = httpRequest(alone.adminPort(), "GET", "/fault");
  const HttpReply head = httpRequest(alone.adminPort(), "HEAD", "/fault");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
  EXPECT_EQ(head.header("Content-Type"), "application/json");
  EXPECT_TRUE(head.body.empty()) << head.body;

  // A percent-encoded comma in the event types.
  RespClient events(alone.adminPort());
  ASSERT_TRUE(events.sendRaw("GET /events?types=cluster_changed%2Crequest_completed HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string received;
  char buffer[4096];
  while (received.find("\"type\":\"hello\"") == std::string::npos) {
    const ssize_t n = ::recv(events.fd(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK", 0), 0u) << received;
  RespClient client(alone.clientPort());
  ASSERT_EQ(client.command({"SET", "seen", "1"}).text, "OK");
  while (received.find("\"key\":\"seen\"") == std::string::npos) {
    const ssize_t n = ::recv(events.fd(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_NE(received.find("{\"type\":\"request_completed\""), std::string::npos) << received;
}

}  // namespace
}  // namespace ringlab::testing
