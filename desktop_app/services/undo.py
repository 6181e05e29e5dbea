"""Undo and redo: one mechanism for every undoable command (ticket menu, board, dialogs).

An entry on the session's ``QUndoStack`` holds a command that was applied and what it
changed. Undo applies the command's inverse (:func:`~desktop_app.domain.commands.inverse`),
expecting each ticket at the version this desk's own writes left it; redo applies the
command again for the versions the undo left. Both go through
:meth:`DeskService.execute`, so they are audited, reported in ``changed`` and checked like
any other change: if someone else changed the ticket meanwhile, the undo is refused with
their name and nothing is written; the entry then leaves the history (it can no longer
apply) and the person is told.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from desktop_app.domain.changes import Outcome
from desktop_app.domain.commands import Command, inverse, rebase
from desktop_app.services.desk import DeskService

__all__ = ["CommandEntry", "UndoHistory"]


class CommandEntry(QUndoCommand):
    """One applied command on the undo stack. It was applied before it was pushed, so the
    first ``redo`` (``QUndoStack.push`` calls it) does nothing."""

    def __init__(self, history: UndoHistory, text: str, outcome: Outcome) -> None:
        super().__init__(text)
        self._history = history
        self.outcome = outcome
        self._skip = True

    @property
    def command(self) -> Command:
        return self.outcome.command

    @property
    def ticket_ids(self) -> list[int]:
        return sorted(self.outcome.after)

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self._history._redo(self)

    def undo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self._history._undo(self)

    def skip_next(self) -> None:
        """The next undo()/redo() only moves the stack's index (after a failed replay)."""
        self._skip = True


class UndoHistory(QObject):
    """The session's undo history over the desk service."""

    succeeded = Signal(str, object)  # "Undone: …" / "Redone: …", the Outcome
    failed = Signal(str, object, object)  # what was being done, the command, the exception

    def __init__(
        self,
        service: DeskService,
        stack: QUndoStack,
        actor_id: Callable[[], int | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent if parent is not None else stack)
        self._service = service
        self._stack = stack
        self._actor_id = actor_id
        # the inverse that undoing each entry applied, to redo from its outcome
        self._undone: dict[int, Outcome] = {}

    @property
    def stack(self) -> QUndoStack:
        return self._stack

    def can_undo(self, outcome: Outcome) -> bool:
        return (
            type(outcome.command).undoable
            and not outcome.replayed
            and inverse(outcome.command, outcome.before, outcome.after, at=outcome.command.at)
            is not None
        )

    def push(self, outcome: Outcome, text: str) -> CommandEntry | None:
        """Put an applied command on the stack (if it can be taken back)."""
        if not self.can_undo(outcome):
            return None
        entry = CommandEntry(self, text, outcome)
        self._stack.push(entry)
        return entry

    def _undo(self, entry: CommandEntry) -> None:
        outcome = entry.outcome
        back = inverse(
            outcome.command,
            outcome.before,
            outcome.after,
            at=self._service.now(),
            actor_id=self._actor_id(),
        )
        label = f"Undo {entry.text()}"
        if back is None:  # nothing left to take back
            self.succeeded.emit(label, outcome)
            return

        def done(result: Outcome) -> None:
            self._undone[id(entry)] = result
            self.succeeded.emit(f"Undone: {entry.text()}", result)

        self._service.execute(
            back,
            done,
            lambda exc: self._replay_failed(entry, label, exc, undoing=True),
            label=label,
        )

    def _redo(self, entry: CommandEntry) -> None:
        undone = self._undone.pop(id(entry), None)
        versions = undone.versions if undone is not None else {}
        again = rebase(entry.command, versions, at=self._service.now())
        actor = self._actor_id()
        if actor is not None and again.actor_id is not None and actor != again.actor_id:
            again = replace(again, actor_id=actor)
        label = f"Redo {entry.text()}"

        def done(result: Outcome) -> None:
            entry.outcome = result
            self.succeeded.emit(f"Redone: {entry.text()}", result)

        self._service.execute(
            again,
            done,
            lambda exc: self._replay_failed(entry, label, exc, undoing=False),
            label=label,
        )

    def _replay_failed(
        self, entry: CommandEntry, label: str, exc: BaseException, *, undoing: bool
    ) -> None:
        """The replay did not happen: the entry leaves the history (the stack's index goes
        back to where the desk really is) and the person is told why."""
        entry.skip_next()
        entry.setObsolete(True)
        if undoing:
            self._stack.redo()
        else:
            self._stack.undo()
        self.failed.emit(label, entry.command, exc)
