"""The monthly SLA report's arithmetic: availability from outages, recurring breaches,
the months to pick from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop_app.domain import ValidationError
from desktop_app.sla.reports import (
    availability,
    merge_intervals,
    month_bounds,
    recurring_breaches,
    report_months,
)

BERLIN = ZoneInfo("Europe/Berlin")
TORONTO = ZoneInfo("America/Toronto")
JUNE = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))  # 30 days
AFTER_JUNE = datetime(2025, 7, 10, tzinfo=UTC)


def at(day: int, hour: int = 0, month: int = 6) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def test_overlapping_and_touching_outages_merge_into_one() -> None:
    merged = merge_intervals(
        [
            (at(3, 10), at(3, 12)),
            (at(1, 0), at(1, 2)),
            (at(3, 11), at(3, 14)),  # overlaps the first
            (at(3, 14), at(3, 15)),  # touches it
            (at(3, 12), at(3, 13)),  # inside it
            (at(5), at(5)),  # empty
        ]
    )
    assert merged == [(at(1, 0), at(1, 2)), (at(3, 10), at(3, 15))]


def test_overlapping_outages_count_once_against_the_month() -> None:
    hours = 3 * 3600
    result = availability(
        [(at(3, 10), at(3, 12)), (at(3, 11), at(3, 13))], *JUNE, AFTER_JUNE, target=99.9
    )
    assert result.period_seconds == 30 * 86400
    assert result.downtime_seconds == hours
    assert result.percent == pytest.approx(100 * (1 - hours / (30 * 86400)))  # 99.583
    assert result.missed


def test_no_outage_is_full_availability_and_meets_any_target() -> None:
    result = availability([], *JUNE, AFTER_JUNE, target=99.99)
    assert (result.percent, result.missed) == (100.0, False)


def test_outages_are_cut_at_the_month_edges() -> None:
    result = availability(
        [
            (at(31, 22, month=5), at(1, 2)),  # began in May: 2 h in June
            (at(30, 23), at(2, 5, month=7)),  # runs into July: 1 h in June
            (at(20, 0, month=5), at(21, 0, month=5)),  # wholly in May
        ],
        *JUNE,
        AFTER_JUNE,
    )
    assert result.downtime_seconds == 3 * 3600
    assert result.target is None and not result.missed


def test_an_open_outage_runs_until_now_and_the_month_so_far_is_the_period() -> None:
    now = at(11, 0)  # ten days into June
    result = availability([(at(10, 12), None)], *JUNE, now, target=99.0)
    assert result.period_seconds == 10 * 86400
    assert result.downtime_seconds == 12 * 3600
    assert result.percent == pytest.approx(95.0)
    assert result.missed


def test_a_month_that_has_not_begun_has_no_availability_yet() -> None:
    result = availability([], *JUNE, at(20, month=5), target=99.9)
    assert result.percent is None and not result.missed


def test_the_month_runs_in_the_sites_zone_across_daylight_saving() -> None:
    """March 2025 in Berlin starts at 23:00 UTC the day before and has one hour less
    (clocks went forward on the 30th): an hour's outage costs 1/743 of it."""
    start, end = month_bounds(date(2025, 3, 19), BERLIN)
    assert (start, end) == (
        datetime(2025, 2, 28, 23, tzinfo=UTC),
        datetime(2025, 3, 31, 22, tzinfo=UTC),
    )
    assert (end - start) == timedelta(hours=31 * 24 - 1)
    result = availability(
        [(start - timedelta(hours=1), start + timedelta(hours=1))], start, end, end
    )
    assert result.downtime_seconds == 3600
    assert result.percent == pytest.approx(100 * (1 - 1 / 743))
    # Toronto's November has an hour more (clocks went back on the 2nd).
    nov_start, nov_end = month_bounds(date(2025, 11, 1), TORONTO)
    assert nov_end - nov_start == timedelta(hours=30 * 24 + 1)


