"""What the SLA monitor watches, built from the queue the desk loaded.

The queue's entries carry each clock as stored (:class:`~desktop_app.domain.queue.StoredClock`:
deadline, target, elapsed business time) together with the ticket's business calendar and
its policy's :class:`~desktop_app.domain.WarningRule`. A warning instant is *business* time
before the deadline: "75%" is when a quarter of the target remains, "30 min before" is when
30 business minutes remain, so on an office-hours calendar a warning for a deadline at 08:15
falls at 16:45 the working day before. This is the rule the queue uses to colour a row "at
risk", so the monitor warns exactly when the row turns amber.

Plain Python without Qt: :func:`plan_alerts` runs as a :class:`~desktop_app.services.desk.
DeskService` job on the database thread, so that computing the schedule of thousands of
tickets at start-up never holds up the window.

Fired marks: the persisted notification list says which thresholds the technician was already
told about, so a restart does not tell them again. A notification counts for a clock's current
deadline when it was created after that threshold came due; an earlier threshold of the same
clock counts as told too (a breach notification covers the 90% warning before it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from desktop_app.domain.enums import ClockState, Metric
from desktop_app.domain.model import Notification, WarningRule
from desktop_app.domain.queue import QueueEntry, StoredClock
from desktop_app.services.monitor import Agenda, FiredMark, check_agenda
from desktop_app.sla.clocks import warning_points as engine_points
from desktop_app.sla.schedule import BREACH, ScheduleEntry

#: Notification kinds that stand for one threshold of one clock (the monitor's findings).
CLOCK_KINDS = frozenset({"warning", "breach"})
#: How many persisted notifications a start-up reads to seed the fired marks.
FIRED_LOOKBACK = 20_000


class _Notifications(Protocol):
    def notifications(
        self, *, recipient_id: int | None = None, unread_only: bool = False, limit: int = 200
    ) -> list[Notification]:
        """The persisted in-app list, newest first (one technician's, or every desk's)."""
        ...

    def recorded_breaches(self) -> list[tuple[int, Metric, datetime]]:
        """Breaches already on open tickets' timelines (handled by some desk)."""
        ...


def warning_points(target_s: float, rule: WarningRule | None) -> list[tuple[float, str]]:
    """(business seconds before the deadline, label) of each warning, earliest first: the
    SLA engine's warning points (:func:`desktop_app.sla.clocks.warning_points`) counted
    back from the deadline."""
    return [(target_s - elapsed, label) for elapsed, label in engine_points(target_s, rule)]


def _counting(clock: StoredClock) -> bool:
    return clock.counting and not clock.paused and clock.state is not ClockState.MET


def schedule_entries(entry: QueueEntry) -> list[ScheduleEntry]:
    """The monitor's entries for one ticket: each counting clock's warnings, then its breach.

    Paused, met and inactive clocks add nothing (they cannot breach while they stand).
    """
    if not isinstance(entry, QueueEntry):
        raise TypeError(f"schedule_entries() takes a QueueEntry, got {type(entry).__name__}")
    if not entry.status.is_open:
        return []
    calendar = entry.calendar
    add_seconds = getattr(calendar, "add_seconds", None)
    always = calendar is None or calendar.is_always_open
    entries: list[ScheduleEntry] = []
    for metric, clock in entry.clocks.items():
        due_at = clock.due_at
        if due_at is None or not _counting(clock):
            continue
        due_ts = due_at.timestamp()
        for before_s, label in warning_points(clock.target.total_seconds(), entry.warnings):
            if always:
                at_ts = due_ts - before_s
            elif add_seconds is not None:
                at_ts = float(add_seconds(due_ts, -before_s))
            else:  # a calendar with only the datetime API
                assert calendar is not None
                at_ts = calendar.add_business_time(due_at, timedelta(seconds=-before_s)).timestamp()
            entries.append(
                ScheduleEntry(
                    at=datetime.fromtimestamp(at_ts, UTC),
                    ticket_id=entry.ticket_id,
                    metric=metric,
                    kind="warning",
                    threshold=label,
                    deadline=due_at,
                )
            )
        entries.append(
            ScheduleEntry(
                at=due_at, ticket_id=entry.ticket_id, metric=metric, kind="breach", threshold=BREACH
            )
        )
    return entries


def schedule_for_queue(entries: Iterable[QueueEntry]) -> dict[int, list[ScheduleEntry]]:
    """:func:`schedule_entries` of every open ticket, by ticket id (tickets with nothing
    counting are left out)."""
    result: dict[int, list[ScheduleEntry]] = {}
    for entry in entries:
        found = schedule_entries(entry)
        if found:
            result[entry.ticket_id] = found
    return result


