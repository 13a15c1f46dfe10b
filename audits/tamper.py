"""The sign-off digest: what a signed-off audit held, so a later change behind the tool's back
is found and named.

At sign-off (and when a signed-off audit is imported) one hash per answer and per evidence link
is stored in that event's payload. The event log is hash-chained, so the digest cannot be edited
without breaking the chain; `vaudit verify` recomputes the hashes from the rows as they are now.
This also catches a forger who rewrites answers with the immutability triggers dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from vaudit.audits.events import IMPORT_ACTION, canonical_json
from vaudit.audits.models import ANSWER_FIELDS, Answer, Audit, AuditStatus, Event, Evidence

# The fields of a row that a digest covers: everything a report shows about it.
ANSWER_DIGEST_FIELDS = ("item_id", *ANSWER_FIELDS, "answered_by", "answered_at", "version")
EVIDENCE_DIGEST_FIELDS = (
    "item_id",
    "kind",
    "name",
    "sha256",
    "size",
    "url",
    "note",
    "added_by",
    "added_at",
)
DIGEST_KEY = "sign_off_digest"
# Events whose payload may carry a digest: the sign-off, or the import of a signed-off audit.
DIGEST_ACTIONS = ("audit.signed_off", IMPORT_ACTION)


def _row_hash(row: Any, fields: tuple[str, ...]) -> str:
    values = []
    for name in fields:
        value = getattr(row, name)
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return hashlib.sha256(canonical_json(values).encode("utf-8")).hexdigest()


def audit_digest(session: Session, audit_id: int) -> dict[str, Any]:
    """Hashes of the audit's answers (by item) and evidence links (by id), as stored now."""
    answers = session.exec(
        select(Answer).where(Answer.audit_id == audit_id).order_by(col(Answer.item_id))
    ).all()
    evidence = session.exec(
        select(Evidence).where(Evidence.audit_id == audit_id).order_by(col(Evidence.id))
    ).all()
    return {
        "answers": {a.item_id: _row_hash(a, ANSWER_DIGEST_FIELDS) for a in answers},
        "evidence": {str(e.id): _row_hash(e, EVIDENCE_DIGEST_FIELDS) for e in evidence},
    }


@dataclass(frozen=True)
class TamperFinding:
    audit_id: int
    what: str

    def __str__(self) -> str:
        return f"audit {self.audit_id}: {self.what}"


@dataclass(frozen=True)
class TamperReport:
    checked: int  # signed-off audits compared with their digest
    undigested: int  # signed off before digests existed: nothing to compare
    findings: list[TamperFinding]

    @property
    def ok(self) -> bool:
        return not self.findings


def _compare(audit_id: int, stored: dict[str, Any], now: dict[str, Any]) -> list[TamperFinding]:
    found: list[TamperFinding] = []
    for kind, noun in (("answers", "answer"), ("evidence", "evidence")):
        then, current = stored.get(kind, {}), now[kind]
        for key in sorted(set(then) | set(current)):
            label = f"{noun} {key}"
            if key not in current:
                found.append(TamperFinding(audit_id, f"{label} was removed after sign-off"))
            elif key not in then:
                found.append(TamperFinding(audit_id, f"{label} was added after sign-off"))
            elif then[key] != current[key]:
                found.append(TamperFinding(audit_id, f"{label} was changed after sign-off"))
    return found


def check_signed_off(session: Session, only: Collection[int] | None = None) -> TamperReport:
    """Compare every audit the log says is signed off (or those of `only`) with the digest
    taken at sign-off."""
    latest: dict[int, Event] = {}
    query = select(Event).where(col(Event.entity) == "audit", col(Event.action).like("audit.%"))
    if only is not None:
        query = query.where(col(Event.audit_id).in_(list(only)))
    for event in session.exec(query.order_by(col(Event.id))).all():
        if event.audit_id is not None and event.action != "audit.revise":
            latest[event.audit_id] = event
    findings: list[TamperFinding] = []
    checked = undigested = 0
    for audit_id, event in sorted(latest.items()):
        payload = json.loads(event.after) if event.after else {}
        digest = payload.get(DIGEST_KEY) if isinstance(payload, dict) else None
        if event.action not in DIGEST_ACTIONS or not isinstance(digest, dict):
            if event.action == "audit.signed_off":
                undigested += 1
            continue
        audit = session.get(Audit, audit_id)
        if audit is None:
            findings.append(TamperFinding(audit_id, "the signed-off audit was deleted"))
            continue
        if audit.status != AuditStatus.SIGNED_OFF:
            findings.append(
                TamperFinding(
                    audit_id,
                    f"the log says it was signed off but it is now {audit.status}",
                )
            )
        checked += 1
        findings.extend(_compare(audit_id, digest, audit_digest(session, audit_id)))
    return TamperReport(checked, undigested, findings)
