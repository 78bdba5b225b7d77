#include <gtest/gtest.h>
#include <ringlab/sim/distribution.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kSeed = 20240611;
constexpr int kSamples = 200'000;

double ns(Duration d) { return static_cast<double>(d.count()); }

std::vector<double> drawNanos(const LatencyDistribution& dist, std::uint64_t seed = kSeed, int n = kSamples) {
  Rng rng(seed);
  std::vector<double> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(ns(dist.sample(rng)));
  return out;
}

double mean(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += x;
  return sum / static_cast<double>(xs.size());
}

double standardError(const std::vector<double>& xs) {
  const double m = mean(xs);
  double squares = 0;
  for (double x : xs) squares += (x - m) * (x - m);
  return std::sqrt(squares / static_cast<double>(xs.size() - 1) / static_cast<double>(xs.size()));
}

double fraction(const std::vector<double>& xs, const std::function<bool(double)>& predicate) {
  return static_cast<double>(std::count_if(xs.begin(), xs.end(), predicate)) / static_cast<double>(xs.size());
}

// Tolerance for an observed proportion: 5 standard errors of a binomial proportion p over n draws.
double proportionTolerance(double p, std::size_t n) { return 5 * std::sqrt(p * (1 - p) / static_cast<double>(n)); }

// The sample mean lies within 5 standard errors of the analytic mean.
void expectMeanMatches(const LatencyDistribution& dist, const std::vector<double>& xs) {
  SCOPED_TRACE(dist.describe());
  const double se = standardError(xs);
  EXPECT_NEAR(mean(xs), dist.meanNanos(), 5 * se) << "seed " << kSeed;
}

TEST(LatencyDistributionTest, ConstantAlwaysReturnsItsValue) {
  const auto dist = LatencyDistribution::constant(1500us);
  Rng rng(kSeed);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(dist.sample(rng), 1500us);
  EXPECT_EQ(dist.meanNanos(), 1.5e6);
}

TEST(LatencyDistributionTest, DefaultIsConstantZero) {
  const LatencyDistribution dist;
  Rng rng(kSeed);
  EXPECT_EQ(dist.sample(rng), 0ns);
  EXPECT_EQ(dist.meanNanos(), 0);
  EXPECT_TRUE(dist.validate().isOk());
}

TEST(LatencyDistributionTest, UniformStaysWithinBoundsAndCoversThem) {
  const auto dist = LatencyDistribution::uniform(1ms, 3ms);
  const auto xs = drawNanos(dist);
  const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  EXPECT_GE(*lo, 1e6);
  EXPECT_LT(*hi, 3e6);
  // With 200,000 draws the extremes come within 0.01% of the range of the bounds.
  EXPECT_LT(*lo, 1e6 + 200);
  EXPECT_GT(*hi, 3e6 - 200);
  expectMeanMatches(dist, xs);
  EXPECT_NEAR(fraction(xs, [](double x) { return x < 1.5e6; }), 0.25, proportionTolerance(0.25, xs.size()));
}

TEST(LatencyDistributionTest, NormalMeanAndOneSigmaMassMatch) {
  const auto dist = LatencyDistribution::normal(10ms, 2ms);
  const auto xs = drawNanos(dist);
  expectMeanMatches(dist, xs);
  const double within = fraction(xs, [](double x) { return x >= 8e6 && x <= 12e6; });
  EXPECT_NEAR(within, 0.6827, proportionTolerance(0.6827, xs.size()));
}

TEST(LatencyDistributionTest, NormalClampsNegativeDrawsToZeroAndMeanAccountsForIt) {
  // Mean 1ms, sd 2ms: P(X < 0) = Phi(-0.5) = 0.3085.
  const auto dist = LatencyDistribution::normal(1ms, 2ms);
  const auto xs = drawNanos(dist);
  EXPECT_GE(*std::min_element(xs.begin(), xs.end()), 0);
  EXPECT_NEAR(fraction(xs, [](double x) { return x == 0; }), 0.3085, proportionTolerance(0.3085, xs.size()));
  // E[max(X, 0)] = mu * Phi(mu/s) + s * phi(mu/s) = 1.3956ms, above the unclamped 1ms.
  EXPECT_NEAR(dist.meanNanos(), 1.3956e6, 1e2);
  expectMeanMatches(dist, xs);
}

TEST(LatencyDistributionTest, ExponentialMeanAndTailMatch) {
  const auto dist = LatencyDistribution::exponential(2ms);
  const auto xs = drawNanos(dist);
  EXPECT_EQ(dist.meanNanos(), 2e6);
  expectMeanMatches(dist, xs);
  const double p = std::exp(-3.0);
  EXPECT_NEAR(fraction(xs, [](double x) { return x > 6e6; }), p, proportionTolerance(p, xs.size()));
}

