// Test harness for real ringlabd processes on loopback: starting, killing and restarting nodes, a small blocking RESP
// client, and running redis-cli. Every node a test starts is killed when its NodeProcess goes away. Nodes bind ports
// the kernel picks and report them in a port file, so tests running in parallel never race for a port.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <ringlab/engine/resp.h>

namespace ringlab::testing {

// A port nothing listens on now (the kernel's choice), never handed out twice by this process. Only for a port that
// should stay closed (a seed nobody answers, a refused connection): another process may take it at any time, so a
// server under test binds port 0 instead and reports the port it got.
inline int freePort() {
  static std::set<int> handedOut;
  for (;;) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    const int port = ntohs(addr.sin_port);
    if (handedOut.insert(port).second) return port;
  }
}

// Polls `condition` every 50ms until it holds; false when `limit` passes first (the test then fails on that).
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto giveUp = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < giveUp) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// Runs a shell command; returns its standard output (stderr goes to the test's log).
inline std::string shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// A blocking connection speaking RESP2.
class RespClient {
 public:
  struct Reply {
    char type = 0;     // '+', '-', ':', '$', '*'; 0 when the connection failed
    std::string text;  // simple, error or bulk text
    long long integer = 0;
    bool null = false;
    std::vector<Reply> elements;
    bool ok() const { return type != 0 && type != '-'; }
  };

  explicit RespClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RespClient() {
    if (m_fd >= 0) ::close(m_fd);
  }
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  bool connected() const { return m_connected; }
  int fd() const { return m_fd; }

