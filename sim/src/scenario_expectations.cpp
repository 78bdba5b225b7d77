// The scenario format's expectations, quiesce and staleness bands.
#include "scenario_parser.h"

namespace ringlab::scenario_detail {

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

void ScenarioParser::checkDetectionExpectations(const ScenarioSpec& spec, const std::vector<Expectation>& claims,
                                                std::string_view path) const {
  const std::string where = std::string(path) + ".detection_time";
  const MechanismConfig& mechanisms = spec.cluster.mechanisms;
  const bool crashes = std::any_of(spec.timeline.begin(), spec.timeline.end(), [](const TimelineEntry& entry) {
    return std::any_of(entry.actions.begin(), entry.actions.end(),
                       [](const ScenarioAction& a) { return std::holds_alternative<CrashAction>(a); });
  });
  for (const Expectation& e : claims) {
    if (e.metric != ExpectMetric::kDetectionTime) continue;
    if (!mechanisms.gossip || !mechanisms.failureDetector) {
      fail(e.where, where,
           "detection_time needs gossip and the failure detector, which cluster.mechanisms turns off");
    }
    if (!crashes) {
      fail(e.where, where,
           "detection_time needs a crash in the timeline (such as {at: 10s, crash: n3}): it measures how long the "
           "running nodes take to mark a crashed node down");
    }
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

}  // namespace ringlab::scenario_detail
