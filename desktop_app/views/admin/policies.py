"""Setup → SLA policies…: the targets per priority and clock as an editable grid, category
overrides (e.g. outage: round the clock and tighter), warning thresholds and what a breach
does (escalation levels, handing the ticket to a senior).

Each policy shows in the form ``ui/policy_dialog.ui``; before it is saved, the panel below
says how many open tickets change deadline, which become at risk or breached and the five
biggest moves (the store rehearses the change on the database thread and rolls it back).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop_app.domain import (
    EscalationLevel,
    Metric,
    Priority,
    SlaPolicy,
    Tier,
    ValidationError,
    WarningRule,
)
from desktop_app.domain.setup_commands import DeletePolicy, SavePolicy
from desktop_app.services.setup_queries import DeskSetup
from desktop_app.sla.clocks import format_duration
from desktop_app.sla.hours import parse_duration
from desktop_app.sla.policy import ALWAYS_OPEN, recommended_policies
from desktop_app.views.admin.base import RecordEditorDialog, button, table_cell_error
from desktop_app.views.forms import child, fit_rows

__all__ = ["PolicyDialog", "policy_order"]

PRIORITIES = (Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW)
METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_UPDATE, Metric.RESOLUTION)
_TIER_ORDER = {t: i for i, t in enumerate(Tier)}


def policy_order(policy: SlaPolicy) -> tuple[int, int, str]:
    """Tier defaults from Platinum down, then the fallback, then category overrides."""
    if policy.category:
        return (2, _TIER_ORDER.get(policy.tier, 9) if policy.tier else 9, policy.name.lower())
    if policy.tier is not None:
        return (0, _TIER_ORDER[policy.tier], policy.name)
    return (1, 0, policy.name.lower())


def describe(policy: SlaPolicy) -> str:
    if policy.category:
        whom = f"{policy.tier.value.capitalize()} customers" if policy.tier else "every tier"
        return f"{policy.name} — '{policy.category}' for {whom}"
    if policy.tier is not None:
        return f"{policy.name} — {policy.tier.value.capitalize()} default"
    return f"{policy.name} — fallback"


class PolicyDialog(RecordEditorDialog):
    FORM = "policy_dialog.ui"
    LIST = "policyList"
    KIND = "policy"
    WHAT = "the SLA policy"

    def __init__(self, session: Any, parent: QWidget | None = None, **kwargs: Any) -> None:
        self._technicians: list[Any] = []
        super().__init__(session, parent, **kwargs)
        self.setObjectName("policyDialog")
        self.name_edit = child(self, QLineEdit, "nameEdit")
        self.tier_combo = child(self, QComboBox, "tierCombo")
        self.category_edit = child(self, QLineEdit, "categoryEdit")
        self.calendar_combo = child(self, QComboBox, "calendarCombo")
        self.grid = child(self, QTableWidget, "targetGrid")
        self.percents_edit = child(self, QLineEdit, "percentsEdit")
        self.lead_edit = child(self, QLineEdit, "leadEdit")
        self.levels = child(self, QTableWidget, "escalationTable")
        fit_rows(self.grid)
        self.tier_combo.addItem("No tier (the fallback, or an override for every tier)", None)
        for tier in Tier:
            self.tier_combo.addItem(tier.value.capitalize(), tier.value)
        button(self, "newButton").clicked.connect(self.new_record)
        button(self, "removeButton").clicked.connect(self.remove)
        button(self, "addLevelButton").clicked.connect(self._add_level)
        button(self, "removeLevelButton").clicked.connect(self._remove_level)
        self.name_edit.textEdited.connect(self.touched)
        self.category_edit.textEdited.connect(self.touched)
        self.percents_edit.textEdited.connect(self.touched)
        self.lead_edit.textEdited.connect(self.touched)
        self.tier_combo.currentIndexChanged.connect(self.touched)
        self.calendar_combo.currentIndexChanged.connect(self.touched)
        self.grid.itemChanged.connect(self.touched)
        for widget in (
            self.name_edit,
            self.tier_combo,
            self.category_edit,
            self.calendar_combo,
            self.grid,
            self.percents_edit,
            self.lead_edit,
            self.levels,
        ):
            widget.setEnabled(self.read_only_reason is None)

    # ------------------------------------------------------------------ hooks

    def records(self, setup: DeskSetup) -> list[Any]:
        return sorted(setup.policies, key=policy_order)

    def label_of(self, record: Any) -> str:
        return describe(record)

    def on_setup(self, setup: DeskSetup) -> None:
        self._technicians = [t for t in setup.technicians if t.active]
        combo = self.calendar_combo
        blocker = combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItem("The site's own calendar", None)
            combo.addItem("Round the clock (24x7)", ALWAYS_OPEN)
            for calendar in setup.calendars:
                combo.addItem(f"{calendar.name} (whatever the site's)", calendar.name)
        finally:
            combo.blockSignals(blocker)

    def show_record(self, record: Any) -> None:
        policy: SlaPolicy
        if record is None:
            base = self.current_template()
            policy = SlaPolicy(
                name="New policy",
                targets=dict(base.targets),
                warnings=base.warnings,
                escalation=base.escalation,
            )
        else:
            policy = record
        self.name_edit.setText(policy.name)
        self.tier_combo.setCurrentIndex(
            max(self.tier_combo.findData(policy.tier.value if policy.tier else None), 0)
        )
        self.category_edit.setText(policy.category or "")
        self.calendar_combo.setCurrentIndex(max(self.calendar_combo.findData(policy.calendar), 0))
        for row, priority in enumerate(PRIORITIES):
            for column, metric in enumerate(METRICS):
                target = policy.targets.get((priority, metric))
                item = QTableWidgetItem(format_duration(target) if target is not None else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.grid.setItem(row, column, item)
        self.percents_edit.setText(", ".join(str(p) for p in policy.warnings.percents))
        lead = policy.warnings.lead
        self.lead_edit.setText(format_duration(lead) if lead is not None else "")
        self.levels.setRowCount(0)
        for level in policy.escalation:
            self._add_level(level)

    def current_template(self) -> SlaPolicy:
        """What a new policy starts from: the one shown, else the recommended fallback."""
        if isinstance(self.current, SlaPolicy):
            return self.current
        return next(p for p in recommended_policies() if p.tier is None and not p.category)

    def build(self) -> SavePolicy:
        targets: dict[tuple[Priority, Metric], timedelta] = {}
        for row, priority in enumerate(PRIORITIES):
            for column, metric in enumerate(METRICS):
                item = self.grid.item(row, column)
                text = item.text() if item is not None else ""
                try:
                    targets[(priority, metric)] = parse_duration(text)
                except ValidationError as exc:
                    raise ValidationError(
                        f"{priority.label}, {metric.label}: {exc}",
                        f"targets.{priority.value}.{metric.value}",
                    ) from None
        percents_text = self.percents_edit.text().strip()
        try:
            percents = tuple(int(p) for p in re.split(r"[,\s%]+", percents_text) if p.strip())
        except ValueError:
            raise ValidationError(
                f"{percents_text!r}: give whole percents separated by commas, e.g. 50, 75, 90.",
                "warnings.percents",
            ) from None
        lead_text = self.lead_edit.text().strip()
        try:
            lead = parse_duration(lead_text) if lead_text else None
        except ValidationError as exc:
            raise ValidationError(str(exc), "warnings.lead") from None
        levels = []
        for row in range(self.levels.rowCount()):
            notify = self.levels.cellWidget(row, 1)
            hand = self.levels.cellWidget(row, 2)
            update = self.levels.cellWidget(row, 3)
            assert isinstance(notify, QCheckBox) and isinstance(update, QCheckBox)
            assert isinstance(hand, QComboBox)
            levels.append(
                EscalationLevel(
                    row + 1,
                    notify_dispatchers=notify.isChecked(),
                    reassign_to_id=hand.currentData(),
                    customer_update_due=update.isChecked(),
                )
            )
        tier = self.tier_combo.currentData()
        current = self.current if isinstance(self.current, SlaPolicy) else None
        policy = SlaPolicy(
            name=self.name_edit.text().strip(),
            targets=targets,
            calendar=self.calendar_combo.currentData(),
            tier=Tier(tier) if tier else None,
            category=self.category_edit.text().strip().lower() or None,
            warnings=WarningRule(percents, lead),
            escalation=tuple(levels),
            id=current.id if current is not None else None,
            version=current.version if current is not None else 1,
        )
        me = self._me
        return SavePolicy(actor_id=me.id if me else None, at=self._service.now(), policy=policy)

    def widget_for(self, field: str) -> QWidget | None:
        parts = field.split(".")
        priorities = {p.value: p for p in Priority}
        metrics = {m.value: m for m in Metric}
        if len(parts) >= 2 and parts[-2] in priorities and parts[-1] in metrics:
            row = PRIORITIES.index(priorities[parts[-2]])
            column = METRICS.index(metrics[parts[-1]])
            table_cell_error(self.grid, row, column)
            return self.grid
        return {
            "name": self.name_edit,
            "tier": self.tier_combo,
            "category": self.category_edit,
            "calendar": self.calendar_combo,
            "warnings": self.percents_edit,
            "warnings.percents": self.percents_edit,
            "warnings.lead": self.lead_edit,
            "escalation": self.levels,
            "policy": self.name_edit,
        }.get(field)

    # ------------------------------------------------------------------ escalation

    def _add_level(self, level: EscalationLevel | None = None) -> None:
        if not isinstance(level, EscalationLevel):
            level = EscalationLevel(self.levels.rowCount() + 1)
        row = self.levels.rowCount()
        self.levels.insertRow(row)
        number = QTableWidgetItem(str(row + 1))
        number.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.levels.setItem(row, 0, number)
        notify = QCheckBox("tell them", self.levels)
        notify.setChecked(level.notify_dispatchers)
        notify.toggled.connect(self.touched)
        self.levels.setCellWidget(row, 1, notify)
        hand = QComboBox(self.levels)
        hand.addItem("Nobody (it stays where it is)", None)
        seniors = sorted(self._technicians, key=lambda t: (-t.escalation_level, t.name))
        for person in seniors:
            hand.addItem(f"{person.name} (level {person.escalation_level})", person.id)
        hand.setCurrentIndex(max(hand.findData(level.reassign_to_id), 0))
        hand.currentIndexChanged.connect(self.touched)
        self.levels.setCellWidget(row, 2, hand)
        update = QCheckBox("due", self.levels)
        update.setChecked(level.customer_update_due)
        update.toggled.connect(self.touched)
        self.levels.setCellWidget(row, 3, update)
        self.levels.resizeColumnsToContents()
        self.touched()

    def _remove_level(self) -> None:
        if self.levels.rowCount():
            self.levels.removeRow(self.levels.rowCount() - 1)
            self.touched()

    # ------------------------------------------------------------------ removing

    def remove(self) -> None:
        """Remove the policy shown (after its impact is shown and confirmed)."""
        policy = self.current if isinstance(self.current, SlaPolicy) else None
        if policy is None or policy.id is None or self.read_only_reason is not None:
            return
        me = self._me
        command = DeletePolicy(
            actor_id=me.id if me else None,
            at=self._service.now(),
            policy_id=policy.id,
            version=policy.version,
        )
        from desktop_app.services import setup_queries

        def rehearsed(result: Any) -> None:
            self.impact.show_impact(result.impact)
            if self._ask(
                "Remove the policy?",
                f"Remove {policy.name}? {result.impact.summary()}",
            ):
                self._service.execute(
                    command, self._removed, self._problem, label=f"Removing {policy.name}"
                )

        self._service.submit(
            setup_queries.rehearse(command),
            rehearsed,
            self._problem,
            label="Previewing a removal",
            reads_only=True,
        )

    def _removed(self, _outcome: Any) -> None:
        self._dirty = False
        self.current = None
        self.reload()
