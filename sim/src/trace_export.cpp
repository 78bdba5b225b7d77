#include <ringlab/sim/file_output.h>
#include <ringlab/sim/trace_export.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <streambuf>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <unordered_set>

#include <fmt/format.h>
#include <zlib.h>
#include <boost/json.hpp>

#include <ringlab/engine/random.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

namespace json = boost::json;

constexpr std::int64_t kNetworkSliceNanos = 1000;
constexpr std::size_t kFlushBytes = 1 << 16;
constexpr EventMask kRecordedEvents =
    maskOf(EventType::kMessageSent) | maskOf(EventType::kMessageDelivered) | maskOf(EventType::kMessageDropped) |
    maskOf(EventType::kRequestBegun) | maskOf(EventType::kRequestCompleted) | maskOf(EventType::kFiberSlice) |
    maskOf(EventType::kFiberStarted) | maskOf(EventType::kNodeStateChanged) | maskOf(EventType::kClusterChanged);

std::int64_t eventTime(const Event& event) {
  return std::visit(
      [](const auto& e) -> std::int64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(e)>, FiberSlice>) {
          return e.start.nanos();
        } else {
          return e.time.nanos();
        }
      },
      event);
}

std::uint64_t pidOf(NodeId node) { return node == kNoNode ? 0 : static_cast<std::uint64_t>(node) + 1; }

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 when it is not one (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8SequenceLength(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return i < s.size() && byte(i) >= lo && byte(i) <= hi;
  };
  const unsigned char c = byte(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
    const unsigned char hi = c == 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD, so that the JSON stays valid for
// keys holding arbitrary bytes.
std::string validUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t n = utf8SequenceLength(s);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      s.remove_prefix(1);
    } else {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
    }
  }
  return out;
}

// Buffers the JSON text and hands it to the stream in large pieces.
class JsonOut {
 public:
  explicit JsonOut(std::ostream& out) : m_out(out) {}
  ~JsonOut() { flush(); }

  void raw(std::string_view text) { m_buffer.append(text.data(), text.data() + text.size()); }
  void raw(char c) { m_buffer.push_back(c); }

  // A JSON string literal: plain ASCII is copied, anything else goes through Boost.JSON's escaping.
  void string(std::string_view text) {
    const bool plain =
        std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
    if (plain) {
      raw('"');
      raw(text);
      raw('"');
      return;
    }
    const bool valid = [&] {
      for (std::string_view rest = text; !rest.empty();) {
        const std::size_t n = utf8SequenceLength(rest);
        if (n == 0) return false;
        rest.remove_prefix(n);
      }
      return true;
    }();
    raw(valid ? json::serialize(json::string_view(text.data(), text.size()))
              : json::serialize(json::string_view(validUtf8(text))));
  }

  void integer(std::uint64_t value) { fmt::format_to(std::back_inserter(m_buffer), "{}", value); }

  // Nanoseconds as microseconds in plain decimal notation, exact and without trailing zeros: 12345 -> 12.345.
  void micros(std::int64_t nanos) {
    if (nanos < 0) {
      raw('-');
      nanos = nanos == std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::max() : -nanos;
    }
    const std::int64_t whole = nanos / 1000;
    const std::int64_t frac = nanos % 1000;
    auto it = std::back_inserter(m_buffer);
    if (frac == 0) {
      fmt::format_to(it, "{}", whole);
    } else if (frac % 100 == 0) {
      fmt::format_to(it, "{}.{}", whole, frac / 100);
    } else if (frac % 10 == 0) {
      fmt::format_to(it, "{}.{:02}", whole, frac / 10);
    } else {
      fmt::format_to(it, "{}.{:03}", whole, frac);
    }
  }

  void value(const json::object& object) { raw(json::serialize(object)); }

  void maybeFlush() {
    if (m_buffer.size() >= kFlushBytes) flush();
  }
  void flush() {
    m_out.write(m_buffer.data(), static_cast<std::streamsize>(m_buffer.size()));
    m_buffer.clear();
  }

 private:
  std::ostream& m_out;
  fmt::memory_buffer m_buffer;
};

