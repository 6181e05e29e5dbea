"""A demo desk whose every stored text carries markup, as an import from a careless (or
hostile) source might: customers, sites, contacts, tickets, timelines, technicians,
policies, calendars and criticism notes. The screens must show it as typed."""

from __future__ import annotations

from dataclasses import replace

from desktop_app.domain import Desk, DeskCriticism, DeskCustomer, DeskTicket
from desktop_app.sla.policy import ALWAYS_OPEN

# Appended to every stored text. Rendered as rich text it would be bold, a link and huge.
# Short enough for every column (a name holds 100 characters); a phone number (50) gets
# the link alone.
MARK = " <b>QQbold</b> & <a href='x:'>QQlink</a><font size=7>QQbig</font>"
SHORT_MARK = " <a href='x:'>QQlink</a>"
# Each marker word and what stands right before it when the text is shown as typed.
_SHOWN_AS_TYPED = (("QQbold", "<b>QQbold"), ("QQlink", ">QQlink"), ("QQbig", ">QQbig"))


def m(text: str) -> str:
    return f"{text}{MARK}"


def _m_or_none(text: str | None) -> str | None:
    return None if text is None else m(text)


def _calendar(name: str | None) -> str | None:
    return name if name in (None, ALWAYS_OPEN) else m(name)  # type: ignore[arg-type]


def marked(desk: Desk) -> Desk:
    """``desk`` with :data:`MARK` appended to every stored text (references kept)."""
    return Desk(
        calendars=[replace(c, name=m(c.name)) for c in desk.calendars],
        policies=[
            replace(
                p, name=m(p.name), calendar=_calendar(p.calendar), category=_m_or_none(p.category)
            )
            for p in desk.policies
        ],
        technicians=[replace(t, name=m(t.name)) for t in desk.technicians],
        customers=[
            DeskCustomer(
                replace(c.customer, name=m(c.customer.name), notes=m(c.customer.notes)),
                [replace(s, name=m(s.name), calendar=_calendar(s.calendar)) for s in c.sites],
                [
                    replace(k, name=m(k.name), email=m(k.email), phone=k.phone + SHORT_MARK)
                    for k in c.contacts
                ],
                [replace(k, policy=m(k.policy)) for k in c.contracts],
            )
            for c in desk.customers
        ],
        tickets=[
            DeskTicket(
                replace(
                    t.ticket,
                    subject=m(t.ticket.subject),
                    description=m(t.ticket.description),
                    category=m(t.ticket.category),
                    events=tuple(
                        replace(
                            e,
                            author=m(e.author) if e.author else "",
                            text=m(e.text) if e.text else "",
                            category=_m_or_none(e.category),
                        )
                        for e in t.ticket.events
                    ),
                ),
                m(t.customer),
                _m_or_none(t.site),
                _m_or_none(t.contact),
                _m_or_none(t.assignee),
            )
            for t in desk.tickets
        ],
        criticism=[
            DeskCriticism(
                replace(c.note, text=m(c.note.text)),
                m(c.customer),
                c.ticket_number,
                _m_or_none(c.follow_up_owner),
            )
            for c in desk.criticism
        ],
    )


def shown_as_typed(displayed: str) -> bool:
    """Whether every marker word in ``displayed`` (what the user sees) still stands in its
    markup, i.e. the markup was shown as text rather than rendered."""
    shown = displayed.lower()  # some texts are kept in lower case (categories)
    return all(
        shown.count(word.lower()) == shown.count(typed.lower()) for word, typed in _SHOWN_AS_TYPED
    )
