#include <ringlab/net/log_limiter.h>

#include <mutex>

#include <spdlog/spdlog.h>

namespace ringlab::net {

bool RepeatedLogLimiter::allow(std::string_view kind, Clock::time_point now, std::uint64_t& suppressed) {
  suppressed = 0;
  auto it = m_kinds.find(kind);
  if (it == m_kinds.end()) {
    m_kinds.emplace(std::string(kind), Kind{now, 0});
    return true;
  }
  Kind& state = it->second;
  if (now - state.lastLogged < m_window) {
    ++state.suppressed;
    return false;
  }
  suppressed = state.suppressed;
  state = Kind{now, 0};
  return true;
}

void logLimited(spdlog::level::level_enum level, std::string_view kind, const std::string& message) {
  static std::mutex mutex;
  static RepeatedLogLimiter limiter;
  std::uint64_t suppressed = 0;
  {
    std::lock_guard lock(mutex);
    if (!limiter.allow(kind, RepeatedLogLimiter::Clock::now(), suppressed)) return;
  }
  if (suppressed == 0) {
    spdlog::log(level, "{}", message);
  } else {
    spdlog::log(level, "{} ({} similar {} left out)", message, suppressed, suppressed == 1 ? "line" : "lines");
  }
}

}  // namespace ringlab::net
