"""The queue table: the tick runs only while shown and refreshes only the visible rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QTableView

from desktop_app.models.queue_model import TICKET_ID_ROLE, Column, QueueFilter, QueueModel
from desktop_app.views.queue_view import (
    QueueKeys,
    QueueStatus,
    QueueTicker,
    configure_queue_view,
    keeping_view_anchored,
    status_text,
)
from support.queue_entries import FakeNow, entry


@pytest.fixture
def window(qtbot: Any) -> tuple[QMainWindow, QTableView, QueueModel, FakeNow]:
    now = FakeNow()
    model = QueueModel(now=now)
    model.load([entry(i, timedelta(minutes=10 * i)) for i in range(1, 1001)])
    win = QMainWindow()
    view = QTableView()
    win.setCentralWidget(view)
    configure_queue_view(view, model)
    win.resize(900, 400)
    qtbot.addWidget(win)
    return win, view, model, now


def test_tick_runs_only_while_the_window_is_shown(qtbot: Any, window: Any) -> None:
    win, view, model, _now = window
    ticker = QueueTicker(view, model)
    assert not ticker.active
    win.show()
    qtbot.waitExposed(win)
    assert ticker.active
    win.hide()
    assert not ticker.active
    ticker.stop()


def test_tick_covers_only_the_rows_on_screen(qtbot: Any, window: Any) -> None:
    win, view, model, now = window
    ticker = QueueTicker(view, model, interval_ms=60_000)
    win.show()
    qtbot.waitExposed(win)
    first, last = ticker.visible_rows()
    assert first == 0
    assert 5 < last < 30  # a 400 px window shows a screenful, not 1000 rows
    view.scrollToBottom()
    first, last = ticker.visible_rows()
    assert last == 999 and first > 970
    now.advance(seconds=1)
    with qtbot.waitSignal(model.dataChanged) as changed:
        ticker.tick()
    top, bottom = changed.args[0], changed.args[1]
    assert (top.row(), bottom.row()) == (first, last)
    assert top.column() == bottom.column() == Column.COUNTDOWN
    ticker.stop()


def test_scroll_and_selection_survive_a_move(qtbot: Any, window: Any) -> None:
    win, view, model, _now = window
    win.show()
    qtbot.waitExposed(win)
    view.scrollTo(model.index(500, 0), QTableView.ScrollHint.PositionAtTop)
    top_before = view.rowAt(0)
    view.selectionModel().select(
        model.index(510, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    selected_id = model.ticket_id_at(510)
    # a ticket far above the viewport moves further down, out of sight
    model.upsert(entry(3, timedelta(days=30)))
    assert abs(view.rowAt(0) - top_before) <= 1  # the viewport did not jump
    rows = view.selectionModel().selectedRows()
    assert [r.data(TICKET_ID_ROLE) for r in rows] == [selected_id]


def test_enter_opens_the_current_ticket(qtbot: Any, window: Any) -> None:
    win, view, model, _now = window
    keys = QueueKeys(view)
    win.show()
    qtbot.waitExposed(win)
    view.setCurrentIndex(model.index(2, 0))
    with qtbot.waitSignal(keys.ticketActivated) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [model.ticket_id_at(2)]


def test_status_line_follows_the_counts(qtbot: Any, window: Any) -> None:
    _win, _view, model, now = window
    label = QLabel()
    QueueStatus(label, model)
    assert label.text().startswith("1,000 open · ")
    assert "next breach in 10 min" in label.text()
    now.advance(minutes=25)
    model.tick(0, 10)
    assert "2 breached" in label.text()
    model.set_filter(QueueFilter(quick="breached"))
    assert label.text().endswith("2 shown")
    assert status_text(model) == label.text()


# --- the whole queue replacing its first screenful ---------------------------------------


def _head_and_whole(ahead: int) -> tuple[list[Any], list[Any]]:
    """A first screenful of 40 tickets and a whole queue with ``ahead`` tickets that
    breach before all of them (created while the whole queue was read)."""
    head = [entry(i, timedelta(minutes=10 * i)) for i in range(1, 41)]
    newer = [entry(5000 + i, timedelta(seconds=i)) for i in range(ahead)]
    return head, newer + [entry(i, timedelta(minutes=10 * i)) for i in range(1, 501)]


def _shown(qtbot: Any, head: list[Any]) -> tuple[QMainWindow, QTableView, QueueModel]:
    model = QueueModel(now=FakeNow())
    model.load(head, partial=True)
    win = QMainWindow()
    view = QTableView()
    win.setCentralWidget(view)
    configure_queue_view(view, model)
    win.resize(900, 400)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win, view, model


def _on_screen(view: QTableView, ticket_id: int, model: QueueModel) -> int | None:
    """The ticket's row top in viewport pixels, if its row is on screen."""
    row = model.row_of(ticket_id)
    assert row is not None
    y = view.rowViewportPosition(row)
    return y if 0 <= y < view.viewport().height() else None


