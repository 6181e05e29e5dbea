"""Alerts wired into a real session on a small demo desk, driven by a fake clock.

The store and the monitor read the same :class:`FakeClock`, so moving it moves the desk's
time: nothing here sleeps. ``settle`` waits (through Qt signals) until the monitor has
handled every request and the database thread has answered every job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from desktop_app.domain import EventKind, Metric, Priority, Role
from desktop_app.domain.changes import ChangeSet
from desktop_app.domain.commands import Reassign, Resolve
from desktop_app.domain.queue import QueueEntry
from desktop_app.models.queue_model import QueueModel
from desktop_app.services.alerts import schedule_entries
from desktop_app.services.clock import FakeClock
from desktop_app.services.desk import DeskChange, DeskService
from desktop_app.services.escalation import customer_update_due
from desktop_app.services.monitor import SlaMonitor
from desktop_app.services.notifier import Channel, Delivery
from desktop_app.sla.schedule import Schedule, ScheduleEntry
from desktop_app.store import Store, open_store
from desktop_app.views.alerts_wiring import AlertsWiring
from desktop_app.views.desk_session import TECHNICIAN_KEY, DeskSession
from desktop_app.views.main_window import MainWindow
from support import writes
from support.demo_desks import unhandled_demo_desk

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
WAIT_MS = 30_000


class FakePopup:
    def __init__(self, available: bool = True) -> None:
        self.is_available = available
        self.shown: list[tuple[str, str]] = []

    def available(self) -> bool:
        return self.is_available

    def show(self, title: str, body: str) -> None:
        self.shown.append((title, body))


class Dialogs:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def ask(self, title: str, question: str) -> bool:
        return False

    def tell(self, title: str, message: str) -> None:
        self.problems.append((title, message))


@dataclass
class Desk:
    session: DeskSession
    wiring: AlertsWiring
    window: MainWindow
    model: QueueModel
    service: DeskService
    native: FakePopup
    dialogs: Dialogs
    quits: list[str]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def desk_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    store = open_store(url, clock=lambda: NOW)
    store.import_desk(unhandled_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=10))
    store.close()
    return url


@pytest.fixture
def desks(qtbot: QtBot) -> Iterator[list[Desk]]:
    started: list[Desk] = []
    yield started
    for desk in started:
        desk.wiring.stop()
        desk.session.stop()


def open_desk(
    qtbot: QtBot,
    url: str,
    settings: QSettings,
    clock: FakeClock,
    desks: list[Desk],
    *,
    tray: bool = False,
    native: bool = False,
) -> Desk:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    service = DeskService(lambda: open_store(url, clock=clock.now))
    model = QueueModel(window, now=lambda: clock.now().timestamp())
    dialogs = Dialogs()
    session = DeskSession(window, service, model, settings, ask=dialogs.ask, tell=dialogs.tell)
    popup = FakePopup(available=native)
    quits: list[str] = []
    wiring = AlertsWiring(
        session,
        clock=clock,
        native=popup,
        tray_available=lambda: tray,
        quit_app=lambda: quits.append("quit"),
    )
    desk = Desk(session, wiring, window, model, service, popup, dialogs, quits)
    desks.append(desk)
    with qtbot.waitSignal(wiring.planned, timeout=WAIT_MS):
        session.start()
    settle(qtbot, desk)
    return desk


def settle(qtbot: QtBot, desk: Desk) -> None:
    """Let the monitor look at the (fake) time and wait until every answer is in: the
    monitor's signals, the escalations they started, the notifications they saved."""
    desk.wiring.monitor.recheck()
    qtbot.waitUntil(
        lambda: (
            not desk.wiring.monitor.busy
            and desk.wiring.escalation.pending == 0
            and not desk.service.busy
        ),
        timeout=WAIT_MS,
    )


def read(qtbot: QtBot, desk: Desk, job: Any) -> Any:
    """Run a read on the desk's database thread and return its answer."""
    answers: list[Any] = []
    desk.service.submit(job, answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=WAIT_MS)
    return answers[0]


