#include <ringlab/ui/traffic_view.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include <QContextMenuEvent>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

namespace ringlab {

namespace {
constexpr qint64 kFlashMs = 700;
constexpr double kFlashVirtualNs = 700e6;  // at 1x
constexpr std::size_t kMaxFlashes = 200;
}  // namespace

TrafficView::TrafficView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
  m_clock.start();
  m_flashTimer.setInterval(33);
  connect(&m_flashTimer, &QTimer::timeout, this, [this] {
    const qint64 now = m_clock.elapsed();
    std::erase_if(m_flashes, [this, now](const Flash& f) { return flashAge(f, now) > 1; });
    if (!m_animated) m_flashTimer.stop();  // nothing fades while virtual time stands still
    if (m_flashes.empty()) m_flashTimer.stop();
    update();
  });
}

void TrafficView::setTheme(const Theme& theme) {
  m_theme = theme;
  m_layoutSize = QSize();
  update();
}

void TrafficView::setSnapshot(const FeedSnapshot& snapshot) {
  m_snapshot = snapshot;
  m_drawn.clear();
  for (const NodeInfo& n : snapshot.nodes)
    if (n.state != NodeDisplayState::kLeft) m_drawn.push_back(n.id);
  buildGroups();
  const qint64 now = m_clock.elapsed();
  // Time travel: a drop after the moment shown has not happened (yet).
  std::erase_if(m_flashes, [&](const Flash& f) { return f.drop.atNs > snapshot.nowNs || flashAge(f, now) > 1; });
  for (const DropFlash& d : snapshot.drops) {
    if (m_flashes.size() >= kMaxFlashes) m_flashes.erase(m_flashes.begin());
    m_flashes.push_back({d, now});
  }
  if (!m_flashes.empty() && !m_flashTimer.isActive()) m_flashTimer.start();
  m_layoutSize = QSize();  // recomputed on first use
  update();
}

void TrafficView::buildGroups() {
  m_groups.clear();
  m_groupOf.clear();
  m_perGroup = 0;
  if (m_drawn.size() <= kGroupAbove) return;
  m_perGroup = (m_drawn.size() + kGroups - 1) / kGroups;
  m_groupOf.assign(m_snapshot.nodes.size(), 0);
  for (std::size_t i = 0; i < m_drawn.size(); ++i) {
    const NodeInfo& n = m_snapshot.nodes[m_drawn[i]];
    if (i % m_perGroup == 0) m_groups.push_back(Group{n.id, n.id});
    Group& g = m_groups.back();
    m_groupOf[n.id] = m_groups.size() - 1;
    g.last = n.id;
    ++g.nodes;
    if (!n.running || n.state == NodeDisplayState::kDown || n.state == NodeDisplayState::kUnreachable) {
      ++g.down;
    } else if (n.state == NodeDisplayState::kSuspect) {
      ++g.suspect;
    }
    g.hints += n.hintsHeld;
    if (n.running) {
      g.cpu += n.cpuUtilization;
      ++g.running;
    }
  }
  for (Group& g : m_groups) {
    if (g.running > 0) g.cpu /= static_cast<double>(g.running);
  }
}

QString TrafficView::groupCaption(const Group& g) const {
  if (m_captionLines >= kNoCaption) return {};
  const QString name = QStringLiteral("%1\u2013%2")
                           .arg(QString::fromStdString(nodeName(g.first)), QString::fromStdString(nodeName(g.last)));
  QStringList parts;
  if (g.down > 0) parts << tr("%1 down").arg(g.down);
  if (g.suspect > 0) parts << tr("%1 suspect").arg(g.suspect);
  if (g.hints > 0) parts << (g.hints == 1 ? tr("1 hint") : tr("%1 hints").arg(g.hints));
  if (parts.isEmpty()) return name;  // all up: the green ring says so (load and hints are in the tooltip)
  return name + (m_captionLines == 1 ? QStringLiteral(" · ") : QStringLiteral("\n")) +
         parts.join(QStringLiteral(" · "));
}

