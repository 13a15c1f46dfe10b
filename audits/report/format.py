"""The report format's names and the small conversions every part of a report uses."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

from vaudit.audits.text import Text

FORMAT = "vaudit-report"
COMPARE_FORMAT = "vaudit-comparison"
FORMAT_VERSION = 1
EVIDENCE_FOLDER = "evidence"  # beside the report: evidence files named by their SHA-256
CHECKLIST_FOLDER = "checklists"  # inside the evidence folder: checklist snapshots by SHA-256
DIGEST_MARK = "\n[digest]\n"
# The [audit] key that marks a signed-off audit exported although it changed after sign-off.
CHANGED_MARK = "changed_after_sign_off"
SHARE_DECIMALS = 4  # item contributions: sums agree with the totals to within 0.001


class ReportError(Exception):
    """A report that cannot be written, read or imported; the message says why."""


class UtcTime(dt.datetime):
    """A UTC moment that tomli-w writes as `2026-11-24T10:00:00Z` (it writes str(value));
    a plain datetime would come out with a space and `+00:00`. Both are valid TOML."""

    def __str__(self) -> str:
        return self.strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(moment: dt.datetime) -> UtcTime:
    """RFC 3339 in UTC, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    m = moment.astimezone(dt.UTC)
    return UtcTime(m.year, m.month, m.day, m.hour, m.minute, m.second, tzinfo=dt.UTC)


def rounded(value: float) -> float:
    return round(value, SHARE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def bilingual(text: Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def put(table: dict[str, Any], key: str, value: Any) -> None:
    """TOML has no null: an absent key means 'not recorded'."""
    if value is not None:
        table[key] = value


def evidence_file(folder: str, sha256: str, name: str) -> str:
    """Where an evidence file sits beside the report: named by hash, keeping a short suffix
    so that the reader's system still knows how to open it."""
    suffix = Path(name).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ""
    return f"{folder}/{sha256}{suffix}"


def checklist_file(folder: str, sha256: str) -> str:
    return f"{folder}/{CHECKLIST_FOLDER}/{sha256}.toml"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
