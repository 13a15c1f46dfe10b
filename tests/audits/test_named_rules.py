"""Named rules over the vendor's facts: what they propose, and how a proposal reaches the item
before anything is typed, is taken with "auto", and needs a note to be overridden."""

from __future__ import annotations

import json

import pytest

from tests.helpers import TODAY
from vaudit.audits.rules import Result, evaluate
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import AuditError, Service

SP_SCOPE = "B25 信息服务业务（不含互联网信息服务）"


SP_SCOPE = "信息服务业务（不含互联网信息服务）"


def codes(*values: str, coverage: str = "national", kinds: tuple[str, ...] = ("notification",)):
    facts = {"access_codes": json.dumps(list(values)), "coverage": coverage}
    facts["licence_number"] = "B2-20150210"
    facts["message_kinds"] = list(kinds)  # type: ignore[assignment]
    proposal = evaluate("access_codes_cover", {}, None, TODAY, facts)
    assert proposal is not None
    return proposal


@pytest.mark.parametrize(
    ("code", "coverage", "expected"),
    [
        ("10661234", "national", Result.PASS),
        ("106901234", "national", Result.PASS),
        ("10621234", "national", Result.FAIL),  # a provincial code cannot send nationwide
        ("10621234", "provincial", Result.PASS),
        ("1069512345678", "national", Result.FAIL),  # own-use code offered to customers
    ],
)
def test_access_codes_against_the_coverage(code: str, coverage: str, expected: Result) -> None:
    assert codes(code, coverage=coverage).result is expected


def test_the_worst_code_decides_and_is_named() -> None:
    proposal = codes("10661234", "10621234")
    assert proposal.result is Result.FAIL
    assert "10621234" in proposal.reason.en and "10621234" in proposal.reason.zh


def test_no_codes_recorded_is_a_fail_that_says_what_to_do() -> None:
    proposal = codes()
    assert proposal.result is Result.FAIL and "record them on the vendor" in proposal.reason.en


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (SP_SCOPE, Result.PASS),
        ("B25 信息服务业务（仅限互联网信息服务）", Result.FAIL),  # an ICP licence
        (None, Result.PARTIAL),
    ],
)
def test_licence_scope(scope: str | None, expected: Result) -> None:
    proposal = evaluate("licence_scope", {}, None, TODAY, {"licence_scope": scope})
    assert proposal is not None and proposal.result is expected


def test_a_fact_proposal_reaches_the_item_and_needs_a_note_to_override(
    shipped_service: Service,
) -> None:
    shipped = shipped_service
    shipped.add_vendor({"name": "省内码商", "access_codes": "10620811", "licence_scope": SP_SCOPE})
    shipped.add_selection(
        "全国", Scenario(coverage="national", message_kinds=frozenset({"verification"}))
    )
    audit = shipped.start_audit("省内码商", "全国").id
    item = "qualification.code.type_matches_coverage"
    view = shipped.view(audit)
    assert view.proposals[item].result is Result.FAIL  # before anything is typed
    assert view.proposals["qualification.licence.scope"].result is Result.PASS
    with pytest.raises(AuditError, match="needs a note"):
        shipped.record_answer(audit, item, result="pass")
    taken = shipped.record_answer(audit, item, result="auto")
    assert (taken.result, taken.proposed_result, taken.overridden) == ("fail", "fail", False)
    assert "10620811" in (taken.proposal_reason_en or "")
    assert "qualification.code.type_matches_coverage" in shipped.view(audit).score.failed_gates


def facts_rule(kind: str, **facts: object) -> Result:
    proposal = evaluate(kind, {}, None, TODAY, facts)
    assert proposal is not None
    return proposal.result


def test_mlps_evaluation_from_the_vendor_facts() -> None:
    good = {"mlps_level": 3, "mlps_report_on": "2026-05-01", "mlps_conclusion": "conforming"}
    assert facts_rule("mlps_evaluation", **good) is Result.PASS
    assert facts_rule("mlps_evaluation", **good | {"mlps_report_on": "2025-06-01"}) is Result.FAIL
    assert facts_rule("mlps_evaluation", **good | {"mlps_level": 2}) is Result.FAIL
    not_ok = good | {"mlps_conclusion": "not_conforming"}
    assert facts_rule("mlps_evaluation", **not_ok) is Result.FAIL
    assert facts_rule("mlps_evaluation") is Result.PARTIAL  # nothing recorded yet


def test_annual_report_due_by_march_31() -> None:
    assert facts_rule("annual_report_filed", annual_report_year=2025) is Result.PASS
    assert facts_rule("annual_report_filed", annual_report_year=2024) is Result.PARTIAL


