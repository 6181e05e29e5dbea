"""Benchmarks of the dispatch board: a drop of 100 tickets on a board of 10,000 open tickets,
and the longest GUI-thread stall while the board opens and updates on 10,000 and 100,000.

Target (issue 6): the drop, commit included, in ≤ 100 ms. Figures printed side by side,
measured in the same run on the same SQLite file (WAL, synchronous=FULL):

* ``apply(Reassign of 100)`` — the board's command alone: 100 tickets, one audit row,
  commit (the one write path every assignment takes);
* baseline ``100 × apply(Reassign of 1)`` — the same 100 tickets, one command each
  (what a board without multi-ticket commands would do);
* ``queue_entries(100)`` — what the desk service reads after the write so the queue and
  the board move their rows (one query for the change set's tickets), against the
  baseline ``100 × queue_entry`` (one read per ticket);
* ``board drop`` — end to end in the GUI: ``dropMimeData`` on a column → database thread
  → commit → 100 cards and queue rows moved (the ``applied`` signal), and its undo.

Stalls (target: no event-loop turn of the GUI thread longer than 50 ms). A zero-interval
timer fires once per turn of the event loop; the longest gap between two firings is the
longest time the GUI could not answer input. Per desk size (``BENCH_BOARD_SIZES``, default
10,000 and 100,000 open tickets of the demo desk), a board widget is shown, then:
open (fill from the queue's rows, lay out, paint), one ticket changes hands, a drop of 100
cards, a countdown tick, scrolling a column to its end. Side by side, in the same run:

* baseline ``every card, filled at once`` — the board before paging: each column's view
  is given all of its cards, and the board is sorted in one go (``load_rows``);
* ``paged columns, filled in steps`` — the board as it runs: each column shows the
  cards that breach first, a page at a time, and ``fill`` sorts in short steps.

Run: ``.venv/bin/python -m pytest tests/bench/bench_board.py -s -o addopts=""``
(``BENCH_TICKETS`` changes the desk size of the drop benchmark, ``BENCH_ROUNDS`` its
repetitions; ``BENCH_BOARD_SIZES`` and ``BENCH_STALL_ROUNDS`` those of the stall one).
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEventLoop, QModelIndex, QObject, QSettings, Qt, QTimer, Slot

from desktop_app.demo import generate_demo_desk
from desktop_app.domain import Role, Technician
from desktop_app.models.board_model import CARDS_PER_PAGE, BoardModel
from desktop_app.models.queue_model import QueueModel, prepare_queue
from desktop_app.models.ticket_mime import encode_tickets
from desktop_app.services.desk import DeskService
from desktop_app.store import Store, open_store
from desktop_app.views.desk_session import DeskSession
from desktop_app.views.dispatch_board import DispatchBoard, DispatchBoardPanel, state_icons
from desktop_app.views.main_window import MainWindow
from support import writes

TICKETS = int(os.environ.get("BENCH_TICKETS", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
DROP = 100
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
TARGET_MS = 100.0
SIZES = [int(n) for n in os.environ.get("BENCH_BOARD_SIZES", "10000,100000").split(",")]
STALL_ROUNDS = int(os.environ.get("BENCH_STALL_ROUNDS", "3"))
STALL_TARGET_MS = 50.0
Desk = tuple[list[Any], list[Technician]]  # the queue's rows, the active people


@pytest.fixture(scope="module")
def desk_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("bench") / "board.sqlite3"
    url = f"sqlite:///{path}"
    store = open_store(url, clock=lambda: NOW)
    started = time.perf_counter()
    store.import_desk(generate_demo_desk(seed=3, now=NOW, open_tickets=TICKETS, closed_tickets=100))
    print(
        f"\n[setup] demo desk with {TICKETS} open tickets in {time.perf_counter() - started:.1f} s"
    )
    store.close()
    return url


@pytest.fixture
def store(desk_url: str) -> Iterator[Store]:
    s = open_store(desk_url, clock=lambda: NOW)
    yield s
    s.close()


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:7.1f} ms  (min {min(samples) * 1000:.1f})"


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _batches(store: Store, rounds: int) -> list[dict[int, int]]:
    """Disjoint batches of 100 open tickets (current versions), one per round."""
    queue = store.load_queue()
    needed = rounds * DROP
    assert len(queue) >= needed, f"the desk needs {needed} open tickets"
    return [
        {e.ticket_id: e.version for e in queue[i * DROP : (i + 1) * DROP]} for i in range(rounds)
    ]


def test_store_drop_of_100_tickets_against_single_assigns(store: Store) -> None:
    people = store.technicians()
    lead = next(t for t in people if t.role is Role.DISPATCHER)
    target = next(t for t in people if t.role is Role.MANAGER)  # holds no demo ticket
    batches = _batches(store, 2 * ROUNDS)
    bulk = [
        _timed(lambda b=b: writes.assign_tickets(store, lead.id, b, target.id))
        for b in batches[:ROUNDS]
    ]

    def one_by_one(batch: dict[int, int]) -> None:
        for ticket_id, version in batch.items():
            writes.assign(store, lead.id, {ticket_id: version}, target.id)

    singles = [_timed(lambda b=b: one_by_one(b)) for b in batches[ROUNDS:]]
    sample = list(batches[0])
    read_back = [_timed(lambda: store.queue_entries(sample)) for _ in range(ROUNDS)]
    reread = [_timed(lambda: [store.queue_entry(t) for t in sample]) for _ in range(ROUNDS)]

    print(f"\n[board] {DROP}-ticket drop on {TICKETS} open tickets, SQLite, commit included")
    print(f"  apply(Reassign of 100)            : {_ms(bulk)}   target ≤ {TARGET_MS:.0f} ms")
    print(f"  baseline 100 × apply(Reassign of 1): {_ms(singles)}")
    print(f"  queue_entries(100), one read      : {_ms(read_back)}")
    print(f"  baseline 100 × queue_entry        : {_ms(reread)}")
    assert statistics.median(bulk) > 0


class _Dialogs:
    def ask(self, title: str, question: str) -> bool:
        return True

    def tell(self, title: str, message: str) -> None:
        raise AssertionError(f"{title}: {message}")


def test_board_drop_of_100_tickets_end_to_end(qtbot: Any, desk_url: str, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    qtbot.addWidget(window)
    service = DeskService(lambda: open_store(desk_url, clock=lambda: NOW))
    model = QueueModel(window, now=NOW.timestamp)
    dialogs = _Dialogs()
    session = DeskSession(window, service, model, settings, ask=dialogs.ask, tell=dialogs.tell)
    panel = DispatchBoardPanel(session, now=NOW.timestamp)
    try:
        started = time.perf_counter()
        with qtbot.waitSignal(panel.model.filled, timeout=120_000):
            session.start()
        print(
            f"\n[board] session and board of {panel.model.total()} tickets shown in "
            f"{time.perf_counter() - started:.1f} s"
        )
        board = panel.model
        manager = next(t for t in session.technicians if t.role is Role.MANAGER)
        target = board.column(manager.id)
        assert target is not None
        drops, undos = [], []
        sources = [
            c for c in board.columns if c.info.active and c.rowCount() >= DROP and c is not target
        ]
        assert sources, "no column shows 100 cards"
        for n in range(ROUNDS):
            source = sources[n % len(sources)]
            tickets = [(e.ticket_id, e.version) for e in (source.entry_at(r) for r in range(DROP))]
            mime = encode_tickets(tickets)
            held = target.card_count()
            begun = time.perf_counter()
            with qtbot.waitSignal(panel.dispatcher.applied, timeout=30_000):
                assert target.dropMimeData(mime, Qt.DropAction.MoveAction, -1, 0, QModelIndex())
            drops.append(time.perf_counter() - begun)
            assert target.card_count() == held + DROP
            begun = time.perf_counter()
            with qtbot.waitSignal(panel.dispatcher.applied, timeout=30_000):
                session.undo_stack.undo()
            undos.append(time.perf_counter() - begun)
            assert target.card_count() == held
        print(
            f"  board drop (GUI → commit → cards moved): {_ms(drops)}   target ≤ {TARGET_MS:.0f} ms"
        )
        print(f"  its undo (each back to its assignee)   : {_ms(undos)}")
    finally:
        panel.stop()
        session.stop()


# ---------------------------------------------------------------------------------- stalls


class StallMeter(QObject):
    """The longest turn of the GUI thread's event loop while an action and what it
    posted (layouts, paints, fill steps) run.

    A zero-interval timer fires once per turn of a real event loop, after the events of
    that turn; the gap between two firings is how long the turn held the thread. (Not
    ``qtbot.waitUntil``: its ``qWait`` sleeps 10 ms between passes, which would count.)
    The loop ends after many short turns in a row, once ``done`` holds.
    """

    QUIET_S = 0.002
    QUIET_TURNS = 50

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setObjectName("stall-meter")
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._beat)
        self._loop = QEventLoop(self)
        self._last = time.perf_counter()
        self._done: Callable[[], bool] = lambda: True
        self.longest = 0.0
        self._quiet = 0

    def measure(self, action: Callable[[], Any], done: Callable[[], bool] | None = None) -> float:
        self._done = done or (lambda: True)
        self.longest = 0.0
        self._quiet = 0
        self._last = time.perf_counter()
        self._timer.start()
        action()  # its own time counts: the first beat comes after it
        guard = QTimer(self)
        guard.setSingleShot(True)
        guard.timeout.connect(self._loop.quit)
        guard.start(300_000)
        self._loop.exec()
        guard.stop()
        self._timer.stop()
        assert self._done(), "the action did not finish within 5 minutes"
        return self.longest

    @Slot()
    def _beat(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self._last = now
        self.longest = max(self.longest, gap)
        self._quiet = self._quiet + 1 if gap < self.QUIET_S else 0
        if self._quiet >= self.QUIET_TURNS and self._done():
            self._loop.quit()


@pytest.fixture(scope="module")
def desks(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Desk]:
    """The queue's rows (as the queue hands them to the board) and the active people of
    demo desks of each size, built once."""
    built: dict[int, Desk] = {}
    for size in SIZES:
        path = tmp_path_factory.mktemp("stall") / f"desk{size}.sqlite3"
        store = open_store(f"sqlite:///{path}", clock=lambda: NOW)
        began = time.perf_counter()
        store.import_desk(generate_demo_desk(seed=3, now=NOW, open_tickets=size, closed_tickets=0))
        rows = list(prepare_queue(store.load_queue()).rows.values())
        people = [t for t in store.technicians() if t.active]
        store.close()
        print(
            f"\n[setup] demo desk of {size:,} open tickets in {time.perf_counter() - began:.0f} s"
        )
        built[size] = (rows, people)
    return built


def _stalls(qtbot: Any, desk: Desk, *, before: bool) -> dict[str, float]:
    rows, people = desk
    # A settled heap: the collector's first passes over a freshly loaded desk take
    # 300-400 ms at 100,000 tickets here, whatever the board does; they would land in
    # whichever phase runs first.
    gc.collect()
    model = BoardModel(now=NOW.timestamp, cards_per_page=None if before else CARDS_PER_PAGE)
    board = DispatchBoard(model, icons=state_icons())
    board.resize(1280, 300)
    board.show()
    qtbot.waitExposed(board)
    meter = StallMeter()
    stalls: dict[str, float] = {}
    try:
        began = time.perf_counter()
        stalls["nothing, for 0.5 s (noise)"] = meter.measure(
            lambda: None, lambda: time.perf_counter() - began > 0.5
        )
        began = time.perf_counter()

        def fill() -> None:
            if before:
                model.load_rows(rows, people)
            else:
                model.fill(rows, people)

        stalls["open the board"] = meter.measure(fill, lambda: model.loaded and not model.filling)
        stalls["(open: until the cards show, s)"] = time.perf_counter() - began
        active = [c for c in model.columns if c.info.active and not c.info.is_unassigned]
        source = max(active, key=lambda c: c.card_count())
        target = min(active, key=lambda c: c.card_count())
        to = target.info.assignee_id
        one = source.entry_at(0)
        handed = one._replace(assignee_id=to, version=one.version + 1)
        stalls["a ticket changes hands"] = meter.measure(lambda: model.upsert(handed))
        moving = [source.entry_at(r) for r in range(DROP)]

        def drop() -> None:
            with model.batch():
                for e in moving:
                    model.upsert(e._replace(assignee_id=to, version=e.version + 1))
            model.highlight([e.ticket_id for e in moving])

        stalls[f"a drop of {DROP} cards"] = meter.measure(drop)
        stalls["a countdown tick"] = meter.measure(board.tick)
        view = board.view_of(source.info.assignee_id)
        assert view is not None
        stalls["scroll a column to its end"] = meter.measure(view.scrollToBottom)
    finally:
        model.cancel_fill()
        board.stop()
        board.close()
        board.deleteLater()
    return stalls


def _ms_range(samples: list[float]) -> str:
    ms = sorted(x * 1000 for x in samples)
    return f"{statistics.median(ms):7.0f} ({ms[0]:.0f}–{ms[-1]:.0f})"


@pytest.mark.parametrize("size", SIZES)
def test_board_stalls_while_opening_and_updating(
    qtbot: Any, desks: dict[int, Desk], size: int
) -> None:
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    for _ in range(STALL_ROUNDS):
        for before in (True, False):
            runs[before].append(_stalls(qtbot, desks[size], before=before))
    print(
        f"\n[board stalls] {size:,} open tickets: longest GUI-thread turn, ms, median of "
        f"{STALL_ROUNDS} (range); target ≤ {STALL_TARGET_MS:.0f} ms"
    )
    print(f"  {'':30} {'baseline: every card, at once':>30}   {'paged columns, in steps':>24}")
    for phase in runs[True][0]:
        old = [r[phase] for r in runs[True]]
        new = [r[phase] for r in runs[False]]
        if phase.startswith("("):
            old_s = f"{statistics.median(old):.2f}"
            new_s = f"{statistics.median(new):.2f}"
            print(f"  {phase:30} {old_s:>30}   {new_s:>24}")
        else:
            print(f"  {phase:30} {_ms_range(old):>30}   {_ms_range(new):>24}")
    worst = max(v for r in runs[False] for k, v in r.items() if not k.startswith("("))
    assert worst > 0
