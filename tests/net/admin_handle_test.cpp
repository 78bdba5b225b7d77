// AdminServer::handle on its own: requests in, answers out, no socket. The node is an in-process Daemon on memory
// storage, opened (its ports bound to whatever is free) but never run, so it has not started serving: what a node
// looks like to a probe in its first moments.
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <ringlab/net/admin_server.h>
#include <ringlab/net/daemon.h>

#include <ringlab/observe/prometheus_text.h>

namespace ringlab::net {
namespace {

namespace http = boost::beast::http;

DaemonConfig memoryNode(std::string token = {}) {
  DaemonConfig config;
  config.nodeName = "n1";
  config.storage = StorageKind::kMemory;
  config.clientPort = 0;
  config.peerPort = 0;
  config.adminPort = 0;  // this test makes its own AdminServer
  config.adminToken = std::move(token);
  config.quorum = QuorumConfig{1, 1, 1};
  return config;
}

class AdminHandleTest : public ::testing::Test {
 protected:
  void open(DaemonConfig config) {
    server.reset();
    daemon.reset();
    daemon = std::make_unique<Daemon>(std::move(config));
    const Status opened = daemon->open();
    ASSERT_TRUE(opened.isOk()) << opened.toString();
    server = std::make_unique<AdminServer>(*daemon);
  }
  void SetUp() override { open(memoryNode()); }

  AdminReply request(http::verb method, const std::string& target, const std::string& body = {},
                     const std::string& token = {}) {
    AdminRequest req(method, target, 11);
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    req.body() = body;
    req.prepare_payload();
    return server->handle(req);
  }
  AdminReply get(const std::string& target) { return request(http::verb::get, target); }

  static boost::json::object json(const AdminReply& reply) {
    boost::system::error_code ec;
    auto value = boost::json::parse(reply.response.body(), ec);
    EXPECT_FALSE(ec) << reply.response.body();
    return !ec && value.is_object() ? value.as_object() : boost::json::object{};
  }
  static std::string header(const AdminReply& reply, http::field field) {
    const auto it = reply.response.find(field);
    return it == reply.response.end() ? std::string() : std::string(it->value());
  }

