#include <ringlab/ui/time_controls.h>

#include <algorithm>
#include <chrono>
#include <iterator>

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QMainWindow>
#include <QSlider>
#include <QStatusBar>
#include <QToolBar>

namespace ringlab {

namespace {

struct SpeedPreset {
  const char* label;
  double speed;  // 0: as fast as possible
};
constexpr SpeedPreset kSpeeds[] = {{"0.01x", 0.01}, {"0.05x", 0.05}, {"0.1x", 0.1},   {"0.25x", 0.25},
                                   {"0.5x", 0.5},   {"1x", 1.0},     {"2x", 2.0},     {"5x", 5.0},
                                   {"10x", 10.0},   {"25x", 25.0},   {"100x", 100.0}, {"max", 0.0}};
constexpr int kDefaultSpeedIndex = 5;
constexpr std::chrono::milliseconds kStepAmount{10};
constexpr std::int64_t kSecondNs = 1'000'000'000;

}  // namespace

TimeControls::TimeControls(QMainWindow& window) : QObject(&window) {
  const auto action = [&window](const QString& text, const QList<QKeySequence>& keys, const QString& tip) {
    auto* a = new QAction(text, &window);
    a->setShortcuts(keys);
    a->setToolTip(tip);
    return a;
  };
  m_play = action(tr("Play"), {QKeySequence(Qt::Key_Space), QKeySequence(Qt::Key_MediaTogglePlayPause)},
                  tr("Play or pause the run (Space)"));
  connect(m_play, &QAction::triggered, this, [this] {
    if (!m_feed) return;
    if (m_feed->paused(m_snapshot))
      m_feed->play();
    else
      m_feed->pause();
    update(m_snapshot, m_open);  // a frozen live picture sends no snapshot to say so
  });
  m_step = action(tr("Step"), {QKeySequence(Qt::Key_Right), QKeySequence(Qt::Key_S)},
                  tr("Advance 10 ms of virtual time and pause (→ or S)"));
  connect(m_step, &QAction::triggered, this, [this] {
    if (m_feed) m_feed->step(kStepAmount);
  });
  m_next = action(tr("Next narration"), {QKeySequence(Qt::Key_N), QKeySequence(Qt::Key_PageDown)},
                  tr("Run to the next narration point of the scenario and pause there (N or Page Down)"));
  connect(m_next, &QAction::triggered, this, [this] {
    if (m_feed) m_feed->runToNextNarration();
  });
  m_back = action(tr("Back 1 s"), {QKeySequence(Qt::CTRL | Qt::Key_Left)},
                  tr("Travel one second back in virtual time (Ctrl+←)"));
  connect(m_back, &QAction::triggered, this,
          [this] { seekTo(std::max<std::int64_t>(0, m_snapshot.nowNs - kSecondNs)); });
  m_forward = action(tr("Forward 1 s"), {QKeySequence(Qt::CTRL | Qt::Key_Right)},
                     tr("Run one second forward and pause (Ctrl+→)"));
  connect(m_forward, &QAction::triggered, this, [this] { seekTo(m_snapshot.nowNs + kSecondNs); });
  m_restart = action(tr("Restart"), {QKeySequence(Qt::CTRL | Qt::Key_R)},
                     tr("Start the scenario again with the same seed (Ctrl+R)"));
  connect(m_restart, &QAction::triggered, this, [this] { emit restartRequested(false); });
  m_newSeed = action(tr("New seed"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R)},
                     tr("Start the scenario again with a new random seed (Ctrl+Shift+R)"));
  connect(m_newSeed, &QAction::triggered, this, [this] { emit restartRequested(true); });
  m_faster = action(tr("Faster"), {QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal), QKeySequence(Qt::Key_Up)},
                    QString());
  connect(m_faster, &QAction::triggered, this, [this] { stepSpeed(+1); });
  m_slower = action(tr("Slower"), {QKeySequence(Qt::Key_Minus), QKeySequence(Qt::Key_Down)}, QString());
  connect(m_slower, &QAction::triggered, this, [this] { stepSpeed(-1); });
  // The keys that drive time work wherever the focus is, except in a text field (which takes them first).
  for (QAction* a : {m_play, m_step, m_next, m_faster, m_slower}) a->setShortcutContext(Qt::ApplicationShortcut);

  QToolBar* bar = window.addToolBar(tr("Time"));
  bar->setObjectName(QStringLiteral("timeToolBar"));
  bar->setMovable(true);
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  bar->addAction(m_play);
  bar->addAction(m_step);
  bar->addAction(m_next);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Speed "), bar));
  m_speed = new QComboBox(bar);
  for (const SpeedPreset& p : kSpeeds) m_speed->addItem(QString::fromLatin1(p.label), p.speed);
  m_speed->setItemText(static_cast<int>(std::size(kSpeeds)) - 1, tr("as fast as possible"));
  m_speed->setCurrentIndex(kDefaultSpeedIndex);
  m_speed->setToolTip(tr("Virtual time per second of real time (+ and − change it)"));
  connect(m_speed, &QComboBox::currentIndexChanged, this, [this] {
    if (m_feed) m_feed->setSpeed(speed());
  });
  bar->addWidget(m_speed);
  bar->addSeparator();
  m_time = new QLabel(bar);
  m_time->setObjectName(QStringLiteral("virtualTime"));
  m_time->setMinimumWidth(170);
  m_time->setToolTip(tr("Virtual time of the run / the scenario's duration"));
  bar->addWidget(m_time);
  m_scrubber = new QSlider(Qt::Horizontal, bar);
  m_scrubber->setObjectName(QStringLiteral("scrubber"));
  m_scrubber->setRange(0, 1000);
  m_scrubber->setMinimumWidth(160);
  m_scrubber->setMaximumWidth(260);
  m_scrubber->setToolTip(
      tr("Where the run is. Drag back to travel to an earlier moment (the run is replayed from its "
         "seed, with your actions up to then); act differently from there to fork it. "
         "Ctrl+← and Ctrl+→ move one second."));
  connect(m_scrubber, &QSlider::sliderReleased, this, [this] {
    if (m_snapshot.endNs <= 0) return;
    seekTo(m_snapshot.endNs / 1000 * m_scrubber->value());
  });
  bar->addWidget(m_scrubber);
  m_run = new QLabel(bar);
  m_run->setToolTip(tr("The run's seed: the same seed gives the same run"));
  bar->addWidget(m_run);
  bar->addSeparator();
  bar->addAction(m_restart);
  bar->addAction(m_newSeed);
  m_status = new QLabel(&window);
  window.statusBar()->addPermanentWidget(m_status);
}

