#include <ringlab/ui/handout.h>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

#include <ringlab/sim/lesson.h>
#include <ringlab/ui/lesson_panel.h>
#include <ringlab/ui/main_window.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/simulation_feed.h>
#include <ringlab/ui/theme.h>

namespace ringlab {

namespace {

void processEventsFor(int ms) {
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

QString esc(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }

QString paragraphs(const std::string& text) {
  QString html;
  for (const QString& p : QString::fromStdString(text).trimmed().split(QStringLiteral("\n\n"))) {
    if (!p.trimmed().isEmpty()) html += QStringLiteral("<p>%1</p>").arg(p.simplified().toHtmlEscaped());
  }
  return html;
}

}  // namespace

QString writeLessonHandout(const ScenarioSpec& spec, const QString& pdfPath,
                           const std::function<void(int, int)>& progress, QString* htmlOut) {
  const QFileInfo target(pdfPath);
  if (target.isDir()) return QObject::tr("cannot write '%1': it is a directory").arg(pdfPath);
  if (!target.absoluteDir().exists()) {
    return QObject::tr("cannot write '%1': no directory '%2'").arg(pdfPath, target.absolutePath());
  }
  // The points worth a picture: narration and questions, in time order.
  std::vector<const TimelineEntry*> points;
  for (const TimelineEntry& entry : spec.timeline) {
    if (!entry.say.empty() || entry.ask) points.push_back(&entry);
  }

  MainWindow window(/*restoreSettings=*/false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1400, 900);
  window.setTheme(ThemeKind::kLight);
  window.openScenario(spec, QString(), /*play=*/false);
  window.show();
  // Presentation mode: two large charts instead of six small ones, and large type that stays readable on paper.
  window.setPresentationMode(true);
  window.resize(1400, 900);
  processEventsFor(300);

  QTextDocument doc;
  QString html = QStringLiteral("<h1>%1</h1>").arg(esc(spec.name));
  if (spec.lesson) {
    html += QObject::tr("<p><b>Teaches:</b> %1 &nbsp;·&nbsp; about %2 minutes</p>")
                .arg(esc(spec.lesson->teaches))
                .arg(spec.lesson->minutes);
  }
  html += paragraphs(spec.description);
  int done = 0;
  for (const TimelineEntry* entry : points) {
    if (progress) progress(done, static_cast<int>(points.size()));
    window.feed().runToBlocking(entry->at);
    processEventsFor(250);
    // The pictures show the cluster; the question is in the text (and its panel would squeeze the views).
    if (auto* panel = window.findChild<LessonPanel*>()) panel->hide();
    processEventsFor(100);
    html += QStringLiteral("<h3>%1</h3>").arg(formatVirtualTime(entry->at.nanos()).toHtmlEscaped());
    QStringList actions;
    for (const ScenarioAction& action : entry->actions) actions << QString::fromStdString(describeAction(action));
    if (!actions.isEmpty()) html += QStringLiteral("<p><i>%1</i></p>").arg(actions.join(QStringLiteral("; ")).toHtmlEscaped());
    if (!entry->say.empty()) html += QStringLiteral("<p>%1</p>").arg(esc(entry->say));
    if (entry->ask) {
      const Question& q = spec.questions[*entry->ask];
      html += QObject::tr("<p><b>Question.</b> %1</p>").arg(esc(q.text));
      if (q.isNumber()) {
        const std::string_view unit = metricInputUnit(*q.measure);
        html += QObject::tr("<p>Your prediction: ____________ %1</p>")
                    .arg(QString::fromUtf8(unit.data(), static_cast<qsizetype>(unit.size())).toHtmlEscaped());
      } else {
        html += QStringLiteral("<ol>");
        for (const QuestionChoice& c : q.choices) html += QStringLiteral("<li>%1</li>").arg(esc(c.text));
        html += QStringLiteral("</ol>");
      }
    }
    const QString tag = QString::number(done);
    const QImage ring = window.grabView(QStringLiteral("ring")).toImage();
    const QImage traffic = window.grabView(QStringLiteral("traffic")).toImage();
    const QImage charts = window.grabView(QStringLiteral("charts")).toImage();
    doc.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("ring") + tag), ring);
    doc.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("traffic") + tag), traffic);
    doc.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("charts") + tag), charts);
    const auto scaled = [](const QImage& image, int width) {
      return image.width() > 0 ? image.height() * width / image.width() : 0;
    };
    html += QStringLiteral("<p><img src='ring%1' width='300' height='%2'>&nbsp;<img src='traffic%1' width='300' "
                           "height='%3'></p><p><img src='charts%1' width='560' height='%4'></p>")
                .arg(tag)
                .arg(scaled(ring, 300))
                .arg(scaled(traffic, 300))
                .arg(scaled(charts, 560));
    ++done;
  }
  if (spec.lesson && !spec.lesson->summary.empty()) {
    html += QObject::tr("<h2>What to remember</h2>") + paragraphs(spec.lesson->summary);
  }
  if (progress) progress(done, static_cast<int>(points.size()));
  doc.setHtml(html);
  if (htmlOut) *htmlOut = html;

  QPdfWriter writer(pdfPath);
  writer.setPageSize(QPageSize(QPageSize::A4));
  writer.setResolution(110);
  writer.setTitle(QString::fromStdString(spec.name));
  writer.setCreator(QStringLiteral("RingLab"));
  doc.print(&writer);
  if (!QFileInfo(pdfPath).exists() || QFileInfo(pdfPath).size() == 0) {
    return QObject::tr("cannot write '%1'").arg(pdfPath);
  }
  return {};
}

}  // namespace ringlab
