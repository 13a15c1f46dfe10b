"""What only a PostgreSQL server has: roles, a schema upgraded by its owner, real processes
connecting by URL, a password that must never be shown. (The storage, life-cycle, event-chain,
CLI and concurrency tests run on both backends through the `db_target` fixture.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.helpers import ROOT, vaudit
from tests.support import pg_server
from vaudit.audits.cli import cli
from vaudit.audits.db import (
    DatabaseError,
    current_revision,
    make_engine,
    open_store,
    to_url,
    upgrade,
)
from vaudit.audits.migrations import HEAD_REVISION

TEAM_DOC = ROOT / "docs" / "team.md"


@pytest.fixture
def empty_db(pg: pg_server.Server) -> Iterator[str]:
    with pg.database(migrated=False) as url:
        yield url


def test_the_migrations_build_the_models_schema_on_postgresql(empty_db: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    store = open_store(empty_db)
    assert current_revision(store.engine) == HEAD_REVISION
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    store.dispose()


def test_a_database_from_a_newer_vaudit_is_refused_on_postgresql(empty_db: str) -> None:
    store = open_store(empty_db)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    store.dispose()
    with pytest.raises(DatabaseError, match="newer version"):
        open_store(empty_db)


def team_setup_sql(names: dict[str, str]) -> list[tuple[bool, str]]:
    """docs/team.md's SQL with the names given: (in the new database?, statement) pairs."""
    block = re.search(r"```sql\n(.*?)```", TEAM_DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/team.md has no sql block"
    text = block.group(1)
    for old, new in names.items():
        text = re.sub(rf"\b{old}\b", new, text)
    statements: list[tuple[bool, str]] = []
    in_database, pending = False, ""
    for line in text.splitlines():
        if line.startswith("\\connect"):
            in_database = True
        elif line.startswith("\\password") or line.startswith("--") or not line.strip():
            continue
        else:
            pending += line + "\n"
            if line.rstrip().endswith(";"):
                statements.append((in_database, pending.strip()))
                pending = ""
    return statements


def test_the_team_setup_in_the_docs_works(pg: pg_server.Server) -> None:
    """Run docs/team.md's SQL; the owner upgrades, an auditor may write but not upgrade."""
    import psycopg

    names = {
        name: f"{pg.prefix}_{name}"
        for name in ("vaudit_owner", "vaudit_auditors", "wang_min", "vaudit")
    }
    database, owner, auditor = names["vaudit"], names["vaudit_owner"], names["wang_min"]
    admin = pg.admin_url.set(drivername="postgresql")
    try:
        for in_database, statement in team_setup_sql(names):
            target = admin.set(database=database) if in_database else admin
            with psycopg.connect(target.render_as_string(False), autocommit=True) as conn:
                try:
                    conn.execute(statement)  # type: ignore[arg-type]
                except psycopg.errors.InsufficientPrivilege:
                    pytest.skip(f"{pg_server.ENV_URL}'s role may not create roles")
        owner_url = pg.admin_url.set(username=owner, database=database).render_as_string(False)
        auditor_url = pg.admin_url.set(username=auditor, database=database).render_as_string(False)

        # The owner brought the schema to 0003 and filed a vendor; then vaudit was updated.
        engine = make_engine(to_url(owner_url))
        upgrade(engine, owner_url, revision="0003")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO vendor (uid, name, access_codes, created_at, updated_at, version) "
                "VALUES ('u1', '旧供应商', '[]', now(), now(), 1)"
            )
        engine.dispose()

        # Nobody's vaudit upgrades a shared server unasked; an auditor's role could not anyway.
        refused = vaudit(auditor_url, "vendors", "list")
        assert refused.exit_code == 1
        assert refused.stderr == (
            f"error: the database at {auditor_url} is at schema revision 0003 and this vaudit "
            f"needs {HEAD_REVISION}: whoever looks after it runs `vaudit db upgrade` (after a "
            "pg_dump; see docs/team.md)\n"
        )
        refused = vaudit(auditor_url, "db", "upgrade")
        assert refused.exit_code == 1
        assert refused.stderr.startswith(
            f"error: the database schema needs upgrading (0003 → {HEAD_REVISION})"
        )
        assert "ask the database's owner to run `vaudit db upgrade`" in refused.stderr

        upgraded = vaudit(owner_url, "db", "upgrade")
        assert upgraded.exit_code == 0, upgraded.output
        assert f"upgraded schema 0003 → {HEAD_REVISION}" in upgraded.output
        assert "no backup copy was made" in upgraded.output

        for args in (
            ("vendors", "edit", "旧供应商", "--mlps-level", "3", "--if-version", "1"),
            ("selections", "add", "团队选型"),
            ("audits", "start", "旧供应商", "团队选型"),
        ):
            done = vaudit(auditor_url, "--auditor", "王敏", *args)
            assert done.exit_code == 0, done.output + done.stderr
        shown = vaudit(auditor_url, "vendors", "show", "旧供应商", "--json").output
        assert '"mlps_level": 3' in shown and '"version": 2' in shown
        assert "event log intact" in vaudit(auditor_url, "verify").output
    finally:
        pg.drop(database)
        with psycopg.connect(admin.render_as_string(False), autocommit=True) as conn:
            for role in (auditor, names["vaudit_auditors"], owner):
                conn.execute(f"DROP ROLE IF EXISTS {role}")  # type: ignore[arg-type]