// One entry of "traceEvents": the fields every event has, and optional ones set by the with* calls (empty strings
// and unset optionals are left out of the JSON).
struct TraceEvent {
  TraceEvent(std::string_view ph, std::string_view name, std::string_view cat, std::int64_t ts, std::uint64_t pid,
             std::uint64_t tid)
      : ph(ph), name(name), cat(cat), ts(ts), pid(pid), tid(tid) {}
  TraceEvent& withDuration(std::int64_t nanos) {
    dur = nanos;
    return *this;
  }
  TraceEvent& withId(std::uint64_t value) {
    id = value;
    return *this;
  }
  TraceEvent& withScope(std::string_view value) {
    scope = value;
    return *this;
  }
  TraceEvent& withBindingPoint(std::string_view value) {
    bindingPoint = value;
    return *this;
  }
  TraceEvent& withColour(std::string_view value) {
    cname = value;
    return *this;
  }
  TraceEvent& withArgs(const json::object& value) {
    args = &value;
    return *this;
  }

  std::string_view ph;
  std::string_view name;
  std::string_view cat;
  std::int64_t ts = 0;
  std::uint64_t pid = 0;
  std::uint64_t tid = 0;
  std::optional<std::int64_t> dur;
  std::optional<std::uint64_t> id;
  std::string_view scope;  // "s" of instants: "g", "p" or "t"
  std::string_view bindingPoint;
  std::string_view cname;
  const json::object* args = nullptr;
};

class EventWriter {
 public:
  explicit EventWriter(JsonOut& out) : m_out(out) {}

  void event(const TraceEvent& e) {
    separate();
    m_out.raw("{\"name\":");
    m_out.string(e.name);
    if (!e.cat.empty()) {
      m_out.raw(",\"cat\":");
      m_out.string(e.cat);
    }
    m_out.raw(",\"ph\":");
    m_out.string(e.ph);
    m_out.raw(",\"ts\":");
    m_out.micros(e.ts);
    if (e.dur) {
      m_out.raw(",\"dur\":");
      m_out.micros(*e.dur);
    }
    m_out.raw(",\"pid\":");
    m_out.integer(e.pid);
    m_out.raw(",\"tid\":");
    m_out.integer(e.tid);
    if (e.id) {
      m_out.raw(",\"id\":");
      m_out.integer(*e.id);
    }
    if (!e.scope.empty()) {
      m_out.raw(",\"s\":");
      m_out.string(e.scope);
    }
    if (!e.bindingPoint.empty()) {
      m_out.raw(",\"bp\":");
      m_out.string(e.bindingPoint);
    }
    if (!e.cname.empty()) {
      m_out.raw(",\"cname\":");
      m_out.string(e.cname);
    }
    if (e.args) {
      m_out.raw(",\"args\":");
      m_out.value(*e.args);
    }
    m_out.raw('}');
    m_out.maybeFlush();
  }

  // A "process_name" / "thread_name" metadata event.
  void metadata(std::string_view what, std::uint64_t pid, std::uint64_t tid, std::string_view name) {
    separate();
    m_out.raw("{\"name\":");
    m_out.string(what);
    m_out.raw(",\"ph\":\"M\",\"ts\":0,\"pid\":");
    m_out.integer(pid);
    m_out.raw(",\"tid\":");
    m_out.integer(tid);
    m_out.raw(",\"args\":{\"name\":");
    m_out.string(name);
    m_out.raw("}}");
    m_out.maybeFlush();
  }

 private:
  void separate() {
    m_out.raw(m_first ? "\n" : ",\n");
    m_first = false;
  }

  JsonOut& m_out;
  bool m_first = true;
};

// A stream buffer that gzip-compresses what is written to it into `sink` (RFC 1952, with zlib). The header carries
// no time stamp or file name, so the same input gives the same bytes. finish() writes the trailer; a failure sets
// the sink's badbit.
class GzipBuffer : public std::streambuf {
 public:
  explicit GzipBuffer(std::ostream& sink) : m_sink(sink) {
    // windowBits 15 + 16: a gzip wrapper instead of zlib's; level 6 is zlib's default balance of speed and size.
    m_ready = deflateInit2(&m_stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    if (!m_ready) m_sink.setstate(std::ios::badbit);
  }
  ~GzipBuffer() override {
    if (m_ready) deflateEnd(&m_stream);
  }
  GzipBuffer(const GzipBuffer&) = delete;
  GzipBuffer& operator=(const GzipBuffer&) = delete;

  void finish() { deflateChunk(nullptr, 0, Z_FINISH); }

 protected:
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    return deflateChunk(data, static_cast<std::size_t>(size), Z_NO_FLUSH) ? size : 0;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char byte = traits_type::to_char_type(c);
    return deflateChunk(&byte, 1, Z_NO_FLUSH) ? c : traits_type::eof();
  }

