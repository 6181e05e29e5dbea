"""The first start of an empty desk: load the demo, import files, or set it up.

Setting up asks for the person (the desk's first manager) and their zone, the first
business calendar (weekly hours, and the public holidays of a country and region, filled
in for every year), and a policy per tier with its targets in an editable grid (the
recommended set, plus an outage override that runs round the clock). It is one
``SetUpDesk`` command: all of it is saved, or nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_app.domain import (
    OFFICE_HOURS,
    CalendarSpec,
    Metric,
    Priority,
    Role,
    SlaPolicy,
    Technician,
    ValidationError,
)
from desktop_app.domain.changes import Outcome
from desktop_app.domain.setup_commands import SetUpDesk
from desktop_app.services import setup_queries
from desktop_app.services.setup_queries import HolidayCountry, NamedHoliday
from desktop_app.sla.clocks import format_duration
from desktop_app.sla.hours import parse_duration, parse_week, week_texts
from desktop_app.sla.policy import recommended_calendars, recommended_policies
from desktop_app.views.admin.calendars import cell_text, country_of_zone
from desktop_app.views.admin.common import picked_zone, set_zone, zone_picker
from desktop_app.views.forms import FieldErrors, child, fit_rows, load_form

__all__ = ["FirstStartDialog"]

PRIORITIES = (Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW)
METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)


def _local_zone() -> str:
    """This computer's zone name, when it has one the desk knows."""
    try:
        from datetime import datetime

        found = getattr(datetime.now().astimezone().tzinfo, "key", None)
        if isinstance(found, str):
            return found
        import os

        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