def test_real_commands_on_postgresql(pg: pg_server.Server, tmp_path: Path) -> None:
    """`vaudit` by URL from the environment, as docs/team.md has auditors type it; the steps
    that matter most run as their own processes."""
    with pg.database() as url:
        # The throw-away cluster trusts every local connection, so any password is accepted:
        # what matters is that none is ever printed.
        with_password = url.replace("@", ":hunter2-secret@", 1)
        env = {"VAUDIT_DB": with_password, "VAUDIT_AUDITOR": "王敏"}

        def check(code: int, out: str, err: str, ok: bool) -> None:
            assert (code == 0) == ok, out + err
            assert "hunter2-secret" not in out + err
            assert "Traceback" not in err

        def process(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [sys.executable, "-m", "vaudit.audits.cli", *args],
                env={**os.environ, **env},
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            check(done.returncode, done.stdout, done.stderr, ok)
            return done

        def command(*args: str) -> str:
            done = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
            check(done.exit_code, done.output, done.stderr, True)
            return done.output

        assert process("db", "path").stdout.strip() == with_password.replace(
            "hunter2-secret", "***"
        )
        command("vendors", "add", "远程供应商", "--licence-expiry", "2029-06-30")
        command("selections", "add", "远程选型", "--coverage", "national")
        assert command("audits", "start", "远程供应商", "远程选型").startswith("started audit 1")
        item = "qualification.licence.validity"
        assert re.search(r"version\s+0", command("audits", "show", "1", "--item", item))
        saved = process("answer", "1", item, "auto", "--value", "2029-06-30", "--if-version", "0")
        assert "[version 1]" in saved.stdout
        stale = process(
            "answer", "1", item, "fail", "--note", "seen", "--if-version", "0", ok=False
        )
        assert stale.stderr == (
            f"error: {item} was changed by 王敏 since you read it (it is at version 1, you read "
            "version 0); your change was not saved\n"
        )
        scan = tmp_path / "licence.pdf"
        scan.write_bytes(b"%PDF-1.7 licence scan " * 500)
        command("evidence", "add", "1", item, str(scan))
        command("signoff", "1", "--by", "王敏", "--yes")
        assert process("verify").stdout.startswith("event log intact")

        # The evidence file lives in the database itself, not next to it.
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            content = conn.exec_driver_sql("SELECT content FROM blob").scalar_one()
            answer = conn.exec_driver_sql("SELECT result, answered_by FROM answer").one()
        engine.dispose()
        assert content == scan.read_bytes()
        assert tuple(answer) == ("pass", "王敏")


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    # Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    result = vaudit("postgresql://someone:pw-secret@127.0.0.1:1/nothing", "vendors", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: cannot open the database at postgresql+psycopg://someone:***@127.0.0.1:1/nothing"
    )
    assert "pw-secret" not in result.stderr + result.output
