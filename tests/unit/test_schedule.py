"""The monitor's agenda: ordering, replacement, fire-once, catch-up grouping, clock jumps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.domain.enums import ClockState, Metric
from desktop_app.services.clock import FakeClock
from desktop_app.sla.clocks import Clock, WarningInstant
from desktop_app.sla.schedule import (
    BREACH,
    CatchUp,
    ClockJump,
    JumpDetector,
    Schedule,
    ScheduleEntry,
    entries_for,
    group_due,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
R, U, F = Metric.RESOLUTION, Metric.NEXT_UPDATE, Metric.FIRST_RESPONSE


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def clock_entries(
    ticket_id: int,
    metric: Metric,
    deadline: datetime,
    warnings: dict[str, datetime] | None = None,
) -> list[ScheduleEntry]:
    """What entries_for() makes of one running clock."""
    entries = [
        ScheduleEntry(w_at, ticket_id, metric, "warning", label, deadline=deadline)
        for label, w_at in (warnings or {}).items()
    ]
    entries.append(ScheduleEntry(deadline, ticket_id, metric, "breach", BREACH))
    return entries


def fired(entries: list[ScheduleEntry]) -> list[tuple[int, str, str]]:
    return [(e.ticket_id, e.metric.value, e.threshold) for e in entries]


# ------------------------------------------------------------------ ordering
def test_entries_come_due_in_time_order_across_tickets() -> None:
    clock = FakeClock(T0)
    schedule = Schedule()
    schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(30), {"50%": T0 + minutes(15)}))
    schedule.replace_ticket(2, clock_entries(2, F, T0 + minutes(10)))
    schedule.replace_ticket(3, clock_entries(3, U, T0 + minutes(20), {"75%": T0 + minutes(5)}))

    assert schedule.next_at() == T0 + minutes(5)
    assert len(schedule) == 5
    assert schedule.pop_due(clock.now()) == []

    clock.advance(minutes=10)  # exactly at ticket 2's deadline: due is inclusive
    assert fired(schedule.pop_due(clock.now())) == [
        (3, "next_update", "75%"),
        (2, "first_response", "breach"),
    ]
    assert schedule.next_at() == T0 + minutes(15)

    clock.advance(minutes=60)
    assert fired(schedule.pop_due(clock.now())) == [
        (1, "resolution", "50%"),
        (3, "next_update", "breach"),
        (1, "resolution", "breach"),
    ]
    assert schedule.next_at() is None
    assert len(schedule) == 0


def test_simultaneous_entries_come_back_in_a_stable_order() -> None:
    schedule = Schedule()
    at = T0 + minutes(5)
    schedule.replace_ticket(9, clock_entries(9, R, at, {"30 min before": at}))
    schedule.replace_ticket(4, clock_entries(4, F, at))
    due = schedule.pop_due(at)
    assert [(e.ticket_id, e.kind) for e in due] == [(4, "breach"), (9, "warning"), (9, "breach")]


# ------------------------------------------------------------------ replacement
def test_replacing_a_ticket_drops_its_old_instants() -> None:
    schedule = Schedule()
    schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(10), {"50%": T0 + minutes(5)}))
    schedule.replace_ticket(2, clock_entries(2, R, T0 + minutes(20)))

    # Priority lowered: ticket 1's deadline moves out to 40 minutes.
    schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(40), {"50%": T0 + minutes(20)}))
    assert len(schedule) == 3
    assert schedule.heap_size == 5  # two stale items wait to be skipped lazily
    assert schedule.next_at() == T0 + minutes(20)
    assert schedule.heap_size == 3  # the stale ones at 5 and 10 minutes were discarded

    assert fired(schedule.pop_due(T0 + minutes(39))) == [
        (1, "resolution", "50%"),
        (2, "resolution", "breach"),
    ]
    assert fired(schedule.pop_due(T0 + minutes(40))) == [(1, "resolution", "breach")]


def test_an_empty_replacement_or_removal_silences_a_ticket() -> None:
    schedule = Schedule()
    schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(10)))
    schedule.replace_ticket(2, clock_entries(2, R, T0 + minutes(10)))
    schedule.replace_ticket(1, [])  # clock paused: waiting on the customer
    assert schedule.remove_ticket(2) is True  # resolved
    assert schedule.remove_ticket(2) is False
    assert schedule.pop_due(T0 + minutes(60)) == []
    assert schedule.ticket_ids() == frozenset()


def test_many_replacements_compact_the_heap_and_keep_every_live_entry() -> None:
    schedule = Schedule()
    for round_ in range(5):
        for ticket in range(1, 601):
            deadline = T0 + minutes(ticket + round_)
            schedule.replace_ticket(ticket, clock_entries(ticket, R, deadline))
    assert len(schedule) == 600
    assert schedule.heap_size < 2 * 600 + Schedule.COMPACT_MIN_STALE  # compaction ran
    due = schedule.pop_due(T0 + minutes(10_000))
    assert [e.ticket_id for e in due] == list(range(1, 601))
    assert all(e.at == T0 + minutes(e.ticket_id + 4) for e in due)


# ------------------------------------------------------------------ fire once
def test_each_threshold_fires_once_while_the_deadline_stands() -> None:
    schedule = Schedule()
    deadline = T0 + minutes(60)
    entries = clock_entries(1, R, deadline, {"50%": T0 + minutes(30), "75%": T0 + minutes(45)})
    schedule.replace_ticket(1, entries)
    assert fired(schedule.pop_due(T0 + minutes(31))) == [(1, "resolution", "50%")]

    # An internal note re-arms the ticket with the same deadline: 50% must not repeat.
    assert schedule.replace_ticket(1, entries) == ()
    assert schedule.pop_due(T0 + minutes(31)) == []
    assert [e.threshold for e in schedule.pending(1)] == ["75%", "breach"]
    assert schedule.has_fired(1, R, "50%")


def test_a_new_deadline_rearms_thresholds_that_fired_for_the_old_one() -> None:
    schedule = Schedule()
    first = T0 + minutes(60)
    schedule.replace_ticket(1, clock_entries(1, U, first, {"50%": T0 + minutes(30)}))
    assert fired(schedule.pop_due(T0 + minutes(30))) == [(1, "next_update", "50%")]

    # The customer writes again: the next-update clock restarts with a new deadline.
    now = T0 + minutes(40)
    second = now + minutes(60)
    reset = schedule.replace_ticket(
        1, clock_entries(1, U, second, {"50%": now + minutes(30)}), now=now
    )
    assert reset == (U,)
    assert fired(schedule.pop_due(now + minutes(30))) == [(1, "next_update", "50%")]


def test_a_resumed_clock_does_not_repeat_warnings_already_passed() -> None:
    schedule = Schedule()
    deadline = T0 + minutes(60)
    warnings = {"50%": T0 + minutes(30), "75%": T0 + minutes(45)}
    schedule.replace_ticket(1, clock_entries(1, R, deadline, warnings))
    assert fired(schedule.pop_due(T0 + minutes(35))) == [(1, "resolution", "50%")]
    schedule.replace_ticket(1, [])  # waiting on customer: the clock pauses at minute 35

    # Resumed an hour later: every instant shifts by an hour; 50% is in the past again.
    now = T0 + minutes(95)
    shifted = {label: at + minutes(60) for label, at in warnings.items()}
    reset = schedule.replace_ticket(
        1, clock_entries(1, R, deadline + minutes(60), shifted), now=now
    )
    assert reset == ()
    assert schedule.pop_due(now) == []
    assert fired(schedule.pop_due(now + minutes(10))) == [(1, "resolution", "75%")]


def test_without_now_a_changed_deadline_rearms_everything_that_fired() -> None:
    schedule = Schedule()
    schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(10)))
    assert len(schedule.pop_due(T0 + minutes(10))) == 1
    assert schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(5))) == (R,)
    assert fired(schedule.pop_due(T0 + minutes(10))) == [(1, "resolution", "breach")]


def test_marks_from_before_a_restart_suppress_repeats() -> None:
    schedule = Schedule()
    deadline = T0 + minutes(60)
    schedule.replace_ticket(1, clock_entries(1, R, deadline, {"50%": T0 + minutes(30)}))
    schedule.mark_fired(1, "resolution", "50%", deadline)
    schedule.mark_fired(2, R, "75%", deadline)  # a ticket not loaded yet
    assert [e.threshold for e in schedule.pending(1)] == ["breach"]
    schedule.replace_ticket(2, clock_entries(2, R, deadline, {"75%": T0 + minutes(45)}))
    assert fired(schedule.pop_due(deadline)) == [
        (1, "resolution", "breach"),
        (2, "resolution", "breach"),
    ]


def test_removal_forgets_the_fired_marks() -> None:
    schedule = Schedule()
    schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(10)))
    schedule.pop_due(T0 + minutes(10))
    assert schedule.remove_ticket(1) is True  # resolved; only marks were left
    schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(10)))  # reopened
    assert len(schedule.pop_due(T0 + minutes(10))) == 1


# ------------------------------------------------------------------ catch-up
def test_after_a_suspend_everything_due_comes_back_in_one_grouped_report() -> None:
    clock = FakeClock(T0)
    detector = JumpDetector()
    detector.reset(clock.now(), clock.monotonic())
    schedule = Schedule()
    for ticket in range(1, 8):  # seven tickets breach during the afternoon
        schedule.replace_ticket(
            ticket, clock_entries(ticket, R, T0 + minutes(20 * ticket), {"75%": T0 + minutes(5)})
        )
    schedule.replace_ticket(8, clock_entries(8, R, T0 + minutes(500), {"50%": T0 + minutes(90)}))
    schedule.replace_ticket(9, clock_entries(9, R, T0 + minutes(500)))

    clock.sleep(hours=3)  # lid closed: wall time moves, monotonic time does not
    clock.advance(seconds=1)
    jump = detector.observe(clock.now(), clock.monotonic())
    assert jump is not None and jump.forward
    assert jump.offset == timedelta(hours=3)

    batch = group_due(schedule.pop_due(clock.now()), clock.now(), jump=jump)
    assert batch.individual == ()
    report = batch.catch_up
    assert report is not None and report.reason == "resume"
    assert report.breached_tickets == (1, 2, 3, 4, 5, 6, 7)
    assert report.warned_tickets == (8,)
    assert len(report.entries) == 15
    assert report.describe() == (
        "7 tickets breached while this laptop was asleep; 1 more reached a warning threshold"
    )
    # One line per clock: a breach supersedes the same clock's earlier warning.
    assert [(e.ticket_id, e.kind) for e in report.latest_per_clock()] == [
        (1, "breach"),
        (2, "breach"),
        (3, "breach"),
        (4, "breach"),
        (8, "warning"),
        (5, "breach"),
        (6, "breach"),
        (7, "breach"),
    ]
    assert schedule.pop_due(clock.now()) == []  # reported once
    assert schedule.ticket_ids() == frozenset({8, 9})


def test_without_a_jump_only_a_backlog_across_tickets_is_grouped() -> None:
    now = T0 + minutes(60)
    late_one = clock_entries(1, R, T0)
    on_time = clock_entries(2, R, now - timedelta(seconds=2))

    single = group_due(late_one + on_time, now)
    assert single.catch_up is None
    assert [e.ticket_id for e in single.individual] == [1, 2]

    backlog = clock_entries(1, R, T0) + clock_entries(3, F, T0 + minutes(1)) + on_time
    batch = group_due(backlog, now)
    assert batch.catch_up is not None and batch.catch_up.reason == "late"
    assert batch.catch_up.breached_tickets == (1, 3)
    assert [e.ticket_id for e in batch.individual] == [2]


def test_the_first_batch_after_startup_is_one_summary() -> None:
    now = T0 + minutes(60)
    batch = group_due(clock_entries(5, R, T0, {"90%": T0 - minutes(5)}), now, startup=True)
    assert batch.catch_up is not None
    assert batch.catch_up.describe() == "1 ticket breached while the desk was closed"
    assert group_due([], now, startup=True).catch_up is None


def test_warnings_alone_are_described_as_warnings() -> None:
    report = CatchUp(
        reason="resume",
        entries=tuple(clock_entries(3, R, T0 + minutes(90), {"50%": T0})[:1]),
        as_of=T0 + minutes(60),
    )
    assert report.describe() == "1 ticket reached a warning threshold while this laptop was asleep"


# ------------------------------------------------------------------ clock jumps
def test_jump_detector_tells_a_sleep_from_normal_passage_of_time() -> None:
    clock = FakeClock(T0)
    detector = JumpDetector(tolerance=timedelta(seconds=2))
    assert detector.observe(clock.now(), clock.monotonic()) is None  # first reading
    clock.advance(minutes=10)
    assert detector.observe(clock.now(), clock.monotonic()) is None
    clock.shift_wall(seconds=1.5)  # NTP nudge within tolerance
    assert detector.observe(clock.now(), clock.monotonic()) is None
    clock.sleep(minutes=45)
    jump = detector.observe(clock.now(), clock.monotonic())
    assert jump == ClockJump(
        timedelta(minutes=45), T0 + timedelta(minutes=10, seconds=1.5), clock.now()
    )
    assert "ahead" in jump.describe()


def test_a_backward_jump_is_reported_and_nothing_fires_again() -> None:
    clock = FakeClock(T0)
    detector = JumpDetector()
    detector.reset(clock.now(), clock.monotonic())
    schedule = Schedule()
    schedule.replace_ticket(1, clock_entries(1, R, T0 + minutes(10), {"50%": T0 + minutes(5)}))
    clock.advance(minutes=6)
    assert detector.observe(clock.now(), clock.monotonic()) is None
    assert fired(schedule.pop_due(clock.now())) == [(1, "resolution", "50%")]

    clock.shift_wall(hours=-1)  # someone sets the clock back an hour
    jump = detector.observe(clock.now(), clock.monotonic())
    assert jump is not None and not jump.forward
    assert jump.offset == -timedelta(hours=1)
    assert jump.describe() == "wall clock was set back by 1 h 0 min"
    assert group_due(schedule.pop_due(clock.now()), clock.now(), jump=jump).catch_up is None
    assert schedule.next_at() == T0 + minutes(10)  # the breach now lies 64 minutes ahead

    # Re-arming with the same deadline after the jump does not repeat the 50% warning.
    schedule.replace_ticket(
        1, clock_entries(1, R, T0 + minutes(10), {"50%": T0 + minutes(5)}), now=clock.now()
    )
    clock.advance(minutes=70)
    assert fired(schedule.pop_due(clock.now())) == [(1, "resolution", "breach")]


def test_monotonic_time_going_back_is_a_broken_clock() -> None:
    detector = JumpDetector()
    detector.reset(T0, 100.0)
    with pytest.raises(ValueError, match="monotonic time went back"):
        detector.observe(T0, 99.0)


# ------------------------------------------------------------------ the seam with the clocks
def _clock(
    metric: Metric, due: datetime | None, warnings: tuple[WarningInstant, ...], running: bool = True
) -> Clock:
    return Clock(
        metric=metric,
        state=ClockState.RUNNING if running else ClockState.PAUSED,
        target=timedelta(hours=4),
        started_at=T0,
        due_at=due,
        elapsed=timedelta(0),
        breached_at=None,
        met_at=None,
        as_of=T0,
        warnings=warnings,
        running=running,
        paused=not running,
    )


def test_entries_for_reads_the_sla_clocks() -> None:
    due = T0 + timedelta(hours=4)
    clocks = {
        R: _clock(
            R,
            due,
            (
                WarningInstant("50%", T0 + timedelta(hours=2)),
                WarningInstant("30 min before", due - minutes(30)),
            ),
        ),
        U: _clock(U, None, (), running=False),  # paused: nothing to schedule
    }
    entries = entries_for(42, clocks)
    assert [(e.kind, e.threshold, e.at, e.deadline) for e in entries] == [
        ("warning", "50%", T0 + timedelta(hours=2), due),
        ("warning", "30 min before", due - minutes(30), due),
        ("breach", "breach", due, due),
    ]
    assert entries_for(42, list(clocks.values())) == entries


@dataclass(frozen=True)
class _StubWarning:
    label: str
    at: datetime


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"at": datetime(2025, 3, 3, 9, 0)}, "naive datetime"),
        ({"metric": "uptime"}, "unknown SLA metric 'uptime'; use one of"),
        ({"kind": "alarm"}, "'warning' or 'breach'"),
        ({"threshold": ""}, "non-empty label"),
        ({"kind": "breach", "deadline": T0 + minutes(1)}, "leave deadline out"),
    ],
)
def test_bad_entries_are_refused_with_a_reason(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "at": T0,
        "ticket_id": 1,
        "metric": R,
        "kind": "warning",
        "threshold": "50%",
    }
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        ScheduleEntry(**fields)  # type: ignore[arg-type]


def test_bad_replacements_are_refused_with_a_reason() -> None:
    schedule = Schedule()
    with pytest.raises(ValueError, match="entry for ticket 2 was given to replace ticket 1"):
        schedule.replace_ticket(1, clock_entries(2, R, T0))
    with pytest.raises(ValueError, match="two entries for resolution threshold 'breach'"):
        schedule.replace_ticket(1, clock_entries(1, R, T0) + clock_entries(1, R, T0))
    with pytest.raises(ValueError, match=r"pass deadline=clock\.due_at"):
        schedule.replace_ticket(1, [ScheduleEntry(T0, 1, R, "warning", "50%")])
    with pytest.raises(ValueError, match="disagree on the deadline"):
        schedule.replace_ticket(
            1,
            [
                ScheduleEntry(T0, 1, R, "warning", "50%", deadline=T0 + minutes(9)),
                *clock_entries(1, R, T0 + minutes(10)),
            ],
        )
    with pytest.raises(TypeError, match="entries_for"):
        schedule.replace_ticket(1, [_StubWarning("50%", T0)])  # type: ignore[list-item]
    assert len(schedule) == 0  # nothing half-applied


def test_a_warning_without_deadline_takes_its_breach_deadline() -> None:
    schedule = Schedule()
    schedule.replace_ticket(
        1, [ScheduleEntry(T0, 1, R, "warning", "50%"), *clock_entries(1, R, T0 + minutes(10))]
    )
    assert [e.deadline for e in schedule.pending(1)] == [T0 + minutes(10)] * 2
