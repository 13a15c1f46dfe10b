"""What screens and reports read: one audit's view, many views at once, summaries, the home
table, what is due (watch), and each selection's funnel."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from vaudit.audits.models import (
    Answer,
    Audit,
    AuditChecklist,
    Candidate,
    ChecklistSnapshot,
    Evidence,
    FollowUp,
    Selection,
    Stage,
    Vendor,
)
from vaudit.audits.rows import row_id, table_of
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import results_of, score
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.errors import NotFound
from vaudit.audits.service.facts import (
    channel_facts,
    channel_facts_many,
    fact_proposals,
    item_fact_values,
    vendor_facts,
)
from vaudit.audits.service.follow_ups import follow_ups_by_item
from vaudit.audits.service.lookups import audit_by_id, audit_stamp
from vaudit.audits.service.snapshots import snapshot_links
from vaudit.audits.service.views import AuditSummary, AuditView, HomeRow
from vaudit.audits.watch import DEFAULT_WITHIN_DAYS, WatchedEvidence, WatchedFollowUp, WatchItem
from vaudit.audits.watch import watch as due_items


def view_with_stamp(ctx: ServiceContext, audit_id: int | str) -> tuple[AuditView, int]:
    """The audit's view and its change stamp (see audit_stamp), read in one transaction."""
    with ctx.store.read() as session:
        audit = audit_by_id(session, audit_id)
        key = row_id(audit)
        stamp = audit_stamp(session, key)
        vendor = session.get(Vendor, audit.vendor_id)
        selection = session.get(Selection, audit.selection_id)
        snapshots = ctx.snapshots.of_audit(session, key)
        answers = {
            a.item_id: a for a in session.exec(select(Answer).where(Answer.audit_id == key)).all()
        }
        evidence: dict[str, list[Evidence]] = defaultdict(list)
        for row in session.exec(
            select(Evidence).where(Evidence.audit_id == key).order_by(col(Evidence.id))
        ).all():
            evidence[row.item_id].append(row)
        follow_ups = follow_ups_by_item(session, [key])[key]
        measured = channel_facts(session, key)
    assert vendor is not None and selection is not None
    view = _assemble(
        ctx, audit, vendor, selection, snapshots, answers, dict(evidence), follow_ups, measured
    )
    return view, stamp