QString TrafficView::groupSummary() const {
  return tr("%1 nodes shown as %2 groups of up to %3 consecutive nodes")
      .arg(QLocale().toString(static_cast<qulonglong>(m_drawn.size())))
      .arg(m_groups.size())
      .arg(m_perGroup);
}

std::vector<NodeId> TrafficView::markerIds() const {
  if (m_groups.empty()) return m_drawn;
  std::vector<NodeId> ids;
  ids.reserve(m_groups.size());
  for (const Group& g : m_groups) ids.push_back(g.first);
  return ids;
}

QString TrafficView::markerCaption(NodeId id) const {
  if (!m_groups.empty()) return groupCaption(m_groups[m_groupOf[id]]);
  return captionOf(m_snapshot.nodes[id]);
}

double TrafficView::flashAge(const Flash& flash, qint64 wallNowMs) const {
  // At "as fast as possible" (speed 0) the real-time fade alone applies while animated.
  const double speed = m_snapshot.speed > 0 ? std::max(1.0, m_snapshot.speed) : 100.0;
  const double virtualAge =
      static_cast<double>(m_snapshot.nowNs - flash.drop.atNs) / (kFlashVirtualNs * (m_animated ? speed : 1.0));
  if (!m_animated) return virtualAge;
  return std::max(virtualAge, static_cast<double>(wallNowMs - flash.shownAtMs) / kFlashMs);
}

// The legend is a strip along the bottom: one entry per traffic class (with its count in flight), the drop and
// cut-link markers, then a line saying how many messages are in flight and whether the dots are a sample.
std::vector<TrafficView::LegendItem> TrafficView::legendItems() const {
  std::array<std::size_t, kTrafficClassCount> counts{};
  for (const MessageDot& m : m_snapshot.inFlight) ++counts[static_cast<std::size_t>(trafficClassOf(m.kind))];
  std::vector<LegendItem> items;
  for (std::size_t c = 0; c < kTrafficClassCount; ++c) {
    const auto cls = static_cast<TrafficClass>(c);
    items.push_back(
        {QStringLiteral("%1 %2").arg(trafficClassName(cls)).arg(counts[c]), trafficColor(cls), LegendItem::kDot});
  }
  const QColor red = nodeStateColor(NodeDisplayState::kDown, m_theme);
  items.push_back({tr("dropped"), red, LegendItem::kRing});
  items.push_back({tr("cut link"), red, LegendItem::kDash});
  return items;
}

double TrafficView::legendHeight() const {
  const QFontMetricsF fm(font());
  const double rowH = fm.height() + 6;
  double x = 8;
  int lines = 1;
  for (const LegendItem& item : legendItems()) {
    const double w = 18 * m_theme.scale() + fm.horizontalAdvance(item.text) + 14;
    if (x + w > width() - 8 && x > 8) {
      ++lines;
      x = 8;
    }
    x += w;
  }
  return (lines + 1) * rowH + 8;
}

QRectF TrafficView::plotArea() const {
  if (m_layoutSize != size()) relayout();
  return m_plot;
}

QString TrafficView::captionFor(NodeId id) const {
  if (m_layoutSize != size()) relayout();
  if (id >= m_snapshot.nodes.size() || !nodePosition(id)) return {};
  return markerCaption(id);
}

bool TrafficView::legendShown() const {
  if (m_layoutSize != size()) relayout();
  return m_showLegend;
}

double TrafficView::markerRadius() const {
  if (m_layoutSize != size()) relayout();
  return m_markerRadius;
}

