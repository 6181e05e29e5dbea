"""SLA clocks: each rule with hand-computed instants in real zones.

The Toronto desk is open Monday 08:00–12:00 and 13:00–17:00 (lunch closed), Tuesday to
Friday 08:00–17:00, closed on Family Day (Monday 16 February 2026). February 2026 is EST
(UTC−5): Mon 2, Tue 3, Wed 4, Thu 5, Fri 6, Mon 9, Tue 10, Fri 13, Mon 16 (holiday), Tue 17.
Targets: first response 1 h, next update 4 h, resolution 8 h; warnings at 50/75/90 % and
30 min before.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from desktop_app.domain import (
    ClockState,
    EventKind,
    Metric,
    Priority,
    TicketEvent,
    ValidationError,
    WarningRule,
)
from desktop_app.sla.calendar import BusinessCalendar
from desktop_app.sla.clocks import (
    Clock,
    ClockTerms,
    CycleResult,
    WarningInstant,
    _new_clock,
    _new_cycle,
    _new_warning,
    _Track,
    _warnings,
    compute_clocks,
)

TORONTO = ZoneInfo("America/Toronto")
BERLIN = ZoneInfo("Europe/Berlin")

TORONTO_DESK = BusinessCalendar(
    "America/Toronto",
    {
        0: [("08:00", "12:00"), ("13:00", "17:00")],
        1: [("08:00", "17:00")],
        2: [("08:00", "17:00")],
        3: [("08:00", "17:00")],
        4: [("08:00", "17:00")],
    },
    [date(2026, 2, 16), date(2026, 12, 25)],
)

FR, NU, RES = Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION
K = EventKind


def terms(
    response: float = 1, update: float = 4, resolution: float = 8, calendar=TORONTO_DESK
) -> ClockTerms:
    return ClockTerms(
        calendar=calendar,
        targets={
            FR: timedelta(hours=response),
            NU: timedelta(hours=update),
            RES: timedelta(hours=resolution),
        },
        warnings=WarningRule((50, 75, 90), timedelta(minutes=30)),
        explanation="Gold (the customer's contract policy)",
        calendar_label="business hours (Office hours, America/Toronto)",
        policy_name="Gold",
    )


def feb(day: int, hour: int, minute: int = 0) -> datetime:
    """A Toronto wall-clock instant in February 2026."""
    return datetime(2026, 2, day, hour, minute, tzinfo=TORONTO)


def ev(kind: EventKind, at: datetime) -> TicketEvent:
    return TicketEvent(kind=kind, at=at)


def clocks(events: list[TicketEvent], now: datetime, t: ClockTerms | None = None):
    return compute_clocks(events, t or terms(), now)


H = timedelta(hours=1)
M = timedelta(minutes=1)


# ------------------------------------------------------------------ first response


def test_first_response_runs_from_creation_during_hours() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9))], feb(3, 9, 20))[FR]
    assert c.state is ClockState.RUNNING
    assert c.running and not c.paused
    assert c.started_at == feb(3, 9)
    assert c.due_at == feb(3, 10)
    assert c.elapsed == 20 * M
    assert c.remaining == 40 * M
    assert c.breached_at is None and c.met_at is None


def test_instants_come_out_in_utc() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9))], feb(3, 9, 20))[FR]
    assert c.due_at is not None
    assert c.due_at.tzinfo is UTC
    assert c.due_at == datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
    assert c.started_at is not None and c.started_at.tzinfo is UTC
    assert c.as_of.tzinfo is UTC


def test_after_hours_arrival_starts_at_next_opening() -> None:
    # Friday 18:30 → nothing counts until Monday 08:00.
    result = clocks([ev(K.CREATED, feb(6, 18, 30))], feb(7, 12))
    assert result[FR].due_at == feb(9, 9)
    assert result[FR].elapsed == timedelta(0)
    assert result[FR].state is ClockState.RUNNING
    # Resolution 8 h: Monday 08–12 and 13–17 → exactly at Monday's closing instant.
    assert result[RES].due_at == feb(9, 17)


def test_lunch_break_on_a_split_day_does_not_count() -> None:
    c = clocks([ev(K.CREATED, feb(9, 11, 30))], feb(9, 12, 30))[FR]
    assert c.due_at == feb(9, 13, 30)
    assert c.elapsed == 30 * M


def test_public_holiday_is_skipped() -> None:
    # Friday 13 16:00: 1 h on Friday, Monday 16 is Family Day, 7 h on Tuesday 17.
    c = clocks([ev(K.CREATED, feb(13, 16))], feb(16, 12))[RES]
    assert c.due_at == feb(17, 15)
    assert c.elapsed == 1 * H


def test_phone_call_meets_first_response() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9)), ev(K.PHONE_CALL, feb(3, 9, 40))], feb(3, 11))[FR]
    assert c.state is ClockState.MET
    assert c.met_at == feb(3, 9, 40)
    assert c.due_at is None
    assert not c.running
    assert c.elapsed == 40 * M
    assert c.remaining == 20 * M


def test_public_reply_meets_first_response() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9)), ev(K.PUBLIC_REPLY, feb(3, 9, 5))], feb(3, 11))[FR]
    assert c.state is ClockState.MET
    assert c.met_at == feb(3, 9, 5)


def test_internal_note_never_counts_as_a_response() -> None:
    result = clocks([ev(K.CREATED, feb(3, 9)), ev(K.INTERNAL_NOTE, feb(3, 9, 10))], feb(3, 10, 30))
    c = result[FR]
    assert c.state is ClockState.BREACHED
    assert c.running
    assert c.breached_at == feb(3, 10)
    assert c.due_at == feb(3, 10)
    assert c.met_at is None
    # A note is not a customer message either: no next-update cycle.
    assert result[NU].state is ClockState.INACTIVE


def test_reply_exactly_at_the_deadline_is_on_time() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9)), ev(K.PUBLIC_REPLY, feb(3, 10))], feb(3, 12))[FR]
    assert c.state is ClockState.MET
    assert c.breached_at is None


def test_first_response_keeps_running_while_waiting_on_customer() -> None:
    result = clocks(
        [ev(K.CREATED, feb(3, 9)), ev(K.WAITING_ON_CUSTOMER, feb(3, 9, 10))], feb(3, 9, 50)
    )
    assert result[FR].state is ClockState.RUNNING
    assert result[FR].elapsed == 50 * M
    assert result[FR].due_at == feb(3, 10)
    assert result[RES].state is ClockState.PAUSED
    assert result[RES].elapsed == 10 * M


def test_resolving_an_unanswered_ticket_stops_first_response() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9)), ev(K.RESOLVED, feb(3, 9, 30))], feb(3, 12))[FR]
    assert c.state is ClockState.MET
    assert c.met_at == feb(3, 9, 30)


def test_same_instant_events_keep_their_recorded_order() -> None:
    # A ticket logged from a phone call: created and answered in the same second.
    c = clocks([ev(K.CREATED, feb(3, 9)), ev(K.PHONE_CALL, feb(3, 9))], feb(3, 12))[FR]
    assert c.state is ClockState.MET
    assert c.elapsed == timedelta(0)


# ------------------------------------------------------------- pause and resume


def test_paused_clock_has_no_deadline_and_frozen_remaining() -> None:
    events = [ev(K.CREATED, feb(3, 9)), ev(K.WAITING_ON_CUSTOMER, feb(3, 11))]
    c = clocks(events, feb(3, 15))[RES]
    assert c.state is ClockState.PAUSED
    assert c.paused and not c.running
    assert c.due_at is None
    assert c.elapsed == 2 * H
    assert c.remaining == 6 * H
    assert c.warnings == ()
    # Frozen: a day later nothing changed.
    later = clocks(events, feb(4, 15))[RES]
    assert later.elapsed == 2 * H
    assert later.remaining_at(feb(5, 12).timestamp()) == 6 * 3600


def test_resume_continues_from_the_elapsed_time() -> None:
    events = [
        ev(K.CREATED, feb(3, 9)),
        ev(K.WAITING_ON_CUSTOMER, feb(3, 11)),
        ev(K.WAITING_OFF, feb(4, 10)),
    ]
    c = clocks(events, feb(4, 11))[RES]
    assert c.state is ClockState.RUNNING
    assert c.elapsed == 3 * H
    assert c.due_at == feb(4, 16)  # 6 h left from Wednesday 10:00


def test_wait_across_a_weekend_ended_by_a_customer_message() -> None:
    # Thu 15–17 and Fri 08–10 count (4 h); the wait lasts the weekend; the customer's
    # message on Monday 14:00 ends it; 4 h left: Mon 14–17 and Tue 08–09.
    events = [
        ev(K.CREATED, feb(5, 15)),
        ev(K.PUBLIC_REPLY, feb(5, 15, 30)),
        ev(K.WAITING_ON_CUSTOMER, feb(6, 10)),
        ev(K.CUSTOMER_MESSAGE, feb(9, 14)),
    ]
    result = clocks(events, feb(9, 15))
    assert result[RES].state is ClockState.RUNNING
    assert result[RES].elapsed == 5 * H
    assert result[RES].due_at == feb(10, 9)
    # The same message starts a next-update cycle: 4 h from Monday 14:00.
    assert result[NU].state is ClockState.RUNNING
    assert result[NU].started_at == feb(9, 14)
    assert result[NU].due_at == feb(10, 9)


def test_breached_then_paused_stays_breached_without_deadline() -> None:
    events = [
        ev(K.CREATED, feb(3, 8)),
        ev(K.PUBLIC_REPLY, feb(3, 8, 10)),
        ev(K.WAITING_ON_CUSTOMER, feb(4, 9)),  # 9 h + 1 h = 10 h elapsed, 8 h target
    ]
    c = clocks(events, feb(4, 12))[RES]
    assert c.state is ClockState.BREACHED
    assert c.paused and not c.running
    assert c.due_at is None
    assert c.breached_at == feb(3, 16)
    assert c.breach_duration == 2 * H
    assert c.remaining == -2 * H


# ----------------------------------------------------------------- term changes


def test_priority_change_while_paused_uses_new_target_from_original_start() -> None:
    events = [
        ev(K.CREATED, feb(3, 9)),
        ev(K.PRIORITY_CHANGED, feb(3, 10)),
        ev(K.WAITING_ON_CUSTOMER, feb(3, 11)),
    ]
    critical = terms(resolution=4)
    paused = clocks(events, feb(3, 12), critical)[RES]
    assert paused.state is ClockState.PAUSED
    assert paused.elapsed == 2 * H
    assert paused.remaining == 2 * H
    resumed = [*events, ev(K.WAITING_OFF, feb(4, 8))]
    assert clocks(resumed, feb(4, 9), critical)[RES].due_at == feb(4, 10)
    assert clocks(resumed, feb(4, 9), terms(resolution=8))[RES].due_at == feb(4, 14)


def test_priority_change_making_the_deadline_already_past_breaches_at_the_real_instant() -> None:
    # 5 h ran on Tuesday (09–14) before the wait; raised to a 4 h target on Wednesday:
    # the target was reached on Tuesday at 13:00, inside the first running segment.
    events = [
        ev(K.CREATED, feb(3, 9)),
        ev(K.PUBLIC_REPLY, feb(3, 9, 15)),
        ev(K.WAITING_ON_CUSTOMER, feb(3, 14)),
        ev(K.WAITING_OFF, feb(4, 10)),
        ev(K.PRIORITY_CHANGED, feb(4, 11)),
    ]
    c = clocks(events, feb(4, 11), terms(resolution=4))[RES]
    assert c.state is ClockState.BREACHED
    assert c.running
    assert c.breached_at == feb(3, 13)
    assert c.due_at == feb(3, 13)
    assert c.elapsed == 6 * H
    assert c.remaining == -2 * H
    assert c.breach_duration == 2 * H  # business overrun, the wait excluded
    assert c.breach_wall_duration == timedelta(hours=22)
    # With the old 8 h target the same timeline is still running, due Wednesday 13:00.
    assert clocks(events, feb(4, 11), terms(resolution=8))[RES].due_at == feb(4, 13)


def test_breached_then_met_stays_breached_with_its_duration() -> None:
    # Created Monday 16:00: due at Monday's 17:00 closing; answered Tuesday 08:30.
    events = [ev(K.CREATED, feb(2, 16)), ev(K.PUBLIC_REPLY, feb(3, 8, 30))]
    c = clocks(events, feb(3, 12))[FR]
    assert c.state is ClockState.BREACHED
    assert not c.running and not c.paused
    assert c.due_at is None
    assert c.breached_at == feb(2, 17)
    assert c.met_at == feb(3, 8, 30)
    assert c.breach_duration == 30 * M  # business time
    assert c.breach_wall_duration == timedelta(hours=15, minutes=30)
    assert c.remaining == -30 * M


def test_running_breached_clock_counts_its_breach_until_now() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9))], feb(3, 11, 15))[FR]
    assert c.breach_duration == 75 * M
    assert c.breach_wall_duration == 75 * M
    assert c.remaining_at(feb(3, 11, 15).timestamp()) == -75 * 60


# ---------------------------------------------------------------- resolution


def test_resolution_is_met_at_resolved() -> None:
    events = [ev(K.CREATED, feb(3, 9)), ev(K.RESOLVED, feb(3, 12))]
    c = clocks(events, feb(3, 15))[RES]
    assert c.state is ClockState.MET
    assert c.met_at == feb(3, 12)
    assert c.elapsed == 3 * H
    assert c.due_at is None


def test_reopen_resumes_resolution_with_time_already_spent() -> None:
    events = [
        ev(K.CREATED, feb(3, 9)),
        ev(K.RESOLVED, feb(3, 12)),
        ev(K.REOPENED, feb(4, 9)),
    ]
    c = clocks(events, feb(4, 10))[RES]
    assert c.state is ClockState.RUNNING
    assert c.met_at is None
    assert c.started_at == feb(3, 9)
    assert c.elapsed == 4 * H
    assert c.due_at == feb(4, 14)


def test_reopen_after_breach_stays_breached() -> None:
    events = [
        ev(K.CREATED, feb(3, 8)),
        ev(K.RESOLVED, feb(4, 9)),  # 10 h: breached Tuesday 16:00
        ev(K.REOPENED, feb(4, 10)),
    ]
    c = clocks(events, feb(4, 11))[RES]
    assert c.state is ClockState.BREACHED
    assert c.running
    assert c.breached_at == feb(3, 16)
    assert c.elapsed == 11 * H


# ---------------------------------------------------------------- next update


def test_next_update_is_inactive_without_a_customer_message() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9)), ev(K.PUBLIC_REPLY, feb(3, 9, 5))], feb(3, 12))[NU]
    assert c.state is ClockState.INACTIVE
    assert c.due_at is None
    assert not c.running
    assert c.cycles == ()
    assert c.target == 4 * H


def test_second_message_does_not_push_the_next_update_deadline_out() -> None:
    events = [
        ev(K.CREATED, feb(3, 8)),
        ev(K.PUBLIC_REPLY, feb(3, 8, 10)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 9)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 11)),
    ]
    c = clocks(events, feb(3, 12))[NU]
    assert c.started_at == feb(3, 9)
    assert c.due_at == feb(3, 13)
    assert len(c.cycles) == 1


def test_next_update_cycles_are_kept_and_the_clock_shows_the_latest() -> None:
    events = [
        ev(K.CREATED, feb(3, 8)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 9)),
        ev(K.PUBLIC_REPLY, feb(3, 9, 30)),  # cycle 1 met after 30 min
        ev(K.CUSTOMER_MESSAGE, feb(3, 10)),
        ev(K.PHONE_CALL, feb(3, 15)),  # cycle 2: 5 h, breached at 14:00
        ev(K.CUSTOMER_MESSAGE, feb(3, 16)),
    ]
    c = clocks(events, feb(3, 16, 30))[NU]
    assert c.state is ClockState.RUNNING
    assert c.started_at == feb(3, 16)
    assert c.due_at == feb(4, 11)  # 16–17 Tuesday, 08–11 Wednesday
    assert [cycle.started_at for cycle in c.cycles] == [feb(3, 9), feb(3, 10), feb(3, 16)]
    assert [cycle.met_at for cycle in c.cycles] == [feb(3, 9, 30), feb(3, 15), None]
    assert [cycle.breached_at for cycle in c.cycles] == [None, feb(3, 14), None]
    assert sum(cycle.breached for cycle in c.cycles) == 1
    assert c.cycles[1].elapsed == 5 * H


def test_latest_next_update_cycle_met_shows_met() -> None:
    events = [
        ev(K.CREATED, feb(3, 8)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 9)),
        ev(K.PUBLIC_REPLY, feb(3, 10)),
    ]
    c = clocks(events, feb(3, 12))[NU]
    assert c.state is ClockState.MET
    assert c.met_at == feb(3, 10)
    assert c.elapsed == 1 * H


def test_next_update_does_not_run_while_waiting_on_customer() -> None:
    events = [
        ev(K.CREATED, feb(3, 8)),
        ev(K.PUBLIC_REPLY, feb(3, 8, 10)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 9)),
        ev(K.WAITING_ON_CUSTOMER, feb(3, 10)),
    ]
    paused = clocks(events, feb(3, 12))[NU]
    assert paused.state is ClockState.PAUSED
    assert paused.due_at is None
    assert paused.elapsed == 1 * H
    resumed = clocks([*events, ev(K.WAITING_OFF, feb(3, 13))], feb(3, 14))[NU]
    assert resumed.state is ClockState.RUNNING
    assert resumed.elapsed == 2 * H
    assert resumed.due_at == feb(3, 16)


def test_customer_message_on_a_resolved_ticket_starts_no_cycle() -> None:
    events = [
        ev(K.CREATED, feb(3, 8)),
        ev(K.RESOLVED, feb(3, 9)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 10)),  # "thanks!"
    ]
    result = clocks(events, feb(3, 12))
    assert result[NU].state is ClockState.INACTIVE
    assert result[RES].state is ClockState.MET


# ------------------------------------------------------------------- warnings


def test_warnings_at_percentages_and_lead_time() -> None:
    result = clocks([ev(K.CREATED, feb(3, 9))], feb(3, 9, 40))
    assert [(w.label, w.at) for w in result[RES].warnings] == [
        ("50%", feb(3, 13)),
        ("75%", feb(3, 15)),
        ("90%", feb(3, 16, 12)),
        ("30 min before", feb(3, 16, 30)),
    ]
    # Past instants are listed too; the monitor decides what is due.
    assert [(w.label, w.at) for w in result[FR].warnings] == [
        ("50%", feb(3, 9, 30)),
        ("30 min before", feb(3, 9, 30)),
        ("75%", feb(3, 9, 45)),
        ("90%", feb(3, 9, 54)),
    ]


def test_lead_warning_is_in_business_time() -> None:
    # A 7 h resolution created Monday 09:15 is due Tuesday 08:15 (Monday has a lunch
    # break); "30 min before" is Monday 16:45, not Tuesday 07:45 when nobody is in.
    c = clocks([ev(K.CREATED, feb(2, 9, 15))], feb(2, 10), terms(resolution=7))[RES]
    assert c.due_at == feb(3, 8, 15)
    assert ("30 min before", feb(2, 16, 45)) in [(w.label, w.at) for w in c.warnings]


def test_warnings_falling_before_a_pause_are_found_in_their_segment() -> None:
    events = [
        ev(K.CREATED, feb(3, 9)),
        ev(K.PUBLIC_REPLY, feb(3, 9, 15)),
        ev(K.WAITING_ON_CUSTOMER, feb(3, 14)),
        ev(K.WAITING_OFF, feb(4, 9)),
    ]
    c = clocks(events, feb(4, 9, 30))[RES]
    assert c.due_at == feb(4, 12)
    assert [(w.label, w.at) for w in c.warnings] == [
        ("50%", feb(3, 13)),
        ("75%", feb(4, 10)),
        ("90%", feb(4, 11, 12)),
        ("30 min before", feb(4, 11, 30)),
    ]


def test_no_warnings_while_paused_or_met() -> None:
    events = [
        ev(K.CREATED, feb(3, 9)),
        ev(K.PUBLIC_REPLY, feb(3, 9, 15)),
        ev(K.WAITING_ON_CUSTOMER, feb(3, 10)),
    ]
    result = clocks(events, feb(3, 11))
    assert result[RES].warnings == ()
    assert result[FR].warnings == ()


def test_lead_time_not_shorter_than_the_target_gives_no_lead_warning() -> None:
    t = terms(response=0.25)  # 15 min response, 30 min lead
    c = clocks([ev(K.CREATED, feb(3, 9))], feb(3, 9, 1), t)[FR]
    assert [w.label for w in c.warnings] == ["50%", "75%", "90%"]


# ------------------------------------------------------------ events and inputs


def test_events_after_now_are_ignored() -> None:
    events = [ev(K.CREATED, feb(3, 9)), ev(K.PUBLIC_REPLY, feb(3, 11))]
    c = clocks(events, feb(3, 10, 30))[FR]
    assert c.state is ClockState.BREACHED
    assert c.running
    assert c.met_at is None
    assert c.elapsed == 90 * M


def test_ticket_created_after_now_has_inactive_clocks() -> None:
    result = clocks([ev(K.CREATED, feb(3, 9))], feb(3, 8))
    assert {c.state for c in result.values()} == {ClockState.INACTIVE}


def test_events_are_sorted_by_time_whatever_order_they_come_in() -> None:
    events = [
        ev(K.CREATED, feb(3, 8)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 9)),
        ev(K.PUBLIC_REPLY, feb(3, 9, 30)),
        ev(K.WAITING_ON_CUSTOMER, feb(3, 10)),
        ev(K.WAITING_OFF, feb(3, 13)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 14)),
    ]
    expected = clocks(events, feb(3, 15))
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != events
    assert clocks(shuffled, feb(3, 15)) == expected


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValidationError, match="naive"):
        compute_clocks([ev(K.CREATED, feb(3, 9))], terms(), datetime(2026, 2, 3, 10))


def test_naive_event_time_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"customer_message.*naive"):
        compute_clocks(
            [ev(K.CREATED, feb(3, 9)), ev(K.CUSTOMER_MESSAGE, datetime(2026, 2, 3, 10))],
            terms(),
            feb(3, 11),
        )


def test_timeline_without_creation_is_refused() -> None:
    with pytest.raises(ValidationError, match="no CREATED event"):
        compute_clocks([ev(K.CUSTOMER_MESSAGE, feb(3, 9))], terms(), feb(3, 11))


def test_terms_without_a_target_are_refused() -> None:
    with pytest.raises(ValidationError, match="no resolution target"):
        ClockTerms(TORONTO_DESK, {FR: H, NU: H})


def test_terms_with_a_zero_target_are_refused() -> None:
    with pytest.raises(ValidationError, match="update target of 0 s"):
        ClockTerms(TORONTO_DESK, {FR: H, NU: timedelta(0), RES: H})


# --------------------------------------------------------- other zones and DST


def test_berlin_business_clock_across_the_spring_dst_change() -> None:
    berlin_desk = BusinessCalendar("Europe/Berlin", {d: [("09:00", "17:00")] for d in range(5)})
    # Friday 27 March 2026 16:00 CET: 1 h on Friday, then Monday 30 March 09–10 CEST.
    created = datetime(2026, 3, 27, 16, 0, tzinfo=BERLIN)
    c = compute_clocks([ev(K.CREATED, created)], terms(response=2, calendar=berlin_desk), created)
    assert c[FR].due_at == datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN)
    assert c[FR].due_at == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_round_the_clock_counts_wall_time_across_dst() -> None:
    always = BusinessCalendar.always_open("Europe/Berlin")
    created = datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN)  # 22:00 UTC, clocks jump at 02:00
    c = compute_clocks([ev(K.CREATED, created)], terms(resolution=4, calendar=always), created)
    assert c[RES].due_at == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    assert c[RES].due_at == datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN)


# ------------------------------------------------------------ remaining, explain


def test_remaining_at_fast_path_matches_remaining_and_counts_business_time() -> None:
    c = clocks([ev(K.CREATED, feb(3, 9))], feb(3, 16))[RES]
    assert c.remaining == 1 * H
    assert c.remaining_at(feb(3, 16).timestamp()) == 3600.0
    assert c.remaining_at(feb(3, 17).timestamp()) == 0.0
    # Overdue since 17:00, but overnight no business time passes: still 0 at 07:00.
    assert c.remaining_at(feb(4, 7).timestamp()) == 0.0
    assert c.remaining_at(feb(4, 9).timestamp()) == -3600.0
    assert c.remaining_as_of(feb(3, 16, 30)) == 30 * M


def test_remaining_at_after_a_breach_before_a_pause_excludes_the_pause() -> None:
    # Breached Tuesday 13:00 (4 h target), paused 14:00 to Wednesday 10:00, running again:
    # at Wednesday 11:00, 6 h counted, 2 h over; the evening and the wait do not count.
    events = [
        ev(K.CREATED, feb(3, 9)),
        ev(K.WAITING_ON_CUSTOMER, feb(3, 14)),
        ev(K.WAITING_OFF, feb(4, 10)),
    ]
    c = clocks(events, feb(4, 10, 30), terms(resolution=4))[RES]
    assert c.remaining == -90 * M
    assert c.remaining_at(feb(4, 11).timestamp()) == -2 * 3600.0
    # Thursday 08:00: Wednesday 10–17 added 7 h, nothing overnight: 12 h counted, 8 h over.
    assert c.remaining_at(feb(5, 8).timestamp()) == -8 * 3600.0


def test_without_warnings_the_clock_is_the_same_but_lists_none() -> None:
    events = [ev(K.CREATED, feb(3, 9))]
    full = compute_clocks(events, terms(), feb(3, 10))
    bare = compute_clocks(events, terms(), feb(3, 10), with_warnings=False)
    assert bare[RES].warnings == ()
    assert full[RES].warnings != ()
    assert bare[RES].due_at == full[RES].due_at
    assert bare[RES].state is full[RES].state


def test_terms_explain_every_target_without_a_metric() -> None:
    assert terms(response=1.5, update=0.75).explain() == (
        "Gold (the customer's contract policy): response 1 h 30 min, update 45 min, "
        "resolution 8 h, business hours (Office hours, America/Toronto)"
    )


def test_explain_names_the_rule_and_the_promise() -> None:
    c: Clock = clocks([ev(K.CREATED, feb(3, 9))], feb(3, 9))[FR]
    assert c.explain() == (
        "Gold (the customer's contract policy): response 1 h, "
        "business hours (Office hours, America/Toronto)"
    )


# ------------------------------------------------- met clocks keep their verdict


def _priority_terms(priority: Priority, category: str) -> ClockTerms:
    """P3 normal: response 1 h, resolution 8 h; P1 critical: 15 min and 2 h."""
    if priority is Priority.CRITICAL:
        return terms(response=0.25, update=1, resolution=2)
    return terms()


def test_a_response_met_in_time_stays_met_after_the_priority_is_raised() -> None:
    events = [
        TicketEvent(K.CREATED, feb(3, 9), priority=Priority.NORMAL, category="email"),
        ev(K.PUBLIC_REPLY, feb(3, 9, 40)),  # 40 min: on time for P3 (1 h)
        TicketEvent(K.PRIORITY_CHANGED, feb(3, 10), priority=Priority.CRITICAL),
    ]
    now = feb(3, 10, 30)
    current = _priority_terms(Priority.CRITICAL, "email")
    judged = compute_clocks(events, current, now, terms_for=_priority_terms)
    assert judged[FR].state is ClockState.MET
    assert judged[FR].target == timedelta(hours=1)  # the target it ran under
    # the running resolution clock takes the new target from the original start
    assert judged[RES].target == timedelta(hours=2)
    assert judged[RES].due_at == feb(3, 11)
    # without a resolver every clock is judged by the current terms (the old rule)
    plain = compute_clocks(events, current, now)
    assert plain[FR].state is ClockState.BREACHED
    assert plain[FR].breached_at == feb(3, 9, 15)


def test_a_response_late_under_its_own_terms_stays_breached_after_a_downgrade() -> None:
    events = [
        TicketEvent(K.CREATED, feb(3, 9), priority=Priority.CRITICAL, category="outage"),
        ev(K.PHONE_CALL, feb(3, 9, 30)),  # 30 min: late for P1 (15 min)
        TicketEvent(K.PRIORITY_CHANGED, feb(3, 10), priority=Priority.NORMAL),
    ]
    current = _priority_terms(Priority.NORMAL, "outage")
    judged = compute_clocks(events, current, feb(3, 11), terms_for=_priority_terms)
    assert judged[FR].state is ClockState.BREACHED
    assert judged[FR].breached_at == feb(3, 9, 15)
    assert judged[RES].target == timedelta(hours=8)


# ------------------------------------------------------------------ fast paths


def _every_field(value: object) -> dict[str, object]:
    """All fields, also those left out of == (terms, due_ts, the countdown's fast path)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cls", "build"),
    [(Clock, _new_clock), (WarningInstant, _new_warning), (CycleResult, _new_cycle)],
)
def test_slot_by_slot_builders_make_what_the_class_makes(cls: type, build: Any) -> None:
    # a distinct value per field, so a field set from the wrong argument shows
    values = [object() for _ in dataclasses.fields(cls)]
    fast, slow = build(*values), cls(*values)
    assert type(fast) is cls
    assert _every_field(fast) == _every_field(slow)
    assert all(a is b for a, b in zip(_every_field(fast).values(), values, strict=True))
    assert repr(fast) == repr(slow)
    # still frozen, and nothing skipped that the class would have validated
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(fast, dataclasses.fields(cls)[0].name, None)
    assert not hasattr(cls, "__post_init__")


