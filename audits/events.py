"""The tamper-evident event log: every change appends a row whose hash chains to the last.

Appends lock the single chain-head row, so concurrent writers take turns (on SQLite the
IMMEDIATE write transaction already serialises them). Verification recomputes every hash, checks
that ids run without gaps, and that the head still names the newest row, so an edited, deleted or
appended-behind-our-back row is found and named.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from vaudit.audits.models import ChainHead, Event, utcnow
from vaudit.audits.rows import row_id

# The event that records an audit restored from a report (its payload keeps the report's
# digest and the channel measurements the report carried).
IMPORT_ACTION = "audit.import"


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(event: Event) -> str:
    fields = [
        event.prev_hash,
        event.id,
        event.at.isoformat(),
        event.actor,
        event.action,
        event.entity,
        event.entity_id,
        event.audit_id,
        event.before,
        event.after,
    ]
    if event.db_user is not None:  # only events written since 0008 carry it
        fields.append(event.db_user)
    body = canonical_json(fields)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def database_user(session: Session) -> str | None:
    """Who the database says is writing: the PostgreSQL role (asked once per transaction).

    SQLite has no users: the file's permissions are the only gate, so None there.
    """
    if session.get_bind().dialect.name != "postgresql":
        return None
    if "db_user" not in session.info:
        session.info["db_user"] = (
            session.connection().exec_driver_sql("SELECT current_user").scalar_one()
        )
    user: str = session.info["db_user"]
    return user


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int,
    audit_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> Event:
    head = session.exec(select(ChainHead).where(ChainHead.id == 1).with_for_update()).first()
    if head is None:
        head = ChainHead(id=1, last_event_id=0, last_hash="")
        session.add(head)
    event = Event(
        id=head.last_event_id + 1,
        at=utcnow(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        audit_id=audit_id,
        before=None if before is None else canonical_json(before),
        after=None if after is None else canonical_json(after),
        prev_hash=head.last_hash,
        hash="",
        db_user=database_user(session),
    )
    # The stored timestamp loses sub-microsecond detail on no backend, but round-trip it anyway
    # through the same type so the hash we compute now is the one verify recomputes later.
    event.hash = event_hash(event)
    session.add(event)
    head.last_event_id = row_id(event)
    head.last_hash = event.hash
    session.add(head)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None and self.reason is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    previous_hash = ""
    expected_id = 1
    count = 0
    last_id = 0
    offset_id = 0
    while True:
        rows = session.exec(
            select(Event).where(col(Event.id) > offset_id).order_by(col(Event.id)).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            ident = row_id(row)
            if ident != expected_id:
                missing = expected_id if ident > expected_id else ident
                return ChainReport(
                    count, missing, f"event {missing} is missing (deleted from the log)"
                )
            if row.prev_hash != previous_hash:
                return ChainReport(count, ident, f"event {ident} does not follow event {ident - 1}")
            if event_hash(row) != row.hash:
                return ChainReport(
                    count,
                    ident,
                    f"event {ident} ({row.action} {row.entity} {row.entity_id}) was changed "
                    "after it was written",
                )
            previous_hash = row.hash
            expected_id += 1
            count += 1
            last_id = ident
        offset_id = row_id(rows[-1])
    head = session.get(ChainHead, 1)
    head_id = head.last_event_id if head else 0
    head_hash = head.last_hash if head else ""
    if head_id != last_id or head_hash != previous_hash:
        if head_id > last_id:
            return ChainReport(
                count,
                last_id + 1,
                f"events {last_id + 1} to {head_id} are missing (deleted from the end of the log)",
            )
        return ChainReport(count, last_id, "the log's head does not match its newest event")
    return ChainReport(count)
