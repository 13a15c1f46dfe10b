"""Named rules: propose a result from the vendor's recorded facts and the selection's scenario,
using the regulatory parsers, so the auditor confirms instead of working it out by hand.

Facts arrive in `RuleContext.facts` as the vendor's recorded fields (named as in
vendor_fields.VENDOR_FIELDS, JSON lists decoded, plus `code_records`) and the scenario's
`coverage` and `message_kinds`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from vaudit.audits.regulatory import Finding, Level, failed, passed, warned
from vaudit.audits.rules.registry import Param, Proposal, Result, RuleContext, register
from vaudit.audits.text import Text
from vaudit.audits.values import InputKind

LEVEL_RESULTS = {Level.PASS: Result.PASS, Level.WARN: Result.PARTIAL, Level.FAIL: Result.FAIL}
REASONS_SHOWN = 3  # a proposal names at most this many findings, worst first
# The preconditions for holding a 1069 code, named once: the national registered-capital floor of
# the 电信业务经营许可管理办法 (MIIT, 2017), and at least 3 staff with social insurance records.
MIN_CAPITAL_1069 = 10_000_000  # yuan
MIN_STAFF_1069 = 3


def proposal_from(findings: Iterable[Finding]) -> Proposal | None:
    """The worst finding decides; the reason lists the findings that are not a pass first."""
    ordered = sorted(findings, key=lambda f: [Level.FAIL, Level.WARN, Level.PASS].index(f.level))
    if not ordered:
        return None
    worst = ordered[0].level
    shown = [f for f in ordered if f.level == worst][:REASONS_SHOWN]
    return Proposal(
        LEVEL_RESULTS[worst],
        Text("；".join(f.message.zh for f in shown), "; ".join(f.message.en for f in shown)),
    )


@register("access_codes_cover", {InputKind.CHOICE}, reads_facts=True)
def _access_codes_cover(ctx: RuleContext) -> Proposal | None:
    """Each of the vendor's access codes, classified, against the coverage the selection needs."""
    from vaudit.audits.regulatory.access_code import check_codes
    from vaudit.audits.regulatory.licence import parse_licence_number

    raw = ctx.facts.get("access_codes") or "[]"
    codes = json.loads(raw) if isinstance(raw, str) else list(raw)
    if not codes:
        return Proposal(
            Result.FAIL,
            Text(
                "服务商资料中没有短信接入代码：请先在服务商资料里填写",
                "the vendor's facts list no SMS access code: record them on the vendor first",
            ),
        )
    report = check_codes(
        codes,
        ctx.facts.get("coverage", "national"),
        set(ctx.facts.get("message_kinds", ())),
        # A vendor we would buy from sends for its customers: a third-party use of its codes.
        resold_to_third_parties=True,
        licence=parse_licence_number(ctx.facts.get("licence_number") or ""),
        licence_known=True,
    )
    return proposal_from(report.findings)


@register("licence_scope", {InputKind.CHOICE, InputKind.TEXT}, reads_facts=True)
def _licence_scope(ctx: RuleContext) -> Proposal | None:
    """The licence's recorded business scope against the SP scope an SMS vendor needs."""
    from vaudit.audits.regulatory.licence import check_scope

    scope = ctx.facts.get("licence_scope")
    if not scope:
        return Proposal(
            Result.PARTIAL,
            Text(
                "服务商资料中没有许可业务范围：请按许可证原文填写",
                "the vendor's facts have no licence scope: enter it as printed on the licence",
            ),
        )
    return proposal_from([check_scope(scope)])


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _missing(check: str, zh: str, en: str) -> Finding:
    return warned(check, f"服务商资料中未记录{zh}", f"the vendor's facts do not record {en}")


@register("mlps_evaluation", {InputKind.CHOICE}, reads_facts=True)
def _mlps_evaluation(ctx: RuleContext) -> Proposal | None:
    """Level, age of the evaluation report and its conclusion, from the vendor's facts."""
    from vaudit.audits.regulatory.mlps import check_mlps
    from vaudit.audits.vendor_fields import MLPS_CONCLUSIONS

    facts = ctx.facts
    level, report_on, conclusion = (
        facts.get("mlps_level"),
        _date(facts.get("mlps_report_on")),
        facts.get("mlps_conclusion"),
    )
    if level is None and report_on is None and conclusion is None:
        return Proposal(
            Result.PARTIAL,
            Text(
                "服务商资料中没有等保测评信息（级别、报告日期、结论）",
                "the vendor's facts hold no MLPS evaluation (level, report date, conclusion)",
            ),
        )
    label = MLPS_CONCLUSIONS[conclusion].zh if conclusion in MLPS_CONCLUSIONS else conclusion
    report = check_mlps(level, report_on, label, None, None, ctx.today)
    # The tested unit's credit code is not a recorded fact: that check stays with the auditor.
    return proposal_from(f for f in report.findings if f.check != "mlps.unit")


