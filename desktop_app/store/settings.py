"""Where the desk's database lives.

The URL comes from, in order: the caller (``open_store(url)``), the environment variable
``DESKTOP_APP_DATABASE_URL``, the ``database_url`` entry of the user's settings file
(``settings.json`` in the platform's user config folder), and finally the default SQLite file
in the platform's user data folder (e.g. ``~/.local/share/technician-queue/desk.sqlite3``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

APP_NAME = "technician-queue"
ENV_DATABASE_URL = "DESKTOP_APP_DATABASE_URL"
DEFAULT_DATABASE_FILE = "desk.sqlite3"


class SettingsError(ValueError):
    """The settings file exists but cannot be used."""


def settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def default_database_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DEFAULT_DATABASE_FILE


def load_settings(path: Path | None = None) -> dict[str, object]:
    """The user's settings as a dict; an absent file means no settings."""
    path = path or settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"The settings file {path} is not valid JSON ({exc}). Fix it or delete it to "
            "start with the defaults."
        ) from exc
    if not isinstance(data, dict):
        raise SettingsError(f"The settings file {path} must hold a JSON object, not {data!r}.")
    return data


def database_url(explicit: str | None = None, settings_file: Path | None = None) -> str:
    """The database URL to open, following the order in the module docstring."""
    if explicit:
        return explicit
    from_env = os.environ.get(ENV_DATABASE_URL, "").strip()
    if from_env:
        return from_env
    configured = load_settings(settings_file).get("database_url")
    if configured is not None:
        if not isinstance(configured, str) or not configured.strip():
            raise SettingsError(
                "The settings entry 'database_url' must be a non-empty URL such as "
                "'postgresql+psycopg://user@host/desk' or 'sqlite:////path/desk.sqlite3'."
            )
        return configured.strip()
    return f"sqlite:///{default_database_path()}"
