"""Glue between the queue table and its model: the once-a-second tick and the status line.

The tick runs only while the window is shown (a named QTimer stopped on hide and on
minimise) and refreshes only the rows the view displays, so its cost does not grow with
the size of the desk. :func:`keeping_view_anchored` keeps what the technician looks at
in place while the whole queue replaces its first screenful.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QWidget

from desktop_app.domain import Priority
from desktop_app.models.queue_model import (
    HEADERS,
    TICKET_ID_ROLE,
    Column,
    QueueModel,
    format_remaining,
)

TICK_MS = 1000


class QueueTicker(QObject):
    """Ticks ``model`` for the rows ``view`` shows, once a second, while it is visible."""

    def __init__(self, view: QTableView, model: QueueModel, interval_ms: int = TICK_MS) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        self._timer = QTimer(self)
        self._timer.setObjectName("queue-countdown")
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)
        self._window: QWidget = view.window()
        self._window.installEventFilter(self)
        if self._window.isVisible() and not self._window.isMinimized():
            self._timer.start()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        self._timer.stop()

    def visible_rows(self) -> tuple[int, int]:
        """First and last row the viewport shows (an empty range is (0, -1))."""
        count = self._model.rowCount()
        if count == 0:
            return 0, -1
        first = self._view.rowAt(0)
        last = self._view.rowAt(self._view.viewport().height() - 1)
        first = 0 if first < 0 else first
        last = count - 1 if last < 0 else last
        return first, last

    @Slot()
    def tick(self) -> None:
        first, last = self.visible_rows()
        self._model.tick(first, max(first, last))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window:
            kind = event.type()
            if kind == QEvent.Type.Show and not self._window.isMinimized():
                self.tick()  # catch up at once, then every second
                self._timer.start()
            elif kind == QEvent.Type.Hide:
                self._timer.stop()
            elif kind == QEvent.Type.WindowStateChange:
                if self._window.isMinimized():
                    self._timer.stop()
                elif self._window.isVisible():
                    self.tick()
                    self._timer.start()
        return False


def status_text(model: QueueModel) -> str:
    """``312 open · 41 at risk · 12 breached · next breach in 14 min``."""
    total, at_risk, breached, next_breach = model.counts()
    if model.partial:
        return f"Loading the whole queue… the {total:,} tickets that breach first are shown"
    parts = [f"{total:,} open", f"{at_risk:,} at risk", f"{breached:,} breached"]
    if next_breach is not None:
        parts.append(f"next breach in {format_remaining(next_breach)}")
    shown = model.rowCount()
    if shown != total:
        parts.append(f"{shown:,} shown")
    return " · ".join(parts)


class QueueStatus(QObject):
    """Keeps a status-bar label in step with the queue's counts."""

    def __init__(self, label: QLabel, model: QueueModel) -> None:
        super().__init__(label)
        self._label = label
        self._model = model
        model.countsChanged.connect(self.refresh)
        model.rowsInserted.connect(self.refresh)
        model.rowsRemoved.connect(self.refresh)
        model.layoutChanged.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        self._label.setText(status_text(self._model))


