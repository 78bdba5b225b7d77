#include <ringlab/engine/failure_detector.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace ringlab {
namespace {

// log(1 + exp(z)) without overflow for large z or loss of precision for very negative z.
double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

}  // namespace

std::int64_t PhiAccrualDetector::IntervalHistory::sample(std::size_t i) const {
  if (!m_wide) return m_words[i];
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(m_words[2 * i + 1]) << 32) | m_words[2 * i]);
}

void PhiAccrualDetector::IntervalHistory::setSample(std::size_t i, std::int64_t value) {
  if (!m_wide) {
    m_words[i] = static_cast<std::uint32_t>(value);
    return;
  }
  m_words[2 * i] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(value));
  m_words[2 * i + 1] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(value) >> 32);
}

void PhiAccrualDetector::IntervalHistory::widen() {
  std::vector<std::uint32_t> wide;
  wide.reserve(2 * std::max<std::size_t>(m_words.capacity(), 1));
  for (const std::uint32_t word : m_words) {
    wide.push_back(word);
    wide.push_back(0);
  }
  m_words = std::move(wide);
  m_wide = true;
}

void PhiAccrualDetector::IntervalHistory::add(std::int64_t interval) {
  if (!m_wide && (interval < 0 || interval > std::int64_t{0xffffffff})) widen();
  const std::size_t capacity = m_window;
  const std::size_t width = m_wide ? 2 : 1;
  if (m_count == capacity) {
    const double evicted = static_cast<double>(sample(m_next));
    m_sum -= evicted;
    m_sumOfSquares -= evicted * evicted;
    setSample(m_next, interval);
  } else {
    // Not full yet, so m_next == m_count: the sample goes at the end. Room grows by doubling, never past the window.
    if (m_words.size() == m_words.capacity()) {
      m_words.reserve(width * std::min(capacity, std::max<std::size_t>(4, 2 * m_count)));
    }
    m_words.push_back(static_cast<std::uint32_t>(static_cast<std::uint64_t>(interval)));
    if (width == 2) m_words.push_back(static_cast<std::uint32_t>(static_cast<std::uint64_t>(interval) >> 32));
    ++m_count;
  }
  m_next = m_next + 1 == capacity ? 0 : m_next + 1;
  const double added = static_cast<double>(interval);
  m_sum += added;
  m_sumOfSquares += added * added;
  // Subtracting evicted samples leaves rounding residue in the running sums; rebuilding them once per rotation of
  // the buffer keeps it from accumulating over a long run.
  if (++m_addsSinceRecompute >= capacity) recomputeSums();
}

void PhiAccrualDetector::IntervalHistory::recomputeSums() {
  m_sum = 0;
  m_sumOfSquares = 0;
  for (std::size_t i = 0; i < m_count; ++i) {
    const double value = static_cast<double>(sample(i));
    m_sum += value;
    m_sumOfSquares += value * value;
  }
  m_addsSinceRecompute = 0;
}

double PhiAccrualDetector::IntervalHistory::mean() const {
  return m_count == 0 ? 0.0 : m_sum / static_cast<double>(m_count);
}

double PhiAccrualDetector::IntervalHistory::stdDev() const {
  if (m_count == 0) return 0.0;
  const double mu = mean();
  const double variance = m_sumOfSquares / static_cast<double>(m_count) - mu * mu;
  return variance > 0 ? std::sqrt(variance) : 0.0;
}

PhiAccrualDetector::PhiAccrualDetector(FailureDetectorConfig config) : m_config(config) {
  m_config.window = std::max<std::size_t>(m_config.window, 1);
  m_thresholdRoot = rootFor(m_config.threshold);
  m_suspectRoot = rootFor(m_config.suspectThreshold);
}

PhiAccrualDetector::IntervalHistory PhiAccrualDetector::seededHistory() const {
  IntervalHistory history(m_config.window);
  const std::int64_t mean = m_config.firstHeartbeatEstimate.count();
  const std::int64_t stdDev = mean / 4;
  history.add(mean - stdDev);
  history.add(mean + stdDev);
  return history;
}

double PhiAccrualDetector::effectiveStdDev(const IntervalHistory& history) const {
  // At least one nanosecond, so that a perfectly regular history with a zero floor cannot divide by zero.
  const double floor = std::max<double>(static_cast<double>(m_config.minStdDev.count()), 1.0);
  return std::max(history.stdDev(), floor);
}

double PhiAccrualDetector::phiOf(Duration elapsed, double mean, double stdDev) const {
  const double y = (static_cast<double>(elapsed.count()) - mean) / stdDev;
  const double z = y * (1.5976 + 0.070566 * y * y);
  // -log10(e / (1 + e)) with e = exp(-z) is log10(1 + exp(z)): the same value as Akka's two-branch form, computed
  // so that neither tail overflows.
  const double phi = softplus(z) / std::numbers::ln10;
  return std::clamp(phi, 0.0, kMaxPhi);
}

