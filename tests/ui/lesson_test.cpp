// Lessons in the desktop app: a question stops the run and takes an answer, the reveal grades it against what the
// run measured, teacher's notes stay off the projector, a challenge is run and graded from its dialog, the course
// list and "next lesson", and the handout PDF.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>

#include <ringlab/ui/challenge_dialog.h>
#include <ringlab/ui/central_area.h>
#include <ringlab/ui/handout.h>
#include <ringlab/ui/lesson_controller.h>
#include <ringlab/ui/lesson_panel.h>
#include <ringlab/ui/main_window.h>
#include <ringlab/ui/scenario_panel.h>
#include <ringlab/ui/simulation_feed.h>

#include "qt_test_support.h"

namespace ringlab {
namespace {

const QString kLesson1 = QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/course/01-consistent-hashing.yaml");
const QString kLesson4 = QStringLiteral(RINGLAB_SOURCE_DIR "/scenarios/course/04-quorums-and-staleness.yaml");

LessonPanel& panelOf(MainWindow& window) {
  auto* panel = window.findChild<LessonPanel*>(QStringLiteral("lessonPanel"));
  if (!panel) throw std::runtime_error("no lesson panel");
  return *panel;
}

void runTo(MainWindow& window, Duration t) {
  window.feed().runToBlocking(TimePoint{t});
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().nowNs == t.count(); }));
}

TEST(LessonAppTest, AQuestionStopsTheRunTakesAKeyAndIsGradedByWhatTheRunMeasured) {
  testing::app();
  MainWindow window(/*restoreSettings=*/false);
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kLesson1, /*play=*/false, std::nullopt, /*quiet=*/true).isEmpty());
  LessonPanel& panel = panelOf(window);
  ASSERT_TRUE(testing::waitFor([&] { return window.lessons().isLesson(); }));
  EXPECT_FALSE(panel.isVisible());  // nothing asked yet

  // Played as fast as it goes: the run stops by itself at the question, at 5 s.
  window.feed().setSpeed(0);
  window.feed().play();
  ASSERT_TRUE(testing::waitFor([&] { return window.lessons().waitingForAnswer(); }));
  ASSERT_TRUE(testing::waitFor([&] { return !window.lastSnapshot().playing; }));
  EXPECT_EQ(window.lastSnapshot().nowNs, 5'000'000'000);
  EXPECT_TRUE(panel.isVisible());
  EXPECT_TRUE(panel.questionText().startsWith(QStringLiteral("n3 owns its arcs")));

  // Key 2, as the class would press it: the answer is taken and the run goes on (at 1x from here, so that it is still
  // short of the reveal when it is paused again).
  window.feed().setSpeed(1.0);
  EXPECT_FALSE(window.lessons().choose(7));  // there is no seventh choice
  EXPECT_TRUE(window.lessons().choose(2));
  EXPECT_FALSE(window.lessons().waitingForAnswer());
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().playing || window.lastSnapshot().nowNs > 5'000'000'000; }));
  window.feed().pause();
  ASSERT_TRUE(testing::waitFor([&] { return !window.lastSnapshot().playing; }));
  ASSERT_LT(window.lastSnapshot().nowNs, 15'000'000'000);

  runTo(window, std::chrono::seconds(15));
  ASSERT_TRUE(testing::waitFor([&] { return panel.resultText().contains(QStringLiteral("Measured:")); }));
  EXPECT_TRUE(panel.resultText().contains(QStringLiteral("Right.")));
  EXPECT_TRUE(panel.resultText().contains(QStringLiteral("You chose (2) About four in five.")));
  EXPECT_TRUE(panel.resultText().contains(QStringLiteral("% of operations succeeded")));
  ASSERT_EQ(window.lessons().answers().size(), 1u);
}

TEST(LessonAppTest, TeachersNotesShowInTheTeacherViewButNeverInPresentationMode) {
  testing::app();
  MainWindow window(/*restoreSettings=*/false);
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kLesson1, false, std::nullopt, true).isEmpty());
  ASSERT_TRUE(testing::waitFor([&] { return window.lessons().isLesson(); }));
  auto* notes = window.findChild<QLabel*>(QStringLiteral("teacherNotes"));
  ASSERT_NE(notes, nullptr);
  EXPECT_FALSE(notes->isVisible());
  window.lessons().setTeacherView(true);
  EXPECT_TRUE(notes->isVisible());
  EXPECT_TRUE(notes->text().contains(QStringLiteral("Open with the ring view")));
  window.setPresentationMode(true);
  EXPECT_FALSE(notes->isVisible());
  window.setPresentationMode(false);
  EXPECT_TRUE(notes->isVisible());
  window.lessons().setTeacherView(false);
  EXPECT_FALSE(notes->isVisible());
}

