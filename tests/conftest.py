"""Shared test set-up.

- Qt runs offscreen unless the caller chose a platform (``QT_QPA_PLATFORM``).
- Nothing a test does touches the user's real settings or data: QSettings and the XDG
  folders point into temporary folders for the whole session, and ``tmp_settings`` gives a
  test its own empty QSettings.
- A test fails when it leaves a QThread running or a QTimer active behind it, so every
  worker and every countdown is shut down by the code that started it.
- Property tests (Hypothesis) run the ``quick`` profile: a few seconds in ``make test``.
  ``make test-deep`` (or ``HYPOTHESIS_PROFILE=deep``, or ``--hypothesis-profile=deep``)
  runs thousands of examples per property.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Before Qt is imported anywhere: a platform that needs no display, and private folders.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="technician-queue-tests-"))
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(_SESSION_DIR / _name.lower())

import pytest  # noqa: E402
import shiboken6  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QThread, QTimer  # noqa: E402

_SESSION_SETTINGS_DIR = _SESSION_DIR / "qsettings"

# Examples walk years of calendar days: no per-example deadline, and slow generation is
# expected. Tests that set max_examples themselves keep their own number.
_PROPERTY_CHECKS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("quick", max_examples=25, **_PROPERTY_CHECKS)
settings.register_profile("deep", max_examples=2_000, **_PROPERTY_CHECKS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


def _point_settings_at(folder: Path) -> None:
    """Every QSettings format and scope reads and writes under ``folder``."""
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, str(folder / scope.name))


_point_settings_at(_SESSION_SETTINGS_DIR)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture
def machine_zone_is() -> Iterator[Callable[[str], None]]:
    """Set the zone of the machine the desk runs on (``TZ``) for one test, restored after."""
    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture
def tmp_settings(tmp_path: Path) -> Iterator[QSettings]:
    """An empty QSettings of its own for this test, under a temporary organization.

    ``QSettings()`` built anywhere during the test lands in ``tmp_path`` as well.
    """
    folder = tmp_path / "settings"
    names = (QCoreApplication.organizationName(), QCoreApplication.applicationName())
    _point_settings_at(folder)
    QCoreApplication.setOrganizationName(f"technician-queue-test-{uuid.uuid4().hex[:8]}")
    QCoreApplication.setApplicationName("technician-queue")
    settings = QSettings()
    try:
        yield settings
    finally:
        settings.sync()
        QCoreApplication.setOrganizationName(names[0])
        QCoreApplication.setApplicationName(names[1])
        _point_settings_at(_SESSION_SETTINGS_DIR)


# --- leaked threads and timers ---------------------------------------------------------


@dataclass
class _PendingSingleShot:
    where: str
    receiver: weakref.ref[QObject] | None
    fired: bool = False


@dataclass
class _QtLeakTracker:
    timers: list[tuple[weakref.ref[QTimer], str]] = field(default_factory=list)
    threads: list[tuple[weakref.ref[QThread], str]] = field(default_factory=list)
    single_shots: list[_PendingSingleShot] = field(default_factory=list)


def _describe(obj: QObject) -> str:
    name = obj.objectName()
    return f"{type(obj).__name__}{f' {name!r}' if name else ''}"


def _alive(obj: QObject | None) -> bool:
    return obj is not None and shiboken6.isValid(obj)


def _flush_deferred_deletes() -> None:
    # Widgets closed by qtbot were deleteLater()'d; delete them now so their timers go too.
    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def _unfreeze_the_collector() -> Iterator[None]:
    """A desk freezes its loaded queue out of the collector's sight (see
    ``desk_session._whole_queue``); each test starts with nothing frozen."""
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def _fail_on_leaked_qt_threads_and_timers(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail a test that leaves a QThread running or a QTimer (or single shot) pending."""
    tracker = _QtLeakTracker()
    test_name = request.node.nodeid
    original_timer_start = QTimer.start
    original_thread_start = QThread.start
    original_single_shot = QTimer.singleShot

    def timer_start(self: QTimer, *args: Any) -> None:
        tracker.timers.append((weakref.ref(self), _describe(self)))
        original_timer_start(self, *args)

    def thread_start(self: QThread, *args: Any) -> None:
        tracker.threads.append((weakref.ref(self), _describe(self)))
        original_thread_start(self, *args)

    def single_shot(*args: Any, **kwargs: Any) -> None:
        *head, target = args
        if kwargs or not callable(target):
            original_single_shot(*args, **kwargs)  # a SLOT() string: cannot be followed
            return
        receiver = next((a for a in head if isinstance(a, QObject)), None)
        pending = _PendingSingleShot(
            where=f"QTimer.singleShot({head[0]} ms, {getattr(target, '__qualname__', target)})",
            receiver=weakref.ref(receiver) if receiver is not None else None,
        )
        tracker.single_shots.append(pending)

        def fire(*fire_args: Any) -> None:
            pending.fired = True
            target(*fire_args)

        original_single_shot(*head, fire)

    monkeypatch.setattr(QTimer, "start", timer_start)
    monkeypatch.setattr(QThread, "start", thread_start)
    monkeypatch.setattr(QTimer, "singleShot", staticmethod(single_shot))

    yield

    _flush_deferred_deletes()
    leaks: list[str] = []
    for ref, description in tracker.threads:
        thread = ref()
        if _alive(thread) and thread is not None and thread.isRunning():
            leaks.append(f"QThread still running: {description}")
            thread.quit()  # stop it so the next test starts clean
            thread.wait(5000)
    for ref, description in tracker.timers:
        timer = ref()
        if _alive(timer) and timer is not None and timer.isActive():
            leaks.append(f"QTimer still active: {description}")
            timer.stop()
    for pending in tracker.single_shots:
        if pending.fired:
            continue
        receiver = pending.receiver() if pending.receiver is not None else None
        if pending.receiver is None or _alive(receiver):
            leaks.append(f"{pending.where} has not fired yet")
    if leaks:
        pytest.fail(
            f"{test_name} left Qt work running (stop threads and timers in the code that "
            "started them, or in the test's teardown):\n  " + "\n  ".join(leaks),
            pytrace=False,
        )