def _tied_timeline(rng: random.Random) -> list[TicketEvent]:
    """A timeline in time order with several events at the same instant."""
    at = feb(2, 7) + timedelta(minutes=rng.randrange(5 * 24 * 60))
    events = [TicketEvent(K.CREATED, at, priority=rng.choice(list(Priority)), category="printer")]
    kinds = [k for k in K if k is not K.CREATED]
    for _ in range(rng.randint(0, 12)):
        if rng.random() < 0.7:  # otherwise the same instant as the previous event
            at += timedelta(minutes=rng.randint(1, 600))
        kind = rng.choice(kinds)
        priority = rng.choice(list(Priority)) if kind is K.PRIORITY_CHANGED else None
        events.append(TicketEvent(kind, at, priority=priority))
    return events


def _same_clocks(a: dict[Metric, Clock], b: dict[Metric, Clock]) -> None:
    assert a == b
    for metric, clock in a.items():
        assert _every_field(clock) == _every_field(b[metric])


def test_events_out_of_order_give_the_clocks_of_the_same_events_in_order() -> None:
    # events in time order skip the sort; any other order is sorted, same-instant events
    # keeping their recorded order: both must give the very same clocks
    rng = random.Random(2026)
    for _ in range(300):
        ordered = _tied_timeline(rng)
        instants = sorted({e.at for e in ordered})
        rng.shuffle(instants)
        rank = {at: i for i, at in enumerate(instants)}
        shuffled = sorted(ordered, key=lambda e: rank[e.at])  # ties keep their order
        now = ordered[0].at + timedelta(hours=rng.randint(0, 120))
        expected = compute_clocks(ordered, terms(), now, terms_for=_priority_terms)
        _same_clocks(compute_clocks(shuffled, terms(), now, terms_for=_priority_terms), expected)
        _same_clocks(
            compute_clocks(iter(shuffled), terms(), now, terms_for=_priority_terms), expected
        )


