// The one interface the desktop app's views read a cluster through: the embedded simulation, a connection to real
// nodes and a recorded session implement it, so every view and every control works on all three. What a feed cannot
// do (a recording cannot be changed, a live cluster cannot travel in time) it says in capabilities(); the window
// enables its controls from them and never asks which kind of feed it holds.
//
// A feed produces value snapshots (FeedSnapshot) on its own thread and delivers them with queued signals, at most
// 60 times a second. Commands (play, crash, ...) return at once; their effect shows in a later snapshot.
// Thread-safety: create and call a feed from the UI thread; its signals arrive on the UI thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include <QFlags>
#include <QObject>
#include <QString>
#include <QVector>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/key_inspection.h>

namespace ringlab {

// A manual action a person took, at the virtual time it took effect.
struct LoggedAction {
  std::int64_t atNs = 0;
  ScenarioAction action;
  QString description;  // "crash n3"
};

// What a feed can do; a control whose capability is missing is disabled.
enum class FeedCapability {
  kPlayPause = 0x1,    // play and pause (on a live cluster: go live and freeze the picture)
  kStep = 0x2,         // step, run to the next narration point or mark, speed
  kSeek = 0x4,         // travel to any time, back or forward
  kRestart = 0x8,      // start the scenario again, with its seed or a new one
  kFaults = 0x10,      // crash, slow down, partition, heal: apply() takes fault actions
  kMembership = 0x20,  // add, decommission or remove nodes
  kSettings = 0x40,    // change the quorum and the workload (the Controls panel)
  kExportRun = 0x80,   // export the run: metrics CSV, trace, the run as a scenario
  kFreezeOnly = 0x100,  // time is the real clock: pause freezes the picture, play goes live again
  kInspectKeys = 0x200  // inspectKey answers: every copy of a key and its recent operations
};
Q_DECLARE_FLAGS(FeedCapabilities, FeedCapability)
Q_DECLARE_OPERATORS_FOR_FLAGS(FeedCapabilities)

// The feed's clock and state in words, for the toolbar and the status bar.
struct FeedClockText {
  QString time;    // "t = 4.2 s / 30 s"
  QString run;     // "seed 42", "cluster at 127.0.0.1:8380"
  QString status;  // "running at 1.0x real time  ·  812 ops done, ..."
};

class ClusterFeed : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;
  ~ClusterFeed() override = default;

  // "embedded simulation", "cluster at host:port", for the title bar and the status line.
  virtual QString sourceDescription() const = 0;
  virtual FeedCapabilities capabilities() const = 0;
  bool can(FeedCapability c) const { return capabilities().testFlag(c); }

  virtual void play() = 0;
  virtual void pause() = 0;
  // Whether the picture is standing still, judged from the latest snapshot (a frozen live picture sends none).
  virtual bool paused(const FeedSnapshot& latest) const { return !latest.playing; }
  // Advances `amount` of virtual time and pauses.
  virtual void step(std::chrono::nanoseconds amount) = 0;
  // Runs until the next narration point of the timeline and pauses there.
  virtual void runToNextNarration() = 0;
  // Virtual seconds per wall-clock second; 0 runs as fast as possible.
  virtual void setSpeed(double speed) = 0;
  // Moves to `atNs` and pauses (kSeek); ignored by a feed that cannot.
  virtual void seek(std::int64_t /*atNs*/) {}
  // Starts the scenario again from zero with the same seed or `seed` (kRestart); ignored by a feed that cannot.
  virtual void restart(std::optional<std::uint64_t> /*seed*/ = std::nullopt) {}
  // Applies an action now and records it in the action log; an action the feed cannot take comes back as problem().
  virtual void apply(const ScenarioAction& action) = 0;
  // Every copy of `key` now and the clients' latest operations on it (kInspectKeys); nullopt from a feed that cannot
  // tell, or before anything is loaded. May block briefly: a simulation answers between two slices of its run.
  virtual std::optional<KeyInspection> inspectKey(const Key& /*key*/) { return std::nullopt; }
  // The node the inspector shows: a feed that fills NodeInfo::peers for one node only fills it for this one.
  virtual void setInspectedNode(NodeId /*node*/) {}
  // Writes the run's metrics as CSV (kExportRun). Returns an error message naming the file, empty on success.
  virtual QString exportMetricsCsv(const QString& path);
  // The clock, the run and the state in words as of `latest`.
  virtual FeedClockText clockText(const FeedSnapshot& latest) const;

 signals:
  void snapshotReady(const ringlab::FeedSnapshot& snapshot);
  // A scenario was loaded or restarted: its spec (with the seed in use) and its narration points.
  void scenarioStarted(std::shared_ptr<const ringlab::ScenarioSpec> spec, QVector<ringlab::NarrationPoint> timeline);
  void narrationReached(const ringlab::NarrationPoint& point);
  void actionLogged(const ringlab::LoggedAction& action);
  // The scenario ran to its end and was checked: a plain-text report and whether every expectation held.
  void runFinished(const QString& report, bool passed);
  // Sent just before runFinished: the same report as JSON (formatScenarioJson), for the report's tables.
  void runReportReady(const QString& json);
  // The run went back to `atNs`; `kept` are the manual actions still in effect (those after it are gone).
  void rewound(qint64 atNs, QVector<ringlab::LoggedAction> kept);
  // Long work (replaying to a time): what is being done and the fraction done; an empty text when it is over.
  void progress(const QString& what, double fraction);
  // Something the user should read (an action that was refused, a scenario that cannot start).
  void problem(const QString& message);
};

}  // namespace ringlab

Q_DECLARE_METATYPE(ringlab::LoggedAction)
Q_DECLARE_METATYPE(std::shared_ptr<const ringlab::ScenarioSpec>)
