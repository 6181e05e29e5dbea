"""Read models of the setup screens: the customer directory behind the type-ahead, one
customer's records for its editor, and the desk's people, policies and calendars with the
versions their editors save against."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.domain.enums import Tier
from desktop_app.domain.model import (
    CalendarSpec,
    Contact,
    Contract,
    Customer,
    Site,
    SlaPolicy,
    Technician,
)

__all__ = ["CustomerCard", "CustomerRecords", "DeskSetup"]


@dataclass(frozen=True, slots=True)
class CustomerCard:
    """One customer as the type-ahead finds it: by name, by a site or by a contact."""

    id: int
    name: str
    tier: Tier
    sites: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``Acme Corp — Toronto HQ, Ottawa · Jane Doe``: what the list shows and what a
        search matches."""
        text = self.name
        if self.sites:
            text += " — " + ", ".join(self.sites)
        if self.contacts:
            text += " · " + ", ".join(self.contacts)
        return text


@dataclass(frozen=True, slots=True)
class CustomerRecords:
    """A customer with everything its editor (and the new-ticket dialog) shows."""

    customer: Customer
    sites: tuple[Site, ...]
    contacts: tuple[Contact, ...]
    contracts: tuple[Contract, ...]


@dataclass(frozen=True, slots=True)
class DeskSetup:
    """The desk's policies, calendars and people, as stored now (with versions)."""

    policies: tuple[SlaPolicy, ...]
    calendars: tuple[CalendarSpec, ...]
    technicians: tuple[Technician, ...]
    categories: tuple[str, ...] = ()