def upcoming(desk: Desk) -> tuple[QueueEntry, list[ScheduleEntry]]:
    """The open ticket whose next warning comes first after now, with its schedule."""
    now = desk.wiring.monitor.clock.now()
    best: tuple[datetime, QueueEntry, list[ScheduleEntry]] | None = None
    for row in range(desk.model.rowCount()):
        entry = desk.model.entry_at(row)
        entries = schedule_entries(entry)
        future = [e for e in entries if e.kind == "warning" and e.at > now]
        if not future:
            continue
        first = min(e.at for e in future)
        if best is None or first < best[0]:
            best = (first, entry, entries)
    assert best is not None, "the demo desk should have a ticket with a warning still to come"
    return best[1], best[2]


def kinds(store: Store, ticket_id: int) -> list[str]:
    return [n.kind for n in store.notifications(limit=10_000) if n.ticket_id == ticket_id]


def test_a_clock_due_soon_warns_then_breaches_and_escalates(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    entry, entries = upcoming(desk)
    tid = entry.ticket_id
    warning = min(
        (e for e in entries if e.kind == "warning" and e.at > clock.now()), key=lambda e: e.at
    )
    breach = next(e for e in entries if e.kind == "breach" and e.metric == warning.metric)
    level_before = read(qtbot, desk, lambda s: s.ticket(tid)).escalation_level

    clock.set_wall(warning.at)
    with qtbot.waitSignal(desk.wiring.monitor.warning_due, timeout=WAIT_MS) as warned:
        settle(qtbot, desk)
    settle(qtbot, desk)
    assert warned.args[0] == tid and warned.args[2] == warning.threshold
    listed = desk.wiring.panel.model.items()
    assert listed[0].kind == "warning" and listed[0].ticket_id == tid
    assert listed[0].id is not None  # saved before it was listed
    assert entry.number in listed[0].title
    assert "warning" in read(qtbot, desk, lambda s: kinds(s, tid))

    clock.set_wall(breach.at)
    # another ticket may breach in the meantime; this one's escalation is the one to follow
    with qtbot.waitSignal(
        desk.wiring.escalation.handled,
        timeout=WAIT_MS,
        check_params_cb=lambda outcome: outcome.ticket_id == tid,
    ) as handled:
        settle(qtbot, desk)
    settle(qtbot, desk)
    outcome = handled.args[0]
    assert outcome.ticket_id == tid and outcome.handled
    assert outcome.dispatchers and all(t.role is Role.DISPATCHER for t in outcome.dispatchers)

    ticket = read(qtbot, desk, lambda s: s.ticket_detail(tid)).ticket
    assert ticket.escalation_level == level_before + 1
    breaches = [e for e in ticket.events if e.kind is EventKind.BREACHED]
    assert [(e.metric, e.at) for e in breaches] == [(breach.metric, breach.at)]
    assert any(e.kind is EventKind.ESCALATED for e in ticket.events)
    assert customer_update_due(ticket.events)
    stored = read(qtbot, desk, lambda s: kinds(s, tid))
    assert {"warning", "breach", "escalation", "customer_update"} <= set(stored)
    escalation = next(n for n in desk.wiring.panel.model.items() if n.kind == "escalation")
    assert all(t.name in escalation.body for t in outcome.dispatchers)
    actions = [a.action for a in read(qtbot, desk, lambda s: s.audit_log("ticket", tid))]
    assert "record_breach" in actions and "escalate" in actions
    # the queue row followed the escalation
    shown = desk.model.entry(tid)
    assert shown is not None and shown.escalation_level == level_before + 1


def test_startup_summarises_what_came_due_and_a_restart_repeats_nothing(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    first = open_desk(qtbot, desk_url, tmp_settings, clock, desks, native=True)
    summaries = [n for n in first.wiring.panel.model.items() if n.kind == "summary"]
    assert len(summaries) == 1 and "while the desk was closed" in summaries[0].body
    store_view = read(qtbot, first, lambda s: s.notifications(limit=10_000))
    # one summary pop-up, not a storm (a clock due within the last seconds still pops alone)
    titles = [title for title, _ in first.native.shown]
    assert titles.count("While you were away") == 1
    assert len(titles) < len([n for n in store_view if n.kind in ("warning", "breach")]) / 4
    levels = {e.ticket_id: e.escalation_level for e in read(qtbot, first, lambda s: s.load_queue())}
    # every breach that came due while the desk was closed is escalated once, on the
    # ticket (timeline and audit); the summary told the technician, not one pop-up each
    recorded = read(qtbot, first, lambda s: s.audit_log("ticket", limit=100_000))
    breaches = [a for a in recorded if a.action == "record_breach"]
    assert breaches, "the demo desk has breached tickets; each is escalated once at start-up"
    assert len(breaches) == len({(a.entity_id, a.after["breached"]) for a in breaches})
    first.wiring.stop()
    first.session.stop()
    desks.remove(first)

    clock.advance(minutes=1)
    second = open_desk(qtbot, desk_url, tmp_settings, clock, desks, native=True)
    again = read(qtbot, second, lambda s: s.notifications(limit=10_000))
    new = [n for n in again if n.id not in {m.id for m in store_view}]
    assert [n for n in new if n.kind in ("warning", "breach", "escalation")] == []
    assert second.native.shown == []
    assert {
        e.ticket_id: e.escalation_level for e in read(qtbot, second, lambda s: s.load_queue())
    } == levels
    # the persisted list is shown again after the restart
    assert {n.id for n in second.wiring.panel.model.items()} >= {n.id for n in store_view[:50]}


def test_a_new_ticket_is_announced_and_a_resolved_one_goes_quiet(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    me = desk.session.me
    assert me is not None and me.id is not None
    actor = me.id
    customer_id = desk.model.entry_at(0).customer_id

    created: list[Any] = []
    # the store's change set names the new ticket: it arrives without anyone asking
    with qtbot.waitSignal(desk.wiring.monitor.ticket_arrived, timeout=WAIT_MS):
        desk.service.submit(
            lambda s: writes.create_ticket(
                s,
                actor,
                customer_id=customer_id,
                subject="Mail server refuses connections",
                category="outage",
                priority=Priority.CRITICAL,
            ),
            created.append,
        )
    qtbot.waitUntil(lambda: bool(created), timeout=WAIT_MS)
    tid = created[0].id
    settle(qtbot, desk)
    arrival = desk.wiring.panel.model.notification_at(0)
    assert arrival.kind == "arrival" and arrival.ticket_id == tid
    assert "Mail server" in arrival.title
    armed = schedule_entries(desk.model.entry(tid))  # type: ignore[arg-type]
    assert armed, "a new critical ticket has running clocks"

    # a change to a known ticket is not an arrival
    with qtbot.assertNotEmitted(desk.wiring.monitor.ticket_arrived):
        desk.service.refresh_tickets([tid])
        settle(qtbot, desk)

    ticket = created[0]
    with qtbot.waitSignal(
        desk.service.changed,
        timeout=WAIT_MS,
        check_params_cb=lambda change: change.entries.get(tid, 0) is None,
    ):
        desk.service.execute(
            Resolve(actor_id=actor, at=clock.now(), ticket_id=tid, version=ticket.version),
            label="Resolving",
        )
    settle(qtbot, desk)
    clock.set_wall(max(e.at for e in armed) + timedelta(minutes=1))
    outcomes: list[Any] = []
    desk.wiring.escalation.handled.connect(outcomes.append)
    settle(qtbot, desk)
    assert [o for o in outcomes if o.ticket_id == tid] == []
    assert not any(
        n.ticket_id == tid and n.kind in ("warning", "breach")
        for n in desk.wiring.panel.model.items()
    )


def test_clicking_a_notification_selects_its_ticket_and_marks_it_read(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    panel = desk.wiring.panel
    row = next(r for r in range(panel.model.rowCount()) if panel.model.notification_at(r).ticket_id)
    item = panel.model.notification_at(row)
    assert not item.read
    desk.window.set_quick_filter("breached")  # may hide the ticket: opening shows it anyway
    desk.window.search_edit.setText("no such ticket")
    unread = panel.model.unread_count()
    with qtbot.waitSignal(desk.session.ticketSelected, timeout=WAIT_MS) as selected:
        panel.activate_row(row)
    assert selected.args == [item.ticket_id]
    current = desk.window.queue_view.currentIndex()
    assert desk.model.ticket_id_at(current.row()) == item.ticket_id
    assert panel.model.unread_count() == unread - 1
    assert panel.button.text() == f"{unread - 1} unread"
    settle(qtbot, desk)
    stored = read(qtbot, desk, lambda s: s.notifications(limit=10_000))
    assert next(n for n in stored if n.id == item.id).read

    with qtbot.waitSignal(panel.markedRead, timeout=WAIT_MS):
        panel.mark_all_button.click()
    settle(qtbot, desk)
    assert panel.model.unread_count() == 0
    assert read(qtbot, desk, lambda s: s.notifications(unread_only=True)) == []


def test_muted_notifications_are_recorded_without_popping_up(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks, native=True)
    desk.native.shown.clear()
    entry, entries = upcoming(desk)
    warning = min(
        (e for e in entries if e.kind == "warning" and e.at > clock.now()), key=lambda e: e.at
    )
    desk.wiring.tray.toggle_mute()
    assert desk.wiring.notifier.muted_until == clock.now() + timedelta(minutes=30)
    clock.set_wall(warning.at)
    with qtbot.waitSignal(desk.wiring.notifier.delivered, timeout=WAIT_MS) as delivered:
        settle(qtbot, desk)
    settle(qtbot, desk)
    delivery: Delivery = delivered.args[0]
    assert delivery.reason == "muted" and not delivery.shown
    assert desk.native.shown == []
    assert desk.wiring.panel.model.notification_at(0).ticket_id == entry.ticket_id


def test_native_first_else_in_app_only(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks, native=False)
    entry, entries = upcoming(desk)
    warning = min(
        (e for e in entries if e.kind == "warning" and e.at > clock.now()), key=lambda e: e.at
    )
    # a dispatcher is signed in on the demo desk's first start, so every ticket is theirs
    assert desk.session.me is not None and desk.session.me.role is not Role.TECHNICIAN
    clock.set_wall(warning.at)
    with qtbot.waitSignal(desk.wiring.notifier.delivered, timeout=WAIT_MS) as delivered:
        settle(qtbot, desk)
    settle(qtbot, desk)
    assert delivered.args[0].channel is Channel.IN_APP  # no service, no tray
    assert desk.native.shown == []
    assert desk.wiring.panel.model.notification_at(0).metric in tuple(Metric)
    assert entry.ticket_id == desk.wiring.panel.model.notification_at(0).ticket_id


def test_the_start_up_schedule_is_checked_off_the_gui_thread(
    qtbot: QtBot,
    desk_url: str,
    tmp_settings: QSettings,
    desks: list[Desk],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Checking every open ticket's warning and breach entries takes about 0.4 s on a
    # 100,000-ticket desk: done while handing the plan to the monitor, it froze the window
    # right after the queue appeared.
    loading = threading.Event()
    checked_on_gui: list[int] = []
    checked: list[int] = []
    real_prepare, real_load = Schedule.prepare, SlaMonitor.load

    def prepare(ticket_id: int, entries: Any) -> list[ScheduleEntry]:
        checked.append(ticket_id)
        if loading.is_set() and threading.current_thread() is threading.main_thread():
            checked_on_gui.append(ticket_id)
        return real_prepare(ticket_id, entries)

    def load(self: SlaMonitor, *args: Any, **kwargs: Any) -> None:
        loading.set()
        try:
            real_load(self, *args, **kwargs)
        finally:
            loading.clear()

    monkeypatch.setattr(Schedule, "prepare", staticmethod(prepare))
    monkeypatch.setattr(SlaMonitor, "load", load)
    desk = open_desk(qtbot, desk_url, tmp_settings, FakeClock(NOW), desks)
    assert desk.wiring.loaded and checked
    assert checked_on_gui == []


def test_a_backlog_of_breaches_is_escalated_a_chunk_at_a_time(
    qtbot: QtBot,
    desk_url: str,
    tmp_settings: QSettings,
    clock: FakeClock,
    desks: list[Desk],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import desktop_app.services.escalation as escalation_module

    monkeypatch.setattr(escalation_module, "CATCH_UP_CHUNK", 1)
    jobs: list[str] = []
    original = DeskService.submit

    def spy(self: DeskService, job: Any, *args: Any, label: str = "", **kwargs: Any) -> int:
        jobs.append(label)
        return original(self, job, *args, label=label, **kwargs)

    monkeypatch.setattr(DeskService, "submit", spy)
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    recorded = read(qtbot, desk, lambda s: s.audit_log("ticket", limit=100_000))
    breaches = [a for a in recorded if a.action == "record_breach"]
    chunks = jobs.count("Escalating breaches from while away")
    assert len(breaches) >= 2
    assert chunks == len(breaches)  # one job per breach here, one after the other
    assert desk.wiring.escalation.backlog == 0


def test_a_breach_already_on_the_timeline_is_not_announced_again(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    # another desk handled every breach there is: each is on its ticket's timeline
    store = open_store(desk_url, clock=clock.now)
    try:
        for entry in store.load_queue():
            for metric, clock_state in entry.clocks.items():
                if (
                    clock_state.counting
                    and clock_state.due_at
                    and clock_state.due_at <= clock.now()
                ):
                    writes.record_breach(store, entry.ticket_id, metric, clock_state.due_at)
        recorded = store.recorded_breaches()
    finally:
        store.close()
    assert recorded, "the demo desk has breached tickets"
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks, native=True)
    stored = read(qtbot, desk, lambda s: s.notifications(limit=10_000))
    announced = {(n.ticket_id, n.metric) for n in stored if n.kind == "breach"}
    assert announced.isdisjoint({(t, m) for t, m, _at in recorded})
    audit = read(qtbot, desk, lambda s: s.audit_log("ticket", limit=100_000))
    assert len([a for a in audit if a.action == "record_breach"]) == len(recorded)


def test_each_technician_is_told_on_their_own_desk(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    """A manager and a dispatcher share the desk's database: what one was told does not fill
    the other's list or count as told to them; switching who is signed in switches it."""
    first = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    me = first.session.me
    assert me is not None and me.role is not Role.TECHNICIAN  # told about every ticket
    stored = read(qtbot, first, lambda s: s.notifications(limit=10_000))
    assert stored and {n.recipient_id for n in stored} == {me.id}
    other = next(
        t
        for t in read(qtbot, first, lambda s: s.technicians())
        if t.role is Role.DISPATCHER and t.id != me.id
    )
    first.wiring.stop()
    first.session.stop()
    desks.remove(first)

    tmp_settings.setValue(TECHNICIAN_KEY, other.id)
    clock.advance(minutes=1)
    second = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    assert second.session.me is not None and second.session.me.id == other.id
    listed = second.wiring.panel.model.items()
    assert {n.recipient_id for n in listed} == {other.id}  # none of the first one's
    # told nothing yet, the dispatcher gets their own start-up summary
    assert [n.kind for n in listed].count("summary") == 1

    combo = second.window.findChild(QComboBox, "technicianCombo")
    assert combo is not None
    with qtbot.waitSignal(second.wiring.planned, timeout=WAIT_MS):
        combo.setCurrentIndex(combo.findData(me.id))
    settle(qtbot, second)
    shown = {n.id for n in second.wiring.panel.model.items()}
    assert {n.id for n in stored} <= shown
    assert all(n.recipient_id == me.id for n in second.wiring.panel.model.items())


def test_a_ticket_closed_while_the_alerts_are_planned_again_stays_quiet(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    """Signing in as someone else plans the alerts again from a snapshot of the queue; a
    ticket closed before that plan lands must not come back into the monitor."""
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    entry, entries = upcoming(desk)
    warning = min(
        (e for e in entries if e.kind == "warning" and e.at > clock.now()), key=lambda e: e.at
    )
    combo = desk.window.findChild(QComboBox, "technicianCombo")
    assert combo is not None
    me = desk.session.me
    other = next(i for i in range(combo.count()) if me is None or combo.itemData(i) != me.id)
    with qtbot.waitSignal(desk.wiring.planned, timeout=WAIT_MS):
        combo.setCurrentIndex(other)  # the new plan is being read...
        # ...when the ticket is resolved
        desk.service.changed.emit(DeskChange(ChangeSet(), {entry.ticket_id: None}, local=False))
    settle(qtbot, desk)

    clock.set_wall(warning.at + timedelta(seconds=1))
    settle(qtbot, desk)
    warned = [
        n
        for n in desk.wiring.panel.model.items()
        if n.ticket_id == entry.ticket_id and n.kind == "warning" and n.created_at >= warning.at
    ]
    assert warned == []  # (what had come due before the switch is summarised, not this)


def test_notifications_read_in_the_signed_in_technicians_zone(
    qtbot: QtBot,
    desk_url: str,
    tmp_settings: QSettings,
    clock: FakeClock,
    desks: list[Desk],
    machine_zone_is: Callable[[str], None],
) -> None:
    """A Berlin dispatcher at a machine set to UTC reads the list, the breach times and the
    tray's "muted until" in Berlin time, like the queue and the ticket pane."""
    machine_zone_is("UTC")
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    berlin = next(
        t
        for t in read(qtbot, desk, lambda s: s.technicians())
        if t.timezone == "Europe/Berlin" and t.role is Role.DISPATCHER
    )
    combo = desk.window.findChild(QComboBox, "technicianCombo")
    assert combo is not None
    with qtbot.waitSignal(desk.wiring.planned, timeout=WAIT_MS):
        combo.setCurrentIndex(combo.findData(berlin.id))
    settle(qtbot, desk)
    zone = ZoneInfo("Europe/Berlin")
    model = desk.wiring.panel.model
    assert model.rowCount() > 0
    first = model.notification_at(0)
    assert f"{first.created_at.astimezone(zone):%a %H:%M}" in model.index(0).data()
    at = NOW + timedelta(hours=3)
    assert desk.wiring.notifier.local_time(at) == f"{at.astimezone(zone):%H:%M}"
    entry = desk.model.entry_at(0)
    desk.wiring.notifier.forget(entry.ticket_id)  # as when its clock gets a new deadline
    delivery = desk.wiring.notifier.breached(entry.ticket_id, "resolution", at)
    assert delivery.notification is not None
    assert delivery.notification.body.endswith(f"{at.astimezone(zone):%H:%M}")
    muted = desk.wiring.notifier.mute()
    desk.wiring.tray.refresh_menu()
    assert f"{muted.astimezone(zone):%H:%M}" in desk.wiring.tray.action_mute.text()
    settle(qtbot, desk)


def test_a_technician_hears_of_their_own_tickets_and_their_customers(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    """The same desk, the same afternoon: a manager hears of every ticket; a technician of
    their own tickets and of the unassigned ones of their customers, not of the rest."""
    manager = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    everyone = [n for n in manager.wiring.panel.model.items() if n.ticket_id is not None]
    entries = {e.ticket_id: e for e in manager.model.entries()}
    technicians = read(qtbot, manager, lambda s: s.technicians())
    manager.wiring.stop()
    manager.session.stop()
    desks.remove(manager)

    def told_to(tech_id: int) -> set[int]:
        customers = {e.customer_id for e in entries.values() if e.assignee_id == tech_id}
        return {
            t
            for t, e in entries.items()
            if e.assignee_id == tech_id or (e.assignee_id is None and e.customer_id in customers)
        }

    tech = max(
        (t for t in technicians if t.role is Role.TECHNICIAN),
        key=lambda t: len({n.ticket_id for n in everyone} & told_to(t.id)),  # type: ignore[arg-type]
    )
    assert tech.id is not None
    tmp_settings.setValue(TECHNICIAN_KEY, tech.id)
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    assert desk.session.me is not None and desk.session.me.id == tech.id
    listed = desk.wiring.panel.model.items()
    about = {n.ticket_id for n in listed if n.ticket_id is not None}
    assert about and about <= told_to(tech.id)
    assert len(about) < len({n.ticket_id for n in everyone})  # not everyone's
    summary = next(n for n in listed if n.kind == "summary")
    assert summary.recipient_id == tech.id
    # the store keeps what each was told: nothing about the others' tickets for this one
    stored = read(qtbot, desk, lambda s: s.notifications(recipient_id=tech.id, limit=10_000))
    assert {n.ticket_id for n in stored if n.ticket_id is not None} <= told_to(tech.id)


def test_the_list_is_narrowed_and_marked_read_in_bulk(
    qtbot: QtBot, desk_url: str, tmp_settings: QSettings, clock: FakeClock, desks: list[Desk]
) -> None:
    desk = open_desk(qtbot, desk_url, tmp_settings, clock, desks)
    panel = desk.wiring.panel
    me = desk.session.me
    assert me is not None
    total = panel.model.rowCount()
    kinds_listed = {n.kind for n in panel.model.items()}
    assert {"warning", "breach"} <= kinds_listed and total > 3

    def shown() -> list[Any]:
        return [panel.model.notification_at(r) for r in panel.shown.source_rows()]

    panel.choose(kind="breach")
    assert shown() and all(n.kind == "breach" for n in shown())
    assert panel.mark_all_button.text() == "Mark these read"
    breaches = {n.id for n in shown()}
    with qtbot.waitSignal(panel.markedRead, timeout=WAIT_MS) as marked:
        panel.mark_all_button.click()
    assert set(marked.args[0]) == breaches
    assert all(n.read == (n.id in breaches) for n in panel.model.items() if n.id is not None)

    panel.choose("unread", "breach")
    assert shown() == []  # every breach was marked read
    assert not panel.mark_all_button.isEnabled()
    panel.choose("unread")
    unread = shown()
    assert unread and all(not n.read for n in unread)
    assert len(unread) == panel.model.unread_count()
    panel.activate_row(panel.shown.source_rows()[0])  # read: it leaves the unread view
    assert len(shown()) == len(unread) - 1

    # "Mine": about tickets assigned to the person signed in here
    ticket = unread[-1].ticket_id
    assert ticket is not None
    entry = desk.model.entry(ticket)
    assert entry is not None
    panel.choose("mine")
    assert all(desk.model.entry(n.ticket_id).assignee_id == me.id for n in shown())  # type: ignore[arg-type, union-attr]
    before = len(shown())
    settle(qtbot, desk)
    if entry.assignee_id != me.id:
        # a dispatcher's move, and this desk hears of it: the change set names the ticket
        with qtbot.waitSignal(desk.service.changed, timeout=WAIT_MS):
            desk.service.execute(
                Reassign.to(
                    {ticket: entry.version},
                    me.id,
                    actor_id=next(
                        t.id for t in desk.session.technicians if t.role is Role.DISPATCHER
                    ),
                    at=clock.now(),
                ),
                label="Handing a ticket over",
            )
        assert len(shown()) > before  # it is theirs now
    panel.choose()
    assert panel.shown.rowCount() == total and panel.mark_all_button.text() == "Mark all read"
    settle(qtbot, desk)
