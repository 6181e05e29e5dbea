"""The dispatch board's models: one column of ticket cards per technician, plus "Unassigned".

The board is the queue seen by assignee. It keeps the queue's ordering idea (see
:mod:`desktop_app.models.queue_model`): every card has a sort key computed once per ticket
change from its absolute deadline, so a column is a sorted list that time never reorders.

* a ticket change moves one card: within its column (``beginMoveRows``) or from one column
  to another (``beginRemoveRows`` there, ``beginInsertRows`` here), never a reset;
* a tick emits one ranged ``dataChanged`` per column for the cards its view shows;
* workload (open, at risk, breached) is counted by bisecting the sorted keys, O(log n);
* a drop is a domain command: :meth:`BoardColumnModel.dropMimeData` decodes the desk's own
  MIME payload (ticket ids with the versions they had when the drag started) and hands it
  to the board's assignment handler; the model itself never writes.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop_app.domain import Role, Technician
from desktop_app.domain.queue import QueueEntry
from desktop_app.models.queue_model import (
    ENTRY_ROLE,
    STATE_ROLE,
    TICKET_ID_ROLE,
    RowState,
    SortKey,
    format_remaining,
)
from desktop_app.models.queue_model import (
    _make_row as queue_row,  # the queue's own sort key and warning instant, shared
)
from desktop_app.models.queue_model import (
    _Row as QueueRow,
)
from desktop_app.models.ticket_mime import TICKETS_MIME, decode_tickets, encode_entries

_Index = QModelIndex | QPersistentModelIndex

COUNTDOWN_ROLE = Qt.ItemDataRole.UserRole + 20  # "2 h 10 min left"
HIGHLIGHT_ROLE = Qt.ItemDataRole.UserRole + 21  # 0.0 … 1.0: how strongly a moved card glows
OUTAGE_ROLE = Qt.ItemDataRole.UserRole + 22  # the ticket is an outage

HIGHLIGHT_SECONDS = 2.5
OUTAGE_CATEGORY = "outage"
UNASSIGNED_NAME = "Unassigned"

# A drop handler: (tickets as (id, version) pairs, target assignee id or None) -> accepted?
DropHandler = Callable[[list[tuple[int, int]], "int | None"], bool]


# ---------------------------------------------------------------------------------- shifts


@dataclass(frozen=True, slots=True)
class ShiftStatus:
    """A technician's local time and whether it falls inside their shift."""

    local: datetime
    on_shift: bool
    start: str
    end: str

    @property
    def text(self) -> str:
        """``10:42 · on shift until 16:30`` / ``05:36 · off shift until 08:00``."""
        if self.on_shift:
            return f"{self.local:%H:%M} · on shift until {self.end}"
        return f"{self.local:%H:%M} · off shift until {self.start}"


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def shift_status(technician: Technician, at: datetime) -> ShiftStatus:
    """Where ``at`` (aware) falls in the technician's daily shift, in their own zone.

    A shift that ends before it starts runs overnight (22:00–06:00); equal ends mean
    round the clock. An unknown zone or a malformed time counts as UTC / always on shift,
    so a typo in one record never hides a column.
    """
    try:
        zone: Any = ZoneInfo(technician.timezone)
    except (ValueError, OSError):
        zone = UTC
    local = at.astimezone(zone)
    try:
        start, end = _minutes(technician.shift_start), _minutes(technician.shift_end)
    except ValueError:
        return ShiftStatus(local, True, technician.shift_start, technician.shift_end)
    now = local.hour * 60 + local.minute
    if start == end:
        on = True
    elif start < end:
        on = start <= now < end
    else:
        on = now >= start or now < end
    return ShiftStatus(local, on, technician.shift_start, technician.shift_end)


# ---------------------------------------------------------------------------------- columns


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """Who a column stands for. ``technician`` is None for "Unassigned" and for an assignee
    the desk no longer lists; ``active`` says whether it may take tickets."""

    assignee_id: int | None
    name: str
    technician: Technician | None = None
    active: bool = True

    @property
    def is_unassigned(self) -> bool:
        return self.assignee_id is None

    @property
    def role(self) -> Role | None:
        return self.technician.role if self.technician is not None else None


@dataclass(frozen=True, slots=True)
class Workload:
    open: int
    at_risk: int
    breached: int

    @property
    def text(self) -> str:
        return f"{self.open} open · {self.at_risk} at risk · {self.breached} breached"


