"""A real desk session on a copy of a small demo desk, for the pane and action tests.

The fixtures ``template`` and ``desk`` live in tests/qt/conftest.py; these are the records
and helpers the tests share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from desktop_app.domain import EventKind
from desktop_app.models.queue_model import QueueModel
from desktop_app.store import Store
from desktop_app.views.desk_session import DeskSession
from desktop_app.views.detail_panel import DetailPanel
from desktop_app.views.main_window import MainWindow

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


WAIT = 30_000


@dataclass
class Desk:
    session: DeskSession
    window: MainWindow
    model: QueueModel
    panel: DetailPanel
    store: Store  # a second connection, for checking what was written
    problems: list[tuple[str, str]] = field(default_factory=list)


def show(qtbot: Any, desk: Desk, ticket_id: int) -> None:
    with qtbot.waitSignal(desk.panel.ticketShown, timeout=WAIT):
        desk.window.queue_view.setCurrentIndex(desk.model.index_of(ticket_id))
    assert desk.panel.ticket_view is not None
    assert desk.panel.ticket_view.ticket.id == ticket_id


def settle(qtbot: Any, desk: Desk, trigger: Any) -> None:
    """Run an action and wait until the pane shows the ticket as the action left it."""
    with qtbot.waitSignal(desk.panel.actions.succeeded, timeout=WAIT):
        trigger()
    qtbot.waitUntil(lambda: not desk.panel.loading, timeout=WAIT)


def find(desk: Desk, predicate: Any) -> int:
    for row in range(desk.model.rowCount()):
        entry = desk.model.entry_at(row)
        if predicate(entry):
            return entry.ticket_id
    raise AssertionError("no ticket on the demo desk matches")


def audit_actions(desk: Desk, ticket_id: int) -> list[str]:
    return [a.action for a in desk.store.audit_log("ticket", ticket_id)]


def kinds(desk: Desk, ticket_id: int) -> list[EventKind]:
    return [e.kind for e in desk.store.ticket(ticket_id).events]