def test_shared_instants_are_the_same_values_as_the_clock_fields_say() -> None:
    # the deadline of a breached counting clock is its breach; the latest next-update
    # cycle and the next-update clock report the same instants
    events = [
        ev(K.CREATED, feb(3, 9)),
        ev(K.CUSTOMER_MESSAGE, feb(3, 9, 10)),
    ]
    result = clocks(events, feb(3, 15))
    fr, nu = result[FR], result[NU]
    assert fr.state is ClockState.BREACHED and fr.running
    assert fr.due_at == fr.breached_at == feb(3, 10)
    assert fr.due_ts == feb(3, 10).timestamp()
    assert nu.state is ClockState.BREACHED
    latest = nu.cycles[-1]
    assert (nu.started_at, nu.met_at, nu.elapsed, nu.breached_at) == (
        latest.started_at,
        latest.met_at,
        latest.elapsed,
        latest.breached_at,
    )
    assert nu.breached_at == feb(3, 13, 10)  # 4 h of business time from the message


def _reached_one_by_one(
    track: _Track, lengths: list[float], elapsed_s: float, calendar: BusinessCalendar
) -> float | None:
    """The plain search, per warning: walk the segments from the start until one holds
    ``elapsed_s`` business seconds; None when that lies beyond a pause."""
    counted = 0.0
    for (start, end), length in zip(track.closed, lengths, strict=True):
        if counted + length >= elapsed_s:
            return min(calendar.add_seconds(start, max(0.0, elapsed_s - counted)), end)
        counted += length
    if track.open_from is not None:
        return calendar.add_seconds(track.open_from, max(0.0, elapsed_s - counted))
    return None


