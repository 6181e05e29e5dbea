"""The reads behind the SLA reports: the monthly report, the trends, the technicians'
month and a customer's statement. Jobs for the desk service's database thread (or the
command line); each reads in one transaction with a fixed number of queries, whatever the
number of customers, months or tickets, and leaves the arithmetic to
:mod:`desktop_app.sla.reports` and :mod:`desktop_app.sla.technicians`.

A report over months reads a window one day wider than those months in UTC on either
side (every zone's month starts within 14 hours of UTC's); each customer's and each
technician's own months are then cut out in Python.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from desktop_app.domain import (
    Contract,
    EventKind,
    Metric,
    NotFoundError,
    Priority,
    TicketStatus,
)
from desktop_app.sla.reports import (
    READ_MARGIN,
    STATEMENT_MONTHS,
    TREND_MONTHS,
    BreachedTicket,
    CustomerMonth,
    MonthlyReport,
    ReportFacts,
    Statement,
    TrendBook,
    customer_months,
    month_bounds,
    months_ending,
    trend,
    zone_or_utc,
)
from desktop_app.sla.technicians import (
    TechnicianFacts,
    TechnicianReport,
    TicketSpan,
    technician_months,
)
from desktop_app.store import convert
from desktop_app.store.queries.customer import breaches_between
from desktop_app.store.repository import Store
from desktop_app.store.schema import (
    ContractRow,
    CriticismNoteRow,
    CustomerRow,
    PolicyRow,
    SiteRow,
    TechnicianRow,
    TicketClockRow,
    TicketEventRow,
    TicketRow,
)

__all__ = [
    "OUTAGE_CATEGORY",
    "customer_statement",
    "find_customer",
    "monthly_report",
    "read_report_facts",
    "technician_report",
    "trend_book",
]

OUTAGE_CATEGORY = "outage"
_OPEN_STATUSES = tuple(s.value for s in TicketStatus if s.is_open)
_METRICS = {m.value: m for m in Metric}


def _window(months: list[date]) -> tuple[datetime, datetime]:
    """[first month's start, last month's end) in UTC, a day wider on either side."""
    start, _ = month_bounds(min(months), UTC)
    _, end = month_bounds(max(months), UTC)
    return start - READ_MARGIN, end + READ_MARGIN


def read_report_facts(
    session: Session,
    lo: datetime,
    hi: datetime,
    at: datetime,
    customer_id: int | None = None,
) -> ReportFacts:
    """Everything the customer reports need from [lo, hi), for every customer or one."""
    customer_query = select(CustomerRow).order_by(CustomerRow.name)
    site_query = select(SiteRow.customer_id, SiteRow.timezone).order_by(SiteRow.id)
    contract_query = select(ContractRow)
    opened_query = select(TicketRow.customer_id, TicketRow.created_at).where(
        TicketRow.created_at >= lo, TicketRow.created_at < hi
    )
    # A clock is decided once it breached, or met its target without breaching.
    met_query = (
        select(TicketRow.customer_id, TicketClockRow.metric, TicketClockRow.met_at)
        .join(TicketRow, TicketRow.id == TicketClockRow.ticket_id)
        .where(
            TicketClockRow.breached_at.is_(None),
            TicketClockRow.met_at >= lo,
            TicketClockRow.met_at < hi,
        )
    )
    outage_query = select(
        TicketRow.customer_id,
        TicketRow.created_at,
        TicketRow.resolved_at,
        TicketRow.status,
        TicketRow.updated_at,
    ).where(
        func.lower(TicketRow.category) == OUTAGE_CATEGORY,
        TicketRow.created_at < hi,
        or_(TicketRow.resolved_at.is_(None), TicketRow.resolved_at >= lo),
    )
    if customer_id is not None:
        customer_query = customer_query.where(CustomerRow.id == customer_id)
        site_query = site_query.where(SiteRow.customer_id == customer_id)
        contract_query = contract_query.where(ContractRow.customer_id == customer_id)
        opened_query = opened_query.where(TicketRow.customer_id == customer_id)
        met_query = met_query.where(TicketRow.customer_id == customer_id)
        outage_query = outage_query.where(TicketRow.customer_id == customer_id)

    customers = tuple(convert.customer_from_row(r) for r in session.scalars(customer_query))
    zones: dict[int, str] = {}
    for cid, zone_text in session.execute(site_query):
        zones.setdefault(cid, zone_text)
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for row in session.scalars(contract_query):
        contracts[row.customer_id].append(convert.contract_from_row(row))
    opened = [(cid, created) for cid, created in session.execute(opened_query)]
    met = [
        (cid, _METRICS[metric], met_on)
        for cid, metric, met_on in session.execute(met_query)
        if metric in _METRICS and met_on is not None
    ]
    # the breaches as the customer pane counts them: clock rows and timeline, once each
    breaches = [
        (cid, category, ticket_id, _METRICS[metric], breached_on)
        for cid, category, ticket_id, metric, breached_on in session.execute(
            breaches_between(lo, hi, customer_id)
        )
        if metric in _METRICS
    ]
    outages = []
    for cid, created, resolved, status, updated in session.execute(outage_query):
        # closed without a resolution instant: down until it was closed
        ended = updated if resolved is None and status not in _OPEN_STATUSES else resolved
        outages.append((cid, created, ended))
    return ReportFacts(
        at=at,
        customers=customers,
        zones=zones,
        contracts={cid: tuple(listed) for cid, listed in contracts.items()},
        opened=opened,
        met=met,
        breaches=breaches,
        outages=outages,
    )


def _months(
    store: Store, months: list[date], at: datetime, customer_id: int | None = None
) -> dict[date, tuple[CustomerMonth, ...]]:
    lo, hi = _window(months)
    with store.reading() as session:
        facts = read_report_facts(session, lo, hi, at, customer_id)
    return customer_months(facts, months)


def monthly_report(store: Store, month: date, now: datetime | None = None) -> MonthlyReport:
    """Every customer's SLA month holding ``month``, as of ``now`` (the store's clock)."""
    at = now if now is not None else store.now()
    first = month.replace(day=1)
    return MonthlyReport(first, at, _months(store, [first], at)[first])


def trend_book(
    store: Store, last_month: date, count: int = TREND_MONTHS, now: datetime | None = None
) -> TrendBook:
    """``count`` months up to and including ``last_month``: the desk's trend and each
    customer's, from one read of the whole period."""
    at = now if now is not None else store.now()
    months = months_ending(last_month, count)
    rows = _months(store, months, at)
    by_name = [
        row.customer.id
        for row in sorted(rows[months[-1]], key=lambda r: r.customer.name.lower())
        if row.customer.id is not None
    ]
    return TrendBook(
        months=tuple(months),
        at=at,
        desk=trend(rows, at),
        customers={cid: trend(rows, at, cid) for cid in by_name},
    )


