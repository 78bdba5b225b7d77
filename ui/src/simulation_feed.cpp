#include <ringlab/ui/simulation_feed.h>

#include <ringlab/ui/models.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <unordered_map>
#include <utility>

#include <QElapsedTimer>
#include <QTimer>

#include <ringlab/engine/hash.h>
#include <ringlab/engine/overloaded.h>
#include <ringlab/observe/cluster_observer.h>
#include <ringlab/sim/summary.h>
#include <ringlab/sim/timeseries.h>

namespace ringlab {

namespace {

constexpr Duration kSampleInterval = std::chrono::milliseconds(250);  // metrics sampling, virtual time
constexpr int kTickMs = 16;                                           // at most ~60 snapshots a second
constexpr qint64 kWorkBudgetNs = 12'000'000;                          // simulation work per tick, wall clock
// How much detailed history (messages, requests, fiber slices) a replay to a time records before it.
constexpr Duration kRecentHistory = std::chrono::seconds(3);
constexpr int kSpareRuns = 2;  // spares kept parked 1 s, 2 s, ... before a paused run (for steps back)

NarrationPoint narrationOf(const TimelineEntry& entry) {
  NarrationPoint point;
  point.atNs = entry.at.nanos();
  point.text = QString::fromStdString(entry.say);
  QStringList actions;
  for (const ScenarioAction& action : entry.actions) actions << QString::fromStdString(describeAction(action));
  point.actions = actions.join(QStringLiteral("; "));
  point.pause = entry.pause;
  point.focus = entry.focus;
  point.ask = entry.ask;
  point.notes = QString::fromStdString(entry.notes);
  return point;
}

}  // namespace

// Everything the feed does on the worker thread.
class SimulationWorker final : public QObject {
  Q_OBJECT

 public:
  explicit SimulationWorker(SimulationFeed* feed) : m_feed(feed) {}
  ~SimulationWorker() override { reset(); }

  void start() {
    m_timer = new QTimer(this);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &SimulationWorker::tick);
    m_timer->start(kTickMs);
    m_wall.start();
  }

  void load(ScenarioSpec spec, bool play, std::optional<std::uint64_t> seed) {
    m_baseSpec = std::move(spec);
    m_playing = play;
    rebuild(seed.value_or(m_baseSpec.cluster.seed));
  }

  void restart(std::optional<std::uint64_t> seed) {
    if (!m_run.runner) return;
    rebuild(seed.value_or(m_seed));
  }

  void play() {
    if (!m_run.runner || m_finished) return;
    m_playing = true;
    m_stopAt.reset();
    m_lastWallNs = m_wall.nsecsElapsed();
    m_dirty = true;
  }

  void pause() {
    m_playing = false;
    m_stopAt.reset();
    m_dirty = true;
  }

  void step(std::chrono::nanoseconds amount) {
    if (!m_run.runner || m_finished) return;
    m_playing = false;
    m_stopAt.reset();
    advanceTo(m_run.runner->simulation().now() + amount, std::numeric_limits<qint64>::max());
    afterAdvance();
    emitSnapshot();
  }

  void runToNextNarration() {
    if (!m_run.runner || m_finished) return;
    const TimePoint now = m_run.runner->simulation().now();
    std::optional<TimePoint> target;
    for (const TimelineEntry& entry : m_run.spec->timeline) {
      if (entry.at > now && entry.isNarration() && entry.at <= m_run.runner->end()) {
        target = entry.at;
        break;
      }
    }
    m_stopAt = target.value_or(m_run.runner->end());
    m_playing = true;
    m_lastWallNs = m_wall.nsecsElapsed();
  }

  void setSpeed(double speed) {
    m_speed = std::max(0.0, speed);
    m_lastWallNs = m_wall.nsecsElapsed();
    m_dirty = true;
  }

  void apply(const ScenarioAction& action) {
    if (!m_run.runner || m_finished) {
      emit m_feed->problem(tr("The scenario has ended; restart it to change the cluster."));
      return;
    }
    if (const QString refusal = checkAction(action); !refusal.isEmpty()) {
      emit m_feed->problem(refusal);
      return;
    }
    m_run.runner->apply(action);
    LoggedAction logged;
    logged.atNs = m_run.runner->simulation().now().nanos();
    logged.action = action;
    logged.description = QString::fromStdString(describeAction(action));
    m_logged.push_back(logged);
    emit m_feed->actionLogged(logged);
    m_dirty = true;
    emitSnapshot();
  }

  void runToBlocking(TimePoint t) {
    if (!m_run.runner) return;
    m_playing = false;
    m_stopAt.reset();
    t = std::min(t, m_run.runner->end());
    while (t > m_run.runner->simulation().now()) {
      const TimePoint to = jumpTarget(t);
      advanceTo(to, std::numeric_limits<qint64>::max());
      if (to < t) emitSnapshot();  // a fault began or ended: the charts shade its period as the live view does
    }
    afterAdvance();
    emitSnapshot();
  }

  // The next stop of a jump towards `t`: just after the next timeline entry that changes the cluster (a crash, a
  // partition, a heal), so that a jump shows each fault's period as playing through it would, or `t` itself.
  TimePoint jumpTarget(TimePoint t) const {
    const TimePoint now = m_run.runner->simulation().now();
    for (const TimelineEntry& entry : m_run.spec->timeline) {
      if (entry.actions.empty() || entry.at < now) continue;
      const TimePoint after = entry.at + std::chrono::milliseconds(2);
      if (after > now) return std::min(t, after);
    }
    return t;
  }

  void inspect(const std::function<void(ScenarioRunner*)>& fn) { fn(m_run.runner.get()); }

  // The node whose opinion of each peer the snapshots carry (the inspector's); a snapshot with it follows at once.
  void setInspected(NodeId node) {
    if (m_inspected == node) return;
    m_inspected = node;
    emitSnapshot();
  }