void PhiAccrualDetector::heartbeat(NodeId peer, TimePoint now) {
  const auto it = m_peers.find(peer);
  if (it == m_peers.end()) {
    m_peers.emplace(peer, PeerState{seededHistory(), now});
    return;
  }
  PeerState& state = it->second;
  if (now < state.lastHeartbeat) return;
  const Duration interval = now - state.lastHeartbeat;
  const double meanWithPause = state.history.mean() + static_cast<double>(m_config.acceptablePause.count());
  // At or before the mean, y <= 0 and phi is at most log10(2) = 0.30103: under any threshold above that, known
  // without the exponential and logarithm (most heartbeats come before the mean or near it).
  constexpr double kPhiAtMostAtMean = 0.3011;
  const bool early = static_cast<double>(interval.count()) <= meanWithPause && m_config.threshold > kPhiAtMostAtMean;
  if (early || phiOf(interval, meanWithPause, effectiveStdDev(state.history)) < m_config.threshold) {
    state.history.add(interval.count());
  }
  state.lastHeartbeat = now;
}

double PhiAccrualDetector::phiFor(const PeerState& state, TimePoint now) const {
  const double meanWithPause = state.history.mean() + static_cast<double>(m_config.acceptablePause.count());
  return phiOf(now - state.lastHeartbeat, meanWithPause, effectiveStdDev(state.history));
}

double PhiAccrualDetector::phi(NodeId peer, TimePoint now) const {
  const auto it = m_peers.find(peer);
  if (it == m_peers.end()) return 0.0;
  return phiFor(it->second, now);
}

PhiAccrualDetector::Verdict PhiAccrualDetector::verdict(NodeId peer, TimePoint now) const {
  const auto it = m_peers.find(peer);
  if (it == m_peers.end()) return Verdict::kUnknown;
  const double level = phiFor(it->second, now);
  if (level >= m_config.threshold) return Verdict::kDown;
  if (level >= m_config.suspectThreshold) return Verdict::kSuspect;
  return Verdict::kUp;
}

double PhiAccrualDetector::rootFor(double level) {
  // phi = log10(1 + exp(z)), so z = ln(10^phi - 1); z = a*y + b*y^3 has the one real root of Cardano's formula.
  const double expm = std::expm1(level * std::numbers::ln10);
  if (expm <= 0) return -std::numeric_limits<double>::infinity();  // phi's floor is at or above the level
  const double z = std::log(expm);
  constexpr double kA = 1.5976;
  constexpr double kB = 0.070566;
  const double p = kA / kB;
  const double q = -z / kB;
  const double root = std::sqrt(q * q / 4 + p * p * p / 27);
  return std::cbrt(-q / 2 + root) + std::cbrt(-q / 2 - root);
}

Duration PhiAccrualDetector::timeToPhiFor(const IntervalHistory& history, double level) const {
  if (level > kMaxPhi) return Duration::max();
  const double y = level == m_config.threshold          ? m_thresholdRoot
                   : level == m_config.suspectThreshold ? m_suspectRoot
                                                        : rootFor(level);
  const double mean = history.mean() + static_cast<double>(m_config.acceptablePause.count());
  const double elapsed = mean + y * effectiveStdDev(history);
  if (elapsed <= 0) return Duration::zero();
  if (elapsed >= 9e18) return Duration::max();
  return Duration(static_cast<std::int64_t>(std::ceil(elapsed)));
}

Duration PhiAccrualDetector::timeToPhi(NodeId peer, double level) const {
  const auto it = m_peers.find(peer);
  if (it == m_peers.end()) return Duration::max();
  return timeToPhiFor(it->second.history, level);
}

std::optional<TimePoint> PhiAccrualDetector::whenPhiReaches(NodeId peer, double level) const {
  const auto it = m_peers.find(peer);
  if (it == m_peers.end()) return std::nullopt;
  const Duration after = timeToPhiFor(it->second.history, level);
  if (after == Duration::max()) return std::nullopt;
  return it->second.lastHeartbeat + after;
}

std::optional<TimePoint> PhiAccrualDetector::lastHeartbeat(NodeId peer) const {
  const auto it = m_peers.find(peer);
  if (it == m_peers.end()) return std::nullopt;
  return it->second.lastHeartbeat;
}

void PhiAccrualDetector::forget(NodeId peer) { m_peers.erase(peer); }

Duration PhiAccrualDetector::timeToDown(NodeId peer) const {
  const auto it = m_peers.find(peer);
  if (it == m_peers.end()) return timeToDownFor(seededHistory());
  return timeToDownFor(it->second.history);
}

Duration PhiAccrualDetector::timeToDownFor(const IntervalHistory& history) const {
  const double threshold = m_config.threshold;
  const double mean = history.mean() + static_cast<double>(m_config.acceptablePause.count());
  const double stdDev = effectiveStdDev(history);
  const auto reaches = [&](std::int64_t nanos) { return phiOf(Duration(nanos), mean, stdDev) >= threshold; };

  // Search the smallest whole number of nanoseconds at which phi reaches the threshold, using phiOf itself so the
  // answer agrees exactly with verdict(). phi is non-decreasing in the elapsed time.
  if (reaches(0)) return Duration::zero();
  constexpr std::int64_t kMaxNanos = std::numeric_limits<std::int64_t>::max();
  std::int64_t below = 0;  // phi below the threshold here
  std::int64_t above = std::max<std::int64_t>(static_cast<std::int64_t>(std::min(mean + stdDev, 1e18)), 1);
  while (!reaches(above)) {
    below = above;
    if (above > kMaxNanos / 2) {
      if (!reaches(kMaxNanos)) return Duration::max();
      above = kMaxNanos;
      break;
    }
    above *= 2;
  }
  while (above - below > 1) {
    const std::int64_t middle = below + (above - below) / 2;
    (reaches(middle) ? above : below) = middle;
  }
  return Duration(above);
}

}  // namespace ringlab
