"""The desk's service API: one method per use case, one transaction and one audit row each.

Callers hand in and get back domain records only; sessions and rows stay in here. Every
write names the acting technician (for the audit row and the role check) and, for a
ticket, the version the caller last saw: a stale version raises
:class:`~desktop_app.domain.ConflictError` and nothing is written.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    Engine,
    Integer,
    Table,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desktop_app.domain import (
    CalendarSpec,
    ConflictError,
    CriticismNote,
    Customer,
    Desk,
    EventKind,
    FeedbackSource,
    Metric,
    NotFoundError,
    Notification,
    PermissionDeniedError,
    Priority,
    Role,
    Sentiment,
    SlaPolicy,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
    ValidationError,
)
from desktop_app.domain.queue import (
    Attainment,
    AuditEntry,
    Breach,
    CustomerContext,
    QueueEntry,
    StoredClock,
    TicketDetail,
)
from desktop_app.sla.credits import billing_month
from desktop_app.store import convert
from desktop_app.store.clocking import ClockEngine, ClockInputs, contract_policy, opened_on
from desktop_app.store.db import WRITE_OPTION, upgrade_schema
from desktop_app.store.queue_read import QueueBuilder, QueueLookups, gc_paused
from desktop_app.store.schema import (
    AuditRow,
    CalendarRow,
    ContactRow,
    ContractRow,
    CriticismNoteRow,
    CustomerRow,
    NotificationRow,
    PolicyRow,
    SiteRow,
    TechnicianRow,
    TicketClockRow,
    TicketEventRow,
    TicketRow,
)
from desktop_app.store.types import require_aware

OPEN_STATUSES = tuple(s.value for s in TicketStatus if s.is_open)
METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)
CONVERSATION_KINDS = (
    EventKind.CUSTOMER_MESSAGE,
    EventKind.PUBLIC_REPLY,
    EventKind.PHONE_CALL,
    EventKind.INTERNAL_NOTE,
)
ATTAINMENT_DAYS = 90
SYSTEM_ACTOR = "system"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ImportSummary:
    """How many records an import added (existing names are reused, not counted)."""

    calendars: int = 0
    policies: int = 0
    technicians: int = 0
    customers: int = 0
    sites: int = 0
    contacts: int = 0
    contracts: int = 0
    tickets: int = 0
    events: int = 0
    criticism: int = 0


@dataclass(slots=True)
class _Action:
    """One user action in progress: its session, actor, instant and audit record."""

    session: Session
    actor: TechnicianRow | None
    now: datetime
    name: str
    audit: dict[str, Any] | None = None
    ticket_before: dict[str, Any] = field(default_factory=dict)

    @property
    def actor_name(self) -> str:
        return self.actor.name if self.actor is not None else SYSTEM_ACTOR

    def record(
        self,
        entity: str,
        entity_id: int | None,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        if self.audit is not None:
            raise RuntimeError(f"The action {self.name!r} tried to write a second audit row.")
        self.audit = {
            "entity": entity,
            "entity_id": entity_id,
            "before": dict(before) if before is not None else None,
            "after": dict(after) if after is not None else None,
        }


class Store:
    """The desk's database behind use-case methods. Thread-safe for reads and writes alike
    (each call opens its own session), but the application gives writes one owner."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._clock = clock
        self._engine_cache: ClockEngine | None = None

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def backend(self) -> str:
        return self._engine.dialect.name

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    def upgrade(self, backup_dir: Path | None = None) -> Path | None:
        """Bring the schema to the newest revision (backing up a SQLite file first)."""
        backup = upgrade_schema(self._engine, backup_dir=backup_dir)
        self._engine_cache = None
        return backup

    def close(self) -> None:
        self._engine.dispose()

    def now(self) -> datetime:
        return require_aware(self._clock(), "current time")

    # --- sessions -------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _write(self, actor_id: int | None, name: str) -> Iterator[_Action]:
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            actor = self._actor(session, actor_id)
            action = _Action(session, actor, self.now(), name)
            yield action
            if action.audit is None:
                raise RuntimeError(f"The action {name!r} wrote no audit row.")
            session.execute(
                insert(AuditRow),
                {
                    "at": action.now,
                    "technician_id": actor.id if actor is not None else None,
                    "actor": action.actor_name,
                    "action": name,
                    **action.audit,
                },
            )

    @staticmethod
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

    @staticmethod
    def _require_role(action: _Action, roles: Iterable[Role], what: str) -> None:
        allowed = {Role(r).value for r in roles}
        if action.actor is None or action.actor.role not in allowed:
            who = action.actor_name
            names = " or ".join(sorted(allowed))
            raise PermissionDeniedError(f"Only a {names} may {what}; {who} may not.")

    # --- policies and calendars -----------------------------------------------------------

    def clock_engine(self) -> ClockEngine:
        """Policies and calendars as stored, with the terms cache (rebuilt after changes)."""
        engine = self._engine_cache
        if engine is None:
            with self._read() as session:
                engine = self._load_clock_engine(session)
            self._engine_cache = engine
        return engine

    def _load_clock_engine(self, session: Session) -> ClockEngine:
        policies = [
            convert.policy_from_row(r) for r in session.scalars(select(PolicyRow).order_by("id"))
        ]
        calendars = [
            convert.calendar_from_row(r)
            for r in session.scalars(select(CalendarRow).order_by("id"))
        ]
        return ClockEngine(policies, calendars)

    def policies(self) -> list[SlaPolicy]:
        return list(self.clock_engine().policies)

    def calendars(self) -> list[CalendarSpec]:
        return list(self.clock_engine().calendars)

    def policy_book(self) -> Any:
        """The :class:`~desktop_app.sla.policy.PolicyBook` built from the stored policies."""
        return self.clock_engine().book

    def seed_defaults(self) -> bool:
        """Give a new database the standard calendars and the default policy set.

        Does nothing (and returns False) when any calendar or policy exists already.
        """
        from desktop_app.sla.policy import recommended_calendars, recommended_policies

        with self._write(None, "seed_defaults") as action:
            session = action.session
            if session.scalar(select(func.count()).select_from(CalendarRow)) or session.scalar(
                select(func.count()).select_from(PolicyRow)
            ):
                action.record("desk", None, None, {"seeded": False})
                return False
            calendars = recommended_calendars()
            policies = recommended_policies()
            self._save_calendars(session, calendars)
            self._save_policies(session, policies)
            action.record(
                "desk",
                None,
                None,
                {"calendars": [c.name for c in calendars], "policies": [p.name for p in policies]},
            )
        self._engine_cache = None
        return True

    @staticmethod
    def _save_calendars(session: Session, calendars: Sequence[CalendarSpec]) -> int:
        return _save_by_name(
            session, CalendarRow, [(c.name, convert.calendar_to_columns(c)) for c in calendars]
        )

    @staticmethod
    def _save_policies(session: Session, policies: Sequence[SlaPolicy]) -> int:
        return _save_by_name(
            session, PolicyRow, [(p.name, convert.policy_to_columns(p)) for p in policies]
        )

    # --- technicians ------------------------------------------------------------------------

    def technicians(self, *, active_only: bool = False) -> list[Technician]:
        with self._read() as session:
            query = select(TechnicianRow).order_by(TechnicianRow.name)
            if active_only:
                query = query.where(TechnicianRow.active.is_(True))
            return [convert.technician_from_row(r) for r in session.scalars(query)]

    def add_technician(self, actor_id: int | None, technician: Technician) -> Technician:
        """Add a person to the desk; a manager does this (the very first one needs no actor)."""
        with self._write(actor_id, "add_technician") as action:
            session = action.session
            anyone = session.scalar(select(func.count()).select_from(TechnicianRow))
            if anyone:
                self._require_role(action, [Role.MANAGER], "add technicians")
            _check_zone(technician.timezone, f"technician {technician.name!r}")
            if session.scalar(
                select(TechnicianRow.id).where(TechnicianRow.name == technician.name)
            ):
                raise ValidationError(
                    f"A technician named {technician.name!r} exists already; pick another name.",
                    field="name",
                )
            row = TechnicianRow(**convert.technician_to_columns(technician))
            session.add(row)
            session.flush()
            action.record("technician", row.id, None, convert.technician_to_columns(technician))
            return convert.technician_from_row(row)

    # --- the queue --------------------------------------------------------------------------

    def load_queue(self, now: datetime | None = None) -> list[QueueEntry]:
        """Every open ticket with its clocks, nearest deadline first (paused ones last).

        Three queries whatever the number of tickets: the tickets with everything the
        queue shows (clocks pivoted into the same row), the customers' contracts (which
        select the policy), and the policies/calendars when not cached yet.
        """
        return self._queue(now, ticket_ids=None)

    def load_queue_head(self, limit: int = 200, now: datetime | None = None) -> list[QueueEntry]:
        """The ``limit`` open tickets that breach first: what the queue's first screen
        shows, read through the deadline index before the whole queue arrives."""
        if limit <= 0:
            return []
        t = TicketRow.__table__.c
        query = (
            select(t.id)
            .where(t.status.in_(OPEN_STATUSES), t.next_due_at.is_not(None))
            .order_by(t.next_due_at, t.id)
            .limit(int(limit))
        )
        with self._read() as session:
            ids = list(session.scalars(query))
        return self._queue(now, ticket_ids=ids) if ids else []

    def queue_entry(self, ticket_id: int, now: datetime | None = None) -> QueueEntry | None:
        """One ticket as the queue shows it (None once it is no longer open)."""
        entries = self._queue(now, ticket_ids=[ticket_id])
        return entries[0] if entries else None

    def _queue(self, now: datetime | None, ticket_ids: Sequence[int] | None) -> list[QueueEntry]:
        now = require_aware(now, "queue instant") if now is not None else self.now()
        engine = self.clock_engine()
        sql = self._queue_sql(ticket_ids)
        with gc_paused():
            entries: list[QueueEntry] = []
            order: list[str] = []  # SQLite: each entry's sort key (see _sqlite_queue_order)
            with self._read() as session:
                builder = QueueBuilder(engine, QueueLookups.load(session), now, self.backend)
                # Executed through the engine (its events and logging see it), fetched as
                # the driver's plain tuples in chunks, each built into entries at once: no
                # per-value type processing, and a chunk's text is freed (and its memory
                # reused) before the next arrives instead of all of it staying alive.
                result = session.connection().exec_driver_sql(sql)
                try:
                    cursor = result.cursor
                    while chunk := cursor.fetchmany(_QUEUE_CHUNK):
                        if self.backend == "sqlite":
                            order.extend(map(_sqlite_queue_order, chunk))
                        builder.build(chunk, entries)
                        del chunk
                finally:
                    result.close()
            if order:  # SQLite sorts strings in C faster than its own ORDER BY
                entries = [entries[i] for i in sorted(range(len(order)), key=order.__getitem__)]
        return entries

    def _queue_sql(self, ticket_ids: Sequence[int] | None = None) -> str:
        """The queue's one ticket query, as SQL for the driver (literal values only)."""
        t = TicketRow.__table__.c
        # One narrow row per ticket: the clocks come packed in tickets.queue_clocks, the
        # names from the small tables, so nothing is joined per ticket.
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
        elif self.backend == "sqlite":
            # Almost every row the queue reads is open: a scan in table order beats one
            # index lookup per ticket (``+`` keeps SQLite off the status index).
            query = query.where(text(f"+tickets.status IN {_sql_list(OPEN_STATUSES)}"))
        else:
            query = query.where(t.status.in_(OPEN_STATUSES))
        if self.backend != "sqlite":
            query = query.order_by(t.next_due_at.asc().nulls_last(), t.created_at, t.id)
        # On SQLite the rows are ordered in Python (see _sqlite_queue_order): SQLite's
        # sorter would carry every whole row through the sort, which costs more.
        return str(
            query.compile(dialect=self._engine.dialect, compile_kwargs={"literal_binds": True})
        )

    # --- ticket detail and customer context -------------------------------------------------

    def ticket(self, ticket_id: int) -> Ticket:
        """A ticket with its whole timeline."""
        with self._read() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise _ticket_missing(ticket_id)
            return convert.ticket_from_row(row, self._events(session, ticket_id))

    def ticket_by_number(self, number: str) -> Ticket:
        with self._read() as session:
            row = session.scalar(select(TicketRow).where(TicketRow.number == number))
            if row is None:
                raise NotFoundError(f"No ticket numbered {number!r}; check the number.")
            return convert.ticket_from_row(row, self._events(session, row.id))

    def ticket_detail(self, ticket_id: int) -> TicketDetail:
        with self._read() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None:
                raise _ticket_missing(ticket_id)
            customer = session.get(CustomerRow, row.customer_id)
            assert customer is not None  # foreign key
            site = session.get(SiteRow, row.site_id) if row.site_id is not None else None
            contact = session.get(ContactRow, row.contact_id) if row.contact_id else None
            assignee = session.get(TechnicianRow, row.assignee_id) if row.assignee_id else None
            clocks = session.scalars(
                select(TicketClockRow).where(TicketClockRow.ticket_id == ticket_id)
            )
            notes = session.scalars(
                select(CriticismNoteRow)
                .where(CriticismNoteRow.ticket_id == ticket_id)
                .order_by(CriticismNoteRow.received_at.desc())
            )
            return TicketDetail(
                ticket=convert.ticket_from_row(row, self._events(session, ticket_id)),
                customer=convert.customer_from_row(customer),
                site=convert.site_from_row(site) if site is not None else None,
                contact=convert.contact_from_row(contact) if contact is not None else None,
                assignee=convert.technician_from_row(assignee) if assignee is not None else None,
                clocks=_clock_map(convert.clock_from_row(c) for c in clocks),
                criticism=tuple(convert.criticism_from_row(n) for n in notes),
                last_changed_by=row.updated_by,
            )

    @staticmethod
    def _events(session: Session, ticket_id: int) -> tuple[TicketEvent, ...]:
        # Plain column rows, not ORM objects: the timeline is replayed on every change.
        rows = session.execute(_timeline_query(), {"ticket_id": ticket_id})
        return tuple(convert.event_from_row(r) for r in rows)

    def customers(self) -> list[Customer]:
        with self._read() as session:
            rows = session.scalars(select(CustomerRow).order_by(CustomerRow.name))
            return [convert.customer_from_row(r) for r in rows]

    def customer_context(self, customer_id: int, now: datetime | None = None) -> CustomerContext:
        now = require_aware(now, "instant") if now is not None else self.now()
        since = now - timedelta(days=ATTAINMENT_DAYS)
        with self._read() as session:
            customer = session.get(CustomerRow, customer_id)
            if customer is None:
                raise NotFoundError(f"No customer has id {customer_id}; reload the customer list.")
            sites = session.scalars(
                select(SiteRow).where(SiteRow.customer_id == customer_id).order_by(SiteRow.name)
            )
            contacts = session.scalars(
                select(ContactRow)
                .where(ContactRow.customer_id == customer_id)
                .order_by(ContactRow.name)
            )
            contracts = session.scalars(
                select(ContractRow)
                .where(ContractRow.customer_id == customer_id)
                .order_by(ContractRow.starts_on.desc())
            )
            open_tickets = session.scalars(
                select(TicketRow)
                .where(TicketRow.customer_id == customer_id, TicketRow.status.in_(OPEN_STATUSES))
                .order_by(TicketRow.next_due_at.asc().nulls_last(), TicketRow.created_at)
            )
            notes = session.scalars(
                select(CriticismNoteRow)
                .where(CriticismNoteRow.customer_id == customer_id)
                .order_by(
                    CriticismNoteRow.resolved_at.is_(None).desc(),
                    CriticismNoteRow.received_at.desc(),
                )
            )
            breaches = session.execute(
                select(
                    TicketRow.id,
                    TicketRow.number,
                    TicketRow.subject,
                    TicketClockRow.metric,
                    TicketClockRow.breached_at,
                )
                .join(TicketClockRow, TicketClockRow.ticket_id == TicketRow.id)
                .where(
                    TicketRow.customer_id == customer_id,
                    TicketClockRow.breached_at.is_not(None),
                    TicketClockRow.breached_at >= since,
                )
                .order_by(TicketClockRow.breached_at.desc())
                .limit(50)
            )
            # A clock counts towards attainment once it is decided: met in time or breached.
            tallies = session.execute(
                select(
                    TicketClockRow.metric,
                    func.count().filter(TicketClockRow.breached_at.is_not(None)),
                    func.count().filter(
                        TicketClockRow.breached_at.is_(None), TicketClockRow.met_at.is_not(None)
                    ),
                )
                .join(TicketRow, TicketRow.id == TicketClockRow.ticket_id)
                .where(TicketRow.customer_id == customer_id, TicketRow.created_at >= since)
                .group_by(TicketClockRow.metric)
            )
            counts = {Metric(m): (met, breached) for m, breached, met in tallies}
            zone_name = session.scalar(
                select(SiteRow.timezone)
                .where(SiteRow.customer_id == customer_id)
                .order_by(SiteRow.id)
                .limit(1)
            )
            zone = zone_or_utc(zone_name)
            month_start, month_end = billing_month(now, zone)
            month_breaches = session.scalar(
                select(func.count()).select_from(
                    breaches_between(month_start, month_end, customer_id).subquery()
                )
            )
            return CustomerContext(
                customer=convert.customer_from_row(customer),
                sites=tuple(convert.site_from_row(s) for s in sites),
                contacts=tuple(convert.contact_from_row(c) for c in contacts),
                contracts=tuple(convert.contract_from_row(c) for c in contracts),
                open_tickets=tuple(convert.ticket_from_row(t) for t in open_tickets),
                criticism=tuple(convert.criticism_from_row(n) for n in notes),
                recent_breaches=tuple(
                    Breach(tid, number, subject, Metric(metric), at)
                    for tid, number, subject, metric, at in breaches
                    if at is not None
                ),
                attainment={m: Attainment(m, *counts.get(m, (0, 0))) for m in METRICS},
                attainment_since=since.date(),
                month_breaches=int(month_breaches or 0),
                month=now.astimezone(zone).date().replace(day=1),
            )

    # --- ticket writes --------------------------------------------------------------------

    def create_ticket(
        self,
        actor_id: int,
        *,
        customer_id: int,
        subject: str,
        category: str,
        priority: Priority,
        site_id: int | None = None,
        contact_id: int | None = None,
        description: str = "",
        assignee_id: int | None = None,
        at: datetime | None = None,
    ) -> Ticket:
        """Open a ticket; its number is ``TQ-`` and its id, zero-padded."""
        subject = subject.strip()
        if not subject:
            raise ValidationError(
                "A ticket needs a subject; describe the problem briefly.", "subject"
            )
        category = _clean_category(category)
        priority = _priority(priority)
        with self._write(actor_id, "create_ticket") as action:
            session = action.session
            created = require_aware(at, "creation time") if at is not None else action.now
            customer = session.get(CustomerRow, customer_id)
            if customer is None:
                raise NotFoundError(f"No customer has id {customer_id}; reload the customers.")
            if site_id is not None:
                site = session.get(SiteRow, site_id)
                if site is None or site.customer_id != customer_id:
                    raise ValidationError(
                        f"Site {site_id} does not belong to {customer.name}; pick one of "
                        "its sites.",
                        "site_id",
                    )
            if contact_id is not None:
                contact = session.get(ContactRow, contact_id)
                if contact is None or contact.customer_id != customer_id:
                    raise ValidationError(
                        f"Contact {contact_id} does not belong to {customer.name}; pick one of "
                        "its contacts.",
                        "contact_id",
                    )
            if assignee_id is not None:
                self._assignee(session, assignee_id)
                if action.actor is None or assignee_id != action.actor.id:
                    self._require_role(
                        action, [Role.DISPATCHER, Role.MANAGER], "assign tickets to others"
                    )
            row = TicketRow(
                number=f"new-{uuid.uuid4().hex[:24]}",  # renumbered from the id below
                customer_id=customer_id,
                site_id=site_id,
                contact_id=contact_id,
                subject=subject,
                description=description,
                category=category,
                priority=priority.value,
                status=TicketStatus.NEW.value,
                assignee_id=assignee_id,
                escalation_level=0,
                created_at=created,
                resolved_at=None,
                version=1,
                updated_at=action.now,
                updated_by=action.actor_name,
            )
            session.add(row)
            session.flush()
            row.number = self._free_number(session, row.id)
            events = [
                TicketEvent(
                    EventKind.CREATED,
                    created,
                    author=action.actor_name,
                    priority=priority,
                    category=category,
                )
            ]
            if assignee_id is not None:
                events.append(
                    TicketEvent(
                        EventKind.ASSIGNED, created, action.actor_name, assignee_id=assignee_id
                    )
                )
            self._add_events_and_recompute(action, row, events, new_ticket=True)
            action.record("ticket", row.id, None, convert.ticket_audit_view(row))
            return convert.ticket_from_row(row)

    @staticmethod
    def _free_number(session: Session, ticket_id: int) -> str:
        base = f"TQ-{ticket_id:06d}"
        number, n = base, 1
        while session.scalar(select(TicketRow.id).where(TicketRow.number == number)):
            n += 1
            number = f"{base}-{n}"
        return number

    def add_event(
        self,
        actor_id: int,
        ticket_id: int,
        expected_version: int,
        kind: EventKind,
        text: str = "",
        *,
        at: datetime | None = None,
    ) -> Ticket:
        """Record a customer message, public reply, phone call or internal note.

        A reply or call moves a new ticket to open; a customer message ends a wait on the
        customer (the customer has answered).
        """
        kind = EventKind(kind)
        if kind not in CONVERSATION_KINDS:
            allowed = ", ".join(k.value for k in CONVERSATION_KINDS)
            raise ValidationError(
                f"add_event records the conversation ({allowed}); {kind.value} has its own "
                "action (assign, wait, resolve, escalate, …).",
                "kind",
            )
        needs_text = kind in (EventKind.PUBLIC_REPLY, EventKind.INTERNAL_NOTE)
        if needs_text and not text.strip():
            raise ValidationError(f"A {kind.value.replace('_', ' ')} needs text.", "text")
        with self._ticket_action(actor_id, ticket_id, expected_version, f"add_{kind.value}") as (
            action,
            row,
        ):
            when = require_aware(at, "event time") if at is not None else action.now
            events = [TicketEvent(kind, when, action.actor_name, text)]
            if kind.is_response and not TicketStatus(row.status).is_open:
                raise ValidationError(
                    f"Ticket {row.number} is {row.status}; reopen it before replying.",
                    "status",
                )
            if (
                kind is EventKind.CUSTOMER_MESSAGE
                and row.status == TicketStatus.WAITING_ON_CUSTOMER.value
            ) or (kind.is_response and row.status == TicketStatus.NEW.value):
                row.status = TicketStatus.OPEN.value
            if kind is EventKind.INTERNAL_NOTE:  # a note moves no clock
                self._add_events(action.session, row.id, events)
            else:
                self._add_events_and_recompute(action, row, events)
            return self._finish(action, row, extra={"event": kind.value, "text": text[:200]})

    def assign(
        self,
        actor_id: int,
        tickets: Mapping[int, int] | Sequence[tuple[int, int]],
        assignee_id: int | None,
    ) -> list[Ticket]:
        """Assign one or many tickets (``{ticket_id: expected_version}``) in one action.

        A technician may take tickets for themself; handing tickets to someone else (or
        unassigning) is for dispatchers and managers. One stale ticket aborts all.
        """
        pairs = list(tickets.items()) if isinstance(tickets, Mapping) else list(tickets)
        if not pairs:
            raise ValidationError("Select at least one ticket to assign.", "tickets")
        with self._write(actor_id, "assign") as action:
            session = action.session
            if assignee_id is None or action.actor is None or assignee_id != action.actor.id:
                self._require_role(
                    action, [Role.DISPATCHER, Role.MANAGER], "assign tickets to others"
                )
            assignee = self._assignee(session, assignee_id) if assignee_id is not None else None
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            results = []
            for ticket_id, version in pairs:
                row = self._lock_ticket(session, ticket_id, version)
                before[row.number] = row.assignee_id
                row.assignee_id = assignee_id
                if assignee is not None and row.escalation_level < 0:
                    row.escalation_level = 0
                self._add_events(
                    session,
                    row.id,
                    [
                        TicketEvent(
                            EventKind.ASSIGNED,
                            action.now,
                            action.actor_name,
                            text=assignee.name if assignee is not None else "unassigned",
                            assignee_id=assignee_id,
                        )
                    ],
                )
                self._touch(action, row)
                after[row.number] = assignee_id
                results.append(convert.ticket_from_row(row))
            action.record(
                "ticket",
                pairs[0][0] if len(pairs) == 1 else None,
                {"assignee_id": before},
                {"assignee_id": after},
            )
            return results

    def change_priority(
        self, actor_id: int, ticket_id: int, expected_version: int, priority: Priority
    ) -> Ticket:
        priority = _priority(priority)
        with self._ticket_action(actor_id, ticket_id, expected_version, "change_priority") as (
            action,
            row,
        ):
            if row.priority == priority.value:
                raise ValidationError(
                    f"Ticket {row.number} already has priority {priority.label}.", "priority"
                )
            row.priority = priority.value
            self._add_events_and_recompute(
                action,
                row,
                [
                    TicketEvent(
                        EventKind.PRIORITY_CHANGED, action.now, action.actor_name, priority=priority
                    )
                ],
            )
            return self._finish(action, row)

    def change_category(
        self, actor_id: int, ticket_id: int, expected_version: int, category: str
    ) -> Ticket:
        category = _clean_category(category)
        with self._ticket_action(actor_id, ticket_id, expected_version, "change_category") as (
            action,
            row,
        ):
            if row.category == category:
                raise ValidationError(
                    f"Ticket {row.number} is already in category {category!r}.", "category"
                )
            row.category = category
            self._add_events_and_recompute(
                action,
                row,
                [
                    TicketEvent(
                        EventKind.CATEGORY_CHANGED, action.now, action.actor_name, category=category
                    )
                ],
            )
            return self._finish(action, row)

    def wait_on_customer(
        self, actor_id: int, ticket_id: int, expected_version: int, text: str = ""
    ) -> Ticket:
        """Pause the resolution clock until the customer answers (or :meth:`resume`)."""
        with self._ticket_action(actor_id, ticket_id, expected_version, "wait_on_customer") as (
            action,
            row,
        ):
            _require_open(row, "wait on the customer")
            if row.status == TicketStatus.WAITING_ON_CUSTOMER.value:
                raise ValidationError(f"Ticket {row.number} is already waiting on the customer.")
            row.status = TicketStatus.WAITING_ON_CUSTOMER.value
            self._add_events_and_recompute(
                action,
                row,
                [TicketEvent(EventKind.WAITING_ON_CUSTOMER, action.now, action.actor_name, text)],
            )
            return self._finish(action, row)

    def resume(
        self, actor_id: int, ticket_id: int, expected_version: int, text: str = ""
    ) -> Ticket:
        with self._ticket_action(actor_id, ticket_id, expected_version, "resume") as (action, row):
            if row.status != TicketStatus.WAITING_ON_CUSTOMER.value:
                raise ValidationError(
                    f"Ticket {row.number} is not waiting on the customer ({row.status}).", "status"
                )
            row.status = TicketStatus.OPEN.value
            self._add_events_and_recompute(
                action,
                row,
                [TicketEvent(EventKind.WAITING_OFF, action.now, action.actor_name, text)],
            )
            return self._finish(action, row)

    def resolve(
        self, actor_id: int, ticket_id: int, expected_version: int, text: str = ""
    ) -> Ticket:
        with self._ticket_action(actor_id, ticket_id, expected_version, "resolve") as (action, row):
            _require_open(row, "resolve it")
            row.status = TicketStatus.RESOLVED.value
            row.resolved_at = action.now
            self._add_events_and_recompute(
                action,
                row,
                [TicketEvent(EventKind.RESOLVED, action.now, action.actor_name, text)],
            )
            return self._finish(action, row)

    def reopen(
        self, actor_id: int, ticket_id: int, expected_version: int, text: str = ""
    ) -> Ticket:
        with self._ticket_action(actor_id, ticket_id, expected_version, "reopen") as (action, row):
            if TicketStatus(row.status).is_open:
                raise ValidationError(f"Ticket {row.number} is still open ({row.status}).")
            row.status = TicketStatus.OPEN.value
            row.resolved_at = None
            self._add_events_and_recompute(
                action,
                row,
                [TicketEvent(EventKind.REOPENED, action.now, action.actor_name, text)],
            )
            return self._finish(action, row)

    def escalate(
        self,
        actor_id: int,
        ticket_id: int,
        expected_version: int,
        *,
        level: int | None = None,
        reassign_to_id: int | None = None,
        text: str = "",
    ) -> Ticket:
        """Raise the escalation level (by one unless ``level`` is given), optionally handing
        the ticket to a senior technician or the dispatcher in the same action."""
        with self._ticket_action(actor_id, ticket_id, expected_version, "escalate") as (
            action,
            row,
        ):
            _require_open(row, "escalate it")
            new_level = row.escalation_level + 1 if level is None else level
            if new_level <= row.escalation_level:
                raise ValidationError(
                    f"Ticket {row.number} is at escalation level {row.escalation_level}; an "
                    f"escalation must raise it (asked for {new_level}).",
                    "level",
                )
            row.escalation_level = new_level
            events = [
                TicketEvent(
                    EventKind.ESCALATED, action.now, action.actor_name, text, level=new_level
                )
            ]
            if reassign_to_id is not None and reassign_to_id != row.assignee_id:
                senior = self._assignee(action.session, reassign_to_id)
                row.assignee_id = reassign_to_id
                events.append(
                    TicketEvent(
                        EventKind.ASSIGNED,
                        action.now,
                        action.actor_name,
                        senior.name,
                        assignee_id=reassign_to_id,
                    )
                )
            self._add_events(action.session, row.id, events)
            return self._finish(action, row)

    def record_breach(self, ticket_id: int, metric: Metric, breached_at: datetime) -> None:
        """Put a breach on the ticket's timeline (the monitor's finding; no version check,
        no version bump: it changes nothing a technician edits)."""
        with self._write(None, "record_breach") as action:
            row = action.session.get(TicketRow, ticket_id)
            if row is None:
                raise _ticket_missing(ticket_id)
            metric = Metric(metric)
            self._add_events(
                action.session,
                ticket_id,
                [
                    TicketEvent(
                        EventKind.BREACHED, require_aware(breached_at), SYSTEM_ACTOR, metric=metric
                    )
                ],
            )
            action.record("ticket", ticket_id, None, {"breached": metric.value})

    def recorded_breaches(self) -> list[tuple[int, Metric, datetime]]:
        """(ticket id, metric, breach instant) of every breach on an open ticket's timeline:
        breaches the desk already handled, which a restart must not announce again."""
        e = TicketEventRow.__table__.c
        t = TicketRow.__table__.c
        query = (
            select(e.ticket_id, e.metric, e.at)
            .select_from(TicketEventRow.__table__.join(TicketRow.__table__, t.id == e.ticket_id))
            .where(e.kind == EventKind.BREACHED.value, t.status.in_(OPEN_STATUSES))
        )
        with self._read() as session:
            return [
                (ticket_id, Metric(metric), at)
                for ticket_id, metric, at in session.execute(query)
                if metric is not None
            ]

    @contextmanager
    def _ticket_action(
        self, actor_id: int, ticket_id: int, expected_version: int, name: str
    ) -> Iterator[tuple[_Action, TicketRow]]:
        with self._write(actor_id, name) as action:
            row = self._lock_ticket(action.session, ticket_id, expected_version)
            action.ticket_before = convert.ticket_audit_view(row)
            yield action, row

    def _finish(
        self, action: _Action, row: TicketRow, extra: Mapping[str, Any] | None = None
    ) -> Ticket:
        self._touch(action, row)
        before, after = convert.changed_fields(action.ticket_before, convert.ticket_audit_view(row))
        if extra:
            after.update(extra)
        action.record("ticket", row.id, before, after)
        return convert.ticket_from_row(row)

    @staticmethod
    def _touch(action: _Action, row: TicketRow) -> None:
        row.version += 1
        row.updated_at = action.now
        row.updated_by = action.actor_name

    @staticmethod
    def _lock_ticket(session: Session, ticket_id: int, expected_version: int) -> TicketRow:
        row = session.execute(
            select(TicketRow).where(TicketRow.id == ticket_id).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            raise _ticket_missing(ticket_id)
        if row.version != expected_version:
            raise ConflictError(
                row.number,
                expected_version,
                row.version,
                changed_by=row.updated_by,
                changed_at=row.updated_at.isoformat(timespec="seconds"),
            )
        return row

    @staticmethod
    def _assignee(session: Session, technician_id: int) -> TechnicianRow:
        tech = session.get(TechnicianRow, technician_id)
        if tech is None:
            raise NotFoundError(f"No technician has id {technician_id}; reload the technicians.")
        if not tech.active:
            raise ValidationError(
                f"{tech.name} is inactive and cannot take tickets; pick an active technician.",
                "assignee_id",
            )
        return tech

    @staticmethod
    def _add_events(session: Session, ticket_id: int, events: Sequence[TicketEvent]) -> None:
        session.execute(
            insert(TicketEventRow), [convert.event_to_columns(e, ticket_id) for e in events]
        )

    @staticmethod
    def _clock_inputs(session: Session, row: TicketRow) -> ClockInputs:
        """The policy inputs of a ticket, in one query. A ticket without a site runs in the
        customer's first site's zone and calendar (UTC and the policy's own calendar
        without any); the contract in force the day the ticket was opened at that site
        (else the latest) names the policy."""
        rows = session.execute(
            _clock_inputs_query(), {"customer_id": row.customer_id, "site_id": row.site_id}
        ).all()
        tier, zone, calendar = rows[0][:3]  # one row per contract, at least one row
        site_zone = zone if zone is not None else "UTC"
        contracts = [
            (policy, starts, ends, cid) for *_, policy, starts, ends, cid in rows if cid is not None
        ]
        return ClockInputs(
            priority=Priority(row.priority),
            category=row.category,
            tier=Tier(tier),
            contract_policy=contract_policy(contracts, opened_on(row.created_at, site_zone)),
            site_zone=site_zone,
            site_calendar=calendar,
        )

    def _add_events_and_recompute(
        self,
        action: _Action,
        row: TicketRow,
        events: Sequence[TicketEvent],
        *,
        new_ticket: bool = False,
    ) -> None:
        """Put ``events`` on the ticket's timeline and store its clocks recomputed.

        The stored timeline is read once, before the new events are written, and the
        engine replays it with the new events in memory (they sort after stored events of
        the same instant, as their ids will). Nothing is read back.
        """
        session = action.session
        with session.no_autoflush:  # the ticket row is written once, at the end
            stored = () if new_ticket else self._events(session, row.id)
            self._add_events(session, row.id, events)
            timeline = sorted((*stored, *events), key=_event_at)  # stable: ties keep order
            inputs = self._clock_inputs(session, row)
            computed = self.clock_engine().compute(inputs, timeline, action.now)
            self._write_clocks(session, row.id, computed.rows)
        row.next_due_at = computed.next_due_at if TicketStatus(row.status).is_open else None
        row.queue_clocks = computed.packed

    def _write_clocks(self, session: Session, ticket_id: int, rows: list[dict[str, Any]]) -> None:
        """Replace the ticket's clock rows in one statement (an upsert on both backends)."""
        statement = _clock_upsert(self.backend)
        session.execute(statement, [{"ticket_id": ticket_id, **r} for r in rows])

    # --- criticism notes --------------------------------------------------------------------

    def add_criticism(self, actor_id: int, note: CriticismNote) -> CriticismNote:
        _validate_note(note)
        with self._write(actor_id, "add_criticism") as action:
            session = action.session
            self._check_note_refs(session, note)
            row = CriticismNoteRow(**_note_columns(note))
            session.add(row)
            session.flush()
            saved = replace(note, id=row.id)
            action.record("criticism", row.id, None, convert.criticism_audit_view(saved))
            return saved

    def edit_criticism(self, actor_id: int, note: CriticismNote) -> CriticismNote:
        """Change a note's text, sentiment, source, ticket or follow-up (by ``note.id``)."""
        if note.id is None:
            raise ValidationError("Only a saved criticism note can be edited (it has no id).")
        _validate_note(note)
        with self._write(actor_id, "edit_criticism") as action:
            session = action.session
            row = self._note_row(session, note.id)
            if row.customer_id != note.customer_id:
                raise ValidationError(
                    "A criticism note stays with its customer; add a new note for another one.",
                    "customer_id",
                )
            self._check_note_refs(session, note)
            before = convert.criticism_audit_view(convert.criticism_from_row(row))
            for key, value in _note_columns(note).items():
                setattr(row, key, value)
            session.flush()
            saved = convert.criticism_from_row(row)
            action.record(
                "criticism",
                row.id,
                *convert.changed_fields(before, convert.criticism_audit_view(saved)),
            )
            return saved

    def resolve_criticism(
        self, actor_id: int, note_id: int, at: datetime | None = None
    ) -> CriticismNote:
        with self._write(actor_id, "resolve_criticism") as action:
            row = self._note_row(action.session, note_id)
            if row.resolved_at is not None:
                raise ValidationError(
                    f"Criticism note {note_id} was resolved already at "
                    f"{row.resolved_at.isoformat(timespec='minutes')}."
                )
            row.resolved_at = require_aware(at, "resolution time") if at else action.now
            action.session.flush()
            action.record(
                "criticism",
                note_id,
                {"resolved_at": None},
                {"resolved_at": row.resolved_at.isoformat()},
            )
            return convert.criticism_from_row(row)

    def criticism_notes(
        self, customer_id: int | None = None, *, open_only: bool = False
    ) -> list[CriticismNote]:
        with self._read() as session:
            query = select(CriticismNoteRow).order_by(CriticismNoteRow.received_at.desc())
            if customer_id is not None:
                query = query.where(CriticismNoteRow.customer_id == customer_id)
            if open_only:
                query = query.where(CriticismNoteRow.resolved_at.is_(None))
            return [convert.criticism_from_row(r) for r in session.scalars(query)]

    @staticmethod
    def _note_row(session: Session, note_id: int) -> CriticismNoteRow:
        row = session.get(CriticismNoteRow, note_id)
        if row is None:
            raise NotFoundError(f"No criticism note has id {note_id}; reload the customer.")
        return row

    @staticmethod
    def _check_note_refs(session: Session, note: CriticismNote) -> None:
        if session.get(CustomerRow, note.customer_id) is None:
            raise NotFoundError(f"No customer has id {note.customer_id}.")
        if note.ticket_id is not None:
            ticket = session.get(TicketRow, note.ticket_id)
            if ticket is None or ticket.customer_id != note.customer_id:
                raise ValidationError(
                    f"Ticket {note.ticket_id} is not a ticket of this customer; pick one of "
                    "theirs or leave the ticket empty.",
                    "ticket_id",
                )
        if (
            note.follow_up_owner_id is not None
            and session.get(TechnicianRow, note.follow_up_owner_id) is None
        ):
            raise NotFoundError(f"No technician has id {note.follow_up_owner_id}.")

    # --- notifications ----------------------------------------------------------------------

    def add_notification(self, notification: Notification) -> Notification:
        """Keep a notification in the in-app list of its recipient (of everyone without
        one); written by a desk's monitor, not by a person."""
        require_aware(notification.created_at, "notification time")
        with self._write(None, "add_notification") as action:
            recipient = notification.recipient_id
            if recipient is not None and action.session.get(TechnicianRow, recipient) is None:
                raise NotFoundError(
                    f"No technician has id {recipient} to receive the notification; "
                    "sign in again or reload the technicians."
                )
            row = NotificationRow(
                recipient_id=recipient,
                created_at=notification.created_at,
                kind=notification.kind,
                title=notification.title,
                body=notification.body,
                ticket_id=notification.ticket_id,
                metric=Metric(notification.metric).value if notification.metric else None,
                threshold=notification.threshold,
                read=notification.read,
            )
            action.session.add(row)
            action.session.flush()
            action.record("notification", row.id, None, {"kind": row.kind, "title": row.title})
            return replace(notification, id=row.id)

    def notifications(
        self, *, recipient_id: int | None = None, unread_only: bool = False, limit: int = 200
    ) -> list[Notification]:
        """The newest notifications first: with ``recipient_id``, that technician's own and
        those for everyone; without, every desk's."""
        with self._read() as session:
            query = (
                select(NotificationRow)
                .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
                .limit(limit)
            )
            if recipient_id is not None:
                query = query.where(_visible_to(recipient_id))
            if unread_only:
                query = query.where(NotificationRow.read.is_(False))
            return [convert.notification_from_row(r) for r in session.scalars(query)]

    def mark_notifications_read(self, actor_id: int, notification_ids: Iterable[int]) -> int:
        """Mark the technician's own (and everyone's) notifications among ``ids`` read;
        another technician's stay as they are. Returns how many changed."""
        ids = sorted(set(notification_ids))
        with self._write(actor_id, "mark_notifications_read") as action:
            result = action.session.execute(
                update(NotificationRow)
                .where(
                    NotificationRow.id.in_(ids),
                    NotificationRow.read.is_(False),
                    _visible_to(actor_id),
                )
                .values(read=True)
            )
            count = int(getattr(result, "rowcount", 0) or 0)
            action.record("notification", None, None, {"read": ids})
            return count

    # --- audit ------------------------------------------------------------------------------

    def audit_log(
        self, entity: str | None = None, entity_id: int | None = None, limit: int = 500
    ) -> list[AuditEntry]:
        with self._read() as session:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if entity is not None:
                query = query.where(AuditRow.entity == entity)
            if entity_id is not None:
                query = query.where(AuditRow.entity_id == entity_id)
            return [convert.audit_from_row(r) for r in session.scalars(query)]

    # --- import -------------------------------------------------------------------------------

    def import_desk(
        self, desk: Desk, *, actor_id: int | None = None, now: datetime | None = None
    ) -> ImportSummary:
        """Add a whole desk in one transaction; references by name are resolved here.

        Calendars and policies replace stored ones of the same name; technicians and
        customers (with their sites and contacts) that exist by name are reused; ticket
        numbers must be new. A bad record raises :class:`ValidationError` naming it and
        nothing is written.
        """
        from desktop_app.store.bulk import DeskImporter

        with gc_paused(), self._write(actor_id, "import_desk") as action:
            importer = DeskImporter(action.session, self, action.now if now is None else now)
            summary = importer.run(desk)
            action.record("desk", None, None, {"imported": _summary_dict(summary)})
        self._engine_cache = None
        return summary


# --- helpers -------------------------------------------------------------------------------


def _save_by_name(
    session: Session, row_type: Any, records: Sequence[tuple[str, dict[str, Any]]]
) -> int:
    """Insert each named record, or update the stored one of that name; returns how many
    were new. (Calendars and policies are known to people by name.)"""
    existing = {r.name: r for r in session.scalars(select(row_type))}
    added = 0
    for name, columns in records:
        row = existing.get(name)
        if row is None:
            session.add(row_type(**columns))
            added += 1
        else:
            for key, value in columns.items():
                setattr(row, key, value)
    session.flush()
    return added


def _summary_dict(summary: ImportSummary) -> dict[str, int]:
    return {name: getattr(summary, name) for name in ImportSummary.__slots__}


def _ticket_missing(ticket_id: int) -> NotFoundError:
    return NotFoundError(
        f"No ticket has id {ticket_id}; it may have been deleted. Reload the queue."
    )


def _priority(value: Priority | str) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        names = ", ".join(p.value for p in Priority)
        raise ValidationError(
            f"Unknown priority {value!r}; use one of {names}.", "priority"
        ) from None


def _clean_category(category: str) -> str:
    category = category.strip().lower()
    if not category:
        raise ValidationError("A ticket needs a category (e.g. 'outage', 'request').", "category")
    return category


def _require_open(row: TicketRow, what: str) -> None:
    if not TicketStatus(row.status).is_open:
        raise ValidationError(
            f"Ticket {row.number} is {row.status}; reopen it first to {what}.", "status"
        )


def _check_zone(zone: str, what: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"{what}: {zone!r} is not an IANA time zone; use a name like 'Europe/Berlin'.",
            "timezone",
        ) from None


def _validate_note(note: CriticismNote) -> None:
    require_aware(note.received_at, "received time")
    if note.resolved_at is not None:
        require_aware(note.resolved_at, "resolved time")
    try:
        FeedbackSource(note.source)
        Sentiment(note.sentiment)
    except ValueError as exc:
        raise ValidationError(f"Criticism note: {exc}.") from None
    if not note.text.strip():
        raise ValidationError("A criticism note needs the customer's words.", "text")


def _note_columns(note: CriticismNote) -> dict[str, Any]:
    return {
        "customer_id": note.customer_id,
        "ticket_id": note.ticket_id,
        "received_at": note.received_at,
        "source": FeedbackSource(note.source).value,
        "sentiment": Sentiment(note.sentiment).value,
        "text": note.text,
        "follow_up_owner_id": note.follow_up_owner_id,
        "follow_up_due": note.follow_up_due,
        "resolved_at": note.resolved_at,
    }


def _clock_map(clocks: Iterable[StoredClock]) -> dict[Metric, StoredClock]:
    return {c.metric: c for c in sorted(clocks, key=lambda c: METRICS.index(c.metric))}


# Statements of the write path, built once (building them costs more than running them).


@functools.cache
def _clock_inputs_query() -> Any:
    """The customer's tier, the zone and calendar the ticket's clocks run in, and each of
    the customer's contracts (one row per contract; one row of NULLs without any): the
    contract is chosen in Python by clocking.contract_rank, the one rule the queue, the
    import and the ticket pane follow too."""
    customer_id = bindparam("customer_id", type_=Integer)
    first_site = (
        select(func.min(SiteRow.id)).where(SiteRow.customer_id == customer_id).scalar_subquery()
    )
    return (
        select(
            CustomerRow.tier,
            SiteRow.timezone,
            SiteRow.calendar,
            ContractRow.policy,
            ContractRow.starts_on,
            ContractRow.ends_on,
            ContractRow.id,
        )
        .select_from(CustomerRow)
        .outerjoin(
            SiteRow,
            SiteRow.id == func.coalesce(bindparam("site_id", type_=Integer), first_site),
        )
        .outerjoin(ContractRow, ContractRow.customer_id == CustomerRow.id)
        .where(CustomerRow.id == customer_id)
    )


@functools.cache
def _timeline_query() -> Any:
    table = TicketEventRow.__table__
    return (
        select(table)
        .where(table.c.ticket_id == bindparam("ticket_id", type_=Integer))
        .order_by(table.c.at, table.c.id)
    )


_QUEUE_CHUNK = 4096  # rows fetched and built at a time when the queue loads


@functools.cache
def _clock_upsert(backend: str) -> Any:
    table: Table = TicketClockRow.__table__  # type: ignore[assignment]
    dialect = sqlite if backend == "sqlite" else postgresql
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.ticket_id, table.c.metric],
        set_={
            name: statement.excluded[name]
            for name in table.c.keys()  # noqa: SIM118 - column names, not columns
            if name not in ("ticket_id", "metric")
        },
    )


