"""Faults of the desk's storage as the technician meets them in the window: a desk file
removed while open, a read-only desk, a text file given as the desk, a network that goes
silent. The window says what is wrong in words, keeps what was typed, and offers to save
what the desk holds; Help leads to the technical details in the log."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QUrl
from PySide6.QtWidgets import QMenu

from desktop_app.app import make_settings_private, start_logging
from desktop_app.demo import generate_demo_desk
from desktop_app.domain import EventKind
from desktop_app.logs import close_logging, log_file, log_folder
from desktop_app.models.queue_model import QueueModel
from desktop_app.services.desk import DeskService
from desktop_app.store import LinkTimeouts, Store, open_store
from desktop_app.views.desk_session import DeskSession
from desktop_app.views.desk_storage import DeskStorage
from desktop_app.views.detail_panel import DetailPanel
from desktop_app.views.main_window import MainWindow
from support.detail_desk import NOW, WAIT
from support.read_only import read_only_folder
from support.tcp_proxy import TcpProxy

QUICK = LinkTimeouts(connect=2, write_statement=1.0, read_statement=3.0, grace=0.5, ping=1.0)


@dataclass
class Window:
    session: DeskSession
    window: MainWindow
    model: QueueModel
    panel: DetailPanel
    storage: DeskStorage
    problems: list[tuple[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    chosen: list[Path] = field(default_factory=list)  # where "Save a copy" saves
    opened_urls: list[QUrl] = field(default_factory=list)


@pytest.fixture
def open_window(qtbot: Any, tmp_settings: QSettings) -> Iterator[Callable[..., Window]]:
    """Builds a desk window on a URL (not started); stops it after the test."""
    built: list[Window] = []

    def build(url: str, timeouts: LinkTimeouts | None = None) -> Window:
        window = MainWindow(tmp_settings)
        qtbot.addWidget(window)
        service = DeskService(lambda: open_store(url, clock=lambda: NOW, timeouts=timeouts))
        model = QueueModel(window, now=NOW.timestamp)
        problems: list[tuple[str, str]] = []
        questions: list[str] = []

        def ask(title: str, _question: str) -> bool:
            questions.append(title)
            return False

        session = DeskSession(
            window,
            service,
            model,
            tmp_settings,
            ask=ask,
            tell=lambda title, message: problems.append((title, message)),
        )
        panel = DetailPanel(session, now=lambda: NOW)
        chosen: list[Path] = []
        opened: list[QUrl] = []

        def open_url(url: QUrl) -> bool:
            opened.append(url)
            return True

        storage = DeskStorage(
            session, choose_path=lambda _suggested: chosen[0] if chosen else None, open_url=open_url
        )
        desk = Window(session, window, model, panel, storage, problems, questions, chosen, opened)
        built.append(desk)
        return desk

    yield build
    for desk in built:
        desk.panel.stop()
        desk.session.stop()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("desk") / "template.sqlite3"
    store = open_store(f"sqlite:///{path}", clock=lambda: NOW)
    store.import_desk(generate_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=10))
    store.close()
    return path


def _start(qtbot: Any, desk: Window) -> None:
    with qtbot.waitSignal(desk.session.ready, timeout=WAIT):
        desk.session.start()


def _show_first_ticket(qtbot: Any, desk: Window) -> int:
    ticket_id = desk.model.entry_at(0).ticket_id
    with qtbot.waitSignal(desk.panel.ticketShown, timeout=WAIT):
        desk.window.queue_view.setCurrentIndex(desk.model.index_of(ticket_id))
    return ticket_id


def _send_reply_and_wait_for_the_failure(qtbot: Any, desk: Window, typed: str) -> str:
    pane = desk.panel.ticket_pane
    pane.compose(EventKind.PUBLIC_REPLY)
    pane.composer.text_edit.setPlainText(typed)
    with qtbot.waitSignal(desk.panel.actions.failed, timeout=WAIT) as failed:
        pane.composer.send()
    assert pane.composer.text_edit.toPlainText() == typed  # nothing typed is lost
    return str(failed.args[2])


def _public_replies(path: Path, ticket_id: int) -> list[str]:
    store: Store = open_store(f"sqlite:///{path}")
    try:
        return [e.text for e in store.ticket(ticket_id).events if e.kind is EventKind.PUBLIC_REPLY]
    finally:
        store.close()


# --- the desk file removed while open -------------------------------------------------------


def test_a_removed_desk_folder_stops_writing_says_so_and_saves_a_copy(
    qtbot: Any, open_window: Callable[..., Window], template: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "desk folder"
    folder.mkdir()
    path = folder / "desk.sqlite3"
    shutil.copy(template, path)
    desk = open_window(f"sqlite:///{path}")
    _start(qtbot, desk)
    assert desk.storage.save_copy_action.isEnabled()
    ticket_id = _show_first_ticket(qtbot, desk)
    shutil.rmtree(folder)

    typed = "The replacement switch ships today."
    message = _send_reply_and_wait_for_the_failure(qtbot, desk, typed)

    assert "is gone" in message and str(path) in message
    assert "sqlalche.me" not in message
    assert desk.window.windowTitle().endswith("— not saving")
    assert not desk.storage.state_label.isHidden()
    box = desk.storage.gone_box
    assert box is not None and box.isVisible()
    desk.chosen.append(tmp_path / "rescue" / "desk.sqlite3")
    save = next(b for b in box.buttons() if b.text() == "Save a copy…")
    save.click()
    qtbot.waitUntil(lambda: any(title == "Copy saved" for title, _ in desk.problems), timeout=WAIT)

    rescue = tmp_path / "rescue" / "desk.sqlite3"
    assert stat.S_IMODE(rescue.stat().st_mode) == 0o600
    assert typed not in _public_replies(rescue, ticket_id)  # refused, not half-written
    # the rescued desk opens and takes the reply the technician still has in the composer
    store = open_store(f"sqlite:///{rescue}")
    try:
        assert len(store.load_queue()) == desk.model.total()
    finally:
        store.close()


def test_save_a_copy_is_in_the_file_menu_of_a_sqlite_desk(
    qtbot: Any, open_window: Callable[..., Window], template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "desk.sqlite3"
    shutil.copy(template, path)
    desk = open_window(f"sqlite:///{path}")
    _start(qtbot, desk)
    file_menu = desk.window.findChild(QMenu, "menuFile")
    assert file_menu is not None and desk.storage.save_copy_action in file_menu.actions()
    copy = tmp_path / "copy.sqlite3"
    desk.chosen.append(copy)
    desk.storage.save_copy_action.trigger()
    qtbot.waitUntil(lambda: bool(desk.problems), timeout=WAIT)
    assert copy.exists()
    assert desk.problems[-1][0] == "Copy saved"
    assert f"desktop-app --database {tmp_path / 'copy.sqlite3'}" in desk.problems[-1][1]


# --- read-only desks ------------------------------------------------------------------------


def test_a_read_only_desk_opens_with_read_only_in_the_title_and_refuses_changes(
    qtbot: Any, open_window: Callable[..., Window], template: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "desk.sqlite3"
    shutil.copy(template, path)
    with read_only_folder(folder):
        desk = open_window(f"sqlite:///{path}")
        _start(qtbot, desk)
        assert desk.model.total() > 0  # the queue is there to look at
        assert desk.window.windowTitle().endswith("— read-only")
        assert desk.storage.state_label.text() == "Read-only"
        assert desk.problems[0][0] == "Opened read-only"
        _show_first_ticket(qtbot, desk)
        message = _send_reply_and_wait_for_the_failure(qtbot, desk, "Checked the port.")
        assert "open read-only" in message and "Nothing was saved" in message
        desk.panel.stop()
        desk.session.stop()


def test_an_empty_read_only_desk_does_not_offer_the_demo(
    qtbot: Any, open_window: Callable[..., Window], tmp_path: Path
) -> None:
    folder = tmp_path / "empty"
    path = folder / "desk.sqlite3"
    open_store(f"sqlite:///{path}").close()
    with read_only_folder(folder):
        desk = open_window(f"sqlite:///{path}")
        _start(qtbot, desk)
        assert desk.questions == []  # a demo could not be saved there
        desk.session.stop()


# --- a file that is not a desk ---------------------------------------------------------------


def test_a_text_file_as_the_desk_is_explained_and_the_details_are_in_the_log(
    qtbot: Any, open_window: Callable[..., Window], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Call the vendor.\n")
    notes.chmod(0o644)
    start_logging()
    try:
        desk = open_window(f"sqlite:///{notes}")
        with qtbot.waitSignal(desk.session.service.openFailed, timeout=WAIT):
            desk.session.start()
    finally:
        close_logging()
    title, message = desk.problems[0]
    assert title == "Cannot open the desk"
    assert f"{notes} is not a Technician Queue desk" in message
    assert "Help → Show log" in message
    assert "sqlalche.me" not in message and "DatabaseError" not in message
    assert notes.read_text() == "Call the vendor.\n"
    assert stat.S_IMODE(notes.stat().st_mode) == 0o644
    logged = log_file().read_text()
    assert "file is not a database" in logged  # the driver's words, for whoever looks

    desk.storage.show_log_action.trigger()
    dialog = desk.storage.log_dialog
    assert dialog is not None and dialog.isVisible()
    assert "file is not a database" in dialog.text.toPlainText()
    dialog.close()


def test_help_opens_the_log_folder(
    qtbot: Any, open_window: Callable[..., Window], tmp_path: Path
) -> None:
    start_logging()
    close_logging()
    desk = open_window(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    help_menu = desk.window.findChild(QMenu, "menuHelp")
    assert help_menu is not None
    assert [a.objectName() for a in help_menu.actions()] == [
        "actionShowLog",
        "actionOpenLogFolder",
    ]
    desk.storage.open_log_folder_action.trigger()
    assert desk.opened_urls == [QUrl.fromLocalFile(str(log_folder()))]


# --- a network that goes silent --------------------------------------------------------------


@pytest.mark.postgres
def test_a_reply_over_a_silent_link_fails_in_seconds_and_keeps_the_text(
    qtbot: Any, open_window: Callable[..., Window]
) -> None:
    from sqlalchemy.engine import make_url

    from support.postgres import PG_ADMIN_URL, postgres_database

    server = make_url(PG_ADMIN_URL)
    with postgres_database() as url:
        store = open_store(url, clock=lambda: NOW)
        store.import_desk(generate_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=10))
        store.close()
        with TcpProxy((server.host or "127.0.0.1", server.port or 5432)) as proxy:
            desk = open_window(proxy.url_for(url), QUICK)
            _start(qtbot, desk)
            _show_first_ticket(qtbot, desk)
            proxy.go_silent()
            message = _send_reply_and_wait_for_the_failure(
                qtbot, desk, "We are on it; a technician calls at 3 pm."
            )
            assert "did not answer within" in message
            assert f"127.0.0.1:{proxy.port}" in message
            assert "(psycopg" not in message and "sqlalche.me" not in message
            desk.panel.stop()
            desk.session.stop()


# --- files the window writes are its owner's only ----------------------------------------------


def test_the_settings_file_and_the_log_are_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    conf = tmp_path / "config" / "technician-queue.conf"
    settings = QSettings(str(conf), QSettings.Format.IniFormat)
    make_settings_private(settings)
    settings.setValue("MainWindow/splitter", "1")
    settings.sync()
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert stat.S_IMODE(conf.parent.stat().st_mode) == 0o700

    conf.chmod(0o644)  # as an older version left it
    make_settings_private(QSettings(str(conf), QSettings.Format.IniFormat))
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600

    start_logging(tmp_path / "log")
    try:
        import logging

        logging.getLogger("desktop_app.test").warning("a line for the log")
    finally:
        close_logging()
    log = tmp_path / "log" / "desk.log"
    assert "a line for the log" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
