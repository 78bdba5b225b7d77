// The scenario format's workloads: rates, mixes, key distributions, routing, value sizes.
#include "scenario_parser.h"

namespace ringlab::scenario_detail {

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

}  // namespace ringlab::scenario_detail
