#include <ringlab/sim/summary.h>

#include <fmt/format.h>

namespace ringlab {
namespace {

std::string ms(Duration d) { return fmt::format("{:.2f}", static_cast<double>(d.count()) / 1e6); }

std::string humanCount(double value) {
  if (value >= 1e9) return fmt::format("{:.2f}G", value / 1e9);
  if (value >= 1e6) return fmt::format("{:.2f}M", value / 1e6);
  if (value >= 1e4) return fmt::format("{:.1f}k", value / 1e3);
  return fmt::format("{:.0f}", value);
}

}  // namespace

std::string formatRunSummary(const Simulation& sim, const RunSpeed& speed) {
  const Metrics& m = sim.metrics();
  const double seconds = static_cast<double>(sim.now().nanos()) / 1e9;
  std::string out;
  const auto& c = sim.config();
  out += fmt::format("Cluster: {} nodes, N={} R={} W={}, {}, seed {}\n", c.nodes, c.quorum.n, c.quorum.r, c.quorum.w,
                     c.ring.strategy == PlacementStrategy::kVnodes
                         ? fmt::format("{} vnodes per node", c.ring.vnodesPerNode)
                         : fmt::format("{} partitions", c.ring.partitions),
                     c.seed);
  out += fmt::format("Virtual time: {:.3f}s\n\n", seconds);

  out += fmt::format("{:<8} {:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "op", "ok", "failed", "ops/s",
                     "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
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
      errors += fmt::format("  {} {}: {}\n", operationName(op), errorCodeName(static_cast<ErrorCode>(code)),
                            o.errors[code]);
    }
  }
  out += errors.empty() ? "Errors: none\n" : "Errors:\n" + errors;
  if (m.notFoundReads) out += fmt::format("Reads that found no value: {}\n", m.notFoundReads);

  out += fmt::format("\n{:<12} {:>10} {:>10} {:>9} {:>10}\n", "message", "sent", "delivered", "dropped", "bytes");
  for (std::size_t k = 0; k < m.messages.size(); ++k) {
    const MessageMetrics& mm = m.messages[k];
    if (mm.sent == 0) continue;
    out += fmt::format("{:<12} {:>10} {:>10} {:>9} {:>10}\n", messageKindName(static_cast<MessageKind>(k)), mm.sent,
                       mm.delivered, mm.dropped, humanCount(static_cast<double>(mm.bytes)));
  }
  const MessageMetrics total = m.totalMessages();
  out += fmt::format("{:<12} {:>10} {:>10} {:>9} {:>10}\n", "total", total.sent, total.delivered, total.dropped,
                     humanCount(static_cast<double>(total.bytes)));

  out += "\n";
  if (speed.wallSeconds > 0) {
    out += fmt::format("Simulation speed: {} events/s, {} messages/s, {:.1f}x real time ({:.2f}s wall)\n",
                       humanCount(static_cast<double>(sim.eventsProcessed()) / speed.wallSeconds),
                       humanCount(static_cast<double>(total.delivered) / speed.wallSeconds),
                       seconds / speed.wallSeconds, speed.wallSeconds);
  }
  out += fmt::format("Trace hash: {:016x}\n", sim.traceHash());
  return out;
}

}  // namespace ringlab
