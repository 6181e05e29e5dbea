"""Writing an export file whole or not at all, readable by its owner only.

The file is written to a temporary file in the target's folder (same disk, so the final
rename is atomic), flushed to the disk, and renamed over the target only when complete. A
failure (a full disk, a folder that is not writable, a file another program holds open)
removes the temporary file and leaves any earlier export as it was, and the error says what
happened in words.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import IO, TypeVar

from desktop_app.domain import DiskFullError, DomainError

__all__ = ["ExportFailedError", "write_whole"]

_T = TypeVar("_T")
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class ExportFailedError(DomainError):
    """The export file could not be written; nothing was left behind."""


def free_bytes(folder: Path) -> int | None:
    """What is left on the disk holding ``folder``, if the system says."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def write_whole(path: Path, write: Callable[[IO[str]], _T]) -> _T:
    """Call ``write`` with a UTF-8 text stream and put what it wrote at ``path`` (mode 0600);
    returns what ``write`` returned. Raises :class:`DiskFullError` or
    :class:`ExportFailedError` with nothing written, and passes ``write``'s own errors on."""
    folder = path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise _failure(path, exc) from exc
    try:
        # mkstemp creates the file 0600 (owner only); the rename keeps that mode.
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            result = write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        # The space left is measured before the half-written file goes.
        failure = _failure(path, exc) if isinstance(exc, OSError) else None
        with suppress(OSError):
            os.unlink(temporary)
        if failure is not None:
            raise failure from exc
        raise
    _sync_folder(folder)
    return result


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); nothing to do, or possible, elsewhere."""
    if os.name != "posix":
        return
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _failure(path: Path, exc: OSError) -> DomainError:
    if exc.errno in _FULL:
        folder = path.absolute().parent
        return DiskFullError(
            str(folder),
            free_bytes(folder),
            "Free some space there, or export to another disk, and export again.",
        )
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return ExportFailedError(f"{path} is a folder; give the name of a file to write.")
    if isinstance(exc, PermissionError):
        return ExportFailedError(
            f"Cannot write {path}: permission denied; nothing was written. Choose a folder "
            "you may write to, or close the program that has the file open, and export again."
        )
    if exc.errno == errno.EROFS:
        return ExportFailedError(
            f"Cannot write {path}: the disk is read-only; nothing was written. Export to "
            "another folder."
        )
    return ExportFailedError(
        f"Cannot write {path}: {exc.strerror or exc}; nothing was written. Check the folder "
        "and export again."
    )
