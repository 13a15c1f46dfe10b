"""Follow-up actions and evidence expiry: the service rules, the watch, the CLI and reports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import TODAY
from vaudit.audits.cli import cli
from vaudit.audits.db import open_store
from vaudit.audits.models import FollowUp
from vaudit.audits.report import export_audits, import_report
from vaudit.audits.service import AuditError, Locked, NotFound, Service, StaleWrite
from vaudit.audits.watch import WatchedEvidence, WatchedFollowUp, watch

ITEM = "alpha.core.rate"


def test_a_follow_up_records_the_finding_and_survives_sign_off(
    service: Service, audit_id: int
) -> None:
    service.record_answer(audit_id, ITEM, result="fail", value="90")
    service.submit_for_review(audit_id)
    service.sign_off(audit_id, "王敏")
    # Signed off: answers are locked, but the vendor's promise can still be recorded.
    added = service.add_follow_up(audit_id, ITEM, " Send the retest report ", "李娜", TODAY)
    assert (added.what, added.source_finding, added.done, added.version) == (
        "Send the retest report",
        "fail",
        False,
        1,
    )
    [event] = [e for e in service.history(audit_id) if e.action == "follow_up.add"]
    assert json.loads(event.after or "{}")["due_on"] == TODAY.isoformat()
    assert service.view(audit_id).follow_ups[ITEM][0].id == added.id
    assert service.verify().ok


def test_a_follow_up_needs_what_who_and_a_real_item(service: Service, audit_id: int) -> None:
    with pytest.raises(AuditError, match="say what is owed"):
        service.add_follow_up(audit_id, ITEM, "  ", "李娜", TODAY)
    with pytest.raises(AuditError, match="who owes it"):
        service.add_follow_up(audit_id, ITEM, "x", " ", TODAY)
    with pytest.raises(NotFound, match="no item 'nope'"):
        service.add_follow_up(audit_id, "nope", "x", "李娜", TODAY)
    with pytest.raises(AuditError, match="at most 500"):
        service.add_follow_up(audit_id, ITEM, "x" * 501, "李娜", TODAY)
    assert service.follow_ups() == []


def test_done_and_reopen_are_versioned(service: Service, audit_id: int) -> None:
    added = service.add_follow_up(audit_id, ITEM, "SLA", "李娜", TODAY)
    done = service.set_follow_up_done(added.id, expected_version=1)  # type: ignore[arg-type]
    assert (done.done, done.done_by, done.version) == (True, "alice", 2)
    assert done.done_at is not None
    # Someone working from the first read cannot undo it silently.
    with pytest.raises(StaleWrite, match="changed by someone else"):
        service.set_follow_up_done(added.id, done=False, expected_version=1)  # type: ignore[arg-type]
    reopened = service.set_follow_up_done(added.id, done=False, expected_version=2)  # type: ignore[arg-type]
    assert (reopened.done, reopened.done_at, reopened.done_by, reopened.version) == (
        False,
        None,
        None,
        3,
    )
    assert [f.id for f in service.follow_ups(open_only=True)] == [added.id]
    with pytest.raises(NotFound):
        service.set_follow_up_done(999)


def test_evidence_expiry_is_set_cleared_and_locked_after_sign_off(
    service: Service, audit_id: int
) -> None:
    evidence = service.add_evidence_bytes(audit_id, ITEM, "cert.pdf", b"%PDF cert")
    changed = service.set_evidence_expiry(evidence.id, dt.date(2027, 1, 31))  # type: ignore[arg-type]
    assert service.evidence_list(audit_id)[0].expires_on == dt.date(2027, 1, 31)
    assert changed.expires_on == dt.date(2027, 1, 31)
    service.set_evidence_expiry(evidence.id, None)  # type: ignore[arg-type]
    assert service.evidence_list(audit_id)[0].expires_on is None
    assert [e.action for e in service.history(audit_id)].count("evidence.expiry") == 2
    service.set_evidence_expiry(evidence.id, dt.date(2027, 1, 31))  # type: ignore[arg-type]
    service.submit_for_review(audit_id)
    service.sign_off(audit_id, "王敏")
    with pytest.raises(Locked, match="read-only"):
        service.set_evidence_expiry(evidence.id, dt.date(2028, 1, 1))  # type: ignore[arg-type]
    # A revision carries the date with its copy of the evidence; the watch lists that copy once.
    revision = service.revise(audit_id)
    assert service.evidence_list(revision.id)[0].expires_on == dt.date(2027, 1, 31)  # type: ignore[arg-type]
    listed = [w for w in service.watch(365) if w.kind == "evidence_expiry"]
    assert [(w.audit_id, w.due) for w in listed] == [(revision.id, dt.date(2027, 1, 31))]


def test_the_watch_lists_open_follow_ups_and_expiring_evidence(
    service: Service, audit_id: int
) -> None:
    late = service.add_follow_up(audit_id, ITEM, "Retest", "李娜", TODAY - dt.timedelta(days=5))
    service.add_follow_up(audit_id, ITEM, "Far away", "李娜", TODAY + dt.timedelta(days=200))
    finished = service.add_follow_up(audit_id, ITEM, "Done one", "李娜", TODAY)
    service.set_follow_up_done(finished.id)  # type: ignore[arg-type]
    evidence = service.add_evidence_bytes(audit_id, ITEM, "cert.pdf", b"%PDF cert")
    service.set_evidence_expiry(evidence.id, TODAY + dt.timedelta(days=30))  # type: ignore[arg-type]
    items = [w for w in service.watch(90) if w.kind in {"follow_up", "evidence_expiry"}]
    assert [(w.kind, w.due, w.vendor, w.ref_id, w.overdue(TODAY)) for w in items] == [
        ("follow_up", TODAY - dt.timedelta(days=5), "示例通信", late.id, True),
        ("evidence_expiry", TODAY + dt.timedelta(days=30), "示例通信", evidence.id, False),
    ]
    assert "cert.pdf" in items[1].what.en and "Retest" in items[0].what.zh


def test_watch_sorts_evidence_and_follow_ups_among_vendor_dates() -> None:
    vendors = [{"id": 1, "name": "A", "licence_expiry": "2027-01-01"}]
    found = watch(
        vendors,
        TODAY,
        400,
        [WatchedEvidence(7, 3, 1, "i", "cert.pdf", dt.date(2026, 12, 1))],
        [WatchedFollowUp(9, 3, 1, "i", "SLA", "Li", dt.date(2026, 1, 1))],
    )
    assert [(w.kind, w.due.isoformat(), w.vendor) for w in found] == [
        ("follow_up", "2026-01-01", "A"),
        ("licence_renewal", "2026-10-03", "A"),
        ("evidence_expiry", "2026-12-01", "A"),
        ("licence_expiry", "2027-01-01", "A"),
    ]
    assert found[0].as_json(TODAY)["ref_id"] == 9


def test_cli_followups_and_evidence_expiry(tmp_path: Path) -> None:
    db = str(tmp_path / "f.sqlite")
    run = CliRunner().invoke
    assert run(cli, ["--db", db, "demo"]).exit_code == 0
    listed = json.loads(run(cli, ["--db", db, "followups", "list", "--json"]).stdout)
    assert {(f["done"], f["overdue"]) for f in listed} == {(True, False), (False, True)}
    item = listed[0]["item"]
    added = run(
        cli,
        ["--db", db, "--auditor", "zhao", "followups", "add", "3", item, "Send the SLA",
         "--by", "Wang", "--due", "2099-01-31"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    new_id = int(added.stdout.split()[1].rstrip(":"))
    open_ones = json.loads(run(cli, ["--db", db, "followups", "list", "--open", "--json"]).stdout)
    assert new_id in [f["id"] for f in open_ones] and all(not f["done"] for f in open_ones)
    # `audits show --json` lists an item's follow-ups exactly as `followups list --json` does.
    shown_items = json.loads(run(cli, ["--db", db, "audits", "show", "3", "--json"]).stdout)
    [on_item] = [f for i in shown_items["items"] for f in i["follow_ups"] if f["id"] == new_id]
    assert on_item == next(f for f in open_ones if f["id"] == new_id)
    assert "done by zhao" in run(cli, ["--db", db, "--auditor", "zhao", "followups", "done",
                                       str(new_id)]).stdout  # fmt: skip
    assert "is open" in run(cli, ["--db", db, "followups", "done", str(new_id), "--reopen"]).stdout
    bad = run(cli, ["--db", db, "followups", "add", "3", item, "x", "--by", "W", "--due", "soon"])
    assert (
        bad.exit_code == 1 and bad.stderr == "error: --due: 'soon' is not a date (use YYYY-MM-DD)\n"
    )
    # Evidence expiry: a draft audit's evidence takes a date; --clear removes it.
    draft = json.loads(run(cli, ["--db", db, "evidence", "list", "3", "--json"]).stdout)[0]
    shown = run(cli, ["--db", db, "evidence", "expire", str(draft["id"]), "2099-06-30"])
    assert shown.exit_code == 0 and "expires 2099-06-30" in shown.stdout
    watched = json.loads(run(cli, ["--db", db, "watch", "--within", "40000", "--json"]).stdout)
    assert ("evidence_expiry", draft["id"]) in [(w["kind"], w["ref_id"]) for w in watched]
    assert ("follow_up", new_id) in [(w["kind"], w["ref_id"]) for w in watched]
    cleared = run(cli, ["--db", db, "evidence", "expire", str(draft["id"]), "--clear"])
    assert "has no expiry date" in cleared.stdout
    neither = run(cli, ["--db", db, "evidence", "expire", str(draft["id"])])
    assert neither.exit_code == 1 and neither.stderr.startswith("error: give either a DATE")
    stale = run(cli, ["--db", db, "followups", "done", str(new_id), "--if-version", "1"])
    assert stale.exit_code == 1 and "changed by someone else" in stale.stderr
    missing = run(cli, ["--db", db, "followups", "done", "4242"])
    assert missing.exit_code == 1 and missing.stderr.startswith("error: no follow-up 4242")


def test_follow_ups_and_expiry_travel_in_the_report(
    service: Service, audit_id: int, tmp_path: Path
) -> None:
    service.record_answer(audit_id, ITEM, result="fail", value="90")
    evidence = service.add_evidence_bytes(audit_id, ITEM, "cert.pdf", b"%PDF cert")
    service.set_evidence_expiry(evidence.id, dt.date(2027, 2, 1))  # type: ignore[arg-type]
    kept = service.add_follow_up(audit_id, ITEM, "Retest", "李娜", dt.date(2026, 12, 1))
    service.add_follow_up(audit_id, ITEM, "Earlier", "李娜", dt.date(2026, 11, 1))
    service.set_follow_up_done(kept.id)  # type: ignore[arg-type]
    [written] = export_audits(service, [audit_id], tmp_path / "a.toml", with_evidence=True)
    text = written.path.read_text(encoding="utf-8")
    assert "expires_on = 2027-02-01" in text
    # Open first, then done; each with the finding it answers.
    assert text.index('what = "Earlier"') < text.index('what = "Retest"')
    assert 'source_finding = "fail"' in text
    other = Service(
        open_store(str(tmp_path / "other.sqlite")), "bob", checklists=service.checklists
    )
    imported = import_report(other, written.path)
    rows = other.follow_ups(imported.audit_id)
    assert [(f.what, f.done, f.done_by, f.created_by) for f in rows] == [
        ("Earlier", False, None, "alice"),
        ("Retest", True, "alice", "alice"),
    ]
    assert all(isinstance(f, FollowUp) for f in rows)
    assert other.evidence_list(imported.audit_id)[0].expires_on == dt.date(2027, 2, 1)
    other.store.dispose()
