"""The customer pane's reads: context, attainment, recent breaches and the month's breaches
(what its service credit counts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, union

from desktop_app.domain import EventKind, Metric, NotFoundError
from desktop_app.domain.queue import Attainment, Breach, CustomerContext
from desktop_app.domain.zones import zone_or_utc
from desktop_app.sla.credits import billing_month
from desktop_app.store import convert
from desktop_app.store.queries.queue import OPEN_STATUSES
from desktop_app.store.queries.ticket import METRICS
from desktop_app.store.schema import (
    ContactRow,
    ContractRow,
    CriticismNoteRow,
    CustomerRow,
    SiteRow,
    TicketClockRow,
    TicketEventRow,
    TicketRow,
)
from desktop_app.store.types import require_aware

if TYPE_CHECKING:
    from desktop_app.store.repository import Store

__all__ = ["ATTAINMENT_DAYS", "breaches_between", "customer_context", "zone_or_utc"]

ATTAINMENT_DAYS = 90
RECENTLY_RESOLVED = 10  # the customer tab lists this many of the latest closed tickets


def customer_context(
    store: Store, customer_id: int, now: datetime | None = None
) -> CustomerContext:
    now = require_aware(now, "instant") if now is not None else store.now()
    since = now - timedelta(days=ATTAINMENT_DAYS)
    with store.reading() as session:
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
            recently_resolved=tuple(
                convert.ticket_from_row(t)
                for t in session.scalars(
                    select(TicketRow)
                    .where(
                        TicketRow.customer_id == customer_id,
                        TicketRow.status.not_in(OPEN_STATUSES),
                    )
                    .order_by(TicketRow.resolved_at.desc().nulls_last(), TicketRow.id.desc())
                    .limit(RECENTLY_RESOLVED)
                )
            ),
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