  QVector<qint64> parkedSpares() const {
    QVector<qint64> parked;
    for (const Run& spare : m_spares) {
      if (spare.runner->simulation().now() == spare.target) parked.push_back(spare.target.nanos());
    }
    return parked;
  }

  QString exportMetricsCsv(const QString& path) const {
    if (!m_run.series) return tr("No run to export.");
    const Status status = m_run.series->writeCsv(path.toStdString());
    return status.isOk() ? QString() : QString::fromStdString(status.message());
  }

  // Moves the run to virtual time `t`: forward by running on, backward by replaying from the seed with the manual
  // actions taken before `t` (the later ones are forgotten: the run forks there). Pauses. Reports progress.
  void seek(TimePoint t) {
    if (!m_run.runner) return;
    t = std::clamp(t, TimePoint{}, m_run.runner->end());
    m_playing = false;
    m_stopAt.reset();
    if (t < m_run.runner->simulation().now() || m_finished) {
      const std::vector<LoggedAction> keep = actionsUpTo(t);
      if (Run* spare = spareFor(t, keep)) {
        Run taken = std::move(*spare);
        std::erase_if(m_spares, [](const Run& r) { return !r.runner; });
        adopt(std::move(taken));
      } else {
        rebuild(m_seed, keep, /*announce=*/false, TimePoint{std::max(Duration{0}, t.sinceStart - kRecentHistory)});
      }
      if (!m_run.runner) return;
      emit m_feed->rewound(t.nanos(), QVector<LoggedAction>(keep.begin(), keep.end()));
    }
    Simulation& sim = m_run.runner->simulation();
    const TimePoint from = sim.now();
    QElapsedTimer reported;
    reported.start();
    const QString what = tr("Replaying the run to %1").arg(QString::number(t.nanos() / 1e9, 'f', 3) + " s");
    if (t - from > std::chrono::milliseconds(500)) emit m_feed->progress(what, 0.0);
    while (sim.now() < t) {
      const TimePoint stop = jumpTarget(t);
      advanceTo(std::min(stop, sim.now() + std::chrono::milliseconds(250)), std::numeric_limits<qint64>::max());
      if (sim.now() == stop && stop < t) emitSnapshot();  // past a fault's start or end (see jumpTarget)
      if (reported.elapsed() > 100) {
        reported.restart();
        emit m_feed->progress(
            what, static_cast<double>((sim.now() - from).count()) / static_cast<double>((t - from).count()));
      }
    }
    emit m_feed->progress(QString(), 1.0);
    if (t >= m_run.runner->end()) afterAdvance();
    m_dirty = true;
    emitSnapshot();
  }

 private:
  // Per-run observation state: the observation layer's ClusterObserver, fed by the simulation's events, and what
  // only a simulation knows, from its clients' completions (staleness, lost updates, siblings shown).
  struct Observed {
    explicit Observed(std::uint32_t merkleLeaves) : observer(ObserverOptions{.merkleLeaves = merkleLeaves}) {}
    ClusterObserver observer;
    // The newest acknowledged write of each key: its version, completion time and client (0: none).
    struct AckedWrite {
      Version version;
      std::int64_t completed = 0;
      std::uint64_t client = 0;
      bool deleted = false;
    };
    std::map<Key, AckedWrite> lastAckedWrite;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> reads;  // per sample interval: (successful reads, stale)
    std::vector<std::pair<std::uint64_t, std::uint64_t>> writes;  // per interval: (acknowledged puts/deletes, lost)
    std::uint64_t completed = 0;  // client operations
    std::uint64_t failed = 0;
    // Siblings mode: what each completed client request showed of its key's siblings (by request id, applied to the
    // request records at the next snapshot), and how many siblings each key last showed.
    struct CausalNote {
      std::uint32_t siblings = 0;
      std::string context;
      RequestRecord::SiblingChange change = RequestRecord::SiblingChange::kNone;
    };
    std::unordered_map<std::uint64_t, CausalNote> causalNotes;
    std::unordered_map<Key, std::uint32_t> siblingsSeen;
  };

  struct CpuUse {
    std::int64_t sinceNs = 0;
    std::int64_t busyAtSince = 0;
    double utilization = 0;
  };

  // One run of the scenario with everything that observes it. The app shows one; spares replay the same seed and
  // manual actions in the background while the run is paused, and park a little before it, so that a step back
  // continues from a spare instead of replaying from time zero. (A simulation cannot be copied: its fibers' stacks
  // hold its state.)
  struct Run {
    std::shared_ptr<const ScenarioSpec> spec;
    std::shared_ptr<Observed> observed;  // declared before the runner: outlives the simulation's callbacks
    std::unique_ptr<ScenarioRunner> runner;
    std::unique_ptr<MetricsTimeSeries> series;  // declared after the runner: detaches before the simulation goes
    std::vector<double> hintsAt;                // hints outstanding by sampling interval
    std::vector<std::pair<double, double>> detectionAt;  // (crash down verdicts, running nodes) by sampling interval
    std::vector<CpuUse> cpuUse;                 // by node
    // While the run has not reached detailFrom, subscribes the detailed recording (messages, requests, fibers).
    std::function<void()> subscribeDetail;
    TimePoint detailFrom;
    std::shared_ptr<bool> live = std::make_shared<bool>(false);  // on screen: its narration reaches the app
    std::uint64_t seed = 0;
    std::vector<LoggedAction> keep;  // the manual actions it replays
    TimePoint target;                // spares: where it parks
  };

  void reset() {
    m_run.subscribeDetail = nullptr;
    m_run.series.reset();  // detaches from the simulation's bus before the simulation goes
    m_run.runner.reset();
    m_run.observed.reset();
    m_run = Run{};
  }

