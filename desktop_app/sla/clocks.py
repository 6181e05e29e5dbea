"""SLA clocks derived from a ticket's timeline.

A ticket carries three clocks (:class:`~desktop_app.domain.Metric`): ``first_response``,
``next_update`` and ``resolution``. A clock is never stored as a running counter: it is
*derived* from the ticket's events and the :class:`ClockTerms` its policy resolves to, so
the answer is the same on every machine and after every restart.

Public API (the store, the monitor thread and the queue depend on these names):

``ClockTerms``
    What a policy resolves to for the ticket's *current* priority and category: the
    business calendar, a target per metric, the warning rule and a human explanation.
``Clock``
    One metric at one instant: state, target, due instant, elapsed and remaining business
    time, breach instant and duration, warning instants.
``compute_clocks(events, terms, now) -> dict[Metric, Clock]``

Rules (each is unit-tested):

* Events are sorted stably by ``at``; events after ``now`` are ignored, and so are events
  before the ticket's CREATED event (a later duplicate CREATED is ignored too).
* **first_response** starts at CREATED and is met by the first public reply or logged
  phone call (:attr:`EventKind.is_response`). Internal notes never count. It does not
  pause while the ticket waits on the customer: asking the customer for something is
  itself the first response, so a ticket cannot be parked in "waiting" without answering
  first, and the clock cannot be gamed by flipping the status. Resolving a ticket that
  was never answered also stops it (the resolution notice reaches the customer), so a
  duplicate closed silently does not breach for ever.
* **next_update** ("keep the client in the loop"): a cycle starts at a customer message
  when no cycle is running; a second message while one runs does not push the deadline
  out (the oldest unanswered message counts). The next public reply or phone call (or
  the resolution) meets it. It does not run while the ticket waits on the customer. With
  no cycle yet the clock is ``INACTIVE``. Customer messages on a resolved ticket start no
  cycle (a "thanks!" must not start a clock); a reopen does not start one by itself, the
  customer's message does. Every cycle is kept in ``Clock.cycles`` so reports can count
  breached cycles; the clock itself shows the latest cycle.
* **resolution** starts at CREATED, pauses while WAITING_ON_CUSTOMER until WAITING_OFF, a
  customer message, a reopen or the resolution ends the wait, and is met at RESOLVED. A
  REOPENED resumes it with the time already spent still counting.
* Pausing keeps the elapsed business time and resuming continues from it. Elapsed time is
  the sum of the calendar's business time over the running segments.
* Terms apply from the original start: a priority, category or policy change is handled
  by the caller passing the :class:`ClockTerms` for the *current* values; paused time stays
  excluded. If the new deadline is already past, the clock is breached at its real breach
  instant: the instant, inside an earlier running segment, where elapsed business time
  reached the target. Finished clocks and earlier next-update cycles are judged by the
  same (current) terms.
* A clock breaches when it is still running after its deadline: a reply exactly at
  ``due_at`` is on time. Breached is sticky: a breached clock stays ``BREACHED`` after it
  is met (``met_at`` is set, ``running`` is False) or while it is paused (``paused`` is
  True). ``breach_duration`` is the business-time overrun (elapsed minus target, so time
  spent waiting on the customer after the breach is not held against the desk) and
  ``breach_wall_duration`` the wall time from ``breached_at`` to ``met_at`` (or ``now``).
* ``running`` is True while the clock counts (RUNNING, or BREACHED and not yet met or
  paused). ``due_at`` is the absolute deadline of a counting clock, also when it is
  already breached (it then lies in the past, equal to ``breached_at``). Paused, met and
  inactive clocks have no ``due_at``; a paused clock's remaining time is frozen.
* Warning instants, for a counting clock only (none while paused, met or inactive): for
  each percent ``p`` of the :class:`WarningRule` the instant when elapsed business time is
  ``p`` % of the target, and for the lead time ``L`` the instant when the remaining
  *business* time is ``L``. Being business time, "30 min before" a deadline at 08:15 is
  16:45 on the previous working day, not 07:45 when nobody is at the desk. A lead time as
  long as the target or longer gives no warning (it would fire at the start). Instants
  already past are listed too; the monitor decides what is due.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from types import MappingProxyType

from desktop_app.domain import (
    ClockState,
    EventKind,
    Metric,
    Priority,
    TicketEvent,
    ValidationError,
    WarningRule,
)
from desktop_app.sla.calendar import BusinessCalendar

__all__ = [
    "Clock",
    "ClockTerms",
    "CycleResult",
    "WarningInstant",
    "compute_clocks",
    "format_duration",
]

_METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)
_FIRST = itemgetter(0)


def format_duration(value: timedelta) -> str:
    """Say a target or lead time the way a helpdesk does: ``15 min``, ``4 h``, ``1 h 30 min``.

    Seconds are shown only when the value is under a minute or not whole minutes.
    """
    total = round(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts: list[str] = []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if seconds or not parts:
        parts.append(f"{seconds} s")
    return sign + " ".join(parts)


def warning_points(target_s: float, rule: WarningRule | None) -> list[tuple[float, str]]:
    """(business seconds elapsed, label) of each warning of a clock with this target, in
    the order they fire: ``"75%"`` of the target, ``"30 min before"`` the deadline. A
    percent outside 1–99, or a lead as long as the target, gives no warning. The one rule
    the clocks, the queue's at-risk state and the monitor all follow."""
    if rule is None or target_s <= 0:
        return []
    found = [(target_s * p / 100.0, f"{p}%") for p in rule.percents if 0 < p < 100]
    if rule.lead is not None and 0 < rule.lead.total_seconds() < target_s:
        found.append((target_s - rule.lead.total_seconds(), f"{format_duration(rule.lead)} before"))
    found.sort(key=_FIRST)  # stable: a percent and the lead at one instant keep order
    return found


