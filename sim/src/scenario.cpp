// The scenario file parser: YAML text in, a validated ScenarioSpec or one error with file:line:column out. The format
// is documented key by key in docs/SCENARIOS.md; keep the two in step.
//
// yaml-cpp builds the document tree (and reports syntax errors with their mark); everything after that is a walk over
// the tree that checks every key against the list the format allows, converts every scalar itself (durations, sizes,
// rates, node names) and stops at the first problem. Inside the walk a problem is a ScenarioError exception carrying
// the finished message; parseScenario catches it (and every yaml-cpp or standard exception) and returns a Status.
#include <ringlab/engine/overloaded.h>
#include <ringlab/sim/scenario.h>

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

namespace ringlab {

namespace {

__extension__ typedef __int128 Wide;  // exact unit arithmetic: 10^18 * 3.6e12 ns does not fit 64 bits

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// --- units ------------------------------------------------------------------------------------------------------

struct Unit {
  std::string_view name;
  std::int64_t scale;
};

constexpr std::array kDurationUnits = {
    Unit{"ns", 1},
    Unit{"us", 1'000},
    Unit{"\xc2\xb5s", 1'000},  // U+00B5 MICRO SIGN
    Unit{"\xce\xbcs", 1'000},  // U+03BC GREEK SMALL LETTER MU
    Unit{"ms", 1'000'000},
    Unit{"s", kNanosPerSecond},
    Unit{"m", 60 * kNanosPerSecond},
    Unit{"h", 3600 * kNanosPerSecond},
};

constexpr std::array kSizeUnits = {
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
std::optional<std::int64_t> findUnit(const std::array<Unit, N>& units, std::string_view name) {
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

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a decimal number at the start of `text`; nullopt without digits, with a dot not followed by digits, or with
// more than 18 whole digits.
std::optional<Decimal> readDecimal(std::string_view text, bool allowSign) {
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

}  // namespace

std::string formatScenarioDuration(Duration d) {
  const std::int64_t ns = d.count();
  const std::int64_t magnitude = ns < 0 ? -ns : ns;
  if (ns == 0) return "0s";
  for (auto unit = kDurationUnits.rbegin(); unit != kDurationUnits.rend(); ++unit) {
    if (unit->name[0] == '\xc2' || unit->name[0] == '\xce') continue;
    if (magnitude != 0 && magnitude % unit->scale == 0) return fmt::format("{}{}", ns / unit->scale, unit->name);
  }
  return fmt::format("{}ns", ns);
}

std::string formatScenarioSize(std::uint64_t bytes) {
  for (std::string_view unit : {"GiB", "MiB", "KiB"}) {
    const auto scale = static_cast<std::uint64_t>(*findUnit(kSizeUnits, unit));
    if (bytes != 0 && bytes % scale == 0) return fmt::format("{}{}", bytes / scale, unit);
  }
  return fmt::format("{}B", bytes);
}

namespace {

std::string formatNumber(double x) { return fmt::format("{:g}", x); }

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

SourceLocation locationOf(const YAML::Node& node, SourceLocation fallback = {}) {
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

DocumentLines documentLines(std::string_view text) {
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

bool isAfter(SourceLocation a, SourceLocation b) { return a.line != b.line ? a.line > b.line : a.column > b.column; }

std::string child(std::string_view path, std::string_view key) {
  std::string shown(key.substr(0, 60));
  if (key.size() > 60) shown += "...";
  if (path.empty()) return shown;
  return fmt::format("{}.{}", path, shown);
}

std::string element(std::string_view path, std::size_t index) { return fmt::format("{}[{}]", path, index); }

std::string quote(std::string_view text) {
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
std::size_t colonWithoutSpace(std::string_view text) {
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == ':' && text[i + 1] != ' ' && text[i - 1] != ' ') return i;
  }
  return std::string_view::npos;
}

// A hint for a scalar that was meant as "key: value" but lacks the space after the colon.
std::string missingSpaceHint(std::string_view text) {
  const std::size_t colon = colonWithoutSpace(text);
  if (colon == std::string_view::npos || text.find(' ') != std::string_view::npos) return {};
  return fmt::format(" (a ':' needs a space after it to separate a key from its value: write '{}: {}')",
                     text.substr(0, colon), text.substr(colon + 1));
}

// "got ..." for a value of the wrong shape.
std::string describeFound(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return quote(node.Scalar()) + missingSpaceHint(node.Scalar());
    case YAML::NodeType::Sequence: return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map: return node.size() == 0 ? "an empty mapping" : "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

std::string joinNames(std::span<const std::string_view> names, std::string_view lastSeparator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? lastSeparator : ", ";
    out += names[i];
  }
  return out;
}

std::size_t editDistance(std::string_view a, std::string_view b) {
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
std::string suggestion(std::string_view key, std::span<const std::string_view> allowed) {
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

constexpr std::array<std::string_view, 12> kTopKeys = {"name",    "description", "seed",         "duration",
                                                       "cluster", "network",     "workload",     "timeline",
                                                       "expect",  "quiesce",     "shuffle_ties", "staleness_bands"};
constexpr std::array<std::string_view, 12> kClusterKeys = {
    "nodes",           "ring",           "replication",  "request_timeout", "cores",     "cpu_per_message",
    "max_value_size",  "max_key_size",   "clock_skew",   "mechanisms",      "conflicts", "max_siblings"};
constexpr std::array<std::string_view, 5> kMechanismKeys = {"gossip", "failure_detector", "hinted_handoff",
                                                            "read_repair", "anti_entropy"};
constexpr std::array<std::string_view, 2> kGossipKeys = {"enabled", "interval"};
constexpr std::array<std::string_view, 4> kDetectorKeys = {"enabled", "threshold", "suspect_threshold", "interval"};
constexpr std::array<std::string_view, 5> kHintKeys = {"enabled", "hint_after", "replay_interval", "max_hints",
                                                       "replay_batch"};
constexpr std::array<std::string_view, 2> kReadRepairKeys = {"enabled", "probability"};
constexpr std::array<std::string_view, 3> kAntiEntropyKeys = {"enabled", "interval", "depth"};
constexpr std::array<std::string_view, 3> kRingKeys = {"strategy", "vnodes", "partitions"};
constexpr std::array<std::string_view, 3> kReplicationKeys = {"n", "r", "w"};
constexpr std::array<std::string_view, 5> kNetworkKeys = {"latency", "latency_by_kind", "links", "loss", "duplication"};
constexpr std::array<std::string_view, 5> kLinkKeys = {"from", "to", "latency", "loss", "both_ways"};
constexpr std::array<std::string_view, 14> kMessageKindNames = {
    "write",       "write_ack", "read",    "read_reply", "gossip",     "hinted_write",   "hint_replay",
    "read_repair", "ae_tree",   "ae_diff", "ae_fetch",   "ae_records", "stream_request", "stream_batch"};
constexpr std::array<std::string_view, 14> kWorkloadKeys = {
    "model",       "rate", "clients",    "think_time", "read_ratio", "delete_ratio", "increment_ratio",
    "counter",     "blind_ratio", "routing", "keys",  "value_size", "start",        "stop"};
constexpr std::array<std::string_view, 6> kKeysKeys = {"count",     "distribution", "theta",
                                                       "scrambled", "hot_keys",     "hot_ops"};
constexpr std::array<std::string_view, 2> kMinMaxKeys = {"min", "max"};
constexpr std::array<std::string_view, 18> kTimelineKeys = {
    "at",   "say",  "pause",   "focus", "crash",    "restart", "wipe",     "partition",    "cut",
    "heal", "link", "network", "slow",  "workload", "quorum",  "add_node", "decommission", "remove_node"};
constexpr std::array<std::string_view, 4> kFocusKeys = {"node", "key", "view", "chart"};
constexpr std::array<std::string_view, 6> kFocusChartNames = {"throughput", "get_latency", "put_latency",
                                                              "errors",     "messages",    "staleness"};
constexpr std::array<std::string_view, 7> kFocusViewNames = {"ring",      "traffic", "charts",   "nodes",
                                                             "spacetime", "fibers",  "inspector"};
constexpr std::array<std::string_view, 14> kActionKeys = {
    "crash",   "restart", "wipe",     "partition", "cut",      "heal",         "link",
    "network", "slow",    "workload", "quorum",    "add_node", "decommission", "remove_node"};
constexpr std::array<std::string_view, 2> kRestartKeys = {"node", "wipe"};
constexpr std::array<std::string_view, 2> kCutKeys = {"from", "to"};
constexpr std::array<std::string_view, 2> kNetworkActionKeys = {"latency", "loss"};
constexpr std::array<std::string_view, 2> kSlowKeys = {"node", "factor"};
constexpr std::array<std::string_view, 5> kWorkloadActionKeys = {"rate", "read_ratio", "delete_ratio", "keys",
                                                                 "routing"};
constexpr std::array<std::string_view, 3> kQuorumKeys = {"n", "r", "w"};
constexpr std::array<std::string_view, 2> kQuiesceKeys = {"limit", "check_every"};
constexpr std::array<std::string_view, 7> kDistNames = {"constant", "uniform",   "normal", "exponential",
                                                        "pareto",   "lognormal", "mixture"};
// Every key any distribution mapping may hold (for typo messages before `dist` is known).
constexpr std::array<std::string_view, 13> kAllDistKeys = {
    "dist", "shift", "weight", "value", "min", "max", "mean", "stddev", "scale", "shape", "median", "sigma", "parts"};

constexpr double kUnbounded = std::numeric_limits<double>::infinity();
constexpr Duration kOneHour = std::chrono::hours(1);
constexpr std::uint64_t kMaxWorkloadValueBytes = std::uint64_t{64} << 20;
constexpr std::size_t kMaxVisits = 1'000'000;  // values examined, counting alias repeats
constexpr int kMaxMixtureDepth = 8;
constexpr std::size_t kMaxMixtureParts = 256;

struct ExpectMetricInfo {
  ExpectMetric metric;
  std::string_view name;
  bool higherIsBetter;
  bool duration;
  bool fraction;  // a ratio in [0, 1]
};

constexpr std::array<ExpectMetricInfo, 24> kExpectMetrics = {{
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
}};

const ExpectMetricInfo& metricInfo(ExpectMetric metric) {
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
};

class ScenarioParser {
 public:
  explicit ScenarioParser(std::string_view sourceName) : m_source(sourceName) {}

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
    if (at.line > 0) where += fmt::format(":{}:{}", at.line, at.column);
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
};

MapView ScenarioParser::mapping(const Field& f, std::span<const std::string_view> allowed, std::string_view what) {
  if (!f.node.IsMap()) failExpected(f, what);
  MapView view;
  view.at = f.at;
  view.path = f.path;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) {
    visit();
    const YAML::Node keyNode = it->first;
    const SourceLocation keyAt = locationOf(keyNode, f.at);
    if (!keyNode.IsScalar()) {
      fail(keyAt, f.path, fmt::format("expected a key name, got {}", describeFound(keyNode)));
    }
    std::string key = keyNode.Scalar();
    const std::string path = child(f.path, key);
    for (const MapEntry& earlier : view.entries) {
      if (earlier.key == key) {
        fail(keyAt, path, fmt::format("duplicate key; it is already given at line {}", earlier.keyAt.line));
      }
    }
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      if (const std::string hint = missingSpaceHint(key); !hint.empty()) {
        fail(keyAt, path, fmt::format("unknown key{}", hint));
      }
      fail(keyAt, path, fmt::format("unknown key{}; expected one of {}", suggestion(key, allowed), joinNames(allowed)));
    }
    const YAML::Node value = it->second;
    const SourceLocation valueAt = value.IsNull() ? keyAt : locationOf(value, keyAt);
    view.entries.push_back(MapEntry{std::move(key), keyAt, Field{path, value, valueAt}});
  }
  return view;
}

std::vector<Field> ScenarioParser::list(const Field& f, std::string_view what) {
  if (!f.node.IsSequence()) failExpected(f, what);
  std::vector<Field> out;
  std::size_t index = 0;
  for (auto it = f.node.begin(); it != f.node.end(); ++it, ++index) {
    visit();
    const YAML::Node item = *it;
    out.push_back(Field{element(f.path, index), item, item.IsNull() ? f.at : locationOf(item, f.at)});
  }
  return out;
}

std::string ScenarioParser::text(const Field& f, bool nonEmpty) {
  const std::string& s = scalar(f, nonEmpty ? "a non-empty string" : "a string");
  if (nonEmpty && s.find_first_not_of(" \t\r\n") == std::string::npos) failExpected(f, "a non-empty string");
  return s;
}

bool ScenarioParser::boolean(const Field& f) {
  const std::string& s = scalar(f, "true or false");
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "Yes" || s == "YES") return true;
  if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "No" || s == "NO") return false;
  failExpected(f, "true or false");
}

std::uint64_t ScenarioParser::integer(const Field& f) {
  const std::string& s = scalar(f, "a whole number");
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) failExpected(f, "a whole number");
  return value;
}

std::uint64_t ScenarioParser::integer(const Field& f, std::uint64_t lo, std::uint64_t hi) {
  const std::string expected = fmt::format("a whole number from {} to {}", lo, hi);
  const std::string& s = scalar(f, expected);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < lo || value > hi) {
    failExpected(f, expected);
  }
  return value;
}

double ScenarioParser::anyNumber(const Field& f) {
  const std::string& s = scalar(f, "a number");
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    failExpected(f, "a number");
  }
  return value;
}

double ScenarioParser::number(const Field& f, double lo, double hi, bool loExclusive) {
  std::string expected;
  if (std::isinf(hi)) {
    expected = fmt::format("{} {}", loExclusive ? "a number greater than" : "a number of at least", formatNumber(lo));
  } else if (loExclusive) {
    expected = fmt::format("a number greater than {} and at most {}", formatNumber(lo), formatNumber(hi));
  } else {
    expected = fmt::format("a number from {} to {}", formatNumber(lo), formatNumber(hi));
  }
  const std::string& s = scalar(f, expected);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) failExpected(f, expected);
  if (value > hi || (loExclusive ? value <= lo : value < lo)) failExpected(f, expected);
  return value;
}

Duration ScenarioParser::duration(const Field& f, Duration lo, Duration hi, bool loExclusive) {
  constexpr std::string_view kShape = "a duration with a unit such as 250ms or 10s";
  const std::string& s = scalar(f, kShape);
  const std::optional<Duration> d = parseDuration(s);
  if (!d) failExpected(f, kShape);
  if (*d > hi || (loExclusive ? *d <= lo : *d < lo)) {
    failExpected(f, loExclusive ? fmt::format("a duration greater than {} and at most {}", formatScenarioDuration(lo),
                                              formatScenarioDuration(hi))
                                : fmt::format("a duration from {} to {}", formatScenarioDuration(lo),
                                              formatScenarioDuration(hi)));
  }
  return *d;
}

std::uint64_t ScenarioParser::size(const Field& f, std::uint64_t lo, std::uint64_t hi, std::string_view rangeText) {
  constexpr std::string_view kShape = "a size such as 100B, 64KiB or 1MB";
  const std::string& s = scalar(f, kShape);
  const std::optional<std::uint64_t> bytes = parseSize(s);
  if (!bytes) failExpected(f, kShape);
  if (*bytes < lo || *bytes > hi) {
    failExpected(f, rangeText.empty()
                        ? fmt::format("a size from {} to {}", formatScenarioSize(lo), formatScenarioSize(hi))
                        : std::string(rangeText));
  }
  return *bytes;
}

double ScenarioParser::rate(const Field& f) {
  constexpr std::string_view kShape = "a rate such as 2000/s or 120/m";
  const std::string& s = scalar(f, kShape);
  const std::optional<double> r = parseRate(s);
  if (!r) failExpected(f, kShape);
  if (*r > 10'000'000) failExpected(f, "a rate of at most 10000000/s");
  return *r;
}

NodeId ScenarioParser::node(const Field& f) {
  const std::string expected = "a node name " + nodeRange();
  const std::string& s = scalar(f, expected);
  const NodeId id = parseNodeName(s);
  if (id == kNoNode || id >= m_nodeCount) failExpected(f, expected);
  return id;
}

// --- top level --------------------------------------------------------------------------------------------------

ScenarioSpec ScenarioParser::parse(std::string_view yamlText) {
  constexpr std::string_view kTopExpected = "expected a mapping with at least 'name' and 'duration'";
  // yaml-cpp 0.7's LoadAll never returns on some malformed text (",a" grows memory until it runs out), so a second
  // document is found by its marker line and the first is read with Load, which stops after one document.
  const DocumentLines lines = documentLines(yamlText);
  if (lines.secondDocument != 0) {
    fail({lines.secondDocument, 1}, "", "expected a single YAML document, got a second one ('---')");
  }
  const YAML::Node document = YAML::Load(std::string(yamlText));
  if (document.IsNull()) {
    if (lines.firstContent == 0) fail({}, "", fmt::format("{}, got an empty file", kTopExpected));
    fail({lines.firstContent, 1}, "", fmt::format("{}, got no value (YAML reads nothing it can use here)", kTopExpected));
  }
  const Field root{"", document, locationOf(document, {1, 1})};
  if (!root.node.IsMap()) fail(root.at, "", fmt::format("{}, got {}", kTopExpected, describeFound(root.node)));

  const MapView top = mapping(root, kTopKeys, "a mapping");
  ScenarioSpec spec;
  spec.sourceName = std::string(m_source);
  spec.name = text(require(top, "name", "the scenario's name, as in 'name: Node crash'"), true);
  if (const Field* f = top.find("description")) spec.description = text(*f, false);
  if (const Field* f = top.find("seed")) spec.cluster.seed = integer(*f);
  if (const Field* f = top.find("shuffle_ties")) {
    // true, false, or the seed of the shuffle (which turns it on).
    constexpr const char* kExpected = "true, false or a whole number (the seed of the shuffle)";
    const std::string& s = scalar(*f, kExpected);
    if (!s.empty() && s[0] >= '0' && s[0] <= '9') {
      spec.cluster.shuffleTies = true;
      spec.cluster.tieSeed = integer(*f);
    } else if (s == "true" || s == "false") {
      spec.cluster.shuffleTies = s == "true";
    } else {
      failExpected(*f, kExpected);
    }
  }
  const Field& durationField = require(top, "duration", "how long the scenario runs, as in 'duration: 60s'");
  m_duration = duration(durationField, Duration{0}, kMaxScenarioDuration, true);
  m_durationText = durationField.node.Scalar();
  spec.duration = m_duration;

  if (const Field* f = top.find("cluster")) parseCluster(*f, spec.cluster);
  m_nodeCount = spec.cluster.nodes;
  m_quorum = spec.cluster.quorum;
  if (const Field* f = top.find("network")) parseNetwork(*f, spec.cluster.network);
  if (const Field* f = top.find("workload")) parseWorkloads(*f, spec.workloads);
  m_workloadCount = spec.workloads.size();
  for (const WorkloadConfig& w : spec.workloads) m_workloadMix.emplace_back(w.readRatio, w.deleteRatio);
  if (const Field* f = top.find("timeline")) parseTimeline(*f, spec.timeline);
  if (const Field* f = top.find("expect")) parseExpectations(*f, spec.expectations);
  if (const Field* f = top.find("quiesce")) parseQuiesce(*f, spec.quiesce);
  if (const Field* f = top.find("staleness_bands")) spec.stalenessBands = parseStalenessBands(*f);
  spec.warnings = std::move(m_warnings);
  return spec;
}

// --- cluster ----------------------------------------------------------------------------------------------------

void ScenarioParser::parseCluster(const Field& f, SimulationConfig& config) {
  const MapView m = mapping(f, kClusterKeys, "a mapping of cluster settings");
  const Field* nodesField = m.find("nodes");
  if (nodesField != nullptr) config.nodes = integer(*nodesField, 1, 1000);
  m_nodeCount = config.nodes;

  if (const Field* ringField = m.find("ring")) {
    const MapView ring = mapping(*ringField, kRingKeys, "a mapping such as {strategy: vnodes, vnodes: 16}");
    if (const Field* s = ring.find("strategy")) {
      const std::string& name = scalar(*s, "vnodes or partitions");
      if (name == "vnodes") {
        config.ring.strategy = PlacementStrategy::kVnodes;
      } else if (name == "partitions") {
        config.ring.strategy = PlacementStrategy::kPartitions;
      } else {
        failExpected(*s, "vnodes or partitions");
      }
    }
    const bool vnodes = config.ring.strategy == PlacementStrategy::kVnodes;
    if (const Field* v = ring.find("vnodes")) {
      if (!vnodes) fail(v->at, v->path, "only applies to 'strategy: vnodes'; this ring uses partitions");
      config.ring.vnodesPerNode = integer(*v, 1, 4096);
    }
    if (const Field* p = ring.find("partitions")) {
      if (vnodes) {
        fail(p->at, p->path, "only applies to 'strategy: partitions'; add it, or use vnodes (the default strategy)");
      }
      config.ring.partitions = integer(*p, 1, std::size_t{1} << 20);
    }
  }

  // N defaults to 3 (fewer when the cluster is smaller), R and W to a majority of N.
  QuorumConfig quorum;
  quorum.n = std::min<std::size_t>(3, config.nodes);
  const Field* nField = nullptr;
  const Field* rField = nullptr;
  const Field* wField = nullptr;
  MapView rep;  // outlives the pointers into it
  if (const Field* q = m.find("replication")) {
    rep = mapping(*q, kReplicationKeys, "a mapping such as {n: 3, r: 2, w: 2}");
    nField = rep.find("n");
    rField = rep.find("r");
    wField = rep.find("w");
    if (nField != nullptr) quorum.n = integer(*nField, 1, 1000);
    if (rField != nullptr) quorum.r = integer(*rField);
    if (wField != nullptr) quorum.w = integer(*wField);
  }
  if (rField == nullptr) quorum.r = quorum.n / 2 + 1;
  if (wField == nullptr) quorum.w = quorum.n / 2 + 1;
  if (quorum.n > config.nodes) {
    // nField is set: the default N never exceeds the node count. Point at whichever of the two comes later.
    if (nodesField != nullptr && isAfter(nodesField->at, nField->at)) {
      fail(nodesField->at, nodesField->path,
           fmt::format("the node count ({}) is smaller than N ({}) at line {}", config.nodes, quorum.n,
                       nField->at.line));
    }
    fail(nField->at, nField->path, fmt::format("N ({}) is larger than the node count ({})", quorum.n, config.nodes));
  }
  const auto checkQuorum = [&](const Field* field, std::size_t value, char name) {
    if (field == nullptr || (value >= 1 && value <= quorum.n)) return;
    if (nField != nullptr && isAfter(nField->at, field->at) && value >= 1) {
      fail(nField->at, nField->path,
           fmt::format("N ({}) is smaller than {} ({}) at line {}", quorum.n, name, value, field->at.line));
    }
    fail(field->at, field->path, fmt::format("{} ({}) must be between 1 and N ({})", name, value, quorum.n));
  };
  checkQuorum(rField, quorum.r, 'R');
  checkQuorum(wField, quorum.w, 'W');
  config.quorum = quorum;

  if (const Field* t = m.find("request_timeout")) config.requestTimeout = duration(*t, Duration{0}, kOneHour, true);
  if (const Field* c = m.find("cores")) config.coresPerNode = integer(*c, 1, 256);
  if (const Field* c = m.find("cpu_per_message")) {
    config.cpuCostPerMessage = duration(*c, Duration{0}, std::chrono::seconds(1));
  }
  if (const Field* s = m.find("max_value_size")) config.storage.maxValueBytes = size(*s, 1, std::uint64_t{1} << 30);
  if (const Field* s = m.find("max_key_size")) config.storage.maxKeyBytes = size(*s, 1, std::uint64_t{16} << 20);
  if (const Field* mech = m.find("mechanisms")) parseMechanisms(*mech, config.mechanisms);
  if (const Field* c = m.find("conflicts")) {
    const auto mode = parseConflictMode(scalar(*c, "lww or siblings"));
    if (!mode) failExpected(*c, "lww or siblings");
    config.conflicts = *mode;
  }
  if (const Field* s = m.find("max_siblings")) {
    if (config.conflicts != ConflictMode::kSiblings) fail(s->at, s->path, "only applies to 'conflicts: siblings'");
    config.maxSiblings = integer(*s, 1, 100'000);
  }
  if (const Field* skew = m.find("clock_skew")) {
    const MapView skews = anyKeyMapping(*skew, "a mapping from node names to clock offsets, such as {n2: 50ms}");
    config.clockSkew.assign(config.nodes, Duration{0});
    for (const MapEntry& entry : skews.entries) {
      const NodeId id = node(Field{entry.value.path, YAML::Node(entry.key), entry.keyAt});
      config.clockSkew[id] = duration(entry.value, -kOneHour, kOneHour);
    }
  }
}

// Each mechanism is `true`/`false`, or a mapping with `enabled` and its settings.
void ScenarioParser::parseMechanisms(const Field& f, MechanismConfig& mech) {
  const MapView m = mapping(f, kMechanismKeys, "a mapping of mechanisms, such as {read_repair: false}");
  const auto section = [&](const char* name, const auto& keys, bool& enabled, const char* example) -> MapView {
    const Field* field = m.find(name);
    if (field == nullptr) return {};
    if (field->node.IsScalar()) {
      enabled = boolean(*field);
      return {};
    }
    MapView view = mapping(*field, keys, example);
    if (const Field* e = view.find("enabled")) enabled = boolean(*e);
    return view;
  };
  const Duration kMinute = std::chrono::minutes(1);
  {
    const MapView g = section("gossip", kGossipKeys, mech.gossip, "true, false, or {enabled: true, interval: 1s}");
    if (const Field* i = g.find("interval")) mech.gossipInterval = duration(*i, Duration{0}, kMinute, true);
  }
  {
    const MapView d = section("failure_detector", kDetectorKeys, mech.failureDetector,
                              "true, false, or {threshold: 8, suspect_threshold: 4, interval: 250ms}");
    if (const Field* t = d.find("threshold")) mech.detector.threshold = number(*t, 0, 1000, true);
    if (const Field* t = d.find("suspect_threshold")) mech.detector.suspectThreshold = number(*t, 0, 1000, true);
    if (const Field* i = d.find("interval")) mech.detectorInterval = duration(*i, Duration{0}, kMinute, true);
    if (mech.detector.suspectThreshold > mech.detector.threshold) {
      const Field* t = d.find("suspect_threshold");
      if (t == nullptr) t = d.find("threshold");
      fail(t->at, t->path, "suspect_threshold must not be above threshold");
    }
  }
  {
    const MapView h = section("hinted_handoff", kHintKeys, mech.hintedHandoff,
                              "true, false, or {hint_after: 100ms, replay_interval: 1s, max_hints: 10000}");
    if (const Field* a = h.find("hint_after")) mech.hintAfter = duration(*a, Duration{0}, kMinute, true);
    if (const Field* r = h.find("replay_interval")) mech.hintReplayInterval = duration(*r, Duration{0}, kMinute, true);
    if (const Field* n = h.find("max_hints")) mech.maxHints = integer(*n, 1, 100'000'000);
    if (const Field* b = h.find("replay_batch")) mech.hintReplayBatch = integer(*b, 1, 1'000'000);
  }
  {
    const MapView r = section("read_repair", kReadRepairKeys, mech.readRepair, "true, false, or {probability: 0.1}");
    if (const Field* p = r.find("probability")) mech.readRepairProbability = number(*p, 0, 1);
  }
  {
    const MapView a =
        section("anti_entropy", kAntiEntropyKeys, mech.antiEntropy, "true, false, or {interval: 250ms, depth: 8}");
    if (const Field* i = a.find("interval")) mech.antiEntropyInterval = duration(*i, Duration{0}, kMinute, true);
    if (const Field* d = a.find("depth")) mech.merkleDepth = static_cast<unsigned>(integer(*d, 0, 16));
  }
}

// --- network ----------------------------------------------------------------------------------------------------

void ScenarioParser::parseNetwork(const Field& f, NetworkConfig& network) {
  const MapView m = mapping(f, kNetworkKeys, "a mapping of network settings");
  if (const Field* l = m.find("latency")) network.latency = latency(*l);
  if (const Field* byKind = m.find("latency_by_kind")) {
    const MapView kinds = mapping(*byKind, kMessageKindNames, "a mapping from message kinds to latencies");
    for (const MapEntry& entry : kinds.entries) {
      const std::optional<MessageKind> kind = parseMessageKind(entry.key);
      network.latencyByKind[static_cast<std::size_t>(*kind)] = latency(entry.value);
    }
  }
  if (const Field* l = m.find("loss")) network.loss = number(*l, 0, 1);
  if (const Field* d = m.find("duplication")) network.duplication = number(*d, 0, 1);
  if (const Field* linksField = m.find("links")) {
    std::map<std::pair<NodeId, NodeId>, std::string> seen;  // link -> the path that set it
    for (const Field& item : list(*linksField, "a list of link settings such as {from: n1, to: n2, latency: 20ms}")) {
      const MapView link = mapping(item, kLinkKeys, "a mapping such as {from: n1, to: n2, latency: 20ms}");
      const NodeId from = node(require(link, "from", "the sending node, as in 'from: n1'"));
      const Field& toField = require(link, "to", "the receiving node, as in 'to: n2'");
      const NodeId to = node(toField);
      if (from == to) failExpected(toField, fmt::format("a node other than 'from' ({})", nodeName(from)));
      bool bothWays = true;
      if (const Field* b = link.find("both_ways")) bothWays = boolean(*b);
      LinkSettings settings;
      if (const Field* l = link.find("latency")) settings.latency = latency(*l);
      if (const Field* l = link.find("loss")) settings.loss = number(*l, 0, 1);
      if (!settings.latency && !settings.loss) {
        fail(item.at, item.path, "expected at least one of latency or loss, got neither");
      }
      std::vector<std::pair<NodeId, NodeId>> directed = {{from, to}};
      if (bothWays) directed.emplace_back(to, from);
      for (const auto& key : directed) {
        if (const auto it = seen.find(key); it != seen.end()) {
          fail(item.at, item.path,
               fmt::format("the link {} -> {} is already set by {}", nodeName(key.first), nodeName(key.second),
                           it->second));
        }
        seen.emplace(key, item.path);
        network.links[key] = settings;
      }
    }
  }
}

LatencyDistribution ScenarioParser::latency(const Field& f, int depth, double* weight) {
  constexpr std::string_view kExpected =
      "a latency: a duration such as 2ms, or a mapping such as {dist: "
      "exponential, mean: 2ms}";
  const bool isPart = weight != nullptr;
  if (f.node.IsScalar() && !isPart) {
    return LatencyDistribution::constant(duration(f, Duration{0}, kOneHour));
  }
  if (!f.node.IsMap()) {
    failExpected(f, isPart ? "a mapping with a weight and a distribution, such as {weight: 0.9, dist: constant, "
                             "value: 1ms}"
                           : kExpected);
  }
  // Which distribution? Known before the keys are checked against its parameters.
  std::optional<std::string> distName;
  for (auto it = f.node.begin(); it != f.node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == "dist" && it->second.IsScalar()) {
      distName = it->second.Scalar();
    }
  }
  std::vector<std::string_view> allowed = {"dist"};
  if (distName == "constant") {
    allowed.insert(allowed.end(), {"value"});
  } else if (distName == "uniform") {
    allowed.insert(allowed.end(), {"min", "max"});
  } else if (distName == "normal") {
    allowed.insert(allowed.end(), {"mean", "stddev"});
  } else if (distName == "exponential") {
    allowed.insert(allowed.end(), {"mean"});
  } else if (distName == "pareto") {
    allowed.insert(allowed.end(), {"scale", "shape"});
  } else if (distName == "lognormal") {
    allowed.insert(allowed.end(), {"median", "sigma"});
  } else if (distName == "mixture") {
    allowed.insert(allowed.end(), {"parts"});
  } else {
    // Unknown or missing: check the keys against every distribution's first, so a typo of 'dist' reads as one.
    std::vector<std::string_view> all(kAllDistKeys.begin(), kAllDistKeys.end());
    if (!isPart) all.erase(std::find(all.begin(), all.end(), "weight"));
    const MapView any = mapping(f, all, "a mapping");
    const Field* d = any.find("dist");
    if (d == nullptr) failMissing(any, "dist", fmt::format("the distribution: one of {}", joinNames(kDistNames)));
    failExpected(*d, fmt::format("a distribution name: one of {}", joinNames(kDistNames)));
  }
  allowed.push_back("shift");
  if (isPart) allowed.push_back("weight");
  const MapView m = mapping(f, allowed, "a mapping");
  const auto param = [&](std::string_view key) -> Duration {
    return duration(require(m, key, fmt::format("the {} of a {} distribution", key, *distName)), Duration{0}, kOneHour);
  };

  LatencyDistribution dist;
  if (*distName == "constant") {
    dist = LatencyDistribution::constant(param("value"));
  } else if (*distName == "uniform") {
    const Duration lo = param("min");
    const Duration hi = param("max");
    if (lo > hi) {
      const Field& maxField = *m.find("max");
      const Field& minField = *m.find("min");
      if (isAfter(minField.at, maxField.at)) {
        failExpected(minField, fmt::format("a minimum no larger than max ({})", maxField.node.Scalar()));
      }
      failExpected(maxField, fmt::format("a maximum no smaller than min ({})", minField.node.Scalar()));
    }
    dist = LatencyDistribution::uniform(lo, hi);
  } else if (*distName == "normal") {
    dist = LatencyDistribution::normal(param("mean"), param("stddev"));
  } else if (*distName == "exponential") {
    dist = LatencyDistribution::exponential(param("mean"));
  } else if (*distName == "pareto") {
    const Duration scale = param("scale");
    dist = LatencyDistribution::pareto(scale, anyNumber(require(m, "shape", "the shape of a pareto distribution")));
  } else if (*distName == "lognormal") {
    const Duration median = param("median");
    dist =
        LatencyDistribution::lognormal(median, anyNumber(require(m, "sigma", "the sigma of a lognormal distribution")));
  } else {
    if (depth >= kMaxMixtureDepth) fail(f.at, f.path, fmt::format("mixtures nest deeper than {}", kMaxMixtureDepth));
    const Field& partsField = require(m, "parts", "the list of parts of a mixture distribution");
    const std::vector<Field> partFields = list(partsField, "a non-empty list of weighted distributions");
    if (partFields.empty()) failExpected(partsField, "a non-empty list of weighted distributions");
    if (partFields.size() > kMaxMixtureParts) {
      failExpected(partsField, fmt::format("at most {} parts", kMaxMixtureParts));
    }
    std::vector<std::pair<double, LatencyDistribution>> parts;
    for (const Field& partField : partFields) {
      double partWeight = 0;
      LatencyDistribution part = latency(partField, depth + 1, &partWeight);
      parts.emplace_back(partWeight, std::move(part));
    }
    dist = LatencyDistribution::mixture(std::move(parts));
  }
  if (const Field* s = m.find("shift")) dist = dist.plus(duration(*s, Duration{0}, kOneHour));
  if (isPart) {
    *weight = number(require(m, "weight", "the part's weight, a number > 0"), 0, kUnbounded, true);
  }
  if (Status s = dist.validate(); !s.isOk()) fail(f.at, f.path, s.message());
  return dist;
}

// --- workloads --------------------------------------------------------------------------------------------------

void ScenarioParser::parseWorkloads(const Field& f, std::vector<WorkloadConfig>& workloads) {
  if (f.node.IsSequence()) {
    const std::vector<Field> items = list(f, "a list of workloads");
    if (items.empty()) failExpected(f, "a workload mapping or a non-empty list of them (leave the key out for none)");
    for (const Field& item : items) workloads.push_back(parseWorkload(item));
    return;
  }
  if (!f.node.IsMap()) failExpected(f, "a workload mapping or a list of them");
  workloads.push_back(parseWorkload(f));
}

WorkloadConfig ScenarioParser::parseWorkload(const Field& f) {
  const MapView m = mapping(f, kWorkloadKeys, "a workload mapping");
  WorkloadConfig w;
  std::string_view modelName = "open_loop";
  if (const Field* model = m.find("model")) {
    const std::string& name = scalar(*model, "open_loop or closed_loop");
    if (name == "open_loop") {
      w.model = LoadModel::kOpenLoop;
    } else if (name == "closed_loop") {
      w.model = LoadModel::kClosedLoop;
      modelName = "closed_loop";
    } else {
      failExpected(*model, "open_loop or closed_loop");
    }
  }
  const auto onlyFor = [&](const Field& field, LoadModel model, std::string_view name) {
    if (w.model == model) return;
    fail(field.at, field.path, fmt::format("only applies to 'model: {}'; this workload is {}", name, modelName));
  };
  if (const Field* r = m.find("rate")) {
    onlyFor(*r, LoadModel::kOpenLoop, "open_loop");
    w.ratePerSecond = rate(*r);
  }
  if (const Field* c = m.find("clients")) {
    onlyFor(*c, LoadModel::kClosedLoop, "closed_loop");
    w.clients = integer(*c, 1, 100'000);
  }
  if (const Field* t = m.find("think_time")) {
    onlyFor(*t, LoadModel::kClosedLoop, "closed_loop");
    w.thinkTime = duration(*t, Duration{0}, kOneHour);
  }
  const Field* readField = m.find("read_ratio");
  const Field* deleteField = m.find("delete_ratio");
  if (readField != nullptr) w.readRatio = number(*readField, 0, 1);
  if (deleteField != nullptr) w.deleteRatio = number(*deleteField, 0, 1);
  if (const Field* i = m.find("increment_ratio")) {
    w.incrementRatio = number(*i, 0, 1);
    if (w.readRatio + w.deleteRatio + w.incrementRatio > 1 + 1e-12) {
      fail(i->at, i->path,
           fmt::format("read_ratio ({}) + delete_ratio ({}) + increment_ratio ({}) must not exceed 1",
                       formatNumber(w.readRatio), formatNumber(w.deleteRatio), formatNumber(w.incrementRatio)));
    }
  }
  if (const Field* c = m.find("counter")) {
    const std::string& name = scalar(*c, "crdt or register");
    if (name == "crdt") {
      w.counter = WorkloadConfig::Counter::kCrdt;
    } else if (name == "register") {
      w.counter = WorkloadConfig::Counter::kRegister;
    } else {
      failExpected(*c, "crdt or register");
    }
  }
  if (const Field* b = m.find("blind_ratio")) w.blindRatio = number(*b, 0, 1);
  if (const Field* r = m.find("routing")) w.routing = routing(*r);
  if (w.readRatio + w.deleteRatio > 1 + 1e-12) {
    const Field* later = readField == nullptr                                                ? deleteField
                         : deleteField == nullptr || isAfter(readField->at, deleteField->at) ? readField
                                                                                             : deleteField;
    fail(later->at, later->path,
         fmt::format("read_ratio ({}{}) + delete_ratio ({}{}) must not exceed 1", formatNumber(w.readRatio),
                     readField == nullptr ? ", the default" : "", formatNumber(w.deleteRatio),
                     deleteField == nullptr ? ", the default" : ""));
  }
  if (const Field* k = m.find("keys")) w.keys = parseKeys(*k);
  if (const Field* v = m.find("value_size")) {
    const std::string limit = fmt::format("a value size of at most {} (the largest value a workload writes)",
                                          formatScenarioSize(kMaxWorkloadValueBytes));
    if (v->node.IsMap()) {
      const MapView sizes = mapping(*v, kMinMaxKeys, "a mapping such as {min: 100B, max: 1KiB}");
      const Field& minField = require(sizes, "min", "the smallest value size, as in 'min: 100B'");
      const Field& maxField = require(sizes, "max", "the largest value size, as in 'max: 1KiB'");
      w.valueBytesMin = size(minField, 0, kMaxWorkloadValueBytes, limit);
      w.valueBytesMax = size(maxField, 0, kMaxWorkloadValueBytes, limit);
      if (w.valueBytesMin > w.valueBytesMax) {
        if (isAfter(minField.at, maxField.at)) {
          failExpected(minField, fmt::format("a minimum no larger than max ({})", maxField.node.Scalar()));
        }
        failExpected(maxField, fmt::format("a maximum no smaller than min ({})", minField.node.Scalar()));
      }
    } else if (v->node.IsScalar()) {
      w.valueBytesMin = w.valueBytesMax = size(*v, 0, kMaxWorkloadValueBytes, limit);
    } else {
      failExpected(*v, "a size such as 100B, or a mapping such as {min: 100B, max: 1KiB}");
    }
  }
  const Field* startField = m.find("start");
  const Field* stopField = m.find("stop");
  if (startField != nullptr) {
    const Duration start = duration(*startField, Duration{0}, kMaxScenarioDuration);
    if (start >= m_duration) {
      failExpected(*startField,
                   fmt::format("a time before the end of the scenario (at least 0s, less than {})", m_durationText));
    }
    w.start = TimePoint{start};
  }
  if (stopField != nullptr) {
    const Duration stop = duration(*stopField, Duration{0}, kMaxScenarioDuration);
    if (TimePoint{stop} <= w.start) {
      if (startField != nullptr && isAfter(startField->at, stopField->at)) {
        failExpected(*startField, fmt::format("a start before stop ({})", stopField->node.Scalar()));
      }
      failExpected(*stopField, fmt::format("a time after start ({})", formatScenarioDuration(w.start.sinceStart)));
    }
    w.stop = TimePoint{stop};
  }
  if (Status s = w.validate(); !s.isOk()) fail(f.at, f.path, s.message());
  return w;
}

KeyDistribution ScenarioParser::parseKeys(const Field& f) {
  const MapView m = mapping(f, kKeysKeys, "a mapping such as {count: 10000, distribution: zipf}");
  std::uint64_t count = 1000;
  if (const Field* c = m.find("count")) count = integer(*c, 1, 100'000'000);
  std::string_view dist = "uniform";
  if (const Field* d = m.find("distribution")) {
    const std::string& name = scalar(*d, "uniform, zipf or hotspot");
    if (name == "uniform") {
      dist = "uniform";
    } else if (name == "zipf" || name == "zipfian") {
      dist = "zipf";
    } else if (name == "hotspot") {
      dist = "hotspot";
    } else {
      failExpected(*d, "uniform, zipf or hotspot");
    }
  }
  const auto param = [&](std::string_view key, std::string_view owner) -> const Field* {
    const Field* field = m.find(key);
    if (field != nullptr && dist != owner) {
      fail(field->at, field->path, fmt::format("only applies to 'distribution: {}'; these keys are {}", owner, dist));
    }
    return field;
  };
  const Field* theta = param("theta", "zipf");
  const Field* scrambled = param("scrambled", "zipf");
  const Field* hotKeys = param("hot_keys", "hotspot");
  const Field* hotOps = param("hot_ops", "hotspot");
  if (dist == "zipf") {
    return KeyDistribution::zipfian(count, theta ? number(*theta, 0, 1e6, true) : 0.99,
                                    scrambled ? boolean(*scrambled) : true);
  }
  if (dist == "hotspot") {
    return KeyDistribution::hotspot(count, hotKeys ? number(*hotKeys, 0, 1, true) : 0.01,
                                    hotOps ? number(*hotOps, 0, 1, true) : 0.9);
  }
  return KeyDistribution::uniform(count);
}

// --- timeline ---------------------------------------------------------------------------------------------------

void ScenarioParser::parseTimeline(const Field& f, std::vector<TimelineEntry>& timeline) {
  // Nodes added by the timeline may be named in it: accept their names here; checkTimeline then verifies, in time
  // order, that a node exists (was added before) wherever it is named.
  m_initialNodeCount = m_nodeCount;
  if (f.node.IsSequence()) {
    for (const auto& item : f.node) {
      if (item.IsMap() && item["add_node"]) ++m_nodeCount;
    }
  }
  std::vector<PendingEntry> pending;
  for (const Field& item : list(f, "a list of timeline entries such as {at: 10s, crash: n3}")) {
    pending.push_back(parseEntry(item));
  }
  std::vector<PendingEntry*> order;
  order.reserve(pending.size());
  for (PendingEntry& p : pending) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(),
                   [](const PendingEntry* a, const PendingEntry* b) { return a->entry.at < b->entry.at; });
  checkTimeline(order);
  timeline.reserve(timeline.size() + order.size());
  for (PendingEntry* p : order) timeline.push_back(std::move(p->entry));
}

PendingEntry ScenarioParser::parseEntry(const Field& f) {
  const MapView m = mapping(f, kTimelineKeys, "a timeline entry such as {at: 10s, crash: n3}");
  PendingEntry p;
  p.entry.where = f.at;
  const Field& atField = require(m, "at", "the time of the entry, as in 'at: 10s'");
  const Duration at = duration(atField, Duration{0}, kMaxScenarioDuration);
  if (at > m_duration) {
    failExpected(atField, fmt::format("a time within the scenario's duration (0s to {})", m_durationText));
  }
  p.entry.at = TimePoint{at};
  bool narration = false;
  for (const MapEntry& entry : m.entries) {
    if (entry.key == "at") continue;
    if (entry.key == "say") {
      p.entry.say = text(entry.value, false);
      narration = true;
    } else if (entry.key == "pause") {
      p.entry.pause = boolean(entry.value);
      narration = true;
    } else if (entry.key == "focus") {
      p.entry.focus = parseFocus(entry.value);
      p.focusField = entry.value;
      narration = true;
    } else {
      p.entry.actions.push_back(parseAction(entry.key, entry.value));
      p.actionFields.push_back(entry.value);
    }
  }
  if (p.entry.actions.empty() && !narration) {
    fail(f.at, f.path,
         fmt::format("expected an action ({}) or say/pause/focus, got only 'at'", joinNames(kActionKeys, " or ")));
  }
  return p;
}

NarrationFocus ScenarioParser::parseFocus(const Field& f) {
  constexpr std::string_view kShape = "a mapping such as {node: n7, view: fibers} or {key: \"key:00000042\"}";
  const MapView m = mapping(f, kFocusKeys, kShape);
  NarrationFocus focus;
  if (const Field* n = m.find("node")) focus.node = node(*n);
  if (const Field* k = m.find("key")) focus.key = text(*k, true);
  if (const Field* v = m.find("view")) {
    const std::string expected = fmt::format("a view name: one of {}", joinNames(kFocusViewNames));
    focus.view = parseFocusView(scalar(*v, expected));
    if (!focus.view) failExpected(*v, expected);
  }
  if (const Field* c = m.find("chart")) {
    const std::string expected = fmt::format("a chart name: one of {}", joinNames(kFocusChartNames));
    focus.chart = parseFocusChart(scalar(*c, expected));
    if (!focus.chart) failExpected(*c, expected);
  }
  if (!focus.node && !focus.key && !focus.view && !focus.chart) {
    fail(f.at, f.path, "expected at least one of node, key, view or chart, got none");
  }
  return focus;
}

ScenarioAction ScenarioParser::parseAction(std::string_view key, const Field& f) {
  if (key == "add_node") {
    if (!boolean(f)) failExpected(f, "true (add_node: true adds the next node)");
    return AddNodeAction{};
  }
  if (key == "decommission") return DecommissionAction{node(f)};
  if (key == "remove_node") return RemoveNodeAction{node(f)};
  if (key == "crash") return CrashAction{node(f)};
  if (key == "wipe") return WipeAction{node(f)};
  if (key == "restart") {
    if (f.node.IsMap()) {
      const MapView m = mapping(f, kRestartKeys, "a node name, or a mapping such as {node: n3, wipe: true}");
      RestartAction action{node(require(m, "node", "the node to restart, as in 'node: n3'"))};
      if (const Field* w = m.find("wipe")) action.wipe = boolean(*w);
      return action;
    }
    if (!f.node.IsScalar()) failExpected(f, "a node name, or a mapping such as {node: n3, wipe: true}");
    return RestartAction{node(f)};
  }
  if (key == "partition") {
    constexpr std::string_view kShape = "a list of at least 2 groups of nodes, such as [[n1, n2], [n3]]";
    PartitionAction action;
    std::map<NodeId, std::string> seen;  // node -> the group path it is in
    const std::vector<Field> groups = list(f, kShape);
    for (const Field& group : groups) {
      std::vector<NodeId> members;
      std::vector<Field> memberFields;
      if (group.node.IsScalar()) {
        memberFields.push_back(group);  // a lone node name is a one-node group
      } else {
        memberFields = list(group, "a group: a list of node names such as [n1, n2], or one node name");
        if (memberFields.empty()) failExpected(group, "a non-empty group of nodes");
      }
      for (const Field& member : memberFields) {
        const NodeId id = node(member);
        if (const auto it = seen.find(id); it != seen.end()) {
          fail(member.at, member.path,
               fmt::format("{} is already in {}; a node can be in one group only", nodeName(id), it->second));
        }
        seen.emplace(id, group.path);
        members.push_back(id);
      }
      action.groups.push_back(std::move(members));
    }
    if (action.groups.size() < 2) {
      fail(f.at, f.path, fmt::format("expected at least 2 groups of nodes, got {}", action.groups.size()));
    }
    return action;
  }
  if (key == "cut") {
    const MapView m = mapping(f, kCutKeys, "a mapping such as {from: n1, to: n2}");
    const NodeId from = node(require(m, "from", "the sending node, as in 'from: n1'"));
    const Field& toField = require(m, "to", "the receiving node, as in 'to: n2'");
    const NodeId to = node(toField);
    if (from == to) failExpected(toField, fmt::format("a node other than 'from' ({})", nodeName(from)));
    return CutLinkAction{from, to};
  }
  if (key == "heal") {
    if (!boolean(f)) failExpected(f, "true (heal: true restores every link)");
    return HealAction{};
  }
  if (key == "link") {
    const MapView m = mapping(f, kLinkKeys, "a mapping such as {from: n1, to: n2, latency: 50ms}");
    LinkAction action;
    action.from = node(require(m, "from", "the sending node, as in 'from: n1'"));
    const Field& toField = require(m, "to", "the receiving node, as in 'to: n2'");
    action.to = node(toField);
    if (action.from == action.to) {
      failExpected(toField, fmt::format("a node other than 'from' ({})", nodeName(action.from)));
    }
    if (const Field* b = m.find("both_ways")) action.bothWays = boolean(*b);
    if (const Field* l = m.find("latency")) action.latency = latency(*l);
    if (const Field* l = m.find("loss")) action.loss = number(*l, 0, 1);
    if (!action.latency && !action.loss) fail(f.at, f.path, "expected at least one of latency or loss, got neither");
    return action;
  }
  if (key == "network") {
    const MapView m = mapping(f, kNetworkActionKeys, "a mapping such as {latency: 5ms, loss: 0.01}");
    NetworkAction action;
    if (const Field* l = m.find("latency")) action.latency = latency(*l);
    if (const Field* l = m.find("loss")) action.loss = number(*l, 0, 1);
    if (!action.latency && !action.loss) fail(f.at, f.path, "expected at least one of latency or loss, got neither");
    return action;
  }
  if (key == "slow") {
    const MapView m = mapping(f, kSlowKeys, "a mapping such as {node: n2, factor: 10}");
    SlowNodeAction action;
    action.node = node(require(m, "node", "the node to slow down, as in 'node: n2'"));
    action.factor =
        number(require(m, "factor", "the CPU cost multiplier, as in 'factor: 10' (1 restores)"), 0, 1000, true);
    return action;
  }
  if (key == "workload") {
    if (m_workloadCount == 0) fail(f.at, f.path, "there is no workload to change; add a 'workload' section");
    const MapView m = mapping(f, kWorkloadActionKeys, "a mapping such as {rate: 5000/s, read_ratio: 0.5}");
    WorkloadAction action;
    if (const Field* r = m.find("rate")) action.ratePerSecond = rate(*r);
    if (const Field* r = m.find("read_ratio")) action.readRatio = number(*r, 0, 1);
    if (const Field* d = m.find("delete_ratio")) action.deleteRatio = number(*d, 0, 1);
    if (const Field* k = m.find("keys")) action.keys = parseKeys(*k);
    if (const Field* r = m.find("routing")) action.routing = routing(*r);
    if (!action.ratePerSecond && !action.readRatio && !action.deleteRatio && !action.keys && !action.routing) {
      fail(f.at, f.path, "expected at least one of rate, read_ratio, delete_ratio, keys or routing, got none");
    }
    return action;
  }
  // The only key left is quorum (every action key is handled above; mapping() rejected the rest). The values are
  // checked against N and the running nodes in checkTimeline, which knows both at the entry's time.
  const MapView m = mapping(f, kQuorumKeys, "a mapping such as {r: 1, w: 1} or {n: 5, r: 3, w: 3}");
  QuorumAction action;
  if (const Field* n = m.find("n")) action.n = integer(*n);
  if (const Field* r = m.find("r")) action.r = integer(*r);
  if (const Field* w = m.find("w")) action.w = integer(*w);
  if (!action.r && !action.w && !action.n) fail(f.at, f.path, "expected at least one of n, r or w, got none");
  return action;
}

// Walks the sorted timeline checking what depends on earlier entries: crash only running nodes, restart only crashed
// ones, keep every workload's read_ratio + delete_ratio at most 1, and keep 1 <= R, W <= N <= running nodes.
void ScenarioParser::checkTimeline(const std::vector<PendingEntry*>& entries) {
  std::vector<bool> running(m_nodeCount, true);
  std::size_t existing = m_initialNodeCount;   // nodes n1..n<existing> exist at the current point in time
  std::vector<bool> gone(m_nodeCount, false);  // decommissioned or removed
  const auto nodesNamed = [](const ScenarioAction& action) {
    std::vector<NodeId> named;
    std::visit(
        [&](const auto& a) {
          using A = std::decay_t<decltype(a)>;
          if constexpr (requires { a.node; }) named.push_back(a.node);
          if constexpr (std::is_same_v<A, CutLinkAction> || std::is_same_v<A, LinkAction>) {
            named.push_back(a.from);
            named.push_back(a.to);
          }
          if constexpr (std::is_same_v<A, PartitionAction>) {
            for (const auto& group : a.groups) named.insert(named.end(), group.begin(), group.end());
          }
        },
        action);
    return named;
  };
  std::vector<std::pair<double, double>> mix = m_workloadMix;
  QuorumConfig quorum = m_quorum;
  std::map<std::pair<NodeId, NodeId>, int> cutAt;  // links cut and not healed -> the line that cut them
  std::vector<std::pair<double, int>> slowed(m_nodeCount, {1.0, 0});  // CPU factor in force and the line that set it
  const auto runningCount = [&] {
    std::size_t count = 0;
    for (std::size_t i = 0; i < existing; ++i) count += running[i] && !gone[i] ? 1 : 0;
    return count;
  };
  for (const PendingEntry* p : entries) {
    const std::string at = formatScenarioDuration(p->entry.at.sinceStart);
    for (std::size_t i = 0; i < p->entry.actions.size(); ++i) {
      const Field& f = p->actionFields[i];
      const ScenarioAction& action = p->entry.actions[i];
      for (NodeId named : nodesNamed(action)) {
        if (named >= existing) {
          fail(f.at, f.path,
               fmt::format("{} does not exist yet at {} (only n1..n{}; add_node adds the next one)", nodeName(named),
                           at, existing));
        }
        if (gone[named]) fail(f.at, f.path, fmt::format("{} has left the cluster before {}", nodeName(named), at));
      }
      if (std::holds_alternative<AddNodeAction>(action)) {
        ++existing;
        continue;
      }
      if (const auto* leave = std::get_if<DecommissionAction>(&action)) {
        if (!running[leave->node]) {
          fail(f.at, f.path,
               fmt::format("expected a running node, but {} is down at {} (take a crashed node out with "
                           "'remove_node: {}')",
                           nodeName(leave->node), at, nodeName(leave->node)));
        }
        gone[leave->node] = true;
        continue;
      }
      if (const auto* remove = std::get_if<RemoveNodeAction>(&action)) {
        if (running[remove->node]) {
          fail(f.at, f.path,
               fmt::format("expected a crashed node, but {} is running at {} (decommission a running node with "
                           "'decommission: {}')",
                           nodeName(remove->node), at, nodeName(remove->node)));
        }
        gone[remove->node] = true;
        continue;
      }
      if (const auto* crash = std::get_if<CrashAction>(&action)) {
        if (!running[crash->node]) {
          fail(f.at, f.path,
               fmt::format("expected a running node, but {} is already down at {}", nodeName(crash->node), at));
        }
        running[crash->node] = false;
      } else if (const auto* restart = std::get_if<RestartAction>(&action)) {
        if (running[restart->node]) {
          fail(f.at, f.path,
               fmt::format("expected a crashed node, but {} is running at {} (to wipe a running node, use "
                           "'wipe: {}')",
                           nodeName(restart->node), at, nodeName(restart->node)));
        }
        running[restart->node] = true;
      } else if (const auto* wipe = std::get_if<WipeAction>(&action)) {
        if (!running[wipe->node]) {
          fail(f.at, f.path,
               fmt::format("expected a running node, but {} is down at {} (to bring it back empty, use "
                           "'restart: {{node: {}, wipe: true}}')",
                           nodeName(wipe->node), at, nodeName(wipe->node)));
        }
      } else if (const auto* partition = std::get_if<PartitionAction>(&action)) {
        for (std::size_t g = 0; g < partition->groups.size(); ++g) {
          for (std::size_t h = 0; h < partition->groups.size(); ++h) {
            if (g == h) continue;
            for (NodeId a : partition->groups[g]) {
              for (NodeId b : partition->groups[h]) cutAt.try_emplace({a, b}, f.at.line);
            }
          }
        }
      } else if (const auto* cut = std::get_if<CutLinkAction>(&action)) {
        if (auto it = cutAt.find({cut->from, cut->to}); it != cutAt.end()) {
          warn(f.at, f.path,
               fmt::format("the link {} -> {} is already cut at {} (by line {}, with no heal since), so this cuts "
                           "nothing new",
                           nodeName(cut->from), nodeName(cut->to), at, it->second));
        } else {
          cutAt.emplace(std::make_pair(cut->from, cut->to), f.at.line);
        }
      } else if (std::holds_alternative<HealAction>(action)) {
        if (cutAt.empty()) {
          warn(f.at, f.path,
               fmt::format("nothing is cut at {} (no partition or cut before it that is not healed "
                           "already), so this heals nothing",
                           at));
        }
        cutAt.clear();
      } else if (const auto* slow = std::get_if<SlowNodeAction>(&action)) {
        auto& [factor, line] = slowed[slow->node];
        if (slow->factor == factor) {
          warn(f.at, f.path,
               factor == 1.0
                   ? fmt::format("{} is not slowed at {}, so factor 1 restores nothing", nodeName(slow->node), at)
                   : fmt::format("{} already runs with factor {} at {} (set by line {}), so this changes "
                                 "nothing",
                                 nodeName(slow->node), formatNumber(factor), at, line));
        }
        factor = slow->factor;
        line = f.at.line;
      } else if (const auto* q = std::get_if<QuorumAction>(&action)) {
        checkQuorumAction(*q, f, at, runningCount(), quorum);
      } else if (const auto* change = std::get_if<WorkloadAction>(&action)) {
        for (std::size_t w = 0; w < mix.size(); ++w) {
          if (change->readRatio) mix[w].first = *change->readRatio;
          if (change->deleteRatio) mix[w].second = *change->deleteRatio;
          if (mix[w].first + mix[w].second > 1 + 1e-12) {
            fail(f.at, f.path,
                 fmt::format("read_ratio ({}) + delete_ratio ({}) would exceed 1 for {}", formatNumber(mix[w].first),
                             formatNumber(mix[w].second),
                             mix.size() == 1 ? std::string("the workload") : element("workload", w)));
          }
        }
      }
    }
    // The focus is applied after the entry's actions: it may point at a node the same entry adds.
    if (p->entry.focus && p->entry.focus->node && p->focusField) {
      const NodeId named = *p->entry.focus->node;
      const YAML::Node value = p->focusField->node["node"];
      const Field f{child(p->focusField->path, "node"), value, locationOf(value, p->focusField->at)};
      if (named >= existing) {
        fail(f.at, f.path,
             fmt::format("{} does not exist yet at {} (only n1..n{}; add_node adds the next one)", nodeName(named), at,
                         existing));
      }
      if (gone[named]) fail(f.at, f.path, fmt::format("{} has left the cluster before {}", nodeName(named), at));
    }
  }
}

// Checks a quorum change against N (the new one, or the one in force) and the nodes running at `at`, then applies it
// to `quorum`.
void ScenarioParser::checkQuorumAction(const QuorumAction& action, const Field& f, std::string_view at,
                                       std::size_t running, QuorumConfig& quorum) {
  const auto sub = [&](std::string_view key) {
    const YAML::Node& map = f.node;
    const YAML::Node value = map[std::string(key)];
    return Field{child(f.path, key), value, locationOf(value, f.at)};
  };
  QuorumConfig next = quorum;
  if (action.n) {
    next.n = *action.n;
    if (next.n < 1 || next.n > running) {
      const Field n = sub("n");
      fail(n.at, n.path,
           fmt::format("N ({}) must be between 1 and the number of nodes running at {} ({})", next.n, at, running));
    }
  }
  for (const char name : {'r', 'w'}) {
    const std::optional<std::size_t>& given = name == 'r' ? action.r : action.w;
    const char upper = static_cast<char>(name - 'a' + 'A');
    if (given) {
      if (*given < 1 || *given > next.n) {
        const Field field = sub(std::string(1, name));
        fail(field.at, field.path, fmt::format("{} ({}) must be between 1 and N ({})", upper, *given, next.n));
      }
      (name == 'r' ? next.r : next.w) = *given;
    } else if ((name == 'r' ? next.r : next.w) > next.n) {
      const Field n = sub("n");
      fail(n.at, n.path,
           fmt::format("N ({}) is smaller than {} ({}), which is in force at {}; set {} as well", next.n, upper,
                       name == 'r' ? next.r : next.w, at, name));
    }
  }
  quorum = next;
}

// --- expectations and quiesce -----------------------------------------------------------------------------------

void ScenarioParser::parseExpectations(const Field& f, std::vector<Expectation>& expectations) {
  const MapView m = anyKeyMapping(f, "a mapping from metric names to bounds, such as {lost_writes: 0}");
  std::array<std::string_view, kExpectMetrics.size()> names{};
  for (std::size_t i = 0; i < kExpectMetrics.size(); ++i) names[i] = kExpectMetrics[i].name;
  for (const MapEntry& entry : m.entries) {
    const std::optional<ExpectMetric> metric = parseExpectMetric(entry.key);
    if (!metric) {
      fail(entry.keyAt, entry.value.path,
           fmt::format("unknown metric{}; expected one of {}", suggestion(entry.key, names), joinNames(names)));
    }
    const ExpectMetricInfo& info = metricInfo(*metric);
    const auto bound = [&](const Field& v) -> double {
      if (info.duration) {
        return static_cast<double>(duration(v, Duration{0}, kMaxScenarioDuration).count());
      }
      if (info.fraction) return number(v, 0, 1);
      return number(v, 0, kUnbounded);
    };
    Expectation e;
    e.metric = *metric;
    e.where = entry.keyAt;
    if (entry.value.node.IsMap()) {
      const MapView b = mapping(entry.value, kMinMaxKeys, "a bound, or a mapping such as {min: 0.99}");
      const Field* minField = b.find("min");
      const Field* maxField = b.find("max");
      if (minField == nullptr && maxField == nullptr) failExpected(entry.value, "at least one of min or max");
      if (minField != nullptr) e.min = bound(*minField);
      if (maxField != nullptr) e.max = bound(*maxField);
      if (e.min && e.max && *e.min > *e.max) {
        if (isAfter(minField->at, maxField->at)) {
          failExpected(*minField, fmt::format("a minimum no larger than max ({})", maxField->node.Scalar()));
        }
        failExpected(*maxField, fmt::format("a maximum no smaller than min ({})", minField->node.Scalar()));
      }
    } else if (entry.value.node.IsScalar()) {
      (info.higherIsBetter ? e.min : e.max) = bound(entry.value);
    } else {
      failExpected(entry.value, info.duration ? "a duration, or a mapping such as {max: 20s}"
                                              : "a number, or a mapping such as {min: 0.99}");
    }
    expectations.push_back(e);
  }
}

void ScenarioParser::parseQuiesce(const Field& f, QuiesceConfig& quiesce) {
  const MapView m = mapping(f, kQuiesceKeys, "a mapping such as {limit: 30s, check_every: 100ms}");
  if (const Field* l = m.find("limit")) quiesce.limit = duration(*l, Duration{0}, kOneHour, true);
  if (const Field* c = m.find("check_every")) quiesce.checkEvery = duration(*c, Duration{0}, kOneHour, true);
}

std::vector<Duration> ScenarioParser::parseStalenessBands(const Field& f) {
  const std::vector<Field> items = list(f, "a list of increasing durations such as [1ms, 5ms, 20ms]");
  if (items.size() > kMaxStalenessBandEdges) {
    failExpected(f, fmt::format("at most {} band edges", kMaxStalenessBandEdges));
  }
  std::vector<Duration> edges;
  for (const Field& item : items) {
    if (edges.empty()) {
      edges.push_back(duration(item, Duration{0}, kMaxScenarioDuration, true));
      continue;
    }
    const Duration edge = duration(item, Duration{0}, kMaxScenarioDuration, true);
    if (edge <= edges.back()) {
      failExpected(item, fmt::format("a duration above the edge before it ({})", formatScenarioDuration(edges.back())));
    }
    edges.push_back(edge);
  }
  return edges;
}

// Line `line` (1-based) of `text`, without its line break; empty when there is no such line.
std::string_view lineOf(std::string_view text, int line) {
  for (int i = 1; i < line; ++i) {
    const std::size_t next = text.find('\n');
    if (next == std::string_view::npos) return {};
    text.remove_prefix(next + 1);
  }
  return text.substr(0, std::min(text.find('\n'), text.size()));
}

// The number of the first line of `text` that is indented with a tab, or 0.
int firstLineIndentedWithTab(std::string_view text) {
  int line = 1;
  for (std::size_t start = 0; start < text.size(); ++line) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view l = text.substr(start, end - start);
    const std::size_t content = l.find_first_not_of(" \t");
    if (l.substr(0, content == std::string_view::npos ? l.size() : content).find('\t') != std::string_view::npos) {
      return line;
    }
    start = end + 1;
  }
  return 0;
}

// yaml-cpp's short syntax error (`what`, at 0-based `mark`) said in words a person who does not know YAML's grammar
// can act on: which line, and the usual causes (a tab, indentation, a missing space after ':', a value holding ': '
// that needs quotes, an unclosed bracket). The original wording is kept at the end for searching.
std::string explainYamlError(std::string_view text, const std::string& what, const YAML::Mark& mark) {
  const int line = mark.line >= 0 ? mark.line + 1 : 0;
  const std::string_view here = lineOf(text, line);
  const std::string_view before = line > 1 ? lineOf(text, line - 1) : std::string_view();
  std::string explanation;
  if (const int tabLine = firstLineIndentedWithTab(text); tabLine != 0 && (tabLine == line || tabLine == line - 1)) {
    explanation = fmt::format(
        "line {} is indented with a tab; YAML indents with spaces only, so replace the tab with spaces (two per "
        "level, lined up with the keys it belongs with)",
        tabLine);
  } else if (what == YAML::ErrorMsg::TAB_IN_INDENTATION) {
    explanation = "a line is indented with a tab; YAML indents with spaces only, so replace the tab with spaces";
  } else if (what == YAML::ErrorMsg::END_OF_MAP_FLOW || what == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
    const bool map = what == YAML::ErrorMsg::END_OF_MAP_FLOW;
    const std::size_t colon = here.find(": ");
    const bool secondColon = colon != std::string_view::npos && here.find(": ", colon + 2) != std::string_view::npos;
    explanation =
        fmt::format("a '{}' opened on or before this line is never closed with '{}'", map ? '{' : '[', map ? '}' : ']');
    if (secondColon) {
      explanation +=
          "; or a value holds ': ' (as in say: n3: down), which YAML reads as a new key: put such a value in "
          "quotes, as in say: \"n3: down\"";
    }
  } else if (what == YAML::ErrorMsg::MAP_VALUE) {
    const std::size_t colon = here.find(": ");
    if (colon != std::string_view::npos && here.find(": ", colon + 2) != std::string_view::npos) {
      explanation =
          "this line holds a second ': ' inside a value, which YAML reads as another key; put the value in quotes, "
          "as in say: \"n3: down\"";
    } else {
      explanation =
          "this line is indented differently from the keys around it (the keys of one mapping must start in the "
          "same column), so its ':' cannot start a value here; line it up with its neighbours";
    }
  } else if (what == YAML::ErrorMsg::END_OF_MAP || what == YAML::ErrorMsg::END_OF_SEQ) {
    explanation = fmt::format(
        "this line is indented less than the {} it belongs to, or more than the one before it; entries of one {} "
        "must start in the same column",
        what == YAML::ErrorMsg::END_OF_MAP ? "keys" : "list entries ('- ')",
        what == YAML::ErrorMsg::END_OF_MAP ? "mapping" : "list");
  } else if (what == YAML::ErrorMsg::BLOCK_ENTRY) {
    explanation = "a list entry ('- ') appears where a key was expected; check its indentation against the lines above";
  } else if (what == YAML::ErrorMsg::FLOW_END || what == YAML::ErrorMsg::UNKNOWN_TOKEN) {
    explanation = "a '}' or ']' here closes nothing that was opened; check the brackets on this line";
  } else if (what == YAML::ErrorMsg::EOF_IN_SCALAR) {
    explanation = "a quoted text is never closed: a quote mark (\" or ') is missing its partner";
  } else {
    explanation = "the file is not valid YAML here";
  }
  if (const std::string hint = missingSpaceHint(here.substr(std::min(here.find_first_not_of(" -"), here.size())));
      !hint.empty() && what != YAML::ErrorMsg::TAB_IN_INDENTATION) {
    explanation += "; also," + hint.substr(1, hint.size() - 2);
  } else if (before.find('\t') == std::string_view::npos && !here.empty()) {
    // Nothing more to add: the line itself is quoted below.
  }
  if (!here.empty()) explanation += fmt::format("; the line reads: {}", quote(here));
  return fmt::format("{} (YAML: {})", explanation, what);
}

// Checks that `text` is UTF-8 text before YAML reads it; returns the message for a binary or garbled file (a NUL
// byte, or bytes that are not UTF-8), empty when the text is fine.
std::string checkText(std::string_view text, std::string_view sourceName) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    if (c == 0) {
      return fmt::format(
          "{}:{}:{}: this is not a text file (byte {} is a NUL byte); a scenario is a YAML text file such as those "
          "in scenarios/",
          sourceName, line, column, i);
    }
    if (c < 0x80) {
      length = 1;
    } else {
      const auto cont = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
        return i + k < text.size() && static_cast<unsigned char>(text[i + k]) >= lo &&
               static_cast<unsigned char>(text[i + k]) <= hi;
      };
      if (c >= 0xc2 && c <= 0xdf && cont(1)) {
        length = 2;
      } else if (c >= 0xe0 && c <= 0xef && cont(1, c == 0xe0 ? 0xa0 : 0x80, c == 0xed ? 0x9f : 0xbf) && cont(2)) {
        length = 3;
      } else if (c >= 0xf0 && c <= 0xf4 && cont(1, c == 0xf0 ? 0x90 : 0x80, c == 0xf4 ? 0x8f : 0xbf) && cont(2) &&
                 cont(3)) {
        length = 4;
      } else {
        return fmt::format(
            "{}:{}:{}: the file is not UTF-8 text (byte {} is 0x{:02x}); save it as UTF-8 (a Latin-1 'é', say, must "
            "be re-encoded), or check that it is a scenario file at all",
            sourceName, line, column, i, c);
      }
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
  return {};
}

}  // namespace

