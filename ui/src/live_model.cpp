#include <ringlab/ui/live_model.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include <boost/json.hpp>

#include <ringlab/engine/status.h>
#include <ringlab/observe/enum_names.h>
#include <ringlab/observe/event_json.h>
#include <ringlab/observe/prometheus_text.h>

namespace ringlab {

namespace json = boost::json;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kRatesFreshNs = 2'500'000'000;       // a node's rates count until it misses two scrapes

std::string_view str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return {};
  return v->get_string();
}

std::int64_t integer(const json::object& o, std::string_view key, std::int64_t fallback = 0) {
  const json::value* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return fallback;
}

double number(const json::object& o, std::string_view key, double fallback = 0) {
  const json::value* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return fallback;
}

bool boolean(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

// A member's id from its name, for names the app can draw: n1 .. n256. Others (a typo, "n999999") are ignored, so
// that no input can make a snapshot allocate for a million nodes.
NodeId liveNodeId(std::string_view name) {
  const NodeId id = parseNodeName(name);
  return id < LiveClusterModel::kMaxNodes ? id : kNoNode;
}

QString qstr(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

double parseLe(std::string_view le) {
  if (le == "+Inf") return INFINITY;
  const std::string text(le);
  return std::strtod(text.c_str(), nullptr);
}

// The q-quantile of a histogram given as (upper bound, count in bucket) sorted by bound, interpolating linearly
// inside the bucket; +Inf is taken as the last finite bound. In milliseconds; 0 when empty.
double quantileMs(const std::map<double, double>& buckets, double q) {
  double total = 0;
  for (const auto& [le, count] : buckets) total += count;
  if (total <= 0) return 0;
  const double target = q * total;
  double cumulative = 0;
  double lower = 0;
  double lastFinite = 0;
  for (const auto& [le, count] : buckets) {
    if (std::isfinite(le)) lastFinite = le;
    if (count > 0 && cumulative + count >= target) {
      const double upper = std::isfinite(le) ? le : lastFinite;
      const double fraction = std::clamp((target - cumulative) / count, 0.0, 1.0);
      return (lower + (upper - lower) * fraction) * 1000.0;
    }
    cumulative += count;
    if (std::isfinite(le)) lower = le;
  }
  return lastFinite * 1000.0;
}

QString describeFault(const json::object& rule) {
  const QString action = qstr(str(rule, "action"));
  const QString peer = str(rule, "peer") == "*" ? QStringLiteral("every peer") : qstr(str(rule, "peer"));
  if (action == QLatin1String("drop")) {
    const double p = number(rule, "probability", 1.0);
    return p >= 1.0 ? QStringLiteral("drop to %1").arg(peer)
                    : QStringLiteral("drop %1% to %2").arg(qRound(p * 100)).arg(peer);
  }
  if (action == QLatin1String("delay")) {
    return QStringLiteral("delay %1 ms to %2").arg(integer(rule, "delay_ms")).arg(peer);
  }
  if (action == QLatin1String("pause")) return QStringLiteral("paused");
  return action;
}

}  // namespace

struct LiveClusterModel::MemberState {
  LiveMember info;
  std::optional<std::int64_t> offsetNs;  // session time - node time
  std::vector<Token> tokens;
  std::map<QString, NodeState> verdict;  // this node's failure detector verdict on each peer
  std::map<QString, double> phi;
  std::map<QString, std::uint64_t> incarnation;  // SWIM: each peer's incarnation as this node knows it
  bool judged = false;                           // its /cluster answer (with its verdicts) has come
  Counters counters;
  Rates rates;
  std::uint64_t keys = 0;
  std::uint64_t bytes = 0;
  std::uint64_t siblingKeys = 0;
  std::uint64_t hints = 0;
  std::vector<std::pair<QString, double>> dropRules;  // peer, probability
  bool reachabilityKnown = false;
};

QString LiveClusterModel::inputKindName(InputKind kind) {
  switch (kind) {
    case InputKind::kCluster: return QStringLiteral("cluster");
    case InputKind::kMetrics: return QStringLiteral("metrics");
    case InputKind::kEvent: return QStringLiteral("event");
    case InputKind::kReachability: return QStringLiteral("reachability");
  }
  return {};
}

std::optional<LiveClusterModel::InputKind> LiveClusterModel::parseInputKind(const QString& name) {
  for (InputKind k : {InputKind::kCluster, InputKind::kMetrics, InputKind::kEvent, InputKind::kReachability}) {
    if (inputKindName(k) == name) return k;
  }
  return std::nullopt;
}

LiveClusterModel::LiveClusterModel() : m_ring(std::make_shared<Ring>()) {}
LiveClusterModel::~LiveClusterModel() = default;

LiveClusterModel::MemberState& LiveClusterModel::memberNamed(const QString& name) {
  auto& slot = m_members[name];
  if (!slot) {
    slot = std::make_unique<MemberState>();
    slot->info.name = name;
    slot->info.id = liveNodeId(name.toStdString());
  }
  return *slot;
}

QString LiveClusterModel::ingest(std::int64_t atNs, const QString& node, InputKind kind, const QByteArray& body) {
  // Chart intervals close on the inputs' clock too, so that a recording fast-forwarded in one step still gives one
  // sample a second (a long silence closes as one interval).
  if (atNs - m_intervalStartNs >= kSecond) {
    closeInterval(atNs - m_intervalStartNs >= 10 * kSecond ? atNs : m_intervalStartNs + kSecond);
  }
  switch (kind) {
    case InputKind::kCluster: return ingestCluster(atNs, body);
    case InputKind::kMetrics:
      if (liveNodeId(node.toStdString()) == kNoNode) return {};
      ingestMetrics(atNs, memberNamed(node), body);
      return {};
    case InputKind::kEvent:
      if (liveNodeId(node.toStdString()) == kNoNode) return {};
      return ingestEvent(atNs, memberNamed(node), body);
    case InputKind::kReachability: {
      if (liveNodeId(node.toStdString()) == kNoNode) return {};
      const QString text = QString::fromUtf8(body);
      const bool up = text == QLatin1String("up");
      setReachable(atNs, memberNamed(node), up, up ? QString() : text.section(QLatin1Char(' '), 1));
      return {};
    }
  }
  return {};
}

QString LiveClusterModel::ingestCluster(std::int64_t atNs, const QByteArray& body) {
  boost::system::error_code ec;
  const json::value root = json::parse(std::string_view(body.constData(), static_cast<std::size_t>(body.size())), ec);
  if (ec || !root.is_object()) return QStringLiteral("the /cluster answer is not JSON (%1)").arg(qstr(ec.message()));
  const json::object& o = root.get_object();
  const std::int64_t version = integer(o, "api_version", -1);
  const QString self = qstr(str(o, "node"));
  if (version != kAdminApiVersion) {
    return QStringLiteral(
               "%1 speaks admin API version %2; this app speaks version %3. Use matching versions of "
               "ringlab and ringlabd.")
        .arg(self.isEmpty() ? QStringLiteral("the node") : self)
        .arg(version)
        .arg(kAdminApiVersion);
  }
  if (liveNodeId(self.toStdString()) == kNoNode) {
    return QStringLiteral("the node calls itself '%1', which is not a node name like n1").arg(self);
  }
  m_clusterName = qstr(str(o, "cluster"));
  if (const json::value* q = o.if_contains("quorum"); q && q->is_object()) {
    m_quorum.n = static_cast<std::size_t>(integer(q->get_object(), "n", 3));
    m_quorum.r = static_cast<std::size_t>(integer(q->get_object(), "r", 2));
    m_quorum.w = static_cast<std::size_t>(integer(q->get_object(), "w", 2));
  }
  m_vnodes = static_cast<std::size_t>(std::max<std::int64_t>(1, integer(o, "vnodes_per_node", 16)));
  // Nodes before the SWIM option say nothing: they detect with phi accrual.
  m_detection = parseDetectionProtocol(str(o, "failure_detector")).value_or(DetectionProtocol::kPhiAccrual);

  MemberState& me = memberNamed(self);
  me.info.faultInjection = boolean(o, "fault_injection");
  const std::int64_t generation = integer(o, "generation");
  if (me.info.generation != 0 && generation != me.info.generation) {
    addMark(atNs, QStringLiteral("%1 restarted").arg(self));
    me.offsetNs.reset();
  }
  me.info.generation = generation;
  me.info.faults.clear();
  me.dropRules.clear();
  if (const json::value* faults = o.if_contains("faults"); faults && faults->is_array()) {
    for (const json::value& f : faults->get_array()) {
      if (!f.is_object()) continue;
      me.info.faults << describeFault(f.get_object());
      if (str(f.get_object(), "action") == "drop") {
        me.dropRules.emplace_back(qstr(str(f.get_object(), "peer")), number(f.get_object(), "probability", 1.0));
      }
    }
  }

  bool ringChanged = false;
  const json::value* members = o.if_contains("members");
  if (members && members->is_array()) {
    for (const json::value& v : members->get_array()) {
      if (!v.is_object()) continue;
      const json::object& m = v.get_object();
      const QString name = qstr(str(m, "id"));
      if (liveNodeId(name.toStdString()) == kNoNode) continue;
      MemberState& member = memberNamed(name);
      if (m.contains("host")) {
        member.info.host = qstr(str(m, "host"));
        member.info.adminPort = static_cast<int>(integer(m, "admin_port"));
        member.info.clientPort = static_cast<int>(integer(m, "client_port"));
        member.info.peerPort = static_cast<int>(integer(m, "peer_port"));
      }
      const QString status = qstr(str(m, "status"));
      // The member's own word on its status wins; others' views of it lag by a gossip round.
      if (name == self || member.info.status.isEmpty() || !member.info.reachable) {
        if (!member.info.status.isEmpty() && status != member.info.status) {
          addMark(atNs, QStringLiteral("%1 %2").arg(name, status));
        }
        member.info.status = status;
      }
      const bool inRing = boolean(m, "in_ring");
      std::vector<Token> tokens;
      if (const json::value* t = m.if_contains("tokens"); t && t->is_array()) {
        for (const json::value& token : t->get_array()) {
          if (token.is_string()) {
            std::uint64_t value = 0;
            const std::string_view s = token.get_string();
            if (std::from_chars(s.data(), s.data() + s.size(), value).ec == std::errc()) tokens.push_back(value);
          }
        }
      }
      std::sort(tokens.begin(), tokens.end());
      if (!inRing) tokens.clear();
      if (member.info.inRing != inRing || member.tokens != tokens) {
        member.info.inRing = inRing;
        member.tokens = std::move(tokens);
        ringChanged = true;
      }
      if (name != self) {
        if (const auto state = enumFromName<NodeState>(str(m, "state"), nodeStateName)) me.verdict[name] = *state;
        me.phi[name] = number(m, "phi");
        if (m.contains("incarnation")) {
          me.incarnation[name] = static_cast<std::uint64_t>(integer(m, "incarnation"));
        } else {
          me.incarnation.erase(name);
        }
      }
    }
  }
  me.judged = true;
  if (ringChanged) rebuildRing();
  setReachable(atNs, me, true, {});
  return {};
}

void LiveClusterModel::rebuildRing() {
  std::vector<RingEntry> entries;
  for (const auto& [name, m] : m_members) {
    if (m->info.id == kNoNode) continue;
    for (Token t : m->tokens) entries.push_back(RingEntry{t, m->info.id});
  }
  std::sort(entries.begin(), entries.end(), [](const RingEntry& a, const RingEntry& b) {
    return a.token != b.token ? a.token < b.token : a.node < b.node;
  });
  if (entries == m_ringEntries) return;
  m_ringEntries = entries;
  RingConfig config;
  config.vnodesPerNode = m_vnodes;
  m_ring = std::make_shared<Ring>(Ring::fromEntries(std::move(entries), config));
  m_ownershipReplicas = 0;  // recomputed at the next snapshot
  ++m_ringVersion;
}

void LiveClusterModel::setReachable(std::int64_t atNs, MemberState& m, bool reachable, const QString& reason) {
  if (m.reachabilityKnown && m.info.reachable != reachable) {
    addMark(atNs, reachable ? QStringLiteral("%1 reachable again").arg(m.info.name)
                            : QStringLiteral("%1 unreachable: %2").arg(m.info.name, reason));
  }
  m.reachabilityKnown = true;
  m.info.reachable = reachable;
  m.info.lastError = reachable ? QString() : reason;
  if (!reachable) m.offsetNs.reset();  // a node that comes back may have restarted with a new clock
}

void LiveClusterModel::ingestMetrics(std::int64_t atNs, MemberState& m, const QByteArray& body) {
  Counters now;
  now.atNs = atNs;
  // Samples are read one by one: a line this build does not understand costs that line, not the scrape.
  const PrometheusText text =
      readPrometheusText(std::string_view(body.constData(), static_cast<std::size_t>(body.size())));
  for (const PrometheusSample& sample : text.samples) {
    if (!std::isfinite(sample.value) || sample.value < 0) continue;
    const auto op = [&]() -> int {
      const auto o = enumFromName<Operation>(sample.label("op"), operationName);
      return o ? static_cast<int>(*o) : -1;
    };
    if (sample.name == "ringlab_operation_duration_seconds_count") {
      if (int i = op(); i >= 0) now.ops[static_cast<std::size_t>(i)] = sample.value;
    } else if (sample.name == "ringlab_operation_duration_seconds_bucket") {
      if (int i = op(); i >= 0)
        now.buckets[static_cast<std::size_t>(i)].emplace_back(parseLe(sample.label("le")), sample.value);
    } else if (sample.name == "ringlab_operation_errors_total") {
      // One sample per op and reason (timeout, unavailable, ...): the chart shows their sum.
      if (int i = op(); i >= 0) now.errors[static_cast<std::size_t>(i)] += sample.value;
    } else if (sample.name == "ringlab_messages_sent_total") {
      if (const auto kind = parseMessageKind(sample.label("kind"))) {
        now.sent[static_cast<std::size_t>(trafficClassOf(*kind))] += sample.value;
      }
    } else if (sample.name == "ringlab_messages_dropped_total") {
      now.dropped += sample.value;
    } else if (sample.name == "ringlab_storage_records") {
      m.keys = static_cast<std::uint64_t>(sample.value);
    } else if (sample.name == "ringlab_storage_bytes") {
      m.bytes = static_cast<std::uint64_t>(sample.value);
    } else if (sample.name == "ringlab_storage_sibling_keys") {
      m.siblingKeys = static_cast<std::uint64_t>(sample.value);
    } else if (sample.name == "ringlab_hints_pending") {
      m.hints = static_cast<std::uint64_t>(sample.value);
    }
  }
  const Counters& before = m.counters;
  if (before.atNs >= 0 && now.atNs > before.atNs) {
    // Each node's rates come from its own two scrapes, so that a chart interval that happens to hold two scrapes of
    // one node (or none) does not show a spike (or a gap). A counter that went down belongs to a restarted process:
    // count from zero.
    const auto delta = [](double after, double prior) { return after >= prior ? after - prior : after; };
    const double seconds = static_cast<double>(now.atNs - before.atNs) / 1e9;
    Rates& r = m.rates;
    r = Rates{};
    r.atNs = now.atNs;
    for (std::size_t i = 0; i < 3; ++i) {
      r.ops[i] = delta(now.ops[i], before.ops[i]) / seconds;
      r.errors[i] = delta(now.errors[i], before.errors[i]) / seconds;
      const auto& a = now.buckets[i];
      const auto& b = before.buckets[i];
      double previousCumulative = 0;
      double previousBefore = 0;
      for (std::size_t k = 0; k < a.size(); ++k) {
        const double cumBefore = k < b.size() && b[k].first == a[k].first ? b[k].second : 0;
        const double inBucket = delta(a[k].second, cumBefore) - delta(previousCumulative, previousBefore);
        // Empty buckets go in too: a quantile interpolates from the bound of the bucket below, empty or not.
        r.buckets[i][a[k].first] += std::max(0.0, inBucket);
        previousCumulative = a[k].second;
        previousBefore = cumBefore;
      }
    }
    for (std::size_t c = 0; c < kTrafficClassCount; ++c) r.sent[c] = delta(now.sent[c], before.sent[c]) / seconds;
    r.dropped = delta(now.dropped, before.dropped) / seconds;
  }
  m.counters = std::move(now);
}

std::int64_t LiveClusterModel::toSession(MemberState& m, std::int64_t atNs, std::int64_t nodeNs, bool calibrate) {
  const std::int64_t candidate = atNs - nodeNs;
  if (calibrate && (!m.offsetNs || candidate < *m.offsetNs)) m.offsetNs = candidate;
  return nodeNs + m.offsetNs.value_or(candidate);
}

QString LiveClusterModel::ingestEvent(std::int64_t atNs, MemberState& m, const QByteArray& body) {
  boost::system::error_code ec;
  const json::value root = json::parse(std::string_view(body.constData(), static_cast<std::size_t>(body.size())), ec);
  if (ec || !root.is_object()) return {};  // a key that is not UTF-8 can make a line invalid: skip it
  const json::object& o = root.get_object();
  const std::string_view type = str(o, "type");
  ++m_eventsIngested;
  if (type == "hello") {
    const std::int64_t version = integer(o, "api_version", -1);
    m.offsetNs.reset();
    if (version != kAdminApiVersion) {
      return QStringLiteral("%1 streams events in admin API version %2; this app speaks version %3")
          .arg(m.info.name)
          .arg(version)
          .arg(kAdminApiVersion);
    }
    return {};
  }
  if (type == "sampled") {
    m_observer.noteTruncated();
    return {};
  }
  // A line this build cannot read (a newer node's event type, a malformed field) is skipped like a sampled one.
  const Result<Event> decoded = eventFromJson(o);
  if (!decoded.isOk()) return {};
  const Event& event = *decoded;
  const bool isSlice = std::holds_alternative<FiberSlice>(event);
  const std::int64_t nodeNs = eventTime(event).nanos();
  const std::int64_t t = toSession(m, atNs, nodeNs, /*calibrate=*/!isSlice);
  std::int64_t shift = t - nodeNs;
  if (const auto* slice = std::get_if<FiberSlice>(&event)) {
    // Until the node's clock is known, the slice ends when it arrived (its length kept).
    shift = m.offsetNs.value_or(atNs - slice->end.nanos());
  }
  m_observer.observe(event, shift);
  return {};
}

void LiveClusterModel::addMark(std::int64_t atNs, const QString& text) { m_observer.addMark(atNs, text.toStdString()); }

void LiveClusterModel::closeInterval(std::int64_t endNs) {
  if (endNs <= m_intervalStartNs) return;
  MetricsSample sample;
  sample.timeSeconds = static_cast<double>(endNs) / 1e9;
  std::array<std::map<double, double>, 3> buckets;
  for (const auto& [name, m] : m_members) {
    if (m->info.reachable && m->info.status != QLatin1String("left")) sample.runningNodes += 1;
    if (!m->info.reachable && m->info.status != QLatin1String("left")) {
      // An unreachable member: how many reachable members' detectors hold it down.
      for (const auto& [otherName, other] : m_members) {
        if (other.get() == m.get() || !other->info.reachable) continue;
        const auto v = other->verdict.find(name);
        if (v != other->verdict.end() && v->second == NodeState::kDown) sample.crashDownVerdicts += 1;
      }
    }
    sample.hintsOutstanding += static_cast<double>(m->hints);
    const Rates& r = m->rates;
    if (r.atNs < 0 || r.atNs < endNs - kRatesFreshNs || !m->info.reachable) continue;  // stale: the node is silent
    for (std::size_t i = 0; i < 3; ++i) {
      sample.opsPerSecond[i] += r.ops[i];
      sample.errorsPerSecond += r.errors[i];
      sample.failedPerSecond[i] += r.errors[i];
      for (const auto& [le, count] : r.buckets[i]) buckets[i][le] += count;
    }
    for (std::size_t c = 0; c < kTrafficClassCount; ++c) sample.messagesPerSecond[c] += r.sent[c];
    sample.droppedPerSecond += r.dropped;
  }
  for (std::size_t i = 0; i < 3; ++i) {
    sample.p50Ms[i] = quantileMs(buckets[i], 0.50);
    sample.p99Ms[i] = quantileMs(buckets[i], 0.99);
    sample.p999Ms[i] = quantileMs(buckets[i], 0.999);
  }
  m_newSamples.push_back(sample);
  m_intervalStartNs = endNs;
}

FeedSnapshot LiveClusterModel::takeSnapshot(std::int64_t nowNs) {
  if (nowNs - m_intervalStartNs >= kSecond) closeInterval(nowNs);

  FeedSnapshot s;
  s.nowNs = nowNs;
  s.endNs = nowNs;
  s.playing = true;
  s.speed = 1.0;
  s.achievedSpeed = 1.0;
  s.quorum = m_quorum;
  s.detection = m_detection;
  s.ring = m_ring;
  s.ringVersion = m_ringVersion;

  NodeId maxId = 0;
  bool any = false;
  for (const auto& [name, m] : m_members) {
    if (m->info.id == kNoNode) continue;
    maxId = std::max(maxId, m->info.id);
    any = true;
  }
  const std::size_t count = any ? maxId + 1 : 0;
  s.nodes.resize(count);
  for (NodeId id = 0; id < count; ++id) {
    s.nodes[id].id = id;
    s.nodes[id].state = NodeDisplayState::kLeft;
    s.nodes[id].running = false;
  }
  // Ownership changes only with the ring or N: not recomputed for every snapshot.
  const std::size_t replicas = std::max<std::size_t>(1, m_quorum.n);
  if (m_ownershipReplicas != replicas) {
    m_ownership = m_ring->ownership(replicas);
    m_ownershipReplicas = replicas;
  }
  const OwnershipStats& ownership = m_ownership;
  for (const auto& [name, m] : m_members) {
    const NodeId id = m->info.id;
    if (id == kNoNode) continue;
    NodeInfo& info = s.nodes[id];
    info.running = m->info.reachable;
    info.keys = m->keys;
    info.bytes = m->bytes;
    info.siblingKeys = m->siblingKeys;
    info.hintsHeld = m->hints;
    if (const NodeOwnership* own = ownership.of(id)) {
      info.primaryShare = own->primaryShare;
      info.replicatedShare = own->replicatedShare;
      info.tokens = own->tokens;
    }
    // A live cluster is small: every node's opinion of every peer is in the snapshot.
    info.judged = m->judged;
    info.peersListed = m->judged;
    for (const auto& [peer, verdict] : m->verdict) {
      const NodeId p = liveNodeId(peer.toStdString());
      if (p >= count || p == id) continue;
      if (verdict != NodeState::kUp) info.doubts.emplace_back(p, verdict);
      PeerOpinion opinion{p, verdict, 0.0, 0, -1};
      if (const auto phi = m->phi.find(peer); phi != m->phi.end()) opinion.phi = phi->second;
      if (const auto inc = m->incarnation.find(peer); inc != m->incarnation.end()) opinion.incarnation = inc->second;
      // Under SWIM the inspector lists the peers some news was about: those the node gives an incarnation for
      // (/cluster has one only for them) or does not think up.
      const bool news = m->incarnation.count(peer) > 0 || verdict != NodeState::kUp;
      if (m_detection != DetectionProtocol::kSwim || news) {
        info.peers.push_back(opinion);
      }
    }
    std::sort(info.doubts.begin(), info.doubts.end());
    std::sort(info.peers.begin(), info.peers.end(),
              [](const PeerOpinion& a, const PeerOpinion& b) { return a.peer < b.peer; });
  }
  for (const auto& [name, m] : m_members) {
    const NodeId id = m->info.id;
    if (id == kNoNode) continue;
    NodeInfo& info = s.nodes[id];
    bool suspect = false;
    bool down = false;
    for (const auto& [otherName, other] : m_members) {
      if (other.get() == m.get() || !other->info.reachable || other->info.id == kNoNode) continue;
      const auto v = other->verdict.find(name);
      if (v == other->verdict.end()) continue;
      if (v->second == NodeState::kSuspect || v->second == NodeState::kDown) ++info.suspectedBy;
      suspect = suspect || v->second == NodeState::kSuspect;
      down = down || v->second == NodeState::kDown;
    }
    const QString& status = m->info.status;
    if (!m->info.reachable) {
      info.state = status == QLatin1String("left") ? NodeDisplayState::kLeft : NodeDisplayState::kUnreachable;
    } else if (status == QLatin1String("left")) {
      info.state = NodeDisplayState::kLeft;
    } else if (status == QLatin1String("leaving")) {
      info.state = NodeDisplayState::kLeaving;
    } else if (status == QLatin1String("joining")) {
      info.state = NodeDisplayState::kJoining;
    } else if (down) {
      info.state = NodeDisplayState::kDown;
    } else if (suspect) {
      info.state = NodeDisplayState::kSuspect;
    } else {
      info.state = NodeDisplayState::kUp;
    }
    for (const auto& [peer, probability] : m->dropRules) {
      if (probability < 1.0) continue;
      if (peer == QLatin1String("*")) {  // every peer without a drop rule of its own
        for (const auto& [otherName, other] : m_members) {
          const bool ownRule = std::any_of(m->dropRules.begin(), m->dropRules.end(),
                                           [&](const auto& rule) { return rule.first == otherName; });
          if (other->info.id != kNoNode && other->info.id != id && !ownRule) {
            s.cutLinks.emplace_back(id, other->info.id);
          }
        }
      } else if (const NodeId to = liveNodeId(peer.toStdString()); to != kNoNode) {
        s.cutLinks.emplace_back(id, to);
      }
    }
  }

  m_observer.takeRecords(s, nowNs);
  s.newSamples = std::exchange(m_newSamples, {});
  s.operationsCompleted = m_observer.requestsSucceeded();
  s.operationsFailed = m_observer.requestsFailed();
  return s;
}

std::vector<LiveMember> LiveClusterModel::members() const {
  std::vector<LiveMember> out;
  for (const auto& [name, m] : m_members) out.push_back(m->info);
  return out;
}

std::optional<LiveMember> LiveClusterModel::member(const QString& name) const {
  const auto it = m_members.find(name);
  if (it == m_members.end()) return std::nullopt;
  return it->second->info;
}

}  // namespace ringlab
