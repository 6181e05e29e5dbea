"""Intake and setup driven through the real dialogs on a real desk (a copy of a small demo
desk, with the queue, the dispatch board, the ticket panes and the SLA alerts attached):
logging a ticket with its deadlines shown first, customers, technicians, policies and
calendars, what a change does to the open tickets, bad input refused next to its field,
unsaved edits asked about, and a save over someone else's refused with who made it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableWidgetItem

from desktop_app.domain import Metric, Priority, Role, Technician
from desktop_app.domain.setup_commands import SavePolicy
from desktop_app.models.queue_model import QueueModel
from desktop_app.services.clock import FakeClock
from desktop_app.services.desk import DeskService
from desktop_app.store import Store, open_store
from desktop_app.store.previews import preview_new_ticket
from desktop_app.store.queries.setup import desk_setup
from desktop_app.views.admin.calendars import CalendarDialog, HolidayFillDialog
from desktop_app.views.admin.customers import CONTRACT_COLUMNS, CustomerDialog
from desktop_app.views.admin.policies import PolicyDialog
from desktop_app.views.admin.technicians import TechnicianDialog
from desktop_app.views.alerts_wiring import AlertsWiring
from desktop_app.views.desk_session import DeskSession
from desktop_app.views.detail_panel import DetailPanel
from desktop_app.views.dispatch_board import attach_dispatch_board
from desktop_app.views.main_window import MainWindow
from desktop_app.views.new_ticket import NewTicketDialog
from desktop_app.views.setup_actions import SetupActions, SignInDialog
from support.detail_desk import NOW, WAIT


class Answers:
    """The questions a dialog asks, answered by the test (no modal box ever opens)."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, title: str, _question: str) -> bool:
        self.asked.append(title)
        return self.answer


class Popup:
    def available(self) -> bool:
        return True

    def show(self, title: str, body: str) -> None:
        self.shown.append((title, body))

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []


@dataclass
class SetupDesk:
    session: DeskSession
    window: MainWindow
    model: QueueModel
    service: DeskService
    setup: SetupActions
    wiring: AlertsWiring
    board: Any
    store: Store  # a second connection, to check what was written
    popup: Popup

    def me_as(self, role: Role) -> Technician:
        person = next(t for t in self.session.technicians if t.role is role)
        assert person.id is not None and self.session.sign_in_as(person.id)
        return person


@pytest.fixture
def desk(
    qtbot: Any, template: Path, tmp_path: Path, tmp_settings: QSettings
) -> Iterator[SetupDesk]:
    path = tmp_path / "desk.sqlite3"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    window = MainWindow(tmp_settings)  # closed below, once the desk has stopped
    service = DeskService(lambda: open_store(url, clock=lambda: NOW))
    model = QueueModel(window, now=NOW.timestamp)
    session = DeskSession(
        window, service, model, tmp_settings, ask=lambda _t, _q: True, tell=lambda _t, _m: None
    )
    panel = DetailPanel(session, now=lambda: NOW)
    popup = Popup()
    wiring = AlertsWiring(
        session,
        clock=FakeClock(NOW),
        native=popup,
        tray_available=lambda: False,
        quit_app=lambda: None,
    )
    board = attach_dispatch_board(session)
    board.dock.show()  # (a short screen, as offscreen's, starts with it closed)
    setup = SetupActions(session)
    with qtbot.waitSignal(wiring.planned, timeout=WAIT):
        session.start()
    checker = open_store(url, clock=lambda: NOW)
    try:
        yield SetupDesk(session, window, model, service, setup, wiring, board, checker, popup)
    finally:
        # what the test left running (a notification being kept) answers first
        qtbot.waitUntil(lambda: not service.busy and not service.delivering, timeout=WAIT)
        setup.stop()
        board.stop()
        wiring.stop()
        panel.stop()
        session.stop()
        checker.close()
        window.hide()
        window.deleteLater()


def _idle(qtbot: Any, desk: SetupDesk) -> None:
    qtbot.waitUntil(lambda: not desk.service.busy and not desk.service.delivering, timeout=WAIT)


