#include <ringlab/ui/export.h>

#include <QFileInfo>
#include <QPainter>
#include <QSvgGenerator>
#include <QWidget>


namespace ringlab {

QString saveWidgetSvg(QWidget& widget, const QString& path, const QString& title) {
  const QFileInfo dir(QFileInfo(path).absolutePath());
  if (!dir.isDir() || !dir.isWritable()) {
    return QObject::tr("Cannot write %1: the folder does not exist or is not writable.").arg(path);
  }
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(widget.size());
  svg.setViewBox(QRect(QPoint(0, 0), widget.size()));
  svg.setTitle(title);
  svg.setDescription(QObject::tr("Drawn by RingLab"));
  QPainter painter;
  if (!painter.begin(&svg)) return QObject::tr("Cannot write %1.").arg(path);
  widget.render(&painter);
  painter.end();
  if (QFileInfo(path).size() == 0) return QObject::tr("Cannot write %1.").arg(path);
  return {};
}

}  // namespace ringlab
