#include <ringlab/sim/metrics.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include <ringlab/engine/random.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kSeed = 20240918;
// Buckets are 10^(10/1000) wide: an upper edge is at most 2.33% above the values in its bucket.
constexpr double kBucketRatio = 1.0233;

double ns(Duration d) { return static_cast<double>(d.count()); }

LatencyHistogram histogramOf(const std::vector<Duration>& samples) {
  LatencyHistogram h;
  for (Duration d : samples) h.record(d);
  return h;
}

// Log-uniform between 100 ns and 10 s, whole nanoseconds.
std::vector<Duration> logUniformSamples(Rng& rng, int n) {
  std::vector<Duration> out;
  for (int i = 0; i < n; ++i) out.emplace_back(static_cast<std::int64_t>(std::pow(10.0, rng.uniform(2.0, 10.0))));
  return out;
}

std::vector<double> quantiles() {
  std::vector<double> qs;
  for (int i = 0; i <= 1000; ++i) qs.push_back(i / 1000.0);
  return qs;
}

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
  const LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0ns);
  EXPECT_EQ(h.max(), 0ns);
  EXPECT_EQ(h.mean(), 0ns);
  for (double q : {0.0, 0.5, 0.99, 1.0}) EXPECT_EQ(h.percentile(q), 0ns) << "q=" << q;
}

TEST(LatencyHistogramTest, PercentilesOfUniformMicrosecondsAreWithinThreePercent) {
  LatencyHistogram h;
  for (int us = 1; us <= 10000; ++us) h.record(std::chrono::microseconds(us));

  EXPECT_EQ(h.count(), 10000u);
  EXPECT_NEAR(ns(h.percentile(0.5)), 5000e3, 0.03 * 5000e3);
  EXPECT_NEAR(ns(h.percentile(0.9)), 9000e3, 0.03 * 9000e3);
  EXPECT_NEAR(ns(h.percentile(0.99)), 9900e3, 0.03 * 9900e3);
  EXPECT_EQ(h.percentile(1.0), 10000us);
  EXPECT_EQ(h.percentile(1.0), h.max());
  EXPECT_EQ(h.percentile(0.0), 1us);
}

TEST(LatencyHistogramTest, PercentileIsWithinOneBucketAboveTheExactRankValue) {
  Rng rng(kSeed);
  std::vector<Duration> samples = logUniformSamples(rng, 5000);
  const LatencyHistogram h = histogramOf(samples);
  std::sort(samples.begin(), samples.end());

  for (double q : quantiles()) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
    const Duration exact = samples[rank == 0 ? 0 : rank - 1];
    const Duration p = h.percentile(q);
    // The upper edge of the bucket is truncated to whole nanoseconds, hence the 1 ns of slack below.
    EXPECT_GE(p.count(), exact.count() - 1) << "seed " << kSeed << " q=" << q;
    EXPECT_LE(ns(p), ns(exact) * kBucketRatio) << "seed " << kSeed << " q=" << q;
  }
}

TEST(LatencyHistogramTest, PercentilesDoNotDecreaseWithQ) {
  Rng rng(kSeed);
  const LatencyHistogram h = histogramOf(logUniformSamples(rng, 3000));

  Duration previous = h.percentile(0.0);
  for (double q : quantiles()) {
    const Duration p = h.percentile(q);
    EXPECT_GE(p, previous) << "seed " << kSeed << " q=" << q;
    previous = p;
  }
}

TEST(LatencyHistogramTest, SingleSampleIsEveryPercentile) {
  for (Duration sample : {Duration(100), Duration(101), Duration(999), Duration(12345), Duration(3'700'000),
                          Duration(42'000'000'000), Duration(999'999'999'999)}) {
    SCOPED_TRACE(testing::Message() << "sample " << sample.count() << "ns");
    LatencyHistogram h;
    h.record(sample);
    for (double q : {0.0, 0.001, 0.25, 0.5, 0.99, 1.0}) {
      const Duration p = h.percentile(q);
      EXPECT_LE(p, h.max()) << "q=" << q;
      EXPECT_GE(ns(p), ns(sample) / kBucketRatio) << "q=" << q;
    }
    EXPECT_EQ(h.percentile(1.0), sample);
    EXPECT_EQ(h.min(), sample);
    EXPECT_EQ(h.max(), sample);
    EXPECT_EQ(h.mean(), sample);
  }
}