 private:
  bool deflateChunk(const char* data, std::size_t size, int flush) {
    if (!m_ready) return false;
    m_stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    m_stream.avail_in = static_cast<uInt>(size);
    int result = Z_OK;
    do {
      m_stream.next_out = m_out;
      m_stream.avail_out = sizeof m_out;
      result = deflate(&m_stream, flush);
      if (result == Z_STREAM_ERROR) break;
      m_sink.write(reinterpret_cast<const char*>(m_out),
                   static_cast<std::streamsize>(sizeof m_out - m_stream.avail_out));
    } while (m_stream.avail_out == 0 || (flush == Z_FINISH && result != Z_STREAM_END));
    if (result == Z_STREAM_ERROR || !m_sink) {
      m_sink.setstate(std::ios::badbit);
      return false;
    }
    return true;
  }

  std::ostream& m_sink;
  z_stream m_stream{};
  bool m_ready = false;
  Bytef m_out[1 << 16];
};

std::string_view sliceName(FiberState state, FiberRole role) {
  switch (state) {
    case FiberState::kRunning: return fiberRoleName(role);
    case FiberState::kReady: return "ready (waiting for a core)";
    case FiberState::kBlocked: return "blocked";
  }
  return "unknown";
}

std::string_view sliceColour(FiberState state) {
  switch (state) {
    case FiberState::kRunning: return "thread_state_running";
    case FiberState::kReady: return "thread_state_runnable";
    case FiberState::kBlocked: return "thread_state_sleeping";
  }
  return {};
}

std::string replicaList(const NodeList& replicas) {
  std::string out;
  for (NodeId n : replicas) {
    if (!out.empty()) out += ' ';
    out += nodeName(n);
  }
  return out;
}

}  // namespace

Result<TraceOptions> parseTraceOptions(std::string_view from, std::string_view to, std::string_view sample) {
  TraceOptions options;
  const auto time = [](std::string_view flag, std::string_view text) -> Result<TimePoint> {
    const std::optional<Duration> d = parseDuration(text);
    if (!d || *d < Duration{0}) {
      return Status(
          ErrorCode::kInvalidArgument,
          fmt::format("{}: expected a time from the start of the run such as 10s or 1500ms, got '{}'", flag, text));
    }
    return TimePoint{*d};
  };
  if (!from.empty()) {
    auto t = time("--trace-from", from);
    if (!t) return t.status();
    options.from = *t;
  }
  if (!to.empty()) {
    auto t = time("--trace-to", to);
    if (!t) return t.status();
    options.to = *t;
  }
  if (options.from && options.to && !(*options.from < *options.to)) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("--trace-to: expected a time after --trace-from ({}), got '{}'", from, to));
  }
  if (!sample.empty()) {
    const std::string text(sample);
    char* end = nullptr;
    errno = 0;
    const double fraction = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || errno != 0 || !(fraction > 0) || fraction > 1) {
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("--trace-sample: expected a fraction of the requests greater than 0 and at most 1, "
                                "such as 0.1, got '{}'",
                                sample));
    }
    options.sample = fraction;
  }
  return options;
}

bool isRequestSampled(std::uint64_t requestId, double fraction) {
  if (fraction >= 1) return true;
  if (!(fraction > 0)) return false;
  // The top 53 bits of a mixed id, as a fraction of 1: uniform, and the same for every event of the request.
  constexpr double kScale = 1.0 / static_cast<double>(std::uint64_t{1} << 53);
  const double position = static_cast<double>(mix64(requestId ^ 0x7472616365ull) >> 11) * kScale;
  return position < fraction;
}

bool isCompressedTracePath(std::string_view path) { return path.size() > 3 && path.ends_with(".gz"); }

ChromeTraceRecorder::ChromeTraceRecorder(EventBus& bus, std::size_t maxEvents)
    : ChromeTraceRecorder(bus, [maxEvents] {
        TraceOptions options;
        options.maxEvents = maxEvents;
        return options;
      }()) {}

