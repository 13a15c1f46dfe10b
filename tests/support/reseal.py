"""Re-seal a throw-away database after its rows were pinned behind the tool's back.

Fixtures and the documented example pin times and ids with SQL so that exports are the same
bytes every run. That changes signed-off rows, so export would (rightly) refuse them as changed
after sign-off. Resealing does what a forger with write access to the whole file could: every
sign-off digest is taken again from the rows as they are and the whole event chain is rehashed.
Only for databases made to be thrown away.
"""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from vaudit.audits import events, tamper
from vaudit.audits.models import ChainHead, Event


def reseal(session: Session) -> None:
    previous = ""
    last: Event | None = None
    for event in session.exec(select(Event).order_by(col(Event.id))).all():
        payload = json.loads(event.after) if event.after else None
        if (
            event.action in tamper.DIGEST_ACTIONS
            and isinstance(payload, dict)
            and tamper.DIGEST_KEY in payload
            and event.audit_id is not None
        ):
            payload[tamper.DIGEST_KEY] = tamper.audit_digest(session, event.audit_id)
            event.after = events.canonical_json(payload)
        event.prev_hash = previous
        event.hash = events.event_hash(event)
        previous = event.hash
        session.add(event)
        last = event
    head = session.get(ChainHead, 1)
    if head is not None and last is not None:
        head.last_event_id = last.id or 0
        head.last_hash = previous
        session.add(head)
    session.flush()