// Node positions depend on the size, the nodes drawn and the legend: computed once per change, not per dot.
QString TrafficView::captionOf(const NodeInfo& n) const {
  if (m_captionLines >= kNoCaption) return {};
  QStringList parts;
  if (n.running) parts << tr("CPU %1 %").arg(std::round(n.cpuUtilization * 100.0), 0, 'f', 0);
  if (n.cpuFactor != 1.0) parts << tr("%1x slow").arg(n.cpuFactor);
  if (n.hintsHeld == 1) parts << tr("1 hint");
  if (n.hintsHeld > 1) parts << tr("%1 hints").arg(n.hintsHeld);
  const QString state = nodeDisplayStateName(n.state);
  if (parts.isEmpty()) return state;
  // Short lines where one long line would squeeze the circle of nodes (a 720p projector): the state above the rest,
  // or every part on a line of its own; the most compact form leaves out "up", which the marker's green ring says.
  const QString newline = QStringLiteral("\n");
  if (m_captionLines == kCompactCaption && n.state == NodeDisplayState::kUp) return parts.join(newline);
  if (m_captionLines >= 3) return state + newline + parts.join(newline);
  return state + (m_captionLines == 2 ? newline : QStringLiteral(" · ")) + parts.join(QStringLiteral(" · "));
}

void TrafficView::relayout() const {
  m_layoutSize = size();
  const QFontMetricsF fm(font());
  // The circle's radius for a plot area and a caption layout: room for the captions beside the markers (left and
  // right) and above or below them. `fit` is what the captions leave; the circle is never less than half as large as
  // it could be, so captions that need more than that are made shorter instead.
  struct Fit {
    double radius;  // what the circle gets
    double fit;     // what the captions leave it
    double largest;
  };
  auto radiusFor = [&](const QRectF& plot, int captionLines) {
    const double base = std::min(plot.width(), plot.height());
    const std::vector<NodeId> markers = markerIds();
    const double byCount = markers.size() > 12 ? 12.0 / static_cast<double>(markers.size()) : 1.0;
    m_markerRadius = std::clamp(base * 0.06 * byCount, 9.0, 34.0) * (m_theme.presentation ? 1.2 : 1.0);
    const double largest = base / 2.0 - m_markerRadius - 6.0;
    m_captionLines = captionLines;
    double captionW = 0;
    int lines = 0;
    for (NodeId id : markers) {
      const QString text = markerCaption(id);
      if (text.isEmpty()) continue;
      const QStringList caption = text.split(QLatin1Char('\n'));
      lines = std::max(lines, static_cast<int>(caption.size()));
      for (const QString& line : caption) captionW = std::max(captionW, fm.horizontalAdvance(line));
    }
    const double captionH = fm.height() * lines;
    const double fit = std::min(plot.height() / 2.0 - m_markerRadius - captionH - 6.0,
                                plot.width() / 2.0 - m_markerRadius - captionW - 8.0);
    return Fit{std::max({10.0, largest * 0.55, fit}), fit, largest};
  };
  // The caption layout that gives the largest circle, preferring fewer lines unless more lines gain a tenth; where
  // even three lines would overlap the neighbouring markers, the compact form, and where that too, no captions (the
  // node table says the same).
  auto bestFor = [&](const QRectF& plot) {
    int best = 1;
    Fit chosen = radiusFor(plot, 1);
    for (int lines = 2; lines <= 3; ++lines) {
      if (const Fit f = radiusFor(plot, lines); f.radius > chosen.radius * 1.1) {
        chosen = f;
        best = lines;
      }
    }
    for (int style = kCompactCaption; style <= kNoCaption && chosen.fit < chosen.largest * 0.55; ++style) {
      chosen = radiusFor(plot, style);
      best = style;
    }
    return std::pair{chosen.radius, best};
  };
  m_showLegend = true;
  // Grouped, the line that says so takes the top.
  const double top = m_groups.empty() ? 0.0 : fm.height() + 8;
  m_plot = QRectF(0, top, width(), std::max(60.0, height() - legendHeight() - top));
  auto [radius, lines] = bestFor(m_plot);
  // On a small view (a 720p projector) the legend's rows would leave a circle too small to read: the circle wins.
  if (2.0 * radius < 160.0 * m_theme.scale()) {
    const QRectF whole(0, top, width(), std::max(60.0, static_cast<double>(height()) - top));
    if (const auto [r, l] = bestFor(whole); r > radius * 1.2) {
      m_showLegend = false;
      m_plot = whole;
      radius = r;
      lines = l;
    }
  }
  (void)radiusFor(m_plot, lines);  // leaves the marker radius and caption layout of the choice
  const QPointF c = m_plot.center();
  m_positions.assign(m_snapshot.nodes.size(), std::nullopt);
  const std::size_t markers = m_groups.empty() ? m_drawn.size() : m_groups.size();
  for (std::size_t i = 0; i < m_drawn.size(); ++i) {
    const std::size_t marker = m_groups.empty() ? i : m_groupOf[m_drawn[i]];
    const double angle =
        2.0 * std::numbers::pi * static_cast<double>(marker) / static_cast<double>(markers) - std::numbers::pi / 2;
    if (m_drawn[i] < m_positions.size()) {
      m_positions[m_drawn[i]] = QPointF(c.x() + radius * std::cos(angle), c.y() + radius * std::sin(angle));
    }
  }
}

