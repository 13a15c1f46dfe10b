"""The comparison document: several audits side by side for the final decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from vaudit.audits import __version__
from vaudit.audits.report.body import verdict_reasons_table
from vaudit.audits.report.format import (
    COMPARE_FORMAT,
    FORMAT_VERSION,
    ReportError,
    bilingual,
    put,
    rounded,
    utc,
)
from vaudit.audits.report.source import ReportSource
from vaudit.audits.scoring import Verdict
from vaudit.audits.text import Text

# Among complete audits without a failed gate, the better verdict ranks first.
VERDICT_ORDER = (Verdict.RECOMMENDED, Verdict.CONDITIONAL, Verdict.NOT_RECOMMENDED)


def build_comparison(
    sources: Sequence[ReportSource], *, generated_at: dt.datetime, generated_by: str
) -> dict[str, Any]:
    """One document for the final decision: ranking, verdicts, sections side by side, gates
    and stages. Disqualified vendors rank last whatever their total, incomplete ones before
    them; among the rest the verdict ranks first (a critical finding that caps a high score
    ranks it below a lower score without one), then the total."""
    if len(sources) < 2:
        raise ReportError("a comparison needs at least two audits")

    def rank_key(source: ReportSource) -> tuple[int, int, int, float, str]:
        s = source.view.score
        order = VERDICT_ORDER.index(s.verdict) if s.verdict in VERDICT_ORDER else 0
        return (
            bool(s.failed_gates),
            s.completion < 1.0,
            order,
            -s.total,
            source.view.vendor.name,
        )

    ranked = sorted(sources, key=rank_key)
    section_ids: list[str] = []
    titles: dict[str, Text] = {}
    for source in sources:
        for section in source.view.score.sections:
            if section.id not in titles:
                section_ids.append(section.id)
                titles[section.id] = section.title
    vendors = []
    for place, source in enumerate(ranked, start=1):
        view = source.view
        entry: dict[str, Any] = {
            "rank": place,
            "vendor": view.vendor.name,
            "vendor_id": view.vendor.uid,
            "audit_id": view.audit.uid,
            "revision": view.audit.revision,
            "status": view.audit.status,
            "total": rounded(view.score.total),
            "verdict": view.score.verdict.value,
            "completion": rounded(view.score.completion),
            "failed_gates": list(view.score.failed_gates),
            "critical_findings": list(view.score.critical_findings),
            "verdict_reasons": verdict_reasons_table(view.score),
        }
        put(entry, "stage", source.candidate.stage if source.candidate else None)
        put(entry, "selection", view.selection.name)
        vendors.append(entry)
    sections = []
    for section_id in section_ids:
        row: dict[str, Any] = {
            "id": section_id,
            "title": bilingual(titles[section_id]),
            "scores": {},
        }
        for source in ranked:
            found = source.view.score.section(section_id)
            if found is not None and found.score is not None:
                row["scores"][source.view.vendor.name] = rounded(found.score)
        sections.append(row)
    return {
        "format": COMPARE_FORMAT,
        "format_version": FORMAT_VERSION,
        "header": {
            "tool": "vaudit",
            "tool_version": __version__,
            "generated_at": utc(generated_at),
            "generated_by": generated_by,
        },
        "vendors": vendors,
        "sections": sections,
    }
