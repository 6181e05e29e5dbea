"""The desk service: store jobs on one thread, results on the GUI thread, one row per change."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QThread
from sqlalchemy.exc import OperationalError

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import ConflictError, EventKind, Role
from desktop_app.domain.commands import AddEvent, Reassign
from desktop_app.domain.queue import QueueEntry
from desktop_app.services.desk import DeskService
from desktop_app.store import Store, open_store

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def desk_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    store = open_store(url, clock=lambda: NOW)
    store.import_desk(generate_demo_desk(seed=3, now=NOW, open_tickets=40, closed_tickets=20))
    store.close()
    return url


@pytest.fixture
def service(qtbot: Any, desk_url: str) -> Any:
    desk = DeskService(lambda: open_store(desk_url, clock=lambda: NOW))
    with qtbot.waitSignal(desk.opened, timeout=10_000):
        desk.start()
    yield desk
    desk.stop()


def test_loads_the_queue_off_the_gui_thread(qtbot: Any, service: DeskService) -> None:
    threads: list[bool] = []

    def spy(store: Store) -> list[QueueEntry]:
        threads.append(threading.current_thread() is threading.main_thread())
        return store.load_queue()

    with qtbot.waitSignal(service.queueLoaded, timeout=10_000) as blocker:
        service.submit(spy, service.queueLoaded.emit)
    entries = blocker.args[0]
    assert threads == [False]  # the job ran on the database thread
    assert len(entries) == 40
    assert all(isinstance(e, QueueEntry) for e in entries)


def test_callbacks_run_on_the_gui_thread(qtbot: Any, service: DeskService) -> None:
    seen: list[bool] = []
    with qtbot.waitSignal(service.busyChanged, timeout=10_000, check_params_cb=lambda b: not b):
        service.submit(
            lambda store: len(store.technicians()),
            lambda n: seen.append(QThread.currentThread() is service.thread() and n == 8),
        )
    assert seen == [True]


def test_an_action_reports_the_changed_ticket(qtbot: Any, service: DeskService) -> None:
    with qtbot.waitSignal(service.queueLoaded, timeout=10_000) as loaded:
        service.load_queue()
    entry = loaded.args[0][0]
    techs: list[Any] = []
    with qtbot.waitSignal(service.busyChanged, timeout=10_000, check_params_cb=lambda b: not b):
        service.submit(lambda store: store.technicians(), techs.extend)
    dispatcher = next(t for t in techs if t.role is Role.DISPATCHER)
    worker = next(t for t in techs if t.role is Role.TECHNICIAN and t.id != entry.assignee_id)
    command = Reassign.to(
        {entry.ticket_id: entry.version}, worker.id, actor_id=dispatcher.id, at=service.now()
    )
    with qtbot.waitSignal(service.changed, timeout=10_000) as changed:
        service.execute(command, label="Assigning")
    change = changed.args[0]
    # the store said what changed; nobody named the ticket to read back
    assert change.ticket_ids == {entry.ticket_id}
    updated = change.entries[entry.ticket_id]
    assert updated.ticket_id == entry.ticket_id
    assert updated.assignee_id == worker.id
    assert updated.version == entry.version + 1


def test_a_failed_action_reports_what_was_being_done(qtbot: Any, service: DeskService) -> None:
    with qtbot.waitSignal(service.queueLoaded, timeout=10_000) as loaded:
        service.load_queue()
    entry = loaded.args[0][0]
    techs: list[Any] = []
    with qtbot.waitSignal(service.busyChanged, timeout=10_000, check_params_cb=lambda b: not b):
        service.submit(lambda store: store.technicians(), techs.extend)
    dispatcher = next(t for t in techs if t.role is Role.DISPATCHER)
    stale = {entry.ticket_id: entry.version - 1}
    command = Reassign.to(stale, None, actor_id=dispatcher.id, at=service.now())
    with qtbot.waitSignal(service.actionFailed, timeout=10_000) as failed:
        service.execute(command, label=f"Assigning {entry.number}")
    label, exc = failed.args
    assert label == f"Assigning {entry.number}"
    assert isinstance(exc, ConflictError)
    assert entry.number in str(exc)


def test_submit_before_start_is_refused(desk_url: str) -> None:
    desk = DeskService(lambda: open_store(desk_url))
    with pytest.raises(RuntimeError, match="not running"):
        desk.submit(lambda store: None)


def test_a_database_that_cannot_open_is_reported(qtbot: Any, tmp_path: Path) -> None:
    desk = DeskService(lambda: open_store("nosuchdb://nowhere"))
    with qtbot.waitSignal(desk.openFailed, timeout=10_000) as failed:
        desk.start()
    desk.stop()
    assert "nosuchdb" in str(failed.args[0]) or failed.args[0] is not None


# --- stopping never hangs ----------------------------------------------------------------


class Gate:
    """A job that blocks the database thread until the test opens the gate. A safety
    timer opens it anyway after ``safety_s`` so a regression fails instead of hanging."""

    def __init__(self, safety_s: float = 20.0) -> None:
        self.started = threading.Event()
        self.opened = threading.Event()
        self._safety = threading.Timer(safety_s, self.opened.set)
        self._safety.daemon = True
        self._safety.start()

    def job(self, result: Any = None) -> Any:
        def run(store: Store) -> Any:
            self.started.set()
            self.opened.wait()
            return result

        return run

    def open(self) -> None:
        self.opened.set()
        self._safety.cancel()


@pytest.fixture
def gate() -> Any:
    g = Gate()
    yield g
    g.open()


def _finish_abandoned(qtbot: Any, desk: DeskService, gate: Gate) -> None:
    """Let a thread given up on finish, so the test leaves nothing running."""
    gate.open()
    qtbot.waitUntil(lambda: not desk.thread_running, timeout=10_000)


def test_stop_gives_up_on_a_hung_job_and_names_it(
    qtbot: Any, desk_url: str, gate: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    desk = DeskService(lambda: open_store(desk_url, clock=lambda: NOW), stop_wait_ms=50)
    with qtbot.waitSignal(desk.opened, timeout=10_000):
        desk.start()
    answered: list[object] = []
    desk.submit(gate.job(), answered.append, label="Assigning TQ-10423 to Priya")
    desk.submit(lambda store: None, answered.append, label="Keeping a notification")
    qtbot.waitUntil(gate.started.is_set, timeout=10_000)

    with caplog.at_level(logging.INFO, logger="desktop_app.services.desk"):
        abandoned = desk.stop()

    assert [(j.label, j.may_write, j.running) for j in abandoned] == [
        ("Assigning TQ-10423 to Priya", True, True),
        ("Keeping a notification", True, False),
    ]
    assert not desk.is_running and desk.thread_running
    assert "Assigning TQ-10423 to Priya" in caplog.text
    assert "left to the process's exit" in caplog.text
    with caplog.at_level(logging.INFO, logger="desktop_app.services.desk"):
        _finish_abandoned(qtbot, desk, gate)
        QCoreApplication.sendPostedEvents()  # the answers the thread sent before ending
    assert "An answer came after quitting gave up on it" in caplog.text
    assert answered == []  # ...and reached nobody: the windows may be gone


def test_stop_gives_up_on_a_database_that_does_not_open(
    qtbot: Any, desk_url: str, gate: Gate
) -> None:
    """A server that never answers the connect: nothing was submitted, yet the thread is
    left running, and stop() says so (the application must not exit normally then)."""
    hang = gate.job()

    def unreachable() -> Store:
        hang(None)  # type: ignore[arg-type]  # blocks like a connect that never answers
        return open_store(desk_url, clock=lambda: NOW)

    desk = DeskService(unreachable, stop_wait_ms=50)
    desk.start()
    qtbot.waitUntil(gate.started.is_set, timeout=10_000)
    abandoned = desk.stop()
    assert [(j.label, j.may_write, j.running) for j in abandoned] == [
        ("Opening or closing the database", False, True)
    ]
    assert desk.thread_running
    _finish_abandoned(qtbot, desk, gate)


def test_stop_waits_for_a_job_that_finishes_in_time(qtbot: Any, service: DeskService) -> None:
    done = threading.Event()

    def quick(store: Store) -> int:
        done.set()
        return len(store.technicians())

    service.submit(quick, label="Counting technicians")
    assert service.stop(wait_ms=10_000) == []
    assert done.is_set() and not service.thread_running


def test_unsaved_changes_are_the_jobs_that_may_write(
    qtbot: Any, service: DeskService, gate: Gate
) -> None:
    service.submit(gate.job(), label="Reading TQ-10001", reads_only=True)
    service.submit(lambda store: None, label="Replying to TQ-10002")
    service.refresh_tickets([1])
    qtbot.waitUntil(gate.started.is_set, timeout=10_000)
    assert [(j.label, j.running) for j in service.pending_jobs()] == [
        ("Reading TQ-10001", True),
        ("Replying to TQ-10002", False),
        ("Reading tickets again", False),
    ]
    assert [j.label for j in service.unsaved_changes()] == ["Replying to TQ-10002"]
    with qtbot.waitSignal(service.busyChanged, timeout=10_000, check_params_cb=lambda b: not b):
        gate.open()
    assert service.unsaved_changes() == [] and service.pending_jobs() == []


def test_a_negative_stop_wait_is_refused(desk_url: str) -> None:
    with pytest.raises(ValueError, match="stop_wait_ms must be 0 or more"):
        DeskService(lambda: open_store(desk_url), stop_wait_ms=-1)


def test_a_write_whose_answer_was_lost_is_found_landed_and_not_doubled(
    qtbot: Any, service: DeskService, desk_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection drops after the server received COMMIT: the desk asks the server
    whether the command landed, says it was saved, and never sends the reply twice."""
    with qtbot.waitSignal(service.queueLoaded, timeout=10_000) as loaded:
        service.load_queue()
    entry = loaded.args[0][0]
    techs: list[Any] = []
    with qtbot.waitSignal(service.busyChanged, timeout=10_000, check_params_cb=lambda b: not b):
        service.submit(lambda store: store.technicians(), techs.extend)
    me = next(t for t in techs if t.role is Role.DISPATCHER)
    original = Store.apply
    dropped: list[str] = []

    def apply_then_lose_the_answer(store: Store, command: Any) -> Any:
        outcome = original(store, command)
        if not dropped:
            dropped.append(command.command_id)
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
        return outcome

    monkeypatch.setattr(Store, "apply", apply_then_lose_the_answer)
    reply = AddEvent(
        actor_id=me.id,
        at=service.now(),
        ticket_id=entry.ticket_id,
        version=entry.version,
        kind=EventKind.PUBLIC_REPLY,
        text="The engineer is on the way.",
    )
    outcomes: list[Any] = []
    errors: list[BaseException] = []
    with qtbot.waitSignal(service.jobAnswered, timeout=10_000):
        service.execute(reply, outcomes.append, errors.append, label="Replying")
    assert errors == [] and dropped == [reply.command_id]
    assert outcomes and outcomes[0].replayed  # saved: it had landed
    check = open_store(desk_url, clock=lambda: NOW)
    try:
        events = check.ticket(entry.ticket_id).events
        assert [e.text for e in events].count("The engineer is on the way.") == 1
    finally:
        check.close()
