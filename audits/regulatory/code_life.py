"""An access code's life: when its validity ends, and the grounds on which it is reclaimed.

Source: the 短消息类服务接入代码申请、分配、使用与收回管理办法 (MIIT), as reproduced at
http://www.chinacc.com.cn/mhgl/zcfg/201504/t20150407_2101638.htm. Its section 4(5): a commercial
code is valid as long as the licence, a non-commercial code five years. Section 5 reclaims a code
not opened on any carrier within a year of allocation, or opened but unused or suspended for over
a year (5.1); when the holder's licence is revoked or fails its annual check (5.2); used beyond
its term (5.6). Refusing to pay code fees is a ground under 电信网码号资源管理办法 art. 38. These
fail; a finding only warns where the facts it needs are not recorded, and says which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from vaudit.audits.regulatory import Finding, Report, failed, passed, warned
from vaudit.audits.regulatory.access_code import classify_code
from vaudit.audits.regulatory.licence import ANNUAL_REPORT_DEADLINE
from vaudit.audits.regulatory.mlps import add_months
from vaudit.audits.vendor_records import CARRIERS, CODE_STATUSES, CodeRecord

VALIDITY_WARN_DAYS = 90  # a code ending within this many days is flagged, like a licence
NON_COMMERCIAL_YEARS = 5  # 办法 4(5): a non-commercial code is valid five years
RECLAIM_IDLE_MONTHS = 12  # "within a year" / "over a year" of the reclamation grounds


def _carriers(record: CodeRecord) -> str:
    return "、".join(CARRIERS[c].zh for c in record.carriers or ())


def _carriers_en(record: CodeRecord) -> str:
    return ", ".join(CARRIERS[c].en for c in record.carriers or ())


# ---------------------------------------------------------------------- validity


def code_end(record: CodeRecord, licence_expiry: dt.date | None) -> tuple[dt.date | None, str]:
    """The code's validity end and where it comes from: the certificate, the licence (a
    commercial code), or five years from allocation (a non-commercial code)."""
    if record.valid_until is not None:
        return record.valid_until, "certificate"
    cls = classify_code(record.code)
    if cls is not None and cls.kind == "commercial" and licence_expiry is not None:
        return licence_expiry, "licence"
    if cls is not None and cls.kind != "commercial" and record.allocated_on is not None:
        return add_months(record.allocated_on, NON_COMMERCIAL_YEARS * 12), "term"
    return None, "unknown"


def _validity(record: CodeRecord, licence_expiry: dt.date | None, today: dt.date) -> Finding:
    code, check = record.code, f"code_validity.{record.code}"
    end, source = code_end(record, licence_expiry)
    if end is None:
        cls = classify_code(record.code)
        needs = (
            ("许可证有效期", "the licence expiry")
            if cls is not None and cls.kind == "commercial"
            else ("分配日期", "the allocation date")
        )
        return warned(
            check,
            f"{code} 的有效期截止日未记录，也未记录{needs[0]}：请按码号证书填写 valid:日期",
            f"{code}'s validity end is not recorded, nor {needs[1]}: enter it from the code "
            "certificate (valid:DATE)",
        )
    via_zh, via_en = {
        "licence": ("（经营性码号随许可证）", " (a commercial code lives as long as the licence)"),
        "term": ("（非经营性码号自分配起五年）", " (a non-commercial code: five years)"),
    }.get(source, ("", ""))
    left = (end - today).days
    if left < 0:
        return failed(
            check,
            f"{code} 的有效期已于 {end} 届满{via_zh}，届满的码号会被收回",
            f"{code}'s validity ended on {end}{via_en}; a code is reclaimed when it ends",
        )
    if left < VALIDITY_WARN_DAYS:
        return warned(
            check,
            f"{code} 将于 {end} 到期{via_zh}，仅剩 {left} 天：请索取续期材料",
            f"{code} ends on {end}{via_en}, in {left} days: ask for the renewal",
        )
    return passed(
        check,
        f"{code} 有效至 {end}{via_zh}",
        f"{code} is valid until {end}{via_en}",
    )


def check_code_validity(
    records: Sequence[CodeRecord], licence_expiry: dt.date | None, today: dt.date
) -> Report:
    if not records:
        return Report(
            (warned("code_validity.none", "未记录任何接入代码", "no access code is recorded"),)
        )
    return Report(tuple(_validity(r, licence_expiry, today) for r in records))


# ---------------------------------------------------------------------- reclamation


def _idle(record: CodeRecord, today: dt.date) -> Iterator[Finding]:
    """办法 5.1: not opened on any carrier within a year of allocation, or opened but unused or
    suspended for over a year."""
    code, check = record.code, f"code_reclamation.{record.code}"
    if record.carriers == () and record.allocated_on is not None:
        deadline = add_months(record.allocated_on, RECLAIM_IDLE_MONTHS)
        if today > deadline:
            yield failed(
                check,
                f"{code} 于 {record.allocated_on} 分配，一年内未在任何运营商开通"
                f"（{deadline} 已过）：按规定收回",
                f"{code} was allocated on {record.allocated_on} and not opened on any carrier "
                f"within a year ({deadline} has passed): it is reclaimed",
            )
        else:
            yield warned(
                check,
                f"{code} 尚未在任何运营商开通，须在 {deadline} 前开通，否则收回",
                f"{code} is not opened on any carrier yet; unless opened by {deadline} it is "
                "reclaimed",
            )
    elif record.carriers == ():
        yield warned(
            check,
            f"{code} 尚未在任何运营商开通，分配日期未记录：无法判断一年期限",
            f"{code} is not opened on any carrier yet and its allocation date is not recorded: "
            "the one-year limit cannot be judged",
        )
    since = record.last_used_on or (
        record.allocated_on if record.status in ("unused", "suspended") else None
    )
    if record.status in ("unused", "suspended"):
        state = CODE_STATUSES[record.status]
        if since is None:
            yield warned(
                check,
                f"{code} 处于{state.zh}状态，最近使用日期未记录（used:日期）；"
                "闲置或暂停超过一年即收回",
                f"{code} is {state.en} and its last use is not recorded (used:DATE); a year "
                "unused or suspended gets a code reclaimed",
            )
        else:
            limit = add_months(since, RECLAIM_IDLE_MONTHS)
            if today > limit:
                yield failed(
                    check,
                    f"{code} 自 {since} 起{state.zh}，已超过一年：按规定收回",
                    f"{code} is {state.en} since {since}, over a year: it is reclaimed",
                )
            else:
                yield warned(
                    check,
                    f"{code} 自 {since} 起{state.zh}，{limit} 起满一年即收回",
                    f"{code} is {state.en} since {since}; a year is up on {limit}, when it "
                    "is reclaimed",
                )
    elif record.last_used_on is not None and today > add_months(
        record.last_used_on, RECLAIM_IDLE_MONTHS
    ):
        yield failed(
            check,
            f"{code} 最近一次使用在 {record.last_used_on}，已停用超过一年：按规定收回",
            f"{code} was last used on {record.last_used_on}, over a year ago: it is reclaimed",
        )


def _code_risks(record: CodeRecord, today: dt.date) -> list[Finding]:
    code, check = record.code, f"code_reclamation.{record.code}"
    found = list(_idle(record, today))
    if record.valid_until is not None and record.valid_until < today:
        found.append(
            failed(
                check,
                f"{code} 的有效期已于 {record.valid_until} 届满，超期使用的码号收回",
                f"{code}'s validity ended on {record.valid_until}; a code used beyond its term "
                "is reclaimed",
            )
        )
    if found:
        return found
    if record.carriers is None and record.status is None:
        return [
            warned(
                check,
                f"{code} 的开通运营商和使用状态未记录",
                f"{code}: the carriers it is opened on and whether it is in use are not recorded",
            )
        ]
    opened_zh = f"已在{_carriers(record)}开通" if record.carriers else "开通情况未记录"
    opened_en = f"opened on {_carriers_en(record)}" if record.carriers else "carriers not recorded"
    return [
        passed(
            check,
            f"{code} {opened_zh}，在用",
            f"{code} is {opened_en} and in use",
        )
    ]


def _licence_grounds(
    licence_revoked: bool | None,
    annual_report_year: int | None,
    licence_issued_on: dt.date | None,
    today: dt.date,
) -> Iterator[Finding]:
    """办法 5.2: the licence revoked, or failing its annual check. The annual inspection became
    the annual report (工信部令第42号, 2017): last year's report missing by March 31 counts."""
    if licence_revoked:
        yield failed(
            "code_reclamation.licence",
            "许可证已被吊销：其码号按规定收回",
            "the licence is revoked: its codes are reclaimed",
        )
    elif licence_revoked is None:
        yield warned(
            "code_reclamation.licence",
            "服务商资料中未记录许可证是否被吊销",
            "the vendor's facts do not record whether the licence is revoked",
        )
    month, day = ANNUAL_REPORT_DEADLINE
    due = today.year - 1 if today > dt.date(today.year, month, day) else today.year - 2
    if licence_issued_on is not None and licence_issued_on.year > due:
        return  # licensed after the year due: no report owed yet
    if annual_report_year is None:
        yield warned(
            "code_reclamation.annual_report",
            f"服务商资料中未记录已报送年报的最近年度（{due} 年度年报应已报送）",
            f"the vendor's facts do not record the latest annual report year (the report for "
            f"{due} is due)",
        )
    elif annual_report_year < due:
        yield failed(
            "code_reclamation.annual_report",
            f"许可证年报只报到 {annual_report_year} 年度，缺 {due} 年度（应于次年 {month} 月 "
            f"{day} 日前报送）：许可证年检不合格的，其码号收回",
            f"licence annual reports stop at {annual_report_year}; the one for {due} (due by "
            f"{month}/{day}) is missing: codes of a licence failing its annual check are "
            "reclaimed",
        )


def check_reclamation(
    records: Sequence[CodeRecord],
    today: dt.date,
    *,
    code_fees_unpaid: bool | None = None,
    licence_revoked: bool | None = None,
    annual_report_year: int | None = None,
    licence_issued_on: dt.date | None = None,
) -> Report:
    findings: list[Finding] = []
    if code_fees_unpaid:
        findings.append(
            failed(
                "code_reclamation.fees",
                "欠缴码号资源使用费：拒不缴纳是《电信网码号资源管理办法》第三十八条规定的收回情形",
                "code resource fees are unpaid: refusing to pay them is a ground for reclaiming "
                "codes under art. 38 of the numbering resource measures",
            )
        )
    findings.extend(_licence_grounds(licence_revoked, annual_report_year, licence_issued_on, today))
    if not records:
        findings.append(
            warned("code_reclamation.none", "未记录任何接入代码", "no access code is recorded")
        )
    for record in records:
        findings.extend(_code_risks(record, today))
    return Report(tuple(findings))
