""" "Assign to…": the keyboard path to the dispatch board's drop.

A small dialog listing "Unassigned" and every technician who can take tickets, with their
workload and whether they are on shift now. Typing filters the list, the arrow keys move
through it, Enter assigns. It only *chooses*; the board's assignment path does the rest
(one transaction, undo entry, confirmations), exactly as for a drop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.models.plain_text import plain_tooltip

TARGET_ROLE = Qt.ItemDataRole.UserRole + 1
_MUTED = QColor("#7b8794")


@dataclass(frozen=True, slots=True)
class AssignTarget:
    """Someone tickets can go to. ``assignee_id`` None means "Unassigned"."""

    assignee_id: int | None
    name: str
    detail: str = ""  # "on shift · 10:42 · 12 open · 3 at risk"
    off_shift: bool = False
    current: bool = False  # every selected ticket is already theirs

    @property
    def label(self) -> str:
        mark = " ☾" if self.off_shift else ""
        return f"{self.name}{mark}"


class AssignDialog(QDialog):
    """Pick where the selected tickets go; emits :attr:`targetChosen` on accept."""

    targetChosen = Signal(object)  # AssignTarget

    def __init__(
        self,
        targets: Sequence[AssignTarget],
        *,
        what: str,
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assignDialog")
        self.setWindowTitle("Assign to")
        self.setMinimumWidth(380)
        self._targets = list(targets)

        self._heading = QLabel(f"Assign {what} to:", self)
        self._heading.setObjectName("assignHeading")
        self._heading.setTextFormat(Qt.TextFormat.PlainText)
        self._filter = QLineEdit(self)
        self._filter.setObjectName("assignFilter")
        self._filter.setPlaceholderText("Type a name to narrow the list")
        self._filter.setClearButtonEnabled(True)
        self._list = QListWidget(self)
        self._list.setObjectName("assignList")
        self._list.setAlternatingRowColors(True)
        self._list.setUniformItemSizes(True)
        # why some people are not offered (what the signed-in person may not do)
        self.note_label = QLabel(note, self)
        self.note_label.setObjectName("assignNote")
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.setVisible(bool(note))
        self._hint = QLabel("☾ off shift now · Enter assigns · Esc cancels", self)
        self._hint.setObjectName("assignHint")
        self._hint.setStyleSheet("color: #627d98;")
        self._buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Assign")

        layout = QVBoxLayout(self)
        layout.addWidget(self._heading)
        layout.addWidget(self._filter)
        layout.addWidget(self._list, 1)
        layout.addWidget(self.note_label)
        layout.addWidget(self._hint)
        layout.addWidget(self._buttons)

        for target in self._targets:
            text = f"{target.label}\n{target.detail}" if target.detail else target.label
            item = QListWidgetItem(text, self._list)
            item.setData(TARGET_ROLE, target)
            item.setToolTip(plain_tooltip(target.detail or target.name))
            if target.current:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setText(f"{text}  (already theirs)")
            elif target.off_shift:
                item.setForeground(QBrush(_MUTED))

        self._filter.textChanged.connect(self._apply_filter)
        self._filter.installEventFilter(self)
        self._list.itemDoubleClicked.connect(lambda _item: self.accept())
        self._list.currentItemChanged.connect(lambda *_: self._update_ok())
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        self._select_first_visible()
        self._filter.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ queries

    @property
    def filter_edit(self) -> QLineEdit:
        return self._filter

    @property
    def list_widget(self) -> QListWidget:
        return self._list

    def visible_targets(self) -> list[AssignTarget]:
        return [
            self._list.item(i).data(TARGET_ROLE)
            for i in range(self._list.count())
            if not self._list.item(i).isHidden()
        ]

    def chosen(self) -> AssignTarget | None:
        item = self._list.currentItem()
        if item is None or item.isHidden() or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return None
        target = item.data(TARGET_ROLE)
        return target if isinstance(target, AssignTarget) else None

    def choose(self, assignee_id: int | None) -> None:
        """Make ``assignee_id`` the current choice (keyboard-free callers and tests)."""
        for i in range(self._list.count()):
            item = self._list.item(i)
            if item.data(TARGET_ROLE).assignee_id == assignee_id and not item.isHidden():
                self._list.setCurrentItem(item)
                return
        raise ValueError(f"Nobody with id {assignee_id!r} is offered in this list.")

    # ------------------------------------------------------------------ behaviour

    def accept(self) -> None:
        target = self.chosen()
        if target is None:
            return  # nothing valid picked: stay open
        super().accept()
        self.targetChosen.emit(target)

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self._list.count()):
            item = self._list.item(i)
            target: AssignTarget = item.data(TARGET_ROLE)
            item.setHidden(bool(needle) and needle not in target.name.lower())
        current = self._list.currentItem()
        if current is None or current.isHidden():
            self._select_first_visible()
        self._update_ok()

    def _select_first_visible(self) -> None:
        for i in range(self._list.count()):
            item = self._list.item(i)
            if not item.isHidden() and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                self._list.setCurrentItem(item)
                break
        else:
            self._list.setCurrentRow(-1)
        self._update_ok()

    def _update_ok(self) -> None:
        ok = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.chosen() is not None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down in the filter box move through the list, so the hands stay on the keys
        if (
            watched is self._filter
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            self._step(1 if event.key() == Qt.Key.Key_Down else -1)
            return True
        return False

    def _step(self, delta: int) -> None:
        count = self._list.count()
        row = self._list.currentRow()
        for _ in range(count):
            row = (row + delta) % count if count else -1
            item = self._list.item(row)
            if (
                item is not None
                and not item.isHidden()
                and item.flags() & Qt.ItemFlag.ItemIsEnabled
            ):
                self._list.setCurrentItem(item)
                return


__all__ = ["AssignDialog", "AssignTarget"]
