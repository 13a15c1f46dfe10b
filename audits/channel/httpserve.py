"""A small HTTP/1.1 server on asyncio, with h11 doing the protocol (keep-alive, chunked
bodies, malformed requests). Used by the per-run receiver and by the vendor simulator; both are
meant for loopback or a LAN, not the internet."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import h11

READ_CHUNK = 65_536
MAX_HEADER_BYTES = 16_384
IDLE_TIMEOUT_S = 30.0  # a silent connection is dropped after this


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(status: int, data: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(status, body, headers=headers or [])


def error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


Handler = Callable[[Request], Awaitable[Response]]


class Server:
    """Serves `handler` on host:port (0: any free port) until `close()`."""

    def __init__(
        self, handler: Handler, host: str = "127.0.0.1", port: int = 0, max_body: int = 64 * 1024
    ):
        self.handler = handler
        self.host = host
        self.port = port
        self.max_body = max_body
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.connections_opened = 0  # a client that keeps its connections alive opens few

    async def start(self) -> Server:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def __aenter__(self) -> Server:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self.connections_opened += 1
        try:
            await self._serve(reader, writer)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # the server is closing: this connection task ends quietly
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _next(self, conn: h11.Connection, reader: asyncio.StreamReader) -> Any:
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = await asyncio.wait_for(reader.read(READ_CHUNK), IDLE_TIMEOUT_S)
            conn.receive_data(data)

    async def _send(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, response: Response
    ) -> None:
        headers = [
            ("content-type", response.content_type),
            ("content-length", str(len(response.body))),
            *response.headers,
        ]
        data = conn.send(h11.Response(status_code=response.status, headers=headers))
        data += conn.send(h11.Data(data=response.body)) if response.body else b""
        data += conn.send(h11.EndOfMessage())
        writer.write(data)
        await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)
        while True:
            try:
                event = await self._next(conn, reader)
            except h11.RemoteProtocolError:
                if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    await self._send(conn, writer, error(400, "malformed HTTP request"))
                return
            if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return
            if not isinstance(event, h11.Request):
                return
            response = await self._respond(conn, reader, event)
            await self._send(conn, writer, response)
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            try:
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return  # the client had not finished its body (we refused it): close

    async def _respond(
        self, conn: h11.Connection, reader: asyncio.StreamReader, head: h11.Request
    ) -> Response:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in head.headers}
        declared = headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > self.max_body:
            return error(413, f"body over {self.max_body} bytes")
        body = bytearray()
        while True:
            try:
                event = await self._next(conn, reader)
            except h11.RemoteProtocolError:
                return error(400, "malformed HTTP request body")
            if isinstance(event, h11.Data):
                body += event.data
                if len(body) > self.max_body:
                    return error(413, f"body over {self.max_body} bytes")
            elif isinstance(event, h11.EndOfMessage):
                break
            else:
                return error(400, "incomplete request")
        target = urlsplit(head.target.decode("latin-1"))
        request = Request(
            method=head.method.decode("ascii").upper(),
            path=target.path,
            query=dict(parse_qsl(target.query, keep_blank_values=True)),
            headers=headers,
            body=bytes(body),
        )
        try:
            return await self.handler(request)
        except Exception:  # a bug in a handler must not leak details or stop the server
            return error(500, "internal error")
