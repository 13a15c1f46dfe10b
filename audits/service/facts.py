"""The facts the named rules read, and what the rules propose from them.

A fact rule reads the vendor's recorded facts, the scenario the audit was started in and the
channel test's measurements; an input rule reads only the value the auditor entered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from vaudit.audits.checklist import ChecklistSet, Item
from vaudit.audits.events import IMPORT_ACTION
from vaudit.audits.item_facts import fact_value
from vaudit.audits.models import Event, Vendor
from vaudit.audits.rules import RULES, Proposal, evaluate
from vaudit.audits.scenario import Scenario
from vaudit.audits.values import ValueError_, parse_value
from vaudit.audits.vendor_fields import JSON_FIELDS, VENDOR_FIELDS


def vendor_facts(vendor: Vendor) -> dict[str, Any]:
    """Every fact of a vendor as plain JSON values (lists decoded): what named rules read and
    what vendor events record."""
    facts: dict[str, Any] = {}
    for name in [spec.name for spec in VENDOR_FIELDS] + ["code_records"]:
        value = getattr(vendor, name)
        if name in JSON_FIELDS or name == "code_records":
            with contextlib.suppress(ValueError):  # else kept as stored text, for the event
                value = json.loads(value or "[]")
        facts[name] = value.isoformat() if isinstance(value, dt.date) else value
    return facts


def rule_facts(vendor: Vendor, scenario: Scenario) -> dict[str, Any]:
    """What named rules read: the vendor's facts and the scenario the audit was started in."""
    return vendor_facts(vendor) | {
        "coverage": scenario.coverage,
        "message_kinds": sorted(scenario.message_kinds),
        "industry": scenario.industry,
        "domestic_only": scenario.domestic_only,
    }


def channel_facts(session: Session, audit_id: int) -> dict[str, Any]:
    """The audit's channel-test measurements for the channel rules (empty without a run)."""
    from vaudit.audits.channel.metrics import channel_facts as measured_facts

    facts = measured_facts(session, audit_id)
    if facts:
        from vaudit.audits.channel.reconcile_store import latest_reconciliation

        reconciled = latest_reconciliation(session, audit_id)
        if reconciled is not None:  # the billing rules read it beside the run's metrics
            facts["channel"]["reconciliation"] = reconciled
        return facts
    # An audit imported from a report has no runs here, only the measurements it carried.
    imported = session.exec(
        select(Event.after)
        .where(Event.audit_id == audit_id, Event.action == IMPORT_ACTION)
        .order_by(col(Event.id).desc())
    ).first()
    channel = json.loads(imported or "{}").get("channel")
    return {"channel": channel} if channel else {}


def channel_facts_many(session: Session, audit_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """channel_facts for many audits, with two set-wise queries for the common case (no run)."""
    from vaudit.audits.channel.models import ChannelRun

    with_runs = set(
        session.exec(
            select(ChannelRun.audit_id).where(col(ChannelRun.audit_id).in_(audit_ids)).distinct()
        ).all()
    )
    imported: dict[int, Any] = {}
    for audit_id, after in session.exec(
        select(Event.audit_id, Event.after)
        .where(col(Event.audit_id).in_(audit_ids), Event.action == IMPORT_ACTION)
        .order_by(col(Event.id))
    ).all():
        if audit_id is not None:
            imported[audit_id] = json.loads(after or "{}").get("channel")
    facts: dict[int, dict[str, Any]] = {}
    for audit_id in audit_ids:
        if audit_id in with_runs:
            facts[audit_id] = channel_facts(session, audit_id)
        else:
            channel = imported.get(audit_id)
            facts[audit_id] = {"channel": channel} if channel else {}
    return facts


def propose(
    item: Item,
    canonical_value: str | None,
    on: dt.date,
    facts: Mapping[str, Any] | None = None,
) -> Proposal | None:
    """What the item's rule proposes on the day given, from the stored value (and, for a fact
    rule, the facts); None without a rule, or for an input rule without a usable value."""
    if item.rule is None:
        return None
    typed = None
    if canonical_value is not None:
        try:
            typed = parse_value(item, canonical_value)
        except ValueError_:
            typed = None
    if RULES[item.rule.kind].reads_facts:
        # Fact rules get the value too: channel rules judge it when no run was measured.
        return evaluate(item.rule.kind, item.rule.params, typed, on, facts or {})
    if typed is None:
        return None
    return evaluate(item.rule.kind, item.rule.params, typed, on)


def item_fact_values(checklists: ChecklistSet, facts: Mapping[str, Any]) -> dict[str, str]:
    """The recorded fact each fact-asking item shows as its value, by item id."""
    values = {}
    for item in checklists.items():
        if item.fact is not None:
            value = fact_value(item.fact, facts)
            if value is not None:
                values[item.id] = value
    return values


def rule_value(item: Item, stored: str | None, facts: Mapping[str, Any]) -> str | None:
    """The value an item's rule judges: the recorded fact for an item that asks for one (the
    fact lives on the vendor), else the value stored with the answer."""
    if item.fact is not None:
        recorded = fact_value(item.fact, facts)
        if recorded is not None:
            return recorded
    return stored


def fact_proposals(
    checklists: ChecklistSet,
    vendor: Vendor,
    scenario: Scenario,
    on: dt.date,
    answers: Mapping[str, Any] | None = None,
    measured: Mapping[str, Any] | None = None,
) -> dict[str, Proposal]:
    """What each applicable item whose rule reads the vendor's facts, or that asks for a vendor
    fact, proposes now, by item id."""
    facts = rule_facts(vendor, scenario) | dict(measured or {})
    proposals = {}
    for item in checklists.items():
        if (
            item.rule
            and (RULES[item.rule.kind].reads_facts or item.fact is not None)
            and item.applies_to(scenario)
        ):
            answer = (answers or {}).get(item.id)
            value = rule_value(item, answer.value if answer else None, facts)
            proposal = propose(item, value, on, facts)
            if proposal is not None:
                proposals[item.id] = proposal
    return proposals
