"""The per-run receiver: a small HTTP server (127.0.0.1 by default, a LAN address on request so
the test phones can reach it) that takes the vendor's DLR callbacks and handset receipts
forwarded by an SMS-forwarding app. A random secret in the path keeps strangers out; bodies are
bounded; a bad post gets a clear 4xx and the run goes on."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from vaudit.audits.channel.adapters import Adapter, DlrUpdate, receipt_from
from vaudit.audits.channel.httpserve import Request, Response, Server, error, json_response

MAX_BODY_BYTES = 64 * 1024
SECRET_BYTES = 16

DlrSink = Callable[[list[DlrUpdate]], None]
ReceiptSink = Callable[[dict[str, Any]], str | None]  # returns an error for the sender, or None


class Receiver:
    def __init__(
        self,
        adapter: Adapter,
        on_dlr: DlrSink,
        on_receipt: ReceiptSink,
        host: str = "127.0.0.1",
        port: int = 0,
        public_host: str | None = None,
        max_body: int = MAX_BODY_BYTES,
        on_refused: Callable[[], None] | None = None,
    ):
        self.adapter = adapter
        self.on_dlr = on_dlr
        self.on_receipt = on_receipt
        self.secret = adapter.callback_secret or secrets.token_urlsafe(SECRET_BYTES)
        self.public_host = public_host or host
        self.server = Server(self._handle, host, port, max_body)
        self.rejected = 0  # bad posts answered with a 4xx
        self.on_refused = on_refused  # told at once, so the live counters show each refusal

    async def start(self) -> Receiver:
        await self.server.start()
        return self

    async def close(self) -> None:
        await self.server.close()

    def _url(self, route: str) -> str:
        host = f"[{self.public_host}]" if ":" in self.public_host else self.public_host
        return f"http://{host}:{self.server.port}/{self.secret}/{route}"

    @property
    def dlr_url(self) -> str:
        return self._url("dlr")

    @property
    def receipt_url(self) -> str:
        return self._url("receipt")

    def _refuse(self, status: int, message: str) -> Response:
        self.rejected += 1
        if self.on_refused is not None:
            self.on_refused()
        return error(status, message)

    async def _handle(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if len(parts) != 2 or not secrets.compare_digest(parts[0], self.secret):
            return self._refuse(404, "not found")
        route = parts[1]
        if route == "dlr":
            if request.method not in ("POST", "GET"):
                return self._refuse(405, "use POST (or GET with a query string)")
            try:
                updates = self.adapter.read_dlr(request)
            except ValueError as exc:
                return self._refuse(400, f"bad delivery report: {exc}")
            self.on_dlr(updates)
            status, body, content_type = self.adapter.dlr_reply()
            return Response(status, body, content_type)
        if route == "receipt":
            if request.method != "POST":
                return self._refuse(405, "use POST with a JSON body")
            try:
                receipt = receipt_from(request.json(), self.adapter.receipts)
            except (ValueError, UnicodeDecodeError) as exc:
                return self._refuse(400, f"bad receipt: {exc}")
            problem = self.on_receipt(receipt)
            if problem is not None:
                return self._refuse(422, problem)
            return json_response(200, {"ok": True})
        return self._refuse(404, "not found")
