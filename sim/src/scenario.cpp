// The scenario file parser: YAML text in, a validated ScenarioSpec or one error with file:line:column out. The format
// is documented key by key in docs/SCENARIOS.md; keep the two in step.
//
// yaml-cpp builds the document tree (and reports syntax errors with their mark); everything after that is a walk over
// the tree that checks every key against the list the format allows, converts every scalar itself (durations, sizes,
// rates, node names) and stops at the first problem. Inside the walk a problem is a ScenarioError exception carrying
// the finished message; parseScenario catches it (and every yaml-cpp or standard exception) and returns a Status.
//
// The walk is one class, ScenarioParser (scenario_parser.h), with a file per part of the format: scenario_parser.cpp
// (structure, scalars, the top level), scenario_cluster.cpp (cluster and network), scenario_workload.cpp,
// scenario_timeline.cpp (entries, actions and the checks that the timeline can happen) and
// scenario_expectations.cpp. This file holds the public functions and the messages for YAML syntax errors.
#include <ringlab/sim/scenario.h>

#include "scenario_parser.h"

namespace ringlab {

using namespace scenario_detail;

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

Result<ScenarioSpec> parseScenario(std::string_view yamlText, std::string_view sourceName,
                                   std::span<const ScenarioOverride> overrides) {
  if (const std::string garbled = checkText(yamlText, sourceName); !garbled.empty()) {
    return Status(ErrorCode::kInvalidArgument, garbled);
  }
  try {
    ScenarioParser parser(sourceName, overrides);
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

Result<ScenarioSpec> loadScenarioFile(const std::string& path, std::span<const ScenarioOverride> overrides) {
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
  return parseScenario(text, path, overrides);
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
            std::vector<std::string> parts;
            if (a.latency) parts.push_back("latency " + a.latency->describe());
            if (a.loss) parts.push_back("loss " + formatNumber(*a.loss));
            if (a.duplication) parts.push_back("duplication " + formatNumber(*a.duplication));
            std::string out = "network:";
            for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : " ") + parts[i];
            return out;
          },
          [](const ClockAction& a) {
            if (a.offset == Duration{0}) return fmt::format("clock {} back to true time", nodeName(a.node));
            return fmt::format("clock {} {}{}", nodeName(a.node), a.offset > Duration{0} ? "+" : "-",
                               formatScenarioDuration(a.offset > Duration{0} ? a.offset : -a.offset));
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
