"""Checklist rules over the channel test: they read the audit's latest finished run (facts key
`channel`, see metrics.channel_facts) and propose a result with the measured figure. With no run
yet they judge the value the auditor typed, exactly like the generic rule named in
VALUE_FALLBACK, so a test done by hand is still proposed from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from vaudit.audits.channel import CARRIERS, MAIN_CARRIERS
from vaudit.audits.regulatory import Finding, Level
from vaudit.audits.rules.registry import (
    NUMBER,
    RULES,
    Param,
    Proposal,
    Result,
    RuleContext,
    register,
)
from vaudit.audits.text import Text
from vaudit.audits.values import InputKind

# Each channel rule and the generic rule that judges a typed value when no run exists
# (None: no proposal without a run).
VALUE_FALLBACK: dict[str, str | None] = {
    "channel_carriers": None,
    "channel_cards_mvno": "must_be_yes",
    "channel_cards_ported": "must_be_yes",
    "channel_arrival": "at_least",
    "channel_pseudo_success": "at_most",
    "channel_code_latency": "at_most",
    "channel_slot_gap": "at_most",
    "channel_content_kinds": None,
    "channel_failover_recovery": "at_most",
    "channel_failover_lost": "must_be_no",
    # The billing rules over a reconciliation (rules.billing) fall back the same way.
    "billing_long_split": "must_be_yes",
    "billing_success_definition": "must_be_yes",
}
AT_LEAST = {"threshold": Param(NUMBER), "partial_from": Param(NUMBER, required=False)}
AT_MOST = {"threshold": Param(NUMBER), "partial_to": Param(NUMBER, required=False)}


def _fallback(kind: str, ctx: RuleContext) -> Proposal | None:
    generic = VALUE_FALLBACK[kind]
    if generic is None or ctx.value is None:
        return None
    params = {k: v for k, v in ctx.params.items() if k in RULES[generic].params}
    return RULES[generic].propose(RuleContext(ctx.value, ctx.today, params))


def _measured(run: Mapping[str, Any], proposal: Proposal | None, zh: str, en: str) -> Proposal:
    assert proposal is not None
    n = run["run"]["id"]
    return Proposal(
        proposal.result,
        Text(
            f"通道测试第 {n} 次运行：{zh}；{proposal.reason.zh}",
            f"channel run {n}: {en}; {proposal.reason.en}",
        ),
    )


def _judge(generic: str, value: float, ctx: RuleContext) -> Proposal | None:
    params = {k: v for k, v in ctx.params.items() if k in RULES[generic].params}
    number = Decimal(str(round(value, 2)))
    return RULES[generic].propose(RuleContext(number, ctx.today, params))


def _latest(ctx: RuleContext) -> Mapping[str, Any] | None:
    channel = ctx.facts.get("channel") or {}
    return channel.get("latest")


def _pct(rate: float) -> float:
    return rate * 100


@register("channel_arrival", {InputKind.NUMBER}, AT_LEAST, reads_facts=True)
def _arrival(ctx: RuleContext) -> Proposal | None:
    run = _latest(ctx)
    if run is None or run["overall"]["arrival_rate"] is None:
        return _fallback("channel_arrival", ctx)
    o = run["overall"]
    rate = _pct(o["arrival_rate"])
    return _measured(
        run,
        _judge("at_least", rate, ctx),
        f"手机收到 {o['arrived']}/{o['sent']} 条（{rate:.1f}%）",
        f"{o['arrived']} of {o['sent']} arrived on the handsets ({rate:.1f}%)",
    )


@register("channel_pseudo_success", {InputKind.NUMBER}, AT_MOST, reads_facts=True)
def _pseudo(ctx: RuleContext) -> Proposal | None:
    run = _latest(ctx)
    if run is None or run["overall"]["pseudo_success_rate"] is None:
        return _fallback("channel_pseudo_success", ctx)
    o = run["overall"]
    rate = _pct(o["pseudo_success_rate"])
    proposal = _measured(
        run,
        _judge("at_most", rate, ctx),
        f"报告成功 {o['dlr_delivered']} 条中手机未收到 {o['pseudo_success']} 条（{rate:.1f}%）",
        f"{o['pseudo_success']} of {o['dlr_delivered']} reported delivered never reached the "
        f"handset ({rate:.1f}%)",
    )
    return _with_signs(proposal, o.get("fake_reports"))


def _with_signs(proposal: Proposal, signs: Mapping[str, Any] | None) -> Proposal:
    """Other signs of fake reports: DELIVRD implausibly fast, or for only some parts of a long
    message. Any of them makes a passing rate partial: the reports cannot be taken as true."""
    if not signs or not (signs["fast_delivered"] or signs["partial_parts"]):
        return proposal
    fast, parts, limit = signs["fast_delivered"], signs["partial_parts"], signs["fast_delivered_s"]
    result = Result.PARTIAL if proposal.result == Result.PASS else proposal.result
    return Proposal(
        result,
        Text(
            f"{proposal.reason.zh}；另有 {fast} 条在提交后 {limit:g} 秒内即报告成功，"
            f"{parts} 条长短信只有部分分段有终态报告",
            f"{proposal.reason.en}; also {fast} reported delivered within {limit:g} s of "
            f"submission and {parts} long message(s) had final reports for only some parts",
        ),
    )


@register("channel_code_latency", {InputKind.NUMBER}, AT_MOST, reads_facts=True)
def _code_latency(ctx: RuleContext) -> Proposal | None:
    run = _latest(ctx)
    codes = (run or {}).get("by_kind", {}).get("verification")
    p95 = codes["latency_handset_s"]["p95"] if codes else None
    if run is None or p95 is None:
        return _fallback("channel_code_latency", ctx)
    return _measured(
        run,
        _judge("at_most", p95, ctx),
        f"验证码提交到手机收到的 95 分位时延 {p95:.1f} 秒",
        f"verification codes reached the handset within {p95:.1f} s at the 95th percentile",
    )


CHINA_TIME = dt.timedelta(hours=8)  # runs are stamped in UTC; holidays are mainland dates


def _holiday_check(holiday: Mapping[str, Any]) -> Finding | None:
    """The holiday slot's run date against the holiday calendar (None: date not recorded)."""
    from vaudit.audits.regulatory.working_days import check_holiday

    started = holiday.get("started_at")
    if not isinstance(started, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(started)
    except ValueError:
        return None
    return check_holiday((moment + CHINA_TIME).date())


@register("channel_slot_gap", {InputKind.NUMBER}, AT_MOST, reads_facts=True)
def _slot_gap(ctx: RuleContext) -> Proposal | None:
    slots = (ctx.facts.get("channel") or {}).get("by_slot", {})
    peak, holiday = slots.get("weekday_peak"), slots.get("holiday")
    if peak is None or holiday is None:
        return _fallback("channel_slot_gap", ctx)
    gap = abs(_pct(peak["arrival_rate"]) - _pct(holiday["arrival_rate"]))
    proposal = _judge("at_most", gap, ctx)
    assert proposal is not None
    result, inline, tail = proposal.result, Text("", ""), Text("", "")
    found = _holiday_check(holiday)
    if found is not None and found.level is not Level.PASS:
        # Not run on a holiday (or not checkable): the comparison does not stand as measured.
        result = Result.FAIL if result is Result.FAIL else Result.PARTIAL
        tail = Text(f"；节假日批次：{found.message.zh}", f"; holiday batch: {found.message.en}")
    elif found is not None:
        inline = Text(f"，{found.message.zh}", f", {found.message.en}")
    return Proposal(
        result,
        Text(
            f"晚高峰（第 {peak['run']} 次）到达率 {_pct(peak['arrival_rate']):.1f}%，节假日"
            f"（第 {holiday['run']} 次{inline.zh}）{_pct(holiday['arrival_rate']):.1f}%，"
            f"相差 {gap:.1f} 个百分点；{proposal.reason.zh}{tail.zh}",
            f"evening peak (run {peak['run']}) {_pct(peak['arrival_rate']):.1f}% arrived, "
            f"holiday (run {holiday['run']}{inline.en}) {_pct(holiday['arrival_rate']):.1f}%: "
            f"a gap of {gap:.1f} points; {proposal.reason.en}{tail.en}",
        ),
    )


@register(
    "channel_content_kinds", {InputKind.CHOICE}, {"threshold": Param(NUMBER)}, reads_facts=True
)
def _content_kinds(ctx: RuleContext) -> Proposal | None:
    run = _latest(ctx)
    if run is None:
        return None
    kinds = {k: s["arrival_rate"] for k, s in run["by_kind"].items() if s["sent"]}
    if not kinds:
        return None
    floor = float(ctx.params["threshold"])
    short = sorted(k for k, rate in kinds.items() if rate is None or _pct(rate) < floor)
    n = run["run"]["id"]
    if not short:
        proposal = Proposal(
            Result.PASS,
            Text(
                f"通道测试第 {n} 次运行：{len(kinds)} 类内容到达率均不低于 {floor:g}%",
                f"channel run {n}: all {len(kinds)} kinds arrived at {floor:g}% or more",
            ),
        )
    else:
        result = Result.FAIL if len(short) * 2 >= len(kinds) else Result.PARTIAL
        listed = ", ".join(f"{k} {_pct(kinds[k] or 0):.1f}%" for k in short)
        proposal = Proposal(
            result,
            Text(
                f"通道测试第 {n} 次运行：低于 {floor:g}% 的内容类型：{listed}",
                f"channel run {n}: kinds below {floor:g}%: {listed}",
            ),
        )
    return _with_content(proposal, run)


def _with_content(proposal: Proposal, run: Mapping[str, Any]) -> Proposal:
    """Marketing messages that arrived without the 【signature】 or the opt-out instruction (a
    commercial SMS must carry one: FAIL), or with other changes (PARTIAL), per carrier."""
    by_carrier = {
        carrier: stats["content"]
        for carrier, stats in sorted(run["by_carrier"].items())
        if "content" in stats
    }
    found = {
        c: v for c, v in by_carrier.items() if v["no_signature"] or v["no_opt_out"] or v["changed"]
    }
    if not found:
        return proposal
    stripped = any(v["no_signature"] or v["no_opt_out"] for v in found.values())
    worst = Result.FAIL if stripped else Result.PARTIAL
    result = worst if proposal.result in (Result.PASS, Result.PARTIAL) else proposal.result
    zh = "；".join(
        f"{CARRIERS[c].zh if c in CARRIERS else c}：营销短信 {v['marketing_arrived']} 条中缺签名 "
        f"{v['no_signature']} 条、缺退订提示 {v['no_opt_out']} 条、内容被改 {v['changed']} 条"
        for c, v in found.items()
    )
    en = "; ".join(
        f"{CARRIERS[c].en if c in CARRIERS else c}: of {v['marketing_arrived']} marketing "
        f"messages {v['no_signature']} arrived without the signature, {v['no_opt_out']} "
        f"without the opt-out, {v['changed']} changed"
        for c, v in found.items()
    )
    return Proposal(result, Text(f"{proposal.reason.zh}；{zh}", f"{proposal.reason.en}; {en}"))


def _carriers_param(params: Mapping[str, Any]) -> str | None:
    wanted = params.get("carriers")
    if wanted is None:
        return None
    if not isinstance(wanted, list) or not wanted or not all(w in CARRIERS for w in wanted):
        return f"carriers must be a non-empty list of: {', '.join(CARRIERS)}"
    return None


@register(
    "channel_carriers",
    {InputKind.CHOICE},
    {"carriers": Param(list, required=False)},
    _carriers_param,
    reads_facts=True,
)
def _carriers(ctx: RuleContext) -> Proposal | None:
    """The basic carriers the latest run's cards covered, against those the checklist asks
    for (without the parameter, the first three, as older checklists asked)."""
    run = _latest(ctx)
    if run is None:
        return None
    wanted = list(ctx.params.get("carriers") or MAIN_CARRIERS)
    covered = [c for c in wanted if c in run["coverage"]["carriers"]]
    missing = [c for c in wanted if c not in covered]
    result = {0: Result.PASS, 1: Result.PARTIAL}.get(len(missing), Result.FAIL)
    n = run["run"]["id"]
    names_zh = "、".join(CARRIERS[c].zh for c in covered) or "无"
    names_en = ", ".join(CARRIERS[c].en for c in covered) or "none"
    text = Text(
        f"通道测试第 {n} 次运行覆盖 {len(covered)}/{len(wanted)} 家基础运营商（{names_zh}）",
        f"channel run {n} covered {len(covered)} of the {len(wanted)} carriers ({names_en})",
    )
    if missing:
        text = Text(
            text.zh + "，缺" + "、".join(CARRIERS[c].zh for c in missing),
            text.en + "; missing " + ", ".join(CARRIERS[c].en for c in missing),
        )
    return Proposal(result, text)


def _coverage_flag(kind: str, flag: str, zh: str, en: str, ctx: RuleContext) -> Proposal | None:
    run = _latest(ctx)
    if run is None:
        return _fallback(kind, ctx)
    n = run["run"]["id"]
    if run["coverage"][flag]:
        return Proposal(
            Result.PASS, Text(f"通道测试第 {n} 次运行包含{zh}", f"channel run {n} included {en}")
        )
    return Proposal(
        Result.FAIL, Text(f"通道测试第 {n} 次运行没有{zh}", f"channel run {n} had no {en}")
    )


@register("channel_cards_mvno", {InputKind.YESNO}, reads_facts=True)
def _mvno(ctx: RuleContext) -> Proposal | None:
    return _coverage_flag(
        "channel_cards_mvno", "mvno", "虚拟运营商测试卡", "a virtual-operator card", ctx
    )


@register("channel_cards_ported", {InputKind.YESNO}, reads_facts=True)
def _ported(ctx: RuleContext) -> Proposal | None:
    return _coverage_flag(
        "channel_cards_ported", "ported", "携号转网测试卡", "a number-ported card", ctx
    )


def _failover(ctx: RuleContext) -> Mapping[str, Any] | None:
    return (ctx.facts.get("channel") or {}).get("failover")


@register("channel_failover_recovery", {InputKind.NUMBER}, AT_MOST, reads_facts=True)
def _failover_recovery(ctx: RuleContext) -> Proposal | None:
    run = _failover(ctx)
    if run is None:
        return _fallback("channel_failover_recovery", ctx)
    f, n = run["failover"], run["run"]["id"]
    if f["outage_started_at"] is None:
        return Proposal(
            Result.PASS,
            Text(
                f"故障演练（第 {n} 次运行）期间没有短信未送达",
                f"during the declared fault (run {n}) every message arrived",
            ),
        )
    if f["time_to_recover_s"] is None:
        return Proposal(
            Result.FAIL,
            Text(
                f"故障演练（第 {n} 次运行）中通道在测试结束前未恢复",
                f"during the declared fault (run {n}) the channel did not recover before the "
                "test ended",
            ),
        )
    seconds = f["time_to_recover_s"]
    return _measured(
        run,
        _judge("at_most", seconds, ctx),
        f"故障后 {seconds:.1f} 秒恢复送达",
        f"messages arrived again {seconds:.1f} s after the fault",
    )


@register("channel_failover_lost", {InputKind.YESNO}, reads_facts=True)
def _failover_lost(ctx: RuleContext) -> Proposal | None:
    run = _failover(ctx)
    if run is None:
        return _fallback("channel_failover_lost", ctx)
    lost, n = run["failover"]["messages_lost"], run["run"]["id"]
    if lost == 0:
        return Proposal(
            Result.PASS,
            Text(f"故障演练（第 {n} 次运行）没有丢失短信", f"no message lost in run {n}"),
        )
    return Proposal(
        Result.FAIL,
        Text(
            f"故障演练（第 {n} 次运行）丢失 {lost} 条短信",
            f"{lost} message(s) lost during the declared fault (run {n})",
        ),
    )
