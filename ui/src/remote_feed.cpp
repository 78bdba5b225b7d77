#include <ringlab/ui/remote_feed.h>

#include <algorithm>
#include <cmath>
#include <map>

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QUrl>

#include <ringlab/engine/overloaded.h>
#include <ringlab/ui/models.h>

namespace ringlab {

namespace {

constexpr int kPollIntervalMs = 1000;
constexpr int kSnapshotIntervalMs = 33;
constexpr int kRequestTimeoutMs = 2500;
constexpr std::int64_t kInitialBackoffNs = 500'000'000;
constexpr std::int64_t kMaxBackoffNs = 8'000'000'000;
constexpr int kEventsRate = 3000;  // per node and second; the node samples beyond it
constexpr const char* kEventTypes =
    "message_sent,message_delivered,message_dropped,request_completed,fiber_slice,fiber_started,fiber_ended,"
    "node_state_changed,cluster_changed,peer_state_changed";

QString replyError(QNetworkReply* reply) {
  const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
  const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
  const QJsonDocument doc = QJsonDocument::fromJson(body);
  if (doc.isObject() && doc.object().contains(QStringLiteral("error"))) {
    return doc.object().value(QStringLiteral("error")).toString();
  }
  if (status != 0) return QStringLiteral("HTTP %1 %2").arg(status).arg(QString::fromUtf8(body.left(200)).trimmed());
  if (reply->error() == QNetworkReply::OperationCanceledError)
    return QStringLiteral("no answer within %1 s").arg(kRequestTimeoutMs / 1000.0);
  return reply->errorString();
}

}  // namespace

std::optional<RemoteTarget> RemoteTarget::parse(const QString& text, QString* error) {
  RemoteTarget target;
  const QString t = text.trimmed();
  const qsizetype colon = t.lastIndexOf(QLatin1Char(':'));
  QString portText = t;
  if (colon >= 0) {
    target.host = t.left(colon);
    portText = t.mid(colon + 1);
  }
  bool ok = false;
  const int port = portText.toInt(&ok);
  if (!ok || port <= 0 || port > 65535 || (colon >= 0 && target.host.isEmpty())) {
    if (error)
      *error =
          QStringLiteral("expected HOST:PORT of a node's admin endpoint (such as 127.0.0.1:8380), got '%1'").arg(text);
    return std::nullopt;
  }
  target.adminPort = port;
  return target;
}

// Lives on the feed's thread: all network I/O, the model and the recording file.
class RemoteWorker final : public QObject {
  Q_OBJECT

 public:
  RemoteWorker() = default;

  void start(const RemoteTarget& target) {
    m_target = target;
    m_net = new QNetworkAccessManager(this);
    m_clock.start();
    m_poll = new QTimer(this);
    connect(m_poll, &QTimer::timeout, this, &RemoteWorker::poll);
    m_poll->start(kPollIntervalMs);
    m_tick = new QTimer(this);
    connect(m_tick, &QTimer::timeout, this, &RemoteWorker::tick);
    m_tick->start(kSnapshotIntervalMs);
    emit status(tr("connecting to %1").arg(target.address()));
    poll();
  }

  void stop() {
    for (auto& [name, node] : m_nodes) {
      if (node.events && node.events->isRunning()) node.events->abort();
    }
    if (m_poll) m_poll->stop();
    if (m_tick) m_tick->stop();
    stopRecording();
  }

  void setFrozen(bool frozen) { m_frozen = frozen; }

