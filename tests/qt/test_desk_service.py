"""The desk service: store jobs on one thread, results on the GUI thread, one row per change."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThread

from desktop_app.domain import ConflictError, Role
from desktop_app.domain.queue import QueueEntry
from desktop_app.services.desk import DeskService
from desktop_app.store import Store, open_store
from desktop_app.store.demo import generate_demo_desk

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
    with qtbot.waitSignal(service.ticketChanged, timeout=10_000) as changed:
        service.act(
            "Assigning",
            lambda store: store.assign(dispatcher.id, {entry.ticket_id: entry.version}, worker.id),
            [entry.ticket_id],
        )
    updated = changed.args[0]
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
    with qtbot.waitSignal(service.actionFailed, timeout=10_000) as failed:
        service.act(
            f"Assigning {entry.number}",
            lambda store: store.assign(dispatcher.id, stale, None),
            [entry.ticket_id],
        )
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