def zone_or_utc(name: str | None) -> tzinfo:
    """A site's zone for month boundaries; UTC without a site or for a zone unknown here."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def breaches_between(start: datetime, end: datetime, customer_id: int | None = None) -> Any:
    """The SLA breaches in [start, end), each once, as (customer_id, category, ticket_id,
    metric, at) rows: what a month's service credit and report count.

    A clock row holds only its latest next-update cycle; the breaches of earlier cycles
    are on the timeline (the monitor records each one). The union has both, a breach on
    both at the same instant once."""
    stored = (
        select(
            TicketRow.customer_id,
            TicketRow.category,
            TicketClockRow.ticket_id,
            TicketClockRow.metric,
            TicketClockRow.breached_at.label("at"),
        )
        .join(TicketRow, TicketRow.id == TicketClockRow.ticket_id)
        .where(TicketClockRow.breached_at >= start, TicketClockRow.breached_at < end)
    )
    recorded = (
        select(
            TicketRow.customer_id,
            TicketRow.category,
            TicketEventRow.ticket_id,
            TicketEventRow.metric,
            TicketEventRow.at,
        )
        .join(TicketRow, TicketRow.id == TicketEventRow.ticket_id)
        .where(
            TicketEventRow.kind == EventKind.BREACHED.value,
            TicketEventRow.metric.is_not(None),
            TicketEventRow.at >= start,
            TicketEventRow.at < end,
        )
    )
    if customer_id is not None:
        stored = stored.where(TicketRow.customer_id == customer_id)
        recorded = recorded.where(TicketRow.customer_id == customer_id)
    return union(stored, recorded)


def _visible_to(technician_id: int) -> Any:
    """Notifications for this technician, and those recorded for everyone."""
    return or_(
        NotificationRow.recipient_id == technician_id, NotificationRow.recipient_id.is_(None)
    )


def _sqlite_queue_order(row: Any) -> str:
    """Nearest deadline first, tickets without one last, then oldest, then by id.

    SQLite stores instants as fixed-width UTC text, so one concatenated string compares
    like the tuple (next_due_at NULLS LAST, created_at, id): ``~`` sorts after any digit.
    """
    key: str = (row[13] or "~") + row[11] + f"{row[0]:012d}"
    return key


def _event_at(event: TicketEvent) -> datetime:
    return event.at


def _sql_list(values: Iterable[str]) -> str:
    """A literal SQL list of our own enum values (never user input)."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


__all__ = [
    "ImportSummary",
    "Store",
    "breaches_between",
    "utc_now",
    "zone_or_utc",
]
