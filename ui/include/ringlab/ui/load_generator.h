// Drives a real ringlabd cluster from the desktop app so its charts have traffic to show: GET, SET and DEL at a set
// rate over a few RESP connections per node, with figures every 250 ms.
//
// Open loop with a bound: a timer issues the operations due every 5 ms, round-robin over the connections that are up.
// An operation due when its connection already has maxOutstandingPerConnection in flight, or when no node is
// reachable, is skipped and counted, so an overloaded or dead cluster never makes the generator queue without limit.
// A node that cannot be reached is tried again after 0.25 s, doubling to 5 s; the other nodes keep getting traffic.
//
// Thread-safety: LoadConfig, LoadStats and LoadNodeStats are values (registered metatypes, so they cross threads in
// queued signals). A LoadGenerator belongs to the thread it lives on, which must run a Qt event loop: create it
// there, or create it anywhere and moveToThread() before start(). Call its slots on that thread, or from another one
// with QMetaObject::invokeMethod(generator, [=] { generator->setConfig(c); }) or a queued connection; statsReady()
// is emitted on its thread (a connection from a QObject on the UI thread is queued). Destroy it on its own thread
// (deleteLater()).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <functional>

#include <QElapsedTimer>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

#include <ringlab/engine/events.h>
#include <ringlab/engine/random.h>
#include <ringlab/sim/key_distribution.h>
#include <ringlab/ui/resp_client.h>

class QTimer;

namespace ringlab {

struct LoadConfig {
  static constexpr double kMaxOpsPerSecond = 20000;

  QVector<RespEndpoint> targets;  // client ports of the nodes to send to, with their names
  QString password;               // AUTH password; empty when the nodes need none
  double opsPerSecond = 0;        // 0 issues nothing (connections and figures go on); at most kMaxOpsPerSecond
  double readFraction = 0.8;      // share of GETs
  double deleteFraction = 0;      // share of DELs; SETs are the rest
  // Which key each operation touches; its count() is the number of keys. Keys are named keyPrefix followed by the
  // key index zero-padded to 8 digits: "load:00000042".
  KeyDistribution keys = KeyDistribution::uniform(1000);
  QString keyPrefix = QStringLiteral("load:");
  std::uint64_t seed = 1;  // the operation mix, keys and values
  int valueBytes = 100;    // of each SET
  int connectionsPerNode = 2;
  int maxOutstandingPerConnection = 64;
  std::chrono::milliseconds timeout = RespClient::kDefaultTimeout;  // connecting, and each reply

  // Empty when usable; otherwise what is wrong, naming the field: "readFraction + deleteFraction is 1.2; at most 1".
  QString validate() const;
};

enum class LoadNodeState : std::uint8_t {
  kConnecting,   // no connection up yet, none failed
  kConnected,    // at least one connection up
  kUnreachable,  // no connection up, and the last attempt failed; retrying with backoff
};
QString loadNodeStateName(LoadNodeState state);  // "connecting", "connected", "unreachable"

struct LoadNodeStats {
  QString name;     // "n2"
  QString address;  // "127.0.0.1:6381"
  LoadNodeState state = LoadNodeState::kConnecting;
  int connectionsUp = 0;
  std::uint64_t completed = 0;  // operations this node answered without error in the interval
  std::uint64_t errors = 0;     // in the interval
  QString lastError;            // the latest failure of a connection to it, kept until one connects again
};

// One interval's figures. Arrays are indexed by Operation (kGet, kPut, kDelete).
struct LoadStats {
  double intervalSeconds = 0;                // wall-clock length of the interval
  double targetOpsPerSecond = 0;             // the rate in effect at its end
  std::array<std::uint64_t, 3> completed{};  // answered without error
  std::uint64_t errors = 0;                  // error replies, timeouts and operations lost with their connection
  QString lastError;                         // the latest error of the interval; empty when there was none
  std::uint64_t skipped = 0;                 // due but not issued: their connection was full, or no node was reachable
  std::uint64_t outstanding = 0;             // issued and unanswered at the end of the interval
  std::array<double, 3> p50Ms{};             // latency of the successful operations; 0 when there was none
  std::array<double, 3> p99Ms{};
  std::array<double, 3> p999Ms{};
  std::vector<LoadNodeStats> nodes;  // in the order of LoadConfig::targets

