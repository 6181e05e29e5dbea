"""Policy selection: which SLA policy (targets, calendar, warnings) applies to a ticket.

:class:`PolicyBook` holds the desk's policies and calendars, validates them once, and
answers :meth:`PolicyBook.apply` for a ticket's priority, category, customer tier,
contract policy and site. Selection is deterministic, in this order:

1. a category override for the ticket's category *and* the customer's tier;
2. a category override for the category, any tier;
3. the contract's policy (by name);
4. the default policy of the customer's tier (a policy with ``tier`` set, no category);
5. the fallback policy named ``"Standard"``.

If none applies, :class:`~desktop_app.domain.ValidationError` (a ``ValueError``) is raised.
Categories match case-insensitively, ignoring surrounding spaces.

The calendar: a policy's ``calendar`` of ``None`` runs in the site's own calendar spec,
``"24x7"`` round the clock, anything else names a :class:`CalendarSpec`. The site always
gives the zone. Built :class:`BusinessCalendar` objects are cached per (calendar, zone):
100k tickets share a dozen of them, and so are the applied results.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from desktop_app.domain import (
    OFFICE_HOURS,
    CalendarSpec,
    Contract,
    EscalationLevel,
    Metric,
    Priority,
    SlaPolicy,
    Tier,
    ValidationError,
    WarningRule,
)
from desktop_app.domain.zones import zone_or_utc
from desktop_app.sla.calendar import BusinessCalendar
from desktop_app.sla.clocks import ClockTerms, format_duration

__all__ = [
    "ALWAYS_OPEN",
    "FALLBACK_POLICY",
    "AppliedPolicy",
    "PolicyBook",
    "SelectionRule",
    "contract_in_force",
    "contract_policy",
    "contract_rank",
    "opened_on",
    "recommended_calendars",
    "recommended_policies",
]

ALWAYS_OPEN = "24x7"
"""The calendar name meaning round the clock (no CalendarSpec needed)."""

FALLBACK_POLICY = "Standard"
"""The policy used when no override, contract or tier default applies."""

_METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)
_PRIORITIES = (Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW)


class SelectionRule(StrEnum):
    """Which step of the selection order chose the policy."""

    CATEGORY_AND_TIER = "category_and_tier"
    CATEGORY = "category"
    CONTRACT = "contract"
    TIER_DEFAULT = "tier_default"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class AppliedPolicy:
    """The outcome of :meth:`PolicyBook.apply`: the policy, why it was chosen, the
    calendar it runs in, and the :class:`ClockTerms` to hand to ``compute_clocks``."""

    policy: SlaPolicy
    rule: SelectionRule
    reason: str
    priority: Priority
    calendar_name: str
    zone: str
    terms: ClockTerms

    @property
    def escalation(self) -> tuple[EscalationLevel, ...]:
        return self.policy.escalation

    @property
    def warnings(self) -> WarningRule:
        return self.policy.warnings

    def explain(self, metric: Metric | None = None) -> str:
        """In words: which rule applied, and the targets for this priority.

        E.g. ``"Outage 24x7 (category 'outage' overrides the Gold contract): response
        15 min, round the clock"``.
        """
        return self.terms.explain(metric)


def _tier_name(tier: Tier) -> str:
    return tier.value.capitalize()


def _category_key(category: str | None) -> str | None:
    if category is None:
        return None
    key = category.strip().casefold()
    return key or None


def _entry(priority: Priority, metric: Metric) -> str:
    return f"{priority.label} {metric.label} ({metric.value})"


class PolicyBook:
    """The desk's SLA policies and calendars, validated on construction.

    Raises :class:`ValidationError` naming the policy and entry for: two policies with
    the same name; a missing target (every policy needs all 3 metrics × 4 priorities); a
    zero or negative target; a policy naming an unknown calendar; two category overrides
    for the same (category, tier); two defaults for the same tier; a warning percent
    outside 1–99 or a non-positive lead time; two calendars with the same name or one
    named ``"24x7"``.
    """

    def __init__(self, policies: Iterable[SlaPolicy], calendars: Iterable[CalendarSpec]) -> None:
        self._calendars: dict[str, CalendarSpec] = {}
        for spec in calendars:
            if spec.name == ALWAYS_OPEN:
                raise ValidationError(
                    f"Calendar name '{ALWAYS_OPEN}' is reserved for round-the-clock policies; "
                    "rename that calendar.",
                    field="calendar",
                )
            if spec.name in self._calendars:
                raise ValidationError(
                    f"Two calendars are named '{spec.name}'; give each calendar a unique name.",
                    field="calendar",
                )
            self._calendars[spec.name] = spec

        self._policies: dict[str, SlaPolicy] = {}
        self._by_category_tier: dict[tuple[str, Tier], SlaPolicy] = {}
        self._by_category: dict[str, SlaPolicy] = {}
        self._by_tier: dict[Tier, SlaPolicy] = {}
        for policy in policies:
            self._check(policy)
            self._index(policy)

        self._lock = threading.Lock()
        self._calendar_cache: dict[tuple[str, str], BusinessCalendar] = {}
        self._applied_cache: dict[
            tuple[Priority, str | None, Tier | None, str | None, str, str | None],
            AppliedPolicy,
        ] = {}

    # ------------------------------------------------------------------ validation

    def _check(self, policy: SlaPolicy) -> None:
        name = policy.name
        if not name or not name.strip():
            raise ValidationError("A policy has no name; give every policy a name.", "name")
        if name in self._policies:
            raise ValidationError(
                f"Two policies are named '{name}'; give each policy a unique name.", "name"
            )
        for priority in _PRIORITIES:
            for metric in _METRICS:
                target = policy.targets.get((priority, metric))
                if target is None:
                    raise ValidationError(
                        f"Policy '{name}' has no target for {_entry(priority, metric)}; give "
                        "every policy a target for each of the 3 metrics × 4 priorities.",
                        field=f"{priority.value}.{metric.value}",
                    )
                if not isinstance(target, timedelta):
                    raise ValidationError(
                        f"Policy '{name}' gives {_entry(priority, metric)} the target "
                        f"{target!r}; give a duration (timedelta), e.g. 4 hours.",
                        field=f"{priority.value}.{metric.value}",
                    )
                if target <= timedelta(0):
                    raise ValidationError(
                        f"Policy '{name}' gives {_entry(priority, metric)} a target of "
                        f"{format_duration(target)}; a target must be longer than zero.",
                        field=f"{priority.value}.{metric.value}",
                    )
        calendar = policy.calendar
        if calendar is not None and calendar != ALWAYS_OPEN and calendar not in self._calendars:
            known = ", ".join(f"'{n}'" for n in sorted(self._calendars)) or "none defined"
            raise ValidationError(
                f"Policy '{name}' names calendar '{calendar}', which does not exist (calendars: "
                f"{known}); name an existing calendar, '{ALWAYS_OPEN}' for round the clock, or "
                "none to use the site's calendar.",
                field="calendar",
            )
        for percent in policy.warnings.percents:
            if not 0 < percent < 100:
                raise ValidationError(
                    f"Policy '{name}' warns at {percent}% of the target; warning percents "
                    "must lie between 1 and 99 (the breach itself is reported anyway).",
                    field="warnings",
                )
        lead = policy.warnings.lead
        if lead is not None and lead <= timedelta(0):
            raise ValidationError(
                f"Policy '{name}' warns {format_duration(lead)} before a breach; the lead "
                "time must be longer than zero, or none for no lead-time warning.",
                field="warnings",
            )
        levels = [level.level for level in policy.escalation]
        if any(level < 1 for level in levels) or len(set(levels)) != len(levels):
            raise ValidationError(
                f"Policy '{name}' has escalation levels {levels}; number them 1, 2, 3 … "
                "without repeats.",
                field="escalation",
            )

    def _index(self, policy: SlaPolicy) -> None:
        self._policies[policy.name] = policy
        key = _category_key(policy.category)
        if key is not None:
            if policy.tier is not None:
                other = self._by_category_tier.get((key, policy.tier))
                if other is not None:
                    raise ValidationError(
                        f"Policies '{other.name}' and '{policy.name}' both override category "
                        f"'{policy.category}' for {_tier_name(policy.tier)} customers; keep "
                        "one of them or give them different tiers.",
                        field="category",
                    )
                self._by_category_tier[(key, policy.tier)] = policy
            else:
                other = self._by_category.get(key)
                if other is not None:
                    raise ValidationError(
                        f"Policies '{other.name}' and '{policy.name}' both override category "
                        f"'{policy.category}' for every tier; keep one of them or give each "
                        "a tier.",
                        field="category",
                    )
                self._by_category[key] = policy
        elif policy.tier is not None:
            other = self._by_tier.get(policy.tier)
            if other is not None:
                raise ValidationError(
                    f"Policies '{other.name}' and '{policy.name}' are both the default for "
                    f"{_tier_name(policy.tier)} customers; keep one of them as the default "
                    "and select the other through contracts (clear its tier).",
                    field="tier",
                )
            self._by_tier[policy.tier] = policy

    # --------------------------------------------------------------------- queries

    @property
    def policies(self) -> tuple[SlaPolicy, ...]:
        return tuple(self._policies.values())

    @property
    def calendars(self) -> tuple[CalendarSpec, ...]:
        return tuple(self._calendars.values())

    def policy(self, name: str) -> SlaPolicy:
        """The policy called ``name``; ValidationError if there is none."""
        try:
            return self._policies[name]
        except KeyError:
            raise ValidationError(
                f"There is no SLA policy named '{name}'; choose one of "
                f"{', '.join(repr(n) for n in sorted(self._policies)) or 'none defined'}.",
                field="policy",
            ) from None

    def calendar(self, name: str, zone: str) -> BusinessCalendar:
        """The business calendar ``name`` (a CalendarSpec name or ``"24x7"``) in ``zone``,
        built once per (name, zone) and shared."""
        key = (name, zone)
        cached = self._calendar_cache.get(key)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._calendar_cache.get(key)
            if cached is None:
                cached = self._build_calendar(name, zone)
                self._calendar_cache[key] = cached
            return cached

    def _build_calendar(self, name: str, zone: str) -> BusinessCalendar:
        if name == ALWAYS_OPEN:
            return BusinessCalendar.always_open(zone)
        spec = self._calendars.get(name)
        if spec is None:
            known = ", ".join(f"'{n}'" for n in sorted(self._calendars)) or "none defined"
            raise ValidationError(
                f"Calendar '{name}' does not exist (calendars: {known}); give the site an "
                "existing calendar.",
                field="calendar",
            )
        try:
            return BusinessCalendar(
                zone, spec.hours, spec.holidays, holiday_region=spec.holiday_region
            )
        except ValidationError:
            raise
        except ValueError as exc:
            raise ValidationError(
                f"Calendar '{name}' in zone '{zone}' cannot be built: {exc}", field="calendar"
            ) from exc

    def select(
        self,
        category: str | None,
        tier: Tier | None,
        contract_policy: str | None,
    ) -> tuple[SlaPolicy, SelectionRule, str]:
        """The policy for a ticket, which rule chose it, and why in words."""
        key = _category_key(category)
        if key is not None:
            override = None
            rule = SelectionRule.CATEGORY
            if tier is not None:
                override = self._by_category_tier.get((key, tier))
                rule = SelectionRule.CATEGORY_AND_TIER
            if override is None:
                override = self._by_category.get(key)
                rule = SelectionRule.CATEGORY
            if override is not None:
                whom = (
                    f" for {_tier_name(tier)} customers"
                    if rule is SelectionRule.CATEGORY_AND_TIER and tier is not None
                    else ""
                )
                underneath = self._without_category(tier, contract_policy)
                overridden = "no other policy" if underneath is None else underneath[2]
                return (
                    override,
                    rule,
                    f"category '{category}'{whom} overrides {overridden}",
                )
        chosen = self._without_category(tier, contract_policy)
        if chosen is None:
            raise ValidationError(
                f"No SLA policy applies to a ticket of category '{category}' for a "
                f"{'customer without tier' if tier is None else _tier_name(tier) + ' customer'} "
                f"without a contract policy, and there is no '{FALLBACK_POLICY}' policy; "
                f"add a '{FALLBACK_POLICY}' policy or a default policy for the tier.",
                field="policy",
            )
        policy, rule, _ = chosen
        return policy, rule, self._reason(rule, tier, category if key else None)

    def _without_category(
        self, tier: Tier | None, contract_policy: str | None
    ) -> tuple[SlaPolicy, SelectionRule, str] | None:
        """Steps 3–5, with a short name of what they chose (for "overrides …")."""
        if contract_policy:
            policy = self._policies.get(contract_policy)
            if policy is None:
                raise ValidationError(
                    f"The customer's contract names SLA policy '{contract_policy}', which does "
                    "not exist; correct the contract or add the policy (policies: "
                    f"{', '.join(repr(n) for n in sorted(self._policies)) or 'none'}).",
                    field="contract.policy",
                )
            return policy, SelectionRule.CONTRACT, f"the {policy.name} contract"
        if tier is not None:
            policy = self._by_tier.get(tier)
            if policy is not None:
                return (
                    policy,
                    SelectionRule.TIER_DEFAULT,
                    f"the {_tier_name(tier)} tier default '{policy.name}'",
                )
        policy = self._policies.get(FALLBACK_POLICY)
        if policy is not None:
            return policy, SelectionRule.FALLBACK, f"the '{FALLBACK_POLICY}' fallback"
        return None

    @staticmethod
    def _reason(rule: SelectionRule, tier: Tier | None, category: str | None) -> str:
        if rule is SelectionRule.CONTRACT:
            return "the customer's contract policy"
        no_override = f", no override for category '{category}'" if category else ""
        if rule is SelectionRule.TIER_DEFAULT and tier is not None:
            return f"default for {_tier_name(tier)} customers: no contract policy{no_override}"
        no_tier = "no tier" if tier is None else f"no {_tier_name(tier)} default"
        return f"fallback: no contract policy, {no_tier}{no_override}"

    def apply(  # noqa: PLR0917 - the store and monitor call it with the ticket's six facts
        self,
        priority: Priority,
        category: str | None,
        tier: Tier | None,
        contract_policy: str | None,
        site_zone: str,
        site_calendar: str | None,
    ) -> AppliedPolicy:
        """The policy, calendar and clock terms for a ticket (cached; deterministic).

        ``site_zone`` is the IANA zone of the ticket's site; ``site_calendar`` the name of
        its CalendarSpec, used when the policy runs in the site's calendar.
        """
        key = (priority, _category_key(category), tier, contract_policy, site_zone, site_calendar)
        cached = self._applied_cache.get(key)
        if cached is not None:
            return cached
        policy, rule, reason = self.select(category, tier, contract_policy)
        calendar_name = policy.calendar
        if calendar_name is None:
            if not site_calendar:
                raise ValidationError(
                    f"Policy '{policy.name}' runs in the site's calendar, but the ticket's site "
                    "names no calendar; give the site a calendar.",
                    field="site.calendar",
                )
            calendar_name = site_calendar
        calendar = self.calendar(calendar_name, site_zone)
        if calendar_name == ALWAYS_OPEN:
            calendar_label = "round the clock"
        else:
            calendar_label = f"business hours ({calendar_name}, {site_zone})"
        terms = ClockTerms(
            calendar=calendar,
            targets={metric: policy.targets[(priority, metric)] for metric in _METRICS},
            warnings=policy.warnings,
            explanation=f"{policy.name} ({reason})",
            calendar_label=calendar_label,
            policy_name=policy.name,
        )
        applied = AppliedPolicy(
            policy=policy,
            rule=rule,
            reason=reason,
            priority=priority,
            calendar_name=calendar_name,
            zone=site_zone,
            terms=terms,
        )
        self._applied_cache[key] = applied
        return applied


# ----------------------------------------------------------------- recommended set


def _targets(
    response: tuple[int, int, int, int],
    update: tuple[int, int, int, int],
    resolution: tuple[int, int, int, int],
) -> dict[tuple[Priority, Metric], timedelta]:
    """Targets in minutes, ordered critical, high, normal, low."""
    out: dict[tuple[Priority, Metric], timedelta] = {}
    for metric, minutes in (
        (Metric.FIRST_RESPONSE, response),
        (Metric.NEXT_UPDATE, update),
        (Metric.RESOLUTION, resolution),
    ):
        for priority, value in zip(_PRIORITIES, minutes, strict=True):
            out[(priority, metric)] = timedelta(minutes=value)
    return out


_H = 60  # minutes per hour, so the tables below read in hours


def recommended_calendars() -> list[CalendarSpec]:
    """The calendar the recommended policies assume: Monday–Friday 08:00–17:00."""
    return [CalendarSpec(name="Office hours", hours=dict(OFFICE_HOURS))]


def recommended_policies() -> list[SlaPolicy]:
    """A believable starting policy set for an IT-support shop.

    Tier defaults Platinum, Gold, Silver and Bronze run in the site's business calendar;
    ``Standard`` is the fallback for customers without a contract; ``Outage 24x7``
    overrides every tier for category ``outage`` and runs round the clock (critical:
    15 min response, 4 h resolution). Targets are business time.
    """
    two_levels = (EscalationLevel(1), EscalationLevel(2))
    return [
        SlaPolicy(
            name="Platinum",
            tier=Tier.PLATINUM,
            targets=_targets(
                response=(15, 30, 1 * _H, 2 * _H),
                update=(30, 1 * _H, 4 * _H, 8 * _H),
                resolution=(4 * _H, 8 * _H, 16 * _H, 24 * _H),
            ),
            warnings=WarningRule((50, 75, 90), timedelta(minutes=15)),
            escalation=two_levels,
        ),
        SlaPolicy(
            name="Gold",
            tier=Tier.GOLD,
            targets=_targets(
                response=(30, 1 * _H, 2 * _H, 4 * _H),
                update=(1 * _H, 2 * _H, 8 * _H, 16 * _H),
                resolution=(8 * _H, 16 * _H, 24 * _H, 40 * _H),
            ),
            escalation=two_levels,
        ),
        SlaPolicy(
            name="Silver",
            tier=Tier.SILVER,
            targets=_targets(
                response=(1 * _H, 2 * _H, 4 * _H, 8 * _H),
                update=(2 * _H, 4 * _H, 16 * _H, 24 * _H),
                resolution=(16 * _H, 24 * _H, 40 * _H, 80 * _H),
            ),
            escalation=(EscalationLevel(1),),
        ),
        SlaPolicy(
            name="Bronze",
            tier=Tier.BRONZE,
            targets=_targets(
                response=(2 * _H, 4 * _H, 8 * _H, 16 * _H),
                update=(4 * _H, 8 * _H, 24 * _H, 40 * _H),
                resolution=(24 * _H, 40 * _H, 80 * _H, 160 * _H),
            ),
            warnings=WarningRule((75, 90), timedelta(hours=1)),
            escalation=(EscalationLevel(1),),
        ),
        SlaPolicy(
            name=FALLBACK_POLICY,
            targets=_targets(
                response=(4 * _H, 8 * _H, 16 * _H, 24 * _H),
                update=(8 * _H, 16 * _H, 40 * _H, 40 * _H),
                resolution=(40 * _H, 80 * _H, 120 * _H, 240 * _H),
            ),
            warnings=WarningRule((75, 90), timedelta(hours=1)),
            escalation=(EscalationLevel(1),),
        ),
        SlaPolicy(
            name="Outage 24x7",
            category="outage",
            calendar=ALWAYS_OPEN,
            targets=_targets(
                response=(15, 30, 1 * _H, 2 * _H),
                update=(30, 1 * _H, 2 * _H, 4 * _H),
                resolution=(4 * _H, 8 * _H, 24 * _H, 48 * _H),
            ),
            warnings=WarningRule((50, 75, 90), timedelta(minutes=10)),
            escalation=(EscalationLevel(1), EscalationLevel(2), EscalationLevel(3)),
        ),
    ]


def opened_on(created_at: datetime, site_zone: str | None) -> date:
    """The day a ticket was opened as its site saw it: the local date in the site's zone
    (UTC for a customer without sites). A ticket opened at 20:00 in Toronto on a
    contract's last day belongs to that contract, though it is already the next day in
    UTC. The day every contract choice is made on."""
    return created_at.astimezone(zone_or_utc(site_zone)).date()


def contract_rank(
    starts_on: date, ends_on: date, contract_id: int, on: date
) -> tuple[bool, date, int]:
    """How a customer's contract ranks for a ticket opened ``on`` (see :func:`opened_on`):
    the one in force that day wins, the latest-starting of those (then the newest), else
    the latest of all. The one rule for the queue, the writes, the import, the ticket
    pane's previews and the reports."""
    return (starts_on <= on <= ends_on, starts_on, contract_id)


def contract_policy(contracts: Iterable[tuple[str, date, date, int]], on: date) -> str | None:
    """The policy named by the contract :func:`contract_rank` puts first for a ticket
    opened ``on``, from (policy, starts on, ends on, contract id); None without any."""
    best = max(contracts, key=lambda c: contract_rank(c[1], c[2], c[3], on), default=None)
    return best[0] if best is not None else None


def contract_in_force(contracts: Sequence[Contract], on: date) -> Contract | None:
    """The contract in force ``on`` (the latest-starting one), else the latest of all."""
    return max(
        contracts,
        key=lambda c: contract_rank(c.starts_on, c.ends_on, c.id or 0, on),
        default=None,
    )
