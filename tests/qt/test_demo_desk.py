"""The demo desk as the queue and its status bar show it: a well-run desk with some trouble."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from desktop_app.demo import STRUGGLING_CUSTOMER, generate_demo_desk
from desktop_app.models.queue_model import QueueModel, RowState
from desktop_app.store import open_store
from desktop_app.views.queue_view import status_text

# A Wednesday afternoon in Berlin, morning in Toronto, night in Sydney.
NOW = datetime(2025, 3, 12, 15, 30, tzinfo=UTC)


def test_the_status_bar_shows_most_tickets_on_track(qapp: QApplication, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'desk.sqlite3'}", clock=lambda: NOW)
    try:
        store.import_desk(generate_demo_desk(seed=7, now=NOW))
        entries = store.load_queue(NOW)
    finally:
        store.close()
    model = QueueModel(now=NOW.timestamp)
    model.load(entries)

    text = status_text(model)
    found = re.match(r"([\d,]+) open · ([\d,]+) at risk · ([\d,]+) breached", text)
    assert found is not None, text
    open_count, at_risk, breached = (int(n.replace(",", "")) for n in found.groups())
    assert (open_count, at_risk, breached) == model.counts()[:3]

    states = Counter(model.state_of(row) for row in model.rows())
    assert states[RowState.BREACHED] == breached
    assert 1 <= breached <= 0.08 * open_count, text
    assert 0.10 * open_count <= at_risk <= 0.20 * open_count, text
    assert states[RowState.OK] >= 0.5 * open_count, (text, states)

    # the breached rows are mostly the struggling customer's
    by_customer = Counter(
        row.entry.customer_name for row in model.rows() if model.state_of(row) is RowState.BREACHED
    )
    assert by_customer.most_common(1)[0][0] == STRUGGLING_CUSTOMER, by_customer
