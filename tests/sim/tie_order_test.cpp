// The order of events due at the same virtual instant: FIFO by default, a seeded shuffle when asked for, and
// deterministic either way.
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include <ringlab/sim/simulation.h>

namespace ringlab {
namespace {

using namespace std::chrono_literals;

// A constant latency makes a coordinator's fan-out arrive at its replicas at one instant: many ties.
SimulationConfig tiedCluster(std::uint64_t seed, bool shuffle, std::uint64_t tieSeed) {
  SimulationConfig config;
  config.seed = seed;
  config.nodes = 5;
  config.quorum = {3, 2, 2};
  config.network.latency = LatencyDistribution::constant(1ms);
  config.shuffleTies = shuffle;
  config.tieSeed = tieSeed;
  return config;
}

struct Delivery {
  std::int64_t atNanos;
  std::uint64_t messageId;
  friend bool operator==(const Delivery&, const Delivery&) = default;
};

struct TiedRun {
  std::vector<Delivery> deliveries;
  std::uint64_t traceHash = 0;
};

TiedRun runTied(std::uint64_t seed, bool shuffle, std::uint64_t tieSeed) {
  Simulation sim(tiedCluster(seed, shuffle, tieSeed));
  TiedRun run;
  sim.events().subscribe(maskOf(EventType::kMessageDelivered), [&](const Event& event) {
    const auto& delivered = std::get<MessageDelivered>(event);
    run.deliveries.push_back({delivered.time.nanos(), delivered.messageId});
  });
  WorkloadConfig load;
  load.ratePerSecond = 1000;
  load.readRatio = 0.5;
  load.keys = KeyDistribution::uniform(100);
  sim.addWorkload(load);
  sim.runUntil(TimePoint{200ms});
  run.traceHash = sim.traceHash();
  return run;
}

// Pairs of deliveries at one instant where the later-sent message (higher id) ran first.
std::size_t reorderedTies(const std::vector<Delivery>& deliveries) {
  std::size_t reordered = 0;
  for (std::size_t i = 1; i < deliveries.size(); ++i) {
    if (deliveries[i].atNanos == deliveries[i - 1].atNanos && deliveries[i].messageId < deliveries[i - 1].messageId) {
      ++reordered;
    }
  }
  return reordered;
}

std::size_t ties(const std::vector<Delivery>& deliveries) {
  std::size_t tied = 0;
  for (std::size_t i = 1; i < deliveries.size(); ++i) tied += deliveries[i].atNanos == deliveries[i - 1].atNanos;
  return tied;
}

TEST(TieOrderTest, SameInstantEventsRunInTheOrderTheyWereScheduledByDefault) {
  for (std::uint64_t seed : {1, 2}) {
    const TiedRun run = runTied(seed, false, 0);
    ASSERT_GT(ties(run.deliveries), 50u) << "seed " << seed << ": the workload should produce same-instant deliveries";
    EXPECT_EQ(reorderedTies(run.deliveries), 0u) << "seed " << seed;
  }
}

TEST(TieOrderTest, ShuffledTiesRunTheSameWayTwiceWithTheSameSeeds) {
  for (std::uint64_t seed : {1, 2}) {
    const TiedRun a = runTied(seed, true, 7);
    const TiedRun b = runTied(seed, true, 7);
    EXPECT_EQ(a.traceHash, b.traceHash) << "seed " << seed;
    EXPECT_EQ(a.deliveries, b.deliveries) << "seed " << seed;
  }
}

TEST(TieOrderTest, ShufflingReordersSameInstantEvents) {
  for (std::uint64_t seed : {1, 2}) {
    const TiedRun run = runTied(seed, true, 7);
    EXPECT_GT(reorderedTies(run.deliveries), 0u) << "seed " << seed;
  }
}

TEST(TieOrderTest, DifferentTieSeedsGiveDifferentOrders) {
  for (std::uint64_t seed : {1, 2}) {
    const TiedRun a = runTied(seed, true, 7);
    const TiedRun b = runTied(seed, true, 8);
    // Both runs agree until the first tie they break differently.
    std::size_t same = 0;
    while (same < a.deliveries.size() && same < b.deliveries.size() && a.deliveries[same] == b.deliveries[same]) {
      ++same;
    }
    ASSERT_LT(same, a.deliveries.size()) << "seed " << seed << ": the two tie seeds ordered everything alike";
    ASSERT_LT(same, b.deliveries.size()) << "seed " << seed;
    EXPECT_NE(a.traceHash, b.traceHash) << "seed " << seed;
  }
}

}  // namespace
}  // namespace ringlab
