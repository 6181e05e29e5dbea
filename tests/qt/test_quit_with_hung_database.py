"""Quitting the real application while the database thread is stuck in a write.

The application runs in a child process (its exit is what is tested): a smoke run whose
desk starts a write that never finishes, as with a hung database server, just before the
smoke check ends the event loop. Quitting must neither hang nor abort (Qt aborts a
process whose running QThread is destroyed), and must say what was left unsaved.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import threading
    from desktop_app import app as composition

    build = composition.build_desk

    def build_with_a_hung_write(options, settings, scratch):
        desk = build(options, settings, scratch)
        desk.service._stop_wait_ms = 200  # quitting gives up on the database quickly
        never = threading.Event()

        def hang(store):
            never.wait()

        desk.session.ready.connect(
            lambda: desk.service.submit(hang, label="Assigning TQ-10001 to Priya")
        )
        return desk

    composition.build_desk = build_with_a_hung_write
    code = composition.run(composition.LaunchOptions(smoke=True))
    print("run() returned", code)  # never reached: the process ends in run()
    """
)


def test_quitting_with_a_hung_write_ends_the_process_and_names_the_write(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("DESKTOP_APP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # the old unbounded wait would hang here for ever
        check=False,
    )
    assert "Smoke test passed" in done.stdout, done.stderr
    assert done.returncode == 0, done.stderr  # not 134: Qt did not abort
    assert "run() returned" not in done.stdout
    assert "quit without waiting for the database" in done.stderr
    assert "Assigning TQ-10001 to Priya" in done.stderr
