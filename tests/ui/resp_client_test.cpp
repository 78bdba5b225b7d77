// Replies in Qt's types, and RespClient against a real ringlabd on loopback and against small fake servers
// (silent, garbage, hanging up). Skipped where ringlabd is not built.
#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>
#include <QTcpServer>
#include <QTcpSocket>

#include <ringlab/ui/resp_client.h>

#include "qt_test_support.h"

#ifdef RINGLAB_RINGLABD_PATH
#define RINGLABD_PATH RINGLAB_RINGLABD_PATH
#else
#define RINGLABD_PATH ""
#endif
#include "../net/harness.h"

namespace ringlab {
namespace {

using Type = RespReply::Type;

// --- replies in Qt's types (the parser itself is tested with the codec, tests/engine/resp_reply_parser_test.cpp)

std::vector<RespReply> parseAll(const std::string& bytes) {
  RespReplyParser parser;
  parser.feed(bytes);
  std::vector<RespReply> out;
  while (auto value = parser.next()) out.push_back(RespReply::from(*value));
  EXPECT_TRUE(parser.error().empty()) << parser.error();
  return out;
}

TEST(RespReplyTest, EveryTypeConvertsWithItsBytes) {
  const auto r = parseAll(std::string("+OK\r\n-ERR no\r\n:-42\r\n$4\r\na\r\n\0\r\n$-1\r\n*2\r\n:1\r\n*-1\r\n", 48));
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].type, Type::kSimpleString);
  EXPECT_EQ(r[0].text, "OK");
  EXPECT_EQ(r[1].type, Type::kError);
  EXPECT_TRUE(r[1].isError());
  EXPECT_EQ(r[2].type, Type::kInteger);
  EXPECT_EQ(r[2].integer, -42);
  EXPECT_EQ(r[3].type, Type::kBulkString);
  EXPECT_EQ(r[3].text, QByteArray("a\r\n\0", 4));
  EXPECT_TRUE(r[4].isNull);
  ASSERT_EQ(r[5].type, Type::kArray);
  ASSERT_EQ(r[5].elements.size(), 2);
  EXPECT_EQ(r[5].elements[0].integer, 1);
  EXPECT_EQ(r[5].elements[1].type, Type::kArray);
  EXPECT_TRUE(r[5].elements[1].isNull);
}

TEST(RespReplyTest, DescribeReadsLikeRedisCli) {
  auto replies = parseAll("$-1\r\n:3\r\n-ERR no\r\n*2\r\n$1\r\na\r\n*1\r\n+b\r\n$3\r\na\nb\r\n");
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_EQ(replies[0].describe(), "(nil)");
  EXPECT_EQ(replies[1].describe(), "(integer) 3");
  EXPECT_EQ(replies[2].describe(), "(error) ERR no");
  EXPECT_EQ(replies[3].describe(), "1) \"a\"\n2) 1) b");
  EXPECT_EQ(replies[4].describe(), "\"a\\x0ab\"");
  EXPECT_EQ(RespClient::encode({"GET", "k"}), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

// --- the client against a real node

std::optional<RespReply> send(RespClient& client, const QStringList& args) {
  std::optional<RespReply> result;
  client.command(args, [&](const RespReply& r) { result = r; });
  if (!testing::waitFor([&] { return result.has_value(); }, 10000)) return std::nullopt;
  return result;
}

class RespClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::string(RINGLABD_PATH).empty()) return;
    s_dir = std::make_unique<testing::TempDir>("ringlab-resp-client");
    s_node = std::make_unique<testing::NodeProcess>(
        "n1", s_dir->sub("n1"), std::vector<std::string>{"--storage", "memory", "--n", "1", "--r", "1", "--w", "1"});
    s_node->start();
    if (!s_node->waitServing()) s_node.reset();
  }
  static void TearDownTestSuite() {
    s_node.reset();
    s_dir.reset();
  }
  void SetUp() override {
    testing::app();
    if (std::string(RINGLABD_PATH).empty()) GTEST_SKIP() << "ringlabd is not built (RINGLAB_BUILD_NET is off)";
    ASSERT_NE(s_node, nullptr) << "ringlabd did not start; see its log under " << s_dir->path();
    client.connectToNode(endpoint());
  }
  static RespEndpoint endpoint() {
    return {QStringLiteral("n1"), QStringLiteral("127.0.0.1"), static_cast<quint16>(s_node->clientPort())};
  }

  static inline std::unique_ptr<testing::TempDir> s_dir;
  static inline std::unique_ptr<testing::NodeProcess> s_node;
  QApplication& m_app = testing::app();  // before any QObject
  RespClient client;
};

