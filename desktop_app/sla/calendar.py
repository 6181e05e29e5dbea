"""Business calendars: weekly opening hours in a site's time zone, minus holidays.

Semantics (every SLA deadline in the product rests on these):

* **Business time is real elapsed time inside open intervals.** An interval is given in
  local wall-clock time (``"08:00"``–``"17:00"``) and converted to absolute instants for
  each date, so a calendar open 00:00–24:00 every day measures exactly wall-clock elapsed
  time, across DST changes too (the 23-hour and 25-hour days included).
* Local times that do not exist (the hour skipped when clocks go forward) map to the
  transition instant; local times that occur twice (clocks go back) mean their first
  occurrence. Both keep the mapping from wall clock to instants monotonic.
* A start outside open hours begins at the next opening.
* :meth:`BusinessCalendar.add_business_time` returns the *earliest* instant at which the
  business time elapsed since ``start`` equals the duration: a deadline that lands exactly
  on closing time is that closing instant, not the next morning's opening. A negative
  duration counts backwards and returns the *latest* instant from which that much business
  time remains until ``start``.
* Instants are aware ``datetime`` objects; naive ones raise ``ValueError``. Results are
  aware UTC. Arithmetic is exact to the microsecond (integers inside).

How it is fast: each calendar keeps a table of its open intervals as integer microseconds
since the epoch, with the cumulative business time before each interval. A query is one or
two ``bisect`` calls into that table. The table covers whole local years and grows in
either direction when a query falls outside it. Growing never changes a cumulative value
already in the table: the cumulative time is counted from one origin (where the table was
first built), so a value read before the table grew and one read after it still subtract
to the business time between them, and every answer is the same whatever the calendar was
asked before. Each day contributes its own intervals (an interval running to 24:00 and the
next day's from 00:00 stay two entries), so the entries do not depend on where the table
starts or ends either. The table is grown under a lock, built off to the side and swapped
in whole, so a reader on another thread sees the old table or the new one, never half of
one. It covers local dates from 1901 to 2399 and no further, so no input can make a call
run forever.
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from desktop_app.domain.zones import zone_named

__all__ = [
    "BusinessCalendar",
    "holidays_for_region",
    "public_holidays",
]

_US = 1_000_000  # microseconds per second
_HALF_US_S = 0.5 / _US  # half a microsecond, in seconds
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY_MIN = 24 * 60
_MIN_YEAR = 1900  # the calendar computes the local years strictly between these two
_MAX_YEAR = 2400
_FIRST_DAY = date(_MIN_YEAR + 1, 1, 1)
_END_DAY = date(_MAX_YEAR, 1, 1)
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

# (starts, ends, cum, lo, hi, first_day, last_day, lo_s, hi_s, starts_s, ends_s, cum_s):
# intervals [starts[i], ends[i]) in µs since the epoch; cum[i] is the business µs before
# interval i counted from the calendar's fixed origin (len(cum) == len(starts) + 1, and
# values may be negative before the origin); the table covers local dates
# first_day <= d < last_day (both 1 January), i.e. instants lo <= t < hi. The *_s entries
# are the same in float seconds for the fast path; every endpoint is a whole second, so
# cum_s holds integers and differences of cum_s entries are exact.
_Table = tuple[
    list[int],
    list[int],
    list[int],
    int,
    int,
    date,
    date,
    float,
    float,
    list[float],
    list[float],
    list[float],
]

# One bound of a weekday's interval: (days after the date, minute of that day, the wall
# time, the same wall time's second occurrence): "24:00" is 00:00 of the next day.
_Bound = tuple[int, int, time, time]


def _parse_time(text: object, weekday: int, *, is_end: bool) -> int:
    """Minutes after local midnight for ``"HH:MM"``; ``"24:00"`` only as an end."""
    match = _TIME_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"Opening hours for weekday {weekday}: {text!r} is not a time; "
            'write it as "HH:MM", for example "08:30".'
        )
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(
            f"Opening hours for weekday {weekday}: {text!r} is not a time of day "
            '(00:00 to 23:59, or "24:00" as the end of a day).'
        )
    if hours == 24 and not is_end:
        raise ValueError(
            f'Opening hours for weekday {weekday}: an interval cannot start at "24:00"; '
            'use "00:00" of the next day.'
        )
    return hours * 60 + minutes


def _parse_week(
    hours: Mapping[int, Sequence[tuple[str, str]]],
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Validate the weekly hours and return, per weekday, sorted (start, end) minutes."""
    if not isinstance(hours, Mapping):
        raise ValueError(
            "Opening hours must map weekday numbers (0 = Monday … 6 = Sunday) to lists of "
            '("HH:MM", "HH:MM") intervals.'
        )
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for weekday, intervals in hours.items():
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            raise ValueError(
                f"Opening hours: {weekday!r} is not a weekday; use 0 (Monday) to 6 (Sunday)."
            )
        for entry in intervals:
            if not isinstance(entry, tuple | list) or len(entry) != 2:
                raise ValueError(
                    f"Opening hours for weekday {weekday}: {entry!r} is not a "
                    '("HH:MM", "HH:MM") pair.'
                )
            start = _parse_time(entry[0], weekday, is_end=False)
            end = _parse_time(entry[1], weekday, is_end=True)
            if start >= end:
                raise ValueError(
                    f"Opening hours for weekday {weekday}: interval {entry[0]}–{entry[1]} "
                    "does not start before it ends; an interval cannot cross midnight, "
                    'split it into "…–24:00" and "00:00–…" of the next day.'
                )
            week[weekday].append((start, end))
    for weekday, day in enumerate(week):
        day.sort()
        merged: list[tuple[int, int]] = []
        for start, end in day:
            if merged and start < merged[-1][1]:
                prev = merged[-1]
                raise ValueError(
                    f"Opening hours for weekday {weekday}: intervals "
                    f"{_fmt(prev[0])}–{_fmt(prev[1])} and {_fmt(start)}–{_fmt(end)} overlap; "
                    "make them disjoint."
                )
            if merged and start == merged[-1][1]:
                merged[-1] = (merged[-1][0], end)  # back-to-back intervals are one
            else:
                merged.append((start, end))
        week[weekday] = merged
    if not any(week):
        raise ValueError(
            "The calendar has no open interval at all: give at least one weekday some "
            "opening hours (or use BusinessCalendar.always_open for 24x7)."
        )
    return tuple(tuple(day) for day in week)


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _aware_us(moment: datetime) -> int:
    """Exact microseconds since the epoch of an aware datetime."""
    if not isinstance(moment, datetime):
        raise TypeError(f"Expected a datetime, got {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{moment.isoformat()} has no time zone; pass an aware datetime "
            "(for example with tzinfo=datetime.UTC)."
        )
    return math.floor(moment.timestamp()) * _US + moment.microsecond


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{moment.isoformat()} has no time zone; pass an aware datetime "
            "(for example with tzinfo=datetime.UTC)."
        )
    return moment.astimezone(UTC)


