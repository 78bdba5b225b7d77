#include <ringlab/ui/export_controller.h>

#include <ringlab/ui/handout.h>

#include <ostream>

#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>
#include <QProgressDialog>
#include <QThread>

#include <ringlab/sim/file_output.h>
#include <ringlab/sim/scenario_writer.h>
#include <ringlab/ui/export.h>
#include <ringlab/ui/handout.h>
#include <ringlab/ui/models.h>

namespace ringlab {

ExportController::ExportController(QWidget& window, RunLookup run)
    : QObject(&window), m_window(window), m_run(std::move(run)) {
  addView(QStringLiteral("window"), &window);
}

void ExportController::addView(const QString& name, QWidget* view, QWidget* panel) {
  m_views[name] = View{view, panel};
}

QWidget* ExportController::view(const QString& name) {
  if (m_beforeGrab) m_beforeGrab();
  const auto it = m_views.find(name);
  if (it == m_views.end() || !it->second.widget) return nullptr;
  if (QWidget* panel = it->second.panel) {
    panel->show();
    panel->raise();
    QApplication::processEvents();
  }
  return it->second.widget;
}

QStringList ExportController::viewNames() {
  return {QStringLiteral("window"),    QStringLiteral("ring"),      QStringLiteral("traffic"),
          QStringLiteral("charts"),    QStringLiteral("nodes"),     QStringLiteral("scenario"),
          QStringLiteral("controls"),  QStringLiteral("spacetime"), QStringLiteral("fibers"),
          QStringLiteral("inspector"), QStringLiteral("live")};
}

QPixmap ExportController::grabView(const QString& name) {
  QWidget* widget = view(name);
  return widget ? widget->grab() : QPixmap();
}

QString ExportController::saveView(const QString& name, const QString& path) {
  QWidget* widget = view(name);
  if (!widget && name == QLatin1String("live")) return tr("The live view exists only while connected to a cluster.");
  if (!widget) return tr("Unknown view '%1' (expected one of: %2).").arg(name, viewNames().join(QStringLiteral(", ")));
  if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
    return saveWidgetSvg(*widget, path, tr("RingLab — %1").arg(name));
  }
  if (!widget->grab().save(path, "PNG")) return tr("Could not write %1.").arg(path);
  return {};
}

QString ExportController::saveRunAsScenario(const QString& path) {
  const RunExportSource run = m_run();
  if (!run.feed || !run.feed->can(FeedCapability::kExportRun))
    return tr("A live cluster or a recording cannot be saved as a scenario.");
  if (!run.spec) return tr("No scenario is open.");
  const ScenarioSpec spec = scenarioWithActions(*run.spec, run.actions, run.seed);
  const std::string yaml = writeScenario(spec);
  const Status status =
      writeFileAtomically(path.toStdString(), "scenario", [&yaml](std::ostream& out) { out << yaml; });
  return status.isOk() ? QString() : QString::fromStdString(status.message());
}

std::optional<RunExportSource> ExportController::exportableRun() {
  RunExportSource run = m_run();
  if (!run.feed || !run.feed->can(FeedCapability::kExportRun)) {
    QMessageBox::information(&m_window, tr("RingLab"),
                             tr("This works on the simulation. The live cluster and recordings export their views "
                                "as PNG or SVG (Ctrl+E); record a live session from the Live cluster panel."));
    return std::nullopt;
  }
  if (!run.spec) return std::nullopt;
  return run;
}

void ExportController::exportViewDialog() {
  bool ok = false;
  const QString name =
      QInputDialog::getItem(&m_window, tr("Export view"), tr("View to save:"), viewNames(), 1, false, &ok);
  if (!ok) return;
  QString filter;
  const QString path =
      QFileDialog::getSaveFileName(&m_window, tr("Export view"), QStringLiteral("ringlab-%1.png").arg(name),
                                   tr("PNG image (*.png);;SVG drawing (*.svg)"), &filter);
  if (path.isEmpty()) return;
  const QString error = saveView(name, path);
  if (!error.isEmpty())
    QMessageBox::critical(&m_window, tr("Export view"), error);
  else
    emit message(tr("Saved %1").arg(path), 5000);
}