std::optional<QPointF> TrafficView::nodePosition(NodeId id) const {
  if (m_layoutSize != size()) relayout();
  return id < m_positions.size() ? m_positions[id] : std::nullopt;
}

QPointF TrafficView::along(NodeId from, NodeId to, double t) const {
  const auto a = nodePosition(from);
  const auto b = nodePosition(to);
  if (!a || !b) return {};
  // Bend each direction slightly to its own side, so requests and replies do not overlap.
  const QPointF d = *b - *a;
  const double len = std::hypot(d.x(), d.y());
  if (len < 1) return *a;
  const QPointF normal(-d.y() / len, d.x() / len);
  const double bend = std::min(24.0, len * 0.08) * 4.0 * t * (1.0 - t);
  return *a + d * t + normal * bend;
}

void TrafficView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), m_theme.surface);
  p.setRenderHint(QPainter::Antialiasing);
  QFont font = this->font();
  p.setFont(font);
  const double s = m_theme.scale();
  m_dotsDrawn = 0;

  if (m_drawn.empty()) {
    p.setPen(m_theme.mutedText);
    p.drawText(rect(), Qt::AlignCenter, m_emptyText.isEmpty() ? tr("No cluster yet: open a scenario.") : m_emptyText);
    return;
  }

  // Faint links between every pair of markers, cut links in red (once per pair of groups).
  const std::vector<NodeId> markers = markerIds();
  QPen linkPen(m_theme.grid, 1);
  p.setPen(linkPen);
  for (std::size_t i = 0; i < markers.size(); ++i)
    for (std::size_t j = i + 1; j < markers.size(); ++j)
      p.drawLine(*nodePosition(markers[i]), *nodePosition(markers[j]));
  QPen cutPen(nodeStateColor(NodeDisplayState::kDown, m_theme), 2.5 * s, Qt::DashLine);
  std::vector<std::pair<std::size_t, std::size_t>> cutGroups;
  for (const auto& [from, to] : m_snapshot.cutLinks) {
    const auto a = nodePosition(from);
    const auto b = nodePosition(to);
    if (!a || !b) continue;
    if (!m_groups.empty()) {
      const std::pair<std::size_t, std::size_t> pair{std::min(m_groupOf[from], m_groupOf[to]),
                                                     std::max(m_groupOf[from], m_groupOf[to])};
      if (pair.first == pair.second) continue;
      if (std::find(cutGroups.begin(), cutGroups.end(), pair) != cutGroups.end()) continue;
      cutGroups.push_back(pair);
    }
    p.setPen(cutPen);
    p.drawLine(*a, *b);
    // A cross at the middle marks the cut.
    const QPointF mid = (*a + *b) / 2;
    p.setPen(QPen(cutPen.color(), 3 * s));
    const double k = 6 * s;
    p.drawLine(mid + QPointF(-k, -k), mid + QPointF(k, k));
    p.drawLine(mid + QPointF(-k, k), mid + QPointF(k, -k));
  }

  // Messages in flight, grouped by class and drawn as round points (fast for thousands).
  const std::int64_t now = m_snapshot.nowNs;
  std::array<std::vector<QPointF>, kTrafficClassCount> points;
  for (const MessageDot& m : m_snapshot.inFlight) {
    const double span = static_cast<double>(std::max<std::int64_t>(1, m.arrivesNs - m.sentNs));
    const double t = std::clamp(static_cast<double>(now - m.sentNs) / span, 0.0, 1.0);
    points[static_cast<std::size_t>(trafficClassOf(m.kind))].push_back(along(m.from, m.to, t));
  }
  // Each dot is a pre-rendered antialiased sprite: blitting 2,000 of them is far cheaper than stroking them.
  const qreal dpr = devicePixelRatioF();
  const double dotRadius = 3.5 * s;
  if (m_spriteRadius != dotRadius || m_spriteDpr != dpr) {
    const int side = static_cast<int>(std::ceil((2 * dotRadius + 2) * dpr));
    for (std::size_t c = 0; c < kTrafficClassCount; ++c) {
      QPixmap sprite(side, side);
      sprite.fill(Qt::transparent);
      QPainter sp(&sprite);
      sp.setRenderHint(QPainter::Antialiasing);
      sp.setPen(Qt::NoPen);
      sp.setBrush(trafficColor(static_cast<TrafficClass>(c)));
      sp.drawEllipse(QPointF(side / 2.0, side / 2.0), dotRadius * dpr, dotRadius * dpr);
      sp.end();
      sprite.setDevicePixelRatio(dpr);
      m_sprites[c] = sprite;
    }
    m_spriteRadius = dotRadius;
    m_spriteDpr = dpr;
  }
  const double half = m_sprites[0].width() / dpr / 2.0;
  for (std::size_t c = 0; c < kTrafficClassCount; ++c) {
    for (const QPointF& at : points[c]) p.drawPixmap(at - QPointF(half, half), m_sprites[c]);
    m_dotsDrawn += points[c].size();
  }

  // Drops flash as a red ring two thirds of the way along their link.
  const qint64 wallNow = m_clock.elapsed();
  m_dropsDrawn = 0;
  std::vector<std::pair<std::size_t, std::size_t>> flashedGroups;  // grouped: one flash per pair of groups
  for (auto it = m_flashes.rbegin(); it != m_flashes.rend(); ++it) {
    const Flash& f = *it;
    const double age = std::max(0.0, flashAge(f, wallNow));
    if (age > 1) continue;
    if (!nodePosition(f.drop.from) || !nodePosition(f.drop.to)) continue;  // a node that left is not drawn
    if (!m_groups.empty()) {
      const std::pair<std::size_t, std::size_t> pair{m_groupOf[f.drop.from], m_groupOf[f.drop.to]};
      if (std::find(flashedGroups.begin(), flashedGroups.end(), pair) != flashedGroups.end()) continue;
      flashedGroups.push_back(pair);
    }
    ++m_dropsDrawn;
    const QPointF at = along(f.drop.from, f.drop.to, 0.5);
    QColor color = nodeStateColor(NodeDisplayState::kDown, m_theme);
    color.setAlphaF(static_cast<float>(1.0 - age));
    p.setPen(QPen(color, 2 * s));
    p.setBrush(Qt::NoBrush);
    const double r = (4 + 10 * age) * s;
    p.drawEllipse(at, r, r);
  }

  // Node markers (or group markers: the worst state of its nodes as the ring, its node count inside).
  const double r = markerRadius();
  struct Caption {
    QRectF box;
    QColor color;
    QString text;
  };
  std::vector<Caption> captions;
  for (NodeId id : markers) {
    const NodeInfo& n = m_snapshot.nodes[id];
    const QPointF c = *nodePosition(id);
    const Group* group = m_groups.empty() ? nullptr : &m_groups[m_groupOf[id]];
    NodeDisplayState shown = n.state;
    if (group) {
      shown = group->down > 0      ? NodeDisplayState::kDown
              : group->suspect > 0 ? NodeDisplayState::kSuspect
                                   : NodeDisplayState::kUp;
    }
    const QColor state = nodeStateColor(shown, m_theme);
    p.setPen(QPen(state, 4 * s));
    const bool running = group ? group->running > 0 : n.running;
    QColor fill = group ? m_theme.mutedText : nodeColor(id);
    if (!running) fill = m_theme.grid;
    p.setBrush(fill);
    p.drawEllipse(c, r, r);
    p.setPen(running ? QColor(Qt::white) : m_theme.text);
    QFont bold = font;
    bold.setBold(true);
    bold.setPointSizeF(std::max(7.0, std::min(font.pointSizeF(), r * 0.7)));
    p.setFont(bold);
    p.drawText(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), Qt::AlignCenter,
               group ? QString::number(group->nodes) : QString::fromStdString(nodeName(id)));
    p.setFont(font);
    // State and load beside the marker, on the side away from the centre of the circle.
    const QString caption = markerCaption(id);
    if (caption.isEmpty()) continue;
    const QFontMetricsF fm(font);
    const QStringList lines = caption.split(QLatin1Char('\n'));
    double w = 0;
    for (const QString& line : lines) w = std::max(w, fm.horizontalAdvance(line) + 8);
    const double h = fm.height() * static_cast<double>(lines.size());
    const QPointF out = c - plotArea().center();
    const double len = std::max(1.0, std::hypot(out.x(), out.y()));
    const QPointF dir(out.x() / len, out.y() / len);
    QRectF box(0, 0, w, h);
    // Above or below: the markers at the top and bottom (with 12 group markers, only the one at the very top or
    // bottom, so that its neighbours' captions go beside them instead of over it).
    if (std::abs(dir.y()) > (m_groups.empty() ? 0.92 : 0.97)) {
      box.moveCenter(c + QPointF(0, (dir.y() < 0 ? -1 : 1) * (r + h / 2 + 2)));
    } else {  // left or right
      box.moveCenter(c + QPointF((dir.x() < 0 ? -1 : 1) * (r + w / 2 + 4), 0));
    }
    // Never cut by the edge of the view: slide the caption back inside.
    if (box.left() < 2) box.moveLeft(2);
    if (box.right() > width() - 2) box.moveRight(width() - 2);
    if (box.top() < plotArea().top() + 2) box.moveTop(plotArea().top() + 2);
    if (box.bottom() > plotArea().bottom()) box.moveBottom(plotArea().bottom());
    captions.push_back({box, m_theme.kind == ThemeKind::kDark ? state.lighter(120) : state.darker(125), caption});
  }
  // Captions after every marker, so that a neighbouring marker never hides part of one.
  for (const auto& [box, color, caption] : captions) {
    p.setPen(color);
    p.drawText(box, Qt::AlignCenter, caption);
  }

  if (!m_groups.empty()) {
    p.setPen(m_theme.mutedText);
    const QFontMetricsF fm(font);
    p.drawText(QRectF(8, 4, width() - 16, fm.height()), Qt::AlignLeft | Qt::AlignTop,
               fm.elidedText(groupSummary(), Qt::ElideRight, width() - 16));
  }

  // Legend and counts along the bottom.
  if (!m_showLegend) return;
  const QFontMetricsF fm(font);
  const double rowH = fm.height() + 6;
  double x = 8;
  double y = plotArea().bottom() + 4;
  for (const LegendItem& item : legendItems()) {
    const double w = 18 * s + fm.horizontalAdvance(item.text) + 14;
    if (x + w > width() - 8 && x > 8) {
      x = 8;
      y += rowH;
    }
    const QPointF mark(x + 6 * s, y + rowH / 2);
    switch (item.mark) {
      case LegendItem::kDot:
        p.setPen(Qt::NoPen);
        p.setBrush(item.color);
        p.drawEllipse(mark, 5 * s, 5 * s);
        break;
      case LegendItem::kRing:
        p.setPen(QPen(item.color, 2 * s));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(mark, 5 * s, 5 * s);
        break;
      case LegendItem::kDash:
        p.setPen(QPen(item.color, 2 * s, Qt::DashLine));
        p.drawLine(mark - QPointF(6 * s, 0), mark + QPointF(6 * s, 0));
        break;
    }
    p.setPen(m_theme.text);
    p.drawText(QRectF(x + 16 * s, y, w, rowH), Qt::AlignVCenter | Qt::AlignLeft, item.text);
    x += w;
  }
  y += rowH;
  p.setPen(m_theme.mutedText);
  QString total = m_snapshot.inFlightTotal == 1 ? tr("1 message in flight")
                                                : tr("%1 messages in flight").arg(m_snapshot.inFlightTotal);
  if (m_snapshot.inFlightTotal > m_snapshot.inFlight.size()) {
    total = tr("%1 messages in flight: too many to draw, showing a sample of %2")
                .arg(m_snapshot.inFlightTotal)
                .arg(m_snapshot.inFlight.size());
  }
  p.drawText(QRectF(8, y, width() - 16, rowH), Qt::AlignLeft | Qt::AlignVCenter, total);
}

