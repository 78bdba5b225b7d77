// Shared by the UI tests: a QApplication on the offscreen platform (unless a platform is chosen), created once on
// the test's main thread, and a way to wait for queued signals.
#pragma once

#include <functional>

#include <QApplication>
#include <QElapsedTimer>

namespace ringlab::testing {

inline QApplication& app() {
  static int argc = 1;
  static char name[] = "ringlab-ui-test";
  static char* argv[] = {name, nullptr};
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  static auto* instance = new QApplication(argc, argv);
  return *instance;
}

// Processes events until `done` returns true or `timeoutMs` passes; returns done().
inline bool waitFor(const std::function<bool()>& done, int timeoutMs = 20000) {
  QElapsedTimer timer;
  timer.start();
  while (!done()) {
    if (timer.elapsed() > timeoutMs) return false;
    QApplication::processEvents(QEventLoop::AllEvents, 20);
  }
  return true;
}

}  // namespace ringlab::testing
