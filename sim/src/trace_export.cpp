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
#include <optional>
#include <ostream>
#include <system_error>
#include <type_traits>
#include <unordered_set>

#include <fmt/format.h>
#include <boost/json.hpp>

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

ChromeTraceRecorder::ChromeTraceRecorder(EventBus& bus, std::size_t maxEvents) : m_bus(bus), m_maxEvents(maxEvents) {
  m_subscription = m_bus.subscribe(kRecordedEvents, [this](const Event& event) { onEvent(event); });
}

ChromeTraceRecorder::~ChromeTraceRecorder() { m_bus.unsubscribe(m_subscription); }

void ChromeTraceRecorder::declareNodes(std::size_t count) { m_nodeCount = std::max(m_nodeCount, count); }

bool ChromeTraceRecorder::hasRoom(std::int64_t time) {
  if (m_records.size() < m_maxEvents) return true;
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
  if (!hasRoom(at.nanos())) return;
  Record r;
  r.type = RecordType::kNarration;
  r.time = at.nanos();
  r.text = intern(std::move(text));
  m_records.push_back(r);
}

void ChromeTraceRecorder::onEvent(const Event& event) {
  Record r;
  r.time = eventTime(event);
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

  const std::vector<std::int64_t> networkDurations = networkSliceDurations();
  std::unordered_set<std::uint64_t> namedFibers;
  std::string name;
  json::object args;
  for (std::size_t i = 0; i < m_records.size(); ++i) {
    const Record& r = m_records[i];
    name.clear();
    args.clear();
    switch (r.type) {
      case RecordType::kFiberStarted: {
        name = fmt::format("{} {} #{}", fiberRoleName(static_cast<FiberRole>(r.small)), m_strings[r.text], r.id);
        writer.metadata("thread_name", pidOf(r.node), r.id, name);
        namedFibers.insert(r.id);
        break;
      }
      case RecordType::kFiberSlice: {
        const auto state = static_cast<FiberState>(r.detail);
        if (namedFibers.insert(r.id).second) {
          // The fiber started before the recorder subscribed (a node's replica fibers, say): name it by its role.
          name = fmt::format("{} #{}", fiberRoleName(static_cast<FiberRole>(r.small)), r.id);
          writer.metadata("thread_name", pidOf(r.node), r.id, name);
        }
        TraceEvent slice("X", sliceName(state, static_cast<FiberRole>(r.small)), fiberStateName(state), r.time,
                         pidOf(r.node), r.id);
        slice.withDuration(r.extra - r.time).withColour(sliceColour(state));
        if (state == FiberState::kBlocked) {
          const WaitFor waitFor{static_cast<WaitKind>(r.wait), r.peer,
                                static_cast<std::uint64_t>(r.text) | (static_cast<std::uint64_t>(r.text2) << 32)};
          args["waiting_for"] = describeWait(waitFor);
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
        writer.event(TraceEvent(sent ? "s" : "f", kind, "message", r.time, pid, 0)
                         .withId(r.id)
                         .withBindingPoint(sent ? "" : "e"));
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
  other["maxEvents"] = m_maxEvents;
  other["truncated"] = m_truncated;
  out.raw("\n],\"displayTimeUnit\":\"ms\",\"otherData\":");
  out.value(other);
  out.raw("}\n");
}

Status ChromeTraceRecorder::writeTo(const std::string& path) const {
  return writeFileAtomically(path, "trace", [this](std::ostream& out) { write(out); });
}

}  // namespace ringlab
