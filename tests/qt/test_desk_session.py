"""A session at the desk: first-run demo offer, queue loaded and kept live, filters, who I am."""

from __future__ import annotations

import functools
import gc
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QMenu, QMessageBox

import desktop_app.demo as demo_module
from desktop_app.domain import ConflictError, Role
from desktop_app.domain.changes import ChangeSet
from desktop_app.domain.commands import Reassign
from desktop_app.domain.queue import QueueEntry
from desktop_app.models.queue_model import TICKET_ID_ROLE, QueueModel
from desktop_app.services.desk import DeskChange, DeskService
from desktop_app.store import Store, open_store
from desktop_app.views.desk_session import TECHNICIAN_KEY, DeskSession
from desktop_app.views.detail_panel import DetailPanel
from desktop_app.views.main_window import MainWindow
from support import writes

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def small_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo desk, smaller, so a test builds it in a moment."""
    original = demo_module.generate_demo_desk
    monkeypatch.setattr(
        demo_module,
        "generate_demo_desk",
        functools.partial(original, seed=5, open_tickets=30, closed_tickets=10),
    )


class Dialogs:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []
        self.problems: list[tuple[str, str]] = []

    def ask(self, title: str, question: str) -> bool:
        self.questions.append(title)
        return self.answer

    def tell(self, title: str, message: str) -> None:
        self.problems.append((title, message))


def make_session(
    qtbot: Any, url: str, settings: QSettings, dialogs: Dialogs, **kwargs: Any
) -> tuple[DeskSession, MainWindow, QueueModel]:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    service = DeskService(lambda: open_store(url, clock=lambda: NOW))
    model = QueueModel(window, now=NOW.timestamp)
    session = DeskSession(
        window, service, model, settings, ask=dialogs.ask, tell=dialogs.tell, **kwargs
    )
    return session, window, model


@pytest.fixture
def running(qtbot: Any) -> Iterator[list[DeskSession]]:
    sessions: list[DeskSession] = []
    yield sessions
    for session in sessions:
        session.stop()


def test_an_empty_desk_offers_the_demo_and_loads_it(
    qtbot: Any, tmp_path: Path, tmp_settings: QSettings, small_demo: None, running: list[Any]
) -> None:
    dialogs = Dialogs(answer=True)
    session, window, model = make_session(
        qtbot, f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_settings, dialogs
    )
    running.append(session)
    with qtbot.waitSignal(session.ready, timeout=60_000):
        session.start()
    assert dialogs.questions == ["An empty desk"]
    assert model.total() == 30
    assert window.customer_filter.count() > 1  # "All customers" + the demo customers
    assert session.me is not None and session.me.role is not Role.TECHNICIAN
    assert tmp_settings.value(TECHNICIAN_KEY) is not None
    assert "30 open" in window.summary_label.text()


def test_declining_the_demo_leaves_an_empty_queue(
    qtbot: Any, tmp_path: Path, tmp_settings: QSettings, running: list[Any]
) -> None:
    dialogs = Dialogs(answer=False)
    session, _window, model = make_session(
        qtbot, f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_settings, dialogs
    )
    running.append(session)
    with qtbot.waitSignal(session.ready, timeout=30_000):
        session.start()
    assert dialogs.questions == ["An empty desk"]
    assert model.total() == 0
    assert session.me is None


@pytest.fixture
def filled_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    store = open_store(url, clock=lambda: NOW)
    store.import_desk(
        demo_module.generate_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=10)
    )
    store.close()
    return url


def test_a_filled_desk_opens_without_asking(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any]
) -> None:
    dialogs = Dialogs(answer=True)
    session, _window, model = make_session(qtbot, filled_url, tmp_settings, dialogs)
    running.append(session)
    with qtbot.waitSignal(session.ready, timeout=30_000):
        session.start()
    assert dialogs.questions == []
    assert model.total() == 30
    assert session.loaded_in is not None and session.loaded_in > 0
    # the loaded queue is out of the cyclic collector's sight: its passes skip it
    entry = model.entry_at(0)
    assert gc.get_freeze_count() > 0
    tracked = {id(o) for o in gc.get_objects()}
    assert id(entry.clocks) not in tracked


def test_filters_follow_the_toolbar_and_the_technician(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any]
) -> None:
    session, window, model = make_session(qtbot, filled_url, tmp_settings, Dialogs(True))
    running.append(session)
    with qtbot.waitSignal(session.ready, timeout=30_000):
        session.start()
    worker = next(
        t
        for t in session.technicians
        if t.role is Role.TECHNICIAN
        and any(model.entry_at(r).assignee_id == t.id for r in range(model.rowCount()))
    )
    combo = window.findChild(type(window.customer_filter), "technicianCombo")
    combo.setCurrentIndex(combo.findData(worker.id))
    window.quick_filter_buttons["mine"].click()
    assert model.filter.quick == "mine" and model.filter.me == worker.id
    assert model.rowCount() > 0
    assert all(model.entry_at(r).assignee_id == worker.id for r in range(model.rowCount()))
    window.quick_filter_buttons["all"].click()
    window.search_edit.setText(model.entry_at(0).number)
    assert model.rowCount() == 1
    window.search_edit.clear()
    assert model.rowCount() == 30


def test_a_change_made_through_the_service_moves_its_row(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any]
) -> None:
    session, _window, model = make_session(qtbot, filled_url, tmp_settings, Dialogs(True))
    running.append(session)
    with qtbot.waitSignal(session.ready, timeout=30_000):
        session.start()
    entry = model.entry_at(model.rowCount() - 1)
    me = session.me
    assert me is not None
    target = next(t for t in session.technicians if t.id != entry.assignee_id)
    service = session._service
    command = Reassign.to(
        {entry.ticket_id: entry.version}, target.id, actor_id=me.id, at=service.now()
    )
    with qtbot.waitSignal(service.changed, timeout=30_000):
        service.execute(command, label="Assigning")
    updated = model.entry(entry.ticket_id)
    assert updated is not None and updated.assignee_id == target.id


def test_a_database_that_cannot_open_is_explained(
    qtbot: Any, tmp_settings: QSettings, running: list[Any]
) -> None:
    dialogs = Dialogs(answer=True)
    session, _window, _model = make_session(
        qtbot, "postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_settings, dialogs
    )
    running.append(session)
    with qtbot.waitSignal(session._service.openFailed, timeout=30_000):
        session.start()
    assert dialogs.problems and dialogs.problems[0][0] == "Cannot open the desk"
    message = dialogs.problems[0][1]
    assert "127.0.0.1:1 refused the connection" in message  # which server, what happened
    assert "Check that the server is running" in message  # what to do
    assert "(psycopg" not in message and "sqlalche.me" not in message


def test_undo_redo_live_in_the_edit_menu_and_selection_is_announced(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any]
) -> None:
    session, window, model = make_session(qtbot, filled_url, tmp_settings, Dialogs(True))
    running.append(session)
    with qtbot.waitSignal(session.ready, timeout=30_000):
        session.start()
    names = [a.objectName() for a in window.findChild(QMenu, "menuEdit").actions()]
    assert names[:2] == ["actionUndo", "actionRedo"]
    with qtbot.waitSignal(session.ticketSelected) as selected:
        window.queue_view.setCurrentIndex(model.index(3, 0))
    assert selected.args == [model.ticket_id_at(3)]


def test_search_on_a_large_desk_waits_for_a_pause_in_typing(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any], monkeypatch: Any
) -> None:
    import desktop_app.views.desk_session as module

    session, window, model = make_session(qtbot, filled_url, tmp_settings, Dialogs(True))
    running.append(session)
    with qtbot.waitSignal(session.ready, timeout=30_000):
        session.start()
    monkeypatch.setattr(module, "INSTANT_SEARCH_LIMIT", 10)  # this desk counts as large
    number = model.entry_at(0).number
    window.search_edit.setText(number[:4])
    window.search_edit.setText(number)
    assert model.rowCount() == 30  # nothing filtered while typing
    with qtbot.waitSignal(model.layoutChanged, timeout=5_000):
        pass
    assert model.rowCount() == 1


def test_the_tickets_that_breach_first_show_before_the_whole_queue(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any], monkeypatch: Any
) -> None:
    import desktop_app.views.desk_session as module

    monkeypatch.setattr(module, "HEAD_ROWS", 5)
    session, window, model = make_session(qtbot, filled_url, tmp_settings, Dialogs(True))
    running.append(session)
    seen: list[tuple[list[int], bool, str]] = []
    model.rowsInserted.connect(
        lambda *_: seen.append(
            (
                [model.ticket_id_at(r) for r in range(model.rowCount())],
                model.partial,
                window.summary_label.text(),
            )
        )
    )
    with qtbot.waitSignal(session.ready, timeout=30_000):
        session.start()
    head, partial, text = seen[0]
    assert len(head) == 5 and partial
    assert "the 5 tickets that breach first are shown" in text
    assert model.total() == 30 and not model.partial
    assert window.summary_label.text().startswith("30 open")
    # the first five were the five nearest deadlines of the whole queue
    assert head == [model.ticket_id_at(r) for r in range(5)]


# --- the whole queue arriving while the technician works on the first screenful ---------


class Gate:
    """Holds a job on the database thread until the test opens it. A safety timer opens it
    anyway after ``safety_s``, so a regression fails instead of hanging the run."""

    def __init__(self, safety_s: float = 20.0) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()
        self._safety = threading.Timer(safety_s, self.opened.set)
        self._safety.daemon = True
        self._safety.start()

    def hold(self) -> None:
        self.reached.set()
        self.opened.wait()

    def open(self) -> None:
        self.opened.set()
        self._safety.cancel()


@pytest.fixture
def gate() -> Iterator[Gate]:
    g = Gate()
    yield g
    g.open()


def _store_holding_the_whole_queue(url: str, gate: Gate) -> Store:
    """A store whose whole-queue read answers only when the gate opens, with what it read
    before: changes made meanwhile are newer than its answer."""
    store = open_store(url, clock=lambda: NOW)
    read = store.load_queue

    def load_queue(*args: Any, **kwargs: Any) -> list[QueueEntry]:
        entries = read(*args, **kwargs)
        gate.hold()
        return entries

    store.load_queue = load_queue  # type: ignore[method-assign]
    return store


def test_the_whole_queue_keeps_what_the_technician_chose_on_the_first_screenful(
    qtbot: Any,
    filled_url: str,
    tmp_settings: QSettings,
    running: list[Any],
    monkeypatch: Any,
    gate: Gate,
) -> None:
    import desktop_app.views.desk_session as module

    monkeypatch.setattr(module, "HEAD_ROWS", 8)
    dialogs = Dialogs(True)
    window = MainWindow(tmp_settings)
    qtbot.addWidget(window)
    service = DeskService(lambda: _store_holding_the_whole_queue(filled_url, gate))
    model = QueueModel(window, now=NOW.timestamp)
    session = DeskSession(window, service, model, tmp_settings, ask=dialogs.ask, tell=dialogs.tell)
    panel = DetailPanel(session, now=lambda: NOW)
    running.append(session)
    window.show()
    qtbot.waitExposed(window)
    session.start()
    qtbot.waitUntil(lambda: model.partial and model.rowCount() == 8, timeout=30_000)
    qtbot.waitUntil(gate.reached.is_set, timeout=30_000)  # the whole queue has been read
    head = [model.ticket_id_at(r) for r in range(8)]
    chosen, also, closed_elsewhere, changed_elsewhere = head[3], head[1], head[5], head[6]

    # the technician opens a ticket and selects another one beside it
    view = window.queue_view
    view.setCurrentIndex(model.index_of(chosen))
    view.selectionModel().select(
        model.index_of(also),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert panel.current_ticket == chosen
    # another window closes one ticket and changes another; the desk hears of it now
    other = open_store(filled_url, clock=lambda: NOW)
    try:
        dispatcher = next(t for t in other.technicians() if t.role is Role.DISPATCHER)
        worker = next(t for t in other.technicians() if t.role is Role.TECHNICIAN)
        version = other.ticket(closed_elsewhere).version
        writes.resolve(other, dispatcher.id, closed_elsewhere, version, "fixed on site")
        writes.assign(
            other,
            dispatcher.id,
            {changed_elsewhere: other.ticket(changed_elsewhere).version},
            worker.id,
        )
        changed = other.queue_entry(changed_elsewhere)
    finally:
        other.close()
    assert changed is not None
    service.changed.emit(
        DeskChange(ChangeSet(), {closed_elsewhere: None, changed_elsewhere: changed}, local=False)
    )
    # and this desk itself changes a ticket: that write waits behind the whole queue
    mine = head[0]
    expected = model.entry(mine)
    assert expected is not None
    taker = next(
        t for t in session.technicians if t.role is Role.TECHNICIAN and t.id != expected.assignee_id
    )
    service.execute(
        Reassign.to({mine: expected.version}, taker.id, actor_id=dispatcher.id, at=NOW),
        label="Assigning",
    )

    with qtbot.waitSignals(
        [session.ready, panel.ticketShown],
        timeout=30_000,
        check_params_cbs=[None, lambda ticket_id: ticket_id == chosen],
    ):
        gate.open()

    assert not model.partial and model.total() == 29
    assert view.currentIndex().data(TICKET_ID_ROLE) == chosen
    selected = {i.data(TICKET_ID_ROLE) for i in view.selectionModel().selectedRows()}
    assert selected == {chosen, also}
    assert panel.current_ticket == chosen
    assert panel.ticket_view is not None and panel.ticket_view.ticket.id == chosen
    row = model.row_of(chosen)
    assert row is not None
    assert 0 <= view.rowViewportPosition(row) < view.viewport().height()
    # changes heard while the whole queue loaded are not undone by its older read
    assert model.entry(closed_elsewhere) is None
    kept = model.entry(changed_elsewhere)
    assert kept is not None and kept.version == changed.version
    assert kept.assignee_id == worker.id
    # the desk's own write lands after the whole queue
    qtbot.waitUntil(
        lambda: (e := model.entry(mine)) is not None and e.version == expected.version + 1,
        timeout=30_000,
    )
    assert dialogs.problems == []
    panel.stop()


# --- closing while a change is still being saved ----------------------------------------


def _guarded_session(
    qtbot: Any, url: str, settings: QSettings, dialogs: Dialogs, *, grace_ms: int
) -> tuple[DeskSession, MainWindow, DeskService]:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    service = DeskService(lambda: open_store(url, clock=lambda: NOW), stop_wait_ms=50)
    model = QueueModel(window, now=NOW.timestamp)
    session = DeskSession(
        window,
        service,
        model,
        settings,
        ask=dialogs.ask,
        tell=dialogs.tell,
        close_grace_ms=grace_ms,
    )
    with qtbot.waitSignal(session.ready, timeout=30_000):
        session.start()
    window.show()
    qtbot.waitExposed(window)
    return session, window, service


def _button(box: QMessageBox, text: str) -> QAbstractButton:
    return next(b for b in box.buttons() if b.text() == text)


def test_closing_while_a_change_is_saved_waits_for_it_then_closes(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any], gate: Gate
) -> None:
    dialogs = Dialogs(True)
    session, window, service = _guarded_session(
        qtbot, filled_url, tmp_settings, dialogs, grace_ms=10
    )
    running.append(session)
    service.submit(lambda store: gate.hold(), label="Replying to TQ-10007")
    service.submit(lambda store: None, label="Reading TQ-10008", reads_only=True)
    qtbot.waitUntil(gate.reached.is_set, timeout=30_000)

    assert window.close() is False
    assert window.isVisible()
    assert "Saving: Replying to TQ-10007" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: session.close_question is not None, timeout=10_000)
    box = session.close_question
    assert box is not None and box.isVisible()
    assert "Replying to TQ-10007" in box.text()
    assert "Reading TQ-10008" not in box.text()  # a read loses nothing
    qtbot.mouseClick(_button(box, "Wait"), Qt.MouseButton.LeftButton)
    assert window.isVisible()

    gate.open()  # the database answers: the window closes by itself
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert session.close_question is None
    assert session.stop() == []
    assert dialogs.problems == []


def test_a_change_that_fails_while_closing_keeps_the_window_open(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any], gate: Gate
) -> None:
    """The reply the window waited for is refused (someone changed the ticket): closing
    stops, so the technician sees why and the text is still there to send again."""
    dialogs = Dialogs(True)
    session, window, service = _guarded_session(
        qtbot, filled_url, tmp_settings, dialogs, grace_ms=600_000
    )
    running.append(session)
    failures: list[str] = []
    service.actionFailed.connect(lambda label, _exc: failures.append(label))

    def refused(store: Any) -> None:
        gate.hold()
        raise ConflictError("TQ-10007", 3, 4, changed_by="Dana Dispatcher")

    service.submit(refused, label="Replying to TQ-10007")
    qtbot.waitUntil(gate.reached.is_set, timeout=30_000)
    assert window.close() is False
    with qtbot.waitSignal(service.jobAnswered, timeout=30_000):
        gate.open()
    assert window.isVisible()  # not closed on a failed save
    assert failures == ["Replying to TQ-10007"]
    assert "Replying to TQ-10007 failed" in window.statusBar().currentMessage()
    assert window.close() is True  # nothing left to save: closing again closes


def test_choosing_wait_asks_again_only_when_closed_again(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any], gate: Gate
) -> None:
    dialogs = Dialogs(True)
    session, window, service = _guarded_session(
        qtbot, filled_url, tmp_settings, dialogs, grace_ms=10
    )
    running.append(session)
    service.submit(lambda store: gate.hold(), label="Replying to TQ-10007")
    qtbot.waitUntil(gate.reached.is_set, timeout=30_000)
    assert window.close() is False
    qtbot.waitUntil(lambda: session.close_question is not None, timeout=10_000)
    box = session.close_question
    assert box is not None
    qtbot.mouseClick(_button(box, "Wait"), Qt.MouseButton.LeftButton)
    assert session.close_question is None
    # the grace period passes again, many times over: no new question by itself
    timer = session.findChild(QTimer, "close-grace")
    assert timer is not None and not timer.isActive()
    assert window.close() is False  # closing again asks again
    assert session.close_question is not None
    gate.open()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)


def test_quit_anyway_closes_at_once_and_stopping_does_not_hang(
    qtbot: Any,
    filled_url: str,
    tmp_settings: QSettings,
    running: list[Any],
    gate: Gate,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dialogs = Dialogs(True)
    # a long grace: asking to close a second time asks at once
    session, window, service = _guarded_session(
        qtbot, filled_url, tmp_settings, dialogs, grace_ms=600_000
    )
    service.submit(lambda store: gate.hold(), label="Assigning TQ-10003 to Priya")
    qtbot.waitUntil(gate.reached.is_set, timeout=30_000)
    assert window.close() is False
    assert session.close_question is None
    assert window.close() is False
    box = session.close_question
    assert box is not None and "Assigning TQ-10003 to Priya" in box.text()

    qtbot.mouseClick(_button(box, "Quit anyway"), Qt.MouseButton.LeftButton)
    assert not window.isVisible()
    with caplog.at_level(logging.ERROR):
        abandoned = session.stop()
    assert [(j.label, j.may_write, j.running) for j in abandoned] == [
        ("Assigning TQ-10003 to Priya", True, True)
    ]
    assert "Assigning TQ-10003 to Priya" in caplog.text
    assert dialogs.problems == []  # they chose to quit without it: not told twice
    gate.open()
    qtbot.waitUntil(lambda: not service.thread_running, timeout=30_000)


def test_a_change_lost_on_a_quit_nobody_was_asked_about_is_reported(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, gate: Gate
) -> None:
    dialogs = Dialogs(True)
    session, _window, service = _guarded_session(
        qtbot, filled_url, tmp_settings, dialogs, grace_ms=10
    )
    service.submit(lambda store: gate.hold(), label="Pausing TQ-10012")
    service.submit(lambda store: None, label="Reading TQ-10013", reads_only=True)
    qtbot.waitUntil(gate.reached.is_set, timeout=30_000)

    abandoned = session.stop()  # e.g. the desktop session ends: no window was closed

    assert [j.label for j in abandoned] == ["Pausing TQ-10012", "Reading TQ-10013"]
    assert len(dialogs.problems) == 1
    title, message = dialogs.problems[0]
    assert title == "Changes may not have been saved"
    assert "Pausing TQ-10012" in message and "Reading TQ-10013" not in message
    assert "Check these tickets" in message
    gate.open()
    qtbot.waitUntil(lambda: not service.thread_running, timeout=30_000)


def test_closing_with_nothing_to_save_closes_at_once(
    qtbot: Any, filled_url: str, tmp_settings: QSettings, running: list[Any]
) -> None:
    session, window, _service = _guarded_session(
        qtbot, filled_url, tmp_settings, Dialogs(True), grace_ms=10
    )
    running.append(session)
    assert window.close() is True
    assert session.close_question is None
