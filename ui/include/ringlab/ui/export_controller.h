// What File > Export and --screenshot save: any view as PNG or SVG, and, from a feed that can export its run
// (FeedCapability::kExportRun), the metrics as CSV, the trace as Chrome/Perfetto JSON and the run as a scenario
// file. A feed that cannot (a live cluster, a recording) gets an explanation instead of a file.
//
// Thread-safety: UI thread only; the trace is recorded on a thread of its own and reported back on the UI thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <QObject>
#include <QPixmap>
#include <QPointer>
#include <QStringList>
#include <QWidget>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/cluster_feed.h>

namespace ringlab {

// The run as it stands, for the run exports.
struct RunExportSource {
  ClusterFeed* feed = nullptr;               // the feed shown
  std::shared_ptr<const ScenarioSpec> spec;  // the scenario open, null before one is
  std::vector<LoggedAction> actions;         // the manual actions taken
  std::uint64_t seed = 0;                    // of the run shown
  std::int64_t nowNs = 0;                    // its virtual time
  QString scenarioPath;                      // the file it came from
};

class ExportController final : public QObject {
  Q_OBJECT

 public:
  using RunLookup = std::function<RunExportSource()>;

  // `window` parents the dialogs and is the view "window"; `run` says what the run exports export.
  ExportController(QWidget& window, RunLookup run);

  // The views that can be saved ("window" is the whole window).
  static QStringList viewNames();
  // Makes `view` savable as `name`. When `panel` is given (a tabbed dock), it is shown and brought to the front before
  // a grab, so that the view has its real size. A view that has been deleted counts as absent.
  void addView(const QString& name, QWidget* view, QWidget* panel = nullptr);
  // Runs before every grab (to bring what a view draws up to date).
  void setBeforeGrab(std::function<void()> fn) { m_beforeGrab = std::move(fn); }
  // A grab of a view; a null pixmap for an unknown name.
  QPixmap grabView(const QString& name);
  // Saves a view as PNG, or SVG when `path` ends in .svg. Returns an error message, empty on success.
  QString saveView(const QString& name, const QString& path);
  // Saves the scenario plus the manual actions as a scenario file. Returns an error message, empty on success.
  QString saveRunAsScenario(const QString& path);

  // The dialogs behind the menu entries: they ask for a file, write it and report in a message or a message box.
  void exportViewDialog();
  void exportMetricsDialog();
  void exportTraceDialog();
  void saveRunDialog();
  // File > Export lesson handout: asks for a PDF path and writes the open lesson's handout (handout.h).
  void exportHandoutDialog();

 signals:
  // A result to show in the status bar for `timeoutMs`.
  void message(const QString& text, int timeoutMs);

 private:
  struct View {
    QPointer<QWidget> widget;
    QPointer<QWidget> panel;
  };
  // The view `name`, brought to the front; null for an unknown or deleted one.
  QWidget* view(const QString& name);
  // The run to export, or null after explaining why there is none (a feed that cannot export, no scenario).
  std::optional<RunExportSource> exportableRun();

  QWidget& m_window;
  RunLookup m_run;
  std::map<QString, View> m_views;
  std::function<void()> m_beforeGrab;
};

}  // namespace ringlab
