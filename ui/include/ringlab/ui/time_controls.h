// The time controls of the desktop app: the actions (play or pause, step, next narration, one second back and
// forward, faster, slower, restart, new seed) with their shortcuts, and the Time toolbar (speed, clock, scrubber,
// seed). They drive whichever ClusterFeed is shown and enable themselves from its capabilities: a live cluster only
// freezes and goes live again, a recording travels in time but does not restart.
//
// Thread-safety: UI thread only.
#pragma once

#include <QObject>
#include <QPointer>

#include <ringlab/ui/cluster_feed.h>
#include <ringlab/ui/feed_snapshot.h>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QLabel;
class QMainWindow;
class QSlider;
class QToolBar;
class QWidget;
QT_END_NAMESPACE

namespace ringlab {

class TimeControls final : public QObject {
  Q_OBJECT

 public:
  // Adds the Time toolbar and a status text to `window`; the actions are children of `window` (add them to menus as
  // wanted).
  explicit TimeControls(QMainWindow& window);

  // The feed the controls drive from now on; it gets the speed shown.
  void setFeed(ClusterFeed* feed);
  // Shows the state of `snapshot` and enables what the feed can do now; `open` is false while there is nothing to
  // drive (no scenario opened yet).
  void update(const FeedSnapshot& snapshot, bool open);
  // The status-bar text of the last update (speed, operations, messages, trace hash), a permanent widget of the status
  // bar.
  QLabel& statusLabel() { return *m_status; }
  // The speed chosen, in virtual seconds per real second (0: as fast as possible).
  double speed() const;
  void stepSpeed(int delta);

  QAction* play() const { return m_play; }
  QAction* step() const { return m_step; }
  QAction* next() const { return m_next; }
  QAction* back() const { return m_back; }
  QAction* forward() const { return m_forward; }
  QAction* restart() const { return m_restart; }
  QAction* newSeed() const { return m_newSeed; }
  QAction* faster() const { return m_faster; }
  QAction* slower() const { return m_slower; }

  // The keyboard shortcuts of the whole app as an HTML table, for Help > Keyboard shortcuts.
  static QString shortcutsHtml();

 signals:
  void restartRequested(bool newSeed);
  void message(const QString& text, int timeoutMs);

 private:
  void seekTo(std::int64_t ns);

  QPointer<ClusterFeed> m_feed;
  FeedSnapshot m_snapshot;
  bool m_open = false;
  QAction* m_play = nullptr;
  QAction* m_step = nullptr;
  QAction* m_next = nullptr;
  QAction* m_back = nullptr;
  QAction* m_forward = nullptr;
  QAction* m_restart = nullptr;
  QAction* m_newSeed = nullptr;
  QAction* m_faster = nullptr;
  QAction* m_slower = nullptr;
  QComboBox* m_speed = nullptr;
  QLabel* m_time = nullptr;
  QSlider* m_scrubber = nullptr;
  QLabel* m_run = nullptr;
  QLabel* m_status = nullptr;
};

}  // namespace ringlab
