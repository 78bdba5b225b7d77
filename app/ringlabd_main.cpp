// ringlabd: a real RingLab node. Parses flags (or a YAML file with the same keys), sets up logging, and runs a Daemon.
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>
#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include <ringlab/cli/documentation.h>
#include <ringlab/cli/program_options.h>
#include <ringlab/net/daemon.h>
#include <ringlab/net/handshake.h>
#include <ringlab/net/log_format.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace po = boost::program_options;
using namespace ringlab;
using namespace ringlab::net;

namespace {

std::vector<std::string> injectableBugNames() {
  std::vector<std::string> names{std::string(injectedBugName(InjectedBug::kNone))};
  for (InjectedBug bug : kInjectableBugs) names.emplace_back(injectedBugName(bug));
  return names;
}

cli::CommandInfo programInfo() {
  cli::CommandInfo info;
  info.program = "ringlabd";
  info.synopsis = "[OPTION]...";
  info.description =
      "A RingLab storage node: clients speak the Redis protocol (redis-cli, redis-benchmark), peers speak RingLab's "
      "binary protocol, and an HTTP admin endpoint serves /metrics, /cluster and /events and takes admin actions "
      "(decommission, join, fault injection).\n\n"
      "A YAML file given with --config may set any option by its long name; flags win.";
  info.notes =
      "Example, two nodes on one machine, sharing a cluster secret:\n"
      "  export RINGLAB_CLUSTER_SECRET=$(openssl rand -hex 16)\n"
      "  ringlabd --node-id n1 --client-port 6380 --peer-port 7380 --admin-port 8380 --data-dir /tmp/n1\n"
      "  ringlabd --node-id n2 --client-port 6381 --peer-port 7381 --admin-port 8381 --data-dir /tmp/n2 \\\n"
      "           --seeds 127.0.0.1:7380\n\n"
      "Secrets: pass them in the environment (RINGLAB_CLUSTER_SECRET, RINGLAB_ADMIN_TOKEN, RINGLAB_REQUIREPASS) or in "
      "files (--cluster-secret-file, --admin-token-file, --requirepass-file) rather than as flags, which every user "
      "sees in ps. A node bound to an address other than loopback refuses to start without a cluster secret and (with "
      "an admin port) an admin token, unless given --insecure. A node on loopback started without a secret and "
      "without seeds makes a random one and logs it; one with seeds needs the secret of the cluster it joins.\n\n"
      "SIGTERM or SIGINT stops the node cleanly.";
  info.exitStatus = {
      {cli::kExitOk, "the node stopped cleanly (SIGTERM or SIGINT)"},
      {cli::kExitFailure, "the node could not start (a port in use, storage that cannot be opened) or failed"},
      {cli::kExitUsage, "usage error: a bad flag, argument or --config file; nothing was started"}};
  info.valueNames = {{"config", "FILE"},
                     {"node-id", "NAME"},
                     {"cluster", "NAME"},
                     {"cluster-secret", "SECRET"},
                     {"cluster-secret-file", "FILE"},
                     {"admin-token-file", "FILE"},
                     {"requirepass-file", "FILE"},
                     {"bind", "ADDRESS"},
                     {"advertise", "ADDRESS"},
                     {"client-port", "PORT"},
                     {"peer-port", "PORT"},
                     {"admin-port", "PORT"},
                     {"port-file", "FILE"},
                     {"seeds", "HOST:PORT,..."},
                     {"storage", "KIND"},
                     {"data-dir", "DIR"},
                     {"appendfsync", "POLICY"},
                     {"n", "N"},
                     {"r", "R"},
                     {"w", "W"},
                     {"vnodes", "N"},
                     {"request-timeout-ms", "MS"},
                     {"conflicts", "MODE"},
                     {"max-siblings", "N"},
                     {"gossip-interval-ms", "MS"},
                     {"failure-detector", "PROTOCOL"},
                     {"tombstone-grace", "SECONDS"},
                     {"requirepass", "PASSWORD"},
                     {"admin-token", "TOKEN"},
                     {"max-clients", "N"},
                     {"max-admin-connections", "N"},
                     {"max-members", "N"},
                     {"timeout", "SECONDS"},
                     {"partial-command-timeout", "SECONDS"},
                     {"proto-max-bulk-len", "BYTES"},
                     {"client-output-hard-limit", "BYTES"},
                     {"client-output-soft-limit", "BYTES"},
                     {"client-output-soft-seconds", "SECONDS"},
                     {"client-output-total-limit", "BYTES"},
                     {"client-input-total-limit", "BYTES"},
                     {"proto-max-multibulk-len", "N"},
                     {"events-rate", "N"},
                     {"log-level", "LEVEL"},
                     {"log-format", "FORMAT"},
                     {"clock-offset-ms", "MS"},
                     {"inject-bug", "BUG"},
                     {"completion", "SHELL"}};
  info.valueChoices = {{"storage", {"rocksdb", "memory"}},
                       {"appendfsync", {"always", "everysec", "no"}},
                       {"failure-detector", {"phi_accrual", "swim"}},
                       {"log-level", {"trace", "debug", "info", "warn", "error", "off"}},
                       {"log-format", {"text", "json"}},
                       {"inject-bug", injectableBugNames()},
                       {"completion", {"bash", "zsh"}}};
  return info;
}

struct Fail {
  std::string message;
};

void loadYaml(const std::string& path, const po::options_description& options, po::variables_map& vm) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Fail{"--config: cannot read '" + path + "'"};
  } catch (const YAML::Exception& e) {
    throw Fail{path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  if (!root.IsMap()) throw Fail{path + ": expected a mapping of option names to values"};
  std::vector<std::string> args;
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    const auto where = path + ":" + std::to_string(item.first.Mark().line + 1);
    if (key == "config") throw Fail{where + ": 'config' cannot be set inside a config file"};
    if (!options.find_nothrow(key, false)) throw Fail{where + ": unknown option '" + key + "'"};
    if (item.second.IsSequence()) {
      std::string joined;
      for (const auto& v : item.second) joined += (joined.empty() ? "" : ",") + v.as<std::string>();
      if (!joined.empty()) args.push_back("--" + key + "=" + joined);
    } else if (item.second.IsScalar()) {
      const std::string value = item.second.as<std::string>();
      if (value.empty()) continue;  // an empty value keeps the default
      if (value == "true" && options.find(key, false).semantic()->max_tokens() == 0) {
        args.push_back("--" + key);
      } else if (value != "false" || options.find(key, false).semantic()->max_tokens() != 0) {
        args.push_back("--" + key + "=" + value);
      }
    } else if (!item.second.IsNull()) {
      throw Fail{where + ": '" + key + "' must be a single value or a list"};
    }
  }
  try {
    po::store(cli::parseArguments(args, options), vm);
  } catch (const cli::UsageError& e) {
    throw Fail{path + ": " + e.what()};
  } catch (const po::error& e) {
    throw Fail{path + ": " + e.what()};
  }
}

