// The one interface the desktop app's views read a cluster through. The embedded simulation implements it today; a
// connection to real nodes implements the same signals, so every view works on both.
//
// A feed produces value snapshots (FeedSnapshot) on its own thread and delivers them with queued signals, at most
// 60 times a second. Commands (play, crash, ...) return at once; their effect shows in a later snapshot.
// Thread-safety: create and call a feed from the UI thread; its signals arrive on the UI thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <QObject>
#include <QString>
#include <QVector>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/feed_snapshot.h>

namespace ringlab {

// A manual action a person took, at the virtual time it took effect.
struct LoggedAction {
  std::int64_t atNs = 0;
  ScenarioAction action;
  QString description;  // "crash n3"
};

class ClusterFeed : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;
  ~ClusterFeed() override = default;

  // "embedded simulation", "cluster at host:port", for the title bar and the status line.
  virtual QString sourceDescription() const = 0;
  // True when the feed controls time (play, pause, step, speed); a live cluster does not.
  virtual bool controlsTime() const = 0;

  virtual void play() = 0;
  virtual void pause() = 0;
  // Advances `amount` of virtual time and pauses.
  virtual void step(std::chrono::nanoseconds amount) = 0;
  // Runs until the next narration point of the timeline and pauses there.
  virtual void runToNextNarration() = 0;
  // Virtual seconds per wall-clock second; 0 runs as fast as possible.
  virtual void setSpeed(double speed) = 0;
  // Applies an action now and records it in the action log.
  virtual void apply(const ScenarioAction& action) = 0;

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
