"""The HTML rendering: one self-contained page (inline CSS with a print stylesheet, no scripts,
nothing fetched from the network) that any browser shows and prints cleanly to PDF."""

from __future__ import annotations

from html import escape

from vaudit.audits.report.document import (
    Bullets,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    Table,
)

STYLE = """
body { font-family: "Noto Sans", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial,
  sans-serif; color: #1a1a1a; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
  line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #333; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #bbb; }
h3 { font-size: 1.05rem; margin-top: 1.2rem; }
h4 { font-size: .95rem; margin: .8rem 0 .3rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; width: 100%; }
th, td { border: 1px solid #bbb; padding: .25rem .45rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #eee; }
p.strong { font-weight: bold; margin-bottom: .2rem; }
p.warning { font-weight: bold; color: #a00000; }
pre { background: #f4f4f4; padding: .4rem .6rem; white-space: pre-wrap; overflow-wrap: anywhere; }
ul { margin-top: .1rem; }
hr.page { border: 0; margin: 2rem 0; border-top: 1px dashed #999; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  h2, h3, h4 { break-after: avoid; }
  tr, li, pre { break-inside: avoid; }
  thead { display: table-header-group; }
  hr.page { break-after: page; border: 0; margin: 0; }
  @page { margin: 18mm 15mm; }
}
"""


def render_html(document: Document) -> str:
    lang = "zh-CN" if document.lang == "zh" else "en"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No scripts, no fetching: the page must read the same offline and years from now.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{escape(document.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
    ]
    for block in document.blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level}>{escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            if block.style == "code":
                parts.append(f"<pre>{escape(block.text)}</pre>")
            else:
                css = f' class="{block.style}"' if block.style else ""
                parts.append(f"<p{css}>{escape(block.text)}</p>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
            rows = "".join(
                "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                for row in block.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(block, Bullets):
            lines = "".join(f"<li>{escape(line)}</li>" for line in block.lines)
            parts.append(f"<ul>{lines}</ul>")
        elif isinstance(block, PageBreak):
            parts.append('<hr class="page">')
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