def card_state(row: QueueRow, now: float) -> RowState:
    """The same states as the queue: breached, at risk (a warning passed), ok, paused."""
    if row.due_ts is None:
        return RowState.PAUSED if row.paused else RowState.NONE
    if row.due_ts <= now:
        return RowState.BREACHED
    if row.warn_ts is not None and row.warn_ts <= now:
        return RowState.WARNING
    return RowState.OK


def countdown_text(row: QueueRow, now: float) -> str:
    """``2 h 10 min left``, ``breached 5 min ago``, ``paused · 3 h 00 min left``."""
    if row.due_ts is None:
        paused = [c for c in row.entry.clocks.values() if c.paused]
        if not paused:
            return "no clock running"
        left = min(c.remaining.total_seconds() for c in paused)
        return f"paused · {format_remaining(left)} left"
    if row.due_ts <= now:
        return f"breached {format_remaining(now - row.due_ts)} ago"
    calendar = row.entry.calendar
    remaining = row.due_ts - now
    if calendar is not None and not calendar.is_always_open:
        between = getattr(calendar, "seconds_between", None)
        if between is not None:
            remaining = float(between(now, row.due_ts))
        return f"{format_remaining(remaining)} left (business)"
    return f"{format_remaining(remaining)} left"


class BoardColumnModel(QAbstractListModel):
    """One column of the board: the cards of one assignee, nearest breach first."""

    def __init__(self, board: BoardModel, info: ColumnInfo) -> None:
        super().__init__(board)
        self._board = board
        self._info = info
        self._keys: list[SortKey] = []
        self._rows: dict[int, QueueRow] = {}
        self._warnings: list[tuple[float, int]] = []

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._keys)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._keys):
            return None
        row = self._rows[self._keys[index.row()][4]]
        entry = row.entry
        if role == TICKET_ID_ROLE:
            return entry.ticket_id
        if role == ENTRY_ROLE:
            return entry
        now = self._board.now()
        if role == STATE_ROLE:
            return int(card_state(row, now))
        if role == COUNTDOWN_ROLE:
            return countdown_text(row, now)
        if role == HIGHLIGHT_ROLE:
            return self._board.highlight_strength(entry.ticket_id, now)
        if role == OUTAGE_ROLE:
            return entry.category == OUTAGE_CATEGORY
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            state = card_state(row, now)
            return (
                f"{entry.number} · {state.label} · {countdown_text(row, now)} · "
                f"{entry.priority.label} · {entry.customer_name}"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            status = entry.status.value.replace("_", " ")
            lines = [
                f"{entry.number}: {entry.subject}",
                f"{entry.customer_name} ({entry.customer_tier.value.title()})",
                f"{entry.priority.label} · {entry.category} · {status}",
                f"{card_state(row, now).label.capitalize()}: {countdown_text(row, now)}",
            ]
            if entry.escalation_level:
                lines.append(f"Escalation level {entry.escalation_level}")
            return "\n".join(lines)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            # the column itself (the root) takes drops: a card lands by its deadline
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def mimeTypes(self) -> list[str]:
        return [TICKETS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = {i.row() for i in indexes if i.isValid() and i.row() < len(self._keys)}
        return encode_entries(self._rows[self._keys[r][4]].entry for r in sorted(rows))

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: _Index,
    ) -> bool:
        return (
            action == Qt.DropAction.MoveAction
            and not parent.isValid()
            and data is not None
            and data.hasFormat(TICKETS_MIME)
        )

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: _Index,
    ) -> bool:
        """Hand the dropped tickets to the board's assignment handler; True when it took
        them (the write itself finishes later, on the database thread)."""
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        return self._board.drop(decode_tickets(data), self._info.assignee_id)

    # ------------------------------------------------------------------ queries

    @property
    def info(self) -> ColumnInfo:
        return self._info

    def ticket_id_at(self, row: int) -> int:
        return self._keys[row][4]

    def entry_at(self, row: int) -> QueueEntry:
        return self._rows[self._keys[row][4]].entry

    def ticket_ids(self) -> list[int]:
        return [key[4] for key in self._keys]

    def row_of(self, ticket_id: int) -> int | None:
        row = self._rows.get(ticket_id)
        if row is None:
            return None
        i = bisect_left(self._keys, row.key)
        return i if i < len(self._keys) and self._keys[i] == row.key else None

    def index_of(self, ticket_id: int) -> QModelIndex:
        row = self.row_of(ticket_id)
        return QModelIndex() if row is None else self.index(row, 0)

    def workload(self, now: float) -> Workload:
        """Open, at risk and breached cards: breached ones are a prefix of the sorted
        keys (they passed their deadline first); warnings have their own sorted list."""
        breached = bisect_right(self._keys, (0, now, 9, float("inf"), 1 << 62))
        warned = bisect_right(self._warnings, (now, 1 << 62))
        return Workload(len(self._keys), max(0, warned - breached), breached)

    # ------------------------------------------------------------------ changes (board only)

    def _set_info(self, info: ColumnInfo) -> None:
        self._info = info

    def _fill(self, rows: Iterable[QueueRow]) -> None:
        # only on a column the board has just created, before any view shows it
        self._rows = {r.entry.ticket_id: r for r in rows}
        self._keys = sorted(r.key for r in self._rows.values())
        self._warnings = sorted(
            (r.warn_ts, r.key[4]) for r in self._rows.values() if r.warn_ts is not None
        )

    def _insert(self, row: QueueRow) -> None:
        at = bisect_left(self._keys, row.key)
        self.beginInsertRows(QModelIndex(), at, at)
        self._keys.insert(at, row.key)
        self._rows[row.entry.ticket_id] = row
        if row.warn_ts is not None:
            insort(self._warnings, (row.warn_ts, row.key[4]))
        self.endInsertRows()

    def _take(self, ticket_id: int) -> None:
        old = self._rows.get(ticket_id)
        if old is None:
            return
        at = bisect_left(self._keys, old.key)
        self.beginRemoveRows(QModelIndex(), at, at)
        del self._keys[at]
        del self._rows[ticket_id]
        self._forget_warning(old)
        self.endRemoveRows()

    def _replace(self, row: QueueRow) -> None:
        """The same ticket, changed: move its one card to where its new key sorts."""
        ticket_id = row.entry.ticket_id
        old = self._rows[ticket_id]
        old_at = bisect_left(self._keys, old.key)
        self._forget_warning(old)
        if row.warn_ts is not None:
            insort(self._warnings, (row.warn_ts, row.key[4]))
        self._rows[ticket_id] = row
        del self._keys[old_at]
        target = bisect_left(self._keys, row.key)
        self._keys.insert(old_at, old.key)  # put back until Qt is told
        if target == old_at:
            self._keys[old_at] = row.key
            self.dataChanged.emit(self.index(old_at, 0), self.index(old_at, 0))
            return
        destination = target if target < old_at else target + 1
        if not self.beginMoveRows(QModelIndex(), old_at, old_at, QModelIndex(), destination):
            raise RuntimeError(f"Qt refused to move card {old_at} to {destination}")
        del self._keys[old_at]
        self._keys.insert(target, row.key)
        self.endMoveRows()
        self.dataChanged.emit(self.index(target, 0), self.index(target, 0))

    def _forget_warning(self, row: QueueRow) -> None:
        if row.warn_ts is None:
            return
        item = (row.warn_ts, row.key[4])
        i = bisect_left(self._warnings, item)
        if i < len(self._warnings) and self._warnings[i] == item:
            del self._warnings[i]

    def _refresh(self, first: int, last: int, roles: list[int]) -> None:
        count = len(self._keys)
        if count == 0 or last < first:
            return
        first = max(0, min(first, count - 1))
        last = max(first, min(last, count - 1))
        self.dataChanged.emit(self.index(first, 0), self.index(last, 0), roles)


