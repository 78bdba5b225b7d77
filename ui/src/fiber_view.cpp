#include <ringlab/ui/fiber_view.h>

#include <algorithm>
#include <array>
#include <cmath>

#include <QComboBox>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

namespace ringlab {

namespace {

constexpr std::size_t kMaxSlices = 300'000;
constexpr std::size_t kMaxFibers = 200'000;
constexpr double kLeft = 96;
constexpr double kTop = 34;
constexpr double kAxis = 20;
constexpr double kQueueHeight = 64;
constexpr std::array<FiberRole, kFiberRoleCount> kRoleOrder = {
    FiberRole::kClient, FiberRole::kCoordinator, FiberRole::kReplica,     FiberRole::kRepair, FiberRole::kHints,
    FiberRole::kGossip, FiberRole::kDetector,    FiberRole::kAntiEntropy, FiberRole::kSystem};

std::size_t maxLanesFor(FiberRole role) {
  switch (role) {
    case FiberRole::kCoordinator:
    case FiberRole::kReplica:
    case FiberRole::kClient: return 6;
    default: return 3;
  }
}

QString ms(std::int64_t ns) { return QString::fromStdString(formatDuration(Duration(ns))); }

// A note over the lanes: `text` in a rounded box (`box`, its padding included) on a nearly opaque backing.
void drawNote(QPainter& p, const Theme& theme, const QRectF& box, const QRectF& textBox, int flags,
              const QString& text) {
  QColor bg = theme.surface;
  bg.setAlpha(235);
  p.setPen(QPen(theme.grid, 1));
  p.setBrush(bg);
  p.drawRoundedRect(box, 6, 6);
  p.setPen(theme.text);
  p.drawText(textBox, flags, text);
}

}  // namespace

QColor fiberRoleColor(FiberRole role) {
  switch (role) {
    case FiberRole::kCoordinator: return QColor(0x1f, 0x78, 0xd1);
    case FiberRole::kReplica: return QColor(0xe6, 0x55, 0x0d);
    case FiberRole::kGossip: return QColor(0x86, 0x8e, 0x96);
    case FiberRole::kDetector: return QColor(0x5c, 0x5f, 0x66);
    case FiberRole::kHints: return QColor(0xae, 0x3e, 0xc9);
    case FiberRole::kRepair: return QColor(0x2f, 0x9e, 0x44);
    case FiberRole::kAntiEntropy: return QColor(0x66, 0xa8, 0x0f);
    case FiberRole::kClient: return QColor(0x0c, 0xa6, 0x78);
    case FiberRole::kSystem: return QColor(0x99, 0x7a, 0x5c);
  }
  return Qt::gray;
}

FiberView::FiberView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::ClickFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);
  m_nodeBox = new QComboBox(this);
  m_nodeBox->setToolTip(tr("The node whose fibers are shown"));
  m_nodeBox->move(6, 4);
  connect(m_nodeBox, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i >= 0) setNode(static_cast<NodeId>(i));
  });
}

void FiberView::setTheme(const Theme& theme) {
  m_theme = theme;
  update();
}

QString FiberView::waitText(const WaitFor& wait) const {
  QString text = QString::fromStdString(describeWait(wait));
  if (wait.requestId != 0) {
    if (const auto it = m_requests.find(wait.requestId); it != m_requests.end()) {
      text += tr(" (%1 \"%2\")")
                  .arg(QString::fromStdString(std::string(operationName(it->second.op))),
                       QString::fromStdString(it->second.key));
    }
  }
  return text;
}

void FiberView::clear() {
  m_running.clear();
  m_fibers.clear();
  m_slices.clear();
  m_requests.clear();
  m_selected = 0;
  m_nowNs = 0;
  m_axis.follow(0);
  update();
}

void FiberView::setNode(NodeId node) {
  m_node = node;
  m_selected = 0;
  if (m_nodeBox->currentIndex() != static_cast<int>(node) && static_cast<int>(node) < m_nodeBox->count()) {
    const QSignalBlocker block(m_nodeBox);
    m_nodeBox->setCurrentIndex(static_cast<int>(node));
  }
  update();
}

void FiberView::setWindow(std::int64_t startNs, std::int64_t endNs) {
  m_axis.set(startNs, endNs);
  update();
}

