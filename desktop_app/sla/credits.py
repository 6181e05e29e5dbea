"""Service credits: what a month's breaches cost under the customer's contract.

A contract grants a credit of ``credit_percent_per_breach`` % of the monthly fee for each
breached SLA metric (a ticket whose response and resolution both breached counts twice),
up to ``credit_cap_percent`` % a month; a cap of 0 means the contract sets none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from desktop_app.domain import Contract, ValidationError

__all__ = ["ServiceCredit", "billing_month", "check_currency", "money", "service_credit"]

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def check_currency(code: str, what: str = "currency") -> str:
    """``code`` when it is an ISO 4217 currency code (three capital letters, e.g. EUR)."""
    if not isinstance(code, str) or not _CURRENCY_CODE.fullmatch(code):
        raise ValidationError(
            f"{what} {code!r} is not a currency code; give the three capital letters of "
            "ISO 4217, e.g. EUR, USD, CAD or AUD.",
            field="currency",
        )
    return code


def money(amount: float, currency: str) -> str:
    """An amount as the desk shows it: ``"CAD 1,234.50"``."""
    return f"{currency} {amount:,.2f}"


@dataclass(frozen=True, slots=True)
class ServiceCredit:
    """The credit owed for one month so far."""

    month: date  # the first day of the billing month
    breaches: int  # breached metrics in the month
    percent: float  # of the monthly fee, after the cap
    amount: float  # in the contract's currency
    uncapped_percent: float  # what the breaches would have cost without the cap

    @property
    def capped(self) -> bool:
        return self.uncapped_percent > self.percent


def service_credit(contract: Contract, breaches: int, month: date) -> ServiceCredit | None:
    """The credit ``breaches`` breached metrics earn in ``month``; None when the contract
    grants no service credit."""
    if breaches < 0:
        raise ValidationError(
            f"A month cannot have {breaches} breaches; count the breached SLA metrics (0 or more).",
            field="breaches",
        )
    if contract.credit_percent_per_breach <= 0:
        return None
    uncapped = breaches * contract.credit_percent_per_breach
    cap = contract.credit_cap_percent
    percent = min(uncapped, cap) if cap > 0 else uncapped
    return ServiceCredit(
        month.replace(day=1),
        breaches,
        percent,
        round(contract.monthly_fee * percent / 100, 2),
        uncapped,
    )


def billing_month(now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The calendar month holding ``now`` in ``zone``, as aware UTC [start, end)."""
    if now.tzinfo is None:
        raise ValidationError(
            f"The instant {now.isoformat()} has no time zone; pass an aware datetime.",
            field="now",
        )
    local = now.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    end = (
        datetime(local.year + 1, 1, 1, tzinfo=zone)
        if local.month == 12
        else datetime(local.year, local.month + 1, 1, tzinfo=zone)
    )
    return start.astimezone(UTC), end.astimezone(UTC)
