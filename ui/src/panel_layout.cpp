#include <ringlab/ui/panel_layout.h>

#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>
#include <QScrollArea>
#include <QSettings>
#include <QTimer>

#include <ringlab/ui/charts_view.h>

namespace ringlab {

namespace {

QStringList defaultPresentationCharts() { return {QStringLiteral("Throughput"), QStringLiteral("Get latency")}; }

const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kChartsKey = QStringLiteral("presentation/charts");

}  // namespace

PanelLayout::PanelLayout(QMainWindow& window, bool useSettings)
    : QObject(&window),
      m_window(window),
      m_useSettings(useSettings),
      m_normalFont(QApplication::font()),
      m_presentationCharts(defaultPresentationCharts()) {
  window.setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
  m_presentationAction = new QAction(tr("Presentation mode"), &window);
  m_presentationAction->setCheckable(true);
  m_presentationAction->setShortcuts({QKeySequence(Qt::Key_F11), QKeySequence(Qt::Key_F5)});
  m_presentationAction->setToolTip(tr("Full screen, large fonts, high contrast (F11 or F5)"));
  connect(m_presentationAction, &QAction::toggled, this, &PanelLayout::setPresentationMode);
  // Escape leaves presentation mode, as it leaves a slide show; enabled only there, so that elsewhere Escape still
  // reaches the widget that has focus.
  m_leavePresentationAction = new QAction(tr("Leave presentation mode"), &window);
  m_leavePresentationAction->setShortcut(QKeySequence(Qt::Key_Escape));
  m_leavePresentationAction->setEnabled(false);
  window.addAction(m_leavePresentationAction);
  connect(m_leavePresentationAction, &QAction::triggered, this, [this] { setPresentationMode(false); });
}

QDockWidget* PanelLayout::addPanel(const QString& title, const QString& objectName, QWidget* content,
                                   Qt::DockWidgetArea area, QDockWidget* tabWith, Scroll scroll) {
  auto* dock = new QDockWidget(title, &m_window);
  dock->setObjectName(objectName);
  if (scroll == Scroll::kNone) {
    dock->setWidget(content);
  } else {
    auto* scroller = new QScrollArea(dock);
    scroller->setWidget(content);
    scroller->setWidgetResizable(true);
    scroller->setFrameShape(QFrame::NoFrame);
    if (scroll == Scroll::kVertical) scroller->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    dock->setWidget(scroller);
  }
  m_window.addDockWidget(area, dock);
  if (tabWith) m_window.tabifyDockWidget(tabWith, dock);
  m_panels.push_back(dock);
  return dock;
}

void PanelLayout::addPanelToggles(QMenu* menu) const {
  for (QDockWidget* dock : m_panels) menu->addAction(dock->toggleViewAction());
}

void PanelLayout::bringForward(QDockWidget* dock) {
  // In presentation mode the panel a narration step points at joins the stage as a guest (the inspector beside the
  // views, the space-time diagram in the charts' place) until the next step points elsewhere.
  if (m_presentation) {
    if (m_guest && m_guest != dock && m_guest != m_stage) m_guest->hide();
    m_guest = dock;
  }
  dock->show();
  dock->raise();
}

void PanelLayout::setStage(QDockWidget* dock, ChartsView* charts) {
  m_stage = dock;
  m_charts = charts;
}

bool PanelLayout::restore() {
  if (!m_useSettings) return false;
  QSettings settings;
  m_window.restoreGeometry(settings.value(kGeometryKey).toByteArray());
  m_window.restoreState(settings.value(kStateKey).toByteArray());
  if (settings.contains(kChartsKey)) setPresentationCharts(settings.value(kChartsKey).toStringList());
  return settings.contains(kStateKey);
}

void PanelLayout::save() {
  if (!m_useSettings) return;
  if (m_presentation) setPresentationMode(false);
  QSettings settings;
  settings.setValue(kGeometryKey, m_window.saveGeometry());
  settings.setValue(kStateKey, m_window.saveState());
}

void PanelLayout::setPresentationMode(bool on) {
  if (m_presentation == on) return;
  m_presentation = on;
  if (m_presentationAction->isChecked() != on) {
    const QSignalBlocker block(m_presentationAction);
    m_presentationAction->setChecked(on);
  }
  m_leavePresentationAction->setEnabled(on);
  QFont font = m_normalFont;
  if (on) font.setPointSizeF(m_normalFont.pointSizeF() * 1.5);
  QApplication::setFont(font);
  if (m_headline) {
    QFont headline = font;
    headline.setPointSizeF(font.pointSizeF() * (on ? 1.3 : 1.1));
    m_headline->setFont(headline);
  }
  emit presentationChanged(on);
  // For a projector: the headline, the central views and the presenter's charts get the whole screen; every other
  // panel (those of a live cluster too) and every bar that steps aside are hidden, and come back after.
  if (on) {
    m_wasMaximized = m_window.isMaximized();
    m_hiddenPanels.clear();
    for (QDockWidget* dock : m_window.findChildren<QDockWidget*>()) {
      if (dock == m_stage || !dock->isVisible()) continue;
      m_hiddenPanels.emplace_back(dock);
      dock->hide();
    }
    if (m_stage) {
      m_stage->show();
      m_stage->raise();
    }
    if (m_charts) m_charts->setShownCharts(m_presentationCharts);
    for (const QPointer<QWidget>& w : m_stepAside)
      if (w) w->hide();
    m_window.showFullScreen();
    // Once the full-screen size is known: about 40 % of the height for the charts.
    QTimer::singleShot(0, this, [this] {
      if (m_presentation && m_stage) m_window.resizeDocks({m_stage}, {m_window.height() * 40 / 100}, Qt::Vertical);
    });
  } else {
    // A guest panel that was not open before presentation mode closes again.
    if (m_guest && m_guest != m_stage &&
        std::find(m_hiddenPanels.begin(), m_hiddenPanels.end(), m_guest) == m_hiddenPanels.end())
      m_guest->hide();
    m_guest = nullptr;
    if (m_charts) m_charts->setShownCharts({});
    for (const QPointer<QDockWidget>& dock : m_hiddenPanels)
      if (dock) dock->show();
    m_hiddenPanels.clear();
    if (m_stage) m_stage->raise();
    for (const QPointer<QWidget>& w : m_stepAside)
      if (w) w->show();
    if (m_wasMaximized)
      m_window.showMaximized();
    else
      m_window.showNormal();
  }
}

void PanelLayout::setPresentationCharts(const QStringList& titles) {
  QStringList chosen;
  for (const QString& t : titles)
    if (ChartsView::chartTitles().contains(t) && !chosen.contains(t)) chosen << t;
  while (chosen.size() > 2) chosen.removeFirst();
  if (chosen.isEmpty()) chosen = defaultPresentationCharts();
  m_presentationCharts = chosen;
  if (m_presentationChartsMenu) {
    for (QAction* a : m_presentationChartsMenu->actions()) {
      const QSignalBlocker block(a);
      a->setChecked(chosen.contains(a->data().toString()));
    }
  }
  if (m_presentation && m_charts) m_charts->setShownCharts(chosen);
  if (m_useSettings) QSettings().setValue(kChartsKey, chosen);
}

void PanelLayout::showChart(const QString& title) {
  if (m_stage) bringForward(m_stage);
  if (!m_presentation || !m_charts || !ChartsView::chartTitles().contains(title)) return;
  // For this moment only: the presenter's own choice stays what presentation mode shows next time.
  QStringList shown = m_charts->shownCharts();
  if (shown.contains(title)) return;
  shown.append(title);
  while (shown.size() > 2) shown.removeFirst();
  m_charts->setShownCharts(shown);
}

void PanelLayout::buildPresentationChartsMenu(QMenu* menu) {
  m_presentationChartsMenu = menu;
  menu->setToolTipsVisible(true);
  for (const QString& title : ChartsView::chartTitles()) {
    QAction* a = menu->addAction(title);
    a->setData(title);
    a->setCheckable(true);
    a->setChecked(m_presentationCharts.contains(title));
    a->setToolTip(tr("Presentation mode shows one or two charts; a third choice replaces the oldest"));
    connect(a, &QAction::toggled, this, [this, title](bool checked) {
      QStringList chosen = m_presentationCharts;
      if (checked) {
        chosen.append(title);
      } else if (chosen.size() > 1) {
        chosen.removeAll(title);
      }
      setPresentationCharts(chosen);
    });
  }
}

}  // namespace ringlab
