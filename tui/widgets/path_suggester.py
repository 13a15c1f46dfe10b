"""Completes a file path as it is typed (→ accepts), like a shell's Tab completion."""

from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester


class PathSuggester(Suggester):
    def __init__(self) -> None:
        # The file system changes under us: never cache a listing.
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        expanded = os.path.expanduser(value)
        folder, _, stem = expanded.rpartition(os.sep)
        base = Path(folder or ".") if folder or not expanded.startswith(os.sep) else Path("/")
        if expanded.startswith(os.sep) and not folder:
            base = Path("/")
        try:
            names = sorted(entry.name for entry in os.scandir(base) if entry.name.startswith(stem))
        except OSError:
            return None
        visible = [n for n in names if not n.startswith(".") or stem.startswith(".")]
        if not visible:
            return None
        name = visible[0]
        completed = value[: len(value) - len(stem)] + name
        if (base / name).is_dir():
            completed += os.sep
        return completed if completed != value else None
