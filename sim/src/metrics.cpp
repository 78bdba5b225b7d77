#include <ringlab/sim/metrics.h>

#include <algorithm>
#include <cmath>

namespace ringlab {
namespace {
constexpr unsigned kBuckets = 1000;
constexpr double kLowNanos = 1e2;
constexpr double kHighNanos = 1e12;
}  // namespace

LatencyHistogram::LatencyHistogram()
    : m_histogram(boost::histogram::make_histogram_with(boost::histogram::unlimited_storage<>(),
                                                        Axis(kBuckets, kLowNanos, kHighNanos))) {}

void LatencyHistogram::record(Duration latency) {
  const auto nanos = std::max<std::int64_t>(latency.count(), 1);
  m_histogram(static_cast<double>(nanos));
  if (m_count == 0 || latency < m_min) m_min = latency;
  if (latency > m_max) m_max = latency;
  m_sumNanos += static_cast<long double>(latency.count());
  ++m_count;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.m_count == 0) return;
  m_histogram += other.m_histogram;
  if (m_count == 0 || other.m_min < m_min) m_min = other.m_min;
  m_max = std::max(m_max, other.m_max);
  m_sumNanos += other.m_sumNanos;
  m_count += other.m_count;
}

void LatencyHistogram::reset() { *this = LatencyHistogram(); }

Duration LatencyHistogram::percentile(double q) const {
  if (m_count == 0) return Duration{0};
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(m_count)));
  if (rank == 0) return m_min;
  std::uint64_t seen = 0;
  for (auto&& bin : boost::histogram::indexed(m_histogram, boost::histogram::coverage::all)) {
    seen += static_cast<std::uint64_t>(*bin);
    if (seen >= rank) {
      const double upper = bin.bin().upper();
      if (!std::isfinite(upper)) return m_max;
      return std::clamp(Duration(static_cast<std::int64_t>(upper)), m_min, m_max);
    }
  }
  return m_max;
}

Duration LatencyHistogram::mean() const {
  if (m_count == 0) return Duration{0};
  return Duration(static_cast<std::int64_t>(m_sumNanos / static_cast<long double>(m_count)));
}

std::uint64_t OperationMetrics::failed() const {
  std::uint64_t sum = 0;
  for (auto e : errors) sum += e;
  return sum;
}

MessageMetrics Metrics::totalMessages() const {
  MessageMetrics total;
  for (const auto& m : messages) {
    total.sent += m.sent;
    total.delivered += m.delivered;
    total.dropped += m.dropped;
    total.bytes += m.bytes;
  }
  return total;
}

}  // namespace ringlab
