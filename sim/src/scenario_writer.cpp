// The scenario writer: a ScenarioSpec in, the YAML text parseScenario reads back to the same spec out. It emits
// exactly the keys sim/src/scenario.cpp reads (docs/SCENARIOS.md); keep the three in step.
//
// Every scalar is formatted here (durations, sizes, rates, numbers, node names) and handed to yaml-cpp as a string,
// so the emitter only decides layout and quoting, never precision.
#include <ringlab/sim/scenario_writer.h>

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <ringlab/engine/message.h>
#include <ringlab/engine/overloaded.h>

namespace ringlab {
namespace {

// --- scalars ----------------------------------------------------------------------------------------------------

bool readsBackAs(const std::string& text, double x) {
  double back = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
  return ec == std::errc() && end == text.data() + text.size() && back == x;
}

// The shortest text std::from_chars reads back to `x` (the parser's number reader); may use an exponent.
std::string number(double x) { return fmt::format("{}", x); }

// The same without an exponent, for readers that accept plain decimals only (rates).
std::string plainNumber(double x) {
  std::string text = number(x);
  if (text.find_first_of("eE") == std::string::npos) return text;
  for (int precision = 0; precision <= 40; ++precision) {
    text = fmt::format("{:.{}f}", x, precision);
    if (readsBackAs(text, x)) return text;
  }
  return text;
}

std::string duration(Duration d) { return formatScenarioDuration(d); }

// "2000/s" when that reads back exactly; otherwise the bare number of operations per second.
std::string rate(double perSecond) {
  const std::string plain = plainNumber(perSecond);
  const std::string perSecondText = plain + "/s";
  if (const std::optional<double> back = parseRate(perSecondText); back && *back == perSecond) return perSecondText;
  return plain;
}

std::string boolean(bool b) { return b ? "true" : "false"; }

// --- emitting ---------------------------------------------------------------------------------------------------

class ScenarioEmitter {
 public:
  std::string write(const ScenarioSpec& spec);

 private:
  template <typename V>
  void pair(std::string_view key, const V& value) {
    m_out << YAML::Key << std::string(key) << YAML::Value << value;
  }
  void text(std::string_view key, const std::string& value) { pair(key, value); }

  void cluster(const SimulationConfig& config);
  void mechanisms(const MechanismConfig& mech);
  void network(const NetworkConfig& network);
  void latency(const LatencyDistribution& dist, std::optional<double> weight = std::nullopt);
  // A latency's text alone: two distributions written the same are the same.
  static std::string latencyText(const LatencyDistribution& dist);
  void workload(const WorkloadConfig& w);
  void keys(const KeyDistribution& keys);
  void timeline(const std::vector<TimelineEntry>& timeline, const std::vector<Question>& questions);
  void question(const Question& q);
  void challenge(const Challenge& c);
  static std::string metricValue(ExpectMetric metric, double value);
  void action(const ScenarioAction& action);
  void focus(const NarrationFocus& focus);
  void expectations(const std::vector<Expectation>& expectations, std::string_view key = "expect");