  // The manual actions taken at or before `t`.
  std::vector<LoggedAction> actionsUpTo(TimePoint t) const {
    std::vector<LoggedAction> keep;
    for (const LoggedAction& a : m_logged)
      if (a.atNs <= t.nanos()) keep.push_back(a);
    return keep;
  }

  static bool sameActions(const std::vector<LoggedAction>& a, const std::vector<LoggedAction>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const LoggedAction& x, const LoggedAction& y) {
      return x.atNs == y.atNs && x.description == y.description;
    });
  }

  // Makes `run` the one on screen; the per-run state of the views starts again. The run it replaces is destroyed
  // after the next snapshot has gone out: unwinding a busy simulation's fibers takes a while.
  void adopt(Run run) {
    if (m_run.runner) {
      *m_run.live = false;
      m_retired.push_back(std::move(m_run));
    }
    reset();
    m_run = std::move(run);
    *m_run.live = true;
    m_seed = m_run.seed;
    m_logged = m_run.keep;
    m_finished = false;
    m_stopAt.reset();
    m_samplesEmitted = 0;
    m_ringVersion = 0;
    m_ring.reset();
    m_speedWindow.clear();
  }

  // A new run from time zero with `seed`; `keep` are manual actions to replay at their times. Messages, requests and
  // fibers are recorded from `recordFrom` on. On failure the runner is null and `error` says why.
  Run makeRun(std::uint64_t seed, const std::vector<LoggedAction>& keep, TimePoint recordFrom, bool live,
              QString& error) {
    Run run;
    run.seed = seed;
    run.keep = keep;
    *run.live = live;
    auto spec = std::make_shared<ScenarioSpec>(keep.empty() ? m_baseSpec : scenarioWithActions(m_baseSpec, keep, seed));
    spec->cluster.seed = seed;
    run.spec = spec;
    run.observed = std::make_shared<Observed>(std::uint32_t{1} << spec->cluster.mechanisms.merkleDepth);
    ScenarioRunOptions options;
    auto revealed = std::make_shared<QVector<Reveal>>();  // this entry's reveals, until its narration
    options.onReveal = [revealed](const Reveal& reveal) { revealed->push_back(reveal); };
    options.onNarration = [this, weak = std::weak_ptr<Observed>(run.observed), on = run.live,
                           revealed](const TimelineEntry& entry) {
      if (auto observed = weak.lock(); observed && !entry.say.empty()) {
        observed->observer.addMark(entry.at.nanos(), entry.say, /*narration=*/true);
      }
      NarrationPoint point = narrationOf(entry);
      point.reveals = std::exchange(*revealed, {});
      if (!*on) return;  // a spare replaying in the background
      if (entry.pause || entry.ask) m_playing = false;  // a question waits for the class's answer
      emit m_feed->narrationReached(point);
    };
    try {
      run.runner = std::make_unique<ScenarioRunner>(*spec, options);
    } catch (const std::exception& e) {
      run.runner.reset();
      error = tr("The scenario cannot start: %1").arg(QString::fromUtf8(e.what()));
      return run;
    }
    Simulation& sim = run.runner->simulation();
    run.series = std::make_unique<MetricsTimeSeries>(kSampleInterval);
    run.series->attach(sim);

    std::weak_ptr<Observed> weak = run.observed;
    // Messages, requests and fiber slices are recorded for the views' recent history only: a replay to a later time
    // starts recording them shortly before it, which makes a step back several times faster.
    const EventMask detail = maskOf(EventType::kMessageSent) | maskOf(EventType::kMessageDelivered) |
                             maskOf(EventType::kMessageDropped) | maskOf(EventType::kRequestBegun) |
                             maskOf(EventType::kRequestCompleted) | maskOf(EventType::kFiberStarted) |
                             maskOf(EventType::kFiberEnded) | maskOf(EventType::kFiberSlice);
    const EventMask always = maskOf(EventType::kNodeStateChanged) | maskOf(EventType::kClusterChanged) |
                             maskOf(EventType::kAntiEntropyExchanged);
    auto handler = [weak](const Event& event) {
      if (auto observed = weak.lock()) observed->observer.observe(event);
    };
    sim.events().subscribe(always, handler);
    if (recordFrom <= TimePoint{}) {
      sim.events().subscribe(detail, handler);
    } else {
      run.detailFrom = recordFrom;
      run.subscribeDetail = [&sim, detail, handler] { sim.events().subscribe(detail, handler); };
    }
    // With tombstone collection a key no replica holds any more is deleted: finding nothing after a delete is fresh,
    // as the checker counts it.
    const bool tombstonesCollected = sim.config().mechanisms.tombstoneGc;
    sim.onOperationCompleted([weak, tombstonesCollected](const ClientOperation& op) {
      auto observed = weak.lock();
      if (!observed) return;
      const OperationResult& r = op.result;
      if (!r.status.isOk()) {
        ++observed->failed;
        return;
      }
      ++observed->completed;
      if (r.record && r.record->kind == RecordKind::kSiblings && r.requestId != 0) {
        const auto now = static_cast<std::uint32_t>(r.record->siblings.siblings().size());
        std::uint32_t& before = observed->siblingsSeen[r.key];
        auto& note = observed->causalNotes[r.requestId];
        note.siblings = now;
        if (r.op != Operation::kGet && !op.context.empty()) note.context = op.context.toString();
        if (now > 1 && now > before) {
          note.change = RequestRecord::SiblingChange::kGrew;
        } else if (r.op != Operation::kGet && before > 1 && now <= 1) {
          note.change = RequestRecord::SiblingChange::kResolved;
        }
        before = now;
      }
      if (r.op == Operation::kGet) {
        const auto bucket = static_cast<std::size_t>(r.completed.nanos() / kSampleInterval.count());
        if (observed->reads.size() <= bucket) observed->reads.resize(bucket + 1);
        ++observed->reads[bucket].first;
        // The write precedes the read when acknowledged before it began, or at that instant by the same client.
        auto it = observed->lastAckedWrite.find(r.key);
        if (it != observed->lastAckedWrite.end()) {
          const auto& last = it->second;
          const bool before = last.completed < r.begun.nanos() ||
                              (last.completed == r.begun.nanos() && op.client != 0 && last.client == op.client);
          const bool collectedDelete = tombstonesCollected && last.deleted && !r.found && r.version.isNull();
          if (before && r.version < last.version && !collectedDelete) ++observed->reads[bucket].second;
        }
      } else {
        auto& last = observed->lastAckedWrite[r.key];
        // A lost update, as the checker counts them: a last-write-wins write acknowledged although a write with a newer
        // version was acknowledged before it began, so it never shows (the clocks of `lww-lost-updates`).
        if ((r.op == Operation::kPut || r.op == Operation::kDelete) && !r.dot) {
          const auto bucket = static_cast<std::size_t>(r.completed.nanos() / kSampleInterval.count());
          if (observed->writes.size() <= bucket) observed->writes.resize(bucket + 1);
          ++observed->writes[bucket].first;
          if (last.completed < r.begun.nanos() && r.version < last.version) ++observed->writes[bucket].second;
        }
        if (last.version < r.version) last = {r.version, r.completed.nanos(), op.client, r.op == Operation::kDelete};
      }
    });

    return run;
  }

  // Starts the run again from time zero with `seed`; `keep` are manual actions to replay at their times (a seek
  // back). A fresh start (`announce`) tells the UI about the scenario; a seek does not.
  void rebuild(std::uint64_t seed, const std::vector<LoggedAction>& keep = {}, bool announce = true,
               TimePoint recordFrom = {}) {
    if (announce) m_spares.clear();
    QString error;
    Run run = makeRun(seed, keep, recordFrom, true, error);
    if (!run.runner) {
      reset();
      emit m_feed->problem(error);
      return;
    }
    adopt(std::move(run));
    const std::shared_ptr<const ScenarioSpec>& spec = m_run.spec;
    if (announce) {
      QVector<NarrationPoint> timeline;
      for (const TimelineEntry& entry : spec->timeline) {
        if (entry.isNarration() || !entry.actions.empty()) timeline.push_back(narrationOf(entry));
      }
      emit m_feed->scenarioStarted(spec, timeline);
    }
    m_lastWallNs = m_wall.nsecsElapsed();
    m_dirty = true;
    if (announce) emitSnapshot();  // a seek shows its target time, not time zero, while it replays
  }

  // Advances the simulation towards `target` in small slices, stopping early when a pause is requested or the wall
  // clock budget is spent.
  void advanceTo(TimePoint target, qint64 budgetNs) {
    Simulation& sim = m_run.runner->simulation();
    target = std::min(target, m_run.runner->end());
    const qint64 started = m_wall.nsecsElapsed();
    const bool wasPlaying = m_playing;
    while (sim.now() < target) {
      stepRun(m_run, target);
      if (wasPlaying && !m_playing) break;  // a pause point of the timeline
      if (m_wall.nsecsElapsed() - started > budgetNs) break;
    }
  }

  // One slice of `run` towards `target`: at most 2 ms of virtual time, ending exactly at timeline entries (so that a
  // pause point pauses at its own time) and where the detailed recording starts.
  static void stepRun(Run& run, TimePoint target) {
    constexpr Duration kSlice = std::chrono::milliseconds(2);
    Simulation& sim = run.runner->simulation();
    TimePoint next = std::min(target, sim.now() + kSlice);
    if (const auto entry = run.runner->nextTimelineTime(); entry && *entry > sim.now()) next = std::min(next, *entry);
    if (run.subscribeDetail) {
      if (sim.now() >= run.detailFrom) {
        run.subscribeDetail();
        run.subscribeDetail = nullptr;
      } else {
        next = std::min(next, run.detailFrom);
      }
    }
    run.runner->runUntil(next);
    recordHints(run);
    updateCpuUse(run);  // over the last quarter second, however far this advance goes
  }

  // CPU load per node: the CPU model's busy time over core time, measured over at least a quarter second of virtual
  // time.
  static void updateCpuUse(Run& run) {
    const Simulation& sim = run.runner->simulation();
    const std::size_t count = sim.nodeCount();
    if (run.cpuUse.size() < count) run.cpuUse.resize(count);
    const std::int64_t now = sim.now().nanos();
    const auto cores = static_cast<double>(std::max<std::size_t>(1, sim.config().coresPerNode));
    for (NodeId id = 0; id < count; ++id) {
      CpuUse& use = run.cpuUse[id];
      if (now - use.sinceNs < 250'000'000) continue;
      const std::int64_t busy = sim.cpuBusy(id).count();
      use.utilization = std::clamp(
          static_cast<double>(busy - use.busyAtSince) / (cores * static_cast<double>(now - use.sinceNs)), 0.0, 1.0);
      use.sinceNs = now;
      use.busyAtSince = busy;
    }
  }

  // Hints outstanding at each sampling boundary passed so far (sampled at slice ends, 2 ms apart at most).
  static void recordHints(Run& run) {
    const Simulation& sim = run.runner->simulation();
    const auto boundary = static_cast<std::size_t>(sim.now().nanos() / kSampleInterval.count());
    if (run.hintsAt.size() >= boundary) return;
    run.hintsAt.resize(boundary, static_cast<double>(sim.hintsPending()));
    run.detectionAt.resize(boundary, crashDetection(sim));
  }

  // Down verdicts running nodes hold on crashed nodes, and the running nodes: O(nodes) per crashed node, taken once
  // per sampling interval.
  static std::pair<double, double> crashDetection(const Simulation& sim) {
    const std::size_t count = sim.nodeCount();
    std::size_t running = 0;
    for (NodeId id = 0; id < count; ++id) running += sim.isRunning(id) && !sim.hasLeft(id) ? 1 : 0;
    std::size_t verdicts = 0;
    for (NodeId crashed = 0; crashed < count && running < count; ++crashed) {
      if (sim.isRunning(crashed) || sim.hasLeft(crashed)) continue;
      for (NodeId observer = 0; observer < count; ++observer) {
        if (observer != crashed && sim.isRunning(observer) &&
            sim.node(observer).peerState(crashed) == NodeState::kDown) {
          ++verdicts;
        }
      }
    }
    return {static_cast<double>(verdicts), static_cast<double>(running)};
  }

  // While the run on screen is paused: keeps spares parked 1 s and 2 s before it (the step-back targets), replaying
  // them from time zero a slice at a time within `budgetNs` of wall-clock time.
  void prepareSpares(qint64 budgetNs) {
    const TimePoint now = m_run.runner->simulation().now();
    std::vector<TimePoint> targets;
    for (int k = 1; k <= kSpareRuns; ++k) {
      if (now.sinceStart > std::chrono::seconds(k))
        targets.push_back(TimePoint{now.sinceStart - std::chrono::seconds(k)});
    }
    // Keep the spares that can still reach a target (same seed and actions, not past it), one per target.
    std::vector<Run> kept;
    for (const TimePoint target : targets) {
      const std::vector<LoggedAction> keep = actionsUpTo(target);
      auto best = m_spares.end();
      for (auto it = m_spares.begin(); it != m_spares.end(); ++it) {
        if (it->seed != m_seed || it->runner->simulation().now() > target || !sameActions(it->keep, keep)) continue;
        if (best == m_spares.end() || it->runner->simulation().now() > best->runner->simulation().now()) best = it;
      }
      if (best != m_spares.end()) {
        kept.push_back(std::move(*best));
        m_spares.erase(best);
      } else {
        QString error;
        Run spare =
            makeRun(m_seed, keep, TimePoint{std::max(Duration{0}, target.sinceStart - kRecentHistory)}, false, error);
        if (!spare.runner) return;
        kept.push_back(std::move(spare));
      }
      kept.back().target = target;
    }
    m_spares = std::move(kept);  // the others are destroyed: nothing would use them
    const qint64 started = m_wall.nsecsElapsed();
    for (Run& spare : m_spares) {
      while (spare.runner->simulation().now() < spare.target) {
        stepRun(spare, spare.target);
        if (m_wall.nsecsElapsed() - started > budgetNs) return;
      }
    }
  }

  // The spare to continue from for a step back to `t`: the one furthest on, not past `t`, that replays the same
  // actions. Null when there is none worth taking.
  Run* spareFor(TimePoint t, const std::vector<LoggedAction>& keep) {
    Run* best = nullptr;
    for (Run& spare : m_spares) {
      const TimePoint at = spare.runner->simulation().now();
      if (spare.seed != m_seed || at > t || at == TimePoint{} || !sameActions(spare.keep, keep)) continue;
      if (best == nullptr || at > best->runner->simulation().now()) best = &spare;
    }
    return best;
  }

  void afterAdvance() {
    if (m_run.runner && !m_finished && m_run.runner->mainPhaseDone()) finishRun();
  }

  void finishRun() {
    m_finished = true;
    m_playing = false;
    emitSnapshot();  // the last moment of the main phase
    QElapsedTimer timer;
    timer.start();
    const ScenarioReport report = m_run.runner->finish();
    RunSpeed speed;
    speed.wallSeconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    const ScenarioSpec& spec = *m_run.spec;
    if (spec.lesson || !spec.questions.empty()) {
      // The questions revealed at the end of the run, with the lesson's summary.
      NarrationPoint end;
      end.atNs = m_run.runner->end().nanos();
      end.lessonEnd = true;
      for (const Reveal& reveal : report.reveals) {
        if (!m_run.runner->reveal(reveal.question)) end.reveals.push_back(reveal);
      }
      if (spec.lesson) end.summary = QString::fromStdString(spec.lesson->summary).trimmed();
      emit m_feed->narrationReached(end);
    }
    emit m_feed->runReportReady(QString::fromStdString(formatScenarioJson(report, speed)));
    emit m_feed->runFinished(QString::fromStdString(formatScenarioSummary(report, speed)), report.passed);
  }

  void tick() {
    if (!m_run.runner) return;
    const qint64 wallNow = m_wall.nsecsElapsed();
    const qint64 elapsed = std::min<qint64>(wallNow - m_lastWallNs, 100'000'000);  // no catching up after a stall
    m_lastWallNs = wallNow;
    if (m_playing && !m_finished) {
      Simulation& sim = m_run.runner->simulation();
      const TimePoint before = sim.now();
      TimePoint target;
      if (m_stopAt || m_speed <= 0) {
        target = m_stopAt.value_or(m_run.runner->end());
      } else {
        m_carryNs += m_speed * static_cast<double>(elapsed);
        const auto whole = static_cast<std::int64_t>(m_carryNs);
        m_carryNs -= static_cast<double>(whole);
        target = before + Duration(whole);
      }
      advanceTo(target, kWorkBudgetNs);
      if (m_stopAt && sim.now() >= *m_stopAt) {
        m_stopAt.reset();
        m_playing = false;
      }
      m_speedWindow.push_back({wallNow, sim.now().nanos()});
      while (m_speedWindow.size() > 2 && wallNow - m_speedWindow.front().first > 1'000'000'000)
        m_speedWindow.pop_front();
      afterAdvance();
      m_dirty = true;
    }
    if (m_dirty) emitSnapshot();
    m_retired.clear();
    if (!m_playing && !m_finished && m_run.runner) {
      // Paused: use what is left of the tick to prepare for a step back.
      prepareSpares(std::max<qint64>(0, kWorkBudgetNs - (m_wall.nsecsElapsed() - wallNow)));
    }
  }

  QString checkAction(const ScenarioAction& action) const {
    const Simulation& sim = m_run.runner->simulation();
    auto known = [&](NodeId n) { return n < sim.nodeCount() && !sim.hasLeft(n); };
    auto name = [](NodeId n) { return QString::fromStdString(nodeName(n)); };
    return std::visit(Overloaded{
                          [&](const CrashAction& a) -> QString {
                            if (!known(a.node)) return tr("%1 is not a member of the cluster.").arg(name(a.node));
                            return sim.isRunning(a.node) ? QString() : tr("%1 is already down.").arg(name(a.node));
                          },
                          [&](const RestartAction& a) -> QString {
                            if (!known(a.node)) return tr("%1 is not a member of the cluster.").arg(name(a.node));
                            return sim.isRunning(a.node) ? tr("%1 is already running.").arg(name(a.node)) : QString();
                          },
                          [&](const WipeAction& a) -> QString {
                            if (!known(a.node)) return tr("%1 is not a member of the cluster.").arg(name(a.node));
                            return sim.isRunning(a.node)
                                       ? QString()
                                       : tr("%1 is down; restart it with a wiped disk instead.").arg(name(a.node));
                          },
                          [&](const SlowNodeAction& a) -> QString {
                            if (!known(a.node)) return tr("%1 is not a member of the cluster.").arg(name(a.node));
                            return a.factor > 0 ? QString() : tr("The slow-down factor must be positive.");
                          },
                          [&](const DecommissionAction& a) -> QString {
                            if (!known(a.node)) return tr("%1 is not a member of the cluster.").arg(name(a.node));
                            if (!sim.isRunning(a.node))
                              return tr("%1 is down: remove it instead of decommissioning it.").arg(name(a.node));
                            if (sim.ring().nodes().size() <= sim.config().quorum.n)
                              return tr("Decommissioning %1 would leave fewer nodes than N = %2.")
                                  .arg(name(a.node))
                                  .arg(sim.config().quorum.n);
                            return QString();
                          },
                          [&](const RemoveNodeAction& a) -> QString {
                            if (!known(a.node)) return tr("%1 is not a member of the cluster.").arg(name(a.node));
                            if (sim.isRunning(a.node))
                              return tr("%1 is running: decommission it, or crash it first.").arg(name(a.node));
                            if (sim.ring().nodes().size() <= sim.config().quorum.n)
                              return tr("Removing %1 would leave fewer nodes than N = %2.")
                                  .arg(name(a.node))
                                  .arg(sim.config().quorum.n);
                            return QString();
                          },
                          [&](const QuorumAction& a) -> QString {
                            QuorumConfig q = sim.config().quorum;
                            if (a.r) q.r = *a.r;
                            if (a.w) q.w = *a.w;
                            if (!q.validate().isOk()) return tr("R and W must be between 1 and N = %1.").arg(q.n);
                            return QString();
                          },
                          [&](const PartitionAction& a) -> QString {
                            for (const auto& group : a.groups)
                              for (NodeId n : group)
                                if (n >= sim.nodeCount()) return tr("%1 is not a member of the cluster.").arg(name(n));
                            return QString();
                          },
                          [&](const AddNodeAction&) -> QString {
                            return sim.membershipChangeInProgress()
                                       ? tr("Wait until the current membership change has finished.")
                                       : QString();
                          },
                          [&](const auto&) -> QString { return QString(); },
                      },
                      action);
  }

  // `node`'s opinion of each peer: phi and verdict of every member under phi accrual (or with detection off), the
  // peers some news was about under SWIM.
  static void fillPeerOpinions(const Simulation& sim, const Node& node, NodeInfo& info) {
    const NodeId self = node.config().id;
    if (node.detectionProtocol() == DetectionProtocol::kSwim) {
      for (const Node::SwimPeerStatus& peer : node.swimPeers()) {
        if (peer.peer >= sim.nodeCount()) continue;
        info.peers.push_back(PeerOpinion{peer.peer, node.peerState(peer.peer), 0.0, peer.incarnation,
                                         peer.deathDue ? peer.deathDue->nanos() : -1});
      }
      return;
    }
    info.peers.reserve(sim.nodeCount());
    for (NodeId peer = 0; peer < sim.nodeCount(); ++peer) {
      if (peer == self || sim.hasLeft(peer)) continue;
      info.peers.push_back(PeerOpinion{peer, node.peerState(peer), node.peerPhi(peer), 0, -1});
    }
  }

  void emitSnapshot() {
    m_dirty = false;
    if (!m_run.runner) return;
    Simulation& sim = m_run.runner->simulation();
    FeedSnapshot s;
    s.nowNs = sim.now().nanos();
    s.endNs = m_run.runner->end().nanos();
    s.seed = m_seed;
    s.playing = m_playing;
    s.finished = m_finished;
    s.speed = m_speed;
    if (m_speedWindow.size() >= 2) {
      const auto& a = m_speedWindow.front();
      const auto& b = m_speedWindow.back();
      if (b.first > a.first)
        s.achievedSpeed = static_cast<double>(b.second - a.second) / static_cast<double>(b.first - a.first);
    }
    s.quorum = sim.config().quorum;
    if (sim.workloadCount() > 0) s.workload = sim.workload(0);

    // The ring: copied only when it changed.
    const Ring& ring = sim.ring();
    if (!m_ring || m_ring->entries() != ring.entries()) {
      m_ring = std::make_shared<const Ring>(ring);
      ++m_ringVersion;
      m_ownership = m_ring->ownership(s.quorum.n);
      m_ownershipN = s.quorum.n;
    } else if (m_ownershipN != s.quorum.n) {
      m_ownership = m_ring->ownership(s.quorum.n);
      m_ownershipN = s.quorum.n;
    }
    s.ring = m_ring;
    s.ringVersion = m_ringVersion;

    const std::size_t count = sim.nodeCount();
    updateCpuUse(m_run);
    s.nodes.resize(count);
    // SWIM's columns only when SWIM runs: with gossip or detection off every peer is up, as under phi accrual.
    if (count > 0) {
      const MechanismConfig& mechanisms = sim.node(0).config().mechanisms;
      if (mechanisms.gossip && mechanisms.failureDetector) s.detection = mechanisms.detection;
    }
    // Each node's doubts first, and the suspicions of every node counted from the running nodes' doubts: nodes +
    // doubts lookups, not nodes x nodes. The state below needs every node's count.
    for (NodeId id = 0; id < count; ++id) {
      const Node& node = sim.node(id);
      NodeInfo& info = s.nodes[id];
      info.judged = true;
      for (const NodeId peer : node.doubtedPeers()) {
        const NodeState verdict = node.peerState(peer);
        if (peer < count && peer != id && verdict != NodeState::kUp) info.doubts.emplace_back(peer, verdict);
      }
      std::sort(info.doubts.begin(), info.doubts.end());
      if (!sim.isRunning(id)) continue;
      for (const auto& [peer, verdict] : info.doubts) ++s.nodes[peer].suspectedBy;
    }
    for (NodeId id = 0; id < count; ++id) {
      NodeInfo& info = s.nodes[id];
      info.id = id;
      info.running = sim.isRunning(id);
      info.cpuFactor = sim.cpuFactor(id);
      const Node& node = sim.node(id);
      const NodeStatus status = node.status();
      info.keys = status.records;
      info.bytes = status.bytes;
      info.siblingKeys = status.siblingKeys;
      info.hintsHeld = status.hintsHeld;
      if (const NodeOwnership* own = m_ownership.of(id)) {
        info.primaryShare = own->primaryShare;
        info.replicatedShare = own->replicatedShare;
        info.tokens = own->tokens;
      }
      if (id == m_inspected) {
        fillPeerOpinions(sim, node, info);
        info.peersListed = true;
      }
      if (id < m_run.cpuUse.size()) info.cpuUtilization = m_run.cpuUse[id].utilization;
      if (sim.hasLeft(id)) {
        info.state = NodeDisplayState::kLeft;
      } else if (!info.running) {
        info.state = NodeDisplayState::kDown;
      } else if (status.membership == MemberStatus::kJoining) {
        info.state = NodeDisplayState::kJoining;
      } else if (status.membership == MemberStatus::kLeaving) {
        info.state = NodeDisplayState::kLeaving;
      } else if (info.suspectedBy > 0) {
        info.state = NodeDisplayState::kSuspect;
      } else {
        info.state = NodeDisplayState::kUp;
      }
    }
    if (sim.network().anyCut()) {  // nodes x nodes lookups only when some link is cut
      for (NodeId from = 0; from < count; ++from)
        for (NodeId to = 0; to < count; ++to)
          if (from != to && sim.network().linkCut(from, to)) s.cutLinks.emplace_back(from, to);
    }

    Observed& observed = *m_run.observed;
    observed.observer.takeRecords(s, s.nowNs);
    if (!observed.causalNotes.empty()) {
      for (RequestRecord& r : s.newRequests) {
        const auto it = observed.causalNotes.find(r.requestId);
        if (it == observed.causalNotes.end()) continue;
        r.siblings = it->second.siblings;
        r.context = std::move(it->second.context);
        r.siblingChange = it->second.change;
      }
      observed.causalNotes.clear();  // both halves of a request arrive in the same step, before this snapshot
    }
    s.operationsCompleted = observed.completed;
    s.operationsFailed = observed.failed;
    s.traceHash = sim.traceHash();

    // Metrics intervals completed since the last snapshot.
    const std::int64_t interval = kSampleInterval.count();
    const auto complete = static_cast<std::size_t>(sim.now().nanos() / interval);
    std::size_t hints = 0;
    for (NodeId id = 0; id < count; ++id) hints += s.nodes[id].hintsHeld;
    for (; m_samplesEmitted < complete; ++m_samplesEmitted) {
      MetricsSample sample;
      sample.timeSeconds = static_cast<double>((m_samplesEmitted + 1) * interval) / 1e9;
      if (m_samplesEmitted < m_run.series->buckets()) {
        const MetricsTimeSeries::Row row = m_run.series->row(m_samplesEmitted);
        sample.opsPerSecond = row.opsPerSecond;
        sample.p50Ms = row.p50Ms;
        sample.p99Ms = row.p99Ms;
        sample.p999Ms = row.p999Ms;
        sample.errorsPerSecond = row.errorsPerSecond;
        for (std::size_t op = 0; op < row.failed.size() && op < sample.failedPerSecond.size(); ++op) {
          sample.failedPerSecond[op] = static_cast<double>(row.failed[op]) * 1e9 / static_cast<double>(interval);
        }
        sample.droppedPerSecond = row.droppedPerSecond;
        for (std::size_t k = 1; k < kMessageKindCount; ++k) {
          sample.messagesPerSecond[static_cast<std::size_t>(trafficClassOf(static_cast<MessageKind>(k)))] +=
              row.messagesPerSecond[k];
        }
      }
      if (m_samplesEmitted < observed.reads.size()) {
        const auto [reads, stale] = observed.reads[m_samplesEmitted];
        sample.staleReadRate = reads ? static_cast<double>(stale) / static_cast<double>(reads) : 0.0;
      }
      if (m_samplesEmitted < observed.writes.size()) {
        const auto [writes, lost] = observed.writes[m_samplesEmitted];
        sample.lostUpdateRate = writes ? static_cast<double>(lost) / static_cast<double>(writes) : 0.0;
      }
      sample.hintsOutstanding =
          m_samplesEmitted < m_run.hintsAt.size() ? m_run.hintsAt[m_samplesEmitted] : static_cast<double>(hints);
      std::tie(sample.crashDownVerdicts, sample.runningNodes) =
          m_samplesEmitted < m_run.detectionAt.size() ? m_run.detectionAt[m_samplesEmitted] : crashDetection(sim);
      s.newSamples.push_back(sample);
    }
    emit m_feed->snapshotReady(s);
  }

  SimulationFeed* m_feed;
  QTimer* m_timer = nullptr;
  QElapsedTimer m_wall;
  ScenarioSpec m_baseSpec;
  std::uint64_t m_seed = 0;
  Run m_run;                   // the run on screen
  std::vector<Run> m_spares;   // runs parked (or being replayed) a second or two before m_run, for steps back
  std::vector<Run> m_retired;  // runs replaced by a spare, destroyed in the next tick
  bool m_playing = false;
  bool m_finished = false;
  bool m_dirty = false;
  double m_speed = 1.0;
  double m_carryNs = 0;
  qint64 m_lastWallNs = 0;
  std::optional<TimePoint> m_stopAt;
  std::deque<std::pair<qint64, std::int64_t>> m_speedWindow;  // (wall ns, virtual ns)
  std::size_t m_samplesEmitted = 0;
  std::vector<LoggedAction> m_logged;  // manual actions of this run, in order
  std::shared_ptr<const Ring> m_ring;
  NodeId m_inspected = 0;
  std::uint64_t m_ringVersion = 0;
  OwnershipStats m_ownership;
  std::size_t m_ownershipN = 0;
};

