#include <gtest/gtest.h>
#include <ringlab/engine/failure_detector.h>
#include <ringlab/engine/random.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace ringlab {
namespace {

using namespace std::chrono_literals;
using Verdict = PhiAccrualDetector::Verdict;

constexpr NodeId kPeer = 7;

TimePoint at(Duration d) { return TimePoint{d}; }

// Akka's two-branch formula, written out independently as the reference.
double akkaPhi(double elapsed, double mean, double stdDev) {
  const double y = (elapsed - mean) / stdDev;
  const double e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  if (elapsed > mean) return -std::log10(e / (1.0 + e));
  return -std::log10(1.0 - 1.0 / (1.0 + e));
}

// Feeds `count` heartbeats spaced `interval` apart, each stretched or shrunk by up to `jitter` (a fraction), starting
// at `start`. Returns the time of the last heartbeat.
TimePoint feed(PhiAccrualDetector& detector, NodeId peer, TimePoint start, int count, Duration interval, double jitter,
               Rng& rng) {
  TimePoint now = start;
  detector.heartbeat(peer, now);
  for (int i = 1; i < count; ++i) {
    const double factor = jitter > 0 ? rng.uniform(1.0 - jitter, 1.0 + jitter) : 1.0;
    now = now + Duration(static_cast<std::int64_t>(static_cast<double>(interval.count()) * factor));
    detector.heartbeat(peer, now);
  }
  return now;
}

TEST(FailureDetectorTest, RegularJitteredHeartbeatsKeepPhiLowAndPeerUp) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Rng rng(seed);
    PhiAccrualDetector detector;
    TimePoint now = at(5s);
    detector.heartbeat(kPeer, now);
    for (int i = 0; i < 300; ++i) {
      now = now + Duration(static_cast<std::int64_t>(1e9 * rng.uniform(0.9, 1.1)));
      // Just before the heartbeat lands the peer is still up, and right after it phi is back near zero.
      EXPECT_EQ(detector.verdict(kPeer, now), Verdict::kUp) << "heartbeat " << i;
      detector.heartbeat(kPeer, now);
      EXPECT_LT(detector.phi(kPeer, now), 1.0) << "heartbeat " << i;
      EXPECT_EQ(detector.verdict(kPeer, now), Verdict::kUp) << "heartbeat " << i;
    }
  }
}

TEST(FailureDetectorTest, PhiRisesMonotonicallyAfterHeartbeatsStopAndCrossesAtTimeToDown) {
  Rng rng(11);
  PhiAccrualDetector detector;
  const TimePoint last = feed(detector, kPeer, at(0s), 200, 1s, 0.1, rng);
  const Duration bound = detector.timeToDown(kPeer);
  // +-10% uniform jitter on 1s: mean 1s, standard deviation about 58ms; phi 8 is about 5.2 deviations out.
  EXPECT_GT(bound, 1s + 3 * 50ms);
  EXPECT_LT(bound, 1600ms);

  double previous = 0;
  Duration firstDown = Duration::max();
  for (Duration elapsed = 0ms; elapsed <= 3s; elapsed += 1ms) {
    const double phi = detector.phi(kPeer, last + elapsed);
    EXPECT_GE(phi, previous) << "at " << formatDuration(elapsed);
    previous = phi;
    if (firstDown == Duration::max() && detector.verdict(kPeer, last + elapsed) == Verdict::kDown) firstDown = elapsed;
  }
  EXPECT_GE(firstDown, bound);  // sampled every millisecond
  EXPECT_LT(firstDown, bound + 1ms);
  EXPECT_EQ(detector.verdict(kPeer, last + bound), Verdict::kDown);
  EXPECT_NE(detector.verdict(kPeer, last + (bound - 1ns)), Verdict::kDown);
  EXPECT_GE(detector.phi(kPeer, last + bound), detector.config().threshold);
}

