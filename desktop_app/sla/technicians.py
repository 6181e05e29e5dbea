"""The arithmetic of the technicians' month: who held which ticket when, and what came of it.

A ticket's holder changes at each *assigned* event on its timeline; an assigned event
without a technician is an unassignment. Timelines imported from another system record
that a ticket was assigned but not to whom: a ticket none of whose assigned events names a
technician was held by its current assignee for its whole life.

Each technician's month runs in the technician's own time zone. What happened on a ticket
(a clock met or breached, an escalation) counts for whoever held it at that instant:

- *handled*: tickets the technician held while they were open at some time in the month;
- *open now*: open tickets assigned to the technician now;
- first-response and resolution *attainment*: clocks decided in the month (met in time,
  or breached) on tickets the technician held at that instant;
- *breaches*: every SLA metric breached in the month while the technician held the ticket;
- *time to first response*: the mean business time of the first responses given in the
  month (in time or late), from the clock rows' elapsed business time;
- *escalations* recorded in the month on the technician's tickets;
- the *open load*: open tickets held at the end of each day of the month (up to now).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from desktop_app.domain import Metric, Technician
from desktop_app.domain.queue import Attainment
from desktop_app.sla.reports import month_bounds, zone_or_utc

__all__ = [
    "TechnicianFacts",
    "TechnicianMonth",
    "TechnicianReport",
    "TicketSpan",
    "holders",
    "technician_months",
]

Holder = int | None


@dataclass(frozen=True, slots=True)
class TicketSpan:
    """A ticket's life as the technicians' report needs it (aware UTC instants)."""

    ticket_id: int
    created: datetime
    closed: datetime | None  # when it stopped being open; None while it is open
    assignee_id: Holder  # now
    assignments: tuple[tuple[datetime, Holder], ...] = ()  # assigned events, any order


def holders(span: TicketSpan) -> list[tuple[datetime, Holder]]:
    """From each instant on, who held the ticket (None: nobody), in time order."""
    if not any(technician is not None for _at, technician in span.assignments):
        return [(span.created, span.assignee_id)]
    points: list[tuple[datetime, Holder]] = [(span.created, None)]
    for at, technician in sorted(span.assignments, key=lambda item: item[0]):
        points.append((max(at, span.created), technician))
    return points


def _holder_at(points: list[tuple[datetime, Holder]], instant: datetime) -> Holder:
    index = bisect_right(points, instant, key=lambda item: item[0]) - 1
    return points[index][1] if index >= 0 else None


@dataclass(frozen=True, slots=True)
class TechnicianFacts:
    """What the store read for the technicians' month (a day wider on either side)."""

    at: datetime
    technicians: tuple[Technician, ...]
    tickets: Sequence[TicketSpan]  # every ticket open at some time in the period
    open_now: Mapping[int, int]  # technician -> open tickets assigned now
    met: Sequence[tuple[int, Metric, datetime]]  # (ticket, metric, met) clocks met in time
    breaches: Sequence[tuple[int, Metric, datetime]]  # (ticket, metric, at), each once
    responses: Sequence[tuple[int, datetime, float]]  # (ticket, answered, business seconds)
    escalations: Sequence[tuple[int, datetime]]  # (ticket, at)


@dataclass(frozen=True, slots=True)
class TechnicianMonth:
    """One technician's month."""

    technician: Technician
    zone: str
    start: datetime  # aware UTC [start, end)
    end: datetime
    handled: int
    open_now: int
    first_response: Attainment
    resolution: Attainment
    breaches: int
    responses: int  # first responses given in the month
    mean_response_seconds: float | None  # business time; None without a response
    escalations: int
    load: tuple[tuple[date, int], ...]  # open tickets held at the end of each day so far


@dataclass(frozen=True, slots=True)
class TechnicianReport:
    """Every technician's month, by name."""

    month: date  # its first day
    at: datetime
    rows: tuple[TechnicianMonth, ...]


@dataclass
class _Tally:
    handled: set[int]
    met: dict[Metric, int]
    breached: dict[Metric, int]
    response_seconds: list[float]
    escalations: int = 0


