// Lessons in the desktop app: what the class answered, the lesson panel's questions and reveals as the run reaches
// them, the teacher view (notes; never in presentation mode), the challenge dialog, and each lesson's progress kept
// with QSettings for the course list.
//
// Thread-safety: UI thread only.
#pragma once

#include <map>
#include <memory>
#include <optional>

#include <QObject>
#include <QPointer>
#include <QString>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/cluster_feed.h>  // the metatype of std::shared_ptr<const ScenarioSpec>
#include <ringlab/ui/feed_snapshot.h>

QT_BEGIN_NAMESPACE
class QAction;
class QWidget;
QT_END_NAMESPACE

namespace ringlab {

class ChallengeDialog;
class LessonPanel;

// A lesson's progress as the course list shows it, kept per lesson file name (`questions`: how many it asks).
struct LessonProgress {
  int questions = 0;  // questions the lesson asks
  int answered = 0;   // of them, answered at least once
  int correct = 0;    // of them, answered right the last time they were revealed
  bool challengePassed = false;
  bool started() const { return answered > 0 || challengePassed; }
};
// `useSettings` false reads nothing (tests, screenshots).
LessonProgress lessonProgress(const QString& lessonFile, int questions, bool useSettings = true);

class LessonController final : public QObject {
  Q_OBJECT

 public:
  LessonController(LessonPanel& panel, QWidget& window, bool useSettings);
  ~LessonController() override;

  // A run started: its scenario and the file it came from (empty for none).
  void start(std::shared_ptr<const ScenarioSpec> spec, const QString& path);
  // A narration point was reached: asks, reveals, notes and the end of the lesson.
  void onNarration(const NarrationPoint& point);
  // Keys 1 to 9: picks that choice of the open question; false when none is open.
  bool choose(int number);
  bool waitingForAnswer() const;
  // Answers given beforehand, by question id (ringlab --answers FILE): a question asked shows its answer at once;
  // the run still stops there, so that the class sees the question, until it is played on.
  void setPresetAnswers(std::map<std::string, Answer> answers) { m_preset = std::move(answers); }

  void setTeacherView(bool on);
  bool teacherView() const { return m_teacher; }
  void setPresentationMode(bool on);
  // Opens the challenge of the current lesson (nothing when it has none).
  void openChallenge();
  // Opens the challenge, with these knobs set, as soon as the next lesson starts (ringlab --challenge --set ...).
  void openChallengeOnStart(std::vector<ScenarioOverride> knobs) { m_challengeOnStart = std::move(knobs); }
  ChallengeDialog* challengeDialog();
  bool hasChallenge() const { return m_spec && m_spec->challenge.has_value(); }
  bool isLesson() const { return m_spec && (m_spec->lesson || !m_spec->questions.empty()); }
  const std::map<std::size_t, Answer>& answers() const { return m_answers; }

 signals:
  // The class answered (or skipped) the open question: the run may go on.
  void resumeRequested();
  // The challenge dialog asks to open the student's run at a time (the first failure).
  void openRunRequested(std::shared_ptr<const ringlab::ScenarioSpec> spec, qint64 atNs);
  // The lesson's progress changed (for the course list).
  void progressChanged(const QString& lessonFile);

 private:
  void updateNotes();
  void record(std::size_t question, const std::optional<bool>& correct);

  LessonPanel& m_panel;
  QWidget& m_window;
  bool m_useSettings;
  std::shared_ptr<const ScenarioSpec> m_spec;
  QString m_path;
  std::map<std::size_t, Answer> m_answers;  // by question, this run
  std::map<std::string, Answer> m_preset;    // by question id
  std::optional<std::size_t> m_open;        // the question waiting for an answer
  bool m_teacher = false;
  bool m_presentation = false;
  QString m_notes;  // of the last step reached
  QPointer<ChallengeDialog> m_dialog;  // a child of the window; kept across restarts of the same lesson
  std::optional<std::vector<ScenarioOverride>> m_challengeOnStart;
};

}  // namespace ringlab
