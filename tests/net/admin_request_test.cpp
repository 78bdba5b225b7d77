// Admin requests read and checked with no node behind them (admin_request.h): bytes to a request or a refusal under
// the admin limits, and the actions' bodies to values or messages naming the field.
#include <gtest/gtest.h>

#include <string>

#include <ringlab/net/admin_request.h>

namespace ringlab::net {
namespace {

std::string post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

TEST(AdminRequestTest, BytesBecomeOneRequestAndWhatFollowsIsLeftForTheNext) {
  const std::string first = post("/fault", R"({"action":"heal"})");
  const std::string bytes = first + "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  const ParsedAdminRequest parsed = parseAdminRequest(bytes);
  ASSERT_TRUE(parsed.request.has_value());
  EXPECT_FALSE(parsed.refusal.has_value());
  EXPECT_EQ(parsed.request->target(), "/fault");
  EXPECT_EQ(parsed.request->body(), R"({"action":"heal"})");
  EXPECT_EQ(parsed.used, first.size());
  const ParsedAdminRequest next = parseAdminRequest(std::string_view(bytes).substr(parsed.used));
  ASSERT_TRUE(next.request.has_value());
  EXPECT_EQ(next.request->target(), "/metrics");

  // A chunked body is joined.
  const ParsedAdminRequest chunked = parseAdminRequest(
      "POST /fault HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"act\r\nc\r\nion\":\"heal\"}\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked.request.has_value());
  EXPECT_EQ(chunked.request->body(), R"({"action":"heal"})");
}

TEST(AdminRequestTest, ARequestCutShortIsNeitherAnsweredNorRefused) {
  const std::string whole = post("/members", R"({"peer":"127.0.0.1:7380"})");
  for (const std::size_t cut : {std::size_t{0}, std::size_t{10}, whole.find("\r\n\r\n"), whole.size() - 1}) {
    const ParsedAdminRequest parsed = parseAdminRequest(std::string_view(whole).substr(0, cut));
    EXPECT_FALSE(parsed.request.has_value()) << cut;
    EXPECT_FALSE(parsed.refusal.has_value()) << cut;
  }
}

TEST(AdminRequestTest, OversizedOrMalformedRequestsAreRefusedWithTheStatusThatSaysWhy) {
  const ParsedAdminRequest bigBody = parseAdminRequest(post("/fault", std::string(kAdminMaxBodyBytes + 1, ' ')));
  ASSERT_TRUE(bigBody.refusal.has_value());
  EXPECT_EQ(bigBody.refusal->result_int(), 413);
  EXPECT_NE(bigBody.refusal->body().find("the body is larger than 64 kB"), std::string::npos);
  EXPECT_FALSE(bigBody.refusal->keep_alive());

  const std::string bigHeader =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(kAdminMaxHeaderBytes, 'a') + "\r\n\r\n";
  const ParsedAdminRequest header = parseAdminRequest(bigHeader);
  ASSERT_TRUE(header.refusal.has_value());
  EXPECT_EQ(header.refusal->result_int(), 431);

  const ParsedAdminRequest garbage = parseAdminRequest("HELLO\r\n\r\n");
  ASSERT_TRUE(garbage.refusal.has_value());
  EXPECT_EQ(garbage.refusal->result_int(), 400);
  EXPECT_NE(garbage.refusal->body().find("malformed HTTP request"), std::string::npos);
}

TEST(AdminRequestTest, FaultBodiesBecomeActionsOrNameTheFieldAtFault) {
  const auto drop = parseFaultRequest(R"({"action":"drop","peers":["n2","n3"],"probability":0.25})");
  ASSERT_TRUE(drop) << drop.status().toString();
  EXPECT_EQ(drop->action, FaultRequest::Action::kDrop);
  EXPECT_EQ(drop->peers, (std::vector<NodeId>{parseNodeName("n2"), parseNodeName("n3")}));
  EXPECT_DOUBLE_EQ(drop->probability, 0.25);
  const auto pause = parseFaultRequest(R"({"action":"pause","duration_ms":1500.0})");
  ASSERT_TRUE(pause);
  EXPECT_EQ(pause->durationMs, 1500);
  const auto delay = parseFaultRequest(R"({"action":"delay","delay_ms":0})");
  ASSERT_TRUE(delay);
  EXPECT_TRUE(delay->peers.empty());

  const std::pair<const char*, const char*> refused[] = {
      {"", "the body is empty"},
      {"[1]", "must be a JSON object"},
      {R"({"action":"drop","action":"heal"})", "field 'action' is given twice"},
      {R"({"action":"explode"})", "'explode' is not one of drop, delay, pause, heal"},
      {R"({"action":"pause","peers":["n2"],"duration_ms":5})", "field 'peers' is not used by action 'pause'"},
      {R"({"action":"pause","duration_ms":60001})", "field 'duration_ms' must be a whole number"},
      {R"({"action":"delay"})", "field 'delay_ms' is missing"},
      {R"({"action":"drop","probability":1.5})", "field 'probability' must be a number between 0 and 1"},
      {R"({"action":"drop","peers":["n2","x"]})", "field 'peers[1]': 'x' is not a node name"},
      {R"({"action":"drop","peers":"n2"})", "field 'peers' must be an array"},
  };
  for (const auto& [body, message] : refused) {
    const auto result = parseFaultRequest(body);
    ASSERT_FALSE(result) << body;
    EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument) << body;
    EXPECT_NE(result.status().message().find(message), std::string::npos) << body << ": " << result.status().message();
  }
}

TEST(AdminRequestTest, MembershipBodiesAreCheckedForShape) {
  const auto ipv6 = parseJoinRequest(R"({"peer":"[::1]:7380"})");
  ASSERT_TRUE(ipv6) << ipv6.status().toString();
  EXPECT_EQ(ipv6->host, "::1");
  EXPECT_EQ(ipv6->port, 7380);
  EXPECT_NE(parseJoinRequest(R"({"peer":"a/b:1"})").status().message().find("is not a host name"), std::string::npos);
  EXPECT_NE(parseJoinRequest(R"({"peer":"host:0"})").status().message().find("port must be a number"),
            std::string::npos);
  EXPECT_NE(parseJoinRequest(R"({"peer":"h:1","x":1})").status().message().find("field 'x' is not understood"),
            std::string::npos);

  ASSERT_TRUE(parseRemoveMemberRequest(R"({"member":"n5"})"));
  EXPECT_EQ(*parseRemoveMemberRequest(R"({"member":"n5"})"), parseNodeName("n5"));
  EXPECT_NE(parseRemoveMemberRequest(R"({"member":5})").status().message().find("must be a node name"),
            std::string::npos);
  EXPECT_NE(parseRemoveMemberRequest("{}").status().message().find("field 'member' is missing"), std::string::npos);

  EXPECT_TRUE(parseDecommissionRequest("").isOk());
  EXPECT_TRUE(parseDecommissionRequest(" {} ").isOk());
  EXPECT_NE(parseDecommissionRequest(R"({"now":true})").message().find("takes no fields"), std::string::npos);
}

}  // namespace
}  // namespace ringlab::net
