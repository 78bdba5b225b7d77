#include <ringlab/ui/central_area.h>

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QVBoxLayout>

#include <ringlab/ui/lesson_panel.h>
#include <ringlab/ui/models.h>
#include <ringlab/ui/ring_view.h>
#include <ringlab/ui/traffic_view.h>

namespace ringlab {

CentralArea::CentralArea(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 0);
  layout->setSpacing(4);
  m_banner = new QLabel(this);
  m_banner->setObjectName(QStringLiteral("narration"));
  m_banner->setWordWrap(true);
  m_banner->setTextFormat(Qt::RichText);
  m_banner->setMinimumHeight(44);
  m_banner->setMargin(8);
  m_banner->setAutoFillBackground(true);
  layout->addWidget(m_banner);
  m_lessonPanel = new LessonPanel(this);
  layout->addWidget(m_lessonPanel);

  m_keyRow = new QWidget(this);
  auto* keyRow = new QHBoxLayout(m_keyRow);
  keyRow->setContentsMargins(0, 0, 0, 0);
  auto* keyLabel = new QLabel(tr("Find a &key:"), m_keyRow);
  m_keyField = new QLineEdit(m_keyRow);
  m_keyField->setObjectName(QStringLiteral("keyLookup"));
  m_keyField->setPlaceholderText(
      tr("type a key, e.g. key:00000042 — its token, coordinator, replicas and fallbacks "
         "appear on the ring (Esc leaves the field)"));
  m_keyField->setClearButtonEnabled(true);
  // Typing a key is something one sets out to do: the field takes focus only when clicked (or Alt+K), so that the
  // keyboard shortcuts work from launch, and Escape hands the keys back to them.
  m_keyField->setFocusPolicy(Qt::ClickFocus);
  m_keyField->installEventFilter(this);
  keyLabel->setBuddy(m_keyField);
  keyRow->addWidget(keyLabel);
  keyRow->addWidget(m_keyField, 1);
  layout->addWidget(m_keyRow);

  auto* splitter = new QSplitter(Qt::Horizontal, this);
  m_ringView = new RingView(splitter);
  m_trafficView = new TrafficView(splitter);
  // Clicking a view takes the focus away from a text field, so the shortcuts apply again.
  m_ringView->setFocusPolicy(Qt::ClickFocus);
  m_trafficView->setFocusPolicy(Qt::ClickFocus);
  splitter->addWidget(m_ringView);
  splitter->addWidget(m_trafficView);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 1);
  layout->addWidget(splitter, 1);
  connect(m_keyField, &QLineEdit::textChanged, m_ringView, &RingView::setLookupKey);
}

void CentralArea::setNarration(const QString& html) {
  m_body = html;
  m_hint.clear();
  showBanner();
}

QString CentralArea::narrationHtml(const NarrationPoint& point) {
  QString html = QStringLiteral("<b>%1</b>&nbsp;&nbsp;").arg(formatVirtualTime(point.atNs));
  if (!point.actions.isEmpty()) html += QStringLiteral("<i>%1</i>&nbsp;&nbsp;").arg(point.actions.toHtmlEscaped());
  return html + point.text.toHtmlEscaped();
}

void CentralArea::setNarrationHint(const QString& hint) {
  if (hint == m_hint) return;
  m_hint = hint;
  showBanner();
}

void CentralArea::showBanner() {
  m_banner->setText(m_hint.isEmpty()
                        ? m_body
                        : m_body + tr("&nbsp;&nbsp;<span style='color:gray'>(%1)</span>").arg(m_hint.toHtmlEscaped()));
}

void CentralArea::setTheme(const Theme& theme) {
  m_ringView->setTheme(theme);
  m_trafficView->setTheme(theme);
  QPalette banner = m_banner->palette();
  banner.setColor(QPalette::Window,
                  theme.kind == ThemeKind::kDark ? QColor(0x2b, 0x30, 0x3b) : QColor(0xe7, 0xf0, 0xfb));
  banner.setColor(QPalette::WindowText, theme.text);
  m_banner->setPalette(banner);
  m_lessonPanel->setTheme(theme);
}

void CentralArea::setSnapshot(const FeedSnapshot& snapshot) {
  m_ringView->setSnapshot(snapshot);
  m_trafficView->setSnapshot(snapshot);
}

void CentralArea::setEmptyText(const QString& text) {
  m_ringView->setEmptyText(text);
  m_trafficView->setEmptyText(text);
}

bool CentralArea::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_keyField && event->type() == QEvent::KeyPress &&
      static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
    m_keyField->clearFocus();
    m_ringView->setFocus(Qt::OtherFocusReason);
    return true;
  }
  return QWidget::eventFilter(watched, event);
}

}  // namespace ringlab
