"""The notifier's choice of channel, with fake backends; every notification is recorded."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.domain.enums import Metric
from desktop_app.domain.model import Notification
from desktop_app.services.clock import FakeClock
from desktop_app.services.notifier import (
    CachedAvailability,
    Channel,
    NotificationList,
    Notifier,
    PlyerNotifications,
    QuietHours,
    SystemTrayNotifications,
)
from desktop_app.sla.schedule import BREACH, CatchUp, ScheduleEntry

TORONTO = ZoneInfo("America/Toronto")
T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in Toronto


class FakePopup:
    """A native service or tray that is there or not, and may break."""

    def __init__(self, available: bool = True, broken: bool = False) -> None:
        self.is_available = available
        self.broken = broken
        self.shown: list[tuple[str, str]] = []

    def available(self) -> bool:
        return self.is_available

    def show(self, title: str, body: str) -> None:
        if self.broken:
            raise OSError("notification service went away")
        self.shown.append((title, body))


class FakeTrayIcon:
    def __init__(self, tray: bool, visible: bool = True) -> None:
        self.tray, self.visible = tray, visible
        self.messages: list[tuple[str, str]] = []

    def isSystemTrayAvailable(self) -> bool:
        return self.tray

    def isVisible(self) -> bool:
        return self.visible

    def showMessage(self, title: str, msg: str) -> None:
        self.messages.append((title, msg))


def make(
    native: FakePopup | None = None, tray: FakePopup | None = None, clock: FakeClock | None = None
) -> tuple[Notifier, NotificationList]:
    inbox = NotificationList()
    notifier = Notifier(
        inbox,
        native=native,
        tray=tray,
        clock=clock or FakeClock(T0),
        local_zone=TORONTO,
        describe_ticket=lambda tid: f"T-{tid} Printer offline",
    )
    return notifier, inbox


def test_native_service_comes_first_and_the_list_keeps_a_copy() -> None:
    native, tray = FakePopup(), FakePopup()
    notifier, inbox = make(native, tray)
    delivery = notifier.warning_due(1042, "first_response", "75%")
    assert delivery.channel is Channel.NATIVE and delivery.shown
    assert native.shown == [
        ("SLA warning: T-1042 Printer offline", "Response clock: 75% of the target used")
    ]
    assert tray.shown == []
    assert [(n.kind, n.ticket_id, n.metric, n.threshold) for n in inbox.items()] == [
        ("warning", 1042, Metric.FIRST_RESPONSE, "75%")
    ]


def test_without_a_notification_service_the_tray_balloon_is_used() -> None:
    native, tray = FakePopup(available=False), FakePopup()
    notifier, inbox = make(native, tray)
    delivery = notifier.breached(7, "resolution", datetime(2025, 3, 3, 14, 30, tzinfo=UTC))
    assert delivery.channel is Channel.TRAY
    assert tray.shown == [
        ("SLA breached: T-7 Printer offline", "Resolution deadline passed at 09:30")
    ]
    assert native.shown == []
    assert len(inbox) == 1


def test_a_failing_native_call_falls_back_to_the_tray(caplog: pytest.LogCaptureFixture) -> None:
    native, tray = FakePopup(broken=True), FakePopup()
    notifier, _ = make(native, tray)
    assert notifier.ticket_arrived(5).channel is Channel.TRAY
    assert "native notification failed" in caplog.text


def test_without_service_or_tray_only_the_in_app_list_has_it() -> None:
    notifier, inbox = make(FakePopup(available=False), FakePopup(available=False))
    delivery = notifier.ticket_arrived(31)
    assert delivery.channel is Channel.IN_APP and not delivery.shown
    assert [(n.kind, n.title) for n in inbox.items()] == [
        ("arrival", "New ticket: T-31 Printer offline")
    ]
    notifier_without_backends, inbox2 = make()
    assert notifier_without_backends.warning_due(1, "resolution", "50%").channel is Channel.IN_APP
    assert len(inbox2) == 1


def test_each_ticket_clock_and_threshold_is_notified_once() -> None:
    native = FakePopup()
    notifier, inbox = make(native)
    notifier.warning_due(1, "resolution", "50%")
    assert notifier.warning_due(1, "resolution", "50%").reason == "duplicate"
    notifier.warning_due(1, "resolution", "75%")
    notifier.warning_due(1, "next_update", "50%")
    notifier.warning_due(2, "resolution", "50%")
    notifier.ticket_arrived(2)
    assert notifier.ticket_arrived(2).reason == "duplicate"  # created here, then synced in
    assert len(native.shown) == 5
    assert len(inbox) == 5

    notifier.forget(1, "next_update")  # the customer wrote: a new next-update cycle
    assert notifier.warning_due(1, "next_update", "50%").shown
    assert notifier.warning_due(1, "resolution", "50%").reason == "duplicate"
    notifier.forget(1)  # ticket closed and reopened
    assert notifier.warning_due(1, "resolution", "50%").shown


def _lines_run(call: Callable[[], object]) -> int:
    """How many Python lines ``call`` executes (a loop counts each turn): cost without a
    stopwatch."""
    count = 0

    def tracer(frame: object, event: str, arg: object) -> object:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)  # type: ignore[arg-type]
    try:
        call()
    finally:
        sys.settrace(previous)
    return count


def test_a_rearmed_clock_costs_its_own_ticket_not_the_whole_desk() -> None:
    # A reply re-arms one ticket's clocks; on a desk that was already told about
    # thousands of warnings that must not mean a walk over every one of them.
    def desk_told_about(tickets: int) -> Notifier:
        notifier, _ = make()
        for ticket_id in range(1, tickets + 1):
            notifier.warning_due(ticket_id, "resolution", "75%")
            notifier.warning_due(ticket_id, "next_update", "50%")
        return notifier

    small, large = desk_told_about(3), desk_told_about(3_000)
    assert _lines_run(lambda: small.forget(2, "next_update")) == _lines_run(
        lambda: large.forget(2, "next_update")
    )
    assert _lines_run(lambda: small.forget(2)) == _lines_run(lambda: large.forget(2))
    assert large.warning_due(2, "next_update", "50%").reason == ""  # forgotten: told again
    assert large.warning_due(2, "resolution", "75%").reason == ""
    assert large.warning_due(3, "next_update", "50%").reason == "duplicate"  # others kept


def test_mute_for_30_minutes_records_but_does_not_pop_up() -> None:
    clock = FakeClock(T0)
    native = FakePopup()
    notifier, inbox = make(native, clock=clock)
    assert notifier.mute() == T0 + timedelta(minutes=30)
    assert notifier.warning_due(1, "resolution", "50%").reason == "muted"
    clock.advance(minutes=29)
    assert notifier.breached(1, "resolution", clock.now()).reason == "muted"
    assert native.shown == []
    assert [n.kind for n in inbox.items()] == ["warning", "breach"]

    clock.advance(minutes=1)
    assert notifier.muted_until is None
    assert notifier.ticket_arrived(9).channel is Channel.NATIVE

    notifier.mute()
    notifier.unmute()
    assert notifier.ticket_arrived(10).shown
    with pytest.raises(ValueError, match="positive duration"):
        notifier.mute(timedelta(0))


@pytest.mark.parametrize(
    ("utc_hour", "quiet"),
    [(2, False), (3, True), (4, True), (11, True), (12, False), (20, False)],
)
def test_quiet_hours_are_local_and_may_wrap_midnight(utc_hour: int, quiet: bool) -> None:
    # 22:00-07:00 in Toronto (UTC-5 in early March) is 03:00-12:00 UTC: start inclusive,
    # end exclusive, 21:00 local (02:00 UTC) is still loud.
    clock = FakeClock(datetime(2025, 3, 3, utc_hour, 0, tzinfo=UTC))
    native = FakePopup()
    notifier, inbox = make(native, clock=clock)
    notifier.quiet_hours = QuietHours.parse("22:00-07:00")
    delivery = notifier.warning_due(4, "resolution", "90%")
    assert delivery.reason == ("quiet hours" if quiet else "")
    assert len(native.shown) == (0 if quiet else 1)
    assert len(inbox) == 1


def test_a_catch_up_pops_up_once_and_lists_each_clock() -> None:
    native = FakePopup()
    notifier, inbox = make(native)
    at = T0 - timedelta(hours=2)
    entries = [
        ScheduleEntry(at - timedelta(minutes=30), 1, Metric.RESOLUTION, "warning", "75%", at),
        ScheduleEntry(at, 1, Metric.RESOLUTION, "breach", BREACH),
        ScheduleEntry(at, 2, Metric.FIRST_RESPONSE, "breach", BREACH),
        ScheduleEntry(at, 3, Metric.NEXT_UPDATE, "warning", "50%", at + timedelta(hours=5)),
    ]
    report = CatchUp(reason="resume", entries=tuple(entries), as_of=T0)
    delivery = notifier.caught_up(report)
    assert native.shown == [
        (
            "While you were away",
            "2 tickets breached while this laptop was asleep; 1 more reached a warning threshold",
        )
    ]
    assert delivery.shown
    assert [(n.kind, n.ticket_id) for n in inbox.items()] == [
        ("breach", 1),
        ("breach", 2),
        ("warning", 3),
        ("summary", None),
    ]
    # What the summary covered is not repeated one by one.
    assert notifier.warning_due(1, "resolution", "75%").reason == "duplicate"
    assert notifier.breached(2, "first_response", at).reason == "duplicate"


def test_the_notifier_follows_the_monitor(qtbot: QtBot) -> None:
    from desktop_app.services.monitor import SlaMonitor

    clock = FakeClock(T0)
    native = FakePopup()
    notifier, inbox = make(native, clock=clock)
    monitor = SlaMonitor(clock)
    notifier.connect_monitor(monitor)
    monitor.start()
    try:
        with qtbot.waitSignal(notifier.delivered, timeout=5000) as delivered:
            monitor.update_ticket(8, [ScheduleEntry(T0, 8, Metric.RESOLUTION, "breach", BREACH)])
        assert delivered.args[0].channel is Channel.NATIVE
        with qtbot.waitSignal(notifier.delivered, timeout=5000):
            monitor.notify_arrival(9)
    finally:
        monitor.stop()
    assert [(n.kind, n.ticket_id) for n in inbox.items()] == [("breach", 8), ("arrival", 9)]


def test_the_tray_backend_checks_availability_not_message_support() -> None:
    icon = FakeTrayIcon(tray=False)
    tray = SystemTrayNotifications(icon)
    assert not tray.available()
    assert not SystemTrayNotifications(FakeTrayIcon(tray=True, visible=False)).available()
    shown = FakeTrayIcon(tray=True)
    backend = SystemTrayNotifications(shown)
    assert backend.available()
    backend.show("Title", "Body")
    assert shown.messages == [("Title", "Body")]


def test_plyer_backend_asks_the_probe_and_passes_title_and_body() -> None:
    calls: list[dict[str, object]] = []
    backend = PlyerNotifications(
        probe=lambda: False, notify=lambda **kw: calls.append(kw), background=False
    )
    assert not backend.available()
    backend.show("SLA breached", "Resolution deadline passed")
    assert calls == [
        {
            "title": "SLA breached",
            "message": "Resolution deadline passed",
            "app_name": "Technician Queue",
            "timeout": 10,
        }
    ]


def test_plyer_backend_shows_off_the_calling_thread() -> None:
    import threading

    threads: list[str] = []
    backend = PlyerNotifications(
        probe=lambda: True, notify=lambda **kw: threads.append(threading.current_thread().name)
    )
    try:
        future = backend.show("a", "b")
        assert future is not None
        future.result(timeout=5)
    finally:
        backend.close()
    assert threads and threads[0].startswith("native-notification")


def test_without_a_session_bus_there_is_no_native_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    # Decided in a fresh process: QtDBus keeps the session bus for the process lifetime.
    import subprocess
    import sys

    code = (
        "from desktop_app.services.notifier import freedesktop_notifications_available as f;"
        "print(f())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


def test_notification_list_numbers_and_marks_read(qtbot: QtBot) -> None:
    inbox = NotificationList()
    with qtbot.waitSignal(inbox.appended) as appended:
        inbox(Notification(created_at=T0, kind="arrival", title="New ticket", body="", ticket_id=1))
    assert appended.args == [0]
    assert inbox[0].id == 1 and inbox.unread_count() == 1
    with qtbot.waitSignal(inbox.changed):
        inbox.mark_read(0)
    assert inbox.unread_count() == 0
    with pytest.raises(IndexError, match="the list has 1"):
        inbox.mark_read(3)
    with pytest.raises(TypeError, match="expected a Notification"):
        inbox("hello")  # type: ignore[arg-type]


def test_bad_settings_and_input_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        QuietHours.parse("after ten")
    with pytest.raises(ValueError, match="empty"):
        QuietHours(time(22), time(22))
    notifier, _ = make()
    with pytest.raises(ValueError, match="unknown SLA metric 'uptime'"):
        notifier.warning_due(1, "uptime", "50%")
    with pytest.raises(TypeError, match="sink must be callable"):
        Notifier(None)  # type: ignore[arg-type]


def test_notifications_for_someone_else_are_recorded_without_popping_up() -> None:
    mine = {1}
    native = FakePopup()
    kept = NotificationList()
    notifier = Notifier(
        kept,
        native=native,
        clock=FakeClock(T0),
        audience=lambda n: n.ticket_id in mine,
    )
    assert notifier.warning_due(1, "resolution", "75%").channel is Channel.NATIVE
    other = notifier.warning_due(2, "resolution", "75%")
    assert other.reason == "for someone else" and not other.shown
    assert len(kept) == 2 and len(native.shown) == 1


def test_announce_records_once_per_key_and_may_stay_quiet() -> None:
    native = FakePopup()
    kept = NotificationList()
    notifier = Notifier(kept, native=native, clock=FakeClock(T0))
    escalation = Notification(T0, "escalation", "Escalated to level 1: TQ-1", "…", ticket_id=1)
    assert notifier.announce(escalation, once="resolution@t").channel is Channel.NATIVE
    assert notifier.announce(escalation, once="resolution@t").reason == "duplicate"
    quiet = notifier.announce(replace(escalation, ticket_id=2), pop_up=False)
    assert quiet.reason == "summarised" and not quiet.shown
    assert len(kept) == 2 and len(native.shown) == 1
    with pytest.raises(ValueError, match="ticket_id"):
        notifier.announce(replace(escalation, ticket_id=None), once="x")
    with pytest.raises(TypeError, match="Notification"):
        notifier.announce("Escalated")  # type: ignore[arg-type]


def test_the_native_check_is_reused_for_a_while() -> None:
    asked: list[int] = []
    seconds = [0.0]

    class Probe(FakePopup):
        def available(self) -> bool:
            asked.append(1)
            return True

    cached = CachedAvailability(Probe(), ttl=300, monotonic=lambda: seconds[0])
    assert cached.available() and cached.available()
    assert len(asked) == 1
    seconds[0] = 301
    assert cached.available() and len(asked) == 2
    broken = CachedAvailability(FakePopup(broken=True), monotonic=lambda: seconds[0])
    assert broken.available()
    with pytest.raises(OSError):
        broken.show("t", "b")
    with pytest.raises(ValueError, match="ttl"):
        CachedAvailability(FakePopup(), ttl=0)


def test_a_huge_catch_up_lists_the_newest_and_counts_the_rest() -> None:
    from desktop_app.services.notifier import CATCH_UP_DETAIL

    native = FakePopup()
    notifier, inbox = make(native)
    entries = [
        ScheduleEntry(T0 - timedelta(minutes=i + 1), i, Metric.RESOLUTION, "breach", BREACH)
        for i in range(1, CATCH_UP_DETAIL + 51)
    ]
    notifier.caught_up(CatchUp(reason="resume", entries=tuple(entries), as_of=T0))
    listed = [n for n in inbox.items() if n.kind == "breach"]
    assert len(listed) == CATCH_UP_DETAIL
    assert {n.ticket_id for n in listed} == set(range(1, CATCH_UP_DETAIL + 1))  # newest
    summary = inbox.items()[-1]
    assert summary.kind == "summary" and "50 more" in summary.body
    assert len(native.shown) == 1
    # the ones only counted are told all the same: no storm later
    assert notifier.breached(CATCH_UP_DETAIL + 50, "resolution", T0).reason == "duplicate"


def test_a_desk_records_only_what_is_for_the_person_signed_in() -> None:
    native = FakePopup()
    kept = NotificationList()
    mine = {1, 3}
    notifier = Notifier(
        kept, native=native, clock=FakeClock(T0), recipients=lambda n: n.ticket_id in mine
    )
    assert notifier.warning_due(1, "resolution", "75%").shown
    other = notifier.warning_due(2, "resolution", "75%")
    assert other.reason == "for someone else" and not other.shown
    assert [n.ticket_id for n in kept.items()] == [1]
    assert len(native.shown) == 1

    at = T0 - timedelta(hours=2)
    report = CatchUp(
        reason="resume",
        entries=(
            ScheduleEntry(at, 3, Metric.RESOLUTION, "breach", BREACH),
            ScheduleEntry(at, 4, Metric.RESOLUTION, "breach", BREACH),
            ScheduleEntry(at, 5, Metric.FIRST_RESPONSE, "warning", "50%", at),
        ),
        as_of=T0,
    )
    notifier.caught_up(report)
    summary = kept.items()[-1]
    assert summary.kind == "summary"
    assert summary.body == "1 ticket breached while this laptop was asleep"  # theirs only
    assert [n.ticket_id for n in kept.items()] == [1, 3, None]
    quiet = notifier.caught_up(CatchUp(reason="resume", entries=(report.entries[1],), as_of=T0))
    assert quiet.reason == "for someone else" and len(kept) == 3  # nothing of theirs


def test_a_long_catch_up_summary_reads_as_sentences() -> None:
    notifier, inbox = make(FakePopup())
    at = T0 - timedelta(hours=2)
    entries = tuple(
        ScheduleEntry(at + timedelta(seconds=i), i, Metric.RESOLUTION, "warning", "75%", at)
        for i in range(1, 106)
    )
    notifier.caught_up(CatchUp(reason="startup", entries=entries, as_of=T0))
    body = inbox.items()[-1].body
    assert body.startswith("105 tickets reached a warning threshold")
    assert body.endswith(
        "closed. The newest 100 are listed one by one; 5 more are in the queue's Breached "
        "and At risk filters."
    )


def test_someone_else_signing_in_is_told_what_the_last_person_was() -> None:
    notifier, inbox = make(FakePopup())
    assert notifier.warning_due(1, "resolution", "75%").shown
    assert notifier.warning_due(1, "resolution", "75%").reason == "duplicate"
    notifier.forget_all()  # another technician signed in at this desk
    again = notifier.warning_due(1, "resolution", "75%")
    assert again.notification is not None and again.reason != "duplicate"
    assert len(inbox) == 2
