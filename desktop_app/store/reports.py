"""The monthly SLA report: every customer's month in one read, for managers.

A job for the desk service's database thread. It reads the whole desk with a fixed number
of queries (customers, first sites, contracts, tickets opened, decided clocks, breaches
recorded on the timelines, outages), whatever the number of customers or tickets, over a
window one day wider than the month on either side; each customer's own month, in the
zone of its first site (UTC without a site, as :meth:`Store.customer_context` does), is
then cut out in Python.

Per customer: tickets opened in the month; first-response and resolution attainment over
the clocks decided in the month (met in time, or breached); the SLA metrics breached in
the month (the clock rows' breaches and those recorded on the timeline, each once, as the
customer pane counts them), which price the service credit under the contract in force;
availability from the outage tickets against the contract's target; and the categories
whose breaches recur.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select

from desktop_app.domain import Contract, Customer, Metric, TicketStatus
from desktop_app.domain.queue import Attainment
from desktop_app.sla.credits import ServiceCredit, service_credit
from desktop_app.sla.reports import (
    Availability,
    availability,
    month_bounds,
    recurring_breaches,
)
from desktop_app.store import convert
from desktop_app.store.previews import contract_in_force
from desktop_app.store.queries.customer import breaches_between, zone_or_utc
from desktop_app.store.repository import Store
from desktop_app.store.schema import (
    ContractRow,
    CustomerRow,
    SiteRow,
    TicketClockRow,
    TicketRow,
)

__all__ = ["OUTAGE_CATEGORY", "CustomerMonth", "MonthlyReport", "monthly_report"]

OUTAGE_CATEGORY = "outage"
# Every zone's month starts within 14 hours of UTC's; a day either side covers them all.
_MARGIN = timedelta(days=1)
_OPEN_STATUSES = tuple(s.value for s in TicketStatus if s.is_open)


@dataclass(frozen=True, slots=True)
class CustomerMonth:
    """One customer's month, as the report's row shows it."""

    customer: Customer
    contract: Contract | None  # in force in the month (on its last day, or today)
    zone: str  # the zone the month is counted in
    start: datetime  # the month, aware UTC [start, end)
    end: datetime
    opened: int  # tickets opened in the month
    first_response: Attainment  # clocks decided in the month
    resolution: Attainment
    breaches: Mapping[Metric, int]  # breached metrics in the month, by metric
    credit: ServiceCredit | None  # None: the contract grants no service credit
    availability: Availability
    recurring: tuple[tuple[str, int], ...]  # (category, breached metrics), 3 or more

    @property
    def breached(self) -> int:
        return sum(self.breaches.values())

    @property
    def credit_owed(self) -> float:
        return self.credit.amount if self.credit is not None else 0.0


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """Every customer's month, most credit owed first, then most breaches."""

    month: date  # its first day
    at: datetime  # when it was read
    rows: tuple[CustomerMonth, ...]

    @property
    def so_far(self) -> bool:
        """True while some customer's month is not over yet."""
        return any(row.end > self.at for row in self.rows)


def _within(instants: list[datetime], start: datetime, end: datetime) -> int:
    return bisect_left(instants, end) - bisect_left(instants, start)


