"""Export checks before it vouches: a signed-off audit changed behind the tool's back (rows
edited with the guard dropped, or its events rewritten) is refused, or exported marked as
changed after sign-off with --allow-changed (issue 14, item 3)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import Result
from sqlmodel import select

from tests.helpers import MINI, TODAY, drop_guards, signed_off_audit, vaudit
from vaudit.audits import events, tamper
from vaudit.audits.checklist import build_set, sources_in
from vaudit.audits.db import open_store
from vaudit.audits.models import Event
from vaudit.audits.service import Service


@pytest.fixture
def signed_db(tmp_path: Path) -> Path:
    db = tmp_path / "a.sqlite"
    service = Service(
        open_store(str(db)), "alice", checklists=build_set(sources_in(MINI)), today=TODAY
    )
    signed_off_audit(service)
    service.store.dispose()
    return db


def _sql(db: Path, statement: str) -> None:
    store = open_store(str(db))
    with store.write() as session:
        drop_guards(session.connection())
        session.connection().exec_driver_sql(statement)
    store.dispose()


def _export(db: Path, tmp_path: Path, *extra: str, ok: bool, name: str = "r.toml") -> Result:
    return vaudit(db, "export", "1", "-o", str(tmp_path / name), *extra, ok=ok)


def test_an_answer_changed_after_sign_off_is_not_exported_as_signed_off(
    signed_db: Path, tmp_path: Path
) -> None:
    _export(signed_db, tmp_path, ok=True, name="before.toml")
    _sql(signed_db, "UPDATE answer SET result = 'fail' WHERE item_id = 'beta.misc.review'")
    refused = _export(signed_db, tmp_path, ok=False)
    assert refused.stderr.startswith("error:")
    assert (
        "audit 1 no longer holds what was signed off: answer beta.misc.review was changed "
        "after sign-off" in refused.stderr
    )
    assert "--allow-changed" in refused.stderr and "Traceback" not in refused.output
    assert not (tmp_path / "r.toml").exists()

    marked = _export(signed_db, tmp_path, "--allow-changed", ok=True)
    assert "changed after sign-off" in marked.stderr
    audit = tomllib.loads((tmp_path / "r.toml").read_text("utf-8"))["audit"]
    assert audit["status"] == "signed_off"
    assert audit["changed_after_sign_off"] == ["answer beta.misc.review was changed after sign-off"]
    vaudit(
        signed_db,
        "export",
        "1",
        "-o",
        str(tmp_path / "r.md"),
        "--format",
        "md",
        "--allow-changed",
        ok=True,
    )
    markdown = (tmp_path / "r.md").read_text("utf-8")
    # Said before any section, with what changed.
    before_sections = markdown.split("## Qualification")[0]
    assert "Warning: this audit was changed after sign-off." in before_sections
    assert "beta.misc.review was changed after sign-off" in before_sections


def test_a_status_put_back_after_sign_off_is_refused(signed_db: Path, tmp_path: Path) -> None:
    _sql(signed_db, "UPDATE audit SET status = 'draft'")
    refused = _export(signed_db, tmp_path, ok=False)
    assert "the log says it was signed off but it is now draft" in refused.stderr


def test_a_rewritten_sign_off_event_is_refused(signed_db: Path, tmp_path: Path) -> None:
    # The forger changes an answer and takes the sign-off digest again, recomputing that
    # event's hash: the next event (or the head) no longer follows it.
    _sql(signed_db, "UPDATE answer SET note = 'rewritten' WHERE item_id = 'beta.misc.review'")
    store = open_store(str(signed_db))
    with store.write() as session:
        event = session.exec(select(Event).where(Event.action == "audit.signed_off")).one()
        payload = json.loads(event.after or "{}")
        payload[tamper.DIGEST_KEY] = tamper.audit_digest(session, 1)
        event.after = events.canonical_json(payload)
        event.hash = events.event_hash(event)
        session.add(event)
    store.dispose()
    refused = _export(signed_db, tmp_path, ok=False)
    assert "(audit.signed_off)" in refused.stderr
    assert "log's head" in refused.stderr or "next event follows" in refused.stderr


def test_a_draft_and_an_intact_sign_off_export_as_before(signed_db: Path, tmp_path: Path) -> None:
    written = _export(signed_db, tmp_path, ok=True)
    assert written.stderr == ""
    audit = tomllib.loads((tmp_path / "r.toml").read_text("utf-8"))["audit"]
    assert "changed_after_sign_off" not in audit
