"""An audit, its score, evidence and follow-ups as the JSON the CLI prints (`--json`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vaudit.audits.models import FollowUp


def score_json(score: Any) -> dict[str, Any]:
    return {
        "total": round(score.total, 2),
        "completion": round(score.completion, 4),
        "verdict": score.verdict.value,
        "failed_gates": list(score.failed_gates),
        "critical_findings": list(score.critical_findings),
        "verdict_reasons": [r.as_dict() for r in score.verdict_reasons],
        "applicable": score.applicable,
        "answered": score.answered,
        "sections": [
            {
                "id": s.id,
                "weight": s.weight,
                "score": None if s.score is None else round(s.score, 2),
                "applicable": s.applicable,
                "answered": s.answered,
                "failed_gates": list(s.failed_gates),
            }
            for s in score.sections
        ],
    }


def listed_json(row: Any) -> dict[str, Any]:
    """An `audits list --json` entry (a ListedAudit): its cached score, names and failed gates."""
    return {
        "id": row.id,
        "uid": row.uid,
        "vendor": row.vendor_name,
        "vendor_id": row.vendor_id,
        "selection": row.selection_name,
        "selection_id": row.selection_id,
        "stage": row.stage,
        "status": row.status,
        "revision": row.revision,
        "previous_id": row.previous_id,
        "completion": round(row.completion, 4),
        "score": round(row.score, 2),
        "verdict": row.verdict,
        "failed_gates": list(row.failed_gates),
        "critical_findings": [
            item
            for reason in row.verdict_reasons
            if reason.get("kind") in ("critical_failed", "critical_open")
            for item in reason.get("items", [])
        ],
        "verdict_reasons": list(row.verdict_reasons),
        "started_by": row.started_by,
        "updated_at": row.updated_at.isoformat(),
        "signed_off_by": row.signed_off_by,
        "signed_off_at": row.signed_off_at.isoformat() if row.signed_off_at else None,
    }


def view_json(view: Any, today: dt.date) -> dict[str, Any]:
    a = view.audit
    items = []
    for item in view.checklists.items():
        answer = view.answers.get(item.id)
        current = current_proposal(view, item.id)
        items.append(
            {
                "id": item.id,
                "applicable": item.applies_to(view.scenario),
                "gate": item.gate,
                "severity": item.severity.value,
                "weight": item.weight,
                "result": answer.result if answer else None,
                "value": answer.value if answer else None,
                "note": answer.note if answer else None,
                "rule": answer.rule if answer else (item.rule.kind if item.rule else None),
                "proposed_result": answer.proposed_result if answer else None,
                "proposal_reason": (
                    {"zh": answer.proposal_reason_zh, "en": answer.proposal_reason_en}
                    if answer and answer.proposed_result
                    else None
                ),
                # What the rule proposes now, before or after answering (the vendor's facts
                # as recorded now for a rule over them; else what was stored with the answer).
                "proposal": current,
                "fact": item.fact,
                "fact_value": view.fact_values.get(item.id),
                "shown_value": view.shown_value(item.id),
                "overridden": bool(answer and answer.overridden),
                "answered_by": answer.answered_by if answer else None,
                "answered_at": answer.answered_at.isoformat() if answer else None,
                "version": answer.version if answer else 0,
                "evidence": [evidence_json(e) for e in view.evidence.get(item.id, [])],
                "follow_ups": [follow_up_json(f, today) for f in view.follow_ups.get(item.id, [])],
            }
        )
    return {
        "id": a.id,
        "uid": a.uid,
        "status": a.status,
        "revision": a.revision,
        "previous_id": a.previous_id,
        "vendor": view.vendor.name,
        "selection": view.selection.name,
        "started_by": a.started_by,
        "started_at": a.started_at.isoformat(),
        "signed_off_by": a.signed_off_by,
        "signed_off_at": a.signed_off_at.isoformat() if a.signed_off_at else None,
        "score": score_json(view.score),
        "items": items,
        "checklists": [
            {"name": s.name, "id": s.checklist_id, "version": s.version, "sha256": s.sha256}
            for s in view.snapshots
        ],
    }


def current_proposal(view: Any, item_id: str) -> dict[str, Any] | None:
    """The item's proposal as shown before it is answered: live from the vendor's facts where
    a rule reads them or the item asks for a fact, else the one stored with the answer."""
    live = view.proposals.get(item_id)
    if live is not None:
        return {"result": live.result.value, "reason": live.reason.as_dict()}
    answer = view.answers.get(item_id)
    if answer is not None and answer.proposed_result:
        return {
            "result": answer.proposed_result,
            "reason": {
                "zh": answer.proposal_reason_zh or "",
                "en": answer.proposal_reason_en or "",
            },
        }
    return None


def follow_up_json(follow_up: FollowUp, today: dt.date) -> dict[str, Any]:
    """A follow-up as `followups list --json` and `audits show --json` print it: what its
    events record, and who made it, whether it is overdue, and its version."""
    from vaudit.audits.service.follow_ups import follow_up_state  # loaded by then: not for --help

    return {
        "id": follow_up.id,
        "audit": follow_up.audit_id,
        **follow_up_state(follow_up),
        "overdue": not follow_up.done and follow_up.due_on < today,
        "done_at": follow_up.done_at.isoformat() if follow_up.done_at else None,
        "done_by": follow_up.done_by,
        "created_by": follow_up.created_by,
        "created_at": follow_up.created_at.isoformat(),
        "version": follow_up.version,
    }


def evidence_json(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "item": e.item_id,
        "kind": e.kind,
        "name": e.name,
        "sha256": e.sha256,
        "size": e.size,
        "url": e.url,
        "note": e.note,
        "added_by": e.added_by,
        "added_at": e.added_at.isoformat(),
        "expires_on": e.expires_on.isoformat() if e.expires_on else None,
    }
