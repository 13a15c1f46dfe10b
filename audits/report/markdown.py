"""A readable Markdown rendering of a report, for people; the TOML stays the record.

It is rendered from the same data as the TOML (never from the database), so the two cannot
say different things; it names the TOML file's SHA-256 and its content digest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vaudit.audits.present import DASH, percent, points
from vaudit.audits.report.document import (
    Bullets,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    RecordStamp,
    Table,
)
from vaudit.audits.report.readable import build_document, title_of
from vaudit.audits.report.words import named, word
from vaudit.audits.text import Lang


def _w(key: str, lang: Lang) -> str:
    return word(key, lang)


def _cell(value: str) -> str:
    # Markdown tables: a pipe or a newline would break the row.
    return value.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _title(value: Mapping[str, str] | str, lang: Lang) -> str:
    return title_of(value, lang)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(_cell(str(v)) for v in row) + " |" for row in rows)
    return lines


def markdown_of(document: Document) -> str:
    out: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            out += [f"{'#' * block.level} {block.text}", ""]
        elif isinstance(block, Paragraph):
            if block.style == "code":
                out += ["```", block.text, "```", ""]
            elif block.style in ("strong", "warning"):
                out += [f"**{block.text}**", ""]
            else:
                out += [block.text, ""]
        elif isinstance(block, Table):
            out += [*_table(block.headers, block.rows), ""]
        elif isinstance(block, Bullets):
            out += [*(f"- {line}" for line in block.lines), ""]
        elif isinstance(block, PageBreak):
            out += ["---", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def render_markdown(body: Mapping[str, Any], stamp: RecordStamp, lang: Lang = "en") -> str:
    """The readable Markdown of a report: the same document as the HTML and Word renderings."""
    return markdown_of(build_document(body, stamp, lang))


def render_comparison_markdown(body: Mapping[str, Any], digest: str, lang: Lang = "en") -> str:
    from vaudit.audits.scoring import VERDICT_LABELS, Verdict
    from vaudit.audits.vocabulary import STAGE_LABELS

    vendors = body["vendors"]
    out = [f"# {_w('comparison', lang)}", "", f"{_w('content_digest', lang)}: `{digest}`", ""]
    out += _table(
        [
            _w("rank", lang),
            _w("vendor", lang),
            _w("total", lang),
            _w("verdict", lang),
            _w("completion", lang),
            _w("stage", lang),
            _w("gates", lang),
        ],
        [
            [
                v["rank"],
                v["vendor"],
                points(v["total"]),
                VERDICT_LABELS[Verdict(v["verdict"])](lang),
                percent(v["completion"]),
                named(STAGE_LABELS, v["stage"], lang) if "stage" in v else DASH,
                ", ".join(v["failed_gates"]) or DASH,
            ]
            for v in vendors
        ],
    )
    out += ["", f"## {_w('sections', lang)}", ""]
    names = [v["vendor"] for v in vendors]
    out += _table(
        [_w("section", lang), *names],
        [
            [_title(s["title"], lang), *(points(s["scores"].get(n)) for n in names)]
            for s in body["sections"]
        ],
    )
    return "\n".join(out) + "\n"