ChromeTraceRecorder::ChromeTraceRecorder(EventBus& bus, const TraceOptions& options) : m_bus(bus), m_options(options) {
  m_subscription = m_bus.subscribe(kRecordedEvents, [this](const Event& event) { onEvent(event); });
}

bool ChromeTraceRecorder::inWindow(std::int64_t time) const {
  return (!m_options.from || time >= m_options.from->nanos()) && (!m_options.to || time <= m_options.to->nanos());
}

bool ChromeTraceRecorder::overlapsWindow(std::int64_t start, std::int64_t end) const {
  return (!m_options.from || end >= m_options.from->nanos()) && (!m_options.to || start <= m_options.to->nanos());
}

ChromeTraceRecorder::~ChromeTraceRecorder() { m_bus.unsubscribe(m_subscription); }

void ChromeTraceRecorder::declareNodes(std::size_t count) { m_nodeCount = std::max(m_nodeCount, count); }

bool ChromeTraceRecorder::hasRoom(std::int64_t time) {
  if (m_records.size() < m_options.maxEvents) return true;
  m_truncatedAt = m_truncated ? std::min(m_truncatedAt, time) : time;
  m_truncated = true;
  return false;
}

void ChromeTraceRecorder::noteNode(NodeId node) {
  if (node != kNoNode) m_nodeCount = std::max<std::size_t>(m_nodeCount, static_cast<std::size_t>(node) + 1);
}

std::uint32_t ChromeTraceRecorder::intern(std::string_view text) {
  if (auto it = m_stringIndex.find(text); it != m_stringIndex.end()) return it->second;
  return intern(std::string(text));
}

std::uint32_t ChromeTraceRecorder::intern(std::string&& text) {
  if (auto it = m_stringIndex.find(text); it != m_stringIndex.end()) return it->second;
  const auto index = static_cast<std::uint32_t>(m_strings.size());
  m_strings.push_back(std::move(text));
  m_stringIndex.emplace(m_strings.back(), index);
  return index;
}

void ChromeTraceRecorder::addNarration(TimePoint at, std::string text) {
  if (!inWindow(at.nanos()) || !hasRoom(at.nanos())) return;
  Record r;
  r.type = RecordType::kNarration;
  r.time = at.nanos();
  r.text = intern(std::move(text));
  m_records.push_back(r);
}

