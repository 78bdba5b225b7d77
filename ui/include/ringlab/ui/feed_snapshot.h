// What the desktop app's views draw: a FeedSnapshot is the observation layer's ClusterSnapshot (observe/) plus the
// feed's own clock and controls, made by a ClusterFeed on its own thread and handed to the UI thread through queued
// signals. The Qt-side names of the snapshot's enums live here too.
//
// Thread-safety: values; a snapshot may be copied and read from any thread once it has been emitted.
#pragma once

#include <cstdint>
#include <optional>

#include <QMetaType>
#include <QString>
#include <QVector>

#include <ringlab/observe/cluster_snapshot.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/workload.h>

namespace ringlab {

QString trafficClassName(TrafficClass c);              // "write", "read", "ack", ...
QString nodeDisplayStateName(NodeDisplayState state);  // "up", "suspect", ...

// A narration point of the scenario's timeline.
struct NarrationPoint {
  std::int64_t atNs = 0;
  QString text;     // the narration (may be empty when only `pause` is set)
  QString actions;  // "crash n3; partition [n1 n2] [n3 n4 n5]"
  bool pause = false;
  std::optional<NarrationFocus> focus;  // the node, key and/or view the app points at
  // Lessons: the question asked here (an index into the scenario's questions; the run pauses for the answer), what
  // the run measured for the questions revealed here, and the teacher's notes. The end of a lesson's run comes as a
  // point of its own (`lessonEnd`) with the questions revealed at the end and the lesson's summary.
  std::optional<std::size_t> ask;
  QVector<Reveal> reveals;
  QString notes;
  bool lessonEnd = false;
  QString summary;
};

// A cluster snapshot as a feed delivers it: with where the feed's clock stands and what it is doing.
struct FeedSnapshot : ClusterSnapshot {
  std::int64_t endNs = 0;  // the scenario's duration
  std::uint64_t seed = 0;
  bool playing = false;
  bool finished = false;     // the scenario reached its end (the report follows)
  double speed = 1.0;        // requested: virtual seconds per wall second; 0 = as fast as possible
  double achievedSpeed = 0;  // measured over the last second
  std::optional<WorkloadConfig> workload;  // the first workload, when there is one
};

}  // namespace ringlab

Q_DECLARE_METATYPE(ringlab::FeedSnapshot)
Q_DECLARE_METATYPE(ringlab::NarrationPoint)
