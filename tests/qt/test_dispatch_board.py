"""The dispatch board on a real desk session: drops, drags, undo/redo, refusals, Assign to…"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt
from PySide6.QtGui import QDrag, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QMenu

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import EventKind, Role, Technician
from desktop_app.domain.changes import ChangeSet
from desktop_app.models.board_model import BoardModel
from desktop_app.models.queue_model import QueueModel
from desktop_app.models.ticket_mime import encode_tickets
from desktop_app.services.desk import DeskChange, DeskService
from desktop_app.store import Store, open_store
from desktop_app.views.desk_session import DeskSession
from desktop_app.views.dispatch_board import COLUMN_WIDTH, DispatchBoard, DispatchBoardPanel
from desktop_app.views.main_window import MainWindow
from support import writes

# 15:00 UTC: 10:00 in Toronto, 16:00 in Berlin, 02:00 in Sydney (Chloe is off shift)
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
MOVE = Qt.DropAction.MoveAction


class Dialogs:
    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.questions: list[tuple[str, str]] = []
        self.problems: list[tuple[str, str]] = []

    def ask(self, title: str, question: str) -> bool:
        self.questions.append((title, question))
        return self.answer

    def tell(self, title: str, message: str) -> None:
        self.problems.append((title, message))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo desk (built once): four unassigned tickets, an outage among the
    unassigned ones, and an inactive technician who still holds a ticket."""
    path = tmp_path_factory.mktemp("desk") / "desk.sqlite3"
    store = open_store(f"sqlite:///{path}", clock=lambda: NOW)
    store.import_desk(generate_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=5))
    people = store.technicians()
    lead = next(t for t in people if t.role is Role.DISPATCHER)
    manager = next(t for t in people if t.role is Role.MANAGER)
    queue = store.load_queue()
    writes.assign_tickets(store, lead.id, {e.ticket_id: e.version for e in queue[-4:]}, None)
    outage = store.load_queue()[-1]
    if outage.category != "outage":
        writes.change_category(store, manager.id, outage.ticket_id, outage.version, "outage")
    leaving = writes.add_technician(store, manager.id, Technician("Old Timer", Role.TECHNICIAN))
    held = store.load_queue()[0]
    writes.assign_tickets(store, lead.id, {held.ticket_id: held.version}, leaving.id)
    store.close()
    with sqlite3.connect(path) as db:  # no use case deactivates a technician yet
        db.execute("UPDATE technicians SET active = 0 WHERE name = 'Old Timer'")
    return path