# ----------------------------------------------------------------------------- technicians


def technician_report(store: Store, month: date, now: datetime | None = None) -> TechnicianReport:
    """Every technician's month holding ``month`` (see :mod:`desktop_app.sla.technicians`)."""
    at = now if now is not None else store.now()
    first = month.replace(day=1)
    lo, hi = _window([first])
    closed_at = func.coalesce(TicketRow.resolved_at, TicketRow.updated_at)
    # open at some time in [lo, hi): opened before its end, not closed before its start
    in_window = and_(
        TicketRow.created_at < hi,
        or_(TicketRow.status.in_(_OPEN_STATUSES), closed_at >= lo),
    )
    with store.reading() as session:
        technicians = tuple(
            convert.technician_from_row(r)
            for r in session.scalars(select(TechnicianRow).order_by(TechnicianRow.name))
        )
        spans = session.execute(
            select(
                TicketRow.id,
                TicketRow.created_at,
                TicketRow.resolved_at,
                TicketRow.status,
                TicketRow.updated_at,
                TicketRow.assignee_id,
            ).where(in_window)
        ).all()
        assigned: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
        for ticket_id, assigned_on, technician_id in session.execute(
            select(TicketEventRow.ticket_id, TicketEventRow.at, TicketEventRow.assignee_id)
            .join(TicketRow, TicketRow.id == TicketEventRow.ticket_id)
            .where(
                TicketEventRow.kind == EventKind.ASSIGNED.value,
                TicketEventRow.at < hi,
                in_window,
            )
        ):
            assigned[ticket_id].append((assigned_on, technician_id))
        open_now = dict(
            session.execute(
                select(TicketRow.assignee_id, func.count())
                .where(TicketRow.status.in_(_OPEN_STATUSES), TicketRow.assignee_id.is_not(None))
                .group_by(TicketRow.assignee_id)
            ).all()
        )
        decided = session.execute(
            select(
                TicketClockRow.ticket_id,
                TicketClockRow.metric,
                TicketClockRow.met_at,
                TicketClockRow.breached_at,
                TicketClockRow.elapsed_seconds,
            ).where(
                TicketClockRow.metric.in_((Metric.FIRST_RESPONSE.value, Metric.RESOLUTION.value)),
                TicketClockRow.met_at >= lo,
                TicketClockRow.met_at < hi,
            )
        ).all()
        breaches = [
            (ticket_id, _METRICS[metric], breached_on)
            for _cid, _category, ticket_id, metric, breached_on in session.execute(
                breaches_between(lo, hi)
            )
            if metric in _METRICS
        ]
        escalations = session.execute(
            select(TicketEventRow.ticket_id, TicketEventRow.at).where(
                TicketEventRow.kind == EventKind.ESCALATED.value,
                TicketEventRow.at >= lo,
                TicketEventRow.at < hi,
            )
        ).all()
    tickets = []
    for ticket_id, created, resolved, status, updated, assignee_id in spans:
        if status in _OPEN_STATUSES:
            closed = None
        else:
            closed = resolved if resolved is not None else updated
        tickets.append(
            TicketSpan(ticket_id, created, closed, assignee_id, tuple(assigned.get(ticket_id, ())))
        )
    met = []
    responses = []
    for ticket_id, metric, met_on, breached_on, elapsed in decided:
        if metric not in _METRICS or met_on is None:
            continue
        if breached_on is None:
            met.append((ticket_id, _METRICS[metric], met_on))
        if metric == Metric.FIRST_RESPONSE.value:
            responses.append((ticket_id, met_on, float(elapsed)))
    facts = TechnicianFacts(
        at=at,
        technicians=technicians,
        tickets=tickets,
        open_now={int(k): int(v) for k, v in open_now.items() if k is not None},
        met=met,
        breaches=breaches,
        responses=responses,
        escalations=[(ticket_id, escalated) for ticket_id, escalated in escalations],
    )
    return technician_months(facts, first)


