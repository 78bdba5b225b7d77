#include <ringlab/ui/lesson_controller.h>

#include <utility>

#include <QFileInfo>
#include <QSettings>
#include <QStringList>

#include <ringlab/ui/challenge_dialog.h>
#include <ringlab/ui/lesson_panel.h>

namespace ringlab {

namespace {

QString settingsKey(const QString& lessonFile, const char* what) {
  return QStringLiteral("lessons/%1/%2").arg(QFileInfo(lessonFile).fileName(), QLatin1String(what));
}

}  // namespace

LessonProgress lessonProgress(const QString& lessonFile, int questions, bool useSettings) {
  LessonProgress progress;
  progress.questions = questions;
  if (!useSettings) return progress;
  QSettings settings;
  progress.answered = static_cast<int>(settings.value(settingsKey(lessonFile, "answered")).toStringList().size());
  progress.correct = static_cast<int>(settings.value(settingsKey(lessonFile, "correct")).toStringList().size());
  progress.challengePassed = settings.value(settingsKey(lessonFile, "challenge"), false).toBool();
  return progress;
}

LessonController::LessonController(LessonPanel& panel, QWidget& window, bool useSettings)
    : QObject(&window), m_panel(panel), m_window(window), m_useSettings(useSettings) {
  connect(&m_panel, &LessonPanel::answered, this, [this](std::optional<Answer> answer) {
    if (!m_open) return;
    const std::size_t question = *m_open;
    m_open.reset();
    if (answer) {
      m_answers[question] = *answer;
      record(question, std::nullopt);
    }
    emit resumeRequested();
  });
}

LessonController::~LessonController() = default;

void LessonController::start(std::shared_ptr<const ScenarioSpec> spec, const QString& path) {
  // A restart, or the student's run opened from the challenge, keeps the challenge dialog with its knobs and grade;
  // another lesson gets a dialog of its own (the old one stops its run as it goes).
  const bool sameLesson = !path.isEmpty() && path == m_path && spec && spec->challenge;
  if (!sameLesson && m_dialog) {
    m_dialog->hide();
    m_dialog->deleteLater();
    m_dialog = nullptr;
  }
  m_spec = std::move(spec);
  m_path = path;
  m_answers.clear();
  m_open.reset();
  m_notes.clear();
  m_panel.clear();
  // The lesson's own notes come first, until a step has notes of its own.
  if (m_spec) m_notes = QString::fromStdString(m_spec->notes);
  updateNotes();
  if (m_challengeOnStart) {
    const std::vector<ScenarioOverride> knobs = std::exchange(m_challengeOnStart, std::nullopt).value();
    if (!hasChallenge()) return;
    openChallenge();
    for (const ScenarioOverride& knob : knobs) {
      m_dialog->setKnob(QString::fromStdString(knob.path), QString::fromStdString(knob.value));
    }
  }
}

void LessonController::onNarration(const NarrationPoint& point) {
  if (!m_spec) return;
  if (!point.notes.isEmpty()) {
    m_notes = point.notes;
    updateNotes();
  }
  for (const Reveal& reveal : point.reveals) {
    if (reveal.question >= m_spec->questions.size()) continue;
    const Question& question = m_spec->questions[reveal.question];
    const auto given = m_answers.find(reveal.question);
    std::optional<Answer> answer;
    if (given != m_answers.end()) {
      answer = given->second;
      record(reveal.question, gradeAnswer(question, reveal, given->second).correct);
    }
    if (m_open == reveal.question) m_open.reset();
    m_panel.showReveal(question, reveal, answer);
  }
  if (point.lessonEnd) m_panel.showSummary(point.summary);
  if (point.ask && *point.ask < m_spec->questions.size()) {
    const Question& question = m_spec->questions[*point.ask];
    m_panel.ask(question, *point.ask, m_spec->questions.size(), !point.reveals.isEmpty());
    if (const auto preset = m_preset.find(question.id); preset != m_preset.end()) {
      m_answers[*point.ask] = preset->second;
      m_panel.markAnswered(preset->second);
    } else {
      m_open = *point.ask;
    }
  }
}

ChallengeDialog* LessonController::challengeDialog() { return m_dialog.data(); }

bool LessonController::choose(int number) { return m_open && m_panel.choose(number); }

bool LessonController::waitingForAnswer() const { return m_open.has_value() && m_panel.waitingForAnswer(); }

void LessonController::setTeacherView(bool on) {
  m_teacher = on;
  updateNotes();
}

void LessonController::setPresentationMode(bool on) {
  m_presentation = on;
  updateNotes();
}

void LessonController::updateNotes() {
  // Teacher's notes are for the teacher's screen: never on the projector.
  const bool show = m_teacher && !m_presentation;
  m_panel.setNotes(show ? m_notes : QString());
  m_panel.setTeacherView(show);
}

void LessonController::openChallenge() {
  if (!hasChallenge()) return;
  if (!m_dialog) {
    m_dialog = new ChallengeDialog(m_spec, m_path, &m_window);
    connect(m_dialog, &ChallengeDialog::graded, this, [this](bool passed) {
      if (!passed || !m_useSettings || m_path.isEmpty()) return;
      QSettings().setValue(settingsKey(m_path, "challenge"), true);
      emit progressChanged(QFileInfo(m_path).fileName());
    });
    connect(m_dialog, &ChallengeDialog::openRunRequested, this, &LessonController::openRunRequested);
  }
  m_dialog->show();
  m_dialog->raise();
  m_dialog->activateWindow();
}

void LessonController::record(std::size_t question, const std::optional<bool>& correct) {
  if (!m_useSettings || m_path.isEmpty() || !m_spec || question >= m_spec->questions.size()) return;
  const QString id = QString::fromStdString(m_spec->questions[question].id);
  QSettings settings;
  QStringList answered = settings.value(settingsKey(m_path, "answered")).toStringList();
  if (!answered.contains(id)) answered << id;
  settings.setValue(settingsKey(m_path, "answered"), answered);
  if (correct) {
    QStringList right = settings.value(settingsKey(m_path, "correct")).toStringList();
    right.removeAll(id);
    if (*correct) right << id;
    settings.setValue(settingsKey(m_path, "correct"), right);
  }
  emit progressChanged(QFileInfo(m_path).fileName());
}

}  // namespace ringlab
