"""The arithmetic of the SLA reports: each customer's month, availability from outage
tickets, recurring breaches per category, twelve-month trends, and the months a manager
can pick.

The store reads the facts of a period once (:class:`ReportFacts`: who, which contracts,
which clocks were met, which metrics breached, which outages ran); everything after that
is here, in plain Python: :func:`customer_months` cuts each customer's months out of them
in the zone of its first site, and :func:`trend` turns those months into the series the
trends and the customer statement draw.

Availability is 100 % minus the share of the month (so far, for the current month) that
the customer's outage tickets cover, from opening to resolution (or to now when still
open), overlapping outages counted once. A category whose tickets breached
:data:`RECURRING_THRESHOLD` or more SLA metrics in the month "recurs": its SLA needs a look.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from desktop_app.domain import (
    Contract,
    Customer,
    Metric,
    Priority,
    SlaPolicy,
    ValidationError,
)
from desktop_app.domain.queue import Attainment
from desktop_app.domain.zones import zone_or_utc
from desktop_app.sla.credits import ServiceCredit, billing_month, service_credit
from desktop_app.sla.policy import contract_in_force

__all__ = [
    "RECURRING_THRESHOLD",
    "REPORT_MONTHS_BACK",
    "STATEMENT_MONTHS",
    "TREND_MONTHS",
    "Availability",
    "BreachedTicket",
    "CustomerMonth",
    "MonthlyReport",
    "ReportFacts",
    "Statement",
    "Trend",
    "TrendBook",
    "TrendMonth",
    "availability",
    "customer_months",
    "merge_intervals",
    "month_bounds",
    "months_ending",
    "parse_month",
    "recurring_breaches",
    "report_months",
    "trend",
    "zone_or_utc",
]

RECURRING_THRESHOLD = 3  # breached metrics of one category in one month
REPORT_MONTHS_BACK = 12  # the report goes back a year from the current month
TREND_MONTHS = 12  # the trends tab's months, the chosen one last
STATEMENT_MONTHS = 6  # the customer statement's charts

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Availability:
    """A customer's availability over a period against the contract's target."""

    period_seconds: float  # the month, or the part of it that has passed
    downtime_seconds: float  # covered by outages, overlaps counted once
    target: float | None  # percent; None without a contract

    @property
    def percent(self) -> float | None:
        """None for a period that has not begun."""
        if self.period_seconds <= 0:
            return None
        return 100.0 * (1.0 - self.downtime_seconds / self.period_seconds)

    @property
    def missed(self) -> bool:
        percent = self.percent
        return self.target is not None and percent is not None and percent < self.target


def _aware(instant: datetime, what: str) -> datetime:
    if instant.tzinfo is None:
        raise ValidationError(
            f"The {what} {instant.isoformat()} has no time zone; pass an aware datetime.",
            field=what,
        )
    return instant


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals`` as sorted, disjoint [start, end) intervals; empty and
    backwards intervals are dropped, touching ones joined."""
    ordered = sorted(
        (_aware(s, "outage start"), _aware(e, "outage end")) for s, e in intervals if e > s
    )
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def availability(
    outages: Iterable[tuple[datetime, datetime | None]],
    start: datetime,
    end: datetime,
    now: datetime,
    target: float | None = None,
) -> Availability:
    """Availability over [start, end) as of ``now``: outages are (opened, resolved or None
    while still open); the period stops at ``now`` when the month is not over."""
    start, end, now = _aware(start, "month start"), _aware(end, "month end"), _aware(now, "now")
    if end <= start:
        raise ValidationError(
            f"A month ending {end.isoformat()} before it starts ({start.isoformat()}) "
            "has no availability; pass the month's start, then its end.",
            field="end",
        )
    until = min(end, now)
    clipped = (
        (
            max(_aware(opened, "outage start"), start),
            min(_aware(resolved, "outage end") if resolved is not None else now, until),
        )
        for opened, resolved in outages
    )
    down = sum((e - s).total_seconds() for s, e in merge_intervals(clipped))
    period = max((until - start).total_seconds(), 0.0)
    return Availability(period, down, target)


def recurring_breaches(
    categories: Iterable[str], threshold: int = RECURRING_THRESHOLD
) -> tuple[tuple[str, int], ...]:
    """The categories named ``threshold`` times or more in ``categories`` (one entry per
    breached metric), most breaches first, then by name."""
    if threshold < 1:
        raise ValidationError(
            f"A recurring-breach threshold of {threshold} flags nothing useful; use 1 or more.",
            field="threshold",
        )
    counts = Counter(c.strip().lower() for c in categories)
    return tuple(
        sorted(
            ((c, n) for c, n in counts.items() if n >= threshold),
            key=lambda item: (-item[1], item[0]),
        )
    )


