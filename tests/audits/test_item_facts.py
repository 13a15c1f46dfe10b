"""The item → vendor fact mapping (checklist data) and the holiday calendar checks."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import MINI
from vaudit.audits.checklist import ChecklistError, Source, parse_checklist
from vaudit.audits.item_facts import ITEM_FACTS, fact_fields, fact_value
from vaudit.audits.regulatory import Level
from vaudit.audits.regulatory.working_days import check_holiday
from vaudit.audits.rules import Result, evaluate

ALPHA = (MINI / "alpha.toml").read_text(encoding="utf-8")
RATE_RULE = 'rule.kind = "at_least"\nrule.threshold = 97'


def parsed(extra: str) -> object:
    text = ALPHA.replace(RATE_RULE, RATE_RULE + "\n" + extra, 1)
    return parse_checklist(Source("alpha.toml", "alpha.toml", text))


def test_an_item_names_a_known_fact_its_input_can_carry() -> None:
    checklist = parsed('fact = "mlps_level"')
    assert checklist.item("alpha.core.rate").fact == "mlps_level"  # type: ignore[attr-defined]
    with pytest.raises(ChecklistError, match="unknown fact 'nope'"):
        parsed('fact = "nope"')
    with pytest.raises(ChecklistError, match='needs input = "date"'):
        parsed('fact = "licence_expiry"')


def test_facts_read_and_write_the_vendor_fields() -> None:
    facts = {"registered_capital_yuan": 12_345_678, "licence_expiry": "2029-06-30"}
    assert fact_value("registered_capital_wan", facts) == "1234.5678"
    assert fact_fields("registered_capital_wan", "200", facts) == {
        "registered_capital_yuan": "200万"
    }
    assert fact_value("licence_expiry", facts) == "2029-06-30"
    assert fact_value("licence_scope", facts) is None
    with pytest.raises(ValueError, match="whole number"):
        fact_fields("mlps_level", "3.5", facts)
    assert set(ITEM_FACTS) >= {"licence_scope", "code_valid_until", "first_contract_on"}


def test_the_code_certificate_end_goes_to_the_codes_without_one_and_the_earliest() -> None:
    codes = [
        {"code": "10690123", "valid_until": "2027-01-01"},
        {"code": "10661234", "valid_until": "2029-01-01"},
        {"code": "10695123456", "valid_until": None},
    ]
    facts = {"code_records": codes}
    assert fact_value("code_valid_until", facts) == "2027-01-01"
    text = fact_fields("code_valid_until", "2028-03-01", facts)["access_codes"]
    lines = text.splitlines()
    assert "valid:2028-03-01" in lines[0] and "valid:2029-01-01" in lines[1]
    assert "valid:2028-03-01" in lines[2]
    with pytest.raises(ValueError, match="no access code"):
        fact_fields("code_valid_until", "2028-03-01", {})


@pytest.mark.parametrize(
    ("day", "level", "says"),
    [
        (dt.date(2026, 10, 2), Level.PASS, "public holiday"),  # 国庆节
        (dt.date(2026, 3, 7), Level.PASS, "weekend rest day"),
        (dt.date(2026, 3, 10), Level.FAIL, "working day"),
        (dt.date(2026, 2, 14), Level.FAIL, "make-up working day"),  # 调休上班 (Saturday)
        (
            dt.date(2027, 2, 8),
            Level.WARN,
            "does not yet hold the State Council's schedule for 2027",
        ),
    ],
)
def test_the_holiday_slot_is_checked_against_the_calendar(
    day: dt.date, level: Level, says: str
) -> None:
    found = check_holiday(day)
    assert found.level is level and says in found.message.en


def test_the_holiday_slot_rule_marks_a_working_day_run() -> None:
    def slots(started_at: str) -> dict[str, object]:
        return {
            "channel": {
                "by_slot": {
                    "weekday_peak": {"run": 1, "arrival_rate": 0.98},
                    "holiday": {"run": 2, "arrival_rate": 0.975, "started_at": started_at},
                }
            }
        }

    params = {"threshold": 2, "partial_to": 5}
    today = dt.date(2026, 11, 24)
    holiday = evaluate("channel_slot_gap", params, None, today, slots("2026-10-02T03:00:00"))
    assert holiday is not None and holiday.result is Result.PASS
    assert "public holiday" in holiday.reason.en
    weekday = evaluate("channel_slot_gap", params, None, today, slots("2026-03-10T03:00:00"))
    assert weekday is not None and weekday.result is Result.PARTIAL
    assert "holiday batch: 2026-03-10 was a working day" in weekday.reason.en
    # 2026-09-30 17:00 UTC is already 1 October in Beijing: the mainland date is checked.
    late = evaluate("channel_slot_gap", params, None, today, slots("2026-09-30T17:00:00"))
    assert late is not None and "2026-10-01 was a public holiday" in late.reason.en
