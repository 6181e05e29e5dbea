"""The dispatch board's models: columns per assignee, cards by deadline, one-card moves, drops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, Qt, QTimer
from PySide6.QtTest import QAbstractItemModelTester

from desktop_app.domain import Role, Technician, TicketStatus
from desktop_app.models.board_model import (
    COUNTDOWN_ROLE,
    HIGHLIGHT_ROLE,
    OUTAGE_ROLE,
    BoardModel,
    countdown_text,
    off_shift_after,
    prepare_board,
    shift_status,
)
from desktop_app.models.queue_model import STATE_ROLE, TICKET_ID_ROLE, RowState
from desktop_app.models.queue_model import _make_row as queue_row
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


def test_a_shift_on_some_weekdays_is_off_on_the_others() -> None:
    weekdays = Technician(
        "W",
        timezone="Europe/Berlin",
        shift_start="22:00",
        shift_end="06:00",
        shift_days=(0, 1, 2, 3, 4),
    )
    # Fri 4 Dec 2026 23:15 in Berlin: Friday's night shift
    assert shift_status(weekdays, datetime(2026, 12, 4, 22, 15, tzinfo=UTC)).on_shift
    # Sat 5 Dec 03:15: still Friday's night
    assert shift_status(weekdays, datetime(2026, 12, 5, 2, 15, tzinfo=UTC)).on_shift
    # Sat 5 Dec 23:15: no shift on Saturdays; the next one starts Monday 22:00
    saturday = datetime(2026, 12, 5, 22, 15, tzinfo=UTC)
    assert not shift_status(weekdays, saturday).on_shift
    assert off_shift_after(weekdays, saturday) == timedelta(days=1, hours=22, minutes=45)


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


# ---------------------------------------------------------------------------------- pages


def paged(clock: FakeNow, count: int, *, page: int = 3, most: int = 7) -> BoardModel:
    """A board whose technician 1 holds ``count`` tickets due 1 h, 2 h, … from now (ticket
    ``n`` due in ``n`` hours), shown ``page`` at a time, at most ``most``."""
    model = BoardModel(now=clock, cards_per_page=page, most_cards=most)
    model.load([entry(n, hours(n), assignee_id=1) for n in range(1, count + 1)], TEAM)
    return model


def shown(column: Any) -> list[int]:
    return [column.index(r, 0).data(TICKET_ID_ROLE) for r in range(column.rowCount())]


class Mirror:
    """What a view believes a column holds, kept only from the column's signals."""

    def __init__(self, column: Any) -> None:
        self.column = column
        self.ids = shown(column)
        column.rowsInserted.connect(self._inserted)
        column.rowsAboutToBeRemoved.connect(self._removed)
        column.rowsMoved.connect(self._moved)

    def _inserted(self, _parent: Any, first: int, last: int) -> None:
        self.ids[first:first] = [self.column.ticket_id_at(r) for r in range(first, last + 1)]

    def _removed(self, _parent: Any, first: int, last: int) -> None:
        del self.ids[first : last + 1]

    def _moved(self, _parent: Any, start: int, end: int, _dest: Any, row: int) -> None:
        block = self.ids[start : end + 1]
        del self.ids[start : end + 1]
        at = row if row < start else row - len(block)
        self.ids[at:at] = block


def test_a_column_shows_a_page_of_the_cards_that_breach_first(
    clock: FakeNow, qtmodeltester: Any
) -> None:
    board = paged(clock, 10)
    column = board.column(1)
    assert column is not None
    assert shown(column) == [1, 2, 3]
    assert (column.card_count(), column.hidden_count()) == (10, 7)
    assert column.ticket_ids() == list(range(1, 11))  # every card, shown or not
    assert board.workload(1).open == 10  # the workload counts every card
    assert column.row_of(2) == 1 and column.row_of(9) is None
    assert column.position_of(9) == 8
    assert not column.index_of(9).isValid()
    qtmodeltester.check(column)  # (the tester also asks for more pages)


