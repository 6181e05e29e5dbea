"""A reproducible, realistic demo desk: customers, contracts, technicians and tickets.

``generate_demo_desk(seed, now)`` returns a :class:`~desktop_app.domain.Desk` that the store
writes in one transaction (``Store.import_desk``). The same ``seed`` and ``now`` always give
the same desk, record for record.

What it holds:

- 4 calendars: office hours in Toronto, Berlin and Sydney (public holidays of ``CA-ON``,
  ``DE-BE`` and ``AU-NSW``) and ``24x7``;
- SLA policies: one per tier (Platinum, Gold, Silver, Bronze) and a tighter, round-the-clock
  ``Outage`` policy for the ``outage`` category;
- 12 customers, 3 per tier, spread over America/Toronto, Europe/Berlin and Australia/Sydney,
  each with 1-3 sites, 2-4 contacts and a contract (a few end within weeks, a few have used
  almost all their support hours);
- 8 technicians: 5 technicians, 2 dispatchers and 1 manager over the three zones; Chloe
  Nguyen covers Sydney alone and carries about twice the open tickets of anyone else;
- ``closed_tickets`` resolved or closed tickets over the last ~90 days and ``open_tickets``
  open ones, as a well-run desk with some trouble has them: about one clock in a hundred
  ends late, most open tickets are on track, some at risk (past a warning threshold), a few
  breached, a fifth waiting on the customer. The large accounts raise the most tickets, so
  most customers' service credit stays well under the contract's cap; one customer,
  :data:`STRUGGLING_CUSTOMER`, is the exception: late clocks, recurring network trouble,
  outages, a backlog and complaints;
- criticism notes, some negative and still open.

Every instant is an aware UTC ``datetime`` no later than ``now``; each ticket's events are in
time order and its CREATED event is at ``created_at``. The open tickets' clock states are
placed by wall-clock estimates of business time (the SLA engine computes the real clocks);
the spread is what matters, not the exact minute.

The timelines are what a running desk would have recorded: every breach so far is on its
ticket's timeline at the instant the store's clocks give for it (each next-update cycle's
too), and raised the escalation level as the policy says, the way the SLA monitor and the
escalation record them live. A priority change that moves a deadline is judged as the desk
judges it; one after which the record and the clocks would disagree is left out.

Scale mode for benchmarks: ``generate_demo_desk(open_tickets=100_000, closed_tickets=0)``
takes a few seconds.
"""

from __future__ import annotations

import gc
import random
import re
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from desktop_app.domain import (
    OFFICE_HOURS,
    CalendarSpec,
    Contact,
    Contract,
    CriticismNote,
    Customer,
    Desk,
    DeskCriticism,
    DeskCustomer,
    DeskTicket,
    EventKind,
    FeedbackSource,
    Metric,
    Priority,
    Role,
    Sentiment,
    Site,
    SlaPolicy,
    Technician,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
    WarningRule,
)
from desktop_app.sla.calendar import BusinessCalendar
from desktop_app.sla.clocks import Clock, ClockTerms, compute_clocks, warning_points
from desktop_app.sla.escalation import SAME_BREACH, breach_escalation_text, level_for
from desktop_app.sla.policy import ALWAYS_OPEN, AppliedPolicy, PolicyBook, recommended_policies

__all__ = [
    "CATEGORIES",
    "DEMO_HISTORY_DAYS",
    "FIRST_TICKET_NUMBER",
    "STRUGGLING_CUSTOMER",
    "demo_calendars",
    "demo_policies",
    "demo_technicians",
    "generate_demo_desk",
]

CATEGORIES = (
    "outage",
    "hardware",
    "software",
    "network",
    "access",
    "email",
    "printing",
    "security",
)
DEMO_HISTORY_DAYS = 90
FIRST_TICKET_NUMBER = 10001

# Outages are rare on a well-run desk (and over quickly); the struggling customer has more.
_CATEGORY_WEIGHTS = (1.2, 16, 22, 12, 18, 12, 8, 8)

# zone -> (office calendar name, holiday region, e-mail domain suffix)
_REGIONS: dict[str, tuple[str, str, str]] = {
    "America/Toronto": ("Toronto office", "CA-ON", "ca"),
    "Europe/Berlin": ("Berlin office", "DE-BE", "de"),
    "Australia/Sydney": ("Sydney office", "AU-NSW", "com.au"),
}
_ZONES = tuple(_REGIONS)


# --------------------------------------------------------------------------- reference data


def demo_calendars() -> list[CalendarSpec]:
    """Office hours per region, with that region's public holidays.

    Round the clock is the SLA engine's built-in ``"24x7"`` calendar: sites and policies
    name it, but it is not a :class:`CalendarSpec` of its own.
    """
    return [
        CalendarSpec(name=name, hours=dict(OFFICE_HOURS), holiday_region=region)
        for name, region, _ in _REGIONS.values()
    ]


def demo_policies() -> list[SlaPolicy]:
    """The SLA engine's recommended policy set: one per tier (named like the tier), the
    ``Standard`` fallback and ``Outage 24x7`` for the ``outage`` category."""
    return recommended_policies()


def demo_technicians() -> list[Technician]:
    """Five technicians, two dispatchers and a manager, in the three customer zones."""
    return [
        Technician("Priya Raman", Role.TECHNICIAN, 1, "America/Toronto", True, "08:00", "16:30"),
        Technician("Marc Tremblay", Role.TECHNICIAN, 2, "America/Toronto", True, "10:00", "18:30"),
        Technician("Jonas Becker", Role.TECHNICIAN, 1, "Europe/Berlin", True, "07:30", "16:00"),
        Technician("Lena Hoffmann", Role.TECHNICIAN, 2, "Europe/Berlin", True, "09:00", "17:30"),
        Technician("Chloe Nguyen", Role.TECHNICIAN, 1, "Australia/Sydney", True, "08:00", "16:30"),
        Technician("Sophie Wagner", Role.DISPATCHER, 2, "Europe/Berlin", True, "08:00", "16:30"),
        Technician(
            "Daniel O'Brien", Role.DISPATCHER, 2, "Australia/Sydney", True, "07:00", "15:30"
        ),
        Technician("Aisha Khan", Role.MANAGER, 3, "America/Toronto", True, "09:00", "17:00"),
    ]


@dataclass(frozen=True, slots=True)
class _CustomerSeed:
    name: str
    tier: Tier
    zone: str
    domain: str
    notes: str
    sites: tuple[tuple[str, str, str | None], ...]  # (name, zone, calendar or None = office)


