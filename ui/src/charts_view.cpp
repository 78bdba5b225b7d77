#include <ringlab/ui/charts_view.h>

#include <algorithm>
#include <cmath>

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QToolTip>
#include <QValueAxis>

namespace ringlab {

namespace {
constexpr std::size_t kMaxSamples = 4 * 60 * 30;  // 30 minutes of 250 ms intervals

double niceCeiling(double v) {
  if (v <= 0) return 1;
  const double exp = std::pow(10.0, std::floor(std::log10(v)));
  // Fine enough steps that a line does not hug the bottom half (1,000 nodes reads 0-1,200, not 0-2,000), and each
  // halves into a round middle tick.
  for (double m : {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0})
    if (v <= m * exp) return m * exp;
  return 10 * exp;
}

// Axis labels as plain numbers, with as many decimals as the ticks need (a 0-5 axis with three ticks reads 0.0, 2.5,
// 5.0, not 0, 3, 5): never "1e+04".
QString labelFormatFor(double top, int tickCount) {
  const double step = top / std::max(1, tickCount - 1);
  int decimals = 0;
  while (decimals < 3) {
    const double scaled = step * std::pow(10.0, decimals);
    if (std::abs(scaled - std::round(scaled)) < 1e-6) break;
    ++decimals;
  }
  return QStringLiteral("%.%1f").arg(decimals);
}

// Seconds between time ticks: a round step that gives three to six ticks across the window.
double timeTickInterval(double span) {
  for (double step : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0})
    if (span / step <= 5.0) return step;
  return 1800.0;
}

// Percentiles in three distinct hues that read on light and dark backgrounds alike.
const QColor kP50(0x1c, 0x7e, 0xd6);   // blue
const QColor kP99(0xf0, 0x8c, 0x00);   // orange
const QColor kP999(0xd6, 0x33, 0x84);  // magenta
const QColor kFailed(0xe0, 0x31, 0x31);

// A chart view that draws an overlay (fault periods, quorum marks) over its plot.
class OverlayChartView final : public QChartView {
 public:
  OverlayChartView(QChart* chart, QWidget* parent, std::function<void(QPainter&)> overlay)
      : QChartView(chart, parent), m_overlay(std::move(overlay)) {}

 protected:
  void drawForeground(QPainter* painter, const QRectF& rect) override {
    QChartView::drawForeground(painter, rect);
    painter->save();
    m_overlay(*painter);
    painter->restore();
  }

 private:
  std::function<void(QPainter&)> m_overlay;
};
}  // namespace

