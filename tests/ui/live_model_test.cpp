// LiveClusterModel fed synthetic /cluster, /metrics, /events and reachability inputs, as a connection to real nodes
// would feed it; each test checks one thing the snapshots must show.
#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <ringlab/ui/live_model.h>

namespace ringlab {
namespace {

using Kind = LiveClusterModel::InputKind;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::size_t kPut = static_cast<std::size_t>(Operation::kPut);

QByteArray compact(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

QJsonObject member(const QString& id, const QStringList& tokens, const QString& state = QStringLiteral("up"),
                   bool inRing = true, const QString& status = QStringLiteral("normal")) {
  QJsonArray t;
  for (const QString& token : tokens) t.append(token);
  const int index = id.mid(1).toInt();
  return QJsonObject{{QStringLiteral("id"), id},
                     {QStringLiteral("status"), status},
                     {QStringLiteral("generation"), 1000},
                     {QStringLiteral("state"), state},
                     {QStringLiteral("phi"), state == QLatin1String("up") ? 0.5 : 9.0},
                     {QStringLiteral("host"), QStringLiteral("127.0.0.1")},
                     {QStringLiteral("peer_port"), 7379 + index},
                     {QStringLiteral("client_port"), 6379 + index},
                     {QStringLiteral("admin_port"), 8379 + index},
                     {QStringLiteral("in_ring"), inRing},
                     {QStringLiteral("tokens"), t}};
}

QByteArray clusterBody(const QString& self, const QJsonArray& members, const QJsonArray& faults = {},
                       int apiVersion = 1, qint64 generation = 1000) {
  return compact(
      QJsonObject{{QStringLiteral("api_version"), apiVersion},
                  {QStringLiteral("cluster"), QStringLiteral("ringlab")},
                  {QStringLiteral("node"), self},
                  {QStringLiteral("generation"), generation},
                  {QStringLiteral("ring_version"), 1},
                  {QStringLiteral("quorum"),
                   QJsonObject{{QStringLiteral("n"), 3}, {QStringLiteral("r"), 1}, {QStringLiteral("w"), 3}}},
                  {QStringLiteral("vnodes_per_node"), 4},
                  {QStringLiteral("fault_injection"), true},
                  {QStringLiteral("members"), members},
                  {QStringLiteral("faults"), faults}});
}

// Four tokens for each of n1, n2, n3, interleaved at equal distances around the ring.
QStringList tokensOf(int node) {
  constexpr quint64 kStep = std::numeric_limits<quint64>::max() / 12;
  QStringList out;
  for (int i = 0; i < 4; ++i) out << QString::number(kStep * static_cast<quint64>(i * 3 + node));
  return out;
}

QJsonArray threeMembers(const QString& n3State = QStringLiteral("up")) {
  return QJsonArray{member(QStringLiteral("n1"), tokensOf(1)), member(QStringLiteral("n2"), tokensOf(2)),
                    member(QStringLiteral("n3"), tokensOf(3), n3State)};
}

// The three nodes each answered /cluster at `atNs`, seeing each other up.
void connectThree(LiveClusterModel& model, std::int64_t atNs = 0) {
  for (const QString& self : {QStringLiteral("n1"), QStringLiteral("n2"), QStringLiteral("n3")}) {
    ASSERT_TRUE(model.ingest(atNs, self, Kind::kCluster, clusterBody(self, threeMembers())).isEmpty());
  }
}

// ringlabd's latency histogram bounds, written as it writes them.
constexpr std::array<double, 14> kBounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                         0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1.0};

std::string boundText(double bound) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, bound);
  return std::string(buf, ptr);
}

// What one node's /metrics says.
struct Metrics {
  std::map<double, double> putPerBucket;  // bound -> operations in that bucket since the process started
  double putCount = -1;                   // -1: the sum of putPerBucket
  double putErrors = 0;                   // reason "timeout"
  double putUnavailable = 0;              // reason "unavailable"
  std::map<std::string, double> sentByKind;
  double dropped = 0;
  double records = 0;
  double bytes = 0;
  double hints = 0;
};

