"""Fixtures of the Qt tests that run a real desk session (see tests/support/detail_desk.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from desktop_app.demo import generate_demo_desk
from desktop_app.models.queue_model import QueueModel
from desktop_app.services.desk import DeskService
from desktop_app.store import open_store
from desktop_app.views.desk_session import DeskSession
from desktop_app.views.detail_panel import DetailPanel
from desktop_app.views.main_window import MainWindow
from support.detail_desk import NOW, WAIT, Desk


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("desk") / "template.sqlite3"
    store = open_store(f"sqlite:///{path}", clock=lambda: NOW)
    store.import_desk(generate_demo_desk(seed=5, now=NOW, open_tickets=30, closed_tickets=10))
    store.close()
    return path


@pytest.fixture
def desk(qtbot: Any, template: Path, tmp_path: Path, tmp_settings: QSettings) -> Iterator[Desk]:
    path = tmp_path / "desk.sqlite3"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    window = MainWindow(tmp_settings)
    qtbot.addWidget(window)
    service = DeskService(lambda: open_store(url, clock=lambda: NOW))
    model = QueueModel(window, now=NOW.timestamp)
    problems: list[tuple[str, str]] = []
    session = DeskSession(
        window,
        service,
        model,
        tmp_settings,
        ask=lambda _t, _q: True,
        tell=lambda title, message: problems.append((title, message)),
    )
    panel = DetailPanel(session, now=lambda: NOW)
    with qtbot.waitSignal(session.ready, timeout=WAIT):
        session.start()
    checker = open_store(url, clock=lambda: NOW)
    try:
        yield Desk(session, window, model, panel, checker, problems)
    finally:
        panel.stop()
        session.stop()
        checker.close()
