"""Which time zone a time is shown in: one rule for every screen.

* a site's zone is its IANA name; a site without a readable zone counts as UTC
  (:func:`zone_or_utc`), as its SLA calendar does;
* "your time" is the zone of the technician signed in at the desk; only when nobody is
  signed in, or their zone cannot be read, is it the machine's zone
  (:func:`technician_zone`, :func:`machine_zone`).

Plain Python: zoneinfo and the C library's local time, no Qt.
"""

from __future__ import annotations

import time as _time
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MachineZone",
    "is_known_zone",
    "machine_zone",
    "technician_zone",
    "zone_named",
    "zone_or_utc",
]


class _HasZone(Protocol):
    @property
    def timezone(self) -> str: ...


@lru_cache(maxsize=512)
def zone_named(name: str | None) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when it is empty or unknown."""
    if not name or not isinstance(name, str):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a name that is a folder of the zone database ("America")
        return None


def is_known_zone(name: str | None) -> bool:
    """Whether ``name`` is an IANA zone this machine knows (e.g. "Europe/Berlin")."""
    return zone_named(name) is not None


def zone_or_utc(name: str | None) -> tzinfo:
    """A site's zone: its IANA zone, else UTC (as its SLA calendar runs)."""
    return zone_named(name) or UTC


class MachineZone(tzinfo):
    """The zone this computer is set to, with its daylight saving rules.

    ``datetime.astimezone()`` without an argument gives a fixed offset that is right only
    for the instant converted; this asks the C library for each instant instead, so a
    winter deadline shown in summer still gets its winter offset.
    """

    def fromutc(self, dt: datetime) -> datetime:
        if dt.tzinfo is not self:
            raise ValueError("fromutc: dt.tzinfo is not self")
        stamp = dt.replace(tzinfo=UTC).timestamp()
        offset = _time.localtime(stamp).tm_gmtoff
        return dt + timedelta(seconds=offset)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(seconds=self._local(dt).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        local = self._local(dt)
        if local.tm_isdst <= 0:
            return timedelta(0)
        standard = -_time.timezone
        return timedelta(seconds=local.tm_gmtoff - standard)

    def tzname(self, dt: datetime | None) -> str:
        return self._local(dt).tm_zone

    @staticmethod
    def _local(dt: datetime | None) -> _time.struct_time:
        if dt is None:
            return _time.localtime()
        naive = (dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, 0, 0, -1)
        try:
            return _time.localtime(_time.mktime(naive))
        except (OverflowError, ValueError):
            return _time.localtime()

    def __repr__(self) -> str:
        return "MachineZone()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MachineZone)

    def __hash__(self) -> int:
        return hash(MachineZone)


_MACHINE = MachineZone()


def machine_zone() -> tzinfo:
    """The zone this computer is set to (follows ``TZ`` and the system setting)."""
    return _MACHINE


def technician_zone(technician: _HasZone | None) -> tzinfo:
    """ "Your time": the technician's zone; the machine's zone when there is nobody signed
    in or their zone cannot be read."""
    if technician is None:
        return _MACHINE
    return zone_named(technician.timezone) or _MACHINE