class FirstStartDialog(QDialog):
    """See the module docstring. ``session``: the desk session; ``pick_files`` is injected
    in tests (default: the file dialog)."""

    setUp = Signal(object)  # the Outcome of the set-up
    imported = Signal(list)  # a line per imported file
    countriesShown = Signal()
    problemShown = Signal(str)

    def __init__(
        self,
        session: Any,
        parent: QWidget | None = None,
        *,
        pick_files: Any = None,
    ) -> None:
        super().__init__(parent)
        load_form(self, "first_start_dialog.ui")
        self.setObjectName("firstStartDialog")
        self._session = session
        self._service = session.service
        self._pick_files = pick_files or self._file_dialog
        self._countries: list[HolidayCountry] = []
        self._holidays: list[NamedHoliday] = []
        self.errors = FieldErrors(self)
        self.pages = child(self, QStackedWidget, "pages")
        self.name_edit = child(self, QLineEdit, "youNameEdit")
        self.zone_combo = zone_picker(child(self, QComboBox, "zoneCombo"))
        self.calendar_name = child(self, QLineEdit, "calendarNameEdit")
        self.hours = child(self, QTableWidget, "hoursTable")
        self.country_combo = child(self, QComboBox, "countryCombo")
        self.subdivision_combo = child(self, QComboBox, "subdivisionCombo")
        self.holiday_list = child(self, QLabel, "holidayList")
        self.grid = child(self, QTableWidget, "policyGrid")
        self.setup_error = child(self, QLabel, "setupError")
        self.setup_error.setObjectName("inlineError")
        self.setup_error.hide()
        self.import_report = child(self, QLabel, "importReport")
        self.finish_button = child(self, QPushButton, "finishButton")
        child(self, QPushButton, "setupButton").clicked.connect(self.show_setup)
        child(self, QPushButton, "importButton").clicked.connect(self.import_files)
        child(self, QPushButton, "demoButton").clicked.connect(self.load_demo)
        child(self, QPushButton, "backButton").clicked.connect(
            lambda: self.pages.setCurrentIndex(0)
        )
        self.finish_button.clicked.connect(self.set_up)
        for edit in (self.name_edit, self.calendar_name):
            edit.textEdited.connect(lambda _text: self.errors.clear())  # corrected: no reason left
        self.hours.itemChanged.connect(lambda _item: self.errors.clear())
        self.country_combo.currentIndexChanged.connect(self._country_changed)
        self.subdivision_combo.currentIndexChanged.connect(self._read_holidays)

        zone = _local_zone()
        set_zone(self.zone_combo, "UTC" if zone in ("Etc/UTC", "UCT", "Zulu") else zone)
        fit_rows(self.hours)
        self.calendar_name.setText(recommended_calendars()[0].name)
        for day, text in week_texts(OFFICE_HOURS).items():
            self.hours.setItem(day, 0, QTableWidgetItem(text))
        self._policies = [p for p in recommended_policies() if not p.category]
        self._overrides = [p for p in recommended_policies() if p.category]
        rows = [(policy, priority) for policy in self._policies for priority in PRIORITIES]
        self.grid.setRowCount(len(rows))
        for row, (policy, priority) in enumerate(rows):
            header = f"{policy.name} · {priority.label}"
            self.grid.setVerticalHeaderItem(row, QTableWidgetItem(header))
            for column, metric in enumerate(METRICS):
                item = QTableWidgetItem(format_duration(policy.targets[(priority, metric)]))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.grid.setItem(row, column, item)
        self._rows = rows
        self._service.submit(
            setup_queries.countries(),
            self._countries_read,
            lambda exc: self._show_error(str(exc)),
            label="Reading the countries with public holidays",
            reads_only=True,
        )

    # ------------------------------------------------------------------ choices

    def show_setup(self) -> None:
        self.pages.setCurrentIndex(1)
        self.name_edit.setFocus()

    @Slot()
    def load_demo(self) -> None:
        self._session.load_demo()
        self.accept()

    @staticmethod
    def _file_dialog(parent: QWidget) -> list[str]:
        files, _filter = QFileDialog.getOpenFileNames(
            parent, "Import files", "", "Desk files (*.csv *.json)"
        )
        return list(files)

    @Slot()
    def import_files(self) -> None:
        paths = self._pick_files(self)
        if not paths:
            return
        self.import_report.setText("Importing…")
        self._service.submit(
            setup_queries.import_files(list(paths)),
            self._imported,
            lambda exc: self._import_failed(str(exc)),
            label="Importing files",
        )

    def _imported(self, lines: list[str]) -> None:
        if not shiboken6.isValid(self):
            return
        self.import_report.setText("\n".join(lines))
        self.imported.emit(lines)
        self._session.read_people()
        failed = any("nothing imported" in line for line in lines)
        if failed:
            self.import_report.setText(
                "\n".join(lines)
                + "\n\nSites and tickets need the calendars and SLA policies they name: set "
                "the desk up first (with calendars of those names), then import again."
            )

    def _import_failed(self, message: str) -> None:
        if shiboken6.isValid(self):
            self.import_report.setText(f"Nothing imported: {message}")

    # ------------------------------------------------------------------ holidays

    def _countries_read(self, countries: list[HolidayCountry]) -> None:
        if not shiboken6.isValid(self):
            return
        self._countries = countries
        blocker = self.country_combo.blockSignals(True)
        try:
            self.country_combo.addItem("(no public holidays)", None)
            for country in countries:
                self.country_combo.addItem(f"{country.name} ({country.code})", country.code)
            guess = country_of_zone(picked_zone(self.zone_combo))
            self.country_combo.setCurrentIndex(max(self.country_combo.findData(guess), 0))
        finally:
            self.country_combo.blockSignals(blocker)
        self._country_changed()
        self.countriesShown.emit()

    def choose_region(self, country: str, subdivision: str | None = None) -> None:
        self.country_combo.setCurrentIndex(max(self.country_combo.findData(country), 0))
        if subdivision:
            self.subdivision_combo.setCurrentIndex(
                max(self.subdivision_combo.findData(subdivision), 0)
            )

    def _country_changed(self, *_args: object) -> None:
        code = self.country_combo.currentData()
        country = next((c for c in self._countries if c.code == code), None)
        blocker = self.subdivision_combo.blockSignals(True)
        try:
            self.subdivision_combo.clear()
            self.subdivision_combo.addItem("(the whole country)", None)
            for sub, name in country.subdivisions if country is not None else ():
                self.subdivision_combo.addItem(f"{name} ({sub})" if name != sub else sub, sub)
        finally:
            self.subdivision_combo.blockSignals(blocker)
        self._read_holidays()

    def region(self) -> str | None:
        code = self.country_combo.currentData()
        if not code:
            return None
        sub = self.subdivision_combo.currentData()
        return f"{code}-{sub}" if sub else str(code)

    def _read_holidays(self, *_args: object) -> None:
        code = self.country_combo.currentData()
        if not code:
            self.holiday_list.setText("No public holidays: add one-off days later if needed.")
            return
        year = self._service.now().year
        self._service.submit(
            setup_queries.holidays(str(code), self.subdivision_combo.currentData(), year),
            lambda found: self._show_holidays(found, year),
            lambda exc: self.holiday_list.setText(str(exc)),
            label="Reading public holidays",
            reads_only=True,
        )

    def _show_holidays(self, holidays: list[NamedHoliday], year: int) -> None:
        if not shiboken6.isValid(self):
            return
        self._holidays = holidays
        names = ", ".join(f"{h.day:%d %b} {h.name}" for h in holidays[:6])
        more = f" and {len(holidays) - 6} more" if len(holidays) > 6 else ""
        self.holiday_list.setText(f"{year}: {names}{more}. Every year's are added by themselves.")

    # ------------------------------------------------------------------ setting up

    def command(self) -> SetUpDesk:
        name = self.name_edit.text().strip()
        if not name:
            raise ValidationError("Give your name: you are the desk's first manager.", "you.name")
        if not self.calendar_name.text().strip():
            raise ValidationError(
                "Give the calendar a name, e.g. 'Office hours' or 'Toronto office'.",
                "calendar.name",
            )
        zone = picked_zone(self.zone_combo)
        texts = {d: cell_text(self.hours.item(d, 0)) for d in range(7)}
        try:
            hours = parse_week(texts)
        except ValidationError as exc:
            raise ValidationError(str(exc), "hours") from None
        calendar = CalendarSpec(
            self.calendar_name.text().strip(),
            hours,
            holiday_region=self.region(),
            zone=zone,
        )
        targets: dict[str, dict[tuple[Priority, Metric], timedelta]] = {
            p.name: dict(p.targets) for p in self._policies
        }
        for row, (policy, priority) in enumerate(self._rows):
            for column, metric in enumerate(METRICS):
                item = self.grid.item(row, column)
                try:
                    targets[policy.name][(priority, metric)] = parse_duration(
                        item.text() if item is not None else ""
                    )
                except ValidationError as exc:
                    self.grid.setCurrentCell(row, column)
                    raise ValidationError(
                        f"{policy.name}, {priority.label}, {metric.label}: {exc}", "policies"
                    ) from None
        policies: list[SlaPolicy] = [replace(p, targets=targets[p.name]) for p in self._policies]
        policies.extend(self._overrides)
        manager = Technician(name, Role.MANAGER, 3, zone, shift_days=(0, 1, 2, 3, 4))
        return SetUpDesk(
            actor_id=None,
            at=self._service.now(),
            calendar=calendar,
            policies=tuple(policies),
            manager=manager,
        )

    @Slot()
    def set_up(self) -> None:
        self.errors.clear()
        self.setup_error.hide()
        try:
            command = self.command()
        except ValidationError as exc:
            self._show_problem(exc)
            return
        self.finish_button.setEnabled(False)
        self.finish_button.setText("Setting up…")
        self._service.execute(command, self._set_up, self._failed, label="Setting up the desk")

    def _set_up(self, outcome: Outcome) -> None:
        self.setUp.emit(outcome)
        result = outcome.result
        manager = getattr(result, "record", None)
        if isinstance(manager, Technician) and manager.id is not None:
            self._session.sign_in_when_listed(manager.id)
        if shiboken6.isValid(self):
            self.accept()

    def _failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self.finish_button.setEnabled(True)
        self.finish_button.setText("Set up the &desk")
        self._show_problem(exc)

    def _show_problem(self, exc: BaseException) -> None:
        field = getattr(exc, "field", None) or ""
        widget = {
            "you.name": self.name_edit,
            "calendar.name": self.calendar_name,
            "name": self.calendar_name,
            "timezone": self.zone_combo,
            "zone": self.zone_combo,
            "hours": self.hours,
            "policies": self.grid,
            "holiday_region": self.country_combo,
        }.get("hours" if field.startswith("hours") else field)
        if widget is not None:
            self.errors.show(widget, str(exc))
        else:
            self._show_error(str(exc))
        self.problemShown.emit(str(exc))

    def _show_error(self, message: str) -> None:
        if shiboken6.isValid(self):
            self.setup_error.setText(message)
            self.setup_error.show()
