"""Named rules over the vendor's facts: what they propose, and how a proposal reaches the item
before anything is typed, is taken with "auto", and needs a note to be overridden."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from audits.rules import Result, evaluate
from audits.scenario import Scenario
from audits.service import AuditError, Service

TODAY = dt.date(2026, 11, 24)
SP_SCOPE = "B25 信息服务业务（不含互联网信息服务）"


def codes(*values: str, coverage: str = "national", kinds: tuple[str, ...] = ("notification",)):
    facts = {"access_codes": json.dumps(list(values)), "coverage": coverage}
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
