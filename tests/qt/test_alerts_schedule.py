"""What the monitor watches: warning instants in business time before each deadline, and the
fired marks a restart takes from the persisted notifications. Plain Python, no Qt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop_app.domain import ClockState, EventKind, Metric, Notification, TicketEvent, WarningRule
from desktop_app.services.alerts import (
    fired_marks,
    schedule_entries,
    schedule_for_queue,
    warning_points,
)
from desktop_app.sla import BusinessCalendar
from desktop_app.sla.clocks import ClockTerms, compute_clocks
from desktop_app.sla.schedule import BREACH, ScheduleEntry
from support.queue_entries import ALWAYS, NOW, OFFICE, clock, entry

TORONTO = ZoneInfo("America/Toronto")
RULE = WarningRule((50, 75, 90), timedelta(minutes=30))


def test_warning_points_use_the_engines_labels_earliest_first() -> None:
    points = warning_points(8 * 3600, RULE)
    assert [label for _, label in points] == ["50%", "75%", "90%", "30 min before"]
    assert [before for before, _ in points] == [4 * 3600, 2 * 3600, 0.1 * 8 * 3600, 1800]
    # a lead as long as the target, or percents out of range, warn nothing
    assert warning_points(1800, WarningRule((0, 100), timedelta(minutes=30))) == []
    assert warning_points(3600, None) == []


def test_a_lead_warning_counts_back_in_business_hours() -> None:
    # Tuesday 08:15 in Toronto: 30 business minutes before is Monday 16:45, not 07:45
    deadline = datetime(2026, 12, 1, 8, 15, tzinfo=TORONTO).astimezone(UTC)
    ticket = entry(
        1,
        deadline - NOW,
        calendar=OFFICE,
        warnings=WarningRule((), timedelta(minutes=30)),
    )
    entries = schedule_entries(ticket)
    assert [(e.kind, e.threshold) for e in entries] == [
        ("warning", "30 min before"),
        ("breach", BREACH),
    ]
    assert entries[0].at == datetime(2026, 11, 30, 16, 45, tzinfo=TORONTO).astimezone(UTC)
    assert all(e.deadline == deadline for e in entries)
    assert entries[1].at == deadline


def test_paused_and_met_clocks_are_not_watched() -> None:
    assert schedule_entries(entry(1, None, paused=True)) == []
    met = entry(2, timedelta(hours=2))
    done = met.clocks[Metric.RESOLUTION]._replace(state=ClockState.MET, due_at=None, met_at=NOW)
    assert schedule_entries(met._replace(clocks={Metric.RESOLUTION: done}, nearest=None)) == []
    queue = [entry(3, timedelta(hours=2)), entry(4, None, paused=True)]
    assert set(schedule_for_queue(queue)) == {3}
    with pytest.raises(TypeError, match="QueueEntry"):
        schedule_entries("TQ-1")  # type: ignore[arg-type]


@pytest.mark.parametrize("calendar", [ALWAYS, OFFICE], ids=["24x7", "office hours"])
def test_instants_agree_with_the_sla_engine(calendar: BusinessCalendar) -> None:
    created = datetime(2026, 11, 30, 14, 7, 13, tzinfo=UTC)  # Monday 09:07 in Toronto
    target = timedelta(hours=6)
    terms = ClockTerms(
        calendar=calendar,
        targets={m: target for m in Metric},
        warnings=RULE,
    )
    clocks = compute_clocks([TicketEvent(EventKind.CREATED, created, "Ana")], terms, created)
    engine = clocks[Metric.RESOLUTION]
    assert engine.due_at is not None
    stored = clock(engine.due_at - NOW, target=target, elapsed=timedelta(0))._replace(
        started_at=created,
        as_of=created,
        state=ClockState.RUNNING,
        breached_at=None,
    )
    ticket = entry(1, calendar=calendar, warnings=RULE)._replace(
        clocks={Metric.RESOLUTION: stored},
        nearest=stored,
    )
    ours = [(e.threshold, e.at) for e in schedule_entries(ticket) if e.kind == "warning"]
    assert ours == [(w.label, w.at) for w in engine.warnings]


def note(
    kind: str, ticket_id: int, threshold: str, at: datetime, metric: Metric = Metric.RESOLUTION
) -> Notification:
    return Notification(at, kind, "t", "b", ticket_id=ticket_id, metric=metric, threshold=threshold)


def test_a_told_threshold_marks_itself_and_the_earlier_ones_for_the_current_deadline() -> None:
    ticket = entry(7, timedelta(hours=1), warnings=RULE, target=timedelta(hours=8))
    schedule = schedule_for_queue([ticket])
    by_label = {e.threshold: e for e in schedule[7]}
    seventy_five = by_label["75%"].at
    marks = fired_marks(schedule, [note("warning", 7, "75%", seventy_five + timedelta(seconds=3))])
    deadline = by_label[BREACH].at
    assert sorted(m[2] for m in marks) == ["50%", "75%"]
    assert all(m[0] == 7 and m[1] is Metric.RESOLUTION and m[3] == deadline for m in marks)

    everything = fired_marks(schedule, [note("breach", 7, BREACH, deadline)])
    assert len(everything) == len(schedule[7])


def test_a_deadline_pushed_out_since_the_notification_is_due_again() -> None:
    ticket = entry(7, timedelta(hours=6), warnings=RULE, target=timedelta(hours=8))
    schedule = schedule_for_queue([ticket])
    ninety = next(e for e in schedule[7] if e.threshold == "90%")
    told_before = ninety.at - timedelta(hours=2)  # told for an earlier, tighter deadline
    assert fired_marks(schedule, [note("warning", 7, "90%", told_before)]) == []


def test_other_kinds_and_unknown_tickets_mark_nothing() -> None:
    schedule: dict[int, list[ScheduleEntry]] = schedule_for_queue([entry(7, timedelta(hours=1))])
    later = NOW + timedelta(days=1)
    notes = [
        note("arrival", 7, "", later),
        note("escalation", 7, BREACH, later),
        note("warning", 99, "75%", later),
        Notification(later, "summary", "While you were away", "…"),
    ]
    assert fired_marks(schedule, notes) == []
