"""The SLA monitor: a worker thread that wakes when a warning or a breach is due.

The worker keeps a :class:`~desktop_app.sla.schedule.Schedule` of every open clock's next
instants and one single-shot ``QTimer`` armed for the earliest of them: there is no loop that
scans tickets. It wakes when the timer fires or when the GUI thread tells it something
changed (a ticket's clocks, the system clock), emits what came due and re-arms.

Sleep and clock changes: Qt's timers run on monotonic time, which (on Linux and macOS) stops
while the laptop is suspended and ignores the wall clock being set. So the timer is never
armed for longer than ``max_sleep``; at each wake-up the worker compares wall and monotonic
advance, and what came due meanwhile is reported once, grouped (``caught_up``).

Thread rules: the GUI thread only calls :class:`SlaMonitor` methods; they travel as queued
signals to ``@Slot`` methods of the worker, and the worker's results come back as queued
signals. The worker never touches widgets or the GUI thread's database session.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from desktop_app.domain.enums import Metric
from desktop_app.services.clock import Clock, SystemClock
from desktop_app.sla.schedule import (
    ClockLike,
    JumpDetector,
    Schedule,
    ScheduleEntry,
    entries_for,
    group_due,
)

FiredMark = tuple[int, Metric | str, str, datetime]
"""(ticket_id, metric, threshold, deadline) of a notification already given."""


@dataclass(frozen=True, slots=True)
class Agenda:
    """A whole schedule, checked, for :meth:`SlaMonitor.load`; build it with
    :func:`check_agenda`."""

    by_ticket: dict[int, list[ScheduleEntry]]
    fired: tuple[FiredMark, ...]


def check_agenda(
    all_entries: Iterable[ScheduleEntry] | Mapping[int, Iterable[ScheduleEntry]],
    fired: Iterable[FiredMark] = (),
) -> Agenda:
    """Group and check a whole schedule and its fired marks; raise on bad input.

    Plain Python that may run on any thread: the desk runs it with the alert plan on the
    database thread, so checking every open ticket's entries never holds up the window.
    """
    groups: dict[int, list[ScheduleEntry]] = {}
    if isinstance(all_entries, Mapping):
        for ticket_id, entries in all_entries.items():
            groups[ticket_id] = list(entries)
    else:
        for entry in all_entries:
            if not isinstance(entry, ScheduleEntry):
                raise TypeError(
                    f"load() takes ScheduleEntry items (or a mapping ticket_id -> "
                    f"entries), got {type(entry).__name__}"
                )
            groups.setdefault(entry.ticket_id, []).append(entry)
    prepared = {tid: Schedule.prepare(tid, entries) for tid, entries in groups.items()}
    marks = tuple(fired)
    probe = Schedule()
    for mark in marks:  # bad marks fail here, in the caller's thread
        probe.mark_fired(*mark)
    return Agenda(prepared, marks)


class _MonitorWorker(QObject):
    """Lives in the monitor thread; every slot runs there."""

    warning_due = Signal(int, str, str)
    breached = Signal(int, str, object)
    ticket_arrived = Signal(int)
    caught_up = Signal(object)
    clock_jumped = Signal(object)
    rearmed = Signal(int, str)
    armed = Signal(object)

    def __init__(
        self, clock: Clock, max_sleep: timedelta, grace: timedelta, tolerance: timedelta
    ) -> None:
        super().__init__()
        self._clock = clock
        self._max_sleep_ms = int(max_sleep.total_seconds() * 1000)
        self._grace = grace
        self._schedule = Schedule()
        self._detector = JumpDetector(tolerance)
        self._startup = False
        self._timer: QTimer | None = None

    # --- lifetime --------------------------------------------------------------------
    @Slot()
    def begin(self) -> None:
        # Created here so that the timer belongs to this thread.
        timer = QTimer(self)
        timer.setObjectName("sla-monitor-wake")
        timer.setSingleShot(True)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(self.wake)
        self._timer = timer
        self._detector.reset(self._clock.now(), self._clock.monotonic())
        self._evaluate()

    @Slot()
    def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        thread = self.thread()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())  # only this thread may push it; timer goes along
        thread.quit()

    # --- requests from the GUI thread -----------------------------------------------
    @Slot(int, object)
    def update_ticket(self, ticket_id: int, entries: list[ScheduleEntry]) -> None:
        reset = self._schedule.replace_ticket(ticket_id, entries, now=self._clock.now())
        for metric in reset:
            self.rearmed.emit(ticket_id, metric.value)
        self._evaluate()

    @Slot(int)
    def remove_ticket(self, ticket_id: int) -> None:
        if self._schedule.remove_ticket(ticket_id):
            self.rearmed.emit(ticket_id, "")
        self._evaluate()

    @Slot(object, object)
    def load(self, by_ticket: dict[int, list[ScheduleEntry]], fired: tuple[FiredMark, ...]) -> None:
        schedule = Schedule()
        for ticket_id, metric, threshold, deadline in fired:
            schedule.mark_fired(ticket_id, metric, threshold, deadline)
        for ticket_id, entries in by_ticket.items():
            schedule.replace_ticket(ticket_id, entries)
        self._schedule = schedule
        self._startup = True
        self._evaluate()

    @Slot(int)
    def ticket_arrival(self, ticket_id: int) -> None:
        self.ticket_arrived.emit(ticket_id)

    @Slot()
    def wake(self) -> None:
        self._evaluate()

    # --- the work ---------------------------------------------------------------------
    def _evaluate(self) -> None:
        if self._timer is None:  # not started yet: begin() evaluates
            return
        now = self._clock.now()
        jump = self._detector.observe(now, self._clock.monotonic())
        due = self._schedule.pop_due(now)
        batch = group_due(due, now, jump=jump, startup=self._startup, grace=self._grace)
        self._startup = False
        if jump is not None:
            self.clock_jumped.emit(jump)
        if batch.catch_up is not None:
            self.caught_up.emit(batch.catch_up)
        for entry in batch.individual:
            if entry.kind == "breach":
                self.breached.emit(entry.ticket_id, entry.metric.value, entry.at)
            else:
                self.warning_due.emit(entry.ticket_id, entry.metric.value, entry.threshold)
        self._arm(now)

    def _arm(self, now: datetime) -> None:
        assert self._timer is not None
        next_at = self._schedule.next_at()
        if next_at is None:
            # Nothing can come due, so there is nothing to wake for; a jump meanwhile is
            # still noticed at the next wake-up because the detector compares cumulatively.
            self._timer.stop()
        else:
            wait_ms = math.ceil((next_at - now).total_seconds() * 1000)
            self._timer.start(max(0, min(wait_ms, self._max_sleep_ms)))
        self.armed.emit(next_at)


class SlaMonitor(QObject):
    """Owns the monitor thread; its methods are safe to call from the GUI thread.

    Signals (delivered in the thread that owns the monitor, normally the GUI thread):

    - ``warning_due(ticket_id, metric, threshold)``: a clock crossed a warning threshold;
    - ``breached(ticket_id, metric, at)``: a clock breached at ``at`` (aware UTC datetime);
    - ``ticket_arrived(ticket_id)``: a new ticket (creation, import, another desktop);
    - ``caught_up(CatchUp)``: what came due while the laptop slept, the clock jumped, the
      app was closed, or the desk fell behind: one summary instead of a storm;
    - ``clock_jumped(ClockJump)``: the wall clock moved unlike elapsed time;
    - ``rearmed(ticket_id, metric)``: a clock got a new deadline, so its thresholds may fire
      again (``metric`` is ``""`` when the whole ticket was forgotten); the notifier forgets
      what it showed for that clock;
    - ``armed(next_at)``: the worker re-armed for ``next_at`` (``None``: nothing scheduled).
    """

    warning_due = Signal(int, str, str)
    breached = Signal(int, str, object)
    ticket_arrived = Signal(int)
    caught_up = Signal(object)
    clock_jumped = Signal(object)
    rearmed = Signal(int, str)
    armed = Signal(object)

    _request_update = Signal(int, object)
    _request_remove = Signal(int)
    _request_load = Signal(object, object)
    _request_arrival = Signal(int)
    _request_recheck = Signal()
    _request_shutdown = Signal()

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        max_sleep: timedelta = timedelta(seconds=30),
        grace: timedelta = timedelta(seconds=30),
        jump_tolerance: timedelta = timedelta(seconds=2),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if max_sleep <= timedelta(0):
            raise ValueError(f"max_sleep must be positive (e.g. 30 seconds), got {max_sleep}")
        if grace < timedelta(0):
            raise ValueError(f"grace must not be negative, got {grace}")
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._state = "new"
        self._thread = QThread(self)
        self._thread.setObjectName("sla-monitor")
        self._worker = _MonitorWorker(self._clock, max_sleep, grace, jump_tolerance)
        self._worker.moveToThread(self._thread)

        worker = self._worker
        self._thread.started.connect(worker.begin)
        # No deleteLater on the worker thread: the worker goes home to this thread in
        # shutdown() and is deleted here with its Python wrapper (deleting a Python-owned
        # object from the worker thread corrupted interpreter state at exit).
        self._request_update.connect(worker.update_ticket)
        self._request_remove.connect(worker.remove_ticket)
        self._request_load.connect(worker.load)
        self._request_arrival.connect(worker.ticket_arrival)
        self._request_recheck.connect(worker.wake)
        self._request_shutdown.connect(worker.shutdown)
        for name in (
            "warning_due",
            "breached",
            "ticket_arrived",
            "caught_up",
            "clock_jumped",
            "rearmed",
        ):
            getattr(worker, name).connect(getattr(self, name))
        worker.armed.connect(self._on_armed)
        self._sent = 0  # requests that end in a re-arm ...
        self._done = 0  # ... and re-arms reported back
        self._next_at: datetime | None = None

        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def is_running(self) -> bool:
        return self._thread.isRunning()

    @property
    def busy(self) -> bool:
        """True while requests made from this thread are still on their way through the worker.

        Signals a request caused are delivered before ``busy`` turns False, so waiting for
        ``not busy`` is a barrier (tests, benchmarks).
        """
        return self._done < self._sent

    @property
    def next_at(self) -> datetime | None:
        """The earliest instant the worker is waiting for, as last reported."""
        return self._next_at

    @Slot(object)
    def _on_armed(self, next_at: datetime | None) -> None:
        self._done += 1
        self._next_at = next_at
        self.armed.emit(next_at)

    # --- lifetime --------------------------------------------------------------------
    def start(self) -> None:
        """Start the monitor thread. Requests made before are handled as it starts."""
        if self._state != "new":
            raise RuntimeError(
                f"this SLA monitor was already {self._state}; create a new SlaMonitor "
                "to monitor again"
            )
        self._state = "started"
        self._sent += 1
        self._thread.start()

    def stop(self, timeout_ms: int = 5000) -> None:
        """Stop the worker and wait for its thread to end. Safe to call more than once."""
        if self._state != "started":
            self._state = "stopped"
            return
        self._state = "stopped"
        self._request_shutdown.emit()
        if not self._thread.wait(timeout_ms):
            raise RuntimeError(
                f"the SLA monitor thread did not stop within {timeout_ms} ms; it may be "
                "stuck in a slot — check the log for an exception raised in the worker"
            )

    # --- requests ---------------------------------------------------------------------
    def update_ticket(self, ticket_id: int, entries: Iterable[ScheduleEntry]) -> None:
        """Replace a ticket's schedule (after any change to its clocks)."""
        prepared = Schedule.prepare(ticket_id, entries)  # bad input fails here, not there
        if self._state == "stopped":
            return  # quitting: nothing listens any more
        self._sent += 1
        self._request_update.emit(ticket_id, prepared)

    def update_clocks(
        self, ticket_id: int, clocks: Mapping[Metric, ClockLike] | Iterable[ClockLike]
    ) -> None:
        """Replace a ticket's schedule from its SLA clocks."""
        self.update_ticket(ticket_id, entries_for(ticket_id, clocks))

    def remove_ticket(self, ticket_id: int) -> None:
        """Stop watching a ticket (resolved, closed, deleted)."""
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
            raise TypeError(f"ticket_id must be an int, got {type(ticket_id).__name__}")
        if self._state == "stopped":
            return  # quitting: nothing listens any more
        self._sent += 1
        self._request_remove.emit(ticket_id)

    def load(
        self,
        all_entries: Iterable[ScheduleEntry] | Mapping[int, Iterable[ScheduleEntry]] | Agenda,
        fired: Iterable[FiredMark] = (),
    ) -> None:
        """Replace the whole schedule (app start, another database).

        ``fired`` lists notifications already given (from the persisted list) so that they
        are not repeated. What is already due is reported as one "startup" summary. An
        :class:`Agenda` checked elsewhere (:func:`check_agenda`) carries its own marks and
        is not checked again here.
        """
        if isinstance(all_entries, Agenda):
            if tuple(fired):
                raise TypeError("an Agenda carries its fired marks; pass them to check_agenda()")
            agenda = all_entries
        else:
            agenda = check_agenda(all_entries, fired)
        if self._state == "stopped":
            return  # quitting: nothing listens any more
        self._sent += 1
        self._request_load.emit(agenda.by_ticket, agenda.fired)

    def notify_arrival(self, ticket_id: int) -> None:
        """A new ticket arrived; ``ticket_arrived`` follows from the monitor."""
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
            raise TypeError(f"ticket_id must be an int, got {type(ticket_id).__name__}")
        if self._state == "stopped":
            return
        self._request_arrival.emit(ticket_id)

    def recheck(self) -> None:
        """Look at the time again now (system clock changed, resumed from sleep, tests)."""
        if self._state == "stopped":
            return  # quitting: nothing listens any more
        self._sent += 1
        self._request_recheck.emit()