ChartsView::ChartsView(QWidget* parent) : QWidget(parent) {
  auto* grid = new QGridLayout(this);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(2);
  const QColor get = trafficColor(TrafficClass::kRead);
  const QColor put = trafficColor(TrafficClass::kWrite);
  const QColor del = QColor(0x86, 0x3b, 0xa8);
  const auto failed = [](std::size_t op) { return [op](const MetricsSample& s) { return s.failedPerSecond[op]; }; };

  Chart& throughput = addChart(tr("Throughput"), tr("ops/s"));
  addSeries(throughput, tr("get"), get, [](const MetricsSample& s) { return s.opsPerSecond[0]; });
  addSeries(throughput, tr("put"), put, [](const MetricsSample& s) { return s.opsPerSecond[1]; });
  addSeries(throughput, tr("delete"), del, [](const MetricsSample& s) { return s.opsPerSecond[2]; });

  // Latency is of the operations that succeeded; the failed ones (timeouts above all) are drawn beside it, on the
  // right axis, so that a latency that drops while requests time out does not look like good news.
  Chart& getLatency = addChart(tr("Get latency"), tr("ms"));
  addSeries(getLatency, tr("p50"), kP50, [](const MetricsSample& s) { return s.p50Ms[0]; });
  addSeries(getLatency, tr("p99"), kP99, [](const MetricsSample& s) { return s.p99Ms[0]; });
  addSeries(
      getLatency, tr("p99.9"), kP999, [](const MetricsSample& s) { return s.p999Ms[0]; }, Qt::DashLine);
  addSeries(getLatency, tr("failed/s"), kFailed, failed(0), Qt::DotLine, true, tr("failed/s"));

  Chart& putLatency = addChart(tr("Put / delete latency"), tr("ms"));
  addSeries(putLatency, tr("put p50"), kP50, [](const MetricsSample& s) { return s.p50Ms[1]; });
  addSeries(putLatency, tr("put p99"), kP99, [](const MetricsSample& s) { return s.p99Ms[1]; });
  addSeries(
      putLatency, tr("put p99.9"), kP999, [](const MetricsSample& s) { return s.p999Ms[1]; }, Qt::DashLine);
  addSeries(
      putLatency, tr("delete p99"), del, [](const MetricsSample& s) { return s.p99Ms[2]; }, Qt::DashDotLine);
  addSeries(
      putLatency, tr("failed/s"), kFailed,
      [](const MetricsSample& s) { return s.failedPerSecond[1] + s.failedPerSecond[2]; }, Qt::DotLine, true,
      tr("failed/s"));

  Chart& errors = addChart(tr("Errors and drops"), tr("per s"));
  addSeries(errors, tr("failed ops"), kFailed, [](const MetricsSample& s) { return s.errorsPerSecond; });
  addSeries(
      errors, tr("dropped msgs"), QColor(0x86, 0x8e, 0x96), [](const MetricsSample& s) { return s.droppedPerSecond; },
      Qt::DashLine);

  // Answers often come at the same rate as their requests (an ack per write, a reply per read): they are dashed
  // over the solid request lines so that both stay visible when the lines coincide.
  Chart& messages = addChart(tr("Messages by kind"), tr("msgs/s"));
  for (std::size_t c = 0; c < kTrafficClassCount; ++c) {
    const auto cls = static_cast<TrafficClass>(c);
    const bool answer = cls == TrafficClass::kAck || cls == TrafficClass::kReply;
    addSeries(
        messages, trafficClassName(cls).section(QLatin1Char(' '), 0, 0), trafficColor(cls),
        [c](const MetricsSample& s) { return s.messagesPerSecond[c]; }, answer ? Qt::DashLine : Qt::SolidLine);
  }

  Chart& health = addChart(tr("Stale reads, lost updates, hints"), tr("%"));
  addSeries(health, tr("stale reads %"), QColor(0xf0, 0x8c, 0x00),
            [](const MetricsSample& s) { return s.staleReadRate * 100.0; });
  addSeries(
      health, tr("lost updates %"), kFailed, [](const MetricsSample& s) { return s.lostUpdateRate * 100.0; },
      Qt::DashLine);
  addSeries(
      health, tr("hints held"), trafficColor(TrafficClass::kHint),
      [](const MetricsSample& s) { return s.hintsOutstanding; }, Qt::SolidLine, true, tr("hints"));

  // How far the news of a crash has spread: for one crashed node, the running nodes whose failure detector marks it
  // down, rising towards the running nodes as its last heartbeat's age passes each one's threshold.
  Chart& detection = addChart(tr("Crash detection"), tr("nodes"));
  addSeries(detection, tr("mark a crashed node down"), kFailed,
            [](const MetricsSample& s) { return s.crashDownVerdicts; });
  addSeries(
      detection, tr("running nodes"), QColor(0x86, 0x8e, 0x96), [](const MetricsSample& s) { return s.runningNodes; },
      Qt::DashLine);

  layoutCharts();

  m_refresh.setInterval(100);
  connect(&m_refresh, &QTimer::timeout, this, [this] {
    if (m_dirty) refresh();
  });
  m_refresh.start();
  setTheme(m_theme);
}

QStringList ChartsView::chartTitles() {
  return {tr("Throughput"),       tr("Get latency"),      tr("Put / delete latency"),
          tr("Errors and drops"), tr("Messages by kind"), tr("Stale reads, lost updates, hints"),
          tr("Crash detection")};
}

QStringList ChartsView::shownCharts() const {
  QStringList titles;
  for (const Chart& c : m_charts)
    if (!c.view->isHidden()) titles << c.chart->title();
  return titles;
}

void ChartsView::setShownCharts(const QStringList& titles) {
  if (titles == m_shown) return;
  m_shown = titles;
  layoutCharts();
}

