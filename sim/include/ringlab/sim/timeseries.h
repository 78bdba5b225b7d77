// Metrics over time: a run's activity bucketed by fixed intervals of virtual time, for charts and CSV export.
// Per bucket it keeps, for each operation, the completed count that succeeded and that failed and a latency
// histogram of the successful ones (bucketed by completion time), and per message kind the sent and dropped counts
// (bucketed by the time of the event).
//
// Thread-safety: not thread-safe; use it on the thread that drives the simulation.
//
// Lifetime when attached: attach() registers a completion callback on the Simulation (which cannot be removed) and
// subscribes to its EventBus. While attached, the Simulation must not run after the series is gone, and the series
// must be detached (or destroyed) before the Simulation is destroyed: the destructor unsubscribes from the bus.
// detach() unsubscribes and turns the completion callback into a no-op (through a flag the callback shares), so a
// detached series keeps its data and may outlive the Simulation, and the Simulation may keep running without it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ringlab/engine/events.h>
#include <ringlab/engine/message.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/sim/metrics.h>

namespace ringlab {

class Simulation;
struct ClientOperation;

class MetricsTimeSeries {
 public:
  // Figures of one bucket. Rates are per second of virtual time over the full interval (the last bucket of a run may
  // be partly elapsed, so its rates read low). Percentiles are of successful operations, 0 when there were none.
  struct Row {
    double timeSeconds = 0;                               // start of the bucket
    std::array<std::uint64_t, kOperationCount> ok{};      // by Operation
    std::array<std::uint64_t, kOperationCount> failed{};  // by Operation
    std::array<double, kOperationCount> opsPerSecond{};   // completed (ok + failed), by Operation
    std::array<double, kOperationCount> p50Ms{};
    std::array<double, kOperationCount> p99Ms{};
    std::array<double, kOperationCount> p999Ms{};
    double errorsPerSecond = 0;                                 // failed operations of every kind
    std::array<std::uint64_t, kMessageKindCount> sent{};        // by MessageKind wire number
    std::array<std::uint64_t, kMessageKindCount> dropped{};     // by MessageKind wire number
    std::array<double, kMessageKindCount> messagesPerSecond{};  // sent, by MessageKind wire number
    double droppedPerSecond = 0;                                // messages of every kind
    std::uint64_t staleReads = 0;                               // stale reads completed in the bucket
    double staleReadsPerSecond = 0;
    double staleReadShare = 0;  // stale reads / successful gets completed in the bucket (0 when there were none)
  };

  // `interval` must be positive (std::invalid_argument otherwise).
  explicit MetricsTimeSeries(Duration interval = std::chrono::seconds(1));
  ~MetricsTimeSeries();
  MetricsTimeSeries(const MetricsTimeSeries&) = delete;
  MetricsTimeSeries& operator=(const MetricsTimeSeries&) = delete;

  // Records every operation `sim` completes from now on, and every message it sends or drops. A series attached to
  // another simulation is detached from it first. See the lifetime rule above.
  void attach(Simulation& sim);
  // Stops recording from the attached simulation; does nothing when not attached. The data stays.
  void detach();
  bool attached() const { return m_bus != nullptr; }

  // Records one finished operation in the bucket of its completion time (op.result.completed).
  void record(const ClientOperation& op);
  void record(const MessageSent& message);
  void record(const MessageDropped& message);
  // Counts one stale read in the bucket of its completion time. Staleness is known only once the run's history is
  // checked, so the caller adds these afterwards (from HistoryReport::staleReadTimes).
  void recordStaleRead(TimePoint completed);

  Duration interval() const { return m_interval; }
  // Buckets from time 0 through the last one with activity; 0 when nothing was recorded.
  std::size_t buckets() const { return m_buckets.size(); }
  // Figures of bucket `index`; std::out_of_range when index >= buckets().
  Row row(std::size_t index) const;

  // CSV with a header line, then one line per bucket (buckets with no activity are lines of zeros):
  // time_s,get_ops_s,put_ops_s,delete_ops_s,get_p50_ms,get_p99_ms,get_p999_ms,put_p50_ms,put_p99_ms,put_p999_ms,
  // errors_s,msg_<kind>_s for each known message kind,dropped_s,stale_reads_s,stale_read_share. Every figure has
  // three decimals but stale_read_share, which has six.
  void writeCsv(std::ostream& out) const;
  // Writes the CSV to a temporary file beside `path`, then renames it over `path`, so a failed write leaves any
  // existing file untouched. kNotFound when the directory does not exist, kInternal for any other failure; the
  // message names the file and the system's reason.
  Status writeCsv(const std::string& path) const;

 private:
  struct Bucket {
    std::array<std::uint64_t, kOperationCount> ok{};
    std::array<std::uint64_t, kOperationCount> failed{};
    std::array<std::optional<LatencyHistogram>, kOperationCount> latency;  // made on the first success
    std::array<std::uint64_t, kMessageKindCount> sent{};
    std::array<std::uint64_t, kMessageKindCount> dropped{};
    std::uint64_t staleReads = 0;
  };

  Bucket& bucketAt(TimePoint time);

  Duration m_interval;
  std::vector<Bucket> m_buckets;
  EventBus* m_bus = nullptr;
  EventBus::SubscriptionId m_subscription = 0;
  std::shared_ptr<bool> m_listening;  // shared with the completion callback of the attached simulation
};

}  // namespace ringlab
