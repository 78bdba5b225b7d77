// ringlab: the desktop app. Opens the default (or last) scenario in the embedded cluster and plays it; with
// --screenshot it runs a scenario to a virtual time without showing a window, saves the window or one view as PNG
// and exits.
#include <cstdio>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QFileInfo>
#include <QIcon>
#include <QMessageBox>
#include <QSettings>
#include <QTimer>

#include <ringlab/cli/command_line.h>
#include <ringlab/cli/documentation.h>
#include <ringlab/cli/program_options.h>
#include <ringlab/sim/scenario.h>
#include <ringlab/sim/scenario_catalog.h>
#include <ringlab/ui/challenge_dialog.h>
#include <ringlab/ui/handout.h>
#include <ringlab/ui/lesson_controller.h>
#include <ringlab/ui/main_window.h>
#include <ringlab/ui/recording_feed.h>
#include <ringlab/ui/remote_feed.h>
#include <ringlab/ui/ring_view.h>
#include <ringlab/ui/simulation_feed.h>
#include <ringlab/ui/traffic_view.h>

namespace {

constexpr int kExitOk = ringlab::cli::kExitOk;
constexpr int kExitFailed = ringlab::cli::kExitFailure;
constexpr int kExitUsage = ringlab::cli::kExitUsage;
constexpr const char* kDefaultScenario = "crash-hinted-handoff";

ringlab::cli::CommandInfo programInfo() {
  ringlab::cli::CommandInfo info;
  info.program = "ringlab";
  info.synopsis = "[OPTION]...";
  info.description =
      QStringLiteral(
          "RingLab: watch a Dynamo-style replicated key-value store work and fail.\n\n"
          "Without options the app opens the last scenario (first time: %1) and plays it. With --screenshot it runs "
          "the scenario to --run-to without showing a window, saves the window or one --view and exits.")
          .arg(QLatin1String(kDefaultScenario))
          .toStdString();
  info.notes = QStringLiteral("Views for --view: %1.")
                   .arg(ringlab::MainWindow::viewNames().join(QStringLiteral(", ")))
                   .toStdString();
  std::vector<std::string> views;
  for (const QString& view : ringlab::MainWindow::viewNames()) views.push_back(view.toStdString());
  info.valueChoices = {{"theme", {"light", "dark"}}, {"view", views}, {"completion", {"bash", "zsh"}}};
  info.exitStatus = {
      {kExitOk, "the window was closed, or the screenshot was saved"},
      {kExitFailed,
       "no display to open a window on, the screenshot or recording could not be written, or no "
       "cluster answered (--connect with --screenshot)"},
      {kExitUsage,
       "usage or input error: a bad flag or argument, an unreadable or invalid scenario or recording, an "
       "output path that cannot be written; nothing was shown"}};
  return info;
}

int usageError(const QString& message) { return ringlab::cli::usageError(programInfo(), message.toStdString()); }

// The options as --help shows them.
std::vector<ringlab::cli::OptionHelp> describeOptions(const QList<QCommandLineOption>& options) {
  std::vector<ringlab::cli::OptionHelp> described;
  for (const QCommandLineOption& option : options) {
    ringlab::cli::OptionHelp help;
    for (const QString& name : option.names()) {
      if (name.size() == 1) {
        help.shortName = name.at(0).toLatin1();
      } else {
        help.longName = name.toStdString();
      }
    }
    help.valueName = option.valueName().toStdString();
    QString description = option.description();  // as the other programs word it: no capital, no full stop
    if (description.endsWith(QLatin1Char('.'))) description.chop(1);
    if (!description.isEmpty()) description[0] = description[0].toLower();
    help.description = description.toStdString();
    help.defaultValue = option.defaultValues().join(QLatin1Char(',')).toStdString();
    described.push_back(std::move(help));
  }
  return described;
}

// The one message for a command line QCommandLineParser refused.
QString parseErrorMessage(const QCommandLineParser& parser) {
  if (const QStringList unknown = parser.unknownOptionNames(); !unknown.isEmpty()) {
    const QString& name = unknown.first();
    return QStringLiteral("unrecognised option '%1%2'").arg(name.size() == 1 ? "-" : "--", name);
  }
  QString text = parser.errorText();
  if (text.endsWith(QLatin1Char('.'))) text.chop(1);
  if (!text.isEmpty()) text[0] = text[0].toLower();
  return text;
}

// For --screenshot: a window that never shows on screen, at the given size, whose ring is drawn as it is rather
// than mid-sweep and whose drop markers fade with virtual time, as the live view shows them at that moment.
void prepareForScreenshot(ringlab::MainWindow& window, QSize size) {
  window.ringView().setAnimated(false);
  window.trafficView().setAnimated(false);
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(size);
}

// Lets queued snapshots reach the views and the layout settle.
void processEventsFor(qint64 ms) {
  QElapsedTimer wait;
  wait.start();
  while (wait.elapsed() < ms) QApplication::processEvents(QEventLoop::AllEvents, 20);
}

// Saves `view` to `out`; false (after saying why) when it cannot.
bool saveScreenshot(ringlab::MainWindow& window, const QString& view, const QString& out) {
  if (const QString error = window.saveView(view, out); !error.isEmpty()) {
    std::fprintf(stderr, "ringlab: cannot write the screenshot: %s\n", qPrintable(error));
    return false;
  }
  return true;
}

// Qt aborts when it cannot open a display. Work that needs none (--help, --version, --screenshot) runs on the
// offscreen platform instead; for anything else there is no display (the caller says so).
enum class DisplayMode { kAvailable, kOffscreen, kNone };
DisplayMode prepareDisplay(int argc, char** argv) {
  if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY") ||
      !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
    return DisplayMode::kAvailable;
  }
  for (int i = 1; i < argc; ++i) {
    const QByteArray arg(argv[i]);
    if (arg == "--help" || arg == "-h" || arg == "--help-all" || arg == "--version" || arg == "-v" ||
        arg == "--screenshot" || arg.startsWith("--screenshot=") || arg == "--handout" ||
        arg.startsWith("--handout=")) {
      qputenv("QT_QPA_PLATFORM", "offscreen");
      return DisplayMode::kOffscreen;
    }
  }
  return DisplayMode::kNone;
}

}  // namespace