  QString startRecording(const QString& path) {
    stopRecording();
    auto file = std::make_unique<QFile>(path);
    if (!file->open(QIODevice::WriteOnly | QIODevice::Truncate)) {
      return tr("cannot write %1: %2").arg(path, file->errorString());
    }
    QJsonObject header{{QStringLiteral("ringlab_recording"), 1},
                       {QStringLiteral("source"), m_target.address()},
                       {QStringLiteral("started"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}};
    file->write(QJsonDocument(header).toJson(QJsonDocument::Compact) + '\n');
    m_recording = std::move(file);
    m_recordingPath = path;
    m_recordingStartNs = now();
    // The picture so far: every member's latest /cluster body (and whether it answers now), so that the recording
    // opens with the cluster as it is.
    for (const auto& [name, node] : m_nodes) {
      if (!node.lastCluster.isEmpty()) record(now(), name, LiveClusterModel::InputKind::kCluster, node.lastCluster);
      if (!node.reachable) {
        const QString why = m_model.member(name) ? m_model.member(name)->lastError : QString();
        record(now(), name, LiveClusterModel::InputKind::kReachability, "down " + why.toUtf8());
      }
    }
    emit recordingChanged(true, path);
    return {};
  }

  void stopRecording() {
    if (!m_recording) return;
    m_recording->flush();
    m_recording.reset();
    emit recordingChanged(false, QString());
  }

  void post(const QString& node, const QString& path, const QJsonObject& body, const QString& what) {
    const auto it = m_nodes.find(node);
    if (it == m_nodes.end()) {
      emit problem(tr("%1: %2 is not a known member").arg(what, node));
      return;
    }
    QNetworkRequest request = makeRequest(it->second, path);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply = m_net->post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, this, [this, reply, node, what] {
      reply->deleteLater();
      const int httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
      if (reply->error() != QNetworkReply::NoError || httpStatus >= 300) {
        emit problem(tr("%1 refused on %2: %3").arg(what, node, replyError(reply)));
        return;
      }
      emit done(now(), what);
      poll();  // show the effect soon
    });
  }

 signals:
  void snapshot(const ringlab::FeedSnapshot& s);
  void members(const std::vector<ringlab::LiveMember>& members);
  void problem(const QString& message);
  void status(const QString& text);
  void done(qint64 atNs, const QString& what);
  void recordingChanged(bool on, const QString& path);

 private:
  struct NodeConn {
    QString host;
    int port = 0;
    bool fromSeed = false;            // the address the user gave (kept even if the node advertises another)
    bool incompatible = false;        // speaks another admin API version: not polled again
    QPointer<QNetworkReply> cluster;  // outstanding requests
    QPointer<QNetworkReply> metrics;
    QPointer<QNetworkReply> events;
    QByteArray eventBuffer;
    std::int64_t nextAttemptNs = 0;
    std::int64_t backoffNs = kInitialBackoffNs;
    bool reachable = false;
    QByteArray lastCluster;
  };

  std::int64_t now() const { return m_clock.nsecsElapsed(); }

  QNetworkRequest makeRequest(const NodeConn& node, const QString& pathAndQuery) {
    QNetworkRequest request(QUrl(QStringLiteral("http://%1:%2%3").arg(node.host).arg(node.port).arg(pathAndQuery)));
    if (!m_target.token.isEmpty()) {
      request.setRawHeader("Authorization", "Bearer " + m_target.token.toUtf8());
    }
    return request;
  }

