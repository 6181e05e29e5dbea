"""Benchmark: the whole queue (100,000 tickets) taking the place of its first screenful.

The GUI thread's share of the swap: the rows are prepared off the GUI thread (as the
desk does), then timed from ``QueueModel.load`` until the view has laid out and painted,
with a selected, current ticket on screen. Baseline in the same run: the earlier swap,
which removed the first screenful and inserted every row (and lost the selection); it
is what ``load`` still does when the model was not partial.

Run: ``.venv/bin/python -m pytest tests/bench/bench_queue_swap.py -s -o addopts=""``
"""

from __future__ import annotations

import platform
import random
import statistics
import time
from datetime import timedelta
from typing import Any

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView

from desktop_app.domain import Priority
from desktop_app.models.queue_model import TICKET_ID_ROLE, QueueModel, prepare_queue
from desktop_app.views.queue_view import configure_queue_view, keeping_view_anchored
from support.queue_entries import OFFICE, FakeNow, entry

N = 100_000
HEAD = 200
REPEATS = 5


def make_entries(n: int, seed: int = 11) -> list[Any]:
    rng = random.Random(seed)
    priorities = list(Priority)
    return [
        entry(
            i,
            timedelta(minutes=rng.randrange(-600, 20_000)),
            priority=rng.choice(priorities),
            assignee_id=rng.choice([None, 1, 2, 3, 4, 5]),
            calendar=OFFICE,
            created_ago=timedelta(minutes=rng.randrange(1, 90_000)),
        )
        for i in range(1, n + 1)
    ]


def _swap_once(qtbot: Any, entries: list[Any], *, partial: bool) -> tuple[float, bool]:
    """Seconds for the GUI to swap in the whole queue; whether the selection survived."""
    whole = prepare_queue(entries)
    first = {key[4] for key in whole.keys[:HEAD]}
    head = prepare_queue(e for e in entries if e.ticket_id in first)
    model = QueueModel(now=FakeNow())
    model.load(head, partial=partial)
    win = QMainWindow()
    view = QTableView()
    win.setCentralWidget(view)
    configure_queue_view(view, model)
    win.resize(1200, 700)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    chosen = model.ticket_id_at(5)
    view.selectionModel().setCurrentIndex(
        model.index(5, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    QApplication.processEvents()
    began = time.perf_counter()
    with keeping_view_anchored(view, model):
        model.load(whole)
    view.viewport().repaint()
    QApplication.processEvents()
    spent = time.perf_counter() - began
    kept = view.currentIndex().data(TICKET_ID_ROLE) == chosen
    win.close()
    return spent, kept


def test_whole_queue_swap(qapp: QApplication, qtbot: Any) -> None:
    entries = make_entries(N)
    print(
        f"\nWhole queue replacing its first {HEAD} rows, {N:,} tickets — "
        f"{platform.machine()}, CPython {platform.python_version()}, "
        f"Qt platform {qapp.platformName()}"
    )
    for name, partial in (
        ("baseline: remove + insert all rows", False),
        ("one layout change (keeps selection)", True),
    ):
        runs = [_swap_once(qtbot, entries, partial=partial) for _ in range(REPEATS)]
        ms = [r[0] * 1e3 for r in runs]
        kept = all(r[1] for r in runs)
        print(
            f"  {name:38s} median {statistics.median(ms):6.1f} ms "
            f"(range {min(ms):.1f}-{max(ms):.1f}, {REPEATS} runs); selection kept: {kept}"
        )
