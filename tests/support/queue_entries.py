"""Queue entries for tests: tickets with one resolution clock due at a chosen offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop_app.domain import (
    ClockState,
    Metric,
    Priority,
    TicketStatus,
    Tier,
    WarningRule,
)
from desktop_app.domain.queue import QueueEntry, StoredClock
from desktop_app.sla import BusinessCalendar

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 in Toronto
OFFICE = BusinessCalendar("America/Toronto", {d: [("08:00", "17:00")] for d in range(5)})
ALWAYS = BusinessCalendar.always_open("UTC")


class FakeNow:
    def __init__(self, at: datetime = NOW) -> None:
        self.ts = at.timestamp()

    def __call__(self) -> float:
        return self.ts

    def advance(self, **kwargs: float) -> None:
        self.ts += timedelta(**kwargs).total_seconds()


def clock(
    due_in: timedelta | None,
    *,
    metric: Metric = Metric.RESOLUTION,
    target: timedelta = timedelta(hours=8),
    paused: bool = False,
    elapsed: timedelta = timedelta(hours=1),
) -> StoredClock:
    due = None if due_in is None else NOW + due_in
    state = ClockState.PAUSED if paused else ClockState.RUNNING
    if due is not None and due <= NOW:
        state = ClockState.BREACHED
    return StoredClock(
        metric=metric,
        state=state,
        target=target,
        started_at=NOW - timedelta(hours=2),
        due_at=due,
        elapsed=elapsed,
        breached_at=due if state is ClockState.BREACHED else None,
        met_at=None,
        as_of=NOW,
        paused=paused,
    )


def entry(
    ticket_id: int,
    due_in: timedelta | None = timedelta(hours=2),
    *,
    priority: Priority = Priority.NORMAL,
    assignee_id: int | None = None,
    customer_id: int = 1,
    customer_name: str = "Northwind",
    subject: str = "Printer jams on floor 3",
    paused: bool = False,
    created_ago: timedelta = timedelta(hours=3),
    status: TicketStatus = TicketStatus.OPEN,
    calendar: BusinessCalendar = ALWAYS,
    warnings: WarningRule | None = None,
    target: timedelta = timedelta(hours=8),
) -> QueueEntry:
    c = clock(due_in, paused=paused, target=target)
    return QueueEntry(
        ticket_id=ticket_id,
        number=f"TQ-{10000 + ticket_id}",
        subject=subject,
        priority=priority,
        category="hardware",
        status=status,
        customer_id=customer_id,
        customer_name=customer_name,
        customer_tier=Tier.GOLD,
        site_name="Toronto HQ",
        site_zone="America/Toronto",
        assignee_id=assignee_id,
        assignee_name=None if assignee_id is None else f"Tech {assignee_id}",
        escalation_level=0,
        version=1,
        created_at=NOW - created_ago,
        clocks={Metric.RESOLUTION: c},
        nearest=None if paused or due_in is None else c,
        open_negative_criticism=0,
        calendar=calendar,
        policy_name="Gold",
        warnings=warnings if warnings is not None else WarningRule((75,), None),
    )