void ChromeTraceRecorder::onEvent(const Event& event) {
  Record r;
  r.time = eventTime(event);
  if (const auto* e = std::get_if<FiberSlice>(&event)) {
    if (!overlapsWindow(r.time, e->end.nanos())) return;
  } else if (!inWindow(r.time)) {
    return;
  }
  if (m_options.sample < 1) {
    const std::uint64_t request = std::visit(
        [](const auto& e) -> std::uint64_t {
          if constexpr (requires { e.requestId; }) {
            return e.requestId;
          } else {
            return 0;
          }
        },
        event);
    const bool requestEvent =
        std::holds_alternative<RequestBegun>(event) || std::holds_alternative<RequestCompleted>(event) || request != 0;
    if (requestEvent && !std::holds_alternative<FiberSlice>(event) && !isRequestSampled(request, m_options.sample)) {
      return;
    }
  }
  if (!hasRoom(r.time)) return;
  if (const auto* e = std::get_if<FiberSlice>(&event)) {
    r.type = RecordType::kFiberSlice;
    r.node = e->node;
    r.id = e->fiberId;
    r.small = static_cast<std::uint8_t>(e->role);
    r.detail = static_cast<std::uint8_t>(e->state);
    r.extra = e->end.nanos();
    r.wait = static_cast<std::uint8_t>(e->waitFor.kind);
    r.peer = e->waitFor.peer;
    r.text = static_cast<std::uint32_t>(e->waitFor.requestId);
    r.text2 = static_cast<std::uint32_t>(e->waitFor.requestId >> 32);
  } else if (const auto* e = std::get_if<MessageSent>(&event)) {
    r.type = RecordType::kMessageSent;
    r.node = e->from;
    r.peer = e->to;
    r.id = e->messageId;
    r.small = static_cast<std::uint8_t>(e->kind);
    r.extra = static_cast<std::int64_t>(e->requestId);
    r.text = e->bytes;
  } else if (const auto* e = std::get_if<MessageDelivered>(&event)) {
    r.type = RecordType::kMessageDelivered;
    r.node = e->from;
    r.peer = e->to;
    r.id = e->messageId;
    r.small = static_cast<std::uint8_t>(e->kind);
    r.extra = static_cast<std::int64_t>(e->requestId);
  } else if (const auto* e = std::get_if<MessageDropped>(&event)) {
    r.type = RecordType::kMessageDropped;
    r.node = e->from;
    r.peer = e->to;
    r.id = e->messageId;
    r.small = static_cast<std::uint8_t>(e->kind);
    r.extra = static_cast<std::int64_t>(e->requestId);
    r.detail = static_cast<std::uint8_t>(e->reason);
  } else if (const auto* e = std::get_if<RequestBegun>(&event)) {
    r.type = RecordType::kRequestBegun;
    r.node = e->coordinator;
    r.id = e->requestId;
    r.small = static_cast<std::uint8_t>(e->op);
    r.text = intern(e->key);
    r.text2 = intern(replicaList(e->replicas));
  } else if (const auto* e = std::get_if<RequestCompleted>(&event)) {
    r.type = RecordType::kRequestCompleted;
    r.node = e->coordinator;
    r.id = e->requestId;
    r.small = static_cast<std::uint8_t>(e->op);
    r.text = intern(e->key);
    r.detail = static_cast<std::uint8_t>(e->result);
    r.extra = e->latency.count();
    r.text2 = e->answers;
  } else if (const auto* e = std::get_if<FiberStarted>(&event)) {
    r.type = RecordType::kFiberStarted;
    r.node = e->node;
    r.id = e->fiberId;
    r.small = static_cast<std::uint8_t>(e->role);
    r.text = intern(e->name);
  } else if (const auto* e = std::get_if<NodeStateChanged>(&event)) {
    r.type = RecordType::kNodeStateChanged;
    r.node = e->node;
    r.small = static_cast<std::uint8_t>(e->state);
    r.text = intern(e->reason);
  } else if (const auto* e = std::get_if<ClusterChanged>(&event)) {
    r.type = RecordType::kClusterChanged;
    r.node = kNoNode;
    r.text = intern(e->description);
  } else {
    return;
  }
  noteNode(r.node);
  if (r.type == RecordType::kMessageSent || r.type == RecordType::kMessageDelivered ||
      r.type == RecordType::kMessageDropped) {
    noteNode(r.peer);
  }
  m_records.push_back(r);
}

std::vector<std::int64_t> ChromeTraceRecorder::networkSliceDurations() const {
  // Walk backwards: per network thread, remember the earliest time seen so far and the next later time, so each
  // slice ends no later than the next slice on its thread starts (slices at the same time nest exactly).
  constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> durations(m_records.size(), 0);
  std::vector<std::int64_t> earliest(m_nodeCount, kNever);
  std::vector<std::int64_t> nextLater(m_nodeCount, kNever);
  for (std::size_t i = m_records.size(); i-- > 0;) {
    const Record& r = m_records[i];
    if (r.type != RecordType::kMessageSent && r.type != RecordType::kMessageDelivered) continue;
    const NodeId thread = r.type == RecordType::kMessageSent ? r.node : r.peer;
    if (thread >= m_nodeCount) {
      durations[i] = kNetworkSliceNanos;
      continue;
    }
    if (r.time < earliest[thread]) {
      nextLater[thread] = earliest[thread];
      earliest[thread] = r.time;
    }
    const std::int64_t room = nextLater[thread] == kNever ? kNetworkSliceNanos : nextLater[thread] - r.time;
    durations[i] = std::clamp<std::int64_t>(room, 0, kNetworkSliceNanos);
  }
  return durations;
}

