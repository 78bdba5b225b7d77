#include "nemesis_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include <ringlab/engine/resp.h>
#include <ringlab/sim/history.h>
#include <ringlab/sim/history_file.h>

namespace ringlab::nemesis {
namespace {

using Clock = std::chrono::steady_clock;

// Microseconds of CLOCK_MONOTONIC: the same clock in every process of the machine, whatever namespace it runs in.
TimePoint monotonicNow() {
  return TimePoint{std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())};
}

int millisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// poll() on one descriptor until it is ready, the deadline passes (0) or it fails (-1); signals do not cut it short.
int waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, millisLeft(deadline));
    if (ready >= 0 || errno != EINTR) return ready;
  }
}

// One blocking RESP connection with deadlines. Any failure closes it; the next call reconnects.
class Connection {
 public:
  explicit Connection(Endpoint endpoint, std::string password)
      : m_endpoint(std::move(endpoint)), m_password(std::move(password)) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { close(); }

  Result<RespValue> call(const std::vector<std::string>& args, Duration timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    if (m_fd < 0) {
      if (Status s = connect(deadline); !s.isOk()) return s;
      if (!m_password.empty()) {
        auto auth = exchange({"AUTH", m_password}, deadline);
        if (!auth) return auth.status();
        if (auth->type == RespValue::Type::kError) {
          close();
          return Status(ErrorCode::kInvalidArgument, "AUTH refused: " + auth->text);
        }
      }
    }
    return exchange(args, deadline);
  }

  void close() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_parser = RespReplyParser();
  }

 private:
  Status fail(ErrorCode code, const std::string& what) {
    close();
    return Status(code, what);
  }

  Status connect(Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(m_endpoint.port);
    if (int rc = ::getaddrinfo(m_endpoint.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      return Status(ErrorCode::kInvalidArgument, m_endpoint.toString() + ": " + ::gai_strerror(rc));
    }
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      ::freeaddrinfo(found);
      return Status(ErrorCode::kUnavailable, std::string("socket: ") + std::strerror(errno));
    }
    m_fd = fd;
    const int rc = ::connect(fd, found->ai_addr, found->ai_addrlen);
    ::freeaddrinfo(found);
    if (rc != 0 && errno != EINPROGRESS) {
      return fail(ErrorCode::kUnavailable, "connect to " + m_endpoint.toString() + ": " + std::strerror(errno));
    }
    if (rc != 0) {
      const int ready = waitFor(fd, POLLOUT, deadline);
      if (ready < 0) return fail(ErrorCode::kUnavailable, std::string("poll: ") + std::strerror(errno));
      if (ready == 0) return fail(ErrorCode::kTimeout, "connect to " + m_endpoint.toString() + " timed out");
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        return fail(ErrorCode::kUnavailable, "connect to " + m_endpoint.toString() + ": " + std::strerror(error));
      }
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return Status::ok();
  }

  Result<RespValue> exchange(const std::vector<std::string>& args, Clock::time_point deadline) {
    const std::string request = encodeCommand(args);
    std::size_t sent = 0;
    while (sent < request.size()) {
      const ssize_t n = ::send(m_fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return fail(ErrorCode::kUnavailable, std::string("send: ") + std::strerror(errno));
      }
      const int ready = waitFor(m_fd, POLLOUT, deadline);
      if (ready < 0) return fail(ErrorCode::kUnavailable, std::string("poll: ") + std::strerror(errno));
      if (ready == 0) return fail(ErrorCode::kTimeout, "send timed out");
    }
    char buffer[16384];
    for (;;) {
      if (auto reply = m_parser.next()) return std::move(*reply);
      if (!m_parser.error().empty()) return fail(ErrorCode::kCorrupt, "bad reply: " + m_parser.error());
      const int ready = waitFor(m_fd, POLLIN, deadline);
      if (ready == 0) return fail(ErrorCode::kTimeout, "no answer within the timeout");
      if (ready < 0) return fail(ErrorCode::kUnavailable, std::string("poll: ") + std::strerror(errno));
      const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
      if (n == 0) return fail(ErrorCode::kUnavailable, "the node closed the connection");
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return fail(ErrorCode::kUnavailable, std::string("recv: ") + std::strerror(errno));
      }
      m_parser.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }

  Endpoint m_endpoint;
  std::string m_password;
  int m_fd = -1;
  RespReplyParser m_parser;
};

