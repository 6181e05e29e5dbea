"""Setup → Technicians…: add people, change their role, zone, shift and escalation level,
and take them off the desk. Nobody with a history is ever deleted: a deactivated person
keeps their tickets' history and audit rows, takes no new tickets and cannot sign in.
Managers make these changes; the others see the list."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTime, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QWidget,
)

from desktop_app.domain import Role, SetupConflictError, Technician, ValidationError
from desktop_app.domain.changes import Outcome
from desktop_app.domain.commands import AddTechnician
from desktop_app.domain.impact import SetupResult
from desktop_app.domain.permissions import setup_refusal
from desktop_app.domain.setup_commands import DeactivateTechnician, EditTechnician
from desktop_app.services import setup_queries
from desktop_app.services.setup_queries import DeskSetup
from desktop_app.sla.hours import DAY_NAMES
from desktop_app.views.admin.common import picked_zone, set_zone, zone_picker
from desktop_app.views.forms import Confirm, FieldErrors, ask_to_discard, child, load_form

__all__ = ["TechnicianDialog", "shift_text"]

ID_ROLE = Qt.ItemDataRole.UserRole


def shift_text(technician: Technician) -> str:
    days = technician.shift_days
    if days == (0, 1, 2, 3, 4, 5, 6):
        which = "every day"
    elif days == (0, 1, 2, 3, 4):
        which = "Mon–Fri"
    else:
        which = " ".join(DAY_NAMES[d][:3] for d in days)
    return f"{which} {technician.shift_start}–{technician.shift_end}"


class TechnicianDialog(QDialog):
    loaded = Signal()
    problemShown = Signal(str)
    savedRecord = Signal(object)  # Technician

    def __init__(
        self, session: Any, parent: QWidget | None = None, *, confirm: Confirm | None = None
    ) -> None:
        super().__init__(parent)
        load_form(self, "technician_dialog.ui")
        self.setObjectName("technicianDialog")
        self._session = session
        self._service = session.service
        self._me: Technician | None = session.me
        self._confirm = confirm or (lambda _t, _q: ask_to_discard(self, "The technician"))
        self.errors = FieldErrors(self)
        self.people: list[Technician] = []
        self.current: Technician | None = None
        self._dirty = False
        self._loading = False
        self._busy = False
        self.table = child(self, QTableWidget, "technicianTable")
        self.name_edit = child(self, QLineEdit, "nameEdit")
        self.role_combo = child(self, QComboBox, "roleCombo")
        self.zone_combo = zone_picker(child(self, QComboBox, "zoneCombo"))
        self.days = [child(self, QCheckBox, f"day{d}") for d in range(7)]
        self.shift_start = child(self, QTimeEdit, "shiftStart")
        self.shift_end = child(self, QTimeEdit, "shiftEnd")
        self.level_spin = child(self, QSpinBox, "levelSpin")
        self.login_label = child(self, QLabel, "loginLabel")
        self.conflict_label = child(self, QLabel, "conflictLabel")
        self.conflict_label.setObjectName("inlineError")
        self.conflict_label.hide()
        self.save_button = child(self, QPushButton, "saveButton")
        self.active_button = child(self, QPushButton, "activeButton")
        child(self, QPushButton, "newButton").clicked.connect(self.new_person)
        self.save_button.clicked.connect(self.save)
        self.active_button.clicked.connect(self.toggle_active)
        child(self, QDialogButtonBox, "buttons").rejected.connect(self.reject)
        for role in Role:
            self.role_combo.addItem(role.value.capitalize(), role.value)
        self.table.itemSelectionChanged.connect(self._picked)
        self.name_edit.textEdited.connect(self._touched)
        self.role_combo.currentIndexChanged.connect(self._touched)
        self.zone_combo.currentTextChanged.connect(self._touched)
        self.shift_start.timeChanged.connect(self._touched)
        self.shift_end.timeChanged.connect(self._touched)
        self.level_spin.valueChanged.connect(self._touched)
        for box in self.days:
            box.toggled.connect(self._touched)
        refusal = setup_refusal(self._me, "technician") if self._me is not None else None
        self.read_only_reason = str(refusal) if refusal is not None else None
        if self._me is None:
            self.read_only_reason = None  # the first person of a new desk needs nobody
        if self.read_only_reason is not None:
            for widget in (
                self.save_button,
                self.active_button,
                child(self, QPushButton, "newButton"),
            ):
                widget.setEnabled(False)
                widget.setToolTip(self.read_only_reason)
        self.reload()

    # ------------------------------------------------------------------ reading

    def reload(self, keep: int | None = None) -> None:
        self._service.submit(
            setup_queries.desk(),
            lambda setup: self._read(setup, keep),
            self._problem,
            label="Reading the technicians",
            reads_only=True,
        )

    def _read(self, setup: DeskSetup, keep: int | None) -> None:
        if not shiboken6.isValid(self):
            return
        self.people = list(setup.technicians)
        wanted = keep if keep is not None else (self.current.id if self.current else None)
        self._loading = True
        try:
            self.table.setRowCount(len(self.people))
            chosen = 0
            for row, person in enumerate(self.people):
                cells = [
                    person.name,
                    person.role.value,
                    person.timezone,
                    shift_text(person),
                    str(person.escalation_level),
                    "active" if person.active else "inactive",
                ]
                for column, text in enumerate(cells):
                    item = QTableWidgetItem(text)
                    item.setData(ID_ROLE, person.id)
                    self.table.setItem(row, column, item)
                if person.id == wanted:
                    chosen = row
            self.table.resizeColumnsToContents()
        finally:
            self._loading = False
        if self.people:
            self.table.selectRow(chosen)
            self._show(self.people[chosen])
        else:
            self.new_person()
        self.loaded.emit()

    @Slot()
    def _picked(self) -> None:
        if self._loading:
            return
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        person = self.people[rows[0].row()]
        if self.current is not None and person.id == self.current.id:
            return
        if self._dirty and not self._confirm("Discard your changes?", ""):
            return
        self._show(person)

    def new_person(self) -> None:
        if self._dirty and not self._confirm("Discard your changes?", ""):
            return
        zone = self._me.timezone if self._me is not None else "UTC"
        blank = Technician("", Role.TECHNICIAN, 1, zone, shift_days=(0, 1, 2, 3, 4))
        self._show(blank)
        self.table.clearSelection()
        self.name_edit.setFocus()

    def _show(self, person: Technician) -> None:
        self.current = person if person.id is not None else None
        self._loading = True
        try:
            self.errors.clear()
            self.conflict_label.hide()
            self.name_edit.setText(person.name)
            self.role_combo.setCurrentIndex(max(self.role_combo.findData(person.role.value), 0))
            set_zone(self.zone_combo, person.timezone)
            for day, box in enumerate(self.days):
                box.setChecked(day in person.shift_days)
            self.shift_start.setTime(QTime.fromString(person.shift_start, "HH:mm"))
            self.shift_end.setTime(QTime.fromString(person.shift_end, "HH:mm"))
            self.level_spin.setValue(person.escalation_level)
            if person.login:
                self.login_label.setText(f"connects as {person.login}")
            elif person.id is None:
                self.login_label.setText("—")
            else:
                self.login_label.setText(
                    f"none (on a shared PostgreSQL desk: desktop-app team add-login "
                    f'"{person.name}")'
                )
            self.active_button.setText("&Deactivate" if person.active else "&Reactivate")
            self.active_button.setEnabled(person.id is not None and self.read_only_reason is None)
        finally:
            self._loading = False
        self._dirty = False

    def _touched(self, *_args: object) -> None:
        if not self._loading:
            self._dirty = True
            self.errors.clear()
            self.conflict_label.hide()

    @property
    def dirty(self) -> bool:
        return self._dirty

    # ------------------------------------------------------------------ saving

    def person(self) -> Technician:
        current = self.current
        return Technician(
            name=self.name_edit.text().strip(),
            role=Role(self.role_combo.currentData()),
            escalation_level=self.level_spin.value(),
            timezone=picked_zone(self.zone_combo),
            active=current.active if current is not None else True,
            shift_start=self.shift_start.time().toString("HH:mm"),
            shift_end=self.shift_end.time().toString("HH:mm"),
            id=current.id if current is not None else None,
            shift_days=tuple(d for d, box in enumerate(self.days) if box.isChecked()),
            login=current.login if current is not None else None,
            version=current.version if current is not None else 1,
        )

    @Slot()
    def save(self) -> None:
        self.errors.clear()
        self.conflict_label.hide()
        me = self._me
        at = self._service.now()
        try:
            person = self.person()
            if person.id is None:
                command: Any = AddTechnician(
                    actor_id=me.id if me else None, at=at, technician=person
                )
                from desktop_app.domain.setup_commands import check_technician

                check_technician(person)
            else:
                command = EditTechnician(actor_id=me.id if me else None, at=at, technician=person)
        except ValidationError as exc:
            self._problem(exc)
            return
        self._run(command, f"Saving {person.name}")

    @Slot()
    def toggle_active(self) -> None:
        current = self.current
        if current is None or current.id is None:
            return
        me = self._me
        at = self._service.now()
        if current.active:
            command: Any = DeactivateTechnician(
                actor_id=me.id if me else None,
                at=at,
                technician_id=current.id,
                version=current.version,
            )
            label = f"Taking {current.name} off the desk"
        else:
            command = EditTechnician(
                actor_id=me.id if me else None, at=at, technician=replace(current, active=True)
            )
            label = f"Reactivating {current.name}"
        self._run(command, label)

    def _run(self, command: Any, label: str) -> None:
        self._busy = True
        self.save_button.setEnabled(False)
        self._service.execute(command, self._done, self._failed, label=label)

    def _done(self, outcome: Outcome) -> None:
        self._busy = False
        if not shiboken6.isValid(self):
            return
        self.save_button.setEnabled(self.read_only_reason is None)
        result = outcome.result
        person = result.record if isinstance(result, SetupResult) else result
        self._dirty = False
        if isinstance(person, Technician):
            self.savedRecord.emit(person)
            self.reload(person.id)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        if shiboken6.isValid(self):
            self.save_button.setEnabled(self.read_only_reason is None)
            self._problem(exc)

    def _problem(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        field = getattr(exc, "field", None)
        widget = {
            "name": self.name_edit,
            "role": self.role_combo,
            "timezone": self.zone_combo,
            "shift_start": self.shift_start,
            "shift_end": self.shift_end,
            "shift_days": self.days[0],
            "escalation_level": self.level_spin,
        }.get(field or "")
        if widget is not None and not isinstance(exc, SetupConflictError):
            self.errors.show(widget, str(exc))
        else:
            self.conflict_label.setText(str(exc))
            self.conflict_label.show()
        self.problemShown.emit(str(exc))

    def reject(self) -> None:
        if self._dirty and not self._confirm("Discard your changes?", ""):
            return
        self._dirty = False
        super().reject()