_CUSTOMERS = (
    _CustomerSeed(
        "Northwind Logistics",
        Tier.PLATINUM,
        "America/Toronto",
        "northwind-logistics",
        "Runs three shifts at the Mississauga depot; outages stop the loading docks.",
        (
            ("Head office", "America/Toronto", None),
            ("Mississauga depot", "America/Toronto", ALWAYS_OPEN),
            ("Hamburg hub", "Europe/Berlin", None),
        ),
    ),
    _CustomerSeed(
        "Maple Ridge Credit Union",
        Tier.GOLD,
        "America/Toronto",
        "mapleridge-cu",
        "Regulated: security incidents must be reported to compliance within 24 hours.",
        (("Main branch", "America/Toronto", None), ("Oakville branch", "America/Toronto", None)),
    ),
    _CustomerSeed(
        "Harbourfront Dental Group",
        Tier.SILVER,
        "America/Toronto",
        "harbourfront-dental",
        "Clinics open Saturday mornings; prefers phone calls to e-mail.",
        (("Queens Quay clinic", "America/Toronto", None),),
    ),
    _CustomerSeed(
        "Lakeshore Architects",
        Tier.BRONZE,
        "America/Toronto",
        "lakeshore-arch",
        "Heavy CAD users; large plotter jobs on Fridays.",
        (("Studio", "America/Toronto", None),),
    ),
    _CustomerSeed(
        "Rheinwerk Maschinenbau GmbH",
        Tier.PLATINUM,
        "Europe/Berlin",
        "rheinwerk",
        "Production line PCs run 24x7; change windows only on Sunday nights.",
        (
            ("Werk Spandau", "Europe/Berlin", ALWAYS_OPEN),
            ("Verwaltung Mitte", "Europe/Berlin", None),
        ),
    ),
    _CustomerSeed(
        "Spreeblick Verlag",
        Tier.GOLD,
        "Europe/Berlin",
        "spreeblick",
        "Print deadline every Thursday 18:00; treat publishing system issues as high.",
        (("Redaktion", "Europe/Berlin", None), ("Druckerei Adlershof", "Europe/Berlin", None)),
    ),
    _CustomerSeed(
        "Havelland Kliniken",
        Tier.SILVER,
        "Europe/Berlin",
        "havelland-kliniken",
        "Clinical systems are out of scope; we support admin and reception desks.",
        (
            ("Klinikum Nauen", "Europe/Berlin", None),
            ("Praxis Falkensee", "Europe/Berlin", None),
            ("Verwaltung Potsdam", "Europe/Berlin", None),
        ),
    ),
    _CustomerSeed(
        "Kiefer & Sohn Steuerberatung",
        Tier.BRONZE,
        "Europe/Berlin",
        "kiefer-sohn",
        "Small office; busiest in the weeks before tax deadlines.",
        (("Kanzlei", "Europe/Berlin", None),),
    ),
    _CustomerSeed(
        "Harbour Bridge Legal",
        Tier.PLATINUM,
        "Australia/Sydney",
        "harbourbridge-legal",
        "Partners travel a lot; VPN and mobile e-mail are critical.",
        (
            ("Sydney CBD", "Australia/Sydney", None),
            ("Melbourne chambers", "Australia/Sydney", None),
        ),
    ),
    _CustomerSeed(
        "Parramatta Freight Co.",
        Tier.GOLD,
        "Australia/Sydney",
        "parramatta-freight",
        "Warehouse scanners and label printers are business critical.",
        (
            ("Depot Parramatta", "Australia/Sydney", ALWAYS_OPEN),
            ("Office Parramatta", "Australia/Sydney", None),
        ),
    ),
    _CustomerSeed(
        "Bondi Coast Realty",
        Tier.SILVER,
        "Australia/Sydney",
        "bondicoast",
        "Agents work from phones and tablets; weekend open homes.",
        (("Bondi office", "Australia/Sydney", None),),
    ),
    _CustomerSeed(
        "Blue Mountains Vineyards",
        Tier.BRONZE,
        "Australia/Sydney",
        "bluemountains-wine",
        "Cellar door POS and a patchy rural internet link.",
        (("Cellar door Katoomba", "Australia/Sydney", None),),
    ),
)

_FIRST_NAMES = {
    "America/Toronto": ("Emily", "Liam", "Olivia", "Noah", "Sarah", "Ethan", "Mei", "Arjun"),
    "Europe/Berlin": ("Anna", "Lukas", "Marie", "Felix", "Julia", "Tobias", "Katrin", "Mehmet"),
    "Australia/Sydney": ("Jack", "Charlotte", "Oliver", "Isla", "Lachlan", "Ruby", "Hamish", "Mia"),
}
_LAST_NAMES = {
    "America/Toronto": ("Campbell", "Gagnon", "MacDonald", "Singh", "Chen", "Roy", "Wilson"),
    "Europe/Berlin": ("Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Yilmaz", "Braun"),
    "Australia/Sydney": ("Smith", "Jones", "Williams", "Taylor", "Nguyen", "Kelly", "Murphy"),
}

# tier -> (support hours allowance, availability %, monthly fee, credit % per breach, cap %)
_CONTRACT_TERMS = {
    Tier.PLATINUM: (400.0, 99.95, 14500.0, 10.0, 50.0),
    Tier.GOLD: (200.0, 99.9, 7200.0, 7.5, 30.0),
    Tier.SILVER: (100.0, 99.5, 3400.0, 5.0, 20.0),
    Tier.BRONZE: (40.0, 99.0, 1250.0, 2.5, 10.0),
}
# tier -> share of SLA clocks promised in time each month, percent
_ATTAINMENT_TARGETS = {Tier.PLATINUM: 98.0, Tier.GOLD: 95.0, Tier.SILVER: 90.0, Tier.BRONZE: 85.0}
# each customer is billed in its region's currency
_CURRENCIES = {"America/Toronto": "CAD", "Europe/Berlin": "EUR", "Australia/Sydney": "AUD"}


# --------------------------------------------------------------------------- ticket wording

_DEVICES = ("ThinkPad T14", "Latitude 7440", "EliteBook 840", "Surface Pro 9", "MacBook Air")
_APPS = ("Excel", "Outlook", "Teams", "Sage 50", "AutoCAD", "Adobe Acrobat", "Xero", "SAP GUI")
_PRINTERS = ("the reception printer", "the 2nd floor MFP", "the label printer", "the plotter")
_SHARES = ("Finance", "HR", "Projects", "Scans", "Management")

_WORDS = {"device": _DEVICES, "app": _APPS, "printer": _PRINTERS, "share": _SHARES}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

