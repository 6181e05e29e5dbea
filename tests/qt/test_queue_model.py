"""The live queue model: order, one-row moves, ticks, filters, selection survival."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt

from desktop_app.domain import Priority, TicketStatus
from desktop_app.models.queue_model import (
    TICKET_ID_ROLE,
    Column,
    QueueFilter,
    QueueModel,
    RowState,
)
from support.queue_entries import NOW, OFFICE, FakeNow, entry


def ids(model: QueueModel) -> list[int]:
    return [model.ticket_id_at(r) for r in range(model.rowCount())]


@pytest.fixture
def now() -> FakeNow:
    return FakeNow()


@pytest.fixture
def model(qtmodeltester: Any, now: FakeNow) -> QueueModel:
    m = QueueModel(now=now)
    m.load(
        [
            entry(1, timedelta(hours=5)),
            entry(2, timedelta(minutes=30), assignee_id=7),
            entry(
                3,
                timedelta(hours=1),
                priority=Priority.HIGH,
                customer_id=2,
                customer_name="Contoso",
            ),
            entry(4, None, paused=True, subject="VPN drops every hour"),
            entry(5, -timedelta(minutes=25), assignee_id=7),
        ]
    )
    qtmodeltester.check(m, force_py=True)
    return m


def test_rows_are_ordered_by_wall_clock_deadline_paused_last(model: QueueModel) -> None:
    assert ids(model) == [5, 2, 3, 1, 4]


def test_ties_break_by_priority_then_age(now: FakeNow) -> None:
    m = QueueModel(now=now)
    due = timedelta(hours=1)
    m.load(
        [
            entry(1, due, priority=Priority.LOW),
            entry(2, due, priority=Priority.CRITICAL, created_ago=timedelta(hours=1)),
            entry(3, due, priority=Priority.CRITICAL, created_ago=timedelta(hours=5)),
        ]
    )
    assert ids(m) == [3, 2, 1]


def test_closed_tickets_do_not_enter(now: FakeNow) -> None:
    m = QueueModel(now=now)
    m.load([entry(1), entry(2, status=TicketStatus.RESOLVED)])
    assert ids(m) == [1]


def test_a_deadline_change_moves_one_row_without_reset(qtbot: Any, model: QueueModel) -> None:
    resets: list[object] = []
    layouts: list[object] = []
    moves: list[tuple[int, int, int]] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.layoutChanged.connect(lambda *a: layouts.append(1))
    model.rowsMoved.connect(lambda _p, s, e, _d, row: moves.append((s, e, row)))
    # ticket 1 (row 3) gets a priority change that brings its deadline to 10 min
    model.upsert(entry(1, timedelta(minutes=10)))
    assert ids(model) == [5, 1, 2, 3, 4]
    assert moves == [(3, 3, 1)]
    assert not resets and not layouts


def test_move_down_and_in_place_update(model: QueueModel) -> None:
    moved: list[int] = []
    changed: list[int] = []
    model.rowsMoved.connect(lambda *a: moved.append(1))
    model.dataChanged.connect(lambda tl, br, roles=(): changed.append(tl.row()))
    model.upsert(entry(2, timedelta(hours=6), assignee_id=7))  # waits longer now
    assert ids(model) == [5, 3, 1, 2, 4]
    model.upsert(entry(2, timedelta(hours=6), assignee_id=8)._replace(version=2))
    assert ids(model) == [5, 3, 1, 2, 4]
    assert moved == [1]  # the second change kept its place: a dataChanged, not a move
    assert 3 in changed
    assert model.data(model.index(3, Column.ASSIGNEE)) == "Tech 8"


def test_selection_follows_a_moved_row(model: QueueModel) -> None:
    selection = QItemSelectionModel(model)
    selection.select(
        model.index(3, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    model.upsert(entry(1, timedelta(minutes=1)))
    selected = {model.data(i, TICKET_ID_ROLE) for i in selection.selectedRows()}
    assert selected == {1}
    assert selection.selectedRows()[0].row() == 1


def test_new_ticket_is_inserted_in_place(model: QueueModel) -> None:
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.upsert(entry(6, timedelta(minutes=45)))
    assert ids(model) == [5, 2, 6, 3, 1, 4]
    assert inserted == [(2, 2)]


def test_resolution_removes_the_row(model: QueueModel) -> None:
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    model.upsert(entry(3, timedelta(hours=1), status=TicketStatus.RESOLVED))
    assert ids(model) == [5, 2, 1, 4]
    assert removed == [(2, 2)]
    model.remove(999)  # unknown: nothing happens
    assert model.rowCount() == 4


def test_pause_sends_the_row_after_running_ones(model: QueueModel) -> None:
    model.upsert(entry(5, None, paused=True, assignee_id=7))
    assert ids(model)[-2:] in ([5, 4], [4, 5])
    assert model.data(model.index(model.row_of(5) or 0, Column.COUNTDOWN)).startswith("paused")


def test_a_tick_refreshes_only_the_visible_countdown_cells(
    qtbot: Any, model: QueueModel, now: FakeNow
) -> None:
    now.advance(seconds=1)
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.tick(1, 2)
    top_left, bottom_right = blocker.args[0], blocker.args[1]
    assert (top_left.row(), bottom_right.row()) == (1, 2)
    assert top_left.column() == bottom_right.column() == Column.COUNTDOWN


def test_the_passage_of_time_never_reorders(model: QueueModel, now: FakeNow) -> None:
    before = ids(model)
    for _ in range(5):
        now.advance(hours=1)
        model.tick(0, model.rowCount() - 1)
    assert ids(model) == before


def test_countdown_texts_and_states(model: QueueModel, now: FakeNow) -> None:
    text = model.data(model.index(0, Column.COUNTDOWN))
    assert text == "breached 25 min ago"
    assert model.state_of(model._rows_by_id[5]) is RowState.BREACHED
    assert model.data(model.index(1, Column.COUNTDOWN)) == "30 min left"
    # 75 % of an 8 h target passed 2 h before the deadline: ticket 2 (30 min left) warns
    assert model.state_of(model._rows_by_id[2]) is RowState.WARNING
    assert model.state_of(model._rows_by_id[1]) is RowState.OK
    now.advance(minutes=31)
    assert model.data(model.index(1, Column.COUNTDOWN)) == "breached 1 min ago"


def test_business_hours_countdown_and_tooltip(now: FakeNow) -> None:
    m = QueueModel(now=now, technician_zone=UTC)
    # Tuesday 10:00 Toronto; deadline Wednesday 09:00 Toronto: 8 business hours left
    due = datetime(2026, 12, 2, 14, 0, tzinfo=UTC) - NOW
    m.load([entry(1, due, calendar=OFFICE)])
    assert m.data(m.index(0, Column.COUNTDOWN)) == "8 h 00 min left (business hours)"
    tip = m.data(m.index(0, Column.COUNTDOWN), Qt.ItemDataRole.ToolTipRole)
    assert "Deadline (your time): Wed 02 Dec 2026 14:00 UTC" in tip
    assert "Deadline (Toronto HQ): Wed 02 Dec 2026 09:00 EST" in tip
    assert "Gold" in tip
    assert m.data(m.index(0, Column.SITE_TIME)) == "Tue 10:00"


@pytest.mark.parametrize(
    ("quick", "expected"),
    [
        ("all", [5, 2, 3, 1, 4]),
        ("mine", [5, 2]),
        ("unassigned", [3, 1, 4]),
        ("breached", [5]),
        ("at_risk", [2, 3]),
        ("waiting", [4]),
    ],
)
def test_quick_filters(model: QueueModel, quick: str, expected: list[int]) -> None:
    model.set_filter(QueueFilter(quick=quick, me=7))
    assert ids(model) == expected


def test_customer_filter_and_search(model: QueueModel) -> None:
    model.set_filter(QueueFilter(customer_id=2))
    assert ids(model) == [3]
    model.set_filter(QueueFilter(search="vpn"))
    assert ids(model) == [4]
    model.set_filter(QueueFilter(search="TQ-10001"))
    assert ids(model) == [1]
    model.set_filter(QueueFilter(search="contoso"))
    assert ids(model) == [3]
    with pytest.raises(ValueError, match="Unknown quick filter 'soon'"):
        QueueFilter(quick="soon")


def test_selection_survives_filtering(model: QueueModel) -> None:
    selection = QItemSelectionModel(model)
    selection.select(
        model.index(model.row_of(2) or 0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    model.set_filter(QueueFilter(quick="mine", me=7))
    assert [model.data(i, TICKET_ID_ROLE) for i in selection.selectedRows()] == [2]
    model.set_filter(QueueFilter(quick="unassigned"))
    assert selection.selectedRows() == []


def test_events_respect_the_active_filter(model: QueueModel) -> None:
    model.set_filter(QueueFilter(quick="mine", me=7))
    model.upsert(entry(1, timedelta(hours=5), assignee_id=7))  # assigned to me: joins
    assert ids(model) == [5, 2, 1]
    model.upsert(entry(2, timedelta(minutes=30), assignee_id=8))  # handed away: leaves
    assert ids(model) == [5, 1]


def test_time_dependent_filters_admit_crossings_on_tick(model: QueueModel, now: FakeNow) -> None:
    model.set_filter(QueueFilter(quick="breached"))
    assert ids(model) == [5]
    now.advance(minutes=31)  # ticket 2 passes its deadline
    model.tick(0, 10)
    assert ids(model) == [5, 2]
    model.set_filter(QueueFilter(quick="at_risk"))
    assert ids(model) == [3]  # 29 min left of 8 h
    now.advance(hours=1)  # ticket 3 breaches and leaves; ticket 1 (warns 2 h before) not yet
    model.tick(0, 10)
    assert ids(model) == []
    now.advance(hours=2)  # 3.5 h in: ticket 1 has 1.5 h left, past its 75 % warning
    model.tick(0, 10)
    assert ids(model) == [1]


def test_counts_are_live(model: QueueModel, now: FakeNow) -> None:
    total, at_risk, breached, next_breach = model.counts()
    assert (total, at_risk, breached) == (5, 2, 1)
    assert next_breach == pytest.approx(30 * 60)
    now.advance(minutes=31)
    total, at_risk, breached, next_breach = model.counts()
    assert (total, breached) == (5, 2)
    assert next_breach == pytest.approx(29 * 60)


def test_invalid_index_and_headers(model: QueueModel) -> None:
    assert model.data(QModelIndex()) is None
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Time to breach"
    assert model.index_of(999) == QModelIndex()
    assert model.entry(3) is not None and model.entry(3).customer_name == "Contoso"


def test_dragged_rows_carry_ticket_ids_and_versions(model: QueueModel) -> None:
    from desktop_app.models.ticket_mime import TICKETS_MIME, decode_tickets

    indexes = [model.index(0, 0), model.index(0, 3), model.index(2, 0)]
    mime = model.mimeData(indexes)
    assert model.mimeTypes() == [TICKETS_MIME]
    assert decode_tickets(mime) == [(model.ticket_id_at(0), 1), (model.ticket_id_at(2), 1)]
    assert model.supportedDragActions() == Qt.DropAction.MoveAction
    assert decode_tickets(None) == []


def test_at_risk_follows_the_engines_warning_rule(now: FakeNow) -> None:
    from desktop_app.domain import WarningRule

    m = QueueModel(now=now)
    # a 30-minute lead on a 20-minute target gives no warning in the engine: the queue
    # turns the ticket amber only at its percentage threshold (90 % of 20 min = 2 min left)
    rule = WarningRule((90,), timedelta(minutes=30))
    m.load([entry(1, timedelta(minutes=10), target=timedelta(minutes=20), warnings=rule)])
    assert m.state_of(m._rows_by_id[1]) is RowState.OK
    now.advance(minutes=8, seconds=1)
    assert m.state_of(m._rows_by_id[1]) is RowState.WARNING


# --- the whole queue arriving after its first screenful ----------------------------------


def _whole_queue() -> list[Any]:
    """Ten tickets; the first screenful is the four that breach first (ids 1-4)."""
    return [entry(i, timedelta(minutes=10 * i)) for i in range(1, 11)]


def test_the_whole_queue_keeps_the_selection_and_current_ticket_of_the_first_screenful(
    qtmodeltester: Any, now: FakeNow
) -> None:
    whole = _whole_queue()
    m = QueueModel(now=now)
    m.load(whole[:4], partial=True)
    qtmodeltester.check(m, force_py=True)
    selection = QItemSelectionModel(m)
    selection.setCurrentIndex(
        m.index_of(3, Column.SUBJECT),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    selection.select(
        m.index_of(1),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    removed: list[object] = []
    m.rowsRemoved.connect(lambda *args: removed.append(args))
    m.modelReset.connect(lambda: removed.append("reset"))

    m.load(whole)

    assert not m.partial and m.total() == 10 and m.rowCount() == 10
    assert removed == []  # the first screenful was never taken away
    assert selection.currentIndex().data(TICKET_ID_ROLE) == 3
    assert selection.currentIndex().column() == Column.SUBJECT
    assert sorted(m.data(i, TICKET_ID_ROLE) for i in selection.selectedRows()) == [1, 3]
    assert ids(m) == list(range(1, 11))


def test_the_whole_queue_keeps_the_selection_when_tickets_land_ahead_of_it(
    now: FakeNow,
) -> None:
    # a ticket created while the whole queue was read breaches before the selected one
    m = QueueModel(now=now)
    m.load([entry(1, timedelta(minutes=10)), entry(2, timedelta(minutes=20))], partial=True)
    selection = QItemSelectionModel(m)
    selection.setCurrentIndex(
        m.index_of(2),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    m.load(
        [
            entry(1, timedelta(minutes=10)),
            entry(9, timedelta(minutes=15)),
            entry(2, timedelta(minutes=20)),
            entry(3, timedelta(minutes=30)),
        ]
    )
    assert ids(m) == [1, 9, 2, 3]
    assert selection.currentIndex().row() == 2
    assert [m.data(i, TICKET_ID_ROLE) for i in selection.selectedRows()] == [2]


def test_a_selected_ticket_missing_from_the_whole_queue_loses_its_selection(
    now: FakeNow,
) -> None:
    m = QueueModel(now=now)
    m.load([entry(1, timedelta(minutes=10)), entry(2, timedelta(minutes=20))], partial=True)
    selection = QItemSelectionModel(m)
    selection.setCurrentIndex(
        m.index_of(2),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    # the whole queue knows ticket 2 was closed meanwhile
    m.load([entry(1, timedelta(minutes=10)), entry(3, timedelta(minutes=30))])
    assert ids(m) == [1, 3]
    assert not selection.currentIndex().isValid()
    assert selection.selectedRows() == []


def test_a_change_seen_while_the_queue_loads_is_not_undone_by_an_older_read(
    now: FakeNow,
) -> None:
    whole = _whole_queue()
    m = QueueModel(now=now)
    m.load(whole[:4], partial=True)
    # ticket 2 changed (a reply moved its deadline) after the whole queue was read
    newer = entry(2, timedelta(hours=9))._replace(version=2, assignee_id=7)
    m.upsert(newer)
    m.load(whole)  # read before that change: ticket 2 at version 1
    kept = m.entry(2)
    assert kept is not None and kept.version == 2 and kept.assignee_id == 7
    assert ids(m) == [1, 3, 4, 5, 6, 7, 8, 9, 10, 2]  # in its new place, once
    total, _at_risk, _breached, _next = m.counts()
    assert total == 10


def test_a_newer_whole_queue_wins_over_a_change_seen_while_loading(now: FakeNow) -> None:
    whole = _whole_queue()
    m = QueueModel(now=now)
    m.load(whole[:4], partial=True)
    m.upsert(entry(2, timedelta(hours=9))._replace(version=2))
    newest = entry(2, timedelta(minutes=5))._replace(version=3)
    m.load([newest if e.ticket_id == 2 else e for e in whole])
    kept = m.entry(2)
    assert kept is not None and kept.version == 3
    assert ids(m)[0] == 2


def test_a_ticket_closed_while_the_queue_loads_does_not_come_back(now: FakeNow) -> None:
    whole = _whole_queue()
    m = QueueModel(now=now)
    m.load(whole[:4], partial=True)
    m.remove(3)  # closed after the whole queue was read (at version 1)
    m.load(whole)
    assert 3 not in ids(m) and m.entry(3) is None
    assert m.total() == 9
    # ... but a ticket reopened since (a newer version) is shown
    m2 = QueueModel(now=now)
    m2.load(whole[:4], partial=True)
    m2.remove(3)
    m2.load([e._replace(version=3) if e.ticket_id == 3 else e for e in whole])
    assert 3 in ids(m2)


def test_a_change_seen_while_loading_survives_when_the_filter_hid_the_first_screenful(
    now: FakeNow,
) -> None:
    whole = _whole_queue()
    m = QueueModel(now=now)
    m.set_filter(QueueFilter(quick="mine", me=7))
    m.load(whole[:4], partial=True)
    assert m.rowCount() == 0  # none of the first screenful is mine
    m.upsert(entry(6, timedelta(hours=9))._replace(version=2, assignee_id=7))
    m.load(whole)  # read before ticket 6 was given to technician 7
    assert ids(m) == [6]


def test_an_older_read_of_a_ticket_arriving_late_is_ignored(now: FakeNow) -> None:
    m = QueueModel(now=now)
    m.load([entry(1, timedelta(hours=1))._replace(version=4)])
    m.upsert(entry(1, timedelta(minutes=5))._replace(version=3))
    kept = m.entry(1)
    assert kept is not None and kept.version == 4


def paused_for(ticket_id: int, left: timedelta) -> Any:
    """A ticket waiting on the customer whose resolution clock had ``left`` remaining when
    it paused (negative: it had breached before the wait)."""
    made = entry(ticket_id, None, paused=True)
    stopped = made.clocks[next(iter(made.clocks))]
    elapsed = stopped.target - left
    return made._replace(clocks={stopped.metric: stopped._replace(elapsed=elapsed)})


def test_a_paused_breached_ticket_reads_over_and_the_most_overdue_comes_first(
    now: FakeNow,
) -> None:
    m = QueueModel(now=now)
    m.load(
        [
            paused_for(1, timedelta(hours=2, minutes=9)),
            paused_for(2, -timedelta(hours=38, minutes=9)),
            paused_for(3, timedelta(minutes=15)),
            paused_for(4, -timedelta(hours=2)),
            entry(5, timedelta(hours=1)),
        ]
    )
    m.set_filter(QueueFilter(quick="waiting"))
    texts = [m.data(m.index(r, Column.COUNTDOWN)) for r in range(m.rowCount())]
    assert ids(m) == [2, 4, 3, 1]
    assert texts == [
        "paused · 38 h 09 min over",
        "paused · 2 h 00 min over",
        "paused · 15 min left",
        "paused · 2 h 09 min left",
    ]


# --------------------------------------------------------------------------- sorting


def sorted_desk(now: FakeNow) -> QueueModel:
    m = QueueModel(now=now)
    m.load(
        [
            entry(1, timedelta(hours=5), customer_id=2, customer_name="Contoso"),
            entry(2, timedelta(minutes=30), customer_id=1, customer_name="Northwind"),
            entry(3, timedelta(hours=1), customer_id=2, customer_name="Contoso"),
            entry(4, None, paused=True, customer_id=3, customer_name="Adatum"),
            entry(5, -timedelta(minutes=25), customer_id=1, customer_name="Northwind"),
            entry(6, timedelta(hours=2), priority=Priority.HIGH, customer_name="Northwind"),
        ]
    )
    return m


def test_a_header_click_sorts_by_the_column_most_urgent_first_within(
    qtmodeltester: Any, now: FakeNow
) -> None:
    m = sorted_desk(now)
    assert ids(m) == [5, 2, 3, 6, 1, 4]  # time to breach: the default
    m.sort(Column.CUSTOMER, Qt.SortOrder.AscendingOrder)
    assert ids(m) == [4, 3, 1, 5, 2, 6]  # Adatum, Contoso, Northwind; each most urgent first
    qtmodeltester.check(m, force_py=True)
    m.sort(Column.CUSTOMER, Qt.SortOrder.DescendingOrder)
    assert ids(m) == [5, 2, 6, 3, 1, 4]  # the other way round, still most urgent first within
    m.sort(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
    assert [m.entry_at(r).priority for r in range(2)] == [Priority.HIGH, Priority.NORMAL]
    assert ids(m) == [6, 5, 2, 3, 1, 4]
    m.sort(Column.COUNTDOWN, Qt.SortOrder.DescendingOrder)
    assert ids(m) == [4, 1, 6, 3, 2, 5]
    m.sort(Column.COUNTDOWN, Qt.SortOrder.AscendingOrder)
    assert ids(m) == [5, 2, 3, 6, 1, 4]


def test_every_column_sorts_both_ways(now: FakeNow) -> None:
    m = sorted_desk(now)
    for column in Column:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            m.sort(column, order)
            shown = [m.data(m.index(r, column)) for r in range(m.rowCount())]
            assert sorted(ids(m)) == [1, 2, 3, 4, 5, 6], (column, order)
            if column in (Column.CUSTOMER, Column.SUBJECT, Column.STATUS):
                texts = [s.casefold() for s in shown]
                expected = sorted(texts, reverse=order == Qt.SortOrder.DescendingOrder)
                assert texts == expected, (column, order)


def test_a_change_moves_one_row_to_its_place_in_a_sorted_queue(qtbot: Any, now: FakeNow) -> None:
    m = sorted_desk(now)
    m.sort(Column.CUSTOMER, Qt.SortOrder.AscendingOrder)
    moved = entry(1, timedelta(hours=5), customer_id=3, customer_name="Adatum")
    with (
        qtbot.assertNotEmitted(m.layoutChanged),
        qtbot.assertNotEmitted(m.modelReset),
        qtbot.waitSignal(m.rowsMoved),
    ):
        m.upsert(moved._replace(version=2))
    assert ids(m) == [1, 4, 3, 5, 2, 6]  # now Adatum's, more urgent than its paused one
    m.upsert(entry(7, timedelta(minutes=5), customer_id=2, customer_name="Contoso"))
    assert ids(m) == [1, 4, 7, 3, 5, 2, 6]
    m.remove(3)
    assert ids(m) == [1, 4, 7, 5, 2, 6]
    m.set_filter(QueueFilter(search="contoso"))
    assert ids(m) == [7]
    m.set_filter(QueueFilter())
    assert ids(m) == [1, 4, 7, 5, 2, 6]  # the filter kept the sorted order


def test_selection_follows_its_ticket_when_the_queue_is_sorted(now: FakeNow) -> None:
    from PySide6.QtWidgets import QTableView

    m = sorted_desk(now)
    view = QTableView()
    view.setModel(m)
    view.setCurrentIndex(m.index_of(3))
    view.selectionModel().select(
        m.index_of(3),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    m.sort(Column.ASSIGNEE, Qt.SortOrder.DescendingOrder)
    assert view.currentIndex().data(TICKET_ID_ROLE) == 3
    assert [i.data(TICKET_ID_ROLE) for i in view.selectionModel().selectedRows()] == [3]
    view.deleteLater()