// --- public functions -------------------------------------------------------------------------------------------

Result<ScenarioSpec> parseScenario(std::string_view yamlText, std::string_view sourceName) {
  if (const std::string garbled = checkText(yamlText, sourceName); !garbled.empty()) {
    return Status(ErrorCode::kInvalidArgument, garbled);
  }
  try {
    ScenarioParser parser(sourceName);
    return parser.parse(yamlText);
  } catch (const ScenarioError& e) {
    return Status(ErrorCode::kInvalidArgument, e.message);
  } catch (const YAML::Exception& e) {
    std::string where(sourceName);
    if (e.mark.line >= 0) where += fmt::format(":{}:{}", e.mark.line + 1, e.mark.column + 1);
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}: YAML syntax error: {}", where, explainYamlError(yamlText, e.msg, e.mark)));
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInvalidArgument, fmt::format("{}: cannot parse the scenario: {}", sourceName, e.what()));
  }
}

Result<ScenarioSpec> loadScenarioFile(const std::string& path) {
  constexpr std::size_t kMaxFileBytes = std::size_t{4} << 20;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Status(ErrorCode::kNotFound,
                  fmt::format("cannot read '{}': {}", path, std::error_code(errno, std::generic_category()).message()));
  }
  std::string text;
  char buffer[64 * 1024];
  bool tooLarge = false;
  while (true) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file);
    text.append(buffer, n);
    if (text.size() > kMaxFileBytes) {
      tooLarge = true;
      break;
    }
    if (n < sizeof buffer) break;
  }
  const int readError = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (readError != 0) {
    return Status(ErrorCode::kNotFound, fmt::format("cannot read '{}': {}", path,
                                                    std::error_code(readError, std::generic_category()).message()));
  }
  if (tooLarge) {
    return Status(ErrorCode::kTooLarge,
                  fmt::format("cannot read '{}': the file is larger than 4 MiB, the limit for a scenario file", path));
  }
  return parseScenario(text, path);
}

