"""The generic rules: judge the value the auditor entered (a number against a threshold, a date
against today, a yes/no answer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from vaudit.audits.rules.registry import NUMBER, Param, Proposal, Result, RuleContext, register
from vaudit.audits.text import Text
from vaudit.audits.values import InputKind


def _num(x: Any) -> Decimal:
    return Decimal(str(x))


def _fmt(x: Any) -> str:
    d = _num(x).normalize()
    return format(d, "f")


def _grade(ok: bool, near: bool) -> Result:
    return Result.PASS if ok else Result.PARTIAL if near else Result.FAIL


def _below(lower: str, upper: str) -> Callable[[Mapping[str, Any]], str | None]:
    def check(params: Mapping[str, Any]) -> str | None:
        if lower in params and upper in params and _num(params[lower]) >= _num(params[upper]):
            return f"{lower} must be less than {upper}"
        return None

    return check


def _say(result: Result, zh: str, en: str) -> Proposal:
    return Proposal(result, Text(zh, en))


@register(
    "at_least",
    {InputKind.NUMBER},
    {"threshold": Param(NUMBER), "partial_from": Param(NUMBER, required=False)},
    _below("partial_from", "threshold"),
)
def _at_least(ctx: RuleContext) -> Proposal | None:
    if not isinstance(ctx.value, Decimal):
        return None
    threshold = _num(ctx.params["threshold"])
    partial_from = ctx.params.get("partial_from")
    v, t = _fmt(ctx.value), _fmt(threshold)
    if ctx.value >= threshold:
        return _say(Result.PASS, f"{v} 达到要求（≥ {t}）", f"{v} meets the minimum of {t}")
    near = partial_from is not None and ctx.value >= _num(partial_from)
    return _say(_grade(False, near), f"{v} 低于要求的 {t}", f"{v} is below the required {t}")


@register(
    "at_most",
    {InputKind.NUMBER},
    {"threshold": Param(NUMBER), "partial_to": Param(NUMBER, required=False)},
    _below("threshold", "partial_to"),
)
def _at_most(ctx: RuleContext) -> Proposal | None:
    if not isinstance(ctx.value, Decimal):
        return None
    threshold = _num(ctx.params["threshold"])
    partial_to = ctx.params.get("partial_to")
    v, t = _fmt(ctx.value), _fmt(threshold)
    if ctx.value <= threshold:
        return _say(Result.PASS, f"{v} 未超过上限 {t}", f"{v} is within the limit of {t}")
    near = partial_to is not None and ctx.value <= _num(partial_to)
    return _say(_grade(False, near), f"{v} 超过上限 {t}", f"{v} exceeds the limit of {t}")


def _whole(name: str, minimum: int) -> Callable[[Mapping[str, Any]], str | None]:
    def check(params: Mapping[str, Any]) -> str | None:
        value = params.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{name} must be a whole number"
        if value < minimum:
            return f"{name} must be at least {minimum}"
        return None

    return check


@register(
    "date_not_passed",
    {InputKind.DATE},
    {"warn_within_days": Param(int)},
    _whole("warn_within_days", 0),
)
def _date_not_passed(ctx: RuleContext) -> Proposal | None:
    if not isinstance(ctx.value, dt.date):
        return None
    left = (ctx.value - ctx.today).days
    warn = int(ctx.params["warn_within_days"])
    d = ctx.value.isoformat()
    if left < 0:
        return _say(
            Result.FAIL, f"已于 {d} 过期（{-left} 天前）", f"expired on {d}, {-left} days ago"
        )
    if left < warn:
        return _say(
            Result.PARTIAL,
            f"{d} 到期，仅剩 {left} 天，已进入 {warn} 天的续期窗口",
            f"expires on {d}, in {left} days: inside the {warn}-day renewal window",
        )
    return _say(Result.PASS, f"有效至 {d}（还有 {left} 天）", f"valid until {d} ({left} days left)")


def _future(d: str) -> Proposal:
    return _say(Result.FAIL, f"日期 {d} 在未来，请核对", f"{d} is in the future; check the date")


@register("date_recent", {InputKind.DATE}, {"max_age_days": Param(int)}, _whole("max_age_days", 1))
def _date_recent(ctx: RuleContext) -> Proposal | None:
    if not isinstance(ctx.value, dt.date):
        return None
    age = (ctx.today - ctx.value).days
    limit = int(ctx.params["max_age_days"])
    d = ctx.value.isoformat()
    if age < 0:
        return _future(d)
    if age > limit:
        return _say(
            Result.FAIL,
            f"{d} 距今 {age} 天，超过 {limit} 天",
            f"{d} is {age} days old, over {limit} days",
        )
    return _say(
        Result.PASS,
        f"{d} 距今 {age} 天，在 {limit} 天内",
        f"{d} is {age} days old, within {limit} days",
    )


def _years_between(start: dt.date, end: dt.date) -> int:
    """Whole years from start to end, counting a year only once its anniversary has come."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


@register(
    "years_since_at_least",
    {InputKind.DATE},
    {"years": Param(NUMBER), "partial_from_years": Param(NUMBER, required=False)},
    _below("partial_from_years", "years"),
)
def _years_since(ctx: RuleContext) -> Proposal | None:
    if not isinstance(ctx.value, dt.date):
        return None
    d = ctx.value.isoformat()
    if ctx.value > ctx.today:
        return _future(d)
    years = _years_between(ctx.value, ctx.today)
    need = _num(ctx.params["years"])
    partial_from = ctx.params.get("partial_from_years")
    n = _fmt(need)
    if years >= need:
        return _say(
            Result.PASS,
            f"自 {d} 起满 {years} 年（要求 ≥ {n} 年）",
            f"{years} years since {d} (at least {n} required)",
        )
    near = partial_from is not None and years >= _num(partial_from)
    return _say(
        _grade(False, near),
        f"自 {d} 起仅 {years} 年，不足 {n} 年",
        f"only {years} years since {d}; {n} required",
    )


@register("must_be_yes", {InputKind.YESNO})
def _must_be_yes(ctx: RuleContext) -> Proposal | None:
    if not isinstance(ctx.value, bool):
        return None
    if ctx.value:
        return _say(Result.PASS, "回答为“是”", "answered yes")
    return _say(Result.FAIL, "回答为“否”，要求为“是”", "answered no; yes is required")


@register("must_be_no", {InputKind.YESNO})
def _must_be_no(ctx: RuleContext) -> Proposal | None:
    if not isinstance(ctx.value, bool):
        return None
    if not ctx.value:
        return _say(Result.PASS, "回答为“否”", "answered no")
    return _say(Result.FAIL, "回答为“是”，这是不可接受的风险", "answered yes: an unacceptable risk")
