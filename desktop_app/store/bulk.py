"""Bulk import of a whole :class:`~desktop_app.domain.Desk`, all or nothing, in one short
write transaction.

An import is **prepared** first, without the write lock: what the database holds is read in
one read transaction, then every record is checked, every reference by name (customer,
site, contact, technician, ticket number) resolved against the desk itself and the database,
every ticket's clocks computed and every row built; on SQLite the rows of tickets, timelines
and clocks are even written to a staging file beside the database. Only then is the write
lock taken, and the transaction does little but put the prepared rows in (SQLite copies the
staged ones with ``INSERT … SELECT``; PostgreSQL takes them through ``COPY``), so the desk's
own writes wait a second or two while 60,000 tickets go in, not for the whole import.
Before inserting, the transaction checks that the setup the preparation relied on
(policies, calendars, technicians, the customers referred to with their sites, contacts and
contracts) is unchanged; if another desk changed it meanwhile, or took a name or number the
import adds, the import is prepared again (twice at most), so it never writes clocks
computed from a setup that is gone.

Text is checked against its columns' sizes here, and NUL characters refused, so SQLite
(which would store anything) and PostgreSQL (which refuses) accept the same desks. A full
disk, on either backend, is a :class:`~desktop_app.domain.DiskFullError` that says so.
While an import of a SQLite file prepares and writes, a note beside the file says so
(:func:`running_import`), so a writer that has to wait can say what it waits for.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain, islice
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import String, Table, func, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from desktop_app.domain import (
    CalendarSpec,
    Desk,
    DeskCustomer,
    DeskTicket,
    DiskFullError,
    DomainError,
    EventKind,
    FeedbackSource,
    Metric,
    Priority,
    Role,
    Sentiment,
    SlaPolicy,
    TicketEvent,
    TicketStatus,
    Tier,
    ValidationError,
)
from desktop_app.sla.credits import check_currency
from desktop_app.store import catalog, convert, db
from desktop_app.store.clocking import (
    PACKED_FIELDS,
    ClockEngine,
    ClockInputs,
    ContractPolicies,
    pack_clocks,
)
from desktop_app.store.db import sqlite_path
from desktop_app.store.schema import (
    CalendarRow,
    ContactRow,
    ContractRow,
    CriticismNoteRow,
    CustomerRow,
    PolicyRow,
    SiteRow,
    TechnicianRow,
    TicketClockRow,
    TicketEventRow,
    TicketRow,
)
from desktop_app.store.types import NaiveDatetimeError, require_aware, to_utc_text
from desktop_app.store.uow import ImportSummary, UnitOfWork

if TYPE_CHECKING:
    from desktop_app.store.repository import Store

__all__ = ["DeskBusyError", "DeskImporter", "PreparedImport", "import_desk", "running_import"]

_BATCH = 5_000  # rows per executemany: bounded memory, few round trips
_ATTEMPTS = 3  # preparations before an import whose setup keeps changing gives up
_IN_CHUNK = 900  # values per IN (...): under SQLite's old 999-parameter limit

# Column order of the driver-level inserts (values converted by the importer itself).
_TICKET_COLUMNS = (
    "number",
    "customer_id",
    "site_id",
    "contact_id",
    "subject",
    "description",
    "category",
    "priority",
    "status",
    "assignee_id",
    "escalation_level",
    "created_at",
    "resolved_at",
    "version",
    "updated_at",
    "updated_by",
    "next_due_at",
    "queue_clocks",
)
_EVENT_COLUMNS = (
    "ticket_id",
    "kind",
    "at",
    "author",
    "text",
    "priority",
    "category",
    "assignee_id",
    "level",
    "metric",
)
# a ticket_clocks row: its ticket, then the clock's fields in the order they are packed
_CLOCK_COLUMNS = ("ticket_id", *PACKED_FIELDS)
_CUSTOMER_COLUMNS = ("name", "tier", "notes")
_SITE_COLUMNS = ("customer_id", "name", "timezone", "calendar")
_CONTACT_COLUMNS = ("customer_id", "name", "email", "phone")


class DeskBusyError(DomainError):
    """Another writer held the database's write lock for the whole busy timeout."""


class _SetupChanged(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "The desk's setup (policies, calendars, technicians or the customers this import "
            "refers to) kept changing while the import was being prepared; nothing was "
            "imported. Import again when the changes are done."
        )


def _table(row_class: Any) -> Table:
    table: Table = row_class.__table__
    return table


def _lengths(row_class: Any) -> dict[str, int]:
    """The most characters each ``String(n)`` column of ``row_class`` holds."""
    return {
        column.name: column.type.length
        for column in _table(row_class).c
        if isinstance(column.type, String) and column.type.length
    }


_TICKET_LENGTHS = _lengths(TicketRow)
_EVENT_LENGTHS = _lengths(TicketEventRow)
_CUSTOMER_LENGTHS = _lengths(CustomerRow)
_SITE_LENGTHS = _lengths(SiteRow)
_CONTACT_LENGTHS = _lengths(ContactRow)
_TECHNICIAN_LENGTHS = _lengths(TechnicianRow)
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _check_text(value: str, limit: int | None, where: str, what: str) -> None:
    """Refuse ``value`` as the ``what`` of ``where`` unless every backend stores it as it
    is: not too long for its column (PostgreSQL refuses, SQLite would keep it), no NUL
    character, no half of a surrogate pair (neither can encode one)."""
    if limit is not None and len(value) > limit:
        raise ValidationError(
            f"{where}: the {what} is {len(value):,} characters long; it may hold at most "
            f"{limit:,}.",
            what,
        )
    if "\x00" in value:
        raise ValidationError(f"{where}: the {what} holds a NUL character (\\x00).", what)
    if not value.isascii() and _SURROGATE.search(value):
        raise ValidationError(
            f"{where}: the {what} holds an unpaired surrogate (\\ud800-\\udfff), which is "
            "not a character.",
            what,
        )


# --------------------------------------------------------------------------- the import


def import_desk(
    store: Store,
    desk: Desk,
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
    written: Callable[[UnitOfWork, ImportSummary, Sequence[int]], None] | None = None,
) -> ImportSummary:
    """Prepare ``desk`` without the write lock, then write it in one short transaction (see
    the module documentation); returns what was added. Nothing is written when anything
    is refused. ``written(unit of work, summary, new ticket ids)`` runs in the write
    transaction, to say what changed."""
    stamp = require_aware(now if now is not None else store.now(), "import instant")
    store.check_writable()  # before anything is staged beside a file that cannot take it
    with _announced(store, desk):
        attempt = 1
        while True:
            prepared = DeskImporter(store, stamp).prepare(desk)
            try:
                with _in_words(store), store.writing(actor_id, "import_desk") as uow:
                    summary = prepared.write(uow.session)
                    uow.record("desk", None, None, {"imported": summary.as_dict()})
                    if written is not None:
                        written(uow, summary, prepared.written)
            except (_SetupChanged, IntegrityError):
                # Another desk changed what the preparation relied on, or took a name or
                # number this import adds: prepare again, which sees the change (and then
                # refuses the record in words, or computes the clocks afresh).
                if attempt == _ATTEMPTS:
                    raise
                attempt += 1
                continue
            finally:
                prepared.discard()
            return summary