// The node's name, from INFO server's node_id line.
Result<NodeId> nodeNameOf(Connection& connection, Duration timeout) {
  auto reply = connection.call({"INFO", "server"}, timeout);
  if (!reply) return reply.status();
  if (reply->type != RespValue::Type::kBulkString) return Status(ErrorCode::kCorrupt, "INFO: unexpected reply");
  const std::string& text = reply->text;
  const std::size_t at = text.find("node_id:");
  if (at == std::string::npos) return Status(ErrorCode::kCorrupt, "INFO server has no node_id (not ringlabd?)");
  const std::size_t end = text.find_first_of("\r\n", at);
  const std::string name = text.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  const NodeId id = parseNodeName(name);
  if (id == kNoNode) return Status(ErrorCode::kCorrupt, "node_id '" + name + "' is not a node name");
  return id;
}

// Names of every node, retrying until `deadline` (a node may be restarting).
Result<std::vector<NodeId>> nodeNames(std::vector<std::unique_ptr<Connection>>& connections,
                                      const std::vector<Endpoint>& nodes, Duration timeout,
                                      Clock::time_point deadline) {
  std::vector<NodeId> names(nodes.size(), kNoNode);
  for (;;) {
    Status last;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (names[i] != kNoNode) continue;
      auto name = nodeNameOf(*connections[i], timeout);
      if (name) {
        names[i] = *name;
      } else {
        last = Status(name.status().code(), nodes[i].toString() + ": " + name.status().message());
      }
    }
    if (last.isOk()) return names;
    if (Clock::now() >= deadline) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// A GETVER or SETVER reply into a recorded operation.
void recordReply(RecordedOperation& o, Result<RespValue>& reply) {
  HistoryEntry& e = o.entry;
  if (!reply) {
    e.result = ErrorCode::kTimeout;
    o.error = reply.status().message();
    return;
  }
  if (reply->type == RespValue::Type::kError) {
    e.result = ErrorCode::kTimeout;
    o.error = reply->text;
    return;
  }
  if (e.op == Operation::kPut) {
    const auto version = reply->type == RespValue::Type::kBulkString ? parseVersion(reply->text) : std::nullopt;
    if (!version) {
      e.result = ErrorCode::kCorrupt;
      o.error = "SETVER answered something that is not a version: " + shownBytes(reply->text);
      return;
    }
    e.version = *version;
    return;
  }
  if (reply->type != RespValue::Type::kArray || reply->elements.size() != 2) {
    e.result = ErrorCode::kCorrupt;
    o.error = "GETVER answered something other than [value, version]";
    return;
  }
  const RespValue& value = reply->elements[0];
  const RespValue& version = reply->elements[1];
  e.found = !value.isNull;
  if (e.found) o.value = value.text;
  if (!version.isNull) {
    const auto parsed = parseVersion(version.text);
    if (!parsed) {
      e.result = ErrorCode::kCorrupt;
      o.error = "GETVER answered a version that is not one: " + shownBytes(version.text);
      return;
    }
    e.version = *parsed;
  }
}

std::string keyName(std::size_t index) { return fmt::format("nemesis:k{}", index); }

}  // namespace

Result<std::vector<Endpoint>> parseEndpoints(const std::string& text) {
  std::vector<Endpoint> endpoints;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string entry = text.substr(start, comma - start);
    const std::size_t colon = entry.rfind(':');
    unsigned port = 0;
    const char* portEnd = entry.data() + entry.size();
    const auto parsed = colon == std::string::npos ? std::from_chars_result{portEnd, std::errc::invalid_argument}
                                                   : std::from_chars(entry.data() + colon + 1, portEnd, port);
    if (colon == std::string::npos || colon == 0 || parsed.ec != std::errc() || parsed.ptr != portEnd || port == 0 ||
        port > 65535) {
      return Status(ErrorCode::kInvalidArgument, "'" + entry + "' is not HOST:PORT");
    }
    endpoints.push_back(Endpoint{entry.substr(0, colon), static_cast<std::uint16_t>(port)});
    start = comma + 1;
  }
  return endpoints;
}

