#include <ringlab/ui/resp_client.h>

#include <algorithm>
#include <memory>
#include <utility>

#include <QAbstractSocket>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace ringlab {

namespace {

// A few bytes of input as a person can read them in an error message (the codec's rule: printable ASCII as is, the
// rest as \xNN).
QString shown(QByteArrayView bytes, qsizetype limit = 32) {
  return QString::fromStdString(shownBytes(std::string_view(bytes.data(), static_cast<std::size_t>(bytes.size())),
                                           static_cast<std::size_t>(limit)));
}

QString indented(const QString& text, int width) {
  QString out = text;
  out.replace(QStringLiteral("\n"), QStringLiteral("\n") + QString(width, QChar(' ')));
  return out;
}

QString socketErrorText(QAbstractSocket::SocketError error, const QString& detail) {
  switch (error) {
    case QAbstractSocket::ConnectionRefusedError: return QStringLiteral("connection refused");
    case QAbstractSocket::RemoteHostClosedError: return QStringLiteral("connection closed by the node");
    case QAbstractSocket::HostNotFoundError: return QStringLiteral("host not found");
    case QAbstractSocket::SocketTimeoutError: return QStringLiteral("timed out");
    case QAbstractSocket::NetworkError: return QStringLiteral("network error: %1").arg(detail);
    default: return detail.isEmpty() ? QStringLiteral("socket error %1").arg(int(error)) : detail;
  }
}

}  // namespace

// --- RespReply

QString RespReply::describe() const {
  switch (type) {
    case Type::kSimpleString: return QString::fromUtf8(text);
    case Type::kError: return QStringLiteral("(error) ") + QString::fromUtf8(text);
    case Type::kInteger: return QStringLiteral("(integer) %1").arg(integer);
    case Type::kBulkString:
      if (isNull) return QStringLiteral("(nil)");
      return QStringLiteral("\"%1\"").arg(shown(text, text.size()));
    case Type::kArray: {
      if (isNull) return QStringLiteral("(nil)");
      if (elements.isEmpty()) return QStringLiteral("(empty array)");
      QStringList lines;
      for (qsizetype i = 0; i < elements.size(); ++i) {
        const QString number = QStringLiteral("%1) ").arg(i + 1);
        lines << number + indented(elements[i].describe(), int(number.size()));
      }
      return lines.join(QChar('\n'));
    }
    case Type::kFailed: return QStringLiteral("(failed) ") + QString::fromUtf8(text);
  }
  return {};
}

RespReply RespReply::from(const RespValue& value) {
  RespReply reply;
  switch (value.type) {
    case RespValue::Type::kSimpleString: reply.type = Type::kSimpleString; break;
    case RespValue::Type::kError: reply.type = Type::kError; break;
    case RespValue::Type::kInteger: reply.type = Type::kInteger; break;
    case RespValue::Type::kBulkString: reply.type = Type::kBulkString; break;
    case RespValue::Type::kArray: reply.type = Type::kArray; break;
  }
  reply.text = QByteArray(value.text.data(), static_cast<qsizetype>(value.text.size()));
  reply.integer = value.integer;
  reply.isNull = value.isNull;
  reply.elements.reserve(static_cast<qsizetype>(value.elements.size()));
  for (const RespValue& element : value.elements) reply.elements.push_back(from(element));
  return reply;
}

RespReply RespReply::failure(const QString& why) {
  RespReply reply;
  reply.type = Type::kFailed;
  reply.text = why.toUtf8();
  return reply;
}

// --- RespEndpoint

QString RespEndpoint::address() const {
  const QString shownHost = host.contains(QChar(':')) ? QStringLiteral("[%1]").arg(host) : host;
  return QStringLiteral("%1:%2").arg(shownHost).arg(port);
}

QString RespEndpoint::describe() const {
  return name.isEmpty() ? address() : name + QStringLiteral(" at ") + address();
}

// --- RespClient

class RespClient::Dispatching {
 public:
  explicit Dispatching(RespClient* client) : m_client(client) { ++client->m_dispatching; }
  ~Dispatching() {
    if (m_client) --m_client->m_dispatching;
  }
  Dispatching(const Dispatching&) = delete;
  Dispatching& operator=(const Dispatching&) = delete;