def _us_datetime(us: int) -> datetime:
    # us / 1e6 is within 0.12 µs of the true value for any date in range, and
    # fromtimestamp rounds to the nearest microsecond, so this is exact.
    return datetime.fromtimestamp(us / _US, UTC)


def _us_timedelta(us: int) -> timedelta:
    return timedelta(microseconds=us)


def _timedelta_us(duration: timedelta) -> int:
    if not isinstance(duration, timedelta):
        raise TypeError(f"Expected a timedelta duration, got {type(duration).__name__}.")
    return (duration.days * 86_400 + duration.seconds) * _US + duration.microseconds


def _bound(minute: int) -> _Bound:
    days, minute = divmod(minute, _DAY_MIN)
    wall = time(minute // 60, minute % 60)
    return (days, minute, wall, wall.replace(fold=1))


def _describe_us(t: int) -> str:
    """An instant for an error message, also one that ``datetime`` cannot hold."""
    try:
        return _us_datetime(t).isoformat()
    except (OverflowError, ValueError, OSError):
        return f"{t / _US:.0f} seconds since 1970"


def _float_us(ts: float) -> int:
    """Epoch seconds as whole microseconds; a value that is no instant raises ValueError."""
    if not math.isfinite(ts):
        raise ValueError(f"{ts!r} is not an instant (epoch seconds); check the time stamp.")
    return round(ts * _US)


class BusinessCalendar:
    """Opening hours of a site in its IANA time zone, with holidays closed all day.

    ``hours`` maps weekday (0 = Monday … 6 = Sunday) to local ``("HH:MM", "HH:MM")``
    intervals ``[start, end)``; ``"24:00"`` is allowed as an end. ``holidays`` are local
    dates closed all day; ``holiday_region`` (``"CA-ON"``, ``"DE"`` …) adds that region's
    public holidays for every year the calendar is asked about (as far as the ``holidays``
    package knows them: 1901–2100).

    A calendar with no open interval, overlapping intervals, an interval whose start is not
    before its end, a malformed time or an unknown zone raises ``ValueError`` naming the
    bad entry. Unless the calendar is round the clock with no holidays (then business time
    is plain elapsed time), an instant whose local date falls outside 1901–2399, or an
    answer that would, raises ``ValueError`` naming the instant.

    A calendar may be shared between threads: its answers never depend on which questions
    it was asked before, or in which order.
    """

    __slots__ = (
        "_always",
        "_bounds",
        "_closed",
        "_holiday_region",
        "_holiday_years",
        "_holidays",
        "_lock",
        "_table",
        "_tz",
        "_week",
        "_weekly_us",
        "zone",
    )

    def __init__(
        self,
        zone: str,
        hours: Mapping[int, Sequence[tuple[str, str]]],
        holidays: Iterable[date] = (),
        *,
        holiday_region: str | None = None,
    ) -> None:
        self.zone = zone
        self._tz = _zone(zone)
        self._week = _parse_week(hours)
        self._weekly_us = sum(end - start for day in self._week for start, end in day) * 60 * _US
        self._bounds = tuple(
            tuple((_bound(start), _bound(end)) for start, end in day) for day in self._week
        )
        fixed: set[date] = set()
        for holiday in holidays:
            if isinstance(holiday, datetime) or not isinstance(holiday, date):
                raise ValueError(
                    f"Holiday {holiday!r} is not a date; give local dates such as "
                    "date(2026, 12, 25)."
                )
            fixed.add(holiday)
        self._holidays = frozenset(fixed)
        self._closed = frozenset(day.toordinal() for day in fixed)
        self._holiday_region = holiday_region
        self._holiday_years: set[int] = set()
        if holiday_region is not None:
            holidays_for_region(holiday_region, [datetime.now(UTC).year])  # fail early if unknown
        self._always = (
            not fixed
            and holiday_region is None
            and all(day == ((0, _DAY_MIN),) for day in self._week)
        )
        # Growing the table and loading a region's holidays happen under this lock;
        # reading never takes it.
        self._lock = threading.RLock()
        self._table: _Table | None = None

    @classmethod
    def always_open(cls, zone: str = "UTC") -> BusinessCalendar:
        """A 24x7 calendar: business time equals wall-clock elapsed time."""
        return cls(zone, {d: [("00:00", "24:00")] for d in range(7)})

    def __repr__(self) -> str:
        days = {d: [(_fmt(s), _fmt(e)) for s, e in day] for d, day in enumerate(self._week) if day}
        return f"BusinessCalendar({self.zone!r}, {days!r}, holidays={len(self._holidays)})"

    @property
    def is_always_open(self) -> bool:
        return self._always

    @property
    def tzinfo(self) -> ZoneInfo:
        return self._tz

    # ----------------------------------------------------------------- public API

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of business time has elapsed since
        ``start`` (aware in, aware UTC out).

        A start outside open hours begins at the next opening. A deadline landing exactly
        at closing time is that closing instant. A negative duration counts backwards and
        returns the latest instant from which ``-duration`` of business time remains
        until ``start``. A zero duration returns ``start`` itself.
        """
        # Written out flat: this runs for every deadline of every ticket.
        try:
            tz = start.tzinfo
            d = (duration.days * 86_400 + duration.seconds) * _US + duration.microseconds
        except AttributeError:
            raise TypeError(
                "add_business_time(start, duration) takes an aware datetime and a timedelta."
            ) from None
        if tz is not UTC:
            start = _as_utc(start)
        if self._always:
            return start + duration
        x = start - _EPOCH
        t = (x.days * 86_400 + x.seconds) * _US + x.microseconds
        seconds, micro = divmod(self._add_us(t, d), _US)
        return _EPOCH + timedelta(0, seconds, micro)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Business time inside open intervals from ``start`` to ``end``; negative when
        ``end`` is before ``start``."""
        a, b = _aware_us(start), _aware_us(end)
        if self._always:
            return _us_timedelta(b - a)
        table = self._covering(a)
        if not table[3] <= b < table[4]:
            table = self._grow_to(b)
        starts, ends, cum = table[0], table[1], table[2]
        i = bisect_right(starts, a) - 1
        at_a = cum[i] + (a - starts[i]) if i >= 0 and a < ends[i] else cum[i + 1]
        k = bisect_right(starts, b) - 1
        at_b = cum[k] + (b - starts[k]) if k >= 0 and b < ends[k] else cum[k + 1]
        return _us_timedelta(at_b - at_a)

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` falls inside an open interval (start included, end excluded)."""
        t = _aware_us(at)
        if self._always:
            return True
        starts, ends, *_ = self._covering(t)
        i = bisect_right(starts, t) - 1
        return i >= 0 and t < ends[i]

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself when open, else the start of the next open interval."""
        t = _aware_us(at)
        if self._always:
            return _us_datetime(t)
        while True:
            table = self._covering(t)
            starts, ends = table[0], table[1]
            i = bisect_right(starts, t) - 1
            if i >= 0 and t < ends[i]:
                return _us_datetime(t)
            if i + 1 < len(starts):
                return _us_datetime(starts[i + 1])
            self._extend_forward(
                table,
                self._weekly_us,
                f"{_describe_us(t)} has no opening after it before {_MAX_YEAR}, as far as "
                "this calendar computes; check the holidays.",
            )

    def next_closing(self, at: datetime) -> datetime | None:
        """End of the open interval containing ``at`` (``None`` when closed or 24x7).

        An interval running to midnight that the next day's hours continue from 00:00 is
        one open interval: its end is where the office really closes."""
        t = _aware_us(at)
        if self._always:
            return None
        while True:
            table = self._covering(t)
            starts, ends = table[0], table[1]
            i = bisect_right(starts, t) - 1
            if i < 0 or t >= ends[i]:
                return None
            last = len(starts) - 1
            while i < last and starts[i + 1] == ends[i]:
                i += 1
            if i < last or ends[i] < table[4] or table[6] >= _END_DAY:
                return _us_datetime(ends[i])
            # open up to the table's last midnight: the next year may carry on from there
            self._extend_forward(table, self._weekly_us, "not reached: the table can grow")

    def is_holiday(self, day: date) -> bool:
        """Whether the local date ``day`` is closed all day as a holiday."""
        self._load_region_years(day.year, day.year)
        return day in self._holidays

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local date as aware UTC instants (empty on holidays)."""
        if not _FIRST_DAY <= day < _END_DAY:
            raise ValueError(
                f"{day.isoformat()} is outside the years this calendar computes "
                f"({_MIN_YEAR + 1}–{_MAX_YEAR - 1}); check the date."
            )
        self._load_region_years(day.year, day.year)
        starts, ends = self._segment(day.toordinal(), day.toordinal() + 1)
        return [(_us_datetime(s), _us_datetime(e)) for s, e in zip(starts, ends, strict=True)]

    # Epoch-second fast path: the queue's once-a-second countdown, the monitor and bulk
    # deadline computation work on floats (seconds since the epoch) and skip building
    # datetime objects, which costs more than the calendar arithmetic itself. The table
    # holds whole seconds, so float results agree with the exact path to well under a
    # microsecond. The arithmetic uses only differences of cumulative values (exact) and
    # offsets inside one interval, never a cumulative value itself, so the float answer
    # is the same bit for bit however far the table has grown.

    def add_seconds(self, ts: float, seconds: float) -> float:
        """:meth:`add_business_time` on epoch seconds (float in, float out).

        Instants and durations count to the microsecond, as in the datetime API: a
        deadline within half a microsecond of an opening or closing is a deadline at it
        (and a duration of half a microsecond or less is none)."""
        if self._always or seconds == 0:
            return ts + seconds
        table = self._table
        if table is None or not table[7] <= ts < table[8]:
            table = self._covering_f(ts)
        fs, fe, fc = table[9], table[10], table[11]
        i = bisect_right(fs, ts) - 1
        if i >= 0 and ts < fe[i]:
            c0 = fc[i]
            rest = seconds + (ts - fs[i])
        else:
            c0 = fc[i + 1]
            rest = seconds
        if seconds > _HALF_US_S:
            target = c0 + rest
            j = i + 1
            if fc[j] >= target:
                # within the interval holding ts: business seconds from the deadline
                # to its end
                gap = (fc[j] - c0) - rest
                if gap >= _HALF_US_S:
                    return fe[i] - gap
                if gap >= -_HALF_US_S:
                    return fe[i]  # exactly at closing time
            elif target <= fc[-1]:
                # deadlines are usually within a few intervals: walk, then bisect
                j += 1
                while fc[j] < target:
                    j += 1
                    if j - i > 6:
                        j = bisect_left(fc, target, j)
                        break
                # business seconds from the deadline to the end of interval j - 1; the
                # deadline is not within half a microsecond of that interval's start
                gap = (fc[j] - c0) - rest
                if _HALF_US_S <= gap < fc[j] - fc[j - 1] - _HALF_US_S:
                    return fe[j - 1] - gap
                if -_HALF_US_S <= gap < _HALF_US_S:
                    return fe[j - 1]  # exactly at closing time
        elif seconds < -_HALF_US_S:
            # counting back (warning instants before a deadline): the latest instant
            # whose cumulative business time is the target
            target = c0 + rest
            if target >= fc[0]:
                j = bisect_right(fc, target, 0, len(fs)) - 1
                over = rest - (fc[j] - c0)
                if _HALF_US_S <= over < fc[j + 1] - fc[j] - _HALF_US_S:
                    return fs[j] + over
                if -_HALF_US_S <= over < _HALF_US_S:
                    return fs[j]  # exactly at opening time
        return self._add_f(ts, seconds)

    def add_seconds_many(self, stamps: Sequence[float], seconds: Sequence[float]) -> list[float]:
        """:meth:`add_seconds` for many (start, duration) pairs at once: the deadlines of a
        whole import or desk, with the table's lists bound once for the loop."""
        if len(stamps) != len(seconds):
            raise ValueError(
                f"{len(stamps)} start instants but {len(seconds)} durations; give one "
                "duration per start."
            )
        if self._always:
            return [ts + sec for ts, sec in zip(stamps, seconds, strict=True)]
        out: list[float] = []
        if not stamps:
            return out
        slow = self.add_seconds
        table = self._table
        if table is None:
            table = self._covering_f(stamps[0])
        append = out.append
        lo, hi, fs, fe, fc = table[7], table[8], table[9], table[10], table[11]
        top = fc[-1]
        right, left = bisect_right, bisect_left
        half = _HALF_US_S
        for ts, sec in zip(stamps, seconds, strict=True):
            if sec > half and lo <= ts < hi:
                i = right(fs, ts) - 1
                if i >= 0 and ts < fe[i]:
                    c0 = fc[i]
                    rest = sec + (ts - fs[i])
                else:
                    c0 = fc[i + 1]
                    rest = sec
                target = c0 + rest
                if target <= top:
                    j = i + 1
                    while fc[j] < target:  # walk a few intervals, then bisect
                        j += 1
                        if j - i > 6:
                            j = left(fc, target, j)
                            break
                    gap = (fc[j] - c0) - rest
                    if half <= gap < fc[j] - fc[j - 1] - half:
                        append(fe[j - 1] - gap)
                        continue
            append(slow(ts, sec))  # outside the table, backwards, zero or at a boundary
            if self._table is not table:
                table = self._table
                assert table is not None
                lo, hi, fs, fe, fc = table[7], table[8], table[9], table[10], table[11]
                top = fc[-1]
        return out

    def seconds_between(self, start_ts: float, end_ts: float) -> float:
        """:meth:`business_time_between` on epoch seconds."""
        if self._always:
            return end_ts - start_ts
        table = self._table
        if table is None or not (table[7] <= start_ts < table[8] and table[7] <= end_ts < table[8]):
            table = self._covering_f(start_ts)
            if not table[7] <= end_ts < table[8]:
                table = self._covering_f(end_ts)
        fs, fe, fc = table[9], table[10], table[11]
        i = bisect_right(fs, start_ts) - 1
        if i >= 0 and start_ts < fe[i]:
            at_start = fc[i]
            into_start = start_ts - fs[i]
        else:
            at_start = fc[i + 1]
            into_start = 0.0
        k = bisect_right(fs, end_ts) - 1
        if k >= 0 and end_ts < fe[k]:
            return (fc[k] - at_start) + ((end_ts - fs[k]) - into_start)
        return (fc[k + 1] - at_start) - into_start

    # ------------------------------------------------------------------ internals

    def _add_us(self, t: int, d: int) -> int:
        """Exact :meth:`add_business_time` on microseconds since the epoch."""
        if d == 0 or self._always:
            return t + d
        while True:
            table = self._covering(t)
            starts, ends, cum = table[0], table[1], table[2]
            i = bisect_right(starts, t) - 1
            if i >= 0 and t < ends[i]:
                base = cum[i] + (t - starts[i])
            else:
                base = cum[i + 1]  # closed: the clock starts at the next opening
            target = base + d
            if d > 0:
                if target <= cum[-1]:
                    # earliest instant: the first interval whose cumulative end reaches target
                    j = bisect_left(cum, target, i + 1) - 1
                    return ends[j] - (cum[j + 1] - target)
                self._check_reachable(table, target - cum[-1], t, d)
                self._extend_forward(table, target - cum[-1], _beyond(t, d))
            else:
                if target >= cum[0]:
                    # latest instant: the last interval whose cumulative start is at or
                    # before target
                    j = bisect_right(cum, target, 0, len(starts)) - 1
                    return starts[j] + (target - cum[j])
                self._check_reachable(table, target - cum[0], t, d)
                self._extend_backward(table, cum[0] - target, _beyond(t, d))

    def _add_f(self, ts: float, seconds: float) -> float:
        """:meth:`add_seconds` in full: the fast path's arithmetic once the table reaches
        the answer, whatever it had to grow, so the answer does not depend on the table.

        Counting to the microsecond: forwards, the answer is in the first interval whose
        end is no more than half a microsecond short of the target; backwards, in the last
        whose start is no more than half a microsecond past it. An answer that close to
        the interval's end (start) is that end (start) itself.
        """
        half = _HALF_US_S
        if -half <= seconds <= half:
            return ts + seconds  # no time at all, counted to the microsecond
        while True:
            table = self._covering_f(ts)
            fs, fe, fc = table[9], table[10], table[11]
            i = bisect_right(fs, ts) - 1
            if i >= 0 and ts < fe[i]:
                c0 = fc[i]
                rest = seconds + (ts - fs[i])
            else:
                c0 = fc[i + 1]
                rest = seconds
            target = c0 + rest
            n = len(fc)
            if seconds > 0:
                j = bisect_left(fc, target, i + 1)  # on a rounded target: one off at most
                while j < n and (fc[j] - c0) - rest < -half:
                    j += 1
                while j - 1 > i and (fc[j - 1] - c0) - rest >= -half:
                    j -= 1
                if j < n:
                    gap = (fc[j] - c0) - rest
                    return fe[j - 1] - gap if gap >= half else fe[j - 1]
                missing = _float_us(rest - (fc[-1] - c0))
                self._check_reachable(table, missing, _float_us(ts), _float_us(seconds))
                self._extend_forward(table, missing, _beyond(_float_us(ts), _float_us(seconds)))
            else:
                last = len(fs) - 1
                j = bisect_right(fc, target, 0, last + 1) - 1
                while j >= 0 and rest - (fc[j] - c0) < -half:
                    j -= 1
                while j < last and rest - (fc[j + 1] - c0) >= -half:
                    j += 1
                if j >= 0:
                    over = rest - (fc[j] - c0)
                    return fs[j] + over if over >= half else fs[j]
                missing = _float_us(rest - (fc[0] - c0))
                self._check_reachable(table, missing, _float_us(ts), _float_us(seconds))
                self._extend_backward(table, -missing, _beyond(_float_us(ts), _float_us(seconds)))

    def _check_reachable(self, table: _Table, missing_us: int, t: int, d: int) -> None:
        """Fail at once, rather than grow the table for centuries, when even every open
        hour up to the calendar's limit could not supply the missing business time
        (``missing_us`` is positive counting forward, negative counting back)."""
        if missing_us > 0:
            days = (_END_DAY - table[6]).days
        else:
            days = (table[5] - _FIRST_DAY).days
        # DST can lengthen a 24-hour day by an hour: allow for it generously
        available = (days / 7 + 1) * self._weekly_us * 25 / 24
        if abs(missing_us) > available:
            raise ValueError(_beyond(t, d))

    def _covering(self, t: int) -> _Table:
        """The table, grown if needed so that it covers instant ``t`` (µs)."""
        table = self._table
        if table is not None and table[3] <= t < table[4]:
            return table
        return self._grow_to(t)

    def _covering_f(self, ts: float) -> _Table:
        """The table, grown if needed so that it covers epoch second ``ts``."""
        table = self._table
        if table is not None and table[7] <= ts < table[8]:
            return table
        table = self._grow_to(_float_us(ts))
        # ts may sit a fraction of a microsecond outside what its rounding said
        while not table[7] <= ts < table[8]:
            if ts < table[7] and table[5] > _FIRST_DAY:
                table = self._extend(date(table[5].year - 1, 1, 1), table[6])
            elif ts >= table[8] and table[6] < _END_DAY:
                table = self._extend(table[5], date(table[6].year + 1, 1, 1))
            else:
                raise ValueError(_outside(_float_us(ts)))
        return table

    def _grow_to(self, t: int) -> _Table:
        """The table grown (by whole years, a year beyond the one needed) to cover ``t``."""
        try:
            local = _us_datetime(t).astimezone(self._tz).date()
        except (OverflowError, ValueError, OSError):
            raise ValueError(_outside(t)) from None
        if not _FIRST_DAY <= local < _END_DAY:
            raise ValueError(_outside(t))
        first = max(date(local.year - 1, 1, 1), _FIRST_DAY)
        last = min(date(local.year + 2, 1, 1), _END_DAY)
        table = self._table
        if table is not None:
            first = table[5] if local >= table[5] else first
            last = table[6] if local < table[6] else last
        return self._extend(first, last)

    def _extend_forward(self, table: _Table, missing_us: int, beyond: str) -> None:
        """Grow the table past its end by about the years ``missing_us`` of business time
        need (and one more); ``beyond`` says what failed when it cannot grow."""
        if table[6] >= _END_DAY:
            raise ValueError(beyond)
        years = 2 + missing_us // (self._weekly_us * 52)
        self._extend(table[5], date(min(table[6].year + years, _MAX_YEAR), 1, 1))

    def _extend_backward(self, table: _Table, missing_us: int, beyond: str) -> None:
        """Grow the table before its start by about the years ``missing_us`` need."""
        if table[5] <= _FIRST_DAY:
            raise ValueError(beyond)
        years = 2 + missing_us // (self._weekly_us * 52)
        self._extend(date(max(table[5].year - years, _MIN_YEAR + 1), 1, 1), table[6])

    def _extend(self, first: date, last: date) -> _Table:
        """The table covering at least the local dates ``first <= d < last``.

        New days are built and put before or after the old ones; the old entries, and
        their cumulative values, are kept as they are (the first table sets the origin).
        """
        with self._lock:
            table = self._table
            if table is not None:
                first, last = min(first, table[5]), max(last, table[6])
                if first == table[5] and last == table[6]:
                    return table
            self._load_region_years(first.year, last.year)
            if table is None:
                starts, ends = self._segment(first.toordinal(), last.toordinal())
                cum = _running(starts, ends, 0)
                fs = [s / _US for s in starts]
                fe = [e / _US for e in ends]
                fc = [c / _US for c in cum]
            else:
                old_first, old_last = table[5].toordinal(), table[6].toordinal()
                b_starts, b_ends = self._segment(first.toordinal(), old_first)
                a_starts, a_ends = self._segment(old_last, last.toordinal())
                old_cum = table[2]
                before = _running(b_starts, b_ends, 0)
                shift = old_cum[0] - before[-1]  # the new days end where the old began
                b_cum = [c + shift for c in before[:-1]]
                a_cum = _running(a_starts, a_ends, old_cum[-1])[1:]
                starts = b_starts + table[0] + a_starts
                ends = b_ends + table[1] + a_ends
                cum = b_cum + old_cum + a_cum
                fs = [s / _US for s in b_starts] + table[9] + [s / _US for s in a_starts]
                fe = [e / _US for e in b_ends] + table[10] + [e / _US for e in a_ends]
                fc = [c / _US for c in b_cum] + table[11] + [c / _US for c in a_cum]
            lo = self._wall_us(first, 0)
            hi = self._wall_us(last, 0)
            grown: _Table = (
                starts,
                ends,
                cum,
                lo,
                hi,
                first,
                last,
                lo / _US,
                hi / _US,
                fs,
                fe,
                fc,
            )
            self._table = grown  # swapped in whole: readers hold the old tuple or the new one
            return grown

    def _segment(self, first: int, stop: int) -> tuple[list[int], list[int]]:
        """Open intervals (µs) of the local dates with ordinals ``first <= o < stop``, in
        order: each date's own intervals, holidays and empty intervals left out."""
        starts: list[int] = []
        ends: list[int] = []
        bounds = self._bounds
        closed = self._closed
        utcoffset = self._tz.utcoffset
        combine = datetime.combine
        fromordinal = date.fromordinal
        for o in range(first, stop):
            day_bounds = bounds[(o + 6) % 7]
            if not day_bounds or o in closed:
                continue
            day = fromordinal(o)
            for interval in day_bounds:
                pair: list[int] = []
                for days, minute, wall, wall_again in interval:
                    on = fromordinal(o + 1) if days else day
                    naive = combine(on, wall)
                    offset = utcoffset(naive)
                    if offset is not None and offset == utcoffset(combine(on, wall_again)):
                        # the wall time occurs once: instant = wall time - offset
                        seconds = (o + days - _EPOCH_ORDINAL) * 86_400 + minute * 60
                        pair.append((seconds - offset.days * 86_400 - offset.seconds) * _US)
                    else:  # skipped or repeated on a DST change
                        pair.append(self._wall_us(on, minute))
                s, e = pair
                if e > s:  # an interval wholly inside a skipped DST hour has no length
                    starts.append(s)
                    ends.append(e)
        return starts, ends

    def _wall_us(self, day: date, minute: int) -> int:
        """The instant (µs) the local wall clock shows ``minute`` after midnight of ``day``."""
        naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)  # noqa: DTZ001
        first = naive.replace(tzinfo=self._tz).timestamp()
        second = naive.replace(tzinfo=self._tz, fold=1).timestamp()
        if first <= second:
            return int(first) * _US  # normal, or the first of a repeated hour
        # A skipped hour (clocks went forward): the wall time never shows; use the
        # transition instant, found between the two readings.
        lo, hi = int(second), int(first)
        offset_after = naive.replace(tzinfo=self._tz, fold=1).utcoffset()
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self._tz).utcoffset() == offset_after:
                hi = mid
            else:
                lo = mid
        return hi * _US

    def _load_region_years(self, first_year: int, last_year: int) -> None:
        """Add the region's public holidays of these years (inclusive) if not yet there."""
        if self._holiday_region is None:
            return
        with self._lock:
            missing = [y for y in range(first_year, last_year + 1) if y not in self._holiday_years]
            if missing:
                found = holidays_for_region(self._holiday_region, missing)
                self._holidays = self._holidays | frozenset(found)
                self._closed = self._closed | frozenset(day.toordinal() for day in found)
                self._holiday_years.update(missing)


def _running(starts: list[int], ends: list[int], origin: int) -> list[int]:
    """Cumulative business µs before each interval and after the last, from ``origin``."""
    cum = [origin]
    total = origin
    for s, e in zip(starts, ends, strict=True):
        total += e - s
        cum.append(total)
    return cum


def _outside(t: int) -> str:
    return (
        f"{_describe_us(t)} is outside the years this calendar computes "
        f"({_MIN_YEAR + 1}–{_MAX_YEAR - 1}); check the date or the duration."
    )


def _beyond(t: int, d: int) -> str:
    duration = _us_timedelta(abs(d)) if abs(d) < 10**17 else f"{abs(d) / _US:.0f} s"
    if d > 0:
        return (
            f"Adding {duration} of business time to {_describe_us(t)} would end after "
            f"{_MAX_YEAR - 1}, beyond what this calendar computes; check the duration."
        )
    return (
        f"Counting {duration} of business time back from {_describe_us(t)} would reach "
        f"before {_MIN_YEAR + 1}, beyond what this calendar computes; check the duration."
    )


def _zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ValueError(f"Time zone {name!r} is not an IANA zone name such as 'America/Toronto'.")
    zone = zone_named(name)
    if zone is None:
        raise ValueError(
            f"Unknown time zone {name!r}: use an IANA zone name such as 'America/Toronto' "
            "or 'Europe/Berlin'."
        )
    return zone


def public_holidays(
    country: str, subdivision: str | None = None, years: Iterable[int] = ()
) -> list[date]:
    """Public holidays of a country (ISO code, e.g. ``"CA"``) and optional subdivision
    (e.g. ``"ON"``) for the given years, sorted, from the ``holidays`` package."""
    import holidays as holidays_package

    year_list = sorted(set(years))
    try:
        found = holidays_package.country_holidays(country, subdiv=subdivision, years=year_list)
    except NotImplementedError as exc:
        raise ValueError(
            f"No public holidays are known for country {country!r}; use an ISO 3166 code "
            "such as 'CA', 'US', 'DE' or 'AU'."
        ) from exc
    except Exception as exc:  # the package raises plain errors for unknown subdivisions
        raise ValueError(
            f"No public holidays are known for {country}-{subdivision}: {exc}"
        ) from exc
    return sorted(found.keys())


def holidays_for_region(region: str, years: Iterable[int]) -> list[date]:
    """Public holidays for a region written ``"CA-ON"`` (country-subdivision) or ``"DE"``."""
    country, _, subdivision = region.partition("-")
    return public_holidays(country, subdivision or None, years)
