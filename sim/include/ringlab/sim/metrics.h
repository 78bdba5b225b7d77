// What a run measured: per-operation counts, errors and latency histograms, and per-kind message and byte counts.
// Plain values, updated by the Simulation on its thread and copied out for readers.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <boost/histogram.hpp>

#include <ringlab/engine/events.h>
#include <ringlab/engine/message.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>

namespace ringlab {

// A latency histogram with logarithmic buckets from 100 ns to 1000 s (about 2.3% wide each), plus exact count,
// minimum, maximum and mean. Percentiles are the upper edge of the bucket holding the rank, capped at the maximum.
class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(Duration latency);
  void merge(const LatencyHistogram& other);
  void reset();

  std::uint64_t count() const { return m_count; }
  // q in [0, 1]; 0 when empty.
  Duration percentile(double q) const;
  Duration max() const { return m_max; }
  Duration min() const { return m_count ? m_min : Duration{0}; }
  Duration mean() const;

 private:
  using Axis = boost::histogram::axis::regular<double, boost::histogram::axis::transform::log>;
  using Histogram = boost::histogram::histogram<std::tuple<Axis>, boost::histogram::unlimited_storage<>>;

  Histogram m_histogram;
  std::uint64_t m_count = 0;
  Duration m_max{0};
  Duration m_min{0};
  long double m_sumNanos = 0;
};

inline constexpr std::size_t kErrorCodeCount = static_cast<std::size_t>(ErrorCode::kInternal) + 1;
inline constexpr std::size_t kOperationCount = 3;
// Where an operation counts in per-operation figures: get, put, delete; a counter increment is a write and counts
// as a put.
inline constexpr std::size_t operationIndex(Operation op) {
  return op == Operation::kIncrement ? static_cast<std::size_t>(Operation::kPut) : static_cast<std::size_t>(op);
}

struct OperationMetrics {
  std::uint64_t ok = 0;
  std::array<std::uint64_t, kErrorCodeCount> errors{};  // by ErrorCode
  LatencyHistogram latency;                             // successful operations only

  std::uint64_t failed() const;
  std::uint64_t total() const { return ok + failed(); }
};

struct MessageMetrics {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::uint64_t bytes = 0;  // encoded bytes sent
};

struct Metrics {
  std::array<OperationMetrics, kOperationCount> operations;  // by Operation
  std::array<MessageMetrics, kMessageKindCount> messages;    // by MessageKind wire number
  std::uint64_t refusedConnections = 0;                      // sends to a node that was down
  std::uint64_t notFoundReads = 0;                           // successful gets that found nothing

  const OperationMetrics& of(Operation op) const { return operations[operationIndex(op)]; }
  OperationMetrics& of(Operation op) { return operations[operationIndex(op)]; }
  MessageMetrics totalMessages() const;
};

}  // namespace ringlab
