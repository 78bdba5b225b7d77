// The /proc parser behind the process_* metrics, on fixed text and on this process.
#include <gtest/gtest.h>

#include <ctime>

#include <ringlab/net/process_stats.h>

namespace ringlab::net {
namespace {

// /proc/<pid>/stat of a process whose command name holds a space and a parenthesis: utime 250 and stime 50 ticks,
// started 1000 ticks after boot, 3000 resident pages.
constexpr std::string_view kSelfStat =
    "4242 (ring lab) d) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 1000 123456789 3000 "
    "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
constexpr std::string_view kSystemStat =
    "cpu  10 20 30 40 0 0 0 0 0 0\nintr 12345\nctxt 678\nbtime 1700000000\nprocesses 99\n";

TEST(ProcessStatsTest, ParsesCpuMemoryAndStartTimeFromProc) {
  const auto stats = parseProcessStats(kSelfStat, kSystemStat, 100, 4096);
  ASSERT_TRUE(stats.has_value());
  EXPECT_DOUBLE_EQ(stats->cpuSeconds, 3.0);
  EXPECT_EQ(stats->residentBytes, 3000u * 4096u);
  EXPECT_DOUBLE_EQ(stats->startTimeSeconds, 1700000010.0);
}

TEST(ProcessStatsTest, TextOfAnotherShapeIsNotAFigure) {
  EXPECT_FALSE(parseProcessStats("4242 ring lab S 1", kSystemStat, 100, 4096).has_value());
  EXPECT_FALSE(parseProcessStats("4242 (x) S 1 2 3", kSystemStat, 100, 4096).has_value());
  EXPECT_FALSE(parseProcessStats(kSelfStat, "cpu 1 2 3\n", 100, 4096).has_value());
  EXPECT_FALSE(parseProcessStats(kSelfStat, "btime soon\n", 100, 4096).has_value());
  EXPECT_FALSE(parseProcessStats(kSelfStat, kSystemStat, 0, 4096).has_value());
}

TEST(ProcessStatsTest, ThisProcessHasStartedAndUsesMemory) {
  const auto stats = readProcessStats();
  ASSERT_TRUE(stats.has_value()) << "/proc is not readable here";
  EXPECT_GT(stats->residentBytes, 0u);
  EXPECT_GE(stats->cpuSeconds, 0.0);
  EXPECT_GT(stats->startTimeSeconds, 1e9);
  EXPECT_LE(stats->startTimeSeconds, static_cast<double>(std::time(nullptr)) + 1);
}

}  // namespace
}  // namespace ringlab::net
