"""Scores and verdicts: pure functions over a checklist set, a scenario and the answers.

Item points come from the scoring settings (pass 1, partial 0.5, fail 0 by default). An item that
is not applicable (by its scenario conditions, or answered n/a) is left out of its section; an
unanswered one counts 0 and lowers completion. A section's score is the weighted mean of its
items × 100; the total is the weighted mean of the sections that have applicable items.

The verdict: a failed gate disqualifies; an unanswered applicable item leaves it incomplete;
otherwise the score's band (scoring.toml [scoring.verdict]), capped by any critical item that
failed or is still open ([scoring.critical]). Every verdict carries the reasons that decided it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from vaudit.audits.checklist import ChecklistSet, Item
from vaudit.audits.present import score_shown
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.text import Lang, Text


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


# From best to worst: a critical cap only ever lowers a verdict along this order.
_RANKED = (Verdict.RECOMMENDED, Verdict.CONDITIONAL, Verdict.NOT_RECOMMENDED)


class ReasonKind(StrEnum):
    FAILED_GATE = "failed_gate"
    CRITICAL_FAILED = "critical_failed"
    CRITICAL_OPEN = "critical_open"
    INCOMPLETE = "incomplete"
    BELOW_THRESHOLD = "below_threshold"
    SCORE = "score"  # nothing held the verdict back: the score reached the threshold


@dataclass(frozen=True, slots=True)
class VerdictReason:
    """One reason for a verdict: what it is, a one-line label in both languages and the items
    it names (ids and titles)."""

    kind: ReasonKind
    label: Text
    items: tuple[str, ...] = ()
    titles: tuple[Text, ...] = ()
    caps_at: Verdict | None = None  # for a critical finding: the best verdict it allows

    def line(self, lang: Lang) -> str:
        """The label and the titles of the items it names, on one line."""
        if not self.titles:
            return self.label(lang)
        separator = "：" if lang == "zh" else ": "
        joiner = "；" if lang == "zh" else "; "
        return self.label(lang) + separator + joiner.join(t(lang) for t in self.titles)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "label": self.label.as_dict(),
            "items": list(self.items),
            "caps_at": self.caps_at.value if self.caps_at else None,
            "line": {"zh": self.line("zh"), "en": self.line("en")},
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
    # Applicable critical items answered fail or partial, in checklist order.
    critical_findings: tuple[str, ...] = ()
    verdict_reasons: tuple[VerdictReason, ...] = ()

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
    critical: list[Item] = []
    critical_results: dict[str, Result] = {}
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
            if item.critical and result in (Result.FAIL, Result.PARTIAL):
                critical.append(item)
                critical_results[item.id] = result
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
    gate_items = [i for i in (checklists.item(g) for g in all_gates) if i is not None]
    verdict, reasons = decide(
        checklists,
        total,
        answered_total,
        applicable_total,
        gate_items,
        [(item, critical_results[item.id]) for item in critical],
    )
    return AuditScore(
        total=total,
        completion=completion,
        verdict=verdict,
        failed_gates=tuple(all_gates),
        sections=tuple(sections),
        applicable=applicable_total,
        answered=answered_total,
        critical_findings=tuple(item.id for item in critical),
        verdict_reasons=reasons,
    )


def decide(
    checklists: ChecklistSet,
    total: float,
    answered: int,
    applicable: int,
    failed_gates: Sequence[Item],
    critical: Sequence[tuple[Item, Result]],
) -> tuple[Verdict, tuple[VerdictReason, ...]]:
    """The verdict and every reason that decided it (critical findings are named whatever the
    verdict, so an incomplete or disqualified audit still shows what would cap it)."""
    settings = checklists.scoring
    reasons: list[VerdictReason] = []
    if failed_gates:
        reasons.append(
            VerdictReason(
                ReasonKind.FAILED_GATE,
                REASON_LABELS[ReasonKind.FAILED_GATE],
                tuple(i.id for i in failed_gates),
                tuple(i.title for i in failed_gates),
            )
        )
    if answered < applicable:
        missing = applicable - answered
        reasons.append(
            VerdictReason(
                ReasonKind.INCOMPLETE,
                Text(
                    f"{applicable} 个适用项中有 {missing} 个未回答",
                    f"{missing} of {applicable} applicable items unanswered",
                ),
            )
        )
    cap = Verdict.RECOMMENDED
    for result, kind in (
        (Result.FAIL, ReasonKind.CRITICAL_FAILED),
        (Result.PARTIAL, ReasonKind.CRITICAL_OPEN),
    ):
        found = [item for item, r in critical if r is result]
        spec = settings.cap_for(result)
        if not found or spec is None:
            continue
        caps_at = Verdict(spec.caps_at)
        cap = max(cap, caps_at, key=_RANKED.index)
        reasons.append(
            VerdictReason(
                kind,
                spec.reason,
                tuple(i.id for i in found),
                tuple(i.title for i in found),
                caps_at,
            )
        )
    if failed_gates:
        return Verdict.DISQUALIFIED, tuple(reasons)
    if answered < applicable:
        return Verdict.INCOMPLETE, tuple(reasons)
    # Compare on the rounded score people see, so 79.996 shown as "80.0" is not "conditional".
    shown = float(score_shown(total))
    if shown >= settings.recommended_at_least:
        band = Verdict.RECOMMENDED
    elif shown >= settings.conditional_at_least:
        band = Verdict.CONDITIONAL
    else:
        band = Verdict.NOT_RECOMMENDED
    if band is not Verdict.RECOMMENDED:
        floor = (
            settings.recommended_at_least
            if band is Verdict.CONDITIONAL
            else settings.conditional_at_least
        )
        next_up = _RANKED[_RANKED.index(band) - 1]
        reasons.insert(
            0,
            VerdictReason(
                ReasonKind.BELOW_THRESHOLD,
                Text(
                    f"得分 {shown:.1f} 低于“{VERDICT_LABELS[next_up].zh}”的 {floor:g} 分",
                    f"score {shown:.1f} below {floor:g} for {VERDICT_LABELS[next_up].en}",
                ),
            ),
        )
    verdict = max(band, cap, key=_RANKED.index)
    if not reasons:
        reasons.append(
            VerdictReason(
                ReasonKind.SCORE,
                Text(
                    f"得分 {shown:.1f} 达到 {settings.recommended_at_least:g} 分，"
                    "无一票否决项或关键项问题",
                    f"score {shown:.1f} at or above {settings.recommended_at_least:g}, "
                    "no failed gate or critical finding",
                ),
            )
        )
    return verdict, tuple(reasons)


REASON_LABELS: dict[ReasonKind, Text] = {
    ReasonKind.FAILED_GATE: Text("一票否决项不通过", "failed gate"),
}


# The home table's short form of the reasons: a count per kind that names items.
REASON_SHORT: dict[str, Text] = {
    ReasonKind.FAILED_GATE: Text("否决项 {n}", "gate {n}"),
    ReasonKind.CRITICAL_FAILED: Text("关键项 {n}", "critical {n}"),
    ReasonKind.CRITICAL_OPEN: Text("待澄清 {n}", "open {n}"),
}


def cached_reasons(audit_score: AuditScore) -> str:
    """The reasons as kept beside a cached verdict: JSON, kind and item ids per reason."""
    return json.dumps(
        [{"kind": r.kind.value, "items": list(r.items)} for r in audit_score.verdict_reasons],
        ensure_ascii=False,
    )


def reasons_summary(cached: str | None, lang: Lang) -> str:
    """A few words on what holds a cached verdict down ("gate 1 · critical 2"); empty when
    nothing names an item."""
    if not cached:
        return ""
    parts = []
    for reason in json.loads(cached):
        short = REASON_SHORT.get(reason.get("kind", ""))
        if short is not None and reason.get("items"):
            parts.append(short(lang).format(n=len(reason["items"])))
    return " · ".join(parts)