@dataclass(frozen=True, slots=True)
class ClockTerms:
    """The terms a ticket's clocks run by, resolved from its policy for the *current*
    priority and category.

    ``targets`` must give a positive business-time target for each of the three metrics.
    ``explanation`` says which policy rule applied (e.g. ``"Outage 24x7 (category 'outage'
    overrides the contract policy 'Gold')"``) and ``calendar_label`` how the calendar runs
    (``"round the clock"``, ``"business hours (Office hours, America/Toronto)"``).
    """

    calendar: BusinessCalendar
    targets: Mapping[Metric, timedelta]
    warnings: WarningRule = field(default_factory=WarningRule)
    explanation: str = ""
    calendar_label: str = ""
    policy_name: str = ""
    _target_seconds: Mapping[Metric, float] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    # Per metric: (business seconds elapsed, label) of each warning, in elapsed order,
    # so a clock's warning instants come out in time order without sorting.
    _warning_points: Mapping[Metric, tuple[tuple[float, str], ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        seconds: dict[Metric, float] = {}
        for metric in _METRICS:
            target = self.targets.get(metric)
            if target is None:
                raise ValidationError(
                    f"SLA terms{self._whose()} give no {metric.label} target; "
                    "give a target for first_response, next_update and resolution.",
                    field=metric.value,
                )
            if target <= timedelta(0):
                raise ValidationError(
                    f"SLA terms{self._whose()} give a {metric.label} target of "
                    f"{format_duration(target)}; a target must be longer than zero.",
                    field=metric.value,
                )
            seconds[metric] = target.total_seconds()
        object.__setattr__(self, "_target_seconds", MappingProxyType(seconds))
        points = {
            metric: tuple(warning_points(target_s, self.warnings))
            for metric, target_s in seconds.items()
        }
        object.__setattr__(self, "_warning_points", MappingProxyType(points))

    def _whose(self) -> str:
        return f" of policy '{self.policy_name}'" if self.policy_name else ""

    def target(self, metric: Metric) -> timedelta:
        """The business-time target for ``metric``."""
        return self.targets[metric]

    def explain(self, metric: Metric | None = None) -> str:
        """Say in words which rule applied and what it promises.

        With a metric: ``"Outage 24x7 (…): response 15 min, round the clock"``; without,
        all three targets are listed.
        """
        metrics = _METRICS if metric is None else (metric,)
        promise = ", ".join(f"{m.label} {format_duration(self.targets[m])}" for m in metrics)
        if self.calendar_label:
            promise += f", {self.calendar_label}"
        head = self.explanation or self.policy_name
        return f"{head}: {promise}" if head else promise


@dataclass(frozen=True, slots=True)
class WarningInstant:
    """When a clock crosses one warning threshold: ``label`` is ``"75%"`` or
    ``"30 min before"``; ``at`` is aware UTC (possibly already past)."""

    label: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CycleResult:
    """One next-update cycle: from the oldest unanswered customer message to the reply."""

    started_at: datetime
    met_at: datetime | None
    elapsed: timedelta
    breached_at: datetime | None

    @property
    def breached(self) -> bool:
        return self.breached_at is not None


@dataclass(frozen=True, slots=True)
class Clock:
    """One SLA clock of one ticket, as of ``as_of``. Every instant is aware UTC.

    - ``state``: RUNNING, PAUSED, MET, BREACHED (sticky; ``running``, ``paused`` and
      ``met_at`` say what a breached clock is doing now) or INACTIVE (a next-update clock
      with nothing to answer, or a ticket not yet created at ``as_of``).
    - ``target``: business time allowed; ``elapsed``/``remaining``: business time at
      ``as_of`` (remaining is negative once breached, frozen while paused or met).
    - ``started_at``: creation, or the start of the latest next-update cycle.
    - ``due_at``/``due_ts``: the deadline while the clock counts, also once breached (then
      in the past, equal to ``breached_at``); None while paused, met or inactive.
    - ``breached_at``: the real instant the target was exceeded; ``breach_duration``
      (business overrun) and ``breach_wall_duration`` (wall time to ``met_at`` or
      ``as_of``) go with it.
    - ``warnings``: warning instants of a counting clock, in time order.
    - ``cycles``: next update only, every cycle so far (the latest last).
    - ``terms``: what the clock was computed with (``explain()`` uses it).

    For the queue's countdown use :meth:`remaining_at`, a fast path on epoch seconds.
    """

    metric: Metric
    state: ClockState
    target: timedelta
    started_at: datetime | None
    due_at: datetime | None
    elapsed: timedelta
    breached_at: datetime | None
    met_at: datetime | None
    as_of: datetime
    warnings: tuple[WarningInstant, ...] = ()
    running: bool = False
    paused: bool = False
    breach_duration: timedelta | None = None
    breach_wall_duration: timedelta | None = None
    cycles: tuple[CycleResult, ...] = ()
    terms: ClockTerms | None = field(default=None, repr=False, compare=False)
    due_ts: float | None = field(default=None, repr=False, compare=False)
    # Fast path of remaining_at: the start of the running segment (epoch seconds) and the
    # business seconds that were left at that instant.
    _segment_ts: float | None = field(default=None, repr=False, compare=False)
    _left_at_segment_s: float = field(default=0.0, repr=False, compare=False)

    @property
    def remaining(self) -> timedelta:
        """Business time left at ``as_of``: target minus elapsed (negative once breached)."""
        return self.target - self.elapsed

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    def remaining_at(self, now_ts: float) -> float:
        """Business seconds left at the epoch instant ``now_ts`` (negative once breached).

        A counting clock subtracts the business time since its running segment began
        (one calendar lookup) from what was left then; a paused, met or inactive clock
        returns its frozen remainder. Valid for any ``now_ts`` from the start of the
        current running segment until the next event changes the clock.
        """
        segment = self._segment_ts
        if segment is not None and self.terms is not None:
            return self._left_at_segment_s - self.terms.calendar.seconds_between(segment, now_ts)
        return (self.target - self.elapsed).total_seconds()

    def remaining_as_of(self, now: datetime) -> timedelta:
        """:meth:`remaining_at` for an aware datetime."""
        return timedelta(seconds=self.remaining_at(_timestamp(now, "now")))

    def explain(self) -> str:
        """Which policy rule set this clock's target, in words."""
        if self.terms is None:
            return f"{self.metric.label} {format_duration(self.target)}"
        return self.terms.explain(self.metric)


def _timestamp(value: datetime, what: str) -> float:
    if value.tzinfo is None:
        raise ValidationError(
            f"{what} is a naive datetime ({value.isoformat()}); pass an aware UTC datetime, "
            "e.g. datetime.now(UTC).",
            field=what,
        )
    return value.timestamp()


class _Track:
    """The running segments of one clock (or one next-update cycle), in epoch seconds."""

    __slots__ = ("closed", "met_key", "met_ts", "open_from", "started_ts")

    def __init__(self, ts: float) -> None:
        self.closed: list[tuple[float, float]] = []
        self.open_from: float | None = ts
        self.started_ts = ts
        self.met_ts: float | None = None
        # (priority, category) in force when the clock was met: a met clock keeps the
        # verdict of the terms it ran under, whatever the ticket becomes later
        self.met_key: TermsKey | None = None

    def pause(self, ts: float) -> None:
        if self.open_from is not None:
            self.closed.append((self.open_from, ts))
            self.open_from = None

    def resume(self, ts: float) -> None:
        if self.open_from is None and self.met_ts is None:
            self.open_from = ts

    def meet(self, ts: float, key: TermsKey | None = None) -> None:
        open_from = self.open_from
        if open_from is not None:  # pause, inline: met once per clock on every ticket
            self.closed.append((open_from, ts))
            self.open_from = None
        self.met_ts = ts
        self.met_key = key

    def reopen(self, ts: float) -> None:
        self.met_ts = None
        self.met_key = None
        self.open_from = ts


class _Timeline:
    """The clocks' segments after replaying a ticket's events up to ``now``."""

    __slots__ = ("cycles", "first_response", "key", "resolution")

    def __init__(self, created_ts: float, key: TermsKey | None) -> None:
        self.first_response = _Track(created_ts)
        self.resolution = _Track(created_ts)
        self.cycles: list[_Track] = []
        self.key = key  # (priority, category) in force at the end of the replay


_CREATED = EventKind.CREATED
_MESSAGE = EventKind.CUSTOMER_MESSAGE
_REPLY = EventKind.PUBLIC_REPLY
_CALL = EventKind.PHONE_CALL
_WAIT_ON = EventKind.WAITING_ON_CUSTOMER
_WAIT_OFF = EventKind.WAITING_OFF
_RESOLVED = EventKind.RESOLVED
_REOPENED = EventKind.REOPENED
_PRIORITY = EventKind.PRIORITY_CHANGED
_CATEGORY = EventKind.CATEGORY_CHANGED

# The events that start, pause, resume or meet a clock or change its terms; the replay
# skips every other kind.
_REPLAYED = frozenset(
    {
        _CREATED,
        _MESSAGE,
        _REPLY,
        _CALL,
        _WAIT_ON,
        _WAIT_OFF,
        _RESOLVED,
        _REOPENED,
        _PRIORITY,
        _CATEGORY,
    }
)

# (priority, category): what selects a ticket's terms besides its customer and site.
TermsKey = tuple[Priority, str]
# Resolves the terms for another priority and category of the same ticket.
TermsResolver = Callable[[Priority, str], "ClockTerms"]


def _replay(events: Iterable[TicketEvent], now_ts: float) -> _Timeline | None:
    """Replay the timeline; None when the ticket was not created by ``now``."""
    recorded = events if isinstance(events, (list, tuple)) else list(events)
    items: list[tuple[float, TicketEvent]] = []
    append = items.append
    in_order = True
    last = -_INF
    for event in recorded:
        at = event.at
        if at.tzinfo is None:
            raise ValidationError(
                f"Ticket event {event.kind.value} has a naive time ({at.isoformat()}); "
                "events must carry aware UTC datetimes.",
                field="at",
            )
        if event.kind not in _REPLAYED:  # notes, assignments…: no clock moves for them
            continue
        ts = at.timestamp()
        if ts < last:
            in_order = False
        last = ts
        append((ts, event))
    if not in_order:  # the store hands events in order; others are sorted here
        items.sort(key=_FIRST)  # stable: same-instant events keep their recorded order

    # Events before the ticket's creation are ignored.
    replay = iter(items)
    key: TermsKey | None = None
    for ts, event in replay:
        if ts > now_ts:
            _check_created(recorded)
            return None
        if event.kind is _CREATED:
            if event.priority is not None:
                key = (event.priority, event.category or "")
            timeline = _Timeline(ts, key)
            break
    else:
        _check_created(recorded)
        return None

    first = timeline.first_response
    resolution = timeline.resolution
    cycles = timeline.cycles
    current: _Track | None = None  # the next-update cycle waiting for a reply
    waiting = False
    resolved = False
    for ts, event in replay:
        if ts > now_ts:
            break
        kind = event.kind
        if kind is _PRIORITY and key is not None and event.priority is not None:
            key = (event.priority, key[1])
        elif kind is _CATEGORY and key is not None and event.category is not None:
            key = (key[0], event.category)
        elif kind is _MESSAGE:
            if resolved:
                continue
            if waiting:
                waiting = False
                resolution.resume(ts)
                if current is not None:
                    current.resume(ts)
            if current is None:
                current = _Track(ts)
                cycles.append(current)
        elif kind is _REPLY or kind is _CALL:
            if first.met_ts is None:
                first.meet(ts, key)
            if current is not None:
                current.meet(ts, key)
                current = None
        elif kind is _WAIT_ON:
            if not waiting and not resolved:
                waiting = True
                resolution.pause(ts)
                if current is not None:
                    current.pause(ts)
        elif kind is _WAIT_OFF:
            if waiting:
                waiting = False
                resolution.resume(ts)
                if current is not None:
                    current.resume(ts)
        elif kind is _RESOLVED:
            if not resolved:
                resolved = True
                waiting = False
                resolution.meet(ts, key)
                if first.met_ts is None:
                    first.meet(ts, key)
                if current is not None:
                    current.meet(ts, key)
                    current = None
        elif kind is _REOPENED:
            if resolved:
                resolved = False
                resolution.reopen(ts)
            elif waiting:
                waiting = False
                resolution.resume(ts)
                if current is not None:
                    current.resume(ts)
    timeline.key = key
    return timeline


def _check_created(events: Iterable[TicketEvent]) -> None:
    """No clock runs before creation; a timeline with no CREATED event at all is refused."""
    if not any(event.kind is _CREATED for event in events):
        raise ValidationError(
            "The ticket's timeline has no CREATED event, so its SLA clocks have no start; "
            "record a CREATED event at the ticket's creation time.",
            field="events",
        )


# One clock or cycle evaluated against its target, in epoch seconds: elapsed business
# seconds at ``now``, breach instant, deadline, business seconds left when the running
# segment began, and the business length of each closed segment.
_Outcome = tuple[float, float | None, float | None, float, list[float]]


def _outcome(track: _Track, target_s: float, now_ts: float, cal: BusinessCalendar) -> _Outcome:
    add_seconds = cal.add_seconds
    between = cal.seconds_between
    elapsed_s = 0.0
    breach_ts: float | None = None
    lengths: list[float] = []
    for start, end in track.closed:
        length = between(start, end)
        # Only a segment that reaches the target can hold the breach; the deadline is
        # the earliest instant with the target counted, and the clock was still running
        # after it if it lies before the segment's end (e.g. a reply after closing).
        if breach_ts is None and elapsed_s + length >= target_s:
            left = target_s - elapsed_s
            instant = add_seconds(start, left if left > 0.0 else 0.0)
            if instant < end:
                breach_ts = instant
        lengths.append(length)
        elapsed_s += length
    left_at_segment_s = target_s - elapsed_s
    due_ts: float | None = None
    open_from = track.open_from
    if open_from is not None:
        if breach_ts is None:
            due_ts = add_seconds(open_from, left_at_segment_s if left_at_segment_s > 0.0 else 0.0)
            if due_ts < now_ts:
                breach_ts = due_ts
        else:
            due_ts = breach_ts
        elapsed_s += between(open_from, now_ts)
    return elapsed_s, breach_ts, due_ts, left_at_segment_s, lengths


# Building the frozen dataclasses through their generated __init__ costs one
# object.__setattr__ per field (19 for a Clock), more than the clock arithmetic. The
# builders below create the same objects by setting each slot through its member
# descriptor. They skip nothing: none of these classes has a __post_init__ (a test keeps
# it so), and every field is set, so equality, hashing and repr are those of the class.
_new = object.__new__


def _slot_setters(cls: type) -> dict[str, Callable[[object, object], None]]:
    if hasattr(cls, "__post_init__"):  # pragma: no cover - guarded by a unit test too
        raise TypeError(f"{cls.__name__} validates in __post_init__; build it with its __init__")
    return {f.name: cls.__dict__[f.name].__set__ for f in fields(cls)}


def _take(
    setters: dict[str, Callable[[object, object], None]], *names: str
) -> tuple[Callable[[object, object], None], ...]:
    """The setters of ``names``, checking that they are all of the class's fields."""
    if set(names) != set(setters):
        raise TypeError(f"the fast builder sets {sorted(names)}, the class has {sorted(setters)}")
    return tuple(setters[name] for name in names)


(
    _c_metric,
    _c_state,
    _c_target,
    _c_started_at,
    _c_due_at,
    _c_elapsed,
    _c_breached_at,
    _c_met_at,
    _c_as_of,
    _c_warnings,
    _c_running,
    _c_paused,
    _c_breach_duration,
    _c_breach_wall_duration,
    _c_cycles,
    _c_terms,
    _c_due_ts,
    _c_segment_ts,
    _c_left_at_segment_s,
) = _take(
    _slot_setters(Clock),
    "metric",
    "state",
    "target",
    "started_at",
    "due_at",
    "elapsed",
    "breached_at",
    "met_at",
    "as_of",
    "warnings",
    "running",
    "paused",
    "breach_duration",
    "breach_wall_duration",
    "cycles",
    "terms",
    "due_ts",
    "_segment_ts",
    "_left_at_segment_s",
)
_w_label, _w_at = _take(_slot_setters(WarningInstant), "label", "at")
_r_started_at, _r_met_at, _r_elapsed, _r_breached_at = _take(
    _slot_setters(CycleResult), "started_at", "met_at", "elapsed", "breached_at"
)


def _new_clock(  # noqa: PLR0917 - Clock's fields, in Clock's positional order
    metric: Metric,
    state: ClockState,
    target: timedelta,
    started_at: datetime | None,
    due_at: datetime | None,
    elapsed: timedelta,
    breached_at: datetime | None,
    met_at: datetime | None,
    as_of: datetime,
    warnings: tuple[WarningInstant, ...],
    running: bool,
    paused: bool,
    breach_duration: timedelta | None,
    breach_wall_duration: timedelta | None,
    cycles: tuple[CycleResult, ...],
    terms: ClockTerms | None,
    due_ts: float | None,
    segment_ts: float | None,
    left_at_segment_s: float,
) -> Clock:
    """``Clock(...)`` with the same positional arguments, built slot by slot."""
    clock: Clock = _new(Clock)
    _c_metric(clock, metric)
    _c_state(clock, state)
    _c_target(clock, target)
    _c_started_at(clock, started_at)
    _c_due_at(clock, due_at)
    _c_elapsed(clock, elapsed)
    _c_breached_at(clock, breached_at)
    _c_met_at(clock, met_at)
    _c_as_of(clock, as_of)
    _c_warnings(clock, warnings)
    _c_running(clock, running)
    _c_paused(clock, paused)
    _c_breach_duration(clock, breach_duration)
    _c_breach_wall_duration(clock, breach_wall_duration)
    _c_cycles(clock, cycles)
    _c_terms(clock, terms)
    _c_due_ts(clock, due_ts)
    _c_segment_ts(clock, segment_ts)
    _c_left_at_segment_s(clock, left_at_segment_s)
    return clock


def _new_warning(label: str, at: datetime) -> WarningInstant:
    """``WarningInstant(label, at)``, built slot by slot."""
    warning: WarningInstant = _new(WarningInstant)
    _w_label(warning, label)
    _w_at(warning, at)
    return warning


def _new_cycle(
    started_at: datetime, met_at: datetime | None, elapsed: timedelta, breached_at: datetime | None
) -> CycleResult:
    """``CycleResult(started_at, met_at, elapsed, breached_at)``, built slot by slot."""
    cycle: CycleResult = _new(CycleResult)
    _r_started_at(cycle, started_at)
    _r_met_at(cycle, met_at)
    _r_elapsed(cycle, elapsed)
    _r_breached_at(cycle, breached_at)
    return cycle


_fromtimestamp = datetime.fromtimestamp
_timedelta = timedelta  # timedelta(0, s) is timedelta(seconds=s) without keyword parsing
_RUNNING = ClockState.RUNNING
_BREACHED = ClockState.BREACHED
_MET = ClockState.MET
_PAUSED = ClockState.PAUSED


def _build(
    metric: Metric,
    track: _Track,
    terms: ClockTerms,
    outcome: _Outcome,
    *,
    now_ts: float,
    now: datetime,
    with_warnings: bool,
    started_at: datetime,
    latest: CycleResult | None = None,
    cycles: tuple[CycleResult, ...] = (),
) -> Clock:
    """The clock of ``track``. For the next update, ``latest`` is the latest cycle's
    result, computed from the same track and outcome: its instants are reused."""
    target_s = terms._target_seconds[metric]
    elapsed_s, breach_ts, due_ts, left_at_segment_s, lengths = outcome
    open_from = track.open_from
    met_ts = track.met_ts
    warnings: tuple[WarningInstant, ...] = ()
    if open_from is not None:
        state = _RUNNING if breach_ts is None else _BREACHED
        if with_warnings:
            warnings = _warnings(track, lengths, terms._warning_points[metric], terms.calendar)
    elif met_ts is not None:
        state = _MET if breach_ts is None else _BREACHED
    else:
        state = _PAUSED if breach_ts is None else _BREACHED

    if latest is not None:
        met_at = latest.met_at
        breached_at = latest.breached_at
        elapsed = latest.elapsed
    else:
        met_at = None if met_ts is None else _fromtimestamp(met_ts, UTC)
        breached_at = None if breach_ts is None else _fromtimestamp(breach_ts, UTC)
        elapsed = _timedelta(0, elapsed_s)
    if due_ts is None:
        due_at = None
    elif due_ts == breach_ts:  # a counting breached clock: its deadline is the breach
        due_at = breached_at
    else:
        due_at = _fromtimestamp(due_ts, UTC)
    breach_duration = breach_wall = None
    if breach_ts is not None:
        overrun = elapsed_s - target_s
        breach_duration = _timedelta(0, overrun if overrun > 0.0 else 0.0)
        wall = (met_ts if met_ts is not None else now_ts) - breach_ts
        breach_wall = _timedelta(0, wall if wall > 0.0 else 0.0)
    return _new_clock(
        metric,
        state,
        terms.targets[metric],
        started_at,
        due_at,
        elapsed,
        breached_at,
        met_at,
        now,
        warnings,
        open_from is not None,
        open_from is None and met_ts is None,
        breach_duration,
        breach_wall,
        cycles,
        terms,
        due_ts,
        open_from,
        left_at_segment_s,
    )


def _warnings(
    track: _Track,
    lengths: list[float],
    points: tuple[tuple[float, str], ...],
    calendar: BusinessCalendar,
) -> tuple[WarningInstant, ...]:
    """Warning instants of a counting clock, in time order: for each point, the instant at
    which the track had counted its business seconds, searching the closed segments (with
    their business ``lengths``) and then the open one; a point beyond a pause is unknown
    yet and left out. ``points`` are in elapsed order and elapsed business time only
    grows, so one walk over the segments finds them all."""
    add_seconds = calendar.add_seconds
    open_from = track.open_from
    closed = track.closed
    if open_from is not None and not closed:  # the common case: one running segment
        return tuple(
            [
                _new_warning(label, _fromtimestamp(add_seconds(open_from, elapsed_s), UTC))
                for elapsed_s, label in points
            ]
        )
    out: list[WarningInstant] = []
    count = len(closed)
    index = 0
    counted = 0.0  # business seconds of the closed segments before ``index``
    for elapsed_s, label in points:
        while index < count and counted + lengths[index] < elapsed_s:
            counted += lengths[index]
            index += 1
        left = elapsed_s - counted
        if index < count:
            start, end = closed[index]
            instant = add_seconds(start, left if left > 0.0 else 0.0)
            instant = min(instant, end)
        elif open_from is not None:
            instant = add_seconds(open_from, left if left > 0.0 else 0.0)
        else:
            continue
        out.append(_new_warning(label, _fromtimestamp(instant, UTC)))
    return tuple(out)


_ZERO = timedelta(0)


def _inactive(metric: Metric, terms: ClockTerms, now: datetime) -> Clock:
    return _new_clock(
        metric,
        ClockState.INACTIVE,
        terms.targets[metric],
        None,
        None,
        _ZERO,
        None,
        None,
        now,
        (),
        False,
        False,
        None,
        None,
        (),
        terms,
        None,
        None,
        0.0,
    )


def _judged(
    track: _Track, terms: ClockTerms, current: TermsKey | None, resolve: TermsResolver | None
) -> ClockTerms:
    """The terms a clock is judged by: the current ones while it runs; for a met clock,
    those in force when it was met (raising a ticket's priority after its response must
    not turn a response that was on time into a breach)."""
    key = track.met_key
    if resolve is None or key is None or key == current:
        return terms
    return resolve(*key)


def compute_clocks(
    events: Iterable[TicketEvent],
    terms: ClockTerms,
    now: datetime,
    *,
    with_warnings: bool = True,
    terms_for: TermsResolver | None = None,
) -> dict[Metric, Clock]:
    """The ticket's three clocks as of ``now`` (aware), from its events and current terms.

    A timeline without a CREATED event raises :class:`ValidationError`, as does a naive
    ``now`` or event time. A ticket created after ``now`` has all three clocks INACTIVE.
    ``with_warnings=False`` skips the warning instants (``Clock.warnings`` stays empty):
    loading a queue of 100k tickets needs deadlines, not warnings; the monitor asks for
    them per ticket.

    ``terms_for(priority, category)`` resolves the terms of another priority or category
    of the same ticket. With it, a clock that was *met* is judged by the terms in force
    when it was met; running clocks always use ``terms`` (the current ones), counted
    from the original start. Without it every clock uses ``terms``.
    """
    now_ts = _timestamp(now, "now")
    now = now.astimezone(UTC)
    timeline = _replay(events, now_ts)
    if timeline is None:
        return {metric: _inactive(metric, terms, now) for metric in _METRICS}

    current = timeline.key
    tracks = timeline.cycles
    if tracks:
        results: list[CycleResult] = []
        cycle_terms = terms
        target_s = terms._target_seconds[_NEXT_UPDATE]
        calendar = terms.calendar
        for track in tracks:
            if terms_for is not None:
                cycle_terms = _judged(track, terms, current, terms_for)
                target_s = cycle_terms._target_seconds[_NEXT_UPDATE]
                calendar = cycle_terms.calendar
            outcome = _outcome(track, target_s, now_ts, calendar)
            breach_ts = outcome[1]
            results.append(
                _new_cycle(
                    _fromtimestamp(track.started_ts, UTC),
                    None if track.met_ts is None else _fromtimestamp(track.met_ts, UTC),
                    _timedelta(0, outcome[0]),
                    None if breach_ts is None else _fromtimestamp(breach_ts, UTC),
                )
            )
        latest = results[-1]
        update = _build(
            _NEXT_UPDATE,
            track,
            cycle_terms,
            outcome,
            now_ts=now_ts,
            now=now,
            with_warnings=with_warnings,
            started_at=latest.started_at,
            latest=latest,
            cycles=tuple(results),
        )
    else:
        update = _inactive(_NEXT_UPDATE, terms, now)
    # both clocks start at creation
    created_at = _fromtimestamp(timeline.first_response.started_ts, UTC)
    first = timeline.first_response
    first_terms = _judged(first, terms, current, terms_for)
    resolution = timeline.resolution
    resolution_terms = _judged(resolution, terms, current, terms_for)
    return {
        _FIRST_RESPONSE: _build(
            _FIRST_RESPONSE,
            first,
            first_terms,
            _outcome(
                first,
                first_terms._target_seconds[_FIRST_RESPONSE],
                now_ts,
                first_terms.calendar,
            ),
            now_ts=now_ts,
            now=now,
            with_warnings=with_warnings,
            started_at=created_at,
        ),
        _NEXT_UPDATE: update,
        _RESOLUTION: _build(
            _RESOLUTION,
            resolution,
            resolution_terms,
            _outcome(
                resolution,
                resolution_terms._target_seconds[_RESOLUTION],
                now_ts,
                resolution_terms.calendar,
            ),
            now_ts=now_ts,
            now=now,
            with_warnings=with_warnings,
            started_at=created_at,
        ),
    }


_FIRST_RESPONSE = Metric.FIRST_RESPONSE
_NEXT_UPDATE = Metric.NEXT_UPDATE
_RESOLUTION = Metric.RESOLUTION
_INF = float("inf")
