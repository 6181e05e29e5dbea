"""Setup inside the app: versions for concurrent edits, site addresses, a calendar's zone,
technicians' shift days and database logins, a ticket's channel; and, on PostgreSQL, the
server's own rules of who may change what.

Every setup record (calendar, policy, customer, site, contact, contract, technician) gets a
``version`` that each save bumps: two people editing the same policy are told, as with
tickets. ``sites.address``, ``calendars.zone``, ``technicians.shift_days`` (the weekdays of
the shift, every day for people added before) and ``technicians.login`` (the PostgreSQL
login a person connects with), ``tickets.channel`` (how it came in).

On PostgreSQL each person connects with their own login, and the server itself enforces
who may do what, whatever the client sends:

* ``tq_role()`` is the role of the technician whose login opened the session
  (``'owner'`` for the desk's owner or a superuser without a technician of their own,
  ``'inactive'`` for a deactivated person, NULL for a stranger);
* a statement-level trigger on every table refuses writes by anyone whose role is not
  allowed to make them: customers, sites, contracts, policies and calendars are for
  dispatchers and managers, technicians (people) for managers, the rest for any active
  technician; a technician may move a ticket only to take it, give it back, or hand it up
  when it is escalated; audit rows name their own writer;
* row-level security keeps each person's notifications theirs;
* ``tq_add_login(technician_id, login, scram_verifier)`` (managers only) creates a
  technician's login with a password hashed on the client, and ``tq_grant(login)`` gives a
  login the table rights of the desk (call ``tq_grant_logins()`` after adding a table).

Revision ID: 0008
Revises: 0006 (re-chained onto 0007 when the change log lands)
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

_VERSIONED = ("calendars", "sla_policies", "customers", "sites", "contacts", "contracts")

# who may write each table (a table not named here: any active technician)
_WRITERS = {
    "calendars": ("dispatcher", "manager"),
    "sla_policies": ("dispatcher", "manager"),
    "customers": ("dispatcher", "manager"),
    "sites": ("dispatcher", "manager"),
    "contracts": ("dispatcher", "manager"),
    "technicians": ("manager",),
}
_EVERYONE = ("technician", "dispatcher", "manager")
_GUARDED = (
    "calendars",
    "sla_policies",
    "customers",
    "sites",
    "contracts",
    "technicians",
    "contacts",
    "tickets",
    "ticket_events",
    "ticket_clocks",
    "criticism_notes",
    "notifications",
    "audit_log",
)

_FUNCTIONS = r"""
CREATE FUNCTION tq_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT COALESCE(
        (SELECT CASE WHEN t.active THEN t.role ELSE 'inactive' END
           FROM technicians t WHERE t.login = session_user),
        CASE WHEN pg_has_role(session_user, current_user, 'MEMBER') THEN 'owner' END)
$$;

CREATE FUNCTION tq_me() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
    SELECT t.id FROM technicians t WHERE t.login = session_user
$$;

CREATE FUNCTION tq_refuse(what text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r text := tq_role();
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = '42501',
        MESSAGE = format('Permission denied: %s; the login %s is %s.', what, session_user,
            CASE WHEN r IS NULL THEN 'not a technician of this desk'
                 WHEN r = 'inactive' THEN 'of a technician who is inactive'
                 ELSE 'a ' || r END),
        HINT = 'Ask a dispatcher or manager to make this change.';
END
$$;

CREATE FUNCTION tq_guard_writes() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r text := tq_role();
BEGIN
    IF r = 'owner' OR r = ANY(TG_ARGV) THEN
        RETURN NULL;
    END IF;
    PERFORM tq_refuse(format('only a %s may change %s',
        array_to_string(TG_ARGV, ' or '), TG_TABLE_NAME));
    RETURN NULL;
END
$$;

CREATE FUNCTION tq_guard_ticket_moves() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r text := tq_role();
    me integer := tq_me();
    my_level integer;
    refused text;
BEGIN
    IF r IN ('owner', 'dispatcher', 'manager') THEN
        RETURN NULL;
    END IF;
    IF r IS DISTINCT FROM 'technician' THEN
        PERFORM tq_refuse('only the desk''s active technicians change tickets');
    END IF;
    SELECT t.escalation_level INTO my_level FROM technicians t WHERE t.id = me;
    IF TG_OP = 'INSERT' THEN
        SELECT n.number INTO refused FROM new_rows n
         WHERE n.assignee_id IS NOT NULL AND n.assignee_id <> me LIMIT 1;
    ELSE
        SELECT n.number INTO refused
          FROM new_rows n
          JOIN old_rows o ON o.id = n.id
          LEFT JOIN technicians target ON target.id = n.assignee_id
          LEFT JOIN technicians holder ON holder.id = o.assignee_id
         WHERE n.assignee_id IS DISTINCT FROM o.assignee_id
           AND NOT (o.assignee_id IS NULL AND n.assignee_id = me)
           AND NOT (o.assignee_id = me AND n.assignee_id IS NULL)
           AND NOT (n.escalation_level > o.escalation_level
                    AND target.escalation_level
                        > GREATEST(my_level, COALESCE(holder.escalation_level, 0)))
         LIMIT 1;
    END IF;
    IF refused IS NOT NULL THEN
        PERFORM tq_refuse(format(
            'only a dispatcher or manager gives ticket %s to someone (a technician takes '
            'unassigned tickets, gives back their own, or hands one up when escalating it)',
            refused));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION tq_guard_audit() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    r text := tq_role();
BEGIN
    IF r = 'owner' THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM new_rows n
                WHERE n.technician_id IS NOT NULL AND n.technician_id IS DISTINCT FROM tq_me())
    THEN
        PERFORM tq_refuse('an audit row names the person who wrote it, not someone else');
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION tq_grant(login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    here text := current_schema();
    t record;
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), login);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', here, login);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', here, login);
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = here LOOP
        EXECUTE format('GRANT SELECT ON %I.%I TO %I', here, t.tablename, login);
        IF t.tablename = 'audit_log' THEN
            EXECUTE format('GRANT INSERT ON %I.%I TO %I', here, t.tablename, login);
        ELSIF t.tablename <> 'alembic_version' THEN
            EXECUTE format('GRANT INSERT, UPDATE ON %I.%I TO %I', here, t.tablename, login);
        END IF;
    END LOOP;
    EXECUTE format('GRANT DELETE ON %I.sla_policies TO %I', here, login);
