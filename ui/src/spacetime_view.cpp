#include <ringlab/ui/spacetime_view.h>

#include <algorithm>
#include <array>
#include <cmath>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QStringList>
#include <QToolTip>
#include <QWheelEvent>

#include <ringlab/engine/hash.h>

namespace ringlab {

namespace {

constexpr std::size_t kMaxArrows = 6000;       // more than this in view: draw an even sample
constexpr std::size_t kMaxRequestBars = 2000;  // likewise for request bars
constexpr double kLeft = 44;
constexpr double kTop = 30;
constexpr double kBottom = 22;

QColor opColor(Operation op) {
  switch (op) {
    case Operation::kGet: return trafficColor(TrafficClass::kRead);
    case Operation::kPut:
    case Operation::kIncrement: return trafficColor(TrafficClass::kWrite);
    case Operation::kDelete: return QColor(0x86, 0x3b, 0xa8);
  }
  return Qt::gray;
}

double distanceToSegment(const QPointF& p, const QPointF& a, const QPointF& b) {
  const QPointF d = b - a;
  const double len2 = d.x() * d.x() + d.y() * d.y();
  double t = len2 > 0 ? ((p.x() - a.x()) * d.x() + (p.y() - a.y()) * d.y()) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  const QPointF q = a + d * t;
  return std::hypot(p.x() - q.x(), p.y() - q.y());
}

}  // namespace

SpaceTimeView::SpaceTimeView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::ClickFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void SpaceTimeView::setTheme(const Theme& theme) {
  m_theme = theme;
  update();
}

void SpaceTimeView::clear() {
  m_store.clear();
  m_keyRequests.clear();
  m_selected = 0;
  m_nowNs = 0;
  m_axis.follow(0);
  update();
}

bool SpaceTimeFilter::matchesKind(MessageKind kind) const {
  const TrafficClass c = trafficClassOf(kind);
  switch (family) {
    case Family::kAll: return true;
    case Family::kReads: return c == TrafficClass::kRead || c == TrafficClass::kReply || c == TrafficClass::kRepair;
    case Family::kWrites: return c == TrafficClass::kWrite || c == TrafficClass::kAck;
    case Family::kHints: return c == TrafficClass::kHint;
    case Family::kGossip: return c == TrafficClass::kGossip;
    case Family::kAntiEntropy: return c == TrafficClass::kAntiEntropy;
  }
  return true;
}

bool SpaceTimeFilter::matches(const RequestRecord& r) const {
  if (!key.empty() && r.key != key) return false;
  if (node && r.coordinator != *node) return false;
  switch (family) {
    case Family::kAll: return true;
    case Family::kReads: return r.op == Operation::kGet;
    case Family::kWrites: return r.op != Operation::kGet;
    default: return false;  // hints, gossip and anti-entropy serve no client request of their own
  }
}

QString spaceTimeFamilyName(SpaceTimeFilter::Family family) {
  switch (family) {
    case SpaceTimeFilter::Family::kAll: return QObject::tr("All messages");
    case SpaceTimeFilter::Family::kReads: return QObject::tr("Reads");
    case SpaceTimeFilter::Family::kWrites: return QObject::tr("Writes");
    case SpaceTimeFilter::Family::kHints: return QObject::tr("Hints");
    case SpaceTimeFilter::Family::kGossip: return QObject::tr("Gossip");
    case SpaceTimeFilter::Family::kAntiEntropy: return QObject::tr("Anti-entropy and streaming");
  }
  return {};
}

QString SpaceTimeFilter::describe() const {
  QStringList parts;
  if (!key.empty()) parts << QObject::tr("key \"%1\"").arg(QString::fromStdString(key));
  if (family != Family::kAll) parts << spaceTimeFamilyName(family).toLower();
  if (node) parts << QObject::tr("to or from %1").arg(QString::fromStdString(nodeName(*node)));
  return parts.join(QStringLiteral(" · "));
}

void SpaceTimeView::setFilter(const SpaceTimeFilter& filter) {
  if (filter == m_filter) return;
  m_filter = filter;
  refreshKeyRequests();
  chooseLanes();  // a large cluster's default lanes follow the key and the node
  update();
}

void SpaceTimeView::refreshKeyRequests() {
  m_keyRequests.clear();
  if (m_filter.key.empty()) return;
  for (const RequestRecord& r : m_store.requests()) {
    if (r.key == m_filter.key) m_keyRequests.insert(r.requestId);
  }
}

bool SpaceTimeView::shows(const MessageRecord& m) const {
  if (!m_filter.matchesKind(m.kind)) return false;
  if (m_filter.node && m.from != *m_filter.node && m.to != *m_filter.node) return false;
  return m_filter.key.empty() || (m.requestId != 0 && m_keyRequests.count(m.requestId) > 0);
}

void SpaceTimeView::setSnapshot(const FeedSnapshot& snapshot) {
  if (snapshot.nowNs < m_nowNs) clear();
  m_store.append(snapshot);
  bool keyRequestArrived = false;
  if (!m_filter.key.empty()) {
    for (const RequestRecord& r : snapshot.newRequests) {
      if (r.key != m_filter.key) continue;
      m_keyRequests.insert(r.requestId);
      keyRequestArrived = true;
    }
  }
  m_nowNs = snapshot.nowNs;
  const std::size_t replicas = std::max<std::size_t>(1, snapshot.quorum.n);
  const bool nodesChanged = m_nodeCount != snapshot.nodes.size() || m_ring != snapshot.ring || m_replicas != replicas;
  m_nodeCount = snapshot.nodes.size();
  m_ring = snapshot.ring;
  m_replicas = replicas;
  // A new request on the key followed may bring a new coordinator's lane (large clusters, default lanes).
  // Likewise a node followed that has talked to fewer peers than there are lanes.
  const bool defaultLanes = m_userLanes.empty() && m_nodeCount > kMaxLanes;
  if (nodesChanged || (defaultLanes && keyRequestArrived) ||
      (defaultLanes && m_filter.node && m_filter.key.empty() && m_laneNodes.size() < kMaxLanes &&
       !snapshot.newMessages.empty())) {
    chooseLanes();
  }
  m_states.clear();
  for (const NodeInfo& n : snapshot.nodes) m_states.push_back(n.state);
  m_axis.advance(m_nowNs);
  update();
}

void SpaceTimeView::setLanes(std::vector<NodeId> nodes) {
  m_userLanes = std::move(nodes);
  chooseLanes();
  update();
}

void SpaceTimeView::chooseLanes() {
  std::vector<NodeId> lanes;
  const auto add = [&](NodeId node) {
    if (node < m_nodeCount && std::find(lanes.begin(), lanes.end(), node) == lanes.end()) lanes.push_back(node);
  };
  for (NodeId node : m_userLanes) add(node);
  if (lanes.empty() && m_nodeCount <= kMaxLanes) {
    for (NodeId node = 0; node < m_nodeCount; ++node) add(node);
  } else if (lanes.empty()) {
    // A large cluster: the replicas of the key being followed, and the node chosen; else the first nodes.
    if (!m_filter.key.empty() && m_ring && !m_ring->empty()) {
      const PreferenceList replicas = m_ring->preferenceList(tokenForKey(m_filter.key), m_replicas, 0);
      for (NodeId node : replicas.replicas) add(node);
      // And the coordinators of its latest requests, whose fan-out to the replicas is the story.
      const auto& requests = m_store.requests();
      for (auto it = requests.rbegin(); it != requests.rend() && lanes.size() < kMaxLanes; ++it) {
        if (it->key == m_filter.key) add(it->coordinator);
      }
    }
    if (m_filter.node) {
      // And the peers it exchanged messages with most recently.
      add(*m_filter.node);
      const auto& messages = m_store.messages();
      std::size_t scanned = 0;  // the latest messages only: this runs as snapshots arrive
      for (auto it = messages.rbegin(); it != messages.rend() && lanes.size() < kMaxLanes && scanned++ < 20000; ++it) {
        if (it->from == *m_filter.node) add(it->to);
        if (it->to == *m_filter.node) add(it->from);
      }
    }
    std::sort(lanes.begin(), lanes.end());
    if (lanes.empty()) {
      for (NodeId node = 0; node < kMaxLanes; ++node) add(node);
    }
  }
  m_laneNodes = std::move(lanes);
  m_laneOf.assign(m_nodeCount, -1);
  for (std::size_t i = 0; i < m_laneNodes.size(); ++i) m_laneOf[m_laneNodes[i]] = static_cast<int>(i);
}

void SpaceTimeView::setWindow(std::int64_t startNs, std::int64_t endNs) {
  m_axis.set(startNs, endNs);
  update();
}

void SpaceTimeView::follow() {
  m_axis.follow(m_nowNs);
  update();
}

void SpaceTimeView::setTimeCursor(std::int64_t ns) {
  m_cursorNs = ns;
  update();
}

void SpaceTimeView::selectRequest(std::uint64_t requestId) {
  m_selected = requestId;
  emit requestSelected(requestId);
  update();
}

QRectF SpaceTimeView::plot() const {
  return QRectF(kLeft * m_theme.scale(), kTop * m_theme.scale(), width() - kLeft * m_theme.scale() - 8,
                height() - (kTop + kBottom) * m_theme.scale());
}

double SpaceTimeView::xOf(std::int64_t ns) const { return m_axis.xOf(ns, plot()); }

double SpaceTimeView::laneY(NodeId node) const {
  const QRectF p = plot();
  const double laneH = p.height() / static_cast<double>(std::max<std::size_t>(1, m_laneNodes.size()));
  const double lane = onLane(node) ? static_cast<double>(m_laneOf[node]) : -1.0;
  return p.top() + laneH * (lane + 0.5);
}

void SpaceTimeView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), m_theme.surface);
  p.setRenderHint(QPainter::Antialiasing);
  const QRectF area = plot();
  const double s = m_theme.scale();
  const QFontMetricsF fm(font());
  m_arrowsDrawn = 0;
  m_sampled = false;
  if (m_laneNodes.empty()) {
    p.setPen(m_theme.mutedText);
    p.drawText(rect(), Qt::AlignCenter, tr("No run yet: open a scenario."));
    return;
  }

  // Lanes.
  const double laneH = area.height() / static_cast<double>(m_laneNodes.size());
  // Lanes lower than a line of text are labelled one in `labelEvery`, so that the names stay readable.
  const auto labelEvery = static_cast<std::size_t>(std::clamp(std::ceil(fm.height() / std::max(laneH, 0.5)), 1.0, 1e6));
  for (std::size_t lane = 0; lane < m_laneNodes.size(); ++lane) {
    const NodeId n = m_laneNodes[lane];
    const double y = laneY(n);
    QColor band = nodeColor(n);
    band.setAlpha(m_states.size() > n && m_states[n] == NodeDisplayState::kDown ? 10 : 22);
    p.fillRect(QRectF(area.left(), y - laneH / 2, area.width(), laneH), band);
    p.setPen(QPen(m_theme.grid, 1));
    p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
    if (lane % labelEvery != 0) continue;
    p.setPen(nodeColor(n));
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.drawText(QRectF(0, y - fm.height() / 2, area.left() - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               QString::fromStdString(nodeName(n)));
    p.setFont(font());
  }

  m_axis.paint(p, area, m_theme, kBottom * s);

  p.setClipRect(area.adjusted(0, -kTop * s, 0, 0));  // arrows and bars reaching outside the window are cut
  // Requests: a bar on the coordinator's lane, in the operation's colour (red when it failed).
  const double barH = std::max(3.0, laneH * 0.16);
  std::size_t visibleRequests = 0;
  const bool filtered = m_filter.active();
  for (const RequestRecord& r : m_store.requests())
    if (r.endNs >= m_axis.startNs() && r.beginNs <= m_axis.endNs() && onLane(r.coordinator) &&
        (!filtered || m_filter.matches(r)))
      ++visibleRequests;
  const std::size_t requestStride =
      visibleRequests > kMaxRequestBars ? (visibleRequests + kMaxRequestBars - 1) / kMaxRequestBars : 1;
  std::size_t requestIndex = 0;
  p.setRenderHint(QPainter::Antialiasing, false);  // bars are axis-aligned
  for (const RequestRecord& r : m_store.requests()) {
    if (r.endNs < m_axis.startNs() || r.beginNs > m_axis.endNs() || !onLane(r.coordinator)) continue;
    if (filtered && !m_filter.matches(r)) continue;
    if (r.requestId != m_selected && requestIndex++ % requestStride != 0) continue;
    const double y = laneY(r.coordinator) - laneH * 0.32;
    QColor c = r.result == ErrorCode::kOk ? opColor(r.op) : nodeStateColor(NodeDisplayState::kDown, m_theme);
    if (m_selected != 0 && r.requestId != m_selected) c.setAlpha(50);
    const double x0 = xOf(r.beginNs);
    const double x1 = std::max(x0 + 1.5, xOf(r.endNs));
    p.fillRect(QRectF(x0, y - barH / 2, x1 - x0, barH), c);
  }
  // Siblings mode: a diamond where a request showed its key's sibling set grown (orange, with the count) and where a
  // write resolved it to one value (green). Never sampled away: they are the story of the siblings lessons.
  p.setRenderHint(QPainter::Antialiasing, true);
  const double mark = std::max(4.0, laneH * 0.12);
  for (const RequestRecord& r : m_store.requests()) {
    if (r.siblingChange == RequestRecord::SiblingChange::kNone) continue;
    if (r.endNs < m_axis.startNs() || r.beginNs > m_axis.endNs() || !onLane(r.coordinator)) continue;
    if (filtered && !m_filter.matches(r)) continue;
    const bool grew = r.siblingChange == RequestRecord::SiblingChange::kGrew;
    const QPointF at(xOf(r.endNs), laneY(r.coordinator) - laneH * 0.32 - barH / 2 - mark);
    const QPolygonF diamond{at + QPointF(0, -mark), at + QPointF(mark, 0), at + QPointF(0, mark), at + QPointF(-mark, 0)};
    p.setPen(QPen(m_theme.surface, 1));
    p.setBrush(nodeStateColor(grew ? NodeDisplayState::kSuspect : NodeDisplayState::kUp, m_theme));
    p.drawPolygon(diamond);
    if (grew) {
      p.setPen(nodeStateColor(NodeDisplayState::kSuspect, m_theme));
      p.drawText(QRectF(at.x() + mark, at.y() - 2 * mark, 6 * mark, 4 * mark), Qt::AlignLeft | Qt::AlignVCenter,
                 QString::number(r.siblings));
    }
  }
  p.setBrush(Qt::NoBrush);

  // Messages: visible ones, sampled evenly above kMaxArrows, drawn in batches per traffic class.
  std::size_t visible = 0;
  for (const MessageRecord& m : m_store.messages())
    if (m.endedNs >= m_axis.startNs() && m.sentNs <= m_axis.endNs() && onLane(m.from) && onLane(m.to) &&
        (!filtered || shows(m)))
      ++visible;
  m_matching = visible;
  const std::size_t stride = visible > kMaxArrows ? (visible + kMaxArrows - 1) / kMaxArrows : 1;
  m_sampled = stride > 1 || requestStride > 1;
  // Antialiasing only while the arrows are few enough for it to stay cheap.
  p.setRenderHint(QPainter::Antialiasing, visible <= kMaxArrows / 3);
  std::array<QVector<QLineF>, kTrafficClassCount> lines;
  QVector<QLineF> dropped;
  QVector<QLineF> highlighted;
  std::size_t index = 0;
  for (const MessageRecord& m : m_store.messages()) {
    if (m.endedNs < m_axis.startNs() || m.sentNs > m_axis.endNs() || !onLane(m.from) || !onLane(m.to)) continue;
    if (filtered && !shows(m)) continue;
    const bool selected = m_selected != 0 && m.requestId == m_selected;
    if (!selected && index++ % stride != 0) continue;
    const QLineF line(QPointF(xOf(m.sentNs), laneY(m.from)), QPointF(xOf(m.endedNs), laneY(m.to)));
    if (selected)
      highlighted.push_back(line);
    else if (m.dropped)
      dropped.push_back(QLineF(line.p1(), line.pointAt(0.5)));
    else
      lines[static_cast<std::size_t>(trafficClassOf(m.kind))].push_back(line);
  }
  const bool dim = m_selected != 0;
  for (std::size_t c = 0; c < kTrafficClassCount; ++c) {
    if (lines[c].isEmpty()) continue;
    QColor color = trafficColor(static_cast<TrafficClass>(c));
    if (dim) color.setAlpha(40);
    p.setPen(QPen(color, 1.2 * s));
    p.drawLines(lines[c]);
    m_arrowsDrawn += static_cast<std::size_t>(lines[c].size());
    if (!m_sampled && lines[c].size() < 1500) {  // arrowheads while there are few
      p.setBrush(color);
      for (const QLineF& l : lines[c]) {
        const QLineF back = QLineF(l.p2(), l.p1()).unitVector();
        const QPointF u = (back.p2() - back.p1()) * 6 * s;
        const QPointF n(-u.y() * 0.45, u.x() * 0.45);
        const QPointF tip = l.p2();
        p.drawPolygon(QPolygonF({tip, tip + u + n, tip + u - n}));
      }
    }
  }
  if (!dropped.isEmpty()) {
    const QColor red = nodeStateColor(NodeDisplayState::kDown, m_theme);
    p.setPen(QPen(red, 1.2 * s, Qt::DashLine));
    p.drawLines(dropped);
    p.setPen(QPen(red, 1.5 * s));
    for (const QLineF& l : dropped) {
      const QPointF c = l.p2();
      p.drawLine(c + QPointF(-3 * s, -3 * s), c + QPointF(3 * s, 3 * s));
      p.drawLine(c + QPointF(-3 * s, 3 * s), c + QPointF(3 * s, -3 * s));
    }
    m_arrowsDrawn += static_cast<std::size_t>(dropped.size());
  }
  if (!highlighted.isEmpty()) {
    p.setPen(QPen(m_theme.text, 2.4 * s));
    p.drawLines(highlighted);
    m_arrowsDrawn += static_cast<std::size_t>(highlighted.size());
  }

  p.setRenderHint(QPainter::Antialiasing);
  // Marks on the time axis: faults and changes in red, narration in the accent colour.
  std::array<double, 2> rowEnd = {-1e9, -1e9};  // labels take the first of two rows where they fit
  for (const TimeMark& mark : m_store.marks()) {
    if (mark.atNs < m_axis.startNs() || mark.atNs > m_axis.endNs()) continue;
    const double x = xOf(mark.atNs);
    const QColor c = mark.narration ? m_theme.accent : nodeStateColor(NodeDisplayState::kDown, m_theme);
    p.setPen(QPen(c, 1.5 * s, Qt::DashLine));
    p.drawLine(QPointF(x, area.top() - 4), QPointF(x, area.bottom()));
    p.setPen(c);
    const QString text = fm.elidedText(QString::fromStdString(mark.text), Qt::ElideRight, 220 * s);
    const int row = x > rowEnd[0] ? 0 : (x > rowEnd[1] ? 1 : 0);
    const double rowH = (kTop * s - 2) / 2;
    p.drawText(QRectF(x + 3, 1 + row * rowH, 230 * s, rowH), Qt::AlignLeft | Qt::AlignVCenter, text);
    rowEnd[static_cast<std::size_t>(row)] = x + 3 + fm.horizontalAdvance(text) + 8;
  }

  p.setClipping(false);
  if (m_cursorNs >= m_axis.startNs() && m_cursorNs <= m_axis.endNs()) {
    p.setPen(QPen(m_theme.accent, 2 * s, Qt::DashDotLine));
    p.drawLine(QPointF(xOf(m_cursorNs), area.top()), QPointF(xOf(m_cursorNs), area.bottom()));
  }
  // Now, and where the record starts.
  if (m_nowNs >= m_axis.startNs() && m_nowNs <= m_axis.endNs()) {
    p.setPen(QPen(m_theme.text, 1.5 * s));
    p.drawLine(QPointF(xOf(m_nowNs), area.top()), QPointF(xOf(m_nowNs), area.bottom()));
  }
  if (m_store.completeFromNs() > m_axis.startNs()) {
    QColor veil = m_theme.surface;
    veil.setAlpha(170);
    p.fillRect(QRectF(area.left(), area.top(), xOf(m_store.completeFromNs()) - area.left(), area.height()), veil);
  }

  // Status line.
  p.setPen(m_theme.mutedText);
  QString status = m_axis.following() ? tr("following virtual time") : tr("paused view — F or double-click to follow");
  if (filtered) {
    status += visible == 0 ? tr(" · showing %1: no message in view").arg(m_filter.describe())
                           : tr(" · showing %1: %2 messages").arg(m_filter.describe()).arg(visible);
  }
  if (m_sampled) status += tr(" · %1 messages in view, showing 1 in %2").arg(visible).arg(stride);
  if (m_laneNodes.size() < m_nodeCount) {
    status += tr(" · lanes of %1 of %2 nodes").arg(static_cast<qulonglong>(m_laneNodes.size())).arg(m_nodeCount);
  }
  if (m_selected != 0) status += tr(" · request %1 highlighted (click empty space to clear)").arg(m_selected);
  p.drawText(QRectF(area.left(), height() - kBottom * s + 4, area.width(), kBottom * s),
             Qt::AlignRight | Qt::AlignVCenter, status);
}

