"""Billing reconciliation: a vendor's per-message statement set against what a run measured.

Three comparisons, message by message:
- messages billed vs sent: rows matched to the run's messages (by the vendor's id, else our
  token in a column or in the billed text), rows that match nothing, messages accepted but not
  billed, messages billed twice;
- billed segments vs the 70/67 rule (GSM-7 160/153), counted on the text with its 【signature】
  by segments.count, as the carriers bill;
- billed as delivered vs delivered by the final DLR vs arrived on a test handset.

Statement columns come from a format in statements.toml (or a mapping file of the same shape).
Pure: no storage here (reconcile_store reads the run and keeps the result).
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.plan import TOKEN_ALPHABET, TOKEN_LENGTH

FIELDS = ("message_id", "token", "phone", "content", "segments", "status", "charge")
MAX_STATEMENT_BYTES = 50 * 1024 * 1024
EXAMPLES = 5  # message tokens listed per finding


@dataclass(frozen=True)
class StatementFormat:
    name: str
    title: str
    columns: dict[str, tuple[str, ...]]
    success: frozenset[str]


@dataclass(frozen=True)
class StatementRow:
    line: int
    message_id: str
    token: str
    content: str
    segments: int
    status: str
    success: bool


@dataclass(frozen=True)
class SentMessage:
    """A message of the run as the reconciliation needs it."""

    token: str
    kind: str
    vendor_id: str | None
    characters: int
    segments: int  # by the 70/67 (160/153) rule, signature included
    submitted: bool
    accepted: bool
    dlr_delivered: bool  # the first final report said delivered
    dlr_final: bool
    arrived: bool  # a handset receipt came


def _formats_from(data: Mapping[str, Any], source: str) -> dict[str, StatementFormat]:
    formats = data.get("formats")
    if not isinstance(formats, Mapping) or not formats:
        raise ChannelError(f"{source}: needs [formats.NAME] tables")
    out = {}
    for name, spec in formats.items():
        if not isinstance(spec, Mapping):
            raise ChannelError(f"{source}: formats.{name} must be a table")
        columns: dict[str, tuple[str, ...]] = {}
        for field in FIELDS:
            headers = spec.get(field, [])
            if isinstance(headers, str):
                headers = [headers]
            if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
                raise ChannelError(f"{source}: formats.{name}.{field} must be a list of headers")
            columns[field] = tuple(headers)
        success = spec.get("success", [])
        if not isinstance(success, list) or not success:
            raise ChannelError(f"{source}: formats.{name}.success must list the success words")
        out[str(name)] = StatementFormat(
            str(name),
            str(spec.get("title", name)),
            columns,
            frozenset(str(w).strip().upper() for w in success),
        )
    return out


def load_formats(mapping: Path | None = None) -> dict[str, StatementFormat]:
    """The shipped formats, plus (overriding by name) those of a mapping file."""
    text = resources.files("vaudit.audits.channel").joinpath("statements.toml").read_text("utf-8")
    formats = _formats_from(tomllib.loads(text), "statements.toml")
    if mapping is not None:
        try:
            data = tomllib.loads(mapping.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ChannelError(f"no mapping file {mapping}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ChannelError(f"{mapping}: not valid TOML: {exc}") from None
        formats |= _formats_from(data, str(mapping))
    return formats


def _decode(content: bytes, source: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese consoles often export GBK
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ChannelError(f"{source}: neither UTF-8 nor GB18030 text")


def _column(headers: Sequence[str], wanted: tuple[str, ...]) -> int | None:
    for name in wanted:
        if name in headers:
            return headers.index(name)
    return None


def _usable(fmt: StatementFormat, headers: Sequence[str]) -> bool:
    found = {f for f in FIELDS if _column(headers, fmt.columns[f]) is not None}
    return {"segments", "status"} <= found and bool(found & {"message_id", "token", "content"})


def read_statement(
    content: bytes,
    source: str,
    formats: Mapping[str, StatementFormat],
    format_name: str | None = None,
) -> tuple[StatementFormat, list[StatementRow]]:
    """The statement's rows by the format named, or by the first format whose columns fit."""
    if len(content) > MAX_STATEMENT_BYTES:
        raise ChannelError(f"{source}: larger than {MAX_STATEMENT_BYTES // 2**20} MB")
    reader = csv.reader(io.StringIO(_decode(content, source), newline=""))
    try:
        headers = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise ChannelError(f"{source}: empty statement") from None
    except csv.Error as exc:
        raise ChannelError(f"{source}:1: {exc}") from None
    if format_name is not None:
        if format_name not in formats:
            raise ChannelError(
                f"unknown statement format {format_name!r}; one of {', '.join(formats)}"
            )
        fmt = formats[format_name]
        if not _usable(fmt, headers):
            raise ChannelError(
                f"{source}: the columns do not fit format {format_name!r} (needs "
                + ", ".join(f"{f}: {' / '.join(fmt.columns[f])}" for f in ("segments", "status"))
                + ", and an id, token or content column)"
            )
    else:
        fitting = [f for f in formats.values() if _usable(f, headers)]
        if not fitting:
            raise ChannelError(
                f"{source}: no known statement format fits the columns {', '.join(headers)}; "
                "give --format or --mapping (see docs/channel-gateways.md)"
            )
        fmt = fitting[0]
    at = {f: _column(headers, fmt.columns[f]) for f in FIELDS}

    def cell(row: list[str], field: str) -> str:
        index = at[field]
        return row[index].strip() if index is not None and index < len(row) else ""

    rows = []
    try:
        for line, row in enumerate(reader, start=2):
            if not any(c.strip() for c in row):
                continue
            raw_segments = cell(row, "segments")
            try:
                segments = int(float(raw_segments))
            except ValueError:
                raise ChannelError(
                    f"{source}:{line}: billed segments {raw_segments!r} is not a number"
                ) from None
            if not 0 <= segments <= 100:
                raise ChannelError(f"{source}:{line}: billed segments {segments} out of range")
            status = cell(row, "status")
            rows.append(
                StatementRow(
                    line,
                    cell(row, "message_id"),
                    cell(row, "token").upper(),
                    cell(row, "content"),
                    segments,
                    status,
                    status.upper() in fmt.success,
                )
            )
    except csv.Error as exc:
        raise ChannelError(f"{source}:{reader.line_num}: {exc}") from None
    return fmt, rows