_SUBJECTS: dict[str, tuple[str, ...]] = {
    "outage": (
        "Internet down at {site}",
        "Nobody at {site} can log in — domain controller unreachable",
        "File server offline, all shares unavailable",
        "Phones and network down at {site} after power cut",
        "VPN concentrator down, remote staff cannot connect",
        "ERP system not responding for all users",
    ),
    "hardware": (
        "{device} won't power on",
        "Docking station not detecting external monitors",
        "Battery swelling on {device}, lid won't close",
        "Keyboard keys unresponsive on {device}",
        "Replace cracked screen on {device}",
        "New starter needs a {device} set up by Monday",
    ),
    "software": (
        "{app} crashes when opening large files",
        "{app} licence expired",
        "Install {app} for the new starter",
        "{app} update fails with error 0x80070643",
        "{app} very slow since last week's update",
        "Add-in missing from {app} after reinstall",
    ),
    "network": (
        "Wi-Fi drops every few minutes in the meeting room",
        "Slow access to the {share} share from {site}",
        "Switch port flapping in the comms room",
        "DNS lookups failing intermittently",
        "Guest Wi-Fi password needs rotating",
    ),
    "access": (
        "Password reset for {person}",
        "New starter account for {person}",
        "MFA phone lost — needs re-enrolment",
        "Access denied to the {share} share",
        "Leaver: disable account for {person} today",
        "Account locked out after password change",
    ),
    "email": (
        "Shared mailbox '{share}' not showing in Outlook",
        "Mail to a key supplier bouncing",
        "Calendar invites not arriving",
        "Spam filter quarantining supplier invoices",
        "Mailbox almost full for {person}",
    ),
    "printing": (
        "Paper jam on every job at {printer}",
        "Cannot print to {printer} from a Mac",
        "Scan to e-mail stopped working",
        "Toner low warning won't clear on {printer}",
    ),
    "security": (
        "Phishing e-mail received by the finance team",
        "Antivirus alert on {person}'s laptop",
        "Unusual overseas sign-in on {person}'s account",
        "USB stick blocked, need an exception for a client file",
        "Lost {device} — please wipe remotely",
    ),
}

_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "outage": (
        "Since {clock} nobody at {site} can work. We have restarted the router already.",
        "Everything went down at about {clock}. The lights on the cabinet are orange.",
    ),
    "hardware": (
        "Tried a different power adapter and holding the power button for 30 seconds.",
        "Started this morning. The device is under warranty as far as we know.",
    ),
    "software": (
        "Happens for everyone on the team, not just me. Screenshot of the error attached.",
        "We need this working before the month-end close, please.",
    ),
    "network": (
        "Affects the whole floor, worst between 10 and 12. Wired connections are fine.",
        "Started after the weekend. Other sites seem unaffected.",
    ),
    "access": (
        "Manager approval is attached. Start date is next Monday.",
        "Tried the self-service reset but the code never arrives.",
    ),
    "email": (
        "Customers are telling us they never got our replies.",
        "Worked yesterday; nothing changed on our side as far as we know.",
    ),
    "printing": (
        "We already restarted the printer twice. The display shows no error.",
        "Only affects some users; the others print fine.",
    ),
    "security": (
        "Two people clicked the link before we noticed. What should we do?",
        "The alert popped up at {clock}. The laptop is disconnected from the network now.",
    ),
}

_CUSTOMER_MESSAGES = (
    "Any update on this? The team is blocked.",
    "Attached a screenshot of the error message.",
    "It happened again just now.",
    "Tried your suggestion, no change unfortunately.",
    "This is getting urgent — we have a client visit tomorrow.",
    "Thanks, that seems to have helped partly.",
)
_PUBLIC_REPLIES = (
    "Thanks for reporting this — we're looking into it now.",
    "Could you send us the exact error message and the time it happened?",
    "We've applied a fix remotely; please try again and let us know.",
    "A technician is booked to come on site tomorrow morning.",
    "We've escalated this to our network team and will update you within the hour.",
    "Quick update: still investigating, no root cause yet.",
)
_PHONE_CALLS = (
    "Called {contact}, walked through the steps together.",
    "Spoke to {contact}; confirmed the issue and agreed next steps.",
    "Left a voicemail for {contact} asking for a good time to connect.",
)
_INTERNAL_NOTES = (
    "Checked the event log: repeated disk warnings since last Tuesday.",
    "Same symptom as a ticket last month at this customer; see the fix there.",
    "Vendor case opened, reference in the documentation.",
    "Remote session: cleared the profile cache, will monitor.",
    "Needs a part; ordered, ETA two business days.",
)
_WAITING_TEXTS = (
    "Waiting for the customer to confirm a time for the remote session.",
    "Asked the customer to test after the restart.",
    "Waiting for manager approval from the customer.",
)
_RESOLVED_TEXTS = (
    "Fixed and confirmed with the customer.",
    "Replaced the faulty part; working again.",
    "Configuration corrected; customer confirmed.",
    "Resolved by the vendor patch; closing.",
)
_REOPEN_TEXTS = (
    "The problem is back since this morning.",
    "Not fixed after all, same error again.",
)
_CRITICISM: dict[Sentiment, tuple[str, ...]] = {
    Sentiment.NEGATIVE: (
        "Waited two days for a first answer on an urgent problem. Not acceptable for our tier.",
        "Third time this month the same printer issue came back — we want a permanent fix.",
        "Technician arrived without the replacement part; wasted a morning.",
        "Nobody kept us updated during the outage; we had to chase by phone.",
        "Invoice shows hours we don't recognise; please explain.",
    ),
    Sentiment.NEUTRAL: (
        "Would prefer updates by phone rather than e-mail for urgent tickets.",
        "Asked for a quarterly review meeting of open issues.",
    ),
    Sentiment.POSITIVE: (
        "Great job restoring the network so quickly after the power cut.",
        "Jonas was patient and explained everything clearly — thank you.",
        "Very happy with the new starter setup, all ready on day one.",
    ),
}


# --------------------------------------------------------------------------- how the desk runs

# How many tickets a customer raises, by tier, relative to the others: the large Platinum
# accounts call far more often than a small Bronze office.
_TICKET_SHARE = {Tier.PLATINUM: 5.0, Tier.GOLD: 4.0, Tier.SILVER: 3.0, Tier.BRONZE: 1.5}

#: The one customer the desk is struggling with: recurring VPN and mobile e-mail trouble,
#: more of its clocks run late and more of its open tickets are at risk or breached.
STRUGGLING_CUSTOMER = "Harbour Bridge Legal"
# Its tickets are more often about the network (the VPN) than anyone else's.
_STRUGGLING_CATEGORY_WEIGHTS = (6, 10, 14, 36, 12, 12, 4, 4)
# … and pile up: it holds this many times its share of the open tickets.
_BACKLOG = 2.0

# Where an open ticket's clocks stand at ``now``:
#   unanswered: no first response yet (about half of them not assigned yet either);
#   healthy: answered, resolution clock short of its first warning;
#   at_risk: answered, resolution clock past its first warning, short of the target;
#   waiting: waiting on the customer (clocks paused);
#   breached: answered, resolution clock past its target (the desk escalated it).
_OPEN_SCENARIOS = ("unanswered", "healthy", "at_risk", "waiting", "breached")

# Triage: how many tickets get another priority (mostly higher) or category after creation.
_PRIORITY_CHANGES = 0.10
_CATEGORY_CHANGES = 0.05
_RECATEGORISED = ("software", "network", "hardware", "access")
_FIXED_CATEGORIES = frozenset({"outage", "security"})