TEST(LatencyDistributionTest, ParetoTailFollowsPowerLaw) {
  const auto dist = LatencyDistribution::pareto(5ms, 1.5);
  const auto xs = drawNanos(dist);
  EXPECT_GE(*std::min_element(xs.begin(), xs.end()), 5e6);
  for (double k : {2.0, 4.0, 10.0}) {
    SCOPED_TRACE("k = " + std::to_string(k));
    const double p = std::pow(k, -1.5);
    EXPECT_NEAR(fraction(xs, [k](double x) { return x > k * 5e6; }), p, proportionTolerance(p, xs.size()));
  }
}

TEST(LatencyDistributionTest, ParetoMeanIsFiniteOnlyForShapeAboveOne) {
  // Shape 3 has a finite variance, so the sample mean converges at the usual rate.
  const auto dist = LatencyDistribution::pareto(1ms, 3);
  EXPECT_DOUBLE_EQ(dist.meanNanos(), 1.5e6);
  expectMeanMatches(dist, drawNanos(dist));
  EXPECT_EQ(LatencyDistribution::pareto(1ms, 1).meanNanos(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(LatencyDistribution::pareto(1ms, 0.5).meanNanos(), std::numeric_limits<double>::infinity());
}

TEST(LatencyDistributionTest, LognormalMedianTailAndMeanMatch) {
  const double sigma = 0.5;
  const auto dist = LatencyDistribution::lognormal(4ms, sigma);
  const auto xs = drawNanos(dist);
  EXPECT_NEAR(fraction(xs, [](double x) { return x < 4e6; }), 0.5, proportionTolerance(0.5, xs.size()));
  const double p = 0.158655;  // P(Z > 1)
  EXPECT_NEAR(fraction(xs, [&](double x) { return x > 4e6 * std::exp(sigma); }), p, proportionTolerance(p, xs.size()));
  EXPECT_DOUBLE_EQ(dist.meanNanos(), 4e6 * std::exp(sigma * sigma / 2));
  expectMeanMatches(dist, xs);
}

TEST(LatencyDistributionTest, MixtureMeanIsWeightedMeanOfParts) {
  const auto dist = LatencyDistribution::mixture(
      {{0.9, LatencyDistribution::constant(1ms)}, {0.1, LatencyDistribution::exponential(10ms)}});
  EXPECT_DOUBLE_EQ(dist.meanNanos(), 0.9 * 1e6 + 0.1 * 10e6);
  expectMeanMatches(dist, drawNanos(dist));
}

TEST(LatencyDistributionTest, MixtureChoosesPartsInProportionToNormalisedWeights) {
  // Weights 6:3:1 need not sum to 1.
  const auto dist = LatencyDistribution::mixture({{6, LatencyDistribution::constant(1ms)},
                                                  {3, LatencyDistribution::constant(2ms)},
                                                  {1, LatencyDistribution::constant(3ms)}});
  const auto xs = drawNanos(dist);
  for (auto [value, p] : {std::pair{1e6, 0.6}, std::pair{2e6, 0.3}, std::pair{3e6, 0.1}}) {
    SCOPED_TRACE("part with value " + std::to_string(value));
    EXPECT_NEAR(fraction(xs, [value](double x) { return x == value; }), p, proportionTolerance(p, xs.size()));
  }
  EXPECT_DOUBLE_EQ(dist.meanNanos(), 0.6e6 + 0.6e6 + 0.3e6);
}

TEST(LatencyDistributionTest, NestedMixtureSamplesAndAveragesThroughBothLevels) {
  const auto inner = LatencyDistribution::mixture(
      {{1, LatencyDistribution::uniform(1ms, 2ms)}, {1, LatencyDistribution::lognormal(3ms, 0.3)}});
  const auto dist = LatencyDistribution::mixture({{3, inner}, {1, LatencyDistribution::normal(20ms, 1ms)}});
  EXPECT_TRUE(dist.validate().isOk());
  expectMeanMatches(dist, drawNanos(dist));
}

TEST(LatencyDistributionTest, PlusShiftsEverySampleAndTheMean) {
  const auto constant = LatencyDistribution::constant(1ms).plus(2ms);
  Rng rng(kSeed);
  EXPECT_EQ(constant.sample(rng), 3ms);

  const auto dist = LatencyDistribution::exponential(1ms).plus(5ms);
  const auto xs = drawNanos(dist);
  EXPECT_GE(*std::min_element(xs.begin(), xs.end()), 5e6);
  EXPECT_DOUBLE_EQ(dist.meanNanos(), 6e6);
  expectMeanMatches(dist, xs);

  EXPECT_DOUBLE_EQ(dist.plus(1ms).meanNanos(), 7e6);
}

TEST(LatencyDistributionTest, PlusAppliesAfterTheZeroClampOfTheNormal) {
  // Half the draws of normal(0, 1ms) clamp to 0 and then move to exactly 2ms.
  const auto dist = LatencyDistribution::normal(0ms, 1ms).plus(2ms);
  const auto xs = drawNanos(dist);
  EXPECT_GE(*std::min_element(xs.begin(), xs.end()), 2e6);
  EXPECT_NEAR(fraction(xs, [](double x) { return x == 2e6; }), 0.5, proportionTolerance(0.5, xs.size()));
}

TEST(LatencyDistributionTest, SamplesAreCappedAtOneHourWithoutOverflow) {
  const double cap = ns(LatencyDistribution::kMaxSample);
  for (const auto& dist :
       {LatencyDistribution::constant(5h), LatencyDistribution::uniform(30min, 10h),
        LatencyDistribution::normal(2h, 1h), LatencyDistribution::pareto(1s, 0.1),
        LatencyDistribution::lognormal(1min, 20), LatencyDistribution::exponential(3h).plus(50min)}) {
    SCOPED_TRACE(dist.describe());
    const auto xs = drawNanos(dist, kSeed, 10'000);
    const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
    EXPECT_GE(*lo, 0);
    EXPECT_LE(*hi, cap);
    EXPECT_EQ(*hi, cap);
  }
  Rng rng(kSeed);
  EXPECT_EQ(LatencyDistribution::constant(5h).sample(rng), 1h);
  EXPECT_DOUBLE_EQ(LatencyDistribution::uniform(1h, 3h).meanNanos(), 2 * 3600e9);
}

TEST(LatencyDistributionTest, SameSeedGivesIdenticalSequence) {
  const auto dist = LatencyDistribution::mixture({{0.5, LatencyDistribution::normal(5ms, 1ms)},
                                                  {0.3, LatencyDistribution::pareto(2ms, 1.2)},
                                                  {0.2, LatencyDistribution::lognormal(1ms, 1).plus(100us)}});
  EXPECT_EQ(drawNanos(dist, 7, 10'000), drawNanos(dist, 7, 10'000));
  EXPECT_NE(drawNanos(dist, 7, 10'000), drawNanos(dist, 8, 10'000));
}

TEST(LatencyDistributionTest, CopiesSampleLikeTheOriginal) {
  const auto original = LatencyDistribution::mixture(
      {{1, LatencyDistribution::exponential(1ms)}, {1, LatencyDistribution::uniform(2ms, 4ms)}});
  const LatencyDistribution copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(drawNanos(original, 3, 1000), drawNanos(copy, 3, 1000));
}

TEST(LatencyDistributionTest, DescribeNamesKindAndParameters) {
  EXPECT_EQ(LatencyDistribution::constant(1ms).describe(), "constant(1.00ms)");
  EXPECT_EQ(LatencyDistribution::uniform(1ms, 3ms).describe(), "uniform(1.00ms, 3.00ms)");
  EXPECT_EQ(LatencyDistribution::normal(5ms, 500us).describe(), "normal(mean 5.00ms, sd 500.0us)");
  EXPECT_EQ(LatencyDistribution::exponential(2ms).describe(), "exponential(mean 2.00ms)");
  EXPECT_EQ(LatencyDistribution::pareto(5ms, 1.5).describe(), "pareto(scale 5.00ms, shape 1.5)");
  EXPECT_EQ(LatencyDistribution::lognormal(2ms, 0.25).describe(), "lognormal(median 2.00ms, sigma 0.25)");
  EXPECT_EQ(LatencyDistribution::mixture(
                {{9, LatencyDistribution::constant(1ms)}, {1, LatencyDistribution::pareto(5ms, 1.5)}})
                .describe(),
            "mixture(0.9 x constant(1.00ms), 0.1 x pareto(scale 5.00ms, shape 1.5))");
  EXPECT_EQ(LatencyDistribution::exponential(2ms).plus(1ms).describe(), "exponential(mean 2.00ms) + 1.00ms");
  EXPECT_EQ(LatencyDistribution::mixture(
                {{1, LatencyDistribution::constant(1ms).plus(1ms)}, {1, LatencyDistribution::constant(5ms)}})
                .plus(2ms)
                .describe(),
            "mixture(0.5 x (constant(1.00ms) + 1.00ms), 0.5 x constant(5.00ms)) + 2.00ms");
}

TEST(LatencyDistributionTest, ValidateAcceptsGoodParameters) {
  for (const auto& dist : {LatencyDistribution::constant(0ms), LatencyDistribution::uniform(2ms, 2ms),
                           LatencyDistribution::normal(1ms, 0ms), LatencyDistribution::exponential(1ms),
                           LatencyDistribution::pareto(1ms, 0.5), LatencyDistribution::lognormal(1ms, 2),
                           LatencyDistribution::constant(1ms).plus(0ms),
                           LatencyDistribution::mixture({{0.01, LatencyDistribution::constant(1ms)}})}) {
    EXPECT_TRUE(dist.validate().isOk()) << dist.describe() << ": " << dist.validate().toString();
  }
}

TEST(LatencyDistributionTest, ValidateRejectsEachBadParameterByName) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<LatencyDistribution, std::vector<std::string>>> cases = {
      {LatencyDistribution::constant(-1ms), {"constant", ">= 0", "-1.00ms"}},
      {LatencyDistribution::uniform(-1ms, 1ms), {"uniform", "lower bound", ">= 0"}},
      {LatencyDistribution::uniform(3ms, 1ms), {"uniform", "lo <= hi", "3.00ms", "1.00ms"}},
      {LatencyDistribution::normal(-1ms, 1ms), {"normal", "mean", ">= 0"}},
      {LatencyDistribution::normal(1ms, -1ms), {"normal", "stddev", ">= 0"}},
      {LatencyDistribution::exponential(-2ms), {"exponential", "mean", ">= 0"}},
      {LatencyDistribution::pareto(-1ms, 1.5), {"pareto", "scale", ">= 0"}},
      {LatencyDistribution::pareto(1ms, 0), {"pareto", "shape", "> 0"}},
      {LatencyDistribution::pareto(1ms, -1), {"pareto", "shape", "-1"}},
      {LatencyDistribution::pareto(1ms, nan), {"pareto", "shape", "nan"}},
      {LatencyDistribution::lognormal(-1ms, 1), {"lognormal", "median", ">= 0"}},
      {LatencyDistribution::lognormal(1ms, 0), {"lognormal", "sigma", "> 0"}},
      {LatencyDistribution::lognormal(1ms, inf), {"lognormal", "sigma", "inf"}},
      {LatencyDistribution::mixture({}), {"mixture", "empty", "at least one part"}},
      {LatencyDistribution::mixture({{1, LatencyDistribution::constant(1ms)}, {0, LatencyDistribution::constant(2ms)}}),
       {"mixture", "part 2 of 2", "weight", "> 0", "got 0"}},
      {LatencyDistribution::mixture({{-0.5, LatencyDistribution::constant(1ms)}}), {"mixture", "weight", "-0.5"}},
      {LatencyDistribution::mixture(
           {{1, LatencyDistribution::constant(1ms)}, {1, LatencyDistribution::pareto(1ms, 0)}}),
       {"mixture", "part 2 of 2", "pareto", "shape"}},
      {LatencyDistribution::constant(1ms).plus(-2ms), {"shift", ">= 0", "-2.00ms"}},
  };
  for (const auto& [dist, words] : cases) {
    const Status status = dist.validate();
    SCOPED_TRACE(dist.describe() + " -> " + status.toString());
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    for (const auto& word : words) EXPECT_NE(status.message().find(word), std::string::npos) << "missing: " << word;
  }
}

TEST(LatencyDistributionTest, InvalidDistributionsStillSampleWithinBounds) {
  const double cap = ns(LatencyDistribution::kMaxSample);
  for (const auto& dist :
       {LatencyDistribution::constant(-1ms), LatencyDistribution::uniform(3ms, 1ms),
        LatencyDistribution::normal(-5ms, -1ms), LatencyDistribution::pareto(1ms, 0),
        LatencyDistribution::pareto(1ms, -2),
        LatencyDistribution::lognormal(1ms, std::numeric_limits<double>::quiet_NaN()), LatencyDistribution::mixture({}),
        LatencyDistribution::mixture(
            {{0, LatencyDistribution::constant(1ms)}, {-1, LatencyDistribution::constant(2ms)}}),
        LatencyDistribution::constant(1ms).plus(-5ms)}) {
    SCOPED_TRACE(dist.describe());
    for (double x : drawNanos(dist, kSeed, 1000)) {
      ASSERT_GE(x, 0);
      ASSERT_LE(x, cap);
    }
  }
}

}  // namespace
}  // namespace ringlab
