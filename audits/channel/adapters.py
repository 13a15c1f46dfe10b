"""One interface per vendor API family.

An adapter turns a planned message into an httpx request, reads the vendor's answer (accepted
or not, the vendor's message id), and reads delivery reports, pushed to the receiver or pulled.

- `generic`: a TOML profile describes the API (see docs/channel-testing.md): method, URL,
  headers, a body template, where the answer keeps acceptance and the id, and how DLRs arrive.
- `simulator`: the generic adapter with the profile of vaudit's own simulator.
- `kannel`: Kannel's HTTP sendsms interface. Kannel returns no message id, so the DLR URL
  carries our own token; Chinese text goes as coding=2 with charset=UTF-8.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.credentials import NO_CREDENTIALS, Credentials
from vaudit.audits.channel.httpserve import Request
from vaudit.audits.channel.plan import PlannedMessage

# Carrier report states (CMPP, facts §5), and what they say.
DELIVERED = frozenset({"DELIVRD", "DELIVERED", "SUCCESS"})
FAILED = frozenset(
    {"UNDELIV", "EXPIRED", "DELETED", "REJECTD", "REJECTED", "NOROUTE", "FAIL", "FAILED"}
)
# Naive report times are taken as Beijing time unless a profile says otherwise.
DEFAULT_UTC_OFFSET = "+08:00"
PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z0-9_]+)?)\}")
MESSAGE_FIELDS = ("to", "text", "token", "kind", "dlr_url", "handset_url")
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class SubmitResult:
    http_status: int | None
    accepted: bool
    vendor_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class DlrUpdate:
    """One report: `key` is the vendor's message id, or our token when `by_token`."""

    key: str
    by_token: bool
    status: str
    delivered: bool
    final: bool
    reported_at: dt.datetime | None


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


# ----------------------------------------------------------------------------- generic