  std::uint64_t totalCompleted() const { return completed[0] + completed[1] + completed[2]; }
  double completedPerSecond() const { return intervalSeconds > 0 ? double(totalCompleted()) / intervalSeconds : 0; }
};

class LoadGenerator : public QObject {
  Q_OBJECT

 public:
  static constexpr std::chrono::milliseconds kTick{5};
  static constexpr std::chrono::milliseconds kStatsInterval{250};
  static constexpr std::chrono::milliseconds kFirstRetry{250};
  static constexpr std::chrono::milliseconds kMaxRetry{5000};

  // Nanoseconds on a monotonic clock; what the generator paces itself and measures latency with.
  using Clock = std::function<qint64()>;

  // With no clock, the generator reads a monotonic clock and its own timers tick it every kTick and emit figures
  // every kStatsInterval. With an injected clock (a test's), no timer runs: the caller advances its clock and calls
  // tickNow() and emitStatsNow() itself, so rates and latencies follow that clock alone.
  explicit LoadGenerator(QObject* parent = nullptr, Clock clock = {});
  ~LoadGenerator() override;  // closes every connection; operations in flight are forgotten

  bool isRunning() const { return m_running; }
  // Operations issued and not answered yet, over every connection.
  std::uint64_t outstanding() const;
  // For an injected clock: issues the operations due since the last tick; emits the figures of the interval since
  // the last emission. Nothing when stopped.
  void tickNow();
  void emitStatsNow();
  const LoadConfig& config() const { return m_config; }

 public slots:
  // Connects to every target and starts issuing operations and emitting statsReady(); restarts when running. An
  // invalid config (see LoadConfig::validate) starts nothing and is reported through problem().
  void start(const ringlab::LoadConfig& config);
  // Closes the connections and stops the figures. Operations in flight are forgotten.
  void stop();
  // Changes the config of a running generator. Rate, mix, keys, values and the outstanding bound change in place,
  // keeping the connections; new targets, connection counts, password or timeout reconnect. When stopped, only
  // stores the config for config(). An invalid config is reported through problem() and ignored.
  void setConfig(const ringlab::LoadConfig& config);

 signals:
  void statsReady(const ringlab::LoadStats& stats);
  void problem(const QString& message);

 private:
  struct Connection;
  struct Node;
  struct Interval;

  void openConnections();
  void closeConnections();
  void connectOne(Connection& c);
  void onReady(Connection& c);
  void onFailed(Connection& c, const QString& error);
  void tick();
  void issue(Connection& c);
  void emitStats();
  Connection* nextConnection();
  static bool sameConnections(const LoadConfig& a, const LoadConfig& b);

  LoadConfig m_config;
  bool m_running = false;
  quint64 m_generation = 0;  // increments on stop and restart, so late callbacks of an older run are ignored
  std::vector<std::unique_ptr<Node>> m_nodes;
  std::vector<Connection*> m_connections;  // every connection of every node, interleaved node by node
  std::size_t m_nextConnection = 0;
  QTimer* m_tickTimer;
  QTimer* m_statsTimer;
  Clock m_clock;
  bool m_paced;  // the generator's own timers run (no injected clock)
  qint64 m_lastTickNs = 0;
  double m_credit = 0;  // operations due and not yet issued (fractional)
  Rng m_rng;
  QByteArray m_value;  // the bytes of every SET, with the sequence number written over its start
  std::uint64_t m_sequence = 0;
  std::unique_ptr<Interval> m_interval;
  qint64 m_intervalStartNs = 0;
};

}  // namespace ringlab

Q_DECLARE_METATYPE(ringlab::LoadConfig)
Q_DECLARE_METATYPE(ringlab::LoadStats)
Q_DECLARE_METATYPE(ringlab::LoadNodeStats)
