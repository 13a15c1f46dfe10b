"""Checklist snapshots: the checklist texts an audit was started against, stored by hash.

Snapshots never change, so a service reads each one and parses each combination of them once
per process: opening an audit then reads a few ids instead of every checklist's full text.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from vaudit.audits.checklist import ChecklistSet, set_from_snapshot
from vaudit.audits.models import AuditChecklist, ChecklistSnapshot
from vaudit.audits.rows import row_id


@dataclass
class SnapshotCache:
    """The snapshot rows read so far and the checklist sets parsed from them."""

    _rows: dict[int, ChecklistSnapshot] = field(default_factory=dict)
    _sets: dict[tuple[str, ...], ChecklistSet] = field(default_factory=dict)
    warmed: bool = False

    def checklist_set(self, snapshots: Sequence[ChecklistSnapshot]) -> ChecklistSet:
        """The checklists these snapshots hold, parsed once per combination."""
        key = tuple(s.sha256 for s in snapshots)
        cached = self._sets.get(key)
        if cached is None:
            cached = set_from_snapshot([(s.name, s.text) for s in snapshots])
            self._sets[key] = cached
        return cached

    def read(self, session: Session, ids: Iterable[int]) -> None:
        """Read into the cache the snapshots it does not hold yet."""
        missing = set(ids) - set(self._rows)
        if missing:
            for row in session.exec(
                select(ChecklistSnapshot).where(col(ChecklistSnapshot.id).in_(missing))
            ).all():
                session.expunge(row)
                self._rows[row_id(row)] = row

    def rows(self, ids: Iterable[int]) -> list[ChecklistSnapshot]:
        """Snapshots already read (see read), in the order given."""
        return [self._rows[i] for i in ids]

    def of_audit(self, session: Session, audit_id: int) -> list[ChecklistSnapshot]:
        """The audit's snapshots in position order."""
        ids = session.exec(
            select(AuditChecklist.snapshot_id)
            .where(AuditChecklist.audit_id == audit_id)
            .order_by(col(AuditChecklist.position))
        ).all()
        self.read(session, ids)
        return self.rows(ids)

    def set_of_audit(self, session: Session, audit_id: int) -> ChecklistSet:
        """The checklists the audit was started against."""
        return self.checklist_set(self.of_audit(session, audit_id))

    def warm(self, session: Session) -> None:
        """Parse every checklist combination audits use, ahead of the first open (once: a
        combination added later is parsed when first opened)."""
        if self.warmed:
            return
        combos = {tuple(ids): audit_id for audit_id, ids in snapshot_links(session).items()}
        for audit_id in combos.values():
            self.set_of_audit(session, audit_id)
        self.warmed = True


def snapshot_links(session: Session) -> dict[int, list[int]]:
    """Each audit's checklist snapshot ids, in position order."""
    links: dict[int, list[int]] = defaultdict(list)
    for audit_id, snapshot_id in session.exec(
        select(AuditChecklist.audit_id, AuditChecklist.snapshot_id).order_by(
            col(AuditChecklist.audit_id), col(AuditChecklist.position)
        )
    ).all():
        links[audit_id].append(snapshot_id)
    return links


def sources_of(checklists: ChecklistSet) -> Iterable[tuple[Any, str, int]]:
    """(source, checklist id, version) of the scoring settings and of each checklist."""
    yield checklists.scoring.source, "scoring", checklists.scoring.version
    for checklist in checklists.checklists:
        yield checklist.source, checklist.id, checklist.version


def snapshot_id(session: Session, name: str, checklist_id: str, version: int, text: str) -> int:
    """The id of the snapshot holding this text, stored now if it is new."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    found = session.exec(
        select(ChecklistSnapshot.id).where(ChecklistSnapshot.sha256 == digest)
    ).first()
    if found is not None:
        return found
    snapshot = ChecklistSnapshot(
        sha256=digest, name=name, checklist_id=checklist_id, version=version, text=text
    )
    session.add(snapshot)
    session.flush()
    return row_id(snapshot)
