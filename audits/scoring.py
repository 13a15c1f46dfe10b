"""Scores and verdicts: pure functions over a checklist set, a scenario and the answers.

Item points come from the scoring settings (pass 1, partial 0.5, fail 0 by default). An item that
is not applicable (by its scenario conditions, or answered n/a) is left out of its section; an
unanswered one counts 0 and lowers completion. A section's score is the weighted mean of its
items × 100; the total is the weighted mean of the sections that have applicable items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from vaudit.audits.checklist import ChecklistSet, Item
from vaudit.audits.present import score_shown
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.text import Text


class Verdict(StrEnum):
    DISQUALIFIED = "disqualified"
    INCOMPLETE = "incomplete"
    RECOMMENDED = "recommended"
    CONDITIONAL = "conditional"
    NOT_RECOMMENDED = "not_recommended"


VERDICT_LABELS: dict[Verdict, Text] = {
    Verdict.DISQUALIFIED: Text("一票否决", "disqualified"),
    Verdict.INCOMPLETE: Text("未完成", "incomplete"),
    Verdict.RECOMMENDED: Text("推荐", "recommended"),
    Verdict.CONDITIONAL: Text("有条件推荐", "conditional"),
    Verdict.NOT_RECOMMENDED: Text("不推荐", "not recommended"),
}


@dataclass(frozen=True, slots=True)
class ItemScore:
    item: Item
    result: Result | None
    applicable: bool
    points: float | None  # 0..1 for an applicable item (unanswered 0); None when left out
    section_share: float  # the item's contribution to its section score, in points of 100
    total_share: float  # the item's contribution to the total, in points of 100


@dataclass(frozen=True, slots=True)
class SectionScore:
    id: str
    title: Text
    weight: float
    score: float | None  # None when no item of the section applies
    applicable: int
    answered: int
    failed_gates: tuple[str, ...]
    items: tuple[ItemScore, ...]

    @property
    def completion(self) -> float:
        return 1.0 if self.applicable == 0 else self.answered / self.applicable


@dataclass(frozen=True, slots=True)
class AuditScore:
    total: float
    completion: float
    verdict: Verdict
    failed_gates: tuple[str, ...]
    sections: tuple[SectionScore, ...]
    applicable: int
    answered: int

    def section(self, section_id: str) -> SectionScore | None:
        return next((s for s in self.sections if s.id == section_id), None)


class _Answered(Protocol):
    @property
    def result(self) -> str | None: ...


def results_of(answers: Mapping[str, _Answered]) -> dict[str, Result | None]:
    """Each item's result as `score` reads it, from stored answers (a stored answer without a
    result counts as unanswered)."""
    return {item_id: Result(a.result) if a.result else None for item_id, a in answers.items()}


def score(
    checklists: ChecklistSet, scenario: Scenario, answers: Mapping[str, Result | None]
) -> AuditScore:
    """Score one audit. `answers` maps item id to its result; absent or None is unanswered."""
    settings = checklists.scoring
    raw_sections: list[tuple[str, Text, float, list[tuple[Item, Result | None, bool]]]] = []
    for checklist in checklists.checklists:
        rows = []
        for item in checklist.items:
            result = answers.get(item.id)
            applies = item.applies_to(scenario)
            rows.append((item, result if applies else None, applies and result is not Result.NA))
        raw_sections.append(
            (checklist.id, checklist.title, settings.section_weight(checklist.id), rows)
        )

    # The sections that count towards the total, and the weight they share.
    counted_weight = sum(
        weight for _, _, weight, rows in raw_sections if any(app for _, _, app in rows)
    )
    sections: list[SectionScore] = []
    weighted_total = 0.0
    all_gates: list[str] = []
    applicable_total = answered_total = 0
    for section_id, title, weight, rows in raw_sections:
        item_weight = sum(item.weight for item, _, app in rows if app)
        has_items = item_weight > 0
        section_share_of_total = (
            weight / counted_weight if has_items and counted_weight > 0 else 0.0
        )
        items: list[ItemScore] = []
        section_points = 0.0
        answered = applicable = 0
        gates: list[str] = []
        for item, result, app in rows:
            if not app:
                items.append(ItemScore(item, result, False, None, 0.0, 0.0))
                continue
            applicable += 1
            if result is not None:
                answered += 1
            points = settings.points[result] if result is not None else 0.0
            if item.gate and result is Result.FAIL:
                gates.append(item.id)
            share = 100.0 * item.weight * points / item_weight
            section_points += share
            items.append(
                ItemScore(item, result, True, points, share, share * section_share_of_total)
            )
        section_score = section_points if has_items else None
        if section_score is not None:
            weighted_total += section_score * section_share_of_total
        sections.append(
            SectionScore(
                section_id,
                title,
                weight,
                section_score,
                applicable,
                answered,
                tuple(gates),
                tuple(items),
            )
        )
        all_gates.extend(gates)
        applicable_total += applicable
        answered_total += answered

    completion = 1.0 if applicable_total == 0 else answered_total / applicable_total
    total = min(100.0, max(0.0, weighted_total))
    return AuditScore(
        total=total,
        completion=completion,
        verdict=verdict_for(total, completion, bool(all_gates), checklists),
        failed_gates=tuple(all_gates),
        sections=tuple(sections),
        applicable=applicable_total,
        answered=answered_total,
    )


def verdict_for(
    total: float, completion: float, gate_failed: bool, checklists: ChecklistSet
) -> Verdict:
    if gate_failed:
        return Verdict.DISQUALIFIED
    if completion < 1.0:
        return Verdict.INCOMPLETE
    settings = checklists.scoring
    # Compare on the rounded score people see, so 79.996 shown as "80.0" is not "conditional".
    shown = float(score_shown(total))
    if shown >= settings.recommended_at_least:
        return Verdict.RECOMMENDED
    if shown >= settings.conditional_at_least:
        return Verdict.CONDITIONAL
    return Verdict.NOT_RECOMMENDED
