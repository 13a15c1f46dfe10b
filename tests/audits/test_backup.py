"""`vaudit db backup` and `vaudit db restore`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

from tests.helpers import TODAY, signed_off_audit, vaudit
from vaudit.audits.db import open_store
from vaudit.audits.models import Answer
from vaudit.audits.service import Service


def results(db: Path) -> dict[str, str | None]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT item_id, note FROM answer").fetchall())
    finally:
        conn.close()


def test_backup_while_open_then_restore_keeps_what_it_replaces(
    db_path: Path, mini_set, tmp_path: Path
) -> None:
    store = open_store(str(db_path))
    service = Service(store, "alice", checklists=mini_set, today=TODAY)
    audit = signed_off_audit(service)
    copy = tmp_path / "copy.sqlite"
    backed_up = vaudit(str(db_path), "db", "backup", str(copy))  # the app's store is open
    assert backed_up.exit_code == 0, backed_up.stderr
    assert f"backed up to {copy} (schema clouds_reconciliation, 8 events" in backed_up.stdout
    later = service.revise(audit).id
    assert later is not None
    service.record_answer(later, "beta.misc.review", result="fail", note="after the backup")

    refused = vaudit(str(db_path), "db", "restore", str(copy))
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: ") and "close it first, or restore with --force" in (
        refused.stderr
    )
    assert "after the backup" in results(db_path).values()  # nothing replaced
    store.dispose()

    restored = vaudit(str(db_path), "db", "restore", str(copy))
    assert restored.exit_code == 0, restored.stderr
    assert "after the backup" not in results(db_path).values()
    [kept] = db_path.parent.glob("vaudit.before-restore-*.sqlite")
    assert f"kept as {kept}" in restored.stdout
    assert "after the backup" in results(kept).values()
    checked = vaudit(str(db_path), "verify")
    assert checked.exit_code == 0 and "signed-off audits intact: 1 checked" in checked.stdout


def test_restore_with_force_replaces_an_open_database(db_path: Path, mini_set, tmp_path) -> None:
    store = open_store(str(db_path))
    service = Service(store, "alice", checklists=mini_set, today=TODAY)
    signed_off_audit(service)
    copy = tmp_path / "copy.sqlite"
    assert vaudit(str(db_path), "db", "backup", str(copy)).exit_code == 0
    service.add_vendor({"name": "added later"})
    forced = vaudit(str(db_path), "db", "restore", "--force", str(copy))
    assert forced.exit_code == 0, forced.stderr
    # The open store sees the restored database at once, whole.
    assert [v.name for v in service.vendors()] == ["V"]
    with store.read() as session:
        assert len(session.exec(select(Answer)).all()) == 2
    store.dispose()


def test_backup_never_overwrites(db_path: Path, tmp_path: Path) -> None:
    open_store(str(db_path)).dispose()
    taken = tmp_path / "taken.sqlite"
    taken.write_bytes(b"mine")
    result = vaudit(str(db_path), "db", "backup", str(taken))
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert taken.read_bytes() == b"mine"
    assert [p.name for p in tmp_path.glob(".*partial")] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a database at all" * 100, "is not a vaudit database"),
        (None, "is not a vaudit database"),  # a SQLite file of something else
    ],
)
def test_restore_refuses_what_is_not_a_vaudit_backup(
    db_path: Path, tmp_path: Path, content: bytes | None, message: str
) -> None:
    open_store(str(db_path)).dispose()
    before = db_path.read_bytes()
    other = tmp_path / "other.sqlite"
    if content is None:
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE notes (text)")
        conn.close()
    else:
        other.write_bytes(content)
    result = vaudit(str(db_path), "db", "restore", str(other))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert db_path.read_bytes() == before
    assert list(tmp_path.glob("*before-restore*")) == []


def test_postgresql_backup_uses_pg_dump_or_says_it_is_missing(
    pg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pg.database() as url:
        dump = tmp_path / "team.dump"
        done = vaudit(url, "db", "backup", str(dump))
        if done.exit_code == 0:
            assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
            assert "password" not in done.stdout
        else:  # a pg_dump older than the server refuses: its own words, on one line
            assert done.stderr.startswith("error: pg_dump failed: ")
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        missing = vaudit(url, "db", "backup", str(tmp_path / "other.dump"))
        assert missing.exit_code == 1
        assert missing.stderr.startswith("error: pg_dump is not installed here")
        refused = vaudit(url, "db", "restore", str(dump))
        assert refused.exit_code == 1 and "pg_restore" in refused.stderr
