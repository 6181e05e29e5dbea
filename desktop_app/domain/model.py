"""The desk's records as plain, immutable, typed Python objects.

Every instant is an aware UTC ``datetime``. Records are frozen: a change produces a new
record (``dataclasses.replace``), so a record handed to another thread never changes under it.
Ids are ``None`` until the store has saved the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from desktop_app.domain.enums import (
    EventKind,
    FeedbackSource,
    Metric,
    Priority,
    Role,
    Sentiment,
    TicketStatus,
    Tier,
)

# Weekly opening hours: weekday (0 = Monday … 6 = Sunday) -> [("08:00", "17:00"), …].
WeeklyHours = Mapping[int, list[tuple[str, str]]]

OFFICE_HOURS: dict[int, list[tuple[str, str]]] = {d: [("08:00", "17:00")] for d in range(5)}
ALWAYS_OPEN_HOURS: dict[int, list[tuple[str, str]]] = {d: [("00:00", "24:00")] for d in range(7)}


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A named business calendar without a zone: the site using it supplies the zone.

    ``holiday_region`` (e.g. ``"CA-ON"``) adds that region's public holidays to the
    explicit ``holidays``.
    """

    name: str
    hours: WeeklyHours
    holidays: tuple[date, ...] = ()
    holiday_region: str | None = None
    id: int | None = None
    # the zone its hours are usually kept in: new sites and previews start from it (the
    # site's own zone always decides its clocks)
    zone: str | None = None
    version: int = 1  # bumped by every save: two people editing it at once are told


@dataclass(frozen=True, slots=True)
class WarningRule:
    """When to warn before a breach: at these percentages of the target elapsed, and/or
    when only ``lead`` business time remains."""

    percents: tuple[int, ...] = (50, 75, 90)
    lead: timedelta | None = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class EscalationLevel:
    """What happens when a clock breaches at escalation ``level``."""

    level: int
    notify_dispatchers: bool = True
    reassign_to_id: int | None = None  # the level's escalation owner, if reassignment is wanted
    customer_update_due: bool = True  # "keep the client in the loop" after a breach


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets per (priority, metric), the calendar they run in, warnings and escalation.

    ``calendar`` is ``None`` to run in the ticket site's own calendar, ``"24x7"`` for
    round the clock, or the name of a :class:`CalendarSpec`; the site always gives the zone.
    A policy with ``category`` set overrides the contract's policy for tickets of that
    category (for the ``tier`` given, or for every tier when ``tier`` is ``None``).
    """

    name: str
    targets: Mapping[tuple[Priority, Metric], timedelta]
    calendar: str | None = None
    tier: Tier | None = None
    category: str | None = None
    warnings: WarningRule = field(default_factory=WarningRule)
    escalation: tuple[EscalationLevel, ...] = ()
    id: int | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Customer:
    name: str
    tier: Tier
    notes: str = ""
    id: int | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Site:
    customer_id: int
    name: str
    timezone: str  # IANA zone, e.g. "America/Toronto"
    calendar: str  # name of a CalendarSpec
    id: int | None = None
    address: str = ""
    version: int = 1


@dataclass(frozen=True, slots=True)
class Contact:
    customer_id: int
    name: str
    email: str = ""
    phone: str = ""
    id: int | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Contract:
    """What the customer was promised: the policy (by tier), term, hours and penalties."""

    customer_id: int
    policy: str  # name of an SlaPolicy
    tier: Tier
    starts_on: date
    ends_on: date
    support_hours: float = 0.0  # allowance; 0 means unlimited
    hours_used: float = 0.0
    availability_target: float = 99.9  # percent
    monthly_fee: float = 0.0
    credit_percent_per_breach: float = 0.0  # service credit, % of the monthly fee
    credit_cap_percent: float = 0.0  # monthly cap, % of the monthly fee
    currency: str = "EUR"  # ISO 4217 code of the fee and the service credits
    # share of SLA clocks to be met in time each month, percent; 0: the contract sets none
    attainment_target: float = 0.0
    id: int | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Technician:
    name: str
    role: Role = Role.TECHNICIAN
    escalation_level: int = 1
    timezone: str = "UTC"
    active: bool = True
    shift_start: str = "08:00"  # local wall clock in ``timezone``
    shift_end: str = "17:00"
    id: int | None = None
    # the weekdays of the shift (0 = Monday … 6 = Sunday); its hours are the same each day
    shift_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    # the PostgreSQL login this person connects with (None: none, or a SQLite desk)
    login: str | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One entry of a ticket's timeline.

    ``priority``/``category`` carry the new value for CREATED, PRIORITY_CHANGED and
    CATEGORY_CHANGED; ``assignee_id`` for ASSIGNED; ``level`` for ESCALATED;
    ``metric`` for BREACHED.
    """

    kind: EventKind
    at: datetime
    author: str = ""
    text: str = ""
    priority: Priority | None = None
    category: str | None = None
    assignee_id: int | None = None
    level: int | None = None
    metric: Metric | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    number: str
    customer_id: int
    subject: str
    category: str
    priority: Priority
    created_at: datetime
    site_id: int | None = None
    contact_id: int | None = None
    description: str = ""
    status: TicketStatus = TicketStatus.NEW
    assignee_id: int | None = None
    escalation_level: int = 0
    resolved_at: datetime | None = None
    version: int = 1
    events: tuple[TicketEvent, ...] = ()
    id: int | None = None
    channel: str = ""  # how it came in: phone, email, walk-in, portal ("" when unknown)


