"""Engine settings, database URL resolution and schema migrations."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, insert, inspect, select, table, text
from sqlalchemy.exc import IntegrityError

from desktop_app.domain import ClockState, Metric, TicketStatus
from desktop_app.store import DatabaseUrlError, open_store
from desktop_app.store.db import current_revision, head_revision, make_engine, upgrade_schema
from desktop_app.store.schema import (
    AuditRow,
    Base,
    CriticismNoteRow,
    CustomerRow,
    SiteRow,
    TechnicianRow,
    TicketClockRow,
    TicketEventRow,
    TicketRow,
)
from desktop_app.store.settings import ENV_DATABASE_URL, SettingsError, database_url
from desktop_app.store.types import UTCDateTime

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


# --- SQLite engine -------------------------------------------------------------------------


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            insert(SiteRow.__table__),
            [{"customer_id": 4242, "name": "Nowhere", "timezone": "UTC", "calendar": "x"}],
        )
    engine.dispose()
    store.close()


@posix_only
def test_sqlite_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new folder" / "desk.sqlite3"
    store = open_store(f"sqlite:///{path}")
    store.seed_defaults()  # writes, so the WAL and shared-memory files exist
    for file in (path, path.with_name("desk.sqlite3-wal"), path.with_name("desk.sqlite3-shm")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    store.close()


@posix_only
def test_a_desk_left_world_readable_is_tightened_once_opened_as_a_desk(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    open_store(f"sqlite:///{path}").close()
    path.chmod(0o644)  # as an older version left it
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # merely looking changes nothing
    open_store(f"sqlite:///{path}").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- URLs and settings ---------------------------------------------------------------------


def test_url_comes_from_argument_then_environment_then_settings_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "settings.json"
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    default = database_url(settings_file=settings)
    assert default.startswith("sqlite:///") and default.endswith("technician-queue/desk.sqlite3")

    settings.write_text(json.dumps({"database_url": "postgresql://desk@server/desk"}))
    assert database_url(settings_file=settings) == "postgresql://desk@server/desk"

    monkeypatch.setenv(ENV_DATABASE_URL, "sqlite:////tmp/from-env.sqlite3")
    assert database_url(settings_file=settings) == "sqlite:////tmp/from-env.sqlite3"
    assert database_url("sqlite:///explicit.sqlite3", settings) == "sqlite:///explicit.sqlite3"


def test_a_broken_settings_file_says_what_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    settings = tmp_path / "settings.json"
    settings.write_text("{not json")
    with pytest.raises(SettingsError, match="not valid JSON"):
        database_url(settings_file=settings)
    settings.write_text(json.dumps({"database_url": 5}))
    with pytest.raises(SettingsError, match="database_url"):
        database_url(settings_file=settings)


def test_postgres_urls_use_psycopg_and_other_backends_are_refused() -> None:
    from desktop_app.store.db import normalise_url

    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(DatabaseUrlError, match="SQLite or PostgreSQL"):
        normalise_url("mysql://u@h/db")


# --- migrations ----------------------------------------------------------------------------


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade_schema(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


T0 = datetime(2025, 2, 3, 14, 0, tzinfo=UTC)
DUE_RESPONSE = datetime(2025, 2, 3, 15, 0, tzinfo=UTC)
DUE_RESOLUTION = datetime(2025, 2, 4, 21, 0, tzinfo=UTC)


def _fill_first_revision(engine) -> None:  # type: ignore[no-untyped-def]
    """Rows as revision 0001 knew them (no next_due_at, no notifications)."""
    with engine.begin() as conn:
        conn.execute(
            insert(TechnicianRow.__table__),
            [
                {
                    "id": 1,
                    "name": "Alice Tech",
                    "role": "technician",
                    "escalation_level": 1,
                    "timezone": "America/Toronto",
                    "active": True,
                    "shift_start": "08:00",
                    "shift_end": "17:00",
                }
            ],
        )
        conn.execute(
            insert(CustomerRow.__table__),
            [{"id": 1, "name": "Acme Corp", "tier": "gold", "notes": "Key account"}],
        )
        conn.execute(
            insert(SiteRow.__table__),
            [
                {
                    "id": 1,
                    "customer_id": 1,
                    "name": "Toronto HQ",
                    "timezone": "America/Toronto",
                    "calendar": "Office hours",
                }
            ],
        )
        base = {
            "customer_id": 1,
            "site_id": 1,
            "contact_id": None,
            "description": "",
            "category": "hardware",
            "priority": "high",
            "assignee_id": 1,
            "escalation_level": 0,
            "created_at": T0,
            "version": 3,
            "updated_at": T0,
            "updated_by": "Alice Tech",
        }
        conn.execute(
            insert(TicketRow.__table__),
            [
                {
                    **base,
                    "id": 1,
                    "number": "T-1",
                    "subject": "Open one",
                    "status": "open",
                    "resolved_at": None,
                },
                {
                    **base,
                    "id": 2,
                    "number": "T-2",
                    "subject": "Done one",
                    "status": "resolved",
                    "resolved_at": DUE_RESPONSE,
                },
            ],
        )
        conn.execute(
            insert(TicketEventRow.__table__),
            [
                {
                    "ticket_id": 1,
                    "kind": "created",
                    "at": T0,
                    "author": "Alice Tech",
                    "text": "",
                    "priority": "high",
                    "category": "hardware",
                },
                {
                    "ticket_id": 2,
                    "kind": "created",
                    "at": T0,
                    "author": "Alice Tech",
                    "text": "",
                    "priority": "high",
                    "category": "hardware",
                },
                {
                    "ticket_id": 2,
                    "kind": "resolved",
                    "at": DUE_RESPONSE,
                    "author": "Alice Tech",
                    "text": "Fixed",
                    "priority": None,
                    "category": None,
                },
            ],
        )
        clock = {
            "target_seconds": 3600.0,
            "started_at": T0,
            "elapsed_seconds": 0.0,
            "breached_at": None,
            "met_at": None,
            "paused": False,
            "as_of": T0,
        }
        conn.execute(
            insert(TicketClockRow.__table__),
            [
                {
                    **clock,
                    "ticket_id": 1,
                    "metric": "first_response",
                    "state": "running",
                    "due_at": DUE_RESPONSE,
                },
                {
                    **clock,
                    "ticket_id": 1,
                    "metric": "next_update",
                    "state": "inactive",
                    "due_at": None,
                },
                {
                    **clock,
                    "ticket_id": 1,
                    "metric": "resolution",
                    "state": "running",
                    "due_at": DUE_RESOLUTION,
                },
                {
                    **clock,
                    "ticket_id": 2,
                    "metric": "resolution",
                    "state": "met",
                    "due_at": None,
                    "met_at": DUE_RESPONSE,
                },
            ],
        )
        conn.execute(
            insert(CriticismNoteRow.__table__),
            [
                {
                    "customer_id": 1,
                    "ticket_id": 2,
                    "received_at": T0,
                    "source": "phone",
                    "sentiment": "negative",
                    "text": "Too slow",
                    "follow_up_owner_id": 1,
                    "follow_up_due": date(2025, 2, 10),
                    "resolved_at": None,
                }
            ],
        )
        conn.execute(
            insert(AuditRow.__table__),
            [
                {
                    "at": T0,
                    "technician_id": 1,
                    "actor": "Alice Tech",
                    "action": "create_ticket",
                    "entity": "ticket",
                    "entity_id": 1,
                    "before": None,
                    "after": {"number": "T-1"},
                }
            ],
        )


def _snapshot(engine) -> dict[str, list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    tables = {
        "technicians": TechnicianRow,
        "customers": CustomerRow,
        "sites": SiteRow,
        "ticket_events": TicketEventRow,
        "criticism_notes": CriticismNoteRow,
        "audit_log": AuditRow,
    }
    # columns that later revisions add (the first revision's rows have none to compare)
    later = {
        "audit_log": {"command_id"},
        "technicians": {"shift_days", "login", "version"},  # revision 0008
        "customers": {"version"},
        "sites": {"address", "version"},
    }
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for name, row in tables.items():
            table = row.__table__
            columns = [c for c in table.c if c.name not in later.get(name, set())]
            query = select(*columns).order_by(*table.primary_key)
            out[name] = [tuple(r) for r in conn.execute(query)]
        # filled by revisions 0002 and 0003; added by 0008
        derived = ("next_due_at", "queue_clocks", "channel")
        ticket_columns = [c for c in TicketRow.__table__.c if c.name not in derived]
        out["tickets"] = [tuple(r) for r in conn.execute(select(*ticket_columns).order_by("id"))]
        clocks = TicketClockRow.__table__
        out["ticket_clocks"] = [
            tuple(r) for r in conn.execute(select(clocks).order_by(*clocks.primary_key))
        ]
    return out


def test_upgrade_keeps_every_row_and_fills_the_new_column(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    assert upgrade_schema(engine, "0001") is None  # a new file: nothing worth a backup
    assert current_revision(engine) == "0001"
    assert "notifications" not in inspect(engine).get_table_names()
    _fill_first_revision(engine)
    before = _snapshot(engine)

    backup = upgrade_schema(engine, backup_dir=tmp_path / "backups")

    assert current_revision(engine) == head_revision()
    assert _snapshot(engine) == before
    with engine.connect() as conn:
        due = dict(conn.execute(select(TicketRow.id, TicketRow.next_due_at)).all())
        packed = dict(conn.execute(select(TicketRow.id, TicketRow.queue_clocks)).all())
    assert due == {1: DUE_RESPONSE, 2: None}  # earliest running deadline; none when resolved
    # Every ticket's clock rows are copied onto it, in metric order, instants as UTC text.
    assert packed[1] == (
        "first_response,running,3600.0,2025-02-03T14:00:00.000000+00:00,"
        "2025-02-03T15:00:00.000000+00:00,0.0,,,0,2025-02-03T14:00:00.000000+00:00;"
        "next_update,inactive,3600.0,2025-02-03T14:00:00.000000+00:00,,0.0,,,0,"
        "2025-02-03T14:00:00.000000+00:00;"
        "resolution,running,3600.0,2025-02-03T14:00:00.000000+00:00,"
        "2025-02-04T21:00:00.000000+00:00,0.0,,,0,2025-02-03T14:00:00.000000+00:00"
    )
    assert packed[2] == (
        "resolution,met,3600.0,2025-02-03T14:00:00.000000+00:00,,0.0,,"
        "2025-02-03T15:00:00.000000+00:00,0,2025-02-03T14:00:00.000000+00:00"
    )
    assert "notifications" in inspect(engine).get_table_names()
    if engine.dialect.name == "sqlite":
        assert backup is not None and backup.parent == tmp_path / "backups"
        assert ".0001." in backup.name
        copy = sqlite3.connect(backup)
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert copy.execute("SELECT count(*) FROM ticket_events").fetchone() == (3,)
        copy.close()
    else:
        assert backup is None
    assert upgrade_schema(engine) is None  # already current: no second backup
    engine.dispose()

    store = open_store(db_url)
    assert store.load_queue(T0)[0].calendar is None  # no policies yet: shown, not counted
    store.seed_defaults()
    queue = store.load_queue(T0)
    assert queue[0].calendar is not None and queue[0].policy_name == "Gold"
    assert [e.number for e in queue] == ["T-1"]
    assert queue[0].nearest is not None and queue[0].nearest.metric is Metric.FIRST_RESPONSE
    assert queue[0].clocks[Metric.RESOLUTION].state is ClockState.RUNNING
    assert queue[0].status is TicketStatus.OPEN
    assert queue[0].open_negative_criticism == 1
    store.close()


def test_notifications_recorded_before_recipients_stay_visible_to_everyone(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    upgrade_schema(engine, "0003")
    _fill_first_revision(engine)
    # the table as revision 0003 has it (no recipient column)
    notifications = table(
        "notifications",
        *(column(name) for name in ("kind", "title", "body", "ticket_id", "read")),
        column("created_at", UTCDateTime()),
    )
    with engine.begin() as conn:
        conn.execute(
            insert(notifications),
            {
                "created_at": T0,
                "kind": "breach",
                "title": "Response breached",
                "body": "T-1",
                "ticket_id": 1,
                "read": False,
            },
        )
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    store = open_store(db_url, upgrade=False)
    try:
        for technician in (1, None):
            listed = store.notifications(recipient_id=technician)
            assert [(n.title, n.ticket_id, n.recipient_id) for n in listed] == [
                ("Response breached", 1, None)
            ]
            assert listed[0].created_at == T0
    finally:
        store.close()


def test_existing_contracts_get_their_regions_currency_and_no_attainment_target(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    upgrade_schema(engine, "0004")
    zones = {
        1: "America/Toronto",
        2: "Europe/Berlin",
        3: "Australia/Sydney",
        4: "America/Chicago",
        5: None,  # no site
    }
    # the tables as revision 0004 has them (no currency, no attainment target)
    contracts = table(
        "contracts",
        *(column(name) for name in ("id", "customer_id", "policy", "tier", "support_hours")),
        *(column(name) for name in ("hours_used", "availability_target", "monthly_fee")),
        *(column(name) for name in ("credit_percent_per_breach", "credit_cap_percent")),
        column("starts_on"),
        column("ends_on"),
    )
    with engine.begin() as conn:
        for customer_id, zone in zones.items():
            conn.execute(
                insert(CustomerRow.__table__),
                {"id": customer_id, "name": f"Customer {customer_id}", "tier": "gold", "notes": ""},
            )
            if zone is not None:
                conn.execute(
                    insert(SiteRow.__table__),
                    {
                        "id": customer_id,
                        "customer_id": customer_id,
                        "name": "Office",
                        "timezone": zone,
                        "calendar": "Office hours",
                    },
                )
            conn.execute(
                insert(contracts),
                {
                    "id": customer_id,
                    "customer_id": customer_id,
                    "policy": "Gold",
                    "tier": "gold",
                    "starts_on": date(2025, 1, 1),
                    "ends_on": date(2026, 12, 31),
                    "support_hours": 0.0,
                    "hours_used": 0.0,
                    "availability_target": 99.9,
                    "monthly_fee": 1000.0,
                    "credit_percent_per_breach": 2.0,
                    "credit_cap_percent": 10.0,
                },
            )
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    store = open_store(db_url, upgrade=False)
    try:
        found = {
            c.customer_id: (c.currency, c.attainment_target, c.monthly_fee)
            for customer_id in zones
            for c in store.customer_context(customer_id).contracts
        }
    finally:
        store.close()
    assert found == {
        1: ("CAD", 0.0, 1000.0),
        2: ("EUR", 0.0, 1000.0),
        3: ("AUD", 0.0, 1000.0),
        4: ("USD", 0.0, 1000.0),
        5: ("EUR", 0.0, 1000.0),
    }


def test_open_store_backs_up_only_when_an_upgrade_is_needed(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    store = open_store(f"sqlite:///{path}")
    store.seed_defaults()
    store.close()
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == []
    open_store(f"sqlite:///{path}").close()
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == []


def test_sqlite_upgrade_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that fails halfway leaves the file at its old revision."""
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    upgrade_schema(engine, "0001")
    _fill_first_revision(engine)
    from alembic.operations import Operations

    real = Operations.execute

    def failing(self, sql, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "next_due_at" in str(sql):
            raise RuntimeError("disk full")
        return real(self, sql, *args, **kwargs)

    monkeypatch.setattr(Operations, "execute", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        upgrade_schema(engine, backup_dir=tmp_path)
    assert current_revision(engine) == "0001"
    with engine.connect() as conn:
        columns = [c["name"] for c in inspect(conn).get_columns("tickets")]
        assert "next_due_at" not in columns
        assert "notifications" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM tickets")).scalar() == 2
    engine.dispose()
