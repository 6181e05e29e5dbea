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
two ``bisect`` calls into that table. The table covers a window of years and grows (rebuilt
off to the side and swapped in whole, so a reader on another thread never sees half a
table) when a query falls outside it; it never grows past the years 1900–2400, so no input
can make a call run forever.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from desktop_app.domain.zones import zone_named

__all__ = [
    "BusinessCalendar",
    "holidays_for_region",
    "public_holidays",
]

_US = 1_000_000  # microseconds per second
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_MIN = 24 * 60
_MIN_YEAR = 1900
_MAX_YEAR = 2400
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")

# (starts, ends, cum, lo, hi, first_day, last_day, lo_s, hi_s, starts_s, ends_s, cum_s):
# intervals [starts[i], ends[i]) in µs since the epoch; cum[i] is the business µs before
# interval i (len(cum) == len(starts) + 1); the table covers local dates
# first_day <= d < last_day, i.e. instants lo <= t < hi. The *_s entries are the same in
# float seconds for the fast path.
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


class BusinessCalendar:
    """Opening hours of a site in its IANA time zone, with holidays closed all day.

    ``hours`` maps weekday (0 = Monday … 6 = Sunday) to local ``("HH:MM", "HH:MM")``
    intervals ``[start, end)``; ``"24:00"`` is allowed as an end. ``holidays`` are local
    dates closed all day; ``holiday_region`` (``"CA-ON"``, ``"DE"`` …) adds that region's
    public holidays for every year the calendar is asked about.

    A calendar with no open interval, overlapping intervals, an interval whose start is not
    before its end, a malformed time or an unknown zone raises ``ValueError`` naming the
    bad entry.
    """

    __slots__ = (
        "_always",
        "_holiday_region",
        "_holiday_years",
        "_holidays",
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
        fixed: set[date] = set()
        for holiday in holidays:
            if isinstance(holiday, datetime) or not isinstance(holiday, date):
                raise ValueError(
                    f"Holiday {holiday!r} is not a date; give local dates such as "
                    "date(2026, 12, 25)."
                )
            fixed.add(holiday)
        self._holidays = fixed
        self._holiday_region = holiday_region
        self._holiday_years: set[int] = set()
        if holiday_region is not None:
            holidays_for_region(holiday_region, [datetime.now(UTC).year])  # fail early if unknown
        self._always = (
            not fixed
            and holiday_region is None
            and all(day == ((0, _DAY_MIN),) for day in self._week)
        )
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
        return _us_timedelta(self._cum_at(b) - self._cum_at(a))

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
        starts, ends, *_ = self._covering(t)
        i = bisect_right(starts, t) - 1
        if i >= 0 and t < ends[i]:
            return _us_datetime(t)
        while i + 1 >= len(starts):
            starts, ends, *_ = self._extend_forward()
        return _us_datetime(starts[i + 1])

    def next_closing(self, at: datetime) -> datetime | None:
        """End of the open interval containing ``at`` (``None`` when closed or 24x7)."""
        t = _aware_us(at)
        if self._always:
            return None
        starts, ends, *_ = self._covering(t)
        i = bisect_right(starts, t) - 1
        if i >= 0 and t < ends[i]:
            return _us_datetime(ends[i])
        return None

    def is_holiday(self, day: date) -> bool:
        """Whether the local date ``day`` is closed all day as a holiday."""
        self._load_region_years(day.year, day.year + 1)
        return day in self._holidays

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local date as aware UTC instants (empty on holidays)."""
        self._load_region_years(day.year, day.year + 1)
        return [(_us_datetime(s), _us_datetime(e)) for s, e in self._day_intervals(day)]

    # Epoch-second fast path: the queue's once-a-second countdown, the monitor and bulk
    # deadline computation work on floats (seconds since the epoch) and skip building
    # datetime objects, which costs more than the calendar arithmetic itself. The table
    # holds whole seconds, so float results agree with the exact path to well under a
    # microsecond.

    def add_seconds(self, ts: float, seconds: float) -> float:
        """:meth:`add_business_time` on epoch seconds (float in, float out)."""
        if self._always or seconds == 0:
            return ts + seconds
        table = self._table
        if table is None or not table[7] <= ts < table[8]:
            table = self._grow_to(round(ts * _US))
        fs, fe, fc = table[9], table[10], table[11]
        i = bisect_right(fs, ts) - 1
        if i >= 0 and ts < fe[i]:
            target = fc[i] + (ts - fs[i]) + seconds
        else:
            target = fc[i + 1] + seconds
        if seconds > 0 and target <= fc[-1]:
            j = i + 1
            n = len(fc)
            # deadlines are usually within a few intervals: walk, then fall back to bisect
            while j < n and fc[j] < target and j - i < 6:
                j += 1
            if j == n or fc[j] < target:
                j = bisect_left(fc, target, j)
            return fe[j - 1] - (fc[j] - target)
        if seconds < 0 and target >= 0:
            # counting back (warning instants before a deadline): the latest instant
            # whose cumulative business time is the target
            j = bisect_right(fc, target, 0, len(fs)) - 1
            return fs[j] + (target - fc[j])
        return self._add_us(round(ts * _US), round(seconds * _US)) / _US

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
        slow = self.add_seconds
        if self._table is None and stamps:
            self._grow_to(round(stamps[0] * _US))
        table = self._table
        assert table is not None or not stamps
        out: list[float] = []
        append = out.append
        if table is None:
            return out
        lo, hi, fs, fe, fc = table[7], table[8], table[9], table[10], table[11]
        top = fc[-1]
        right, left = bisect_right, bisect_left
        for ts, sec in zip(stamps, seconds, strict=True):
            if sec > 0 and lo <= ts < hi:
                i = right(fs, ts) - 1
                target = (fc[i] + (ts - fs[i]) if i >= 0 and ts < fe[i] else fc[i + 1]) + sec
                if target <= top:
                    j = left(fc, target, i + 1)
                    append(fe[j - 1] - (fc[j] - target))
                    continue
            append(slow(ts, sec))  # outside the table, backwards or zero: the general path
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
        return self._cum_f(end_ts) - self._cum_f(start_ts)

    def _cum_f(self, ts: float) -> float:
        table = self._table
        if table is None or not table[7] <= ts < table[8]:
            table = self._grow_to(round(ts * _US))
        fs = table[9]
        i = bisect_right(fs, ts) - 1
        if i < 0:
            return 0.0
        if ts < table[10][i]:
            return table[11][i] + (ts - fs[i])
        return table[11][i + 1]

    # ------------------------------------------------------------------ internals

    def _add_us(self, t: int, d: int) -> int:
        if d == 0 or self._always:
            return t + d
        table = self._table
        if table is None or not table[3] <= t < table[4]:
            table = self._grow_to(t)
        starts, ends, cum = table[0], table[1], table[2]
        i = bisect_right(starts, t) - 1
        if i >= 0 and t < ends[i]:
            base = cum[i] + (t - starts[i])
        else:
            base = cum[i + 1]  # closed: the clock starts at the next opening
        target = base + d
        if d > 0:
            if target > cum[-1]:
                self._check_reachable(table, target - cum[-1], forward=True)
            while target > cum[-1]:
                # growing forward leaves the cumulative values before it unchanged
                starts, ends, cum, *_ = self._extend_forward()
            # earliest instant: the first interval whose cumulative end reaches target
            j = bisect_left(cum, target, i + 1) - 1
            return ends[j] - (cum[j + 1] - target)
        if target < 0:
            self._check_reachable(table, -target, forward=False)
        while target < 0:
            before = cum[-1]
            starts, ends, cum, *_ = self._extend_backward()
            target += cum[-1] - before  # cum is rebased when the table grows backwards
        # latest instant: the last interval whose cumulative start is at or before target
        j = bisect_right(cum, target, 0, len(starts)) - 1
        return starts[j] + (target - cum[j])

    def _check_reachable(self, table: _Table, missing_us: int, *, forward: bool) -> None:
        """Fail at once, rather than grow the table for centuries, when even every open
        hour up to the calendar's limit could not supply the missing business time."""
        if forward:
            days = (date(_MAX_YEAR, 1, 1) - table[6]).days
        else:
            days = (table[5] - date(_MIN_YEAR, 1, 1)).days
        # DST can lengthen a 24-hour day by an hour: allow for it generously
        available = (days / 7 + 1) * self._weekly_us * 25 / 24
        if missing_us > available:
            which = f"after {_MAX_YEAR - 1}" if forward else f"before {_MIN_YEAR + 1}"
            raise ValueError(
                f"The result would fall {which}, beyond what this calendar computes; "
                "check the duration."
            )

    def _cum_at(self, t: int) -> int:
        starts, ends, cum, *_ = self._covering(t)
        i = bisect_right(starts, t) - 1
        if i < 0:
            return 0
        if t < ends[i]:
            return cum[i] + (t - starts[i])
        return cum[i + 1]

    def _covering(self, t: int) -> _Table:
        """The table, grown if needed so that it covers instant ``t``."""
        table = self._table
        if table is not None and table[3] <= t < table[4]:
            return table
        return self._grow_to(t)

    def _grow_to(self, t: int) -> _Table:
        local = _us_datetime(t).astimezone(self._tz).date()
        if not _MIN_YEAR < local.year < _MAX_YEAR:
            raise ValueError(
                f"{_us_datetime(t).isoformat()} is outside the years this calendar computes "
                f"({_MIN_YEAR + 1}–{_MAX_YEAR - 1}); check the date or the duration."
            )
        table = self._table
        if table is None:
            first, last = date(local.year - 1, 1, 1), date(local.year + 2, 1, 1)
        else:
            first, last = table[5], table[6]
            span = last - first
            while local < first:
                first = max(first - span, date(_MIN_YEAR, 1, 1))
            while local >= last:
                last = min(last + span, date(_MAX_YEAR, 1, 1))
        return self._build(first, last)

    def _extend_forward(self) -> _Table:
        table = self._table
        assert table is not None
        first, last = table[5], table[6]
        if last >= date(_MAX_YEAR, 1, 1):
            raise ValueError(
                f"The deadline falls after {_MAX_YEAR - 1}, beyond what this calendar "
                "computes; check the duration."
            )
        return self._build(first, min(last + (last - first), date(_MAX_YEAR, 1, 1)))

    def _extend_backward(self) -> _Table:
        table = self._table
        assert table is not None
        first, last = table[5], table[6]
        if first <= date(_MIN_YEAR, 1, 1):
            raise ValueError(
                f"Counting back reaches before {_MIN_YEAR + 1}, beyond what this calendar "
                "computes; check the duration."
            )
        return self._build(max(first - (last - first), date(_MIN_YEAR, 1, 1)), last)

    def _build(self, first: date, last: date) -> _Table:
        self._load_region_years(first.year, last.year + 1)
        starts: list[int] = []
        ends: list[int] = []
        day = first
        one = timedelta(days=1)
        while day < last:
            for s, e in self._day_intervals(day):
                if starts and s <= ends[-1]:
                    ends[-1] = max(ends[-1], e)  # continues across midnight
                else:
                    starts.append(s)
                    ends.append(e)
            day += one
        cum = [0] * (len(starts) + 1)
        total = 0
        for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
            total += e - s
            cum[i + 1] = total
        lo, hi = self._local_midnight(first), self._local_midnight(last)
        table: _Table = (
            starts,
            ends,
            cum,
            lo,
            hi,
            first,
            last,
            lo / _US,
            hi / _US,
            [s / _US for s in starts],
            [e / _US for e in ends],
            [c / _US for c in cum],
        )
        self._table = table  # swapped in whole: readers hold the old tuple or the new one
        return table

    def _day_intervals(self, day: date) -> list[tuple[int, int]]:
        if day in self._holidays:
            return []
        out: list[tuple[int, int]] = []
        for start_min, end_min in self._week[day.weekday()]:
            s = self._wall_us(day, start_min)
            e = self._wall_us(day, end_min)
            if e > s:  # an interval wholly inside a skipped DST hour has no length
                out.append((s, e))
        return out

    def _local_midnight(self, day: date) -> int:
        return self._wall_us(day, 0)

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
        if self._holiday_region is None:
            return
        missing = [y for y in range(first_year, last_year + 1) if y not in self._holiday_years]
        if missing:
            self._holidays |= set(holidays_for_region(self._holiday_region, missing))
            self._holiday_years.update(missing)


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
