#include <ringlab/sim/lesson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <ringlab/sim/scenario.h>

namespace ringlab {
namespace {

// "4410" -> "4,410"
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::optional<double> readNumber(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

constexpr std::array<std::string_view, 2> kConflictModes = {"lww", "siblings"};

constexpr std::array<KnobInfo, 11> kKnobs = {{
    {"cluster.replication.n", "N: replicas of each key", KnobKind::kInteger, {}},
    {"cluster.replication.r", "R: replies a read waits for", KnobKind::kInteger, {}},
    {"cluster.replication.w", "W: acknowledgements a write waits for", KnobKind::kInteger, {}},
    {"cluster.mechanisms.hinted_handoff.enabled", "Hinted handoff (sloppy quorum)", KnobKind::kBoolean, {}},
    {"cluster.mechanisms.read_repair.enabled", "Read repair", KnobKind::kBoolean, {}},
    {"cluster.mechanisms.anti_entropy.enabled", "Merkle anti-entropy", KnobKind::kBoolean, {}},
    {"cluster.mechanisms.anti_entropy.interval", "Anti-entropy interval", KnobKind::kDuration, {}},
    {"cluster.request_timeout", "Request timeout", KnobKind::kDuration, {}},
    {"cluster.ring.vnodes", "Virtual nodes per node", KnobKind::kInteger, {}},
    {"cluster.conflicts", "Conflict handling", KnobKind::kChoice, kConflictModes},
    {"workload.rate", "Workload rate (operations per second)", KnobKind::kRate, {}},
}};

}  // namespace

std::string formatKnobValue(KnobKind kind, double value) {
  switch (kind) {
    case KnobKind::kDuration: return formatScenarioDuration(Duration(static_cast<std::int64_t>(std::llround(value))));
    case KnobKind::kRate: return fmt::format("{:g}/s", value);
    default: return fmt::format("{:g}", value);
  }
}

std::string formatRequired(ExpectMetric metric, std::optional<double> min, std::optional<double> max) {
  if (min && max) return formatMetricValue(metric, *min) + " to " + formatMetricValue(metric, *max);
  if (min) return "\xe2\x89\xa5 " + formatMetricValue(metric, *min);
  if (max) return "\xe2\x89\xa4 " + formatMetricValue(metric, *max);
  return {};
}

// --- metric values ------------------------------------------------------------------------------------------------

MetricUnit metricUnit(ExpectMetric metric) {
  if (isDurationMetric(metric)) return MetricUnit::kDuration;
  switch (metric) {
    case ExpectMetric::kStaleReadRate:
    case ExpectMetric::kAvailability:
    case ExpectMetric::kGetAvailability:
    case ExpectMetric::kPutAvailability: return MetricUnit::kShare;
    case ExpectMetric::kThroughput: return MetricUnit::kRate;
    default: return MetricUnit::kCount;
  }
}

std::string formatMetricValue(ExpectMetric metric, double value) {
  switch (metricUnit(metric)) {
    case MetricUnit::kDuration:
      if (!std::isfinite(value)) return "never";
      return formatDuration(Duration(static_cast<std::int64_t>(std::llround(value))));
    case MetricUnit::kShare: {
      const double percent = value * 100;
      // Enough digits that 99.95 % does not read as 100 % and 0.02 % not as 0 %.
      if (percent != 0 && percent != 100 && (percent < 0.1 || percent > 99.9)) return fmt::format("{:.2f} %", percent);
      return fmt::format("{:.1f} %", percent);
    }
    case MetricUnit::kRate: return grouped(static_cast<std::uint64_t>(std::llround(std::max(0.0, value)))) + "/s";
    case MetricUnit::kCount: break;
  }
  if (value != std::floor(value)) return fmt::format("{:.2f}", value);
  return grouped(static_cast<std::uint64_t>(std::llround(std::max(0.0, value))));
}

std::string_view metricInputUnit(ExpectMetric metric) {
  switch (metricUnit(metric)) {
    case MetricUnit::kShare: return "%";
    case MetricUnit::kDuration: return "ms";
    case MetricUnit::kRate: return "/s";
    case MetricUnit::kCount: break;
  }
  return "";
}

std::optional<double> parseMetricValue(ExpectMetric metric, std::string_view text) {
  text = trimmed(text);
  constexpr double kLargest = 1e15;  // counts and rates; durations stop at a day
  switch (metricUnit(metric)) {
    case MetricUnit::kShare: {
      if (text.ends_with('%')) text.remove_suffix(1);
      const auto percent = readNumber(text);
      if (!percent || *percent < 0 || *percent > 100) return std::nullopt;
      return *percent / 100;
    }
    case MetricUnit::kDuration: {
      constexpr double kDay = 86'400e9;
      if (const auto ms = readNumber(text)) {
        return *ms < 0 || *ms * 1e6 > kDay ? std::nullopt : std::optional<double>(*ms * 1e6);
      }
      const auto d = parseDuration(text);
      if (!d || d->count() < 0 || static_cast<double>(d->count()) > kDay) return std::nullopt;
      return static_cast<double>(d->count());
    }
    case MetricUnit::kRate: {
      if (text.ends_with("/s")) text.remove_suffix(2);
      const auto r = readNumber(text);
      if (!r || *r < 0 || *r > kLargest) return std::nullopt;
      return r;
    }
    case MetricUnit::kCount: break;
  }
  const auto n = readNumber(text);
  if (!n || *n < 0 || *n > kLargest) return std::nullopt;
  return n;
}

bool isWindowMetric(ExpectMetric metric) {
  switch (metric) {
    case ExpectMetric::kStaleReads:
    case ExpectMetric::kStaleReadRate:
    case ExpectMetric::kAvailability:
    case ExpectMetric::kGetAvailability:
    case ExpectMetric::kPutAvailability:
    case ExpectMetric::kGetP50:
    case ExpectMetric::kGetP99:
    case ExpectMetric::kGetP999:
    case ExpectMetric::kPutP50:
    case ExpectMetric::kPutP99:
    case ExpectMetric::kPutP999:
    case ExpectMetric::kThroughput:
    case ExpectMetric::kTimeouts:
    case ExpectMetric::kUnavailable:
    case ExpectMetric::kFreshAfter: return true;
    default: return false;
  }
}

// --- questions and answers ----------------------------------------------------------------------------------------

std::optional<std::size_t> Question::markedChoice() const {
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (choices[i].correct) return i;
  }
  return std::nullopt;
}

AnswerGrade gradeAnswer(const Question& question, const Reveal& reveal, const Answer& answer) {
  AnswerGrade grade;
  const std::string measured = reveal.measuredText.empty() ? std::string() : " Measured: " + reveal.measuredText + ".";
  if (question.isNumber()) {
    const double* given = std::get_if<double>(&answer);
    const double value = given ? *given : 0.0;
    const ExpectMetric metric = *question.measure;
    if (!given || !reveal.measured) {
      grade.text = "No number was given." + measured;
      return grade;
    }
    const double truth = *reveal.measured;
    grade.correct = std::isfinite(truth) ? std::abs(value - truth) <= question.tolerance + 1e-12 : false;
    grade.text = fmt::format("You predicted {}.{} {}", formatMetricValue(metric, value), measured,
                             grade.correct ? fmt::format("That is within {}.",
                                                         formatMetricValue(metric, question.tolerance))
                                           : fmt::format("That is more than {} away.",
                                                         formatMetricValue(metric, question.tolerance)));
    return grade;
  }
  const std::size_t* chosen = std::get_if<std::size_t>(&answer);
  if (!chosen || *chosen >= question.choices.size()) {
    grade.text = "No choice was made." + measured;
    return grade;
  }
  const std::optional<std::size_t> right = question.measure ? reveal.rightChoice : question.markedChoice();
  grade.correct = right && *right == *chosen;
  std::string text = fmt::format("You chose ({}) {}.{}", *chosen + 1, question.choices[*chosen].text, measured);
  if (!grade.correct && right) {
    text += fmt::format(" The answer is ({}) {}.", *right + 1, question.choices[*right].text);
  } else if (!grade.correct) {
    text += " None of the choices matches what the run measured.";
  }
  grade.text = std::move(text);
  return grade;
}

std::optional<Answer> parseAnswer(const Question& question, std::string_view text, std::string& problem) {
  text = trimmed(text);
  if (question.isNumber()) {
    if (const auto value = parseMetricValue(*question.measure, text)) return Answer{*value};
    const std::string_view unit = metricInputUnit(*question.measure);
    problem = fmt::format("expected a number{} for '{}', got '{}'",
                          unit.empty() ? std::string() : fmt::format(" in {}", unit), question.id, text);
    return std::nullopt;
  }
  std::size_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc() && end == text.data() + text.size() && number >= 1 && number <= question.choices.size()) {
    return Answer{number - 1};
  }
  for (std::size_t i = 0; i < question.choices.size(); ++i) {
    if (question.choices[i].text == text) return Answer{i};
  }
  problem = fmt::format("expected a choice from 1 to {} (or a choice's text) for '{}', got '{}'",
                        question.choices.size(), question.id, text);
  return std::nullopt;
}

