"""The customer pane on a known demo desk: open complaints first, contract and support
hours, sites with their local time and hours, contacts, open tickets, attainment, breaches."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from desktop_app.domain import Contract, Metric, Sentiment, Tier
from desktop_app.sla.credits import service_credit
from desktop_app.sla.policy import opened_on
from desktop_app.store.detail_views import contract_status
from support.detail_desk import NOW, WAIT, Desk, show


def test_the_customer_pane_shows_promise_kept_and_complaints(qtbot: Any, desk: Desk) -> None:
    negative_customers = {
        n.customer_id
        for n in desk.store.criticism_notes(open_only=True)
        if n.sentiment is Sentiment.NEGATIVE
    }
    entry = next(
        desk.model.entry_at(r)
        for r in range(desk.model.rowCount())
        if desk.model.entry_at(r).customer_id in negative_customers
    )
    show(qtbot, desk, entry.ticket_id)
    desk.panel.tabs.setCurrentIndex(1)
    pane = desk.panel.customer_pane
    context = desk.store.customer_context(entry.customer_id, NOW)
    open_negative = [
        n for n in context.criticism if n.is_open and n.sentiment is Sentiment.NEGATIVE
    ]
    assert not pane.complaints.isHidden()
    count = len(open_negative)
    assert f"{count} open complaint" in pane.complaints.text()
    assert desk.panel.tabs.tabText(1) == "Customer ⚑"
    assert context.customer.name in pane.header.text()
    # today as the customer's site sees it (the 27th already, in Sydney)
    today = opened_on(NOW, context.sites[0].timezone if context.sites else None)
    status = contract_status(context.contracts, today)
    assert status is not None
    assert status.contract.policy in pane.contract.text()
    assert f"{status.days_left} days left" in pane.contract.text()
    credit = service_credit(status.contract, context.month_breaches, NOW.date())
    if credit is not None:  # the month's breaches, priced by the contract
        plural = "s" if credit.breaches != 1 else ""
        assert (
            f"{NOW:%B %Y}: {credit.breaches} breached SLA metric{plural}, " in pane.contract.text()
        )
        if credit.breaches:
            assert f"({credit.amount:,.2f})" in pane.contract.text()
    if status.hours_left is not None:
        assert f"{max(0.0, status.hours_left):g} left" in pane.hours_bar.format()
    for site in context.sites:
        assert site.name in pane.sites.text()
    assert "local" in pane.sites.text()
    assert ("● open" in pane.sites.text()) or ("○ closed" in pane.sites.text())
    for contact in context.contacts:
        assert contact.name in pane.contacts.text()
    assert pane.open_tickets.count() == len(context.open_tickets)
    assert pane.open_title.text() == f"Open tickets ({len(context.open_tickets)})"
    for metric, bar in pane.attainment_bars.items():
        tally = context.attainment[metric]
        if tally.percent is not None:
            assert bar.format().startswith(f"{tally.percent:.0f} %")
            assert f"{tally.breached} breached" in bar.format()
    assert pane.criticism.model.rowCount() == len(context.criticism)
    assert pane.criticism.model.note_at(0).sentiment is Sentiment.NEGATIVE  # open negative first


def test_double_clicking_an_open_ticket_selects_it_in_the_queue(qtbot: Any, desk: Desk) -> None:
    entry = desk.model.entry_at(0)
    show(qtbot, desk, entry.ticket_id)
    pane = desk.panel.customer_pane
    other = next(
        (
            pane.open_tickets.item(i)
            for i in range(pane.open_tickets.count())
            if pane.open_tickets.item(i).data(256) != entry.ticket_id
        ),
        None,
    )
    if other is None:
        pytest.skip("the first ticket's customer has a single open ticket on this desk")
    wanted = other.data(256)
    with qtbot.waitSignal(desk.panel.ticketShown, timeout=WAIT) as shown:
        pane.open_tickets.itemDoubleClicked.emit(other)
    assert shown.args == [wanted]
    assert desk.model.ticket_id_at(desk.window.queue_view.currentIndex().row()) == wanted


def _contract(**kwargs: Any) -> Contract:
    values: dict[str, Any] = {
        "customer_id": 1,
        "policy": "Gold",
        "tier": Tier.GOLD,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "support_hours": 100.0,
        "hours_used": 10.0,
    }
    values.update(kwargs)
    return Contract(**values)


def test_contract_status_warns_when_hours_run_low_or_the_term_ends() -> None:
    fine = contract_status((_contract(),), date(2026, 6, 1))
    assert fine is not None and fine.warnings == () and fine.hours_left == 90.0
    low = contract_status((_contract(hours_used=85.0),), date(2026, 6, 1))
    assert low is not None and low.warnings == ("Only 15 of 100 support hours are left.",)
    used_up = contract_status((_contract(hours_used=120.0),), date(2026, 6, 1))
    assert used_up is not None and "used up" in used_up.warnings[0]
    ending = contract_status((_contract(),), date(2026, 12, 20))
    assert ending is not None and ending.warnings[0].startswith("The contract ends in 11 days")
    expired = contract_status((_contract(),), date(2027, 1, 3))
    assert expired is not None and expired.days_left == -3
    assert expired.warnings[0].startswith("The contract expired 3 days ago")
    unlimited = contract_status((_contract(support_hours=0.0),), date(2026, 6, 1))
    assert unlimited is not None and unlimited.hours_left is None
    assert contract_status((), date(2026, 6, 1)) is None


def test_the_contract_in_force_wins_over_a_newer_future_one() -> None:
    current = _contract(id=1)
    future = _contract(id=2, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    status = contract_status((future, current), date(2026, 6, 1))
    assert status is not None and status.contract.id == 1 and status.in_force


def test_metrics_have_an_attainment_bar_each(qtbot: Any, desk: Desk) -> None:
    show(qtbot, desk, desk.model.ticket_id_at(0))
    assert set(desk.panel.customer_pane.attainment_bars) == set(Metric)
