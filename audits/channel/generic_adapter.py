"""The generic adapter: a TOML profile describes the vendor's API (see docs/channel-testing.md):
method, URL, headers, a body template, where the answer keeps acceptance and the id, and how
delivery reports arrive (pushed, pulled or none). The simulator's API is one such profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapter_base import (
    DEFAULT_UTC_OFFSET,
    DELIVERED,
    FAILED,
    MESSAGE_FIELDS,
    PLACEHOLDER,
    Adapter,
    DlrUpdate,
    ReceiptMapping,
    SubmitResult,
    lookup,
    parse_time,
    raw_text,
    short,
    str_map,
    time_resolution,
)
from vaudit.audits.channel.credentials import Credentials
from vaudit.audits.channel.httpserve import Request
from vaudit.audits.channel.plan import PlannedMessage
from vaudit.audits.channel.report_codes import Reading, read_state, read_state_number


def _render(template: Any, values: Mapping[str, str]) -> Any:
    """Fill {placeholders} in every string of a TOML structure."""
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, Mapping):
        return {k: _render(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_render(v, values) for v in template]
    return template


def _render_url(template: str, values: Mapping[str, str], encoded: frozenset[str]) -> str:
    """Fill a URL template, percent-encoding every value (a key with `+/=&` or a space must
    reach the vendor as it is, not cut the query short); `encoded` names values that already
    are."""
    return PLACEHOLDER.sub(
        lambda m: (
            values[m.group(1)] if m.group(1) in encoded else quote(values[m.group(1)], safe="")
        ),
        template,
    )


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
    dlr_error_path: str = ""  # the gateway's error code beside the status, if it sends one
    dlr_state_numbers: str = ""  # "smpp" (message_state 1-8) or "sgip" (0/1/2): numeric states
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
        url = _render_url(p.submit_url, values, frozenset())
        headers = _render(p.headers, values)
        body = _render(p.body, values)
        if p.body_format == "json":
            return client.build_request(p.submit_method, url, headers=headers, json=body)
        if p.body_format == "form":
            return client.build_request(p.submit_method, url, headers=headers, data=body)
        # Added to the template's own query: httpx's params= would replace it (and the key).
        merged = httpx.URL(url).copy_merge_params(body)
        return client.build_request(p.submit_method, merged, headers=headers)

    def read_submit(self, response: httpx.Response) -> SubmitResult:
        p = self.profile
        try:
            data = response.json()
        except (ValueError, UnicodeDecodeError):
            return SubmitResult(
                response.status_code,
                False,
                None,
                short(self.redact(f"malformed answer (not JSON): {response.text}")),
            )
        if not isinstance(data, dict | list):
            return SubmitResult(
                response.status_code,
                False,
                None,
                short(self.redact(f"malformed answer: {response.text}")),
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
            text = f"malformed answer: no {p.accepted_path!r} in {response.text}"
        return SubmitResult(response.status_code, False, None, short(self.redact(text)))

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
            if key in (None, ""):
                raise ValueError("a report lacks its message id")
            # A missing or unknown status is kept as "unknown", never refused.
            reading = self._reading("" if status is None else str(status))
            error = lookup(item, p.dlr_error_path) if p.dlr_error_path else None
            at = lookup(item, p.dlr_time_path)
            out.append(
                DlrUpdate(
                    str(key),
                    bool(token),
                    reading.status,
                    reading.delivered,
                    reading.final,
                    parse_time(at, p.utc_offset),
                    outcome=reading.outcome,
                    code=None if status is None else str(status)[:40],
                    error_code=None if error in (None, "") else str(error)[:40],
                    raw=raw_text(item),
                    time_resolution_s=time_resolution(at),
                )
            )
        return out

    def _reading(self, status: str) -> Reading:
        """The profile's own delivered/failed words first, then report_codes.toml."""
        p = self.profile
        word = status.strip().upper()  # TOML true / JSON true both read "TRUE"
        if p.dlr_state_numbers and word.isdigit():
            reading = read_state_number(p.dlr_state_numbers, int(word))
        else:
            reading = read_state(status)
        if word in p.delivered:
            return Reading("delivered", True, reading.status)
        if word in p.failed:
            failure = reading.known and reading.final and not reading.delivered
            return Reading(reading.outcome if failure else "failed", True, reading.status)
        return reading

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
            ids = ",".join(quote(i, safe="") for i in batch)
            url = _render_url(p.pull_url, self._values({"ids": ids}), frozenset({"ids"}))
            response = await client.request(
                p.pull_method, url, headers=_render(p.headers, self._values({}))
            )
            response.raise_for_status()
            out.extend(self._updates(response.json()))
        return out


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
            headers=str_map(submit.get("headers", {}), f"{source}: submit.headers"),
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
            dlr_error_path=str(dlr.get("error_path", "")),
            dlr_state_numbers=str(dlr.get("state_numbers", "")),
            delivered=frozenset(str(v).upper() for v in dlr.get("delivered", DELIVERED)),
            failed=frozenset(str(v).upper() for v in dlr.get("failed", FAILED)),
            dlr_reply=str(dlr.get("reply", '{"code":0,"msg":"ok"}')),
            pull_method=str(dlr.get("pull_method", "GET")).upper(),
            pull_url=str(dlr.get("pull_url", "")),
            pull_interval_s=float(dlr.get("pull_interval_s", 1.0)),
            pull_batch=int(dlr.get("pull_batch", 50)),
            utc_offset=str(data.get("utc_offset", DEFAULT_UTC_OFFSET)),
            credential_names=str_map(data.get("credentials", {}), f"{source}: credentials"),
            receipts=ReceiptMapping(**{k: str(v) for k, v in receipts.items()}),
            timeout_s=float(submit.get("timeout_s", 10.0)),
        )
    except (TypeError, ValueError) as exc:
        raise ChannelError(f"{source}: {exc}") from None
    if profile.dlr_state_numbers not in ("", "smpp", "sgip"):
        raise ChannelError(f"{source}: dlr.state_numbers must be smpp or sgip")
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