def test_scrolling_to_the_end_shows_the_next_page_up_to_the_most(
    qtbot: Any, clock: FakeNow
) -> None:
    board = paged(clock, 10)
    column = board.column(1)
    assert column is not None
    assert column.can_show_more()
    with qtbot.waitSignal(column.rowsInserted) as inserted:
        column.fetchMore(QModelIndex())
    assert inserted.args[1:] == [3, 5]
    assert shown(column) == [1, 2, 3, 4, 5, 6]
    column.fetchMore(QModelIndex())
    assert shown(column) == list(range(1, 8))  # seven at most
    assert not column.can_show_more() and column.hidden_count() == 3
    with qtbot.assertNotEmitted(column.rowsInserted):
        column.fetchMore(QModelIndex())
    assert not column.canFetchMore(column.index(0, 0))  # cards have no children


def test_a_card_landing_among_the_shown_ones_pushes_the_last_one_out(
    qtbot: Any, clock: FakeNow
) -> None:
    board = paged(clock, 5)
    column = board.column(1)
    assert column is not None
    with (
        qtbot.waitSignal(column.rowsInserted) as inserted,
        qtbot.waitSignal(column.rowsRemoved) as removed,
    ):
        board.upsert(entry(20, hours(1.5), assignee_id=1))
    assert inserted.args[1:] == [1, 1]
    assert removed.args[1:] == [3, 3]  # ticket 3 now waits after the shown cards
    assert shown(column) == [1, 20, 2]
    assert column.hidden_count() == 3 and board.workload(1).open == 6


def test_a_card_landing_after_the_shown_ones_is_counted_not_shown(
    qtbot: Any, clock: FakeNow
) -> None:
    board = paged(clock, 5)
    column = board.column(1)
    assert column is not None
    with (
        qtbot.assertNotEmitted(column.rowsInserted),
        qtbot.waitSignal(board.workloadChanged),
    ):
        board.upsert(entry(20, hours(30), assignee_id=1))
    assert shown(column) == [1, 2, 3]
    assert column.hidden_count() == 3 and column.ticket_ids()[-1] == 20


def test_a_shown_card_leaving_makes_room_for_the_next_one(qtbot: Any, clock: FakeNow) -> None:
    board = paged(clock, 5)
    column = board.column(1)
    assert column is not None
    with qtbot.waitSignal(column.rowsInserted) as inserted:
        board.remove(2)
    assert inserted.args[1:] == [2, 2]
    assert shown(column) == [1, 3, 4]
    board.upsert(entry(1, hours(1), assignee_id=2)._replace(version=2))  # to Marc
    assert shown(column) == [3, 4, 5]
    board.remove(3)
    board.remove(4)
    assert shown(column) == [5] and column.hidden_count() == 0


def test_a_card_whose_deadline_moves_past_the_shown_ones_leaves_them(
    qtbot: Any, clock: FakeNow
) -> None:
    board = paged(clock, 6)
    column = board.column(1)
    assert column is not None
    mirror = Mirror(column)
    board.upsert(entry(2, hours(9), assignee_id=1)._replace(version=2))
    assert shown(column) == mirror.ids == [1, 3, 4]
    assert column.ticket_ids() == [1, 3, 4, 5, 6, 2]
    board.upsert(entry(6, hours(0.5), assignee_id=1)._replace(version=2))
    assert shown(column) == mirror.ids == [6, 1, 3]
    board.upsert(entry(5, hours(10), assignee_id=1)._replace(version=2))  # hidden to hidden
    assert column.ticket_ids() == [6, 1, 3, 4, 2, 5]
    assert shown(column) == mirror.ids == [6, 1, 3]


