"""A technician's session at the desk: the queue window wired to the desk service.

It opens the database (on the service's thread), offers the demo desk when the database
is empty, loads the queue (first the tickets that breach first, then the whole queue in
their place, keeping what the technician selected meanwhile), and from then on turns
every ticket change reported by the service into one row moving in the queue. Filters,
search and the signed-in technician live here too. It holds no business rules: the store
decides, the model orders.

Closing the window while a change is still being saved waits for it (the GUI stays
live); after a short grace the technician chooses between waiting and quitting anyway.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QMessageBox, QWidget

from desktop_app.domain import Role, StorageError, Technician
from desktop_app.domain.changes import Entity
from desktop_app.domain.zones import technician_zone
from desktop_app.models.queue_model import (
    TICKET_ID_ROLE,
    PreparedQueue,
    QueueFilter,
    QueueModel,
    prepare_queue,
)
from desktop_app.services import queries, setup_queries
from desktop_app.services.desk import DeskChange, DeskService, DeskSummary, PendingJob
from desktop_app.services.setup_queries import SessionStart
from desktop_app.services.sign_in import Credentials, asks_for_password, without_secret
from desktop_app.services.storage import DeskInfo
from desktop_app.services.undo import UndoHistory
from desktop_app.views.main_window import MainWindow
from desktop_app.views.message_box import plain_message_box
from desktop_app.views.queue_view import (
    QueueColumns,
    QueueKeys,
    QueueStatus,
    QueueTicker,
    configure_queue_view,
    follow_sort_indicator,
    keeping_view_anchored,
)

TECHNICIAN_KEY = "Desk/technicianId"
# The first screenful, shown before the whole queue has loaded.
HEAD_ROWS = 200
# Up to this many open tickets the search filters as the technician types; beyond, it
# waits for a short pause in typing (filtering 100,000 tickets takes ~50-100 ms).
INSTANT_SEARCH_LIMIT = 20_000
SEARCH_PAUSE_MS = 250
# Closing while a change is still being saved: the window waits this long for it before
# asking whether to wait longer or quit anyway.
CLOSE_GRACE_MS = 2000

# ask(title, question) -> yes?  Injected so tests answer without a modal dialog.
Ask = Callable[[str, str], bool]
# tell(title, message): shows a problem to the user without blocking the queue.
Tell = Callable[[str, str], None]
# ask_password(login description) -> the password, or None when the person cancels.
AskPassword = Callable[[str], "str | None"]
# Kinds of customer change after which the customer filter is read again.
CUSTOMER_KINDS = frozenset({"import", "add_customer", "edit_customer"})


def _ask_with_dialog(parent: QWidget) -> Ask:
    def ask(title: str, question: str) -> bool:
        box = plain_message_box(
            QMessageBox.Icon.Question,
            title,
            question,
            parent,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        return box.exec() == QMessageBox.StandardButton.Yes

    return ask


def _tell_with_dialog(parent: QWidget) -> Tell:
    def tell(title: str, message: str) -> None:
        box = plain_message_box(QMessageBox.Icon.Warning, title, message, parent)
        box.setModal(False)
        box.open()  # non-blocking: the queue keeps counting down behind it

    return tell


def _ask_password_with_dialog(parent: QWidget) -> AskPassword:
    def ask(who: str) -> str | None:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        text, ok = QInputDialog.getText(
            parent,
            "Password",
            f"The database server asks for the password of {who}.\n"
            "It is used for this session only and never saved.",
            QLineEdit.EchoMode.Password,
        )
        return text if ok and text else None

    return ask


def _tell_before_exit(title: str, message: str) -> None:
    """The last word before the process ends: the event loop is over, so a box that does
    not wait would never be seen. Without a screen (offscreen) nobody could answer it;
    the log has the same message."""
    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return
    plain_message_box(QMessageBox.Icon.Warning, title, message).exec()


def _job_list(jobs: list[PendingJob]) -> str:
    return "\n".join(f"  • {job.describe()}" for job in jobs)


def _whole_queue(store: Any) -> PreparedQueue:
    """A database-thread job: every open ticket, prepared for the model.

    The records are built with the collector paused and live as long as the queue; left
    in its young generations, its next two passes would each walk them all, holding the
    GIL (measured 0.57 s and 0.59 s on 100,000 tickets: a GUI stall each). Frozen, the
    collector never looks at them again; they hold no cycles, so reference counting alone
    frees them when the queue is replaced.
    """
    prepared = prepare_queue(queries.open_queue(store))
    gc.freeze()
    return prepared


class DeskSession(QObject):
    """Wires a :class:`MainWindow` to a :class:`DeskService` through a :class:`QueueModel`."""

    ready = Signal()  # the queue is loaded and shown
    technicianChanged = Signal(object)  # Technician | None
    ticketSelected = Signal(object)  # the current ticket's id, or None

    def __init__(
        self,
        window: MainWindow,
        service: DeskService,
        model: QueueModel,
        settings: QSettings,
        *,
        offer_demo: bool = True,
        load_demo: bool = False,
        ask: Ask | None = None,
        tell: Tell | None = None,
        close_grace_ms: int = CLOSE_GRACE_MS,
        credentials: Credentials | None = None,
        ask_password: AskPassword | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._service = service
        self._model = model
        self._settings = settings
        self._offer_demo = offer_demo
        self._load_demo = load_demo
        self._ask = ask or _ask_with_dialog(window)
        self._tell = tell or _tell_with_dialog(window)
        # once the event loop is over only a blocking box can still be seen
        self._tell_at_exit = tell or _tell_before_exit
        self._technicians: list[Technician] = []
        self._me: Technician | None = None
        # a shared (PostgreSQL) desk knows who is here from the login; None: free pick
        self._shared = False
        self._login: Technician | None = None
        self._credentials = credentials
        self._ask_password = ask_password or _ask_password_with_dialog(window)
        self._first_start: Callable[[], None] | None = None
        self._started_at = time.perf_counter()
        self._loaded_in: float | None = None

        configure_queue_view(window.queue_view, model)
        remembered = window.set_queue_model(model)
        follow_sort_indicator(window.queue_view, model)
        # the columns fit the window until the technician sets them (or had set them)
        self.columns = QueueColumns(window.queue_view, fit=not remembered)
        self.ticker = QueueTicker(window.queue_view, model)
        self.status = QueueStatus(window.summary_label, model)
        self.keys = QueueKeys(window.queue_view)
        # One undo history for every action of the session (replies, assignments, drops).
        self.undo_stack = QUndoStack(self)
        self.undo_history = UndoHistory(service, self.undo_stack, self._my_id, self)
        self.undo_history.succeeded.connect(self._on_undo_done)
        self.undo_history.failed.connect(self._on_undo_failed)
        self._add_undo_actions()
        self._selected: int | None = None  # the ticket last announced by ticketSelected
        window.queue_view.selectionModel().currentRowChanged.connect(self._on_current_changed)

        self._who = QComboBox(window)
        self._who.setObjectName("technicianCombo")
        self._who.setToolTip("The technician using this desk: 'Mine' shows their tickets")
        self._who.setMinimumContentsLength(16)
        label = QLabel("Signed in as", window)
        # permanent widgets stay visible while the status bar shows a message
        window.statusBar().addPermanentWidget(label)
        window.statusBar().addPermanentWidget(self._who)
        self._who.currentIndexChanged.connect(self._on_who_changed)

        window.quickFilterChanged.connect(self._refilter)
        window.customerFilterChanged.connect(self._refilter)
        # On a large desk every keystroke would filter every ticket: wait for a pause.
        self._search_timer = QTimer(self)
        self._search_timer.setObjectName("search-pause")
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_PAUSE_MS)
        self._search_timer.timeout.connect(self._refilter)
        window.searchTextChanged.connect(self._on_search_typed)
        service.deskOpened.connect(self._on_desk_opened)
        # the search box leads to its result: Enter opens the first match, Down moves
        # into the list
        window.search_edit.returnPressed.connect(self.open_first_match)
        window.search_edit.installEventFilter(self)
        service.opened.connect(self._on_opened)
        service.openFailed.connect(self._on_open_failed)
        service.changed.connect(self._on_changed)
        service.deliveringChanged.connect(self._on_delivering)
        service.actionFailed.connect(self._on_action_failed)

        # Closing while a change is being saved: wait, then ask (see _may_close).
        self._close_timer = QTimer(self)
        self._close_timer.setObjectName("close-grace")
        self._close_timer.setSingleShot(True)
        self._close_timer.setInterval(close_grace_ms)
        self._close_timer.timeout.connect(self._ask_to_quit_anyway)
        self._closing = False  # the window asked to close and waits for a change
        self._quit_anyway = False  # the technician chose to quit without it
        self.close_question: QMessageBox | None = None
        window.set_close_guard(self._may_close)
        service.jobAnswered.connect(self._on_job_answered)
        service.writeFailed.connect(self._on_write_failed)

    def _add_undo_actions(self) -> None:
        edit = self._window.findChild(QMenu, "menuEdit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.setObjectName("actionUndo")
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)]
        )
        redo.setObjectName("actionRedo")
        if edit is not None:
            existing = edit.actions()
            if existing:
                edit.insertActions(existing[0], [undo, redo])
                edit.insertSeparator(existing[0])
            else:
                edit.addActions([undo, redo])
        self._window.addAction(undo)  # shortcuts work even when the menu is hidden
        self._window.addAction(redo)

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        ticket_id = current.data(TICKET_ID_ROLE) if current.isValid() else None
        self._selected = ticket_id if isinstance(ticket_id, int) else None
        self.ticketSelected.emit(self._selected)

    def _announce_current_if_changed(self) -> None:
        """Qt says nothing when a layout change drops the current row (its ticket left the
        queue): say it, so the panes do not keep showing it as selected."""
        current = self._window.queue_view.currentIndex()
        ticket_id = current.data(TICKET_ID_ROLE) if current.isValid() else None
        if (ticket_id if isinstance(ticket_id, int) else None) != self._selected:
            self._on_current_changed(current, QModelIndex())

    # ------------------------------------------------------------------ state

    @property
    def window(self) -> MainWindow:
        return self._window

    @property
    def service(self) -> DeskService:
        return self._service

    @property
    def model(self) -> QueueModel:
        return self._model

    @property
    def settings(self) -> QSettings:
        return self._settings

    def tell(self, title: str, message: str) -> None:
        """Show a problem without blocking the queue (injected in tests)."""
        self._tell(title, message)

    def ask(self, title: str, question: str) -> bool:
        """Ask a yes/no question (injected in tests)."""
        return self._ask(title, question)

    @property
    def me(self) -> Technician | None:
        return self._me

    @property
    def shared(self) -> bool:
        """The desk is a shared PostgreSQL server (each person with their own login)."""
        return self._shared

    @property
    def signed_in_by_login(self) -> bool:
        """Who is here comes from the database login (it cannot be picked)."""
        return self._login is not None

    def set_first_start(self, offer: Callable[[], None] | None) -> None:
        """What an empty desk offers at start (the demo, an import, the first set-up);
        without one, the session asks whether to load the demo desk."""
        self._first_start = offer

    def load_demo(self) -> None:
        """Fill the (empty) desk with the demo data set, then show it."""
        self._window.statusBar().showMessage("Building the demo desk…")
        self._service.load_demo_desk(self._on_summary, self._on_load_error)

    def sign_in_when_listed(self, technician_id: int) -> None:
        """Be ``technician_id`` at this desk as soon as the people are read again (the
        first manager, just set up)."""
        self._settings.setValue(TECHNICIAN_KEY, technician_id)
        self.sign_in_as(technician_id)

    def sign_in_as(self, technician_id: int) -> bool:
        """Choose who is at this desk (SQLite: whoever has the file); refused when the
        database login says who it is."""
        if self._login is not None:
            return False
        index = self._who.findData(technician_id)
        if index < 0:
            return False
        self._who.setCurrentIndex(index)
        return True

    @property
    def technicians(self) -> list[Technician]:
        return list(self._technicians)

    @property
    def loaded_in(self) -> float | None:
        """Seconds from the session's start to the queue shown (None until then)."""
        return self._loaded_in

    def start(self) -> None:
        self._started_at = time.perf_counter()
        self._window.statusBar().showMessage("Opening the desk…")
        self._service.start()

    def stop(self) -> list[PendingJob]:
        """Stop the timers and the database thread. Returns the jobs the thread had not
        finished when stopping gave up waiting (see :meth:`DeskService.stop`); changes
        among them are reported to the user unless they already chose to quit anyway."""
        self.ticker.stop()
        self._search_timer.stop()
        self._close_timer.stop()
        self._closing = False
        self._dismiss_close_question()
        abandoned = self._service.stop()
        lost = [job for job in abandoned if job.may_write]
        if lost and not self._quit_anyway:
            self._tell_at_exit(
                "Changes may not have been saved",
                "The database did not answer while Technician Queue was quitting, so "
                "these may not have been saved:\n"
                f"{_job_list(lost)}\n\n"
                "Check these tickets when you start Technician Queue again.",
            )
        return abandoned

    # ------------------------------------------------------------------ closing

    def _may_close(self) -> bool:
        """The window's close guard: close at once unless a change is still being saved;
        then wait for it (the window closes by itself once it is saved) and, after a
        grace period or a second request to close, ask."""
        if self._quit_anyway or not self._service.is_running:
            return True
        unsaved = self._service.unsaved_changes()
        if not unsaved:
            self._closing = False
            return True
        if self._closing:
            self._ask_to_quit_anyway()  # asked to close again: ask now
            return False
        self._closing = True
        self._window.statusBar().showMessage(
            f"Saving: {unsaved[0].label or 'a change'}… Technician Queue closes once it is saved."
        )
        self._close_timer.start()
        return False

    @Slot()
    def _on_job_answered(self) -> None:
        if self._closing and not self._service.unsaved_changes():
            self._closing = False
            self._close_timer.stop()
            self._dismiss_close_question()
            self._window.close()

    @Slot(str)
    def _on_write_failed(self, label: str) -> None:
        """A change failed while the window waited to close: stay open, so the technician
        sees why and what they typed is still there to send again."""
        if not self._closing:
            return
        self._closing = False
        self._close_timer.stop()
        self._dismiss_close_question()
        self._window.statusBar().showMessage(
            f"Not saved: {label}. Technician Queue stays open so nothing is lost; "
            "close it again when you are done.",
            15000,
        )

    @Slot()
    def _ask_to_quit_anyway(self) -> None:
        unsaved = self._service.unsaved_changes()
        if not self._closing or not unsaved or self.close_question is not None:
            return
        box = plain_message_box(
            QMessageBox.Icon.Warning,
            "A change is still being saved",
            "The database has not finished saving:\n"
            f"{_job_list(unsaved)}\n\n"
            "Wait for it, or quit anyway? Quitting now may lose this change; check the "
            "ticket when you start again.",
            self._window,
            QMessageBox.StandardButton.NoButton,
        )
        box.setObjectName("closeWhileSavingQuestion")
        wait = box.addButton("Wait", QMessageBox.ButtonRole.RejectRole)
        box.addButton("Quit anyway", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(wait)
        box.setEscapeButton(wait)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda _result: self._on_close_answer(box, wait))
        self.close_question = box
        box.open()  # the queue (and the save) go on behind it

    def _on_close_answer(self, box: QMessageBox, wait: object) -> None:
        if box is not self.close_question:
            return  # dismissed because the change was saved meanwhile
        self.close_question = None
        box.deleteLater()
        if box.clickedButton() is wait or not self._closing:
            if self._closing:  # asked again only when the window is closed again
                self._window.statusBar().showMessage(
                    "Still saving… Technician Queue closes once it is saved."
                )
            return
        self._quit_anyway = True
        self._closing = False
        self._close_timer.stop()
        self._window.close()

    def _dismiss_close_question(self) -> None:
        box, self.close_question = self.close_question, None
        if box is not None:
            box.done(0)
            box.deleteLater()

    # ------------------------------------------------------------------ opening

    @Slot(object)
    def _on_desk_opened(self, info: DeskInfo) -> None:
        if info.read_only is not None:
            self._offer_demo = False  # it could not be saved

    @Slot(str)
    def _on_opened(self, url: str) -> None:
        self._window.statusBar().showMessage(f"Desk open: {url}", 5000)
        self._service.submit(
            setup_queries.session_start,
            self._on_start,
            self._on_load_error,
            label="Reading the desk",
            reads_only=True,
        )

    def _on_start(self, start: SessionStart) -> None:
        self._shared = start.shared
        self._login = start.signed_in
        if self._load_demo:
            self.load_demo()
        else:
            self._on_summary(start.summary)

    @Slot(object)
    def _on_open_failed(self, exc: object) -> None:
        credentials = self._credentials
        if credentials is not None and isinstance(exc, BaseException) and asks_for_password(exc):
            secret = credentials.password()
            self._window.statusBar().showMessage("The database server asks for a password.")
            password = self._ask_password(_login_of(exc))
            if password:
                credentials.set(password)
                self._window.statusBar().showMessage("Opening the desk…")
                self._service.reopen()
                return
            if secret is None:
                exc = RuntimeError(
                    "The database server asks for a password, and none was given. Start again "
                    "and type it, or keep it in your ~/.pgpass file."
                )
        secret = credentials.password() if credentials is not None else None
        self._window.statusBar().showMessage("The desk could not be opened.")
        if isinstance(exc, StorageError):  # already says which database, why, what to do
            self._tell(
                "Cannot open the desk",
                f"{exc}\n\nThe technical details are in the log (Help → Show log).",
            )
            return
        self._tell(
            "Cannot open the desk",
            without_secret(
                f"{exc}\n\nCheck the database URL (--database or DESKTOP_APP_DATABASE_URL) "
                "and that the database server is reachable, then start again.",
                secret,
            ),
        )

    def _on_summary(self, summary: DeskSummary) -> None:
        if summary.empty and self._offer_demo and self._first_start is not None:
            self._offer_demo = False
            self._first_start()  # it loads the demo, imports or sets up; the desk shows
        elif summary.empty and self._offer_demo:
            self._offer_demo = False
            if self._ask(
                "An empty desk",
                "This desk has no customers, technicians or tickets yet.\n\n"
                "Load the demo desk (12 customers, 8 technicians, about 120 open tickets) "
                "to see the queue at work? You can import your own data later with "
                "'desktop-app import FILE'.",
            ):
                self._window.statusBar().showMessage("Building the demo desk…")
                self._service.load_demo_desk(self._on_summary, self._on_load_error)
                return
        self._set_technicians(summary.technicians)
        self._window.set_customers([(c.name, c.id) for c in summary.customers])
        self._window.statusBar().showMessage("Loading the queue…")
        # First the screenful that breaches first (read through the deadline index), so a
        # large desk shows its most urgent tickets at once; then the whole queue. Sort keys
        # and warning instants are worked out on the database thread too: the GUI only
        # swaps in finished rows.
        self._service.submit(
            lambda store: prepare_queue(queries.queue_head(store, HEAD_ROWS)),
            self._on_head_loaded,
            self._on_load_error,
            label="Loading the first tickets",
            reads_only=True,
        )
        self._service.submit(
            _whole_queue,
            self._on_queue_loaded,
            self._on_load_error,
            label="Loading the queue",
            reads_only=True,
        )

    def _on_head_loaded(self, prepared: PreparedQueue) -> None:
        if self._model.total() or self._loaded_in is not None:
            return  # the whole queue is there already
        self._model.load(prepared, partial=True)
        self._refilter()
        self._window.queue_view.viewport().repaint()

    def _on_load_error(self, exc: BaseException) -> None:
        self._window.statusBar().showMessage("Loading the desk failed.")
        self._tell("Cannot load the desk", f"{exc}")

    def _on_queue_loaded(self, prepared: PreparedQueue) -> None:
        # The whole queue takes the first screenful's place: the selection, the current
        # ticket (and the panes showing it) stay, and so does its place on screen.
        with keeping_view_anchored(self._window.queue_view, self._model):
            self._model.load(prepared)
            self._refilter()
        self._announce_current_if_changed()
        self._loaded_in = time.perf_counter() - self._started_at
        self._window.statusBar().showMessage(
            f"{self._model.total():,} open tickets loaded in {self._loaded_in:.1f} s", 5000
        )
        # draw the first screenful now: what attaches to `ready` (the board, the alerts)
        # may keep the GUI busy a moment on a large desk, and the queue comes first
        self._window.queue_view.viewport().repaint()
        self.ready.emit()

    # ------------------------------------------------------------------ changes

    @Slot(object)
    def _on_changed(self, change: DeskChange) -> None:
        """A write (here or at another desk) changed the desk: move the rows it names;
        re-read the people or the whole queue when those changed."""
        if change.everything:
            self.reload_desk()
            return
        if change.entries:
            self._model.apply_entries(change.entries)
        setup = change.changes.setup
        customers_changed = any(
            c.entity is Entity.CUSTOMER and c.kind in CUSTOMER_KINDS for c in change.changes.changes
        )
        if Entity.TECHNICIAN in setup or customers_changed:
            self.read_people()

    @Slot(bool)
    def _on_delivering(self, busy: bool) -> None:
        """A change of thousands of tickets arrives in parts, each moving its rows: the
        queue is drawn once they have all moved (a picture per part would cost more than
        the parts themselves), and the status bar says what is happening meanwhile."""
        view = self._window.queue_view
        if busy:
            self._window.statusBar().showMessage("Moving the tickets the change affects…")
            view.setUpdatesEnabled(False)
        else:
            view.setUpdatesEnabled(True)
            view.viewport().update()
            self._window.statusBar().showMessage("Every ticket the change affects has moved.", 5000)

    def read_people(self) -> None:
        """Read the technicians and customers again (someone was added or changed)."""
        self._service.submit(
            setup_queries.session_start,
            self._on_people,
            lambda exc: None,
            label="Reading the people",
            reads_only=True,
        )

    def _on_people(self, start: SessionStart) -> None:
        self._shared = start.shared
        self._login = start.signed_in
        self._set_technicians(start.summary.technicians)
        self._window.set_customers([(c.name, c.id) for c in start.summary.customers])

    def reload_desk(self) -> None:
        """Read the people and the whole queue again (after a large import)."""
        self.read_people()
        self._service.submit(
            _whole_queue,
            self._on_queue_loaded,
            self._on_load_error,
            label="Loading the queue",
            reads_only=True,
        )

    def _my_id(self) -> int | None:
        return self._me.id if self._me is not None else None

    def technician_name(self, technician_id: int | None) -> str | None:
        if technician_id is None:
            return None
        for technician in self._technicians:
            if technician.id == technician_id:
                return technician.name
        return None

    @Slot(str, object)
    def _on_undo_done(self, label: str, _outcome: object) -> None:
        self._window.statusBar().showMessage(label, 6000)

    @Slot(str, object, object)
    def _on_undo_failed(self, label: str, _command: object, exc: object) -> None:
        # the pane or the board that owns the ticket shows the refusal where the person
        # looks (see TicketActions and Dispatcher); the status bar says it too
        self._window.statusBar().showMessage(f"{label}: not possible. {exc}", 10_000)

    @Slot(str, object)
    def _on_action_failed(self, label: str, exc: object) -> None:
        self._window.statusBar().showMessage(f"{label} failed: {exc}", 10_000)
        self._tell(f"{label} failed", str(exc))

    # ------------------------------------------------------------------ filters & who

    def _set_technicians(self, technicians: list[Technician]) -> None:
        self._technicians = [t for t in technicians if t.active]
        if self._login is not None:
            self._bind_to_login(self._login)
            return
        self._who.setEnabled(True)
        self._who.setToolTip("The technician using this desk: 'Mine' shows their tickets")
        wanted = self._settings.value(TECHNICIAN_KEY)
        try:
            wanted_id = int(wanted) if wanted is not None else None
        except (TypeError, ValueError):
            wanted_id = None
        ids = [t.id for t in self._technicians]
        if wanted_id not in ids:
            # first start: a dispatcher sees the whole desk; else the first technician
            leads = [t for t in self._technicians if t.role is not Role.TECHNICIAN]
            pool = leads or self._technicians
            wanted_id = pool[0].id if pool else None
        blocker = self._who.blockSignals(True)
        try:
            self._who.clear()
            for t in self._technicians:
                self._who.addItem(f"{t.name} ({t.role.value})", t.id)
            index = self._who.findData(wanted_id) if wanted_id is not None else -1
            self._who.setCurrentIndex(max(index, 0))
        finally:
            self._who.blockSignals(blocker)
        self._on_who_changed(self._who.currentIndex())

    def _bind_to_login(self, person: Technician) -> None:
        """On a shared desk the login says who is here: that person, and nobody else."""
        current = next((t for t in self._technicians if t.id == person.id), None)
        blocker = self._who.blockSignals(True)
        try:
            self._who.clear()
            if current is not None:
                self._who.addItem(f"{current.name} ({current.role.value})", current.id)
        finally:
            self._who.blockSignals(blocker)
        self._who.setEnabled(False)
        self._who.setToolTip(
            f"Signed in by the database login {person.login}: the server knows who you are "
            "and what your role may change."
            if current is not None
            else f"The login {person.login} belongs to a technician who is inactive."
        )
        self._on_who_changed(self._who.currentIndex())

    @Slot(int)
    def _on_who_changed(self, index: int) -> None:
        technician_id = self._who.itemData(index) if index >= 0 else None
        self._me = next((t for t in self._technicians if t.id == technician_id), None)
        self._model.set_technician_zone(technician_zone(self._me))
        if self._me is not None:
            self._settings.setValue(TECHNICIAN_KEY, self._me.id)
        self.technicianChanged.emit(self._me)
        self._refilter()

    def current_filter(self) -> QueueFilter:
        window = self._window
        customer = window.customer_filter.currentData()
        return QueueFilter(
            quick=window.quick_filter(),
            me=self._me.id if self._me is not None else None,
            customer_id=customer if isinstance(customer, int) else None,
            search=window.search_edit.text(),
        )

    @Slot()
    def _refilter(self, *_args: object) -> None:
        self._search_timer.stop()
        self._model.set_filter(self.current_filter())

    @Slot(str)
    def _on_search_typed(self, _text: str) -> None:
        if self._model.total() <= INSTANT_SEARCH_LIMIT:
            self._refilter()
        else:
            self._search_timer.start()

    def _first_match(self) -> QModelIndex | None:
        """The queue's first row for what is typed now (filtered at once, not after the
        pause in typing a large desk waits for), made current and selected."""
        if self._search_timer.isActive():
            self._refilter()
        if self._model.rowCount() == 0:
            text = self._window.search_edit.text().strip()
            self._window.statusBar().showMessage(
                f"No open ticket matches “{text}”." if text else "The queue is empty.", 5000
            )
            return None
        view = self._window.queue_view
        index = self._model.index(0, 0)
        view.setCurrentIndex(index)
        view.selectRow(0)
        view.scrollTo(index)
        return index

    @Slot()
    def open_first_match(self) -> None:
        """Enter in the search box: open the first ticket that matches, as Enter on its
        row would (the cursor goes to the composer)."""
        index = self._first_match()
        if index is None:
            return
        ticket_id = index.data(TICKET_ID_ROLE)
        if isinstance(ticket_id, int):
            self.keys.ticketActivated.emit(ticket_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._window.search_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self._first_match() is not None
        ):
            # Down leaves the search box for the list, on the first match
            self._window.queue_view.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)


def _login_of(exc: BaseException) -> str:
    """``login "alice"`` from a driver's message, else a plain description."""
    import re

    found = re.search(r'for user "([^"]+)"', str(exc))
    return f'the login "{found.group(1)}"' if found else "your database login"


def demo_database_url(directory: str) -> str:
    """A throwaway SQLite file for ``--demo`` inside ``directory``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"sqlite:///{directory}/demo-{stamp}.sqlite3"


__all__ = ["DeskSession", "demo_database_url"]
