"""Plain tables, lines and JSON for the command line; CJK text counts two columns. Everything
printed here passes through visible(): stored text is shown, never interpreted by the terminal."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

import click

from vaudit.audits.present import visible

_JSON_HIDDEN = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def cell_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - cell_width(text))
    return gap + text if right else text + gap


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    cells = [[visible("" if v is None else str(v)) for v in row] for row in rows]
    headers = [visible(h) for h in headers]
    widths = [cell_width(h) for h in headers]
    for row in cells:
        for n, value in enumerate(row):
            widths[n] = max(widths[n], cell_width(value))
    lines = ["  ".join(pad(h, widths[n], n in right) for n, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("─" * w for w in widths))
    for row in cells:
        lines.append("  ".join(pad(v, widths[n], n in right) for n, v in enumerate(row)).rstrip())
    return "\n".join(lines)


def echo_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()
) -> None:
    if not rows:
        click.echo("(none)")
        return
    click.echo(table(headers, rows, right))


def say(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo for lines that may hold stored text: controls made visible, lines kept."""
    click.echo(visible(str(message), lines=True), err=err, nl=nl)


def echo_json(data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    # JSON already escapes C0 controls; the rest a terminal would act on (C1, bidi overrides,
    # lone surrogates) are escaped as \uXXXX too: the same string to a JSON reader.
    sys.stdout.write(_JSON_HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def echo_json_list(items: Iterable[Any]) -> None:
    """A JSON list written item by item as the items come: the same text as echo_json(list),
    without holding the list."""
    opening = "[\n"
    for item in items:
        sys.stdout.write(opening + "  " + _indented(item, 1))
        opening = ",\n"
    sys.stdout.write("[]\n" if opening == "[\n" else "\n]\n")


# A value without indent goes through json's C encoder; with indent json falls back to its
# pure-Python encoder, which took half of `audits list --json` at 10,000 audits.
_scalar_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _indented(value: Any, level: int) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str), as it
    reads nested `level` deep, with each scalar encoded by the C encoder."""
    inner = "\n" + "  " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not all(isinstance(key, str) for key in value):  # json's own key conversions
            text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
            return text.replace("\n", "\n" + "  " * level)
        body = ("," + inner).join(
            f"{_scalar_json(key)}: {_indented(value[key], level + 1)}" for key in sorted(value)
        )
        return "{" + inner + body + "\n" + "  " * level + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        body = ("," + inner).join(_indented(v, level + 1) for v in value)
        return "[" + inner + body + "\n" + "  " * level + "]"
    return _scalar_json(value)


# Rows a streamed table lays out at a time: column widths are those of each page.
TABLE_PAGE = 1000


def echo_table_pages(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], right: Sequence[int] = ()
) -> None:
    """echo_table for rows that come as a stream: the heading once, then each page of rows
    aligned on its own (a list of up to TABLE_PAGE rows reads exactly as echo_table's)."""
    shown = False
    for page in batched(rows, TABLE_PAGE):
        lines = table(headers, page, right).split("\n")
        click.echo("\n".join(lines if not shown else lines[2:]))
        shown = True
    if not shown:
        click.echo("(none)")


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while page := list(islice(iterator, size)):
        yield page


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    """Label: value lines, labels aligned (for `show` commands)."""
    width = max((cell_width(label) for label, _ in pairs), default=0)
    return "\n".join(
        f"{pad(visible(label), width)}  {'' if value is None else visible(str(value))}"
        for label, value in pairs
    )
