"""What every vendor API adapter is: the interface the runner and the receiver use, the results
it returns, and the helpers that read a vendor's answers (status words, dotted paths, times)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.credentials import NO_CREDENTIALS, Credentials
from vaudit.audits.channel.httpserve import Request
from vaudit.audits.channel.plan import PlannedMessage

# Carrier report states (the CMPP stat values, plus words HTTP APIs use), and what they say.
DELIVERED = frozenset({"DELIVRD", "DELIVERED", "SUCCESS"})
FAILED = frozenset(
    {"UNDELIV", "EXPIRED", "DELETED", "REJECTD", "REJECTED", "NOROUTE", "FAIL", "FAILED"}
)
# Naive report times are taken as Beijing time unless a profile says otherwise.
DEFAULT_UTC_OFFSET = "+08:00"
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z0-9_]+)?)\}")
MESSAGE_FIELDS = ("to", "text", "token", "kind", "dlr_url", "handset_url")
MAX_ERROR_CHARS = 300
MAX_RAW_CHARS = 2_000


@dataclass(frozen=True)
class SubmitResult:
    http_status: int | None
    accepted: bool
    vendor_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class DlrUpdate:
    """One report: `key` is the vendor's message id, or our token when `by_token`. `status` is
    the gateway's own word; `outcome` vaudit's reading of it (report_codes.OUTCOMES); `code`,
    `error_code`, `reason` and `raw` are kept verbatim. `time_resolution_s` says how fine the
    gateway's `reported_at` is (Kannel's %T: whole seconds)."""

    key: str
    by_token: bool
    status: str
    delivered: bool
    final: bool
    reported_at: dt.datetime | None
    outcome: str | None = None  # None: "delivered", "failed" or "pending" by the two flags
    code: str | None = None
    error_code: str | None = None
    reason: str | None = None
    raw: str | None = None
    time_resolution_s: float | None = None

    @property
    def outcome_name(self) -> str:
        if self.outcome is not None:
            return self.outcome
        if self.delivered:
            return "delivered"
        return "failed" if self.final else "pending"


@dataclass(frozen=True)
class ReceiptMapping:
    """Where a forwarding app puts the fields of a received SMS in its JSON post."""

    sender: str = "from"
    text: str = "text"
    received_at: str = "received_at"
    token: str = "token"  # optional: else the token is looked for in the text
    utc_offset: str = DEFAULT_UTC_OFFSET


def classify(
    status: str, delivered: frozenset[str] = DELIVERED, failed: frozenset[str] = FAILED
) -> tuple[bool, bool]:
    """(delivered, final) for a status word."""
    word = status.strip().upper()
    if word in delivered:
        return True, True
    return False, word in failed


def lookup(data: Any, path: str) -> Any:
    """A value by dotted path (`a.b.0.c`); None when any step is missing."""
    if path in ("", "."):
        return data
    for step in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(step)
        elif isinstance(data, list) and step.isdigit() and int(step) < len(data):
            data = data[int(step)]
        else:
            return None
    return data


def parse_time(value: Any, utc_offset: str = DEFAULT_UTC_OFFSET) -> dt.datetime | None:
    """ISO 8601 or 'yyyy-mm-dd hh:mm:ss' (naive: the given offset), or epoch seconds / ms."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        try:
            return dt.datetime.fromtimestamp(number, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.datetime.strptime(utc_offset, "%z").tzinfo)
    return parsed.astimezone(dt.UTC)


def time_resolution(value: Any) -> float | None:
    """How fine a gateway's time value is, in seconds: 1 for whole seconds (Kannel's %T, most
    'yyyy-mm-dd hh:mm:ss' times), 0.001 for milliseconds, 60 for a time without seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and not value.is_integer():
        return 1e-6
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        return 0.001 if float(value) > 1e11 else 1.0
    if not isinstance(value, str):
        return None
    clock = re.search(r"\d{1,2}:\d{2}(:\d{2})?(?:[.,](\d+))?", value)
    if clock is None:
        return 86_400.0  # a date alone
    if clock.group(2):
        return float(10 ** -len(clock.group(2)))
    return 1.0 if clock.group(1) else 60.0


def raw_text(data: Any) -> str:
    """A report as the gateway sent it, for keeping beside what vaudit read from it."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_RAW_CHARS else text[: MAX_RAW_CHARS - 1] + "…"


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


class Adapter:
    """The interface the runner uses. Subclasses fill in the vendor-specific parts."""

    kind = "base"
    pushes_dlr = False
    pulls_dlr = False
    pull_interval_s = 1.0
    pull_batch = 50
    # A fixed receiver path secret, for callbacks set once in a provider's console.
    callback_secret: str | None = None

    def __init__(
        self,
        name: str,
        credentials: Credentials = NO_CREDENTIALS,
        receipts: ReceiptMapping | None = None,
        timeout_s: float = 10.0,
    ):
        self.name = name
        self.credentials = credentials
        self.receipts = receipts or ReceiptMapping()
        self.timeout_s = timeout_s

    def redact(self, text: str) -> str:
        return self.credentials.redact(text)

    def submit_request(
        self,
        client: httpx.AsyncClient,
        message: PlannedMessage,
        dlr_url: str | None,
        handset_url: str | None,
    ) -> httpx.Request:
        raise NotImplementedError

    def read_submit(self, response: httpx.Response) -> SubmitResult:
        raise NotImplementedError

    def read_dlr(self, request: Request) -> list[DlrUpdate]:
        """Reports in a callback the vendor pushed to the receiver (ValueError if malformed)."""
        raise ValueError("this adapter takes no pushed reports")

    def dlr_reply(self) -> tuple[int, bytes, str]:
        return 200, b'{"code":0,"msg":"ok"}', "application/json"

    async def pull(self, client: httpx.AsyncClient, vendor_ids: Sequence[str]) -> list[DlrUpdate]:
        return []


def str_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ChannelError(f"{where} must be a table of strings")
    return dict(value)


def receipt_from(data: Any, mapping: ReceiptMapping) -> dict[str, Any]:
    """A forwarded SMS's fields by the mapping (ValueError when it is not an object)."""
    if not isinstance(data, dict):
        raise ValueError("a receipt must be a JSON object")
    text = lookup(data, mapping.text)
    if text is not None and not isinstance(text, str):
        raise ValueError(f"{mapping.text} must be text")
    sender = lookup(data, mapping.sender)
    received_at = lookup(data, mapping.received_at)
    return {
        "token": lookup(data, mapping.token) if mapping.token else None,
        "sender": None if sender is None else str(sender)[:40],
        "text": text,
        "received_at": parse_time(received_at, mapping.utc_offset),
        "time_resolution_s": time_resolution(received_at),
    }
