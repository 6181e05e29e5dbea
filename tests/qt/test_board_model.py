"""The dispatch board's models: columns per assignee, cards by deadline, one-card moves, drops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, Qt

from desktop_app.domain import Role, Technician, TicketStatus
from desktop_app.models.board_model import (
    COUNTDOWN_ROLE,
    HIGHLIGHT_ROLE,
    OUTAGE_ROLE,
    BoardModel,
    shift_status,
)
from desktop_app.models.queue_model import STATE_ROLE, TICKET_ID_ROLE, RowState
from desktop_app.models.ticket_mime import TICKETS_MIME, decode_tickets, encode_tickets
from support.queue_entries import NOW, FakeNow, entry

PRIYA = Technician("Priya Raman", Role.TECHNICIAN, timezone="America/Toronto", id=1)
MARC = Technician(
    "Marc Tremblay",
    Role.TECHNICIAN,
    timezone="America/Toronto",
    shift_start="10:00",
    shift_end="18:30",
    id=2,
)
SOPHIE = Technician("Sophie Wagner", Role.DISPATCHER, timezone="Europe/Berlin", id=6)
GONE = Technician("Old Timer", Role.TECHNICIAN, active=False, id=9)
TEAM = [SOPHIE, MARC, PRIYA, GONE]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture
def clock() -> FakeNow:
    return FakeNow()


@pytest.fixture
def board(qtbot: Any, clock: FakeNow) -> BoardModel:
    model = BoardModel(now=clock)
    model.load(
        [
            entry(1, hours(5), assignee_id=1),
            entry(2, hours(1), assignee_id=1),
            entry(3, hours(-1), assignee_id=1),  # breached
            entry(4, hours(3)),
            entry(5, hours(2), assignee_id=2),
            entry(6, None, paused=True, assignee_id=2),
            entry(7, hours(4), assignee_id=9),  # still held by an inactive technician
            entry(8, hours(2), status=TicketStatus.RESOLVED),  # closed: not on the board
        ],
        TEAM,
    )
    return model


def ids(board: BoardModel, assignee: int | None) -> list[int]:
    column = board.column(assignee)
    assert column is not None
    return column.ticket_ids()


def test_columns_are_unassigned_then_people_then_inactive_holders(board: BoardModel) -> None:
    names = [c.info.name for c in board.columns]
    assert names == ["Unassigned", "Marc Tremblay", "Priya Raman", "Sophie Wagner", "Old Timer"]
    assert [c.info.active for c in board.columns] == [True, True, True, True, False]
    assert board.total() == 7


def test_cards_are_ordered_by_time_to_breach(board: BoardModel) -> None:
    assert ids(board, 1) == [3, 2, 1]  # breached first, then nearest deadline
    assert ids(board, 2) == [5, 6]  # paused after running
    assert ids(board, None) == [4]
    assert ids(board, 6) == []


def test_every_column_passes_the_model_tester(board: BoardModel, qtmodeltester: Any) -> None:
    for column in board.columns:
        qtmodeltester.check(column)


def test_cards_carry_countdown_state_and_ticket(board: BoardModel, clock: FakeNow) -> None:
    column = board.column(1)
    assert column is not None
    breached = column.index(0, 0)
    assert breached.data(TICKET_ID_ROLE) == 3
    assert breached.data(STATE_ROLE) == int(RowState.BREACHED)
    assert breached.data(COUNTDOWN_ROLE) == "breached 1 h 00 min ago"
    assert column.index(1, 0).data(COUNTDOWN_ROLE) == "1 h 00 min left"
    assert "TQ-10002" in column.index(1, 0).data(Qt.ItemDataRole.DisplayRole)
    assert column.index(1, 0).data(OUTAGE_ROLE) is False
    clock.advance(minutes=30)
    assert column.index(1, 0).data(COUNTDOWN_ROLE) == "30 min left"
    paused = board.column(2)
    assert paused is not None
    assert paused.index(1, 0).data(STATE_ROLE) == int(RowState.PAUSED)
    assert paused.index(1, 0).data(COUNTDOWN_ROLE).startswith("paused · ")


def test_workload_counts_open_at_risk_and_breached(board: BoardModel, clock: FakeNow) -> None:
    # the test entries warn at 75 % of an 8 h target: 2 h before the deadline
    assert board.workload(1).text == "3 open · 1 at risk · 1 breached"
    clock.advance(hours=3.5)
    assert board.workload(1).text == "3 open · 1 at risk · 2 breached"
    assert board.workload(2).open == 2
    assert board.workload(123).open == 0


def test_a_reassigned_ticket_moves_one_card_between_columns(qtbot: Any, board: BoardModel) -> None:
    source, target = board.column(1), board.column(2)
    assert source is not None and target is not None
    resets: list[object] = []
    source.modelReset.connect(lambda: resets.append(source))
    target.modelReset.connect(lambda: resets.append(target))
    moved = entry(2, hours(1), assignee_id=2)._replace(version=2)
    with (
        qtbot.waitSignal(source.rowsRemoved) as removed,
        qtbot.waitSignal(target.rowsInserted) as inserted,
        qtbot.waitSignal(board.workloadChanged),
    ):
        board.upsert(moved)
    assert removed.args[1:] == [1, 1]
    assert inserted.args[1:] == [0, 0]  # due in 1 h: before ticket 5 (2 h)
    assert ids(board, 1) == [3, 1]
    assert ids(board, 2) == [2, 5, 6]
    assert resets == []
    assert board.entry(2) == moved


def test_a_changed_deadline_moves_the_card_within_its_column(qtbot: Any, board: BoardModel) -> None:
    column = board.column(1)
    assert column is not None
    with qtbot.waitSignal(column.rowsMoved) as moved:
        board.upsert(entry(1, hours(0.5), assignee_id=1)._replace(version=2))
    assert moved.args[1:3] == [2, 2]
    assert ids(board, 1) == [3, 1, 2]
    with qtbot.waitSignal(column.dataChanged):
        board.upsert(entry(1, hours(0.6), assignee_id=1)._replace(version=3))
    assert ids(board, 1) == [3, 1, 2]


def test_closing_a_ticket_removes_its_card_and_new_ones_appear(board: BoardModel) -> None:
    board.upsert(entry(2, hours(1), assignee_id=1)._replace(status=TicketStatus.RESOLVED))
    assert ids(board, 1) == [3, 1]
    board.remove(5)
    assert ids(board, 2) == [6]
    board.upsert(entry(20, hours(0.2)))
    assert ids(board, None) == [20, 4]
    board.remove(999)  # unknown: nothing happens
    assert board.total() == 6


def test_an_unknown_assignee_gets_a_column_of_their_own(qtbot: Any, board: BoardModel) -> None:
    newcomer = entry(30, hours(1), assignee_id=42)._replace(assignee_name="New Person")
    with qtbot.waitSignal(board.columnAdded) as added:
        board.upsert(newcomer)
    column = board.columns[added.args[0]]
    assert column.info.name == "New Person" and not column.info.active
    assert column.ticket_ids() == [30]


def test_a_tick_refreshes_only_the_shown_countdowns(qtbot: Any, board: BoardModel) -> None:
    column = board.column(1)
    assert column is not None
    with qtbot.waitSignal(column.dataChanged) as changed:
        board.tick({1: (1, 5)})
    top, bottom, roles = changed.args
    assert (top.row(), bottom.row()) == (1, 2)  # clamped to the column's three cards
    assert COUNTDOWN_ROLE in roles


def test_the_column_drags_its_tickets_with_their_versions(board: BoardModel) -> None:
    column = board.column(1)
    assert column is not None
    mime = column.mimeData([column.index(0, 0), column.index(2, 0), column.index(0, 0)])
    assert decode_tickets(mime) == [(3, 1), (1, 1)]
    assert column.supportedDragActions() == Qt.DropAction.MoveAction
    assert column.supportedDropActions() == Qt.DropAction.MoveAction
    assert column.mimeTypes() == [TICKETS_MIME]
    assert column.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDropEnabled


def test_drop_mime_data_hands_several_tickets_to_the_handler(board: BoardModel) -> None:
    calls: list[tuple[list[tuple[int, int]], int | None]] = []

    def handler(tickets: list[tuple[int, int]], assignee: int | None) -> bool:
        calls.append((tickets, assignee))
        return True

    board.set_drop_handler(handler)
    target = board.column(2)
    assert target is not None
    mime = encode_tickets([(1, 1), (2, 1), (4, 1), (5, 1)])
    move = Qt.DropAction.MoveAction
    assert target.dropMimeData(mime, move, -1, 0, QModelIndex())
    # ticket 5 is Marc's already: only the three others are handed on
    assert calls == [([(1, 1), (2, 1), (4, 1)], 2)]


def test_a_drop_on_the_same_column_or_of_foreign_data_does_nothing(board: BoardModel) -> None:
    calls: list[object] = []
    board.set_drop_handler(lambda tickets, assignee: calls.append(tickets) or True)
    column = board.column(1)
    assert column is not None
    move = Qt.DropAction.MoveAction
    assert not column.dropMimeData(encode_tickets([(1, 1), (2, 1)]), move, -1, 0, QModelIndex())
    plain = QMimeData()
    plain.setText("TQ-10001")
    assert not column.dropMimeData(plain, move, -1, 0, QModelIndex())
    copy = Qt.DropAction.CopyAction
    assert not column.dropMimeData(encode_tickets([(4, 1)]), copy, -1, 0, QModelIndex())
    assert calls == []


def test_moved_cards_glow_then_fade(qtbot: Any, board: BoardModel, clock: FakeNow) -> None:
    column = board.column(1)
    assert column is not None
    with qtbot.waitSignal(board.highlightsChanged) as changed:
        board.highlight([1, 2, 999])
    assert changed.args == [True]
    assert sorted(board.highlighted()) == [1, 2]
    assert column.index(column.row_of(1) or 0, 0).data(HIGHLIGHT_ROLE) == 1.0
    clock.advance(seconds=1)
    assert board.fade_highlights()
    assert 0 < board.highlight_strength(1) < 1
    clock.advance(seconds=2)
    with qtbot.waitSignal(board.highlightsChanged) as changed:
        assert not board.fade_highlights()
    assert changed.args == [False]
    assert board.highlight_strength(1) == 0.0


@pytest.mark.parametrize(
    ("start", "end", "local_hour", "on"),
    [
        ("08:00", "16:30", 10, True),
        ("08:00", "16:30", 16, True),
        ("08:00", "16:30", 17, False),
        ("22:00", "06:00", 23, True),
        ("22:00", "06:00", 3, True),
        ("22:00", "06:00", 12, False),
        ("00:00", "00:00", 4, True),
    ],
)
def test_shift_status_in_the_technicians_own_zone(
    start: str, end: str, local_hour: int, on: bool
) -> None:
    tech = Technician("T", timezone="Europe/Berlin", shift_start=start, shift_end=end)
    # December: Berlin is UTC+1
    at = datetime(2026, 12, 1, (local_hour - 1) % 24, 15, tzinfo=UTC)
    status = shift_status(tech, at)
    assert status.local.hour == local_hour
    assert status.on_shift is on
    assert ("on shift" if on else "off shift") in status.text


def test_the_board_reports_each_technicians_shift(board: BoardModel) -> None:
    # NOW is 10:00 in Toronto: Priya (08:00–17:00) is on shift, Marc starts at 10:00
    priya, marc = board.shift(1), board.shift(2)
    assert priya is not None and priya.on_shift
    assert marc is not None and marc.on_shift
    assert board.shift(None) is None
    assert NOW.hour == 15


def test_a_batch_of_moves_announces_the_workload_once(board: BoardModel) -> None:
    announced: list[object] = []
    board.workloadChanged.connect(lambda: announced.append(None))
    with board.batch():
        for ticket_id in (1, 2, 4):
            board.upsert(entry(ticket_id, hours(1), assignee_id=2)._replace(version=2))
        assert announced == []
    assert announced == [None]
    assert sorted(ids(board, 2)) == [1, 2, 4, 5, 6]
