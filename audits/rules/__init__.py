"""Rules propose a result and a reason from an item's value or the vendor's facts.

Importing this package loads every rule module, so `RULES` here is the full registry:

  registry  Result, Proposal, RuleContext, `register` and `evaluate`; imports no rule module
  generic   rules over the value the auditor entered (thresholds, dates, yes/no)
  named     rules over the vendor's recorded facts and the selection's scenario
  channel   rules over the audit's latest channel-test run
  billing   rules over the audit's latest billing reconciliation
"""

# Each rule module registers its kinds when imported.
from vaudit.audits.rules import billing, channel, generic, named  # noqa: F401
from vaudit.audits.rules.registry import (
    NUMBER,
    RULES,
    Param,
    Proposal,
    Result,
    RuleContext,
    RuleFn,
    RuleKind,
    evaluate,
    register,
)

__all__ = [
    "NUMBER",
    "RULES",
    "Param",
    "Proposal",
    "Result",
    "RuleContext",
    "RuleFn",
    "RuleKind",
    "evaluate",
    "register",
]
