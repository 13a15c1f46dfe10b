from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.helpers import TODAY
from vaudit.audits.checklist import ChecklistSet
from vaudit.audits.rules import Result, evaluate
from vaudit.audits.values import ValueError_, parse_value, to_canonical


def propose(kind: str, value: object, **params: object):
    return evaluate(kind, params, value, TODAY)  # type: ignore[arg-type]


def test_at_least_grades_pass_partial_fail() -> None:
    assert propose("at_least", Decimal("97"), threshold=97, partial_from=95).result is Result.PASS
    low = propose("at_least", Decimal("96.2"), threshold=97, partial_from=95)
    assert low.result is Result.PARTIAL
    assert low.reason.en == "96.2 is below the required 97"
    assert propose("at_least", Decimal("90"), threshold=97, partial_from=95).result is Result.FAIL
    assert propose("at_least", Decimal("96"), threshold=97).result is Result.FAIL


def test_at_most() -> None:
    assert propose("at_most", Decimal("24"), threshold=24).result is Result.PASS
    assert propose("at_most", Decimal("30"), threshold=24, partial_to=48).result is Result.PARTIAL
    assert propose("at_most", Decimal("72"), threshold=24, partial_to=48).result is Result.FAIL


def test_date_not_passed_with_renewal_window() -> None:
    expired = propose("date_not_passed", dt.date(2026, 11, 1), warn_within_days=90)
    assert expired.result is Result.FAIL and "23 days ago" in expired.reason.en
    window = propose("date_not_passed", dt.date(2027, 1, 10), warn_within_days=90)
    assert window.result is Result.PARTIAL and "renewal window" in window.reason.en
    assert (
        propose("date_not_passed", dt.date(2028, 1, 1), warn_within_days=90).result is Result.PASS
    )


def test_date_recent_and_future_dates() -> None:
    assert propose("date_recent", dt.date(2026, 3, 1), max_age_days=365).result is Result.PASS
    assert propose("date_recent", dt.date(2025, 3, 1), max_age_days=365).result is Result.FAIL
    future = propose("date_recent", dt.date(2027, 1, 1), max_age_days=365)
    assert future.result is Result.FAIL and "future" in future.reason.en


def test_years_since_counts_whole_years() -> None:
    eight = propose("years_since_at_least", dt.date(2018, 11, 24), years=8)
    assert eight.result is Result.PASS
    almost = propose("years_since_at_least", dt.date(2018, 11, 25), years=8, partial_from_years=5)
    assert almost.result is Result.PARTIAL and "only 7 years" in almost.reason.en
    assert (
        propose("years_since_at_least", dt.date(2024, 1, 1), years=8, partial_from_years=5).result
        is Result.FAIL
    )


def test_yes_no_rules() -> None:
    assert propose("must_be_yes", True).result is Result.PASS
    assert propose("must_be_yes", False).result is Result.FAIL
    assert propose("must_be_no", False).result is Result.PASS
    assert propose("must_be_no", True).result is Result.FAIL


def test_rules_without_a_value_propose_nothing() -> None:
    assert propose("at_least", None, threshold=1) is None
    assert propose("date_not_passed", None, warn_within_days=1) is None


def test_typed_values_are_validated_and_canonical(mini_set: ChecklistSet) -> None:
    date_item = mini_set.item("alpha.core.licence")
    number_item = mini_set.item("alpha.core.rate")
    yesno_item = mini_set.item("alpha.core.finance_permit")
    choice_item = mini_set.item("beta.misc.review")
    none_item = mini_set.item("beta.misc.marketing_optout")
    assert to_canonical(parse_value(date_item, "2027/03/01")) == "2027-03-01"
    assert to_canonical(parse_value(number_item, " 97.50 ")) == "97.5"
    assert to_canonical(parse_value(number_item, "1,000")) == "1000"
    assert to_canonical(parse_value(yesno_item, "是")) == "yes"
    assert to_canonical(parse_value(choice_item, "Everything reviewed")) == "full"
    assert to_canonical(parse_value(choice_item, "不审核")) == "none"
    with pytest.raises(ValueError_, match="not a date"):
        parse_value(date_item, "next tuesday")
    with pytest.raises(ValueError_, match="not a number"):
        parse_value(number_item, "ninety")
    with pytest.raises(ValueError_, match=r"not a number|finite"):
        parse_value(number_item, "NaN")
    with pytest.raises(ValueError_, match="not yes or no"):
        parse_value(yesno_item, "maybe")
    with pytest.raises(ValueError_, match=r"not one of the choices \(full, none\)"):
        parse_value(choice_item, "some")
    with pytest.raises(ValueError_, match="takes no value"):
        parse_value(none_item, "x")
