"""Multi-level protection (等级保护, MLPS 2.0): level, evaluation-report age, conclusion, unit."""

from __future__ import annotations

import calendar
import datetime as dt
import unicodedata

from vaudit.audits.regulatory import Finding, Report, failed, passed, report, warned
from vaudit.audits.regulatory.credit_code import check_same_holder
from vaudit.audits.text import Text

MIN_LEVEL = 3  # the qualification checklist asks for level 3 (监督保护) or above
LEVELS = range(1, 6)
# Evaluation at least yearly at level 3, every six months at level 4. Level 5 follows special
# rules; six months is the tightest published interval, so it is used as a floor.
REPORT_MAX_AGE_MONTHS = {3: 12, 4: 6, 5: 6}
ACCEPTED_CONCLUSIONS = frozenset({"符合", "基本符合"})
TESTED_UNIT = Text("测评报告的被测单位", "tested unit of the evaluation report")


def add_months(day: dt.date, months: int) -> dt.date:
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if year > dt.MAXYEAR:
        return dt.date.max  # absurd input: saturate rather than raise
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))  # Aug 31 + 6 months = Feb 28/29


def _check_level(level: int | None) -> Finding:
    if level is None or level not in LEVELS:
        return failed(
            "mlps.level",
            f"未能识别等保级别（{level}）：应为 1–5 级，短信平台需三级或以上。",
            f"MLPS level not recognised ({level}): levels run 1-5 and an SMS platform needs "
            "level 3 or above.",
        )
    if level < MIN_LEVEL:
        return failed(
            "mlps.level",
            f"等保级别为 {level} 级，低于要求的三级。",
            f"The MLPS level is {level}, below the required level 3.",
        )
    return passed("mlps.level", f"等保 {level} 级。", f"MLPS level {level}.")


def _check_report_date(level: int | None, report_date: dt.date | None, today: dt.date) -> Finding:
    if report_date is None:
        return failed(
            "mlps.report_date",
            "未提供等级测评报告日期。",
            "No date was given for the MLPS evaluation report.",
        )
    if report_date > today:
        return warned(
            "mlps.report_date",
            f"测评报告日期 {report_date} 晚于今天，请核对。",
            f"The evaluation report is dated {report_date}, after today; check it.",
        )
    months = REPORT_MAX_AGE_MONTHS.get(level if level is not None else MIN_LEVEL, 12)
    due = add_months(report_date, months)
    if today > due:
        return failed(
            "mlps.report_date",
            f"测评报告日期为 {report_date}，已超过 {months} 个月（{due} 前应重新测评）。",
            f"The evaluation report is from {report_date}, older than {months} months "
            f"(a new evaluation was due by {due}).",
        )
    return passed(
        "mlps.report_date",
        f"测评报告 {report_date}，在有效周期内。",
        f"The evaluation report of {report_date} is current.",
    )


def _check_conclusion(conclusion: str | None) -> Finding:
    text = "".join(unicodedata.normalize("NFKC", conclusion or "").split())
    if text in ACCEPTED_CONCLUSIONS:
        return passed("mlps.conclusion", f"测评结论：{text}。", f"Evaluation conclusion: {text}.")
    if text == "不符合":
        return failed(
            "mlps.conclusion",
            "测评结论为“不符合”。",
            "The evaluation concluded 不符合 (non-compliant).",
        )
    return failed(
        "mlps.conclusion",
        "未能识别测评结论：应为“符合”或“基本符合”。",
        "The evaluation conclusion is not recognised: it should read 符合 (compliant) or "
        "基本符合 (basically compliant).",
    )


def check_mlps(
    level: int | None,
    report_date: dt.date | None,
    conclusion: str | None,
    tested_credit_code: str | None,
    vendor_credit_code: str | None,
    today: dt.date,
) -> Report:
    return report(
        [
            _check_level(level),
            _check_report_date(level, report_date, today),
            _check_conclusion(conclusion),
            check_same_holder("mlps.unit", tested_credit_code, vendor_credit_code, TESTED_UNIT),
        ]
    )
