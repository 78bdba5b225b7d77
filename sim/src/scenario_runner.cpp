#include <ringlab/engine/overloaded.h>
#include <ringlab/sim/scenario_runner.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include <ringlab/engine/hash.h>

namespace ringlab {
namespace {

std::string formatMeasure(ExpectMetric metric, double value) {
  if (isDurationMetric(metric)) {
    if (!std::isfinite(value)) return "never";
    return formatDuration(Duration(static_cast<std::int64_t>(value)));
  }
  if (metric == ExpectMetric::kStaleReadRate || metric == ExpectMetric::kAvailability ||
      metric == ExpectMetric::kGetAvailability || metric == ExpectMetric::kPutAvailability) {
    return fmt::format("{:.4f}", value);
  }
  if (metric == ExpectMetric::kThroughput) return fmt::format("{:.0f}/s", value);
  return fmt::format("{:.0f}", value);
}

double opAvailability(const OperationMetrics& m) {
  return m.total() ? static_cast<double>(m.ok) / static_cast<double>(m.total()) : 1.0;
}

double nanos(Duration d) { return static_cast<double>(d.count()); }

std::string at(TimePoint t) { return formatDuration(t.sinceStart); }

// The crash the run took longest to detect: the first that some observer never marked down, else the one with the
// latest last verdict. Null when no node crashed.
const CrashDetection* slowestDetection(const ScenarioReport& report) {
  const CrashDetection* slowest = nullptr;
  for (const CrashDetection& d : report.crashDetections) {
    if (!d.allDetected()) return &d;
    if (!slowest || *d.allDetected() > *slowest->allDetected()) slowest = &d;
  }
  return slowest;
}

}  // namespace

std::string describeMeasured(ExpectMetric metric, double value, const ScenarioReport& report) {
  const std::string v = formatMetricValue(metric, value);
  const Metrics& m = report.metrics;
  const auto count = [](std::uint64_t n) { return formatMetricValue(ExpectMetric::kLostWrites, static_cast<double>(n)); };
  std::uint64_t ok = 0, total = 0;
  for (const auto& op : m.operations) {
    ok += op.ok;
    total += op.total();
  }
  switch (metric) {
    case ExpectMetric::kStaleReadRate:
      return fmt::format("{} of reads were stale ({} of {})", v, count(report.history.staleReads),
                         count(report.history.successfulReads));
    case ExpectMetric::kStaleReads:
      return fmt::format("{} stale read{} (of {} successful reads)", v, value == 1 ? "" : "s",
                         count(report.history.successfulReads));
    case ExpectMetric::kAvailability:
      return fmt::format("{} of operations succeeded ({} of {})", v, count(ok), count(total));
    case ExpectMetric::kGetAvailability:
      return fmt::format("{} of reads succeeded ({} of {})", v, count(m.of(Operation::kGet).ok),
                         count(m.of(Operation::kGet).total()));
    case ExpectMetric::kPutAvailability:
      return fmt::format("{} of writes succeeded ({} of {})", v, count(m.of(Operation::kPut).ok),
                         count(m.of(Operation::kPut).total()));
    case ExpectMetric::kGetP50: return fmt::format("half of the reads took under {}", v);
    case ExpectMetric::kGetP99: return fmt::format("99 % of the reads took under {}", v);
    case ExpectMetric::kGetP999: return fmt::format("99.9 % of the reads took under {}", v);
    case ExpectMetric::kPutP50: return fmt::format("half of the writes took under {}", v);
    case ExpectMetric::kPutP99: return fmt::format("99 % of the writes took under {}", v);
    case ExpectMetric::kPutP999: return fmt::format("99.9 % of the writes took under {}", v);
    case ExpectMetric::kThroughput: return fmt::format("operations succeeded at {}", v);
    case ExpectMetric::kTimeouts: return fmt::format("{} operation{} timed out (of {})", v, value == 1 ? "" : "s", count(total));
    case ExpectMetric::kUnavailable:
      return fmt::format("{} operation{} failed as unavailable (of {})", v, value == 1 ? "" : "s", count(total));
    case ExpectMetric::kFreshAfter:
      return std::isfinite(value) ? fmt::format("reads were 99.9 % fresh from {} after a write's acknowledgement", v)
                                  : std::string("reads never reached 99.9 % fresh");
    case ExpectMetric::kLostWrites:
      return fmt::format("{} acknowledged write{} lost (of {})", v, value == 1 ? " was" : "s were",
                         count(report.history.acknowledgedWrites));
    case ExpectMetric::kLostUpdates:
      return fmt::format("{} acknowledged write{} discarded by last-write-wins (of {})", v, value == 1 ? " was" : "s were",
                         count(report.history.acknowledgedWrites));
    case ExpectMetric::kConvergenceTime:
      return std::isfinite(value) ? fmt::format("the replicas agreed {} after the clients stopped", v)
                                  : std::string("the replicas did not agree before the quiesce limit");
    case ExpectMetric::kSiblingsCreated:
      return fmt::format("{} acknowledged write{} left {} key with siblings", v, value == 1 ? "" : "s",
                         value == 1 ? "its" : "their");
    case ExpectMetric::kLargestSiblingSet: return fmt::format("the largest sibling set held {} values", v);
    case ExpectMetric::kSiblingSetsResolved:
      return fmt::format("writes resolved a key's siblings back to one value {} time{}", v, value == 1 ? "" : "s");
    case ExpectMetric::kLostIncrements:
    case ExpectMetric::kLostCrdtIncrements:
      return fmt::format("{} acknowledged increment{} missing from the converged totals", v, value == 1 ? " was" : "s were");
    case ExpectMetric::kDetectionTime: {
      const CrashDetection* slowest = slowestDetection(report);
      if (!slowest) return "no node crashed during the run";
      if (!slowest->allDetected()) {
        return fmt::format("only {} of the {} running nodes marked {} down before it restarted or the run ended",
                           count(slowest->detectedAfter.size()), count(slowest->observers), nodeName(slowest->node));
      }
      return fmt::format("every running node ({}) marked {} down within {} of its crash at {}",
                         count(slowest->observers), nodeName(slowest->node), v, at(slowest->crashedAt));
    }
    case ExpectMetric::kDivergentKeys:
      return fmt::format("{} key{} still differed between replicas at the end (of {})", v, value == 1 ? "" : "s",
                         count(report.keysChecked));
    default: break;
  }
  return fmt::format("{} = {}", expectMetricName(metric), v);
}

double ScenarioReport::availability() const {
  std::uint64_t ok = 0, total = 0;
  for (const auto& op : metrics.operations) {
    ok += op.ok;
    total += op.total();
  }
  return total ? static_cast<double>(ok) / static_cast<double>(total) : 1.0;
}

double measureExpectation(ExpectMetric metric, const ScenarioReport& report) {
  const Metrics& m = report.metrics;
  auto errors = [&](ErrorCode code) {
    double sum = 0;
    for (const auto& op : m.operations) sum += static_cast<double>(op.errors[static_cast<std::size_t>(code)]);
    return sum;
  };
  switch (metric) {
    case ExpectMetric::kLostWrites: return static_cast<double>(report.history.lostWrites);
    case ExpectMetric::kLostUpdates: return static_cast<double>(report.history.lostUpdates);
    case ExpectMetric::kStaleReads: return static_cast<double>(report.history.staleReads);
    case ExpectMetric::kStaleReadRate: return report.history.staleReadRate();
    case ExpectMetric::kAvailability: return report.availability();
    case ExpectMetric::kGetAvailability: return opAvailability(m.of(Operation::kGet));
    case ExpectMetric::kPutAvailability: return opAvailability(m.of(Operation::kPut));
    case ExpectMetric::kConvergenceTime:
      return report.convergenceTime ? nanos(*report.convergenceTime) : std::numeric_limits<double>::infinity();
    case ExpectMetric::kDivergentKeys: return static_cast<double>(report.divergentKeys);
    case ExpectMetric::kGetP50: return nanos(m.of(Operation::kGet).latency.percentile(0.5));
    case ExpectMetric::kGetP99: return nanos(m.of(Operation::kGet).latency.percentile(0.99));
    case ExpectMetric::kGetP999: return nanos(m.of(Operation::kGet).latency.percentile(0.999));
    case ExpectMetric::kPutP50: return nanos(m.of(Operation::kPut).latency.percentile(0.5));
    case ExpectMetric::kPutP99: return nanos(m.of(Operation::kPut).latency.percentile(0.99));
    case ExpectMetric::kPutP999: return nanos(m.of(Operation::kPut).latency.percentile(0.999));
    case ExpectMetric::kThroughput: {
      double ok = 0;
      for (const auto& op : m.operations) ok += static_cast<double>(op.ok);
      const double seconds = nanos(report.duration) / 1e9;
      return seconds > 0 ? ok / seconds : 0.0;
    }
    case ExpectMetric::kTimeouts: return errors(ErrorCode::kTimeout);
    case ExpectMetric::kUnavailable: return errors(ErrorCode::kUnavailable);
    case ExpectMetric::kFreshAfter:
      return report.history.freshAfter ? nanos(*report.history.freshAfter) : std::numeric_limits<double>::infinity();
    case ExpectMetric::kLostIncrements: return static_cast<double>(report.history.lostIncrements);
    case ExpectMetric::kLostCrdtIncrements: return static_cast<double>(report.history.lostCrdtIncrements);
    case ExpectMetric::kSiblingsCreated: return static_cast<double>(report.history.siblingsCreated);
    case ExpectMetric::kLargestSiblingSet: return static_cast<double>(report.history.largestSiblingSet);
    case ExpectMetric::kSiblingSetsResolved: return static_cast<double>(report.history.siblingSetsResolved);
    case ExpectMetric::kUnexplainedLostWrites: return static_cast<double>(report.history.unexplainedLostWrites());
    case ExpectMetric::kInventedValues: return static_cast<double>(report.history.inventedReads);
    case ExpectMetric::kMembershipDisagreements: return static_cast<double>(report.membershipDisagreements);
    case ExpectMetric::kDetectionTime: {
      const CrashDetection* slowest = slowestDetection(report);
      if (!slowest) return 0;
      const auto all = slowest->allDetected();
      return all ? nanos(*all) : std::numeric_limits<double>::infinity();
    }
  }
  return 0;
}

ScenarioRunner::ScenarioRunner(ScenarioSpec spec, ScenarioRunOptions options)
    : m_spec(std::move(spec)), m_options(std::move(options)) {
  if (m_options.seed) m_spec.cluster.seed = *m_options.seed;
  if (m_options.duration) m_spec.duration = *m_options.duration;
  if (m_options.stalenessBands) m_spec.stalenessBands = *m_options.stalenessBands;
  m_phases.emplace_back(TimePoint{}, std::string());
  m_reveals.resize(m_spec.questions.size());
  m_asked.resize(m_spec.questions.size(), false);
  m_sim = std::make_unique<Simulation>(m_spec.cluster);
  m_detectionWatch = m_sim->events().subscribe(maskOf(EventType::kPeerStateChanged), [this](const Event& event) {
    onPeerStateChanged(std::get<PeerStateChanged>(event));
  });
  m_cpuFactors.assign(m_spec.cluster.nodes, 1.0);
  for (const TimelineEntry& entry : m_spec.timeline) {
    for (const ScenarioAction& action : entry.actions) {
      const auto* restart = std::get_if<RestartAction>(&action);
      m_trackAcks = m_trackAcks || std::holds_alternative<WipeAction>(action) || (restart && restart->wipe);
    }
  }
  if (m_trackAcks) {
    m_hintWatch = m_sim->events().subscribe(maskOf(EventType::kHintEvent), [this](const Event& event) {
      const auto& hint = std::get<HintEvent>(event);
      if (hint.action != HintAction::kReplayed && hint.action != HintAction::kHandedOver) return;
      HintMove move{hint.holder, {}, hint.time};
      if (hint.to != kNoNode) {
        move.to.push_back(hint.to);
      } else {
        PreferenceList list;
        m_sim->ring().preferenceList(tokenForKey(hint.key), m_sim->config().quorum.n, 0, list);
        for (NodeId replica : list.replicas) {
          if (replica != hint.owner) move.to.push_back(replica);
        }
      }
      m_hintMoves[{hint.key, hint.version}].push_back(std::move(move));
    });
  }
  m_sim->onOperationCompleted([this](const ClientOperation& op) {
    if (m_trackAcks && op.result.op != Operation::kGet && op.result.status.isOk()) {
      auto& ackers = m_ackedBy[{op.result.key, op.result.version}];
      PreferenceList list;
      m_sim->ring().preferenceList(tokenForKey(op.result.key), m_sim->config().quorum.n, 0, list);
      // The coordinator chose replicas and fallbacks from the ring when the write began; if the ring changed since,
      // today's replicas may have been fallbacks then, and every answer counts as a fallback's (the checker then
      // follows its hint's moves, as it always did).
      const auto& changes = m_sim->membershipChanges();
      const bool ringChanged = std::any_of(changes.begin(), changes.end(), [&](const auto& change) {
        return change.begun >= op.result.begun && change.begun <= op.result.completed;
      });
      for (const ReplicaAnswer& answer : op.result.answers) {
        // The replica stored it at some point after the write began (the ack's arrival is later still): a wipe from
        // then on may have taken its copy. A node outside the key's replicas answered as a fallback, with a hint.
        if (answer.result != ErrorCode::kOk) continue;
        const bool replica =
            std::find(list.replicas.begin(), list.replicas.end(), answer.replica) != list.replicas.end();
        ackers.push_back(Ack{answer.replica, op.result.begun, !replica || ringChanged});
      }
    }
    HistoryEntry entry;
    entry.id = op.id;
    entry.client = op.client;
    entry.coordinator = op.coordinator;
    entry.op = op.result.op;
    entry.key = op.result.key;
    entry.invoked = op.result.begun;
    entry.completed = op.result.completed;
    entry.result = op.result.status.code();
    entry.version = op.result.version;
    entry.found = op.result.found;
    entry.dot = op.result.dot;
    entry.context = op.context;
    entry.delta = op.delta;
    if (op.result.record && op.result.record->kind == RecordKind::kSiblings) {
      entry.siblings = op.result.record->siblings.siblings().size();
    }
    if (entry.op != Operation::kGet) m_writtenKeys.insert(entry.key);
    m_history.push_back(std::move(entry));
  });
  for (WorkloadConfig workload : m_spec.workloads) {
    if (!workload.stop || *workload.stop > end()) workload.stop = end();
    if (workload.start >= end()) continue;
    m_sim->addWorkload(std::move(workload));
  }
}

// The simulation goes first: destroying it unwinds the fibers of operations still in flight (a run stopped before
// finish), whose completions are recorded into m_history and m_writtenKeys, so those must still exist.
ScenarioRunner::~ScenarioRunner() {
  m_sim->events().unsubscribe(m_detectionWatch);
  if (m_hintWatch) m_sim->events().unsubscribe(m_hintWatch);
  m_sim.reset();
}

std::optional<Duration> CrashDetection::allDetected() const {
  if (detectedAfter.size() < observers) return std::nullopt;
  return detectedAfter.empty() ? Duration{0} : detectedAfter.back();
}

std::optional<Duration> CrashDetection::detectedBy(double share) const {
  const auto needed = static_cast<std::size_t>(std::ceil(share * static_cast<double>(observers)));
  if (needed == 0) return Duration{0};
  if (detectedAfter.size() < needed) return std::nullopt;
  return detectedAfter[needed - 1];
}

void ScenarioRunner::openDetection(NodeId crashed) {
  OpenDetection open;
  open.index = m_detections.size();
  CrashDetection detection;
  detection.node = crashed;
  detection.crashedAt = m_sim->now();
  for (NodeId node = 0; node < m_sim->nodeCount(); ++node) {
    if (node == crashed || !m_sim->isRunning(node) || m_sim->hasLeft(node)) continue;
    ++detection.observers;
    // A node that already held it down (it was cut off, or wrongly judged) knows at once: no change will come.
    if (m_sim->node(node).peerState(crashed) == NodeState::kDown) {
      detection.detectedAfter.push_back(Duration{0});
    } else {
      open.waiting.insert(node);
    }
  }
  m_detections.push_back(std::move(detection));
  dropObserver(crashed);  // a node that crashes can no longer learn of earlier crashes
  m_openDetections.push_back(std::move(open));
}

void ScenarioRunner::dropObserver(NodeId node) {
  for (OpenDetection& open : m_openDetections) {
    if (open.waiting.erase(node) > 0) --m_detections[open.index].observers;
  }
}

void ScenarioRunner::closeDetection(NodeId restarted) {
  std::erase_if(m_openDetections,
                [&](const OpenDetection& open) { return m_detections[open.index].node == restarted; });
}

void ScenarioRunner::onPeerStateChanged(const PeerStateChanged& change) {
  if (change.state != NodeState::kDown) return;
  for (OpenDetection& open : m_openDetections) {
    CrashDetection& detection = m_detections[open.index];
    if (detection.node != change.peer || open.waiting.erase(change.observer) == 0) continue;
    // Verdicts arrive in time order, so the list stays sorted.
    detection.detectedAfter.push_back(change.time - detection.crashedAt);
  }
}

std::optional<TimePoint> ScenarioRunner::nextTimelineTime() const {
  if (m_nextEntry >= m_spec.timeline.size()) return std::nullopt;
  const TimePoint at = m_spec.timeline[m_nextEntry].at;
  if (at > end()) return std::nullopt;
  return at;
}

void ScenarioRunner::runUntil(TimePoint until) {
  until = std::min(until, end());
  while (m_nextEntry < m_spec.timeline.size() && m_spec.timeline[m_nextEntry].at <= until) {
    const TimelineEntry& entry = m_spec.timeline[m_nextEntry++];
    m_sim->runUntil(entry.at);
    applyEntry(entry);
  }
  m_sim->runUntil(until);
}

void ScenarioRunner::applyEntry(const TimelineEntry& entry) {
  for (const ScenarioAction& action : entry.actions) apply(action);
  if (entry.ask) m_asked[*entry.ask] = true;
  for (std::size_t question : entry.reveals) {
    m_reveals[question] = measureReveal(question, entry.at, nullptr);
    if (m_options.onReveal) m_options.onReveal(*m_reveals[question]);
  }
  if (entry.isNarration() && m_options.onNarration) m_options.onNarration(entry);
  if (m_options.onEntryApplied) m_options.onEntryApplied(entry);
}

void ScenarioRunner::apply(const ScenarioAction& action) {
  Simulation& sim = *m_sim;
  if (m_phases.back().first != sim.now()) m_phases.emplace_back(sim.now(), std::string());
  std::string& changes = m_phases.back().second;
  changes += (changes.empty() ? "" : ", ") + describeAction(action);
  std::visit(Overloaded{
                 [&](const CrashAction& a) {
                   const bool wasRunning = sim.nodeCount() > a.node && sim.isRunning(a.node);
                   sim.crash(a.node);
                   if (wasRunning) openDetection(a.node);
                   if (std::find(m_crashed.begin(), m_crashed.end(), a.node) == m_crashed.end())
                     m_crashed.push_back(a.node);
                 },
                 [&](const RestartAction& a) {
                   if (a.wipe && sim.nodeCount() > a.node && !sim.isRunning(a.node))
                     m_wipes[a.node].push_back(sim.now());
                   sim.restart(a.node, a.wipe);
                   closeDetection(a.node);
                   std::erase(m_crashed, a.node);
                   m_lastHeal = sim.now();
                 },
                 [&](const WipeAction& a) {
                   if (sim.nodeCount() > a.node && sim.isRunning(a.node)) m_wipes[a.node].push_back(sim.now());
                   dropObserver(a.node);  // it comes back with a fresh detector: as good as crashed
                   sim.crash(a.node);
                   sim.restart(a.node, true);
                   std::erase(m_crashed, a.node);
                 },
                 [&](const PartitionAction& a) { sim.partition(a.groups); },
                 [&](const CutLinkAction& a) { sim.cutLink(a.from, a.to); },
                 [&](const HealAction&) {
                   sim.heal();
                   m_lastHeal = sim.now();
                 },
                 [&](const LinkAction& a) {
                   auto set = [&](NodeId from, NodeId to) {
                     if (a.latency) sim.network().setLinkLatency(from, to, *a.latency);
                     if (a.loss) sim.network().setLinkLoss(from, to, *a.loss);
                   };
                   set(a.from, a.to);
                   if (a.bothWays) set(a.to, a.from);
                 },
                 [&](const NetworkAction& a) {
                   if (a.latency) sim.network().setDefaultLatency(*a.latency);
                   if (a.loss) sim.network().setLoss(*a.loss);
                   if (a.duplication) sim.network().setDuplication(*a.duplication);
                 },
                 [&](const ClockAction& a) { sim.setClockOffset(a.node, a.offset); },
                 [&](const SlowNodeAction& a) {
                   sim.setCpuFactor(a.node, a.factor);
                   if (a.node < m_cpuFactors.size()) m_cpuFactors[a.node] = a.factor;
                   if (a.factor == 1.0) m_lastHeal = sim.now();
                 },
                 [&](const WorkloadAction& a) {
                   for (std::size_t w = 0; w < sim.workloadCount(); ++w) {
                     if (a.ratePerSecond) sim.setWorkloadRate(w, *a.ratePerSecond);
                     if (a.keys) sim.setWorkloadKeys(w, *a.keys);
                     if (a.routing) sim.setWorkloadRouting(w, *a.routing);
                     if (a.readRatio || a.deleteRatio) {
                       const WorkloadConfig& current = sim.workload(w);
                       sim.setWorkloadMix(w, a.readRatio.value_or(current.readRatio),
                                          a.deleteRatio.value_or(current.deleteRatio));
                     }
                   }
                 },
                 [&](const QuorumAction& a) {
                   QuorumConfig quorum = sim.config().quorum;
                   if (a.n) quorum.n = *a.n;
                   if (a.r) quorum.r = *a.r;
                   if (a.w) quorum.w = *a.w;
                   sim.setQuorum(quorum);
                 },
                 [&](const AddNodeAction&) {
                   sim.addNode();
                   m_cpuFactors.resize(sim.nodeCount(), 1.0);
                 },
                 [&](const DecommissionAction& a) { (void)sim.decommission(a.node); },
                 [&](const RemoveNodeAction& a) {
                   if (sim.removeNode(a.node).isOk()) {
                     std::erase(m_crashed, a.node);
                     closeDetection(a.node);  // gone from every view: nobody will mark it down
                   }
                 },
             },
             action);
}

void ScenarioRunner::healEverything() {
  Simulation& sim = *m_sim;
  bool healed = false;
  if (sim.network().anyCut()) {
    sim.heal();
    healed = true;
  }
  for (NodeId node : m_crashed) {
    sim.restart(node, false);
    healed = true;
  }
  m_crashed.clear();
  for (NodeId node = 0; node < m_cpuFactors.size(); ++node) {
    if (m_cpuFactors[node] != 1.0) {
      sim.setCpuFactor(node, 1.0);
      m_cpuFactors[node] = 1.0;
      healed = true;
    }
  }
  if (sim.network().config().loss > 0) {
    sim.network().setLoss(0);
    healed = true;
  }
  for (const auto& [link, settings] : sim.network().config().links) {
    if (settings.loss && *settings.loss > 0) {
      sim.network().setLinkLoss(link.first, link.second, 0);
      healed = true;
    }
  }
  if (healed) m_lastHeal = sim.now();
}

FinalReplicaState ScenarioRunner::readReplicas() const {
  FinalReplicaState state;
  PreferenceList list;
  for (const Key& key : m_writtenKeys) {
    ReplicaVersions versions;
    m_sim->ring().preferenceList(tokenForKey(key), m_sim->config().quorum.n, 0, list);
    for (NodeId replica : list.replicas) {
      versions.replicas.push_back(replica);
      auto record = m_sim->node(replica).localRecord(key);
      versions.versions.push_back(record ? std::optional<Version>(syncVersion(*record)) : std::nullopt);
      if (record && (record->kind != RecordKind::kRegister || key.rfind("counter-", 0) == 0)) {
        versions.records.resize(versions.replicas.size());
        versions.records.back() = std::move(record);
      }
    }
    state.emplace_hint(state.end(), key, std::move(versions));
  }
  return state;
}

ScenarioReport ScenarioRunner::run() {
  runUntil(end());
  return finish();
}

ScenarioReport ScenarioRunner::finish() {
  if (m_finished) throw std::logic_error("ScenarioRunner::finish called twice");
  m_finished = true;
  // Report progress through the main phase in steps so long runs show movement.
  const Duration step = std::max<Duration>(m_spec.duration / 100, std::chrono::milliseconds(1));
  while (!mainPhaseDone()) {
    runUntil(std::min(end(), m_sim->now() + step));
    if (m_options.onProgress) {
      m_options.onProgress(static_cast<double>(m_sim->now().nanos()) / static_cast<double>(end().nanos()), false);
    }
  }
  ScenarioReport report;
  report.timelineEntriesApplied = m_nextEntry;
  report.timelineEntriesSkipped = m_spec.timeline.size() - m_nextEntry;

  // Quiesce: clients stop, faults heal, the run goes on until the replicas agree or the limit passes.
  m_sim->stopWorkloads();
  // Detection is measured in the main phase (quiesce restarts crashed nodes); observers that left or stopped during
  // it (decommissioned) are not waited for.
  for (NodeId node = 0; node < m_sim->nodeCount(); ++node) {
    if (!m_sim->isRunning(node) || m_sim->hasLeft(node)) dropObserver(node);
  }
  m_openDetections.clear();
  healEverything();
  const TimePoint quiesceStart = m_sim->now();
  const TimePoint limit = quiesceStart + m_spec.quiesce.limit;
  std::uint64_t divergent = countDivergentKeys(readReplicas());
  std::optional<TimePoint> convergedAt;
  // A scenario that makes claims about membership views also waits for gossip to spread the last changes.
  const bool waitForViews =
      std::any_of(m_spec.expectations.begin(), m_spec.expectations.end(),
                  [](const Expectation& e) { return e.metric == ExpectMetric::kMembershipDisagreements; });
  // Writes still held as hints have not reached their replicas yet: replicas that all lack one agree, but the
  // cluster has not settled until the hints are delivered.
  const auto hintsHeld = [&] {
    std::size_t held = 0;
    for (NodeId node = 0; node < m_sim->nodeCount(); ++node) {
      if (m_sim->isRunning(node) && !m_sim->hasLeft(node)) held += m_sim->node(node).status().hintsHeld;
    }
    return held;
  };
  const auto settled = [&] {
    return divergent == 0 && m_sim->operationsInFlight() == 0 && !m_sim->membershipChangeInProgress() &&
           hintsHeld() == 0 && (!waitForViews || membershipDisagreements(nullptr) == 0);
  };
  if (settled()) convergedAt = m_sim->now();
  while (!convergedAt && m_sim->now() < limit) {
    m_sim->runUntil(std::min(limit, m_sim->now() + m_spec.quiesce.checkEvery));
    divergent = countDivergentKeys(readReplicas());
    if (settled()) convergedAt = m_sim->now();
    if (m_options.onProgress) {
      m_options.onProgress(static_cast<double>((m_sim->now() - quiesceStart).count()) /
                               static_cast<double>(m_spec.quiesce.limit.count()),
                           true);
    }
  }
  // Let requests still in flight finish so every client operation is in the history.
  for (int i = 0; i < 1000 && m_sim->operationsInFlight() > 0; ++i) {
    m_sim->runFor(m_spec.cluster.requestTimeout);
  }

  const FinalReplicaState finalState = readReplicas();
  report.name = m_spec.name;
  report.sourceName = m_spec.sourceName;
  report.seed = m_spec.cluster.seed;
  report.duration = m_spec.duration;
  report.quiesceTime = m_sim->now() - quiesceStart;
  report.metrics = m_sim->metrics();
  HistoryCheckOptions check;
  check.bandEdges = m_spec.stalenessBands;
  check.tombstonesCollected = m_spec.cluster.mechanisms.tombstoneGc;
  for (const auto& [start, changes] : m_phases) {
    check.phaseStarts.push_back(start);
    report.phaseChanges.push_back(changes);
  }
  check.checkInventedValues = m_spec.cluster.conflicts == ConflictMode::kLww;
  if (m_trackAcks) {
    check.lostToDiskLoss = [this](const Key& key, const Version& version) {
      const auto acked = m_ackedBy.find({key, version});
      if (acked == m_ackedBy.end() || acked->second.empty()) return false;
      const auto moves = m_hintMoves.find({key, version});
      const auto wipedSince = [&](NodeId node, TimePoint since) {
        const auto wipes = m_wipes.find(node);
        return wipes != m_wipes.end() &&
               std::any_of(wipes->second.begin(), wipes->second.end(), [&](TimePoint wiped) { return wiped >= since; });
      };
      // Whether the hint `node` held from `since` on went with a disk: the node lost its disk after `since`, or the
      // hint moved on (to its owner, say) and every node it moved to lost its disk later.
      const std::function<bool(NodeId, TimePoint, int)> hintLost = [&](NodeId node, TimePoint since, int depth) {
        if (wipedSince(node, since)) return true;
        if (moves == m_hintMoves.end() || depth >= 8) return false;
        return std::any_of(moves->second.begin(), moves->second.end(), [&](const HintMove& move) {
          return move.from == node && move.at >= since && !move.to.empty() &&
                 std::all_of(move.to.begin(), move.to.end(),
                             [&](NodeId to) { return hintLost(to, move.at, depth + 1); });
        });
      };
      // A replica's own copy is in its storage: a hint of the same write it may hold later, moving on, does not take
      // that copy with it; only its disk loss does.
      return std::all_of(acked->second.begin(), acked->second.end(), [&](const Ack& ack) {
        return ack.asHint ? hintLost(ack.node, ack.since, 0) : wipedSince(ack.node, ack.since);
      });
    };
  }
  report.history = checkHistory(m_history, finalState, check);
  report.membershipDisagreements = membershipDisagreements(&report.membershipDisagreementExamples);
  report.keysChecked = finalState.size();
  report.divergentKeys = countDivergentKeys(finalState);
  report.lastHeal = m_lastHeal;
  // Under load replicas always differ by the writes in flight, so convergence is measured once the clients have
  // stopped and every remaining fault has healed: from the start of the quiesce phase.
  if (convergedAt) report.convergenceTime = *convergedAt - quiesceStart;
  report.crashDetections = m_detections;
  report.gossipInterval = m_spec.cluster.mechanisms.gossipInterval;
  report.traceHash = m_sim->traceHash();
  report.eventsProcessed = m_sim->eventsProcessed();
  report.messagesDelivered = m_sim->metrics().totalMessages().delivered;
  evaluate(report);
  for (std::size_t q = 0; q < m_spec.questions.size(); ++q) {
    if (m_reveals[q]) {
      report.reveals.push_back(*m_reveals[q]);
    } else if (m_asked[q]) {
      // A reveal step beyond a shortened run measures up to the end of the main phase; no reveal step: the whole run.
      report.reveals.push_back(measureReveal(q, end(), m_spec.questions[q].revealAt ? nullptr : &report));
    }
  }
  gradeChallenge(report);
  return report;
}

ChallengeRun runChallenge(const ScenarioSpec& spec, const std::function<void(double, bool)>& onProgress) {
  ChallengeRun result;
  if (!spec.challenge) {
    result.error = "the scenario has no challenge";
    return result;
  }
  try {
    ScenarioRunOptions options;
    options.onProgress = onProgress;
    ScenarioRunner runner(spec, options);
    result.grade = runner.finish().challenge;  // finish() runs the main phase in steps, reporting progress
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

const Reveal* ScenarioRunner::reveal(std::size_t index) const {
  return index < m_reveals.size() && m_reveals[index] ? &*m_reveals[index] : nullptr;
}

Reveal ScenarioRunner::measureReveal(std::size_t index, TimePoint to, const ScenarioReport* whole) const {
  const Question& q = m_spec.questions[index];
  Reveal r;
  r.question = index;
  r.at = to;
  if (!q.measure) return r;
  double value = 0;
  if (whole) {
    value = measureExpectation(*q.measure, *whole);
    r.measuredText = describeMeasured(*q.measure, value, *whole);
  } else {
    // The operations invoked from the question to the reveal, measured as the whole run's are: the same metrics
    // (counts, latency histograms) and the same checker (staleness of the reads invoked in that phase).
    const TimePoint from = q.askedAt;
    ScenarioReport window;
    window.duration = to - from;
    for (const HistoryEntry& e : m_history) {
      if (e.invoked < from || e.invoked >= to) continue;
      OperationMetrics& op = window.metrics.of(e.op);
      if (e.result == ErrorCode::kOk) {
        ++op.ok;
        op.latency.record(e.completed - e.invoked);
      } else {
        ++op.errors[static_cast<std::size_t>(e.result)];
      }
    }
    HistoryCheckOptions check;
    check.bandEdges = m_spec.stalenessBands;
    check.tombstonesCollected = m_spec.cluster.mechanisms.tombstoneGc;
    if (from > TimePoint{}) check.phaseStarts.push_back(from);
    check.phaseStarts.push_back(to);
    const HistoryReport history = checkHistory(m_history, {}, check);
    for (const PhaseStaleness& phase : history.phases) {
      if (phase.from != from) continue;
      window.history.successfulReads = phase.successfulReads;
      window.history.staleReads = phase.staleReads;
      window.history.staleness = phase.staleness;
      window.history.freshAfter = phase.freshAfter;
    }
    value = measureExpectation(*q.measure, window);
    r.measuredText = describeMeasured(*q.measure, value, window);
  }
  r.measured = value;
  if (q.isNumber()) {
    r.lessonAgrees = q.answer && std::isfinite(value) && std::abs(*q.answer - value) <= q.tolerance + 1e-12;
  } else {
    for (std::size_t c = 0; c < q.choices.size() && !r.rightChoice; ++c) {
      if (q.choices[c].holds(value)) r.rightChoice = c;
    }
    r.lessonAgrees = r.rightChoice && r.rightChoice == q.markedChoice();
  }
  return r;
}

void ScenarioRunner::gradeChallenge(ScenarioReport& report) const {
  if (!m_spec.challenge) return;
  const Challenge& challenge = *m_spec.challenge;
  ChallengeReport grade;
  for (const Expectation& goal : challenge.goals) grade.goals.push_back(evaluateExpectation(goal, report));
  for (const ScenarioOverride& o : m_spec.overrides) {
    const auto knob = std::find_if(challenge.knobs.begin(), challenge.knobs.end(),
                                   [&](const ChallengeKnob& k) { return k.path == o.path; });
    if (knob == challenge.knobs.end()) {
      grade.problems.push_back(fmt::format("{} is not a knob of this challenge", o.path));
    } else if (std::string problem = checkKnobValue(*knob, o.value); !problem.empty()) {
      grade.problems.push_back(std::move(problem));
    }
  }
  grade.passed = grade.problems.empty() &&
                 std::all_of(grade.goals.begin(), grade.goals.end(), [](const auto& g) { return g.passed; });
  report.challenge = std::move(grade);
}

std::uint64_t ScenarioRunner::membershipDisagreements(std::vector<std::string>* examples) const {
  const Simulation& sim = *m_sim;
  std::uint64_t count = 0;
  for (NodeId node = 0; node < sim.nodeCount(); ++node) {
    if (!sim.isRunning(node) || sim.hasLeft(node)) continue;
    const MembershipView& view = sim.node(node).membership();
    for (NodeId member = 0; member < sim.nodeCount(); ++member) {
      if (member == node) continue;
      const auto info = view.member(member);
      std::string problem;
      if (sim.hasLeft(member)) {
        if (info && info->status != MemberStatus::kLeft) problem = "still a member, though it left";
      } else if (!info) {
        problem = "unknown";
      } else if (info->status != MemberStatus::kNormal) {
        problem = info->status == MemberStatus::kJoining   ? "still joining"
                  : info->status == MemberStatus::kLeaving ? "still leaving"
                                                           : "left, though it is a member";
      }
      if (problem.empty()) continue;
      ++count;
      if (examples && examples->size() < kMaxHistoryExamples) {
        examples->push_back(fmt::format("{} sees {}: {}", nodeName(node), nodeName(member), problem));
      }
    }
  }
  return count;
}

void ScenarioRunner::evaluate(ScenarioReport& report) const {
  report.passed = true;
  for (const Expectation& expectation : m_spec.expectations) {
    ExpectationResult result = evaluateExpectation(expectation, report);
    report.passed = report.passed && result.passed;
    report.expectations.push_back(std::move(result));
  }
}

ExpectationResult ScenarioRunner::evaluateExpectation(const Expectation& expectation,
                                                      const ScenarioReport& report) const {
  {
    ExpectationResult result;
    result.expectation = expectation;
    result.measured = measureExpectation(expectation.metric, report);
    const double v = result.measured;
    result.passed = (!expectation.min || v >= *expectation.min) && (!expectation.max || v <= *expectation.max);
    std::string bound;
    if (expectation.min && expectation.max) {
      bound = fmt::format("between {} and {}", formatMeasure(expectation.metric, *expectation.min),
                          formatMeasure(expectation.metric, *expectation.max));
    } else if (expectation.min) {
      bound = ">= " + formatMeasure(expectation.metric, *expectation.min);
    } else if (expectation.max) {
      bound = "<= " + formatMeasure(expectation.metric, *expectation.max);
    }
    result.text = fmt::format("{} = {} (expected {})", expectMetricName(expectation.metric),
                              formatMeasure(expectation.metric, v), bound);
    if (!result.passed) lookAtFailure(expectation, report, result);
    return result;
  }
}

void ScenarioRunner::lookAtFailure(const Expectation& expectation, const ScenarioReport& report,
                                   ExpectationResult& result) const {
  // The earliest-completed operation that matches.
  const auto first = [&](const auto& matches) -> const HistoryEntry* {
    const HistoryEntry* best = nullptr;
    for (const HistoryEntry& e : m_history) {
      if (matches(e) && (!best || e.completed < best->completed)) best = &e;
    }
    return best;
  };
  const auto failed = [&](auto matches, std::string_view what) {
    if (const HistoryEntry* e = first([&](const HistoryEntry& h) { return h.result != ErrorCode::kOk && matches(h); })) {
      result.lookAt = e->completed;
      result.lookAtText = fmt::format("the first failed {} ({} on {}), at {}", what, errorCodeName(e->result),
                                      e->key, at(e->completed));
    }
  };
  const auto slow = [&](Operation op, std::string_view what) {
    if (!expectation.max) return;
    const Duration bound(static_cast<std::int64_t>(*expectation.max));
    if (const HistoryEntry* e = first([&](const HistoryEntry& h) {
          return h.result == ErrorCode::kOk && operationIndex(h.op) == operationIndex(op) && h.completed - h.invoked > bound;
        })) {
      result.lookAt = e->invoked;
      result.lookAtText = fmt::format("the first {} slower than {} ({} on {}), at {}", what, formatDuration(bound),
                                      formatDuration(e->completed - e->invoked), e->key, at(e->invoked));
    }
  };
  switch (expectation.metric) {
    case ExpectMetric::kAvailability: failed([](const HistoryEntry&) { return true; }, "operation"); break;
    case ExpectMetric::kGetAvailability: failed([](const HistoryEntry& h) { return h.op == Operation::kGet; }, "read"); break;
    case ExpectMetric::kPutAvailability:
      failed([](const HistoryEntry& h) { return operationIndex(h.op) == operationIndex(Operation::kPut); }, "write");
      break;
    case ExpectMetric::kTimeouts: failed([](const HistoryEntry& h) { return h.result == ErrorCode::kTimeout; }, "operation"); break;
    case ExpectMetric::kUnavailable:
      failed([](const HistoryEntry& h) { return h.result == ErrorCode::kUnavailable; }, "operation");
      break;
    case ExpectMetric::kStaleReads:
    case ExpectMetric::kStaleReadRate:
    case ExpectMetric::kFreshAfter:
      if (!report.history.staleReadTimes.empty()) {
        result.lookAt = report.history.staleReadTimes.front();
        result.lookAtText = fmt::format("the first stale read, at {}", at(*result.lookAt));
      }
      break;
    case ExpectMetric::kLostWrites:
    case ExpectMetric::kUnexplainedLostWrites:
      for (const LostWrite& lost : report.history.lostWriteExamples) {
        if (expectation.metric == ExpectMetric::kUnexplainedLostWrites && lost.diskLoss) continue;
        if (!result.lookAt || lost.acknowledged < *result.lookAt) {
          result.lookAt = lost.acknowledged;
          result.lookAtText = fmt::format("a lost write to {}, acknowledged at {}", lost.key, at(lost.acknowledged));
        }
      }
      break;
    case ExpectMetric::kGetP50:
    case ExpectMetric::kGetP99:
    case ExpectMetric::kGetP999: slow(Operation::kGet, "read"); break;
    case ExpectMetric::kPutP50:
    case ExpectMetric::kPutP99:
    case ExpectMetric::kPutP999: slow(Operation::kPut, "write"); break;
    case ExpectMetric::kDetectionTime:
      // The crash that failed the claim: the one detected last (or never).
      if (const CrashDetection* d = slowestDetection(report)) {
        const auto all = d->allDetected();
        result.lookAt = d->crashedAt;
        result.lookAtText = fmt::format("{}'s crash, at {} ({} of {} running nodes marked it down{})",
                                        nodeName(d->node), at(d->crashedAt), d->detectedAfter.size(), d->observers,
                                        all ? " within " + formatDuration(*all) : "");
      }
      break;
    default: break;
  }
}

}  // namespace ringlab
