#include <ringlab/ui/ring_view.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include <QContextMenuEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <ringlab/engine/hash.h>
#include <ringlab/ui/models.h>

namespace ringlab {

namespace {

constexpr int kAnimationMs = 900;
constexpr std::size_t kFallbacksShown = 2;

// The annulus sector between two angles (degrees clockwise from 12 o'clock), added to `path`.
void addSector(QPainterPath& path, const QPointF& c, double inner, double outer, double from, double to) {
  const QRectF outerRect(c.x() - outer, c.y() - outer, 2 * outer, 2 * outer);
  const QRectF innerRect(c.x() - inner, c.y() - inner, 2 * inner, 2 * inner);
  const double start = 90.0 - from;  // Qt: counter-clockwise from 3 o'clock
  const double span = -(to - from);
  path.arcMoveTo(outerRect, start);
  path.arcTo(outerRect, start, span);
  path.arcTo(innerRect, start + span, -span);
  path.closeSubpath();
}

QPointF pointAt(const QPointF& c, double radius, double angleDeg) {
  const double rad = (angleDeg - 90.0) * std::numbers::pi / 180.0;
  return {c.x() + radius * std::cos(rad), c.y() + radius * std::sin(rad)};
}

QString tokenText(Token t) { return QStringLiteral("0x%1").arg(t, 16, 16, QLatin1Char('0')); }

}  // namespace

RingView::RingView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
  m_animationTimer.setInterval(16);
  connect(&m_animationTimer, &QTimer::timeout, this, [this] {
    if (!m_animation.isValid() || m_animation.elapsed() > kAnimationMs) {
      m_animationTimer.stop();
      m_previousRing.reset();
      m_moving.clear();
    }
    update();
  });
}

double RingView::angleOf(Token token) { return static_cast<double>(token) / 18446744073709551616.0 * 360.0; }

void RingView::setTheme(const Theme& theme) {
  m_theme = theme;
  m_bandDirty = true;
  update();
}

void RingView::setSnapshot(const FeedSnapshot& snapshot) {
  m_nodes = snapshot.nodes;
  if (m_replicas != snapshot.quorum.n) {
    m_replicas = snapshot.quorum.n;
    computeLookup();
  }
  if (snapshot.ring && snapshot.ringVersion != m_ringVersion) {
    const bool animate = m_animated && m_ring && !m_ring->empty() && isVisible();
    if (animate) {
      m_previousRing = m_ring;
      m_moving = Ring::diff(*m_ring, *snapshot.ring, 1);
      m_animation.start();
      m_animationTimer.start();
    }
    m_ring = snapshot.ring;
    m_ringVersion = snapshot.ringVersion;
    m_bandDirty = true;
    computeLookup();
  }
  std::vector<NodeDisplayState> states;
  states.reserve(m_nodes.size());
  for (const NodeInfo& n : m_nodes) states.push_back(n.state);
  if (states != m_bandStates) {
    m_bandStates = std::move(states);
    m_bandDirty = true;
  }
  update();
}

void RingView::setLookupKey(const QString& key) {
  m_lookupKey = key;
  computeLookup();
  update();
}

void RingView::computeLookup() {
  m_lookup.reset();
  if (m_lookupKey.isEmpty() || !m_ring || m_ring->empty()) return;
  Lookup l;
  l.key = m_lookupKey;
  const QByteArray bytes = m_lookupKey.toUtf8();
  l.token = tokenForKey(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
  const PreferenceList pref = m_ring->preferenceList(l.token, m_replicas, kFallbacksShown);
  l.replicas.assign(pref.replicas.begin(), pref.replicas.end());
  l.fallbacks.assign(pref.fallbacks.begin(), pref.fallbacks.end());
  // The ring entry that makes each node a replica or fallback: the first of its entries walking clockwise.
  const auto& entries = m_ring->entries();
  const std::size_t start = m_ring->ownerIndex(l.token);
  auto tokenOfFirst = [&](NodeId node) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const RingEntry& e = entries[(start + i) % entries.size()];
      if (e.node == node) return e.token;
    }
    return l.token;
  };
  for (NodeId n : l.replicas) l.replicaTokens.push_back(tokenOfFirst(n));
  for (NodeId n : l.fallbacks) l.fallbackTokens.push_back(tokenOfFirst(n));
  m_lookup = std::move(l);
}

