from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import GENERAL, MINI
from vaudit.audits.checklist import ChecklistSet, build_set, load_checklists, sources_in
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import Verdict, score

FINANCE = Scenario(
    industry="finance", coverage="national", message_kinds=frozenset({"verification", "marketing"})
)


def test_worked_example(mini_set: ChecklistSet) -> None:
    # alpha (weight 60): licence w3 pass, rate w2 partial; finance permit n/a in general.
    # beta (weight 40): review w1 fail; the marketing item does not apply.
    result = score(
        mini_set,
        GENERAL,
        {
            "alpha.core.licence": Result.PASS,
            "alpha.core.rate": Result.PARTIAL,
            "beta.misc.review": Result.FAIL,
        },
    )
    alpha, beta = result.sections
    assert alpha.score == pytest.approx(100 * (3 * 1 + 2 * 0.5) / 5)  # 80
    assert beta.score == 0
    assert result.total == pytest.approx(80 * 0.6)
    assert result.completion == 1.0
    assert result.verdict is Verdict.NOT_RECOMMENDED
    # Each item's share of the total adds up to the total.
    shares = sum(i.total_share for s in result.sections for i in s.items)
    assert shares == pytest.approx(result.total)


def test_scenario_decides_what_applies(mini_set: ChecklistSet) -> None:
    general = score(mini_set, GENERAL, {})
    finance = score(mini_set, FINANCE, {})
    assert general.applicable == 3 and finance.applicable == 5
    assert general.verdict is Verdict.INCOMPLETE and general.total == 0


def test_failed_gate_disqualifies_even_a_high_score(mini_set: ChecklistSet) -> None:
    result = score(
        mini_set,
        FINANCE,
        {
            "alpha.core.licence": Result.PASS,
            "alpha.core.rate": Result.PASS,
            "alpha.core.finance_permit": Result.FAIL,
            "beta.misc.review": Result.PASS,
            "beta.misc.marketing_optout": Result.PASS,
        },
    )
    assert result.verdict is Verdict.DISQUALIFIED
    assert result.failed_gates == ("alpha.core.finance_permit",)
    assert result.total > 80


def test_thresholds_come_from_the_scoring_file(mini_set: ChecklistSet) -> None:
    answers = {
        "alpha.core.licence": Result.PASS,
        "alpha.core.rate": Result.PASS,
        "beta.misc.review": Result.PARTIAL,
    }
    result = score(mini_set, GENERAL, answers)
    assert result.total == pytest.approx(60 + 40 * 0.5)  # 80: recommended at >= 80
    assert result.verdict is Verdict.RECOMMENDED
    answers["alpha.core.rate"] = Result.PARTIAL
    assert score(mini_set, GENERAL, answers).verdict is Verdict.CONDITIONAL


SHIPPED = load_checklists()
MINI_SET = build_set(sources_in(MINI))
ITEM_IDS = [item.id for item in SHIPPED.items()]
results = st.sampled_from([Result.PASS, Result.PARTIAL, Result.FAIL, Result.NA, None])
scenarios = st.builds(
    Scenario,
    industry=st.sampled_from(["general", "finance", "education", "ecommerce"]),
    coverage=st.sampled_from(["national", "provincial"]),
    message_kinds=st.frozensets(
        st.sampled_from(["verification", "notification", "marketing"]), min_size=1
    ),
)
answer_maps = st.dictionaries(st.sampled_from(ITEM_IDS), results)


@settings(max_examples=150, deadline=None)
@given(scenarios, answer_maps)
def test_score_is_between_0_and_100(scenario: Scenario, answers: dict) -> None:
    result = score(SHIPPED, scenario, answers)
    assert 0 <= result.total <= 100
    assert 0 <= result.completion <= 1
    for section in result.sections:
        assert section.score is None or 0 <= section.score <= 100 + 1e-9


@settings(max_examples=150, deadline=None)
@given(scenarios, answer_maps, st.randoms(use_true_random=False))
def test_answer_order_does_not_matter(
    scenario: Scenario, answers: dict, rnd: random.Random
) -> None:
    pairs = list(answers.items())
    rnd.shuffle(pairs)
    assert score(SHIPPED, scenario, dict(pairs)) == score(SHIPPED, scenario, answers)


@settings(max_examples=150, deadline=None)
@given(scenarios, answer_maps, st.data())
def test_a_failed_gate_always_disqualifies(
    scenario: Scenario, answers: dict, data: st.DataObject
) -> None:
    gates = [i.id for i in SHIPPED.items() if i.gate and i.applies_to(scenario)]
    gate = data.draw(st.sampled_from(gates))
    answers = {**answers, gate: Result.FAIL}
    result = score(SHIPPED, scenario, answers)
    assert result.verdict is Verdict.DISQUALIFIED
    assert gate in result.failed_gates


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["alpha.core.licence", "alpha.core.rate", "beta.misc.review"]),
        st.sampled_from([Result.PASS, Result.PARTIAL, Result.FAIL]),
        min_size=1,
    ),
    st.sampled_from([Result.PASS, Result.PARTIAL, Result.FAIL]),
)
def test_an_na_item_does_not_change_the_score(answers: dict, other: Result) -> None:
    mini = MINI_SET
    # In the general scenario the finance permit does not apply; marking it n/a explicitly,
    # or answering it at all, must leave the score as it is.
    base = score(mini, GENERAL, answers)
    assert score(mini, GENERAL, {**answers, "alpha.core.finance_permit": other}) == base
    finance_base = score(
        mini,
        FINANCE,
        {
            **answers,
            "beta.misc.marketing_optout": Result.NA,
            "alpha.core.finance_permit": Result.NA,
        },
    )
    assert finance_base.total == pytest.approx(base.total)
