// The client side of the real-node nemesis (docs/NEMESIS.md, scripts/nemesis.sh): a load of closed-loop clients that
// records every operation against real ringlabd nodes, and the check that reads back what every node holds and runs
// the simulation's history checker on the recorded history.
//
// Both speak RESP over plain blocking sockets with deadlines (a stopped or cut-off node makes an operation fail
// after its timeout, never hang), using the engine's RESP codec. Times are microseconds of the machine's monotonic
// clock (CLOCK_MONOTONIC), shared by every process, so the load and the check can be separate runs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <ringlab/engine/status.h>
#include <ringlab/engine/types.h>

namespace ringlab::nemesis {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string toString() const { return host + ":" + std::to_string(port); }
};

// "10.0.0.1:6379,10.0.0.2:6379": kInvalidArgument naming the entry that is not HOST:PORT.
Result<std::vector<Endpoint>> parseEndpoints(const std::string& text);

struct LoadOptions {
  std::vector<Endpoint> nodes;
  std::size_t clients = 4;
  std::size_t keys = 40;
  double readRatio = 0.5;
  Duration duration = std::chrono::seconds(60);
  Duration timeout = std::chrono::seconds(2);  // one operation, connecting included
  std::string password;                        // AUTH, when the nodes require it
  std::uint64_t seed = 1;
  std::string historyPath;  // JSON lines (ringlab/sim/history_file.h)
};

struct LoadResult {
  std::uint64_t operations = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
};

// Runs the load until its duration passes, writing the history as it goes (every operation is in the file when this
// returns). Progress lines go to `progress` every 10 s. Fails only when the history file cannot be written or no node
// can be reached at the start.
Result<LoadResult> runLoad(const LoadOptions& options, std::FILE* progress);

struct CheckOptions {
  std::vector<Endpoint> nodes;  // every node of the cluster; each is taken as a replica of every key (N = nodes)
  std::string historyPath;
  Duration settle = std::chrono::seconds(60);  // how long to wait for the replicas to agree
  Duration timeout = std::chrono::seconds(2);
  std::string password;
  // A run that lost a disk may read stale values until repair: stale reads invoked at or after this instant (the
  // history's clock) are reported without failing the check. nullopt: none are allowed.
  std::optional<TimePoint> staleReadsAllowedFrom;
};

// Waits for the replicas to agree (up to `settle`), reads every key from every node (each node's own copy, and a
// quorum read through each node, added to the history), runs the history checker and prints the report to `out`.
// Returns cli::kExitOk when no anomaly was found, 1 when one was (or the cluster could not be read), 2 for a history
// file that cannot be read.
int runCheck(const CheckOptions& options, std::FILE* out);

}  // namespace ringlab::nemesis
