"""The open tickets a setup change moves, and their clocks recomputed.

A change to a policy, a calendar or its holidays, a contract, a customer's tier or a site's
zone or calendar can move any open ticket's deadlines. :func:`assess` compares the desk as
it was (a :class:`ClockWorld` read before the change) with the desk as the change leaves it
(read again in the same transaction, after the change was flushed):

1. every open ticket's policy inputs are worked out in both worlds, and the terms they
   select are compared by value (policy, targets, warnings, calendar hours and holidays,
   zone), once per distinct combination; only tickets whose terms differ, and tickets whose
   priority or category changed during their life (a met clock is judged by the terms of
   its time), are candidates;
2. the candidates' timelines are read in a few queries and their clocks computed as of now
   with the new terms;
3. a candidate whose clocks really changed (a deadline, a target, a verdict) is kept: its
   move, and whether it becomes at risk or breached, go into the
   :class:`~desktop_app.domain.impact.Impact`, and :func:`write_recomputed` stores its
   clocks (the handler does, unless it is only rehearsing the change for a preview).

Closed tickets are never read: their verdicts stay as they were.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from desktop_app.domain import (
    ClockState,
    EventKind,
    Metric,
    Priority,
    SlaPolicy,
    TicketEvent,
    TicketStatus,
    Tier,
    ValidationError,
    WarningRule,
)
from desktop_app.domain.impact import Impact, TicketMove
from desktop_app.domain.queue import StoredClock
from desktop_app.sla.clocks import ClockTerms, warning_points
from desktop_app.store.catalog import load_clock_engine
from desktop_app.store.clocking import ClockEngine, ClockInputs, ContractPolicies, pack_clocks
from desktop_app.store.queue_read import decode_clocks, utc_text
from desktop_app.store.recompute import _clock_upsert
from desktop_app.store.schema import CustomerRow, SiteRow, TicketEventRow, TicketRow

__all__ = ["Assessment", "ClockWorld", "Recomputed", "assess", "write_recomputed"]

_OPEN = tuple(s.value for s in TicketStatus if s.is_open)
_PRIORITIES = {p.value: p for p in Priority}
_CHANGES_TERMS = (EventKind.PRIORITY_CHANGED.value, EventKind.CATEGORY_CHANGED.value)
_CHUNK = 5000  # ids per IN list (written as literals: no bound-parameter limit)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What an open ticket's policy inputs and the preview need, from its row."""

    id: int
    number: str
    subject: str
    customer_id: int
    site_id: int | None
    priority: str
    category: str
    created_at: datetime
    packed: str | None


