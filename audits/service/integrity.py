"""Checking what was stored: the event log's hash chain, signed-off audits, an audit's history."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence

from sqlmodel import Session, col, select

from vaudit.audits import events, tamper
from vaudit.audits.db import Store
from vaudit.audits.models import Audit, AuditStatus, Blob, ChainHead, Event
from vaudit.audits.rows import row_id
from vaudit.audits.service.lookups import audit_by_id


def verify(store: Store) -> events.ChainReport:
    with store.read() as session:
        return events.verify_chain(session)


def verify_signed_off(store: Store) -> tamper.TamperReport:
    """Compare every signed-off audit with the digest its sign-off event recorded."""
    with store.read() as session:
        return tamper.check_signed_off(session)


def history(store: Store, audit_id: int | str) -> list[Event]:
    """The audit's events, oldest first."""
    with store.read() as session:
        audit = audit_by_id(session, audit_id)
        return list(
            session.exec(
                select(Event).where(Event.audit_id == audit.id).order_by(col(Event.id))
            ).all()
        )


def verify_blobs(store: Store) -> list[str]:
    """The hashes of stored evidence files whose bytes no longer hash to them."""
    bad = []
    with store.read() as session:
        for digest in session.exec(select(Blob.sha256).order_by(col(Blob.sha256))).all():
            content = session.exec(select(Blob.content).where(Blob.sha256 == digest)).one()
            if hashlib.sha256(content).hexdigest() != digest:
                bad.append(digest)
    return bad


def changes_after_sign_off(store: Store, audit_ids: Collection[int]) -> dict[int, list[str]]:
    """For each audit given that is signed off (by its row or by the log): what no longer
    holds, in words: rows that differ from the sign-off digest, a status put back, its own
    events edited or unlinked from the chain. Audits with nothing to report are left out."""
    found: dict[int, list[str]] = {}
    with store.read() as session:
        report = tamper.check_signed_off(session, audit_ids)
        for finding in report.findings:
            found.setdefault(finding.audit_id, []).append(finding.what)
        for audit_id in audit_ids:
            audit = session.get(Audit, audit_id)
            own = session.exec(
                select(Event).where(Event.audit_id == audit_id).order_by(col(Event.id))
            ).all()
            problems = [*_chain_problems(session, own)]
            sealed = any(e.action in tamper.DIGEST_ACTIONS for e in own)
            if audit is not None and audit.status == AuditStatus.SIGNED_OFF and not sealed:
                problems.append("it is signed off, but the log records no sign-off")
            if problems:
                found.setdefault(audit_id, []).extend(problems)
    return found


def _chain_problems(session: Session, own: Sequence[Event]) -> list[str]:
    """Each of the audit's events must hash to itself and sit in the chain: the event before
    it names its hash, the one after it (or the head) names this one's."""
    problems = []
    head = session.get(ChainHead, 1)
    for event in own:
        ident = row_id(event)
        if events.event_hash(event) != event.hash:
            problems.append(f"event {ident} ({event.action}) was changed after it was written")
            continue
        before = session.get(Event, ident - 1) if ident > 1 else None
        if (before.hash if before is not None else "") != event.prev_hash:
            problems.append(f"event {ident} ({event.action}) does not follow the event before it")
        after = session.get(Event, ident + 1)
        if after is not None:
            if after.prev_hash != event.hash:
                problems.append(f"event {ident} ({event.action}) is not the one its next follows")
        elif head is None or head.last_event_id != ident or head.last_hash != event.hash:
            problems.append(f"event {ident} ({event.action}) is not where the log's head says")
    return problems
