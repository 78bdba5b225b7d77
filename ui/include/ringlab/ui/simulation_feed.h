// The embedded cluster: a scenario running in the deterministic simulation on a worker thread, paced against the
// wall clock (0.01x to 100x real time, or as fast as possible), delivering snapshots to the UI thread at most 60
// times a second. The UI thread never waits on the simulation except in the explicitly blocking calls below, which
// are for the command line (--screenshot) and tests.
//
// Thread-safety: call every method from the thread that created the feed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <QThread>

#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>
#include <ringlab/ui/cluster_feed.h>

namespace ringlab {

class SimulationWorker;

// What every replica and fallback of `key` holds in `runner`'s simulation now, and the last `maxHistory` client
// operations on it. Reads the simulation: call it on its thread.
KeyInspection inspectKey(ScenarioRunner& runner, const Key& key, std::size_t maxHistory = 20);

class SimulationFeed final : public ClusterFeed {
  Q_OBJECT

 public:
  explicit SimulationFeed(QObject* parent = nullptr);
  ~SimulationFeed() override;  // stops the worker thread (an unfinished step is abandoned)

  // Starts `spec` from time zero, paused unless `play`. The spec's own seed is used unless `seed` is given.
  void load(ScenarioSpec spec, bool play, std::optional<std::uint64_t> seed = std::nullopt);
  // Starts the current scenario again from time zero, with the same seed or `seed`. Keeps the play state.
  void restart(std::optional<std::uint64_t> seed = std::nullopt) override;

  QString sourceDescription() const override { return tr("embedded simulation"); }
  // Everything but freezing: the simulation owns its time and its cluster.
  FeedCapabilities capabilities() const override {
    return FeedCapabilities(FeedCapability::kPlayPause) | FeedCapability::kStep | FeedCapability::kSeek |
           FeedCapability::kRestart | FeedCapability::kFaults | FeedCapability::kMembership |
           FeedCapability::kSettings | FeedCapability::kExportRun | FeedCapability::kInspectKeys;
  }
  void play() override;
  void pause() override;
  void step(std::chrono::nanoseconds amount) override;
  void runToNextNarration() override;
  void setSpeed(double speed) override;
  void apply(const ScenarioAction& action) override;
  // Time travel: moves the run to virtual time `t` and pauses. Backwards it replays the run from its seed with the
  // manual actions taken before `t` (emitting rewound()); the same seed and actions give the same state, so going
  // back and forth again reproduces it. A manual action after a seek back forks the run. While the run is paused,
  // spare runs are replayed in the background and parked 1 s and 2 s before it: a step back onto one is immediate,
  // and a longer one continues from the furthest spare before its target.
  // Replays longer than half a second report progress().
  void seek(TimePoint t);
  void seek(std::int64_t atNs) override { seek(TimePoint{Duration(atNs)}); }

  // --- blocking calls (command line and tests)
  // Runs the current scenario to virtual time `t` (capped at its end), paused, and waits until the snapshot of
  // that moment has been emitted.
  void runToBlocking(TimePoint t);
  // Every copy of `key` and its recent operations, read on the worker thread; waits.
  std::optional<KeyInspection> inspectKey(const Key& key) override;
  void setInspectedNode(NodeId node) override;
  // Runs `fn` on the worker thread with the runner (null when nothing is loaded) and waits for it. For tests and the
  // command line only (the app's widgets ask through ClusterFeed); `fn` must not keep references past its return.
  void inspectBlocking(const std::function<void(ScenarioRunner*)>& fn);
  // The virtual times at which spare runs are parked, ready for a step back (see seek); waits.
  QVector<qint64> parkedSparesBlocking();
  // Writes the run's metrics so far (250 ms intervals of virtual time) as CSV; waits. Returns an error message
  // naming the file, empty on success.
  QString exportMetricsCsv(const QString& path) override;

 private:
  QThread m_thread;
  SimulationWorker* m_worker = nullptr;  // lives on m_thread; deleted when the thread finishes
};

}  // namespace ringlab