std::string formatTimelineEntry(const TimelineEntry& entry) {
  std::string actions;
  for (const auto& action : entry.actions) actions += (actions.empty() ? "" : ", ") + describeAction(action);
  return fmt::format("{:9.3f}s  {}{}{}{}", static_cast<double>(entry.at.nanos()) / 1e9, actions,
                     actions.empty() || entry.say.empty() ? "" : ": ", entry.say, entry.pause ? "  [pause]" : "");
}

std::optional<Duration> parseDuration(std::string_view text) {
  const std::optional<Decimal> number = readDecimal(text, true);
  if (!number) return std::nullopt;
  std::string_view unit = text.substr(number->end);
  if (unit.empty()) {
    if (number->isZero()) return Duration{0};  // 0 needs no unit
    return std::nullopt;
  }
  if (unit.front() == ' ') unit.remove_prefix(1);
  const std::optional<std::int64_t> scale = findUnit(kDurationUnits, unit);
  if (!scale) return std::nullopt;
  const Wide nanos = number->scaled(*scale);
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (nanos > kMax || nanos < -kMax) return std::nullopt;
  return Duration{static_cast<std::int64_t>(nanos)};
}

Result<std::vector<Duration>> parseStalenessBands(std::string_view text) {
  std::vector<Duration> edges;
  std::size_t index = 0;
  while (true) {
    const std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    ++index;
    const std::optional<Duration> edge = parseDuration(item);
    if (!edge) {
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("item {}: expected a duration with a unit such as 5ms, got '{}'", index, item));
    }
    edges.push_back(*edge);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (Status s = validateStalenessBandEdges(edges); !s.isOk()) return s;
  return edges;
}

