"""Save pictures of the SLA report window's tabs for the README.

    xvfb-run -a -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python scripts/report_screenshots.py --demo

writes ``docs/report-trends.png`` (the trends tab, the whole desk) and, with ``--all``,
``report-monthly.png``, ``report-trends-customer.png`` and ``report-technicians.png``
next to it. The window is built by the app's own composition root with settings in a
temporary folder, as ``scripts/screenshot.py`` does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=REPO / "docs")
    parser.add_argument("--demo", action="store_true", help="show the demo desk")
    parser.add_argument("--database", metavar="URL", help="show this database")
    parser.add_argument("--all", action="store_true", help="every tab, not only the trends")
    parser.add_argument("--customer", default="Northwind Logistics", help="for the customer view")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtTest import QTest

    from desktop_app.app import LaunchOptions, build_desk, create_application, stop_desk
    from desktop_app.views.report_dialog import TECHNICIANS_TAB, TRENDS_TAB, ReportAction

    def wait_for(signal: object, ms: int = 120_000, start: object = None) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(ms, loop.quit)
        if callable(start):
            start()
        loop.exec()

    def settle(ms: int = 400) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    args.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="technician-queue-shot-") as settings_dir:
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, settings_dir)
        app = create_application()
        desk = build_desk(
            LaunchOptions(database=args.database, demo=args.demo), QSettings(), settings_dir
        )
        desk.window.show()
        wait_for(desk.session.ready, start=desk.session.start)
        action = next(a for a in desk.attachments if isinstance(a, ReportAction))
        dialog = action.open()
        dialog.resize(1240, 760)
        wait_for(dialog.reportShown, 60_000)
        if not QTest.qWaitForWindowExposed(dialog, 10_000):
            print("The report window was not shown; is there a display?", file=sys.stderr)
            return 1
        settle()
        saved = []
        if args.all:
            saved.append(("report-monthly.png", dialog.grab()))
        dialog.tabs.setCurrentIndex(TRENDS_TAB)
        wait_for(dialog.trendsShown)
        settle()
        saved.append(("report-trends.png", dialog.grab()))
        if args.all:
            index = dialog.customer_combo.findText(args.customer)
            dialog.customer_combo.setCurrentIndex(max(index, 1))
            settle()
            saved.append(("report-trends-customer.png", dialog.grab()))
            dialog.tabs.setCurrentIndex(TECHNICIANS_TAB)
            wait_for(dialog.techniciansShown)
            settle()
            saved.append(("report-technicians.png", dialog.grab()))
        for name, picture in saved:
            path = args.output_dir / name
            picture.save(str(path))
            print(f"saved {path} ({picture.width()}x{picture.height()})")
        action.stop()
        stop_desk(desk)
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
