"""SLA engine: business calendars, SLA clocks, policy selection (no Qt, no SQL)."""

from desktop_app.sla.calendar import BusinessCalendar, holidays_for_region, public_holidays
from desktop_app.sla.clocks import (
    Clock,
    ClockTerms,
    CycleResult,
    WarningInstant,
    compute_clocks,
    format_duration,
)
from desktop_app.sla.policy import (
    ALWAYS_OPEN,
    FALLBACK_POLICY,
    AppliedPolicy,
    PolicyBook,
    SelectionRule,
    recommended_calendars,
    recommended_policies,
)

__all__ = [
    "ALWAYS_OPEN",
    "FALLBACK_POLICY",
    "AppliedPolicy",
    "BusinessCalendar",
    "Clock",
    "ClockTerms",
    "CycleResult",
    "PolicyBook",
    "SelectionRule",
    "WarningInstant",
    "compute_clocks",
    "format_duration",
    "holidays_for_region",
    "public_holidays",
    "recommended_calendars",
    "recommended_policies",
]