RingView::LegendLayout RingView::legendLayout() const {
  LegendLayout l;
  const double s = m_theme.scale();
  QFont f = font();
  const QFontMetricsF fm(f);
  l.rowH = std::max(fm.height() + 8, 22.0 * s);
  std::size_t shown = 0;
  for (const NodeInfo& n : m_nodes) shown += n.state != NodeDisplayState::kLeft ? 1 : 0;
  shown = std::max<std::size_t>(shown, 1);
  const double columnWidth =
      QFontMetricsF(f).horizontalAdvance(QStringLiteral("n00 suspect 100.0 % CPU 100 %")) + 110.0 * s;
  // The legend goes where it leaves the ring the larger circle: beside it (one column) or under it (as many columns as
  // fit, at most 40 % of the height). A wide window, or a projector's wide short strip, puts it beside.
  const int belowColumns = std::clamp(static_cast<int>((width() - 16) / columnWidth), 1, static_cast<int>(shown));
  const double belowRows = static_cast<double>((shown + static_cast<std::size_t>(belowColumns) - 1) /
                                               static_cast<std::size_t>(belowColumns));
  const double belowHeight = std::min((belowRows + 1) * l.rowH, height() * 0.4);
  const double ringIfBelow = std::min<double>(width(), height() - belowHeight - 4);
  const double ringIfBeside = std::min<double>(width() - columnWidth - 12, height());
  const bool beside = width() >= height() * 1.15 && ringIfBeside >= ringIfBelow;
  // On a small screen (a 720p projector, a crowded window) a legend would shrink the ring to a dot: the ring gets the
  // whole view, and the Nodes panel and the traffic view carry the states and CPU loads instead.
  if (std::max(ringIfBelow, ringIfBeside) - 68.0 * s < 140.0 * s) {
    l.columns = 0;
    l.area = QRectF();
    l.ring = QRectF(0, 0, width(), height());
    return l;
  }
  if (beside) {  // legend beside the ring
    const double w = columnWidth;
    l.area = QRectF(width() - w - 8, 8, w, height() - 16);
    l.columns = 1;
    l.ring = QRectF(0, 0, l.area.left() - 4, height());
  } else {  // legend under the ring, in as many columns as fit
    l.columns = belowColumns;
    l.area = QRectF(8, height() - belowHeight - 4, width() - 16, belowHeight);
    l.ring = QRectF(0, 0, width(), l.area.top());
  }
  l.rowsPerColumn = std::max(1, static_cast<int>((l.area.height() - l.rowH) / l.rowH));
  return l;
}

QPointF RingView::ringCenter() const { return legendLayout().ring.center(); }

double RingView::ringOuterRadius() const {
  const QRectF r = legendLayout().ring;
  return std::max(20.0, std::min(r.width(), r.height()) / 2.0 - 34.0 * m_theme.scale());
}

double RingView::ringInnerRadius() const { return ringOuterRadius() * 0.80; }

void RingView::resizeEvent(QResizeEvent*) { m_bandDirty = true; }