class ClockWorld:
    """Everything besides the ticket itself that its clocks depend on: the policies and
    calendars, each customer's tier, the sites' zones and calendars, the contracts."""

    __slots__ = (
        "_keys",
        "_signatures",
        "contracts",
        "engine",
        "first_sites",
        "names",
        "sites",
        "tiers",
    )

    def __init__(
        self,
        engine: ClockEngine | None,
        *,
        tiers: dict[int, Tier],
        names: dict[int, str],
        sites: dict[int, tuple[str, str]],
        first_sites: dict[int, tuple[str, str]],
        contracts: ContractPolicies,
    ) -> None:
        self.engine = engine
        self.tiers = tiers
        self.names = names
        self.sites = sites
        self.first_sites = first_sites
        self.contracts = contracts
        self._signatures: dict[ClockInputs, tuple[Any, ...]] = {}
        self._keys: dict[tuple[str, str], tuple[Any, ...]] = {}

    @classmethod
    def load(cls, session: Session, *, strict: bool = True) -> ClockWorld:
        """The world as the session sees it (with the transaction's own changes).
        ``strict``: an invalid policy set raises (the change would leave it so); else it
        counts as no terms at all (the desk as it was, whatever it was)."""
        try:
            engine: ClockEngine | None = load_clock_engine(session)
        except ValidationError:
            if strict:
                raise
            engine = None
        tiers: dict[int, Tier] = {}
        names: dict[int, str] = {}
        for cid, name, tier in session.execute(
            select(CustomerRow.id, CustomerRow.name, CustomerRow.tier)
        ):
            tiers[cid] = Tier(tier)
            names[cid] = name
        sites: dict[int, tuple[str, str]] = {}
        first_sites: dict[int, tuple[str, str]] = {}
        for sid, cid, zone, calendar in session.execute(
            select(SiteRow.id, SiteRow.customer_id, SiteRow.timezone, SiteRow.calendar).order_by(
                SiteRow.id
            )
        ):
            sites[sid] = (zone, calendar)
            first_sites.setdefault(cid, (zone, calendar))
        return cls(
            engine,
            tiers=tiers,
            names=names,
            sites=sites,
            first_sites=first_sites,
            contracts=ContractPolicies.load(session),
        )

    def inputs(self, facts: _Facts) -> ClockInputs | None:
        """The ticket's policy inputs (as :func:`~desktop_app.store.recompute.clock_inputs`
        reads them); None for a ticket whose customer is gone."""
        tier = self.tiers.get(facts.customer_id)
        if tier is None:
            return None
        site = self.sites.get(facts.site_id) if facts.site_id is not None else None
        if site is None:
            zone, calendar = self.first_sites.get(facts.customer_id, ("UTC", None))
        else:
            zone, calendar = site
        return ClockInputs(
            _PRIORITIES[facts.priority],
            facts.category,
            tier,
            self.contracts.policy(facts.customer_id, facts.created_at, zone),
            zone,
            calendar,
        )

    def terms(self, inputs: ClockInputs | None) -> ClockTerms | None:
        if inputs is None or self.engine is None:
            return None
        return self.engine.terms_or_none(inputs)

    def signature(self, inputs: ClockInputs | None) -> tuple[Any, ...]:
        """The terms ``inputs`` select, by value: equal signatures mean equal clocks."""
        if inputs is None or self.engine is None:
            return ("none",)
        found = self._signatures.get(inputs)
        if found is not None:
            return found
        engine = self.engine
        try:
            applied = engine.book.apply(
                inputs.priority,
                inputs.category,
                inputs.tier,
                inputs.contract_policy,
                inputs.site_zone,
                inputs.site_calendar,
            )
        except ValidationError as exc:
            found = ("unresolvable", str(exc))
        else:
            found = (
                self._policy_key(applied.policy),
                self._calendar_key(applied.calendar_name),
                applied.zone,
            )
        self._signatures[inputs] = found
        return found

    def _policy_key(self, policy: SlaPolicy) -> tuple[Any, ...]:
        found = self._keys.get(("policy", policy.name))
        if found is None:
            targets = sorted(
                (p.value, m.value, t.total_seconds()) for (p, m), t in policy.targets.items()
            )
            found = (policy.name, tuple(targets), policy.warnings)
            self._keys[("policy", policy.name)] = found
        return found

    def _calendar_key(self, name: str) -> tuple[Any, ...]:
        found = self._keys.get(("calendar", name))
        if found is None:
            assert self.engine is not None
            spec = next((c for c in self.engine.calendars if c.name == name), None)
            found = (
                (name,)
                if spec is None
                else (
                    name,
                    tuple(
                        (day, tuple(tuple(span) for span in spans))
                        for day, spans in sorted(spec.hours.items())
                    ),
                    tuple(sorted(spec.holidays)),
                    spec.holiday_region,
                )
            )
            self._keys[("calendar", name)] = found
        return found


@dataclass(frozen=True, slots=True)
class Recomputed:
    """A ticket's clocks as the change leaves them, ready to store."""

    ticket_id: int
    customer_id: int
    rows: list[dict[str, Any]]
    next_due_at: datetime | None


@dataclass(frozen=True, slots=True)
class Assessment:
    impact: Impact
    recomputed: tuple[Recomputed, ...]


def _driver_rows(session: Session, query: Any) -> list[Any]:
    """The rows of ``query`` as the driver gives them (literal values only): no per-value
    type processing, which costs more than the rest of the read on a large desk."""
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    result = connection.exec_driver_sql(sql)
    try:
        return list(result.cursor.fetchall())  # the driver's plain tuples
    finally:
        result.close()


