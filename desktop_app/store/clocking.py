"""The one place where the store asks the SLA engine for a ticket's clocks.

Every path that changes what a clock depends on (a new ticket, an event, a priority or
category change, an import) goes through :meth:`ClockEngine.compute`: the ticket's policy
inputs select the terms through the :class:`~desktop_app.sla.policy.PolicyBook`, the engine
replays the timeline, and the result comes back as table rows plus the queue's sort key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop_app.domain import (
    CalendarSpec,
    ClockState,
    Metric,
    Priority,
    SlaPolicy,
    TicketEvent,
    Tier,
    ValidationError,
)
from desktop_app.domain.queue import StoredClock
from desktop_app.sla.clocks import Clock, ClockTerms, compute_clocks
from desktop_app.sla.policy import PolicyBook, contract_policy, opened_on
from desktop_app.store.schema import ContractRow
from desktop_app.store.types import to_utc_text

# The order of the clocks everywhere (rows, packed summaries, the ticket pane).
METRIC_ORDER = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)


class ContractPolicies:
    """The SLA policy each customer's contracts name, picked per ticket by
    :func:`contract_rank` on the local day the ticket was opened (:func:`opened_on`).

    Most customers have one contract, which then always applies: :attr:`single` answers
    those with one dictionary lookup; the others are ranked once per customer and day.
    """

    __slots__ = ("_by_day", "_many", "single")

    def __init__(self, contracts: Iterable[tuple[int, str, date, date, int]]) -> None:
        """``contracts``: (customer id, policy, starts on, ends on, contract id) rows."""
        by_customer: dict[int, list[tuple[str, date, date, int]]] = {}
        for customer_id, policy, starts_on, ends_on, contract_id in contracts:
            by_customer.setdefault(customer_id, []).append(
                (policy, starts_on, ends_on, contract_id)
            )
        self.single: dict[int, str] = {
            cid: rows[0][0] for cid, rows in by_customer.items() if len(rows) == 1
        }
        self._many = {cid: rows for cid, rows in by_customer.items() if len(rows) > 1}
        self._by_day: dict[tuple[int, date], str] = {}

    @classmethod
    def load(cls, session: Session) -> ContractPolicies:
        """Every customer's contracts, in one query."""
        c = ContractRow.__table__.c
        return cls(session.execute(select(c.customer_id, c.policy, c.starts_on, c.ends_on, c.id)))

    def has_choice(self, customer_id: int) -> bool:
        """Whether the customer's policy depends on the day (several contracts)."""
        return customer_id in self._many

    def policy(self, customer_id: int, created_at: datetime, site_zone: str | None) -> str | None:
        """The policy for a ticket of ``customer_id`` opened at ``created_at`` at a site in
        ``site_zone`` (None without any contract). The day is worked out only for a
        customer with several contracts."""
        single = self.single.get(customer_id)
        if single is not None:
            return single
        rows = self._many.get(customer_id)
        if rows is None:
            return None
        on = opened_on(created_at, site_zone)
        key = (customer_id, on)
        chosen = self._by_day.get(key)
        if chosen is None:
            chosen = contract_policy(rows, on)
            assert chosen is not None  # rows is never empty
            self._by_day[key] = chosen
        return chosen


@dataclass(frozen=True, slots=True)
class ClockInputs:
    """What the policy choice depends on; tickets with equal inputs share their terms."""

    priority: Priority
    category: str
    tier: Tier
    contract_policy: str | None
    site_zone: str
    site_calendar: str | None


@dataclass(frozen=True, slots=True)
class ComputedClocks:
    rows: list[dict[str, Any]]  # ticket_clocks rows without ticket_id
    next_due_at: datetime | None
    terms: ClockTerms

    @property
    def packed(self) -> str:
        """The rows as ``tickets.queue_clocks`` stores them (see :func:`pack_clocks`)."""
        return pack_clocks(self.rows)


class ClockEngine:
    """Policies and calendars as loaded from the store, with the terms cached per inputs."""

    def __init__(self, policies: Sequence[SlaPolicy], calendars: Sequence[CalendarSpec]) -> None:
        self.policies = tuple(policies)
        self.calendars = tuple(calendars)
        self.book = PolicyBook(self.policies, self.calendars)
        self._terms: dict[ClockInputs, ClockTerms] = {}
        self._unresolvable: set[ClockInputs] = set()

    def terms(self, inputs: ClockInputs) -> ClockTerms:
        terms = self._terms.get(inputs)
        if terms is None:
            applied = self.book.apply(
                inputs.priority,
                inputs.category,
                inputs.tier,
                inputs.contract_policy,
                inputs.site_zone,
                inputs.site_calendar,
            )
            terms = applied.terms
            self._terms[inputs] = terms
        return terms

    def terms_or_none(self, inputs: ClockInputs) -> ClockTerms | None:
        """The terms, or None when no policy applies (the queue still shows the ticket)."""
        if inputs in self._unresolvable:
            return None
        try:
            return self.terms(inputs)
        except ValidationError:
            self._unresolvable.add(inputs)
            return None

    def resolver(self, inputs: ClockInputs) -> Callable[[Priority, str], ClockTerms]:
        """Terms of the same ticket under another priority or category: a met clock is
        judged by the terms in force when it was met (see ``compute_clocks``)."""

        def terms_for(priority: Priority, category: str) -> ClockTerms:
            return self.terms(replace(inputs, priority=priority, category=category))

        return terms_for

    def compute(
        self, inputs: ClockInputs, events: Iterable[TicketEvent], now: datetime
    ) -> ComputedClocks:
        terms = self.terms(inputs)
        # Warning instants are not stored (the monitor asks the engine per ticket).
        clocks = compute_clocks(
            events, terms, now, with_warnings=False, terms_for=self.resolver(inputs)
        )
        rows = [clock_row(clock) for clock in clocks.values()]
        dues = [row["due_at"] for row in rows if row["due_at"] is not None]
        return ComputedClocks(rows=rows, next_due_at=min(dues) if dues else None, terms=terms)