std::optional<double> parseRate(std::string_view text) {
  const std::optional<Decimal> number = readDecimal(text, false);
  if (!number) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + number->end, value);
  if (ec != std::errc() || end != text.data() + number->end || !std::isfinite(value)) return std::nullopt;
  std::string_view rest = text.substr(number->end);
  if (rest.empty()) return value;
  if (rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty() || rest.front() != '/') return std::nullopt;
  rest.remove_prefix(1);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const std::optional<std::int64_t> scale = findUnit(kDurationUnits, rest);
  if (!scale) return std::nullopt;
  const double perSecond = value * static_cast<double>(kNanosPerSecond) / static_cast<double>(*scale);
  if (!std::isfinite(perSecond)) return std::nullopt;
  return perSecond;
}

std::optional<std::uint64_t> parseSize(std::string_view text) {
  const std::optional<Decimal> number = readDecimal(text, false);
  if (!number) return std::nullopt;
  std::string_view unit = text.substr(number->end);
  std::int64_t scale = 1;
  if (!unit.empty()) {
    if (unit.front() == ' ') unit.remove_prefix(1);
    const std::optional<std::int64_t> found = findUnit(kSizeUnits, unit);
    if (!found) return std::nullopt;
    scale = *found;
  }
  const Wide bytes = number->scaled(scale);
  if (bytes > (Wide(1) << 62)) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::string_view expectMetricName(ExpectMetric metric) { return metricInfo(metric).name; }

std::optional<ExpectMetric> parseExpectMetric(std::string_view name) {
  for (const ExpectMetricInfo& info : kExpectMetrics) {
    if (info.name == name) return info.metric;
  }
  return std::nullopt;
}

bool isDurationMetric(ExpectMetric metric) { return metricInfo(metric).duration; }

bool isHigherBetter(ExpectMetric metric) { return metricInfo(metric).higherIsBetter; }

std::string_view focusViewName(FocusView view) { return kFocusViewNames[static_cast<std::size_t>(view)]; }

std::optional<FocusView> parseFocusView(std::string_view name) {
  for (std::size_t i = 0; i < kFocusViewNames.size(); ++i) {
    if (kFocusViewNames[i] == name) return static_cast<FocusView>(i);
  }
  return std::nullopt;
}

std::string_view focusChartName(FocusChart chart) { return kFocusChartNames[static_cast<std::size_t>(chart)]; }

std::optional<FocusChart> parseFocusChart(std::string_view name) {
  for (std::size_t i = 0; i < kFocusChartNames.size(); ++i) {
    if (kFocusChartNames[i] == name) return static_cast<FocusChart>(i);
  }
  return std::nullopt;
}

TimelineEntry timelineEntry(Duration at, ScenarioAction action) {
  TimelineEntry entry;
  entry.at = TimePoint{at};
  entry.actions.push_back(std::move(action));
  return entry;
}

std::string describeAction(const ScenarioAction& action) {
  return std::visit(
      Overloaded{
          [](const CrashAction& a) { return "crash " + nodeName(a.node); },
          [](const RestartAction& a) { return "restart " + nodeName(a.node) + (a.wipe ? " with empty storage" : ""); },
          [](const WipeAction& a) { return "wipe " + nodeName(a.node); },
          [](const PartitionAction& a) {
            std::string out = "partition";
            for (const std::vector<NodeId>& group : a.groups) {
              out += " [";
              for (std::size_t i = 0; i < group.size(); ++i) {
                if (i > 0) out += ' ';
                out += nodeName(group[i]);
              }
              out += ']';
            }
            return out;
          },
          [](const CutLinkAction& a) { return "cut " + nodeName(a.from) + " -> " + nodeName(a.to); },
          [](const HealAction&) { return std::string("heal"); },
          [](const LinkAction& a) {
            std::string out =
                fmt::format("link {} {} {}:", nodeName(a.from), a.bothWays ? "<->" : "->", nodeName(a.to));
            if (a.latency) out += " latency " + a.latency->describe();
            if (a.latency && a.loss) out += ',';
            if (a.loss) out += " loss " + formatNumber(*a.loss);
            return out;
          },
          [](const NetworkAction& a) {
            std::string out = "network:";
            if (a.latency) out += " latency " + a.latency->describe();
            if (a.latency && a.loss) out += ',';
            if (a.loss) out += " loss " + formatNumber(*a.loss);
            return out;
          },
          [](const SlowNodeAction& a) { return fmt::format("slow {} x{}", nodeName(a.node), formatNumber(a.factor)); },
          [](const WorkloadAction& a) {
            std::vector<std::string> parts;
            if (a.ratePerSecond) parts.push_back(fmt::format("rate {}/s", formatNumber(*a.ratePerSecond)));
            if (a.readRatio) parts.push_back("read_ratio " + formatNumber(*a.readRatio));
            if (a.deleteRatio) parts.push_back("delete_ratio " + formatNumber(*a.deleteRatio));
            if (a.keys) parts.push_back("keys " + a.keys->describe());
            if (a.routing) parts.push_back(fmt::format("routing {}", routingName(*a.routing)));
            return fmt::format("workload: {}", fmt::join(parts, ", "));
          },
          [](const QuorumAction& a) {
            std::vector<std::string> parts;
            if (a.n) parts.push_back(fmt::format("N={}", *a.n));
            if (a.r) parts.push_back(fmt::format("R={}", *a.r));
            if (a.w) parts.push_back(fmt::format("W={}", *a.w));
            return fmt::format("quorum {}", fmt::join(parts, " "));
          },
          [](const AddNodeAction&) { return std::string("add a node"); },
          [](const DecommissionAction& a) { return "decommission " + nodeName(a.node); },
          [](const RemoveNodeAction& a) { return "remove " + nodeName(a.node); },
      },
      action);
}

}  // namespace ringlab