Result<LoadResult> runLoad(const LoadOptions& options, std::FILE* progress) {
  std::ofstream history(options.historyPath, std::ios::trunc);
  if (!history) return Status(ErrorCode::kInvalidArgument, options.historyPath + ": cannot be written");
  std::vector<std::unique_ptr<Connection>> probes;
  for (const Endpoint& node : options.nodes) probes.push_back(std::make_unique<Connection>(node, options.password));
  auto names = nodeNames(probes, options.nodes, options.timeout, Clock::now() + options.timeout);
  if (!names) return Status(names.status().code(), "the cluster is not reachable: " + names.status().message());
  probes.clear();

  std::mutex historyMutex;  // guards `history` and `result`
  LoadResult result;
  std::atomic<std::uint64_t> nextId{1};
  const Clock::time_point end = Clock::now() + options.duration;
  const auto client = [&](std::size_t clientIndex) {
    std::mt19937_64 rng(options.seed * 0x9E3779B97F4A7C15ull + clientIndex);
    std::vector<std::unique_ptr<Connection>> connections;
    for (const Endpoint& node : options.nodes) {
      connections.push_back(std::make_unique<Connection>(node, options.password));
    }
    std::uniform_int_distribution<std::size_t> pickNode(0, options.nodes.size() - 1);
    std::uniform_int_distribution<std::size_t> pickKey(0, options.keys - 1);
    std::bernoulli_distribution isRead(options.readRatio);
    while (Clock::now() < end) {
      const std::size_t node = pickNode(rng);
      RecordedOperation o;
      HistoryEntry& e = o.entry;
      e.id = nextId.fetch_add(1);
      e.client = clientIndex + 1;
      e.coordinator = (*names)[node];
      e.key = keyName(pickKey(rng));
      e.op = isRead(rng) ? Operation::kGet : Operation::kPut;
      std::vector<std::string> command;
      if (e.op == Operation::kPut) {
        o.value = fmt::format("c{}-{}", e.client, e.id);
        command = {"SETVER", e.key, o.value};
      } else {
        command = {"GETVER", e.key};
      }
      e.invoked = monotonicNow();
      auto reply = connections[node]->call(command, options.timeout);
      e.completed = monotonicNow();
      recordReply(o, reply);
      const bool ok = e.result == ErrorCode::kOk;
      {
        const std::lock_guard lock(historyMutex);
        history << formatRecordedOperation(o) << '\n';
        ++result.operations;
        ++(ok ? result.succeeded : result.failed);
      }
      // A failed operation leaves its connection closed; pause a little rather than spin on a node that is down.
      if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < options.clients; ++i) threads.emplace_back(client, i);
  const Clock::time_point started = Clock::now();
  Clock::time_point nextReport = started + std::chrono::seconds(10);
  while (Clock::now() < end) {
    std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(200), end - Clock::now()));
    if (progress && Clock::now() >= nextReport && Clock::now() < end) {
      nextReport += std::chrono::seconds(10);
      const std::lock_guard lock(historyMutex);
      std::fprintf(
          progress, "load: %3llds  %llu operations, %llu failed\n",
          static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()),
          static_cast<unsigned long long>(result.operations), static_cast<unsigned long long>(result.failed));
      std::fflush(progress);
    }
  }
  for (std::thread& t : threads) t.join();
  history.flush();
  if (!history) return Status(ErrorCode::kInvalidArgument, options.historyPath + ": write failed");
  return result;
}

