"""The main window: the queue in the centre, details on the right, filters on top.

The layout lives in the Designer form ``ui/main_window.ui``; this class loads it into
itself, exposes the named widgets, remembers geometry and splitter state, and turns the
filter widgets into plain signals. It holds no business logic: the queue model, the
detail panes and the filtering are attached by the composition root (``desktop_app.app``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QFile,
    QIODevice,
    QObject,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QTableView,
    QToolButton,
    QWidget,
)

from desktop_app.paths import ui_file

FORM_NAME = "main_window.ui"
SETTINGS_GROUP = "MainWindow"
# Quick filter keys, in the order the buttons appear; each button carries its key in its
# ``quickFilter`` property (set in the form).
QUICK_FILTERS = ("mine", "unassigned", "all", "at_risk", "breached", "waiting")
DEFAULT_QUICK_FILTER = "all"
# The queue's columns as remembered: a layout saved by an older version (before the
# columns were ordered and sized to keep the key ones on screen) is not restored.
QUEUE_HEADER_VERSION = 2

_T = TypeVar("_T", bound=QObject)

# Asked before the window closes: True lets it close; False keeps it open (the guard then
# closes it again itself, e.g. once a change still being saved is saved).
CloseGuard = Callable[[], bool]


class FormLoadError(RuntimeError):
    """The Designer form could not be read or lacks a widget the window needs."""


class _IntoWindowLoader(QUiLoader):
    """Builds a form's widgets into an existing window instead of creating a new one."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window

    def createWidget(
        self, className: str, parent: QWidget | None = None, name: str = ""
    ) -> QWidget:
        if parent is None:
            return self._window  # the form's top-level widget is this window
        return super().createWidget(className, parent, name)


def _load_form(window: QMainWindow, form: Path) -> None:
    file = QFile(str(form))
    if not file.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FormLoadError(f"Cannot open the form {form}: {file.errorString()}")
    try:
        loader = _IntoWindowLoader(window)
        loaded = loader.load(file)
    finally:
        file.close()
    if loaded is None:
        raise FormLoadError(f"Cannot load the form {form}: {loader.errorString()}")


