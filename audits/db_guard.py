"""The database's own guard on signed-off audits: triggers on SQLite and PostgreSQL.

Kept here rather than only in the migration because a migration that rebuilds `answer`,
`evidence` or `audit` with a batch copy on SQLite drops their triggers and must call
`create_guards` again (a test checks that a database at the head revision has them all).
"""

from __future__ import annotations

import sqlalchemy as sa

SIGNED_OFF = "signed_off"
REFUSAL = "the audit is signed off: its answers and evidence cannot change (revise it instead)"
# Each guarded table and the trigger events it refuses for a signed-off audit.
GUARDED = ("answer", "evidence")
SQLITE_TRIGGERS = [f"{table}_signed_off_{op}" for table in GUARDED for op in ("ins", "upd", "del")]
SQLITE_TRIGGERS.append("audit_signed_off_upd")


def _sqlite_statements() -> list[str]:
    statements = []
    is_signed = "(SELECT status FROM audit WHERE id = {row}.audit_id) = '" + SIGNED_OFF + "'"
    for table in GUARDED:
        for op, verb, when in (
            ("ins", "INSERT", is_signed.format(row="NEW")),
            (
                "upd",
                "UPDATE",
                f"{is_signed.format(row='OLD')} OR {is_signed.format(row='NEW')}",
            ),
            ("del", "DELETE", is_signed.format(row="OLD")),
        ):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_signed_off_{op} BEFORE {verb} ON {table} "
                f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )
    statements.append(
        "CREATE TRIGGER IF NOT EXISTS audit_signed_off_upd BEFORE UPDATE ON audit "
        f"WHEN OLD.status = '{SIGNED_OFF}' AND (NEW.status IS NOT OLD.status "
        "OR NEW.signed_off_by IS NOT OLD.signed_off_by "
        "OR NEW.signed_off_at IS NOT OLD.signed_off_at) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    )
    return statements


def _postgresql_statements() -> list[str]:
    rows = f"""
CREATE OR REPLACE FUNCTION vaudit_refuse_signed_off_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP <> 'INSERT' AND EXISTS
        (SELECT 1 FROM audit WHERE id = OLD.audit_id AND status = '{SIGNED_OFF}'))
     OR (TG_OP <> 'DELETE' AND EXISTS
        (SELECT 1 FROM audit WHERE id = NEW.audit_id AND status = '{SIGNED_OFF}')) THEN
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$"""
    audit = f"""
CREATE OR REPLACE FUNCTION vaudit_refuse_signed_off_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = '{SIGNED_OFF}' AND (NEW.status IS DISTINCT FROM OLD.status
     OR NEW.signed_off_by IS DISTINCT FROM OLD.signed_off_by
     OR NEW.signed_off_at IS DISTINCT FROM OLD.signed_off_at) THEN
    RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$"""
    statements = [rows, audit]
    for table in GUARDED:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_signed_off ON {table}")
        statements.append(
            f"CREATE TRIGGER {table}_signed_off BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vaudit_refuse_signed_off_rows()"
        )
    statements.append("DROP TRIGGER IF EXISTS audit_signed_off ON audit")
    statements.append(
        "CREATE TRIGGER audit_signed_off BEFORE UPDATE ON audit "
        "FOR EACH ROW EXECUTE FUNCTION vaudit_refuse_signed_off_audit()"
    )
    return statements


def create_guards(connection: sa.Connection) -> None:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        statements = _sqlite_statements()
    elif dialect == "postgresql":
        statements = _postgresql_statements()
    else:
        raise RuntimeError(f"vaudit has no signed-off guard for {dialect}")
    for statement in statements:
        connection.exec_driver_sql(statement)


def guard_names(connection: sa.Connection) -> set[str]:
    """The guard triggers present in the database (for checks and tests)."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).all()
    else:
        rows = connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        ).all()
    return {name for (name,) in rows}
