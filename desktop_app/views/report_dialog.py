"""View → Monthly SLA report…: every customer's month on one screen, for managers.

A non-modal dialog with a month picker (the current month, "so far", and a year back) and a
table, one row per customer, most service credit owed first, then most breaches (a click on
a column's header sorts by that column, by value: 10 breaches after 9). The report
is read in one job on the desk service's database thread
(:func:`desktop_app.store.reports.monthly_report`); the GUI thread only fills the table,
and an answer for a month the manager has already left is dropped. "Export CSV…" writes
exactly the cells the table shows.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QBrush, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import Metric, Tier
from desktop_app.domain.queue import Attainment
from desktop_app.models.plain_text import plain_tooltip
from desktop_app.sla.reports import report_months
from desktop_app.store.reports import CustomerMonth, MonthlyReport, monthly_report
from desktop_app.views.message_box import plain_message_box

__all__ = [
    "COLUMNS",
    "REPORT_SHORTCUT",
    "SORT_ROLE",
    "ReportAction",
    "ReportDialog",
    "attach_report",
    "report_cells",
    "report_sort_keys",
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
_MISS = QColor("#7a1c16")
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
    if credit is None:
        return ""
    text = f"{credit.percent:g} % · {credit.amount:,.2f}"
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


class _Cell(QTableWidgetItem):
    """A report cell that sorts by its value (:data:`SORT_ROLE`), not by its text."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if mine is None or theirs is None or type(mine) is not type(theirs):
            return super().__lt__(other)
        return bool(mine < theirs)


def report_cells(row: CustomerMonth) -> list[str]:
    """The texts of one table row, in :data:`COLUMNS` order (the CSV writes the same)."""
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


def _tell_with_box(parent: QWidget) -> Tell:
    def tell(title: str, message: str) -> None:
        plain_message_box(QMessageBox.Icon.Warning, title, message, parent).exec()

    return tell


