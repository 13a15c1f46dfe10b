"""Per-code records, port changes and operating history: the text people type, the rules
that read them, and what the watch lists."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import TODAY
from vaudit.audits.regulatory import Level
from vaudit.audits.regulatory.code_life import check_code_validity, check_reclamation
from vaudit.audits.regulatory.history import (
    check_association,
    check_operating_years,
    check_tax_years,
)
from vaudit.audits.regulatory.port_change import check_port_changes
from vaudit.audits.rules import Result, evaluate
from vaudit.audits.vendor_fields import parse_vendor_fields
from vaudit.audits.vendor_records import (
    CodeRecord,
    PortChange,
    code_records_from,
    format_code_records,
    format_port_changes,
    format_tax_years,
    parse_code_records,
    parse_port_changes,
    parse_tax_years,
    port_changes_from,
    tax_years_from,
)
from vaudit.audits.watch import watch

D = dt.date


def propose(kind: str, params: dict | None = None, **facts: object):  # type: ignore[no-untyped-def]
    proposal = evaluate(kind, params or {}, None, TODAY, facts)
    assert proposal is not None
    return proposal


def stored(**fields: str) -> dict[str, object]:
    """Facts as the service hands them to rules: the stored JSON, decoded."""
    values = parse_vendor_fields(fields)
    return {k: json.loads(v) if k in ("code_records", "port_changes", "tax_years") else v
            for k, v in values.items()}  # fmt: skip


# --- the text form ------------------------------------------------------------------------------


def test_a_code_line_with_its_details() -> None:
    [record] = parse_code_records("10690123 2023-05-01 mobile,unicom valid:2028-05-01")
    assert record == CodeRecord(
        "10690123", D(2023, 5, 1), ("mobile", "unicom"), D(2028, 5, 1), None, None
    )
    text = "10690123 2023-05-01 移动,联通 valid:2028-05-01 suspended used:2025-01-02\n10660587 none"
    records = parse_code_records(text)
    assert records[0].carriers == ("mobile", "unicom") and records[0].status == "suspended"
    assert records[1].carriers == ()  # opened nowhere, which is not the same as unknown
    assert parse_code_records(format_code_records(records)) == records


def test_bare_codes_keep_working_as_before() -> None:
    records = parse_code_records("10690123，10668888 10690123")
    assert [r.code for r in records] == ["10690123", "10668888"]
    assert not any(r.has_details for r in records)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10690123\n10660587 mobile,foo", "line 2: 'mobile,foo' is not recognised"),
        ("10690123 valid:2028-13-01", "line 1: '2028-13-01' is not a date"),
        ("2023-05-01 10690123", "line 1: starts with '2023-05-01'; each line starts with the code"),
        ("10690123, 1066 8888", "line 1: '1066' is not an SMS access code"),
        ("10690123 2023-05-01 2024-01-01", "gives the allocated on a second time"),
        ("10690123 2023-05-01 valid:2022-01-01", "is not after its allocation"),
        ("10690123 mobile\n10690123 unicom", "line 2: 10690123 is listed twice"),
    ],
)
def test_code_lines_that_are_refused_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_code_records(text)


def test_port_change_lines() -> None:
    text = "2026-11-19 SP01 -> SP02 unfiled # new gateway\n2025-03-01 SP00->SP01 filed:2025-02-20"
    changes = parse_port_changes(text)
    assert changes == [
        PortChange(D(2025, 3, 1), "SP00", "SP01", True, D(2025, 2, 20)),
        PortChange(D(2026, 11, 19), "SP01", "SP02", False, None, "new gateway"),
    ]
    assert parse_port_changes(format_port_changes(changes)) == changes
    with pytest.raises(ValueError, match="line 1: say whether the change was filed"):
        parse_port_changes("2026-11-19 SP01 -> SP02")
    with pytest.raises(ValueError, match=r"line 2: .* is not DATE OLD -> NEW"):
        parse_port_changes("\n2026-11-19 SP01 SP02 filed")


def test_tax_years_as_ranges() -> None:
    assert parse_tax_years("2019-2021 2023, 2024", this_year=2026) == [2019, 2020, 2021, 2023, 2024]
    assert format_tax_years([2019, 2020, 2021, 2023, 2024]) == "2019-2021 2023-2024"
    with pytest.raises(ValueError, match="outside 1990–2026"):
        parse_tax_years("2025-2027", this_year=2026)


@given(st.text())
def test_the_text_parsers_accept_or_refuse_clearly(raw: str) -> None:
    for parse in (parse_code_records, parse_port_changes, parse_tax_years):
        try:
            parse(raw)
        except ValueError as exc:
            assert str(exc)  # a message to show, never another exception


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=8))
def test_reading_stored_records_never_raises(data: object) -> None:
    raw = json.dumps(data)
    assert isinstance(code_records_from(raw), list)
    assert isinstance(port_changes_from(raw), list)
    assert isinstance(tax_years_from(raw), list)


# --- port changes -------------------------------------------------------------------------------


def test_a_port_change_five_days_ago_not_filed_fails_with_its_timeline() -> None:
    facts = stored(port_changes="2026-11-19 SP01 -> SP02 unfiled")
    proposal = propose("port_changes_filed", **facts)
    assert proposal.result is Result.FAIL
    # Thu 19 + 3 working days = Tue 24; + 7 calendar days; + 14 calendar days.
    for date in ("2026-11-24", "2026-12-01", "2026-12-15"):
        assert date in proposal.reason.en and date in proposal.reason.zh


def test_filed_late_and_planned_changes_warn_and_a_filed_one_passes() -> None:
    filed = stored(port_changes="2026-06-01 A -> B filed:2026-05-20")
    assert propose("port_changes_filed", **filed).result is Result.PASS
    late = stored(port_changes="2026-06-01 A -> B filed:2026-06-12")  # after throttling began
    proposal = propose("port_changes_filed", **late)
    assert proposal.result is Result.PARTIAL and "throttling" in proposal.reason.en
    planned = stored(port_changes="2026-12-10 A -> B unfiled")
    assert propose("port_changes_filed", **planned).result is Result.PARTIAL
    assert propose("port_changes_filed").result is Result.PASS  # none recorded


def test_the_oldest_unfiled_change_reports_suspension() -> None:
    report = check_port_changes([PortChange(D(2026, 9, 1), "A", "B", False)], TODAY)
    assert report.level is Level.FAIL
    assert "suspended since" in report.findings[0].message.en


# --- codes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "national", "provincial"),
    [
        ("10661234", Result.PASS, Result.PASS),
        ("106901234", Result.PASS, Result.PASS),
        ("1069512345678", Result.FAIL, Result.FAIL),  # own use, offered to customers
        ("10621234", Result.FAIL, Result.PASS),  # provincial: not nationwide
    ],
)
def test_codes_against_national_and_provincial_selections(
    code: str, national: Result, provincial: Result
) -> None:
    facts = stored(access_codes=f"{code} 2023-05-01 mobile,unicom,telecom")
    for coverage, expected in (("national", national), ("provincial", provincial)):
        proposal = propose(
            "access_codes_cover",
            **facts,
            licence_number="B2-20150210",
            coverage=coverage,
            message_kinds=["notification"],
        )
        assert proposal.result is expected, (code, coverage)


@pytest.mark.parametrize(
    ("licence", "code", "expected", "says"),
    [
        ("京B2-20150210", "10661234", Result.FAIL, "licence 京B2-20150210 is provincial"),
        ("京B2-20150210", "106901234", Result.FAIL, "needs a cross-regional licence"),
        ("京B2-20150210", "10621234", Result.PASS, "fits the use"),
        ("B1-20150210", "10661234", Result.FAIL, "has no B2 category"),
        ("", "10661234", Result.PARTIAL, "no recognisable licence number"),
        ("京B2-20150210", "1069512345678", Result.FAIL, "own use"),  # not licence-bound
    ],
)
def test_codes_against_the_licence_they_are_held_under(
    licence: str, code: str, expected: Result, says: str
) -> None:
    facts = stored(access_codes=code)
    proposal = propose("access_codes_cover", **facts, licence_number=licence, coverage="provincial")
    assert proposal.result is expected and says in proposal.reason.en, proposal


def test_several_codes_of_one_type_from_one_allocator_warn() -> None:
    national = propose(
        "access_codes_cover",
        **stored(access_codes="10690123\n106901239\n10690456"),  # 106901239 extends 10690123
        licence_number="B2-20150210",
        coverage="national",
    )
    assert national.result is Result.PARTIAL
    assert "2 national non-commercial third-party platform codes from MIIT" in national.reason.en
    provincial = propose(
        "access_codes_cover",
        **stored(access_codes="10621234\n10625678"),
        licence_number="B2-20150210",
        coverage="provincial",
    )
    assert "check which province allocated each" in provincial.reason.en
    one_each = propose(
        "access_codes_cover",
        **stored(access_codes="10661234\n10690123"),
        licence_number="B2-20150210",
        coverage="national",
    )
    assert one_each.result is Result.PASS


def test_marketing_does_not_ask_for_commercial_codes() -> None:
    """非经营性 means no information fee, not 'no marketing': no finding rests on it."""
    facts = stored(access_codes="10690123")
    proposal = propose(
        "access_codes_cover",
        **facts,
        licence_number="B2-20150210",
        coverage="national",
        message_kinds=["marketing"],
    )
    assert proposal.result is Result.PASS


def test_code_validity_end() -> None:
    def result(line: str, expiry: str | None = None) -> Result:
        facts = stored(access_codes=line)
        return propose("code_validity", **facts, licence_expiry=expiry).result

    assert result("10690123 valid:2026-11-01") is Result.FAIL
    assert result("10690123 valid:2027-01-10") is Result.PARTIAL  # inside the 90-day window
    assert result("10690123 valid:2028-01-10") is Result.PASS
    # A commercial code lives with the licence.
    assert result("10661234", expiry="2026-10-01") is Result.FAIL
    assert result("10661234", expiry="2029-10-01") is Result.PASS
    # A non-commercial code is valid five years from allocation (allocation rules 4(5)).
    ended = propose("code_validity", **stored(access_codes="10690123 2020-01-01"))
    assert ended.result is Result.FAIL and "2025-01-01" in ended.reason.en
    assert result("10690123 2023-01-01") is Result.PASS  # ends 2028-01-01
    missing = propose("code_validity", **stored(access_codes="10690123"))
    assert missing.result is Result.PARTIAL and "the allocation date" in missing.reason.en
    no_expiry = propose("code_validity", **stored(access_codes="10661234"))
    assert no_expiry.result is Result.PARTIAL and "the licence expiry" in no_expiry.reason.en


def test_reclamation_grounds() -> None:
    clean = [CodeRecord("10690123", D(2020, 1, 1), ("mobile",), None, "active", D(2026, 11, 1))]
    known = {"licence_revoked": False, "annual_report_year": 2025}
    ok = check_reclamation(clean, TODAY, **known)  # type: ignore[arg-type]
    assert ok.level is Level.PASS
    fees = check_reclamation(clean, TODAY, code_fees_unpaid=True, annual_report_year=2025)
    assert fees.level is Level.FAIL and "art. 38" in fees.findings[0].message.en
    # The grounds of allocation rules section 5 fail (seed 002 states them plainly).
    revoked = check_reclamation(clean, TODAY, licence_revoked=True, annual_report_year=2025)
    assert revoked.level is Level.FAIL and "revoked" in revoked.findings[0].message.en
    unopened = [CodeRecord("10690123", D(2025, 5, 1), ())]
    report = check_reclamation(unopened, TODAY, **known)  # type: ignore[arg-type]
    assert report.level is Level.FAIL and "2026-05-01 has passed" in report.findings[0].message.en
    pending = [CodeRecord("10690123", D(2026, 6, 1), ())]
    report = check_reclamation(pending, TODAY, **known)  # type: ignore[arg-type]
    assert report.level is Level.WARN and "by 2027-06-01" in report.findings[0].message.en
    idle = [CodeRecord("10690123", D(2020, 1, 1), ("mobile",), None, "suspended", D(2025, 6, 1))]
    report = check_reclamation(idle, TODAY, **known)  # type: ignore[arg-type]
    assert report.level is Level.FAIL and "over a year" in report.findings[0].message.en
    unused = [CodeRecord("10690123", D(2020, 1, 1), ("mobile",), None, "unused")]
    report = check_reclamation(unused, TODAY, **known)  # type: ignore[arg-type]
    assert report.level is Level.FAIL  # unused since allocation in 2020
    quiet = [CodeRecord("10690123", None, ("mobile",), None, "unused")]
    report = check_reclamation(quiet, TODAY, **known)  # type: ignore[arg-type]
    assert (
        report.level is Level.WARN and "last use is not recorded" in report.findings[0].message.en
    )
    ended = [CodeRecord("10690123", D(2020, 1, 1), ("mobile",), D(2026, 1, 1), "active")]
    report = check_reclamation(ended, TODAY, **known)  # type: ignore[arg-type]
    assert report.level is Level.FAIL and "beyond its term" in report.findings[0].message.en
    no_report = check_reclamation(clean, TODAY, licence_revoked=False, annual_report_year=2023)
    assert no_report.level is Level.FAIL and "annual check" in no_report.findings[0].message.en
    unknown = check_reclamation(clean, TODAY)
    assert unknown.level is Level.WARN
    said = " ".join(f.message.en for f in unknown.findings)
    assert "whether the licence is revoked" in said and "latest annual report year" in said


# --- operating history --------------------------------------------------------------------------

HISTORY = {"years": 8, "partial_from_years": 3}  # as in checklists/operating_history.toml
TAX = {"years": 5, "partial_from_years": 3}


def test_operating_years_count_from_the_real_start() -> None:
    def result(founded: str | None, contract: str | None):  # type: ignore[no-untyped-def]
        return propose("operating_years", HISTORY, founded_on=founded, first_contract_on=contract)

    assert result("2014-03-01", "2014-09-01").result is Result.PASS
    # A gap over a year is pointed out, not marked down, when the later date gives enough years.
    gap = result("2010-03-01", "2012-06-01")
    assert gap.result is Result.PASS
    assert "note:" in gap.reason.en and "over a year later" in gap.reason.en
    shell = result("2010-03-01", "2021-06-01")  # an old registration, recent business
    assert shell.result is Result.PARTIAL
    assert "2010-03-01" in shell.reason.en and "2021-06-01" in shell.reason.en
    assert result("2024-01-01", "2024-02-01").result is Result.FAIL
    assert result("2012-01-01", None).result is Result.PARTIAL  # the contract is not recorded
    early = check_operating_years(D(2015, 1, 1), D(2014, 1, 1), TODAY, 8)
    assert "predates the registration" in early.by_check("history.gap")[0].message.en


def test_tax_years_must_run_unbroken_to_last_year() -> None:
    def result(text: str, today: dt.date = TODAY) -> Result:
        proposal = evaluate("tax_years_consecutive", TAX, None, today, stored(tax_years=text))
        assert proposal is not None
        return proposal.result

    assert result("2021-2025") is Result.PASS
    assert result("2019-2021 2023-2025") is Result.PARTIAL  # three unbroken years
    assert result("2020-2024") is Result.FAIL  # 2025 is missing: no run up to last year
    assert result("2020-2024", today=D(2026, 2, 1)) is Result.PASS  # 2025's not issued yet
    missing = check_tax_years([2021, 2023, 2024, 2025], TODAY, 5, 3)
    assert "missing 2022" in missing.findings[0].message.en
    assert result("") is Result.PARTIAL  # nothing recorded


def test_association_membership_is_information() -> None:
    assert check_association(2018, D(2012, 1, 1), TODAY).level is Level.PASS
    too_soon = check_association(2021, D(2020, 5, 1), TODAY)
    assert too_soon.level is Level.WARN and "directory" in too_soon.findings[0].message.en
    assert check_association(None, None, TODAY).level is Level.WARN


@given(
    st.lists(
        st.builds(
            CodeRecord,
            st.text(max_size=25),
            st.none() | st.dates(),
            st.none() | st.lists(st.sampled_from(["mobile", "unicom"])).map(tuple),
            st.none() | st.dates(),
            st.none() | st.sampled_from(["active", "unused", "suspended"]),
            st.none() | st.dates(),
        ),
        max_size=3,
    ),
    st.none() | st.dates(),
    st.dates(),
    st.none() | st.integers(min_value=1, max_value=9999),
)
def test_the_code_and_history_checks_never_raise(
    records: list[CodeRecord], day: dt.date | None, today: dt.date, year: int | None
) -> None:
    check_code_validity(records, day, today)
    check_reclamation(records, today, annual_report_year=year, licence_issued_on=day)
    check_operating_years(day, today, today, 8, 3)
    check_tax_years([year] if year else [], today, 5, 3)
    check_association(year, day, today)
    changes = [PortChange(d, "A", "B", False) for d in filter(None, [day])]
    check_port_changes(changes, today)


# --- the watch ----------------------------------------------------------------------------------


def test_the_watch_lists_code_ends_and_unfiled_port_changes() -> None:
    facts = stored(
        access_codes="10690123 valid:2027-01-10\n10661234\n10690999 2024-01-01",
        port_changes="2026-11-19 SP01 -> SP02 unfiled\n2026-10-01 SP00 -> SP01 filed",
    )
    vendor = {"id": 1, "name": "A", "licence_expiry": "2027-02-01", **facts}
    got = [(i.due.isoformat(), i.kind) for i in watch([vendor], TODAY, within_days=90)]
    assert got == [
        ("2026-11-03", "licence_renewal"),
        ("2026-12-01", "port_change_throttle"),
        ("2026-12-15", "port_change_suspension"),
        ("2027-01-10", "code_validity"),
        ("2027-02-01", "code_validity"),  # the commercial code ends with the licence
        ("2027-02-01", "licence_expiry"),
    ]
