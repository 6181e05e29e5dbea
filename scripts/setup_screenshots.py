"""Save pictures of the intake and setup screens for the README.

    xvfb-run -a -s "-screen 0 1280x900x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python scripts/setup_screenshots.py --demo

writes ``docs/new-ticket.png`` (the new-ticket dialog with its deadline preview) and, with
``--all``, ``setup-policy.png`` (a policy change with what it does to the open tickets),
``setup-calendar.png``, ``setup-customer.png``, ``setup-technicians.png`` and
``first-start.png`` (an empty desk's first start) next to it. The window is built by the
app's own composition root with settings in a temporary folder, as
``scripts/screenshot.py`` does.
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
    parser.add_argument("--all", action="store_true", help="every setup screen")
    parser.add_argument("--customer", default="Northwind", help="typed into the type-ahead")
    args = parser.parse_args(argv)

    from datetime import timedelta

    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QTableWidgetItem

    from desktop_app.app import LaunchOptions, build_desk, create_application, stop_desk
    from desktop_app.domain import Priority
    from desktop_app.views.setup_actions import SetupActions

    def wait_for(signal: object, ms: int = 60_000, start: object = None) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        QTimer.singleShot(ms, loop.quit)
        if callable(start):
            start()
        loop.exec()

    def settle(ms: int = 500) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(widget: object, name: str) -> None:
        picture = widget.grab()  # type: ignore[attr-defined]
        path = args.output_dir / name
        picture.save(str(path))
        print(f"saved {path} ({picture.width()}x{picture.height()})")

    args.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="technician-queue-shot-") as settings_dir:
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, settings_dir)
        app = create_application()
        desk = build_desk(
            LaunchOptions(database=args.database, demo=args.demo), QSettings(), settings_dir
        )
        desk.window.show()
        wait_for(desk.session.ready, 120_000, start=desk.session.start)
        setup = next(a for a in desk.attachments if isinstance(a, SetupActions))
        # a dispatcher logs the call: they may give it to anyone
        lead = next(t for t in desk.session.technicians if t.role.value == "dispatcher")
        desk.session.sign_in_as(lead.id)
        settle()

        dialog = setup.new_ticket()
        wait_for(dialog.ready)
        if not QTest.qWaitForWindowExposed(dialog, 10_000):
            print("The dialog was not shown; is there a display?", file=sys.stderr)
            return 1
        dialog.customer_edit.setFocus()
        QTest.keyClicks(dialog.customer_edit, args.customer)
        settle(300)
        popup = dialog.type_ahead.completer.popup()
        if popup.isVisible() and popup.model().rowCount():
            popup.setCurrentIndex(popup.model().index(0, 0))
            QTest.keyClick(popup, Qt.Key.Key_Return)
        settle(300)
        dialog.subject_edit.setText("Warehouse scanners cannot reach the server")
        dialog.description_edit.setPlainText(
            "Called at 9:40; the handheld scanners in the north hall lost their connection "
            "after the switch was replaced."
        )
        dialog.channel_combo.setCurrentIndex(dialog.channel_combo.findData("phone"))
        dialog.priority_combo.setCurrentIndex(dialog.priority_combo.findData(Priority.HIGH.value))
        dialog.category_combo.setEditText("network")
        dialog.set_received(dialog._now() - timedelta(minutes=25))
        wait_for(dialog.previewShown, start=dialog.request_preview)
        settle()
        save(dialog, "new-ticket.png")
        dialog.done(0)

        if args.all:
            policies = setup.open("policies")
            wait_for(policies.loaded)
            policies.resize(1040, 820)
            gold = next(
                i for i in range(policies.list.count()) if "Gold" in policies.list.item(i).text()
            )
            policies.list.setCurrentRow(gold)
            settle()
            policies.grid.setItem(2, 2, QTableWidgetItem("16 h"))
            wait_for(policies.previewShown)
            settle()
            save(policies, "setup-policy.png")
            policies._dirty = False
            policies.done(0)

            calendars = setup.open("calendars")
            wait_for(calendars.loaded)
            calendars.resize(1040, 820)
            settle(800)
            save(calendars, "setup-calendar.png")
            calendars.done(0)

            customers = setup.open("customers")
            wait_for(customers.loaded)
            customers.resize(1160, 720)
            customers.select(desk.session.model.entries()[0].customer_id)
            wait_for(customers.recordsShown)
            customers.tabs.setCurrentIndex(3)
            settle()
            save(customers, "setup-customer.png")
            customers.done(0)

            people = setup.open("technicians")
            wait_for(people.loaded)
            settle()
            save(people, "setup-technicians.png")
            people.done(0)

            first = setup.offer_first_start()
            first.resize(860, 820)
            settle(300)
            save(first, "first-start.png")
            first.pages.setCurrentIndex(1)
            wait_for(first.countriesShown)
            settle(800)
            save(first, "first-start-setup.png")
            first.done(0)
        stop_desk(desk)
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
