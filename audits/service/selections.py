"""Selections (a scenario vendors compete in), their candidates and the stage each stands at."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from vaudit.audits import events
from vaudit.audits.models import Audit, Candidate, Selection, Stage, Vendor, utcnow
from vaudit.audits.rows import row_id
from vaudit.audits.scenario import Scenario
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.errors import AuditError, NotFound
from vaudit.audits.service.funnel import check_override
from vaudit.audits.service.lookups import candidate_of, selection_by_ref, vendor_by_ref

NAME_MAX = 200


def add_selection(
    ctx: ServiceContext, name: str, scenario: Scenario, notes: str | None = None
) -> Selection:
    name = name.strip()
    if not name:
        raise AuditError("a selection needs a name")
    if len(name) > NAME_MAX:
        raise AuditError(f"the name is {len(name)} characters; at most {NAME_MAX} fit")
    data = json.loads(scenario.to_json())
    with ctx.store.write() as session:
        if session.exec(select(Selection).where(Selection.name == name)).first():
            raise AuditError(f"a selection named {name!r} already exists")
        selection = Selection(
            name=name,
            industry=scenario.industry,
            coverage=str(scenario.coverage),
            message_kinds=json.dumps(data["message_kinds"]),
            monthly_volume=scenario.monthly_volume,
            notes=notes,
        )
        session.add(selection)
        session.flush()
        events.append(
            session,
            actor=ctx.actor,
            action="selection.add",
            entity="selection",
            entity_id=row_id(selection),
            after={"name": name, "scenario": data},
        )
        return selection


def add_candidate(
    ctx: ServiceContext, selection_ref: str | int, vendor_ref: str | int
) -> Candidate:
    with ctx.store.write() as session:
        selection = selection_by_ref(session, selection_ref)
        vendor = vendor_by_ref(session, vendor_ref)
        if candidate_of(session, selection, vendor) is not None:
            raise AuditError(f"{vendor.name} is already a candidate in {selection.name}")
        return ensure_candidate(ctx, session, selection, vendor)


def ensure_candidate(
    ctx: ServiceContext, session: Session, selection: Selection, vendor: Vendor
) -> Candidate:
    """The vendor's candidacy in the selection, added at the screening stage if it is new."""
    existing = candidate_of(session, selection, vendor)
    if existing is not None:
        return existing
    candidate = Candidate(
        selection_id=row_id(selection),
        vendor_id=row_id(vendor),
        stage=Stage.SCREENING,
        stage_changed_by=ctx.actor,
    )
    session.add(candidate)
    session.flush()
    events.append(
        session,
        actor=ctx.actor,
        action="candidate.add",
        entity="candidate",
        entity_id=row_id(candidate),
        after={"selection": selection.id, "vendor": vendor.id, "stage": Stage.SCREENING.value},
    )
    return candidate


def _existing_candidate(session: Session, selection: Selection, vendor: Vendor) -> Candidate:
    candidate = candidate_of(session, selection, vendor)
    if candidate is None:
        raise NotFound(f"{vendor.name} is not a candidate in {selection.name}")
    return candidate


def remove_candidate(ctx: ServiceContext, selection_ref: str | int, vendor_ref: str | int) -> None:
    with ctx.store.write() as session:
        selection = selection_by_ref(session, selection_ref)
        vendor = vendor_by_ref(session, vendor_ref)
        candidate = _existing_candidate(session, selection, vendor)
        has_audits = session.exec(
            select(Audit.id).where(Audit.selection_id == selection.id, Audit.vendor_id == vendor.id)
        ).first()
        if has_audits is not None:
            raise AuditError(
                f"{vendor.name} has audits in {selection.name}; move it to 'rejected' "
                "with a reason instead of removing it"
            )
        session.delete(candidate)
        events.append(
            session,
            actor=ctx.actor,
            action="candidate.remove",
            entity="candidate",
            entity_id=row_id(candidate),
            before={"selection": selection.id, "vendor": vendor.id, "stage": candidate.stage},
        )


def move_stage(
    ctx: ServiceContext,
    selection_ref: str | int,
    vendor_ref: str | int,
    stage: str,
    reason: str | None = None,
    override: str | None = None,
) -> Candidate:
    """Move a candidate to a stage; a disqualified vendor goes past screening only with an
    `override` note, kept on the candidate and in the event."""
    try:
        target = Stage(stage)
    except ValueError:
        raise AuditError(
            f"unknown stage {stage!r}; one of {', '.join(s.value for s in Stage)}"
        ) from None
    reason = (reason or "").strip() or None
    override = (override or "").strip() or None
    if target is Stage.REJECTED and not reason:
        raise AuditError("rejecting a candidate needs a reason")
    with ctx.store.write() as session:
        selection = selection_by_ref(session, selection_ref)
        vendor = vendor_by_ref(session, vendor_ref)
        candidate = _existing_candidate(session, selection, vendor)
        note = check_override(ctx, session, selection, vendor, target, override)
        if (candidate.stage, candidate.reason, candidate.override_note) == (target, reason, note):
            return candidate
        # "override" appears in the event only where there is one (older events have none).
        before: dict[str, str | None] = {"stage": candidate.stage, "reason": candidate.reason}
        if candidate.override_note:
            before["override"] = candidate.override_note
        candidate.stage = target
        candidate.reason = reason
        candidate.override_note = note
        candidate.stage_changed_at = utcnow()
        candidate.stage_changed_by = ctx.actor
        session.add(candidate)
        events.append(
            session,
            actor=ctx.actor,
            action="candidate.stage",
            entity="candidate",
            entity_id=row_id(candidate),
            before=before,
            after={
                "stage": target.value,
                "reason": reason,
                **({"override": note} if note else {}),
                "selection": selection.id,
                "vendor": vendor.id,
            },
        )
        return candidate
