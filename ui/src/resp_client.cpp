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

// A few bytes of input as a person can read them in an error message: printable ASCII as is, the rest as \xNN.
QString shown(QByteArrayView bytes, qsizetype limit = 32) {
  QString out;
  for (qsizetype i = 0; i < std::min(bytes.size(), limit); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += QChar(c);
    } else {
      out += QStringLiteral("\\x%1").arg(c, 2, 16, QChar('0'));
    }
  }
  if (bytes.size() > limit) out += QStringLiteral("...");
  return out;
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

RespReply RespReply::failure(const QString& why) {
  RespReply reply;
  reply.type = Type::kFailed;
  reply.text = why.toUtf8();
  return reply;
}

// --- RespReplyParser

void RespReplyParser::feed(QByteArrayView bytes) {
  if (!m_error.isEmpty() || bytes.isEmpty()) return;
  // Drop the replies already returned once they are at least half the buffer, so a long stream costs linear time.
  if (m_pos > 0 && m_pos >= m_buffer.size() / 2) {
    m_buffer.remove(0, m_pos);
    m_discarded += m_pos;
    m_pos = 0;
  }
  m_buffer.append(bytes.data(), bytes.size());
}

std::optional<RespReply> RespReplyParser::next() {
  if (!m_error.isEmpty() || m_pos >= m_buffer.size()) return std::nullopt;
  qsizetype pos = m_pos;
  RespReply reply;
  if (parse(pos, 0, reply) != Outcome::kDone) return std::nullopt;
  m_pos = pos;
  return reply;
}

RespReplyParser::Outcome RespReplyParser::malformed(qsizetype at, const QString& what) {
  m_error = QStringLiteral("byte %1: %2").arg(m_discarded + at).arg(what);
  return Outcome::kMalformed;
}

RespReplyParser::Outcome RespReplyParser::readLine(qsizetype& pos, QByteArrayView& line) {
  const qsizetype end = m_buffer.indexOf('\n', pos);
  if (end < 0) {
    if (m_buffer.size() - pos > kMaxLineLength) {
      return malformed(pos, QStringLiteral("no line end within %1 bytes").arg(kMaxLineLength));
    }
    return Outcome::kNeedMore;
  }
  if (end == pos || m_buffer[end - 1] != '\r')
    return malformed(end, QStringLiteral("line feed without carriage return"));
  line = QByteArrayView(m_buffer).sliced(pos, end - 1 - pos);
  if (line.size() > kMaxLineLength)
    return malformed(pos, QStringLiteral("line longer than %1 bytes").arg(kMaxLineLength));
  if (const qsizetype cr = line.indexOf('\r'); cr >= 0) {
    return malformed(pos + cr, QStringLiteral("carriage return inside a line"));
  }
  pos = end + 1;
  return Outcome::kDone;
}

RespReplyParser::Outcome RespReplyParser::readInteger(qsizetype& pos, qint64& value) {
  const qsizetype start = pos;
  QByteArrayView line;
  if (const Outcome o = readLine(pos, line); o != Outcome::kDone) return o;
  const bool negative = !line.isEmpty() && line[0] == '-';
  const QByteArrayView digits = line.sliced(negative ? 1 : 0);
  // Up to 2^63 - 1, or 2^63 when negative.
  const quint64 limit = negative ? quint64(1) << 63 : (quint64(1) << 63) - 1;
  bool ok = !digits.isEmpty();
  quint64 v = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9' || v > (limit - quint64(c - '0')) / 10) {
      ok = false;
      break;
    }
    v = v * 10 + quint64(c - '0');
  }
  if (!ok) return malformed(start, QStringLiteral("expected an integer, got \"%1\"").arg(shown(line)));
  value = negative ? static_cast<qint64>(0 - v) : static_cast<qint64>(v);
  return Outcome::kDone;
}

RespReplyParser::Outcome RespReplyParser::parse(qsizetype& pos, int depth, RespReply& out) {
  if (pos >= m_buffer.size()) return Outcome::kNeedMore;
  const qsizetype start = pos;
  const char marker = m_buffer[pos++];
  switch (marker) {
    case '+':
    case '-': {
      QByteArrayView line;
      if (const Outcome o = readLine(pos, line); o != Outcome::kDone) return o;
      out.type = marker == '+' ? RespReply::Type::kSimpleString : RespReply::Type::kError;
      out.text = line.toByteArray();
      return Outcome::kDone;
    }
    case ':': {
      out.type = RespReply::Type::kInteger;
      return readInteger(pos, out.integer);
    }
    case '$': {
      qint64 length = 0;
      if (const Outcome o = readInteger(pos, length); o != Outcome::kDone) return o;
      out.type = RespReply::Type::kBulkString;
      if (length == -1) {
        out.isNull = true;
        return Outcome::kDone;
      }
      if (length < 0 || length > kMaxBulkLength) {
        return malformed(start, QStringLiteral("bulk string length %1 outside 0..%2").arg(length).arg(kMaxBulkLength));
      }
      if (m_buffer.size() - pos < length + 2) return Outcome::kNeedMore;
      if (m_buffer[pos + length] != '\r' || m_buffer[pos + length + 1] != '\n') {
        return malformed(pos + length, QStringLiteral("bulk string of %1 bytes not followed by CRLF").arg(length));
      }
      out.text = m_buffer.sliced(pos, length);
      pos += length + 2;
      return Outcome::kDone;
    }
    case '*': {
      qint64 count = 0;
      if (const Outcome o = readInteger(pos, count); o != Outcome::kDone) return o;
      out.type = RespReply::Type::kArray;
      if (count == -1) {
        out.isNull = true;
        return Outcome::kDone;
      }
      if (count < 0 || count > kMaxArrayLength) {
        return malformed(start, QStringLiteral("array length %1 outside 0..%2").arg(count).arg(kMaxArrayLength));
      }
      if (depth + 1 > kMaxDepth) return malformed(start, QStringLiteral("arrays nested deeper than %1").arg(kMaxDepth));
      out.elements.reserve(static_cast<qsizetype>(std::min<qint64>(count, 1024)));
      for (qint64 i = 0; i < count; ++i) {
        RespReply element;
        if (const Outcome o = parse(pos, depth + 1, element); o != Outcome::kDone) return o;
        out.elements.push_back(std::move(element));
      }
      return Outcome::kDone;
    }
    default:
      return malformed(start, QStringLiteral("expected '+', '-', ':', '$' or '*' to start a reply, got \"%1\"")
                                  .arg(shown(QByteArrayView(m_buffer).sliced(start, 1))));
  }
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
  QByteArray out;
  qsizetype size = 16;
  for (const QByteArray& a : args) size += a.size() + 16;
  out.reserve(size);
  out += '*';
  out += QByteArray::number(args.size());
  out += "\r\n";
  for (const QByteArray& a : args) {
    out += '$';
    out += QByteArray::number(a.size());
    out += "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
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
  m_parser.feed(m_socket->readAll());
  const Dispatching dispatching(this);
  QPointer<RespClient> self(this);
  const quint64 generation = m_generation;
  while (std::optional<RespReply> reply = m_parser.next()) {
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
  if (!m_parser.error().isEmpty()) return fail(QStringLiteral("protocol error: %1").arg(m_parser.error()));
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
