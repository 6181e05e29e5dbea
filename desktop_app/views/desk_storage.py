"""Where the desk's data lives, said in the window: read-only desks, a desk file that went
away, saving a copy, and the log.

- A desk opened read-only says so in the title ("— read-only") and in the status bar; its
  writes are refused by the store with a message that says why.
- When the desk file is removed or replaced while open, the desk stops writing (the store
  refuses) and this offers, once, to save what the desk still holds to a file the person
  picks; File → *Save a copy of the desk…* does the same at any time on a SQLite desk.
- Help → *Show log* and *Open log folder*: the technical details the messages leave out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import DeskFileGoneError, StorageError
from desktop_app.logs import log_file, log_folder, read_log_tail
from desktop_app.services.storage import DeskInfo, save_copy_job
from desktop_app.views.desk_session import DeskSession

READ_ONLY_TITLE = "read-only"
NOT_SAVING_TITLE = "not saving"

# choose_path(suggested path) -> the chosen path, or None when cancelled. Injected in tests.
ChoosePath = Callable[[Path], Path | None]
# open_url(url) -> opened?  Injected in tests (no file manager offscreen).
OpenUrl = Callable[[QUrl], bool]


def _choose_with_dialog(parent: QWidget) -> ChoosePath:
    def choose(suggested: Path) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(
            parent,
            "Save a copy of the desk",
            str(suggested),
            "Desk files (*.sqlite3);;All files (*)",
        )
        return Path(name) if name else None

    return choose


class LogDialog(QDialog):
    """Help → Show log: the end of the log file, newest last, and where it is."""

    def __init__(self, parent: QWidget, open_url: OpenUrl) -> None:
        super().__init__(parent)
        self.setObjectName("logDialog")
        self.setWindowTitle("Technician Queue log")
        self.resize(900, 520)
        self._open_url = open_url
        layout = QVBoxLayout(self)
        where = QLabel(f"{log_file()} (readable by you only)", self)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("logText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFont("monospace"))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        folder = buttons.addButton("Open log folder", QDialogButtonBox.ButtonRole.ActionRole)
        folder.clicked.connect(lambda: self._open_url(QUrl.fromLocalFile(str(log_folder()))))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        text = read_log_tail()
        self.text.setPlainText(text or "Nothing has been logged yet.")
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())


class DeskStorage(QObject):
    """Attaches to a :class:`DeskSession`; see the module docstring."""

    def __init__(
        self,
        session: DeskSession,
        *,
        choose_path: ChoosePath | None = None,
        open_url: OpenUrl | None = None,
    ) -> None:
        super().__init__(session)
        self._session = session
        window = session.window
        self._choose_path = choose_path or _choose_with_dialog(window)
        self._open_url = open_url or QDesktopServices.openUrl
        self._info: DeskInfo | None = None
        self._base_title = window.windowTitle()
        self.gone: DeskFileGoneError | None = None
        self.gone_box: QMessageBox | None = None
        self.log_dialog: LogDialog | None = None

        self.save_copy_action = QAction("Save a &copy of the desk…", self)
        self.save_copy_action.setObjectName("actionSaveDeskCopy")
        self.save_copy_action.setToolTip(
            "Copy the whole desk to a file you choose (a SQLite desk only)"
        )
        self.save_copy_action.setEnabled(False)
        self.save_copy_action.triggered.connect(self.save_copy)
        file_menu = window.findChild(QMenu, "menuFile")
        if file_menu is not None:
            existing = file_menu.actions()
            if existing:
                file_menu.insertAction(existing[0], self.save_copy_action)
                file_menu.insertSeparator(existing[0])
            else:
                file_menu.addAction(self.save_copy_action)

        self.help_menu = window.findChild(QMenu, "menuHelp") or window.menuBar().addMenu("&Help")
        self.help_menu.setObjectName("menuHelp")
        self.show_log_action = self.help_menu.addAction("Show &log…")
        self.show_log_action.setObjectName("actionShowLog")
        self.show_log_action.triggered.connect(self.show_log)
        self.open_log_folder_action = self.help_menu.addAction("Open log &folder")
        self.open_log_folder_action.setObjectName("actionOpenLogFolder")
        self.open_log_folder_action.triggered.connect(self.open_log_folder)

        self.state_label = QLabel(window)
        self.state_label.setObjectName("deskStateLabel")
        self.state_label.setProperty("problem", True)
        self.state_label.hide()
        window.statusBar().addPermanentWidget(self.state_label)

        service = session.service
        service.deskOpened.connect(self._on_desk_opened)
        service.storageFailed.connect(self._on_storage_failed)
        if service.info is not None:  # attached to a desk already open
            self._on_desk_opened(service.info)

    # ------------------------------------------------------------------ the desk's state

    @property
    def info(self) -> DeskInfo | None:
        return self._info

    @Slot(object)
    def _on_desk_opened(self, info: DeskInfo) -> None:
        self._info = info
        self.save_copy_action.setEnabled(info.can_save_copy)
        if info.read_only is not None:
            self._mark(READ_ONLY_TITLE, "Read-only", f"Changes cannot be saved: {info.read_only}.")
            self._session.tell(
                "Opened read-only",
                f"This desk is open read-only: {info.read_only}.\n\nYou can look at it, "
                "export it and save a copy of it (File → Save a copy of the desk…), but "
                "changes cannot be saved.",
            )

    def _mark(self, title_word: str, label: str, tooltip: str) -> None:
        self._session.window.setWindowTitle(f"{self._base_title} — {title_word}")
        self.state_label.setText(label)
        self.state_label.setToolTip(tooltip)
        self.state_label.show()

    @Slot(object)
    def _on_storage_failed(self, error: StorageError) -> None:
        if not isinstance(error, DeskFileGoneError) or self.gone is not None:
            return
        self.gone = error
        self._mark(NOT_SAVING_TITLE, "Not saving: the desk file is gone", str(error))
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "The desk file is gone",
            f"{error.what}\n\nNothing more is written to it, so nothing you do now is lost "
            "silently: changes are refused, and what you typed stays where you typed it.\n\n"
            "The desk still holds everything saved so far. Save it to a file now, then open "
            "that file with --database (or put it back in its place).",
            parent=self._session.window,
        )
        box.setObjectName("deskFileGoneBox")
        save = box.addButton("Save a copy…", QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.setEscapeButton(later)
        box.setModal(False)
        box.finished.connect(lambda _result: self._on_gone_answer(box, save))
        self.gone_box = box
        box.open()

    def _on_gone_answer(self, box: QMessageBox, save: object) -> None:
        self.gone_box = None
        box.deleteLater()
        if box.clickedButton() is save:
            self.save_copy()

    # ------------------------------------------------------------------ saving a copy

    def _suggested_copy(self) -> Path:
        stamp = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H%M")
        name = f"desk copy {stamp}.sqlite3"
        home = Path.home()
        info = self._info
        if info is not None and info.url.startswith("sqlite:///"):
            folder = Path(info.url.removeprefix("sqlite:///")).parent
            if folder.is_dir():
                return folder / name
        return home / name

    @Slot()
    def save_copy(self) -> None:
        target = self._choose_path(self._suggested_copy())
        if target is None:
            return
        window = self._session.window
        window.statusBar().showMessage(f"Saving a copy of the desk to {target}…")
        self._session.service.submit(
            save_copy_job(target),
            self._on_copy_saved,
            lambda exc: self._on_copy_failed(target, exc),
            label="Saving a copy of the desk",
            reads_only=True,  # it writes a new file, never the desk
        )

    def _on_copy_saved(self, path: Path) -> None:
        self._session.window.statusBar().showMessage(f"Saved a copy of the desk to {path}", 15000)
        self._session.tell(
            "Copy saved",
            f"The desk was saved to {path}.\n\nTo work on it, start Technician Queue with:\n"
            f"  desktop-app --database {path}",
        )

    def _on_copy_failed(self, target: Path, exc: BaseException) -> None:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        self._session.window.statusBar().showMessage("The copy was not saved.", 15000)
        self._session.tell(
            "The copy was not saved",
            f"The desk could not be saved to {target}: {reason}.\n\nChoose another place "
            "(File → Save a copy of the desk…); the desk still holds everything.",
        )

    # ------------------------------------------------------------------ the log

    @Slot()
    def show_log(self) -> None:
        if self.log_dialog is None:
            self.log_dialog = LogDialog(self._session.window, self._open_url)
        else:
            self.log_dialog.reload()
        self.log_dialog.show()
        if QGuiApplication.platformName() not in ("offscreen", "minimal"):  # no stacking there
            self.log_dialog.raise_()

    @Slot()
    def open_log_folder(self) -> None:
        folder = log_folder()
        if not folder.is_dir() or not self._open_url(QUrl.fromLocalFile(str(folder))):
            self._session.tell(
                "Cannot open the log folder",
                f"The log is in {folder}" + ("" if folder.is_dir() else " (nothing logged yet)"),
            )


def attach_desk_storage(session: DeskSession) -> DeskStorage:
    return DeskStorage(session)


__all__ = ["DeskStorage", "LogDialog", "attach_desk_storage"]
