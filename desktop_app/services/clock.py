"""The monitor's and notifier's notion of "now": wall time plus monotonic time, injectable.

Wall time (an aware UTC datetime) says *when* something is due; monotonic time says how much
time really passed. Comparing the two between wake-ups is how the SLA monitor notices that
the laptop slept or that someone set the system clock (see ``desktop_app.sla.schedule``).

Tests use :class:`FakeClock` so that nothing ever sleeps for real time.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Where the desk reads the time. Implementations must be safe to call from any thread."""

    def now(self) -> datetime:
        """The current wall-clock instant, an aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps (it may or may not count suspended time)."""
        ...


class SystemClock:
    """The real clocks of this computer."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """A clock that moves only when a test moves it.

    - :meth:`advance` moves wall and monotonic time together (time simply passes);
    - :meth:`sleep` moves wall time only, like a suspended laptop on a platform whose
      monotonic clock stops during suspend (Linux, macOS);
    - :meth:`set_wall` / :meth:`shift_wall` change wall time only, like a person or NTP
      setting the system clock (forward or backward).

    Reads and moves are guarded by a lock because the monitor's worker thread reads the clock
    while the test thread moves it.
    """

    def __init__(self, start: datetime | None = None, monotonic_start: float = 1000.0) -> None:
        if start is None:
            start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
        self._wall = _require_aware(start, "start")
        self._mono = float(monotonic_start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._wall

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, delta: timedelta | None = None, /, **units: float) -> datetime:
        """Let time pass: ``advance(timedelta(minutes=5))`` or ``advance(minutes=5)``."""
        step = _delta(delta, units)
        if step < timedelta(0):
            raise ValueError(
                f"advance() lets time pass and cannot go back ({step}); "
                "use shift_wall() to simulate a clock set backwards"
            )
        with self._lock:
            self._wall += step
            self._mono += step.total_seconds()
            return self._wall

    def sleep(self, delta: timedelta | None = None, /, **units: float) -> datetime:
        """Suspend and resume: wall time moves ahead, monotonic time stands still."""
        step = _delta(delta, units)
        if step < timedelta(0):
            raise ValueError(f"a laptop cannot sleep for a negative time ({step})")
        with self._lock:
            self._wall += step
            return self._wall

    def shift_wall(self, delta: timedelta | None = None, /, **units: float) -> datetime:
        """Someone set the system clock by ``delta`` (negative = backwards)."""
        step = _delta(delta, units)
        with self._lock:
            self._wall += step
            return self._wall

    def set_wall(self, instant: datetime) -> None:
        """Someone set the system clock to ``instant``; monotonic time is unchanged."""
        instant = _require_aware(instant, "instant")
        with self._lock:
            self._wall = instant

    def __repr__(self) -> str:
        return f"FakeClock(now={self._wall.isoformat()}, monotonic={self._mono})"


def _delta(delta: timedelta | None, units: dict[str, float]) -> timedelta:
    if delta is not None and units:
        raise TypeError("pass either a timedelta or keyword units (minutes=5), not both")
    if delta is None:
        try:
            return timedelta(**units)
        except TypeError as exc:
            raise TypeError(
                f"unknown time unit in {sorted(units)}; use days, hours, minutes, seconds, "
                "milliseconds or microseconds"
            ) from exc
    if not isinstance(delta, timedelta):
        raise TypeError(f"expected a timedelta, got {type(delta).__name__}: {delta!r}")
    return delta


def _require_aware(instant: datetime, name: str) -> datetime:
    if not isinstance(instant, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(
            f"{name} is a naive datetime ({instant.isoformat()}); pass an aware UTC "
            "datetime, e.g. datetime(2025, 3, 3, 9, 0, tzinfo=UTC)"
        )
    return instant.astimezone(UTC)
