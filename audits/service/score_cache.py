"""The score kept on each audit row, so that the home table reads it without scoring."""

from __future__ import annotations

from sqlmodel import Session, select

from vaudit.audits.checklist import ChecklistSet
from vaudit.audits.models import Answer, Audit
from vaudit.audits.rows import row_id
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import AuditScore, cached_reasons, score
from vaudit.audits.service.snapshots import SnapshotCache


def cache_score(
    session: Session,
    snapshots: SnapshotCache,
    audit: Audit,
    checklists: ChecklistSet | None = None,
) -> AuditScore:
    """Recompute the audit's score from its stored answers and keep it on the audit row."""
    session.flush()
    if checklists is None:
        checklists = snapshots.set_of_audit(session, row_id(audit))
    results = {
        item_id: Result(result) if result else None
        for item_id, result in session.exec(
            select(Answer.item_id, Answer.result).where(Answer.audit_id == audit.id)
        ).all()
    }
    audit_score = score(checklists, Scenario.from_json(audit.scenario), results)
    audit.score_total = audit_score.total
    audit.completion = audit_score.completion
    audit.verdict = audit_score.verdict.value
    audit.verdict_reasons = cached_reasons(audit_score)
    audit.answered_count = audit_score.answered
    audit.applicable_count = audit_score.applicable
    session.add(audit)
    return audit_score
