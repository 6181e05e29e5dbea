"""The live queue: open tickets ordered by when they breach, counting down every second.

Ordering rests on one fact (see DESIGN.md, "Time"): a deadline is an absolute instant, so
ordering by ``due_at`` is ordering by time-to-breach and the passage of time never changes
it. The model therefore keeps its rows sorted by a key computed once per ticket change and
never re-sorts:

* a change to one ticket moves, inserts or removes that one row (``beginMoveRows`` /
  ``beginInsertRows`` / ``beginRemoveRows``), found by ``bisect`` in O(log n);
* a tick emits one ranged ``dataChanged`` for the countdown column of the rows the view
  shows, nothing else;
* filters and search are applied here, over the already sorted list, so no proxy model
  calls back into Python for every comparison;
* a click on a column's header sorts by that column (:meth:`QueueModel.sort`): rows then
  carry a view key (the column's value, then the breach order, so a customer's tickets
  still come most urgent first) and the same bisect moves keep a change to one row
  cheap; time-to-breach order, the default, needs no second key at all;
* selection and scroll survive: rows are ids with cached keys, and Qt's persistent
  indexes follow every move;
* a large desk first shows the tickets that breach first (``partial``); the whole queue
  then takes their place as one layout change, so the technician's selection and current
  ticket stay, and a change seen meanwhile is never undone by an older read (versions
  decide, see :meth:`QueueModel.load`).
"""

from __future__ import annotations

import gc
import re
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QIcon

from desktop_app.domain import Priority, TicketStatus, WarningRule
from desktop_app.domain.queue import QueueEntry, StoredClock
from desktop_app.domain.zones import machine_zone, zone_named
from desktop_app.memory import gc_paused
from desktop_app.models.plain_text import plain_tooltip
from desktop_app.models.ticket_mime import TICKETS_MIME, encode_entries
from desktop_app.sla.clocks import warning_points

_Index = QModelIndex | QPersistentModelIndex

# Breach order: (group, due or frozen remaining, priority rank, created, ticket id).
# group 0: a clock is counting (ordered by its wall-clock deadline);
# group 1: paused or nothing counting, ordered by the business time they had left,
# signed: a clock that breached before it was paused comes first, most overdue first.
SortKey = tuple[int, float, int, float, int]
# The order rows are shown in: the breach order itself (the default), or a column's value
# followed by it. Either way the ticket id comes last.
ViewKey = tuple[Any, ...]


class Column(IntEnum):
    COUNTDOWN = 0
    CLOCK = 1
    PRIORITY = 2
    NUMBER = 3
    SUBJECT = 4
    CUSTOMER = 5
    SITE_TIME = 6
    ASSIGNEE = 7
    STATUS = 8
    ESCALATION = 9
    CRITICISM = 10


HEADERS = {
    Column.COUNTDOWN: "Time to breach",
    Column.CLOCK: "Clock",
    Column.PRIORITY: "Priority",
    Column.NUMBER: "Ticket",
    Column.SUBJECT: "Subject",
    Column.CUSTOMER: "Customer",
    Column.SITE_TIME: "Site time",
    Column.ASSIGNEE: "Assignee",
    Column.STATUS: "Status",
    Column.ESCALATION: "Esc.",
    Column.CRITICISM: "⚑",
}
HEADER_TIPS = {
    Column.COUNTDOWN: "Time left before the nearest SLA clock breaches (business time)",
    Column.CLOCK: "The SLA clock that breaches first",
    Column.SITE_TIME: "The local time at the customer's site",
    Column.ESCALATION: "Escalation level",
    Column.CRITICISM: "Open negative criticism notes from the customer",
}
# The status column is narrow: the words in full are in its tooltip.
_STATUS_SHORT = {TicketStatus.WAITING_ON_CUSTOMER: "waiting"}


class RowState(IntEnum):
    """What a row shows by icon, text and colour."""

    OK = 0
    WARNING = 1
    BREACHED = 2
    PAUSED = 3
    NONE = 4  # nothing counting and nothing paused (e.g. every clock met)

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    RowState.OK: "on track",
    RowState.WARNING: "at risk",
    RowState.BREACHED: "breached",
    RowState.PAUSED: "paused",
    RowState.NONE: "no clock running",
}

_STATE_COLOURS = {
    RowState.OK: QColor("#1b7f3b"),
    RowState.WARNING: QColor("#a35a00"),
    RowState.BREACHED: QColor("#b3261e"),
    RowState.PAUSED: QColor("#5f6368"),
    RowState.NONE: QColor("#5f6368"),
}