// The band is drawn pixel by pixel: each pixel of the annulus takes the colour of the node owning the token at its
// angle, through a table of angular bins. That costs the same for 80 or 80,000 ring entries, and a range narrower
// than a pixel takes exactly the pixels it owns. The edges are smoothed by antialiased circles afterwards.
void RingView::renderBand() {
  const qreal dpr = devicePixelRatioF();
  QImage image(size() * dpr, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  m_bandDirty = false;
  if (!m_ring || m_ring->empty()) {
    m_band = QPixmap::fromImage(image);
    m_band.setDevicePixelRatio(dpr);
    return;
  }
  const QPointF c = ringCenter() * dpr;
  const double outer = ringOuterRadius() * dpr;
  const double inner = ringInnerRadius() * dpr;

  // Colour of every node (dimmed and striped when down or gone).
  const auto members = m_ring->nodes();
  const NodeId maxNode = members.empty() ? 0 : *std::max_element(members.begin(), members.end());
  std::vector<QRgb> plain(maxNode + 1);
  std::vector<QRgb> stripe(maxNode + 1);
  const QColor red = nodeStateColor(NodeDisplayState::kDown, m_theme);
  for (NodeId n = 0; n <= maxNode; ++n) {
    QColor color = nodeColor(n);
    const bool down = n < m_nodes.size() &&
                      (m_nodes[n].state == NodeDisplayState::kDown || m_nodes[n].state == NodeDisplayState::kLeft ||
                       m_nodes[n].state == NodeDisplayState::kUnreachable);
    if (down) {
      QColor faded = color;
      faded.setAlpha(60);
      plain[n] = qPremultiply(faded.rgba());
      QColor line = red;
      line.setAlpha(150);
      stripe[n] = qPremultiply(line.rgba());
    } else {
      plain[n] = stripe[n] = color.rgba();
    }
  }

  // Owner of the middle of each angular bin; enough bins that a bin is well under a pixel of the circumference.
  const auto bins = static_cast<std::size_t>(std::clamp(2.0 * std::numbers::pi * outer * 4.0, 1024.0, 65536.0));
  std::vector<NodeId> owner(bins);
  const auto& entries = m_ring->entries();
  for (std::size_t b = 0; b < bins; ++b) {
    const auto token =
        static_cast<Token>((static_cast<double>(b) + 0.5) / static_cast<double>(bins) * 18446744073709551615.0);
    owner[b] = entries[m_ring->ownerIndex(token)].node;
  }

  const double inner2 = inner * inner;
  const double outer2 = outer * outer;
  const int y0 = std::max(0, static_cast<int>(c.y() - outer) - 1);
  const int y1 = std::min(image.height() - 1, static_cast<int>(c.y() + outer) + 1);
  const double binsPerRadian = static_cast<double>(bins) / (2.0 * std::numbers::pi);
  for (int y = y0; y <= y1; ++y) {
    auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
    const double dy = y + 0.5 - c.y();
    const double dy2 = dy * dy;
    if (dy2 > outer2) continue;
    const double halfOuter = std::sqrt(outer2 - dy2);
    const int x0 = std::max(0, static_cast<int>(c.x() - halfOuter));
    const int x1 = std::min(image.width() - 1, static_cast<int>(c.x() + halfOuter) + 1);
    for (int x = x0; x <= x1; ++x) {
      const double dx = x + 0.5 - c.x();
      const double r2 = dx * dx + dy2;
      if (r2 < inner2 || r2 > outer2) continue;
      double angle = std::atan2(dx, -dy);  // clockwise from 12 o'clock
      if (angle < 0) angle += 2.0 * std::numbers::pi;
      const auto bin = std::min(bins - 1, static_cast<std::size_t>(angle * binsPerRadian));
      const NodeId n = owner[bin];
      line[x] = ((x + y) % 9) < 2 ? stripe[n] : plain[n];
    }
  }

  // Smooth the jagged inner and outer edges.
  QPainter p(&image);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(m_theme.surface, 1.6));
  p.setBrush(Qt::NoBrush);
  p.drawEllipse(c, outer + 0.6, outer + 0.6);
  p.drawEllipse(c, inner - 0.6, inner - 0.6);
  p.end();
  m_band = QPixmap::fromImage(std::move(image));
  m_band.setDevicePixelRatio(dpr);
}