_TICK_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    COUNTDOWN_ROLE,
    STATE_ROLE,
]


def _column_order(info: ColumnInfo) -> tuple[int, int, str]:
    """Unassigned first (the dispatcher's inbox), then technicians, dispatchers, managers,
    each by name; assignees who can no longer take tickets last."""
    if info.is_unassigned:
        return (0, 0, "")
    rank = {Role.TECHNICIAN: 0, Role.DISPATCHER: 1, Role.MANAGER: 2}
    role = info.role
    return (1 if info.active else 2, rank.get(role, 3) if role is not None else 3, info.name)


class BoardModel(QObject):
    """Every open ticket, grouped by assignee into :class:`BoardColumnModel` columns.

    ``now`` returns epoch seconds (injected so tests never wait). Columns: "Unassigned",
    every active technician, and any inactive or unknown assignee that still holds open
    tickets (so those can be dragged away; dropping onto them is refused by the handler).
    """

    columnsReset = Signal()  # the set of columns changed: rebuild every column widget
    columnAdded = Signal(int)  # a column appeared at this position
    workloadChanged = Signal()  # a card joined or left a column (time changes it too)
    highlightsChanged = Signal(bool)  # whether any card is still highlighted

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._columns: list[BoardColumnModel] = []
        self._by_assignee: dict[int | None, BoardColumnModel] = {}
        self._column_of_ticket: dict[int, int | None] = {}
        self._technicians: dict[int, Technician] = {}
        self._highlights: dict[int, float] = {}  # ticket id -> when the glow ends
        self._drop_handler: DropHandler | None = None
        self._loaded = False
        self._batch_depth = 0
        self._workload_dirty = False

    # ------------------------------------------------------------------ set-up

    def now(self) -> float:
        return self._now()

    def now_utc(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)

    def set_drop_handler(self, handler: DropHandler | None) -> None:
        """Who turns a drop into an assignment (the dispatch board's assignment path)."""
        self._drop_handler = handler

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self, entries: Iterable[QueueEntry], technicians: Iterable[Technician]) -> None:
        """Fill the board from the whole desk (replaces what was there)."""
        self.load_rows([queue_row(e) for e in entries if e.status.is_open], technicians)

    def load_rows(self, rows: Sequence[QueueRow], technicians: Iterable[Technician]) -> None:
        """Fill the board from rows the queue already made (:meth:`QueueModel.rows`): the
        sort keys and warning instants are shared, not worked out again."""
        self._technicians = {t.id: t for t in technicians if t.id is not None}
        rows = [r for r in rows if r.entry.status.is_open]
        infos: dict[int | None, ColumnInfo] = {None: ColumnInfo(None, UNASSIGNED_NAME)}
        for tech in self._technicians.values():
            if tech.active and tech.id is not None:
                infos[tech.id] = ColumnInfo(tech.id, tech.name, tech, True)
        grouped: dict[int | None, list[QueueRow]] = {key: [] for key in infos}
        for row in rows:
            assignee = row.entry.assignee_id
            if assignee not in infos:
                infos[assignee] = self._outside_info(row.entry)
                grouped[assignee] = []
            grouped[assignee].append(row)
        old = self._columns
        self._columns = []
        self._by_assignee = {}
        for info in sorted(infos.values(), key=_column_order):
            column = BoardColumnModel(self, info)
            column._fill(grouped[info.assignee_id])
            self._columns.append(column)
            self._by_assignee[info.assignee_id] = column
        self._column_of_ticket = {r.entry.ticket_id: r.entry.assignee_id for r in rows}
        self._highlights.clear()
        self._loaded = True
        self.columnsReset.emit()
        self.workloadChanged.emit()
        for column in old:
            column.deleteLater()

    def _outside_info(self, entry: QueueEntry) -> ColumnInfo:
        tech = self._technicians.get(entry.assignee_id) if entry.assignee_id else None
        name = tech.name if tech is not None else (entry.assignee_name or "Unknown technician")
        return ColumnInfo(entry.assignee_id, name, tech, active=False)

    # ------------------------------------------------------------------ queries

    @property
    def columns(self) -> list[BoardColumnModel]:
        return list(self._columns)

    def column(self, assignee_id: int | None) -> BoardColumnModel | None:
        return self._by_assignee.get(assignee_id)

    def column_of_ticket(self, ticket_id: int) -> BoardColumnModel | None:
        if ticket_id not in self._column_of_ticket:
            return None
        return self._by_assignee.get(self._column_of_ticket[ticket_id])

    def entry(self, ticket_id: int) -> QueueEntry | None:
        column = self.column_of_ticket(ticket_id)
        if column is None:
            return None
        row = column._rows.get(ticket_id)
        return row.entry if row is not None else None

    def total(self) -> int:
        return len(self._column_of_ticket)

    def technician(self, technician_id: int) -> Technician | None:
        return self._technicians.get(technician_id)

    def workload(self, assignee_id: int | None) -> Workload:
        column = self._by_assignee.get(assignee_id)
        return column.workload(self._now()) if column is not None else Workload(0, 0, 0)

    def shift(self, assignee_id: int | None) -> ShiftStatus | None:
        column = self._by_assignee.get(assignee_id)
        if column is None or column.info.technician is None:
            return None
        return shift_status(column.info.technician, self.now_utc())

    # ------------------------------------------------------------------ changes

    def upsert(self, entry: QueueEntry) -> None:
        """A ticket changed or arrived: its one card moves (or appears)."""
        if not self._loaded:
            return
        if not entry.status.is_open:
            self.remove(entry.ticket_id)
            return
        row = queue_row(entry)
        ticket_id = entry.ticket_id
        target = self._by_assignee.get(entry.assignee_id)
        if target is None:
            target = self._add_column(self._outside_info(entry))
        if ticket_id in self._column_of_ticket:
            source = self._by_assignee[self._column_of_ticket[ticket_id]]
            if source is target:
                target._replace(row)
                return
            source._take(ticket_id)
        target._insert(row)
        self._column_of_ticket[ticket_id] = entry.assignee_id
        self._workload_changed()

    def remove(self, ticket_id: int) -> None:
        """A ticket closed: its card leaves the board."""
        if ticket_id not in self._column_of_ticket:
            return
        assignee = self._column_of_ticket.pop(ticket_id)
        self._by_assignee[assignee]._take(ticket_id)
        self._highlights.pop(ticket_id, None)
        self._workload_changed()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many cards move at once (a drop of 100 tickets): the workload is announced
        once at the end instead of after every card."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._workload_dirty:
                self._workload_dirty = False
                self.workloadChanged.emit()

    def _workload_changed(self) -> None:
        if self._batch_depth:
            self._workload_dirty = True
        else:
            self.workloadChanged.emit()

    def _add_column(self, info: ColumnInfo) -> BoardColumnModel:
        column = BoardColumnModel(self, info)
        order = [_column_order(c.info) for c in self._columns]
        at = bisect_right(order, _column_order(info))
        self._columns.insert(at, column)
        self._by_assignee[info.assignee_id] = column
        self.columnAdded.emit(at)
        return column

    # ------------------------------------------------------------------ drops

    def drop(self, tickets: list[tuple[int, int]], assignee_id: int | None) -> bool:
        """Tickets dropped on ``assignee_id``'s column. Those already there are dropped
        from the request (a drop on the same column does nothing); the rest go to the
        assignment handler. True when the handler accepted them."""
        moving = [
            (tid, version)
            for tid, version in dict(tickets).items()
            if self._column_of_ticket.get(tid, -1) != assignee_id
        ]
        if not moving or self._drop_handler is None:
            return False
        return self._drop_handler(moving, assignee_id)

    # ------------------------------------------------------------------ time

    def tick(self, ranges: dict[int | None, tuple[int, int]]) -> None:
        """Refresh the countdowns of the cards each column's view shows
        (``{assignee_id: (first row, last row)}``) and the workload counts."""
        for assignee, (first, last) in ranges.items():
            column = self._by_assignee.get(assignee)
            if column is not None:
                column._refresh(first, last, _TICK_ROLES)
        self.workloadChanged.emit()

    def highlight(self, ticket_ids: Iterable[int], seconds: float = HIGHLIGHT_SECONDS) -> None:
        """Let these cards glow for a moment (moved cards, so the eye finds them)."""
        until = self._now() + seconds
        for ticket_id in ticket_ids:
            if ticket_id in self._column_of_ticket:
                self._highlights[ticket_id] = until
                self._refresh_card(ticket_id)
        self.highlightsChanged.emit(bool(self._highlights))

    def highlight_strength(self, ticket_id: int, now: float | None = None) -> float:
        until = self._highlights.get(ticket_id)
        if until is None:
            return 0.0
        now = self._now() if now is None else now
        return max(0.0, min(1.0, (until - now) / HIGHLIGHT_SECONDS))

    def highlighted(self) -> list[int]:
        return list(self._highlights)

    def fade_highlights(self) -> bool:
        """Repaint glowing cards and forget the ones whose glow ended; True if any remain."""
        now = self._now()
        for ticket_id, until in list(self._highlights.items()):
            if until <= now:
                del self._highlights[ticket_id]
            self._refresh_card(ticket_id)
        remaining = bool(self._highlights)
        if not remaining:
            self.highlightsChanged.emit(False)
        return remaining

    def _refresh_card(self, ticket_id: int) -> None:
        column = self.column_of_ticket(ticket_id)
        if column is None:
            return
        row = column.row_of(ticket_id)
        if row is not None:
            column._refresh(row, row, [HIGHLIGHT_ROLE])


def off_shift_after(technician: Technician, at: datetime) -> timedelta | None:
    """How long until the technician's shift starts (None when on shift now)."""
    status = shift_status(technician, at)
    if status.on_shift:
        return None
    start = _minutes(status.start)
    now = status.local.hour * 60 + status.local.minute
    return timedelta(minutes=(start - now) % (24 * 60))


__all__ = [
    "COUNTDOWN_ROLE",
    "HIGHLIGHT_ROLE",
    "HIGHLIGHT_SECONDS",
    "OUTAGE_CATEGORY",
    "OUTAGE_ROLE",
    "UNASSIGNED_NAME",
    "BoardColumnModel",
    "BoardModel",
    "ColumnInfo",
    "DropHandler",
    "ShiftStatus",
    "Workload",
    "card_state",
    "countdown_text",
    "off_shift_after",
    "shift_status",
]
