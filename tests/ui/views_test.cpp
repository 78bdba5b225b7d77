// The views render offscreen and the pictures are checked for meaning: colours where the data says they belong.
#include <cmath>
#include <numbers>

#include <gtest/gtest.h>
#include <QImage>
#include <QLineSeries>

#include <ringlab/engine/hash.h>
#include <ringlab/ui/charts_view.h>
#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/ring_view.h>
#include <ringlab/ui/spacetime_view.h>
#include <ringlab/ui/time_axis.h>
#include <ringlab/ui/traffic_view.h>

#include "qt_test_support.h"

namespace ringlab {
namespace {

FeedSnapshot snapshotOf(std::size_t nodes, std::size_t vnodes, std::uint64_t seed) {
  FeedSnapshot s;
  RingConfig config;
  config.vnodesPerNode = vnodes;
  Rng rng(seed);
  auto ring = std::make_shared<const Ring>(Ring::build(config, nodes, rng));
  const OwnershipStats ownership = ring->ownership(3);
  s.ring = ring;
  s.ringVersion = 1;
  s.quorum = {3, 2, 2};
  for (NodeId id = 0; id < nodes; ++id) {
    NodeInfo n;
    n.id = id;
    n.primaryShare = ownership.nodes[id].primaryShare;
    n.tokens = ownership.nodes[id].tokens;
    s.nodes.push_back(n);
  }
  return s;
}

// The node whose colour is closest to `c`, if it is close enough to be that colour.
std::optional<NodeId> nodeOfColor(QColor c, std::size_t nodes) {
  int best = 1 << 30;
  NodeId which = 0;
  for (NodeId id = 0; id < nodes; ++id) {
    const QColor n = nodeColor(id);
    const int d = std::abs(n.red() - c.red()) + std::abs(n.green() - c.green()) + std::abs(n.blue() - c.blue());
    if (d < best) {
      best = d;
      which = id;
    }
  }
  if (best > 30) return std::nullopt;
  return which;
}

QPointF pointAt(QPointF c, double r, double angleDeg) {
  const double rad = (angleDeg - 90.0) * std::numbers::pi / 180.0;
  return {c.x() + r * std::cos(rad), c.y() + r * std::sin(rad)};
}

TEST(RingViewTest, EachNodesColourCoversItsShareOfTheRing) {
  testing::app();
  constexpr std::size_t kNodes = 6;
  const FeedSnapshot s = snapshotOf(kNodes, 32, 11);
  RingView view;
  view.resize(900, 700);
  view.setSnapshot(s);
  const QImage image = view.grab().toImage();
  const QPointF c = view.ringCenter();
  const double r = (view.ringOuterRadius() + view.ringInnerRadius()) / 2;
  constexpr int kSamples = 7200;
  std::vector<int> hits(kNodes, 0);
  int classified = 0;
  for (int i = 0; i < kSamples; ++i) {
    const QPoint p = pointAt(c, r, (i + 0.5) * 360.0 / kSamples).toPoint();
    if (auto node = nodeOfColor(image.pixelColor(p), kNodes)) {
      ++hits[*node];
      ++classified;
    }
  }
  // Only the antialiased seams between ranges are unclassified.
  EXPECT_GT(classified, kSamples * 85 / 100) << "most of the band should be node colours";
  for (NodeId id = 0; id < kNodes; ++id) {
    const double drawn = static_cast<double>(hits[id]) / classified;
    EXPECT_NEAR(drawn, s.nodes[id].primaryShare, 0.01) << nodeName(id);
  }
}

TEST(RingViewTest, AKeyLookupFindsTheRingsPreferenceList) {
  testing::app();
  const FeedSnapshot s = snapshotOf(5, 16, 3);
  RingView view;
  view.resize(800, 600);
  view.setSnapshot(s);
  view.setLookupKey("user:42");
  ASSERT_TRUE(view.lookup().has_value());
  const RingView::Lookup& l = *view.lookup();
  const PreferenceList expected = s.ring->preferenceList(tokenForKey("user:42"), 3, 2);
  EXPECT_EQ(l.token, tokenForKey("user:42"));
  ASSERT_EQ(l.replicas.size(), 3u);
  ASSERT_EQ(l.fallbacks.size(), 2u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(l.replicas[i], expected.replicas[i]);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(l.fallbacks[i], expected.fallbacks[i]);
  // The coordinator's entry is the first one clockwise from the key.
  EXPECT_EQ(l.replicaTokens[0], s.ring->entries()[s.ring->ownerIndex(l.token)].token);
  view.setLookupKey("");
  EXPECT_FALSE(view.lookup().has_value());
}

TEST(RingViewTest, ADownNodesRangesAreDimmed) {
  testing::app();
  FeedSnapshot s = snapshotOf(4, 8, 5);
  RingView view;
  view.resize(800, 600);
  view.setSnapshot(s);
  const QImage before = view.grab().toImage();
  s.nodes[2].state = NodeDisplayState::kDown;
  s.nodes[2].running = false;
  view.setSnapshot(s);
  const QImage after = view.grab().toImage();
  const QPointF c = view.ringCenter();
  const double r = (view.ringOuterRadius() + view.ringInnerRadius()) / 2;
  int node2Before = 0;
  int node2After = 0;
  for (int i = 0; i < 3600; ++i) {
    const QPoint p = pointAt(c, r, (i + 0.5) / 10.0).toPoint();
    node2Before += nodeOfColor(before.pixelColor(p), 4) == NodeId{2} ? 1 : 0;
    node2After += nodeOfColor(after.pixelColor(p), 4) == NodeId{2} ? 1 : 0;
  }
  EXPECT_GT(node2Before, 300);
  EXPECT_LT(node2After, node2Before / 10);
}

TEST(TrafficViewTest, DrawsEveryMessageInFlightBetweenItsNodes) {
  testing::app();
  FeedSnapshot s = snapshotOf(5, 8, 1);
  s.nowNs = 500;
  for (std::uint64_t i = 0; i < 40; ++i) {
    s.inFlight.push_back(
        {i, static_cast<NodeId>(i % 5), static_cast<NodeId>((i + 1) % 5), MessageKind::kWriteRequest, 0, 1000});
  }
  s.inFlightTotal = s.inFlight.size();
  TrafficView view;
  view.resize(800, 600);
  view.setSnapshot(s);
  const QImage image = view.grab().toImage();
  EXPECT_EQ(view.dotsDrawn(), 40u);
  // Halfway along n1 -> n2 there is a write-coloured dot (slightly to one side: paths bend).
  const QPointF a = *view.nodePosition(0);
  const QPointF b = *view.nodePosition(1);
  const QColor write = trafficColor(TrafficClass::kWrite);
  bool found = false;
  for (int dx = -16; dx <= 16 && !found; ++dx) {
    for (int dy = -16; dy <= 16 && !found; ++dy) {
      const QColor px = image.pixelColor(((a + b) / 2).toPoint() + QPoint(dx, dy));
      found =
          std::abs(px.red() - write.red()) + std::abs(px.green() - write.green()) + std::abs(px.blue() - write.blue()) <
          40;
    }
  }
  EXPECT_TRUE(found);
  // Node markers are apart from each other.
  for (NodeId i = 0; i < 5; ++i)
    for (NodeId j = i + 1; j < 5; ++j) {
      const QPointF d = *view.nodePosition(i) - *view.nodePosition(j);
      EXPECT_GT(std::hypot(d.x(), d.y()), 2 * view.markerRadius());
    }
}

TEST(TrafficViewTest, AShortViewDropsItsLegendSoTheCircleOfNodesStaysReadable) {
  testing::app();
  FeedSnapshot s = snapshotOf(5, 8, 1);
  for (NodeInfo& n : s.nodes) {
    n.state = NodeDisplayState::kSuspect;
    n.hintsHeld = 352;  // "suspect · CPU 0 % · 352 hints": long captions, as during a partition
  }
  TrafficView view;
  view.resize(450, 525);  // the traffic view in a 1600x1000 window: room for both
  view.setSnapshot(s);
  EXPECT_TRUE(view.legendShown());
  view.resize(640, 240);  // a 720p window: the legend's rows would leave a circle too small to read
  view.setSnapshot(s);
  EXPECT_FALSE(view.legendShown());
  double spread = 0;
  for (NodeId i = 1; i < 5; ++i)
    spread = std::max(spread, std::abs(view.nodePosition(i)->y() - view.nodePosition(0)->y()));
  EXPECT_GT(spread, 80.0) << "the circle of nodes spans most of the height";
}

TEST(TrafficViewTest, CaptionsGetShorterAndThenGoWhereTheyWouldOverlapTheMarkers) {
  testing::app();
  FeedSnapshot s = snapshotOf(12, 8, 1);
  for (NodeInfo& n : s.nodes) {
    n.running = true;
    n.cpuUtilization = 0.62;
    n.hintsHeld = 18;
  }
  s.nodes[3].hintsHeld = 1;
  TrafficView view;
  view.resize(1000, 700);  // a large window: one line each
  view.setSnapshot(s);
  EXPECT_EQ(view.captionFor(0), "up · CPU 62 % · 18 hints");
  EXPECT_EQ(view.captionFor(3), "up · CPU 62 % · 1 hint");
  view.resize(350, 350);  // squeezed: short lines, without the "up" the green ring says
  view.setSnapshot(s);
  EXPECT_EQ(view.captionFor(0), "CPU 62 %\n18 hints");
  view.resize(220, 220);  // a thumbnail: no captions, a readable circle
  view.setSnapshot(s);
  EXPECT_EQ(view.captionFor(0), "");
  for (NodeId i = 0; i < 12; ++i)
    for (NodeId j = i + 1; j < 12; ++j) {
      const QPointF d = *view.nodePosition(i) - *view.nodePosition(j);
      EXPECT_GT(std::hypot(d.x(), d.y()), 1.5 * view.markerRadius()) << i << " " << j;
    }
}

TEST(TrafficViewTest, AThousandNodesAreDrawnAsGroupsOfConsecutiveNodesThatSayWhatIsWrong) {
  testing::app();
  FeedSnapshot s = snapshotOf(1000, 8, 1);
  for (NodeInfo& n : s.nodes) n.running = true;
  s.nodes[499].state = NodeDisplayState::kDown;  // n500
  s.nodes[499].running = false;
  s.nodes[10].state = NodeDisplayState::kSuspect;
  s.nodes[20].state = NodeDisplayState::kSuspect;
  // A message between nodes of different groups travels between their groups' markers.
  s.nowNs = 500;
  s.inFlight.push_back({1, 0, 999, MessageKind::kGossip, 0, 1000});
  s.inFlightTotal = 1;
  TrafficView view;
  view.resize(800, 600);
  view.setSnapshot(s);
  EXPECT_EQ(view.groupCount(), TrafficView::kGroups);
  EXPECT_EQ(view.nodesPerGroup(), 84u);
  // Every node of a group is drawn where its group's marker is; different groups are apart.
  EXPECT_EQ(*view.nodePosition(0), *view.nodePosition(83));
  EXPECT_NE(*view.nodePosition(83), *view.nodePosition(84));
  for (std::size_t g = 0; g + 1 < view.groupCount(); ++g) {
    const QPointF d =
        *view.nodePosition(static_cast<NodeId>(g * 84)) - *view.nodePosition(static_cast<NodeId>((g + 1) * 84));
    EXPECT_GT(std::hypot(d.x(), d.y()), 2 * view.markerRadius()) << "groups " << g << " and " << g + 1;
  }
  EXPECT_EQ(view.captionFor(0), QString::fromUtf8("n1\u2013n84 \u00b7 2 suspect"));
  EXPECT_EQ(view.captionFor(499), QString::fromUtf8("n421\u2013n504 \u00b7 1 down"));
  EXPECT_EQ(view.captionFor(100), QString::fromUtf8("n85\u2013n168"));  // all up: the name alone
  EXPECT_EQ(view.captionFor(999), QString::fromUtf8("n925\u2013n1000"));
  (void)view.grab();
  EXPECT_EQ(view.dotsDrawn(), 1u);
  // Below the threshold, one marker per node as before.
  view.setSnapshot(snapshotOf(TrafficView::kGroupAbove, 8, 1));
  EXPECT_EQ(view.groupCount(), 0u);
  EXPECT_NE(*view.nodePosition(0), *view.nodePosition(1));
}

TEST(TrafficViewTest, ADownNodeIsDrawnGreyInsteadOfItsColour) {
  testing::app();
  FeedSnapshot s = snapshotOf(3, 8, 1);
  s.nodes[1].state = NodeDisplayState::kDown;
  s.nodes[1].running = false;
  TrafficView view;
  view.resize(600, 500);
  view.setSnapshot(s);
  const QImage image = view.grab().toImage();
  const double r = view.markerRadius();
  auto sample = [&](NodeId n) { return image.pixelColor((*view.nodePosition(n) + QPointF(0, r * 0.6)).toPoint()); };
  EXPECT_EQ(nodeOfColor(sample(0), 3), NodeId{0});
  EXPECT_FALSE(nodeOfColor(sample(1), 3).has_value());
}

TEST(ChartsViewTest, ShowsARollingWindowThatFollowsVirtualTime) {
  testing::app();
  ChartsView charts;
  charts.resize(900, 500);
  charts.setWindowSeconds(10);
  FeedSnapshot s;
  for (int i = 1; i <= 80; ++i) {  // 20 s of 250 ms samples
    MetricsSample m;
    m.timeSeconds = i * 0.25;
    m.opsPerSecond = {1000.0 + i, 500.0, 0.0};
    s.newSamples.push_back(m);
  }
  s.nowNs = 20'000'000'000;
  charts.setSnapshot(s);
  charts.refresh();
  const auto throughput = charts.seriesOf("Throughput");
  ASSERT_EQ(throughput.size(), 3u);
  const QList<QPointF> points = throughput[0]->points();
  ASSERT_FALSE(points.isEmpty());
  EXPECT_GE(points.front().x(), 10.0);
  EXPECT_DOUBLE_EQ(points.back().x(), 20.0);
  EXPECT_DOUBLE_EQ(points.back().y(), 1080.0);
  EXPECT_EQ(points.size(), 41);  // 10 s window, both ends included
  EXPECT_EQ(charts.sampleCount(), 80u);
  charts.clear();
  charts.refresh();
  EXPECT_TRUE(charts.seriesOf("Throughput")[0]->points().isEmpty());
}

TEST(ViewpointTest, NodesShowOneMembersVerdictsSoThePartitionSidesShow) {
  // n1 and n2 on one side, n3 on the other: every node is suspected by someone, so all show suspect.
  std::vector<NodeInfo> nodes(4);
  for (NodeId i = 0; i < 4; ++i) {
    nodes[i].id = i;
    nodes[i].state = NodeDisplayState::kSuspect;
    nodes[i].judged = true;
  }
  nodes[0].doubts = {{2, NodeState::kDown}, {3, NodeState::kSuspect}};
  nodes[3].state = NodeDisplayState::kJoining;  // a membership change is a fact, not n1's opinion
  std::vector<NodeInfo> seen = nodes;
  applyViewpoint(seen, 0);
  EXPECT_EQ(seen[0].state, NodeDisplayState::kUp) << "no node suspects itself";
  EXPECT_EQ(seen[1].state, NodeDisplayState::kUp);
  EXPECT_EQ(seen[2].state, NodeDisplayState::kDown);
  EXPECT_EQ(seen[3].state, NodeDisplayState::kJoining);
  // A viewer that is down has no opinion to show; nor does one past the end.
  std::vector<NodeInfo> crashed = nodes;
  crashed[0].running = false;
  applyViewpoint(crashed, 0);
  EXPECT_EQ(crashed[1].state, NodeDisplayState::kSuspect);
  std::vector<NodeInfo> beyond = nodes;
  applyViewpoint(beyond, 9);
  EXPECT_EQ(beyond[2].state, NodeDisplayState::kSuspect);
  // A viewer whose verdicts are not known (a live node that has not answered yet) changes nothing either.
  std::vector<NodeInfo> unknown = nodes;
  unknown[0].judged = false;
  applyViewpoint(unknown, 0);
  EXPECT_EQ(unknown[2].state, NodeDisplayState::kSuspect);
}

TEST(ChartsViewTest, ARunShorterThanTheWindowFillsTheWidth) {
  testing::app();
  ChartsView charts;
  charts.resize(900, 500);
  FeedSnapshot s;
  s.nowNs = 5'000'000'000;
  s.endNs = 20'000'000'000;  // a 20 s scenario, 30 s window (the default)
  charts.setSnapshot(s);
  charts.refresh();
  EXPECT_EQ(charts.timeRange(), (std::pair<double, double>{0.0, 20.0}));
  charts.setWindowSeconds(10);  // a window shorter than the run rolls
  s.nowNs = 20'000'000'000;
  charts.setSnapshot(s);
  charts.refresh();
  EXPECT_EQ(charts.timeRange(), (std::pair<double, double>{10.0, 20.0}));
  charts.setWindowSeconds(30);  // no known end: the whole window
  s.nowNs = 5'000'000'000;
  s.endNs = 0;
  charts.setSnapshot(s);
  charts.refresh();
  EXPECT_EQ(charts.timeRange(), (std::pair<double, double>{0.0, 30.0}));
}

TEST(ChartsViewTest, ShadesEachFaultPeriodFromItsStartToItsEndAndMarksQuorumChanges) {
  testing::app();
  ChartsView charts;
  FeedSnapshot s = snapshotOf(5, 8, 1);
  const auto at = [&](double seconds) {
    s.nowNs = static_cast<std::int64_t>(seconds * 1e9);
    charts.setSnapshot(s);
    s.newMarks.clear();
  };
  at(1);
  // A jump over the partition's start: the mark it carries says when the partition began.
  s.cutLinks = {{0, 3}, {3, 0}};
  s.newMarks.push_back({2'500'000'000, "partition [n1 n2 n3] [n4 n5]", false});
  at(4);
  s.nodes[2].running = false;  // then n3 crashes too: a new period, named after both faults
  at(5);
  s.cutLinks.clear();
  s.nodes[2].running = true;
  s.newMarks.push_back({6'000'000'000, "all links healed", false});
  at(7);
  s.quorum = {3, 1, 3};
  s.newMarks.push_back({7'500'000'000, "R=1, W=3", true});
  at(8);
  const auto& faults = charts.faultPeriods();
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_DOUBLE_EQ(faults[0].startSeconds, 2.5);
  EXPECT_DOUBLE_EQ(faults[0].endSeconds, 5.0);
  EXPECT_EQ(faults[0].label, "partition");
  EXPECT_DOUBLE_EQ(faults[1].startSeconds, 5.0);
  EXPECT_DOUBLE_EQ(faults[1].endSeconds, 6.0);
  EXPECT_EQ(faults[1].label, "partition, n3 down");
  ASSERT_EQ(charts.quorumMarks().size(), 1u);
  EXPECT_DOUBLE_EQ(charts.quorumMarks()[0].first, 7.5);
  EXPECT_EQ(charts.quorumMarks()[0].second, "N=3 R=1 W=3");
}

TEST(ChartsViewTest, PresentationShowsOnlyTheChosenChartsInOneRow) {
  testing::app();
  ChartsView charts;
  charts.resize(1200, 400);
  charts.show();
  charts.setShownCharts({"Get latency", "Stale reads, lost updates, hints"});
  EXPECT_EQ(charts.shownCharts(), (QStringList{"Get latency", "Stale reads, lost updates, hints"}));
  charts.setShownCharts({});
  EXPECT_EQ(charts.shownCharts(), ChartsView::chartTitles());
}

TEST(TrafficViewTest, WithoutAnimationADropFadesWithVirtualTimeAlone) {
  testing::app();
  TrafficView view;
  view.setAnimated(false);
  view.resize(600, 500);
  FeedSnapshot s = snapshotOf(5, 8, 1);
  s.nowNs = 10'100'000'000;
  s.drops.push_back({0, 3, MessageKind::kWriteRequest, DropReason{}, 10'000'000'000});
  view.setSnapshot(s);
  view.grab();
  EXPECT_EQ(view.dropsDrawn(), 1u);  // 100 ms old
  s.drops.clear();
  s.nowNs = 10'800'000'000;
  view.setSnapshot(s);
  view.grab();
  EXPECT_EQ(view.dropsDrawn(), 0u);  // 800 ms old: faded, however little real time went by
  // A drop between nodes that are no longer drawn (decommissioned) is not drawn at some default place.
  s.drops.push_back({0, 3, MessageKind::kWriteRequest, DropReason{}, 10'790'000'000});
  s.nodes[3].state = NodeDisplayState::kLeft;
  view.setSnapshot(s);
  view.grab();
  EXPECT_EQ(view.dropsDrawn(), 0u);
}

}  // namespace
}  // namespace ringlab

namespace ringlab {
namespace {

FeedSnapshot spacetimeSnapshot(std::size_t messages) {
  FeedSnapshot s;
  for (NodeId id = 0; id < 3; ++id) {
    NodeInfo n;
    n.id = id;
    s.nodes.push_back(n);
  }
  s.nowNs = 1'000'000'000;
  for (std::uint64_t i = 0; i < messages; ++i) {
    const auto sent = static_cast<std::int64_t>(900'000'000 + (i * 97'000'000 / std::max<std::size_t>(1, messages)));
    s.newMessages.push_back({i + 1, static_cast<NodeId>(i % 3), static_cast<NodeId>((i + 1) % 3),
                             MessageKind::kWriteRequest, i % 10 == 0 ? 77u : 0u, 120, sent, sent + 2'000'000, false});
  }
  s.newRequests.push_back({77, 0, Operation::kPut, "k", 900'000'000, 990'000'000, ErrorCode::kOk, 0, {}, {}});
  s.newMarks.push_back({950'000'000, "n2 crashed", false});
  return s;
}

TEST(SpaceTimeViewTest, DrawsEveryMessageInTheWindowAsAnArrow) {
  testing::app();
  SpaceTimeView view;
  view.resize(900, 300);
  view.setSnapshot(spacetimeSnapshot(500));
  view.setWindow(890'000'000, 1'000'000'000);
  const QImage image = view.grab().toImage();
  EXPECT_EQ(view.arrowsDrawn(), 500u);
  EXPECT_FALSE(view.sampled());
  EXPECT_EQ(view.store().messages().size(), 500u);
  EXPECT_FALSE(view.following());
  // Lanes are in node order, top to bottom, inside the widget.
  EXPECT_LT(view.laneY(0), view.laneY(1));
  EXPECT_LT(view.laneY(2), 300.0);
  EXPECT_LT(view.xOf(900'000'000), view.xOf(950'000'000));
}

TEST(SpaceTimeViewTest, SamplesWhenThereAreTooManyArrowsAndKeepsTheSelectedRequestWhole) {
  testing::app();
  SpaceTimeView view;
  view.resize(900, 300);
  view.setSnapshot(spacetimeSnapshot(60'000));
  view.setWindow(890'000'000, 1'000'000'000);
  view.selectRequest(77);
  (void)view.grab();
  EXPECT_TRUE(view.sampled());
  EXPECT_LT(view.arrowsDrawn(), 60'000u / 4);
  EXPECT_EQ(view.store().messagesOfRequest(77).size(), 6'000u);
  EXPECT_GE(view.arrowsDrawn(), 6'000u);  // every message of the selected request, plus the sample
  ASSERT_NE(view.store().request(77), nullptr);
  EXPECT_EQ(view.store().request(77)->key, "k");
}

TEST(SpaceTimeViewTest, FollowsVirtualTimeUntilTheUserMovesTheWindow) {
  testing::app();
  SpaceTimeView view;
  view.resize(900, 300);
  FeedSnapshot s = spacetimeSnapshot(10);
  view.setSnapshot(s);
  EXPECT_TRUE(view.following());
  EXPECT_EQ(view.windowEndNs(), s.nowNs);
  view.setWindow(100, 200);
  s.nowNs += 1'000'000;
  s.newMessages.clear();
  view.setSnapshot(s);
  EXPECT_EQ(view.windowEndNs(), 200);
  view.follow();
  EXPECT_EQ(view.windowEndNs(), s.nowNs);
  EXPECT_EQ(view.windowEndNs() - view.windowStartNs(), 100);
}

}  // namespace
}  // namespace ringlab

namespace ringlab {
namespace {

// A fiber view docked under the ring on a 720p projector is about 230 px tall in presentation mode: the lanes keep
// most of it (the run queue shrinks), and role labels never overlap each other or run into the time axis.
TEST(FiberViewTest, AShortPresentationViewKeepsRoomForLanesAndLabelsThatDoNotOverlap) {
  testing::app();
  FeedSnapshot s;
  NodeInfo n;
  s.nodes.push_back(n);
  s.nowNs = 10'000'000;
  std::uint64_t id = 1;
  const auto add = [&](FiberRole role) {
    s.newFibers.push_back({id, 0, role, "f", 1'000'000, -1, false});
    s.newSlices.push_back({id, 0, role, FiberState::kRunning, 2'000'000, 2'500'000, {}});
    ++id;
  };
  for (int i = 0; i < 5; ++i) add(FiberRole::kCoordinator);
  for (FiberRole role :
       {FiberRole::kReplica, FiberRole::kHints, FiberRole::kDetector, FiberRole::kAntiEntropy, FiberRole::kGossip}) {
    add(role);
  }
  FiberView view;
  view.setTheme(Theme::make(ThemeKind::kLight, /*presentation=*/true));
  view.resize(1280, 232);
  view.setSnapshot(s);
  view.setWindow(0, 10'000'000);
  (void)view.grab();
  EXPECT_GE(view.lanesRect().height(), 0.35 * view.height()) << "the run queue left the lanes too little room";
  const auto& labels = view.labelBoxes();
  ASSERT_FALSE(labels.empty());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    EXPECT_LE(labels[i].bottom(), view.lanesRect().bottom() + 2) << "label " << i << " runs into the time axis";
    for (std::size_t j = i + 1; j < labels.size(); ++j) {
      EXPECT_FALSE(labels[i].intersects(labels[j].adjusted(0, 1, 0, 0))) << "labels " << i << " and " << j;
    }
  }
  // A tall view has room for every role's label.
  view.resize(1280, 900);
  (void)view.grab();
  EXPECT_EQ(view.labelBoxes().size(), 6u);
}

TEST(FiberViewTest, ANodeThatIsNotRunningIsSaidToBeDownInsteadOfShowingEmptyLanes) {
  testing::app();
  FeedSnapshot s;
  for (NodeId id = 0; id < 3; ++id) {
    NodeInfo n;
    n.id = id;
    n.running = id == 0;
    s.nodes.push_back(n);
  }
  s.nowNs = 10'000'000;
  // n2's replica fiber ran before it crashed; nothing of it ran since. n3 never ran a fiber.
  s.newFibers.push_back({5, 1, FiberRole::kReplica, "replica", 1'000'000, -1, false});
  s.newSlices.push_back({5, 1, FiberRole::kReplica, FiberState::kRunning, 1'000'000, 1'100'000, {}});
  FiberView view;
  view.resize(900, 360);
  view.setSnapshot(s);
  view.setNode(1);
  view.setWindow(5'000'000, 10'000'000);
  (void)view.grab();
  EXPECT_EQ(view.slicesDrawn(), 0u);
  EXPECT_TRUE(view.emptyMessage().contains("n2 is not running now")) << view.emptyMessage().toStdString();
  // Before the crash its slices are drawn and nothing is said; a past window without slices is not called down.
  view.setWindow(0, 5'000'000);
  (void)view.grab();
  EXPECT_EQ(view.slicesDrawn(), 1u);
  EXPECT_TRUE(view.emptyMessage().isEmpty());
  view.setWindow(2'000'000, 5'000'000);
  (void)view.grab();
  EXPECT_EQ(view.slicesDrawn(), 0u);
  EXPECT_TRUE(view.emptyMessage().isEmpty()) << view.emptyMessage().toStdString();
  // A node with no fiber at all, down now.
  view.setNode(2);
  view.setWindow(5'000'000, 10'000'000);
  (void)view.grab();
  EXPECT_TRUE(view.emptyMessage().contains("n3 is not running now")) << view.emptyMessage().toStdString();
  view.setWindow(5'000'000, 10'000'000);
  // A running node with nothing in the window is not called down.
  view.setNode(0);
  (void)view.grab();
  EXPECT_EQ(view.emptyMessage(), QString("No fiber of this node ran in this window."));
}

TEST(FiberViewTest, SummarizesAFibersLifeAndMeasuresTheRunQueue) {
  testing::app();
  FeedSnapshot s;
  for (NodeId id = 0; id < 2; ++id) {
    NodeInfo n;
    n.id = id;
    s.nodes.push_back(n);
  }
  s.nowNs = 10'000'000;
  s.newFibers.push_back({7, 0, FiberRole::kCoordinator, "coordinate put k", 1'000'000, -1, false});
  s.newFibers.push_back({8, 0, FiberRole::kCoordinator, "coordinate get k", 1'500'000, -1, false});
  const WaitFor none;
  const WaitFor replies{WaitKind::kReplies, kNoNode, 77};
  s.newSlices = {{7, 0, FiberRole::kCoordinator, FiberState::kReady, 1'000'000, 1'200'000, none},
                 {7, 0, FiberRole::kCoordinator, FiberState::kRunning, 1'200'000, 1'300'000, none},
                 {7, 0, FiberRole::kCoordinator, FiberState::kBlocked, 1'300'000, 4'300'000, replies},
                 {8, 0, FiberRole::kCoordinator, FiberState::kReady, 1'100'000, 1'400'000, none},
                 {7, 0, FiberRole::kCoordinator, FiberState::kRunning, 4'300'000, 4'350'000, none},
                 // a fiber that started before recording began: known from its slices
                 {9, 0, FiberRole::kGossip, FiberState::kRunning, 2'000'000, 2'100'000, {}},
                 {10, 1, FiberRole::kReplica, FiberState::kRunning, 2'000'000, 2'100'000, {}}};
  s.newFibers.push_back({7, 0, FiberRole::kSystem, {}, -1, 4'350'000, false});
  FiberView view;
  view.resize(900, 360);
  view.setSnapshot(s);
  view.setWindow(0, 10'000'000);
  (void)view.grab();
  EXPECT_EQ(view.slicesDrawn(), 6u);  // node n1's slices only
  EXPECT_EQ(view.maxRunQueue(), 2u);  // fibers 7 and 8 were ready at once
  EXPECT_EQ(view.fibersKnown(), 4u);
  const auto summary = view.summarize(7);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->fiber.name, "coordinate put k");
  EXPECT_EQ(summary->fiber.endNs, 4'350'000);
  EXPECT_EQ(summary->runningNs, 150'000);
  EXPECT_EQ(summary->readyNs, 200'000);
  EXPECT_EQ(summary->blockedNs, 3'000'000);
  EXPECT_EQ(summary->waits, 1u);
  // What it waited for: the replies to its request, all 3 ms of it.
  const auto& byReplies = summary->byKind[static_cast<std::size_t>(WaitKind::kReplies)];
  EXPECT_EQ(byReplies.count, 1u);
  EXPECT_EQ(byReplies.totalNs, 3'000'000);
  EXPECT_EQ(byReplies.longest, replies);
  EXPECT_EQ(summary->byKind[static_cast<std::size_t>(WaitKind::kTimer)].count, 0u);
  EXPECT_EQ(view.summarize(9)->fiber.role, FiberRole::kGossip);
  view.setNode(1);
  (void)view.grab();
  EXPECT_EQ(view.slicesDrawn(), 1u);
}

}  // namespace
}  // namespace ringlab

namespace ringlab {
namespace {

TEST(TimeAxisTest, DraggingPansTheWindowAndAPressWithoutMovingIsAClick) {
  TimeAxis axis(1'000);
  const QRectF area(0, 0, 500, 100);
  axis.press(100);
  EXPECT_TRUE(axis.dragTo(102, area));  // under 3 pixels: not yet a drag
  EXPECT_EQ(axis.startNs(), 0);
  EXPECT_TRUE(axis.dragTo(150, area));  // 50 of 500 pixels: a tenth of the window
  EXPECT_EQ(axis.startNs(), -100);
  EXPECT_EQ(axis.widthNs(), 1'000);
  EXPECT_FALSE(axis.following());
  EXPECT_FALSE(axis.releaseWasClick());
  EXPECT_FALSE(axis.dragTo(200, area));  // no press: nothing to drag
  axis.press(10);
  EXPECT_TRUE(axis.releaseWasClick());
}

TEST(SpaceTimeViewTest, ALargeClusterDrawsChosenLanesByDefaultTheReplicasOfTheKeyFollowed) {
  testing::app();
  SpaceTimeView view;
  view.resize(900, 400);
  FeedSnapshot s = snapshotOf(100, 8, 1);
  s.nowNs = 1'000'000'000;
  s.newMessages.push_back({1, 0, 1, MessageKind::kGossip, 0, 300, 100'000'000, 110'000'000, false});   // n1 -> n2
  s.newMessages.push_back({2, 0, 89, MessageKind::kGossip, 0, 300, 200'000'000, 210'000'000, false});  // n1 -> n90
  // A read of user:42 coordinated by n50.
  s.newRequests.push_back({7, 49, Operation::kGet, "user:42", 300'000'000, 310'000'000, ErrorCode::kOk, 0, {}, {}});
  view.setSnapshot(s);
  view.setWindow(0, 1'000'000'000);
  (void)view.grab();
  // No choice made: the first nodes, and only the messages between them.
  ASSERT_EQ(view.lanes().size(), SpaceTimeView::kMaxLanes);
  EXPECT_EQ(view.lanes().front(), NodeId{0});
  EXPECT_EQ(view.arrowsDrawn(), 1u);
  // Following a key: the lanes of its replicas and of its requests' coordinators, in node order.
  SpaceTimeFilter filter;
  filter.key = "user:42";
  view.setFilter(filter);
  std::vector<NodeId> expected{49};
  for (NodeId n : s.ring->preferenceList(tokenForKey("user:42"), 3, 0).replicas) expected.push_back(n);
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  EXPECT_EQ(view.lanes(), expected);
  // Lanes chosen by hand win, in the order given.
  view.setFilter({});
  view.setLanes({89, 0});
  (void)view.grab();
  EXPECT_EQ(view.lanes(), (std::vector<NodeId>{89, 0}));
  EXPECT_LT(view.laneY(89), view.laneY(0));
  EXPECT_EQ(view.arrowsDrawn(), 1u) << "n1 -> n90 now, not n1 -> n2";
  // Following one node: its lane and those of the peers it talked to.
  view.setLanes({});
  filter = {};
  filter.node = NodeId{89};
  view.setFilter(filter);
  (void)view.grab();
  EXPECT_EQ(view.lanes(), (std::vector<NodeId>{0, 89}));
  EXPECT_EQ(view.arrowsDrawn(), 1u);
  view.setFilter({});
  // A small cluster draws every lane.
  view.setSnapshot(snapshotOf(5, 8, 1));
  EXPECT_EQ(view.lanes().size(), 5u);
}

TEST(SpaceTimeViewTest, AFilterShowsOneKeysRequestsOneFamilyOrOneNodesMessages) {
  testing::app();
  SpaceTimeView view;
  view.resize(900, 300);
  FeedSnapshot s;
  s.nowNs = 1'000'000'000;
  for (NodeId n = 0; n < 3; ++n) {
    NodeInfo node;
    node.id = n;
    s.nodes.push_back(node);
  }
  // Request 1 on "a" coordinated by n1 (two writes and their acks), request 2 on "b" by n2 (a read and its reply),
  // and a gossip message from n3 to n1.
  s.newRequests.push_back({1, 0, Operation::kPut, "a", 100'000'000, 200'000'000, ErrorCode::kOk, 0, {}, {}});
  s.newRequests.push_back({2, 1, Operation::kGet, "b", 300'000'000, 400'000'000, ErrorCode::kOk, 0, {}, {}});
  s.newMessages.push_back({1, 0, 1, MessageKind::kWriteRequest, 1, 100, 110'000'000, 120'000'000, false});
  s.newMessages.push_back({2, 0, 2, MessageKind::kWriteRequest, 1, 100, 110'000'000, 130'000'000, false});
  s.newMessages.push_back({3, 1, 0, MessageKind::kWriteAck, 1, 20, 120'000'000, 140'000'000, false});
  s.newMessages.push_back({4, 2, 0, MessageKind::kWriteAck, 1, 20, 130'000'000, 150'000'000, false});
  s.newMessages.push_back({5, 1, 2, MessageKind::kReadRequest, 2, 40, 310'000'000, 320'000'000, false});
  s.newMessages.push_back({6, 2, 1, MessageKind::kReadReply, 2, 60, 320'000'000, 330'000'000, false});
  s.newMessages.push_back({7, 2, 0, MessageKind::kGossip, 0, 300, 500'000'000, 510'000'000, false});
  view.setSnapshot(s);
  view.setWindow(0, 1'000'000'000);
  auto shown = [&](const SpaceTimeFilter& filter) {
    view.setFilter(filter);
    (void)view.grab();
    EXPECT_EQ(view.arrowsDrawn(), view.messagesMatching());
    return view.messagesMatching();
  };
  EXPECT_EQ(shown({}), 7u);
  EXPECT_EQ(shown({"a", SpaceTimeFilter::Family::kAll, std::nullopt}), 4u);
  EXPECT_EQ(shown({"b", SpaceTimeFilter::Family::kAll, std::nullopt}), 2u);
  EXPECT_EQ(shown({"nobody", SpaceTimeFilter::Family::kAll, std::nullopt}), 0u);
  EXPECT_EQ(shown({"", SpaceTimeFilter::Family::kReads, std::nullopt}), 2u);
  EXPECT_EQ(shown({"", SpaceTimeFilter::Family::kWrites, std::nullopt}), 4u);
  EXPECT_EQ(shown({"", SpaceTimeFilter::Family::kGossip, std::nullopt}), 1u);
  EXPECT_EQ(shown({"", SpaceTimeFilter::Family::kAll, NodeId{2}}),
            5u);  // n3: a write and its ack, a read and its reply, gossip
  EXPECT_EQ(shown({"a", SpaceTimeFilter::Family::kWrites, NodeId{2}}), 2u);  // all three together
  EXPECT_EQ(shown({"a", SpaceTimeFilter::Family::kReads, std::nullopt}), 0u);
  // Requests arriving later on the filtered key join it.
  FeedSnapshot later;
  later.nowNs = 1'000'000'000;
  later.nodes = s.nodes;
  later.newRequests.push_back({3, 2, Operation::kGet, "a", 600'000'000, 700'000'000, ErrorCode::kOk, 0, {}, {}});
  later.newMessages.push_back({8, 2, 0, MessageKind::kReadRequest, 3, 40, 610'000'000, 620'000'000, false});
  view.setSnapshot(later);
  EXPECT_EQ(shown({"a", SpaceTimeFilter::Family::kAll, std::nullopt}), 5u);
  EXPECT_EQ(SpaceTimeFilter({"a", SpaceTimeFilter::Family::kReads, NodeId{2}}).describe(),
            "key \"a\" · reads · to or from n3");
  EXPECT_TRUE(SpaceTimeFilter{}.describe().isEmpty());
}

}  // namespace
}  // namespace ringlab
