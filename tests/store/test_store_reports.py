"""The monthly SLA report read from the store, on SQLite and PostgreSQL.

The desk: Acme (Gold, Toronto; 2 % of its 5,000 fee per breached metric, capped at 10 %)
and Globex (Bronze, Berlin; no credit terms). Globex's outage opens at 23:50 Berlin time
on 28 February and breaches its 15-minute response at 00:05 on 1 March; Acme's six
printer tickets all breach their one-hour response on Monday 3 March, and two overlapping
Acme outages, one still open, cover four hours by the time the report is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, update
from store_support import FakeClock, People

from desktop_app.domain import (
    Customer,
    DeskCustomer,
    EventKind,
    Metric,
    NotFoundError,
    Priority,
    Ticket,
    Tier,
)
from desktop_app.domain import Desk as DeskData
from desktop_app.store import Store
from desktop_app.store.detail_views import load_customer_view
from desktop_app.store.queries.reports import customer_statement, find_customer, trend_book
from desktop_app.store.reports import CustomerMonth, MonthlyReport, monthly_report
from desktop_app.store.schema import TicketRow
from support import writes

REPORT_AT = datetime(2025, 3, 3, 20, 10, tzinfo=UTC)
MARCH, FEBRUARY = date(2025, 3, 1), date(2025, 2, 1)
TORONTO_MARCH_START = datetime(2025, 3, 1, 5, tzinfo=UTC)  # midnight EST
BERLIN_MARCH_START = datetime(2025, 2, 28, 23, tzinfo=UTC)  # midnight CET


@dataclass
class Desk:
    acme: int
    globex: int
    alice: int


def _open(store: Store, desk: Desk, customer: int, category: str, priority: Priority) -> Ticket:
    return writes.create_ticket(store,
        desk.alice, customer_id=customer, subject=f"{category} trouble", category=category,
        priority=priority,
    )  # fmt: skip


def _reply(store: Store, desk: Desk, ticket: Ticket) -> Ticket:
    assert ticket.id is not None
    return writes.add_event(
        store, desk.alice, ticket.id, ticket.version, EventKind.PUBLIC_REPLY, "On it"
    )


def _resolve(store: Store, desk: Desk, ticket: Ticket) -> Ticket:
    assert ticket.id is not None
    return writes.resolve(store, desk.alice, ticket.id, ticket.version, "Fixed")


@pytest.fixture
def desk(store: Store, people: People, clock: FakeClock) -> Desk:
    ids = {c.name: c.id for c in store.customers()}
    acme, globex = ids["Acme Corp"], ids["Globex"]
    assert acme is not None and globex is not None
    desk = Desk(acme, globex, people.alice)
    clock.now = datetime(2025, 2, 28, 22, 50, tzinfo=UTC)  # 23:50 in Berlin
    down = _open(store, desk, globex, "outage", Priority.CRITICAL)
    clock.now = datetime(2025, 2, 28, 23, 30, tzinfo=UTC)  # response was due at 23:05 UTC
    down = _reply(store, desk, down)
    clock.now = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    _resolve(store, desk, down)

    clock.now = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)  # Monday 09:00 in Toronto
    printers = [_open(store, desk, acme, "printer", Priority.HIGH) for _ in range(6)]
    clock.advance(hours=2)  # the one-hour response target passed at 15:00 UTC
    for ticket in printers:
        _reply(store, desk, ticket)
    vpn = _open(store, desk, acme, "network", Priority.HIGH)
    clock.advance(minutes=10)
    _reply(store, desk, vpn)  # in time
    email = _open(store, desk, acme, "outage", Priority.CRITICAL)  # 16:10
    clock.advance(minutes=5)
    email = _reply(store, desk, email)
    clock.now = datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
    crm = _open(store, desk, acme, "outage", Priority.CRITICAL)  # overlaps the e-mail outage
    clock.advance(minutes=5)
    _reply(store, desk, crm)  # and is still open
    clock.now = datetime(2025, 3, 3, 18, 10, tzinfo=UTC)
    _resolve(store, desk, email)
    clock.now = REPORT_AT
    return desk


def _rows(report: MonthlyReport) -> dict[str, CustomerMonth]:
    return {row.customer.name: row for row in report.rows}


def test_every_column_of_the_month_so_far(store: Store, desk: Desk) -> None:
    report = monthly_report(store, date(2025, 3, 17))
    assert (report.month, report.at, report.so_far) == (MARCH, REPORT_AT, True)
    assert [row.customer.name for row in report.rows] == ["Acme Corp", "Globex"]  # credit first
    acme, globex = report.rows

    assert (acme.zone, acme.start) == ("America/Toronto", TORONTO_MARCH_START)
    assert acme.end == datetime(2025, 4, 1, 4, tzinfo=UTC)  # midnight EDT
    assert acme.customer.tier.value == "gold"
    assert acme.contract is not None and acme.contract.policy == "Gold"
    assert acme.opened == 9  # six printers, the VPN, two outages
    assert (acme.first_response.met, acme.first_response.breached) == (3, 6)
    assert (acme.resolution.met, acme.resolution.breached) == (1, 0)  # the e-mail outage
    assert dict(acme.breaches) == {
        Metric.FIRST_RESPONSE: 6, Metric.NEXT_UPDATE: 0, Metric.RESOLUTION: 0,
    }  # fmt: skip
    assert acme.credit is not None
    assert (acme.credit.percent, acme.credit.amount, acme.credit.capped) == (10, 500.0, True)
    # 16:10 (e-mail down) to now (CRM still down): four hours of the month so far
    so_far = (REPORT_AT - TORONTO_MARCH_START).total_seconds()
    assert acme.availability.period_seconds == so_far
    assert acme.availability.downtime_seconds == 4 * 3600
    assert acme.availability.percent == pytest.approx(100 * (1 - 4 * 3600 / so_far))
    assert acme.availability.target == 99.9 and acme.availability.missed
    assert acme.recurring == (("printer", 6),)

    # Globex's month starts at midnight in Berlin: its outage opened in February there,
    # breached its response in March, and was down for two hours of March.
    assert (globex.zone, globex.start) == ("Europe/Berlin", BERLIN_MARCH_START)
    assert globex.contract is not None and globex.contract.policy == "Bronze"
    assert globex.opened == 0
    assert (globex.first_response.met, globex.first_response.breached) == (0, 1)
    assert (globex.resolution.met, globex.resolution.breached) == (1, 0)
    assert globex.breached == 1
    assert globex.credit is None  # the Bronze contract grants none
    assert globex.availability.downtime_seconds == 2 * 3600
    assert globex.availability.missed
    assert globex.recurring == ()


def test_the_report_agrees_with_the_customer_pane(store: Store, desk: Desk) -> None:
    rows = _rows(monthly_report(store, MARCH))
    for customer_id, name in ((desk.acme, "Acme Corp"), (desk.globex, "Globex")):
        view = load_customer_view(store, customer_id)
        assert rows[name].breached == view.context.month_breaches
        assert rows[name].credit == view.credit


def test_a_past_month_is_whole_and_counted_in_each_customers_zone(store: Store, desk: Desk) -> None:
    report = monthly_report(store, FEBRUARY)
    assert not report.so_far
    rows = _rows(report)
    globex = rows["Globex"]
    assert globex.opened == 1  # 23:50 on 28 February in Berlin
    assert globex.breached == 0  # the breach fell on 1 March there
    assert globex.availability.period_seconds == 28 * 86400
    assert globex.availability.downtime_seconds == 10 * 60  # 23:50 to midnight
    assert not globex.availability.missed  # 99.975 % against 99.9 %
    acme = rows["Acme Corp"]
    assert (acme.opened, acme.breached, acme.availability.percent) == (0, 0, 100.0)
    assert acme.credit is not None and (acme.credit.amount, acme.credit.capped) == (0.0, False)
    # Globex's breach is in February in UTC, but the desk counts Acme in Toronto and
    # Globex in Berlin: no customer's February shows it.
    assert sum(row.breached for row in report.rows) == 0


def test_customers_without_tickets_sites_or_contracts_still_get_a_row(
    empty_store: Store,
) -> None:
    empty_store.import_desk(DeskData(customers=[DeskCustomer(Customer("Initech", Tier.SILVER))]))
    [row] = monthly_report(empty_store, MARCH).rows
    assert (row.customer.name, row.zone, row.contract, row.credit) == ("Initech", "UTC", None, None)
    assert row.start == datetime(2025, 3, 1, tzinfo=UTC)
    assert (row.opened, row.breached, row.first_response.percent) == (0, 0, None)
    assert row.availability.target is None and not row.availability.missed


@contextmanager
def _counting(store: Store) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = store._engine

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_desk(
    store: Store, desk: Desk, clock: FakeClock
) -> None:
    with _counting(store) as before:
        monthly_report(store, MARCH)
    for _ in range(5):
        ticket = _open(store, desk, desk.globex, "printer", Priority.LOW)
        clock.advance(days=1)
        _reply(store, desk, ticket)
    with _counting(store) as after:
        report = monthly_report(store, MARCH)
    assert _rows(report)["Globex"].opened == 5
    assert len(after) == len(before)
    assert len(before) <= 8, before


def test_a_ticket_closed_without_a_resolution_instant_ends_its_outage_when_closed(
    store: Store, desk: Desk, clock: FakeClock
) -> None:
    """Imported history may hold a closed outage without ``resolved_at``; it must not
    count as down for ever."""
    clock.now = REPORT_AT + timedelta(hours=1)
    crm = next(e for e in store.load_queue() if e.category == "outage")
    with store._engine.begin() as connection:
        connection.execute(
            update(TicketRow)
            .where(TicketRow.id == crm.ticket_id)
            .values(status="closed", resolved_at=None, updated_at=REPORT_AT)
        )
    acme = _rows(monthly_report(store, MARCH))["Acme Corp"]
    assert acme.availability.downtime_seconds == 4 * 3600  # 16:10 to 20:10, not to now


def test_breaches_recorded_on_the_timeline_count_once_as_on_the_customer_pane(
    store: Store, desk: Desk
) -> None:
    """A next-update clock row keeps only its latest cycle; the monitor records each
    breach on the timeline. A recorded breach at a clock row's own breach instant is the
    same breach."""
    entries = {e.category: e.ticket_id for e in store.load_queue()}
    printer, vpn = entries["printer"], entries["network"]
    writes.record_breach(
        store, printer, Metric.FIRST_RESPONSE, datetime(2025, 3, 3, 15, tzinfo=UTC)
    )
    writes.record_breach(store, vpn, Metric.NEXT_UPDATE, datetime(2025, 3, 3, 19, tzinfo=UTC))
    writes.record_breach(
        store, vpn, Metric.NEXT_UPDATE, datetime(2025, 2, 20, tzinfo=UTC)
    )  # February

    acme = _rows(monthly_report(store, MARCH))["Acme Corp"]
    assert dict(acme.breaches) == {
        Metric.FIRST_RESPONSE: 6, Metric.NEXT_UPDATE: 1, Metric.RESOLUTION: 0,
    }  # fmt: skip
    assert acme.first_response.breached == 6
    assert acme.recurring == (("printer", 6),)  # the VPN's one breach does not recur
    view = load_customer_view(store, desk.acme)
    assert acme.breached == view.context.month_breaches == 7
    assert acme.credit == view.credit
    assert _rows(monthly_report(store, FEBRUARY))["Acme Corp"].breached == 1


def test_twelve_months_of_trends_cost_the_queries_of_one_month(store: Store, desk: Desk) -> None:
    with _counting(store) as one_month:
        report = monthly_report(store, MARCH)
    with _counting(store) as twelve:
        book = trend_book(store, MARCH)
    assert len(twelve) == len(one_month) <= 8
    assert book.months[0] == date(2024, 4, 1) and book.months[-1] == MARCH
    march = book.desk.months[-1]
    assert march.breached == sum(row.breached for row in report.rows)
    assert march.first_response.breached == sum(r.first_response.breached for r in report.rows)
    acme = book.customers[desk.acme].months[-1]
    assert acme.credits == {"EUR": 500.0}
    assert acme.categories == {"printer": 6}
    assert book.customers[desk.globex].months[-2].opened == 1  # February in Berlin


def test_a_statement_lists_each_breached_ticket_with_its_business_overrun(
    store: Store, desk: Desk
) -> None:
    statement = customer_statement(store, desk.acme, MARCH)
    assert statement.customer.name == "Acme Corp" and statement.so_far
    assert [m.month for m in statement.trend.months][-1] == MARCH
    assert len(statement.trend.months) == 6
    assert statement.figures.credit is not None and statement.figures.credit.amount == 500.0
    assert statement.policy is not None and statement.policy.name == "Gold"
    assert len(statement.breached_tickets) == 6 == statement.figures.breached
    for breach in statement.breached_tickets:
        assert breach.metric is Metric.FIRST_RESPONSE and breach.category == "printer"
        # due 10:00 in Toronto, answered 11:00: one business hour over
        assert breach.overrun_seconds == 3600 and not breach.running
    assert not statement.empty
    quiet = customer_statement(store, desk.acme, date(2024, 1, 1))
    assert quiet.empty and quiet.breached_tickets == ()


def test_a_customer_is_found_by_name_or_told_the_closest(store: Store, desk: Desk) -> None:
    assert find_customer(store, "  acme corp ") == desk.acme
    with pytest.raises(NotFoundError, match="Did you mean 'Acme Corp'"):
        find_customer(store, "Acme Crop")
