"""Checking what was stored: the event log's hash chain, signed-off audits, an audit's history."""

from __future__ import annotations

from sqlmodel import col, select

from vaudit.audits import events, tamper
from vaudit.audits.db import Store
from vaudit.audits.models import Event
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
