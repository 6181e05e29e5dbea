"""What the window needs to know about the desk's storage, and the jobs that look after it.

:class:`DeskInfo` describes an open desk (which database, for people; whether it is
read-only and why). :func:`explain_failure` is the one place a job's error becomes words
for the window: a driver's error turns into a
:class:`~desktop_app.domain.errors.StorageError`, and its technical details go to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.store import Store, explain

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeskInfo:
    """An open desk: its URL (password masked), backend, and why it is read-only."""

    url: str
    backend: str
    read_only: str | None = None

    @property
    def can_save_copy(self) -> bool:
        """A SQLite desk can be copied to a file of the person's choice."""
        return self.backend == "sqlite"


def describe_desk(store: Store) -> DeskInfo:
    return DeskInfo(store.url, store.backend, store.read_only)


def explain_failure(exc: BaseException, store: Store | None, doing: str = "") -> BaseException:
    """``exc`` in words (see :func:`desktop_app.store.explain`); logs the details of a
    database failure, so the log has what the message leaves out."""
    fault = explain(exc, store.url if store is not None else None)
    if fault is not exc:
        log.warning("%s failed: %s", doing or "A database job", fault, exc_info=exc)
    return fault


def save_copy_job(target: Path) -> Callable[[Store], Path]:
    """A database-thread job: copy the whole SQLite desk to ``target``."""

    def job(store: Store) -> Path:
        return store.save_copy(target)

    return job


__all__ = ["DeskInfo", "describe_desk", "explain_failure", "save_copy_job"]
