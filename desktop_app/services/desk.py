"""The desk service: the one owner of database work, off the GUI thread.

Every read and write of the store runs, in submission order, on one worker thread (the
pattern of Anki's task manager): the GUI thread never waits for SQL, and writes never
race each other. Results come back to the GUI thread through queued signals and are
handed to the callback given with the job; the callbacks run on the GUI thread, so they
may touch models and widgets. The job itself never does.

Writes are commands (:mod:`desktop_app.domain.commands`): :meth:`DeskService.execute` applies
one on the database thread. Whatever a job wrote through the store (a command, an import,
the escalation of a breach) comes back as one ``changed(DeskChange)`` signal: the store's
change set, with the queue entries of the tickets it names read in the same job, so the
queue, the board, the panes and the alerts each take what concerns them. The caller never
says which rows to re-read.

A command that meets a newer version of its ticket is retried once the desk sees that every
version in between was its own (two quick actions in a row, an undo after a later change of
one's own); a change made by anyone else stays a conflict that names them.

Stopping never hangs: :meth:`DeskService.stop` waits a bounded time for the queued jobs
and the store to close. A thread that does not finish (a hung database server, a long
job) is left running for the process's exit, and ``stop`` returns, and logs, the jobs it
abandoned, so the caller can tell the user which change may not have been saved.
"""

from __future__ import annotations

import gc
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from PySide6.QtCore import QDeadlineTimer, QObject, QThread, QTimer, Signal, Slot

from desktop_app.domain import ConflictError, Customer, DomainError, StorageError, Technician
from desktop_app.domain.changes import Change, ChangeSet, Entity, Outcome
from desktop_app.domain.commands import Command, rebase
from desktop_app.domain.queue import QueueEntry
from desktop_app.services.storage import DeskInfo, describe_desk, explain_failure
from desktop_app.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[Store], Any]

# How long stop() waits for the queued jobs and the store's closing before it gives up on
# the database thread (a hung server must not keep the application from quitting).
STOP_WAIT_MS = 3000
# A change that moves more tickets than this (a policy or calendar change over a large desk)
# reaches the screens in parts of this many, one part per turn of the GUI's event loop: each
# part moves its rows in the queue and the board and re-arms their alerts in some 10-20 ms, and
# the GUI answers input in between.
CHANGE_PART = 50

# Database threads given up on by stop() and still running. Qt aborts the process when a
# running QThread is destroyed, so they are kept until they finish (or the process ends).
_ABANDONED: list[tuple[QThread, QObject]] = []


@dataclass(frozen=True, slots=True)
class DeskSummary:
    """What a session needs to know about a desk before showing its queue."""

    technicians: list[Technician]
    customers: list[Customer]

    @property
    def empty(self) -> bool:
        return not self.technicians and not self.customers


@dataclass(frozen=True, slots=True)
class DeskChange:
    """What a job changed, for the screens: the store's change set and, read in the same
    job, each changed ticket as the queue shows it (``None``: it left the open queue).
    ``local``: made at this desk (else read from another desk's changes)."""

    changes: ChangeSet
    entries: Mapping[int, QueueEntry | None] = field(default_factory=dict)
    local: bool = True

    @property
    def ticket_ids(self) -> frozenset[int]:
        return self.changes.ticket_ids

    @property
    def everything(self) -> bool:
        return self.changes.everything

    def parts(self, size: int | None = None) -> list[DeskChange]:
        """This change in parts of at most ``size`` (default :data:`CHANGE_PART`) tickets,
        in order: the first carries everything that is not a ticket's (setup records,
        customers, notifications), each part its tickets' changes and queue entries."""
        size = size if size is not None else CHANGE_PART
        entries = list(self.entries.items())
        if self.everything or len(entries) <= size:
            return [self]
        changes = self.changes
        chunks = [dict(entries[i : i + size]) for i in range(0, len(entries), size)]
        part_of = {ticket_id: n for n, chunk in enumerate(chunks) for ticket_id in chunk}
        grouped: list[list[Change]] = [[] for _ in chunks]
        for change in changes.changes:
            ticket_id = change.ticket_id
            if ticket_id is None and change.entity is Entity.TICKET:
                ticket_id = change.entity_id
            grouped[part_of.get(ticket_id, 0) if ticket_id is not None else 0].append(change)
        parts = [
            DeskChange(ChangeSet(tuple(mine), changes.actor, changes.at), chunk, self.local)
            for mine, chunk in zip(grouped, chunks, strict=True)
        ]
        return parts