  void record(std::int64_t atNs, const QString& node, LiveClusterModel::InputKind kind, const QByteArray& body) {
    if (!m_recording) return;
    // Recordings start at time zero, whenever in the session they began.
    const QJsonObject line{
        {QStringLiteral("t"), static_cast<double>(std::max<std::int64_t>(0, atNs - m_recordingStartNs))},
        {QStringLiteral("node"), node},
        {QStringLiteral("kind"), LiveClusterModel::inputKindName(kind)},
        {QStringLiteral("body"), QString::fromUtf8(body)}};
    if (m_recording->write(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n') < 0) {
      emit problem(tr("recording stopped: cannot write %1: %2").arg(m_recordingPath, m_recording->errorString()));
      m_recording.reset();
      emit recordingChanged(false, QString());
    }
  }

  void ingest(const QString& node, LiveClusterModel::InputKind kind, const QByteArray& body) {
    const std::int64_t t = now();
    record(t, node, kind, body);
    const QString message = m_model.ingest(t, node, kind, body);
    if (!message.isEmpty() && !m_reported.contains(message)) {
      m_reported << message;
      emit problem(message);
    }
  }

  // Polls every member that is due: /cluster first (it tells whether the node answers), then /metrics, and opens
  // the event stream of a reachable member that has none.
  void poll() {
    const std::int64_t t = now();
    if (m_nodes.empty() || !m_seedName) {
      // Not connected yet: ask the address the user gave.
      if (!m_seed.incompatible && t >= m_seed.nextAttemptNs && !m_seed.cluster) requestCluster(QString(), m_seed);
      return;
    }
    for (auto& [name, node] : m_nodes) {
      if (node.incompatible || node.port <= 0 || t < node.nextAttemptNs) continue;
      if (!node.cluster) requestCluster(name, node);
      if (node.reachable && !node.metrics) requestMetrics(name, node);
      if (node.reachable && !node.events) openEvents(name, node);
    }
    syncMembers();
  }

  void requestCluster(const QString& name, NodeConn& node) {
    QNetworkRequest request = makeRequest(node, QStringLiteral("/cluster"));
    request.setTransferTimeout(kRequestTimeoutMs);
    QNetworkReply* reply = m_net->get(request);
    node.cluster = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, name] {
      reply->deleteLater();
      NodeConn& node = name.isEmpty() ? m_seed : m_nodes[name];
      const int httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
      if (reply->error() != QNetworkReply::NoError || httpStatus != 200) {
        const QString why = replyError(reply);
        failed(name, node, why, httpStatus == 401 || httpStatus == 403);
        return;
      }
      const QByteArray body = reply->readAll();
      const QJsonDocument doc = QJsonDocument::fromJson(body);
      const QString self = doc.object().value(QStringLiteral("node")).toString();
      if (name.isEmpty()) {
        // The seed answered: from now on it is a member like the others, at the address the user gave.
        ingest(self, LiveClusterModel::InputKind::kCluster, body);
        if (doc.object().value(QStringLiteral("api_version")).toInt() != kAdminApiVersion) {
          node.incompatible = true;  // the model said why; asking again will not help
          emit status(tr("%1 speaks another admin API version").arg(m_target.address()));
          return;
        }
        if (self.isEmpty() || parseNodeName(self.toStdString()) == kNoNode) return;
        NodeConn& member = m_nodes[self];
        member.host = m_seed.host;
        member.port = m_seed.port;
        member.fromSeed = true;
        member.reachable = true;
        member.lastCluster = body;
        m_seedName = true;
        emit status(tr("connected to %1 through %2")
                        .arg(m_model.clusterName().isEmpty() ? tr("the cluster") : m_model.clusterName(), self));
        discover();
        poll();
        return;
      }
      const bool was = node.reachable;
      const auto problemsBefore = static_cast<std::size_t>(m_reported.size());
      ingest(name, LiveClusterModel::InputKind::kCluster, body);
      if (static_cast<std::size_t>(m_reported.size()) != problemsBefore &&
          doc.object().value(QStringLiteral("api_version")).toInt() != kAdminApiVersion) {
        node.incompatible = true;
        return;
      }
      node.reachable = true;
      node.backoffNs = kInitialBackoffNs;
      node.nextAttemptNs = 0;
      node.lastCluster = body;
      if (!was) {
        requestMetrics(name, node);
        openEvents(name, node);
      }
      discover();
      if (!was) syncMembers();
    });
  }

