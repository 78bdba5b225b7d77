// What a step back costs in the desktop app's embedded simulation: a replay from time zero, against continuing from
// a spare run parked while the run was paused. Prints wall-clock figures. Run (offscreen):
//   QT_QPA_PLATFORM=offscreen build/release/bench/step_back_bench [scenario] [seconds]
// (defaults: hot-key, 10).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/simulation_feed.h>

namespace {

using namespace ringlab;

// Processes events until `done` holds; false after `timeoutMs`.
template <typename Done>
bool waitUntil(Done done, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (!done()) {
    if (timer.elapsed() > timeoutMs) return false;
    QEventLoop loop;
    QTimer::singleShot(5, &loop, &QEventLoop::quit);
    loop.exec();
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const std::string name = argc > 1 ? argv[1] : "hot-key";
  const int at = argc > 2 ? std::atoi(argv[2]) : 10;
  auto spec = loadScenarioFile(std::string(RINGLAB_SCENARIO_DIR) + "/" + name + ".yaml");
  if (!spec) {
    std::fprintf(stderr, "%s\n", spec.status().toString().c_str());
    return 1;
  }
  SimulationFeed feed;
  std::int64_t nowNs = -1;
  QObject::connect(&feed, &ClusterFeed::snapshotReady, &feed, [&](const FeedSnapshot& s) { nowNs = s.nowNs; });
  feed.load(std::move(*spec), false);
  const auto seekAndTime = [&](std::int64_t seconds) {
    QElapsedTimer timer;
    timer.start();
    nowNs = -1;
    feed.seek(TimePoint{std::chrono::seconds(seconds)});
    waitUntil([&] { return nowNs == seconds * 1'000'000'000; }, 600'000);
    return static_cast<double>(timer.nsecsElapsed()) / 1e9;
  };
  QElapsedTimer timer;
  timer.start();
  feed.runToBlocking(TimePoint{std::chrono::seconds(at)});
  std::printf("%s: run to %d s: %.2f s wall\n", name.c_str(), at, static_cast<double>(timer.nsecsElapsed()) / 1e9);
  std::printf("step back to %d s, replayed from time zero: %.2f s wall\n", at - 1, seekAndTime(at - 1));
  timer.restart();
  const QVector<qint64> wanted{static_cast<qint64>(at - 2) * 1'000'000'000,
                               static_cast<qint64>(at - 3) * 1'000'000'000};
  waitUntil(
      [&] {
        QVector<qint64> parked = feed.parkedSparesBlocking();
        std::sort(parked.begin(), parked.end(), std::greater<>());
        return parked == wanted;
      },
      600'000);
  std::printf("spares parked at %d s and %d s after %.2f s of pause\n", at - 2, at - 3,
              static_cast<double>(timer.nsecsElapsed()) / 1e9);
  std::printf("step back to %d s, from a parked spare: %.3f s wall\n", at - 2, seekAndTime(at - 2));
  std::printf("step back to %d s, from the other spare: %.3f s wall\n", at - 3, seekAndTime(at - 3));
  return 0;
}
