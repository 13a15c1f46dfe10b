"""What a gateway's delivery-report codes mean: the tables in report_codes.toml, read once, and
the readers of Kannel's DLR types and of SMPP-style receipt text.

Every report is kept as the gateway gave it (its word, code, error and text); the tables only
add vaudit's outcome and whether the report is final. A code no table knows is outcome
"unknown", not final: stored, never refused (a refused Kannel callback is retried, then lost).
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

OUTCOMES = (
    "delivered",
    "failed",
    "expired",
    "deleted",
    "rejected",
    "unknown",
    "accepted",
    "pending",
)
UNKNOWN = "unknown"
# An SMPP delivery receipt's fields (SMPP v3.4 Appendix B): id:… sub:… dlvrd:… submit date:…
# done date:… stat:… err:… text:…; CMPP/SMGP gateways use the same layout.
_RECEIPT_FIELD = re.compile(r"\b(id|stat|err):(\S*)", re.IGNORECASE)
# Kannel's text for a submit the SMSC refused: NACK/<command_status in hex>/<its meaning>.
_NACK = re.compile(r"^NACK/(0x[0-9a-fA-F]+)/(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Reading:
    """A report's meaning: vaudit's outcome, final or not, and the word stored as its status."""

    outcome: str
    final: bool
    status: str
    known: bool = True  # False: no table has the code (outcome "unknown")

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"


@dataclass(frozen=True)
class ReceiptText:
    """What a report's text says: the receipt's id, `stat:` and `err:`, or Kannel's NACK."""

    message_id: str | None = None
    stat: str | None = None
    err: str | None = None
    reason: str | None = None  # the SMSC's own words when it refused the message


@dataclass(frozen=True)
class _Bit:
    bit: int
    outcome: str
    final: bool
    word: str


@dataclass(frozen=True)
class Tables:
    states: dict[str, tuple[str, bool]]
    smpp_message_state: dict[int, str]
    sgip_state: dict[int, str]
    carrier_error: re.Pattern[str]
    carrier_error_reading: tuple[str, bool]
    kannel_bits: tuple[_Bit, ...]


def _check_outcome(value: Any, where: str) -> str:
    if value not in OUTCOMES:
        raise ValueError(f"report_codes.toml: {where}: outcome must be one of {OUTCOMES}")
    return str(value)


@functools.cache
def tables() -> Tables:
    text = resources.files("vaudit.audits.channel").joinpath("report_codes.toml").read_text("utf-8")
    data = tomllib.loads(text)
    states = {
        word.upper(): (_check_outcome(v["outcome"], word), bool(v["final"]))
        for word, v in data["states"].items()
    }
    error = data["carrier_error_code"]
    return Tables(
        states=states,
        smpp_message_state={int(k): str(v) for k, v in data["smpp_message_state"].items()},
        sgip_state={int(k): str(v) for k, v in data["sgip_state"].items()},
        carrier_error=re.compile(str(error["pattern"])),
        carrier_error_reading=(_check_outcome(error["outcome"], "carrier"), bool(error["final"])),
        kannel_bits=tuple(
            _Bit(
                int(b["bit"]),
                _check_outcome(b["outcome"], f"bit {b['bit']}"),
                bool(b["final"]),
                str(b["word"]),
            )
            for b in data["kannel_bits"]
        ),
    )


def read_state(word: str) -> Reading:
    """A receipt state by its word (DELIVRD, EXPIRED, MK:0005, …); unknown words are kept."""
    raw = word.strip()
    key = raw.upper()
    t = tables()
    if key in t.states:
        outcome, final = t.states[key]
        return Reading(outcome, final, raw[:40])
    if t.carrier_error.match(key):
        outcome, final = t.carrier_error_reading
        return Reading(outcome, final, raw[:40])
    return Reading(UNKNOWN, False, raw[:40] or "(none)", known=False)


def read_state_number(table: str, number: int) -> Reading:
    """A numeric state (`smpp_message_state` or `sgip_state`) read through its word."""
    words = tables().smpp_message_state if table == "smpp" else tables().sgip_state
    word = words.get(number)
    return read_state(word) if word else Reading(UNKNOWN, False, str(number), known=False)


def kannel_type(code: str) -> Reading:
    """Kannel's %d: a bit mask, read bit by bit (34 = 2 + 32 is an expired failure)."""
    text = code.strip()
    if not text.isdigit() or not 0 < int(text) < 1 << 16:
        return Reading(UNKNOWN, False, f"kannel:{text[:30] or '(none)'}", known=False)
    mask = int(text)
    known = [b for b in tables().kannel_bits if mask & b.bit]
    if not known or mask & ~sum(b.bit for b in tables().kannel_bits):
        # a bit no table names: keep it, decide nothing
        return Reading(UNKNOWN, any(b.final for b in known), f"kannel:{mask}", known=False)
    first = known[0]
    return Reading(first.outcome, any(b.final for b in known), first.word)


def read_receipt_text(text: str | None) -> ReceiptText:
    """The receipt's id, `stat:` and `err:` from its text, or the reason of a NACK."""
    if not text:
        return ReceiptText()
    nack = _NACK.match(text.strip())
    if nack:
        return ReceiptText(err=nack.group(1), reason=text.strip()[:300])
    found: dict[str, str] = {}
    for name, value in _RECEIPT_FIELD.findall(text):
        found.setdefault(name.lower(), value)
    return ReceiptText(
        message_id=found.get("id") or None,
        stat=found.get("stat") or None,
        err=found.get("err") or None,
    )


def kannel_reading(code: str, text: str | None) -> tuple[Reading, ReceiptText]:
    """A Kannel report: the receipt's own `stat:` when it has one (the real state, not the
    type's summary of it), else the type's bits."""
    receipt = read_receipt_text(text)
    by_type = kannel_type(code)
    if receipt.stat:
        by_stat = read_state(receipt.stat)
        if by_stat.known or not by_type.known:
            return by_stat, receipt
        # a word no table knows: the type's meaning, the gateway's word as the status
        return Reading(by_type.outcome, by_type.final, by_stat.status), receipt
    return by_type, receipt
