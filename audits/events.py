"""The tamper-evident event log: every change appends a row whose hash chains to the last.

Appends lock the single chain-head row, so concurrent writers take turns (on SQLite the
IMMEDIATE write transaction already serialises them). Verification recomputes every hash, checks
that ids run without gaps, and that the head still names the newest row, so an edited, deleted or
appended-behind-our-back row is found and named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from vaudit.audits.models import ChainHead, Event, utcnow
from vaudit.audits.rows import row_id, table_of

# The event that records an audit restored from a report (its payload keeps the report's
# digest and the channel measurements the report carried).
IMPORT_ACTION = "audit.import"


# One encoder for every call: json.dumps would build a new one each time (verify hashes
# every event of the log).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
)


def canonical_json(data: Any) -> str:
    return _CANONICAL.encode(data)


def _flat_encoder() -> Callable[[list[Any]], str]:
    """canonical_json for a list of plain values, calling the C encoder directly: the same
    text, without JSONEncoder's per-call Python layers (verify hashes every event)."""
    try:
        from _json import make_encoder
    except ImportError:  # an interpreter built without the C accelerator
        return canonical_json
    chunks = make_encoder(None, str, encode_basestring, None, ":", ",", True, False, True)
    return lambda values: "".join(chunks(values, 0))


_encode_flat = _flat_encoder()


# The event columns a hash covers, in order (db_user only when set).
HASHED_COLUMNS = (
    "prev_hash",
    "id",
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "audit_id",
    "before",
    "after",
    "db_user",
)


def hash_of(values: Sequence[Any]) -> str:
    """The hash of an event given its HASHED_COLUMNS values in order; `at` is a datetime or
    its isoformat() text."""
    fields = list(values)
    if not isinstance(fields[2], str):
        fields[2] = fields[2].isoformat()
    if fields[10] is None:  # only events written since 0008 carry db_user
        del fields[10]
    return hashlib.sha256(_encode_flat(fields).encode("utf-8")).hexdigest()


def event_hash(event: Event) -> str:
    return hash_of([getattr(event, name) for name in HASHED_COLUMNS])


def _stored_isoformat(stored: str | dt.datetime) -> str:
    """The isoformat() of a stored event time as the service hashed it (aware, UTC), read
    without building a datetime when SQLite hands back its usual text."""
    if isinstance(stored, str):
        # SQLAlchemy's SQLite text: "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC.
        if len(stored) == 26 and stored[10] == " " and stored[19] == ".":
            fraction = "" if stored.endswith("000000") else stored[19:]
            return f"{stored[:10]}T{stored[11:19]}{fraction}+00:00"
        stored = dt.datetime.fromisoformat(stored)
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=dt.UTC)
    return stored.astimezone(dt.UTC).isoformat()


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


def verify_chain(session: Session, batch: int = 10_000) -> ChainReport:
    """Recompute every event's hash in one pass over plain rows (no ORM objects)."""
    table = table_of(Event)
    # The time as stored (text on SQLite): parsing 180,000 datetimes is a third of the work.
    columns = [
        sa.type_coerce(table.c.at, sa.String) if name == "at" else table.c[name]
        for name in HASHED_COLUMNS
    ]
    query = sa.select(*columns, table.c.hash).order_by(table.c.id)
    previous_hash = ""
    expected_id = 1
    count = 0
    last_id = 0
    rows = session.connection().execution_options(yield_per=batch).execute(query)
    sha256, encode = hashlib.sha256, _encode_flat
    for row in (row for part in rows.partitions() for row in part):
        ident = row[1]
        if ident != expected_id:
            rows.close()
            missing = expected_id if ident > expected_id else ident
            return ChainReport(count, missing, f"event {missing} is missing (deleted from the log)")
        if row[0] != previous_hash:
            rows.close()
            return ChainReport(count, ident, f"event {ident} does not follow event {ident - 1}")
        # hash_of, inlined: this loop runs once per event of the log.
        fields = list(row)
        stored_hash = fields.pop()
        fields[2] = _stored_isoformat(fields[2])
        if fields[10] is None:
            del fields[10]
        if sha256(encode(fields).encode("utf-8")).hexdigest() != stored_hash:
            rows.close()
            return ChainReport(
                count,
                ident,
                f"event {ident} ({row.action} {row.entity} {row.entity_id}) was changed "
                "after it was written",
            )
        previous_hash = stored_hash
        expected_id += 1
        count += 1
        last_id = ident
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
