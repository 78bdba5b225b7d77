// The diagrams under the central views, tabbed in the bottom dock area: the live charts, the space-time diagram and
// the fiber scheduling view. The two diagrams share one time cursor, and a point clicked in a chart opens its
// quarter-second interval in both. Above the space-time diagram, a filter bar narrows it to one key, one family of
// messages or one node.
//
// Thread-safety: UI thread only.
#pragma once

#include <QObject>

#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDockWidget;
class QLineEdit;
QT_END_NAMESPACE

namespace ringlab {

class ChartsView;
class FiberView;
class PanelLayout;
class SpaceTimeView;

class DiagramPanels final : public QObject {
  Q_OBJECT

 public:
  // Adds the three panels through `layout`; the charts are raised.
  explicit DiagramPanels(PanelLayout& layout);

  ChartsView& charts() { return *m_charts; }
  SpaceTimeView& spacetime() { return *m_spacetime; }
  FiberView& fibers() { return *m_fibers; }
  QDockWidget* chartsDock() const { return m_chartsDock; }
  QDockWidget* spacetimeDock() const { return m_spacetimeDock; }
  QDockWidget* fibersDock() const { return m_fibersDock; }
  // The space-time filter bar's fields (for tests and shortcuts).
  QComboBox& familyFilter() { return *m_family; }
  QComboBox& nodeFilter() { return *m_node; }
  QLineEdit& keyFilter() { return *m_key; }
  // The space-time diagram's lanes: node names ("n1 n7 n500"); empty for the default.
  QLineEdit& lanesField() { return *m_lanes; }

  void setSnapshot(const FeedSnapshot& snapshot);
  void setTheme(const Theme& theme);
  // Forgets everything drawn so far (a new source).
  void clear();

 signals:
  // Something to tell in the status bar for `timeoutMs`.
  void message(const QString& text, int timeoutMs);

 private:
  void moveCursor(std::int64_t ns);
  void applyFilter();

  ChartsView* m_charts = nullptr;
  SpaceTimeView* m_spacetime = nullptr;
  FiberView* m_fibers = nullptr;
  QDockWidget* m_chartsDock = nullptr;
  QDockWidget* m_spacetimeDock = nullptr;
  QDockWidget* m_fibersDock = nullptr;
  QComboBox* m_family = nullptr;
  QComboBox* m_node = nullptr;
  QLineEdit* m_key = nullptr;
  QLineEdit* m_lanes = nullptr;
  void applyLanes();
};

}  // namespace ringlab