def _render(template: Any, values: Mapping[str, str]) -> Any:
    """Fill {placeholders} in every string of a TOML structure."""
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, Mapping):
        return {k: _render(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_render(v, values) for v in template]
    return template


def _placeholders(template: Any) -> set[str]:
    if isinstance(template, str):
        return set(PLACEHOLDER.findall(template))
    if isinstance(template, Mapping):
        return set().union(*(_placeholders(v) for v in template.values()))
    if isinstance(template, list):
        return set().union(*(_placeholders(v) for v in template))
    return set()


@dataclass(frozen=True)
class GenericProfile:
    name: str
    submit_method: str
    submit_url: str
    headers: dict[str, str]
    body_format: str  # json | form | query
    body: dict[str, Any]
    accepted_path: str
    accepted_values: tuple[Any, ...]
    message_id_path: str
    error_path: str
    dlr_mode: str  # push | pull | none
    dlr_list_path: str = ""
    dlr_id_path: str = "message_id"
    dlr_token_path: str = ""
    dlr_status_path: str = "status"
    dlr_time_path: str = "reported_at"
    delivered: frozenset[str] = DELIVERED
    failed: frozenset[str] = FAILED
    dlr_reply: str = '{"code":0,"msg":"ok"}'
    pull_method: str = "GET"
    pull_url: str = ""
    pull_interval_s: float = 1.0
    pull_batch: int = 50
    utc_offset: str = DEFAULT_UTC_OFFSET
    credential_names: dict[str, str] = field(default_factory=dict)
    receipts: ReceiptMapping = field(default_factory=ReceiptMapping)
    timeout_s: float = 10.0


class GenericAdapter(Adapter):
    kind = "generic"

    def __init__(self, profile: GenericProfile, credentials: Credentials | None = None):
        super().__init__(
            profile.name,
            credentials if credentials is not None else Credentials(profile.credential_names),
            profile.receipts,
            profile.timeout_s,
        )
        self.profile = profile
        self.pushes_dlr = profile.dlr_mode == "push"
        self.pulls_dlr = profile.dlr_mode == "pull"
        self.pull_interval_s = profile.pull_interval_s
        self.pull_batch = profile.pull_batch

    def _values(self, extra: Mapping[str, str]) -> dict[str, str]:
        values = {f"credentials.{k}": self.credentials.get(k) for k in self.credentials.names()}
        values.update(extra)
        return values

    def submit_request(
        self,
        client: httpx.AsyncClient,
        message: PlannedMessage,
        dlr_url: str | None,
        handset_url: str | None,
    ) -> httpx.Request:
        p = self.profile
        values = self._values(
            {
                "to": message.card.number,
                "text": message.text,
                "token": message.token,
                "kind": message.kind,
                "dlr_url": dlr_url or "",
                "handset_url": handset_url or "",
            }
        )
        url = _render(p.submit_url, values)
        headers = _render(p.headers, values)
        body = _render(p.body, values)
        if p.body_format == "json":
            return client.build_request(p.submit_method, url, headers=headers, json=body)
        if p.body_format == "form":
            return client.build_request(p.submit_method, url, headers=headers, data=body)
        return client.build_request(p.submit_method, url, headers=headers, params=body)

    def read_submit(self, response: httpx.Response) -> SubmitResult:
        p = self.profile
        try:
            data = response.json()
        except (ValueError, UnicodeDecodeError):
            return SubmitResult(
                response.status_code,
                False,
                None,
                self.redact(f"malformed answer (not JSON): {short(response.text)}"),
            )
        if not isinstance(data, dict | list):
            return SubmitResult(
                response.status_code,
                False,
                None,
                self.redact(f"malformed answer: {short(response.text)}"),
            )
        verdict = lookup(data, p.accepted_path)
        vendor_id = lookup(data, p.message_id_path)
        accepted = (
            response.is_success
            and verdict is not None
            and (verdict in p.accepted_values or str(verdict) in map(str, p.accepted_values))
        )
        if accepted and (vendor_id is None or vendor_id == "") and p.dlr_mode != "none":
            return SubmitResult(
                response.status_code,
                False,
                None,
                f"malformed answer: accepted but no message id at {p.message_id_path!r}",
            )
        if accepted:
            return SubmitResult(response.status_code, True, str(vendor_id)[:100])
        reason = lookup(data, p.error_path) if p.error_path else None
        text = f"rejected: {verdict}" if verdict is not None else "rejected"
        if reason:
            text += f" ({reason})"
        if verdict is None and response.is_success:
            text = f"malformed answer: no {p.accepted_path!r} in {short(response.text)}"
        return SubmitResult(response.status_code, False, None, self.redact(short(text)))

    def _updates(self, data: Any) -> list[DlrUpdate]:
        p = self.profile
        items = lookup(data, p.dlr_list_path) if p.dlr_list_path else data
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise ValueError("no report list where the profile says")
        out = []
        for item in items:
            status = lookup(item, p.dlr_status_path)
            token = lookup(item, p.dlr_token_path) if p.dlr_token_path else None
            vendor_id = lookup(item, p.dlr_id_path) if not token else None
            key = token or vendor_id
            if status is None or key in (None, ""):
                raise ValueError("a report lacks its id or status")
            word = str(status).upper()  # TOML true / JSON true both read "TRUE"
            delivered, final = classify(word, p.delivered, p.failed)
            out.append(
                DlrUpdate(
                    str(key),
                    bool(token),
                    str(status)[:40],
                    delivered,
                    final,
                    parse_time(lookup(item, p.dlr_time_path), p.utc_offset),
                )
            )
        return out

    def read_dlr(self, request: Request) -> list[DlrUpdate]:
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return self._updates(request.form())
        try:
            data = request.json() if request.body else dict(request.query)
        except (ValueError, UnicodeDecodeError):
            raise ValueError("the body is not JSON") from None
        return self._updates(data)

    def dlr_reply(self) -> tuple[int, bytes, str]:
        return 200, self.profile.dlr_reply.encode("utf-8"), "application/json"

    async def pull(self, client: httpx.AsyncClient, vendor_ids: Sequence[str]) -> list[DlrUpdate]:
        p = self.profile
        out: list[DlrUpdate] = []
        for start in range(0, len(vendor_ids), p.pull_batch):
            batch = vendor_ids[start : start + p.pull_batch]
            url = _render(p.pull_url, self._values({"ids": ",".join(quote(i) for i in batch)}))
            response = await client.request(
                p.pull_method, url, headers=_render(p.headers, self._values({}))
            )
            response.raise_for_status()
            out.extend(self._updates(response.json()))
        return out


def _str_map(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ChannelError(f"{where} must be a table of strings")
    return dict(value)


def generic_profile(data: Mapping[str, Any], source: str) -> GenericProfile:
    """A profile from parsed TOML; a ChannelError names the file and the key."""

    def need(table: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in table:
            raise ChannelError(f"{source}: missing {where}{key}")
        return table[key]

    submit = need(data, "submit", "")
    response = submit.get("response", {})
    dlr = data.get("dlr", {"mode": "none"})
    mode = dlr.get("mode", "none")
    if mode not in ("push", "pull", "none"):
        raise ChannelError(f"{source}: dlr.mode must be push, pull or none")
    body_format = submit.get("body_format", "json")
    if body_format not in ("json", "form", "query"):
        raise ChannelError(f"{source}: submit.body_format must be json, form or query")
    receipts = data.get("receipts", {})
    try:
        profile = GenericProfile(
            name=str(data.get("name") or Path(source).stem)[:200],
            submit_method=str(submit.get("method", "POST")).upper(),
            submit_url=str(need(submit, "url", "submit.")),
            headers=_str_map(submit.get("headers", {}), f"{source}: submit.headers"),
            body_format=body_format,
            body=dict(submit.get("body", {})),
            accepted_path=str(need(response, "accepted_path", "submit.response.")),
            accepted_values=tuple(need(response, "accepted_values", "submit.response.")),
            message_id_path=str(response.get("message_id_path", "")),
            error_path=str(response.get("error_path", "")),
            dlr_mode=mode,
            dlr_list_path=str(dlr.get("list_path", "")),
            dlr_id_path=str(dlr.get("message_id_path", "message_id")),
            dlr_token_path=str(dlr.get("token_path", "")),
            dlr_status_path=str(dlr.get("status_path", "status")),
            dlr_time_path=str(dlr.get("time_path", "reported_at")),
            delivered=frozenset(str(v).upper() for v in dlr.get("delivered", DELIVERED)),
            failed=frozenset(str(v).upper() for v in dlr.get("failed", FAILED)),
            dlr_reply=str(dlr.get("reply", '{"code":0,"msg":"ok"}')),
            pull_method=str(dlr.get("pull_method", "GET")).upper(),
            pull_url=str(dlr.get("pull_url", "")),
            pull_interval_s=float(dlr.get("pull_interval_s", 1.0)),
            pull_batch=int(dlr.get("pull_batch", 50)),
            utc_offset=str(data.get("utc_offset", DEFAULT_UTC_OFFSET)),
            credential_names=_str_map(data.get("credentials", {}), f"{source}: credentials"),
            receipts=ReceiptMapping(**{k: str(v) for k, v in receipts.items()}),
            timeout_s=float(submit.get("timeout_s", 10.0)),
        )
    except (TypeError, ValueError) as exc:
        raise ChannelError(f"{source}: {exc}") from None
    if mode == "pull" and "{ids}" not in profile.pull_url:
        raise ChannelError(f"{source}: dlr.pull_url must contain {{ids}}")
    allowed = set(MESSAGE_FIELDS) | {f"credentials.{k}" for k in profile.credential_names}
    used = _placeholders([profile.submit_url, profile.headers, profile.body])
    unknown = used - allowed
    if unknown:
        raise ChannelError(
            f"{source}: unknown placeholder {{{sorted(unknown)[0]}}}; use "
            + ", ".join("{" + a + "}" for a in sorted(allowed))
        )
    try:
        dt.datetime.strptime(profile.utc_offset, "%z")
    except ValueError:
        raise ChannelError(f"{source}: utc_offset must look like +08:00") from None
    return profile


def simulator_profile(
    base_url: str, dlr_mode: str = "push", credential_names: Mapping[str, str] | None = None
) -> GenericProfile:
    """The simulator's API, written as a generic profile (so both share one code path)."""
    headers = {"Authorization": "Bearer {credentials.api_key}"} if credential_names else {}
    return GenericProfile(
        name="simulator",
        submit_method="POST",
        submit_url=f"{base_url.rstrip('/')}/send",
        headers=headers,
        body_format="json",
        body={
            "to": "{to}",
            "text": "{text}",
            "ref": "{token}",
            "dlr_url": "{dlr_url}",
            "handset_url": "{handset_url}",
        },
        accepted_path="code",
        accepted_values=("OK",),
        message_id_path="message_id",
        error_path="message",
        dlr_mode=dlr_mode,
        dlr_list_path="reports" if dlr_mode == "pull" else "",
        pull_url=f"{base_url.rstrip('/')}/reports?ids={{ids}}",
        pull_interval_s=0.05,
        utc_offset="+00:00",
        credential_names=dict(credential_names or {}),
        timeout_s=5.0,
    )


class SimulatorAdapter(GenericAdapter):
    kind = "simulator"


# ----------------------------------------------------------------------------- kannel

# Kannel's dlr-url %d values: 1 delivered, 2 failed, 4 buffered, 8 SMSC accepted, 16 rejected.
KANNEL_DLR = {
    1: ("DELIVRD", True, True),
    2: ("UNDELIV", False, True),
    4: ("BUFFERED", False, False),
    8: ("ACCEPTD", False, False),
    16: ("REJECTD", False, True),
}
KANNEL_DLR_MASK = 31  # ask for every kind of report


class KannelAdapter(Adapter):
    """Kannel's /cgi-bin/sendsms: username, password, to, text, coding=2 + charset=UTF-8, and a
    dlr-url naming our token (Kannel gives no message id of its own)."""

    kind = "kannel"
    pushes_dlr = True

    def __init__(
        self,
        name: str,
        url: str,
        sender: str | None,
        credentials: Credentials,
        receipts: ReceiptMapping | None = None,
        smsc: str | None = None,
        timeout_s: float = 10.0,
    ):
        super().__init__(name, credentials, receipts, timeout_s)
        self.url = url
        self.sender = sender
        self.smsc = smsc

    def submit_request(
        self,
        client: httpx.AsyncClient,
        message: PlannedMessage,
        dlr_url: str | None,
        handset_url: str | None,
    ) -> httpx.Request:
        params: dict[str, str] = {
            "username": self.credentials.get("username"),
            "password": self.credentials.get("password"),
            "to": message.card.number,
            "text": message.text,
            "charset": "UTF-8",
        }
        if message.length.encoding == "ucs2":
            params["coding"] = "2"
        if self.sender:
            params["from"] = self.sender
        if self.smsc:
            params["smsc"] = self.smsc
        if dlr_url:
            # Kannel fills %d (report type) and %T (time) in; the token is ours.
            sep = "&" if "?" in dlr_url else "?"
            params["dlr-mask"] = str(KANNEL_DLR_MASK)
            params["dlr-url"] = f"{dlr_url}{sep}token={message.token}&type=%d&at=%T"
        return client.build_request("GET", self.url, params=params)

    def read_submit(self, response: httpx.Response) -> SubmitResult:
        text = response.text.strip()
        # "0: Accepted for delivery" (202) or "3: Queued for later delivery" (202).
        if response.status_code in (200, 202) and re.match(r"^[03]:", text):
            return SubmitResult(response.status_code, True, None)
        return SubmitResult(
            response.status_code,
            False,
            None,
            self.redact(short(f"rejected: {text or response.reason_phrase}")),
        )

    def read_dlr(self, request: Request) -> list[DlrUpdate]:
        token, kind = request.query.get("token"), request.query.get("type", "")
        if not token or not kind.isdigit() or int(kind) not in KANNEL_DLR:
            raise ValueError("a Kannel report needs token and type (1, 2, 4, 8 or 16)")
        status, delivered, final = KANNEL_DLR[int(kind)]
        return [
            DlrUpdate(
                token, True, status, delivered, final, parse_time(request.query.get("at"), "+00:00")
            )
        ]

    def dlr_reply(self) -> tuple[int, bytes, str]:
        return 200, b"ok", "text/plain"


def kannel_adapter(data: Mapping[str, Any], source: str) -> KannelAdapter:
    kannel = data.get("kannel", {})
    if "url" not in kannel:
        raise ChannelError(f"{source}: missing kannel.url (…/cgi-bin/sendsms)")
    names = _str_map(data.get("credentials", {}), f"{source}: credentials")
    missing = {"username", "password"} - set(names)
    if missing:
        raise ChannelError(f"{source}: credentials must name {' and '.join(sorted(missing))}")
    receipts = ReceiptMapping(**{k: str(v) for k, v in data.get("receipts", {}).items()})
    return KannelAdapter(
        str(data.get("name") or Path(source).stem),
        str(kannel["url"]),
        kannel.get("from"),
        Credentials(names),
        receipts,
        kannel.get("smsc"),
    )


def load_adapter(path: Path) -> Adapter:
    """An adapter from a profile file (`adapter = "generic" | "kannel" | "simulator"`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChannelError(f"no profile file {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ChannelError(f"{path}: not a valid TOML profile: {exc}") from None
    kind = data.get("adapter", "generic")
    if kind == "kannel":
        return kannel_adapter(data, str(path))
    if kind == "simulator":
        sim = data.get("simulator", {})
        if "url" not in sim:
            raise ChannelError(f"{path}: missing simulator.url")
        names = _str_map(data.get("credentials", {}), f"{path}: credentials")
        profile = simulator_profile(str(sim["url"]), str(sim.get("dlr", "push")), names)
        return SimulatorAdapter(profile)
    if kind == "generic":
        return GenericAdapter(generic_profile(data, str(path)))
    raise ChannelError(f"{path}: adapter must be generic, kannel or simulator, not {kind!r}")


def receipt_from(data: Any, mapping: ReceiptMapping) -> dict[str, Any]:
    """A forwarded SMS's fields by the mapping (ValueError when it is not an object)."""
    if not isinstance(data, dict):
        raise ValueError("a receipt must be a JSON object")
    text = lookup(data, mapping.text)
    if text is not None and not isinstance(text, str):
        raise ValueError(f"{mapping.text} must be text")
    sender = lookup(data, mapping.sender)
    return {
        "token": lookup(data, mapping.token) if mapping.token else None,
        "sender": None if sender is None else str(sender)[:40],
        "text": text,
        "received_at": parse_time(lookup(data, mapping.received_at), mapping.utc_offset),
    }


__all__ = [
    "Adapter",
    "DlrUpdate",
    "GenericAdapter",
    "KannelAdapter",
    "SimulatorAdapter",
    "SubmitResult",
    "load_adapter",
]
