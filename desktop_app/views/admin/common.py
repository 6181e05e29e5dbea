"""Pieces the setup dialogs share: a time-zone picker with search, the panel that shows
what a change does to the open tickets before it is saved, and the editor that previews
and saves one setup command at a time."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from datetime import UTC, tzinfo
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QStringListModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGroupBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import SetupConflictError
from desktop_app.domain.changes import Outcome
from desktop_app.domain.commands import Command
from desktop_app.models.queue_model import format_remaining
from desktop_app.services import setup_queries
from desktop_app.services.setup_queries import Impact, SetupResult

__all__ = [
    "PREVIEW_PAUSE_MS",
    "ImpactPanel",
    "SetupEditor",
    "picked_zone",
    "set_zone",
    "time_zones",
    "when",
    "zone_picker",
]

PREVIEW_PAUSE_MS = 400  # a preview waits for a pause in typing
LISTED = 8  # tickets named in the at-risk and breached lines
_CLOCK_NAMES = {
    "first_response": "first response",
    "next_update": "next update",
    "resolution": "resolution",
}


@functools.cache
def time_zones() -> tuple[str, ...]:
    """Every IANA zone this computer knows, sorted (``UTC`` first)."""
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return ("UTC", *zones)


def when(at: Any, zone: tzinfo = UTC) -> str:
    if at is None:
        return "—"
    local = at.astimezone(zone)
    return f"{local:%a %d %b %H:%M}"


def zone_picker(combo: QComboBox) -> QComboBox:
    """Make ``combo`` a time-zone picker: type any part of a zone's name (``tor`` finds
    America/Toronto)."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.clear()
    combo.addItems(list(time_zones()))
    model = QStringListModel(list(time_zones()), combo)
    completer = QCompleter(model, combo)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setMaxVisibleItems(12)
    combo.setCompleter(completer)
    line = combo.lineEdit()
    if line is not None:
        line.setPlaceholderText("Type a city or region, e.g. Toronto")
    return combo


def picked_zone(combo: QComboBox) -> str:
    return combo.currentText().strip()


def set_zone(combo: QComboBox, zone: str | None) -> None:
    index = combo.findText(zone or "")
    if index >= 0:
        combo.setCurrentIndex(index)
    else:
        combo.setEditText(zone or "")


