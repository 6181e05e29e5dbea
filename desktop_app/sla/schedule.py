"""The SLA monitor's agenda: upcoming warning and breach instants of all open clocks.

Pure Python (no Qt, no SQL) so that every rule here is tested without threads or sleeping.

- :class:`Schedule` is a heap of :class:`ScheduleEntry` with lazy deletion: replacing a
  ticket's entries costs O(k log n) for its k entries, stale heap items are skipped when they
  surface and the heap is compacted once they outnumber the live ones.
- Each (ticket, metric, threshold) fires once. The "fired" marks survive re-arming (a reply
  that leaves the deadline alone does not repeat a warning) and are dropped only when that
  clock's deadline changes, e.g. when a next-update clock restarts after a customer message.
- :meth:`Schedule.pop_due` returns everything due at once; :func:`group_due` decides which of
  it to report one by one and which to fold into one :class:`CatchUp` summary ("7 tickets
  breached while this laptop was asleep").
- :class:`JumpDetector` compares wall-clock advance with monotonic advance between wake-ups to
  notice a suspended laptop or a system clock set forward or back.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from desktop_app.domain.enums import Metric

EntryKind = Literal["warning", "breach"]
CatchUpReason = Literal["startup", "resume", "clock_back", "late"]

#: The threshold label of a breach entry (warnings use the clock's labels, e.g. "75%").
BREACH = "breach"

_KIND_ORDER = {"warning": 0, "breach": 1}
_METRIC_ORDER = {m: i for i, m in enumerate(Metric)}


def _aware_utc(value: object, what: str) -> datetime:
    if type(value) is datetime and value.tzinfo is UTC:
        return value  # the common case, kept cheap: 120,000 entries at start-up
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}: {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} is a naive datetime ({value.isoformat()}); every instant must be an "
            "aware UTC datetime, e.g. datetime(..., tzinfo=UTC)"
        )
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """One instant at which the monitor must speak up about one clock of one ticket.

    ``deadline`` is the clock's ``due_at`` the entry was computed for; a breach entry's
    deadline is its own ``at`` (filled in when omitted). A warning without a deadline takes it
    from the breach entry of the same clock when given to :meth:`Schedule.replace_ticket`.
    """

    at: datetime
    ticket_id: int
    metric: Metric
    kind: EntryKind
    threshold: str
    deadline: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _aware_utc(self.at, "ScheduleEntry.at"))
        if isinstance(self.ticket_id, bool) or not isinstance(self.ticket_id, int):
            raise TypeError(
                f"ScheduleEntry.ticket_id must be an int (the saved ticket's id), "
                f"got {type(self.ticket_id).__name__}: {self.ticket_id!r}"
            )
        if not isinstance(self.metric, Metric):
            try:
                object.__setattr__(self, "metric", Metric(self.metric))
            except ValueError:
                valid = ", ".join(m.value for m in Metric)
                raise ValueError(
                    f"unknown SLA metric {self.metric!r}; use one of: {valid}"
                ) from None
        if self.kind not in _KIND_ORDER:
            raise ValueError(f"ScheduleEntry.kind must be 'warning' or 'breach', not {self.kind!r}")
        if not isinstance(self.threshold, str) or not self.threshold:
            raise ValueError(
                "ScheduleEntry.threshold must be a non-empty label such as '75%' or "
                f"'30 min before' (or 'breach'), got {self.threshold!r}"
            )
        if self.deadline is not None:
            object.__setattr__(
                self, "deadline", _aware_utc(self.deadline, "ScheduleEntry.deadline")
            )
        if self.kind == "breach":
            if self.deadline is None:
                object.__setattr__(self, "deadline", self.at)
            elif self.deadline != self.at:
                raise ValueError(
                    f"a breach entry is due at its deadline, but at={self.at.isoformat()} and "
                    f"deadline={self.deadline.isoformat()}; leave deadline out for breaches"
                )

    @property
    def clock_key(self) -> tuple[Metric, str]:
        """(metric, threshold): what fires once per ticket."""
        return (self.metric, self.threshold)

    def sort_key(self) -> tuple[datetime, int, int, int, str]:
        return (
            self.at,
            self.ticket_id,
            _METRIC_ORDER[self.metric],
            _KIND_ORDER[self.kind],
            self.threshold,
        )


class Schedule:
    """Upcoming instants of all open clocks, earliest first, each firing once."""

    #: Compact the heap once at least this many stale items pile up (and outnumber live ones).
    COMPACT_MIN_STALE = 1024

    def __init__(self) -> None:
        # (at, seq, entry): seq is unique, so entries themselves are never compared.
        self._heap: list[tuple[datetime, int, ScheduleEntry]] = []
        self._seq = itertools.count()
        # ticket -> (metric, threshold) -> the entry waiting in the heap; a heap item whose
        # entry is not the one stored here is stale (lazy deletion).
        self._armed: dict[int, dict[tuple[Metric, str], ScheduleEntry]] = {}
        # ticket -> (metric, threshold) -> the deadline it fired for.
        self._fired: dict[int, dict[tuple[Metric, str], datetime | None]] = {}
        self._stale = 0

    # ----------------------------------------------------------------- queries
    def __len__(self) -> int:
        """Entries still waiting to fire."""
        return len(self._heap) - self._stale

    @property
    def heap_size(self) -> int:
        """Items in the heap, stale ones included (for tests and benchmarks)."""
        return len(self._heap)

    def ticket_ids(self) -> frozenset[int]:
        """Tickets with at least one entry waiting."""
        return frozenset(self._armed)

    def pending(self, ticket_id: int) -> tuple[ScheduleEntry, ...]:
        """A ticket's entries still waiting to fire, earliest first."""
        armed = self._armed.get(ticket_id, {})
        return tuple(sorted(armed.values(), key=ScheduleEntry.sort_key))

    def has_fired(self, ticket_id: int, metric: Metric, threshold: str) -> bool:
        return (metric, threshold) in self._fired.get(ticket_id, {})

    def next_at(self) -> datetime | None:
        """The earliest instant still waiting, or None when nothing is scheduled."""
        heap = self._heap
        while heap:
            _, _, entry = heap[0]
            if self._is_live(entry):
                return entry.at
            heapq.heappop(heap)
            self._stale -= 1
        return None

    # ----------------------------------------------------------------- changes
    def replace_ticket(
        self,
        ticket_id: int,
        entries: Iterable[ScheduleEntry],
        *,
        now: datetime | None = None,
    ) -> tuple[Metric, ...]:
        """Make ``entries`` the ticket's whole agenda (an empty list clears it).

        An entry whose (metric, threshold) already fired for the same deadline is not armed
        again. When the deadline changed, the old mark is dropped and the entry armed again,
        except when ``now`` is given and the entry is already due: a warning the technician
        has seen is not repeated just because the clock was paused and resumed.

        Returns the metrics whose fired marks were dropped (the notifier forgets them too).
        """
        prepared = self.prepare(ticket_id, entries)
        if now is not None:
            now = _aware_utc(now, "now")
        old = self._armed.pop(ticket_id, None)
        if old:
            self._stale += len(old)
        fired = self._fired.get(ticket_id)
        reset: list[Metric] = []
        armed: dict[tuple[Metric, str], ScheduleEntry] = {}
        for entry in prepared:
            key = entry.clock_key
            if fired is not None and key in fired:
                if fired[key] == entry.deadline:
                    continue
                if now is not None and entry.at <= now:
                    fired[key] = entry.deadline  # already told; stay quiet for the new deadline
                    continue
                del fired[key]
                if entry.metric not in reset:
                    reset.append(entry.metric)
            armed[key] = entry
            heapq.heappush(self._heap, (entry.at, next(self._seq), entry))
        if armed:
            self._armed[ticket_id] = armed
        if fired is not None and not fired:
            del self._fired[ticket_id]
        self._maybe_compact()
        return tuple(reset)

    def remove_ticket(self, ticket_id: int) -> bool:
        """Forget a ticket (resolved, closed, deleted): its entries and its fired marks.

        Returns whether the schedule knew anything about it.
        """
        old = self._armed.pop(ticket_id, None)
        if old:
            self._stale += len(old)
        known = old is not None or self._fired.pop(ticket_id, None) is not None
        self._maybe_compact()
        return known

    def mark_fired(
        self, ticket_id: int, metric: Metric | str, threshold: str, deadline: datetime
    ) -> None:
        """Record that a notification was already given (e.g. before the app restarted).

        Seed this from the persisted notification list so that a restart does not repeat
        what the technician has already seen for the same deadline.
        """
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
            raise TypeError(f"ticket_id must be an int, got {type(ticket_id).__name__}")
        try:
            metric = Metric(metric)
        except ValueError:
            valid = ", ".join(m.value for m in Metric)
            raise ValueError(f"unknown SLA metric {metric!r}; use one of: {valid}") from None
        deadline = _aware_utc(deadline, "deadline")
        key = (metric, threshold)
        armed = self._armed.get(ticket_id)
        if armed is not None and key in armed and armed[key].deadline == deadline:
            del armed[key]
            self._stale += 1
            if not armed:
                del self._armed[ticket_id]
        self._fired.setdefault(ticket_id, {})[key] = deadline

    def pop_due(self, now: datetime) -> list[ScheduleEntry]:
        """Everything due at ``now`` (inclusive), in time order, marked as fired.

        After a jump this is the whole backlog in one batch, ready to be summarised.
        """
        now = _aware_utc(now, "now")
        heap = self._heap
        due: list[ScheduleEntry] = []
        while heap and heap[0][0] <= now:
            _, _, entry = heapq.heappop(heap)
            if not self._is_live(entry):
                self._stale -= 1
                continue
            armed = self._armed[entry.ticket_id]
            del armed[entry.clock_key]
            if not armed:
                del self._armed[entry.ticket_id]
            self._fired.setdefault(entry.ticket_id, {})[entry.clock_key] = entry.deadline
            due.append(entry)
        due.sort(key=ScheduleEntry.sort_key)
        return due

    # ----------------------------------------------------------------- internals
    def _is_live(self, entry: ScheduleEntry) -> bool:
        armed = self._armed.get(entry.ticket_id)
        return armed is not None and armed.get(entry.clock_key) is entry

    def _maybe_compact(self) -> None:
        if self._stale >= self.COMPACT_MIN_STALE and self._stale * 2 > len(self._heap):
            self._heap = [
                (e.at, next(self._seq), e) for armed in self._armed.values() for e in armed.values()
            ]
            heapq.heapify(self._heap)
            self._stale = 0

    @staticmethod
    def prepare(ticket_id: int, entries: Iterable[ScheduleEntry]) -> list[ScheduleEntry]:
        """Check a ticket's entries and fill in warning deadlines; raise on bad input.

        Callers on another thread run this first so that errors surface where they were made.
        """
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
            raise TypeError(f"ticket_id must be an int, got {type(ticket_id).__name__}")
        given = list(entries)
        deadlines: dict[Metric, datetime] = {}
        seen: set[tuple[Metric, str]] = set()
        for entry in given:
            if not isinstance(entry, ScheduleEntry):
                raise TypeError(
                    f"expected ScheduleEntry items for ticket {ticket_id}, got "
                    f"{type(entry).__name__}; build them with entries_for(ticket_id, clocks)"
                )
            if entry.ticket_id != ticket_id:
                raise ValueError(
                    f"an entry for ticket {entry.ticket_id} was given to replace ticket "
                    f"{ticket_id}'s schedule; pass each ticket's own entries"
                )
            if entry.clock_key in seen:
                raise ValueError(
                    f"ticket {ticket_id} has two entries for {entry.metric.value} "
                    f"threshold {entry.threshold!r}; each threshold may appear once"
                )
            seen.add(entry.clock_key)
            if entry.deadline is not None:
                known = deadlines.setdefault(entry.metric, entry.deadline)
                if known != entry.deadline:
                    raise ValueError(
                        f"ticket {ticket_id}'s {entry.metric.value} entries disagree on the "
                        f"deadline ({known.isoformat()} vs {entry.deadline.isoformat()}); "
                        "build all entries of one clock from the same Clock"
                    )
        prepared: list[ScheduleEntry] = []
        for entry in given:
            if entry.deadline is not None:
                prepared.append(entry)
                continue
            deadline = deadlines.get(entry.metric)
            if deadline is None:
                raise ValueError(
                    f"ticket {ticket_id}'s {entry.metric.value} warning "
                    f"{entry.threshold!r} has no deadline and no breach entry to take it "
                    "from; pass deadline=clock.due_at"
                )
            prepared.append(dataclasses.replace(entry, deadline=deadline))
        return prepared