void FiberView::follow() {
  m_axis.follow(m_nowNs);
  update();
}

void FiberView::setSnapshot(const FeedSnapshot& s) {
  if (s.nowNs < m_nowNs) clear();
  m_nowNs = s.nowNs;
  if (s.nodes.size() != m_nodeCount) {
    m_nodeCount = s.nodes.size();
    const QSignalBlocker block(m_nodeBox);
    m_nodeBox->clear();
    for (const NodeInfo& n : s.nodes) m_nodeBox->addItem(QString::fromStdString(nodeName(n.id)));
    m_nodeBox->setCurrentIndex(static_cast<int>(std::min<std::size_t>(m_node, m_nodeCount - 1)));
    m_nodeBox->adjustSize();
  }
  m_running.assign(s.nodes.size(), true);
  for (const NodeInfo& n : s.nodes) {
    if (n.id < m_running.size()) m_running[n.id] = n.running;
  }
  for (const FiberRecord& f : s.newFibers) {
    if (f.startNs >= 0) {
      m_fibers[f.fiberId] = f;
    } else if (auto it = m_fibers.find(f.fiberId); it != m_fibers.end()) {
      it->second.endNs = f.endNs;
      it->second.cancelled = f.cancelled;
    }
  }
  for (const FiberSliceRecord& slice : s.newSlices) {
    // Fibers started before recording began (a node's long-lived fibers start with it) are known by their slices.
    if (!m_fibers.contains(slice.fiberId)) {
      m_fibers[slice.fiberId] = FiberRecord{
          slice.fiberId, slice.node, slice.role, std::string(fiberRoleName(slice.role)), slice.startNs, -1, false};
    }
  }
  m_slices.insert(m_slices.end(), s.newSlices.begin(), s.newSlices.end());
  while (m_slices.size() > kMaxSlices) m_slices.pop_front();
  for (const RequestRecord& r : s.newRequests) m_requests[r.requestId] = r;
  if (m_fibers.size() > kMaxFibers && !m_slices.empty()) {
    const std::int64_t oldest = m_slices.front().startNs;
    std::erase_if(m_fibers,
                  [oldest](const auto& entry) { return entry.second.endNs >= 0 && entry.second.endNs < oldest; });
  }
  if (m_requests.size() > kMaxFibers && !m_slices.empty()) {
    const std::int64_t oldest = m_slices.front().startNs;
    std::erase_if(m_requests, [oldest](const auto& entry) { return entry.second.endNs < oldest; });
  }
  m_axis.advance(m_nowNs);
  update();
}

// The run queue gets its full height when the view is tall, and a fifth of a short one (a bottom dock on a 720p
// projector; never less than 24 px at normal scale), so that the fibers' lanes keep most of the room.
double FiberView::queueHeight() const {
  const double s = m_theme.scale();
  return std::min(kQueueHeight * s, std::max(24.0 * s, height() * 0.2));
}

QRectF FiberView::lanesArea() const {
  const double s = m_theme.scale();
  return QRectF(kLeft * s, kTop * s, width() - kLeft * s - 8, height() - (kTop + kAxis + 8) * s - queueHeight());
}

QRectF FiberView::queueArea() const {
  const double s = m_theme.scale();
  const QRectF lanes = lanesArea();
  return QRectF(lanes.left(), lanes.bottom() + (kAxis + 4) * s, lanes.width(), queueHeight());
}

