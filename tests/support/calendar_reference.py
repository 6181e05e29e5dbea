"""A slow business calendar that is obviously right, to hold the real one to.

It knows nothing of the engine's table: it takes the same weekly hours, holidays and zone,
turns each local date's intervals into instants one wall time at a time (through
``zoneinfo``, with the engine's documented rules for skipped and repeated wall times), and
answers every question by walking day by day. Instants are integer microseconds since the
epoch, so there is no rounding to argue about.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

US = 1_000_000
_ONE_DAY = timedelta(days=1)
# The local dates the engine computes; walking stops at their ends.
FIRST_DAY, END_DAY = date(1901, 1, 1), date(2400, 1, 1)


def to_us(moment: datetime) -> int:
    """Exact microseconds since the epoch of an aware datetime."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def from_us(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


class ReferenceCalendar:
    """Weekly hours (``{weekday: [("HH:MM", "HH:MM"), …]}``) in ``zone`` minus
    ``holidays``, answered by walking through the days."""

    def __init__(
        self,
        zone: str,
        hours: Mapping[int, Sequence[tuple[str, str]]],
        holidays: Sequence[date] = (),
    ) -> None:
        self.tz = ZoneInfo(zone)
        self.hours = {day: list(intervals) for day, intervals in hours.items()}
        self.holidays = set(holidays)
        self._days: dict[date, list[tuple[int, int]]] = {}

    # --------------------------------------------------------------- one local date

    def wall(self, day: date, text: str) -> int:
        """The instant the wall clock of ``day`` shows ``text`` ("24:00" is the next
        midnight): the first of a repeated time; for a time skipped by a DST change, the
        change itself (the first instant whose wall clock is past ``text``)."""
        hours, minutes = (int(part) for part in text.split(":"))
        naive = datetime.combine(day, time()) + timedelta(hours=hours, minutes=minutes)
        first = naive.replace(tzinfo=self.tz)
        second = naive.replace(tzinfo=self.tz, fold=1)
        if first.timestamp() <= second.timestamp():
            return to_us(first)  # shown once, or the first of its two showings
        # Skipped: look for the change between the two readings, a minute at a time and
        # then a second at a time.
        at = int(second.timestamp())
        while self._wall_at(at + 60) <= naive:
            at += 60
        while self._wall_at(at) <= naive:
            at += 1
        return at * US

    def _wall_at(self, seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, self.tz).replace(tzinfo=None)

    def day(self, day: date) -> list[tuple[int, int]]:
        """The open intervals of one local date, as instants, in order."""
        found = self._days.get(day)
        if found is None:
            found = []
            if day not in self.holidays:
                for start, end in sorted(self.hours.get(day.weekday(), [])):
                    s, e = self.wall(day, start), self.wall(day, end)
                    if e > s:
                        found.append((s, e))
            self._days[day] = found
        return found

    def local_date(self, t: int) -> date:
        return from_us(t).astimezone(self.tz).date()

    def intervals_from(self, t: int) -> Iterator[tuple[int, int]]:
        """Every interval that ends after ``t``, in time order, up to the year 2400."""
        day = self.local_date(t) - _ONE_DAY
        while day < END_DAY:
            for s, e in self.day(day):
                if e > t:
                    yield s, e
            day += _ONE_DAY

    def intervals_before(self, t: int) -> Iterator[tuple[int, int]]:
        """Every interval that starts before ``t``, latest first, back to 1901."""
        day = self.local_date(t) + _ONE_DAY
        while day >= FIRST_DAY:
            for s, e in reversed(self.day(day)):
                if s < t:
                    yield s, e
            day -= _ONE_DAY

    # -------------------------------------------------------------------- questions

    def between(self, a: int, b: int) -> int:
        """Business µs from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
        if b < a:
            return -self.between(b, a)
        total = 0
        for s, e in self.intervals_from(a):
            if s >= b:
                break
            total += min(e, b) - max(s, a)
        return total

    def add(self, t: int, d: int) -> int:
        """The earliest instant with ``d`` business µs since ``t``; for a negative ``d``
        the latest instant with ``-d`` business µs still to go until ``t``."""
        if d == 0:
            return t
        left = abs(d)
        if d > 0:
            for s, e in self.intervals_from(t):
                begin = max(s, t)
                if e - begin >= left:
                    return begin + left
                left -= e - begin
        else:
            for s, e in self.intervals_before(t):
                end = min(e, t)
                if end - s >= left:
                    return end - left
                left -= end - s
        raise ValueError(f"{d} µs from {from_us(t)} is beyond the years 1901-2399")

    def is_open(self, t: int) -> bool:
        day = self.local_date(t)
        return any(
            s <= t < e for d in (day - _ONE_DAY, day, day + _ONE_DAY) for s, e in self.day(d)
        )

    def next_opening(self, t: int) -> int:
        if self.is_open(t):
            return t
        return next(s for s, _ in self.intervals_from(t) if s > t)  # StopIteration past 2399

    def next_closing(self, t: int) -> int | None:
        """Where the office closes: the end of the interval holding ``t``, carried on
        through intervals that begin the instant the previous one ends (at most to the
        end of 2399, where the engine stops)."""
        if not self.is_open(t):
            return None
        closing: int | None = None
        for s, e in self.intervals_from(t):
            if closing is not None and s != closing:
                break
            closing = e
        return closing