class QueueKeys(QObject):
    """Enter opens the current ticket; emits its id."""

    ticketActivated = Signal(int)

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self._view = view
        view.installEventFilter(self)
        view.activated.connect(self._activated)

    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        ticket_id = index.data(TICKET_ID_ROLE)
        if isinstance(ticket_id, int):
            self.ticketActivated.emit(ticket_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            current = self._view.currentIndex()
            if current.isValid():
                self._activated(current)
                return True
        return False


@dataclass(frozen=True, slots=True)
class ViewAnchor:
    """A ticket on screen and the top of its row, in viewport pixels."""

    ticket_id: int
    y: int


def _on_screen(view: QTableView, row: int) -> bool:
    y = view.rowViewportPosition(row)
    return row >= 0 and y + view.rowHeight(row) > 0 and y < view.viewport().height()


def view_anchors(view: QTableView) -> list[ViewAnchor]:
    """What the technician is looking at, best first: the current ticket when its row is
    on screen, then the ticket in the first row shown whole."""
    anchors = []
    top = view.rowAt(0)
    if top >= 0 and view.rowViewportPosition(top) < 0:
        top += 1  # the top row is cut off (scrolled to the end): the first whole one
    for row in (view.currentIndex().row(), top):
        if row >= 0 and _on_screen(view, row):
            ticket_id = view.model().index(row, 0).data(TICKET_ID_ROLE)
            if isinstance(ticket_id, int):
                anchors.append(ViewAnchor(ticket_id, view.rowViewportPosition(row)))
    return anchors


def restore_view_anchor(view: QTableView, model: QueueModel, anchors: list[ViewAnchor]) -> None:
    """Scroll so the first anchor still shown sits where it was on screen."""
    for anchor in anchors:
        row = model.row_of(anchor.ticket_id)
        if row is None:
            continue
        view.updateGeometries()  # the scroll range of the new row count, now
        shift = view.rowViewportPosition(row) - anchor.y
        bar = view.verticalScrollBar()
        if view.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerPixel:
            bar.setValue(bar.value() + shift)
        else:  # the bar counts rows (of equal height in the queue)
            bar.setValue(bar.value() + round(shift / max(1, view.rowHeight(row))))
        return


@contextmanager
def keeping_view_anchored(view: QTableView, model: QueueModel) -> Iterator[None]:
    """Keep the current ticket (or else the top row's) where it is on screen across a
    change of many rows, such as the whole queue replacing its first screenful.
    (Scrolling by rows, the view may shift by part of a row.)"""
    anchors = view_anchors(view)
    yield
    restore_view_anchor(view, model, anchors)


def configure_queue_view(view: QTableView, model: QueueModel) -> None:
    """Row selection, sensible column sizes, sorting by a header click (the model sorts
    its own rows; time to breach first is the default), drag enabled for the board."""
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.horizontalHeader().setSortIndicator(Column.COUNTDOWN, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.setDragEnabled(True)
    view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in column_widths(view).items():
        view.setColumnWidth(column, width)
    # the columns a technician works from come first; the clock's name and the site's
    # local time (also in the countdown's tooltip) after them
    for column in LATER_COLUMNS:
        header.moveSection(header.visualIndex(column), header.count() - 1)


# What must be on screen without scrolling sideways, left to right after the countdown.
KEY_COLUMNS = (
    Column.COUNTDOWN,
    Column.PRIORITY,
    Column.NUMBER,
    Column.SUBJECT,
    Column.CUSTOMER,
    Column.ASSIGNEE,
    Column.STATUS,
    Column.ESCALATION,
    Column.CRITICISM,
)
LATER_COLUMNS = (Column.CLOCK, Column.SITE_TIME)
SUBJECT_MIN = 120  # a subject narrower than this is not worth reading
SUBJECT_ROOMY = 260  # with this much or more, the later columns join in


def column_widths(view: QTableView) -> dict[Column, int]:
    """Widths that fit what each column shows, in the view's own font (the longest
    countdown, "47 h 59 min left (business hours)", whole)."""
    metrics = view.fontMetrics()
    pad = 14  # cell margins and a little air

    def fit(*texts: str, extra: int = 0) -> int:
        return max(metrics.horizontalAdvance(t) for t in texts) + pad + extra

    header = view.horizontalHeader().fontMetrics()

    def heading(column: Column) -> int:
        return header.horizontalAdvance(HEADERS[column]) + pad

    widths = {
        Column.COUNTDOWN: fit("47 h 59 min left (business hours)", extra=20),  # and icon
        Column.CLOCK: fit("first response"),
        Column.PRIORITY: fit(*(p.label for p in Priority)),
        Column.NUMBER: fit("TQ-000000"),
        Column.SUBJECT: 240,
        Column.CUSTOMER: fit("Harbourfront Den"),  # the whole name is in its tooltip
        Column.SITE_TIME: fit("Wed 23:59"),
        Column.ASSIGNEE: fit("Marc Tremblay"),
        Column.STATUS: fit("waiting"),
        Column.ESCALATION: fit("9"),
        Column.CRITICISM: fit("⚑ 99"),
    }
    return {column: max(width, heading(column)) for column, width in widths.items()}


class QueueColumns(QObject):
    """Keeps the key columns (:data:`KEY_COLUMNS`) on screen: the subject takes what the
    window leaves, and the later columns come into view when there is room for them.
    Once the technician drags a column (or a remembered layout was restored) the widths
    are theirs and this stays out of the way."""

    def __init__(self, view: QTableView, *, fit: bool = True) -> None:
        super().__init__(view)
        self._view = view
        self._header = view.horizontalHeader()
        self._fitting = False
        self.by_hand = not fit
        self._header.sectionResized.connect(self._resized)
        self._viewport = view.viewport()
        self._viewport.installEventFilter(self)
        self.fit()

    def fit(self) -> None:
        if self.by_hand:
            return
        header = self._header
        room = self._view.viewport().width()
        if room <= 0:
            return

        def widths(columns: Iterable[Column]) -> int:
            return sum(
                header.sectionSize(c)
                for c in columns
                if c != Column.SUBJECT and not header.isSectionHidden(c)
            )

        everything = room - widths(Column)
        subject = everything if everything >= SUBJECT_ROOMY else room - widths(KEY_COLUMNS)
        self._fitting = True
        try:
            header.resizeSection(Column.SUBJECT, max(SUBJECT_MIN, subject))
        finally:
            self._fitting = False

    @Slot(int, int, int)
    def _resized(self, _column: int, _old: int, _new: int) -> None:
        if not self._fitting and QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
            self.by_hand = True  # a drag of a column's edge

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self.fit()
        return False


def follow_sort_indicator(view: QTableView, model: QueueModel) -> None:
    """Sort ``model`` as the header says (after a remembered header was restored: Qt
    restores the arrow without asking the model to sort)."""
    header = view.horizontalHeader()
    section = header.sortIndicatorSection()
    if 0 <= section < len(Column):
        model.sort(section, header.sortIndicatorOrder())


__all__ = [
    "KEY_COLUMNS",
    "LATER_COLUMNS",
    "QueueColumns",
    "QueueKeys",
    "QueueStatus",
    "QueueTicker",
    "ViewAnchor",
    "column_widths",
    "configure_queue_view",
    "follow_sort_indicator",
    "keeping_view_anchored",
    "restore_view_anchor",
    "status_text",
    "view_anchors",
]
