// What File > Export and --screenshot save: any view as PNG or SVG, and, from a feed that can export its run
// (FeedCapability::kExportRun), the metrics as CSV, the trace as Chrome/Perfetto JSON and the run as a scenario
// file. A feed that cannot (a live cluster, a recording) gets an explanation instead of a file.
//
// Thread-safety: UI thread only; the trace is recorded on a thread of its own and reported back on the UI thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <QObject>
#include <QPixmap>
#include <QStringList>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/cluster_feed.h>

QT_BEGIN_NAMESPACE
class QWidget;
QT_END_NAMESPACE

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
  // The widget to show for view `name`, brought to the front so that it has its real size; null for an unknown name
  // (or a view that does not exist now).
  using ViewLookup = std::function<QWidget*(const QString& name)>;
  using RunLookup = std::function<RunExportSource()>;

  // `window` parents the dialogs.
  ExportController(QWidget& window, ViewLookup views, RunLookup run);

  // The views that can be saved ("window" is the whole window).
  static QStringList viewNames();
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

 signals:
  // A result to show in the status bar for `timeoutMs`.
  void message(const QString& text, int timeoutMs);

 private:
  // The run to export, or null after explaining why there is none (a feed that cannot export, no scenario).
  std::optional<RunExportSource> exportableRun();

  QWidget& m_window;
  ViewLookup m_views;
  RunLookup m_run;
};

}  // namespace ringlab