TEST(FailureDetectorTest, HigherThresholdTakesLongerToDeclareDown) {
  PhiAccrualDetector normal(FailureDetectorConfig{.threshold = 8.0});
  PhiAccrualDetector patient(FailureDetectorConfig{.threshold = 12.0});
  Rng first(5);
  Rng second(5);
  const TimePoint last = feed(normal, kPeer, at(0s), 150, 1s, 0.1, first);
  feed(patient, kPeer, at(0s), 150, 1s, 0.1, second);
  EXPECT_EQ(normal.phi(kPeer, last + 1200ms), patient.phi(kPeer, last + 1200ms));
  EXPECT_GT(patient.timeToDown(kPeer), normal.timeToDown(kPeer));
  const TimePoint normalDown = last + normal.timeToDown(kPeer);
  EXPECT_EQ(normal.verdict(kPeer, normalDown), Verdict::kDown);
  EXPECT_NE(patient.verdict(kPeer, normalDown), Verdict::kDown);
}

TEST(FailureDetectorTest, SuspectComesBeforeDownAndVerdictsNeverGoBack) {
  Rng rng(8);
  PhiAccrualDetector detector;
  const TimePoint last = feed(detector, kPeer, at(0s), 120, 1s, 0.1, rng);
  Duration firstSuspect = Duration::max();
  Duration firstDown = Duration::max();
  Verdict previous = Verdict::kUp;
  for (Duration elapsed = 0ms; elapsed <= 3s; elapsed += 1ms) {
    const Verdict verdict = detector.verdict(kPeer, last + elapsed);
    ASSERT_GE(static_cast<int>(verdict), static_cast<int>(previous)) << "at " << formatDuration(elapsed);
    ASSERT_NE(verdict, Verdict::kUnknown);
    previous = verdict;
    if (verdict == Verdict::kSuspect && firstSuspect == Duration::max()) firstSuspect = elapsed;
    if (verdict == Verdict::kDown && firstDown == Duration::max()) firstDown = elapsed;
  }
  ASSERT_NE(firstSuspect, Duration::max());
  ASSERT_NE(firstDown, Duration::max());
  EXPECT_LT(firstSuspect, firstDown);
}

TEST(FailureDetectorTest, PeerNeverHeardFromIsUnknownWithZeroPhi) {
  PhiAccrualDetector detector;
  EXPECT_EQ(detector.phi(kPeer, at(1000s)), 0.0);
  EXPECT_EQ(detector.verdict(kPeer, at(1000s)), Verdict::kUnknown);

  // Its timeToDown is the one that applies right after a first heartbeat.
  PhiAccrualDetector heard;
  heard.heartbeat(kPeer, at(3s));
  EXPECT_EQ(detector.timeToDown(kPeer), heard.timeToDown(kPeer));
  EXPECT_LT(detector.timeToDown(kPeer), Duration::max());
}

TEST(FailureDetectorTest, FirstHeartbeatSeedsMeanAndQuarterDeviationAsAkkaDoes) {
  PhiAccrualDetector detector(FailureDetectorConfig{.firstHeartbeatEstimate = 2s});
  detector.heartbeat(kPeer, at(10s));
  EXPECT_EQ(detector.verdict(kPeer, at(10s)), Verdict::kUp);
  // At elapsed == mean, y = 0 and phi = log10(2).
  EXPECT_NEAR(detector.phi(kPeer, at(12s)), std::log10(2.0), 1e-12);
  for (Duration elapsed : std::vector<Duration>{0ms, 500ms, 1500ms, 2s, 2500ms, 3s, 3500ms, 4s}) {
    const double expected = akkaPhi(static_cast<double>(elapsed.count()), 2e9, 0.5e9);
    EXPECT_NEAR(detector.phi(kPeer, at(10s) + elapsed), expected, 1e-9 * std::max(1.0, expected))
        << formatDuration(elapsed);
  }
}

