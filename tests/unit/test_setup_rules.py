"""Weekly hours as people type them (nights into the next day, refusals that say what to
do), durations, the checks setup commands make before anything is sent, and who may change
which part of the setup."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from desktop_app.domain import (
    ALWAYS_OPEN_HOURS,
    OFFICE_HOURS,
    CalendarSpec,
    Contract,
    Role,
    Technician,
    Tier,
    ValidationError,
)
from desktop_app.domain.permissions import setup_refusal
from desktop_app.domain.setup_commands import check_calendar, check_contract, check_technician
from desktop_app.sla.calendar import BusinessCalendar
from desktop_app.sla.hours import parse_duration, parse_week, week_texts


def test_a_night_into_the_next_day_is_two_intervals_and_reads_back_as_one() -> None:
    week = parse_week({0: "08:00–12:00, 13:00-17:00", 4: "22:00–06:00+1", 6: "20:00-02:00 +1"})
    assert week == {
        0: [("00:00", "02:00"), ("08:00", "12:00"), ("13:00", "17:00")],  # Sunday's night
        4: [("22:00", "24:00")],
        5: [("00:00", "06:00")],
        6: [("20:00", "24:00")],
    }
    assert week_texts(week)[4] == "22:00–06:00+1" and week_texts(week)[6] == "20:00–02:00+1"
    assert parse_week(week_texts(week)) == week
    BusinessCalendar("Europe/Berlin", week)  # what the SLA engine counts in


@pytest.mark.parametrize("hours", [OFFICE_HOURS, ALWAYS_OPEN_HOURS])
def test_stored_weeks_round_trip_through_their_text(
    hours: dict[int, list[tuple[str, str]]],
) -> None:
    assert parse_week(week_texts(hours)) == {d: h for d, h in hours.items() if h}


@pytest.mark.parametrize(
    ("texts", "message", "field"),
    [
        ({0: "17:00–08:00"}, "ends before it starts.*17:00–08:00\\+1", "hours.0"),
        (
            {0: "08:00-12:00, 11:30-13:00"},
            "Monday's 08:00–12:00 and 11:30–13:00 overlap",
            "hours.0",
        ),
        (
            {3: "22:00-06:00+1", 4: "05:00-09:00"},
            "Thursday's .* and Friday's .* overlap",
            "hours.4",
        ),
        ({6: "23:00-01:00+1", 0: "00:30-08:00"}, "overlap", "hours.6"),
        ({1: "9 to 5"}, "not an interval", "hours.1"),
        ({2: "10:00-10:00"}, "same time", "hours.2"),
        ({2: "10:00-25:00"}, "not a time of day", "hours.2"),
        ({}, "no open hours", "hours.0"),
    ],
)
def test_bad_hours_are_refused_naming_the_day_and_what_to_do(
    texts: dict[int, str], message: str, field: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        parse_week(texts)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("30 min", 30), ("4 h", 240), ("1 h 30 min", 90), ("1:30", 90), ("90", 90), ("2.5h", 150)],
)
def test_durations_read_as_people_write_them(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


def test_a_duration_that_is_not_one_says_how_to_write_it() -> None:
    with pytest.raises(ValidationError, match="30 min, 4 h"):
        parse_duration("soon")


def test_setup_records_are_checked_before_they_are_sent() -> None:
    with pytest.raises(ValidationError, match="before it starts") as caught:
        check_contract(Contract(1, "Gold", Tier.GOLD, date(2026, 6, 1), date(2026, 1, 1)))
    assert caught.value.field == "ends_on"
    with pytest.raises(ValidationError, match="outside the years") as caught:
        check_calendar(CalendarSpec("Office", OFFICE_HOURS, holidays=(date(1850, 1, 1),)))
    assert caught.value.field == "holidays"
    with pytest.raises(ValidationError, match="24x7"):
        check_calendar(CalendarSpec("24x7", OFFICE_HOURS))
    with pytest.raises(ValidationError, match="not a time zone") as caught:
        check_technician(Technician("Ana", timezone="Lisbon"))
    assert caught.value.field == "timezone"
    with pytest.raises(ValidationError, match="days of the shift"):
        check_technician(Technician("Ana", shift_days=()))


@pytest.mark.parametrize(
    ("role", "what", "allowed"),
    [
        (Role.TECHNICIAN, "contact", True),
        (Role.TECHNICIAN, "customer", False),
        (Role.TECHNICIAN, "policy", False),
        (Role.DISPATCHER, "calendar", True),
        (Role.DISPATCHER, "technician", False),
        (Role.MANAGER, "technician", True),
    ],
)
def test_who_changes_which_part_of_the_setup(role: Role, what: str, allowed: bool) -> None:
    refusal = setup_refusal(Technician("Pat", role), what)
    assert (refusal is None) is allowed
    if refusal is not None:
        assert "Pat" in str(refusal) and "Ask" in str(refusal)
    assert setup_refusal(None, what) is None  # the desk itself (an import, the first set-up)
