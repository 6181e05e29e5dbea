"""The desk service: the one owner of database work, off the GUI thread.

Every read and write of the store runs, in submission order, on one worker thread (the
pattern of Anki's task manager): the GUI thread never waits for SQL, and writes never
race each other. Results come back to the GUI thread through queued signals and are
handed to the callback given with the job; the callbacks run on the GUI thread, so they
may touch models and widgets. The job itself never does.

On top of the generic :meth:`DeskService.submit`, the service speaks the queue's
language: :meth:`load_queue` answers with ``queueLoaded(list[QueueEntry])``; every write
made through :meth:`act` re-reads the ticket and answers with ``ticketChanged(QueueEntry)``
or ``ticketClosed(ticket_id)`` so the queue moves exactly one row.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop_app.domain import Customer, Technician
from desktop_app.domain.queue import QueueEntry
from desktop_app.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[Store], Any]


@dataclass(frozen=True, slots=True)
class DeskSummary:
    """What a session needs to know about a desk before showing its queue."""

    technicians: list[Technician]
    customers: list[Customer]

    @property
    def empty(self) -> bool:
        return not self.technicians and not self.customers


def _read_summary(store: Store) -> DeskSummary:
    return DeskSummary(store.technicians(), store.customers())


def _load_demo_desk(store: Store) -> DeskSummary:
    from desktop_app.store.demo import generate_demo_desk

    store.import_desk(generate_demo_desk(now=store.now()))
    return _read_summary(store)


@dataclass(slots=True)
class _Pending:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    label: str


class _Worker(QObject):
    """Lives on the database thread; owns the store from opening to closing."""

    finished = Signal(int, object)
    failed = Signal(int, object)
    opened = Signal(object)  # the store's description (backend, url) once open
    openFailed = Signal(object)
    closed = Signal()

    def __init__(self, open_store: Callable[[], Store]) -> None:
        super().__init__()
        self._open_store = open_store
        self._store: Store | None = None

    @Slot()
    def open(self) -> None:
        try:
            self._store = self._open_store()
        except Exception as exc:  # reported to the user by the GUI thread
            log.exception("Opening the desk's database failed")
            self.openFailed.emit(exc)
            return
        self.opened.emit(self._store.url)

    @Slot(int, object)
    def run(self, token: int, job: Job) -> None:
        if self._store is None:
            self.failed.emit(
                token,
                RuntimeError("The desk's database is not open; restart Technician Queue."),
            )
            return
        try:
            result = job(self._store)
        except Exception as exc:
            self.failed.emit(token, exc)
            return
        self.finished.emit(token, result)

    @Slot()
    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        self.closed.emit()


class DeskService(QObject):
    """Runs store jobs in order on one thread; see the module docstring."""

    opened = Signal(str)
    openFailed = Signal(object)
    queueLoaded = Signal(list)
    ticketChanged = Signal(object)  # QueueEntry
    ticketClosed = Signal(int)
    actionFailed = Signal(str, object)  # what was being done, the exception
    busyChanged = Signal(bool)

    _submit = Signal(int, object)
    _open = Signal()
    _close = Signal()

    def __init__(self, open_store: Callable[[], Store], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tokens = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._thread = QThread()
        self._thread.setObjectName("desk-database")
        self._worker = _Worker(open_store)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._open.connect(self._worker.open)
        self._close.connect(self._worker.close)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.opened.connect(self._on_opened)
        self._worker.openFailed.connect(self.openFailed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._running = False

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the database thread and open the store on it."""
        if self._running:
            return
        self._running = True
        self._thread.start()
        self._open.emit()

    def stop(self) -> None:
        """Finish the queued jobs, close the store on its thread, stop the thread."""
        if not self._running:
            return
        self._running = False
        self._close.emit()
        self._thread.quit()
        self._thread.wait()

    @property
    def is_running(self) -> bool:
        return self._running

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    # ------------------------------------------------------------------ jobs

    def submit(
        self,
        job: Callable[[Store], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        label: str = "",
    ) -> int:
        """Queue ``job(store)`` on the database thread; ``on_done(result)`` or
        ``on_error(exc)`` then runs on the GUI thread. Returns the job's token."""
        if not self._running:
            raise RuntimeError("The desk service is not running; call start() first.")
        token = next(self._tokens)
        was_idle = not self._pending
        self._pending[token] = _Pending(on_done, on_error, label)
        if was_idle:
            self.busyChanged.emit(True)
        self._submit.emit(token, job)
        return token

    def load_queue(self) -> int:
        """Load every open ticket; answers with ``queueLoaded``."""
        return self.submit(
            lambda store: store.load_queue(),
            self.queueLoaded.emit,
            lambda exc: self.actionFailed.emit("Loading the queue", exc),
            label="load queue",
        )

    def read_summary(
        self,
        on_done: Callable[[DeskSummary], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Technicians and customers of the desk (an empty desk has neither)."""
        return self.submit(_read_summary, on_done, on_error, label="Reading the desk")

    def load_demo_desk(
        self,
        on_done: Callable[[DeskSummary], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Fill the desk with the demo data set (customers, technicians, tickets)."""
        return self.submit(_load_demo_desk, on_done, on_error, label="Loading the demo desk")

    def act(
        self,
        label: str,
        write: Callable[[Store], Any],
        ticket_ids: Iterable[int],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Run one user action (one transaction in the store), then re-read the tickets it
        touched so the queue updates their rows. ``label`` says what was being done, for
        error messages ("Assigning TQ-10423 to Priya")."""
        ids = list(ticket_ids)

        def job(store: Store) -> tuple[Any, list[tuple[int, QueueEntry | None]]]:
            result = write(store)
            return result, [(tid, store.queue_entry(tid)) for tid in ids]

        def done(outcome: tuple[Any, list[tuple[int, QueueEntry | None]]]) -> None:
            result, entries = outcome
            for tid, entry in entries:
                if entry is None:
                    self.ticketClosed.emit(tid)
                else:
                    self.ticketChanged.emit(entry)
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                self.actionFailed.emit(label, exc)

        return self.submit(job, done, failed, label=label)

    def refresh_tickets(self, ticket_ids: Iterable[int]) -> int:
        """Re-read tickets changed elsewhere (another window, the monitor, an import)."""
        return self.act("Refreshing tickets", lambda store: None, ticket_ids)

    # ------------------------------------------------------------------ results

    @Slot(str)
    def _on_opened(self, url: str) -> None:
        self.opened.emit(url)

    @Slot(int, object)
    def _on_finished(self, token: int, result: object) -> None:
        pending = self._pending.pop(token, None)
        if not self._pending:
            self.busyChanged.emit(False)
        if pending is not None and pending.on_done is not None:
            pending.on_done(result)

    @Slot(int, object)
    def _on_failed(self, token: int, exc: object) -> None:
        pending = self._pending.pop(token, None)
        if not self._pending:
            self.busyChanged.emit(False)
        error = exc if isinstance(exc, BaseException) else RuntimeError(str(exc))
        if pending is not None and pending.on_error is not None:
            pending.on_error(error)
        else:
            label = pending.label if pending is not None else "A database job"
            self.actionFailed.emit(label, error)


__all__ = ["DeskService", "DeskSummary"]