@pytest.fixture
def url(template: Path, tmp_path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copy(source, tmp_path / source.name)
    return f"sqlite:///{tmp_path / template.name}"


@pytest.fixture
def other_window(url: str) -> Iterator[Store]:
    """The same desk opened by someone else (another dispatcher's window)."""
    store = open_store(url, clock=lambda: NOW)
    yield store
    store.close()


class Desk:
    def __init__(self, qtbot: Any, url: str, settings: Any, dialogs: Dialogs) -> None:
        self.qtbot = qtbot
        self.dialogs = dialogs
        self.window = MainWindow(settings)
        qtbot.addWidget(self.window)
        self.service = DeskService(lambda: open_store(url, clock=lambda: NOW))
        self.model = QueueModel(self.window, now=NOW.timestamp)
        self.session = DeskSession(
            self.window,
            self.service,
            self.model,
            settings,
            ask=dialogs.ask,
            tell=dialogs.tell,
        )
        self.panel = DispatchBoardPanel(self.session, now=NOW.timestamp)
        self.board = self.panel.model
        self.dispatcher = self.panel.dispatcher
        self.undo = self.session.undo_stack

    def start(self) -> None:
        with self.qtbot.waitSignal(self.board.filled, timeout=30_000):
            self.session.start()

    def sign_in(self, technician_id: int) -> None:
        combo = self.window.findChild(QComboBox, "technicianCombo")
        combo.setCurrentIndex(combo.findData(technician_id))
        assert self.session.me is not None and self.session.me.id == technician_id

    def person(self, name: str) -> Technician:
        return next(t for t in self.session.technicians if t.name == name)

    def assignees(self, ticket_ids: list[int]) -> list[int | None]:
        entries = [self.model.entry(t) for t in ticket_ids]
        return [e.assignee_id if e is not None else -1 for e in entries]

    def drop(self, tickets: list[tuple[int, int]], assignee_id: int | None) -> bool:
        column = self.board.column(assignee_id)
        assert column is not None
        return column.dropMimeData(encode_tickets(tickets), MOVE, -1, 0, QModelIndex())

    def drop_and_wait(self, tickets: list[tuple[int, int]], assignee_id: int | None) -> Any:
        with self.qtbot.waitSignal(self.dispatcher.applied, timeout=30_000) as applied:
            assert self.drop(tickets, assignee_id)
        return applied.args[0]

    def wait_idle(self) -> None:
        if self.service.busy:
            with self.qtbot.waitSignal(self.service.busyChanged, timeout=30_000):
                pass


@pytest.fixture
def desk(qtbot: Any, url: str, tmp_settings: Any) -> Iterator[Desk]:
    d = Desk(qtbot, url, tmp_settings, Dialogs())
    d.start()
    yield d
    d.panel.stop()
    d.session.stop()


def pick(desk: Desk, n: int, *, not_with: int | None, category: str | None = None) -> list[Any]:
    """``n`` open tickets held by different people, none of them ``not_with``'s (and none
    unassigned, unless a category is asked for)."""
    chosen, holders = [], set()
    for column in desk.board.columns:
        if column.info.assignee_id == not_with or not column.info.active:
            continue
        if category is None and column.info.assignee_id is None:
            continue
        for row in range(column.rowCount()):
            entry = column.entry_at(row)
            if category is not None and entry.category != category:
                continue
            if category is None and entry.category == "outage":
                continue
            if entry.assignee_id not in holders or len(holders) >= n:
                chosen.append(entry)
                holders.add(entry.assignee_id)
                break
        if len(chosen) == n:
            break
    assert len(chosen) == n
    return chosen


def test_the_board_has_a_column_per_active_technician_plus_unassigned(
    desk: Desk, qtmodeltester: Any
) -> None:
    names = [c.info.name for c in desk.board.columns]
    assert names[0] == "Unassigned"
    active = {t.name for t in desk.session.technicians}
    assert set(names[1:-1]) == active
    assert names[-1] == "Old Timer" and not desk.board.columns[-1].info.active
    assert desk.board.total() == desk.model.total() == 30
    for column in desk.board.columns:
        qtmodeltester.check(column)
        dues = [column.entry_at(r).due_at for r in range(column.rowCount())]
        running = [d for d in dues if d is not None]
        assert running == sorted(running)
    widgets = desk.panel.board.columns
    assert [w.info.name for w in widgets] == names
    chloe = desk.panel.board.column_widget(desk.person("Chloe Nguyen").id)
    assert chloe is not None
    assert "off shift" in chloe.header.shift_label.text()
    assert "open" in chloe.header.workload_label.text()
    assert desk.window.findChild(QMenu, "menuView") is not None
    assert desk.panel.dock.objectName() == "dispatchBoardDock"


def test_a_drop_of_several_tickets_is_one_undoable_assignment(
    desk: Desk, other_window: Store
) -> None:
    priya = desk.person("Priya Raman")
    tickets = pick(desk, 3, not_with=priya.id)
    ids = [e.ticket_id for e in tickets]
    before = [e.assignee_id for e in tickets]
    audit_before = len(other_window.audit_log())

    result = desk.drop_and_wait([(e.ticket_id, e.version) for e in tickets], priya.id)

    assert sorted(result.after) == sorted(ids)
    assert desk.assignees(ids) == [priya.id] * 3
    queue_entry = desk.model.entry(ids[0])
    assert queue_entry is not None and queue_entry.assignee_name == priya.name
    assert set(ids) <= set(desk.board.column(priya.id).ticket_ids())
    assert sorted(desk.board.highlighted()) == sorted(ids)
    assert desk.undo.count() == 1
    assert desk.undo.text(0) == "Assign 3 tickets to Priya Raman"
    # what the board shows is what the database holds
    for ticket_id in ids:
        stored = other_window.queue_entry(ticket_id)
        shown = desk.model.entry(ticket_id)
        assert stored is not None and shown is not None
        assert (stored.assignee_id, stored.version) == (shown.assignee_id, shown.version)
    log = other_window.audit_log()
    assert len(log) == audit_before + 1 and log[0].action == "assign"

    with desk.qtbot.waitSignal(desk.dispatcher.applied, timeout=30_000):
        desk.undo.undo()
    assert desk.assignees(ids) == before
    assert [other_window.ticket(t).assignee_id for t in ids] == before
    log = other_window.audit_log()
    assert len(log) == audit_before + 2 and log[0].action == "assign"  # undo assigns too

    with desk.qtbot.waitSignal(desk.dispatcher.applied, timeout=30_000):
        desk.undo.redo()
    assert desk.assignees(ids) == [priya.id] * 3
    with desk.qtbot.waitSignal(desk.dispatcher.applied, timeout=30_000):
        desk.undo.undo()
    assert desk.assignees(ids) == before
    assert desk.dialogs.problems == []


def test_undo_twice_in_a_row_expects_its_own_versions(desk: Desk) -> None:
    priya, marc = desk.person("Priya Raman"), desk.person("Marc Tremblay")
    ticket = pick(desk, 1, not_with=priya.id)[0]
    if ticket.assignee_id == marc.id:
        ticket = pick(desk, 2, not_with=priya.id)[1]
    first_holder = ticket.assignee_id
    desk.drop_and_wait([(ticket.ticket_id, ticket.version)], priya.id)
    moved = desk.model.entry(ticket.ticket_id)
    assert moved is not None
    desk.drop_and_wait([(ticket.ticket_id, moved.version)], marc.id)
    # both undos are queued before either has finished
    desk.undo.undo()
    desk.undo.undo()
    desk.wait_idle()
    assert desk.dialogs.problems == []
    assert desk.assignees([ticket.ticket_id]) == [first_holder]


def test_a_real_drag_moves_the_selected_cards(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    board = desk.panel.board
    desk.window.show()
    desk.qtbot.waitExposed(desk.window)
    marc = desk.person("Marc Tremblay")
    source_id = next(
        c.info.assignee_id
        for c in desk.board.columns
        if c.info.assignee_id not in (None, marc.id)
        and c.info.active
        and c.rowCount() >= 2
        and "outage" not in {c.entry_at(r).category for r in range(2)}
    )
    source, target = board.view_of(source_id), board.view_of(marc.id)
    assert source is not None and target is not None
    model = source.model()
    ids = [model.data(model.index(r, 0), Qt.ItemDataRole.UserRole + 1) for r in (0, 1)]
    selection = source.selectionModel()
    selection.select(model.index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    selection.select(model.index(1, 0), QItemSelectionModel.SelectionFlag.Select)

    def exec_on_target(drag: QDrag, *args: Any) -> Qt.DropAction:
        # the user lets go over Marc's column: the events Qt sends to its viewport
        where = target.viewport().rect().center()
        enter = QDragEnterEvent(
            where, MOVE, drag.mimeData(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
        )
        QApplication.sendEvent(target.viewport(), enter)
        assert enter.isAccepted()
        drop = QDropEvent(
            where.toPointF(),
            MOVE,
            drag.mimeData(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier(0),
        )
        QApplication.sendEvent(target.viewport(), drop)
        return drop.dropAction() if drop.isAccepted() else Qt.DropAction.IgnoreAction

    monkeypatch.setattr(QDrag, "exec", exec_on_target)
    rect = source.visualRect(model.index(0, 0))
    with desk.qtbot.waitSignal(desk.dispatcher.applied, timeout=30_000):
        desk.qtbot.mousePress(
            source.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.ControlModifier,
            rect.center(),
        )
        source.startDrag(MOVE)
    assert desk.assignees(ids) == [marc.id, marc.id]
    assert desk.undo.text(0) == "Assign 2 tickets to Marc Tremblay"
    assert board.glowing  # the moved cards glow while the board is shown
    desk.window.hide()
    assert not board.glowing and not board.ticking


def test_tickets_dragged_from_the_queue_land_on_a_column(desk: Desk) -> None:
    desk.window.show()
    desk.qtbot.waitExposed(desk.window)
    lena = desk.person("Lena Hoffmann")
    rows = [
        r
        for r in range(desk.model.rowCount())
        if desk.model.entry_at(r).assignee_id not in (lena.id,)
        and desk.model.entry_at(r).category != "outage"
    ][:2]
    mime = desk.model.mimeData([desk.model.index(r, 0) for r in rows])
    ids = [desk.model.ticket_id_at(r) for r in rows]
    view = desk.panel.board.view_of(lena.id)
    assert view is not None
    drop = QDropEvent(
        QPoint(5, 5).toPointF(), MOVE, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    enter = QDragEnterEvent(
        QPoint(5, 5), MOVE, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0)
    )
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    with desk.qtbot.waitSignal(desk.dispatcher.applied, timeout=30_000):
        QApplication.sendEvent(view.viewport(), drop)
    assert drop.isAccepted()
    assert desk.assignees(ids) == [lena.id, lena.id]


def test_a_drop_on_the_same_column_does_nothing(desk: Desk) -> None:
    column = next(c for c in desk.board.columns if c.rowCount() >= 2 and c.info.active)
    tickets = [(column.entry_at(r).ticket_id, column.entry_at(r).version) for r in (0, 1)]
    assert not desk.drop(tickets, column.info.assignee_id)
    assert not desk.service.busy
    assert desk.undo.count() == 0 and desk.dialogs.problems == []


def test_a_drop_on_an_inactive_technician_is_refused(desk: Desk, other_window: Store) -> None:
    gone = desk.board.columns[-1]
    assert gone.info.name == "Old Timer"
    ticket = pick(desk, 1, not_with=gone.info.assignee_id)[0]
    assert not desk.drop([(ticket.ticket_id, ticket.version)], gone.info.assignee_id)
    assert desk.dialogs.problems == [
        (
            "Cannot assign",
            "Old Timer is inactive and cannot take tickets; pick an active technician.",
        )
    ]
    assert other_window.ticket(ticket.ticket_id).version == ticket.version
    assert desk.undo.count() == 0
    # the tickets they still hold can be dragged away
    held = gone.entry_at(0)
    desk.drop_and_wait([(held.ticket_id, held.version)], None)
    assert desk.assignees([held.ticket_id]) == [None]


def test_a_stale_ticket_refuses_the_whole_drop_and_is_named(
    desk: Desk, other_window: Store
) -> None:
    priya = desk.person("Priya Raman")
    tickets = pick(desk, 3, not_with=priya.id)
    manager = next(t for t in desk.session.technicians if t.role is Role.MANAGER)
    # after the drag started, someone else adds notes to two of them
    for e in tickets[1:]:
        writes.add_event(
            other_window, manager.id, e.ticket_id, e.version, EventKind.INTERNAL_NOTE, "seen"
        )
    with desk.qtbot.waitSignal(desk.dispatcher.refused, timeout=30_000) as refused:
        assert desk.drop([(e.ticket_id, e.version) for e in tickets], priya.id)
    title, message = refused.args
    assert title == "Nothing was assigned"
    assert tickets[1].number in message and tickets[2].number in message
    assert tickets[0].number not in message
    assert manager.name in message
    desk.wait_idle()  # the board re-reads the tickets others changed
    assert [other_window.ticket(e.ticket_id).assignee_id for e in tickets] == [
        e.assignee_id for e in tickets
    ]
    assert desk.undo.count() == 0
    fresh = desk.board.entry(tickets[1].ticket_id)
    assert fresh is not None and fresh.version == tickets[1].version + 1
    # dragging the old version again is refused at once, without asking the database
    assert not desk.drop([(tickets[1].ticket_id, tickets[1].version)], priya.id)
    assert desk.dialogs.problems[-1][0] == "Nothing was assigned"
    assert not desk.service.busy


def test_an_undo_after_someone_else_changed_the_ticket_is_refused(
    desk: Desk, other_window: Store
) -> None:
    priya = desk.person("Priya Raman")
    ticket = pick(desk, 1, not_with=priya.id)[0]
    desk.drop_and_wait([(ticket.ticket_id, ticket.version)], priya.id)
    manager = next(t for t in desk.session.technicians if t.role is Role.MANAGER)
    version = other_window.ticket(ticket.ticket_id).version
    writes.add_event(
        other_window, manager.id, ticket.ticket_id, version, EventKind.INTERNAL_NOTE, "x"
    )
    with desk.qtbot.waitSignal(desk.dispatcher.refused, timeout=30_000) as refused:
        desk.undo.undo()
    assert ticket.number in refused.args[1] and "undo history" in refused.args[1]
    assert other_window.ticket(ticket.ticket_id).assignee_id == priya.id
    desk.wait_idle()
    desk.undo.redo()  # the failed step leaves the history instead of redoing anything
    assert desk.undo.count() == 0
    assert not desk.service.busy


def test_a_technician_may_take_unassigned_tickets_but_not_others(desk: Desk) -> None:
    jonas = desk.person("Jonas Becker")
    desk.sign_in(jonas.id)
    unassigned = desk.board.column(None)
    assert unassigned is not None
    free = next(
        unassigned.entry_at(r)
        for r in range(unassigned.rowCount())
        if unassigned.entry_at(r).category != "outage"
    )
    someone_elses = pick(desk, 1, not_with=jonas.id)[0]
    # refused at once, by the same rule the store applies: nothing is sent
    with desk.qtbot.waitSignal(desk.dispatcher.refused, timeout=30_000) as refused:
        assert not desk.drop([(someone_elses.ticket_id, someone_elses.version)], jonas.id)
    assert refused.args[0] == "Not allowed"
    assert "only take unassigned tickets" in refused.args[1]
    assert desk.assignees([someone_elses.ticket_id]) == [someone_elses.assignee_id]
    desk.drop_and_wait([(free.ticket_id, free.version)], jonas.id)
    assert desk.assignees([free.ticket_id]) == [jonas.id]
    assert desk.undo.text(0) == f"Assign {free.number} to Jonas Becker"
    with desk.qtbot.waitSignal(desk.dispatcher.applied, timeout=30_000):
        desk.undo.undo()  # handing it back is allowed
    assert desk.assignees([free.ticket_id]) == [None]


def test_an_outage_to_someone_off_shift_asks_first(desk: Desk) -> None:
    chloe = desk.person("Chloe Nguyen")  # 02:00 in Sydney
    outage = pick(desk, 1, not_with=chloe.id, category="outage")[0]
    desk.dialogs.answer = False
    assert not desk.drop([(outage.ticket_id, outage.version)], chloe.id)
    title, question = desk.dialogs.questions[-1]
    assert title == "Assign an outage off shift?"
    assert outage.number in question and "Chloe Nguyen is off shift" in question
    assert not desk.service.busy and desk.undo.count() == 0
    desk.dialogs.answer = True
    desk.drop_and_wait([(outage.ticket_id, outage.version)], chloe.id)
    assert desk.assignees([outage.ticket_id]) == [chloe.id]
    # someone on shift is not asked about
    asked = len(desk.dialogs.questions)
    priya = desk.person("Priya Raman")
    moved = desk.model.entry(outage.ticket_id)
    assert moved is not None
    desk.drop_and_wait([(outage.ticket_id, moved.version)], priya.id)
    assert len(desk.dialogs.questions) == asked


def test_assign_to_from_the_queue_with_the_keyboard(desk: Desk) -> None:
    marc = desk.person("Marc Tremblay")
    queue = desk.window.queue_view
    rows = [
        r
        for r in range(desk.model.rowCount())
        if desk.model.entry_at(r).assignee_id != marc.id
        and desk.model.entry_at(r).category != "outage"
    ][:2]
    selection = queue.selectionModel()
    for r in rows:
        selection.select(
            desk.model.index(r, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    ids = [desk.model.ticket_id_at(r) for r in rows]
    queue.setFocus()
    assert desk.panel.selected_tickets() == [
        (t, desk.model.entry(t).version)
        for t in ids  # type: ignore[union-attr]
    ]
    dialog = desk.panel.assign_selected()
    assert dialog is not None
    names = [t.name for t in dialog.visible_targets()]
    assert "Old Timer" not in names and names[0] == "Unassigned"
    assert next(t for t in dialog.visible_targets() if t.name == "Chloe Nguyen").off_shift
    desk.qtbot.keyClicks(dialog.filter_edit, "marc")
    assert [t.name for t in dialog.visible_targets()] == ["Marc Tremblay"]
    with desk.qtbot.waitSignal(desk.dispatcher.applied, timeout=30_000):
        desk.qtbot.keyClick(dialog.filter_edit, Qt.Key.Key_Return)
    assert desk.assignees(ids) == [marc.id, marc.id]


def test_the_card_menu_moves_and_unassigns(desk: Desk) -> None:
    board = desk.panel.board
    column = next(
        c
        for c in desk.board.columns
        if c.info.assignee_id is not None
        and c.info.active
        and c.rowCount()
        and c.entry_at(0).category != "outage"
    )
    view = board.view_of(column.info.assignee_id)
    assert view is not None
    view.setCurrentIndex(column.index(0, 0))
    ticket = column.entry_at(0)
    menu = desk.panel.card_menu(view)
    assert menu is not None
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[0] == "&Assign to…" and "Unassign" in texts
    move_to = next(a.menu() for a in menu.actions() if a.text() == "Move to")
    assert column.info.name not in [a.text() for a in move_to.actions()]
    unassign = next(a for a in menu.actions() if a.text() == "Unassign")
    with desk.qtbot.waitSignal(desk.dispatcher.applied, timeout=30_000):
        unassign.trigger()
    assert desk.assignees([ticket.ticket_id]) == [None]
    assert desk.undo.text(0) == f"Unassign {ticket.number}"
    menu.close()


def test_the_countdown_runs_only_while_the_board_is_shown(desk: Desk) -> None:
    board = desk.panel.board
    assert not board.ticking
    desk.window.show()
    desk.qtbot.waitExposed(desk.window)
    assert board.ticking
    desk.panel.dock.hide()
    assert not board.ticking
    desk.panel.dock.show()
    assert board.ticking
    desk.window.close()
    assert not board.ticking


def test_the_board_fills_from_the_queues_rows_without_working_them_out_again(
    qtbot: Any, url: str, tmp_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a 100,000-ticket desk, a second pass of sort keys and warning instants costs the
    # GUI thread about half a second right after the queue appears.
    from desktop_app.models import board_model

    made: list[int] = []
    real = board_model.queue_row

    def counted(entry: Any) -> Any:
        made.append(entry.ticket_id)
        return real(entry)

    monkeypatch.setattr(board_model, "queue_row", counted)
    d = Desk(qtbot, url, tmp_settings, Dialogs())
    try:
        d.start()
        assert made == []
        assert d.board.total() == d.model.total() > 0
        for row in range(d.model.rowCount()):
            entry = d.model.entry_at(row)
            assert d.board.entry(entry.ticket_id) is entry
            column = d.board.column_of_ticket(entry.ticket_id)
            assert column is not None and column.info.assignee_id == entry.assignee_id
    finally:
        d.panel.stop()
        d.session.stop()


def test_a_closed_board_is_filled_only_when_opened(qtbot: Any, url: str, tmp_settings: Any) -> None:
    d = Desk(qtbot, url, tmp_settings, Dialogs())
    try:
        d.panel.dock.hide()  # the technician closed the board last time
        with qtbot.waitSignal(d.session.ready, timeout=30_000):
            d.session.start()
        assert d.board.total() == 0  # nothing built for a board nobody looks at
        d.window.show()
        qtbot.waitExposed(d.window)
        with qtbot.waitSignal(d.board.filled, timeout=5_000):
            d.panel.dock.show()
        assert d.board.total() == d.model.total() > 0
    finally:
        d.panel.stop()
        d.session.stop()


# ---------------------------------------------------------------------------------- large desks


def test_a_long_column_shows_the_cards_that_breach_first_and_end_shows_more(
    qtbot: Any,
) -> None:
    from support.queue_entries import FakeNow, entry

    priya = Technician("Priya Raman", Role.TECHNICIAN, timezone="America/Toronto", id=1)
    model = BoardModel(now=FakeNow(), cards_per_page=3, most_cards=6)
    model.load([entry(n, timedelta(hours=n), assignee_id=1) for n in range(1, 13)], [priya])
    board = DispatchBoard(model)
    qtbot.addWidget(board)
    board.resize(700, 260)  # room for about two cards: scrolling shows the rest
    board.show()
    qtbot.waitExposed(board)
    column = board.column_widget(1)
    assert column is not None
    view, more = column.view, column.more_label
    assert view.model().rowCount() == 3
    assert more.isVisible() and more.text() == "3 of 12 shown · scroll for more"
    assert column.header.workload_label.text().startswith("12 open")
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    with qtbot.waitSignal(view.model().rowsInserted, timeout=5_000):
        qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.model().rowCount() == 6  # the next page, and no more than six
    assert more.text() == "6 of 12 shown · rest in the queue"
    assert "Assign to…" in more.toolTip()
    model.remove(12)
    model.remove(11)
    model.remove(10)
    model.remove(9)
    model.remove(8)
    model.remove(7)
    assert not more.isVisible()  # every card is shown now
    board.stop()


def test_a_workload_too_wide_for_its_column_takes_two_lines(qtbot: Any) -> None:
    from support.queue_entries import FakeNow, entry

    people = [
        Technician("Priya Raman", Role.TECHNICIAN, timezone="America/Toronto", id=1),
        Technician("Marc Tremblay", Role.TECHNICIAN, timezone="America/Toronto", id=2),
    ]
    due = [timedelta(hours=h) for h in (-5, 1, 3)]  # breached, at risk, fine
    tickets = [entry(n, due[n % 3], assignee_id=1) for n in range(1, 30_001)]
    tickets += [entry(n, due[n % 3], assignee_id=2) for n in range(30_001, 30_013)]
    model = BoardModel(now=FakeNow())
    model.load(tickets, people)
    board = DispatchBoard(model)
    qtbot.addWidget(board)
    busy, calm = board.column_widget(1), board.column_widget(2)
    assert busy is not None and calm is not None
    assert busy.header.workload_label.text() == "30,000 open · 10,000 at risk\n10,000 breached"
    assert calm.header.workload_label.text() == "12 open · 4 at risk · 4 breached"
    metrics = busy.header.workload_label.fontMetrics()
    for line in busy.header.workload_label.text().splitlines():
        assert metrics.horizontalAdvance(line) <= COLUMN_WIDTH - 24


def test_the_board_shows_its_columns_first_then_the_cards_as_they_are_now(
    qtbot: Any, url: str, tmp_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = Desk(qtbot, url, tmp_settings, Dialogs())
    try:
        d.panel.dock.hide()
        with qtbot.waitSignal(d.session.ready, timeout=30_000):
            d.session.start()
        # sorted a few tickets per turn, as 100,000 would be
        small_steps = partial(BoardModel.fill, d.board, budget_s=0, rows_per_step=4)
        monkeypatch.setattr(d.board, "fill", small_steps)
        d.window.show()
        qtbot.waitExposed(d.window)
        summary = d.panel.board.findChild(QLabel, "boardSummary")
        with qtbot.waitSignal(d.board.columnsReset, timeout=5_000):
            d.panel.dock.show()
            assert summary.text() == "Putting 30 open tickets on the board…"
        assert d.board.filling and not d.board.loaded
        widgets = d.panel.board.columns
        names = [w.info.name for w in widgets]
        assert names[0] == "Unassigned"
        assert set(names[1:]) == {t.name for t in d.session.technicians}  # standing columns
        assert all(w.header.workload_label.text() == "Sorting the cards…" for w in widgets)
        # a ticket handed to Marc while the cards are sorted lands in his column
        marc = d.person("Marc Tremblay")
        ticket = next(e for e in d.model.entries() if e.assignee_id not in (marc.id, None))
        moved = ticket._replace(assignee_id=marc.id, version=ticket.version + 1)
        d.service.changed.emit(DeskChange(ChangeSet(), {moved.ticket_id: moved}, local=False))
        with qtbot.waitSignal(d.board.filled, timeout=5_000):
            pass
        assert d.panel.board.columns[: len(widgets)] == widgets  # the same widgets
        assert d.panel.board.columns[-1].info.name == "Old Timer"  # still holds a ticket
        column = d.board.column_of_ticket(ticket.ticket_id)
        assert column is not None and column.info.assignee_id == marc.id
        assert summary.text().startswith("30 open tickets · ")
        assert all("open ·" in w.header.workload_label.text() for w in d.panel.board.columns)
    finally:
        d.panel.stop()
        d.session.stop()


def test_closing_the_desk_while_the_board_fills_stops_the_fill(
    qtbot: Any, url: str, tmp_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = Desk(qtbot, url, tmp_settings, Dialogs())
    monkeypatch.setattr(
        d.board, "fill", partial(BoardModel.fill, d.board, budget_s=0, rows_per_step=2)
    )
    with qtbot.waitSignal(d.board.columnsReset, timeout=30_000):
        d.session.start()
    assert d.board.filling
    d.panel.stop()  # what quitting does; the leak check fails on a timer left running
    assert not d.board.filling
    d.session.stop()


def test_assign_to_offers_a_technician_only_what_they_may_do_and_says_why(desk: Desk) -> None:
    """A technician's "Assign to…" lists neither colleagues nor a colleague's ticket's
    moves (the one rule), and says why the rest is missing; a dispatcher sees everyone."""
    jonas = desk.person("Jonas Becker")
    unassigned = desk.board.column(None)
    assert unassigned is not None and unassigned.rowCount()
    free = unassigned.entry_at(0)
    theirs = pick(desk, 1, not_with=jonas.id)[0]
    assert theirs.assignee_id is not None

    desk.sign_in(jonas.id)
    dialog = desk.dispatcher.open_assign_dialog([(free.ticket_id, free.version)], desk.window)
    assert dialog is not None
    assert [t.name for t in dialog.visible_targets()] == ["Unassigned", "Jonas Becker"]
    assert "dispatcher or manager" in dialog.note_label.text()
    assert not dialog.note_label.isHidden()
    dialog.close()
    # a colleague's ticket: nowhere to send it but where it is (already theirs)
    dialog = desk.dispatcher.open_assign_dialog([(theirs.ticket_id, theirs.version)], desk.window)
    assert dialog is not None
    offered = dialog.visible_targets()
    assert [t.assignee_id for t in offered] == [theirs.assignee_id] and offered[0].current
    dialog.close()

    lead = next(t for t in desk.session.technicians if t.role is Role.DISPATCHER)
    desk.sign_in(lead.id)
    dialog = desk.dispatcher.open_assign_dialog([(free.ticket_id, free.version)], desk.window)
    assert dialog is not None
    assert len(dialog.visible_targets()) == len([c for c in desk.board.columns if c.info.active])
    assert dialog.note_label.isHidden()
    dialog.close()
