"""One rule for time zones: a site's zone or UTC; "your time" is the signed-in
technician's zone, the machine's only when there is none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from desktop_app.domain import Technician
from desktop_app.domain.zones import (
    MachineZone,
    is_known_zone,
    machine_zone,
    technician_zone,
    zone_named,
    zone_or_utc,
)

SetZone = Callable[[str], None]


def test_a_site_zone_is_its_iana_zone_else_utc() -> None:
    assert zone_or_utc("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    for unreadable in (None, "", "Mars/Olympus", "America", "../etc/passwd", "not a zone"):
        assert zone_or_utc(unreadable) is UTC, unreadable
        assert zone_named(unreadable) is None
        assert not is_known_zone(unreadable)
    assert is_known_zone("Australia/Sydney")


def test_your_time_is_the_technicians_zone(machine_zone_is: SetZone) -> None:
    machine_zone_is("UTC")
    berlin = Technician("Lena Hoffmann", timezone="Europe/Berlin")
    assert technician_zone(berlin) == ZoneInfo("Europe/Berlin")


def test_your_time_falls_back_to_the_machine_only_without_a_zone(machine_zone_is: SetZone) -> None:
    machine_zone_is("America/Toronto")
    winter = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)
    for nobody in (None, Technician("New Person", timezone="Mars/Olympus")):
        zone = technician_zone(nobody)
        assert zone == machine_zone()
        assert f"{winter.astimezone(zone):%H:%M %Z}" == "12:00 EST"


def test_the_machine_zone_keeps_daylight_saving_per_instant(machine_zone_is: SetZone) -> None:
    machine_zone_is("Europe/Berlin")
    zone = MachineZone()
    winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    # a fixed offset taken "now" would show one of these an hour off
    assert f"{winter.astimezone(zone):%H:%M %Z}" == "13:00 CET"
    assert f"{summer.astimezone(zone):%H:%M %Z}" == "14:00 CEST"
    for instant in (winter, summer):
        local = instant.astimezone(zone)
        assert local.utcoffset() == instant.astimezone(ZoneInfo("Europe/Berlin")).utcoffset()
        assert local.astimezone(UTC) == instant
