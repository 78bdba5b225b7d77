// A recorded live session (RemoteFeed::startRecording) played back in the same views: the inputs go through the
// same LiveClusterModel at their recorded times, paced like the simulation (0.01x to 100x, or as fast as possible),
// with play, pause, step and seek. Seeking back replays the recording from its start, so the picture at a time is
// always the same.
//
// File format: one JSON object per line. The first is {"ringlab_recording": 1, "source": "...", "started": "..."};
// each other line is {"t": session ns, "node": "n1", "kind": "cluster"|"metrics"|"event"|"reachability",
// "body": "..."}, in time order.
//
// Thread-safety: UI thread only (playback is cheap: it only parses what it plays).
#pragma once

#include <memory>
#include <vector>

#include <QElapsedTimer>
#include <QTimer>

#include <ringlab/ui/cluster_feed.h>
#include <ringlab/ui/live_model.h>

namespace ringlab {

class RecordingFeed final : public ClusterFeed {
  Q_OBJECT

 public:
  explicit RecordingFeed(QObject* parent = nullptr);
  ~RecordingFeed() override;

  // Reads a recording. Returns an error naming the file and line, empty on success; on error nothing changes.
  QString open(const QString& path);
  std::int64_t durationNs() const { return m_inputs.empty() ? 0 : m_inputs.back().atNs; }
  std::size_t inputCount() const { return m_inputs.size(); }
  QString source() const { return m_source; }
  // What the recording is, for the Scenario panel (HTML): its source, its inputs and its duration.
  QString aboutHtml() const;

  QString sourceDescription() const override;
  // Time only: a recording shows what happened and cannot be changed.
  FeedCapabilities capabilities() const override {
    return FeedCapabilities(FeedCapability::kPlayPause) | FeedCapability::kStep | FeedCapability::kSeek;
  }
  void play() override;
  void pause() override;
  void step(std::chrono::nanoseconds amount) override;
  void runToNextNarration() override;  // runs to the next thing that happened (a mark), and pauses
  void setSpeed(double speed) override;
  void apply(const ScenarioAction& action) override;  // refused: a recording cannot change
  // Moves to `atNs` (clamped to the recording) and pauses, emitting the snapshot of that moment.
  void seek(std::int64_t atNs) override;
  std::int64_t nowNs() const { return m_nowNs; }

 private:
  struct Input {
    std::int64_t atNs = 0;
    QString node;
    LiveClusterModel::InputKind kind{};
    QByteArray body;
  };
  void tick();
  void advanceTo(std::int64_t atNs);
  void emitSnapshot();

  QString m_path;
  QString m_source;
  std::vector<Input> m_inputs;
  std::unique_ptr<LiveClusterModel> m_model;
  std::size_t m_next = 0;
  std::int64_t m_nowNs = 0;
  bool m_playing = false;
  double m_speed = 1.0;
  QTimer m_timer;
  QElapsedTimer m_wall;
  bool m_stopAtMark = false;
};

}  // namespace ringlab
