"""Follow-ups: what someone owes on an item, and by when."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from vaudit.audits import events
from vaudit.audits.models import FOLLOW_UP_WHAT_MAX, Answer, FollowUp, utcnow
from vaudit.audits.rows import row_id
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.errors import AuditError, NotFound, StaleWrite, check_person
from vaudit.audits.service.lookups import audit_by_id, audit_item


def follow_up_state(follow_up: FollowUp) -> dict[str, Any]:
    """What a follow-up event records (and a stale write shows) of a follow-up."""
    return {
        "item": follow_up.item_id,
        "what": follow_up.what,
        "owed_by": follow_up.owed_by,
        "due_on": follow_up.due_on.isoformat(),
        "done": follow_up.done,
        "source_finding": follow_up.source_finding,
    }


def add_follow_up(
    ctx: ServiceContext,
    audit_id: int | str,
    item_id: str,
    what: str,
    owed_by: str,
    due_on: dt.date,
) -> FollowUp:
    """Record what someone owes on an item, and by when.

    Allowed on a signed-off audit: a follow-up tracks the vendor's promise made at or after
    the audit; it changes no answer, score or evidence that was signed.
    """
    what, owed_by = what.strip(), owed_by.strip()
    if not what:
        raise AuditError("a follow-up needs to say what is owed")
    if len(what) > FOLLOW_UP_WHAT_MAX:
        raise AuditError(
            f"what is owed is {len(what)} characters; at most {FOLLOW_UP_WHAT_MAX} fit"
        )
    if not owed_by:
        raise AuditError("a follow-up needs who owes it (--by)")
    check_person(owed_by, "who owes the follow-up")
    with ctx.store.write() as session:
        audit = audit_by_id(session, audit_id)
        item, _, _ = audit_item(session, ctx.snapshots, audit, item_id)
        answer = session.exec(
            select(Answer).where(Answer.audit_id == audit.id, Answer.item_id == item.id)
        ).first()
        follow_up = FollowUp(
            audit_id=row_id(audit),
            item_id=item.id,
            what=what,
            owed_by=owed_by,
            due_on=due_on,
            created_by=ctx.actor,
            source_finding=answer.result if answer else None,
        )
        session.add(follow_up)
        session.flush()
        events.append(
            session,
            actor=ctx.actor,
            action="follow_up.add",
            entity="follow_up",
            entity_id=row_id(follow_up),
            audit_id=audit.id,
            after=follow_up_state(follow_up),
        )
        return follow_up


def set_follow_up_done(
    ctx: ServiceContext, follow_up_id: int, done: bool = True, expected_version: int | None = None
) -> FollowUp:
    """Mark a follow-up done (or reopen it); a stale expected_version is refused."""
    with ctx.store.write() as session:
        follow_up = session.get(FollowUp, follow_up_id)
        if follow_up is None:
            raise NotFound(f"no follow-up {follow_up_id} (see `vaudit followups list`)")
        if expected_version is not None and follow_up.version != expected_version:
            raise StaleWrite(
                f"follow-up {follow_up.id} was changed by someone else "
                f"(now {'done' if follow_up.done else 'open'}, version {follow_up.version})",
                follow_up_state(follow_up),
                {"done": done},
            )
        if follow_up.done == done:
            return follow_up
        before = follow_up_state(follow_up)
        follow_up.done = done
        follow_up.done_at = utcnow() if done else None
        follow_up.done_by = ctx.actor if done else None
        follow_up.version += 1
        session.add(follow_up)
        events.append(
            session,
            actor=ctx.actor,
            action="follow_up.done" if done else "follow_up.reopen",
            entity="follow_up",
            entity_id=row_id(follow_up),
            audit_id=follow_up.audit_id,
            before=before,
            after=follow_up_state(follow_up),
        )
        return follow_up


def follow_ups(
    ctx: ServiceContext,
    audit_id: int | str | None = None,
    item_id: str | None = None,
    open_only: bool = False,
) -> list[FollowUp]:
    """Follow-ups by due date (of one audit, or one item of it, or all)."""
    with ctx.store.read() as session:
        query = select(FollowUp)
        if audit_id is not None:
            query = query.where(FollowUp.audit_id == audit_by_id(session, audit_id).id)
        if item_id is not None:
            query = query.where(FollowUp.item_id == item_id)
        if open_only:
            query = query.where(col(FollowUp.done).is_(False))
        return list(session.exec(query.order_by(col(FollowUp.due_on), col(FollowUp.id))).all())


def follow_ups_by_item(
    session: Session, audit_ids: Sequence[int]
) -> dict[int, dict[str, list[FollowUp]]]:
    """Each audit's follow-ups by item: open ones first, each part by due date then id."""
    found: dict[int, dict[str, list[FollowUp]]] = {a: defaultdict(list) for a in audit_ids}
    for row in session.exec(
        select(FollowUp)
        .where(col(FollowUp.audit_id).in_(audit_ids))
        .order_by(col(FollowUp.done), col(FollowUp.due_on), col(FollowUp.id))
    ).all():
        found[row.audit_id][row.item_id].append(row)
    return {a: dict(items) for a, items in found.items()}