TEST(LessonAppTest, AChallengeIsRunAndGradedFromItsDialogAndAFailureOpensTheRunThere) {
  testing::app();
  MainWindow window(/*restoreSettings=*/false);
  window.resize(1400, 900);
  window.show();
  ASSERT_TRUE(window.openScenarioFile(kLesson4, false, std::nullopt, true).isEmpty());
  ASSERT_TRUE(testing::waitFor([&] { return window.lessons().hasChallenge(); }));
  window.lessons().openChallenge();
  ChallengeDialog* dialog = window.lessons().challengeDialog();
  ASSERT_NE(dialog, nullptr);
  EXPECT_TRUE(dialog->settings().empty());  // the lesson as it starts

  QSignalSpy graded(dialog, &ChallengeDialog::graded);
  dialog->run();
  ASSERT_TRUE(testing::waitFor([&] { return graded.count() == 1; }, 60000));
  EXPECT_FALSE(graded.takeFirst().at(0).toBool());
  EXPECT_TRUE(dialog->gradeText().contains(QStringLiteral("stale_reads | 284 | ≤ 0 | FAIL"))) << dialog->gradeText().toStdString();
  auto* open = dialog->findChild<QPushButton*>(QStringLiteral("lookAt0"));
  ASSERT_NE(open, nullptr);
  EXPECT_TRUE(open->text().contains(QStringLiteral("the first stale read, at ")));

  ASSERT_TRUE(dialog->setKnob(QStringLiteral("cluster.replication.r"), QStringLiteral("2")));
  ASSERT_TRUE(dialog->setKnob(QStringLiteral("cluster.replication.w"), QStringLiteral("2")));
  EXPECT_FALSE(dialog->setKnob(QStringLiteral("cluster.replication.r"), QStringLiteral("4")));  // outside its range
  ASSERT_EQ(dialog->settings().size(), 2u);
  dialog->run();
  ASSERT_TRUE(testing::waitFor([&] { return graded.count() == 1; }, 60000));
  EXPECT_TRUE(graded.takeFirst().at(0).toBool());
  ASSERT_TRUE(dialog->grade().has_value());
  EXPECT_TRUE(dialog->grade()->passed);

  // Back to a failing setting, then open the run at its first stale read.
  ASSERT_TRUE(dialog->setKnob(QStringLiteral("cluster.replication.r"), QStringLiteral("1")));
  ASSERT_TRUE(dialog->setKnob(QStringLiteral("cluster.replication.w"), QStringLiteral("1")));
  dialog->run();
  ASSERT_TRUE(testing::waitFor([&] { return graded.count() == 1; }, 60000));
  const qint64 at = dialog->grade()->goals[0].lookAt->nanos();
  open = dialog->findChild<QPushButton*>(QStringLiteral("lookAt0"));
  ASSERT_NE(open, nullptr);
  open->click();
  ASSERT_TRUE(testing::waitFor([&] { return window.lastSnapshot().nowNs == std::max<qint64>(0, at - 1'000'000'000); }));
}

TEST(LessonAppTest, AChallengeOpenedOnAStudentsRunKeepsItsSettingsUnlessAKnobChangesThem) {
  testing::app();
  const std::vector<ScenarioOverride> earlier = {{"cluster.replication.r", "2"}};
  auto spec = loadScenarioFile(kLesson4.toStdString(), earlier);
  ASSERT_TRUE(spec.isOk());
  ChallengeDialog dialog(std::make_shared<const ScenarioSpec>(*spec), kLesson4);
  EXPECT_EQ(dialog.settings(), earlier);  // shown as R=2, and run as R=2
  ASSERT_TRUE(dialog.setKnob(QStringLiteral("cluster.replication.w"), QStringLiteral("2")));
  const std::vector<ScenarioOverride> both = {{"cluster.replication.r", "2"}, {"cluster.replication.w", "2"}};
  EXPECT_EQ(dialog.settings(), both);
  ASSERT_TRUE(dialog.setKnob(QStringLiteral("cluster.replication.r"), QStringLiteral("1")));
  const std::vector<ScenarioOverride> changed = {{"cluster.replication.r", "1"}, {"cluster.replication.w", "2"}};
  EXPECT_EQ(dialog.settings(), changed);
}

TEST(LessonAppTest, TheCourseListsItsLessonsAndNextLessonFollowsTheOrder) {
  testing::app();
  MainWindow window(/*restoreSettings=*/false);
  auto* panel = window.findChild<ScenarioPanel*>();
  ASSERT_NE(panel, nullptr);
  const QStringList files = panel->courseFiles();
  ASSERT_GE(files.size(), 12);
  EXPECT_TRUE(files[0].endsWith(QStringLiteral("01-consistent-hashing.yaml")));
  EXPECT_EQ(window.nextLessonPath(), files[0]);  // nothing open: the first lesson not started
  ASSERT_TRUE(window.openScenarioFile(files[0], false, std::nullopt, true).isEmpty());
  EXPECT_EQ(window.nextLessonPath(), files[1]);
  window.openNextLesson();
  EXPECT_EQ(window.scenarioPath(), files[1]);
  EXPECT_EQ(panel->lessonAfter(files.back()), QString());
}

TEST(LessonAppTest, AHandoutIsAPdfWithTheLessonsQuestionsButNotItsAnswers) {
  testing::app();
  auto spec = loadScenarioFile(kLesson1.toStdString());
  ASSERT_TRUE(spec.isOk());
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "ringlab-handout-test";
  std::filesystem::create_directories(dir);
  const QString pdf = QString::fromStdString((dir / "lesson1.pdf").string());
  int lastDone = -1, lastTotal = -1;
  QString html;
  const QString error = writeLessonHandout(
      *spec, pdf,
      [&](int done, int total) {
        lastDone = done;
        lastTotal = total;
      },
      &html);
  ASSERT_TRUE(error.isEmpty()) << error.toStdString();
  EXPECT_EQ(lastDone, lastTotal);
  EXPECT_EQ(lastTotal, 4);  // the narration and question points of lesson 1
  QFile file(pdf);
  ASSERT_TRUE(file.open(QIODevice::ReadOnly));
  const QByteArray bytes = file.readAll();
  EXPECT_TRUE(bytes.startsWith("%PDF-"));
  EXPECT_GT(bytes.size(), 50'000);  // pictures of the ring, traffic and charts at each point
  // Every question and its choices, none of the answers: no explanation, no hint, no teacher's notes.
  for (const Question& q : spec->questions) {
    EXPECT_TRUE(html.contains(QString::fromStdString(q.text).toHtmlEscaped())) << q.id;
    for (const QuestionChoice& c : q.choices) EXPECT_TRUE(html.contains(QString::fromStdString(c.text).toHtmlEscaped()));
    if (!q.explanation.empty()) {
      EXPECT_FALSE(html.contains(QString::fromStdString(q.explanation).toHtmlEscaped())) << q.id;
    }
    if (!q.hint.empty()) {
      EXPECT_FALSE(html.contains(QString::fromStdString(q.hint).toHtmlEscaped())) << q.id;
    }
  }
  EXPECT_FALSE(html.contains(QStringLiteral("Open with the ring view")));  // the notes
  const QString missing = writeLessonHandout(*spec, QStringLiteral("/nonexistent/dir/x.pdf"));
  EXPECT_TRUE(missing.contains(QStringLiteral("no directory '/nonexistent/dir'"))) << missing.toStdString();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ringlab
