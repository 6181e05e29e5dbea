"""The ticket pane: what the ticket is, how its SLA clocks stand, what happened, and the
composer for replies, calls, notes and customer messages.

It only shows what the detail panel hands it (a :class:`TicketView` read on the database
thread) and turns button presses into the session's ticket actions. Remaining times count
down once every 30 seconds while the pane is on screen, from the clocks the SLA engine
computed; nothing is asked of the database for that.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QHideEvent, QIcon, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import ClockState, EventKind, Metric
from desktop_app.domain.zones import zone_named
from desktop_app.models.plain_text import escape_html, plain_tooltip
from desktop_app.models.queue_model import format_remaining
from desktop_app.models.timeline_model import TimelineModel
from desktop_app.paths import icon_file
from desktop_app.services.queries import TicketView
from desktop_app.sla import Clock
from desktop_app.views.ticket_actions import (
    CONVERSATION_LABELS,
    METRIC_NAMES,
    TicketActions,
    conversation_button,
)
from desktop_app.views.timeline_view import TimelineView

__all__ = ["ClockCard", "Composer", "TicketPane", "clock_state_text"]

TICK_MS = 30_000
METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)

_STATE_ICON = {
    ClockState.RUNNING: "ok",
    ClockState.PAUSED: "paused",
    ClockState.MET: "ok",
    ClockState.BREACHED: "breached",
    ClockState.INACTIVE: "paused",
}


def _fmt(at: datetime | None, zone: tzinfo) -> str:
    if at is None:
        return "—"
    return f"{at.astimezone(zone):%a %d %b %H:%M %Z}"


def clock_state_text(clock: Clock, now: datetime) -> tuple[str, str]:
    """(state key for icon and colour, words) of a clock at ``now``."""
    if clock.state is ClockState.BREACHED or (
        clock.running and clock.due_at is not None and clock.due_at <= now
    ):
        if clock.met_at is not None:
            return "breached", "breached, then met"
        if clock.paused:
            return "breached", "breached, paused"
        return "breached", "breached"
    if clock.state is ClockState.MET:
        return "met", "met in time"
    if clock.state is ClockState.PAUSED:
        return "paused", "paused (waiting on customer)"
    if clock.state is ClockState.INACTIVE:
        return "inactive", "nothing to answer"
    warned = [w for w in clock.warnings if w.at <= now]
    if warned:
        return "warning", f"at risk ({warned[-1].label})"
    return "ok", "on track"


class ClockCard(QFrame):
    """One SLA clock: state (icon, words, colour), target, elapsed, remaining, deadlines."""

    def __init__(self, metric: Metric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock_metric = metric
        self.setObjectName("clockCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QGridLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)  # three of them stay on screen, see TicketPane
        layout.setHorizontalSpacing(8)
        layout.setVerticalSpacing(0)
        self.icon = QLabel(self)
        self.icon.setFixedSize(18, 18)
        self.title = QLabel(METRIC_NAMES[metric], self)
        self.title.setObjectName("clockTitle")
        self.state = QLabel(self)
        self.state.setObjectName("clockState")
        self.numbers = QLabel(self)
        self.numbers.setObjectName("clockNumbers")
        self.numbers.setWordWrap(True)
        self.deadline = QLabel(self)
        self.deadline.setObjectName("clockDeadline")
        for label in (self.state, self.numbers, self.deadline):
            label.setTextFormat(Qt.TextFormat.PlainText)  # site names come from customers
        self.deadline.setWordWrap(True)
        self.deadline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.icon, 0, 0)
        layout.addWidget(self.title, 0, 1)
        layout.addWidget(self.state, 0, 2, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.numbers, 1, 0, 1, 3)
        layout.addWidget(self.deadline, 2, 0, 1, 3)
        layout.setColumnStretch(1, 1)
        self.state_key = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as its wrapped lines need at its width: the pane's layout would
        otherwise squeeze it to its one-line size and cut a deadline in half."""
        layout = self.layout()
        if layout is None or not layout.hasHeightForWidth():
            return
        height = layout.heightForWidth(self.width())
        if height > 0 and height != self.minimumHeight():
            self.setMinimumHeight(height)

    def show_clock(
        self,
        clock: Clock | None,
        *,
        now: datetime,
        mine: tzinfo,
        site: tzinfo | None,
        site_name: str,
        explanation: str,
    ) -> None:
        if clock is None:
            self.state_key = "inactive"
            self.state.setText("no policy")
            self.numbers.setText("")
            self.deadline.setText("")
            self._style("inactive")
            return
        key, words = clock_state_text(clock, now)
        self.state_key = key
        self.state.setText(words)
        self._style(key)
        icon_name = {"warning": "warning", "breached": "breached", "paused": "paused"}.get(
            key, "ok" if key != "inactive" else "paused"
        )
        self.icon.setPixmap(QIcon(str(icon_file(icon_name))).pixmap(18, 18))
        if clock.running:
            remaining = clock.remaining_as_of(now).total_seconds()
        else:
            remaining = clock.remaining.total_seconds()
        elapsed = clock.target.total_seconds() - remaining
        parts = [
            f"target {format_remaining(clock.target.total_seconds())}",
            f"elapsed {format_remaining(max(0.0, elapsed))}",
        ]
        if clock.state is ClockState.INACTIVE:
            parts = [f"target {format_remaining(clock.target.total_seconds())}"]
        elif clock.met_at is not None and remaining >= 0:
            parts.append(f"met with {format_remaining(remaining)} to spare")
        elif remaining >= 0:
            frozen = "" if clock.running else " (frozen)"
            parts.append(f"{format_remaining(remaining)} left{frozen}")
        else:
            parts.append(f"{format_remaining(-remaining)} over")
        calendar = clock.terms.calendar if clock.terms is not None else None
        business = calendar is not None and not calendar.is_always_open
        self.numbers.setText(" · ".join(parts) + (" (business time)" if business else ""))
        lines = []
        if clock.due_at is not None:
            lines.append(f"Due {_fmt(clock.due_at, mine)} your time")
            if site is not None:
                lines.append(f"{_fmt(clock.due_at, site)} at {site_name}")
        elif clock.met_at is not None:
            lines.append(f"Met {_fmt(clock.met_at, mine)}")
        if clock.breached_at is not None:
            lines.append(f"Breached {_fmt(clock.breached_at, mine)}")
        self.deadline.setText(" · ".join(lines))
        self.setToolTip(plain_tooltip(f"Rule: {explanation}"))
        self.setAccessibleName(f"{METRIC_NAMES[self.clock_metric]} clock: {words}")
        self._fit_height()

    def _style(self, key: str) -> None:
        self.setProperty("clockState", key)
        self.state.setProperty("clockState", key)
        for widget in (self, self.state):
            style = widget.style()
            style.unpolish(widget)
            style.polish(widget)