TEST_F(RespClientTest, SetThenGetReturnsTheValue) {
  const auto set = send(client, {"SET", "inspector:a", "value one"});
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->type, Type::kSimpleString) << set->describe().toStdString();
  EXPECT_EQ(set->text, "OK");
  const auto get = send(client, {"GET", "inspector:a"});
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->type, Type::kBulkString);
  EXPECT_EQ(get->text, "value one");
  EXPECT_TRUE(client.isReady());
}

TEST_F(RespClientTest, BinaryValuesRoundTrip) {
  QByteArray value("\0\r\n\xff$*", 6);
  std::optional<RespReply> set, get;
  client.commandBytes({"SET", "inspector:binary", value}, [&](const RespReply& r) { set = r; });
  client.commandBytes({"GET", "inspector:binary"}, [&](const RespReply& r) { get = r; });
  ASSERT_TRUE(testing::waitFor([&] { return get.has_value(); }, 10000));
  EXPECT_EQ(set->text, "OK");
  EXPECT_EQ(get->text, value);
}

TEST_F(RespClientTest, DelOfAnExistingKeyReturnsOne) {
  ASSERT_TRUE(send(client, {"SET", "inspector:del", "x"}).has_value());
  const auto del = send(client, {"DEL", "inspector:del"});
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->type, Type::kInteger) << del->describe().toStdString();
  EXPECT_EQ(del->integer, 1);
  const auto get = send(client, {"GET", "inspector:del"});
  ASSERT_TRUE(get.has_value());
  EXPECT_TRUE(get->isNull);
}

TEST_F(RespClientTest, GetOfAMissingKeyIsNull) {
  const auto get = send(client, {"GET", "inspector:never-written"});
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->type, Type::kBulkString);
  EXPECT_TRUE(get->isNull);
  EXPECT_EQ(get->describe(), "(nil)");
}

TEST_F(RespClientTest, PipelinedCommandsAnswerInOrder) {
  constexpr int kCount = 200;
  std::vector<QByteArray> answers;
  // Issued before the connection is ready, then all at once: every SET and GET of a key answers in issue order.
  for (int i = 0; i < kCount; ++i) {
    const QString key = QStringLiteral("inspector:pipe:%1").arg(i);
    client.command({"SET", key, QString::number(i)}, [&](const RespReply& r) { answers.push_back(r.text); });
    client.command({"GET", key}, [&](const RespReply& r) { answers.push_back(r.text); });
  }
  EXPECT_GT(client.outstanding(), 0);
  ASSERT_TRUE(testing::waitFor([&] { return answers.size() == 2 * kCount; }, 10000));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(answers[static_cast<std::size_t>(2 * i)], "OK");
    EXPECT_EQ(answers[static_cast<std::size_t>(2 * i + 1)], QByteArray::number(i));
  }
  EXPECT_EQ(client.outstanding(), 0);
}

TEST_F(RespClientTest, UnknownCommandReturnsAnErrorReplyAndTheConnectionStays) {
  const auto reply = send(client, {"FLYTOTHEMOON", "now"});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, Type::kError);
  EXPECT_TRUE(reply->text.startsWith("ERR unknown command")) << reply->text.toStdString();
  const auto ping = send(client, {"PING"});
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(ping->text, "PONG");
}

