// Chrome trace-event export: records a run's events from an EventBus and writes them as Chrome trace-event JSON,
// which opens in Perfetto (ui.perfetto.dev) and chrome://tracing. "ts" and "dur" are microseconds of virtual time.
//
// Layout of the trace:
//   - pid 0 is the process "cluster": narration, cluster changes (partitions, link cuts) and the truncation marker,
//     as global instants; fibers that belong to no node (closed-loop clients) are threads of it as well.
//   - pid = node id + 1 is the process "n1", "n2", ...; its thread 0 is "network": one 1 us slice per message sent
//     or delivered (shortened when the thread's next message comes sooner, so that slices never overlap), linked by
//     flow arrows ("s"/"f", id = message id, only when both ends are in the trace), and an instant per dropped
//     message. Fibers are laid on lanes: each node and role has a bounded set of threads named "n3 coordinator #2";
//     a fiber takes the first lane of its node and role whose last fiber had ended when it began (a new lane when
//     none is free), so a run's tens of thousands of short-lived fibers share as many lanes as ran at once. A
//     fiber's running / ready / blocked periods are complete slices on its lane; running slices name the fiber in
//     their args ("fiber": "<name> #<id>").
//   - client requests are async slices ("b"/"e", cat "request", id = request id) on the coordinator's process, for
//     requests whose begin and end are both in the trace.
//
// What is recorded is narrowed by TraceOptions: a window of virtual time (events outside it are not recorded; a
// fiber slice is kept when it overlaps the window) and a sampled fraction of the requests, decided by a hash of the
// request id so that a sampled request keeps all its messages, its begin and end, and its coordinator fiber (the
// fiber that waits for the request's replies). Other fibers' slices (replicas, gossip, ...) are all kept: they show
// how busy each node is.
//
// Memory: each recorded event costs a fixed-size record (about 48 bytes) plus interned strings (keys, fiber names,
// reasons), so the recorder holds at most `maxEvents` records; past that it records nothing more and truncated()
// turns true. The output is a function of the recorded events only: the same events give the same bytes.
//
// Output: Chrome trace-event JSON, gzip-compressed when the file name ends in ".gz" (Perfetto opens both).
//
// Thread-safety: not thread-safe. The recorder is called on the bus's thread; read and write it on that thread too.
// Lifetime: the recorder subscribes in its constructor and unsubscribes in its destructor, so the EventBus (for a
// Simulation: the Simulation) must outlive the recorder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <ringlab/engine/events.h>
#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>

namespace ringlab {

// What a trace records. The default records the whole run, every request, up to 2,000,000 events.
struct TraceOptions {
  static constexpr std::size_t kDefaultMaxEvents = 2'000'000;

  std::size_t maxEvents = kDefaultMaxEvents;
  std::optional<TimePoint> from;  // events before it are not recorded
  std::optional<TimePoint> to;    // events after it are not recorded
  double sample = 1.0;            // fraction of requests recorded (0 < sample <= 1)
};

// Builds TraceOptions from command-line text: `from` and `to` are durations such as "10s" or "1500ms" (the scenario
// format's), `sample` a fraction such as "0.1"; empty strings leave the default. Errors are kInvalidArgument with a
// message naming the flag (--trace-from, --trace-to, --trace-sample), what was expected and what was given.
Result<TraceOptions> parseTraceOptions(std::string_view from, std::string_view to, std::string_view sample);

// True when the request `requestId` is in a sample of `fraction` of all requests. Decided by a hash of the id alone,
// so every event of one request gets the same answer, on every run.
bool isRequestSampled(std::uint64_t requestId, double fraction);

// True when `path` names a file the trace is written to gzip-compressed (it ends in ".gz").
bool isCompressedTracePath(std::string_view path);

class ChromeTraceRecorder {
 public:
  static constexpr std::size_t kDefaultMaxEvents = TraceOptions::kDefaultMaxEvents;

