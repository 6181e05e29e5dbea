"""Read models: what the queue, the ticket pane and the customer pane are given.

The store builds these from its tables in a fixed number of queries and hands them to the
layers above; they are plain frozen records like the rest of the domain. A clock here is the
state the SLA engine computed when the ticket last changed (``as_of``); its deadline is an
absolute instant, so a view counts down from ``due_at`` without asking the engine again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from desktop_app.domain.enums import ClockState, Metric, Priority, TicketStatus, Tier
from desktop_app.domain.model import (
    Contact,
    Contract,
    CriticismNote,
    Customer,
    Site,
    Technician,
    Ticket,
    WarningRule,
)


class BusinessTime(Protocol):
    """The part of a business calendar a countdown needs (``sla.calendar.BusinessCalendar``)."""

    @property
    def is_always_open(self) -> bool: ...

    def business_time_between(self, start: datetime, end: datetime) -> timedelta: ...

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime: ...


class ComputedClock(Protocol):
    """What the stored shape takes from a computed clock (``sla.Clock`` has these)."""

    @property
    def metric(self) -> Metric: ...
    @property
    def state(self) -> ClockState: ...
    @property
    def target(self) -> timedelta: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def elapsed(self) -> timedelta: ...
    @property
    def breached_at(self) -> datetime | None: ...
    @property
    def met_at(self) -> datetime | None: ...
    @property
    def as_of(self) -> datetime: ...
    @property
    def running(self) -> bool: ...
    @property
    def paused(self) -> bool: ...


class StoredClock(NamedTuple):
    """One SLA clock of a ticket as stored: state and deadline as of ``as_of``.

    A named tuple rather than a frozen dataclass, like :class:`QueueEntry`: a queue load
    builds a few hundred thousand of them and a tuple is built in one step, where a
    slotted dataclass sets each field through its own call (measured 0.1 us against
    1.0 us a clock).
    """

    metric: Metric
    state: ClockState
    target: timedelta
    started_at: datetime | None
    due_at: datetime | None
    elapsed: timedelta
    breached_at: datetime | None
    met_at: datetime | None
    as_of: datetime
    paused: bool = False  # waiting on the customer (a breached clock can be paused too)

    @classmethod
    def of(cls, clock: ComputedClock) -> StoredClock:
        """The stored shape of a clock the SLA engine computed (``sla.Clock``): its deadline
        is kept only while it runs (a paused or met clock has none to count down to)."""
        return cls(
            clock.metric,
            clock.state,
            clock.target,
            clock.started_at,
            clock.due_at if clock.running else None,
            clock.elapsed,
            clock.breached_at,
            clock.met_at,
            clock.as_of,
            clock.paused,
        )

    @property
    def counting(self) -> bool:
        """Running towards its deadline (or past it, breached but not yet met)."""
        return self.due_at is not None and self.state in (ClockState.RUNNING, ClockState.BREACHED)

    @property
    def remaining(self) -> timedelta:
        """Business time left as of ``as_of`` (negative once breached)."""
        return self.target - self.elapsed


class QueueEntry(NamedTuple):
    """One open ticket as the queue shows it; ``nearest`` is the clock to count down.

    Immutable like the other records; a named tuple for the build cost (see
    :class:`StoredClock`). Change one with ``entry._replace(...)``.
    """

    ticket_id: int
    number: str
    subject: str
    priority: Priority
    category: str
    status: TicketStatus
    customer_id: int
    customer_name: str
    customer_tier: Tier
    site_name: str | None
    site_zone: str | None
    assignee_id: int | None
    assignee_name: str | None
    escalation_level: int
    version: int
    created_at: datetime
    clocks: Mapping[Metric, StoredClock]
    nearest: StoredClock | None
    open_negative_criticism: int
    calendar: BusinessTime | None  # shared with every ticket of the same site calendar
    policy_name: str | None = None
    warnings: WarningRule | None = None

    @property
    def due_at(self) -> datetime | None:
        return self.nearest.due_at if self.nearest is not None else None


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """A ticket with its timeline and the names the ticket pane shows."""

    ticket: Ticket  # events hold the whole timeline, oldest first
    customer: Customer
    site: Site | None
    contact: Contact | None
    assignee: Technician | None
    clocks: Mapping[Metric, StoredClock]
    criticism: tuple[CriticismNote, ...]
    last_changed_by: str | None = None


@dataclass(frozen=True, slots=True)
class Breach:
    ticket_id: int
    ticket_number: str
    subject: str
    metric: Metric
    breached_at: datetime


@dataclass(frozen=True, slots=True)
class Attainment:
    """Share of a metric's clocks that finished in time over a period."""

    metric: Metric
    met: int
    breached: int

    @property
    def percent(self) -> float | None:
        total = self.met + self.breached
        return None if total == 0 else 100.0 * self.met / total


@dataclass(frozen=True, slots=True)
class CustomerContext:
    """Everything the customer pane shows next to a ticket."""

    customer: Customer
    sites: tuple[Site, ...]
    contacts: tuple[Contact, ...]
    contracts: tuple[Contract, ...]
    open_tickets: tuple[Ticket, ...]  # without their timelines
    criticism: tuple[CriticismNote, ...]  # open first, then newest first
    recent_breaches: tuple[Breach, ...]  # newest first
    attainment: Mapping[Metric, Attainment]
    attainment_since: date
    # breached metrics in the calendar month so far, in the customer's first site's zone
    # (UTC without a site): what the month's service credit counts
    month_breaches: int = 0
    month: date | None = None  # the first day of that month
    # the customer's latest resolved or closed tickets, newest first (without timelines)
    recently_resolved: tuple[Ticket, ...] = ()


@dataclass(frozen=True, slots=True)
class TicketHit:
    """A ticket a search found (open or not): enough to list it and open it."""

    ticket_id: int
    number: str
    subject: str
    customer_name: str
    status: TicketStatus
    created_at: datetime
    resolved_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row: who did what to which record, with the changed fields."""

    at: datetime
    actor: str
    technician_id: int | None
    action: str
    entity: str
    entity_id: int | None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    id: int | None = field(default=None, compare=False)