  bool sendRaw(std::string_view bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(m_fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  static std::string encode(const std::vector<std::string>& args) { return encodeCommand(args); }

  Reply command(const std::vector<std::string>& args) {
    if (!m_connected) return {};
    // A node may answer (with an error) and stop reading before the whole command is sent; the answer is still read.
    sendRaw(encode(args));
    return readReply();
  }

  // The next reply, read with the codec the node and the app use; a failed Reply when the connection fails, times out
  // or breaks the protocol.
  Reply readReply() {
    for (;;) {
      if (std::optional<RespValue> value = m_parser.next()) return toReply(*value);
      if (!m_parser.error().empty()) return {};
      char buffer[64 * 1024];
      const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
      if (n <= 0) return {};
      m_parser.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }

  // True when the server closed the connection (a read returns end of stream or an error) within the timeout.
  bool closedByServer() {
    char c;
    for (;;) {
      const ssize_t n = ::recv(m_fd, &c, 1, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  static Reply toReply(const RespValue& value) {
    Reply reply;
    reply.type = static_cast<char>(value.type);
    reply.text = value.text;
    reply.integer = value.integer;
    reply.null = value.isNull;
    for (const RespValue& element : value.elements) reply.elements.push_back(toReply(element));
    return reply;
  }

  int m_fd = -1;
  bool m_connected = false;
  RespReplyParser m_parser;
};

// One HTTP/1.1 exchange on a fresh connection (Connection: close), as the desktop app's HTTP client makes them.
struct HttpReply {
  int status = 0;  // 0: no answer (the connection failed, or the timeout passed)
  std::string headers;
  std::string body;
  // The value of a header (case-insensitive name), or "" when absent.
  std::string header(const std::string& name) const {
    std::string lowerHeaders = headers, lowerName = name;
    for (char& c : lowerHeaders) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (char& c : lowerName) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto pos = lowerHeaders.find("\r\n" + lowerName + ":");
    if (pos == std::string::npos) return {};
    auto start = pos + 3 + lowerName.size();
    while (start < headers.size() && headers[start] == ' ') ++start;
    return headers.substr(start, headers.find("\r\n", start) - start);
  }
};

inline HttpReply httpRequest(int port, const std::string& method, const std::string& target,
                             const std::string& body = {}, const std::vector<std::string>& extraHeaders = {},
                             std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  HttpReply reply;
  RespClient connection(port, timeout);
  if (!connection.connected()) return reply;
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const std::string& header : extraHeaders) request += header + "\r\n";
  if (!body.empty() || method == "POST") {
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  connection.sendRaw(request);  // a server that answers early (413) may close before taking all of it
  std::string received;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::recv(connection.fd(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  const auto headerEnd = received.find("\r\n\r\n");
  if (received.rfind("HTTP/1.", 0) != 0 || headerEnd == std::string::npos || received.size() < 12) return reply;
  reply.status = std::atoi(received.c_str() + 9);
  reply.headers = received.substr(0, headerEnd + 2);
  reply.body = received.substr(headerEnd + 4);
  return reply;
}

// One ringlabd process.
class NodeProcess {
 public:
  NodeProcess(std::string name, std::string dataDir, std::vector<std::string> extraArgs = {})
      : m_name(std::move(name)), m_dataDir(std::move(dataDir)), m_extra(std::move(extraArgs)) {}
  ~NodeProcess() { kill9(); }
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  void setSeeds(std::string seeds) { m_seeds = std::move(seeds); }
  // The node's RLIMIT_NOFILE (soft and hard), set in the child before it runs ringlabd; 0 leaves the test's own.
  void setDescriptorLimit(int limit) { m_descriptorLimit = limit; }
  // The ports are known once start() returned; a restart keeps them, so that peers find the node where it was.
  std::string peerAddress() const { return "127.0.0.1:" + std::to_string(known(m_peerPort)); }
  int clientPort() const { return known(m_clientPort); }
  int peerPort() const { return known(m_peerPort); }
  int adminPort() const { return known(m_adminPort); }
  const std::string& name() const { return m_name; }
  std::string logPath() const { return m_dataDir + ".log"; }
  std::string portFilePath() const { return m_dataDir + ".ports"; }
  bool running() const { return m_pid > 0; }
  pid_t pid() const { return m_pid; }
  // Whether the node's memory figures mean what they say: under AddressSanitizer the allocator keeps freed memory in
  // quarantine and pads every block, and ThreadSanitizer maps shadow memory for every byte touched, so resident size
  // neither stays near a bound nor falls back.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  static constexpr bool kResidentSizeIsMeaningful = false;
#else
  static constexpr bool kResidentSizeIsMeaningful = true;
#endif
  // The process's resident set (VmRSS of /proc/PID/status) in kB; 0 when it cannot be read.
  long residentKb() const {
    std::FILE* file = std::fopen(("/proc/" + std::to_string(m_pid) + "/status").c_str(), "r");
    if (!file) return 0;
    char line[256];
    long kb = 0;
    while (std::fgets(line, sizeof line, file)) {
      if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    }
    std::fclose(file);
    return kb;
  }

  // Starts the node and waits until it reports its ports (the first start binds ports the kernel picks). Returns
  // false when the node exited or reported nothing within 20s; the ports then stay as they were.
  bool start() {
    const std::string portFile = portFilePath();
    std::filesystem::remove(portFile);
    std::vector<std::string> args = {RINGLABD_PATH,
                                     "--node-id",
                                     m_name,
                                     "--client-port",
                                     std::to_string(m_clientPort),
                                     "--peer-port",
                                     std::to_string(m_peerPort),
                                     "--admin-port",
                                     m_adminPort == 0 ? std::string("auto") : std::to_string(m_adminPort),
                                     "--port-file",
                                     portFile,
                                     "--data-dir",
                                     m_dataDir};
    if (std::find(m_extra.begin(), m_extra.end(), "--cluster-secret") == m_extra.end() &&
        std::find(m_extra.begin(), m_extra.end(), "--cluster-secret-file") == m_extra.end()) {
      args.push_back("--cluster-secret");
      args.push_back("test-secret");
    }
    if (!m_seeds.empty()) {
      args.push_back("--seeds");
      args.push_back(m_seeds);
    }
    args.insert(args.end(), m_extra.begin(), m_extra.end());
    const std::string log = logPath();
    m_pid = ::fork();
    if (m_pid == 0) {
      if (m_descriptorLimit > 0) {
        const rlimit limit{static_cast<rlim_t>(m_descriptorLimit), static_cast<rlim_t>(m_descriptorLimit)};
        ::setrlimit(RLIMIT_NOFILE, &limit);
      }
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < giveUp) {
      if (readPortFile(portFile)) return true;
      siginfo_t info{};
      // Exited before binding (left unreaped, so that terminate() and kill9() still collect it).
      if (::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == m_pid) {
        return readPortFile(portFile);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return readPortFile(portFile);
  }

  // Waits until the node answers PING.
  bool waitServing() {
    return eventually([&] {
      RespClient client(m_clientPort);
      return client.connected() && client.command({"PING"}).text == "PONG";
    });
  }

  void kill9() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
  }

  // SIGTERM; returns the exit status (or -1 when it did not exit by itself within 10s and had to be killed).
  int terminate() {
    if (m_pid <= 0) return -1;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill9();
    return -1;
  }

  // A field of INFO, or "" when absent.
  std::string info(const std::string& field) {
    RespClient client(m_clientPort);
    const auto reply = client.command({"INFO", "everything"});
    const std::string needle = field + ":";
    const auto pos = reply.text.find(needle);
    if (pos == std::string::npos) return {};
    const auto end = reply.text.find("\r\n", pos);
    return reply.text.substr(pos + needle.size(), end - pos - needle.size());
  }

  // Records stored locally (live keys), from INFO keyspace.
  long long localKeys() {
    const std::string db0 = info("db0");
    if (db0.rfind("keys=", 0) != 0) return 0;
    return std::stoll(db0.substr(5));
  }

 private:
  static int known(int port) {
    if (port == 0) throw std::logic_error("a node's ports are known once start() returned");
    return port;
  }

  // Takes the ports from ringlabd's --port-file; false while it is not there.
  bool readPortFile(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "r");
    if (!file) return false;
    int client = 0, peer = 0, admin = 0;
    const int fields = std::fscanf(file, "client_port=%d peer_port=%d admin_port=%d", &client, &peer, &admin);
    std::fclose(file);
    if (fields != 3) return false;
    m_clientPort = client;
    m_peerPort = peer;
    m_adminPort = admin;
    return true;
  }

  std::string m_name;
  std::string m_dataDir;
  std::vector<std::string> m_extra;
  std::string m_seeds;
  int m_clientPort = 0;  // 0 until the first start() reads them back
  int m_peerPort = 0;
  int m_adminPort = 0;
  pid_t m_pid = -1;
  int m_descriptorLimit = 0;
};

// A fresh directory under the system's temporary directory, removed when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    // A failed test shows the end of every node's log it leaves here: a failure seen only on a CI machine can be read.
    if (::testing::Test::HasFailure()) {
      for (std::filesystem::directory_iterator it(m_path, ec), end; !ec && it != end; it.increment(ec)) {
        const std::filesystem::directory_entry& entry = *it;
        if (entry.path().extension() != ".log") continue;
        std::ifstream in(entry.path());
        std::deque<std::string> tail;
        for (std::string line; std::getline(in, line);) {
          tail.push_back(std::move(line));
          if (tail.size() > 60) tail.pop_front();
        }
        std::fprintf(stderr, "--- last %zu lines of %s\n", tail.size(), entry.path().c_str());
        for (const std::string& line : tail) std::fprintf(stderr, "%s\n", line.c_str());
      }
    }
    std::filesystem::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }
  std::string sub(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

// Node flags for short gossip rounds: the detector scales with them, so suspicion and recovery take a second, not
// five.
inline const std::vector<std::string> kFastGossip = {"--storage", "memory", "--gossip-interval-ms", "200"};

// `base` followed by `more`.
inline std::vector<std::string> with(std::vector<std::string> base, const std::vector<std::string>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// `text` as JSON, or a null value when it is not JSON.
inline boost::json::value parse(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  return ec ? boost::json::value() : value;
}

}  // namespace ringlab::testing
