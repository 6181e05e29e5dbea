"""Which handler applies which command: the store's one write path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop_app.domain.commands import (
    AddCriticism,
    AddEvent,
    AddNotification,
    AddTechnician,
    ChangeCategory,
    ChangePriority,
    Command,
    CreateTicket,
    EditCriticism,
    Escalate,
    MarkNotificationsRead,
    Reassign,
    RecordBreach,
    Reopen,
    Resolve,
    ResolveCriticism,
    Resume,
    WaitOnCustomer,
)
from desktop_app.domain.setup_commands import (
    DeactivateTechnician,
    DeletePolicy,
    EditTechnician,
    SaveCalendar,
    SaveCustomer,
    SavePolicy,
    SetUpDesk,
)
from desktop_app.store import assignments, catalog, criticism, notifications, setup, tickets
from desktop_app.store.uow import UnitOfWork

__all__ = ["HANDLERS", "handler_for"]

Handler = Callable[[UnitOfWork, Any], Any]

HANDLERS: dict[type[Command], Handler] = {
    CreateTicket: tickets.create_ticket,
    AddEvent: tickets.add_event,
    WaitOnCustomer: tickets.wait_on_customer,
    Resume: tickets.resume,
    Resolve: tickets.resolve,
    Reopen: tickets.reopen,
    ChangePriority: tickets.change_priority,
    ChangeCategory: tickets.change_category,
    Escalate: tickets.escalate,
    RecordBreach: tickets.record_breach,
    Reassign: assignments.reassign,
    AddCriticism: criticism.add_criticism,
    EditCriticism: criticism.edit_criticism,
    ResolveCriticism: criticism.resolve_criticism,
    AddNotification: notifications.add_notification,
    MarkNotificationsRead: notifications.mark_notifications_read,
    AddTechnician: catalog.add_technician,
    SaveCustomer: setup.save_customer,
    EditTechnician: setup.edit_technician,
    DeactivateTechnician: setup.deactivate_technician,
    SavePolicy: setup.save_policy,
    DeletePolicy: setup.delete_policy,
    SaveCalendar: setup.save_calendar,
    SetUpDesk: setup.set_up_desk,
}


def handler_for(command: Command) -> Handler:
    handler = HANDLERS.get(type(command))
    if handler is None:
        raise TypeError(f"The store has no handler for {type(command).__name__} commands.")
    return handler
