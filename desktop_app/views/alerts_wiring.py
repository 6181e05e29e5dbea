"""Alerts at the desk: the SLA monitor, notifications, the tray and escalation, wired to a
:class:`~desktop_app.views.desk_session.DeskSession`.

- When the session's queue is ready, a database-thread job reads the open tickets, computes
  every open clock's warning and breach instants and reads the persisted notifications
  (:func:`~desktop_app.services.alerts.plan_alerts`); the monitor starts from that schedule,
  with what was already notified marked fired so a restart repeats nothing.
- Every ``ticketChanged`` re-arms that one ticket in the monitor, every ``ticketClosed``
  removes it; a ticket the queue did not have is a new arrival and is announced.
- The notifier records each notification in the store (through the desk service) and the
  in-app list, and pops it up natively, else as a tray balloon, else not at all.
- Breaches are escalated per policy (:mod:`desktop_app.services.escalation`).
- The tray shows the breached / at-risk badge and keeps the desk running when the window
  closes (where a tray exists).

The monitor stops when the application quits or the window really closes (not when it only
hides to the tray); :meth:`AlertsWiring.stop` stops it explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import tzinfo

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from desktop_app.domain.commands import AddNotification, MarkNotificationsRead
from desktop_app.domain.model import Notification
from desktop_app.domain.queue import QueueEntry
from desktop_app.domain.zones import technician_zone
from desktop_app.models.queue_model import format_remaining
from desktop_app.paths import icon_file
from desktop_app.services.alerts import (
    AlertPlan,
    next_deadline,
    plan_alerts,
    schedule_entries,
)
from desktop_app.services.clock import Clock, SystemClock
from desktop_app.services.desk import DeskChange
from desktop_app.services.escalation import DeskAudience, Escalation
from desktop_app.services.monitor import SlaMonitor
from desktop_app.services.notifier import (
    CachedAvailability,
    Notifier,
    PlyerNotifications,
    PopupBackend,
    QuietHours,
)
from desktop_app.views.desk_session import DeskSession
from desktop_app.views.notifications_panel import NotificationsPanel
from desktop_app.views.tray import DeskTray

log = logging.getLogger(__name__)

QUIET_HOURS_KEY = "Alerts/quietHours"  # e.g. "22:00-07:00"; empty or missing: none
SUBJECT_CHARS = 60


def _icons() -> dict[str, QIcon]:
    names = {
        "warning": "warning",
        "breach": "breached",
        "escalation": "breached",
        "customer_update": "paused",
        "arrival": "ok",
        "summary": "app",
    }
    icons: dict[str, QIcon] = {}
    for kind, name in names.items():
        try:
            icons[kind] = QIcon(str(icon_file(name)))
        except FileNotFoundError:  # a stripped bundle: text says the same
            continue
    return icons


def _quiet_hours(settings: QSettings) -> QuietHours | None:
    text = settings.value(QUIET_HOURS_KEY, "")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return QuietHours.parse(text)
    except ValueError as exc:
        log.warning("Ignoring the quiet hours setting %s: %s", QUIET_HOURS_KEY, exc)
        return None


class AlertsWiring(QObject):
    """Attaches monitor, notifier, escalation, tray and notification list to a session.

    Injectable for tests: ``clock`` (the monitor's and notifier's now), ``native`` (the
    native pop-up backend; default plyer behind a QtDBus check), ``tray_available``
    (default ``QSystemTrayIcon.isSystemTrayAvailable``) and ``quit_app``.

    Signals: ``planned(AlertPlan)`` once the monitor has its start-up schedule;
    ``recorded(Notification)`` when a notification is saved and listed.
    """

    planned = Signal(object)
    recorded = Signal(object)

    def __init__(
        self,
        session: DeskSession,
        *,
        clock: Clock | None = None,
        native: PopupBackend | None = None,
        tray_available: Callable[[], bool] | None = None,
        quit_app: Callable[[], None] | None = None,
        local_zone: tzinfo | None = None,
    ) -> None:
        super().__init__(session)
        self._session = session
        self._service = session.service
        self._model = session.model
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._loaded = False
        self._known: set[int] = set()
        self._due: dict[int, float] = {}  # nearest counting deadline per ticket (epoch s)
        self._stopped = False
        # Plans in flight, and the tickets changed or closed since the oldest was asked
        # for: a plan reads a snapshot, so these are applied again once it lands.
        self._planning = 0
        self._changed_meanwhile: dict[int, QueueEntry | None] = {}
        window = session.window
        self._fallback_zone = local_zone

        self.monitor = SlaMonitor(self._clock, parent=self)
        self.panel = NotificationsPanel(
            window, icons=_icons(), zone=self._your_zone(), is_mine=self._about_my_ticket
        )
        # who is told: the person signed in here hears about what is theirs (see
        # DeskAudience); their list holds that, and pop-ups show it
        self.audience = DeskAudience(lambda: session.me, self._model.entry, self._model.entries)
        if native is None:
            native = CachedAvailability(PlyerNotifications())
        self._native = native
        self.notifier = Notifier(
            self._record,
            native=native,
            clock=self._clock,
            local_zone=self._your_zone(),
            quiet_hours=_quiet_hours(session.settings),
            describe_ticket=self.describe,
            audience=self.audience,
            recipients=self.audience.told,
            parent=self,
        )
        self.notifier.connect_monitor(self.monitor)
        self.escalation = Escalation(
            self._service, self.notifier, audience=self.audience, clock=self._clock, parent=self
        )
        self.escalation.connect_monitor(self.monitor)
        self.tray = DeskTray(
            window,
            self._model,
            self.notifier,
            session.settings,
            open_ticket=self.open_ticket,
            next_breach=self.next_breach,
            available=tray_available or QSystemTrayIcon.isSystemTrayAvailable,
            quit_app=quit_app,
        )
        self.tray.windowClosing.connect(self.stop)
        # A change that re-arms thousands of tickets re-arms the monitor as often: the badge
        # is redrawn once per turn of the event loop, not once per ticket.
        self._badge = QTimer(self)
        self._badge.setObjectName("tray-badge")
        self._badge.setSingleShot(True)
        self._badge.setInterval(0)
        self._badge.timeout.connect(self.tray.refresh)
        self.monitor.armed.connect(self._redraw_badge)

        session.ready.connect(self._on_ready)
        session.technicianChanged.connect(self._on_technician_changed)
        self._service.queueLoaded.connect(self._on_queue_loaded)
        self._service.changed.connect(self._on_changed)
        self.panel.ticketRequested.connect(self.open_ticket)
        self.panel.markedRead.connect(self._save_read)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    # ------------------------------------------------------------------ lifetime

    @property
    def loaded(self) -> bool:
        """The monitor has the loaded queue's schedule."""
        return self._loaded

    @Slot()
    def stop(self) -> None:
        """Stop the monitor thread and the native notification thread. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self._badge.stop()
        self.monitor.stop()
        close = getattr(self._native, "close", None)
        if callable(close):
            close()
        self.tray.icon.hide()

    @Slot(object)
    def _redraw_badge(self, _next_at: object = None) -> None:
        if not self._stopped:
            self._badge.start()

    # ------------------------------------------------------------------ queue → monitor

    @Slot()
    def _on_ready(self) -> None:
        """The session showed its queue: plan from the tickets it has just loaded."""
        self._plan_for(self._session.model.entries())

    @Slot(list)
    def _on_queue_loaded(self, entries: list[QueueEntry]) -> None:
        """Someone reloaded the queue through the service: plan from what it read."""
        self.audience.tickets_changed()
        self._plan_for(entries)

    def _your_zone(self) -> tzinfo:
        """ "Your time": the zone of the technician signed in here (else the machine's, or
        the zone the desk was given)."""
        me = self._session.me
        if me is None and self._fallback_zone is not None:
            return self._fallback_zone
        return technician_zone(me)

    @Slot(object)
    def _on_technician_changed(self, _technician: object) -> None:
        """Someone else signed in here: their zone, their list, and what they have been
        told."""
        zone = self._your_zone()
        self.notifier.set_local_zone(zone)
        self.panel.set_zone(zone)
        self.tray.refresh()
        self.audience.tickets_changed()
        self.panel.shown.refresh_mine()
        # what this desk told the last person does not count as told to this one: the
        # plan below reads what they were told
        self.notifier.forget_all()
        if self._loaded:
            self._plan_for(self._session.model.entries())

    def _about_my_ticket(self, notification: Notification) -> bool:
        """For the list's "Mine": about a ticket assigned to the person signed in here."""
        me = self._session.me
        if me is None or notification.ticket_id is None:
            return False
        entry = self._model.entry(notification.ticket_id)
        return entry is not None and entry.assignee_id == me.id

    def _recipient(self) -> int | None:
        """Whom this desk's notifications are for: the technician signed in here."""
        me = self._session.me
        return me.id if me is not None else None

    def _plan_for(self, entries: list[QueueEntry]) -> None:
        if self._stopped or not self._service.is_running:
            return
        recipient = self._recipient()
        self._planning += 1
        self._service.submit(
            lambda store: plan_alerts(store, entries, recipient_id=recipient),
            lambda plan: self._on_planned(plan, recipient),
            self._on_plan_failed,
            label="Preparing SLA alerts",
            reads_only=True,
        )

    def _on_planned(self, plan: AlertPlan, recipient: int | None = None) -> None:
        self._planning = max(0, self._planning - 1)
        if self._stopped:
            return
        self._known = set(plan.open_tickets)
        self._due = dict(plan.next_due)
        self.panel.load(plan.notifications)
        if plan.agenda is not None:  # checked on the database thread with the plan
            self.monitor.load(plan.agenda)
        else:
            self.monitor.load(plan.entries, plan.fired)
        if not self.monitor.is_running:
            self.monitor.start()
        self._loaded = True
        if not self._planning:  # the newest plan: what changed since it was read, again
            changed, self._changed_meanwhile = self._changed_meanwhile, {}
            for ticket_id, entry in changed.items():
                if entry is None:
                    self._on_ticket_closed(ticket_id)
                else:
                    self._known.add(ticket_id)  # arrived meanwhile: announced already
                    self._on_ticket_changed(entry)
        if recipient != self._recipient():  # someone else signed in while it was read
            self._plan_for(self._session.model.entries())
        self.planned.emit(plan)

    def _on_plan_failed(self, exc: BaseException) -> None:
        self._planning = max(0, self._planning - 1)
        log.error("Preparing the SLA alerts failed: %s", exc)
        self._session.tell(
            "SLA alerts are off",
            f"The desk could not prepare its SLA warnings: {exc}\n\nThe queue still shows "
            "each ticket's state; restart Technician Queue to try again.",
        )

    def _remember_due(self, entry: QueueEntry) -> None:
        due = next_deadline(entry)
        if due is not None:
            self._due[entry.ticket_id] = due
        else:
            self._due.pop(entry.ticket_id, None)

    @Slot(object)
    @Slot(object)
    def _on_changed(self, change: DeskChange) -> None:
        """Re-arm the monitor for exactly the tickets a write changed."""
        for ticket_id, entry in change.entries.items():
            if entry is None:
                self._on_ticket_closed(ticket_id)
            else:
                self._on_ticket_changed(entry)

    def _on_ticket_changed(self, entry: QueueEntry) -> None:
        if not isinstance(entry, QueueEntry):
            return
        if not entry.status.is_open:
            self._on_ticket_closed(entry.ticket_id)
            return
        if self._planning:
            self._changed_meanwhile[entry.ticket_id] = entry
        self.audience.tickets_changed()  # it may have changed hands
        self.panel.shown.refresh_mine()
        arrived = entry.ticket_id not in self._known
        self._known.add(entry.ticket_id)
        self._remember_due(entry)
        if not self._loaded or self._stopped:
            return
        self.monitor.update_ticket(entry.ticket_id, schedule_entries(entry))
        if arrived:
            self.monitor.notify_arrival(entry.ticket_id)

    @Slot(int)
    def _on_ticket_closed(self, ticket_id: int) -> None:
        if self._planning:
            self._changed_meanwhile[ticket_id] = None
        self.audience.tickets_changed()
        self._known.discard(ticket_id)
        self._due.pop(ticket_id, None)
        if self._loaded and not self._stopped:
            self.monitor.remove_ticket(ticket_id)

    # ------------------------------------------------------------------ notifications

    def describe(self, ticket_id: int) -> str:
        """How a notification names a ticket: number, subject and who has it."""
        entry = self._model.entry(ticket_id)
        if entry is None:
            return f"Ticket #{ticket_id}"
        subject = entry.subject
        if len(subject) > SUBJECT_CHARS:
            subject = subject[: SUBJECT_CHARS - 1].rstrip() + "…"
        who = f" ({entry.assignee_name})" if entry.assignee_name else " (unassigned)"
        return f"{entry.number} · {subject}{who}"

    def _record(self, notification: Notification) -> None:
        """The notifier's sink: keep it in the store for the technician signed in here,
        then list it."""
        if notification.recipient_id is None:
            notification = replace(notification, recipient_id=self._recipient())
        if self._stopped or not self._service.is_running:
            self._listed(notification)
            return

        def failed(exc: BaseException) -> None:
            log.warning("A notification could not be saved (%s); listing it anyway", exc)
            self._listed(notification)

        command = AddNotification(actor_id=None, at=self._service.now(), notification=notification)
        self._service.execute(
            command,
            lambda outcome: self._listed(
                outcome.result if isinstance(outcome.result, Notification) else notification
            ),
            failed,
            label="Keeping a notification",
        )

    def _listed(self, notification: Notification) -> None:
        self.panel.add(notification)
        self.recorded.emit(notification)

    @Slot(list)
    def _save_read(self, ids: list[int]) -> None:
        me = self._session.me
        if me is None or me.id is None or not ids or not self._service.is_running:
            return  # nobody to record it for: it stays read in this list only
        command = MarkNotificationsRead(
            actor_id=me.id, at=self._service.now(), notification_ids=tuple(ids)
        )
        self._service.execute(
            command,
            None,
            lambda exc: log.warning("Marking notifications read failed: %s", exc),
            label="Marking notifications read",
        )

    # ------------------------------------------------------------------ tickets

    def next_breach(self) -> tuple[int, str] | None:
        """The open ticket whose deadline comes next, with a label for the tray menu."""
        now = self._clock.now().timestamp()
        upcoming = [(due, tid) for tid, due in self._due.items() if due > now]
        if not upcoming:
            return None
        due, ticket_id = min(upcoming)
        entry = self._model.entry(ticket_id)
        number = entry.number if entry is not None else f"#{ticket_id}"
        return ticket_id, f"{number} in {format_remaining(due - now)}"

    @Slot(int)
    def open_ticket(self, ticket_id: int) -> None:
        """Show the window with ``ticket_id`` selected in the queue (clearing filters that
        hide it)."""
        window = self._session.window
        self.tray.show_window()
        model = self._model
        if model.entry(ticket_id) is None:
            window.statusBar().showMessage(
                f"Ticket #{ticket_id} is no longer open; find it through the search.", 8000
            )
            return
        row = model.row_of(ticket_id)
        if row is None:  # filtered out: show the whole queue
            window.search_edit.clear()
            window.customer_filter.setCurrentIndex(0)
            window.set_quick_filter("all")
            row = model.row_of(ticket_id)
        if row is None:
            return
        view = window.queue_view
        index = model.index(row, 0)
        view.setCurrentIndex(index)
        view.selectRow(row)
        view.scrollTo(index)
        view.setFocus()


__all__ = ["QUIET_HOURS_KEY", "AlertsWiring"]
