"""Regulatory validators: credit code, licence, access codes, working days, MLPS, mobile numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaudit.audits.regulatory import Finding, Level, Report, mobile
from vaudit.audits.regulatory.access_code import CODE_TABLE, check_codes, classify_code
from vaudit.audits.regulatory.credit_code import (
    CHECK_DIGIT,
    CHECK_FORMAT,
    CHECK_ORG_CODE,
    CHECK_PREFIX,
    CREDIT_CODE_CHARS,
    check_credit_code,
    credit_code_check_character,
    organisation_check_character,
)
from vaudit.audits.regulatory.licence import (
    RENEWAL_LEAD_DAYS,
    LicenceNumber,
    check_licence,
    parse_licence_number,
)
from vaudit.audits.regulatory.mlps import check_mlps
from vaudit.audits.regulatory.mobile import allocated_carrier, check_mobile, is_mvno
from vaudit.audits.regulatory.working_days import (
    Calendar,
    add_working_days,
    is_working_day,
    load_calendar,
    parse_calendar,
    port_change_timeline,
)
from vaudit.audits.text import Text

VALID_CODES = (
    "91310110666007217T",
    "91310115591693856A",
    "91430111MA4L41YT1U",
    "91350200MA2YJ1XR9G",
    "91440101MA5CJQ4N59",
    "91350213678251743X",
)


def levels(rep: Report) -> dict[str, Level]:
    return {f.check: f.level for f in rep.findings}


def assert_bilingual(rep: Report) -> None:
    for finding in rep.findings:
        assert isinstance(finding.message, Text)
        assert finding.message.zh and finding.message.en


# --- common types -------------------------------------------------------------------------------


def test_report_level_is_the_worst_finding() -> None:
    text = Text("x", "x")
    assert Report(()).level is Level.PASS
    assert Report((Finding("a", Level.PASS, text),)).level is Level.PASS
    assert Report((Finding("a", Level.WARN, text), Finding("b", Level.PASS, text))).level == "warn"
    mixed = (Finding("a", Level.WARN, text), Finding("b", Level.FAIL, text))
    assert Report(mixed).level is Level.FAIL


# --- credit code --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_CODES)
def test_published_credit_codes_pass(code: str) -> None:
    rep = check_credit_code(code)
    assert rep.level is Level.PASS, rep
    assert set(levels(rep)) == {CHECK_FORMAT, CHECK_DIGIT, CHECK_PREFIX, CHECK_ORG_CODE}
    assert_bilingual(rep)


def test_credit_code_is_trimmed_and_upper_cased() -> None:
    assert check_credit_code("  91430111ma4l41yt1u \n").level is Level.PASS


@pytest.mark.parametrize("code", VALID_CODES)
def test_every_single_substitution_fails(code: str) -> None:
    for pos in range(17):
        for ch in CREDIT_CODE_CHARS:
            if ch == code[pos]:
                continue
            mutated = code[:pos] + ch + code[pos + 1 :]
            rep = check_credit_code(mutated)
            assert rep.level is Level.FAIL, mutated
            # Letters in the digits-only region break the format; all else breaks the check.
            failing = {c for c, lvl in levels(rep).items() if lvl is Level.FAIL}
            assert failing == ({CHECK_FORMAT} if 2 <= pos <= 7 and ch.isalpha() else {CHECK_DIGIT})


def test_wrong_check_character_points_to_the_registry_not_forgery() -> None:
    rep = check_credit_code("91310110666007217A")
    assert levels(rep)[CHECK_DIGIT] is Level.FAIL
    (finding,) = rep.by_check(CHECK_DIGIT)
    assert "国家企业信用信息公示系统" in finding.message.zh
    assert "T" in finding.message.en
    assert "forg" not in finding.message.en.lower() and "伪造" not in finding.message.zh


def test_the_hardcoded_exception_in_public_code_fails_the_check() -> None:
    assert levels(check_credit_code("91350203M0001QAY9B"))[CHECK_DIGIT] is Level.FAIL


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "９１３１０１１０６６６００７２１７Ｔ",
        "91310110666007217",
        "91310110666007217TT",
        "91310110666OO7217T",
        "9131O110666007217T",
        "统一社会信用代码",
        "N/A",
    ],
)
def test_unrecognised_credit_codes_fail_on_format(raw: str) -> None:
    rep = check_credit_code(raw)
    assert levels(rep) == {CHECK_FORMAT: Level.FAIL}
    assert_bilingual(rep)


def test_full_width_input_is_named_in_the_message() -> None:
    (finding,) = check_credit_code("９１３１０１１０６６６００７２１７Ｔ").findings
    assert "全角" in finding.message.zh and "full-width" in finding.message.en


def with_check(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


def test_non_company_prefix_warns() -> None:
    code = with_check("92310110666007217")
    rep = check_credit_code(code)
    assert rep.level is Level.WARN
    assert levels(rep)[CHECK_PREFIX] is Level.WARN
    assert "个体工商户" in rep.by_check(CHECK_PREFIX)[0].message.zh
    assert check_credit_code(with_check("52310110666007217")).level is Level.WARN


def test_organisation_code_check() -> None:
    assert organisation_check_character("66600721") == "7"
    assert organisation_check_character("67825174") == "3"
    # Body whose check is 10 → 'X': find one and confirm the mapping.
    bodies = [f"{n:08d}" for n in range(200)]
    assert any(organisation_check_character(b) == "X" for b in bodies)
    assert any(organisation_check_character(b) == "0" for b in bodies)
    # Mutate the org-code check char (pos 17) and recompute the outer check: WARN only.
    rep = check_credit_code(with_check("9131011066600721" + "8"))
    assert levels(rep)[CHECK_ORG_CODE] is Level.WARN
    assert rep.level is Level.WARN


@given(st.text())
def test_credit_code_never_raises(raw: str) -> None:
    rep = check_credit_code(raw)
    assert rep.findings
    assert_bilingual(rep)


# --- licence ------------------------------------------------------------------------------------


# Mid-2026: the 2025 annual report was due by 31 March, a 2026-06-01 expiry has just passed,
# and a level-3 MLPS report of 2025-09-01 (valid 12 months) is still current.
CHECKED_ON = dt.date(2026, 6, 15)
VENDOR = "91310110666007217T"
SP_SCOPE = "第二类增值电信业务中的信息服务业务（不含互联网信息服务）"


@pytest.mark.parametrize(
    ("raw", "province", "foreign", "categories", "year", "serial"),
    [
        ("京B2-20060060", "京", False, ("B2",), 2006, "0060"),
        ("B2-20150210", None, False, ("B2",), 2015, "0210"),
        ("A2.B1.B2-20090003", None, False, ("A2", "B1", "B2"), 2009, "0003"),
        ("合字B1.B2-20130004", None, True, ("B1", "B2"), 2013, "0004"),
        ("B2-20150210（跨地区）", None, False, ("B2",), 2015, "0210"),
        ("增值电信业务经营许可证：粤B2-20190762", "粤", False, ("B2",), 2019, "0762"),
        (" 浙B2－20080224 ", "浙", False, ("B2",), 2008, "0224"),
    ],
)
def test_licence_numbers_parse(
    raw: str,
    province: str | None,
    foreign: bool,
    categories: tuple[str, ...],
    year: int,
    serial: str,
) -> None:
    parsed = parse_licence_number(raw)
    assert parsed is not None
    assert (parsed.province, parsed.foreign_invested, parsed.categories) == (
        province,
        foreign,
        categories,
    )
    assert (parsed.year, parsed.serial) == (year, serial)
    assert parsed.cross_regional is (province is None)


def licence(number: str | LicenceNumber = "B2-20150210", **overrides: object) -> Report:
    args: dict[str, object] = dict(
        number=number,
        scope_text=SP_SCOPE,
        issue_date=dt.date(2025, 1, 10),
        expiry_date=dt.date(2030, 1, 10),
        holder_credit_code=VENDOR,
        vendor_credit_code=VENDOR,
        needs_cross_regional=True,
        annual_report_year=2025,
        today=CHECKED_ON,
    )
    args.update(overrides)
    return check_licence(**args)  # type: ignore[arg-type]


def test_a_clean_licence_passes() -> None:
    rep = licence()
    assert rep.level is Level.PASS, rep
    assert_bilingual(rep)
    parsed = parse_licence_number("B2-20150210")
    assert parsed is not None
    assert licence(parsed).level is Level.PASS


@pytest.mark.parametrize(
    ("raw", "word_zh", "word_en"),
    [
        ("京ICP备12345678号", "ICP 备案号", "ICP filing"),
        ("京ICP备09041801号-182", "ICP 备案号", "ICP filing"),
        ("京ICP证030173号", "ICP 经营许可证", "ICP licence"),
    ],
)
def test_icp_numbers_are_named_and_rejected(raw: str, word_zh: str, word_en: str) -> None:
    assert parse_licence_number(raw) is None
    rep = licence(raw)
    (finding,) = rep.by_check("licence.number")
    assert finding.level is Level.FAIL
    assert word_zh in finding.message.zh and word_en in finding.message.en
    assert "value-added telecom" in finding.message.en


@pytest.mark.parametrize(
    "raw", ["无", "N/A", "待补充", "-", "123", "", "B2-20150000", "B2-1234567", "京B2-00000000"]
)
def test_placeholders_are_rejected(raw: str) -> None:
    assert parse_licence_number(raw) is None
    (finding,) = licence(raw).by_check("licence.number")
    assert finding.level is Level.FAIL
    assert "placeholder" in finding.message.en


def test_an_unrecognised_number_only_warns() -> None:
    # The number pattern is inferred from footers, so a miss is a warning.
    (finding,) = licence("B2-2015021").by_check("licence.number")
    assert finding.level is Level.WARN
    assert "not recognised" in finding.message.en


@pytest.mark.parametrize(
    ("scope", "level"),
    [
        (SP_SCOPE, Level.PASS),
        ("信息服务业务(不含固定网电话信息服务和互联网信息服务)", Level.PASS),
        ("信息服务业务（仅限互联网信息服务）", Level.FAIL),
        ("信息服务业务（仅限互联网信息服务）；信息服务业务（不含互联网信息服务）", Level.PASS),
        ("B25 信息服务业务", Level.WARN),
        ("B21 在线数据处理与交易处理业务", Level.FAIL),
        ("", Level.FAIL),
        (None, Level.FAIL),
    ],
)
def test_scope_must_be_the_sp_scope(scope: str | None, level: Level) -> None:
    assert levels(licence(scope_text=scope))["licence.scope"] is level


def test_a_licence_without_b2_fails() -> None:
    assert levels(licence("B1-20150210"))["licence.category"] is Level.FAIL


def test_provincial_licence_for_national_sending_fails() -> None:
    rep = licence("京B2-20060060")
    assert levels(rep)["licence.coverage"] is Level.FAIL
    assert "licence.coverage" not in levels(licence("京B2-20060060", needs_cross_regional=False))
    assert "licence.coverage" not in levels(licence("B2-20150210"))


def test_validity_term_expiry_and_renewal_window() -> None:
    assert (
        levels(licence(issue_date=dt.date(2025, 1, 10), expiry_date=dt.date(2028, 1, 10)))[
            "licence.validity"
        ]
        is Level.FAIL
    )
    # Within a month of five years is fine.
    ok = licence(issue_date=dt.date(2025, 1, 10), expiry_date=dt.date(2030, 2, 1))
    assert "licence.validity" not in levels(ok)
    expired = licence(issue_date=dt.date(2021, 6, 1), expiry_date=dt.date(2026, 6, 1))
    assert levels(expired)["licence.expiry"] is Level.FAIL
    soon = CHECKED_ON + dt.timedelta(days=RENEWAL_LEAD_DAYS - 1)
    near = licence(issue_date=soon.replace(year=soon.year - 5), expiry_date=soon)
    assert levels(near)["licence.expiry"] is Level.WARN and near.level is Level.WARN
    later = CHECKED_ON + dt.timedelta(days=RENEWAL_LEAD_DAYS)
    assert (
        levels(licence(issue_date=later.replace(year=later.year - 5), expiry_date=later))[
            "licence.expiry"
        ]
        is Level.PASS
    )
    assert levels(licence(expiry_date=None))["licence.validity"] is Level.FAIL
    assert levels(licence(issue_date=None))["licence.validity"] is Level.WARN


def test_holder_must_be_the_vendor() -> None:
    rep = licence(holder_credit_code="91310115591693856A")
    assert levels(rep)["licence.holder"] is Level.FAIL
    assert levels(licence(holder_credit_code=" 91310110666007217t "))["licence.holder"] == "pass"
    assert levels(licence(holder_credit_code=None))["licence.holder"] is Level.WARN


@pytest.mark.parametrize(
    ("today", "filed", "issued", "level"),
    [
        (dt.date(2026, 6, 15), 2025, dt.date(2020, 1, 1), Level.PASS),
        (dt.date(2026, 6, 15), 2024, dt.date(2020, 1, 1), Level.WARN),
        (dt.date(2026, 6, 15), None, dt.date(2020, 1, 1), Level.WARN),
        (dt.date(2026, 3, 31), 2024, dt.date(2020, 1, 1), Level.PASS),  # 2025's not yet due
        (dt.date(2026, 4, 1), 2024, dt.date(2020, 1, 1), Level.WARN),
        (dt.date(2026, 6, 15), None, dt.date(2026, 2, 1), Level.PASS),  # licensed this year
    ],
)
def test_annual_report(today: dt.date, filed: int | None, issued: dt.date, level: Level) -> None:
    rep = licence(
        today=today,
        annual_report_year=filed,
        issue_date=issued,
        expiry_date=issued.replace(year=issued.year + 5),
    )
    assert levels(rep)["licence.annual_report"] is level


@given(st.text(), st.text())
def test_licence_never_raises(number: str, scope: str) -> None:
    parse_licence_number(number)
    rep = licence(number, scope_text=scope)
    assert_bilingual(rep)


# --- access codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "base", "scope", "kind", "ext"),
    [
        ("10661234", "10661234", "national", "commercial", 0),
        ("106901234", "10690123", "national", "third_party_platform", 1),
        ("1069512345678", "106951234567", "national", "own_use", 1),
        ("10621234", "10621234", "provincial", "commercial", 0),
        ("10630123456", "10630123", "provincial", "third_party_platform", 3),
        ("106381234567890", "106381234567", "provincial", "own_use", 3),
        ("10639123", "10639123", "provincial", "public_welfare", 0),
        ("10699123", "10699123", "national", "public_welfare", 0),
        ("1065502100", "10655021", "unknown", "carrier", 2),
        (" 1066 1234 ", "10661234", "national", "commercial", 0),
    ],
)
def test_codes_are_classified(code: str, base: str, scope: str, kind: str, ext: int) -> None:
    cls = classify_code(code)
    assert cls is not None
    assert (cls.base, cls.scope, cls.kind, cls.extension_digits) == (base, scope, kind, ext)
    assert cls.base_length == len(base)
    assert cls.allocating_body.zh and cls.allocating_body.en


def test_allocating_body_follows_scope() -> None:
    national, provincial = classify_code("10661234"), classify_code("10621234")
    assert national is not None and provincial is not None
    assert national.allocating_body.en == "MIIT"
    assert "provincial" in provincial.allocating_body.en


@pytest.mark.parametrize(
    "code",
    [
        "",
        "abc",
        "1066123",
        "106951234",
        "10641234",
        "10601234",
        "1066１234x",
        "1" * 22,
        "10661234" + "5" * 14,
        "95555",
    ],
)
def test_unknown_codes_are_not_classified(code: str) -> None:
    assert classify_code(code) is None
    rep = check_codes([code or "?"], "provincial", set(), False)
    assert rep.level is Level.FAIL
    assert "not recognised" in rep.findings[0].message.en


def test_the_table_rows_are_disjoint() -> None:
    samples = [
        "10661234",
        "10690123",
        "106951234567",
        "10699123",
        "10621234",
        "10630123",
        "106351234567",
        "10639123",
        "10651234",
    ]
    for sample in samples:
        assert sum(bool(row.pattern.match(sample)) for row in CODE_TABLE) == 1, sample


FOUR = ["10661234", "106901234", "1069512345678", "10621234"]


def code_levels(rep: Report) -> dict[str, Level]:
    """Worst level per code."""
    by_code: dict[str, list[Finding]] = {}
    for finding in rep.findings:
        by_code.setdefault(finding.check.removeprefix("access_code."), []).append(finding)
    return {code: Report(tuple(found)).level for code, found in by_code.items()}


def test_national_coverage_rejects_provincial_codes() -> None:
    got = code_levels(check_codes(FOUR, "national", {"verification"}, False))
    assert got == {
        "10661234": Level.PASS,
        "106901234": Level.PASS,
        "1069512345678": Level.PASS,
        "10621234": Level.FAIL,
    }


def test_provincial_coverage_accepts_all_four() -> None:
    got = code_levels(check_codes(FOUR, "provincial", {"verification"}, False))
    assert set(got.values()) == {Level.PASS}


def test_own_use_codes_may_not_be_resold() -> None:
    got = code_levels(check_codes(FOUR, "provincial", {"verification"}, True))
    assert got["1069512345678"] is Level.FAIL
    assert got["106901234"] is Level.PASS and got["10661234"] is Level.PASS
    resold = check_codes(["106381234567"], "provincial", set(), True)
    assert "own use" in resold.findings[0].message.en


def test_marketing_is_no_ground_against_non_commercial_codes() -> None:
    """非经营性 means no information fee charged to users (allocation rules 4(4))."""
    got = code_levels(check_codes(FOUR, "provincial", {"marketing", "notification"}, False))
    assert got == {
        "10661234": Level.PASS,
        "106901234": Level.PASS,
        "1069512345678": Level.PASS,
        "10621234": Level.PASS,
    }


def test_carrier_codes_warn_and_empty_lists_warn() -> None:
    assert check_codes(["10651234"], "provincial", set(), False).level is Level.WARN
    assert check_codes([], "national", set(), False).level is Level.WARN
    assert check_codes(["  "], "national", set(), False).level is Level.WARN


@given(st.lists(st.text(), max_size=4), st.text(), st.booleans())
def test_check_codes_never_raises(codes: list[str], coverage: str, resold: bool) -> None:
    classify_code(coverage)
    rep = check_codes(codes, coverage, {"marketing"}, resold)  # type: ignore[arg-type]
    assert rep.findings
    assert_bilingual(rep)


# --- working days and the port-change timeline --------------------------------------------------


D = dt.date
NO_HOLIDAYS: frozenset[dt.date] = frozenset()


def test_add_working_days_skips_weekends() -> None:
    friday = D(2024, 3, 1)  # no table entry needed: weekends only
    assert add_working_days(friday, 0, NO_HOLIDAYS) == friday
    assert add_working_days(friday, 1, NO_HOLIDAYS) == D(2024, 3, 4)
    assert add_working_days(friday, 5, NO_HOLIDAYS) == D(2024, 3, 8)
    assert add_working_days(D(2024, 3, 2), 1, NO_HOLIDAYS) == D(2024, 3, 4)  # from a Saturday
    assert add_working_days(D(2024, 3, 4), -1, NO_HOLIDAYS) == friday


def test_add_working_days_skips_holidays_and_counts_make_up_days() -> None:
    cal = load_calendar()
    # 2026 National Day: Oct 1-7 off, Sat Oct 10 is a working day.
    assert add_working_days(D(2026, 9, 30), 1, cal.holidays, cal.workdays) == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 9), 1, cal.holidays, cal.workdays) == D(2026, 10, 10)
    # Without the make-up list the Saturday is skipped.
    assert add_working_days(D(2026, 10, 9), 1, cal.holidays) == D(2026, 10, 12)
    assert add_working_days(D(2025, 1, 27), 1, cal.holidays, cal.workdays) == D(2025, 2, 5)


def test_the_holiday_table() -> None:
    cal = load_calendar()
    assert cal.years == {2025, 2026}
    assert {D(2025, 1, 28), D(2025, 2, 4), D(2025, 10, 8), D(2026, 2, 23)} <= cal.holidays
    assert D(2026, 1, 4) in cal.workdays and D(2025, 2, 8) in cal.workdays
    assert not cal.holidays & cal.workdays
    # The 2025 Spring Festival break is 8 days, 2026's 9.
    assert sum(D(2025, 1, 28) <= d <= D(2025, 2, 4) for d in cal.holidays) == 8
    assert sum(D(2026, 2, 15) <= d <= D(2026, 2, 23) for d in cal.holidays) == 9
    # Every make-up working day falls on a weekend.
    assert all(d.weekday() >= 5 for d in cal.workdays)
    assert not is_working_day(D(2026, 5, 4), cal.holidays, cal.workdays)


def test_parse_calendar_handles_an_empty_table() -> None:
    assert parse_calendar("") == Calendar(frozenset(), frozenset(), frozenset())


def test_an_unfiled_change_five_days_ago() -> None:
    today = D(2026, 6, 15)  # a Monday
    timeline = port_change_timeline(today - dt.timedelta(days=5), filed=False, today=today)
    # Wed Jun 10 + 3 working days = Mon Jun 15; +7 calendar days; +14 calendar days.
    assert timeline.inquiry_by == D(2026, 6, 15)
    assert timeline.throttle_from == D(2026, 6, 22)
    assert timeline.suspension_from == D(2026, 7, 6)
    rep = timeline.report
    assert rep.level is Level.FAIL
    assert levels(rep) == {"port_change.filed": Level.FAIL, "port_change.stage": Level.WARN}
    assert "2026-06-22" in rep.by_check("port_change.stage")[0].message.en
    assert_bilingual(rep)


def test_an_unfiled_change_over_a_holiday() -> None:
    timeline = port_change_timeline(D(2026, 9, 29), filed=False, today=D(2026, 10, 4))
    assert timeline.inquiry_by == D(2026, 10, 9)  # Sep 30, Oct 8, Oct 9
    assert timeline.throttle_from == D(2026, 10, 16)


def test_later_stages_and_filed_changes() -> None:
    changed = D(2026, 6, 10)
    throttled = port_change_timeline(changed, False, D(2026, 6, 25)).report
    assert "throttled" in throttled.by_check("port_change.stage")[0].message.en
    suspended = port_change_timeline(changed, False, D(2026, 7, 6)).report
    assert "suspended" in suspended.by_check("port_change.stage")[0].message.en
    filed = port_change_timeline(changed, True, D(2026, 7, 6))
    assert filed.report.level is Level.PASS and filed.inquiry_by is None


def test_a_year_outside_the_table_warns() -> None:
    rep = port_change_timeline(D(2030, 1, 7), False, D(2030, 1, 8)).report
    assert levels(rep)["port_change.calendar"] is Level.WARN


# --- MLPS ---------------------------------------------------------------------------------------


def mlps(**overrides: object) -> Report:
    args: dict[str, object] = dict(
        level=3,
        report_date=D(2025, 9, 1),
        conclusion="符合",
        tested_credit_code=VENDOR,
        vendor_credit_code=VENDOR,
        today=CHECKED_ON,
    )
    args.update(overrides)
    return check_mlps(**args)  # type: ignore[arg-type]


def test_a_current_level_3_report_passes() -> None:
    rep = mlps()
    assert rep.level is Level.PASS
    assert_bilingual(rep)
    assert mlps(conclusion=" 基本符合 ").level is Level.PASS


@pytest.mark.parametrize(
    ("level", "result"),
    [
        (3, "pass"),
        (4, "pass"),
        (5, "pass"),
        (2, "fail"),
        (1, "fail"),
        (None, "fail"),
        (0, "fail"),
        (6, "fail"),
    ],
)
def test_mlps_level(level: int | None, result: str) -> None:
    assert levels(mlps(level=level, report_date=D(2026, 3, 1)))["mlps.level"] == result


@pytest.mark.parametrize(
    ("level", "report_date", "result"),
    [
        (3, D(2025, 6, 15), "pass"),  # exactly 12 months
        (3, D(2025, 6, 14), "fail"),
        (4, D(2025, 12, 15), "pass"),  # exactly 6 months
        (4, D(2025, 12, 14), "fail"),
        (4, D(2025, 9, 1), "fail"),
        (3, None, "fail"),
        (3, D(2026, 7, 1), "warn"),  # after today
    ],
)
def test_mlps_report_age(level: int, report_date: dt.date | None, result: str) -> None:
    assert levels(mlps(level=level, report_date=report_date))["mlps.report_date"] == result


def test_month_arithmetic_clamps_to_month_end() -> None:
    # Aug 31 + 6 months = end of February: still current on Feb 28, stale on Mar 1.
    rep = mlps(level=4, report_date=D(2025, 8, 31), today=D(2026, 2, 28))
    assert levels(rep)["mlps.report_date"] is Level.PASS
    rep = mlps(level=4, report_date=D(2025, 8, 31), today=D(2026, 3, 1))
    assert levels(rep)["mlps.report_date"] is Level.FAIL


@pytest.mark.parametrize("conclusion", ["不符合", "", None, "合格", "符合要求"])
def test_other_conclusions_fail(conclusion: str | None) -> None:
    assert levels(mlps(conclusion=conclusion))["mlps.conclusion"] is Level.FAIL


def test_tested_unit_must_be_the_vendor() -> None:
    assert levels(mlps(tested_credit_code="91310115591693856A"))["mlps.unit"] is Level.FAIL
    assert levels(mlps(vendor_credit_code=None))["mlps.unit"] is Level.WARN


@given(st.one_of(st.none(), st.integers()), st.one_of(st.none(), st.text()), st.dates())
def test_mlps_never_raises(level: int | None, conclusion: str | None, day: dt.date) -> None:
    rep = mlps(level=level, conclusion=conclusion, report_date=day, today=day)
    assert_bilingual(rep)


# --- mobile numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "carrier_en"),
    [
        ("13800138000", "China Mobile"),
        ("+86 138-0013-8000", "China Mobile"),
        ("008613800138000", "China Mobile"),
        ("8613800138000", "China Mobile"),
        ("18612345678", "China Unicom"),
        ("18912345678", "China Telecom"),
        ("19212345678", "China Broadnet"),
        ("１３８００１３８０００", "China Mobile"),
    ],
)
def test_valid_numbers_and_their_allocated_carrier(raw: str, carrier_en: str) -> None:
    rep = check_mobile(raw)
    assert rep.level is Level.PASS
    assert_bilingual(rep)
    found = allocated_carrier(raw)
    assert found is not None
    assert found.en.startswith(carrier_en)
    assert "may be ported" in found.en and "携号转网" in found.zh
    assert "may be ported" in rep.by_check("mobile.carrier")[0].message.en


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "1380013800",
        "138001380001",
        "01012345678",
        "+12025550123",
        "14912345678",
        "19412345678",
        "10661234",
    ],
)
def test_invalid_numbers_fail(raw: str) -> None:
    rep = check_mobile(raw)
    assert levels(rep) == {"mobile.valid": Level.FAIL}
    assert "not recognised" in rep.findings[0].message.en.lower()
    assert allocated_carrier(raw) is None


@pytest.mark.parametrize(
    "raw", ["17012345678", "17112345678", "16212345678", "16512345678", "16712345678"]
)
def test_mvno_ranges_are_flagged(raw: str) -> None:
    assert is_mvno(raw)
    rep = check_mobile(raw)
    assert levels(rep)["mobile.valid"] is Level.PASS
    assert levels(rep)["mobile.mvno"] is Level.WARN
    found = allocated_carrier(raw)
    assert found is None or "virtual operator" in found.en  # 162/165 have no carrier data


def test_ordinary_ranges_are_not_mvno() -> None:
    assert not is_mvno("13800138000") and not is_mvno("1701234")


def test_iot_numbers_warn_instead_of_failing() -> None:
    rep = check_mobile("1440123456789")
    assert rep.level is Level.WARN and "IoT" in rep.findings[0].message.en


def test_without_phonenumbers_the_shape_is_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mobile, "PHONENUMBERS_INSTALLED", False)
    assert check_mobile("13800138000").level is Level.PASS
    assert check_mobile("14912345678").level is Level.FAIL
    assert allocated_carrier("13800138000") is None


@given(st.text())
def test_mobile_never_raises(raw: str) -> None:
    rep = check_mobile(raw)
    assert rep.findings
    assert_bilingual(rep)
    allocated_carrier(raw)
    is_mvno(raw)


# --- dates at the edges do not raise ------------------------------------------------------------


@given(st.dates(), st.dates(), st.dates())
def test_date_checks_never_raise(a: dt.date, b: dt.date, today: dt.date) -> None:
    assert_bilingual(licence(issue_date=a, expiry_date=b, today=today))
    assert_bilingual(mlps(report_date=a, today=today))
    assert_bilingual(port_change_timeline(a, False, today).report)