void ChartsView::layoutCharts() {
  auto* grid = static_cast<QGridLayout*>(layout());
  for (const Chart& c : m_charts) grid->removeWidget(c.view);
  const int count = static_cast<int>(m_charts.size());
  for (int i = 0; i < count; ++i) {
    grid->setColumnStretch(i, 0);
    grid->setRowStretch(i, 0);
  }
  // Every chart: two rows. A chosen few (presentation mode): one row.
  const int columns = (count + 1) / 2;
  int placed = 0;
  for (const Chart& c : m_charts) {
    const bool shown = m_shown.isEmpty() || m_shown.contains(c.chart->title());
    c.view->setVisible(shown);
    if (!shown) continue;
    const int row = m_shown.isEmpty() ? placed / columns : 0;
    const int column = m_shown.isEmpty() ? placed % columns : placed;
    grid->addWidget(c.view, row, column);
    grid->setColumnStretch(column, 1);
    grid->setRowStretch(row, 1);
    ++placed;
  }
  m_dirty = true;
}

ChartsView::Chart& ChartsView::addChart(const QString& title, const QString& unit) {
  Chart c;
  c.chart = new QChart();
  c.chart->setTitle(title);
  c.chart->setMargins(QMargins(2, 0, 2, 0));
  c.chart->layout()->setContentsMargins(0, 0, 0, 0);
  c.chart->setBackgroundRoundness(0);
  c.chart->legend()->setAlignment(Qt::AlignBottom);
  c.chart->setAnimationOptions(QChart::NoAnimation);
  c.x = new QValueAxis();
  c.x->setLabelFormat(QStringLiteral("%.0f s"));
  // Time ticks on round seconds (0, 5, 10, 15, 20 s), not at thirds of the window (0, 7, 13, 20 s).
  c.x->setTickType(QValueAxis::TicksDynamic);
  c.x->setTickAnchor(0);
  c.x->setTickInterval(10);
  c.y = new QValueAxis();
  c.y->setLabelFormat(QStringLiteral("%.0f"));
  c.y->setTitleText(unit);
  c.y->setTickCount(3);
  c.chart->addAxis(c.x, Qt::AlignBottom);
  c.chart->addAxis(c.y, Qt::AlignLeft);
  const std::size_t index = m_charts.size();
  c.view = new OverlayChartView(c.chart, this, [this, index](QPainter& p) { paintOverlay(p, m_charts[index]); });
  c.view->setRenderHint(QPainter::Antialiasing);
  c.view->setMinimumSize(160, 90);
  c.unit = unit;
  m_charts.push_back(c);
  return m_charts.back();
}

QLineSeries* ChartsView::addSeries(Chart& chart, const QString& name, const QColor& color,
                                   std::function<double(const MetricsSample&)> value, Qt::PenStyle style,
                                   bool rightAxis, const QString& rightTitle) {
  auto* series = new QLineSeries();
  series->setName(name);
  QPen pen(color, 2);
  pen.setStyle(style);
  series->setPen(pen);
  chart.chart->addSeries(series);
  series->attachAxis(chart.x);
  if (rightAxis) {
    if (!chart.y2) {
      chart.y2 = new QValueAxis();
      chart.y2->setLabelFormat(QStringLiteral("%.0f"));
      chart.y2->setTitleText(rightTitle);
      chart.y2->setTickCount(3);
      chart.chart->addAxis(chart.y2, Qt::AlignRight);
      chart.rightUnit = rightTitle;
    }
    series->attachAxis(chart.y2);
  } else {
    series->attachAxis(chart.y);
  }
  const QString unit = rightAxis ? chart.rightUnit : chart.unit;
  connect(series, &QLineSeries::hovered, this, [this, series, unit](const QPointF& point, bool state) {
    if (!state) {
      QToolTip::hideText();
      return;
    }
    QToolTip::showText(QCursor::pos(),
                       tr("%1 at %2 s: %3 %4 (click to see this moment in the diagrams)")
                           .arg(series->name())
                           .arg(point.x(), 0, 'f', 2)
                           .arg(point.y(), 0, 'g', 4)
                           .arg(unit),
                       this);
  });
  connect(series, &QLineSeries::clicked, this, [this](const QPointF& point) { emit intervalSelected(point.x()); });
  chart.series.push_back(series);
  chart.pens.push_back(pen);
  chart.values.push_back(std::move(value));
  return series;
}

