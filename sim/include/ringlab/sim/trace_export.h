// Chrome trace-event export: records a run's events from an EventBus and writes them as Chrome trace-event JSON,
// which opens in Perfetto (ui.perfetto.dev) and chrome://tracing. "ts" and "dur" are microseconds of virtual time.
//
// Layout of the trace:
//   - pid 0 is the process "cluster": narration, cluster changes (partitions, link cuts) and the truncation marker,
//     as global instants; fibers that belong to no node (closed-loop clients) are threads of it as well.
//   - pid = node id + 1 is the process "n1", "n2", ...; its thread 0 is "network": one 1 us slice per message sent
//     or delivered (shortened when the thread's next message comes sooner, so that slices never overlap), linked by
//     flow arrows ("s"/"f", id = message id), and an instant per dropped message. Every other thread is one fiber
//     (tid = fiber id, named "<role> <name> #<id>", or "<role> #<id>" when it started before the recorder
//     subscribed) whose running / ready / blocked periods are complete slices.
//   - client requests are async slices ("b"/"e", cat "request", id = request id) on the coordinator's process.
//
// Memory: each recorded event costs a fixed-size record (about 48 bytes) plus interned strings (keys, fiber names,
// reasons), so the recorder holds at most `maxEvents` records; past that it records nothing more and truncated()
// turns true. The output is a function of the recorded events only: the same events give the same bytes.
//
// Thread-safety: not thread-safe. The recorder is called on the bus's thread; read and write it on that thread too.
// Lifetime: the recorder subscribes in its constructor and unsubscribes in its destructor, so the EventBus (for a
// Simulation: the Simulation) must outlive the recorder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ringlab/engine/events.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>

namespace ringlab {

class ChromeTraceRecorder {
 public:
  static constexpr std::size_t kDefaultMaxEvents = 2'000'000;

  // Subscribes to `bus` for the events the trace shows. `bus` must outlive the recorder.
  explicit ChromeTraceRecorder(EventBus& bus, std::size_t maxEvents = kDefaultMaxEvents);
  ~ChromeTraceRecorder();
  ChromeTraceRecorder(const ChromeTraceRecorder&) = delete;
  ChromeTraceRecorder& operator=(const ChromeTraceRecorder&) = delete;

  // Names processes n1..n<count> even if some of them never appear in a recorded event (nodes seen in events are
  // always named).
  void declareNodes(std::size_t count);

  // A global instant on the "cluster" process named `text`, for scenario narration. Counts against maxEvents.
  void addNarration(TimePoint at, std::string text);

  // True once an event was not recorded because maxEvents records were held.
  bool truncated() const { return m_truncated; }
  std::size_t recordedEvents() const { return m_records.size(); }

  // Writes the whole trace to `out`. The caller checks the stream's state.
  void write(std::ostream& out) const;

  // Writes the trace to a temporary file beside `path`, then renames it over `path`, so a failed write leaves any
  // existing file untouched. Returns kNotFound when the directory does not exist, kInternal for any other failure;
  // the message names the file and the system's reason.
  Status writeTo(const std::string& path) const;

 private:
  enum class RecordType : std::uint8_t {
    kFiberStarted,
    kFiberSlice,
    kMessageSent,
    kMessageDelivered,
    kMessageDropped,
    kRequestBegun,
    kRequestCompleted,
    kNodeStateChanged,
    kClusterChanged,
    kNarration,
  };

  // One recorded event. Field use by type:
  //   kFiberStarted:      node, id = fiber, small = role, text = name
  //   kFiberSlice:        node, id = fiber, small = role, detail = state, time = start, extra = end,
  //                       wait = WaitKind, peer = wait peer, text | text2 << 32 = wait request id (blocked)
  //   kMessage*:          node = sender, peer = receiver, id = message, small = kind, extra = request id,
  //                       text = bytes (sent), detail = drop reason (dropped)
  //   kRequestBegun:      node = coordinator, id = request, small = op, text = key, text2 = replica list
  //   kRequestCompleted:  node = coordinator, id = request, small = op, text = key, detail = result code,
  //                       extra = latency in ns, text2 = answers
  //   kNodeStateChanged:  node, small = state, text = reason
  //   kClusterChanged, kNarration: text
  struct Record {
    std::int64_t time = 0;  // ns of virtual time
    std::int64_t extra = 0;
    std::uint64_t id = 0;
    NodeId node = 0;
    NodeId peer = 0;
    std::uint32_t text = 0;
    std::uint32_t text2 = 0;
    RecordType type{};
    std::uint8_t small = 0;
    std::uint8_t detail = 0;
    std::uint8_t wait = 0;
  };

  void onEvent(const Event& event);
  // False (and truncated() true) when the recorder is full; `time` is the event that does not fit.
  bool hasRoom(std::int64_t time);
  void noteNode(NodeId node);
  // Index of `text` in m_strings, adding it when new.
  std::uint32_t intern(std::string_view text);
  std::uint32_t intern(std::string&& text);
  // Duration of each network slice: 1 us, shortened so that slices on one network thread never overlap partially.
  std::vector<std::int64_t> networkSliceDurations() const;

  EventBus& m_bus;
  EventBus::SubscriptionId m_subscription = 0;
  std::size_t m_maxEvents;
  bool m_truncated = false;
  std::int64_t m_truncatedAt = 0;  // earliest event not recorded
  std::size_t m_nodeCount = 0;     // nodes to name: declared or seen
  std::vector<Record> m_records;
  std::deque<std::string> m_strings;  // a deque keeps the views in m_stringIndex valid as it grows
  std::unordered_map<std::string_view, std::uint32_t> m_stringIndex;
};

}  // namespace ringlab
