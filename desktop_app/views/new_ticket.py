"""File → New ticket… (Ctrl+Shift+N): log a ticket when a customer phones in, writes or
walks up.

The form (``ui/new_ticket_dialog.ui``) asks for the customer (type-ahead over customer,
site and contact names), site, contact, channel, when it came in (now, or dated back for
a call logged later; never ahead), subject, description, priority, category and assignee.
Before it is saved it shows the three SLA deadlines the ticket will get, in the site's
zone and the technician's own, and the rule that chose them: the SLA engine works them out
on the database thread as the fields change (the preview a priority change already uses).
Saving is one ``CreateTicket`` command; the desk service's ``changed`` signal puts the
ticket in the queue and on the board at once, and the SLA monitor announces it.

A problem is shown next to its field and nothing is saved; closing with typed text asks
first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QDate, QDateTime, QTime, QTimer, QTimeZone, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QWidget,
)

from desktop_app.domain import (
    Metric,
    Priority,
    Role,
    Technician,
    Ticket,
    ValidationError,
)
from desktop_app.domain.changes import Outcome
from desktop_app.domain.commands import TICKET_CHANNELS, CreateTicket
from desktop_app.domain.permissions import assignment_refusal
from desktop_app.services import setup_queries
from desktop_app.services.setup_queries import CustomerCard, CustomerRecords, NewTicketPreview
from desktop_app.sla.clocks import format_duration
from desktop_app.views.customer_search import CustomerTypeAhead
from desktop_app.views.forms import (
    Confirm,
    FieldErrors,
    ask_to_discard,
    child,
    fit_rows,
    load_form,
)

__all__ = ["CHANNEL_LABELS", "NEW_TICKET_SHORTCUT", "NewTicketDialog"]

NEW_TICKET_SHORTCUT = "Ctrl+Shift+N"
PREVIEW_PAUSE_MS = 150  # the preview waits for a short pause in typing
CHANNEL_LABELS = {"phone": "Phone", "email": "E-mail", "walk-in": "Walk-in", "portal": "Portal"}
_METRICS = (
    (Metric.FIRST_RESPONSE, "First response"),
    (Metric.NEXT_UPDATE, "Next update"),
    (Metric.RESOLUTION, "Resolution"),
)
# Which field of the form a ValidationError's ``field`` names.
_FIELD_WIDGETS = {
    "customer": "customerEdit",
    "customer_id": "customerEdit",
    "site": "siteCombo",
    "site_id": "siteCombo",
    "contact_id": "contactCombo",
    "subject": "subjectEdit",
    "category": "categoryCombo",
    "priority": "priorityCombo",
    "assignee_id": "assigneeCombo",
    "channel": "channelCombo",
    "at": "receivedEdit",
}


def _zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ValueError, KeyError):
        return UTC


def _when(at: datetime | None, zone: tzinfo) -> str:
    if at is None:
        return "—"
    local = at.astimezone(zone)
    return f"{local:%a %d %b %H:%M} {local.tzname() or ''}".strip()


class NewTicketDialog(QDialog):
    """See the module docstring. ``session``: the desk session (service, me, technicians).
    ``customer_id`` picks the customer at once (the customer tab's button). ``now`` and
    ``confirm`` are injected in tests."""

    previewShown = Signal()
    problemShown = Signal(str)
    saved = Signal(object)  # the Ticket as logged
    ready = Signal()  # the customer list has arrived

    def __init__(
        self,
        session: Any,
        parent: QWidget | None = None,
        *,
        customer_id: int | None = None,
        now: Callable[[], datetime] | None = None,
        confirm: Confirm | None = None,
    ) -> None:
        super().__init__(parent)
        load_form(self, "new_ticket_dialog.ui")
        self.setObjectName("newTicketDialog")
        self._session = session
        self._service = session.service
        self._now = now or self._service.now
        self._confirm = confirm or (lambda _t, _q: ask_to_discard(self, "The new ticket"))
        self._me: Technician | None = session.me
        self._zone = _zone(self._me.timezone if self._me is not None else None)
        self._wanted_customer = customer_id
        self._records: CustomerRecords | None = None
        self.preview: NewTicketPreview | None = None
        self._asked = 0
        self._saving = False
        self._dirty = False
        self.errors = FieldErrors(self)

        self.customer_edit = child(self, QLineEdit, "customerEdit")
        self.site_combo = child(self, QComboBox, "siteCombo")
        self.contact_combo = child(self, QComboBox, "contactCombo")
        self.channel_combo = child(self, QComboBox, "channelCombo")
        self.received_edit = child(self, QDateTimeEdit, "receivedEdit")
        self.now_button = child(self, QToolButton, "nowButton")
        self.subject_edit = child(self, QLineEdit, "subjectEdit")
        self.description_edit = child(self, QPlainTextEdit, "descriptionEdit")
        self.priority_combo = child(self, QComboBox, "priorityCombo")
        self.category_combo = child(self, QComboBox, "categoryCombo")
        self.assignee_combo = child(self, QComboBox, "assigneeCombo")
        self.rule_label = child(self, QLabel, "ruleLabel")
        self.rule_label.setObjectName("previewRuleLabel")
        self.table = child(self, QTableWidget, "previewTable")
        self.form_error = child(self, QLabel, "formError")
        self.form_error.setObjectName("inlineError")
        self.form_error.hide()
        buttons = child(self, QDialogButtonBox, "buttons")
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Log ticket")
        self.save_button.setEnabled(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        self.type_ahead = CustomerTypeAhead(self.customer_edit)
        self.type_ahead.chosen.connect(self._customer_chosen)
        for value in TICKET_CHANNELS:
            self.channel_combo.addItem(CHANNEL_LABELS[value], value)
        for priority in Priority:
            self.priority_combo.addItem(priority.label, priority.value)
        self.priority_combo.setCurrentIndex(self.priority_combo.findData(Priority.NORMAL.value))
        line = self.category_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText("e.g. outage, network, request")
        self._fill_assignees()
        # the edit holds the wall-clock time of the technician's zone as a plain UTC value,
        # so the computer's own zone (and its clock changes) never alter what was typed
        self.received_edit.setTimeZone(QTimeZone.utc())
        self.set_received(self._now())
        for row, (_metric, name) in enumerate(_METRICS):
            self.table.setItem(row, 0, QTableWidgetItem(name))
        fit_rows(self.table)

        self._preview_timer = QTimer(self)
        self._preview_timer.setObjectName("new-ticket-preview")
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_PAUSE_MS)
        self._preview_timer.timeout.connect(self.request_preview)
        for combo in (self.site_combo, self.priority_combo):
            combo.currentIndexChanged.connect(self._terms_changed)
        self.category_combo.currentTextChanged.connect(self._terms_changed)
        self.received_edit.dateTimeChanged.connect(self._terms_changed)
        self.now_button.clicked.connect(lambda: self.set_received(self._now()))
        for signal in (
            self.subject_edit.textEdited,
            self.customer_edit.textEdited,
            self.category_combo.currentTextChanged,
        ):
            signal.connect(self._touched)
        self.description_edit.textChanged.connect(self._touched)
        self.subject_edit.textChanged.connect(self._update_save)
        self.subject_edit.textChanged.connect(self._touched)

        self._service.submit(
            setup_queries.directory(),
            self._directory_read,
            self._read_failed,
            label="Reading the customers",
            reads_only=True,
        )
        self._service.submit(
            setup_queries.desk(),
            self._desk_read,
            self._read_failed,
            label="Reading the categories",
            reads_only=True,
        )

    # ------------------------------------------------------------------ filling in

    def _fill_assignees(self) -> None:
        combo = self.assignee_combo
        combo.clear()
        combo.addItem("Unassigned", None)
        me = self._me
        people: list[Technician] = [t for t in self._session.technicians if t.active]
        for person in sorted(people, key=lambda t: (t.id != (me.id if me else None), t.name)):
            if assignment_refusal(me, None, person) is not None:
                continue  # a technician may take it, not give it to a colleague
            label = f"{person.name} (me)" if me is not None and person.id == me.id else person.name
            combo.addItem(label, person.id)
        if me is not None and Role(me.role) is Role.TECHNICIAN:
            combo.setCurrentIndex(max(combo.findData(me.id), 0))  # they took the call

    def set_received(self, at: datetime) -> None:
        """Show ``at`` (aware) in the technician's zone; later than now is not offered."""
        now = self._now()
        self.received_edit.setMaximumDateTime(_qt_local(now, self._zone))
        self.received_edit.setDateTime(_qt_local(at, self._zone))

    def received_at(self) -> datetime:
        """When the request came in, as an aware UTC instant."""
        value = self.received_edit.dateTime()
        date, time = value.date(), value.time()
        local = datetime(
            date.year(), date.month(), date.day(), time.hour(), time.minute(), tzinfo=self._zone
        )
        return local.astimezone(UTC)

    @Slot(object)
    def _directory_read(self, cards: list[CustomerCard]) -> None:
        if not shiboken6.isValid(self):
            return
        self.type_ahead.set_cards(cards)
        if not cards:
            self.form_error.setText(
                "The desk has no customers yet: add one in Setup → Customers… first."
            )
            self.form_error.show()
        if self._wanted_customer is not None:
            self.type_ahead.choose(self._wanted_customer)
            self._wanted_customer = None
            self.subject_edit.setFocus()
        self.ready.emit()

    @Slot(object)
    def _desk_read(self, setup: setup_queries.DeskSetup) -> None:
        if not shiboken6.isValid(self):
            return
        typed = self.category_combo.currentText()
        blocker = self.category_combo.blockSignals(True)
        try:
            self.category_combo.clear()
            self.category_combo.addItems(list(setup.categories))
            self.category_combo.setEditText(typed)
        finally:
            self.category_combo.blockSignals(blocker)

    def _read_failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self._show_form_error(f"Reading the desk failed: {exc}")

    @Slot(object)
    def _customer_chosen(self, card: CustomerCard | None) -> None:
        self.errors.clear()
        self._records = None
        self.site_combo.clear()
        self.contact_combo.clear()
        self._update_save()
        if card is None:
            self._show_rule("Pick the customer to see the deadlines.")
            self._clear_table()
            return
        self._service.submit(
            setup_queries.customer(card.id),
            lambda records: self._records_read(card.id, records),
            self._read_failed,
            label=f"Reading {card.name}",
            reads_only=True,
        )

    def _records_read(self, customer_id: int, records: CustomerRecords) -> None:
        card = self.type_ahead.card
        if not shiboken6.isValid(self) or card is None or card.id != customer_id:
            return  # another customer was picked meanwhile
        self._records = records
        for combo in (self.site_combo, self.contact_combo):
            combo.blockSignals(True)
        try:
            for site in records.sites:
                self.site_combo.addItem(f"{site.name} ({site.timezone})", site.id)
            if not records.sites:
                self.site_combo.addItem("(no site: times in UTC)", None)
            self.contact_combo.addItem("(no contact)", None)
            for contact in records.contacts:
                detail = contact.phone or contact.email
                self.contact_combo.addItem(
                    f"{contact.name} · {detail}" if detail else contact.name, contact.id
                )
        finally:
            for combo in (self.site_combo, self.contact_combo):
                combo.blockSignals(False)
        self._update_save()
        self.request_preview()

    # ------------------------------------------------------------------ the preview

    @Slot()
    def _terms_changed(self, *_args: object) -> None:
        self._preview_timer.start()

    @Slot()
    def _touched(self, *_args: object) -> None:
        self._dirty = True

    def _update_save(self, *_args: object) -> None:
        ready = (
            self._records is not None
            and bool(self.subject_edit.text().strip())
            and self.preview is not None
            and not self._saving
        )
        self.save_button.setEnabled(ready)

    @Slot()
    def request_preview(self) -> None:
        """Ask the SLA engine for the deadlines of the ticket as filled in now."""
        self._preview_timer.stop()
        records = self._records
        self.preview = None
        self._update_save()
        if records is None or records.customer.id is None:
            return
        received = self.received_at()
        if received > self._now() + timedelta(minutes=1):
            self.errors.show(
                self.received_edit,
                "That is in the future; a ticket is dated when it came in, never ahead. "
                "Press Now or pick an earlier time.",
            )
            return
        self._asked += 1
        asked = self._asked
        self._show_rule("Working out the deadlines…")
        self._service.submit(
            setup_queries.new_ticket_preview(
                records.customer.id,
                self.site_combo.currentData(),
                Priority(self.priority_combo.currentData()),
                self.category_combo.currentText(),
                received,
            ),
            lambda preview: self._show_preview(asked, preview),
            lambda exc: self._preview_failed(asked, exc),
            label="Previewing the deadlines",
            reads_only=True,
        )

    def _show_preview(self, asked: int, preview: NewTicketPreview) -> None:
        if asked != self._asked or not shiboken6.isValid(self):
            return
        terms = preview.terms
        if terms.applied is None:
            self._clear_table()
            self._show_rule(terms.problem or "No SLA policy applies.")
            self.problemShown.emit(terms.problem or "")
            return
        self.preview = preview
        site_zone = _zone(terms.site.timezone if terms.site is not None else "UTC")
        for row, (metric, _name) in enumerate(_METRICS):
            clock = preview.clocks.get(metric)
            target = terms.applied.terms.targets.get(metric)
            due = clock.due_at if clock is not None else None
            cells = [
                format_duration(target) if target is not None else "—",
                _when(due, site_zone) if due is not None else _not_counting(metric),
                _when(due, self._zone) if due is not None else "",
            ]
            if clock is not None and clock.breached:
                cells[1] += " · already breached"
            for column, text in enumerate(cells, start=1):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._show_rule(f"Rule: {terms.explain()}")
        self._update_save()
        self.previewShown.emit()

    def _preview_failed(self, asked: int, exc: BaseException) -> None:
        if asked != self._asked or not shiboken6.isValid(self):
            return
        self._clear_table()
        self._show_problem(exc)

    def _clear_table(self) -> None:
        for row in range(self.table.rowCount()):
            for column in range(1, self.table.columnCount()):
                self.table.setItem(row, column, QTableWidgetItem(""))

    def _show_rule(self, text: str) -> None:
        self.rule_label.setText(text)

    # ------------------------------------------------------------------ saving

    def command(self) -> CreateTicket:
        """The ticket as filled in, checked by the command itself (raises on bad input)."""
        records = self._records
        if records is None or records.customer.id is None:
            raise ValidationError(
                "Pick the customer first: type part of their name, a site or a contact.",
                "customer",
            )
        received = self.received_at()
        if received > self._now() + timedelta(minutes=1):
            raise ValidationError(
                "That is in the future; a ticket is dated when it came in, never ahead.", "at"
            )
        me = self._me
        return CreateTicket(
            actor_id=me.id if me is not None else None,
            at=received,
            customer_id=records.customer.id,
            subject=self.subject_edit.text().strip(),
            category=self.category_combo.currentText().strip().lower(),
            priority=Priority(self.priority_combo.currentData()),
            site_id=self.site_combo.currentData(),
            contact_id=self.contact_combo.currentData(),
            description=self.description_edit.toPlainText().strip(),
            assignee_id=self.assignee_combo.currentData(),
            channel=str(self.channel_combo.currentData()),
        )

    @Slot()
    def save(self) -> None:
        self.errors.clear()
        self.form_error.hide()
        if self._me is None:
            self._show_form_error(
                "Sign in first (File → Sign in as…): a ticket says who logged it."
            )
            return
        try:
            command = self.command()
        except ValidationError as exc:
            self._show_problem(exc)
            return
        self._saving = True
        self._update_save()
        self.save_button.setText("Saving…")
        customer = self._records.customer.name if self._records is not None else "the customer"
        self._service.execute(
            command,
            self._saved,
            self._save_failed,
            label=f"Logging a ticket for {customer}",
        )

    def _saved(self, outcome: Outcome) -> None:
        self._saving = False
        self._dirty = False
        ticket = outcome.result
        if isinstance(ticket, Ticket):
            self.saved.emit(ticket)
        if shiboken6.isValid(self):
            self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if not shiboken6.isValid(self):
            return
        self.save_button.setText("Log ticket")
        self._update_save()
        self._show_problem(exc)

    def _show_problem(self, exc: BaseException) -> None:
        field = getattr(exc, "field", None)
        name = _FIELD_WIDGETS.get(field or "")
        widget = self.findChild(QWidget, name) if name else None
        if widget is not None:
            self.errors.show(widget, str(exc))
        else:
            self._show_form_error(str(exc))
        self.problemShown.emit(str(exc))

    def _show_form_error(self, message: str) -> None:
        self.form_error.setText(message)
        self.form_error.show()

    # ------------------------------------------------------------------ closing

    @property
    def dirty(self) -> bool:
        return self._dirty and not self._saving

    def reject(self) -> None:
        if self.dirty and not self._confirm("Discard the new ticket?", "Discard?"):
            return
        self._dirty = False
        super().reject()

    def done(self, result: int) -> None:
        self._preview_timer.stop()
        super().done(result)


def _not_counting(metric: Metric) -> str:
    if metric is Metric.NEXT_UPDATE:
        return "starts when the customer writes and waits for an answer"
    return "not counting"


def _qt_local(at: datetime, zone: tzinfo) -> QDateTime:
    """``at`` as the wall-clock time in ``zone``, for a QDateTimeEdit that shows it as is."""
    local = at.astimezone(zone)
    return QDateTime(
        QDate(local.year, local.month, local.day), QTime(local.hour, local.minute), QTimeZone.utc()
    )
