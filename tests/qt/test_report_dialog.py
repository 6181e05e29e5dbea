"""View → Monthly SLA report… on a real desk session (a small demo desk)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QMenu

from desktop_app.domain import Contract, Customer, Metric, Tier
from desktop_app.domain.queue import Attainment
from desktop_app.services.desk import DeskService
from desktop_app.sla.credits import service_credit
from desktop_app.sla.reports import Availability
from desktop_app.store.reports import CustomerMonth
from desktop_app.views.report_dialog import (
    COLUMNS,
    REPORT_SHORTCUT,
    ReportAction,
    ReportDialog,
    report_cells,
    report_sort_keys,
)
from support.detail_desk import NOW, WAIT, Desk


@pytest.fixture
def report(desk: Desk) -> Iterator[ReportAction]:
    action = ReportAction(desk.session, now=lambda: NOW)
    yield action
    action.stop()


def test_the_view_menu_opens_a_non_modal_report_of_every_customer(
    qtbot: Any, desk: Desk, report: ReportAction
) -> None:
    view_menu = desk.window.findChild(QMenu, "menuView")
    assert view_menu is not None and report.action in view_menu.actions()
    assert report.action.shortcut().toString() == REPORT_SHORTCUT

    report.action.trigger()  # the answer comes back through the event loop, below
    dialog = report.dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.reportShown, timeout=WAIT) as shown:
        pass
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.month == date(2026, 11, 1)
    assert dialog.month_combo.currentText() == "November 2026 (so far)"
    assert dialog.month_combo.count() == 13
    assert dialog.month_combo.itemData(12) == date(2025, 11, 1)

    result = shown.args[0]
    assert result.month == date(2026, 11, 1)
    names = sorted(c.name for c in desk.store.customers())
    assert sorted(row.customer.name for row in result.rows) == names
    assert dialog.table.rowCount() == len(names)
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(len(COLUMNS))] == list(
        COLUMNS
    )
    assert dialog.shown_cells() == [report_cells(row) for row in result.rows]
    owed = [(row.credit_owed, row.breached) for row in result.rows]
    assert owed == sorted(owed, reverse=True)
    # what the customer pane says for one customer, the report says for all
    context = desk.store.customer_context(result.rows[0].customer.id or 0, NOW)
    assert result.rows[0].breached == context.month_breaches


def test_reopened_after_a_month_ended_the_report_lists_the_new_month(
    qtbot: Any, desk: Desk
) -> None:
    clock = [NOW]
    action = ReportAction(desk.session, now=lambda: clock[0])
    try:
        with qtbot.waitSignal(action.open().reportShown, timeout=WAIT):
            pass
        dialog = action.dialog
        assert dialog is not None
        dialog.month_combo.setCurrentIndex(1)  # October 2026
        qtbot.waitUntil(lambda: not dialog.loading, timeout=WAIT)
        clock[0] = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # left open into December
        with qtbot.waitSignal(action.open().reportShown, timeout=WAIT):
            pass
        assert dialog.month_combo.currentText() == "October 2026"  # the choice is kept
        assert dialog.month_combo.itemText(0) == "December 2026 (so far)"
        assert dialog.month_combo.itemText(1) == "November 2026"
        assert dialog.month_combo.count() == 13
    finally:
        action.stop()


def test_picking_another_month_reads_it_and_drops_stale_answers(
    qtbot: Any, desk: Desk, report: ReportAction
) -> None:
    report.action.trigger()
    dialog = report.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.loading, timeout=WAIT)

    with qtbot.waitSignal(dialog.reportShown, timeout=WAIT) as shown:
        dialog.month_combo.setCurrentIndex(1)  # October, then at once September
        dialog.month_combo.setCurrentIndex(2)
    assert shown.args[0].month == date(2026, 9, 1)  # October's answer came first, dropped
    assert dialog.report is not None and dialog.report.month == date(2026, 9, 1)
    assert not dialog.report.so_far
    assert dialog.shown_cells() == [report_cells(row) for row in dialog.report.rows]

    with qtbot.waitSignal(dialog.reportShown, timeout=WAIT) as again:
        dialog.month_combo.setCurrentIndex(1)
    assert again.args[0].month == date(2026, 10, 1)


def test_export_writes_exactly_what_the_table_shows(
    qtbot: Any, desk: Desk, report: ReportAction, tmp_path: Path, monkeypatch: Any
) -> None:
    report.action.trigger()
    dialog = report.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=WAIT)
    target = tmp_path / "november.csv"
    asked: list[str] = []

    def choose(_parent: Any, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(target), "CSV files (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    with qtbot.waitSignal(dialog.exported, timeout=WAIT):
        dialog.export_button.click()
    assert asked == ["sla-report-2026-11.csv"]
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(COLUMNS)
    assert rows[1:] == dialog.shown_cells()
    assert len(rows) == dialog.table.rowCount() + 1


def test_an_unwritable_file_is_reported_with_what_to_do(
    qtbot: Any, desk: Desk, tmp_path: Path
) -> None:
    problems: list[tuple[str, str]] = []
    dialog = ReportDialog(
        desk.session.service, desk.window, now=lambda: NOW, tell=lambda *p: problems.append(p)
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.reportShown, timeout=WAIT):
        dialog.refresh()
    missing = tmp_path / "no such folder" / "report.csv"
    assert dialog.export_csv(missing) is None
    assert not missing.exists()
    [(title, message)] = problems
    assert title == "Export failed"
    assert str(missing) in message and "Choose a folder you can write to" in message


def _month(**changes: Any) -> CustomerMonth:
    start = datetime(2025, 3, 1, 5, tzinfo=UTC)
    contract = Contract(
        1, "Gold", Tier.GOLD, date(2025, 1, 1), date(2025, 12, 31), monthly_fee=5000,
        credit_percent_per_breach=2, credit_cap_percent=10,
    )  # fmt: skip
    row = CustomerMonth(
        customer=Customer("Acme Corp", Tier.GOLD, id=1),
        contract=contract,
        zone="America/Toronto",
        start=start,
        end=datetime(2025, 4, 1, 4, tzinfo=UTC),
        opened=9,
        first_response=Attainment(Metric.FIRST_RESPONSE, 249, 1),
        resolution=Attainment(Metric.RESOLUTION, 0, 0),
        breaches={Metric.FIRST_RESPONSE: 6, Metric.NEXT_UPDATE: 0, Metric.RESOLUTION: 1},
        credit=service_credit(contract, 7, date(2025, 3, 1)),
        availability=Availability(1000 * 3600, 4 * 3600, 99.9),  # 99.6 %
        recurring=(("printer", 6), ("network", 3)),
    )
    return replace(row, **changes)


def test_the_cells_say_what_a_manager_needs_to_read() -> None:
    assert report_cells(_month()) == [
        "Acme Corp",
        "Gold",
        "Gold",
        "9",
        "99 % (249/250)",  # rounded down: one breach is not 100 %
        "—",  # nothing decided
        "7 (6/0/1)",
        "10 % · 500.00 · cap reached",
        "99.6 % ✗ (target 99.9 %)",
        "printer ×6, network ×3",
    ]
    no_terms = _month(
        contract=None, credit=None, availability=Availability(1000, 0, None), recurring=()
    )
    cells = report_cells(no_terms)
    assert cells[2] == "no contract"
    assert cells[7] == ""  # blank without credit terms
    assert cells[8] == "100 %"
    assert cells[9] == ""
    nearly = report_cells(_month(availability=Availability(100_000, 100.4, 99.9)))
    assert nearly[8] == "99.899 % ✗ (target 99.9 %)"  # never rounded up to the target


def test_a_desk_that_is_not_open_says_so_instead_of_reading(qtbot: Any) -> None:
    service = DeskService(lambda: None)  # never started
    dialog = ReportDialog(service, now=lambda: NOW)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loadFailed, timeout=WAIT) as failed:
        dialog.refresh()
    assert "database is not open" in failed.args[0]
    assert "once the queue has loaded" in dialog.status.text()
    assert not dialog.export_button.isEnabled()


def test_a_header_click_sorts_the_report_by_value_and_export_follows(
    qtbot: Any, desk: Desk, report: ReportAction, tmp_path: Path
) -> None:
    report.action.trigger()
    dialog = report.dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.reportShown, timeout=WAIT) as shown:
        pass
    rows = shown.args[0].rows
    assert dialog.shown_cells() == [report_cells(row) for row in rows]  # unsorted at first
    header = dialog.table.horizontalHeader()

    def click(section: int) -> None:
        dialog.table.scrollToItem(dialog.table.item(0, section))
        x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    column = COLUMNS.index("Breached")
    click(column)
    first = [int(cells[column].split()[0]) for cells in dialog.shown_cells()]
    click(column)
    second = [int(cells[column].split()[0]) for cells in dialog.shown_cells()]
    # by value, both ways (as text "10 (…)" would come before "9 (…)")
    assert {tuple(first), tuple(second)} == {
        tuple(sorted(first)),
        tuple(sorted(first, reverse=True)),
    }
    names = COLUMNS.index("Customer")
    click(names)
    shown_names = [cells[names] for cells in dialog.shown_cells()]
    assert shown_names in (
        sorted(shown_names, key=str.casefold),
        sorted(shown_names, key=str.casefold, reverse=True),
    )
    target = dialog.export_csv(tmp_path / "sorted.csv")
    assert target is not None
    with target.open(newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle))[1:] == dialog.shown_cells()  # as shown, sorted
    with qtbot.waitSignal(dialog.reportShown, timeout=WAIT):
        dialog.refresh()
    again = [cells[names] for cells in dialog.shown_cells()]
    assert again == shown_names  # a fresh read keeps the order the manager chose


def test_every_report_column_sorts_by_value() -> None:
    def month(name: str, breaches: int, percent_met: int) -> CustomerMonth:
        return _month(
            customer=Customer(name, Tier.GOLD, id=1),
            breaches={Metric.RESOLUTION: breaches},
            first_response=Attainment(Metric.FIRST_RESPONSE, percent_met, 100 - percent_met),
        )

    keys = [report_sort_keys(month(n, b, p)) for n, b, p in (("b", 9, 95), ("A", 10, 100))]
    column = COLUMNS.index("Breached")
    assert keys[0][column] < keys[1][column]  # 9 before 10, not "10" before "9"
    assert keys[1][COLUMNS.index("Customer")] < keys[0][COLUMNS.index("Customer")]
    assert keys[0][COLUMNS.index("First response")] < keys[1][COLUMNS.index("First response")]
    assert len(keys[0]) == len(COLUMNS)
