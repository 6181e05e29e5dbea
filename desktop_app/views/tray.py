"""The desk in the system tray: a badge with the breached / at-risk count, a menu, and the
window that hides to the tray instead of quitting.

Menu: show the window, open the next ticket to breach, mute pop-ups for 30 minutes (or
unmute), quit. Closing the window keeps the desk running in the tray when a tray exists and
the "keep running in the tray" option is on (a setting, on by default, toggled from the File
menu); File → Quit and the tray's Quit always quit.

Where no system tray exists (offscreen, plain Xvfb, some desktops) nothing here is shown
and closing the window quits as usual; availability is injectable so tests cover both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRectF, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QColor, QFont, QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu, QSystemTrayIcon

from desktop_app.models.plain_text import menu_text
from desktop_app.models.queue_model import QueueModel, format_remaining
from desktop_app.services.notifier import Notifier, SystemTrayNotifications

CLOSE_TO_TRAY_KEY = "Alerts/closeToTray"
BREACHED_COLOUR = QColor("#c62828")
AT_RISK_COLOUR = QColor("#ef8f00")
ICON_SIZE = 64
# Platforms without windows to stack (tests, --smoke): raising a window there only warns.
_NO_WINDOW_STACKING = frozenset({"offscreen", "minimal"})


def badge_icon(base: QIcon, count: int, colour: QColor, size: int = ICON_SIZE) -> QIcon:
    """``base`` with a round badge showing ``count`` in its lower right corner ("99+" above
    99); ``count`` 0 gives ``base`` unchanged."""
    if count <= 0:
        return base
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base.paint(painter, 0, 0, size, size)
        text = "99+" if count > 99 else str(count)
        diameter = size * (0.62 if len(text) < 3 else 0.72)
        rect = QRectF(size - diameter, size - diameter, diameter, diameter)
        painter.setPen(QColor("white"))
        painter.setBrush(colour)
        painter.drawEllipse(rect.adjusted(1, 1, -1, -1))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(diameter * (0.55 if len(text) < 3 else 0.4)))
        painter.setFont(font)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.end()
    return QIcon(pixmap)


class _TrayIconAdapter:
    """What the notifier's tray backend calls, with this tray's notion of availability."""

    def __init__(self, icon: QSystemTrayIcon, available: Callable[[], bool]) -> None:
        self._icon = icon
        self._available = available

    def isSystemTrayAvailable(self) -> bool:
        return self._available()

    def isVisible(self) -> bool:
        return self._icon.isVisible()

    def showMessage(self, title: str, msg: str) -> None:
        self._icon.showMessage(title, msg, QSystemTrayIcon.MessageIcon.Warning, 10_000)


class DeskTray(QObject):
    """The tray icon and the close-to-tray behaviour of ``window``.

    ``next_breach()`` gives (ticket_id, label) of the next ticket to breach, or None;
    ``open_ticket(ticket_id)`` shows it; ``quit_app()`` ends the application.
    ``hiddenToTray`` is emitted when closing the window only hid it, ``windowClosing``
    when it really closes (the desk is ending).
    """

    hiddenToTray = Signal()
    windowClosing = Signal()

    def __init__(
        self,
        window: QMainWindow,
        model: QueueModel,
        notifier: Notifier,
        settings: QSettings,
        *,
        open_ticket: Callable[[int], None],
        next_breach: Callable[[], tuple[int, str] | None],
        available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
        quit_app: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._model = model
        self._notifier = notifier
        self._settings = settings
        self._open_ticket = open_ticket
        self._next_breach = next_breach
        self._available = available
        self._quit_app = quit_app if quit_app is not None else QApplication.quit
        self._quitting = False
        self._told_about_tray = False
        self._base_icon = window.windowIcon()
        self._counts = (0, 0)

        self.icon = QSystemTrayIcon(self._base_icon, self)
        self.icon.setObjectName("deskTrayIcon")
        self.menu = QMenu(window)
        self.menu.setObjectName("trayMenu")
        self.action_show = self._action(
            "actionTrayShow", "&Show Technician Queue", self.show_window
        )
        self.action_next = self._action("actionTrayNextBreach", "&Next breach", self.open_next)
        self.menu.addSeparator()
        self.action_mute = self._action("actionTrayMute", "&Mute for 30 minutes", self.toggle_mute)
        self.menu.addSeparator()
        self.action_quit = self._action("actionTrayQuit", "&Quit", self.quit)
        self.menu.aboutToShow.connect(self.refresh_menu)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)

        self.action_close_to_tray = QAction("Keep running in the &tray when closed", window)
        self.action_close_to_tray.setObjectName("actionCloseToTray")
        self.action_close_to_tray.setCheckable(True)
        self.action_close_to_tray.setChecked(self.close_to_tray)
        self.action_close_to_tray.toggled.connect(self._set_close_to_tray)
        self._take_over_quit()

        model.countsChanged.connect(self.refresh)
        notifier.delivered.connect(self.refresh)
        window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_about_to_quit)
        self.refresh()
        self.refresh_menu()
        if self.available:
            self.icon.show()
            notifier.set_tray(SystemTrayNotifications(_TrayIconAdapter(self.icon, available)))
        else:
            self.action_close_to_tray.setEnabled(False)
            self.action_close_to_tray.setToolTip(
                "This desktop has no system tray; closing the window quits Technician Queue."
            )

    def _action(self, name: str, text: str, slot: Callable[[], None]) -> QAction:
        action = self.menu.addAction(text)
        action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def _take_over_quit(self) -> None:
        """File → Quit must quit even when closing the window would only hide it, so the
        File menu's Quit goes through :meth:`quit`; the toggle sits just above it."""
        quit_action = self._window.findChild(QAction, "actionQuit")
        file_menu = self._window.findChild(QMenu, "menuFile")
        if file_menu is not None:
            if quit_action is not None and quit_action in file_menu.actions():
                file_menu.insertAction(quit_action, self.action_close_to_tray)
                file_menu.insertSeparator(quit_action)
            else:
                file_menu.addAction(self.action_close_to_tray)
        if quit_action is not None:
            # not connected that way (RuntimeError/TypeError): nothing to undo
            with contextlib.suppress(RuntimeError, TypeError):
                quit_action.triggered.disconnect(self._window.close)
            quit_action.triggered.connect(self.quit)

    # ------------------------------------------------------------------ state

    @property
    def available(self) -> bool:
        """A system tray exists on this desktop."""
        return bool(self._available())

    @property
    def close_to_tray(self) -> bool:
        value = self._settings.value(CLOSE_TO_TRAY_KEY, True)
        if isinstance(value, str):
            return value.lower() not in ("false", "0", "no")
        return bool(value)

    @Slot(bool)
    def _set_close_to_tray(self, on: bool) -> None:
        self._settings.setValue(CLOSE_TO_TRAY_KEY, on)

    @property
    def counts(self) -> tuple[int, int]:
        """(breached, at risk) as the icon shows them."""
        return self._counts

    # ------------------------------------------------------------------ badge

    @Slot()
    @Slot(object)
    def refresh(self, *_args: object) -> None:
        """Redraw the badge and tooltip from the queue's counts."""
        total, at_risk, breached, next_breach = self._model.counts()
        counts = (breached, at_risk)
        tooltip = [
            "Technician Queue",
            f"{breached:,} breached · {at_risk:,} at risk · {total:,} open",
        ]
        if next_breach is not None:
            tooltip.append(f"Next breach in {format_remaining(next_breach)}")
        muted = self._notifier.muted_until
        if muted is not None:
            tooltip.append(f"Notifications muted until {self._notifier.local_time(muted)}")
        self.icon.setToolTip("\n".join(tooltip))
        if counts != self._counts or self.icon.icon().isNull():
            self._counts = counts
            if breached:
                self.icon.setIcon(badge_icon(self._base_icon, breached, BREACHED_COLOUR))
            elif at_risk:
                self.icon.setIcon(badge_icon(self._base_icon, at_risk, AT_RISK_COLOUR))
            else:
                self.icon.setIcon(self._base_icon)

    @Slot()
    def refresh_menu(self) -> None:
        following = self._next_breach()
        if following is None:
            self.action_next.setText("No breach coming")
            self.action_next.setEnabled(False)
        else:
            self.action_next.setText(menu_text(f"Next breach: {following[1]}"))
            self.action_next.setEnabled(True)
        muted = self._notifier.muted_until
        if muted is None:
            self.action_mute.setText("&Mute for 30 minutes")
        else:
            until = self._notifier.local_time(muted)
            self.action_mute.setText(f"Un&mute (muted until {until})")

    # ------------------------------------------------------------------ actions

    @Slot()
    def show_window(self) -> None:
        window = self._window
        if window.isMinimized():
            window.showNormal()
        else:
            window.show()
        if QGuiApplication.platformName() not in _NO_WINDOW_STACKING:
            window.raise_()
            window.activateWindow()

    @Slot()
    def open_next(self) -> None:
        following = self._next_breach()
        if following is None:
            return
        self.show_window()
        self._open_ticket(following[0])

    @Slot()
    def toggle_mute(self) -> None:
        if self._notifier.muted_until is None:
            self._notifier.mute()
        else:
            self._notifier.unmute()
        self.refresh_menu()
        self.refresh()

    @Slot()
    def quit(self) -> None:
        """Quit for real: from the tray menu or File → Quit. The window may refuse (a
        change still being saved): then it is shown, to say why, and nothing quits."""
        self._quitting = True
        if not self._window.close():
            self._quitting = False
            self.show_window()
            return
        self.icon.hide()
        self._quit_app()

    @Slot()
    def _on_about_to_quit(self) -> None:
        self._quitting = True
        self.icon.hide()

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            if self._window.isVisible() and not self._window.isMinimized():
                self._window.hide()
            else:
                self.show_window()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._window
            and event.type() == QEvent.Type.Close
            and not self._quitting
            and self.available
            and self.close_to_tray
            and self.icon.isVisible()
        ):
            event.ignore()
            self._window.hide()
            if not self._told_about_tray:
                self._told_about_tray = True
                self.icon.showMessage(
                    "Technician Queue is still running",
                    "SLA warnings keep coming here. Quit from this icon's menu or File → Quit.",
                    QSystemTrayIcon.MessageIcon.Information,
                    5000,
                )
            self.hiddenToTray.emit()
            return True
        if watched is self._window and event.type() == QEvent.Type.Close:
            # The window may still refuse (a change still being saved): tell once it shut.
            QTimer.singleShot(0, self._after_close)
        return False

    @Slot()
    def _after_close(self) -> None:
        if not self._window.isVisible():
            self.windowClosing.emit()


__all__ = ["CLOSE_TO_TRAY_KEY", "DeskTray", "badge_icon"]
