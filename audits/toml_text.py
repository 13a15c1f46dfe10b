"""TOML from outside (checklists, reports, profiles), parsed with its nesting bounded.

tomllib recurses once per level of nesting, so `x = [[[[…]]]]` 100,000 levels deep ends in a
RecursionError rather than a parse error; and data nested hundreds deep, even when it parses,
would recurse again in every reader after it. No vaudit file nests more than a handful of
levels, so anything deeper than MAX_DEPTH is refused as not valid, with a clear message."""

from __future__ import annotations

import tomllib
from typing import Any

# Far above any vaudit file (a report's deepest value is about 5 levels down).
MAX_DEPTH = 32


def _too_deep(data: object, limit: int) -> bool:
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False


def loads(text: str, *, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """tomllib.loads, raising TOMLDecodeError (as for any other invalid TOML) when the text
    nests more than `max_depth` tables or arrays deep."""
    message = f"tables or arrays nested more than {max_depth} levels deep"
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError(message) from None
    if _too_deep(data, max_depth):
        raise tomllib.TOMLDecodeError(message)
    return data
