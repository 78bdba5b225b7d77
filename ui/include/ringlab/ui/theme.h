// Colours and fonts shared by every view: one colour per node (stable by id), per traffic class and per node state,
// and the light, dark and high-contrast (presentation) palettes. Plain functions; thread-safe.
#pragma once

#include <QColor>
#include <QFont>
#include <QPalette>

#include <ringlab/engine/types.h>
#include <ringlab/ui/feed_snapshot.h>

namespace ringlab {

enum class ThemeKind { kLight, kDark };

struct Theme {
  ThemeKind kind = ThemeKind::kLight;
  bool presentation = false;  // large fonts, thick lines, high contrast
  QColor background;
  QColor surface;  // panels and plot areas
  QColor text;
  QColor mutedText;
  QColor grid;
  QColor accent;

  static Theme make(ThemeKind kind, bool presentation);
  QPalette palette() const;
  // Scale for fonts and line widths (1 normally, about 1.6 in presentation mode).
  double scale() const { return presentation ? 1.6 : 1.0; }
};

// A colour per node, distinct for the first 12 and stable by id.
QColor nodeColor(NodeId node);
QColor trafficColor(TrafficClass c);
QColor nodeStateColor(NodeDisplayState state, const Theme& theme);

}  // namespace ringlab
