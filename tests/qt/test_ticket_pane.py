"""The ticket pane on a known demo desk: facts, SLA clocks with their rule and deadlines in
both zones, the timeline, the quiet loading state and stale answers; the timeline model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.domain import ClockState, EventKind, Metric, Priority, TicketEvent
from desktop_app.models.queue_model import format_remaining
from desktop_app.models.timeline_model import (
    COPY_ROLE,
    EVENT_ROLE,
    EXPANDED_ROLE,
    KIND_ROLE,
    TEXT_ROLE,
    TimelineModel,
)
from desktop_app.views.timeline_view import TimelineView
from support.detail_desk import WAIT, Desk, show

STATE_KEYS = {
    ClockState.RUNNING: {"ok", "warning", "breached"},
    ClockState.PAUSED: {"paused"},
    ClockState.MET: {"met"},
    ClockState.BREACHED: {"breached"},
    ClockState.INACTIVE: {"inactive"},
}


def test_the_pane_shows_the_ticket_its_clocks_and_their_rule(qtbot: Any, desk: Desk) -> None:
    entry = desk.model.entry_at(0)
    show(qtbot, desk, entry.ticket_id)
    pane = desk.panel.ticket_pane
    detail = desk.store.ticket_detail(entry.ticket_id)
    ticket = detail.ticket
    assert ticket.number in pane.header.text() and ticket.subject in pane.header.text()
    assert pane.fact_labels["priority"].text() == ticket.priority.label
    assert pane.fact_labels["category"].text() == ticket.category
    assert pane.fact_labels["status"].text() == ticket.status.value.replace("_", " ")
    assignee = detail.assignee.name if detail.assignee else "Unassigned"
    assert pane.fact_labels["assignee"].text() == assignee
    assert detail.customer.name in pane.fact_labels["customer"].text()
    assert entry.policy_name and entry.policy_name in pane.rule.text()
    me = desk.session.me
    assert me is not None
    for metric, stored in detail.clocks.items():
        card = pane.cards[metric]
        assert card.state_key in STATE_KEYS[stored.state], metric
        if stored.due_at is not None:
            mine = stored.due_at.astimezone(ZoneInfo(me.timezone))
            text = card.deadline.text()
            assert f"Due {mine:%a %d %b %H:%M}" in text and "your time" in text
            assert entry.site_name is not None and f"at {entry.site_name}" in text
        assert f"target {format_remaining(stored.target.total_seconds())}" in card.numbers.text()
        assert entry.policy_name in card.toolTip()
    assert pane.timeline.rowCount() == len(ticket.events)
    first = pane.timeline.index(0)
    assert first.data(KIND_ROLE) == EventKind.CREATED.value
    created = ticket.events[0].at.astimezone(ZoneInfo(me.timezone))
    assert f"{created:%a %d %b %H:%M}" in first.data()
    assert desk.window.detail_stack.currentWidget() is desk.panel.tabs


def test_a_breached_clock_says_by_how_much(qtbot: Any, desk: Desk) -> None:
    entry = next(
        desk.model.entry_at(r)
        for r in range(desk.model.rowCount())
        if desk.model.entry_at(r).nearest is not None
        and desk.model.entry_at(r).nearest.state is ClockState.BREACHED  # type: ignore[union-attr]
    )
    show(qtbot, desk, entry.ticket_id)
    assert entry.nearest is not None
    card = desk.panel.ticket_pane.cards[entry.nearest.metric]
    assert card.state_key == "breached"
    assert card.state.text().startswith("breached")
    assert " over" in card.numbers.text()
    assert "Breached " in card.deadline.text()


def test_loading_is_quiet_and_a_stale_answer_is_ignored(qtbot: Any, desk: Desk) -> None:
    first, second = desk.model.ticket_id_at(0), desk.model.ticket_id_at(5)
    pane = desk.panel.ticket_pane
    with qtbot.waitSignal(desk.panel.ticketShown, timeout=WAIT) as shown:
        desk.window.queue_view.setCurrentIndex(desk.model.index_of(first))
        assert not pane.loading.isHidden() and "Loading" in pane.loading.text()
        desk.window.queue_view.setCurrentIndex(desk.model.index_of(second))
    assert shown.args == [second]
    qtbot.waitUntil(lambda: not desk.panel.loading, timeout=WAIT)
    assert desk.panel.ticket_view is not None and desk.panel.ticket_view.ticket.id == second
    assert pane.loading.isHidden()


def test_enter_opens_the_ticket_with_the_cursor_in_the_composer(qtbot: Any, desk: Desk) -> None:
    tid = desk.model.ticket_id_at(1)
    desk.panel.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(desk.panel.ticketShown, timeout=WAIT):
        desk.session.keys.ticketActivated.emit(tid)
    assert desk.panel.tabs.currentWidget() is desk.panel.ticket_pane
    assert desk.panel.current_ticket == tid


# --------------------------------------------------------------------------- timeline model

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def events(n: int) -> list[TicketEvent]:
    made = [TicketEvent(EventKind.CREATED, T0, "Liam Roy", "Printer jams", Priority.NORMAL)]
    kinds = [EventKind.PUBLIC_REPLY, EventKind.INTERNAL_NOTE, EventKind.CUSTOMER_MESSAGE]
    for i in range(1, n):
        made.append(TicketEvent(kinds[i % 3], T0 + timedelta(minutes=i), "Priya", f"text {i}"))
    return made


def test_the_timeline_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = TimelineModel(zone=ZoneInfo("America/Toronto"))
    model.set_timeline(1, events(5))
    qtmodeltester.check(model, force_py=True)
    assert model.index(0).data().startswith("Ticket opened · Liam Roy · Tue 01 Dec 10:00")
    assert model.index(0).data(EVENT_ROLE) == events(5)[0]
    assert model.index(1).data(KIND_ROLE) == EventKind.INTERNAL_NOTE.value
    assert model.index(1).data(Qt.ItemDataRole.BackgroundRole) is not None  # notes stand out
    assert model.index(2).data(Qt.ItemDataRole.BackgroundRole) is None


def test_new_events_of_the_same_ticket_are_appended_not_reset(qtbot: Any) -> None:
    model = TimelineModel()
    model.set_timeline(1, events(3))
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.rowsInserted) as added:
        model.set_timeline(1, events(5))
    assert added.args[1:] == [3, 4]
    with qtbot.waitSignal(model.modelReset):
        model.set_timeline(2, events(2))
    assert model.rowCount() == 2


def test_headlines_name_the_new_values() -> None:
    from desktop_app.models.timeline_model import event_headline

    assert (
        event_headline(TicketEvent(EventKind.PRIORITY_CHANGED, T0, priority=Priority.HIGH))
        == "Priority changed to P2 high"
    )
    assert (
        event_headline(TicketEvent(EventKind.BREACHED, T0, metric=Metric.RESOLUTION))
        == "Resolution SLA breached"
    )
    assert event_headline(TicketEvent(EventKind.ESCALATED, T0, level=2)) == "Escalated to level 2"


# --------------------------------------------------------------------------- search keys


def test_enter_in_the_search_opens_the_first_match(qtbot: Any, desk: Desk) -> None:
    entry = desk.model.entry_at(7)
    window = desk.window
    window.show()
    qtbot.waitExposed(window)
    window.focus_search()
    qtbot.keyClicks(window.search_edit, entry.number)
    assert desk.model.rowCount() == 1
    with qtbot.waitSignal(desk.panel.ticketShown, timeout=WAIT) as shown:
        qtbot.keyClick(window.search_edit, Qt.Key.Key_Return)
    assert shown.args == [entry.ticket_id]
    assert window.queue_view.currentIndex().row() == 0
    assert desk.panel.tabs.currentWidget() is desk.panel.ticket_pane
    qtbot.waitUntil(desk.panel.ticket_pane.composer.text_edit.hasFocus, timeout=WAIT)


def test_down_in_the_search_moves_into_the_list(qtbot: Any, desk: Desk) -> None:
    window = desk.window
    window.show()
    qtbot.waitExposed(window)
    customer = desk.model.entry_at(3).customer_name
    window.focus_search()
    qtbot.keyClicks(window.search_edit, customer)
    first = desk.model.ticket_id_at(0)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Down)
    qtbot.waitUntil(window.queue_view.hasFocus, timeout=WAIT)
    assert window.queue_view.currentIndex().row() == 0
    assert desk.model.ticket_id_at(0) == first
    # the arrows go on through the matches from there
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Down)
    assert window.queue_view.currentIndex().row() == min(1, desk.model.rowCount() - 1)


def test_enter_without_a_match_says_so(qtbot: Any, desk: Desk) -> None:
    desk.window.search_edit.setText("no such ticket anywhere")
    with qtbot.assertNotEmitted(desk.session.keys.ticketActivated):
        desk.window.search_edit.returnPressed.emit()
    assert "No open ticket matches" in desk.window.statusBar().currentMessage()


# --------------------------------------------------------------------------- long messages


def long_reply(chars: int = 100_000) -> str:
    words = "The vendor's answer, pasted whole, with logs and the steps we took. "
    return (words * (chars // len(words) + 1))[: chars - 3] + "END"


def test_a_long_message_is_previewed_and_read_whole_when_opened() -> None:
    text = long_reply()
    model = TimelineModel(zone=ZoneInfo("America/Toronto"))
    made = events(3)
    made[1] = TicketEvent(EventKind.PUBLIC_REPLY, T0, "Priya", text)
    model.set_timeline(1, made)
    closed = model.index(1).data()
    assert len(closed) < 600 and "100,000 characters" in closed and "END" not in closed
    assert len(model.index(1).data(Qt.ItemDataRole.ToolTipRole)) < 1000  # a glance, not a reader
    model.set_expanded(1, True)
    assert model.index(1).data(EXPANDED_ROLE) is True
    assert model.index(1).data() == model.headline(made[1])  # the text is read below it
    assert model.index(1).data(TEXT_ROLE) == text
    assert model.index(1).data(COPY_ROLE) == f"{model.headline(made[1])}\n{text}"
    model.set_timeline(1, [*made, TicketEvent(EventKind.INTERNAL_NOTE, T0, "Priya", "more")])
    assert model.is_expanded(1)  # a new event on the same ticket keeps it open
    model.set_timeline(2, made)
    assert not model.is_expanded(1)  # another ticket starts closed


def test_an_entry_opens_in_place_and_its_text_can_be_selected_and_copied(qtbot: Any) -> None:
    text = long_reply()
    model = TimelineModel(zone=ZoneInfo("America/Toronto"))
    made = [*events(3), TicketEvent(EventKind.CUSTOMER_MESSAGE, T0, "Felix", "Short one.")]
    made[1] = TicketEvent(EventKind.PUBLIC_REPLY, T0, "Priya", text)
    view = TimelineView()
    qtbot.addWidget(view)
    view.setModel(model)
    model.set_timeline(1, made)
    view.resize(420, 500)
    view.show()
    qtbot.waitExposed(view)
    index = model.index(1)
    closed_height = view.visualRect(index).height()

    where = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    box = view.open_box(1)
    assert box is not None and box.isReadOnly()
    assert box.toPlainText() == text  # the whole of it, not the first 400 characters
    qtbot.waitUntil(lambda: view.visualRect(index).height() > closed_height)
    assert view.visualRect(index).height() < view.viewport().height()  # scrolls inside
    assert view.visualRect(model.index(3)).top() >= view.visualRect(index).bottom()

    box.selectAll()
    box.copy()
    assert QGuiApplication.clipboard().text() == text
    cursor = box.textCursor()
    cursor.setPosition(4)
    cursor.setPosition(11, cursor.MoveMode.KeepAnchor)
    box.setTextCursor(cursor)
    box.copy()
    assert QGuiApplication.clipboard().text() == text[4:11]  # any part of it

    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert view.open_box(1) is None and not model.is_expanded(1)
    view.setCurrentIndex(model.index(3))
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == f"{model.headline(made[3])}\nShort one."
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert view.open_box(3) is not None  # Enter opens the current entry too
