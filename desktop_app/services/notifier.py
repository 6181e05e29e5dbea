"""Desktop notifications for warnings, breaches, arrivals and catch-up summaries.

Per notification the :class:`Notifier` picks the first channel that can really show it:

1. native, through plyer, when the desktop has a notification service. On Linux that is
   checked with QtDBus first (session bus connected, ``org.freedesktop.Notifications``
   registered or activatable): plyer's ``notify-send`` path returns normally even when
   nothing was shown, so it cannot be trusted to report failure;
2. the tray icon's balloon, when a system tray is available;
3. otherwise only the in-app list.

Every notification is recorded in the in-app list first (an injectable sink: the app
connects it to the store's notifications table; :class:`NotificationList` keeps them in
memory meanwhile), also while muted or in quiet hours, when nothing pops up. Each ticket,
clock and threshold is notified once; the monitor's ``rearmed`` signal says when a clock got
a new deadline and may warn again.

This module uses QtCore and QtDBus only; the tray icon (a widget) is handed in by the view
layer through :class:`SystemTrayNotifications`, which only calls the icon's methods.
"""

from __future__ import annotations

import html
import logging
import shutil
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from time import monotonic as _monotonic
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.domain.enums import Metric
from desktop_app.domain.model import Notification
from desktop_app.domain.zones import machine_zone
from desktop_app.services.clock import Clock, SystemClock
from desktop_app.sla.schedule import BREACH, CatchUp, ScheduleEntry

log = logging.getLogger(__name__)

FREEDESKTOP_NOTIFICATIONS = "org.freedesktop.Notifications"
APP_NAME = "Technician Queue"

NotificationSink = Callable[[Notification], None]
# Whether the person at this desk is among those a notification is for (the assignee of a
# warned ticket, the dispatchers of an escalation). As ``audience`` it decides what pops up
# (the rest is recorded only); as ``recipients`` it decides what this desk tells its person
# at all (the rest is neither recorded nor popped up: it is someone else's).
Audience = Callable[[Notification], bool]


#: How many clocks of a catch-up report are listed one by one; the rest are counted.
CATCH_UP_DETAIL = 100


