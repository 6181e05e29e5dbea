"""View → Monthly SLA report…: the desk's SLA month, its trends and its technicians.

A non-modal window with a month picker (the current month, "so far", and a year back) and
three tabs:

- **Monthly**: every customer's month, most service credit owed first, then most
  breaches. "Export CSV…" writes the month as numbers (counts, percentages and amounts
  in columns of their own, money with its currency; see
  :mod:`desktop_app.interchange.report_csv`).
- **Trends**: the twelve months up to the picked one, for the whole desk or one customer:
  attainment against the contract's target, breaches by category, service credit and
  availability (:mod:`desktop_app.views.report_charts`).
- **Technicians**: each technician's month (tickets handled, open now, attainment,
  breaches held, time to first response, escalations), sortable, and a chart of the open
  tickets each held over the month.

Every read is a job of :mod:`desktop_app.services.report_queries` on the desk service's
database thread; the window opens at once and each tab fills in when its answer comes
(a tab is read when it is first shown, and again after the month changes). An answer
for a month the manager has already left is dropped. The charts follow the desk's
palette, light or dark, and are redrawn when it changes.

File → *Export statement…* (and the window's button) writes one customer's monthly SLA
statement as a PDF (:mod:`desktop_app.views.statement_pdf`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QBrush, QColor, QGuiApplication, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import Metric, Tier
from desktop_app.domain.queue import Attainment
from desktop_app.interchange.report_csv import ExportError, write_monthly_csv
from desktop_app.models.plain_text import plain_tooltip
from desktop_app.services.report_queries import (
    customers_job,
    monthly_job,
    statement_job,
    technicians_job,
    trends_job,
)
from desktop_app.sla.clocks import format_duration
from desktop_app.sla.credits import money
from desktop_app.sla.reports import (
    CustomerMonth,
    MonthlyReport,
    Statement,
    TrendBook,
    report_months,
)
from desktop_app.sla.technicians import TechnicianMonth, TechnicianReport
from desktop_app.views.message_box import plain_message_box
from desktop_app.views.report_charts import ChartStyle, load_chart, trend_charts

__all__ = [
    "COLUMNS",
    "REPORT_SHORTCUT",
    "TECHNICIAN_COLUMNS",
    "ReportAction",
    "ReportDialog",
    "StatementDialog",
    "attach_report",
    "report_cells",
    "technician_cells",
]

# Ctrl+Shift+R already resolves the selected ticket.
REPORT_SHORTCUT = "Ctrl+Shift+M"
COLUMNS = (
    "Customer",
    "Tier",
    "Contract policy",
    "Opened",
    "First response",
    "Resolution",
    "Breached",
    "Service credit",
    "Availability",
    "Recurring breaches",
)
TECHNICIAN_COLUMNS = (
    "Technician",
    "Handled",
    "Open now",
    "First response",
    "Resolution",
    "Breaches held",
    "Mean time to first response",
    "Escalations",
)
MONTHLY_TAB, TRENDS_TAB, TECHNICIANS_TAB = range(3)
_MISS = QColor("#b3261e")
_MISS_ON_DARK = QColor("#f28b82")
_NO_WINDOW_STACKING = ("offscreen", "minimal")  # raising a window only draws a warning

Tell = Callable[[str, str], None]


def _attainment(value: Attainment) -> str:
    decided = value.met + value.breached
    if value.percent is None:
        return "—"
    # rounded down, so 249 of 250 in time never reads as 100 %
    return f"{math.floor(value.percent)} % ({value.met}/{decided})"


def _breaches(row: CustomerMonth) -> str:
    """Total, then by metric: "7 (2/1/4)" is 2 response, 1 update, 4 resolution."""
    if not row.breached:
        return "0"
    return f"{row.breached} ({'/'.join(str(row.breaches.get(m, 0)) for m in Metric)})"


def _credit(row: CustomerMonth) -> str:
    credit = row.credit
    if credit is None or row.currency is None:
        return ""
    text = f"{credit.percent:g} % · {money(credit.amount, row.currency)}"
    return f"{text} · cap reached" if credit.capped else text


def _percent(value: float) -> str:
    """Rounded down, so 99.8996 % never reads as a target of 99.9 % met."""
    return f"{math.floor(value * 1000) / 1000:g} %"


def _availability(row: CustomerMonth) -> str:
    value = row.availability
    if value.percent is None:
        return "—"
    text = _percent(value.percent)
    if value.target is None:
        return text
    target = f"target {value.target:g} %"
    return f"{text} ✗ ({target})" if value.missed else f"{text} ({target})"


_TIER_ORDER = {tier: i for i, tier in enumerate(Tier)}
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the report row a table row shows


def _percent_or_none(value: float | None) -> float:
    return -1.0 if value is None else value  # "—" (nothing decided) sorts below 0 %


def report_sort_keys(row: CustomerMonth) -> list[Any]:
    """What each of a row's cells sorts by, in :data:`COLUMNS` order: numbers by value,
    texts without regard to case."""
    return [
        row.customer.name.casefold(),
        _TIER_ORDER.get(row.customer.tier, len(_TIER_ORDER)),
        (row.contract.policy if row.contract is not None else "").casefold(),
        row.opened,
        _percent_or_none(row.first_response.percent),
        _percent_or_none(row.resolution.percent),
        row.breached,
        row.credit_owed,
        _percent_or_none(row.availability.percent),
        sum(n for _category, n in row.recurring),
    ]


def report_cells(row: CustomerMonth) -> list[str]:
    """The texts of one table row, in :data:`COLUMNS` order."""
    return [
        row.customer.name,
        row.customer.tier.value.title(),
        row.contract.policy if row.contract is not None else "no contract",
        str(row.opened),
        _attainment(row.first_response),
        _attainment(row.resolution),
        _breaches(row),
        _credit(row),
        _availability(row),
        ", ".join(f"{category} ×{n}" for category, n in row.recurring),
    ]


def technician_cells(row: TechnicianMonth) -> list[tuple[str, float | str]]:
    """(text, sort key) of one technician's row, in :data:`TECHNICIAN_COLUMNS` order."""
    mean = row.mean_response_seconds
    mean_text = "—" if mean is None else format_duration(timedelta(seconds=round(mean / 60) * 60))

    def attained(value: Attainment) -> tuple[str, float | str]:
        return _attainment(value), -1.0 if value.percent is None else value.percent

    return [
        (row.technician.name, row.technician.name.lower()),
        (f"{row.handled:,}", row.handled),
        (f"{row.open_now:,}", row.open_now),
        attained(row.first_response),
        attained(row.resolution),
        (f"{row.breaches:,}", row.breaches),
        (mean_text, math.inf if mean is None else mean),
        (f"{row.escalations:,}", row.escalations),
    ]


