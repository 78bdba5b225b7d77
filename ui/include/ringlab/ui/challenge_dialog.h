// The challenge dialog: a lesson's task, a widget for each setting the student may change (within the challenge's
// ranges), a button that runs the lesson with those settings as fast as possible on a thread of its own (with a
// progress bar), and the grade: each goal with measured against required, pass or fail, and for a failed goal where
// to look (the first failed operation, stale read, lost write or slow request), which opens the run at that time.
//
// Thread-safety: a widget; UI thread only. The run's thread touches only its own runner.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <QDialog>

#include <ringlab/sim/scenario.h>
#include <ringlab/sim/challenge.h>
#include <ringlab/ui/cluster_feed.h>  // the metatype of std::shared_ptr<const ScenarioSpec>

QT_BEGIN_NAMESPACE
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace ringlab {

class ChallengeDialog final : public QDialog {
  Q_OBJECT

 public:
  // `path` is the lesson's file: a run with the student's settings reads it again with them as overrides.
  ChallengeDialog(std::shared_ptr<const ScenarioSpec> spec, QString path, QWidget* parent = nullptr);
  ~ChallengeDialog() override;

  // The settings that differ from the lesson as its file is written, as overrides: those the scenario shown was read
  // with (a student's earlier run), changed by the knobs.
  std::vector<ScenarioOverride> settings() const;
  // Sets a knob's widget from a value as written (tests); false for an unknown knob or a value it cannot show.
  bool setKnob(const QString& path, const QString& value);
  // Runs the lesson with the settings; `graded` follows (false when the run could not happen). Returns false, with
  // the reason on the dialog, when it does not start: a run is going on, or a setting is refused.
  bool run();
  QString statusText() const;
  bool running() const { return m_thread.joinable() && !m_done; }
  const std::optional<ChallengeReport>& grade() const { return m_grade; }
  QString gradeText() const;

 signals:
  void graded(bool passed);
  void openRunRequested(std::shared_ptr<const ringlab::ScenarioSpec> spec, qint64 atNs);

 private:
  void finished(std::shared_ptr<const ScenarioSpec> spec, ChallengeRun run, int generation);
  void join();

  std::shared_ptr<const ScenarioSpec> m_spec;
  QString m_path;
  struct Knob {
    ChallengeKnob knob;
    QString initial;
    QWidget* widget = nullptr;
  };
  std::vector<Knob> m_knobs;
  QPushButton* m_runButton = nullptr;
  QProgressBar* m_progress = nullptr;
  QLabel* m_status = nullptr;
  QTableWidget* m_table = nullptr;
  std::thread m_thread;
  std::atomic<bool> m_done{false};
  std::shared_ptr<std::atomic<bool>> m_alive = std::make_shared<std::atomic<bool>>(true);
  std::optional<ChallengeReport> m_grade;
  int m_generation = 0;  // of the last run started: a late result of an earlier run is dropped
};

}  // namespace ringlab