# --------------------------------------------------------------------- clock jumps
@dataclass(frozen=True, slots=True)
class ClockJump:
    """Wall time moved ``offset`` more (or less) than real, monotonic time between two looks.

    Forward: the laptop slept (monotonic time stands still during suspend on Linux and macOS)
    or someone set the clock ahead. Backward: the clock was set back.
    """

    offset: timedelta
    wall_before: datetime
    wall_after: datetime

    @property
    def forward(self) -> bool:
        return self.offset > timedelta(0)

    def describe(self) -> str:
        amount = _human(abs(self.offset))
        if self.forward:
            return f"wall clock moved {amount} ahead of elapsed time (sleep, or clock set ahead)"
        return f"wall clock was set back by {amount}"


class JumpDetector:
    """Notices wall-clock jumps by comparing wall and monotonic advance between wake-ups."""

    def __init__(self, tolerance: timedelta = timedelta(seconds=2)) -> None:
        if not isinstance(tolerance, timedelta) or tolerance <= timedelta(0):
            raise ValueError(f"the jump tolerance must be a positive timedelta, got {tolerance!r}")
        self.tolerance = tolerance
        self._last: tuple[datetime, float] | None = None

    def reset(self, wall: datetime, monotonic: float) -> None:
        """Start comparing from this reading (e.g. when the monitor starts)."""
        self._last = (_aware_utc(wall, "wall"), float(monotonic))

    def observe(self, wall: datetime, monotonic: float) -> ClockJump | None:
        """Take a reading; return the jump since the previous reading, if any."""
        wall = _aware_utc(wall, "wall")
        last, self._last = self._last, (wall, float(monotonic))
        if last is None:
            return None
        last_wall, last_mono = last
        mono_advance = monotonic - last_mono
        if mono_advance < 0:
            raise ValueError(
                f"monotonic time went back by {-mono_advance:.6f} s; the injected clock's "
                "monotonic() must never decrease"
            )
        offset = (wall - last_wall) - timedelta(seconds=mono_advance)
        if abs(offset) <= self.tolerance:
            return None
        return ClockJump(offset=offset, wall_before=last_wall, wall_after=wall)


