#include <ringlab/ui/diagram_panels.h>

#include <algorithm>

#include <QDockWidget>

#include <ringlab/ui/charts_view.h>
#include <ringlab/ui/fiber_view.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/panel_layout.h>
#include <ringlab/ui/spacetime_view.h>

namespace ringlab {

namespace {

constexpr std::int64_t kChartIntervalNs = 250'000'000;  // one point of the charts

}  // namespace

DiagramPanels::DiagramPanels(PanelLayout& layout) : QObject(&layout) {
  m_charts = new ChartsView;
  m_chartsDock = layout.addPanel(tr("Live charts"), QStringLiteral("chartsDock"), m_charts, Qt::BottomDockWidgetArea);
  m_spacetime = new SpaceTimeView;
  m_spacetime->setToolTip(QString());
  m_spacetimeDock = layout.addPanel(tr("Space-time diagram"), QStringLiteral("spacetimeDock"), m_spacetime,
                                    Qt::BottomDockWidgetArea, m_chartsDock);
  m_fibers = new FiberView;
  m_fibersDock = layout.addPanel(tr("Fiber scheduling"), QStringLiteral("fibersDock"), m_fibers,
                                 Qt::BottomDockWidgetArea, m_spacetimeDock);
  connect(m_spacetime, &SpaceTimeView::timeClicked, this, &DiagramPanels::moveCursor);
  connect(m_fibers, &FiberView::timeClicked, this, &DiagramPanels::moveCursor);
  connect(m_charts, &ChartsView::intervalSelected, this, [this](double endSeconds) {
    const auto end = static_cast<std::int64_t>(endSeconds * 1e9);
    const std::int64_t start = std::max<std::int64_t>(0, end - kChartIntervalNs);
    m_spacetime->setWindow(start, end);
    m_fibers->setWindow(start, end);
    moveCursor((start + end) / 2);
    m_spacetimeDock->raise();
    emit message(tr("Showing %1 – %2 in the diagrams; double-click a diagram to follow the run again")
                     .arg(formatVirtualTime(start), formatVirtualTime(end)),
                 6000);
  });
  m_chartsDock->raise();
}

void DiagramPanels::moveCursor(std::int64_t ns) {
  m_spacetime->setTimeCursor(ns);
  m_fibers->setTimeCursor(ns);
}

void DiagramPanels::setSnapshot(const FeedSnapshot& snapshot) {
  m_charts->setSnapshot(snapshot);
  m_spacetime->setSnapshot(snapshot);
  m_fibers->setSnapshot(snapshot);
}

void DiagramPanels::setTheme(const Theme& theme) {
  m_charts->setTheme(theme);
  m_spacetime->setTheme(theme);
  m_fibers->setTheme(theme);
}

void DiagramPanels::clear() {
  m_charts->clear();
  m_spacetime->clear();
  m_fibers->clear();
}

}  // namespace ringlab