def _token_in(text: str, tokens: Mapping[str, SentMessage]) -> str | None:
    for start in range(max(0, len(text) - TOKEN_LENGTH + 1)):
        window = text[start : start + TOKEN_LENGTH]
        if window in tokens and all(c in TOKEN_ALPHABET for c in window):
            return window
    return None


def reconcile(messages: Sequence[SentMessage], rows: Sequence[StatementRow]) -> dict[str, Any]:
    """The three comparisons as plain data (see the module docstring)."""
    by_vendor = {m.vendor_id: m for m in messages if m.vendor_id}
    by_token = {m.token: m for m in messages}
    billed: dict[str, list[StatementRow]] = {}
    unmatched = []
    for row in rows:
        message = by_vendor.get(row.message_id) if row.message_id else None
        if message is None and row.token:
            message = by_token.get(row.token)
        if message is None and row.content:
            token = _token_in(row.content, by_token)
            message = by_token.get(token) if token else None
        if message is None:
            unmatched.append(row.line)
            continue
        billed.setdefault(message.token, []).append(row)

    over: list[dict[str, Any]] = []
    under = 0
    expected_total = billed_total = long_billed = long_over = 0
    success = Counter[str]()
    not_arrived: list[str] = []
    dlr_not_delivered: list[str] = []
    for token, billed_rows in billed.items():
        m = by_token[token]
        charged = sum(r.segments for r in billed_rows)
        expected_total += m.segments
        billed_total += charged
        long_billed += m.segments > 1
        if charged > m.segments:
            long_over += m.segments > 1
            over.append(
                {
                    "token": m.token,
                    "kind": m.kind,
                    "characters": m.characters,
                    "expected": m.segments,
                    "billed": charged,
                }
            )
        elif charged < m.segments:
            under += 1
        if any(r.success for r in billed_rows):
            success["billed"] += 1
            success["dlr_delivered"] += m.dlr_delivered
            success["arrived"] += m.arrived
            if not m.arrived:
                not_arrived.append(m.token)
            if not m.dlr_delivered:
                dlr_not_delivered.append(m.token)
    accepted = [m for m in messages if m.accepted]
    return {
        "messages": {
            "sent": sum(m.submitted for m in messages),
            "accepted": len(accepted),
            "statement_rows": len(rows),
            "billed": len(billed),
            "billed_twice": sum(len(r) > 1 for r in billed.values()),
            "accepted_not_billed": sum(m.token not in billed for m in accepted),
            "billed_not_accepted": sum(not by_token[t].accepted for t in billed),
            "rows_not_in_run": len(unmatched),
            "rows_not_in_run_lines": unmatched[:EXAMPLES],
        },
        "segments": {
            "expected": expected_total,
            "billed": billed_total,
            "long_messages_billed": long_billed,
            "overbilled_messages": len(over),
            "overbilled_long_messages": long_over,
            "overbilled_segments": sum(o["billed"] - o["expected"] for o in over),
            "underbilled_messages": under,
            "overbilled_examples": sorted(over, key=lambda o: o["token"])[:EXAMPLES],
        },
        "success": {
            "billed_as_delivered": success["billed"],
            "dlr_delivered": success["dlr_delivered"],
            "arrived": success["arrived"],
            "not_arrived": len(not_arrived),
            "dlr_not_delivered": len(dlr_not_delivered),
            "not_arrived_examples": sorted(not_arrived)[:EXAMPLES],
        },
    }


def summary_lines(result: dict[str, Any]) -> list[str]:
    """A reconciliation in a few readable lines (the command line and the channel screen)."""
    m, s, d = result["messages"], result["segments"], result["success"]
    lines = [
        f"run {result['run']} · statement {result['statement']} ({result['format']})",
        f"messages: sent {m['sent']} · accepted {m['accepted']} · billed {m['billed']} "
        f"({m['statement_rows']} rows) · accepted not billed {m['accepted_not_billed']} · "
        f"billed twice {m['billed_twice']} · billed not accepted {m['billed_not_accepted']} · "
        f"rows not in the run {m['rows_not_in_run']}",
        f"segments (70/67 rule, signature included): expected {s['expected']} · billed "
        f"{s['billed']} · overbilled messages {s['overbilled_messages']} "
        f"({s['overbilled_long_messages']} long, +{s['overbilled_segments']} segments) · "
        f"underbilled {s['underbilled_messages']}",
        f"billed as delivered {d['billed_as_delivered']} · DLR delivered {d['dlr_delivered']} · "
        f"arrived on a handset {d['arrived']} · billed but never arrived {d['not_arrived']} · "
        f"billed without a delivered report {d['dlr_not_delivered']}",
    ]
    for o in s["overbilled_examples"]:
        lines.append(
            f"  overbilled {o['token']} ({o['kind']}, {o['characters']} characters): "
            f"billed {o['billed']}, rule {o['expected']}"
        )
    return lines
