"""The report's body: every table of the TOML, built in the fixed order it is written in, so
the same audit gives the same bytes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from vaudit.audits import __version__
from vaudit.audits.models import Evidence, EvidenceKind, FollowUp
from vaudit.audits.report.format import (
    FORMAT,
    FORMAT_VERSION,
    bilingual,
    checklist_file,
    evidence_file,
    put,
    rounded,
    utc,
)
from vaudit.audits.report.source import ReportSource
from vaudit.audits.rules import Result
from vaudit.audits.scoring import VERDICT_LABELS, AuditScore
from vaudit.audits.service.views import AuditView
from vaudit.audits.text import Text
from vaudit.audits.values import from_canonical
from vaudit.audits.vendor_fields import VENDOR_FIELDS
from vaudit.audits.vendor_records import code_records_from, port_changes_from, tax_years_from


def _typed(value: Any) -> Any:
    """A stored answer value in its TOML type: bool, date, integer, float, or text."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < 2**63:
            return int(value)
        as_float = float(value)
        # A float only when it reads back as exactly the same decimal; else keep the text.
        return as_float if Decimal(repr(as_float)) == value else format(value.normalize(), "f")
    return value


def vendor_table(vendor: Any) -> dict[str, Any]:
    """Every recorded fact, in form order; the record lists as arrays of tables."""
    table: dict[str, Any] = {"id": vendor.uid}
    for spec in VENDOR_FIELDS:
        if spec.name == "access_codes":
            table["access_codes"] = json.loads(vendor.access_codes or "[]")
            records = [_record(r) for r in code_records_from(vendor.code_records)]
            if any(len(r) > 1 for r in records):  # only when a code has more than its number
                table["code_records"] = records
        elif spec.name == "port_changes":
            changes = [_record(c) for c in port_changes_from(vendor.port_changes)]
            if changes:
                table["port_changes"] = changes
        elif spec.name == "tax_years":
            years = tax_years_from(vendor.tax_years)
            if years:
                table["tax_years"] = years
        else:
            put(table, spec.name, getattr(vendor, spec.name))
    return table


def _record(record: Any) -> dict[str, Any]:
    return {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in asdict(record).items()
        if v is not None
    }


def build(
    source: ReportSource,
    *,
    generated_at: dt.datetime,
    generated_by: str,
    evidence_folder: str | None = None,
) -> dict[str, Any]:
    """The report body (everything but the digest), in the order it is written."""
    view = source.view
    audit, selection, audit_score = view.audit, view.selection, view.score
    header: dict[str, Any] = {
        "tool": "vaudit",
        "tool_version": __version__,
        "generated_at": utc(generated_at),
        "generated_by": generated_by,
        "as_of": source.as_of,
    }
    put(header, "evidence_folder", evidence_folder)

    selection_table: dict[str, Any] = {
        "id": selection.uid,
        "name": selection.name,
        "industry": selection.industry,
        "coverage": selection.coverage,
        "message_kinds": sorted(json.loads(selection.message_kinds)),
    }
    put(selection_table, "monthly_volume", selection.monthly_volume)
    put(selection_table, "notes", selection.notes)
    if source.candidate is not None:
        candidate = source.candidate
        selection_table["stage"] = candidate.stage
        selection_table["stage_changed_at"] = utc(candidate.stage_changed_at)
        selection_table["stage_changed_by"] = candidate.stage_changed_by
        put(selection_table, "stage_reason", candidate.reason)

    scenario = json.loads(view.scenario.to_json())
    scenario_table: dict[str, Any] = {
        "industry": scenario["industry"],
        "coverage": scenario["coverage"],
        "message_kinds": scenario["message_kinds"],
    }
    put(scenario_table, "monthly_volume", scenario["monthly_volume"])

    audit_table: dict[str, Any] = {
        "id": audit.uid,
        "revision": audit.revision,
        "status": audit.status,
        "started_at": utc(audit.started_at),
        "started_by": audit.started_by,
    }
    if audit.signed_off_at is not None:
        audit_table["signed_off_at"] = utc(audit.signed_off_at)
    put(audit_table, "signed_off_by", audit.signed_off_by)
    audit_table["auditors"] = _auditors(view)
    put(audit_table, "imported_from_changed_report", source.imported_changed)
    audit_table["scenario"] = scenario_table
    audit_table["revises"] = [dict(link) for link in source.revises]

    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "header": header,
        "vendor": vendor_table(view.vendor),
        "selection": selection_table,
        "audit": audit_table,
        "score": _score_table(view, audit_score),
        "items": _items(view, source, evidence_folder),
        "findings": _findings(view, source),
        "channel_test": _channel_table(view.measured),
        "checklists": [
            {
                "id": snapshot.checklist_id,
                "name": snapshot.name,
                "version": snapshot.version,
                "sha256": snapshot.sha256,
            }
            | (
                {"file": checklist_file(evidence_folder, snapshot.sha256)}
                if evidence_folder
                else {}
            )
            for snapshot in view.snapshots
        ],
    }
    return body


