"""Checklist rules over the channel test: they read the audit's latest finished run (facts key
`channel`, see metrics.channel_facts) and propose a result with the measured figure. With no run
yet they judge the value the auditor typed, exactly like the generic rule named in
VALUE_FALLBACK, so a test done by hand is still proposed from."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from vaudit.audits.channel import CARRIERS, MAIN_CARRIERS
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
    return _measured(
        run,
        _judge("at_most", rate, ctx),
        f"报告成功 {o['dlr_delivered']} 条中手机未收到 {o['pseudo_success']} 条（{rate:.1f}%）",
        f"{o['pseudo_success']} of {o['dlr_delivered']} reported delivered never reached the "
        f"handset ({rate:.1f}%)",
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


@register("channel_slot_gap", {InputKind.NUMBER}, AT_MOST, reads_facts=True)
def _slot_gap(ctx: RuleContext) -> Proposal | None:
    slots = (ctx.facts.get("channel") or {}).get("by_slot", {})
    peak, holiday = slots.get("weekday_peak"), slots.get("holiday")
    if peak is None or holiday is None:
        return _fallback("channel_slot_gap", ctx)
    gap = abs(_pct(peak["arrival_rate"]) - _pct(holiday["arrival_rate"]))
    proposal = _judge("at_most", gap, ctx)
    assert proposal is not None
    return Proposal(
        proposal.result,
        Text(
            f"晚高峰（第 {peak['run']} 次）到达率 {_pct(peak['arrival_rate']):.1f}%，节假日"
            f"（第 {holiday['run']} 次）{_pct(holiday['arrival_rate']):.1f}%，相差 {gap:.1f} 个"
            f"百分点；{proposal.reason.zh}",
            f"evening peak (run {peak['run']}) {_pct(peak['arrival_rate']):.1f}% arrived, "
            f"holiday (run {holiday['run']}) {_pct(holiday['arrival_rate']):.1f}%: a gap of "
            f"{gap:.1f} points; {proposal.reason.en}",
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
        return Proposal(
            Result.PASS,
            Text(
                f"通道测试第 {n} 次运行：{len(kinds)} 类内容到达率均不低于 {floor:g}%",
                f"channel run {n}: all {len(kinds)} kinds arrived at {floor:g}% or more",
            ),
        )
    result = Result.FAIL if len(short) * 2 >= len(kinds) else Result.PARTIAL
    listed = ", ".join(f"{k} {_pct(kinds[k] or 0):.1f}%" for k in short)
    return Proposal(
        result,
        Text(
            f"通道测试第 {n} 次运行：低于 {floor:g}% 的内容类型：{listed}",
            f"channel run {n}: kinds below {floor:g}%: {listed}",
        ),
    )


@register("channel_carriers", {InputKind.CHOICE}, reads_facts=True)
def _carriers(ctx: RuleContext) -> Proposal | None:
    run = _latest(ctx)
    if run is None:
        return None
    covered = [c for c in MAIN_CARRIERS if c in run["coverage"]["carriers"]]
    result = {3: Result.PASS, 2: Result.PARTIAL}.get(len(covered), Result.FAIL)
    n = run["run"]["id"]
    names_zh = "、".join(CARRIERS[c].zh for c in covered) or "无"
    names_en = ", ".join(CARRIERS[c].en for c in covered) or "none"
    return Proposal(
        result,
        Text(
            f"通道测试第 {n} 次运行覆盖 {len(covered)} 家基础运营商（{names_zh}）",
            f"channel run {n} covered {len(covered)} of the three carriers ({names_en})",
        ),
    )


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
