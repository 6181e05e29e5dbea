"""Business calendars: hand-computed deadlines, validation, and properties over DST zones."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.sla import BusinessCalendar
from desktop_app.sla.calendar import holidays_for_region, public_holidays

TORONTO = ZoneInfo("America/Toronto")
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

OFFICE = {d: [("08:00", "17:00")] for d in range(5)}
ISSUE_HOURS = {
    0: [("08:00", "12:00"), ("13:00", "17:00")],
    1: [("08:00", "17:00")],
    2: [("08:00", "17:00")],
    3: [("08:00", "17:00")],
    4: [("08:00", "17:00")],
}
ROUND_THE_CLOCK = {d: [("00:00", "24:00")] for d in range(7)}


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[misc]


@pytest.fixture(scope="module")
def toronto() -> BusinessCalendar:
    """The calendar of the issue: split Mondays, holidays on Dec 25 and Dec 28, 2026."""
    return BusinessCalendar(
        "America/Toronto", ISSUE_HOURS, [date(2026, 12, 25), date(2026, 12, 28)]
    )


# --------------------------------------------------------------------- hand-computed cases

HAND_CASES = [
    # (description, start (Toronto wall clock), duration, expected (Toronto wall clock))
    ("inside hours", (2026, 12, 1, 9, 0), timedelta(hours=4), (2026, 12, 1, 13, 0)),
    ("lands exactly at closing", (2026, 12, 1, 13, 0), timedelta(hours=4), (2026, 12, 1, 17, 0)),
    ("after-hours arrival", (2026, 12, 1, 18, 30), timedelta(hours=1), (2026, 12, 2, 9, 0)),
    ("before opening", (2026, 12, 2, 6, 0), timedelta(minutes=30), (2026, 12, 2, 8, 30)),
    ("weekend arrival", (2026, 12, 5, 10, 0), timedelta(hours=2), (2026, 12, 7, 10, 0)),
    ("split day across lunch", (2026, 12, 7, 11, 0), timedelta(hours=2), (2026, 12, 7, 14, 0)),
    ("arrival during lunch", (2026, 12, 7, 12, 30), timedelta(hours=1), (2026, 12, 7, 14, 0)),
    ("ends at the morning close", (2026, 12, 7, 11, 0), timedelta(hours=1), (2026, 12, 7, 12, 0)),
    ("over two holidays", (2026, 12, 24, 15, 0), timedelta(hours=4), (2026, 12, 29, 10, 0)),
    ("three working days", (2026, 12, 1, 9, 0), timedelta(hours=24), (2026, 12, 3, 15, 0)),
    (
        "seconds and microseconds",
        (2026, 12, 1, 16, 59, 59, 500000),
        timedelta(seconds=1),
        (2026, 12, 2, 8, 0, 0, 500000),
    ),
    ("DST spring weekend", (2026, 3, 6, 16, 0), timedelta(hours=2), (2026, 3, 9, 9, 0)),
    ("DST autumn weekend", (2026, 10, 30, 16, 30), timedelta(hours=1), (2026, 11, 2, 8, 30)),
    ("back to an opening", (2026, 12, 1, 10, 0), -timedelta(hours=2), (2026, 12, 1, 8, 0)),
    ("back over two holidays", (2026, 12, 29, 10, 0), -timedelta(hours=4), (2026, 12, 24, 15, 0)),
    ("back from the evening", (2026, 12, 1, 20, 0), -timedelta(hours=1), (2026, 12, 1, 16, 0)),
    ("zero outside hours", (2026, 12, 5, 10, 0), timedelta(0), (2026, 12, 5, 10, 0)),
]


@pytest.mark.parametrize(
    ("why", "start", "duration", "expected"), HAND_CASES, ids=[c[0] for c in HAND_CASES]
)
def test_hand_computed_deadlines(
    toronto: BusinessCalendar,
    why: str,
    start: tuple[int, ...],
    duration: timedelta,
    expected: tuple[int, ...],
) -> None:
    due = toronto.add_business_time(local(TORONTO, *start), duration)
    assert due == local(TORONTO, *expected), why
    assert due.tzinfo is UTC


def test_business_time_between_over_holidays(toronto: BusinessCalendar) -> None:
    spent = toronto.business_time_between(
        local(TORONTO, 2026, 12, 24, 15, 0), local(TORONTO, 2026, 12, 29, 10, 0)
    )
    assert spent == timedelta(hours=4)


def test_business_time_between_is_negative_backwards(toronto: BusinessCalendar) -> None:
    a, b = local(TORONTO, 2026, 12, 1, 9, 0), local(TORONTO, 2026, 12, 2, 9, 0)
    assert toronto.business_time_between(b, a) == -timedelta(hours=9)


def test_between_spring_forward_weekend_counts_real_hours(toronto: BusinessCalendar) -> None:
    spent = toronto.business_time_between(
        local(TORONTO, 2026, 3, 6, 16, 0), local(TORONTO, 2026, 3, 9, 9, 0)
    )
    assert spent == timedelta(hours=2)


def test_round_the_clock_days_follow_dst() -> None:
    # A holiday far away forces the table path rather than the 24x7 shortcut.
    cal = BusinessCalendar("America/Toronto", ROUND_THE_CLOCK, [date(2001, 1, 1)])
    spring = cal.business_time_between(local(TORONTO, 2026, 3, 8), local(TORONTO, 2026, 3, 9))
    autumn = cal.business_time_between(local(TORONTO, 2026, 11, 1), local(TORONTO, 2026, 11, 2))
    assert spring == timedelta(hours=23)
    assert autumn == timedelta(hours=25)
    assert cal.add_business_time(local(TORONTO, 2026, 3, 8), timedelta(hours=24)) == local(
        TORONTO, 2026, 3, 9, 1, 0
    )


def test_always_open_equals_wall_clock_elapsed() -> None:
    cal = BusinessCalendar.always_open("America/Toronto")
    start = local(TORONTO, 2026, 3, 7, 12, 0)
    assert cal.add_business_time(start, timedelta(days=1)) == start.astimezone(UTC) + timedelta(
        days=1
    )
    assert cal.business_time_between(start, local(TORONTO, 2026, 3, 8, 12, 0)) == timedelta(
        hours=23
    )
    assert cal.is_always_open


def test_berlin_spring_forward() -> None:
    cal = BusinessCalendar("Europe/Berlin", OFFICE)
    due = cal.add_business_time(local(BERLIN, 2026, 3, 27, 16, 0), timedelta(hours=2))
    assert due == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_sydney_autumn_change() -> None:
    cal = BusinessCalendar("Australia/Sydney", {d: [("09:00", "17:00")] for d in range(5)})
    due = cal.add_business_time(local(SYDNEY, 2026, 4, 3, 16, 0), timedelta(hours=2))
    assert due == datetime(2026, 4, 6, 0, 0, tzinfo=UTC)  # Mon 10:00 AEST


def test_sao_paulo_skipped_midnight_gives_a_23_hour_day() -> None:
    # On 2018-11-04 Sao Paulo clocks jumped from 00:00 to 01:00: the day had 23 hours.
    cal = BusinessCalendar("America/Sao_Paulo", ROUND_THE_CLOCK, [date(2001, 1, 1)])
    day = cal.business_time_between(
        datetime(2018, 11, 4, 3, 0, tzinfo=UTC), datetime(2018, 11, 5, 2, 0, tzinfo=UTC)
    )
    assert day == timedelta(hours=23)
    whole = cal.business_time_between(local(SAO_PAULO, 2018, 11, 3), local(SAO_PAULO, 2018, 11, 6))
    assert whole == timedelta(hours=71)


def test_interval_inside_skipped_hour_has_no_length() -> None:
    cal = BusinessCalendar("America/Toronto", {6: [("02:00", "03:00")], 0: [("08:00", "09:00")]})
    # Sunday 2026-03-08 02:00-03:00 does not exist in Toronto; the next Sunday it does.
    assert cal.business_time_between(
        local(TORONTO, 2026, 3, 8, 0, 0), local(TORONTO, 2026, 3, 8, 23, 0)
    ) == timedelta(0)
    assert cal.business_time_between(
        local(TORONTO, 2026, 3, 15, 0, 0), local(TORONTO, 2026, 3, 15, 23, 0)
    ) == timedelta(hours=1)


def test_repeated_hour_means_first_occurrence() -> None:
    cal = BusinessCalendar("America/Toronto", {6: [("00:00", "01:30")]})
    # 2026-11-01: 01:00-02:00 happens twice; the interval closes at the first 01:30.
    spent = cal.business_time_between(
        local(TORONTO, 2026, 10, 31, 12, 0), local(TORONTO, 2026, 11, 1, 12, 0)
    )
    assert spent == timedelta(hours=1, minutes=30)


def test_input_in_any_zone_output_in_utc(toronto: BusinessCalendar) -> None:
    start_berlin = local(TORONTO, 2026, 12, 1, 9, 0).astimezone(BERLIN)
    due = toronto.add_business_time(start_berlin, timedelta(hours=4))
    assert due == local(TORONTO, 2026, 12, 1, 13, 0)
    assert due.utcoffset() == timedelta(0)


def test_regional_public_holidays_close_the_office() -> None:
    cal = BusinessCalendar("America/Toronto", OFFICE, holiday_region="CA-ON")
    assert cal.is_holiday(date(2026, 7, 1))  # Canada Day
    assert not cal.is_holiday(date(2026, 7, 2))
    assert cal.is_holiday(date(2031, 7, 1))  # loaded lazily for any year
    due = cal.add_business_time(local(TORONTO, 2026, 6, 30, 16, 0), timedelta(hours=2))
    assert due == local(TORONTO, 2026, 7, 2, 9, 0)


def test_public_holidays_helper() -> None:
    found = public_holidays("CA", "ON", range(2026, 2027))
    assert date(2026, 7, 1) in found and date(2026, 12, 25) in found
    assert found == sorted(found)
    assert date(2026, 10, 3) in holidays_for_region("DE", [2026])  # German Unity Day
    with pytest.raises(ValueError, match="country 'XX'"):
        public_holidays("XX", None, [2026])


def test_open_state_queries(toronto: BusinessCalendar) -> None:
    assert toronto.is_open(local(TORONTO, 2026, 12, 1, 8, 0))
    assert not toronto.is_open(local(TORONTO, 2026, 12, 1, 17, 0))
    assert not toronto.is_open(local(TORONTO, 2026, 12, 25, 10, 0))
    assert toronto.next_opening(local(TORONTO, 2026, 12, 24, 17, 30)) == local(
        TORONTO, 2026, 12, 29, 8, 0
    )
    assert toronto.next_closing(local(TORONTO, 2026, 12, 7, 9, 0)) == local(
        TORONTO, 2026, 12, 7, 12, 0
    )
    assert toronto.next_closing(local(TORONTO, 2026, 12, 7, 12, 30)) is None
    assert toronto.open_intervals(date(2026, 12, 7)) == [
        (local(TORONTO, 2026, 12, 7, 8, 0), local(TORONTO, 2026, 12, 7, 12, 0)),
        (local(TORONTO, 2026, 12, 7, 13, 0), local(TORONTO, 2026, 12, 7, 17, 0)),
    ]


def test_fast_path_matches_exact_path(toronto: BusinessCalendar) -> None:
    start = local(TORONTO, 2026, 12, 24, 15, 0)
    due = toronto.add_business_time(start, timedelta(hours=4))
    assert toronto.add_seconds(start.timestamp(), 4 * 3600) == due.timestamp()
    assert toronto.seconds_between(start.timestamp(), due.timestamp()) == 4 * 3600
    assert toronto.add_seconds_many([start.timestamp()], [4 * 3600.0]) == [due.timestamp()]


def test_fast_path_lands_on_closing_time_as_the_exact_path_does(toronto: BusinessCalendar) -> None:
    """A deadline that float rounding puts a hair past closing time (or a count back a
    hair before opening time) is at that closing (opening), not the next morning (the
    previous evening): the float API counts to the microsecond like the datetime API."""
    start = local(TORONTO, 2026, 12, 1, 13, 0, 0, 8)
    closing = local(TORONTO, 2026, 12, 1, 17, 0)
    spent = toronto.business_time_between(start, closing)  # 3:59:59.999992
    assert toronto.add_business_time(start, spent) == closing
    ts, seconds = start.timestamp(), spent.total_seconds()
    opened = local(TORONTO, 2026, 12, 1, 8, 0).timestamp()
    assert seconds + (ts - opened) > 9 * 3600  # in floats, a hair past the 9-hour day
    assert toronto.add_seconds(ts, seconds) == closing.timestamp()
    assert toronto.add_seconds_many([ts], [seconds]) == [closing.timestamp()]
    opening = local(TORONTO, 2026, 12, 2, 8, 0)
    later = local(TORONTO, 2026, 12, 2, 9, 0, 0, 987_654)
    back = toronto.business_time_between(opening, later)
    assert toronto.add_business_time(later, -back) == opening
    assert toronto.add_seconds(later.timestamp(), -back.total_seconds()) == opening.timestamp()
    # half a microsecond or less is no time at all, wherever it starts
    evening = local(TORONTO, 2026, 12, 1, 20, 0).timestamp()
    assert toronto.add_seconds(evening, 4e-7) == evening + 4e-7


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({}, "no open interval"),
        ({0: []}, "no open interval"),
        ({0: [("09:00", "08:00")]}, r"weekday 0: interval 09:00–08:00 does not start before"),
        ({2: [("08:00", "08:00")]}, "weekday 2: interval 08:00–08:00"),
        ({0: [("08:00", "12:00"), ("11:00", "13:00")]}, "08:00–12:00 and 11:00–13:00 overlap"),
        ({1: [("8h", "17:00")]}, "weekday 1: '8h' is not a time"),
        ({1: [("08:00", "24:30")]}, "weekday 1: '24:30' is not a time of day"),
        ({1: [("08:00", "17:61")]}, "'17:61' is not a time of day"),
        ({1: [("24:00", "24:00")]}, 'cannot start at "24:00"'),
        ({1: [("08:00",)]}, "is not a"),
        ({7: [("08:00", "17:00")]}, "7 is not a weekday"),
    ],
)
def test_bad_hours_name_the_entry(hours: dict[int, list[tuple[str, ...]]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar("UTC", hours)  # type: ignore[arg-type]


def test_unknown_zone_is_named() -> None:
    with pytest.raises(ValueError, match="Unknown time zone 'Mars/Olympus'"):
        BusinessCalendar("Mars/Olympus", OFFICE)


def test_holiday_must_be_a_date() -> None:
    with pytest.raises(ValueError, match="is not a date"):
        BusinessCalendar("UTC", OFFICE, [datetime(2026, 12, 25, tzinfo=UTC)])


def test_naive_datetimes_are_refused(toronto: BusinessCalendar) -> None:
    naive = datetime(2026, 12, 1, 9, 0)
    with pytest.raises(ValueError, match="has no time zone"):
        toronto.add_business_time(naive, timedelta(hours=1))
    with pytest.raises(ValueError, match="has no time zone"):
        toronto.business_time_between(naive, datetime(2026, 12, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="has no time zone"):
        toronto.is_open(naive)


def test_wrong_types_are_refused(toronto: BusinessCalendar) -> None:
    with pytest.raises(TypeError):
        toronto.add_business_time(date(2026, 12, 1), timedelta(hours=1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        toronto.add_business_time(datetime(2026, 12, 1, tzinfo=UTC), 3600)  # type: ignore[arg-type]


def test_absurd_durations_fail_fast_instead_of_looping(toronto: BusinessCalendar) -> None:
    start = local(TORONTO, 2026, 12, 1, 9, 0)
    began = time.perf_counter()
    with pytest.raises(ValueError, match="after 2399"):
        toronto.add_business_time(start, timedelta(days=1_000_000))
    with pytest.raises(ValueError, match="before 1901"):
        toronto.add_business_time(start, -timedelta(days=1_000_000))
    with pytest.raises(ValueError, match="outside the years"):
        toronto.add_business_time(datetime(2999, 1, 1, tzinfo=UTC), timedelta(hours=1))
    # the refusal is arithmetic, not a walk through the centuries
    assert time.perf_counter() - began < 5


def test_a_decade_of_business_time_is_fine(toronto: BusinessCalendar) -> None:
    start = local(TORONTO, 2026, 12, 1, 9, 0)
    due = toronto.add_business_time(start, timedelta(days=1000))
    assert toronto.business_time_between(start, due) == timedelta(days=1000)
    assert toronto.add_business_time(due, -timedelta(days=1000)) == start


# --------------------------------------------------------- any span, any order of questions


def test_a_span_longer_than_the_table_counts_forwards() -> None:
    """The issue's example: from a December 2024 Monday afternoon to 1 February 2026."""
    start = datetime(2024, 12, 16, 14, tzinfo=UTC)  # 09:00 in Toronto
    end = datetime(2026, 2, 1, tzinfo=UTC)  # Saturday evening in Toronto
    # 8 h that Monday, then every weekday from 17 December 2024 to 30 January 2026
    weekdays = sum(
        1 for n in range(1, (date(2026, 1, 31) - date(2024, 12, 16)).days)
        if (date(2024, 12, 16) + timedelta(days=n)).weekday() < 5
    )  # fmt: skip
    expected = timedelta(hours=8 + 9 * weekdays)
    assert BusinessCalendar("America/Toronto", OFFICE).business_time_between(start, end) == expected
    fresh = BusinessCalendar("America/Toronto", OFFICE)
    assert fresh.seconds_between(start.timestamp(), end.timestamp()) == expected.total_seconds()
    assert fresh.add_business_time(start, expected) == local(TORONTO, 2026, 1, 30, 17, 0)