def test_one_walk_finds_the_warning_instants_the_per_warning_search_finds() -> None:
    rng = random.Random(11)
    start = feb(2, 7).timestamp()
    found_in_a_closed_segment = found_in_the_open_segment = 0
    for _ in range(400):
        ts = start + rng.randrange(3 * 86_400)
        track = _Track(ts)
        for _ in range(rng.randint(0, 4)):  # running and waiting, in turns
            ts += rng.randrange(1, 12 * 3600)
            track.pause(ts)
            ts += rng.randrange(0, 30 * 3600)
            track.resume(ts)
        if rng.random() < 0.3:
            track.pause(ts + rng.randrange(1, 3600))
        lengths = [TORONTO_DESK.seconds_between(a, b) for a, b in track.closed]
        points = tuple(
            sorted((rng.uniform(1, 40 * 3600), f"p{i}") for i in range(rng.randint(0, 5)))
        )
        expected = []
        for elapsed_s, label in points:
            instant = _reached_one_by_one(track, lengths, elapsed_s, TORONTO_DESK)
            if instant is not None:
                expected.append(WarningInstant(label, datetime.fromtimestamp(instant, UTC)))
                if sum(lengths) >= elapsed_s:
                    found_in_a_closed_segment += 1
                else:
                    found_in_the_open_segment += 1
        assert _warnings(track, lengths, points, TORONTO_DESK) == tuple(expected)
    # both branches of the walk were exercised
    assert found_in_a_closed_segment > 50 and found_in_the_open_segment > 50


