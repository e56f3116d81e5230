"""Flat line icons drawn with QPainter, so they look the same on every platform and theme."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from gui.style import MUTED

Draw = Callable[[QPainter], None]  # draws in a 24 x 24 box


def _cancel(p: QPainter) -> None:
    p.drawEllipse(QRectF(3, 3, 18, 18))
    p.drawLine(QPointF(9, 9), QPointF(15, 15))
    p.drawLine(QPointF(15, 9), QPointF(9, 15))


def _retry(p: QPainter) -> None:
    p.drawArc(QRectF(4.5, 4.5, 15, 15), 60 * 16, 280 * 16)
    tip = QPointF(12 + 7.5 * math.cos(math.radians(60)), 12 - 7.5 * math.sin(math.radians(60)))
    p.drawLine(tip, tip + QPointF(-4.5, -0.5))
    p.drawLine(tip, tip + QPointF(0.5, 4.5))


def _open(p: QPainter) -> None:
    path = QPainterPath()
    path.moveTo(2.5, 12)
    path.quadTo(12, 2.5, 21.5, 12)
    path.quadTo(12, 21.5, 2.5, 12)
    p.drawPath(path)
    p.drawEllipse(QRectF(9, 9, 6, 6))


def _export(p: QPainter) -> None:
    p.drawLine(QPointF(12, 3.5), QPointF(12, 14.5))
    p.drawLine(QPointF(7.5, 10.5), QPointF(12, 15))
    p.drawLine(QPointF(16.5, 10.5), QPointF(12, 15))
    path = QPainterPath()
    path.moveTo(4, 14)
    path.lineTo(4, 20)
    path.lineTo(20, 20)
    path.lineTo(20, 14)
    p.drawPath(path)


def _remove(p: QPainter) -> None:
    p.drawLine(QPointF(4, 6.5), QPointF(20, 6.5))
    p.drawLine(QPointF(9.5, 6.5), QPointF(10, 3.5))
    p.drawLine(QPointF(10, 3.5), QPointF(14, 3.5))
    p.drawLine(QPointF(14, 3.5), QPointF(14.5, 6.5))
    p.drawRoundedRect(QRectF(6, 6.5, 12, 14), 2, 2)
    p.drawLine(QPointF(10, 10), QPointF(10, 17))
    p.drawLine(QPointF(14, 10), QPointF(14, 17))


def _play(p: QPainter) -> None:
    path = QPainterPath()
    path.moveTo(7, 4.5)
    path.lineTo(19, 12)
    path.lineTo(7, 19.5)
    path.closeSubpath()
    p.fillPath(path, p.pen().color())


def _stop(p: QPainter) -> None:
    p.fillRect(QRectF(6, 6, 12, 12), p.pen().color())


def _record(p: QPainter) -> None:
    p.setBrush(p.pen().color())
    p.drawEllipse(QRectF(5, 5, 14, 14))


def _add(p: QPainter) -> None:
    _file_outline(p)
    p.drawLine(QPointF(12, 10.5), QPointF(12, 17.5))
    p.drawLine(QPointF(8.5, 14), QPointF(15.5, 14))


def _file_outline(p: QPainter) -> None:
    path = QPainterPath()
    path.moveTo(5, 3)
    path.lineTo(14, 3)
    path.lineTo(19, 8)
    path.lineTo(19, 21)
    path.lineTo(5, 21)
    path.closeSubpath()
    p.drawPath(path)


def _folder(p: QPainter) -> None:
    path = QPainterPath()
    path.moveTo(3, 6)
    path.lineTo(9, 6)
    path.lineTo(11, 8.5)
    path.lineTo(21, 8.5)
    path.lineTo(21, 19)
    path.lineTo(3, 19)
    path.closeSubpath()
    p.drawPath(path)


def _settings(p: QPainter) -> None:
    for y, x in ((6, 15), (12, 8), (18, 13)):
        p.drawLine(QPointF(3.5, y), QPointF(20.5, y))
        p.setBrush(QColor("white"))
        p.drawEllipse(QPointF(x, y), 2.4, 2.4)


def _copy(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(8, 8, 12, 13), 2, 2)
    path = QPainterPath()
    path.moveTo(5, 16)
    path.lineTo(4, 16)
    path.lineTo(4, 3)
    path.lineTo(15, 3)
    path.lineTo(15, 5)
    p.drawPath(path)


def _search(p: QPainter) -> None:
    p.drawEllipse(QRectF(4, 4, 12, 12))
    p.drawLine(QPointF(14.5, 14.5), QPointF(20, 20))


def _mic(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(9, 3, 6, 11), 3, 3)
    p.drawArc(QRectF(5.5, 6, 13, 12), 180 * 16, 180 * 16)
    p.drawLine(QPointF(12, 18), QPointF(12, 21))


_DRAWINGS: dict[str, Draw] = {
    "cancel": _cancel,
    "retry": _retry,
    "open": _open,
    "export": _export,
    "remove": _remove,
    "play": _play,
    "stop": _stop,
    "record": _record,
    "add": _add,
    "folder": _folder,
    "settings": _settings,
    "copy": _copy,
    "search": _search,
    "mic": _mic,
}


def pixmap(name: str, color: str = MUTED, size: int = 24, ratio: float = 2.0) -> QPixmap:
    """Icon ``name`` as a pixmap of ``size`` logical pixels."""
    image = QPixmap(round(size * ratio), round(size * ratio))
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 24, size / 24)
    pen = QPen(QColor(color), 1.8)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    _DRAWINGS[name](painter)
    painter.end()
    return image


def icon(name: str, color: str = MUTED) -> QIcon:
    result = QIcon()
    for size in (16, 24, 32):
        result.addPixmap(pixmap(name, color, size))
    result.addPixmap(pixmap(name, "#b8c2cf", 24), QIcon.Mode.Disabled)
    return result
