"""The queue table: the tick runs only while shown and refreshes only the visible rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QTableView

from desktop_app.models.queue_model import TICKET_ID_ROLE, Column, QueueFilter, QueueModel
from desktop_app.views.queue_view import (
    QueueKeys,
    QueueStatus,
    QueueTicker,
    configure_queue_view,
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
    assert label.text().startswith("1000 open · ")
    assert "next breach in 10 min" in label.text()
    now.advance(minutes=25)
    model.tick(0, 10)
    assert "2 breached" in label.text()
    model.set_filter(QueueFilter(quick="breached"))
    assert label.text().endswith("2 shown")
    assert status_text(model) == label.text()
