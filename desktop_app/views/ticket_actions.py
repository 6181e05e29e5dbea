"""What a technician can do to a ticket: actions with shortcuts, the queue's context menu,
the priority/category change with its deadline preview, escalation, and undo.

Every action builds a command (:mod:`desktop_app.domain.commands`) with the version of the
ticket the technician is looking at and the instant it happens, and hands it to
:meth:`DeskService.execute` (one audited transaction; the desk's ``changed`` signal moves the
ticket's row and refreshes the panes). Changes that can be taken back go on the session's
undo history (:mod:`desktop_app.services.undo`). A reply, a logged call or a note reached
(or may have reached) the customer and cannot be unsent, so they are not undoable.

Who may take a ticket is the one rule of :mod:`desktop_app.domain.permissions`; an action
the signed-in person may not do is disabled, and its tooltip says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import (
    ConflictError,
    EventKind,
    Metric,
    Priority,
    Technician,
    Ticket,
    TicketStatus,
)
from desktop_app.domain.changes import Outcome
from desktop_app.domain.commands import (
    AddEvent,
    ChangeCategory,
    ChangePriority,
    Command,
    Escalate,
    Reassign,
    Reopen,
    Resolve,
    Resume,
    WaitOnCustomer,
)
from desktop_app.domain.permissions import assignment_refusal, may_assign
from desktop_app.domain.queue import QueueEntry
from desktop_app.domain.zones import technician_zone
from desktop_app.models.queue_model import format_remaining
from desktop_app.services import queries
from desktop_app.services.queries import DeadlinePreview

__all__ = [
    "CONVERSATION_LABELS",
    "ChangeDialog",
    "EscalateDialog",
    "TicketActions",
    "TicketRef",
]

CONVERSATION_LABELS = {
    EventKind.PUBLIC_REPLY: "Reply to customer",
    EventKind.PHONE_CALL: "Log phone call",
    EventKind.INTERNAL_NOTE: "Internal note",
    EventKind.CUSTOMER_MESSAGE: "Customer message",
}

# Short labels for the pane's buttons (the menus carry the full wording and shortcuts).
BUTTON_LABELS = {
    "reply": "Reply",
    "call": "Log call",
    "note": "Note",
    "message": "Customer msg",
    "wait": "Wait",
    "resume": "Resume",
    "priority": "Priority…",
    "category": "Category…",
    "escalate": "Escalate…",
    "take": "Take",
    "resolve": "Resolve",
    "reopen": "Reopen",
}

METRIC_NAMES = {
    Metric.FIRST_RESPONSE: "First response",
    Metric.NEXT_UPDATE: "Next update",
    Metric.RESOLUTION: "Resolution",
}


@dataclass(frozen=True, slots=True)
class TicketRef:
    """The facts an action needs about its ticket, from the pane or the queue row."""

    ticket_id: int
    number: str
    version: int
    status: TicketStatus
    priority: Priority
    category: str
    escalation_level: int
    assignee_id: int | None
    customer_id: int

    @classmethod
    def of_entry(cls, entry: QueueEntry) -> TicketRef:
        return cls(
            entry.ticket_id,
            entry.number,
            entry.version,
            entry.status,
            entry.priority,
            entry.category,
            entry.escalation_level,
            entry.assignee_id,
            entry.customer_id,
        )

    @classmethod
    def of_ticket(cls, ticket: Ticket) -> TicketRef:
        assert ticket.id is not None
        return cls(
            ticket.id,
            ticket.number,
            ticket.version,
            ticket.status,
            ticket.priority,
            ticket.category,
            ticket.escalation_level,
            ticket.assignee_id,
            ticket.customer_id,
        )


class SessionLike(Protocol):
    """The part of :class:`DeskSession` the actions use (a protocol keeps tests simple)."""

    @property
    def me(self) -> Technician | None: ...


class _TakenOff(Exception):
    """A refusal of an undo or redo, with what became of the step."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(
            f"{cause}\n\nThis step was taken off the undo history; the ticket stays as it is."
        )
        self.cause = cause


def _ticket_ids(command: Command) -> list[int]:
    return list(command.expected_versions())


def _when(at: datetime | None, zone: tzinfo) -> str:
    if at is None:
        return "—"
    return f"{at.astimezone(zone):%a %d %b %H:%M}"