def _new_ticket(qtbot: Any, desk: SetupDesk, **kwargs: Any) -> NewTicketDialog:
    kwargs.setdefault("confirm", Answers())
    dialog = NewTicketDialog(desk.session, desk.window, now=lambda: NOW, **kwargs)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.ready, timeout=WAIT):
        dialog.show()
    return dialog


# --------------------------------------------------------------------------- new tickets


# the offscreen platform cannot raise the type-ahead's popup or give it the keyboard
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
def test_a_phoned_in_ticket_shows_its_deadlines_first_then_lands_everywhere(
    qtbot: Any, desk: SetupDesk
) -> None:
    desk.me_as(Role.DISPATCHER)
    customer = next(c for c in desk.store.customers())
    site = desk.store.customer_context(customer.id).sites[0]  # type: ignore[arg-type]
    dialog = _new_ticket(qtbot, desk)
    # the type-ahead finds the customer by one of its sites
    dialog.customer_edit.setFocus()
    QTest.keyClicks(dialog.customer_edit, site.name[:5])
    popup = dialog.type_ahead.completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    found = [popup.model().index(r, 0).data() for r in range(popup.model().rowCount())]
    assert any(text.startswith(customer.name) for text in found)
    row = next(r for r, text in enumerate(found) if text.startswith(customer.name))
    popup.setCurrentIndex(popup.model().index(row, 0))
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        QTest.keyClick(popup, Qt.Key.Key_Return)
    assert dialog.type_ahead.card is not None and dialog.type_ahead.card.id == customer.id

    dialog.subject_edit.setText("Badge readers offline at the loading dock")
    dialog.channel_combo.setCurrentIndex(dialog.channel_combo.findData("phone"))
    received = NOW - timedelta(minutes=35)  # the call came in before it was logged
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        dialog.priority_combo.setCurrentIndex(dialog.priority_combo.findData("high"))
        dialog.category_combo.setEditText("hardware")
        dialog.set_received(received)
    expected = preview_new_ticket(
        desk.store,
        customer.id,
        site.id,
        Priority.HIGH,
        "hardware",
        dialog.received_at(),
        now=NOW,  # type: ignore[arg-type]
    )
    due = expected.clocks[Metric.FIRST_RESPONSE].due_at
    assert due is not None and dialog.received_at() == received.replace(second=0, microsecond=0)
    site_text = dialog.table.item(0, 2).text()
    assert site_text.startswith(f"{due.astimezone(_zone(site.timezone)):%a %d %b %H:%M}")
    assert (
        dialog.table.item(0, 3)
        .text()
        .startswith(
            f"{due.astimezone(_zone(desk.session.me.timezone)):%a %d %b %H:%M}"  # type: ignore[union-attr]
        )
    )
    assert expected.terms.explain() in dialog.rule_label.text()
    assert dialog.save_button.isEnabled()

    rows_before = desk.model.total()
    with qtbot.waitSignal(dialog.saved, timeout=WAIT) as saved:
        dialog.save_button.click()
    ticket = saved.args[0]
    _idle(qtbot, desk)
    assert desk.model.total() == rows_before + 1
    entry = desk.model.entry(ticket.id)
    assert entry is not None and entry.created_at == dialog.received_at()
    assert entry.clocks[Metric.FIRST_RESPONSE].due_at == due  # what was shown is what it got
    assert desk.board.model.column_of_ticket(ticket.id) is not None  # on the board too
    assert desk.store.ticket(ticket.id).channel == "phone"
    qtbot.waitUntil(
        lambda: any(
            desk.wiring.panel.model.notification_at(i).ticket_id == ticket.id
            and desk.wiring.panel.model.notification_at(i).kind == "arrival"
            for i in range(desk.wiring.panel.model.rowCount())
        ),
        timeout=WAIT,
    )
    assert not dialog.isVisible()


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(
    qtbot: Any, desk: SetupDesk
) -> None:
    desk.me_as(Role.TECHNICIAN)
    answers = Answers(answer=False)
    dialog = _new_ticket(qtbot, desk, confirm=answers)
    before = len(desk.store.load_queue())
    dialog.save()  # no customer yet
    assert any("Pick the customer" in m for m in dialog.errors.shown())
    customer = desk.store.customers()[0]
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        assert dialog.type_ahead.choose(customer.id)
    # a technician may take the call or leave it unassigned, not give it to a colleague
    assignees = [dialog.assignee_combo.itemData(i) for i in range(dialog.assignee_combo.count())]
    assert assignees == [None, desk.session.me.id]  # type: ignore[union-attr]
    assert dialog.assignee_combo.currentData() == desk.session.me.id  # type: ignore[union-attr]
    assert not dialog.save_button.isEnabled()  # no subject yet
    dialog.subject_edit.setText("   ")  # typed: the dialog now asks before closing
    dialog.save()
    assert any("subject" in m for m in dialog.errors.shown())
    dialog.subject_edit.setText("Printer jam")
    dialog.received_edit.setMaximumDateTime(dialog.received_edit.dateTime().addDays(2))
    dialog.received_edit.setDateTime(dialog.received_edit.dateTime().addDays(1))
    dialog.save()
    assert any("future" in m for m in dialog.errors.shown())
    assert len(desk.store.load_queue()) == before

    dialog.reject()  # typed text: asked first, and kept when the answer is no
    assert answers.asked and dialog.isVisible()
    answers.answer = True
    dialog.reject()
    assert not dialog.isVisible()


