// Frame time of the desktop app's ring and traffic views, rendered offscreen into an image the size of a large
// window pane: 32 nodes x 256 virtual nodes on the ring, 2,000 messages in flight in the traffic view; and the same
// views with 1,000 nodes x 8 virtual nodes (the cases with /1000), as in the gossip-at-scale scenario.
//
//   build/release/bench/view_frame_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <QApplication>
#include <QImage>
#include <QPainter>

#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/ring_view.h>
#include <ringlab/ui/spacetime_view.h>
#include <ringlab/ui/traffic_view.h>

namespace ringlab {
namespace {

constexpr std::size_t kNodes = 32;
constexpr std::size_t kVnodes = 256;
constexpr std::size_t kMessages = 2000;
const QSize kPane(960, 720);

QApplication& app() {
  static int argc = 1;
  static char name[] = "view_frame_bench";
  static char* argv[] = {name, nullptr};
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  static auto* instance = new QApplication(argc, argv);
  return *instance;
}

// `nodes` nodes: 32 with 256 virtual nodes each, more with 8 each.
FeedSnapshot bigSnapshot(std::uint64_t seed, std::size_t nodes = kNodes) {
  FeedSnapshot s;
  RingConfig config;
  config.vnodesPerNode = nodes == kNodes ? kVnodes : 8;
  Rng rng(seed);
  auto ring = std::make_shared<const Ring>(Ring::build(config, nodes, rng));
  const OwnershipStats ownership = ring->ownership(3);
  s.ring = ring;
  s.ringVersion = seed;
  s.quorum = {3, 2, 2};
  for (NodeId id = 0; id < nodes; ++id) {
    NodeInfo n;
    n.id = id;
    n.primaryShare = ownership.nodes[id].primaryShare;
    n.tokens = ownership.nodes[id].tokens;
    n.hintsHeld = id % 3 == 0 ? 12 : 0;
    n.state = id == 5 ? NodeDisplayState::kDown : NodeDisplayState::kUp;
    n.running = id != 5;
    s.nodes.push_back(n);
  }
  Rng traffic(seed + 1);
  s.nowNs = 1'000'000;
  for (std::uint64_t i = 0; i < kMessages; ++i) {
    const auto from = static_cast<NodeId>(traffic.below(nodes));
    auto to = static_cast<NodeId>(traffic.below(nodes));
    if (to == from) to = static_cast<NodeId>((to + 1) % nodes);
    const auto sent = static_cast<std::int64_t>(traffic.below(1'000'000));
    s.inFlight.push_back({i, from, to, static_cast<MessageKind>(1 + traffic.below(14)), sent, sent + 1'500'000});
  }
  s.inFlightTotal = kMessages;
  for (NodeId n = 0; n < 6; ++n)
    s.drops.push_back({n, static_cast<NodeId>(n + 6), MessageKind::kGossip, DropReason::kLoss, 0});
  s.cutLinks = {{0, 1}, {1, 0}, {2, 3}};
  return s;
}

template <typename View>
void renderFrames(benchmark::State& state, View& view) {
  QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
  for (auto _ : state) {
    QPainter painter(&image);
    view.render(&painter);
    painter.end();
    benchmark::DoNotOptimize(image.constBits());
  }
  state.counters["fps"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// A frame of the ring view as the run goes on: node states change, the ring band is reused.
void BM_RingViewFrame(benchmark::State& state) {
  app();
  RingView view;
  view.resize(kPane);
  view.setSnapshot(bigSnapshot(1, static_cast<std::size_t>(state.range(0))));
  view.setLookupKey("user:42");
  renderFrames(state, view);
}
BENCHMARK(BM_RingViewFrame)->Arg(32)->Arg(1000)->Unit(benchmark::kMillisecond);

// A frame right after the ring changed (a node joined or left): the band of 8,192 ranges is redrawn.
void BM_RingViewFrameAfterRingChange(benchmark::State& state) {
  app();
  RingView view;
  view.resize(kPane);
  const FeedSnapshot a = bigSnapshot(1, static_cast<std::size_t>(state.range(0)));
  const FeedSnapshot b = bigSnapshot(2, static_cast<std::size_t>(state.range(0)));
  QImage image(kPane, QImage::Format_ARGB32_Premultiplied);
  bool flip = false;
  for (auto _ : state) {
    view.setSnapshot(flip ? a : b);
    flip = !flip;
    QPainter painter(&image);
    view.render(&painter);
    painter.end();
    benchmark::DoNotOptimize(image.constBits());
  }
}
BENCHMARK(BM_RingViewFrameAfterRingChange)->Arg(32)->Arg(1000)->Unit(benchmark::kMillisecond);

// A frame of the traffic view with 2,000 messages in flight, drops flashing and cut links.
void BM_TrafficViewFrame(benchmark::State& state) {
  app();
  TrafficView view;
  view.resize(kPane);
  view.setSnapshot(bigSnapshot(1, static_cast<std::size_t>(state.range(0))));
  renderFrames(state, view);
}
BENCHMARK(BM_TrafficViewFrame)->Arg(32)->Arg(1000)->Unit(benchmark::kMillisecond);

// Taking a new snapshot and drawing it, as the app does up to 60 times a second.
void BM_TrafficViewSnapshotAndFrame(benchmark::State& state) {
  app();
  TrafficView view;
  view.resize(kPane);
  const FeedSnapshot s = bigSnapshot(1, static_cast<std::size_t>(state.range(0)));
  QImage image(kPane, QImage::Format_ARGB32_Premultiplied);
  for (auto _ : state) {
    view.setSnapshot(s);
    QPainter painter(&image);
    view.render(&painter);
    painter.end();
    benchmark::DoNotOptimize(image.constBits());
  }
}
BENCHMARK(BM_TrafficViewSnapshotAndFrame)->Arg(32)->Arg(1000)->Unit(benchmark::kMillisecond);

// The space-time diagram with 100,000 messages and 12,500 requests recorded over 10 s, 32 node lanes; the window
// shows all of it (level of detail: an even sample of 6,000 arrows) or one second of it.
void BM_SpaceTimeFrame(benchmark::State& state) {
  app();
  FeedSnapshot s = bigSnapshot(1);
  s.inFlight.clear();
  s.nowNs = 10'000'000'000;
  Rng rng(3);
  for (std::uint64_t i = 0; i < 100'000; ++i) {
    const auto from = static_cast<NodeId>(rng.below(kNodes));
    const auto to = static_cast<NodeId>((from + 1 + rng.below(kNodes - 1)) % kNodes);
    const auto sent = static_cast<std::int64_t>(i * 100'000);
    s.newMessages.push_back({i + 1, from, to, static_cast<MessageKind>(1 + rng.below(14)), i / 8, 150, sent,
                             sent + 1'000'000 + static_cast<std::int64_t>(rng.below(2'000'000)), rng.below(100) == 0});
    if (i % 8 == 0)
      s.newRequests.push_back({i / 8, from, Operation::kPut, "k", sent, sent + 3'000'000, ErrorCode::kOk, 0, {}, {}});
  }
  SpaceTimeView view;
  view.resize(QSize(1400, 600));
  view.setSnapshot(s);
  const std::int64_t span = state.range(0) == 0 ? 10'000'000'000 : 1'000'000'000;
  view.setWindow(s.nowNs - span, s.nowNs);
  renderFrames(state, view);
  state.counters["arrows"] = static_cast<double>(view.arrowsDrawn());
}
BENCHMARK(BM_SpaceTimeFrame)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The fiber view of one node with 100,000 slices recorded across 32 nodes (3,125 on the node shown, 500 fibers),
// the window showing all of them.
void BM_FiberViewFrame(benchmark::State& state) {
  app();
  FeedSnapshot s = bigSnapshot(1);
  s.inFlight.clear();
  s.nowNs = 1'000'000'000;
  Rng rng(5);
  for (std::uint64_t i = 0; i < 100'000; ++i) {
    const auto node = static_cast<NodeId>(i % kNodes);
    const std::uint64_t fiber = 1 + (i / kNodes) % 500 * kNodes + node;
    const auto start = static_cast<std::int64_t>(i * 10'000);
    if (i < 500 * kNodes) {
      s.newFibers.push_back(
          {fiber, node, static_cast<FiberRole>(rng.below(kFiberRoleCount)), "fiber", start, -1, false});
    }
    s.newSlices.push_back({fiber, node, FiberRole::kCoordinator, static_cast<FiberState>(rng.below(3)), start,
                           start + 5'000 + static_cast<std::int64_t>(rng.below(200'000)), {}});
  }
  FiberView view;
  view.resize(QSize(1400, 600));
  view.setSnapshot(s);
  view.setWindow(0, s.nowNs);
  renderFrames(state, view);
  state.counters["slices"] = static_cast<double>(view.slicesDrawn());
}
BENCHMARK(BM_FiberViewFrame)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ringlab
