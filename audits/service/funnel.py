"""The three-step decision as a funnel: how many candidates reached each step against the
selection's targets, the finalists named primary and backup, and the rule that a disqualified
vendor goes past screening only with an override note."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from vaudit.audits import events
from vaudit.audits.models import Answer, Audit, Candidate, Selection, Stage, Vendor
from vaudit.audits.rows import row_id
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import Verdict, results_of, score
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.errors import AuditError
from vaudit.audits.service.lookups import candidate_of, selection_by_ref, vendor_by_ref

# The funnel's steps and the stages that count as having reached each one.
STEPS: dict[str, tuple[Stage, ...]] = {
    "screening": tuple(Stage),
    "technical_test": (Stage.TECHNICAL_TEST, Stage.NEGOTIATION, Stage.FINALIST),
    "finalist": (Stage.FINALIST,),
}
# The usual shape of a selection (30 screened, 5 tested, 2 finalists: a primary and a backup);
# each selection can set its own.
DEFAULT_TARGETS: dict[str, int] = {"screening": 30, "technical_test": 5, "finalist": 2}
PAST_SCREENING = (Stage.TECHNICAL_TEST, Stage.NEGOTIATION, Stage.FINALIST)


@dataclass(frozen=True, slots=True)
class Funnel:
    selection: Selection
    reached: dict[str, int]  # step → candidates that reached it
    targets: dict[str, int]
    primary: str | None  # vendor names
    backup: str | None
    overrides: tuple[tuple[str, str], ...]  # (vendor, note): disqualified, moved on anyway


def targets_of(selection: Selection) -> dict[str, int]:
    stored = json.loads(selection.funnel_targets) if selection.funnel_targets else {}
    return {step: int(stored.get(step, n)) for step, n in DEFAULT_TARGETS.items()}


def set_targets(ctx: ServiceContext, selection_ref: str | int, targets: dict[str, int]) -> None:
    """Change some of the selection's funnel targets (each ≥ 1, narrowing step by step)."""
    unknown = set(targets) - set(DEFAULT_TARGETS)
    if unknown:
        raise AuditError(f"unknown funnel step(s): {', '.join(sorted(unknown))}")
    with ctx.store.write() as session:
        selection = selection_by_ref(session, selection_ref)
        before = targets_of(selection)
        after = {**before, **targets}
        if any(n < 1 for n in after.values()):
            raise AuditError("a funnel target must be at least 1")
        counts = list(after.values())
        if counts != sorted(counts, reverse=True):
            raise AuditError("funnel targets must narrow: screening ≥ technical test ≥ finalists")
        selection.funnel_targets = json.dumps(after)
        session.add(selection)
        events.append(
            session,
            actor=ctx.actor,
            action="selection.targets",
            entity="selection",
            entity_id=row_id(selection),
            before=before,
            after=after,
        )


def name_finalists(
    ctx: ServiceContext,
    selection_ref: str | int,
    primary_ref: str | int,
    backup_ref: str | int | None = None,
) -> None:
    """Name the primary (and backup) finalist: each must stand at the finalist stage."""
    with ctx.store.write() as session:
        selection = selection_by_ref(session, selection_ref)
        primary = vendor_by_ref(session, primary_ref)
        backup = vendor_by_ref(session, backup_ref) if backup_ref is not None else None
        for vendor in (primary, backup):
            if vendor is None:
                continue
            candidate = candidate_of(session, selection, vendor)
            if candidate is None or candidate.stage != Stage.FINALIST:
                raise AuditError(f"{vendor.name} is not a finalist in {selection.name}")
        if backup is not None and backup.id == primary.id:
            raise AuditError("the primary and the backup must be different vendors")
        before = {"primary": selection.primary_vendor_id, "backup": selection.backup_vendor_id}
        selection.primary_vendor_id = row_id(primary)
        selection.backup_vendor_id = row_id(backup) if backup is not None else None
        session.add(selection)
        events.append(
            session,
            actor=ctx.actor,
            action="selection.finalists",
            entity="selection",
            entity_id=row_id(selection),
            before=before,
            after={"primary": selection.primary_vendor_id, "backup": selection.backup_vendor_id},
        )


def funnel(ctx: ServiceContext, selection_ref: str | int) -> Funnel:
    with ctx.store.read() as session:
        selection = selection_by_ref(session, selection_ref)
        rows = session.exec(
            select(Candidate, Vendor)
            .join(Vendor, col(Vendor.id) == Candidate.vendor_id)
            .where(Candidate.selection_id == selection.id)
        ).all()
        names = {row_id(v): v.name for _, v in rows}
        reached = {
            step: sum(1 for c, _ in rows if Stage(c.stage) in stages)
            for step, stages in STEPS.items()
        }
        overrides = tuple(
            (v.name, c.override_note)
            for c, v in rows
            if c.override_note and Stage(c.stage) in PAST_SCREENING
        )
        # A named finalist who has since left the finalist stage is named no more.
        finalists = {row_id(v) for c, v in rows if c.stage == Stage.FINALIST}

        def named(vendor_id: int | None) -> str | None:
            return names.get(vendor_id) if vendor_id in finalists else None

        return Funnel(
            selection,
            reached,
            targets_of(selection),
            named(selection.primary_vendor_id),
            named(selection.backup_vendor_id),
            overrides,
        )


def latest_verdict(
    ctx: ServiceContext, session: Session, selection: Selection, vendor: Vendor
) -> tuple[Verdict, tuple[str, ...]] | None:
    """The verdict of the vendor's newest audit in the selection and its failed gates (None
    without an audit)."""
    audit = session.exec(
        select(Audit)
        .where(Audit.selection_id == selection.id, Audit.vendor_id == vendor.id)
        .order_by(col(Audit.id).desc())
    ).first()
    if audit is None:
        return None
    rows = session.exec(select(Answer).where(Answer.audit_id == audit.id)).all()
    answers = {a.item_id: a for a in rows}
    checklists = ctx.snapshots.set_of_audit(session, row_id(audit))
    found = score(checklists, Scenario.from_json(audit.scenario), results_of(answers))
    return found.verdict, found.failed_gates


def check_override(
    ctx: ServiceContext,
    session: Session,
    selection: Selection,
    vendor: Vendor,
    target: Stage,
    override: str | None,
) -> str | None:
    """The override note to record, or refuse: a disqualified vendor moves past screening only
    with one. None when the vendor is not disqualified (no note is kept then)."""
    if target not in PAST_SCREENING:
        return None
    latest = latest_verdict(ctx, session, selection, vendor)
    if latest is None or latest[0] is not Verdict.DISQUALIFIED:
        return None
    if not override:
        raise AuditError(
            f"{vendor.name} is disqualified (failed gates: {', '.join(latest[1])}); moving it "
            "past screening needs an override note saying why"
        )
    return override