void FiberView::layoutLanes() {
  m_lanes.clear();
  m_laneOf.clear();
  m_hiddenFibers = 0;
  std::vector<const FiberRecord*> visible;
  for (const auto& [id, f] : m_fibers) {
    if (f.node != m_node || f.startNs > m_axis.endNs()) continue;
    if (f.endNs >= 0 && f.endNs < m_axis.startNs()) continue;
    visible.push_back(&f);
  }
  std::sort(visible.begin(), visible.end(), [](const FiberRecord* a, const FiberRecord* b) {
    return a->startNs != b->startNs ? a->startNs < b->startNs : a->fiberId < b->fiberId;
  });
  for (FiberRole role : kRoleOrder) {
    std::vector<std::int64_t> laneEnd;  // per lane of this role, when its last fiber ended
    std::vector<std::size_t> laneIndex;
    for (const FiberRecord* f : visible) {
      if (f->role != role) continue;
      const std::int64_t end = f->endNs >= 0 ? f->endNs : m_nowNs;
      std::size_t lane = laneEnd.size();
      for (std::size_t i = 0; i < laneEnd.size(); ++i) {
        if (laneEnd[i] < f->startNs) {
          lane = i;
          break;
        }
      }
      if (lane == laneEnd.size()) {
        if (laneEnd.size() >= maxLanesFor(role)) {
          ++m_hiddenFibers;
          continue;
        }
        laneEnd.push_back(end);
        laneIndex.push_back(m_lanes.size());
        const QString name = QString::fromStdString(std::string(fiberRoleName(role)));
        m_lanes.push_back({role, laneEnd.size() == 1 ? name : QString()});
      }
      laneEnd[lane] = end;
      m_laneOf[f->fiberId] = laneIndex[lane];
    }
  }
}

