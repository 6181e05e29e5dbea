"""A customer's criticism notes as a table: open ones first, then newest first.

Columns: sentiment (icon and word), received, source, the customer's words, follow-up
owner, follow-up due date and state. Overdue follow-ups of open notes are shown in red.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, tzinfo
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon

from desktop_app.domain import CriticismNote, Sentiment
from desktop_app.models.glyphs import badge_icon
from desktop_app.models.plain_text import plain_tooltip

__all__ = [
    "NOTE_ROLE",
    "CriticismColumn",
    "CriticismModel",
    "sentiment_icon",
    "sort_notes",
]

_Index = QModelIndex | QPersistentModelIndex

NOTE_ROLE = Qt.ItemDataRole.UserRole + 21


class CriticismColumn(IntEnum):
    SENTIMENT = 0
    RECEIVED = 1
    SOURCE = 2
    TEXT = 3
    OWNER = 4
    DUE = 5
    STATE = 6


_HEADERS = {
    CriticismColumn.SENTIMENT: "Sentiment",
    CriticismColumn.RECEIVED: "Received",
    CriticismColumn.SOURCE: "Source",
    CriticismColumn.TEXT: "What the customer said",
    CriticismColumn.OWNER: "Follow-up",
    CriticismColumn.DUE: "Due",
    CriticismColumn.STATE: "State",
}

_SENTIMENT_BADGES = {
    Sentiment.NEGATIVE: ("☹", "#b3261e"),
    Sentiment.NEUTRAL: ("–", "#5f6368"),
    Sentiment.POSITIVE: ("☺", "#1b7f3b"),
}

_OVERDUE = QColor("#b3261e")
_RESOLVED = QColor("#7b8794")


def sentiment_icon(sentiment: Sentiment) -> QIcon:
    glyph, colour = _SENTIMENT_BADGES[Sentiment(sentiment)]
    return badge_icon(glyph, colour)


def sort_notes(notes: Sequence[CriticismNote]) -> list[CriticismNote]:
    """Open notes first (negative ones on top), then newest first."""
    return sorted(
        notes,
        key=lambda n: (
            not n.is_open,
            not (n.is_open and n.sentiment is Sentiment.NEGATIVE),
            -n.received_at.timestamp(),
            -(n.id or 0),
        ),
    )


class CriticismModel(QAbstractTableModel):
    """Criticism notes of one customer. ``owners`` maps technician ids to names;
    ``today`` (the technician's local date) decides which follow-ups are overdue."""

    def __init__(self, parent: QObject | None = None, *, zone: tzinfo = UTC) -> None:
        super().__init__(parent)
        self._notes: list[CriticismNote] = []
        self._owners: dict[int, str] = {}
        self._today: date | None = None
        self._zone = zone

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._notes)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CriticismColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(CriticismColumn)
        ):
            return _HEADERS[CriticismColumn(section)]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._notes):
            return None
        note = self._notes[index.row()]
        column = CriticismColumn(index.column())
        if role == NOTE_ROLE:
            return note
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(note, column)
        if role == Qt.ItemDataRole.DecorationRole and column is CriticismColumn.SENTIMENT:
            return sentiment_icon(note.sentiment)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._tooltip(note))
        if role == Qt.ItemDataRole.ForegroundRole:
            if not note.is_open:
                return QBrush(_RESOLVED)
            if column is CriticismColumn.DUE and self.overdue(note):
                return QBrush(_OVERDUE)
        if (
            role == Qt.ItemDataRole.FontRole
            and note.is_open
            and note.sentiment is Sentiment.NEGATIVE
            and column is CriticismColumn.TEXT
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None

    # ------------------------------------------------------------------ content

    def set_notes(
        self,
        notes: Sequence[CriticismNote],
        owners: Mapping[int, str] | None = None,
        today: date | None = None,
    ) -> None:
        """Show another customer's notes (or a fresh read of the same customer's)."""
        self.beginResetModel()
        self._notes = sort_notes(notes)
        self._owners = dict(owners or {})
        self._today = today
        self.endResetModel()

    def note_at(self, row: int) -> CriticismNote:
        return self._notes[row]

    def row_of(self, note_id: int) -> int | None:
        return next((i for i, n in enumerate(self._notes) if n.id == note_id), None)

    @property
    def notes(self) -> tuple[CriticismNote, ...]:
        return tuple(self._notes)

    def open_negative(self) -> list[CriticismNote]:
        return [n for n in self._notes if n.is_open and n.sentiment is Sentiment.NEGATIVE]

    def overdue(self, note: CriticismNote) -> bool:
        return (
            note.is_open
            and note.follow_up_due is not None
            and self._today is not None
            and note.follow_up_due < self._today
        )

    # ------------------------------------------------------------------ display

    def _display(self, note: CriticismNote, column: CriticismColumn) -> str:
        if column is CriticismColumn.SENTIMENT:
            return note.sentiment.value
        if column is CriticismColumn.RECEIVED:
            return f"{note.received_at.astimezone(self._zone):%d %b %Y}"
        if column is CriticismColumn.SOURCE:
            return note.source.value
        if column is CriticismColumn.TEXT:
            return note.text.replace("\n", " ")
        if column is CriticismColumn.OWNER:
            if note.follow_up_owner_id is None:
                return "—"
            return self._owners.get(note.follow_up_owner_id, f"#{note.follow_up_owner_id}")
        if column is CriticismColumn.DUE:
            if note.follow_up_due is None:
                return "—"
            text = f"{note.follow_up_due:%d %b %Y}"
            return f"{text} (overdue)" if self.overdue(note) else text
        if note.is_open:
            return "open"
        assert note.resolved_at is not None
        return f"resolved {note.resolved_at.astimezone(self._zone):%d %b}"

    def _tooltip(self, note: CriticismNote) -> str:
        lines = [
            f"{note.sentiment.value.capitalize()} · {note.source.value} · "
            f"{note.received_at.astimezone(self._zone):%a %d %b %Y %H:%M}",
            note.text,
        ]
        if note.follow_up_owner_id is not None:
            owner = self._owners.get(note.follow_up_owner_id, f"#{note.follow_up_owner_id}")
            due = f", due {note.follow_up_due:%d %b %Y}" if note.follow_up_due else ""
            lines.append(f"Follow-up: {owner}{due}")
        lines.append("Open" if note.is_open else "Resolved")
        return "\n".join(lines)