_EMPTY = {
    EventKind.PUBLIC_REPLY: "The reply is empty; write something first.",
    EventKind.INTERNAL_NOTE: "The note is empty; write something first.",
    EventKind.PHONE_CALL: (
        "The call is empty; write a one-line summary of what was said first (a call "
        "counts as a response only with one)."
    ),
    EventKind.CUSTOMER_MESSAGE: "The message is empty; write what the customer said first.",
}


class Composer(QFrame):
    """Write a reply, log a call, add a note or record what the customer sent.

    The text stays until the service confirms it was saved; an empty text or a refusal is
    an inline message and nothing the technician typed is lost.
    """

    sendRequested = Signal(object, str)  # EventKind, text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        top = QHBoxLayout()
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("composerKind")
        for kind, label in CONVERSATION_LABELS.items():
            self.kind_combo.addItem(label, kind.value)
        top.addWidget(self.kind_combo, 1)
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("composerSend")
        self.send_button.setDefault(False)
        self.send_button.setToolTip("Save it on the ticket (Ctrl+Return)")
        top.addWidget(self.send_button)
        layout.addLayout(top)
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setObjectName("composerText")
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setMinimumHeight(36)
        self.text_edit.setMaximumHeight(60)
        layout.addWidget(self.text_edit)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("inlineError")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.send_button.clicked.connect(self.send)
        shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.text_edit)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.send)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.text_edit.textChanged.connect(self._recheck)
        self._kind_changed()
        self._busy = False

    def kind(self) -> EventKind:
        return EventKind(self.kind_combo.currentData())

    def set_kind(self, kind: EventKind) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind.value))
        self.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _kind_changed(self, *_args: object) -> None:
        hints = {
            EventKind.PUBLIC_REPLY: "Write to the customer: counts as a response…",
            EventKind.PHONE_CALL: "What was said on the call (optional): counts as a response…",
            EventKind.INTERNAL_NOTE: "For technicians only; the customer never sees it…",
            EventKind.CUSTOMER_MESSAGE: "What the customer sent or said…",
        }
        kind = self.kind()
        self.text_edit.setPlaceholderText(hints[kind])
        self.send_button.setText({EventKind.PUBLIC_REPLY: "Send reply"}.get(kind, "Save"))
        self.error_label.hide()

    def _needs_text(self) -> bool:
        # every entry needs content: a call at least a one-line summary, so an empty
        # "phone call" can never stop the first-response clock
        return True

    @Slot()
    def _recheck(self) -> None:
        """A message about the text goes as soon as there is text to send."""
        if not self.error_label.isHidden() and (
            self.text_edit.toPlainText().strip() or not self._needs_text()
        ):
            self.error_label.hide()

    @Slot()
    def send(self) -> None:
        if self._busy:
            return
        kind, text = self.kind(), self.text_edit.toPlainText()
        if self._needs_text() and not text.strip():
            self.show_error(_EMPTY.get(kind, "The entry is empty; write something first."))
            self.text_edit.setFocus()
            return
        self.error_label.hide()
        self.sendRequested.emit(kind, text)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.send_button.setEnabled(not busy)

    def sent(self, text: str) -> None:
        """``text`` was saved. It leaves the composer only if it is still all there is:
        a save lands after the technician may have moved on and typed something else."""
        if self.text_edit.toPlainText() == text:
            self.text_edit.clear()
        self.error_label.hide()
        self.set_busy(False)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()


