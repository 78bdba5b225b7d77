#include <ringlab/ui/theme.h>

#include <array>

namespace ringlab {

Theme Theme::make(ThemeKind kind, bool presentation) {
  Theme t;
  t.kind = kind;
  t.presentation = presentation;
  if (kind == ThemeKind::kDark) {
    t.background = presentation ? QColor(0, 0, 0) : QColor(0x1e, 0x20, 0x24);
    t.surface = presentation ? QColor(0x10, 0x10, 0x10) : QColor(0x26, 0x29, 0x2e);
    t.text = presentation ? QColor(255, 255, 255) : QColor(0xe6, 0xe6, 0xe6);
    t.mutedText = presentation ? QColor(0xd0, 0xd0, 0xd0) : QColor(0x9a, 0xa0, 0xa6);
    t.grid = QColor(0x44, 0x48, 0x4e);
    t.accent = QColor(0x4d, 0xa3, 0xff);
  } else {
    t.background = presentation ? QColor(255, 255, 255) : QColor(0xf5, 0xf6, 0xf7);
    t.surface = QColor(255, 255, 255);
    t.text = presentation ? QColor(0, 0, 0) : QColor(0x20, 0x22, 0x25);
    t.mutedText = presentation ? QColor(0x30, 0x30, 0x30) : QColor(0x60, 0x66, 0x6c);
    t.grid = QColor(0xd8, 0xdb, 0xde);
    t.accent = QColor(0x1a, 0x6f, 0xd6);
  }
  return t;
}

QPalette Theme::palette() const {
  QPalette p;
  p.setColor(QPalette::Window, background);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, surface);
  p.setColor(QPalette::AlternateBase, kind == ThemeKind::kDark ? surface.lighter(115) : background);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, kind == ThemeKind::kDark ? surface.lighter(120) : QColor(0xec, 0xed, 0xef));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::Highlight, accent);
  p.setColor(QPalette::HighlightedText, QColor(255, 255, 255));
  p.setColor(QPalette::ToolTipBase, surface);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, mutedText);
  p.setColor(QPalette::Disabled, QPalette::Text, mutedText);
  p.setColor(QPalette::Disabled, QPalette::ButtonText, mutedText);
  p.setColor(QPalette::Disabled, QPalette::WindowText, mutedText);
  return p;
}

QColor nodeColor(NodeId node) {
  // Twelve well separated hues (Tableau-like), then golden-angle hues for larger clusters.
  static const std::array<QColor, 12> kColors = {
      QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
      QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2), QColor(0x17, 0xbe, 0xcf),
      QColor(0xbc, 0xbd, 0x22), QColor(0x39, 0x3b, 0x79), QColor(0xad, 0x49, 0x4a), QColor(0x63, 0x79, 0x39)};
  if (node < kColors.size()) return kColors[node];
  const int hue = static_cast<int>((node * 137.508)) % 360;
  return QColor::fromHsv(hue, 170, 200);
}

QColor trafficColor(TrafficClass c) {
  switch (c) {
    case TrafficClass::kWrite: return QColor(0xe6, 0x55, 0x0d);
    case TrafficClass::kRead: return QColor(0x1f, 0x78, 0xd1);
    case TrafficClass::kAck: return QColor(0xf5, 0x9f, 0x00);
    case TrafficClass::kReply: return QColor(0x22, 0xb8, 0xcf);
    case TrafficClass::kGossip: return QColor(0x86, 0x8e, 0x96);
    case TrafficClass::kHint: return QColor(0xae, 0x3e, 0xc9);
    case TrafficClass::kRepair: return QColor(0x2f, 0x9e, 0x44);
    case TrafficClass::kAntiEntropy: return QColor(0x66, 0xa8, 0x0f);
  }
  return Qt::gray;
}

QColor nodeStateColor(NodeDisplayState state, const Theme& theme) {
  switch (state) {
    case NodeDisplayState::kUp: return QColor(0x2f, 0x9e, 0x44);
    case NodeDisplayState::kSuspect: return QColor(0xf0, 0x8c, 0x00);
    case NodeDisplayState::kDown: return QColor(0xe0, 0x31, 0x31);
    case NodeDisplayState::kJoining: return QColor(0x1c, 0x7e, 0xd6);
    case NodeDisplayState::kLeaving: return QColor(0x70, 0x48, 0xe8);
    case NodeDisplayState::kLeft: return theme.mutedText;
    case NodeDisplayState::kUnreachable: return QColor(0x86, 0x6a, 0x5c);
  }
  return theme.text;
}

}  // namespace ringlab
