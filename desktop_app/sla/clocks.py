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
from dataclasses import dataclass, field
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
        self.pause(ts)
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

# (priority, category): what selects a ticket's terms besides its customer and site.
TermsKey = tuple[Priority, str]
# Resolves the terms for another priority and category of the same ticket.
TermsResolver = Callable[[Priority, str], "ClockTerms"]


def _replay(events: Iterable[TicketEvent], now_ts: float) -> _Timeline | None:
    """Replay the timeline; None when the ticket was not created by ``now``."""
    items: list[tuple[float, EventKind, TicketEvent]] = []
    has_created = False
    for event in events:
        at = event.at
        if at.tzinfo is None:
            raise ValidationError(
                f"Ticket event {event.kind.value} has a naive time ({at.isoformat()}); "
                "events must carry aware UTC datetimes.",
                field="at",
            )
        if event.kind is _CREATED:
            has_created = True
        items.append((at.timestamp(), event.kind, event))
    if not has_created:
        raise ValidationError(
            "The ticket's timeline has no CREATED event, so its SLA clocks have no start; "
            "record a CREATED event at the ticket's creation time.",
            field="events",
        )
    items.sort(key=_FIRST)  # stable: same-instant events keep their recorded order

    timeline: _Timeline | None = None
    current: _Track | None = None  # the next-update cycle waiting for a reply
    waiting = False
    resolved = False
    key: TermsKey | None = None
    for ts, kind, event in items:
        if ts > now_ts:
            break
        if timeline is None:
            if kind is _CREATED:
                if event.priority is not None:
                    key = (event.priority, event.category or "")
                timeline = _Timeline(ts, key)
            continue
        if kind is _PRIORITY and key is not None and event.priority is not None:
            key = (event.priority, key[1])
        elif kind is _CATEGORY and key is not None and event.category is not None:
            key = (key[0], event.category)
        elif kind is _MESSAGE:
            if resolved:
                continue
            if waiting:
                waiting = False
                timeline.resolution.resume(ts)
                if current is not None:
                    current.resume(ts)
            if current is None:
                current = _Track(ts)
                timeline.cycles.append(current)
        elif kind is _REPLY or kind is _CALL:
            if timeline.first_response.met_ts is None:
                timeline.first_response.meet(ts, key)
            if current is not None:
                current.meet(ts, key)
                current = None
        elif kind is _WAIT_ON:
            if not waiting and not resolved:
                waiting = True
                timeline.resolution.pause(ts)
                if current is not None:
                    current.pause(ts)
        elif kind is _WAIT_OFF:
            if waiting:
                waiting = False
                timeline.resolution.resume(ts)
                if current is not None:
                    current.resume(ts)
        elif kind is _RESOLVED:
            if not resolved:
                resolved = True
                waiting = False
                timeline.resolution.meet(ts, key)
                if timeline.first_response.met_ts is None:
                    timeline.first_response.meet(ts, key)
                if current is not None:
                    current.meet(ts, key)
                    current = None
        elif kind is _REOPENED:
            if resolved:
                resolved = False
                timeline.resolution.reopen(ts)
            elif waiting:
                waiting = False
                timeline.resolution.resume(ts)
                if current is not None:
                    current.resume(ts)
    if timeline is not None:
        timeline.key = key
    return timeline


def _reach(
    track: _Track, lengths: list[float], elapsed_s: float, calendar: BusinessCalendar
) -> float | None:
    """The instant at which ``track`` had counted ``elapsed_s`` business seconds, searching
    the closed segments (with their business ``lengths``) and then the open one; None when
    the instant lies beyond a pause (unknown yet)."""
    counted = 0.0
    for (start, end), length in zip(track.closed, lengths, strict=True):
        if counted + length >= elapsed_s:
            instant = calendar.add_seconds(start, max(0.0, elapsed_s - counted))
            return min(instant, end)
        counted += length
    if track.open_from is not None:
        return calendar.add_seconds(track.open_from, max(0.0, elapsed_s - counted))
    return None


class _Outcome:
    """One clock or cycle evaluated against its target, in epoch seconds."""

    __slots__ = ("breach_ts", "due_ts", "elapsed_s", "left_at_segment_s", "lengths")

    def __init__(self, track: _Track, target_s: float, now_ts: float, cal: BusinessCalendar):
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
                instant = add_seconds(start, max(0.0, target_s - elapsed_s))
                if instant < end:
                    breach_ts = instant
            lengths.append(length)
            elapsed_s += length
        self.left_at_segment_s = target_s - elapsed_s
        due_ts: float | None = None
        open_from = track.open_from
        if open_from is not None:
            if breach_ts is None:
                due_ts = add_seconds(open_from, max(0.0, target_s - elapsed_s))
                if due_ts < now_ts:
                    breach_ts = due_ts
            else:
                due_ts = breach_ts
            elapsed_s += between(open_from, now_ts)
        self.elapsed_s = elapsed_s
        self.breach_ts = breach_ts
        self.due_ts = due_ts
        self.lengths = lengths