class OwnVersions:
    """The ticket versions this desk's own commands produced (database thread only).

    A command that expected version 5 of a ticket now at 7 may go ahead when 6 and 7 were
    both this desk's own writes: nothing the person has not seen happened in between."""

    def __init__(self) -> None:
        self._produced: dict[int, set[int]] = {}

    def record(self, outcome: Outcome) -> None:
        for ticket_id, ticket in outcome.after.items():
            self._produced.setdefault(ticket_id, set()).add(ticket.version)

    def rebase(self, command: Command, conflict: ConflictError) -> Command | None:
        """``command`` for the versions the desk itself moved the tickets to, or ``None``
        when anyone else changed one of them."""
        versions: dict[int, int] = {}
        for stale in conflict.stale_tickets():
            if stale.ticket_id is None or stale.actual_version <= stale.expected_version:
                return None
            ours = self._produced.get(stale.ticket_id, set())
            between = range(stale.expected_version + 1, stale.actual_version + 1)
            if not all(v in ours for v in between):
                return None
            versions[stale.ticket_id] = stale.actual_version
        return rebase(command, versions, new_id=False) if versions else None


def _landed(store: Store, command: Command) -> bool:
    try:
        return store.command_applied(command.command_id)
    except Exception:  # still cannot ask: the first error is the one to report
        log.info("Could not ask whether command %s landed", command.command_id, exc_info=True)
        return False


def _read_summary(store: Store) -> DeskSummary:
    return DeskSummary(store.technicians(), store.customers())


def _load_demo_desk(store: Store) -> DeskSummary:
    from desktop_app.demo import generate_demo_desk

    store.import_desk(generate_demo_desk(now=store.now()))
    return _read_summary(store)


@dataclass(slots=True)
class _Pending:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    label: str
    reads_only: bool


@dataclass(frozen=True, slots=True)
class PendingJob:
    """A job submitted and not yet answered: what it does, whether it may write, and
    whether the database thread is running it right now (else it waits its turn)."""

    label: str
    may_write: bool
    running: bool

    def describe(self) -> str:
        return f"{self.label or 'a database job'}{'' if self.running else ' (waiting)'}"


class _Worker(QObject):
    """Lives on the database thread; owns the store from opening to closing."""

    finished = Signal(int, object, object)  # token, result, DeskChange | None
    failed = Signal(int, object, object)  # token, exception, DeskChange | None
    opened = Signal(object)  # the store's description (DeskInfo) once open
    openFailed = Signal(object)
    closed = Signal()

    def __init__(self, open_store: Callable[[], Store]) -> None:
        super().__init__()
        self._open_store = open_store
        self._store: Store | None = None
        # read by the GUI thread when stopping: the job the database thread is in, and
        # the last one it finished (jobs run in token order)
        self.running_token: int | None = None
        self.last_done = 0
        self.own_versions = OwnVersions()  # touched by jobs only (this thread)
        self.store_now: Callable[[], datetime] | None = None  # the open store's clock

    @Slot()
    def open(self) -> None:
        try:
            self._store = self._open_store()
        except Exception as exc:  # reported to the user by the GUI thread
            log.exception("Opening the desk's database failed")
            self.openFailed.emit(explain_failure(exc, None))
            return
        self.store_now = self._store.now
        self.opened.emit(describe_desk(self._store))

    @Slot(int, object)
    def run(self, token: int, job: Job) -> None:
        store = self._store
        if store is None:
            self.failed.emit(
                token,
                RuntimeError("The desk's database is not open; restart Technician Queue."),
                None,
            )
            return
        self.running_token = token
        try:
            result = job(store)
        except Exception as exc:
            self.failed.emit(token, explain_failure(exc, store), self._changes(store))
            return
        finally:
            self.running_token = None
            self.last_done = token
        self.finished.emit(token, result, self._changes(store))

    @staticmethod
    def _changes(store: Store) -> DeskChange | None:
        """What the job wrote, with the queue entries of the tickets it changed."""
        changes = store.drain_changes()
        if changes.empty:
            return None
        if changes.everything or not changes.ticket_ids:
            return DeskChange(changes)
        try:
            entries = store.queue_entries(changes.ticket_ids)
        except Exception:  # the write landed; the screens catch up on their next read
            log.exception("Reading the changed tickets back failed")
            return DeskChange(changes)
        return DeskChange(changes, entries)

    @Slot()
    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        self.closed.emit()


