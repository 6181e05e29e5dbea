"""The arithmetic of the monthly SLA report: availability from outage tickets, recurring
breaches per category, and the months a manager can pick.

Availability is 100 % minus the share of the month (so far, for the current month) that
the customer's outage tickets cover, from opening to resolution (or to now when still
open), overlapping outages counted once. A category whose tickets breached
:data:`RECURRING_THRESHOLD` or more SLA metrics in the month "recurs": its SLA needs a look.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from desktop_app.domain import ValidationError
from desktop_app.sla.credits import billing_month

__all__ = [
    "RECURRING_THRESHOLD",
    "REPORT_MONTHS_BACK",
    "Availability",
    "availability",
    "merge_intervals",
    "month_bounds",
    "recurring_breaches",
    "report_months",
]

RECURRING_THRESHOLD = 3  # breached metrics of one category in one month
REPORT_MONTHS_BACK = 12  # the report goes back a year from the current month

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