void RingView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), m_theme.surface);
  p.setRenderHint(QPainter::Antialiasing);
  QFont font = this->font();
  p.setFont(font);

  if (!m_ring || m_ring->empty()) {
    p.setPen(m_theme.mutedText);
    p.drawText(rect(), Qt::AlignCenter, m_emptyText.isEmpty() ? tr("No ring yet: open a scenario.") : m_emptyText);
    return;
  }
  if (m_bandDirty || m_band.size() != size() * devicePixelRatioF()) renderBand();
  p.drawPixmap(0, 0, m_band);

  const QPointF c = ringCenter();
  const double outer = ringOuterRadius();
  const double inner = ringInnerRadius();

  // Ranges moving to a new owner sweep in their new colour.
  if (!m_moving.empty() && m_animation.isValid()) {
    const double progress = std::clamp(m_animation.elapsed() / static_cast<double>(kAnimationMs), 0.0, 1.0);
    for (const RangeTransfer& t : m_moving) {
      double from = angleOf(t.range.start);
      double to = angleOf(t.range.end);
      if (to < from) to += 360.0;
      QPainterPath path;
      addSector(path, c, inner - 4, outer + 4, from, from + (to - from) * progress);
      QColor color = nodeColor(t.to);
      color.setAlpha(static_cast<int>(255 * (1.0 - 0.5 * progress)));
      p.fillPath(path, color);
    }
  }

  // Quarter ticks of the token space.
  p.setPen(QPen(m_theme.mutedText, 1));
  QFont small = font;
  small.setPointSizeF(font.pointSizeF() * 0.85);
  p.setFont(small);
  const QStringList quarterLabels = {QStringLiteral("0"), QStringLiteral("2⁶²"), QStringLiteral("2⁶³"),
                                     QStringLiteral("3·2⁶²")};
  for (int q = 0; q < 4; ++q) {
    const double a = q * 90.0;
    p.drawLine(pointAt(c, outer + 3, a), pointAt(c, outer + 10, a));
    const QPointF at = pointAt(c, outer + 22 * m_theme.scale(), a);
    p.drawText(QRectF(at.x() - 40, at.y() - 10 * m_theme.scale(), 80, 20 * m_theme.scale()), Qt::AlignCenter,
               quarterLabels[q]);
  }

  // Centre text: what this ring is.
  p.setFont(font);
  p.setPen(m_theme.text);
  const RingConfig& config = m_ring->config();
  const QString strategy = config.strategy == PlacementStrategy::kVnodes
                               ? (config.vnodesPerNode == 1 ? tr("1 virtual node per node")
                                                            : tr("%1 virtual nodes per node").arg(config.vnodesPerNode))
                               : tr("%1 partitions").arg(config.partitions);
  const std::size_t members = m_ring->nodes().size();
  const QRectF centre(c.x() - inner * 0.75, c.y() - inner * 0.45, inner * 1.5, inner * 0.9);
  if (!m_lookup) {
    const QString text = tr("%1 nodes · N = %2\n%3\n%4 ring entries")
                             .arg(members)
                             .arg(m_replicas)
                             .arg(strategy)
                             .arg(m_ring->entries().size());
    QFont fit = font;
    for (int i = 0; i < 8; ++i) {  // shrink until it fits inside the ring
      const QRectF need = QFontMetricsF(fit).boundingRect(centre, Qt::AlignCenter | Qt::TextWordWrap, text);
      if (need.width() <= centre.width() && need.height() <= centre.height()) break;
      fit.setPointSizeF(fit.pointSizeF() * 0.85);
    }
    p.setFont(fit);
    p.drawText(centre, Qt::AlignCenter | Qt::TextWordWrap, text);
    p.setFont(font);
  }

  paintLookup(p);
  p.setFont(font);
  paintLegend(p);
}

