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
#include <QToolTip>
#include <QValueAxis>

namespace ringlab {

namespace {
constexpr std::size_t kMaxSamples = 4 * 60 * 30;  // 30 minutes of 250 ms intervals

double niceCeiling(double v) {
  if (v <= 0) return 1;
  const double exp = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (v <= m * exp) return m * exp;
  return 10 * exp;
}
}  // namespace

ChartsView::ChartsView(QWidget* parent) : QWidget(parent) {
  auto* grid = new QGridLayout(this);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(2);
  const QColor get = trafficColor(TrafficClass::kRead);
  const QColor put = trafficColor(TrafficClass::kWrite);
  const QColor del = QColor(0x86, 0x3b, 0xa8);

  Chart& throughput = addChart(tr("Throughput"), tr("ops/s"), 0, 0);
  addSeries(throughput, tr("get"), get, [](const MetricsSample& s) { return s.opsPerSecond[0]; });
  addSeries(throughput, tr("put"), put, [](const MetricsSample& s) { return s.opsPerSecond[1]; });
  addSeries(throughput, tr("delete"), del, [](const MetricsSample& s) { return s.opsPerSecond[2]; });

  Chart& getLatency = addChart(tr("Get latency"), tr("ms"), 0, 1);
  addSeries(getLatency, tr("p50"), get.lighter(140), [](const MetricsSample& s) { return s.p50Ms[0]; });
  addSeries(getLatency, tr("p99"), get, [](const MetricsSample& s) { return s.p99Ms[0]; });
  addSeries(
      getLatency, tr("p99.9"), get.darker(160), [](const MetricsSample& s) { return s.p999Ms[0]; }, Qt::DashLine);

  Chart& putLatency = addChart(tr("Put / delete latency"), tr("ms"), 0, 2);
  addSeries(putLatency, tr("put p50"), put.lighter(140), [](const MetricsSample& s) { return s.p50Ms[1]; });
  addSeries(putLatency, tr("put p99"), put, [](const MetricsSample& s) { return s.p99Ms[1]; });
  addSeries(
      putLatency, tr("put p99.9"), put.darker(160), [](const MetricsSample& s) { return s.p999Ms[1]; }, Qt::DashLine);
  addSeries(
      putLatency, tr("delete p99"), del, [](const MetricsSample& s) { return s.p99Ms[2]; }, Qt::DotLine);

  Chart& errors = addChart(tr("Errors and drops"), tr("per s"), 1, 0);
  addSeries(errors, tr("failed ops"), QColor(0xe0, 0x31, 0x31),
            [](const MetricsSample& s) { return s.errorsPerSecond; });
  addSeries(
      errors, tr("dropped msgs"), QColor(0x86, 0x8e, 0x96), [](const MetricsSample& s) { return s.droppedPerSecond; },
      Qt::DashLine);

  Chart& messages = addChart(tr("Messages by kind"), tr("msgs/s"), 1, 1);
  for (std::size_t c = 0; c < kTrafficClassCount; ++c) {
    const auto cls = static_cast<TrafficClass>(c);
    addSeries(messages, trafficClassName(cls).section(QLatin1Char(' '), 0, 0), trafficColor(cls),
              [c](const MetricsSample& s) { return s.messagesPerSecond[c]; });
  }

  Chart& health = addChart(tr("Stale reads and hints"), tr("% stale"), 1, 2);
  addSeries(health, tr("stale reads %"), QColor(0xf0, 0x8c, 0x00),
            [](const MetricsSample& s) { return s.staleReadRate * 100.0; });
  addSeries(
      health, tr("hints held"), trafficColor(TrafficClass::kHint),
      [](const MetricsSample& s) { return s.hintsOutstanding; }, Qt::SolidLine, true);

  for (int c = 0; c < 3; ++c) grid->setColumnStretch(c, 1);
  for (int r = 0; r < 2; ++r) grid->setRowStretch(r, 1);

  m_refresh.setInterval(100);
  connect(&m_refresh, &QTimer::timeout, this, [this] {
    if (m_dirty) refresh();
  });
  m_refresh.start();
  setTheme(m_theme);
}

ChartsView::Chart& ChartsView::addChart(const QString& title, const QString& unit, int row, int column) {
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
  c.x->setTickCount(4);
  c.y = new QValueAxis();
  c.y->setLabelFormat(QStringLiteral("%.4g"));
  c.y->setTitleText(unit);
  c.y->setTickCount(3);
  c.chart->addAxis(c.x, Qt::AlignBottom);
  c.chart->addAxis(c.y, Qt::AlignLeft);
  c.view = new QChartView(c.chart, this);
  c.view->setRenderHint(QPainter::Antialiasing);
  c.view->setMinimumSize(200, 120);
  c.unit = unit;
  static_cast<QGridLayout*>(layout())->addWidget(c.view, row, column);
  m_charts.push_back(c);
  return m_charts.back();
}

QLineSeries* ChartsView::addSeries(Chart& chart, const QString& name, const QColor& color,
                                   std::function<double(const MetricsSample&)> value, Qt::PenStyle style,
                                   bool rightAxis) {
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
      chart.y2->setTitleText(tr("hints"));
      chart.y2->setTickCount(3);
      chart.chart->addAxis(chart.y2, Qt::AlignRight);
    }
    series->attachAxis(chart.y2);
  } else {
    series->attachAxis(chart.y);
  }
  const QString unit = rightAxis ? tr("hints") : chart.unit;
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
  m_nowSeconds = 0;
  m_dirty = true;
}

void ChartsView::setSnapshot(const FeedSnapshot& snapshot) {
  for (const MetricsSample& s : snapshot.newSamples) {
    m_samples.push_back(s);
    if (m_samples.size() > kMaxSamples) m_samples.pop_front();
  }
  const double now = static_cast<double>(snapshot.nowNs) / 1e9;
  if (!snapshot.newSamples.empty() || now != m_nowSeconds) {
    m_nowSeconds = now;
    m_dirty = true;
  }
}

void ChartsView::refresh() {
  m_dirty = false;
  const double end = std::max(m_windowSeconds, m_nowSeconds);
  const double start = end - m_windowSeconds;
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
    c.y->setRange(0, niceCeiling(top * 1.1));
    if (c.y2) c.y2->setRange(0, niceCeiling(top2 * 1.1));
  }
}

std::vector<QLineSeries*> ChartsView::seriesOf(const QString& chartTitle) const {
  for (const Chart& c : m_charts)
    if (c.chart->title() == chartTitle) return c.series;
  return {};
}

}  // namespace ringlab