ChromeTraceRecorder::LaneLayout ChromeTraceRecorder::layLanes() const {
  // Each fiber's lifetime in the trace: from its start (or first recorded slice) to the end of its last slice.
  struct Lifetime {
    std::int64_t first = std::numeric_limits<std::int64_t>::max();
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    std::uint64_t id = 0;
    NodeId node = kNoNode;
    std::uint8_t role = 0;
  };
  LaneLayout layout;
  if (m_options.sample < 1) {
    // A coordinator fiber belongs to the request whose replies it waits for: it goes with its request's sample.
    for (const Record& r : m_records) {
      if (r.type != RecordType::kFiberSlice || static_cast<FiberState>(r.detail) != FiberState::kBlocked ||
          static_cast<WaitKind>(r.wait) != WaitKind::kReplies) {
        continue;
      }
      const std::uint64_t request = static_cast<std::uint64_t>(r.text) | (static_cast<std::uint64_t>(r.text2) << 32);
      if (request != 0 && !isRequestSampled(request, m_options.sample)) layout.sampledOut.insert(r.id);
    }
  }
  std::unordered_map<std::uint64_t, std::size_t> index;
  std::vector<Lifetime> fibers;
  for (const Record& r : m_records) {
    if (r.type != RecordType::kFiberStarted && r.type != RecordType::kFiberSlice) continue;
    if (layout.sampledOut.contains(r.id)) continue;
    auto [it, added] = index.try_emplace(r.id, fibers.size());
    if (added) fibers.push_back({.id = r.id, .node = r.node, .role = r.small});
    Lifetime& f = fibers[it->second];
    f.first = std::min(f.first, r.time);
    f.last = std::max(f.last, r.type == RecordType::kFiberSlice ? r.extra : r.time);
  }
  std::sort(fibers.begin(), fibers.end(),
            [](const Lifetime& a, const Lifetime& b) { return std::tie(a.first, a.id) < std::tie(b.first, b.id); });

  struct Lane {
    std::uint64_t tid = 0;
    std::int64_t freeFrom = 0;  // when its last fiber's last slice ended
  };
  std::map<std::pair<std::uint64_t, std::uint8_t>, std::vector<Lane>> lanes;  // (pid, role) -> its lanes
  std::unordered_map<std::uint64_t, std::uint64_t> nextTid;                   // pid -> next thread id (0: network)
  layout.fibers.reserve(fibers.size());
  for (const Lifetime& f : fibers) {
    const std::uint64_t pid = pidOf(f.node);
    std::vector<Lane>& mine = lanes[{pid, f.role}];
    auto lane = std::find_if(mine.begin(), mine.end(), [&](const Lane& l) { return l.freeFrom <= f.first; });
    if (lane == mine.end()) {
      const std::uint64_t tid = ++nextTid[pid];
      mine.push_back({tid, 0});
      lane = std::prev(mine.end());
      const std::string_view role = fiberRoleName(static_cast<FiberRole>(f.role));
      layout.names.emplace_back(FiberLane{pid, tid},
                                f.node == kNoNode ? fmt::format("{} #{}", role, mine.size())
                                                  : fmt::format("{} {} #{}", nodeName(f.node), role, mine.size()));
    }
    lane->freeFrom = f.last;
    layout.fibers.emplace(f.id, FiberLane{pid, lane->tid});
  }
  return layout;
}

std::size_t ChromeTraceRecorder::threadCount() const {
  // The cluster's timeline thread, one network thread per node, and the fibers' lanes.
  return 1 + m_nodeCount + layLanes().names.size();
}

