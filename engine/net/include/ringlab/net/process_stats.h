// What the operating system says about this process, for the standard process_* metrics of GET /metrics: CPU time,
// resident memory and when the process started. Read from Linux's /proc; the parser is separate and pure so that it
// is tested on fixed text. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ringlab::net {

struct ProcessStats {
  double cpuSeconds = 0;  // user and system CPU time
  std::uint64_t residentBytes = 0;
  double startTimeSeconds = 0;  // since the Unix epoch
};

// The figures in `selfStat` (the text of /proc/<pid>/stat) and the "btime" line of `systemStat` (/proc/stat), given
// the kernel's clock ticks per second and page size. nullopt when either text is not in the expected shape (the
// command name in parentheses may hold spaces and parentheses).
std::optional<ProcessStats> parseProcessStats(std::string_view selfStat, std::string_view systemStat,
                                              long ticksPerSecond, long pageSize);

// This process's figures; nullopt where /proc is not readable (not Linux, or a restricted sandbox).
std::optional<ProcessStats> readProcessStats();

}  // namespace ringlab::net
