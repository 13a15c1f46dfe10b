"""The readable renderings of a report (Markdown, HTML, Word), made from its body and naming
the record they render: its file SHA-256 and its content digest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vaudit.audits.report.document import RecordStamp
from vaudit.audits.report.format import ReportError
from vaudit.audits.report.readable import build_document
from vaudit.audits.text import Lang

__all__ = ["RecordStamp", "render_readable"]


def render_readable(fmt: str, body: Mapping[str, Any], stamp: RecordStamp, lang: Lang) -> bytes:
    document = build_document(body, stamp, lang)
    if fmt == "md":
        from vaudit.audits.report.markdown import markdown_of

        return markdown_of(document).encode("utf-8")
    if fmt == "html":
        from vaudit.audits.report.html import render_html

        return render_html(document).encode("utf-8")
    if fmt == "docx":
        from vaudit.audits.report.word_docx import render_docx

        return render_docx(document, body.get("header", {}).get("generated_at"))
    raise ReportError(f"no readable rendering called {fmt!r}")