@dataclass(frozen=True, slots=True)
class _Service:
    """How well the desk serves a customer: the share of clocks that end late, and where
    the open tickets' clocks stand at ``now``."""

    late_response: float  # first responses after the response target
    late_update: float  # answers to a customer's message after the next-update target
    late_resolution: float  # closed tickets resolved after the resolution target
    open_weights: tuple[float, ...]  # cumulative weights of _OPEN_SCENARIOS
    unanswered_at_risk: float  # unanswered tickets past the first warning of the response
    unanswered_breached: float  # … and past the response target


def _service(
    *,
    late_response: float,
    late_update: float,
    late_resolution: float,
    open_tickets: dict[str, float],
    unanswered_at_risk: float,
    unanswered_breached: float,
) -> _Service:
    weights = tuple(accumulate(open_tickets[name] for name in _OPEN_SCENARIOS))
    return _Service(
        late_response,
        late_update,
        late_resolution,
        weights,
        unanswered_at_risk,
        unanswered_breached,
    )


# A well-run desk: about one clock in a hundred ends late, most open tickets are on track.
_WELL_SERVED = _service(
    late_response=0.006,
    late_update=0.01,
    late_resolution=0.012,
    open_tickets={"unanswered": 14, "healthy": 50, "at_risk": 11, "waiting": 22, "breached": 3},
    unanswered_at_risk=0.15,
    unanswered_breached=0.02,
)
_STRUGGLING = _service(
    late_response=0.15,
    late_update=0.12,
    late_resolution=0.22,
    open_tickets={"unanswered": 14, "healthy": 32, "at_risk": 20, "waiting": 16, "breached": 12},
    unanswered_at_risk=0.35,
    unanswered_breached=0.15,
)


# --------------------------------------------------------------------------- generation


@dataclass(slots=True)
class _SiteInfo:
    name: str
    zone: str
    calendar: str


@dataclass(slots=True)
class _CustomerInfo:
    name: str
    tier: Tier
    contract_policy: str
    sites: list[_SiteInfo]
    contacts: list[str]
    service: _Service
    categories: tuple[float, ...]  # cumulative weights of CATEGORIES for its tickets


class _DemoRandom(random.Random):
    """``random.Random`` with cheaper integer draws: the scale mode makes millions of them.

    Still fully determined by the seed, which is all the demo needs.
    """

    def choice(self, seq):  # type: ignore[no-untyped-def]
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start, stop=None, step=1):  # type: ignore[no-untyped-def]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


def _local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def generate_demo_desk(
    seed: int = 7,
    now: datetime | None = None,
    *,
    open_tickets: int = 120,
    closed_tickets: int = 2400,
) -> Desk:
    """Build the demo desk for ``seed`` at ``now`` (aware; default: the current minute)."""
    if now is None:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(
            f"now={now.isoformat()} has no time zone; pass an aware datetime (e.g. tzinfo=UTC)."
        )
    if open_tickets < 0 or closed_tickets < 0:
        raise ValueError("open_tickets and closed_tickets must be 0 or more.")
    now = now.astimezone(UTC).replace(microsecond=0)
    # Building a few hundred thousand small records: the cyclic collector would keep
    # rescanning them for nothing (none form cycles), so pause it while generating.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(_DemoRandom(seed), now, open_tickets, closed_tickets)
    finally:
        if collecting:
            gc.enable()


def _generate(rng: random.Random, now: datetime, open_tickets: int, closed_tickets: int) -> Desk:

    calendars = demo_calendars()
    policies = demo_policies()
    technicians = demo_technicians()
    desk_customers, infos = _customers(rng, now)

    # The SLA engine's own policy selection and calendars place the open tickets' clocks.
    book = PolicyBook(policies, calendars)
    builder = _TicketBuilder(rng, now, technicians, book, infos)
    plans = [builder.plan(closed=True) for _ in range(closed_tickets)]
    plans += [builder.plan(closed=False) for _ in range(open_tickets)]
    plans.sort(key=lambda plan: plan.created_at)
    tickets = [
        builder.build(plan, f"TQ-{FIRST_TICKET_NUMBER + index}") for index, plan in enumerate(plans)
    ]
    criticism = _criticism(rng, now, infos, tickets, technicians)
    return Desk(
        calendars=calendars,
        policies=policies,
        technicians=technicians,
        customers=desk_customers,
        tickets=tickets,
        criticism=criticism,
    )


def _customers(rng: random.Random, now: datetime) -> tuple[list[DeskCustomer], list[_CustomerInfo]]:
    today = now.date()
    count = len(_CUSTOMERS)
    ending_soon = set(rng.sample(range(count), 3))
    nearly_used = set(rng.sample(range(count), 3))
    desk_customers: list[DeskCustomer] = []
    infos: list[_CustomerInfo] = []
    for index, seed in enumerate(_CUSTOMERS):
        struggling = seed.name == STRUGGLING_CUSTOMER
        sites = [
            Site(
                customer_id=0,
                name=name,
                timezone=zone,
                calendar=calendar or _REGIONS[zone][0],
            )
            for name, zone, calendar in seed.sites
        ]
        suffix = _REGIONS[seed.zone][2]
        firsts = rng.sample(_FIRST_NAMES[seed.zone], rng.randint(2, 4))
        contacts = []
        for first in firsts:
            last = rng.choice(_LAST_NAMES[seed.zone])
            local = f"{first}.{last}".lower().replace("ü", "ue").replace("'", "")
            contacts.append(
                Contact(
                    customer_id=0,
                    name=f"{first} {last}",
                    email=f"{local}@{seed.domain}.{suffix}",
                    phone=_phone(rng, seed.zone),
                )
            )
        allowance, availability, fee, credit, cap = _CONTRACT_TERMS[seed.tier]
        if index in ending_soon:
            ends_on = today + timedelta(days=rng.randint(5, 28))
        else:
            ends_on = today + timedelta(days=rng.randint(90, 600))
        starts_on = date(ends_on.year - rng.choice((1, 2, 3)), ends_on.month, 1)
        used_share = rng.uniform(0.9, 0.99) if index in nearly_used else rng.uniform(0.15, 0.7)
        contract = Contract(
            customer_id=0,
            policy=seed.tier.value.capitalize(),
            tier=seed.tier,
            starts_on=starts_on,
            ends_on=ends_on,
            support_hours=allowance,
            hours_used=round(allowance * used_share, 1),
            availability_target=availability,
            monthly_fee=fee,
            credit_percent_per_breach=credit,
            credit_cap_percent=cap,
            currency=_CURRENCIES[seed.zone],
            attainment_target=_ATTAINMENT_TARGETS[seed.tier],
        )
        desk_customers.append(
            DeskCustomer(
                customer=Customer(name=seed.name, tier=seed.tier, notes=seed.notes),
                sites=sites,
                contacts=contacts,
                contracts=[contract],
            )
        )
        infos.append(
            _CustomerInfo(
                name=seed.name,
                tier=seed.tier,
                contract_policy=contract.policy,
                sites=[_SiteInfo(s.name, s.timezone, s.calendar) for s in sites],
                contacts=[c.name for c in contacts],
                service=_STRUGGLING if struggling else _WELL_SERVED,
                categories=tuple(
                    accumulate(_STRUGGLING_CATEGORY_WEIGHTS if struggling else _CATEGORY_WEIGHTS)
                ),
            )
        )
    return desk_customers, infos