# ------------------------------------------------------------------------------ statements


def find_customer(store: Store, name: str) -> int:
    """The id of the customer called ``name`` (case and surrounding spaces ignored); a
    :class:`NotFoundError` naming the closest names otherwise."""
    wanted = name.strip().lower()
    with store.reading() as session:
        rows = session.execute(select(CustomerRow.id, CustomerRow.name)).all()
    for cid, known in rows:
        if known.strip().lower() == wanted:
            return int(cid)
    names = sorted(known for _cid, known in rows)
    close = difflib.get_close_matches(name.strip(), names, n=3, cutoff=0.5)
    hint = (
        f"Did you mean {' or '.join(repr(n) for n in close)}?"
        if close
        else f"The desk's customers: {', '.join(names[:12]) or 'none yet'}"
        + (", …" if len(names) > 12 else "")
        + "."
    )
    raise NotFoundError(f"There is no customer called {name!r}. {hint}")


def customer_statement(
    store: Store,
    customer_id: int,
    month: date,
    now: datetime | None = None,
    months: int = STATEMENT_MONTHS,
) -> Statement:
    """One customer's SLA statement for ``month`` (see :class:`Statement`)."""
    at = now if now is not None else store.now()
    first = month.replace(day=1)
    listed = months_ending(first, months)
    lo, hi = _window(listed)
    with store.reading() as session:
        facts = read_report_facts(session, lo, hi, at, customer_id)
        if not facts.customers:
            raise NotFoundError(
                f"There is no customer with id {customer_id}; pick one of the desk's customers."
            )
        zone = zone_or_utc(facts.zones.get(customer_id))
        start, end = month_bounds(first, zone)
        rows = customer_months(facts, listed)
        figures = rows[first][0]
        policy = None
        if figures.contract is not None:
            policy_row = session.scalars(
                select(PolicyRow).where(PolicyRow.name == figures.contract.policy)
            ).first()
            policy = convert.policy_from_row(policy_row) if policy_row is not None else None
        breached = breaches_between(start, end, customer_id).subquery()
        tickets = {
            row.id: row
            for row in session.execute(
                select(
                    TicketRow.id,
                    TicketRow.number,
                    TicketRow.subject,
                    TicketRow.category,
                    TicketRow.priority,
                    TicketRow.status,
                ).where(TicketRow.id.in_(select(breached.c.ticket_id)))
            )
        }
        clocks = {
            (row.ticket_id, row.metric, row.breached_at): row
            for row in session.execute(
                select(
                    TicketClockRow.ticket_id,
                    TicketClockRow.metric,
                    TicketClockRow.breached_at,
                    TicketClockRow.elapsed_seconds,
                    TicketClockRow.target_seconds,
                    TicketClockRow.met_at,
                    TicketClockRow.paused,
                )
                .join(TicketRow, TicketRow.id == TicketClockRow.ticket_id)
                .where(
                    TicketRow.customer_id == customer_id,
                    TicketClockRow.breached_at >= start,
                    TicketClockRow.breached_at < end,
                )
            )
        }
        until = min(end, at)
        open_criticism = session.scalar(
            select(func.count())
            .select_from(CriticismNoteRow)
            .where(
                CriticismNoteRow.customer_id == customer_id,
                CriticismNoteRow.received_at < until,
                or_(CriticismNoteRow.resolved_at.is_(None), CriticismNoteRow.resolved_at >= until),
            )
        )
        seen: set[tuple[int, str, datetime]] = set()
        breached_tickets = []
        for _cid, _category, ticket_id, metric, breached_on in session.execute(
            select(breached).order_by(breached.c.at)
        ):
            key = (ticket_id, metric, breached_on)
            if metric not in _METRICS or key in seen or ticket_id not in tickets:
                continue
            seen.add(key)
            ticket = tickets[ticket_id]
            clock = clocks.get(key)
            overrun = None
            running = False
            if clock is not None:
                overrun = max(clock.elapsed_seconds - clock.target_seconds, 0.0)
                running = (
                    clock.met_at is None and not clock.paused and ticket.status in _OPEN_STATUSES
                )
            breached_tickets.append(
                BreachedTicket(
                    number=ticket.number,
                    subject=ticket.subject,
                    category=ticket.category,
                    priority=Priority(ticket.priority),
                    metric=_METRICS[metric],
                    breached_at=breached_on,
                    overrun_seconds=overrun,
                    running=running,
                )
            )
    breached_tickets.sort(key=lambda b: (b.breached_at, b.number, b.metric.value))
    return Statement(
        figures=figures,
        month=first,
        at=at,
        policy=policy,
        breached_tickets=tuple(breached_tickets),
        open_criticism=int(open_criticism or 0),
        trend=trend(rows, at, customer_id),
    )