def month_bounds(month: date, zone: tzinfo) -> Interval:
    """The calendar month holding ``month`` in ``zone``, as aware UTC [start, end)."""
    return billing_month(datetime(month.year, month.month, 15, 12, tzinfo=zone), zone)


def report_months(now: datetime, zone: tzinfo = UTC, back: int = REPORT_MONTHS_BACK) -> list[date]:
    """The months a report can show: the current one in ``zone`` first, then ``back``
    previous months, each as its first day."""
    local = _aware(now, "now").astimezone(zone)
    if back < 0:
        raise ValidationError(f"Cannot go {back} months back; use 0 or more.", field="back")
    months = []
    year, month = local.year, local.month
    for _ in range(back + 1):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def parse_month(text: str) -> date:
    """``"2026-11"`` as the first day of that month; a clear error for anything else."""
    value = text.strip()
    try:
        year_text, month_text = value.split("-")
        if len(year_text) != 4 or not 1 <= len(month_text) <= 2:
            raise ValueError
        return date(int(year_text), int(month_text), 1)
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a month; write it as YEAR-MONTH, e.g. 2026-11.", field="month"
        ) from None


def months_ending(last: date, count: int) -> list[date]:
    """``count`` months ending with the one holding ``last``, oldest first (first days)."""
    if count < 1:
        raise ValidationError(f"Cannot show {count} months; show 1 or more.", field="count")
    year, month = last.year, last.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


# --------------------------------------------------------------------------- customer months

# Every zone's month starts within 14 hours of UTC's: a store read a day wider on either
# side than the months in UTC holds every customer's own months.
READ_MARGIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What the store read for a period (every instant aware UTC); see the module docstring.

    ``breaches`` holds each breached metric once, also when both its clock row and the
    timeline recorded it (the same ticket, metric and instant)."""

    at: datetime  # as of when
    customers: tuple[Customer, ...]
    zones: Mapping[int, str]  # customer -> its first site's zone
    contracts: Mapping[int, tuple[Contract, ...]]
    opened: Sequence[tuple[int, datetime]]  # (customer, created)
    met: Sequence[tuple[int, Metric, datetime]]  # (customer, metric, met) of clocks met in time
    breaches: Sequence[tuple[int, str, int, Metric, datetime]]  # customer, category, ticket, …
    outages: Sequence[tuple[int, datetime, datetime | None]]  # customer, down from, up again


@dataclass(frozen=True, slots=True)
class CustomerMonth:
    """One customer's month, as the monthly report's row shows it."""

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
    categories: Mapping[str, int] = field(default_factory=dict)  # breached metrics by category

    @property
    def breached(self) -> int:
        return sum(self.breaches.values())

    @property
    def credit_owed(self) -> float:
        return self.credit.amount if self.credit is not None else 0.0

    @property
    def currency(self) -> str | None:
        """The contract's currency; None without a contract."""
        return self.contract.currency if self.contract is not None else None

    @property
    def attainment_target(self) -> float | None:
        """The share of clocks the contract promises in time; None when it sets none."""
        target = self.contract.attainment_target if self.contract is not None else 0.0
        return target if target > 0 else None

    @property
    def quiet(self) -> bool:
        """Nothing happened: no ticket opened, no clock decided, no downtime."""
        return not (
            self.opened
            or self.breached
            or self.first_response.met
            or self.resolution.met
            or self.availability.downtime_seconds
        )


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


def report_order(row: CustomerMonth) -> tuple[float, int, str]:
    """Most service credit owed first, then most breaches, then by name."""
    return (-row.credit_owed, -row.breached, row.customer.name.lower())


def _cuts(instants: list[datetime], bounds: list[Interval]) -> list[tuple[int, int]]:
    """For sorted ``instants``, the [from, to) index range of each month in ``bounds``."""
    return [(bisect_left(instants, start), bisect_left(instants, end)) for start, end in bounds]


