"""Composition root: builds the application, its services, models and views and wires them.

Everything that knows about more than one layer lives here, and only here. Today it builds
the Qt application (names set for QSettings, the style sheet, the icon) and the main window;
the store, the SLA monitor and the queue model are wired in here as they arrive.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desktop_app import __version__
from desktop_app.logs import configure_logging
from desktop_app.models.queue_model import QueueModel, RowState
from desktop_app.paths import icon_file, ui_file
from desktop_app.private_files import create_private_file, private_folder, tighten
from desktop_app.services.desk import DeskService, PendingJob
from desktop_app.services.sign_in import Credentials
from desktop_app.store import open_store
from desktop_app.store.settings import SettingsError, database_url
from desktop_app.views.desk_session import DeskSession, demo_database_url
from desktop_app.views.main_window import MainWindow

APP_NAME = "technician-queue"  # names the QSettings file; window titles come from the form
ORGANIZATION_NAME = "technician-queue"
ORGANIZATION_DOMAIN = "technician-queue.local"
DESKTOP_FILE_NAME = "technician-queue"
STATE_ICONS = ("ok", "warning", "breached", "paused", "app")
# Long enough for the window to be exposed and painted, short enough for CI.
SMOKE_DELAY_MS = 400
# The smoke run waits for the desk's database to open and the queue to load; past this
# something is wrong (a missing migration in the bundle, a hung driver).
SMOKE_TIMEOUT_MS = 30_000


class LaunchError(RuntimeError):
    """The app cannot start as asked; the message says why and what to do."""


class DisplayUnavailableError(LaunchError):
    """No display to open a window on."""


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    """What the command line asked for (see ``desktop-app --help``)."""

    database: str | None = None  # a database URL; None: $DESKTOP_APP_DATABASE_URL or default
    demo: bool = False  # a throwaway demo database instead of the user's desk
    smoke: bool = False  # open the window, check it, exit 0


def ensure_display(
    smoke: bool,
    environ: MutableMapping[str, str] | None = None,
    platform: str | None = None,
) -> None:
    """Make sure Qt has somewhere to draw before it starts.

    Without a display on Linux Qt aborts with a misleading message about xcb plugins. A
    smoke run then switches to the offscreen platform; a normal run gets a clear error.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return
    if smoke:
        env["QT_QPA_PLATFORM"] = "offscreen"
        return
    raise DisplayUnavailableError(
        "No display found (neither DISPLAY nor WAYLAND_DISPLAY is set). Start Technician "
        "Queue from a desktop session, or check a headless machine with `desktop-app --smoke`."
    )


def load_style_sheet(app: QApplication) -> str:
    """Apply ``ui/style.qss`` to the whole application and return it."""
    style = ui_file("style.qss").read_text(encoding="utf-8")
    app.setStyleSheet(style)
    return style


def configure_application(app: QApplication) -> None:
    """Names (which decide where QSettings live), icon and style sheet."""
    QCoreApplication.setOrganizationName(ORGANIZATION_NAME)
    QCoreApplication.setOrganizationDomain(ORGANIZATION_DOMAIN)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    app.setWindowIcon(QIcon(str(icon_file("app"))))
    load_style_sheet(app)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication, configured; reuses one that already exists."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        app = QApplication([sys.argv[0] if sys.argv else "desktop-app", *(argv or [])])
    configure_application(app)
    return app


def build_main_window(options: LaunchOptions, settings: QSettings | None = None) -> MainWindow:
    """The main window, wired to what exists so far."""
    window = MainWindow(settings)
    window.setWindowIcon(QIcon(str(icon_file("app"))))
    if options.demo:
        window.setWindowTitle(f"{window.windowTitle()} — demo desk")
    return window


