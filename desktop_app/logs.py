"""The desk's log: technical details the window and the command line leave out.

Messages to people say in words what went wrong; the driver's own text, the SQL and the
traceback go to a rotating log file in the platform's log folder
(``~/.local/state/technician-queue/log/desk.log`` on Linux), readable by its owner only.
Help → *Show log* and *Open log folder* lead there.

Passwords never reach the log: every password the desk learns from a database URL is
registered with :func:`register_secret` and replaced by ``***`` in every record.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
from pathlib import Path
from urllib.parse import quote, quote_plus

import platformdirs

from desktop_app.private_files import OWNER_ONLY_FILE, private_folder, tighten

APP_NAME = "technician-queue"
LOG_FILE_NAME = "desk.log"
MAX_LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
MASK = "***"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str | None) -> None:
    """From now on ``secret`` is written as ``***`` in the log and in :func:`mask`, as it
    is and as it appears inside a URL (percent-encoded)."""
    if secret:
        with _secrets_lock:
            _secrets.update({secret, quote(secret, safe=""), quote_plus(secret)})


def mask(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def log_folder() -> Path:
    """The platform's log folder for the desk (not created here)."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    return log_folder() / LOG_FILE_NAME


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Opens (and, after rotating, re-creates) the log file 0600 whatever the umask."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, OWNER_ONLY_FILE)
        tighten(Path(self.baseFilename))  # a file an older version left world-readable
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)


# the handler configure_logging installed, so a second call replaces it
_installed: list[logging.Handler] = []


def configure_logging(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the desk's log records to the rotating file; returns the file's path.

    Calling it again (a second window in the same process, a test) replaces the handler
    installed before instead of adding another."""
    folder = private_folder(folder or log_folder())
    path = folder / LOG_FILE_NAME
    handler = _PrivateRotatingFileHandler(
        path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True
    )
    handler.setFormatter(
        _MaskingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    handler.setLevel(level)
    close_logging()
    root = logging.getLogger()
    root.addHandler(handler)
    _installed.append(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


def close_logging() -> None:
    """Remove the handler :func:`configure_logging` installed (tests, a bundle's exit)."""
    while _installed:
        handler = _installed.pop()
        logging.getLogger().removeHandler(handler)
        handler.close()


def read_log_tail(path: Path | None = None, max_bytes: int = 200_000) -> str:
    """The end of the log (at most ``max_bytes``), for Help → Show log; '' if none yet."""
    path = path or log_file()
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - max_bytes))
            data = file.read()
    except FileNotFoundError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if len(data) >= max_bytes:  # started mid-line
        text = text.partition("\n")[2]
    return text