def views(
    ctx: ServiceContext,
    audit_ids: Sequence[int],
    proposals_on: Callable[[Audit], dt.date] | None = None,
) -> list[AuditView]:
    """Several audits' views (in the order given), read with a few set-wise queries
    instead of a handful per audit: exporting a thousand reports reads this way.

    The answers are read-only rows with the Answer's fields (not ORM objects, which cost
    as much again to build). `proposals_on` picks the day each audit's fact rules judge
    (default: today)."""
    ids = list(dict.fromkeys(int(i) for i in audit_ids))
    with ctx.store.read() as session:
        audits = {
            row_id(a): a for a in session.exec(select(Audit).where(col(Audit.id).in_(ids))).all()
        }
        missing = [i for i in ids if i not in audits]
        if missing:
            raise NotFound(f"no audit {missing[0]} (see `vaudit audits list`)")
        vendors = {
            row_id(v): v
            for v in session.exec(
                select(Vendor).where(col(Vendor.id).in_({a.vendor_id for a in audits.values()}))
            ).all()
        }
        selections = {
            row_id(s): s
            for s in session.exec(
                select(Selection).where(
                    col(Selection.id).in_({a.selection_id for a in audits.values()})
                )
            ).all()
        }
        links: dict[int, list[int]] = defaultdict(list)
        for audit_id, snapshot_id in session.exec(
            select(AuditChecklist.audit_id, AuditChecklist.snapshot_id)
            .where(col(AuditChecklist.audit_id).in_(ids))
            .order_by(col(AuditChecklist.audit_id), col(AuditChecklist.position))
        ).all():
            links[audit_id].append(snapshot_id)
        ctx.snapshots.read(session, [i for chain in links.values() for i in chain])
        answers: dict[int, dict[str, Any]] = defaultdict(dict)
        for answer in session.execute(
            sa.select(*table_of(Answer).columns).where(col(Answer.audit_id).in_(ids))
        ).all():
            answers[answer.audit_id][answer.item_id] = answer
        measured = channel_facts_many(session, ids)
        evidence: dict[int, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
        for row in session.exec(
            select(Evidence).where(col(Evidence.audit_id).in_(ids)).order_by(col(Evidence.id))
        ).all():
            evidence[row.audit_id][row.item_id].append(row)
        follow_ups = follow_ups_by_item(session, ids)
    return [
        _assemble(
            ctx,
            audits[audit_id],
            vendors[audits[audit_id].vendor_id],
            selections[audits[audit_id].selection_id],
            ctx.snapshots.rows(links[audit_id]),
            answers[audit_id],
            dict(evidence[audit_id]),
            follow_ups[audit_id],
            measured[audit_id],
            proposals_on(audits[audit_id]) if proposals_on else None,
        )
        for audit_id in ids
    ]


def _assemble(
    ctx: ServiceContext,
    audit: Audit,
    vendor: Vendor,
    selection: Selection,
    snapshots: Sequence[ChecklistSnapshot],
    answers: Mapping[str, Any],
    evidence: Mapping[str, list[Evidence]],
    follow_ups: Mapping[str, list[FollowUp]],
    measured: Mapping[str, Any],
    proposals_on: dt.date | None = None,
) -> AuditView:
    """One audit's view from its rows: scored, with what the fact rules propose."""
    checklists = ctx.snapshots.checklist_set(snapshots)
    scenario = Scenario.from_json(audit.scenario)
    results = results_of(answers)
    on = proposals_on or ctx.current_date()
    return AuditView(
        audit,
        vendor,
        selection,
        checklists,
        scenario,
        answers,
        evidence,
        score(checklists, scenario, results),
        tuple(snapshots),
        fact_proposals(checklists, vendor, scenario, on, answers, measured),
        measured,
        follow_ups,
        item_fact_values(checklists, vendor_facts(vendor)),
    )


def summaries(ctx: ServiceContext) -> list[AuditSummary]:
    """Every audit with its score, read in a few set-wise queries (not one per audit)."""
    with ctx.store.read() as session:
        audits = session.exec(select(Audit).order_by(col(Audit.id))).all()
        vendors = {row_id(v): v for v in session.exec(select(Vendor)).all()}
        selections = {row_id(s): s for s in session.exec(select(Selection)).all()}
        stages = {
            (c.selection_id, c.vendor_id): c.stage for c in session.exec(select(Candidate)).all()
        }
        links = snapshot_links(session)
        needed = {sid for ids in links.values() for sid in ids}
        snapshots = {
            row_id(s): s
            for s in session.exec(
                select(ChecklistSnapshot).where(col(ChecklistSnapshot.id).in_(needed))
            ).all()
        }
        results: dict[int, dict[str, Result | None]] = defaultdict(dict)
        for audit_id, item_id, result in session.exec(
            select(Answer.audit_id, Answer.item_id, Answer.result)
        ).all():
            results[audit_id][item_id] = Result(result) if result else None
    found = []
    scenarios: dict[str, Scenario] = {}
    for audit in audits:
        key = row_id(audit)
        checklists = ctx.snapshots.checklist_set([snapshots[sid] for sid in links[key]])
        scenario = scenarios.get(audit.scenario) or Scenario.from_json(audit.scenario)
        scenarios[audit.scenario] = scenario
        found.append(
            AuditSummary(
                audit,
                vendors[audit.vendor_id],
                selections[audit.selection_id],
                stages.get((audit.selection_id, audit.vendor_id)),
                score(checklists, scenario, results.get(key, {})),
            )
        )
    return found


def home_rows(ctx: ServiceContext) -> list[HomeRow]:
    """Every audit, and every vendor without one, for the home table: one joined query.

    Scores come from the audit row's cache; an audit written before the cache (or its
    reasons) existed is scored here from its answers (and not written back: reading never writes).
    """
    a, v, s, c = (table_of(m) for m in (Audit, Vendor, Selection, Candidate))
    query = (
        sa.select(
            a.c.id,
            v.c.id,
            v.c.name,
            s.c.id,
            s.c.name,
            c.c.stage,
            a.c.status,
            a.c.revision,
            a.c.completion,
            a.c.score_total,
            a.c.verdict,
            a.c.updated_at,
            a.c.started_by,
            a.c.previous_id,
            a.c.verdict_reasons,
        )
        .select_from(v)
        .outerjoin(a, a.c.vendor_id == v.c.id)
        .outerjoin(s, s.c.id == a.c.selection_id)
        .outerjoin(c, sa.and_(c.c.selection_id == a.c.selection_id, c.c.vendor_id == v.c.id))
        .order_by(v.c.name, a.c.id)
    )
    with ctx.store.read() as session:
        raw = session.connection().execute(query).all()
    rows = [HomeRow(*tuple(r)) for r in raw]
    uncached = {
        r.audit_id
        for r in rows
        if r.audit_id is not None and (r.verdict is None or r.reasons is None)
    }
    if uncached:
        by_id = {x.audit.id: x.score for x in summaries(ctx) if x.audit.id in uncached}
        rows = [r if r.audit_id not in by_id else r.with_score(by_id[r.audit_id]) for r in rows]
    return rows


def watch(ctx: ServiceContext, within_days: int | None = None) -> list[WatchItem]:
    """What is expired or will expire within the days given, across all vendors."""
    with ctx.store.read() as session:
        vendors = [
            {"id": v.id, **vendor_facts(v)}
            for v in session.exec(select(Vendor).order_by(col(Vendor.name))).all()
        ]
        # A revision copies its audit's evidence: watch only the newest copy.
        superseded = set(
            session.exec(select(Audit.previous_id).where(col(Audit.previous_id).is_not(None)))
        )
        evidence = [
            WatchedEvidence(row_id(ev), row_id(a), a.vendor_id, ev.item_id, ev.name, expires_on)
            for ev, a in session.exec(
                select(Evidence, Audit)
                .join(Audit, col(Audit.id) == col(Evidence.audit_id))
                .where(col(Evidence.expires_on).is_not(None))
            ).all()
            if a.id not in superseded and (expires_on := ev.expires_on) is not None
        ]
        follow_ups = [
            WatchedFollowUp(
                row_id(f), row_id(a), a.vendor_id, f.item_id, f.what, f.owed_by, f.due_on
            )
            for f, a in session.exec(
                select(FollowUp, Audit)
                .join(Audit, col(Audit.id) == col(FollowUp.audit_id))
                .where(col(FollowUp.done).is_(False))
            ).all()
        ]
    days = DEFAULT_WITHIN_DAYS if within_days is None else within_days
    return due_items(vendors, ctx.current_date(), days, evidence, follow_ups)


def funnels(ctx: ServiceContext) -> list[tuple[Selection, dict[str, int]]]:
    """Each selection with how many candidates stand at each stage."""
    with ctx.store.read() as session:
        selections = session.exec(select(Selection).order_by(col(Selection.name))).all()
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for selection_id, stage, n in session.exec(
            select(Candidate.selection_id, Candidate.stage, sa.func.count()).group_by(
                col(Candidate.selection_id), col(Candidate.stage)
            )
        ).all():
            counts[selection_id][stage] = n
    return [
        (sel, {st.value: counts[row_id(sel)].get(st.value, 0) for st in Stage})
        for sel in selections
    ]