TEST(LatencyHistogramTest, MinMaxAndMeanAreExact) {
  // Sum 3'001'234'572 ns over 4 samples: mean 750'308'643 ns exactly.
  const LatencyHistogram h = histogramOf({Duration(250'000), Duration(7), Duration(3'000'000'000), Duration(984'565)});

  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.min(), Duration(7));
  EXPECT_EQ(h.max(), Duration(3'000'000'000));
  EXPECT_EQ(h.mean(), Duration(750'308'643));
}

TEST(LatencyHistogramTest, MeanStaysExactForManyLargeSamples) {
  LatencyHistogram h;
  // 100'000 samples of 900 s + i ns: the sum (9e16 + ~5e9) needs more than a double's 53 bits.
  for (std::int64_t i = 0; i < 100'000; ++i) h.record(900s + Duration(i));
  EXPECT_EQ(h.mean(), 900s + Duration(49'999));  // mean of 0..99'999 is 49'999.5, truncated
}

TEST(LatencyHistogramTest, MergeEqualsRecordingBothSets) {
  Rng rng(kSeed);
  const std::vector<Duration> a = logUniformSamples(rng, 700);
  std::vector<Duration> b = logUniformSamples(rng, 500);
  b.push_back(Duration(3));      // below the lowest bucket
  b.push_back(Duration(2000s));  // above the highest bucket

  LatencyHistogram merged = histogramOf(a);
  merged.merge(histogramOf(b));
  std::vector<Duration> both = a;
  both.insert(both.end(), b.begin(), b.end());
  const LatencyHistogram direct = histogramOf(both);

  EXPECT_EQ(merged.count(), direct.count());
  EXPECT_EQ(merged.min(), direct.min());
  EXPECT_EQ(merged.max(), direct.max());
  EXPECT_EQ(merged.mean(), direct.mean());
  for (double q : quantiles()) EXPECT_EQ(merged.percentile(q), direct.percentile(q)) << "seed " << kSeed << " q=" << q;
}

TEST(LatencyHistogramTest, MergeIntoEmptyTakesTheOthersMinimum) {
  const LatencyHistogram other = histogramOf({Duration(5000), Duration(7000)});

  LatencyHistogram h;
  h.merge(other);

  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min(), Duration(5000));
  EXPECT_EQ(h.max(), Duration(7000));
  EXPECT_EQ(h.mean(), Duration(6000));
  EXPECT_EQ(h.percentile(0.5), other.percentile(0.5));
}

TEST(LatencyHistogramTest, MergeOfEmptyChangesNothing) {
  LatencyHistogram h = histogramOf({Duration(5000), Duration(7000)});

  h.merge(LatencyHistogram());

  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min(), Duration(5000));
  EXPECT_EQ(h.max(), Duration(7000));
  EXPECT_EQ(h.mean(), Duration(6000));
}

TEST(LatencyHistogramTest, ValuesOutsideTheBucketRangeAreCountedAndPercentilesStayWithinMinMax) {
  const LatencyHistogram h = histogramOf({Duration(0), Duration(5), Duration(99), 12us, 40ms, 1001s, 5000s});

  EXPECT_EQ(h.count(), 7u);
  EXPECT_EQ(h.min(), Duration(0));
  EXPECT_EQ(h.max(), 5000s);
  for (double q : quantiles()) {
    const Duration p = h.percentile(q);
    EXPECT_GE(p, h.min()) << "q=" << q;
    EXPECT_LE(p, h.max()) << "q=" << q;
  }
  EXPECT_EQ(h.percentile(0.0), Duration(0));
  EXPECT_EQ(h.percentile(1.0), 5000s);
}

TEST(LatencyHistogramTest, OnlyValuesBelowTheRangeGivePercentilesWithinMinMax) {
  const LatencyHistogram h = histogramOf({Duration(10), Duration(20), Duration(30)});

  EXPECT_EQ(h.count(), 3u);
  for (double q : quantiles()) {
    const Duration p = h.percentile(q);
    EXPECT_GE(p, Duration(10)) << "q=" << q;
    EXPECT_LE(p, Duration(30)) << "q=" << q;
  }
  EXPECT_EQ(h.percentile(1.0), Duration(30));
  EXPECT_EQ(h.mean(), Duration(20));
}

TEST(LatencyHistogramTest, OnlyValuesAboveTheRangeGivePercentilesWithinMinMax) {
  const LatencyHistogram h = histogramOf({2000s, 3000s, 4000s});

  EXPECT_EQ(h.count(), 3u);
  for (double q : quantiles()) {
    const Duration p = h.percentile(q);
    EXPECT_GE(p, 2000s) << "q=" << q;
    EXPECT_LE(p, 4000s) << "q=" << q;
  }
  EXPECT_EQ(h.percentile(1.0), 4000s);
  EXPECT_EQ(h.mean(), 3000s);
}

TEST(LatencyHistogramTest, ResetForgetsEverySample) {
  LatencyHistogram h = histogramOf({1ms, 2ms, 3ms});

  h.reset();

  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0ns);
  EXPECT_EQ(h.max(), 0ns);
  EXPECT_EQ(h.mean(), 0ns);
  h.record(5us);
  EXPECT_EQ(h.min(), 5us);
  EXPECT_EQ(h.percentile(1.0), 5us);
}

TEST(MetricsTest, FailedSumsEveryErrorCodeAndTotalAddsOk) {
  OperationMetrics op;
  op.ok = 10;
  op.errors[static_cast<std::size_t>(ErrorCode::kTimeout)] = 3;
  op.errors[static_cast<std::size_t>(ErrorCode::kUnavailable)] = 2;
  op.errors[static_cast<std::size_t>(ErrorCode::kInternal)] = 1;
  op.errors[static_cast<std::size_t>(ErrorCode::kInvalidArgument)] = 4;

  EXPECT_EQ(op.failed(), 10u);
  EXPECT_EQ(op.total(), 20u);
}

TEST(MetricsTest, FreshOperationMetricsCountNothing) {
  const OperationMetrics op;
  EXPECT_EQ(op.failed(), 0u);
  EXPECT_EQ(op.total(), 0u);
  EXPECT_EQ(op.latency.count(), 0u);
}

TEST(MetricsTest, OfSelectsTheEntryOfThatOperation) {
  Metrics metrics;
  metrics.of(Operation::kGet).ok = 1;
  metrics.of(Operation::kPut).ok = 2;
  metrics.of(Operation::kDelete).ok = 3;

  EXPECT_EQ(metrics.operations[0].ok, 1u);
  EXPECT_EQ(metrics.operations[1].ok, 2u);
  EXPECT_EQ(metrics.operations[2].ok, 3u);
  const Metrics& constMetrics = metrics;
  EXPECT_EQ(constMetrics.of(Operation::kPut).ok, 2u);
}

TEST(MetricsTest, TotalMessagesSumsEveryKind) {
  Metrics metrics;
  MessageMetrics expected;
  for (std::size_t kind = 0; kind < kMessageKindCount; ++kind) {
    auto& m = metrics.messages[kind];
    m.sent = 10 * kind + 1;
    m.delivered = 7 * kind + 2;
    m.dropped = kind + 3;
    m.bytes = 1000 * kind + 4;
    expected.sent += m.sent;
    expected.delivered += m.delivered;
    expected.dropped += m.dropped;
    expected.bytes += m.bytes;
  }

  const MessageMetrics total = metrics.totalMessages();

  EXPECT_EQ(total.sent, expected.sent);
  EXPECT_EQ(total.delivered, expected.delivered);
  EXPECT_EQ(total.dropped, expected.dropped);
  EXPECT_EQ(total.bytes, expected.bytes);
}

TEST(MetricsTest, TotalMessagesOfFreshMetricsIsZero) {
  const MessageMetrics total = Metrics().totalMessages();
  EXPECT_EQ(total.sent, 0u);
  EXPECT_EQ(total.delivered, 0u);
  EXPECT_EQ(total.dropped, 0u);
  EXPECT_EQ(total.bytes, 0u);
}

}  // namespace
}  // namespace ringlab
