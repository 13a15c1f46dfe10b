"""What the Alibaba Cloud and Tencent Cloud SMS adapters share (see docs/channel-gateways.md).

Both APIs send a template, not free text: the profile maps each message kind to an approved
template and says how the template's variables are filled from the planned message
({body}: the text after the 【signature】, {token}, {text}). The signature goes as its own field
(SignName), taken from the message's 【…】. Delivery reports come by callback (configured in
the provider's console, so a fixed path secret may be named in the credentials) or by pull.
Sign and template review status is read on request and recorded as evidence (cloud_review).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapter_base import (
    Adapter,
    DlrUpdate,
    ReceiptMapping,
    parse_time,
    str_map,
)
from vaudit.audits.channel.credentials import Credentials
from vaudit.audits.channel.httpserve import Request
from vaudit.audits.channel.plan import KINDS, PlannedMessage

SIGNATURE = re.compile(r"^【([^】]{1,20})】")
TEMPLATE_FIELDS = ("body", "token", "text")
TEMPLATE_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")
# Headers only vaudit's own simulator reads: where to push reports and handset receipts, which
# a real provider takes from its console instead. Sent only when the profile says `simulator`.
SIM_DLR_HEADER = "x-vaudit-dlr-url"
SIM_HANDSET_HEADER = "x-vaudit-handset-url"


@dataclass(frozen=True)
class Template:
    code: str  # Alibaba TemplateCode, Tencent TemplateId
    params: Any  # Alibaba: a table of name -> pattern; Tencent: a list of patterns


@dataclass(frozen=True)
class ReviewEntry:
    """One sign or template as the provider's review list shows it."""

    kind: str  # sign | template
    name: str
    status: str  # approved | pending | rejected | other
    raw_status: str
    reason: str = ""
    created: str = ""


@dataclass(frozen=True)
class CloudProfile:
    name: str
    endpoint: str
    dlr_mode: str  # push | pull
    templates: dict[str, Template]
    credential_names: dict[str, str]
    simulator: bool = False
    pull_interval_s: float = 2.0
    timeout_s: float = 10.0
    receipts: ReceiptMapping = field(default_factory=ReceiptMapping)
    options: dict[str, Any] = field(default_factory=dict)  # provider-specific settings

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).netloc

    @property
    def path(self) -> str:
        return urlsplit(self.endpoint).path or "/"


def render(pattern: Any, message: PlannedMessage) -> Any:
    """A template variable's value: {body}, {token} or {text} filled from the message."""
    sign = SIGNATURE.match(message.text)
    values = {
        "body": message.text[sign.end() :] if sign else message.text,
        "token": message.token,
        "text": message.text,
    }
    if isinstance(pattern, str):
        return TEMPLATE_PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)
    if isinstance(pattern, Mapping):
        return {k: render(v, message) for k, v in pattern.items()}
    return [render(v, message) for v in pattern]


def sign_name(message: PlannedMessage) -> str:
    found = SIGNATURE.match(message.text)
    return found.group(1) if found else ""


