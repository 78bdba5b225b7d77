#include <ringlab/ui/cluster_feed.h>

#include <ringlab/ui/models.h>

namespace ringlab {

QString ClusterFeed::exportMetricsCsv(const QString& path) {
  return tr("%1 was not written: %2 has no metrics to export.").arg(path, sourceDescription());
}

FeedClockText ClusterFeed::clockText(const FeedSnapshot& s) const {
  FeedClockText text;
  text.time = tr("t = %1 / %2").arg(formatVirtualTime(s.nowNs), formatVirtualTime(s.endNs));
  text.run = tr("  seed %1  ").arg(s.seed);
  QString speed;
  if (s.playing) {
    speed = tr("running at %1x real time").arg(s.achievedSpeed, 0, 'f', s.achievedSpeed < 1 ? 2 : 1);
  } else {
    speed = s.finished ? tr("ended") : tr("paused");
  }
  const QString inFlight =
      s.inFlightTotal == 1 ? tr("1 message in flight") : tr("%1 messages in flight").arg(s.inFlightTotal);
  text.status = tr("%1  ·  %2 ops done, %3 failed  ·  %4  ·  trace %5")
                    .arg(speed)
                    .arg(s.operationsCompleted)
                    .arg(s.operationsFailed)
                    .arg(inFlight)
                    .arg(s.traceHash, 16, 16, QLatin1Char('0'));
  return text;
}

}  // namespace ringlab
