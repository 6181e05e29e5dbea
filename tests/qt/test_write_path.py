"""The one write path seen from the window: Take and its undo follow the one assignment
rule for a technician, actions made in a quick row all land, and every change reaches the
queue through the desk's change feed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from desktop_app.domain import EventKind, Role, TicketStatus
from support import writes
from support.detail_desk import WAIT, Desk, audit_actions, find, show


def press(qtbot: Any, desk: Desk, key: Qt.Key) -> None:
    """The shortcut as typed: Ctrl + key in the queue of a window that has the focus."""
    if not desk.window.isVisible():
        desk.window.show()
        qtbot.waitExposed(desk.window)
        desk.window.activateWindow()
        qtbot.waitUntil(desk.window.isActiveWindow)
    view = desk.window.queue_view
    view.setFocus()
    qtbot.keyClick(view, key, Qt.KeyboardModifier.ControlModifier)


def sign_in(desk: Desk, technician_id: int) -> None:
    combo = desk.window.findChild(QComboBox, "technicianCombo")
    assert combo is not None
    combo.setCurrentIndex(combo.findData(technician_id))
    me = desk.session.me
    assert me is not None and me.id == technician_id


def technician(desk: Desk, other_than: int | None = None) -> Any:
    return next(
        t for t in desk.session.technicians if t.role is Role.TECHNICIAN and t.id != other_than
    )


def unassigned_ticket(qtbot: Any, desk: Desk) -> int:
    """A ticket handed back to the pool by a dispatcher at another desk, read in here."""
    tid = find(desk, lambda e: e.status.is_open and e.assignee_id is not None)
    entry = desk.model.entry(tid)
    assert entry is not None
    lead = next(t for t in desk.session.technicians if t.role is Role.DISPATCHER)
    writes.assign(desk.store, lead.id, {tid: entry.version}, None)
    with qtbot.waitSignal(desk.session.service.changed, timeout=WAIT):
        desk.session.service.refresh_tickets([tid])
    refreshed = desk.model.entry(tid)
    assert refreshed is not None and refreshed.assignee_id is None
    return tid


def test_a_technician_takes_a_ticket_with_ctrl_t_and_gives_it_back_with_ctrl_z(
    qtbot: Any, desk: Desk
) -> None:
    tid = unassigned_ticket(qtbot, desk)
    me = technician(desk)
    sign_in(desk, me.id)
    show(qtbot, desk, tid)
    actions = desk.panel.actions
    assert actions.actions["take"].isEnabled()

    with qtbot.waitSignal(actions.succeeded, timeout=WAIT):
        press(qtbot, desk, Qt.Key.Key_T)
    entry = desk.model.entry(tid)
    assert entry is not None and entry.assignee_id == me.id  # the queue row followed
    assert desk.store.ticket(tid).assignee_id == me.id
    assert desk.session.undo_stack.undoText() == f"take {entry.number}"

    with qtbot.waitSignal(actions.succeeded, timeout=WAIT):
        press(qtbot, desk, Qt.Key.Key_Z)
    assert desk.store.ticket(tid).assignee_id is None  # handed back: the rule allows it
    entry = desk.model.entry(tid)
    assert entry is not None and entry.assignee_id is None
    assert audit_actions(desk, tid)[:2] == ["assign", "assign"]
    assert desk.problems == []


def test_take_is_offered_only_where_the_rule_allows_and_says_why(qtbot: Any, desk: Desk) -> None:
    me = technician(desk)
    theirs = find(desk, lambda e: e.status.is_open and e.assignee_id not in (None, me.id))
    sign_in(desk, me.id)
    show(qtbot, desk, theirs)
    take = desk.panel.actions.actions["take"]
    holder = desk.model.entry(theirs).assignee_name  # type: ignore[union-attr]
    assert not take.isEnabled()
    assert f"{holder}'s" in take.toolTip() and "dispatcher or manager" in take.toolTip()
    before = audit_actions(desk, theirs)
    press(qtbot, desk, Qt.Key.Key_T)
    assert audit_actions(desk, theirs) == before  # nothing was sent

    lead = next(t for t in desk.session.technicians if t.role is Role.DISPATCHER)
    sign_in(desk, lead.id)
    assert take.isEnabled()  # a dispatcher takes anything


def test_actions_in_quick_succession_on_one_ticket_all_land(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.status is TicketStatus.OPEN)
    show(qtbot, desk, tid)
    actions = desk.panel.actions
    version = desk.store.ticket(tid).version
    # the second is sent before the first comes back, with the version the pane showed
    with qtbot.waitSignals([actions.succeeded, actions.succeeded], timeout=WAIT):
        actions.wait_on_customer()
        actions.send(EventKind.INTERNAL_NOTE, "Parts ordered; waiting on the customer's OK.")
    ticket = desk.store.ticket(tid)
    assert ticket.status is TicketStatus.WAITING_ON_CUSTOMER
    assert ticket.version == version + 2
    assert audit_actions(desk, tid)[:2] == ["add_internal_note", "wait_on_customer"]
    assert desk.problems == []


def test_someone_elses_change_in_between_is_a_conflict_naming_them(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.status is TicketStatus.OPEN)
    show(qtbot, desk, tid)
    version = desk.store.ticket(tid).version
    other = next(t for t in desk.session.technicians if t.name == "Lena Hoffmann")
    writes.add_event(desk.store, other.id, tid, version, EventKind.INTERNAL_NOTE, "Called")
    with qtbot.waitSignal(desk.panel.actions.failed, timeout=WAIT) as failed:
        desk.panel.actions.wait_on_customer()
    assert "Lena Hoffmann" in str(failed.args[2])
    assert desk.store.ticket(tid).status is TicketStatus.OPEN