def test_1069_preconditions_each_on_its_own_line() -> None:
    met = {
        "licence_number": "B2-20150210",
        "licence_scope": SP_SCOPE,
        "registered_capital_yuan": 20_000_000,
        "staff_insured": 5,
        "major_violation_3y": False,
    }
    assert facts_rule("preconditions_1069", **met) is Result.PASS
    weak = met | {"licence_number": "京B2-20060060", "registered_capital_yuan": 5_000_000}
    proposal = evaluate("preconditions_1069", {}, None, TODAY, weak)
    assert proposal is not None and proposal.result is Result.FAIL
    assert "provincial" in proposal.reason.en and "10,000,000" in proposal.reason.en
    # A foreign-invested licence warns; it fails only where the scenario asks for domestic funds.
    foreign = met | {"licence_number": "合字B1.B2-20130004"}
    assert facts_rule("preconditions_1069", **foreign) is Result.PARTIAL
    assert facts_rule("preconditions_1069", **foreign, domestic_only=True) is Result.FAIL
    # The licence must be an SMS licence: an IDC/ISP (B1) licence is not a national SP licence.
    idc = met | {"licence_number": "B1-20150210"}
    proposal = evaluate("preconditions_1069", {}, None, TODAY, idc)
    assert proposal is not None and proposal.result is Result.FAIL
    assert "no B2 category" in proposal.reason.en
    icp = met | {"licence_scope": "信息服务业务（仅限互联网信息服务）"}
    assert facts_rule("preconditions_1069", **icp) is Result.FAIL
    unknown = {k: v for k, v in met.items() if k != "staff_insured"}
    assert facts_rule("preconditions_1069", **unknown) is Result.PARTIAL


def test_the_demo_vendors_exercise_every_named_rule(shipped_service: Service) -> None:
    from vaudit.audits.demo import load_demo
    from vaudit.audits.rules import RULES

    load_demo(shipped_service)
    seen: dict[str, set[Result]] = {}
    for summary in shipped_service.summaries():
        view = shipped_service.view(summary.audit.id)
        for item_id, proposal in view.proposals.items():
            item = view.checklists.item(item_id)
            assert item is not None and item.rule is not None
            seen.setdefault(item.rule.kind, set()).add(proposal.result)
    named = {k for k, v in RULES.items() if v.reads_facts}
    # Items that ask for a vendor fact propose from it too, whatever their rule.
    assert named <= seen.keys()
    assert set().union(*seen.values()) == {Result.PASS, Result.PARTIAL, Result.FAIL}
    assert Result.FAIL in seen["preconditions_1069"] and Result.PASS in seen["preconditions_1069"]
    assert {Result.PASS, Result.FAIL} <= seen["mlps_evaluation"]


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("B2-20150210", Result.PASS),
        ("A2.B1.B2-20090003", Result.PASS),
        ("京B2-20060060", Result.FAIL),  # provincial: cannot send nationwide
        ("京ICP备12345678号", Result.FAIL),  # not a telecom licence at all
        ("", Result.PARTIAL),
    ],
)
def test_licence_cross_regional(number: str, expected: Result) -> None:
    got = facts_rule("licence_cross_regional", licence_number=number, licence_scope=SP_SCOPE)
    assert got is expected


@pytest.mark.parametrize(
    ("number", "scope", "expected", "says"),
    [
        ("B1-20150210", SP_SCOPE, Result.FAIL, "no B2 category"),  # IDC/ISP only
        ("B2-20150210", "信息服务业务（仅限互联网信息服务）", Result.FAIL, "ICP licence"),
        ("B2-20150210", None, Result.PARTIAL, "no licence scope"),
    ],
)
def test_licence_cross_regional_checks_the_category(
    number: str, scope: str | None, expected: Result, says: str
) -> None:
    proposal = evaluate(
        "licence_cross_regional",
        {},
        None,
        TODAY,
        {"licence_number": number, "licence_scope": scope},
    )
    assert proposal is not None and proposal.result is expected and says in proposal.reason.en


CAPITAL = {"national_min_wan": 1000, "provincial_min_wan": 100}


@pytest.mark.parametrize(
    ("capital", "coverage", "licence", "expected"),
    [
        (5_000_000, "provincial", "京B2-20150210", Result.PASS),  # RMB 1M suffices in one province
        (500_000, "provincial", "京B2-20150210", Result.FAIL),
        (5_000_000, "national", "京B2-20150210", Result.FAIL),  # national needs RMB 10M
        (5_000_000, "provincial", "B2-20150210", Result.FAIL),  # a cross-regional licence too
        (10_000_000, "national", "B2-20150210", Result.PASS),
        (None, "national", "B2-20150210", Result.PARTIAL),
        (20_000_000, "national", "合字B2-20150210", Result.PARTIAL),  # foreign-invested: warns
    ],
)
def test_registered_capital_follows_the_coverage(
    capital: int | None, coverage: str, licence: str, expected: Result
) -> None:
    facts = {"registered_capital_yuan": capital, "coverage": coverage, "licence_number": licence}
    proposal = evaluate("registered_capital", CAPITAL, None, TODAY, facts)
    assert proposal is not None and proposal.result is expected, proposal
