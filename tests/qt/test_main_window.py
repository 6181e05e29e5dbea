"""The main window: built from the Designer form, remembers its layout, keyboard basics."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QTableView,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop_app.app import load_style_sheet
from desktop_app.paths import AssetsNotFoundError, icon_file, locate_assets, ui_file
from desktop_app.views.main_window import QUICK_FILTERS, MainWindow


@pytest.fixture
def window(qtbot: QtBot, tmp_settings: QSettings) -> MainWindow:
    window = MainWindow(tmp_settings)
    qtbot.addWidget(window)
    return window


def _shown(qtbot: QtBot, window: MainWindow) -> MainWindow:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def test_window_is_built_from_the_form_with_named_widgets(window: MainWindow) -> None:
    assert window.objectName() == "MainWindow"
    assert window.windowTitle() == "Technician Queue"
    named = {
        "queueView": QTableView,
        "detailStack": QStackedWidget,
        "mainSplitter": QSplitter,
        "searchEdit": QLineEdit,
        "customerFilter": QComboBox,
        "statusBar": QStatusBar,
    }
    for name, kind in named.items():
        assert isinstance(window.findChild(kind, name), kind), name
    assert window.queue_view is window.findChild(QTableView, "queueView")
    assert window.detail_stack is window.findChild(QStackedWidget, "detailStack")
    assert window.search_edit is window.findChild(QLineEdit, "searchEdit")
    assert window.customer_filter is window.findChild(QComboBox, "customerFilter")
    assert window.status_bar is window.findChild(QStatusBar, "statusBar")
    # The queue sits left of the details, in the splitter, and starts empty.
    assert window.splitter.widget(0) is window.queue_view
    assert window.splitter.widget(1) is window.detail_stack
    assert window.queue_view.model() is None
    assert window.customer_filter.itemText(0) == "All customers"
    assert window.customer_filter.itemData(0) is None


def test_quick_filters_come_in_order_and_all_is_the_default(window: MainWindow) -> None:
    buttons = window.quick_filter_buttons
    assert list(buttons) == list(QUICK_FILTERS)
    assert [b.text() for b in buttons.values()] == [
        "Mine",
        "Unassigned",
        "All",
        "At risk",
        "Breached",
        "Waiting on customer",
    ]
    assert all(isinstance(b, QToolButton) and b.isCheckable() for b in buttons.values())
    assert window.quick_filter() == "all"


def test_choosing_a_quick_filter_unchecks_the_others_and_says_which(
    qtbot: QtBot, window: MainWindow
) -> None:
    _shown(qtbot, window)
    with qtbot.waitSignal(window.quickFilterChanged) as blocker:
        qtbot.mouseClick(window.quick_filter_buttons["breached"], Qt.MouseButton.LeftButton)
    assert blocker.args == ["breached"]
    assert window.quick_filter() == "breached"
    checked = [key for key, b in window.quick_filter_buttons.items() if b.isChecked()]
    assert checked == ["breached"]


def test_unknown_quick_filter_is_refused_with_the_valid_keys(window: MainWindow) -> None:
    with pytest.raises(ValueError, match=r"Unknown quick filter 'overdue'.*at_risk"):
        window.set_quick_filter("overdue")


def test_customer_choice_is_signalled_with_its_data(qtbot: QtBot, window: MainWindow) -> None:
    window.set_customers([("Acme Logistics", 7), ("Borealis Health", 9)])
    assert window.customer_filter.count() == 3
    with qtbot.waitSignal(window.customerFilterChanged) as blocker:
        window.customer_filter.setCurrentIndex(2)
    assert blocker.args == [9]
    # Refreshing the list keeps the chosen customer selected.
    with qtbot.assertNotEmitted(window.customerFilterChanged):
        window.set_customers([("Borealis Health", 9), ("Cobalt Mining", 11)])
    assert window.customer_filter.currentData() == 9
    # The chosen customer disappearing falls back to all customers, and says so.
    with qtbot.waitSignal(window.customerFilterChanged) as blocker:
        window.set_customers([("Cobalt Mining", 11)])
    assert blocker.args == [None]


def test_typing_a_search_is_signalled(qtbot: QtBot, window: MainWindow) -> None:
    _shown(qtbot, window)
    seen: list[str] = []
    window.searchTextChanged.connect(seen.append)
    qtbot.keyClicks(window.search_edit, "T-1")
    assert seen == ["T", "T-", "T-1"]


def test_ctrl_f_focuses_the_search_and_escape_clears_it(qtbot: QtBot, window: MainWindow) -> None:
    _shown(qtbot, window)
    window.queue_view.setFocus()
    qtbot.waitUntil(window.queue_view.hasFocus)

    qtbot.keyClick(window.queue_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.search_edit.hasFocus)

    qtbot.keyClicks(window.search_edit, "printer")
    assert window.search_edit.text() == "printer"
    with qtbot.waitSignal(window.searchTextChanged) as blocker:
        qtbot.keyClick(window.search_edit, Qt.Key.Key_Escape)
    assert blocker.args == [""]
    assert window.search_edit.text() == ""
    assert window.queue_view.hasFocus()


def test_escape_elsewhere_leaves_the_search_alone(qtbot: QtBot, window: MainWindow) -> None:
    _shown(qtbot, window)
    window.search_edit.setText("vpn")
    window.queue_view.setFocus()
    qtbot.waitUntil(window.queue_view.hasFocus)
    qtbot.keyClick(window.queue_view, Qt.Key.Key_Escape)
    assert window.search_edit.text() == "vpn"


def test_geometry_and_splitter_are_remembered_across_windows(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    # Sizes that fit the offscreen screen (800x600), else restoring would clamp them.
    first = MainWindow(tmp_settings)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    default_sizes = first.splitter.sizes()
    first.resize(760, 520)
    qtbot.waitUntil(lambda: first.width() == 760)
    first.splitter.setSizes([420, 320])
    sizes = first.splitter.sizes()
    assert sizes != default_sizes
    first.close()

    second = MainWindow(tmp_settings)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.width(), second.height()) == (760, 520)
    assert second.splitter.sizes() == sizes


def test_a_fresh_window_uses_the_form_defaults(qtbot: QtBot, tmp_settings: QSettings) -> None:
    window = MainWindow(tmp_settings)
    qtbot.addWidget(window)
    assert (window.width(), window.height()) == (1200, 720)
    window.show()
    qtbot.waitExposed(window)
    queue_width, detail_width = window.splitter.sizes()
    assert queue_width > 2 * detail_width > 0
    # The queue takes the height; the filter bar keeps only what it needs.
    filter_bar = window.findChild(QWidget, "filterBar")
    assert filter_bar is not None
    assert window.splitter.height() > 5 * filter_bar.height()


def test_unreadable_saved_state_is_ignored(qtbot: QtBot, tmp_settings: QSettings) -> None:
    tmp_settings.setValue("MainWindow/geometry", "not a geometry")
    tmp_settings.setValue("MainWindow/splitter", 42)
    window = MainWindow(tmp_settings)
    qtbot.addWidget(window)
    assert (window.width(), window.height()) == (1200, 720)


def test_column_widths_are_remembered_once_a_model_is_attached(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    first = MainWindow(tmp_settings)
    qtbot.addWidget(first)
    model = QStringListModel(["T-1001", "T-1002"])
    first.set_queue_model(model)
    first.queue_view.horizontalHeader().setStretchLastSection(False)
    first.queue_view.setColumnWidth(0, 321)
    first.close()

    second = MainWindow(tmp_settings)
    qtbot.addWidget(second)
    second.set_queue_model(QStringListModel(["T-1001"]))
    assert second.queue_view.columnWidth(0) == 321


def test_a_column_layout_saved_by_an_older_version_is_not_restored(
    qtbot: QtBot, tmp_settings: QSettings
) -> None:
    """Columns remembered before the key ones were kept on screen would keep them off
    screen: such a layout gives way to today's default once."""
    first = MainWindow(tmp_settings)
    qtbot.addWidget(first)
    first.set_queue_model(QStringListModel(["T-1001"]))
    first.queue_view.horizontalHeader().setStretchLastSection(False)
    first.queue_view.setColumnWidth(0, 321)
    first.close()
    tmp_settings.remove("MainWindow/queueHeaderVersion")  # as an older version saved it

    second = MainWindow(tmp_settings)
    qtbot.addWidget(second)
    assert not second.set_queue_model(QStringListModel(["T-1001"]))
    assert second.queue_view.columnWidth(0) != 321
    second.close()

    third = MainWindow(tmp_settings)  # saved again by this version: restored from now on
    qtbot.addWidget(third)
    assert third.set_queue_model(QStringListModel(["T-1001"]))


