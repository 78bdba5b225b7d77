// Behaviour of the metrics time series: bucketing by completion time, rates, percentiles, exact CSV, and an attached
// series agreeing with the simulation's own totals.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <ringlab/sim/simulation.h>
#include <ringlab/sim/timeseries.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

constexpr auto kGet = static_cast<std::size_t>(Operation::kGet);
constexpr auto kPut = static_cast<std::size_t>(Operation::kPut);
constexpr auto kDelete = static_cast<std::size_t>(Operation::kDelete);

ClientOperation operation(Operation op, Duration completedAt, Duration latency, ErrorCode result = ErrorCode::kOk) {
  ClientOperation c;
  c.coordinator = 0;
  c.result.op = op;
  c.result.key = "k";
  c.result.completed = TimePoint{completedAt};
  c.result.begun = TimePoint{completedAt - latency};
  if (result != ErrorCode::kOk) c.result.status = Status(result, "failed");
  return c;
}

MessageSent sent(Duration at, MessageKind kind) {
  MessageSent m;
  m.time = TimePoint{at};
  m.kind = kind;
  return m;
}

MessageDropped dropped(Duration at, MessageKind kind) {
  MessageDropped m;
  m.time = TimePoint{at};
  m.kind = kind;
  return m;
}

std::vector<std::string> csvLines(const MetricsTimeSeries& series) {
  std::ostringstream out;
  series.writeCsv(out);
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const char* const kHeader =
    "time_s,get_ops_s,put_ops_s,delete_ops_s,get_p50_ms,get_p99_ms,get_p999_ms,put_p50_ms,put_p99_ms,put_p999_ms,"
    "errors_s,msg_write_s,msg_write_ack_s,msg_read_s,msg_read_reply_s,msg_gossip_s,msg_hinted_write_s,"
    "msg_hint_replay_s,msg_read_repair_s,msg_ae_tree_s,msg_ae_diff_s,msg_ae_fetch_s,msg_ae_records_s,"
    "msg_stream_request_s,msg_stream_batch_s,msg_probe_s,msg_probe_ack_s,dropped_s,stale_reads_s,stale_read_share";

TEST(MetricsTimeSeriesTest, EmptySeriesHasOnlyTheHeader) {
  MetricsTimeSeries series;
  EXPECT_EQ(series.buckets(), 0u);
  EXPECT_EQ(csvLines(series), std::vector<std::string>{kHeader});
  EXPECT_THROW(series.row(0), std::out_of_range);
}

TEST(MetricsTimeSeriesTest, OperationsLandInTheBucketOfTheirCompletion) {
  MetricsTimeSeries series;  // 1 s buckets
  series.record(operation(Operation::kPut, 200ms, 2ms));
  series.record(operation(Operation::kPut, 999ms, 2ms));
  series.record(operation(Operation::kGet, 1000ms, 4ms));  // the first instant of bucket 1
  series.record(operation(Operation::kDelete, 3500ms, 1ms, ErrorCode::kTimeout));
  ASSERT_EQ(series.buckets(), 4u);

  const auto r0 = series.row(0);
  EXPECT_EQ(r0.timeSeconds, 0.0);
  EXPECT_EQ(r0.ok[kPut], 2u);
  EXPECT_EQ(r0.ok[kGet], 0u);
  EXPECT_EQ(r0.opsPerSecond[kPut], 2.0);
  EXPECT_EQ(r0.p50Ms[kPut], 2.0);  // every sample is 2 ms: the percentile is capped at the maximum
  EXPECT_EQ(r0.p999Ms[kPut], 2.0);
  EXPECT_EQ(r0.errorsPerSecond, 0.0);

  const auto r1 = series.row(1);
  EXPECT_EQ(r1.timeSeconds, 1.0);
  EXPECT_EQ(r1.ok[kGet], 1u);
  EXPECT_EQ(r1.p99Ms[kGet], 4.0);

  const auto r2 = series.row(2);  // nothing happened: a zero row
  EXPECT_EQ(r2.opsPerSecond, (std::array<double, kOperationCount>{}));
  EXPECT_EQ(r2.p50Ms, (std::array<double, kOperationCount>{}));

  const auto r3 = series.row(3);
  EXPECT_EQ(r3.ok[kDelete], 0u);
  EXPECT_EQ(r3.failed[kDelete], 1u);
  EXPECT_EQ(r3.opsPerSecond[kDelete], 1.0);  // completed operations, failed ones included
  EXPECT_EQ(r3.errorsPerSecond, 1.0);
  EXPECT_EQ(r3.p50Ms[kDelete], 0.0) << "failed operations have no latency sample";
}

TEST(MetricsTimeSeriesTest, PercentilesMatchALatencyHistogramOfTheBucket) {
  MetricsTimeSeries series(100ms);
  LatencyHistogram expected;
  for (int i = 1; i <= 1000; ++i) {
    const Duration latency = std::chrono::microseconds(100 * i);
    series.record(operation(Operation::kGet, 150ms, latency));
    expected.record(latency);
  }
  ASSERT_EQ(series.buckets(), 2u);
  const auto row = series.row(1);
  EXPECT_DOUBLE_EQ(row.timeSeconds, 0.1);
  EXPECT_DOUBLE_EQ(row.opsPerSecond[kGet], 10000.0);
  EXPECT_EQ(row.p50Ms[kGet], static_cast<double>(expected.percentile(0.5).count()) / 1e6);
  EXPECT_EQ(row.p99Ms[kGet], static_cast<double>(expected.percentile(0.99).count()) / 1e6);
  EXPECT_EQ(row.p999Ms[kGet], static_cast<double>(expected.percentile(0.999).count()) / 1e6);
  EXPECT_LT(row.p50Ms[kGet], row.p99Ms[kGet]);
  EXPECT_LE(row.p99Ms[kGet], row.p999Ms[kGet]);
  EXPECT_LE(row.p999Ms[kGet], 100.0);
}

TEST(MetricsTimeSeriesTest, MessagesAreCountedByKindAndDropsInTotal) {
  MetricsTimeSeries series(500ms);
  series.record(sent(10ms, MessageKind::kWriteRequest));
  series.record(sent(20ms, MessageKind::kWriteRequest));
  series.record(sent(30ms, MessageKind::kReadReply));
  series.record(dropped(40ms, MessageKind::kWriteRequest));
  series.record(dropped(600ms, MessageKind::kReadRequest));
  ASSERT_EQ(series.buckets(), 2u);
  const auto r0 = series.row(0);
  EXPECT_EQ(r0.sent[static_cast<std::size_t>(MessageKind::kWriteRequest)], 2u);
  EXPECT_EQ(r0.messagesPerSecond[static_cast<std::size_t>(MessageKind::kWriteRequest)], 4.0);
  EXPECT_EQ(r0.messagesPerSecond[static_cast<std::size_t>(MessageKind::kReadReply)], 2.0);
  EXPECT_EQ(r0.droppedPerSecond, 2.0);
  EXPECT_EQ(series.row(1).droppedPerSecond, 2.0);
  EXPECT_EQ(series.row(1).dropped[static_cast<std::size_t>(MessageKind::kReadRequest)], 1u);
}

TEST(MetricsTimeSeriesTest, CsvLinesAreExact) {
  MetricsTimeSeries series(500ms);
  series.record(operation(Operation::kPut, 100ms, 2500us));
  series.record(operation(Operation::kGet, 200ms, 1ms));
  series.record(operation(Operation::kGet, 300ms, 1ms, ErrorCode::kUnavailable));
  series.record(sent(50ms, MessageKind::kWriteRequest));
  series.record(sent(60ms, MessageKind::kWriteAck));
  series.record(sent(70ms, MessageKind::kReadRequest));
  series.record(sent(80ms, MessageKind::kReadReply));
  series.record(dropped(1200ms, MessageKind::kReadReply));
  series.recordStaleRead(TimePoint{200ms});
  const std::vector<std::string> expected = {
      kHeader,
      "0.000,4.000,2.000,0.000,1.000,1.000,1.000,2.500,2.500,2.500,2.000,2.000,2.000,2.000,2.000,0.000,0.000,0.000,0."
      "000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,2.000,1.000000",
      "0.500,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0."
      "000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000000",
      "1.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0."
      "000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,0.000,2.000,0.000,0.000000",
  };
  EXPECT_EQ(csvLines(series), expected);
}

TEST(MetricsTimeSeriesTest, StaleReadsLandInTheBucketOfTheirCompletionAsARateAndAShareOfReads) {
  MetricsTimeSeries series;  // 1 s buckets
  for (int i = 0; i < 4; ++i) series.record(operation(Operation::kGet, 1100ms + i * 1ms, 1ms));
  series.record(operation(Operation::kGet, 1200ms, 1ms, ErrorCode::kTimeout));  // not a successful read
  series.recordStaleRead(TimePoint{1500ms});
  series.recordStaleRead(TimePoint{3s});  // a bucket with no recorded read: a share of 0
  ASSERT_EQ(series.buckets(), 4u);
  EXPECT_EQ(series.row(0).staleReads, 0u);
  EXPECT_EQ(series.row(1).staleReads, 1u);
  EXPECT_DOUBLE_EQ(series.row(1).staleReadsPerSecond, 1.0);
  EXPECT_DOUBLE_EQ(series.row(1).staleReadShare, 0.25);
  EXPECT_EQ(series.row(3).staleReads, 1u);
  EXPECT_DOUBLE_EQ(series.row(3).staleReadShare, 0.0);
}

TEST(MetricsTimeSeriesTest, WriteCsvToAFileAndReportUnwritablePaths) {
  MetricsTimeSeries series;
  series.record(operation(Operation::kPut, 100ms, 1ms));
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "ringlab_timeseries_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "metrics.csv").string();
  ASSERT_TRUE(series.writeCsv(path).isOk());
  std::ifstream in(path);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ostringstream expected;
  series.writeCsv(expected);
  EXPECT_EQ(written, expected.str());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 1);
  std::filesystem::remove_all(dir);

  const std::string missing = "/nonexistent-ringlab-dir/metrics.csv";
  const Status status = series.writeCsv(missing);
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.message().find(missing), std::string::npos) << status.message();
}

