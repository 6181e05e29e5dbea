"""A ticket's timeline and the SLA clocks recomputed from it, on the write path.

Writing events and recomputing the ticket's clocks belong together: the clocks are a
function of the whole timeline (at the events' own instants), the ticket's priority,
category, site and the contract in force when it was opened. Nothing here decides whether
a change is allowed; the handlers do that first.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, Table, and_, bindparam, case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desktop_app.domain import Priority, TicketEvent, TicketStatus, Tier
from desktop_app.store import convert
from desktop_app.store.clocking import ClockEngine, ClockInputs
from desktop_app.store.schema import (
    ContractRow,
    CustomerRow,
    SiteRow,
    TicketClockRow,
    TicketEventRow,
    TicketRow,
)

__all__ = [
    "add_events",
    "add_events_and_recompute",
    "clock_inputs",
    "timeline",
    "write_clocks",
]


def timeline(session: Session, ticket_id: int) -> tuple[TicketEvent, ...]:
    """The ticket's events, oldest first (ties in the order they were written)."""
    # Plain column rows, not ORM objects: the timeline is replayed on every change.
    rows = session.execute(_timeline_query(), {"ticket_id": ticket_id})
    return tuple(convert.event_from_row(r) for r in rows)


def add_events(session: Session, ticket_id: int, events: Sequence[TicketEvent]) -> None:
    session.execute(
        insert(TicketEventRow), [convert.event_to_columns(e, ticket_id) for e in events]
    )


def clock_inputs(session: Session, row: TicketRow, on: date) -> ClockInputs:
    """The policy inputs of a ticket, in one query. A ticket without a site runs in the
    customer's first site's zone and calendar (UTC and the policy's own calendar without
    any); the contract in force ``on`` (else the latest) names the policy."""
    tier, zone, calendar, contract_policy = session.execute(
        _clock_inputs_query(),
        {"customer_id": row.customer_id, "site_id": row.site_id, "on": on},
    ).one()
    return ClockInputs(
        priority=Priority(row.priority),
        category=row.category,
        tier=Tier(tier),
        contract_policy=contract_policy,
        site_zone=zone if zone is not None else "UTC",
        site_calendar=calendar,
    )


def add_events_and_recompute(
    session: Session,
    engine: ClockEngine,
    row: TicketRow,
    events: Sequence[TicketEvent],
    now: datetime,
    *,
    new_ticket: bool = False,
) -> None:
    """Put ``events`` on the ticket's timeline and store its clocks recomputed as of
    ``now``.

    The stored timeline is read once, before the new events are written, and the engine
    replays it with the new events in memory (they sort after stored events of the same
    instant, as their ids will). Nothing is read back.
    """
    with session.no_autoflush:  # the ticket row is written once, at the end
        stored = () if new_ticket else timeline(session, row.id)
        add_events(session, row.id, events)
        merged = sorted((*stored, *events), key=_event_at)  # stable: ties keep order
        inputs = clock_inputs(session, row, row.created_at.date())
        computed = engine.compute(inputs, merged, now)
        write_clocks(session, row.id, computed.rows)
    row.next_due_at = computed.next_due_at if TicketStatus(row.status).is_open else None
    row.queue_clocks = computed.packed


def write_clocks(session: Session, ticket_id: int, rows: list[dict[str, Any]]) -> None:
    """Replace the ticket's clock rows in one statement (an upsert on both backends)."""
    statement = _clock_upsert(session.get_bind().dialect.name)
    session.execute(statement, [{"ticket_id": ticket_id, **r} for r in rows])


def _event_at(event: TicketEvent) -> datetime:
    return event.at


# Statements of the write path, built once (building them costs more than running them).


@functools.cache
def _clock_inputs_query() -> Any:
    customer_id = bindparam("customer_id", type_=Integer)
    on = bindparam("on", type_=Date)
    first_site = (
        select(func.min(SiteRow.id)).where(SiteRow.customer_id == customer_id).scalar_subquery()
    )
    # clocking.contract_rank in SQL, so a write reads its inputs in one query (a test holds
    # the queue, the writes and the ticket pane to the same choice)
    in_force = case((and_(ContractRow.starts_on <= on, ContractRow.ends_on >= on), 1), else_=0)
    policy = (
        select(ContractRow.policy)
        .where(ContractRow.customer_id == customer_id)
        .order_by(in_force.desc(), ContractRow.starts_on.desc(), ContractRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(CustomerRow.tier, SiteRow.timezone, SiteRow.calendar, policy)
        .select_from(CustomerRow)
        .outerjoin(
            SiteRow,
            SiteRow.id == func.coalesce(bindparam("site_id", type_=Integer), first_site),
        )
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
