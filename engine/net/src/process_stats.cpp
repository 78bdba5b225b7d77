#include <ringlab/net/process_stats.h>

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ringlab::net {
namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::string> readFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

std::optional<ProcessStats> parseProcessStats(std::string_view selfStat, std::string_view systemStat,
                                              long ticksPerSecond, long pageSize) {
  if (ticksPerSecond <= 0 || pageSize <= 0) return std::nullopt;
  // "pid (comm) state ppid ...": the fields after the command name, which ends at the last ')'.
  const auto close = selfStat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state) of proc(5)
  std::string_view rest = selfStat.substr(close + 1);
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest = rest.substr(start);
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest = rest.substr(end);
  }
  auto field = [&](std::size_t procField) -> std::optional<std::uint64_t> {
    const std::size_t index = procField - 3;
    if (index >= fields.size()) return std::nullopt;
    return number(fields[index]);
  };
  const auto utime = field(14), stime = field(15), starttime = field(22), rss = field(24);
  if (!utime || !stime || !starttime || !rss) return std::nullopt;

  std::optional<std::uint64_t> bootTime;
  for (std::string_view lines = systemStat; !lines.empty();) {
    const auto newline = lines.find('\n');
    const std::string_view line = lines.substr(0, newline);
    if (line.starts_with("btime ")) bootTime = number(line.substr(6));
    if (newline == std::string_view::npos) break;
    lines = lines.substr(newline + 1);
  }
  if (!bootTime) return std::nullopt;

  ProcessStats stats;
  const auto ticks = static_cast<double>(ticksPerSecond);
  stats.cpuSeconds = static_cast<double>(*utime + *stime) / ticks;
  stats.residentBytes = *rss * static_cast<std::uint64_t>(pageSize);
  stats.startTimeSeconds = static_cast<double>(*bootTime) + static_cast<double>(*starttime) / ticks;
  return stats;
}

std::optional<ProcessStats> readProcessStats() {
  const auto self = readFile("/proc/self/stat");
  const auto system = readFile("/proc/stat");
  if (!self || !system) return std::nullopt;
  return parseProcessStats(*self, *system, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE));
}

}  // namespace ringlab::net
