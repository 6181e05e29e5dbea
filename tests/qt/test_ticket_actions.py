"""Technician actions on a real desk: their effect on clocks, queue, timeline and audit;
undo and redo; bad input and conflicts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from desktop_app.domain import ClockState, EventKind, Metric, Priority, TicketStatus
from desktop_app.store.previews import preview_priority
from desktop_app.views.ticket_actions import ChangeDialog, EscalateDialog
from support import writes
from support.detail_desk import NOW, WAIT, Desk, audit_actions, find, kinds, settle, show

# --------------------------------------------------------------------------- conversation


def test_a_reply_meets_the_first_response_clock_and_moves_the_row(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.clocks[Metric.FIRST_RESPONSE].state is ClockState.RUNNING)
    row_before = desk.model.row_of(tid)
    show(qtbot, desk, tid)
    pane = desk.panel.ticket_pane
    timeline_rows = pane.timeline.rowCount()
    desk.panel.actions.actions["reply"].trigger()
    assert pane.composer.kind() is EventKind.PUBLIC_REPLY
    pane.composer.text_edit.setPlainText("We are on it; a technician will call you at 3 pm.")
    settle(qtbot, desk, pane.composer.send_button.click)
    clocks = desk.store.ticket_detail(tid).clocks
    assert clocks[Metric.FIRST_RESPONSE].state is ClockState.MET
    assert clocks[Metric.FIRST_RESPONSE].met_at == NOW
    assert kinds(desk, tid)[-1] is EventKind.PUBLIC_REPLY
    assert audit_actions(desk, tid)[0] == "add_public_reply"
    assert pane.timeline.rowCount() == timeline_rows + 1
    assert pane.composer.text_edit.toPlainText() == ""  # sent: the composer is empty again
    entry = desk.model.entry(tid)
    assert entry is not None and entry.clocks[Metric.FIRST_RESPONSE].state is ClockState.MET
    assert desk.model.row_of(tid) != row_before  # its nearest deadline is another clock now
    assert desk.session.undo_stack.count() == 0  # a sent reply cannot be unsent
    assert "cannot be unsent" in desk.window.statusBar().currentMessage()


def test_an_empty_reply_is_refused_inline_and_nothing_is_written(qtbot: Any, desk: Desk) -> None:
    tid = desk.model.ticket_id_at(0)
    show(qtbot, desk, tid)
    pane = desk.panel.ticket_pane
    before = audit_actions(desk, tid)
    pane.compose(EventKind.PUBLIC_REPLY)
    pane.composer.text_edit.setPlainText("   \n ")
    pane.composer.send_button.click()
    assert not pane.composer.error_label.isHidden()
    assert "empty" in pane.composer.error_label.text()
    assert audit_actions(desk, tid) == before
    assert pane.composer.text_edit.toPlainText() == "   \n "


def test_the_empty_reply_message_goes_once_there_is_text(qtbot: Any, desk: Desk) -> None:
    show(qtbot, desk, desk.model.ticket_id_at(0))
    composer = desk.panel.ticket_pane.composer
    composer.set_kind(EventKind.PUBLIC_REPLY)
    composer.text_edit.setPlainText("")
    composer.send_button.click()
    assert "empty" in composer.error_label.text() and not composer.error_label.isHidden()
    composer.text_edit.setPlainText("  ")
    assert not composer.error_label.isHidden()  # still nothing to send
    composer.text_edit.setPlainText("We are on it.")
    assert composer.error_label.isHidden()


def test_an_escalation_refusal_goes_when_the_choice_changes(qtbot: Any, desk: Desk) -> None:
    show(qtbot, desk, find(desk, lambda e: e.status.is_open))
    dialog = desk.panel.actions.open_escalate()
    assert isinstance(dialog, EscalateDialog)
    dialog.show_error("Someone changed the ticket meanwhile.")
    assert not dialog.error_label.isHidden()
    dialog.note_edit.setText("Needs the network team")
    assert dialog.error_label.isHidden()
    dialog.reject()


def test_an_internal_note_stops_no_clock(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.clocks[Metric.FIRST_RESPONSE].state is ClockState.RUNNING)
    show(qtbot, desk, tid)
    due_before = desk.model.entry(tid).due_at  # type: ignore[union-attr]
    pane = desk.panel.ticket_pane
    pane.compose(EventKind.INTERNAL_NOTE)
    pane.composer.text_edit.setPlainText("Asked the network team to look at the switch.")
    settle(qtbot, desk, pane.composer.send)
    clocks = desk.store.ticket_detail(tid).clocks
    assert clocks[Metric.FIRST_RESPONSE].state is ClockState.RUNNING
    assert desk.model.entry(tid).due_at == due_before  # type: ignore[union-attr]
    assert kinds(desk, tid)[-1] is EventKind.INTERNAL_NOTE
    assert audit_actions(desk, tid)[0] == "add_internal_note"


# --------------------------------------------------------------------------- wait / resume


def test_waiting_on_the_customer_pauses_and_undo_redo_replay_it(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.status is TicketStatus.OPEN)
    show(qtbot, desk, tid)
    actions = desk.panel.actions
    assert actions.actions["wait"].isEnabled() and not actions.actions["resume"].isEnabled()
    settle(qtbot, desk, actions.actions["wait"].trigger)
    assert desk.store.ticket(tid).status is TicketStatus.WAITING_ON_CUSTOMER
    clocks = desk.store.ticket_detail(tid).clocks
    assert clocks[Metric.RESOLUTION].paused
    entry = desk.model.entry(tid)
    assert entry is not None and entry.status is TicketStatus.WAITING_ON_CUSTOMER
    assert desk.panel.ticket_pane.cards[Metric.RESOLUTION].state_key in ("paused", "breached")
    assert actions.actions["resume"].isEnabled()
    stack = desk.session.undo_stack
    assert stack.count() == 1 and "wait on customer" in stack.undoText()

    settle(qtbot, desk, stack.undo)
    assert desk.store.ticket(tid).status is TicketStatus.OPEN
    assert audit_actions(desk, tid)[:2] == ["resume", "wait_on_customer"]
    assert not desk.store.ticket_detail(tid).clocks[Metric.RESOLUTION].paused

    settle(qtbot, desk, stack.redo)
    assert desk.store.ticket(tid).status is TicketStatus.WAITING_ON_CUSTOMER
    assert audit_actions(desk, tid)[0] == "wait_on_customer"
    assert stack.index() == 1


def test_two_quick_undos_use_the_versions_they_will_find(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.status is TicketStatus.OPEN)
    show(qtbot, desk, tid)
    actions = desk.panel.actions
    settle(qtbot, desk, actions.actions["wait"].trigger)
    settle(qtbot, desk, actions.actions["resume"].trigger)
    stack = desk.session.undo_stack
    assert stack.count() == 2
    with qtbot.waitSignals([actions.succeeded, actions.succeeded], timeout=WAIT):
        stack.undo()  # back to waiting
        stack.undo()  # back to open, sent before the first answer came back
    assert desk.store.ticket(tid).status is TicketStatus.OPEN
    assert audit_actions(desk, tid)[:4] == [
        "resume",
        "wait_on_customer",
        "resume",
        "wait_on_customer",
    ]


# --------------------------------------------------------------------------- priority / category


def test_a_priority_change_shows_the_new_deadlines_before_confirming(
    qtbot: Any, desk: Desk
) -> None:
    tid = find(
        desk,
        lambda e: (
            e.status is TicketStatus.OPEN
            and e.priority is not Priority.CRITICAL
            and e.clocks[Metric.RESOLUTION].state is ClockState.RUNNING
        ),
    )
    show(qtbot, desk, tid)
    old_priority = desk.store.ticket(tid).priority
    dialog = desk.panel.actions.open_change("priority")
    assert isinstance(dialog, ChangeDialog)
    assert not dialog.ok_button.isEnabled()  # the current priority: nothing to preview
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        dialog.choose(Priority.CRITICAL.value)
    assert dialog.ok_button.isEnabled()
    preview = dialog.preview
    assert preview is not None
    expected = preview_priority(desk.store, tid, Priority.CRITICAL)
    assert preview.after[Metric.RESOLUTION].due_at == expected.after[Metric.RESOLUTION].due_at
    new_due = preview.after[Metric.RESOLUTION].due_at
    assert new_due is not None and new_due < preview.before[Metric.RESOLUTION].due_at  # type: ignore[operator]
    assert dialog.table.item(2, 2).text() != "—"
    assert dialog.rule_label.text().startswith("New rule: ")
    assert desk.store.ticket(tid).priority is old_priority  # nothing written by the preview

    settle(qtbot, desk, dialog.ok_button.click)
    ticket = desk.store.ticket(tid)
    assert ticket.priority is Priority.CRITICAL
    assert ticket.events[-1].kind is EventKind.PRIORITY_CHANGED
    stored = desk.store.ticket_detail(tid).clocks[Metric.RESOLUTION]
    assert stored.due_at == new_due  # the preview told the truth
    entry = desk.model.entry(tid)
    assert entry is not None and entry.priority is Priority.CRITICAL
    assert audit_actions(desk, tid)[0] == "change_priority"

    stack = desk.session.undo_stack
    assert "priority" in stack.undoText()
    settle(qtbot, desk, stack.undo)
    assert desk.store.ticket(tid).priority is old_priority
    entry = desk.model.entry(tid)
    assert entry is not None and entry.priority is old_priority


def test_an_unknown_category_is_refused_inline_and_nothing_is_written(
    qtbot: Any, desk: Desk
) -> None:
    tid = desk.model.ticket_id_at(0)
    show(qtbot, desk, tid)
    before = audit_actions(desk, tid)
    dialog = desk.panel.actions.open_change("category")
    assert isinstance(dialog, ChangeDialog)
    with qtbot.waitSignal(dialog.problemShown, timeout=WAIT) as problem:
        dialog.choose("coffee machine")
    assert "No SLA policy or ticket knows the category 'coffee machine'" in problem.args[0]
    assert not dialog.error_label.isHidden()
    assert not dialog.ok_button.isEnabled()
    assert dialog.value_combo.currentText() == "coffee machine"  # what was typed stays
    assert audit_actions(desk, tid) == before
    dialog.reject()


def test_a_category_change_to_outage_runs_round_the_clock(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.status.is_open and e.category != "outage")
    show(qtbot, desk, tid)
    dialog = desk.panel.actions.open_change("category")
    assert isinstance(dialog, ChangeDialog)
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        dialog.choose("outage")
    assert "round the clock" in dialog.rule_label.text()
    settle(qtbot, desk, dialog.ok_button.click)
    assert desk.store.ticket(tid).category == "outage"
    assert "round the clock" in desk.panel.ticket_pane.rule.text()
    assert audit_actions(desk, tid)[0] == "change_category"


# --------------------------------------------------------------------------- resolve / escalate


def test_resolving_removes_the_row_and_undo_reopens_it(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.status is TicketStatus.OPEN)
    show(qtbot, desk, tid)
    total = desk.model.total()
    with qtbot.waitSignal(desk.panel.actions.succeeded, timeout=WAIT):
        desk.panel.actions.actions["resolve"].trigger()
    assert desk.model.entry(tid) is None and desk.model.total() == total - 1
    assert desk.store.ticket(tid).status is TicketStatus.RESOLVED
    assert audit_actions(desk, tid)[0] == "resolve"
    with qtbot.waitSignal(
        desk.session.service.changed,
        timeout=WAIT,
        check_params_cb=lambda change: change.entries.get(tid) is not None,
    ):
        desk.session.undo_stack.undo()
    assert desk.store.ticket(tid).status is TicketStatus.OPEN
    assert desk.model.entry(tid) is not None and desk.model.total() == total
    assert kinds(desk, tid)[-1] is EventKind.REOPENED
    assert audit_actions(desk, tid)[0] == "reopen"


def test_escalating_raises_the_level_and_hands_the_ticket_on(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.status.is_open)
    show(qtbot, desk, tid)
    level = desk.store.ticket(tid).escalation_level
    dialog = desk.panel.actions.open_escalate()
    assert isinstance(dialog, EscalateDialog)
    senior = next(t for t in desk.session.technicians if t.name == "Sophie Wagner")
    index = dialog.assignee_combo.findData(senior.id)
    if index < 0:  # already hers: hand it to someone else senior
        senior = next(t for t in desk.session.technicians if t.name == "Daniel O'Brien")
        index = dialog.assignee_combo.findData(senior.id)
    dialog.assignee_combo.setCurrentIndex(index)
    dialog.note_edit.setText("Needs the network team")
    settle(qtbot, desk, dialog.ok_button.click)
    ticket = desk.store.ticket(tid)
    assert ticket.escalation_level == level + 1
    assert ticket.assignee_id == senior.id
    assert [e.kind for e in ticket.events[-2:]] == [EventKind.ESCALATED, EventKind.ASSIGNED]
    assert audit_actions(desk, tid)[0] == "escalate"
    entry = desk.model.entry(tid)
    assert entry is not None and entry.escalation_level == level + 1
    assert desk.session.undo_stack.count() == 0  # escalation is not undone
    assert desk.panel.ticket_pane.fact_labels["escalation"].text() == f"level {level + 1}"


# --------------------------------------------------------------------------- conflicts


def test_a_conflict_says_who_changed_the_ticket_reloads_and_keeps_the_text(
    qtbot: Any, desk: Desk
) -> None:
    tid = find(desk, lambda e: e.status.is_open)
    show(qtbot, desk, tid)
    ticket = desk.store.ticket(tid)
    other = next(t for t in desk.session.technicians if t.name == "Lena Hoffmann")
    assert other.id is not None
    writes.add_event(
        desk.store, other.id, tid, ticket.version, EventKind.INTERNAL_NOTE, "Called the vendor."
    )
    pane = desk.panel.ticket_pane
    pane.compose(EventKind.PUBLIC_REPLY)
    typed = "Dear customer, the replacement ships today."
    pane.composer.text_edit.setPlainText(typed)
    with qtbot.waitSignal(desk.panel.actions.failed, timeout=WAIT):
        pane.composer.send()
    assert not pane.banner.isHidden()
    assert "Lena Hoffmann" in pane.banner.text() and "reloaded" in pane.banner.text()
    qtbot.waitUntil(
        lambda: (
            desk.panel.ticket_view is not None
            and desk.panel.ticket_view.ticket.version == ticket.version + 1
        ),
        timeout=WAIT,
    )
    assert pane.timeline.event_at(pane.timeline.rowCount() - 1).text == "Called the vendor."
    assert pane.composer.text_edit.toPlainText() == typed
    assert EventKind.PUBLIC_REPLY not in kinds(desk, tid)[-1:]
    # the reply goes through once the technician sends again on the fresh version
    settle(qtbot, desk, pane.composer.send)
    assert kinds(desk, tid)[-1] is EventKind.PUBLIC_REPLY


def test_an_undo_that_conflicts_is_refused_with_who_changed_the_ticket(
    qtbot: Any, desk: Desk
) -> None:
    tid = find(desk, lambda e: e.status is TicketStatus.OPEN)
    show(qtbot, desk, tid)
    settle(qtbot, desk, desk.panel.actions.actions["wait"].trigger)
    ticket = desk.store.ticket(tid)
    other = next(t for t in desk.session.technicians if t.name == "Lena Hoffmann")
    assert other.id is not None
    writes.add_event(
        desk.store, other.id, tid, ticket.version, EventKind.INTERNAL_NOTE, "Vendor called"
    )
    stack = desk.session.undo_stack
    with qtbot.waitSignal(desk.panel.actions.failed, timeout=WAIT):
        stack.undo()
    # refused with who changed it; the wait stays done, and the step that can no longer
    # apply leaves the history (one undo for the ticket menu and the board alike)
    assert desk.store.ticket(tid).status is TicketStatus.WAITING_ON_CUSTOMER
    assert "Lena Hoffmann" in desk.panel.ticket_pane.banner.text()
    assert stack.count() == 0 and not stack.canUndo()


# --------------------------------------------------------------------------- menus and keys


def test_actions_have_shortcuts_a_ticket_menu_and_a_queue_context_menu(
    qtbot: Any, desk: Desk
) -> None:
    actions = desk.panel.actions
    shortcuts = {key: a.shortcut().toString() for key, a in actions.actions.items()}
    assert shortcuts["reply"] == "Ctrl+R" and shortcuts["resolve"] == "Ctrl+Shift+R"
    assert len(set(shortcuts.values())) == len(shortcuts)  # no two actions share a key
    menu = desk.window.findChild(QMenu, "menuTicket")
    assert menu is not None
    assert menu.title() == "&Ticket"
    assert menu.menuAction() in desk.window.menuBar().actions()
    assert desk.window.queue_view.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    tid = find(desk, lambda e: e.status is TicketStatus.OPEN)
    show(qtbot, desk, tid)
    context = actions.context_menu()
    texts = [a.text() for a in context.actions() if not a.isSeparator()]
    assert "&Reply to customer" in texts and "Re&solve" in texts
    assert actions.actions["resolve"].isEnabled() and not actions.actions["reopen"].isEnabled()
    context.deleteLater()


def test_no_action_without_a_ticket(qtbot: Any, desk: Desk) -> None:
    desk.panel.show_ticket(None)
    assert not any(a.isEnabled() for a in desk.panel.actions.actions.values())
    assert desk.window.detail_stack.currentWidget() is not desk.panel.tabs


def test_a_save_that_lands_late_keeps_what_the_technician_typed_since(
    qtbot: Any, desk: Desk
) -> None:
    first = find(desk, lambda e: e.status.is_open)
    second = find(desk, lambda e: e.status.is_open and e.ticket_id != first)
    show(qtbot, desk, first)
    pane = desk.panel.ticket_pane
    pane.compose(EventKind.INTERNAL_NOTE)
    pane.composer.text_edit.setPlainText("Asked the vendor for a replacement.")
    pane.composer.send()
    # the note is on its way; the technician moves on and starts the next one at once
    desk.window.queue_view.setCurrentIndex(desk.model.index_of(second))
    typed = "Customer says the printer is back"
    pane.composer.text_edit.setPlainText(typed)
    with qtbot.waitSignal(desk.panel.actions.succeeded, timeout=WAIT):
        pass
    assert kinds(desk, first)[-1] is EventKind.INTERNAL_NOTE
    assert pane.composer.text_edit.toPlainText() == typed
    assert pane.composer.send_button.isEnabled()  # ready to send the new one


def test_a_draft_stays_with_its_ticket(qtbot: Any, desk: Desk) -> None:
    first = find(desk, lambda e: e.status.is_open)
    second = find(desk, lambda e: e.status.is_open and e.ticket_id != first)
    pane = desk.panel.ticket_pane
    show(qtbot, desk, first)
    pane.compose(EventKind.PUBLIC_REPLY)
    pane.composer.text_edit.setPlainText("Dear Ms Nguyen, the part ships today.")
    show(qtbot, desk, second)
    # the reply meant for the first customer is not offered to the second
    assert pane.composer.text_edit.toPlainText() == ""
    assert pane.draft_for(first) == "Dear Ms Nguyen, the part ships today."
    pane.compose(EventKind.INTERNAL_NOTE)
    pane.composer.text_edit.setPlainText("Checked the switch port.")
    show(qtbot, desk, first)
    assert pane.composer.text_edit.toPlainText() == "Dear Ms Nguyen, the part ships today."
    assert pane.composer.kind() is EventKind.PUBLIC_REPLY
    show(qtbot, desk, second)
    assert pane.composer.text_edit.toPlainText() == "Checked the switch port."
    assert pane.composer.kind() is EventKind.INTERNAL_NOTE


def test_an_empty_phone_call_is_refused_and_stops_no_clock(qtbot: Any, desk: Desk) -> None:
    tid = find(desk, lambda e: e.clocks[Metric.FIRST_RESPONSE].state is ClockState.RUNNING)
    show(qtbot, desk, tid)
    pane = desk.panel.ticket_pane
    before = audit_actions(desk, tid)
    desk.panel.actions.actions["call"].trigger()  # Ctrl+L
    assert pane.composer.kind() is EventKind.PHONE_CALL
    pane.composer.send()  # Ctrl+Return with nothing typed
    assert not pane.composer.error_label.isHidden()
    assert "one-line summary" in pane.composer.error_label.text()
    assert audit_actions(desk, tid) == before
    clocks = desk.store.ticket_detail(tid).clocks
    assert clocks[Metric.FIRST_RESPONSE].state is ClockState.RUNNING
    # with a summary it is a response
    pane.composer.text_edit.setPlainText("Called Dana: the printer is back after a restart.")
    settle(qtbot, desk, pane.composer.send)
    assert desk.store.ticket_detail(tid).clocks[Metric.FIRST_RESPONSE].state is ClockState.MET