  void failed(const QString& name, NodeConn& node, const QString& why, bool fatal) {
    const std::int64_t t = now();
    node.nextAttemptNs = t + node.backoffNs;
    node.backoffNs = std::min(node.backoffNs * 2, kMaxBackoffNs);
    if (name.isEmpty()) {
      const QString message = tr("cannot reach %1: %2").arg(m_target.address(), why);
      if (fatal) {
        node.incompatible = true;
        emit problem(tr("%1 refused the connection: %2. Give the cluster's admin token.").arg(m_target.address(), why));
      } else if (!m_reported.contains(message)) {
        m_reported << message;
        emit problem(message + tr(" (retrying)"));
      }
      emit status(tr("cannot reach %1; retrying").arg(m_target.address()));
      return;
    }
    if (node.events && node.events->isRunning()) node.events->abort();
    if (node.reachable || !m_everFailed.contains(name)) {
      m_everFailed.insert(name);
      ingest(name, LiveClusterModel::InputKind::kReachability, "down " + why.toUtf8());
    }
    const bool was = node.reachable;
    node.reachable = false;
    if (fatal) {
      node.incompatible = true;
      emit problem(tr("%1 refused the app: %2").arg(name, why));
    }
    if (was) syncMembers();
  }

  // Adds the members the model learned of (from any node's /cluster) at the address they advertise.
  void discover() {
    for (const LiveMember& m : m_model.members()) {
      if (m.adminPort <= 0 || m.host.isEmpty()) continue;
      auto [it, inserted] = m_nodes.try_emplace(m.name);
      NodeConn& node = it->second;
      if (!node.fromSeed) {
        node.host = m.host;
        node.port = m.adminPort;
      }
      (void)inserted;
    }
  }

  void requestMetrics(const QString& name, NodeConn& node) {
    QNetworkRequest request = makeRequest(node, QStringLiteral("/metrics"));
    request.setTransferTimeout(kRequestTimeoutMs);
    QNetworkReply* reply = m_net->get(request);
    node.metrics = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, name] {
      reply->deleteLater();
      if (reply->error() != QNetworkReply::NoError) return;  // /cluster decides reachability
      ingest(name, LiveClusterModel::InputKind::kMetrics, reply->readAll());
    });
  }

  void openEvents(const QString& name, NodeConn& node) {
    QNetworkRequest request =
        makeRequest(node, QStringLiteral("/events?types=%1&rate=%2").arg(QLatin1String(kEventTypes)).arg(kEventsRate));
    QNetworkReply* reply = m_net->get(request);
    node.events = reply;
    node.eventBuffer.clear();
    connect(reply, &QNetworkReply::readyRead, this, [this, reply, name] {
      NodeConn& node = m_nodes[name];
      node.eventBuffer += reply->readAll();
      qsizetype start = 0;
      for (;;) {
        const qsizetype end = node.eventBuffer.indexOf('\n', start);
        if (end < 0) break;
        const QByteArray line = node.eventBuffer.mid(start, end - start);
        start = end + 1;
        if (!line.isEmpty()) ingest(name, LiveClusterModel::InputKind::kEvent, line);
      }
      node.eventBuffer.remove(0, start);
      if (node.eventBuffer.size() > (1 << 20)) node.eventBuffer.clear();  // a line that never ends
    });
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
  }

  void tick() {
    if (m_frozen) return;
    emit snapshot(m_model.takeSnapshot(now()));
  }

  void syncMembers() {
    std::vector<LiveMember> list = m_model.members();
    emit members(list);
    std::size_t reachable = 0;
    for (const LiveMember& m : list) reachable += m.reachable ? 1 : 0;
    if (m_seedName) {
      QString text = tr("%1 members, %2 reachable").arg(list.size()).arg(reachable);
      if (m_recording) text += tr(" · recording to %1").arg(m_recordingPath);
      emit status(text);
    }
  }

  RemoteTarget m_target;
  QNetworkAccessManager* m_net = nullptr;
  QTimer* m_poll = nullptr;
  QTimer* m_tick = nullptr;
  QElapsedTimer m_clock;
  LiveClusterModel m_model;
  NodeConn m_seed;
  bool m_seedName = false;
  std::map<QString, NodeConn> m_nodes;
  QSet<QString> m_reported;
  QSet<QString> m_everFailed;
  bool m_frozen = false;
  std::unique_ptr<QFile> m_recording;
  QString m_recordingPath;
  std::int64_t m_recordingStartNs = 0;

 public:
  void setSeed(const RemoteTarget& target) {
    m_seed.host = target.host;
    m_seed.port = target.adminPort;
  }
};