class Channel(StrEnum):
    NATIVE = "native"
    TRAY = "tray"
    IN_APP = "in_app"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one notification: where it popped up, or why it did not."""

    notification: Notification | None
    channel: Channel | None
    reason: str = ""  # "muted", "quiet hours", "duplicate", "for someone else", "" when shown

    @property
    def shown(self) -> bool:
        return self.channel in (Channel.NATIVE, Channel.TRAY)


class PopupBackend(Protocol):
    """Something that can pop a notification up (native service, tray balloon)."""

    def available(self) -> bool: ...

    def show(self, title: str, body: str) -> object: ...


# --------------------------------------------------------------------- native
def freedesktop_notifications_available(timeout_ms: int = 500) -> bool:
    """True when the session bus has ``org.freedesktop.Notifications`` (running or activatable).

    Uses QtDBus, so it needs no dbus-python. A missing session bus, a bus that does not
    answer within ``timeout_ms``, or a bus without the service all mean False.
    """
    from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage

    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False

    def ask(method: str, *args: object) -> list[Any] | None:
        message = QDBusMessage.createMethodCall(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", method
        )
        if args:
            message.setArguments(list(args))
        reply = bus.call(message, QDBus.CallMode.Block, timeout_ms)
        if reply.type() != QDBusMessage.MessageType.ReplyMessage:
            log.info("D-Bus %s failed: %s", method, reply.errorMessage())
            return None
        return list(reply.arguments())

    owned = ask("NameHasOwner", FREEDESKTOP_NOTIFICATIONS)
    if owned and owned[0] is True:
        return True
    activatable = ask("ListActivatableNames")
    return bool(activatable) and FREEDESKTOP_NOTIFICATIONS in (activatable or [[]])[0]


def freedesktop_body_markup(timeout_ms: int = 500) -> bool:
    """True when the desktop's notification service renders markup in a notification's body
    (it lists the ``body-markup`` capability): the body must then be escaped, or a subject
    such as "<b>urgent</b>" would be drawn in bold and "<a href=…>" become a link."""
    from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage

    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    message = QDBusMessage.createMethodCall(
        FREEDESKTOP_NOTIFICATIONS,
        "/org/freedesktop/Notifications",
        FREEDESKTOP_NOTIFICATIONS,
        "GetCapabilities",
    )
    reply = bus.call(message, QDBus.CallMode.Block, timeout_ms)
    if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
        return False
    capabilities = reply.arguments()[0]
    return isinstance(capabilities, list) and "body-markup" in capabilities


def _plyer_has_linux_transport() -> bool:
    # plyer talks to the service through dbus-python, else notify-send, else raises.
    try:
        import dbus  # noqa: F401
    except ImportError:
        return shutil.which("notify-send") is not None
    return True


class PlyerNotifications:
    """Native notifications through plyer, shown off the GUI thread.

    ``notify-send`` runs as a subprocess and a slow notification service can hold it for
    the D-Bus timeout, so by default the call runs on one background thread
    (``background=False`` runs it in the caller, for scripts and tests).
    """

    def __init__(
        self,
        *,
        probe: Callable[[], bool] | None = None,
        notify: Callable[..., object] | None = None,
        background: bool = True,
        platform: str = sys.platform,
        body_markup: Callable[[], bool] | None = None,
    ) -> None:
        self._platform = platform
        self._probe = probe if probe is not None else self._default_probe
        self._body_markup = body_markup if body_markup is not None else self._default_markup
        self._markup: bool | None = None  # asked once, on the first notification
        self._notify = notify
        self._executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="native-notification")
            if background
            else None
        )

    def _default_probe(self) -> bool:
        if self._platform.startswith("linux") or "bsd" in self._platform:
            return _plyer_has_linux_transport() and freedesktop_notifications_available()
        return self._platform in ("win32", "darwin")

    def _default_markup(self) -> bool:
        if self._platform.startswith("linux") or "bsd" in self._platform:
            return freedesktop_body_markup()
        return False

    def available(self) -> bool:
        return self._probe()

    def show(self, title: str, body: str) -> Future[None] | None:
        """Pop the notification up; returns the background job when there is one.

        The title is plain text everywhere; the body is escaped where the desktop would
        render markup in it, so a ticket's subject shows as the customer wrote it."""
        if self._markup is None:
            self._markup = bool(self._body_markup())
        if self._markup:
            body = html.escape(body, quote=False)
        if self._executor is None:
            self._show_now(title, body)
            return None
        future = self._executor.submit(self._show_now, title, body)
        future.add_done_callback(_log_failure)
        return future

    def _show_now(self, title: str, body: str) -> None:
        notify = self._notify
        if notify is None:
            with warnings.catch_warnings():
                # plyer warns when dbus-python is missing before it settles on notify-send.
                warnings.simplefilter("ignore", UserWarning)
                from plyer import notification

                notify = notification.notify
        notify(title=title, message=body, app_name=APP_NAME, timeout=10)

    def close(self) -> None:
        """Wait for notifications still being handed over, then release the thread."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)


def _log_failure(future: Future[None]) -> None:
    error = future.exception()
    if error is not None:
        log.warning("native notification failed: %s", error)


class CachedAvailability:
    """A pop-up backend whose ``available()`` answer is reused for ``ttl`` seconds.

    The native check asks the session bus (a blocking D-Bus round trip); a desk that warns
    several times a minute asks once every few minutes instead, on whatever thread notifies.
    """

    def __init__(
        self,
        backend: PopupBackend,
        *,
        ttl: float = 300.0,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"ttl must be positive seconds (e.g. 300), got {ttl}")
        self._backend = backend
        self._ttl = ttl
        self._monotonic = monotonic if monotonic is not None else _monotonic
        self._answer: tuple[float, bool] | None = None

    @property
    def backend(self) -> PopupBackend:
        return self._backend

    def available(self) -> bool:
        now = self._monotonic()
        if self._answer is None or now - self._answer[0] >= self._ttl:
            self._answer = (now, bool(self._backend.available()))
        return self._answer[1]

    def forget(self) -> None:
        """Ask the backend again next time (e.g. after a failed pop-up)."""
        self._answer = None

    def show(self, title: str, body: str) -> object:
        try:
            return self._backend.show(title, body)
        except Exception:
            self._answer = None
            raise

    def close(self) -> None:
        close = getattr(self._backend, "close", None)
        if callable(close):
            close()


# --------------------------------------------------------------------- tray
class TrayIconLike(Protocol):
    """The parts of ``QSystemTrayIcon`` used here (the view layer owns the icon)."""

    def isSystemTrayAvailable(self) -> bool: ...

    def isVisible(self) -> bool: ...

    def showMessage(self, title: str, msg: str) -> None: ...


class SystemTrayNotifications:
    """Balloon messages of the app's tray icon.

    Checks that a system tray is available (``supportsMessages()`` says True even where no
    tray exists, e.g. offscreen or plain Xvfb) and that the icon is shown.
    """

    def __init__(self, icon: TrayIconLike) -> None:
        self._icon = icon

    def available(self) -> bool:
        return bool(self._icon.isSystemTrayAvailable()) and bool(self._icon.isVisible())

    def show(self, title: str, body: str) -> None:
        self._icon.showMessage(title, body)


# --------------------------------------------------------------------- in-app list
class NotificationList(QObject):
    """The in-app notification list kept in memory (a sink; a list model can wrap it).

    ``appended(row)`` follows every new notification, ``changed(row)`` a read flag.
    """

    appended = Signal(int)
    changed = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Notification] = []

    def __call__(self, notification: Notification) -> None:
        if not isinstance(notification, Notification):
            raise TypeError(f"expected a Notification, got {type(notification).__name__}")
        if notification.id is None:
            notification = replace(notification, id=len(self._items) + 1)
        self._items.append(notification)
        self.appended.emit(len(self._items) - 1)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, row: int) -> Notification:
        return self._items[row]

    def items(self) -> tuple[Notification, ...]:
        return tuple(self._items)

    def unread_count(self) -> int:
        return sum(not n.read for n in self._items)

    def mark_read(self, row: int) -> None:
        if not 0 <= row < len(self._items):
            raise IndexError(f"no notification at row {row}; the list has {len(self._items)}")
        self._items[row] = replace(self._items[row], read=True)
        self.changed.emit(row)


# --------------------------------------------------------------------- quiet hours
@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local times without pop-ups, e.g. 22:00-07:00 (may wrap midnight)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(
                    f"quiet hours {name} must be a local time without zone, e.g. time(22, 0); "
                    f"got {value!r}"
                )
        if self.start == self.end:
            raise ValueError(
                f"quiet hours from {self.start:%H:%M} to {self.end:%H:%M} are empty; "
                "pass None to turn quiet hours off"
            )

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """From "22:00-07:00"."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError:
            raise ValueError(
                f"quiet hours {text!r} are not of the form HH:MM-HH:MM, e.g. 22:00-07:00"
            ) from None
        return cls(start, end)

    def __contains__(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


# --------------------------------------------------------------------- notifier
def _default_describe(ticket_id: int) -> str:
    return f"Ticket #{ticket_id}"


def _metric(value: str | Metric) -> Metric:
    try:
        return Metric(value)
    except ValueError:
        valid = ", ".join(m.value for m in Metric)
        raise ValueError(f"unknown SLA metric {value!r}; use one of: {valid}") from None


class Notifier(QObject):
    """Records every notification in the in-app list and pops it up where possible.

    Lives in the GUI thread; connect the monitor with :meth:`connect_monitor`.
    ``delivered(Delivery)`` follows every notification (the tray uses it for its badge).
    """

    delivered = Signal(object)

    MUTE_DEFAULT = timedelta(minutes=30)

    def __init__(
        self,
        sink: NotificationSink,
        *,
        native: PopupBackend | None = None,
        tray: PopupBackend | None = None,
        clock: Clock | None = None,
        local_zone: tzinfo | None = None,
        quiet_hours: QuietHours | None = None,
        describe_ticket: Callable[[int], str] = _default_describe,
        audience: Audience | None = None,
        recipients: Audience | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if not callable(sink):
            raise TypeError("sink must be callable with a Notification (e.g. NotificationList())")
        self._sink = sink
        self._native = native
        self._tray = tray
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._local_zone: tzinfo = local_zone if local_zone is not None else machine_zone()
        self._quiet_hours = quiet_hours
        self._describe = describe_ticket
        self._audience = audience
        self._recipients = recipients
        self._muted_until: datetime | None = None
        # What each ticket was told, as (kind, metric or once-key, threshold): kept per ticket
        # so that a re-armed clock forgets its few entries, not a scan of the whole desk's.
        self._seen: dict[int, set[tuple[str, str, str]]] = {}

    # --- settings ---------------------------------------------------------------------
    def set_tray(self, tray: PopupBackend | None) -> None:
        """The view layer hands the tray in once its icon exists."""
        self._tray = tray

    def set_native(self, native: PopupBackend | None) -> None:
        self._native = native

    def set_describe_ticket(self, describe: Callable[[int], str]) -> None:
        """How titles name a ticket (the app gives its number, subject and assignee)."""
        self._describe = describe

    def set_audience(self, audience: Audience | None) -> None:
        """Pop up only what is for the person at this desk (``None``: everything)."""
        self._audience = audience

    def set_recipients(self, recipients: Audience | None) -> None:
        """Tell the person at this desk only what is for them: the rest is not recorded
        in their list either (``None``: everything)."""
        self._recipients = recipients

    def _for_me(self, notification: Notification) -> bool:
        return self._recipients is None or self._recipients(notification)

    @property
    def local_zone(self) -> tzinfo:
        """The zone of "your time" (quiet hours, times in notifications)."""
        return self._local_zone

    def set_local_zone(self, zone: tzinfo) -> None:
        """Someone else signed in at this desk: their zone from now on."""
        self._local_zone = zone

    @property
    def quiet_hours(self) -> QuietHours | None:
        return self._quiet_hours

    @quiet_hours.setter
    def quiet_hours(self, value: QuietHours | None) -> None:
        if value is not None and not isinstance(value, QuietHours):
            raise TypeError("quiet_hours must be QuietHours(start, end) or None")
        self._quiet_hours = value

    def mute(self, duration: timedelta = MUTE_DEFAULT) -> datetime:
        """No pop-ups for ``duration`` (notifications are still recorded). Returns the end."""
        if duration <= timedelta(0):
            raise ValueError(f"mute for a positive duration, e.g. 30 minutes; got {duration}")
        self._muted_until = self._clock.now() + duration
        return self._muted_until

    @Slot()
    def mute_30_minutes(self) -> None:
        self.mute()

    @Slot()
    def unmute(self) -> None:
        self._muted_until = None

    @property
    def muted_until(self) -> datetime | None:
        if self._muted_until is not None and self._clock.now() >= self._muted_until:
            self._muted_until = None
        return self._muted_until

    # --- wiring ---------------------------------------------------------------------
    def connect_monitor(self, monitor: QObject) -> None:
        """Connect every signal of an ``SlaMonitor`` to the matching slot here."""
        monitor.warning_due.connect(self.warning_due)  # type: ignore[attr-defined]
        monitor.breached.connect(self.breached)  # type: ignore[attr-defined]
        monitor.ticket_arrived.connect(self.ticket_arrived)  # type: ignore[attr-defined]
        monitor.caught_up.connect(self.caught_up)  # type: ignore[attr-defined]
        monitor.rearmed.connect(self.forget)  # type: ignore[attr-defined]

    # --- slots ---------------------------------------------------------------------
    @Slot(int, str, str)
    def warning_due(self, ticket_id: int, metric: str, threshold: str) -> Delivery:
        clock_metric = _metric(metric)
        return self._deliver(
            ("warning", clock_metric.value, threshold),
            Notification(
                created_at=self._clock.now(),
                kind="warning",
                title=f"SLA warning: {self._describe(ticket_id)}",
                body=_warning_body(clock_metric, threshold),
                ticket_id=ticket_id,
                metric=clock_metric,
                threshold=threshold,
            ),
        )

    @Slot(int, str, object)
    def breached(self, ticket_id: int, metric: str, at: datetime) -> Delivery:
        clock_metric = _metric(metric)
        return self._deliver(
            ("breach", clock_metric.value, BREACH),
            Notification(
                created_at=self._clock.now(),
                kind="breach",
                title=f"SLA breached: {self._describe(ticket_id)}",
                body=f"{clock_metric.label.capitalize()} deadline passed at {self._local(at)}",
                ticket_id=ticket_id,
                metric=clock_metric,
                threshold=BREACH,
            ),
        )

    @Slot(int)
    def ticket_arrived(self, ticket_id: int) -> Delivery:
        return self._deliver(
            ("arrival", "", ""),
            Notification(
                created_at=self._clock.now(),
                kind="arrival",
                title=f"New ticket: {self._describe(ticket_id)}",
                body="A new ticket arrived in the queue",
                ticket_id=ticket_id,
            ),
        )

    @Slot(object)
    def caught_up(self, report: CatchUp) -> Delivery:
        """Record the report's clocks in the list (the newest :data:`CATCH_UP_DETAIL` of
        them one by one, the rest counted in the summary); pop up one summary.

        A desk that was closed for a long weekend can come back to thousands of clocks
        that came due; writing a notification for each would bury the list and keep the
        database busy for minutes. All of them are marked as told, so none repeats."""
        if not isinstance(report, CatchUp):
            raise TypeError(f"caught_up expects a CatchUp report, got {type(report).__name__}")
        now = self._clock.now()
        latest = {(e.ticket_id, e.metric, e.threshold) for e in report.latest_per_clock()}
        fresh = []
        for entry in report.entries:  # every entry is marked told, superseded ones too
            what = (
                "breach" if entry.kind == "breach" else "warning",
                entry.metric.value,
                entry.threshold,
            )
            if not self._first_time(entry.ticket_id, what):
                continue
            if (entry.ticket_id, entry.metric, entry.threshold) in latest:
                fresh.append(entry)
        if self._recipients is not None:
            # the person at this desk hears about their own tickets only: the summary
            # counts what is for them, and there is none when nothing is
            theirs: dict[int, bool] = {}
            for entry in report.entries:
                if entry.ticket_id not in theirs:
                    note = self._catch_up_note(now, entry, brief=True)
                    theirs[entry.ticket_id] = self._for_me(note)
            report = replace(
                report, entries=tuple(e for e in report.entries if theirs[e.ticket_id])
            )
            fresh = [e for e in fresh if theirs[e.ticket_id]]
            if not report.entries:
                delivery = Delivery(None, None, "for someone else")
                self.delivered.emit(delivery)
                return delivery
        fresh.sort(key=lambda e: e.at, reverse=True)
        for entry in fresh[:CATCH_UP_DETAIL]:
            self._sink(self._catch_up_note(now, entry))
        body = report.describe()[0].upper() + report.describe()[1:]
        untold = len(fresh) - CATCH_UP_DETAIL
        if untold > 0:
            body += (
                f". The newest {CATCH_UP_DETAIL} are listed one by one; {untold} more are "
                "in the queue's Breached and At risk filters."
            )
        summary = Notification(
            created_at=now,
            kind="summary",
            title="While you were away" if report.reason != "late" else "Overdue tickets",
            body=body,
        )
        return self._record_and_pop(summary, theirs=True)  # counts only what is theirs

    def _catch_up_note(
        self, now: datetime, entry: ScheduleEntry, *, brief: bool = False
    ) -> Notification:
        """The list entry of one clock in a catch-up (``brief``: without the ticket's
        description, to ask who it is for)."""
        describe = "" if brief else self._describe(entry.ticket_id)
        if entry.kind == "breach":
            title = f"SLA breached: {describe}"
            body = f"{entry.metric.label.capitalize()} deadline passed at {self._local(entry.at)}"
        else:
            title = f"SLA warning: {describe}"
            body = _warning_body(entry.metric, entry.threshold)
        return Notification(
            created_at=now,
            kind=entry.kind,
            title=title,
            body=body,
            ticket_id=entry.ticket_id,
            metric=entry.metric,
            threshold=entry.threshold,
        )

    def announce(
        self, notification: Notification, *, once: str | None = None, pop_up: bool = True
    ) -> Delivery:
        """Record and pop up a notification the desk composed itself (an escalation, a
        customer update due). ``once`` is a key under which it is given once per ticket;
        ``pop_up=False`` records it without popping up (it was part of a summary)."""
        if not isinstance(notification, Notification):
            raise TypeError(f"announce() takes a Notification, got {type(notification).__name__}")
        if once is not None:
            if notification.ticket_id is None:
                raise ValueError("a notification given once per ticket needs its ticket_id")
            if not self._first_time(notification.ticket_id, (notification.kind, once, "")):
                delivery = Delivery(None, None, "duplicate")
                self.delivered.emit(delivery)
                return delivery
        if not pop_up:
            if not self._for_me(notification):
                delivery = Delivery(notification, None, "for someone else")
                self.delivered.emit(delivery)
                return delivery
            self._sink(notification)
            delivery = Delivery(notification, None, "summarised")
            self.delivered.emit(delivery)
            return delivery
        return self._record_and_pop(notification)

    def forget_all(self) -> None:
        """Someone else signed in at this desk: what this desk told the last person is
        no reason to keep quiet to them (their own notifications say what they were told)."""
        self._seen.clear()

    @Slot(int, str)
    def forget(self, ticket_id: int, metric: str = "") -> None:
        """A clock got a new deadline (``metric``) or the ticket left the queue (``""``):
        its thresholds may be notified again. Costs what that one ticket was told."""
        if not metric:
            self._seen.pop(ticket_id, None)
            return
        told = self._seen.get(ticket_id)
        if told is None:
            return
        told.difference_update([what for what in told if what[1] == metric])
        if not told:
            del self._seen[ticket_id]

    # --- internals ---------------------------------------------------------------------
    def _deliver(self, what: tuple[str, str, str], notification: Notification) -> Delivery:
        ticket_id = notification.ticket_id
        assert ticket_id is not None
        if not self._first_time(ticket_id, what):
            delivery = Delivery(None, None, "duplicate")
            self.delivered.emit(delivery)
            return delivery
        return self._record_and_pop(notification)

    def _first_time(self, ticket_id: int, what: tuple[str, str, str]) -> bool:
        """Mark ``what`` as told for the ticket; False when it already was."""
        told = self._seen.setdefault(ticket_id, set())
        if what in told:
            return False
        told.add(what)
        return True

    def _record_and_pop(self, notification: Notification, *, theirs: bool = False) -> Delivery:
        if not theirs and not self._for_me(notification):
            delivery = Delivery(notification, None, "for someone else")  # not theirs at all
            self.delivered.emit(delivery)
            return delivery
        self._sink(notification)  # always kept, whatever happens to the pop-up
        delivery = Delivery(notification, *self._pop_up(notification))
        self.delivered.emit(delivery)
        return delivery

    def _pop_up(self, notification: Notification) -> tuple[Channel | None, str]:
        if self.muted_until is not None:
            return None, "muted"
        quiet = self._quiet_hours
        if quiet is not None and self._local_now().time() in quiet:
            return None, "quiet hours"
        if self._audience is not None and not self._audience(notification):
            return None, "for someone else"
        for channel, backend in ((Channel.NATIVE, self._native), (Channel.TRAY, self._tray)):
            if backend is None:
                continue
            try:
                if not backend.available():
                    continue
                backend.show(notification.title, notification.body)
            except Exception:  # a broken backend must not lose the notification
                log.exception("%s notification failed; trying the next channel", channel)
                continue
            return channel, ""
        return Channel.IN_APP, ""

    def _local_now(self) -> datetime:
        return self._clock.now().astimezone(self._local_zone)

    def _local(self, instant: datetime) -> str:
        return self.local_time(instant)

    def local_time(self, instant: datetime) -> str:
        """``14:05``: an instant as the person at this desk reads it (see
        :meth:`set_local_zone`)."""
        return f"{instant.astimezone(self._local_zone):%H:%M}"


def _warning_body(metric: Metric, threshold: str) -> str:
    label = metric.label.capitalize()
    if threshold.endswith("%"):
        return f"{label} clock: {threshold} of the target used"
    return f"{label} clock: {threshold} the deadline"
