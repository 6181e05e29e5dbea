"""A fake org.freedesktop.Notifications service on the session bus (PySide6.QtDBus).

Run by dbus-daemon on activation (see test_native_notifications.py). Every Notify call is
appended to the JSON-lines file named on the command line before the call is answered, so
the caller can read it as soon as notify-send returns. ``Quit`` on /Control ends it. A second
argument ``body-markup`` makes it a service that renders markup in the body (as GNOME's).
"""

import json
import sys

from PySide6.QtCore import ClassInfo, QCoreApplication, QObject, QTimer, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

LOG = sys.argv[1]
CAPABILITIES = ["body", *sys.argv[2:3]]


@ClassInfo({"D-Bus Interface": "org.freedesktop.Notifications"})
class Notifications(QObject):
    # the arguments are the D-Bus method's signature
    @Slot(str, "uint", str, str, str, "QStringList", "QVariantMap", int, result="uint")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"app_name": app_name, "summary": summary, "body": body}) + "\n")
        return 1

    @Slot(result="QStringList")
    def GetCapabilities(self):
        return CAPABILITIES

    @Slot(QDBusMessage)
    def GetServerInformation(self, message):
        # Four separate strings (name, vendor, version, spec); a list would be one "as".
        message.setDelayedReply(True)
        reply = message.createReply()
        reply.setArguments(["fake-notifications", "technician-queue-tests", "1.0", "1.2"])
        QDBusConnection.sessionBus().send(reply)


@ClassInfo({"D-Bus Interface": "org.technicianqueue.FakeControl"})
class Control(QObject):
    @Slot()
    def Quit(self):
        QTimer.singleShot(0, QCoreApplication.quit)


app = QCoreApplication(sys.argv)
bus = QDBusConnection.sessionBus()
service, control = Notifications(), Control()
bus.registerObject("/org/freedesktop/Notifications", service, QDBusConnection.ExportAllSlots)
bus.registerObject("/Control", control, QDBusConnection.ExportAllSlots)
if not bus.registerService("org.freedesktop.Notifications"):
    sys.exit("org.freedesktop.Notifications is already taken on this bus")
QTimer.singleShot(60_000, app.quit)  # never outlive a broken test run
sys.exit(app.exec())
