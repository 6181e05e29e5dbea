"""Building the open queue's records fast: 100,000 tickets in about a second.

The queue reads one narrow row per ticket (its clocks packed into ``tickets.queue_clocks``,
see :func:`desktop_app.store.clocking.pack_clocks`) and turns it into a
:class:`~desktop_app.domain.queue.QueueEntry`. What keeps that cheap:

* the clocks are decoded here, all of them, while the collector is paused (see
  :func:`gc_paused`): decoding them lazily, on a view's first look, measured 3.4 s for
  100,000 tickets because the collector kept walking the growing heap meanwhile; identical
  inactive clocks (most next-update clocks) share one record;
* the records are named tuples, built from their values in one step (``tuple.__new__``):
  a slotted frozen dataclass sets each field through its own call, which cost more than
  the rest of the row (1.0 us against 0.1 us a clock); a ticket's clocks are split in one
  call, not one per clock;
* enum members come from dictionaries and instants from ``datetime.fromisoformat`` on the
  fixed-width UTC text, never through SQLAlchemy's per-value result processing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop_app.domain import ClockState, Metric, Priority, Sentiment, TicketStatus, Tier
from desktop_app.domain.queue import QueueEntry, StoredClock
from desktop_app.store.clocking import (
    METRIC_ORDER,
    PACKED_FIELDS,
    ClockEngine,
    ClockInputs,
    ContractPolicies,
)
from desktop_app.store.schema import (
    CriticismNoteRow,
    CustomerRow,
    SiteRow,
    TechnicianRow,
)
from desktop_app.store.types import from_utc_text

T = TypeVar("T")

_METRICS = {m.value: m for m in Metric}
_PRIORITIES = {p.value: p for p in Priority}
_STATUSES = {s.value: s for s in TicketStatus}
_TIERS = {t.value: t for t in Tier}
_STATES = {s.value: s for s in ClockState}
_RUNNING = ClockState.RUNNING
_BREACHED = ClockState.BREACHED
_fromisoformat = datetime.fromisoformat
_NO_SITE: tuple[None, None, None] = (None, None, None)
_NO_CLOCKS: tuple[dict[Metric, StoredClock], None] = ({}, None)  # never mutated
_FIRST_METRIC = METRIC_ORDER[0]


_tuple_new = tuple.__new__  # a named tuple built from its values in one step


class _Seconds(dict[str, timedelta]):
    """Seconds text → timedelta, parsed once: targets repeat, elapsed minutes too (~7k
    distinct in 100k tickets). Bounded; a miss beyond the bound is parsed, not kept."""

    __slots__ = ()

    def __missing__(self, text: str) -> timedelta:
        value = timedelta(seconds=float(text))
        if len(self) < 65_536:
            self[text] = value
        return value


class _AsOf(dict[str, datetime]):
    """When the clocks were computed: shared by every ticket of an import or a batch."""

    __slots__ = ()

    def __missing__(self, text: str) -> datetime:
        value = _fromisoformat(text)
        if len(self) < 4096:
            self[text] = value
        return value


_seconds = _Seconds()
_as_of = _AsOf()
_FIELDS = len(PACKED_FIELDS)  # fields of one packed clock


def decode_clocks(
    packed: str, now_text: str, shared: dict[tuple[str, ...], StoredClock] | None = None
) -> tuple[dict[Metric, StoredClock], StoredClock | None]:
    """A ticket's packed clocks as the queue shows them at ``now``, in metric order, and
    the nearest one (packed first; None when no clock has a deadline).

    The stored state is as of the ticket's last change; a running deadline that has passed
    since is a breach at that deadline (the engine's own rule for counting clocks).
    Inactive clocks hold nothing of their ticket's own: with ``shared``, equal ones are one
    record (most next-update clocks of a large desk).
    """
    # Written out rather than through helpers: this runs once per ticket in a queue load.
    # One split for all the clocks (a split per clock costs more than the rest of it).
    f = packed.replace(";", ",").split(",")
    clocks: dict[Metric, StoredClock] = {}
    first: StoredClock | None = None
    for i in range(0, len(f), _FIELDS):
        (metric, state_text, target, started, due_text, elapsed, breached_text, met, paused,
         as_of) = f[i : i + _FIELDS]  # fmt: skip
        if state_text == "inactive" and shared is not None:
            key = tuple(f[i : i + _FIELDS])
            clock = shared.get(key)
            if clock is None:
                clock = shared[key] = decode_clocks(",".join(key), now_text)[0][_METRICS[metric]]
        else:
            state = _STATES[state_text]
            due = _fromisoformat(due_text) if due_text else None
            if state is _RUNNING and due_text and due_text <= now_text:
                state = _BREACHED
                breached_text = due_text
            clock = _tuple_new(
                StoredClock,
                (
                    _METRICS[metric],
                    state,
                    _seconds[target],
                    _fromisoformat(started) if started else None,
                    due,
                    _seconds[elapsed],
                    (due if breached_text == due_text else _fromisoformat(breached_text))
                    if breached_text
                    else None,
                    _fromisoformat(met) if met else None,
                    _as_of[as_of],
                    paused == "1",
                ),
            )
        if first is None:
            first = clock
        clocks[clock.metric] = clock
    nearest = first if first is not None and first.due_at is not None else None
    if nearest is not None and nearest.metric is not _FIRST_METRIC and len(clocks) > 1:
        # the nearest was packed first: back to metric order
        clocks = {m: clocks[m] for m in METRIC_ORDER if m in clocks}
    return clocks, nearest


def utc_text(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="microseconds")


class QueueLookups:
    """The small tables a queue row refers to, each read once per load."""

    __slots__ = ("contracts", "customers", "first_sites", "negative", "sites", "technicians")

    def __init__(
        self,
        *,
        customers: dict[int, tuple[str, Tier]],
        sites: dict[int, tuple[str, str, str]],
        first_sites: dict[int, tuple[str, str]],
        technicians: dict[int, str],
        negative: dict[int, int],
        contracts: ContractPolicies,
    ) -> None:
        self.customers = customers
        self.sites = sites
        self.first_sites = first_sites
        self.technicians = technicians
        self.negative = negative
        self.contracts = contracts

    @classmethod
    def load(cls, session: Session) -> QueueLookups:
        customers = {
            cid: (name, _TIERS[tier])
            for cid, name, tier in session.execute(
                select(CustomerRow.id, CustomerRow.name, CustomerRow.tier)
            )
        }
        sites: dict[int, tuple[str, str, str]] = {}
        first_sites: dict[int, tuple[str, str]] = {}
        for sid, cid, name, zone, calendar in session.execute(
            select(
                SiteRow.id, SiteRow.customer_id, SiteRow.name, SiteRow.timezone, SiteRow.calendar
            ).order_by(SiteRow.id)
        ):
            sites[sid] = (name, zone, calendar)
            # A ticket without a site runs in its customer's first site's zone and calendar.
            first_sites.setdefault(cid, (zone, calendar))
        technicians = dict(session.execute(select(TechnicianRow.id, TechnicianRow.name)).all())
        negative = dict(
            session.execute(
                select(CriticismNoteRow.customer_id, func.count())
                .where(
                    CriticismNoteRow.sentiment == Sentiment.NEGATIVE.value,
                    CriticismNoteRow.resolved_at.is_(None),
                )
                .group_by(CriticismNoteRow.customer_id)
            ).all()
        )
        return cls(
            customers=customers,
            sites=sites,
            first_sites=first_sites,
            technicians=technicians,
            negative=negative,
            contracts=ContractPolicies.load(session),
        )


class QueueBuilder:
    """Turns the queue query's driver rows into :class:`QueueEntry` records."""

    def __init__(
        self, engine: ClockEngine, lookups: QueueLookups, now: datetime, backend: str
    ) -> None:
        self.engine = engine
        self.lookups = lookups
        self.now_text = utc_text(now)
        # SQLite hands back the stored UTC text, PostgreSQL an aware datetime.
        self.instant: Callable[[Any], datetime] = (
            _fromisoformat if backend == "sqlite" else _aware_utc
        )
        self._inactive: dict[tuple[str, ...], StoredClock] = {}
        self._contexts: dict[tuple[int, int | None, str, str, str | None], tuple[Any, ...]] = {}

    def _context(
        self,
        customer_id: int,
        site_id: int | None,
        priority: str,
        category: str,
        contract_policy: str | None,
    ) -> tuple[Any, ...]:
        """Everything a row's customer, site, priority, category and contract decide, once
        per distinct combination (a desk has a few hundred of them, not 100,000)."""
        lookups = self.lookups
        customer_name, tier = lookups.customers[customer_id]
        site_name, zone, calendar_name = (
            lookups.sites.get(site_id, _NO_SITE) if site_id is not None else _NO_SITE
        )
        if zone is None:  # the customer's first site, if any
            zone, calendar_name = lookups.first_sites.get(customer_id, (None, None))
        terms = self.engine.terms_or_none(
            ClockInputs(
                _PRIORITIES[priority],
                category,
                tier,
                contract_policy,
                zone or "UTC",
                calendar_name,
            )
        )
        return (
            _PRIORITIES[priority],
            customer_name,
            tier,
            site_name,
            zone,
            lookups.negative.get(customer_id, 0),
            terms.calendar if terms is not None else None,
            terms.policy_name if terms is not None else None,
            terms.warnings if terms is not None else None,
        )

    def _site_zone(self, customer_id: int, site_id: int | None) -> str | None:
        """The zone a ticket's clocks run in: its site's, else its customer's first site's."""
        lookups = self.lookups
        if site_id is not None and site_id in lookups.sites:
            return lookups.sites[site_id][1]
        return lookups.first_sites.get(customer_id, (None, None))[0]

    def _decode_clocks(self, packed: str) -> tuple[dict[Metric, StoredClock], StoredClock | None]:
        return decode_clocks(packed, self.now_text, self._inactive)

    def build(self, rows: Iterable[Any], into: list[QueueEntry] | None = None) -> list[QueueEntry]:
        """The entries of ``rows``, appended to ``into`` (a new list by default); rows may
        come in chunks, each built as it arrives, so their text is freed as the load goes."""
        contexts = self._contexts
        context_for = self._context
        contracts = self.lookups.contracts
        single_policy = contracts.single.get
        technicians = self.lookups.technicians
        instant = self.instant
        statuses = _STATUSES
        new = _tuple_new
        entry_type = QueueEntry
        decode = self._decode_clocks
        entries: list[QueueEntry] = [] if into is None else into
        append = entries.append
        for (
            ticket_id,
            number,
            subject,
            priority,
            category,
            status,
            customer_id,
            site_id,
            assignee_id,
            level,
            version,
            created_at,
            packed,
            _next_due_at,
        ) in rows:
            created = instant(created_at)
            # the contract in force on the day the ticket was opened at its site, as its
            # clocks were
            policy = single_policy(customer_id)
            if policy is None and contracts.has_choice(customer_id):
                policy = contracts.policy(
                    customer_id, created, self._site_zone(customer_id, site_id)
                )
            key = (customer_id, site_id, priority, category, policy)
            context = contexts.get(key)
            if context is None:
                context = contexts[key] = context_for(*key)
            clocks, nearest = decode(packed) if packed else _NO_CLOCKS
            append(
                new(
                    entry_type,
                    (
                        ticket_id,
                        number,
                        subject,
                        context[0],
                        category,
                        statuses[status],
                        customer_id,
                        context[1],
                        context[2],
                        context[3],
                        context[4],
                        assignee_id,
                        technicians.get(assignee_id) if assignee_id is not None else None,
                        level,
                        version,
                        created,
                        clocks,
                        nearest,
                        context[5],
                        context[6],
                        context[7],
                        context[8],
                    ),
                )
            )
        return entries


def _aware_utc(value: Any) -> datetime:
    if isinstance(value, str):
        return from_utc_text(value)
    if not isinstance(value, datetime):
        raise TypeError(f"Cannot read an instant from {value!r}")
    if value.tzinfo is None:  # only a foreign writer could have stored this
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


__all__ = [
    "METRIC_ORDER",
    "QueueBuilder",
    "QueueLookups",
    "decode_clocks",
    "utc_text",
]