@contextmanager
def _in_words(store: Store) -> Iterator[None]:
    """Database errors that are not about the data, in words: a full disk, a write lock
    another writer held for the whole busy timeout."""
    try:
        yield
    except DBAPIError as exc:
        original = exc.orig
        if _is_disk_full(original):
            raise _disk_full(store) from exc
        if isinstance(original, sqlite3.OperationalError) and "locked" in str(original):
            holder = running_import(store)
            who = f"another import ({holder})" if holder else "another program"
            raise DeskBusyError(
                f"The desk's database stayed busy for {db.BUSY_TIMEOUT_MS / 1000:g} s: {who} "
                "kept writing to it. Nothing was imported; run the import again when it is "
                "done."
            ) from exc
        raise


def _is_disk_full(error: BaseException | None) -> bool:
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
            "disk is full" in str(error)
        )
    return getattr(error, "sqlstate", None) == "53100"  # PostgreSQL's disk_full


def _disk_full(store: Store) -> DiskFullError:
    path = sqlite_path(store._engine.url)
    if path is None:
        return DiskFullError(
            f"the database at {store.url}",
            None,
            "Ask the server's administrator to free space on it, then import again.",
        )
    try:
        free: int | None = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    return DiskFullError(
        str(path),
        free,
        "Free some space on that disk (the import needs room for its tickets in the "
        "database's journal too), then run it again.",
    )


# --- the note beside a SQLite file ---------------------------------------------------------


def _note_prefix(store: Store) -> Path | None:
    path = sqlite_path(store._engine.url)
    return path.with_name(path.name + "-import-") if path is not None else None


