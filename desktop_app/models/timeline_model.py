"""A ticket's timeline as a list model: one row per event, oldest first.

Each row shows an icon for the kind of event, what happened, who did it and when (in the
technician's zone), and the text below. Loading another ticket resets the model (a
different data set); new events on the same ticket are appended as inserted rows so the
view keeps its scroll position.
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
    "EVENT_ROLE",
    "KIND_LABELS",
    "KIND_ROLE",
    "TimelineModel",
    "event_headline",
    "kind_icon",
]

_Index = QModelIndex | QPersistentModelIndex

EVENT_ROLE = Qt.ItemDataRole.UserRole + 11
KIND_ROLE = Qt.ItemDataRole.UserRole + 12

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
        event = self._events[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display_text(event)
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(event.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            utc = event.at.astimezone(UTC)
            return plain_tooltip(
                f"{event_headline(event)} by {event.author or 'system'}\n"
                f"{self.local_time(event.at)} (your time) · {utc:%Y-%m-%d %H:%M} UTC"
                + (f"\n\n{event.text}" if event.text else "")
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
        self.endResetModel()

    def clear(self) -> None:
        self.set_timeline(None, ())

    # ------------------------------------------------------------------ display

    def local_time(self, at: datetime) -> str:
        return f"{at.astimezone(self._zone):%a %d %b %H:%M}"

    def display_text(self, event: TicketEvent) -> str:
        head = f"{event_headline(event)} · {event.author or 'system'} · {self.local_time(event.at)}"
        text = event.text.strip()
        if not text:
            return head
        if len(text) > 400:
            text = text[:399] + "…"
        return f"{head}\n{text}"