def _phone(rng: random.Random, zone: str) -> str:
    if zone == "America/Toronto":
        return f"+1 416 555 {rng.randint(1000, 9999)}"
    if zone == "Europe/Berlin":
        return f"+49 30 {rng.randint(1000000, 9999999)}"
    return f"+61 2 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


@dataclass(slots=True)
class _Plan:
    """A ticket decided but not yet numbered: numbers follow creation order."""

    created_at: datetime
    customer: _CustomerInfo
    site: _SiteInfo
    contact: str
    category: str  # as created
    priority: Priority  # as created
    closed: bool
    scenario: str
    age: timedelta  # created_at -> end of timeline (resolution, or now for open tickets)
    first: AppliedPolicy  # the policy and terms at creation
    last: AppliedPolicy  # … after the triage change, if any (else ``first``)
    change: tuple[EventKind, Priority | str] | None  # the triage change, if any

    @property
    def terms(self) -> ClockTerms:
        """The SLA engine's calendar and targets in force at the end."""
        return self.last.terms

    def target(self, metric: Metric) -> float:
        """Business seconds the desk works to: the stricter of the terms at creation and
        at the end, so that a triage change breaches nothing by itself."""
        first = self.first.terms.targets[metric]
        last = self.last.terms.targets[metric]
        return (first if first < last else last).total_seconds()

    def applied(self, key: tuple[Priority, str]) -> AppliedPolicy:
        """The policy in force while the ticket had this (priority, category): the one at
        creation, or the one after its triage change."""
        return self.first if key == (self.priority, self.category) else self.last


# One breach as a running desk found it: metric, breach instant and the instant the desk
# noticed it (later than the breach only when a priority change moved the deadline into
# the past).
_Found = tuple[Metric, datetime, datetime]

_TERMS_KINDS = frozenset({EventKind.PRIORITY_CHANGED, EventKind.CATEGORY_CHANGED})
_CATEGORY_CUMULATIVE = tuple(accumulate(_CATEGORY_WEIGHTS))