def test_the_customer_tab_and_the_menu_open_the_new_ticket_dialog(
    qtbot: Any, desk: SetupDesk
) -> None:
    desk.me_as(Role.DISPATCHER)
    action = desk.window.findChild(object, "actionNewTicket")
    assert action is not None and action.shortcut().toString() == "Ctrl+Shift+N"
    customer = desk.store.customers()[1]
    assert customer.id is not None
    dialog = desk.setup.new_ticket(customer.id)
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        pass
    assert dialog.type_ahead.card is not None and dialog.type_ahead.card.id == customer.id
    dialog.done(0)


# --------------------------------------------------------------------------- policies


def _policy_dialog(qtbot: Any, desk: SetupDesk, **kwargs: Any) -> PolicyDialog:
    kwargs.setdefault("confirm", Answers())
    dialog = PolicyDialog(desk.session, desk.window, pause_ms=10, **kwargs)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.show()
    return dialog


def _choose(dialog: Any, text: str) -> None:
    row = next(i for i in range(dialog.list.count()) if dialog.list.item(i).text().startswith(text))
    dialog.list.setCurrentRow(row)


def test_a_policy_edit_shows_the_tickets_it_moves_and_saving_moves_just_those(
    qtbot: Any, desk: SetupDesk
) -> None:
    desk.me_as(Role.MANAGER)
    dialog = _policy_dialog(qtbot, desk)
    gold = next(p for p in desk_setup(desk.store).policies if p.name == "Gold")
    _choose(dialog, "Gold")
    assert dialog.grid.item(2, 2).text() == "24 h"
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        dialog.grid.item(2, 2).setText("10 h")  # P3 normal, resolution
    expected = desk.store.rehearse(
        SavePolicy(
            actor_id=desk.session.me.id,  # type: ignore[union-attr]
            at=NOW,
            policy=replace(
                gold,
                targets={
                    **gold.targets,
                    (Priority.NORMAL, Metric.RESOLUTION): timedelta(hours=10),
                },
            ),
        )
    ).result.impact  # type: ignore[union-attr]
    impact = dialog.impact.impact
    assert impact is not None and impact.moves == expected.moves and impact.changed > 0
    assert dialog.impact.summary.text() == expected.summary()
    assert dialog.impact.table.rowCount() == min(5, len(expected.biggest))
    moved = {m.ticket_id for m in impact.moves}
    others = {e.ticket_id: e.version for e in desk.model.entries() if e.ticket_id not in moved}
    with qtbot.waitSignal(dialog.savedRecord, timeout=WAIT):
        dialog.save_button.click()
    _idle(qtbot, desk)
    counting = [m for m in impact.moves if m.metric is not None]
    assert counting  # deadlines move (a resolved-in-time verdict could change too)
    for move in counting:
        entry = desk.model.entry(move.ticket_id)
        assert entry is not None and move.metric == "resolution"
        assert entry.clocks[Metric.RESOLUTION].due_at == move.after  # its row moved
    assert {e.ticket_id: e.version for e in desk.model.entries() if e.ticket_id in others} == others
    audit = desk.store.audit_log("policy", gold.id)[0]
    assert audit.before == {"targets": {**audit.before["targets"]}}  # type: ignore[index]
    assert audit.after["targets"]["normal/resolution"] == 10 * 3600  # type: ignore[index]
    assert not dialog.dirty and not dialog.save_button.isEnabled()