def test_events_that_move_no_clock_leave_the_clocks_as_they_are() -> None:
    moving = {
        K.CREATED,
        K.CUSTOMER_MESSAGE,
        K.PUBLIC_REPLY,
        K.PHONE_CALL,
        K.WAITING_ON_CUSTOMER,
        K.WAITING_OFF,
        K.RESOLVED,
        K.REOPENED,
        K.PRIORITY_CHANGED,
        K.CATEGORY_CHANGED,
    }
    others = [k for k in K if k not in moving]
    assert K.INTERNAL_NOTE in others and K.ASSIGNED in others
    rng = random.Random(5)
    for _ in range(200):
        events = [e for e in _tied_timeline(rng) if e.kind in moving]
        now = events[0].at + timedelta(hours=rng.randint(0, 120))
        expected = compute_clocks(events, terms(), now, terms_for=_priority_terms)
        busier = events[:]
        for _ in range(rng.randint(1, 6)):
            at = events[0].at + timedelta(minutes=rng.randint(-600, 6000))
            busier.insert(rng.randint(0, len(busier)), ev(rng.choice(others), at))
        _same_clocks(compute_clocks(busier, terms(), now, terms_for=_priority_terms), expected)


# -------------------------------------------------------- any span, any order of tickets

OFFICE = {d: [("08:00", "17:00")] for d in range(5)}