@register("annual_report_filed", {InputKind.YESNO, InputKind.NUMBER}, reads_facts=True)
def _annual_report_filed(ctx: RuleContext) -> Proposal | None:
    """Last year's licence annual report, due by March 31."""
    from vaudit.audits.regulatory.licence import check_annual_report

    year = ctx.facts.get("annual_report_year")
    issued = _date(ctx.facts.get("licence_issued_on"))
    return proposal_from([check_annual_report(year, issued, ctx.today)])


@register("preconditions_1069", {InputKind.CHOICE}, reads_facts=True)
def _preconditions_1069(ctx: RuleContext) -> Proposal | None:
    """The preconditions for holding a 1069 code, each reported as its own line."""
    from vaudit.audits.regulatory.licence import check_sms_category, parse_licence_number

    facts = ctx.facts
    findings: list[Finding] = []
    number = parse_licence_number(facts.get("licence_number") or "")
    if number is None:
        findings.append(
            _missing("1069.licence", "可识别的许可证编号", "a recognisable licence number")
        )
    else:
        sms = check_sms_category(number, facts.get("licence_scope"))
        findings.extend(sms)
        if not number.cross_regional:
            findings.append(
                failed(
                    "1069.licence",
                    f"许可证 {number.text} 为省级许可，1069 码号需全国（跨地区）SP 许可",
                    f"licence {number.text} is provincial; a 1069 code needs a national SP licence",
                )
            )
        elif not sms:
            findings.append(
                passed("1069.licence", "持有全国 SP 许可", "holds a national SP licence")
            )
        findings.extend(_funding("1069.funding", number, facts))
    capital = facts.get("registered_capital_yuan")
    if capital is None:
        findings.append(_missing("1069.capital", "注册资本", "the registered capital"))
    elif capital < MIN_CAPITAL_1069:
        findings.append(
            failed(
                "1069.capital",
                f"注册资本 {capital // 10_000} 万元，低于 {MIN_CAPITAL_1069 // 10_000} 万元",
                f"registered capital RMB {capital:,} is below RMB {MIN_CAPITAL_1069:,}",
            )
        )
    else:
        findings.append(passed("1069.capital", "注册资本达标", "registered capital is enough"))
    staff = facts.get("staff_insured")
    if staff is None:
        findings.append(
            _missing("1069.staff", "参保员工人数", "how many staff have social insurance")
        )
    elif staff < MIN_STAFF_1069:
        findings.append(
            failed(
                "1069.staff",
                f"参保员工 {staff} 人，少于 {MIN_STAFF_1069} 人",
                f"{staff} staff with social insurance, fewer than {MIN_STAFF_1069}",
            )
        )
    else:
        findings.append(passed("1069.staff", "参保员工人数达标", "enough insured staff"))
    violation = facts.get("major_violation_3y")
    if violation is None:
        findings.append(
            _missing(
                "1069.violation", "近三年有无重大违法记录", "whether there was a major violation"
            )
        )
    elif violation:
        findings.append(
            failed(
                "1069.violation", "近三年有重大违法记录", "a major violation in the last 3 years"
            )
        )
    else:
        findings.append(
            passed("1069.violation", "近三年无重大违法", "no major violation in 3 years")
        )
    return proposal_from(findings)


def _funding(check: str, number: Any, facts: Mapping[str, Any]) -> list[Finding]:
    """A foreign-invested licence (合字) may hold B25 with up to 50% foreign equity: it warns,
    and fails only where the selection's scenario asks for a domestic-funded vendor."""
    if not number.foreign_invested:
        return []
    if facts.get("domestic_only"):
        return [
            failed(
                check,
                f"许可证 {number.text} 含“合字”，为外商投资企业；本次选型要求内资企业",
                f"licence {number.text} is foreign-invested (合字); this selection requires a "
                "domestic-funded vendor",
            )
        ]
    return [
        warned(
            check,
            f"许可证 {number.text} 含“合字”，为外商投资企业：请核对外资比例（信息服务业务不超过"
            "50%）及码号申请对内资的要求",
            f"licence {number.text} is foreign-invested (合字): check the foreign share "
            "(at most 50% for information services) and any domestic-funding condition of "
            "the codes",
        )
    ]