Result<std::map<std::string, Answer>> parseAnswerFile(std::string_view yamlText, std::string_view sourceName,
                                                     const std::vector<Question>& questions) {
  const auto where = [&](const YAML::Mark& mark) {
    return mark.line >= 0 ? fmt::format("{}:{}:{}", sourceName, mark.line + 1, mark.column + 1) : std::string(sourceName);
  };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yamlText));
  } catch (const YAML::Exception& e) {
    return Status(ErrorCode::kInvalidArgument, fmt::format("{}: YAML syntax error: {}", where(e.mark), e.msg));
  }
  if (!root.IsMap()) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("{}: expected a mapping from question ids to answers, such as {{stale-share: 5}}",
                              sourceName));
  }
  std::map<std::string, Answer> answers;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string at = where(it->first.Mark());
    if (!it->first.IsScalar() || !it->second.IsScalar()) {
      return Status(ErrorCode::kInvalidArgument, fmt::format("{}: expected a question id and an answer", at));
    }
    const std::string& id = it->first.Scalar();
    const auto q = std::find_if(questions.begin(), questions.end(), [&](const Question& x) { return x.id == id; });
    if (q == questions.end()) {
      std::string ids;
      for (const Question& x : questions) ids += (ids.empty() ? "" : ", ") + x.id;
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("{}: no question has the id '{}'; expected one of {}", at, id,
                                ids.empty() ? std::string("none (the scenario asks nothing)") : ids));
    }
    if (answers.count(id)) {
      return Status(ErrorCode::kInvalidArgument, fmt::format("{}: '{}' is answered twice", at, id));
    }
    std::string problem;
    const auto answer = parseAnswer(*q, it->second.Scalar(), problem);
    if (!answer) return Status(ErrorCode::kInvalidArgument, fmt::format("{}: {}", where(it->second.Mark()), problem));
    answers.emplace(id, *answer);
  }
  return answers;
}

