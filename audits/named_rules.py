"""Named rules: propose a result from the vendor's recorded facts and the selection's scenario,
using the regulatory parsers, so the auditor confirms instead of working it out by hand.

Facts arrive in `RuleContext.facts` as the vendor's fields (see service._facts) plus the
scenario's `coverage` and `message_kinds`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from audits.regulatory import Finding, Level
from audits.rules import Proposal, Result, RuleContext, register
from audits.text import Text
from audits.values import InputKind

LEVEL_RESULTS = {Level.PASS: Result.PASS, Level.WARN: Result.PARTIAL, Level.FAIL: Result.FAIL}
REASONS_SHOWN = 3  # a proposal names at most this many findings, worst first


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
    from audits.regulatory.access_code import check_codes

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
    )
    return proposal_from(report.findings)


@register("licence_scope", {InputKind.CHOICE}, reads_facts=True)
def _licence_scope(ctx: RuleContext) -> Proposal | None:
    """The licence's recorded business scope against the SP scope an SMS vendor needs."""
    from audits.regulatory.licence import check_scope

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
