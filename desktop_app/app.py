"""Composition root: builds the store, services, models and views and wires them."""

from __future__ import annotations


def run(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication([])
    window = QMainWindow()
    window.setWindowTitle("Technician Queue")
    window.show()
    return app.exec()
