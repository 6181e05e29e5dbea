"""Make a folder read-only for the test process, as a user would meet it.

Root ignores file modes, so as root the folder is bind-mounted read-only onto itself (a
read-only file system, as on a write-protected stick or a read-only network share); as
anyone else the folder and its files lose their write bits. Where neither is possible the
test is skipped with the reason.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def read_only_folder(folder: Path) -> Iterator[str]:
    """Inside the block nothing in ``folder`` can be written; yields how ("mount"/"chmod")."""
    if os.name != "posix":
        pytest.skip("read-only folders are made with POSIX modes or mounts")
    if os.geteuid() == 0:
        with _read_only_mount(folder):
            yield "mount"
        return
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in [folder, *folder.iterdir()]}
    for path, mode in modes.items():
        path.chmod(mode & ~0o222)
    try:
        yield "chmod"
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


@contextmanager
def _read_only_mount(folder: Path) -> Iterator[None]:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, capture_output=True, text=True, check=False)

    bound = run("mount", "--bind", str(folder), str(folder))
    if bound.returncode != 0:
        pytest.skip(f"root cannot bind-mount here (needs CAP_SYS_ADMIN): {bound.stderr.strip()}")
    remounted = run("mount", "-o", "remount,bind,ro", str(folder))
    if remounted.returncode != 0:
        run("umount", "-l", str(folder))
        pytest.skip(f"cannot remount read-only: {remounted.stderr.strip()}")
    try:
        yield
    finally:
        # lazily: a connection the test left open must not keep the mount in place
        run("umount", "-l", str(folder))
