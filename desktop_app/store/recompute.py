"""A ticket's timeline and the SLA clocks recomputed from it, on the write path.

Writing events and recomputing the ticket's clocks belong together: the clocks are a
function of the whole timeline (at the events' own instants), the ticket's priority,
category, site and the contract in force when it was opened. Nothing here decides whether
a change is allowed; the handlers do that first.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from desktop_app.domain import Priority, TicketEvent, TicketStatus, Tier
from desktop_app.sla.policy import contract_policy, opened_on
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


def clock_inputs(session: Session, row: TicketRow) -> ClockInputs:
    """The policy inputs of a ticket, in one query. A ticket without a site runs in the
    customer's first site's zone and calendar (UTC and the policy's own calendar without
    any); the contract in force the day the ticket was opened at that site (else the
    latest) names the policy (``sla.policy.contract_rank``, the one rule)."""
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
        inputs = clock_inputs(session, row)
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
    """The customer's tier, the zone and calendar the ticket's clocks run in, and each of
    the customer's contracts (one row per contract; one row of NULLs without any): the
    contract is chosen in Python by the one rule the queue, the import and the ticket pane
    follow too."""
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
