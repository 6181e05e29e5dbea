"""Guards against known defects of the Qt binding the desk runs on."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal()


def test_emitting_signals_keeps_reference_counts(qapp: object) -> None:
    # PySide6 6.12.0 released a reference to True on every emit; on Python 3.11 the
    # interpreter aborts once the count reaches zero (after a few minutes of ticking).
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(2000):
        emitter.fired.emit()
    assert sys.getrefcount(True) >= before - 50
