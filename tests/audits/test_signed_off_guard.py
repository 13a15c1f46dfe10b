"""The database itself refuses changes to a signed-off audit (triggers, migration 0008)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.helpers import TODAY, drop_guards, signed_off_audit
from vaudit.audits.checklist import ChecklistSet
from vaudit.audits.db import Store, open_store
from vaudit.audits.db_guard import guard_names
from vaudit.audits.models import Answer, Audit, Event
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service


def direct_sql(store: Store, sql: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(sql)


def answers_of(store: Store, audit: int) -> dict[str, str | None]:
    with store.read() as session:
        rows = session.exec(select(Answer).where(Answer.audit_id == audit)).all()
        return {a.item_id: a.result for a in rows}


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE answer SET result = 'fail' WHERE audit_id = {audit}",
        "DELETE FROM answer WHERE audit_id = {audit}",
        "INSERT INTO answer (audit_id, item_id, result, overridden, answered_by, answered_at, "
        "version) VALUES ({audit}, 'alpha.core.mlps', 'pass', false, 'x', "
        "'2026-11-25 00:00:00', 1)",
        "UPDATE evidence SET note = 'forged' WHERE audit_id = {audit}",
        "DELETE FROM evidence WHERE audit_id = {audit}",
        "UPDATE audit SET status = 'draft' WHERE id = {audit}",
        "UPDATE audit SET signed_off_by = 'Mallory' WHERE id = {audit}",
    ],
)
def test_direct_sql_cannot_change_a_signed_off_audit(service: Service, sql: str) -> None:
    audit = signed_off_audit(service)
    before = answers_of(service.store, audit)
    with pytest.raises(sa.exc.DatabaseError, match="the audit is signed off"):
        direct_sql(service.store, sql.format(audit=audit))
    assert answers_of(service.store, audit) == before
    with service.store.read() as session:
        stored = session.get(Audit, audit)
        assert stored is not None
        assert (stored.status, stored.signed_off_by) == ("signed_off", "Carol")
    assert service.verify_signed_off().ok


def test_drafts_and_revisions_stay_writable(service: Service) -> None:
    audit = signed_off_audit(service)
    revision = service.revise(audit).id
    assert revision is not None
    service.record_answer(revision, "beta.misc.review", result="fail", note="re-checked")
    service.add_evidence_note(revision, "beta.misc.review", "new letter")
    direct_sql(service.store, f"UPDATE answer SET note = 'typo fixed' WHERE audit_id = {revision}")
    assert answers_of(service.store, revision)["beta.misc.review"] == "fail"
    assert answers_of(service.store, audit)["beta.misc.review"] == "pass"
    service.sign_off(revision, "Carol")
    with pytest.raises(sa.exc.DatabaseError, match="the audit is signed off"):
        direct_sql(service.store, f"DELETE FROM evidence WHERE audit_id = {revision}")


def test_the_head_revision_has_every_guard(store: Store) -> None:
    with store.engine.connect() as conn:
        names = guard_names(conn)
    if store.engine.dialect.name == "sqlite":
        assert {
            "answer_signed_off_ins",
            "answer_signed_off_upd",
            "answer_signed_off_del",
            "evidence_signed_off_ins",
            "evidence_signed_off_upd",
            "evidence_signed_off_del",
            "audit_signed_off_upd",
        } <= names
    else:
        assert {"answer_signed_off", "evidence_signed_off", "audit_signed_off"} <= names


def test_events_name_the_database_user_on_postgresql(service: Service) -> None:
    service.add_vendor({"name": "V"})
    service.add_selection("S", Scenario())
    with service.store.read() as session:
        users = {e.db_user for e in session.exec(select(Event)).all()}
        expected = (
            {None}
            if service.store.engine.dialect.name == "sqlite"
            else {session.connection().exec_driver_sql("SELECT current_user").scalar_one()}
        )
    assert users == expected
    assert service.verify().ok


def test_upgrading_a_0007_database_guards_its_signed_off_audits_and_keeps_the_chain(
    db_path: Path, mini_set: ChecklistSet
) -> None:
    store = open_store(str(db_path))
    audit = signed_off_audit(Service(store, "alice", checklists=mini_set, today=TODAY))
    # Take the file back to what 0007 left: no guard, no db_user column (nor the later
    # verdicts_reasons_funnel columns).
    with store.engine.begin() as conn:
        drop_guards(conn)
        conn.exec_driver_sql("ALTER TABLE event DROP COLUMN db_user")
        for table, column in (
            ("audit", "verdict_reasons"),
            ("selection", "funnel_targets"),
            ("selection", "primary_vendor_id"),
            ("selection", "backup_vendor_id"),
            ("candidate", "override_note"),
        ):
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.exec_driver_sql("DROP TABLE channel_reconciliation")  # added after 0008
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0007'")
    store.dispose()

    upgraded = open_store(str(db_path))
    service = Service(upgraded, "bob", checklists=mini_set, today=TODAY)
    assert service.verify().ok and service.verify_signed_off().checked == 1
    with pytest.raises(sa.exc.DatabaseError, match="the audit is signed off"):
        direct_sql(upgraded, f"DELETE FROM answer WHERE audit_id = {audit}")
    assert list(db_path.parent.glob("*.backup-*.sqlite"))  # copied before the upgrade
    upgraded.dispose()


def test_the_auditor_comes_from_the_option_the_config_file_or_the_login(
    db_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    from click.testing import CliRunner

    from vaudit.audits.cli import cli

    def add(name: str, *extra: str) -> None:
        done = CliRunner().invoke(cli, ["--db", str(db_path), *extra, "vendors", "add", name])
        assert done.exit_code == 0, done.output

    monkeypatch.setattr(getpass, "getuser", lambda: "login-name")
    add("A")
    config = isolated_home / "config" / "vaudit" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('auditor = "王芳"\n', "utf-8")
    add("B")
    add("C", "--auditor", "Carol")
    store = open_store(str(db_path))
    with store.read() as session:
        actors = [e.actor for e in session.exec(select(Event).order_by(Event.id)).all()]
    store.dispose()
    assert actors == ["login-name", "王芳", "Carol"]
    config.write_text("auditor = [1]\n", "utf-8")
    refused = CliRunner().invoke(cli, ["--db", str(db_path), "vendors", "add", "D"])
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: ") and "auditor should be a name" in refused.stderr