@contextmanager
def _announced(store: Store, desk: Desk) -> Iterator[None]:
    """Leave a note beside a SQLite file while ``desk`` is imported into it: one file per
    importing process (``desk.sqlite3-import-<pid>``), removed when the import ends."""
    prefix = _note_prefix(store)
    if prefix is None:
        yield
        return
    what = ", ".join(
        f"{count:,} {name}"
        for name, count in (
            ("tickets", len(desk.tickets)),
            ("customers", len(desk.customers)),
            ("technicians", len(desk.technicians)),
        )
        if count
    )
    content = {
        "what": f"an import of {what or 'setup records'}",
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "host": socket.gethostname(),
    }
    note = prefix.with_name(f"{prefix.name}{os.getpid()}")
    try:
        descriptor = os.open(note, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(content, stream)
    except OSError:  # a read-only folder or a full disk: the import itself will say
        pass
    try:
        yield
    finally:
        with suppress(OSError):
            os.unlink(note)


def running_import(store: Store, *, include_own: bool = False) -> str | None:
    """What import another process is writing to ``store``'s SQLite file right now ("an
    import of 60,000 tickets, since 10:32:05 UTC, process 4242 on laptop"), or ``None``:
    for a writer that has to wait to say what it waits for. Notes of processes that died
    are ignored (and this process's own unless ``include_own``)."""
    prefix = _note_prefix(store)
    if prefix is None:
        return None
    host = socket.gethostname()
    for note in sorted(prefix.parent.glob(f"{prefix.name}*")):
        if not note.name[len(prefix.name) :].isdigit():  # a staging file, not a note
            continue
        try:
            content = json.loads(note.read_text(encoding="utf-8"))
            what, since, pid, where = (
                str(content["what"]),
                datetime.fromisoformat(content["since"]),
                int(content["pid"]),
                str(content["host"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if where == host and (not _alive(pid) or (pid == os.getpid() and not include_own)):
            continue
        return f"{what}, since {since:%H:%M:%S} UTC, process {pid} on {where}"
    return None


def _alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill would end the process there; trust the note
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is not ours to signal
        return True
    return True


# --------------------------------------------------------------------------- preparing


@dataclass(slots=True)
class PreparedImport:
    """Every row of an import, checked and computed, ready for one write transaction.

    Rows refer to records the same import adds by *keys*, negative numbers (one series per
    table) that :meth:`write` replaces with the new ids; timelines and clocks refer to
    their ticket by its position (in :attr:`numbers`)."""

    fingerprint: Callable[[Session], tuple[Any, ...]]
    seen: tuple[Any, ...]  # what fingerprint gave while preparing
    calendars: Sequence[CalendarSpec]
    policies: Sequence[SlaPolicy]
    technicians: list[dict[str, Any]]  # new ones, in key order (-1, -2, …)
    customers: list[DeskCustomer]  # new ones, in key order
    customer_keys: bool  # whether anything refers to a new customer's key
    sites: list[tuple[Any, ...]]  # (customer key or id, name, zone, calendar), key order
    contacts: list[tuple[Any, ...]]  # (customer key or id, name, email, phone), key order
    contracts: list[dict[str, Any]]  # customer_id a key or an id
    tickets: list[tuple[Any, ...]]  # in _TICKET_COLUMNS order, keys for new references
    timelines: list[tuple[Any, ...]]  # rows with the ticket's position for its id
    clocks: list[tuple[Any, ...]]  # rows with the ticket's position for its id
    criticism: list[dict[str, Any]]  # customer, follow-up owner and ticket as keys or ids
    criticism_tickets: list[tuple[int, str | None]]  # (index in criticism, new ticket number)
    numbers: list[str] = field(default_factory=list)  # ticket numbers by position
    # SQLite: the rows of tickets (when they refer to no record the import adds), timelines
    # and clocks, written beside the database before the lock is taken (see _Stage)
    stage: _Stage | None = None
    # once written: the ids of the new tickets
    written: Sequence[int] = ()

    def discard(self) -> None:
        """Remove what preparing left on disk."""
        if self.stage is not None:
            self.stage.remove()

    def write(self, session: Session) -> ImportSummary:
        """Insert everything in ``session``'s transaction; raises :class:`_SetupChanged`
        when the setup the preparation relied on is no longer what it read."""
        if self.fingerprint(session) != self.seen:
            raise _SetupChanged
        summary = ImportSummary()
        summary.calendars = catalog.save_calendars(session, self.calendars)
        summary.policies = catalog.save_policies(session, self.policies)
        writer = _Writer(session)

        technicians = _keyed(writer.insert_returning(_table(TechnicianRow), self.technicians))
        customers: dict[int, int] = {}
        first = writer.max_id(_table(CustomerRow)) + 1
        writer.insert(
            _table(CustomerRow),
            _CUSTOMER_COLUMNS,
            (
                (c.customer.name, Tier(c.customer.tier).value, c.customer.notes)
                for c in self.customers
            ),
        )
        if self.customer_keys:
            by_name = writer.ids_since(_table(CustomerRow), ("name",), first)
            customers = {
                -(index + 1): by_name[(entry.customer.name,)]
                for index, entry in enumerate(self.customers)
            }
        summary.customers = len(self.customers)

        def customer(key: int) -> int:
            return customers[key] if key < 0 else key

        sites = self._insert_keyed(writer, _table(SiteRow), _SITE_COLUMNS, self.sites, customer)
        contacts = self._insert_keyed(
            writer, _table(ContactRow), _CONTACT_COLUMNS, self.contacts, customer
        )
        writer.insert_many(
            _table(ContractRow),
            [{**row, "customer_id": customer(row["customer_id"])} for row in self.contracts],
        )
        summary.technicians, summary.sites = len(self.technicians), len(self.sites)
        summary.contacts, summary.contracts = len(self.contacts), len(self.contracts)

        resolved = [
            _resolve_ticket(row, customers, sites, contacts, technicians) for row in self.tickets
        ]
        first = writer.max_id(_table(TicketRow)) + 1
        if self.stage is not None:
            # SQLite, under this transaction's write lock: the new tickets get the ids
            # after the last one, in order, and the staged rows are copied in by SQLite
            # itself (three times as fast as inserting them from here).
            ids: Sequence[int] = range(first, first + len(self.numbers))
            if resolved:
                writer.insert(
                    _table(TicketRow),
                    ("id", *_TICKET_COLUMNS),
                    ((id_, *row) for id_, row in zip(ids, resolved, strict=True)),
                )
            summary.events = self.stage.copy(session, first)
        else:
            writer.insert(_table(TicketRow), _TICKET_COLUMNS, resolved)
            by_number = writer.ids_since(_table(TicketRow), ("number",), first)
            ids = [by_number[(number,)] for number in self.numbers]
            writer.insert(
                _table(TicketEventRow),
                _EVENT_COLUMNS,
                [(ids[row[0]], *row[1:]) for row in self.timelines],
            )
            writer.insert(
                _table(TicketClockRow),
                _CLOCK_COLUMNS,
                [(ids[row[0]], *row[1:]) for row in self.clocks],
            )
            summary.events = len(self.timelines)
        summary.tickets = len(self.numbers)

        numbers = dict(zip(self.numbers, ids, strict=True))
        self.written = ids
        notes = [
            {
                **row,
                "customer_id": customer(row["customer_id"]),
                "follow_up_owner_id": _new_or_id(row["follow_up_owner_id"], technicians),
            }
            for row in self.criticism
        ]
        for index, number in self.criticism_tickets:
            if number is not None:
                notes[index]["ticket_id"] = numbers[number]
        writer.insert_many(_table(CriticismNoteRow), notes)
        summary.criticism = len(notes)
        return summary

    @staticmethod
    def _insert_keyed(
        writer: _Writer,
        table: Table,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        customer: Callable[[int], int],
    ) -> dict[int, int]:
        """Insert ``rows`` (customer first, name second) and map their keys to new ids."""
        if not rows:
            return {}
        resolved = [(customer(row[0]), *row[1:]) for row in rows]
        first = writer.max_id(table) + 1
        writer.insert(table, columns, resolved)
        found = writer.ids_since(table, ("customer_id", "name"), first)
        return {-(index + 1): found[(row[0], row[1])] for index, row in enumerate(resolved)}


class _Stage:
    """The rows of an import's tickets, timelines and clocks in a SQLite file beside the
    database, written while preparing (no lock held); the write transaction attaches it
    and copies them in with ``INSERT … SELECT``, in SQLite alone. The file is the owner's
    only and removed when the import ends."""

    _TABLES: ClassVar[dict[str, tuple[str, Sequence[str], str]]] = {
        # staged table: (desk table, columns after the ticket's id or position, id column)
        "tickets": ("tickets", _TICKET_COLUMNS, "id"),
        "events": ("ticket_events", _EVENT_COLUMNS[1:], "ticket_id"),
        "clocks": ("ticket_clocks", _CLOCK_COLUMNS[1:], "ticket_id"),
    }

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tables: list[str] = []
        self.events = 0

    @classmethod
    def write(
        cls,
        path: Path,
        tickets: Sequence[tuple[Any, ...]] | None,
        timelines: Sequence[tuple[Any, ...]],
        clocks: Sequence[tuple[Any, ...]],
    ) -> _Stage:
        stage = cls(path)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            # Nothing here needs to survive a crash: no journal, no syncing.
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("BEGIN")
            if tickets is not None:
                stage._fill(connection, "tickets", ((p, *row) for p, row in enumerate(tickets)))
            stage._fill(connection, "events", timelines)
            stage._fill(connection, "clocks", clocks)
            connection.execute("COMMIT")
        finally:
            connection.close()
        stage.events = len(timelines)
        return stage

    def _fill(
        self, connection: sqlite3.Connection, name: str, rows: Iterable[tuple[Any, ...]]
    ) -> None:
        """Stage ``rows``: the ticket's position, then the table's columns."""
        _, columns, _ = self._TABLES[name]
        names = ", ".join(f'"{c}"' for c in columns)
        connection.execute(f'CREATE TABLE "{name}" (position INTEGER, {names})')
        marks = ", ".join("?" for _ in range(len(columns) + 1))
        connection.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
        self.tables.append(name)

    def copy(self, session: Session, first_id: int) -> int:
        """Copy the staged rows in, the ticket at position p getting id ``first_id + p``;
        returns how many timeline entries went in."""
        connection = session.connection()
        alias = _attach(connection, self.path)
        for name in self.tables:
            table, columns, id_column = self._TABLES[name]
            names = ", ".join(f'"{c}"' for c in columns)
            connection.exec_driver_sql(
                f'INSERT INTO "{table}" ("{id_column}", {names}) '
                f'SELECT ? + position, {names} FROM {alias}."{name}" ORDER BY rowid',
                (first_id,),
            )
        return self.events

    def remove(self) -> None:
        with suppress(OSError):
            os.unlink(self.path)


_STAGES = "desk_import_stages"  # connection info: the stages attached to it


def _attach(connection: Any, path: Path) -> str:
    """Attach ``path`` to the transaction's connection under a name of its own; it is
    detached when the connection goes back to the pool (SQLite refuses while the
    transaction lasts)."""
    pool = connection.engine.pool
    if not sa_event.contains(pool, "checkin", _detach_stages):
        sa_event.listen(pool, "checkin", _detach_stages)
    alias = f"import_stage_{uuid.uuid4().hex[:12]}"
    connection.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (str(path),))
    connection.connection.info.setdefault(_STAGES, []).append(alias)
    return alias


def _detach_stages(dbapi_connection: Any, record: Any) -> None:
    for alias in record.info.pop(_STAGES, ()):
        with suppress(sqlite3.Error):
            dbapi_connection.execute(f"DETACH DATABASE {alias}")


def _keyed(ids: list[int]) -> dict[int, int]:
    return {-(index + 1): id_ for index, id_ in enumerate(ids)}


def _new_or_id(value: int | None, new: dict[int, int]) -> int | None:
    return new[value] if value is not None and value < 0 else value


def _refers_to_new(row: tuple[Any, ...]) -> bool:
    """Whether a ticket row's customer, site, contact or assignee is one the import adds."""
    customer, site, contact, assignee = row[1], row[2], row[3], row[9]
    return (
        customer < 0
        or (site is not None and site < 0)
        or (contact is not None and contact < 0)
        or (assignee is not None and assignee < 0)
    )


def _resolve_ticket(
    row: tuple[Any, ...],
    customers: dict[int, int],
    sites: dict[int, int],
    contacts: dict[int, int],
    technicians: dict[int, int],
) -> tuple[Any, ...]:
    """The ticket row with the ids of customer, site, contact and assignee the same
    import adds in place of their keys (most rows refer to stored ones: returned as they
    are)."""
    if not _refers_to_new(row):
        return row
    customer, site, contact, assignee = row[1], row[2], row[3], row[9]
    return (
        row[0],
        customers[customer] if customer < 0 else customer,
        _new_or_id(site, sites),
        _new_or_id(contact, contacts),
        *row[4:9],
        _new_or_id(assignee, technicians),
        *row[10:],
    )


class _Writer:
    """The inserts of one write transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def max_id(self, table: Table) -> int:
        return int(self.session.execute(select(func.max(table.c.id))).scalar() or 0)

    def ids_since(
        self, table: Table, key: Sequence[str], first_id: int
    ) -> dict[tuple[Any, ...], int]:
        """Key -> id of the rows at or after ``first_id``. Ids only grow (SQLite under this
        transaction's write lock, PostgreSQL from its sequence), so the rows just inserted
        are among them; the keys are unique, so a concurrent writer's rows never match."""
        columns = [table.c[name] for name in key]
        return {
            tuple(row[:-1]): row[-1]
            for row in self.session.execute(
                select(*columns, table.c.id).where(table.c.id >= first_id)
            )
        }

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """``INSERT`` through the driver's executemany, or ``COPY`` on PostgreSQL with
        psycopg; values must be driver-ready."""
        remaining = iter(rows)
        first = next(remaining, None)
        if first is None:
            return
        rows = chain((first,), remaining)
        connection = self.session.connection()
        dialect = connection.dialect
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            # One stream instead of a statement per row: 73k timeline rows took 2.0 s
            # (0.66 s of it in this process) as executemany, 1.0 s (0.15 s) as COPY.
            sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
            driver = connection.connection.driver_connection
            assert driver is not None
            try:
                with driver.cursor() as cursor, cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            except dialect.loaded_dbapi.Error as exc:
                # Raised as SQLAlchemy raises every other write's database error.
                raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error) from exc
            return
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = (
            f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join(mark for _ in columns)})"
        )
        batches = iter(rows)
        while batch := list(islice(batches, _BATCH)):
            connection.exec_driver_sql(sql, batch)

    def insert_returning(self, table: Table, rows: list[dict[str, Any]]) -> list[int]:
        """Insert rows and return their new ids in the order given."""
        ids: list[int] = []
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            ids.extend(self.session.execute(statement, batch).scalars())
        return ids

    def insert_many(self, table: Table, rows: list[dict[str, Any]]) -> None:
        statement = insert(table)
        for start in range(0, len(rows), _BATCH):
            self.session.execute(statement, rows[start : start + _BATCH])


@dataclass(slots=True)
class _Stored:
    """What the database holds that an import refers to, read in one read transaction."""

    calendars: list[Any]
    policies: list[Any]
    technicians: dict[str, int]
    customers: dict[str, _CustomerRefs]
    contracts: list[tuple[int, str, Any, Any, int]]
    max_contract_id: int
    numbers: set[str]  # ticket numbers of the import that are taken
    tickets: dict[tuple[str, int], int] = field(default_factory=dict)  # (number, customer) -> id


def _fingerprint(scope: Sequence[int]) -> Callable[[Session], tuple[Any, ...]]:
    """What an import's clocks and references depend on, for the stored customers in
    ``scope``: read while preparing and again in the write transaction, which goes ahead
    only if nothing changed."""

    def rows(session: Session, query: Any) -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(row) for row in session.execute(query))

    def read(session: Session) -> tuple[Any, ...]:
        cal, pol, tech = CalendarRow, PolicyRow, TechnicianRow
        found: list[Any] = [
            rows(
                session,
                select(cal.id, cal.name, cal.hours, cal.holidays, cal.holiday_region).order_by(
                    cal.id
                ),
            ),
            rows(
                session,
                select(
                    pol.id,
                    pol.name,
                    pol.tier,
                    pol.category,
                    pol.calendar,
                    pol.targets,
                    pol.warnings,
                    pol.escalation,
                ).order_by(pol.id),
            ),
            rows(session, select(tech.id, tech.name).order_by(tech.id)),
        ]
        for start in range(0, len(scope), _IN_CHUNK):
            chunk = scope[start : start + _IN_CHUNK]
            found.append(
                rows(
                    session,
                    select(CustomerRow.id, CustomerRow.name, CustomerRow.tier)
                    .where(CustomerRow.id.in_(chunk))
                    .order_by(CustomerRow.id),
                )
            )
            for query in (
                select(
                    SiteRow.id,
                    SiteRow.customer_id,
                    SiteRow.name,
                    SiteRow.timezone,
                    SiteRow.calendar,
                ).where(SiteRow.customer_id.in_(chunk)),
                select(ContactRow.id, ContactRow.customer_id, ContactRow.name).where(
                    ContactRow.customer_id.in_(chunk)
                ),
                select(
                    ContractRow.id,
                    ContractRow.customer_id,
                    ContractRow.policy,
                    ContractRow.starts_on,
                    ContractRow.ends_on,
                ).where(ContractRow.customer_id.in_(chunk)),
            ):
                found.append(rows(session, query.order_by(query.selected_columns[0])))
        return tuple(found)

    return read


