"""Setup → Business calendars…: weekly hours per weekday (several intervals a day, nights
into the next day), the zone, and holidays: one-off days, and a year's public holidays of a
country and subdivision (CA/ON, DE/BE, AU/NSW …) from the ``holidays`` package, listed
before they are added. A region can also add its holidays every year by itself.

Before a change is saved the panel below shows which open tickets it moves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import OFFICE_HOURS, CalendarSpec, ValidationError
from desktop_app.domain.setup_commands import SaveCalendar
from desktop_app.services import setup_queries
from desktop_app.services.setup_queries import DeskSetup, HolidayCountry, NamedHoliday
from desktop_app.sla.hours import parse_week, week_texts
from desktop_app.views.admin.base import RecordEditorDialog, button, table_cell_error
from desktop_app.views.admin.common import picked_zone, set_zone, zone_picker
from desktop_app.views.forms import child, fit_rows

__all__ = ["CalendarDialog", "HolidayFillDialog"]

DAY_ROLE = Qt.ItemDataRole.UserRole


class HolidayFillDialog(QDialog):
    """A year's public holidays, listed with their names before they are added."""

    def __init__(
        self, holidays: list[NamedHoliday], listed: set[date], where: str, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("holidayFillDialog")
        self.setWindowTitle(f"Public holidays: {where}")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(f"{len(holidays)} public holidays in {where}. Untick any to leave out.", self)
        )
        self.list = QListWidget(self)
        self.list.setObjectName("holidayChoices")
        for holiday in holidays:
            item = QListWidgetItem(f"{holiday.day:%a %d %b %Y} — {holiday.name}", self.list)
            item.setData(DAY_ROLE, holiday.day)
            if holiday.day in listed:
                item.setText(item.text() + " (listed already)")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setCheckState(Qt.CheckState.Unchecked)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list.itemChanged.connect(self._count)
        self._count()
        self.resize(460, 420)

    def chosen(self) -> list[date]:
        return [
            self.list.item(i).data(DAY_ROLE)
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _count(self, *_args: object) -> None:
        n = len(self.chosen())
        self.ok_button.setText(f"Add {n} holiday{'s' if n != 1 else ''}")
        self.ok_button.setEnabled(n > 0)


class CalendarDialog(RecordEditorDialog):
    FORM = "calendar_dialog.ui"
    LIST = "calendarList"
    KIND = "calendar"
    WHAT = "the calendar"

    holidaysOffered = Signal(object)  # the HolidayFillDialog, once the year's list is read

    def __init__(self, session: Any, parent: QWidget | None = None, **kwargs: Any) -> None:
        super().__init__(session, parent, **kwargs)
        self.setObjectName("calendarDialog")
        self.name_edit = child(self, QLineEdit, "nameEdit")
        self.zone_combo = zone_picker(child(self, QComboBox, "zoneCombo"))
        self.hours = child(self, QTableWidget, "hoursTable")
        self.holiday_list = child(self, QListWidget, "holidayList")
        self.one_off = child(self, QDateEdit, "oneOffDate")
        self.country_combo = child(self, QComboBox, "countryCombo")
        self.subdivision_combo = child(self, QComboBox, "subdivisionCombo")
        self.year_spin = child(self, QSpinBox, "yearSpin")
        self.region_check = child(self, QCheckBox, "regionCheck")
        self._names: dict[date, str] = {}  # public holidays' names, as shown
        self._countries: list[HolidayCountry] = []
        self._region: str | None = None
        today = self._service.now().date()
        self.one_off.setDate(QDate(today.year, today.month, today.day))
        self.one_off.setMinimumDate(QDate(1900, 1, 1))
        self.one_off.setMaximumDate(QDate(2400, 12, 31))
        self.year_spin.setValue(today.year)
        button(self, "newButton").clicked.connect(self.new_record)
        button(self, "addHolidayButton").clicked.connect(self.add_one_off)
        button(self, "removeHolidayButton").clicked.connect(self.remove_selected)
        button(self, "fillButton").clicked.connect(self.offer_year)
        self.name_edit.textEdited.connect(self.touched)
        self.zone_combo.currentTextChanged.connect(self.touched)
        self.hours.itemChanged.connect(self.touched)
        fit_rows(self.hours)
        self.region_check.toggled.connect(self.touched)
        self.country_combo.currentIndexChanged.connect(self._country_changed)
        self.subdivision_combo.currentIndexChanged.connect(self._region_changed)
        for widget in (self.name_edit, self.zone_combo, self.hours, self.holiday_list):
            widget.setEnabled(self.read_only_reason is None)
        self._service.submit(
            setup_queries.countries(),
            self._countries_read,
            self._problem,
            label="Reading the countries with public holidays",
            reads_only=True,
        )

    # ------------------------------------------------------------------ hooks

    def records(self, setup: DeskSetup) -> list[Any]:
        return list(setup.calendars)

    def label_of(self, record: Any) -> str:
        zone = f" ({record.zone})" if record.zone else ""
        region = f" · holidays {record.holiday_region}" if record.holiday_region else ""
        return f"{record.name}{zone}{region}"

    def show_record(self, record: Any) -> None:
        me = self._me
        calendar: CalendarSpec = record or CalendarSpec(
            name="New calendar",
            hours=dict(OFFICE_HOURS),
            zone=me.timezone if me is not None else "UTC",
        )
        self.name_edit.setText(calendar.name)
        set_zone(self.zone_combo, calendar.zone or "")
        texts = week_texts(calendar.hours)
        for day in range(7):
            self.hours.setItem(day, 0, QTableWidgetItem(texts.get(day, "")))
        self._names = {}
        self._set_holidays(calendar.holidays)
        self._region = calendar.holiday_region
        self.region_check.setChecked(calendar.holiday_region is not None)
        self._show_region()

    def build(self) -> SaveCalendar:
        texts = {day: cell_text(self.hours.item(day, 0)) for day in range(7)}
        hours = parse_week(texts)
        current = self.current if isinstance(self.current, CalendarSpec) else None
        zone = picked_zone(self.zone_combo)
        region = self._picked_region() if self.region_check.isChecked() else None
        calendar = CalendarSpec(
            name=self.name_edit.text().strip(),
            hours=hours,
            holidays=tuple(self.holidays()),
            holiday_region=region,
            id=current.id if current is not None else None,
            zone=zone or None,
            version=current.version if current is not None else 1,
        )
        me = self._me
        return SaveCalendar(
            actor_id=me.id if me else None, at=self._service.now(), calendar=calendar
        )

    def widget_for(self, field: str) -> QWidget | None:
        if field.startswith("hours"):
            _, _, day = field.partition(".")
            if day.isdigit():
                table_cell_error(self.hours, int(day), 0)
            return self.hours
        return {
            "name": self.name_edit,
            "zone": self.zone_combo,
            "timezone": self.zone_combo,
            "holidays": self.holiday_list,
            "holiday_region": self.region_check,
            "calendar": self.name_edit,
            "country": self.country_combo,
            "subdivision": self.subdivision_combo,
        }.get(field)

    # ------------------------------------------------------------------ holidays

    def holidays(self) -> list[date]:
        return [self.holiday_list.item(i).data(DAY_ROLE) for i in range(self.holiday_list.count())]

    def _set_holidays(self, days: Any) -> None:
        self.holiday_list.clear()
        for day in sorted(set(days)):
            name = self._names.get(day)
            label = f"{day:%a %d %b %Y}" + (f" — {name}" if name else "")
            item = QListWidgetItem(label, self.holiday_list)
            item.setData(DAY_ROLE, day)

    def add_one_off(self) -> None:
        picked = self.one_off.date()
        day = date(picked.year(), picked.month(), picked.day())
        listed = self.holidays()
        if day in listed:
            self._problem(ValidationError(f"{day:%a %d %b %Y} is listed already.", "holidays"))
            return
        self._set_holidays([*listed, day])
        self.touched()

    def remove_selected(self) -> None:
        chosen = {item.data(DAY_ROLE) for item in self.holiday_list.selectedItems()}
        if chosen:
            self._set_holidays([d for d in self.holidays() if d not in chosen])
            self.touched()

    def _countries_read(self, countries: list[HolidayCountry]) -> None:
        if not shiboken6.isValid(self):
            return
        self._countries = countries
        was, self._loading = self._loading, True  # filling the pickers is not an edit
        try:
            self._fill_countries(countries)
        finally:
            self._loading = was

    def _fill_countries(self, countries: list[HolidayCountry]) -> None:
        blocker = self.country_combo.blockSignals(True)
        try:
            self.country_combo.clear()
            for country in countries:
                self.country_combo.addItem(f"{country.name} ({country.code})", country.code)
        finally:
            self.country_combo.blockSignals(blocker)
        self._show_region()

    def _show_region(self) -> None:
        """Put the calendar's region (or the zone's likely country) into the pickers."""
        country, _, subdivision = (self._region or "").partition("-")
        if not country:
            country = country_of_zone(picked_zone(self.zone_combo))
        index = self.country_combo.findData(country)
        blocker = self.country_combo.blockSignals(True)
        self.country_combo.setCurrentIndex(max(index, 0))
        self.country_combo.blockSignals(blocker)
        self._fill_subdivisions()
        if subdivision:
            self.subdivision_combo.setCurrentIndex(
                max(self.subdivision_combo.findData(subdivision), 0)
            )

    def _country_changed(self, _index: int) -> None:
        self._fill_subdivisions()
        self._region_changed()

    def _fill_subdivisions(self) -> None:
        code = self.country_combo.currentData()
        country = next((c for c in self._countries if c.code == code), None)
        blocker = self.subdivision_combo.blockSignals(True)
        try:
            self.subdivision_combo.clear()
            self.subdivision_combo.addItem("(the whole country)", None)
            for sub, name in country.subdivisions if country is not None else ():
                label = f"{name} ({sub})" if name != sub else sub
                self.subdivision_combo.addItem(label, sub)
        finally:
            self.subdivision_combo.blockSignals(blocker)

    def _region_changed(self, *_args: object) -> None:
        if self.region_check.isChecked():
            self.touched()

    def _picked_region(self) -> str | None:
        country = self.country_combo.currentData()
        if not country:
            return None
        sub = self.subdivision_combo.currentData()
        return f"{country}-{sub}" if sub else str(country)

    def offer_year(self) -> None:
        """Read the chosen year's public holidays and list them before adding them."""
        country = self.country_combo.currentData()
        if not country:
            self._problem(ValidationError("Pick a country first.", "country"))
            return
        subdivision = self.subdivision_combo.currentData()
        year = self.year_spin.value()
        where = f"{self.country_combo.currentText()}"
        if subdivision:
            where += f", {self.subdivision_combo.currentText()}"
        where += f", {year}"
        self._service.submit(
            setup_queries.holidays(str(country), subdivision, year),
            lambda found: self._offer(found, where),
            self._problem,
            label="Reading public holidays",
            reads_only=True,
        )

    def _offer(self, holidays: list[NamedHoliday], where: str) -> None:
        if not shiboken6.isValid(self):
            return
        dialog = HolidayFillDialog(holidays, set(self.holidays()), where, self)
        dialog.accepted.connect(lambda: self._add_chosen(dialog, holidays))
        self.holidaysOffered.emit(dialog)
        dialog.open()

    def _add_chosen(self, dialog: HolidayFillDialog, holidays: list[NamedHoliday]) -> None:
        chosen = dialog.chosen()
        self._names.update({h.day: h.name for h in holidays})
        self._set_holidays([*self.holidays(), *chosen])
        dialog.deleteLater()
        self.touched()


def cell_text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""


def country_of_zone(zone: str) -> str:
    """A guess at the country of a zone, to start the holiday picker somewhere useful."""
    return {
        "America/Toronto": "CA",
        "America/Vancouver": "CA",
        "America/Montreal": "CA",
        "America/New_York": "US",
        "America/Chicago": "US",
        "America/Denver": "US",
        "America/Los_Angeles": "US",
        "Europe/Berlin": "DE",
        "Europe/London": "GB",
        "Europe/Paris": "FR",
        "Europe/Oslo": "NO",
        "Europe/Lisbon": "PT",
        "Australia/Sydney": "AU",
        "Australia/Melbourne": "AU",
    }.get(zone, "")