class _TicketBuilder:
    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        technicians: list[Technician],
        book: PolicyBook,
        customers: list[_CustomerInfo],
    ) -> None:
        self.rng = rng
        self.now = now
        self.book = book
        self.customers = customers
        self.closed_weights = tuple(accumulate(_TICKET_SHARE[c.tier] for c in customers))
        # The struggling customer's tickets pile up: twice its share of the open ones.
        self.open_weights = tuple(
            accumulate(
                _TICKET_SHARE[c.tier] * (_BACKLOG if c.service is _STRUGGLING else 1.0)
                for c in customers
            )
        )
        self.zones = {zone: ZoneInfo(zone) for zone in _ZONES}
        workers = [t for t in technicians if t.role is not Role.MANAGER]
        self.by_zone = {
            zone: [t.name for t in workers if t.timezone == zone and t.role is Role.TECHNICIAN]
            for zone in _ZONES
        }
        self.seniors = [t.name for t in technicians if t.escalation_level >= 2]
        self.dispatchers = [t.name for t in technicians if t.role is Role.DISPATCHER]
        self.start = now - timedelta(days=DEMO_HISTORY_DAYS)
        self._first_warnings: dict[tuple[timedelta, WarningRule], float] = {}

    # -- decisions ------------------------------------------------------------------------

    def _applied(
        self, priority: Priority, category: str, customer: _CustomerInfo, site: _SiteInfo
    ) -> AppliedPolicy:
        """The policy and terms the store will find for these facts (the same book)."""
        return self.book.apply(
            priority, category, customer.tier, customer.contract_policy, site.zone, site.calendar
        )

    def _first_warning(self, terms: ClockTerms, metric: Metric) -> float:
        """The share of the clock's target at which the queue first shows it at risk."""
        target = terms.targets[metric]
        key = (target, terms.warnings)
        share = self._first_warnings.get(key)
        if share is None:
            seconds = target.total_seconds()
            points = warning_points(seconds, terms.warnings)
            share = self._first_warnings[key] = points[0][0] / seconds if points else 1.0
        return share

    def plan(self, *, closed: bool) -> _Plan:
        rng = self.rng
        weights = self.closed_weights if closed else self.open_weights
        customer = self.customers[bisect(weights, rng.random() * weights[-1])]
        service = customer.service
        site = rng.choice(customer.sites)
        categories = customer.categories
        category = CATEGORIES[bisect(categories, rng.random() * categories[-1])]
        priority = self._priority(category)
        contact = rng.choice(customer.contacts)
        first = self._applied(priority, category, customer, site)
        change: tuple[EventKind, Priority | str] | None = None
        final = first
        roll = rng.random()
        if roll < _PRIORITY_CHANGES:
            new = _bump(priority, up=rng.random() < 0.7)
            if new is not priority:
                change = (EventKind.PRIORITY_CHANGED, new)
                final = self._applied(new, category, customer, site)
        elif roll < _PRIORITY_CHANGES + _CATEGORY_CHANGES and category not in _FIXED_CATEGORIES:
            new_category = rng.choice(_RECATEGORISED)
            if new_category != category:
                change = (EventKind.CATEGORY_CHANGED, new_category)
                final = self._applied(priority, new_category, customer, site)
        terms = final.terms
        calendar = terms.calendar
        if closed:
            created = self._business_instant(site)
            resolution = terms.targets[Metric.RESOLUTION].total_seconds()
            late = rng.random() < service.late_resolution
            outage = category == "outage"  # the site is down: all hands until it is back
            if late:
                factor = rng.uniform(1.1, 1.6) if outage else rng.uniform(1.1, 3.0)
            elif outage:
                factor = rng.uniform(0.05, 0.35)
            else:
                factor = rng.uniform(0.1, 0.9)
            start_ts = created.timestamp()
            age = timedelta(
                seconds=int(calendar.add_seconds(start_ts, resolution * factor) - start_ts)
            )
            latest = self.now - timedelta(minutes=10)
            if created + age > latest:
                created = max(self.start, latest - age)
                age = min(age, latest - created)
            return _Plan(
                created,
                customer,
                site,
                contact,
                category,
                priority,
                True,
                "closed",
                age,
                first,
                final,
                change,
            )
        open_weights = service.open_weights
        scenario = _OPEN_SCENARIOS[bisect(open_weights, rng.random() * open_weights[-1])]
        metric = Metric.FIRST_RESPONSE if scenario == "unanswered" else Metric.RESOLUTION
        warn = self._first_warning(terms, metric)
        at_risk = (min(warn + 0.03, 0.95), 0.97)
        on_track = (0.02, max(0.03, warn * 0.85))
        if scenario == "unanswered":
            roll = rng.random()
            if roll < service.unanswered_breached:
                low, high = 1.05, 2.0
            elif roll < service.unanswered_breached + service.unanswered_at_risk:
                low, high = at_risk
            else:
                low, high = on_track
        elif scenario == "at_risk":
            low, high = at_risk
        elif scenario == "healthy":
            low, high = on_track
        elif scenario == "waiting":
            low, high = 0.1, 0.6
        else:  # breached: a desk catches its breaches, most are hours or days over
            low, high = 1.02, 1.5
        business = terms.targets[metric].total_seconds() * rng.uniform(low, high)
        now_ts = self.now.timestamp()
        created_ts = _business_time_ago(calendar, now_ts, business, self.start.timestamp())
        age = timedelta(seconds=max(180, int(now_ts - created_ts)))
        return _Plan(
            self.now - age,
            customer,
            site,
            contact,
            category,
            priority,
            False,
            scenario,
            age,
            first,
            final,
            change,
        )

    def _priority(self, category: str) -> Priority:
        roll = self.rng.random()
        if category == "outage":
            return Priority.CRITICAL if roll < 0.7 else Priority.HIGH
        if category == "security":
            return (
                Priority.HIGH
                if roll < 0.6
                else Priority.CRITICAL
                if roll < 0.7
                else Priority.NORMAL
            )
        if roll < 0.03:
            return Priority.CRITICAL
        if roll < 0.2:
            return Priority.HIGH
        return Priority.NORMAL if roll < 0.75 else Priority.LOW

    def _business_instant(self, site: _SiteInfo) -> datetime:
        """A creation instant in the last 90 days, mostly during the site's office hours."""
        rng = self.rng
        span_days = DEMO_HISTORY_DAYS - 1
        if rng.random() < 0.15:
            return self.start + timedelta(seconds=rng.randrange(span_days * 86400))
        zone = self.zones[site.zone]
        day = (self.start + timedelta(days=rng.randrange(span_days))).astimezone(zone).date()
        while day.weekday() >= 5:
            day -= timedelta(days=rng.randint(1, 2))
        at = time(rng.randint(8, 16), rng.randrange(60), rng.randrange(60))
        return max(self.start, _local_to_utc(day, at, zone))

    # -- the timeline ---------------------------------------------------------------------

    def build(self, plan: _Plan, number: str) -> DeskTicket:
        rng = self.rng
        created = plan.created_at
        service = plan.customer.service
        assignee = rng.choice(self.by_zone[plan.site.zone])
        contact = plan.contact
        category = plan.category
        subject = self._fill(rng.choice(_SUBJECTS[category]), plan)
        description = self._fill(rng.choice(_DESCRIPTIONS[category]), plan)
        dispatcher = rng.choice(self.dispatchers)
        reopen = plan.closed and rng.random() < 0.06
        age_seconds = plan.age.total_seconds()

        def event(  # noqa: PLR0917 - a local shorthand, called positionally on purpose
            share: float,
            kind: EventKind,
            author: str,
            text: str,
            priority: Priority | None = None,
            category: str | None = None,
        ) -> TicketEvent:
            """An event at ``share`` of the ticket's age (0 = created, 1 = resolved or now)."""
            at = created + timedelta(seconds=int(min(share, 1.0) * age_seconds))
            return TicketEvent(kind, at, author, text, priority, category)

        events = [
            TicketEvent(
                kind=EventKind.CREATED,
                at=created,
                author=contact,
                text=description,
                priority=plan.priority,
                category=category,
            ),
            event(0.0, EventKind.ASSIGNED, dispatcher, f"Assigned to {assignee}"),
        ]
        # about half of the tickets nobody has answered yet are still waiting for a dispatcher
        unassigned = plan.scenario == "unanswered" and rng.random() < 0.5
        if unassigned:
            events.pop()
        add = events.append

        created_ts = created.timestamp()
        calendar = plan.terms.calendar

        def later(share: float, business_seconds: float) -> float:
            """The share of the age reached ``business_seconds`` of open time after ``share``."""
            if age_seconds <= 0:
                return share
            start = created_ts + share * age_seconds
            return (calendar.add_seconds(start, business_seconds) - created_ts) / age_seconds

        def answer(point: float, limit: float) -> None:
            """The reply to a customer's message at ``point``, mostly within the next-update
            target; none yet when it would come after ``now``."""
            update = plan.target(Metric.NEXT_UPDATE)
            late = rng.random() < service.late_update
            reply = later(
                point, update * (rng.uniform(1.1, 1.8) if late else rng.uniform(0.1, 0.85))
            )
            if plan.closed or reply < 0.99:  # else the answer is still due
                text = rng.choice(_PUBLIC_REPLIES)
                add(event(min(reply, limit), EventKind.PUBLIC_REPLY, assignee, text))

        if plan.change is not None:
            kind, value = plan.change
            point = rng.uniform(0.02, 0.35)
            if isinstance(value, Priority):
                add(
                    event(point, kind, dispatcher, f"Priority set to {value.label}", priority=value)
                )
            else:
                add(event(point, kind, dispatcher, f"Category set to {value}", category=value))

        answered = plan.scenario != "unanswered"
        # Tickets being worked on hard (at risk, breached) are not parked waiting meanwhile.
        may_wait = plan.scenario in ("closed", "healthy") and category != "outage"
        if answered:
            # Almost every first answer comes well within the response target.
            response = plan.target(Metric.FIRST_RESPONSE)
            late = rng.random() < service.late_response
            first = later(
                0.0, response * (rng.uniform(1.1, 2.0) if late else rng.uniform(0.1, 0.9))
            )
            first = min(first, 0.5)
            add(self._response(event, first, assignee, contact))
            middle_end = 0.55 if reopen else 0.9
            waiting_until = 0.0
            for point in sorted(rng.uniform(first, middle_end) for _ in range(rng.randint(0, 4))):
                roll = rng.random()
                if (
                    point < waiting_until
                    or 0.35 <= roll < 0.6
                    or (0.6 <= roll < 0.75 and not may_wait)
                ):
                    add(
                        event(point, EventKind.INTERNAL_NOTE, assignee, rng.choice(_INTERNAL_NOTES))
                    )
                elif roll < 0.35:
                    text = rng.choice(_CUSTOMER_MESSAGES)
                    add(event(point, EventKind.CUSTOMER_MESSAGE, contact, text))
                    answer(point, 0.99)
                elif roll < 0.75:
                    waiting_until = point + rng.uniform(0.01, 0.05)
                    text = rng.choice(_WAITING_TEXTS)
                    add(event(point, EventKind.WAITING_ON_CUSTOMER, assignee, text))
                    text = rng.choice(_CUSTOMER_MESSAGES)
                    add(event(waiting_until, EventKind.CUSTOMER_MESSAGE, contact, text))
                    add(event(waiting_until, EventKind.WAITING_OFF, assignee, "Customer replied"))
                    answer(waiting_until, 0.99)
                else:
                    add(self._response(event, point, assignee, contact))
        elif rng.random() < 0.3:
            point = rng.uniform(0.3, 0.9)
            add(event(point, EventKind.CUSTOMER_MESSAGE, contact, rng.choice(_CUSTOMER_MESSAGES)))

        # Now and then a dispatcher escalates a ticket by hand while it is being worked on.
        manual: TicketEvent | None = None
        if (plan.closed and rng.random() < 0.03) or (
            plan.scenario == "at_risk" and rng.random() < 0.15
        ):
            manual = event(
                rng.uniform(0.3, 0.55),
                EventKind.ESCALATED,
                dispatcher,
                f"Escalated to {rng.choice(self.seniors)}",
            )

        resolved_at: datetime | None = None
        if plan.closed:
            if reopen:
                add(event(0.6, EventKind.RESOLVED, assignee, rng.choice(_RESOLVED_TEXTS)))
                add(event(0.75, EventKind.CUSTOMER_MESSAGE, contact, rng.choice(_REOPEN_TEXTS)))
                add(
                    event(
                        0.75, EventKind.REOPENED, assignee, "Reopened after the customer's report"
                    )
                )
                answer(0.75, 0.95)
            add(event(1.0, EventKind.RESOLVED, assignee, rng.choice(_RESOLVED_TEXTS)))
            resolved_at = created + plan.age
            recent = self.now - resolved_at < timedelta(days=3)
            status = TicketStatus.RESOLVED if recent else TicketStatus.CLOSED
        elif plan.scenario == "waiting":
            point = rng.uniform(0.96, 0.995)
            add(event(point, EventKind.WAITING_ON_CUSTOMER, assignee, rng.choice(_WAITING_TEXTS)))
            status = TicketStatus.WAITING_ON_CUSTOMER
        else:
            status = TicketStatus.OPEN if answered else TicketStatus.NEW

        # Stable: events at the same instant keep the order they happened in.
        events.sort(key=_event_at)
        events, last, found = self._recorded_breaches(plan, events)
        events, level = self._escalations(plan, events, found, manual)
        ticket = Ticket(
            number=number,
            customer_id=0,
            subject=subject,
            category=plan.category if last is plan.first else _category(plan),
            priority=last.priority,
            created_at=created,
            description=description,
            status=status,
            escalation_level=level,
            resolved_at=resolved_at,
            events=tuple(events),
        )
        return DeskTicket(
            ticket=ticket,
            customer=plan.customer.name,
            site=plan.site.name,
            contact=contact,
            assignee=None if unassigned else assignee,
        )

    # -- what a running desk recorded ---------------------------------------------------

    def _recorded_breaches(
        self, plan: _Plan, events: list[TicketEvent]
    ) -> tuple[list[TicketEvent], AppliedPolicy, list[_Found]]:
        """The timeline with each breach so far recorded as the desk's monitor recorded it
        when it happened (the store's clocks, computed from the same timeline, agree), the
        policy in force at the end and the breaches found.

        A triage change after which the monitor's record and the clocks would disagree (a
        breach recorded under the old terms that the new ones move or undo, or one hidden
        in a pause) is left out of the ticket.
        """
        last = plan.last
        found = self._breaches(plan, events, last)
        if found is None:
            events = [e for e in events if e.kind not in _TERMS_KINDS]
            last = plan.first
            found = self._breaches(plan, events, last)
            assert found is not None  # one set of terms: the record follows the clocks
        if found:
            events += [
                TicketEvent(EventKind.BREACHED, at, "system", metric=m) for m, at, _ in found
            ]
        return events, last, found

    def _breaches(
        self, plan: _Plan, events: list[TicketEvent], last: AppliedPolicy
    ) -> list[_Found] | None:
        """Every breach before ``now`` as the clocks say, the policy in force at the end
        being ``last`` (None when a desk would have recorded others)."""
        first = plan.first
        if last.policy is first.policy and last.priority is first.priority:
            # One set of terms all along: each clock breached while it counted towards that
            # very deadline, so the monitor recorded exactly the clocks' breaches.
            clocks = compute_clocks(events, last.terms, self.now, with_warnings=False)
            return [(m, at, at) for m, at in _breach_instants(clocks)]

        def terms_for(priority: Priority, category: str) -> ClockTerms:
            return plan.applied((priority, category)).terms

        clocks = compute_clocks(
            events, last.terms, self.now, with_warnings=False, terms_for=terms_for
        )
        computed = sorted(_breach_instants(clocks))
        live = _monitored(events, first.terms, last.terms, terms_for, computed)
        recorded = sorted((m, at) for m, at, _ in live)
        if len(recorded) != len(computed) or any(
            a[0] is not b[0] or abs(a[1] - b[1]) > SAME_BREACH
            for a, b in zip(recorded, computed, strict=True)
        ):
            return None
        return live

    def _escalations(
        self,
        plan: _Plan,
        events: list[TicketEvent],
        found: list[_Found],
        manual: TicketEvent | None,
    ) -> tuple[list[TicketEvent], int]:
        """The timeline with the escalations: each breach raises the level one step, up to
        the highest level of the policy in force when the desk noticed it, as the desk does
        on a breach; a dispatcher's escalation by hand raises a ticket not escalated yet.
        Returns the events and the final level."""
        if not found and manual is None:
            return events, 0
        steps: list[tuple[datetime, int, _Found | TicketEvent]] = [
            (item[2], 1, item) for item in found
        ]
        if manual is not None:
            steps.append((manual.at, 0, manual))
        steps.sort(key=_step_order)
        changed = next((e.at for e in events if e.kind in _TERMS_KINDS), None)
        level = 0
        for at, _, step in steps:
            if isinstance(step, TicketEvent):
                if level == 0:
                    level = 1
                    events.append(replace(step, level=1))
                continue
            metric, breached_at, _ = step
            policy = plan.first if changed is None or at < changed else plan.last
            new_level, actions = level_for(policy.policy.escalation, level)
            if new_level > level:
                level = new_level
                text = breach_escalation_text(
                    metric, breached_at, new_level, actions.customer_update_due
                )
                events.append(TicketEvent(EventKind.ESCALATED, at, "system", text, level=level))
        events.sort(key=_event_at)
        return events, level

    def _response(
        self, event: Callable[..., TicketEvent], share: float, assignee: str, contact: str
    ) -> TicketEvent:
        """A public reply or, one time in four, a logged phone call."""
        if self.rng.random() < 0.25:
            text = self.rng.choice(_PHONE_CALLS).format(contact=contact)
            return event(share, EventKind.PHONE_CALL, assignee, text)
        return event(share, EventKind.PUBLIC_REPLY, assignee, self.rng.choice(_PUBLIC_REPLIES))

    def _fill(self, template: str, plan: _Plan) -> str:
        """Fill only the placeholders the template uses (a draw per placeholder)."""
        if "{" not in template:
            return template
        rng = self.rng
        values: dict[str, str] = {}
        for name in _PLACEHOLDER.findall(template):
            if name == "site":
                values[name] = plan.site.name
            elif name == "person":
                values[name] = rng.choice(plan.customer.contacts)
            elif name == "clock":
                local = plan.created_at.astimezone(self.zones[plan.site.zone])
                values[name] = f"{local.hour:02d}:{local.minute:02d}"
            else:
                values[name] = rng.choice(_WORDS[name])
        return template.format_map(values)


