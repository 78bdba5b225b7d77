// A live session: the desktop app watching a cluster of real ringlabd nodes. It owns the RemoteFeed, the Live
// cluster panel (members, load, recording) in a dock of the main window, and the key console (the key inspector's
// live tab); it describes the cluster in the Scenario panel and offers the real cluster's node menu (fault rules,
// decommission) and the add-a-member dialog. Ending the session (destroying it) takes all of that away again.
//
// Thread-safety: UI thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <QObject>
#include <QPointer>

#include <ringlab/engine/types.h>
#include <ringlab/ui/remote_feed.h>

QT_BEGIN_NAMESPACE
class QDockWidget;
class QMainWindow;
class QMenu;
class QPoint;
class QWidget;
QT_END_NAMESPACE

namespace ringlab {

class KeyConsole;
class LivePanel;
class ScenarioPanel;

class LiveSession final : public QObject {
  Q_OBJECT

 public:
  // Where the session shows itself: its dock goes into `window`, tabbed with `tabWith`; `setKeyTab` receives the key
  // console (and null when the session ends); `scenario` shows what is being watched.
  LiveSession(QMainWindow& window, QDockWidget* tabWith, ScenarioPanel& scenario,
              std::function<void(QWidget*)> setKeyTab);
  ~LiveSession() override;  // removes the dock, the key console and the connection

  // Starts following the cluster `target` belongs to; with `remember`, adds it to the recent targets (QSettings).
  void start(const RemoteTarget& target, bool remember);

  RemoteFeed& feed() { return *m_feed; }
  LivePanel* panel() const { return m_panel; }
  KeyConsole* keyConsole() const;
  QDockWidget* dock() const;

  // The real cluster's menu for `node` at `globalPos`: pause, drop, delay, heal, decommission; `addViewActions` adds
  // the menu entries every node menu has (inspect, fibers). Nothing for a node that is not a member.
  void showNodeMenu(NodeId node, const QPoint& globalPos, const std::function<void(QMenu&)>& addViewActions);
  // Asks for the peer address of a new ringlabd and has a reachable member take it in.
  void addNodeDialog();

  // Asks for a member's admin endpoint (and token), offering the recent ones; nullopt when cancelled.
  static std::optional<RemoteTarget> askTarget(QWidget* parent);

 signals:
  // What the banner should say about the connection now (HTML).
  void narrationChanged(const QString& html);

 private:
  QMainWindow& m_window;
  std::function<void(QWidget*)> m_setKeyTab;
  std::unique_ptr<RemoteFeed> m_feed;
  QPointer<QDockWidget> m_dock;
  LivePanel* m_panel = nullptr;
  QPointer<KeyConsole> m_console;
};

}  // namespace ringlab
