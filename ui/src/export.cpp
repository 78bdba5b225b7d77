#include <ringlab/ui/export.h>

#include <algorithm>
#include <memory>

#include <QFileInfo>
#include <QPainter>
#include <QSvgGenerator>
#include <QWidget>

#include <ringlab/sim/scenario_runner.h>
#include <ringlab/sim/trace_export.h>

namespace ringlab {

QString saveWidgetSvg(QWidget& widget, const QString& path, const QString& title) {
  const QFileInfo dir(QFileInfo(path).absolutePath());
  if (!dir.isDir() || !dir.isWritable()) {
    return QObject::tr("Cannot write %1: the folder does not exist or is not writable.").arg(path);
  }
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(widget.size());
  svg.setViewBox(QRect(QPoint(0, 0), widget.size()));
  svg.setTitle(title);
  svg.setDescription(QObject::tr("Drawn by RingLab"));
  QPainter painter;
  if (!painter.begin(&svg)) return QObject::tr("Cannot write %1.").arg(path);
  widget.render(&painter);
  painter.end();
  if (QFileInfo(path).size() == 0) return QObject::tr("Cannot write %1.").arg(path);
  return {};
}

Status exportTraceByReplay(const ScenarioSpec& spec, TimePoint until, const std::string& path,
                           const std::function<void(double)>& progress) {
  std::unique_ptr<ChromeTraceRecorder> trace;
  ScenarioRunOptions options;
  options.onNarration = [&trace](const TimelineEntry& entry) {
    if (trace && !entry.say.empty()) trace->addNarration(entry.at, entry.say);
  };
  ScenarioRunner runner(spec, options);
  trace = std::make_unique<ChromeTraceRecorder>(runner.simulation().events());
  trace->declareNodes(runner.simulation().nodeCount());
  until = std::min(until, runner.end());
  const Duration chunk = std::chrono::milliseconds(250);
  while (runner.simulation().now() < until) {
    runner.runUntil(std::min(until, runner.simulation().now() + chunk));
    if (progress && until.nanos() > 0) {
      progress(static_cast<double>(runner.simulation().now().nanos()) / static_cast<double>(until.nanos()));
    }
  }
  Status status = trace->writeTo(path);
  trace.reset();  // unsubscribe before the runner's bus goes
  return status;
}

}  // namespace ringlab
