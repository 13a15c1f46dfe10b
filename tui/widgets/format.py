"""How values look on screen: verdict colours, result glyphs, stage and status names."""

from __future__ import annotations

import datetime as dt

from rich.markup import escape
from rich.text import Text as RichText

from vaudit.audits.present import visible
from vaudit.audits.text import Lang
from vaudit.tui.labels import tr

VERDICT_STYLES = {
    "recommended": "bold green",
    "conditional": "yellow",
    "not_recommended": "red",
    "disqualified": "bold white on red",
    "incomplete": "dim",
}

RESULT_GLYPHS = {
    "pass": ("✔", "green"),
    "partial": ("◐", "yellow"),
    "fail": ("✘", "bold red"),
    "na": ("–", "dim"),
    None: ("·", "dim"),
}


def shown(text: str | None) -> str:
    """Stored text for a place that reads Rich markup (a table cell, a str given to a Static):
    controls made visible and markup escaped, so a vendor name is shown as typed, never
    acted on by the terminal or taken as styling."""
    return escape(visible(text or ""))


def verdict_text(verdict: str | None, lang: Lang) -> RichText:
    if verdict is None:
        return RichText("")
    from vaudit.audits.scoring import VERDICT_LABELS, Verdict

    return RichText(VERDICT_LABELS[Verdict(verdict)](lang), style=VERDICT_STYLES.get(verdict, ""))


def result_glyph(result: str | None) -> RichText:
    glyph, style = RESULT_GLYPHS.get(result, RESULT_GLYPHS[None])
    return RichText(glyph, style=style)


def result_name(result: str | None, lang: Lang) -> str:
    names = {"pass": "Pass", "partial": "Partial", "fail": "Fail", "na": "N/A"}
    return tr(names[result], lang) if result in names else "—"


def stage_name(stage: str | None, lang: Lang) -> str:
    from vaudit.audits.vocabulary import STAGE_LABELS

    return STAGE_LABELS[stage](lang) if stage in STAGE_LABELS else (stage or "")


def status_name(status: str | None, lang: Lang) -> str:
    from vaudit.audits.vocabulary import STATUS_LABELS

    return STATUS_LABELS[status](lang) if status in STATUS_LABELS else (status or "")


def when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone().strftime("%m-%d %H:%M")
