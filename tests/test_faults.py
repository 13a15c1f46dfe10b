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

from sqlmodel import select

from audits.db import open_store
from audits.models import Answer, Event, Evidence
from audits.scenario import Scenario
from audits.service import Service

ROOT = Path(__file__).parent.parent


def start_audit(service: Service) -> int:
    service.add_vendor({"name": "V"})
    service.add_selection("S", Scenario())
    audit = service.start_audit("V", "S").id
    assert audit is not None
    return audit


def test_a_writer_killed_mid_stream_loses_no_acknowledged_write(
    service: Service, db_target: str
) -> None:
    """Injected: SIGKILL to a process committing answers and evidence as fast as it can, a
    random moment after a random number of acknowledgements. Lost: nothing it acknowledged."""
    audit = start_audit(service)
    rng = random.Random()
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_writer", db_target, str(audit)],
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