def test_answers_do_not_depend_on_what_was_asked_before() -> None:
    questions = [
        (local(TORONTO, 2026, 2, 3, 9, 0), timedelta(hours=4)),
        (local(TORONTO, 2024, 12, 20, 16, 0), timedelta(hours=3)),
        (local(TORONTO, 1995, 6, 30, 16, 0), timedelta(days=40)),
        (local(TORONTO, 2061, 1, 3, 9, 0), -timedelta(days=400)),
        (local(TORONTO, 2010, 7, 1, 9, 0), timedelta(days=3000)),
    ]

    desk_day = local(TORONTO, 2026, 2, 3, 12, 0)

    def answers(cal: BusinessCalendar, start: datetime, duration: timedelta) -> tuple[object, ...]:
        ts = start.timestamp()
        since = cal.business_time_between(start, desk_day)
        since_s = cal.seconds_between(desk_day.timestamp(), ts)
        due = cal.add_business_time(start, duration)
        return (
            since,
            since_s,
            due,
            cal.business_time_between(start, due),
            cal.business_time_between(due, start),
            cal.add_seconds(ts, duration.total_seconds()),
            cal.seconds_between(ts, due.timestamp()),
            cal.next_opening(start),
            cal.is_open(due),
        )

    expected = [
        answers(BusinessCalendar("America/Toronto", OFFICE, holiday_region="CA-ON"), *q)
        for q in questions
    ]
    for order in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]):
        shared = BusinessCalendar("America/Toronto", OFFICE, holiday_region="CA-ON")
        seen = {n: answers(shared, *questions[n]) for n in order}
        assert [seen[n] for n in range(len(questions))] == expected, order


