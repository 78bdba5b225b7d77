#include <ringlab/ui/lesson_panel.h>

#include <variant>

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace ringlab {

LessonPanel::LessonPanel(QWidget* parent) : QFrame(parent) {
  setObjectName(QStringLiteral("lessonPanel"));
  setFrameShape(QFrame::StyledPanel);
  setAutoFillBackground(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 6, 10, 8);
  layout->setSpacing(4);

  m_heading = new QLabel(this);
  m_heading->setObjectName(QStringLiteral("lessonHeading"));
  layout->addWidget(m_heading);
  m_question = new QLabel(this);
  m_question->setObjectName(QStringLiteral("lessonQuestion"));
  m_question->setWordWrap(true);
  m_question->setTextFormat(Qt::PlainText);
  layout->addWidget(m_question);

  m_choiceBox = new QWidget(this);
  // Choices in two columns: four choices take two rows, which leaves the views room on a 720p projector.
  m_choiceLayout = new QGridLayout(m_choiceBox);
  m_choiceLayout->setContentsMargins(0, 0, 0, 0);
  m_choiceLayout->setSpacing(3);
  layout->addWidget(m_choiceBox);

  m_numberRow = new QWidget(this);
  auto* numberRow = new QHBoxLayout(m_numberRow);
  numberRow->setContentsMargins(0, 0, 0, 0);
  auto* numberLabel = new QLabel(tr("Your prediction:"), m_numberRow);
  m_number = new QLineEdit(m_numberRow);
  m_number->setObjectName(QStringLiteral("lessonNumber"));
  m_number->setMaximumWidth(160);
  m_unit = new QLabel(m_numberRow);
  m_submit = new QPushButton(tr("Answer"), m_numberRow);
  numberLabel->setBuddy(m_number);
  numberRow->addWidget(numberLabel);
  numberRow->addWidget(m_number);
  numberRow->addWidget(m_unit);
  numberRow->addWidget(m_submit);
  numberRow->addStretch(1);
  layout->addWidget(m_numberRow);
  connect(m_submit, &QPushButton::clicked, this, &LessonPanel::submitNumber);
  connect(m_number, &QLineEdit::returnPressed, this, &LessonPanel::submitNumber);

  auto* buttons = new QHBoxLayout;
  m_hintButton = new QPushButton(tr("Show a hint"), this);
  m_skip = new QPushButton(tr("Skip the question"), this);
  m_skip->setToolTip(tr("Go on without answering; the answer is still shown when the run reveals it"));
  buttons->addWidget(m_hintButton);
  buttons->addWidget(m_skip);
  buttons->addStretch(1);
  layout->addLayout(buttons);
  m_hint = new QLabel(this);
  m_hint->setWordWrap(true);
  layout->addWidget(m_hint);
  connect(m_hintButton, &QPushButton::clicked, this, [this] {
    m_hint->setVisible(true);
    m_hintButton->setVisible(false);
  });
  connect(m_skip, &QPushButton::clicked, this, [this] {
    if (!m_open) return;
    finishAsking(tr("Skipped. The run goes on; the answer comes when the run reveals it."));
    emit answered(std::nullopt);
  });

  m_status = new QLabel(this);
  m_status->setWordWrap(true);
  layout->addWidget(m_status);
  m_result = new QLabel(this);
  m_result->setObjectName(QStringLiteral("lessonResult"));
  m_result->setWordWrap(true);
  m_result->setTextFormat(Qt::RichText);
  layout->addWidget(m_result);
  m_notes = new QLabel(this);
  m_notes->setObjectName(QStringLiteral("teacherNotes"));
  m_notes->setWordWrap(true);
  m_notes->setTextFormat(Qt::RichText);
  layout->addWidget(m_notes);
  clear();
}

void LessonPanel::setTheme(const Theme& theme) {
  m_theme = theme;
  QPalette p = palette();
  p.setColor(QPalette::Window, theme.kind == ThemeKind::kDark ? QColor(0x33, 0x2e, 0x22) : QColor(0xff, 0xf6, 0xdc));
  p.setColor(QPalette::WindowText, theme.text);
  setPalette(p);
  QFont base = font();
  const double points = 10.0 * theme.scale();
  QFont question = base;
  question.setPointSizeF(points * (theme.presentation ? 1.2 : 1.35));
  question.setBold(true);
  m_question->setFont(question);
  QFont body = base;
  body.setPointSizeF(points * 1.1);
  for (QPushButton* b : m_choices) b->setFont(body);
  m_result->setFont(body);
  m_status->setFont(body);
  m_number->setFont(body);
  m_unit->setFont(body);
  m_hint->setFont(body);
  QFont heading = base;
  heading.setPointSizeF(points);
  heading.setBold(true);
  m_heading->setFont(heading);
}

void LessonPanel::clear() {
  m_asked.reset();
  m_open = false;
  m_resultHtml.clear();
  m_notesText.clear();
  m_heading->clear();
  m_question->clear();
  m_status->clear();
  m_result->clear();
  m_hint->clear();
  for (QPushButton* b : m_choices) b->deleteLater();
  m_choices.clear();
  updateVisibility();
}

void LessonPanel::ask(const Question& question, std::size_t index, std::size_t count, bool keepReveals) {
  if (keepReveals && m_asked && m_asked->id != question.id && !m_resultHtml.isEmpty()) {
    // Short: the new question needs the room. The earlier question's text is in its tooltip.
    m_resultHtml = tr("<i>Last question:</i> ") + m_resultHtml;
    m_result->setToolTip(QString::fromStdString(m_asked->text));
    m_result->setText(m_resultHtml);
  }
  m_asked = question;
  m_open = true;
  if (!keepReveals) {
    m_resultHtml.clear();
    m_result->clear();
  }
  m_status->clear();
  m_heading->setText(tr("Question %1 of %2 — predict before the run goes on").arg(index + 1).arg(count));
  m_question->setText(QString::fromStdString(question.text));
  for (QPushButton* b : m_choices) b->deleteLater();
  m_choices.clear();
  for (std::size_t i = 0; i < question.choices.size(); ++i) {
    auto* button = new QPushButton(
        QStringLiteral("%1   %2").arg(i + 1).arg(QString::fromStdString(question.choices[i].text)), m_choiceBox);
    button->setObjectName(QStringLiteral("lessonChoice%1").arg(i + 1));
    button->setStyleSheet(QStringLiteral("text-align: left; padding: 4px 10px;"));
    button->setToolTip(tr("Key %1").arg(i + 1));
    connect(button, &QPushButton::clicked, this, [this, i] { choose(static_cast<int>(i) + 1); });
    const int rows = static_cast<int>((question.choices.size() + 1) / 2);
    m_choiceLayout->addWidget(button, static_cast<int>(i) % rows, static_cast<int>(i) / rows);
    m_choices.push_back(button);
  }
  if (question.isNumber()) {
    m_number->clear();
    m_unit->setText(QString::fromUtf8(metricInputUnit(*question.measure).data(),
                                      static_cast<qsizetype>(metricInputUnit(*question.measure).size())));
  }
  m_hint->setText(tr("Hint: %1").arg(QString::fromStdString(question.hint)));
  m_hint->setVisible(false);
  m_hintButton->setVisible(!question.hint.empty());
  setTheme(m_theme);  // fonts for the new buttons
  updateVisibility();
  if (question.isNumber()) m_number->setFocus(Qt::OtherFocusReason);
}

bool LessonPanel::choose(int number) {
  if (!m_open || !m_asked || m_asked->isNumber()) return false;
  if (number < 1 || static_cast<std::size_t>(number) > m_asked->choices.size()) return false;
  const auto index = static_cast<std::size_t>(number - 1);
  showAnswer(Answer{index}, tr("The run goes on (Space pauses it)."));
  emit answered(Answer{index});
  return true;
}

void LessonPanel::showAnswer(const Answer& answer, const QString& then) {
  if (!m_open || !m_asked) return;
  if (const auto* index = std::get_if<std::size_t>(&answer); index && *index < m_choices.size()) {
    for (std::size_t i = 0; i < m_choices.size(); ++i) {
      m_choices[i]->setEnabled(false);
      if (i == *index) {
        m_choices[i]->setStyleSheet(QStringLiteral("text-align: left; padding: 4px 10px; font-weight: bold;"));
      }
    }
    finishAsking(tr("Your answer: (%1) %2. %3")
                     .arg(*index + 1)
                     .arg(QString::fromStdString(m_asked->choices[*index].text), then));
  } else if (const auto* value = std::get_if<double>(&answer); value && m_asked->isNumber()) {
    m_number->setText(QString::fromStdString(formatMetricValue(*m_asked->measure, *value)));
    m_number->setEnabled(false);
    m_submit->setEnabled(false);
    finishAsking(tr("Your prediction: %1. %2")
                     .arg(QString::fromStdString(formatMetricValue(*m_asked->measure, *value)), then));
  }
}

void LessonPanel::submitNumber() {
  if (!m_open || !m_asked || !m_asked->isNumber()) return;
  std::string problem;
  const auto answer = parseAnswer(*m_asked, m_number->text().toStdString(), problem);
  if (!answer) {
    m_status->setText(tr("Type a number%1, such as 5.")
                          .arg(m_unit->text().isEmpty() ? QString() : tr(" in %1").arg(m_unit->text())));
    return;
  }
  showAnswer(*answer, tr("The run goes on (Space pauses it)."));
  emit answered(*answer);
}

void LessonPanel::finishAsking(const QString& status) {
  m_open = false;
  m_status->setText(status);
  m_skip->setVisible(false);
  m_number->clearFocus();
  updateVisibility();
}

void LessonPanel::showReveal(const Question& question, const Reveal& reveal, const std::optional<Answer>& given) {
  // The question stays on screen (without its choices) when it is the one revealed; otherwise the reveal says which
  // question it answers.
  const bool same = m_asked && m_asked->id == question.id;
  if (!same) {
    m_asked.reset();
    m_question->clear();
  }
  m_open = false;
  m_status->clear();
  for (QPushButton* b : m_choices) b->deleteLater();
  m_choices.clear();
  m_heading->setText(tr("Answer"));
  QString html;
  if (!m_resultHtml.isEmpty()) html = m_resultHtml + QStringLiteral("<br>");
  if (!same) {
    html += tr("<i>The earlier question: %1</i><br>").arg(QString::fromStdString(question.text).toHtmlEscaped());
  }
  if (given) {
    const AnswerGrade grade = gradeAnswer(question, reveal, *given);
    html += QStringLiteral("<span style='color:%1'><b>%2</b></span> %3")
                .arg(grade.correct ? QStringLiteral("#2f9e44") : QStringLiteral("#e03131"),
                     grade.correct ? tr("Right.") : tr("Not quite."),
                     QString::fromStdString(grade.text).toHtmlEscaped());
  } else {
    std::string right;
    if (!reveal.measuredText.empty()) right = "Measured: " + reveal.measuredText + ". ";
    const std::optional<std::size_t> choice = question.measure ? reveal.rightChoice : question.markedChoice();
    if (choice) right += "The answer: (" + std::to_string(*choice + 1) + ") " + question.choices[*choice].text + ".";
    html += QString::fromStdString(right).toHtmlEscaped();
  }
  if (!question.explanation.empty()) {
    html += QStringLiteral("<br>%1").arg(QString::fromStdString(question.explanation).toHtmlEscaped());
  }
  m_resultHtml = html;
  m_result->setText(html);
  updateVisibility();
}

void LessonPanel::showSummary(const QString& summary) {
  if (summary.isEmpty()) return;
  m_open = false;
  if (!m_resultHtml.isEmpty()) m_resultHtml += QStringLiteral("<br><br>");
  else m_heading->setText(tr("Summary"));
  m_resultHtml += tr("<b>What to remember.</b> %1").arg(summary.toHtmlEscaped());
  m_result->setText(m_resultHtml);
  updateVisibility();
}

void LessonPanel::setNotes(const QString& notes) {
  m_notesText = notes;
  m_notes->setText(notes.isEmpty() ? QString()
                                   : tr("<span style='color:#7048e8'><b>Teacher's notes:</b> %1</span>")
                                         .arg(notes.toHtmlEscaped()));
  updateVisibility();
}

void LessonPanel::setTeacherView(bool on) {
  m_teacherView = on;
  updateVisibility();
}

QString LessonPanel::questionText() const { return m_question->text(); }
QString LessonPanel::resultText() const { return m_result->text(); }

void LessonPanel::updateVisibility() {
  const bool asking = m_asked.has_value() && !m_question->text().isEmpty();
  m_heading->setVisible(!m_heading->text().isEmpty());
  m_question->setVisible(asking);
  m_choiceBox->setVisible(asking && !m_choices.empty());
  const bool number = asking && m_asked->isNumber() && (m_open || !m_status->text().isEmpty());
  m_numberRow->setVisible(number);
  if (number) {
    m_number->setEnabled(m_open);
    m_submit->setEnabled(m_open);
  }
  m_hintButton->setVisible(m_open && m_asked && !m_asked->hint.empty() && !m_hint->isVisible());
  if (!m_open) m_hint->setVisible(false);
  m_skip->setVisible(m_open);
  m_status->setVisible(!m_status->text().isEmpty());
  m_result->setVisible(!m_resultHtml.isEmpty());
  const bool notes = m_teacherView && !m_notesText.isEmpty();
  m_notes->setVisible(notes);
  setVisible(asking || !m_resultHtml.isEmpty() || notes);
}

}  // namespace ringlab
