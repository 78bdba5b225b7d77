#include <ringlab/ui/scenario_panel.h>

#include <algorithm>

#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QSettings>
#include <QTabWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <ringlab/sim/course.h>
#include <ringlab/sim/scenario_catalog.h>
#include <ringlab/ui/lesson_controller.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/run_report.h>

#ifndef RINGLAB_SCENARIO_DIR
#define RINGLAB_SCENARIO_DIR ""
#endif

namespace ringlab {

QString scenarioDescriptionHtml(const QString& text) {
  QString html;
  const QStringList paragraphs = text.trimmed().split(QRegularExpression(QStringLiteral("\\n\\s*\\n")));
  for (const QString& paragraph : paragraphs) {
    QString joined;
    for (const QString& raw : paragraph.split(QLatin1Char('\n'))) {
      const QString line = raw.trimmed();
      if (line.isEmpty()) continue;
      if (!joined.isEmpty()) {
        joined += line.startsWith(QLatin1Char('-')) || line.startsWith(QLatin1Char('*')) ? QStringLiteral("<br>")
                                                                                         : QStringLiteral(" ");
      }
      joined += line.toHtmlEscaped();
    }
    html += QStringLiteral("<p>%1</p>").arg(joined);
  }
  return html;
}

ScenarioPanel::ScenarioPanel(QWidget* parent) : QWidget(parent) {
  m_list = new ScenarioListModel(this);
  m_list->setFiles(shippedScenarios(RINGLAB_SCENARIO_DIR));
  auto* layout = new QVBoxLayout(this);
  m_view = new QListView(this);
  m_view->setModel(m_list);
  m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_view->setMinimumHeight(70);
  m_view->setWordWrap(true);  // whole titles, on two lines when the panel is narrow
  m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_view->setToolTip(tr("Shipped scenarios: double-click or press Enter to open one"));
  connect(m_view, &QListView::activated, this, [this](const QModelIndex& index) {
    emit scenarioChosen(index.data(ScenarioListModel::kPathRole).toString());
  });
  auto* open = new QPushButton(tr("Open file…"), this);
  connect(open, &QPushButton::clicked, this, &ScenarioPanel::openFileDialog);
  m_title = new QLabel(this);
  m_title->setWordWrap(true);
  QFont titleFont = m_title->font();
  titleFont.setBold(true);
  titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
  m_title->setFont(titleFont);
  m_description = new QTextBrowser(this);
  m_description->setFrameShape(QFrame::NoFrame);
  m_description->setMinimumHeight(60);
  m_description->viewport()->setAutoFillBackground(false);
  m_reportStatus = new QLabel(this);
  m_reportStatus->setWordWrap(true);
  m_reportButton = new QPushButton(tr("Show the report…"), this);
  m_reportButton->setObjectName(QStringLiteral("showReport"));
  m_reportButton->setToolTip(tr("Expectations, operations and latency, consistency and messages of the finished run"));
  connect(m_reportButton, &QPushButton::clicked, this, &ScenarioPanel::showReport);
  // The course: lessons in order, what each teaches, and how far the student got.
  auto* coursePage = new QWidget(this);
  auto* courseLayout = new QVBoxLayout(coursePage);
  courseLayout->setContentsMargins(0, 0, 0, 0);
  m_course = new QListWidget(coursePage);
  m_course->setObjectName(QStringLiteral("courseList"));
  m_course->setWordWrap(true);
  m_course->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_course->setToolTip(tr("The course: double-click or press Enter to open a lesson"));
  connect(m_course, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    emit scenarioChosen(item->data(Qt::UserRole).toString());
  });
  auto* next = new QPushButton(tr("Next lesson (Ctrl+L)"), coursePage);
  next->setObjectName(QStringLiteral("nextLesson"));
  connect(next, &QPushButton::clicked, this, &ScenarioPanel::nextLessonRequested);
  m_courseStatus = new QLabel(coursePage);
  m_courseStatus->setWordWrap(true);
  courseLayout->addWidget(m_course, 1);
  courseLayout->addWidget(m_courseStatus);
  courseLayout->addWidget(next);
  m_tabs = new QTabWidget(this);
  m_tabs->addTab(m_view, tr("Scenarios"));
  m_tabs->addTab(coursePage, tr("Course"));
  layout->addWidget(m_tabs, 2);
  layout->addWidget(open);
  layout->addWidget(m_title);
  layout->addWidget(m_description, 3);
  layout->addWidget(m_reportStatus);
  layout->addWidget(m_reportButton);
  clearReport();
  // The course is read once; its progress is read again as it changes.
  const std::filesystem::path dir = findCourseDirectory(RINGLAB_SCENARIO_DIR);
  if (dir.empty()) {
    m_courseProblem = tr("No course found beside the shipped scenarios.");
  } else if (auto course = loadCourse(dir); !course) {
    m_courseProblem = QString::fromStdString(course.status().message());
  } else {
    for (const CourseLesson& lesson : *course) {
      m_lessons.push_back(CourseLessonInfo{QString::fromStdString(lesson.path.string()),
                                           QString::fromStdString(lesson.spec.name),
                                           QString::fromStdString(lesson.spec.lesson->teaches),
                                           lesson.spec.lesson->minutes, static_cast<int>(lesson.spec.questions.size()),
                                           lesson.spec.challenge.has_value()});
    }
  }
  refreshCourse();
}