class _SortItem(QTableWidgetItem):
    """A cell that sorts by its key (a number sorts as a number, not as text)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if isinstance(mine, int | float) and isinstance(theirs, int | float):
            return mine < theirs
        return str(mine) < str(theirs)


def _tell_with_box(parent: QWidget) -> Tell:
    def tell(title: str, message: str) -> None:
        plain_message_box(QMessageBox.Icon.Warning, title, message, parent).exec()

    return tell


def _chart_view(parent: QWidget, name: str) -> QChartView:
    view = QChartView(parent)
    view.setObjectName(name)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumSize(360, 240)
    return view


def _replace_chart(view: QChartView, chart: QChart) -> None:
    old = view.chart()
    view.setChart(chart)
    if old is not None and shiboken6.isValid(old):
        old.deleteLater()


def _month_items(combo: QComboBox, months: list[date]) -> None:
    """Fill ``combo`` with ``months``, the first "(so far)", keeping the choice if listed."""
    if combo.count() and combo.itemData(0) == months[0]:
        return
    chosen = combo.currentData()
    blocker = combo.blockSignals(True)
    try:
        combo.clear()
        for index, month in enumerate(months):
            suffix = " (so far)" if index == 0 else ""
            combo.addItem(f"{month:%B %Y}{suffix}", month)
        combo.setCurrentIndex(months.index(chosen) if chosen in months else 0)
    finally:
        combo.blockSignals(blocker)


class ReportDialog(QDialog):
    """See the module docstring. ``now`` gives the current instant for the month picker
    (injected in tests); ``tell`` shows a problem to the user (a message box)."""

    reportShown = Signal(object)  # MonthlyReport, once the table shows it
    trendsShown = Signal(object)  # TrendBook, once the charts show it
    techniciansShown = Signal(object)  # TechnicianReport, once the table shows it
    loadFailed = Signal(str)
    exported = Signal(str)  # the path written

    def __init__(
        self,
        service: Any,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        tell: Tell | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reportDialog")
        self.setWindowTitle("Monthly SLA report")
        self.setModal(False)
        self.resize(1260, 720)
        self._service = service
        self._now = now or (lambda: datetime.now(UTC))
        self._tell = tell or _tell_with_box(self)
        self._generation = 0  # of the monthly table's read
        self._trend_generation = 0
        self._technician_generation = 0
        self.report: MonthlyReport | None = None
        self.trends: TrendBook | None = None
        self.technicians: TechnicianReport | None = None
        self.statement_dialog: StatementDialog | None = None

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        label = QLabel("&Month:", self)
        self.month_combo = QComboBox(self)
        self.month_combo.setObjectName("reportMonth")
        label.setBuddy(self.month_combo)
        self.update_months()
        top.addWidget(label)
        top.addWidget(self.month_combo)
        self.status = QLabel(self)
        self.status.setObjectName("reportStatus")
        top.addWidget(self.status, 1)
        layout.addLayout(top)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("reportTabs")
        self.tabs.addTab(self._monthly_tab(), "&Monthly")
        self.tabs.addTab(self._trends_tab(), "&Trends")
        self.tabs.addTab(self._technicians_tab(), "T&echnicians")
        layout.addWidget(self.tabs, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = QPushButton("&Export CSV…", self)
        self.export_button.setObjectName("reportExport")
        self.export_button.setEnabled(False)
        self.export_button.setToolTip("The month of every customer, as numbers, for a spreadsheet")
        self.statement_button = QPushButton("Export &statement…", self)
        self.statement_button.setObjectName("reportStatement")
        self.statement_button.setToolTip("One customer's monthly SLA statement as a PDF")
        buttons.addButton(self.statement_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        self.export_button.clicked.connect(self._export_clicked)
        self.statement_button.clicked.connect(self._statement_clicked)
        layout.addWidget(buttons)

        self.month_combo.currentIndexChanged.connect(lambda _index: self.refresh())
        self.tabs.currentChanged.connect(lambda _index: self._load_current_tab())

    # ------------------------------------------------------------------ the tabs

    def _monthly_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.table = QTableWidget(0, len(COLUMNS), page)
        self.table.setObjectName("reportTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # long texts are elided; the tooltip has them whole
        breached = QTableWidgetItem("Breached")
        breached.setToolTip("Breached SLA metrics in the month: total (response/update/resolution)")
        self.table.setHorizontalHeaderItem(COLUMNS.index("Breached"), breached)
        header = self.table.horizontalHeader()
        # unsorted (the report's own order, most credit owed first) until a header is clicked
        header.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        note = QLabel(
            "Months run in each customer's first site's time zone. Attainment counts the "
            "clocks decided in the month; availability is the share of the month (so far) "
            "not covered by outage tickets. Credits are in each contract's currency.",
            page,
        )
        note.setWordWrap(True)
        note.setObjectName("reportNote")
        layout.addWidget(note)
        return page

    def _trends_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        top = QHBoxLayout()
        label = QLabel("&Customer:", page)
        self.customer_combo = QComboBox(page)
        self.customer_combo.setObjectName("trendCustomer")
        self.customer_combo.addItem("Whole desk", None)
        self.customer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        label.setBuddy(self.customer_combo)
        top.addWidget(label)
        top.addWidget(self.customer_combo)
        self.trend_note = QLabel(page)
        self.trend_note.setObjectName("trendNote")
        top.addWidget(self.trend_note, 1)
        layout.addLayout(top)
        grid = QGridLayout()
        self.trend_views = [
            _chart_view(page, name)
            for name in ("attainmentChart", "breachesChart", "creditChart", "availabilityChart")
        ]
        for index, view in enumerate(self.trend_views):
            grid.addWidget(view, index // 2, index % 2)
        layout.addLayout(grid, 1)
        self.customer_combo.currentIndexChanged.connect(lambda _index: self._draw_trends())
        return page

    def _technicians_tab(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        splitter = QSplitter(Qt.Orientation.Vertical, page)
        self.technician_table = QTableWidget(0, len(TECHNICIAN_COLUMNS), splitter)
        self.technician_table.setObjectName("technicianTable")
        self.technician_table.setHorizontalHeaderLabels(list(TECHNICIAN_COLUMNS))
        self.technician_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.technician_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.technician_table.setAlternatingRowColors(True)
        self.technician_table.verticalHeader().hide()
        self.technician_table.setSortingEnabled(True)
        header = self.technician_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tips = {
            "Handled": "Tickets the technician held while they were open in the month",
            "Open now": "Open tickets assigned to the technician now",
            "Breaches held": "SLA metrics that breached while the technician held the ticket",
            "Mean time to first response": "Business time, over the first responses given "
            "in the month",
        }
        for column, tip in tips.items():
            item = QTableWidgetItem(column)
            item.setToolTip(tip)
            self.technician_table.setHorizontalHeaderItem(TECHNICIAN_COLUMNS.index(column), item)
        self.load_view = _chart_view(splitter, "loadChart")
        self.load_view.setMinimumHeight(320)  # the days and counts stay readable
        splitter.addWidget(self.technician_table)
        splitter.addWidget(self.load_view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # by name until told otherwise
        layout.addWidget(splitter, 1)
        note = QLabel(
            "Each technician's month runs in their own time zone. What happened on a ticket "
            "counts for whoever held it at that instant.",
            page,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        return page

    # ------------------------------------------------------------------ months and reads

    def update_months(self) -> None:
        """The months to pick from, the current one first ("so far"): rebuilt when a month
        has ended since they were listed, keeping the month chosen if it is still there."""
        _month_items(self.month_combo, report_months(self._now()))

    @property
    def month(self) -> date:
        value = self.month_combo.currentData()
        assert isinstance(value, date)
        return value

    @property
    def loading(self) -> bool:
        return self.report is None or self.report.month != self.month

    def refresh(self) -> None:
        """Read the picked month's tab on the database thread; the others when shown."""
        self._read_monthly()
        self._load_current_tab()

    def _load_current_tab(self) -> None:
        index = self.tabs.currentIndex()
        if index == TRENDS_TAB and (self.trends is None or self.trends.months[-1] != self.month):
            self._read_trends()
        elif index == TECHNICIANS_TAB and (
            self.technicians is None or self.technicians.month != self.month
        ):
            self._read_technicians()

    def _submit(
        self,
        job: Callable[[Any], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        label: str,
    ) -> bool:
        try:
            self._service.submit(job, on_done, on_error, label=label, reads_only=True)
        except RuntimeError:  # the desk's database is not open (yet, or any more)
            message = (
                "The desk's database is not open, so there is no report to read; "
                "open the report again once the queue has loaded."
            )
            self.status.setText(message)
            self.loadFailed.emit(message)
            return False
        return True

    def _read_monthly(self) -> None:
        self._generation += 1
        generation, month = self._generation, self.month
        self.status.setText(f"Reading {month:%B %Y}…")
        self.export_button.setEnabled(False)
        self._submit(
            monthly_job(month),
            lambda report: self._shown(generation, report),
            lambda exc: self._failed(generation, exc, "SLA report"),
            f"Reading the SLA report for {month:%B %Y}",
        )

    def _read_trends(self) -> None:
        self._trend_generation += 1
        generation, month = self._trend_generation, self.month
        self.trend_note.setText(f"Reading the twelve months to {month:%B %Y}…")
        self._submit(
            trends_job(month),
            lambda book: self._trends_read(generation, book),
            lambda exc: self._trends_failed(generation, exc),
            f"Reading the SLA trends to {month:%B %Y}",
        )

    def _read_technicians(self) -> None:
        self._technician_generation += 1
        generation, month = self._technician_generation, self.month
        self._submit(
            technicians_job(month),
            lambda report: self._technicians_read(generation, report),
            lambda exc: self._technicians_failed(generation, exc),
            f"Reading the technicians' month {month:%B %Y}",
        )

    def _alive(self, generation: int) -> bool:
        return shiboken6.isValid(self) and generation == self._generation

    def _miss_colour(self) -> QColor:
        return _MISS_ON_DARK if ChartStyle.from_palette(self.palette()).dark else _MISS

    def _shown(self, generation: int, report: MonthlyReport) -> None:
        if not self._alive(generation):
            return
        self.report = report
        # rows in the report's order first; the column the manager sorted by, if any, after
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(report.rows))
        miss = QBrush(self._miss_colour())
        for r, row in enumerate(report.rows):
            keys = report_sort_keys(row)
            for c, text in enumerate(report_cells(row)):
                item = _SortItem(text)
                item.setData(SORT_ROLE, keys[c])
                if c == 0:
                    item.setData(ROW_ROLE, r)
                item.setToolTip(plain_tooltip(text))  # a long list of categories may be cut
                if c == COLUMNS.index("Availability") and row.availability.missed:
                    item.setForeground(miss)
                if c == COLUMNS.index("Service credit") and row.credit_owed > 0:
                    item.setForeground(miss)
                if c in (3, 4, 5, 6):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)  # sorts by the header's column, when one is chosen
        owed: dict[str, float] = {}
        for row in report.rows:
            if row.currency is not None and row.credit_owed:
                owed[row.currency] = owed.get(row.currency, 0.0) + row.credit_owed
        owed_text = ", ".join(money(amount, c) for c, amount in sorted(owed.items())) or "none"
        missed = sum(row.availability.missed for row in report.rows)
        self.status.setText(
            f"{len(report.rows):,} customers · credits owed {owed_text} · "
            f"{missed} below their availability target"
            + (f" · as of {report.at:%d %b %Y %H:%M} UTC" if report.so_far else "")
        )
        self.export_button.setEnabled(True)
        self.reportShown.emit(report)

    def _failed(self, generation: int, exc: BaseException, what: str) -> None:
        if not self._alive(generation):
            return
        message = f"The {what} for {self.month:%B %Y} could not be read: {exc}"
        self.status.setText(message)
        self.loadFailed.emit(message)

    def _trends_read(self, generation: int, book: TrendBook) -> None:
        if not shiboken6.isValid(self) or generation != self._trend_generation:
            return
        self.trends = book
        chosen = self.customer_combo.currentData()
        blocker = self.customer_combo.blockSignals(True)
        try:
            self.customer_combo.clear()
            self.customer_combo.addItem("Whole desk", None)
            for customer_id, trend in book.customers.items():
                assert trend.customer is not None
                self.customer_combo.addItem(trend.customer.name, customer_id)
            index = self.customer_combo.findData(chosen)
            self.customer_combo.setCurrentIndex(max(index, 0))
        finally:
            self.customer_combo.blockSignals(blocker)
        self._draw_trends()
        self.trendsShown.emit(book)

    def _trends_failed(self, generation: int, exc: BaseException) -> None:
        if not shiboken6.isValid(self) or generation != self._trend_generation:
            return
        message = f"The SLA trends to {self.month:%B %Y} could not be read: {exc}"
        self.trend_note.setText(message)
        self.loadFailed.emit(message)

    @property
    def trend_customer(self) -> int | None:
        value = self.customer_combo.currentData()
        return value if isinstance(value, int) else None

    def _draw_trends(self) -> None:
        book = self.trends
        if book is None:
            return
        trend = book.for_customer(self.trend_customer)
        style = ChartStyle.from_palette(self.palette())
        for view, chart in zip(self.trend_views, trend_charts(trend, style), strict=True):
            _replace_chart(view, chart)
        first, last = book.months[0], book.months[-1]
        self.trend_note.setText(
            f"{first:%B %Y} to {last:%B %Y}, each customer's months in its first site's "
            "time zone. Point at a point or bar for its exact figure."
        )

    def _technicians_read(self, generation: int, report: TechnicianReport) -> None:
        if not shiboken6.isValid(self) or generation != self._technician_generation:
            return
        self.technicians = report
        table = self.technician_table
        table.setSortingEnabled(False)
        table.setRowCount(len(report.rows))
        for r, row in enumerate(report.rows):
            for c, (text, key) in enumerate(technician_cells(row)):
                item = _SortItem(text)
                item.setData(SORT_ROLE, key)
                if c:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                table.setItem(r, c, item)
        table.setSortingEnabled(True)
        self._draw_load()
        self.techniciansShown.emit(report)

    def _technicians_failed(self, generation: int, exc: BaseException) -> None:
        if not shiboken6.isValid(self) or generation != self._technician_generation:
            return
        message = f"The technicians' month {self.month:%B %Y} could not be read: {exc}"
        self.status.setText(message)
        self.loadFailed.emit(message)

    def _draw_load(self) -> None:
        if self.technicians is not None:
            style = ChartStyle.from_palette(self.palette())
            _replace_chart(self.load_view, load_chart(self.technicians, style))

    def changeEvent(self, event: QEvent) -> None:
        """A new palette (light to dark, or back) redraws the charts in it."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._draw_trends()
            self._draw_load()
        super().changeEvent(event)

    def shown_rows(self) -> tuple[CustomerMonth, ...]:
        """The report's rows in the order the table shows them (as the manager sorted)."""
        report = self.report
        if report is None:
            return ()
        rows = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            index = item.data(ROW_ROLE) if item is not None else None
            if isinstance(index, int) and 0 <= index < len(report.rows):
                rows.append(report.rows[index])
        return tuple(rows)

    def shown_cells(self) -> list[list[str]]:
        """The table's texts, row by row, as on screen."""
        return [
            [
                (item.text() if (item := self.table.item(r, c)) is not None else "")
                for c in range(self.table.columnCount())
            ]
            for r in range(self.table.rowCount())
        ]

    def shown_technicians(self) -> list[list[str]]:
        """The technicians' table's texts, row by row, in the order shown."""
        table = self.technician_table
        return [
            [
                (item.text() if (item := table.item(r, c)) is not None else "")
                for c in range(table.columnCount())
            ]
            for r in range(table.rowCount())
        ]

    # ------------------------------------------------------------------ exports

    @Slot()
    def _export_clicked(self) -> None:
        self.export_csv()

    def export_csv(self, path: str | Path | None = None, *, raw: bool = False) -> Path | None:
        """Write the month shown as CSV numbers (header first) to ``path``, asking for one
        when None. Returns the path written, or None when cancelled or it failed."""
        report = self.report
        if report is None:
            return None
        if path is None:
            suggested = f"sla-report-{report.month:%Y-%m}.csv"
            chosen, _filter = QFileDialog.getSaveFileName(
                self, "Export the SLA report", suggested, "CSV files (*.csv)"
            )
            if not chosen:
                return None
            path = chosen
        try:
            # in the order shown: a manager who sorted by breaches exports it so
            shown = replace(report, rows=self.shown_rows() or report.rows)
            target = write_monthly_csv(shown, path, raw=raw)
        except ExportError as exc:
            self._tell("Export failed", str(exc))
            return None
        self.exported.emit(str(target))
        return target

    @Slot()
    def _statement_clicked(self) -> None:
        self.open_statement()

    def open_statement(self) -> StatementDialog:
        """The statement exporter, for the customer picked on the trends tab (or the
        monthly table's selected row) and the month shown."""
        customer = self.trend_customer if self.tabs.currentIndex() == TRENDS_TAB else None
        row = self.table.currentRow()
        if customer is None and self.report is not None and 0 <= row < len(self.report.rows):
            customer = self.report.rows[row].customer.id
        if self.statement_dialog is None or not shiboken6.isValid(self.statement_dialog):
            self.statement_dialog = StatementDialog(self._service, self, now=self._now)
        self.statement_dialog.choose(customer, self.month)
        self.statement_dialog.show()
        return self.statement_dialog