const MessageRecord* SpaceTimeView::messageAt(const QPointF& pos) const {
  const MessageRecord* best = nullptr;
  double bestD = 5.0 * m_theme.scale();
  const std::int64_t t = timeAt(pos.x());
  const std::int64_t slack = (m_axis.endNs() - m_axis.startNs()) / 100;
  for (const MessageRecord& m : m_store.messages()) {
    if (m.endedNs < t - slack || m.sentNs > t + slack || !onLane(m.from) || !onLane(m.to)) continue;
    if (m_filter.active() && !shows(m)) continue;
    const double d =
        distanceToSegment(pos, QPointF(xOf(m.sentNs), laneY(m.from)), QPointF(xOf(m.endedNs), laneY(m.to)));
    if (d < bestD) {
      bestD = d;
      best = &m;
    }
  }
  return best;
}

QString SpaceTimeView::causalText(const RequestRecord& r) {
  QString text;
  if (!r.context.empty()) text += tr("\ncarried the context %1 (what its writer read)").arg(QString::fromStdString(r.context));
  if (r.siblings > 1) text += tr("\nthe key had %1 siblings").arg(r.siblings);
  if (r.siblingChange == RequestRecord::SiblingChange::kGrew) text += tr(" (a sibling set grew)");
  if (r.siblingChange == RequestRecord::SiblingChange::kResolved) text += tr("\nresolved the key's siblings to one value");
  return text;
}

