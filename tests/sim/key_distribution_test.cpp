#include <gtest/gtest.h>
#include <ringlab/sim/key_distribution.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ringlab {
namespace {

constexpr std::uint64_t kSeed = 20240611;
constexpr int kSamples = 200'000;

std::vector<std::uint64_t> histogram(const KeyDistribution& dist, std::uint64_t seed = kSeed, int n = kSamples) {
  Rng rng(seed);
  std::vector<std::uint64_t> counts(dist.count(), 0);
  for (int i = 0; i < n; ++i) {
    const std::uint64_t key = dist.next(rng);
    EXPECT_LT(key, dist.count()) << dist.describe() << " seed " << seed;
    if (key < counts.size()) ++counts[key];
  }
  return counts;
}

double share(const std::vector<std::uint64_t>& counts, std::uint64_t from, std::uint64_t to) {
  std::uint64_t total = 0;
  std::uint64_t inside = 0;
  for (std::uint64_t i = 0; i < counts.size(); ++i) {
    total += counts[i];
    if (i >= from && i < to) inside += counts[i];
  }
  return static_cast<double>(inside) / static_cast<double>(total);
}

// 5 standard errors of a binomial proportion p over n draws.
double proportionTolerance(double p, int n) { return 5 * std::sqrt(p * (1 - p) / n); }

// Pearson's statistic against equal expected counts; with k buckets it has mean k - 1 and sd sqrt(2 (k - 1)).
void expectUniform(const std::vector<std::uint64_t>& counts, std::uint64_t from, std::uint64_t to) {
  double total = 0;
  for (std::uint64_t i = from; i < to; ++i) total += static_cast<double>(counts[i]);
  const double expected = total / static_cast<double>(to - from);
  double chiSquare = 0;
  for (std::uint64_t i = from; i < to; ++i) {
    const double d = static_cast<double>(counts[i]) - expected;
    chiSquare += d * d / expected;
  }
  const double dof = static_cast<double>(to - from - 1);
  EXPECT_LT(chiSquare, dof + 5 * std::sqrt(2 * dof)) << "keys [" << from << ", " << to << ") seed " << kSeed;
}

long double directZeta(std::uint64_t n, double theta) {
  long double sum = 0;
  for (std::uint64_t i = n; i >= 1; --i) sum += std::pow(static_cast<long double>(i), -static_cast<long double>(theta));
  return sum;
}

TEST(KeyDistributionTest, UniformSpreadsOperationsEvenly) {
  const auto dist = KeyDistribution::uniform(100);
  expectUniform(histogram(dist), 0, 100);
}

TEST(KeyDistributionTest, ZipfianZetaMatchesDirectSummation) {
  for (double theta : {0.2, 0.5, 0.99, 1.0, 1.01, 1.5, 3.0}) {
    for (std::uint64_t n : {1ull, 2ull, 10ull, 2047ull, 2048ull, 2049ull, 5000ull, 50'000ull}) {
      const long double expected = directZeta(n, theta);
      EXPECT_NEAR(zipfianZeta(n, theta), static_cast<double>(expected), 1e-13 * static_cast<double>(expected))
          << "n " << n << " theta " << theta;
    }
  }
  EXPECT_EQ(zipfianZeta(0, 0.99), 0);
}

TEST(KeyDistributionTest, ZipfianTopRanksHaveExactProbabilities) {
  for (double theta : {0.5, 0.99, 1.0, 1.5}) {
    SCOPED_TRACE("theta " + std::to_string(theta) + " seed " + std::to_string(kSeed));
    const std::uint64_t n = 1000;
    const auto counts = histogram(KeyDistribution::zipfian(n, theta, /*scrambled=*/false));
    const double p0 = 1 / static_cast<double>(directZeta(n, theta));
    EXPECT_NEAR(share(counts, 0, 1), p0, proportionTolerance(p0, kSamples));
    EXPECT_EQ(std::max_element(counts.begin(), counts.end()) - counts.begin(), 0);
    // ln(c0 / c1) estimates theta * ln 2 with standard error sqrt(1/c0 + 1/c1).
    const double c0 = static_cast<double>(counts[0]);
    const double c1 = static_cast<double>(counts[1]);
    EXPECT_NEAR(std::log(c0 / c1), theta * std::log(2.0), 5 * std::sqrt(1 / c0 + 1 / c1));
  }
}

TEST(KeyDistributionTest, ZipfianLowerRanksFollowThePowerLawApproximately) {
  // Ranks from 2 on come from Gray et al.'s continuous approximation: the share of the first k ranks is close to,
  // but not exactly, zeta(k) / zeta(n).
  for (double theta : {0.5, 0.99, 1.0, 1.5}) {
    SCOPED_TRACE("theta " + std::to_string(theta) + " seed " + std::to_string(kSeed));
    const std::uint64_t n = 1000;
    const auto counts = histogram(KeyDistribution::zipfian(n, theta, false));
    const double zetaN = static_cast<double>(directZeta(n, theta));
    for (std::uint64_t k : {10ull, 100ull, 500ull}) {
      EXPECT_NEAR(share(counts, 0, k), static_cast<double>(directZeta(k, theta)) / zetaN, 0.03) << "first " << k;
    }
    // Popularity falls with rank: each block of ranks gets less than the block before it.
    EXPECT_GT(share(counts, 2, 10), share(counts, 10, 18));
    EXPECT_GT(share(counts, 100, 200), share(counts, 900, 1000));
  }
}

TEST(KeyDistributionTest, ZipfianOverTenMillionKeysMatchesItsZeta) {
  const std::uint64_t n = 10'000'000;
  const auto dist = KeyDistribution::zipfian(n, 0.99, false);
  Rng rng(kSeed);
  int topRank = 0;
  for (int i = 0; i < kSamples; ++i) {
    const std::uint64_t key = dist.next(rng);
    ASSERT_LT(key, n);
    topRank += key == 0;
  }
  const double p0 = 1 / zipfianZeta(n, 0.99);
  EXPECT_NEAR(static_cast<double>(topRank) / kSamples, p0, proportionTolerance(p0, kSamples)) << "seed " << kSeed;
}

TEST(KeyDistributionTest, ScrambledZipfianPermutesTheRanks) {
  const std::uint64_t n = 1000;
  const auto byRank = KeyDistribution::zipfian(n, 0.99, false);
  const auto scrambled = KeyDistribution::zipfian(n, 0.99, true);
  // The scramble consumes no draws, so with the same seed the i-th scrambled key is the image of the i-th rank.
  Rng rankRng(kSeed);
  Rng keyRng(kSeed);
  std::map<std::uint64_t, std::uint64_t> keyOfRank;
  std::map<std::uint64_t, std::uint64_t> rankOfKey;
  for (int i = 0; i < kSamples; ++i) {
    const std::uint64_t rank = byRank.next(rankRng);
    const std::uint64_t key = scrambled.next(keyRng);
    ASSERT_LT(key, n);
    ASSERT_EQ(keyOfRank.emplace(rank, key).first->second, key) << "rank " << rank << " maps to two keys";
    ASSERT_EQ(rankOfKey.emplace(key, rank).first->second, rank) << "key " << key << " has two ranks";
  }
  auto rankCounts = histogram(byRank);
  auto keyCounts = histogram(scrambled);
  std::sort(rankCounts.begin(), rankCounts.end());
  std::sort(keyCounts.begin(), keyCounts.end());
  EXPECT_EQ(rankCounts, keyCounts);
}

TEST(KeyDistributionTest, ScrambleIsABijectionForAwkwardCounts) {
  for (std::uint64_t n : {2ull, 3ull, 4ull, 5ull, 7ull, 16ull, 17ull, 100ull, 1023ull, 1024ull, 1025ull}) {
    SCOPED_TRACE("count " + std::to_string(n));
    // A small theta makes every rank likely enough to appear.
    const auto byRank = KeyDistribution::zipfian(n, 0.01, false);
    const auto scrambled = KeyDistribution::zipfian(n, 0.01, true);
    Rng rankRng(kSeed);
    Rng keyRng(kSeed);
    std::vector<std::uint64_t> keyOfRank(n, n);
    std::set<std::uint64_t> keys;
    for (std::uint64_t i = 0; i < 40 * n; ++i) {
      const std::uint64_t rank = byRank.next(rankRng);
      const std::uint64_t key = scrambled.next(keyRng);
      ASSERT_LT(key, n);
      ASSERT_TRUE(keyOfRank[rank] == n || keyOfRank[rank] == key);
      keyOfRank[rank] = key;
      keys.insert(key);
    }
    EXPECT_EQ(keys.size(), n);
    EXPECT_EQ(std::count(keyOfRank.begin(), keyOfRank.end(), n), 0) << "some rank was never drawn";
  }
}

TEST(KeyDistributionTest, ScrambledZipfianSpreadsPopularKeysOverTheKeySpace) {
  const std::uint64_t n = 1000;
  const auto counts = histogram(KeyDistribution::zipfian(n, 0.99, true));
  std::vector<std::uint64_t> order(n);
  for (std::uint64_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint64_t a, std::uint64_t b) { return counts[a] > counts[b]; });
  // The ten most popular keys are not bunched at the start of the key space.
  EXPECT_NE(order[0], 0u);
  EXPECT_GT(*std::max_element(order.begin(), order.begin() + 10), n / 2);
  EXPECT_LT(*std::min_element(order.begin(), order.begin() + 10), n / 2);
}

TEST(KeyDistributionTest, HotspotSendsHotOpFractionToHotKeys) {
  const auto counts = histogram(KeyDistribution::hotspot(1000, 0.2, 0.8));
  EXPECT_NEAR(share(counts, 0, 200), 0.8, proportionTolerance(0.8, kSamples));
  expectUniform(counts, 0, 200);
  expectUniform(counts, 200, 1000);
  EXPECT_NEAR(share(counts, 200, 600), 0.1, proportionTolerance(0.1, kSamples));
}

TEST(KeyDistributionTest, HotspotAlwaysHasAtLeastOneHotKey) {
  const auto dist = KeyDistribution::hotspot(1000, 0.0001, 0.5);
  const auto counts = histogram(dist);
  const double p = 0.5;  // the one hot key; the cold ops go to keys 1..999
  EXPECT_NEAR(share(counts, 0, 1), p, proportionTolerance(p, kSamples));
  EXPECT_EQ(dist.describe(), "hotspot(1000 keys, 50% of ops to the first 1 key)");
}

TEST(KeyDistributionTest, HotspotRoundsTheHotKeyCount) {
  // 0.29 * 100 is 28.999999999999996 in floating point.
  EXPECT_EQ(KeyDistribution::hotspot(100, 0.29, 0.9).describe(), "hotspot(100 keys, 90% of ops to the first 29 keys)");
}

TEST(KeyDistributionTest, HotspotWithEveryKeyHotIsUniform) {
  expectUniform(histogram(KeyDistribution::hotspot(50, 1.0, 0.5)), 0, 50);
  expectUniform(histogram(KeyDistribution::hotspot(50, 0.5, 1.0)), 0, 25);
}

TEST(KeyDistributionTest, EveryKindStaysBelowCount) {
  for (std::uint64_t n : std::vector<std::uint64_t>{1, 2, 3, 7, 1000, std::uint64_t{1} << 40,
                                                    std::numeric_limits<std::uint64_t>::max()}) {
    for (const auto& dist :
         {KeyDistribution::uniform(n), KeyDistribution::zipfian(n, 0.5), KeyDistribution::zipfian(n, 1.0, false),
          KeyDistribution::zipfian(n, 2.0), KeyDistribution::hotspot(n, 0.1, 0.9)}) {
      SCOPED_TRACE(dist.describe());
      Rng rng(kSeed);
      for (int i = 0; i < 20'000; ++i) ASSERT_LT(dist.next(rng), n);
    }
  }
}

TEST(KeyDistributionTest, SameSeedGivesIdenticalSequence) {
  for (const auto& dist : {KeyDistribution::uniform(1000), KeyDistribution::zipfian(1000, 0.99),
                           KeyDistribution::hotspot(1000, 0.1, 0.9)}) {
    SCOPED_TRACE(dist.describe());
    EXPECT_EQ(histogram(dist, 5, 10'000), histogram(dist, 5, 10'000));
    Rng a(5);
    Rng b(5);
    for (int i = 0; i < 10'000; ++i) ASSERT_EQ(dist.next(a), dist.next(b));
  }
}

TEST(KeyDistributionTest, KeyNameZeroPadsToEightDigits) {
  EXPECT_EQ(keyName(0), "key:00000000");
  EXPECT_EQ(keyName(42), "key:00000042");
  EXPECT_EQ(keyName(99'999'999), "key:99999999");
  EXPECT_EQ(keyName(123'456'789), "key:123456789");
  EXPECT_EQ(keyName(std::numeric_limits<std::uint64_t>::max()), "key:18446744073709551615");
}

TEST(KeyDistributionTest, DescribeNamesKindAndParameters) {
  EXPECT_EQ(KeyDistribution::uniform(1000).describe(), "uniform(1000 keys)");
  EXPECT_EQ(KeyDistribution::uniform(1).describe(), "uniform(1 key)");
  EXPECT_EQ(KeyDistribution::zipfian(1000, 0.99).describe(), "zipfian(1000 keys, theta 0.99, scrambled)");
  EXPECT_EQ(KeyDistribution::zipfian(1000, 1, false).describe(), "zipfian(1000 keys, theta 1, unscrambled)");
  EXPECT_EQ(KeyDistribution::hotspot(1000, 0.2, 0.8).describe(),
            "hotspot(1000 keys, 80% of ops to the first 200 keys)");
}

TEST(KeyDistributionTest, ValidateAcceptsGoodParameters) {
  for (const auto& dist : {KeyDistribution(), KeyDistribution::uniform(1), KeyDistribution::zipfian(10, 0.01),
                           KeyDistribution::zipfian(10, 1), KeyDistribution::zipfian(10, 5),
                           KeyDistribution::hotspot(10, 1, 1), KeyDistribution::hotspot(10, 0.01, 0.01)}) {
    EXPECT_TRUE(dist.validate().isOk()) << dist.describe() << ": " << dist.validate().toString();
  }
}

TEST(KeyDistributionTest, ValidateRejectsEachBadParameterByName) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::pair<KeyDistribution, std::vector<std::string>>> cases = {
      {KeyDistribution::uniform(0), {"uniform", "key count", "> 0"}},
      {KeyDistribution::zipfian(0, 0.99), {"zipfian", "key count"}},
      {KeyDistribution::hotspot(0, 0.1, 0.9), {"hotspot", "key count"}},
      {KeyDistribution::zipfian(10, 0), {"zipfian", "theta", "> 0", "got 0"}},
      {KeyDistribution::zipfian(10, -1), {"theta", "-1"}},
      {KeyDistribution::zipfian(10, nan), {"theta", "nan"}},
      {KeyDistribution::hotspot(10, 0, 0.5), {"hotKeyFraction", "(0, 1]", "got 0"}},
      {KeyDistribution::hotspot(10, 1.5, 0.5), {"hotKeyFraction", "1.5"}},
      {KeyDistribution::hotspot(10, 0.5, -0.1), {"hotOpFraction", "(0, 1]", "-0.1"}},
      {KeyDistribution::hotspot(10, 0.5, 2), {"hotOpFraction", "got 2"}},
  };
  for (const auto& [dist, words] : cases) {
    const Status status = dist.validate();
    SCOPED_TRACE(dist.describe() + " -> " + status.toString());
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    for (const auto& word : words) EXPECT_NE(status.message().find(word), std::string::npos) << "missing: " << word;
  }
}

TEST(KeyDistributionTest, InvalidDistributionsStillReturnUsableIndices) {
  for (const auto& dist :
       {KeyDistribution::uniform(0), KeyDistribution::zipfian(0, 0.5), KeyDistribution::zipfian(10, -1),
        KeyDistribution::zipfian(10, std::numeric_limits<double>::quiet_NaN()), KeyDistribution::hotspot(0, 0.5, 0.5),
        KeyDistribution::hotspot(10, 3, -2)}) {
    SCOPED_TRACE(dist.describe());
    Rng rng(kSeed);
    for (int i = 0; i < 1000; ++i) ASSERT_LT(dist.next(rng), std::max<std::uint64_t>(dist.count(), 1));
  }
}

}  // namespace
}  // namespace ringlab