# Custom roles for views and tests.
TICKET_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_ROLE = Qt.ItemDataRole.UserRole + 2
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 3
REMAINING_ROLE = Qt.ItemDataRole.UserRole + 4


QUICK_FILTERS = ("mine", "unassigned", "all", "at_risk", "breached", "waiting")


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the technician asked to see. ``quick`` is one of :data:`QUICK_FILTERS`."""

    quick: str = "all"
    me: int | None = None  # the technician using the desk, for "mine"
    customer_id: int | None = None
    search: str = ""

    def __post_init__(self) -> None:
        if self.quick not in QUICK_FILTERS:
            raise ValueError(
                f"Unknown quick filter {self.quick!r}; use one of {', '.join(QUICK_FILTERS)}."
            )

    @property
    def time_dependent(self) -> bool:
        """At risk and breached change as time passes, the others only on events."""
        return self.quick in ("at_risk", "breached")


@dataclass(slots=True)
class _Row:
    """What the model keeps per ticket: the entry, its key and precomputed instants."""

    entry: QueueEntry
    key: SortKey
    due_ts: float | None  # deadline of the nearest counting clock (epoch seconds)
    warn_ts: float | None  # first warning instant of that clock
    paused: bool
    haystack: str  # lower-case number, subject, customer for search


_LEADS: dict[tuple[float, WarningRule], float | None] = {}


def _lead_seconds(target: float, rule: WarningRule) -> float | None:
    """Business seconds before the deadline at which the first warning fires, by the SLA
    engine's rule (cached: a desk has a handful of distinct targets and rules)."""
    key = (target, rule)
    if key not in _LEADS:
        points = warning_points(target, rule)
        _LEADS[key] = target - points[0][0] if points else None
    return _LEADS[key]


def _warn_ts(entry: QueueEntry, due_ts: float) -> float | None:
    """The first instant the ticket counts as at risk: its earliest warning threshold."""
    clock = entry.nearest
    rule = entry.warnings
    if clock is None or rule is None:
        return None
    lead = _lead_seconds(clock.target.total_seconds(), rule)
    if lead is None:
        return None
    calendar = entry.calendar
    if calendar is None or calendar.is_always_open:
        return due_ts - lead
    try:
        return float(calendar.add_seconds(due_ts, -lead))  # type: ignore[attr-defined]
    except AttributeError:  # a calendar without the epoch fast path
        return due_ts - lead


_RANK = {p: p.rank for p in Priority}


def _make_row(entry: QueueEntry) -> _Row:
    # Runs 100,000 times when a large desk loads (on the database thread): kept flat.
    clock = entry.nearest
    created = entry.created_at.timestamp()
    paused = False
    for c in entry.clocks.values():
        if c.paused:
            paused = True
            break
    rank = _RANK[entry.priority]
    due_at = clock.due_at if clock is not None else None
    if due_at is not None and clock is not None and clock.counting:
        due_ts = due_at.timestamp()
        key: SortKey = (0, due_ts, rank, created, entry.ticket_id)
        # without a warning rule a ticket is "at risk" only when it breaches; keeping
        # every counting row in the warning list makes at-risk = warned - breached exact
        warn = _warn_ts(entry, due_ts)
        warn = due_ts if warn is None or warn > due_ts else warn
    else:
        due_ts = None
        warn = None
        frozen = min(
            (c.remaining.total_seconds() for c in entry.clocks.values() if c.paused),
            default=float("inf"),
        )
        key = (1, frozen, rank, created, entry.ticket_id)
    haystack = f"{entry.number}\n{entry.subject}\n{entry.customer_name}".lower()
    return _Row(entry, key, due_ts, warn, paused, haystack)


@dataclass(slots=True)
class PreparedQueue:
    """Rows with their sort keys and warning instants, computed away from the GUI thread
    (see :func:`prepare_queue`) so that showing 100,000 tickets costs the GUI a list swap."""

    rows: dict[int, _Row]
    keys: list[SortKey]
    warnings: list[tuple[float, int]]


def prepare_queue(entries: Iterable[QueueEntry]) -> PreparedQueue:
    """Pure Python, no Qt: safe to run on the database thread right after loading."""
    # 100,000 rows of new, long-lived objects: the collector would rescan them over and
    # over while they are built, for nothing (they hold no cycles)
    collecting = gc.isenabled()
    gc.disable()
    try:
        rows = {e.ticket_id: _make_row(e) for e in entries if e.status.is_open}
        keys = sorted(r.key for r in rows.values())
        warnings = sorted((r.warn_ts, r.key[4]) for r in rows.values() if r.warn_ts is not None)
    finally:
        if collecting:
            gc.enable()
    return PreparedQueue(rows, keys, warnings)