def _instant_reader(session: Session) -> Callable[[Any], datetime]:
    """SQLite hands back the stored fixed-width UTC text, PostgreSQL aware datetimes."""
    if session.get_bind().dialect.name == "sqlite":
        return datetime.fromisoformat
    return _aware


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"Cannot read an instant from {value!r}")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _open_tickets(session: Session) -> list[_Facts]:
    t = TicketRow.__table__.c
    query = select(
        t.id,
        t.number,
        t.subject,
        t.customer_id,
        t.site_id,
        t.priority,
        t.category,
        t.created_at,
        t.queue_clocks,
    ).where(t.status.in_(_OPEN))
    instant = _instant_reader(session)
    return [
        _Facts(tid, number, subject, cid, sid, priority, category, instant(created), packed)
        for tid, number, subject, cid, sid, priority, category, created, packed in _driver_rows(
            session, query
        )
    ]


def _with_history(session: Session) -> set[int]:
    """Open tickets whose priority or category changed during their life."""
    e = TicketEventRow.__table__.c
    t = TicketRow.__table__.c
    query = (
        select(e.ticket_id)
        .join(TicketRow.__table__, t.id == e.ticket_id)
        .where(t.status.in_(_OPEN), e.kind.in_(_CHANGES_TERMS))
        .distinct()
    )
    return set(session.scalars(query))


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


_KINDS = {k.value: k for k in EventKind}
_METRICS = {m.value: m for m in Metric}


def _timelines(session: Session, ids: Sequence[int]) -> dict[int, list[TicketEvent]]:
    """The timelines of ``ids``, oldest event first (ties in the order written)."""
    c = TicketEventRow.__table__.c
    columns = (
        c.ticket_id,
        c.kind,
        c.at,
        c.author,
        c.text,
        c.priority,
        c.category,
        c.assignee_id,
        c.level,
        c.metric,
        c.id,
    )
    instant = _instant_reader(session)
    kinds, priorities, metrics = _KINDS, _PRIORITIES, _METRICS
    found: dict[int, list[TicketEvent]] = defaultdict(list)
    for chunk in _chunks(sorted(ids)):
        query = select(*columns).where(c.ticket_id.in_(chunk)).order_by(c.ticket_id, c.at, c.id)
        for (
            tid,
            kind,
            at,
            author,
            words,
            priority,
            category,
            assignee,
            level,
            metric,
            eid,
        ) in _driver_rows(session, query):
            found[tid].append(
                TicketEvent(
                    kinds[kind],
                    instant(at),
                    author,
                    words,
                    priorities[priority] if priority is not None else None,
                    category,
                    assignee,
                    level,
                    metrics[metric] if metric is not None else None,
                    eid,
                )
            )
    return found


_STATES = {s.value: s for s in ClockState}


def _stored(row: dict[str, Any]) -> StoredClock:
    return StoredClock(
        _METRICS[row["metric"]],
        _STATES[row["state"]],
        timedelta(seconds=row["target_seconds"]),
        row["started_at"],
        row["due_at"],
        timedelta(seconds=row["elapsed_seconds"]),
        row["breached_at"],
        row["met_at"],
        row["as_of"],
        bool(row["paused"]),
    )


def _key(clock: StoredClock) -> tuple[Any, ...]:
    """What a clock promises, whatever instant it was computed at."""
    return (clock.state, clock.target, clock.due_at, clock.breached_at, clock.met_at, clock.paused)


def _nearest(clocks: Iterable[StoredClock]) -> StoredClock | None:
    dues = [c for c in clocks if c.due_at is not None]
    return min(dues, key=lambda c: c.due_at) if dues else None  # type: ignore[arg-type,return-value]


@functools.cache
def _first_warning_lead(target: timedelta, rule: WarningRule) -> timedelta | None:
    """Business time before the deadline at which a clock first warns (the queue's rule)."""
    points = warning_points(target.total_seconds(), rule)
    return timedelta(seconds=target.total_seconds() - points[0][0]) if points else None


def _state(clocks: dict[Metric, StoredClock], terms: ClockTerms | None, now: datetime) -> str:
    """The ticket's state as the queue shows it at ``now``."""
    nearest = _nearest(clocks.values())
    if nearest is None or nearest.due_at is None:
        return "paused" if any(c.paused for c in clocks.values()) else "ok"
    if nearest.breached_at is not None or nearest.due_at <= now:
        return "breached"
    if terms is None:
        return "ok"
    lead = _first_warning_lead(nearest.target, terms.warnings)
    if lead is None:
        return "ok"
    warn_at = terms.calendar.add_business_time(nearest.due_at, -lead)
    return "at risk" if now >= warn_at else "ok"