def _smoke_check(app: QApplication, window: MainWindow) -> Callable[[], None]:
    def check() -> None:
        problems = []
        if not window.isVisible():
            problems.append("the main window is not visible")
        if not window.queue_view.isVisible():
            problems.append("the queue is not visible")
        if not app.styleSheet():
            problems.append("the style sheet is empty")
        unreadable = [
            name for name in STATE_ICONS if QIcon(str(icon_file(name))).pixmap(16).isNull()
        ]
        if unreadable:  # e.g. a bundle without Qt's SVG plugin
            problems.append(f"these icons cannot be drawn: {', '.join(unreadable)}")
        if problems:
            print(f"Smoke test FAILED: {'; '.join(problems)}.", file=sys.stderr)
            app.exit(1)
            return
        size = window.size()
        print(
            f"Smoke test passed: main window shown ({size.width()}x{size.height()}, "
            f"platform {QApplication.platformName()})."
        )
        app.exit(0)

    return check


def state_icons() -> dict[RowState, QIcon]:
    """The queue's state icons (text and colour say the same, for those who need it)."""
    names = {
        RowState.OK: "ok",
        RowState.WARNING: "warning",
        RowState.BREACHED: "breached",
        RowState.PAUSED: "paused",
    }
    return {state: QIcon(str(icon_file(name))) for state, name in names.items()}


def resolve_database_url(options: LaunchOptions, scratch: str) -> str:
    """The database to open: a throwaway file for --demo and --smoke, else the user's desk
    (``--database``, ``DESKTOP_APP_DATABASE_URL``, settings file, default SQLite file)."""
    if options.demo:
        return demo_database_url(scratch)
    if options.smoke and not options.database:
        return f"sqlite:///{scratch}/smoke.sqlite3"
    try:
        return database_url(options.database)
    except SettingsError as exc:
        raise LaunchError(str(exc)) from exc


@dataclass(slots=True)
class DeskApp:
    """The wired desk: window, database service, queue model and the session joining them."""

    window: MainWindow
    service: DeskService
    model: QueueModel
    session: DeskSession
    attachments: list[QObject]


def build_desk(options: LaunchOptions, settings: QSettings, scratch: str) -> DeskApp:
    """Build and wire everything; ``scratch`` is a folder for throwaway databases.
    Nothing runs until ``session.start()``."""
    url = resolve_database_url(options, scratch)
    window = build_main_window(options, settings)
    # a password the server asks for is kept for this run only, never written anywhere
    credentials = Credentials()
    service = DeskService(lambda: open_store(url, password=credentials.password()))
    model = QueueModel(window, icons=state_icons())
    session = DeskSession(
        window,
        service,
        model,
        settings,
        offer_demo=not options.smoke,
        load_demo=options.demo,
        credentials=credentials,
    )
    # Panels and services that attach to the session: one line each.
    attachments: list[QObject] = []
    from desktop_app.views.detail_panel import DetailPanel  # the ticket and customer panes

    detail = DetailPanel(session)
    attachments.append(detail)
    from desktop_app.views.setup_actions import attach_setup  # new tickets, Setup menu

    setup = attach_setup(session)
    detail.customer_pane.newTicketRequested.connect(setup.new_ticket)
    detail.customer_pane.editRequested.connect(setup.edit_customer)
    attachments.append(setup)
    from desktop_app.views.alerts_wiring import AlertsWiring  # SLA monitor, tray, notifications

    attachments.append(AlertsWiring(session))
    from desktop_app.views.dispatch_board import attach_dispatch_board  # drag-and-drop board

    attachments.append(attach_dispatch_board(session))
    from desktop_app.views.report_dialog import attach_report  # View → Monthly SLA report…

    attachments.append(attach_report(session))
    from desktop_app.views.desk_storage import attach_desk_storage  # read-only, copies, log

    attachments.append(attach_desk_storage(session))
    return DeskApp(window, service, model, session, attachments)