def test_the_shown_cards_follow_every_change_signal_by_signal(clock: FakeNow) -> None:
    # Random arrivals, moves, reassignments, closes and scrolls: whatever happens, what a
    # view learnt from the signals is exactly the first cards by deadline.
    import random

    rng = random.Random(7)
    board = paged(clock, 12, page=4, most=10)
    columns = [board.column(1), board.column(2)]
    assert columns[0] is not None and columns[1] is not None
    mirrors = [Mirror(c) for c in columns]
    # Qt's own tester checks every signal (its warnings fail the test); it must not ask
    # for pages itself while a change is being announced, so the test scrolls instead
    testers = []
    for c in columns:
        tester = QAbstractItemModelTester(c, QAbstractItemModelTester.FailureReportingMode.Warning)
        tester.setUseFetchMore(False)
        testers.append(tester)
    version = 1
    for step in range(300):
        version += 1
        ticket = rng.randint(1, 30)
        action = rng.random()
        if action < 0.15:
            board.remove(ticket)
        elif action < 0.25:
            c = rng.choice(columns)
            c.fetchMore(QModelIndex())
        else:
            due = hours(rng.uniform(-3, 40))
            who = rng.choice([1, 2])
            board.upsert(entry(ticket, due, assignee_id=who)._replace(version=version))
        for c, mirror in zip(columns, mirrors, strict=True):
            count = c.rowCount()
            assert mirror.ids == c.ticket_ids()[:count], f"step {step}"
            assert min(c.card_count(), 4) <= count <= 10, f"step {step}"
            assert c.hidden_count() == c.card_count() - count


def test_without_a_page_every_card_is_shown(clock: FakeNow) -> None:
    board = BoardModel(now=clock, cards_per_page=None)
    board.load([entry(n, hours(n), assignee_id=1) for n in range(1, 301)], TEAM)
    column = board.column(1)
    assert column is not None
    assert column.rowCount() == 300 and not column.can_show_more()


def test_a_page_of_no_cards_is_refused(clock: FakeNow) -> None:
    with pytest.raises(ValueError, match="cards_per_page must be at least 1"):
        BoardModel(now=clock, cards_per_page=0)


# ---------------------------------------------------------------------------------- fills


def desk_entries() -> list[Any]:
    tickets = [
        entry(n, hours((n * 7) % 23 - 5), assignee_id=[None, 1, 2, 6, 9][n % 5])
        for n in range(1, 41)
    ]
    tickets.append(entry(41, hours(2), status=TicketStatus.RESOLVED))
    return tickets


def layout(board: BoardModel) -> list[tuple[str, list[int]]]:
    return [(c.info.name, c.ticket_ids()) for c in board.columns]


def turns(qtbot: Any, count: int) -> None:
    """Let the event loop run ``count`` turns (a zero-interval timer fires once per turn)."""
    timer = QTimer()
    timer.setInterval(0)
    for _ in range(count):
        with qtbot.waitSignal(timer.timeout, timeout=5_000):
            timer.start()
    timer.stop()


def test_a_fill_shows_the_columns_then_sorts_the_cards_in_steps(qtbot: Any, clock: FakeNow) -> None:
    rows = [queue_row(e) for e in desk_entries()]
    at_once = BoardModel(now=clock)
    at_once.load_rows(rows, TEAM)
    board = BoardModel(now=clock)
    added: list[int] = []
    board.columnAdded.connect(added.append)
    with qtbot.waitSignal(board.fillStarted) as started:
        board.fill(rows, TEAM, budget_s=0, rows_per_step=4, merge_per_step=3)
    assert started.args == [41]
    assert board.filling and not board.loaded and board.columns == []
    # next turn: the standing columns, empty, so their widgets are built before the cards
    with qtbot.waitSignal(board.columnsReset, timeout=5_000):
        pass
    standing = board.columns
    assert [c.info.name for c in standing] == [
        "Unassigned",
        "Marc Tremblay",
        "Priya Raman",
        "Sophie Wagner",
    ]
    assert all(c.rowCount() == 0 for c in standing) and board.filling
    with (
        qtbot.assertNotEmitted(board.columnsReset),
        qtbot.waitSignal(board.filled, timeout=5_000),
    ):
        pass
    assert not board.filling and board.loaded
    assert board.columns[:4] == standing  # the same columns, now with their cards
    assert added == [4]  # the inactive technician who still holds tickets
    assert layout(board) == layout(at_once)
    assert board.total() == 40
    for assignee in (None, 1, 2, 6, 9):
        assert board.workload(assignee) == at_once.workload(assignee)


