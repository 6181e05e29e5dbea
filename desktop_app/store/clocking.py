"""The one place where the store asks the SLA engine for a ticket's clocks.

Every path that changes what a clock depends on (a new ticket, an event, a priority or
category change, an import) goes through :meth:`ClockEngine.compute`: the ticket's policy
inputs select the terms through the :class:`~desktop_app.sla.policy.PolicyBook`, the engine
replays the timeline, and the result comes back as table rows plus the queue's sort key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop_app.domain import (
    CalendarSpec,
    Metric,
    Priority,
    SlaPolicy,
    TicketEvent,
    Tier,
    ValidationError,
)
from desktop_app.sla.clocks import Clock, ClockTerms, compute_clocks
from desktop_app.sla.policy import PolicyBook


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

    def compute(
        self, inputs: ClockInputs, events: Iterable[TicketEvent], now: datetime
    ) -> ComputedClocks:
        terms = self.terms(inputs)
        clocks = compute_clocks(events, terms, now)
        rows = [clock_row(clock) for clock in clocks.values()]
        dues = [row["due_at"] for row in rows if row["due_at"] is not None]
        return ComputedClocks(rows=rows, next_due_at=min(dues) if dues else None, terms=terms)


def clock_row(clock: Clock) -> dict[str, Any]:
    return {
        "metric": Metric(clock.metric).value,
        "state": clock.state.value,
        "target_seconds": clock.target.total_seconds(),
        "started_at": clock.started_at,
        "due_at": clock.due_at if clock.running else None,
        "elapsed_seconds": clock.elapsed.total_seconds(),
        "breached_at": clock.breached_at,
        "met_at": clock.met_at,
        "paused": clock.paused,
        "as_of": clock.as_of,
    }
