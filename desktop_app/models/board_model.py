"""The dispatch board's models: one column of ticket cards per technician, plus "Unassigned".

The board is the queue seen by assignee. It keeps the queue's ordering idea (see
:mod:`desktop_app.models.queue_model`): every card has a sort key computed once per ticket
change from its absolute deadline, so a column is a sorted list that time never reorders.

* a ticket change moves one card: within its column (``beginMoveRows``) or from one column
  to another (``beginRemoveRows`` there, ``beginInsertRows`` here), never a reset;
* a tick emits one ranged ``dataChanged`` per column for the cards its view shows;
* workload (open, at risk, breached) is counted by bisecting the sorted keys, O(log n);
* a column shows the cards that breach first, a page at a time (:data:`CARDS_PER_PAGE`,
  the next page when the view scrolls to the end, at most :data:`MOST_CARDS`): a view lays
  out every row it is given on each change, and 30,000 cards in one column cost the GUI
  thread half a second per moved card. The workload still counts every card;
* a large desk is sorted onto the board in steps of a few milliseconds
  (:meth:`BoardModel.fill`), so opening the board never holds the GUI thread for long;
* a drop is a domain command: :meth:`BoardColumnModel.dropMimeData` decodes the desk's own
  MIME payload (ticket ids with the versions they had when the drag started) and hands it
  to the board's assignment handler; the model itself never writes.
"""

from __future__ import annotations

import heapq
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)

