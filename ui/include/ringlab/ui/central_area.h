// The middle of the main window: the narration banner on top, the key field under it, and the ring and traffic views
// side by side. The banner shows a text followed by a hint in grey (what the play state asks of the viewer); the key
// field shows a key's place on the ring as it is typed and hands the keyboard back to the shortcuts on Escape.
//
// Thread-safety: a widget; UI thread only.
#pragma once

#include <QWidget>

#include <ringlab/ui/feed_snapshot.h>
#include <ringlab/ui/theme.h>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
QT_END_NAMESPACE

namespace ringlab {

class LessonPanel;
class RingView;
class TrafficView;

class CentralArea final : public QWidget {
  Q_OBJECT

 public:
  explicit CentralArea(QWidget* parent = nullptr);

  RingView& ringView() { return *m_ringView; }
  TrafficView& trafficView() { return *m_trafficView; }
  QLineEdit& keyField() { return *m_keyField; }
  // The key field and its label, which presentation mode hides.
  QWidget& keyRow() { return *m_keyRow; }
  QLabel& banner() { return *m_banner; }
  // Questions, answers and notes of a lesson, under the banner (hidden while empty).
  LessonPanel& lessonPanel() { return *m_lessonPanel; }

  // Sets the banner's text (HTML) and drops the hint.
  void setNarration(const QString& html);
  QString narration() const { return m_body; }
  // A narration point as the banner shows it: its time, its actions in italics, its text.
  static QString narrationHtml(const NarrationPoint& point);
  // Shows `hint` in grey after the text; empty shows none.
  void setNarrationHint(const QString& hint);
  void setTheme(const Theme& theme);
  void setSnapshot(const FeedSnapshot& snapshot);
  // What the two views say while they have nothing to show ("Waiting for ..."); empty for nothing.
  void setEmptyText(const QString& text);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void showBanner();

  QLabel* m_banner = nullptr;
  LessonPanel* m_lessonPanel = nullptr;
  QWidget* m_keyRow = nullptr;
  QLineEdit* m_keyField = nullptr;
  RingView* m_ringView = nullptr;
  TrafficView* m_trafficView = nullptr;
  QString m_body;
  QString m_hint;
};

}  // namespace ringlab
