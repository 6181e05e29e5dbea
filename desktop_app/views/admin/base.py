"""The shape the policy and calendar editors share: the desk's records in a list on the
left, the chosen one in a form on the right, what a change does to the open tickets below
it, and Save. A change is previewed before it can be saved; bad input is shown next to its
field; switching records or closing with unsaved edits asks first; a save over someone
else's newer one is refused with who made it, and the edits stay on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import SetupConflictError, Technician
from desktop_app.domain.commands import Command
from desktop_app.domain.permissions import setup_refusal
from desktop_app.services import setup_queries
from desktop_app.services.setup_queries import DeskSetup, SetupResult
from desktop_app.views.admin.common import ImpactPanel, SetupEditor
from desktop_app.views.forms import (
    Confirm,
    FieldErrors,
    ask_to_discard,
    ask_yes_no,
    child,
    load_form,
)

__all__ = ["RecordEditorDialog"]

RECORD_ROLE = Qt.ItemDataRole.UserRole


def zone_of(technician: Technician | None) -> tzinfo:
    try:
        return ZoneInfo(technician.timezone) if technician is not None else UTC
    except (ValueError, KeyError):
        return UTC


class RecordEditorDialog(QDialog):
    """Subclasses name their form and list widget and fill in the hooks below."""

    FORM = ""
    LIST = ""
    KIND = ""  # the setup_refusal key: "policy", "calendar"
    WHAT = ""  # "The SLA policy"

    loaded = Signal()  # the desk's records arrived and the list shows them
    previewShown = Signal()
    problemShown = Signal(str)
    savedRecord = Signal(object)  # the SetupResult of a save

    def __init__(
        self,
        session: Any,
        parent: QWidget | None = None,
        *,
        confirm: Confirm | None = None,
        ask: Confirm | None = None,
        pause_ms: int | None = None,
    ) -> None:
        super().__init__(parent)
        load_form(self, self.FORM)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self._session = session
        self._service = session.service
        self._me: Technician | None = session.me
        # confirm: discard unsaved edits? ask: any other yes/no question (a removal)
        self._confirm = confirm or (lambda _t, _q: ask_to_discard(self, self.WHAT))
        self._ask = ask or (lambda title, question: ask_yes_no(self, title, question))
        self.setup: DeskSetup | None = None
        self.current: Any = None  # the record in the form as read (None: a new one)
        self._dirty = False
        self._loading = False
        self.errors = FieldErrors(self)
        self.list = child(self, QListWidget, self.LIST)
        self.conflict_label = child(self, QLabel, "conflictLabel")
        self.conflict_label.setObjectName("inlineError")
        self.conflict_label.hide()
        buttons = child(self, QDialogButtonBox, "buttons")
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.impact = ImpactPanel(self)
        self.impact.set_zone(zone_of(self._me))
        holder = child(self, QWidget, "impactHolder")
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(self.impact)
        kwargs = {"pause_ms": pause_ms} if pause_ms is not None else {}
        self.editor = SetupEditor(self._service, self.impact, self._build_checked, self, **kwargs)
        self.editor.previewed.connect(self._previewed)
        self.editor.saved.connect(self._saved)
        self.editor.problem.connect(self._problem)
        self.editor.busyChanged.connect(lambda _busy: self._update_buttons())
        self.list.currentItemChanged.connect(self._picked)
        splitter = self.findChild(QSplitter, "splitter")
        if splitter is not None:
            splitter.setStretchFactor(0, 1)
            splitter.setStretchFactor(1, 3)
            splitter.setSizes([280, 760])
        refusal = setup_refusal(self._me, self.KIND) if self._me is not None else None
        self.read_only_reason = (
            str(refusal)
            if refusal is not None
            else ("Sign in first (File → Sign in as…)." if self._me is None else None)
        )
        self.reload()

    # ------------------------------------------------------------------ hooks

    def records(self, setup: DeskSetup) -> list[Any]:
        raise NotImplementedError

    def label_of(self, record: Any) -> str:
        raise NotImplementedError

    def show_record(self, record: Any) -> None:
        """Put ``record`` into the form (``None``: a new, blank one)."""
        raise NotImplementedError

    def build(self) -> Command | None:
        """The command the form says, or raise ValidationError naming the field."""
        raise NotImplementedError

    def widget_for(self, field: str) -> QWidget | None:
        """The widget a ValidationError's ``field`` is about."""
        raise NotImplementedError

    # ------------------------------------------------------------------ reading

    def reload(self, keep: int | None = None) -> None:
        self._service.submit(
            setup_queries.desk(),
            lambda setup: self._read(setup, keep),
            self._problem,
            label="Reading the desk's setup",
            reads_only=True,
        )

    def _read(self, setup: DeskSetup, keep: int | None) -> None:
        if not shiboken6.isValid(self):
            return
        self.setup = setup
        self.on_setup(setup)
        wanted = keep if keep is not None else (self.current.id if self.current else None)
        self._loading = True
        try:
            self.list.clear()
            chosen: QListWidgetItem | None = None
            for record in self.records(setup):
                item = QListWidgetItem(self.label_of(record), self.list)
                item.setData(RECORD_ROLE, record)
                if wanted is not None and record.id == wanted:
                    chosen = item
            if chosen is None and self.list.count():
                chosen = self.list.item(0)
        finally:
            self._loading = False
        if chosen is not None:
            self.list.setCurrentItem(chosen)
            self._load(chosen.data(RECORD_ROLE))
        else:
            self._load(None)
        self.loaded.emit()

    def on_setup(self, setup: DeskSetup) -> None:
        """The desk's setup arrived (fill the form's choices: calendars, people …)."""

    # ------------------------------------------------------------------ editing

    @Slot(QListWidgetItem, QListWidgetItem)
    def _picked(self, item: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if self._loading or item is None:
            return
        record = item.data(RECORD_ROLE)
        if self.current is not None and record is not None and record.id == self.current.id:
            return
        if self._dirty and not self._confirm(f"Discard your changes to {self.WHAT}?", ""):
            if previous is not None:
                blocker = self.list.blockSignals(True)
                self.list.setCurrentItem(previous)
                self.list.blockSignals(blocker)
            return
        self._load(record)

    def new_record(self) -> None:
        if self._dirty and not self._confirm(f"Discard your changes to {self.WHAT}?", ""):
            return
        blocker = self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self.list.blockSignals(blocker)
        self._load(None)
        self.touched()

    def _load(self, record: Any) -> None:
        self.current = record
        self._loading = True
        try:
            self.errors.clear()
            self.conflict_label.hide()
            self.show_record(record)
        finally:
            self._loading = False
        self._dirty = False
        self.editor.stop()
        self.impact.idle()
        self._update_buttons()

    def touched(self, *_args: object) -> None:
        """Every edit of the form ends here: the preview follows after a short pause."""
        if self._loading:
            return
        self._dirty = True
        self.errors.clear()
        self.conflict_label.hide()
        self._update_buttons()
        if self.read_only_reason is None:
            self.editor.edited()

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _build_checked(self) -> Command | None:
        return self.build()

    def _update_buttons(self) -> None:
        ready = (
            self._dirty
            and self.editor.previewed_command is not None
            and not self.editor.saving
            and self.read_only_reason is None
        )
        self.save_button.setEnabled(ready)
        if self.read_only_reason is not None:
            self.save_button.setToolTip(self.read_only_reason)

    @Slot(object)
    def _previewed(self, _result: SetupResult) -> None:
        self._update_buttons()
        self.previewShown.emit()

    @Slot()
    def save(self) -> None:
        if self.read_only_reason is not None:
            self._problem(PermissionError(self.read_only_reason))
            return
        self.errors.clear()
        self.editor.save()

    @Slot(object)
    def _saved(self, result: SetupResult) -> None:
        self._dirty = False
        record = result.record
        keep = getattr(record, "id", None)
        self.savedRecord.emit(result)
        if shiboken6.isValid(self):
            self._update_buttons()
            self.reload(keep)

    @Slot(object)
    def _problem(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._update_buttons()
        message = str(exc)
        if isinstance(exc, SetupConflictError):
            self.conflict_label.setText(message)
            self.conflict_label.show()
        else:
            field = getattr(exc, "field", None)
            widget = self.widget_for(field) if field else None
            if widget is None:
                self.conflict_label.setText(message)
                self.conflict_label.show()
            else:
                self.errors.show(widget, message)
        self.problemShown.emit(message)

    # ------------------------------------------------------------------ closing

    def reject(self) -> None:
        """Close (Escape, Close, the window's X): unsaved edits are asked about first."""
        if self._dirty and not self._confirm(f"Discard your changes to {self.WHAT}?", ""):
            return
        self._dirty = False
        self.editor.stop()
        super().reject()

    def done(self, result: int) -> None:
        self.editor.stop()
        super().done(result)


def table_cell_error(table: QTableWidget, row: int, column: int) -> None:
    """Put the cursor on a grid cell an error is about."""
    if 0 <= row < table.rowCount() and 0 <= column < table.columnCount():
        table.setCurrentCell(row, column)


def connect_all(signals: list[Any], slot: Callable[..., None]) -> None:
    for signal in signals:
        signal.connect(slot)


def button(parent: QWidget, name: str) -> QPushButton:
    return child(parent, QPushButton, name)
