"""The monthly SLA report's read; it lives in :mod:`desktop_app.store.queries.reports`
with the other report reads, and its records in :mod:`desktop_app.sla.reports`."""

from __future__ import annotations

from desktop_app.sla.reports import CustomerMonth, MonthlyReport
from desktop_app.store.queries.reports import OUTAGE_CATEGORY, monthly_report

__all__ = ["OUTAGE_CATEGORY", "CustomerMonth", "MonthlyReport", "monthly_report"]
