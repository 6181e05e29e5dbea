"""Customer data is shown as typed, never as rich text.

A demo desk whose every stored text carries markup (bold, a link, a huge red font) goes
through every pane, the board, the notification list, the report and the dialogs; every
label, tooltip and menu entry must show the markup as text. QLabel and QToolTip render
anything that looks like markup as rich text, so this is checked as Qt would draw it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtGui
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QSettings, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QMenu, QTableWidget, QWidget

from desktop_app.demo import generate_demo_desk
from desktop_app.demo.desk import STRUGGLING_CUSTOMER
from desktop_app.models.queue_model import QueueModel
from desktop_app.services.clock import FakeClock
from desktop_app.services.desk import DeskService
from desktop_app.store import open_store
from desktop_app.views.alerts_wiring import AlertsWiring
from desktop_app.views.criticism import CriticismDialog
from desktop_app.views.desk_session import DeskSession, _tell_with_dialog
from desktop_app.views.detail_panel import DetailPanel
from desktop_app.views.dispatch_board import attach_dispatch_board
from desktop_app.views.main_window import MainWindow
from desktop_app.views.report_dialog import attach_report
from support.marked_desk import MARK, marked, shown_as_typed

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
WAIT = 30_000


def displayed_label(label: QLabel) -> str:
    """What a label draws: its text, rendered as Qt renders it for its text format."""
    text = label.text()
    fmt = label.textFormat()
    if fmt == Qt.TextFormat.PlainText:
        return text
    if fmt == Qt.TextFormat.MarkdownText:
        doc = QTextDocument()
        doc.setMarkdown(text)
        return doc.toPlainText()
    if fmt == Qt.TextFormat.RichText or QtGui.Qt.mightBeRichText(text):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def displayed_tooltip(tip: str) -> str:
    """What QToolTip draws: rich text whenever the text looks like markup."""
    if QtGui.Qt.mightBeRichText(tip):
        doc = QTextDocument()
        doc.setHtml(tip)
        return doc.toPlainText()
    return tip


def displayed_menu_text(text: str) -> str:
    """What a menu entry draws: "&&" is an "&", a single "&" underlines the next letter."""
    return re.sub(r"&(.)", r"\1", text)


class Seen:
    """Everything checked, and where the mark showed up (so the test cannot pass by
    looking at nothing)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.with_mark: set[str] = set()

    def check(self, where: str, displayed: str) -> None:
        if "qq" not in displayed.lower():
            return
        self.with_mark.add(where)
        if not shown_as_typed(displayed):
            self.problems.append(f"{where}: {displayed!r}")

    def widgets(self, root: QWidget, prefix: str) -> None:
        for widget in [root, *root.findChildren(QWidget)]:
            name = f"{prefix}/{type(widget).__name__}:{widget.objectName()}"
            if isinstance(widget, QLabel):
                self.check(f"{name} text", displayed_label(widget))
            if widget.toolTip():
                self.check(f"{name} tooltip", displayed_tooltip(widget.toolTip()))
            if isinstance(widget, QListWidget):
                for i in range(widget.count()):
                    tip = widget.item(i).toolTip()
                    self.check(f"{name} item {i} tooltip", displayed_tooltip(tip))
            if isinstance(widget, QTableWidget):
                for r in range(widget.rowCount()):
                    for c in range(widget.columnCount()):
                        item = widget.item(r, c)
                        if item is not None:
                            self.check(f"{name} {r},{c} tooltip", displayed_tooltip(item.toolTip()))

    def model(self, model: QAbstractItemModel, where: str) -> None:
        columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
        for r in range(model.rowCount()):
            for c in range(columns):
                tip = model.index(r, c).data(Qt.ItemDataRole.ToolTipRole)
                if isinstance(tip, str):
                    self.check(f"{where} {r},{c} tooltip", displayed_tooltip(tip))

    def menu(self, menu: QMenu, where: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                self.menu(sub, f"{where}/{action.text()}")
                continue
            shown = displayed_menu_text(action.text())
            self.check(f"{where} entry", shown)
            if shown.count("QQbold</b> & <a") != shown.count("QQbold"):
                # the "&" of the mark swallowed as a shortcut marker
                self.problems.append(f"{where} entry: {shown!r}")
            if action.toolTip():
                self.check(f"{where} entry tooltip", displayed_tooltip(action.toolTip()))


class Popup:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def available(self) -> bool:
        return False

    def show(self, title: str, body: str) -> None:
        self.shown.append((title, body))


@pytest.fixture(scope="module")
def marked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("marked") / "template.sqlite3"
    store = open_store(f"sqlite:///{path}", clock=lambda: NOW)
    # enough history that the struggling customer has recent breaches to show
    demo = generate_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=200)
    store.import_desk(marked(demo))
    store.close()
    return path