CAPITAL_PARAMS = {"national_min_wan": Param(int), "provincial_min_wan": Param(int)}


def _capital_params(params: Mapping[str, Any]) -> str | None:
    national, provincial = params.get("national_min_wan"), params.get("provincial_min_wan")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (national, provincial)):
        return "national_min_wan and provincial_min_wan must be whole numbers"
    assert isinstance(national, int) and isinstance(provincial, int)
    if not 0 < provincial <= national:
        return "provincial_min_wan must be above 0 and at most national_min_wan"
    return None


@register(
    "registered_capital", {InputKind.NUMBER}, CAPITAL_PARAMS, _capital_params, reads_facts=True
)
def _registered_capital(ctx: RuleContext) -> Proposal | None:
    """Registered capital against the licensing minimum for the coverage: national (or a
    cross-regional licence) needs the national minimum, one province the provincial one
    (电信业务经营许可管理办法, 2017: RMB 10 million across provinces, RMB 1 million in one)."""
    from vaudit.audits.regulatory.licence import parse_licence_number

    facts = ctx.facts
    number = parse_licence_number(facts.get("licence_number") or "")
    national = facts.get("coverage", "national") == "national" or bool(
        number and number.cross_regional
    )
    floor_wan = int(ctx.params["national_min_wan" if national else "provincial_min_wan"])
    where = (
        Text("全国或跨省经营", "national or cross-province")
        if national
        else Text("省内经营", "one province")
    )
    capital = facts.get("registered_capital_yuan")
    if not isinstance(capital, int) and ctx.value is not None and not isinstance(ctx.value, str):
        capital = int(Decimal(str(ctx.value)) * 10_000)
    findings: list[Finding] = []
    if not isinstance(capital, int):
        findings.append(_missing("capital", "注册资本", "the registered capital"))
    elif capital < floor_wan * 10_000:
        findings.append(
            failed(
                "capital",
                f"注册资本 {capital / 10_000:g} 万元，低于{where.zh}的最低限额 {floor_wan} 万元",
                f"registered capital RMB {capital:,} is below the RMB {floor_wan * 10_000:,} "
                f"minimum for {where.en} operation",
            )
        )
    else:
        findings.append(
            passed(
                "capital",
                f"注册资本 {capital / 10_000:g} 万元，达到{where.zh}的最低限额 {floor_wan} 万元",
                f"registered capital RMB {capital:,} meets the RMB {floor_wan * 10_000:,} "
                f"minimum for {where.en} operation",
            )
        )
    if number is not None:
        findings.extend(_funding("capital.funding", number, facts))
    return proposal_from(findings)


@register("licence_cross_regional", {InputKind.YESNO}, reads_facts=True)
def _licence_cross_regional(ctx: RuleContext) -> Proposal | None:
    """Nationwide sending needs an SMS licence (B2, B25 scope) issued by MIIT: a number without a
    province prefix."""
    from vaudit.audits.regulatory.licence import (
        check_sms_category,
        diagnose,
        parse_licence_number,
    )

    raw = ctx.facts.get("licence_number") or ""
    if not raw:
        return proposal_from([_missing("licence.number", "许可证编号", "the licence number")])
    number = parse_licence_number(raw)
    if number is None:
        return proposal_from([diagnose(raw)])
    findings = check_sms_category(number, ctx.facts.get("licence_scope"))
    if number.cross_regional:
        findings.append(
            passed(
                "licence.cross_regional",
                f"{number.text} 由工信部颁发，可跨地区经营",
                f"{number.text} is issued by MIIT and valid across provinces",
            )
        )
    else:
        findings.append(
            failed(
                "licence.cross_regional",
                f"{number.text} 为 {number.province} 省级许可，只能在本省经营；"
                "全国发送需工信部颁发的跨地区许可",
                f"{number.text} is a provincial licence ({number.province}) valid in that "
                "province only; nationwide sending needs a cross-regional licence from MIIT",
            )
        )
    return proposal_from(findings)


