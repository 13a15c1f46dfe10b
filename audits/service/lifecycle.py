"""An audit's life: started against today's checklists, submitted, signed off, revised."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from vaudit.audits import events, tamper
from vaudit.audits.models import (
    ANSWER_FIELDS,
    Answer,
    Audit,
    AuditChecklist,
    AuditStatus,
    Evidence,
    utcnow,
)
from vaudit.audits.rows import row_id
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.errors import AuditError, check_person
from vaudit.audits.service.lookups import (
    audit_by_id,
    scenario_of,
    selection_by_ref,
    vendor_by_ref,
    writable_audit,
)
from vaudit.audits.service.score_cache import cache_score
from vaudit.audits.service.selections import ensure_candidate
from vaudit.audits.service.snapshots import snapshot_id, sources_of

# A revision carries each answer as it stands, with who answered it and when.
ANSWER_COPIED = (*ANSWER_FIELDS, "item_id", "answered_by", "answered_at")
# ... and each evidence link: what the sign-off digest covers, and the expiry date.
EVIDENCE_COPIED = (*tamper.EVIDENCE_DIGEST_FIELDS, "expires_on")


def start_audit(ctx: ServiceContext, vendor_ref: str | int, selection_ref: str | int) -> Audit:
    """A new draft audit, frozen against the checklists as they are now."""
    checklists = ctx.current_checklists()
    with ctx.store.write() as session:
        vendor = vendor_by_ref(session, vendor_ref)
        selection = selection_by_ref(session, selection_ref)
        ensure_candidate(ctx, session, selection, vendor)
        snapshot_ids = [
            snapshot_id(session, source.name, cid, version, source.text)
            for source, cid, version in sources_of(checklists)
        ]
        audit = Audit(
            vendor_id=row_id(vendor),
            selection_id=row_id(selection),
            scenario=scenario_of(selection).to_json(),
            started_by=ctx.actor,
        )
        session.add(audit)
        session.flush()
        for position, snapshot in enumerate(snapshot_ids):
            session.add(
                AuditChecklist(audit_id=row_id(audit), position=position, snapshot_id=snapshot)
            )
        events.append(
            session,
            actor=ctx.actor,
            action="audit.start",
            entity="audit",
            entity_id=row_id(audit),
            audit_id=audit.id,
            after={
                "vendor": vendor.id,
                "selection": selection.id,
                "checklists": [s.sha256 for s in checklists.sources()],
            },
        )
        cache_score(session, ctx.snapshots, audit, checklists)
        return audit


def submit_for_review(ctx: ServiceContext, audit_id: int | str) -> Audit:
    with ctx.store.write() as session:
        audit = writable_audit(session, audit_id)
        if audit.status == AuditStatus.IN_REVIEW:
            return audit
        return _set_status(ctx, session, audit, AuditStatus.IN_REVIEW)


def sign_off(
    ctx: ServiceContext, audit_id: int | str, by: str, signer_key: str | None = None
) -> Audit:
    """Sign the audit off; `signer_key`, the fingerprint of the key the signer proved to hold
    (`SHA256:…`, as ssh-keygen -l prints it), goes into the event log with the sign-off."""
    by = by.strip()
    if not by:
        raise AuditError("sign-off needs the name of who signs")
    check_person(by, "the signer's name")
    if signer_key is not None and not re.fullmatch(r"SHA256:[A-Za-z0-9+/]{43}", signer_key):
        raise AuditError(f"{signer_key!r} is not a key fingerprint (SHA256:…)")
    with ctx.store.write() as session:
        audit = writable_audit(session, audit_id)
        audit.signed_off_by = by
        audit.signed_off_at = utcnow()
        # The digest goes into the hash-chained sign-off event: `verify` names any answer
        # or evidence link changed afterwards, even with the database's triggers dropped.
        digest = tamper.audit_digest(session, row_id(audit))
        return _set_status(
            ctx,
            session,
            audit,
            AuditStatus.SIGNED_OFF,
            extra={"signed_off_by": by, tamper.DIGEST_KEY: digest}
            | ({"signer_key": signer_key} if signer_key else {}),
        )


def _set_status(
    ctx: ServiceContext,
    session: Session,
    audit: Audit,
    status: AuditStatus,
    extra: Mapping[str, Any] | None = None,
) -> Audit:
    before = {"status": audit.status}
    audit.status = status
    audit.updated_at = utcnow()
    audit.version += 1
    session.add(audit)
    events.append(
        session,
        actor=ctx.actor,
        action=f"audit.{status.value}",
        entity="audit",
        entity_id=row_id(audit),
        audit_id=audit.id,
        before=before,
        after={"status": status.value, **(extra or {})},
    )
    return audit


def revise(ctx: ServiceContext, audit_id: int | str) -> Audit:
    """A new draft revision of a signed-off audit, carrying its answers and evidence."""
    with ctx.store.write() as session:
        old = audit_by_id(session, audit_id)
        if old.status != AuditStatus.SIGNED_OFF:
            raise AuditError(
                f"audit {old.id} is still {old.status.replace('_', ' ')}; edit it directly "
                "(only a signed-off audit is revised)"
            )
        newer = session.exec(select(Audit.id).where(Audit.previous_id == old.id)).first()
        if newer is not None:
            raise AuditError(f"audit {old.id} already has a revision: audit {newer}")
        new = Audit(
            vendor_id=old.vendor_id,
            selection_id=old.selection_id,
            revision=old.revision + 1,
            previous_id=old.id,
            scenario=old.scenario,
            started_by=ctx.actor,
        )
        session.add(new)
        session.flush()
        new_id = row_id(new)
        for link in session.exec(
            select(AuditChecklist).where(AuditChecklist.audit_id == old.id)
        ).all():
            session.add(
                AuditChecklist(
                    audit_id=new_id, position=link.position, snapshot_id=link.snapshot_id
                )
            )
        for answer in session.exec(select(Answer).where(Answer.audit_id == old.id)).all():
            session.add(Answer(**{k: getattr(answer, k) for k in ANSWER_COPIED}, audit_id=new_id))
        for ev in session.exec(select(Evidence).where(Evidence.audit_id == old.id)).all():
            session.add(Evidence(**{k: getattr(ev, k) for k in EVIDENCE_COPIED}, audit_id=new_id))
        session.flush()
        events.append(
            session,
            actor=ctx.actor,
            action="audit.revise",
            entity="audit",
            entity_id=new_id,
            audit_id=new_id,
            after={"previous": old.id, "revision": new.revision},
        )
        cache_score(session, ctx.snapshots, new)
        return new