void RingView::paintLookup(QPainter& p) {
  if (!m_lookup) return;
  const Lookup& l = *m_lookup;
  const QPointF c = ringCenter();
  const double outer = ringOuterRadius();
  const double inner = ringInnerRadius();
  const double s = m_theme.scale();
  const double keyAngle = angleOf(l.token);

  // The key's token: a needle across the band.
  p.setPen(QPen(m_theme.text, 2.5 * s));
  p.drawLine(pointAt(c, inner - 6, keyAngle), pointAt(c, outer + 12 * s, keyAngle));
  p.setBrush(m_theme.text);
  p.drawEllipse(pointAt(c, outer + 12 * s, keyAngle), 4 * s, 4 * s);

  std::vector<QRectF> labelsDrawn;
  auto drawWalk = [&](std::size_t index, NodeId node, Token target, bool fallback, const QString& label) {
    const double radius = inner - (14.0 + 13.0 * static_cast<double>(index)) * s;
    if (radius < 10) return;
    double to = angleOf(target);
    if (to < keyAngle) to += 360.0;
    QPen pen(nodeColor(node), 3 * s);
    pen.setCapStyle(Qt::RoundCap);
    if (fallback) pen.setStyle(Qt::DashLine);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    const QRectF r(c.x() - radius, c.y() - radius, 2 * radius, 2 * radius);
    QPainterPath path;
    path.arcMoveTo(r, 90.0 - keyAngle);
    path.arcTo(r, 90.0 - keyAngle, -(to - keyAngle));
    p.drawPath(path);
    const QPointF end = pointAt(c, radius, to);
    p.setBrush(nodeColor(node));
    p.setPen(QPen(m_theme.surface, 1.5));
    p.drawEllipse(end, 5 * s, 5 * s);
    // The entry that claims the key, marked on the band.
    p.setPen(QPen(nodeColor(node).darker(130), 2 * s));
    p.drawLine(pointAt(c, inner, to), pointAt(c, outer, to));
    // The node's name beside the end of its walk, towards the centre.
    const QPointF labelAt = pointAt(c, radius - 14 * s, to);
    p.setPen(m_theme.text);
    const QFontMetricsF lfm(p.font());
    const double lw = lfm.horizontalAdvance(label) + 4;
    const QRectF labelBox(labelAt.x() - lw / 2, labelAt.y() - lfm.height() / 2, lw, lfm.height());
    // Walks that end close together would stack their names into one smudge: the caption names them all anyway.
    if (std::any_of(labelsDrawn.begin(), labelsDrawn.end(), [&](const QRectF& r) { return r.intersects(labelBox); }))
      return;
    labelsDrawn.push_back(labelBox);
    p.drawText(labelBox, Qt::AlignCenter, label);
  };
  for (std::size_t i = 0; i < l.replicas.size(); ++i)
    drawWalk(i, l.replicas[i], l.replicaTokens[i], false, QString::fromStdString(nodeName(l.replicas[i])));
  for (std::size_t i = 0; i < l.fallbacks.size(); ++i)
    drawWalk(l.replicas.size() + i, l.fallbacks[i], l.fallbackTokens[i], true,
             QString::fromStdString(nodeName(l.fallbacks[i])));

  // The lookup's caption, in the middle of the ring.
  QStringList lines;
  lines << tr("key \"%1\"").arg(l.key) << tokenText(l.token);
  QStringList replicaNames;
  for (NodeId n : l.replicas) replicaNames << QString::fromStdString(nodeName(n));
  lines << tr("coordinator %1").arg(replicaNames.isEmpty() ? tr("none") : replicaNames.first());
  lines << tr("replicas %1").arg(replicaNames.join(QStringLiteral(", ")));
  QStringList fallbackNames;
  for (NodeId n : l.fallbacks) fallbackNames << QString::fromStdString(nodeName(n));
  lines << tr("fallbacks %1").arg(fallbackNames.isEmpty() ? tr("none") : fallbackNames.join(QStringLiteral(", ")));
  // Under the legend when it stands beside the ring and has room there: full size, clear of the walks.
  {
    const LegendLayout legend = legendLayout();
    std::size_t rows = 1;
    for (const NodeInfo& n : m_nodes) rows += n.state != NodeDisplayState::kLeft ? 1 : 0;
    const QFontMetricsF fm(p.font());
    const double top = legend.area.top() + legend.rowH * (static_cast<double>(rows) + 0.5);
    const QRectF below(legend.area.left(), top, legend.area.width(), legend.area.bottom() - top);
    double widest = 0;
    for (const QString& line : lines) widest = std::max(widest, fm.horizontalAdvance(line));
    if (legend.columns == 1 && legend.area.left() > width() / 3.0 &&
        rows <= static_cast<std::size_t>(legend.rowsPerColumn) + 1 &&
        below.height() >= fm.height() * static_cast<double>(lines.size()) && below.width() >= widest) {
      p.setPen(m_theme.text);
      p.drawText(below, Qt::AlignLeft | Qt::AlignTop, lines.join(QLatin1Char('\n')));
      return;
    }
  }
  const double box =
      ringInnerRadius() - (14.0 + 13.0 * static_cast<double>(l.replicas.size() + l.fallbacks.size())) * s;
  const QRectF caption(c.x() - box * 0.72, c.y() - box * 0.6, box * 1.44, box * 1.2);
  // Shrunk to fit inside the walks, in height and in width, so that no line is cut.
  QFont f = p.font();
  const QFontMetricsF fm(f);
  double widest = 1;
  for (const QString& line : lines) widest = std::max(widest, fm.horizontalAdvance(line));
  const double fit =
      std::min(caption.height() / (fm.height() * static_cast<double>(lines.size())), caption.width() / widest);
  constexpr double kSmallestReadable = 0.85;  // of the view's font: below this a projector shows a smudge
  if (fit >= kSmallestReadable) {
    if (fit < 1) {
      f.setPointSizeF(f.pointSizeF() * fit);
      p.setFont(f);
    }
    p.setPen(m_theme.text);
    p.drawText(caption, Qt::AlignCenter, lines.join(QLatin1Char('\n')));
    return;
  }
  // The walks leave too little room inside the ring: a panel in the view's top-left corner, in readable type, drawn
  // over the corner the ring leaves free (its background keeps the ring's rim legible where the two meet).
  f.setPointSizeF(f.pointSizeF() * kSmallestReadable);
  p.setFont(f);
  const QFontMetricsF small(f);
  double panelW = 0;
  for (const QString& line : lines) panelW = std::max(panelW, small.horizontalAdvance(line));
  const double pad = 4 * s;
  const QRectF panel(pad, pad, panelW + 2 * pad, small.height() * static_cast<double>(lines.size()) + 2 * pad);
  QColor back = m_theme.surface;
  back.setAlpha(225);
  p.setPen(QPen(m_theme.grid, 1));
  p.setBrush(back);
  p.drawRoundedRect(panel, 4 * s, 4 * s);
  p.setBrush(Qt::NoBrush);
  p.setPen(m_theme.text);
  p.drawText(panel.adjusted(pad, pad, -pad, -pad), Qt::AlignLeft | Qt::AlignTop, lines.join(QLatin1Char('\n')));
}

