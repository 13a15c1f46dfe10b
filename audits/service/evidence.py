"""Evidence on an item: files (stored once by SHA-256), web addresses and notes."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlmodel import Session, col, select

from vaudit.audits import events
from vaudit.audits.files import InputFileError, read_input, regular_file_problem
from vaudit.audits.models import Audit, Blob, Evidence, EvidenceKind, utcnow
from vaudit.audits.rows import row_id
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.errors import AuditError, NotFound
from vaudit.audits.service.lookups import audit_by_id, audit_item, writable_audit

MAX_EVIDENCE_BYTES = 100 * 1024 * 1024


def add_evidence_file(
    ctx: ServiceContext, audit_id: int | str, item_id: str, path: Path
) -> Evidence:
    path = Path(path).expanduser()
    problem = regular_file_problem(path)  # a FIFO, /dev/zero or a folder: said as such
    if problem is not None:
        raise AuditError(problem)
    size = path.stat().st_size
    if size > MAX_EVIDENCE_BYTES:
        raise AuditError(
            f"{path.name} is {size / 1e6:.0f} MB; evidence files may be at most "
            f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"
        )
    try:
        content = read_input(path, limit=MAX_EVIDENCE_BYTES)
    except InputFileError as exc:
        raise AuditError(str(exc)) from None
    return add_evidence_bytes(ctx, audit_id, item_id, path.name, content)


def add_evidence_bytes(
    ctx: ServiceContext, audit_id: int | str, item_id: str, name: str, content: bytes
) -> Evidence:
    digest = hashlib.sha256(content).hexdigest()
    with ctx.store.write() as session:
        audit = writable_audit(session, audit_id)
        item, _, _ = audit_item(session, ctx.snapshots, audit, item_id)
        existing = session.exec(
            select(Evidence).where(
                Evidence.audit_id == audit.id,
                Evidence.item_id == item.id,
                Evidence.sha256 == digest,
            )
        ).first()
        if existing is not None:
            store_blob(session, ctx.actor, digest, content)
            return existing
        store_blob(session, ctx.actor, digest, content)
        evidence = Evidence(
            audit_id=row_id(audit),
            item_id=item.id,
            kind=EvidenceKind.FILE,
            name=name[:300],
            sha256=digest,
            size=len(content),
            added_by=ctx.actor,
        )
        return _add(ctx, session, audit, evidence)


def store_blob(session: Session, actor: str, digest: str, content: bytes) -> None:
    """Keep `content` (whose SHA-256 is `digest`) as a blob. A blob already stored under that
    hash is reused only if its bytes still hash to it: one whose bytes were changed (written
    behind the tool's back, or by an older import) is repaired with these, and the repair is
    logged, so genuine evidence is never lost to a poisoned copy."""
    if hashlib.sha256(content).hexdigest() != digest:
        raise AuditError(f"the content does not match its SHA-256 {digest}")
    blob = session.get(Blob, digest)
    if blob is None:
        session.add(Blob(sha256=digest, size=len(content), content=content))
        session.flush()
        return
    if hashlib.sha256(blob.content).hexdigest() == digest:
        return
    before = {"size": blob.size, "content_sha256": hashlib.sha256(blob.content).hexdigest()}
    blob.content = content
    blob.size = len(content)
    session.add(blob)
    session.flush()
    events.append(
        session,
        actor=actor,
        action="blob.repair",
        entity="blob",
        entity_id=digest,
        before=before,
        after={"size": len(content), "content_sha256": digest},
    )


def add_evidence_url(
    ctx: ServiceContext, audit_id: int | str, item_id: str, url: str, note: str | None = None
) -> Evidence:
    url = url.strip()
    if not url.startswith(("http://", "https://")) or " " in url:
        raise AuditError(f"{url!r} is not a web address (http:// or https://)")
    url, stripped = without_credentials(url)
    if stripped:
        note = f"{note}\n{CREDENTIALS_NOTE}" if note else CREDENTIALS_NOTE
    with ctx.store.write() as session:
        audit = writable_audit(session, audit_id)
        item, _, _ = audit_item(session, ctx.snapshots, audit, item_id)
        evidence = Evidence(
            audit_id=row_id(audit),
            item_id=item.id,
            kind=EvidenceKind.URL,
            name=url[:300],
            url=url,
            note=note,
            added_by=ctx.actor,
        )
        return _add(ctx, session, audit, evidence)


CREDENTIALS_NOTE = "vaudit removed the user name and password the address carried (user:pass@)"


def without_credentials(url: str) -> tuple[str, bool]:
    """The address without a `user:password@` part (scheme, host, port, path, query and
    fragment kept), and whether it had one: credentials never reach the database."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, False
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host)), True