class StatementDialog(QDialog):
    """File → Export statement…: pick a customer and a month, then where the PDF goes.

    The customers and the statement are read on the database thread; the PDF is drawn on
    the GUI thread (Qt's charts and text layout live there), a fraction of a second."""

    customersShown = Signal(int)  # how many customers the picker lists
    statementExported = Signal(str)  # the path written
    exportFailed = Signal(str)

    def __init__(
        self,
        service: Any,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        tell: Tell | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statementDialog")
        self.setWindowTitle("Export SLA statement")
        self._service = service
        self._now = now or (lambda: datetime.now(UTC))
        self._tell = tell or _tell_with_box(self)
        self._wanted_customer: int | None = None
        self._busy = False
        layout = QGridLayout(self)
        customer_label = QLabel("&Customer:", self)
        self.customer_combo = QComboBox(self)
        self.customer_combo.setObjectName("statementCustomer")
        self.customer_combo.setMinimumWidth(260)
        customer_label.setBuddy(self.customer_combo)
        month_label = QLabel("&Month:", self)
        self.month_combo = QComboBox(self)
        self.month_combo.setObjectName("statementMonth")
        month_label.setBuddy(self.month_combo)
        _month_items(self.month_combo, report_months(self._now()))
        self.status = QLabel(self)
        self.status.setObjectName("statementStatus")
        self.status.setWordWrap(True)
        layout.addWidget(customer_label, 0, 0)
        layout.addWidget(self.customer_combo, 0, 1)
        layout.addWidget(month_label, 1, 0)
        layout.addWidget(self.month_combo, 1, 1)
        layout.addWidget(self.status, 2, 0, 1, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = QPushButton("&Export PDF…", self)
        self.export_button.setObjectName("statementExport")
        self.export_button.setEnabled(False)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.close)
        self.export_button.clicked.connect(self._export_clicked)
        layout.addWidget(buttons, 3, 0, 1, 2)
        self._read_customers()

    def _read_customers(self) -> None:
        self.status.setText("Reading the customers…")
        try:
            self._service.submit(
                customers_job(),
                self._customers_read,
                self._customers_failed,
                label="Reading the customers for a statement",
                reads_only=True,
            )
        except RuntimeError:
            self.status.setText(
                "The desk's database is not open; export the statement once the queue has loaded."
            )

    def _customers_read(self, customers: list[Any]) -> None:
        if not shiboken6.isValid(self):
            return
        self.customer_combo.clear()
        for customer in customers:
            self.customer_combo.addItem(customer.name, customer.id)
        self.export_button.setEnabled(bool(customers))
        self.status.setText("" if customers else "The desk has no customers yet.")
        if self._wanted_customer is not None:
            self.choose(self._wanted_customer, None)
        self.customersShown.emit(len(customers))

    def _customers_failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self.status.setText(f"The customers could not be read: {exc}")

    def choose(self, customer_id: int | None, month: date | None) -> None:
        """Pick ``customer_id`` (once the list has it) and ``month`` when given."""
        if customer_id is not None:
            index = self.customer_combo.findData(customer_id)
            self._wanted_customer = None if index >= 0 else customer_id
            if index >= 0:
                self.customer_combo.setCurrentIndex(index)
        if month is not None:
            listed = [self.month_combo.itemData(i) for i in range(self.month_combo.count())]
            if month in listed:  # (findData cannot compare dates)
                self.month_combo.setCurrentIndex(listed.index(month))

    @property
    def customer_id(self) -> int | None:
        value = self.customer_combo.currentData()
        return value if isinstance(value, int) else None

    @property
    def month(self) -> date:
        value = self.month_combo.currentData()
        assert isinstance(value, date)
        return value

    @Slot()
    def _export_clicked(self) -> None:
        customer_id = self.customer_id
        if customer_id is None:
            return
        name = self.customer_combo.currentText()
        safe = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-").lower()
        suggested = f"sla-statement-{safe or 'customer'}-{self.month:%Y-%m}.pdf"
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Export the SLA statement", suggested, "PDF files (*.pdf)"
        )
        if chosen:
            self.export(customer_id, self.month, chosen)

    def export(self, customer_id: int, month: date, path: str | Path) -> None:
        """Read the statement on the database thread, then write it to ``path``; answers
        with ``statementExported`` or ``exportFailed`` (and a message to the user)."""
        if self._busy:
            return
        self._busy = True
        self.export_button.setEnabled(False)
        self.status.setText(f"Reading the statement for {month:%B %Y}…")
        try:
            self._service.submit(
                statement_job(customer_id, month),
                lambda statement: self._write(statement, Path(path)),
                self._read_failed,
                label=f"Reading an SLA statement for {month:%B %Y}",
                reads_only=True,
            )
        except RuntimeError:
            self._fail("The desk's database is not open; try again once the queue has loaded.")

    def _write(self, statement: Statement, path: Path) -> None:
        if not shiboken6.isValid(self):
            return
        from desktop_app.views.statement_pdf import write_statement_pdf

        try:
            write_statement_pdf(statement, path)
        except ExportError as exc:
            self._fail(str(exc))
            return
        self._busy = False
        self.export_button.setEnabled(True)
        note = " (a quiet month: nothing to report)" if statement.empty else ""
        self.status.setText(f"Wrote {path}{note}.")
        self.statementExported.emit(str(path))

    def _read_failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            self._fail(f"The statement could not be read: {exc}")

    def _fail(self, message: str) -> None:
        self._busy = False
        self.export_button.setEnabled(self.customer_combo.count() > 0)
        self.status.setText(message)
        self.exportFailed.emit(message)
        self._tell("Statement not exported", message)