class ImpactPanel(QGroupBox):
    """What a setup change does to the open tickets, shown before it is saved."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What this change does to open tickets", parent)
        self.setObjectName("impactPanel")
        layout = QVBoxLayout(self)
        self.summary = QLabel("Make a change to see which open tickets it moves.", self)
        self.summary.setObjectName("impactSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.risk = QLabel(self)
        self.risk.setObjectName("impactRisk")
        self.risk.setWordWrap(True)
        self.risk.hide()
        layout.addWidget(self.risk)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("impactMoves")
        self.table.setHorizontalHeaderLabels(
            ["Ticket", "Customer", "Clock", "Deadline now", "New deadline", "Moves by"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMaximumHeight(170)
        self.table.hide()
        layout.addWidget(self.table)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("impactProgress")
        self.progress.setRange(0, 0)  # busy: the database thread recomputes
        self.progress.hide()
        layout.addWidget(self.progress)
        self.impact: Impact | None = None
        self._zone: tzinfo = UTC

    def set_zone(self, zone: tzinfo) -> None:
        self._zone = zone

    def waiting(self, text: str = "Working out which open tickets this moves…") -> None:
        self.impact = None
        self.summary.setText(text)
        self.risk.hide()
        self.table.hide()

    def idle(self, text: str = "Make a change to see which open tickets it moves.") -> None:
        self.waiting(text)

    def show_impact(self, impact: Impact) -> None:
        self.impact = impact
        self.summary.setText(impact.summary())
        lines = []
        for title, moves in (
            ("Become breached", impact.breached),
            ("Become at risk", impact.at_risk),
        ):
            if moves:
                named = ", ".join(m.number for m in moves[:LISTED])
                more = f" and {len(moves) - LISTED} more" if len(moves) > LISTED else ""
                lines.append(f"{title}: {named}{more}")
        self.risk.setText("\n".join(lines))
        self.risk.setVisible(bool(lines))
        biggest = impact.biggest
        self.table.setRowCount(len(biggest))
        for row, move in enumerate(biggest):
            seconds = move.moved or 0.0
            direction = "later" if seconds > 0 else "earlier"
            cells = [
                move.number,
                move.customer,
                _CLOCK_NAMES.get(move.metric or "", "nearest"),
                when(move.before, self._zone),
                when(move.after, self._zone),
                f"{format_remaining(abs(seconds))} {direction}",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setToolTip(move.subject)
                self.table.setItem(row, column, item)
        self.table.setVisible(bool(biggest))

    def saving(self, on: bool, text: str = "") -> None:
        self.progress.setVisible(on)
        if text:
            self.summary.setText(text)


class SetupEditor(QObject):
    """Previews and saves one setup command at a time for a dialog.

    ``build()`` (the dialog's) turns the form into a command, or raises
    ``ValidationError`` (shown by ``problem``). Edits call :meth:`edited`; after a short
    pause the command is rehearsed on the database thread and the impact panel fills in.
    :meth:`save` applies the command that was previewed (the preview is worked out again
    if the form changed since); ``saved(SetupResult)`` or ``problem(exception)`` follows.
    """

    previewed = Signal(object)  # SetupResult of a rehearsal
    saved = Signal(object)  # SetupResult of the save
    problem = Signal(object)  # an exception: bad input, a refusal, a conflict
    busyChanged = Signal(bool)

    def __init__(
        self,
        service: Any,
        panel: ImpactPanel,
        build: Callable[[], Command | None],
        parent: QObject | None = None,
        *,
        pause_ms: int = PREVIEW_PAUSE_MS,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._panel = panel
        self._build = build
        self._asked = 0
        self._previewed: Command | None = None
        self._saving = False
        self._timer = QTimer(self)
        self._timer.setObjectName("setup-preview")
        self._timer.setSingleShot(True)
        self._timer.setInterval(pause_ms)
        self._timer.timeout.connect(self.preview)

    @property
    def previewed_command(self) -> Command | None:
        return self._previewed

    @property
    def saving(self) -> bool:
        return self._saving

    def edited(self) -> None:
        self._previewed = None
        self._asked += 1  # an answer for an older form is dropped
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def preview(self) -> None:
        self._timer.stop()
        try:
            command = self._build()
        except Exception as exc:  # bad input: shown by the field, nothing asked
            self._panel.idle("Correct the entry marked in red to see what the change does.")
            self.problem.emit(exc)
            return
        if command is None:
            self._panel.idle()
            return
        self._asked += 1
        asked = self._asked
        self._panel.waiting()
        self._service.submit(
            setup_queries.rehearse(command),
            lambda result: self._previewed_ok(asked, command, result),
            lambda exc: self._preview_failed(asked, exc),
            label="Previewing a setup change",
            reads_only=True,
        )

    def _previewed_ok(self, asked: int, command: Command, result: SetupResult) -> None:
        if asked != self._asked or not shiboken6.isValid(self._panel):
            return
        self._previewed = command
        self._panel.show_impact(result.impact)
        self.previewed.emit(result)

    def _preview_failed(self, asked: int, exc: BaseException) -> None:
        if asked != self._asked or not shiboken6.isValid(self._panel):
            return
        self._panel.idle("This change cannot be saved as it is; see the message in red.")
        self.problem.emit(exc)

    def save(self) -> None:
        """Apply the previewed command (preview first when there is none)."""
        if self._saving:
            return
        command = self._previewed
        if command is None:
            self.preview()
            return
        self._saving = True
        self.busyChanged.emit(True)
        impact = self._panel.impact
        count = impact.changed if impact is not None else 0
        self._panel.saving(
            True,
            f"Saving, and recomputing the SLA clocks of {count} open ticket"
            f"{'s' if count != 1 else ''}…",
        )
        self._service.execute(command, self._saved, self._save_failed, label=_label(command))

    def _saved(self, outcome: Outcome) -> None:
        self._saving = False
        self._previewed = None
        self.busyChanged.emit(False)
        if shiboken6.isValid(self._panel):
            self._panel.saving(False)
        result = outcome.result
        if isinstance(result, SetupResult):
            if shiboken6.isValid(self._panel):
                self._panel.show_impact(result.impact)
                self._panel.summary.setText("Saved. " + result.impact.summary())
            self.saved.emit(result)

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.busyChanged.emit(False)
        if shiboken6.isValid(self._panel):
            self._panel.saving(False)
            if isinstance(exc, SetupConflictError):
                self._panel.idle("Not saved: someone else changed it meanwhile.")
            else:
                self._panel.idle("Not saved; see the message in red.")
        self._previewed = None
        self.problem.emit(exc)


def _label(command: Command) -> str:
    return {
        "save_policy": "Saving an SLA policy",
        "delete_policy": "Removing an SLA policy",
        "save_calendar": "Saving a business calendar",
        "save_customer": "Saving a customer",
        "set_up_desk": "Setting up the desk",
    }.get(command.name, "Saving the setup")
