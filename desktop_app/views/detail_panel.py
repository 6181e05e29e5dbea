"""The detail panel: the ticket and customer panes on the right of the queue, kept in step
with the selection and with every change the desk service reports.

It attaches to a :class:`~desktop_app.views.desk_session.DeskSession`: it puts a tab widget
("Ticket", "Customer") into the window's detail stack, reads the selected ticket and its
customer in one job on the database thread (never on the GUI thread), shows a quiet
"Loading…" meanwhile and drops answers for a ticket the technician has already left.
Actions run through :class:`~desktop_app.views.ticket_actions.TicketActions`; a conflict
(someone else changed the ticket) is shown with who changed it, the pane reloads and the
technician's typed text stays in the composer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QTabWidget

from desktop_app.domain import ConflictError, CriticismNote, Technician
from desktop_app.domain.changes import Outcome
from desktop_app.domain.commands import AddCriticism, EditCriticism, ResolveCriticism
from desktop_app.domain.zones import technician_zone
from desktop_app.services import queries
from desktop_app.services.desk import DeskChange
from desktop_app.services.queries import CustomerView, TicketView
from desktop_app.views.criticism import CriticismDialog
from desktop_app.views.customer_pane import CustomerPane
from desktop_app.views.ticket_actions import TicketActions, TicketRef
from desktop_app.views.ticket_pane import TicketPane

__all__ = ["DetailPanel"]

NOT_UNDOABLE = ("Reply to customer", "Log phone call", "Internal note", "Customer message")


class DetailPanel(QObject):
    """See the module docstring. ``now`` gives the current instant (injected in tests)."""

    ticketShown = Signal(int)  # a ticket's view arrived and is on screen
    loadFailed = Signal(str)
    criticismSaved = Signal(object)  # CriticismNote

    def __init__(self, session: Any, *, now: Callable[[], datetime] | None = None) -> None:
        super().__init__(session)
        self._session = session
        self._service = session.service
        self._now = now or (lambda: datetime.now(UTC))
        window = session.window
        self.actions = TicketActions(session, self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("detailTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setMinimumWidth(420)  # the action buttons and clock cards stay readable
        self.ticket_pane = TicketPane(self.actions, now=self._now)
        self.customer_pane = CustomerPane()
        self.tabs.addTab(self.ticket_pane, "Ticket")
        self.tabs.addTab(self.customer_pane, "Customer")
        stack = window.detail_stack
        self._placeholder = stack.currentWidget()
        stack.addWidget(self.tabs)
        self.criticism_dialog: CriticismDialog | None = None
        self._current: int | None = None
        self._generation = 0
        self._loading = False
        self._stopped = False
        self._compose_when_shown: int | None = None  # Enter asked for it while loading
        self.ticket_view: TicketView | None = None
        self.customer_view: CustomerView | None = None

        session.ticketSelected.connect(self.show_ticket)
        session.keys.ticketActivated.connect(self.open_ticket)
        session.technicianChanged.connect(self._on_technician)
        self._service.changed.connect(self._on_changed)
        self.actions.succeeded.connect(self._on_action_done)
        self.actions.failed.connect(self._on_action_failed)
        self.actions.reloadRequested.connect(self.reload)
        self.actions.composeRequested.connect(self._show_ticket_tab)
        criticism = self.customer_pane.criticism
        criticism.addRequested.connect(self.add_criticism)
        criticism.editRequested.connect(self.edit_criticism)
        criticism.resolveRequested.connect(self.resolve_criticism)
        self.customer_pane.ticketRequested.connect(self.select_in_queue)
        self._on_technician(session.me)

    # ------------------------------------------------------------------ state

    @property
    def current_ticket(self) -> int | None:
        return self._current

    @property
    def loading(self) -> bool:
        return self._loading

    def _tell_status(self, message: str, ms: int = 6000) -> None:
        self._session.window.statusBar().showMessage(message, ms)

    # ------------------------------------------------------------------ selection

    @Slot(object)
    def show_ticket(self, ticket_id: int | None) -> None:
        """Show ``ticket_id`` (None: nothing selected, the placeholder returns)."""
        stack = self._session.window.detail_stack
        if ticket_id is None:
            self._current = None
            self._generation += 1  # answers still on their way are for nothing now
            self._loading = False
            self.actions.set_target(None)
            self.ticket_view = None
            self.ticket_pane.clear()
            if self._placeholder is not None:
                stack.setCurrentWidget(self._placeholder)
            return
        if ticket_id == self._current and self.ticket_view is not None:
            return
        self._current = ticket_id
        entry = self._session.model.entry(ticket_id)
        self.actions.set_target(TicketRef.of_entry(entry) if entry is not None else None)
        stack.setCurrentWidget(self.tabs)
        self._make_room()
        self.reload()

    def _make_room(self) -> None:
        """Widen the detail side of the splitter to the panes' minimum (a remembered or
        default split may be narrower); the queue keeps the rest."""
        splitter = self._session.window.splitter
        sizes = splitter.sizes()
        wanted = self.tabs.minimumWidth() + 20
        if len(sizes) == 2 and 0 < sizes[1] < wanted and sum(sizes) > wanted * 2:
            splitter.setSizes([sum(sizes) - wanted, wanted])

    @Slot(int)
    def open_ticket(self, ticket_id: int) -> None:
        """Enter on a queue row: show the ticket and put the cursor in the composer (once
        the ticket is read, when it is still being read)."""
        self.show_ticket(ticket_id)
        self._show_ticket_tab()
        self._compose_when_shown = ticket_id
        if self.ticket_view is not None and self.ticket_view.ticket.id == ticket_id:
            self._focus_composer()

    def _focus_composer(self) -> None:
        self._compose_when_shown = None
        self.ticket_pane.composer.text_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_ticket_tab(self, *_args: object) -> None:
        self.tabs.setCurrentWidget(self.ticket_pane)

    @Slot(int)
    def select_in_queue(self, ticket_id: int) -> None:
        index = self._session.model.index_of(ticket_id)
        if index.isValid():
            self._session.window.queue_view.setCurrentIndex(index)
            self._session.window.queue_view.scrollTo(index)
        else:
            self._tell_status("That ticket is hidden by the queue's filter; showing it here.")
            self.show_ticket(ticket_id)
        self._show_ticket_tab()

    @Slot()
    def reload(self) -> None:
        """Read the current ticket and its customer again (one job)."""
        ticket_id = self._current
        if ticket_id is None:
            return
        self._generation += 1
        generation = self._generation
        self._loading = True
        entry = self._session.model.entry(ticket_id)
        number = entry.number if entry is not None else None
        if self.ticket_view is None or self.ticket_view.ticket.id != ticket_id:
            self.ticket_pane.show_loading(number)
            self.customer_pane.show_loading()

        self._service.submit(
            queries.ticket_and_customer(ticket_id),
            lambda views: self._loaded(generation, views),
            lambda exc: self._load_failed(generation, exc),
            label=f"Reading {number or 'the ticket'}",
            reads_only=True,
        )

    def _loaded(self, generation: int, views: tuple[TicketView, CustomerView]) -> None:
        if generation != self._generation or not self._alive():
            return  # the selection moved on (or a newer read is coming, or we closed)
        self._loading = False
        ticket_view, customer_view = views
        self.ticket_view = ticket_view
        self.customer_view = customer_view
        self.ticket_pane.show_view(ticket_view)
        self.customer_pane.show_view(customer_view)
        self.customer_pane.criticism.set_enabled_for(self._session.me is not None)
        self.actions.set_target(TicketRef.of_ticket(ticket_view.ticket))
        ticket_id = ticket_view.ticket.id
        negative = len(self.customer_pane.criticism.model.open_negative())
        label = "Customer ⚑" if negative else "Customer"
        self.tabs.setTabText(1, label)
        self.tabs.setTabToolTip(
            1, f"{negative} open negative criticism note(s)" if negative else "The customer"
        )
        if ticket_id is not None and ticket_id == self._compose_when_shown:
            self._focus_composer()
        if ticket_id is not None:
            self.ticketShown.emit(ticket_id)

    def _load_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or not self._alive():
            return
        self._loading = False
        self.ticket_pane.loading.hide()
        self.customer_pane.loading.hide()
        self.ticket_pane.show_banner(f"The ticket could not be read: {exc}")
        self.loadFailed.emit(str(exc))

    # ------------------------------------------------------------------ changes

    @Slot(object)
    def _on_changed(self, change: DeskChange) -> None:
        """Read the panes again when a write touched the ticket or its customer."""
        current = self._current
        if current is None:
            return
        view = self.customer_view
        customer = view.context.customer.id if view is not None else None
        if (
            current in change.ticket_ids
            or current in change.entries
            or (customer is not None and customer in change.changes.customer_ids)
        ):
            self.reload()

    @Slot(object)
    def _on_technician(self, technician: Technician | None) -> None:
        zone = technician_zone(technician)
        self.ticket_pane.set_zone(zone)
        self.customer_pane.set_zone(zone)
        self.customer_pane.criticism.set_enabled_for(technician is not None)

    @Slot(str, int)
    def _on_action_done(self, label: str, ticket_id: int) -> None:
        if label.startswith(NOT_UNDOABLE):
            self._tell_status(f"{label}: saved (a message to the customer cannot be unsent).")
        else:
            self._tell_status(f"{label}: done.")
        if ticket_id == self._current:
            self.ticket_pane.hide_banner()

    @Slot(str, int, object)
    def _on_action_failed(self, label: str, ticket_id: int, exc: object) -> None:
        self._tell_status(f"{label} failed: {exc}", 10_000)
        if ticket_id != self._current:
            self._session.tell(f"{label} failed", str(exc))
            return
        if isinstance(exc, ConflictError):
            self.ticket_pane.show_banner(
                f"{exc}\n\nThe ticket has been reloaded with their change; anything you "
                "typed is still in the composer.",
                "conflict",
            )
            self.reload()
        else:
            self.ticket_pane.show_banner(f"{label} failed: {exc}")

    # ------------------------------------------------------------------ criticism notes

    def _today(self) -> Any:
        return self._now().astimezone(technician_zone(self._session.me)).date()

    def _customer_ticket_ids(self) -> list[int]:
        view = self.customer_view
        if view is None:
            return []
        return [t.id for t in view.context.open_tickets if t.id is not None]

    def _open_dialog(self, note: CriticismNote | None) -> CriticismDialog | None:
        view = self.customer_view
        me = self._session.me
        if view is None or me is None or view.context.customer.id is None:
            return None
        if self.criticism_dialog is not None:
            self.criticism_dialog.close()
        dialog = CriticismDialog(
            view.context.customer.id,
            technicians=self._session.technicians,
            tickets=view.context.open_tickets,
            note=note,
            ticket_id=self._current,
            today=self._today(),
            now=self._now(),
            zone=technician_zone(me),
            parent=self._session.window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(lambda n: self._save_criticism(dialog, n))
        dialog.finished.connect(lambda _r: self._forget_dialog(dialog))
        self.criticism_dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: CriticismDialog) -> None:
        if self.criticism_dialog is dialog:
            self.criticism_dialog = None

    @Slot()
    def add_criticism(self) -> CriticismDialog | None:
        return self._open_dialog(None)

    @Slot(object)
    def edit_criticism(self, note: CriticismNote) -> CriticismDialog | None:
        return self._open_dialog(note)

    def _save_criticism(self, dialog: CriticismDialog, note: CriticismNote) -> None:
        me = self._session.me
        if me is None or me.id is None:
            dialog.show_error("Sign in as a technician first.")
            return
        editing = note.id is not None
        label = "Editing a criticism note" if editing else "Adding a criticism note"
        at = self._service.now()
        command = (
            EditCriticism(actor_id=me.id, at=at, note=note)
            if editing
            else AddCriticism(actor_id=me.id, at=at, note=note)
        )

        def done(outcome: Outcome) -> None:
            dialog.saved()
            self._tell_status(f"{label}: saved.")
            self.criticismSaved.emit(outcome.result)

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(dialog) and dialog.isVisible():
                dialog.show_error(str(exc))  # the dialog keeps the text
                return
            # closed while saving (Escape): nothing else shows the refusal or the words
            self._session.tell(
                f"{label} failed",
                f"{exc}\n\nThe note was not saved. What you wrote, to add it again:\n\n{note.text}",
            )

        self._service.execute(command, done, failed, label=label)

    @Slot(object)
    def resolve_criticism(self, note: CriticismNote) -> None:
        me = self._session.me
        if me is None or me.id is None or note.id is None:
            return
        command = ResolveCriticism(actor_id=me.id, at=self._service.now(), note_id=note.id)

        def done(outcome: Outcome) -> None:
            self._tell_status("Criticism note resolved.")
            self.criticismSaved.emit(outcome.result)

        def failed(exc: BaseException) -> None:
            self.ticket_pane.show_banner(f"Resolving the criticism note failed: {exc}")
            self._session.tell("Resolving the criticism note failed", str(exc))

        self._service.execute(command, done, failed, label="Resolving a criticism note")

    def _alive(self) -> bool:
        """False once stopped or once the window (and with it the panes) is gone."""
        return not self._stopped and shiboken6.isValid(self.tabs)

    def stop(self) -> None:
        """Stop the countdown and ignore answers still on their way."""
        self._stopped = True
        self._generation += 1
        if shiboken6.isValid(self.ticket_pane):
            self.ticket_pane.stop()
