"""The customer pane: who the customer is, what they were promised, how that promise has
been kept, and what they complained about — beside the queue.

Open negative criticism notes come first, in a red box. Then the tier and the contract in
force (policy, term with days left, support hours used and left, with a warning when low,
ending or expired), the sites with their local time and whether they are open now, the
contacts, the open tickets (double-click one to select it in the queue), SLA attainment
over the last 90 days per clock, the recent breaches, and the full criticism list.
"""

from __future__ import annotations

from datetime import UTC, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import Metric, Sentiment
from desktop_app.models.plain_text import escape_html, plain_tooltip
from desktop_app.services.queries import CustomerView, SiteNow
from desktop_app.views.criticism import CriticismPanel, first_line
from desktop_app.views.ticket_actions import METRIC_NAMES

__all__ = ["CustomerPane"]

_METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)


def _section(title: str, parent: QWidget) -> QLabel:
    label = QLabel(title, parent)
    label.setObjectName("sectionTitle")
    return label


class CustomerPane(QScrollArea):
    """See the module docstring. Fill it with :meth:`show_view`."""

    ticketRequested = Signal(int)  # a ticket of the customer was double-clicked
    newTicketRequested = Signal(int)  # "New ticket…" for this customer
    editRequested = Signal(int)  # "Edit customer…"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerPane")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._zone: tzinfo = UTC
        self.view: CustomerView | None = None
        body = QWidget()
        body.setObjectName("customerBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)

        self.loading = QLabel("Loading…", body)
        self.loading.setObjectName("paneLoading")
        self.loading.setTextFormat(Qt.TextFormat.PlainText)
        self.loading.hide()
        layout.addWidget(self.loading)
        self.complaints = QLabel(body)
        self.complaints.setObjectName("complaintsBanner")
        self.complaints.setWordWrap(True)
        self.complaints.setTextFormat(Qt.TextFormat.RichText)
        self.complaints.hide()
        layout.addWidget(self.complaints)

        # Rich text for emphasis only: every stored part is escaped (escape_html); the
        # labels that show stored text and nothing else are plain text.
        self.header = QLabel(body)
        self.header.setObjectName("customerHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        actions = QHBoxLayout()
        self.new_ticket_button = QPushButton("New ticket…", body)
        self.new_ticket_button.setObjectName("customerNewTicketButton")
        self.new_ticket_button.setToolTip("Log a ticket for this customer (Ctrl+Shift+N)")
        self.new_ticket_button.clicked.connect(self._new_ticket)
        actions.addWidget(self.new_ticket_button)
        self.edit_button = QPushButton("Edit customer…", body)
        self.edit_button.setObjectName("customerEditButton")
        self.edit_button.setToolTip("Sites, contacts and contracts of this customer")
        self.edit_button.clicked.connect(self._edit)
        actions.addWidget(self.edit_button)
        actions.addStretch(1)
        layout.addLayout(actions)

        layout.addWidget(_section("Contract", body))
        self.contract = QLabel(body)
        self.contract.setObjectName("contractLabel")
        self.contract.setTextFormat(Qt.TextFormat.RichText)
        self.contract.setWordWrap(True)
        layout.addWidget(self.contract)
        self.hours_bar = QProgressBar(body)
        self.hours_bar.setObjectName("supportHoursBar")
        self.hours_bar.setTextVisible(True)
        layout.addWidget(self.hours_bar)
        self.contract_warning = QLabel(body)
        self.contract_warning.setObjectName("contractWarning")
        self.contract_warning.setTextFormat(Qt.TextFormat.PlainText)
        self.contract_warning.setWordWrap(True)
        self.contract_warning.hide()
        layout.addWidget(self.contract_warning)

        layout.addWidget(_section("Sites", body))
        self.sites = QLabel(body)
        self.sites.setObjectName("sitesLabel")
        self.sites.setWordWrap(True)
        self.sites.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.sites)

        layout.addWidget(_section("Contacts", body))
        self.contacts = QLabel(body)
        self.contacts.setObjectName("contactsLabel")
        self.contacts.setTextFormat(Qt.TextFormat.PlainText)
        self.contacts.setWordWrap(True)
        self.contacts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.contacts)

        self.open_title = _section("Open tickets", body)
        layout.addWidget(self.open_title)
        self.open_tickets = QListWidget(body)
        self.open_tickets.setObjectName("openTicketsList")
        self.open_tickets.setMaximumHeight(130)
        self.open_tickets.itemActivated.connect(self._ticket_activated)
        self.open_tickets.itemDoubleClicked.connect(self._ticket_activated)
        layout.addWidget(self.open_tickets)

        self.attainment_title = _section("SLA attainment, last 90 days", body)
        layout.addWidget(self.attainment_title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(3)
        self.attainment_bars: dict[Metric, QProgressBar] = {}
        for row, metric in enumerate(_METRICS):
            grid.addWidget(QLabel(METRIC_NAMES[metric], body), row, 0)
            bar = QProgressBar(body)
            bar.setObjectName(f"attainment_{metric.value}")
            bar.setRange(0, 1000)
            grid.addWidget(bar, row, 1)
            self.attainment_bars[metric] = bar
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)

        layout.addWidget(_section("Recent breaches", body))
        self.breaches = QLabel(body)
        self.breaches.setObjectName("breachesLabel")
        self.breaches.setTextFormat(Qt.TextFormat.PlainText)
        self.breaches.setWordWrap(True)
        layout.addWidget(self.breaches)

        self.criticism_title = _section("Criticism notes", body)
        layout.addWidget(self.criticism_title)
        self.criticism = CriticismPanel(body)
        self.criticism.setMinimumHeight(200)
        layout.addWidget(self.criticism)
        layout.addStretch(1)
        self.setWidget(body)

    # ------------------------------------------------------------------ showing

    def set_zone(self, zone: tzinfo) -> None:
        self._zone = zone
        if self.view is not None:
            self.show_view(self.view)

    def show_loading(self) -> None:
        self.loading.show()

    def _customer_id(self) -> int | None:
        view = self.view
        return view.context.customer.id if view is not None else None

    def _new_ticket(self) -> None:
        customer_id = self._customer_id()
        if customer_id is not None:
            self.newTicketRequested.emit(customer_id)

    def _edit(self) -> None:
        customer_id = self._customer_id()
        if customer_id is not None:
            self.editRequested.emit(customer_id)

    def show_view(self, view: CustomerView) -> None:
        self.view = view
        self.loading.hide()
        context = view.context
        customer = context.customer
        notes = escape_html(customer.notes).replace("\n", "<br>")
        self.header.setText(
            f"<b>{escape_html(customer.name)}</b> · {customer.tier.value.title()} tier"
            + (f"<br>{notes}" if notes else "")
        )
        self._show_complaints(view)
        self._show_contract(view)
        self.sites.setText("<br>".join(self._site_line(s) for s in view.sites) or "No sites.")
        contacts = [
            " · ".join(p for p in (c.name, c.email, c.phone) if p) for c in context.contacts
        ]
        self.contacts.setText("\n".join(contacts) or "No contacts.")
        self.open_title.setText(f"Open tickets ({len(context.open_tickets)})")
        self.open_tickets.clear()
        for ticket in context.open_tickets:
            item = QListWidgetItem(f"{ticket.number} · {ticket.priority.label} · {ticket.subject}")
            item.setData(Qt.ItemDataRole.UserRole, ticket.id)
            item.setToolTip(
                plain_tooltip(f"{ticket.status.value.replace('_', ' ')} · {ticket.category}")
            )
            self.open_tickets.addItem(item)
        if not context.open_tickets:
            self.open_tickets.addItem("No open tickets.")
        since = f"{context.attainment_since:%d %b %Y}"
        self.attainment_title.setText(f"SLA attainment since {since} (90 days)")
        for metric, bar in self.attainment_bars.items():
            tally = context.attainment.get(metric)
            percent = tally.percent if tally is not None else None
            if tally is None or percent is None:
                bar.setValue(0)
                bar.setFormat("no clock decided yet")
                bar.setProperty("level", "none")
            else:
                bar.setValue(round(percent * 10))
                bar.setFormat(f"{percent:.0f} % · {tally.met} met, {tally.breached} breached")
                bar.setProperty(
                    "level", "good" if percent >= 95 else "fair" if percent >= 80 else "poor"
                )
            style = bar.style()
            style.unpolish(bar)
            style.polish(bar)
        breaches = [
            f"{b.ticket_number} {b.metric.label} breached "
            f"{b.breached_at.astimezone(self._zone):%a %d %b %H:%M} · {b.subject}"
            for b in context.recent_breaches[:8]
        ]
        more = len(context.recent_breaches) - 8
        if more > 0:
            breaches.append(f"… and {more} more in the last 90 days")
        self.breaches.setText("\n".join(breaches) or "No breaches in the last 90 days.")
        open_notes = sum(1 for n in context.criticism if n.is_open)
        self.criticism_title.setText(
            f"Criticism notes ({open_notes} open of {len(context.criticism)})"
        )
        today = view.at.astimezone(self._zone).date()
        self.criticism.set_notes(context.criticism, view.technicians, today)

    def _show_complaints(self, view: CustomerView) -> None:
        negative = [
            n for n in view.context.criticism if n.is_open and n.sentiment is Sentiment.NEGATIVE
        ]
        if not negative:
            self.complaints.hide()
            return
        today = view.at.astimezone(self._zone).date()
        lines = []
        for note in negative[:3]:
            owner = (
                view.technicians.get(note.follow_up_owner_id, "someone")
                if note.follow_up_owner_id is not None
                else "nobody yet"
            )
            due = ""
            if note.follow_up_due is not None:
                late = " — overdue" if note.follow_up_due < today else ""
                due = f", due {note.follow_up_due:%d %b}{late}"
            lines.append(
                f"“{escape_html(first_line(note.text))}” "
                f"<span style='color:#7a1c16'>({note.source.value}, "
                f"{note.received_at.astimezone(self._zone):%d %b}; follow-up: "
                f"{escape_html(owner)}{due})</span>"
            )
        more = len(negative) - 3
        if more > 0:
            lines.append(f"… and {more} more below.")
        count = len(negative)
        self.complaints.setText(
            f"<b>⚑ {count} open complaint{'s' if count != 1 else ''}</b><br>" + "<br>".join(lines)
        )
        self.complaints.show()

    def _show_contract(self, view: CustomerView) -> None:
        status = view.contract
        if status is None:
            self.contract.setText("No contract: the tier's default policy applies.")
            self.hours_bar.hide()
            self.contract_warning.setText(
                "This customer has no contract on file; check before promising support."
            )
            self.contract_warning.setProperty("level", "warning")
            self.contract_warning.show()
            return
        contract = status.contract
        if status.days_left >= 0:
            left = f"{status.days_left} day{'s' if status.days_left != 1 else ''} left"
        else:
            left = "expired"
        policy = view.policy_explanation or contract.policy
        lines = [
            f"<b>{escape_html(policy)}</b> · {contract.tier.value.title()}",
            f"{contract.starts_on:%d %b %Y} – {contract.ends_on:%d %b %Y} ({left})",
            f"Availability target {contract.availability_target:g} %",
        ]
        if contract.credit_percent_per_breach:
            cap = (
                f"capped at {contract.credit_cap_percent:g} % a month"
                if contract.credit_cap_percent > 0
                else "no monthly cap"
            )
            lines.append(
                f"Service credit {contract.credit_percent_per_breach:g} % per breach, {cap}"
            )
        credit = view.credit
        if credit is not None:
            owed = (
                f"{credit.percent:g} % of the fee ({credit.amount:,.2f})"
                if credit.breaches
                else "nothing owed"
            )
            cap_note = " — cap reached" if credit.capped else ""
            colour = "#7a1c16" if credit.breaches else "#1d5e2a"
            lines.append(
                f"<span style='color:{colour}'>{credit.month:%B %Y}: {credit.breaches} "
                f"breached SLA metric{'s' if credit.breaches != 1 else ''}, {owed}"
                f"{cap_note}</span>"
            )
        self.contract.setText("<br>".join(lines))
        if status.hours_left is None:
            self.hours_bar.hide()
        else:
            allowance = contract.support_hours
            used = min(contract.hours_used, allowance)
            self.hours_bar.setRange(0, max(1, round(allowance * 10)))
            self.hours_bar.setValue(round(used * 10))
            self.hours_bar.setFormat(
                f"support hours: {contract.hours_used:g} of {allowance:g} used, "
                f"{max(0.0, status.hours_left):g} left"
            )
            self.hours_bar.show()
        if status.warnings:
            expired = status.days_left < 0 or (
                status.hours_left is not None and status.hours_left <= 0
            )
            self.contract_warning.setText("\n".join(status.warnings))
            self.contract_warning.setProperty("level", "error" if expired else "warning")
            style = self.contract_warning.style()
            style.unpolish(self.contract_warning)
            style.polish(self.contract_warning)
            self.contract_warning.show()
        else:
            self.contract_warning.hide()
        self.hours_bar.setProperty(
            "level", "poor" if any("support" in w for w in status.warnings) else "good"
        )
        style = self.hours_bar.style()
        style.unpolish(self.hours_bar)
        style.polish(self.hours_bar)

    def _site_line(self, now: SiteNow) -> str:
        site = now.site
        local = f"{now.local:%a %H:%M}"
        if now.open_now is None:
            problem = escape_html(now.problem or "")
            state = f"<span style='color:#a35a00'>hours unknown: {problem}</span>"
        elif now.round_the_clock:
            state = "<span style='color:#1b7f3b'>● open round the clock</span>"
        elif now.open_now:
            until = (
                f" until {now.next_change.astimezone(now.local.tzinfo):%H:%M}"
                if now.next_change is not None
                else ""
            )
            state = f"<span style='color:#1b7f3b'>● open{until}</span>"
        else:
            opens = (
                f", opens {now.next_change.astimezone(now.local.tzinfo):%a %H:%M}"
                if now.next_change is not None
                else ""
            )
            state = f"<span style='color:#5f6368'>○ closed{opens}</span>"
        name, zone = escape_html(site.name), escape_html(site.timezone)
        return f"<b>{name}</b> · {local} local ({zone}) · {state}"

    def _ticket_activated(self, item: QListWidgetItem) -> None:
        ticket_id = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(ticket_id, int):
            self.ticketRequested.emit(ticket_id)