std::optional<std::size_t> TrafficView::groupAt(const QPointF& pos) const {
  const double r = markerRadius();
  for (std::size_t g = 0; g < m_groups.size(); ++g) {
    const QPointF d = pos - *nodePosition(m_groups[g].first);
    if (std::hypot(d.x(), d.y()) <= r + 4) return g;
  }
  return std::nullopt;
}

std::optional<NodeId> TrafficView::nodeAt(const QPointF& pos) const {
  if (!m_groups.empty()) return std::nullopt;  // a group marker stands for many nodes: the Nodes panel acts on one
  const double r = markerRadius();
  for (NodeId id : m_drawn) {
    const QPointF d = pos - *nodePosition(id);
    if (std::hypot(d.x(), d.y()) <= r + 4) return id;
  }
  return std::nullopt;
}

void TrafficView::contextMenuEvent(QContextMenuEvent* event) {
  if (auto node = nodeAt(event->pos())) emit nodeContextMenuRequested(*node, event->globalPos());
}

void TrafficView::mouseMoveEvent(QMouseEvent* event) {
  if (const auto group = groupAt(event->position())) {
    const Group& g = m_groups[*group];
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("%1 to %2: %3 nodes, %4 down, %5 suspect · %6 hints held · CPU %7 %\n"
                          "act on one node from the Nodes panel")
                           .arg(QString::fromStdString(nodeName(g.first)), QString::fromStdString(nodeName(g.last)))
                           .arg(g.nodes)
                           .arg(g.down)
                           .arg(g.suspect)
                           .arg(g.hints)
                           .arg(std::round(g.cpu * 100.0), 0, 'f', 0),
                       this);
  } else if (auto node = nodeAt(event->position())) {
    const NodeInfo& n = m_snapshot.nodes[*node];
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("%1: %2\n%3 keys · %4 hints held\nright-click for actions")
                           .arg(QString::fromStdString(nodeName(n.id)), nodeDisplayStateName(n.state))
                           .arg(n.keys)
                           .arg(n.hintsHeld),
                       this);
  } else {
    QToolTip::hideText();
  }
}

}  // namespace ringlab