@pytest.fixture
def wired(
    qtbot: Any, marked_template: Path, tmp_path: Path, tmp_settings: QSettings
) -> Iterator[dict[str, Any]]:
    path = tmp_path / "desk.sqlite3"
    shutil.copy(marked_template, path)
    url = f"sqlite:///{path}"
    clock = FakeClock(NOW)
    window = MainWindow(tmp_settings)
    qtbot.addWidget(window)
    service = DeskService(lambda: open_store(url, clock=clock.now))
    model = QueueModel(window, now=lambda: clock.now().timestamp())
    session = DeskSession(
        window, service, model, tmp_settings, ask=lambda _t, _q: False, tell=lambda _t, _m: None
    )
    panel = DetailPanel(session, now=clock.now)
    alerts = AlertsWiring(
        session, clock=clock, native=Popup(), tray_available=lambda: False, quit_app=lambda: None
    )
    board = attach_dispatch_board(session)
    board.dock.show()  # (a short screen, as offscreen's, starts with it closed)
    report = attach_report(session, now=clock.now)
    with qtbot.waitSignal(alerts.planned, timeout=WAIT):
        session.start()
    qtbot.waitUntil(lambda: alerts.escalation.pending == 0 and not service.busy, timeout=WAIT)
    try:
        yield {
            "window": window,
            "model": model,
            "session": session,
            "panel": panel,
            "alerts": alerts,
            "board": board,
            "report": report,
            "service": service,
        }
    finally:
        qtbot.waitUntil(lambda: alerts.escalation.pending == 0 and not service.busy, timeout=WAIT)
        report.stop()
        board.stop()
        alerts.stop()
        panel.stop()
        session.stop()


def test_markup_in_every_stored_field_is_shown_as_typed(qtbot: Any, wired: dict[str, Any]) -> None:
    window, model, panel = wired["window"], wired["model"], wired["panel"]
    board, alerts = wired["board"], wired["alerts"]
    seen = Seen()

    # a ticket whose customer has an open complaint and recent breaches, shown in both panes
    candidates = [
        r
        for r in range(model.rowCount())
        if model.entry_at(r).open_negative_criticism
        and STRUGGLING_CUSTOMER in model.entry_at(r).customer_name
    ]
    for row in candidates:
        with qtbot.waitSignal(panel.ticketShown, timeout=WAIT):
            window.queue_view.setCurrentIndex(model.index(row, 0))
        if panel.customer_view is not None and panel.customer_view.context.recent_breaches:
            break
    else:
        raise AssertionError("no customer with complaints and recent breaches on the desk")
    qtbot.waitUntil(lambda: not board.model.filling and board.model.loaded, timeout=WAIT)
    seen.widgets(window, "window")
    panel.tabs.setCurrentIndex(1)
    seen.widgets(panel.customer_pane, "customer pane")
    seen.model(model, "queue")
    seen.model(panel.ticket_pane.timeline, "timeline")
    seen.model(panel.customer_pane.criticism.model, "criticism notes")
    for column in board.model.columns:
        seen.model(column, f"board column {column.info.name[:12]}")
    with qtbot.waitSignal(alerts.recorded, timeout=WAIT):
        alerts.notifier.ticket_arrived(model.entry_at(row).ticket_id)
    seen.model(alerts.panel.model, "notifications")

    # the board's menu for a card names every technician
    view = next(c.view for c in board.board.columns if c.column_model.rowCount())
    view.setCurrentIndex(view.model().index(0, 0))
    menu = board.card_menu(view)
    assert menu is not None
    seen.menu(menu, "card menu")
    menu.close()

    # dialogs: a criticism note, a category change with its new rule, escalation, assign
    note = panel.customer_pane.criticism.model.note_at(0)
    dialog = panel.edit_criticism(note)
    assert isinstance(dialog, CriticismDialog)
    dialog.show_error(f"Refused: {note.text}")
    seen.widgets(dialog, "criticism dialog")
    dialog.reject()
    change = panel.actions.open_change("category")
    assert change is not None
    other = next(e.category for e in model.entries() if e.category != model.entry_at(row).category)
    assert other.endswith(MARK.lower())  # categories are kept in lower case
    with qtbot.waitSignal(change.previewShown, timeout=WAIT):
        change.choose(other)
    seen.widgets(change, "category dialog")
    change.reject()
    escalate = panel.actions.open_escalate()
    assert escalate is not None
    escalate.show_error(f"Refused: {model.entry_at(row).subject}")
    seen.widgets(escalate, "escalate dialog")
    escalate.reject()
    window.queue_view.selectRow(row)
    assign = board.assign_selected()
    assert assign is not None
    seen.widgets(assign, "assign dialog")
    assign.reject()
    report = wired["report"].open()
    qtbot.waitUntil(lambda: not report.loading, timeout=WAIT)
    seen.widgets(report, "report")
    report.close()
    _tell_with_dialog(window)("Refused", f"The ticket {model.entry_at(row).subject} changed")
    box = window.findChildren(QWidget, "qt_msgbox_label")
    assert box
    seen.widgets(window, "message box")
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and widget is not window:
            seen.widgets(widget, "top level")

    assert seen.problems == []
    # the mark reached every kind of place (else this test would look at nothing)
    names = " ".join(sorted(seen.with_mark))
    for where in (
        "fact_customer",
        "fact_contact",
        "fact_site",
        "fact_assignee",
        "ticketDescription",
        "ticketHeader",
        "customerHeader",
        "contactsLabel",
        "breachesLabel",
        "complaintsBanner",
        "sitesLabel",
        "contractLabel",
        "columnName",
        "clockDeadline",
        "policyRule",
        "queue",
        "timeline",
        "criticism notes",
        "board column",
        "notifications",
        "card menu",
        "criticism dialog",
        "category dialog",
        "escalate dialog",
        "report",
        "qt_msgbox_label",
    ):
        assert where in names, f"the mark never reached {where}"