@register("port_changes_filed", {InputKind.CHOICE}, reads_facts=True)
def _port_changes_filed(ctx: RuleContext) -> Proposal | None:
    """Each recorded sending-port change: filed first, filed late, or unfiled with its timeline."""
    from vaudit.audits.regulatory.port_change import check_port_changes
    from vaudit.audits.vendor_records import port_changes_from

    changes = port_changes_from(ctx.facts.get("port_changes"))
    return proposal_from(check_port_changes(changes, ctx.today).findings)


def _code_records(ctx: RuleContext) -> list[Any]:
    from vaudit.audits.vendor_records import code_records_from

    # Records written before migration 0005 carry no details; the plain list still names codes.
    return code_records_from(ctx.facts.get("code_records")) or code_records_from(
        ctx.facts.get("access_codes")
    )


@register("code_validity", {InputKind.DATE}, reads_facts=True)
def _code_validity(ctx: RuleContext) -> Proposal | None:
    """Each code's validity end: the certificate's, the licence's for a commercial code, or an
    estimate from the allocation for a non-commercial one."""
    from vaudit.audits.regulatory.code_life import check_code_validity

    expiry = _date(ctx.facts.get("licence_expiry"))
    return proposal_from(check_code_validity(_code_records(ctx), expiry, ctx.today).findings)


@register("code_reclamation", {InputKind.YESNO}, reads_facts=True)
def _code_reclamation(ctx: RuleContext) -> Proposal | None:
    """Grounds on which the vendor's codes could be reclaimed; only unpaid fees is confirmed."""
    from vaudit.audits.regulatory.code_life import check_reclamation

    facts = ctx.facts
    report = check_reclamation(
        _code_records(ctx),
        ctx.today,
        code_fees_unpaid=facts.get("code_fees_unpaid"),
        licence_revoked=facts.get("licence_revoked"),
        annual_report_year=facts.get("annual_report_year"),
        licence_issued_on=_date(facts.get("licence_issued_on")),
    )
    return proposal_from(report.findings)


YEARS_PARAMS = {"years": Param(int), "partial_from_years": Param(int, required=False)}


def _years_params(params: Mapping[str, Any]) -> str | None:
    years, partial = params.get("years"), params.get("partial_from_years")
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        return "years must be a whole number of at least 1"
    if partial is not None and (isinstance(partial, bool) or not 0 <= partial < years):
        return "partial_from_years must be a whole number below years"
    return None


@register("operating_years", {InputKind.DATE}, YEARS_PARAMS, _years_params, reads_facts=True)
def _operating_years(ctx: RuleContext) -> Proposal | None:
    """Years since the real start of business, registration checked against the first contract."""
    from vaudit.audits.regulatory.history import GAP_NOTE, check_operating_years

    report = check_operating_years(
        _date(ctx.facts.get("founded_on")),
        _date(ctx.facts.get("first_contract_on")),
        ctx.today,
        int(ctx.params["years"]),
        ctx.params.get("partial_from_years"),
    )
    # A gap between registration and first contract is said, not scored: the years already
    # count from the later date.
    notes = [f for f in report.findings if f.check == GAP_NOTE]
    proposal = proposal_from(f for f in report.findings if f.check != GAP_NOTE)
    if proposal is None or not notes:
        return proposal
    return Proposal(
        proposal.result,
        Text(
            "；".join([proposal.reason.zh, *(f"提示：{n.message.zh}" for n in notes)]),
            "; ".join([proposal.reason.en, *(f"note: {n.message.en}" for n in notes)]),
        ),
    )


@register(
    "tax_years_consecutive", {InputKind.NUMBER}, YEARS_PARAMS, _years_params, reads_facts=True
)
def _tax_years_consecutive(ctx: RuleContext) -> Proposal | None:
    """Consecutive years of tax certificates up to the last full year."""
    from vaudit.audits.regulatory.history import check_tax_years
    from vaudit.audits.vendor_records import tax_years_from

    report = check_tax_years(
        tax_years_from(ctx.facts.get("tax_years")),
        ctx.today,
        int(ctx.params["years"]),
        ctx.params.get("partial_from_years"),
    )
    return proposal_from(report.findings)


@register("association_membership", {InputKind.CHOICE}, reads_facts=True)
def _association_membership(ctx: RuleContext) -> Proposal | None:
    """Membership year as side evidence; a warning when it is missing or cannot be right."""
    from vaudit.audits.regulatory.history import check_association

    since = ctx.facts.get("association_member_since")
    report = check_association(
        since if isinstance(since, int) else None, _date(ctx.facts.get("founded_on")), ctx.today
    )
    return proposal_from(report.findings)
