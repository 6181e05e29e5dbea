"""What the setup dialogs share: a Designer form loaded into the dialog itself, errors shown
next to the field they are about, and a question before unsaved edits are thrown away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QFile, QIODevice, QObject
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QMessageBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.paths import ui_file

__all__ = [
    "Confirm",
    "FieldErrors",
    "FormLoadError",
    "ask_to_discard",
    "ask_yes_no",
    "child",
    "fit_rows",
    "load_form",
]

_T = TypeVar("_T", bound=QObject)

# confirm(title, question) -> yes?  Injected so tests answer without a modal box.
Confirm = Callable[[str, str], bool]


class FormLoadError(RuntimeError):
    """A Designer form could not be read or lacks a widget its dialog needs."""


class _IntoWidgetLoader(QUiLoader):
    """Builds a form's widgets into an existing dialog instead of a new one."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self._target = target

    def createWidget(
        self, className: str, parent: QWidget | None = None, name: str = ""
    ) -> QWidget:
        if parent is None:
            return self._target
        return super().createWidget(className, parent, name)


def load_form(target: QWidget, name: str) -> None:
    """Build ``ui/<name>`` into ``target`` (a dialog whose class the form names)."""
    path = ui_file(name)
    file = QFile(str(path))
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FormLoadError(f"Cannot open the form {path}: {file.errorString()}")
    try:
        loader = _IntoWidgetLoader(target)
        loaded = loader.load(file)
    finally:
        file.close()
    if loaded is None:
        raise FormLoadError(f"Cannot load the form {path}: {loader.errorString()}")


def child(parent: QObject, kind: type[_T], name: str) -> _T:
    """The form's widget ``name``, or a clear error naming the form's problem."""
    found = parent.findChild(kind, name)
    if found is None:
        raise FormLoadError(
            f"The form of {type(parent).__name__} has no {kind.__name__} named {name!r}; "
            "restore the ui/ folder from the repository."
        )
    return found


def fit_rows(table: QTableWidget) -> None:
    """Make a table of a few fixed rows exactly as tall as its rows (no empty band)."""
    header = table.horizontalHeader()
    rows = table.verticalHeader()
    row = max(
        rows.defaultSectionSize(), rows.minimumSectionSize(), table.fontMetrics().height() + 14
    )
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(row)
    for r in range(table.rowCount()):
        rows.resizeSection(r, row)
    height = header.sizeHint().height() if not header.isHidden() else 0
    height += table.rowCount() * row + 2 * table.frameWidth() + 2
    table.setFixedHeight(height)


def ask_yes_no(parent: QWidget, title: str, question: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_to_discard(parent: QWidget, what: str) -> bool:
    """Ask before unsaved edits are thrown away (Yes: discard them)."""
    answer = QMessageBox.question(
        parent,
        "Discard your changes?",
        f"{what} has changes that are not saved. Close it and lose them?",
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Discard


class FieldErrors:
    """Errors shown right under the field they are about, in red, with the field marked.

    A field in a form layout gets a row of its own beneath it; a field elsewhere (a grid, a
    table) gets a label after it in its layout. ``clear()`` takes every error away."""

    def __init__(self, dialog: QDialog) -> None:
        self._dialog = dialog
        self._labels: dict[int, QLabel] = {}
        self._marked: list[QWidget] = []

    def show(self, widget: QWidget, message: str) -> QLabel:
        label = self._labels.get(id(widget))
        if label is None or not shiboken6.isValid(label):
            label = self._place(widget)
            self._labels[id(widget)] = label
        label.setText(message)
        label.show()
        widget.setProperty("invalid", True)
        widget.style().unpolish(widget)
        widget.style().polish(widget)
        self._marked.append(widget)
        return label

    def clear(self) -> None:
        for label in self._labels.values():
            if shiboken6.isValid(label):
                label.hide()
                label.clear()
        for widget in self._marked:
            if shiboken6.isValid(widget):
                widget.setProperty("invalid", False)
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        self._marked.clear()

    def shown(self) -> list[str]:
        """The messages on screen now (tests read them)."""
        return [
            label.text()
            for label in self._labels.values()
            if shiboken6.isValid(label) and label.isVisibleTo(self._dialog) and label.text()
        ]

    def _place(self, widget: QWidget) -> QLabel:
        label = QLabel(widget.parentWidget() or self._dialog)
        label.setObjectName("fieldError")
        label.setWordWrap(True)
        label.hide()
        parent = widget.parentWidget()
        root = parent.layout() if parent is not None else None
        path = _path(root, widget) if root is not None else None
        if not path:
            return label
        # from the innermost layout out: the first that can take a line under the field
        for depth in range(len(path) - 1, -1, -1):
            layout, item = path[depth]
            if isinstance(layout, QFormLayout):
                row = _form_row(layout, item)
                layout.insertRow(row + 1, "", label)
                return label
            if isinstance(layout, QVBoxLayout):
                layout.insertWidget(_index(layout, item) + 1, label)
                return label
            if isinstance(layout, QGridLayout):
                position: Any = layout.getItemPosition(_index(layout, item))
                column, span = int(position[1]), int(position[3])
                layout.addWidget(label, layout.rowCount(), column, 1, span)
                return label
        return label


_Item = QWidget | QLayout


def _path(layout: QLayout, widget: QWidget) -> list[tuple[QLayout, _Item]] | None:
    """The layouts from ``layout`` down to the one holding ``widget``, each with the item
    (widget or nested layout) that leads on."""
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        if item.widget() is widget:
            return [(layout, widget)]
        inner = item.layout()
        if inner is not None:
            below = _path(inner, widget)
            if below is not None:
                return [(layout, inner), *below]
    return None


def _index(layout: QLayout, item: _Item) -> int:
    for i in range(layout.count()):
        entry = layout.itemAt(i)
        if entry is not None and (entry.widget() is item or entry.layout() is item):
            return i
    return layout.count() - 1


def _form_row(form: QFormLayout, item: _Item) -> int:
    for row in range(form.rowCount()):
        for role in (
            QFormLayout.ItemRole.FieldRole,
            QFormLayout.ItemRole.SpanningRole,
            QFormLayout.ItemRole.LabelRole,
        ):
            entry = form.itemAt(row, role)
            if entry is not None and (entry.widget() is item or entry.layout() is item):
                return row
    return form.rowCount() - 1
