// Plain-text summaries for terminals: operation and message tables over a run's metrics, the demo summary, and the
// scenario report. Pure formatting; call from the simulation's thread.
#pragma once

#include <string>

#include <ringlab/sim/metrics.h>
#include <ringlab/sim/simulation.h>

namespace ringlab {

struct ScenarioReport;

struct RunSpeed {
  double wallSeconds = 0;  // real time the run took
};

// One line per operation: ok, failed, ops/s over `seconds`, p50/p90/p99/p99.9/max; then errors by code.
std::string formatOperationTable(const Metrics& metrics, double seconds);
// One line per message kind: sent, delivered, dropped, bytes; then the total.
std::string formatMessageTable(const Metrics& metrics);
// "Simulation speed: 2.1M events/s, 870k messages/s, 18.0x real time (0.28s wall)"
std::string formatSpeed(std::uint64_t events, std::uint64_t messages, double virtualSeconds, double wallSeconds);

std::string formatRunSummary(const Simulation& sim, const RunSpeed& speed);
std::string formatScenarioSummary(const ScenarioReport& report, const RunSpeed& speed);
// The report as JSON (the `--report` file of `ringlab-sim run`): everything in the summary, the staleness curve as
// data, examples of stale reads, lost writes and lost updates, and every expectation with its measured value.
std::string formatScenarioJson(const ScenarioReport& report, const RunSpeed& speed);

}  // namespace ringlab
