"""Reports come from outside: the importer reads files only from the report's own evidence
folder, hashes every blob on the way in, never reuses a stored blob whose bytes do not match
its hash, and refuses a second report that carries an existing audit's id with other content.
Every test goes through the command line (issue 14, items 1, 2 and 6)."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path

import pytest
from sqlmodel import select

from tests.helpers import TODAY, start_audit, vaudit
from vaudit.audits.db import open_store
from vaudit.audits.models import Audit, Blob, Event, Evidence
from vaudit.audits.report.digest import render
from vaudit.audits.report.verify import split
from vaudit.audits.service import Service

ITEM = "qualification.licence.scope"
GENUINE = b"%PDF-1.7 the vendor's licence scan"


def _service(path: Path) -> Service:
    return Service(open_store(str(path)), "alice", today=TODAY)


def _counts(db: Path) -> dict[str, int]:
    store = open_store(str(db))
    try:
        with store.read() as session:
            return {
                model.__name__: len(session.exec(select(model)).all())
                for model in (Audit, Evidence, Blob, Event)
            }
    finally:
        store.dispose()


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    """An audit with one evidence file, exported with its evidence to out/report.toml."""
    service = _service(tmp_path / "a.sqlite")
    audit = start_audit(service, "示例通信", "2026 选型")
    scan = tmp_path / "licence.pdf"
    scan.write_bytes(GENUINE)
    service.add_evidence_file(audit, ITEM, scan)
    service.record_answer(audit, ITEM, result="pass", note="scope seen on the licence")
    service.store.dispose()
    report = tmp_path / "out" / "report.toml"
    vaudit(tmp_path / "a.sqlite", "export", "1", "-o", str(report), "--with-evidence", ok=True)
    return report


def _rewrite(report: Path, change: dict[str, object], *, keep_digest: bool = False) -> None:
    """Point the report's one evidence file elsewhere; recompute the digest unless told not
    to, as a forger would."""
    text = report.read_text("utf-8")
    parts = split(text)
    assert parts is not None
    body = tomllib.loads(parts[0])
    entry = next(e for item in body["items"] for e in item.get("evidence", []))
    entry.update(change)
    if keep_digest:
        old = next(e for item in tomllib.loads(parts[0])["items"] for e in item.get("evidence", []))
        report.write_text(
            text.replace(f'file = "{old["file"]}"', f'file = "{change["file"]}"'), "utf-8"
        )
        return
    body["header"].pop("evidence_folder", None)
    report.write_text(render(body)[0], "utf-8")


def test_an_absolute_evidence_path_is_refused_even_with_a_recomputed_digest(
    exported: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "host-secret.txt"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    _rewrite(exported, {"file": str(secret), "sha256": sha, "size": secret.stat().st_size})
    other = tmp_path / "b.sqlite"
    result = vaudit(other, "report", "import", str(exported), ok=False)
    assert result.stderr.startswith("error: ") and "read only from evidence/" in result.stderr
    assert "Traceback" not in result.output
    assert _counts(other)["Blob"] == 0 and _counts(other)["Audit"] == 0


def test_force_does_not_let_a_report_read_outside_its_folder(
    exported: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "X"
    secret.write_bytes(b"outside the report")
    # The entry's hash is left alone: the digest no longer holds, so --force is needed.
    _rewrite(exported, {"file": "evidence/../../X"}, keep_digest=True)
    other = tmp_path / "b.sqlite"
    refused = vaudit(other, "report", "import", str(exported), ok=False)
    assert "changed after export" in refused.stderr
    forced = vaudit(other, "report", "import", str(exported), "--force", ok=False)
    assert "read only from evidence/" in forced.stderr
    assert _counts(other)["Blob"] == 0


def test_a_symlink_in_the_evidence_folder_is_not_followed(exported: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(GENUINE)  # even with the very bytes the report names
    (file,) = (exported.parent / "evidence").glob("*.pdf")
    file.unlink()
    file.symlink_to(secret)
    other = tmp_path / "b.sqlite"
    result = vaudit(other, "report", "import", str(exported), "--force", ok=False)
    assert "symlink" in result.stderr
    assert "symlink" in vaudit(other, "report", "verify", str(exported), ok=False).stderr
    assert _counts(other)["Blob"] == 0


def test_evidence_is_read_from_the_folder_beside_the_report_whatever_the_header_says(
    exported: Path, tmp_path: Path
) -> None:
    (file,) = (exported.parent / "evidence").glob("*.pdf")
    _rewrite(exported, {})  # the header's evidence_folder line removed, digest recomputed
    other = tmp_path / "b.sqlite"
    vaudit(other, "report", "import", str(exported), ok=True)
    file.write_bytes(b"changed")
    third = tmp_path / "c.sqlite"
    result = vaudit(third, "report", "import", str(exported), ok=False)
    assert "does not match its SHA-256" in result.stderr
    assert _counts(third)["Blob"] == 0


def _poison(db: Path, sha: str) -> None:
    store = open_store(str(db))
    with store.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE blob SET content = ? WHERE sha256 = ?", (b"not the licence", sha)
        )
    store.dispose()


def test_a_poisoned_blob_is_reported_by_verify_and_repaired_by_the_genuine_file(
    tmp_path: Path,
) -> None:
    db = tmp_path / "a.sqlite"
    service = _service(db)
    audit = start_audit(service)
    service.store.dispose()
    scan = tmp_path / "licence.pdf"
    scan.write_bytes(GENUINE)
    sha = hashlib.sha256(GENUINE).hexdigest()
    vaudit(db, "evidence", "add", str(audit), ITEM, str(scan), ok=True)
    _poison(db, sha)
    checked = vaudit(db, "verify", ok=False)
    assert f"evidence file {sha}" in checked.stderr

    vaudit(db, "evidence", "add", str(audit), ITEM, str(scan), ok=True)  # the same file again
    back = tmp_path / "back.pdf"
    vaudit(db, "evidence", "get", "1", "-o", str(back), ok=True)
    assert back.read_bytes() == GENUINE
    assert vaudit(db, "verify", ok=True).exit_code == 0
    history = vaudit(db, "audits", "history", str(audit), ok=True).output
    assert "blob.repair" not in history  # not an audit's event: the log has it on its own
    store = open_store(str(db))
    with store.read() as session:
        repairs = session.exec(select(Event).where(Event.action == "blob.repair")).all()
    store.dispose()
    assert [r.entity_id for r in repairs] == [sha]


def test_an_import_repairs_a_poisoned_blob_instead_of_reusing_it(
    exported: Path, tmp_path: Path
) -> None:
    other = tmp_path / "b.sqlite"
    service = _service(other)
    audit = start_audit(service, "另一家", "另一轮")
    service.add_evidence_bytes(audit, ITEM, "copy.pdf", GENUINE)
    service.store.dispose()
    _poison(other, hashlib.sha256(GENUINE).hexdigest())
    vaudit(other, "report", "import", str(exported), ok=True)
    back = tmp_path / "back.pdf"
    vaudit(other, "evidence", "get", "2", "-o", str(back), ok=True)
    assert back.read_bytes() == GENUINE
    vaudit(other, "verify", ok=True)


def test_a_second_report_with_an_existing_audits_id_is_a_conflict(
    exported: Path, tmp_path: Path
) -> None:
    other = tmp_path / "b.sqlite"
    vaudit(other, "report", "import", str(exported), ok=True)
    again = vaudit(other, "report", "import", str(exported), ok=True)
    assert "already here" in again.output

    # The same audit, answered differently in its first database and exported again.
    first = tmp_path / "a.sqlite"
    vaudit(first, "answer", "1", ITEM, "fail", "--note", "scope lacks SMS", ok=True)
    changed = tmp_path / "changed" / "report.toml"
    vaudit(first, "export", "1", "-o", str(changed), "--with-evidence", ok=True)
    before = _counts(other)
    conflict = vaudit(other, "report", "import", str(changed), ok=False)
    assert conflict.stderr.startswith("error: conflict: report.toml holds audit ")
    assert "but audit 1 here has that id" in conflict.stderr
    assert f"item {ITEM}" in conflict.stderr and "Nothing imported" in conflict.stderr
    assert _counts(other) == before
    # Whichever came first: the changed one into a fresh database, then the original.
    third = tmp_path / "c.sqlite"
    vaudit(third, "report", "import", str(changed), ok=True)
    assert "conflict" in vaudit(third, "report", "import", str(exported), ok=False).stderr


def test_a_checklist_beside_the_report_is_read_from_its_folder_only(
    exported: Path, tmp_path: Path
) -> None:
    text = exported.read_text("utf-8")
    parts = split(text)
    assert parts is not None
    body = tomllib.loads(parts[0])
    outside = tmp_path / "elsewhere.toml"
    outside.write_text("not a checklist", "utf-8")
    body["checklists"][0]["file"] = os.fspath(outside)
    body["checklists"][0]["sha256"] = hashlib.sha256(b"not a checklist").hexdigest()
    exported.write_text(render(body)[0], "utf-8")
    other = tmp_path / "b.sqlite"
    result = vaudit(other, "report", "import", str(exported), ok=False)
    assert "read only from evidence/" in result.stderr
    assert _counts(other)["Audit"] == 0


def test_credentials_in_an_evidence_url_are_not_stored(exported: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    added = vaudit(
        db, "evidence", "add", "1", ITEM, "https://bob:s3cr3t@portal.example.cn/lic?id=7#p2",
        ok=True,
    )  # fmt: skip
    assert "https://portal.example.cn/lic?id=7#p2" in added.output
    assert "were not stored" in added.output
    listed = vaudit(db, "evidence", "list", "1", "--json", ok=True).output
    url = next(e for e in json.loads(listed) if e["kind"] == "url")
    assert url["url"] == "https://portal.example.cn/lic?id=7#p2"
    assert "removed the user name and password" in url["note"]
    assert b"s3cr3t" not in db.read_bytes()
    # A report from outside that carries one: stripped on import too.
    text = exported.read_text("utf-8")
    parts = split(text)
    assert parts is not None
    body = tomllib.loads(parts[0])
    item = next(i for i in body["items"] if i["id"] == ITEM)
    item["evidence"].append(
        {
            "kind": "url",
            "name": "https://eve:hunter2@x.example/a",
            "url": "https://eve:hunter2@x.example/a",
            "added_by": "eve",
            "added_at": item["evidence"][0]["added_at"],
        }
    )
    exported.write_text(render(body)[0], "utf-8")
    other = tmp_path / "b.sqlite"
    vaudit(other, "report", "import", str(exported), ok=True)
    assert b"hunter2" not in other.read_bytes()
    export = tmp_path / "again.toml"
    vaudit(other, "export", "1", "-o", str(export), ok=True)
    assert "hunter2" not in export.read_text("utf-8")
    assert 'url = "https://x.example/a"' in export.read_text("utf-8")
