"""Who is at the desk on a shared PostgreSQL server: each person connects with a login of
their own, the desk knows them from it, and the server itself refuses what their role may
not change, even in raw SQL from a modified client. ``desktop-app team add-login`` creates
a login with a password hashed on the client."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from store_support import FakeClock, admin_connect, postgres_database, small_desk

from desktop_app.cli import main
from desktop_app.domain import (
    Metric,
    PermissionDeniedError,
    Priority,
    Role,
    Technician,
    ValidationError,
)
from desktop_app.domain.commands import Move, Reassign
from desktop_app.domain.setup_commands import EditTechnician, SavePolicy
from desktop_app.store import Store, open_store
from desktop_app.store.logins import add_login, login_name_for, scram_verifier
from desktop_app.store.queries.setup import desk_setup, login_technician
from support.writes import create_ticket

pytestmark = pytest.mark.postgres


@dataclass
class SharedDesk:
    url: str  # the owner's connection
    owner: Store
    logins: list[str]
    ids: dict[str, int]

    def login(self, technician: str) -> str:
        """A fresh login for ``technician`` (unique per test: roles belong to the server)."""
        name = f"tq_{login_name_for(technician)}_{uuid.uuid4().hex[:8]}"
        add_login(self.owner, technician, name, "correct horse battery staple")
        self.logins.append(name)
        return name

    def url_as(self, login: str) -> str:
        return make_url(self.url).set(username=login).render_as_string(hide_password=False)

    def store_as(self, login: str, clock: FakeClock) -> Store:
        return open_store(self.url_as(login), clock=clock)


def _drop_roles(names: list[str]) -> None:
    admin = admin_connect()
    try:
        for name in names:
            admin.execute(f'DROP OWNED BY "{name}"')
            admin.execute(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        admin.close()


@pytest.fixture
def shared(clock: FakeClock) -> Iterator[SharedDesk]:
    logins: list[str] = []
    try:
        with postgres_database() as url:
            owner = open_store(url, clock=clock)
            owner.seed_defaults()
            owner.import_desk(small_desk())
            ids = {t.name: t.id for t in owner.technicians() if t.id is not None}
            desk = SharedDesk(url, owner, logins, ids)
            try:
                yield desk
            finally:
                owner.close()
                admin = admin_connect()  # end the logins' sessions before the schema goes
                try:
                    for name in logins:
                        admin.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE usename = %s",
                            (name,),
                        )
                finally:
                    admin.close()
    finally:
        _drop_roles(logins)


def _raw(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    options = parsed.query.get("options")
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        dbname=parsed.database,
        options=options if isinstance(options, str) else None,
        autocommit=True,
    )


def test_the_desk_knows_who_is_there_from_the_login(shared: SharedDesk, clock: FakeClock) -> None:
    login = shared.login("Alice Tech")
    alice_store = shared.store_as(login, clock)
    try:
        me = login_technician(alice_store)
        assert me is not None and me.name == "Alice Tech" and me.login == login
        assert login_technician(shared.owner) is None  # the owner is nobody's login here
    finally:
        alice_store.close()


def test_a_technician_login_is_refused_dispatcher_only_changes_in_raw_sql(
    shared: SharedDesk, clock: FakeClock
) -> None:
    acme = next(c.id for c in shared.owner.customers() if c.name == "Acme Corp")
    assert acme is not None
    bobs = create_ticket(
        shared.owner,
        shared.ids["Dana Dispatcher"],
        customer_id=acme,
        subject="Bob's printer",
        category="hardware",
        priority=Priority.NORMAL,
        assignee_id=shared.ids["Bob Tech"],
    )
    login = shared.login("Alice Tech")
    with _raw(shared.url_as(login)) as conn:
        refusals = [
            # give a colleague's ticket to someone else
            f"UPDATE tickets SET assignee_id = {shared.ids['Sam Senior']} WHERE id = {bobs.id}",
            # take a colleague's ticket
            f"UPDATE tickets SET assignee_id = {shared.ids['Alice Tech']} WHERE id = {bobs.id}",
            # change an SLA policy, a calendar, a customer, a contract
            "UPDATE sla_policies SET targets = targets WHERE name = 'Gold'",
            "UPDATE calendars SET holidays = holidays",
            "UPDATE customers SET tier = 'platinum'",
            "UPDATE contracts SET support_hours = 10000",
            # make herself a manager
            f"UPDATE technicians SET role = 'manager' WHERE id = {shared.ids['Alice Tech']}",
            # write the audit log in someone else's name
            "INSERT INTO audit_log (at, technician_id, actor, action, entity) VALUES "
            f"(now(), {shared.ids['Morgan Manager']}, 'Morgan Manager', 'x', 'desk')",
            # rewrite history
            f"DELETE FROM ticket_events WHERE ticket_id = {bobs.id}",
        ]
        for sql in refusals:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
                pytest.fail(f"not refused: {sql}")
        # a technician may take an unassigned ticket and log a call, as the app does
        unassigned = create_ticket(
            shared.owner,
            shared.ids["Dana Dispatcher"],
            customer_id=acme,
            subject="Nobody's yet",
            category="hardware",
            priority=Priority.LOW,
        )
        conn.execute(
            f"UPDATE tickets SET assignee_id = {shared.ids['Alice Tech']}, version = version + 1 "
            f"WHERE id = {unassigned.id}"
        )
    assert shared.owner.ticket(bobs.id).assignee_id == shared.ids["Bob Tech"]  # type: ignore[arg-type]
    gold = next(p for p in desk_setup(shared.owner).policies if p.name == "Gold")
    assert gold.version == 1


def test_a_client_that_claims_to_be_the_manager_is_still_refused(
    shared: SharedDesk, clock: FakeClock
) -> None:
    """The store's own checks trust the command's actor; the server does not."""
    login = shared.login("Alice Tech")
    alice_store = shared.store_as(login, clock)
    try:
        gold = next(p for p in desk_setup(alice_store).policies if p.name == "Gold")
        targets = dict(gold.targets)
        targets[(Priority.LOW, Metric.RESOLUTION)] = timedelta(hours=1)
        from dataclasses import replace

        with pytest.raises(PermissionDeniedError, match="only a dispatcher or manager") as caught:
            alice_store.apply(
                SavePolicy(
                    actor_id=shared.ids["Morgan Manager"],  # a lie the server sees through
                    at=clock(),
                    policy=replace(gold, targets=targets),
                )
            )
        assert login in str(caught.value) and "SELECT" not in str(caught.value)
        alice = next(t for t in alice_store.technicians() if t.name == "Alice Tech")
        with pytest.raises(PermissionDeniedError):
            alice_store.apply(
                EditTechnician(
                    actor_id=shared.ids["Morgan Manager"],
                    at=clock(),
                    technician=replace(alice, role=Role.MANAGER),
                )
            )
        # what her role allows goes through: take an unassigned ticket
        acme = next(c.id for c in alice_store.customers() if c.name == "Acme Corp")
        ticket = create_ticket(
            alice_store,
            shared.ids["Alice Tech"],
            customer_id=acme,  # type: ignore[arg-type]
            subject="Phone call",
            category="network",
            priority=Priority.HIGH,
        )
        assert ticket.id is not None
        alice_store.apply(
            Reassign(
                actor_id=shared.ids["Alice Tech"],
                at=clock(),
                moves=(Move(ticket.id, ticket.version, shared.ids["Alice Tech"]),),
            )
        )
        assert alice_store.ticket(ticket.id).assignee_id == shared.ids["Alice Tech"]
    finally:
        alice_store.close()


def test_notifications_stay_with_their_recipient(shared: SharedDesk, clock: FakeClock) -> None:
    from desktop_app.domain import Notification
    from support.writes import add_notification

    for person in ("Alice Tech", "Bob Tech"):
        add_notification(
            shared.owner,
            Notification(clock(), "warning", f"For {person}", "", recipient_id=shared.ids[person]),
        )
    login = shared.login("Alice Tech")
    alice_store = shared.store_as(login, clock)
    try:
        titles = {n.title for n in alice_store.notifications(limit=50)}
        assert titles == {"For Alice Tech"}
    finally:
        alice_store.close()


def test_only_a_manager_creates_logins(shared: SharedDesk, clock: FakeClock) -> None:
    dana = shared.login("Dana Dispatcher")
    dana_store = shared.store_as(dana, clock)
    try:
        with pytest.raises(PermissionDeniedError, match="Only a manager creates logins"):
            add_login(dana_store, "Bob Tech", f"tq_bob_{uuid.uuid4().hex[:8]}", "secret-enough")
        with (
            _raw(shared.url_as(dana)) as conn,
            pytest.raises(
                psycopg.errors.InsufficientPrivilege, match="only a manager creates logins"
            ),
        ):
            conn.execute(
                "SELECT tq_add_login(%s, 'tq_sneaky', 'SCRAM-SHA-256$4096:x$y:z')",
                (shared.ids["Bob Tech"],),
            )
    finally:
        dana_store.close()


def test_team_add_login_hashes_the_password_on_the_client(
    shared: SharedDesk, clock: FakeClock
) -> None:
    name = f"tq_bob_{uuid.uuid4().hex[:8]}"
    shared.logins.append(name)
    password = "s3cret-Passw0rd"
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "team",
            "add-login",
            "bob tech",
            "--login",
            name,
            "--password-stdin",
            "--database",
            shared.url,
        ],
        out=out,
        err=err,
        stdin=io.StringIO(password + "\n"),
    )
    assert code == 0, err.getvalue()
    assert f"Created the login {name!r} for Bob Tech" in out.getvalue()
    assert password not in out.getvalue() + err.getvalue()
    admin = admin_connect()
    try:
        stored = admin.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (name,)
        ).fetchone()
        # the server's own hash of the same password, to check ours against
        probe = f"tq_probe_{uuid.uuid4().hex[:8]}"
        admin.execute("SET password_encryption = 'scram-sha-256'")
        admin.execute(f"CREATE ROLE \"{probe}\" PASSWORD '{password}'")
        try:
            theirs = admin.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (probe,)
            ).fetchone()
        finally:
            admin.execute(f'DROP ROLE "{probe}"')
    finally:
        admin.close()
    assert stored is not None and str(stored[0]).startswith("SCRAM-SHA-256$4096:")
    assert password not in str(stored[0])
    assert theirs is not None
    iterations_salt = str(theirs[0]).split("$")[1]
    iterations, salt = iterations_salt.split(":")
    import base64

    assert (
        scram_verifier(password, salt=base64.b64decode(salt), iterations=int(iterations))
        == (theirs[0])
    )
    bob = next(t for t in shared.owner.technicians() if t.name == "Bob Tech")
    assert bob.login == name

    again = main(
        ["team", "add-login", "Bob Tech", "--password-stdin", "--database", shared.url],
        out=io.StringIO(),
        err=(err := io.StringIO()),
        stdin=io.StringIO(password + "\n"),
    )
    assert again == 1 and "connects as" in err.getvalue()


def test_team_add_login_explains_a_sqlite_desk_and_an_unknown_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    err = io.StringIO()
    path = tmp_path / "desk.sqlite3"
    code = main(
        ["team", "add-login", "Nobody", "--password-stdin", "--database", str(path)],
        out=io.StringIO(),
        err=err,
        stdin=io.StringIO("whatever-long\n"),
    )
    assert code == 2 and "Sign in as" in err.getvalue()


def test_a_short_password_or_unknown_technician_creates_nothing(shared: SharedDesk) -> None:
    err = io.StringIO()
    code = main(
        ["team", "add-login", "Alcie Tech", "--password-stdin", "--database", shared.url],
        out=io.StringIO(),
        err=err,
        stdin=io.StringIO("long-enough-pw\n"),
    )
    assert code == 2 and "Did you mean Alice Tech" in err.getvalue()
    err = io.StringIO()
    code = main(
        ["team", "add-login", "Alice Tech", "--password-stdin", "--database", shared.url],
        out=io.StringIO(),
        err=err,
        stdin=io.StringIO("short\n"),
    )
    assert code == 2 and "shorter than 8" in err.getvalue()
    with pytest.raises(ValidationError, match="not a login name"):
        add_login(shared.owner, "Alice Tech", "Alice Tech", "long-enough-pw")
    assert all(t.login is None for t in shared.owner.technicians())


def test_the_first_manager_set_up_on_postgresql_is_the_login_that_set_it_up(
    clock: FakeClock,
) -> None:
    from desktop_app.domain.setup_commands import SetUpDesk
    from desktop_app.sla.policy import recommended_calendars, recommended_policies

    with postgres_database() as url:
        store = open_store(url, clock=clock)
        try:
            store.apply(
                SetUpDesk(
                    actor_id=None,
                    at=clock(),
                    calendar=recommended_calendars()[0],
                    policies=tuple(recommended_policies()),
                    manager=Technician("Morgan Manager", Role.MANAGER, 3, "America/Toronto"),
                )
            )
            me = login_technician(store)
            assert me is not None and me.name == "Morgan Manager"
            with store.reading() as session:
                assert me.login == session.scalar(text("SELECT session_user"))
        finally:
            store.close()
