"""Billing rules over the audit's latest reconciliation (facts `channel.reconciliation`, see
channel.reconcile): the vendor's statement set against a channel run. Without one they judge
the yes/no the auditor entered, like must_be_yes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vaudit.audits.rules.registry import RULES, Proposal, Result, RuleContext, register
from vaudit.audits.text import Text
from vaudit.audits.values import InputKind


def _reconciliation(ctx: RuleContext) -> Mapping[str, Any] | None:
    channel = ctx.facts.get("channel") or {}
    found: Mapping[str, Any] | None = channel.get("reconciliation")
    return found


def _typed(ctx: RuleContext) -> Proposal | None:
    if ctx.value is None:
        return None
    return RULES["must_be_yes"].propose(RuleContext(ctx.value, ctx.today, {}))


def _source(r: Mapping[str, Any]) -> tuple[str, str]:
    return (
        f"账单 {r['statement']} 与通道测试第 {r['run']} 次运行对账",
        f"statement {r['statement']} reconciled with channel run {r['run']}",
    )


@register("billing_long_split", {InputKind.YESNO}, reads_facts=True)
def _long_split(ctx: RuleContext) -> Proposal | None:
    r = _reconciliation(ctx)
    if r is None:
        return _typed(ctx)
    s = r["segments"]
    zh, en = _source(r)
    if s["overbilled_messages"]:
        return Proposal(
            Result.FAIL,
            Text(
                f"{zh}：{s['overbilled_messages']} 条短信（其中长短信 "
                f"{s['overbilled_long_messages']} 条）计费条数多于 70/67 字规则，共多计 "
                f"{s['overbilled_segments']} 条",
                f"{en}: {s['overbilled_messages']} message(s) ({s['overbilled_long_messages']} "
                f"long) billed above the 70/67 rule, {s['overbilled_segments']} segment(s) "
                "too many",
            ),
        )
    if not s["long_messages_billed"]:
        return _typed(ctx)  # no long message on the statement: nothing to judge the split by
    return Proposal(
        Result.PASS,
        Text(
            f"{zh}：{s['long_messages_billed']} 条长短信均按 70/67 字规则计费（共 "
            f"{s['billed']} 条计费）",
            f"{en}: all {s['long_messages_billed']} long message(s) billed by the 70/67 rule "
            f"({s['billed']} segments billed)",
        ),
    )


@register("billing_success_definition", {InputKind.YESNO}, reads_facts=True)
def _success(ctx: RuleContext) -> Proposal | None:
    r = _reconciliation(ctx)
    if r is None or not r["success"]["billed_as_delivered"]:
        return _typed(ctx)
    s = r["success"]
    zh, en = _source(r)
    if s["not_arrived"] or s["dlr_not_delivered"]:
        return Proposal(
            Result.FAIL,
            Text(
                f"{zh}：按成功计费 {s['billed_as_delivered']} 条，其中手机未收到 "
                f"{s['not_arrived']} 条，状态报告未成功 {s['dlr_not_delivered']} 条",
                f"{en}: {s['billed_as_delivered']} billed as delivered, of which "
                f"{s['not_arrived']} never reached a test handset and "
                f"{s['dlr_not_delivered']} had no delivered report",
            ),
        )
    return Proposal(
        Result.PASS,
        Text(
            f"{zh}：按成功计费的 {s['billed_as_delivered']} 条均有成功回执且手机收到",
            f"{en}: all {s['billed_as_delivered']} billed as delivered were reported "
            "delivered and reached a test handset",
        ),
    )
