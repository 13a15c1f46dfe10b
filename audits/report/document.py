"""A readable report as a plain document: headings, paragraphs, tables, lists and page breaks.
The Markdown, HTML and Word renderings each write the same document, so they say the same."""

from __future__ import annotations

from dataclasses import dataclass

from vaudit.audits.text import Lang


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 the title, 2 a part, 3 within a part


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""  # "" plain, "strong", "warning", "code" (a command to type)


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Bullets:
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Bullets | PageBreak


@dataclass(frozen=True)
class Document:
    title: str
    lang: Lang
    blocks: tuple[Block, ...]

    def text(self) -> str:
        """Every word the document shows, a line per paragraph, row or list line."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines.append(" | ".join(block.headers))
                lines.extend(" | ".join(row) for row in block.rows)
            elif isinstance(block, Bullets):
                lines.extend(block.lines)
        return "\n".join(lines)


@dataclass(frozen=True)
class RecordStamp:
    """Which record a rendering was made from: the TOML's file name, the SHA-256 of the whole
    file (what `sha256sum` prints) and its content digest (the [digest] value)."""

    name: str
    file_sha256: str
    digest: str