def test_regional_holidays_are_closed_in_every_year_asked_about() -> None:
    cal = BusinessCalendar("America/Toronto", OFFICE, holiday_region="CA-ON")
    cal.add_business_time(local(TORONTO, 2026, 3, 2, 9, 0), timedelta(hours=1))
    # Canada Day on a Tuesday to Thursday in each; the holidays package knows 1901–2100
    for year in (1998, 2055, 1941, 2099):
        assert local(TORONTO, year, 7, 1).weekday() in (1, 2, 3)
        assert not cal.is_open(local(TORONTO, year, 7, 1, 10, 0)), year
        day_before = local(TORONTO, year, 6, 30, 16, 0)
        assert cal.add_business_time(day_before, timedelta(hours=2)) == local(
            TORONTO, year, 7, 2, 9, 0
        ), year
    # a span that crosses decades closes Canada Day in each of them
    decades = cal.business_time_between(local(TORONTO, 1980, 1, 1), local(TORONTO, 2030, 1, 1))
    without = BusinessCalendar("America/Toronto", OFFICE).business_time_between(
        local(TORONTO, 1980, 1, 1), local(TORONTO, 2030, 1, 1)
    )
    holidays_on_weekdays = sum(
        1 for day in holidays_for_region("CA-ON", range(1980, 2030)) if day.weekday() < 5
    )
    assert without - decades == timedelta(hours=9 * holidays_on_weekdays)