void ChromeTraceRecorder::write(std::ostream& stream) const {
  JsonOut out(stream);
  EventWriter writer(out);
  out.raw("{\"traceEvents\":[");

  writer.metadata("process_name", 0, 0, "cluster");
  writer.metadata("thread_name", 0, 0, "timeline");
  for (std::size_t n = 0; n < m_nodeCount; ++n) {
    const auto node = static_cast<NodeId>(n);
    writer.metadata("process_name", pidOf(node), 0, nodeName(node));
    writer.metadata("thread_name", pidOf(node), 0, "network");
  }
  const LaneLayout lanes = layLanes();
  for (const auto& [lane, laneName] : lanes.names) writer.metadata("thread_name", lane.pid, lane.tid, laneName);

  // Flow arrows and async request slices are written only when both of their ends were recorded (a window or the
  // event cap may cut one off), so that every start has its end.
  std::unordered_set<std::uint64_t> sentMessages, pairedMessages, begunRequests, pairedRequests;
  for (const Record& r : m_records) {
    if (r.type == RecordType::kMessageSent) sentMessages.insert(r.id);
    if (r.type == RecordType::kRequestBegun) begunRequests.insert(r.id);
  }
  for (const Record& r : m_records) {
    if (r.type == RecordType::kMessageDelivered && sentMessages.contains(r.id)) pairedMessages.insert(r.id);
    if (r.type == RecordType::kRequestCompleted && begunRequests.contains(r.id)) pairedRequests.insert(r.id);
  }
  std::unordered_map<std::uint64_t, std::uint32_t> fiberNames;  // fiber id -> interned name, once started

  const std::vector<std::int64_t> networkDurations = networkSliceDurations();
  std::string name;
  json::object args;
  for (std::size_t i = 0; i < m_records.size(); ++i) {
    const Record& r = m_records[i];
    name.clear();
    args.clear();
    switch (r.type) {
      case RecordType::kFiberStarted: {
        fiberNames[r.id] = r.text;
        break;
      }
      case RecordType::kFiberSlice: {
        const auto state = static_cast<FiberState>(r.detail);
        const auto onLane = lanes.fibers.find(r.id);
        if (onLane == lanes.fibers.end()) break;  // a fiber of a request left out of the sample
        const FiberLane lane = onLane->second;
        TraceEvent slice("X", sliceName(state, static_cast<FiberRole>(r.small)), fiberStateName(state), r.time,
                         lane.pid, lane.tid);
        slice.withDuration(r.extra - r.time).withColour(sliceColour(state));
        if (state == FiberState::kBlocked) {
          const WaitFor waitFor{static_cast<WaitKind>(r.wait), r.peer,
                                static_cast<std::uint64_t>(r.text) | (static_cast<std::uint64_t>(r.text2) << 32)};
          args["waiting_for"] = describeWait(waitFor);
          slice.withArgs(args);
        } else if (state == FiberState::kRunning) {
          // The fiber's name, or its role when it started before the recorder subscribed or the window opened.
          const auto named = fiberNames.find(r.id);
          args["fiber"] = named != fiberNames.end()
                              ? fmt::format("{} #{}", m_strings[named->second], r.id)
                              : fmt::format("{} #{}", fiberRoleName(static_cast<FiberRole>(r.small)), r.id);
          slice.withArgs(args);
        }
        writer.event(slice);
        break;
      }
      case RecordType::kMessageSent:
      case RecordType::kMessageDelivered: {
        const bool sent = r.type == RecordType::kMessageSent;
        const std::string_view kind = messageKindName(static_cast<MessageKind>(r.small));
        const std::uint64_t pid = pidOf(sent ? r.node : r.peer);
        if (sent) {
          args["to"] = nodeName(r.peer);
          args["bytes"] = r.text;
        } else {
          args["from"] = nodeName(r.node);
        }
        args["request"] = static_cast<std::uint64_t>(r.extra);
        writer.event(TraceEvent("X", kind, "message", r.time, pid, 0).withDuration(networkDurations[i]).withArgs(args));
        if (pairedMessages.contains(r.id)) {
          writer.event(TraceEvent(sent ? "s" : "f", kind, "message", r.time, pid, 0)
                           .withId(r.id)
                           .withBindingPoint(sent ? "" : "e"));
        }
        break;
      }
      case RecordType::kMessageDropped: {
        name = fmt::format("dropped {} ({})", messageKindName(static_cast<MessageKind>(r.small)),
                           dropReasonName(static_cast<DropReason>(r.detail)));
        args["to"] = nodeName(r.peer);
        args["request"] = static_cast<std::uint64_t>(r.extra);
        args["message"] = r.id;
        writer.event(TraceEvent("i", name, "message", r.time, pidOf(r.node), 0).withScope("t").withArgs(args));
        break;
      }
      case RecordType::kRequestBegun:
      case RecordType::kRequestCompleted: {
        const bool begun = r.type == RecordType::kRequestBegun;
        if (!pairedRequests.contains(r.id)) break;
        name = fmt::format("{} {}", operationName(static_cast<Operation>(r.small)), m_strings[r.text]);
        if (begun) {
          args["replicas"] = m_strings[r.text2];
        } else {
          args["result"] = errorCodeName(static_cast<ErrorCode>(r.detail));
          args["latency"] = formatDuration(Duration(r.extra));
          args["latency_ns"] = r.extra;
          args["answers"] = r.text2;
        }
        writer.event(
            TraceEvent(begun ? "b" : "e", name, "request", r.time, pidOf(r.node), 0).withId(r.id).withArgs(args));
        break;
      }
      case RecordType::kNodeStateChanged: {
        name = fmt::format("{}: {}", nodeStateName(static_cast<NodeState>(r.small)), m_strings[r.text]);
        writer.event(TraceEvent("i", name, "node", r.time, pidOf(r.node), 0).withScope("p"));
        break;
      }
      case RecordType::kClusterChanged:
      case RecordType::kNarration: {
        const std::string_view cat = r.type == RecordType::kNarration ? "narration" : "cluster";
        writer.event(TraceEvent("i", m_strings[r.text], cat, r.time, 0, 0).withScope("g"));
        break;
      }
    }
  }
  if (m_truncated) {
    writer.event(TraceEvent("i", "trace truncated: later events were not recorded", "trace", m_truncatedAt, 0, 0)
                     .withScope("g"));
  }

  json::object other;
  other["generator"] = "RingLab ChromeTraceRecorder";
  other["clock"] = "virtual time";
  other["recordedEvents"] = m_records.size();
  other["maxEvents"] = m_options.maxEvents;
  if (m_options.from) other["from"] = formatScenarioDuration(m_options.from->sinceStart);
  if (m_options.to) other["to"] = formatScenarioDuration(m_options.to->sinceStart);
  if (m_options.sample < 1) other["sample"] = m_options.sample;
  other["truncated"] = m_truncated;
  out.raw("\n],\"displayTimeUnit\":\"ms\",\"otherData\":");
  out.value(other);
  out.raw("}\n");
}