void ChartsView::setTheme(const Theme& theme) {
  m_theme = theme;
  for (Chart& c : m_charts) {
    c.chart->setTheme(theme.kind == ThemeKind::kDark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    c.chart->setBackgroundBrush(theme.surface);
    c.chart->setTitleBrush(theme.text);
    QFont title = QApplication::font();
    title.setBold(true);
    title.setPointSizeF(title.pointSizeF() * 1.05);
    c.chart->setTitleFont(title);
    QFont labels = QApplication::font();
    labels.setPointSizeF(labels.pointSizeF() * 0.85);
    c.chart->legend()->setFont(labels);
    c.chart->legend()->setLabelColor(theme.text);
    for (QValueAxis* axis : {c.x, c.y, c.y2}) {
      if (!axis) continue;
      axis->setLabelsFont(labels);
      axis->setLabelsColor(theme.mutedText);
      axis->setTitleBrush(theme.mutedText);
      axis->setTitleFont(labels);
      axis->setGridLineColor(theme.grid);
    }
    // setTheme resets series pens: restore them.
    for (std::size_t i = 0; i < c.series.size(); ++i) {
      QPen pen = c.pens[i];
      pen.setWidthF(2.0 * theme.scale());
      c.series[i]->setPen(pen);
    }
  }
  m_dirty = true;
}

void ChartsView::setWindowSeconds(double seconds) {
  m_windowSeconds = std::max(1.0, seconds);
  m_dirty = true;
}

void ChartsView::clear() {
  m_samples.clear();
  m_faults.clear();
  m_quorumMarks.clear();
  m_lastQuorum.reset();
  m_nowSeconds = 0;
  m_runSeconds = 0;
  m_dirty = true;
}

void ChartsView::setSnapshot(const FeedSnapshot& snapshot) {
  for (const MetricsSample& s : snapshot.newSamples) {
    m_samples.push_back(s);
    if (m_samples.size() > kMaxSamples) m_samples.pop_front();
  }
  const double now = static_cast<double>(snapshot.nowNs) / 1e9;
  if (const double run = static_cast<double>(snapshot.endNs) / 1e9; run != m_runSeconds) {
    m_runSeconds = run;
    m_dirty = true;
  }
  if (!snapshot.newSamples.empty() || now != m_nowSeconds) {
    m_nowSeconds = now;
    m_dirty = true;
  }
  // What is wrong with the cluster now, in a few words: the period is shaded while it stays the same.
  QStringList wrong;
  if (!snapshot.cutLinks.empty()) wrong << tr("partition");
  for (const NodeInfo& n : snapshot.nodes) {
    if (n.state == NodeDisplayState::kLeft) continue;
    if (!n.running) {
      wrong << tr("%1 down").arg(QString::fromStdString(nodeName(n.id)));
    } else if (n.cpuFactor != 1.0) {
      wrong << tr("%1 slow").arg(QString::fromStdString(nodeName(n.id)));
    }
  }
  const QString label = wrong.join(QStringLiteral(", "));
  // After a jump (run to a time, time travel) the change happened before this snapshot: the marks it carries
  // (faults, membership changes, narration) say when.
  double firstChange = now;
  double lastChange = -1;
  double lastMark = -1;
  for (const TimeMark& m : snapshot.newMarks) {
    const double t = static_cast<double>(m.atNs) / 1e9;
    if (t > now) continue;
    lastMark = std::max(lastMark, t);
    if (m.narration) continue;
    firstChange = std::min(firstChange, t);
    lastChange = std::max(lastChange, t);
  }
  const bool open = !m_faults.empty() && m_faults.back().endSeconds < 0;
  if (open && m_faults.back().label != label) {
    m_faults.back().endSeconds = label.isEmpty() && lastChange >= 0 ? lastChange : now;
    m_dirty = true;
  }
  if (!label.isEmpty() && (!open || m_faults.back().label != label)) {
    m_faults.push_back({open ? now : firstChange, -1, label});
    m_dirty = true;
  }
  if (snapshot.nodes.empty()) return;  // no cluster yet: no quorum to mark
  if (m_lastQuorum && *m_lastQuorum != snapshot.quorum) {
    m_quorumMarks.emplace_back(
        lastMark >= 0 ? lastMark : now,
        tr("N=%1 R=%2 W=%3").arg(snapshot.quorum.n).arg(snapshot.quorum.r).arg(snapshot.quorum.w));
    m_dirty = true;
  }
  m_lastQuorum = snapshot.quorum;
}

void ChartsView::paintOverlay(QPainter& p, const Chart& chart) const {
  const QRectF plot = chart.chart->plotArea();
  if (plot.width() <= 0 || m_end <= m_start) return;
  const auto xOf = [&](double t) { return plot.left() + (t - m_start) / (m_end - m_start) * plot.width(); };
  QColor shade = m_theme.kind == ThemeKind::kDark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xe0, 0x31, 0x31);
  shade.setAlpha(m_theme.kind == ThemeKind::kDark ? 40 : 28);
  QFont font = p.font();
  font.setPointSizeF(QApplication::font().pointSizeF() * 0.8);
  p.setFont(font);
  const QFontMetricsF fm(font);
  for (const FaultPeriod& f : m_faults) {
    const double end = f.endSeconds < 0 ? m_nowSeconds : f.endSeconds;
    if (end < m_start || f.startSeconds > m_end) continue;
    const double left = std::max(plot.left(), xOf(f.startSeconds));
    const double right = std::min(plot.right(), xOf(end));
    if (right <= left) continue;
    p.fillRect(QRectF(left, plot.top(), right - left, plot.height()), shade);
    const QString text = fm.elidedText(f.label, Qt::ElideRight, right - left - 4);
    if (text.size() > 1) {
      p.setPen(m_theme.kind == ThemeKind::kDark ? QColor(0xff, 0xa8, 0xa8) : QColor(0xc9, 0x2a, 0x2a));
      p.drawText(QPointF(left + 2, plot.top() + fm.ascent() + 1), text);
    }
  }
  for (const auto& [t, text] : m_quorumMarks) {
    if (t < m_start || t > m_end) continue;
    const double x = xOf(t);
    p.setPen(QPen(m_theme.mutedText, 1, Qt::DashLine));
    p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    p.setPen(m_theme.text);
    p.drawText(QPointF(x + 3, plot.bottom() - 3), text);
  }
}