def test_an_office_open_across_midnight_closes_where_it_really_closes() -> None:
    # open round the clock but on one holiday: the open interval runs to that holiday
    cal = BusinessCalendar("Europe/Berlin", ROUND_THE_CLOCK, [date(2031, 5, 1)])
    assert cal.next_closing(local(BERLIN, 2026, 1, 5, 12, 0)) == local(BERLIN, 2031, 5, 1)
    assert cal.next_closing(local(BERLIN, 2031, 5, 1, 12, 0)) is None
    assert cal.next_opening(local(BERLIN, 2031, 5, 1, 12, 0)) == local(BERLIN, 2031, 5, 2)
    # nights: 22:00 to 06:00 the next morning, as two intervals of two dates
    nights = {d: [("00:00", "06:00"), ("22:00", "24:00")] for d in range(7)}
    cal = BusinessCalendar("America/Toronto", nights)
    assert cal.next_closing(local(TORONTO, 2026, 12, 31, 23, 0)) == local(TORONTO, 2027, 1, 1, 6)


def test_threads_sharing_a_calendar_get_the_answers_of_a_fresh_one() -> None:
    """Readers on other threads never see a table half grown: each thread asks about
    years in its own order while the others grow the table."""
    starts = [local(TORONTO, year, 3, 9, 9, 0) for year in range(1960, 2061, 5)]
    span = timedelta(days=500)
    fresh = BusinessCalendar("America/Toronto", OFFICE)
    expected = {}
    for start in starts:
        spent = fresh.business_time_between(start, start + span)
        expected[start] = (spent, fresh.add_seconds(start.timestamp(), spent.total_seconds()))
    shared = BusinessCalendar("America/Toronto", OFFICE)
    seen: list[tuple[datetime, tuple[timedelta, float]]] = []

    def ask(order: list[datetime]) -> None:
        for start in order:
            spent = shared.business_time_between(start, start + span)
            seen.append(
                (start, (spent, shared.add_seconds(start.timestamp(), spent.total_seconds())))
            )

    orders = [starts, starts[::-1], starts[1::2] + starts[::2], starts[len(starts) // 2 :] + starts]
    threads = [threading.Thread(target=ask, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == sum(len(order) for order in orders)
    assert all(answer == expected[start] for start, answer in seen)


# ------------------------------------------------------------------------------ properties

ZONES = ["America/Toronto", "Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo"]
CALENDARS = {
    zone: BusinessCalendar(
        zone,
        ISSUE_HOURS | {5: [("10:00", "14:00")]},
        [date(y, m, d) for y in range(2018, 2031) for (m, d) in ((1, 1), (12, 25), (12, 26))],
    )
    for zone in ZONES
}

instants = st.datetimes(
    min_value=datetime(2018, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.just(UTC),
)
durations = st.integers(min_value=0, max_value=40 * 86_400 * 1_000_000).map(
    lambda us: timedelta(microseconds=us)
)
zones = st.sampled_from(ZONES)
SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(zone=zones, start=instants, duration=durations)
def test_add_then_between_round_trips(zone: str, start: datetime, duration: timedelta) -> None:
    cal = CALENDARS[zone]
    due = cal.add_business_time(start, duration)
    assert cal.business_time_between(start, due) == duration
    assert due >= start


@SETTINGS
@given(zone=zones, start=instants, duration=durations.filter(bool))
def test_backwards_undoes_forwards(zone: str, start: datetime, duration: timedelta) -> None:
    cal = CALENDARS[zone]
    due = cal.add_business_time(start, duration)
    assert cal.add_business_time(due, -duration) == cal.next_opening(start)


@SETTINGS
@given(zone=zones, start=instants, d1=durations, d2=durations)
def test_monotonic_in_duration_and_additive(
    zone: str, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    cal = CALENDARS[zone]
    lo, hi = sorted((d1, d2))
    assert cal.add_business_time(start, lo) <= cal.add_business_time(start, hi)
    if d2:
        assert cal.add_business_time(cal.add_business_time(start, d1), d2) == (
            cal.add_business_time(start, d1 + d2)
        )


@SETTINGS
@given(zone=zones, a=instants, b=instants, duration=durations)
def test_monotonic_in_start(zone: str, a: datetime, b: datetime, duration: timedelta) -> None:
    cal = CALENDARS[zone]
    early, late = sorted((a, b))
    assert cal.add_business_time(early, duration) <= cal.add_business_time(late, duration)
    assert cal.business_time_between(early, late) == -cal.business_time_between(late, early)


@SETTINGS
@given(zone=zones, start=instants, duration=durations)
def test_fast_path_agrees_with_exact_path(zone: str, start: datetime, duration: timedelta) -> None:
    cal = CALENDARS[zone]
    exact = cal.add_business_time(start, duration).timestamp()
    fast = cal.add_seconds(start.timestamp(), duration.total_seconds())
    assert abs(fast - exact) < 2e-6
    end = start + duration
    assert (
        abs(
            cal.seconds_between(start.timestamp(), end.timestamp())
            - cal.business_time_between(start, end).total_seconds()
        )
        < 2e-6
    )


@SETTINGS
@given(zone=zones, start=instants, duration=durations)
def test_round_the_clock_is_wall_clock_time(
    zone: str, start: datetime, duration: timedelta
) -> None:
    cal = BusinessCalendar(zone, ROUND_THE_CLOCK, [date(1999, 1, 1)])
    assert cal.add_business_time(start, duration) == start + duration


@SETTINGS
@given(zone=zones, start=instants, duration=durations)
def test_fast_path_counts_back_like_the_exact_path(
    zone: str, start: datetime, duration: timedelta
) -> None:
    cal = CALENDARS[zone]
    exact = cal.add_business_time(start, -duration).timestamp()
    fast = cal.add_seconds(start.timestamp(), -duration.total_seconds())
    assert abs(fast - exact) < 2e-6


@SETTINGS
@given(
    zone=zones,
    pairs=st.lists(
        st.tuples(instants, st.integers(min_value=-5 * 86_400, max_value=40 * 86_400)),
        max_size=30,
    ),
)
def test_the_batch_path_agrees_with_one_at_a_time(
    zone: str, pairs: list[tuple[datetime, int]]
) -> None:
    cal = CALENDARS[zone]
    stamps = [start.timestamp() for start, _ in pairs]
    seconds = [float(s) for _, s in pairs]
    batch = cal.add_seconds_many(stamps, seconds)
    single = [cal.add_seconds(t, s) for t, s in zip(stamps, seconds, strict=True)]
    assert all(abs(a - b) < 2e-6 for a, b in zip(batch, single, strict=True))


def test_the_batch_path_wants_one_duration_per_start(toronto: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="one duration per start"):
        toronto.add_seconds_many([0.0, 1.0], [60.0])
    assert toronto.add_seconds_many([], []) == []
