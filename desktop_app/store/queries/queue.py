"""The queue's reads: every open ticket with its clocks, the first screenful, or some.

Three queries whatever the number of tickets: the tickets with everything the queue shows
(clocks packed into the same row), the customers' contracts (which select the policy), and
the policies and calendars when not cached yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from desktop_app.domain import TicketStatus
from desktop_app.domain.queue import QueueEntry
from desktop_app.memory import gc_paused
from desktop_app.store.queue_read import QueueBuilder, QueueLookups
from desktop_app.store.schema import TicketRow
from desktop_app.store.types import require_aware

if TYPE_CHECKING:
    from desktop_app.store.repository import Store

__all__ = ["OPEN_STATUSES", "load_queue", "load_queue_head", "queue_entries", "queue_sql"]

OPEN_STATUSES = tuple(s.value for s in TicketStatus if s.is_open)
_QUEUE_CHUNK = 4096  # rows fetched and built at a time when the queue loads


def load_queue(store: Store, now: datetime | None = None) -> list[QueueEntry]:
    """Every open ticket with its clocks, nearest deadline first (paused ones last)."""
    return _queue(store, now, ticket_ids=None)


def load_queue_head(
    store: Store, limit: int = 200, now: datetime | None = None
) -> list[QueueEntry]:
    """The ``limit`` open tickets that breach first: what the queue's first screen shows,
    read through the deadline index before the whole queue arrives."""
    if limit <= 0:
        return []
    t = TicketRow.__table__.c
    query = (
        select(t.id)
        .where(t.status.in_(OPEN_STATUSES), t.next_due_at.is_not(None))
        .order_by(t.next_due_at, t.id)
        .limit(int(limit))
    )
    with store.reading() as session:
        ids = list(session.scalars(query))
    return _queue(store, now, ticket_ids=ids) if ids else []


def queue_entries(
    store: Store, ticket_ids: Iterable[int], now: datetime | None = None
) -> dict[int, QueueEntry | None]:
    """Each ticket as the queue shows it; ``None`` for one that is no longer open (or no
    longer there)."""
    ids = sorted({int(i) for i in ticket_ids})
    result: dict[int, QueueEntry | None] = dict.fromkeys(ids)
    for start in range(0, len(ids), 5000):
        for entry in _queue(store, now, ticket_ids=ids[start : start + 5000]):
            result[entry.ticket_id] = entry
    return result


def _queue(
    store: Store, now: datetime | None, ticket_ids: Sequence[int] | None
) -> list[QueueEntry]:
    now = require_aware(now, "queue instant") if now is not None else store.now()
    engine = store.clock_engine()
    backend = store.backend
    sql = queue_sql(store, ticket_ids)
    with gc_paused():
        entries: list[QueueEntry] = []
        order: list[str] = []  # SQLite: each entry's sort key (see _sqlite_queue_order)
        with store.reading() as session:
            builder = QueueBuilder(engine, QueueLookups.load(session), now, backend)
            # Executed through the engine (its events and logging see it), fetched as the
            # driver's plain tuples in chunks, each built into entries at once: no per-value
            # type processing, and a chunk's text is freed (and its memory reused) before
            # the next arrives instead of all of it staying alive.
            result = session.connection().exec_driver_sql(sql)
            try:
                cursor = result.cursor
                while chunk := cursor.fetchmany(_QUEUE_CHUNK):
                    if backend == "sqlite":
                        order.extend(map(_sqlite_queue_order, chunk))
                    builder.build(chunk, entries)
                    del chunk
            finally:
                result.close()
        if order:  # SQLite sorts strings in C faster than its own ORDER BY
            entries = [entries[i] for i in sorted(range(len(order)), key=order.__getitem__)]
    return entries


def queue_sql(store: Store, ticket_ids: Sequence[int] | None = None) -> str:
    """The queue's one ticket query, as SQL for the driver (literal values only)."""
    t = TicketRow.__table__.c
    backend = store.backend
    # One narrow row per ticket: the clocks come packed in tickets.queue_clocks, the names
    # from the small tables, so nothing is joined per ticket.
    query = select(
        t.id,
        t.number,
        t.subject,
        t.priority,
        t.category,
        t.status,
        t.customer_id,
        t.site_id,
        t.assignee_id,
        t.escalation_level,
        t.version,
        t.created_at,
        t.queue_clocks,
        t.next_due_at,
    )
    if ticket_ids is not None:
        query = query.where(t.id.in_([int(i) for i in ticket_ids]), t.status.in_(OPEN_STATUSES))
    elif backend == "sqlite":
        # Almost every row the queue reads is open: a scan in table order beats one index
        # lookup per ticket (``+`` keeps SQLite off the status index).
        query = query.where(text(f"+tickets.status IN {_sql_list(OPEN_STATUSES)}"))
    else:
        query = query.where(t.status.in_(OPEN_STATUSES))
    if backend != "sqlite":
        query = query.order_by(t.next_due_at.asc().nulls_last(), t.created_at, t.id)
    # On SQLite the rows are ordered in Python (see _sqlite_queue_order): SQLite's sorter
    # would carry every whole row through the sort, which costs more.
    return str(query.compile(dialect=store.dialect, compile_kwargs={"literal_binds": True}))


def _sqlite_queue_order(row: Any) -> str:
    """Nearest deadline first, tickets without one last, then oldest, then by id.

    SQLite stores instants as fixed-width UTC text, so one concatenated string compares
    like the tuple (next_due_at NULLS LAST, created_at, id): ``~`` sorts after any digit.
    """
    key: str = (row[13] or "~") + row[11] + f"{row[0]:012d}"
    return key


def _sql_list(values: Iterable[str]) -> str:
    """A literal SQL list of our own enum values (never user input)."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"