from desktop_app.domain import Role, Technician
from desktop_app.domain.queue import QueueEntry
from desktop_app.domain.zones import zone_or_utc
from desktop_app.models.plain_text import plain_tooltip
from desktop_app.models.queue_model import (
    ENTRY_ROLE,
    STATE_ROLE,
    TICKET_ID_ROLE,
    RowState,
    SortKey,
    format_remaining,
    paused_text,
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
CARDS_PER_PAGE = 200  # cards a column shows at first, and adds when scrolled to its end
MOST_CARDS = 2000  # a column never shows more: the queue's filters reach every ticket
FILL_ROWS_PER_STEP = 1000  # tickets sorted onto the board in one step of a fill
FILL_MERGE_PER_STEP = 2000  # sorted cards merged into a column in one step
FILL_BUDGET_S = 0.012  # GUI time a fill may take per event-loop turn
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
    round the clock. Only the technician's shift days count (an overnight shift's small
    hours belong to the day it began). An unknown zone or a malformed time counts as UTC /
    always on shift, so a typo in one record never hides a column.
    """
    local = at.astimezone(zone_or_utc(technician.timezone))
    try:
        start, end = _minutes(technician.shift_start), _minutes(technician.shift_end)
    except ValueError:
        return ShiftStatus(local, True, technician.shift_start, technician.shift_end)
    now = local.hour * 60 + local.minute
    days = set(technician.shift_days)
    today = local.weekday()
    if start == end:
        on = today in days
    elif start < end:
        on = today in days and start <= now < end
    else:  # overnight: the evening belongs to today's shift, the small hours to yesterday's
        on = (today in days and now >= start) or ((today - 1) % 7 in days and now < end)
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
        return f"{self.open:,} open · {self.at_risk:,} at risk · {self.breached:,} breached"


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
        return paused_text(min(c.remaining.total_seconds() for c in paused))
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
    """One column of the board: the cards of one assignee, nearest breach first.

    Every card of the assignee is kept (sorted keys, for the workload and for where a
    card lands), but the view is given only the first ``rowCount()`` of them: a page at
    first, a page more each time the view scrolls to its end (``fetchMore``), never more
    than ``most``. A card that lands beyond what is shown is counted, not shown; one that
    leaves the shown cards makes room for the next one. ``page=None`` shows every card.
    """

    def __init__(
        self,
        board: BoardModel,
        info: ColumnInfo,
        *,
        page: int | None = CARDS_PER_PAGE,
        most: int | None = MOST_CARDS,
    ) -> None:
        super().__init__(board)
        if page is not None and page < 1:
            raise ValueError(f"A column shows at least one card per page, not {page}.")
        self._board = board
        self._info = info
        self._keys: list[SortKey] = []
        self._rows: dict[int, QueueRow] = {}
        self._warnings: list[tuple[float, int]] = []
        self._page = page
        self._most = None if page is None else max(page, most if most is not None else 1 << 62)
        self._limit = page  # how many cards the view may be given now (None: all)
        self._shown = 0  # how many it has been given: min(cards, limit)

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._shown:
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
            return plain_tooltip("\n".join(lines))
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

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._shown < self._showable()

    def fetchMore(self, parent: _Index) -> None:
        """The view reached the last card shown: show the next page."""
        if parent.isValid() or self._limit is None or self._page is None:
            return
        assert self._most is not None
        limit = min(self._limit + self._page, self._most)
        target = min(len(self._keys), limit)
        if target > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, target - 1)
            self._limit = limit
            self._shown = target
            self.endInsertRows()
        else:
            self._limit = limit

    def mimeTypes(self) -> list[str]:
        return [TICKETS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = {i.row() for i in indexes if i.isValid() and i.row() < self._shown}
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

    def card_count(self) -> int:
        """Every card of the column, shown or not."""
        return len(self._keys)

    def hidden_count(self) -> int:
        """Cards after the shown ones (later deadlines)."""
        return len(self._keys) - self._shown

    def can_show_more(self) -> bool:
        """Whether scrolling to the end shows another page (False at :data:`MOST_CARDS`)."""
        return self.canFetchMore(QModelIndex())

    @property
    def page(self) -> int | None:
        return self._page

    def ticket_id_at(self, row: int) -> int:
        return self._keys[row][4]

    def entry_at(self, row: int) -> QueueEntry:
        return self._rows[self._keys[row][4]].entry

    def ticket_ids(self) -> list[int]:
        """Every card's ticket, nearest breach first (the shown ones and the rest)."""
        return [key[4] for key in self._keys]

    def position_of(self, ticket_id: int) -> int | None:
        """Where the card stands among all of the column's cards (None: not here)."""
        row = self._rows.get(ticket_id)
        if row is None:
            return None
        i = bisect_left(self._keys, row.key)
        return i if i < len(self._keys) and self._keys[i] == row.key else None

    def row_of(self, ticket_id: int) -> int | None:
        """The card's row in the view (None when not here or not shown)."""
        at = self.position_of(ticket_id)
        return at if at is not None and at < self._shown else None

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

    def _showable(self) -> int:
        """How many cards the view could be given by scrolling on (up to ``most``)."""
        if self._most is None:
            return len(self._keys)
        return min(len(self._keys), self._most)

    def _visible_limit(self) -> int:
        return len(self._keys) + 1 if self._limit is None else self._limit

    def _adopt(
        self, rows: dict[int, QueueRow], keys: list[SortKey], warnings: list[tuple[float, int]]
    ) -> None:
        # sorted already (see prepare_board); only before any view shows the column
        self._rows = rows
        self._keys = keys
        self._warnings = warnings
        self._shown = min(len(keys), self._visible_limit())

    def _reset(
        self, rows: dict[int, QueueRow], keys: list[SortKey], warnings: list[tuple[float, int]]
    ) -> None:
        """Every card anew (the board was loaded again): the view starts from the top."""
        self.beginResetModel()
        self._limit = self._page
        self._adopt(rows, keys, warnings)
        self.endResetModel()

    def _insert(self, row: QueueRow) -> None:
        at = bisect_left(self._keys, row.key)
        if row.warn_ts is not None:
            insort(self._warnings, (row.warn_ts, row.key[4]))
        if at >= self._visible_limit():
            # lands after the shown cards: counted, not shown
            self._keys.insert(at, row.key)
            self._rows[row.entry.ticket_id] = row
            return
        self.beginInsertRows(QModelIndex(), at, at)
        self._keys.insert(at, row.key)
        self._rows[row.entry.ticket_id] = row
        self._shown += 1
        self.endInsertRows()
        if self._limit is not None and self._shown > self._limit:
            # the last shown card makes room: it now stands after the shown ones
            self.beginRemoveRows(QModelIndex(), self._limit, self._limit)
            self._shown = self._limit
            self.endRemoveRows()

    def _take(self, ticket_id: int) -> None:
        old = self._rows.get(ticket_id)
        if old is None:
            return
        at = bisect_left(self._keys, old.key)
        self._forget_warning(old)
        if at >= self._shown:
            del self._keys[at]
            del self._rows[ticket_id]
            return
        self.beginRemoveRows(QModelIndex(), at, at)
        del self._keys[at]
        del self._rows[ticket_id]
        self._shown -= 1
        self.endRemoveRows()
        target = min(len(self._keys), self._visible_limit())
        if target > self._shown:
            # the first card after the shown ones moves up into view
            self.beginInsertRows(QModelIndex(), self._shown, target - 1)
            self._shown = target
            self.endInsertRows()

    def _replace(self, row: QueueRow) -> None:
        """The same ticket, changed: move its one card to where its new key sorts."""
        ticket_id = row.entry.ticket_id
        old = self._rows[ticket_id]
        old_at = bisect_left(self._keys, old.key)
        del self._keys[old_at]
        target = bisect_left(self._keys, row.key)
        self._keys.insert(old_at, old.key)  # put back until Qt is told
        was_shown = old_at < self._shown
        if was_shown != (target < self._visible_limit()):
            # it enters or leaves the shown cards: another card leaves or enters too
            self._take(ticket_id)
            self._insert(row)
            return
        self._forget_warning(old)
        if row.warn_ts is not None:
            insort(self._warnings, (row.warn_ts, row.key[4]))
        self._rows[ticket_id] = row
        if not was_shown:
            del self._keys[old_at]
            self._keys.insert(target, row.key)
            return
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
        count = self._shown
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