void RingView::paintLegend(QPainter& p) {
  const LegendLayout layout = legendLayout();
  if (layout.columns == 0) return;  // no room for it
  const QRectF area = layout.area;
  const double s = m_theme.scale();
  const double rowH = layout.rowH;
  const QFontMetricsF fm(p.font());
  const double columnW = area.width() / layout.columns;
  QFont bold = p.font();
  bold.setBold(true);
  const QFont normal = p.font();
  p.setFont(bold);
  p.setPen(m_theme.text);
  p.drawText(QRectF(area.left(), area.top(), area.width(), rowH), Qt::AlignLeft | Qt::AlignVCenter,
             tr("Nodes · share of the ring they own · CPU load"));
  p.setFont(normal);
  double maxShare = 0;
  for (const NodeInfo& n : m_nodes) maxShare = std::max(maxShare, n.primaryShare);
  if (maxShare <= 0) maxShare = 1;
  const std::size_t capacity = static_cast<std::size_t>(layout.rowsPerColumn * layout.columns);
  std::size_t shown = 0;
  std::size_t total = 0;
  for (const NodeInfo& n : m_nodes) total += n.state != NodeDisplayState::kLeft ? 1 : 0;
  // The widest state shown, for aligned bars: each state measured once, however many nodes there are.
  double stateW = fm.horizontalAdvance(QStringLiteral("suspect"));
  {
    std::array<bool, kNodeDisplayStateCount> seen{};
    for (const NodeInfo& other : m_nodes) {
      const auto index = static_cast<std::size_t>(other.state);
      if (index >= seen.size() || seen[index]) continue;
      seen[index] = true;
      stateW = std::max<double>(stateW, fm.horizontalAdvance(nodeDisplayStateName(other.state)));
    }
  }
  stateW += 14;
  for (const NodeInfo& n : m_nodes) {
    if (n.state == NodeDisplayState::kLeft) continue;
    if (shown + 1 == capacity && total > capacity) {
      p.setPen(m_theme.mutedText);
      const double x = area.left() + columnW * (layout.columns - 1);
      p.drawText(QRectF(x, area.top() + rowH * layout.rowsPerColumn, columnW, rowH), Qt::AlignVCenter,
                 tr("… and %1 more (see the Nodes panel)").arg(total - shown));
      break;
    }
    const auto column = static_cast<double>(shown / static_cast<std::size_t>(layout.rowsPerColumn));
    const auto row = static_cast<double>(shown % static_cast<std::size_t>(layout.rowsPerColumn));
    const double x0 = area.left() + column * columnW;
    const double x1 = x0 + columnW - (layout.columns > 1 ? 16 : 0);
    const double y = area.top() + rowH * (row + 1);
    const QRectF swatch(x0, y + (rowH - 12 * s) / 2, 12 * s, 12 * s);
    p.setPen(Qt::NoPen);
    p.setBrush(nodeColor(n.id));
    p.drawRoundedRect(swatch, 2, 2);
    p.setPen(m_theme.text);
    const double nameW = fm.horizontalAdvance(QStringLiteral("n00")) + 6;
    p.drawText(QRectF(swatch.right() + 6, y, nameW, rowH), Qt::AlignVCenter | Qt::AlignLeft,
               QString::fromStdString(nodeName(n.id)));
    const QColor stateColor = nodeStateColor(n.state, m_theme);
    const QRectF pill(swatch.right() + 6 + nameW, y + 3, stateW, rowH - 6);
    p.setPen(Qt::NoPen);
    QColor pillBg = stateColor;
    pillBg.setAlpha(m_theme.presentation ? 70 : 40);
    p.setBrush(pillBg);
    p.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2);
    p.setPen(m_theme.kind == ThemeKind::kDark ? stateColor.lighter(130) : stateColor.darker(130));
    p.drawText(pill, Qt::AlignCenter, nodeDisplayStateName(n.state));
    const double pctW = fm.horizontalAdvance(QStringLiteral("0.0000 %"));  // shareText's widest (100.0 % is narrower)
    const double cpuW = fm.horizontalAdvance(QStringLiteral("CPU 100 %"));
    const double barX = pill.right() + 6;
    const double barW = std::max(10.0, x1 - pctW - cpuW - 18 - barX);
    // CPU load: a node at 80 % or more is drawn in the warning colour, so the hot nodes stand out.
    if (n.running) {
      p.setPen(n.cpuUtilization >= 0.8 ? nodeStateColor(NodeDisplayState::kDown, m_theme) : m_theme.mutedText);
      p.drawText(QRectF(x1 - pctW - 12 - cpuW, y, cpuW, rowH), Qt::AlignVCenter | Qt::AlignRight,
                 tr("CPU %1 %").arg(std::round(n.cpuUtilization * 100.0), 0, 'f', 0));
    }
    p.setPen(Qt::NoPen);
    p.setBrush(m_theme.grid);
    p.drawRect(QRectF(barX, y + rowH / 2 - 3 * s, barW, 6 * s));
    p.setBrush(nodeColor(n.id));
    p.drawRect(QRectF(barX, y + rowH / 2 - 3 * s, barW * n.primaryShare / maxShare, 6 * s));
    p.setPen(m_theme.text);
    p.drawText(QRectF(x1 - pctW, y, pctW, rowH), Qt::AlignVCenter | Qt::AlignRight, shareText(n.primaryShare));
    ++shown;
  }
}

