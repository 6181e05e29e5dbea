"""A session at the desk: first-run demo offer, queue loaded and kept live, filters, who I am."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

from desktop_app.domain import Role
from desktop_app.models.queue_model import QueueModel
from desktop_app.services.desk import DeskService
from desktop_app.store import demo as demo_module
from desktop_app.store import open_store
from desktop_app.views.desk_session import TECHNICIAN_KEY, DeskSession
from desktop_app.views.main_window import MainWindow

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
    with qtbot.waitSignal(service.ticketChanged, timeout=30_000):
        service.act(
            "Assigning",
            lambda store: store.assign(me.id, {entry.ticket_id: entry.version}, target.id),
            [entry.ticket_id],
        )
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
    assert "database URL" in dialogs.problems[0][1]


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