QByteArray metricsBody(const QString& node, const Metrics& m) {
  const std::string n = "node=\"" + node.toStdString() + "\"";
  std::string out = "# HELP ringlab_up 1 while the node serves.\n# TYPE ringlab_up gauge\n";
  out += "ringlab_up{" + n + "} 1\n";
  double cumulative = 0;
  for (double bound : kBounds) {
    if (const auto it = m.putPerBucket.find(bound); it != m.putPerBucket.end()) cumulative += it->second;
    out += "ringlab_operation_duration_seconds_bucket{" + n + ",op=\"put\",le=\"" + boundText(bound) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  const double count = m.putCount >= 0 ? m.putCount : cumulative;
  out += "ringlab_operation_duration_seconds_bucket{" + n + ",op=\"put\",le=\"+Inf\"} " + std::to_string(count) + "\n";
  out += "ringlab_operation_duration_seconds_sum{" + n + ",op=\"put\"} 1.5\n";
  out += "ringlab_operation_duration_seconds_count{" + n + ",op=\"put\"} " + std::to_string(count) + "\n";
  out +=
      "ringlab_operation_errors_total{" + n + ",op=\"put\",reason=\"timeout\"} " + std::to_string(m.putErrors) + "\n";
  out += "ringlab_operation_errors_total{" + n + ",op=\"put\",reason=\"unavailable\"} " +
         std::to_string(m.putUnavailable) + "\n";
  for (const auto& [kind, sent] : m.sentByKind) {
    out += "ringlab_messages_sent_total{" + n + ",kind=\"" + kind + "\"} " + std::to_string(sent) + "\n";
  }
  out += "ringlab_messages_dropped_total{" + n + "} " + std::to_string(m.dropped) + "\n";
  out += "ringlab_storage_records{" + n + "} " + std::to_string(m.records) + "\n";
  out += "ringlab_storage_bytes{" + n + "} " + std::to_string(m.bytes) + "\n";
  out += "ringlab_hints_pending{" + n + "} " + std::to_string(m.hints) + "\n";
  return QByteArray::fromStdString(out);
}

QJsonObject event(const QString& type, std::int64_t nodeTimeNs) {
  return QJsonObject{{QStringLiteral("type"), type}, {QStringLiteral("time_ns"), static_cast<qint64>(nodeTimeNs)}};
}

QJsonObject message(const QString& type, std::int64_t nodeTimeNs, const QString& from, const QString& to,
                    const QString& kind, int requestId) {
  QJsonObject o = event(type, nodeTimeNs);
  o.insert(QStringLiteral("from"), from);
  o.insert(QStringLiteral("to"), to);
  o.insert(QStringLiteral("kind"), kind);
  o.insert(QStringLiteral("request_id"), requestId);
  return o;
}

bool hasMarkContaining(const FeedSnapshot& s, const QString& text) {
  return std::any_of(s.newMarks.begin(), s.newMarks.end(), [&](const TimeMark& m) { return QString::fromStdString(m.text).contains(text); });
}

// --- /cluster ---

TEST(LiveModelClusterTest, ThreeMembersGiveNodesRingQuorumAndTokens) {
  LiveClusterModel model;
  connectThree(model);
  const FeedSnapshot s = model.takeSnapshot(10 * kMs);
  ASSERT_EQ(s.nodes.size(), 3u);
  ASSERT_NE(s.ring, nullptr);
  EXPECT_EQ(s.ring->entries().size(), 12u);
  EXPECT_EQ(s.quorum.n, 3u);
  EXPECT_EQ(s.quorum.r, 1u);
  EXPECT_EQ(s.quorum.w, 3u);
  EXPECT_GE(s.ringVersion, 1u);
  for (NodeId id = 0; id < 3; ++id) {
    EXPECT_EQ(s.nodes[id].id, id);
    EXPECT_EQ(s.nodes[id].tokens, 4u) << "node " << id;
    EXPECT_NEAR(s.nodes[id].primaryShare, 1.0 / 3, 0.01) << "node " << id;
    EXPECT_EQ(s.nodes[id].state, NodeDisplayState::kUp) << "node " << id;
    EXPECT_TRUE(s.nodes[id].running);
  }
  EXPECT_EQ(model.clusterName(), QStringLiteral("ringlab"));
  const auto n2 = model.member(QStringLiteral("n2"));
  ASSERT_TRUE(n2.has_value());
  EXPECT_EQ(n2->id, 1u);
  EXPECT_EQ(n2->adminAddress(), QStringLiteral("127.0.0.1:8381"));
  EXPECT_EQ(n2->clientAddress(), QStringLiteral("127.0.0.1:6381"));
  EXPECT_TRUE(n2->inRing);
  EXPECT_TRUE(n2->faultInjection);
}

TEST(LiveModelClusterTest, AMemberLeavingTheRingChangesRingVersion) {
  LiveClusterModel model;
  connectThree(model);
  const FeedSnapshot before = model.takeSnapshot(10 * kMs);
  // The same view again changes nothing.
  model.ingest(20 * kMs, QStringLiteral("n1"), Kind::kCluster, clusterBody(QStringLiteral("n1"), threeMembers()));
  const FeedSnapshot same = model.takeSnapshot(30 * kMs);
  EXPECT_EQ(same.ringVersion, before.ringVersion);
  EXPECT_EQ(same.ring, before.ring);

  const QJsonArray withoutN3{
      member(QStringLiteral("n1"), tokensOf(1)), member(QStringLiteral("n2"), tokensOf(2)),
      member(QStringLiteral("n3"), tokensOf(3), QStringLiteral("up"), /*inRing=*/false, QStringLiteral("left"))};
  model.ingest(40 * kMs, QStringLiteral("n1"), Kind::kCluster, clusterBody(QStringLiteral("n1"), withoutN3));
  const FeedSnapshot after = model.takeSnapshot(50 * kMs);
  EXPECT_GT(after.ringVersion, before.ringVersion);
  EXPECT_EQ(after.ring->entries().size(), 8u);
  EXPECT_FALSE(after.ring->contains(NodeId{2}));
  EXPECT_EQ(after.nodes[2].tokens, 0u);
  EXPECT_EQ(after.nodes[0].tokens, 4u);
}

TEST(LiveModelClusterTest, AnotherApiVersionIsRefusedNamingBothVersionsAndChangesNothing) {
  LiveClusterModel model;
  const QString message = model.ingest(0, QStringLiteral("n1"), Kind::kCluster,
                                       clusterBody(QStringLiteral("n1"), threeMembers(), {}, /*apiVersion=*/2));
  EXPECT_TRUE(message.contains(QStringLiteral("version 2"))) << message.toStdString();
  EXPECT_TRUE(message.contains(QStringLiteral("version 1"))) << message.toStdString();
  EXPECT_TRUE(message.contains(QStringLiteral("n1"))) << message.toStdString();
  EXPECT_TRUE(model.members().empty());
  EXPECT_TRUE(model.clusterName().isEmpty());
  EXPECT_EQ(model.quorum().r, QuorumConfig{}.r);
  const FeedSnapshot s = model.takeSnapshot(kMs);
  EXPECT_TRUE(s.nodes.empty());
  EXPECT_EQ(s.ringVersion, 0u);
}

TEST(LiveModelClusterTest, ABodyThatIsNotJsonIsRefusedWithAMessage) {
  LiveClusterModel model;
  for (const QByteArray& body :
       {QByteArray("{\"api_version\": 1, \"node\": \"n1\", \"members\": ["), QByteArray("<html>502</html>"),
        QByteArray(), QByteArray("[1, 2]"), QByteArray("\xff\xfe{", 3)}) {
    const QString message = model.ingest(0, QStringLiteral("n1"), Kind::kCluster, body);
    EXPECT_FALSE(message.isEmpty()) << body.toStdString();
    EXPECT_TRUE(message.contains(QStringLiteral("JSON"))) << message.toStdString();
  }
  EXPECT_TRUE(model.members().empty());
  EXPECT_TRUE(model.takeSnapshot(kMs).nodes.empty());
}

TEST(LiveModelClusterTest, AMemberNameThatIsNotANodeNameIsIgnored) {
  LiveClusterModel model;
  QJsonArray members = threeMembers();
  members.append(member(QStringLiteral("alpha"), {QStringLiteral("123")}));
  EXPECT_TRUE(
      model.ingest(0, QStringLiteral("n1"), Kind::kCluster, clusterBody(QStringLiteral("n1"), members)).isEmpty());
  EXPECT_FALSE(model.member(QStringLiteral("alpha")).has_value());
  EXPECT_EQ(model.members().size(), 3u);
  const FeedSnapshot s = model.takeSnapshot(kMs);
  EXPECT_EQ(s.nodes.size(), 3u);
  EXPECT_EQ(s.ring->entries().size(), 12u);

  // A node calling itself that is refused, naming what it said.
  const QString message =
      model.ingest(0, QStringLiteral("alpha"), Kind::kCluster, clusterBody(QStringLiteral("alpha"), members));
  EXPECT_TRUE(message.contains(QStringLiteral("alpha"))) << message.toStdString();
  EXPECT_FALSE(model.member(QStringLiteral("alpha")).has_value());
}

// --- /metrics ---

// Feeds one node's /metrics `before` at 0.5 s and `after` at 1.5 s, and returns the chart sample of the interval
// that holds the second, [1 s, 2 s].
MetricsSample sampleBetween(LiveClusterModel& model, const QString& node, const Metrics& before, const Metrics& after) {
  model.ingest(500 * kMs, node, Kind::kMetrics, metricsBody(node, before));
  const FeedSnapshot first = model.takeSnapshot(kSec);
  EXPECT_EQ(first.newSamples.size(), 1u);  // [0 s, 1 s]: no rate yet
  for (const MetricsSample& sample : first.newSamples) EXPECT_DOUBLE_EQ(sample.opsPerSecond[kPut], 0);
  model.ingest(1500 * kMs, node, Kind::kMetrics, metricsBody(node, after));
  const FeedSnapshot second = model.takeSnapshot(2 * kSec);
  EXPECT_EQ(second.newSamples.size(), 1u);
  return second.newSamples.empty() ? MetricsSample{} : second.newSamples.back();
}

TEST(LiveModelMetricsTest, CountDeltasOneSecondApartBecomeOperationsPerSecond) {
  LiveClusterModel model;
  connectThree(model);
  Metrics before;
  before.putCount = 100;
  before.putErrors = 3;
  Metrics after;
  after.putCount = 600;
  after.putErrors = 13;
  const MetricsSample sample = sampleBetween(model, QStringLiteral("n1"), before, after);
  EXPECT_NEAR(sample.opsPerSecond[kPut], 500, 50);
  EXPECT_NEAR(sample.errorsPerSecond, 10, 1);
  EXPECT_DOUBLE_EQ(sample.opsPerSecond[static_cast<std::size_t>(Operation::kGet)], 0);
  EXPECT_DOUBLE_EQ(sample.timeSeconds, 2.0);
  // Without a newer scrape, the node's last rate holds for a while (a scrape can arrive just after an interval
  // closes), then counts no more: a silent node adds nothing.
  const FeedSnapshot next = model.takeSnapshot(3 * kSec);
  ASSERT_EQ(next.newSamples.size(), 1u);
  EXPECT_NEAR(next.newSamples[0].opsPerSecond[kPut], 500, 50);
  const FeedSnapshot later = model.takeSnapshot(5 * kSec);
  ASSERT_EQ(later.newSamples.size(), 1u);
  EXPECT_DOUBLE_EQ(later.newSamples[0].opsPerSecond[kPut], 0);
}

TEST(LiveModelMetricsTest, ErrorsOfEveryReasonAddUp) {
  LiveClusterModel model;
  connectThree(model);
  Metrics before;
  before.putCount = 100;
  before.putErrors = 3;
  before.putUnavailable = 2;
  Metrics after;
  after.putCount = 600;
  after.putErrors = 13;
  after.putUnavailable = 7;
  const MetricsSample sample = sampleBetween(model, QStringLiteral("n1"), before, after);
  EXPECT_NEAR(sample.errorsPerSecond, 15, 1.5);
}

TEST(LiveModelMetricsTest, RatesOfTwoNodesAddUp) {
  LiveClusterModel model;
  connectThree(model);
  Metrics a;
  a.putCount = 1000;
  Metrics b;
  b.putCount = 50;
  model.ingest(500 * kMs, QStringLiteral("n1"), Kind::kMetrics, metricsBody(QStringLiteral("n1"), a));
  model.ingest(510 * kMs, QStringLiteral("n2"), Kind::kMetrics, metricsBody(QStringLiteral("n2"), b));
  model.takeSnapshot(kSec);
  a.putCount = 1300;
  b.putCount = 250;
  model.ingest(1500 * kMs, QStringLiteral("n1"), Kind::kMetrics, metricsBody(QStringLiteral("n1"), a));
  model.ingest(1510 * kMs, QStringLiteral("n2"), Kind::kMetrics, metricsBody(QStringLiteral("n2"), b));
  const FeedSnapshot s = model.takeSnapshot(2 * kSec);
  ASSERT_EQ(s.newSamples.size(), 1u);
  EXPECT_NEAR(s.newSamples[0].opsPerSecond[kPut], 500, 50);
}

// Buckets (0.5 ms, 1 ms] get 400 operations in the interval and (50 us, 100 us] 100; the buckets between them get
// none. The median (the 250th) is the 150th of 400 in (0.5 ms, 1 ms]: 0.5 + 0.5 * 150 / 400 = 0.6875 ms.
TEST(LiveModelMetricsTest, BucketDeltasPlaceTheMedianInItsBucket) {
  LiveClusterModel model;
  connectThree(model);
  Metrics before;
  before.putPerBucket = {{0.05, 1000}, {0.001, 7}};  // counts before the interval must not count
  Metrics after;
  after.putPerBucket = {{0.05, 1000}, {0.001, 7 + 400}, {0.0001, 100}};
  const MetricsSample sample = sampleBetween(model, QStringLiteral("n1"), before, after);
  EXPECT_NEAR(sample.opsPerSecond[kPut], 500, 50);
  EXPECT_GT(sample.p50Ms[kPut], 0.5);
  EXPECT_LE(sample.p50Ms[kPut], 1.0);
  EXPECT_NEAR(sample.p50Ms[kPut], 0.6875, 1e-9);
  // The 99th percentile (the 495th) is the 395th of 400 in the same bucket.
  EXPECT_NEAR(sample.p99Ms[kPut], 0.5 + 0.5 * 395.0 / 400.0, 1e-9);
}

TEST(LiveModelMetricsTest, TheMedianOfOneBucketAfterEmptyOnesIsInterpolatedFromItsLowerBound) {
  LiveClusterModel model;
  connectThree(model);
  Metrics after;
  after.putPerBucket = {{0.01, 200}};  // all in (5 ms, 10 ms]
  const MetricsSample sample = sampleBetween(model, QStringLiteral("n1"), Metrics{}, after);
  EXPECT_NEAR(sample.p50Ms[kPut], 7.5, 1e-9);
}

TEST(LiveModelMetricsTest, ACounterThatGoesDownIsCountedFromZero) {
  LiveClusterModel model;
  connectThree(model);
  Metrics before;
  before.putCount = 600;
  before.sentByKind = {{"gossip", 900}};
  // The process restarted and has done 40 puts and sent 20 gossip messages since.
  Metrics after;
  after.putCount = 40;
  after.sentByKind = {{"gossip", 20}};
  const MetricsSample sample = sampleBetween(model, QStringLiteral("n1"), before, after);
  EXPECT_NEAR(sample.opsPerSecond[kPut], 40, 1e-9);
  EXPECT_NEAR(sample.messagesPerSecond[static_cast<std::size_t>(TrafficClass::kGossip)], 20, 1e-9);
}

TEST(LiveModelMetricsTest, MessagesSentByKindLandInTheirTrafficClass) {
  LiveClusterModel model;
  connectThree(model);
  Metrics after;
  after.sentByKind = {{"write", 10},  {"write_ack", 20},   {"read", 30},       {"read_reply", 40},
                      {"gossip", 50}, {"hinted_write", 3}, {"hint_replay", 4}, {"read_repair", 6},
                      {"ae_tree", 1}, {"stream_batch", 7}};
  after.dropped = 5;
  const MetricsSample sample = sampleBetween(model, QStringLiteral("n1"), Metrics{}, after);
  const auto of = [&](TrafficClass c) { return sample.messagesPerSecond[static_cast<std::size_t>(c)]; };
  EXPECT_DOUBLE_EQ(of(TrafficClass::kWrite), 10);
  EXPECT_DOUBLE_EQ(of(TrafficClass::kAck), 20);
  EXPECT_DOUBLE_EQ(of(TrafficClass::kRead), 30);
  EXPECT_DOUBLE_EQ(of(TrafficClass::kReply), 40);
  EXPECT_DOUBLE_EQ(of(TrafficClass::kGossip), 50);
  EXPECT_DOUBLE_EQ(of(TrafficClass::kHint), 7);
  EXPECT_DOUBLE_EQ(of(TrafficClass::kRepair), 6);
  EXPECT_DOUBLE_EQ(of(TrafficClass::kAntiEntropy), 8);
  EXPECT_DOUBLE_EQ(sample.droppedPerSecond, 5);
}

TEST(LiveModelMetricsTest, StorageAndHintsReachNodeInfo) {
  LiveClusterModel model;
  connectThree(model);
  Metrics m;
  m.records = 1234;
  m.bytes = 56789;
  m.hints = 17;
  model.ingest(10 * kMs, QStringLiteral("n2"), Kind::kMetrics, metricsBody(QStringLiteral("n2"), m));
  m.hints = 3;
  model.ingest(10 * kMs, QStringLiteral("n3"), Kind::kMetrics, metricsBody(QStringLiteral("n3"), m));
  const FeedSnapshot s = model.takeSnapshot(kSec);
  EXPECT_EQ(s.nodes[1].keys, 1234u);
  EXPECT_EQ(s.nodes[1].bytes, 56789u);
  EXPECT_EQ(s.nodes[1].hintsHeld, 17u);
  EXPECT_EQ(s.nodes[2].hintsHeld, 3u);
  EXPECT_EQ(s.nodes[0].keys, 0u);
  ASSERT_EQ(s.newSamples.size(), 1u);
  EXPECT_DOUBLE_EQ(s.newSamples[0].hintsOutstanding, 20);
}

// --- /events ---

TEST(LiveModelEventsTest, ASendAndItsDeliveryFromTwoStreamsBecomeOneMessage) {
  LiveClusterModel model;
  connectThree(model);
  // n1's clock reads session time + 100 s, n2's session time + 2 s: in raw node time the delivery is "before" the
  // send.
  const std::int64_t n1 = 100 * kSec;
  const std::int64_t n2 = 2 * kSec;
  const std::int64_t sentAt = kSec;
  QJsonObject sent = message(QStringLiteral("message_sent"), sentAt + n1, QStringLiteral("n1"), QStringLiteral("n2"),
                             QStringLiteral("write"), 9);
  sent.insert(QStringLiteral("bytes"), 120);
  sent.insert(QStringLiteral("message_id"), 77);
  EXPECT_TRUE(model.ingest(sentAt + kMs / 5, QStringLiteral("n1"), Kind::kEvent, compact(sent)).isEmpty());
  const QJsonObject delivered = message(QStringLiteral("message_delivered"), sentAt + kMs / 2 + n2,
                                        QStringLiteral("n1"), QStringLiteral("n2"), QStringLiteral("write"), 9);
  EXPECT_TRUE(model.ingest(sentAt + kMs, QStringLiteral("n2"), Kind::kEvent, compact(delivered)).isEmpty());
  EXPECT_EQ(model.eventsIngested(), 2u);

  const FeedSnapshot s = model.takeSnapshot(sentAt + 2 * kMs);
  ASSERT_EQ(s.newMessages.size(), 1u);
  const MessageRecord& r = s.newMessages[0];
  EXPECT_EQ(r.from, 0u);
  EXPECT_EQ(r.to, 1u);
  EXPECT_EQ(r.kind, MessageKind::kWriteRequest);
  EXPECT_EQ(r.requestId, 9u);
  EXPECT_EQ(r.bytes, 120u);
  EXPECT_FALSE(r.dropped);
  EXPECT_GE(r.endedNs, r.sentNs);
  EXPECT_GE(r.sentNs, sentAt);
  EXPECT_LE(r.sentNs, sentAt + kMs / 5);
  EXPECT_LE(r.endedNs, sentAt + kMs);
  EXPECT_EQ(s.messagesDelivered, 1u);
  ASSERT_EQ(s.inFlight.size(), 1u);
  EXPECT_EQ(s.inFlight[0].id, r.id);

  // A delivery nobody saw sent makes no record.
  model.ingest(sentAt + 3 * kMs, QStringLiteral("n2"), Kind::kEvent, compact(delivered));
  EXPECT_TRUE(model.takeSnapshot(sentAt + 4 * kMs).newMessages.empty());
}

// The receiver's stream can bring a delivery before the sender's stream brings its send: they still pair.
TEST(LiveModelEventsTest, ADeliveryThatArrivesBeforeItsSendStillPairs) {
  LiveClusterModel model;
  connectThree(model);
  const std::int64_t sentAt = kSec;
  const QJsonObject delivered = message(QStringLiteral("message_delivered"), sentAt + kMs, QStringLiteral("n1"),
                                        QStringLiteral("n2"), QStringLiteral("write"), 9);
  EXPECT_TRUE(model.ingest(sentAt + kMs, QStringLiteral("n2"), Kind::kEvent, compact(delivered)).isEmpty());
  EXPECT_TRUE(model.takeSnapshot(sentAt + kMs).newMessages.empty());
  QJsonObject sent = message(QStringLiteral("message_sent"), sentAt, QStringLiteral("n1"), QStringLiteral("n2"),
                             QStringLiteral("write"), 9);
  sent.insert(QStringLiteral("bytes"), 120);
  EXPECT_TRUE(model.ingest(sentAt + 2 * kMs, QStringLiteral("n1"), Kind::kEvent, compact(sent)).isEmpty());
  const FeedSnapshot s = model.takeSnapshot(sentAt + 3 * kMs);
  ASSERT_EQ(s.newMessages.size(), 1u);
  EXPECT_EQ(s.newMessages[0].requestId, 9u);
  EXPECT_EQ(s.newMessages[0].bytes, 120u);
  EXPECT_GE(s.newMessages[0].endedNs, s.newMessages[0].sentNs);
  // A later send of the same kind on that link does not take the used delivery again.
  QJsonObject again = message(QStringLiteral("message_sent"), sentAt + 5 * kMs, QStringLiteral("n1"),
                              QStringLiteral("n2"), QStringLiteral("write"), 9);
  EXPECT_TRUE(model.ingest(sentAt + 5 * kMs, QStringLiteral("n1"), Kind::kEvent, compact(again)).isEmpty());
  EXPECT_TRUE(model.takeSnapshot(sentAt + 6 * kMs).newMessages.empty());
}

TEST(LiveModelEventsTest, ADroppedMessageBecomesADroppedRecordAndAFlash) {
  LiveClusterModel model;
  connectThree(model);
  QJsonObject dropped = message(QStringLiteral("message_dropped"), 5 * kSec, QStringLiteral("n1"), QStringLiteral("n3"),
                                QStringLiteral("read"), 12);
  dropped.insert(QStringLiteral("reason"), QStringLiteral("injected"));
  model.ingest(kSec, QStringLiteral("n1"), Kind::kEvent, compact(dropped));
  const FeedSnapshot s = model.takeSnapshot(kSec + 100 * kMs);
  ASSERT_EQ(s.newMessages.size(), 1u);
  EXPECT_TRUE(s.newMessages[0].dropped);
  EXPECT_EQ(s.newMessages[0].from, 0u);
  EXPECT_EQ(s.newMessages[0].to, 2u);
  EXPECT_EQ(s.newMessages[0].kind, MessageKind::kReadRequest);
  EXPECT_EQ(s.newMessages[0].requestId, 12u);
  EXPECT_EQ(s.newMessages[0].sentNs, kSec);
  EXPECT_EQ(s.newMessages[0].endedNs, kSec);
  ASSERT_EQ(s.drops.size(), 1u);
  EXPECT_EQ(s.drops[0].from, 0u);
  EXPECT_EQ(s.drops[0].to, 2u);
  EXPECT_EQ(s.drops[0].reason, DropReason::kInjected);
  EXPECT_EQ(s.drops[0].atNs, kSec);
  // Neither the flash nor the record is repeated.
  const FeedSnapshot later = model.takeSnapshot(kSec + 400 * kMs);
  EXPECT_TRUE(later.drops.empty());
  EXPECT_TRUE(later.newMessages.empty());
}

// Each drop reaches one snapshot, at its own time on the session's clock, however late its stream brings it; fading it
// is the view's work (TrafficViewTest.WithoutAnimationADropFadesWithVirtualTimeAlone), so a late drop is neither
// repeated nor lost.
TEST(LiveModelEventsTest, ADropFromALateStreamKeepsItsOwnTimeAndComesOnce) {
  LiveClusterModel model;
  connectThree(model);
  // n2's clock is calibrated early; then one of its drops arrives late, after a later drop of n1's.
  model.ingest(500 * kMs, QStringLiteral("n2"), Kind::kEvent,
               compact(event(QStringLiteral("cluster_changed"), 50 * kSec)));
  model.ingest(kSec, QStringLiteral("n1"), Kind::kEvent,
               compact(message(QStringLiteral("message_dropped"), 10 * kSec, QStringLiteral("n1"), QStringLiteral("n2"),
                               QStringLiteral("gossip"), 0)));
  model.ingest(kSec + 10 * kMs, QStringLiteral("n2"), Kind::kEvent,
               compact(message(QStringLiteral("message_dropped"), 50 * kSec + 300 * kMs, QStringLiteral("n2"),
                               QStringLiteral("n1"), QStringLiteral("gossip"), 0)));
  // n2's drop happened at session 0.8 s, n1's at 1.0 s.
  const FeedSnapshot s = model.takeSnapshot(kSec + 200 * kMs);
  ASSERT_EQ(s.drops.size(), 2u);
  EXPECT_EQ(s.drops[0].from, 0u);
  EXPECT_EQ(s.drops[0].atNs, kSec);
  EXPECT_EQ(s.drops[1].from, 1u);
  EXPECT_EQ(s.drops[1].atNs, 800 * kMs);
  EXPECT_TRUE(model.takeSnapshot(kSec + 300 * kMs).drops.empty());
}

TEST(LiveModelEventsTest, ACompletedRequestBeginsItsLatencyBeforeItEnds) {
  LiveClusterModel model;
  connectThree(model);
  QJsonObject done = event(QStringLiteral("request_completed"), 30 * kSec);
  done.insert(QStringLiteral("coordinator"), QStringLiteral("n2"));
  done.insert(QStringLiteral("request_id"), 4242);
  done.insert(QStringLiteral("op"), QStringLiteral("put"));
  done.insert(QStringLiteral("key"), QStringLiteral("user:17"));
  done.insert(QStringLiteral("result"), QStringLiteral("ok"));
  done.insert(QStringLiteral("latency_ns"), static_cast<qint64>(3 * kMs));
  model.ingest(2 * kSec, QStringLiteral("n2"), Kind::kEvent, compact(done));
  QJsonObject failed = done;
  failed.insert(QStringLiteral("time_ns"), static_cast<qint64>(30 * kSec + 100 * kMs));
  failed.insert(QStringLiteral("request_id"), 4243);
  failed.insert(QStringLiteral("result"), QStringLiteral("timeout"));
  failed.insert(QStringLiteral("latency_ns"), static_cast<qint64>(80 * kMs));
  model.ingest(2 * kSec + 100 * kMs, QStringLiteral("n2"), Kind::kEvent, compact(failed));

  const FeedSnapshot s = model.takeSnapshot(3 * kSec);
  ASSERT_EQ(s.newRequests.size(), 2u);
  const RequestRecord& r = s.newRequests[0];
  EXPECT_EQ(r.requestId, 4242u);
  EXPECT_EQ(r.coordinator, 1u);
  EXPECT_EQ(r.op, Operation::kPut);
  EXPECT_EQ(r.key, "user:17");
  EXPECT_EQ(r.result, ErrorCode::kOk);
  EXPECT_EQ(r.endNs, 2 * kSec);
  EXPECT_EQ(r.beginNs, r.endNs - 3 * kMs);
  EXPECT_EQ(s.newRequests[1].result, ErrorCode::kTimeout);
  EXPECT_EQ(s.newRequests[1].beginNs, s.newRequests[1].endNs - 80 * kMs);
  EXPECT_EQ(s.operationsCompleted, 1u);
  EXPECT_EQ(s.operationsFailed, 1u);
}

QJsonObject slice(const QString& node, int fiberId, const QString& state, std::int64_t startNs, std::int64_t endNs) {
  QJsonObject o = event(QStringLiteral("fiber_slice"), startNs);  // as ringlabd writes it
  o.insert(QStringLiteral("node"), node);
  o.insert(QStringLiteral("fiber_id"), fiberId);
  o.insert(QStringLiteral("role"), QStringLiteral("coordinator"));
  o.insert(QStringLiteral("state"), state);
  o.insert(QStringLiteral("start_ns"), static_cast<qint64>(startNs));
  o.insert(QStringLiteral("end_ns"), static_cast<qint64>(endNs));
  return o;
}

TEST(LiveModelEventsTest, ABlockedSliceSaysWhatItWaitedFor) {
  LiveClusterModel model;
  connectThree(model);
  // n1's clock reads session time + 9 s.
  model.ingest(kSec, QStringLiteral("n1"), Kind::kEvent, compact(event(QStringLiteral("cluster_changed"), 10 * kSec)));
  QJsonObject blocked =
      slice(QStringLiteral("n1"), 5, QStringLiteral("blocked"), 10 * kSec + 2 * kMs, 10 * kSec + 6 * kMs);
  blocked.insert(QStringLiteral("wait"), QStringLiteral("replies"));
  blocked.insert(QStringLiteral("wait_request_id"), 42);
  model.ingest(kSec + 7 * kMs, QStringLiteral("n1"), Kind::kEvent, compact(blocked));
  QJsonObject network =
      slice(QStringLiteral("n1"), 5, QStringLiteral("blocked"), 10 * kSec + 6 * kMs, 10 * kSec + 8 * kMs);
  network.insert(QStringLiteral("wait"), QStringLiteral("network"));
  network.insert(QStringLiteral("wait_peer"), QStringLiteral("n3"));
  model.ingest(kSec + 9 * kMs, QStringLiteral("n1"), Kind::kEvent, compact(network));
  model.ingest(
      kSec + 9 * kMs, QStringLiteral("n1"), Kind::kEvent,
      compact(slice(QStringLiteral("n1"), 5, QStringLiteral("running"), 10 * kSec + 8 * kMs, 10 * kSec + 9 * kMs)));

  const FeedSnapshot s = model.takeSnapshot(2 * kSec);
  ASSERT_EQ(s.newSlices.size(), 3u);
  const FiberSliceRecord& r = s.newSlices[0];
  EXPECT_EQ(r.node, 0u);
  EXPECT_EQ(r.role, FiberRole::kCoordinator);
  EXPECT_EQ(r.state, FiberState::kBlocked);
  EXPECT_EQ(r.startNs, kSec + 2 * kMs);
  EXPECT_EQ(r.endNs, kSec + 6 * kMs);
  EXPECT_EQ(r.waitFor.kind, WaitKind::kReplies);
  EXPECT_EQ(r.waitFor.requestId, 42u);
  EXPECT_EQ(r.waitFor.peer, kNoNode);
  EXPECT_EQ(s.newSlices[1].waitFor.kind, WaitKind::kNetwork);
  EXPECT_EQ(s.newSlices[1].waitFor.peer, 2u);
  EXPECT_EQ(s.newSlices[2].state, FiberState::kRunning);
  EXPECT_EQ(s.newSlices[2].waitFor, WaitFor{});
  EXPECT_EQ(s.newSlices[0].fiberId, s.newSlices[2].fiberId);
}

TEST(LiveModelEventsTest, ASliceKeepsItsLengthBeforeTheNodesClockIsKnown) {
  LiveClusterModel model;
  connectThree(model);
  model.ingest(kSec, QStringLiteral("n1"), Kind::kEvent,
               compact(QJsonObject{{QStringLiteral("type"), QStringLiteral("hello")},
                                   {QStringLiteral("api_version"), 1},
                                   {QStringLiteral("node"), QStringLiteral("n1")}}));
  // The first event after hello is a slice of 4 ms that ended at node time 10.004 s, arriving at 2 s.
  model.ingest(2 * kSec, QStringLiteral("n1"), Kind::kEvent,
               compact(slice(QStringLiteral("n1"), 3, QStringLiteral("running"), 10 * kSec, 10 * kSec + 4 * kMs)));
  const FeedSnapshot s = model.takeSnapshot(3 * kSec);
  ASSERT_EQ(s.newSlices.size(), 1u);
  EXPECT_EQ(s.newSlices[0].endNs - s.newSlices[0].startNs, 4 * kMs);
  EXPECT_LE(s.newSlices[0].endNs, 2 * kSec);  // never after it arrived
}

TEST(LiveModelEventsTest, FiberIdsOfTwoNodesDoNotCollide) {
  LiveClusterModel model;
  connectThree(model);
  for (const QString& node : {QStringLiteral("n1"), QStringLiteral("n2")}) {
    QJsonObject started = event(QStringLiteral("fiber_started"), 5 * kSec);
    started.insert(QStringLiteral("node"), node);
    started.insert(QStringLiteral("fiber_id"), 7);
    started.insert(QStringLiteral("role"), QStringLiteral("gossip"));
    started.insert(QStringLiteral("name"), QStringLiteral("gossip"));
    model.ingest(kSec, node, Kind::kEvent, compact(started));
    model.ingest(kSec + kMs, node, Kind::kEvent,
                 compact(slice(node, 7, QStringLiteral("running"), 5 * kSec, 5 * kSec + kMs / 2)));
  }
  QJsonObject ended = event(QStringLiteral("fiber_ended"), 5 * kSec + kMs);
  ended.insert(QStringLiteral("node"), QStringLiteral("n2"));
  ended.insert(QStringLiteral("fiber_id"), 7);
  ended.insert(QStringLiteral("cancelled"), true);
  model.ingest(kSec + 2 * kMs, QStringLiteral("n2"), Kind::kEvent, compact(ended));

  const FeedSnapshot s = model.takeSnapshot(2 * kSec);
  ASSERT_EQ(s.newFibers.size(), 3u);
  ASSERT_EQ(s.newSlices.size(), 2u);
  const FiberRecord& a = s.newFibers[0];
  const FiberRecord& b = s.newFibers[1];
  EXPECT_EQ(a.node, 0u);
  EXPECT_EQ(b.node, 1u);
  EXPECT_EQ(a.role, FiberRole::kGossip);
  EXPECT_EQ(a.name, "gossip");
  EXPECT_NE(a.fiberId, b.fiberId);
  EXPECT_EQ(s.newSlices[0].fiberId, a.fiberId);
  EXPECT_EQ(s.newSlices[1].fiberId, b.fiberId);
  EXPECT_EQ(s.newFibers[2].fiberId, b.fiberId);
  EXPECT_TRUE(s.newFibers[2].cancelled);
  EXPECT_GE(s.newFibers[2].endNs, 0);
}

TEST(LiveModelEventsTest, ALineThatIsNotJsonIsSkipped) {
  LiveClusterModel model;
  connectThree(model);
  for (const QByteArray& line :
       {QByteArray("{\"type\": \"message_sent\", \"time_ns\": 5"), QByteArray("garbage"), QByteArray(),
        QByteArray("\"just a string\""), QByteArray("{\"type\":\"request_completed\",\"key\":\"\xff\xfe\"}")}) {
    EXPECT_TRUE(model.ingest(kSec, QStringLiteral("n1"), Kind::kEvent, line).isEmpty()) << line.toStdString();
  }
  EXPECT_EQ(model.eventsIngested(), 0u);
  const FeedSnapshot s = model.takeSnapshot(2 * kSec);
  EXPECT_TRUE(s.newMessages.empty());
  EXPECT_TRUE(s.newRequests.empty());
  EXPECT_TRUE(s.inFlight.empty());
  // The stream goes on.
  model.ingest(2 * kSec, QStringLiteral("n1"), Kind::kEvent,
               compact(message(QStringLiteral("message_sent"), 9 * kSec, QStringLiteral("n1"), QStringLiteral("n2"),
                               QStringLiteral("gossip"), 0)));
  EXPECT_EQ(model.eventsIngested(), 1u);
  EXPECT_EQ(model.takeSnapshot(2 * kSec + kMs).inFlight.size(), 1u);
}

TEST(LiveModelEventsTest, AnEventStreamOfAnotherApiVersionIsReported) {
  LiveClusterModel model;
  const QString message = model.ingest(0, QStringLiteral("n2"), Kind::kEvent,
                                       compact(QJsonObject{{QStringLiteral("type"), QStringLiteral("hello")},
                                                           {QStringLiteral("api_version"), 3},
                                                           {QStringLiteral("node"), QStringLiteral("n2")}}));
  EXPECT_TRUE(message.contains(QStringLiteral("n2"))) << message.toStdString();
  EXPECT_TRUE(message.contains(QStringLiteral("version 3"))) << message.toStdString();
  EXPECT_TRUE(message.contains(QStringLiteral("version 1"))) << message.toStdString();
}

// --- reachability and verdicts ---

TEST(LiveModelReachabilityTest, AnUnreachableNodeIsMarkedWithTheReasonAndAgainWhenItIsBack) {
  LiveClusterModel model;
  connectThree(model);
  model.takeSnapshot(kSec);
  model.ingest(2 * kSec, QStringLiteral("n2"), Kind::kReachability, QByteArray("down connection refused"));
  const FeedSnapshot down = model.takeSnapshot(2 * kSec + kMs);
  EXPECT_EQ(down.nodes[1].state, NodeDisplayState::kUnreachable);
  EXPECT_FALSE(down.nodes[1].running);
  EXPECT_EQ(down.nodes[0].state, NodeDisplayState::kUp);
  ASSERT_EQ(down.newMarks.size(), 1u);
  EXPECT_EQ(down.newMarks[0].atNs, 2 * kSec);
  EXPECT_NE(down.newMarks[0].text.find("n2"), std::string::npos) << down.newMarks[0].text;
  EXPECT_NE(down.newMarks[0].text.find("connection refused"), std::string::npos) << down.newMarks[0].text;
  const auto n2 = model.member(QStringLiteral("n2"));
  ASSERT_TRUE(n2.has_value());
  EXPECT_FALSE(n2->reachable);
  EXPECT_EQ(n2->lastError, QStringLiteral("connection refused"));

  // Still down: no new mark.
  model.ingest(3 * kSec, QStringLiteral("n2"), Kind::kReachability, QByteArray("down connection refused"));
  EXPECT_TRUE(model.takeSnapshot(3 * kSec + kMs).newMarks.empty());

  model.ingest(4 * kSec, QStringLiteral("n2"), Kind::kReachability, QByteArray("up"));
  const FeedSnapshot up = model.takeSnapshot(4 * kSec + kMs);
  EXPECT_EQ(up.nodes[1].state, NodeDisplayState::kUp);
  EXPECT_TRUE(up.nodes[1].running);
  EXPECT_TRUE(hasMarkContaining(up, QStringLiteral("n2 reachable again")));
  EXPECT_TRUE(model.member(QStringLiteral("n2"))->lastError.isEmpty());
}

// Three members; n1's detector holds n3 down, n2's holds it suspect (at 1 s).
void connectThreeWhereN1HoldsN3DownAndN2SuspectsIt(LiveClusterModel& model) {
  connectThree(model);
  model.ingest(kSec, QStringLiteral("n1"), Kind::kCluster,
               clusterBody(QStringLiteral("n1"), threeMembers(QStringLiteral("down"))));
  model.ingest(kSec, QStringLiteral("n2"), Kind::kCluster,
               clusterBody(QStringLiteral("n2"), threeMembers(QStringLiteral("suspect"))));
}

TEST(LiveModelReachabilityTest, PeersVerdictsMakeANodeDownOrSuspect) {
  LiveClusterModel model;
  connectThreeWhereN1HoldsN3DownAndN2SuspectsIt(model);
  const FeedSnapshot s = model.takeSnapshot(kSec + kMs);
  EXPECT_EQ(s.nodes[2].state, NodeDisplayState::kDown);
  EXPECT_EQ(s.nodes[2].suspectedBy, 2u);
  EXPECT_TRUE(s.nodes[2].running);
  EXPECT_EQ(s.nodes[0].state, NodeDisplayState::kUp);
  EXPECT_EQ(s.nodes[0].suspectedBy, 0u);
  EXPECT_TRUE(s.nodes[0].judged);
  EXPECT_TRUE(s.nodes[0].peersListed);
  EXPECT_EQ(s.nodes[0].verdictOn(2), NodeState::kDown);
  EXPECT_EQ(s.nodes[1].verdictOn(2), NodeState::kSuspect);
  EXPECT_EQ(s.nodes[2].verdictOn(0), NodeState::kUp);
  ASSERT_EQ(s.nodes[0].doubts.size(), 1u);  // only n3: the peers it thinks up are not listed
  // The inspector's table: n1's opinion of each peer, with phi.
  ASSERT_EQ(s.nodes[0].peers.size(), 2u);
  EXPECT_EQ(s.nodes[0].peers[0].peer, 1u);
  EXPECT_EQ(s.nodes[0].peers[1].peer, 2u);
  EXPECT_EQ(s.nodes[0].peers[1].verdict, NodeState::kDown);
  EXPECT_DOUBLE_EQ(s.nodes[0].peers[1].phi, 9.0);
  EXPECT_EQ(s.detection, DetectionProtocol::kPhiAccrual);

  // n1 no longer answers: only n2's suspicion counts.
  model.ingest(2 * kSec, QStringLiteral("n1"), Kind::kReachability, QByteArray("down timed out"));
  const FeedSnapshot later = model.takeSnapshot(2 * kSec + kMs);
  EXPECT_EQ(later.nodes[2].state, NodeDisplayState::kSuspect);
  EXPECT_EQ(later.nodes[2].suspectedBy, 1u);
}

TEST(LiveModelReachabilityTest, UnderSwimTheInspectorTableListsThePeersWithNewsAndTheirIncarnations) {
  LiveClusterModel model;
  connectThree(model);
  // n1 runs SWIM: it suspects n3, which it knows at incarnation 2; n2 is up with no news (no incarnation field).
  QJsonArray members = threeMembers(QStringLiteral("suspect"));
  QJsonObject n3 = members[2].toObject();
  n3[QStringLiteral("incarnation")] = 2;
  n3[QStringLiteral("phi")] = 0.0;
  members[2] = n3;
  QJsonObject body = QJsonDocument::fromJson(clusterBody(QStringLiteral("n1"), members)).object();
  body[QStringLiteral("failure_detector")] = QStringLiteral("swim");
  ASSERT_TRUE(model.ingest(kSec, QStringLiteral("n1"), Kind::kCluster, compact(body)).isEmpty());
  const FeedSnapshot s = model.takeSnapshot(kSec + kMs);
  EXPECT_EQ(s.detection, DetectionProtocol::kSwim);
  ASSERT_EQ(s.nodes[0].peers.size(), 1u);
  EXPECT_EQ(s.nodes[0].peers[0].peer, 2u);
  EXPECT_EQ(s.nodes[0].peers[0].verdict, NodeState::kSuspect);
  EXPECT_EQ(s.nodes[0].peers[0].incarnation, 2u);
  EXPECT_EQ(s.nodes[2].suspectedBy, 1u);
  // A node that does not name its detector (an older ringlabd) detects with phi accrual.
  model.ingest(2 * kSec, QStringLiteral("n1"), Kind::kCluster, clusterBody(QStringLiteral("n1"), threeMembers()));
  EXPECT_EQ(model.takeSnapshot(2 * kSec + kMs).detection, DetectionProtocol::kPhiAccrual);
}

TEST(LiveModelReachabilityTest, TheCrashDetectionChartCountsDownVerdictsOnUnreachableMembers) {
  LiveClusterModel model;
  connectThreeWhereN1HoldsN3DownAndN2SuspectsIt(model);
  const FeedSnapshot before = model.takeSnapshot(kSec + kMs);
  ASSERT_FALSE(before.newSamples.empty());
  EXPECT_DOUBLE_EQ(before.newSamples.back().runningNodes, 3);
  EXPECT_DOUBLE_EQ(before.newSamples.back().crashDownVerdicts, 0) << "n3 answers: a verdict on it is not a detection";
  model.ingest(2 * kSec, QStringLiteral("n3"), Kind::kReachability, QByteArray("down connection refused"));
  const FeedSnapshot after = model.takeSnapshot(3 * kSec);
  ASSERT_FALSE(after.newSamples.empty());
  EXPECT_DOUBLE_EQ(after.newSamples.back().runningNodes, 2);
  EXPECT_DOUBLE_EQ(after.newSamples.back().crashDownVerdicts, 1);  // n1's; n2 only suspects n3
}

TEST(LiveModelReachabilityTest, ARestartIsMarked) {
  LiveClusterModel model;
  connectThree(model);
  model.takeSnapshot(kSec);
  model.ingest(2 * kSec, QStringLiteral("n3"), Kind::kCluster,
               clusterBody(QStringLiteral("n3"), threeMembers(), {}, 1, /*generation=*/2000));
  EXPECT_TRUE(hasMarkContaining(model.takeSnapshot(2 * kSec + kMs), QStringLiteral("n3 restarted")));
}

// --- faults ---

TEST(LiveModelFaultTest, ADropRuleWithProbabilityOneIsACutLink) {
  LiveClusterModel model;
  connectThree(model);
  // Written as the server writes numbers: a probability of one may read 1E0.
  QByteArray body = clusterBody(QStringLiteral("n1"), threeMembers(), QJsonArray{QStringLiteral("FAULTS")});
  body.replace("[\"FAULTS\"]", R"([{"action":"drop","peer":"n2","probability":1E0},)"
                               R"({"action":"drop","peer":"n3","probability":0.25},)"
                               R"({"action":"delay","peer":"n3","delay_ms":200}])");
  ASSERT_TRUE(model.ingest(kSec, QStringLiteral("n1"), Kind::kCluster, body).isEmpty());
  const FeedSnapshot s = model.takeSnapshot(kSec + kMs);
  ASSERT_EQ(s.cutLinks.size(), 1u);
  EXPECT_EQ(s.cutLinks[0], (std::pair<NodeId, NodeId>{0, 1}));
  const auto n1 = model.member(QStringLiteral("n1"));
  ASSERT_TRUE(n1.has_value());
  EXPECT_EQ(n1->faults, (QStringList{QStringLiteral("drop to n2"), QStringLiteral("drop 25% to n3"),
                                     QStringLiteral("delay 200 ms to n3")}));

  // Healed.
  model.ingest(2 * kSec, QStringLiteral("n1"), Kind::kCluster, clusterBody(QStringLiteral("n1"), threeMembers()));
  EXPECT_TRUE(model.takeSnapshot(2 * kSec + kMs).cutLinks.empty());
  EXPECT_TRUE(model.member(QStringLiteral("n1"))->faults.isEmpty());
}

TEST(LiveModelFaultTest, ADropRuleForEveryPeerCutsEachLinkWithoutARuleOfItsOwn) {
  LiveClusterModel model;
  connectThree(model);
  const QJsonArray faults{
      QJsonObject{{QStringLiteral("action"), QStringLiteral("drop")},
                  {QStringLiteral("peer"), QStringLiteral("*")},
                  {QStringLiteral("probability"), 1}},
      QJsonObject{{QStringLiteral("action"), QStringLiteral("drop")},
                  {QStringLiteral("peer"), QStringLiteral("n3")},
                  {QStringLiteral("probability"), 0.5}},
  };
  model.ingest(kSec, QStringLiteral("n2"), Kind::kCluster, clusterBody(QStringLiteral("n2"), threeMembers(), faults));
  const FeedSnapshot s = model.takeSnapshot(kSec + kMs);
  EXPECT_EQ(s.cutLinks, (std::vector<std::pair<NodeId, NodeId>>{{1, 0}}));

  model.ingest(2 * kSec, QStringLiteral("n2"), Kind::kCluster,
               clusterBody(QStringLiteral("n2"), threeMembers(), QJsonArray{faults[0]}));
  EXPECT_EQ(model.takeSnapshot(2 * kSec + kMs).cutLinks, (std::vector<std::pair<NodeId, NodeId>>{{1, 0}, {1, 2}}));
}

// --- messages in flight ---

TEST(LiveModelFlightTest, AMessageIsInFlightForTheMinimumTimeThenGone) {
  LiveClusterModel model;
  connectThree(model);
  QJsonObject sent = message(QStringLiteral("message_sent"), 20 * kSec, QStringLiteral("n3"), QStringLiteral("n1"),
                             QStringLiteral("read_reply"), 3);
  sent.insert(QStringLiteral("bytes"), 64);
  model.ingest(kSec, QStringLiteral("n3"), Kind::kEvent, compact(sent));
  // Delivered 100 us later: still drawn for the minimum time.
  model.ingest(kSec + kMs, QStringLiteral("n1"), Kind::kEvent,
               compact(message(QStringLiteral("message_delivered"), 40 * kSec, QStringLiteral("n3"),
                               QStringLiteral("n1"), QStringLiteral("read_reply"), 3)));
  const FeedSnapshot first = model.takeSnapshot(kSec + 10 * kMs);
  ASSERT_EQ(first.inFlight.size(), 1u);
  const MessageDot& dot = first.inFlight[0];
  EXPECT_EQ(dot.from, 2u);
  EXPECT_EQ(dot.to, 0u);
  EXPECT_EQ(dot.kind, MessageKind::kReadReply);
  EXPECT_EQ(dot.requestId, 3u);
  EXPECT_EQ(dot.bytes, 64u);
  EXPECT_EQ(dot.sentNs, kSec);
  EXPECT_GE(dot.arrivesNs - dot.sentNs, LiveClusterModel::kMinFlightNs);
  EXPECT_EQ(first.inFlightTotal, 1u);
  EXPECT_EQ(model.takeSnapshot(kSec + LiveClusterModel::kMinFlightNs).inFlight.size(), 1u);
  const FeedSnapshot after = model.takeSnapshot(kSec + LiveClusterModel::kMinFlightNs + kMs);
  EXPECT_TRUE(after.inFlight.empty());
  EXPECT_EQ(after.inFlightTotal, 0u);
}

TEST(LiveModelFlightTest, AMessageGoesOnTimeEvenBehindALaterOneFromAnotherStream) {
  LiveClusterModel model;
  connectThree(model);
  // n2's clock is calibrated early (session = node time - 50 s); later one of its sends arrives 150 ms late, after a
  // send of n1's that happened later.
  model.ingest(500 * kMs, QStringLiteral("n2"), Kind::kEvent,
               compact(event(QStringLiteral("cluster_changed"), 50 * kSec + 500 * kMs)));
  model.ingest(kSec, QStringLiteral("n1"), Kind::kEvent,
               compact(message(QStringLiteral("message_sent"), 10 * kSec, QStringLiteral("n1"), QStringLiteral("n3"),
                               QStringLiteral("gossip"), 0)));
  model.ingest(kSec + 50 * kMs, QStringLiteral("n2"), Kind::kEvent,
               compact(message(QStringLiteral("message_sent"), 50 * kSec + 900 * kMs, QStringLiteral("n2"),
                               QStringLiteral("n3"), QStringLiteral("gossip"), 0)));
  const FeedSnapshot both = model.takeSnapshot(kSec + 100 * kMs);
  EXPECT_EQ(both.inFlight.size(), 2u);
  // n2's message was sent at 0.9 s, n1's at 1.0 s: at 1.2 s only n1's is still drawn.
  const FeedSnapshot s = model.takeSnapshot(900 * kMs + LiveClusterModel::kMinFlightNs + 50 * kMs);
  ASSERT_EQ(s.inFlight.size(), 1u);
  EXPECT_EQ(s.inFlight[0].from, 0u);
  EXPECT_EQ(s.inFlightTotal, 1u);
}

TEST(LiveModelFlightTest, AMessageSentAfterTheSnapshotTimeIsNotYetDrawn) {
  LiveClusterModel model;
  connectThree(model);
  model.ingest(kSec, QStringLiteral("n1"), Kind::kEvent,
               compact(message(QStringLiteral("message_sent"), 10 * kSec, QStringLiteral("n1"), QStringLiteral("n2"),
                               QStringLiteral("write"), 1)));
  EXPECT_TRUE(model.takeSnapshot(kSec - kMs).inFlight.empty());
  EXPECT_EQ(model.takeSnapshot(kSec).inFlight.size(), 1u);
}

TEST(LiveModelTest, InputKindNamesRoundTrip) {
  for (Kind kind : {Kind::kCluster, Kind::kMetrics, Kind::kEvent, Kind::kReachability}) {
    EXPECT_EQ(LiveClusterModel::parseInputKind(LiveClusterModel::inputKindName(kind)), kind);
  }
  EXPECT_EQ(LiveClusterModel::parseInputKind(QStringLiteral("metric")), std::nullopt);
}

}  // namespace
}  // namespace ringlab
