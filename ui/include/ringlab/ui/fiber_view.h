// Fiber scheduling on one node: each fiber (coordinator, replica, gossip, failure detector, hint replay, read
// repair, anti-entropy, clients) as a lane of slices coloured by role — running solid, ready (waiting for a core)
// light, blocked (waiting for a message, a timer or a lock) as a thin line — with short-lived fibers of a role
// packed into shared lanes, and the node's run-queue length (fibers ready but not running) over time below.
// Clicking a slice shows that fiber's lifetime and waits. Time follows the run until zoomed (wheel) or panned
// (drag); F or a double-click follows again.
//
// Thread-safety: a widget; UI thread only. It keeps copies of snapshot values only.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include <QWidget>

#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>
#include <ringlab/ui/time_axis.h>

QT_BEGIN_NAMESPACE
class QComboBox;
QT_END_NAMESPACE

namespace ringlab {

QColor fiberRoleColor(FiberRole role);

class FiberView final : public QWidget {
  Q_OBJECT

 public:
  explicit FiberView(QWidget* parent = nullptr);

  void setSnapshot(const FeedSnapshot& snapshot);
  void setTheme(const Theme& theme);
  void clear();
  void setNode(NodeId node);
  NodeId node() const { return m_node; }
  void setWindow(std::int64_t startNs, std::int64_t endNs);
  void follow();

  // What a fiber did, from the recorded slices.
  struct FiberSummary {
    FiberRecord fiber;
    std::int64_t runningNs = 0;
    std::int64_t readyNs = 0;
    std::int64_t blockedNs = 0;
    std::size_t waits = 0;  // blocked periods
    std::int64_t longestWaitNs = 0;
    // Blocked periods by what they waited for.
    struct WaitTotals {
      std::size_t count = 0;
      std::int64_t totalNs = 0;
      std::int64_t longestNs = 0;
      WaitFor longest;  // the longest wait of this kind, with its peer or request
    };
    std::array<WaitTotals, kWaitKindCount> byKind{};
  };
  std::optional<FiberSummary> summarize(std::uint64_t fiberId) const;
  // The text of the selected-fiber box: its lifetime, time running / ready / blocked, and what it waited for.
  QString summaryText(std::uint64_t fiberId) const;
  void selectFiber(std::uint64_t fiberId);  // 0 clears
  // The time cursor shared by the diagrams (-1: none), drawn as a vertical line.
  void setTimeCursor(std::int64_t ns);
  std::int64_t timeCursor() const { return m_cursorNs; }
  std::uint64_t selectedFiber() const { return m_selected; }

  // Of the last paint: slices drawn and the largest run-queue length in view.
  std::size_t slicesDrawn() const { return m_slicesDrawn; }
  // What the view says instead of slices (no run yet, nothing in this window, the node is not running), as last
  // painted; empty while it draws slices.
  const QString& emptyMessage() const { return m_emptyMessage; }
  std::size_t maxRunQueue() const { return m_maxRunQueue; }
  std::size_t fibersKnown() const { return m_fibers.size(); }
  // Where the role labels went (a label that did not fit beside its lanes is left out) and the lanes' area.
  const std::vector<QRectF>& labelBoxes() const { return m_labelBoxes; }
  QRectF lanesRect() const { return lanesArea(); }

  QSize sizeHint() const override { return {900, 360}; }

 signals:
  // The user clicked at a time: the other views follow.
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
  double queueHeight() const;
  std::vector<QRectF> m_labelBoxes;
  QRectF lanesArea() const;
  QRectF queueArea() const;
  void layoutLanes();  // assigns visible fibers of the node to lanes
  std::optional<std::uint64_t> fiberAt(const QPointF& pos) const;
  // The slice of the node under `pos` (the one nearest in time on that lane), if any.
  const FiberSliceRecord* sliceAt(const QPointF& pos) const;
  // "replies to request 42 (get "user:17")": a wait, with the request's operation and key when it is known.
  QString waitText(const WaitFor& wait) const;
  // One line per kind of wait of a summary, each starting with a newline.
  QString waitBreakdown(const FiberSummary& summary) const;

  Theme m_theme = Theme::make(ThemeKind::kLight, false);
  QComboBox* m_nodeBox = nullptr;
  NodeId m_node = 0;
  std::size_t m_nodeCount = 0;
  std::vector<bool> m_running;  // by node id, from the latest snapshot
  QString m_emptyMessage;
  std::unordered_map<std::uint64_t, FiberRecord> m_fibers;
  std::unordered_map<std::uint64_t, RequestRecord> m_requests;  // recent requests, to name what a fiber waited for
  std::deque<FiberSliceRecord> m_slices;
  std::int64_t m_nowNs = 0;
  TimeAxis m_axis{20'000'000};  // 20 ms
  std::uint64_t m_selected = 0;
  std::int64_t m_cursorNs = -1;
  // Layout of the last paint.
  struct Lane {
    FiberRole role{};
    QString label;
  };
  std::vector<Lane> m_lanes;
  std::unordered_map<std::uint64_t, std::size_t> m_laneOf;
  std::size_t m_hiddenFibers = 0;
  std::size_t m_slicesDrawn = 0;
  std::size_t m_maxRunQueue = 0;
};

}  // namespace ringlab
