// Live charts (Qt Charts) over a rolling window of virtual time: throughput per operation, latency percentiles per
// operation with the failed operations beside them, errors and drops, messages per second by traffic class,
// stale-read rate and hints outstanding. Periods of faults (partitions, crashed or slowed nodes) are shaded and
// quorum changes marked on every chart. The window follows virtual time and stands still while the run is paused;
// hovering a line shows its value. A subset of the charts can be shown alone, in one row (presentation mode).
//
// Thread-safety: a widget; UI thread only.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <QPen>
#include <QStringList>
#include <QTimer>
#include <QWidget>

#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QPainter;
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

  // Shows only the charts with these titles (of chartTitles()), side by side; an empty list shows all six.
  void setShownCharts(const QStringList& titles);
  static QStringList chartTitles();
  // The titles of the charts laid out now, in order.
  QStringList shownCharts() const;

  std::size_t sampleCount() const { return m_samples.size(); }
  // The time axis's range in virtual seconds as last drawn (by refresh()).
  std::pair<double, double> timeRange() const { return {m_start, m_end}; }
  // A period of virtual time during which the cluster was not whole, as the charts shade it.
  struct FaultPeriod {
    double startSeconds = 0;
    double endSeconds = -1;  // -1 while it lasts
    QString label;           // "partition", "n3 down", "n2 slow"
  };
  const std::vector<FaultPeriod>& faultPeriods() const { return m_faults; }
  // Quorum changes: (time in seconds, "R=2 W=2").
  const std::vector<std::pair<double, QString>>& quorumMarks() const { return m_quorumMarks; }
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
    QString rightUnit;
  };
  Chart& addChart(const QString& title, const QString& unit);
  void layoutCharts();
  // Draws the fault periods and quorum marks over a chart's plot area.
  void paintOverlay(QPainter& painter, const Chart& chart) const;
  QLineSeries* addSeries(Chart& chart, const QString& name, const QColor& color,
                         std::function<double(const MetricsSample&)> value, Qt::PenStyle style = Qt::SolidLine,
                         bool rightAxis = false, const QString& rightTitle = {});

  std::vector<Chart> m_charts;
  std::deque<MetricsSample> m_samples;
  QStringList m_shown;
  std::vector<FaultPeriod> m_faults;
  std::vector<std::pair<double, QString>> m_quorumMarks;
  std::optional<QuorumConfig> m_lastQuorum;
  double m_start = 0;  // the x range drawn
  double m_end = 30;
  double m_windowSeconds = 30;
  double m_runSeconds = 0;  // the run's length when known (FeedSnapshot::endNs); 0: open-ended
  double m_nowSeconds = 0;
  bool m_dirty = false;
  QTimer m_refresh;
  Theme m_theme = Theme::make(ThemeKind::kLight, false);
};

}  // namespace ringlab