def _outside_info(entry: QueueEntry, technicians: dict[int, Technician]) -> ColumnInfo:
    """The column of an assignee who cannot take tickets (inactive, or unknown to the desk)."""
    tech = technicians.get(entry.assignee_id) if entry.assignee_id else None
    name = tech.name if tech is not None else (entry.assignee_name or "Unknown technician")
    return ColumnInfo(entry.assignee_id, name, tech, active=False)


@dataclass(slots=True)
class PreparedColumn:
    """One column's cards, sorted: ready to be shown."""

    info: ColumnInfo
    rows: dict[int, QueueRow]
    keys: list[SortKey]
    warnings: list[tuple[float, int]]


@dataclass(slots=True)
class PreparedBoard:
    """Every column of the board, in board order, and which column holds each ticket."""

    technicians: dict[int, Technician]
    columns: list[PreparedColumn] = field(default_factory=list)
    column_of_ticket: dict[int, int | None] = field(default_factory=dict)


BoardSteps = Generator[None, None, PreparedBoard]


def standing_columns(technicians: dict[int, Technician]) -> list[ColumnInfo]:
    """The columns a board always has, in board order: "Unassigned" and every active
    technician (assignees who cannot take tickets get one only while holding some)."""
    infos = [ColumnInfo(None, UNASSIGNED_NAME)]
    infos += [ColumnInfo(i, t.name, t, True) for i, t in technicians.items() if t.active]
    return sorted(infos, key=_column_order)


def prepare_board(
    rows: Sequence[QueueRow],
    technicians: Iterable[Technician],
    *,
    rows_per_step: int = FILL_ROWS_PER_STEP,
    merge_per_step: int = FILL_MERGE_PER_STEP,
) -> BoardSteps:
    """Sort the queue's open rows into the board's columns, one short step per ``next()``.

    Pure Python. Sorting 100,000 cards at once holds the GUI thread for more than half a
    second here (and a worker thread would take the interpreter lock from the GUI's own
    callbacks), so the work is cut into steps: group ``rows_per_step`` rows and sort each
    column's share of them into a run; then merge each column's runs,
    ``merge_per_step`` cards at a time. The generator's return value is the board.
    """
    if rows_per_step < 1 or merge_per_step < 1:
        raise ValueError(
            f"A board fill needs at least one row and one card per step "
            f"(got {rows_per_step} rows, {merge_per_step} cards)."
        )
    return _prepare_steps(rows, technicians, rows_per_step, merge_per_step)


