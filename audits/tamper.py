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
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from vaudit.audits.events import IMPORT_ACTION, canonical_json
from vaudit.audits.models import ANSWER_FIELDS, Answer, Audit, AuditStatus, Event, Evidence
from vaudit.audits.rows import table_of

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


def row_hash(values: Sequence[Any]) -> str:
    """The digest hash of one row, given the values of its digest fields in order."""
    shown = [value.isoformat() if hasattr(value, "isoformat") else value for value in values]
    return hashlib.sha256(canonical_json(shown).encode("utf-8")).hexdigest()


def _row_hash(row: Any, fields: tuple[str, ...]) -> str:
    return row_hash([getattr(row, name) for name in fields])


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


def _compare(
    audit_id: int, kind: str, noun: str, stored: dict[str, Any], current: dict[str, str]
) -> list[TamperFinding]:
    found: list[TamperFinding] = []
    then = stored.get(kind, {})
    for key in sorted(set(then) | set(current)):
        label = f"{noun} {key}"
        if key not in current:
            found.append(TamperFinding(audit_id, f"{label} was removed after sign-off"))
        elif key not in then:
            found.append(TamperFinding(audit_id, f"{label} was added after sign-off"))
        elif then[key] != current[key]:
            found.append(TamperFinding(audit_id, f"{label} was changed after sign-off"))
    return found


def _digests(session: Session) -> tuple[dict[int, dict[str, Any]], int]:
    """The digest each audit's latest audit event recorded, if that event carries one; and how
    many audits were signed off before digests existed. One query."""
    e = table_of(Event)
    latest = (
        sa.select(sa.func.max(e.c.id))
        .where(
            e.c.entity == "audit",
            e.c.action.like("audit.%"),
            e.c.action != "audit.revise",
            e.c.audit_id.is_not(None),
        )
        .group_by(e.c.audit_id)
    )
    query = (
        sa.select(e.c.audit_id, e.c.action, e.c.after)
        .where(e.c.id.in_(latest), e.c.action.in_(DIGEST_ACTIONS))
        .order_by(e.c.audit_id)
    )
    digests: dict[int, dict[str, Any]] = {}
    undigested = 0
    for audit_id, action, after in session.connection().execute(query):
        payload = json.loads(after) if after else {}
        digest = payload.get(DIGEST_KEY) if isinstance(payload, dict) else None
        if isinstance(digest, dict):
            digests[audit_id] = digest
        elif action == "audit.signed_off":
            undigested += 1
    return digests, undigested


def _current_hashes(
    session: Session, model: type[Any], key: str, fields: tuple[str, ...], audit_ids: Any
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each audit's rows of one table as {key: hash}, audit by audit, in one streamed query."""
    t = table_of(model)
    query = (
        sa.select(t.c.audit_id, t.c[key], *(t.c[name] for name in fields))
        .where(t.c.audit_id.in_(audit_ids))
        .order_by(t.c.audit_id, t.c[key])
    )
    rows = session.connection().execution_options(yield_per=10_000).execute(query)
    for audit_id, group in groupby(rows, key=itemgetter(0)):
        yield audit_id, {str(row[1]): row_hash(row[2:]) for row in group}


def check_signed_off(session: Session, only: Collection[int] | None = None) -> TamperReport:
    """Compare every audit the log says is signed off (or those of `only`) with the digest
    taken at sign-off.

    One query per table (events, audits, answers, evidence), over plain rows.
    """
    digests, undigested = _digests(session)
    if only is not None:
        digests = {audit_id: d for audit_id, d in digests.items() if audit_id in only}
    a, e = table_of(Audit), table_of(Event)
    statuses = dict(session.connection().execute(sa.select(a.c.id, a.c.status)).all())
    found: dict[int, list[TamperFinding]] = {audit_id: [] for audit_id in digests}
    for audit_id in digests:
        status = statuses.get(audit_id)
        if status is None:
            found[audit_id].append(TamperFinding(audit_id, "the signed-off audit was deleted"))
        elif status != AuditStatus.SIGNED_OFF:
            found[audit_id].append(
                TamperFinding(audit_id, f"the log says it was signed off but it is now {status}")
            )
    # The audits whose latest event may carry a digest, as a subquery (no long IN lists).
    signed = sa.select(e.c.audit_id).where(e.c.action.in_(DIGEST_ACTIONS)).distinct()
    for kind, noun, model, key, fields in (
        ("answers", "answer", Answer, "item_id", ANSWER_DIGEST_FIELDS),
        ("evidence", "evidence", Evidence, "id", EVIDENCE_DIGEST_FIELDS),
    ):
        seen: set[int] = set()
        for audit_id, current in _current_hashes(session, model, key, fields, signed):
            if audit_id in digests and statuses.get(audit_id) is not None:
                seen.add(audit_id)
                found[audit_id].extend(_compare(audit_id, kind, noun, digests[audit_id], current))
        for audit_id in digests.keys() - seen:
            if statuses.get(audit_id) is not None:
                found[audit_id].extend(_compare(audit_id, kind, noun, digests[audit_id], {}))
    checked = sum(1 for audit_id in digests if statuses.get(audit_id) is not None)
    findings = [f for audit_id in sorted(found) for f in found[audit_id]]
    return TamperReport(checked, undigested, findings)
