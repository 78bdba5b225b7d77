#include <ringlab/sim/summary.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_runner.h>

namespace ringlab {
namespace {

std::string ms(Duration d) { return fmt::format("{:.2f}", static_cast<double>(d.count()) / 1e6); }

std::string humanCount(double value) {
  if (value >= 1e9) return fmt::format("{:.2f}G", value / 1e9);
  if (value >= 1e6) return fmt::format("{:.2f}M", value / 1e6);
  if (value >= 1e4) return fmt::format("{:.1f}k", value / 1e3);
  return fmt::format("{:.0f}", value);
}

// "0ms", "20ms", "2s", "1500us": whole seconds or milliseconds where they are exact.
std::string edgeLabel(Duration d) {
  using namespace std::chrono_literals;
  if (d >= 1s && d % 1s == Duration{0}) return fmt::format("{}s", d / 1s);
  if (d % 1ms == Duration{0}) return fmt::format("{}ms", d / 1ms);
  return formatScenarioDuration(d);
}

std::string bandLabel(const StalenessBand& band) {
  if (band.to == Duration::max()) return edgeLabel(band.from) + "+";
  return edgeLabel(band.from) + "-" + edgeLabel(band.to);
}

std::string freshAfterText(const std::optional<Duration>& freshAfter) {
  return freshAfter ? formatDuration(*freshAfter) : "never";
}

std::string formatStaleness(const ScenarioReport& r) {
  const HistoryReport& h = r.history;
  std::string out;
  bool anyBand = false;
  for (const auto& band : h.staleness) anyBand = anyBand || band.reads > 0;
  if (anyBand) {
    out += "\nStaleness: P(read returns the latest acknowledged write) by time since that write was acknowledged\n";
    out += fmt::format("  {:<14} {:>9} {:>9}\n", "since ack", "reads", "P(fresh)");
    for (const auto& band : h.staleness) {
      if (band.reads == 0) continue;
      out += fmt::format("  {:<14} {:>9} {:>9.4f}\n", bandLabel(band), band.reads, band.freshProbability());
    }
    out += h.freshAfter ? fmt::format("  P(fresh) first reaches 99.9% at {} since the acknowledgement (interpolated)\n",
                                      formatDuration(*h.freshAfter))
                        : "  P(fresh) never reaches 99.9%\n";
  }
  if (h.phases.size() > 1) {
    out += "\nStaleness by phase (reads by the time they began; a phase begins where the timeline changes something)\n";
    out += fmt::format("  {:<16} {:>9} {:>9} {:>9} {:>12}  {}\n", "phase", "reads", "stale", "stale %", "99.9% at",
                       "began with");
    for (std::size_t i = 0; i < h.phases.size(); ++i) {
      const PhaseStaleness& p = h.phases[i];
      const Duration to =
          p.to.sinceStart == Duration::max() ? std::max(r.duration, p.from.sinceStart) : p.to.sinceStart;
      const std::string changes = i < r.phaseChanges.size() ? r.phaseChanges[i] : std::string();
      out += fmt::format("  {:<16} {:>9} {:>9} {:>8.3f}% {:>12}  {}\n",
                         formatScenarioDuration(p.from.sinceStart) + "-" + formatScenarioDuration(to),
                         p.successfulReads, p.staleReads, 100 * p.staleReadRate(), freshAfterText(p.freshAfter),
                         changes.empty() ? "(start)" : changes);
    }
  }
  return out;
}

// When the running nodes' failure detectors marked each crashed node down, and how that compares with the
// O(log n) rounds gossip needs to reach every node.
std::string formatCrashDetections(const ScenarioReport& r) {
  if (r.crashDetections.empty()) return {};
  const auto when = [](const std::optional<Duration>& d) { return d ? formatDuration(*d) : std::string("-"); };
  std::string out =
      "\nCrash detection (time from the crash until the running nodes' failure detectors marked the node "
      "down)\n";
  out += fmt::format("  {:<8} {:>10} {:>9} {:>10} {:>10} {:>10} {:>10}\n", "node", "crashed", "observers", "first",
                     "half", "90%", "all");
  for (const CrashDetection& d : r.crashDetections) {
    out += fmt::format("  {:<8} {:>10} {:>9} {:>10} {:>10} {:>10} {:>10}\n", nodeName(d.node),
                       formatDuration(d.crashedAt.sinceStart), d.observers,
                       when(d.detectedAfter.empty() ? std::nullopt : std::optional<Duration>(d.detectedAfter.front())),
                       when(d.detectedBy(0.5)), when(d.detectedBy(0.9)), when(d.allDetected()));
  }
  const CrashDetection& last = r.crashDetections.back();
  if (r.gossipInterval > Duration{0} && last.observers > 1 && !last.detectedAfter.empty()) {
    // The spread between the first and the last verdict is the time the crashed node's last heartbeat took to
    // reach everyone: an epidemic, O(log n) gossip rounds.
    const double spread = static_cast<double>((last.detectedAfter.back() - last.detectedAfter.front()).count()) /
                          static_cast<double>(r.gossipInterval.count());
    out += fmt::format("  first to last verdict on {}: {:.1f} gossip rounds of {}; log2({}) = {:.1f}{}\n",
                       nodeName(last.node), spread, formatDuration(r.gossipInterval), last.observers,
                       std::log2(static_cast<double>(last.observers)),
                       last.allDetected() ? "" : " (not every node marked it down)");
  }
  return out;
}

}  // namespace

std::string formatOperationTable(const Metrics& m, double seconds) {
  std::string out = fmt::format("{:<8} {:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "op", "ok", "failed",
                                "ops/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
  for (Operation op : {Operation::kGet, Operation::kPut, Operation::kDelete}) {
    const OperationMetrics& o = m.of(op);
    if (o.total() == 0) continue;
    const auto& h = o.latency;
    out += fmt::format("{:<8} {:>9} {:>9} {:>8.0f} {:>9} {:>9} {:>9} {:>9} {:>9}\n", operationName(op), o.ok,
                       o.failed(), seconds > 0 ? static_cast<double>(o.ok) / seconds : 0.0, ms(h.percentile(0.5)),
                       ms(h.percentile(0.9)), ms(h.percentile(0.99)), ms(h.percentile(0.999)), ms(h.max()));
  }
  std::string errors;
  for (Operation op : {Operation::kGet, Operation::kPut, Operation::kDelete}) {
    const OperationMetrics& o = m.of(op);
    for (std::size_t code = 1; code < o.errors.size(); ++code) {
      if (o.errors[code] == 0) continue;
      errors +=
          fmt::format("  {} {}: {}\n", operationName(op), errorCodeName(static_cast<ErrorCode>(code)), o.errors[code]);
    }
  }
  out += errors.empty() ? "Errors: none\n" : "Errors:\n" + errors;
  if (m.notFoundReads) out += fmt::format("Reads that found no value: {}\n", m.notFoundReads);
  return out;
}

std::string formatMessageTable(const Metrics& m) {
  std::string out =
      fmt::format("{:<12} {:>10} {:>10} {:>9} {:>10}\n", "message", "sent", "delivered", "dropped", "bytes");
  for (std::size_t k = 0; k < m.messages.size(); ++k) {
    const MessageMetrics& mm = m.messages[k];
    if (mm.sent == 0) continue;
    out += fmt::format("{:<12} {:>10} {:>10} {:>9} {:>10}\n", messageKindName(static_cast<MessageKind>(k)), mm.sent,
                       mm.delivered, mm.dropped, humanCount(static_cast<double>(mm.bytes)));
  }
  const MessageMetrics total = m.totalMessages();
  out += fmt::format("{:<12} {:>10} {:>10} {:>9} {:>10}\n", "total", total.sent, total.delivered, total.dropped,
                     humanCount(static_cast<double>(total.bytes)));
  return out;
}

std::string formatSpeed(std::uint64_t events, std::uint64_t messages, double virtualSeconds, double wallSeconds) {
  if (wallSeconds <= 0) return {};
  return fmt::format("Simulation speed: {} events/s, {} messages/s, {:.1f}x real time ({:.2f}s wall)\n",
                     humanCount(static_cast<double>(events) / wallSeconds),
                     humanCount(static_cast<double>(messages) / wallSeconds), virtualSeconds / wallSeconds,
                     wallSeconds);
}

std::string formatRunSummary(const Simulation& sim, const RunSpeed& speed) {
  const Metrics& m = sim.metrics();
  const double seconds = static_cast<double>(sim.now().nanos()) / 1e9;
  const auto& c = sim.config();
  std::string out;
  out += fmt::format("Cluster: {} nodes, N={} R={} W={}, {}, seed {}\n", c.nodes, c.quorum.n, c.quorum.r, c.quorum.w,
                     c.ring.strategy == PlacementStrategy::kVnodes
                         ? fmt::format("{} vnodes per node", c.ring.vnodesPerNode)
                         : fmt::format("{} partitions", c.ring.partitions),
                     c.seed);
  out += fmt::format("Virtual time: {:.3f}s\n\n", seconds);
  out += formatOperationTable(m, seconds);
  out += "\n" + formatMessageTable(m) + "\n";
  out += formatSpeed(sim.eventsProcessed(), m.totalMessages().delivered, seconds, speed.wallSeconds);
  out += fmt::format("Trace hash: {:016x}\n", sim.traceHash());
  return out;
}

std::string formatScenarioSummary(const ScenarioReport& r, const RunSpeed& speed) {
  const double seconds = static_cast<double>(r.duration.count()) / 1e9;
  std::string out;
  out += fmt::format("Scenario: {}  (seed {}, {} + {} quiesce)\n\n", r.name, r.seed, formatDuration(r.duration),
                     formatDuration(r.quiesceTime));
  out += formatOperationTable(r.metrics, seconds);
  const HistoryReport& h = r.history;
  out += "\nConsistency\n";
  out += fmt::format("  availability            {:.4f}\n", r.availability());
  out += fmt::format("  stale reads             {} of {} successful reads ({:.3f}%)\n", h.staleReads, h.successfulReads,
                     100 * h.staleReadRate());
  out += fmt::format("  lost acknowledged writes {} of {}\n", h.lostWrites, h.acknowledgedWrites);
  if (h.lostWritesToDiskLoss > 0) {
    out += fmt::format("    of which lost to disks  {} (every node that acknowledged them was wiped after the write began: the "
                       "model allows it); {} unexplained\n",
                       h.lostWritesToDiskLoss, h.unexplainedLostWrites());
  }
  if (h.inventedReads > 0) {
    out += fmt::format("  invented values         {} reads returned a version no client wrote\n", h.inventedReads);
  }
  out += fmt::format("  lost updates (LWW)      {}\n", h.lostUpdates);
  if (h.siblingsCreated > 0 || h.largestSiblingSet > 1) {
    out += fmt::format("  siblings                {} writes made siblings, at most {} per key, {} sets resolved "
                       "(longest lived {})\n",
                       h.siblingsCreated, h.largestSiblingSet, h.siblingSetsResolved,
                       formatDuration(h.longestSiblingLife));
  }
  if (h.acknowledgedIncrements != 0 || h.convergedCounterTotal != 0) {
    out += fmt::format("  counters                {} acknowledged increments, {} counted after convergence, {} lost\n",
                       h.acknowledgedIncrements, h.convergedCounterTotal, h.lostIncrements);
  }
  out += fmt::format("  divergent keys at end   {} of {} written keys\n", r.divergentKeys, r.keysChecked);
  if (r.membershipDisagreements > 0) {
    out += fmt::format("  membership views        {} disagreements after quiesce ({})\n", r.membershipDisagreements,
                       fmt::join(r.membershipDisagreementExamples, "; "));
  }
  out += fmt::format("  convergence time        {}\n",
                     r.convergenceTime ? formatDuration(*r.convergenceTime) + " after the clients stopped"
                                       : "not converged within " + formatDuration(r.quiesceTime));
  out += formatCrashDetections(r);
  out += formatStaleness(r);
  out += "\n" + formatMessageTable(r.metrics) + "\n";
  out += formatSpeed(r.eventsProcessed, r.messagesDelivered, seconds + static_cast<double>(r.quiesceTime.count()) / 1e9,
                     speed.wallSeconds);
  out += fmt::format("Trace hash: {:016x}\n", r.traceHash);
  if (r.timelineEntriesSkipped) {
    out += fmt::format("Timeline entries skipped (after the shortened duration): {}\n", r.timelineEntriesSkipped);
  }
  if (!r.expectations.empty()) {
    out += "\nExpectations\n";
    for (const auto& e : r.expectations) {
      out += fmt::format("  {}  {}", e.passed ? "PASS" : "FAIL", e.text);
      // Point back at the claim in the file, so a failed one can be found and fixed.
      if (e.expectation.where.line > 0) {
        out += r.sourceName.empty() ? fmt::format("  (line {}, column {})", e.expectation.where.line,
                                                  e.expectation.where.column)
                                    : fmt::format("  ({}:{}:{})", r.sourceName, e.expectation.where.line,
                                                  e.expectation.where.column);
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace ringlab
