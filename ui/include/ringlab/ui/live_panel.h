// The panels of a live cluster: its members (address, reachability, status, fault rules, whether fault injection
// is allowed), the built-in load generator (rate, read share, key distribution) with its figures, recording, and a
// key console that sends GET, SET and DEL through any member (the key inspector's live tab).
//
// Thread-safety: widgets; UI thread only. The load generator runs on a thread of its own.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include <QThread>
#include <QWidget>

#include <ringlab/ui/live_model.h>
#include <ringlab/ui/load_generator.h>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
QT_END_NAMESPACE

namespace ringlab {

class RemoteFeed;
class RespClient;

// GET, SET and DEL through a chosen member, with the replies as redis-cli prints them.
class KeyConsole final : public QWidget {
  Q_OBJECT

 public:
  explicit KeyConsole(QWidget* parent = nullptr);
  ~KeyConsole() override;
  void setMembers(const std::vector<LiveMember>& members);
  // Runs `op` ("GET", "SET", "DEL") on `key` through `node`; the reply is appended to the log.
  void run(const QString& node, const QString& op, const QString& key, const QString& value = {});
  QString log() const;

 signals:
  void replied(const QString& line);

 private:
  RespClient& clientFor(const LiveMember& member);

  std::vector<LiveMember> m_members;
  std::map<QString, RespClient*> m_clients;
  QComboBox* m_node = nullptr;
  QLineEdit* m_key = nullptr;
  QLineEdit* m_value = nullptr;
  QPlainTextEdit* m_log = nullptr;
};

class LivePanel final : public QWidget {
  Q_OBJECT

 public:
  explicit LivePanel(RemoteFeed& feed, QWidget* parent = nullptr);
  ~LivePanel() override;  // stops the load generator

  // Starts, changes or (rate 0) stops the load against every reachable member's client port.
  void setLoad(double opsPerSecond, double readFraction, const KeyDistribution& keys);
  const LoadStats& lastLoadStats() const { return m_lastStats; }
  bool loadRunning() const { return m_loadRunning; }

 signals:
  void loadStats(const ringlab::LoadStats& stats);

 private:
  void refreshMembers();
  void applyLoad();
  void toggleRecording();
  LoadConfig loadConfig() const;

  RemoteFeed& m_feed;
  QLabel* m_status = nullptr;
  QTableWidget* m_members = nullptr;
  QDoubleSpinBox* m_rate = nullptr;
  QSpinBox* m_readPercent = nullptr;
  QComboBox* m_distribution = nullptr;
  QSpinBox* m_keyCount = nullptr;
  QPushButton* m_loadButton = nullptr;
  QLabel* m_loadFigures = nullptr;
  QPushButton* m_recordButton = nullptr;
  QThread m_loadThread;
  LoadGenerator* m_load = nullptr;  // lives on m_loadThread
  bool m_loadRunning = false;
  QStringList m_loadTargets;  // client addresses the running load goes to
  LoadStats m_lastStats;
};

}  // namespace ringlab