def _discard(items: list[tuple[float, int]], item: tuple[float, int]) -> None:
    """Remove ``item`` from the sorted list ``items`` if it is there."""
    i = bisect_left(items, item)
    if i < len(items) and items[i] == item:
        del items[i]


def format_remaining(seconds: float) -> str:
    """``2 d 3 h``, ``3 h 10 min``, ``25 min``, ``45 s`` — the size of a remainder."""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{int(seconds)} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


_INVERTED_END = (1 << 21,)  # after every code point, negated: a shorter text sorts later


def _descending(value: Any) -> Any:
    """``value`` made to sort the other way round (numbers and texts)."""
    if isinstance(value, str):
        return (*(-ord(c) for c in value), *_INVERTED_END)
    return -value


def _natural(text: str) -> str:
    """``TQ-9`` before ``TQ-10``: digit runs compare by their value."""
    return re.sub(r"\d+", lambda m: m.group().zfill(12), text).casefold()


_STATUS_ORDER = {status: i for i, status in enumerate(TicketStatus)}


def _column_value(column: Column) -> Callable[[_Row], tuple[int, Any]]:
    """(missing?, value) of a row in ``column``: rows without a value sort last both ways."""
    if column == Column.CLOCK:

        def clock(row: _Row) -> tuple[int, Any]:
            entry = row.entry
            shown = entry.nearest if row.due_ts is not None else QueueModel._paused_clock(row)
            return (0, shown.metric.label) if shown is not None else (1, "")

        return clock
    if column == Column.PRIORITY:
        return lambda row: (0, _RANK[row.entry.priority])
    if column == Column.NUMBER:
        return lambda row: (0, _natural(row.entry.number))
    if column == Column.SUBJECT:
        return lambda row: (0, row.entry.subject.casefold())
    if column == Column.CUSTOMER:
        return lambda row: (0, row.entry.customer_name.casefold())
    if column == Column.SITE_TIME:
        now = datetime.now(UTC)  # taken once: a row keeps its place when the hour changes

        def site_time(row: _Row) -> tuple[int, Any]:
            zone = zone_named(row.entry.site_zone)
            offset = now.astimezone(zone).utcoffset() if zone is not None else None
            return (0, offset.total_seconds()) if offset is not None else (1, 0.0)

        return site_time
    if column == Column.ASSIGNEE:
        return lambda row: (
            (0, row.entry.assignee_name.casefold()) if row.entry.assignee_name else (1, "")
        )
    if column == Column.STATUS:
        return lambda row: (0, _STATUS_ORDER.get(row.entry.status, len(_STATUS_ORDER)))
    if column == Column.ESCALATION:
        return lambda row: (0, row.entry.escalation_level)
    if column == Column.CRITICISM:
        return lambda row: (0, row.entry.open_negative_criticism)
    raise ValueError(f"no column value for {column!r}")


def _view_key_function(column: Column, order: Qt.SortOrder) -> Callable[[_Row], ViewKey] | None:
    """How rows are ordered when sorted by ``column``: None for the breach order itself;
    else the column's value (its own direction), then the breach order (most urgent first
    whichever way), the ticket id last."""
    descending = order == Qt.SortOrder.DescendingOrder
    if column == Column.COUNTDOWN:
        if not descending:
            return None
        return lambda row: (*(-part for part in row.key), row.key[4])
    value = _column_value(column)
    if not descending:
        return lambda row: (*value(row), *row.key)

    def reversed_key(row: _Row) -> ViewKey:
        missing, shown = value(row)
        return (missing, _descending(shown), *row.key)

    return reversed_key


def paused_text(remaining: float) -> str:
    """A paused clock's frozen remainder: ``paused · 3 h 00 min left``, or, for a clock
    that breached before it was paused, ``paused · 38 h 09 min over``."""
    if remaining < 0:
        return f"paused · {format_remaining(remaining)} over"
    return f"paused · {format_remaining(remaining)} left"


