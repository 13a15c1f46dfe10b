"""Storage: SQLite files (creation, backups, PRAGMAs: SQLite only) and what both backends share.
PostgreSQL's own cases (roles, upgrades by the owner) are in tests/test_postgresql.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from vaudit.audits.db import (
    PG_WRITE_LOCK,
    DatabaseError,
    Store,
    current_revision,
    head_revision,
    make_engine,
    open_store,
    to_url,
    upgrade,
)
from vaudit.audits.migrations import HEAD_REVISION
from vaudit.audits.service import Service


def test_a_new_file_is_created_at_the_head_revision(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "new" / "v.sqlite"))
    assert current_revision(store.engine) == head_revision() == HEAD_REVISION
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # No backup of an empty, brand-new file.
    assert [p.name for p in (tmp_path / "new").glob("*.backup-*")] == []
    store.dispose()


def test_upgrade_from_the_previous_revision_keeps_data_and_backs_up(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    url = to_url(str(path))
    engine = make_engine(url)
    upgrade(engine, url, revision="0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO vendor (uid, name, access_codes, created_at, updated_at) "
            "VALUES ('u1', '旧供应商', '[\"10690123\"]', "
            "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"
        )
    engine.dispose()

    store = open_store(str(path))  # upgrades on open
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT name, access_codes, version FROM vendor").one()
    assert tuple(row) == ("旧供应商", '["10690123"]', 1)
    [backup] = list(tmp_path.glob("old.backup-*.sqlite"))
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert copy.execute("SELECT name FROM vendor").fetchone() == ("旧供应商",)
    copy.close()
    store.dispose()


def test_a_database_from_a_newer_vaudit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    open_store(str(path)).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseError, match="newer version"):
        open_store(str(path))


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match=r"not a usable database|cannot open"):
        open_store(str(path))


def test_writes_take_the_lock_up_front(store: Store, backend: str) -> None:
    """A write starts by taking the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the chain
    head row), so a second writer waits instead of forking the chain; a read takes none."""
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with store.write() as session:
        session.exec(sa.text("SELECT 1"))  # type: ignore[call-overload]
    written, statements[:] = list(statements), []
    with store.read() as session:
        session.exec(sa.text("SELECT 1"))  # type: ignore[call-overload]
    if backend == "sqlite":
        assert written[0] == "BEGIN IMMEDIATE"
        assert statements[0] == "BEGIN"
    else:
        assert written[0] == PG_WRITE_LOCK
        assert PG_WRITE_LOCK not in statements


def test_cached_scores_match_a_fresh_scoring_and_old_rows_are_scored_on_read(
    shipped_service: Service,
) -> None:
    from vaudit.audits.demo import load_demo

    service = shipped_service
    load_demo(service)
    fresh = {s.audit.id: s.score for s in service.summaries()}
    cached = {r.audit_id: r for r in service.home_rows() if r.audit_id is not None}
    assert cached.keys() == fresh.keys()
    for audit_id, row in cached.items():
        assert row.score == pytest.approx(fresh[audit_id].total)
        assert row.verdict == fresh[audit_id].verdict.value
        assert row.completion == pytest.approx(fresh[audit_id].completion)
    # Rows written before migration 0003 have no cache: they are scored when read.
    with service.store.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE audit SET score_total = NULL, verdict = NULL, completion = NULL"
        )
    again = {r.audit_id: r for r in service.home_rows() if r.audit_id is not None}
    assert {k: r.verdict for k, r in again.items()} == {k: r.verdict for k, r in cached.items()}