def test_a_zero_target_is_refused_in_the_grid_and_closing_asks_first(
    qtbot: Any, desk: SetupDesk
) -> None:
    desk.me_as(Role.MANAGER)
    answers = Answers(answer=False)
    dialog = _policy_dialog(qtbot, desk, confirm=answers)
    _choose(dialog, "Silver")
    with qtbot.waitSignal(dialog.problemShown, timeout=WAIT) as problem:
        dialog.grid.item(1, 2).setText("0")
    assert "longer than zero" in problem.args[0]
    assert dialog.grid.currentRow() == 1 and dialog.grid.currentColumn() == 2
    assert any("longer than zero" in m for m in dialog.errors.shown())
    assert not dialog.save_button.isEnabled()
    dialog.reject()
    assert answers.asked and dialog.isVisible()  # unsaved: asked, and kept open
    answers.answer = True
    dialog.reject()
    assert not dialog.isVisible()
    assert next(p for p in desk_setup(desk.store).policies if p.name == "Silver").version == 1


def test_the_second_of_two_editors_is_refused_with_who_saved_first(
    qtbot: Any, desk: SetupDesk
) -> None:
    manager = desk.me_as(Role.MANAGER)
    first = _policy_dialog(qtbot, desk)
    second = _policy_dialog(qtbot, desk)
    for dialog, lead in ((first, "10 min"), (second, "20 min")):
        _choose(dialog, "Bronze")
        with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
            dialog.lead_edit.setText(lead)
            dialog.touched()
    with qtbot.waitSignal(first.savedRecord, timeout=WAIT):
        first.save()
    with qtbot.waitSignal(second.problemShown, timeout=WAIT) as problem:
        second.save()
    assert f"changed by {manager.name}" in problem.args[0]
    assert second.conflict_label.isVisibleTo(second)
    assert second.lead_edit.text() == "20 min"  # the edits stay on screen
    bronze = next(p for p in desk_setup(desk.store).policies if p.name == "Bronze")
    assert bronze.warnings.lead == timedelta(minutes=10)


def test_a_technician_sees_the_policies_but_cannot_save(qtbot: Any, desk: SetupDesk) -> None:
    desk.me_as(Role.TECHNICIAN)
    dialog = _policy_dialog(qtbot, desk)
    assert (
        dialog.read_only_reason is not None and "dispatcher or manager" in dialog.read_only_reason
    )
    assert not dialog.grid.isEnabled() and not dialog.save_button.isEnabled()


# --------------------------------------------------------------------------- calendars