TEST(MetricsTimeSeriesTest, RejectsANonPositiveInterval) {
  EXPECT_THROW(MetricsTimeSeries(Duration{0}), std::invalid_argument);
}

TEST(MetricsTimeSeriesTest, AttachedSeriesAgreesWithTheSimulationTotals) {
  for (std::uint64_t seed : {3u, 11u}) {
    SimulationConfig config;
    config.seed = seed;
    config.nodes = 3;
    config.quorum = {3, 2, 2};
    config.requestTimeout = 50ms;
    config.network.loss = 0.05;
    Simulation sim(config);
    MetricsTimeSeries series(100ms);
    series.attach(sim);
    WorkloadConfig load;
    load.ratePerSecond = 500;
    load.readRatio = 0.6;
    load.deleteRatio = 0.1;
    sim.addWorkload(load);
    sim.runFor(250ms);
    sim.crash(1);
    sim.runFor(250ms);

    std::array<std::uint64_t, kOperationCount> ok{}, failed{};
    std::array<std::uint64_t, kMessageKindCount> messages{}, drops{};
    for (std::size_t b = 0; b < series.buckets(); ++b) {
      const auto row = series.row(b);
      for (std::size_t op = 0; op < kOperationCount; ++op) {
        ok[op] += row.ok[op];
        failed[op] += row.failed[op];
      }
      for (std::size_t k = 0; k < kMessageKindCount; ++k) {
        messages[k] += row.sent[k];
        drops[k] += row.dropped[k];
      }
    }
    const Metrics& metrics = sim.metrics();
    std::uint64_t total = 0;
    for (std::size_t op = 0; op < kOperationCount; ++op) {
      EXPECT_EQ(ok[op], metrics.operations[op].ok) << "seed " << seed << " op " << op;
      EXPECT_EQ(failed[op], metrics.operations[op].failed()) << "seed " << seed << " op " << op;
      total += ok[op] + failed[op];
    }
    EXPECT_GT(total, 100u) << "seed " << seed;
    EXPECT_GT(failed[kGet] + failed[kPut] + failed[kDelete], 0u) << "seed " << seed << ": the crash causes failures";
    for (std::size_t k = 0; k < kMessageKindCount; ++k) {
      EXPECT_EQ(messages[k], metrics.messages[k].sent) << "seed " << seed << " kind " << k;
      EXPECT_EQ(drops[k], metrics.messages[k].dropped) << "seed " << seed << " kind " << k;
    }
    EXPECT_LE(series.buckets(), 6u) << "seed " << seed;

    // Detached: the simulation keeps running, the series stops changing.
    series.detach();
    EXPECT_FALSE(series.attached());
    const std::size_t buckets = series.buckets();
    const std::uint64_t sentBefore = sim.metrics().totalMessages().sent;
    sim.runFor(300ms);
    EXPECT_GT(sim.metrics().totalMessages().sent, sentBefore) << "seed " << seed;
    EXPECT_EQ(series.buckets(), buckets) << "seed " << seed;
  }
}

}  // namespace
}  // namespace ringlab
