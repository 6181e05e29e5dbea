""" "Your time" is the signed-in technician's zone on every screen, whatever zone the
machine is set to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from desktop_app.models.queue_model import Column
from support.detail_desk import WAIT, Desk, show


def sign_in(desk: Desk, name: str) -> None:
    combo = desk.window.findChild(QComboBox, "technicianCombo")
    assert combo is not None
    match = next(t for t in desk.session.technicians if t.name == name)
    combo.setCurrentIndex(combo.findData(match.id))
    assert desk.session.me is not None and desk.session.me.name == name


def test_a_berlin_technician_on_a_utc_machine_reads_berlin_time_everywhere(
    qtbot: Any, desk: Desk, machine_zone_is: Callable[[str], None]
) -> None:
    machine_zone_is("UTC")
    sign_in(desk, "Lena Hoffmann")
    berlin = ZoneInfo("Europe/Berlin")
    row = next(
        r
        for r in range(desk.model.rowCount())
        if desk.model.entry_at(r).due_at is not None
        and desk.model.entry_at(r).nearest is not None
        and desk.model.entry_at(r).site_zone != "Europe/Berlin"
    )
    entry = desk.model.entry_at(row)
    assert entry.due_at is not None and entry.nearest is not None
    due = entry.due_at.astimezone(berlin)
    tooltip = desk.model.index(row, Column.COUNTDOWN).data(Qt.ItemDataRole.ToolTipRole)
    assert f"Deadline (your time): {due:%a %d %b %Y %H:%M %Z}" in tooltip

    show(qtbot, desk, entry.ticket_id)
    card = desk.panel.ticket_pane.cards[entry.nearest.metric]
    assert f"Due {due:%a %d %b %H:%M %Z} your time" in card.deadline.text()

    # someone else signs in at the same desk: their zone, on both
    sign_in(desk, "Chloe Nguyen")
    sydney = entry.due_at.astimezone(ZoneInfo("Australia/Sydney"))
    tooltip = desk.model.index(row, Column.COUNTDOWN).data(Qt.ItemDataRole.ToolTipRole)
    assert f"Deadline (your time): {sydney:%a %d %b %Y %H:%M %Z}" in tooltip
    qtbot.waitUntil(
        lambda: f"Due {sydney:%a %d %b %H:%M %Z} your time" in card.deadline.text(), timeout=WAIT
    )