END
$$;

CREATE FUNCTION tq_grant_logins() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    t record;
    n integer := 0;
BEGIN
    FOR t IN SELECT login FROM technicians WHERE login IS NOT NULL LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = t.login) THEN
            PERFORM tq_grant(t.login);
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;

CREATE FUNCTION tq_add_login(technician integer, login text, verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    r text := tq_role();
    person record;
BEGIN
    IF r IS DISTINCT FROM 'manager' AND r IS DISTINCT FROM 'owner' THEN
        PERFORM tq_refuse('only a manager creates logins');
    END IF;
    IF verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'A login''s password is given hashed (SCRAM-SHA-256), never as text.';
    END IF;
    SELECT * INTO person FROM technicians WHERE id = technician;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'P0002',
            MESSAGE = format('No technician has id %s.', technician);
    END IF;
    IF person.login IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23505',
            MESSAGE = format('%s connects as %s already.', person.name, person.login);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
        RAISE EXCEPTION USING ERRCODE = '42710',
            MESSAGE = format('A database login named %s exists already; pick another name.',
                login);
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', login, verifier);
    PERFORM tq_grant(login);
    UPDATE technicians SET login = tq_add_login.login, version = version + 1
     WHERE id = technician;
END
$$;
"""

_DROP_FUNCTIONS = (
    "tq_add_login(integer, text, text)",
    "tq_grant_logins()",
    "tq_grant(text)",
    "tq_guard_audit()",
    "tq_guard_ticket_moves()",
    "tq_guard_writes()",
    "tq_refuse(text)",
    "tq_me()",
    "tq_role()",
)


def _postgres_upgrade() -> None:
    op.execute(_FUNCTIONS)
    for table in _GUARDED:
        writers = ", ".join(f"'{w}'" for w in _WRITERS.get(table, _EVERYONE))
        op.execute(
            # before the statement: its own changes (a role raised) must not vouch for it
            f"CREATE TRIGGER tq_guard_writes BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION tq_guard_writes({writers})"
        )
    for event in ("INSERT", "UPDATE"):
        old = " OLD TABLE AS old_rows" if event == "UPDATE" else ""
        op.execute(
            f"CREATE TRIGGER tq_guard_ticket_{event.lower()} AFTER {event} ON tickets "
            f"REFERENCING{old} NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION tq_guard_ticket_moves()"
        )
    op.execute(
        "CREATE TRIGGER tq_guard_audit AFTER INSERT ON audit_log REFERENCING NEW TABLE AS "
        "new_rows FOR EACH STATEMENT EXECUTE FUNCTION tq_guard_audit()"
    )
    op.execute("ALTER TABLE notifications ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tq_own_notifications ON notifications "
        "USING (recipient_id IS NULL OR recipient_id = tq_me() OR tq_role() = 'owner') "
        "WITH CHECK (recipient_id IS NULL OR recipient_id = tq_me() OR tq_role() = 'owner')"
    )


def _postgres_downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS tq_own_notifications ON notifications")
    op.execute("ALTER TABLE notifications DISABLE ROW LEVEL SECURITY")
    op.execute("DROP TRIGGER IF EXISTS tq_guard_audit ON audit_log")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS tq_guard_ticket_{event} ON tickets")
    for table in _GUARDED:
        op.execute(f"DROP TRIGGER IF EXISTS tq_guard_writes ON {table}")
    for function in _DROP_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")


def upgrade() -> None:
    for table in _VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(sa.Column("zone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("address", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("technicians") as batch:
        batch.add_column(
            sa.Column("shift_days", sa.String(length=7), server_default="0123456", nullable=False)
        )
        batch.add_column(sa.Column("login", sa.String(length=63), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.create_index("ux_technicians_login", ["login"], unique=True)
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=20), server_default="", nullable=False)
        )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_downgrade()
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("channel")
    with op.batch_alter_table("technicians") as batch:
        batch.drop_index("ux_technicians_login")
        batch.drop_column("version")
        batch.drop_column("login")
        batch.drop_column("shift_days")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("address")
    with op.batch_alter_table("calendars") as batch:
        batch.drop_column("zone")
    for table in reversed(_VERSIONED):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
