from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.helpers import MINI, ROOT, vaudit


@pytest.fixture
def run(db_target: str) -> Callable[..., Result]:
    """`vaudit` on this test's database as alice; asserts success unless told `ok=False`."""

    def invoke(*args: str, input: str | None = None, ok: bool = True) -> Result:
        return vaudit(db_target, *args, auditor="alice", input=input, ok=ok)

    return invoke


def test_a_whole_audit_from_the_command_line(run, tmp_path: Path) -> None:
    run(
        "vendors",
        "add",
        "示例通信",
        "--credit-code",
        "91310110666007217T",
        "--licence-number",
        "B2-20150210",
        "--licence-expiry",
        "2029-06-30",
        "--capital",
        "1000万",
        "--access-codes",
        "10690123",
    )
    run(
        "selections",
        "add",
        "2026 选型",
        "--industry",
        "ecommerce",
        "--coverage",
        "national",
        "--kinds",
        "verification,marketing",
        "--volume",
        "3000000",
    )
    started = run("audits", "start", "示例通信", "2026 选型")
    assert started.output.startswith("started audit 1: 示例通信 in 2026 选型")

    items = json.loads(run("audits", "show", "1", "--json").output)["items"]
    date_rule_item = next(i for i in items if i["rule"] == "date_not_passed" and i["applicable"])
    out = run("answer", "1", date_rule_item["id"], "auto", "--value", "2020-01-01").output
    assert "rule proposes fail" in out and "expired on 2020-01-01" in out

    bad = run("answer", "1", date_rule_item["id"], "pass", ok=False)
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: the rule proposes fail")
    assert "Traceback" not in bad.output + bad.stderr

    scan = tmp_path / "licence.png"
    scan.write_bytes(b"\x89PNG demo")
    added = run("evidence", "add", "1", date_rule_item["id"], str(scan)).output
    assert "sha256 " in added
    run("evidence", "add", "1", date_rule_item["id"], "https://dxzhgl.miit.gov.cn/")
    listed = json.loads(run("evidence", "list", "1", "--json").output)
    assert [e["kind"] for e in listed] == ["file", "url"]
    out_file = tmp_path / "back.png"
    run("evidence", "get", str(listed[0]["id"]), "-o", str(out_file))
    assert out_file.read_bytes() == scan.read_bytes()
    again = run("evidence", "get", str(listed[0]["id"]), "-o", str(out_file), ok=False)
    assert again.exit_code == 1 and "exists; use --force" in again.stderr
    # A trailing slash names a folder, created on demand, that keeps the file's own name.
    run("evidence", "get", str(listed[0]["id"]), "-o", f"{tmp_path / 'exports'}/")
    assert (tmp_path / "exports" / "licence.png").read_bytes() == scan.read_bytes()

    score = json.loads(run("score", "1", "--json").output)
    assert score["verdict"] == "disqualified" if date_rule_item["gate"] else "incomplete"

    refused = run("signoff", "1", "--by", "Carol", input="n\n", ok=False)
    assert refused.exit_code == 1 and "unanswered" in refused.stderr
    run("signoff", "1", "--by", "Carol", "--yes")
    locked = run("answer", "1", date_rule_item["id"], "na", ok=False)
    assert "read-only" in locked.stderr
    assert "audit 2 is revision 2 of audit 1" in run("revise", "1").output

    listing = json.loads(run("audits", "list", "--json").output)
    assert [(a["id"], a["status"], a["revision"]) for a in listing] == [
        (1, "signed_off", 1),
        (2, "draft", 2),
    ]
    assert set(listing[0]) >= {
        "id",
        "vendor",
        "selection",
        "status",
        "completion",
        "score",
        "verdict",
    }
    assert "event log intact" in run("verify").output


def test_stage_moves_and_selection_views(run) -> None:
    run("vendors", "add", "甲")
    run("selections", "add", "S1")
    run("selections", "add-candidate", "S1", "甲")
    rejected = run("selections", "stage", "S1", "甲", "rejected", ok=False)
    assert rejected.stderr == "error: rejecting a candidate needs a reason\n"
    run("selections", "stage", "S1", "甲", "technical_test")
    shown = json.loads(run("selections", "show", "S1", "--json").output)
    assert shown["candidates"][0]["stage"] == "technical_test"
    assert shown["candidates"][0]["changed_by"] == "alice"
    funnel = run("selections", "list").output
    assert "technical_test" in funnel.splitlines()[0]


def test_user_mistakes_are_one_line_errors(run) -> None:
    for args, message in [
        (("vendors", "show", "nobody"), "error: no vendor 'nobody'"),
        (("vendors", "add", "X", "--credit-code", "123"), "error: credit_code: a unified social"),
        (
            ("vendors", "add", "X", "--licence-expiry", "soon"),
            "error: licence_expiry: 'soon' is not a date",
        ),
        (("audits", "show", "42"), "error: no audit 42"),
        (("answer", "42", "a.b.c", "pass"), "error: no audit 42"),
    ]:
        result = run(*args, ok=False)
        assert result.exit_code == 1, args
        assert result.stderr.startswith(message), (args, result.stderr)


