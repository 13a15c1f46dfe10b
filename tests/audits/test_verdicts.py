"""Verdicts that explain themselves: severities in the checklists, critical caps from
scoring.toml, the reasons in the domain and in `vaudit score`, and the funnel's override rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlmodel import col, select

from tests.helpers import MINI, TODAY, vaudit
from vaudit.audits.checklist import (
    ChecklistError,
    ChecklistSet,
    Severity,
    Source,
    build_set,
    load_checklists,
    parse_checklist,
    shipped_sources,
)
from vaudit.audits.db import open_store
from vaudit.audits.models import Event
from vaudit.audits.rows import row_id
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import ReasonKind, Verdict, score
from vaudit.audits.service import AuditError, Service

# A scenario in which every shipped item but the industry permits applies.
EVERYTHING = Scenario(
    industry="ecommerce",
    coverage="national",
    message_kinds=frozenset({"verification", "notification", "marketing"}),
)

# Issue 13, section 1: each of these, failed alone, must stop "recommended".
SERIOUS = {
    "qualification.licence.holder_matches": Severity.GATE,
    "case_verification.ultimate.false_claim": Severity.GATE,
    "qualification.code.port_change_filed": Severity.CRITICAL,
    "legal_compliance.data.processing_agreement": Severity.CRITICAL,
    "channel_testing.delivery.arrival_rate": Severity.CRITICAL,
    "channel_testing.delivery.pseudo_success": Severity.CRITICAL,
}


@pytest.fixture(scope="module")
def shipped() -> ChecklistSet:
    return load_checklists()


def all_pass(checklists: ChecklistSet) -> dict[str, Result | None]:
    return {item.id: Result.PASS for item in checklists.items()}


def test_every_shipped_item_decides_its_severity_with_a_reason(shipped: ChecklistSet) -> None:
    assert all(cl.file_format == 2 for cl in shipped.checklists)
    for item in shipped.items():
        assert item.severity_reason is not None, item.id
        assert item.severity_reason.zh and item.severity_reason.en
    for item_id, severity in SERIOUS.items():
        found = shipped.item(item_id)
        assert found is not None and found.severity is severity


def test_the_education_and_finance_certifications_are_not_gates(shipped: ChecklistSet) -> None:
    for item_id in (
        "qualification.permits.education_edi",
        "qualification.permits.finance_security",
    ):
        item = shipped.item(item_id)
        assert item is not None and item.severity is Severity.STANDARD
        # The guidance names where the evidence is checked.
        assert "dxzhgl.miit.gov.cn" in item.guidance.en or "cx.cnca.cn" in item.guidance.en


def test_all_passing_is_recommended_and_says_why(shipped: ChecklistSet) -> None:
    result = score(shipped, EVERYTHING, all_pass(shipped))
    assert result.verdict is Verdict.RECOMMENDED
    assert [r.kind for r in result.verdict_reasons] == [ReasonKind.SCORE]
    assert result.critical_findings == () and result.failed_gates == ()


@pytest.mark.parametrize("item_id", sorted(SERIOUS))
def test_each_serious_finding_alone_stops_recommended_and_is_named(
    shipped: ChecklistSet, item_id: str
) -> None:
    answers = all_pass(shipped) | {item_id: Result.FAIL}
    result = score(shipped, EVERYTHING, answers)
    assert result.total > 90  # the points alone would still recommend
    if SERIOUS[item_id] is Severity.GATE:
        assert result.verdict is Verdict.DISQUALIFIED
        assert result.failed_gates == (item_id,)
        [reason] = result.verdict_reasons
        assert reason.kind is ReasonKind.FAILED_GATE
    else:
        assert result.verdict is Verdict.NOT_RECOMMENDED
        assert result.critical_findings == (item_id,)
        [reason] = result.verdict_reasons
        assert reason.kind is ReasonKind.CRITICAL_FAILED
        assert reason.caps_at is Verdict.NOT_RECOMMENDED
    assert reason.items == (item_id,)
    item = shipped.item(item_id)
    assert item is not None
    title = item.title
    assert title.en in reason.line("en") and title.zh in reason.line("zh")


def test_an_open_critical_finding_caps_at_conditional(shipped: ChecklistSet) -> None:
    item_id = "legal_compliance.data.processing_agreement"
    result = score(shipped, EVERYTHING, all_pass(shipped) | {item_id: Result.PARTIAL})
    assert result.verdict is Verdict.CONDITIONAL
    [reason] = result.verdict_reasons
    assert (reason.kind, reason.items, reason.caps_at) == (
        ReasonKind.CRITICAL_OPEN,
        (item_id,),
        Verdict.CONDITIONAL,
    )
    # The wording is the scoring file's.
    cap = shipped.scoring.cap_for(Result.PARTIAL)
    assert cap is not None and reason.label == cap.reason


def test_the_first_three_findings_together_disqualify(shipped: ChecklistSet) -> None:
    three = [
        "qualification.licence.holder_matches",
        "case_verification.ultimate.false_claim",
        "qualification.code.port_change_filed",
    ]
    result = score(shipped, EVERYTHING, all_pass(shipped) | dict.fromkeys(three, Result.FAIL))
    assert result.verdict is Verdict.DISQUALIFIED
    kinds = {r.kind: r.items for r in result.verdict_reasons}
    assert kinds[ReasonKind.FAILED_GATE] == tuple(three[:2])
    assert kinds[ReasonKind.CRITICAL_FAILED] == (three[2],)


def test_an_incomplete_audit_still_names_its_critical_findings(shipped: ChecklistSet) -> None:
    item_id = "channel_testing.delivery.arrival_rate"
    result = score(shipped, EVERYTHING, {item_id: Result.FAIL})
    assert result.verdict is Verdict.INCOMPLETE
    assert [r.kind for r in result.verdict_reasons] == [
        ReasonKind.INCOMPLETE,
        ReasonKind.CRITICAL_FAILED,
    ]


# ------------------------------------------------------------------ the format


ALPHA = (MINI / "alpha.toml").read_text("utf-8")


def test_format_1_gate_true_still_reads_as_a_gate() -> None:
    checklist = parse_checklist(Source("alpha.toml", "alpha.toml", ALPHA))
    assert checklist.file_format == 1
    assert checklist.items[0].severity is Severity.GATE
    assert checklist.items[1].severity is Severity.STANDARD


def test_format_2_rejects_an_item_without_a_severity_decision(tmp_path: Path) -> None:
    text = ALPHA.replace("format = 1", "format = 2").replace("gate = true\n", "")
    path = tmp_path / "alpha.toml"
    path.write_text(text, "utf-8")
    result = vaudit(tmp_path / "db.sqlite", "checklists", "validate", str(path))
    assert result.exit_code == 1
    out = result.output + result.stderr
    assert "item alpha.core.licence: field severity: severity is missing" in out
    assert "field severity_reason: is missing" in out

    decided = text.replace(
        "weight = 3\n",
        'weight = 3\nseverity = "critical"\nseverity_reason.zh = "甲"\nseverity_reason.en = "A"\n',
    )
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(Source("alpha.toml", "alpha.toml", decided))
    problems = [str(p) for p in caught.value.problems]
    # The other two items still lack theirs; the first one is accepted.
    assert not any("alpha.core.licence" in p for p in problems)
    assert any("alpha.core.rate: field severity" in p for p in problems)


def test_format_2_refuses_the_old_gate_key() -> None:
    text = ALPHA.replace("format = 1", "format = 2")
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(Source("alpha.toml", "alpha.toml", text))
    assert any('in format 2 write severity = "gate"' in str(p) for p in caught.value.problems)


def test_critical_items_need_a_scoring_file_with_caps() -> None:
    shipped_files = shipped_sources()
    old_scoring = next(s for s in shipped_files if s.name == "scoring.toml")
    text = old_scoring.text.replace("format = 2", "format = 1", 1)
    text = text[: text.index("# A critical item caps")] + text[text.index("\n[[sections]]") :]
    sources = [s for s in shipped_files if s.name != "scoring.toml"]
    with pytest.raises(ChecklistError) as caught:
        build_set([*sources, Source("scoring.toml", "scoring.toml", text)])
    assert any("has no [scoring.critical] caps" in str(p) for p in caught.value.problems)


# ------------------------------------------------------------------ section 2: wording

# A title that states a negation: answering "yes" to it would mean the good case.
NEGATED_ZH = re.compile(r"^(不|未|无|非|没有|没|从未|并未|绝不)|没有|未将|不提供|并非|从不")
NEGATED_EN = re.compile(r"\b(not|no|never|without|none|nothing)\b|n't\b", re.IGNORECASE)


def test_no_must_be_no_title_is_a_negated_statement(shipped: ChecklistSet) -> None:
    red_flags = [i for i in shipped.items() if i.rule and i.rule.kind == "must_be_no"]
    assert len(red_flags) >= 5
    for item in red_flags:
        assert not NEGATED_ZH.search(item.title.zh), item.id
        assert not NEGATED_EN.search(item.title.en), item.id


def test_the_negation_check_catches_the_old_wording() -> None:
    assert NEGATED_ZH.search("不提供免审通道") and NEGATED_ZH.search("未将自用码号转给第三方使用")
    assert NEGATED_EN.search("No review-free channel on offer")


def test_the_demo_clean_vendors_pass_every_red_flag_item(db_path: Path) -> None:
    assert vaudit(db_path, "demo").exit_code == 0
    service = Service(open_store(str(db_path)), "t", today=TODAY)
    clean = [s for s in service.summaries() if s.score.verdict is Verdict.RECOMMENDED]
    assert clean
    for summary in clean:
        view = service.view(row_id(summary.audit))
        for item in view.checklists.items():
            if item.rule and item.rule.kind == "must_be_no" and item.applies_to(view.scenario):
                answer = view.answers[item.id]
                assert (answer.value, answer.result) == ("no", "pass"), item.id
    # Every verdict shows in the demo, each with its reasons.
    audits = json.loads(vaudit(db_path, "audits", "list", "--json").output)
    for verdict in Verdict:
        shown = [a for a in audits if a["verdict"] == verdict.value]
        assert shown and all(a["verdict_reasons"] for a in shown), verdict
    capped = [a for a in audits if a["critical_findings"] and a["verdict"] != "disqualified"]
    assert {a["verdict"] for a in capped} >= {"conditional", "not_recommended"}


# ------------------------------------------------------------------ the CLI and the funnel


def all_events(service: Service) -> list[Event]:
    with service.store.read() as session:
        return list(session.exec(select(Event).order_by(col(Event.id))).all())


def passing_audit(db_path: Path) -> tuple[Service, int]:
    """An audit of the shipped checklists with every applicable item answered pass."""
    service = Service(open_store(str(db_path)), "alice", today=TODAY)
    service.add_vendor({"name": "V"})
    service.add_selection("S", EVERYTHING)
    audit = row_id(service.start_audit("V", "S"))
    view = service.view(audit)
    for item in view.checklists.items():
        if item.applies_to(view.scenario):
            service.record_answer(audit, item.id, result="pass", note="seen")
    return service, audit


def test_vaudit_score_names_each_serious_finding(db_path: Path) -> None:
    service, audit = passing_audit(db_path)
    clean = vaudit(db_path, "--lang", "en", "score", str(audit), ok=True).output
    assert "verdict recommended" in clean
    assert "no failed gate or critical finding" in clean
    for item_id, severity in SERIOUS.items():
        service.record_answer(audit, item_id, result="fail", note="found")
        shown = vaudit(db_path, "--lang", "en", "score", str(audit), ok=True).output
        expected = "disqualified" if severity is Severity.GATE else "not recommended"
        assert f"verdict {expected}" in shown, item_id
        assert item_id in shown
        label = "failed gate" if severity is Severity.GATE else "critical finding confirmed"
        assert f"- {label}" in shown
        data = json.loads(vaudit(db_path, "score", str(audit), "--json", ok=True).output)
        assert any(item_id in r["items"] for r in data["verdict_reasons"])
        service.record_answer(audit, item_id, result="pass", note="seen")


def test_a_disqualified_vendor_moves_past_screening_only_with_an_override(
    db_path: Path,
) -> None:
    service, audit = passing_audit(db_path)
    service.record_answer(
        audit, "qualification.licence.holder_matches", result="fail", note="other company"
    )
    with pytest.raises(AuditError, match="needs an override note"):
        service.move_stage("S", "V", "technical_test")
    refused = vaudit(db_path, "selections", "stage", "S", "V", "finalist")
    assert refused.exit_code == 1 and "needs an override note" in refused.stderr
    # Rejecting needs no override.
    service.move_stage("S", "V", "rejected", "licence held by another company")

    moved = vaudit(
        db_path, "selections", "stage", "S", "V", "technical_test", "--override", "CFO decision"
    )
    assert moved.exit_code == 0 and "[override: CFO decision]" in moved.output
    shown = vaudit(db_path, "selections", "show", "S", ok=True).output
    assert "override: V is disqualified and was moved on: CFO decision" in shown
    data = json.loads(vaudit(db_path, "selections", "show", "S", "--json", ok=True).output)
    assert data["funnel"]["overrides"] == [{"vendor": "V", "note": "CFO decision"}]
    events = [e for e in all_events(service) if e.action == "candidate.stage"]
    assert json.loads(events[-1].after or "{}")["override"] == "CFO decision"

    # Once the gate passes again, no note is needed (and none is kept).
    service.record_answer(audit, "qualification.licence.holder_matches", result="pass", note="ok")
    assert service.move_stage("S", "V", "negotiation").override_note is None


def test_the_funnel_counts_against_editable_targets_and_names_finalists(db_path: Path) -> None:
    service = Service(open_store(str(db_path)), "alice", today=TODAY)
    service.add_selection("S", EVERYTHING)
    for name in ("A", "B", "C"):
        service.add_vendor({"name": name})
        service.add_candidate("S", name)
    service.move_stage("S", "A", "finalist")
    service.move_stage("S", "B", "technical_test")
    funnel = service.funnel("S")
    assert funnel.targets == {"screening": 30, "technical_test": 5, "finalist": 2}
    assert funnel.reached == {"screening": 3, "technical_test": 2, "finalist": 1}
    assert (funnel.primary, funnel.backup) == (None, None)

    set_targets = vaudit(db_path, "selections", "targets", "S", "--screening", "12", ok=True)
    assert "screening 3/12 → technical test 2/5 → finalists 1/2" in set_targets.output
    widening = vaudit(db_path, "selections", "targets", "S", "--finalists", "6")
    assert widening.exit_code == 1 and "must narrow" in widening.stderr

    not_final = vaudit(db_path, "selections", "finalists", "S", "A", "B")
    assert not_final.exit_code == 1 and "B is not a finalist in S" in not_final.stderr
    service.move_stage("S", "B", "finalist")
    vaudit(db_path, "selections", "finalists", "S", "A", "B", ok=True)
    funnel = service.funnel("S")
    assert (funnel.primary, funnel.backup, funnel.targets["screening"]) == ("A", "B", 12)
    shown = vaudit(db_path, "selections", "show", "S", ok=True).output
    assert re.search(r"primary\s+A\n", shown) and re.search(r"backup\s+B\n", shown)
    actions = [e.action for e in all_events(service)]
    assert "selection.targets" in actions and "selection.finalists" in actions
