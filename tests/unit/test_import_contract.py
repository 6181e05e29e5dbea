"""The domain and the SLA engine stay plain Python: no Qt, no SQL.

import-linter enforces the same rule in CI (``lint-imports``); this test keeps it in the
default test run and also catches imports made by name (``importlib.import_module``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "desktop_app"
PURE_PACKAGES = ("domain", "sla", "demo")
FORBIDDEN = frozenset({"PySide6", "shiboken6", "sqlalchemy", "alembic"})


@dataclass(frozen=True)
class ForbiddenImport:
    path: Path
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.module}"


def _is_forbidden(module: str) -> bool:
    return module.split(".", 1)[0] in FORBIDDEN


def _imported_by_name(call: ast.Call) -> str | None:
    """The module named in ``importlib.import_module("x")`` or ``__import__("x")``."""
    func = call.func
    named = (isinstance(func, ast.Name) and func.id in {"__import__", "import_module"}) or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )
    if named and call.args and isinstance(call.args[0], ast.Constant):
        value = call.args[0].value
        return value if isinstance(value, str) else None
    return None


def forbidden_imports_in(source: str, path: Path) -> list[ForbiddenImport]:
    found: list[ForbiddenImport] = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Call) and (named := _imported_by_name(node)):
            modules = [named]
        found.extend(
            ForbiddenImport(path, node.lineno, module)
            for module in modules
            if _is_forbidden(module)
        )
    return found


def forbidden_imports_under(folder: Path) -> tuple[list[Path], list[ForbiddenImport]]:
    """Every module under ``folder`` and the forbidden imports among them."""
    modules = sorted(folder.rglob("*.py"))
    found: list[ForbiddenImport] = []
    for module in modules:
        found.extend(forbidden_imports_in(module.read_text(encoding="utf-8"), module))
    return modules, found


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_import_neither_qt_nor_sql(package: str) -> None:
    modules, found = forbidden_imports_under(PACKAGE_ROOT / package)
    assert modules, f"desktop_app/{package} has no modules: the check would prove nothing"
    assert not found, "\n".join(str(item) for item in found)


def test_a_planted_forbidden_import_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "planted"
    (package / "nested").mkdir(parents=True)
    (package / "__init__.py").write_text('"""clean"""\nfrom . import nested\n')
    (package / "clean.py").write_text(
        "import PySide6x\nimport sqlalchemy_utils_lookalike\nfrom datetime import UTC\n"
    )
    (package / "store_leak.py").write_text("import json\nimport sqlalchemy.orm as orm\n")
    (package / "nested" / "__init__.py").write_text(
        "def later():\n    from PySide6.QtCore import QObject\n    return QObject\n"
    )
    (package / "nested" / "typing_only.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from alembic import op\n"
    )
    (package / "by_name.py").write_text(
        "import importlib\nqt = importlib.import_module('shiboken6')\n"
    )

    modules, found = forbidden_imports_under(package)

    assert len(modules) == 6
    relative = {
        (item.path.relative_to(package).as_posix(), item.line, item.module) for item in found
    }
    assert relative == {
        ("store_leak.py", 2, "sqlalchemy.orm"),
        ("nested/__init__.py", 2, "PySide6.QtCore"),
        ("nested/typing_only.py", 3, "alembic"),
        ("by_name.py", 2, "shiboken6"),
    }
    assert "store_leak.py:2 imports sqlalchemy.orm" in str(
        next(item for item in found if item.module == "sqlalchemy.orm")
    )
