// The main window's menu bar: File (scenarios, recordings, live clusters, exports), Run (time and the end-of-run
// report), Cluster, View (presentation mode, palette, whose membership view is shown, panels) and Help (keyboard
// shortcuts, about). Built from the objects the window is wired from; every action with a shortcut is also carried
// by the window, so that shortcuts keep working in presentation mode, which hides the menu bar.
//
// Thread-safety: UI thread only.
#pragma once

#include <QObject>

QT_BEGIN_NAMESPACE
class QAction;
class QMenu;
QT_END_NAMESPACE

namespace ringlab {

class ClusterActions;
class LessonController;
class MainWindow;
class ScenarioPanel;

class WindowMenus final : public QObject {
  Q_OBJECT

 public:
  // Fills `window`'s menu bar. `darkPalette` is the window's palette toggle.
  WindowMenus(MainWindow& window, ScenarioPanel& scenarios, ClusterActions& cluster, QAction& darkPalette);

  // Run > End-of-run report (enabled once a report exists) and File > Disconnect (enabled while connected).
  QAction& reportAction() const { return *m_report; }
  QAction& disconnectAction() const { return *m_disconnect; }
  // Lesson > Challenge and Export handout follow the open scenario.
  void lessonStarted(const LessonController& lessons);
  QAction& challengeAction() const { return *m_challenge; }
  QAction& teacherAction() const { return *m_teacher; }
  QAction& handoutAction() const { return *m_handout; }

 private:
  void buildFileMenu(ScenarioPanel& scenarios);
  void buildViewMenu(QAction& darkPalette);
  void buildHelpMenu();
  void buildLessonMenu();
  // Fills View > Membership as seen by with "every node" and one entry per member of the last snapshot.
  void fillViewpointMenu(QMenu& menu);
  // Adds every action of the menu bar that has a shortcut to the window itself.
  void carryShortcuts();

  MainWindow& m_window;
  QAction* m_report = nullptr;
  QAction* m_disconnect = nullptr;
  QAction* m_challenge = nullptr;
  QAction* m_teacher = nullptr;
  QAction* m_handout = nullptr;
  QMenu* m_exportMenu = nullptr;
};

}  // namespace ringlab