TEST(FailureDetectorTest, ForgetDropsTheHistory) {
  Rng rng(4);
  PhiAccrualDetector detector;
  const TimePoint last = feed(detector, kPeer, at(0s), 50, 1s, 0.1, rng);
  const Duration learned = detector.timeToDown(kPeer);
  detector.forget(kPeer);
  EXPECT_EQ(detector.verdict(kPeer, last + 100s), Verdict::kUnknown);
  EXPECT_EQ(detector.phi(kPeer, last + 100s), 0.0);

  detector.heartbeat(kPeer, last + 100s);
  PhiAccrualDetector fresh;
  fresh.heartbeat(kPeer, at(0s));
  EXPECT_EQ(detector.timeToDown(kPeer), fresh.timeToDown(kPeer));
  EXPECT_NE(detector.timeToDown(kPeer), learned);
  EXPECT_EQ(detector.verdict(kPeer, last + 100s), Verdict::kUp);
}

TEST(FailureDetectorTest, ForgettingOnePeerLeavesOthersAlone) {
  Rng rng(9);
  PhiAccrualDetector detector;
  feed(detector, 1, at(0s), 30, 1s, 0.1, rng);
  const TimePoint last = feed(detector, 2, at(0s), 30, 1s, 0.1, rng);
  const Duration before = detector.timeToDown(2);
  detector.forget(1);
  EXPECT_EQ(detector.verdict(1, last), Verdict::kUnknown);
  EXPECT_EQ(detector.timeToDown(2), before);
  EXPECT_NE(detector.verdict(2, last), Verdict::kUnknown);
}

TEST(FailureDetectorTest, JitteryHistoryIsGivenMoreTimeThanARegularOne) {
  Rng rng(21);
  PhiAccrualDetector regular;
  PhiAccrualDetector jittery;
  const TimePoint regularLast = feed(regular, kPeer, at(0s), 200, 1s, 0.0, rng);
  const TimePoint jitteryLast = feed(jittery, kPeer, at(0s), 200, 1s, 0.3, rng);
  const Duration regularBound = regular.timeToDown(kPeer);
  const Duration jitteryBound = jittery.timeToDown(kPeer);
  EXPECT_GT(jitteryBound, regularBound + 200ms);
  EXPECT_EQ(regular.verdict(kPeer, regularLast + regularBound), Verdict::kDown);
  EXPECT_NE(jittery.verdict(kPeer, jitteryLast + regularBound), Verdict::kDown);
  // A perfectly regular peer is held to the standard-deviation floor: mean + about 5.2 * 50ms.
  EXPECT_GT(regularBound, 1200ms);
  EXPECT_LT(regularBound, 1300ms);
}

TEST(FailureDetectorTest, AcceptablePauseShiftsDetectionByThePause) {
  PhiAccrualDetector strict;
  PhiAccrualDetector tolerant(FailureDetectorConfig{.acceptablePause = 3s});
  Rng first(2);
  Rng second(2);
  feed(strict, kPeer, at(0s), 100, 1s, 0.1, first);
  feed(tolerant, kPeer, at(0s), 100, 1s, 0.1, second);
  const Duration shift = tolerant.timeToDown(kPeer) - strict.timeToDown(kPeer);
  EXPECT_LE(std::chrono::abs(shift - 3s), 1us);
}

TEST(FailureDetectorTest, IntervalEndingAnOutageDoesNotEnterTheHistory) {
  Rng rng(6);
  PhiAccrualDetector detector;
  TimePoint last = feed(detector, kPeer, at(0s), 100, 1s, 0.1, rng);
  const Duration before = detector.timeToDown(kPeer);
  last = last + 60s;
  ASSERT_EQ(detector.verdict(kPeer, last), Verdict::kDown);
  detector.heartbeat(kPeer, last);
  EXPECT_EQ(detector.verdict(kPeer, last), Verdict::kUp);
  EXPECT_EQ(detector.timeToDown(kPeer), before);
}

