#include <ringlab/ui/load_generator.h>

#include <algorithm>
#include <memory>
#include <cmath>

#include <QTimer>

namespace ringlab {

namespace {

constexpr int kMaxValueBytes = 16 * 1024 * 1024;
constexpr int kMaxConnectionsPerNode = 16;
constexpr int kMaxOutstandingBound = 10000;
// After a stall of the event loop, at most this much backlog is issued at once; the rest counts as skipped.
constexpr double kMaxBacklogSeconds = 0.1;

std::size_t index(Operation op) { return static_cast<std::size_t>(op); }

// Nearest-rank percentile of sorted samples; 0 when there are none.
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * double(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

bool sameEndpoint(const RespEndpoint& a, const RespEndpoint& b) {
  return a.name == b.name && a.host == b.host && a.port == b.port;
}

}  // namespace

QString LoadConfig::validate() const {
  if (targets.isEmpty()) return QStringLiteral("targets is empty; give at least one node");
  for (qsizetype i = 0; i < targets.size(); ++i) {
    if (targets[i].host.isEmpty() || targets[i].port == 0) {
      return QStringLiteral("targets[%1] (%2) needs a host and a port").arg(i).arg(targets[i].describe());
    }
  }
  if (!std::isfinite(opsPerSecond) || opsPerSecond < 0 || opsPerSecond > kMaxOpsPerSecond) {
    return QStringLiteral("opsPerSecond is %1; expected 0 to %2").arg(opsPerSecond).arg(kMaxOpsPerSecond);
  }
  if (!(readFraction >= 0 && readFraction <= 1)) {
    return QStringLiteral("readFraction is %1; expected 0 to 1").arg(readFraction);
  }
  if (!(deleteFraction >= 0 && deleteFraction <= 1)) {
    return QStringLiteral("deleteFraction is %1; expected 0 to 1").arg(deleteFraction);
  }
  if (readFraction + deleteFraction > 1 + 1e-9) {
    return QStringLiteral("readFraction + deleteFraction is %1; at most 1").arg(readFraction + deleteFraction);
  }
  if (const Status s = keys.validate(); !s.isOk()) {
    return QStringLiteral("keys: %1").arg(QString::fromStdString(s.message()));
  }
  if (valueBytes < 0 || valueBytes > kMaxValueBytes) {
    return QStringLiteral("valueBytes is %1; expected 0 to %2").arg(valueBytes).arg(kMaxValueBytes);
  }
  if (connectionsPerNode < 1 || connectionsPerNode > kMaxConnectionsPerNode) {
    return QStringLiteral("connectionsPerNode is %1; expected 1 to %2")
        .arg(connectionsPerNode)
        .arg(kMaxConnectionsPerNode);
  }
  if (maxOutstandingPerConnection < 1 || maxOutstandingPerConnection > kMaxOutstandingBound) {
    return QStringLiteral("maxOutstandingPerConnection is %1; expected 1 to %2")
        .arg(maxOutstandingPerConnection)
        .arg(kMaxOutstandingBound);
  }
  if (timeout.count() <= 0) return QStringLiteral("timeout is %1 ms; expected more than 0").arg(timeout.count());
  return {};
}

QString loadNodeStateName(LoadNodeState state) {
  switch (state) {
    case LoadNodeState::kConnecting: return QStringLiteral("connecting");
    case LoadNodeState::kConnected: return QStringLiteral("connected");
    case LoadNodeState::kUnreachable: return QStringLiteral("unreachable");
  }
  return {};
}

struct LoadGenerator::Connection {
  Node* node = nullptr;
  RespClient* client = nullptr;  // a child of the generator
  bool up = false;
  int outstanding = 0;
  std::chrono::milliseconds retryDelay = kFirstRetry;
};

struct LoadGenerator::Node {
  RespEndpoint endpoint;
  std::vector<std::unique_ptr<Connection>> connections;
  bool failedSinceUp = false;  // a connection attempt failed and none has come up since
  QString lastError;
  std::uint64_t completed = 0;  // in the current interval
  std::uint64_t errors = 0;
};

struct LoadGenerator::Interval {
  std::array<std::uint64_t, 3> completed{};
  std::array<std::vector<double>, 3> latencyMs;
  std::uint64_t errors = 0;
  std::uint64_t skipped = 0;
  QString lastError;
};

LoadGenerator::LoadGenerator(QObject* parent, Clock clock)
    : QObject(parent),
      m_tickTimer(new QTimer(this)),
      m_statsTimer(new QTimer(this)),
      m_clock(std::move(clock)),
      m_paced(!m_clock),
      m_interval(std::make_unique<Interval>()) {
  if (!m_clock) {
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    m_clock = [elapsed] { return elapsed->nsecsElapsed(); };
  }
  m_tickTimer->setTimerType(Qt::PreciseTimer);
  m_tickTimer->setInterval(kTick);
  m_statsTimer->setTimerType(Qt::PreciseTimer);
  m_statsTimer->setInterval(kStatsInterval);
  connect(m_tickTimer, &QTimer::timeout, this, &LoadGenerator::tick);
  connect(m_statsTimer, &QTimer::timeout, this, &LoadGenerator::emitStats);
}

std::uint64_t LoadGenerator::outstanding() const {
  std::uint64_t total = 0;
  for (const Connection* c : m_connections) total += static_cast<std::uint64_t>(c->outstanding);
  return total;
}

void LoadGenerator::tickNow() {
  if (m_running) tick();
}

void LoadGenerator::emitStatsNow() {
  if (m_running) emitStats();
}

LoadGenerator::~LoadGenerator() { stop(); }

void LoadGenerator::start(const LoadConfig& config) {
  if (const QString problemText = config.validate(); !problemText.isEmpty()) {
    emit problem(QStringLiteral("load generator not started: %1").arg(problemText));
    return;
  }
  stop();
  m_config = config;
  m_running = true;
  ++m_generation;
  m_rng = Rng(m_config.seed).split("load-generator");
  m_value.clear();
  m_sequence = 0;
  m_credit = 0;
  m_nextConnection = 0;
  *m_interval = Interval();
  openConnections();
  m_lastTickNs = m_clock();
  m_intervalStartNs = m_lastTickNs;
  if (m_paced) {
    m_tickTimer->start();
    m_statsTimer->start();
  }
}

void LoadGenerator::stop() {
  if (!m_running) return;
  m_running = false;
  m_tickTimer->stop();
  m_statsTimer->stop();
  closeConnections();
}

bool LoadGenerator::sameConnections(const LoadConfig& a, const LoadConfig& b) {
  return a.connectionsPerNode == b.connectionsPerNode && a.password == b.password &&
         std::equal(a.targets.begin(), a.targets.end(), b.targets.begin(), b.targets.end(), sameEndpoint);
}

void LoadGenerator::setConfig(const LoadConfig& config) {
  if (const QString problemText = config.validate(); !problemText.isEmpty()) {
    emit problem(QStringLiteral("load generator config ignored: %1").arg(problemText));
    return;
  }
  if (!m_running) {
    m_config = config;
    return;
  }
  const bool reconnect = !sameConnections(m_config, config);
  if (config.seed != m_config.seed) m_rng = Rng(config.seed).split("load-generator");
  if (config.valueBytes != m_config.valueBytes || config.seed != m_config.seed) m_value.clear();
  if (config.opsPerSecond == 0) m_credit = 0;
  m_config = config;
  if (reconnect) {
    closeConnections();
    openConnections();
  } else {
    for (Connection* c : m_connections) c->client->setTimeout(m_config.timeout);
  }
}

void LoadGenerator::openConnections() {
  ++m_generation;
  for (const RespEndpoint& endpoint : m_config.targets) {
    auto node = std::make_unique<Node>();
    node->endpoint = endpoint;
    for (int i = 0; i < m_config.connectionsPerNode; ++i) {
      auto c = std::make_unique<Connection>();
      c->node = node.get();
      c->client = new RespClient(this);
      Connection* raw = c.get();
      connect(c->client, &RespClient::ready, this, [this, raw] { onReady(*raw); });
      connect(c->client, &RespClient::failed, this, [this, raw](const QString& error) { onFailed(*raw, error); });
      node->connections.push_back(std::move(c));
    }
    m_nodes.push_back(std::move(node));
  }
  // Interleaved, so that round-robin over connections is also round-robin over nodes.
  for (int i = 0; i < m_config.connectionsPerNode; ++i) {
    for (const auto& node : m_nodes) m_connections.push_back(node->connections[static_cast<std::size_t>(i)].get());
  }
  m_nextConnection = 0;
  for (Connection* c : m_connections) connectOne(*c);
}

void LoadGenerator::closeConnections() {
  // Callbacks of the operations in flight run inside disconnectFromNode(); the new generation makes them no-ops.
  ++m_generation;
  for (Connection* c : m_connections) {
    c->client->disconnect(this);
    c->client->disconnectFromNode();
    c->client->deleteLater();
  }
  m_connections.clear();
  m_nodes.clear();
}

void LoadGenerator::connectOne(Connection& c) {
  c.up = false;
  c.outstanding = 0;
  c.client->setTimeout(m_config.timeout);
  c.client->connectToNode(c.node->endpoint, m_config.password);
}

void LoadGenerator::onReady(Connection& c) {
  c.up = true;
  c.retryDelay = kFirstRetry;
  c.node->failedSinceUp = false;
  c.node->lastError.clear();
}

void LoadGenerator::onFailed(Connection& c, const QString& error) {
  c.up = false;
  c.outstanding = 0;
  c.node->failedSinceUp = true;
  c.node->lastError = error;
  QTimer::singleShot(c.retryDelay, c.client, [this, &c, generation = m_generation] {
    if (generation == m_generation) connectOne(c);
  });
  c.retryDelay = std::min(c.retryDelay * 2, std::chrono::milliseconds(kMaxRetry));
}

LoadGenerator::Connection* LoadGenerator::nextConnection() {
  for (std::size_t tried = 0; tried < m_connections.size(); ++tried) {
    Connection* c = m_connections[m_nextConnection];
    m_nextConnection = (m_nextConnection + 1) % m_connections.size();
    if (c->up) return c;
  }
  return nullptr;
}

void LoadGenerator::tick() {
  const qint64 now = m_clock();
  const double elapsedSeconds = double(now - m_lastTickNs) / 1e9;
  m_lastTickNs = now;
  const double rate = m_config.opsPerSecond;
  if (rate <= 0) return;
  m_credit += rate * elapsedSeconds;
  const double backlogLimit = std::max(1.0, rate * kMaxBacklogSeconds);
  if (m_credit > backlogLimit) {
    m_interval->skipped += static_cast<std::uint64_t>(m_credit - backlogLimit);
    m_credit = backlogLimit;
  }
  const auto due = static_cast<std::uint64_t>(m_credit);
  m_credit -= double(due);
  for (std::uint64_t i = 0; i < due; ++i) {
    Connection* c = nextConnection();
    if (!c || c->outstanding >= m_config.maxOutstandingPerConnection) {
      ++m_interval->skipped;
      continue;
    }
    issue(*c);
  }
}

void LoadGenerator::issue(Connection& c) {
  const double draw = m_rng.uniform01();
  const Operation op = draw < m_config.readFraction                             ? Operation::kGet
                       : draw < m_config.readFraction + m_config.deleteFraction ? Operation::kDelete
                                                                                : Operation::kPut;
  QByteArray key = m_config.keyPrefix.toUtf8();
  key += QByteArray::number(static_cast<qulonglong>(m_config.keys.next(m_rng))).rightJustified(8, '0');
  QList<QByteArray> args;
  switch (op) {
    case Operation::kGet: args = {QByteArrayLiteral("GET"), key}; break;
    case Operation::kDelete: args = {QByteArrayLiteral("DEL"), key}; break;
    case Operation::kIncrement: args = {QByteArrayLiteral("INCR"), key}; break;
    case Operation::kPut: {
      if (m_value.size() != m_config.valueBytes) {
        Rng fill = Rng(m_config.seed).split("load-generator-value");
        m_value.resize(m_config.valueBytes);
        for (char& ch : m_value) ch = static_cast<char>('a' + fill.below(26));
      }
      QByteArray value = m_value;
      const QByteArray stamp = QByteArray::number(static_cast<qulonglong>(++m_sequence), 16);
      value.replace(0, std::min<qsizetype>(stamp.size(), value.size()), stamp.left(value.size()));
      args = {QByteArrayLiteral("SET"), key, value};
      break;
    }
  }
  ++c.outstanding;
  const qint64 startNs = m_clock();
  c.client->commandBytes(args, [this, &c, op, startNs, generation = m_generation](const RespReply& reply) {
    if (generation != m_generation) return;
    if (c.outstanding > 0) --c.outstanding;
    if (reply.isError()) {
      ++m_interval->errors;
      ++c.node->errors;
      m_interval->lastError = reply.type == RespReply::Type::kFailed
                                  ? QString::fromUtf8(reply.text)
                                  : c.node->endpoint.describe() + QStringLiteral(": ") + QString::fromUtf8(reply.text);
      return;
    }
    ++m_interval->completed[index(op)];
    ++c.node->completed;
    m_interval->latencyMs[index(op)].push_back(double(m_clock() - startNs) / 1e6);
  });
}

void LoadGenerator::emitStats() {
  const qint64 now = m_clock();
  LoadStats stats;
  stats.intervalSeconds = double(now - m_intervalStartNs) / 1e9;
  m_intervalStartNs = now;
  stats.targetOpsPerSecond = m_config.opsPerSecond;
  stats.completed = m_interval->completed;
  stats.errors = m_interval->errors;
  stats.lastError = m_interval->lastError;
  stats.skipped = m_interval->skipped;
  for (std::size_t op = 0; op < 3; ++op) {
    std::vector<double>& samples = m_interval->latencyMs[op];
    std::sort(samples.begin(), samples.end());
    stats.p50Ms[op] = percentile(samples, 0.5);
    stats.p99Ms[op] = percentile(samples, 0.99);
    stats.p999Ms[op] = percentile(samples, 0.999);
  }
  stats.outstanding = outstanding();
  for (const auto& node : m_nodes) {
    LoadNodeStats n;
    n.name = node->endpoint.name;
    n.address = node->endpoint.address();
    for (const auto& c : node->connections) n.connectionsUp += c->up ? 1 : 0;
    n.state = n.connectionsUp > 0   ? LoadNodeState::kConnected
              : node->failedSinceUp ? LoadNodeState::kUnreachable
                                    : LoadNodeState::kConnecting;
    n.completed = std::exchange(node->completed, 0);
    n.errors = std::exchange(node->errors, 0);
    n.lastError = node->lastError;
    stats.nodes.push_back(std::move(n));
  }
  *m_interval = Interval();
  emit statsReady(stats);
}

}  // namespace ringlab
