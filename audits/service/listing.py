"""`audits list`: every audit with the score cached on its row, streamed in audit order.

Scoring 100,000 audits to list them took minutes and gigabytes; the cache (score_cache.py) is
what home reads too. Only an audit written before the cache existed is scored here. The failed
gates are not cached: a failed gate is what makes an audit disqualified, so they are read for
the disqualified audits only, from their failed answers, in a second stream kept in step with
the first (both in audit order), so memory stays flat however many audits there are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from vaudit.audits.models import Answer, Audit, AuditChecklist, Candidate, Selection, Vendor
from vaudit.audits.rows import table_of
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import Verdict, cached_reasons, score
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.views import ListedAudit

BATCH = 2000  # rows fetched at a time from each stream


class _InStep:
    """The groups of an audit-ordered stream, taken as another audit-ordered stream reaches
    them (a merge join): only the current group is held in memory."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._groups = groupby(rows, key=itemgetter(0))
        self._next = next(self._groups, None)

    def take(self, audit_id: int) -> list[Sequence[Any]]:
        while self._next is not None and self._next[0] < audit_id:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != audit_id:
            return []
        group = list(self._next[1])
        self._next = next(self._groups, None)
        return group


def _stream(session: Session, query: sa.Select[Any]) -> Iterator[Sequence[Any]]:
    result = session.connection().execution_options(yield_per=BATCH).execute(query)
    for part in result.partitions():
        yield from part


def listed_audits(
    ctx: ServiceContext, selection_id: int | None = None, vendor_id: int | None = None
) -> Iterator[ListedAudit]:
    """Every audit (of one selection or vendor if given), oldest id first, as it is read."""
    a, v, s, c = (table_of(m) for m in (Audit, Vendor, Selection, Candidate))
    ans, links = table_of(Answer), table_of(AuditChecklist)
    wanted = []
    if selection_id is not None:
        wanted.append(a.c.selection_id == selection_id)
    if vendor_id is not None:
        wanted.append(a.c.vendor_id == vendor_id)
    query = (
        sa.select(
            a.c.id,
            a.c.uid,
            v.c.id,
            v.c.name,
            s.c.id,
            s.c.name,
            c.c.stage,
            a.c.status,
            a.c.revision,
            a.c.previous_id,
            a.c.completion,
            a.c.score_total,
            a.c.verdict,
            a.c.started_by,
            a.c.updated_at,
            a.c.signed_off_by,
            a.c.signed_off_at,
            a.c.scenario,
            a.c.verdict_reasons,
        )
        .select_from(a)
        .join(v, v.c.id == a.c.vendor_id)
        .join(s, s.c.id == a.c.selection_id)
        .outerjoin(c, sa.and_(c.c.selection_id == a.c.selection_id, c.c.vendor_id == v.c.id))
        .where(*wanted)
        .order_by(a.c.id)
    )
    disqualified = sa.or_(a.c.verdict == Verdict.DISQUALIFIED.value, a.c.verdict.is_(None))
    failed = (
        sa.select(ans.c.audit_id, ans.c.item_id)
        .join(a, a.c.id == ans.c.audit_id)
        .where(ans.c.result == Result.FAIL.value, disqualified, *wanted)
        .order_by(ans.c.audit_id)
    )
    their_links = (
        sa.select(links.c.audit_id, links.c.snapshot_id)
        .join(a, a.c.id == links.c.audit_id)
        .where(disqualified, *wanted)
        .order_by(links.c.audit_id, links.c.position)
    )
    with ctx.store.read() as session:
        fails = _InStep(_stream(session, failed))
        snapshot_ids = _InStep(_stream(session, their_links))
        scenarios: dict[str, Scenario] = {}
        for row in _stream(session, query):
            audit_id, scenario_json, verdict = row[0], row[17], row[12]
            completion, total = row[10], row[11]
            gates: tuple[str, ...] = ()
            reasons = json.loads(row[18]) if row[18] else []
            if verdict is None or verdict == Verdict.DISQUALIFIED.value:
                ids = [link[1] for link in snapshot_ids.take(audit_id)]
                ctx.snapshots.read(session, ids)
                checklists = ctx.snapshots.checklist_set(ctx.snapshots.rows(ids))
                scenario = scenarios.get(scenario_json) or Scenario.from_json(scenario_json)
                scenarios[scenario_json] = scenario
                failed_items = {f[1] for f in fails.take(audit_id)}
                if verdict is None:  # written before the cache: score it from its answers
                    audit_score = score(checklists, scenario, _results(session, audit_id))
                    completion, total = audit_score.completion, audit_score.total
                    verdict, gates = audit_score.verdict.value, audit_score.failed_gates
                    reasons = json.loads(cached_reasons(audit_score))
                else:
                    gates = tuple(
                        item.id
                        for item in checklists.items()
                        if item.gate and item.id in failed_items and item.applies_to(scenario)
                    )
            yield ListedAudit(
                id=audit_id,
                uid=row[1],
                vendor_id=row[2],
                vendor_name=row[3],
                selection_id=row[4],
                selection_name=row[5],
                stage=row[6],
                status=row[7],
                revision=row[8],
                previous_id=row[9],
                completion=completion,
                score=total,
                verdict=verdict,
                failed_gates=gates,
                started_by=row[13],
                updated_at=row[14],
                signed_off_by=row[15],
                signed_off_at=row[16],
                verdict_reasons=tuple(reasons),
            )


def _results(session: Session, audit_id: int) -> dict[str, Result | None]:
    return {
        item_id: Result(result) if result else None
        for item_id, result in session.exec(
            select(Answer.item_id, Answer.result).where(Answer.audit_id == audit_id)
        ).all()
    }