TEST(FailureDetectorTest, WindowKeepsOnlyRecentIntervals) {
  // A long jittery past followed by a full window of regular beats: the detector forgets the jitter.
  Rng rng(13);
  PhiAccrualDetector detector(FailureDetectorConfig{.window = 20});
  TimePoint last = feed(detector, kPeer, at(0s), 100, 1s, 0.3, rng);
  for (int i = 0; i < 20; ++i) {
    last = last + 1s;
    detector.heartbeat(kPeer, last);
  }
  PhiAccrualDetector regular(FailureDetectorConfig{.window = 20});
  feed(regular, kPeer, at(0s), 40, 1s, 0.0, rng);
  EXPECT_LE(std::chrono::abs(detector.timeToDown(kPeer) - regular.timeToDown(kPeer)), 1us);
}

TEST(FailureDetectorTest, IntervalsPastFourSecondsKeepTheStatisticsExact) {
  // Samples are kept in 4 bytes while they fit (under 2^32 ns, about 4.29 s) and in 8 once one does not: the switch
  // in mid-window, and evicting a sample afterwards, leave the mean and deviation those of the intervals themselves.
  PhiAccrualDetector detector(FailureDetectorConfig{.window = 4, .minStdDev = 1s, .firstHeartbeatEstimate = 2s});
  TimePoint now = at(0s);
  detector.heartbeat(kPeer, now);  // seeds 1.5 s and 2.5 s
  // The window of 4 then holds each set of intervals below (the seeds and older samples evicted); the running sums are
  // rebuilt from the stored samples every 4 additions, so a sample stored wrongly shows in phi.
  const auto check = [&](const std::vector<double>& window) {
    double sum = 0, squares = 0;
    for (double x : window) {
      sum += x;
      squares += x * x;
    }
    const double mean = sum / 4;
    const double stdDev = std::max(std::sqrt(squares / 4 - mean * mean), 1e9);
    for (Duration elapsed : std::vector<Duration>{0s, 1s, 2350ms, 4s, 6s}) {
      const double expected = akkaPhi(static_cast<double>(elapsed.count()), mean, stdDev);
      EXPECT_NEAR(detector.phi(kPeer, now + elapsed), expected, 1e-9 * std::max(1.0, expected))
          << formatDuration(elapsed);
    }
  };
  const auto heartbeatAfter = [&](Duration interval) {
    now = now + interval;
    detector.heartbeat(kPeer, now);
  };
  for (Duration interval : std::vector<Duration>{2s, 2s, 4400ms, 1s}) heartbeatAfter(interval);
  check({4.4e9, 1e9, 2e9, 2e9});  // 4.4 s went in as the window switched to 8-byte samples
  heartbeatAfter(2s);
  heartbeatAfter(3s);  // the sums are rebuilt from the stored samples
  check({4.4e9, 1e9, 2e9, 3e9});
  heartbeatAfter(2s);  // evicts the 4.4 s sample
  check({2e9, 1e9, 2e9, 3e9});

  // Every sample past 2^32 ns from the first heartbeat on: at elapsed == mean, phi is log10(2).
  PhiAccrualDetector slow(FailureDetectorConfig{.firstHeartbeatEstimate = 10s});
  TimePoint beat = at(0s);
  slow.heartbeat(kPeer, beat);
  for (int i = 0; i < 5; ++i) {
    beat = beat + 10s;
    slow.heartbeat(kPeer, beat);
  }
  EXPECT_NEAR(slow.phi(kPeer, beat + 10s), std::log10(2.0), 1e-12);
}