def _prepare_steps(
    rows: Sequence[QueueRow],
    technicians: Iterable[Technician],
    rows_per_step: int,
    merge_per_step: int,
) -> BoardSteps:
    techs = {t.id: t for t in technicians if t.id is not None}
    infos = {info.assignee_id: info for info in standing_columns(techs)}
    held: dict[int | None, dict[int, QueueRow]] = {key: {} for key in infos}
    runs: dict[int | None, list[list[SortKey]]] = {key: [] for key in infos}
    warning_runs: dict[int | None, list[list[tuple[float, int]]]] = {key: [] for key in infos}
    column_of: dict[int, int | None] = {}
    for start in range(0, len(rows), rows_per_step):
        groups: dict[int | None, list[QueueRow]] = {}
        for row in rows[start : start + rows_per_step]:
            entry = row.entry
            if not entry.status.is_open or entry.ticket_id in column_of:
                continue
            assignee = entry.assignee_id
            column_of[entry.ticket_id] = assignee
            group = groups.get(assignee)
            if group is None:
                group = groups[assignee] = []
            group.append(row)
        for assignee, group in groups.items():
            if assignee not in infos:
                infos[assignee] = _outside_info(group[0].entry, techs)
                held[assignee], runs[assignee], warning_runs[assignee] = {}, [], []
            cards = held[assignee]
            for row in group:
                cards[row.entry.ticket_id] = row
            runs[assignee].append(sorted([r.key for r in group]))
            warned = sorted([(r.warn_ts, r.key[4]) for r in group if r.warn_ts is not None])
            if warned:
                warning_runs[assignee].append(warned)
        yield
    board = PreparedBoard(techs, column_of_ticket=column_of)
    for info in sorted(infos.values(), key=_column_order):
        assignee = info.assignee_id
        keys = yield from _merge_runs(runs[assignee], merge_per_step)
        warnings = yield from _merge_runs(warning_runs[assignee], merge_per_step)
        board.columns.append(PreparedColumn(info, held[assignee], keys, warnings))
    return board


def _merge_runs(runs: list[list[Any]], per_step: int) -> Generator[None, None, list[Any]]:
    if not runs:
        return []
    if len(runs) == 1:
        return runs[0]
    merged = heapq.merge(*runs)
    out: list[Any] = []
    while True:
        before = len(out)
        out.extend(islice(merged, per_step))
        if len(out) - before < per_step:
            return out
        yield


def _finish(steps: BoardSteps) -> PreparedBoard:
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: PreparedBoard = done.value
            return result