void TimeControls::setFeed(ClusterFeed* feed) {
  m_feed = feed;
  if (m_feed) m_feed->setSpeed(speed());
}

double TimeControls::speed() const { return m_speed->currentData().toDouble(); }

void TimeControls::seekTo(std::int64_t ns) {
  if (m_feed && m_feed->can(FeedCapability::kSeek)) m_feed->seek(ns);
}

void TimeControls::stepSpeed(int delta) {
  const int i = std::clamp(m_speed->currentIndex() + delta, 0, m_speed->count() - 1);
  m_speed->setCurrentIndex(i);
  emit message(tr("Speed: %1").arg(m_speed->currentText()), 2000);
}

void TimeControls::update(const FeedSnapshot& snapshot, bool open) {
  m_snapshot = snapshot;
  m_open = open;
  const FeedCapabilities caps = m_feed ? m_feed->capabilities() : FeedCapabilities();
  const bool paused = m_feed ? m_feed->paused(snapshot) : true;
  if (caps.testFlag(FeedCapability::kFreezeOnly))
    m_play->setText(paused ? tr("Go live") : tr("Freeze"));
  else
    m_play->setText(paused ? tr("Play") : tr("Pause"));
  const bool running = open && !snapshot.finished;
  // At the end a run that can restart asks for a restart; a recording plays again from its start.
  m_play->setEnabled(caps.testFlag(FeedCapability::kPlayPause) && open &&
                     (!snapshot.finished || !caps.testFlag(FeedCapability::kRestart)));
  m_step->setEnabled(caps.testFlag(FeedCapability::kStep) && running);
  m_next->setEnabled(caps.testFlag(FeedCapability::kStep) && running);
  m_forward->setEnabled(caps.testFlag(FeedCapability::kSeek) && running);
  m_back->setEnabled(caps.testFlag(FeedCapability::kSeek) && open);
  m_scrubber->setEnabled(caps.testFlag(FeedCapability::kSeek) && open);
  m_restart->setEnabled(caps.testFlag(FeedCapability::kRestart) && open);
  m_newSeed->setEnabled(caps.testFlag(FeedCapability::kRestart) && open);
  const FeedClockText text = m_feed ? m_feed->clockText(snapshot) : FeedClockText{};
  m_time->setText(text.time);
  m_run->setText(text.run);
  m_status->setText(text.status);
  if (!m_scrubber->isSliderDown()) {
    const QSignalBlocker block(m_scrubber);
    m_scrubber->setValue(snapshot.endNs > 0 ? static_cast<int>(1000 * snapshot.nowNs / snapshot.endNs) : 0);
  }
}

QString TimeControls::shortcutsHtml() {
  return tr(
      "<table cellspacing='4'>"
      "<tr><td><b>Space</b></td><td>play / pause</td></tr>"
      "<tr><td><b>→</b> or <b>S</b></td><td>step 10 ms of virtual time</td></tr>"
      "<tr><td><b>N</b> or <b>Page Down</b></td><td>run to the next narration point</td></tr>"
      "<tr><td><b>Ctrl+←</b> / <b>Ctrl+→</b></td><td>travel one second back / forward</td></tr>"
      "<tr><td><b>+</b> / <b>−</b></td><td>faster / slower</td></tr>"
      "<tr><td><b>Ctrl+R</b></td><td>restart with the same seed</td></tr>"
      "<tr><td><b>Ctrl+Shift+R</b></td><td>restart with a new seed</td></tr>"
      "<tr><td><b>Ctrl+P</b> / <b>Ctrl+H</b></td><td>partition / heal the network</td></tr>"
      "<tr><td><b>Ctrl+J</b></td><td>add a node</td></tr>"
      "<tr><td><b>F11</b> or <b>F5</b></td><td>presentation mode</td></tr>"
      "<tr><td><b>Ctrl+Shift+D</b></td><td>dark palette</td></tr>"
      "<tr><td><b>Ctrl+O</b> / <b>Ctrl+S</b></td><td>open a scenario / save the run as a scenario</td></tr>"
      "<tr><td><b>Ctrl+E</b></td><td>export a view as PNG</td></tr>"
      "<tr><td><b>1</b> … <b>9</b></td><td>answer a lesson's question</td></tr>"
      "<tr><td><b>Ctrl+G</b></td><td>the lesson's challenge</td></tr>"
      "<tr><td><b>Ctrl+L</b></td><td>next lesson of the course</td></tr>"
      "<tr><td><b>Ctrl+T</b></td><td>teacher view (notes)</td></tr>"
      "</table>");
}

}  // namespace ringlab
