"""The rule registry: what a rule proposes, what it may read, and the kinds registered so far.

A rule kind is registered once with the inputs it reads and the parameters it takes from the
checklist data; the checklist loader checks every `rule` table against this registry, so an
unknown kind or a wrong parameter is a checklist error, not a crash at audit time. This module
imports no rule module: `vaudit.audits.rules` loads them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vaudit.audits.text import Text
from vaudit.audits.values import InputKind, TypedValue


class Result(StrEnum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    NA = "na"


@dataclass(frozen=True, slots=True)
class Proposal:
    result: Result
    reason: Text


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may read. Vendor facts and the scenario are for named rules."""

    value: TypedValue | None
    today: dt.date
    params: Mapping[str, Any]
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Param:
    type: type | tuple[type, ...]
    required: bool = True


RuleFn = Callable[[RuleContext], Proposal | None]


@dataclass(frozen=True, slots=True)
class RuleKind:
    name: str
    inputs: frozenset[InputKind]
    params: Mapping[str, Param]
    propose: RuleFn
    check_params: Callable[[Mapping[str, Any]], str | None] | None = None
    # Named rules read the vendor's facts and the scenario, so they can propose before the
    # auditor enters anything; value rules wait for a value.
    reads_facts: bool = False


RULES: dict[str, RuleKind] = {}

NUMBER = (int, float)


def register(
    name: str,
    inputs: set[InputKind],
    params: Mapping[str, Param] | None = None,
    check_params: Callable[[Mapping[str, Any]], str | None] | None = None,
    reads_facts: bool = False,
) -> Callable[[RuleFn], RuleFn]:
    def decorate(fn: RuleFn) -> RuleFn:
        if name in RULES:
            raise RuntimeError(f"rule kind {name!r} registered twice")
        RULES[name] = RuleKind(
            name, frozenset(inputs), dict(params or {}), fn, check_params, reads_facts
        )
        return fn

    return decorate


def evaluate(
    kind: str,
    params: Mapping[str, Any],
    value: TypedValue | None,
    today: dt.date,
    facts: Mapping[str, Any] | None = None,
) -> Proposal | None:
    """Run a registered rule; None when it has nothing to say (e.g. no value yet)."""
    rule = RULES[kind]
    return rule.propose(RuleContext(value=value, today=today, params=params, facts=facts or {}))
