"""What a report is built from: each audit's view, candidacy, revision chain and findings,
read from the database a chunk of audits at a time."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from vaudit.audits.events import IMPORT_ACTION
from vaudit.audits.models import Audit, Candidate, Event
from vaudit.audits.report.format import utc
from vaudit.audits.rows import row_id
from vaudit.audits.service.facts import vendor_facts
from vaudit.audits.service.views import AuditView
from vaudit.audits.watch import WatchItem, watch

if TYPE_CHECKING:
    from vaudit.audits.service import Service

EXPIRY_HORIZON_DAYS = 90  # findings list what falls due within this many days of `as_of`


@dataclass(frozen=True)
class ReportSource:
    """What one audit's report is built from, read from the database in one go."""

    view: AuditView
    candidate: Candidate | None
    revises: tuple[Mapping[str, Any], ...]  # the revisions before this one, oldest first
    imported_changed: str | None  # digest of a changed report this audit was force-imported from
    as_of: dt.date
    fact_findings: Mapping[str, Any]  # item id -> Proposal, as of `as_of`
    watch_items: tuple[WatchItem, ...]


COLLECT_CHUNK = 200  # audits read per round of set-wise queries when exporting many


def collect_many(service: Service, audit_ids: Sequence[int]) -> Iterator[ReportSource]:
    """Report sources in the order given, read a chunk of audits at a time."""
    for start in range(0, len(audit_ids), COLLECT_CHUNK):
        yield from _collect_chunk(service, audit_ids[start : start + COLLECT_CHUNK])


def _collect_chunk(service: Service, audit_ids: Sequence[int]) -> Iterator[ReportSource]:
    today = service.current_date()
    views = service.views(audit_ids, lambda audit: _as_of(audit, today))
    ids = [row_id(v.audit) for v in views]
    with service.store.read() as session:
        pairs = {(v.audit.selection_id, v.audit.vendor_id) for v in views}
        candidates = {
            (c.selection_id, c.vendor_id): c
            for c in session.exec(
                select(Candidate).where(
                    col(Candidate.vendor_id).in_({vendor for _, vendor in pairs})
                )
            ).all()
        }
        imports: dict[int, list[str | None]] = {}
        for audit_id, after in session.exec(
            select(Event.audit_id, Event.after)
            .where(col(Event.audit_id).in_(ids), Event.action == IMPORT_ACTION)
            .order_by(col(Event.id))
        ).all():
            if audit_id is not None:
                imports.setdefault(audit_id, []).append(after)
        chains: dict[int, list[dict[str, Any]]] = {}
        for view in views:
            chain: list[dict[str, Any]] = []
            previous_id = view.audit.previous_id
            while previous_id is not None:
                previous = session.get(Audit, previous_id)
                if previous is None:
                    break
                chain.append(_chain_entry(previous))
                previous_id = previous.previous_id
            chains[row_id(view.audit)] = chain
    for view in views:
        audit = view.audit
        chain = chains[row_id(audit)]
        imported_changed = None
        for raw in imports.get(row_id(audit), []):
            record = json.loads(raw or "{}")
            if not chain:
                # Revisions that were never imported here are known only from the report.
                chain = [_link_from_record(link) for link in reversed(record.get("revises", []))]
            if not record.get("intact", True):
                imported_changed = record.get("digest")
        as_of = _as_of(audit, today)
        vendor_row = {"id": view.vendor.id, **vendor_facts(view.vendor)}
        yield ReportSource(
            view=view,
            candidate=candidates.get((audit.selection_id, audit.vendor_id)),
            revises=tuple(reversed(chain)),
            imported_changed=imported_changed,
            as_of=as_of,
            fact_findings=view.proposals,  # as of `as_of` (see views() above)
            watch_items=tuple(watch([vendor_row], as_of, EXPIRY_HORIZON_DAYS)),
        )


def _chain_entry(audit: Audit) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": audit.uid, "revision": audit.revision, "status": audit.status}
    if audit.signed_off_at is not None:
        entry["signed_off_at"] = utc(audit.signed_off_at)
    return entry


def _link_from_record(link: Mapping[str, Any]) -> dict[str, Any]:
    """A revision link kept in an import event (JSON) back in the report's own form."""
    entry: dict[str, Any] = {
        "id": str(link["id"]),
        "revision": int(link["revision"]),
        "status": str(link["status"]),
    }
    if link.get("signed_off_at"):
        entry["signed_off_at"] = utc(dt.datetime.fromisoformat(str(link["signed_off_at"])))
    return entry


def _as_of(audit: Audit, today: dt.date) -> dt.date:
    """The day findings are judged on: the sign-off day of a signed-off audit (so its report
    never changes), otherwise today."""
    if audit.signed_off_at is not None:
        return audit.signed_off_at.date()
    return today