def monthly_report(store: Store, month: date, now: datetime | None = None) -> MonthlyReport:
    """Every customer's SLA month holding ``month``, as of ``now`` (the store's clock)."""
    at = now if now is not None else store.now()
    first = month.replace(day=1)
    utc_start, utc_end = month_bounds(first, UTC)
    lo, hi = utc_start - _MARGIN, utc_end + _MARGIN
    with store.reading() as session:
        customers = [
            convert.customer_from_row(r)
            for r in session.scalars(select(CustomerRow).order_by(CustomerRow.name))
        ]
        site_zones: dict[int, str] = {}
        for customer_id, zone_text in session.execute(
            select(SiteRow.customer_id, SiteRow.timezone).order_by(SiteRow.id)
        ):
            site_zones.setdefault(customer_id, zone_text)
        contracts: dict[int, list[Contract]] = defaultdict(list)
        for row in session.scalars(select(ContractRow)):
            contracts[row.customer_id].append(convert.contract_from_row(row))
        opened: dict[int, list[datetime]] = defaultdict(list)
        for customer_id, created in session.execute(
            select(TicketRow.customer_id, TicketRow.created_at).where(
                TicketRow.created_at >= lo, TicketRow.created_at < hi
            )
        ):
            opened[customer_id].append(created)
        # A clock is decided once it breached, or met its target without breaching.
        met_rows = session.execute(
            select(TicketRow.customer_id, TicketClockRow.metric, TicketClockRow.met_at)
            .join(TicketRow, TicketRow.id == TicketClockRow.ticket_id)
            .where(
                TicketClockRow.breached_at.is_(None),
                TicketClockRow.met_at >= lo,
                TicketClockRow.met_at < hi,
            )
        ).all()
        # the breaches as the customer pane counts them: clock rows and timeline, once each
        breach_rows = session.execute(breaches_between(lo, hi)).all()
        outages = session.execute(
            select(
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
        ).all()

    metrics = {m.value: m for m in Metric}
    met_clocks: dict[int, list[tuple[Metric, datetime]]] = defaultdict(list)
    # (ticket, metric, instant) -> category: a breach on a clock row and on the timeline
    # at the same instant is one breach.
    breached: dict[int, dict[tuple[int, Metric, datetime], str]] = defaultdict(dict)
    for customer_id, metric, met_on in met_rows:
        if met_on is not None:  # (the query asked for met clocks only)
            met_clocks[customer_id].append((metrics[metric], met_on))
    for customer_id, category, ticket_id, metric, breached_on in breach_rows:
        if metric in metrics:
            breached[customer_id][ticket_id, metrics[metric], breached_on] = category
    down: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for customer_id, created, resolved, status, updated in outages:
        # closed without a resolution instant: down until it was closed
        ended = updated if resolved is None and status not in _OPEN_STATUSES else resolved
        down[customer_id].append((created, ended))

    rows = []
    for customer in customers:
        cid = customer.id or 0
        zone = zone_or_utc(site_zones.get(cid))
        zone_name = str(zone)
        start, end = month_bounds(first, zone)
        last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
        on = min(at.astimezone(zone).date(), last_day)
        contract = contract_in_force(contracts.get(cid, ()), on)
        times = sorted(opened.get(cid, ()))
        met = dict.fromkeys(Metric, 0)
        breaches = dict.fromkeys(Metric, 0)
        breached_categories: list[str] = []
        for metric, met_on in met_clocks.get(cid, ()):
            if start <= met_on < end:
                met[metric] += 1
        for (_ticket, metric, breached_on), category in breached.get(cid, {}).items():
            if start <= breached_on < end:
                breaches[metric] += 1
                breached_categories.append(category)
        total = sum(breaches.values())
        rows.append(
            CustomerMonth(
                customer=customer,
                contract=contract,
                zone=zone_name,
                start=start,
                end=end,
                opened=_within(times, start, end),
                first_response=Attainment(
                    Metric.FIRST_RESPONSE,
                    met[Metric.FIRST_RESPONSE],
                    breaches[Metric.FIRST_RESPONSE],
                ),
                resolution=Attainment(
                    Metric.RESOLUTION, met[Metric.RESOLUTION], breaches[Metric.RESOLUTION]
                ),
                breaches=breaches,
                credit=service_credit(contract, total, first) if contract is not None else None,
                availability=availability(
                    down.get(cid, ()),
                    start,
                    end,
                    at,
                    contract.availability_target if contract is not None else None,
                ),
                recurring=recurring_breaches(breached_categories),
            )
        )
    rows.sort(key=lambda r: (-r.credit_owed, -r.breached, r.customer.name.lower()))
    return MonthlyReport(first, at, tuple(rows))