def _moved(
    before: dict[Metric, StoredClock], after: dict[Metric, StoredClock]
) -> tuple[float | None, Metric | None]:
    """Seconds the deadline that moves most moves (signed), and whose it is; (None, None)
    when no deadline moved from one instant to another (a clock started or stopped)."""
    best: float | None = None
    which: Metric | None = None
    for metric, new in after.items():
        old = before.get(metric)
        if old is None or old.due_at is None or new.due_at is None:
            continue
        delta = (new.due_at - old.due_at).total_seconds()
        if delta and (best is None or abs(delta) > abs(best)):
            best, which = delta, metric
    return best, which


def assess(session: Session, before: ClockWorld, after: ClockWorld, now: datetime) -> Assessment:
    """The open tickets whose clocks change from ``before`` to ``after``, recomputed as of
    ``now`` (see the module docstring). Nothing is written."""
    tickets = _open_tickets(session)
    history = _with_history(session) if tickets else set()
    candidates: list[tuple[_Facts, ClockInputs | None, ClockInputs]] = []
    for facts in tickets:
        old_inputs = before.inputs(facts)
        new_inputs = after.inputs(facts)
        if new_inputs is None:
            continue
        if facts.id in history or before.signature(old_inputs) != after.signature(new_inputs):
            candidates.append((facts, old_inputs, new_inputs))
    if not candidates or after.engine is None:
        return Assessment(Impact(now, len(tickets)), ())
    timelines = _timelines(session, [facts.id for facts, _, _ in candidates])
    engine = after.engine
    now_text = utc_text(now)
    moves: list[TicketMove] = []
    recomputed: list[Recomputed] = []
    for facts, old_inputs, new_inputs in candidates:
        events = timelines.get(facts.id)
        if not events:
            continue
        try:
            computed = engine.compute(new_inputs, events, now)
        except ValidationError:
            continue  # no policy applies after the change: the queue shows it uncounted
        new_clocks = {clock.metric: clock for clock in map(_stored, computed.rows)}
        old_clocks = decode_clocks(facts.packed, now_text)[0] if facts.packed else {}
        if {m: _key(c) for m, c in old_clocks.items()} == {
            m: _key(c) for m, c in new_clocks.items()
        }:
            continue
        moved, metric = _moved(old_clocks, new_clocks)
        if metric is not None:  # the deadline that moves most, before and after
            old_due, new_due = old_clocks[metric].due_at, new_clocks[metric].due_at
        else:  # a clock started or stopped counting: the nearest deadlines
            old_near, new_near = _nearest(old_clocks.values()), _nearest(new_clocks.values())
            old_due = old_near.due_at if old_near is not None else None
            new_due = new_near.due_at if new_near is not None else None
        moves.append(
            TicketMove(
                ticket_id=facts.id,
                number=facts.number,
                subject=facts.subject,
                customer=after.names.get(facts.customer_id, ""),
                before=old_due,
                after=new_due,
                moved=moved,
                metric=metric.value if metric is not None else None,
                state_before=_state(old_clocks, before.terms(old_inputs), now),
                state_after=_state(new_clocks, computed.terms, now),
            )
        )
        recomputed.append(
            Recomputed(facts.id, facts.customer_id, computed.rows, computed.next_due_at)
        )
    moves.sort(key=lambda m: m.number)
    return Assessment(Impact(now, len(tickets), tuple(moves)), tuple(recomputed))


def write_recomputed(session: Session, recomputed: Sequence[Recomputed]) -> None:
    """Store the recomputed clocks: the clock rows and the queue's copy on each ticket, in
    two batched statements (ticket versions stay: nobody edited the tickets)."""
    if not recomputed:
        return
    backend = session.get_bind().dialect.name
    session.execute(
        _clock_upsert(backend),
        [{"ticket_id": r.ticket_id, **row} for r in recomputed for row in r.rows],
    )
    t: Table = TicketRow.__table__  # type: ignore[assignment]
    session.execute(
        update(t)
        .where(t.c.id == bindparam("tid"))
        .values(next_due_at=bindparam("due"), queue_clocks=bindparam("packed")),
        [
            {"tid": r.ticket_id, "due": r.next_due_at, "packed": pack_clocks(r.rows)}
            for r in recomputed
        ],
    )