def _channel_table(measured: Mapping[str, Any]) -> dict[str, Any]:
    """The channel test's summary: readable tables of the latest run (and of the latest run
    during a declared fault), and `facts`, exactly what the channel rules read, as JSON (TOML
    has no null, so the tables leave out what was not measured; import needs it all)."""
    channel = measured.get("channel") if measured else None
    if not channel or not (channel.get("latest") or channel.get("failover")):
        return {"state": "not_run"}
    table: dict[str, Any] = {"state": "measured"}
    for key in ("latest", "failover", "reconciliation"):
        if channel.get(key):
            table[key] = _without_none(channel[key])
    if channel.get("by_slot"):
        table["by_slot"] = _without_none(channel["by_slot"])
    table["facts"] = json.dumps(channel, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return table


def _without_none(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {str(k): _without_none(v) for k, v in sorted(data.items()) if v is not None}
    if isinstance(data, list | tuple):
        return [_without_none(v) for v in data if v is not None]
    return data


def _auditors(view: AuditView) -> list[str]:
    names = {view.audit.started_by}
    names.update(a.answered_by for a in view.answers.values())
    names.update(e.added_by for rows in view.evidence.values() for e in rows)
    if view.audit.signed_off_by:
        names.add(view.audit.signed_off_by)
    return sorted(names)


def _score_table(view: AuditView, audit_score: AuditScore) -> dict[str, Any]:
    settings = view.checklists.scoring
    counted = sum(s.weight for s in audit_score.sections if s.score is not None)
    sections = []
    for section in audit_score.sections:
        entry: dict[str, Any] = {"id": section.id, "title": bilingual(section.title)}
        entry["weight"] = section.weight
        share = section.weight / counted if section.score is not None and counted else 0.0
        entry["share_of_total"] = rounded(share)
        put(entry, "score", None if section.score is None else rounded(section.score))
        entry["applicable"] = section.applicable
        entry["answered"] = section.answered
        entry["failed_gates"] = list(section.failed_gates)
        sections.append(entry)
    return {
        "total": rounded(audit_score.total),
        "verdict": audit_score.verdict.value,
        "verdict_label": bilingual(VERDICT_LABELS[audit_score.verdict]),
        "completion": rounded(audit_score.completion),
        "answered": audit_score.answered,
        "applicable": audit_score.applicable,
        "failed_gates": list(audit_score.failed_gates),
        "critical_findings": list(audit_score.critical_findings),
        "verdict_reasons": verdict_reasons_table(audit_score),
        "points": {result.value: settings.points[result] for result in settings.points},
        "recommended_at_least": settings.recommended_at_least,
        "conditional_at_least": settings.conditional_at_least,
        "sections": sections,
    }


def verdict_reasons_table(audit_score: AuditScore) -> list[dict[str, Any]]:
    """Why the verdict is what it is, one entry per reason: `kind` (failed_gate,
    critical_failed, critical_open, incomplete, below_threshold, score), `label` and `line`
    ({zh, en}: the label alone, and the label with the titles of the items it names), `items`
    (item ids) and, for a critical finding, `caps_at` (the best verdict it allows)."""
    reasons = []
    for reason in audit_score.verdict_reasons:
        entry: dict[str, Any] = {
            "kind": reason.kind.value,
            "label": bilingual(reason.label),
            "line": {"zh": reason.line("zh"), "en": reason.line("en")},
            "items": list(reason.items),
        }
        put(entry, "caps_at", reason.caps_at.value if reason.caps_at else None)
        reasons.append(entry)
    return reasons


_STATIC: dict[int, tuple[Any, dict[str, dict[str, Any]]]] = {}


def _static_fields(checklists: Any) -> dict[str, dict[str, Any]]:
    """Each item's fields that come from the checklist alone, built once per checklist set
    (audits share sets), so that exporting a thousand audits does not rebuild them."""
    cached = _STATIC.get(id(checklists))
    if cached is None or cached[0] is not checklists:
        fields = {
            item.id: {
                "id": item.id,
                "section": item.checklist,
                "group": item.group,
                "title": bilingual(item.title),
                "weight": item.weight,
                "gate": item.gate,
                "severity": item.severity.value,
            }
            | ({"unit": bilingual(item.unit)} if item.unit is not None else {})
            for item in checklists.items()
        }
        cached = _STATIC[id(checklists)] = (checklists, fields)
    return cached[1]


def _items(
    view: AuditView, source: ReportSource, evidence_folder: str | None
) -> list[dict[str, Any]]:
    rows = []
    static = _static_fields(view.checklists)
    for section in view.score.sections:
        for item_score in section.items:
            item = item_score.item
            answer = view.answers.get(item.id)
            entry: dict[str, Any] = dict(static[item.id])
            entry["applicable"] = item_score.applicable
            if answer is not None:
                put(entry, "result", answer.result)
                if answer.value is not None:
                    entry["value"] = _typed(from_canonical(item, answer.value))
                put(entry, "note", answer.note)
                entry["answered_by"] = answer.answered_by
                entry["answered_at"] = utc(answer.answered_at)
            if item_score.applicable:
                entry["points"] = item_score.points
                entry["section_share"] = rounded(item_score.section_share)
                entry["total_share"] = rounded(item_score.total_share)
            if answer is not None and answer.rule:
                proposal: dict[str, Any] = {"rule": answer.rule}
                put(proposal, "result", answer.proposed_result)
                if answer.proposal_reason_zh or answer.proposal_reason_en:
                    proposal["reason"] = {
                        "zh": answer.proposal_reason_zh or "",
                        "en": answer.proposal_reason_en or "",
                    }
                proposal["overridden"] = answer.overridden
                entry["proposal"] = proposal
            elif item.id in source.fact_findings and item_score.applicable:
                # Not answered yet, but a rule reads the vendor's facts: say what it proposes.
                found = source.fact_findings[item.id]
                entry["proposal"] = {
                    "rule": item.rule.kind if item.rule else "",
                    "result": found.result.value,
                    "reason": bilingual(found.reason),
                    "overridden": False,
                }
            evidence = [_evidence_entry(e, evidence_folder) for e in view.evidence.get(item.id, [])]
            if evidence:
                entry["evidence"] = evidence
            follow_ups = [_follow_up_entry(f) for f in view.follow_ups.get(item.id, [])]
            if follow_ups:
                entry["follow_ups"] = follow_ups
            rows.append(entry)
    return rows


def _evidence_entry(evidence: Evidence, evidence_folder: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": evidence.kind, "name": evidence.name}
    if evidence.kind == EvidenceKind.FILE:
        entry["size"] = evidence.size
        entry["sha256"] = evidence.sha256
        if evidence_folder:
            entry["file"] = evidence_file(evidence_folder, evidence.sha256 or "", evidence.name)
    put(entry, "url", evidence.url)
    put(entry, "note", evidence.note)
    entry["added_by"] = evidence.added_by
    entry["added_at"] = utc(evidence.added_at)
    put(entry, "expires_on", evidence.expires_on)
    return entry


def _follow_up_entry(follow_up: FollowUp) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "what": follow_up.what,
        "owed_by": follow_up.owed_by,
        "due_on": follow_up.due_on,
        "done": follow_up.done,
    }
    if follow_up.done_at is not None:
        entry["done_at"] = utc(follow_up.done_at)
    put(entry, "done_by", follow_up.done_by)
    put(entry, "source_finding", follow_up.source_finding)
    entry["created_by"] = follow_up.created_by
    entry["created_at"] = utc(follow_up.created_at)
    return entry


def _findings(view: AuditView, source: ReportSource) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for gate in view.score.failed_gates:
        item = view.checklists.item(gate)
        answer = view.answers.get(gate)
        title = item.title if item else Text(gate, gate)
        entry: dict[str, Any] = {"kind": "failed_gate", "severity": "disqualifying", "item": gate}
        entry["reason"] = {
            "zh": f"一票否决项未通过：{title.zh}",
            "en": f"knockout item failed: {title.en}",
        }
        put(entry, "note", answer.note if answer else None)
        found.append(entry)
    for reason in view.score.verdict_reasons:
        if reason.caps_at is None:
            continue
        for item_id, title in zip(reason.items, reason.titles, strict=True):
            answer = view.answers.get(item_id)
            entry = {"kind": reason.kind.value, "severity": "caps_verdict", "item": item_id}
            entry["caps_at"] = reason.caps_at.value
            entry["reason"] = {
                "zh": f"{reason.label.zh}：{title.zh}",
                "en": f"{reason.label.en}: {title.en}",
            }
            put(entry, "note", answer.note if answer else None)
            found.append(entry)
    for section in view.score.sections:
        for item_score in section.items:
            item = item_score.item
            answer = view.answers.get(item.id)
            if answer is not None and answer.overridden:
                entry = {"kind": "rule_overridden", "severity": "review", "item": item.id}
                entry["reason"] = {
                    "zh": f"规则 {answer.rule} 建议 {answer.proposed_result}，"
                    f"审核员记录 {answer.result}",
                    "en": f"rule {answer.rule} proposed {answer.proposed_result}; "
                    f"the auditor recorded {answer.result}",
                }
                put(entry, "note", answer.note)
                found.append(entry)
            proposal = source.fact_findings.get(item.id)
            if (
                item_score.applicable
                and proposal is not None
                and proposal.result in (Result.FAIL, Result.PARTIAL)
            ):
                severity = "risk" if proposal.result is Result.FAIL else "warning"
                found.append(
                    {
                        "kind": "fact_rule",
                        "severity": severity,
                        "item": item.id,
                        "rule": item.rule.kind if item.rule else "",
                        "reason": bilingual(proposal.reason),
                    }
                )
    for watch_item in source.watch_items:
        overdue = watch_item.due < source.as_of
        found.append(
            {
                "kind": watch_item.kind,
                "severity": "risk" if overdue else "warning",
                "due": watch_item.due,
                "reason": bilingual(watch_item.what),
            }
        )
    return found