@pytest.mark.parametrize("mode", ["item", "pixel"])
def test_the_current_ticket_stays_where_it_was_on_screen(qtbot: Any, mode: str) -> None:
    head, whole = _head_and_whole(ahead=30)
    _win, view, model = _shown(qtbot, head)
    if mode == "pixel":
        view.setVerticalScrollMode(QTableView.ScrollMode.ScrollPerPixel)
    view.setCurrentIndex(model.index_of(25))
    view.scrollTo(model.index_of(25))
    before = _on_screen(view, 25, model)
    assert before is not None
    with keeping_view_anchored(view, model):
        model.load(whole)
    assert view.currentIndex().data(TICKET_ID_ROLE) == 25
    assert model.row_of(25) == 54  # thirty rows further down...
    assert _on_screen(view, 25, model) == before  # ...and still in the same place


def test_without_a_current_ticket_on_screen_the_top_row_stays(qtbot: Any) -> None:
    head, whole = _head_and_whole(ahead=12)
    _win, view, model = _shown(qtbot, head)
    view.setCurrentIndex(model.index_of(2))
    view.scrollTo(model.index_of(11), QTableView.ScrollHint.PositionAtTop)
    top = model.ticket_id_at(view.rowAt(0))
    assert _on_screen(view, 2, model) is None
    with keeping_view_anchored(view, model):
        model.load(whole)
    assert model.ticket_id_at(view.rowAt(0)) == top
    assert view.currentIndex().data(TICKET_ID_ROLE) == 2  # still current, off screen


def test_an_anchor_that_left_the_queue_leaves_the_scroll_alone(qtbot: Any) -> None:
    head, whole = _head_and_whole(ahead=0)
    _win, view, model = _shown(qtbot, head)
    view.setCurrentIndex(model.index_of(1))
    with keeping_view_anchored(view, model):
        model.load([e for e in whole if e.ticket_id != 1])
    assert not view.currentIndex().isValid()
    assert view.verticalScrollBar().value() == 0


def test_clicking_a_header_sorts_the_queue_and_again_reverses_it(qtbot: Any, window: Any) -> None:
    win, view, model, _now = window
    win.show()
    qtbot.waitExposed(win)
    header = view.horizontalHeader()
    assert header.sortIndicatorSection() == Column.COUNTDOWN  # time to breach by default
    assert model.sort_column == Column.COUNTDOWN
    first = model.ticket_id_at(0)

    def click(column: Column) -> None:
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))

    view.scrollTo(model.index(0, Column.NUMBER))
    click(Column.NUMBER)
    assert model.sort_column == Column.NUMBER
    assert model.sort_order == Qt.SortOrder.AscendingOrder
    numbers = [model.entry_at(r).number for r in range(5)]
    click(Column.NUMBER)
    assert model.sort_order == Qt.SortOrder.DescendingOrder
    assert [model.entry_at(r).number for r in range(5)] != numbers
    assert model.entry_at(0).number == max(e.number for e in model.entries())
    view.scrollTo(model.index(0, Column.COUNTDOWN))
    click(Column.COUNTDOWN)
    if model.sort_order == Qt.SortOrder.DescendingOrder:
        click(Column.COUNTDOWN)
    assert model.ticket_id_at(0) == first
