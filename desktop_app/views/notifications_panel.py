"""The in-app notification list: every warning, breach, escalation and arrival the person
signed in here was told about, kept.

A status-bar button shows the unread count and opens a dock with the list, newest first.
Two choosers narrow it: *All* / *Unread* / *Mine* (about tickets assigned to me) and the
kind (warnings, breaches, escalations…). Clicking an entry opens its ticket (the session
selects it in the queue) and marks it read; "Mark all read" does so for every entry shown
(the whole list, or what the choosers leave). The list is what the desk persisted in the
store's notifications table, so nothing is lost when the desktop has no notification service
or the pop-ups were muted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import Notification
from desktop_app.domain.zones import machine_zone
from desktop_app.models.plain_text import plain_tooltip

# The "show" chooser: key -> label.
SHOW_CHOICES = {"all": "All", "unread": "Unread", "mine": "Mine"}

NOTIFICATION_ROLE = Qt.ItemDataRole.UserRole + 1
TICKET_ID_ROLE = Qt.ItemDataRole.UserRole + 2
UNREAD_ROLE = Qt.ItemDataRole.UserRole + 3
MAX_ROWS = 500
DOCK_WIDTH = 360  # older entries stay in the store; the list shows the newest

_Index = QModelIndex | QPersistentModelIndex

KIND_LABELS = {
    "warning": "Warning",
    "breach": "Breach",
    "escalation": "Escalation",
    "customer_update": "Customer update",
    "arrival": "New ticket",
    "summary": "Summary",
}
_KIND_COLOURS = {
    "warning": QColor("#9a6700"),
    "breach": QColor("#b42318"),
    "escalation": QColor("#b42318"),
    "customer_update": QColor("#1a5fb4"),
    "arrival": QColor("#2e7d32"),
}


class NotificationModel(QAbstractListModel):
    """Notifications newest first. Unread rows are bold; ``unreadChanged(count)`` follows
    every change of the unread count."""

    unreadChanged = Signal(int)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        icons: dict[str, QIcon] | None = None,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._items: list[Notification] = []
        self._icons = icons or {}
        self._zone: tzinfo = zone if zone is not None else machine_zone()

    # ------------------------------------------------------------------ Qt model

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = item.created_at.astimezone(self._zone).strftime("%a %H:%M")
            kind = KIND_LABELS.get(item.kind, item.kind.capitalize())
            mark = "" if item.read else "● "  # unread, also without colour
            return f"{mark}{item.title}\n{kind} · {when} — {item.body}"
        if role == Qt.ItemDataRole.ToolTipRole:
            stamp = item.created_at.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")
            hint = "Click to open the ticket" if item.ticket_id is not None else ""
            return plain_tooltip("\n".join(p for p in (item.title, item.body, stamp, hint) if p))
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = _KIND_COLOURS.get(item.kind)
            return QBrush(colour) if colour is not None and not item.read else None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons.get(item.kind)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = "read" if item.read else "unread"
            return f"{state} {KIND_LABELS.get(item.kind, item.kind)}: {item.title}. {item.body}"
        if role == NOTIFICATION_ROLE:
            return item
        if role == TICKET_ID_ROLE:
            return item.ticket_id
        if role == UNREAD_ROLE:
            return not item.read
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # ------------------------------------------------------------------ content

    def set_zone(self, zone: tzinfo) -> None:
        """Show times in another zone (someone else signed in at this desk)."""
        self._zone = zone
        if self._items:
            self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))

    def notification_at(self, row: int) -> Notification:
        return self._items[row]

    def items(self) -> tuple[Notification, ...]:
        return tuple(self._items)

    def unread_count(self) -> int:
        return sum(not n.read for n in self._items)

    def unread_ids(self) -> list[int]:
        return [n.id for n in self._items if not n.read and n.id is not None]

    def load(self, notifications: Iterable[Notification]) -> None:
        """Show a persisted list (newest first), replacing what is shown."""
        items = sorted(notifications, key=lambda n: (n.created_at, n.id or 0), reverse=True)
        self.beginResetModel()  # a different list, once at start-up
        self._items = items[:MAX_ROWS]
        self.endResetModel()
        self.unreadChanged.emit(self.unread_count())

    def add(self, notification: Notification) -> None:
        """A new notification goes on top."""
        if not isinstance(notification, Notification):
            raise TypeError(f"expected a Notification, got {type(notification).__name__}")
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._items.insert(0, notification)
        self.endInsertRows()
        if len(self._items) > MAX_ROWS:
            last = len(self._items) - 1
            self.beginRemoveRows(QModelIndex(), last, last)
            self._items.pop()
            self.endRemoveRows()
        self.unreadChanged.emit(self.unread_count())

    def mark_read(self, rows: Sequence[int]) -> list[int]:
        """Mark these rows read; returns the stored ids that were unread."""
        changed: list[int] = []
        ids: list[int] = []
        for row in rows:
            if not 0 <= row < len(self._items):
                raise IndexError(f"no notification at row {row}; the list has {len(self._items)}")
            item = self._items[row]
            if item.read:
                continue
            self._items[row] = replace(item, read=True)
            changed.append(row)
            if item.id is not None:
                ids.append(item.id)
        if changed:
            first, last = min(changed), max(changed)
            self.dataChanged.emit(self.index(first), self.index(last))
            self.unreadChanged.emit(self.unread_count())
        return ids

    def mark_all_read(self) -> list[int]:
        return self.mark_read([r for r, n in enumerate(self._items) if not n.read])


class NotificationFilter(QSortFilterProxyModel):
    """The entries the choosers leave: all / unread / mine, and one kind or every kind.
    (A list of at most :data:`MAX_ROWS` entries: filtering it is cheap.)"""

    def __init__(
        self,
        source: NotificationModel,
        is_mine: Callable[[Notification], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self._source = source
        self._is_mine = is_mine or (lambda _n: False)
        self._show = "all"
        self._kind: str | None = None

    @property
    def show(self) -> str:
        return self._show

    @property
    def kind(self) -> str | None:
        return self._kind

    @property
    def narrowed(self) -> bool:
        return self._show != "all" or self._kind is not None

    def set_choice(self, show: str, kind: str | None) -> None:
        if show not in SHOW_CHOICES:
            raise ValueError(f"show one of {', '.join(SHOW_CHOICES)}, not {show!r}")
        if (show, kind) == (self._show, self._kind):
            return
        self.beginFilterChange()
        self._show, self._kind = show, kind
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def refresh_mine(self) -> None:
        """Tickets changed hands (or someone else signed in): "Mine" again."""
        if self._show == "mine":
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        item = self._source.notification_at(source_row)
        if self._kind is not None and item.kind != self._kind:
            return False
        if self._show == "unread":
            return not item.read
        if self._show == "mine":
            return self._is_mine(item)
        return True

    def source_rows(self) -> list[int]:
        """The rows of the whole list that are shown now."""
        return [self.mapToSource(self.index(r, 0)).row() for r in range(self.rowCount())]


class NotificationsPanel(QObject):
    """The dock with the list and the status-bar button that opens it.

    ``ticketRequested(ticket_id)`` when an entry with a ticket is clicked;
    ``markedRead(list[int])`` with the stored ids that turned read (to save).
    """

    ticketRequested = Signal(int)
    markedRead = Signal(list)

    def __init__(
        self,
        window: QMainWindow,
        *,
        icons: dict[str, QIcon] | None = None,
        zone: tzinfo | None = None,
        is_mine: Callable[[Notification], bool] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self.model = NotificationModel(self, icons=icons, zone=zone)
        self.shown = NotificationFilter(self.model, is_mine, self)

        self.dock = QDockWidget("Notifications", window)
        self.dock.setObjectName("notificationsDock")
        self.dock.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.BottomDockWidgetArea
        )
        body = QWidget(self.dock)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.summary = QLabel(body)
        self.summary.setObjectName("notificationsSummary")
        self.mark_all_button = QPushButton("Mark all read", body)
        self.mark_all_button.setObjectName("markAllReadButton")
        self.mark_all_button.clicked.connect(self.mark_all_read)
        top.addWidget(self.summary, 1)
        top.addWidget(self.mark_all_button)
        layout.addLayout(top)
        choosers = QHBoxLayout()
        self.show_combo = QComboBox(body)
        self.show_combo.setObjectName("notificationsShow")
        for key, label in SHOW_CHOICES.items():
            self.show_combo.addItem(label, key)
        self.show_combo.setToolTip(
            "All, only the unread ones, or only those about tickets assigned to you"
        )
        self.kind_combo = QComboBox(body)
        self.kind_combo.setObjectName("notificationsKind")
        self.kind_combo.addItem("Every kind", None)
        for key, label in KIND_LABELS.items():
            self.kind_combo.addItem(label, key)
        choosers.addWidget(QLabel("Show:", body))
        choosers.addWidget(self.show_combo)
        choosers.addWidget(self.kind_combo, 1)
        layout.addLayout(choosers)
        self.show_combo.currentIndexChanged.connect(self._choice_changed)
        self.kind_combo.currentIndexChanged.connect(self._choice_changed)
        self.view = QListView(body)
        self.view.setObjectName("notificationsView")
        self.view.setModel(self.shown)
        self.view.setWordWrap(True)
        self.view.setUniformItemSizes(False)
        self.view.setAlternatingRowColors(True)
        self.view.setSpacing(2)
        self.view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.view.clicked.connect(self._on_clicked)
        self.view.activated.connect(self._on_clicked)
        layout.addWidget(self.view, 1)
        empty = QLabel("Warnings, breaches and new tickets appear here.", body)
        empty.setObjectName("notificationsEmpty")
        empty.setWordWrap(True)
        self._empty = empty
        layout.addWidget(empty)
        body.setMinimumWidth(DOCK_WIDTH)  # a title and its body on a few lines each
        self.dock.setWidget(body)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()

        self.button = QToolButton(window)
        self.button.setObjectName("notificationsButton")
        self.button.setAutoRaise(True)
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        if icons and "warning" in icons:
            self.button.setIcon(icons["warning"])
        self.button.toggled.connect(self.dock.setVisible)
        self.dock.visibilityChanged.connect(self._on_dock_visibility)
        window.statusBar().addPermanentWidget(self.button)

        self.model.unreadChanged.connect(self._show_count)
        self.model.rowsInserted.connect(self._show_empty)
        self.model.modelReset.connect(self._show_empty)
        self.shown.rowsInserted.connect(self._show_empty)
        self.shown.rowsRemoved.connect(self._show_empty)
        self.shown.modelReset.connect(self._show_empty)
        self.shown.layoutChanged.connect(self._show_empty)
        self._show_count(0)
        self._show_empty()

    # ------------------------------------------------------------------ behaviour

    def set_zone(self, zone: tzinfo) -> None:
        self.model.set_zone(zone)

    def load(self, notifications: Iterable[Notification]) -> None:
        self.model.load(notifications)

    def add(self, notification: Notification) -> None:
        self.model.add(notification)

    def open_list(self) -> None:
        self.button.setChecked(True)
        self.dock.show()

    def choose(self, show: str = "all", kind: str | None = None) -> None:
        """Show all / unread / mine (:data:`SHOW_CHOICES`), of one kind or every kind."""
        if show not in SHOW_CHOICES:
            raise ValueError(f"show one of {', '.join(SHOW_CHOICES)}, not {show!r}")
        if kind is not None and kind not in KIND_LABELS:
            raise ValueError(f"kind is one of {', '.join(KIND_LABELS)} or None, not {kind!r}")
        self.show_combo.setCurrentIndex(self.show_combo.findData(show))
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))

    @Slot()
    def _choice_changed(self, *_args: object) -> None:
        self.shown.set_choice(self.show_combo.currentData(), self.kind_combo.currentData())
        self._show_empty()

    @Slot()
    def mark_all_read(self) -> None:
        """Mark every entry shown read: the whole list, or what the choosers leave."""
        if self.shown.narrowed:
            ids = self.model.mark_read(self.shown.source_rows())
        else:
            ids = self.model.mark_all_read()
        if ids:
            self.markedRead.emit(ids)

    def activate_row(self, row: int) -> None:
        """What a click on ``row`` of the whole list does: mark it read, ask for its
        ticket."""
        self._activate(row)

    @Slot(QModelIndex)
    def _on_clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        self._activate(self.shown.mapToSource(index).row())

    def _activate(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        item = self.model.notification_at(row)
        ids = self.model.mark_read([row])
        if ids:
            self.markedRead.emit(ids)
        if item.ticket_id is not None:
            self.ticketRequested.emit(item.ticket_id)

    @Slot(int)
    def _show_count(self, unread: int) -> None:
        self.button.setText(f"{unread} unread" if unread else "Notifications")
        self.button.setToolTip(
            f"{unread} unread notifications: click to see the list"
            if unread
            else "Warnings, breaches and new tickets: click to see the list"
        )
        self.button.setProperty("unread", bool(unread))
        total = self.model.rowCount()
        shown = self.shown.rowCount()
        text = f"{unread} unread of {total}" if total else "Nothing yet"
        if self.shown.narrowed and total:
            text += f" · {shown} shown"
        self.summary.setText(text)
        narrowed = self.shown.narrowed
        self.mark_all_button.setText("Mark these read" if narrowed else "Mark all read")
        shown_unread = any(not self.model.notification_at(r).read for r in self.shown.source_rows())
        self.mark_all_button.setEnabled(shown_unread if narrowed else bool(unread))

    @Slot()
    def _show_empty(self, *_args: object) -> None:
        if self.model.rowCount() == 0:
            self._empty.setText("Warnings, breaches and new tickets appear here.")
        else:
            self._empty.setText("Nothing of this kind: choose All and Every kind to see the rest.")
        self._empty.setVisible(self.shown.rowCount() == 0)
        self._show_count(self.model.unread_count())

    @Slot(bool)
    def _on_dock_visibility(self, visible: bool) -> None:
        if self.button.isChecked() != visible:
            blocked = self.button.blockSignals(True)
            self.button.setChecked(visible)
            self.button.blockSignals(blocked)


__all__ = [
    "NOTIFICATION_ROLE",
    "SHOW_CHOICES",
    "TICKET_ID_ROLE",
    "NotificationFilter",
    "NotificationModel",
    "NotificationsPanel",
]
