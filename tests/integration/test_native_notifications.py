"""Native notifications end to end: QtDBus probe, plyer and notify-send against a fake
org.freedesktop.Notifications service on a private session bus (``dbus-run-session``).

Needs ``dbus-run-session`` (Debian ``dbus-daemon``) and ``notify-send`` (``libnotify-bin``);
skipped with the reason when they are missing, unless ``REQUIRE_DBUS=1`` (CI) makes that a
failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SERVICE = HERE / "fake_notification_service.py"
DRIVER = HERE / "notify_driver.py"

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={tmp}</listen>
  <auth>EXTERNAL</auth>
  {servicedir}
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _require(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} is not installed (Debian package {package})"
        if os.environ.get("REQUIRE_DBUS") == "1":
            pytest.fail(f"{message}, and REQUIRE_DBUS=1 says this test must run")
        pytest.skip(f"{message}; set REQUIRE_DBUS=1 to make this a failure")


def _run_session(
    tmp_path: Path, with_service: bool, *, body_markup: bool = False
) -> dict[str, object]:
    _require("dbus-run-session", "dbus-daemon")
    _require("notify-send", "libnotify-bin")
    log = tmp_path / "received.jsonl"
    servicedir = ""
    if with_service:
        services = tmp_path / "services"
        services.mkdir()
        (services / "org.freedesktop.Notifications.service").write_text(
            "[D-BUS Service]\n"
            "Name=org.freedesktop.Notifications\n"
            f"Exec={sys.executable} {SERVICE} {log}{' body-markup' if body_markup else ''}\n",
            encoding="utf-8",
        )
        servicedir = f"<servicedir>{services}</servicedir>"
    config = tmp_path / "session.conf"
    config.write_text(BUS_CONFIG.format(tmp=tmp_path, servicedir=servicedir), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    result = subprocess.run(
        [
            "dbus-run-session",
            f"--config-file={config}",
            "--",
            sys.executable,
            str(DRIVER),
            str(log),
            *(["--customer-markup"] if body_markup else []),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, f"driver failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_breach_reaches_the_desktop_notification_service(tmp_path: Path) -> None:
    report = _run_session(tmp_path, with_service=True)
    assert report["available"] is True  # activatable: not running until the first call
    assert report["channel"] == "native"
    assert report["listed"] == ["SLA breached: Ticket #1042"]
    assert report["received"] == [
        {
            "app_name": "Technician Queue",
            "summary": "SLA breached: Ticket #1042",
            "body": "Resolution deadline passed at " + report_local_time(),
        },
        {
            "app_name": "Technician Queue",
            "summary": "New ticket: Ticket #7",
            "body": "A new ticket arrived in the queue",
        },
    ]


def test_without_the_service_nothing_is_sent_and_the_list_keeps_it(tmp_path: Path) -> None:
    report = _run_session(tmp_path, with_service=False)
    assert report["available"] is False  # a bus, but nobody to show notifications
    assert report["channel"] == "in_app"
    assert report["listed"] == ["SLA breached: Ticket #1042"]
    assert report["received"] == []


def test_a_service_that_renders_markup_gets_the_text_as_written(tmp_path: Path) -> None:
    """GNOME and most desktops draw markup in a notification's body: a subject with
    "<b>" or a link arrives escaped, so it shows as the customer wrote it."""
    report = _run_session(tmp_path, with_service=True, body_markup=True)
    received = report["received"]
    assert isinstance(received, list) and len(received) == 3
    assert received[2] == {
        "app_name": "Technician Queue",
        "summary": "New ticket: Ticket #8",
        "body": "Printer &lt;b&gt;jammed&lt;/b&gt; &amp; "
        "&lt;a href='https://example.invalid'&gt;see here&lt;/a&gt;",
    }
    assert received[1]["body"] == "A new ticket arrived in the queue"


def report_local_time() -> str:
    """The breach instant the driver used, as the notifier shows it (local HH:MM)."""
    return datetime(2025, 3, 3, 8, 30, tzinfo=UTC).astimezone().strftime("%H:%M")
