"""The SLA monitor thread, driven by a fake clock: nothing here waits for real time to pass,
except the one test that proves the real timer wakes the worker (an entry due in 200 ms)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from desktop_app.domain.enums import Metric
from desktop_app.services.clock import FakeClock, SystemClock
from desktop_app.services.monitor import SlaMonitor
from desktop_app.sla.schedule import BREACH, CatchUp, ClockJump, ScheduleEntry

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
R, U = Metric.RESOLUTION, Metric.NEXT_UPDATE
WAIT_MS = 5000  # generous: only reached when the test is about to fail


def entries(
    ticket_id: int,
    deadline: datetime,
    warnings: dict[str, datetime] | None = None,
    metric: Metric = R,
) -> list[ScheduleEntry]:
    result = [
        ScheduleEntry(at, ticket_id, metric, "warning", label, deadline=deadline)
        for label, at in (warnings or {}).items()
    ]
    result.append(ScheduleEntry(deadline, ticket_id, metric, "breach", BREACH))
    return result


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def monitor(qtbot: QtBot, clock: FakeClock) -> Iterator[SlaMonitor]:
    monitor = SlaMonitor(clock)
    with qtbot.waitSignal(monitor.armed, timeout=WAIT_MS):
        monitor.start()
    yield monitor
    monitor.stop()
    assert not monitor.is_running


def settle(qtbot: QtBot, monitor: SlaMonitor) -> object:
    """Ask the worker to look again; wait until it has handled every request made so far
    (their signals have all arrived by then). Returns the instant it re-armed for."""
    monitor.recheck()
    qtbot.waitUntil(lambda: not monitor.busy, timeout=WAIT_MS)
    return monitor.next_at


def test_breach_and_warnings_arrive_when_the_fake_clock_reaches_them(
    qtbot: QtBot, monitor: SlaMonitor, clock: FakeClock
) -> None:
    with qtbot.waitSignal(monitor.armed, timeout=WAIT_MS) as armed:
        monitor.update_ticket(
            7, entries(7, T0 + timedelta(minutes=60), {"50%": T0 + timedelta(minutes=30)})
        )
    assert armed.args == [T0 + timedelta(minutes=30)]

    clock.advance(minutes=29)
    with qtbot.assertNotEmitted(monitor.warning_due), qtbot.assertNotEmitted(monitor.breached):
        assert settle(qtbot, monitor) == T0 + timedelta(minutes=30)

    clock.advance(minutes=1)
    with qtbot.waitSignal(monitor.warning_due, timeout=WAIT_MS) as warned:
        monitor.recheck()
    assert warned.args == [7, "resolution", "50%"]

    clock.advance(minutes=30)
    with qtbot.waitSignal(monitor.breached, timeout=WAIT_MS) as breached:
        monitor.recheck()
    assert breached.args == [7, "resolution", T0 + timedelta(minutes=60)]
    assert settle(qtbot, monitor) is None  # nothing left to wake for


def test_signals_reach_the_gui_thread(qtbot: QtBot, monitor: SlaMonitor, clock: FakeClock) -> None:
    threads: list[QThread | None] = []
    monitor.breached.connect(lambda *_: threads.append(QThread.currentThread()))
    with qtbot.waitSignal(monitor.breached, timeout=WAIT_MS):
        monitor.update_ticket(1, entries(1, T0))  # due at once
    assert threads == [monitor.thread()]


def test_re_arming_with_the_same_deadline_does_not_repeat(
    qtbot: QtBot, monitor: SlaMonitor, clock: FakeClock
) -> None:
    ticket = entries(3, T0 + timedelta(minutes=60), {"50%": T0 + timedelta(minutes=30)})
    monitor.update_ticket(3, ticket)
    clock.advance(minutes=40)
    with qtbot.waitSignal(monitor.warning_due, timeout=WAIT_MS):
        monitor.recheck()

    with qtbot.assertNotEmitted(monitor.warning_due), qtbot.assertNotEmitted(monitor.rearmed):
        with qtbot.waitSignal(monitor.armed, timeout=WAIT_MS):
            monitor.update_ticket(3, ticket)  # an internal note: same clocks
        settle(qtbot, monitor)


def test_a_restarted_clock_warns_again_and_says_so(
    qtbot: QtBot, monitor: SlaMonitor, clock: FakeClock
) -> None:
    monitor.update_ticket(
        4, entries(4, T0 + timedelta(minutes=20), {"50%": T0 + timedelta(minutes=10)}, U)
    )
    clock.advance(minutes=10)
    with qtbot.waitSignal(monitor.warning_due, timeout=WAIT_MS):
        monitor.recheck()

    clock.advance(minutes=5)  # the customer writes again: a new next-update cycle
    new_deadline = clock.now() + timedelta(minutes=20)
    with qtbot.waitSignal(monitor.rearmed, timeout=WAIT_MS) as rearmed:
        monitor.update_ticket(
            4, entries(4, new_deadline, {"50%": clock.now() + timedelta(minutes=10)}, U)
        )
    assert rearmed.args == [4, "next_update"]
    clock.advance(minutes=10)
    with qtbot.waitSignal(monitor.warning_due, timeout=WAIT_MS) as warned:
        monitor.recheck()
    assert warned.args == [4, "next_update", "50%"]


def test_removed_tickets_stay_silent(qtbot: QtBot, monitor: SlaMonitor, clock: FakeClock) -> None:
    monitor.update_ticket(5, entries(5, T0 + timedelta(minutes=5)))
    with qtbot.waitSignal(monitor.rearmed, timeout=WAIT_MS) as forgotten:
        monitor.remove_ticket(5)
    assert forgotten.args == [5, ""]
    clock.advance(minutes=10)
    with qtbot.assertNotEmitted(monitor.breached):
        assert settle(qtbot, monitor) is None


def test_a_suspended_laptop_gets_one_grouped_report(
    qtbot: QtBot, monitor: SlaMonitor, clock: FakeClock
) -> None:
    for ticket in range(1, 8):
        monitor.update_ticket(ticket, entries(ticket, T0 + timedelta(minutes=15 * ticket)))
    monitor.update_ticket(8, entries(8, T0 + timedelta(hours=5), {"50%": T0 + timedelta(hours=2)}))
    monitor.update_ticket(9, entries(9, T0 + timedelta(hours=6)))
    assert settle(qtbot, monitor) == T0 + timedelta(minutes=15)

    clock.sleep(hours=3)  # lid closed after lunch; wall time moves, monotonic does not
    reports: list[CatchUp] = []
    jumps: list[ClockJump] = []
    monitor.caught_up.connect(reports.append)
    monitor.clock_jumped.connect(jumps.append)
    with (
        qtbot.assertNotEmitted(monitor.breached),
        qtbot.assertNotEmitted(monitor.warning_due),
        qtbot.waitSignal(monitor.caught_up, timeout=WAIT_MS),
    ):
        monitor.recheck()
    assert settle(qtbot, monitor) == T0 + timedelta(hours=5)  # ticket 8's breach is next
    assert len(reports) == 1
    assert reports[0].describe() == (
        "7 tickets breached while this laptop was asleep; 1 more reached a warning threshold"
    )
    assert reports[0].breached_tickets == (1, 2, 3, 4, 5, 6, 7)
    assert [j.offset for j in jumps] == [timedelta(hours=3)]


def test_a_clock_set_back_is_reported_and_repeats_nothing(
    qtbot: QtBot, monitor: SlaMonitor, clock: FakeClock
) -> None:
    monitor.update_ticket(
        2, entries(2, T0 + timedelta(minutes=30), {"50%": T0 + timedelta(minutes=15)})
    )
    clock.advance(minutes=20)
    with qtbot.waitSignal(monitor.warning_due, timeout=WAIT_MS):
        monitor.recheck()
    clock.shift_wall(hours=-2)
    with qtbot.assertNotEmitted(monitor.warning_due), qtbot.assertNotEmitted(monitor.caught_up):
        with qtbot.waitSignal(monitor.clock_jumped, timeout=WAIT_MS) as jumped:
            monitor.recheck()
        assert settle(qtbot, monitor) == T0 + timedelta(minutes=30)
    jump = jumped.args[0]
    assert isinstance(jump, ClockJump) and jump.offset == timedelta(hours=-2)


def test_load_reports_what_is_already_due_once_and_skips_what_was_shown(
    qtbot: QtBot, monitor: SlaMonitor, clock: FakeClock
) -> None:
    clock.advance(hours=2)
    past = T0 + timedelta(minutes=30)
    agenda = {
        1: entries(1, past),
        2: entries(2, past, {"75%": T0}),
        3: entries(3, T0 + timedelta(hours=3), {"50%": T0 + timedelta(minutes=90)}),
        4: entries(4, T0 + timedelta(hours=4)),
    }
    shown_before_restart = [
        (2, "resolution", "breach", past),
        (3, R, "50%", T0 + timedelta(hours=3)),
    ]
    with (
        qtbot.assertNotEmitted(monitor.breached),
        qtbot.waitSignal(monitor.caught_up, timeout=WAIT_MS) as caught,
    ):
        monitor.load(agenda, fired=shown_before_restart)
    report = caught.args[0]
    assert report.reason == "startup"
    assert [(e.ticket_id, e.threshold) for e in report.entries] == [(2, "75%"), (1, "breach")]
    assert settle(qtbot, monitor) == T0 + timedelta(hours=3)


def test_arrivals_are_passed_on(qtbot: QtBot, monitor: SlaMonitor) -> None:
    with qtbot.waitSignal(monitor.ticket_arrived, timeout=WAIT_MS) as arrived:
        monitor.notify_arrival(1042)
    assert arrived.args == [1042]


def test_requests_made_before_start_are_kept(qtbot: QtBot, clock: FakeClock) -> None:
    monitor = SlaMonitor(clock)
    monitor.update_ticket(1, entries(1, T0 + timedelta(minutes=1)))
    try:
        monitor.start()
        assert settle(qtbot, monitor) == T0 + timedelta(minutes=1)
    finally:
        monitor.stop()


def test_stop_ends_the_thread_and_cannot_be_restarted(qtbot: QtBot, clock: FakeClock) -> None:
    monitor = SlaMonitor(clock)
    monitor.stop()  # before start: nothing to do
    with pytest.raises(RuntimeError, match="create a new SlaMonitor"):
        monitor.start()

    monitor = SlaMonitor(clock)
    with qtbot.waitSignal(monitor.armed, timeout=WAIT_MS):
        monitor.start()
    monitor.update_ticket(1, entries(1, T0 + timedelta(days=1)))  # a timer is armed
    assert monitor.is_running
    monitor.stop()
    assert not monitor.is_running
    monitor.stop()  # twice is harmless
    with pytest.raises(RuntimeError, match="already stopped"):
        monitor.start()


def test_bad_requests_fail_in_the_callers_thread(clock: FakeClock) -> None:
    monitor = SlaMonitor(clock)
    with pytest.raises(ValueError, match="naive datetime"):
        monitor.update_ticket(1, [ScheduleEntry(datetime(2025, 3, 3), 1, R, "breach", BREACH)])
    with pytest.raises(ValueError, match="replace ticket 2"):
        monitor.update_ticket(2, entries(1, T0))
    with pytest.raises(TypeError, match="ticket_id must be an int"):
        monitor.remove_ticket("T-1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown SLA metric"):
        monitor.load([], fired=[(1, "uptime", "50%", T0)])
    with pytest.raises(ValueError, match="max_sleep must be positive"):
        SlaMonitor(clock, max_sleep=timedelta(0))


def test_the_real_timer_wakes_the_worker_when_an_entry_is_due(qtbot: QtBot) -> None:
    """The only real-time test: a breach 200 ms ahead, on the system clock."""
    clock = SystemClock()
    monitor = SlaMonitor(clock)
    started = time.monotonic()
    due = clock.now() + timedelta(milliseconds=200)
    monitor.update_ticket(11, entries(11, due))
    try:
        with qtbot.waitSignal(monitor.breached, timeout=WAIT_MS) as breached:
            monitor.start()
        elapsed = time.monotonic() - started
    finally:
        monitor.stop()
    assert breached.args == [11, "resolution", due]
    assert elapsed >= 0.19  # not early: it really slept until the instant
