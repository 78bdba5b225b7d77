// The scenario parser's inside, shared by the files that parse each section of the format (scenario_*.cpp): the
// units, the walk over the YAML tree with its error messages, the keys the format allows, and the ScenarioParser
// class. Not part of the library's interface: include it only from sim/src.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <span>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <ringlab/engine/message.h>
#include <ringlab/engine/overloaded.h>
#include <ringlab/sim/scenario.h>

namespace ringlab::scenario_detail {

__extension__ typedef __int128 Wide;  // exact unit arithmetic: 10^18 * 3.6e12 ns does not fit 64 bits

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// --- units ------------------------------------------------------------------------------------------------------

struct Unit {
  std::string_view name;
  std::int64_t scale;
};

inline constexpr std::array kDurationUnits = {
    Unit{"ns", 1},
    Unit{"us", 1'000},
    Unit{"\xc2\xb5s", 1'000},  // U+00B5 MICRO SIGN
    Unit{"\xce\xbcs", 1'000},  // U+03BC GREEK SMALL LETTER MU
    Unit{"ms", 1'000'000},
    Unit{"s", kNanosPerSecond},
    Unit{"m", 60 * kNanosPerSecond},
    Unit{"h", 3600 * kNanosPerSecond},
};

inline constexpr std::array kSizeUnits = {
    Unit{"B", 1},
    Unit{"KB", 1'000},
    Unit{"kB", 1'000},
    Unit{"MB", 1'000'000},
    Unit{"GB", 1'000'000'000},
    Unit{"TB", 1'000'000'000'000},
    Unit{"KiB", std::int64_t{1} << 10},
    Unit{"MiB", std::int64_t{1} << 20},
    Unit{"GiB", std::int64_t{1} << 30},
    Unit{"TiB", std::int64_t{1} << 40},
};

template <std::size_t N>
inline std::optional<std::int64_t> findUnit(const std::array<Unit, N>& units, std::string_view name) {
  for (const Unit& unit : units) {
    if (unit.name == name) return unit.scale;
  }
  return std::nullopt;
}

// A decimal number as written: [-]digits[.digits], read exactly.
struct Decimal {
  bool negative = false;
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;  // the first 18 fractional digits
  int fractionDigits = 0;
  std::size_t end = 0;  // index just past the number
  bool isZero() const { return whole == 0 && fraction == 0; }
  // The value times `scale`, rounded toward zero.
  Wide scaled(std::int64_t scale) const {
    Wide power = 1;
    for (int i = 0; i < fractionDigits; ++i) power *= 10;
    const Wide magnitude = Wide(whole) * scale + Wide(fraction) * scale / power;
    return negative ? -magnitude : magnitude;
  }
};

inline bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a decimal number at the start of `text`; nullopt without digits, with a dot not followed by digits, or with
// more than 18 whole digits.
inline std::optional<Decimal> readDecimal(std::string_view text, bool allowSign) {
  Decimal d;
  std::size_t i = 0;
  if (allowSign && i < text.size() && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  const std::size_t wholeStart = i;
  while (i < text.size() && isDigit(text[i])) {
    if (i - wholeStart >= 18) return std::nullopt;
    d.whole = d.whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == wholeStart) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t fractionStart = i;
    while (i < text.size() && isDigit(text[i])) {
      if (d.fractionDigits < 18) {
        d.fraction = d.fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
        ++d.fractionDigits;
      }
      ++i;
    }
    if (i == fractionStart) return std::nullopt;
  }
  d.end = i;
  return d;
}

inline std::string formatNumber(double x) { return fmt::format("{:g}", x); }

// --- the tree walk ----------------------------------------------------------------------------------------------

// The finished error message; thrown inside the walk only.
struct ScenarioError {
  std::string message;
};

// A value in the document: its key path for messages and where it is.
struct Field {
  std::string path;
  YAML::Node node;
  SourceLocation at;  // the value, or its key when the value is empty
};

struct MapEntry {
  std::string key;
  SourceLocation keyAt;
  Field value;
};

// A mapping's entries in file order, keys checked.
struct MapView {
  SourceLocation at;
  std::string path;
  std::vector<MapEntry> entries;

  const Field* find(std::string_view key) const {
    for (const MapEntry& entry : entries) {
      if (entry.key == key) return &entry.value;
    }
    return nullptr;
  }
};

inline SourceLocation locationOf(const YAML::Node& node, SourceLocation fallback = {}) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0 || mark.column < 0) return fallback;
  return {mark.line + 1, mark.column + 1};
}

// Where YAML text has content, found line by line without a YAML reader (1-based lines, 0 for none): the first line
// with content (not blank, a comment, a directive or a marker) and the line where a second document starts. A document
// starts at a "---" marker line or, after a "..." end marker, at the next line with content; a marker is three
// characters at column 0 followed by a blank or the end of the line (YAML forbids them anywhere else at column 0).
struct DocumentLines {
  int firstContent = 0;
  int secondDocument = 0;
};

inline DocumentLines documentLines(std::string_view text) {
  DocumentLines found;
  const auto isMarker = [](std::string_view line, std::string_view marker) {
    return line.starts_with(marker) && (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
  };
  bool opened = false;  // the first document has begun (a marker or content)
  bool ended = false;   // a "..." closed the current document
  int number = 0;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (isMarker(line, "---")) {
      if (opened || ended) {
        found.secondDocument = number;
        return found;
      }
      opened = true;
      continue;
    }
    if (isMarker(line, "...")) {
      ended = true;
      continue;
    }
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    if (!opened && line[0] == '%') continue;  // a directive before the first document
    if (ended) {
      found.secondDocument = number;
      return found;
    }
    opened = true;
    if (found.firstContent == 0) found.firstContent = number;
  }
  return found;
}

inline bool isAfter(SourceLocation a, SourceLocation b) {
  return a.line != b.line ? a.line > b.line : a.column > b.column;
}

inline std::string child(std::string_view path, std::string_view key) {
  std::string shown(key.substr(0, 60));
  if (key.size() > 60) shown += "...";
  if (path.empty()) return shown;
  return fmt::format("{}.{}", path, shown);
}

inline std::string element(std::string_view path, std::size_t index) { return fmt::format("{}[{}]", path, index); }

inline std::string quote(std::string_view text) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < 60; ++i) {
    const char c = text[i];
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (text.size() > 60) out += "...";
  return out + "'";
}

// The position of a ':' directly followed by a non-space character in `text` ("duration:60s"), which YAML reads as
// one word rather than a key and its value; npos when there is none.
inline std::size_t colonWithoutSpace(std::string_view text) {
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == ':' && text[i + 1] != ' ' && text[i - 1] != ' ') return i;
  }
  return std::string_view::npos;
}

// A hint for a scalar that was meant as "key: value" but lacks the space after the colon.
inline std::string missingSpaceHint(std::string_view text) {
  const std::size_t colon = colonWithoutSpace(text);
  if (colon == std::string_view::npos || text.find(' ') != std::string_view::npos) return {};
  return fmt::format(" (a ':' needs a space after it to separate a key from its value: write '{}: {}')",
                     text.substr(0, colon), text.substr(colon + 1));
}

// "got ..." for a value of the wrong shape.
inline std::string describeFound(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return quote(node.Scalar()) + missingSpaceHint(node.Scalar());
    case YAML::NodeType::Sequence: return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map: return node.size() == 0 ? "an empty mapping" : "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

inline std::string joinNames(std::span<const std::string_view> names, std::string_view lastSeparator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? lastSeparator : ", ";
    out += names[i];
  }
  return out;
}

inline std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'replication'?)" when one allowed name is close to `key`.
inline std::string suggestion(std::string_view key, std::span<const std::string_view> allowed) {
  if (key.size() > 64) return {};
  std::string_view best;
  std::size_t bestDistance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (std::string_view name : allowed) {
    const std::size_t d = editDistance(key, name);
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  if (best.empty()) {
    // No near spelling: a long shared beginning ("converged_within" -> "convergence_time") still points the way.
    std::size_t bestPrefix = 3;
    for (std::string_view name : allowed) {
      const std::size_t prefix =
          static_cast<std::size_t>(std::mismatch(key.begin(), key.end(), name.begin(), name.end()).first - key.begin());
      if (prefix > bestPrefix) {
        bestPrefix = prefix;
        best = name;
      }
    }
  }
  if (best.empty()) return {};
  return fmt::format(" (did you mean '{}'?)", best);
}

// --- keys the format allows -------------------------------------------------------------------------------------

inline constexpr std::array<std::string_view, 15> kTopKeys = {
    "name",     "description", "seed",   "duration", "cluster",      "network",         "workload", "timeline",
    "expect",   "quiesce",     "shuffle_ties", "staleness_bands", "lesson", "notes", "challenge"};
inline constexpr std::array<std::string_view, 8> kAskKeys = {"id",      "question", "choices",   "measure",
                                                             "answer",  "tolerance", "hint",     "explanation"};
inline constexpr std::array<std::string_view, 4> kChoiceKeys = {"text", "min", "max", "correct"};
inline constexpr std::array<std::string_view, 4> kChallengeKeys = {"text", "knobs", "goals", "solution"};
inline constexpr std::array<std::string_view, 5> kKnobKeys = {"set", "label", "min", "max", "choices"};
inline constexpr std::array<std::string_view, 3> kLessonKeys = {"teaches", "minutes", "summary"};
inline constexpr std::array<std::string_view, 12> kClusterKeys = {
    "nodes",          "ring",         "replication", "request_timeout", "cores",     "cpu_per_message",
    "max_value_size", "max_key_size", "clock_skew",  "mechanisms",      "conflicts", "max_siblings"};
inline constexpr std::array<std::string_view, 6> kMechanismKeys = {
    "gossip", "failure_detector", "hinted_handoff", "read_repair", "anti_entropy", "tombstone_gc"};
inline constexpr std::array<std::string_view, 2> kGossipKeys = {"enabled", "interval"};
inline constexpr std::array<std::string_view, 10> kDetectorKeys = {"enabled",
                                                                   "threshold",
                                                                   "suspect_threshold",
                                                                   "interval",
                                                                   "protocol",
                                                                   "probe_timeout",
                                                                   "indirect_probes",
                                                                   "suspicion_multiplier",
                                                                   "retransmit_multiplier",
                                                                   "sync_interval"};
inline constexpr std::array<std::string_view, 5> kHintKeys = {"enabled", "hint_after", "replay_interval", "max_hints",
                                                              "replay_batch"};
inline constexpr std::array<std::string_view, 2> kReadRepairKeys = {"enabled", "probability"};
inline constexpr std::array<std::string_view, 3> kAntiEntropyKeys = {"enabled", "interval", "depth"};
inline constexpr std::array<std::string_view, 2> kTombstoneGcKeys = {"enabled", "grace"};
inline constexpr std::array<std::string_view, 3> kRingKeys = {"strategy", "vnodes", "partitions"};
inline constexpr std::array<std::string_view, 3> kReplicationKeys = {"n", "r", "w"};
inline constexpr std::array<std::string_view, 5> kNetworkKeys = {"latency", "latency_by_kind", "links", "loss",
                                                                 "duplication"};
inline constexpr std::array<std::string_view, 5> kLinkKeys = {"from", "to", "latency", "loss", "both_ways"};
inline constexpr std::array<std::string_view, 14> kMessageKindNames = {
    "write",       "write_ack", "read",    "read_reply", "gossip",     "hinted_write",   "hint_replay",
    "read_repair", "ae_tree",   "ae_diff", "ae_fetch",   "ae_records", "stream_request", "stream_batch"};
inline constexpr std::array<std::string_view, 14> kWorkloadKeys = {
    "model",   "rate",        "clients", "think_time", "read_ratio", "delete_ratio", "increment_ratio",
    "counter", "blind_ratio", "routing", "keys",       "value_size", "start",        "stop"};
inline constexpr std::array<std::string_view, 6> kKeysKeys = {"count",     "distribution", "theta",
                                                              "scrambled", "hot_keys",     "hot_ops"};
inline constexpr std::array<std::string_view, 2> kMinMaxKeys = {"min", "max"};
inline constexpr std::array<std::string_view, 22> kTimelineKeys = {
    "at",   "say",  "pause",   "focus", "crash",    "restart", "wipe",     "partition",    "cut",        "heal",
    "link", "network", "slow",  "workload", "quorum",  "add_node", "decommission", "remove_node", "clock",
    "ask",  "reveal",  "notes"};
inline constexpr std::array<std::string_view, 4> kFocusKeys = {"node", "key", "view", "chart"};
inline constexpr std::array<std::string_view, 7> kFocusChartNames = {
    "throughput", "get_latency", "put_latency", "errors", "messages", "staleness", "detection"};
inline constexpr std::array<std::string_view, 7> kFocusViewNames = {"ring",      "traffic", "charts",   "nodes",
                                                                    "spacetime", "fibers",  "inspector"};
inline constexpr std::array<std::string_view, 15> kActionKeys = {
    "crash",   "restart", "wipe",     "partition", "cut",      "heal",         "link",       "network",
    "slow",    "workload", "quorum",    "add_node", "decommission", "remove_node", "clock"};
inline constexpr std::array<std::string_view, 2> kRestartKeys = {"node", "wipe"};
inline constexpr std::array<std::string_view, 2> kCutKeys = {"from", "to"};
inline constexpr std::array<std::string_view, 3> kNetworkActionKeys = {"latency", "loss", "duplication"};
inline constexpr std::array<std::string_view, 2> kClockKeys = {"node", "offset"};
inline constexpr std::array<std::string_view, 2> kSlowKeys = {"node", "factor"};
inline constexpr std::array<std::string_view, 5> kWorkloadActionKeys = {"rate", "read_ratio", "delete_ratio", "keys",
                                                                        "routing"};
inline constexpr std::array<std::string_view, 3> kQuorumKeys = {"n", "r", "w"};
inline constexpr std::array<std::string_view, 2> kQuiesceKeys = {"limit", "check_every"};
inline constexpr std::array<std::string_view, 7> kDistNames = {"constant", "uniform",   "normal", "exponential",
                                                               "pareto",   "lognormal", "mixture"};
// Every key any distribution mapping may hold (for typo messages before `dist` is known).
inline constexpr std::array<std::string_view, 13> kAllDistKeys = {
    "dist", "shift", "weight", "value", "min", "max", "mean", "stddev", "scale", "shape", "median", "sigma", "parts"};

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();
inline constexpr Duration kOneHour = std::chrono::hours(1);
inline constexpr std::uint64_t kMaxWorkloadValueBytes = std::uint64_t{64} << 20;
inline constexpr std::size_t kMaxVisits = 1'000'000;  // values examined, counting alias repeats
inline constexpr int kMaxMixtureDepth = 8;
inline constexpr std::size_t kMaxMixtureParts = 256;

struct ExpectMetricInfo {
  ExpectMetric metric;
  std::string_view name;
  bool higherIsBetter;
  bool duration;
  bool fraction;  // a ratio in [0, 1]
};

inline constexpr std::array<ExpectMetricInfo, 28> kExpectMetrics = {{
    {ExpectMetric::kLostWrites, "lost_writes", false, false, false},
    {ExpectMetric::kLostUpdates, "lost_updates", false, false, false},
    {ExpectMetric::kStaleReads, "stale_reads", false, false, false},
    {ExpectMetric::kStaleReadRate, "stale_read_rate", false, false, true},
    {ExpectMetric::kAvailability, "availability", true, false, true},
    {ExpectMetric::kGetAvailability, "get_availability", true, false, true},
    {ExpectMetric::kPutAvailability, "put_availability", true, false, true},
    {ExpectMetric::kConvergenceTime, "convergence_time", false, true, false},
    {ExpectMetric::kDivergentKeys, "divergent_keys", false, false, false},
    {ExpectMetric::kGetP50, "get_p50", false, true, false},
    {ExpectMetric::kGetP99, "get_p99", false, true, false},
    {ExpectMetric::kGetP999, "get_p999", false, true, false},
    {ExpectMetric::kPutP50, "put_p50", false, true, false},
    {ExpectMetric::kPutP99, "put_p99", false, true, false},
    {ExpectMetric::kPutP999, "put_p999", false, true, false},
    {ExpectMetric::kThroughput, "throughput", true, false, false},
    {ExpectMetric::kTimeouts, "timeouts", false, false, false},
    {ExpectMetric::kUnavailable, "unavailable", false, false, false},
    {ExpectMetric::kFreshAfter, "fresh_999_after", false, true, false},
    {ExpectMetric::kLostIncrements, "lost_increments", false, false, false},
    {ExpectMetric::kLostCrdtIncrements, "lost_crdt_increments", false, false, false},
    {ExpectMetric::kSiblingsCreated, "siblings_created", true, false, false},
    {ExpectMetric::kLargestSiblingSet, "largest_sibling_set", true, false, false},
    {ExpectMetric::kSiblingSetsResolved, "sibling_sets_resolved", true, false, false},
    {ExpectMetric::kUnexplainedLostWrites, "unexplained_lost_writes", false, false, false},
    {ExpectMetric::kInventedValues, "invented_values", false, false, false},
    {ExpectMetric::kMembershipDisagreements, "membership_disagreements", false, false, false},
    {ExpectMetric::kDetectionTime, "detection_time", false, true, false},
}};

inline const ExpectMetricInfo& metricInfo(ExpectMetric metric) {
  for (const ExpectMetricInfo& info : kExpectMetrics) {
    if (info.metric == metric) return info;
  }
  return kExpectMetrics[0];
}

// One parsed timeline entry before sorting, with what later checks need to point at.
struct PendingEntry {
  TimelineEntry entry;
  std::vector<Field> actionFields;  // parallel to entry.actions
  std::optional<Field> focusField;
  std::vector<std::string> revealNames;  // resolved to questions once every entry is parsed
  std::vector<Field> revealFields;
};

class ScenarioParser {
 public:
  explicit ScenarioParser(std::string_view sourceName, std::span<const ScenarioOverride> overrides = {})
      : m_source(sourceName), m_overrides(overrides.begin(), overrides.end()) {}

  ScenarioSpec parse(std::string_view yamlText);

 private:
  // Notes a contradiction that does not make the run impossible (a heal with nothing cut, say).
  void warn(SourceLocation at, std::string_view path, std::string_view message) {
    std::string where(m_source);
    if (at.line > 0) where += fmt::format(":{}:{}", at.line, at.column);
    m_warnings.push_back(fmt::format("{}: warning: {}: {}", where, path, message));
  }

  [[noreturn]] void fail(SourceLocation at, std::string_view path, std::string_view message) const {
    std::string where(m_source);
    if (const ScenarioOverride* o = overrideFor(path)) {
      where = "--set " + formatOverride(*o);  // the value is not in the file: name where it came from
    } else if (at.line > 0) {
      where += fmt::format(":{}:{}", at.line, at.column);
    }
    if (path.empty()) throw ScenarioError{fmt::format("{}: {}", where, message)};
    throw ScenarioError{fmt::format("{}: {}: {}", where, path, message)};
  }
  [[noreturn]] void failExpected(const Field& f, std::string_view expected) const {
    fail(f.at, f.path, fmt::format("expected {}, got {}", expected, describeFound(f.node)));
  }

  void visit() {
    if (++m_visits > kMaxVisits) {
      fail({}, "",
           fmt::format("the scenario has more than {} values (aliases counted each time they are used)", kMaxVisits));
    }
  }

  // Structure.
  MapView mapping(const Field& f, std::span<const std::string_view> allowed, std::string_view what);
  MapView anyKeyMapping(const Field& f, std::string_view what) { return mapping(f, {}, what); }
  std::vector<Field> list(const Field& f, std::string_view what);
  [[noreturn]] void failMissing(const MapView& m, std::string_view key, std::string_view what) const {
    fail(m.at, child(m.path, key), fmt::format("missing; expected {}", what));
  }
  const Field& require(const MapView& m, std::string_view key, std::string_view what) const {
    const Field* f = m.find(key);
    if (f == nullptr) failMissing(m, key, what);
    return *f;
  }

  // Scalars.
  const std::string& scalar(const Field& f, std::string_view expected) const {
    if (!f.node.IsScalar()) failExpected(f, expected);
    return f.node.Scalar();
  }
  std::string text(const Field& f, bool nonEmpty);
  bool boolean(const Field& f);
  std::uint64_t integer(const Field& f, std::uint64_t lo, std::uint64_t hi);
  std::uint64_t integer(const Field& f);
  double number(const Field& f, double lo, double hi, bool loExclusive = false);
  double anyNumber(const Field& f);
  Duration duration(const Field& f, Duration lo, Duration hi, bool loExclusive = false);
  std::uint64_t size(const Field& f, std::uint64_t lo, std::uint64_t hi, std::string_view rangeText = {});
  double rate(const Field& f);
  Routing routing(const Field& f) {
    constexpr std::string_view kExpected = "random, token_aware or proxy";
    if (const auto r = parseRouting(scalar(f, kExpected))) return *r;
    failExpected(f, kExpected);
  }
  NodeId node(const Field& f);
  std::string nodeRange() const { return m_nodeCount == 1 ? "n1" : fmt::format("n1..n{}", m_nodeCount); }

  // Sections.
  void parseCluster(const Field& f, SimulationConfig& config);
  void parseMechanisms(const Field& f, MechanismConfig& mechanisms);
  void parseNetwork(const Field& f, NetworkConfig& network);
  LatencyDistribution latency(const Field& f, int depth = 0, double* weight = nullptr);
  void parseWorkloads(const Field& f, std::vector<WorkloadConfig>& workloads);
  WorkloadConfig parseWorkload(const Field& f);
  KeyDistribution parseKeys(const Field& f);
  void parseTimeline(const Field& f, std::vector<TimelineEntry>& timeline);
  PendingEntry parseEntry(const Field& f);
  NarrationFocus parseFocus(const Field& f);
  ScenarioAction parseAction(std::string_view key, const Field& f);
  void checkTimeline(const std::vector<PendingEntry*>& entries);
  void checkQuorumAction(const QuorumAction& action, const Field& f, std::string_view at, std::size_t running,
                         QuorumConfig& quorum);
  void parseExpectations(const Field& f, std::vector<Expectation>& expectations);
  // detection_time measures how failure detectors learn of crashes: it needs a crash and the detectors.
  void checkDetectionExpectations(const ScenarioSpec& spec, const std::vector<Expectation>& claims,
                                  std::string_view path) const;
  // Lessons (scenario_lesson.cpp).
  void applyOverrides(YAML::Node root);
  const ScenarioOverride* overrideFor(std::string_view path) const;
  double metricValue(const Field& f, ExpectMetric metric);
  std::size_t parseAsk(const Field& f, TimePoint at);
  std::vector<std::string> parseRevealNames(const Field& f);
  void resolveReveals(std::vector<PendingEntry*>& entries);
  Challenge parseChallenge(const Field& f);
  LessonInfo parseLesson(const Field& f);
  void parseQuiesce(const Field& f, QuiesceConfig& quiesce);
  std::vector<Duration> parseStalenessBands(const Field& f);

  std::string_view m_source;
  std::size_t m_visits = 0;
  std::size_t m_nodeCount = 5;
  std::size_t m_initialNodeCount = 5;  // before any add_node of the timeline
  QuorumConfig m_quorum;               // the cluster's, before the timeline changes it
  std::size_t m_workloadCount = 0;
  std::vector<std::pair<double, double>> m_workloadMix;  // (read, delete) ratio of each workload at the start
  Duration m_duration{};
  std::string m_durationText;  // as written, for messages
  std::vector<std::string> m_warnings;
  std::vector<ScenarioOverride> m_overrides;
  std::vector<Question> m_questions;  // in file order until the timeline is sorted
  std::vector<Field> m_questionFields;
};

}  // namespace ringlab::scenario_detail
