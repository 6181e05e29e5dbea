"""The calendar engine against a slow reference, over any span and in any order of calls.

Each example draws a calendar (random weekly hours: intervals up to midnight and on from
midnight, round-the-clock days, closed days, or 24x7 outright; random holidays) in a zone
with DST changes or an odd offset, and a handful of questions at instants from 1990 to 2060
about spans from seconds to 30 years. The questions go to one shared calendar object in
the order drawn, and each also to a calendar built just for it: the answers must be equal
to the last microsecond (and the last bit of the float API), and equal to what
:class:`support.calendar_reference.ReferenceCalendar` finds by walking day by day.

How many examples run is the Hypothesis profile's business (tests/conftest.py): a few
seconds' worth in ``make test``, thousands with ``make test-deep``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.sla import BusinessCalendar
from support.calendar_reference import US, ReferenceCalendar, from_us, to_us

ZONES = ["America/Toronto", "Europe/Berlin", "Australia/Sydney", "Pacific/Chatham", "Asia/Kolkata"]
FULL_DAY = [("00:00", "24:00")]
EARLIEST = to_us(datetime(1990, 1, 1, tzinfo=UTC))
LATEST = to_us(datetime(2061, 1, 1, tzinfo=UTC))
MINUTE, HOUR, DAY = 60 * US, 3600 * US, 86_400 * US
YEAR = 365 * DAY
FLOAT_SLACK = 2e-6  # seconds: the float API rounds, the exact one does not


def _text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _intervals(points: list[int]) -> list[tuple[str, str]]:
    """Sorted distinct minutes paired up into disjoint intervals."""
    points = sorted(points)
    return [(_text(a), _text(b)) for a, b in zip(points[::2], points[1::2], strict=False)]


# A wall time: on the quarter hour (where DST changes happen, 02:45 on the Chatham Islands
# included), any minute, or a midnight.
_minutes = st.one_of(
    st.integers(0, 96).map(lambda quarter: quarter * 15),
    st.integers(0, 24 * 60),
    st.sampled_from([0, 24 * 60]),
)
_day_hours = st.one_of(
    st.just([]),
    st.just(FULL_DAY),
    st.lists(_minutes, min_size=2, max_size=6, unique=True).map(_intervals),
)
weeks = st.one_of(
    st.just(dict.fromkeys(range(7), FULL_DAY)),  # 24x7: the calendar's shortcut
    st.lists(_day_hours, min_size=7, max_size=7)
    .map(lambda days: {weekday: hours for weekday, hours in enumerate(days) if hours})
    .filter(bool),
)
instants = st.one_of(
    st.integers(EARLIEST, LATEST),
    st.integers(EARLIEST // MINUTE, LATEST // MINUTE).map(lambda m: m * MINUTE),
)
# Wall-clock spans, either way: minutes to days mostly, up to 30 years now and then.
spans = st.one_of(
    st.integers(-12 * HOUR, 12 * HOUR),
    st.integers(-60 * DAY, 60 * DAY),
    st.integers(-60 * DAY // US, 60 * DAY // US).map(lambda s: s * US),
    st.integers(-30 * YEAR, 30 * YEAR),
)


@dataclass(frozen=True)
class Scenario:
    zone: str
    week: dict[int, list[tuple[str, str]]]
    holidays: tuple[date, ...]
    questions: tuple[tuple[int, int], ...]  # (start µs, span µs), in the order asked

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.zone, self.week, self.holidays)

    @property
    def closes_every_week(self) -> bool:
        """Whether some weekday is not open round the clock (so every open interval
        ends within a week, and the reference can find where)."""
        return any(self.week.get(weekday) != FULL_DAY for weekday in range(7))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone = draw(st.sampled_from(ZONES))
    week = draw(weeks)
    questions = draw(st.lists(st.tuples(instants, spans), min_size=1, max_size=5))
    holidays: set[date] = set()
    for start, span in questions:
        # holidays where the questions look, and a few anywhere
        first = from_us(min(start, start + span)).date()
        last = from_us(max(start, start + span)).date()
        reach = (last - first).days + 3
        offsets = st.integers(-2, min(reach, 60))
        holidays.update(first + timedelta(days=n) for n in draw(st.lists(offsets, max_size=4)))
    holidays.update(draw(st.lists(st.dates(date(1985, 1, 1), date(2095, 12, 31)), max_size=10)))
    return Scenario(zone, week, tuple(sorted(holidays)), tuple(questions))


def _ask(calendar: BusinessCalendar, start: int, span: int, *, closes: bool) -> dict[str, Any]:
    """Every public question about one (start, span), answered by ``calendar``."""
    a, b = from_us(start), from_us(start + span)
    a_ts, b_ts = start / US, (start + span) / US
    between = calendar.business_time_between(a, b)
    forward = abs(between)
    answers: dict[str, Any] = {
        "between": between,
        "between back": calendar.business_time_between(b, a),
        "seconds_between": calendar.seconds_between(a_ts, b_ts),
        "add": calendar.add_business_time(a, forward),
        "add back": calendar.add_business_time(a, -forward),
        "add_seconds": calendar.add_seconds(a_ts, forward.total_seconds()),
        "add_seconds back": calendar.add_seconds(a_ts, -forward.total_seconds()),
        "add_seconds_many": calendar.add_seconds_many(
            [a_ts, b_ts, a_ts], [forward.total_seconds(), 60.0, -forward.total_seconds()]
        ),
        "is_open": calendar.is_open(a),
        "next_opening": calendar.next_opening(a),
        "open_intervals": calendar.open_intervals(a.astimezone(calendar.tzinfo).date()),
    }
    if abs(span) <= 7 * DAY:  # the span itself as business time, both ways
        business = timedelta(microseconds=abs(span))
        answers["add span"] = calendar.add_business_time(a, business)
        answers["add span back"] = calendar.add_business_time(a, -business)
    if closes:
        answers["next_closing"] = calendar.next_closing(a)
    return answers


def _check_with_reference(
    reference: ReferenceCalendar, answers: dict[str, Any], start: int, span: int
) -> None:
    end = start + span
    between = reference.between(start, end)
    assert to_us_delta(answers["between"]) == between
    assert to_us_delta(answers["between back"]) == -between
    assert answers["seconds_between"] == pytest.approx(between / US, abs=FLOAT_SLACK)
    forward = abs(between)
    due = reference.add(start, forward)
    back = reference.add(start, -forward)
    assert to_us(answers["add"]) == due
    assert to_us(answers["add back"]) == back
    assert answers["add_seconds"] == pytest.approx(due / US, abs=FLOAT_SLACK)
    assert answers["add_seconds back"] == pytest.approx(back / US, abs=FLOAT_SLACK)
    assert answers["add_seconds_many"] == pytest.approx(
        [due / US, reference.add(end, 60 * US) / US, back / US], abs=FLOAT_SLACK
    )
    assert answers["is_open"] == reference.is_open(start)
    assert to_us(answers["next_opening"]) == reference.next_opening(start)
    day = reference.local_date(start)
    assert [(to_us(s), to_us(e)) for s, e in answers["open_intervals"]] == reference.day(day)
    if "add span" in answers:
        assert to_us(answers["add span"]) == reference.add(start, abs(span))
        assert to_us(answers["add span back"]) == reference.add(start, -abs(span))
    if "next_closing" in answers:
        closing = reference.next_closing(start)
        assert (answers["next_closing"] and to_us(answers["next_closing"])) == closing


def to_us_delta(duration: timedelta) -> int:
    return (duration.days * 86_400 + duration.seconds) * US + duration.microseconds


@given(scenario=scenarios())
def test_every_answer_matches_the_reference_whatever_was_asked_before(
    scenario: Scenario,
) -> None:
    shared = scenario.calendar()
    reference = ReferenceCalendar(scenario.zone, scenario.week, scenario.holidays)
    closes = scenario.closes_every_week
    for start, span in scenario.questions:
        answers = _ask(shared, start, span, closes=closes)
        # bit for bit what a calendar asked nothing before says
        assert answers == _ask(scenario.calendar(), start, span, closes=closes)
        _check_with_reference(reference, answers, start, span)
    # and what the same calendar says asked in the opposite order
    again = scenario.calendar()
    for start, span in reversed(scenario.questions):
        _ask(again, start, span, closes=closes)
    for start, span in scenario.questions:
        assert _ask(again, start, span, closes=closes) == _ask(shared, start, span, closes=closes)


@given(scenario=scenarios())
def test_add_and_between_undo_each_other(scenario: Scenario) -> None:
    calendar = scenario.calendar()
    for start, span in scenario.questions:
        a, b = from_us(start), from_us(start + span)
        early, late = min(a, b), max(a, b)
        between = calendar.business_time_between(early, late)
        due = calendar.add_business_time(early, between)
        # the earliest instant with that much business time: never after the end
        assert due <= late
        assert calendar.business_time_between(early, due) == between
        if between:
            assert calendar.add_business_time(due, -between) == calendar.next_opening(early)
        # the float API: the same, to within its rounding
        due_ts = calendar.add_seconds(early.timestamp(), between.total_seconds())
        assert due_ts == pytest.approx(due.timestamp(), abs=FLOAT_SLACK)
        assert calendar.seconds_between(early.timestamp(), due_ts) == pytest.approx(
            between.total_seconds(), abs=2 * FLOAT_SLACK
        )


@given(
    zone=st.sampled_from(ZONES),
    week=weeks,
    start=instants,
    pairs=st.lists(
        st.tuples(st.integers(-3 * YEAR, 3 * YEAR), st.integers(-20 * DAY, 20 * DAY)),
        min_size=1,
        max_size=20,
    ),
)
def test_the_batch_path_is_the_one_at_a_time_path(
    zone: str, week: dict[int, list[tuple[str, str]]], start: int, pairs: list[tuple[int, int]]
) -> None:
    """Deadlines of a whole import at once, around an instant the table was first built
    for, are those of one at a time on a calendar asked nothing before."""
    stamps = [(start + offset) / US for offset, _ in pairs]
    seconds = [duration / US for _, duration in pairs]
    holidays = [from_us(start + offset).date() for offset, _ in pairs[::3]]
    calendar = BusinessCalendar(zone, week, holidays)
    calendar.add_seconds(start / US, 3600.0)  # the table starts around here
    batch = calendar.add_seconds_many(stamps, seconds)
    one_by_one = BusinessCalendar(zone, week, holidays)
    assert batch == [one_by_one.add_seconds(t, s) for t, s in zip(stamps, seconds, strict=True)]