def test_no_drop_is_taken_while_the_cards_are_sorted(qtbot: Any, clock: FakeNow) -> None:
    board = BoardModel(now=clock)
    calls: list[object] = []
    board.set_drop_handler(lambda tickets, assignee: calls.append(tickets) or True)
    board.fill([queue_row(e) for e in desk_entries()], TEAM, budget_s=0, rows_per_step=4)
    with qtbot.waitSignal(board.columnsReset, timeout=5_000):
        pass
    priya = board.column(1)
    assert priya is not None
    move = Qt.DropAction.MoveAction
    assert not priya.dropMimeData(encode_tickets([(5, 1)]), move, -1, 0, QModelIndex())
    with qtbot.waitSignal(board.filled, timeout=5_000):
        pass
    assert priya.dropMimeData(encode_tickets([(5, 1)]), move, -1, 0, QModelIndex())
    assert calls == [[(5, 1)]]


def test_tickets_that_change_during_a_fill_are_shown_as_they_are_now(
    qtbot: Any, clock: FakeNow
) -> None:
    rows = [queue_row(e) for e in desk_entries()]
    board = BoardModel(now=clock)
    board.fill(rows, TEAM, budget_s=0, rows_per_step=4, merge_per_step=3)
    assert board.filling
    board.upsert(entry(1, hours(0.1), assignee_id=2)._replace(version=2))  # reassigned
    board.remove(2)  # closed
    board.upsert(entry(50, hours(1)))  # new
    board.upsert(entry(3, hours(1), assignee_id=1)._replace(version=2))
    board.upsert(entry(3, hours(1), assignee_id=6)._replace(version=3))  # the latest wins
    with qtbot.waitSignal(board.filled, timeout=5_000):
        pass
    column = board.column_of_ticket(1)
    assert column is not None and column.info.assignee_id == 2
    assert board.column_of_ticket(2) is None
    assert 50 in ids(board, None)
    assert 3 in ids(board, 6) and 3 not in ids(board, 1)
    assert board.total() == 40


def test_a_refill_keeps_showing_the_old_cards_until_the_new_ones_are_sorted(
    qtbot: Any, board: BoardModel
) -> None:
    before = layout(board)
    columns = board.columns
    board.fill([queue_row(e) for e in desk_entries()], TEAM, budget_s=0, rows_per_step=2)
    assert board.filling and board.loaded
    turns(qtbot, 3)
    assert board.filling and layout(board) == before
    board.upsert(entry(1, hours(5), assignee_id=2)._replace(version=2))  # the old board moves too
    assert 1 in ids(board, 2)
    priya = board.column(1)
    assert priya is not None
    with qtbot.waitSignal(priya.modelReset), qtbot.waitSignal(board.filled, timeout=5_000):
        pass
    assert board.columns == columns  # the same columns (and column widgets), new cards
    assert layout(board) != before and 1 in ids(board, 2)
    assert board.total() == 40


def test_a_cancelled_fill_leaves_the_board_as_it_was(qtbot: Any, board: BoardModel) -> None:
    before = layout(board)
    board.fill([queue_row(e) for e in desk_entries()], TEAM, budget_s=0, rows_per_step=2)
    board.cancel_fill()
    assert not board.filling
    with qtbot.assertNotEmitted(board.filled):
        turns(qtbot, 30)  # more than the fill needs
    assert layout(board) == before


def test_a_small_desk_fills_at_once(qtbot: Any, board: BoardModel) -> None:
    with qtbot.waitSignal(board.filled):
        board.fill([queue_row(e) for e in desk_entries()], TEAM)
    assert not board.filling and board.total() == 40


def test_a_fill_needs_at_least_one_row_and_card_per_step(clock: FakeNow) -> None:
    with pytest.raises(ValueError, match="at least one row and one card per step"):
        prepare_board([], TEAM, rows_per_step=0)
    board = BoardModel(now=clock)
    with pytest.raises(ValueError, match=r"\(got 5 rows, 0 cards\)"):
        board.fill([], TEAM, rows_per_step=5, merge_per_step=0)
    assert not board.filling


def test_a_paused_breached_card_reads_over(clock: FakeNow) -> None:
    waiting = entry(1, None, paused=True)
    stopped = waiting.clocks[next(iter(waiting.clocks))]
    overdue = waiting._replace(
        clocks={stopped.metric: stopped._replace(elapsed=stopped.target + timedelta(hours=3))}
    )
    assert countdown_text(queue_row(overdue), clock()) == "paused · 3 h 00 min over"
    assert countdown_text(queue_row(waiting), clock()).endswith(" left")