def _category(plan: _Plan) -> str:
    """The ticket's category after its triage change."""
    change = plan.change
    if change is not None and change[0] is EventKind.CATEGORY_CHANGED:
        return str(change[1])
    return plan.category


def _step_order(step: tuple[datetime, int, object]) -> tuple[datetime, int]:
    return step[0], step[1]


def _breach_instants(clocks: dict[Metric, Clock]) -> list[tuple[Metric, datetime]]:
    """(metric, breach instant) of every breach the clocks hold: each next-update cycle's
    too, since the monitor recorded each when it happened."""
    found: list[tuple[Metric, datetime]] = []
    for metric, clock in clocks.items():
        if metric is Metric.NEXT_UPDATE:
            found.extend((metric, c.breached_at) for c in clock.cycles if c.breached_at)
        elif clock.breached_at is not None:
            found.append((metric, clock.breached_at))
    return found


def _monitored(
    events: list[TicketEvent],
    first: ClockTerms,
    last: ClockTerms,
    terms_for: Callable[[Priority, str], ClockTerms],
    computed: list[tuple[Metric, datetime]],
) -> list[_Found]:
    """The breaches the desk's monitor recorded on a timeline with one triage change, the
    clocks at ``now`` under the ``last`` terms holding the ``computed`` breaches.

    The monitor records a breach when a counting clock passes its deadline, at that
    deadline: before the change under the ``first`` terms, after it under the ``last``;
    a counting clock whose new deadline already lies in the past at the change is recorded
    at once. Each breach once.
    """
    changed_at = next(e.at for e in events if e.kind in _TERMS_KINDS)
    found: list[_Found] = []

    def record(metric: Metric, at: datetime, noticed: datetime) -> None:
        for m, recorded, _ in found:
            if m is metric and abs(recorded - at) <= SAME_BREACH:
                return
        found.append((metric, at, noticed))

    before = compute_clocks(events, first, changed_at, with_warnings=False, terms_for=terms_for)
    for metric, at in _breach_instants(before):
        record(metric, at, at)
    moved = compute_clocks(events, last, changed_at, with_warnings=False, terms_for=terms_for)
    for metric, clock in moved.items():
        due = clock.due_at
        if clock.running and due is not None and due <= changed_at:
            record(metric, due, changed_at)
    for metric, at in computed:
        if at >= changed_at:
            record(metric, at, at)
    return found


