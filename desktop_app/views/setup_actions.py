"""Intake and setup in the window: File → New ticket… (Ctrl+Shift+N) and Sign in as…, the
Setup menu (customers, technicians, SLA policies, business calendars and holidays), the
customer tab's "New ticket" button, and what an empty desk offers at its first start.

Each screen is a non-modal dialog (the queue keeps counting behind it); opening one that is
open already brings it forward.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import Technician, Ticket
from desktop_app.models.queue_model import TICKET_ID_ROLE
from desktop_app.views.new_ticket import NEW_TICKET_SHORTCUT, NewTicketDialog

__all__ = ["SetupActions", "SignInDialog", "attach_setup"]


class SignInDialog(QDialog):
    """File → Sign in as… on a desk whose file is the key (SQLite): pick who you are."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in as")
        self._session = session
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Who is at this desk? 'Mine' shows their tickets, and what they may change "
                "follows their role.",
                self,
            )
        )
        self.list = QListWidget(self)
        self.list.setObjectName("signInList")
        me = session.me
        for person in session.technicians:
            item = QListWidgetItem(f"{person.name} ({person.role.value})", self.list)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            if me is not None and person.id == me.id:
                self.list.setCurrentItem(item)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout.addWidget(buttons)

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._session.sign_in_as(int(item.data(Qt.ItemDataRole.UserRole)))
        super().accept()


class SetupActions(QObject):
    """See the module docstring."""

    ticketLogged = Signal(object)  # the Ticket a new-ticket dialog saved

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self._session = session
        self._dialogs: dict[str, QDialog] = {}
        window = session.window

        self.new_ticket_action = QAction("&New ticket…", self)
        self.new_ticket_action.setObjectName("actionNewTicket")
        self.new_ticket_action.setShortcut(QKeySequence(NEW_TICKET_SHORTCUT))
        self.new_ticket_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.new_ticket_action.setToolTip("Log a ticket when a customer phones, writes or walks in")
        self.new_ticket_action.triggered.connect(self._new_ticket_from_menu)
        self.sign_in_action = QAction("Sign &in as…", self)
        self.sign_in_action.setObjectName("actionSignIn")
        self.sign_in_action.triggered.connect(self.sign_in)
        window.addAction(self.new_ticket_action)
        file_menu = window.findChild(QMenu, "menuFile")
        if file_menu is None:
            file_menu = window.menuBar().addMenu("&File")
            file_menu.setObjectName("menuFile")
        first = file_menu.actions()[0] if file_menu.actions() else None
        file_menu.insertAction(first, self.new_ticket_action)
        file_menu.insertAction(first, self.sign_in_action)
        file_menu.insertSeparator(first)

        self.setup_menu = QMenu("&Setup", window)
        self.setup_menu.setObjectName("menuSetup")
        window.menuBar().addMenu(self.setup_menu)
        self.actions: dict[str, QAction] = {}
        for key, text, tip in (
            ("customers", "&Customers, sites, contacts and contracts…", "Add and change customers"),
            ("technicians", "&Technicians…", "Add people, change roles and shifts"),
            ("policies", "SLA &policies…", "Targets per tier and priority, overrides, warnings"),
            ("calendars", "Business &calendars and holidays…", "Weekly hours and holidays"),
        ):
            action = self.setup_menu.addAction(text)
            action.setObjectName(f"actionSetup{key.capitalize()}")
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False, k=key: self.open(k))
            self.actions[key] = action

        session.set_first_start(self.offer_first_start)
        session.technicianChanged.connect(self._on_technician)
        self._on_technician(session.me)

    # ------------------------------------------------------------------ screens

    def _raise(self, key: str) -> QDialog | None:
        dialog = self._dialogs.get(key)
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        return None

    def _show(self, key: str, dialog: QDialog) -> QDialog:
        self._dialogs[key] = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.finished.connect(lambda _result, k=key: self._dialogs.pop(k, None))
        dialog.show()
        return dialog

    @Slot()
    def _new_ticket_from_menu(self) -> None:
        self.new_ticket()

    def new_ticket(self, customer_id: int | None = None) -> NewTicketDialog:
        """File → New ticket… (or the customer tab's button, for that customer)."""
        open_already = self._raise("ticket")
        if isinstance(open_already, NewTicketDialog) and customer_id is None:
            return open_already
        dialog = NewTicketDialog(self._session, self._session.window, customer_id=customer_id)
        dialog.saved.connect(self._logged)
        self._show("ticket", dialog)
        return dialog

    def open(self, key: str) -> QDialog:
        found = self._raise(key)
        if found is not None:
            return found
        window = self._session.window
        dialog: QDialog
        if key == "customers":
            from desktop_app.views.admin.customers import CustomerDialog

            dialog = CustomerDialog(self._session, window)
        elif key == "technicians":
            from desktop_app.views.admin.technicians import TechnicianDialog

            dialog = TechnicianDialog(self._session, window)
        elif key == "policies":
            from desktop_app.views.admin.policies import PolicyDialog

            dialog = PolicyDialog(self._session, window)
        elif key == "calendars":
            from desktop_app.views.admin.calendars import CalendarDialog

            dialog = CalendarDialog(self._session, window)
        else:
            raise ValueError(f"No setup screen named {key!r}.")
        return self._show(key, dialog)

    def edit_customer(self, customer_id: int) -> QDialog:
        from desktop_app.views.admin.customers import CustomerDialog

        found = self._raise("customers")
        if isinstance(found, CustomerDialog):
            found.select(customer_id)
            return found
        dialog = CustomerDialog(self._session, self._session.window, customer_id=customer_id)
        return self._show("customers", dialog)

    @Slot()
    def sign_in(self) -> SignInDialog | None:
        if self._session.signed_in_by_login:
            return None
        dialog = SignInDialog(self._session, self._session.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.open()
        return dialog

    def offer_first_start(self) -> QDialog:
        from desktop_app.views.admin.first_start import FirstStartDialog

        dialog = FirstStartDialog(self._session, self._session.window)
        return self._show("first_start", dialog)

    @property
    def dialogs(self) -> dict[str, QDialog]:
        return {k: d for k, d in self._dialogs.items() if shiboken6.isValid(d)}

    # ------------------------------------------------------------------ reactions

    def _logged(self, ticket: Ticket) -> None:
        window = self._session.window
        window.statusBar().showMessage(f"{ticket.number} logged: {ticket.subject}", 8000)
        self.ticketLogged.emit(ticket)
        model = self._session.model
        row = model.row_of(ticket.id) if ticket.id is not None else None
        if row is not None:
            view = window.queue_view
            index = model.index(row, 0)
            if index.data(TICKET_ID_ROLE) == ticket.id:
                view.setCurrentIndex(index)
                view.selectRow(row)
                view.scrollTo(index)

    @Slot(object)
    def _on_technician(self, me: Technician | None) -> None:
        bound = self._session.signed_in_by_login
        self.sign_in_action.setEnabled(not bound)
        self.sign_in_action.setToolTip(
            "Your database login says who you are on this shared desk."
            if bound
            else "Choose who is at this desk"
        )
        self.new_ticket_action.setEnabled(me is not None)

    def stop(self) -> None:
        for dialog in list(self.dialogs.values()):
            dialog.done(0)


def attach_setup(session: Any) -> SetupActions:
    """The composition root's one line: intake and setup in the session's window."""
    return SetupActions(session)