def test_status_bar_shows_the_queue_summary(window: MainWindow) -> None:
    window.show_queue_summary("12 open · 2 at risk · 1 breached")
    assert window.summary_label.text() == "12 open · 2 at risk · 1 breached"
    assert window.summary_label.parent() is not None


def test_assets_are_found_and_a_missing_folder_is_explained(tmp_path: Path) -> None:
    assert ui_file("main_window.ui").is_file()
    for state in ("ok", "warning", "breached", "paused", "app"):
        assert icon_file(state).read_text(encoding="utf-8").lstrip().startswith("<svg")
    with pytest.raises(AssetsNotFoundError, match=r"ui/ and resources/.*make bundle"):
        locate_assets([tmp_path])
    (tmp_path / "ui").mkdir()
    (tmp_path / "resources").mkdir()
    assert locate_assets([tmp_path / "nowhere", tmp_path]) == tmp_path


def test_a_missing_file_is_named() -> None:
    with pytest.raises(AssetsNotFoundError, match=r"no_such_form\.ui"):
        ui_file("no_such_form.ui")


def test_style_sheet_is_applied_to_the_application(qapp, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    previous = qapp.styleSheet()
    try:
        style = load_style_sheet(qapp)
        assert "#queueView" in style
        assert qapp.styleSheet() == style
    finally:
        qapp.setStyleSheet(previous)


def test_a_close_guard_can_keep_the_window_open(
    qtbot: QtBot, window: MainWindow, tmp_settings: QSettings
) -> None:
    _shown(qtbot, window)
    asked: list[bool] = []
    answer = False

    def guard() -> bool:
        asked.append(answer)
        return answer

    window.set_close_guard(guard)
    assert window.close() is False
    assert window.isVisible() and asked == [False]
    assert not tmp_settings.contains("MainWindow/geometry")  # nothing saved: not closing
    answer = True
    assert window.close() is True
    assert not window.isVisible() and asked == [False, True]
    assert tmp_settings.contains("MainWindow/geometry")
    window.set_close_guard(None)
