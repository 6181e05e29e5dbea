"""Column types shared by the schema and the migrations.

``UTCDateTime`` keeps every instant an aware UTC ``datetime`` on both backends:

* PostgreSQL stores ``timestamptz`` natively; values come back aware and are normalised to UTC.
* SQLite has no date type. SQLAlchemy's ``DateTime(timezone=True)`` would store the wall clock
  and drop the offset, so instants are stored as fixed-width ISO 8601 text in UTC
  (``2024-03-01T08:15:00.000000+00:00``). Fixed width keeps ``ORDER BY`` and ``<``/``>`` correct
  on the text, and ``datetime.fromisoformat`` reads it back aware without any extra work.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

_SQLITE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"


class NaiveDatetimeError(TypeError):
    """A naive ``datetime`` reached the store; every instant must carry its zone."""


def to_utc_text(value: datetime) -> str:
    """The SQLite storage form of an aware instant (see the module docstring)."""
    # isoformat with fixed microseconds gives exactly _SQLITE_FORMAT, several times faster.
    return require_aware(value).astimezone(UTC).isoformat(timespec="microseconds")


def from_utc_text(value: str) -> datetime:
    return datetime.fromisoformat(value)


def require_aware(value: datetime, what: str = "instant") -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(
            f"The {what} {value.isoformat()} has no time zone. The desk stores only aware "
            "instants: pass datetime.now(UTC) or attach the zone (e.g. .replace(tzinfo=UTC))."
        )
    return value


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC instants in and out, on SQLite and PostgreSQL; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"Expected an aware datetime, got {type(value).__name__}: {value!r}")
        if dialect.name == "sqlite":
            return to_utc_text(value)
        return require_aware(value).astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return from_utc_text(value)
        if isinstance(value, datetime):
            if value.tzinfo is None:  # only a foreign writer could have stored this
                return value.replace(tzinfo=UTC)
            return value.astimezone(UTC)
        raise TypeError(f"Cannot read an instant from {value!r}")

    def process_literal_param(self, value: datetime | None, dialect: Dialect) -> str:
        if value is None:
            return "NULL"
        return f"'{to_utc_text(value)}'"