def fired_marks(
    schedule: Mapping[int, Iterable[ScheduleEntry]], notifications: Iterable[Notification]
) -> list[FiredMark]:
    """The thresholds of ``schedule`` the persisted ``notifications`` already told about.

    A warning or breach notification for (ticket, metric, threshold) counts when it was
    created at or after that threshold's instant for the clock's *current* deadline: after a
    priority change pushed the deadline out, the warning is due again and is not marked. Every
    earlier threshold of the same clock is marked with it.
    """
    told: dict[tuple[int, Metric, str], datetime] = {}
    for note in notifications:
        if note.kind not in CLOCK_KINDS or note.ticket_id is None or note.metric is None:
            continue
        threshold = note.threshold or (BREACH if note.kind == "breach" else "")
        key = (note.ticket_id, Metric(note.metric), threshold)
        if key not in told or note.created_at > told[key]:
            told[key] = note.created_at
    if not told:
        return []
    tickets = {key[0] for key in told}
    marks: list[FiredMark] = []
    for ticket_id in tickets:
        entries = schedule.get(ticket_id)
        if not entries:
            continue
        by_metric: dict[Metric, list[ScheduleEntry]] = {}
        for item in entries:
            by_metric.setdefault(item.metric, []).append(item)
        for metric, clock_entries in by_metric.items():
            latest: datetime | None = None  # the latest instant the technician was told of
            for item in clock_entries:
                created = told.get((ticket_id, metric, item.threshold))
                if (
                    created is not None
                    and created >= item.at
                    and (latest is None or item.at > latest)
                ):
                    latest = item.at
            if latest is None:
                continue
            for item in clock_entries:
                if item.at <= latest:
                    assert item.deadline is not None
                    marks.append((ticket_id, metric, item.threshold, item.deadline))
    return marks


@dataclass(frozen=True, slots=True)
class AlertPlan:
    """What the monitor starts from, and the in-app list as persisted."""

    entries: dict[int, list[ScheduleEntry]]
    fired: tuple[FiredMark, ...]
    notifications: tuple[Notification, ...]  # newest first
    open_tickets: frozenset[int] = frozenset()
    next_due: dict[int, float] = field(default_factory=dict)  # nearest deadline, epoch s
    # ``entries`` and ``fired`` checked for the monitor, on the database thread
    agenda: Agenda | None = None

    @property
    def ticket_count(self) -> int:
        return len(self.entries)


def plan_alerts(
    store: _Notifications,
    queue: Iterable[QueueEntry],
    *,
    show: int = 200,
    recipient_id: int | None = None,
) -> AlertPlan:
    """A database-thread job: the schedule of the loaded queue, the fired marks from the
    persisted notifications, and the newest ``show`` notifications for the in-app list.

    With ``recipient_id`` both come from that technician's notifications (and those for
    everyone): what another technician's desk told them does not count as told here.
    """
    tickets = [entry for entry in queue if entry.status.is_open]
    entries = schedule_for_queue(tickets)
    persisted = store.notifications(recipient_id=recipient_id, limit=max(FIRED_LOOKBACK, show))
    # A breach on a ticket's timeline was handled (escalated, announced) by a desk, this
    # one or another: it counts as told, so a restart stays quiet about it.
    handled = [
        Notification(
            created_at=at,
            kind="breach",
            title="",
            body="",
            ticket_id=ticket_id,
            metric=metric,
            threshold=BREACH,
        )
        for ticket_id, metric, at in store.recorded_breaches()
    ]
    marks = tuple(fired_marks(entries, [*persisted, *handled]))
    return AlertPlan(
        entries,
        marks,
        tuple(persisted[:show]),
        frozenset(entry.ticket_id for entry in tickets),
        {entry.ticket_id: due for entry in tickets if (due := next_deadline(entry)) is not None},
        check_agenda(entries, marks),
    )


def next_deadline(entry: QueueEntry) -> float | None:
    """The ticket's nearest counting deadline in epoch seconds (None when nothing counts)."""
    clock = entry.nearest
    if clock is None or clock.due_at is None or not _counting(clock):
        return None
    return clock.due_at.timestamp()


__all__ = [
    "CLOCK_KINDS",
    "AlertPlan",
    "fired_marks",
    "next_deadline",
    "plan_alerts",
    "schedule_entries",
    "schedule_for_queue",
    "warning_points",
]
