"""Start-up: the command line, the --smoke check, and the hand-off to the command-line tools."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import desktop_app.__main__ as entry
from desktop_app import app as composition
from desktop_app.app import DisplayUnavailableError, LaunchOptions, ensure_display, run
from desktop_app.views.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def keep_app_look(qapp: QApplication) -> Iterator[None]:
    """run() styles the shared test QApplication; put it back afterwards."""
    style = qapp.styleSheet()
    try:
        yield
    finally:
        qapp.setStyleSheet(style)


def test_smoke_run_opens_the_window_and_returns_zero(
    qtbot: QtBot, tmp_settings: QSettings, keep_app_look: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(LaunchOptions(smoke=True), settings=tmp_settings) == 0
    out = capsys.readouterr().out
    assert "Smoke test passed: main window shown" in out
    # The window saved its layout on the way out.
    assert tmp_settings.contains("MainWindow/geometry")


def test_a_smoke_run_leaves_the_users_own_settings_alone(
    qtbot: QtBot, keep_app_look: None, capsys: pytest.CaptureFixture[str]
) -> None:
    own = QSettings()  # the user's settings (tests point them at a temporary folder)
    own.setValue("MainWindow/geometry", b"the user's own layout")
    own.sync()
    assert run(LaunchOptions(smoke=True)) == 0
    assert "Smoke test passed" in capsys.readouterr().out
    own.sync()
    assert own.value("MainWindow/geometry") == b"the user's own layout"
    assert not own.contains("MainWindow/splitter")


def test_smoke_run_fails_when_the_window_does_not_appear(
    qtbot: QtBot,
    tmp_settings: QSettings,
    keep_app_look: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    class InvisibleWindow(MainWindow):
        def show(self) -> None:
            pass  # a window that never shows

    monkeypatch.setattr(
        composition, "build_main_window", lambda options, settings: InvisibleWindow(settings)
    )
    assert run(LaunchOptions(smoke=True), settings=tmp_settings) == 1
    assert "Smoke test FAILED: the main window is not visible" in capsys.readouterr().err


def test_demo_desk_is_named_in_the_title(qtbot: QtBot, tmp_settings: QSettings) -> None:
    window = composition.build_main_window(LaunchOptions(demo=True), tmp_settings)
    qtbot.addWidget(window)
    assert window.windowTitle() == "Technician Queue — demo desk"
    assert not window.windowIcon().isNull()


def test_python_dash_m_smoke_starts_offscreen_without_a_display(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    }
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    completed = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--smoke"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "platform offscreen" in completed.stdout
    # a start-up check leaves the user's own settings alone
    assert not (tmp_path / "config" / "technician-queue" / "technician-queue.conf").exists()


@pytest.mark.parametrize(
    ("environ", "platform", "expected_platform"),
    [
        ({"DISPLAY": ":0"}, "linux", None),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", None),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", "xcb"),
        ({}, "win32", None),
        ({}, "darwin", None),
    ],
)
def test_a_display_is_left_alone(
    environ: dict[str, str], platform: str, expected_platform: str | None
) -> None:
    for smoke in (False, True):
        env = dict(environ)
        ensure_display(smoke, env, platform)
        assert env.get("QT_QPA_PLATFORM") == expected_platform


def test_no_display_means_offscreen_for_smoke_and_a_clear_error_otherwise() -> None:
    env: dict[str, str] = {}
    ensure_display(True, env, "linux")
    assert env["QT_QPA_PLATFORM"] == "offscreen"
    with pytest.raises(DisplayUnavailableError, match=r"No display found.*--smoke"):
        ensure_display(False, {}, "linux")


def test_main_reports_a_missing_display_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert entry.main([]) == 2
    assert "desktop-app: No display found" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        ([], None),
        (["--smoke"], None),
        (["--database", "sqlite:////tmp/desk.sqlite3"], None),
        (["import", "desk.json"], "import"),
        (["--database", "postgresql+psycopg://desk@db/desk", "export", "out.json"], "export"),
        (["--database=sqlite://", "import", "x.json"], "import"),
        (["--", "import"], None),
    ],
)
def test_the_command_is_the_first_word_that_is_no_option(
    argv: list[str], command: str | None
) -> None:
    assert entry.find_command(argv) == command


def test_commands_get_the_whole_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        received.append(argv)
        return 3

    fake_cli = types.ModuleType("desktop_app.cli")
    fake_cli.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "desktop_app.cli", fake_cli)
    argv = ["--database", "sqlite:////tmp/desk.sqlite3", "import", "desk.json"]
    assert entry.main(argv) == 3
    assert received == [argv]


def test_a_command_returning_none_means_success(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_cli = types.ModuleType("desktop_app.cli")
    fake_cli.main = lambda argv: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "desktop_app.cli", fake_cli)
    assert entry.main(["export", "out.json"]) == 0


def test_a_missing_command_module_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "desktop_app.cli", None)  # as if the file were absent
    assert entry.main(["import", "desk.json"]) == 2
    err = capsys.readouterr().err
    assert "the command 'import' is not available" in err
    assert "desktop_app.cli is missing" in err


def test_a_broken_dependency_of_the_command_module_is_not_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def import_module(name: str) -> types.ModuleType:
        raise ModuleNotFoundError("No module named 'openpyxl'", name="openpyxl")

    monkeypatch.setattr(entry.importlib, "import_module", import_module)
    with pytest.raises(ModuleNotFoundError, match="openpyxl"):
        entry.main(["import", "desk.xlsx"])


def test_demo_and_database_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        entry.main(["--demo", "--database", "sqlite://"])
    assert exit_info.value.code == 2
    assert "not allowed with argument --demo" in capsys.readouterr().err


def test_help_names_the_options_commands_and_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        entry.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for word in ("--database URL", "--demo", "--smoke", "import FILE", "export FILE"):
        assert word in text
    assert "DESKTOP_APP_DATABASE_URL" in text


def test_the_repository_has_the_folders_the_app_loads() -> None:
    assert (REPO / "ui" / "main_window.ui").is_file()
    assert (REPO / "ui" / "style.qss").is_file()


def test_the_real_command_module_answers_through_the_entry_point(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert entry.main(["export", "--help"]) == 0
    assert "usage: desktop-app export" in capsys.readouterr().out
