"""Database triggers that make the audit trail append-only for every client of the
database, not only for this app's code.

Refused: any UPDATE and any DELETE of a row, with one exception: setting `customer_id` to
NULL with every other column unchanged, which is what deleting a customer (a merge)
does to the events that name it (they keep the customer's number and name as text).

PostgreSQL: one PL/pgSQL function for UPDATE and DELETE. TRUNCATE is left to the database
owner (it is what Django's test flush uses). SQLite: an UPDATE trigger, and a DELETE
trigger that only an application-defined function can open (`fenpei_audit_flush`, see
`fenpei.audit.apps`): Django's `flush` (and its test runner) empties tables with DELETE on
SQLite, so that one command may; any other DELETE — and every DELETE from a connection
without the function, e.g. the sqlite3 shell — is refused.
"""

from typing import Any

from django.db import migrations

TABLE = "audit_auditevent"

PG_UP = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.customer_id IS NOT NULL AND NEW.customer_id IS NULL
       AND (to_jsonb(NEW) - 'customer_id') = (to_jsonb(OLD) - 'customer_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
PG_DOWN = f"""
DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def _columns(apps: Any) -> list[str]:
    model = apps.get_model("audit", "AuditEvent")
    return [f.column for f in model._meta.concrete_fields if f.column != "customer_id"]


def triggers_create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        same = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in _columns(apps))
        schema_editor.execute(
            f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE} "
            f"WHEN NOT (OLD.customer_id IS NOT NULL AND NEW.customer_id IS NULL AND {same}) "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE} "
            "WHEN NOT fenpei_audit_flush() "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END"
        )


def triggers_drop(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_event")]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