RemoteFeed::RemoteFeed(QObject* parent) : ClusterFeed(parent) {
  qRegisterMetaType<FeedSnapshot>();
  qRegisterMetaType<std::vector<LiveMember>>();
  m_thread.setObjectName(QStringLiteral("ringlab-remote"));
  m_worker = new RemoteWorker;
  m_worker->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
  connect(m_worker, &RemoteWorker::snapshot, this, &ClusterFeed::snapshotReady);
  connect(m_worker, &RemoteWorker::problem, this, &ClusterFeed::problem);
  connect(m_worker, &RemoteWorker::status, this, &RemoteFeed::statusChanged);
  connect(m_worker, &RemoteWorker::members, this, &RemoteFeed::onMembers);
  connect(m_worker, &RemoteWorker::recordingChanged, this, [this](bool on, const QString& path) {
    m_recording = on;
    emit recordingChanged(on, path);
  });
  connect(m_worker, &RemoteWorker::done, this, [this](qint64 atNs, const QString& what) {
    emit actionLogged(LoggedAction{atNs, HealAction{}, what});
  });
  m_thread.start();
}

RemoteFeed::~RemoteFeed() {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker] { w->stop(); }, Qt::BlockingQueuedConnection);
  m_thread.quit();
  m_thread.wait();
}

void RemoteFeed::connectTo(const RemoteTarget& target) {
  m_target = target;
  QMetaObject::invokeMethod(m_worker, [w = m_worker, target] {
    w->setSeed(target);
    w->start(target);
  });
}

void RemoteFeed::play() {
  m_frozen = false;
  QMetaObject::invokeMethod(m_worker, [w = m_worker] { w->setFrozen(false); });
}

void RemoteFeed::pause() {
  m_frozen = true;
  QMetaObject::invokeMethod(m_worker, [w = m_worker] { w->setFrozen(true); });
}

FeedClockText RemoteFeed::clockText(const FeedSnapshot& s) const {
  FeedClockText text;
  text.time = tr("live · %1 since connecting").arg(formatVirtualTime(s.nowNs));
  text.run = tr("  %1  ").arg(sourceDescription());
  text.status = tr("%1  ·  %2 ops seen, %3 failed  ·  %4 messages drawn in flight%5")
                    .arg(m_frozen ? tr("frozen (the connection keeps reading)") : tr("live"))
                    .arg(s.operationsCompleted)
                    .arg(s.operationsFailed)
                    .arg(s.inFlightTotal)
                    .arg(s.recordingTruncated ? tr("  ·  events sampled by the nodes") : QString());
  return text;
}

void RemoteFeed::onMembers(const std::vector<LiveMember>& members) {
  m_members = members;
  emit membersChanged();
}

void RemoteFeed::injectFault(const QString& node, const QJsonObject& rule) {
  const QString action = rule.value(QStringLiteral("action")).toString();
  QString what = tr("%1 on %2").arg(action, node);
  const QJsonArray peers = rule.value(QStringLiteral("peers")).toArray();
  if (!peers.isEmpty()) {
    QStringList names;
    for (const auto& p : peers) names << p.toString();
    what = tr("%1 from %2 to %3").arg(action, node, names.join(QStringLiteral(", ")));
  }
  if (rule.contains(QStringLiteral("delay_ms")))
    what += tr(" (%1 ms)").arg(rule.value(QStringLiteral("delay_ms")).toInt());
  if (rule.contains(QStringLiteral("duration_ms"))) {
    what += tr(" for %1 s").arg(rule.value(QStringLiteral("duration_ms")).toInt() / 1000.0);
  }
  QMetaObject::invokeMethod(m_worker,
                            [w = m_worker, node, rule, what] { w->post(node, QStringLiteral("/fault"), rule, what); });
}

