"""Save a picture of the real main window for the README.

    make screenshot                 # xvfb-run … python scripts/screenshot.py
    make screenshot ARGS=--demo     # the demo desk

Run it on a display (``xvfb-run -a -s "-screen 0 1280x800x24"`` with ``QT_QPA_PLATFORM=xcb``
on a headless machine). The window is built by the app's own composition root with settings
in a temporary folder, so remembered sizes never change the picture.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=REPO / "docs" / "screenshot.png",
        help="where to save the PNG (default: docs/screenshot.png)",
    )
    parser.add_argument("--demo", action="store_true", help="show the demo desk")
    parser.add_argument("--database", metavar="URL", help="show this database")
    parser.add_argument(
        "--size", default="1200x720", help="window size as WIDTHxHEIGHT (default: 1200x720)"
    )
    parser.add_argument("--row", type=int, default=4, help="queue row to open (default: 4)")
    parser.add_argument(
        "--settle", type=int, default=2000, help="ms to let the panes load (default: 2000)"
    )
    args = parser.parse_args(argv)
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must look like 1200x720, not {args.size!r}")
    if width <= 0 or height <= 0:
        parser.error(f"--size must be positive, not {args.size!r}")
    args.width, args.height = width, height
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        print(
            "note: offscreen platform; run under xvfb-run with QT_QPA_PLATFORM=xcb for real fonts"
        )

    from PySide6.QtCore import QEventLoop, QItemSelectionModel, QSettings, QTimer
    from PySide6.QtTest import QTest

    from desktop_app.app import LaunchOptions, build_desk, create_application, stop_desk

    with tempfile.TemporaryDirectory(prefix="technician-queue-shot-") as settings_dir:
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, settings_dir)
        app = create_application()
        options = LaunchOptions(database=args.database, demo=args.demo)
        desk = build_desk(options, QSettings(), settings_dir)
        window = desk.window
        window.resize(args.width, args.height)
        window.show()
        if not QTest.qWaitForWindowExposed(window, 10_000):
            print("The window was not shown within 10 s; is there a display?", file=sys.stderr)
            return 1
        loop = QEventLoop()
        desk.session.ready.connect(loop.quit)
        QTimer.singleShot(120_000, loop.quit)
        desk.session.start()
        loop.exec()
        if desk.model.rowCount():
            row = min(args.row, desk.model.rowCount() - 1)
            index = desk.model.index(row, 0)
            window.queue_view.setCurrentIndex(index)  # opens the ticket in the detail panes
            window.queue_view.selectionModel().select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        QTest.qWait(args.settle)  # the panes load on the database thread; a tick paints
        args.output.parent.mkdir(parents=True, exist_ok=True)
        saved = window.grab().save(str(args.output), "PNG")
        stop_desk(desk)  # the alerts' and the panes' threads too, not only the database's
        window.close()
    if not saved:
        print(f"Could not write {args.output}; check the folder is writable.", file=sys.stderr)
        return 1
    print(f"Saved {args.output} ({args.width}x{args.height}, platform {app.platformName()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