void ExportController::exportMetricsDialog() {
  const std::optional<RunExportSource> run = exportableRun();
  if (!run) return;
  const QString path = QFileDialog::getSaveFileName(&m_window, tr("Export metrics"),
                                                    QStringLiteral("ringlab-metrics.csv"), tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  const QString error = run->feed->exportMetricsCsv(path);
  if (!error.isEmpty())
    QMessageBox::critical(&m_window, tr("Export metrics"), error);
  else
    emit message(tr("Saved %1 (one line per 250 ms of virtual time)").arg(path), 5000);
}

void ExportController::exportHandoutDialog() {
  const std::optional<RunExportSource> run = exportableRun();
  if (!run || !run->spec) return;
  const QString suggested =
      (run->scenarioPath.isEmpty() ? QStringLiteral("lesson") : QFileInfo(run->scenarioPath).completeBaseName()) +
      QStringLiteral("-handout.pdf");
  const QString path = QFileDialog::getSaveFileName(&m_window, tr("Export lesson handout"), suggested,
                                                    tr("PDF (*.pdf)"));
  if (path.isEmpty()) return;
  QProgressDialog dialog(tr("Running the lesson to each narration point for its pictures…"), QString(), 0, 1,
                         &m_window);
  dialog.setWindowModality(Qt::WindowModal);
  dialog.setMinimumDuration(0);
  const QString error = writeLessonHandout(*run->spec, path, [&dialog](int done, int total) {
    dialog.setMaximum(std::max(1, total));
    dialog.setValue(done);
  });
  dialog.close();
  if (!error.isEmpty()) {
    QMessageBox::critical(&m_window, tr("Export lesson handout"), error);
    return;
  }
  emit message(tr("Saved the handout %1").arg(path), 8000);
}

void ExportController::exportTraceDialog() {
  const std::optional<RunExportSource> run = exportableRun();
  if (!run) return;
  const QString path = QFileDialog::getSaveFileName(&m_window, tr("Export trace"), QStringLiteral("ringlab-trace.json"),
                                                    tr("Chrome / Perfetto trace (*.json)"));
  if (path.isEmpty()) return;
  // The trace is recorded by replaying the run (same seed, same actions) on a thread of its own.
  const ScenarioSpec spec = scenarioWithActions(*run->spec, run->actions, run->seed);
  const TimePoint until{Duration(run->nowNs)};
  auto* dialog = new QProgressDialog(tr("Recording the trace of the run up to %1…").arg(formatVirtualTime(run->nowNs)),
                                     QString(), 0, 1000, &m_window);
  dialog->setWindowModality(Qt::WindowModal);
  dialog->setMinimumDuration(300);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  QThread* thread = QThread::create([this, spec, until, path, dialog] {
    const Status status = exportTraceByReplay(spec, until, path.toStdString(), [dialog](double f) {
      QMetaObject::invokeMethod(dialog, [dialog, f] { dialog->setValue(static_cast<int>(f * 1000)); });
    });
    const QString error = status.isOk() ? QString() : QString::fromStdString(status.message());
    QMetaObject::invokeMethod(this, [this, dialog, error, path] {
      dialog->close();
      if (!error.isEmpty())
        QMessageBox::critical(&m_window, tr("Export trace"), error);
      else
        emit message(tr("Saved %1: open it in ui.perfetto.dev").arg(path), 8000);
    });
  });
  connect(thread, &QThread::finished, thread, &QObject::deleteLater);
  thread->start();
}

void ExportController::saveRunDialog() {
  const std::optional<RunExportSource> run = exportableRun();
  if (!run) return;
  const QString suggested = QFileInfo(run->scenarioPath).completeBaseName() + QStringLiteral("-replay.yaml");
  const QString path = QFileDialog::getSaveFileName(&m_window, tr("Save run as scenario"), suggested,
                                                    tr("Scenario files (*.yaml *.yml)"));
  if (path.isEmpty()) return;
  const QString error = saveRunAsScenario(path);
  if (!error.isEmpty())
    QMessageBox::critical(&m_window, tr("Save run"), error);
  else
    emit message(tr("Saved %1 with %2 manual action(s)").arg(path).arg(run->actions.size()), 5000);
}

}  // namespace ringlab
