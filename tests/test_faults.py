"""Faults injected on purpose: a writer killed mid-stream, a read-only database.

Each test says what it injected and checks that nothing acknowledged was lost and nothing was
half-written.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import select

from tests.helpers import ROOT, TODAY, read_only, start_audit
from vaudit.audits.cli import cli
from vaudit.audits.db import DatabaseFull, DatabaseReadOnly, open_store
from vaudit.audits.models import Answer, Event, Evidence
from vaudit.audits.service import Service


def test_a_writer_killed_mid_stream_loses_no_acknowledged_write(
    service: Service, db_target: str
) -> None:
    """Injected: SIGKILL to a process committing answers and evidence as fast as it can, a
    random moment after a random number of acknowledgements. Lost: nothing it acknowledged."""
    audit = start_audit(service)
    rng = random.Random()
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.support.crash_writer", db_target, str(audit)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[dict[str, str]] = []
    try:
        wanted = rng.randint(20, 60)
        assert writer.stdout is not None
        while len(acknowledged) < wanted:
            line = writer.stdout.readline()
            assert line, writer.stderr.read() if writer.stderr else "the writer stopped"
            acknowledged.append(json.loads(line))
        time.sleep(rng.random() * 0.005)  # land inside the next write, most of the time
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(10)
        # Lines it printed before dying are acknowledgements too.
        assert writer.stdout is not None
        acknowledged += [json.loads(line) for line in writer.stdout if line.strip()]
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.communicate()
    assert writer.returncode == -signal.SIGKILL

    reopened = open_store(db_target)
    after = Service(reopened, "checker", checklists=service.checklists)
    acked_evidence = {a["note"] for a in acknowledged if a["kind"] == "evidence"}
    acked_answers = [a["note"] for a in acknowledged if a["kind"] == "answer"]
    in_flight = f"write {len(acknowledged)}"  # committed or not: either is whole
    with reopened.read() as session:
        stored_evidence = {e.note for e in session.exec(select(Evidence)).all()}
        answer = session.exec(select(Answer).where(Answer.audit_id == audit)).one()
        # An answer event carries the note; an evidence event the note's first line as name.
        logged = set()
        for event in session.exec(select(Event).where(Event.audit_id == audit)).all():
            payload = json.loads(event.after or "{}")
            logged.add(payload.get("note") or payload.get("name"))
    assert acked_evidence <= stored_evidence
    assert stored_evidence - acked_evidence <= {in_flight}
    assert answer.note in {acked_answers[-1], in_flight}
    assert set(acked_answers) | acked_evidence <= logged
    assert after.verify().ok
    if reopened.engine.dialect.name == "sqlite":
        with reopened.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # And the database takes writes again at once: no lock was left behind.
    after.record_answer(audit, "beta.misc.review", result="fail", note="after the crash")
    reopened.dispose()


def count_answers(db: str) -> int:
    store = open_store(db)
    try:
        with store.read() as session:
            return len(session.exec(select(Answer)).all())
    finally:
        store.dispose()


def test_a_read_only_database_is_one_line_and_nothing_is_half_written(
    db_path: Path, mini_set, tmp_path: Path
) -> None:
    """Injected: the database file made read-only between two commands. Lost: nothing; the
    refused answer is not stored, and the file still verifies."""
    store = open_store(str(db_path))
    audit = start_audit(Service(store, "alice", checklists=mini_set, today=TODAY))
    store.dispose()
    before = count_answers(str(db_path))
    with read_only(db_path):
        answer = ["answer", str(audit), "beta.misc.review", "pass"]
        result = CliRunner().invoke(cli, ["--db", str(db_path), *answer], catch_exceptions=False)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: the database is read-only, so nothing was saved")
        assert len(result.stderr.strip().splitlines()) == 1
        listing = CliRunner().invoke(cli, ["--db", str(db_path), "audits", "list"])
        assert listing.exit_code == 0  # reading still works
    assert count_answers(str(db_path)) == before
    assert "event log intact" in CliRunner().invoke(cli, ["--db", str(db_path), "verify"]).stdout


def test_a_full_disk_refuses_the_write_whole(service: Service) -> None:
    """Injected: the database may not grow by a single page (SQLite's max_page_count: what a
    full disk looks like to it; PostgreSQL: a read-only transaction default). Lost: nothing."""
    audit = start_audit(service)
    service.record_answer(audit, "beta.misc.review", result="pass", note="before")
    engine = service.store.engine
    engine.dispose()
    if engine.dialect.name == "sqlite":
        statement, error = "PRAGMA max_page_count = 1", DatabaseFull
    else:
        statement, error = "SET default_transaction_read_only = on", DatabaseReadOnly

    @sa.event.listens_for(engine, "connect")
    def no_room(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)  # SQLite clamps it to the current size
        cursor.close()
        if engine.dialect.name == "postgresql":
            dbapi_connection.commit()

    big = "x" * 200_000  # needs new pages
    with pytest.raises(error, match="nothing was saved"):
        service.add_evidence_note(audit, "beta.misc.review", big)
    sa.event.remove(engine, "connect", no_room)
    engine.dispose()
    assert [e.note for e in service.evidence_list(audit)] == []
    assert service.view(audit).answers["beta.misc.review"].note == "before"
    assert service.verify().ok
