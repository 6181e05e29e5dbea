"""An empty desk's first start (set up, import, or the demo), who is at the desk (picked on
SQLite, known from the login on PostgreSQL), a password the server asks for, and a large
change reaching the screens in parts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QTableWidgetItem

from desktop_app.domain import Role
from desktop_app.domain.changes import Change, ChangeSet, Entity
from desktop_app.models.queue_model import QueueModel
from desktop_app.services.desk import CHANGE_PART, DeskChange, DeskService
from desktop_app.services.sign_in import Credentials
from desktop_app.store import Store, open_store
from desktop_app.store.queries.setup import desk_setup
from desktop_app.views.admin.first_start import FirstStartDialog
from desktop_app.views.desk_session import DeskSession
from desktop_app.views.main_window import MainWindow
from desktop_app.views.setup_actions import SetupActions
from support.detail_desk import NOW, WAIT

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


class Session:
    """A session on a fresh database with the setup screens attached."""

    def __init__(self, qtbot: Any, url: str, settings: QSettings, **kwargs: Any) -> None:
        self.window = MainWindow(settings)
        self.service = DeskService(kwargs.pop("opener", lambda: open_store(url, clock=lambda: NOW)))
        self.model = QueueModel(self.window, now=NOW.timestamp)
        self.told: list[tuple[str, str]] = []
        self.session = DeskSession(
            self.window,
            self.service,
            self.model,
            settings,
            ask=lambda _t, _q: False,
            tell=lambda title, message: self.told.append((title, message)),
            **kwargs,
        )
        self.setup = SetupActions(self.session)
        self._qtbot = qtbot

    def stop(self) -> None:
        self._qtbot.waitUntil(lambda: not self.service.busy, timeout=WAIT)
        self.setup.stop()
        self.session.stop()
        self.window.hide()
        self.window.deleteLater()


@pytest.fixture
def sessions(qtbot: Any) -> Iterator[list[Session]]:
    started: list[Session] = []
    yield started
    for one in started:
        one.stop()


def test_an_empty_desk_offers_set_up_and_is_set_up_in_one_step(
    qtbot: Any, tmp_path: Path, tmp_settings: QSettings, sessions: list[Session]
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    desk = Session(qtbot, url, tmp_settings)
    sessions.append(desk)
    offered: list[FirstStartDialog] = []
    desk.session.set_first_start(
        lambda: offered.append(
            FirstStartDialog(desk.session, desk.window, pick_files=lambda _p: [])
        )
    )
    with qtbot.waitSignal(desk.session.ready, timeout=WAIT):
        desk.session.start()
    assert len(offered) == 1
    dialog = offered[0]
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_setup()
    qtbot.waitUntil(lambda: dialog.country_combo.count() > 100, timeout=WAIT)
    dialog.set_up()  # no name yet
    assert any("Give your name" in m for m in dialog.errors.shown())

    dialog.name_edit.setText("Morgan Manager")
    dialog.zone_combo.setEditText("America/Toronto")
    dialog.calendar_name.setText("Toronto office")
    dialog.choose_region("CA", "ON")
    dialog.grid.setItem(4, 0, QTableWidgetItem("20 min"))  # Gold P1 critical response
    dialog.hours.setItem(5, 0, QTableWidgetItem("09:00–13:00"))  # open Saturday mornings
    with qtbot.waitSignal(dialog.setUp, timeout=WAIT):
        dialog.set_up()
    qtbot.waitUntil(lambda: desk.session.me is not None, timeout=WAIT)
    me = desk.session.me
    assert me is not None and me.name == "Morgan Manager" and me.role is Role.MANAGER
    store = open_store(url, clock=lambda: NOW)
    try:
        setup = desk_setup(store)
        calendar = next(c for c in setup.calendars if c.name == "Toronto office")
        assert calendar.holiday_region == "CA-ON" and calendar.zone == "America/Toronto"
        assert calendar.hours[5] == [("09:00", "13:00")]
        gold = next(p for p in setup.policies if p.name == "Gold")
        from desktop_app.domain import Metric, Priority

        assert gold.targets[(Priority.CRITICAL, Metric.FIRST_RESPONSE)] == timedelta(minutes=20)
        assert {p.name for p in setup.policies} >= {"Platinum", "Bronze", "Standard", "Outage 24x7"}
    finally:
        store.close()
    assert desk.setup.new_ticket_action.isEnabled()  # someone is at the desk now


def test_files_imported_at_the_first_start_say_what_they_added_or_why_not(
    qtbot: Any, tmp_path: Path, tmp_settings: QSettings, sessions: list[Session]
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    desk = Session(qtbot, url, tmp_settings)
    sessions.append(desk)
    with qtbot.waitSignal(desk.session.ready, timeout=WAIT):
        desk.session.start()
    files = [str(SAMPLES / "sites.csv"), str(SAMPLES / "customers.csv")]
    dialog = FirstStartDialog(desk.session, desk.window, pick_files=lambda _p: files)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as done:
        dialog.import_files()
    lines = done.args[0]
    # customers first (sites name them), then sites: refused, no calendars exist yet
    assert lines[0].startswith("customers.csv: 2 customers")
    assert lines[1].startswith("sites.csv: nothing imported")
    assert "set the desk up first" in dialog.import_report.text()


def test_sign_in_is_not_offered_when_the_login_says_who_you_are(
    qtbot: Any, tmp_path: Path, tmp_settings: QSettings, sessions: list[Session]
) -> None:
    pytest.importorskip("psycopg")
    from sqlalchemy.engine import make_url

    from desktop_app.store.logins import add_login
    from support.postgres import admin_connect, postgres_database

    login = f"tq_alice_{uuid.uuid4().hex[:8]}"
    try:
        with postgres_database() as url:
            owner = open_store(url, clock=lambda: NOW)
            owner.seed_defaults()
            owner.import_desk(_small_desk())
            add_login(owner, "Alice Tech", login, "correct horse battery")
            owner.close()
            alice_url = make_url(url).set(username=login).render_as_string(hide_password=False)
            desk = Session(qtbot, alice_url, tmp_settings)
            sessions.append(desk)
            with qtbot.waitSignal(desk.session.ready, timeout=WAIT):
                desk.session.start()
            who = desk.window.findChild(QObject, "technicianCombo")
            assert desk.session.me is not None and desk.session.me.name == "Alice Tech"
            assert desk.session.signed_in_by_login and not who.isEnabled()  # type: ignore[union-attr]
            assert not desk.setup.sign_in_action.isEnabled()
            manager = next(t for t in desk.session.technicians if t.role is Role.MANAGER)
            assert manager.id is not None and not desk.session.sign_in_as(manager.id)
            assert desk.session.me.name == "Alice Tech"
            desk.stop()
            sessions.remove(desk)
    finally:
        admin = admin_connect()
        try:
            admin.execute(f'DROP OWNED BY "{login}"')
            admin.execute(f'DROP ROLE IF EXISTS "{login}"')
        finally:
            admin.close()


def test_a_password_the_server_asks_for_is_asked_once_and_never_shown(
    qtbot: Any, tmp_path: Path, tmp_settings: QSettings, sessions: list[Session]
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    secret = "hunter2-hunter2"
    credentials = Credentials()
    asked: list[str] = []
    given: list[str | None] = []

    def opener() -> Store:
        given.append(credentials.password())
        if credentials.password() != secret:
            raise RuntimeError(
                'connection failed: FATAL:  password authentication failed for user "alice"'
            )
        return open_store(url, clock=lambda: NOW)

    def ask(who: str) -> str:
        asked.append(who)
        return "wrong-password" if len(asked) == 1 else secret

    desk = Session(
        qtbot, url, tmp_settings, opener=opener, credentials=credentials, ask_password=ask
    )
    sessions.append(desk)
    with qtbot.waitSignal(desk.session.ready, timeout=WAIT):
        desk.session.start()
    assert asked == ['the login "alice"', 'the login "alice"']
    assert given == [None, "wrong-password", secret]
    assert repr(credentials) == "Credentials(password=set)"
    shown = desk.window.windowTitle() + desk.window.statusBar().currentMessage()
    shown += "".join(t + m for t, m in desk.told)
    assert secret not in shown and "wrong-password" not in shown


def _small_desk() -> Any:
    from desktop_app.domain import Customer, Desk, DeskCustomer, Site, Technician, Tier

    return Desk(
        technicians=[
            Technician("Morgan Manager", Role.MANAGER, 3, "America/Toronto"),
            Technician("Alice Tech", Role.TECHNICIAN, 1, "America/Toronto"),
        ],
        customers=[
            DeskCustomer(
                Customer("Acme Corp", Tier.GOLD),
                sites=[Site(0, "Toronto HQ", "America/Toronto", "Office hours")],
            )
        ],
    )


def test_a_change_of_many_tickets_reaches_the_screens_in_parts_in_order(
    qtbot: Any, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    service = DeskService(lambda: open_store(url, clock=lambda: NOW))
    many = 2 * CHANGE_PART + 10
    changes = (
        *(
            Change(Entity.TICKET, i, "save_calendar", ticket_id=i, customer_id=1)
            for i in range(1, many + 1)
        ),
        Change(Entity.CALENDAR, 7, "save_calendar"),
    )
    big = DeskChange(ChangeSet(changes, "Dana", NOW), dict.fromkeys(range(1, many + 1)))
    parts = big.parts()
    assert [len(p.entries) for p in parts] == [CHANGE_PART, CHANGE_PART, 10]
    assert parts[0].changes.setup == {Entity.CALENDAR} and not parts[1].changes.setup
    assert sorted(i for p in parts for i in p.changes.ticket_ids) == list(range(1, many + 1))

    seen: list[tuple[str, int]] = []
    service.changed.connect(lambda change: seen.append(("changed", len(change.entries))))
    with qtbot.waitSignal(service.opened, timeout=WAIT):
        service.start()
    try:
        # an answer queued behind a large change comes after all of its parts
        service._deliver(big, lambda: seen.append(("answer", 0)))
        small = DeskChange(ChangeSet((Change(Entity.TICKET, 1, "reply", ticket_id=1),)), {1: None})
        service._deliver(small, lambda: seen.append(("next answer", 0)))
        assert seen == [] or seen[0] == ("changed", CHANGE_PART)
        qtbot.waitUntil(lambda: not service.delivering, timeout=WAIT)
        assert seen == [
            ("changed", CHANGE_PART),
            ("changed", CHANGE_PART),
            ("changed", 10),
            ("answer", 0),
            ("changed", 1),
            ("next answer", 0),
        ]
    finally:
        service.stop()