def _office_terms() -> ClockTerms:
    return terms(response=4, calendar=BusinessCalendar("America/Toronto", OFFICE))


def test_a_response_more_than_a_year_late_is_a_breach() -> None:
    """A December 2024 ticket answered in February 2026: 4 business hours were long
    gone, and the elapsed time is the business time in between, not negative."""
    created = datetime(2024, 12, 16, 14, tzinfo=UTC)  # Monday 09:00 in Toronto
    replied = datetime(2026, 2, 2, 15, tzinfo=UTC)
    c = compute_clocks(
        [ev(K.CREATED, created), ev(K.PUBLIC_REPLY, replied)], _office_terms(), replied
    )[FR]
    assert c.state is ClockState.BREACHED
    assert c.breached_at == datetime(2024, 12, 16, 18, tzinfo=UTC)  # 13:00 that Monday
    fresh = BusinessCalendar("America/Toronto", OFFICE)
    assert c.elapsed == fresh.business_time_between(created, replied) > timedelta(days=100)


def test_a_calendar_used_for_this_year_gives_an_older_ticket_the_same_clocks() -> None:
    """PolicyBook shares one calendar per (calendar, zone): a ticket of 2026 first, then
    one of December 2024, must get the clocks a calendar used for nothing else gives."""
    shared = _office_terms()
    this_year = [ev(K.CREATED, feb(3, 9)), ev(K.PUBLIC_REPLY, feb(3, 10))]
    compute_clocks(this_year, shared, feb(3, 12))
    december = [
        ev(K.CREATED, datetime(2024, 12, 31, 15, tzinfo=TORONTO)),
        ev(K.PUBLIC_REPLY, datetime(2025, 1, 1, 9, tzinfo=TORONTO)),
        ev(K.CUSTOMER_MESSAGE, datetime(2025, 1, 2, 9, tzinfo=TORONTO)),
        ev(K.PUBLIC_REPLY, datetime(2025, 1, 2, 10, tzinfo=TORONTO)),
    ]
    now = feb(3, 12)
    seen = compute_clocks(december, shared, now)
    fresh = compute_clocks(december, _office_terms(), now)
    for metric, clock in seen.items():  # every field but the terms (another calendar)
        assert {**_every_field(clock), "terms": None} == {
            **_every_field(fresh[metric]),
            "terms": None,
        }
    assert seen[FR].state is ClockState.MET
    assert seen[FR].elapsed == 3 * H  # 15:00–17:00 on New Year's Eve, 08:00–09:00 after
    assert seen[NU].state is ClockState.MET and seen[NU].elapsed == H
    assert seen[RES].state is ClockState.BREACHED and seen[RES].elapsed > 2000 * H