class QueueModel(QAbstractTableModel):
    """Open tickets, nearest breach first, counting down; see the module docstring.

    ``now`` returns epoch seconds and is injected so tests never wait for real time.
    ``icons`` maps :class:`RowState` to the icon shown beside the countdown.
    """

    countsChanged = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        now: Callable[[], float] = time.time,
        technician_zone: tzinfo | None = None,
        icons: dict[RowState, QIcon] | None = None,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._tech_zone = technician_zone or machine_zone()
        self._icons = icons or {}
        self._rows_by_id: dict[int, _Row] = {}
        self._all: list[SortKey] = []  # every open ticket, sorted
        self._visible: list[ViewKey] = []  # the filtered rows, sorted; row i = _visible[i]
        # Sorting by a column other than time to breach: the view key of every row (kept
        # per ticket, so a row is found by the key it was shown with) and all of them in
        # order, so a filter keeps the order without sorting again.
        self._sort_column = Column.COUNTDOWN
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._sort_value: Callable[[_Row], ViewKey] | None = None  # None: breach order
        self._vkeys: dict[int, ViewKey] = {}
        self._all_view: list[ViewKey] = []
        self._warnings: list[tuple[float, int]] = []  # (first warning instant, ticket id)
        self._filter = QueueFilter()
        self._last_tick = now()
        self.partial = False  # only the first screenful is loaded so far
        # while partial: ticket id -> (version last seen, closed?) for every change the
        # queue was told about, so the whole queue's read cannot undo a newer one
        self._seen_while_partial: dict[int, tuple[int, bool]] = {}

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(Column):
            return HEADERS[Column(section)]
        if horizontal and role == Qt.ItemDataRole.ToolTipRole and 0 <= section < len(Column):
            column = Column(section)
            tip = HEADER_TIPS.get(column, HEADERS[column])
            return f"{tip} — click to sort by it, click again for the other way round"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._visible):
            return None
        row = self._rows_by_id[self._visible[index.row()][-1]]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, Column(column))
        if role == TICKET_ID_ROLE:
            return row.entry.ticket_id
        if role == ENTRY_ROLE:
            return row.entry
        if role == STATE_ROLE:
            return int(self.state_of(row))
        if role == REMAINING_ROLE:
            return self._remaining(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            tooltip = self._tooltip(row, Column(column))
            return plain_tooltip(tooltip) if tooltip is not None else None
        if column == Column.COUNTDOWN:
            state = self.state_of(row)
            if role == Qt.ItemDataRole.DecorationRole:
                return self._icons.get(state)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(_STATE_COLOURS[state])
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return f"{state.label}: {self._display(row, Column.COUNTDOWN)}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            Column.ESCALATION,
            Column.CRITICISM,
        ):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def mimeTypes(self) -> list[str]:
        return [TICKETS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """The dragged rows' tickets with their versions (for the dispatch board)."""
        rows = {i.row() for i in indexes if i.isValid() and i.row() < len(self._visible)}
        return encode_entries(self._rows_by_id[self._visible[r][-1]].entry for r in sorted(rows))

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    # ------------------------------------------------------------------ queries

    def ticket_id_at(self, row: int) -> int:
        return int(self._visible[row][-1])

    def entry_at(self, row: int) -> QueueEntry:
        return self._rows_by_id[self._visible[row][-1]].entry

    def entries(self) -> list[QueueEntry]:
        """Every open ticket the queue holds, whatever the filter shows (in no order)."""
        return [row.entry for row in self._rows_by_id.values()]

    def rows(self) -> list[_Row]:
        """Every open ticket's cached row (entry, sort key, warning instant), in no order.

        Rows are never changed once made (a change makes a new one), so the dispatch board
        shares them instead of working out 100,000 sort keys again on the GUI thread."""
        return list(self._rows_by_id.values())

    def entry(self, ticket_id: int) -> QueueEntry | None:
        row = self._rows_by_id.get(ticket_id)
        return row.entry if row is not None else None

    def row_of(self, ticket_id: int) -> int | None:
        """The visible row of a ticket, found by bisect on its key (O(log n))."""
        row = self._rows_by_id.get(ticket_id)
        if row is None:
            return None
        key = self._key_for(row)
        i = bisect_left(self._visible, key)
        if i < len(self._visible) and self._visible[i] == key:
            return i
        return None

    def index_of(self, ticket_id: int, column: int = 0) -> QModelIndex:
        row = self.row_of(ticket_id)
        return QModelIndex() if row is None else self.index(row, column)

    @property
    def technician_zone(self) -> tzinfo:
        """The zone of "your time" in tooltips: the signed-in technician's."""
        return self._tech_zone

    def set_technician_zone(self, zone: tzinfo) -> None:
        """Someone else signed in: deadlines "your time" are in their zone from now on
        (tooltips are made when asked for, so nothing needs repainting)."""
        self._tech_zone = zone

    @property
    def filter(self) -> QueueFilter:
        return self._filter

    def total(self) -> int:
        return len(self._all)

    def state_of(self, row: _Row, now: float | None = None) -> RowState:
        if row.due_ts is None:
            return RowState.PAUSED if row.paused else RowState.NONE
        now = self._now() if now is None else now
        if row.due_ts <= now:
            return RowState.BREACHED
        if row.warn_ts is not None and row.warn_ts <= now:
            return RowState.WARNING
        return RowState.OK

    def counts(self) -> tuple[int, int, int, float | None]:
        """(open, at risk, breached, seconds until the next breach) — O(log n).

        Counting rows pass their deadline in sort order, so the breached ones are a prefix
        of the sorted list; warning instants are kept in their own sorted list.
        """
        now = self._now()
        breached = bisect_right(self._all, (0, now, 9, float("inf"), 1 << 62))
        warned = bisect_right(self._warnings, (now, 1 << 62))
        at_risk = max(0, warned - breached)
        next_breach = None
        if breached < len(self._all) and self._all[breached][0] == 0:
            next_breach = self._all[breached][1] - now
        return len(self._all), at_risk, breached, next_breach

    # ------------------------------------------------------------------ changes

    def load(self, entries: Iterable[QueueEntry] | PreparedQueue, *, partial: bool = False) -> None:
        """Fill the queue from a freshly loaded desk (replaces what was there).

        Pass a :class:`PreparedQueue` built off the GUI thread for large desks.
        ``partial`` marks a first screenful (the tickets that breach first) shown while
        the whole queue is still loading; counts then say so.

        The whole queue arriving after a first screenful replaces it as one layout change:
        selected and current tickets stay selected and current. A change the queue was
        told about meanwhile (:meth:`upsert`, :meth:`remove`) wins over the whole queue's
        row when that row carries an older version, so a read that started before the
        change cannot undo it."""
        prepared = entries if isinstance(entries, PreparedQueue) else prepare_queue(entries)
        if self.partial and not partial:
            self._merge_changes_seen_while_partial(prepared)
            self.partial = False
            self._seen_while_partial = {}
            self._swap_keeping_selection(prepared)
            return
        self.partial = partial
        self._seen_while_partial = {}
        if self._visible:
            self.beginRemoveRows(QModelIndex(), 0, len(self._visible) - 1)
            self._visible = []
            self.endRemoveRows()
        self._rows_by_id = prepared.rows
        self._all = prepared.keys
        self._warnings = prepared.warnings
        self._rebuild_view_order()
        visible = self._filtered()
        if visible:
            self.beginInsertRows(QModelIndex(), 0, len(visible) - 1)
            self._visible = visible
            self.endInsertRows()
        self._last_tick = self._now()
        self.countsChanged.emit()

    def _merge_changes_seen_while_partial(self, prepared: PreparedQueue) -> None:
        """Keep what :meth:`upsert` / :meth:`remove` said while partial wherever the whole
        queue's row is older (a lower version). Where it cannot tell (a ticket closed that
        was never shown, a ticket missing from the whole queue), the later read wins."""
        rows, keys, warnings = prepared.rows, prepared.keys, prepared.warnings
        for ticket_id, (version, closed) in self._seen_while_partial.items():
            loaded = rows.get(ticket_id)
            if loaded is None or loaded.entry.version > version:
                continue
            if loaded.entry.version == version and not closed:
                continue  # the same version: the whole queue's row is as new
            del keys[bisect_left(keys, loaded.key)]
            if loaded.warn_ts is not None:
                _discard(warnings, (loaded.warn_ts, ticket_id))
            if closed:
                del rows[ticket_id]
                continue
            mine = self._rows_by_id[ticket_id]
            rows[ticket_id] = mine
            insort(keys, mine.key)
            if mine.warn_ts is not None:
                insort(warnings, (mine.warn_ts, ticket_id))

    def _swap_keeping_selection(self, prepared: PreparedQueue) -> None:
        """Replace every row at once; persistent indexes (selection, current) follow their
        ticket, or become invalid when it is no longer shown."""
        self._rows_by_id = prepared.rows
        self._all = prepared.keys
        self._warnings = prepared.warnings
        self._rebuild_view_order()
        self._relayout(self._filtered())
        self._last_tick = self._now()
        self.countsChanged.emit()

    def apply_entries(self, entries: Mapping[int, QueueEntry | None]) -> None:
        """Tickets changed: each moves, arrives or leaves (``None``: no longer open) by
        its own row; the selection and the scroll position stay."""
        for ticket_id, entry in entries.items():
            if entry is None:
                self.remove(ticket_id)
            else:
                self.upsert(entry)

    def upsert(self, entry: QueueEntry) -> None:
        """A ticket changed (or arrived): move, insert, update or remove its one row."""
        if not entry.status.is_open:
            self.remove(entry.ticket_id)
            return
        old = self._rows_by_id.get(entry.ticket_id)
        if old is not None and old.entry.version > entry.version:
            return  # an older read of the ticket arriving late: the queue has newer
        if self.partial:
            self._seen_while_partial[entry.ticket_id] = (entry.version, False)
        new = _make_row(entry)
        old_row = self.row_of(entry.ticket_id) if old is not None else None
        if old is not None:
            self._all.pop(bisect_left(self._all, old.key))
            if old.warn_ts is not None:
                self._forget_warning(old)
            self._forget_view_key(old)
        self._rows_by_id[entry.ticket_id] = new
        insort(self._all, new.key)
        if new.warn_ts is not None:
            insort(self._warnings, (new.warn_ts, new.key[4]))
        key = self._remember_view_key(new)
        show = self._accepts(new, self._now())
        if old_row is not None and show:
            self._move_visible(old_row, key)
        elif old_row is not None:
            self.beginRemoveRows(QModelIndex(), old_row, old_row)
            del self._visible[old_row]
            self.endRemoveRows()
        elif show:
            at = bisect_left(self._visible, key)
            self.beginInsertRows(QModelIndex(), at, at)
            self._visible.insert(at, key)
            self.endInsertRows()
        self.countsChanged.emit()

    def remove(self, ticket_id: int) -> None:
        """A ticket closed or vanished: its row leaves the queue."""
        old = self._rows_by_id.pop(ticket_id, None)
        if old is None:
            return
        if self.partial:
            self._seen_while_partial[ticket_id] = (old.entry.version, True)
        self._all.pop(bisect_left(self._all, old.key))
        if old.warn_ts is not None:
            self._forget_warning(old)
        key = self._key_for(old)
        self._forget_view_key(old)
        i = bisect_left(self._visible, key)
        if i < len(self._visible) and self._visible[i] == key:
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._visible[i]
            self.endRemoveRows()
        self.countsChanged.emit()

    def _forget_warning(self, row: _Row) -> None:
        assert row.warn_ts is not None
        _discard(self._warnings, (row.warn_ts, row.key[4]))

    def _move_visible(self, old_row: int, key: ViewKey) -> None:
        old_key = self._visible[old_row]
        del self._visible[old_row]
        target = bisect_left(self._visible, key)
        self._visible.insert(old_row, old_key)  # restore until Qt is told
        if target == old_row:
            self._visible[old_row] = key
            left = self.index(old_row, 0)
            right = self.index(old_row, len(Column) - 1)
            self.dataChanged.emit(left, right)
            return
        # Qt's destination is the row *before which* the moved row lands, counted in
        # the list that still contains it.
        destination = target if target < old_row else target + 1
        if not self.beginMoveRows(QModelIndex(), old_row, old_row, QModelIndex(), destination):
            raise RuntimeError(f"Qt refused to move row {old_row} to {destination}")
        del self._visible[old_row]
        self._visible.insert(target, key)
        self.endMoveRows()
        self.dataChanged.emit(self.index(target, 0), self.index(target, len(Column) - 1))

    # ------------------------------------------------------------------ filtering

    def set_filter(self, new: QueueFilter) -> None:
        """Show the tickets that match ``new``; selection survives for rows still shown."""
        if new == self._filter:
            return
        self._filter = new
        self._refilter()

    def _refilter(self) -> None:
        self._relayout(self._filtered())
        self._last_tick = self._now()

    def _relayout(self, visible: list[ViewKey]) -> None:
        """Show ``visible`` instead of the current rows as one layout change: persistent
        indexes (the view's selection, current index) follow their ticket by id, found by
        bisect, or become invalid when it is no longer shown."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        shown = self._visible
        ids = [
            shown[i.row()][-1] if i.isValid() and i.row() < len(shown) else None for i in persistent
        ]
        self._visible = visible
        replacement = [
            QModelIndex() if ticket_id is None else self.index_of(ticket_id, index.column())
            for index, ticket_id in zip(persistent, ids, strict=True)
        ]
        self.changePersistentIndexList(persistent, replacement)
        self.layoutChanged.emit()

    def _filtered(self) -> list[ViewKey]:
        """The rows the filter lets through, in the order shown (already sorted: the
        breach order, or every row's view key kept in order)."""
        keys: Sequence[ViewKey] = self._all if self._sort_value is None else self._all_view
        f = self._filter
        if f.quick == "all" and f.customer_id is None and not f.search:
            return list(keys)
        now = self._now()
        rows = self._rows_by_id
        return [k for k in keys if self._accepts(rows[k[-1]], now)]

    def _accepts(self, row: _Row, now: float) -> bool:
        f = self._filter
        entry = row.entry
        if f.customer_id is not None and entry.customer_id != f.customer_id:
            return False
        if f.search:
            needle = f.search.strip().lower()
            if needle and needle not in row.haystack:
                return False
        quick = f.quick
        if quick == "all":
            return True
        if quick == "mine":
            return f.me is not None and entry.assignee_id == f.me
        if quick == "unassigned":
            return entry.assignee_id is None
        if quick == "waiting":
            return row.paused
        state = self.state_of(row, now)
        if quick == "breached":
            return state is RowState.BREACHED
        return state is RowState.WARNING  # at_risk: a warning passed, not yet breached

    # ------------------------------------------------------------------ sorting

    @property
    def sort_column(self) -> Column:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Show the rows ordered by ``column`` (a header click). Time to breach, ascending,
        is the queue's own order; any other order keeps a row's place by a view key
        (the column's value, then the breach order), so a change still moves one row.
        Selection and current row follow their tickets."""
        if not 0 <= column < len(Column):
            return
        column = Column(column)
        order = Qt.SortOrder(order)
        if (column, order) == (self._sort_column, self._sort_order):
            return
        self._sort_column, self._sort_order = column, order
        self._sort_value = _view_key_function(column, order)
        self._rebuild_view_order()
        self._relayout(self._filtered())

    def _rebuild_view_order(self) -> None:
        self._vkeys = {}
        if self._sort_value is None:
            self._all_view = []
            return
        # 100,000 new keys that hold no cycles: the collector would walk them over and over
        with gc_paused():
            self._all_view = sorted(self._cache_view_key(r) for r in self._rows_by_id.values())

    def _key_for(self, row: _Row) -> ViewKey:
        """The key ``row`` is shown with (found again by it, whatever time it is)."""
        if self._sort_value is None:
            return row.key
        key = self._vkeys.get(row.key[4])
        return key if key is not None else self._sort_value(row)

    def _cache_view_key(self, row: _Row) -> ViewKey:
        assert self._sort_value is not None
        key = self._sort_value(row)
        self._vkeys[row.key[4]] = key
        return key

    def _remember_view_key(self, row: _Row) -> ViewKey:
        """A new or changed row's key, kept in the ordered list of every row."""
        if self._sort_value is None:
            return row.key
        key = self._cache_view_key(row)
        insort(self._all_view, key)
        return key

    def _forget_view_key(self, row: _Row) -> None:
        if self._sort_value is None:
            return
        key = self._vkeys.pop(row.key[4], None)
        if key is None:
            return
        i = bisect_left(self._all_view, key)
        if i < len(self._all_view) and self._all_view[i] == key:
            del self._all_view[i]

    # ------------------------------------------------------------------ the tick

    def tick(self, first_row: int, last_row: int) -> None:
        """Once a second: refresh the countdown cells of the rows the view shows.

        With a time-dependent filter (at risk, breached) the tickets that crossed a
        threshold since the last tick join or leave the view, one row each.
        """
        now = self._now()
        if self._filter.time_dependent:
            self._admit_crossings(self._last_tick, now)
        self._last_tick = now
        count = len(self._visible)
        if count == 0:
            self.countsChanged.emit()
            return
        first = max(0, min(first_row, count - 1))
        last = max(first, min(last_row, count - 1))
        roles = [
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.DecorationRole,
            Qt.ItemDataRole.ForegroundRole,
        ]
        self.dataChanged.emit(
            self.index(first, Column.COUNTDOWN), self.index(last, Column.COUNTDOWN), roles
        )
        self.countsChanged.emit()

    def _admit_crossings(self, since: float, now: float) -> None:
        if now <= since:
            return
        crossed: set[int] = set()
        lo = bisect_right(self._all, (0, since, 9, float("inf"), 1 << 62))
        hi = bisect_right(self._all, (0, now, 9, float("inf"), 1 << 62))
        crossed.update(k[4] for k in self._all[lo:hi])
        lo = bisect_right(self._warnings, (since, 1 << 62))
        hi = bisect_right(self._warnings, (now, 1 << 62))
        crossed.update(tid for _ts, tid in self._warnings[lo:hi])
        for ticket_id in crossed:
            row = self._rows_by_id[ticket_id]
            shown = self.row_of(ticket_id)
            accepted = self._accepts(row, now)
            if accepted and shown is None:
                key = self._key_for(row)
                at = bisect_left(self._visible, key)
                self.beginInsertRows(QModelIndex(), at, at)
                self._visible.insert(at, key)
                self.endInsertRows()
            elif shown is not None and not accepted:
                self.beginRemoveRows(QModelIndex(), shown, shown)
                del self._visible[shown]
                self.endRemoveRows()

    # ------------------------------------------------------------------ display

    def _remaining(self, row: _Row, now: float | None = None) -> float | None:
        """Business seconds to the deadline (negative once breached; wall time then)."""
        if row.due_ts is None:
            clock = self._paused_clock(row)
            return None if clock is None else clock.remaining.total_seconds()
        now = self._now() if now is None else now
        calendar = row.entry.calendar
        if now >= row.due_ts or calendar is None or calendar.is_always_open:
            return row.due_ts - now
        seconds_between = getattr(calendar, "seconds_between", None)
        if seconds_between is None:
            return row.due_ts - now
        return float(seconds_between(now, row.due_ts))

    @staticmethod
    def _paused_clock(row: _Row) -> StoredClock | None:
        paused = [c for c in row.entry.clocks.values() if c.paused]
        return min(paused, key=lambda c: c.remaining) if paused else None

    def _display(self, row: _Row, column: Column) -> str:
        entry = row.entry
        if column == Column.COUNTDOWN:
            return self._countdown_text(row)
        if column == Column.CLOCK:
            clock = entry.nearest if row.due_ts is not None else self._paused_clock(row)
            return clock.metric.label if clock is not None else ""
        if column == Column.PRIORITY:
            return entry.priority.label
        if column == Column.NUMBER:
            return entry.number
        if column == Column.SUBJECT:
            return entry.subject
        if column == Column.CUSTOMER:
            return f"{entry.customer_name} · {entry.customer_tier.value.title()}"
        if column == Column.SITE_TIME:
            return self._site_time(entry)
        if column == Column.ASSIGNEE:
            return entry.assignee_name or "Unassigned"
        if column == Column.STATUS:
            return _STATUS_SHORT.get(entry.status) or entry.status.value.replace("_", " ")
        if column == Column.ESCALATION:
            return str(entry.escalation_level) if entry.escalation_level else ""
        if column == Column.CRITICISM:
            n = entry.open_negative_criticism
            return f"⚑ {n}" if n else ""
        return ""

    def _countdown_text(self, row: _Row) -> str:
        remaining = self._remaining(row)
        if remaining is None:
            return "no clock running"
        if row.due_ts is None:
            return paused_text(remaining)
        if remaining <= 0:
            return f"breached {format_remaining(remaining)} ago"
        calendar = row.entry.calendar
        business = calendar is not None and not calendar.is_always_open
        suffix = " (business hours)" if business else ""
        return f"{format_remaining(remaining)} left{suffix}"

    def _site_time(self, entry: QueueEntry) -> str:
        if not entry.site_zone:
            return ""
        zone = zone_named(entry.site_zone)
        if zone is None:
            return ""
        local = datetime.fromtimestamp(self._now(), zone)
        return f"{local:%a %H:%M}"

    def _tooltip(self, row: _Row, column: Column) -> str | None:
        entry = row.entry
        if column == Column.COUNTDOWN:
            lines = [f"{self.state_of(row).label.capitalize()}: {self._countdown_text(row)}"]
            clock = entry.nearest if row.due_ts is not None else None
            if clock is not None and clock.due_at is not None:
                mine = clock.due_at.astimezone(self._tech_zone)
                lines.append(f"Deadline (your time): {mine:%a %d %b %Y %H:%M %Z}")
                zone = zone_named(entry.site_zone)
                if zone is not None:
                    site = clock.due_at.astimezone(zone)
                    where = entry.site_name or entry.site_zone
                    lines.append(f"Deadline ({where}): {site:%a %d %b %Y %H:%M %Z}")
                target = format_remaining(clock.target.total_seconds())
                lines.append(f"Clock: {clock.metric.label}, target {target}")
            explanation = getattr(entry, "explanation", None) or (
                f"Policy: {entry.policy_name}" if entry.policy_name else None
            )
            if explanation:
                lines.append(explanation)
            return "\n".join(lines)
        if column == Column.CRITICISM and entry.open_negative_criticism:
            n = entry.open_negative_criticism
            return f"{n} open negative criticism note{'s' if n != 1 else ''} from this customer"
        if column == Column.SUBJECT:
            return entry.subject
        if column == Column.CUSTOMER:
            return self._display(row, Column.CUSTOMER)
        if column == Column.STATUS:
            return entry.status.value.replace("_", " ")
        return None


__all__ = [
    "ENTRY_ROLE",
    "HEADERS",
    "QUICK_FILTERS",
    "REMAINING_ROLE",
    "STATE_ROLE",
    "TICKET_ID_ROLE",
    "Column",
    "PreparedQueue",
    "QueueFilter",
    "QueueModel",
    "RowState",
    "format_remaining",
    "paused_text",
    "prepare_queue",
]