class BoardModel(QObject):
    """Every open ticket, grouped by assignee into :class:`BoardColumnModel` columns.

    ``now`` returns epoch seconds (injected so tests never wait). Columns: "Unassigned",
    every active technician, and any inactive or unknown assignee that still holds open
    tickets (so those can be dragged away; dropping onto them is refused by the handler).
    ``cards_per_page`` and ``most_cards`` bound what each column's view is given (see
    :class:`BoardColumnModel`; ``cards_per_page=None`` gives it every card).
    """

    columnsReset = Signal()  # the set of columns changed: rebuild every column widget
    fillStarted = Signal(int)  # a fill of this many tickets began
    filled = Signal()  # the board holds the desk's cards (a load or fill ended)
    columnAdded = Signal(int)  # a column appeared at this position
    workloadChanged = Signal()  # a card joined or left a column (time changes it too)
    highlightsChanged = Signal(bool)  # whether any card is still highlighted

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        now: Callable[[], float] = time.time,
        cards_per_page: int | None = CARDS_PER_PAGE,
        most_cards: int | None = MOST_CARDS,
    ) -> None:
        super().__init__(parent)
        if cards_per_page is not None and cards_per_page < 1:
            raise ValueError(
                f"cards_per_page must be at least 1 (or None for every card), not {cards_per_page}."
            )
        self._now = now
        self._page = cards_per_page
        self._most = most_cards
        self._columns: list[BoardColumnModel] = []
        self._by_assignee: dict[int | None, BoardColumnModel] = {}
        self._column_of_ticket: dict[int, int | None] = {}
        self._technicians: dict[int, Technician] = {}
        self._highlights: dict[int, float] = {}  # ticket id -> when the glow ends
        self._drop_handler: DropHandler | None = None
        self._loaded = False
        self._batch_depth = 0
        self._workload_dirty = False
        # a fill in progress: its remaining steps, its time per turn, and the changes that
        # arrived meanwhile (ticket id -> latest entry, None when closed), applied after it
        self._fill_steps: BoardSteps | None = None
        self._fill_result: PreparedBoard | None = None  # sorted, shown at the next turn
        self._fill_columns: list[ColumnInfo] = []  # empty columns to show first
        self._fill_budget = FILL_BUDGET_S
        self._pending: dict[int, QueueEntry | None] = {}
        self._fill_timer = QTimer(self)
        self._fill_timer.setObjectName("board-fill")
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill_more)

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
        """Fill the board from rows the queue already made (:meth:`QueueModel.rows`), all at
        once: the sort keys and warning instants are shared, not worked out again."""
        self.cancel_fill()
        self._adopt(_finish(prepare_board(rows, technicians)))

    def fill(
        self,
        rows: Sequence[QueueRow],
        technicians: Iterable[Technician],
        *,
        budget_s: float = FILL_BUDGET_S,
        rows_per_step: int = FILL_ROWS_PER_STEP,
        merge_per_step: int = FILL_MERGE_PER_STEP,
    ) -> None:
        """Like :meth:`load_rows`, in steps that take about ``budget_s`` of each event-loop
        turn, from the next turn on (a desk of one step's rows is done at once).

        A first fill shows the standing columns empty at once, then their cards; a later
        one keeps showing the old cards until the new ones are sorted. ``filled`` says it
        is done. Tickets that change meanwhile are applied after it."""
        self.cancel_fill()
        people = list(technicians)
        self._fill_steps = prepare_board(
            list(rows), people, rows_per_step=rows_per_step, merge_per_step=merge_per_step
        )
        self._fill_budget = budget_s
        self.fillStarted.emit(len(rows))
        if len(rows) <= rows_per_step:
            self._finish_fill(_finish(self._fill_steps))
            return
        if not self._loaded:
            self._fill_columns = standing_columns({t.id: t for t in people if t.id is not None})
        # not now: the turn that asked (the queue just shown) has had its share
        self._fill_timer.start()

    @property
    def filling(self) -> bool:
        return self._fill_steps is not None

    def cancel_fill(self) -> None:
        """Drop a fill in progress (the board keeps what it showed before)."""
        self._fill_timer.stop()
        self._fill_steps = None
        self._fill_result = None
        self._fill_columns = []
        self._pending = {}

    @Slot()
    def _fill_more(self) -> None:
        steps = self._fill_steps
        if steps is None:
            self._fill_timer.stop()
            return
        if self._fill_columns:
            # a turn of its own: building the column widgets is the bulk of showing them
            self._show_columns(self._fill_columns)
            self._fill_columns = []
            return
        if self._fill_result is not None:
            self._finish_fill(self._fill_result)
            return
        deadline = time.perf_counter() + self._fill_budget
        stepped = False
        try:
            next(steps)
            stepped = True
            while time.perf_counter() < deadline:
                next(steps)
        except StopIteration as done:
            if not stepped:
                self._finish_fill(done.value)
                return
            # the cards are laid out and painted in a turn of their own
            self._fill_result = done.value
        if not self._fill_timer.isActive():
            self._fill_timer.start()

    def _finish_fill(self, board: PreparedBoard) -> None:
        self._fill_timer.stop()
        self._fill_steps = None
        self._fill_result = None
        pending, self._pending = self._pending, {}
        self._adopt(board, announce=False)
        with self.batch():
            for ticket_id, entry in pending.items():
                if entry is None:
                    self.remove(ticket_id)
                else:
                    self.upsert(entry)
        self.filled.emit()

    def _show_columns(self, infos: list[ColumnInfo]) -> None:
        """Empty columns, shown while their cards are sorted (the board is not loaded)."""
        old = self._columns
        self._columns = [BoardColumnModel(self, i, page=self._page, most=self._most) for i in infos]
        self._by_assignee = {c.info.assignee_id: c for c in self._columns}
        self.columnsReset.emit()
        for column in old:
            column.deleteLater()

    def _adopt(self, board: PreparedBoard, *, announce: bool = True) -> None:
        self._technicians = board.technicians
        self._column_of_ticket = board.column_of_ticket
        self._highlights.clear()
        self._loaded = True
        current = self._columns
        prepared = board.columns
        if 0 < len(current) <= len(prepared) and all(
            c.info == p.info for c, p in zip(current, prepared, strict=False)
        ):
            # the columns on screen stay (their widgets too); the ones after them are new
            for column, cards in zip(current, prepared, strict=False):
                column._reset(cards.rows, cards.keys, cards.warnings)
            for cards in prepared[len(current) :]:
                column = self._new_column(cards)
                self._columns.append(column)
                self.columnAdded.emit(len(self._columns) - 1)
        else:
            self._columns = [self._new_column(cards) for cards in prepared]
            self._by_assignee = {c.info.assignee_id: c for c in self._columns}
            self.columnsReset.emit()
            for column in current:
                column.deleteLater()
        self.workloadChanged.emit()
        if announce:
            self.filled.emit()

    def _new_column(self, cards: PreparedColumn) -> BoardColumnModel:
        column = BoardColumnModel(self, cards.info, page=self._page, most=self._most)
        column._adopt(cards.rows, cards.keys, cards.warnings)
        self._by_assignee[cards.info.assignee_id] = column
        return column

    def _outside_info(self, entry: QueueEntry) -> ColumnInfo:
        return _outside_info(entry, self._technicians)

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
        if self._fill_steps is not None:
            self._pending[entry.ticket_id] = entry
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
        if self._fill_steps is not None:
            self._pending[ticket_id] = None
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
        column = BoardColumnModel(self, info, page=self._page, most=self._most)
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
        if not self._loaded:
            return False  # the cards are still being sorted onto the board
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
    """How long until the technician's shift starts (None when on shift now); a shift on
    some weekdays only waits for the next of them."""
    status = shift_status(technician, at)
    if status.on_shift:
        return None
    start = _minutes(status.start)
    now = status.local.hour * 60 + status.local.minute
    days = set(technician.shift_days) or set(range(7))
    today = status.local.weekday()
    for ahead in range(8):
        if (today + ahead) % 7 in days and (ahead or start > now):
            return timedelta(minutes=ahead * 24 * 60 + start - now)
    return timedelta(minutes=(start - now) % (24 * 60))


__all__ = [
    "CARDS_PER_PAGE",
    "COUNTDOWN_ROLE",
    "HIGHLIGHT_ROLE",
    "HIGHLIGHT_SECONDS",
    "MOST_CARDS",
    "OUTAGE_CATEGORY",
    "OUTAGE_ROLE",
    "UNASSIGNED_NAME",
    "BoardColumnModel",
    "BoardModel",
    "ColumnInfo",
    "DropHandler",
    "PreparedBoard",
    "PreparedColumn",
    "ShiftStatus",
    "Workload",
    "card_state",
    "countdown_text",
    "off_shift_after",
    "prepare_board",
    "shift_status",
    "standing_columns",
]