# One shape for a clock: the fields of StoredClock, as ticket_clocks columns (durations in
# seconds). clock_row writes it, stored_clock_from_columns and decode_clocks (queue_read,
# from the packed copy) read it back.
_COLUMN_OF = {"target": "target_seconds", "elapsed": "elapsed_seconds"}
CLOCK_COLUMNS = tuple(_COLUMN_OF.get(name, name) for name in StoredClock._fields)


def clock_row(clock: Clock) -> dict[str, Any]:
    """A computed clock as its ``ticket_clocks`` row (without the ticket id)."""
    return stored_clock_columns(StoredClock.of(clock))


def stored_clock_columns(clock: StoredClock) -> dict[str, Any]:
    return {
        "metric": clock.metric.value,
        "state": clock.state.value,
        "target_seconds": clock.target.total_seconds(),
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "elapsed_seconds": clock.elapsed.total_seconds(),
        "breached_at": clock.breached_at,
        "met_at": clock.met_at,
        "as_of": clock.as_of,
        "paused": clock.paused,
    }


def stored_clock_from_columns(row: Any) -> StoredClock:
    """A ``ticket_clocks`` row (any object with the column attributes) as a clock."""
    return StoredClock(
        Metric(row.metric),
        ClockState(row.state),
        timedelta(seconds=row.target_seconds),
        row.started_at,
        row.due_at,
        timedelta(seconds=row.elapsed_seconds),
        row.breached_at,
        row.met_at,
        row.as_of,
        bool(row.paused),
    )


# --- the queue's copy of a ticket's clocks ------------------------------------------------

# The same columns in the packed copy's order (paused before as_of, as stored since
# revision 0003).
PACKED_FIELDS = (
    "metric",
    "state",
    "target_seconds",
    "started_at",
    "due_at",
    "elapsed_seconds",
    "breached_at",
    "met_at",
    "paused",
    "as_of",
)
if sorted(PACKED_FIELDS) != sorted(CLOCK_COLUMNS):  # pragma: no cover - a developer's slip
    raise RuntimeError("The packed clock fields and the clock columns disagree.")


def pack_clocks(
    rows: Iterable[dict[str, Any]], instant_text: Callable[[datetime | None], str] | None = None
) -> str:
    """A ticket's clock rows as one line of text for ``tickets.queue_clocks``.

    ``ticket_clocks`` stays the record of each clock; this is the queue's copy, written in
    the same transaction, so loading 100,000 open tickets reads one column instead of
    joining three clock rows per ticket. Clocks are separated by ``;``, their fields by
    ``,`` in :data:`PACKED_FIELDS` order: enum values, seconds as Python floats, instants
    as fixed-width UTC text (as SQLite stores them, on every backend), ``1``/``0`` for
    paused and an empty field for ``None``; none of these contain ``,`` or ``;``.

    The clock with the earliest deadline (the queue's "nearest", the first in metric order
    on a tie) comes first, so a reader finds it without splitting the rest; the others
    follow in metric order. A first clock without a deadline means no clock has one.
    ``instant_text`` may replace the instant formatting (a bulk import passes a cached one).
    """
    _text = instant_text or _instant_text
    ordered = sorted(rows, key=_packed_rank)  # the engine's rows come in order already
    dues = [r for r in ordered if r["due_at"] is not None]
    if dues:
        nearest = min(dues, key=lambda r: r["due_at"])  # min keeps the first of equals
        ordered.remove(nearest)
        ordered.insert(0, nearest)
    return ";".join(
        ",".join(
            (
                _METRIC_TEXT[row["metric"]],
                str(row["state"]),
                repr(float(row["target_seconds"])),
                _text(row["started_at"]),
                _text(row["due_at"]),
                repr(float(row["elapsed_seconds"])),
                _text(row["breached_at"]),
                _text(row["met_at"]),
                "1" if row["paused"] else "0",
                _text(row["as_of"]),
            )
        )
        for row in ordered
    )


# Keyed by the members, found by the members or their text too (StrEnum hashes as its value);
# a metric that is neither raises KeyError, as Metric(...) raised ValueError.
_METRIC_RANK = {m: i for i, m in enumerate(METRIC_ORDER)}
_METRIC_TEXT = {m: m.value for m in Metric}


def _packed_rank(row: dict[str, Any]) -> int:
    return _METRIC_RANK[row["metric"]]


def _instant_text(value: datetime | None) -> str:
    return "" if value is None else to_utc_text(value)
