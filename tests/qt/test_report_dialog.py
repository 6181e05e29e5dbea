"""View → Monthly SLA report… on a real desk session (a small demo desk)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFileDialog, QMenu

from desktop_app.domain import Contract, Customer, Metric, Tier
from desktop_app.domain.queue import Attainment
from desktop_app.services.desk import DeskService
from desktop_app.sla.credits import service_credit
from desktop_app.sla.reports import Availability, CustomerMonth
from desktop_app.views.report_charts import tips_of
from desktop_app.views.report_dialog import (
    COLUMNS,
    REPORT_SHORTCUT,
    TECHNICIAN_COLUMNS,
    TECHNICIANS_TAB,
    TRENDS_TAB,
    ReportAction,
    ReportDialog,
    StatementDialog,
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


def test_export_writes_the_month_as_numbers_with_the_currency(
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
        rows = list(csv.DictReader(handle))
    report = dialog.report
    assert report is not None and len(rows) == len(report.rows) == dialog.table.rowCount()
    for line, row in zip(rows, report.rows, strict=True):
        assert line["Month"] == "2026-11"
        assert line["Customer"] == row.customer.name
        # counts and percentages are numbers in columns of their own, not "94 % (32/34)"
        assert int(line["First response met"]) == row.first_response.met
        assert int(line["First response breached"]) == row.first_response.breached
        if row.first_response.percent is None:
            assert line["First response %"] == ""
        else:
            assert float(line["First response %"]) == pytest.approx(
                row.first_response.percent, abs=0.01
            )
            assert float(line["First response %"]) <= row.first_response.percent
        assert int(line["Breached metrics"]) == row.breached
        assert row.contract is not None and line["Currency"] == row.contract.currency
        assert row.credit is not None and float(line["Service credit"]) == row.credit.amount
        assert line["Cap reached"] == ("yes" if row.credit.capped else "no")
        assert float(line["Availability %"]) <= (row.availability.percent or 0)
        assert "✗" not in "".join(line.values())
    assert {line["Currency"] for line in rows} == {"AUD", "CAD", "EUR"}  # by region


def test_a_customer_named_like_a_formula_cannot_run_in_a_spreadsheet(
    qtbot: Any, desk: Desk, tmp_path: Path
) -> None:
    dialog = ReportDialog(desk.session.service, desk.window, now=lambda: NOW)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.reportShown, timeout=WAIT) as shown:
        dialog.refresh()
    first = shown.args[0].rows[0]
    evil = replace(first, customer=replace(first.customer, name='=HYPERLINK("http://x","y")'))
    dialog.report = replace(shown.args[0], rows=(evil, *shown.args[0].rows[1:]))
    safe = dialog.export_csv(tmp_path / "safe.csv")
    raw = dialog.export_csv(tmp_path / "raw.csv", raw=True)
    assert safe is not None and raw is not None
    with safe.open(newline="", encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["Customer"] == '\'=HYPERLINK("http://x","y")'
    with raw.open(newline="", encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["Customer"] == '=HYPERLINK("http://x","y")'


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
    assert str(missing) in message and "does not exist" in message
    assert "Create it or choose another folder" in message

    refused = tmp_path / "report.csv"
    refused.write_text("last month's report\n")

    def deny(*_args: Any) -> None:
        raise PermissionError(13, "Permission denied")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("os.replace", deny)
        assert dialog.export_csv(refused) is None
    assert refused.read_text() == "last month's report\n"  # the old file stays whole
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    title, message = problems[-1]
    assert str(refused) in message and "Permission denied" in message


def _month(**changes: Any) -> CustomerMonth:
    start = datetime(2025, 3, 1, 5, tzinfo=UTC)
    contract = Contract(
        1, "Gold", Tier.GOLD, date(2025, 1, 1), date(2025, 12, 31), monthly_fee=5000,
        credit_percent_per_breach=2, credit_cap_percent=10, currency="CAD",
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
        "10 % · CAD 500.00 · cap reached",
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


def test_the_trends_tab_draws_twelve_months_for_the_desk_and_for_one_customer(
    qtbot: Any, desk: Desk, report: ReportAction
) -> None:
    dialog = report.open()
    with qtbot.waitSignal(dialog.trendsShown, timeout=WAIT) as shown:
        dialog.tabs.setCurrentIndex(TRENDS_TAB)  # read when first shown
    book = shown.args[0]
    assert book.months[-1] == date(2026, 11, 1) and len(book.months) == 12
    attainment, breaches, credit, availability = (v.chart() for v in dialog.trend_views)
    assert attainment.title() == "SLA attainment — Whole desk"
    # axis titles carry the unit, every series is in the legend
    [x_axis] = attainment.axes(Qt.Orientation.Horizontal)
    [y_axis] = attainment.axes(Qt.Orientation.Vertical)
    assert x_axis.categories()[0] == "Dec ’25" and x_axis.categories()[1] == "Jan ’26"
    assert x_axis.categories()[-1] == "Nov*" and len(x_axis.categories()) == 12
    assert y_axis.titleText() == "Clocks met in time (%)"
    names = [s.name() for s in attainment.series()]
    assert names == ["First response", "Resolution", "Contracts' target (weighted)"]
    assert attainment.legend().isVisible()
    first_response = attainment.series()[0]
    november = book.desk.months[-1].first_response
    decided = november.met + november.breached
    assert tips_of(first_response)[-1].startswith("November 2026 (so far) — first response:")
    assert f"({november.met:,} of {decided:,} clocks met in time)" in tips_of(first_response)[-1]
    assert first_response.at(first_response.count() - 1).y() == pytest.approx(november.percent)
    [credit_series] = credit.series()
    assert {bars.label() for bars in credit_series.barSets()} == {"AUD", "CAD", "EUR"}
    assert breaches.axes(Qt.Orientation.Vertical)[0].titleText() == "Breached metrics"
    assert availability.axes(Qt.Orientation.Vertical)[0].titleText() == "Availability (%)"

    customer = next(iter(book.customers))
    index = dialog.customer_combo.findData(customer)
    dialog.customer_combo.setCurrentIndex(index)  # drawn from what was read: no new read
    trend = book.customers[customer]
    chart = dialog.trend_views[0].chart()
    assert trend.customer is not None
    assert chart.title() == f"SLA attainment — {trend.customer.name}"
    target = chart.series()[-1]
    assert target.name() == "Contract target"
    assert target.at(target.count() - 1).y() == trend.months[-1].attainment_target
    [credit_series] = dialog.trend_views[2].chart().series()
    [bars] = credit_series.barSets()
    assert bars.at(11) == trend.months[-1].credits[bars.label()]
    assert tips_of(bars)[11].endswith(f"{bars.label()} {bars.at(11):,.2f}")


def test_the_charts_follow_the_desks_dark_palette(
    qtbot: Any, desk: Desk, report: ReportAction
) -> None:
    dialog = report.open()
    with qtbot.waitSignal(dialog.trendsShown, timeout=WAIT):
        dialog.tabs.setCurrentIndex(TRENDS_TAB)
    light = dialog.trend_views[0].chart()
    assert light.backgroundBrush().color().lightness() > 128
    dark = QPalette(dialog.palette())
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#2b2d31"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Text, "#e8eaed"),
    ):
        dark.setColor(role, QColor(colour))
    dialog.setPalette(dark)
    chart = dialog.trend_views[0].chart()
    assert chart is not light
    assert chart.backgroundBrush().color() == QColor("#2b2d31")
    assert chart.titleBrush().color() == QColor("#e8eaed")
    assert chart.axes(Qt.Orientation.Vertical)[0].labelsColor() == QColor("#e8eaed")


def test_the_technicians_tab_is_sortable_and_charts_the_open_load(
    qtbot: Any, desk: Desk, report: ReportAction
) -> None:
    dialog = report.open()
    with qtbot.waitSignal(dialog.techniciansShown, timeout=WAIT) as shown:
        dialog.tabs.setCurrentIndex(TECHNICIANS_TAB)
    result = shown.args[0]
    assert result.month == date(2026, 11, 1)
    table = dialog.technician_table
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == list(
        TECHNICIAN_COLUMNS
    )
    assert table.rowCount() == len(result.rows) > 0
    # what the desk has open now, the table says per technician
    open_now = sum(1 for e in desk.store.load_queue(NOW) if e.assignee_id is not None)
    assert sum(row.open_now for row in result.rows) == open_now
    handled = TECHNICIAN_COLUMNS.index("Handled")
    table.sortByColumn(handled, Qt.SortOrder.DescendingOrder)
    counts = [int(row[handled].replace(",", "")) for row in dialog.shown_technicians()]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    chart = dialog.load_view.chart()
    assert chart.axes(Qt.Orientation.Vertical)[0].titleText() == "Open tickets held (end of day)"
    busiest = max(result.rows, key=lambda r: r.open_now)
    series = next(s for s in chart.series() if s.name() == busiest.technician.name)
    # from the 1st to today in the technician's own zone (the 27th already in Sydney)
    today = NOW.astimezone(ZoneInfo(busiest.technician.timezone)).date()
    assert busiest.load[-1][0] == today and series.count() == len(busiest.load) == today.day
    assert series.at(series.count() - 1).y() == busiest.load[-1][1]
    assert tips_of(series)[today.day].endswith(f"{busiest.load[-1][1]} open tickets held")


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    # Qt places each word on its own, so the extracted words come apart by tabs
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_file_export_statement_writes_a_pdf_a_reader_can_open(
    qtbot: Any, desk: Desk, report: ReportAction, tmp_path: Path, monkeypatch: Any
) -> None:
    file_menu = desk.window.findChild(QMenu, "menuFile")
    assert file_menu is not None and report.statement_action in file_menu.actions()
    report.statement_action.trigger()
    dialog = report.statement_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=WAIT)
    assert dialog.month == date(2026, 10, 1)  # last month: the one a statement is sent for
    figures = _most_credit_owed(desk)  # a customer whose statement has a credit to show
    dialog.choose(figures.customer.id, date(2026, 11, 1))
    assert dialog.customer_combo.currentText() == figures.customer.name
    target = tmp_path / "statement.pdf"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(target), "PDF files"))
    )
    with qtbot.waitSignal(dialog.statementExported, timeout=WAIT):
        dialog.export_button.click()
    assert target.read_bytes().startswith(b"%PDF")
    text = _pdf_text(target)
    assert f"SLA statement — {figures.customer.name}" in text
    assert "November 2026 (month so far)" in text
    assert figures.credit is not None and figures.currency is not None
    assert figures.credit.amount > 0
    assert f"Service credit owed: {figures.currency} {figures.credit.amount:,.2f}" in text
    assert f"Breached tickets ({figures.breached})" in text
    assert "The last 6 months (June 2026 to November 2026)" in text


def _most_credit_owed(desk: Desk) -> CustomerMonth:
    from desktop_app.store.queries.reports import monthly_report

    return monthly_report(desk.store, date(2026, 11, 1), NOW).rows[0]


def test_a_statement_that_cannot_be_written_says_where_and_why(
    qtbot: Any, desk: Desk, tmp_path: Path
) -> None:
    problems: list[tuple[str, str]] = []
    dialog = StatementDialog(
        desk.session.service, desk.window, now=lambda: NOW, tell=lambda *p: problems.append(p)
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=WAIT)
    folder = tmp_path / "statement.pdf"
    folder.mkdir()  # a folder where the file should go
    assert dialog.customer_id is not None
    with qtbot.waitSignal(dialog.exportFailed, timeout=WAIT) as failed:
        dialog.export(dialog.customer_id, date(2026, 10, 1), folder)
    assert failed.args[0] == f"Cannot write {folder}: it is a folder; give a file name."
    assert problems == [("Statement not exported", failed.args[0])]
    assert dialog.export_button.isEnabled()


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
        exported = list(csv.DictReader(handle))
    # numbers, not screen text, in the order shown (sorted by customer)
    assert [row["Customer"] for row in exported] == shown_names
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
