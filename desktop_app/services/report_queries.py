"""The report screens' reads: each a job ``(store) -> result`` to hand to
``DeskService.submit(..., reads_only=True)``, so the reads run on the database thread and
the screens never import the store.

The records they answer with live in :mod:`desktop_app.sla.reports` and
:mod:`desktop_app.sla.technicians` (plain Python).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from desktop_app.domain import Customer
from desktop_app.sla.reports import MonthlyReport, Statement, TrendBook
from desktop_app.sla.technicians import TechnicianReport
from desktop_app.store import Store
from desktop_app.store.queries import reports

__all__ = ["customers_job", "monthly_job", "statement_job", "technicians_job", "trends_job"]


def customers_job() -> Callable[[Store], list[Customer]]:
    """Every customer, by name (the statement's picker)."""
    return lambda store: store.customers()


def monthly_job(month: date) -> Callable[[Store], MonthlyReport]:
    """Every customer's month holding ``month``."""
    return lambda store: reports.monthly_report(store, month)


def trends_job(last_month: date) -> Callable[[Store], TrendBook]:
    """The desk's and every customer's trend over the twelve months up to ``last_month``."""
    return lambda store: reports.trend_book(store, last_month)


def technicians_job(month: date) -> Callable[[Store], TechnicianReport]:
    """Every technician's month holding ``month``."""
    return lambda store: reports.technician_report(store, month)


def statement_job(customer_id: int, month: date) -> Callable[[Store], Statement]:
    """One customer's SLA statement for ``month`` with its last six months."""
    return lambda store: reports.customer_statement(store, customer_id, month)
