"""What a technician can do to a ticket: actions with shortcuts, the queue's context menu,
the priority/category change with its deadline preview, escalation, and undo.

Every action goes through :meth:`DeskService.act` (one audited transaction; the queue moves
the ticket's one row when it returns). Changes that can be taken back are pushed on the
session's undo stack after they succeed; undoing one runs the inverse action through the
service with the ticket's then-current version. A reply, a logged call or a note reached
(or may have reached) the customer and cannot be unsent, so they are not undoable.

The version an action sends is the newest the desk knows (from the queue, the ticket pane
and earlier results) plus the actions on that ticket still in flight: two quick undos in a
row do not trip over each other, while a change made by someone else still raises a
conflict and overwrites nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand
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
from desktop_app.domain.queue import QueueEntry
from desktop_app.domain.zones import technician_zone
from desktop_app.models.queue_model import format_remaining
from desktop_app.store import Store
from desktop_app.store.previews import (
    DeadlinePreview,
    known_categories,
    preview_category,
    preview_priority,
)

__all__ = [
    "CONVERSATION_LABELS",
    "ChangeDialog",
    "EscalateDialog",
    "TicketActions",
    "TicketCommand",
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


Write = Callable[[Store, int], Any]


class TicketCommand(QUndoCommand):
    """An action already done through the service; undo/redo replay it through the service.

    The first ``redo()`` (called by ``QUndoStack.push``) does nothing: the action ran before
    it was pushed. A replay that fails leaves the stack where the desk really is.
    """

    def __init__(
        self,
        actions: TicketActions,
        text: str,
        ticket_id: int,
        forward: Write,
        backward: Write,
    ) -> None:
        super().__init__(text)
        self._actions = actions
        self.ticket_id = ticket_id
        self._forward = forward
        self._backward = backward
        self._skip = True  # pushed after the action already ran

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self._actions._replay(self, self._forward, undoing=False)

    def undo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self._actions._replay(self, self._backward, undoing=True)

    def skip_next(self) -> None:
        """The next undo()/redo() only moves the stack's index (used after a failed replay)."""
        self._skip = True


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
        self._versions: dict[int, int] = {}
        self._in_flight: dict[int, int] = {}
        self._target: TicketRef | None = None
        self.dialog: QDialog | None = None  # the open change/escalate dialog (tests use it)
        self._service.ticketChanged.connect(self._on_ticket_changed)
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

    # ------------------------------------------------------------------ target & versions

    def set_target(self, ref: TicketRef | None) -> None:
        self._target = ref
        if ref is not None:
            self.note_version(ref.ticket_id, ref.version)
        self.update_enabled()

    def target(self) -> TicketRef | None:
        return self._target

    def note_version(self, ticket_id: int, version: int) -> None:
        self._versions[ticket_id] = max(version, self._versions.get(ticket_id, 0))

    def next_version(self, ticket_id: int, fallback: int) -> int:
        """The version the next action on the ticket will find (see the module docstring)."""
        known = max(self._versions.get(ticket_id, 0), fallback)
        return known + self._in_flight.get(ticket_id, 0)

    @Slot(object)
    def _on_ticket_changed(self, entry: QueueEntry) -> None:
        self.note_version(entry.ticket_id, entry.version)

    def zone(self) -> tzinfo:
        return technician_zone(self._session.me)

    def update_enabled(self) -> None:
        ref = self._target
        me = self._session.me
        usable = ref is not None and me is not None
        is_open = ref is not None and ref.status.is_open
        waiting = ref is not None and ref.status is TicketStatus.WAITING_ON_CUSTOMER
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
            "take": usable
            and is_open
            and ref is not None
            and me is not None
            and ref.assignee_id != me.id,
            "resolve": usable and is_open,
            "reopen": usable and not is_open,
            "reload": ref is not None,
        }
        for key, on in enabled.items():
            self.actions[key].setEnabled(bool(on))

    # ------------------------------------------------------------------ running actions

    def _me_id(self) -> int | None:
        me = self._session.me
        return me.id if me is not None else None

    def perform(
        self,
        label: str,
        ref: TicketRef,
        forward: Write,
        backward: Write | None = None,
        *,
        undo_text: str | None = None,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Run ``forward(store, version)`` for ``ref`` through the service; push an undo
        command with ``backward`` when it succeeds."""
        tid = ref.ticket_id
        version = self.next_version(tid, ref.version)
        self._in_flight[tid] = self._in_flight.get(tid, 0) + 1

        def done(result: Any) -> None:
            self._landed(tid, result)
            if backward is not None:
                command = TicketCommand(self, undo_text or label, tid, forward, backward)
                self._session.undo_stack.push(command)
            self.succeeded.emit(label, tid)
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            self._landed(tid, None)
            if on_error is not None:
                on_error(exc)
            self.failed.emit(label, tid, exc)
            if isinstance(exc, ConflictError):
                self._service.refresh_tickets([tid])

        return int(
            self._service.act(label, lambda store: forward(store, version), [tid], done, failed)
        )

    def _landed(self, ticket_id: int, result: Any) -> None:
        left = self._in_flight.get(ticket_id, 1) - 1
        if left > 0:
            self._in_flight[ticket_id] = left
        else:
            self._in_flight.pop(ticket_id, None)
        if isinstance(result, Ticket) and result.id is not None:
            self.note_version(result.id, result.version)
        elif isinstance(result, list):
            for ticket in result:
                if isinstance(ticket, Ticket) and ticket.id is not None:
                    self.note_version(ticket.id, ticket.version)

    def _replay(self, command: TicketCommand, write: Write, *, undoing: bool) -> None:
        tid = command.ticket_id
        version = self.next_version(tid, 0)
        self._in_flight[tid] = self._in_flight.get(tid, 0) + 1
        label = f"{'Undo' if undoing else 'Redo'}: {command.text()}"
        stack = self._session.undo_stack

        def done(result: Any) -> None:
            self._landed(tid, result)
            self.succeeded.emit(label, tid)

        def failed(exc: BaseException) -> None:
            self._landed(tid, None)
            # Put the stack back where the desk is: the replay did not happen.
            command.skip_next()
            if undoing:
                stack.redo()
            else:
                stack.undo()
            self.failed.emit(label, tid, exc)
            if isinstance(exc, ConflictError):
                self._service.refresh_tickets([tid])

        self._service.act(label, lambda store: write(store, version), [tid], done, failed)

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

        def forward(store: Store, version: int) -> Ticket:
            return store.add_event(me, ref.ticket_id, version, kind, text)

        return self.perform(label, ref, forward, on_done=on_done, on_error=on_error)

    def wait_on_customer(self) -> int | None:
        ref, me = self._target, self._me_id()
        if ref is None or me is None:
            return None
        return self.perform(
            f"Waiting on the customer for {ref.number}",
            ref,
            lambda store, v: store.wait_on_customer(me, ref.ticket_id, v),
            lambda store, v: store.resume(me, ref.ticket_id, v),
            undo_text=f"wait on customer ({ref.number})",
        )

    def resume(self) -> int | None:
        ref, me = self._target, self._me_id()
        if ref is None or me is None:
            return None
        return self.perform(
            f"Resuming {ref.number}",
            ref,
            lambda store, v: store.resume(me, ref.ticket_id, v),
            lambda store, v: store.wait_on_customer(me, ref.ticket_id, v),
            undo_text=f"resume ({ref.number})",
        )

    def resolve(self) -> int | None:
        ref, me = self._target, self._me_id()
        if ref is None or me is None:
            return None
        return self.perform(
            f"Resolving {ref.number}",
            ref,
            lambda store, v: store.resolve(me, ref.ticket_id, v),
            lambda store, v: store.reopen(me, ref.ticket_id, v, "Resolution undone"),
            undo_text=f"resolve {ref.number}",
        )

    def reopen(self) -> int | None:
        ref, me = self._target, self._me_id()
        if ref is None or me is None:
            return None
        return self.perform(
            f"Reopening {ref.number}",
            ref,
            lambda store, v: store.reopen(me, ref.ticket_id, v),
            lambda store, v: store.resolve(me, ref.ticket_id, v, "Reopening undone"),
            undo_text=f"reopen {ref.number}",
        )

    def take(self) -> int | None:
        """Assign the target ticket to the signed-in technician (undo hands it back)."""
        ref, me = self._target, self._me_id()
        if ref is None or me is None:
            return None
        previous = ref.assignee_id
        return self.perform(
            f"Taking {ref.number}",
            ref,
            lambda store, v: store.assign(me, {ref.ticket_id: v}, me),
            lambda store, v: store.assign(me, {ref.ticket_id: v}, previous),
            undo_text=f"take {ref.number}",
        )

    def request_preview(
        self,
        ticket_id: int,
        what: str,
        value: str,
        on_done: Callable[[DeadlinePreview], None],
        on_error: Callable[[BaseException], None],
    ) -> int:
        """Compute the deadlines under a new priority or category in a job."""
        if what == "priority":
            priority = Priority(value)

            def job(store: Store) -> DeadlinePreview:
                return preview_priority(store, ticket_id, priority)

        else:

            def job(store: Store) -> DeadlinePreview:
                return preview_category(store, ticket_id, value)

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
                known_categories,
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
        ref, me = dialog.ref, self._me_id()
        if me is None or dialog.preview is None:
            return
        value = dialog.value()
        dialog.ok_button.setEnabled(False)

        def closed(_result: Any) -> None:
            if shiboken6.isValid(dialog):
                dialog.accept()

        def refused(exc: BaseException) -> None:
            dialog.show_error(str(exc))

        if dialog.what == "priority":
            new, old = Priority(value), ref.priority
            self.perform(
                f"Changing the priority of {ref.number} to {new.label}",
                ref,
                lambda store, v: store.change_priority(me, ref.ticket_id, v, new),
                lambda store, v: store.change_priority(me, ref.ticket_id, v, old),
                undo_text=f"priority of {ref.number}: {old.label} → {new.label}",
                on_done=closed,
                on_error=refused,
            )
        else:
            new_cat, old_cat = value, ref.category
            self.perform(
                f"Changing the category of {ref.number} to {new_cat}",
                ref,
                lambda store, v: store.change_category(me, ref.ticket_id, v, new_cat),
                lambda store, v: store.change_category(me, ref.ticket_id, v, old_cat),
                undo_text=f"category of {ref.number}: {old_cat} → {new_cat}",
                on_done=closed,
                on_error=refused,
            )

    def open_escalate(self) -> EscalateDialog | None:
        ref = self._target
        if ref is None or self._session.me is None:
            return None
        dialog = EscalateDialog(self, ref, self._session.technicians, self._session.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._forget(dialog))
        dialog.open()
        return dialog

    def escalate(self, dialog: EscalateDialog) -> None:
        """Escalation is not undoable: the store only ever raises the level, and the
        people notified by it cannot be un-notified."""
        ref, me = dialog.ref, self._me_id()
        if me is None:
            return
        senior = dialog.reassign_to()
        text = dialog.note_edit.text().strip()
        self.perform(
            f"Escalating {ref.number}",
            ref,
            lambda store, v: store.escalate(me, ref.ticket_id, v, reassign_to_id=senior, text=text),
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