// 0 asks the kernel for a free port.
std::uint16_t port(const po::variables_map& vm, const char* name) {
  const int value = vm[name].as<int>();
  if (value < 0 || value > 65535) {
    throw Fail{std::string("--") + name + ": " + std::to_string(value) +
               " is not a port (1-65535, or 0 for one the kernel picks)"};
  }
  return static_cast<std::uint16_t>(value);
}

// --admin-port: a port, 0 for none, or "auto" for one the kernel picks.
void adminPort(const po::variables_map& vm, DaemonConfig& config) {
  const std::string text = vm["admin-port"].as<std::string>();
  if (text == "auto") {
    config.adminAnyPort = true;
    config.adminPort = 0;
    return;
  }
  int value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > 65535) {
    throw Fail{"--admin-port: '" + text + "' is not a port (1-65535, 0 for no admin endpoint, or auto)"};
  }
  config.adminPort = static_cast<std::uint16_t>(value);
}

std::size_t count(const po::variables_map& vm, const char* name, long long min, long long max) {
  const long long value = vm[name].as<long long>();
  if (value < min || value > max) {
    throw Fail{std::string("--") + name + ": " + std::to_string(value) + " is outside " + std::to_string(min) + ".." +
               std::to_string(max)};
  }
  return static_cast<std::size_t>(value);
}

