// Client workloads for the simulation: who sends which operations, how often, on which keys.
//
// Open loop: requests arrive as a Poisson process at `ratePerSecond` whatever the cluster does (latency grows without
// bound under overload, as in production). Closed loop: `clients` clients each keep one request in flight and wait
// `thinkTime` between a reply and their next request (throughput adapts to latency). Each request goes to a
// coordinator chosen by `routing`. Plain value.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>
#include <ringlab/sim/key_distribution.h>

namespace ringlab {

enum class LoadModel : std::uint8_t { kOpenLoop, kClosedLoop };

// How a client picks the coordinator of a request, among the running nodes:
// - kRandom: any, uniformly (a load balancer in front of the cluster);
// - kTokenAware: one of the key's N replicas (Cassandra's token-aware drivers, Riak's clients), so the coordinator's
//   own copy answers at once;
// - kProxy: a node that holds no copy of the key, so every replica is a network hop away (the coordinator-only nodes
//   of the analytical models of quorum staleness); a key replicated on every running node falls back to kRandom.
// Causal writes and CRDT increments always go to a replica (they need one to coordinate), whatever the routing.
enum class Routing : std::uint8_t { kRandom, kTokenAware, kProxy };
std::string_view routingName(Routing routing);             // "random", "token_aware", "proxy"
std::optional<Routing> parseRouting(std::string_view name);  // the inverse; nullopt for anything else

struct WorkloadConfig {
  LoadModel model = LoadModel::kOpenLoop;
  double ratePerSecond = 1000;  // open loop
  std::size_t clients = 8;      // closed loop
  Duration thinkTime{0};        // closed loop
  double readRatio = 0.8;       // share of gets
  double deleteRatio = 0.0;     // share of deletes; puts are the rest
  // Share of counter increments (INCR), on keys of their own ("counter-" + key name, or "counter-register-" + key
  // name for kRegister), so no key is both a value and a counter.
  double incrementRatio = 0.0;
  // How increments count: kCrdt uses the PN-counter (Node::increment); kRegister reads the value and writes value + 1
  // as a plain register, as a naive client would (and loses increments under concurrency with last-write-wins).
  enum class Counter : std::uint8_t { kCrdt, kRegister };
  Counter counter = Counter::kCrdt;
  // With `conflicts: siblings`: the share of puts and deletes written blind (without reading the key first). The rest
  // read the key and write back with the read's causal context (read-modify-write).
  double blindRatio = 0.0;
  Routing routing = Routing::kRandom;
  KeyDistribution keys = KeyDistribution::uniform(1000);
  std::size_t valueBytesMin = 100;
  std::size_t valueBytesMax = 100;
  TimePoint start;                // first request no earlier than this
  std::optional<TimePoint> stop;  // no request at or after this

  // kInvalidArgument naming the field for a negative rate, ratios outside [0, 1] or summing above 1, no clients in
  // closed loop, min value size above max, or an invalid key distribution.
  Status validate() const;
  // "open loop, 2000/s, 80% get / 20% put, zipfian(10000 keys, theta 0.99), 100-byte values"
  std::string describe() const;
};

}  // namespace ringlab
