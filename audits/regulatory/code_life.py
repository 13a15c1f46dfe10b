"""An access code's life: when its validity ends, and what puts it at risk of being reclaimed.

Sources: the 短消息类服务接入代码申请、分配、使用与收回管理办法 (MIIT) as secondary pages
summarise it: a commercial code lives as long as the licence; a non-commercial code five years
(found on an agency page only: unconfirmed). Reclamation: refusing to pay code fees is the one
ground found in a regulation's text (电信网码号资源管理办法 art. 38); not opening a code within a
year, a year unused or suspended, a revoked licence or a missed annual report are named by those
summaries but unconfirmed, so they only warn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from vaudit.audits.regulatory import Finding, Report, failed, passed, warned
from vaudit.audits.regulatory.access_code import classify_code
from vaudit.audits.regulatory.licence import check_annual_report
from vaudit.audits.regulatory.mlps import add_months
from vaudit.audits.vendor_records import CARRIERS, CODE_STATUSES, CodeRecord

VALIDITY_WARN_DAYS = 90  # a code ending within this many days is flagged, like a licence
NON_COMMERCIAL_YEARS = 5  # unconfirmed: an estimate only, never a fail
RECLAIM_IDLE_MONTHS = 12  # "within a year" / "over a year" of the reclamation grounds


def _carriers(record: CodeRecord) -> str:
    return "、".join(CARRIERS[c].zh for c in record.carriers or ())


def _carriers_en(record: CodeRecord) -> str:
    return ", ".join(CARRIERS[c].en for c in record.carriers or ())


# ---------------------------------------------------------------------- validity


def code_end(record: CodeRecord, licence_expiry: dt.date | None) -> tuple[dt.date | None, str]:
    """The code's validity end and where it comes from: certificate, licence or estimate."""
    if record.valid_until is not None:
        return record.valid_until, "certificate"
    cls = classify_code(record.code)
    if cls is not None and cls.kind == "commercial" and licence_expiry is not None:
        return licence_expiry, "licence"
    if cls is not None and cls.kind != "commercial" and record.allocated_on is not None:
        return add_months(record.allocated_on, NON_COMMERCIAL_YEARS * 12), "estimate"
    return None, "unknown"


def _validity(record: CodeRecord, licence_expiry: dt.date | None, today: dt.date) -> Finding:
    code, check = record.code, f"code_validity.{record.code}"
    end, source = code_end(record, licence_expiry)
    if end is None:
        return warned(
            check,
            f"{code} 的有效期截止日未记录：请按码号证书填写 valid:日期",
            f"{code}'s validity end is not recorded: enter it from the code certificate "
            "(valid:DATE)",
        )
    if source == "estimate":
        # The five-year term is not confirmed: an estimate may warn, never fail.
        if (end - today).days < VALIDITY_WARN_DAYS:
            return warned(
                check,
                f"{code} 按非经营性码号常见的五年期估算于 {end} 到期（该期限未经确认）："
                "请查看码号证书的有效期或续期材料",
                f"by the usual (unconfirmed) five-year term of a non-commercial code, {code} "
                f"ends on {end}: see the certificate's end date or its renewal",
            )
        return passed(
            check,
            f"{code} 按五年期估算有效至 {end}（请以证书为准）",
            f"{code} runs to about {end} by the five-year term (the certificate decides)",
        )
    via_zh = "（经营性码号随许可证）" if source == "licence" else ""
    via_en = " (a commercial code lives as long as the licence)" if source == "licence" else ""
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
    code, check = record.code, f"code_reclamation.{record.code}"
    if record.carriers == () and record.allocated_on is not None:
        deadline = add_months(record.allocated_on, RECLAIM_IDLE_MONTHS)
        if today > deadline:
            yield warned(
                check,
                f"{code} 于 {record.allocated_on} 分配，"
                f"一年内未在任何运营商开通（{deadline} 已过）",
                f"{code} was allocated on {record.allocated_on} and not opened on any carrier "
                f"within a year ({deadline} has passed)",
            )
        else:
            yield warned(
                check,
                f"{code} 尚未在任何运营商开通，须在 {deadline} 前开通",
                f"{code} is not opened on any carrier yet; it must be by {deadline}",
            )
    elif record.carriers == ():
        yield warned(
            check, f"{code} 尚未在任何运营商开通", f"{code} is not opened on any carrier yet"
        )
    since = record.last_used_on or (
        record.allocated_on if record.status in ("unused", "suspended") else None
    )
    if record.status in ("unused", "suspended"):
        state = CODE_STATUSES[record.status]
        if since is None:
            yield warned(
                check,
                f"{code} 处于{state.zh}状态，起始时间未记录；闲置或暂停超过一年会被收回",
                f"{code} is {state.en} since an unrecorded date; a year unused or suspended "
                "gets a code reclaimed",
            )
        else:
            limit = add_months(since, RECLAIM_IDLE_MONTHS)
            over = today > limit
            yield warned(
                check,
                f"{code} 自 {since} 起{state.zh}"
                + ("，已超过一年" if over else f"，{limit} 起满一年可被收回"),
                f"{code} is {state.en} since {since}"
                + (", over a year" if over else f"; a year is up on {limit}"),
            )
    elif record.last_used_on is not None and today > add_months(
        record.last_used_on, RECLAIM_IDLE_MONTHS
    ):
        yield warned(
            check,
            f"{code} 最近一次使用在 {record.last_used_on}，已超过一年",
            f"{code} was last used on {record.last_used_on}, over a year ago",
        )


def _code_risks(record: CodeRecord, today: dt.date) -> list[Finding]:
    code, check = record.code, f"code_reclamation.{record.code}"
    found = list(_idle(record, today))
    if record.valid_until is not None and record.valid_until < today:
        found.append(
            warned(
                check,
                f"{code} 的有效期已于 {record.valid_until} 届满",
                f"{code}'s validity ended on {record.valid_until}",
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
    if licence_revoked:
        findings.append(
            warned(
                "code_reclamation.licence",
                "许可证已被吊销：其码号面临收回（该收回情形的原文未经核实），请立即核实",
                "the licence is revoked: its codes face reclamation (this ground is not "
                "confirmed in the regulation's text); check at once",
            )
        )
    report = check_annual_report(annual_report_year, licence_issued_on, today)
    if report.level.value != "pass":
        findings.append(
            warned(
                "code_reclamation.annual_report",
                f"{report.message.zh}年报缺失的，其码号有被收回的风险（未经确认）",
                f"{report.message.en} A missed annual report puts the codes at risk of "
                "reclamation (unconfirmed)",
            )
        )
    if not records:
        findings.append(
            warned("code_reclamation.none", "未记录任何接入代码", "no access code is recorded")
        )
    for record in records:
        findings.extend(_code_risks(record, today))
    return Report(tuple(findings))
