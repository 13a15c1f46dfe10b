"""Parsing the scoring file (scoring.toml): section weights, verdict thresholds and the caps
critical findings put on a verdict. Split from checklist_parse, whose helpers it uses."""

from __future__ import annotations

from typing import Any

from vaudit.audits.checklist_model import (
    MAX_WEIGHT,
    ChecklistError,
    CriticalCap,
    ScoringSettings,
    Section,
    Source,
)
from vaudit.audits.checklist_parse import (
    _Collector,
    _file_format,
    _parse_toml,
    _positive_int,
    _text,
    _unknown_keys,
)
from vaudit.audits.rules import Result


def parse_scoring(source: Source) -> ScoringSettings:
    data = _parse_toml(source)
    c = _Collector(source)
    _unknown_keys(c, data, {"format", "scoring", "sections"}, None, "the file")
    file_format = _file_format(c, data)
    head = data.get("scoring")
    if not isinstance(head, dict):
        c.add("the [scoring] table is missing", None, "scoring")
        raise ChecklistError(c.problems)
    head_keys = {"version", "default_section_weight", "results", "verdict"}
    _unknown_keys(
        c, head, head_keys | ({"critical"} if file_format >= 2 else set()), None, "[scoring]"
    )
    version = _positive_int(c, head.get("version"), None, "scoring.version")

    def number(table: Any, key: str, name: str, low: float, high: float) -> float:
        value = table.get(key) if isinstance(table, dict) else None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            c.add(f"must be a number from {low:g} to {high:g}", None, name)
            return 0.0
        return float(value)

    results = head.get("results")
    if not isinstance(results, dict):
        c.add("the [scoring.results] table is missing", None, "scoring.results")
        results = {}
    else:
        _unknown_keys(c, results, {"pass", "partial", "fail"}, None, "[scoring.results]")
    points = {
        Result.PASS: number(results, "pass", "scoring.results.pass", 0, 1),
        Result.PARTIAL: number(results, "partial", "scoring.results.partial", 0, 1),
        Result.FAIL: number(results, "fail", "scoring.results.fail", 0, 1),
    }
    verdict = head.get("verdict", {})
    if isinstance(verdict, dict):
        _unknown_keys(
            c, verdict, {"recommended_at_least", "conditional_at_least"}, None, "[scoring.verdict]"
        )
    recommended = number(
        verdict, "recommended_at_least", "scoring.verdict.recommended_at_least", 0, 100
    )
    conditional = number(
        verdict, "conditional_at_least", "scoring.verdict.conditional_at_least", 0, 100
    )
    if conditional > recommended:
        c.add("conditional_at_least must not exceed recommended_at_least", None, "scoring.verdict")
    default_weight = number(
        head, "default_section_weight", "scoring.default_section_weight", 0, MAX_WEIGHT
    )
    sections: list[Section] = []
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        c.add("needs at least one [[sections]] entry", None, "sections")
    else:
        for n, entry in enumerate(raw_sections):
            name = f"sections[{n}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                c.add("must be a table with id and weight", None, name)
                continue
            _unknown_keys(c, entry, {"id", "weight"}, None, name)
            weight = number(entry, "weight", f"{name}.weight", 0, MAX_WEIGHT)
            if any(s.id == entry["id"] for s in sections):
                c.add(f"section '{entry['id']}' is listed twice", None, name)
                continue
            sections.append(Section(entry["id"], weight))
    if sections and not any(s.weight > 0 for s in sections):
        c.add("at least one section needs a weight above 0", None, "sections")
    caps = _parse_caps(c, head.get("critical")) if file_format >= 2 else ()
    if c.problems or version is None:
        raise ChecklistError(c.problems)
    return ScoringSettings(
        version=version,
        points=points,
        recommended_at_least=recommended,
        conditional_at_least=conditional,
        default_section_weight=default_weight,
        sections=tuple(sections),
        source=source,
        critical_caps=caps,
    )


# The verdicts a critical finding can cap at, best first (a cap never raises a verdict).
CAP_VERDICTS = ("conditional", "not_recommended")


def _parse_caps(c: _Collector, raw: Any) -> tuple[CriticalCap, ...]:
    """[scoring.critical.fail] and [scoring.critical.partial]: the verdict each result of a
    critical item caps at, and the reason the verdict gives."""
    if not isinstance(raw, dict):
        c.add("the [scoring.critical] table is missing (format 2)", None, "scoring.critical")
        return ()
    _unknown_keys(c, raw, {"fail", "partial"}, None, "[scoring.critical]")
    caps: list[CriticalCap] = []
    for result in (Result.FAIL, Result.PARTIAL):
        name = f"scoring.critical.{result.value}"
        table = raw.get(result.value)
        if not isinstance(table, dict):
            c.add(f"the [{name}] table is missing", None, name)
            continue
        _unknown_keys(c, table, {"caps_at", "reason"}, None, f"[{name}]")
        caps_at = table.get("caps_at")
        if caps_at not in CAP_VERDICTS:
            c.add(f"caps_at must be one of: {', '.join(CAP_VERDICTS)}", None, f"{name}.caps_at")
            continue
        reason = _text(c, table, "reason", None, prefix=f"{name}.")
        if reason is not None:
            caps.append(CriticalCap(result, caps_at, reason))
    if len(caps) == 2 and CAP_VERDICTS.index(caps[0].caps_at) < CAP_VERDICTS.index(caps[1].caps_at):
        c.add("a failed critical item must cap at least as low as a partial one", None, "scoring")
    return tuple(caps)