def test_calendar_hours_are_checked_inline_and_a_years_holidays_are_listed_first(
    qtbot: Any, desk: SetupDesk
) -> None:
    desk.me_as(Role.DISPATCHER)
    dialog = CalendarDialog(desk.session, desk.window, pause_ms=10, confirm=Answers())
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.show()
    _choose(dialog, "Toronto office")
    assert not dialog.dirty  # loading the pickers is not an edit
    with qtbot.waitSignal(dialog.problemShown, timeout=WAIT) as problem:
        dialog.hours.item(0, 0).setText("08:00–12:00, 11:00–17:00")
    assert "overlap" in problem.args[0] and dialog.hours.currentRow() == 0
    with qtbot.waitSignal(dialog.problemShown, timeout=WAIT) as problem:
        dialog.hours.item(0, 0).setText("17:00–08:00")
    assert "ends before it starts" in problem.args[0] and "+1" in problem.args[0]
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        dialog.hours.item(0, 0).setText("08:00–17:00")
        dialog.hours.item(4, 0).setText("08:00–17:00, 22:00–02:00+1")  # a Friday night shift

    qtbot.waitUntil(lambda: dialog.country_combo.count() > 100, timeout=WAIT)
    dialog.country_combo.setCurrentIndex(dialog.country_combo.findData("CA"))
    dialog.subdivision_combo.setCurrentIndex(dialog.subdivision_combo.findData("ON"))
    dialog.year_spin.setValue(NOW.year + 1)
    with qtbot.waitSignal(dialog.holidaysOffered, timeout=WAIT) as offered:
        dialog.offer_year()
    fill: HolidayFillDialog = offered.args[0]
    names = [fill.list.item(i).text() for i in range(fill.list.count())]
    assert any("Victoria Day" in n for n in names) and any("Family Day" in n for n in names)
    chosen = fill.chosen()
    assert len(chosen) == fill.list.count()
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        fill.accept()
    assert set(chosen) <= set(dialog.holidays())
    with qtbot.waitSignal(dialog.savedRecord, timeout=WAIT):
        dialog.save_button.click()
    toronto = next(c for c in desk_setup(desk.store).calendars if c.name == "Toronto office")
    assert set(chosen) <= set(toronto.holidays)
    assert toronto.hours[4] == [("08:00", "17:00"), ("22:00", "24:00")]
    assert toronto.hours[5] == [("00:00", "02:00")]


# --------------------------------------------------------------------------- customers


def test_a_new_customer_is_saved_whole_or_refused_by_field(qtbot: Any, desk: SetupDesk) -> None:
    desk.me_as(Role.DISPATCHER)
    dialog = CustomerDialog(desk.session, desk.window, pause_ms=10, confirm=Answers())
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.show()
    dialog.new_customer()
    existing = desk.store.customers()[0].name
    dialog.name_edit.setText(existing)
    dialog.add_site()
    dialog.sites.setItem(0, 0, QTableWidgetItem("Harbour office"))
    dialog.sites.setItem(0, 1, QTableWidgetItem("Europe/Oslo"))
    dialog.add_contact()
    dialog.contacts.setItem(0, 0, QTableWidgetItem("Ingrid Berg"))
    dialog.contacts.setItem(0, 1, QTableWidgetItem("ingrid@fjord.example"))
    with qtbot.waitSignal(dialog.problemShown, timeout=WAIT) as problem:
        dialog.touched()
    assert "exists already" in problem.args[0]
    assert dialog.tabs.currentIndex() == 0 and any(
        "exists already" in m for m in dialog.errors.shown()
    )

    dialog.name_edit.setText("Fjord Fisheries AS")
    dialog.add_contract()
    ends = CONTRACT_COLUMNS.index("ends_on")
    dialog.contracts.setItem(0, ends, QTableWidgetItem("2020-01-01"))
    with qtbot.waitSignal(dialog.problemShown, timeout=WAIT) as problem:
        dialog.touched()
    assert "before it starts" in problem.args[0]
    assert dialog.contracts.currentColumn() == ends
    assert "Fjord Fisheries AS" not in {c.name for c in desk.store.customers()}

    dialog.contracts.setItem(0, ends, QTableWidgetItem("2027-12-31"))
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        dialog.touched()
    with qtbot.waitSignal(dialog.savedRecord, timeout=WAIT) as saved:
        dialog.save_button.click()
    customer = saved.args[0].record
    records = desk.store.customer_context(customer.id)
    assert [s.timezone for s in records.sites] == ["Europe/Oslo"]
    assert [c.email for c in records.contacts] == ["ingrid@fjord.example"]
    assert records.contracts[0].ends_on.isoformat() == "2027-12-31"
    _idle(qtbot, desk)
    names = [
        desk.window.customer_filter.itemText(i) for i in range(desk.window.customer_filter.count())
    ]
    assert "Fjord Fisheries AS" in names  # the queue's customer filter knows it at once

    ticket = _new_ticket(qtbot, desk)
    assert any(c.name == "Fjord Fisheries AS" for c in ticket.type_ahead._cards)
    ticket.done(0)


