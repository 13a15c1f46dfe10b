"""The `[digest]` table: the SHA-256 of every byte before it, and one per part and per item, so
that verify can say *where* a changed report differs."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import tomli_w

from vaudit.audits.report.format import sha256_hex

_TABLE_LINE = re.compile(r"\[\[?([A-Za-z0-9_-]+)")
ITEM_HEADER = "[[items]]"
TOP = "top"  # the lines before the first table (format, format_version)


_HEADER_LINE = re.compile(r"^\[.*$", re.MULTILINE)
_ITEM_ID = re.compile(r'\[\[items\]\]\r?\nid = "([^"\\\r\n]*)"')


def block_digests(body_text: str) -> tuple[dict[str, str], dict[str, str]]:
    """One SHA-256 per top-level table (its lines as written, sub-tables included) and one per
    item. The blocks cut the body into consecutive pieces, so the whole digest changes only if
    one of them does: verify can then say which. tomli-w never writes a raw newline inside a
    value, so a line that starts with `[` is always a table header."""
    parts: dict[str, Any] = {TOP: hashlib.sha256()}
    items: dict[str, Any] = {}
    current = parts[TOP]
    cut = 0
    for header in _HEADER_LINE.finditer(body_text):
        current.update(body_text[cut : header.start()].encode("utf-8"))
        cut = header.start()
        line = header.group(0).rstrip("\r")
        if line == ITEM_HEADER:
            named = _ITEM_ID.match(body_text, header.start())
            name = named.group(1) if named else f"#{len(items) + 1}"
            if name in items:
                name = f"{name}#{len(items) + 1}"
            current = items[name] = hashlib.sha256()
        else:
            found = _TABLE_LINE.match(line)
            key = found.group(1) if found else line
            if key != "items":
                current = parts.setdefault(key, hashlib.sha256())
    current.update(body_text[cut:].encode("utf-8"))
    return (
        {k: h.hexdigest() for k, h in parts.items()},
        {k: h.hexdigest() for k, h in items.items()},
    )


def render(body: Mapping[str, Any]) -> tuple[str, str]:
    """The report's text and its digest. The digest covers every byte before `[digest]`."""
    text = tomli_w.dumps(body)
    value = sha256_hex(text.encode("utf-8"))
    parts, items = block_digests(text)
    # Written by hand: only plain strings, and tomli-w would cost a fifth of the export again.
    lines = [
        "[digest]",
        'algorithm = "sha256"',
        'covers = "every byte of this file before the empty line above [digest]"',
        f'value = "{value}"',
        "",
        "[digest.parts]",
        *(f'{_toml_key(k)} = "{v}"' for k, v in parts.items()),
        "",
        "[digest.items]",
        *(f'{_toml_key(k)} = "{v}"' for k, v in items.items()),
    ]
    return text + "\n" + "\n".join(lines) + "\n", value


def _toml_key(key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    # A JSON string is a valid TOML basic string (the same escapes, \uXXXX for controls).
    return json.dumps(key, ensure_ascii=False)
