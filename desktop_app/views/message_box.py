"""Message boxes whose text is shown as written.

A refusal or a question often names a ticket, a customer or a technician, and a message
box renders its text as rich text when it looks like markup; these boxes never do (see
:mod:`desktop_app.models.plain_text`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["plain_message_box"]


def plain_message_box(
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    parent: QWidget | None = None,
    buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
) -> QMessageBox:
    """A message box showing ``text`` as plain text (open it, or ``exec()`` it)."""
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box
