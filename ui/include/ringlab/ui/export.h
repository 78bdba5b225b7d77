// Exports from the desktop app: any view as SVG, and the run's trace as Chrome/Perfetto JSON by replaying it.
// (PNG is QWidget::grab; metrics CSV comes from SimulationFeed::exportMetricsCsv; the scenario from writeScenario.)
//
// Thread-safety: saveWidgetSvg on the UI thread; exportTraceByReplay on any thread that has no other simulation
// running (it runs its own).
#pragma once

#include <functional>
#include <string>

#include <QString>

#include <ringlab/engine/status.h>
#include <ringlab/sim/scenario.h>

QT_BEGIN_NAMESPACE
class QWidget;
QT_END_NAMESPACE

namespace ringlab {

// Paints `widget` into an SVG file at `path` (vector shapes and text where the widget draws with QPainter).
// Returns an error message naming the file, empty on success.
QString saveWidgetSvg(QWidget& widget, const QString& path, const QString& title);

// Runs `spec` (with its seed and timeline, manual actions included) from zero to `until` with a Chrome trace
// recorder attached, then writes the trace to `path`. Runs are deterministic, so this is the trace of the run the
// app showed. `progress` (optional) is called with the fraction done. Errors name the file and the reason.
Status exportTraceByReplay(const ScenarioSpec& spec, TimePoint until, const std::string& path,
                           const std::function<void(double)>& progress = {});

}  // namespace ringlab
