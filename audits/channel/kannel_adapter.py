"""The Kannel adapter: Kannel's HTTP sendsms interface. Kannel returns no message id, so the DLR
URL carries our own token; Chinese text goes as coding=2 with charset=UTF-8. Each report asks
for Kannel's report type (%d), its time (%T) and its text (%A: the SMSC's receipt, `id:… stat:…
err:…`, or its refusal, `NACK/0x0000000b/Invalid Destination Address`), all kept verbatim; the
type and the receipt's `stat:` are read through the tables in report_codes.toml."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapter_base import (
    Adapter,
    DlrUpdate,
    ReceiptMapping,
    SubmitResult,
    parse_time,
    raw_text,
    short,
    str_map,
    time_resolution,
)
from vaudit.audits.channel.credentials import Credentials
from vaudit.audits.channel.httpserve import Request
from vaudit.audits.channel.plan import PlannedMessage
from vaudit.audits.channel.report_codes import kannel_reading

# Ask for every kind of report: 1 delivered, 2 failed, 4 buffered, 8 SMSC accepted, 16 refused.
KANNEL_DLR_MASK = 31


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
            # Kannel fills %d (report type), %T (time) and %A (report text) in; the token is ours.
            sep = "&" if "?" in dlr_url else "?"
            params["dlr-mask"] = str(KANNEL_DLR_MASK)
            params["dlr-url"] = f"{dlr_url}{sep}token={message.token}&type=%d&at=%T&text=%A"
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
            short(self.redact(f"rejected: {text or response.reason_phrase}")),
        )

    def read_dlr(self, request: Request) -> list[DlrUpdate]:
        """A report by our token. Any type and any text are taken: a type no table knows is
        stored as "unknown" with its raw text (a refused callback would be retried by Kannel
        and then dropped, and the message counted as never reported)."""
        query = request.query
        token = query.get("token")
        if not token:
            raise ValueError("a Kannel report needs the token vaudit put in its dlr-url")
        code, text = query.get("type", ""), query.get("text")
        reading, receipt = kannel_reading(code, text)
        at = query.get("at")
        raw = "&".join(f"{k}={v}" for k, v in query.items() if k != "token")
        return [
            DlrUpdate(
                token,
                True,
                reading.status,
                reading.delivered,
                reading.final,
                parse_time(at, "+00:00"),
                outcome=reading.outcome,
                code=code[:40] or None,
                error_code=receipt.err[:40] if receipt.err else None,
                reason=receipt.reason,
                raw=raw_text(raw),
                time_resolution_s=time_resolution(at),
            )
        ]

    def dlr_reply(self) -> tuple[int, bytes, str]:
        return 200, b"ok", "text/plain"


def kannel_adapter(data: Mapping[str, Any], source: str) -> KannelAdapter:
    kannel = data.get("kannel", {})
    if "url" not in kannel:
        raise ChannelError(f"{source}: missing kannel.url (…/cgi-bin/sendsms)")
    names = str_map(data.get("credentials", {}), f"{source}: credentials")
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
