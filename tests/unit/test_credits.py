"""Service credits: a month's breached SLA metrics priced by the customer's contract."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from desktop_app.domain import Contract, Tier, ValidationError
from desktop_app.sla.credits import billing_month, service_credit

MARCH = date(2025, 3, 17)


def gold(**terms: float) -> Contract:
    return Contract(
        1, "Gold", Tier.GOLD, date(2025, 1, 1), date(2025, 12, 31), monthly_fee=5000, **terms
    )


def test_each_breached_metric_earns_its_percent_up_to_the_cap() -> None:
    contract = gold(credit_percent_per_breach=2, credit_cap_percent=10)
    three = service_credit(contract, 3, MARCH)
    assert three is not None
    assert (three.month, three.percent, three.amount, three.capped) == (
        date(2025, 3, 1), 6, 300.0, False,
    )  # fmt: skip
    seven = service_credit(contract, 7, MARCH)
    assert seven is not None
    assert (seven.percent, seven.uncapped_percent, seven.amount, seven.capped) == (
        10, 14, 500.0, True,
    )  # fmt: skip
    none = service_credit(contract, 0, MARCH)
    assert none is not None and (none.percent, none.amount) == (0, 0.0)


def test_no_cap_means_every_breach_counts_and_no_credit_terms_mean_none() -> None:
    uncapped = service_credit(gold(credit_percent_per_breach=1.5), 9, MARCH)
    assert uncapped is not None and (uncapped.percent, uncapped.amount) == (13.5, 675.0)
    assert service_credit(gold(), 4, MARCH) is None
    with pytest.raises(ValidationError, match="cannot have -1 breaches"):
        service_credit(gold(credit_percent_per_breach=2), -1, MARCH)


def test_the_billing_month_follows_the_site_zone() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    # 31 March 14:00 UTC is already 1 April in Sydney (AEDT, UTC+11)
    start, end = billing_month(datetime(2025, 3, 31, 14, 0, tzinfo=UTC), sydney)
    assert start == datetime(2025, 3, 31, 13, 0, tzinfo=UTC)  # 1 April 00:00 AEDT
    assert end == datetime(2025, 4, 30, 14, 0, tzinfo=UTC)  # 1 May 00:00 AEST (UTC+10)
    start, end = billing_month(datetime(2025, 12, 20, tzinfo=UTC), UTC)
    assert (start, end) == (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError, match="no time zone"):
        billing_month(datetime(2025, 3, 1), UTC)