TEST_F(RespClientTest, ConnectingToAClosedPortFailsNamingTheAddress) {
  const int port = testing::freePort();
  RespClient closed;
  QStringList failedSignals;
  QObject::connect(&closed, &RespClient::failed, [&](const QString& e) { failedSignals << e; });
  closed.connectToNode({QStringLiteral("n2"), QStringLiteral("127.0.0.1"), static_cast<quint16>(port)});
  const auto reply = send(closed, {"GET", "k"});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, Type::kFailed);
  EXPECT_EQ(QString::fromUtf8(reply->text), QStringLiteral("n2 at 127.0.0.1:%1: connection refused").arg(port));
  ASSERT_EQ(failedSignals.size(), 1);
  EXPECT_EQ(failedSignals[0], QString::fromUtf8(reply->text));
  EXPECT_FALSE(closed.isReady());
}

TEST_F(RespClientTest, AKilledNodeFailsTheOutstandingCommandsAndTheClientReconnectsOnDemand) {
  testing::TempDir dir("ringlab-resp-kill");
  testing::NodeProcess node("n3", dir.sub("n3"), {"--storage", "memory", "--n", "1", "--r", "1", "--w", "1"});
  node.start();
  ASSERT_TRUE(node.waitServing());
  RespClient c;
  const RespEndpoint ep{QStringLiteral("n3"), QStringLiteral("127.0.0.1"), static_cast<quint16>(node.clientPort())};
  c.connectToNode(ep);
  ASSERT_EQ(send(c, {"SET", "k", "v"})->text, "OK");
  QString failure;
  QObject::connect(&c, &RespClient::failed, [&](const QString& e) { failure = e; });
  node.kill9();
  ASSERT_TRUE(testing::waitFor([&] { return !failure.isEmpty(); }, 5000));
  EXPECT_TRUE(failure.startsWith(ep.describe() + ": ")) << failure.toStdString();
  const auto refused = send(c, {"GET", "k"});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(QString::fromUtf8(refused->text), ep.describe() + ": connection refused");
  // The same ports again: the next command connects by itself.
  node.start();
  ASSERT_TRUE(node.waitServing());
  const auto again = send(c, {"PING"});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->text, "PONG");
}

TEST_F(RespClientTest, AuthIsSentFirstAndAWrongPasswordFailsTheConnection) {
  testing::TempDir dir("ringlab-resp-auth");
  testing::NodeProcess node("n4", dir.sub("n4"),
                            {"--storage", "memory", "--n", "1", "--r", "1", "--w", "1", "--requirepass", "sesame"});
  node.start();
  ASSERT_TRUE(testing::eventually([&] {
    testing::RespClient probe(node.clientPort());
    return probe.connected() && probe.command({"PING"}).type != 0;
  }));
  const RespEndpoint ep{QStringLiteral("n4"), QStringLiteral("127.0.0.1"), static_cast<quint16>(node.clientPort())};
  RespClient good;
  good.connectToNode(ep, QStringLiteral("sesame"));
  const auto set = send(good, {"SET", "k", "v"});
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->text, "OK") << set->describe().toStdString();

  RespClient bad;
  bad.connectToNode(ep, QStringLiteral("open"));
  const auto refused = send(bad, {"GET", "k"});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->type, Type::kFailed);
  EXPECT_TRUE(refused->text.startsWith("n4 at 127.0.0.1:" + QByteArray::number(node.clientPort()) + ": AUTH refused: "))
      << refused->text.toStdString();
}

// --- the client against fake servers

// A loopback server that does `onData` with every connection's input.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(QTcpSocket*, const QByteArray&)> onData) {
    testing::app();
    m_server.listen(QHostAddress::LocalHost, 0);
    QObject::connect(&m_server, &QTcpServer::newConnection, [this, onData] {
      while (QTcpSocket* s = m_server.nextPendingConnection()) {
        QObject::connect(s, &QTcpSocket::readyRead, s, [s, onData] { onData(s, s->readAll()); });
      }
    });
  }
  RespEndpoint endpoint() const { return {QStringLiteral("fake"), QStringLiteral("127.0.0.1"), m_server.serverPort()}; }

 private:
  QTcpServer m_server;
};