KeyInspection inspectKey(ScenarioRunner& runner, const Key& key, std::size_t maxHistory) {
  KeyInspection out;
  out.key = key;
  out.token = tokenForKey(key);
  Simulation& sim = runner.simulation();
  const PreferenceList pref = sim.ring().preferenceList(out.token, sim.config().quorum.n, 2);
  auto add = [&](NodeId node, bool fallback) {
    KeyInspection::Copy copy;
    copy.node = node;
    copy.fallback = fallback;
    copy.running = sim.isRunning(node);
    copy.record = sim.node(node).localRecord(key);
    out.copies.push_back(std::move(copy));
  };
  for (NodeId n : pref.replicas) add(n, false);
  for (NodeId n : pref.fallbacks) add(n, true);
  rankCopies(out.copies);
  for (const HistoryEntry& e : runner.history()) {
    if (e.key != key) continue;
    ++out.operations;
    out.recent.push_back(e);
    if (out.recent.size() > maxHistory) out.recent.erase(out.recent.begin());
  }
  return out;
}

SimulationFeed::SimulationFeed(QObject* parent) : ClusterFeed(parent) {
  qRegisterMetaType<FeedSnapshot>();
  qRegisterMetaType<NarrationPoint>();
  qRegisterMetaType<LoggedAction>();
  qRegisterMetaType<std::shared_ptr<const ScenarioSpec>>();
  m_thread.setObjectName(QStringLiteral("simulation"));
  m_worker = new SimulationWorker(this);
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  m_thread.start();
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker] { w->start(); }, Qt::QueuedConnection);
}