def customer_months(
    facts: ReportFacts, months: Sequence[date]
) -> dict[date, tuple[CustomerMonth, ...]]:
    """Each customer's figures for each of ``months`` (first days, in any order), every
    customer's month in the zone of its first site; rows in :func:`report_order`.

    Sorting each customer's instants once and cutting the months out by bisection keeps
    this fast for a year of a large desk (no per-instant month lookup)."""
    firsts = sorted({m.replace(day=1) for m in months})
    by_customer_opened: dict[int, list[datetime]] = defaultdict(list)
    for customer_id, created in facts.opened:
        by_customer_opened[customer_id].append(created)
    by_customer_met: dict[tuple[int, Metric], list[datetime]] = defaultdict(list)
    for customer_id, metric, met_on in facts.met:
        by_customer_met[customer_id, metric].append(met_on)
    by_customer_breached: dict[int, list[tuple[datetime, Metric, str]]] = defaultdict(list)
    for customer_id, category, _ticket_id, metric, breached_on in facts.breaches:
        by_customer_breached[customer_id].append((breached_on, metric, category))
    by_customer_down: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for customer_id, down_from, up_again in facts.outages:
        by_customer_down[customer_id].append((down_from, up_again))

    rows: dict[date, list[CustomerMonth]] = {first: [] for first in firsts}
    at = facts.at
    count = len(firsts)
    for customer in facts.customers:
        cid = customer.id or 0
        zone = zone_or_utc(facts.zones.get(cid))
        bounds = [month_bounds(first, zone) for first in firsts]
        opened = [b - a for a, b in _cuts(sorted(by_customer_opened.get(cid, ())), bounds)]
        met = [dict.fromkeys(Metric, 0) for _ in range(count)]
        for metric in Metric:
            instants = sorted(by_customer_met.get((cid, metric), ()))
            for i, (a, b) in enumerate(_cuts(instants, bounds)):
                met[i][metric] = b - a
        breached = sorted(by_customer_breached.get(cid, ()))
        cuts = _cuts([b[0] for b in breached], bounds)
        breaches = []
        categories = []
        for a, b in cuts:
            in_month = breached[a:b]
            by_metric = dict.fromkeys(Metric, 0)
            by_metric.update(Counter(metric for _at, metric, _c in in_month))
            breaches.append(by_metric)
            categories.append([category for _at, _m, category in in_month])
        down = by_customer_down.get(cid, ())
        contracts = facts.contracts.get(cid, ())
        for i, first in enumerate(firsts):
            start, end = bounds[i]
            last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
            on = min(at.astimezone(zone).date(), last_day)
            contract = contract_in_force(contracts, on)
            total = sum(breaches[i].values())
            rows[first].append(
                CustomerMonth(
                    customer=customer,
                    contract=contract,
                    zone=str(zone),
                    start=start,
                    end=end,
                    opened=opened[i],
                    first_response=Attainment(
                        Metric.FIRST_RESPONSE,
                        met[i][Metric.FIRST_RESPONSE],
                        breaches[i][Metric.FIRST_RESPONSE],
                    ),
                    resolution=Attainment(
                        Metric.RESOLUTION,
                        met[i][Metric.RESOLUTION],
                        breaches[i][Metric.RESOLUTION],
                    ),
                    breaches=breaches[i],
                    credit=(
                        service_credit(contract, total, first) if contract is not None else None
                    ),
                    availability=availability(
                        down,
                        start,
                        end,
                        at,
                        contract.availability_target if contract is not None else None,
                    ),
                    recurring=recurring_breaches(categories[i]),
                    categories=dict(Counter(c.strip().lower() for c in categories[i])),
                )
            )
    return {first: tuple(sorted(month, key=report_order)) for first, month in rows.items()}


# --------------------------------------------------------------------------------- trends


@dataclass(frozen=True, slots=True)
class TrendMonth:
    """One month of a trend: one customer's, or the whole desk's summed over customers."""

    month: date
    so_far: bool  # the month is not over yet
    first_response: Attainment
    resolution: Attainment
    # the contract's attainment target; for the desk, the customers' targets weighted by
    # their decided clocks. None when no contract sets one.
    attainment_target: float | None
    categories: Mapping[str, int]  # breached metrics by category
    credits: Mapping[str, float]  # service credit owed, by currency
    availability: float | None  # percent; for the desk, the mean over the customers
    availability_target: float | None  # likewise
    below_availability_target: int  # customers below their contract's target
    breached: int  # breached metrics, every metric
    opened: int

    @property
    def credit_total(self) -> float:
        """Only meaningful for one currency; see :attr:`credits`."""
        return sum(self.credits.values())