def test_a_site_moved_to_another_zone_moves_its_open_tickets(qtbot: Any, desk: SetupDesk) -> None:
    desk.me_as(Role.DISPATCHER)
    entry = next(e for e in desk.model.entries() if e.site_zone == "America/Toronto" and e.due_at)
    dialog = CustomerDialog(
        desk.session, desk.window, pause_ms=10, customer_id=entry.customer_id, confirm=Answers()
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.recordsShown, timeout=WAIT):
        dialog.show()
    row = next(
        r
        for r in range(dialog.sites.rowCount())
        if dialog.sites.item(r, 0).text() == entry.site_name
    )
    with qtbot.waitSignal(dialog.previewShown, timeout=WAIT):
        dialog.sites.item(row, 1).setText("Europe/Berlin")
    impact = dialog.impact.impact
    assert impact is not None and entry.ticket_id in {m.ticket_id for m in impact.moves}
    with qtbot.waitSignal(dialog.savedRecord, timeout=WAIT):
        dialog.save_button.click()
    _idle(qtbot, desk)
    moved = desk.model.entry(entry.ticket_id)
    assert moved is not None and moved.site_zone == "Europe/Berlin" and moved.due_at != entry.due_at


# --------------------------------------------------------------------------- technicians


def test_a_manager_adds_and_deactivates_a_technician(qtbot: Any, desk: SetupDesk) -> None:
    desk.me_as(Role.MANAGER)
    dialog = TechnicianDialog(desk.session, desk.window, confirm=Answers())
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.show()
    dialog.new_person()
    dialog.name_edit.setText("Ana Costa")
    dialog.zone_combo.setEditText("Europe/Lisbon")
    dialog.days[5].setChecked(True)  # Monday to Saturday
    saved: list[Technician] = []
    dialog.savedRecord.connect(saved.append)
    with qtbot.waitSignals([dialog.savedRecord, dialog.loaded], timeout=WAIT):
        dialog.save_button.click()
    ana = saved[0]
    assert ana.shift_days == (0, 1, 2, 3, 4, 5) and ana.timezone == "Europe/Lisbon"
    _idle(qtbot, desk)
    assert any(t.name == "Ana Costa" for t in desk.session.technicians)
    assert dialog.current is not None and dialog.current.id == ana.id
    with qtbot.waitSignal(dialog.savedRecord, timeout=WAIT):
        dialog.active_button.click()
    _idle(qtbot, desk)
    assert all(t.name != "Ana Costa" for t in desk.session.technicians)  # off the desk
    assert any(t.name == "Ana Costa" and not t.active for t in desk.store.technicians())

    dialog.new_person()
    dialog.name_edit.setText("Bad Zone")
    dialog.zone_combo.setEditText("Mars/Olympus")
    dialog.save_button.click()
    assert any("not a time zone" in m for m in dialog.errors.shown())


def test_sign_in_as_picks_who_is_at_a_sqlite_desk(qtbot: Any, desk: SetupDesk) -> None:
    target = next(t for t in desk.session.technicians if t.role is Role.TECHNICIAN)
    dialog = desk.setup.sign_in()
    assert isinstance(dialog, SignInDialog)
    row = next(
        i
        for i in range(dialog.list.count())
        if dialog.list.item(i).data(Qt.ItemDataRole.UserRole) == target.id
    )
    dialog.list.setCurrentRow(row)
    dialog.accept()
    assert desk.session.me is not None and desk.session.me.id == target.id
    assert desk.setup.sign_in_action.isEnabled()