Status ChromeTraceRecorder::writeTo(const std::string& path) const {
  if (!isCompressedTracePath(path)) {
    return writeFileAtomically(path, "trace", [this](std::ostream& out) { write(out); });
  }
  return writeFileAtomically(path, "trace", [this](std::ostream& file) {
    GzipBuffer buffer(file);
    std::ostream compressed(&buffer);
    write(compressed);
    compressed.flush();
    buffer.finish();
  });
}

std::string traceCapMessage(const ChromeTraceRecorder& trace, std::string_view path, bool accepted) {
  std::string message =
      fmt::format("the trace reached its cap of {} events at {} of virtual time; {} holds the events up to there",
                  trace.maxEvents(), formatDuration(trace.truncatedAt().sinceStart), path);
  if (accepted) return message + " (--trace-truncate)";
  // Suggest a window that fits: a round length below what the cap held, from where this trace began.
  const Duration start = trace.options().from ? trace.options().from->sinceStart : Duration{0};
  const Duration held = trace.truncatedAt().sinceStart - start;
  Duration window = std::chrono::milliseconds(100);
  for (const auto length : {200, 500, 1'000, 2'000, 5'000, 10'000, 20'000, 30'000}) {
    if (std::chrono::milliseconds(length) * 5 <= held * 4) window = std::chrono::milliseconds(length);
  }
  return message + fmt::format(
                       ". Narrow the trace to a window of the run with --trace-from/--trace-to (a window of {} fits, "
                       "e.g. --trace-from {} --trace-to {}) or to a fraction of the requests with --trace-sample (e.g. "
                       "0.1), or pass --trace-truncate to accept a cut trace",
                       formatScenarioDuration(window), formatScenarioDuration(start),
                       formatScenarioDuration(start + window));
}

Status exportTraceByReplay(const ScenarioSpec& spec, TimePoint until, const std::string& path,
                           const std::function<void(double)>& progress) {
  std::unique_ptr<ChromeTraceRecorder> trace;
  ScenarioRunOptions options;
  options.onNarration = [&trace](const TimelineEntry& entry) {
    if (trace && !entry.say.empty()) trace->addNarration(entry.at, entry.say);
  };
  ScenarioRunner runner(spec, options);
  trace = std::make_unique<ChromeTraceRecorder>(runner.simulation().events());
  trace->declareNodes(runner.simulation().nodeCount());
  until = std::min(until, runner.end());
  const Duration chunk = std::chrono::milliseconds(250);
  while (runner.simulation().now() < until) {
    runner.runUntil(std::min(until, runner.simulation().now() + chunk));
    if (progress && until.nanos() > 0) {
      progress(static_cast<double>(runner.simulation().now().nanos()) / static_cast<double>(until.nanos()));
    }
  }
  Status status = trace->writeTo(path);
  trace.reset();  // unsubscribe before the runner's bus goes
  return status;
}

}  // namespace ringlab