void RemoteFeed::decommission(const QString& node) {
  QMetaObject::invokeMethod(m_worker, [w = m_worker, node, what = tr("decommission %1").arg(node)] {
    w->post(node, QStringLiteral("/decommission"), QJsonObject{}, what);
  });
}

void RemoteFeed::addMember(const QString& via, const QString& peerAddress) {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, via, peerAddress, what = tr("add the node at %1").arg(peerAddress)] {
        w->post(via, QStringLiteral("/members"), QJsonObject{{QStringLiteral("peer"), peerAddress}}, what);
      });
}

QString RemoteFeed::startRecording(const QString& path) {
  QString error;
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker, path, &error] { error = w->startRecording(path); }, Qt::BlockingQueuedConnection);
  m_recording = error.isEmpty();
  return error;
}

void RemoteFeed::stopRecording() {
  QMetaObject::invokeMethod(
      m_worker, [w = m_worker] { w->stopRecording(); }, Qt::BlockingQueuedConnection);
  m_recording = false;
}

void RemoteFeed::apply(const ScenarioAction& action) {
  const auto names = [this](const std::vector<NodeId>& ids) {
    QJsonArray out;
    for (NodeId id : ids) out.append(QString::fromStdString(nodeName(id)));
    return out;
  };
  const auto allMembers = [this] {
    std::vector<NodeId> ids;
    for (const LiveMember& m : m_members) {
      if (m.id != kNoNode && m.status != QLatin1String("left")) ids.push_back(m.id);
    }
    return ids;
  };
  const auto drop = [this, &names](NodeId from, const std::vector<NodeId>& to) {
    injectFault(QString::fromStdString(nodeName(from)),
                QJsonObject{{QStringLiteral("action"), QStringLiteral("drop")}, {QStringLiteral("peers"), names(to)}});
  };
  std::visit(Overloaded{
                 [&](const PartitionAction& a) {
                   for (std::size_t g = 0; g < a.groups.size(); ++g) {
                     std::vector<NodeId> others;
                     for (std::size_t h = 0; h < a.groups.size(); ++h) {
                       if (h != g) others.insert(others.end(), a.groups[h].begin(), a.groups[h].end());
                     }
                     for (NodeId n : a.groups[g]) drop(n, others);
                   }
                 },
                 [&](const CutLinkAction& a) { drop(a.from, {a.to}); },
                 [&](const HealAction&) {
                   for (NodeId n : allMembers()) {
                     injectFault(QString::fromStdString(nodeName(n)),
                                 QJsonObject{{QStringLiteral("action"), QStringLiteral("heal")}});
                   }
                 },
                 [&](const LinkAction& a) {
                   if (!a.latency) {
                     emit problem(tr("a real link can be delayed or cut, not made lossy by a fraction from here"));
                     return;
                   }
                   const double mean = a.latency->meanNanos();
                   const int ms =
                       std::isfinite(mean) ? static_cast<int>(std::clamp(mean / 1e6, 0.0, 10'000.0)) : 10'000;
                   const auto delay = [&](NodeId from, NodeId to) {
                     injectFault(QString::fromStdString(nodeName(from)),
                                 QJsonObject{{QStringLiteral("action"), QStringLiteral("delay")},
                                             {QStringLiteral("peers"), names({to})},
                                             {QStringLiteral("delay_ms"), ms}});
                   };
                   delay(a.from, a.to);
                   if (a.bothWays) delay(a.to, a.from);
                 },
                 [&](const DecommissionAction& a) { decommission(QString::fromStdString(nodeName(a.node))); },
                 [&](const auto&) {
                   emit problem(
                       tr("that action needs the simulation; on a real cluster, use the node's menu "
                          "(pause, drop or delay messages, decommission) or Cluster > Add node"));
                 },
             },
             action);
}

}  // namespace ringlab

#include "remote_feed.moc"
