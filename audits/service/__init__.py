"""The audit life cycle, as one service the CLI and the TUI both call.

`Service` (facade.py) is the entry point; each concern lives in its own module:

- lookups: rows by id or name, the plain reads
- vendors, selections: vendors' facts; selections, candidates and stages
- lifecycle: start, submit, sign off, revise
- answers, evidence, follow_ups: what auditors record on an item
- read_models, views: one audit's view, summaries, home rows, watch, funnels
- facts: what the named rules read, and what they propose
- snapshots, score_cache: the checklist texts audits are frozen against; cached scores
- integrity: the event chain, signed-off digests, history
- errors, context: the errors raised; what the modules read from the Service
"""

from vaudit.audits.service.answers import AUTO, UNSET
from vaudit.audits.service.errors import AuditError, Locked, NotFound, StaleWrite
from vaudit.audits.service.facade import Service
from vaudit.audits.service.facts import rule_facts
from vaudit.audits.service.lookups import count_rows, scenario_of
from vaudit.audits.service.views import AuditSummary, AuditView, HomeRow, ListedAudit

__all__ = [
    "AUTO",
    "UNSET",
    "AuditError",
    "AuditSummary",
    "AuditView",
    "HomeRow",
    "ListedAudit",
    "Locked",
    "NotFound",
    "Service",
    "StaleWrite",
    "count_rows",
    "rule_facts",
    "scenario_of",
]
