// The scenario parser's structure and scalars (every value is read through these), and the top level of a file.
#include "scenario_parser.h"

namespace ringlab::scenario_detail {

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
  YAML::Node document = YAML::Load(std::string(yamlText));
  if (!m_overrides.empty()) {
    if (!document.IsMap()) fail({}, "", fmt::format("{}, got {}", kTopExpected, describeFound(document)));
    applyOverrides(document);
  }
  if (document.IsNull()) {
    if (lines.firstContent == 0) fail({}, "", fmt::format("{}, got an empty file", kTopExpected));
    fail({lines.firstContent, 1}, "",
         fmt::format("{}, got no value (YAML reads nothing it can use here)", kTopExpected));
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
  if (const Field* f = top.find("expect")) {
    parseExpectations(*f, spec.expectations);
    checkDetectionExpectations(spec, spec.expectations, "expect");
  }
  if (const Field* f = top.find("quiesce")) parseQuiesce(*f, spec.quiesce);
  if (const Field* f = top.find("staleness_bands")) spec.stalenessBands = parseStalenessBands(*f);
  if (const Field* f = top.find("lesson")) spec.lesson = parseLesson(*f);
  if (const Field* f = top.find("notes")) spec.notes = text(*f, true);
  if (const Field* f = top.find("challenge")) {
    spec.challenge = parseChallenge(*f);
    checkDetectionExpectations(spec, spec.challenge->goals, "challenge.goals");
  }
  // Questions in the order the run asks them (the timeline is sorted; entries keep their question's index).
  std::vector<std::size_t> order(m_questions.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return m_questions[a].askedAt < m_questions[b].askedAt; });
  std::vector<std::size_t> newIndex(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    newIndex[order[i]] = i;
    spec.questions.push_back(std::move(m_questions[order[i]]));
  }
  for (TimelineEntry& entry : spec.timeline) {
    if (entry.ask) entry.ask = newIndex[*entry.ask];
    for (std::size_t& r : entry.reveals) r = newIndex[r];
  }
  spec.overrides = m_overrides;
  spec.warnings = std::move(m_warnings);
  return spec;
}

}  // namespace ringlab::scenario_detail
