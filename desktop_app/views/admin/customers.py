"""Setup → Customers…: add and change customers, their sites (time zone picker with search,
business calendar, address), contacts and contracts (tier, start and end, support hours,
service credit per breached metric and its cap, availability and attainment targets).

Everything shown for one customer is saved in one step, or nothing is (a bad site refuses
the new contact too). Before saving, the panel below says which open tickets the change
moves: a site's new zone or calendar, a contract upgrade (from its start date on: tickets
opened before keep their terms), a new tier.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    QStringListModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import (
    Contact,
    Contract,
    Customer,
    SetupConflictError,
    Site,
    Technician,
    Tier,
    ValidationError,
)
from desktop_app.domain.setup_commands import SaveCustomer
from desktop_app.services import setup_queries
from desktop_app.services.setup_queries import CustomerCard, CustomerRecords, DeskSetup, SetupResult
from desktop_app.sla.policy import ALWAYS_OPEN
from desktop_app.views.admin.base import zone_of
from desktop_app.views.admin.common import ImpactPanel, SetupEditor, set_zone, zone_picker
from desktop_app.views.forms import Confirm, FieldErrors, ask_to_discard, child, load_form

__all__ = ["CONTRACT_COLUMNS", "CustomerDialog"]

RECORD_ROLE = Qt.ItemDataRole.UserRole
SITE_COLUMNS = ("name", "timezone", "calendar", "address")
CONTACT_COLUMNS = ("name", "email", "phone")
CONTRACT_COLUMNS = (
    "policy",
    "tier",
    "starts_on",
    "ends_on",
    "support_hours",
    "hours_used",
    "monthly_fee",
    "currency",
    "credit_percent_per_breach",
    "credit_cap_percent",
    "availability_target",
    "attainment_target",
)
_NUMBERS = CONTRACT_COLUMNS[4:7] + CONTRACT_COLUMNS[8:]
_NUMBER_WORDS = {
    "support_hours": "support hours",
    "hours_used": "hours used",
    "monthly_fee": "monthly fee",
    "credit_percent_per_breach": "credit per breached metric",
    "credit_cap_percent": "credit cap",
    "availability_target": "availability target",
    "attainment_target": "attainment target",
}


class _CellEditors(QStyledItemDelegate):
    """The editor each column wants: a zone picker, a list of choices, a date."""

    def __init__(self, kinds: dict[int, str], parent: QWidget) -> None:
        super().__init__(parent)
        self.kinds = kinds
        self.choices: dict[int, list[str]] = {}

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        kind = self.kinds.get(index.column(), "text")
        if kind == "zone":
            return zone_picker(QComboBox(parent))
        if kind == "choice":
            combo = QComboBox(parent)
            combo.addItems(self.choices.get(index.column(), []))
            return combo
        if kind == "date":
            edit = QDateEdit(parent)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            return edit
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        text = str(index.data() or "")
        if isinstance(editor, QComboBox):
            if editor.isEditable():
                set_zone(editor, text)
            else:
                editor.setCurrentIndex(max(editor.findText(text), 0))
        elif isinstance(editor, QDateEdit):
            value = QDate.fromString(text, "yyyy-MM-dd")
            editor.setDate(value if value.isValid() else QDate.currentDate())
        else:
            super().setEditorData(editor, index)

    def setModelData(
        self, editor: QWidget, model: Any, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText().strip())
        elif isinstance(editor, QDateEdit):
            model.setData(index, editor.date().toString("yyyy-MM-dd"))
        else:
            super().setModelData(editor, model, index)


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text().strip() if item is not None else ""


def _put_row(table: QTableWidget, row: int, values: list[str], record: Any) -> None:
    for column, value in enumerate(values):
        item = QTableWidgetItem(value)
        if column == 0:
            item.setData(RECORD_ROLE, record)
        table.setItem(row, column, item)


def _number(text: str, field: str, what: str, row: int) -> float:
    try:
        return float(text.replace(",", ".")) if text else 0.0
    except ValueError:
        raise ValidationError(
            f"Contract {row + 1}: the {what} {text!r} is not a number; write it like 120 or 2.5.",
            field,
        ) from None


class CustomerDialog(QDialog):
    """See the module docstring."""

    loaded = Signal()  # the customer list arrived
    recordsShown = Signal()  # a customer's records are in the form
    previewShown = Signal()
    problemShown = Signal(str)
    savedRecord = Signal(object)  # SetupResult

    def __init__(
        self,
        session: Any,
        parent: QWidget | None = None,
        *,
        confirm: Confirm | None = None,
        pause_ms: int | None = None,
        customer_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        load_form(self, "customer_dialog.ui")
        self.setObjectName("customerDialog")
        self._session = session
        self._service = session.service
        self._me: Technician | None = session.me
        self._confirm = confirm or (lambda _t, _q: ask_to_discard(self, "The customer"))
        self.errors = FieldErrors(self)
        self.cards: list[CustomerCard] = []
        self.records: CustomerRecords | None = None
        self.setup: DeskSetup | None = None
        self._wanted = customer_id
        self._dirty = False
        self._loading = False

        self.find_edit = child(self, QLineEdit, "findEdit")
        self.list = child(self, QListView, "customerList")
        self.tabs = child(self, QTabWidget, "tabs")
        self.name_edit = child(self, QLineEdit, "nameEdit")
        self.tier_combo = child(self, QComboBox, "tierCombo")
        self.notes_edit = child(self, QPlainTextEdit, "notesEdit")
        self.sites = child(self, QTableWidget, "sitesTable")
        self.contacts = child(self, QTableWidget, "contactsTable")
        self.contracts = child(self, QTableWidget, "contractsTable")
        self.conflict_label = child(self, QLabel, "conflictLabel")
        self.conflict_label.setObjectName("inlineError")
        self.conflict_label.hide()
        buttons = child(self, QDialogButtonBox, "buttons")
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        for tier in Tier:
            self.tier_combo.addItem(tier.value.capitalize(), tier.value)

        self._names = QStringListModel(self)
        self._found = QSortFilterProxyModel(self)
        self._found.setSourceModel(self._names)
        self._found.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list.setModel(self._found)
        splitter = self.findChild(QSplitter, "splitter")
        if splitter is not None:
            splitter.setStretchFactor(0, 1)
            splitter.setStretchFactor(1, 3)
            splitter.setSizes([340, 780])
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.find_edit.textChanged.connect(self._found.setFilterFixedString)
        self.list.selectionModel().currentChanged.connect(self._picked)

        self._site_cells = _CellEditors({1: "zone", 2: "choice"}, self.sites)
        self.sites.setItemDelegate(self._site_cells)
        self._contract_cells = _CellEditors(
            {0: "choice", 1: "choice", 2: "date", 3: "date"}, self.contracts
        )
        self._contract_cells.choices[1] = [t.value for t in Tier]
        self.contracts.setItemDelegate(self._contract_cells)
        self.contracts.horizontalHeader().setMinimumSectionSize(80)

        self.impact = ImpactPanel(self)
        self.impact.set_zone(zone_of(self._me))
        holder = child(self, QWidget, "impactHolder")
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.impact)
        kwargs = {"pause_ms": pause_ms} if pause_ms is not None else {}
        self.editor = SetupEditor(self._service, self.impact, self.build, self, **kwargs)
        self.editor.previewed.connect(self._previewed)
        self.editor.saved.connect(self._saved)
        self.editor.problem.connect(self._problem)
        self.editor.busyChanged.connect(lambda _b: self._update_buttons())

        child(self, QPushButton, "newButton").clicked.connect(self.new_customer)
        child(self, QPushButton, "addSiteButton").clicked.connect(self.add_site)
        child(self, QPushButton, "addContactButton").clicked.connect(self.add_contact)
        child(self, QPushButton, "addContractButton").clicked.connect(self.add_contract)
        self.name_edit.textEdited.connect(self.touched)
        self.tier_combo.currentIndexChanged.connect(self.touched)
        self.notes_edit.textChanged.connect(self.touched)
        for table in (self.sites, self.contacts, self.contracts):
            table.itemChanged.connect(self.touched)
        self.read_only_reason = "Sign in first (File → Sign in as…)." if self._me is None else None
        self._service.submit(
            setup_queries.desk(),
            self._setup_read,
            self._problem,
            label="Reading the setup",
            reads_only=True,
        )
        self.reload()

    # ------------------------------------------------------------------ reading

    def reload(self, keep: int | None = None) -> None:
        self._service.submit(
            setup_queries.directory(),
            lambda cards: self._directory_read(cards, keep),
            self._problem,
            label="Reading the customers",
            reads_only=True,
        )

    def _setup_read(self, setup: DeskSetup) -> None:
        if not shiboken6.isValid(self):
            return
        self.setup = setup
        self._site_cells.choices[2] = [c.name for c in setup.calendars] + [ALWAYS_OPEN]
        self._contract_cells.choices[0] = [p.name for p in setup.policies]

    def _directory_read(self, cards: list[CustomerCard], keep: int | None) -> None:
        if not shiboken6.isValid(self):
            return
        self.cards = cards
        self._loading = True
        try:
            self._names.setStringList([c.label for c in cards])
        finally:
            self._loading = False
        wanted = keep if keep is not None else self._wanted
        self._wanted = None
        if wanted is None and self.records is not None:
            wanted = self.records.customer.id
        if wanted is not None:
            self.select(wanted)
        elif not cards:
            self.new_customer()
        self.loaded.emit()

    def select(self, customer_id: int) -> None:
        for row, card in enumerate(self.cards):
            if card.id == customer_id:
                index = self._found.mapFromSource(self._names.index(row, 0))
                if index.isValid():
                    self.list.setCurrentIndex(index)
                else:
                    self._open(customer_id)
                return

    @Slot(QModelIndex, QModelIndex)
    def _picked(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._loading or not current.isValid():
            return
        row = self._found.mapToSource(current).row()
        card = self.cards[row]
        if self.records is not None and self.records.customer.id == card.id:
            return
        if self._dirty and not self._confirm("Discard your changes to the customer?", ""):
            blocker = self.list.selectionModel().blockSignals(True)
            self.list.setCurrentIndex(previous)
            self.list.selectionModel().blockSignals(blocker)
            return
        self._open(card.id)

    def _open(self, customer_id: int) -> None:
        self._service.submit(
            setup_queries.customer(customer_id),
            self._show,
            self._problem,
            label="Reading a customer",
            reads_only=True,
        )

    def _show(self, records: CustomerRecords | None) -> None:
        if not shiboken6.isValid(self):
            return
        self.records = records
        self._loading = True
        try:
            self.errors.clear()
            self.conflict_label.hide()
            customer = records.customer if records is not None else Customer("", Tier.SILVER)
            self.name_edit.setText(customer.name)
            self.tier_combo.setCurrentIndex(max(self.tier_combo.findData(customer.tier.value), 0))
            self.notes_edit.setPlainText(customer.notes)
            sites = records.sites if records is not None else ()
            self.sites.setRowCount(len(sites))
            for row, site in enumerate(sites):
                _put_row(
                    self.sites, row, [site.name, site.timezone, site.calendar, site.address], site
                )
            contacts = records.contacts if records is not None else ()
            self.contacts.setRowCount(len(contacts))
            for row, contact in enumerate(contacts):
                _put_row(self.contacts, row, [contact.name, contact.email, contact.phone], contact)
            contracts = records.contracts if records is not None else ()
            self.contracts.setRowCount(len(contracts))
            for row, contract in enumerate(contracts):
                _put_row(self.contracts, row, _contract_cells(contract), contract)
            self.contracts.resizeColumnsToContents()
            self.sites.resizeColumnsToContents()
        finally:
            self._loading = False
        self._dirty = False
        self.editor.stop()
        self.impact.idle()
        self._update_buttons()
        self.recordsShown.emit()

    # ------------------------------------------------------------------ editing

    def new_customer(self) -> None:
        if self._dirty and not self._confirm("Discard your changes to the customer?", ""):
            return
        self.list.clearSelection()
        self._show(None)
        self.tabs.setCurrentIndex(0)
        self.name_edit.setFocus()

    def add_site(self) -> None:
        me = self._me
        zone = me.timezone if me is not None else "UTC"
        calendars = self._site_cells.choices.get(2) or [ALWAYS_OPEN]
        row = self.sites.rowCount()
        self.sites.insertRow(row)
        _put_row(self.sites, row, ["", zone, calendars[0], ""], None)
        self.tabs.setCurrentWidget(child(self, QWidget, "sitesTab"))
        self.sites.setCurrentCell(row, 0)
        self.sites.editItem(self.sites.item(row, 0))  # type: ignore[arg-type]
        self.touched()

    def add_contact(self) -> None:
        row = self.contacts.rowCount()
        self.contacts.insertRow(row)
        _put_row(self.contacts, row, ["", "", ""], None)
        self.tabs.setCurrentWidget(child(self, QWidget, "contactsTab"))
        self.contacts.setCurrentCell(row, 0)
        self.contacts.editItem(self.contacts.item(row, 0))  # type: ignore[arg-type]
        self.touched()

    def add_contract(self) -> None:
        today = self._service.now().date()
        tier = Tier(self.tier_combo.currentData())
        policies = self._contract_cells.choices.get(0) or []
        policy = next(
            (p for p in policies if p.lower() == tier.value), policies[0] if policies else ""
        )
        contract = Contract(0, policy, tier, today, date(today.year + 1, today.month, 1))
        row = self.contracts.rowCount()
        self.contracts.insertRow(row)
        _put_row(self.contracts, row, _contract_cells(contract), None)
        self.tabs.setCurrentWidget(child(self, QWidget, "contractsTab"))
        self.contracts.setCurrentCell(row, 0)
        self.touched()

    def touched(self, *_args: object) -> None:
        if self._loading:
            return
        self._dirty = True
        self.errors.clear()
        self.conflict_label.hide()
        self._update_buttons()
        if self.read_only_reason is None:
            self.editor.edited()

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(
            self._dirty
            and self.editor.previewed_command is not None
            and not self.editor.saving
            and self.read_only_reason is None
        )

    def build(self) -> SaveCustomer:
        """The customer as shown, as one command (raises ValidationError naming the field)."""
        records = self.records
        old = records.customer if records is not None else None
        customer_id = old.id if old is not None else None
        customer = Customer(
            name=self.name_edit.text().strip(),
            tier=Tier(self.tier_combo.currentData()),
            notes=self.notes_edit.toPlainText().strip(),
            id=customer_id,
            version=old.version if old is not None else 1,
        )
        owner = customer_id or 0
        sites = []
        for row in range(self.sites.rowCount()):
            first = self.sites.item(row, 0)
            was = first.data(RECORD_ROLE) if first is not None else None
            sites.append(
                Site(
                    owner,
                    _cell(self.sites, row, 0),
                    _cell(self.sites, row, 1),
                    _cell(self.sites, row, 2),
                    id=was.id if was is not None else None,
                    address=_cell(self.sites, row, 3),
                    version=was.version if was is not None else 1,
                )
            )
        contacts = []
        for row in range(self.contacts.rowCount()):
            item = self.contacts.item(row, 0)
            was = item.data(RECORD_ROLE) if item is not None else None
            contacts.append(
                Contact(
                    owner,
                    _cell(self.contacts, row, 0),
                    _cell(self.contacts, row, 1),
                    _cell(self.contacts, row, 2),
                    id=was.id if was is not None else None,
                    version=was.version if was is not None else 1,
                )
            )
        contracts = [self._contract(row, owner) for row in range(self.contracts.rowCount())]
        me = self._me
        return SaveCustomer(
            actor_id=me.id if me else None,
            at=self._service.now(),
            customer=customer,
            sites=tuple(sites),
            contacts=tuple(contacts),
            contracts=tuple(contracts),
        )

    def _contract(self, row: int, owner: int) -> Contract:
        item = self.contracts.item(row, 0)
        was = item.data(RECORD_ROLE) if item is not None else None
        values = {name: _cell(self.contracts, row, i) for i, name in enumerate(CONTRACT_COLUMNS)}
        dates: dict[str, date] = {}
        for name in ("starts_on", "ends_on"):
            try:
                dates[name] = date.fromisoformat(values[name])
            except ValueError:
                raise ValidationError(
                    f"Contract {row + 1}: {values[name]!r} is not a date; pick one (YYYY-MM-DD).",
                    f"contracts.{row}.{name}",
                ) from None
        numbers = {
            name: _number(values[name], f"contracts.{row}.{name}", _NUMBER_WORDS[name], row)
            for name in _NUMBERS
        }
        try:
            tier = Tier(values["tier"])
        except ValueError:
            raise ValidationError(
                f"Contract {row + 1}: pick a tier.", f"contracts.{row}.tier"
            ) from None
        return Contract(
            owner,
            values["policy"],
            tier,
            dates["starts_on"],
            dates["ends_on"],
            currency=values["currency"].upper() or "EUR",
            id=was.id if was is not None else None,
            version=was.version if was is not None else 1,
            **numbers,
        )

    # ------------------------------------------------------------------ answers

    @Slot(object)
    def _previewed(self, _result: SetupResult) -> None:
        self._update_buttons()
        self.previewShown.emit()

    @Slot()
    def save(self) -> None:
        self.errors.clear()
        self.editor.save()

    @Slot(object)
    def _saved(self, result: SetupResult) -> None:
        self._dirty = False
        self.savedRecord.emit(result)
        if shiboken6.isValid(self):
            customer = result.record
            keep = customer.id if isinstance(customer, Customer) else None
            self.records = None
            self.reload(keep)

    @Slot(object)
    def _problem(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._update_buttons()
        message = str(exc)
        widget = (
            None
            if isinstance(exc, SetupConflictError)
            else self._widget_for(getattr(exc, "field", None))
        )
        if widget is None:
            self.conflict_label.setText(message)
            self.conflict_label.show()
        else:
            self.errors.show(widget, message)
        self.problemShown.emit(message)

    def _widget_for(self, field: str | None) -> QWidget | None:
        if not field:
            return None
        simple = {"name": self.name_edit, "tier": self.tier_combo, "notes": self.notes_edit}
        if field in simple:
            self.tabs.setCurrentIndex(0)
            return simple[field]
        kind, _, rest = field.partition(".")
        row_text, _, column_name = rest.partition(".")
        tables = {
            "sites": (self.sites, SITE_COLUMNS, "sitesTab"),
            "contacts": (self.contacts, CONTACT_COLUMNS, "contactsTab"),
            "contracts": (self.contracts, CONTRACT_COLUMNS, "contractsTab"),
        }
        if kind not in tables or not row_text.isdigit():
            return None
        table, columns, tab = tables[kind]
        self.tabs.setCurrentWidget(child(self, QWidget, tab))
        column = columns.index(column_name) if column_name in columns else 0
        table.setCurrentCell(int(row_text), column)
        return table

    def reject(self) -> None:
        if self._dirty and not self._confirm("Discard your changes to the customer?", ""):
            return
        self._dirty = False
        self.editor.stop()
        super().reject()

    def done(self, result: int) -> None:
        self.editor.stop()
        super().done(result)


def _contract_cells(contract: Contract) -> list[str]:
    return [
        contract.policy,
        Tier(contract.tier).value,
        contract.starts_on.isoformat(),
        contract.ends_on.isoformat(),
        f"{contract.support_hours:g}",
        f"{contract.hours_used:g}",
        f"{contract.monthly_fee:g}",
        contract.currency,
        f"{contract.credit_percent_per_breach:g}",
        f"{contract.credit_cap_percent:g}",
        f"{contract.availability_target:g}",
        f"{contract.attainment_target:g}",
    ]
