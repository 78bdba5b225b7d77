// The JSON form of a scenario report, built with Boost.JSON.
#include <cmath>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <ringlab/sim/scenario_runner.h>
#include <ringlab/sim/summary.h>

namespace ringlab {
namespace {

namespace json = boost::json;

double ms(Duration d) { return static_cast<double>(d.count()) / 1e6; }

json::value versionJson(const Version& v) {
  if (v.isNull()) return nullptr;
  return json::value(v.toString());
}

json::array stalenessJson(const std::vector<StalenessBand>& bands) {
  json::array staleness;
  for (const StalenessBand& band : bands) {
    json::object b{
        {"from_ms", ms(band.from)}, {"reads", band.reads}, {"fresh", band.fresh}, {"p_fresh", band.freshProbability()}};
    b["to_ms"] = band.to == Duration::max() ? json::value(nullptr) : json::value(ms(band.to));
    staleness.push_back(std::move(b));
  }
  return staleness;
}

json::value durationMs(const std::optional<Duration>& d) { return d ? json::value(ms(*d)) : json::value(nullptr); }

json::object latencyJson(const LatencyHistogram& h) {
  return json::object{{"count", h.count()},
                      {"mean_ms", ms(h.mean())},
                      {"p50_ms", ms(h.percentile(0.5))},
                      {"p90_ms", ms(h.percentile(0.9))},
                      {"p99_ms", ms(h.percentile(0.99))},
                      {"p999_ms", ms(h.percentile(0.999))},
                      {"max_ms", ms(h.max())}};
}

}  // namespace

std::string formatScenarioJson(const ScenarioReport& r, const RunSpeed& speed) {
  const double seconds = static_cast<double>(r.duration.count()) / 1e9;
  json::object operations;
  for (Operation op : {Operation::kGet, Operation::kPut, Operation::kDelete}) {
    const OperationMetrics& o = r.metrics.of(op);
    json::object errors;
    for (std::size_t code = 1; code < o.errors.size(); ++code) {
      if (o.errors[code]) errors[std::string(errorCodeName(static_cast<ErrorCode>(code)))] = o.errors[code];
    }
    operations[std::string(operationName(op))] =
        json::object{{"ok", o.ok},
                     {"failed", o.failed()},
                     {"throughput_per_s", seconds > 0 ? static_cast<double>(o.ok) / seconds : 0.0},
                     {"errors", std::move(errors)},
                     {"latency", latencyJson(o.latency)}};
  }
  json::object messages;
  for (std::size_t k = 0; k < r.metrics.messages.size(); ++k) {
    const MessageMetrics& m = r.metrics.messages[k];
    if (m.sent == 0) continue;
    messages[std::string(messageKindName(static_cast<MessageKind>(k)))] =
        json::object{{"sent", m.sent}, {"delivered", m.delivered}, {"dropped", m.dropped}, {"bytes", m.bytes}};
  }
  const HistoryReport& h = r.history;
  json::array phases;
  for (std::size_t i = 0; i < h.phases.size(); ++i) {
    const PhaseStaleness& p = h.phases[i];
    json::object phase{{"from_s", static_cast<double>(p.from.nanos()) / 1e9},
                       {"began_with", i < r.phaseChanges.size() ? r.phaseChanges[i] : std::string()},
                       {"successful_reads", p.successfulReads},
                       {"stale_reads", p.staleReads},
                       {"stale_read_rate", p.staleReadRate()},
                       {"fresh_999_after_ms", durationMs(p.freshAfter)},
                       {"staleness", stalenessJson(p.staleness)}};
    phase["to_s"] = p.to.sinceStart == Duration::max() ? json::value(static_cast<double>(r.duration.count()) / 1e9)
                                                       : json::value(static_cast<double>(p.to.nanos()) / 1e9);
    phases.push_back(std::move(phase));
  }
  json::array staleExamples, lostExamples, updateExamples;
  for (const StaleRead& s : h.staleReadExamples) {
    staleExamples.push_back(json::object{{"read", s.readId},
                                         {"key", s.key},
                                         {"returned", versionJson(s.returned)},
                                         {"latest_acknowledged", versionJson(s.latestAcknowledged)},
                                         {"since_acknowledged_ms", ms(s.sinceAcknowledged)}});
  }
  for (const LostWrite& w : h.lostWriteExamples) {
    lostExamples.push_back(json::object{{"write", w.writeId},
                                        {"key", w.key},
                                        {"version", versionJson(w.version)},
                                        {"acknowledged_ms", ms(w.acknowledged.sinceStart)},
                                        {"lost_to_disk_loss", w.diskLoss}});
  }
  json::array inventedExamples;
  for (const InventedRead& r : h.inventedReadExamples) {
    inventedExamples.push_back(
        json::object{{"read", r.readId}, {"key", r.key}, {"returned", versionJson(r.returned)}});
  }
  for (const LostUpdate& u : h.lostUpdateExamples) {
    updateExamples.push_back(json::object{{"write", u.writeId},
                                          {"superseded_by", u.supersededBy},
                                          {"key", u.key},
                                          {"version", versionJson(u.version)},
                                          {"winning_version", versionJson(u.winningVersion)}});
  }
  json::array expectations;
  for (const ExpectationResult& e : r.expectations) {
    json::object x{
        {"metric", std::string(expectMetricName(e.expectation.metric))}, {"passed", e.passed}, {"text", e.text}};
    x["measured"] = std::isfinite(e.measured) ? json::value(e.measured) : json::value(nullptr);
    if (e.expectation.min) x["min"] = *e.expectation.min;
    if (e.expectation.max) x["max"] = *e.expectation.max;
    if (e.expectation.where.line > 0) {
      x["line"] = e.expectation.where.line;
      x["column"] = e.expectation.where.column;
    }
    expectations.push_back(std::move(x));
  }
  json::array detections;
  for (const CrashDetection& d : r.crashDetections) {
    json::array after;
    for (Duration t : d.detectedAfter) after.push_back(ms(t));
    detections.push_back(json::object{{"node", nodeName(d.node)},
                                      {"crashed_at_s", static_cast<double>(d.crashedAt.nanos()) / 1e9},
                                      {"observers", d.observers},
                                      {"all_detected_ms", durationMs(d.allDetected())},
                                      {"detected_after_ms", std::move(after)}});
  }
  json::object root{
      {"scenario", r.name},
      {"source", r.sourceName},
      {"seed", r.seed},
      {"duration_s", seconds},
      {"quiesce_s", static_cast<double>(r.quiesceTime.count()) / 1e9},
      {"passed", r.passed},
      {"trace_hash", fmt::format("{:016x}", r.traceHash)},
      {"availability", r.availability()},
      {"operations", std::move(operations)},
      {"messages", std::move(messages)},
      {"consistency", json::object{{"successful_reads", h.successfulReads},
                                   {"stale_reads", h.staleReads},
                                   {"stale_read_rate", h.staleReadRate()},
                                   {"acknowledged_writes", h.acknowledgedWrites},
                                   {"lost_writes", h.lostWrites},
                                   {"lost_updates", h.lostUpdates},
                                   {"lost_writes_to_disk_loss", h.lostWritesToDiskLoss},
                                   {"invented_reads", h.inventedReads},
                                   {"membership_disagreements", r.membershipDisagreements},
                                   {"siblings_created", h.siblingsCreated},
                                   {"largest_sibling_set", h.largestSiblingSet},
                                   {"sibling_sets_resolved", h.siblingSetsResolved},
                                   {"longest_sibling_life_ms", ms(h.longestSiblingLife)},
                                   {"acknowledged_increments", h.acknowledgedIncrements},
                                   {"converged_counter_total", h.convergedCounterTotal},
                                   {"lost_increments", h.lostIncrements},
                                   {"lost_crdt_increments", h.lostCrdtIncrements},
                                   {"keys_checked", r.keysChecked},
                                   {"divergent_keys", r.divergentKeys},
                                   {"convergence_time_ms",
                                    r.convergenceTime ? json::value(ms(*r.convergenceTime)) : json::value(nullptr)},
                                   {"staleness", stalenessJson(h.staleness)},
                                   {"fresh_999_after_ms", durationMs(h.freshAfter)},
                                   {"phases", std::move(phases)},
                                   {"stale_read_examples", std::move(staleExamples)},
                                   {"lost_write_examples", std::move(lostExamples)},
                                   {"invented_read_examples", std::move(inventedExamples)},
                                   {"lost_update_examples", std::move(updateExamples)}}},
      {"crash_detections", std::move(detections)},
      {"expectations", std::move(expectations)},
      {"simulation", json::object{{"events", r.eventsProcessed},
                                  {"messages_delivered", r.messagesDelivered},
                                  {"wall_s", speed.wallSeconds},
                                  {"timeline_entries_applied", r.timelineEntriesApplied},
                                  {"timeline_entries_skipped", r.timelineEntriesSkipped}}}};
  return json::serialize(root) + "\n";
}

}  // namespace ringlab