// --- challenges ---------------------------------------------------------------------------------------------------

std::span<const KnobInfo> challengeKnobs() { return kKnobs; }

const KnobInfo* findChallengeKnob(std::string_view path) {
  for (const KnobInfo& knob : kKnobs) {
    if (knob.path == path) return &knob;
  }
  return nullptr;
}

std::optional<ScenarioOverride> parseOverride(std::string_view text, std::string& problem) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    problem = fmt::format("expected PATH=VALUE such as cluster.replication.r=2, got '{}'", text);
    return std::nullopt;
  }
  ScenarioOverride o{std::string(trimmed(text.substr(0, eq))), std::string(trimmed(text.substr(eq + 1)))};
  bool ok = !o.path.empty() && o.path.front() != '.' && o.path.back() != '.' && o.path.find("..") == std::string::npos;
  for (char c : o.path) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.');
  }
  if (!ok) {
    problem = fmt::format("expected a path of keys separated by dots such as cluster.replication.r, got '{}'", o.path);
    return std::nullopt;
  }
  return o;
}

std::string formatOverride(const ScenarioOverride& o) { return o.path + "=" + o.value; }

std::string knobValue(const ScenarioSpec& spec, const KnobInfo& knob) {
  const SimulationConfig& c = spec.cluster;
  const MechanismConfig& m = c.mechanisms;
  const std::string_view p = knob.path;
  const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  if (p == "cluster.replication.n") return std::to_string(c.quorum.n);
  if (p == "cluster.replication.r") return std::to_string(c.quorum.r);
  if (p == "cluster.replication.w") return std::to_string(c.quorum.w);
  if (p == "cluster.mechanisms.hinted_handoff.enabled") return flag(m.hintedHandoff);
  if (p == "cluster.mechanisms.read_repair.enabled") return flag(m.readRepair);
  if (p == "cluster.mechanisms.anti_entropy.enabled") return flag(m.antiEntropy);
  if (p == "cluster.mechanisms.anti_entropy.interval") return formatScenarioDuration(m.antiEntropyInterval);
  if (p == "cluster.request_timeout") return formatScenarioDuration(c.requestTimeout);
  if (p == "cluster.ring.vnodes") return std::to_string(c.ring.vnodesPerNode);
  if (p == "cluster.conflicts") return std::string(conflictModeName(c.conflicts));
  if (p == "workload.rate") {
    return spec.workloads.empty() ? std::string("0/s") : fmt::format("{:g}/s", spec.workloads.front().ratePerSecond);
  }
  return {};
}