@dataclass(frozen=True, slots=True)
class Trend:
    """Months oldest first, for one customer (``customer``) or the whole desk (None)."""

    customer: Customer | None
    months: tuple[TrendMonth, ...]
    at: datetime

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({c for m in self.months for c in m.credits}))

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category that breached in the period, most breaches first."""
        totals: Counter[str] = Counter()
        for month in self.months:
            totals.update(month.categories)
        return tuple(c for c, _n in sorted(totals.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True, slots=True)
class TrendBook:
    """The trends of the whole desk and of every customer over the same months, read at
    once so that picking another customer reads nothing."""

    months: tuple[date, ...]  # oldest first
    at: datetime
    desk: Trend
    customers: Mapping[int, Trend]  # by customer id, in name order

    def for_customer(self, customer_id: int | None) -> Trend:
        return self.desk if customer_id is None else self.customers[customer_id]


def _weighted(pairs: Sequence[tuple[float, int]]) -> float | None:
    total = sum(weight for _value, weight in pairs)
    if total == 0:
        return None
    return sum(value * weight for value, weight in pairs) / total


def _mean(values: Iterable[float]) -> float | None:
    listed = list(values)
    return sum(listed) / len(listed) if listed else None


def trend_month(month: date, rows: Sequence[CustomerMonth], at: datetime) -> TrendMonth:
    """The rows of one month (one customer's, or every customer's) summed up."""
    categories: Counter[str] = Counter()
    credits: dict[str, float] = {}
    for row in rows:
        categories.update(row.categories)
        if row.credit is not None and row.currency is not None:
            credits[row.currency] = round(credits.get(row.currency, 0.0) + row.credit.amount, 2)
    targets = [
        (target, r.first_response.met + r.first_response.breached + r.resolution.met
         + r.resolution.breached)
        for r in rows
        if (target := r.attainment_target) is not None
    ]  # fmt: skip
    if len(rows) == 1 and targets:
        attainment_target: float | None = targets[0][0]
    else:
        attainment_target = _weighted(targets)
    measured = [r for r in rows if r.availability.percent is not None]
    return TrendMonth(
        month=month,
        so_far=any(r.end > at for r in rows),
        first_response=Attainment(
            Metric.FIRST_RESPONSE,
            sum(r.first_response.met for r in rows),
            sum(r.first_response.breached for r in rows),
        ),
        resolution=Attainment(
            Metric.RESOLUTION,
            sum(r.resolution.met for r in rows),
            sum(r.resolution.breached for r in rows),
        ),
        attainment_target=attainment_target,
        categories=dict(categories),
        credits=credits,
        availability=_mean(r.availability.percent or 0.0 for r in measured),
        availability_target=_mean(
            r.availability.target for r in measured if r.availability.target is not None
        ),
        below_availability_target=sum(r.availability.missed for r in rows),
        breached=sum(r.breached for r in rows),
        opened=sum(r.opened for r in rows),
    )


def trend(
    months: Mapping[date, Sequence[CustomerMonth]],
    at: datetime,
    customer_id: int | None = None,
) -> Trend:
    """The trend over ``months`` (as :func:`customer_months` answers) of one customer, or
    of the whole desk when ``customer_id`` is None."""
    customer: Customer | None = None
    points = []
    for month in sorted(months):
        rows = list(months[month])
        if customer_id is not None:
            rows = [r for r in rows if r.customer.id == customer_id]
            if not rows:
                raise ValidationError(
                    f"No customer with id {customer_id} in the report; pick one of the "
                    "desk's customers.",
                    field="customer",
                )
            customer = rows[0].customer
        points.append(trend_month(month, rows, at))
    return Trend(customer, tuple(points), at)


# ----------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class BreachedTicket:
    """One breached SLA metric of one ticket, as the customer statement lists it."""

    number: str
    subject: str
    category: str
    priority: Priority
    metric: Metric
    breached_at: datetime
    # business time past the target when last computed; None when the clock row no longer
    # holds it (a breach of an earlier next-update cycle, recorded on the timeline only)
    overrun_seconds: float | None
    running: bool = False  # the clock still counts, so the overrun is still growing


@dataclass(frozen=True, slots=True)
class Statement:
    """A customer's monthly SLA statement: the month's figures, the breached tickets, the
    contract's policy and the last :data:`STATEMENT_MONTHS` months' trend."""

    figures: CustomerMonth
    month: date  # its first day
    at: datetime  # as of when
    policy: SlaPolicy | None  # the contract's policy (its targets), None when unknown
    breached_tickets: tuple[BreachedTicket, ...]  # by breach instant
    open_criticism: int  # criticism notes still open at the end of the month (or now)
    trend: Trend  # the months up to and including this one

    @property
    def customer(self) -> Customer:
        return self.figures.customer

    @property
    def so_far(self) -> bool:
        return self.figures.end > self.at

    @property
    def empty(self) -> bool:
        """No ticket, clock, breach or downtime in the month: a valid, quiet statement."""
        return self.figures.quiet and not self.breached_tickets
