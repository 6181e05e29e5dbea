"""Where the app finds its Designer forms (``ui/``) and icons (``resources/``).

Both folders sit at the top of the repository, next to ``desktop_app/``. In a development
or editable checkout they are found beside the package; inside a PyInstaller bundle they
are unpacked under ``sys._MEIPASS``. Nothing else in the app builds these paths by hand.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

ASSET_FOLDERS = ("ui", "resources")


class AssetsNotFoundError(FileNotFoundError):
    """The ``ui/`` and ``resources/`` folders (or one file in them) cannot be found."""


def candidate_roots() -> list[Path]:
    """Folders that may hold ``ui/`` and ``resources/``, most specific first."""
    roots: list[Path] = []
    bundle_dir = getattr(sys, "_MEIPASS", None)
    if bundle_dir:
        roots.append(Path(bundle_dir))
    # desktop_app/paths.py -> the checkout's top folder.
    roots.append(Path(__file__).resolve().parent.parent)
    return roots


def locate_assets(candidates: Sequence[Path]) -> Path:
    """Return the first candidate that holds both ``ui/`` and ``resources/``.

    Raises :class:`AssetsNotFoundError` naming every folder searched and what to do.
    """
    for root in candidates:
        if all((root / folder).is_dir() for folder in ASSET_FOLDERS):
            return root
    searched = ", ".join(str(root) for root in candidates) or "(no folders)"
    raise AssetsNotFoundError(
        "Cannot find the app's ui/ and resources/ folders; searched: "
        f"{searched}. Run the app from a checkout installed with `pip install -e .` "
        "(`make run` does this) or from the bundle built by `make bundle`."
    )


@cache
def asset_root() -> Path:
    """The folder holding ``ui/`` and ``resources/`` for this installation."""
    return locate_assets(candidate_roots())


def _existing(path: Path, what: str) -> Path:
    if not path.is_file():
        raise AssetsNotFoundError(
            f"The {what} {path} is missing. Restore it from the repository "
            "(`git checkout` the file) or rebuild the bundle with `make bundle`."
        )
    return path


def ui_file(name: str) -> Path:
    """A Designer form or the style sheet under ``ui/``, e.g. ``ui_file("main_window.ui")``."""
    return _existing(asset_root() / "ui" / name, "user-interface file")


def resource_file(relative: str) -> Path:
    """A file under ``resources/``, e.g. ``resource_file("icons/ok.svg")``."""
    return _existing(asset_root() / "resources" / relative, "resource file")


def icon_file(name: str) -> Path:
    """An icon under ``resources/icons/`` by its stem, e.g. ``icon_file("breached")``."""
    return resource_file(f"icons/{name}.svg")
