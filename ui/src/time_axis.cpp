#include <ringlab/ui/time_axis.h>

#include <algorithm>
#include <cmath>

namespace ringlab {

namespace {
QString timeLabel(std::int64_t ns, std::int64_t step) {
  if (step >= 1'000'000'000) return QStringLiteral("%1 s").arg(static_cast<double>(ns) / 1e9, 0, 'f', 0);
  if (step >= 1'000'000) return QStringLiteral("%1 s").arg(static_cast<double>(ns) / 1e9, 0, 'f', 3);
  return QStringLiteral("%1 ms").arg(static_cast<double>(ns) / 1e6, 0, 'f', 3);
}
}  // namespace

void TimeAxis::set(std::int64_t startNs, std::int64_t endNs) {
  if (endNs <= startNs) return;
  m_startNs = startNs;
  m_endNs = endNs;
  m_follow = false;
}

void TimeAxis::advance(std::int64_t nowNs) {
  if (!m_follow) return;
  const std::int64_t width = widthNs();
  m_endNs = std::max(width, nowNs);
  m_startNs = m_endNs - width;
}

void TimeAxis::follow(std::int64_t nowNs) {
  m_follow = true;
  advance(nowNs);
}

void TimeAxis::zoom(std::int64_t pivotNs, double factor) {
  const auto span = static_cast<double>(widthNs());
  const double newSpan = std::clamp(span * factor, 1e4, 3.6e12);
  const double left = static_cast<double>(pivotNs - m_startNs) / span;
  const auto start = pivotNs - static_cast<std::int64_t>(left * newSpan);
  set(start, start + static_cast<std::int64_t>(newSpan));
}

void TimeAxis::press(double x) {
  m_pressX = x;
  m_pressStartNs = m_startNs;
  m_dragged = false;
}

bool TimeAxis::dragTo(double x, const QRectF& area) {
  if (!m_pressX) return false;
  const double dx = x - *m_pressX;
  if (std::abs(dx) > 3) m_dragged = true;
  if (m_dragged) {
    const std::int64_t width = widthNs();
    const auto shift = static_cast<std::int64_t>(dx / area.width() * static_cast<double>(width));
    set(m_pressStartNs - shift, m_pressStartNs - shift + width);
  }
  return true;
}

bool TimeAxis::releaseWasClick() {
  const bool click = m_pressX.has_value() && !m_dragged;
  m_pressX.reset();
  m_dragged = false;
  return click;
}

double TimeAxis::xOf(std::int64_t ns, const QRectF& area) const {
  return area.left() + area.width() * static_cast<double>(ns - m_startNs) / static_cast<double>(widthNs());
}

std::int64_t TimeAxis::timeAt(double x, const QRectF& area) const {
  return m_startNs + static_cast<std::int64_t>((x - area.left()) / area.width() * static_cast<double>(widthNs()));
}

void TimeAxis::paint(QPainter& p, const QRectF& area, const Theme& theme, double labelHeight) const {
  const double raw = static_cast<double>(widthNs()) / std::max(1.0, area.width() / (110.0 * theme.scale()));
  const double mag = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  }
  const auto stepNs = std::max<std::int64_t>(1, static_cast<std::int64_t>(step));
  for (std::int64_t t = (m_startNs / stepNs) * stepNs; t <= m_endNs; t += stepNs) {
    if (t < m_startNs) continue;
    const double x = xOf(t, area);
    p.setPen(QPen(theme.grid, 1, Qt::DotLine));
    p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
    p.setPen(theme.mutedText);
    p.drawText(QRectF(x - 60, area.bottom() + 2, 120, labelHeight), Qt::AlignHCenter | Qt::AlignTop,
               timeLabel(t, stepNs));
  }
}

}  // namespace ringlab