def _build(
    metric: Metric,
    track: _Track,
    terms: ClockTerms,
    now_ts: float,
    now: datetime,
    *,
    cycles: tuple[CycleResult, ...] = (),
    outcome: _Outcome | None = None,
    with_warnings: bool = True,
) -> Clock:
    target_s = terms._target_seconds[metric]
    if outcome is None:
        outcome = _Outcome(track, target_s, now_ts, terms.calendar)
    breach_ts = outcome.breach_ts
    due_ts = outcome.due_ts
    elapsed_s = outcome.elapsed_s
    open_from = track.open_from
    met_ts = track.met_ts
    warnings: tuple[WarningInstant, ...] = ()
    if open_from is not None:
        state = ClockState.RUNNING if breach_ts is None else ClockState.BREACHED
        if with_warnings:
            warnings = _warnings(
                track, outcome.lengths, terms._warning_points[metric], terms.calendar
            )
    elif met_ts is not None:
        state = ClockState.MET if breach_ts is None else ClockState.BREACHED
    else:
        state = ClockState.PAUSED if breach_ts is None else ClockState.BREACHED

    breached_at = breach_duration = breach_wall = None
    if breach_ts is not None:
        breached_at = _fromtimestamp(breach_ts, UTC)
        breach_duration = timedelta(seconds=max(0.0, elapsed_s - target_s))
        end_ts = met_ts if met_ts is not None else now_ts
        breach_wall = timedelta(seconds=max(0.0, end_ts - breach_ts))
    return Clock(
        metric,
        state,
        terms.targets[metric],
        _fromtimestamp(track.started_ts, UTC),
        None if due_ts is None else _fromtimestamp(due_ts, UTC),
        timedelta(seconds=elapsed_s),
        breached_at,
        None if met_ts is None else _fromtimestamp(met_ts, UTC),
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
        outcome.left_at_segment_s,
    )


_fromtimestamp = datetime.fromtimestamp


def _warnings(
    track: _Track,
    lengths: list[float],
    points: tuple[tuple[float, str], ...],
    calendar: BusinessCalendar,
) -> tuple[WarningInstant, ...]:
    """Warning instants of a counting clock, in time order (``points`` are in elapsed
    order, and elapsed business time only grows)."""
    open_from = track.open_from
    if open_from is not None and not track.closed:  # the common case: one running segment
        add_seconds = calendar.add_seconds
        return tuple(
            [
                WarningInstant(label, _fromtimestamp(add_seconds(open_from, elapsed_s), UTC))
                for elapsed_s, label in points
            ]
        )
    out: list[WarningInstant] = []
    for elapsed_s, label in points:
        instant = _reach(track, lengths, elapsed_s, calendar)
        if instant is not None:
            out.append(WarningInstant(label, _fromtimestamp(instant, UTC)))
    return tuple(out)


def _inactive(metric: Metric, terms: ClockTerms, now: datetime) -> Clock:
    return Clock(
        metric=metric,
        state=ClockState.INACTIVE,
        target=terms.targets[metric],
        started_at=None,
        due_at=None,
        elapsed=timedelta(0),
        breached_at=None,
        met_at=None,
        as_of=now,
        terms=terms,
    )


def _cycle_results(
    tracks: list[_Track], terms: ClockTerms, now_ts: float, judge: _Judge
) -> tuple[tuple[CycleResult, ...], _Outcome]:
    """Every next-update cycle's result, and the latest cycle's outcome (for its Clock)."""
    results: list[CycleResult] = []
    outcome: _Outcome | None = None
    for track in tracks:
        cycle_terms = judge(track, terms)
        outcome = _Outcome(
            track,
            cycle_terms._target_seconds[Metric.NEXT_UPDATE],
            now_ts,
            cycle_terms.calendar,
        )
        results.append(
            CycleResult(
                _fromtimestamp(track.started_ts, UTC),
                None if track.met_ts is None else _fromtimestamp(track.met_ts, UTC),
                timedelta(seconds=outcome.elapsed_s),
                None if outcome.breach_ts is None else _fromtimestamp(outcome.breach_ts, UTC),
            )
        )
    assert outcome is not None  # only called with at least one cycle
    return tuple(results), outcome


class _Judge:
    """Picks the terms a clock is judged by: the current ones while it runs; for a met
    clock, those in force when it was met (raising a ticket's priority after its
    response must not turn a response that was on time into a breach)."""

    __slots__ = ("current", "resolve")

    def __init__(self, current: TermsKey | None, resolve: TermsResolver | None) -> None:
        self.current = current
        self.resolve = resolve

    def __call__(self, track: _Track, terms: ClockTerms) -> ClockTerms:
        key = track.met_key
        if self.resolve is None or key is None or key == self.current:
            return terms
        return self.resolve(*key)


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

    judge = _Judge(timeline.key, terms_for)
    if timeline.cycles:
        cycles, latest = _cycle_results(timeline.cycles, terms, now_ts, judge)
        update = _build(
            Metric.NEXT_UPDATE,
            timeline.cycles[-1],
            judge(timeline.cycles[-1], terms),
            now_ts,
            now,
            cycles=cycles,
            outcome=latest,
            with_warnings=with_warnings,
        )
    else:
        update = _inactive(Metric.NEXT_UPDATE, terms, now)
    return {
        Metric.FIRST_RESPONSE: _build(
            Metric.FIRST_RESPONSE,
            timeline.first_response,
            judge(timeline.first_response, terms),
            now_ts,
            now,
            with_warnings=with_warnings,
        ),
        Metric.NEXT_UPDATE: update,
        Metric.RESOLUTION: _build(
            Metric.RESOLUTION,
            timeline.resolution,
            judge(timeline.resolution, terms),
            now_ts,
            now,
            with_warnings=with_warnings,
        ),
    }