TEST(FailureDetectorTest, PhiStaysFiniteForHugeGapsAndDegenerateHistories) {
  PhiAccrualDetector detector(FailureDetectorConfig{.window = 10, .minStdDev = 0ms});
  TimePoint now = at(1s);
  for (int i = 0; i < 50; ++i) {
    detector.heartbeat(kPeer, now);
    now = now + 1s;
  }
  for (Duration gap : {Duration(0), Duration(1s), Duration(1001ms), Duration(2s), Duration(1h),
                       Duration(24h * 365 * 100), Duration::max() - now.sinceStart}) {
    const double phi = detector.phi(kPeer, now + gap);
    EXPECT_TRUE(std::isfinite(phi)) << gap.count();
    EXPECT_GE(phi, 0.0);
    EXPECT_LE(phi, PhiAccrualDetector::kMaxPhi);
  }
  EXPECT_EQ(detector.phi(kPeer, TimePoint{Duration::max()}), PhiAccrualDetector::kMaxPhi);
  EXPECT_EQ(detector.verdict(kPeer, TimePoint{Duration::max()}), Verdict::kDown);
  // A query stamped before the last heartbeat is harmless.
  EXPECT_TRUE(std::isfinite(detector.phi(kPeer, at(0s))));
  EXPECT_EQ(detector.verdict(kPeer, at(0s)), Verdict::kUp);
  EXPECT_GT(detector.timeToDown(kPeer), 1s);
}

TEST(FailureDetectorTest, ThresholdAboveMaxPhiIsNeverReached) {
  PhiAccrualDetector detector(FailureDetectorConfig{.threshold = 2e6, .suspectThreshold = 1e7});
  detector.heartbeat(kPeer, at(0s));
  EXPECT_EQ(detector.timeToDown(kPeer), Duration::max());
  EXPECT_EQ(detector.verdict(kPeer, TimePoint{Duration::max()}), Verdict::kUp);
}

TEST(FailureDetectorTest, StaleHeartbeatIsIgnored) {
  Rng rng(3);
  PhiAccrualDetector detector;
  const TimePoint last = feed(detector, kPeer, at(10s), 40, 1s, 0.1, rng);
  const Duration before = detector.timeToDown(kPeer);
  const double phiBefore = detector.phi(kPeer, last + 1s);
  detector.heartbeat(kPeer, at(1s));
  EXPECT_EQ(detector.timeToDown(kPeer), before);
  EXPECT_EQ(detector.phi(kPeer, last + 1s), phiBefore);
}

}  // namespace

// The detector schedules each peer's next check at the time its phi reaches the next threshold, so that inverse
// must land on the threshold: phi just below it a microsecond earlier, at or above it a microsecond later, and the
// same instant as the binary search of timeToDown to within rounding.
TEST(FailureDetectorTest, TimeToPhiIsWherePhiReachesTheLevel) {
  FailureDetectorConfig config{.minStdDev = 500ms, .acceptablePause = 1s};
  PhiAccrualDetector detector(config);
  Rng rng(7);
  TimePoint t{0s};
  for (int i = 0; i < 30; ++i) {
    t = t + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(rng.uniform(0.7, 1.3)));
    detector.heartbeat(3, t);
  }
  for (double level : {0.5, 1.0, 4.0, 8.0, 16.0}) {
    const Duration after = detector.timeToPhi(3, level);
    ASSERT_GT(after, Duration::zero()) << "level " << level;
    EXPECT_LT(detector.phi(3, t + (after - 1us)), level) << "level " << level;
    EXPECT_GE(detector.phi(3, t + (after + 1us)), level) << "level " << level;
  }
  const Duration down = detector.timeToDown(3);
  EXPECT_LE(std::abs((detector.timeToPhi(3, config.threshold) - down).count()), 1000);
  ASSERT_TRUE(detector.lastHeartbeat(3).has_value());
  EXPECT_EQ(*detector.lastHeartbeat(3), t);
}

TEST(FailureDetectorTest, TimeToPhiIsUnboundedForAPeerNeverHeardFrom) {
  PhiAccrualDetector detector;
  EXPECT_EQ(detector.timeToPhi(9, 8.0), Duration::max());
  EXPECT_FALSE(detector.lastHeartbeat(9).has_value());
}

}  // namespace ringlab
