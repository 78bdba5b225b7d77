// What following a real cluster costs the app: LiveClusterModel ingesting /events lines (the stream the nodes send
// at up to 3,000 lines a second each) and /metrics bodies, and making a snapshot. Run:
//   build/release/bench/live_model_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <ringlab/ui/live_model.h>

namespace ringlab {
namespace {

// A typical mix: per request, a send and a delivery per replica, a completion, and fiber slices.
std::vector<QByteArray> eventLines(std::size_t count) {
  std::vector<QByteArray> lines;
  lines.reserve(count);
  for (std::size_t i = 0; lines.size() < count; ++i) {
    const auto t = std::to_string(1'000'000'000 + i * 100'000);
    const auto id = std::to_string(i);
    lines.push_back(QByteArray::fromStdString(R"({"type":"message_sent","time_ns":)" + t + R"(,"message_id":)" + id +
                                              R"(,"from":"n1","to":"n2","kind":"write","request_id":)" + id +
                                              R"(,"bytes":140})"));
    lines.push_back(QByteArray::fromStdString(R"({"type":"message_delivered","time_ns":)" + t +
                                              R"(,"from":"n1","to":"n2","kind":"write","request_id":)" + id + "}"));
    lines.push_back(QByteArray::fromStdString(
        R"({"type":"request_completed","time_ns":)" + t + R"(,"coordinator":"n1","request_id":)" + id +
        R"(,"op":"put","key":"user:)" + id + R"(","result":"ok","latency_ns":210000,"version":"1.0@n1","answers":2})"));
    lines.push_back(
        QByteArray::fromStdString(R"({"type":"fiber_slice","time_ns":)" + t + R"(,"node":"n1","fiber_id":)" + id +
                                  R"(,"role":"coordinator","state":"blocked","start_ns":)" + t + R"(,"end_ns":)" + t +
                                  R"(,"wait":"replies","wait_request_id":)" + id + "}"));
  }
  lines.resize(count);
  return lines;
}

QByteArray clusterBody() {
  std::string members;
  for (int n = 1; n <= 3; ++n) {
    std::string tokens;
    for (int t = 0; t < 16; ++t)
      tokens += (t ? "," : "") + ("\"" + std::to_string(n * 1000003ull * (t + 1) * 7919) + "\"");
    members +=
        (n > 1 ? "," : "") + (R"({"id":"n)" + std::to_string(n) +
                              R"(","status":"normal","state":"up","phi":0.1,"host":"127.0.0.1","admin_port":838)" +
                              std::to_string(n) + R"(,"client_port":638)" + std::to_string(n) + R"(,"peer_port":738)" +
                              std::to_string(n) + R"(,"in_ring":true,"tokens":[)" + tokens + "]}");
  }
  return QByteArray::fromStdString(
      R"({"api_version":1,"cluster":"c","node":"n1","generation":1,"quorum":{"n":3,"r":2,"w":2},"vnodes_per_node":16,"members":[)" +
      members + "]}");
}

void BM_IngestEvents(benchmark::State& state) {
  const auto lines = eventLines(20'000);
  LiveClusterModel model;
  model.ingest(0, QStringLiteral("n1"), LiveClusterModel::InputKind::kCluster, clusterBody());
  std::int64_t t = 1'000'000'000;
  std::size_t i = 0;
  for (auto _ : state) {
    model.ingest(t, QStringLiteral("n1"), LiveClusterModel::InputKind::kEvent, lines[i]);
    t += 100'000;
    if (++i == lines.size()) {
      i = 0;
      benchmark::DoNotOptimize(model.takeSnapshot(t));
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IngestEvents);

void BM_SnapshotAfter100Events(benchmark::State& state) {
  const auto lines = eventLines(100);
  LiveClusterModel model;
  model.ingest(0, QStringLiteral("n1"), LiveClusterModel::InputKind::kCluster, clusterBody());
  std::int64_t t = 1'000'000'000;
  for (auto _ : state) {
    state.PauseTiming();
    for (const QByteArray& line : lines)
      model.ingest(t, QStringLiteral("n1"), LiveClusterModel::InputKind::kEvent, line);
    state.ResumeTiming();
    t += 33'000'000;
    benchmark::DoNotOptimize(model.takeSnapshot(t));
  }
}
BENCHMARK(BM_SnapshotAfter100Events);

}  // namespace
}  // namespace ringlab