int main(int argc, char** argv) {
  QCommandLineParser parser;
  const QCommandLineOption helpOpt({QStringLiteral("h"), QStringLiteral("help")},
                                   QStringLiteral("Show this help and exit."));
  const QCommandLineOption versionOpt({QStringLiteral("v"), QStringLiteral("version")},
                                      QStringLiteral("Print the version and exit."));
  const QCommandLineOption scenarioOpt(QStringLiteral("scenario"),
                                       QStringLiteral("Scenario file, or the name of a shipped scenario."),
                                       QStringLiteral("FILE"));
  const QCommandLineOption seedOpt(QStringLiteral("seed"), QStringLiteral("Seed of the run (default: the scenario's)."),
                                   QStringLiteral("N"));
  const QCommandLineOption runToOpt(QStringLiteral("run-to"),
                                    QStringLiteral("Run to this virtual time first, e.g. 20s or 1500ms."),
                                    QStringLiteral("TIME"));
  const QCommandLineOption screenshotOpt(
      QStringLiteral("screenshot"),
      QStringLiteral("Save a PNG (or SVG, for a .svg name) of the window or --view at --run-to without showing a "
                     "window, then exit."),
      QStringLiteral("PNG"));
  const QCommandLineOption handoutOpt(
      QStringLiteral("handout"),
      QStringLiteral("Write the handout of the lesson --scenario names as a PDF (its text, its questions without the "
                     "answers, pictures at each narration point) without showing a window, then exit."),
      QStringLiteral("PDF"));
  const QCommandLineOption answersOpt(
      QStringLiteral("answers"),
      QStringLiteral("Answer the lesson's questions from FILE (YAML: question id to answer, as for ringlab-sim run "
                     "--answers): each question shows its answer as it is asked and is graded when revealed."),
      QStringLiteral("FILE"));
  const QCommandLineOption challengeOpt(
      QStringLiteral("challenge"),
      QStringLiteral("Open the lesson's challenge. With --screenshot: run and grade it (with the --set knobs) and save "
                     "the dialog."));
  const QCommandLineOption teacherOpt(
      QStringLiteral("teacher"),
      QStringLiteral("Start in the teacher view: lessons show their notes for the teacher (never in presentation mode)."));
  const QCommandLineOption setOpt(
      QStringLiteral("set"),
      QStringLiteral("With --challenge: set a knob of the challenge, as PATH=VALUE (e.g. cluster.replication.r=2; "
                     "repeatable)."),
      QStringLiteral("PATH=VALUE"));
  const QCommandLineOption viewOpt(
      QStringLiteral("view"),
      QStringLiteral("What --screenshot saves: %1.").arg(ringlab::MainWindow::viewNames().join(QStringLiteral(", "))),
      QStringLiteral("NAME"), QStringLiteral("window"));
  const QCommandLineOption sizeOpt(QStringLiteral("size"), QStringLiteral("Window size for --screenshot (WxH)."),
                                   QStringLiteral("WxH"), QStringLiteral("1600x1000"));
  const QCommandLineOption themeOpt(QStringLiteral("theme"), QStringLiteral("light or dark."), QStringLiteral("THEME"));
  const QCommandLineOption presentOpt(QStringLiteral("presentation"),
                                      QStringLiteral("Start in presentation mode (full screen, large fonts)."));
  const QCommandLineOption pausedOpt(QStringLiteral("paused"), QStringLiteral("Open paused instead of playing."));
  const QCommandLineOption keyOpt(QStringLiteral("key"), QStringLiteral("Show where this key lives on the ring."),
                                  QStringLiteral("KEY"));
  const QCommandLineOption seenByOpt(
      QStringLiteral("seen-by"),
      QStringLiteral("Show membership (ring, traffic, node table) as this node's failure detector sees it, e.g. n1."),
      QStringLiteral("NODE"));
  const QCommandLineOption connectOpt(
      QStringLiteral("connect"),
      QStringLiteral("Watch a cluster of real ringlabd nodes instead of the simulation: the admin endpoint "
                     "(--admin-port) of any member."),
      QStringLiteral("HOST:PORT"));
  const QCommandLineOption tokenOpt(QStringLiteral("token"),
                                    QStringLiteral("Admin token of the cluster (or RINGLAB_ADMIN_TOKEN)."),
                                    QStringLiteral("TOKEN"));
  const QCommandLineOption afterOpt(
      QStringLiteral("after"),
      QStringLiteral("With --connect and --screenshot: watch the live cluster this long first."),
      QStringLiteral("TIME"), QStringLiteral("5s"));
  const QCommandLineOption recordOpt(
      QStringLiteral("record"), QStringLiteral("With --connect: record the session to FILE."), QStringLiteral("FILE"));
  const QCommandLineOption recordingOpt(
      QStringLiteral("recording"),
      QStringLiteral(
          "Open a recorded live session (made with --record or the Live cluster panel) instead of a scenario."),
      QStringLiteral("FILE"));
  const QCommandLineOption manPageOpt(QStringLiteral("man-page"),
                                      QStringLiteral("Print the manual page (man(7) format) and exit."));
  const QCommandLineOption completionOpt(QStringLiteral("completion"),
                                         QStringLiteral("Print a completion script for SHELL (bash or zsh) and exit."),
                                         QStringLiteral("SHELL"));
  const QList<QCommandLineOption> allOptions{helpOpt,       versionOpt,   scenarioOpt, seedOpt,      runToOpt,
                                             screenshotOpt, viewOpt,      sizeOpt,     themeOpt,     presentOpt,
                                             pausedOpt,     keyOpt,       seenByOpt,   connectOpt,   tokenOpt,
                                             afterOpt,      recordOpt,    recordingOpt, manPageOpt,  completionOpt,
                                             handoutOpt,    answersOpt,   challengeOpt, setOpt,       teacherOpt};
  parser.addOptions(allOptions);

  std::optional<std::uint64_t> seed;
  std::optional<ringlab::Duration> runTo;
  QString view;
  QSize size;
  std::optional<ringlab::ThemeKind> theme;
  std::optional<ringlab::NodeId> seenBy;
  // Parses and checks the whole command line before anything is shown or run. Returns the status to exit with when
  // the program should stop here (after --help, --version or a usage error), std::nullopt otherwise.
  auto parseCommandLine = [&](const QStringList& arguments) -> std::optional<int> {
    if (!parser.parse(arguments)) return usageError(parseErrorMessage(parser));
    if (parser.isSet(helpOpt)) {
      std::fputs(ringlab::cli::formatHelp(programInfo(), describeOptions(allOptions)).c_str(), stdout);
      return kExitOk;
    }
    if (parser.isSet(versionOpt)) {
      std::fputs(ringlab::cli::formatVersion("ringlab", RINGLAB_VERSION).c_str(), stdout);
      return kExitOk;
    }
    if (parser.isSet(manPageOpt) || parser.isSet(completionOpt)) {
      std::vector<std::string> request;
      for (const QString& argument : arguments.mid(1)) request.push_back(argument.toStdString());
      try {
        const auto kind = ringlab::cli::documentationRequest(request);
        if (!kind) return usageError(QStringLiteral("--man-page and --completion SHELL are given alone"));
        ringlab::cli::ProgramDoc doc;
        doc.program = {programInfo(), describeOptions(allOptions)};
        doc.section = 1;
        doc.brief = "watch a Dynamo-style replicated key-value store work and fail";
        doc.seeAlso = {"ringlab-sim(1)", "ringlabd(8)"};
        std::fputs(ringlab::cli::formatDocumentation(doc, *kind, RINGLAB_VERSION).c_str(), stdout);
        return kExitOk;
      } catch (const ringlab::cli::UsageError& e) {
        return usageError(QString::fromStdString(e.what()));
      }
    }
    if (!parser.positionalArguments().isEmpty()) {
      return usageError(QStringLiteral("unexpected argument '%1' (a scenario is given with --scenario FILE)")
                            .arg(parser.positionalArguments().first()));
    }
    if (parser.isSet(seedOpt)) {
      unsigned long long value = 0;
      const QString text = parser.value(seedOpt);
      if (!ringlab::cli::parseUnsigned(text.toStdString(), std::numeric_limits<std::uint64_t>::max(), value)) {
        return usageError(QStringLiteral("--seed: expected a non-negative integer, got '%1'").arg(text));
      }
      seed = value;
    }
    if (parser.isSet(runToOpt)) {
      runTo = ringlab::parseDuration(parser.value(runToOpt).toStdString());
      if (!runTo || runTo->count() < 0) {
        return usageError(QStringLiteral("--run-to: expected a duration such as 20s or 1500ms, got '%1'")
                              .arg(parser.value(runToOpt)));
      }
    }
    view = parser.value(viewOpt);
    if (!ringlab::MainWindow::viewNames().contains(view)) {
      return usageError(QStringLiteral("--view: unknown view '%1' (expected one of: %2)")
                            .arg(view, ringlab::MainWindow::viewNames().join(QStringLiteral(", "))));
    }
    {
      const QStringList parts = parser.value(sizeOpt).split(QLatin1Char('x'));
      bool okW = false;
      bool okH = false;
      if (parts.size() == 2) size = QSize(parts[0].toInt(&okW), parts[1].toInt(&okH));
      if (!okW || !okH || size.width() < 320 || size.height() < 240 || size.width() > 8000 || size.height() > 8000) {
        return usageError(QStringLiteral("--size: expected WIDTHxHEIGHT between 320x240 and 8000x8000, got '%1'")
                              .arg(parser.value(sizeOpt)));
      }
    }
    if (parser.isSet(themeOpt)) {
      const QString t = parser.value(themeOpt);
      if (t == QLatin1String("light"))
        theme = ringlab::ThemeKind::kLight;
      else if (t == QLatin1String("dark"))
        theme = ringlab::ThemeKind::kDark;
      else
        return usageError(QStringLiteral("--theme: expected light or dark, got '%1'").arg(t));
    }
    if (parser.isSet(seenByOpt)) {
      const ringlab::NodeId id = ringlab::parseNodeName(parser.value(seenByOpt).toStdString());
      if (id == ringlab::kNoNode) {
        return usageError(
            QStringLiteral("--seen-by: expected a node name such as n1, got '%1'").arg(parser.value(seenByOpt)));
      }
      seenBy = id;
    }
    for (const auto& [option, flag] : {std::pair{&screenshotOpt, "--screenshot"}, std::pair{&recordOpt, "--record"}}) {
      if (!parser.isSet(*option)) continue;
      if (std::string problem = ringlab::cli::checkOutputPath(flag, parser.value(*option).toStdString());
          !problem.empty()) {
        return usageError(QString::fromStdString(problem));
      }
    }
    return std::nullopt;
  };

  const DisplayMode display = prepareDisplay(argc, argv);
  if (display != DisplayMode::kAvailable) {
    // Without a display the command line is checked before Qt starts, so that help or a usage error is all that is
    // printed (Qt's own options, such as -platform, only matter with a display).
    QStringList arguments;
    for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
    if (auto exit = parseCommandLine(arguments)) return *exit;
    if (display == DisplayMode::kNone) {
      std::fprintf(stderr,
                   "ringlab: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are not set).\n"
                   "Use --screenshot FILE to render without one, or ringlab-sim for the headless runner.\n");
      return kExitFailed;
    }
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("ringlab"));
  QApplication::setOrganizationName(QStringLiteral("RingLab"));
  QApplication::setDesktopFileName(QStringLiteral("ringlab"));
  {
    QIcon icon(QStringLiteral(":/ringlab/icon.svg"));
    icon.addFile(QStringLiteral(":/ringlab/icon-256.png"));
    icon.addFile(QStringLiteral(":/ringlab/icon-48.png"));
    QApplication::setWindowIcon(icon);
  }
  QApplication::setApplicationVersion(QStringLiteral(RINGLAB_VERSION));
  QApplication::setApplicationDisplayName(QStringLiteral("RingLab"));
  if (display == DisplayMode::kAvailable) {
    if (auto exit = parseCommandLine(QApplication::arguments())) return *exit;
  }

  const bool screenshot = parser.isSet(screenshotOpt);

  if (parser.isSet(recordingOpt)) {
    ringlab::MainWindow window(/*restoreSettings=*/!screenshot);
    if (theme) window.setTheme(*theme);
    if (screenshot) prepareForScreenshot(window, size);
    if (const QString e = window.openRecording(parser.value(recordingOpt)); !e.isEmpty()) {
      std::fprintf(stderr, "ringlab: %s\n", qPrintable(e));
      return kExitUsage;
    }
    window.show();
    if (runTo) window.recordingFeed()->seek(runTo->count());
    if (!screenshot) {
      if (!parser.isSet(pausedOpt)) window.recordingFeed()->play();
      return QApplication::exec();
    }
    processEventsFor(400);
    const QString out = parser.value(screenshotOpt);
    if (!saveScreenshot(window, view, out)) return kExitFailed;
    std::printf("Saved %s (view %s, recording at t = %.3f s)\n", qPrintable(out), qPrintable(view),
                static_cast<double>(window.recordingFeed()->nowNs()) / 1e9);
    return kExitOk;
  }

  if (parser.isSet(connectOpt)) {
    QString error;
    auto target = ringlab::RemoteTarget::parse(parser.value(connectOpt), &error);
    if (!target) return usageError(QStringLiteral("--connect: %1").arg(error));
    target->token = parser.isSet(tokenOpt) ? parser.value(tokenOpt) : qEnvironmentVariable("RINGLAB_ADMIN_TOKEN");
    const auto after = ringlab::parseDuration(parser.value(afterOpt).toStdString());
    if (!after || after->count() < 0) {
      return usageError(
          QStringLiteral("--after: expected a duration such as 5s or 1500ms, got '%1'").arg(parser.value(afterOpt)));
    }
    if (parser.isSet(scenarioOpt) || parser.isSet(runToOpt) || parser.isSet(seedOpt) || parser.isSet(challengeOpt) ||
        parser.isSet(answersOpt)) {
      return usageError(QStringLiteral(
          "--connect watches a real cluster: --scenario, --seed, --run-to, --answers and --challenge do not apply"));
    }
    ringlab::MainWindow window(/*restoreSettings=*/!screenshot);
    if (theme) window.setTheme(*theme);
    if (parser.isSet(keyOpt)) window.setLookupKey(parser.value(keyOpt));
    if (seenBy) window.setViewpoint(*seenBy);
    if (screenshot) prepareForScreenshot(window, size);
    window.show();
    if (parser.isSet(presentOpt)) window.setPresentationMode(true), window.resize(size);
    window.connectToCluster(*target);
    QObject::connect(window.remoteFeed(), &ringlab::ClusterFeed::problem, &window,
                     [](const QString& m) { std::fprintf(stderr, "ringlab: %s\n", qPrintable(m)); });
    if (parser.isSet(recordOpt)) {
      if (const QString e = window.remoteFeed()->startRecording(parser.value(recordOpt)); !e.isEmpty()) {
        std::fprintf(stderr, "ringlab: %s\n", qPrintable(e));
        return kExitFailed;
      }
    }
    if (!screenshot) return QApplication::exec();
    processEventsFor(std::chrono::duration_cast<std::chrono::milliseconds>(*after).count());
    const auto& members = window.remoteFeed()->members();
    std::size_t reachable = 0;
    for (const auto& m : members) reachable += m.reachable ? 1 : 0;
    if (members.empty()) {
      std::fprintf(stderr, "ringlab: no cluster answered at %s within %s\n", qPrintable(target->address()),
                   qPrintable(parser.value(afterOpt)));
      return kExitFailed;
    }
    const QString out = parser.value(screenshotOpt);
    if (!saveScreenshot(window, view, out)) return kExitFailed;
    window.remoteFeed()->stopRecording();
    std::printf("Saved %s (view %s, cluster at %s: %zu members, %zu reachable)\n", qPrintable(out), qPrintable(view),
                qPrintable(target->address()), members.size(), reachable);
    return kExitOk;
  }
  if (parser.isSet(handoutOpt)) {
    if (!parser.isSet(scenarioOpt)) return usageError(QStringLiteral("--handout: needs --scenario FILE (a lesson)"));
    const QString lesson =
        QString::fromStdString(ringlab::resolveScenario(parser.value(scenarioOpt).toStdString(), RINGLAB_SCENARIO_DIR));
    auto spec = ringlab::loadScenarioFile(lesson.toStdString());
    if (!spec.isOk()) {
      std::fprintf(stderr, "ringlab: %s\n", spec.status().message().c_str());
      return kExitUsage;
    }
    const QString out = parser.value(handoutOpt);
    const QString error = ringlab::writeLessonHandout(*spec, out, [](int done, int total) {
      std::fprintf(stderr, "\rPictures: %d of %d", done, total);
    });
    std::fprintf(stderr, "\n");
    if (!error.isEmpty()) {
      std::fprintf(stderr, "ringlab: --handout: %s\n", qPrintable(error));
      return kExitFailed;
    }
    std::printf("Saved %s (handout of %s)\n", qPrintable(out), spec->name.c_str());
    return kExitOk;
  }
  QString scenario = parser.value(scenarioOpt);
  if (scenario.isEmpty() && !screenshot) {
    scenario = QSettings().value(QStringLiteral("run/lastScenario")).toString();
    if (!scenario.isEmpty() && !QFileInfo::exists(scenario)) scenario.clear();
  }
  if (scenario.isEmpty()) scenario = QLatin1String(kDefaultScenario);
  const QString path = QString::fromStdString(ringlab::resolveScenario(scenario.toStdString(), RINGLAB_SCENARIO_DIR));

  ringlab::MainWindow window(/*restoreSettings=*/!screenshot);
  if (theme) window.setTheme(*theme);
  if (parser.isSet(keyOpt)) window.setLookupKey(parser.value(keyOpt));
  if (seenBy) window.setViewpoint(*seenBy);

  if (parser.isSet(teacherOpt)) window.setTeacherView(true);
  if (parser.isSet(setOpt) && !parser.isSet(challengeOpt)) {
    return usageError(QStringLiteral("--set: sets a knob of the challenge; add --challenge"));
  }
  std::vector<ringlab::ScenarioOverride> knobs;
  for (const QString& text : parser.values(setOpt)) {
    std::string problem;
    const auto knob = ringlab::parseOverride(text.toStdString(), problem);
    if (!knob) return usageError(QStringLiteral("--set: %1").arg(QString::fromStdString(problem)));
    knobs.push_back(*knob);
  }
  if (parser.isSet(answersOpt)) {
    QFile file(parser.value(answersOpt));
    if (!file.open(QIODevice::ReadOnly)) {
      std::fprintf(stderr, "ringlab: cannot read the answers '%s': %s\n", qPrintable(parser.value(answersOpt)),
                   qPrintable(file.errorString()));
      return kExitUsage;
    }
    // Checked against the lesson's questions (a lesson that does not parse says so when it is opened).
    if (auto lesson = ringlab::loadScenarioFile(path.toStdString()); lesson.isOk()) {
      auto answers = ringlab::parseAnswerFile(file.readAll().toStdString(), parser.value(answersOpt).toStdString(),
                                              lesson->questions);
      if (!answers) {
        std::fprintf(stderr, "%s\n", answers.status().message().c_str());
        return kExitUsage;
      }
      window.lessons().setPresetAnswers(std::move(*answers));
    }
  }

  if (screenshot) {
    auto spec = ringlab::loadScenarioFile(path.toStdString());
    if (!spec.isOk()) {
      std::fprintf(stderr, "ringlab: %s\n", spec.status().message().c_str());
      return kExitUsage;
    }
    if (parser.isSet(challengeOpt) && !spec->challenge) {
      std::fprintf(stderr, "ringlab: --challenge: '%s' has no challenge\n", qPrintable(path));
      return kExitUsage;
    }
    prepareForScreenshot(window, size);
    window.openScenario(std::move(spec).value(), path, /*play=*/false, seed);
    window.show();
    if (parser.isSet(presentOpt)) window.setPresentationMode(true), window.resize(size);
    window.feed().runToBlocking(ringlab::TimePoint{runTo.value_or(ringlab::Duration{0})});
    processEventsFor(400);
    const QString out = parser.value(screenshotOpt);
    if (parser.isSet(challengeOpt)) {
      window.lessons().openChallenge();
      ringlab::ChallengeDialog* dialog = window.lessons().challengeDialog();
      dialog->setAttribute(Qt::WA_DontShowOnScreen);
      for (const ringlab::ScenarioOverride& knob : knobs) {
        if (!dialog->setKnob(QString::fromStdString(knob.path), QString::fromStdString(knob.value))) {
          return usageError(QStringLiteral("--set: '%1' is not a knob of this challenge, or the value is outside its "
                                           "range")
                                .arg(QString::fromStdString(ringlab::formatOverride(knob))));
        }
      }
      bool graded = false;
      QObject::connect(dialog, &ringlab::ChallengeDialog::graded, [&graded] { graded = true; });
      if (!dialog->run()) {
        QString why = dialog->statusText();
        why.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
        return usageError(QStringLiteral("--challenge: %1").arg(why));
      }
      QElapsedTimer wait;
      wait.start();
      while (!graded && wait.elapsed() < 300'000) QApplication::processEvents(QEventLoop::AllEvents, 50);
      if (!graded) {
        std::fprintf(stderr, "ringlab: --challenge: the run did not finish within 5 minutes\n");
        return kExitFailed;
      }
      processEventsFor(200);
      if (!dialog->grab().save(out)) {
        std::fprintf(stderr, "ringlab: cannot write the screenshot '%s'\n", qPrintable(out));
        return kExitFailed;
      }
      std::printf("Saved %s (challenge %s)\n", qPrintable(out),
                  dialog->grade() && dialog->grade()->passed ? "met" : "not met");
      return kExitOk;
    }
    if (!saveScreenshot(window, view, out)) return kExitFailed;
    const QPixmap image = window.grabView(view);
    std::printf("Saved %s (%dx%d, view %s, t = %s, seed %llu)\n", qPrintable(out), image.width(), image.height(),
                qPrintable(view),
                qPrintable(QString::number(static_cast<double>(window.lastSnapshot().nowNs) / 1e9, 'f', 3) + " s"),
                static_cast<unsigned long long>(window.lastSnapshot().seed));
    return kExitOk;
  }

  if (parser.isSet(challengeOpt)) window.lessons().openChallengeOnStart(knobs);
  const QString error = window.openScenarioFile(path, /*play=*/false, seed, /*quiet=*/true);
  window.show();
  if (!error.isEmpty()) {
    // A person started the app: say it in the window too, and let them pick another scenario.
    std::fprintf(stderr, "ringlab: %s\n", qPrintable(error));
    QMessageBox box(QMessageBox::Critical, QStringLiteral("RingLab"),
                    QStringLiteral("The scenario '%1' could not be opened.").arg(scenario), QMessageBox::Ok, &window);
    box.setInformativeText(error + QStringLiteral("\n\nOpen another one from the Scenario panel or with File ▸ Open."));
    box.exec();
  }
  if (parser.isSet(presentOpt)) window.setPresentationMode(true);
  if (runTo) window.feed().runToBlocking(ringlab::TimePoint{*runTo});
  if (!parser.isSet(pausedOpt) && error.isEmpty()) window.feed().play();
  return QApplication::exec();
}