void FiberView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), m_theme.surface);
  const double s = m_theme.scale();
  const QRectF area = lanesArea();
  m_slicesDrawn = 0;
  m_maxRunQueue = 0;
  m_labelBoxes.clear();
  layoutLanes();
  const QFontMetricsF fm(font());

  // Header: what this is, beside the node selector.
  p.setPen(m_theme.text);
  const double headerX = m_nodeBox->geometry().right() + 10;
  p.drawText(QRectF(headerX, 0, width() - headerX - 8, kTop * s), Qt::AlignVCenter | Qt::AlignLeft,
             tr("fibers: running ▮ solid · ready (waiting for a core) ▮ light · blocked — line"));

  // A node that is down now runs nothing now: said in words when the window reaches the present, rather than left as
  // empty lanes (its long-lived fibers stay listed until they end, and a crash does not end them one by one). A past
  // window is drawn as it was.
  const bool down = m_node < m_running.size() && !m_running[m_node] && m_axis.endNs() >= m_nowNs;
  const QString downText = tr("%1 is not running now (crashed, stopped or gone): none of its fibers runs.")
                               .arg(QString::fromStdString(nodeName(m_node)));
  m_emptyMessage.clear();
  if (m_lanes.empty()) {
    m_emptyMessage = m_nodeCount == 0 ? tr("No run yet: open a scenario.")
                     : down           ? downText
                                      : tr("No fiber of this node ran in this window.");
    p.setPen(m_theme.mutedText);
    p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, m_emptyMessage);
    return;
  }
  const double laneH = std::clamp(area.height() / static_cast<double>(m_lanes.size()), 6.0, 30.0 * s);
  // A role's label sits at its first lane; when lanes are thinner than a line of text, a label that would overlap
  // the one above it, or run below the lanes into the time axis, is left out (its lanes keep their colour).
  double labelsEnd = area.top();
  for (std::size_t i = 0; i < m_lanes.size(); ++i) {
    const double y = area.top() + laneH * static_cast<double>(i);
    if (i % 2 == 0) p.fillRect(QRectF(area.left(), y, area.width(), laneH), m_theme.background);
    if (!m_lanes[i].label.isEmpty() && y >= labelsEnd - 1 && y + fm.height() <= area.bottom() + 2) {
      labelsEnd = y + fm.height();
      m_labelBoxes.emplace_back(0, y, area.left() - 6, fm.height());
      // Role colours are mid-tones: lightened on a dark background so that every label (the grey detector's too)
      // stays readable.
      const QColor role = fiberRoleColor(m_lanes[i].role);
      p.setPen(m_theme.kind == ThemeKind::kDark ? role.lighter(role.lightness() < 110 ? 220 : 140) : role);
      p.drawText(QRectF(0, y, area.left() - 6, std::max(laneH, fm.height())), Qt::AlignRight | Qt::AlignTop,
                 m_lanes[i].label);
    }
  }

  // Slices, and the run queue from the ready ones; slices reaching outside the window are cut at its edges.
  std::vector<std::pair<std::int64_t, int>> queueSteps;
  p.setClipRect(area);
  const QColor blockedColor = m_theme.mutedText;
  for (const FiberSliceRecord& slice : m_slices) {
    if (slice.node != m_node || slice.endNs < m_axis.startNs() || slice.startNs > m_axis.endNs()) continue;
    if (slice.state == FiberState::kReady) {
      queueSteps.emplace_back(slice.startNs, +1);
      queueSteps.emplace_back(slice.endNs, -1);
    }
    const auto lane = m_laneOf.find(slice.fiberId);
    if (lane == m_laneOf.end()) continue;
    const auto fiber = m_fibers.find(slice.fiberId);
    const FiberRole role = fiber != m_fibers.end() ? fiber->second.role : FiberRole::kSystem;
    const double x0 = m_axis.xOf(slice.startNs, area);
    const double x1 = std::max(x0 + 1.0, m_axis.xOf(slice.endNs, area));
    const double y = area.top() + laneH * static_cast<double>(lane->second);
    const bool selected = slice.fiberId == m_selected;
    QColor c = fiberRoleColor(role);
    switch (slice.state) {
      case FiberState::kRunning: p.fillRect(QRectF(x0, y + 1, x1 - x0, laneH - 2), c); break;
      case FiberState::kReady:
        c.setAlpha(90);
        p.fillRect(QRectF(x0, y + laneH * 0.2, x1 - x0, laneH * 0.6), c);
        break;
      case FiberState::kBlocked: p.fillRect(QRectF(x0, y + laneH / 2 - 0.75, x1 - x0, 1.5), blockedColor); break;
    }
    if (selected) {
      p.setPen(QPen(m_theme.text, 1.5));
      p.setBrush(Qt::NoBrush);
      p.drawRect(QRectF(x0, y, x1 - x0, laneH));
    }
    ++m_slicesDrawn;
  }
  p.setClipping(false);
  if (m_slicesDrawn == 0 && down) {
    m_emptyMessage = downText;
    p.setClipRect(area);
    const QRectF box = fm.boundingRect(area, Qt::AlignCenter | Qt::TextWordWrap, downText).adjusted(-10, -6, 10, 6);
    drawNote(p, m_theme, box, box, Qt::AlignCenter | Qt::TextWordWrap, downText);
    p.setClipping(false);
  }
  m_axis.paint(p, area, m_theme, kAxis * s);
  if (m_cursorNs >= m_axis.startNs() && m_cursorNs <= m_axis.endNs()) {
    const double x = m_axis.xOf(m_cursorNs, area);
    p.setPen(QPen(m_theme.accent, 2 * s, Qt::DashDotLine));
    p.drawLine(QPointF(x, area.top()), QPointF(x, queueArea().bottom()));
  }

  // Run-queue length over time.
  const QRectF q = queueArea();
  p.setPen(m_theme.mutedText);
  p.drawText(QRectF(0, q.top(), q.left() - 6, q.height()), Qt::AlignRight | Qt::AlignVCenter, tr("run queue"));
  std::sort(queueSteps.begin(), queueSteps.end());
  int depth = 0;
  int maxDepth = 1;
  for (const auto& [t, d] : queueSteps) {
    depth += d;
    maxDepth = std::max(maxDepth, depth);
  }
  // The deepest queue in each pixel column, drawn as bars: cheap however many steps there are.
  const int columns = std::max(1, static_cast<int>(q.width()));
  std::vector<int> columnDepth(static_cast<std::size_t>(columns), 0);
  depth = 0;
  for (std::size_t i = 0; i < queueSteps.size(); ++i) {
    depth += queueSteps[i].second;
    const std::int64_t from = queueSteps[i].first;
    const std::int64_t to = i + 1 < queueSteps.size() ? queueSteps[i + 1].first : m_axis.endNs();
    if (depth <= 0 || to < m_axis.startNs() || from > m_axis.endNs()) continue;
    const int c0 = std::clamp(static_cast<int>(m_axis.xOf(from, q) - q.left()), 0, columns - 1);
    const int c1 = std::clamp(static_cast<int>(m_axis.xOf(to, q) - q.left()), 0, columns - 1);
    for (int c = c0; c <= c1; ++c)
      columnDepth[static_cast<std::size_t>(c)] = std::max(columnDepth[static_cast<std::size_t>(c)], depth);
  }
  QColor fill = m_theme.accent;
  fill.setAlpha(140);
  for (int c = 0; c < columns; ++c) {
    const int d = columnDepth[static_cast<std::size_t>(c)];
    if (d == 0) continue;
    const double h = q.height() * d / maxDepth;
    p.fillRect(QRectF(q.left() + c, q.bottom() - h, 1, h), fill);
  }
  p.setPen(QPen(m_theme.grid, 1));
  p.setBrush(Qt::NoBrush);
  p.drawRect(q);
  p.setPen(m_theme.mutedText);
  p.drawText(q.adjusted(4, 2, -4, -2), Qt::AlignTop | Qt::AlignLeft, tr("max %1 ready").arg(maxDepth));
  m_maxRunQueue = queueSteps.empty() ? 0 : static_cast<std::size_t>(maxDepth);

  // Status and the selected fiber's summary.
  QStringList status;
  status << (m_axis.following() ? tr("following virtual time") : tr("F or double-click to follow"));
  if (m_hiddenFibers > 0) status << tr("%1 more fibers not shown (too many at once)").arg(m_hiddenFibers);
  // On a backing of its own: in a short view the line sits over the run queue's bars.
  const QString statusText = status.join(QStringLiteral(" · "));
  const double statusWidth = std::min(q.width(), static_cast<double>(fm.horizontalAdvance(statusText)) + 8);
  const QRectF statusBox(q.right() - statusWidth, height() - fm.height() - 2, statusWidth, fm.height());
  QColor backing = m_theme.surface;
  backing.setAlpha(220);
  p.fillRect(statusBox, backing);
  p.drawText(statusBox.adjusted(0, 0, -4, 0), Qt::AlignRight | Qt::AlignVCenter, statusText);
  if (const QString text = summaryText(m_selected); !text.isEmpty()) {
    const QRectF box = fm.boundingRect(QRectF(0, 0, 640 * s, 400 * s), Qt::TextWordWrap, text).adjusted(-8, -6, 8, 6);
    const QRectF placed(area.right() - box.width() - 6, area.top() + 6, box.width(), box.height());
    drawNote(p, m_theme, placed, placed.adjusted(8, 6, -8, -6), Qt::TextWordWrap, text);
  }
}

