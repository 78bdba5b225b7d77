// The Controls panel: the replication settings (N, R, W), the workload (rate, read share, key distribution and
// count) and buttons for the cluster actions (partition, heal, add node).
//
// It follows the run: each snapshot's settings are shown when they changed since the last one shown, leaving the
// others (and any edit in progress on them) alone. Apply sends only what the user changed from what was shown, so a
// setting the scenario made in the meantime is never put back.
//
// Thread-safety: a widget; UI thread only.
#pragma once

#include <optional>

#include <QWidget>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/feed_snapshot.h>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
QT_END_NAMESPACE

namespace ringlab {

class ControlsPanel final : public QWidget {
  Q_OBJECT

 public:
  // `clusterActions` become buttons of the Cluster group (their text and tooltip; a click triggers them).
  explicit ControlsPanel(const QList<QAction*>& clusterActions, QWidget* parent = nullptr);

  // Shows the settings of `snapshot` that changed since the last one shown.
  void sync(const FeedSnapshot& snapshot);
  // Forgets what was shown (a new run): the next snapshot shows every setting.
  void forget();

 signals:
  void actionRequested(const ringlab::ScenarioAction& action);
  // Something to tell in the status bar for `timeoutMs` ("N/R/W are already ...").
  void message(const QString& text, int timeoutMs);

 private:
  void applyQuorum();
  void applyWorkload();
  void updateDistributionLabels();

  QSpinBox* m_n = nullptr;
  QSpinBox* m_r = nullptr;
  QSpinBox* m_w = nullptr;
  QDoubleSpinBox* m_rate = nullptr;
  QSpinBox* m_readPercent = nullptr;
  QComboBox* m_keyDistribution = nullptr;
  QSpinBox* m_keyCount = nullptr;
  QComboBox* m_routing = nullptr;
  std::optional<QuorumConfig> m_shownQuorum;
  std::optional<WorkloadConfig> m_shownWorkload;
  double m_zipfTheta = 0.99;
  double m_hotKeyFraction = 0.01;
  double m_hotOpFraction = 0.8;
};

}  // namespace ringlab
