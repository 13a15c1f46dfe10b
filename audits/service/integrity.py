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
    ids = sorted(set(audit_ids))
    with store.read() as session:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for finding in tamper.check_signed_off(session, chunk).findings:
                found.setdefault(finding.audit_id, []).append(finding.what)
            signed = {
                row_id(audit)
                for audit in session.exec(
                    select(Audit).where(
                        col(Audit.id).in_(chunk), col(Audit.status) == AuditStatus.SIGNED_OFF
                    )
                )
            } | (set(found) & set(chunk))
            if not signed:
                continue
            for audit_id, problems in _own_events_problems(session, sorted(signed)).items():
                found.setdefault(audit_id, []).extend(problems)
    return found


CHUNK = 500  # audits per query: well under SQLite's limit on bound parameters


def _own_events_problems(session: Session, audit_ids: Sequence[int]) -> dict[int, list[str]]:
    """The audits' own events, as the chain holds them: each must hash to itself, the event
    before it must name its hash, and the one after it (or the head) must name this one's.
    And an audit signed off by its row must have a sign-off (or signed import) in the log."""
    own = session.exec(
        select(Event).where(col(Event.audit_id).in_(audit_ids)).order_by(col(Event.id))
    ).all()
    idents = {row_id(e) for e in own}
    wanted = {i - 1 for i in idents} | {i + 1 for i in idents}
    neighbours = {
        row_id(e): e
        for e in session.exec(select(Event).where(col(Event.id).in_(sorted(wanted - idents))))
    } | {row_id(e): e for e in own}
    head = session.get(ChainHead, 1)
    problems: dict[int, list[str]] = {}
    sealed: set[int] = set()
    for event in own:
        ident, audit_id = row_id(event), event.audit_id
        assert audit_id is not None
        if event.action in tamper.DIGEST_ACTIONS:
            sealed.add(audit_id)
        said = problems.setdefault(audit_id, [])
        what = f"event {ident} ({event.action})"
        if events.event_hash(event) != event.hash:
            said.append(f"{what} was changed after it was written")
            continue
        before = neighbours.get(ident - 1)
        if (before.hash if before is not None else "") != event.prev_hash:
            said.append(f"{what} does not follow the event before it in the log")
        after = neighbours.get(ident + 1)
        if after is not None and after.prev_hash != event.hash:
            said.append(f"{what} is not the one the next event follows")
        if after is None and (
            head is None or head.last_event_id != ident or head.last_hash != event.hash
        ):
            said.append(f"{what} is not where the log's head says the log ends")
    for audit in session.exec(
        select(Audit).where(
            col(Audit.id).in_(audit_ids), col(Audit.status) == AuditStatus.SIGNED_OFF
        )
    ):
        if row_id(audit) not in sealed:
            problems.setdefault(row_id(audit), []).append(
                "it is signed off, but the log records no sign-off"
            )
    return {k: v for k, v in problems.items() if v}
