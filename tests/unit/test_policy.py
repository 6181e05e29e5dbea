"""Policy selection: each rule of the selection order, explain() text, every validation error."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop_app.domain import (
    OFFICE_HOURS,
    CalendarSpec,
    EscalationLevel,
    Metric,
    Priority,
    SlaPolicy,
    Tier,
    ValidationError,
    WarningRule,
)
from desktop_app.sla.policy import (
    PolicyBook,
    SelectionRule,
    recommended_calendars,
    recommended_policies,
)

TORONTO = ZoneInfo("America/Toronto")
PRIORITIES = list(Priority)
METRICS = list(Metric)


def targets(minutes: int) -> dict[tuple[Priority, Metric], timedelta]:
    """Every (priority, metric) entry; the response target is ``minutes`` so each policy's
    targets are recognisable in assertions."""
    out = {}
    for rank, priority in enumerate(PRIORITIES, start=1):
        out[(priority, Metric.FIRST_RESPONSE)] = timedelta(minutes=minutes * rank)
        out[(priority, Metric.NEXT_UPDATE)] = timedelta(hours=2 * rank)
        out[(priority, Metric.RESOLUTION)] = timedelta(hours=8 * rank)
    return out


OFFICE = CalendarSpec("Office hours", dict(OFFICE_HOURS))
ONTARIO = CalendarSpec("Ontario office", dict(OFFICE_HOURS), holiday_region="CA-ON")
EXTENDED = CalendarSpec(
    "Extended", {d: [("07:00", "19:00")] for d in range(5)}, holidays=(date(2026, 12, 25),)
)

OUTAGE_GOLD = SlaPolicy(
    "Outage Gold", targets(5), calendar="24x7", tier=Tier.GOLD, category="outage"
)
OUTAGE = SlaPolicy("Outage 24x7", targets(15), calendar="24x7", category="outage")
GOLD = SlaPolicy("Gold", targets(30), tier=Tier.GOLD)
SILVER = SlaPolicy("Silver", targets(60), tier=Tier.SILVER, calendar="Extended")
ENTERPRISE = SlaPolicy("Enterprise 2026", targets(20))  # chosen by contract only
STANDARD = SlaPolicy("Standard", targets(240))


def book(*policies: SlaPolicy) -> PolicyBook:
    chosen = policies or (OUTAGE_GOLD, OUTAGE, GOLD, SILVER, ENTERPRISE, STANDARD)
    return PolicyBook(chosen, [OFFICE, ONTARIO, EXTENDED])


def apply(b: PolicyBook, category: str | None, tier: Tier | None, contract: str | None = None):
    return b.apply(Priority.CRITICAL, category, tier, contract, "America/Toronto", "Office hours")


# ------------------------------------------------------------------- selection


def test_category_override_for_the_customers_tier_comes_first() -> None:
    applied = apply(book(), "outage", Tier.GOLD, "Enterprise 2026")
    assert applied.policy is OUTAGE_GOLD
    assert applied.rule is SelectionRule.CATEGORY_AND_TIER
    assert applied.terms.target(Metric.FIRST_RESPONSE) == timedelta(minutes=5)


def test_category_override_for_any_tier_comes_next() -> None:
    applied = apply(book(), "outage", Tier.SILVER, "Enterprise 2026")
    assert applied.policy is OUTAGE
    assert applied.rule is SelectionRule.CATEGORY


def test_category_override_matches_case_and_spaces_loosely() -> None:
    assert apply(book(), "  Outage ", Tier.SILVER).policy is OUTAGE


def test_contract_policy_applies_without_an_override() -> None:
    applied = apply(book(), "printer", Tier.GOLD, "Enterprise 2026")
    assert applied.policy is ENTERPRISE
    assert applied.rule is SelectionRule.CONTRACT


def test_tier_default_applies_without_a_contract_policy() -> None:
    applied = apply(book(), "printer", Tier.GOLD)
    assert applied.policy is GOLD
    assert applied.rule is SelectionRule.TIER_DEFAULT


def test_standard_is_the_fallback() -> None:
    applied = apply(book(), "printer", Tier.BRONZE)
    assert applied.policy is STANDARD
    assert applied.rule is SelectionRule.FALLBACK
    assert apply(book(), None, None).policy is STANDARD


def test_no_applicable_policy_is_an_error() -> None:
    with pytest.raises(ValidationError, match="add a 'Standard' policy"):
        apply(book(GOLD), "printer", Tier.BRONZE)


def test_contract_naming_an_unknown_policy_is_an_error() -> None:
    with pytest.raises(ValidationError, match="contract names SLA policy 'Diamond'"):
        apply(book(), "printer", Tier.GOLD, "Diamond")


def test_terms_carry_the_targets_of_the_tickets_priority() -> None:
    b = book()
    low = b.apply(Priority.LOW, None, Tier.GOLD, None, "America/Toronto", "Office hours")
    assert low.terms.targets == {
        Metric.FIRST_RESPONSE: timedelta(minutes=120),
        Metric.NEXT_UPDATE: timedelta(hours=8),
        Metric.RESOLUTION: timedelta(hours=32),
    }
    assert low.terms.warnings == GOLD.warnings


# -------------------------------------------------------------------- explain


def test_explain_category_override_for_tier() -> None:
    applied = apply(book(), "outage", Tier.GOLD)
    assert applied.explain(Metric.FIRST_RESPONSE) == (
        "Outage Gold (category 'outage' for Gold customers overrides the Gold tier "
        "default 'Gold'): response 5 min, round the clock"
    )


def test_explain_category_override_over_a_contract() -> None:
    applied = apply(book(), "outage", Tier.SILVER, "Enterprise 2026")
    assert applied.explain(Metric.FIRST_RESPONSE) == (
        "Outage 24x7 (category 'outage' overrides the Enterprise 2026 contract): "
        "response 15 min, round the clock"
    )


def test_explain_contract() -> None:
    applied = apply(book(), None, Tier.GOLD, "Enterprise 2026")
    assert applied.explain(Metric.RESOLUTION) == (
        "Enterprise 2026 (the customer's contract policy): resolution 8 h, "
        "business hours (Office hours, America/Toronto)"
    )


def test_explain_tier_default_lists_all_targets() -> None:
    applied = apply(book(), "printer", Tier.GOLD)
    assert applied.explain() == (
        "Gold (default for Gold customers: no contract policy, no override for category "
        "'printer'): response 30 min, update 2 h, resolution 8 h, "
        "business hours (Office hours, America/Toronto)"
    )


def test_explain_fallback() -> None:
    applied = apply(book(), None, Tier.BRONZE)
    assert applied.explain(Metric.NEXT_UPDATE) == (
        "Standard (fallback: no contract policy, no Bronze default): update 2 h, "
        "business hours (Office hours, America/Toronto)"
    )


# ------------------------------------------------------------------- calendars


def test_policy_without_calendar_runs_in_the_sites_calendar() -> None:
    b = book()
    applied = b.apply(Priority.CRITICAL, None, Tier.GOLD, None, "America/Toronto", "Office hours")
    assert applied.calendar_name == "Office hours"
    friday_evening = datetime(2026, 2, 6, 18, 0, tzinfo=TORONTO)
    due = applied.terms.calendar.add_business_time(friday_evening, timedelta(minutes=30))
    assert due == datetime(2026, 2, 9, 8, 30, tzinfo=TORONTO)


def test_round_the_clock_policy_ignores_office_hours() -> None:
    applied = apply(book(), "outage", Tier.SILVER)
    assert applied.calendar_name == "24x7"
    friday_evening = datetime(2026, 2, 6, 18, 0, tzinfo=TORONTO)
    due = applied.terms.calendar.add_business_time(friday_evening, timedelta(minutes=15))
    assert due == datetime(2026, 2, 6, 18, 15, tzinfo=TORONTO)


def test_policy_naming_a_calendar_uses_it_in_the_sites_zone() -> None:
    b = book()
    applied = b.apply(Priority.CRITICAL, None, Tier.SILVER, None, "Europe/Berlin", "Office hours")
    assert applied.calendar_name == "Extended"
    assert applied.terms.calendar.zone == "Europe/Berlin"
    evening = datetime(2026, 2, 3, 18, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert applied.terms.calendar.add_business_time(evening, timedelta(minutes=60)) == datetime(
        2026, 2, 4, 7, 30, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_holiday_region_adds_public_holidays() -> None:
    # Family Day, Monday 16 February 2026, is an Ontario public holiday.
    b = book()
    applied = b.apply(Priority.CRITICAL, None, Tier.GOLD, None, "America/Toronto", "Ontario office")
    friday = datetime(2026, 2, 13, 16, 30, tzinfo=TORONTO)
    due = applied.terms.calendar.add_business_time(friday, timedelta(hours=1))
    assert due == datetime(2026, 2, 17, 8, 30, tzinfo=TORONTO)


def test_calendars_are_built_once_per_name_and_zone() -> None:
    b = book()
    assert b.calendar("Office hours", "America/Toronto") is b.calendar(
        "Office hours", "America/Toronto"
    )
    assert b.calendar("Office hours", "Europe/Berlin") is not b.calendar(
        "Office hours", "America/Toronto"
    )
    first = b.apply(Priority.HIGH, "printer", Tier.GOLD, None, "America/Toronto", "Office hours")
    other = b.apply(Priority.LOW, "network", Tier.GOLD, None, "America/Toronto", "Office hours")
    assert first.terms.calendar is other.terms.calendar
    assert b.apply(
        Priority.HIGH, "printer", Tier.GOLD, None, "America/Toronto", "Office hours"
    ) is (first)


def test_site_calendar_unknown_is_an_error() -> None:
    with pytest.raises(ValidationError, match="Calendar 'Night shift' does not exist"):
        book().apply(Priority.HIGH, None, Tier.GOLD, None, "America/Toronto", "Night shift")


def test_site_without_calendar_is_an_error_for_a_site_calendar_policy() -> None:
    with pytest.raises(ValidationError, match="site names no calendar"):
        book().apply(Priority.HIGH, None, Tier.GOLD, None, "America/Toronto", None)


def test_unknown_site_zone_is_an_error() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        book().apply(Priority.HIGH, None, Tier.GOLD, None, "Mars/Olympus", "Office hours")


# ------------------------------------------------------------------ validation


def test_missing_target_is_refused() -> None:
    incomplete = dict(targets(30))
    del incomplete[(Priority.HIGH, Metric.NEXT_UPDATE)]
    with pytest.raises(ValidationError) as error:
        PolicyBook([SlaPolicy("Gold", incomplete)], [])
    message = str(error.value)
    assert "Policy 'Gold' has no target for P2 high update (next_update)" in message
    assert "3 metrics × 4 priorities" in message
    assert error.value.field == "high.next_update"


@pytest.mark.parametrize("bad", [timedelta(0), timedelta(minutes=-5)])
def test_zero_or_negative_target_is_refused(bad: timedelta) -> None:
    wrong = {**targets(30), (Priority.LOW, Metric.RESOLUTION): bad}
    with pytest.raises(ValidationError, match=r"Policy 'Gold' gives P4 low resolution .*longer"):
        PolicyBook([SlaPolicy("Gold", wrong)], [])


def test_target_that_is_not_a_duration_is_refused() -> None:
    wrong = {**targets(30), (Priority.LOW, Metric.RESOLUTION): 240}
    with pytest.raises(ValidationError, match="give a duration"):
        PolicyBook([SlaPolicy("Gold", wrong)], [])  # type: ignore[dict-item]


def test_unknown_calendar_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        PolicyBook([SlaPolicy("Gold", targets(30), calendar="Ofice hours")], [OFFICE])
    message = str(error.value)
    assert "Policy 'Gold' names calendar 'Ofice hours', which does not exist" in message
    assert "'Office hours'" in message


def test_two_overrides_for_the_same_category_and_tier_are_refused() -> None:
    twin = replace(OUTAGE_GOLD, name="Outage Gold bis", category="Outage")
    with pytest.raises(ValidationError, match="'Outage Gold' and 'Outage Gold bis' both override"):
        PolicyBook([OUTAGE_GOLD, twin], [])


def test_two_overrides_for_the_same_category_any_tier_are_refused() -> None:
    twin = replace(OUTAGE, name="Outage again")
    with pytest.raises(ValidationError, match="for every tier; keep one"):
        PolicyBook([OUTAGE, twin], [])


def test_overrides_for_different_tiers_are_fine() -> None:
    silver = replace(OUTAGE_GOLD, name="Outage Silver", tier=Tier.SILVER)
    b = PolicyBook([OUTAGE_GOLD, silver, OUTAGE, STANDARD], [])
    assert apply(b, "outage", Tier.SILVER).policy is silver


def test_two_policies_with_one_name_are_refused() -> None:
    with pytest.raises(ValidationError, match="Two policies are named 'Gold'"):
        PolicyBook([GOLD, replace(GOLD, tier=None)], [])


def test_two_defaults_for_one_tier_are_refused() -> None:
    with pytest.raises(ValidationError, match="both the default for Gold customers"):
        PolicyBook([GOLD, replace(GOLD, name="Gold 2")], [])


@pytest.mark.parametrize("percent", [0, 100, 120])
def test_warning_percent_outside_1_to_99_is_refused(percent: int) -> None:
    policy = replace(GOLD, warnings=WarningRule((50, percent)))
    with pytest.raises(ValidationError, match=f"Policy 'Gold' warns at {percent}%"):
        PolicyBook([policy], [])


def test_non_positive_lead_time_is_refused() -> None:
    policy = replace(GOLD, warnings=WarningRule((50,), timedelta(0)))
    with pytest.raises(ValidationError, match="lead time must be longer than zero"):
        PolicyBook([policy], [])


def test_repeated_escalation_levels_are_refused() -> None:
    policy = replace(GOLD, escalation=(EscalationLevel(1), EscalationLevel(1)))
    with pytest.raises(ValidationError, match="escalation levels"):
        PolicyBook([policy], [])


def test_calendar_named_24x7_is_refused() -> None:
    with pytest.raises(ValidationError, match="'24x7' is reserved"):
        PolicyBook([], [CalendarSpec("24x7", dict(OFFICE_HOURS))])


def test_two_calendars_with_one_name_are_refused() -> None:
    with pytest.raises(ValidationError, match="Two calendars are named 'Office hours'"):
        PolicyBook([], [OFFICE, OFFICE])


def test_unknown_policy_lookup_names_the_choices() -> None:
    with pytest.raises(ValidationError, match=r"no SLA policy named 'Diamond'.*'Gold'"):
        book().policy("Diamond")


# ------------------------------------------------------------ recommended set


def test_recommended_set_is_valid_and_selects_each_tier() -> None:
    b = PolicyBook(recommended_policies(), recommended_calendars())
    for tier in Tier:
        applied = b.apply(Priority.HIGH, "printer", tier, None, "America/Toronto", "Office hours")
        assert applied.rule is SelectionRule.TIER_DEFAULT
        assert applied.policy.name == tier.value.capitalize()
    fallback = b.apply(Priority.HIGH, None, None, None, "America/Toronto", "Office hours")
    assert fallback.policy.name == "Standard"


def test_recommended_outage_override_is_15_min_and_4_h_round_the_clock() -> None:
    b = PolicyBook(recommended_policies(), recommended_calendars())
    for tier in Tier:
        applied = b.apply(
            Priority.CRITICAL, "outage", tier, "Gold", "Europe/Berlin", "Office hours"
        )
        assert applied.policy.name == "Outage 24x7"
        assert applied.calendar_name == "24x7"
        assert applied.terms.target(Metric.FIRST_RESPONSE) == timedelta(minutes=15)
        assert applied.terms.target(Metric.RESOLUTION) == timedelta(hours=4)
    applied = b.apply(Priority.CRITICAL, "outage", Tier.GOLD, "Gold", "UTC", "Office hours")
    assert applied.explain(Metric.FIRST_RESPONSE) == (
        "Outage 24x7 (category 'outage' overrides the Gold contract): "
        "response 15 min, round the clock"
    )
    start = datetime(2026, 2, 7, 3, 0, tzinfo=UTC)  # a Saturday night
    assert applied.terms.calendar.add_business_time(start, timedelta(hours=4)) == datetime(
        2026, 2, 7, 7, 0, tzinfo=UTC
    )


def test_recommended_targets_are_ordered_by_tier_and_priority() -> None:
    by_name = {p.name: p for p in recommended_policies()}
    ladder = [by_name[n] for n in ("Platinum", "Gold", "Silver", "Bronze", "Standard")]
    for metric in METRICS:
        for priority in PRIORITIES:
            values = [p.targets[(priority, metric)] for p in ladder]
            assert values == sorted(values), (metric, priority, values)
        for policy in ladder:
            values = [policy.targets[(p, metric)] for p in PRIORITIES]
            assert values == sorted(values), (policy.name, metric, values)
