// The hash ring: the token circle with every node's ranges in its colour, a legend with each node's state and
// ownership share, and a key lookup that draws the key's token, its coordinator, its N replicas and its fallbacks
// as arcs walking clockwise. When the ring changes, the ranges that moved sweep into their new owner's colour.
//
// Thread-safety: a widget; UI thread only. It keeps copies of snapshot values only.
#pragma once

#include <memory>
#include <optional>

#include <QElapsedTimer>
#include <QPixmap>
#include <QTimer>
#include <QWidget>

#include <ringlab/engine/ring.h>
#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>

namespace ringlab {

class RingView final : public QWidget {
  Q_OBJECT

 public:
  explicit RingView(QWidget* parent = nullptr);

  void setSnapshot(const FeedSnapshot& snapshot);
  void setTheme(const Theme& theme);
  // Shows where `key` lives (empty: no lookup). The result is also returned by lookup().
  void setLookupKey(const QString& key);
  // Whether ring changes sweep in over a second (on by default; off for screenshots).
  void setAnimated(bool animated) { m_animated = animated; }
  // What the view says while it has no ring (empty: the default, "No ring yet: open a scenario.").
  void setEmptyText(const QString& text) {
    m_emptyText = text;
    update();
  }

  struct Lookup {
    QString key;
    Token token = 0;
    std::vector<NodeId> replicas;  // the first is the coordinator a smart client would pick
    std::vector<Token> replicaTokens;
    std::vector<NodeId> fallbacks;
    std::vector<Token> fallbackTokens;
  };
  const std::optional<Lookup>& lookup() const { return m_lookup; }

  // Geometry, for hit testing and tests: centre and outer radius of the ring band in widget coordinates.
  QPointF ringCenter() const;
  double ringOuterRadius() const;
  double ringInnerRadius() const;
  // The angle (degrees clockwise from 12 o'clock) of a token.
  static double angleOf(Token token);

  QSize sizeHint() const override { return {640, 480}; }
  QSize minimumSizeHint() const override { return {320, 240}; }

 signals:
  void nodeContextMenuRequested(ringlab::NodeId node, const QPoint& globalPos);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  void computeLookup();
  void renderBand();
  void paintLegend(QPainter& p);
  void paintLookup(QPainter& p);
  struct LegendLayout {
    QRectF area;  // the legend
    QRectF ring;  // the rest, where the ring is drawn
    int columns = 1;  // 0: no legend, the ring has the whole view
    int rowsPerColumn = 1;
    double rowH = 20;
  };
  LegendLayout legendLayout() const;
  std::optional<NodeId> nodeAtLegend(const QPointF& pos) const;
  std::optional<NodeId> ownerAt(const QPointF& pos) const;

  Theme m_theme = Theme::make(ThemeKind::kLight, false);
  std::shared_ptr<const Ring> m_ring;
  std::shared_ptr<const Ring> m_previousRing;  // during the change animation
  std::uint64_t m_ringVersion = 0;
  std::vector<NodeInfo> m_nodes;
  std::size_t m_replicas = 3;
  QString m_lookupKey;
  QString m_emptyText;
  std::optional<Lookup> m_lookup;
  QPixmap m_band;  // the ring band, re-rendered when the ring, the node states or the size change
  bool m_bandDirty = true;
  std::vector<NodeDisplayState> m_bandStates;
  QElapsedTimer m_animation;
  std::vector<RangeTransfer> m_moving;  // primary ranges that changed owner in the last ring change
  QTimer m_animationTimer;
  bool m_animated = true;
};

}  // namespace ringlab
