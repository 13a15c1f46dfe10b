"""The read models the service hands out: one audit's view, summaries, home-table rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from vaudit.audits.checklist import ChecklistSet, Item
from vaudit.audits.models import (
    Answer,
    Audit,
    AuditStatus,
    ChecklistSnapshot,
    Evidence,
    FollowUp,
    Selection,
    Vendor,
)
from vaudit.audits.rules import Proposal, Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import AuditScore, cached_reasons


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
    # For items that ask for a vendor fact: the fact as recorded now, as the item's value.
    fact_values: Mapping[str, str] = field(default_factory=dict)

    def shown_value(self, item_id: str) -> str | None:
        """The item's value as shown: the vendor's recorded fact for an item that asks for
        one (one source for each fact; a signed-off audit keeps what was answered), else the
        answer's value."""
        answer = self.answers.get(item_id)
        stored = answer.value if answer else None
        if self.audit.status == AuditStatus.SIGNED_OFF:
            return stored
        return self.fact_values.get(item_id, stored)

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
    reasons: str | None = None  # the cached verdict's reasons (scoring.cached_reasons)

    def with_score(self, audit_score: AuditScore) -> HomeRow:
        return replace(
            self,
            completion=audit_score.completion,
            score=audit_score.total,
            verdict=audit_score.verdict.value,
            reasons=cached_reasons(audit_score),
        )


@dataclass(frozen=True, slots=True)
class ListedAudit:
    """One line of `audits list`: the audit with its cached score, names and stage."""

    id: int
    uid: str
    vendor_id: int
    vendor_name: str
    selection_id: int
    selection_name: str
    stage: str | None
    status: str
    revision: int
    previous_id: int | None
    completion: float
    score: float
    verdict: str
    failed_gates: tuple[str, ...]
    started_by: str
    updated_at: dt.datetime
    signed_off_by: str | None
    signed_off_at: dt.datetime | None
    # What holds the verdict down, as cached beside it: [{"kind": …, "items": [item ids]}].
    verdict_reasons: tuple[dict[str, Any], ...] = ()
