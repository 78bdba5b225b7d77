// A client for one real ringlabd node, which speaks RESP2 (the Redis protocol): the key inspector's GET/SET/DEL and
// the load generator go through it. Event-driven on Qt's QTcpSocket; nothing in here blocks.
//
// The codec is the one the node and the tests use (ringlab/engine/resp.h): RespClient feeds its RespReplyParser the
// bytes a node sent, sends commands as RESP arrays of bulk strings, pipelined, and calls each command's callback with
// its reply as a RespReply, in the order the commands were issued.
//
// Thread-safety: RespReply is a value. A RespClient belongs to the thread it
// lives on (the one that created it, or the one it was moved to before its first connection), which must run a Qt
// event loop; call it only from that thread, and its callbacks and signals run there. To use it from another thread,
// post calls with QMetaObject::invokeMethod(client, [=] { ... }).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QElapsedTimer>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>

#include <ringlab/engine/resp.h>

class QTcpSocket;
class QTimer;

namespace ringlab {

// One reply of a node, or the reason there is none.
struct RespReply {
  enum class Type : std::uint8_t {
    kSimpleString,  // +OK
    kError,         // -ERR ...: the node refused the command; text holds its message
    kInteger,       // :1
    kBulkString,    // $5 hello, or the null bulk string $-1 (isNull)
    kArray,         // *2 ..., or the null array *-1 (isNull)
    kFailed,        // no reply: the connection failed, closed, timed out or broke the protocol; text says why
  };
  Type type = Type::kFailed;
  QByteArray text;  // simple string, error message, bulk string (binary-safe), or the failure
  qint64 integer = 0;
  bool isNull = false;
  QList<RespReply> elements;

  // An error reply or a failure.
  bool isError() const { return type == Type::kError || type == Type::kFailed; }
  // As redis-cli prints it: "OK", "(nil)", "(integer) 1", "\"value\"", "(error) ERR ...", "(failed) n1 at ...",
  // arrays as numbered lines.
  QString describe() const;

  static RespReply failure(const QString& why);
  // The same reply, in Qt's types.
  static RespReply from(const RespValue& value);
};

// Where a node takes client connections.
struct RespEndpoint {
  QString name;  // "n2"; may be empty
  QString host;  // "127.0.0.1"
  quint16 port = 0;

  QString address() const;   // "127.0.0.1:6381"
  QString describe() const;  // "n2 at 127.0.0.1:6381", or the address alone when there is no name
};

class RespClient : public QObject {
  Q_OBJECT

 public:
  using Callback = std::function<void(const RespReply&)>;
  static constexpr std::chrono::milliseconds kDefaultTimeout{2000};

  // Milliseconds on a monotonic clock: what connect and reply deadlines are measured with.
  using Clock = std::function<qint64()>;

  // With no clock, deadlines follow a monotonic clock and a timer enforces them. With an injected clock (a test's),
  // no timer runs: the caller moves its clock and calls checkDeadlines().
  explicit RespClient(QObject* parent = nullptr, Clock clock = {});
  // Closes the connection. Callbacks still outstanding are dropped without being called.
  ~RespClient() override;

  // How long connecting may take, and how long a command may wait for its reply after it was sent; past it the
  // connection counts as failed. Applies to later connections and commands.
  void setTimeout(std::chrono::milliseconds timeout);
  std::chrono::milliseconds timeout() const { return m_timeout; }
  // Fails the connection (and its outstanding commands) when connecting or the oldest reply is past its deadline on
  // the clock. The timer calls it; a caller with an injected clock calls it after moving the clock.
  void checkDeadlines();

  // Connects to `endpoint`, dropping any earlier connection first (failing its outstanding callbacks). When
  // `password` is not empty, AUTH is sent before any command; a refused AUTH fails the connection. Returns at once;
  // ready() or failed() follows.
  void connectToNode(const RespEndpoint& endpoint, const QString& password = {});
  // Closes the connection and fails every outstanding callback ("closed by the client"). No signal follows.
  void disconnectFromNode();

  // Sends one command (a RESP array of bulk strings) and calls `done` with its reply, or with a kFailed reply naming
  // the node when there will be none. Commands may be issued before the connection is ready; they are sent when it
  // is. A command issued after the connection failed or was closed connects again to the same node first.
  // `done` runs on this object's thread, never from inside command() itself, and may issue further commands; it is
  // dropped uncalled when the client is destroyed first.
  void command(const QStringList& args, Callback done);
  void commandBytes(const QList<QByteArray>& args, Callback done);

  bool isReady() const { return m_state == State::kReady; }
  const RespEndpoint& endpoint() const { return m_endpoint; }
  // Commands sent or waiting to be sent whose reply has not arrived.
  qsizetype outstanding() const { return static_cast<qsizetype>(m_pending.size()); }

  // The RESP2 encoding of a command: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".
  static QByteArray encode(const QList<QByteArray>& args);

 signals:
  // Connected (and authenticated, when a password was given): commands now go out.
  void ready();
  // The connection failed or ended: "n2 at 127.0.0.1:6381: connection refused". Outstanding callbacks have been
  // failed with the same text by then.
  void failed(const QString& error);

 private:
  enum class State : std::uint8_t { kIdle, kConnecting, kAuthenticating, kReady };
  struct Pending {
    Callback done;
    qint64 sentAtMs = -1;   // -1 until written to the socket
    bool internal = false;  // the AUTH this client sent itself
  };

  // Counts the callbacks and signals in progress, so that the destructor knows whether the socket is in use.
  class Dispatching;

  void startConnecting();
  void onConnected();
  void onReadyRead();
  void onSocketError();
  void onDisconnected();
  void onTimer();
  void armTimer();
  void writeUnsent();
  // Closes the socket, fails every outstanding callback with "<endpoint>: <why>" and emits failed() when `signal`.
  void fail(const QString& why, bool signal = true);
  void failLater(Callback done, const QString& why);

  QTcpSocket* m_socket;
  QTimer* m_timer;
  Clock m_clock;
  bool m_paced;  // the timer enforces deadlines (no injected clock)
  RespEndpoint m_endpoint;
  QString m_password;
  std::chrono::milliseconds m_timeout = kDefaultTimeout;
  State m_state = State::kIdle;
  qint64 m_connectStartedMs = 0;
  quint64 m_generation = 0;       // increments whenever a connection ends, so stale queued work can tell
  std::deque<Pending> m_pending;  // in the order the replies will come
  QByteArray m_unsent;            // encoded commands issued before the connection was ready
  RespReplyParser m_parser;
  int m_dispatching = 0;  // callbacks and signals in progress (Dispatching)
};

}  // namespace ringlab

Q_DECLARE_METATYPE(ringlab::RespReply)
Q_DECLARE_METATYPE(ringlab::RespEndpoint)