class ReportAction(QObject):
    """The View menu's "Monthly SLA report…", File → "Export statement…", and the windows
    they open."""

    def __init__(self, session: Any, *, now: Callable[[], datetime] | None = None) -> None:
        super().__init__(session)
        self._session = session
        self._now = now
        self.dialog: ReportDialog | None = None
        self.statement_dialog: StatementDialog | None = None
        window = session.window
        self.action = QAction("Monthly SLA &report…", self)
        self.action.setObjectName("actionMonthlyReport")
        self.action.setShortcut(QKeySequence(REPORT_SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setToolTip("Every customer's month: attainment, credits, availability")
        self.action.triggered.connect(self.open)
        window.addAction(self.action)
        view_menu = window.findChild(QMenu, "menuView")
        if view_menu is None:
            view_menu = window.menuBar().addMenu("&View")
            view_menu.setObjectName("menuView")
        view_menu.addSeparator()
        view_menu.addAction(self.action)

        self.statement_action = QAction("Export &statement…", self)
        self.statement_action.setObjectName("actionExportStatement")
        self.statement_action.setToolTip("A customer's monthly SLA statement as a PDF")
        self.statement_action.triggered.connect(self.open_statement)
        file_menu = window.findChild(QMenu, "menuFile")
        if file_menu is None:
            file_menu = window.menuBar().addMenu("&File")
            file_menu.setObjectName("menuFile")
        actions = file_menu.actions()
        before = actions[0] if actions else None
        file_menu.insertAction(before, self.statement_action)
        if before is not None:
            file_menu.insertSeparator(before)

    @Slot()
    def open(self) -> ReportDialog:
        """Show the report (the one already open is raised and refreshed)."""
        if self.dialog is None or not shiboken6.isValid(self.dialog):
            self.dialog = ReportDialog(self._session.service, self._session.window, now=self._now)
        self.dialog.update_months()  # a month may have ended while it stayed open
        self.dialog.show()
        if QGuiApplication.platformName() not in _NO_WINDOW_STACKING:
            self.dialog.raise_()
            self.dialog.activateWindow()
        self.dialog.refresh()
        return self.dialog

    @Slot()
    def open_statement(self) -> StatementDialog:
        """File → Export statement…: the exporter for last month (a statement is sent
        once a month has ended)."""
        if self.statement_dialog is None or not shiboken6.isValid(self.statement_dialog):
            self.statement_dialog = StatementDialog(
                self._session.service, self._session.window, now=self._now
            )
            months = report_months((self._now or (lambda: datetime.now(UTC)))())
            self.statement_dialog.choose(None, months[1])
        self.statement_dialog.show()
        return self.statement_dialog

    def stop(self) -> None:
        for dialog in (self.dialog, self.statement_dialog):
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.close()


def attach_report(session: Any, *, now: Callable[[], datetime] | None = None) -> ReportAction:
    """The composition root's one line: the reports in the session's View and File menus."""
    return ReportAction(session, now=now)