 private:
  QPointer<RespClient> m_client;
};

RespClient::RespClient(QObject* parent, Clock clock)
    : QObject(parent),
      m_socket(new QTcpSocket(this)),
      m_timer(new QTimer(this)),
      m_clock(std::move(clock)),
      m_paced(!m_clock) {
  if (!m_clock) {
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    m_clock = [elapsed] { return elapsed->elapsed(); };
  }
  m_timer->setSingleShot(true);
  connect(m_socket, &QTcpSocket::connected, this, &RespClient::onConnected);
  connect(m_socket, &QTcpSocket::readyRead, this, &RespClient::onReadyRead);
  connect(m_socket, &QTcpSocket::errorOccurred, this, &RespClient::onSocketError);
  connect(m_socket, &QTcpSocket::disconnected, this, &RespClient::onDisconnected);
  connect(m_timer, &QTimer::timeout, this, &RespClient::onTimer);
}

RespClient::~RespClient() {
  m_socket->disconnect(this);
  m_socket->abort();
  m_timer->stop();
  if (m_dispatching > 0) {
    // Destroyed by a callback or a slot while the socket or the timer is emitting: they go once that returns.
    m_socket->setParent(nullptr);
    m_socket->deleteLater();
    m_timer->setParent(nullptr);
    m_timer->deleteLater();
  }
}

void RespClient::setTimeout(std::chrono::milliseconds timeout) {
  m_timeout = std::max(timeout, std::chrono::milliseconds(1));
}

void RespClient::connectToNode(const RespEndpoint& endpoint, const QString& password) {
  if (m_state != State::kIdle || !m_pending.empty()) fail(QStringLiteral("connection replaced"), /*signal=*/false);
  m_endpoint = endpoint;
  m_password = password;
  startConnecting();
}

void RespClient::disconnectFromNode() { fail(QStringLiteral("closed by the client"), /*signal=*/false); }

void RespClient::startConnecting() {
  m_state = State::kConnecting;
  m_parser = RespReplyParser();
  m_connectStartedMs = m_clock();
  // From the event loop, so that a connection failing at once cannot call back from inside command().
  QMetaObject::invokeMethod(
      this,
      [this, generation = m_generation] {
        if (generation != m_generation || m_state != State::kConnecting) return;
        m_socket->connectToHost(m_endpoint.host, m_endpoint.port);
      },
      Qt::QueuedConnection);
  armTimer();
}

void RespClient::command(const QStringList& args, Callback done) {
  QList<QByteArray> bytes;
  bytes.reserve(args.size());
  for (const QString& a : args) bytes.push_back(a.toUtf8());
  commandBytes(bytes, std::move(done));
}

void RespClient::commandBytes(const QList<QByteArray>& args, Callback done) {
  if (args.isEmpty()) return failLater(std::move(done), QStringLiteral("%1: empty command").arg(m_endpoint.describe()));
  if (m_endpoint.host.isEmpty() || m_endpoint.port == 0) {
    return failLater(std::move(done), QStringLiteral("no node to send \"%1\" to").arg(shown(args.front())));
  }
  const bool wasEmpty = m_pending.empty();
  Pending pending{std::move(done)};
  if (m_state == State::kAuthenticating || m_state == State::kReady) {
    pending.sentAtMs = m_clock();
    m_socket->write(encode(args));
  } else {
    m_unsent += encode(args);
  }
  m_pending.push_back(std::move(pending));
  if (m_state == State::kIdle) {
    startConnecting();
  } else if (wasEmpty) {
    armTimer();
  }
}

QByteArray RespClient::encode(const QList<QByteArray>& args) {
  std::string out;
  appendArrayHeader(out, static_cast<std::size_t>(args.size()));
  for (const QByteArray& a : args) appendBulk(out, std::string_view(a.constData(), static_cast<std::size_t>(a.size())));
  return QByteArray(out.data(), static_cast<qsizetype>(out.size()));
}

void RespClient::onConnected() {
  if (m_state != State::kConnecting) return;
  const Dispatching dispatching(this);
  m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
  if (!m_password.isEmpty()) {
    m_state = State::kAuthenticating;
    m_pending.push_front(Pending{nullptr, -1, /*internal=*/true});
    m_socket->write(encode({QByteArrayLiteral("AUTH"), m_password.toUtf8()}));
  } else {
    m_state = State::kReady;
  }
  writeUnsent();
  if (m_state == State::kReady) emit ready();
}

