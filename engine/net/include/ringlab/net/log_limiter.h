// Keeps a log line that can repeat at an attacker's pace (a failed accept, a refused connection, a client closed by a
// limit) to one a second per kind: the first of a kind in a second is logged, the others are counted, and the next
// one logged says how many were left out. A flood of 20,000 refused connections a second then costs a line a second.
//
// RepeatedLogLimiter is a pure part (the caller gives the time); logLimited() logs through spdlog with a process-wide
// limiter. Thread-safety: RepeatedLogLimiter is not thread-safe; logLimited() is.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <spdlog/common.h>

namespace ringlab::net {

class RepeatedLogLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RepeatedLogLimiter(Clock::duration window = std::chrono::seconds(1)) : m_window(window) {}

  // True when a line of `kind` may be logged at `now`; `suppressed` is then the number of lines of that kind left
  // out since the last one logged (0 otherwise). False: leave the line out (it is counted).
  bool allow(std::string_view kind, Clock::time_point now, std::uint64_t& suppressed);

 private:
  struct Kind {
    Clock::time_point lastLogged;
    std::uint64_t suppressed = 0;
  };
  Clock::duration m_window;
  std::map<std::string, Kind, std::less<>> m_kinds;
};

// Logs `message` at `level` unless a line of `kind` was logged less than a second ago; the line logged after some were
// left out ends with "(N similar lines left out)".
void logLimited(spdlog::level::level_enum level, std::string_view kind, const std::string& message);

}  // namespace ringlab::net