// The secret in `--NAME-file` (its first line, without the line end), or nullopt when the flag is not given. Giving
// both it and `--flag` is a usage error, as is a file that cannot be read or is empty.
std::optional<std::string> secretFile(const po::variables_map& vm, const std::string& name, const std::string& flag) {
  if (!vm.count(name)) return std::nullopt;
  if (vm.count(flag) && !vm[flag].defaulted()) throw Fail{"--" + name + " and --" + flag + " are given both; give one"};
  const std::string path = vm[name].as<std::string>();
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw Fail{"--" + name + ": cannot read '" + path + "'"};
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  if (line.empty()) throw Fail{"--" + name + ": '" + path + "' starts with an empty line (expected the secret)"};
  return line;
}

// 32 hex digits from the operating system's random source.
std::string generateSecret() {
  const Nonce nonce = randomNonce();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t byte : nonce) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const cli::CommandInfo info = programInfo();
  po::options_description options("Options");
  // clang-format off
  options.add_options()
    ("help,h", "print this help and exit")
    ("version", "print the version and exit")
    ("man-page", "print the manual page (man(7) format) and exit")
    ("completion", po::value<std::string>(), "print a completion script for SHELL (bash or zsh) and exit")
    ("config", po::value<std::string>(), "YAML file with options (keys are the long option names)")
    ("node-id", po::value<std::string>()->default_value("n1"), "this node's name: n1, n2, ... (unique in the cluster)")
    ("cluster", po::value<std::string>()->default_value("ringlab"), "cluster name; peers of other clusters are refused")
    ("cluster-secret", po::value<std::string>(), "shared secret peers prove in the handshake (better: RINGLAB_CLUSTER_SECRET or --cluster-secret-file)")
    ("cluster-secret-file", po::value<std::string>(), "read the cluster secret from this file (its first line)")
    ("bind", po::value<std::string>()->default_value("127.0.0.1"), "address to listen on")
    ("advertise", po::value<std::string>(), "address peers and tools should use for this node (default: --bind)")
    ("client-port", po::value<int>()->default_value(6380), "RESP (Redis protocol) port (0: one the kernel picks; see --port-file)")
    ("peer-port", po::value<int>()->default_value(7380), "peer protocol port (0: one the kernel picks; see --port-file)")
    ("admin-port", po::value<std::string>()->default_value("8380"), "admin HTTP port (0: no admin endpoint; auto: one the kernel picks)")
    ("port-file", po::value<std::string>()->default_value(""), "once every port listens, write the bound ports to this file as client_port=N, peer_port=N and admin_port=N lines")
    ("seeds", po::value<std::string>()->default_value(""), "peers to join through, host:port of their peer ports, comma-separated")
    ("storage", po::value<std::string>()->default_value("rocksdb"), "rocksdb or memory")
    ("data-dir", po::value<std::string>(), "RocksDB directory (default: ./ringlabd-data/<node-id>)")
    ("appendfsync", po::value<std::string>()->default_value("everysec"), "log sync policy: always, everysec or no")
    ("n", po::value<long long>()->default_value(3), "replicas per key (N)")
    ("r", po::value<long long>()->default_value(2), "replies a read waits for (R)")
    ("w", po::value<long long>()->default_value(2), "acknowledgements a write waits for (W)")
    ("vnodes", po::value<long long>()->default_value(16), "ring tokens per node")
    ("request-timeout-ms", po::value<long long>()->default_value(500), "deadline of a coordinated request")
    ("conflicts", po::value<std::string>()->default_value("lww"), "concurrent writes: lww (newest wins) or siblings (keep every concurrent value; GETCTX/SETCTX); the same on every node")
    ("max-siblings", po::value<long long>()->default_value(32), "siblings mode: most siblings a key may have before writes to it are refused")
    ("gossip-interval-ms", po::value<long long>()->default_value(1000), "gossip round period; failure detection scales with it")
    ("failure-detector", po::value<std::string>()->default_value("phi_accrual"), "phi_accrual (every node gossips heartbeats of all members; up to hundreds of nodes) or swim (each round probes one peer, news rides on the probes; for thousands); the same on every node")
    ("tombstone-grace", po::value<long long>()->default_value(864000), "drop a deleted key's tombstone this many seconds after the delete (0: keep forever); a replica down longer than this, with no repair in between, brings deleted keys back")
    ("requirepass", po::value<std::string>()->default_value(""), "password clients must AUTH with (better: RINGLAB_REQUIREPASS or --requirepass-file)")
    ("admin-token", po::value<std::string>()->default_value(""), "bearer token the admin endpoint requires (better: RINGLAB_ADMIN_TOKEN or --admin-token-file)")
    ("admin-token-file", po::value<std::string>(), "read the admin token from this file (its first line)")
    ("requirepass-file", po::value<std::string>(), "read the client password from this file (its first line)")
    ("insecure", po::bool_switch(), "allow an address other than loopback without a cluster secret or admin token, and a node with seeds but no secret (for demos on a network you trust)")
    ("allow-fault-injection", po::bool_switch(), "serve POST /fault on the admin endpoint: drop or delay this node's peer messages, or pause it (for demos and tests; see docs/ADMIN_API.md)")
    ("max-clients", po::value<long long>()->default_value(10000), "client connections at most (fewer when the descriptor limit, ulimit -n, is too low for them)")
    ("max-admin-connections", po::value<long long>()->default_value(64), "admin connections served at once; more are answered 503 and closed")
    ("max-members", po::value<long long>()->default_value(1024), "cluster members this node keeps track of at most; gossip naming more is ignored beyond it")
    ("timeout", po::value<long long>()->default_value(0), "close clients idle this many seconds (0: never)")
    ("partial-command-timeout", po::value<long long>()->default_value(30), "close a client that sent part of a command and not the rest within this many seconds")
    ("proto-max-bulk-len", po::value<long long>()->default_value(1ll << 20), "largest bulk string a client may send (the default is the largest value a node stores; a larger one is a protocol error)")
    ("client-output-hard-limit", po::value<long long>()->default_value(64ll << 20), "a client whose unsent replies pass this many bytes is disconnected at once")
    ("client-output-soft-limit", po::value<long long>()->default_value(16ll << 20), "over this many bytes of unsent replies a client's further commands wait until they drain; see --client-output-soft-seconds")
    ("client-output-soft-seconds", po::value<long long>()->default_value(10), "a client whose unsent replies stay over the soft limit this long is disconnected")
    ("client-output-total-limit", po::value<long long>()->default_value(512ll << 20), "when the unsent replies of all clients together pass this many bytes, the client with the most is disconnected")
    ("client-input-total-limit", po::value<long long>()->default_value(256ll << 20), "when the half-received commands of all clients together pass this many bytes, the client with the largest is disconnected")
    ("proto-max-multibulk-len", po::value<long long>()->default_value(1 << 20), "most arguments in one command")
    ("events-rate", po::value<long long>()->default_value(2000), "default events per second of /events (sampling)")
    ("log-level", po::value<std::string>(), "trace, debug, info, warn, error or off (or RINGLAB_LOG_LEVEL; default info)")
    ("log-format", po::value<std::string>()->default_value("text"),
     "text (for people) or json (one JSON object per line, for log shippers)")
    ("clock-offset-ms", po::value<long long>()->default_value(0),
     "testing: shift this node's wall clock, and so the versions of the writes it coordinates, by this many "
     "milliseconds, as on a machine whose clock is off (docs/NEMESIS.md)")
    ("inject-bug", po::value<std::string>()->default_value("none"),
     ("testing only: make the node wrong on purpose (" + injectableBugList() +
      "), to prove a checker catches it (docs/NEMESIS.md); never for data").c_str());
  // clang-format on

  try {
    po::variables_map vm;
    try {
      const std::vector<std::string> args(argv + 1, argv + argc);
      if (const auto kind = cli::documentationRequest(args)) {
        cli::ProgramDoc doc;
        doc.program = {info, cli::describeOptions(info, options)};
        doc.section = 8;
        doc.brief = "a RingLab storage node that Redis clients can talk to";
        doc.seeAlso = {"ringlab(1)", "ringlab-sim(1)", "redis-cli(1)"};
        std::cout << cli::formatDocumentation(doc, *kind, RINGLAB_VERSION);
        return cli::kExitOk;
      }
      po::store(cli::parseArguments(args, options), vm);
      if (vm.count("help")) {
        std::cout << cli::formatHelp(info, cli::describeOptions(info, options));
        return cli::kExitOk;
      }
      if (vm.count("version")) {
        std::cout << cli::formatVersion(info.program, RINGLAB_VERSION);
        return cli::kExitOk;
      }
      if (vm.count("man-page") || vm.count("completion")) {
        throw Fail{"--man-page and --completion SHELL print documentation and are given alone"};
      }
      if (vm.count("config")) loadYaml(vm["config"].as<std::string>(), options, vm);
      po::notify(vm);
    } catch (const cli::UsageError& e) {
      throw Fail{e.what()};
    } catch (const po::error& e) {
      throw Fail{e.what()};
    }

    std::string level = vm.count("log-level") ? vm["log-level"].as<std::string>() : "";
    if (level.empty()) {
      if (const char* env = std::getenv("RINGLAB_LOG_LEVEL")) level = env;
    }
    if (level.empty()) level = "info";
    const auto parsedLevel = spdlog::level::from_str(level);
    if (parsedLevel == spdlog::level::off && level != "off") {
      throw Fail{"--log-level: '" + level + "' (expected trace, debug, info, warn, error or off)"};
    }
    const std::string formatName = vm["log-format"].as<std::string>();
    const std::optional<LogFormat> format = parseLogFormat(formatName);
    if (!format) throw Fail{"--log-format: '" + formatName + "' (expected text or json)"};
    auto logger =
        *format == LogFormat::kJson ? spdlog::stderr_logger_mt("ringlabd") : spdlog::stderr_color_mt("ringlabd");
    logger->set_formatter(makeLogFormatter(*format));
    spdlog::set_default_logger(logger);
    spdlog::set_level(parsedLevel);

    DaemonConfig config;
    config.nodeName = vm["node-id"].as<std::string>();
    if (parseNodeName(config.nodeName) == kNoNode) {
      throw Fail{"--node-id: '" + config.nodeName + "' is not a node name (expected n1, n2, n3, ...)"};
    }
    config.cluster = vm["cluster"].as<std::string>();
    if (auto fromFile = secretFile(vm, "cluster-secret-file", "cluster-secret")) {
      config.clusterSecret = *fromFile;
    } else if (vm.count("cluster-secret")) {
      config.clusterSecret = vm["cluster-secret"].as<std::string>();
    } else if (const char* env = std::getenv("RINGLAB_CLUSTER_SECRET")) {
      config.clusterSecret = env;
    }
    config.bindHost = vm["bind"].as<std::string>();
    if (vm.count("advertise")) config.advertiseHost = vm["advertise"].as<std::string>();
    config.clientPort = port(vm, "client-port");
    config.peerPort = port(vm, "peer-port");
    adminPort(vm, config);
    {
      // Ports the kernel picks (0) never collide.
      std::set<int> used;
      std::size_t fixed = 0;
      for (int p : {int(config.clientPort), int(config.peerPort), int(config.adminPort)}) {
        if (p == 0) continue;
        ++fixed;
        used.insert(p);
      }
      if (used.size() != fixed) throw Fail{"--client-port, --peer-port and --admin-port must differ"};
    }
    config.portFile = vm["port-file"].as<std::string>();
    std::string seeds = vm["seeds"].as<std::string>();
    std::size_t start = 0;
    while (start < seeds.size()) {
      const auto comma = seeds.find(',', start);
      const std::string item = seeds.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!item.empty()) {
        auto parsed = parseHostPort(item);
        if (!parsed) throw Fail{"--seeds: " + parsed.status().message()};
        config.seeds.push_back(*parsed);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    const std::string storage = vm["storage"].as<std::string>();
    if (storage == "memory") {
      config.storage = StorageKind::kMemory;
    } else if (storage == "rocksdb") {
      config.storage = StorageKind::kRocksDb;
    } else {
      throw Fail{"--storage: '" + storage + "' (expected rocksdb or memory)"};
    }
    config.dataDir = vm.count("data-dir") ? vm["data-dir"].as<std::string>() : "ringlabd-data/" + config.nodeName;
    auto sync = parseSyncPolicy(vm["appendfsync"].as<std::string>());
    if (!sync) throw Fail{"--appendfsync: " + sync.status().message()};
    config.sync = *sync;
    config.quorum.n = count(vm, "n", 1, 64);
    config.quorum.r = count(vm, "r", 1, 64);
    config.quorum.w = count(vm, "w", 1, 64);
    if (Status s = config.quorum.validate(); !s.isOk()) throw Fail{"--n, --r, --w: " + s.message()};
    config.vnodes = count(vm, "vnodes", 1, 4096);
    config.requestTimeout = std::chrono::milliseconds(count(vm, "request-timeout-ms", 1, 600000));
    {
      const std::string mode = vm["conflicts"].as<std::string>();
      const auto conflicts = parseConflictMode(mode);
      if (!conflicts) throw Fail{"--conflicts: '" + mode + "' (expected lww or siblings)"};
      config.conflicts = *conflicts;
      config.maxSiblings = count(vm, "max-siblings", 1, 100000);
    }
    config.gossipInterval = std::chrono::milliseconds(count(vm, "gossip-interval-ms", 10, 60000));
    {
      const std::string name = vm["failure-detector"].as<std::string>();
      const auto protocol = parseDetectionProtocol(name);
      if (!protocol) throw Fail{"--failure-detector: '" + name + "' (expected phi_accrual or swim)"};
      config.detection = *protocol;
    }
    config.tombstoneGrace = std::chrono::seconds(count(vm, "tombstone-grace", 0, 10ll * 365 * 86400));
    config.password = vm["requirepass"].as<std::string>();
    if (auto fromFile = secretFile(vm, "requirepass-file", "requirepass")) config.password = *fromFile;
    if (config.password.empty()) {
      if (const char* env = std::getenv("RINGLAB_REQUIREPASS")) config.password = env;
    }
    config.adminToken = vm["admin-token"].as<std::string>();
    if (auto fromFile = secretFile(vm, "admin-token-file", "admin-token")) config.adminToken = *fromFile;
    if (config.adminToken.empty()) {
      if (const char* env = std::getenv("RINGLAB_ADMIN_TOKEN")) config.adminToken = env;
    }
    config.allowFaultInjection = vm["allow-fault-injection"].as<bool>();
    config.maxClients = count(vm, "max-clients", 1, 1000000);
    config.maxAdminConnections = count(vm, "max-admin-connections", 1, 100000);
    config.maxMembers = count(vm, "max-members", 3, 65536);
    config.clientIdleTimeout = std::chrono::seconds(count(vm, "timeout", 0, 1000000));
    config.resp.maxBulkBytes = count(vm, "proto-max-bulk-len", 1, 1ll << 32);
    config.partialCommandTimeout = std::chrono::seconds(count(vm, "partial-command-timeout", 1, 3600));
    config.resp.maxMultibulkLength = count(vm, "proto-max-multibulk-len", 1, 1ll << 31);
    config.clientOutputHardBytes = count(vm, "client-output-hard-limit", 1 << 20, 1ll << 40);
    config.clientOutputSoftBytes = count(vm, "client-output-soft-limit", 64 << 10, 1ll << 40);
    if (config.clientOutputSoftBytes > config.clientOutputHardBytes) {
      throw Fail{"--client-output-soft-limit (" + std::to_string(config.clientOutputSoftBytes) +
                 ") must not be over --client-output-hard-limit (" + std::to_string(config.clientOutputHardBytes) +
                 ")"};
    }
    config.clientOutputSoftTime = std::chrono::seconds(count(vm, "client-output-soft-seconds", 0, 3600));
    config.clientOutputTotalBytes = count(vm, "client-output-total-limit", 1 << 20, 1ll << 42);
    config.clientInputTotalBytes = count(vm, "client-input-total-limit", 1 << 20, 1ll << 42);
    config.eventsPerSecond = count(vm, "events-rate", 1, 100000);
    {
      const long long offset = vm["clock-offset-ms"].as<long long>();
      if (offset < -86400000 || offset > 86400000) {
        throw Fail{"--clock-offset-ms: " + std::to_string(offset) + " is outside -86400000..86400000 (one day)"};
      }
      config.clockOffset = std::chrono::milliseconds(offset);
      const std::string bugName = vm["inject-bug"].as<std::string>();
      const auto bug = parseInjectedBug(bugName);
      if (!bug) throw Fail{"--inject-bug: '" + bugName + "' (expected none, " + injectableBugList() + ")"};
      config.injectedBug = *bug;
    }

    // Secrets where other machines can reach the node; a secret of its own for a loopback demo.
    const bool insecure = vm["insecure"].as<bool>();
    const bool adminServed = config.adminPort != 0 || config.adminAnyPort;
    {
      boost::system::error_code ec;
      const auto address = boost::asio::ip::make_address(config.bindHost, ec);
      const bool loopback = !ec && address.is_loopback();
      std::vector<std::string> missing;
      if (config.clusterSecret.empty())
        missing.push_back("a cluster secret (RINGLAB_CLUSTER_SECRET or --cluster-secret-file)");
      if (config.adminToken.empty() && adminServed) {
        missing.push_back("an admin token (RINGLAB_ADMIN_TOKEN or --admin-token-file)");
      }
      if (!ec && !loopback && !insecure && !missing.empty()) {
        std::string what;
        for (std::size_t i = 0; i < missing.size(); ++i) what += (i == 0 ? "" : " and ") + missing[i];
        throw Fail{"--bind " + config.bindHost + " can be reached from other machines: set " + what +
                   ", or pass --insecure to run without them on a network you trust"};
      }
      if (config.clusterSecret.empty() && !insecure) {
        if (!config.seeds.empty()) {
          throw Fail{
              "--seeds: joining a cluster needs its secret (RINGLAB_CLUSTER_SECRET or --cluster-secret-file; "
              "a node started without one logged the one it made), or pass --insecure"};
        }
        config.clusterSecret = generateSecret();
        spdlog::warn(
            "no cluster secret given: this node made one for its cluster, {}; start the nodes that join it with "
            "RINGLAB_CLUSTER_SECRET={}",
            config.clusterSecret, config.clusterSecret);
      }
    }

    // Every flag is valid: from here on, problems are the node's, not the command line's.
    if (config.clusterSecret.empty()) {
      spdlog::warn(
          "no cluster secret (--insecure): any peer that knows the cluster name can join, and read and write every "
          "key");
    }
    if (config.adminToken.empty() && adminServed && insecure) {
      spdlog::warn("no admin token (--insecure): anyone who reaches the admin port can decommission this node");
    }
    Daemon daemon(config);
    if (Status s = daemon.open(); !s.isOk()) {
      std::cerr << "ringlabd: " << s.message() << "\n";
      return cli::kExitFailure;
    }
    return daemon.run();
  } catch (const Fail& fail) {
    return cli::usageError(info, fail.message);
  } catch (const std::exception& e) {
    std::cerr << "ringlabd: " << e.what() << "\n";
    return cli::kExitFailure;
  }
}
