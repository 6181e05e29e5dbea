"""Criticism notes: the list in the customer pane and the add/edit dialog.

A note records what the customer complained about (or praised): source, sentiment, the
customer's words, an optional ticket, a follow-up owner and due date. The dialog checks what
it can before anything is written (no text, a follow-up date in the past) and shows the
problem inline; the store's own refusal lands there too. The dialog closes only once the
note is saved, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo

import shiboken6
from PySide6.QtCore import QDate, QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import (
    CriticismNote,
    FeedbackSource,
    Sentiment,
    Technician,
    Ticket,
    ValidationError,
)
from desktop_app.models.criticism_model import CriticismColumn, CriticismModel, sentiment_icon

__all__ = ["CriticismDialog", "CriticismPanel", "first_line", "local_date"]


class CriticismDialog(QDialog):
    """Add a criticism note for a customer, or edit one (``note`` given).

    ``submitted(note)`` carries the note to save once the form is valid; whoever saves it
    calls :meth:`saved` (closes) or :meth:`show_error` (stays open, keeps the text).
    """

    submitted = Signal(object)  # CriticismNote

    def __init__(
        self,
        customer_id: int,
        *,
        technicians: Sequence[Technician],
        tickets: Sequence[Ticket] = (),
        note: CriticismNote | None = None,
        ticket_id: int | None = None,
        today: date,
        now: datetime,
        zone: tzinfo = UTC,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("criticismDialog")
        self.setWindowTitle("Edit criticism note" if note is not None else "Add criticism note")
        self.customer_id = customer_id
        self.original = note
        self._today = today
        self._now = now
        self._zone = zone
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.sentiment_combo = QComboBox(self)
        self.sentiment_combo.setObjectName("sentimentCombo")
        for sentiment in Sentiment:
            self.sentiment_combo.addItem(
                sentiment_icon(sentiment), sentiment.value.capitalize(), sentiment.value
            )
        form.addRow("Sentiment:", self.sentiment_combo)
        self.source_combo = QComboBox(self)
        self.source_combo.setObjectName("sourceCombo")
        for source in FeedbackSource:
            self.source_combo.addItem(source.value.capitalize(), source.value)
        form.addRow("Source:", self.source_combo)
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setObjectName("criticismText")
        self.text_edit.setPlaceholderText("What the customer said, in their words…")
        self.text_edit.setTabChangesFocus(True)
        form.addRow("Text:", self.text_edit)
        self.ticket_combo = QComboBox(self)
        self.ticket_combo.setObjectName("ticketCombo")
        self.ticket_combo.addItem("No ticket", None)
        for ticket in tickets:
            self.ticket_combo.addItem(f"{ticket.number} · {ticket.subject}", ticket.id)
        form.addRow("Ticket:", self.ticket_combo)
        self.owner_combo = QComboBox(self)
        self.owner_combo.setObjectName("ownerCombo")
        self.owner_combo.addItem("No follow-up", None)
        for technician in technicians:
            if technician.active:
                self.owner_combo.addItem(
                    f"{technician.name} ({technician.role.value})", technician.id
                )
        form.addRow("Follow-up by:", self.owner_combo)
        due_row = QHBoxLayout()
        self.due_check = QCheckBox("Due on", self)
        self.due_check.setObjectName("dueCheck")
        self.due_edit = QDateEdit(self)
        self.due_edit.setObjectName("dueEdit")
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("ddd dd MMM yyyy")
        self.due_edit.setDate(_qdate(today))
        self.due_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        due_row.addWidget(self.due_check)
        due_row.addWidget(self.due_edit, 1)
        form.addRow("Follow-up:", due_row)
        layout.addLayout(form)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("inlineError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if note is not None:
            self._fill(note)
        elif ticket_id is not None:
            self.ticket_combo.setCurrentIndex(max(0, self.ticket_combo.findData(ticket_id)))
            self.sentiment_combo.setCurrentIndex(
                self.sentiment_combo.findData(Sentiment.NEGATIVE.value)
            )
        # a message shown stays only while it is still true: every edit checks again
        self.text_edit.textChanged.connect(self._recheck)
        self.due_check.toggled.connect(self._recheck)
        self.due_edit.dateChanged.connect(self._recheck)
        for combo in (self.sentiment_combo, self.source_combo, self.ticket_combo, self.owner_combo):
            combo.currentIndexChanged.connect(self._recheck)
        self.resize(460, self.sizeHint().height())

    def _fill(self, note: CriticismNote) -> None:
        self.sentiment_combo.setCurrentIndex(self.sentiment_combo.findData(note.sentiment.value))
        self.source_combo.setCurrentIndex(self.source_combo.findData(note.source.value))
        self.text_edit.setPlainText(note.text)
        if note.ticket_id is not None:
            index = self.ticket_combo.findData(note.ticket_id)
            if index < 0:
                self.ticket_combo.addItem(f"ticket #{note.ticket_id}", note.ticket_id)
                index = self.ticket_combo.count() - 1
            self.ticket_combo.setCurrentIndex(index)
        if note.follow_up_owner_id is not None:
            self.owner_combo.setCurrentIndex(
                max(0, self.owner_combo.findData(note.follow_up_owner_id))
            )
        if note.follow_up_due is not None:
            self.due_check.setChecked(True)
            self.due_edit.setDate(_qdate(note.follow_up_due))

    def note(self) -> CriticismNote:
        """The note the form describes; :class:`ValidationError` names what is wrong."""
        text = self.text_edit.toPlainText().strip()
        if not text:
            raise ValidationError(
                "Write down what the customer said; a criticism note needs their words.",
                "text",
            )
        due: date | None = None
        if self.due_check.isChecked():
            picked = self.due_edit.date()
            due = date(picked.year(), picked.month(), picked.day())
            unchanged = self.original is not None and self.original.follow_up_due == due
            if due < self._today and not unchanged:
                raise ValidationError(
                    f"The follow-up date {due:%d %b %Y} is in the past; pick today "
                    f"({self._today:%d %b %Y}) or a later day.",
                    "follow_up_due",
                )
        owner = self.owner_combo.currentData()
        ticket = self.ticket_combo.currentData()
        sentiment = Sentiment(self.sentiment_combo.currentData())
        source = FeedbackSource(self.source_combo.currentData())
        if self.original is not None:
            return replace(
                self.original,
                sentiment=sentiment,
                source=source,
                text=text,
                ticket_id=ticket if isinstance(ticket, int) else None,
                follow_up_owner_id=owner if isinstance(owner, int) else None,
                follow_up_due=due,
            )
        return CriticismNote(
            customer_id=self.customer_id,
            received_at=self._now,
            source=source,
            sentiment=sentiment,
            text=text,
            ticket_id=ticket if isinstance(ticket, int) else None,
            follow_up_owner_id=owner if isinstance(owner, int) else None,
            follow_up_due=due,
        )

    @Slot()
    def _recheck(self, *_args: object) -> None:
        """After an edit, the message shown says what is wrong now: the form's problem
        while there is one, nothing once the form is valid (a refusal of the last save
        was about what has just been changed)."""
        if self.error_label.isHidden():
            return
        try:
            self.note()
        except ValidationError as exc:
            self.error_label.setText(str(exc))
            return
        self.error_label.hide()

    @Slot()
    def submit(self) -> None:
        try:
            note = self.note()
        except ValidationError as exc:
            self.show_error(str(exc))
            return
        self.error_label.hide()
        self.buttons.setEnabled(False)
        self.submitted.emit(note)

    def show_error(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return  # closed while the note was being saved
        self.buttons.setEnabled(True)
        self.error_label.setText(message)
        self.error_label.show()

    def saved(self) -> None:
        if shiboken6.isValid(self):
            self.accept()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class CriticismPanel(QWidget):
    """The criticism list with Add, Edit and Resolve; emits what the technician asked."""

    addRequested = Signal()
    editRequested = Signal(object)  # CriticismNote
    resolveRequested = Signal(object)  # CriticismNote

    def __init__(self, parent: QWidget | None = None, *, zone: tzinfo = UTC) -> None:
        super().__init__(parent)
        self.setObjectName("criticismPanel")
        self.model = CriticismModel(self, zone=zone)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableView(self)
        self.table.setObjectName("criticismTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CriticismColumn.TEXT, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (CriticismColumn.SENTIMENT, 92),
            (CriticismColumn.RECEIVED, 88),
            (CriticismColumn.SOURCE, 64),
            (CriticismColumn.OWNER, 110),
            (CriticismColumn.DUE, 96),
            (CriticismColumn.STATE, 90),
        ):
            self.table.setColumnWidth(column, width)
        self.table.setMinimumHeight(120)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add note…", self)
        self.add_button.setObjectName("addCriticismButton")
        self.edit_button = QPushButton("Edit…", self)
        self.edit_button.setObjectName("editCriticismButton")
        self.resolve_button = QPushButton("Resolve", self)
        self.resolve_button.setObjectName("resolveCriticismButton")
        row.addWidget(self.add_button)
        row.addWidget(self.edit_button)
        row.addWidget(self.resolve_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.addRequested)
        self.edit_button.clicked.connect(self._edit)
        self.resolve_button.clicked.connect(self._resolve)
        self.table.doubleClicked.connect(lambda _i: self._edit())
        self.table.selectionModel().currentRowChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        self._selection_changed()

    def set_notes(
        self, notes: Sequence[CriticismNote], owners: Mapping[int, str], today: date
    ) -> None:
        keep = self.selected()
        self.model.set_notes(notes, owners, today)
        if keep is not None and keep.id is not None:
            row = self.model.row_of(keep.id)
            if row is not None:
                self.table.setCurrentIndex(self.model.index(row, 0))
        self._selection_changed()

    def selected(self) -> CriticismNote | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.note_at(index.row())

    def select_note(self, note_id: int) -> None:
        row = self.model.row_of(note_id)
        if row is not None:
            self.table.setCurrentIndex(self.model.index(row, 0))

    def _selection_changed(self, *_args: QModelIndex) -> None:
        note = self.selected()
        self.edit_button.setEnabled(note is not None)
        self.resolve_button.setEnabled(note is not None and note.is_open)

    def _edit(self) -> None:
        note = self.selected()
        if note is not None:
            self.editRequested.emit(note)

    def _resolve(self) -> None:
        note = self.selected()
        if note is not None and note.is_open:
            self.resolveRequested.emit(note)

    def set_enabled_for(self, signed_in: bool) -> None:
        self.add_button.setEnabled(signed_in)
        if not signed_in:
            self.edit_button.setEnabled(False)
            self.resolve_button.setEnabled(False)
        else:
            self._selection_changed()


def local_date(at: datetime, zone: tzinfo) -> date:
    return at.astimezone(zone).date()


def first_line(text: str, limit: int = 90) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
