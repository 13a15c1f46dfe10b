"""Service: the one object the CLI and the TUI call, delegating to a module per concern.

Each public write is one transaction: it validates, writes, appends its event to the
hash-chained log and commits before it returns, so an acknowledged change is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import vaudit.audits.service.answers as answers
import vaudit.audits.service.evidence as evidence
import vaudit.audits.service.follow_ups as follow_ups
import vaudit.audits.service.funnel as funnel
import vaudit.audits.service.integrity as integrity
import vaudit.audits.service.lifecycle as lifecycle
import vaudit.audits.service.listing as listing
import vaudit.audits.service.lookups as lookups
import vaudit.audits.service.read_models as read_models
import vaudit.audits.service.selections as selections
import vaudit.audits.service.vendors as vendors
from vaudit.audits import events, tamper
from vaudit.audits.checklist import ChecklistSet, load_checklists
from vaudit.audits.db import Store
from vaudit.audits.models import (
    Answer,
    Audit,
    Candidate,
    Event,
    Evidence,
    FollowUp,
    Selection,
    Vendor,
)
from vaudit.audits.rows import row_id
from vaudit.audits.scenario import Scenario
from vaudit.audits.service.answers import UNSET
from vaudit.audits.service.errors import check_person
from vaudit.audits.service.snapshots import SnapshotCache
from vaudit.audits.service.views import AuditSummary, AuditView, HomeRow, ListedAudit
from vaudit.audits.vendor_records import CodeRecord, PortChange
from vaudit.audits.watch import WatchItem


@dataclass
class Service:
    store: Store
    actor: str
    checklist_dirs: Sequence[Path] = ()
    today: dt.date | None = None  # fixed by tests and the demo; None means the real date
    checklists: ChecklistSet | None = None  # given by tests; else loaded on first use
    snapshots: SnapshotCache = field(default_factory=SnapshotCache, init=False, repr=False)

    def __post_init__(self) -> None:
        check_person(self.actor, "the auditor's name")

    def current_checklists(self) -> ChecklistSet:
        if self.checklists is None:
            self.checklists = load_checklists(self.checklist_dirs)
        return self.checklists

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()

    # ------------------------------------------------------------------ look-ups

    def vendor(self, ref: str | int) -> Vendor:
        with self.store.read() as session:
            return lookups.vendor_by_ref(session, ref)

    def vendors(self) -> list[Vendor]:
        return lookups.vendors(self.store)

    def selection(self, ref: str | int) -> Selection:
        with self.store.read() as session:
            return lookups.selection_by_ref(session, ref)

    def selections(self) -> list[Selection]:
        return lookups.selections(self.store)

    def candidates(self, selection_ref: str | int) -> list[tuple[Candidate, Vendor]]:
        return lookups.candidates(self.store, selection_ref)

    def audit(self, audit_id: int | str) -> Audit:
        with self.store.read() as session:
            return lookups.audit_by_id(session, audit_id)

    def audit_stamp(self, audit_id: int | str) -> int:
        """The id of the newest event on this audit: it changes with every write, by anyone."""
        with self.store.read() as session:
            audit = lookups.audit_by_id(session, audit_id)
            return lookups.audit_stamp(session, row_id(audit))

    # ------------------------------------------------------------------ vendors

    def add_vendor(self, fields: Mapping[str, str | None]) -> Vendor:
        return vendors.add_vendor(self, fields)

    def edit_vendor(
        self, ref: str | int, fields: Mapping[str, str | None], expected_version: int | None = None
    ) -> Vendor:
        return vendors.edit_vendor(self, ref, fields, expected_version)

    def put_code(
        self, ref: str | int, line: str, expected_version: int | None = None
    ) -> tuple[Vendor, CodeRecord]:
        return vendors.put_code(self, ref, line, expected_version)

    def remove_code(self, ref: str | int, code: str, expected_version: int | None = None) -> Vendor:
        return vendors.remove_code(self, ref, code, expected_version)

    def add_port_change(
        self, ref: str | int, line: str, expected_version: int | None = None
    ) -> tuple[Vendor, PortChange]:
        return vendors.add_port_change(self, ref, line, expected_version)

    def remove_port_change(
        self, ref: str | int, number: int, expected_version: int | None = None
    ) -> Vendor:
        return vendors.remove_port_change(self, ref, number, expected_version)

    # ------------------------------------------------------------------ selections

    def add_selection(self, name: str, scenario: Scenario, notes: str | None = None) -> Selection:
        return selections.add_selection(self, name, scenario, notes)

    def add_candidate(self, selection_ref: str | int, vendor_ref: str | int) -> Candidate:
        return selections.add_candidate(self, selection_ref, vendor_ref)

    def remove_candidate(self, selection_ref: str | int, vendor_ref: str | int) -> None:
        selections.remove_candidate(self, selection_ref, vendor_ref)

    def move_stage(
        self,
        selection_ref: str | int,
        vendor_ref: str | int,
        stage: str,
        reason: str | None = None,
        override: str | None = None,
    ) -> Candidate:
        return selections.move_stage(self, selection_ref, vendor_ref, stage, reason, override)

    def funnel(self, selection_ref: str | int) -> funnel.Funnel:
        return funnel.funnel(self, selection_ref)

    def set_funnel_targets(self, selection_ref: str | int, targets: dict[str, int]) -> None:
        funnel.set_targets(self, selection_ref, targets)

    def name_finalists(
        self,
        selection_ref: str | int,
        primary_ref: str | int,
        backup_ref: str | int | None = None,
    ) -> None:
        funnel.name_finalists(self, selection_ref, primary_ref, backup_ref)

    # ------------------------------------------------------------------ read models

    def view(self, audit_id: int | str) -> AuditView:
        return read_models.view_with_stamp(self, audit_id)[0]

    def view_with_stamp(self, audit_id: int | str) -> tuple[AuditView, int]:
        return read_models.view_with_stamp(self, audit_id)

    def views(
        self,
        audit_ids: Sequence[int],
        proposals_on: Callable[[Audit], dt.date] | None = None,
    ) -> list[AuditView]:
        return read_models.views(self, audit_ids, proposals_on)

    def summaries(self) -> list[AuditSummary]:
        return read_models.summaries(self)

    def listed_audits(
        self, selection_id: int | None = None, vendor_id: int | None = None
    ) -> Iterator[ListedAudit]:
        return listing.listed_audits(self, selection_id, vendor_id)

    def home_rows(self) -> list[HomeRow]:
        return read_models.home_rows(self)

    def watch(self, within_days: int | None = None) -> list[WatchItem]:
        return read_models.watch(self, within_days)

    def funnels(self) -> list[tuple[Selection, dict[str, int]]]:
        return read_models.funnels(self)

    def warm(self) -> None:
        """Parse every checklist combination audits use, ahead of the first open."""
        if not self.snapshots.warmed:
            with self.store.read() as session:
                self.snapshots.warm(session)

    # ------------------------------------------------------------------ audits

    def start_audit(self, vendor_ref: str | int, selection_ref: str | int) -> Audit:
        return lifecycle.start_audit(self, vendor_ref, selection_ref)

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
        return answers.record_answer(
            self,
            audit_id,
            item_id,
            result=result,
            value=value,
            note=note,
            expected_version=expected_version,
        )

    def submit_for_review(self, audit_id: int | str) -> Audit:
        return lifecycle.submit_for_review(self, audit_id)

    def sign_off(self, audit_id: int | str, by: str, signer_key: str | None = None) -> Audit:
        return lifecycle.sign_off(self, audit_id, by, signer_key)

    def revise(self, audit_id: int | str) -> Audit:
        return lifecycle.revise(self, audit_id)

    # ------------------------------------------------------------------ evidence

    def add_evidence_file(self, audit_id: int | str, item_id: str, path: Path) -> Evidence:
        return evidence.add_evidence_file(self, audit_id, item_id, path)

    def add_evidence_bytes(
        self, audit_id: int | str, item_id: str, name: str, content: bytes
    ) -> Evidence:
        return evidence.add_evidence_bytes(self, audit_id, item_id, name, content)

    def add_evidence_url(
        self, audit_id: int | str, item_id: str, url: str, note: str | None = None
    ) -> Evidence:
        return evidence.add_evidence_url(self, audit_id, item_id, url, note)

    def add_evidence_note(self, audit_id: int | str, item_id: str, note: str) -> Evidence:
        return evidence.add_evidence_note(self, audit_id, item_id, note)

    def evidence_list(self, audit_id: int | str, item_id: str | None = None) -> list[Evidence]:
        return evidence.evidence_list(self, audit_id, item_id)

    def evidence_content(self, evidence_id: int) -> tuple[Evidence, bytes]:
        return evidence.evidence_content(self, evidence_id)

    def set_evidence_expiry(self, evidence_id: int, expires_on: dt.date | None) -> Evidence:
        return evidence.set_evidence_expiry(self, evidence_id, expires_on)

    # ------------------------------------------------------------------ follow-ups

    def add_follow_up(
        self, audit_id: int | str, item_id: str, what: str, owed_by: str, due_on: dt.date
    ) -> FollowUp:
        return follow_ups.add_follow_up(self, audit_id, item_id, what, owed_by, due_on)

    def set_follow_up_done(
        self, follow_up_id: int, done: bool = True, expected_version: int | None = None
    ) -> FollowUp:
        return follow_ups.set_follow_up_done(self, follow_up_id, done, expected_version)

    def follow_ups(
        self, audit_id: int | str | None = None, item_id: str | None = None, open_only: bool = False
    ) -> list[FollowUp]:
        return follow_ups.follow_ups(self, audit_id, item_id, open_only)

    # ------------------------------------------------------------------ integrity

    def verify(self) -> events.ChainReport:
        return integrity.verify(self.store)

    def verify_signed_off(self) -> tamper.TamperReport:
        return integrity.verify_signed_off(self.store)

    def verify_blobs(self) -> list[str]:
        return integrity.verify_blobs(self.store)

    def changes_after_sign_off(self, audit_ids: Collection[int]) -> dict[int, list[str]]:
        return integrity.changes_after_sign_off(self.store, audit_ids)

    def history(self, audit_id: int | str) -> list[Event]:
        return integrity.history(self.store, audit_id)