# --------------------------------------------------------------------- catch-up
_REASON_PHRASES: dict[CatchUpReason, str] = {
    "startup": "while the desk was closed",
    "resume": "while this laptop was asleep",
    "clock_back": "after the system clock was set back",
    "late": "while the desk was not watching",
}


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What came due meanwhile, reported once instead of as a storm of alerts."""

    reason: CatchUpReason
    entries: tuple[ScheduleEntry, ...]
    as_of: datetime
    jump: ClockJump | None = None

    @property
    def breaches(self) -> tuple[ScheduleEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "breach")

    @property
    def warnings(self) -> tuple[ScheduleEntry, ...]:
        return tuple(e for e in self.entries if e.kind == "warning")

    @property
    def breached_tickets(self) -> tuple[int, ...]:
        return tuple(sorted({e.ticket_id for e in self.breaches}))

    @property
    def warned_tickets(self) -> tuple[int, ...]:
        """Tickets that reached a warning but did not breach in this batch."""
        breached = set(self.breached_tickets)
        return tuple(sorted({e.ticket_id for e in self.warnings} - breached))

    def latest_per_clock(self) -> tuple[ScheduleEntry, ...]:
        """One entry per (ticket, metric): its breach, else its latest warning."""
        latest: dict[tuple[int, Metric], ScheduleEntry] = {}
        for entry in sorted(self.entries, key=ScheduleEntry.sort_key):
            key = (entry.ticket_id, entry.metric)
            if key not in latest or latest[key].kind != "breach":
                latest[key] = entry
        return tuple(sorted(latest.values(), key=ScheduleEntry.sort_key))

    def describe(self) -> str:
        """E.g. "7 tickets breached while this laptop was asleep; 3 more reached a warning"."""
        phrase = _REASON_PHRASES[self.reason]
        breached, warned = len(self.breached_tickets), len(self.warned_tickets)
        if breached and warned:
            return (
                f"{_count(breached)} breached {phrase}; {warned} more reached a warning threshold"
            )
        if breached:
            return f"{_count(breached)} breached {phrase}"
        if warned:
            return f"{_count(warned)} reached a warning threshold {phrase}"
        return f"nothing came due {phrase}"


@dataclass(frozen=True, slots=True)
class DueBatch:
    """How to report one :meth:`Schedule.pop_due` batch."""

    individual: tuple[ScheduleEntry, ...] = ()
    catch_up: CatchUp | None = None
    jump: ClockJump | None = field(default=None)


def group_due(
    due: Sequence[ScheduleEntry],
    now: datetime,
    *,
    jump: ClockJump | None = None,
    startup: bool = False,
    grace: timedelta = timedelta(seconds=30),
) -> DueBatch:
    """Split a batch into entries to report one by one and one catch-up summary.

    Entries more than ``grace`` overdue are "late". They are summarised when the batch
    follows startup or a clock jump, or when they concern two or more tickets (a platform
    whose monotonic clock counts suspended time shows no jump, but a backlog of overdue
    tickets gives the sleep away). Entries within ``grace`` are reported one by one, as is a
    single late ticket without a jump (e.g. a ticket imported already past a threshold).
    """
    now = _aware_utc(now, "now")
    late = [e for e in due if now - e.at > grace]
    on_time = [e for e in due if now - e.at <= grace]
    reason: CatchUpReason | None = None
    if startup:
        reason = "startup"
    elif jump is not None:
        reason = "resume" if jump.forward else "clock_back"
    elif len({e.ticket_id for e in late}) >= 2:
        reason = "late"
    if reason is None or not late:
        return DueBatch(individual=tuple(due), jump=jump)
    summary = CatchUp(reason=reason, entries=tuple(late), as_of=now, jump=jump)
    return DueBatch(individual=tuple(on_time), catch_up=summary, jump=jump)


# --------------------------------------------------------------------- clocks adapter
class WarningLike(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def at(self) -> datetime: ...


class ClockLike(Protocol):
    """The attributes of ``desktop_app.sla.clocks.Clock`` the schedule reads."""

    @property
    def metric(self) -> Metric: ...

    @property
    def due_at(self) -> datetime | None: ...

    @property
    def running(self) -> bool: ...

    @property
    def warnings(self) -> Sequence[WarningLike]: ...


def entries_for(
    ticket_id: int, clocks: Mapping[Metric, ClockLike] | Iterable[ClockLike]
) -> list[ScheduleEntry]:
    """A ticket's schedule entries from its SLA clocks: each warning, then the breach.

    Clocks that are not running or have no deadline (paused, met, inactive) add nothing.
    """
    items = clocks.values() if isinstance(clocks, Mapping) else clocks
    entries: list[ScheduleEntry] = []
    for clock in items:
        due_at = clock.due_at
        if not clock.running or due_at is None:
            continue
        for warning in clock.warnings:
            entries.append(
                ScheduleEntry(
                    at=warning.at,
                    ticket_id=ticket_id,
                    metric=clock.metric,
                    kind="warning",
                    threshold=warning.label,
                    deadline=due_at,
                )
            )
        entries.append(
            ScheduleEntry(
                at=due_at,
                ticket_id=ticket_id,
                metric=clock.metric,
                kind="breach",
                threshold=BREACH,
            )
        )
    return entries


def _count(tickets: int) -> str:
    return f"{tickets} ticket" if tickets == 1 else f"{tickets} tickets"


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{delta.total_seconds():.1f} s"
