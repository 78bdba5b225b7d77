// Exports from the desktop app: any view as SVG. (PNG is QWidget::grab; metrics CSV comes from
// ClusterFeed::exportMetricsCsv; the scenario from writeScenario; the trace from exportTraceByReplay in
// <ringlab/sim/trace_export.h>, which this header includes for the app.)
//
// Thread-safety: saveWidgetSvg on the UI thread.
#pragma once

#include <functional>
#include <string>

#include <QString>

#include <ringlab/engine/status.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/trace_export.h>

QT_BEGIN_NAMESPACE
class QWidget;
QT_END_NAMESPACE

namespace ringlab {

// Paints `widget` into an SVG file at `path` (vector shapes and text where the widget draws with QPainter).
// Returns an error message naming the file, empty on success.
QString saveWidgetSvg(QWidget& widget, const QString& path, const QString& title);

}  // namespace ringlab
