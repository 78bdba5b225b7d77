#include <ringlab/sim/timeseries.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include <ringlab/sim/file_output.h>
#include <ringlab/sim/simulation.h>

namespace ringlab {
namespace {

constexpr std::array<Operation, 2> kCsvLatencyOperations = {Operation::kGet, Operation::kPut};

// Message kinds that get a CSV column: every wire number with a name.
std::vector<MessageKind> csvMessageKinds() {
  std::vector<MessageKind> kinds;
  for (std::size_t wire = 1; wire < kMessageKindCount; ++wire) {
    const auto kind = static_cast<MessageKind>(wire);
    if (messageKindName(kind) != "unknown") kinds.push_back(kind);
  }
  return kinds;
}

double millis(Duration d) { return static_cast<double>(d.count()) / 1e6; }

}  // namespace

MetricsTimeSeries::MetricsTimeSeries(Duration interval) : m_interval(interval) {
  if (interval <= Duration{0}) throw std::invalid_argument("MetricsTimeSeries: the interval must be positive");
}

MetricsTimeSeries::~MetricsTimeSeries() { detach(); }

void MetricsTimeSeries::attach(Simulation& sim) {
  detach();
  m_listening = std::make_shared<bool>(true);
  sim.onOperationCompleted([this, listening = m_listening](const ClientOperation& op) {
    if (*listening) record(op);
  });
  m_bus = &sim.events();
  m_subscription = m_bus->subscribe(maskOf(EventType::kMessageSent) | maskOf(EventType::kMessageDropped),
                                    [this](const Event& event) {
                                      if (const auto* sent = std::get_if<MessageSent>(&event)) {
                                        record(*sent);
                                      } else if (const auto* dropped = std::get_if<MessageDropped>(&event)) {
                                        record(*dropped);
                                      }
                                    });
}

void MetricsTimeSeries::detach() {
  if (m_listening) *m_listening = false;
  m_listening.reset();
  if (m_bus) m_bus->unsubscribe(m_subscription);
  m_bus = nullptr;
  m_subscription = 0;
}

MetricsTimeSeries::Bucket& MetricsTimeSeries::bucketAt(TimePoint time) {
  const std::int64_t nanos = std::max<std::int64_t>(time.nanos(), 0);
  const auto index = static_cast<std::size_t>(nanos / m_interval.count());
  if (index >= m_buckets.size()) m_buckets.resize(index + 1);
  return m_buckets[index];
}

void MetricsTimeSeries::record(const ClientOperation& op) {
  const std::size_t index = operationIndex(op.result.op);
  Bucket& bucket = bucketAt(op.result.completed);
  if (op.result.status.isOk()) {
    bucket.ok[index]++;
    auto& latency = bucket.latency[index];
    if (!latency) latency.emplace();
    latency->record(op.result.completed - op.result.begun);
  } else {
    bucket.failed[index]++;
  }
}

void MetricsTimeSeries::record(const MessageSent& message) {
  const auto kind = static_cast<std::size_t>(message.kind);
  if (kind < kMessageKindCount) bucketAt(message.time).sent[kind]++;
}

void MetricsTimeSeries::record(const MessageDropped& message) {
  const auto kind = static_cast<std::size_t>(message.kind);
  if (kind < kMessageKindCount) bucketAt(message.time).dropped[kind]++;
}

void MetricsTimeSeries::recordStaleRead(TimePoint completed) { bucketAt(completed).staleReads++; }

MetricsTimeSeries::Row MetricsTimeSeries::row(std::size_t index) const {
  if (index >= m_buckets.size()) {
    throw std::out_of_range("MetricsTimeSeries::row: bucket " + std::to_string(index) + " of " +
                            std::to_string(m_buckets.size()));
  }
  const Bucket& bucket = m_buckets[index];
  const double seconds = static_cast<double>(m_interval.count()) / 1e9;
  Row row;
  row.timeSeconds = static_cast<double>(index) * seconds;
  std::uint64_t failed = 0;
  for (std::size_t op = 0; op < kOperationCount; ++op) {
    row.ok[op] = bucket.ok[op];
    row.failed[op] = bucket.failed[op];
    row.opsPerSecond[op] = static_cast<double>(bucket.ok[op] + bucket.failed[op]) / seconds;
    failed += bucket.failed[op];
    if (const auto& latency = bucket.latency[op]) {
      row.p50Ms[op] = millis(latency->percentile(0.5));
      row.p99Ms[op] = millis(latency->percentile(0.99));
      row.p999Ms[op] = millis(latency->percentile(0.999));
    }
  }
  row.errorsPerSecond = static_cast<double>(failed) / seconds;
  std::uint64_t dropped = 0;
  for (std::size_t kind = 0; kind < kMessageKindCount; ++kind) {
    row.sent[kind] = bucket.sent[kind];
    row.dropped[kind] = bucket.dropped[kind];
    row.messagesPerSecond[kind] = static_cast<double>(bucket.sent[kind]) / seconds;
    dropped += bucket.dropped[kind];
  }
  row.droppedPerSecond = static_cast<double>(dropped) / seconds;
  row.staleReads = bucket.staleReads;
  row.staleReadsPerSecond = static_cast<double>(bucket.staleReads) / seconds;
  const std::uint64_t reads = bucket.ok[static_cast<std::size_t>(Operation::kGet)];
  row.staleReadShare = reads ? static_cast<double>(bucket.staleReads) / static_cast<double>(reads) : 0.0;
  return row;
}

void MetricsTimeSeries::writeCsv(std::ostream& out) const {
  const std::vector<MessageKind> kinds = csvMessageKinds();
  fmt::memory_buffer buffer;
  auto it = std::back_inserter(buffer);
  fmt::format_to(it, "time_s");
  for (std::size_t op = 0; op < kOperationCount; ++op) {
    fmt::format_to(it, ",{}_ops_s", operationName(static_cast<Operation>(op)));
  }
  for (Operation op : kCsvLatencyOperations) {
    const std::string_view name = operationName(op);
    fmt::format_to(it, ",{0}_p50_ms,{0}_p99_ms,{0}_p999_ms", name);
  }
  fmt::format_to(it, ",errors_s");
  for (MessageKind kind : kinds) fmt::format_to(it, ",msg_{}_s", messageKindName(kind));
  fmt::format_to(it, ",dropped_s,stale_reads_s,stale_read_share\n");

  for (std::size_t index = 0; index < m_buckets.size(); ++index) {
    const Row r = row(index);
    fmt::format_to(it, "{:.3f}", r.timeSeconds);
    for (std::size_t op = 0; op < kOperationCount; ++op) fmt::format_to(it, ",{:.3f}", r.opsPerSecond[op]);
    for (Operation op : kCsvLatencyOperations) {
      const auto i = static_cast<std::size_t>(op);
      fmt::format_to(it, ",{:.3f},{:.3f},{:.3f}", r.p50Ms[i], r.p99Ms[i], r.p999Ms[i]);
    }
    fmt::format_to(it, ",{:.3f}", r.errorsPerSecond);
    for (MessageKind kind : kinds) {
      fmt::format_to(it, ",{:.3f}", r.messagesPerSecond[static_cast<std::size_t>(kind)]);
    }
    fmt::format_to(it, ",{:.3f},{:.3f},{:.6f}\n", r.droppedPerSecond, r.staleReadsPerSecond, r.staleReadShare);
    if (buffer.size() >= (1u << 16)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
}

Status MetricsTimeSeries::writeCsv(const std::string& path) const {
  return writeFileAtomically(path, "metrics CSV", [this](std::ostream& out) { writeCsv(out); });
}

}  // namespace ringlab