class TicketPane(QWidget):
    """See the module docstring. ``now`` gives the current instant (injected in tests)."""

    customerRequested = Signal()

    def __init__(
        self,
        actions: TicketActions,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ticketPane")
        self._actions = actions
        self._now = now or (lambda: datetime.now(UTC))
        self._zone: tzinfo = UTC
        self.view: TicketView | None = None
        # Unsent text per ticket: a draft typed for one customer must never go to another
        # when the technician opens a different ticket.
        self._drafts: dict[int, tuple[str, str]] = {}  # ticket id -> (kind, text)
        self.timeline = TimelineModel(self)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(6)
        self.banner = QLabel(self)
        self.banner.setObjectName("paneBanner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        outer.addWidget(self.banner)
        self.loading = QLabel("Loading…", self)
        self.loading.setObjectName("paneLoading")
        self.loading.setTextFormat(Qt.TextFormat.PlainText)
        self.loading.hide()
        outer.addWidget(self.loading)

        self.header = QLabel(self)
        self.header.setObjectName("ticketHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)  # its stored parts are escaped
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.header)

        buttons = QGridLayout()
        buttons.setSpacing(4)
        keys = [
            "reply", "call", "note", "message",
            "wait", "resume", "priority", "category",
            "escalate", "take", "resolve", "reopen",
        ]  # fmt: skip
        self.buttons: dict[str, QPushButton] = {}
        for i, key in enumerate(keys):
            button = conversation_button(actions, key, self)
            self.buttons[key] = button
            buttons.addWidget(button, i // 4, i % 4)
        outer.addLayout(buttons)

        # The SLA clocks stay on screen whatever the window's height: they are what the
        # technician works against. Facts and timeline share the rest (a splitter).
        self.clocks = QWidget(self)
        self.clocks.setObjectName("ticketClocks")
        clocks_layout = QVBoxLayout(self.clocks)
        clocks_layout.setContentsMargins(0, 0, 0, 0)
        clocks_layout.setSpacing(3)
        self.cards = {m: ClockCard(m, self.clocks) for m in METRICS}
        for card in self.cards.values():
            clocks_layout.addWidget(card)
        outer.addWidget(self.clocks)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("ticketSplitter")
        splitter.setChildrenCollapsible(False)
        outer.addWidget(splitter, 1)

        facts_box = QWidget()
        facts_layout = QVBoxLayout(facts_box)
        facts_layout.setContentsMargins(0, 0, 0, 0)
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(8)
        self.facts.setVerticalSpacing(2)
        self.fact_labels: dict[str, QLabel] = {}
        layout_of_facts = (
            ("status", "Status", 0, 0, 1),
            ("priority", "Priority", 0, 2, 1),
            ("category", "Category", 1, 0, 1),
            ("escalation", "Escalation", 1, 2, 1),
            ("assignee", "Assignee", 2, 0, 3),
            ("customer", "Customer", 3, 0, 3),
            ("site", "Site", 4, 0, 3),
            ("contact", "Contact", 5, 0, 3),
        )
        for key, title, row, column, span in layout_of_facts:
            name = QLabel(f"{title}:", facts_box)
            name.setObjectName("factName")
            label = QLabel(facts_box)
            label.setObjectName(f"fact_{key}")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fact_labels[key] = label
            self.facts.addWidget(name, row, column, alignment=Qt.AlignmentFlag.AlignTop)
            self.facts.addWidget(label, row, column + 1, 1, span)
        self.facts.setColumnStretch(1, 1)
        self.facts.setColumnStretch(3, 1)
        facts_layout.addLayout(self.facts)
        self.description = QLabel(facts_box)
        self.description.setObjectName("ticketDescription")
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts_layout.addWidget(self.description)
        self.rule = QLabel(facts_box)
        self.rule.setObjectName("policyRule")
        self.rule.setTextFormat(Qt.TextFormat.RichText)  # its stored parts are escaped
        self.rule.setWordWrap(True)
        facts_layout.addWidget(self.rule)
        facts_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("ticketFacts")
        # facts and timeline give way first when the window is short (they scroll)
        scroll.setMinimumHeight(40)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(facts_box)
        splitter.addWidget(scroll)

        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(0, 0, 0, 0)
        timeline_title = QLabel("Timeline", history)
        timeline_title.setObjectName("sectionTitle")
        history_layout.addWidget(timeline_title)
        self.timeline_view = TimelineView(history)
        self.timeline_view.setModel(self.timeline)
        self.timeline_view.setMinimumHeight(40)
        history_layout.addWidget(self.timeline_view, 1)
        self.composer = Composer(history)
        history_layout.addWidget(self.composer)
        splitter.addWidget(history)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)  # the timeline gets the larger share

        self._timer = QTimer(self)
        self._timer.setObjectName("ticket-pane-countdown")
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.refresh_clocks)
        actions.composeRequested.connect(self.compose)
        self.composer.sendRequested.connect(self._send)
        self.set_content_visible(False)

    # ------------------------------------------------------------------ showing

    def set_zone(self, zone: tzinfo) -> None:
        self._zone = zone
        self.timeline.set_zone(zone)
        if self.view is not None:
            self.refresh_clocks()

    def set_content_visible(self, visible: bool) -> None:
        for widget in (self.header, self.clocks, self.findChild(QSplitter, "ticketSplitter")):
            if widget is not None:
                widget.setVisible(visible)
        for button in self.buttons.values():
            button.setVisible(visible)

    def show_loading(self, number: str | None = None) -> None:
        """A quiet "Loading…" while the ticket is read; the old content is dimmed."""
        self.loading.setText(f"Loading {number}…" if number else "Loading…")
        self.loading.show()
        self.setProperty("stale", True)

    def show_view(self, view: TicketView) -> None:
        old = self.view
        same = old is not None and old.ticket.id == view.ticket.id
        if not same:
            if old is not None:
                self._stash_draft(old.ticket.id)
            self._restore_draft(view.ticket.id)
        self.view = view
        self.loading.hide()
        self.setProperty("stale", False)
        if not same:
            self.hide_banner()
            self.composer.error_label.hide()
        ticket = view.ticket
        detail = view.detail
        self.header.setText(f"<b>{escape_html(ticket.number)}</b> · {escape_html(ticket.subject)}")
        status = ticket.status.value.replace("_", " ")
        self.fact_labels["status"].setText(status)
        self.fact_labels["priority"].setText(ticket.priority.label)
        self.fact_labels["category"].setText(ticket.category)
        self.fact_labels["assignee"].setText(
            detail.assignee.name if detail.assignee is not None else "Unassigned"
        )
        self.fact_labels["escalation"].setText(
            f"level {ticket.escalation_level}" if ticket.escalation_level else "not escalated"
        )
        customer = detail.customer
        self.fact_labels["customer"].setText(f"{customer.name} · {customer.tier.value.title()}")
        site = view.terms.site
        self.fact_labels["site"].setText(
            f"{site.name} ({site.timezone})" if site is not None else "—"
        )
        contact = detail.contact
        self.fact_labels["contact"].setText(
            " · ".join(p for p in (contact.name, contact.email, contact.phone) if p)
            if contact is not None
            else "—"
        )
        self.description.setText(ticket.description or "No description.")
        self.rule.setText(f"<b>Rule:</b> {escape_html(view.terms.explain())}")
        self.timeline.set_timeline(ticket.id, ticket.events)
        self.timeline_view.scrollToBottom()
        self.refresh_clocks()
        self.set_content_visible(True)
        self.composer.setEnabled(True)

    def clear(self) -> None:
        if self.view is not None:
            self._stash_draft(self.view.ticket.id)
            self._restore_draft(None)
        self.view = None
        self.timeline.clear()
        self.loading.hide()
        self.hide_banner()
        self.set_content_visible(False)

    @Slot()
    def refresh_clocks(self) -> None:
        view = self.view
        if view is None:
            return
        now = self._now()
        site_zone: tzinfo | None = None
        site_name = ""
        site = view.terms.site
        if site is not None:
            site_zone = zone_named(site.timezone)
            site_name = site.name
        explanation = view.terms.explain()
        for metric, card in self.cards.items():
            card.show_clock(
                view.clocks.get(metric),
                now=now,
                mine=self._zone,
                site=site_zone,
                site_name=site_name,
                explanation=explanation,
            )

    # ------------------------------------------------------------------ messages

    def show_banner(self, message: str, kind: str = "error") -> None:
        self.banner.setText(message)
        self.banner.setProperty("bannerKind", kind)
        style = self.banner.style()
        style.unpolish(self.banner)
        style.polish(self.banner)
        self.banner.show()

    def hide_banner(self) -> None:
        self.banner.hide()
        self.banner.clear()

    # ------------------------------------------------------------------ composing

    def _stash_draft(self, ticket_id: int | None) -> None:
        if ticket_id is None:
            return
        text = self.composer.text_edit.toPlainText()
        if text.strip():
            self._drafts[ticket_id] = (self.composer.kind().value, text)
        else:
            self._drafts.pop(ticket_id, None)

    def _restore_draft(self, ticket_id: int | None) -> None:
        kind, text = self._drafts.pop(ticket_id, ("", "")) if ticket_id is not None else ("", "")
        self.composer.text_edit.setPlainText(text)
        if kind:
            self.composer.kind_combo.setCurrentIndex(self.composer.kind_combo.findData(kind))

    def draft_for(self, ticket_id: int) -> str:
        """The unsent text kept for a ticket that is not on screen ("" when none)."""
        return self._drafts.get(ticket_id, ("", ""))[1]

    def _sent(self, ticket_id: int | None, text: str) -> None:
        if self.view is not None and self.view.ticket.id == ticket_id:
            self.composer.sent(text)
            return
        # saved after the technician moved on: drop it from that ticket's draft
        if ticket_id is not None and self._drafts.get(ticket_id, ("", ""))[1] == text:
            del self._drafts[ticket_id]
        self.composer.set_busy(False)

    @Slot(object)
    def compose(self, kind: EventKind) -> None:
        self.composer.set_kind(EventKind(kind))

    def _send(self, kind: EventKind, text: str) -> None:
        if self.view is None:
            return
        if not self._actions.actions[_ACTION_OF_KIND[kind]].isEnabled():
            status = self.view.ticket.status
            if not status.is_open:
                self.composer.show_error(
                    f"The ticket is {status.value}; reopen it before you "
                    f"{'reply' if kind is EventKind.PUBLIC_REPLY else 'log a call'}."
                )
            else:
                self.composer.show_error("Sign in as a technician first.")
            return
        self.composer.set_busy(True)
        ticket_id = self.view.ticket.id
        self._actions.send(kind, text, lambda _result: self._sent(ticket_id, text), self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.composer.set_busy(False)
        self.composer.show_error(str(exc))

    # ------------------------------------------------------------------ ticking

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_clocks()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def stop(self) -> None:
        self._timer.stop()

    @property
    def ticking(self) -> bool:
        return self._timer.isActive()


_ACTION_OF_KIND = {
    EventKind.PUBLIC_REPLY: "reply",
    EventKind.PHONE_CALL: "call",
    EventKind.INTERNAL_NOTE: "note",
    EventKind.CUSTOMER_MESSAGE: "message",
}
