"""Finding rows by what the auditor typed (an id or an exact name), and the plain reads."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlmodel import Session, col, select

from vaudit.audits.checklist import ChecklistSet, Item
from vaudit.audits.db import Store
from vaudit.audits.models import Audit, AuditStatus, Candidate, Event, Selection, Vendor
from vaudit.audits.rows import row_id
from vaudit.audits.scenario import Scenario
from vaudit.audits.service.errors import Locked, NotFound
from vaudit.audits.service.snapshots import SnapshotCache

# The largest id a database column holds (signed 64 bits); a longer run of digits is a name.
LARGEST_ID = 2**63 - 1


def _as_id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 19 and int(text) <= LARGEST_ID else None


def vendor_by_ref(session: Session, ref: str | int) -> Vendor:
    """The vendor with this id or exact name; NotFound otherwise."""
    text = str(ref).strip()
    number = _as_id(text)
    vendor = session.get(Vendor, number) if number is not None else None
    if vendor is None:
        vendor = session.exec(select(Vendor).where(Vendor.name == text)).first()
    if vendor is None:
        raise NotFound(f"no vendor {ref!r} (give its id or exact name; see `vaudit vendors list`)")
    return vendor


def selection_by_ref(session: Session, ref: str | int) -> Selection:
    """The selection with this id or exact name; NotFound otherwise."""
    text = str(ref).strip()
    number = _as_id(text)
    selection = session.get(Selection, number) if number is not None else None
    if selection is None:
        selection = session.exec(select(Selection).where(Selection.name == text)).first()
    if selection is None:
        raise NotFound(
            f"no selection {ref!r} (give its id or exact name; see `vaudit selections list`)"
        )
    return selection


def audit_by_id(session: Session, audit_id: int | str) -> Audit:
    """The audit with this id; NotFound for a missing one or an id that is not a number."""
    try:
        key = int(audit_id)
    except (TypeError, ValueError):
        raise NotFound(f"audit ids are numbers, not {audit_id!r}") from None
    audit = session.get(Audit, key)
    if audit is None:
        raise NotFound(f"no audit {audit_id} (see `vaudit audits list`)")
    return audit


def writable_audit(session: Session, audit_id: int | str) -> Audit:
    """The audit, refused (Locked) once it is signed off."""
    audit = audit_by_id(session, audit_id)
    if audit.status == AuditStatus.SIGNED_OFF:
        raise Locked(
            f"audit {audit.id} was signed off by {audit.signed_off_by} on "
            f"{audit.signed_off_at:%Y-%m-%d}; it is read-only (start a revision with "
            f"`vaudit revise {audit.id}`)"
        )
    return audit


def candidate_of(session: Session, selection: Selection, vendor: Vendor) -> Candidate | None:
    return session.exec(
        select(Candidate).where(
            Candidate.selection_id == selection.id, Candidate.vendor_id == vendor.id
        )
    ).first()


def audit_item(
    session: Session, snapshots: SnapshotCache, audit: Audit, item_id: str
) -> tuple[Item, Scenario, ChecklistSet]:
    """One item of the audit's checklists, with the audit's scenario and checklists."""
    checklists = snapshots.set_of_audit(session, row_id(audit))
    item = checklists.item(item_id)
    if item is None:
        raise NotFound(
            f"audit {audit.id} has no item {item_id!r} (see `vaudit audits show {audit.id}`)"
        )
    return item, Scenario.from_json(audit.scenario), checklists


def audit_stamp(session: Session, audit_id: int) -> int:
    """The id of the newest event on this audit: it changes with every write, by anyone."""
    newest = session.exec(select(sa.func.max(Event.id)).where(Event.audit_id == audit_id)).first()
    return int(newest or 0)


def scenario_of(selection: Selection) -> Scenario:
    return Scenario(
        industry=selection.industry,
        coverage=selection.coverage,
        message_kinds=frozenset(json.loads(selection.message_kinds)),
        monthly_volume=selection.monthly_volume,
    )


def count_rows(store: Store) -> int:
    """How many vendors, selections and audits the database holds (demo refuses non-empty)."""
    with store.read() as session:
        return sum(
            session.exec(select(sa.func.count()).select_from(model)).one()
            for model in (Vendor, Selection, Audit)
        )


def vendors(store: Store) -> list[Vendor]:
    with store.read() as session:
        return list(session.exec(select(Vendor).order_by(col(Vendor.name))).all())


def selections(store: Store) -> list[Selection]:
    with store.read() as session:
        return list(session.exec(select(Selection).order_by(col(Selection.id))).all())


def candidates(store: Store, selection_ref: str | int) -> list[tuple[Candidate, Vendor]]:
    with store.read() as session:
        selection = selection_by_ref(session, selection_ref)
        rows = session.exec(
            select(Candidate, Vendor)
            .join(Vendor, col(Vendor.id) == Candidate.vendor_id)
            .where(Candidate.selection_id == selection.id)
            .order_by(col(Vendor.name))
        ).all()
        return [(c, v) for c, v in rows]