def _business_time_ago(
    calendar: BusinessCalendar, now_ts: float, business_seconds: float, earliest_ts: float
) -> float:
    """The latest instant from which ``business_seconds`` of the calendar's open time
    have passed by ``now_ts`` (never before ``earliest_ts``), to within half a percent."""
    if calendar.is_always_open:
        return max(earliest_ts, now_ts - business_seconds)
    high = now_ts - business_seconds  # open time never runs faster than the wall clock
    # Office hours are at most a quarter of the week; allow a long holiday on top.
    low = max(earliest_ts, now_ts - business_seconds * 4.0 - 6 * 86400)
    if high <= low:
        return low
    if calendar.seconds_between(low, now_ts) <= business_seconds:
        low = earliest_ts
        if calendar.seconds_between(low, now_ts) <= business_seconds:
            return low
    tolerance = max(60.0, business_seconds * 0.005)
    while high - low > tolerance:
        middle = (low + high) / 2
        if calendar.seconds_between(middle, now_ts) > business_seconds:
            low = middle
        else:
            high = middle
    return high


def _event_at(event: TicketEvent) -> datetime:
    return event.at


def _whole_seconds(span: timedelta) -> timedelta:
    return timedelta(seconds=int(span.total_seconds()))


def _bump(priority: Priority, *, up: bool) -> Priority:
    order = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.CRITICAL]
    index = order.index(priority) + (1 if up else -1)
    return order[min(max(index, 0), len(order) - 1)]


def _criticism(
    rng: random.Random,
    now: datetime,
    customers: list[_CustomerInfo],
    tickets: list[DeskTicket],
    technicians: list[Technician],
) -> list[DeskCriticism]:
    owners = [t.name for t in technicians if t.role is not Role.TECHNICIAN]
    escalated: dict[str, list[DeskTicket]] = {}
    for desk_ticket in tickets:
        if desk_ticket.ticket.escalation_level > 0:
            escalated.setdefault(desk_ticket.customer, []).append(desk_ticket)
    notes: list[DeskCriticism] = []
    sentiments = [Sentiment.NEGATIVE] * 5 + [Sentiment.NEUTRAL] * 2 + [Sentiment.POSITIVE] * 3
    count = 18 + rng.randint(0, 6)
    struggling = [c for c in customers if c.service is _STRUGGLING]
    for index in range(count):
        customer = rng.choice(customers)
        if index < 3 and struggling:  # the customer the desk is struggling with complains
            customer = struggling[0]
        # The first few are negative and recent, so a fresh desk always has open complaints.
        sentiment = Sentiment.NEGATIVE if index < 4 else rng.choice(sentiments)
        received = now - timedelta(minutes=rng.randint(60, DEMO_HISTORY_DAYS * 1440 - 60))
        if index < 4:
            received = now - timedelta(minutes=rng.randint(60, 14 * 1440))
        ticket_number = None
        candidates = [t for t in escalated.get(customer.name, ()) if t.ticket.created_at < received]
        if sentiment is Sentiment.NEGATIVE and candidates:
            ticket_number = rng.choice(candidates).ticket.number
        resolved_at = None
        if index >= 4 and rng.random() < 0.55:
            resolved_at = min(now, received + timedelta(hours=rng.randint(2, 240)))
        owner = rng.choice(owners) if sentiment is not Sentiment.POSITIVE else None
        due = (received + timedelta(days=rng.randint(2, 10))).date() if owner else None
        note = CriticismNote(
            customer_id=0,
            received_at=received,
            source=rng.choice(tuple(FeedbackSource)),
            sentiment=sentiment,
            text=rng.choice(_CRITICISM[sentiment]),
            follow_up_due=due,
            resolved_at=resolved_at,
        )
        notes.append(
            DeskCriticism(
                note=note,
                customer=customer.name,
                ticket_number=ticket_number,
                follow_up_owner=owner,
            )
        )
    notes.sort(key=lambda item: item.note.received_at)
    return notes
