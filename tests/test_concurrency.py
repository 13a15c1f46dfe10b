"""Two auditors writing to one audit at the same moment, from two processes, on both backends."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import select

from tests.helpers import ROOT
from vaudit.audits import db
from vaudit.audits.cli import cli
from vaudit.audits.db import Store
from vaudit.audits.models import Answer, Event
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

ROUNDS = 12


def start_writer(db_target: str, audit_id: int, name: str, items: list[str]) -> subprocess.Popen:
    args = [db_target, str(audit_id), name, str(ROUNDS), *items]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.concurrent_writer", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_lose_no_acknowledged_write(shipped_service: Service, db_target: str) -> None:
    service = shipped_service
    service.add_vendor({"name": "并发供应商"})
    service.add_selection("并发选型", Scenario())
    audit_id = service.start_audit("并发供应商", "并发选型").id
    assert audit_id is not None
    applicable = [item.id for item in service.view(audit_id).unanswered()]
    shared, ann_own, ben_own = applicable[:2], applicable[2:4], applicable[4:6]

    writers = {
        "ann": start_writer(db_target, audit_id, "ann", shared + ann_own),
        "ben": start_writer(db_target, audit_id, "ben", shared + ben_own),
    }
    for process in writers.values():
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in writers.values():
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    # While they write, the log verifies at every moment (a reader sees one consistent snapshot).
    checks = 0
    while any(p.poll() is None for p in writers.values()):
        report = service.verify()
        assert report.ok, report.reason
        checks += 1
    outcomes: list[dict[str, Any]] = []
    for name, process in writers.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        lines = [json.loads(line) for line in out.splitlines()]
        assert len(lines) == ROUNDS * 4, f"{name} reported {len(lines)} writes"
        outcomes += lines
    assert checks > 0

    saved = [o for o in outcomes if o["saved"]]
    refused = [o for o in outcomes if not o["saved"]]
    # Only a write based on a version someone else has since replaced is refused, and it says so.
    for o in refused:
        assert o["item"] in shared and o["based_on"] is not None, o
        assert "since you read it" in o["error"] and "not saved" in o["error"], o

    with service.store.read() as session:
        answers = {
            a.item_id: a for a in session.exec(select(Answer).where(Answer.audit_id == audit_id))
        }
        answer_events = session.exec(
            select(Event).where(Event.audit_id == audit_id, Event.action == "answer")
        ).all()
    # Every acknowledged write made its own version of the item: none overwrote another unseen.
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in saved:
        by_item[o["item"]].append(o)
    for item, writes in by_item.items():
        versions = sorted(o["version"] for o in writes)
        assert versions == list(range(1, len(writes) + 1)), (item, versions)
        newest = max(writes, key=lambda o: o["version"])
        assert (answers[item].version, answers[item].note) == (newest["version"], newest["note"])
    assert set(answers) == set(by_item)
    # The log has exactly one event per acknowledged write, and none for a refused one.
    logged = Counter(json.loads(e.after)["note"] for e in answer_events)  # type: ignore[arg-type]
    assert logged == Counter(o["note"] for o in saved)
    assert not set(logged) & {o["note"] for o in refused}

    verified = CliRunner().invoke(cli, ["--db", db_target, "verify"], catch_exceptions=False)
    assert verified.exit_code == 0 and "event log intact" in verified.output


def test_a_write_kept_waiting_too_long_is_refused_and_nothing_is_saved(
    store: Store, db_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A colleague's write transaction stays open; ours gives up after the wait, not never.
    monkeypatch.setattr(db, "WRITE_WAIT_MS", 300)
    with store.write() as session:
        session.exec(sa.text("SELECT 1"))  # type: ignore[call-overload]
        late = CliRunner().invoke(
            cli, ["--db", db_target, "vendors", "add", "迟到的供应商"], catch_exceptions=False
        )
    assert late.exit_code == 1
    assert late.stderr == (
        "error: the database is busy: another change held it for more than 0.3 s, so nothing "
        "was saved; try again\n"
    )
    listed = CliRunner().invoke(cli, ["--db", db_target, "vendors", "list"])
    assert listed.exit_code == 0 and "迟到的供应商" not in listed.output