@dataclass(frozen=True, slots=True)
class CriticismNote:
    """A customer's complaint (or praise), kept prominent until followed up."""

    customer_id: int
    received_at: datetime
    source: FeedbackSource
    sentiment: Sentiment
    text: str
    ticket_id: int | None = None
    follow_up_owner_id: int | None = None
    follow_up_due: date | None = None
    resolved_at: datetime | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True, slots=True)
class Notification:
    """A warning, breach or arrival shown to a technician; kept in the in-app list."""

    created_at: datetime
    kind: str  # "warning" | "breach" | "arrival" | "summary"
    title: str
    body: str
    ticket_id: int | None = None
    metric: Metric | None = None
    threshold: str | None = None
    read: bool = False
    id: int | None = None
    recipient_id: int | None = None  # the technician it is for; None: everyone on the desk


@dataclass(slots=True)
class Desk:
    """A whole data set in one batch: the demo desk, an import, a test fixture.

    References between records are by *name* or *number* here (``customer`` names,
    ``site`` names, technician names), because ids do not exist until the store saves them;
    see :class:`DeskTicket` and friends.
    """

    calendars: list[CalendarSpec] = field(default_factory=list)
    policies: list[SlaPolicy] = field(default_factory=list)
    technicians: list[Technician] = field(default_factory=list)
    customers: list[DeskCustomer] = field(default_factory=list)
    tickets: list[DeskTicket] = field(default_factory=list)
    criticism: list[DeskCriticism] = field(default_factory=list)


@dataclass(slots=True)
class DeskCustomer:
    customer: Customer
    sites: list[Site] = field(default_factory=list)  # customer_id ignored (0)
    contacts: list[Contact] = field(default_factory=list)  # customer_id ignored (0)
    contracts: list[Contract] = field(default_factory=list)  # customer_id ignored (0)


@dataclass(slots=True)
class DeskTicket:
    """A ticket whose references are by name: customer, site, contact, assignee."""

    ticket: Ticket  # customer_id/site_id/contact_id/assignee_id ignored
    customer: str
    site: str | None = None
    contact: str | None = None
    assignee: str | None = None


@dataclass(slots=True)
class DeskCriticism:
    note: CriticismNote  # customer_id/ticket_id/follow_up_owner_id ignored
    customer: str
    ticket_number: str | None = None
    follow_up_owner: str | None = None
