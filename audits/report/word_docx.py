"""The Word rendering (.docx, python-docx): what legal departments mark up. The same document
as the HTML page, with real headings, tables and page breaks."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document as new_docx
from docx.enum.text import WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Pt

from vaudit.audits.report.document import (
    Bullets,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    Table,
)

# A fixed creation time keeps the file's core properties from saying when it was rendered
# differently from the record (the record's own generated_at is in the text).
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def render_docx(document: Document, generated_at: dt.datetime | None = None) -> bytes:
    doc = new_docx()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    # East Asian text needs its own font name, or Word falls back to a Western font for it.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    props = doc.core_properties
    props.title = document.title
    props.language = "zh-CN" if document.lang == "zh" else "en"
    props.author = "vaudit"
    props.created = props.modified = generated_at or _EPOCH
    # Styles are set by id on the paragraph's XML: python-docx's lookup by name searches every
    # style for each paragraph and made a report take most of a second.
    ids = {s.name: s.style_id for s in doc.styles if s.name}
    for block in document.blocks:
        if isinstance(block, Heading):
            name = "Title" if block.level == 1 else f"Heading {min(block.level - 1, 4)}"
            doc.add_paragraph(block.text)._p.style = ids[name]
        elif isinstance(block, Paragraph):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(block.text)
            if block.style in ("strong", "warning"):
                run.bold = True
            if block.style == "code":
                run.font.name = "Consolas"
                run.font.size = Pt(9)
        elif isinstance(block, Table):
            table = doc.add_table(rows=1, cols=len(block.headers))
            table._tbl.tblStyle_val = ids["Table Grid"]
            for cell, text in zip(table.rows[0].cells, block.headers, strict=True):
                cell.text = text
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in block.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
        elif isinstance(block, Bullets):
            for line in block.lines:
                doc.add_paragraph(line)._p.style = ids["List Bullet"]
        elif isinstance(block, PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    """The text a reader sees in a .docx, a line per paragraph and per table row (for tests
    and for checking a rendering without Word)."""
    from docx import Document as open_docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    doc = open_docx(io.BytesIO(data))
    lines: list[str] = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = DocxParagraph(child, doc).text
            if text:
                lines.append(text)
        elif child.tag == qn("w:tbl"):
            for row in DocxTable(child, doc).rows:
                lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)