void ScenarioPanel::setUseSettings(bool on) {
  m_useSettings = on;
  refreshCourse();
}

void ScenarioPanel::refreshCourse() {
  const int current = m_course->currentRow();
  m_course->clear();
  if (m_lessons.empty()) {
    m_courseStatus->setText(m_courseProblem);
    return;
  }
  int done = 0;
  for (std::size_t i = 0; i < m_lessons.size(); ++i) {
    const CourseLessonInfo& lesson = m_lessons[i];
    const LessonProgress progress = lessonProgress(lesson.path, lesson.questions, m_useSettings);
    QString state;
    if (progress.started()) {
      state = tr("%1 of %2 answered, %3 right").arg(progress.answered).arg(progress.questions).arg(progress.correct);
      if (lesson.challenge) state += progress.challengePassed ? tr(", challenge passed") : tr(", challenge open");
      if (progress.answered >= progress.questions && (!lesson.challenge || progress.challengePassed)) ++done;
    } else {
      state = lesson.challenge ? tr("not started · with a challenge") : tr("not started");
    }
    auto* item = new QListWidgetItem(
        tr("%1. %2 — %3 min\n    %4").arg(i + 1).arg(lesson.teaches).arg(lesson.minutes).arg(state), m_course);
    item->setData(Qt::UserRole, lesson.path);
    item->setToolTip(lesson.title);
  }
  if (current >= 0 && current < m_course->count()) m_course->setCurrentRow(current);
  m_courseStatus->setText(tr("%1 of %2 lessons done.").arg(done).arg(m_lessons.size()));
}

QStringList ScenarioPanel::courseFiles() const {
  QStringList files;
  for (const CourseLessonInfo& lesson : m_lessons) files << lesson.path;
  return files;
}

QString ScenarioPanel::lessonAfter(const QString& current) const {
  const QString currentName = QFileInfo(current).fileName();
  for (std::size_t i = 0; i < m_lessons.size() && !currentName.isEmpty(); ++i) {
    if (QFileInfo(m_lessons[i].path).fileName() == currentName) {
      return i + 1 < m_lessons.size() ? m_lessons[i + 1].path : QString();
    }
  }
  for (const CourseLessonInfo& lesson : m_lessons) {
    if (!lessonProgress(lesson.path, lesson.questions, m_useSettings).started()) return lesson.path;
  }
  return m_lessons.empty() ? QString() : m_lessons.front().path;
}

void ScenarioPanel::showCourse() { m_tabs->setCurrentIndex(1); }

std::optional<ScenarioSpec> ScenarioPanel::loadScenario(const QString& path, QWidget* dialogParent, QString* error) {
  auto spec = loadScenarioFile(path.toStdString());
  if (spec.isOk()) return std::move(spec).value();
  *error = QString::fromStdString(spec.status().message());
  if (dialogParent) {
    QMessageBox box(QMessageBox::Critical, tr("Cannot open scenario"),
                    tr("The scenario was not opened; the current run is unchanged."), QMessageBox::Ok, dialogParent);
    box.setInformativeText(*error);
    box.exec();
  }
  return std::nullopt;
}

