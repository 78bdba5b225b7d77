// A window of virtual time drawn along a horizontal axis, shared by the diagrams that show time left to right (the
// space-time diagram, the fiber-scheduling view): mapping between time and x, following the run, zooming around a
// point, panning, and drawing the ticks. Plain value; UI thread only.
#pragma once

#include <cstdint>
#include <optional>

#include <QPainter>
#include <QRectF>

#include <ringlab/ui/theme.h>

namespace ringlab {

class TimeAxis {
 public:
  explicit TimeAxis(std::int64_t widthNs) : m_startNs(0), m_endNs(widthNs) {}

  std::int64_t startNs() const { return m_startNs; }
  std::int64_t endNs() const { return m_endNs; }
  std::int64_t widthNs() const { return m_endNs - m_startNs; }
  bool following() const { return m_follow; }

  // Sets the window (ignored unless end > start) and stops following.
  void set(std::int64_t startNs, std::int64_t endNs);
  // While following, keeps the window's right edge at `nowNs` (and never before zero).
  void advance(std::int64_t nowNs);
  void follow(std::int64_t nowNs);
  // Zooms by `factor` (< 1 zooms in) keeping the time under `pivotNs` in place; the width stays within 10 us..1 h.
  void zoom(std::int64_t pivotNs, double factor);

  // Panning by dragging across `area`: press, then drag (true while the press is being dragged: the window has
  // moved and stopped following), then release (true when the press was a click, not a drag). A press becomes a
  // drag after 3 pixels.
  void press(double x);
  bool dragTo(double x, const QRectF& area);
  bool releaseWasClick();

  double xOf(std::int64_t ns, const QRectF& area) const;
  std::int64_t timeAt(double x, const QRectF& area) const;
  // Dotted grid lines and labels below `area`, about one every 110 pixels at 1, 2 or 5 times a power of ten.
  void paint(QPainter& p, const QRectF& area, const Theme& theme, double labelHeight) const;

 private:
  std::int64_t m_startNs;
  std::int64_t m_endNs;
  bool m_follow = true;
  std::optional<double> m_pressX;
  std::int64_t m_pressStartNs = 0;
  bool m_dragged = false;
};

}  // namespace ringlab
