// The space-time diagram: one lane per node, time running left to right, every message as an arrow from its send
// time on the sender's lane to its arrival (or loss) on the receiver's; client requests as bars on their
// coordinator's lane; faults, changes and narration as marks on the time axis. It follows virtual time until the
// user zooms (wheel) or pans (drag); F or a double-click follows again. Hovering an arrow describes the message;
// clicking a request (or one of its messages) highlights its whole fan-out. With more arrows in view than it can
// draw smoothly it draws an even sample and says so. A filter narrows it to one key's requests, one family of
// messages or one node's messages, so that a class can follow a single request through the crowd. Above kMaxLanes
// nodes it draws a chosen set of lanes (setLanes), by default the replicas of the filter's key (and the filter's
// node), or else the first kMaxLanes nodes, and says so; messages to or from other nodes are not drawn.
//
// Thread-safety: a widget; UI thread only. It keeps copies of snapshot values only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unordered_set>

#include <QWidget>

#include <ringlab/ui/theme.h>
#include <ringlab/ui/time_axis.h>
#include <ringlab/ui/timeline_store.h>

namespace ringlab {

// What the space-time diagram shows. Every part narrows it; together they must all hold.
struct SpaceTimeFilter {
  enum class Family : std::uint8_t {
    kAll,
    kReads,        // read requests, their replies and read repairs; GET bars
    kWrites,       // write requests and their acks; PUT, DELETE and INCREMENT bars
    kHints,        // hinted writes and their replays
    kGossip,       // membership gossip
    kAntiEntropy,  // Merkle exchanges and range streaming
  };
  std::string key;  // the requests on this key and their messages; empty: any key
  Family family = Family::kAll;
  std::optional<NodeId> node;  // messages from or to this node, and the requests it coordinated

  bool active() const { return !key.empty() || family != Family::kAll || node.has_value(); }
  bool matches(const RequestRecord& request) const;
  bool matchesKind(MessageKind kind) const;
  // "key \"user:42\" · reads · n3", empty when inactive.
  QString describe() const;
  friend bool operator==(const SpaceTimeFilter&, const SpaceTimeFilter&) = default;
};
QString spaceTimeFamilyName(SpaceTimeFilter::Family family);  // "Reads", "Anti-entropy and streaming", ...

class SpaceTimeView final : public QWidget {
  Q_OBJECT

 public:
  explicit SpaceTimeView(QWidget* parent = nullptr);

  void setSnapshot(const FeedSnapshot& snapshot);
  void setTheme(const Theme& theme);
  void clear();

  // The visible time window; setting it stops following virtual time.
  void setWindow(std::int64_t startNs, std::int64_t endNs);
  std::int64_t windowStartNs() const { return m_axis.startNs(); }
  std::int64_t windowEndNs() const { return m_axis.endNs(); }
  // Follows virtual time again, keeping the current window width.
  void follow();
  bool following() const { return m_axis.following(); }

  void selectRequest(std::uint64_t requestId);  // 0 clears
  void setFilter(const SpaceTimeFilter& filter);
  const SpaceTimeFilter& filter() const { return m_filter; }
  // Of the last paint: the messages in the window that the filter lets through (all of them without a filter).
  std::size_t messagesMatching() const { return m_matching; }
  // The time cursor shared by the diagrams (-1: none), drawn as a vertical line.
  void setTimeCursor(std::int64_t ns);
  std::int64_t timeCursor() const { return m_cursorNs; }
  std::uint64_t selectedRequest() const { return m_selected; }

  // The nodes drawn as lanes, in order; empty: the default (every node up to kMaxLanes, else see above).
  void setLanes(std::vector<NodeId> nodes);
  const std::vector<NodeId>& lanes() const { return m_laneNodes; }  // the lanes drawn now
  std::size_t nodeCount() const { return m_nodeCount; }
  static constexpr std::size_t kMaxLanes = 24;

  const TimelineStore& store() const { return m_store; }
  // Of the last paint: arrows drawn, and whether they were a sample of more.
  std::size_t arrowsDrawn() const { return m_arrowsDrawn; }
  bool sampled() const { return m_sampled; }
  // Widget x of a virtual time and y of a node's lane (for tests and hit testing).
  double xOf(std::int64_t ns) const;
  double laneY(NodeId node) const;

  QSize sizeHint() const override { return {900, 360}; }

 signals:
  void requestSelected(std::uint64_t requestId);
  // The user clicked at a time (not on a message or request): the other views follow.
  void timeClicked(std::int64_t ns);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  QRectF plot() const;
  std::int64_t timeAt(double x) const { return m_axis.timeAt(x, plot()); }
  const MessageRecord* messageAt(const QPointF& pos) const;
  // Whether the filter lets `m` through; `keyRequests` holds the ids of the requests on the filter's key.
  bool shows(const MessageRecord& m) const;
  void refreshKeyRequests();
  void chooseLanes();  // m_laneNodes and m_laneOf from the user's lanes or the default
  bool onLane(NodeId node) const { return node < m_laneOf.size() && m_laneOf[node] >= 0; }
  const RequestRecord* requestAt(const QPointF& pos) const;
  // Siblings mode: the tooltip lines about the context a request carried and the siblings it showed.
  static QString causalText(const RequestRecord& r);

  Theme m_theme = Theme::make(ThemeKind::kLight, false);
  TimelineStore m_store;
  std::size_t m_nodeCount = 0;
  std::vector<NodeId> m_userLanes;  // setLanes; empty: the default
  std::vector<NodeId> m_laneNodes;  // the lanes drawn, top to bottom
  std::vector<int> m_laneOf;        // by node id: its lane, or -1
  std::shared_ptr<const Ring> m_ring;
  std::size_t m_replicas = 3;
  std::vector<NodeDisplayState> m_states;
  std::int64_t m_nowNs = 0;
  TimeAxis m_axis{60'000'000};  // 60 ms: a few requests' worth at a thousand a second
  std::uint64_t m_selected = 0;
  std::int64_t m_cursorNs = -1;
  std::size_t m_arrowsDrawn = 0;
  bool m_sampled = false;
  SpaceTimeFilter m_filter;
  std::unordered_set<std::uint64_t> m_keyRequests;  // requests on m_filter.key, kept as snapshots arrive
  std::size_t m_matching = 0;
};

}  // namespace ringlab