const RequestRecord* SpaceTimeView::requestAt(const QPointF& pos) const {
  if (m_laneNodes.empty()) return nullptr;
  const double laneH = plot().height() / static_cast<double>(m_laneNodes.size());
  const std::int64_t t = timeAt(pos.x());
  const std::int64_t slack = (m_axis.endNs() - m_axis.startNs()) / 400;
  for (const RequestRecord& r : m_store.requests()) {
    if (!onLane(r.coordinator) || t < r.beginNs - slack || t > r.endNs + slack) continue;
    if (m_filter.active() && !m_filter.matches(r)) continue;
    const double y = laneY(r.coordinator) - laneH * 0.32;
    if (std::abs(pos.y() - y) <= std::max(4.0, laneH * 0.1)) return &r;
  }
  return nullptr;
}

void SpaceTimeView::wheelEvent(QWheelEvent* event) {
  m_axis.zoom(timeAt(event->position().x()), std::pow(0.85, event->angleDelta().y() / 120.0));
  update();
  event->accept();
}

void SpaceTimeView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  m_axis.press(event->position().x());
}

void SpaceTimeView::mouseMoveEvent(QMouseEvent* event) {
  if ((event->buttons() & Qt::LeftButton) && m_axis.dragTo(event->position().x(), plot())) {
    update();
    return;
  }
  if (const MessageRecord* m = messageAt(event->position())) {
    QString text = tr("%1 %2 → %3\nsent %4, %5 after %6\n%7 bytes")
                       .arg(QString::fromStdString(std::string(messageKindName(m->kind))),
                            QString::fromStdString(nodeName(m->from)), QString::fromStdString(nodeName(m->to)))
                       .arg(QStringLiteral("%1 ms").arg(static_cast<double>(m->sentNs) / 1e6, 0, 'f', 3))
                       .arg(m->dropped ? tr("lost") : tr("arrived"))
                       .arg(QString::fromStdString(formatDuration(Duration(m->endedNs - m->sentNs))))
                       .arg(m->bytes);
    if (m->requestId != 0) text += tr("\nrequest %1 (click to highlight its fan-out)").arg(m->requestId);
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
  } else if (const RequestRecord* r = requestAt(event->position())) {
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("%1 \"%2\" coordinated by %3\n%4 in %5\nclick to highlight its fan-out")
                           .arg(QString::fromStdString(std::string(operationName(r->op))),
                                QString::fromStdString(r->key), QString::fromStdString(nodeName(r->coordinator)))
                           .arg(r->result == ErrorCode::kOk ? tr("succeeded") : tr("failed"))
                           .arg(QString::fromStdString(formatDuration(Duration(r->endNs - r->beginNs)))) +
                           causalText(*r),
                       this);
  } else {
    QToolTip::hideText();
  }
}

void SpaceTimeView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || !m_axis.releaseWasClick()) return;
  if (const RequestRecord* r = requestAt(event->position())) {
    selectRequest(r->requestId);
  } else if (const MessageRecord* m = messageAt(event->position()); m && m->requestId != 0) {
    selectRequest(m->requestId);
  } else {
    selectRequest(0);
    setTimeCursor(timeAt(event->position().x()));
    emit timeClicked(m_cursorNs);
  }
}

void SpaceTimeView::mouseDoubleClickEvent(QMouseEvent*) { follow(); }

void SpaceTimeView::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_F) {
    follow();
    return;
  }
  QWidget::keyPressEvent(event);
}

}  // namespace ringlab
