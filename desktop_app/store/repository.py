"""The store: the desk's database behind one write path and a set of reads.

Every change is a command (:mod:`desktop_app.domain.commands`) given to :meth:`Store.apply`:
one transaction (a :class:`~desktop_app.store.uow.UnitOfWork`) that checks the actor and the
ticket versions, runs the command's handler, writes one audit row with the command's id,
and answers with an :class:`~desktop_app.domain.changes.Outcome` holding what changed. A
stale version raises :class:`~desktop_app.domain.ConflictError` and nothing is written; a
command already applied (the same id) is not applied again.

Reads live in :mod:`desktop_app.store.queries` and the catalog; the methods here that read
are short doors to them. Callers hand in and get back domain records only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Dialect, Engine, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from desktop_app.domain import (
    CalendarSpec,
    CriticismNote,
    Customer,
    Desk,
    Metric,
    NotFoundError,
    Notification,
    PermissionDeniedError,
    SlaPolicy,
    Technician,
    Ticket,
)
from desktop_app.domain.changes import Change, ChangeSet, Entity, Outcome
from desktop_app.domain.commands import Command, TicketCommand
from desktop_app.domain.queue import AuditEntry, CustomerContext, QueueEntry, TicketDetail
from desktop_app.memory import gc_paused
from desktop_app.store import catalog
from desktop_app.store import criticism as criticism_store
from desktop_app.store import notifications as notification_store
from desktop_app.store.apply import handler_for
from desktop_app.store.clocking import ClockEngine
from desktop_app.store.db import close_engine, desk_file, save_desk_copy, upgrade_schema
from desktop_app.store.logins import server_refusal
from desktop_app.store.pg_link import WRITE_OPTION
from desktop_app.store.queries import audit, customer, queue
from desktop_app.store.queries import ticket as ticket_queries
from desktop_app.store.schema import AuditRow, TechnicianRow, TicketRow
from desktop_app.store.types import require_aware
from desktop_app.store.uow import ImportSummary, UnitOfWork, utc_now

__all__ = ["ImportSummary", "Store", "utc_now"]

# An import of more tickets than this says "everything changed" instead of listing them.
IMPORT_LISTED = 2_000


class Store:
    """The desk's database. Thread-safe for reads and writes alike (each call opens its own
    session), but the application gives writes one owner (the desk service's thread)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._clock = clock
        self._engine_cache: ClockEngine | None = None
        self._journal: list[ChangeSet] = []

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def backend(self) -> str:
        return self._engine.dialect.name

    @property
    def dialect(self) -> Dialect:
        return self._engine.dialect

    @property
    def url(self) -> str:
        """The database's URL for people: the password masked, and for a desk shown from a
        private copy (read-only, older version) the file the person opened."""
        desk = desk_file(self._engine)
        if desk is not None:
            return f"sqlite:///{desk.shown_path}"
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def read_only(self) -> str | None:
        """Why this desk refuses every write (opened read-only), or None."""
        desk = desk_file(self._engine)
        return desk.read_only if desk is not None else None

    def check_writable(self) -> None:
        """Raise what a write would meet on a desk file opened read-only, removed or
        replaced (before work that prepares a write off to the side, as an import does)."""
        desk = desk_file(self._engine)
        if desk is not None:
            desk.check_before_write()

    def save_copy(self, target: Path) -> Path:
        """Copy the whole SQLite desk to ``target`` (0600), even when its own file was
        removed or replaced while it was open."""
        return save_desk_copy(self._engine, target)

    def upgrade(self, backup_dir: Path | None = None) -> Path | None:
        """Bring the schema to the newest revision (backing up a SQLite file first)."""
        backup = upgrade_schema(self._engine, backup_dir=backup_dir)
        self._engine_cache = None
        return backup

    def close(self) -> None:
        close_engine(self._engine)

    def now(self) -> datetime:
        return require_aware(self._clock(), "current time")

    # --- sessions -------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction for the store's queries."""
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def writing(
        self, actor_id: int | None, name: str, command: Command | None = None
    ) -> Iterator[UnitOfWork]:
        """One write transaction with its actor and audit row (see :mod:`.uow`)."""
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            actor = _actor(session, actor_id)
            uow = UnitOfWork(self, session, actor, self.now(), name, command=command)
            yield uow
            if uow.audit is None:
                raise RuntimeError(f"The action {name!r} wrote no audit row.")
            session.execute(
                insert(AuditRow),
                {
                    "at": uow.now,
                    "technician_id": actor.id if actor is not None else None,
                    "actor": uow.actor_name,
                    "action": name,
                    "command_id": command.command_id if command is not None else None,
                    **uow.audit,
                },
            )

    # --- the write path -------------------------------------------------------------------

    def apply(self, command: Command) -> Outcome:
        """Apply one command in one transaction; see the module docstring."""
        handler = handler_for(command)
        try:
            with self.writing(command.actor_id, command.audit_name, command) as uow:
                # in the same transaction: a command that landed before is not applied again
                landed = uow.session.scalar(
                    select(AuditRow.id).where(AuditRow.command_id == command.command_id)
                )
                if landed is not None:
                    raise _AlreadyApplied
                result = handler(uow, command)
        except _AlreadyApplied:
            return self._replayed(command)
        except IntegrityError:
            # the same command committed meanwhile by another connection: it landed once
            if self._applied(command.command_id):
                return self._replayed(command)
            raise
        except DBAPIError as exc:
            refusal = server_refusal(exc)  # the server's own rules (PostgreSQL logins)
            if refusal is not None:
                raise refusal from None
            raise
        changes = uow.change_set()
        if changes.setup:
            self._engine_cache = None
        self._journal.append(changes)
        return Outcome(command, changes, result, uow.before, uow.after)

    def rehearse(self, command: Command) -> Outcome:
        """What applying ``command`` would do, in a transaction that is rolled back: the
        same checks and the same answer (a setup change's preview of the open tickets it
        moves), nothing written. The handler sees ``uow.rehearsal`` and skips the writes
        that only cost time."""
        handler = handler_for(command)
        with Session(self._write_engine, expire_on_commit=False) as session:
            session.begin()
            try:
                actor = _actor(session, command.actor_id)
                uow = UnitOfWork(
                    self, session, actor, self.now(), command.audit_name, command=command
                )
                uow.rehearsal = True
                result = handler(uow, command)
                changes = uow.change_set()
            finally:
                session.rollback()
        return Outcome(command, changes, result, uow.before, uow.after)

    def _applied(self, command_id: str) -> bool:
        return audit.command_applied(self, command_id)

    def _replayed(self, command: Command) -> Outcome:
        """A command that landed before: nothing is written; the tickets as they are now,
        named in the change set so whoever shows them reads them again."""
        after: dict[int, Ticket] = {}
        for ticket_id in command.expected_versions():
            try:
                after[ticket_id] = self.ticket(ticket_id)
            except NotFoundError:
                continue
        result = after.get(command.ticket_id) if isinstance(command, TicketCommand) else None
        changes = ChangeSet(
            tuple(
                Change(
                    Entity.TICKET,
                    tid,
                    command.audit_name,
                    ticket_id=tid,
                    customer_id=ticket.customer_id,
                    closed=not ticket.status.is_open,
                )
                for tid, ticket in after.items()
            ),
            at=self.now(),
        )
        if changes:
            self._journal.append(changes)
        return Outcome(command, changes, result, {}, after, replayed=True)

    def command_applied(self, command_id: str) -> bool:
        """Whether a command with this id was applied (its answer may have been lost)."""
        return self._applied(command_id)

    def drain_changes(self) -> ChangeSet:
        """Everything written through this store since the last call, as one change set
        (the desk service reports it to the screens after each job)."""
        journal, self._journal = self._journal, []
        return ChangeSet.merge(journal) if journal else ChangeSet()

    # --- policies and calendars -----------------------------------------------------------

    def clock_engine(self) -> ClockEngine:
        """Policies and calendars as stored, with the terms cache (rebuilt after changes)."""
        engine = self._engine_cache
        if engine is None:
            with self.reading() as session:
                engine = catalog.load_clock_engine(session)
            self._engine_cache = engine
        return engine

    def policies(self) -> list[SlaPolicy]:
        return list(self.clock_engine().policies)

    def calendars(self) -> list[CalendarSpec]:
        return list(self.clock_engine().calendars)

    def policy_book(self) -> Any:
        """The :class:`~desktop_app.sla.policy.PolicyBook` built from the stored policies."""
        return self.clock_engine().book

    def seed_defaults(self) -> bool:
        """Give a new database the standard calendars and the default policy set; nothing
        (False) when any calendar or policy exists already."""
        with self.writing(None, "seed_defaults") as uow:
            seeded = catalog.seed_defaults(uow)
        self._engine_cache = None
        if seeded:
            self._journal.append(uow.change_set())
        return seeded

    # --- reads ----------------------------------------------------------------------------

    def technicians(self, *, active_only: bool = False) -> list[Technician]:
        with self.reading() as session:
            return catalog.technicians(session, active_only=active_only)

    def customers(self) -> list[Customer]:
        with self.reading() as session:
            return catalog.customers(session)

    def load_queue(self, now: datetime | None = None) -> list[QueueEntry]:
        return queue.load_queue(self, now)

    def load_queue_head(self, limit: int = 200, now: datetime | None = None) -> list[QueueEntry]:
        return queue.load_queue_head(self, limit, now)

    def queue_entries(
        self, ticket_ids: Iterable[int], now: datetime | None = None
    ) -> dict[int, QueueEntry | None]:
        return queue.queue_entries(self, ticket_ids, now)

    def queue_entry(self, ticket_id: int, now: datetime | None = None) -> QueueEntry | None:
        """One ticket as the queue shows it (None once it is no longer open)."""
        return queue.queue_entries(self, [ticket_id], now)[ticket_id]

    def ticket(self, ticket_id: int) -> Ticket:
        return ticket_queries.ticket(self, ticket_id)

    def ticket_by_number(self, number: str) -> Ticket:
        return ticket_queries.ticket_by_number(self, number)

    def ticket_detail(self, ticket_id: int) -> TicketDetail:
        return ticket_queries.ticket_detail(self, ticket_id)

    def recorded_breaches(self) -> list[tuple[int, Metric, datetime]]:
        return ticket_queries.recorded_breaches(self)

    def customer_context(self, customer_id: int, now: datetime | None = None) -> CustomerContext:
        return customer.customer_context(self, customer_id, now)

    def criticism_notes(
        self, customer_id: int | None = None, *, open_only: bool = False
    ) -> list[CriticismNote]:
        with self.reading() as session:
            return criticism_store.criticism_notes(session, customer_id, open_only=open_only)

    def notifications(
        self, *, recipient_id: int | None = None, unread_only: bool = False, limit: int = 200
    ) -> list[Notification]:
        with self.reading() as session:
            return notification_store.notifications(
                session, recipient_id=recipient_id, unread_only=unread_only, limit=limit
            )

    def audit_log(
        self, entity: str | None = None, entity_id: int | None = None, limit: int = 500
    ) -> list[AuditEntry]:
        return audit.audit_log(self, entity, entity_id, limit)

    # --- import -------------------------------------------------------------------------------

    def import_desk(
        self, desk: Desk, *, actor_id: int | None = None, now: datetime | None = None
    ) -> ImportSummary:
        """Add a whole desk in one transaction; references by name are resolved here.

        Calendars and policies replace stored ones of the same name; technicians and
        customers (with their sites and contacts) that exist by name are reused; ticket
        numbers must be new. A bad record raises :class:`ValidationError` naming it and
        nothing is written. Everything is checked and computed before the write lock is
        taken (see :mod:`desktop_app.store.bulk`), so the desk's own writes barely wait.
        """
        from desktop_app.store import bulk

        changes: list[ChangeSet] = []

        def written(uow: UnitOfWork, summary: ImportSummary, ticket_ids: Sequence[int]) -> None:
            listed = len(ticket_ids) <= IMPORT_LISTED
            if listed and ticket_ids:
                owners = uow.session.execute(
                    select(TicketRow.id, TicketRow.customer_id).where(
                        TicketRow.id.in_(list(ticket_ids))
                    )
                ).all()
                uow.changed_tickets([(tid, cid) for tid, cid in owners], "import")
                for customer_id in {cid for _tid, cid in owners}:
                    uow.changed(Entity.CUSTOMER, customer_id, "import")
            if summary.customers:
                uow.changed(Entity.CUSTOMER, 0, "import")
            if summary.technicians:
                uow.changed(Entity.TECHNICIAN, 0, "import")
            if summary.calendars or summary.policies:
                uow.changed(Entity.POLICY, 0, "import")
            changes.append(uow.change_set(everything=not listed))

        with gc_paused():
            summary = bulk.import_desk(self, desk, actor_id=actor_id, now=now, written=written)
        self._engine_cache = None
        if changes:  # the attempt that committed said last what it wrote
            self._journal.append(changes[-1])
        return summary


class _AlreadyApplied(Exception):
    """Leaves the write transaction of a command that landed before (nothing written)."""


def _actor(session: Session, actor_id: int | None) -> TechnicianRow | None:
    if actor_id is None:
        return None
    actor = session.get(TechnicianRow, actor_id)
    if actor is None:
        raise NotFoundError(
            f"No technician has id {actor_id}; sign in again as an existing technician."
        )
    if not actor.active:
        raise PermissionDeniedError(
            f"{actor.name} is marked inactive and cannot change the desk; ask a manager "
            "to reactivate the account."
        )
    return actor
