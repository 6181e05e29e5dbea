"""Small round badge icons drawn at run time: one glyph on a coloured disc.

The timeline and the criticism list need an icon per event kind and per sentiment; drawing
them keeps the set consistent (text and colour always say the same as the icon) without a
folder of image files. Icons are cached per (glyph, colour).
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

__all__ = ["badge_icon"]

_SIZES = (16, 20, 24, 32)


@cache
def badge_icon(glyph: str, colour: str, *, outline: bool = False) -> QIcon:
    """A disc of ``colour`` with ``glyph`` in white (or a ring with the glyph in colour)."""
    icon = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            rect = QRectF(1, 1, size - 2, size - 2)
            base = QColor(colour)
            if outline:
                painter.setPen(QPen(base, max(1.5, size / 12)))
                painter.setBrush(QColor("#ffffff"))
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(base)
            painter.drawEllipse(rect)
            font = QFont()
            font.setBold(True)
            font.setPixelSize(max(8, int(size * 0.58)))
            painter.setFont(font)
            painter.setPen(base if outline else QColor("#ffffff"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, glyph)
        finally:
            painter.end()
        icon.addPixmap(pixmap)
    return icon