def parse_profile(
    data: Mapping[str, Any],
    source: str,
    *,
    default_endpoint: str,
    required_credentials: Sequence[str],
    default_params: Any,
    param_type: type,
) -> CloudProfile:
    """The shared part of a cloud profile; a ChannelError names the file and the key."""
    names = str_map(data.get("credentials", {}), f"{source}: credentials")
    missing = [k for k in required_credentials if k not in names]
    if missing:
        raise ChannelError(f"{source}: credentials must name {' and '.join(missing)}")
    mode = str(data.get("dlr", "push"))
    if mode not in ("push", "pull"):
        raise ChannelError(f"{source}: dlr must be push or pull")
    raw = data.get("templates")
    if not isinstance(raw, Mapping) or not raw:
        raise ChannelError(f"{source}: missing [templates] (a template per message kind)")
    templates: dict[str, Template] = {}
    for kind, spec in raw.items():
        if kind not in KINDS and kind != "default":
            raise ChannelError(f"{source}: templates.{kind}: not a message kind")
        if isinstance(spec, str):
            spec = {"code": spec}
        if not isinstance(spec, Mapping) or not str(spec.get("code", "")).strip():
            raise ChannelError(f"{source}: templates.{kind} needs a code")
        params = spec.get("params", default_params)
        if not isinstance(params, param_type):
            raise ChannelError(f"{source}: templates.{kind}.params has the wrong shape")
        used = set(TEMPLATE_PLACEHOLDER.findall(json.dumps(params, ensure_ascii=False)))
        if used - set(TEMPLATE_FIELDS):
            raise ChannelError(
                f"{source}: templates.{kind}: unknown placeholder {{{sorted(used)[0]}}}; use "
                + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            )
        templates[kind] = Template(str(spec["code"]).strip(), params)
    lacking = [k for k in KINDS if k not in templates]
    if lacking and "default" not in templates:
        raise ChannelError(
            f"{source}: no template for {', '.join(lacking)} (or give templates.default)"
        )
    endpoint = str(data.get("endpoint", default_endpoint)).rstrip("/")
    if not endpoint.startswith(("http://", "https://")):
        raise ChannelError(f"{source}: endpoint must be an http:// or https:// address")
    receipts = data.get("receipts", {})
    try:
        return CloudProfile(
            name=str(data.get("name") or source)[:200],
            endpoint=endpoint,
            dlr_mode=mode,
            templates=templates,
            credential_names=names,
            simulator=bool(data.get("simulator", False)),
            pull_interval_s=float(data.get("pull_interval_s", 2.0)),
            timeout_s=float(data.get("timeout_s", 10.0)),
            receipts=ReceiptMapping(**{k: str(v) for k, v in receipts.items()}),
            options={k: v for k, v in data.items() if not isinstance(v, Mapping)},
        )
    except (TypeError, ValueError) as exc:
        raise ChannelError(f"{source}: {exc}") from None


class CloudAdapter(Adapter):
    """Templates, sign name, the simulator's routing headers and the callback secret."""

    def __init__(self, profile: CloudProfile, credentials: Credentials | None = None):
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
        if "callback_secret" in self.credentials.names():
            self.callback_secret = self.credentials.get("callback_secret")

    def template(self, message: PlannedMessage) -> tuple[str, Any]:
        chosen = self.profile.templates.get(message.kind) or self.profile.templates["default"]
        return chosen.code, render(chosen.params, message)

    def routing_headers(self, dlr_url: str | None, handset_url: str | None) -> dict[str, str]:
        if not self.profile.simulator:
            return {}
        headers = {}
        if dlr_url:
            headers[SIM_DLR_HEADER] = dlr_url
        if handset_url:
            headers[SIM_HANDSET_HEADER] = handset_url
        return headers

    async def review(self, client: httpx.AsyncClient) -> list[ReviewEntry]:
        """The provider's sign and template review lists."""
        raise NotImplementedError


def json_body(response: httpx.Response) -> Any:
    """The answer as JSON, or ValueError with the start of what came instead."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"not JSON: {' '.join(response.text.split())[:120]}") from None


def json_reports(request: Request) -> list[Any]:
    """A report callback's body: a JSON array of reports (or a single one)."""
    try:
        data = request.json()
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the body is not JSON") from None
    return data if isinstance(data, list) else [data]


def final_report(key: str, status: str, delivered: bool, reported_at: Any, entry: Any) -> DlrUpdate:
    """A cloud provider's final report on one message, by callback or by pull: its own status
    word and the whole entry kept verbatim; times are Beijing time unless they say otherwise."""
    return DlrUpdate(
        key,
        False,
        status[:40],
        delivered,
        True,
        parse_time(reported_at, "+08:00"),
        code=status[:40] or None,
        raw=json.dumps(entry, ensure_ascii=False, default=str)[:2000],
    )