void RespClient::writeUnsent() {
  const qint64 now = m_clock();
  for (Pending& p : m_pending) {
    if (p.sentAtMs < 0) p.sentAtMs = now;
  }
  if (!m_unsent.isEmpty()) m_socket->write(std::exchange(m_unsent, {}));
  m_timer->stop();
  armTimer();
}

void RespClient::onReadyRead() {
  if (m_state != State::kAuthenticating && m_state != State::kReady) {
    m_socket->readAll();
    return;
  }
  const QByteArray bytes = m_socket->readAll();
  m_parser.feed(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
  const Dispatching dispatching(this);
  QPointer<RespClient> self(this);
  const quint64 generation = m_generation;
  while (std::optional<RespValue> value = m_parser.next()) {
    const std::optional<RespReply> reply = RespReply::from(*value);
    if (m_pending.empty()) {
      return fail(QStringLiteral("protocol error: a reply (%1) came with no command waiting for it")
                      .arg(shown(reply->describe().toUtf8())));
    }
    Pending pending = std::move(m_pending.front());
    m_pending.pop_front();
    if (pending.internal) {
      if (reply->isError()) return fail(QStringLiteral("AUTH refused: %1").arg(QString::fromUtf8(reply->text)));
      m_state = State::kReady;
      emit ready();
      if (!self || generation != m_generation) return;
      continue;
    }
    if (pending.done) pending.done(*reply);
    // The callback may have destroyed this client, closed it or started another connection.
    if (!self || generation != m_generation) return;
  }
  if (!m_parser.error().empty()) {
    return fail(QStringLiteral("protocol error: %1").arg(QString::fromStdString(m_parser.error())));
  }
  armTimer();
}

void RespClient::onSocketError() {
  if (m_state == State::kIdle) return;
  fail(socketErrorText(m_socket->error(), m_socket->errorString()));
}

void RespClient::onDisconnected() {
  if (m_state == State::kIdle) return;
  fail(QStringLiteral("connection closed by the node"));
}

void RespClient::armTimer() {
  if (!m_paced || m_timer->isActive()) return;
  qint64 deadline = -1;
  if (m_state == State::kConnecting) {
    deadline = m_connectStartedMs + m_timeout.count();
  } else if (!m_pending.empty() && m_pending.front().sentAtMs >= 0) {
    deadline = m_pending.front().sentAtMs + m_timeout.count();
  }
  if (deadline < 0) return;
  m_timer->start(static_cast<int>(std::max<qint64>(deadline - m_clock(), 0)));
}

void RespClient::onTimer() { checkDeadlines(); }

void RespClient::checkDeadlines() {
  const qint64 now = m_clock();
  if (m_state == State::kConnecting) {
    if (now >= m_connectStartedMs + m_timeout.count()) {
      return fail(QStringLiteral("no connection within %1 ms").arg(m_timeout.count()));
    }
  } else if (!m_pending.empty() && m_pending.front().sentAtMs >= 0) {
    if (now >= m_pending.front().sentAtMs + m_timeout.count()) {
      return fail(QStringLiteral("no reply within %1 ms").arg(m_timeout.count()));
    }
  }
  armTimer();
}

void RespClient::fail(const QString& why, bool signal) {
  const Dispatching dispatching(this);
  ++m_generation;
  m_state = State::kIdle;
  m_timer->stop();
  m_socket->abort();
  m_parser = RespReplyParser();
  m_unsent.clear();
  const QString message = QStringLiteral("%1: %2").arg(m_endpoint.describe(), why);
  const RespReply failure = RespReply::failure(message);
  std::deque<Pending> pending = std::exchange(m_pending, {});
  QPointer<RespClient> self(this);
  for (Pending& p : pending) {
    if (!p.internal && p.done) p.done(failure);
    if (!self) return;
  }
  if (signal) emit failed(message);
}

void RespClient::failLater(Callback done, const QString& why) {
  if (!done) return;
  QMetaObject::invokeMethod(
      this, [done = std::move(done), failure = RespReply::failure(why)] { done(failure); }, Qt::QueuedConnection);
}

}  // namespace ringlab