def add_evidence_note(
    ctx: ServiceContext, audit_id: int | str, item_id: str, note: str
) -> Evidence:
    text = note.strip()
    if not text:
        raise AuditError("an evidence note needs some text")
    with ctx.store.write() as session:
        audit = writable_audit(session, audit_id)
        item, _, _ = audit_item(session, ctx.snapshots, audit, item_id)
        evidence = Evidence(
            audit_id=row_id(audit),
            item_id=item.id,
            kind=EvidenceKind.NOTE,
            name=text.splitlines()[0][:80],
            note=text,
            added_by=ctx.actor,
        )
        return _add(ctx, session, audit, evidence)


def _add(ctx: ServiceContext, session: Session, audit: Audit, evidence: Evidence) -> Evidence:
    session.add(evidence)
    audit.updated_at = utcnow()
    session.add(audit)
    session.flush()
    events.append(
        session,
        actor=ctx.actor,
        action="evidence.add",
        entity="evidence",
        entity_id=row_id(evidence),
        audit_id=audit.id,
        after={
            "item": evidence.item_id,
            "kind": evidence.kind,
            "name": evidence.name,
            "sha256": evidence.sha256,
            "url": evidence.url,
        },
    )
    return evidence


def evidence_list(
    ctx: ServiceContext, audit_id: int | str, item_id: str | None = None
) -> list[Evidence]:
    with ctx.store.read() as session:
        audit = audit_by_id(session, audit_id)
        query = select(Evidence).where(Evidence.audit_id == audit.id)
        if item_id:
            query = query.where(Evidence.item_id == item_id)
        return list(session.exec(query.order_by(col(Evidence.id))).all())


def evidence_content(ctx: ServiceContext, evidence_id: int) -> tuple[Evidence, bytes]:
    """An evidence file and its content, checked against its SHA-256."""
    with ctx.store.read() as session:
        evidence = session.get(Evidence, evidence_id)
        if evidence is None:
            raise NotFound(f"no evidence {evidence_id}")
        if evidence.sha256 is None:
            raise AuditError(f"evidence {evidence_id} is a {evidence.kind}, not a file")
        blob = session.get(Blob, evidence.sha256)
        assert blob is not None
        content = blob.content
    if hashlib.sha256(content).hexdigest() != evidence.sha256:
        raise AuditError(f"evidence {evidence_id}'s stored content does not match its hash")
    return evidence, content


def set_evidence_expiry(
    ctx: ServiceContext, evidence_id: int, expires_on: dt.date | None
) -> Evidence:
    """Record (or clear, with None) the date an evidence document stops being valid.

    Refused on a signed-off audit like any other edit: the date is part of what was signed
    (it is in the report), so a changed date belongs in a revision.
    """
    with ctx.store.write() as session:
        evidence = session.get(Evidence, evidence_id)
        if evidence is None:
            raise NotFound(f"no evidence {evidence_id} (see `vaudit evidence list AUDIT`)")
        audit = writable_audit(session, evidence.audit_id)
        before = evidence.expires_on
        if before == expires_on:
            return evidence
        evidence.expires_on = expires_on
        session.add(evidence)
        audit.updated_at = utcnow()
        session.add(audit)
        events.append(
            session,
            actor=ctx.actor,
            action="evidence.expiry",
            entity="evidence",
            entity_id=row_id(evidence),
            audit_id=audit.id,
            before={"expires_on": before},
            after={"expires_on": expires_on},
        )
        return evidence