class ReportDialog(QDialog):
    """See the module docstring. ``now`` gives the current instant for the month picker
    (injected in tests); ``tell`` shows a problem to the user (a message box)."""

    reportShown = Signal(object)  # MonthlyReport, once the table shows it
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
        self.resize(1260, 520)
        self._service = service
        self._now = now or (lambda: datetime.now(UTC))
        self._tell = tell or _tell_with_box(self)
        self._generation = 0
        self.report: MonthlyReport | None = None

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

        self.table = QTableWidget(0, len(COLUMNS), self)
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
            "not covered by outage tickets.",
            self,
        )
        note.setWordWrap(True)
        note.setObjectName("reportNote")
        layout.addWidget(note)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = QPushButton("&Export CSV…", self)
        self.export_button.setObjectName("reportExport")
        self.export_button.setEnabled(False)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        self.export_button.clicked.connect(self._export_clicked)
        layout.addWidget(buttons)

        self.month_combo.currentIndexChanged.connect(lambda _index: self.refresh())

    def update_months(self) -> None:
        """The months to pick from, the current one first ("so far"): rebuilt when a month
        has ended since they were listed, keeping the month chosen if it is still there."""
        months = report_months(self._now())
        if self.month_combo.count() and self.month_combo.itemData(0) == months[0]:
            return
        chosen = self.month_combo.currentData()
        blocker = self.month_combo.blockSignals(True)
        try:
            self.month_combo.clear()
            for index, month in enumerate(months):
                suffix = " (so far)" if index == 0 else ""
                self.month_combo.addItem(f"{month:%B %Y}{suffix}", month)
            kept = months.index(chosen) if chosen in months else 0
            self.month_combo.setCurrentIndex(kept)
        finally:
            self.month_combo.blockSignals(blocker)

    @property
    def month(self) -> date:
        value = self.month_combo.currentData()
        assert isinstance(value, date)
        return value

    @property
    def loading(self) -> bool:
        return self.report is None or self.report.month != self.month

    def refresh(self) -> None:
        """Read the picked month on the database thread."""
        self._generation += 1
        generation, month = self._generation, self.month
        self.status.setText(f"Reading {month:%B %Y}…")
        self.export_button.setEnabled(False)
        try:
            self._service.submit(
                lambda store: monthly_report(store, month),
                lambda report: self._shown(generation, report),
                lambda exc: self._failed(generation, exc),
                label=f"Reading the SLA report for {month:%B %Y}",
                reads_only=True,
            )
        except RuntimeError:  # the desk's database is not open (yet, or any more)
            message = (
                "The desk's database is not open, so there is no report to read; "
                "open the report again once the queue has loaded."
            )
            self.status.setText(message)
            self.loadFailed.emit(message)

    def _alive(self, generation: int) -> bool:
        return shiboken6.isValid(self) and generation == self._generation

    def _shown(self, generation: int, report: MonthlyReport) -> None:
        if not self._alive(generation):
            return
        self.report = report
        # rows in the report's order first; the column the manager sorted by, if any, after
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(report.rows))
        for r, row in enumerate(report.rows):
            keys = report_sort_keys(row)
            for c, text in enumerate(report_cells(row)):
                item = _Cell(text)
                item.setData(SORT_ROLE, keys[c])
                item.setToolTip(plain_tooltip(text))  # a long list of categories may be cut
                if c == COLUMNS.index("Availability") and row.availability.missed:
                    item.setForeground(QBrush(_MISS))
                if c == COLUMNS.index("Service credit") and row.credit_owed > 0:
                    item.setForeground(QBrush(_MISS))
                if c in (3, 4, 5, 6):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)  # sorts by the header's column, when one is chosen
        owed = sum(row.credit_owed for row in report.rows)
        missed = sum(row.availability.missed for row in report.rows)
        self.status.setText(
            f"{len(report.rows):,} customers · credits owed {owed:,.2f} · "
            f"{missed} below their availability target"
            + (f" · as of {report.at:%d %b %Y %H:%M} UTC" if report.so_far else "")
        )
        self.export_button.setEnabled(True)
        self.reportShown.emit(report)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if not self._alive(generation):
            return
        message = f"The SLA report for {self.month:%B %Y} could not be read: {exc}"
        self.status.setText(message)
        self.loadFailed.emit(message)

    def shown_cells(self) -> list[list[str]]:
        """The table's texts, row by row, as on screen."""
        return [
            [
                (item.text() if (item := self.table.item(r, c)) is not None else "")
                for c in range(self.table.columnCount())
            ]
            for r in range(self.table.rowCount())
        ]

    @Slot()
    def _export_clicked(self) -> None:
        self.export_csv()

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the table as shown (header first) to ``path``, asking for one when None.
        Returns the path written, or None when cancelled or the file could not be written."""
        if path is None:
            suggested = f"sla-report-{self.month:%Y-%m}.csv"
            chosen, _filter = QFileDialog.getSaveFileName(
                self, "Export the SLA report", suggested, "CSV files (*.csv)"
            )
            if not chosen:
                return None
            path = chosen
        target = Path(path)
        try:
            with target.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(COLUMNS)
                writer.writerows(self.shown_cells())
        except OSError as exc:
            self._tell(
                "Export failed",
                f"The report could not be written to {target}: {exc.strerror or exc}. "
                "Choose a folder you can write to, or close the file if another program "
                "has it open.",
            )
            return None
        self.exported.emit(str(target))
        return target


class ReportAction(QObject):
    """The View menu's "Monthly SLA report…" and the one dialog it opens."""

    def __init__(self, session: Any, *, now: Callable[[], datetime] | None = None) -> None:
        super().__init__(session)
        self._session = session
        self._now = now
        self.dialog: ReportDialog | None = None
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

    def stop(self) -> None:
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.close()


def attach_report(session: Any, *, now: Callable[[], datetime] | None = None) -> ReportAction:
    """The composition root's one line: the monthly report in the session's View menu."""
    return ReportAction(session, now=now)
