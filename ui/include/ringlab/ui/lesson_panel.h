// The lesson panel under the narration banner: a question in large type with its choices (click or keys 1 to 9) or a
// number field, a hint, and, once the run reveals it, the answer given beside what the run measured. It also shows
// the teacher's notes (teacher view only) and the lesson's summary at the end. Hidden while there is nothing to show.
//
// Thread-safety: a widget; UI thread only.
#pragma once

#include <optional>
#include <vector>

#include <QFrame>

#include <ringlab/sim/lesson.h>
#include <ringlab/ui/theme.h>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
class QGridLayout;
QT_END_NAMESPACE

namespace ringlab {

class LessonPanel final : public QFrame {
  Q_OBJECT

 public:
  explicit LessonPanel(QWidget* parent = nullptr);

  void setTheme(const Theme& theme);
  // Hides everything (a new run).
  void clear();
  // Shows `question` (number `index` of `count`) and waits for an answer. `keepReveals`: the step that asks it also
  // revealed earlier questions, whose answers stay on screen below it.
  void ask(const Question& question, std::size_t index, std::size_t count, bool keepReveals = false);
  // Shows what the run measured for `question`, graded against `given` when the class answered it. Several reveals
  // of one step are shown together; the next ask or clear starts afresh.
  void showReveal(const Question& question, const Reveal& reveal, const std::optional<Answer>& given);
  // The lesson's summary, at the end of the run.
  void showSummary(const QString& summary);
  // The teacher's notes for the current step (empty: none). Shown only while the teacher view is on.
  void setNotes(const QString& notes);
  void setTeacherView(bool on);

  // Picks choice `number` (1-based) of the open question, as the keys 1 to 9 do; false when no choice question is
  // open or there is no such choice.
  bool choose(int number);
  bool waitingForAnswer() const { return m_open; }
  // Shows `answer` as the open question's answer without emitting `answered` (an answer given beforehand: the run
  // stays paused until it is played on).
  void markAnswered(const Answer& answer) { showAnswer(answer, tr("Space plays on.")); }

  // What is on screen, for tests and screenshots.
  QString questionText() const;
  QString resultText() const;

 signals:
  // The open question was answered (or skipped: nullopt).
  void answered(std::optional<ringlab::Answer> answer);

 private:
  void submitNumber();
  void showAnswer(const Answer& answer, const QString& then);
  void finishAsking(const QString& status);
  void updateVisibility();

  QLabel* m_heading = nullptr;
  QLabel* m_question = nullptr;
  QWidget* m_choiceBox = nullptr;
  QGridLayout* m_choiceLayout = nullptr;
  std::vector<QPushButton*> m_choices;
  QWidget* m_numberRow = nullptr;
  QLineEdit* m_number = nullptr;
  QLabel* m_unit = nullptr;
  QPushButton* m_submit = nullptr;
  QPushButton* m_hintButton = nullptr;
  QPushButton* m_skip = nullptr;
  QLabel* m_hint = nullptr;
  QLabel* m_status = nullptr;
  QLabel* m_result = nullptr;
  QLabel* m_notes = nullptr;
  std::optional<Question> m_asked;
  bool m_open = false;
  bool m_teacherView = false;
  QString m_notesText;
  QString m_resultHtml;
  Theme m_theme = Theme::make(ThemeKind::kLight, false);
};

}  // namespace ringlab
