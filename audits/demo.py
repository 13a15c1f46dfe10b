"""`vaudit demo`: a realistic, clearly fictional selection to explore every feature with.

Every name, code and document here is invented (names carry 示例 / "demo", web addresses use
.example). Answers go through the same service calls an auditor's would, so the demo's audits
are scored, proposed and logged exactly like real ones.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import delete, select

from vaudit.audits.db import WRITE_WAIT_MS, Store, backup_sqlite, open_store, sqlite_path
from vaudit.audits.demo_answers import add_follow_ups, answer_audit, attach_evidence
from vaudit.audits.demo_vendors import Profile, demo_vendors
from vaudit.audits.models import (
    Answer,
    Audit,
    AuditChecklist,
    Blob,
    Candidate,
    ChainHead,
    ChecklistSnapshot,
    Event,
    Evidence,
    FollowUp,
    Selection,
    Vendor,
)
from vaudit.audits.rows import table_of
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import Verdict
from vaudit.audits.service import AuditError, Service


class DemoRefused(AuditError):
    pass


@dataclass
class DemoSummary:
    vendors: int = 0
    selections: int = 0
    audits: int = 0
    answers: int = 0
    evidence: int = 0
    channel_runs: int = 0

    def __str__(self) -> str:
        return (
            f"{self.vendors} vendors, {self.selections} selections, {self.audits} audits, "
            f"{self.answers} answers, {self.evidence} evidence items, "
            f"{self.channel_runs} channel run(s)"
        )


MAIN_SELECTION = "示例：2026 年短信服务商选型"
FINANCE_SELECTION = "示例：城商行省内通知短信"


def load_demo(service: Service, seed: int = 2026) -> DemoSummary:
    """Fill an empty database with the demo (the caller checks that it is empty)."""
    today = service.today or dt.date.today()
    rng = random.Random(seed)
    vendors = demo_vendors(today)
    for v in vendors:
        service.add_vendor(v.facts)
    service.add_selection(
        MAIN_SELECTION,
        Scenario(
            industry="ecommerce",
            coverage="national",
            message_kinds=frozenset({"verification", "notification", "marketing"}),
            monthly_volume=3_000_000,
        ),
        notes="Fictional demo: an online retailer choosing a primary and a backup vendor.",
    )
    service.add_selection(
        FINANCE_SELECTION,
        Scenario(
            industry="finance",
            coverage="provincial",
            message_kinds=frozenset({"verification", "notification"}),
            monthly_volume=400_000,
        ),
        notes="Fictional demo: a city commercial bank's provincial notifications.",
    )
    follow_ups_added = False
    for n, v in enumerate(vendors):
        name = v.facts["name"]
        profile = v.profile
        if profile is None:
            service.add_candidate(MAIN_SELECTION, name)
            continue
        audit = service.start_audit(name, MAIN_SELECTION)
        assert audit.id is not None
        answer_audit(service, audit.id, v, profile, today, rng)
        attach_evidence(service, audit.id, v, n)
        if not follow_ups_added:
            add_follow_ups(service, audit.id, today)
            follow_ups_added = True
        if profile.stage != "screening":
            service.move_stage(MAIN_SELECTION, name, profile.stage, profile.reason)
        if profile.status == "in_review":
            service.submit_for_review(audit.id)
        if profile.status == "signed_off":
            service.submit_for_review(audit.id)
            service.sign_off(audit.id, "王敏（示例审核人）")
            if profile.revise:
                revision = service.revise(audit.id)
                assert revision.id is not None
                first = service.view(revision.id).checklists.checklists[0].items[-1]
                service.record_answer(revision.id, first.id, note="Re-checked after sign-off.")
        if profile.stage == "technical_test" and profile.answered_share == 1:
            # A vendor under technical test has its channel measured: one finished run.
            from vaudit.audits.channel.demo import load_channel_demo

            load_channel_demo(service.store, service.actor, audit.id)
    # The two finalists: the recommended one first, the conditional one as its backup.
    service.name_finalists(MAIN_SELECTION, vendors[0].facts["name"], vendors[1].facts["name"])
    # The finance selection: two candidates, one audit under way.
    service.add_candidate(FINANCE_SELECTION, vendors[1].facts["name"])
    finance = service.start_audit(vendors[0].facts["name"], FINANCE_SELECTION)
    assert finance.id is not None
    answer_audit(
        service, finance.id, vendors[0], Profile(Verdict.INCOMPLETE, answered_share=0.3), today, rng
    )
    return _summarise(service.store)


def load_demo_whole(target: Store, make_service: Callable[[Store], Service]) -> DemoSummary:
    """The demo, all or nothing. A SQLite file: built in a file beside it, then copied in
    through SQLite's backup API (one transaction), so an interrupted `vaudit demo` leaves the
    database as it was, never half-built. PostgreSQL has no file to build beside: the demo
    goes in through the service there, one write at a time."""
    path = sqlite_path(target.url)
    if path is None:
        return load_demo(make_service(target))
    staging_path = path.with_name(f".{path.name}.demo-{os.getpid()}.partial")
    try:
        staging = open_store(str(staging_path))
        try:
            summary = load_demo(make_service(staging))
        finally:
            staging.dispose()
        source = sqlite3.connect(f"file:{staging_path}?mode=ro", uri=True)
        try:
            live = sqlite3.connect(str(path), timeout=WRITE_WAIT_MS / 1000)
            try:
                source.backup(live)
            finally:
                live.close()
        finally:
            source.close()
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{staging_path}{suffix}").unlink(missing_ok=True)
    return summary


def _summarise(store: Store) -> DemoSummary:
    from vaudit.audits.channel.models import ChannelRun

    with store.read() as session:
        return DemoSummary(
            vendors=len(session.exec(select(Vendor.id)).all()),
            selections=len(session.exec(select(Selection.id)).all()),
            audits=len(session.exec(select(Audit.id)).all()),
            answers=len(session.exec(select(Answer.id)).all()),
            evidence=len(session.exec(select(Evidence.id)).all()),
            channel_runs=len(session.exec(select(ChannelRun.id)).all()),
        )


def reset_database(store: Store) -> str | None:
    """Empty every table (SQLite: after a backup copy); returns the backup's path if any."""
    backup = None
    path = sqlite_path(store.url)
    if path is not None and path.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = path.with_name(f"{path.stem}.before-demo-{stamp}{path.suffix or '.sqlite'}")
        backup_sqlite(path, target)
        backup = str(target)
    from vaudit.audits.channel.models import (
        ChannelMessage,
        ChannelRun,
        DeliveryReport,
        HandsetReceipt,
        TestCard,
    )

    models = (
        HandsetReceipt,
        DeliveryReport,
        ChannelMessage,
        ChannelRun,
        TestCard,
        FollowUp,
        Evidence,
        Blob,
        Answer,
        AuditChecklist,
        Audit,
        ChecklistSnapshot,
        Candidate,
        Selection,
        Vendor,
        Event,
    )
    with store.write() as session:
        # The signed-off guard (migration 0008) refuses deleting a signed-off audit's answers
        # row by row. Emptying everything is a deliberate act taken after a backup, so:
        # PostgreSQL truncates (row triggers do not fire), SQLite deletes the audits first,
        # with foreign keys checked at commit, when every row that pointed to them is gone.
        if store.engine.dialect.name == "postgresql":
            names = ", ".join(table_of(model).name for model in models)
            session.connection().exec_driver_sql(f"TRUNCATE {names}")
        else:
            session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            session.exec(delete(Audit))
            for model in models:
                session.exec(delete(model))
        head = session.get(ChainHead, 1)
        if head is not None:
            head.last_event_id, head.last_hash = 0, ""
            session.add(head)
    return backup
