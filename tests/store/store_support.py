"""Helpers the store tests import by name: the fake clock, the small desk, id records.

They live here rather than in ``conftest.py`` because ``from conftest import …`` is
ambiguous once another test folder has a ``conftest.py`` of its own and both folders run in
one pytest session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.domain import (
    Contact,
    Contract,
    Customer,
    Desk,
    DeskCustomer,
    Role,
    Site,
    Technician,
    Tier,
)
from support.postgres import PG_ADMIN_URL, admin_connect, postgres_database

__all__ = [
    "MONDAY_9AM_TORONTO",
    "PG_ADMIN_URL",
    "DeskIds",
    "FakeClock",
    "People",
    "admin_connect",
    "postgres_database",
    "small_desk",
]

# A Monday morning in Toronto office hours: 2025-03-03 09:00 EST == 14:00 UTC.
MONDAY_9AM_TORONTO = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)


class FakeClock:
    """The store's notion of "now", moved by the test (never by sleeping)."""

    def __init__(self, start: datetime = MONDAY_9AM_TORONTO) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class People:
    manager: int
    dispatcher: int
    alice: int  # technician
    bob: int  # technician
    senior: int  # technician, escalation level 2


@dataclass
class DeskIds:
    acme: int  # Gold customer, Toronto office hours
    acme_hq: int  # site
    acme_contact: int
    globex: int  # Bronze customer, Berlin


def small_desk() -> Desk:
    """Two customers in two zones, five people: enough for every use case."""
    return Desk(
        technicians=[
            Technician("Morgan Manager", Role.MANAGER, 3, "America/Toronto"),
            Technician("Dana Dispatcher", Role.DISPATCHER, 2, "America/Toronto"),
            Technician("Alice Tech", Role.TECHNICIAN, 1, "America/Toronto"),
            Technician("Bob Tech", Role.TECHNICIAN, 1, "Europe/Berlin"),
            Technician("Sam Senior", Role.TECHNICIAN, 2, "America/Toronto"),
        ],
        customers=[
            DeskCustomer(
                Customer("Acme Corp", Tier.GOLD, "Key account"),
                sites=[Site(0, "Toronto HQ", "America/Toronto", "Office hours")],
                contacts=[Contact(0, "Wile E.", "wile@acme.test", "+1 555 0100")],
                contracts=[
                    Contract(
                        0,
                        "Gold",
                        Tier.GOLD,
                        date(2025, 1, 1),
                        date(2025, 12, 31),
                        support_hours=200,
                        monthly_fee=5000,
                        credit_percent_per_breach=2,
                        credit_cap_percent=10,
                    )
                ],
            ),
            DeskCustomer(
                Customer("Globex", Tier.BRONZE),
                sites=[Site(0, "Berlin Office", "Europe/Berlin", "Office hours")],
                contacts=[Contact(0, "Hank S.")],
                contracts=[Contract(0, "Bronze", Tier.BRONZE, date(2024, 6, 1), date(2026, 5, 31))],
            ),
        ],
    )


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (e.g. "2m") mounted on ``folder``, to fill up for real; the test
    is skipped, with the reason, where mounting is not allowed (not root, a container
    without the capability, another system)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root on Linux")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
