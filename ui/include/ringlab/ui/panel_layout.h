// How the main window's panels are laid out: the docks, presentation mode (full screen and large fonts, with only
// the central views, the headline and the presenter's charts; every other panel and bar steps aside and comes back
// after) and the saved layout (geometry, docks and presentation charts in QSettings).
//
// Thread-safety: UI thread only.
#pragma once

#include <vector>

#include <QFont>
#include <QObject>
#include <QPointer>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QAction;
class QDockWidget;
class QMainWindow;
class QMenu;
class QWidget;
QT_END_NAMESPACE

namespace ringlab {

class ChartsView;

class PanelLayout final : public QObject {
  Q_OBJECT

 public:
  // `useSettings`: read and write QSettings (off for screenshots and tests).
  PanelLayout(QMainWindow& window, bool useSettings);

  // Whether a panel's content scrolls: in a scroll area it never sets the window's least size (which must fit a
  // 720p screen).
  enum class Scroll { kNone, kVertical, kBoth };
  // Adds a dock titled `title` around `content` in `area`, tabbed with `tabWith` when given.
  QDockWidget* addPanel(const QString& title, const QString& objectName, QWidget* content, Qt::DockWidgetArea area,
                        QDockWidget* tabWith = nullptr, Scroll scroll = Scroll::kNone);
  // Adds to `menu` an entry that shows or hides each panel added so far, in the order they were added.
  void addPanelToggles(QMenu* menu) const;
  // Shows `dock` (unless presentation mode hid the panels) and brings it to the front.
  void bringForward(QDockWidget* dock);
  // The panel presentation mode keeps, and the charts view in it that shows the presenter's charts.
  void setStage(QDockWidget* dock, ChartsView* charts);
  // The headline whose font presentation mode enlarges most.
  void setHeadline(QWidget* headline) { m_headline = headline; }
  // A widget (a bar, a row) that presentation mode hides.
  void addStepAside(QWidget* widget) { m_stepAside.emplace_back(widget); }

  // Restores the saved geometry, docks and presentation charts; true when there was a saved layout.
  bool restore();
  // Saves them (leaving presentation mode first).
  void save();

  // The View menu entry (F11 or F5).
  QAction* presentationAction() const { return m_presentationAction; }
  // Brings the charts forward; in presentation mode `title` (of ChartsView::chartTitles()) takes the place of the older
  // chart shown, until presentation mode is left (the presenter's choice is kept).
  void showChart(const QString& title);
  QAction* leavePresentationAction() const { return m_leavePresentationAction; }  // Escape, in presentation mode
  void setPresentationMode(bool on);
  bool presentationMode() const { return m_presentation; }
  // The charts presentation mode shows: one or two titles of ChartsView::chartTitles(), the default pair when none
  // is valid; a third replaces the oldest.
  void setPresentationCharts(const QStringList& titles);
  QStringList presentationCharts() const { return m_presentationCharts; }
  // Fills `menu` with a checkable entry per chart.
  void buildPresentationChartsMenu(QMenu* menu);

 signals:
  // Presentation mode went on or off (after the fonts changed, before the window went full screen or back).
  void presentationChanged(bool on);

 private:
  QMainWindow& m_window;
  bool m_useSettings;
  QAction* m_presentationAction = nullptr;
  QAction* m_leavePresentationAction = nullptr;
  std::vector<QDockWidget*> m_panels;  // children of the window
  QPointer<QDockWidget> m_stage;
  QPointer<QDockWidget> m_guest;  // in presentation mode: the panel the latest narration focus showed
  QPointer<ChartsView> m_charts;
  QPointer<QWidget> m_headline;
  std::vector<QPointer<QWidget>> m_stepAside;
  std::vector<QPointer<QDockWidget>> m_hiddenPanels;  // what presentation mode hid
  QFont m_normalFont;
  bool m_presentation = false;
  bool m_wasMaximized = false;
  QStringList m_presentationCharts;
  QPointer<QMenu> m_presentationChartsMenu;
};

}  // namespace ringlab