TEST(RespClientFakeServerTest, GarbageFromTheNodeIsAProtocolErrorForEveryOutstandingCommand) {
  FakeServer server([](QTcpSocket* s, const QByteArray&) { s->write("+OK\r\n!garbage\r\n+never\r\n"); });
  RespClient client;
  client.connectToNode(server.endpoint());
  std::vector<RespReply> replies;
  for (int i = 0; i < 3; ++i) client.command({"PING"}, [&](const RespReply& r) { replies.push_back(r); });
  ASSERT_TRUE(testing::waitFor([&] { return replies.size() == 3; }, 5000));
  EXPECT_EQ(replies[0].text, "OK");
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(replies[static_cast<std::size_t>(i)].type, Type::kFailed);
    EXPECT_TRUE(replies[static_cast<std::size_t>(i)].text.startsWith(
        "fake at 127.0.0.1:" + QByteArray::number(server.endpoint().port) + ": protocol error: byte 5: expected"))
        << replies[static_cast<std::size_t>(i)].text.toStdString();
  }
  EXPECT_FALSE(client.isReady());
}

// On an injected clock: the reply deadline holds until the clock reaches it, and fails the command exactly then.
TEST(RespClientFakeServerTest, ASilentNodeTimesOut) {
  FakeServer server([](QTcpSocket*, const QByteArray&) {});
  qint64 nowMs = 0;
  RespClient client(nullptr, [&nowMs] { return nowMs; });
  client.setTimeout(std::chrono::milliseconds(200));
  client.connectToNode(server.endpoint());
  ASSERT_TRUE(testing::waitFor([&] { return client.isReady(); }, 10000));
  std::optional<RespReply> reply;
  client.command({"GET", "k"}, [&](const RespReply& r) { reply = r; });
  // Written to the socket (at 0 ms on the clock) before the clock moves.
  testing::waitFor([] { return false; }, 50);
  nowMs = 199;
  client.checkDeadlines();
  testing::waitFor([] { return false; }, 50);
  EXPECT_FALSE(reply.has_value()) << "failed before its deadline";
  nowMs = 200;
  client.checkDeadlines();
  ASSERT_TRUE(testing::waitFor([&] { return reply.has_value(); }, 10000));
  EXPECT_EQ(reply->type, Type::kFailed);
  EXPECT_TRUE(reply->text.endsWith(": no reply within 200 ms")) << reply->text.toStdString();
}

TEST(RespClientFakeServerTest, ANodeHangingUpFailsTheCommand) {
  FakeServer server([](QTcpSocket* s, const QByteArray&) { s->disconnectFromHost(); });
  RespClient client;
  client.connectToNode(server.endpoint());
  const auto reply = send(client, {"GET", "k"});
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->type, Type::kFailed);
  EXPECT_TRUE(reply->text.endsWith(": connection closed by the node")) << reply->text.toStdString();
}

TEST(RespClientFakeServerTest, ACommandWithoutANodeFailsLaterNotInline) {
  testing::app();
  RespClient client;
  bool called = false;
  RespReply reply;
  client.command({"GET", "k"}, [&](const RespReply& r) {
    called = true;
    reply = r;
  });
  EXPECT_FALSE(called);
  ASSERT_TRUE(testing::waitFor([&] { return called; }, 2000));
  EXPECT_EQ(reply.type, Type::kFailed);
}

TEST(RespClientFakeServerTest, DestroyingTheClientInsideACallbackIsSafe) {
  FakeServer server([](QTcpSocket* s, const QByteArray&) { s->write("+A\r\n+B\r\n"); });
  auto* client = new RespClient;
  client->connectToNode(server.endpoint());
  int calls = 0;
  client->command({"X"}, [&](const RespReply&) {
    ++calls;
    delete client;
  });
  client->command({"Y"}, [&](const RespReply&) { ++calls; });
  ASSERT_TRUE(testing::waitFor([&] { return calls > 0; }, 5000));
  testing::waitFor([] { return false; }, 100);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace ringlab