class MainWindow(QMainWindow):
    """The window a technician keeps open all day.

    Signals carry what the user asked for, in plain values, for the models to act on:
    ``quickFilterChanged(key)`` with a key of :data:`QUICK_FILTERS`,
    ``customerFilterChanged(data)`` with the chosen customer's item data (``None`` for all),
    ``searchTextChanged(text)``.
    """

    quickFilterChanged = Signal(str)
    customerFilterChanged = Signal(object)
    searchTextChanged = Signal(str)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _load_form(self, ui_file(FORM_NAME))
        self._settings = settings if settings is not None else QSettings()
        self._close_guard: CloseGuard | None = None
        # a remembered layout (docks, toolbars) was restored: docks added later follow it
        self.layout_restored = False

        self._queue_view = self._child(QTableView, "queueView")
        self._detail_stack = self._child(QStackedWidget, "detailStack")
        self._splitter = self._child(QSplitter, "mainSplitter")
        self._search_edit = self._child(QLineEdit, "searchEdit")
        self._customer_filter = self._child(QComboBox, "customerFilter")
        self._quick_filter_group = self._child(QButtonGroup, "quickFilterGroup")
        self._quick_filter_buttons: dict[str, QToolButton] = {}
        for button in self._quick_filter_group.buttons():
            key = button.property("quickFilter")
            if isinstance(button, QToolButton) and isinstance(key, str):
                self._quick_filter_buttons[key] = button
        missing = [key for key in QUICK_FILTERS if key not in self._quick_filter_buttons]
        if missing:
            raise FormLoadError(
                f"The form {FORM_NAME} lacks quick filter buttons for: {', '.join(missing)}"
            )
        self._quick_filter_group.setExclusive(True)
        self._customer_filter.setItemData(0, None)

        self._summary_label = QLabel(self)
        self._summary_label.setObjectName("queueSummaryLabel")
        self.statusBar().addPermanentWidget(self._summary_label)

        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 1)
        self._splitter.setSizes([860, 340])

        self._child(QAction, "actionFindTicket").triggered.connect(self.focus_search)
        self._child(QAction, "actionQuit").triggered.connect(self.close)
        # Escape clears the search only while the search box has the focus, so it stays
        # free for dialogs and editors elsewhere.
        self._clear_search_shortcut = QShortcut(
            QKeySequence(Qt.Key.Key_Escape),
            self._search_edit,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self._clear_search_shortcut.activated.connect(self.clear_search)

        self._quick_filter_group.buttonToggled.connect(self._on_quick_filter_toggled)
        self._customer_filter.currentIndexChanged.connect(self._on_customer_changed)
        self._search_edit.textChanged.connect(self.searchTextChanged)

        self.restore_state()

    # -- named widgets ------------------------------------------------------------------

    @property
    def queue_view(self) -> QTableView:
        return self._queue_view

    @property
    def detail_stack(self) -> QStackedWidget:
        return self._detail_stack

    @property
    def splitter(self) -> QSplitter:
        return self._splitter

    @property
    def search_edit(self) -> QLineEdit:
        return self._search_edit

    @property
    def customer_filter(self) -> QComboBox:
        return self._customer_filter

    @property
    def quick_filter_buttons(self) -> dict[str, QToolButton]:
        """Quick filter buttons by key (see :data:`QUICK_FILTERS`)."""
        return dict(self._quick_filter_buttons)

    @property
    def summary_label(self) -> QLabel:
        """The permanent status-bar label for queue counts and the next breach."""
        return self._summary_label

    @property
    def status_bar(self) -> QStatusBar:
        return self.statusBar()

    # -- behaviour ----------------------------------------------------------------------

    def quick_filter(self) -> str:
        """The key of the checked quick filter."""
        checked = self._quick_filter_group.checkedButton()
        key = checked.property("quickFilter") if checked is not None else None
        return key if isinstance(key, str) else DEFAULT_QUICK_FILTER

    def set_quick_filter(self, key: str) -> None:
        if key not in self._quick_filter_buttons:
            raise ValueError(
                f"Unknown quick filter {key!r}; expected one of: {', '.join(QUICK_FILTERS)}"
            )
        self._quick_filter_buttons[key].setChecked(True)

    def set_customers(self, customers: Sequence[tuple[str, object]]) -> None:
        """Offer these (label, data) customers after "All customers", keeping the choice."""
        current = self._customer_filter.currentData()
        blocker = self._customer_filter.blockSignals(True)
        try:
            while self._customer_filter.count() > 1:
                self._customer_filter.removeItem(1)
            for label, data in customers:
                self._customer_filter.addItem(label, data)
            index = self._customer_filter.findData(current) if current is not None else 0
            self._customer_filter.setCurrentIndex(max(index, 0))
        finally:
            self._customer_filter.blockSignals(blocker)
        if self._customer_filter.currentData() != current:
            self.customerFilterChanged.emit(self._customer_filter.currentData())

    def set_queue_model(self, model: QAbstractItemModel) -> bool:
        """Show ``model`` in the queue and restore the remembered column widths, order and
        sort; True when there were some to restore."""
        self._queue_view.setModel(model)
        header_state = self._settings.value(f"{SETTINGS_GROUP}/queueHeader")
        version = self._settings.value(f"{SETTINGS_GROUP}/queueHeaderVersion")
        if str(version) != str(QUEUE_HEADER_VERSION):
            return False
        if isinstance(header_state, QByteArray) and not header_state.isEmpty():
            return bool(self._queue_view.horizontalHeader().restoreState(header_state))
        return False

    def show_queue_summary(self, text: str) -> None:
        self._summary_label.setText(text)

    def focus_search(self) -> None:
        self._search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search_edit.selectAll()

    def clear_search(self) -> None:
        self._search_edit.clear()
        self._queue_view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def save_state(self) -> None:
        """Remember geometry, toolbar/dock state, splitter and column widths."""
        group = SETTINGS_GROUP
        self._settings.setValue(f"{group}/geometry", self.saveGeometry())
        self._settings.setValue(f"{group}/windowState", self.saveState())
        self._settings.setValue(f"{group}/splitter", self._splitter.saveState())
        if self._queue_view.model() is not None:
            header = self._queue_view.horizontalHeader()
            self._settings.setValue(f"{group}/queueHeader", header.saveState())
            self._settings.setValue(f"{group}/queueHeaderVersion", QUEUE_HEADER_VERSION)
        self._settings.sync()

    def restore_state(self) -> None:
        """Apply what :meth:`save_state` remembered; keep the form's defaults otherwise."""
        group = SETTINGS_GROUP
        geometry = self._settings.value(f"{group}/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        window_state = self._settings.value(f"{group}/windowState")
        if isinstance(window_state, QByteArray) and not window_state.isEmpty():
            self.layout_restored = bool(self.restoreState(window_state))
        splitter = self._settings.value(f"{group}/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self._splitter.restoreState(splitter)

    def set_close_guard(self, guard: CloseGuard | None) -> None:
        """Ask ``guard`` before every close (``None``: close without asking). A refused
        close also cancels quitting the application (Qt asks every window first)."""
        self._close_guard = guard

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._close_guard is not None and not self._close_guard():
            event.ignore()
            return
        self.save_state()
        super().closeEvent(event)

    # -- internals ----------------------------------------------------------------------

    def _child(self, kind: type[_T], name: str) -> _T:
        found = self.findChild(kind, name)
        if found is None:
            raise FormLoadError(
                f"The form {FORM_NAME} has no {kind.__name__} named {name!r}; "
                "restore ui/main_window.ui from the repository."
            )
        return found

    def _on_quick_filter_toggled(self, button: QAbstractButton, checked: bool) -> None:
        key = button.property("quickFilter")
        if checked and isinstance(key, str):
            self.quickFilterChanged.emit(key)

    def _on_customer_changed(self, index: int) -> None:
        self.customerFilterChanged.emit(self._customer_filter.itemData(index))
