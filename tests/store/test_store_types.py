"""Instants are aware UTC in and out on both backends; naive ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from desktop_app.store.db import make_engine
from desktop_app.store.types import NaiveDatetimeError, UTCDateTime

INSTANTS = [
    datetime(2025, 3, 9, 6, 59, 59, 999_999, tzinfo=UTC),  # just before the US DST jump
    datetime(2025, 3, 9, 3, 30, tzinfo=ZoneInfo("America/Toronto")),  # an EDT wall time
    datetime(2025, 10, 26, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),  # ambiguous hour, fold 0
    datetime(1999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
]


@pytest.fixture
def table_engine(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    metadata = MetaData()
    table = Table(
        "instants",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime(), nullable=True),
    )
    metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def test_round_trip_returns_the_same_instant_in_utc(table_engine) -> None:  # type: ignore[no-untyped-def]
    engine, table = table_engine
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": i, "at": at} for i, at in enumerate(INSTANTS)])
        conn.execute(insert(table), [{"id": 99, "at": None}])
    with engine.connect() as conn:
        rows = dict(conn.execute(select(table.c.id, table.c.at)).all())
    for i, original in enumerate(INSTANTS):
        back = rows[i]
        # Same instant; compared in UTC because PEP 495 makes == between zones False for
        # wall times inside a DST fold, whatever the instant.
        assert back == original.astimezone(UTC)
        assert back.timestamp() == original.timestamp()
        assert back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert rows[99] is None


def test_ordering_and_comparison_in_sql_follow_the_instants(table_engine) -> None:  # type: ignore[no-untyped-def]
    engine, table = table_engine
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": i, "at": at} for i, at in enumerate(INSTANTS)])
    pivot = datetime(2025, 3, 9, 7, 0, tzinfo=UTC)
    with engine.connect() as conn:
        ordered = conn.execute(select(table.c.at).order_by(table.c.at)).scalars().all()
        later = conn.execute(select(table.c.id).where(table.c.at >= pivot)).scalars().all()
    assert ordered == sorted(at.astimezone(UTC) for at in INSTANTS)
    assert sorted(later) == sorted(i for i, at in enumerate(INSTANTS) if at >= pivot)


def test_a_naive_datetime_is_refused_with_a_clear_message(table_engine) -> None:  # type: ignore[no-untyped-def]
    engine, table = table_engine
    with pytest.raises(StatementError) as caught, engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "at": datetime(2025, 1, 1, 12, 0)}])
    assert isinstance(caught.value.orig, NaiveDatetimeError)
    assert "has no time zone" in str(caught.value.orig)
    with engine.connect() as conn:
        assert conn.execute(select(table.c.id)).all() == []