def make_settings_private(settings: QSettings) -> None:
    """The window settings file (layout, signed-in technician) is its owner's only: Qt
    creates it world-readable, and keeps the mode of an existing file when it rewrites it,
    so it is created (or tightened) 0600 before Qt first writes it."""
    if os.name != "posix":
        return  # the registry (Windows) is per user already
    path = Path(settings.fileName())
    if not path.is_absolute():
        return
    try:
        private_folder(path.parent)
        if not create_private_file(path):
            tighten(path)
    except OSError as exc:  # a read-only home: Qt will say it cannot save the layout
        logging.getLogger(__name__).warning("Cannot make %s private: %s", path, exc)


def start_logging(folder: Path | None = None) -> None:
    """The log file (Help → Show log); a desk without one still starts."""
    try:
        configure_logging(folder)
    except OSError as exc:
        print(f"Technician Queue keeps no log: {exc}", file=sys.stderr)


def run(options: LaunchOptions, settings: QSettings | None = None) -> int:
    """Start the desk and return the process exit code.

    With ``options.smoke`` the window opens (offscreen when there is no display) on a
    scratch database, waits for the queue to load, is checked, and the event loop ends by
    itself; the code is 0 when all is well.

    If quitting had to give up on the database thread (a hung server), the process ends
    here with ``code`` instead of returning (see :func:`_exit_leaving_the_database_thread`).
    """
    ensure_display(options.smoke)
    app = create_application()
    abandoned: list[PendingJob] = []
    # a database thread given up on may still hold a file in the scratch folder
    with tempfile.TemporaryDirectory(
        prefix="technician-queue-", ignore_cleanup_errors=True
    ) as scratch:
        # a smoke check leaves the user's own log, layout and choices alone, as their data
        start_logging(Path(scratch) / "log" if options.smoke else None)
        if settings is None:
            settings = (
                QSettings(str(Path(scratch) / "smoke.ini"), QSettings.Format.IniFormat)
                if options.smoke
                else QSettings()
            )
        make_settings_private(settings)
        desk = build_desk(options, settings, scratch)
        window = desk.window
        window.show()
        if options.smoke:
            check = _smoke_check(app, window)
            desk.session.ready.connect(lambda: QTimer.singleShot(SMOKE_DELAY_MS, window, check))
            QTimer.singleShot(SMOKE_TIMEOUT_MS, window, _smoke_timeout(app))
        desk.session.start()
        try:
            code = app.exec()
        finally:
            abandoned = stop_desk(desk)
            window.close()
            window.deleteLater()
    if abandoned:
        settings.sync()  # the window's layout, saved as it closed: an exit skips the flush
        _exit_leaving_the_database_thread(code, abandoned)
    return code


def stop_desk(desk: DeskApp) -> list[PendingJob]:
    """Stop what the desk runs: each attachment's timers and threads, then the database
    thread (which finishes the jobs already queued, so nothing typed is lost). Waiting
    for the database is bounded: returns the jobs it gave up on (empty: all done); the
    session has already told the user about changes among them."""
    for attachment in reversed(desk.attachments):
        stop = getattr(attachment, "stop", None)
        if callable(stop):
            stop()
    return desk.session.stop()


def _exit_leaving_the_database_thread(code: int, abandoned: list[PendingJob]) -> None:
    """End the process now. A database thread stuck in a job (a hung server) cannot be
    stopped, and Qt aborts a process whose running QThread is destroyed during the normal
    shutdown; the operating system ends the thread, and the database rolls back what it
    had not committed."""
    print(
        "Technician Queue quit without waiting for the database, which did not answer: "
        + "; ".join(job.describe() for job in abandoned),
        file=sys.stderr,
    )
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _smoke_timeout(app: QApplication) -> Callable[[], None]:
    def fail() -> None:
        seconds = SMOKE_TIMEOUT_MS // 1000
        print(
            f"Smoke test FAILED: the queue did not load within {seconds} s.",
            file=sys.stderr,
        )
        app.exit(1)

    return fail