class DeskImporter:
    """Prepares a desk for :meth:`PreparedImport.write`: reads, checks, resolves names,
    computes clocks and builds every row, without the write lock."""

    def __init__(self, store: Store, now: datetime) -> None:
        self.store = store
        self.now = require_aware(now, "import instant")
        self.sqlite = store.backend == "sqlite"

    def prepare(self, desk: Desk) -> PreparedImport:
        stored, fingerprint, seen = self._read(desk)
        engine, calendar_names = self._clock_engine(desk, stored)
        technicians, new_technicians = self._technicians(desk, stored)
        customers = _Customers(stored.customers)
        self._customers(desk, customers, calendar_names, engine)
        contracts = ContractPolicies(
            [
                *stored.contracts,
                *(
                    (row["customer_id"], row["policy"], row["starts_on"], row["ends_on"], id_)
                    for id_, row in enumerate(customers.contracts, start=stored.max_contract_id + 1)
                ),
            ]
        )
        tickets, timelines, clocks = self._tickets(
            desk, stored, customers, technicians, engine, contracts
        )
        criticism, criticism_tickets = self._criticism(desk, stored, customers, technicians)
        numbers = [row[0] for row in tickets]
        stage = None
        stage_path = self._stage_path()
        if stage_path is not None and tickets:
            keyed = any(map(_refers_to_new, tickets))
            stage = self._staged(stage_path, None if keyed else tickets, timelines, clocks)
            if not keyed:
                tickets = []
            timelines, clocks = [], []
        return PreparedImport(
            fingerprint=fingerprint,
            seen=seen,
            calendars=desk.calendars,
            policies=desk.policies,
            technicians=new_technicians,
            customers=customers.new,
            customer_keys=customers.keys_used,
            sites=customers.sites,
            contacts=customers.contacts,
            contracts=customers.contracts,
            tickets=tickets,
            timelines=timelines,
            clocks=clocks,
            criticism=criticism,
            criticism_tickets=criticism_tickets,
            numbers=numbers,
            stage=stage,
        )

    def _stage_path(self) -> Path | None:
        path = sqlite_path(self.store._engine.url) if self.sqlite else None
        return path.with_name(f"{path.name}-import-{os.getpid()}.stage") if path else None

    def _staged(
        self,
        path: Path,
        tickets: list[tuple[Any, ...]] | None,
        timelines: list[tuple[Any, ...]],
        clocks: list[tuple[Any, ...]],
    ) -> _Stage:
        try:
            return _Stage.write(path, tickets, timelines, clocks)
        except BaseException as exc:
            # The space left is measured before the half-written file goes.
            full = isinstance(exc, OSError | sqlite3.Error) and (
                _is_disk_full(exc) or getattr(exc, "errno", None) == errno.ENOSPC
            )
            failure = _disk_full(self.store) if full else None
            _Stage(path).remove()
            if failure is not None:
                raise failure from exc
            raise

    # --- reading ------------------------------------------------------------------------

    def _read(
        self, desk: Desk
    ) -> tuple[_Stored, Callable[[Session], tuple[Any, ...]], tuple[Any, ...]]:
        with self.store.reading() as session:
            customers: dict[str, _CustomerRefs] = {}
            by_id: dict[int, _CustomerRefs] = {}
            for cid, name, tier in session.execute(
                select(CustomerRow.id, CustomerRow.name, CustomerRow.tier)
            ):
                customers[name] = by_id[cid] = _CustomerRefs(cid, Tier(tier))
            for sid, cid, name, zone, cal in session.execute(
                select(
                    SiteRow.id,
                    SiteRow.customer_id,
                    SiteRow.name,
                    SiteRow.timezone,
                    SiteRow.calendar,
                ).order_by(SiteRow.id)
            ):
                by_id[cid].sites[name] = (sid, zone, cal)
            for kid, cid, name in session.execute(
                select(ContactRow.id, ContactRow.customer_id, ContactRow.name)
            ):
                by_id[cid].contacts[name] = kid
            c = _table(ContractRow).c
            contracts = [
                (row[0], row[1], row[2], row[3], row[4])
                for row in session.execute(
                    select(c.customer_id, c.policy, c.starts_on, c.ends_on, c.id)
                )
            ]
            stored = _Stored(
                calendars=list(session.scalars(select(CalendarRow).order_by(CalendarRow.id))),
                policies=list(session.scalars(select(PolicyRow).order_by(PolicyRow.id))),
                technicians={
                    name: id_
                    for name, id_ in session.execute(select(TechnicianRow.name, TechnicianRow.id))
                },
                customers=customers,
                contracts=contracts,
                max_contract_id=max((row[4] for row in contracts), default=0),
                numbers=self._existing_numbers(session, [d.ticket.number for d in desk.tickets]),
            )
            wanted = {
                (entry.ticket_number, customers[entry.customer].id)
                for entry in desk.criticism
                if entry.ticket_number is not None and entry.customer in customers
            }
            for number, customer_id in wanted:
                ticket_id = session.scalar(
                    select(TicketRow.id).where(
                        TicketRow.number == number, TicketRow.customer_id == customer_id
                    )
                )
                if ticket_id is not None:
                    stored.tickets[(number, customer_id)] = ticket_id
            # the stored customers the desk refers to (the others it adds)
            referred = chain(
                (entry.customer.name for entry in desk.customers),
                (entry.customer for entry in desk.tickets),
                (entry.customer for entry in desk.criticism),
            )
            scope = sorted({customers[name].id for name in referred if name in customers})
            fingerprint = _fingerprint(scope)
            seen = fingerprint(session)
        return stored, fingerprint, seen

    @staticmethod
    def _existing_numbers(session: Session, numbers: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(numbers), _IN_CHUNK):
            chunk = numbers[start : start + _IN_CHUNK]
            found.update(
                session.scalars(select(TicketRow.number).where(TicketRow.number.in_(chunk)))
            )
        return found

    def _clock_engine(self, desk: Desk, stored: _Stored) -> tuple[ClockEngine, set[str]]:
        """The engine the stored policies and calendars make once the desk's replace those
        of the same name and add the others, as the write will store them (which also
        checks the policy set)."""
        calendars = _merged(
            stored.calendars,
            desk.calendars,
            convert.calendar_to_columns,
            convert.calendar_from_row,
            "Calendar",
        )
        policies = _merged(
            stored.policies,
            desk.policies,
            convert.policy_to_columns,
            convert.policy_from_row,
            "Policy",
        )
        return ClockEngine(policies, calendars), {c.name for c in calendars}

    # --- people -------------------------------------------------------------------------

    def _technicians(
        self, desk: Desk, stored: _Stored
    ) -> tuple[dict[str, int], list[dict[str, Any]]]:
        known = dict(stored.technicians)
        new: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, tech in enumerate(desk.technicians):
            where = f"Technician {tech.name!r} (technician #{i + 1})"
            if not tech.name.strip():
                raise ValidationError(f"Technician #{i + 1} has no name; name everyone.")
            if tech.name in seen:
                raise ValidationError(f"{where} appears twice in the import; keep one.")
            seen.add(tech.name)
            if tech.name in known:
                continue
            try:
                Role(tech.role)
            except ValueError:
                raise ValidationError(
                    f"{where}: unknown role {tech.role!r}; use technician, dispatcher or manager.",
                    "role",
                ) from None
            catalog.check_zone(tech.timezone, where)
            columns = convert.technician_to_columns(tech)
            for name in ("name", "timezone", "shift_start", "shift_end"):
                _check_text(columns[name], _TECHNICIAN_LENGTHS.get(name), where, name)
            new.append(columns)
            known[tech.name] = -len(new)
        return known, new

    # --- customers ----------------------------------------------------------------------

    def _customers(
        self,
        desk: Desk,
        customers: _Customers,
        calendar_names: set[str],
        engine: ClockEngine,
    ) -> None:
        policies = {p.name for p in engine.policies}
        seen: set[str] = set()
        for i, entry in enumerate(desk.customers):
            customer = entry.customer
            where = f"Customer {customer.name!r} (customer #{i + 1})"
            if not customer.name.strip():
                raise ValidationError(f"Customer #{i + 1} has no name; name every customer.")
            if customer.name in seen:
                raise ValidationError(f"{where} appears twice in the import; merge the two.")
            seen.add(customer.name)
            _check_text(customer.name, _CUSTOMER_LENGTHS["name"], where, "name")
            _check_text(customer.notes, None, where, "notes")
            try:
                Tier(customer.tier)
            except ValueError:
                tiers = ", ".join(t.value for t in Tier)
                raise ValidationError(
                    f"{where}: unknown tier {customer.tier!r}; use one of {tiers}.", "tier"
                ) from None
            for site in entry.sites:
                site_where = f"{where}, site {site.name!r}"
                catalog.check_zone(site.timezone, site_where)
                _check_text(site.name, _SITE_LENGTHS["name"], site_where, "name")
                if site.calendar not in calendar_names and site.calendar != "24x7":
                    raise ValidationError(
                        f"{where}, site {site.name!r}: calendar {site.calendar!r} does not "
                        f"exist (calendars: {', '.join(sorted(calendar_names)) or 'none'}); "
                        "import the calendar too or pick an existing one.",
                        "calendar",
                    )
            for contact in entry.contacts:
                contact_where = f"{where}, contact {contact.name!r}"
                for name in ("name", "email", "phone"):
                    _check_text(
                        getattr(contact, name), _CONTACT_LENGTHS.get(name), contact_where, name
                    )
            for contract in entry.contracts:
                if contract.policy not in policies:
                    raise ValidationError(
                        f"{where}: the contract names policy {contract.policy!r}, which does "
                        f"not exist (policies: {', '.join(sorted(policies)) or 'none'}).",
                        "policy",
                    )
                if contract.ends_on < contract.starts_on:
                    raise ValidationError(
                        f"{where}: a contract ends ({contract.ends_on}) before it starts "
                        f"({contract.starts_on}); swap the dates.",
                        "ends_on",
                    )
                check_currency(contract.currency, f"{where}: the contract's currency")
                if not 0 <= contract.attainment_target <= 100:
                    raise ValidationError(
                        f"{where}: an attainment target of {contract.attainment_target:g} % "
                        "is not a share of clocks; give 0 (none) to 100.",
                        "attainment_target",
                    )
            customers.add(entry)

    # --- tickets ------------------------------------------------------------------------

    def _tickets(  # noqa: PLR0917 - the desk and what resolves its names
        self,
        desk: Desk,
        stored: _Stored,
        customers: _Customers,
        technicians: dict[str, int],
        engine: ClockEngine,
        contracts: ContractPolicies,
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The ticket rows, and their timelines' and clocks' rows by ticket position."""
        if stored.numbers:
            existing = sorted(stored.numbers)
            shown = ", ".join(existing[:5])
            raise ValidationError(
                f"Ticket {existing[0]} is already in the database ({len(existing)} of "
                f"the imported numbers are, e.g. {shown}); renumber them or leave them out.",
                "number",
            )
        # Every instant is formatted once, shared by the columns and the queue's packed
        # clocks (an import repeats many: the clocks' as_of, start times, met instants).
        texts: dict[datetime | None, str] = {None: ""}
        text = _cached_utc_text(texts)
        instant = self._instant_converter(texts)
        now = self.now
        seen: set[str] = set()
        tickets: list[tuple[Any, ...]] = []
        timelines: list[tuple[Any, ...]] = []
        clocks: list[tuple[Any, ...]] = []
        kinds, priorities, metrics = _KINDS, _PRIORITIES, _METRICS
        for position, entry in enumerate(desk.tickets):
            columns, inputs, events, is_open = self._ticket_row(
                position, entry, customers, technicians, contracts, seen, instant
            )
            try:
                computed = engine.compute(inputs, events, now)
            except ValidationError as exc:
                raise ValidationError(f"Ticket {columns[0]}: {exc}", exc.field) from exc
            tickets.append(
                (
                    *columns,
                    instant(computed.next_due_at) if is_open else None,
                    pack_clocks(computed.rows, text),
                )
            )
            timelines.extend(
                (
                    position,
                    kinds[e.kind],
                    instant(e.at),
                    e.author,
                    e.text,
                    None if e.priority is None else priorities[e.priority],
                    e.category,
                    e.assignee_id,
                    e.level,
                    None if e.metric is None else metrics[e.metric],
                )
                for e in events
            )
            clocks.extend(
                (
                    position,
                    c["metric"],
                    c["state"],
                    c["target_seconds"],
                    instant(c["started_at"]),
                    instant(c["due_at"]),
                    c["elapsed_seconds"],
                    instant(c["breached_at"]),
                    instant(c["met_at"]),
                    c["paused"],
                    instant(c["as_of"]),
                )
                for c in computed.rows
            )
        return tickets, timelines, clocks

    def _instant_converter(
        self, texts: dict[datetime | None, str]
    ) -> Callable[[datetime | None], Any]:
        """Aware instants as the driver takes them: UTC text on SQLite (the UTC type's
        storage form, remembered in ``texts`` as :func:`_cached_utc_text` does), aware UTC
        datetimes on PostgreSQL; ``None`` stays ``None``."""
        if self.sqlite:
            known = texts.get

            def to_text(value: datetime | None) -> str | None:
                if value is None:
                    return None
                found = known(value)
                return _remember(texts, value) if found is None else found

            return to_text

        def to_utc(value: datetime | None) -> Any:
            if value is None or value.tzinfo is UTC:
                return value
            return require_aware(value).astimezone(UTC)

        return to_utc

    def _ticket_row(  # noqa: PLR0917 - one ticket and what resolves its names
        self,
        i: int,
        entry: DeskTicket,
        customers: _Customers,
        technicians: dict[str, int],
        contracts: ContractPolicies,
        seen: set[str],
        instant: Callable[[datetime | None], Any],
    ) -> tuple[tuple[Any, ...], ClockInputs, tuple[TicketEvent, ...], bool]:
        """The ticket's column values in ``_TICKET_COLUMNS`` order up to ``updated_by``
        (instants converted by ``instant``, keys for records the import adds), its policy
        inputs, its completed timeline and whether it is open."""
        t = entry.ticket
        where = f"Ticket {t.number!r} (ticket #{i + 1})"
        if not t.number.strip():
            raise ValidationError(f"Ticket #{i + 1} has no number; number every ticket.", "number")
        if t.number in seen:
            raise ValidationError(f"{where} appears twice in the import; keep one.", "number")
        seen.add(t.number)
        ref = customers.refs(entry.customer)
        if ref is None:
            raise ValidationError(
                f"{where}: customer {entry.customer!r} is neither in the import nor in the "
                "database; add the customer or fix the name.",
                "customer",
            )
        site_id: int | None = None
        zone: str
        calendar: str | None
        if entry.site is not None:
            site = ref.sites.get(entry.site)
            if site is None:
                raise ValidationError(
                    f"{where}: {entry.customer!r} has no site {entry.site!r} (sites: "
                    f"{', '.join(sorted(ref.sites)) or 'none'}).",
                    "site",
                )
            site_id, zone, calendar = site
        else:
            zone, calendar = ref.default_site()
        contact_id: int | None = None
        if entry.contact is not None:
            contact_id = ref.contacts.get(entry.contact)
            if contact_id is None:
                raise ValidationError(
                    f"{where}: {entry.customer!r} has no contact {entry.contact!r}.", "contact"
                )
        assignee_id: int | None = None
        if entry.assignee is not None:
            assignee_id = technicians.get(entry.assignee)
            if assignee_id is None:
                raise ValidationError(
                    f"{where}: assignee {entry.assignee!r} is neither in the import nor in the "
                    "database; add the technician or fix the name.",
                    "assignee",
                )
        priority = _PRIORITY_OF.get(t.priority)
        status = _STATUS_OF.get(t.status)
        if priority is None or status is None:
            try:
                priority = Priority(t.priority)
                status = TicketStatus(t.status)
            except ValueError as exc:
                raise ValidationError(f"{where}: {exc}.", "priority") from None
        if not t.subject.strip():
            raise ValidationError(f"{where} has no subject.", "subject")
        category = t.category.strip().lower()
        if not category:
            raise ValidationError(f"{where} has no category.", "category")
        _check_text(t.number, _TICKET_LENGTHS["number"], where, "number")
        _check_text(t.subject, _TICKET_LENGTHS["subject"], where, "subject")
        _check_text(category, _TICKET_LENGTHS["category"], where, "category")
        _check_text(t.description, None, where, "description")
        for event in t.events:
            _check_text(event.author, _EVENT_LENGTHS["author"], where, "author of an event")
            _check_text(event.text, None, where, "text of an event")
            if event.category is not None:
                _check_text(event.category, _EVENT_LENGTHS["category"], where, "category")
        try:
            created = require_aware(t.created_at, f"creation time of {where}")
            resolved = (
                require_aware(t.resolved_at, f"resolution time of {where}")
                if t.resolved_at is not None
                else None
            )
            for event in t.events:
                if event.at.tzinfo is not UTC:  # UTC has an offset: nothing to check
                    require_aware(event.at, f"time of a {event.kind} event of {where}")
        except NaiveDatetimeError as exc:
            raise ValidationError(str(exc), "at") from None
        events = _complete_timeline(t.events, created, priority, category, status, resolved)
        if ref.id < 0:
            customers.keys_used = True
        columns = (
            t.number,
            ref.id,
            site_id,
            contact_id,
            t.subject,
            t.description,
            category,
            priority.value,
            status.value,
            assignee_id,
            t.escalation_level,
            instant(created),
            instant(resolved),
            max(1, t.version),
            instant(self.now),
            "import",
        )
        inputs = ClockInputs(
            priority=priority,
            category=category,
            tier=ref.tier,
            contract_policy=contracts.policy(ref.id, created, zone),
            site_zone=zone,
            site_calendar=calendar,
        )
        return columns, inputs, events, status.is_open

    # --- criticism ----------------------------------------------------------------------

    def _criticism(
        self,
        desk: Desk,
        stored: _Stored,
        customers: _Customers,
        technicians: dict[str, int],
    ) -> tuple[list[dict[str, Any]], list[tuple[int, str | None]]]:
        """The notes' rows (keys for records the import adds) and, by index, the number of
        the imported ticket each refers to."""
        imported = {entry.ticket.number: entry.customer for entry in desk.tickets}
        rows: list[dict[str, Any]] = []
        new_tickets: list[tuple[int, str | None]] = []
        for i, entry in enumerate(desk.criticism):
            note = entry.note
            where = f"Criticism note #{i + 1} ({entry.customer!r})"
            ref = customers.refs(entry.customer)
            if ref is None:
                raise ValidationError(
                    f"{where}: customer {entry.customer!r} is neither in the import nor in the "
                    "database.",
                    "customer",
                )
            if ref.id < 0:
                customers.keys_used = True
            ticket_id: int | None = None
            new_ticket: str | None = None
            if entry.ticket_number is not None:
                owner = imported.get(entry.ticket_number)
                if owner is not None:
                    new_ticket = entry.ticket_number if owner == entry.customer else None
                else:
                    ticket_id = stored.tickets.get((entry.ticket_number, ref.id))
                if ticket_id is None and new_ticket is None:
                    raise ValidationError(
                        f"{where}: ticket {entry.ticket_number!r} is not a ticket of "
                        f"{entry.customer!r}.",
                        "ticket_number",
                    )
            owner_id = None
            if entry.follow_up_owner is not None:
                owner_id = technicians.get(entry.follow_up_owner)
                if owner_id is None:
                    raise ValidationError(
                        f"{where}: follow-up owner {entry.follow_up_owner!r} is not a technician.",
                        "follow_up_owner",
                    )
            _check_text(note.text, None, where, "text")
            try:
                source = FeedbackSource(note.source)
                sentiment = Sentiment(note.sentiment)
                require_aware(note.received_at, f"received time of {where}")
                if note.resolved_at is not None:
                    require_aware(note.resolved_at, f"resolved time of {where}")
            except (ValueError, NaiveDatetimeError) as exc:
                raise ValidationError(f"{where}: {exc}") from None
            new_tickets.append((i, new_ticket))
            rows.append(
                {
                    "customer_id": ref.id,
                    "ticket_id": ticket_id,
                    "received_at": note.received_at,
                    "source": source.value,
                    "sentiment": sentiment.value,
                    "text": note.text,
                    "follow_up_owner_id": owner_id,
                    "follow_up_due": note.follow_up_due,
                    "resolved_at": note.resolved_at,
                }
            )
        return rows, new_tickets


class _Customers:
    """The customers an import refers to: stored ones by name, and those it adds, which
    get keys (-1, -2, …) in the order they will be inserted. A new customer's references
    (sites, contacts) are kept only when it has any, so a million bare customers cost no
    more than their names."""

    def __init__(self, stored: dict[str, _CustomerRefs]) -> None:
        self._stored = stored
        self.new: list[DeskCustomer] = []
        # name -> position in new (its key is -1 - that), made when first needed: a file of
        # customers alone never needs it
        self._index: dict[str, int] | None = None
        self._refs: dict[str, _CustomerRefs] = {}  # new customers with sites or contacts
        self.sites: list[tuple[Any, ...]] = []
        self.contacts: list[tuple[Any, ...]] = []
        self.contracts: list[dict[str, Any]] = []
        self.keys_used = False  # whether a row refers to a new customer's key

    def add(self, entry: DeskCustomer) -> None:
        """Add ``entry`` (checked), or its sites and contacts to the stored customer of
        that name; contracts come only with a new customer."""
        name = entry.customer.name
        ref = self._stored.get(name)
        if ref is None:
            if self._index is not None:
                self._index[name] = len(self.new)
            self.new.append(entry)
            key = -len(self.new)
            if not (entry.sites or entry.contacts or entry.contracts):
                return
            ref = self._refs[name] = _CustomerRefs(key, Tier(entry.customer.tier), new=True)
            self.keys_used = True
            self.contracts.extend(convert.contract_to_columns(c, key) for c in entry.contracts)
        for site in entry.sites:
            if site.name not in ref.sites:
                self.sites.append((ref.id, site.name, site.timezone, site.calendar))
                ref.sites[site.name] = (-len(self.sites), site.timezone, site.calendar)
        for contact in entry.contacts:
            if contact.name not in ref.contacts:
                self.contacts.append((ref.id, contact.name, contact.email, contact.phone))
                ref.contacts[contact.name] = -len(self.contacts)

    def refs(self, name: str) -> _CustomerRefs | None:
        """What a ticket or note of customer ``name`` may refer to, or ``None``."""
        found = self._stored.get(name) or self._refs.get(name)
        if found is None:
            if self._index is None:
                self._index = {e.customer.name: i for i, e in enumerate(self.new)}
            index = self._index.get(name)
            if index is not None:
                tier = Tier(self.new[index].customer.tier)
                found = self._refs[name] = _CustomerRefs(-(index + 1), tier, new=True)
        return found


def _merged(
    stored: Sequence[Any],
    imported: Sequence[Any],
    to_columns: Callable[[Any], dict[str, Any]],
    from_row: Callable[[Any], Any],
    what: str,
) -> list[Any]:
    """Stored calendars or policies (rows, in id order) with the imported ones replacing
    those of the same name and the others added after them, each read back from its
    columns as the store would."""
    merged = {row.name: from_row(row) for row in stored}
    names: set[str] = set()
    for record in imported:
        if record.name in names:
            raise ValidationError(f"{what} {record.name!r} appears twice in the import; keep one.")
        names.add(record.name)
        columns = to_columns(record)
        previous = merged.get(record.name)
        merged[record.name] = from_row(
            SimpleNamespace(
                id=getattr(previous, "id", None),
                version=getattr(previous, "version", 1),
                **columns,
            )
        )
    return list(merged.values())


# Enum values by member (a StrEnum member and its plain value hash alike, so both find it).
_KINDS: dict[str, str] = {k: k.value for k in EventKind}
_PRIORITIES: dict[str, str] = {p: p.value for p in Priority}
_METRICS: dict[str, str] = {m: m.value for m in Metric}
# Members by member or value: one lookup instead of an enum call per ticket.
_PRIORITY_OF: dict[str, Priority] = {p: p for p in Priority}
_STATUS_OF: dict[str, TicketStatus] = {s: s for s in TicketStatus}
_by_at = attrgetter("at")


def _utc_text(value: datetime) -> str:
    """:func:`~desktop_app.store.types.to_utc_text`, about twice as fast for an instant
    already in UTC (an import's are): ``isoformat`` without arguments, with the
    microseconds it leaves out when they are zero."""
    if value.tzinfo is not UTC:
        return to_utc_text(value)
    text = value.isoformat()
    return text if value.microsecond else f"{text[:19]}.000000{text[19:]}"


def _cached_utc_text(texts: dict[datetime | None, str]) -> Callable[[datetime | None], str]:
    """:func:`_utc_text` remembering its answers in ``texts`` (``""`` for ``None``): an
    import repeats many instants (the clocks' ``as_of``, shared deadlines, start times)."""
    texts.setdefault(None, "")
    known = texts.get

    def text(value: datetime | None) -> str:
        found = known(value)
        if found is None:
            assert value is not None
            return _remember(texts, value)
        return found

    return text


def _remember(texts: dict[datetime | None, str], value: datetime) -> str:
    """The UTC text of ``value``, kept in ``texts`` when ``value`` is in UTC: two equal UTC
    datetimes are one instant, but two equal wall times of one zone may be an hour apart
    (Python compares them without their fold)."""
    found = _utc_text(value)
    if value.tzinfo is UTC:
        texts[value] = found
    return found


class _CustomerRefs:
    """What tickets of one customer may refer to by name."""

    __slots__ = ("contacts", "id", "new", "sites", "tier")

    def __init__(self, id_: int, tier: Tier, *, new: bool = False) -> None:
        self.id = id_
        self.tier = tier
        self.new = new
        self.sites: dict[str, tuple[int, str, str]] = {}
        self.contacts: dict[str, int] = {}

    def default_site(self) -> tuple[str, str | None]:
        """Zone and calendar for a ticket without a site: the customer's first site."""
        for _, zone, calendar in self.sites.values():
            return zone, calendar
        return "UTC", None


def _complete_timeline(  # noqa: PLR0917 - the ticket's facts, all positional-only in use
    events: Sequence[TicketEvent],
    created: datetime,
    priority: Priority,
    category: str,
    status: TicketStatus,
    resolved: datetime | None,
) -> tuple[TicketEvent, ...]:
    """The imported timeline, plus the CREATED (and RESOLVED) entries a file may omit."""
    timeline = list(events)
    if not any(e.kind is EventKind.CREATED for e in timeline):
        timeline.insert(
            0, TicketEvent(EventKind.CREATED, created, priority=priority, category=category)
        )
    if (
        not status.is_open
        and resolved is not None
        and not any(e.kind is EventKind.RESOLVED for e in timeline)
    ):
        timeline.append(TicketEvent(EventKind.RESOLVED, resolved))
    timeline.sort(key=_by_at)
    return tuple(replace(e, id=None) if e.id is not None else e for e in timeline)