def test_naive_instants_and_backwards_months_are_refused() -> None:
    with pytest.raises(ValidationError, match="no time zone"):
        availability([(datetime(2025, 6, 1), None)], *JUNE, AFTER_JUNE)
    with pytest.raises(ValidationError, match="before it starts"):
        availability([], JUNE[1], JUNE[0], AFTER_JUNE)


def test_categories_with_three_breached_metrics_recur() -> None:
    breached = ["printer", "Printer", "network", "printer", "network", "printer ", "email"]
    assert recurring_breaches(breached) == (("printer", 4),)
    assert recurring_breaches(breached, threshold=2) == (("printer", 4), ("network", 2))
    assert recurring_breaches([]) == ()
    with pytest.raises(ValidationError, match="threshold of 0"):
        recurring_breaches(breached, threshold=0)


def test_the_picker_offers_this_month_and_a_year_back_in_the_zone() -> None:
    new_year_in_berlin = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 Jan
    months = report_months(new_year_in_berlin, BERLIN)
    assert len(months) == 13
    assert months[0] == date(2026, 1, 1)
    assert months[1] == date(2025, 12, 1)
    assert months[-1] == date(2025, 1, 1)
    assert report_months(new_year_in_berlin)[0] == date(2025, 12, 1)  # still December in UTC
    with pytest.raises(ValidationError, match="months back"):
        report_months(new_year_in_berlin, back=-1)


def test_a_trend_sums_customers_and_keeps_currencies_apart() -> None:
    from desktop_app.domain import Contract, Customer, Metric, Tier
    from desktop_app.sla.reports import ReportFacts, customer_months, trend

    at = datetime(2026, 3, 20, tzinfo=UTC)
    gold = Customer("Acme", Tier.GOLD, id=1)
    silver = Customer("Globex", Tier.SILVER, id=2)
    terms = {"monthly_fee": 1000.0, "credit_percent_per_breach": 5.0, "credit_cap_percent": 20.0}
    contracts = {
        1: (
            Contract(
                1,
                "Gold",
                Tier.GOLD,
                date(2025, 1, 1),
                date(2027, 1, 1),
                currency="CAD",
                attainment_target=95.0,
                **terms,
            ),
        ),
        2: (
            Contract(
                2,
                "Silver",
                Tier.SILVER,
                date(2025, 1, 1),
                date(2027, 1, 1),
                currency="EUR",
                attainment_target=80.0,
                **terms,
            ),
        ),
    }
    feb, mar = datetime(2026, 2, 10, 15, tzinfo=UTC), datetime(2026, 3, 10, 15, tzinfo=UTC)
    facts = ReportFacts(
        at=at,
        customers=(gold, silver),
        zones={1: "America/Toronto", 2: "Europe/Berlin"},
        contracts=contracts,
        opened=[(1, feb), (2, mar)],
        met=[(1, Metric.FIRST_RESPONSE, mar)] * 3 + [(2, Metric.FIRST_RESPONSE, mar)],
        breaches=[
            (1, "printer", 10, Metric.FIRST_RESPONSE, mar),
            (2, "email", 11, Metric.RESOLUTION, mar),
            (2, "email", 12, Metric.RESOLUTION, feb),
        ],
        outages=[],
    )
    months = customer_months(facts, [date(2026, 2, 1), date(2026, 3, 1)])
    desk = trend(months, at)
    february, march = desk.months
    assert not february.so_far and march.so_far
    assert (march.first_response.met, march.first_response.breached) == (4, 1)
    assert march.categories == {"printer": 1, "email": 1}
    assert march.credits == {"CAD": 50.0, "EUR": 50.0}  # never added across currencies
    # Acme decided 4 clocks (target 95), Globex 2 (target 80)
    assert march.attainment_target == (4 * 95 + 2 * 80) / 6
    assert february.opened == 1 and february.breached == 1
    acme = trend(months, at, 1)
    assert acme.customer == gold
    assert [m.attainment_target for m in acme.months] == [95.0, 95.0]
    assert acme.months[-1].credits == {"CAD": 50.0}
