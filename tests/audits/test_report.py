"""Scored TOML reports: content, digest, evidence, import round trips, atomic writes."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import DATA, ROOT, TODAY, drop_guards, restore_guards
from tests.support.reseal import reseal
from vaudit.audits.cli import cli
from vaudit.audits.db import Store, open_store
from vaudit.audits.demo import load_demo
from vaudit.audits.models import Answer, Audit, Blob, Event, Evidence, Selection, Vendor
from vaudit.audits.present import points
from vaudit.audits.report import (
    EVIDENCE_FOLDER,
    ReportError,
    export_audits,
    export_comparison,
    import_report,
    verify_file,
)
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

GENERATED_AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
FIXED = "2026-11-20 08:00:00.000000"
GOLDEN = DATA / "golden"
DOCS = ROOT / "docs" / "report-format.md"

TIMESTAMPS = {
    "vendor": ["created_at", "updated_at"],
    "selection": ["created_at"],
    "candidate": ["stage_changed_at"],
    "audit": ["started_at", "updated_at"],
    "answer": ["answered_at"],
    "evidence": ["added_at"],
    "follow_up": ["created_at"],
}


def freeze(store: Store) -> None:
    """Fixed ids and times, so that an export is the same bytes on every run."""
    with store.write() as session:
        run = session.connection().exec_driver_sql
        drop_guards(session.connection())
        for table, columns in TIMESTAMPS.items():
            for column in columns:
                run(f"UPDATE {table} SET {column} = '{FIXED}'")
        run(f"UPDATE audit SET signed_off_at = '{FIXED}' WHERE signed_off_at IS NOT NULL")
        run(f"UPDATE follow_up SET done_at = '{FIXED}' WHERE done_at IS NOT NULL")
        for table in ("vendor", "selection", "audit"):
            run(f"UPDATE {table} SET uid = printf('{table}%04d', id)")
        restore_guards(session.connection())
        reseal(session)


def count_rows(store: Store) -> dict[str, int]:
    counts = {}
    with store.read() as session:
        for model in (Vendor, Selection, Audit, Answer, Evidence, Blob):
            counts[model.__name__] = len(session.exec(__import__("sqlmodel").select(model)).all())
    return counts


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    store = open_store(str(path))
    load_demo(Service(store, "demo", today=TODAY))
    freeze(store)
    return store


@pytest.fixture
def demo_service(demo_store: Store) -> Service:
    return Service(demo_store, "legal-export", today=TODAY)


def export_one(service: Service, audit: int, folder: Path, **kw: object) -> Path:
    written = export_audits(
        service, [audit], folder / f"a{audit}.toml", generated_at=GENERATED_AT, **kw
    )  # type: ignore[arg-type]
    return written[0].path


# ------------------------------------------------------------------------------ content


def test_demo_signed_off_audit_exports_to_the_golden_report(
    demo_service: Service, tmp_path: Path
) -> None:
    path = export_one(demo_service, 1, tmp_path)
    golden = GOLDEN / "demo-audit-1.toml"
    if os.environ.get("VAUDIT_UPDATE_GOLDEN"):
        golden.write_bytes(path.read_bytes())
    assert path.read_bytes() == golden.read_bytes(), (
        "the report of demo audit 1 changed; if on purpose, rerun with VAUDIT_UPDATE_GOLDEN=1 "
        "and update docs/report-format.md"
    )


def _key_paths(data: object, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            if prefix in ("score.points", "digest.parts", "digest.items") or prefix.startswith(
                ("channel_test.latest", "channel_test.failover", "channel_test.by_slot")
            ):
                continue  # keys are result names, part names, item ids, or channel metrics
            paths.add(path)
            paths |= _key_paths(value, path)
    elif isinstance(data, list):
        for value in data:
            paths |= _key_paths(value, prefix)
    return paths


def test_every_key_of_every_demo_report_is_documented(
    demo_service: Service, tmp_path: Path
) -> None:
    documented = set(re.findall(r"^\| `([a-z0-9_.]+)` \|", DOCS.read_text("utf-8"), re.MULTILINE))
    written = export_audits(
        demo_service, list(range(1, 10)), tmp_path, generated_at=GENERATED_AT, with_evidence=True
    )
    seen: set[str] = set()
    for done in written:
        seen |= _key_paths(tomllib.loads(done.path.read_text("utf-8")))
    assert seen - documented == set(), "keys written but not documented in docs/report-format.md"
    assert {"items.proposal.overridden", "findings.kind", "items.evidence.sha256"} <= seen
    assert {"channel_test.facts", "channel_test.latest"} <= seen  # the demo's run (audit 7)


def test_report_content_a_reader_relies_on(demo_service: Service, tmp_path: Path) -> None:
    data = tomllib.loads(export_one(demo_service, 5, tmp_path).read_text("utf-8"))
    # Demo audit 5 is disqualified by a failed gate: the score, the gate and the finding agree.
    assert data["score"]["verdict"] == "disqualified"
    gates = data["score"]["failed_gates"]
    assert gates
    assert {f["item"] for f in data["findings"] if f["kind"] == "failed_gate"} == set(gates)
    # The arithmetic can be redone from the items.
    items = [i for i in data["items"] if i["applicable"]]
    assert sum(i["total_share"] for i in items) == pytest.approx(data["score"]["total"], abs=0.01)
    for section in data["score"]["sections"]:
        mine = [i for i in items if i["section"] == section["id"]]
        if "score" in section:
            shares = sum(i["section_share"] for i in mine)
            assert shares == pytest.approx(section["score"], abs=0.01)
    # Titles in both languages; times are UTC.
    assert all(set(i["title"]) == {"zh", "en"} for i in data["items"])
    assert data["audit"]["started_at"].tzinfo is not None
    assert data["header"]["generated_at"] == GENERATED_AT
    assert data["channel_test"] == {"state": "not_run"}  # audit 5 has no channel run
    assert len(data["checklists"]) == 8 and all(len(c["sha256"]) == 64 for c in data["checklists"])


def test_an_override_of_a_rule_is_a_finding(service: Service, tmp_path: Path) -> None:
    vendor = service.add_vendor({"name": "甲"})
    selection = service.add_selection("s", Scenario())
    audit = service.start_audit(vendor.id, selection.id)  # type: ignore[arg-type]
    service.record_answer(audit.id, "alpha.core.rate", value="90")  # type: ignore[arg-type]
    service.record_answer(
        audit.id, "alpha.core.rate", result="pass", note="contract guarantees 99% from March"
    )  # type: ignore[arg-type]
    data = tomllib.loads(export_one(service, audit.id, tmp_path).read_text("utf-8"))  # type: ignore[arg-type]
    item = next(i for i in data["items"] if i["id"] == "alpha.core.rate")
    assert item["proposal"]["overridden"] is True
    assert item["proposal"]["result"] == "fail"
    assert item["value"] == 90
    finding = next(f for f in data["findings"] if f["kind"] == "rule_overridden")
    assert finding["item"] == "alpha.core.rate"
    assert finding["note"] == "contract guarantees 99% from March"


def test_the_same_audit_exports_to_the_same_bytes(demo_service: Service, tmp_path: Path) -> None:
    first = export_one(demo_service, 3, tmp_path / "one").read_bytes()
    second = export_one(demo_service, 3, tmp_path / "two").read_bytes()
    assert first == second


# ------------------------------------------------------------------------------ verify


def test_an_exported_report_verifies(demo_service: Service, tmp_path: Path) -> None:
    path = export_one(demo_service, 1, tmp_path, with_evidence=True)
    check = verify_file(path)
    assert check.ok, check.problems
    assert check.evidence_checked == 4


FIXTURES_OK = [HealthCheck.function_scoped_fixture]  # each example makes its own folder


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES_OK)
@given(data=st.data())
def test_any_changed_byte_in_the_body_fails_verify(
    demo_service: Service, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("flip")
    path = export_one(demo_service, 4, folder)
    raw = bytearray(path.read_bytes())
    body_end = raw.rfind(b"\n[digest]\n")
    at = data.draw(st.integers(0, body_end - 1), label="offset")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[at]), label="byte")
    raw[at] = new
    path.write_bytes(bytes(raw))
    check = verify_file(path)
    assert not check.ok
    assert check.problems and all(p for p in check.problems)


def test_verify_names_the_changed_item(demo_service: Service, tmp_path: Path) -> None:
    path = export_one(demo_service, 1, tmp_path)
    text = path.read_text("utf-8")
    # Turn the first fail into a pass: the kind of edit someone might try.
    start = text.index('id = "qualification.licence.scope"')
    end = text.index('result = "pass"', start)
    changed = text[:end] + 'result = "fail"' + text[end + len('result = "pass"') :]
    path.write_text(changed, "utf-8")
    result = CliRunner().invoke(cli, ["report", "verify", str(path)])
    assert result.exit_code == 1
    assert "item qualification.licence.scope differs" in result.output


def test_a_changed_or_missing_evidence_file_fails_verify(
    demo_service: Service, tmp_path: Path
) -> None:
    path = export_one(demo_service, 1, tmp_path, with_evidence=True)
    files = sorted((tmp_path / EVIDENCE_FOLDER).glob("*.pdf"))
    files[0].write_bytes(files[0].read_bytes() + b"x")
    files[1].unlink()
    result = CliRunner().invoke(cli, ["report", "verify", str(path)])
    assert result.exit_code == 1
    assert f"{files[0].name} does not match its SHA-256" in result.output
    assert f"{files[1].name} is missing" in result.output


def test_verify_cli_passes_an_intact_report(demo_service: Service, tmp_path: Path) -> None:
    path = export_one(demo_service, 2, tmp_path, with_evidence=True)
    result = CliRunner().invoke(cli, ["report", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "evidence file(s) match" in result.output


# ------------------------------------------------------------------------------ import


def fresh_service(tmp_path: Path, name: str = "other.sqlite") -> Service:
    return Service(open_store(str(tmp_path / name)), "bob", today=TODAY)


def test_export_import_export_gives_the_same_bytes(demo_service: Service, tmp_path: Path) -> None:
    for audit in (1, 2, 5, 7):  # 7 has a channel run: its measurements travel too
        folder = tmp_path / f"r{audit}"
        first = export_one(demo_service, audit, folder, with_evidence=True)
        other = fresh_service(folder)
        other.actor = demo_service.actor  # the header names who exported
        imported = import_report(other, first)
        assert not imported.already
        again = export_audits(
            other,
            [imported.audit_id],
            folder / "again.toml",
            with_evidence=True,
            generated_at=GENERATED_AT,
        )[0].path
        assert again.read_bytes() == first.read_bytes(), f"audit {audit} changed in the round trip"


def test_import_twice_adds_nothing(demo_service: Service, tmp_path: Path) -> None:
    path = export_one(demo_service, 3, tmp_path, with_evidence=True)
    other = fresh_service(tmp_path)
    import_report(other, path)
    before = count_rows(other.store)
    again = import_report(other, path)
    assert again.already
    assert count_rows(other.store) == before
    assert before["Audit"] == 1 and before["Evidence"] > 0


def test_import_into_the_same_database_finds_the_audit_already_there(
    demo_service: Service, tmp_path: Path
) -> None:
    path = export_one(demo_service, 3, tmp_path, with_evidence=True)
    before = count_rows(demo_service.store)
    assert import_report(demo_service, path).already
    assert count_rows(demo_service.store) == before


def test_a_changed_report_is_refused_unless_forced_and_then_marked(
    demo_service: Service, tmp_path: Path
) -> None:
    path = export_one(demo_service, 4, tmp_path, with_evidence=True)
    text = path.read_text("utf-8")
    path.write_text(text.replace('generated_by = "legal-export"', 'generated_by = "mallory"'))
    other = fresh_service(tmp_path)
    with pytest.raises(ReportError, match="changed after export"):
        import_report(other, path)
    assert count_rows(other.store)["Audit"] == 0
    forced = import_report(other, path, force=True)
    assert not forced.intact
    data = tomllib.loads(export_one(other, forced.audit_id, tmp_path / "re").read_text("utf-8"))
    assert data["audit"]["imported_from_changed_report"] == verify_file(path).digest
    with other.store.read() as session:
        marks = session.exec(
            __import__("sqlmodel").select(Event).where(Event.action == "audit.import")
        ).all()
    assert len(marks) == 1 and '"intact":false' in (marks[0].after or "").replace(" ", "")


def test_a_forced_import_refuses_a_signer_that_is_not_text(
    demo_service: Service, tmp_path: Path
) -> None:
    # Found by the fuzz test: a list where the signer's name belongs reached the database
    # driver and failed there, instead of being refused in words.
    path = export_one(demo_service, 1, tmp_path, with_evidence=True)
    text = path.read_text("utf-8")
    signer = re.search(r'^signed_off_by = ".*"$', text, flags=re.MULTILINE)
    assert signer is not None
    path.write_text(text.replace(signer.group(0), "signed_off_by = []"), encoding="utf-8")
    other = fresh_service(tmp_path)
    with pytest.raises(ReportError, match="signed_off_by should be text, not list"):
        import_report(other, path, force=True)
    assert count_rows(other.store)["Audit"] == 0


def test_import_without_the_evidence_files_says_how_to_get_them(
    demo_service: Service, tmp_path: Path
) -> None:
    path = export_one(demo_service, 1, tmp_path)  # no --with-evidence
    other = fresh_service(tmp_path)
    with pytest.raises(ReportError, match="--with-evidence"):
        import_report(other, path)
    assert count_rows(other.store)["Vendor"] == 0  # nothing half-imported


def test_import_of_custom_checklists_uses_the_copies_beside_the_report(
    service: Service, tmp_path: Path
) -> None:
    from vaudit.audits.scenario import Scenario

    vendor = service.add_vendor({"name": "乙"})
    selection = service.add_selection("mini", Scenario())
    audit = service.start_audit(vendor.id, selection.id)  # type: ignore[arg-type]
    service.record_answer(audit.id, "beta.misc.review", value="full", result="pass")  # type: ignore[arg-type]
    path = export_one(service, audit.id, tmp_path, with_evidence=True)  # type: ignore[arg-type]
    # The other machine has only the shipped checklists, not tests/data/mini.
    other = Service(open_store(str(tmp_path / "o.sqlite")), "bob", today=TODAY)
    done = import_report(other, path)
    assert other.view(done.audit_id).result_of("beta.misc.review") == "pass"
    # Without the copies it says what is missing.
    for copy in (tmp_path / EVIDENCE_FOLDER / "checklists").glob("*.toml"):
        copy.unlink()
    third = Service(open_store(str(tmp_path / "t.sqlite")), "bob", today=TODAY)
    with pytest.raises(ReportError, match="is not known here"):
        import_report(third, path)


TRICKY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURES_OK)
@given(
    results=st.lists(
        st.sampled_from(["pass", "partial", "fail", "na", None]), min_size=5, max_size=5
    ),
    note=TRICKY_TEXT,
    rate=st.decimals(min_value=0, max_value=100, places=3, allow_nan=False),
    licence=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)),
    name=TRICKY_TEXT.map(lambda s: s.strip()[:150]).filter(bool),
)
def test_round_trip_of_generated_audits(
    tmp_path_factory: pytest.TempPathFactory,
    mini_set: object,
    results: list[str | None],
    note: str,
    rate: object,
    licence: dt.date,
    name: str,
) -> None:
    from vaudit.audits.scenario import Scenario

    folder = tmp_path_factory.mktemp("gen")
    actor = '甲 "审核"'
    here = Service(open_store(str(folder / "a.sqlite")), actor, checklists=mini_set, today=TODAY)  # type: ignore[arg-type]
    vendor = here.add_vendor({"name": name, "notes": note})
    selection = here.add_selection("选型 'x'", Scenario())
    audit = here.start_audit(vendor.id, selection.id)  # type: ignore[arg-type]
    here.record_answer(audit.id, "alpha.core.rate", value=str(rate))  # type: ignore[arg-type]
    here.record_answer(audit.id, "alpha.core.licence", value=licence.isoformat())  # type: ignore[arg-type]
    items = [i.id for i in mini_set.items()]  # type: ignore[attr-defined]
    for item_id, result in zip(items, results, strict=True):
        if mini_set.item(item_id).applies_to(Scenario()):  # type: ignore[attr-defined]
            here.record_answer(audit.id, item_id, result=result, note=note)  # type: ignore[arg-type]
    here.add_evidence_bytes(audit.id, items[0], '证据 "1".pdf', note.encode("utf-8"))  # type: ignore[arg-type]
    here.add_evidence_url(audit.id, items[1], 'https://example.com/a?b="c"')  # type: ignore[arg-type]
    first = export_one(here, audit.id, folder, with_evidence=True)  # type: ignore[arg-type]
    assert verify_file(first).ok
    there = Service(open_store(str(folder / "b.sqlite")), actor, checklists=mini_set, today=TODAY)  # type: ignore[arg-type]
    done = import_report(there, first)
    again = export_audits(
        there, [done.audit_id], folder / "again.toml", with_evidence=True, generated_at=GENERATED_AT
    )[0].path
    assert again.read_bytes() == first.read_bytes()
    data = tomllib.loads(first.read_text("utf-8"))
    assert data["vendor"]["notes"] == note.strip()


# ------------------------------------------------------------------------------ files


def test_a_failed_write_leaves_no_partial_file(
    demo_service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(ReportError, match="No space left on device"):
        export_one(demo_service, 1, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_report_is_kept_without_force(demo_service: Service, tmp_path: Path) -> None:
    target = tmp_path / "r.toml"
    target.write_text("mine")
    runner = CliRunner()
    db = str(demo_service.store.engine.url.database)
    result = runner.invoke(cli, ["--db", db, "export", "1", "-o", str(target)])
    assert result.exit_code == 1
    assert "exists; use --force" in result.output
    assert target.read_text() == "mine"
    result = runner.invoke(cli, ["--db", db, "export", "1", "-o", str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert verify_file(target).ok


def test_an_unwritable_folder_is_a_clear_error(demo_service: Service, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    db = str(demo_service.store.engine.url.database)
    result = CliRunner().invoke(cli, ["--db", db, "export", "1", "2", "-o", str(blocked / "out")])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot create the folder")


# ------------------------------------------------------------------------------ md, compare


def test_markdown_renders_the_same_content_for_people(
    demo_service: Service, tmp_path: Path
) -> None:
    toml_path = export_one(demo_service, 5, tmp_path)
    md_path = export_audits(
        demo_service, [5], tmp_path / "a5.md", fmt="md", generated_at=GENERATED_AT
    )[0].path
    md = md_path.read_text("utf-8")
    data = tomllib.loads(toml_path.read_text("utf-8"))
    assert verify_file(toml_path).digest in md
    assert data["vendor"]["name"] in md
    titles = {item["id"]: item["title"]["en"] for item in data["items"]}
    assert data["score"]["failed_gates"]
    for gate in data["score"]["failed_gates"]:
        assert f"Knockout item failed: {titles[gate]}" in md
        assert gate not in md  # labels for people, never the item's id
    assert f"Total {points(data['score']['total'])} of 100" in md


def test_comparison_ranks_disqualified_vendors_last(demo_service: Service, tmp_path: Path) -> None:
    done = export_comparison(
        demo_service, [5, 3, 4, 7], tmp_path / "c.toml", generated_at=GENERATED_AT
    )
    assert verify_file(done.path).ok
    data = tomllib.loads(done.path.read_text("utf-8"))
    ranking = [(v["rank"], v["verdict"], v["total"]) for v in data["vendors"]]
    assert ranking[-1][1] == "disqualified"
    totals = [t for _, verdict, t in ranking if verdict != "disqualified"]
    assert totals == sorted(totals, reverse=True)
    assert {v["stage"] for v in data["vendors"]} >= {"finalist", "rejected"}
    section = data["sections"][0]
    assert len(section["scores"]) == 4
    other = fresh_service(tmp_path)
    with pytest.raises(ReportError, match="comparison"):
        import_report(other, done.path)


def test_the_documented_example_is_what_vaudit_writes() -> None:
    import importlib.util

    script = ROOT / "scripts" / "report_example.py"
    spec = importlib.util.spec_from_file_location("report_example", script)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    doc = DOCS.read_text("utf-8")
    assert module.in_document(module.example()) == doc, (
        "docs/report-format.md's example is stale: run python scripts/report_example.py --write"
    )


def test_a_channel_run_is_summarised_and_its_proposals_survive_import(
    demo_service: Service, tmp_path: Path
) -> None:
    path = export_one(demo_service, 7, tmp_path, with_evidence=True)
    data = tomllib.loads(path.read_text("utf-8"))
    channel = data["channel_test"]
    assert channel["state"] == "measured"
    overall = channel["latest"]["overall"]
    assert overall["sent"] == 25 and 0 <= overall["arrival_rate"] <= 1
    assert {"mobile", "unicom", "telecom"} <= set(channel["latest"]["by_carrier"])
    # The channel rules' findings name the run's figures; after import they are the same.
    arrival = next(f for f in data["findings"] if f.get("rule") == "channel_arrival")
    assert "channel run" in arrival["reason"]["en"]
    other = fresh_service(tmp_path)
    done = import_report(other, path)
    assert other.view(done.audit_id).proposals.keys() == demo_service.view(7).proposals.keys()
    assert (
        other.view(done.audit_id).proposals["channel_testing.delivery.arrival_rate"].reason
        == demo_service.view(7).proposals["channel_testing.delivery.arrival_rate"].reason
    )
