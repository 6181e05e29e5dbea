"""SLA engine: business calendars, SLA clocks, policy selection (no Qt, no SQL)."""

from desktop_app.sla.calendar import BusinessCalendar, holidays_for_region, public_holidays

__all__ = ["BusinessCalendar", "holidays_for_region", "public_holidays"]