std::optional<NodeId> RingView::nodeAtLegend(const QPointF& pos) const {
  const LegendLayout layout = legendLayout();
  if (layout.columns == 0 || !layout.area.contains(pos)) return std::nullopt;
  const auto row = static_cast<long>((pos.y() - layout.area.top()) / layout.rowH) - 1;
  const auto column = static_cast<long>((pos.x() - layout.area.left()) / (layout.area.width() / layout.columns));
  if (row < 0 || row >= layout.rowsPerColumn) return std::nullopt;
  const long wanted = column * layout.rowsPerColumn + row;
  long i = 0;
  for (const NodeInfo& n : m_nodes) {
    if (n.state == NodeDisplayState::kLeft) continue;
    if (i++ == wanted) return n.id;
  }
  return std::nullopt;
}

std::optional<NodeId> RingView::ownerAt(const QPointF& pos) const {
  if (!m_ring || m_ring->empty()) return std::nullopt;
  const QPointF d = pos - ringCenter();
  const double r = std::hypot(d.x(), d.y());
  if (r < ringInnerRadius() || r > ringOuterRadius()) return std::nullopt;
  double angle = std::atan2(d.y(), d.x()) * 180.0 / std::numbers::pi + 90.0;
  if (angle < 0) angle += 360.0;
  const auto token = static_cast<Token>(angle / 360.0 * 18446744073709551615.0);
  return m_ring->entries()[m_ring->ownerIndex(token)].node;
}

void RingView::contextMenuEvent(QContextMenuEvent* event) {
  std::optional<NodeId> node = nodeAtLegend(event->pos());
  if (!node) node = ownerAt(event->pos());
  if (node) emit nodeContextMenuRequested(*node, event->globalPos());
}

void RingView::mouseMoveEvent(QMouseEvent* event) {
  const QPointF pos = event->position();
  if (auto owner = ownerAt(pos)) {
    const NodeId n = *owner;
    QString text = tr("%1 owns this range").arg(QString::fromStdString(nodeName(n)));
    if (n < m_nodes.size()) {
      text += tr("\n%1 · %2 of the ring · %3 keys")
                  .arg(nodeDisplayStateName(m_nodes[n].state), shareText(m_nodes[n].primaryShare))
                  .arg(m_nodes[n].keys);
    }
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
  } else {
    QToolTip::hideText();
  }
}

}  // namespace ringlab
