// Live charts (Qt Charts) over a rolling window of virtual time: throughput per operation, latency percentiles per
// operation, errors and drops, messages per second by traffic class, stale-read rate and hints outstanding. The
// window follows virtual time and stands still while the run is paused; hovering a line shows its value.
//
// Thread-safety: a widget; UI thread only.
#pragma once

#include <deque>
#include <functional>
#include <vector>

#include <QPen>
#include <QTimer>
#include <QWidget>

#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace ringlab {

class ChartsView final : public QWidget {
  Q_OBJECT

 public:
  explicit ChartsView(QWidget* parent = nullptr);

  void setSnapshot(const FeedSnapshot& snapshot);
  void setTheme(const Theme& theme);
  // Width of the rolling window in virtual seconds (default 30).
  void setWindowSeconds(double seconds);
  // Forgets every sample (a new run).
  void clear();
  // Redraws the series now instead of at the next refresh tick (for screenshots).
  void refresh();

  std::size_t sampleCount() const { return m_samples.size(); }
  // The series of one chart by title, for tests: "Throughput", "Get latency", ...
  std::vector<QLineSeries*> seriesOf(const QString& chartTitle) const;

 signals:
  // The user clicked a point: the sampling interval that ends at `endSeconds` of virtual time (250 ms long).
  void intervalSelected(double endSeconds);

 private:
  struct Chart {
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    QValueAxis* y2 = nullptr;  // right axis, for hints
    std::vector<QLineSeries*> series;
    std::vector<QPen> pens;  // as designed; chart themes reset series pens
    std::vector<std::function<double(const MetricsSample&)>> values;
    QString unit;
  };
  Chart& addChart(const QString& title, const QString& unit, int row, int column);
  QLineSeries* addSeries(Chart& chart, const QString& name, const QColor& color,
                         std::function<double(const MetricsSample&)> value, Qt::PenStyle style = Qt::SolidLine,
                         bool rightAxis = false);

  std::vector<Chart> m_charts;
  std::deque<MetricsSample> m_samples;
  double m_windowSeconds = 30;
  double m_nowSeconds = 0;
  bool m_dirty = false;
  QTimer m_refresh;
  Theme m_theme = Theme::make(ThemeKind::kLight, false);
};

}  // namespace ringlab
