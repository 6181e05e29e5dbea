"""A ticket's timeline as a list model: one row per event, oldest first.

Each row shows an icon for the kind of event, what happened, who did it and when (in the
technician's zone), and the text below: its first :data:`PREVIEW_CHARS` characters while
the entry is closed; an open entry (:meth:`TimelineModel.set_expanded`) is read whole, in
place (the view shows it as selectable text). Loading another ticket resets the model (a
different data set); new events on the same ticket are appended as inserted rows so the
view keeps its scroll position and the entries open stay open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QIcon

from desktop_app.domain import EventKind, TicketEvent
from desktop_app.models.glyphs import badge_icon
from desktop_app.models.plain_text import plain_tooltip

__all__ = [
    "COPY_ROLE",
    "EVENT_ROLE",
    "EXPANDED_ROLE",
    "KIND_LABELS",
    "KIND_ROLE",
    "PREVIEW_CHARS",
    "TEXT_ROLE",
    "TimelineModel",
    "event_headline",
    "kind_icon",
]

_Index = QModelIndex | QPersistentModelIndex

EVENT_ROLE = Qt.ItemDataRole.UserRole + 11
KIND_ROLE = Qt.ItemDataRole.UserRole + 12
EXPANDED_ROLE = Qt.ItemDataRole.UserRole + 13  # the entry is open: read whole, in place
TEXT_ROLE = Qt.ItemDataRole.UserRole + 14  # the entry's whole text, as it was written
COPY_ROLE = Qt.ItemDataRole.UserRole + 15  # what "copy" puts on the clipboard

PREVIEW_CHARS = 400  # of a closed entry's text
TOOLTIP_CHARS = 400  # a tooltip is a glance, not a reader

KIND_LABELS: Mapping[EventKind, str] = {
    EventKind.CREATED: "Ticket opened",
    EventKind.CUSTOMER_MESSAGE: "Customer message",
    EventKind.PUBLIC_REPLY: "Reply to customer",
    EventKind.PHONE_CALL: "Phone call",
    EventKind.INTERNAL_NOTE: "Internal note",
    EventKind.WAITING_ON_CUSTOMER: "Waiting on customer",
    EventKind.WAITING_OFF: "Resumed",
    EventKind.PRIORITY_CHANGED: "Priority changed",
    EventKind.CATEGORY_CHANGED: "Category changed",
    EventKind.POLICY_CHANGED: "Policy changed",
    EventKind.ASSIGNED: "Assigned",
    EventKind.ESCALATED: "Escalated",
    EventKind.BREACHED: "SLA breached",
    EventKind.RESOLVED: "Resolved",
    EventKind.REOPENED: "Reopened",
}

# (glyph, colour, outline): the icon of each kind of event.
_KIND_BADGES: Mapping[EventKind, tuple[str, str, bool]] = {
    EventKind.CREATED: ("+", "#1565c0", False),
    EventKind.CUSTOMER_MESSAGE: ("C", "#6a1b9a", False),
    EventKind.PUBLIC_REPLY: ("R", "#1b7f3b", False),
    EventKind.PHONE_CALL: ("☎", "#1b7f3b", False),
    EventKind.INTERNAL_NOTE: ("N", "#8d6e00", True),
    EventKind.WAITING_ON_CUSTOMER: ("‖", "#5f6368", False),
    EventKind.WAITING_OFF: ("▶", "#5f6368", True),
    EventKind.PRIORITY_CHANGED: ("P", "#00838f", True),
    EventKind.CATEGORY_CHANGED: ("#", "#00838f", True),
    EventKind.POLICY_CHANGED: ("§", "#00838f", True),
    EventKind.ASSIGNED: ("→", "#1565c0", True),
    EventKind.ESCALATED: ("↑", "#a35a00", False),
    EventKind.BREACHED: ("!", "#b3261e", False),
    EventKind.RESOLVED: ("✓", "#1b7f3b", False),
    EventKind.REOPENED: ("↺", "#a35a00", True),
}

_NOTE_BACKGROUND = QColor("#fff8e1")  # internal notes: never seen by the customer
_BREACH_FOREGROUND = QColor("#b3261e")


def kind_icon(kind: EventKind) -> QIcon:
    glyph, colour, outline = _KIND_BADGES[kind]
    return badge_icon(glyph, colour, outline=outline)


def event_headline(event: TicketEvent) -> str:
    """What happened, in a few words: ``Priority changed to P2 high``."""
    kind = event.kind
    label = KIND_LABELS.get(kind, kind.value.replace("_", " ").capitalize())
    if kind is EventKind.PRIORITY_CHANGED and event.priority is not None:
        return f"Priority changed to {event.priority.label}"
    if kind is EventKind.CATEGORY_CHANGED and event.category:
        return f"Category changed to {event.category}"
    if kind is EventKind.ESCALATED and event.level is not None:
        return f"Escalated to level {event.level}"
    if kind is EventKind.BREACHED and event.metric is not None:
        return f"{event.metric.label.capitalize()} SLA breached"
    if kind is EventKind.ASSIGNED and event.assignee_id is None and not event.text:
        return "Unassigned"
    return label


class TimelineModel(QAbstractListModel):
    """The events of one ticket. ``zone`` is the technician's time zone for display."""

    def __init__(self, parent: QObject | None = None, *, zone: tzinfo = UTC) -> None:
        super().__init__(parent)
        self._events: list[TicketEvent] = []
        self._ticket_id: int | None = None
        self._zone = zone
        self._expanded: set[int] = set()  # rows read whole

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        row = index.row()
        event = self._events[row]
        if role == Qt.ItemDataRole.DisplayRole:
            if row in self._expanded:
                return self.headline(event)  # the text is shown whole below, selectable
            return self.display_text(event)
        if role == EXPANDED_ROLE:
            return row in self._expanded
        if role == TEXT_ROLE:
            return event.text.strip()
        if role == COPY_ROLE:
            text = event.text.strip()
            return f"{self.headline(event)}\n{text}" if text else self.headline(event)
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(event.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            utc = event.at.astimezone(UTC)
            text = event.text.strip()
            if len(text) > TOOLTIP_CHARS:
                text = f"{text[: TOOLTIP_CHARS - 1]}…\n\n(click the entry to read all of it)"
            return plain_tooltip(
                f"{event_headline(event)} by {event.author or 'system'}\n"
                f"{self.local_time(event.at)} (your time) · {utc:%Y-%m-%d %H:%M} UTC"
                + (f"\n\n{text}" if text else "")
            )
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.display_text(event).replace("\n", ". ")
        if role == Qt.ItemDataRole.BackgroundRole and event.kind is EventKind.INTERNAL_NOTE:
            return QBrush(_NOTE_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and event.kind is EventKind.BREACHED:
            return QBrush(_BREACH_FOREGROUND)
        if role == EVENT_ROLE:
            return event
        if role == KIND_ROLE:
            return event.kind.value
        return None

    # ------------------------------------------------------------------ content

    @property
    def ticket_id(self) -> int | None:
        return self._ticket_id

    @property
    def events(self) -> tuple[TicketEvent, ...]:
        return tuple(self._events)

    def event_at(self, row: int) -> TicketEvent:
        return self._events[row]

    def is_expanded(self, row: int) -> bool:
        return row in self._expanded

    def set_expanded(self, row: int, expanded: bool) -> None:
        """Open an entry to read it whole (``True``) or close it back to its first lines."""
        if not 0 <= row < len(self._events):
            raise IndexError(
                f"no timeline entry at row {row}; the timeline has {len(self._events)}"
            )
        if (row in self._expanded) == expanded:
            return
        if expanded:
            self._expanded.add(row)
        else:
            self._expanded.discard(row)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def toggle_expanded(self, row: int) -> bool:
        """Open a closed entry or close an open one; returns whether it is open now."""
        self.set_expanded(row, not self.is_expanded(row))
        return self.is_expanded(row)

    def set_zone(self, zone: tzinfo) -> None:
        """Show times in another zone (the signed-in technician changed)."""
        if zone == self._zone:
            return
        self._zone = zone
        if self._events:
            self.dataChanged.emit(self.index(0), self.index(len(self._events) - 1))

    def set_timeline(self, ticket_id: int | None, events: Sequence[TicketEvent]) -> None:
        """Show ``events`` of ``ticket_id``. Newer events of the ticket already shown are
        appended; another ticket replaces the list."""
        new = list(events)
        old = self._events
        same_ticket = ticket_id is not None and ticket_id == self._ticket_id
        if same_ticket and len(new) >= len(old) and new[: len(old)] == old:
            if len(new) > len(old):
                self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)
                self._events = new
                self.endInsertRows()
            return
        self.beginResetModel()
        self._ticket_id = ticket_id
        self._events = new
        self._expanded = set()
        self.endResetModel()

    def clear(self) -> None:
        self.set_timeline(None, ())

    # ------------------------------------------------------------------ display

    def local_time(self, at: datetime) -> str:
        return f"{at.astimezone(self._zone):%a %d %b %H:%M}"

    def headline(self, event: TicketEvent) -> str:
        """``Reply to customer · Priya Raman · Tue 01 Dec 10:00``."""
        return f"{event_headline(event)} · {event.author or 'system'} · {self.local_time(event.at)}"

    def display_text(self, event: TicketEvent) -> str:
        """A closed entry: the headline and the first :data:`PREVIEW_CHARS` characters."""
        head = self.headline(event)
        text = event.text.strip()
        if not text:
            return head
        if len(text) > PREVIEW_CHARS:
            text = f"{text[: PREVIEW_CHARS - 1]}… ({len(text):,} characters: click to read all)"
        return f"{head}\n{text}"