void ChartsView::refresh() {
  m_dirty = false;
  // A run shorter than the window fills the width (a 20 s scenario's axis ends at 20 s, not at 30 s).
  const double span = m_runSeconds > 0 ? std::clamp(m_runSeconds, 1.0, m_windowSeconds) : m_windowSeconds;
  const double end = std::max(span, m_nowSeconds);
  const double start = end - span;
  m_start = start;
  m_end = end;
  const auto first = std::lower_bound(m_samples.begin(), m_samples.end(), start,
                                      [](const MetricsSample& s, double t) { return s.timeSeconds < t; });
  for (Chart& c : m_charts) {
    double top = 0;
    double top2 = 0;
    for (std::size_t i = 0; i < c.series.size(); ++i) {
      QList<QPointF> points;
      points.reserve(static_cast<qsizetype>(std::distance(first, m_samples.end())));
      for (auto it = first; it != m_samples.end(); ++it) {
        const double v = c.values[i](*it);
        points.append(QPointF(it->timeSeconds, v));
        if (c.series[i]->attachedAxes().contains(c.y2))
          top2 = std::max(top2, v);
        else
          top = std::max(top, v);
      }
      c.series[i]->replace(points);
    }
    c.x->setRange(start, end);
    c.x->setTickInterval(timeTickInterval(end - start));
    const double yTop = niceCeiling(top * 1.1);
    c.y->setRange(0, yTop);
    c.y->setLabelFormat(labelFormatFor(yTop, c.y->tickCount()));
    if (c.y2) {
      const double y2Top = niceCeiling(top2 * 1.1);
      c.y2->setRange(0, y2Top);
      c.y2->setLabelFormat(labelFormatFor(y2Top, c.y2->tickCount()));
    }
    c.view->viewport()->update();
  }
}

std::vector<QLineSeries*> ChartsView::seriesOf(const QString& chartTitle) const {
  for (const Chart& c : m_charts)
    if (c.chart->title() == chartTitle) return c.series;
  return {};
}

}  // namespace ringlab