def test_validate_names_file_item_and_field(run, tmp_path: Path) -> None:
    broken = tmp_path / "alpha.toml"
    text = (MINI / "alpha.toml").read_text(encoding="utf-8")
    broken.write_text(text.replace('title.en = "Arrival rate"\n', ""), encoding="utf-8")
    result = run("checklists", "validate", str(broken), ok=False)
    assert result.exit_code == 1
    assert f"{broken}:" in result.stderr
    assert "item alpha.core.rate: field title.en: missing translation: en" in result.stderr
    good = run("checklists", "validate", str(MINI))
    assert good.stdout == "ok: 3 file(s) valid\n"
    # The mini files are format 1: valid, with a warning that they decide no severities.
    assert "alpha.toml: format 1 decides no severities" in good.stderr


def test_validate_without_paths_checks_the_checklist_folders(run, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    assert run("--checklists", str(folder), "checklists", "validate").output.startswith(
        "ok: no checklist files of your own"
    )
    (folder / "broken.toml").write_text("format = 1\n", encoding="utf-8")
    result = run("--checklists", str(folder), "checklists", "validate", ok=False)
    assert result.exit_code == 1
    assert f"{folder / 'broken.toml'}: field checklist" in result.stderr


def test_db_path_and_upgrade(run, db_target: str, backend: str) -> None:
    shown = db_target if backend == "postgresql" else str(Path(db_target).resolve())
    assert run("db", "path").output.strip() == shown
    run("vendors", "list")
    assert "already up to date" in run("db", "upgrade").output


def test_checklists_from_a_folder_join_the_audit(run, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    alpha = (MINI / "alpha.toml").read_text(encoding="utf-8")
    (folder / "house_rules.toml").write_text(
        alpha.replace('id = "alpha"', 'id = "house_rules"').replace(
            "alpha.core.", "house_rules.core."
        ),
        encoding="utf-8",
    )
    listing = json.loads(run("--checklists", str(folder), "checklists", "list", "--json").output)
    assert listing["checklists"][-1]["id"] == "house_rules"
    assert listing["checklists"][-1]["source"] == str(folder / "house_rules.toml")


def test_output_cut_short_by_a_closed_pipe_is_not_an_error(db_path: Path) -> None:
    """`vaudit … | head` stops quietly once the reader has gone (here it is gone at once)."""
    import subprocess
    import sys

    shell = subprocess.run(
        f'"{sys.executable}" -m vaudit.audits.cli --db "{db_path}" '
        "checklists show qualification | true",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert shell.stderr == ""


def test_vendor_regulatory_facts_are_checked_and_stored(run) -> None:
    run("vendors", "add", "事实供应商")
    bad = run("vendors", "edit", "事实供应商", "--mlps-level", "6", ok=False)
    assert "mlps_level" in bad.stderr and "from 1 to 5" in bad.stderr
    run(
        "vendors",
        "edit",
        "事实供应商",
        "--mlps-level",
        "3",
        "--mlps-conclusion",
        "基本符合",
        "--mlps-report-on",
        "2026-03-01",
        "--staff-insured",
        "4",
        "--major-violation-3y",
        "no",
        "--annual-report-year",
        "2025",
        "--licence-issued-on",
        "2021-06-30",
    )
    shown = json.loads(run("vendors", "show", "事实供应商", "--json").stdout)
    assert shown["mlps_conclusion"] == "basically_conforming"
    assert (shown["mlps_level"], shown["staff_insured"], shown["major_violation_3y"]) == (
        3,
        4,
        False,
    )
    assert shown["mlps_report_on"] == "2026-03-01" and shown["annual_report_year"] == 2025


def test_a_credit_code_with_a_wrong_check_character_is_saved_with_a_warning(run) -> None:
    added = run("vendors", "add", "校验供应商", "--credit-code", "91310110666007217A")
    assert "warning: credit_code: The check character does not match" in added.stderr
    assert "National Enterprise Credit Information Publicity System" in added.stderr
    assert "forged" not in added.stderr
    clean = run("vendors", "add", "正常供应商", "--credit-code", "91310110666007217T")
    assert clean.stderr == ""


def test_a_capital_too_large_to_store_is_one_error_and_stores_nothing(db_path: Path) -> None:
    # 2**63 does not fit a database integer: it used to pass validation and fail in the driver.
    refused = vaudit(db_path, "vendors", "add", "巨额", "--capital", str(2**63), ok=False)
    assert refused.output.startswith("error:") and "too large" in refused.output
    assert "Traceback" not in refused.output + refused.stderr
    listing = vaudit(db_path, "vendors", "list", "--json", ok=True)
    assert "巨额" not in listing.output
