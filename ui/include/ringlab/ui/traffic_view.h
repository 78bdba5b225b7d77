// Replication traffic: node markers on a circle with their state, messages in flight as dots moving from sender to
// receiver (coloured by traffic class), dropped messages flashing where they died, cut links drawn as red dashed
// lines, and a legend. Above kMaxDots messages it draws a sample and says so. Above kGroupAbove nodes, markers
// would overlap: consecutive nodes share one marker (an arc of the circle, "n1-n42"), messages travel between
// groups, and the view says so.
//
// Thread-safety: a widget; UI thread only. It keeps copies of snapshot values only.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include <QElapsedTimer>
#include <QPixmap>
#include <QTimer>
#include <QWidget>

#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>

namespace ringlab {

class TrafficView final : public QWidget {
  Q_OBJECT

 public:
  explicit TrafficView(QWidget* parent = nullptr);

  void setSnapshot(const FeedSnapshot& snapshot);
  void setTheme(const Theme& theme);
  // What the view says while it has no nodes (empty: the default, "No cluster yet: open a scenario.").
  void setEmptyText(const QString& text) {
    m_emptyText = text;
    update();
  }

  // Where node `id` is drawn (its marker's centre), for hit testing and tests. nullopt for a node not drawn.
  std::optional<QPointF> nodePosition(NodeId id) const;
  double markerRadius() const;
  // The caption beside node `id` at the view's size: "up · CPU 62 % · 18 hints" where there is room, shorter lines
  // where there is less, empty where even those would overlap the neighbouring markers.
  QString captionFor(NodeId id) const;
  // False when the view is too short for both the legend and a readable circle of nodes (a 720p projector).
  bool legendShown() const;
  // Markers that stand for several nodes each (0: one marker per node), and the nodes each holds at most.
  std::size_t groupCount() const { return m_groups.size(); }
  std::size_t nodesPerGroup() const { return m_perGroup; }
  static constexpr std::size_t kGroupAbove = 48;  // more nodes than this are drawn in groups
  static constexpr std::size_t kGroups = 12;
  // Dots drawn in the last paint (a sample when there were too many).
  std::size_t dotsDrawn() const { return m_dotsDrawn; }
  // Drop markers drawn in the last paint.
  std::size_t dropsDrawn() const { return m_dropsDrawn; }
  // Animated (the default): a drop marker fades over 700 ms of real time, and no later than over 700 ms of virtual
  // time times the speed. Not animated (screenshots): it fades over virtual time alone, so a picture at t shows
  // what the live view shows at t, whatever the run did before to get there.
  void setAnimated(bool animated) {
    m_animated = animated;
    update();
  }

  QSize sizeHint() const override { return {640, 480}; }
  QSize minimumSizeHint() const override { return {320, 240}; }

 signals:
  void nodeContextMenuRequested(ringlab::NodeId node, const QPoint& globalPos);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  QString m_emptyText;
  struct Flash {
    DropFlash drop;
    qint64 shownAtMs = 0;
  };
  std::optional<NodeId> nodeAt(const QPointF& pos) const;
  QPointF along(NodeId from, NodeId to, double t) const;  // position on the (slightly bent) path from -> to
  QRectF plotArea() const;
  void relayout() const;
  QString captionOf(const NodeInfo& node) const;  // "up · 12 hints"
  struct LegendItem {
    QString text;
    QColor color;
    enum Mark { kDot, kRing, kDash } mark = kDot;
  };
  std::vector<LegendItem> legendItems() const;
  // Consecutive nodes drawn as one marker (see kGroupAbove).
  struct Group {
    NodeId first = 0;  // id of its first node; its marker's position is every member's
    NodeId last = 0;
    std::size_t nodes = 0;
    std::size_t down = 0;  // not running, or unreachable
    std::size_t suspect = 0;
    std::size_t hints = 0;
    std::size_t running = 0;
    double cpu = 0;  // mean utilization of its running nodes
  };
  void buildGroups();
  QString groupCaption(const Group& group) const;  // "n1-n42\n1 down"
  QString groupSummary() const;                    // "1,000 nodes shown as 12 groups of up to 84"
  // The markers drawn: one node each, or a group's first node standing for the group.
  std::vector<NodeId> markerIds() const;
  QString markerCaption(NodeId id) const;
  std::optional<std::size_t> groupAt(const QPointF& pos) const;
  double legendHeight() const;

  Theme m_theme = Theme::make(ThemeKind::kLight, false);
  FeedSnapshot m_snapshot;
  std::vector<NodeId> m_drawn;  // nodes on the circle, in order
  std::vector<Group> m_groups;  // empty: one marker per node
  std::vector<std::size_t> m_groupOf;  // by node id, while grouped
  std::size_t m_perGroup = 0;
  std::vector<Flash> m_flashes;
  QElapsedTimer m_clock;
  QTimer m_flashTimer;
  std::size_t m_dotsDrawn = 0;
  std::size_t m_dropsDrawn = 0;
  bool m_animated = true;
  // How faded a drop marker is now: 0 just dropped, 1 and more gone.
  double flashAge(const Flash& flash, qint64 wallNowMs) const;
  // Layout cache (see relayout()); an invalid size means stale.
  mutable QSize m_layoutSize;
  mutable QRectF m_plot;
  mutable double m_markerRadius = 10;
  // 1: one line; 2: state above load and hints; 3: each on its own line; kCompactCaption: as 3 without "up";
  // kNoCaption: none (where even the compact form would overlap the neighbouring markers).
  static constexpr int kCompactCaption = 4;
  static constexpr int kNoCaption = 5;
  mutable int m_captionLines = 1;
  mutable bool m_showLegend = true;  // false on a view too small for both the legend and a readable circle
  mutable std::vector<std::optional<QPointF>> m_positions;  // by node id
  std::array<QPixmap, kTrafficClassCount> m_sprites;        // one dot per traffic class
  double m_spriteRadius = 0;
  qreal m_spriteDpr = 0;
};

}  // namespace ringlab