class ChangeDialog(QDialog):
    """Change a ticket's priority or category, with the new deadlines shown first.

    The preview is computed by the SLA engine in a job on the database thread; OK stays
    disabled until the preview for the chosen value has arrived. A problem (the same value,
    a category no policy knows) is an inline message and nothing is written.
    """

    previewShown = Signal()
    problemShown = Signal(str)

    def __init__(
        self,
        actions: TicketActions,
        ref: TicketRef,
        what: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if what not in ("priority", "category"):
            raise ValueError(f"ChangeDialog changes 'priority' or 'category', not {what!r}.")
        self.setObjectName(f"change{what.capitalize()}Dialog")
        self.setWindowTitle(f"Change {what} of {ref.number}")
        self._actions = actions
        self.ref = ref
        self.what = what
        self.preview: DeadlinePreview | None = None
        self._asked = 0
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.value_combo = QComboBox(self)
        self.value_combo.setObjectName("valueCombo")
        if what == "priority":
            for p in Priority:
                self.value_combo.addItem(p.label, p.value)
            self.value_combo.setCurrentIndex(self.value_combo.findData(ref.priority.value))
        else:
            self.value_combo.setEditable(True)
            self.value_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.value_combo.addItem(ref.category, ref.category)
            self.value_combo.setCurrentIndex(0)
        form.addRow(f"New {what}:", self.value_combo)
        layout.addLayout(form)
        self.rule_label = QLabel(self)
        self.rule_label.setObjectName("previewRuleLabel")
        self.rule_label.setTextFormat(Qt.TextFormat.PlainText)
        self.rule_label.setWordWrap(True)
        layout.addWidget(self.rule_label)
        self.table = QTableWidget(3, 4, self)
        self.table.setObjectName("previewTable")
        self.table.setHorizontalHeaderLabels(["Clock", "Deadline now", "New deadline", "Change"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumWidth(520)
        self.table.setMaximumHeight(140)
        layout.addWidget(self.table)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("inlineError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(f"Change {what}")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.value_combo.currentIndexChanged.connect(self._value_changed)
        line = self.value_combo.lineEdit()
        if line is not None:
            line.editingFinished.connect(self._value_changed)
        self.rule_label.setText("Pick the new value to see its deadlines.")

    def set_categories(self, names: list[str]) -> None:
        if not shiboken6.isValid(self):
            return  # closed before the list arrived
        current = self.value_combo.currentText()
        blocker = self.value_combo.blockSignals(True)
        try:
            self.value_combo.clear()
            for name in names:
                self.value_combo.addItem(name, name)
            index = self.value_combo.findText(current)
            if index >= 0:
                self.value_combo.setCurrentIndex(index)
            else:
                self.value_combo.setEditText(current)
        finally:
            self.value_combo.blockSignals(blocker)

    def value(self) -> str:
        if self.what == "priority":
            data = self.value_combo.currentData()
            return str(data) if data is not None else self.value_combo.currentText()
        return self.value_combo.currentText().strip().lower()

    def choose(self, value: str) -> None:
        """Pick ``value`` (a priority value or a category) and ask for its preview."""
        if self.what == "priority":
            self.value_combo.setCurrentIndex(self.value_combo.findData(Priority(value).value))
        else:
            self.value_combo.setEditText(value)
        self._value_changed()

    @Slot()
    def _value_changed(self, *_args: object) -> None:
        self.preview = None
        self.ok_button.setEnabled(False)
        self.error_label.hide()
        value = self.value()
        current = self.ref.priority.value if self.what == "priority" else self.ref.category
        if value == current:
            self.rule_label.setText(f"The ticket already has this {self.what}.")
            self._clear_table()
            return
        self._asked += 1
        asked = self._asked
        self.rule_label.setText("Computing the new deadlines…")
        self._actions.request_preview(
            self.ref.ticket_id,
            self.what,
            value,
            lambda preview: self._show_preview(asked, preview),
            lambda exc: self._show_problem(asked, exc),
        )

    def _clear_table(self) -> None:
        for row in range(self.table.rowCount()):
            for column in range(self.table.columnCount()):
                self.table.setItem(row, column, QTableWidgetItem(""))

    def _show_preview(self, asked: int, preview: DeadlinePreview) -> None:
        if asked != self._asked or not shiboken6.isValid(self):
            return  # the technician picked another value meanwhile
        self.preview = preview
        zone = self._actions.zone()
        for row, metric in enumerate(
            (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)
        ):
            before, after = preview.before.get(metric), preview.after.get(metric)
            moved = preview.moved(metric)
            change = "—"
            if moved is not None and moved != 0:
                sign = "later" if moved > 0 else "earlier"
                change = f"{format_remaining(moved)} {sign}"
            elif after is not None and after.due_at is None:
                change = after.state.value
            if after is not None and after.breached and (before is None or not before.breached):
                change += " · would be breached"
            cells = [
                METRIC_NAMES[metric],
                _when(before.due_at if before else None, zone),
                _when(after.due_at if after else None, zone),
                change,
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.rule_label.setText(f"New rule: {preview.after_terms.explain()}")
        self.ok_button.setEnabled(True)
        self.previewShown.emit()

    def _show_problem(self, asked: int, exc: BaseException) -> None:
        if asked != self._asked or not shiboken6.isValid(self):
            return
        self.show_error(str(exc))

    def show_error(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self.error_label.setText(message)
        self.error_label.show()
        self.ok_button.setEnabled(False)
        self.problemShown.emit(message)

    @Slot()
    def _confirm(self) -> None:
        if self.preview is None:
            self.show_error("Wait for the new deadlines to be shown, then confirm.")
            return
        self._actions.change(self)


class EscalateDialog(QDialog):
    """Raise the escalation level by one, optionally handing the ticket to someone senior."""

    def __init__(
        self,
        actions: TicketActions,
        ref: TicketRef,
        technicians: list[Technician],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("escalateDialog")
        self.setWindowTitle(f"Escalate {ref.number}")
        self._actions = actions
        self.ref = ref
        layout = QVBoxLayout(self)
        level = ref.escalation_level + 1
        what = QLabel(
            f"Raise {ref.number} from escalation level {ref.escalation_level} to {level}."
        )
        what.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(what)
        form = QFormLayout()
        self.assignee_combo = QComboBox(self)
        self.assignee_combo.setObjectName("reassignCombo")
        self.assignee_combo.addItem("Keep the current assignee", None)
        for t in sorted(technicians, key=lambda t: (-t.escalation_level, t.name)):
            if t.active and t.id != ref.assignee_id:
                self.assignee_combo.addItem(
                    f"{t.name} ({t.role.value}, level {t.escalation_level})", t.id
                )
        form.addRow("Hand to:", self.assignee_combo)
        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName("escalationNote")
        self.note_edit.setPlaceholderText("Why (optional): e.g. needs the network team")
        form.addRow("Reason:", self.note_edit)
        layout.addLayout(form)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("inlineError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Escalate")
        buttons.accepted.connect(lambda: self._actions.escalate(self))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # a refusal was about the last try: changing what to send clears it
        self.assignee_combo.currentIndexChanged.connect(self.error_label.hide)
        self.note_edit.textChanged.connect(self.error_label.hide)

    def reassign_to(self) -> int | None:
        data = self.assignee_combo.currentData()
        return data if isinstance(data, int) else None

    def show_error(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self.error_label.setText(message)
        self.error_label.show()


class TicketActions(QObject):
    """The ticket actions of a session. ``target()`` says which ticket they act on
    (set by the detail panel: the ticket shown, else the current queue row)."""

    succeeded = Signal(str, int)  # what was done, ticket id
    failed = Signal(str, int, object)  # what was being done, ticket id, the exception
    composeRequested = Signal(object)  # EventKind: open the composer for this kind
    reloadRequested = Signal()

    def __init__(self, session: Any, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else session)
        self._session = session
        self._service = session.service
        self._target: TicketRef | None = None
        self.dialog: QDialog | None = None  # the open change/escalate dialog (tests use it)
        self.actions: dict[str, QAction] = {}
        window = session.window
        specs = [
            ("reply", "&Reply to customer", "Ctrl+R", "Public reply; counts as a response"),
            ("call", "Log &phone call", "Ctrl+L", "A call with the customer; counts as a response"),
            ("note", "Internal &note", "Ctrl+N", "Only technicians see it; stops no clock"),
            ("message", "Record customer &message", "Ctrl+M", "What the customer sent or said"),
            ("wait", "&Wait on customer", "Ctrl+Shift+W", "Pause the resolution clock"),
            ("resume", "Res&ume", "Ctrl+Shift+U", "The customer is back: the clocks run again"),
            ("priority", "Change &priority…", "Ctrl+Shift+P", "Shows the new deadlines first"),
            ("category", "Change &category…", "Ctrl+Shift+C", "Shows the new deadlines first"),
            ("escalate", "&Escalate…", "Ctrl+E", "Raise the escalation level by one"),
            ("take", "&Take ticket", "Ctrl+T", "Assign the ticket to yourself"),
            ("resolve", "Re&solve", "Ctrl+Shift+R", "Resolve the ticket (can be undone)"),
            ("reopen", "Re&open", "Ctrl+Shift+O", "Reopen a resolved ticket"),
            ("reload", "Re&load ticket", "F5", "Read the ticket again"),
        ]
        for key, text, shortcut, tip in specs:
            action = QAction(text, window)
            action.setObjectName(f"action{key.capitalize()}Ticket")
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{tip} ({shortcut})")
            action.setStatusTip(tip)
            window.addAction(action)
            self.actions[key] = action
        triggers: dict[str, Callable[[], object]] = {
            "reply": lambda: self.composeRequested.emit(EventKind.PUBLIC_REPLY),
            "call": lambda: self.composeRequested.emit(EventKind.PHONE_CALL),
            "note": lambda: self.composeRequested.emit(EventKind.INTERNAL_NOTE),
            "message": lambda: self.composeRequested.emit(EventKind.CUSTOMER_MESSAGE),
            "wait": self.wait_on_customer,
            "resume": self.resume,
            "priority": lambda: self.open_change("priority"),
            "category": lambda: self.open_change("category"),
            "escalate": self.open_escalate,
            "take": self.take,
            "resolve": self.resolve,
            "reopen": self.reopen,
            "reload": self.reloadRequested.emit,
        }
        for key, trigger in triggers.items():
            self.actions[key].triggered.connect(trigger)
        self.menu = self._add_menu(window)
        history = session.undo_history
        history.succeeded.connect(self._on_history_done)
        history.failed.connect(self._on_history_failed)
        view = window.queue_view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._queue_menu)
        session.technicianChanged.connect(lambda _t: self.update_enabled())
        self.update_enabled()

    # ------------------------------------------------------------------ menus

    def _groups(self) -> list[list[str]]:
        return [
            ["reply", "call", "note", "message"],
            ["wait", "resume", "priority", "category", "escalate", "take"],
            ["resolve", "reopen"],
            ["reload"],
        ]

    def _add_menu(self, window: Any) -> QMenu:
        menu = QMenu("&Ticket", window)
        menu.setObjectName("menuTicket")
        self._fill(menu)
        bar = window.menuBar()
        edit = window.findChild(QMenu, "menuEdit")
        if edit is not None:
            # after Edit: File, Edit, Ticket
            following = next(
                (
                    a
                    for i, a in enumerate(bar.actions())
                    if i > 0 and bar.actions()[i - 1] is edit.menuAction()
                ),
                None,
            )
            if following is not None:
                bar.insertMenu(following, menu)
            else:
                bar.addMenu(menu)
        else:
            bar.addMenu(menu)
        return menu

    def _fill(self, menu: QMenu) -> None:
        for i, group in enumerate(self._groups()):
            if i:
                menu.addSeparator()
            for key in group:
                menu.addAction(self.actions[key])

    def context_menu(self) -> QMenu:
        """The queue's context menu for the current ticket (built fresh each time)."""
        menu = QMenu(self._session.window)
        menu.setObjectName("queueContextMenu")
        self._fill(menu)
        return menu

    @Slot(QPoint)
    def _queue_menu(self, pos: QPoint) -> None:
        view = self._session.window.queue_view
        index = view.indexAt(pos)
        if not index.isValid():
            return
        if view.currentIndex().row() != index.row():
            view.setCurrentIndex(index)  # the panel follows; actions act on this ticket
        entry = self._session.model.entry_at(index.row())
        if self._target is None or self._target.ticket_id != entry.ticket_id:
            self.set_target(TicketRef.of_entry(entry))
        menu = self.context_menu()
        menu.popup(view.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------------ target

    def set_target(self, ref: TicketRef | None) -> None:
        self._target = ref
        self.update_enabled()

    def target(self) -> TicketRef | None:
        return self._target

    def zone(self) -> tzinfo:
        return technician_zone(self._session.me)

    def take_refusal(self, ref: TicketRef | None = None) -> str | None:
        """Why the signed-in person may not take the ticket (``None``: they may)."""
        ref = ref or self._target
        me = self._session.me
        if ref is None or me is None:
            return "Sign in and pick a ticket first."
        if ref.assignee_id == me.id:
            return f"{ref.number} is yours already."
        holder = self._session.technician_name(ref.assignee_id)
        refusal = assignment_refusal(
            me, ref.assignee_id, me, ticket=ref.number, current_name=holder
        )
        return str(refusal) if refusal is not None else None

    def update_enabled(self) -> None:
        ref = self._target
        me = self._session.me
        usable = ref is not None and me is not None
        is_open = ref is not None and ref.status.is_open
        waiting = ref is not None and ref.status is TicketStatus.WAITING_ON_CUSTOMER
        take_refusal = self.take_refusal() if usable and is_open else None
        enabled = {
            "reply": usable and is_open,
            "call": usable and is_open,
            "note": usable,
            "message": usable,
            "wait": usable and is_open and not waiting,
            "resume": usable and waiting,
            "priority": usable and is_open,
            "category": usable and is_open,
            "escalate": usable and is_open,
            "take": usable and is_open and take_refusal is None,
            "resolve": usable and is_open,
            "reopen": usable and not is_open,
            "reload": ref is not None,
        }
        for key, on in enabled.items():
            self.actions[key].setEnabled(bool(on))
        take = self.actions["take"]
        base = "Assign the ticket to yourself (Ctrl+T)"
        take.setToolTip(f"{base}\n{take_refusal}" if take_refusal and usable else base)

    # ------------------------------------------------------------------ undo and redo

    @Slot(str, object)
    def _on_history_done(self, label: str, outcome: Outcome) -> None:
        for ticket_id in _ticket_ids(outcome.command):
            self.succeeded.emit(label, ticket_id)

    @Slot(str, object, object)
    def _on_history_failed(self, label: str, command: Command, exc: BaseException) -> None:
        ids = _ticket_ids(command)
        self.failed.emit(
            f"{label}: not possible",
            ids[0] if ids else -1,
            _TakenOff(exc) if not isinstance(exc, ConflictError) else exc,
        )
        if isinstance(exc, ConflictError):
            self._service.refresh_tickets(ids)

    # ------------------------------------------------------------------ running commands

    def _me_id(self) -> int | None:
        me = self._session.me
        return me.id if me is not None else None

    def perform(
        self,
        label: str,
        ref: TicketRef,
        command: Command,
        *,
        undo_text: str | None = None,
        on_done: Callable[[Outcome], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Apply ``command`` through the service; put it on the undo history (as
        ``undo_text``) when it succeeds and can be taken back."""
        tid = ref.ticket_id

        def done(outcome: Outcome) -> None:
            if undo_text is not None:
                self._session.undo_history.push(outcome, undo_text)
            self.succeeded.emit(label, tid)
            if on_done is not None:
                on_done(outcome)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            self.failed.emit(label, tid, exc)
            if isinstance(exc, ConflictError):
                self._service.refresh_tickets([tid])

        return int(self._service.execute(command, done, failed, label=label))

    def _common(self, ref: TicketRef) -> dict[str, Any]:
        return {
            "actor_id": self._me_id(),
            "at": self._service.now(),
            "ticket_id": ref.ticket_id,
            "version": ref.version,
        }

    # ------------------------------------------------------------------ the actions

    def send(
        self,
        kind: EventKind,
        text: str,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int | None:
        """Record a reply, call, note or customer message on the target ticket."""
        ref, me = self._target, self._me_id()
        if ref is None or me is None:
            return None
        label = f"{CONVERSATION_LABELS[kind]} on {ref.number}"
        try:
            command = AddEvent(**self._common(ref), kind=kind, text=text)
        except ValueError as exc:  # refused before it is sent: nothing to wait for
            if on_error is not None:
                on_error(exc)
            self.failed.emit(label, ref.ticket_id, exc)
            return None
        return self.perform(label, ref, command, on_done=on_done, on_error=on_error)

    def wait_on_customer(self) -> int | None:
        ref = self._target
        if ref is None or self._me_id() is None:
            return None
        return self.perform(
            f"Waiting on the customer for {ref.number}",
            ref,
            WaitOnCustomer(**self._common(ref)),
            undo_text=f"wait on customer ({ref.number})",
        )

    def resume(self) -> int | None:
        ref = self._target
        if ref is None or self._me_id() is None:
            return None
        return self.perform(
            f"Resuming {ref.number}",
            ref,
            Resume(**self._common(ref)),
            undo_text=f"resume ({ref.number})",
        )

    def resolve(self) -> int | None:
        ref = self._target
        if ref is None or self._me_id() is None:
            return None
        return self.perform(
            f"Resolving {ref.number}",
            ref,
            Resolve(**self._common(ref)),
            undo_text=f"resolve {ref.number}",
        )

    def reopen(self) -> int | None:
        ref = self._target
        if ref is None or self._me_id() is None:
            return None
        return self.perform(
            f"Reopening {ref.number}",
            ref,
            Reopen(**self._common(ref)),
            undo_text=f"reopen {ref.number}",
        )

    def take(self) -> int | None:
        """Assign the target ticket to the signed-in technician (undo hands it back)."""
        ref, me = self._target, self._me_id()
        if ref is None or me is None:
            return None
        refusal = self.take_refusal(ref)
        if refusal is not None:
            self._session.window.statusBar().showMessage(refusal, 8000)
            return None
        command = Reassign.to({ref.ticket_id: ref.version}, me, actor_id=me, at=self._service.now())
        return self.perform(f"Taking {ref.number}", ref, command, undo_text=f"take {ref.number}")

    def request_preview(
        self,
        ticket_id: int,
        what: str,
        value: str,
        on_done: Callable[[DeadlinePreview], None],
        on_error: Callable[[BaseException], None],
    ) -> int:
        """Compute the deadlines under a new priority or category in a job."""
        job = (
            queries.priority_preview(ticket_id, Priority(value))
            if what == "priority"
            else queries.category_preview(ticket_id, value)
        )
        return int(
            self._service.submit(
                job, on_done, on_error, label="Previewing deadlines", reads_only=True
            )
        )

    def open_change(self, what: str) -> ChangeDialog | None:
        ref = self._target
        if ref is None or self._session.me is None:
            return None
        dialog = ChangeDialog(self, ref, what, self._session.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._forget(dialog))
        if what == "category":
            self._service.submit(
                queries.categories(),
                dialog.set_categories,
                lambda exc: None,
                label="Reading categories",
                reads_only=True,
            )
        dialog.open()
        return dialog

    def _forget(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def change(self, dialog: ChangeDialog) -> None:
        """Apply the change the dialog previewed; it closes when the service confirms."""
        ref = dialog.ref
        if self._me_id() is None or dialog.preview is None:
            return
        value = dialog.value()
        dialog.ok_button.setEnabled(False)

        def closed(_result: Any) -> None:
            if shiboken6.isValid(dialog):
                dialog.accept()

        def refused(exc: BaseException) -> None:
            dialog.show_error(str(exc))

        command: Command
        if dialog.what == "priority":
            new, old = Priority(value), ref.priority
            command = ChangePriority(**self._common(ref), priority=new)
            label = f"Changing the priority of {ref.number} to {new.label}"
            undo_text = f"priority of {ref.number}: {old.label} → {new.label}"
        else:
            command = ChangeCategory(**self._common(ref), category=value)
            label = f"Changing the category of {ref.number} to {value}"
            undo_text = f"category of {ref.number}: {ref.category} → {value}"
        self.perform(label, ref, command, undo_text=undo_text, on_done=closed, on_error=refused)

    def escalation_targets(self, ref: TicketRef) -> list[Technician]:
        """The people the signed-in person may hand the ticket to when escalating."""
        me = self._session.me
        return [
            t
            for t in self._session.technicians
            if t.active
            and t.id != ref.assignee_id
            and may_assign(me, ref.assignee_id, t, handover=True)
        ]

    def open_escalate(self) -> EscalateDialog | None:
        ref = self._target
        if ref is None or self._session.me is None:
            return None
        dialog = EscalateDialog(self, ref, self.escalation_targets(ref), self._session.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._forget(dialog))
        dialog.open()
        return dialog

    def escalate(self, dialog: EscalateDialog) -> None:
        """Escalation is not undoable: the people notified by it cannot be un-notified."""
        ref = dialog.ref
        if self._me_id() is None:
            return
        command = Escalate(
            **self._common(ref),
            reassign_to_id=dialog.reassign_to(),
            text=dialog.note_edit.text().strip(),
        )
        self.perform(
            f"Escalating {ref.number}",
            ref,
            command,
            on_done=lambda _r: dialog.accept() if shiboken6.isValid(dialog) else None,
            on_error=lambda exc: dialog.show_error(str(exc)),
        )


def conversation_button(actions: TicketActions, key: str, parent: QWidget) -> QPushButton:
    """A push button that triggers one of the actions and follows its enabled state."""
    action = actions.actions[key]
    button = QPushButton(BUTTON_LABELS.get(key, action.text().replace("&", "")), parent)
    button.setObjectName(f"{key}Button")
    button.setToolTip(action.toolTip())
    button.clicked.connect(action.trigger)
    button.setEnabled(action.isEnabled())
    action.enabledChanged.connect(button.setEnabled)
    return button
