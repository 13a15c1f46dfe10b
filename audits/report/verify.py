"""Verifying a report file: its digest, which part changed, and the evidence files beside it."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaudit.audits import toml_text
from vaudit.audits.files import InputFileError, read_input
from vaudit.audits.models import EvidenceKind
from vaudit.audits.report.beside import read_beside
from vaudit.audits.report.digest import TOP, block_digests
from vaudit.audits.report.format import (
    COMPARE_FORMAT,
    DIGEST_MARK,
    FORMAT,
    FORMAT_VERSION,
    ReportError,
    sha256_hex,
)


@dataclass
class Verification:
    path: Path
    digest: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence_checked: int = 0
    data: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def body_intact(self) -> bool:
        return not any(p.startswith(BODY_PROBLEM) for p in self.problems)


BODY_PROBLEM = "changed:"


def split(text: str) -> tuple[str, str] | None:
    """The body (what the digest covers) and the digest table. The body ends at the empty
    line before the last `[digest]` line."""
    at = text.rfind(DIGEST_MARK)
    if at < 0:
        return None
    return text[:at], text[at + 1 :]


def verify_file(path: Path) -> Verification:
    """Check a report's digest and, when its evidence folder is beside it, every file in it."""
    result = Verification(path)
    try:
        raw = read_input(path)  # a regular file only: a FIFO or /dev/zero is refused at once
    except InputFileError as exc:
        raise ReportError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.problems.append(f"{BODY_PROBLEM} the file is not UTF-8 text (byte {exc.start})")
        return result
    parts = split(text)
    if parts is None:
        result.problems.append(f"{BODY_PROBLEM} no [digest] table: not a vaudit report, or cut")
        return result
    body_text, digest_text = parts
    try:
        digest = toml_text.loads(digest_text).get("digest", {})
    except tomllib.TOMLDecodeError as exc:
        result.problems.append(f"{BODY_PROBLEM} the [digest] table is not valid TOML ({exc})")
        return result
    expected = digest.get("value")
    result.digest = expected if isinstance(expected, str) else None
    if sha256_hex(body_text.encode("utf-8")) != expected:
        result.problems.append(f"{BODY_PROBLEM} the digest does not match the content")
        result.problems.extend(_what_differs(body_text, digest))
    try:
        body = toml_text.loads(body_text)
    except tomllib.TOMLDecodeError as exc:
        result.problems.append(f"{BODY_PROBLEM} the body is not valid TOML ({exc})")
        return result
    result.data = body
    if body.get("format") not in (FORMAT, COMPARE_FORMAT):
        result.problems.append(
            f"{BODY_PROBLEM} not a vaudit report (format is {body.get('format')!r})"
        )
        return result
    if body.get("format_version") != FORMAT_VERSION:
        result.problems.append(
            f"format version {body.get('format_version')!r} is not one this vaudit reads "
            f"({FORMAT_VERSION})"
        )
    if result.body_intact:
        _check_evidence(path, body, result)
    return result


def _what_differs(body_text: str, digest: Mapping[str, Any]) -> list[str]:
    found = []
    parts, items = block_digests(body_text)
    stored_parts = _subtable(digest, "parts")
    stored_items = _subtable(digest, "items")
    for key in sorted(set(stored_parts) | set(parts)):
        if stored_parts.get(key) != parts.get(key):
            where = "the lines before the first table" if key == TOP else f"[{key}]"
            found.append(f"{BODY_PROBLEM} {where} differs from what was exported")
    for key in sorted(set(stored_items) | set(items)):
        if stored_items.get(key) != items.get(key):
            if key not in items:
                found.append(f"{BODY_PROBLEM} item {key} was removed (or its id changed)")
            elif key not in stored_items:
                found.append(f"{BODY_PROBLEM} item {key} was added (or its id changed)")
            else:
                found.append(f"{BODY_PROBLEM} item {key} differs from what was exported")
    if not found:
        found.append(f"{BODY_PROBLEM} the body is as exported, but [digest] value was changed")
    return found


def _subtable(digest: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A table of [digest] as stored, or an empty one when it is missing or not a table."""
    value = digest.get(key)
    return value if isinstance(value, dict) else {}


def _check_evidence(report: Path, body: Mapping[str, Any], result: Verification) -> None:
    """Every evidence file the report names, read from its evidence folder only (whatever the
    header says) and checked against its SHA-256."""
    files = [
        e
        for item in body.get("items", [])
        for e in item.get("evidence", [])
        if e.get("kind") == EvidenceKind.FILE
    ]
    listed = [e for e in files if "file" in e]
    if len(listed) < len(files):
        result.notes.append(
            f"{len(files) - len(listed)} evidence file(s) are listed by SHA-256 only: the report "
            "was exported without them"
        )
    for entry in listed:
        try:
            read_beside(report, entry.get("file"), entry.get("sha256"))
        except ReportError as exc:
            result.problems.append(f"evidence {entry.get('name')!r}: {exc}")
            continue
        result.evidence_checked += 1