def technician_months(facts: TechnicianFacts, month: date) -> TechnicianReport:
    """Every technician's figures for ``month`` (see the module docstring). Technicians who
    left (inactive) appear only when they held a ticket in the month or still have one."""
    first = month.replace(day=1)
    at = facts.at
    bounds: dict[int, tuple[datetime, datetime]] = {}
    for person in facts.technicians:
        if person.id is not None:
            bounds[person.id] = month_bounds(first, zone_or_utc(person.timezone))

    def within(technician: Holder, instant: datetime) -> bool:
        if technician is None or technician not in bounds:
            return False
        start, end = bounds[technician]
        return start <= instant < end

    tallies: dict[int, _Tally] = defaultdict(
        lambda: _Tally(set(), dict.fromkeys(Metric, 0), dict.fromkeys(Metric, 0), [])
    )
    points: dict[int, list[tuple[datetime, Holder]]] = {}
    # open stretches of holding per technician, for the daily load
    held: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    for span in facts.tickets:
        changes = holders(span)
        points[span.ticket_id] = changes
        for index, (began, technician) in enumerate(changes):
            if technician is None or technician not in bounds:
                continue
            ended = changes[index + 1][0] if index + 1 < len(changes) else None
            if span.closed is not None:
                ended = span.closed if ended is None else min(ended, span.closed)
            if ended is not None and ended <= began:
                continue
            held[technician].append((began, ended))
            start, end = bounds[technician]
            if began < end and (ended is None or ended > start):
                tallies[technician].handled.add(span.ticket_id)

    def holder(ticket_id: int, instant: datetime) -> Holder:
        changes = points.get(ticket_id)
        return _holder_at(changes, instant) if changes is not None else None

    for ticket_id, metric, met_on in facts.met:
        technician = holder(ticket_id, met_on)
        if technician is not None and within(technician, met_on):
            tallies[technician].met[metric] += 1
    for ticket_id, metric, breached_on in facts.breaches:
        technician = holder(ticket_id, breached_on)
        if technician is not None and within(technician, breached_on):
            tallies[technician].breached[metric] += 1
    for ticket_id, answered, seconds in facts.responses:
        technician = holder(ticket_id, answered)
        if technician is not None and within(technician, answered):
            tallies[technician].response_seconds.append(seconds)
    for ticket_id, escalated in facts.escalations:
        technician = holder(ticket_id, escalated)
        if technician is not None and within(technician, escalated):
            tallies[technician].escalations += 1

    rows = []
    for person in sorted(facts.technicians, key=lambda t: t.name.lower()):
        tid = person.id
        if tid is None:
            continue
        tally = tallies.get(tid)
        open_now = facts.open_now.get(tid, 0)
        if not person.active and tally is None and not open_now:
            continue
        tally = tally or _Tally(set(), dict.fromkeys(Metric, 0), dict.fromkeys(Metric, 0), [])
        start, end = bounds[tid]
        gaps = tally.response_seconds
        rows.append(
            TechnicianMonth(
                technician=person,
                zone=str(zone_or_utc(person.timezone)),
                start=start,
                end=end,
                handled=len(tally.handled),
                open_now=open_now,
                first_response=Attainment(
                    Metric.FIRST_RESPONSE,
                    tally.met[Metric.FIRST_RESPONSE],
                    tally.breached[Metric.FIRST_RESPONSE],
                ),
                resolution=Attainment(
                    Metric.RESOLUTION,
                    tally.met[Metric.RESOLUTION],
                    tally.breached[Metric.RESOLUTION],
                ),
                breaches=sum(tally.breached.values()),
                responses=len(gaps),
                mean_response_seconds=sum(gaps) / len(gaps) if gaps else None,
                escalations=tally.escalations,
                load=daily_load(held.get(tid, ()), start, end, at, person.timezone),
            )
        )
    return TechnicianReport(first, at, tuple(rows))


def daily_load(
    stretches: Sequence[tuple[datetime, datetime | None]],
    start: datetime,
    end: datetime,
    now: datetime,
    zone_name: str,
) -> tuple[tuple[date, int], ...]:
    """How many of ``stretches`` ([from, to) with None: still running) cover the end of
    each day of [start, end) in the zone, for the days that have ended by ``now`` (and
    today, counted now)."""
    zone = zone_or_utc(zone_name)
    begins = sorted(s for s, _e in stretches)
    ends = sorted(e for _s, e in stretches if e is not None)
    day = start.astimezone(zone).date()
    load = []
    while True:
        local_midnight = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)
        instant = min(local_midnight.astimezone(start.tzinfo), end)
        if instant > now:
            if day <= now.astimezone(zone).date() and now >= start:
                instant = now
            else:
                break
        # open at the instant: began at or before it, and not ended by then
        count = bisect_right(begins, instant) - bisect_right(ends, instant)
        load.append((day, count))
        if instant >= end or instant == now:
            break
        day += timedelta(days=1)
    return tuple(load)
