// The Scenario panel: the shipped scenarios to pick from, the open scenario's (or the connected source's) title and
// description with its timeline, and the end-of-run report (a status line, a button and the report dialog).
//
// Thread-safety: a widget; UI thread only.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include <QVector>
#include <QWidget>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/feed_snapshot.h>

QT_BEGIN_NAMESPACE
class QDialog;
class QLabel;
class QListView;
class QListWidget;
class QTabWidget;
class QPushButton;
class QTextBrowser;
QT_END_NAMESPACE

namespace ringlab {

class ScenarioListModel;

// A scenario's description as flowing paragraphs: YAML's folded line breaks join into one line, a blank line starts
// a new paragraph, and a line that starts with "-" or "*" stays a line of its own. HTML-escaped.
QString scenarioDescriptionHtml(const QString& text);

class ScenarioPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit ScenarioPanel(QWidget* parent = nullptr);

  ScenarioListModel& scenarioList() { return *m_list; }
  // Reads the scenario file `path`. On a parse error puts the message (file:line:column) in `error`, shows it in a
  // dialog over `dialogParent` when one is given, and returns nullopt.
  static std::optional<ScenarioSpec> loadScenario(const QString& path, QWidget* dialogParent, QString* error);
  // Marks the shipped scenario `path` names (by its base name) as the current one, if it is in the list.
  void selectFile(const QString& path);
  // Shows a scenario: its name, its description and its narration timeline.
  void showScenario(const ScenarioSpec& spec, const QVector<NarrationPoint>& timeline);
  // Shows another source (a live cluster, a recording): a title and an HTML description.
  void showSource(const QString& title, const QString& html);

  // The course: its lessons in order (read once) with what each teaches and the progress kept for it (QSettings,
  // unless `useSettings` is off). refreshCourse() reads the progress again.
  void setUseSettings(bool on);
  void refreshCourse();
  QStringList courseFiles() const;
  // The lesson after `current` (a path); the first lesson not yet started when `current` is not a lesson; empty
  // after the last one.
  QString lessonAfter(const QString& current) const;
  // Brings the course list to the front.
  void showCourse();

  // Asks for a scenario file and, unless cancelled, emits scenarioChosen.
  void openFileDialog();

  // The end-of-run report: cleared when a run starts, set when it ends. The JSON form (formatScenarioJson), when it
  // comes first, gives the report its tables; without it the report is the plain-text summary.
  void clearReport();
  void setReportJson(const QString& json) { m_reportJson = json; }
  void setReport(const QString& summary, bool passed);
  QString reportHtml() const { return m_reportHtml; }
  // Opens the report dialog (nothing before the end of the run).
  void showReport();

 signals:
  // A scenario was chosen: a shipped one (double-click or Enter) or a file.
  void scenarioChosen(const QString& path);
  // The report became available (or went away).
  void reportAvailable(bool available);
  // "Next lesson" was pressed.
  void nextLessonRequested();

 private:
  ScenarioListModel* m_list = nullptr;
  QListView* m_view = nullptr;
  QTabWidget* m_tabs = nullptr;
  QListWidget* m_course = nullptr;
  QLabel* m_courseStatus = nullptr;
  struct CourseLessonInfo {
    QString path;
    QString title;
    QString teaches;
    int minutes = 0;
    int questions = 0;
    bool challenge = false;
  };
  std::vector<CourseLessonInfo> m_lessons;
  QString m_courseProblem;  // why there is no course, when there is none
  bool m_useSettings = true;
  QLabel* m_title = nullptr;
  QTextBrowser* m_description = nullptr;
  QLabel* m_reportStatus = nullptr;
  QPushButton* m_reportButton = nullptr;
  QDialog* m_reportDialog = nullptr;
  QTextBrowser* m_reportView = nullptr;
  QString m_reportHtml;
  QString m_reportText;
  QString m_reportJson;
};

}  // namespace ringlab