std::string checkKnobValue(const ChallengeKnob& knob, std::string_view value) {
  value = trimmed(value);
  std::optional<double> number;
  switch (knob.kind) {
    case KnobKind::kBoolean:
      if (value == "true" || value == "false") return {};
      return fmt::format("{}: expected true or false, got '{}'", knob.path, value);
    case KnobKind::kChoice:
      if (std::find(knob.choices.begin(), knob.choices.end(), value) != knob.choices.end()) return {};
      {
        std::string allowed;
        for (const std::string& c : knob.choices) allowed += (allowed.empty() ? "" : ", ") + c;
        return fmt::format("{}: expected one of {}, got '{}'", knob.path, allowed, value);
      }
    case KnobKind::kInteger: {
      std::uint64_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
        return fmt::format("{}: expected a whole number, got '{}'", knob.path, value);
      }
      number = static_cast<double>(n);
      break;
    }
    case KnobKind::kDuration: {
      const auto d = parseDuration(value);
      if (!d || d->count() < 0) return fmt::format("{}: expected a duration such as 250ms, got '{}'", knob.path, value);
      number = static_cast<double>(d->count());
      break;
    }
    case KnobKind::kRate:
      number = parseRate(value);
      if (!number) return fmt::format("{}: expected a rate such as 2000/s, got '{}'", knob.path, value);
      break;
  }
  if (knob.min && *number < *knob.min) {
    return fmt::format("{}: {} is below the challenge's minimum of {}", knob.path, value,
                       formatKnobValue(knob.kind, *knob.min));
  }
  if (knob.max && *number > *knob.max) {
    return fmt::format("{}: {} is above the challenge's maximum of {}", knob.path, value,
                       formatKnobValue(knob.kind, *knob.max));
  }
  return {};
}

}  // namespace ringlab