class DeskService(QObject):
    """Runs store jobs in order on one thread; see the module docstring."""

    opened = Signal(str)
    deskOpened = Signal(object)  # DeskInfo, just before opened(url)
    openFailed = Signal(object)
    storageFailed = Signal(object)  # a job's StorageError, before its own error callback
    queueLoaded = Signal(list)
    changed = Signal(object)  # DeskChange: what a job (or another desk) changed
    actionFailed = Signal(str, object)  # what was being done, the exception
    busyChanged = Signal(bool)
    jobAnswered = Signal()  # a job's answer (result or error) reached the GUI thread
    writeFailed = Signal(str)  # a job that may write failed (its label), before jobAnswered
    # a large change started (True) or finished (False) reaching the screens in parts
    deliveringChanged = Signal(bool)

    _submit = Signal(int, object)
    _open = Signal()
    _close = Signal()

    def __init__(
        self,
        open_store: Callable[[], Store],
        parent: QObject | None = None,
        *,
        stop_wait_ms: int = STOP_WAIT_MS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        if stop_wait_ms < 0:
            raise ValueError(
                f"stop_wait_ms must be 0 or more milliseconds, not {stop_wait_ms}; "
                "it bounds how long quitting waits for the database."
            )
        self._stop_wait_ms = stop_wait_ms
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
        self.info: DeskInfo | None = None  # the open desk, once opened
        # answers waiting for an earlier large change to reach the screens (see _deliver)
        self._deliveries: deque[tuple[DeskChange | None, Callable[[], None]]] = deque()
        self._delivery = QTimer(self)
        self._delivery.setObjectName("change-delivery")
        self._delivery.setSingleShot(True)
        self._delivery.setInterval(0)
        self._delivery.timeout.connect(self._deliver_next)
        self._collector: bool | None = None  # paused while a large change is delivered

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the database thread and open the store on it."""
        if self._running:
            return
        self._running = True
        self._thread.start()
        self._open.emit()

    def stop(self, wait_ms: int | None = None) -> list[PendingJob]:
        """Finish the queued jobs, close the store on its thread, stop the thread.

        Waits at most ``wait_ms`` (default: the service's ``stop_wait_ms``). If the thread
        has not finished by then, it is left to finish on its own or to end with the
        process; the jobs it had not answered are logged and returned (an empty list:
        everything finished). Their callbacks will not run."""
        if not self._running:
            return []
        self._running = False
        self._delivery.stop()
        self._deliveries.clear()
        self._collector_back()
        self._close.emit()
        self._thread.quit()
        wait = self._stop_wait_ms if wait_ms is None else max(0, wait_ms)
        if self._thread.wait(QDeadlineTimer(wait)):
            return []
        # Stuck in a job, or in opening or closing the database (an unreachable server):
        # either way the thread is left running, and the caller must know.
        abandoned = self.pending_jobs() or [
            PendingJob("Opening or closing the database", may_write=False, running=True)
        ]
        self._pending.clear()  # late answers find nobody: the windows may be gone
        self._keep_until_finished()
        log.error(
            "The desk's database thread did not finish within %.1f s of quitting; it is "
            "left to the process's exit. Not answered: %s",
            wait / 1000,
            "; ".join(job.describe() for job in abandoned),
        )
        return abandoned

    def _keep_until_finished(self) -> None:
        thread, worker = self._thread, self._worker
        entry = (thread, worker)
        _ABANDONED.append(entry)

        def release() -> None:
            if entry in _ABANDONED:
                _ABANDONED.remove(entry)

        thread.finished.connect(release)

    @property
    def thread_running(self) -> bool:
        """The database thread is still running (after :meth:`stop`: it was abandoned
        and has not finished yet)."""
        return self._thread.isRunning()

    def pending_jobs(self) -> list[PendingJob]:
        """Jobs submitted and not finished yet, in the order they run."""
        running = self._worker.running_token
        done = self._worker.last_done
        return [
            PendingJob(p.label, not p.reads_only, token == running)
            for token, p in self._pending.items()
            if token > done
        ]

    def unsaved_changes(self) -> list[PendingJob]:
        """Pending jobs that may write: what quitting now could lose."""
        return [job for job in self.pending_jobs() if job.may_write]

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
        reads_only: bool = False,
    ) -> int:
        """Queue ``job(store)`` on the database thread; ``on_done(result)`` or
        ``on_error(exc)`` then runs on the GUI thread. Returns the job's token.

        ``reads_only`` promises the job writes nothing, so quitting while it runs loses
        nothing; any other job counts as a change still being saved (see
        :meth:`unsaved_changes`)."""
        if not self._running:
            raise RuntimeError("The desk service is not running; call start() first.")
        token = next(self._tokens)
        was_idle = not self._pending
        self._pending[token] = _Pending(on_done, on_error, label, reads_only)
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
            label="Loading the queue",
            reads_only=True,
        )

    def read_summary(
        self,
        on_done: Callable[[DeskSummary], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Technicians and customers of the desk (an empty desk has neither)."""
        return self.submit(
            _read_summary, on_done, on_error, label="Reading the desk", reads_only=True
        )

    def load_demo_desk(
        self,
        on_done: Callable[[DeskSummary], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Fill the desk with the demo data set (customers, technicians, tickets)."""
        return self.submit(_load_demo_desk, on_done, on_error, label="Loading the demo desk")

    def now(self) -> datetime:
        """The instant a command made now happens at (aware UTC): the given clock, else
        the store's (one clock for the desk and its database)."""
        if self._clock is not None:
            return self._clock()
        store_now = self._worker.store_now
        return store_now() if store_now is not None else _utc_now()

    def execute(
        self,
        command: Command,
        on_done: Callable[[Outcome], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        label: str = "",
    ) -> int:
        """Apply ``command`` on the database thread (one transaction); ``changed`` reports
        what it changed, then ``on_done(outcome)`` runs. ``label`` says what was being done
        ("Resolving TQ-10423"), for errors and for quitting while it runs."""
        worker = self._worker

        def job(store: Store) -> Outcome:
            current = command
            for _attempt in range(3):
                try:
                    outcome = store.apply(current)
                except ConflictError as exc:
                    retry = worker.own_versions.rebase(current, exc)
                    if retry is None:
                        raise
                    current = retry
                    continue
                except DomainError:
                    raise
                except Exception:
                    # The connection failed mid-write: the server may have committed before
                    # the answer was lost. Ask it by the command's id; if it landed, it is
                    # saved (and never applied twice), else the error stands.
                    if not _landed(store, current):
                        raise
                    log.info("Command %s landed before its answer was lost", current.command_id)
                    outcome = store.apply(current)  # answered as a replay: nothing written
                worker.own_versions.record(outcome)
                return outcome
            return store.apply(current)

        def failed(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                self.actionFailed.emit(label or "A change", exc)

        return self.submit(job, on_done, failed, label=label or command.name)

    def refresh_tickets(self, ticket_ids: Iterable[int]) -> int:
        """Read tickets again (a conflict showed someone else changed them): ``changed``
        carries them as they are now."""
        ids = sorted(set(ticket_ids))

        def job(store: Store) -> DeskChange:
            return DeskChange(ChangeSet(), store.queue_entries(ids), local=False)

        return self.submit(
            job,
            self._report_refresh,
            lambda exc: log.warning("Reading tickets %s again failed: %s", ids, exc),
            label="Reading tickets again",
            reads_only=True,
        )

    def _report_refresh(self, change: DeskChange) -> None:
        if change.entries:
            self._deliver(change, lambda: None)

    def reopen(self) -> None:
        """Open the store again on the database thread (after opening failed, e.g. once the
        person has given the password the server asks for); ``opened`` or ``openFailed``
        follows."""
        if self._running:
            self._open.emit()

    # ------------------------------------------------------------------ delivery

    def _deliver(self, change: DeskChange | None, then: Callable[[], None]) -> None:
        """Emit ``changed`` with ``change`` (if any), then run ``then``: at once, unless a
        large change is still reaching the screens in parts; a large change goes out one
        part per turn of the event loop, and ``then`` runs after its last part. Answers
        keep their order."""
        parts: list[DeskChange | None] = [*change.parts()] if change is not None else [None]
        if not self._deliveries and len(parts) == 1:
            if parts[0] is not None:
                self.changed.emit(parts[0])
            then()
            return
        if len(parts) > 1 and not self._deliveries:
            self.deliveringChanged.emit(True)
        if len(parts) > 1 and self._collector is None:
            # The parts' rows live as long as the queue: the cyclic collector would walk
            # them (and the rest of the heap) in passes of 100-150 ms on a large desk, a
            # frozen GUI each. It waits until the last part is shown; then what the parts
            # built is frozen out of its passes, as the queue's own rows are when it loads.
            self._collector = gc.isenabled()
            gc.disable()
        for part in parts[:-1]:
            self._deliveries.append((part, _nothing))
        self._deliveries.append((parts[-1], then))
        if not self._delivery.isActive():
            self._delivery.start()

    @Slot()
    def _deliver_next(self) -> None:
        if not self._deliveries:
            return
        part, then = self._deliveries.popleft()
        try:
            if part is not None:
                self.changed.emit(part)
            then()
        finally:
            if self._deliveries:
                self._delivery.start()
            else:
                self._collector_back()
                self.deliveringChanged.emit(False)

    def _collector_back(self) -> None:
        if self._collector is not None:
            gc.freeze()
            if self._collector:
                gc.enable()
            self._collector = None

    @property
    def delivering(self) -> bool:
        """A large change is still reaching the screens in parts."""
        return bool(self._deliveries)

    # ------------------------------------------------------------------ results

    @Slot(object)
    def _on_opened(self, info: DeskInfo) -> None:
        self.info = info
        self.deskOpened.emit(info)
        self.opened.emit(info.url)

    @Slot(int, object, object)
    def _on_finished(self, token: int, result: object, change: object) -> None:
        pending = self._pending.pop(token, None)
        if pending is None:
            log.info("An answer came after quitting gave up on it (job %d); ignored", token)
            return
        if not self._pending:
            self.busyChanged.emit(False)

        def answer() -> None:
            try:
                if pending.on_done is not None:
                    pending.on_done(result)
            finally:
                self.jobAnswered.emit()

        self._deliver(change if isinstance(change, DeskChange) else None, answer)

    @Slot(int, object, object)
    def _on_failed(self, token: int, exc: object, change: object) -> None:
        pending = self._pending.pop(token, None)
        if pending is None:
            log.info("An error came after quitting gave up on job %d; ignored: %s", token, exc)
            return
        if not self._pending:
            self.busyChanged.emit(False)
        error = exc if isinstance(exc, BaseException) else RuntimeError(str(exc))

        def answer() -> None:
            try:
                if isinstance(error, StorageError):
                    self.storageFailed.emit(error)
                if not pending.reads_only:
                    self.writeFailed.emit(pending.label or "A change")
                if pending.on_error is not None:
                    pending.on_error(error)
                else:
                    self.actionFailed.emit(pending.label or "A database job", error)
            finally:
                self.jobAnswered.emit()

        # what the job wrote before it failed still counts
        self._deliver(change if isinstance(change, DeskChange) else None, answer)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


__all__ = [
    "CHANGE_PART",
    "STOP_WAIT_MS",
    "DeskChange",
    "DeskService",
    "DeskSummary",
    "OwnVersions",
    "PendingJob",
]