SimulationFeed::~SimulationFeed() {
  m_thread.quit();
  m_thread.wait();
}

void SimulationFeed::load(ScenarioSpec spec, bool play, std::optional<std::uint64_t> seed) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, spec = std::move(spec), play, seed]() mutable { w->load(std::move(spec), play, seed); },
      Qt::QueuedConnection);
}

void SimulationFeed::restart(std::optional<std::uint64_t> seed) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, seed] { w->restart(seed); }, Qt::QueuedConnection);
}

void SimulationFeed::play() {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker] { w->play(); }, Qt::QueuedConnection);
}
void SimulationFeed::pause() {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker] { w->pause(); }, Qt::QueuedConnection);
}
void SimulationFeed::step(std::chrono::nanoseconds amount) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, amount] { w->step(amount); }, Qt::QueuedConnection);
}
void SimulationFeed::runToNextNarration() {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker] { w->runToNextNarration(); }, Qt::QueuedConnection);
}
void SimulationFeed::setSpeed(double speed) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, speed] { w->setSpeed(speed); }, Qt::QueuedConnection);
}
void SimulationFeed::apply(const ScenarioAction& action) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, action] { w->apply(action); }, Qt::QueuedConnection);
}
void SimulationFeed::runToBlocking(TimePoint t) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, t] { w->runToBlocking(t); }, Qt::BlockingQueuedConnection);
}
void SimulationFeed::seek(TimePoint t) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, t] { w->seek(t); }, Qt::QueuedConnection);
}
QVector<qint64> SimulationFeed::parkedSparesBlocking() {
  QVector<qint64> parked;
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, &parked] { parked = w->parkedSpares(); }, Qt::BlockingQueuedConnection);
  return parked;
}

QString SimulationFeed::exportMetricsCsv(const QString& path) {
  QString error;
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, &path, &error] { error = w->exportMetricsCsv(path); }, Qt::BlockingQueuedConnection);
  return error;
}
void SimulationFeed::setInspectedNode(NodeId node) {
  QMetaObject::invokeMethod(m_worker, [w = m_worker, node] { w->setInspected(node); });
}

std::optional<KeyInspection> SimulationFeed::inspectKey(const Key& key) {
  std::optional<KeyInspection> result;
  inspectBlocking([&](ScenarioRunner* runner) {
    if (runner) result = ringlab::inspectKey(*runner, key);
  });
  return result;
}

void SimulationFeed::inspectBlocking(const std::function<void(ScenarioRunner*)>& fn) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, &fn] { w->inspect(fn); }, Qt::BlockingQueuedConnection);
}

}  // namespace ringlab

#include "simulation_feed.moc"