QString FiberView::summaryText(std::uint64_t fiberId) const {
  const auto summary = summarize(fiberId);
  if (!summary) return {};
  const FiberRecord& f = summary->fiber;
  return tr("%1 (%2) on %3\nstarted %4 %5\nrunning %6 · ready %7 · blocked %8\nwaited %9 times, longest %10%11")
      .arg(QString::fromStdString(f.name), QString::fromStdString(std::string(fiberRoleName(f.role))),
           QString::fromStdString(nodeName(f.node)))
      .arg(ms(f.startNs))
      .arg(f.endNs < 0 ? tr("· still alive")
                       : tr("· %1 %2").arg(f.cancelled ? tr("cancelled at") : tr("ended at"), ms(f.endNs)))
      .arg(ms(summary->runningNs), ms(summary->readyNs), ms(summary->blockedNs))
      .arg(summary->waits)
      .arg(ms(summary->longestWaitNs))
      .arg(waitBreakdown(*summary));
}

QString FiberView::waitBreakdown(const FiberSummary& summary) const {
  QString text;
  for (std::size_t k = 0; k < kWaitKindCount; ++k) {
    const auto& totals = summary.byKind[k];
    if (totals.count == 0) continue;
    text += tr("\n  %1: %2 %3, %4 in all; the longest (%5) for %6")
                .arg(QString::fromStdString(std::string(waitKindName(static_cast<WaitKind>(k)))))
                .arg(totals.count)
                .arg(totals.count == 1 ? tr("wait") : tr("waits"))
                .arg(ms(totals.totalNs), ms(totals.longestNs), waitText(totals.longest));
  }
  return text;
}

