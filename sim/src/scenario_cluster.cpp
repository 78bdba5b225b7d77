// The scenario format's cluster and network sections: size, ring, replication, mechanisms, latency and links.
#include "scenario_parser.h"

namespace ringlab::scenario_detail {

// --- cluster ----------------------------------------------------------------------------------------------------

void ScenarioParser::parseCluster(const Field& f, SimulationConfig& config) {
  const MapView m = mapping(f, kClusterKeys, "a mapping of cluster settings");
  const Field* nodesField = m.find("nodes");
  if (nodesField != nullptr) config.nodes = integer(*nodesField, 1, 10000);
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
    // A value given with --set has no line: it is the one to blame.
    if (nodesField != nullptr && !overrideFor(nField->path) &&
        (overrideFor(nodesField->path) || isAfter(nodesField->at, nField->at))) {
      fail(nodesField->at, nodesField->path,
           fmt::format("the node count ({}) is smaller than N ({}) at line {}", config.nodes, quorum.n,
                       nField->at.line));
    }
    fail(nField->at, nField->path, fmt::format("N ({}) is larger than the node count ({})", quorum.n, config.nodes));
  }
  const auto checkQuorum = [&](const Field* field, std::size_t value, char name) {
    if (field == nullptr || (value >= 1 && value <= quorum.n)) return;
    if (nField != nullptr && !overrideFor(field->path) && (overrideFor(nField->path) || isAfter(nField->at, field->at)) &&
        value >= 1) {
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
                              "true, false, or {threshold: 8, suspect_threshold: 4, interval: 250ms}, or "
                              "{protocol: swim, probe_timeout: 500ms, indirect_probes: 3, suspicion_multiplier: 4, "
                              "retransmit_multiplier: 4, sync_interval: 30s}");
    if (const Field* p = d.find("protocol")) {
      const std::string& name = scalar(*p, "phi_accrual or swim");
      const auto protocol = parseDetectionProtocol(name);
      if (!protocol) failExpected(*p, "phi_accrual or swim");
      mech.detection = *protocol;
    }
    if (const Field* t = d.find("probe_timeout")) {
      mech.swim.probeTimeout = duration(*t, Duration{0}, kMinute, true);
      // A round lasts 0.8 to 1.2 gossip intervals: helpers need the rest of the shortest one to answer.
      if (mech.swim.probeTimeout >= mech.gossipInterval * 8 / 10) {
        fail(t->at, t->path,
             "probe_timeout must be shorter than 80% of the gossip interval (" + formatDuration(mech.gossipInterval) +
                 "), so that indirect probes have time");
      }
    }
    if (const Field* i = d.find("sync_interval"))
      mech.swim.syncInterval = duration(*i, Duration{0}, std::chrono::hours(1));
    if (const Field* k = d.find("indirect_probes")) mech.swim.indirectProbes = integer(*k, 0, 16);
    if (const Field* s = d.find("suspicion_multiplier")) mech.swim.suspicionMultiplier = number(*s, 0, 1000);
    if (const Field* r = d.find("retransmit_multiplier")) mech.swim.retransmitMultiplier = integer(*r, 1, 100);
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
  {
    // Off by default; a mapping such as {grace: 10s} turns it on unless it says `enabled: false`.
    bool enabled = mech.tombstoneGc;
    const MapView t = section("tombstone_gc", kTombstoneGcKeys, enabled, "true, false, or {grace: 10s}");
    if (const Field* field = m.find("tombstone_gc"); field != nullptr && !field->node.IsScalar()) {
      enabled = t.find("enabled") == nullptr || boolean(*t.find("enabled"));
    }
    mech.tombstoneGc = enabled;
    if (const Field* g = t.find("grace")) {
      mech.tombstoneGrace = duration(*g, Duration{0}, std::chrono::hours(24 * 365), true);
    }
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

}  // namespace ringlab::scenario_detail
