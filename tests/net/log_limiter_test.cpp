#include <gtest/gtest.h>

#include <ringlab/net/log_limiter.h>

namespace ringlab::net {
namespace {

using namespace std::chrono_literals;

TEST(RepeatedLogLimiterTest, LogsTheFirstLineOfAKindEachSecondAndCountsTheOthers) {
  RepeatedLogLimiter limiter;
  const RepeatedLogLimiter::Clock::time_point start{};
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.allow("accept", start + 1s, suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.allow("accept", start + 1s + i * 1ms, suppressed));
  // Another kind has its own second.
  EXPECT_TRUE(limiter.allow("refused", start + 1500ms, suppressed));
  EXPECT_TRUE(limiter.allow("accept", start + 2s, suppressed));
  EXPECT_EQ(suppressed, 1000u);
  EXPECT_FALSE(limiter.allow("accept", start + 2500ms, suppressed));
  EXPECT_TRUE(limiter.allow("accept", start + 10s, suppressed));
  EXPECT_EQ(suppressed, 1u);
}

}  // namespace
}  // namespace ringlab::net