void ScenarioPanel::selectFile(const QString& path) {
  const int row = m_list->rowOf(QFileInfo(path).completeBaseName());
  if (row >= 0) m_view->setCurrentIndex(m_list->index(row));
  const QString name = QFileInfo(path).fileName();
  for (std::size_t i = 0; i < m_lessons.size(); ++i) {
    if (QFileInfo(m_lessons[i].path).fileName() == name) {
      m_course->setCurrentRow(static_cast<int>(i));
      showCourse();
    }
  }
}

void ScenarioPanel::showScenario(const ScenarioSpec& spec, const QVector<NarrationPoint>& timeline) {
  QString html = scenarioDescriptionHtml(QString::fromStdString(spec.description));
  if (!timeline.isEmpty()) {
    html += tr("<p><b>Timeline</b></p><table cellspacing='2'>");
    for (const NarrationPoint& p : timeline) {
      html += QStringLiteral("<tr><td valign='top' style='padding-right:6px'>%1</td><td>%2%3</td></tr>")
                  .arg(formatVirtualTime(p.atNs).toHtmlEscaped())
                  .arg(p.actions.isEmpty() ? QString() : QStringLiteral("<i>%1</i><br>").arg(p.actions.toHtmlEscaped()))
                  .arg(p.text.toHtmlEscaped());
    }
    html += QStringLiteral("</table>");
  }
  showSource(QString::fromStdString(spec.name), html);
}

void ScenarioPanel::showSource(const QString& title, const QString& html) {
  m_title->setText(title);
  if (html.isEmpty())
    m_description->clear();
  else
    m_description->setHtml(html);
}

void ScenarioPanel::openFileDialog() {
  const QString path = QFileDialog::getOpenFileName(window(), tr("Open scenario"), QString(),
                                                    tr("Scenario files (*.yaml *.yml);;All files (*)"));
  if (!path.isEmpty()) emit scenarioChosen(path);
}

void ScenarioPanel::clearReport() {
  m_reportHtml.clear();
  m_reportJson.clear();
  m_reportText.clear();
  m_reportStatus->setText(tr("The report opens when the scenario ends."));
  m_reportStatus->setToolTip(
      tr("Expectations, availability, latency, stale reads, lost writes and updates, convergence, messages"));
  m_reportButton->setEnabled(false);
  if (m_reportDialog) m_reportDialog->hide();
  emit reportAvailable(false);
}

void ScenarioPanel::setReport(const QString& summary, bool passed) {
  m_reportText = summary;
  m_reportHtml = m_reportJson.isEmpty() ? QStringLiteral("<pre>%1</pre>").arg(summary.toHtmlEscaped())
                                        : runReportHtml(m_reportJson.toUtf8());
  m_reportStatus->setText(passed ? tr("<b>Ended:</b> every expectation holds.")
                                 : tr("<b>Ended:</b> <span style='color:#e03131'>some expectations failed</span>."));
  m_reportButton->setEnabled(true);
  emit reportAvailable(true);
}

void ScenarioPanel::showReport() {
  if (m_reportHtml.isEmpty()) return;
  if (!m_reportDialog) {
    m_reportDialog = new QDialog(window());
    m_reportDialog->setObjectName(QStringLiteral("reportDialog"));
    m_reportDialog->setWindowTitle(tr("End-of-run report"));
    auto* layout = new QVBoxLayout(m_reportDialog);
    m_reportView = new QTextBrowser(m_reportDialog);
    m_reportView->setOpenLinks(false);
    layout->addWidget(m_reportView);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, m_reportDialog);
    QPushButton* copy = buttons->addButton(tr("Copy as text"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_reportText); });
    connect(buttons, &QDialogButtonBox::rejected, m_reportDialog, &QDialog::hide);
    layout->addWidget(buttons);
  }
  m_reportView->setHtml(m_reportHtml);
  const QSize available = screen() ? screen()->availableSize() : QSize(1280, 720);
  m_reportDialog->resize(std::min(1000, available.width() - 80), std::min(700, available.height() - 80));
  m_reportDialog->show();
  m_reportDialog->raise();
}

}  // namespace ringlab