  std::unique_ptr<Daemon> daemon;
  std::unique_ptr<AdminServer> server;
};

TEST_F(AdminHandleTest, TheTableRoutesEveryEndpointAndRefusesTheRest) {
  const AdminReply index = get("/");
  EXPECT_EQ(index.response.result_int(), 200);
  const auto endpoints = json(index).at("endpoints").as_array();
  for (const char* path :
       {"/metrics", "/cluster", "/events", "/fault", "/decommission", "/members", "/healthz", "/readyz"}) {
    EXPECT_NE(std::find(endpoints.begin(), endpoints.end(), boost::json::value(path)), endpoints.end()) << path;
  }
  EXPECT_EQ(json(index).at("methods").at("/fault"), boost::json::array({"GET", "POST"}));
  EXPECT_EQ(json(get("/cluster")).at("api_version").as_int64(), kAdminApiVersion);
  EXPECT_EQ(json(get("/cluster")).at("failure_detector").as_string(), "phi_accrual");

  const AdminReply missing = get("/nothing");
  EXPECT_EQ(missing.response.result_int(), 404);
  EXPECT_EQ(json(missing).at("error").as_string(), "no such endpoint: /nothing");
  const AdminReply wrongMethod = request(http::verb::post, "/cluster", "{}");
  EXPECT_EQ(wrongMethod.response.result_int(), 405);
  EXPECT_EQ(header(wrongMethod, http::field::allow), "GET");
  const AdminReply deleteFault = request(http::verb::delete_, "/fault");
  EXPECT_EQ(header(deleteFault, http::field::allow), "GET, POST");
  EXPECT_EQ(json(deleteFault).at("error").as_string(), "DELETE /fault is not supported: /fault allows GET, POST");
  EXPECT_EQ(header(request(http::verb::head, "/decommission"), http::field::allow), "POST");

  // The actions' own checks answer through the same table.
  EXPECT_EQ(request(http::verb::post, "/fault", R"({"action":"heal"})").response.result_int(), 403);
  const AdminReply unknownField = request(http::verb::post, "/decommission", R"({"now":true})");
  EXPECT_EQ(unknownField.response.result_int(), 400);
  EXPECT_NE(std::string(json(unknownField).at("error").as_string()).find("field 'now'"), std::string::npos);
}

TEST_F(AdminHandleTest, HeadAnswersWithTheHeadersOfGetAndNoBody) {
  for (const std::string target : {"/", "/metrics", "/cluster", "/fault", "/healthz", "/readyz", "/nothing"}) {
    const AdminReply full = get(target);
    const AdminReply head = request(http::verb::head, target);
    EXPECT_EQ(head.response.result_int(), full.response.result_int()) << target;
    EXPECT_EQ(header(head, http::field::content_type), header(full, http::field::content_type)) << target;
    EXPECT_TRUE(head.response.body().empty()) << target;
    EXPECT_FALSE(full.response.body().empty()) << target;
    if (target == "/metrics") continue;  // process figures move between the two requests
    EXPECT_EQ(header(head, http::field::content_length), std::to_string(full.response.body().size())) << target;
  }
  // HEAD /events: the stream's headers, and no stream.
  const AdminReply events = request(http::verb::head, "/events");
  EXPECT_EQ(events.response.result_int(), 200);
  EXPECT_EQ(header(events, http::field::content_type), "application/x-ndjson");
  EXPECT_FALSE(events.events.has_value());
  EXPECT_TRUE(get("/events").events.has_value());
}

TEST_F(AdminHandleTest, QueryParametersArePercentDecoded) {
  const AdminReply encoded = get("/events?types=hint%2Cread_repaired&rate=1%30");
  ASSERT_TRUE(encoded.events.has_value()) << encoded.response.body();
  EXPECT_EQ(encoded.events->mask, maskOf(EventType::kHintEvent) | maskOf(EventType::kReadRepaired));
  EXPECT_EQ(encoded.events->rate, 10u);
  const AdminReply plain = get("/events?rate=5&types=hint,read_repaired");
  ASSERT_TRUE(plain.events.has_value());
  EXPECT_EQ(plain.events->mask, encoded.events->mask);

  // Errors name the decoded value.
  const AdminReply unknown = get("/events?types=a%2Cb");
  EXPECT_EQ(unknown.response.result_int(), 400);
  EXPECT_FALSE(unknown.events.has_value());
  EXPECT_NE(std::string(json(unknown).at("error").as_string()).find("unknown event type 'a'"), std::string::npos);
  EXPECT_EQ(get("/events?rate=0").response.result_int(), 400);
  EXPECT_EQ(get("/events?rate=12x").response.result_int(), 400);

  // A target Boost.URL cannot parse is a 400 that says so, not a crash or a 404.
  const AdminReply malformed = get("/events?types=%zz");
  EXPECT_EQ(malformed.response.result_int(), 400);
  EXPECT_NE(std::string(json(malformed).at("error").as_string()).find("malformed request target"), std::string::npos);
  // The path is decoded too.
  EXPECT_EQ(get("/%63luster").response.result_int(), 200);
}

TEST_F(AdminHandleTest, ReadinessSaysWhyANodeThatHasNotStartedIsNotReady) {
  const AdminReply live = get("/healthz");
  EXPECT_EQ(live.response.result_int(), 200);
  EXPECT_EQ(json(live).at("status").as_string(), "serving");
  const AdminReply ready = get("/readyz");
  EXPECT_EQ(ready.response.result_int(), 503);
  EXPECT_EQ(header(ready, http::field::content_type), "application/json");
  EXPECT_EQ(json(ready).at("ready").as_bool(), false);
  EXPECT_EQ(json(ready).at("reason").as_string(), "n1 has not started serving yet");
}

TEST_F(AdminHandleTest, TheTokenGuardsEverythingButTheProbes) {
  open(memoryNode("s3cret"));
  for (const std::string target : {"/", "/metrics", "/cluster", "/events", "/fault", "/nothing"}) {
    const AdminReply refused = get(target);
    EXPECT_EQ(refused.response.result_int(), 401) << target;
    EXPECT_EQ(header(refused, http::field::www_authenticate), "Bearer") << target;
    EXPECT_FALSE(refused.events.has_value());
  }
  EXPECT_EQ(request(http::verb::post, "/decommission").response.result_int(), 401);
  EXPECT_EQ(request(http::verb::get, "/metrics", {}, "wrong").response.result_int(), 401);
  EXPECT_EQ(request(http::verb::get, "/metrics", {}, "s3cret").response.result_int(), 200);
  EXPECT_EQ(get("/healthz").response.result_int(), 200);
  EXPECT_EQ(get("/readyz").response.result_int(), 503);  // not ready, but not refused
  EXPECT_EQ(request(http::verb::head, "/healthz").response.result_int(), 200);
}

TEST_F(AdminHandleTest, MetricsAreStrictPrometheusTextWithTheStandardProcessFamilies) {
  const AdminReply metrics = get("/metrics");
  EXPECT_EQ(metrics.response.result_int(), 200);
  EXPECT_EQ(header(metrics, http::field::content_type), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.response.body();
  EXPECT_EQ(readPrometheusText(text).problems, std::vector<std::string>()) << text;
  std::map<std::string, std::string> types;
  for (const auto& [name, type] : readPrometheusText(text).families) types[name] = type;
  EXPECT_EQ(types["process_cpu_seconds_total"], "counter");
  EXPECT_EQ(types["process_resident_memory_bytes"], "gauge");
  EXPECT_EQ(types["process_start_time_seconds"], "gauge");
  EXPECT_EQ(types["ringlab_build_info"], "gauge");
  EXPECT_EQ(types["ringlab_operation_duration_seconds"], "histogram");
  EXPECT_NE(text.find("ringlab_build_info{node=\"n1\",version=\""), std::string::npos);
  for (const char* reason : {"timeout", "unavailable", "rejected", "cancelled", "other"}) {
    EXPECT_NE(
        text.find("ringlab_operation_errors_total{node=\"n1\",op=\"put\",reason=\"" + std::string(reason) + "\"} 0\n"),
        std::string::npos)
        << reason;
  }
}

}  // namespace
}  // namespace ringlab::net
