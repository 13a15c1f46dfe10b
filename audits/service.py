"""The audit life cycle, as one service the CLI and the TUI both call.

Each public method is one transaction: it validates, writes, appends its event to the
hash-chained log and commits before it returns, so an acknowledged change is stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import mimetypes
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from vaudit.audits import events, tamper
from vaudit.audits.checklist import ChecklistSet, Item, load_checklists, set_from_snapshot
from vaudit.audits.db import Store
from vaudit.audits.models import (
    FOLLOW_UP_WHAT_MAX,
    PERSON_MAX,
    Answer,
    Audit,
    AuditChecklist,
    AuditStatus,
    Blob,
    Candidate,
    ChecklistSnapshot,
    Evidence,
    EvidenceKind,
    FollowUp,
    Selection,
    Stage,
    Vendor,
    utcnow,
)
from vaudit.audits.rules import RULES, Proposal, Result, evaluate
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import AuditScore, score
from vaudit.audits.values import ValueError_, parse_value, to_canonical
from vaudit.audits.vendor_fields import FieldError, parse_vendor_fields
from vaudit.audits.vendor_records import (
    CodeRecord,
    PortChange,
    code_records_from,
    format_code_records,
    format_port_changes,
    merge_code,
    parse_code_records,
    parse_port_changes,
    port_changes_from,
)

MAX_EVIDENCE_BYTES = 100 * 1024 * 1024
NOTE_MAX = 10_000


class AuditError(Exception):
    """A request the data does not allow; the message is meant for the auditor."""


class NotFound(AuditError):
    pass


class Locked(AuditError):
    pass


class StaleWrite(AuditError):
    """Someone else changed the row since it was read; both versions are kept for display."""

    def __init__(self, message: str, current: Mapping[str, Any], attempted: Mapping[str, Any]):
        super().__init__(message)
        self.current = dict(current)
        self.attempted = dict(attempted)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
AUTO = "auto"  # a result that takes the rule's proposal


@dataclass(frozen=True)
class AuditView:
    """Everything a screen or a report needs about one audit, read in one go."""

    audit: Audit
    vendor: Vendor
    selection: Selection
    checklists: ChecklistSet
    scenario: Scenario
    answers: Mapping[str, Answer]
    evidence: Mapping[str, list[Evidence]]
    score: AuditScore
    snapshots: tuple[ChecklistSnapshot, ...] = ()
    # What the named rules propose from the vendor's facts now, for items that read facts.
    proposals: Mapping[str, Proposal] = field(default_factory=dict)
    # The channel-test measurements the channel rules read (empty without a run).
    measured: Mapping[str, Any] = field(default_factory=dict)
    # Follow-up actions by item, open ones first, then by due date.
    follow_ups: Mapping[str, list[FollowUp]] = field(default_factory=dict)

    def result_of(self, item_id: str) -> Result | None:
        answer = self.answers.get(item_id)
        return Result(answer.result) if answer and answer.result else None

    def unanswered(self) -> list[Item]:
        return [
            s.item
            for section in self.score.sections
            for s in section.items
            if s.applicable and s.result is None
        ]


@dataclass(frozen=True)
class AuditSummary:
    audit: Audit
    vendor: Vendor
    selection: Selection
    stage: str | None
    score: AuditScore


@dataclass(frozen=True)
class HomeRow:
    """One line of the home table: an audit, or a vendor with no audit yet (audit_id None)."""

    audit_id: int | None
    vendor_id: int
    vendor_name: str
    selection_id: int | None
    selection_name: str | None
    stage: str | None
    status: str | None
    revision: int | None
    completion: float | None
    score: float | None
    verdict: str | None
    updated_at: dt.datetime | None
    auditor: str | None
    previous_id: int | None

    def with_score(self, audit_score: AuditScore) -> HomeRow:
        from dataclasses import replace

        return replace(
            self,
            completion=audit_score.completion,
            score=audit_score.total,
            verdict=audit_score.verdict.value,
        )


@dataclass
class Service:
    store: Store
    actor: str
    checklist_dirs: Sequence[Path] = ()
    today: dt.date | None = None  # fixed by tests and the demo; None means the real date
    checklists: ChecklistSet | None = None  # given by tests; else loaded on first use
    _by_snapshot: dict[tuple[str, ...], ChecklistSet] = field(
        default_factory=dict, init=False, repr=False
    )
    _snapshot_rows: dict[int, ChecklistSnapshot] = field(
        default_factory=dict, init=False, repr=False
    )
    _warmed: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        _check_person(self.actor, "the auditor's name")

    # ------------------------------------------------------------------ checklists

    def current_checklists(self) -> ChecklistSet:
        if self.checklists is None:
            self.checklists = load_checklists(self.checklist_dirs)
        return self.checklists

    def _date(self) -> dt.date:
        return self.today or dt.date.today()

    def _snapshot_set(self, snapshots: Sequence[ChecklistSnapshot]) -> ChecklistSet:
        key = tuple(s.sha256 for s in snapshots)
        cached = self._by_snapshot.get(key)
        if cached is None:
            cached = set_from_snapshot([(s.name, s.text) for s in snapshots])
            self._by_snapshot[key] = cached
        return cached

    def _audit_snapshots(self, session: Session, audit_id: int) -> list[ChecklistSnapshot]:
        # Snapshots never change (they are stored by hash), so each is read once per process:
        # opening an audit then reads a few ids instead of every checklist's full text.
        ids = session.exec(
            select(AuditChecklist.snapshot_id)
            .where(AuditChecklist.audit_id == audit_id)
            .order_by(col(AuditChecklist.position))
        ).all()
        self._read_snapshots(session, ids)
        return [self._snapshot_rows[i] for i in ids]

    def _read_snapshots(self, session: Session, ids: Iterable[int]) -> None:
        """Read into the per-process cache the snapshots it does not hold yet."""
        missing = set(ids) - set(self._snapshot_rows)
        if missing:
            for row in session.exec(
                select(ChecklistSnapshot).where(col(ChecklistSnapshot.id).in_(missing))
            ).all():
                session.expunge(row)
                self._snapshot_rows[row.id] = row  # type: ignore[index]

    # ------------------------------------------------------------------ look-ups

    def _vendor(self, session: Session, ref: str | int) -> Vendor:
        vendor = _by_ref(session, Vendor, ref)
        if vendor is None:
            raise NotFound(
                f"no vendor {ref!r} (give its id or exact name; see `vaudit vendors list`)"
            )
        return vendor

    def _selection(self, session: Session, ref: str | int) -> Selection:
        selection = _by_ref(session, Selection, ref)
        if selection is None:
            raise NotFound(
                f"no selection {ref!r} (give its id or exact name; see `vaudit selections list`)"
            )
        return selection

    def _audit(self, session: Session, audit_id: int | str) -> Audit:
        try:
            key = int(audit_id)
        except (TypeError, ValueError):
            raise NotFound(f"audit ids are numbers, not {audit_id!r}") from None
        audit = session.get(Audit, key)
        if audit is None:
            raise NotFound(f"no audit {audit_id} (see `vaudit audits list`)")
        return audit

    def vendor(self, ref: str | int) -> Vendor:
        with self.store.read() as session:
            return self._vendor(session, ref)

    def vendors(self) -> list[Vendor]:
        with self.store.read() as session:
            return list(session.exec(select(Vendor).order_by(col(Vendor.name))).all())

    def selection(self, ref: str | int) -> Selection:
        with self.store.read() as session:
            return self._selection(session, ref)

    def selections(self) -> list[Selection]:
        with self.store.read() as session:
            return list(session.exec(select(Selection).order_by(col(Selection.id))).all())

    def candidates(self, selection_ref: str | int) -> list[tuple[Candidate, Vendor]]:
        with self.store.read() as session:
            selection = self._selection(session, selection_ref)
            rows = session.exec(
                select(Candidate, Vendor)
                .join(Vendor, col(Vendor.id) == Candidate.vendor_id)
                .where(Candidate.selection_id == selection.id)
                .order_by(col(Vendor.name))
            ).all()
            return [(c, v) for c, v in rows]

    def audit(self, audit_id: int | str) -> Audit:
        with self.store.read() as session:
            return self._audit(session, audit_id)

    # ------------------------------------------------------------------ vendors

    def add_vendor(self, fields: Mapping[str, str | None]) -> Vendor:
        values = parse_vendor_fields(fields)
        if not values.get("name"):
            raise FieldError("name", "is required")
        with self.store.write() as session:
            if session.exec(select(Vendor).where(Vendor.name == values["name"])).first():
                raise AuditError(f"a vendor named {values['name']!r} already exists")
            vendor = Vendor(**values)
            session.add(vendor)
            session.flush()
            events.append(
                session,
                actor=self.actor,
                action="vendor.add",
                entity="vendor",
                entity_id=vendor.id,
                after=_vendor_facts(vendor),
            )
            return vendor

    def edit_vendor(
        self, ref: str | int, fields: Mapping[str, str | None], expected_version: int | None = None
    ) -> Vendor:
        values = parse_vendor_fields(fields)
        with self.store.write() as session:
            vendor = self._vendor(session, ref)
            return self._apply_vendor(session, vendor, values, expected_version)

    def _apply_vendor(
        self,
        session: Session,
        vendor: Vendor,
        values: Mapping[str, Any],
        expected_version: int | None,
    ) -> Vendor:
        before = _vendor_facts(vendor)
        if expected_version is not None and vendor.version != expected_version:
            raise StaleWrite(
                f"vendor {vendor.name!r} was changed by someone else (version "
                f"{vendor.version}, you edited version {expected_version}); reload it",
                before,
                values,
            )
        if (
            "name" in values
            and values["name"] != vendor.name
            and session.exec(select(Vendor).where(Vendor.name == values["name"])).first()
        ):
            raise AuditError(f"a vendor named {values['name']!r} already exists")
        for key, value in values.items():
            setattr(vendor, key, value)
        after = _vendor_facts(vendor)
        if after == before:
            return vendor
        vendor.updated_at = utcnow()
        vendor.version += 1
        session.add(vendor)
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        events.append(
            session,
            actor=self.actor,
            action="vendor.edit",
            entity="vendor",
            entity_id=vendor.id,
            before={k: before.get(k) for k in changed},
            after=changed,
        )
        return vendor

    def put_code(
        self, ref: str | int, line: str, expected_version: int | None = None
    ) -> tuple[Vendor, CodeRecord]:
        """Add one access code, or lay the details given over its stored record.

        `line` is one line of the code syntax (`10690123 2023-05-01 mobile valid:2028-05-01`).
        """
        try:
            parsed = parse_code_records(line.replace("\n", " "))
        except ValueError as exc:
            raise FieldError("access_codes", str(exc).removeprefix("line 1: ")) from None
        if len(parsed) != 1:
            raise FieldError("access_codes", f"give exactly one code, not {len(parsed)}")
        given = parsed[0]
        with self.store.write() as session:
            vendor = self._vendor(session, ref)
            records = merge_code(code_records_from(vendor.code_records), given)
            values = parse_vendor_fields({"access_codes": format_code_records(records)})
            vendor = self._apply_vendor(session, vendor, values, expected_version)
            return vendor, next(r for r in records if r.code == given.code)

    def remove_code(self, ref: str | int, code: str, expected_version: int | None = None) -> Vendor:
        with self.store.write() as session:
            vendor = self._vendor(session, ref)
            records = code_records_from(vendor.code_records)
            kept = [r for r in records if r.code != code.strip()]
            if len(kept) == len(records):
                raise NotFound(f"{vendor.name} has no access code {code.strip()!r}")
            values = parse_vendor_fields({"access_codes": format_code_records(kept)})
            return self._apply_vendor(session, vendor, values, expected_version)

    def add_port_change(
        self, ref: str | int, line: str, expected_version: int | None = None
    ) -> tuple[Vendor, PortChange]:
        """Record one sending-port change, given as one line of the port-change syntax."""
        try:
            parsed = parse_port_changes(line.replace("\n", " "))
        except ValueError as exc:
            raise FieldError("port_changes", str(exc).removeprefix("line 1: ")) from None
        if len(parsed) != 1:
            raise FieldError("port_changes", "give one change: DATE OLD -> NEW filed|unfiled")
        change = parsed[0]
        with self.store.write() as session:
            vendor = self._vendor(session, ref)
            changes = [*port_changes_from(vendor.port_changes), change]
            values = parse_vendor_fields({"port_changes": format_port_changes(changes)})
            return self._apply_vendor(session, vendor, values, expected_version), change

    def remove_port_change(
        self, ref: str | int, number: int, expected_version: int | None = None
    ) -> Vendor:
        """Remove the change listed as `number` (1 is the earliest)."""
        with self.store.write() as session:
            vendor = self._vendor(session, ref)
            changes = port_changes_from(vendor.port_changes)
            if not 1 <= number <= len(changes):
                raise NotFound(
                    f"{vendor.name} has {len(changes)} port change(s); no number {number}"
                )
            del changes[number - 1]
            values = parse_vendor_fields({"port_changes": format_port_changes(changes)})
            return self._apply_vendor(session, vendor, values, expected_version)

    # ------------------------------------------------------------------ selections

    def add_selection(self, name: str, scenario: Scenario, notes: str | None = None) -> Selection:
        name = name.strip()
        if not name:
            raise AuditError("a selection needs a name")
        if len(name) > 200:
            raise AuditError(f"the name is {len(name)} characters; at most 200 fit")
        data = json.loads(scenario.to_json())
        with self.store.write() as session:
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
                actor=self.actor,
                action="selection.add",
                entity="selection",
                entity_id=selection.id,
                after={"name": name, "scenario": data},
            )
            return selection

    def add_candidate(self, selection_ref: str | int, vendor_ref: str | int) -> Candidate:
        with self.store.write() as session:
            return self._add_candidate(
                session, self._selection(session, selection_ref), self._vendor(session, vendor_ref)
            )

    def _add_candidate(
        self, session: Session, selection: Selection, vendor: Vendor, must_be_new: bool = True
    ) -> Candidate:
        existing = session.exec(
            select(Candidate).where(
                Candidate.selection_id == selection.id, Candidate.vendor_id == vendor.id
            )
        ).first()
        if existing is not None:
            if must_be_new:
                raise AuditError(f"{vendor.name} is already a candidate in {selection.name}")
            return existing
        candidate = Candidate(
            selection_id=selection.id,
            vendor_id=vendor.id,  # type: ignore[arg-type]
            stage=Stage.SCREENING,
            stage_changed_by=self.actor,
        )
        session.add(candidate)
        session.flush()
        events.append(
            session,
            actor=self.actor,
            action="candidate.add",
            entity="candidate",
            entity_id=candidate.id,
            after={"selection": selection.id, "vendor": vendor.id, "stage": Stage.SCREENING.value},
        )
        return candidate

    def remove_candidate(self, selection_ref: str | int, vendor_ref: str | int) -> None:
        with self.store.write() as session:
            selection = self._selection(session, selection_ref)
            vendor = self._vendor(session, vendor_ref)
            candidate = self._candidate(session, selection, vendor)
            has_audits = session.exec(
                select(Audit.id).where(
                    Audit.selection_id == selection.id, Audit.vendor_id == vendor.id
                )
            ).first()
            if has_audits is not None:
                raise AuditError(
                    f"{vendor.name} has audits in {selection.name}; move it to 'rejected' "
                    "with a reason instead of removing it"
                )
            session.delete(candidate)
            events.append(
                session,
                actor=self.actor,
                action="candidate.remove",
                entity="candidate",
                entity_id=candidate.id,
                before={"selection": selection.id, "vendor": vendor.id, "stage": candidate.stage},
            )

    def _candidate(self, session: Session, selection: Selection, vendor: Vendor) -> Candidate:
        candidate = session.exec(
            select(Candidate).where(
                Candidate.selection_id == selection.id, Candidate.vendor_id == vendor.id
            )
        ).first()
        if candidate is None:
            raise NotFound(f"{vendor.name} is not a candidate in {selection.name}")
        return candidate

    def move_stage(
        self, selection_ref: str | int, vendor_ref: str | int, stage: str, reason: str | None = None
    ) -> Candidate:
        try:
            target = Stage(stage)
        except ValueError:
            raise AuditError(
                f"unknown stage {stage!r}; one of {', '.join(s.value for s in Stage)}"
            ) from None
        reason = (reason or "").strip() or None
        if target is Stage.REJECTED and not reason:
            raise AuditError("rejecting a candidate needs a reason")
        with self.store.write() as session:
            selection = self._selection(session, selection_ref)
            vendor = self._vendor(session, vendor_ref)
            candidate = self._candidate(session, selection, vendor)
            if candidate.stage == target and candidate.reason == reason:
                return candidate
            before = {"stage": candidate.stage, "reason": candidate.reason}
            candidate.stage = target
            candidate.reason = reason
            candidate.stage_changed_at = utcnow()
            candidate.stage_changed_by = self.actor
            session.add(candidate)
            events.append(
                session,
                actor=self.actor,
                action="candidate.stage",
                entity="candidate",
                entity_id=candidate.id,
                before=before,
                after={
                    "stage": target.value,
                    "reason": reason,
                    "selection": selection.id,
                    "vendor": vendor.id,
                },
            )
            return candidate

    # ------------------------------------------------------------------ audits

    def start_audit(self, vendor_ref: str | int, selection_ref: str | int) -> Audit:
        """A new draft audit, frozen against the checklists as they are now."""
        checklists = self.current_checklists()
        with self.store.write() as session:
            vendor = self._vendor(session, vendor_ref)
            selection = self._selection(session, selection_ref)
            self._add_candidate(session, selection, vendor, must_be_new=False)
            snapshot_ids = [
                _snapshot_id(session, source.name, cid, version, source.text)
                for source, cid, version in _sources_of(checklists)
            ]
            audit = Audit(
                vendor_id=vendor.id,
                selection_id=selection.id,  # type: ignore[arg-type]
                scenario=scenario_of(selection).to_json(),
                started_by=self.actor,
            )
            session.add(audit)
            session.flush()
            for position, snapshot_id in enumerate(snapshot_ids):
                session.add(
                    AuditChecklist(
                        audit_id=audit.id,
                        position=position,  # type: ignore[arg-type]
                        snapshot_id=snapshot_id,
                    )
                )
            events.append(
                session,
                actor=self.actor,
                action="audit.start",
                entity="audit",
                entity_id=audit.id,
                audit_id=audit.id,
                after={
                    "vendor": vendor.id,
                    "selection": selection.id,
                    "checklists": [s.sha256 for s in checklists.sources()],
                },
            )
            self._cache_score(session, audit, checklists)
            return audit

    def view(self, audit_id: int | str) -> AuditView:
        return self.view_with_stamp(audit_id)[0]

    def view_with_stamp(self, audit_id: int | str) -> tuple[AuditView, int]:
        """The audit's view and its change stamp (see audit_stamp), read in one transaction."""
        with self.store.read() as session:
            audit = self._audit(session, audit_id)
            stamp = _stamp(session, audit.id)  # type: ignore[arg-type]
            vendor = session.get(Vendor, audit.vendor_id)
            selection = session.get(Selection, audit.selection_id)
            snapshots = self._audit_snapshots(session, audit.id)  # type: ignore[arg-type]
            answers = {
                a.item_id: a
                for a in session.exec(select(Answer).where(Answer.audit_id == audit.id)).all()
            }
            evidence: dict[str, list[Evidence]] = defaultdict(list)
            for row in session.exec(
                select(Evidence).where(Evidence.audit_id == audit.id).order_by(col(Evidence.id))
            ).all():
                evidence[row.item_id].append(row)
            follow_ups = _follow_ups_by_item(session, [audit.id])[audit.id]  # type: ignore[list-item,index]
            measured = _channel_facts(session, audit.id)  # type: ignore[arg-type]
        assert vendor is not None and selection is not None
        view = self._assemble(
            audit, vendor, selection, snapshots, answers, dict(evidence), follow_ups, measured
        )
        return view, stamp

    def views(
        self,
        audit_ids: Sequence[int],
        proposals_on: Callable[[Audit], dt.date] | None = None,
    ) -> list[AuditView]:
        """Several audits' views (in the order given), read with a few set-wise queries
        instead of a handful per audit: exporting a thousand reports reads this way.

        The answers are read-only rows with the Answer's fields (not ORM objects, which cost
        as much again to build). `proposals_on` picks the day each audit's fact rules judge
        (default: today)."""
        ids = list(dict.fromkeys(int(i) for i in audit_ids))
        with self.store.read() as session:
            audits = {
                a.id: a for a in session.exec(select(Audit).where(col(Audit.id).in_(ids))).all()
            }
            missing = [i for i in ids if i not in audits]
            if missing:
                raise NotFound(f"no audit {missing[0]} (see `vaudit audits list`)")
            vendors = {
                v.id: v
                for v in session.exec(
                    select(Vendor).where(col(Vendor.id).in_({a.vendor_id for a in audits.values()}))
                ).all()
            }
            selections = {
                s.id: s
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
            self._read_snapshots(session, [i for chain in links.values() for i in chain])
            answers: dict[int, dict[str, Any]] = defaultdict(dict)
            for answer in session.execute(
                select(*Answer.__table__.columns).where(col(Answer.audit_id).in_(ids))  # type: ignore[attr-defined]
            ).all():
                answers[answer.audit_id][answer.item_id] = answer
            measured = _channel_facts_many(session, ids)
            evidence: dict[int, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
            for row in session.exec(
                select(Evidence).where(col(Evidence.audit_id).in_(ids)).order_by(col(Evidence.id))
            ).all():
                evidence[row.audit_id][row.item_id].append(row)
            follow_ups = _follow_ups_by_item(session, ids)
        return [
            self._assemble(
                audits[audit_id],
                vendors[audits[audit_id].vendor_id],
                selections[audits[audit_id].selection_id],
                [self._snapshot_rows[i] for i in links[audit_id]],
                answers[audit_id],
                dict(evidence[audit_id]),
                follow_ups[audit_id],
                measured[audit_id],
                proposals_on(audits[audit_id]) if proposals_on else None,
            )
            for audit_id in ids
        ]

    def _assemble(
        self,
        audit: Audit,
        vendor: Vendor,
        selection: Selection,
        snapshots: Sequence[ChecklistSnapshot],
        answers: Mapping[str, Any],
        evidence: Mapping[str, list[Evidence]],
        follow_ups: Mapping[str, list[Any]],
        measured: Mapping[str, Any],
        proposals_on: dt.date | None = None,
    ) -> AuditView:
        """One audit's view from its rows: scored, with what the fact rules propose."""
        checklists = self._snapshot_set(snapshots)
        scenario = Scenario.from_json(audit.scenario)
        results = {k: Result(a.result) if a.result else None for k, a in answers.items()}
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
            self._fact_proposals(
                checklists, vendor, scenario, answers, measured, today=proposals_on
            ),
            measured,
            follow_ups,
        )

    def _fact_proposals(
        self,
        checklists: ChecklistSet,
        vendor: Vendor,
        scenario: Scenario,
        answers: Mapping[str, Any] | None = None,
        measured: Mapping[str, Any] | None = None,
        today: dt.date | None = None,
    ) -> dict[str, Proposal]:
        facts = rule_facts(vendor, scenario) | dict(measured or {})
        proposals = {}
        for item in checklists.items():
            if item.rule and RULES[item.rule.kind].reads_facts and item.applies_to(scenario):
                answer = (answers or {}).get(item.id)
                proposal = self._propose(item, answer.value if answer else None, facts, today)
                if proposal is not None:
                    proposals[item.id] = proposal
        return proposals

    def summaries(self) -> list[AuditSummary]:
        """Every audit with its score, read in a few set-wise queries (not one per audit)."""
        with self.store.read() as session:
            audits = session.exec(select(Audit).order_by(col(Audit.id))).all()
            vendors = {v.id: v for v in session.exec(select(Vendor)).all()}
            selections = {s.id: s for s in session.exec(select(Selection)).all()}
            stages = {
                (c.selection_id, c.vendor_id): c.stage
                for c in session.exec(select(Candidate)).all()
            }
            links = _snapshot_links(session)
            needed = {sid for ids in links.values() for sid in ids}
            snapshots = {
                s.id: s
                for s in session.exec(
                    select(ChecklistSnapshot).where(col(ChecklistSnapshot.id).in_(needed))
                ).all()
            }
            results: dict[int, dict[str, Result | None]] = defaultdict(dict)
            for audit_id, item_id, result in session.exec(
                select(Answer.audit_id, Answer.item_id, Answer.result)
            ).all():
                results[audit_id][item_id] = Result(result) if result else None
        summaries = []
        scenarios: dict[str, Scenario] = {}
        for audit in audits:
            checklists = self._snapshot_set([snapshots[sid] for sid in links[audit.id]])  # type: ignore[index]
            scenario = scenarios.get(audit.scenario) or Scenario.from_json(audit.scenario)
            scenarios[audit.scenario] = scenario
            summaries.append(
                AuditSummary(
                    audit,
                    vendors[audit.vendor_id],
                    selections[audit.selection_id],
                    stages.get((audit.selection_id, audit.vendor_id)),
                    score(checklists, scenario, results.get(audit.id, {})),  # type: ignore[arg-type]
                )
            )
        return summaries

    def home_rows(self) -> list[HomeRow]:
        """Every audit, and every vendor without one, for the home table: one joined query.

        Scores come from the audit row's cache; an audit written before the cache existed is
        scored here from its answers (and not written back: reading never writes).
        """
        a, v, s, c = (Audit.__table__, Vendor.__table__, Selection.__table__, Candidate.__table__)  # type: ignore[attr-defined]
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
            )
            .select_from(v)
            .outerjoin(a, a.c.vendor_id == v.c.id)
            .outerjoin(s, s.c.id == a.c.selection_id)
            .outerjoin(c, sa.and_(c.c.selection_id == a.c.selection_id, c.c.vendor_id == v.c.id))
            .order_by(v.c.name, a.c.id)
        )
        with self.store.read() as session:
            raw = session.connection().execute(query).all()
        rows = [HomeRow(*r) for r in raw]
        uncached = [r.audit_id for r in rows if r.audit_id is not None and r.verdict is None]
        if uncached:
            by_id = {x.audit.id: x.score for x in self.summaries() if x.audit.id in set(uncached)}
            rows = [r if r.audit_id not in by_id else r.with_score(by_id[r.audit_id]) for r in rows]
        return rows

    def warm(self) -> None:
        """Parse every checklist combination audits use, ahead of the first open (once per
        service: a combination added later is parsed when first opened)."""
        if self._warmed:
            return
        with self.store.read() as session:
            combos = {tuple(ids): audit_id for audit_id, ids in _snapshot_links(session).items()}
            for audit_id in combos.values():
                self._snapshot_set(self._audit_snapshots(session, audit_id))
        self._warmed = True

    def watch(self, within_days: int | None = None) -> list[Any]:
        """What is expired or will expire within the days given, across all vendors."""
        from vaudit.audits.watch import DEFAULT_WITHIN_DAYS, WatchedEvidence, WatchedFollowUp, watch

        with self.store.read() as session:
            vendors = [
                {"id": v.id, **_vendor_facts(v)}
                for v in session.exec(select(Vendor).order_by(col(Vendor.name))).all()
            ]
            # A revision copies its audit's evidence: watch only the newest copy.
            superseded = set(
                session.exec(select(Audit.previous_id).where(col(Audit.previous_id).is_not(None)))
            )
            evidence = [
                WatchedEvidence(ev.id, a.id, a.vendor_id, ev.item_id, ev.name, ev.expires_on)  # type: ignore[arg-type]
                for ev, a in session.exec(
                    select(Evidence, Audit)
                    .join(Audit, col(Audit.id) == col(Evidence.audit_id))
                    .where(col(Evidence.expires_on).is_not(None))
                ).all()
                if a.id not in superseded
            ]
            follow_ups = [
                WatchedFollowUp(f.id, a.id, a.vendor_id, f.item_id, f.what, f.owed_by, f.due_on)  # type: ignore[arg-type]
                for f, a in session.exec(
                    select(FollowUp, Audit)
                    .join(Audit, col(Audit.id) == col(FollowUp.audit_id))
                    .where(col(FollowUp.done).is_(False))
                ).all()
            ]
        days = DEFAULT_WITHIN_DAYS if within_days is None else within_days
        return watch(vendors, self._date(), days, evidence, follow_ups)

    def funnels(self) -> list[tuple[Selection, dict[str, int]]]:
        """Each selection with how many candidates stand at each stage."""
        with self.store.read() as session:
            selections = session.exec(select(Selection).order_by(col(Selection.name))).all()
            counts: dict[int, dict[str, int]] = defaultdict(dict)
            for selection_id, stage, n in session.exec(
                select(Candidate.selection_id, Candidate.stage, sa.func.count()).group_by(
                    col(Candidate.selection_id), col(Candidate.stage)
                )
            ).all():
                counts[selection_id][stage] = n
        return [
            (sel, {st.value: counts[sel.id].get(st.value, 0) for st in Stage}) for sel in selections
        ]  # type: ignore[index]

    def audit_stamp(self, audit_id: int | str) -> int:
        """The id of the newest event on this audit: it changes with every write, by anyone."""
        with self.store.read() as session:
            return _stamp(session, self._audit(session, audit_id).id)  # type: ignore[arg-type]

    def _writable(self, session: Session, audit_id: int | str) -> Audit:
        audit = self._audit(session, audit_id)
        if audit.status == AuditStatus.SIGNED_OFF:
            raise Locked(
                f"audit {audit.id} was signed off by {audit.signed_off_by} on "
                f"{audit.signed_off_at:%Y-%m-%d}; it is read-only (start a revision with "
                f"`vaudit revise {audit.id}`)"
            )
        return audit

    def _item(
        self, session: Session, audit: Audit, item_id: str
    ) -> tuple[Item, Scenario, ChecklistSet]:
        checklists = self._snapshot_set(self._audit_snapshots(session, audit.id))  # type: ignore[arg-type]
        item = checklists.item(item_id)
        if item is None:
            raise NotFound(
                f"audit {audit.id} has no item {item_id!r} (see `vaudit audits show {audit.id}`)"
            )
        scenario = Scenario.from_json(audit.scenario)
        return item, scenario, checklists

    def _cache_score(
        self,
        session: Session,
        audit: Audit,
        checklists: ChecklistSet | None = None,
    ) -> AuditScore:
        """Recompute the audit's score from its stored answers and keep it on the audit row."""
        session.flush()
        if checklists is None:
            checklists = self._snapshot_set(self._audit_snapshots(session, audit.id))  # type: ignore[arg-type]
        results = {
            item_id: Result(result) if result else None
            for item_id, result in session.exec(
                select(Answer.item_id, Answer.result).where(Answer.audit_id == audit.id)
            ).all()
        }
        audit_score = score(checklists, Scenario.from_json(audit.scenario), results)
        _store_score(audit, audit_score)
        session.add(audit)
        return audit_score

    def record_answer(
        self,
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
        with self.store.write() as session:
            audit = self._writable(session, audit_id)
            item, scenario, checklists = self._item(session, audit, item_id)
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
                    _answer_state(answer),
                    {"result": result, "value": value, "note": note},
                )
            before = _answer_state(answer)
            state = dict(before)
            if value is not UNSET:
                state["value"] = (
                    None
                    if value is None or not str(value).strip()
                    else to_canonical(parse_value(item, str(value)))
                )
            if note is not UNSET:
                text = (note or "").strip()
                if len(text) > NOTE_MAX:
                    raise AuditError(f"the note is {len(text)} characters; at most {NOTE_MAX} fit")
                state["note"] = text or None
            facts: dict[str, Any] = {}
            if item.rule is not None and RULES[item.rule.kind].reads_facts:
                vendor = session.get(Vendor, audit.vendor_id)
                assert vendor is not None
                facts = rule_facts(vendor, scenario) | _channel_facts(session, audit.id)  # type: ignore[arg-type]
            proposal = self._propose(item, state["value"], facts)
            if result is not UNSET:
                if result == AUTO:
                    if proposal is None:
                        raise AuditError(
                            f"{item.id} has no rule proposal to accept (enter a value)"
                        )
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
                proposal
                and state["result"] is not None
                and state["result"] != proposal.result.value
            )
            if state["overridden"] and not state["note"]:
                raise AuditError(
                    f"the rule proposes {proposal.result.value} for {item.id} "  # type: ignore[union-attr]
                    f"({proposal.reason.en}); a different result needs a note saying why"  # type: ignore[union-attr]
                )
            if state == before and answer is not None:
                return answer
            if answer is None:
                answer = Answer(audit_id=audit.id, item_id=item.id, answered_by=self.actor)  # type: ignore[arg-type]
            else:
                answer.version += 1
            for key in ANSWER_FIELDS:
                setattr(answer, key, state[key])
            answer.answered_by = self.actor
            answer.answered_at = utcnow()
            audit.updated_at = answer.answered_at
            session.add(answer)
            session.add(audit)
            self._cache_score(session, audit, checklists)
            events.append(
                session,
                actor=self.actor,
                action="answer",
                entity="answer",
                entity_id=f"{audit.id}:{item.id}",
                audit_id=audit.id,
                before=before if before != EMPTY_ANSWER else None,
                after=state,
            )
            return answer

    def _propose(
        self,
        item: Item,
        canonical_value: str | None,
        facts: Mapping[str, Any] | None = None,
        today: dt.date | None = None,
    ) -> Proposal | None:
        if item.rule is None:
            return None
        typed = None
        if canonical_value is not None:
            try:
                typed = parse_value(item, canonical_value)
            except ValueError_:
                typed = None
        if RULES[item.rule.kind].reads_facts:
            # Fact rules get the value too: channel rules judge it when no run was measured.
            on = today or self._date()
            return evaluate(item.rule.kind, item.rule.params, typed, on, facts or {})
        if typed is None:
            return None
        return evaluate(item.rule.kind, item.rule.params, typed, self._date())

    # ------------------------------------------------------------------ evidence

    def add_evidence_file(self, audit_id: int | str, item_id: str, path: Path) -> Evidence:
        path = Path(path).expanduser()
        if not path.is_file():
            raise AuditError(f"no such file: {path}")
        size = path.stat().st_size
        if size > MAX_EVIDENCE_BYTES:
            raise AuditError(
                f"{path.name} is {size / 1e6:.0f} MB; evidence files may be at most "
                f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"
            )
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise AuditError(f"cannot read {path}: {exc.strerror}") from None
        return self.add_evidence_bytes(audit_id, item_id, path.name, content)

    def add_evidence_bytes(
        self, audit_id: int | str, item_id: str, name: str, content: bytes
    ) -> Evidence:
        digest = hashlib.sha256(content).hexdigest()
        with self.store.write() as session:
            audit = self._writable(session, audit_id)
            item, _, _ = self._item(session, audit, item_id)
            existing = session.exec(
                select(Evidence).where(
                    Evidence.audit_id == audit.id,
                    Evidence.item_id == item.id,
                    Evidence.sha256 == digest,
                )
            ).first()
            if existing is not None:
                return existing
            if session.get(Blob, digest) is None:
                session.add(Blob(sha256=digest, size=len(content), content=content))
            evidence = Evidence(
                audit_id=audit.id,
                item_id=item.id,
                kind=EvidenceKind.FILE,  # type: ignore[arg-type]
                name=name[:300],
                sha256=digest,
                size=len(content),
                added_by=self.actor,
            )
            return self._add_evidence(session, audit, evidence)

    def add_evidence_url(
        self, audit_id: int | str, item_id: str, url: str, note: str | None = None
    ) -> Evidence:
        url = url.strip()
        if not url.startswith(("http://", "https://")) or " " in url:
            raise AuditError(f"{url!r} is not a web address (http:// or https://)")
        with self.store.write() as session:
            audit = self._writable(session, audit_id)
            item, _, _ = self._item(session, audit, item_id)
            evidence = Evidence(
                audit_id=audit.id,
                item_id=item.id,
                kind=EvidenceKind.URL,  # type: ignore[arg-type]
                name=url[:300],
                url=url,
                note=note,
                added_by=self.actor,
            )
            return self._add_evidence(session, audit, evidence)

    def add_evidence_note(self, audit_id: int | str, item_id: str, note: str) -> Evidence:
        text = note.strip()
        if not text:
            raise AuditError("an evidence note needs some text")
        with self.store.write() as session:
            audit = self._writable(session, audit_id)
            item, _, _ = self._item(session, audit, item_id)
            evidence = Evidence(
                audit_id=audit.id,
                item_id=item.id,
                kind=EvidenceKind.NOTE,  # type: ignore[arg-type]
                name=text.splitlines()[0][:80],
                note=text,
                added_by=self.actor,
            )
            return self._add_evidence(session, audit, evidence)

    def _add_evidence(self, session: Session, audit: Audit, evidence: Evidence) -> Evidence:
        session.add(evidence)
        audit.updated_at = utcnow()
        session.add(audit)
        session.flush()
        events.append(
            session,
            actor=self.actor,
            action="evidence.add",
            entity="evidence",
            entity_id=evidence.id,
            audit_id=audit.id,
            after={
                "item": evidence.item_id,
                "kind": evidence.kind,
                "name": evidence.name,
                "sha256": evidence.sha256,
                "url": evidence.url,
            },
        )
        return evidence

    def evidence_list(self, audit_id: int | str, item_id: str | None = None) -> list[Evidence]:
        with self.store.read() as session:
            audit = self._audit(session, audit_id)
            query = select(Evidence).where(Evidence.audit_id == audit.id)
            if item_id:
                query = query.where(Evidence.item_id == item_id)
            return list(session.exec(query.order_by(col(Evidence.id))).all())

    def evidence_content(self, evidence_id: int) -> tuple[Evidence, bytes]:
        with self.store.read() as session:
            evidence = session.get(Evidence, evidence_id)
            if evidence is None:
                raise NotFound(f"no evidence {evidence_id}")
            if evidence.sha256 is None:
                raise AuditError(f"evidence {evidence_id} is a {evidence.kind}, not a file")
            blob = session.get(Blob, evidence.sha256)
            assert blob is not None
            content = blob.content
        if hashlib.sha256(content).hexdigest() != evidence.sha256:
            raise AuditError(f"evidence {evidence_id}'s stored content does not match its hash")
        return evidence, content

    def set_evidence_expiry(self, evidence_id: int, expires_on: dt.date | None) -> Evidence:
        """Record (or clear, with None) the date an evidence document stops being valid.

        Refused on a signed-off audit like any other edit: the date is part of what was signed
        (it is in the report), so a changed date belongs in a revision.
        """
        with self.store.write() as session:
            evidence = session.get(Evidence, evidence_id)
            if evidence is None:
                raise NotFound(f"no evidence {evidence_id} (see `vaudit evidence list AUDIT`)")
            audit = self._writable(session, evidence.audit_id)
            before = evidence.expires_on
            if before == expires_on:
                return evidence
            evidence.expires_on = expires_on
            session.add(evidence)
            audit.updated_at = utcnow()
            session.add(audit)
            events.append(
                session,
                actor=self.actor,
                action="evidence.expiry",
                entity="evidence",
                entity_id=evidence.id,  # type: ignore[arg-type]
                audit_id=audit.id,
                before={"expires_on": before},
                after={"expires_on": expires_on},
            )
            return evidence

    # ------------------------------------------------------------------ follow-ups

    def add_follow_up(
        self, audit_id: int | str, item_id: str, what: str, owed_by: str, due_on: dt.date
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
        _check_person(owed_by, "who owes the follow-up")
        with self.store.write() as session:
            audit = self._audit(session, audit_id)
            item, _, _ = self._item(session, audit, item_id)
            answer = session.exec(
                select(Answer).where(Answer.audit_id == audit.id, Answer.item_id == item.id)
            ).first()
            follow_up = FollowUp(
                audit_id=audit.id,  # type: ignore[arg-type]
                item_id=item.id,
                what=what,
                owed_by=owed_by,
                due_on=due_on,
                created_by=self.actor,
                source_finding=answer.result if answer else None,
            )
            session.add(follow_up)
            session.flush()
            events.append(
                session,
                actor=self.actor,
                action="follow_up.add",
                entity="follow_up",
                entity_id=follow_up.id,  # type: ignore[arg-type]
                audit_id=audit.id,
                after=_follow_up_state(follow_up),
            )
            return follow_up

    def set_follow_up_done(
        self, follow_up_id: int, done: bool = True, expected_version: int | None = None
    ) -> FollowUp:
        """Mark a follow-up done (or reopen it); a stale expected_version is refused."""
        with self.store.write() as session:
            follow_up = session.get(FollowUp, follow_up_id)
            if follow_up is None:
                raise NotFound(f"no follow-up {follow_up_id} (see `vaudit followups list`)")
            if expected_version is not None and follow_up.version != expected_version:
                current = _follow_up_state(follow_up)
                raise StaleWrite(
                    f"follow-up {follow_up.id} was changed by someone else "
                    f"(now {'done' if follow_up.done else 'open'}, version {follow_up.version})",
                    current,
                    {"done": done},
                )
            if follow_up.done == done:
                return follow_up
            before = _follow_up_state(follow_up)
            follow_up.done = done
            follow_up.done_at = utcnow() if done else None
            follow_up.done_by = self.actor if done else None
            follow_up.version += 1
            session.add(follow_up)
            events.append(
                session,
                actor=self.actor,
                action="follow_up.done" if done else "follow_up.reopen",
                entity="follow_up",
                entity_id=follow_up.id,  # type: ignore[arg-type]
                audit_id=follow_up.audit_id,
                before=before,
                after=_follow_up_state(follow_up),
            )
            return follow_up

    def follow_ups(
        self, audit_id: int | str | None = None, item_id: str | None = None, open_only: bool = False
    ) -> list[FollowUp]:
        """Follow-ups by due date (of one audit, or one item of it, or all)."""
        with self.store.read() as session:
            query = select(FollowUp)
            if audit_id is not None:
                query = query.where(FollowUp.audit_id == self._audit(session, audit_id).id)
            if item_id is not None:
                query = query.where(FollowUp.item_id == item_id)
            if open_only:
                query = query.where(col(FollowUp.done).is_(False))
            return list(session.exec(query.order_by(col(FollowUp.due_on), col(FollowUp.id))).all())

    # ------------------------------------------------------------------ status

    def submit_for_review(self, audit_id: int | str) -> Audit:
        with self.store.write() as session:
            audit = self._writable(session, audit_id)
            if audit.status == AuditStatus.IN_REVIEW:
                return audit
            return self._set_status(session, audit, AuditStatus.IN_REVIEW)

    def sign_off(self, audit_id: int | str, by: str) -> Audit:
        by = by.strip()
        if not by:
            raise AuditError("sign-off needs the name of who signs")
        _check_person(by, "the signer's name")
        with self.store.write() as session:
            audit = self._writable(session, audit_id)
            audit.signed_off_by = by
            audit.signed_off_at = utcnow()
            # The digest goes into the hash-chained sign-off event: `verify` names any answer
            # or evidence link changed afterwards, even with the database's triggers dropped.
            digest = tamper.audit_digest(session, audit.id)  # type: ignore[arg-type]
            return self._set_status(
                session,
                audit,
                AuditStatus.SIGNED_OFF,
                extra={"signed_off_by": by, tamper.DIGEST_KEY: digest},
            )

    def _set_status(
        self,
        session: Session,
        audit: Audit,
        status: AuditStatus,
        extra: Mapping[str, Any] | None = None,
    ) -> Audit:
        before = {"status": audit.status}
        audit.status = status
        audit.updated_at = utcnow()
        audit.version += 1
        session.add(audit)
        events.append(
            session,
            actor=self.actor,
            action=f"audit.{status.value}",
            entity="audit",
            entity_id=audit.id,
            audit_id=audit.id,
            before=before,
            after={"status": status.value, **(extra or {})},
        )
        return audit

    def revise(self, audit_id: int | str) -> Audit:
        """A new draft revision of a signed-off audit, carrying its answers and evidence."""
        with self.store.write() as session:
            old = self._audit(session, audit_id)
            if old.status != AuditStatus.SIGNED_OFF:
                raise AuditError(
                    f"audit {old.id} is still {old.status.replace('_', ' ')}; edit it directly "
                    "(only a signed-off audit is revised)"
                )
            newer = session.exec(select(Audit.id).where(Audit.previous_id == old.id)).first()
            if newer is not None:
                raise AuditError(f"audit {old.id} already has a revision: audit {newer}")
            new = Audit(
                vendor_id=old.vendor_id,
                selection_id=old.selection_id,
                revision=old.revision + 1,
                previous_id=old.id,
                scenario=old.scenario,
                started_by=self.actor,
            )
            session.add(new)
            session.flush()
            for link in session.exec(
                select(AuditChecklist).where(AuditChecklist.audit_id == old.id)
            ).all():
                session.add(
                    AuditChecklist(
                        audit_id=new.id,
                        position=link.position,  # type: ignore[arg-type]
                        snapshot_id=link.snapshot_id,
                    )
                )
            for answer in session.exec(select(Answer).where(Answer.audit_id == old.id)).all():
                copy = Answer(
                    **{
                        k: getattr(answer, k)
                        for k in (*ANSWER_FIELDS, "item_id", "answered_by", "answered_at")
                    }
                )
                copy.audit_id = new.id  # type: ignore[assignment]
                session.add(copy)
            for ev in session.exec(select(Evidence).where(Evidence.audit_id == old.id)).all():
                session.add(
                    Evidence(
                        **{
                            k: getattr(ev, k)
                            for k in (
                                "item_id",
                                "kind",
                                "name",
                                "sha256",
                                "size",
                                "url",
                                "note",
                                "added_by",
                                "added_at",
                                "expires_on",
                            )
                        },
                        audit_id=new.id,
                    )
                )
            session.flush()
            events.append(
                session,
                actor=self.actor,
                action="audit.revise",
                entity="audit",
                entity_id=new.id,
                audit_id=new.id,
                after={"previous": old.id, "revision": new.revision},
            )
            self._cache_score(session, new)
            return new

    # ------------------------------------------------------------------ integrity

    def verify(self) -> events.ChainReport:
        with self.store.read() as session:
            return events.verify_chain(session)

    def verify_signed_off(self) -> tamper.TamperReport:
        """Compare every signed-off audit with the digest its sign-off event recorded."""
        with self.store.read() as session:
            return tamper.check_signed_off(session)

    def history(self, audit_id: int | str) -> list[Any]:
        from vaudit.audits.models import Event

        with self.store.read() as session:
            audit = self._audit(session, audit_id)
            return list(
                session.exec(
                    select(Event).where(Event.audit_id == audit.id).order_by(col(Event.id))
                ).all()
            )


# ---------------------------------------------------------------------- helpers

ANSWER_FIELDS = (
    "result",
    "value",
    "note",
    "rule",
    "proposed_result",
    "proposal_reason_zh",
    "proposal_reason_en",
    "overridden",
)
EMPTY_ANSWER: dict[str, Any] = {key: None for key in ANSWER_FIELDS} | {"overridden": False}


def _follow_ups_by_item(
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


def _follow_up_state(follow_up: FollowUp) -> dict[str, Any]:
    return {
        "item": follow_up.item_id,
        "what": follow_up.what,
        "owed_by": follow_up.owed_by,
        "due_on": follow_up.due_on.isoformat(),
        "done": follow_up.done,
        "source_finding": follow_up.source_finding,
    }


def _check_person(name: str, what: str) -> None:
    if len(name) > PERSON_MAX:
        raise AuditError(f"{what} is {len(name)} characters; at most {PERSON_MAX} fit")


def _store_score(audit: Audit, audit_score: AuditScore) -> None:
    audit.score_total = audit_score.total
    audit.completion = audit_score.completion
    audit.verdict = audit_score.verdict.value
    audit.answered_count = audit_score.answered
    audit.applicable_count = audit_score.applicable


def _answer_state(answer: Answer | None) -> dict[str, Any]:
    if answer is None:
        return dict(EMPTY_ANSWER)
    return {key: getattr(answer, key) for key in ANSWER_FIELDS}


def _snapshot_links(session: Session) -> dict[int, list[int]]:
    """Each audit's checklist snapshot ids, in position order."""
    links: dict[int, list[int]] = defaultdict(list)
    for audit_id, snapshot_id in session.exec(
        select(AuditChecklist.audit_id, AuditChecklist.snapshot_id).order_by(
            col(AuditChecklist.audit_id), col(AuditChecklist.position)
        )
    ).all():
        links[audit_id].append(snapshot_id)
    return links


def _stamp(session: Session, audit_id: int) -> int:
    from vaudit.audits.models import Event

    newest = session.exec(select(sa.func.max(Event.id)).where(Event.audit_id == audit_id)).first()
    return int(newest or 0)


def rule_facts(vendor: Vendor, scenario: Scenario) -> dict[str, Any]:
    """What named rules read: the vendor's facts and the scenario the audit was started in."""
    return _vendor_facts(vendor) | {
        "coverage": scenario.coverage,
        "message_kinds": sorted(scenario.message_kinds),
        "industry": scenario.industry,
    }


def _channel_facts(session: Session, audit_id: int) -> dict[str, Any]:
    """The audit's channel-test measurements for the channel rules (empty without a run)."""
    from vaudit.audits.channel.metrics import channel_facts

    facts = channel_facts(session, audit_id)
    if facts:
        return facts
    # An audit imported from a report has no runs here, only the measurements it carried.
    from vaudit.audits.models import Event
    from vaudit.audits.report import IMPORT_ACTION

    imported = session.exec(
        select(Event.after)
        .where(Event.audit_id == audit_id, Event.action == IMPORT_ACTION)
        .order_by(col(Event.id).desc())
    ).first()
    channel = json.loads(imported or "{}").get("channel")
    return {"channel": channel} if channel else {}


def _channel_facts_many(session: Session, audit_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """_channel_facts for many audits, with two set-wise queries for the common case (no run)."""
    from vaudit.audits.channel.models import ChannelRun
    from vaudit.audits.models import Event
    from vaudit.audits.report import IMPORT_ACTION

    with_runs = set(
        session.exec(
            select(ChannelRun.audit_id).where(col(ChannelRun.audit_id).in_(audit_ids)).distinct()
        ).all()
    )
    imported: dict[int, Any] = {}
    for audit_id, after in session.exec(
        select(Event.audit_id, Event.after)
        .where(col(Event.audit_id).in_(audit_ids), Event.action == IMPORT_ACTION)
        .order_by(col(Event.id))
    ).all():
        imported[audit_id] = json.loads(after or "{}").get("channel")  # type: ignore[index]
    facts: dict[int, dict[str, Any]] = {}
    for audit_id in audit_ids:
        if audit_id in with_runs:
            facts[audit_id] = _channel_facts(session, audit_id)
        else:
            channel = imported.get(audit_id)
            facts[audit_id] = {"channel": channel} if channel else {}
    return facts


def _vendor_facts(vendor: Vendor) -> dict[str, Any]:
    """Every fact of a vendor as plain JSON values (lists decoded): what named rules read and
    what vendor events record."""
    from vaudit.audits.vendor_fields import JSON_FIELDS, VENDOR_FIELDS

    facts: dict[str, Any] = {}
    for name in [spec.name for spec in VENDOR_FIELDS] + ["code_records"]:
        value = getattr(vendor, name)
        if name in JSON_FIELDS or name == "code_records":
            with contextlib.suppress(ValueError):  # else kept as stored text, for the event
                value = json.loads(value or "[]")
        facts[name] = value.isoformat() if isinstance(value, dt.date) else value
    return facts


def _by_ref(session: Session, model: type[Vendor] | type[Selection], ref: str | int) -> Any:
    text = str(ref).strip()
    if text.isdigit():
        found = session.get(model, int(text))
        if found is not None:
            return found
    return session.exec(select(model).where(model.name == text)).first()


def scenario_of(selection: Selection) -> Scenario:
    return Scenario(
        industry=selection.industry,
        coverage=selection.coverage,
        message_kinds=frozenset(json.loads(selection.message_kinds)),
        monthly_volume=selection.monthly_volume,
    )


def _sources_of(checklists: ChecklistSet) -> Iterable[tuple[Any, str, int]]:
    yield checklists.scoring.source, "scoring", checklists.scoring.version
    for checklist in checklists.checklists:
        yield checklist.source, checklist.id, checklist.version


def _snapshot_id(session: Session, name: str, checklist_id: str, version: int, text: str) -> int:
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
    return snapshot.id  # type: ignore[return-value]


def media_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def count_rows(store: Store) -> int:
    """How many vendors, selections and audits the database holds (demo refuses non-empty)."""
    with store.read() as session:
        return sum(
            session.exec(select(sa.func.count()).select_from(model)).one()
            for model in (Vendor, Selection, Audit)
        )
