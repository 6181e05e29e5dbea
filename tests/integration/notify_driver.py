"""Runs inside ``dbus-run-session`` for test_native_notifications.py; prints a JSON report.

It goes through the product's own path: the QtDBus probe, the Notifier's choice of channel
and plyer (notify-send), then reads what the fake service received.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtDBus import QDBusConnection, QDBusMessage

from desktop_app.services.clock import FakeClock
from desktop_app.services.notifier import (
    NotificationList,
    Notifier,
    PlyerNotifications,
    freedesktop_notifications_available,
)

# a subject as a customer might write it
MARKUP = "Printer <b>jammed</b> & <a href='https://example.invalid'>see here</a>"


class NoTray:
    def available(self) -> bool:
        return False

    def show(self, title: str, body: str) -> None:
        raise AssertionError("the tray must not be used in this run")


def main(log: Path) -> dict[str, object]:
    app = QCoreApplication(sys.argv)  # noqa: F841 (QtDBus wants an application)
    report: dict[str, object] = {"available": freedesktop_notifications_available()}
    inbox = NotificationList()
    native = PlyerNotifications(background=False)
    notifier = Notifier(
        inbox, native=native, tray=NoTray(), clock=FakeClock(datetime(2025, 3, 3, 9, tzinfo=UTC))
    )
    delivery = notifier.breached(1042, "resolution", datetime(2025, 3, 3, 8, 30, tzinfo=UTC))
    report["channel"] = str(delivery.channel)
    report["listed"] = [n.title for n in inbox.items()]

    background = PlyerNotifications()  # the default: handed over off the calling thread
    if background.available():
        future = background.show("New ticket: Ticket #7", "A new ticket arrived in the queue")
        assert future is not None
        future.result(timeout=30)
        if "--customer-markup" in sys.argv:
            future = background.show("New ticket: Ticket #8", MARKUP)
            assert future is not None
            future.result(timeout=30)
    background.close()

    report["received"] = (
        [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        if log.exists()
        else []
    )
    bus = QDBusConnection.sessionBus()
    if report["available"]:
        quit_call = QDBusMessage.createMethodCall(
            "org.freedesktop.Notifications", "/Control", "org.technicianqueue.FakeControl", "Quit"
        )
        bus.call(quit_call)
    return report


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
