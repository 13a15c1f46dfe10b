"""Value-added telecom licence (增值电信业务经营许可证): number, scope, validity, holder."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from vaudit.audits.regulatory import Finding, Level, Report, failed, passed, warned
from vaudit.audits.regulatory.credit_code import check_same_holder
from vaudit.audits.text import Text

VALIDITY_YEARS = 5  # value-added licences run five years (2001 Measures art. 13, kept in 2017)
VALIDITY_TOLERANCE_DAYS = 31  # "about five years": allow a month either way
RENEWAL_LEAD_DAYS = 90  # renewal must be applied for 90 days before expiry
ANNUAL_REPORT_DEADLINE = (3, 31)  # 年报 on the prior year is due by Mar 31 (month, day)

PROVINCES = "京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川贵云陕甘青蒙桂藏宁新"
# Inferred from public footers, not from a regulation, so a miss is only a warning.
_NUMBER = re.compile(
    rf"^(?P<fi1>合字)?(?P<prov>[{PROVINCES}])?(?P<fi2>合字)?"
    r"(?P<cats>(?:[AB][12]\.)*[AB][12])-(?P<year>\d{4})(?P<serial>\d{4})$"
)
_LABEL = re.compile(r"^[^:]{0,20}:")  # "增值电信业务经营许可证：" (NFKC makes the colon ASCII)
_NOTE = re.compile(r"\([^)]*\)$")  # a trailing "（跨地区）" as footers print it
FIRST_YEAR = 1990  # no licence number predates this; earlier "years" are typing noise
_PLACEHOLDERS = frozenset(
    {"", "无", "暂无", "没有", "N/A", "NA", "NONE", "NULL", "TBD", "待补充", "待定", "略", "-", "/"}
)
HOLDER = Text("许可证持证主体", "licence holder")
# Numbers people paste instead of the licence: (marker, zh name, en name), first match wins.
_LOOK_ALIKES = (
    ("ICP备", "ICP 备案号", "an ICP filing number (ICP备案)"),
    ("ICP证", "ICP 经营许可证的展示编号", "the display form of an ICP licence (ICP证)"),
    ("ICP", "ICP 编号", "an ICP number"),
    ("公网安备", "公安联网备案号", "a public-security network filing number"),
)


@dataclass(frozen=True)
class LicenceNumber:
    text: str
    province: str | None  # None: issued by MIIT, valid across provinces
    foreign_invested: bool  # 合字
    categories: tuple[str, ...]
    year: int
    serial: str

    @property
    def cross_regional(self) -> bool:
        return self.province is None


def _normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).upper()
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[－—–‐]", "-", text)
    return re.sub(r"[、·．,，]", ".", text)


def _is_dummy(digits: str) -> bool:
    """Template filler: one repeated digit, or a run such as 1234567."""
    return len(set(digits)) == 1 or digits in "01234567890" or digits in "9876543210"


def _strip(raw: str) -> str:
    return _NOTE.sub("", _LABEL.sub("", _normalise(raw), count=1))


def parse_licence_number(raw: str) -> LicenceNumber | None:
    text = _strip(raw)
    match = _NUMBER.match(text)
    if match is None or match["serial"] == "0000" or int(match["year"]) < FIRST_YEAR:
        return None
    return LicenceNumber(
        text=text,
        province=match["prov"],
        foreign_invested=bool(match["fi1"] or match["fi2"]),
        categories=tuple(match["cats"].split(".")),
        year=int(match["year"]),
        serial=match["serial"],
    )


def diagnose(raw: str) -> Finding:
    """Why a text is not a licence number: a look-alike, a placeholder, or just unrecognised."""
    text = _normalise(raw)
    for marker, zh, en in _LOOK_ALIKES:
        if marker in text:
            return failed(
                "licence.number",
                f"这是{zh}，不是增值电信业务经营许可证编号（如 京B2-20060060）。",
                f"This is {en}, not a value-added telecom business licence number "
                "(like 京B2-20060060).",
            )
    stripped = _strip(raw)
    digits = max(re.findall(r"\d+", stripped), key=len, default="")  # the serial, not "B2"
    if (
        stripped in _PLACEHOLDERS
        or (stripped.isdigit() and len(stripped) < 8)
        or re.fullmatch(r"[\W_]*", stripped)
        or (digits and (_is_dummy(digits) or digits.endswith("0000")))
    ):
        return failed(
            "licence.number",
            f"许可证编号“{raw.strip()[:40]}”是占位内容，请填写真实编号。",
            f"The licence number {raw.strip()[:40]!r} is a placeholder; enter the real one.",
        )
    return warned(
        "licence.number",
        "未能识别许可证编号格式（常见形如 京B2-20060060、B2-20150210）；请在工信部网站核实。",
        "The licence number is not recognised (usual forms: 京B2-20060060, B2-20150210); "
        "verify it on MIIT's site.",
    )


def _check_number(
    number: str | LicenceNumber, cross_regional: bool, today: dt.date
) -> Iterator[Finding]:
    parsed = number if isinstance(number, LicenceNumber) else parse_licence_number(number)
    if parsed is None:
        yield diagnose(str(number))
        return
    yield passed("licence.number", f"许可证编号 {parsed.text}。", f"Licence number {parsed.text}.")
    if "B2" not in parsed.categories:
        yield failed(
            "licence.category",
            "编号中没有 B2 类别，短信（B25）不在其内。",
            "The number has no B2 category, which SMS (B25) falls under.",
        )
    if parsed.year > today.year:
        yield warned(
            "licence.number",
            f"编号中的年份 {parsed.year} 晚于今年。",
            f"The year {parsed.year} in the number is in the future.",
        )
    if cross_regional and not parsed.cross_regional:
        yield failed(
            "licence.coverage",
            f"全国范围发送需要跨地区许可证，而该证为省级（{parsed.province}），"
            "除非另有跨地区许可证。",
            f"Nationwide sending needs a cross-regional licence; this one is provincial "
            f"({parsed.province}), unless a separate cross-regional licence is on file.",
        )


# First matching row wins. SMS needs the SP scope: information services *excluding* internet ones
# (the old wording also excluded fixed-line phone services, hence the gap in the pattern).
_SCOPE_RULES: tuple[tuple[re.Pattern[str], Level, str, str], ...] = (
    (
        re.compile(r"不含[^)]*互联网信息服务"),
        Level.PASS,
        "业务范围含信息服务业务（不含互联网信息服务），覆盖短信。",
        "The scope has information services excluding internet ones (the SP scope): SMS.",
    ),
    (
        re.compile("仅限互联网信息服务"),
        Level.FAIL,
        "业务范围仅限互联网信息服务（ICP 许可），不覆盖短信；需“不含互联网信息服务”的范围。",
        "The scope is internet information services only (an ICP licence), which does not "
        "cover SMS; an SMS vendor needs the scope 'excluding internet information services'.",
    ),
    (
        re.compile("B25|信息服务业务"),
        Level.WARN,
        "业务范围含信息服务业务，但未写明“不含互联网信息服务”；请核对许可证原件。",
        "The scope names information services but not 'excluding internet information "
        "services'; check the original licence.",
    ),
    (
        re.compile(""),
        Level.FAIL,
        "业务范围不含 B25 信息服务业务，短信业务无许可。",
        "The scope lacks B25 information services, so SMS is not licensed.",
    ),
)


def check_scope(scope_text: str | None) -> Finding:
    scope = _normalise(scope_text or "")
    _pattern, level, zh, en = next(rule for rule in _SCOPE_RULES if rule[0].search(scope))
    return Finding("licence.scope", level, Text(zh, en))


def check_sms_category(number: LicenceNumber, scope_text: str | None) -> list[Finding]:
    """Whether a licence is an SMS (SP) licence at all: category B2 in the number (B1 is IDC,
    CDN, ISP) and the B25 information-services scope excluding internet information services.
    Rules that rely on the licence covering SMS call this before judging its reach."""
    found: list[Finding] = []
    if "B2" not in number.categories:
        found.append(
            failed(
                "licence.category",
                f"许可证 {number.text} 没有 B2 类别（{'.'.join(number.categories)}），"
                "短信属 B25 信息服务业务，该证不覆盖短信",
                f"licence {number.text} has no B2 category ({'.'.join(number.categories)}); SMS "
                "is B25 information services, which it does not cover",
            )
        )
    if not scope_text:
        found.append(
            warned(
                "licence.scope",
                "服务商资料中没有许可业务范围，无法核对 B25 信息服务业务",
                "the vendor's facts have no licence scope, so B25 information services is not "
                "checked",
            )
        )
    else:
        scope = check_scope(scope_text)
        if scope.level is not Level.PASS:
            found.append(scope)
    return found


def _add_years(day: dt.date, years: int) -> dt.date:
    if day.year + years > dt.MAXYEAR:
        return dt.date.max  # absurd input: saturate rather than raise
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # Feb 29 into a non-leap year
        return day.replace(year=day.year + years, day=28)


def _check_dates(
    issue: dt.date | None, expiry: dt.date | None, today: dt.date
) -> Iterator[Finding]:
    if expiry is None:
        yield failed("licence.validity", "未提供有效期截止日。", "No expiry date was given.")
        return
    if issue is None:
        yield warned(
            "licence.validity",
            "未提供发证日期，无法核对五年有效期。",
            "No issue date was given, so the five-year term is not checked.",
        )
    elif abs((expiry - _add_years(issue, VALIDITY_YEARS)).days) > VALIDITY_TOLERANCE_DAYS:
        yield failed(
            "licence.validity",
            f"有效期 {issue} 至 {expiry} 与五年期限不符，请核对原件。",
            f"The term {issue} to {expiry} is not the five years such licences run; check it.",
        )
    if today > expiry:
        yield failed("licence.expiry", f"许可证已于 {expiry} 过期。", f"Expired on {expiry}.")
    elif (expiry - today).days < RENEWAL_LEAD_DAYS:
        yield warned(
            "licence.expiry",
            f"许可证将于 {expiry} 到期，已进入续期申请期（到期前 {RENEWAL_LEAD_DAYS} 天）；"
            "请索取续期申请材料。",
            f"The licence expires on {expiry}, inside the {RENEWAL_LEAD_DAYS}-day renewal "
            "window; ask for proof that renewal was applied for.",
        )
    else:
        yield passed("licence.expiry", f"有效期至 {expiry}。", f"Valid until {expiry}.")


def check_annual_report(year: int | None, issue: dt.date | None, today: dt.date) -> Finding:
    month, day = ANNUAL_REPORT_DEADLINE
    due = today.year - 1 if today > dt.date(today.year, month, day) else today.year - 2
    if (issue is not None and issue.year > due) or (year is not None and year >= due):
        return passed("licence.annual_report", "年报已按期报送。", "Annual reports are up to date.")
    return warned(
        "licence.annual_report",
        f"未见 {due} 年度的许可证年报（应于次年 {month} 月 {day} 日前报送）；"
        "未报者会被列入不良名单。",
        f"No licence annual report for {due} is on file (due by {month}/{day} of the next year); "
        "firms that skip it are put on MIIT's list of bad operators.",
    )


def check_licence(
    number: str | LicenceNumber,
    scope_text: str | None,
    issue_date: dt.date | None,
    expiry_date: dt.date | None,
    holder_credit_code: str | None,
    vendor_credit_code: str | None,
    needs_cross_regional: bool,
    annual_report_year: int | None,
    today: dt.date,
) -> Report:
    return Report(
        (
            *_check_number(number, needs_cross_regional, today),
            check_scope(scope_text),
            *_check_dates(issue_date, expiry_date, today),
            check_same_holder("licence.holder", holder_credit_code, vendor_credit_code, HOLDER),
            check_annual_report(annual_report_year, issue_date, today),
        )
    )
