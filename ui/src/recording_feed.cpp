#include <ringlab/ui/recording_feed.h>

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <ringlab/ui/models.h>

namespace ringlab {

namespace {
constexpr int kTickMs = 16;
constexpr std::int64_t kAsFastAsPossibleStepNs = 500'000'000;  // per tick, at speed 0
}  // namespace

RecordingFeed::RecordingFeed(QObject* parent) : ClusterFeed(parent), m_model(std::make_unique<LiveClusterModel>()) {
  m_timer.setInterval(kTickMs);
  connect(&m_timer, &QTimer::timeout, this, &RecordingFeed::tick);
}

RecordingFeed::~RecordingFeed() = default;

QString RecordingFeed::open(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return tr("cannot read %1: %2").arg(path, file.errorString());
  std::vector<Input> inputs;
  QString source;
  int line = 0;
  std::int64_t last = 0;
  while (!file.atEnd()) {
    const QByteArray text = file.readLine().trimmed();
    ++line;
    if (text.isEmpty()) continue;
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (!doc.isObject()) {
      return tr("%1:%2: not a JSON object (%3)").arg(path).arg(line).arg(error.errorString());
    }
    const QJsonObject o = doc.object();
    if (line == 1) {
      if (o.value(QStringLiteral("ringlab_recording")).toInt() != 1) {
        return tr("%1:1: not a RingLab recording (the first line must carry \"ringlab_recording\": 1)").arg(path);
      }
      source = o.value(QStringLiteral("source")).toString();
      continue;
    }
    const auto kind = LiveClusterModel::parseInputKind(o.value(QStringLiteral("kind")).toString());
    const QJsonValue t = o.value(QStringLiteral("t"));
    if (!kind || !t.isDouble() || !o.value(QStringLiteral("node")).isString() ||
        !o.value(QStringLiteral("body")).isString()) {
      return tr("%1:%2: expected \"t\" (a number), \"node\", \"kind\" (cluster, metrics, event or reachability) and "
                "\"body\"")
          .arg(path)
          .arg(line);
    }
    const auto atNs = static_cast<std::int64_t>(t.toDouble());
    if (atNs < last)
      return tr("%1:%2: time goes backwards (%3 ns after %4 ns)").arg(path).arg(line).arg(atNs).arg(last);
    last = atNs;
    inputs.push_back(Input{atNs, o.value(QStringLiteral("node")).toString(), *kind,
                           o.value(QStringLiteral("body")).toString().toUtf8()});
  }
  if (line == 0) return tr("%1: the file is empty").arg(path);
  m_path = path;
  m_source = source;
  m_inputs = std::move(inputs);
  m_playing = false;
  m_timer.stop();
  seek(0);
  return {};
}

QString RecordingFeed::sourceDescription() const {
  return tr("recording %1 of %2").arg(QFileInfo(m_path).fileName(), m_source);
}

QString RecordingFeed::aboutHtml() const {
  return tr("<p>A recorded session of the cluster at %1: %2 inputs over %3. Play, pause, step and scrub it like a "
            "run; it cannot be changed.</p>")
      .arg(m_source.toHtmlEscaped())
      .arg(inputCount())
      .arg(formatVirtualTime(durationNs()));
}

void RecordingFeed::play() {
  if (m_nowNs >= durationNs()) seek(0);
  m_playing = true;
  m_wall.start();
  m_timer.start();
  emitSnapshot();
}

void RecordingFeed::pause() {
  m_stopAtMark = false;
  m_playing = false;
  m_timer.stop();
  emitSnapshot();
}

void RecordingFeed::step(std::chrono::nanoseconds amount) {
  pause();
  advanceTo(std::min(durationNs(), m_nowNs + amount.count()));
  emitSnapshot();
}

void RecordingFeed::runToNextNarration() {
  m_stopAtMark = true;
  play();
}

void RecordingFeed::setSpeed(double speed) { m_speed = std::max(0.0, speed); }

void RecordingFeed::apply(const ScenarioAction&) {
  emit problem(
      tr("This is a recording: it shows what happened and cannot be changed. Connect to the cluster to act "
         "on it."));
}

void RecordingFeed::seek(std::int64_t atNs) {
  atNs = std::clamp<std::int64_t>(atNs, 0, durationNs());
  if (atNs < m_nowNs || !m_model) {
    m_model = std::make_unique<LiveClusterModel>();
    m_next = 0;
    m_nowNs = 0;
    emit rewound(atNs, {});
  }
  m_playing = false;
  m_stopAtMark = false;
  m_timer.stop();
  advanceTo(atNs);
  emitSnapshot();
}

void RecordingFeed::advanceTo(std::int64_t atNs) {
  while (m_next < m_inputs.size() && m_inputs[m_next].atNs <= atNs) {
    const Input& in = m_inputs[m_next++];
    m_model->ingest(in.atNs, in.node, in.kind, in.body);
  }
  m_nowNs = atNs;
}

void RecordingFeed::tick() {
  const std::int64_t wallNs = m_wall.nsecsElapsed();
  m_wall.restart();
  const std::int64_t delta =
      m_speed > 0 ? static_cast<std::int64_t>(static_cast<double>(wallNs) * m_speed) : kAsFastAsPossibleStepNs;
  std::int64_t target = std::min(durationNs(), m_nowNs + delta);
  if (m_stopAtMark) {
    // Stop at the first input that makes a mark: a reachability change, a state change.
    for (std::size_t i = m_next; i < m_inputs.size() && m_inputs[i].atNs <= target; ++i) {
      if (m_inputs[i].kind == LiveClusterModel::InputKind::kReachability ||
          (m_inputs[i].kind == LiveClusterModel::InputKind::kEvent &&
           (m_inputs[i].body.contains("\"node_state_changed\"") || m_inputs[i].body.contains("\"cluster_changed\"")))) {
        target = m_inputs[i].atNs;
        m_stopAtMark = false;
        m_playing = false;
        m_timer.stop();
        break;
      }
    }
  }
  advanceTo(target);
  if (m_nowNs >= durationNs()) {
    m_playing = false;
    m_stopAtMark = false;
    m_timer.stop();
  }
  emitSnapshot();
}

void RecordingFeed::emitSnapshot() {
  FeedSnapshot s = m_model->takeSnapshot(m_nowNs);
  s.endNs = durationNs();
  s.playing = m_playing;
  s.speed = m_speed;
  s.achievedSpeed = m_playing ? m_speed : 0;
  s.finished = m_nowNs >= durationNs() && !m_inputs.empty();
  emit snapshotReady(s);
}

}  // namespace ringlab