  // Subscribes to `bus` for the events the trace shows. `bus` must outlive the recorder.
  explicit ChromeTraceRecorder(EventBus& bus, std::size_t maxEvents = kDefaultMaxEvents);
  ChromeTraceRecorder(EventBus& bus, const TraceOptions& options);
  ~ChromeTraceRecorder();
  ChromeTraceRecorder(const ChromeTraceRecorder&) = delete;
  ChromeTraceRecorder& operator=(const ChromeTraceRecorder&) = delete;

  // Names processes n1..n<count> even if some of them never appear in a recorded event (nodes seen in events are
  // always named).
  void declareNodes(std::size_t count);

  // A global instant on the "cluster" process named `text`, for scenario narration (or an applied timeline action).
  // Counts against maxEvents; left out when `at` is outside the window.
  void addNarration(TimePoint at, std::string text);

  // True once an event was not recorded because maxEvents records were held.
  bool truncated() const { return m_truncated; }
  std::size_t recordedEvents() const { return m_records.size(); }
  std::size_t maxEvents() const { return m_options.maxEvents; }
  const TraceOptions& options() const { return m_options; }
  // The virtual time of the first event that was not recorded (meaningful when truncated()).
  TimePoint truncatedAt() const { return TimePoint{Duration(m_truncatedAt)}; }

  // Writes the whole trace to `out` as JSON. The caller checks the stream's state.
  void write(std::ostream& out) const;

  // Writes the trace to a temporary file beside `path`, then renames it over `path`, so a failed write leaves any
  // existing file untouched; gzip-compressed when isCompressedTracePath(path). Returns kNotFound when the directory
  // does not exist, kInternal for any other failure; the message names the file and the system's reason.
  Status writeTo(const std::string& path) const;

  // How many threads (tracks) write() lays the recorded fibers on, network threads included.
  std::size_t threadCount() const;

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

  // A fiber's lane: the thread its slices go on.
  struct FiberLane {
    std::uint64_t pid = 0;
    std::uint64_t tid = 0;
  };
  struct LaneLayout {
    std::unordered_map<std::uint64_t, FiberLane> fibers;   // fiber id -> lane
    std::vector<std::pair<FiberLane, std::string>> names;  // every lane with its name, in creation order
    std::unordered_set<std::uint64_t> sampledOut;          // coordinator fibers of requests left out of the sample
  };

  void onEvent(const Event& event);
  bool inWindow(std::int64_t time) const;
  bool overlapsWindow(std::int64_t start, std::int64_t end) const;
  // Lays every recorded fiber on a lane of its node and role.
  LaneLayout layLanes() const;
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
  TraceOptions m_options;
  bool m_truncated = false;
  std::int64_t m_truncatedAt = 0;  // earliest event not recorded
  std::size_t m_nodeCount = 0;     // nodes to name: declared or seen
  std::vector<Record> m_records;
  std::deque<std::string> m_strings;  // a deque keeps the views in m_stringIndex valid as it grows
  std::unordered_map<std::string_view, std::uint32_t> m_stringIndex;
};

// What to tell a person whose trace reached its event cap: the cap, the virtual time it was reached, that `path`
// holds the events up to there, and (unless `accepted`, when --trace-truncate asked for a cut trace) how to narrow
// the trace: --trace-from/--trace-to or --trace-sample, or --trace-truncate.
std::string traceCapMessage(const ChromeTraceRecorder& trace, std::string_view path, bool accepted);

struct ScenarioSpec;

// Runs `spec` (with its seed and timeline, manual actions included) from zero to `until` with a Chrome trace
// recorder attached, then writes the trace to `path`. Runs are deterministic, so this is the trace of the run a
// person watched. `progress` (optional) is called with the fraction done. Errors name the file and the reason.
// Runs its own simulation: call it on a thread with no other simulation running.
Status exportTraceByReplay(const ScenarioSpec& spec, TimePoint until, const std::string& path,
                           const std::function<void(double)>& progress = {});

}  // namespace ringlab
