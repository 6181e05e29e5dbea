"""The default layout on common screens: the ticket's three SLA clocks on screen without
scrolling, the queue's key columns without scrolling sideways and the countdowns whole;
with the dispatch board docked below where the screen has room for it."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QScrollArea, QWidget

from desktop_app.models.queue_model import Column
from desktop_app.views.dispatch_board import (
    DOCK_MIN_HEIGHT,
    DispatchBoardPanel,
    default_dock_height,
    room_for_docked_board,
)
from desktop_app.views.queue_view import KEY_COLUMNS
from support.detail_desk import WAIT, Desk

SCREENS = [
    pytest.param((1366, 768), id="1366x768"),
    pytest.param((1400, 900), id="1400x900"),
    pytest.param((1920, 1080), id="1920x1080"),
]


def in_a_scroll_area(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


@pytest.mark.parametrize("screen", SCREENS)
def test_the_default_layout_shows_the_clocks_and_the_key_columns(
    qtbot: Any, desk: Desk, screen: tuple[int, int]
) -> None:
    width, height = screen
    window = desk.window
    board = DispatchBoardPanel(desk.session)
    try:
        docked = room_for_docked_board(height)  # as attach_dispatch_board decides
        board.dock.setVisible(docked)
        window.resize(width, height)
        window.show()
        qtbot.waitExposed(window)
        if docked:
            window.resizeDocks(
                [board.dock], [default_dock_height(window, height)], Qt.Orientation.Vertical
            )
        row = next(r for r in range(desk.model.rowCount()) if desk.model.entry_at(r).due_at)
        with qtbot.waitSignal(desk.panel.ticketShown, timeout=WAIT):
            window.queue_view.setCurrentIndex(desk.model.index(row, 0))
        qtbot.wait(50)  # the layout settles

        # the three clocks, whole, and not in anything that scrolls
        pane = desk.panel.ticket_pane
        for metric, card in pane.cards.items():
            assert not in_a_scroll_area(card), metric
            assert card.isVisible(), metric
            shown = card.visibleRegion().boundingRect()
            assert shown.height() == card.height() >= card.minimumHeight(), metric
            assert card.deadline.height() >= card.deadline.heightForWidth(card.deadline.width()), (
                metric
            )

        # the key columns fit without scrolling sideways, the countdowns are not cut
        view = window.queue_view
        header = view.horizontalHeader()
        assert view.horizontalScrollBar().value() == 0
        for column in KEY_COLUMNS:
            right = header.sectionViewportPosition(column) + header.sectionSize(column)
            assert header.sectionViewportPosition(column) >= 0, column
            assert right <= view.viewport().width(), (column, right, view.viewport().width())
        metrics = view.fontMetrics()
        countdown = header.sectionSize(Column.COUNTDOWN)
        for r in range(min(40, desk.model.rowCount())):
            text = desk.model.index(r, Column.COUNTDOWN).data()
            assert metrics.horizontalAdvance(text) + 16 + 8 <= countdown, text
        assert header.sectionSize(Column.SUBJECT) >= 120

        if docked:
            assert board.dock.isVisible() and not board.dock.isFloating()
            assert board.dock.height() >= DOCK_MIN_HEIGHT
    finally:
        board.stop()


def test_a_short_screen_starts_without_the_board_a_tall_one_with_it() -> None:
    assert not room_for_docked_board(768)
    assert room_for_docked_board(900) and room_for_docked_board(1080)


def test_columns_dragged_by_hand_stay_as_they_are(qtbot: Any, desk: Desk) -> None:
    window = desk.window
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    header = window.queue_view.horizontalHeader()
    columns = desk.session.columns
    assert not columns.by_hand
    subject = header.sectionSize(Column.SUBJECT)
    window.resize(1600, 768)
    qtbot.waitUntil(lambda: header.sectionSize(Column.SUBJECT) > subject, timeout=WAIT)
    # the technician drags the subject's right edge
    edge = header.sectionViewportPosition(Column.SUBJECT) + header.sectionSize(Column.SUBJECT) - 1
    qtbot.mousePress(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(edge, 8))
    qtbot.mouseMove(header.viewport(), pos=QPoint(edge + 40, 8))
    qtbot.mouseRelease(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(edge + 40, 8))
    assert columns.by_hand
    wide = header.sectionSize(Column.SUBJECT)
    window.resize(1366, 768)
    qtbot.wait(50)
    assert header.sectionSize(Column.SUBJECT) == wide  # theirs now
