"""Files that hold customer data or settings are their owner's only.

The desk's database, its backups, the log and the window settings are created readable by
their owner alone (0600, in folders made 0700), whatever the umask. Files the desk did not
create are never changed: only :func:`tighten` changes a mode, and its callers use it on
files that are the desk's own.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_FILE = 0o600
OWNER_ONLY_FOLDER = 0o700


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and its parents) if missing; a folder created here is 0700.
    An existing folder is left as it is: it may be shared on purpose."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_FOLDER)
        if os.name == "posix":
            os.chmod(folder, OWNER_ONLY_FOLDER)  # mkdir's mode is reduced by the umask only
    return folder


def create_private_file(path: Path, *, exclusive: bool = False) -> bool:
    """Create ``path`` empty and 0600 if it does not exist; True if it was created here.
    ``exclusive``: fail with ``FileExistsError`` if it exists."""
    flags = os.O_CREAT | os.O_WRONLY | os.O_EXCL
    try:
        fd = os.open(path, flags, OWNER_ONLY_FILE)
    except FileExistsError:
        if exclusive:
            raise
        return False
    os.close(fd)
    return True


def tighten(path: Path) -> None:
    """Make the desk's own file ``path`` 0600 if group or others may read or write it."""
    if os.name != "posix":
        return
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_IMODE(mode) & 0o077:
        os.chmod(path, stat.S_IMODE(mode) & ~0o077 & 0o7777 | stat.S_IRUSR | stat.S_IWUSR)


def is_private(path: Path) -> bool:
    """Neither group nor others may read or write ``path`` (always True off POSIX)."""
    return os.name != "posix" or not stat.S_IMODE(os.stat(path).st_mode) & 0o077