  YAML::Emitter m_out;
};

std::string ScenarioEmitter::write(const ScenarioSpec& spec) {
  m_out << YAML::BeginMap;
  text("name", spec.name);
  if (!spec.description.empty()) text("description", spec.description);
  if (spec.lesson) {
    m_out << YAML::Key << "lesson" << YAML::Value << YAML::BeginMap;
    text("teaches", spec.lesson->teaches);
    if (spec.lesson->minutes > 0) pair("minutes", std::to_string(spec.lesson->minutes));
    if (!spec.lesson->summary.empty()) text("summary", spec.lesson->summary);
    m_out << YAML::EndMap;
  }
  if (!spec.notes.empty()) text("notes", spec.notes);
  pair("seed", std::to_string(spec.cluster.seed));
  if (spec.cluster.shuffleTies) {
    pair("shuffle_ties", spec.cluster.tieSeed == 0 ? std::string("true") : std::to_string(spec.cluster.tieSeed));
  }
  pair("duration", duration(spec.duration));
  cluster(spec.cluster);
  network(spec.cluster.network);
  if (spec.workloads.size() == 1) {
    m_out << YAML::Key << "workload" << YAML::Value;
    workload(spec.workloads.front());
  } else if (!spec.workloads.empty()) {
    m_out << YAML::Key << "workload" << YAML::Value << YAML::BeginSeq;
    for (const WorkloadConfig& w : spec.workloads) workload(w);
    m_out << YAML::EndSeq;
  }
  if (!spec.timeline.empty()) timeline(spec.timeline, spec.questions);
  if (!spec.expectations.empty()) expectations(spec.expectations);
  if (spec.challenge) challenge(*spec.challenge);
  const QuiesceConfig defaults;
  if (spec.quiesce.limit != defaults.limit || spec.quiesce.checkEvery != defaults.checkEvery) {
    m_out << YAML::Key << "quiesce" << YAML::Value << YAML::BeginMap;
    if (spec.quiesce.limit != defaults.limit) pair("limit", duration(spec.quiesce.limit));
    if (spec.quiesce.checkEvery != defaults.checkEvery) pair("check_every", duration(spec.quiesce.checkEvery));
    m_out << YAML::EndMap;
  }
  if (spec.stalenessBands != defaultStalenessBandEdges()) {
    m_out << YAML::Key << "staleness_bands" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (Duration edge : spec.stalenessBands) m_out << duration(edge);
    m_out << YAML::EndSeq;
  }
  m_out << YAML::EndMap;
  return std::string(m_out.c_str()) + "\n";
}

void ScenarioEmitter::cluster(const SimulationConfig& config) {
  const SimulationConfig defaults;
  m_out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  pair("nodes", std::to_string(config.nodes));
  const bool vnodes = config.ring.strategy == PlacementStrategy::kVnodes;
  if (!vnodes || config.ring.vnodesPerNode != defaults.ring.vnodesPerNode) {
    m_out << YAML::Key << "ring" << YAML::Value << YAML::Flow << YAML::BeginMap;
    pair("strategy", std::string(vnodes ? "vnodes" : "partitions"));
    pair(vnodes ? "vnodes" : "partitions", std::to_string(vnodes ? config.ring.vnodesPerNode : config.ring.partitions));
    m_out << YAML::EndMap;
  }
  m_out << YAML::Key << "replication" << YAML::Value << YAML::Flow << YAML::BeginMap;
  pair("n", std::to_string(config.quorum.n));
  pair("r", std::to_string(config.quorum.r));
  pair("w", std::to_string(config.quorum.w));
  m_out << YAML::EndMap;
  if (config.requestTimeout != defaults.requestTimeout) pair("request_timeout", duration(config.requestTimeout));
  if (config.coresPerNode != defaults.coresPerNode) pair("cores", std::to_string(config.coresPerNode));
  if (config.cpuCostPerMessage != defaults.cpuCostPerMessage) {
    pair("cpu_per_message", duration(config.cpuCostPerMessage));
  }
  if (config.storage.maxValueBytes != defaults.storage.maxValueBytes) {
    pair("max_value_size", formatScenarioSize(config.storage.maxValueBytes));
  }
  if (config.storage.maxKeyBytes != defaults.storage.maxKeyBytes) {
    pair("max_key_size", formatScenarioSize(config.storage.maxKeyBytes));
  }
  if (config.conflicts != defaults.conflicts) pair("conflicts", std::string(conflictModeName(config.conflicts)));
  if (config.conflicts == ConflictMode::kSiblings && config.maxSiblings != defaults.maxSiblings) {
    pair("max_siblings", std::to_string(config.maxSiblings));
  }
  if (!config.clockSkew.empty()) {
    // An empty mapping still sets every node's offset (to 0), as a file with 'clock_skew: {}' does.
    m_out << YAML::Key << "clock_skew" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (NodeId node = 0; node < config.clockSkew.size(); ++node) {
      if (config.clockSkew[node].count() != 0) pair(nodeName(node), duration(config.clockSkew[node]));
    }
    m_out << YAML::EndMap;
  }
  mechanisms(config.mechanisms);
  m_out << YAML::EndMap;
}

void ScenarioEmitter::mechanisms(const MechanismConfig& mech) {
  const MechanismConfig d;
  // Each mechanism: left out when nothing differs, a bare boolean when only `enabled` does, else a mapping of what
  // differs.
  struct Setting {
    std::string_view key;
    bool differs;
    std::string value;
  };
  struct Section {
    std::string_view name;
    bool enabled;
    bool defaultEnabled;
    std::vector<Setting> settings;
  };
  const std::vector<Section> sections = {
      {"gossip",
       mech.gossip,
       d.gossip,
       {{"interval", mech.gossipInterval != d.gossipInterval, duration(mech.gossipInterval)}}},
      {"failure_detector",
       mech.failureDetector,
       d.failureDetector,
       {{"threshold", mech.detector.threshold != d.detector.threshold, number(mech.detector.threshold)},
        {"suspect_threshold", mech.detector.suspectThreshold != d.detector.suspectThreshold,
         number(mech.detector.suspectThreshold)},
        {"interval", mech.detectorInterval != d.detectorInterval, duration(mech.detectorInterval)},
        {"protocol", mech.detection != d.detection, std::string(detectionProtocolName(mech.detection))},
        {"probe_timeout", mech.swim.probeTimeout != d.swim.probeTimeout, duration(mech.swim.probeTimeout)},
        {"indirect_probes", mech.swim.indirectProbes != d.swim.indirectProbes,
         std::to_string(mech.swim.indirectProbes)},
        {"suspicion_multiplier", mech.swim.suspicionMultiplier != d.swim.suspicionMultiplier,
         number(mech.swim.suspicionMultiplier)},
        {"retransmit_multiplier", mech.swim.retransmitMultiplier != d.swim.retransmitMultiplier,
         std::to_string(mech.swim.retransmitMultiplier)},
        {"sync_interval", mech.swim.syncInterval != d.swim.syncInterval, duration(mech.swim.syncInterval)}}},
      {"hinted_handoff",
       mech.hintedHandoff,
       d.hintedHandoff,
       {{"hint_after", mech.hintAfter != d.hintAfter, duration(mech.hintAfter)},
        {"replay_interval", mech.hintReplayInterval != d.hintReplayInterval, duration(mech.hintReplayInterval)},
        {"max_hints", mech.maxHints != d.maxHints, std::to_string(mech.maxHints)},
        {"replay_batch", mech.hintReplayBatch != d.hintReplayBatch, std::to_string(mech.hintReplayBatch)}}},
      {"read_repair",
       mech.readRepair,
       d.readRepair,
       {{"probability", mech.readRepairProbability != d.readRepairProbability, number(mech.readRepairProbability)}}},
      {"anti_entropy",
       mech.antiEntropy,
       d.antiEntropy,
       {{"interval", mech.antiEntropyInterval != d.antiEntropyInterval, duration(mech.antiEntropyInterval)},
        {"depth", mech.merkleDepth != d.merkleDepth, std::to_string(mech.merkleDepth)}}},
      {"tombstone_gc",
       mech.tombstoneGc,
       d.tombstoneGc,
       {{"grace", mech.tombstoneGrace != d.tombstoneGrace, duration(mech.tombstoneGrace)}}},
  };
  bool opened = false;
  for (const Section& section : sections) {
    bool settingsDiffer = false;
    for (const Setting& s : section.settings) settingsDiffer = settingsDiffer || s.differs;
    if (!settingsDiffer && section.enabled == section.defaultEnabled) continue;
    if (!opened) {
      m_out << YAML::Key << "mechanisms" << YAML::Value << YAML::BeginMap;
      opened = true;
    }
    m_out << YAML::Key << std::string(section.name) << YAML::Value;
    if (!settingsDiffer) {
      m_out << boolean(section.enabled);
      continue;
    }
    m_out << YAML::Flow << YAML::BeginMap;
    // A tombstone_gc mapping turns collection on unless it says otherwise.
    const bool mappingEnables = section.name == "tombstone_gc";
    if (section.enabled != section.defaultEnabled || (mappingEnables && !section.enabled)) {
      pair("enabled", boolean(section.enabled));
    }
    for (const Setting& s : section.settings) {
      if (s.differs) pair(s.key, s.value);
    }
    m_out << YAML::EndMap;
  }
  if (opened) m_out << YAML::EndMap;
}

void ScenarioEmitter::network(const NetworkConfig& network) {
  m_out << YAML::Key << "network" << YAML::Value << YAML::BeginMap;
  m_out << YAML::Key << "latency" << YAML::Value;
  latency(network.latency);
  bool anyKind = false;
  for (const auto& byKind : network.latencyByKind) anyKind = anyKind || byKind.has_value();
  if (anyKind) {
    m_out << YAML::Key << "latency_by_kind" << YAML::Value << YAML::BeginMap;
    for (std::size_t kind = 0; kind < network.latencyByKind.size(); ++kind) {
      if (!network.latencyByKind[kind]) continue;
      m_out << YAML::Key << std::string(messageKindName(static_cast<MessageKind>(kind))) << YAML::Value;
      latency(*network.latencyByKind[kind]);
    }
    m_out << YAML::EndMap;
  }
  if (network.loss != 0) pair("loss", number(network.loss));
  if (network.duplication != 0) pair("duplication", number(network.duplication));

  // A pair of directions with the same settings is one two-way entry; anything else is one entry per direction.
  const auto same = [](const LinkSettings& a, const LinkSettings& b) {
    if (a.loss != b.loss || a.latency.has_value() != b.latency.has_value()) return false;
    return !a.latency || latencyText(*a.latency) == latencyText(*b.latency);
  };
  std::set<std::pair<NodeId, NodeId>> written;
  bool opened = false;
  for (const auto& [link, settings] : network.links) {
    if (written.contains(link) || (!settings.latency && !settings.loss)) continue;
    const std::pair<NodeId, NodeId> reverse{link.second, link.first};
    const auto other = network.links.find(reverse);
    const bool bothWays = other != network.links.end() && same(settings, other->second);
    written.insert(link);
    if (bothWays) written.insert(reverse);
    if (!opened) {
      m_out << YAML::Key << "links" << YAML::Value << YAML::BeginSeq;
      opened = true;
    }
    m_out << YAML::Flow << YAML::BeginMap;
    pair("from", nodeName(link.first));
    pair("to", nodeName(link.second));
    if (!bothWays) pair("both_ways", boolean(false));
    if (settings.latency) {
      m_out << YAML::Key << "latency" << YAML::Value;
      latency(*settings.latency);
    }
    if (settings.loss) pair("loss", number(*settings.loss));
    m_out << YAML::EndMap;
  }
  if (opened) m_out << YAML::EndSeq;
  m_out << YAML::EndMap;
}

void ScenarioEmitter::latency(const LatencyDistribution& dist, std::optional<double> weight) {
  const LatencyDistribution::Params& params = dist.params();
  const auto* constant = std::get_if<LatencyDistribution::Constant>(&params);
  if (constant != nullptr && dist.shift().count() == 0 && !weight) {
    m_out << duration(constant->value);
    return;
  }
  m_out << YAML::Flow << YAML::BeginMap;
  if (weight) pair("weight", number(*weight));
  std::visit(Overloaded{
                 [&](const LatencyDistribution::Constant& p) {
                   pair("dist", std::string("constant"));
                   pair("value", duration(p.value));
                 },
                 [&](const LatencyDistribution::Uniform& p) {
                   pair("dist", std::string("uniform"));
                   pair("min", duration(p.lo));
                   pair("max", duration(p.hi));
                 },
                 [&](const LatencyDistribution::Normal& p) {
                   pair("dist", std::string("normal"));
                   pair("mean", duration(p.mean));
                   pair("stddev", duration(p.stddev));
                 },
                 [&](const LatencyDistribution::Exponential& p) {
                   pair("dist", std::string("exponential"));
                   pair("mean", duration(p.mean));
                 },
                 [&](const LatencyDistribution::Pareto& p) {
                   pair("dist", std::string("pareto"));
                   pair("scale", duration(p.scale));
                   pair("shape", number(p.shape));
                 },
                 [&](const LatencyDistribution::Lognormal& p) {
                   pair("dist", std::string("lognormal"));
                   pair("median", duration(p.median));
                   pair("sigma", number(p.sigma));
                 },
                 [&](const LatencyDistribution::Mixture&) {
                   pair("dist", std::string("mixture"));
                   m_out << YAML::Key << "parts" << YAML::Value << YAML::BeginSeq;
                   for (const auto& [partWeight, part] : dist.mixtureParts()) latency(part, partWeight);
                   m_out << YAML::EndSeq;
                 },
             },
             params);
  if (dist.shift().count() != 0) pair("shift", duration(dist.shift()));
  m_out << YAML::EndMap;
}

std::string ScenarioEmitter::latencyText(const LatencyDistribution& dist) {
  ScenarioEmitter emitter;
  emitter.latency(dist);
  return emitter.m_out.c_str();
}

void ScenarioEmitter::workload(const WorkloadConfig& w) {
  const WorkloadConfig d;
  m_out << YAML::BeginMap;
  const bool open = w.model == LoadModel::kOpenLoop;
  pair("model", std::string(open ? "open_loop" : "closed_loop"));
  if (open) {
    pair("rate", rate(w.ratePerSecond));
  } else {
    pair("clients", std::to_string(w.clients));
    if (w.thinkTime != d.thinkTime) pair("think_time", duration(w.thinkTime));
  }
  pair("read_ratio", number(w.readRatio));
  if (w.deleteRatio != d.deleteRatio) pair("delete_ratio", number(w.deleteRatio));
  if (w.incrementRatio != d.incrementRatio) pair("increment_ratio", number(w.incrementRatio));
  if (w.counter != d.counter) {
    pair("counter", std::string(w.counter == WorkloadConfig::Counter::kRegister ? "register" : "crdt"));
  }
  if (w.blindRatio != d.blindRatio) pair("blind_ratio", number(w.blindRatio));
  if (w.routing != d.routing) pair("routing", std::string(routingName(w.routing)));
  m_out << YAML::Key << "keys" << YAML::Value;
  keys(w.keys);
  if (w.valueBytesMin == w.valueBytesMax) {
    pair("value_size", formatScenarioSize(w.valueBytesMin));
  } else {
    m_out << YAML::Key << "value_size" << YAML::Value << YAML::Flow << YAML::BeginMap;
    pair("min", formatScenarioSize(w.valueBytesMin));
    pair("max", formatScenarioSize(w.valueBytesMax));
    m_out << YAML::EndMap;
  }
  if (w.start.sinceStart.count() != 0) pair("start", duration(w.start.sinceStart));
  if (w.stop) pair("stop", duration(w.stop->sinceStart));
  m_out << YAML::EndMap;
}

void ScenarioEmitter::keys(const KeyDistribution& keys) {
  m_out << YAML::Flow << YAML::BeginMap;
  pair("count", std::to_string(keys.count()));
  switch (keys.shape()) {
    case KeyDistribution::Shape::kUniform: pair("distribution", std::string("uniform")); break;
    case KeyDistribution::Shape::kZipfian:
      pair("distribution", std::string("zipf"));
      pair("theta", number(keys.theta()));
      pair("scrambled", boolean(keys.scrambled()));
      break;
    case KeyDistribution::Shape::kHotspot:
      pair("distribution", std::string("hotspot"));
      pair("hot_keys", number(keys.hotKeyFraction()));
      pair("hot_ops", number(keys.hotOpFraction()));
      break;
  }
  m_out << YAML::EndMap;
}

// The file key of an action.
std::string_view actionKey(const ScenarioAction& action) {
  return std::visit(Overloaded{
                        [](const CrashAction&) { return std::string_view("crash"); },
                        [](const RestartAction&) { return std::string_view("restart"); },
                        [](const WipeAction&) { return std::string_view("wipe"); },
                        [](const PartitionAction&) { return std::string_view("partition"); },
                        [](const CutLinkAction&) { return std::string_view("cut"); },
                        [](const HealAction&) { return std::string_view("heal"); },
                        [](const LinkAction&) { return std::string_view("link"); },
                        [](const NetworkAction&) { return std::string_view("network"); },
                        [](const SlowNodeAction&) { return std::string_view("slow"); },
                        [](const WorkloadAction&) { return std::string_view("workload"); },
                        [](const QuorumAction&) { return std::string_view("quorum"); },
                        [](const AddNodeAction&) { return std::string_view("add_node"); },
                        [](const DecommissionAction&) { return std::string_view("decommission"); },
                        [](const RemoveNodeAction&) { return std::string_view("remove_node"); },
                        [](const ClockAction&) { return std::string_view("clock"); },
                    },
                    action);
}

void ScenarioEmitter::timeline(const std::vector<TimelineEntry>& timeline, const std::vector<Question>& questions) {
  m_out << YAML::Key << "timeline" << YAML::Value << YAML::BeginSeq;
  for (const TimelineEntry& entry : timeline) {
    // A mapping holds each key once: an entry with two actions of one kind becomes consecutive entries at the same
    // time (the parser keeps file order within an instant). Narration stays with the first.
    std::size_t next = 0;
    bool first = true;
    while (first || next < entry.actions.size()) {
      m_out << YAML::Flow << YAML::BeginMap;
      pair("at", duration(entry.at.sinceStart));
      // An entry with nothing in it is written with an empty say, the least a file entry must hold besides 'at'.
      if (first && (!entry.say.empty() || (entry.actions.empty() && !entry.pause && !entry.focus && !entry.ask &&
                                           entry.reveals.empty() && entry.notes.empty()))) {
        text("say", entry.say);
      }
      if (first && entry.pause) pair("pause", boolean(true));
      if (first && entry.focus) focus(*entry.focus);
      if (first && !entry.reveals.empty()) {
        m_out << YAML::Key << "reveal" << YAML::Value << YAML::Flow << YAML::BeginSeq;
        for (std::size_t r : entry.reveals) m_out << questions[r].id;
        m_out << YAML::EndSeq;
      }
      if (first && entry.ask) question(questions[*entry.ask]);
      if (first && !entry.notes.empty()) text("notes", entry.notes);
      std::set<std::string_view> used;
      while (next < entry.actions.size() && used.insert(actionKey(entry.actions[next])).second) {
        action(entry.actions[next]);
        ++next;
      }
      m_out << YAML::EndMap;
      first = false;
    }
  }
  m_out << YAML::EndSeq;
}

void ScenarioEmitter::focus(const NarrationFocus& f) {
  m_out << YAML::Key << "focus" << YAML::Value << YAML::Flow << YAML::BeginMap;
  if (f.node) pair("node", nodeName(*f.node));
  if (f.key) text("key", *f.key);
  if (f.view) pair("view", std::string(focusViewName(*f.view)));
  if (f.chart) pair("chart", std::string(focusChartName(*f.chart)));
  m_out << YAML::EndMap;
}

void ScenarioEmitter::action(const ScenarioAction& a) {
  m_out << YAML::Key << std::string(actionKey(a)) << YAML::Value;
  std::visit(Overloaded{
                 [&](const CrashAction& x) { m_out << nodeName(x.node); },
                 [&](const RestartAction& x) {
                   if (!x.wipe) {
                     m_out << nodeName(x.node);
                     return;
                   }
                   m_out << YAML::Flow << YAML::BeginMap;
                   pair("node", nodeName(x.node));
                   pair("wipe", boolean(true));
                   m_out << YAML::EndMap;
                 },
                 [&](const WipeAction& x) { m_out << nodeName(x.node); },
                 [&](const PartitionAction& x) {
                   m_out << YAML::Flow << YAML::BeginSeq;
                   for (const std::vector<NodeId>& group : x.groups) {
                     m_out << YAML::Flow << YAML::BeginSeq;
                     for (NodeId node : group) m_out << nodeName(node);
                     m_out << YAML::EndSeq;
                   }
                   m_out << YAML::EndSeq;
                 },
                 [&](const CutLinkAction& x) {
                   m_out << YAML::Flow << YAML::BeginMap;
                   pair("from", nodeName(x.from));
                   pair("to", nodeName(x.to));
                   m_out << YAML::EndMap;
                 },
                 [&](const HealAction&) { m_out << boolean(true); },
                 [&](const LinkAction& x) {
                   m_out << YAML::Flow << YAML::BeginMap;
                   pair("from", nodeName(x.from));
                   pair("to", nodeName(x.to));
                   if (!x.bothWays) pair("both_ways", boolean(false));
                   if (x.latency) {
                     m_out << YAML::Key << "latency" << YAML::Value;
                     latency(*x.latency);
                   }
                   if (x.loss) pair("loss", number(*x.loss));
                   m_out << YAML::EndMap;
                 },
                 [&](const NetworkAction& x) {
                   m_out << YAML::Flow << YAML::BeginMap;
                   if (x.latency) {
                     m_out << YAML::Key << "latency" << YAML::Value;
                     latency(*x.latency);
                   }
                   if (x.loss) pair("loss", number(*x.loss));
                   if (x.duplication) pair("duplication", number(*x.duplication));
                   m_out << YAML::EndMap;
                 },
                 [&](const ClockAction& x) {
                   m_out << YAML::Flow << YAML::BeginMap;
                   pair("node", nodeName(x.node));
                   pair("offset", formatScenarioDuration(x.offset));
                   m_out << YAML::EndMap;
                 },
                 [&](const SlowNodeAction& x) {
                   m_out << YAML::Flow << YAML::BeginMap;
                   pair("node", nodeName(x.node));
                   pair("factor", number(x.factor));
                   m_out << YAML::EndMap;
                 },
                 [&](const WorkloadAction& x) {
                   m_out << YAML::Flow << YAML::BeginMap;
                   if (x.ratePerSecond) pair("rate", rate(*x.ratePerSecond));
                   if (x.readRatio) pair("read_ratio", number(*x.readRatio));
                   if (x.deleteRatio) pair("delete_ratio", number(*x.deleteRatio));
                   if (x.keys) {
                     m_out << YAML::Key << "keys" << YAML::Value;
                     keys(*x.keys);
                   }
                   if (x.routing) pair("routing", std::string(routingName(*x.routing)));
                   m_out << YAML::EndMap;
                 },
                 [&](const QuorumAction& x) {
                   m_out << YAML::Flow << YAML::BeginMap;
                   if (x.n) pair("n", std::to_string(*x.n));
                   if (x.r) pair("r", std::to_string(*x.r));
                   if (x.w) pair("w", std::to_string(*x.w));
                   m_out << YAML::EndMap;
                 },
                 [&](const AddNodeAction&) { m_out << boolean(true); },
                 [&](const DecommissionAction& x) { m_out << nodeName(x.node); },
                 [&](const RemoveNodeAction& x) { m_out << nodeName(x.node); },
             },
             a);
}

std::string ScenarioEmitter::metricValue(ExpectMetric metric, double value) {
  if (isDurationMetric(metric)) return duration(Duration{static_cast<std::int64_t>(std::llround(value))});
  return number(value);
}

void ScenarioEmitter::question(const Question& q) {
  m_out << YAML::Key << "ask" << YAML::Value << YAML::BeginMap;
  text("id", q.id);
  text("question", q.text);
  if (q.measure) pair("measure", std::string(expectMetricName(*q.measure)));
  if (!q.choices.empty()) {
    m_out << YAML::Key << "choices" << YAML::Value << YAML::BeginSeq;
    for (const QuestionChoice& c : q.choices) {
      m_out << YAML::Flow << YAML::BeginMap;
      text("text", c.text);
      if (c.min) pair("min", metricValue(*q.measure, *c.min));
      if (c.max) pair("max", metricValue(*q.measure, *c.max));
      if (c.correct) pair("correct", boolean(true));
      m_out << YAML::EndMap;
    }
    m_out << YAML::EndSeq;
  }
  if (q.answer) {
    pair("answer", metricValue(*q.measure, *q.answer));
    pair("tolerance", metricValue(*q.measure, q.tolerance));
  }
  if (!q.hint.empty()) text("hint", q.hint);
  if (!q.explanation.empty()) text("explanation", q.explanation);
  m_out << YAML::EndMap;
}

void ScenarioEmitter::challenge(const Challenge& c) {
  m_out << YAML::Key << "challenge" << YAML::Value << YAML::BeginMap;
  text("text", c.text);
  m_out << YAML::Key << "knobs" << YAML::Value << YAML::BeginSeq;
  for (const ChallengeKnob& k : c.knobs) {
    const KnobInfo* info = findChallengeKnob(k.path);
    const auto bound = [&](double v) {
      switch (k.kind) {
        case KnobKind::kDuration: return duration(Duration{static_cast<std::int64_t>(std::llround(v))});
        case KnobKind::kRate: return rate(v);
        default: return number(v);
      }
    };
    m_out << YAML::Flow << YAML::BeginMap;
    pair("set", k.path);
    if (info && info->label != k.label) text("label", k.label);
    if (k.min) pair("min", bound(*k.min));
    if (k.max) pair("max", bound(*k.max));
    if (k.kind == KnobKind::kChoice && info && k.choices.size() != info->choices.size()) {
      m_out << YAML::Key << "choices" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const std::string& choice : k.choices) m_out << choice;
      m_out << YAML::EndSeq;
    }
    m_out << YAML::EndMap;
  }
  m_out << YAML::EndSeq;
  expectations(c.goals, "goals");
  if (!c.solution.empty()) {
    m_out << YAML::Key << "solution" << YAML::Value << YAML::BeginMap;
    for (const ScenarioOverride& o : c.solution) pair(o.path, o.value);
    m_out << YAML::EndMap;
  }
  m_out << YAML::EndMap;
}

void ScenarioEmitter::expectations(const std::vector<Expectation>& expectations, std::string_view key) {
  m_out << YAML::Key << std::string(key) << YAML::Value << YAML::BeginMap;
  for (const Expectation& e : expectations) {
    const auto bound = [&](double value) {
      if (isDurationMetric(e.metric)) return duration(Duration{static_cast<std::int64_t>(std::llround(value))});
      return number(value);
    };
    m_out << YAML::Key << std::string(expectMetricName(e.metric)) << YAML::Value;
    const bool bare = isHigherBetter(e.metric) ? (e.min && !e.max) : (e.max && !e.min);
    if (bare) {
      m_out << bound(isHigherBetter(e.metric) ? *e.min : *e.max);
      continue;
    }
    m_out << YAML::Flow << YAML::BeginMap;
    if (e.min) pair("min", bound(*e.min));
    if (e.max) pair("max", bound(*e.max));
    m_out << YAML::EndMap;
  }
  m_out << YAML::EndMap;
}

}  // namespace

std::string writeScenario(const ScenarioSpec& spec) {
  ScenarioEmitter emitter;
  return emitter.write(spec);
}

}  // namespace ringlab