std::optional<FiberView::FiberSummary> FiberView::summarize(std::uint64_t fiberId) const {
  const auto it = m_fibers.find(fiberId);
  if (fiberId == 0 || it == m_fibers.end()) return std::nullopt;
  FiberSummary summary;
  summary.fiber = it->second;
  for (const FiberSliceRecord& slice : m_slices) {
    if (slice.fiberId != fiberId) continue;
    const std::int64_t d = slice.endNs - slice.startNs;
    switch (slice.state) {
      case FiberState::kRunning: summary.runningNs += d; break;
      case FiberState::kReady: summary.readyNs += d; break;
      case FiberState::kBlocked: {
        summary.blockedNs += d;
        ++summary.waits;
        summary.longestWaitNs = std::max(summary.longestWaitNs, d);
        auto& totals = summary.byKind[static_cast<std::size_t>(slice.waitFor.kind)];
        ++totals.count;
        totals.totalNs += d;
        if (d > totals.longestNs) {
          totals.longestNs = d;
          totals.longest = slice.waitFor;
        }
        break;
      }
    }
  }
  return summary;
}

void FiberView::setTimeCursor(std::int64_t ns) {
  m_cursorNs = ns;
  update();
}

void FiberView::selectFiber(std::uint64_t fiberId) {
  m_selected = fiberId;
  update();
}

const FiberSliceRecord* FiberView::sliceAt(const QPointF& pos) const {
  const QRectF area = lanesArea();
  if (!area.contains(pos) || m_lanes.empty()) return nullptr;
  const double laneH = std::clamp(area.height() / static_cast<double>(m_lanes.size()), 6.0, 30.0 * m_theme.scale());
  const auto lane = static_cast<std::size_t>((pos.y() - area.top()) / laneH);
  const std::int64_t t = m_axis.timeAt(pos.x(), area);
  const std::int64_t slack = m_axis.widthNs() / 300;
  const FiberSliceRecord* best = nullptr;
  std::int64_t bestDistance = 0;
  for (const FiberSliceRecord& slice : m_slices) {
    if (slice.node != m_node || slice.endNs < t - slack || slice.startNs > t + slack) continue;
    const auto it = m_laneOf.find(slice.fiberId);
    if (it == m_laneOf.end() || it->second != lane) continue;
    const std::int64_t distance = t < slice.startNs ? slice.startNs - t : (t > slice.endNs ? t - slice.endNs : 0);
    if (!best || distance < bestDistance) {
      best = &slice;
      bestDistance = distance;
    }
    if (distance == 0) break;
  }
  return best;
}

std::optional<std::uint64_t> FiberView::fiberAt(const QPointF& pos) const {
  if (const FiberSliceRecord* slice = sliceAt(pos)) return slice->fiberId;
  return std::nullopt;
}

void FiberView::wheelEvent(QWheelEvent* event) {
  m_axis.zoom(m_axis.timeAt(event->position().x(), lanesArea()), std::pow(0.85, event->angleDelta().y() / 120.0));
  update();
  event->accept();
}

void FiberView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  m_axis.press(event->position().x());
}

void FiberView::mouseMoveEvent(QMouseEvent* event) {
  if ((event->buttons() & Qt::LeftButton) && m_axis.dragTo(event->position().x(), lanesArea())) {
    update();
    return;
  }
  if (const FiberSliceRecord* slice = sliceAt(event->position())) {
    const FiberRecord& f = m_fibers.at(slice->fiberId);
    QString what;
    switch (slice->state) {
      case FiberState::kRunning: what = tr("running for %1").arg(ms(slice->endNs - slice->startNs)); break;
      case FiberState::kReady:
        what = tr("ready for %1, waiting for a core").arg(ms(slice->endNs - slice->startNs));
        break;
      case FiberState::kBlocked:
        what = tr("blocked for %1, waiting for %2").arg(ms(slice->endNs - slice->startNs), waitText(slice->waitFor));
        break;
    }
    QToolTip::showText(
        event->globalPosition().toPoint(),
        tr("%1 (%2)\n%3\nclick for its lifetime and waits")
            .arg(QString::fromStdString(f.name), QString::fromStdString(std::string(fiberRoleName(f.role))), what),
        this);
  } else {
    QToolTip::hideText();
  }
}

void FiberView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || !m_axis.releaseWasClick()) return;
  selectFiber(fiberAt(event->position()).value_or(0));
  setTimeCursor(m_axis.timeAt(event->position().x(), lanesArea()));
  emit timeClicked(m_cursorNs);
}

void FiberView::mouseDoubleClickEvent(QMouseEvent*) { follow(); }

void FiberView::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_F) {
    follow();
    return;
  }
  QWidget::keyPressEvent(event);
}

}  // namespace ringlab