int runCheck(const CheckOptions& options, std::FILE* out) {
  auto recorded = readRecordedHistory(options.historyPath);
  if (!recorded) {
    std::fprintf(stderr, "ringlab-sim check-history: %s\n", recorded.status().message().c_str());
    return 2;
  }
  std::vector<RecordedOperation> history = std::move(*recorded);
  std::set<Key> keys;
  std::uint64_t lastId = 0;
  for (const RecordedOperation& o : history) {
    keys.insert(o.entry.key);
    lastId = std::max(lastId, o.entry.id);
  }
  const Clock::time_point settleEnd = Clock::now() + options.settle;
  std::vector<std::unique_ptr<Connection>> connections;
  for (const Endpoint& node : options.nodes)
    connections.push_back(std::make_unique<Connection>(node, options.password));
  auto names = nodeNames(connections, options.nodes, options.timeout, settleEnd);
  if (!names) {
    std::fprintf(out, "FAILED: a node did not answer within the settle time: %s\n", names.status().message().c_str());
    return 1;
  }

  // Each node's own copy of every key, until they agree or the settle time is up.
  std::vector<RecordedOperation> copies;
  const auto readReplicas = [&]() -> Result<FinalReplicaState> {
    FinalReplicaState state;
    copies.clear();
    for (const Key& key : keys) {
      ReplicaVersions& replicas = state[key];
      for (std::size_t i = 0; i < connections.size(); ++i) {
        auto reply = connections[i]->call({"LOCALGET", key}, options.timeout);
        if (!reply) return Status(reply.status().code(), options.nodes[i].toString() + ": " + reply.status().message());
        if (reply->type == RespValue::Type::kError) {
          return Status(ErrorCode::kCorrupt, options.nodes[i].toString() + ": LOCALGET: " + reply->text);
        }
        replicas.replicas.push_back((*names)[i]);
        if (reply->isNull) {
          replicas.versions.push_back(std::nullopt);
          continue;
        }
        const auto version = reply->type == RespValue::Type::kArray && !reply->elements.empty()
                                 ? parseVersion(reply->elements[0].text)
                                 : std::nullopt;
        if (!version)
          return Status(ErrorCode::kCorrupt, options.nodes[i].toString() + ": LOCALGET: not [version, value]");
        replicas.versions.push_back(*version);
        if (reply->elements.size() == 2 && !reply->elements[1].isNull) {
          RecordedOperation copy;  // a replica's copy, checked by value like a read
          copy.entry.op = Operation::kGet;
          copy.entry.key = key;
          copy.entry.coordinator = (*names)[i];
          copy.entry.found = true;
          copy.entry.version = *version;
          copy.entry.invoked = copy.entry.completed = monotonicNow();
          copy.value = reply->elements[1].text;
          copies.push_back(std::move(copy));
        }
      }
    }
    return state;
  };
  FinalReplicaState state;
  std::uint64_t divergent = 0;
  const Clock::time_point settleStart = Clock::now();
  for (;;) {
    auto read = readReplicas();
    if (read) {
      state = std::move(*read);
      divergent = countDivergentKeys(state);
      if (divergent == 0) break;
    }
    if (Clock::now() >= settleEnd) {
      if (!read) {
        std::fprintf(out, "FAILED: could not read every replica: %s\n", read.status().message().c_str());
        return 1;
      }
      break;
    }
    std::fprintf(
        out, "waiting for the replicas to agree: %s\n",
        read ? fmt::format("{} of {} keys differ", divergent, keys.size()).c_str() : read.status().message().c_str());
    std::fflush(out);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  const double settled = std::chrono::duration<double>(Clock::now() - settleStart).count();

  // A quorum read of every key through every node: each must return the newest acknowledged version.
  std::uint64_t finalReadFailures = 0;
  for (std::size_t i = 0; i < connections.size(); ++i) {
    for (const Key& key : keys) {
      RecordedOperation o;
      o.entry.id = ++lastId;
      o.entry.op = Operation::kGet;
      o.entry.key = key;
      o.entry.coordinator = (*names)[i];
      o.entry.invoked = monotonicNow();
      auto reply = connections[i]->call({"GETVER", key}, options.timeout);
      o.entry.completed = monotonicNow();
      recordReply(o, reply);
      if (o.entry.result != ErrorCode::kOk) ++finalReadFailures;
      history.push_back(std::move(o));
    }
  }

  std::vector<HistoryEntry> entries;
  entries.reserve(history.size());
  for (const RecordedOperation& o : history) entries.push_back(o.entry);
  HistoryCheckOptions checkOptions;
  checkOptions.checkInventedValues = true;
  if (options.staleReadsAllowedFrom) checkOptions.phaseStarts = {TimePoint{}, *options.staleReadsAllowedFrom};
  const HistoryReport report = checkHistory(entries, state, checkOptions);
  // Stale reads before the first lost disk always count.
  const std::uint64_t staleReadsThatCount =
      options.staleReadsAllowedFrom ? report.phases.front().staleReads : report.staleReads;
  // Every read and every replica's final copy, by value (the load sends each value once).
  std::vector<RecordedOperation> byValue = history;
  for (RecordedOperation& copy : copies) {
    copy.entry.id = ++lastId;
    byValue.push_back(std::move(copy));
  }
  const std::vector<ValueMismatch> mismatches = findValueMismatches(byValue);

  const std::uint64_t recordedOps = history.size() - keys.size() * connections.size();
  std::uint64_t failed = 0;
  for (const RecordedOperation& o : history) failed += o.entry.result == ErrorCode::kOk ? 0 : 1;
  std::fprintf(out, "history: %llu operations (%llu failed or timed out), %zu keys, %zu nodes\n",
               static_cast<unsigned long long>(recordedOps),
               static_cast<unsigned long long>(failed - finalReadFailures), keys.size(), connections.size());
  std::fprintf(out, "  acknowledged writes %llu, successful reads %llu (final reads through every node included)\n",
               static_cast<unsigned long long>(report.acknowledgedWrites),
               static_cast<unsigned long long>(report.successfulReads));
  std::fprintf(out, "  replicas agreed after %.1f s; divergent keys %llu\n", settled,
               static_cast<unsigned long long>(divergent));
  std::fprintf(out, "  lost acknowledged writes %llu\n", static_cast<unsigned long long>(report.lostWrites));
  for (const LostWrite& w : report.lostWriteExamples) {
    std::fprintf(out, "    write %llu of %s (version %s) is on no replica\n",
                 static_cast<unsigned long long>(w.writeId), w.key.c_str(), w.version.toString().c_str());
  }
  std::fprintf(out, "  invented values %llu, reads or replica copies whose value is not their version's write's %zu\n",
               static_cast<unsigned long long>(report.inventedReads), mismatches.size());
  for (const InventedRead& r : report.inventedReadExamples) {
    std::fprintf(out, "    read %llu of %s returned version %s, which no write carried\n",
                 static_cast<unsigned long long>(r.readId), r.key.c_str(), r.returned.toString().c_str());
  }
  for (std::size_t i = 0; i < std::min<std::size_t>(mismatches.size(), kMaxHistoryExamples); ++i) {
    const ValueMismatch& m = mismatches[i];
    std::fprintf(out, "    read %llu of %s returned '%s' with version %s: %s\n",
                 static_cast<unsigned long long>(m.readId), m.key.c_str(), m.returned.c_str(),
                 m.version.toString().c_str(), m.why.c_str());
  }
  std::fprintf(out, "  stale reads %llu", static_cast<unsigned long long>(report.staleReads));
  if (options.staleReadsAllowedFrom) {
    std::fprintf(out, " (%llu before the first lost disk; after it they are allowed until repair)",
                 static_cast<unsigned long long>(staleReadsThatCount));
  }
  std::fprintf(out, "\n");
  for (const StaleRead& r : report.staleReadExamples) {
    std::fprintf(out, "    read %llu of %s returned %s, %.1f ms after %s was acknowledged\n",
                 static_cast<unsigned long long>(r.readId), r.key.c_str(),
                 r.returned.isNull() ? "nothing" : r.returned.toString().c_str(),
                 std::chrono::duration<double, std::milli>(r.sinceAcknowledged).count(),
                 r.latestAcknowledged.toString().c_str());
  }
  std::fprintf(out, "  lost updates %llu (last-write-wins kept an earlier write with a higher version: clock skew)\n",
               static_cast<unsigned long long>(report.lostUpdates));
  std::fprintf(out, "  final reads that failed %llu\n", static_cast<unsigned long long>(finalReadFailures));

  std::vector<std::string> anomalies;
  if (report.lostWrites) anomalies.push_back(fmt::format("{} lost writes", report.lostWrites));
  if (report.inventedReads) anomalies.push_back(fmt::format("{} invented values", report.inventedReads));
  if (!mismatches.empty()) anomalies.push_back(fmt::format("{} mismatched values", mismatches.size()));
  if (divergent) anomalies.push_back(fmt::format("{} divergent keys after {:.0f} s", divergent, settled));
  if (staleReadsThatCount) anomalies.push_back(fmt::format("{} stale reads", staleReadsThatCount));
  if (finalReadFailures) anomalies.push_back(fmt::format("{} final reads failed", finalReadFailures));
  if (!anomalies.empty()) {
    std::string joined;
    for (const std::string& a : anomalies) joined += (joined.empty() ? "" : ", ") + a;
    std::fprintf(out, "FAILED: %s\n", joined.c_str());
    return 1;
  }
  if (report.staleReads > 0) {
    std::fprintf(out,
                 "PASSED: no lost write, no invented value, every replica agrees; %llu stale reads after a lost disk, "
                 "as the model allows\n",
                 static_cast<unsigned long long>(report.staleReads));
  } else {
    std::fprintf(out, "PASSED: no lost write, no invented value, no stale read, every replica agrees\n");
  }
  return 0;
}

}  // namespace ringlab::nemesis
