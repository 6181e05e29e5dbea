"""The tray icon: badge and tooltip, menu actions, close-to-tray with and without a tray.

Offscreen there is no system tray, so availability is injected; showing a tray icon on the
offscreen platform logs that it cannot watch the (absent) tray window, which those tests
ignore.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from desktop_app.models.queue_model import QueueModel
from desktop_app.services.clock import FakeClock
from desktop_app.services.notifier import Channel, NotificationList, Notifier
from desktop_app.views.main_window import MainWindow
from desktop_app.views.tray import BREACHED_COLOUR, CLOSE_TO_TRAY_KEY, DeskTray, badge_icon
from support.queue_entries import NOW, FakeNow, entry

NO_TRAY_WINDOW = "No such signal QPlatformNativeInterface::systemTrayWindowChanged"


class Harness:
    def __init__(self, qtbot: QtBot, settings: QSettings, *, available: bool) -> None:
        self.window = MainWindow(settings)
        qtbot.addWidget(self.window)
        self.now = FakeNow(NOW)
        self.model = QueueModel(self.window, now=self.now)
        self.model.load(
            [
                entry(1, timedelta(minutes=-30)),  # breached
                entry(2, timedelta(minutes=-5)),  # breached
                entry(3, timedelta(hours=1)),  # at risk (75% of 8 h used)
                entry(4, timedelta(hours=5)),  # fine
            ]
        )
        self.clock = FakeClock(NOW)
        self.list = NotificationList()
        self.notifier = Notifier(self.list, clock=self.clock)
        self.opened: list[int] = []
        self.quits: list[str] = []
        self.following: tuple[int, str] | None = (3, "TQ-10003 in 1 h 00 min")
        self.tray = DeskTray(
            self.window,
            self.model,
            self.notifier,
            settings,
            open_ticket=self.opened.append,
            next_breach=lambda: self.following,
            available=lambda: available,
            quit_app=lambda: self.quits.append("quit"),
        )

    def action(self, name: str) -> QAction:
        found = self.tray.menu.findChild(QAction, name) or self.window.findChild(QAction, name)
        assert found is not None, name
        return found


def badge_pixel(icon: QIcon) -> QColor:
    pixmap: QPixmap = icon.pixmap(64, 64)
    return pixmap.toImage().pixelColor(64 - 12, 64 - 20)


def test_the_badge_is_drawn_on_the_icon(qapp: Any) -> None:
    base = QIcon(QPixmap(64, 64))
    assert badge_icon(base, 0, BREACHED_COLOUR) is base
    badged = badge_icon(base, 7, BREACHED_COLOUR)
    colour = badge_pixel(badged)
    assert (colour.red(), colour.green(), colour.blue()) == (
        BREACHED_COLOUR.red(),
        BREACHED_COLOUR.green(),
        BREACHED_COLOUR.blue(),
    )
    assert not badge_icon(base, 250, BREACHED_COLOUR).pixmap(64, 64).isNull()  # "99+"


def test_without_a_tray_nothing_is_shown_and_closing_quits(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    h = Harness(qtbot, tmp_settings, available=False)
    assert not h.tray.available and not h.tray.icon.isVisible()
    toggle = h.action("actionCloseToTray")
    assert toggle.isChecked() and not toggle.isEnabled()  # on by default, but no tray here
    h.window.show()
    with qtbot.assertNotEmitted(h.tray.hiddenToTray), qtbot.waitSignal(h.tray.windowClosing):
        h.window.close()
    assert not h.window.isVisible()
    # the counts are still kept (the tooltip is what a tray would show)
    assert h.tray.counts == (2, 1)
    assert "2 breached · 1 at risk · 4 open" in h.tray.icon.toolTip()


def test_a_close_the_window_refuses_keeps_the_alerts_running(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    """A close refused (a change still being saved) leaves the window, and its SLA alerts,
    running; once the window does close, the tray says so."""
    h = Harness(qtbot, tmp_settings, available=False)
    answers = [False]
    h.window.set_close_guard(lambda: answers[0])
    closing: list[bool] = []
    h.tray.windowClosing.connect(lambda: closing.append(True))
    h.window.show()
    h.window.close()
    QApplication.processEvents()  # runs the tray's deferred look at the window
    QApplication.processEvents()
    assert h.window.isVisible() and closing == []
    answers[0] = True
    with qtbot.waitSignal(h.tray.windowClosing):
        h.window.close()
    assert not h.window.isVisible()


def test_quit_waits_for_a_window_that_refuses_to_close(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    """Quit from the tray while a change is still being saved: the window (shown again if
    it was hidden) says why, and nothing quits until it agrees."""
    h = Harness(qtbot, tmp_settings, available=False)
    answers = [False]
    h.window.set_close_guard(lambda: answers[0])
    h.window.show()
    h.window.hide()  # as when it sits in the tray
    h.tray.quit()
    assert h.quits == [] and h.window.isVisible()
    answers[0] = True
    h.tray.quit()
    assert h.quits == ["quit"] and not h.window.isVisible()


@pytest.mark.qt_log_ignore(NO_TRAY_WINDOW)
def test_with_a_tray_closing_hides_to_the_tray_until_the_option_is_off(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    h = Harness(qtbot, tmp_settings, available=True)
    assert h.tray.icon.isVisible()
    h.window.show()
    with qtbot.waitSignal(h.tray.hiddenToTray), qtbot.assertNotEmitted(h.tray.windowClosing):
        h.window.close()
    assert not h.window.isVisible() and h.quits == []

    h.action("actionTrayShow").trigger()
    assert h.window.isVisible()

    toggle = h.action("actionCloseToTray")
    assert toggle.isEnabled()
    toggle.trigger()  # off
    assert tmp_settings.value(CLOSE_TO_TRAY_KEY) in (False, "false")
    with qtbot.assertNotEmitted(h.tray.hiddenToTray):
        h.window.close()
    assert not h.window.isVisible()
    h.tray.icon.hide()


@pytest.mark.qt_log_ignore(NO_TRAY_WINDOW)
def test_quit_from_the_tray_or_the_file_menu_really_quits(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    h = Harness(qtbot, tmp_settings, available=True)
    h.window.show()
    file_menu = h.window.findChild(QMenu, "menuFile")
    names = [a.objectName() for a in file_menu.actions() if a.objectName()]
    assert names[-2:] == ["actionCloseToTray", "actionQuit"]
    with qtbot.assertNotEmitted(h.tray.hiddenToTray):
        h.action("actionQuit").trigger()  # File → Quit
    assert h.quits == ["quit"] and not h.window.isVisible()
    assert not h.tray.icon.isVisible()

    again = Harness(qtbot, tmp_settings, available=True)
    again.window.show()
    again.action("actionTrayQuit").trigger()
    assert again.quits == ["quit"] and not again.window.isVisible()


@pytest.mark.qt_log_ignore(NO_TRAY_WINDOW)
def test_badge_and_tooltip_follow_the_queue(qtbot: QtBot, tmp_settings: QSettings) -> None:
    h = Harness(qtbot, tmp_settings, available=True)
    assert h.tray.counts == (2, 1)
    tip = h.tray.icon.toolTip()
    assert "2 breached · 1 at risk · 4 open" in tip and "Next breach in 1 h" in tip
    colour = badge_pixel(h.tray.icon.icon())
    assert colour.red() > 150 and colour.green() < 80  # the red "breached" badge

    h.model.remove(1)
    h.model.remove(2)
    assert h.tray.counts == (0, 1)
    colour = badge_pixel(h.tray.icon.icon())
    assert colour.red() > 200 and 100 < colour.green() < 180  # amber "at risk" badge
    h.tray.icon.hide()


def test_menu_opens_the_next_breach_and_mutes_for_30_minutes(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    h = Harness(qtbot, tmp_settings, available=False)
    h.tray.refresh_menu()
    next_breach = h.action("actionTrayNextBreach")
    assert next_breach.isEnabled() and "TQ-10003" in next_breach.text()
    next_breach.trigger()
    assert h.opened == [3]

    h.following = None
    h.tray.refresh_menu()
    assert not next_breach.isEnabled() and next_breach.text() == "No breach coming"

    mute = h.action("actionTrayMute")
    mute.trigger()
    assert h.notifier.muted_until == NOW + timedelta(minutes=30)
    assert "Unmute" in mute.text().replace("&", "")
    assert "muted until" in h.tray.icon.toolTip()
    delivery = h.notifier.ticket_arrived(9)
    assert delivery.reason == "muted" and len(h.list) == 1  # recorded, not shown
    mute.trigger()
    assert h.notifier.muted_until is None


@pytest.mark.qt_log_ignore(NO_TRAY_WINDOW)
def test_the_tray_balloon_is_the_fallback_only_where_a_tray_exists(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    with_tray = Harness(qtbot, tmp_settings, available=True)
    assert with_tray.notifier.ticket_arrived(5).channel is Channel.TRAY
    with_tray.tray.icon.hide()

    without = Harness(qtbot, tmp_settings, available=False)
    assert without.notifier.ticket_arrived(5).channel is Channel.IN_APP
    assert len(without.list) == 1
