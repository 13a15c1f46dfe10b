"""Answering an item: its result, value and note, checked against the item's rule."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from vaudit.audits import events
from vaudit.audits.item_facts import fact_fields, fact_value
from vaudit.audits.models import ANSWER_FIELDS, Answer, Vendor, utcnow
from vaudit.audits.rows import row_id
from vaudit.audits.rules import RULES, Result
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.errors import AuditError, StaleWrite
from vaudit.audits.service.facts import channel_facts, propose, rule_facts, vendor_facts
from vaudit.audits.service.lookups import audit_item, writable_audit
from vaudit.audits.service.score_cache import cache_score
from vaudit.audits.service.vendors import apply_values
from vaudit.audits.values import parse_value, to_canonical
from vaudit.audits.vendor_fields import parse_vendor_fields


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # a field record_answer leaves as it is
AUTO = "auto"  # a result that takes the rule's proposal
NOTE_MAX = 10_000

EMPTY_ANSWER: dict[str, Any] = {key: None for key in ANSWER_FIELDS} | {"overridden": False}


def answer_state(answer: Answer | None) -> dict[str, Any]:
    if answer is None:
        return dict(EMPTY_ANSWER)
    return {key: getattr(answer, key) for key in ANSWER_FIELDS}


def _record_fact(
    ctx: ServiceContext,
    session: Session,
    vendor: Vendor,
    item_id: str,
    fact: str,
    value: str | None,
    state: dict[str, Any],
) -> None:
    """One source for each fact: a value typed into an item that asks for a vendor fact is
    written to the vendor (a `vendor.edit` event, in this transaction) before the rules run,
    and the item's value is the fact as recorded. Clearing the item's value leaves the vendor's
    record alone (a fact is removed on the vendor, where it shows), so the item shows the fact
    still."""
    if value is not UNSET and state["value"] is not None:
        try:
            texts = fact_fields(fact, state["value"], vendor_facts(vendor))
        except ValueError as exc:
            raise AuditError(f"{item_id}: {exc}") from None
        apply_values(ctx, session, vendor, parse_vendor_fields(texts), None)
    recorded = fact_value(fact, vendor_facts(vendor))
    if recorded is not None:
        state["value"] = recorded


def record_answer(
    ctx: ServiceContext,
    audit_id: int | str,
    item_id: str,
    *,
    result: str | None = UNSET,
    value: str | None = UNSET,
    note: str | None = UNSET,
    expected_version: int | None = None,
) -> Answer:
    """Set any of an item's result, value and note; commit at once.

    `result` is pass/partial/fail/na, None to clear it, or "auto" for the rule's proposal.
    A result that differs from the rule's proposal is an override and needs a note.
    `expected_version` is the answer version the caller read (0: none yet); a mismatch
    means someone else wrote in between, and the write is refused.
    """
    with ctx.store.write() as session:
        audit = writable_audit(session, audit_id)
        item, scenario, checklists = audit_item(session, ctx.snapshots, audit, item_id)
        if not item.applies_to(scenario):
            raise AuditError(
                f"{item.id} does not apply to this selection's scenario; it is not applicable"
            )
        answer = session.exec(
            select(Answer).where(Answer.audit_id == audit.id, Answer.item_id == item.id)
        ).first()
        current_version = answer.version if answer else 0
        if expected_version is not None and expected_version != current_version:
            raise StaleWrite(
                f"{item.id} was changed by {answer.answered_by if answer else 'someone'} "
                f"since you read it (it is at version {current_version}, you read version "
                f"{expected_version}); your change was not saved",
                answer_state(answer),
                {"result": result, "value": value, "note": note},
            )
        before = answer_state(answer)
        state = dict(before)
        if value is not UNSET:
            state["value"] = (
                None
                if value is None or not str(value).strip()
                else to_canonical(parse_value(item, str(value)))
            )
        vendor = session.get(Vendor, audit.vendor_id)
        assert vendor is not None
        if item.fact is not None:
            _record_fact(ctx, session, vendor, item.id, item.fact, value, state)
        if note is not UNSET:
            text = (note or "").strip()
            if len(text) > NOTE_MAX:
                raise AuditError(f"the note is {len(text)} characters; at most {NOTE_MAX} fit")
            state["note"] = text or None
        facts: dict[str, Any] = {}
        if item.rule is not None and RULES[item.rule.kind].reads_facts:
            facts = rule_facts(vendor, scenario) | channel_facts(session, row_id(audit))
        proposal = propose(item, state["value"], ctx.current_date(), facts)
        if result is not UNSET:
            if result == AUTO:
                if proposal is None:
                    raise AuditError(f"{item.id} has no rule proposal to accept (enter a value)")
                state["result"] = proposal.result.value
            elif result is None:
                state["result"] = None
            else:
                try:
                    state["result"] = Result(result).value
                except ValueError:
                    raise AuditError(
                        f"unknown result {result!r}; one of pass, partial, fail, na, clear"
                    ) from None
        state["rule"] = item.rule.kind if item.rule else None
        state["proposed_result"] = proposal.result.value if proposal else None
        state["proposal_reason_zh"] = proposal.reason.zh if proposal else None
        state["proposal_reason_en"] = proposal.reason.en if proposal else None
        state["overridden"] = bool(
            proposal and state["result"] is not None and state["result"] != proposal.result.value
        )
        if proposal is not None and state["overridden"] and not state["note"]:
            raise AuditError(
                f"the rule proposes {proposal.result.value} for {item.id} "
                f"({proposal.reason.en}); a different result needs a note saying why"
            )
        if state == before and answer is not None:
            return answer
        if answer is None:
            answer = Answer(audit_id=row_id(audit), item_id=item.id, answered_by=ctx.actor)
        else:
            answer.version += 1
        for key in ANSWER_FIELDS:
            setattr(answer, key, state[key])
        answer.answered_by = ctx.actor
        answer.answered_at = utcnow()
        audit.updated_at = answer.answered_at
        session.add(answer)
        session.add(audit)
        cache_score(session, ctx.snapshots, audit, checklists)
        events.append(
            session,
            actor=ctx.actor,
            action="answer",
            entity="answer",
            entity_id=f"{audit.id}:{item.id}",
            audit_id=audit.id,
            before=before if before != EMPTY_ANSWER else None,
            after=state,
        )
        return answer
