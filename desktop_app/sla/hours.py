"""Weekly hours as people write them, and public holidays as the editors offer them.

A calendar's (or a shift's) hours are typed one weekday at a time: ``08:00–12:00,
13:00–17:00``; empty (or ``closed``) for a closed day. An overnight interval is written with
``+1`` on its end, ``22:00–06:00+1``: it runs into the next day (Sunday's into Monday) and
is kept as two intervals, ``22:00–24:00`` and ``00:00–06:00`` of the next day, which is how
:class:`~desktop_app.sla.calendar.BusinessCalendar` counts. An end before its start without
``+1`` is refused as reversed (it is usually a typing slip, not a night shift), and so are
intervals of no length and intervals that overlap, on the same day or across midnight;
each error names the weekday, the intervals and what to do.

:func:`week_texts` writes a week back the same way, joining such split pairs into one
overnight interval again.

The holiday helpers read the ``holidays`` package: the countries and subdivisions it knows
(for the pickers) and one year's public holidays with their names (shown before they are
added to a calendar).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from desktop_app.domain import ValidationError

__all__ = [
    "DAY_NAMES",
    "HolidayCountry",
    "NamedHoliday",
    "holiday_countries",
    "parse_duration",
    "parse_week",
    "public_holidays_named",
    "week_texts",
]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY = 24 * 60
_SPLIT = re.compile(r"\s*[,;]\s*")
_INTERVAL = re.compile(
    r"^(?P<start>\d{1,2}:\d{2})\s*(?:-|–|—|to)\s*(?P<end>\d{1,2}:\d{2})\s*"
    r"(?P<next>\+\s*1|\(\s*\+\s*1\s*\)|next day)?$",
    re.IGNORECASE,
)
_CLOSED = {"", "closed", "-", "–", "—"}


def _minutes(text: str, day: str, *, end: bool) -> int:
    hours_text, minutes_text = text.split(":")
    hours, minutes = int(hours_text), int(minutes_text)
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise ValidationError(
            f"{day}: {text} is not a time of day; use 00:00 to 23:59 (24:00 only as an end)."
        )
    return hours * 60 + minutes


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class _Span:
    """One interval as typed, in minutes of the week from Monday 00:00 (an overnight one
    runs past its day's end)."""

    day: int
    start: int  # minutes after the day's midnight
    end: int  # may exceed 24 h for an overnight interval
    text: str

    def label(self) -> str:
        return f"{DAY_NAMES[self.day]}'s {self.text}"


def _parse_day(day: int, text: str) -> list[_Span]:
    name = DAY_NAMES[day]
    if text.strip().casefold() in _CLOSED:
        return []
    spans: list[_Span] = []
    for part in _SPLIT.split(text.strip()):
        if not part:
            continue
        match = _INTERVAL.match(part)
        if match is None:
            raise ValidationError(
                f"{name}: {part!r} is not an interval; write it like 08:00–17:00, several "
                "separated by commas, 22:00–06:00+1 for a night into the next day, or leave "
                "the day empty when closed.",
                f"hours.{day}",
            )
        try:
            start = _minutes(match["start"], name, end=False)
            end = _minutes(match["end"], name, end=True)
        except ValidationError as exc:
            raise ValidationError(str(exc), f"hours.{day}") from None
        shown = f"{match['start']}–{match['end']}" + ("+1" if match["next"] else "")
        if match["next"]:
            if end == _DAY:
                end = 0  # "+1" on 24:00 would be the end of the next day; 24:00 is today's
            end += _DAY
            if end - start > _DAY:
                raise ValidationError(
                    f"{name}: {shown} is longer than a day; split it over the days it covers.",
                    f"hours.{day}",
                )
        elif end < start:
            raise ValidationError(
                f"{name}: {shown} ends before it starts. For a night into the next day write "
                f"{match['start']}–{match['end']}+1; otherwise swap the two times.",
                f"hours.{day}",
            )
        if end == start:
            raise ValidationError(
                f"{name}: {shown} starts and ends at the same time; give it some length or "
                "take it out.",
                f"hours.{day}",
            )
        spans.append(_Span(day, start, end, shown))
    return spans


def parse_week(texts: Mapping[int, str]) -> dict[int, list[tuple[str, str]]]:
    """Weekly hours (weekday → ``[("HH:MM", "HH:MM"), …]``) from the text typed for each
    weekday (0 = Monday … 6 = Sunday; a missing day is closed).

    Raises :class:`ValidationError` (``field`` ``"hours.<weekday>"``) for a malformed,
    reversed, empty or overlapping interval, and for a week with no open hour at all.
    """
    spans: list[_Span] = []
    for day in range(7):
        spans.extend(_parse_day(day, texts.get(day, "")))
    # Every interval as minutes of the week, cut at midnight (a night runs into the next
    # day's hours, Sunday's into Monday's).
    pieces: list[tuple[int, int, _Span]] = []
    week = 7 * _DAY
    for span in spans:
        start = span.day * _DAY + span.start
        end = span.day * _DAY + span.end
        midnight = (span.day + 1) * _DAY
        if end > midnight:
            pieces.append((start, midnight, span))
            pieces.append((midnight % week, end - midnight + midnight % week, span))
        else:
            pieces.append((start, end, span))
    pieces.sort(key=lambda p: (p[0], p[1]))
    for (_a_start, a_end, a), (b_start, _b_end, b) in pairwise(pieces):
        if b_start < a_end:
            first, second = (a, b) if a.day <= b.day else (b, a)
            if first is second:  # cannot happen: one span's pieces never overlap
                continue
            where = (
                f"{first.label()} and {second.text}"
                if first.day == second.day
                else f"{first.label()} and {second.label()}"
            )
            raise ValidationError(
                f"{where} overlap; make them follow each other (one may end where the "
                "next begins).",
                f"hours.{second.day}",
            )
    if not pieces:
        raise ValidationError(
            "The week has no open hours at all; give at least one day its hours (or use "
            "24x7 for round the clock).",
            "hours.0",
        )
    hours: dict[int, list[tuple[str, str]]] = {}
    for start, end, _span in pieces:
        day, offset = divmod(start, _DAY)
        end_offset = end - day * _DAY
        hours.setdefault(day, []).append((_fmt(offset), _fmt(end_offset)))
    return {day: sorted(hours[day]) for day in sorted(hours)}


def week_texts(hours: Mapping[int, Sequence[tuple[str, str]]]) -> dict[int, str]:
    """The text of each weekday for :func:`parse_week`; an interval ending at 24:00 that
    the next day continues from 00:00 is written as one overnight interval."""
    days: dict[int, list[tuple[str, str]]] = {
        d: sorted((str(s), str(e)) for s, e in hours.get(d, ())) for d in range(7)
    }
    # first every night that runs on past midnight (Sunday's into Monday's too) …
    nights: dict[int, tuple[str, str]] = {}  # day → its interval ending at 24:00 carried on
    carried: dict[int, tuple[str, str]] = {}  # day → its interval starting at 00:00 taken
    for day in range(7):
        following = (day + 1) % 7
        last = days[day][-1] if days[day] else None
        first = days[following][0] if days[following] else None
        if (
            last is not None
            and first is not None
            and last[1] == "24:00"
            and last[0] != "00:00"
            and first[0] == "00:00"
            and first[1] != "24:00"
            and following not in carried
        ):
            nights[day] = last
            carried[following] = first
    # … then each day's own intervals, a carried night written once, on the day it began
    texts: dict[int, list[str]] = {d: [] for d in range(7)}
    for day in range(7):
        for start, end in days[day]:
            if carried.get(day) == (start, end):
                continue
            if nights.get(day) == (start, end):
                texts[day].append(f"{start}–{carried[(day + 1) % 7][1]}+1")
            else:
                texts[day].append(f"{start}–{end}")
    return {d: ", ".join(parts) for d, parts in texts.items()}


# ------------------------------------------------------------------------------ holidays


@dataclass(frozen=True, slots=True)
class HolidayCountry:
    """A country the ``holidays`` package knows, with its subdivisions (code → name)."""

    code: str
    name: str
    subdivisions: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class NamedHoliday:
    day: date
    name: str


def _spaced(class_name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)


def holiday_countries() -> list[HolidayCountry]:
    """Every country with public holidays in the ``holidays`` package, by name."""
    import holidays as package
    from holidays.registry import COUNTRIES

    supported = package.list_supported_countries()
    found: list[HolidayCountry] = []
    for entry in COUNTRIES.values():
        class_name, code = entry[0], entry[1]
        names: dict[str, str] = {}
        try:
            aliases = getattr(package.country_holidays(code), "subdivisions_aliases", {}) or {}
            for alias, sub in aliases.items():
                names.setdefault(str(sub), str(alias))  # the first name given is English
        except Exception:  # a country the package lists but cannot build: no names
            names = {}
        subdivisions = tuple(
            (str(sub), names.get(str(sub), str(sub))) for sub in supported.get(code, ())
        )
        found.append(HolidayCountry(code, _spaced(class_name), subdivisions))
    return sorted(found, key=lambda c: c.name)


def public_holidays_named(country: str, subdivision: str | None, year: int) -> list[NamedHoliday]:
    """One year's public holidays of a country (and subdivision), with their names."""
    import holidays as package

    try:
        found = package.country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:
        raise ValidationError(
            f"No public holidays are known for country {country!r}; pick a country from the list.",
            "country",
        ) from None
    except Exception as exc:  # an unknown subdivision
        raise ValidationError(
            f"No public holidays are known for {country}-{subdivision}: {exc}", "subdivision"
        ) from None
    return [NamedHoliday(day, str(name)) for day, name in sorted(found.items())]


# ------------------------------------------------------------------------------ durations

_DURATION_PART = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(h|hr|hrs|hours?|m|min|mins|minutes?|s|sec|seconds?)\b"
)


def parse_duration(text: str) -> timedelta:
    """A target or lead time as people type it: ``30 min``, ``4 h``, ``1 h 30 min``,
    ``1:30`` (hours and minutes), or a bare number of minutes (``90``). Business time."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise ValidationError("Give a duration, e.g. 30 min, 4 h or 1 h 30 min.")
    if re.fullmatch(r"-?\d+", cleaned):
        return timedelta(minutes=int(cleaned))
    clock = re.fullmatch(r"(\d+):([0-5]\d)", cleaned)
    if clock:
        return timedelta(hours=int(clock[1]), minutes=int(clock[2]))
    total = timedelta(0)
    rest = cleaned
    for match in _DURATION_PART.finditer(cleaned):
        amount = float(match[1].replace(",", "."))
        unit = match[2][0]
        total += timedelta(
            hours=amount if unit == "h" else 0,
            minutes=amount if unit == "m" else 0,
            seconds=amount if unit == "s" else 0,
        )
        rest = rest.replace(match[0], "", 1)
    if rest.strip() or cleaned.startswith("-"):
        raise ValidationError(
            f"{text!r} is not a duration; write it like 30 min, 4 h or 1 h 30 min (business time)."
        )
    return total
