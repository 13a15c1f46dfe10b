"""vaudit's vendor simulator: an SMS API on loopback that behaves like a real vendor, badly on
request. Each message's fate (delivered, failed, pseudo-success, silently dropped, rejected,
malformed answer, no answer) is drawn from a random generator seeded with the profile's seed
and the message itself, so the same plan meets the same fates whatever the sending order.

Endpoints: POST /send (JSON), GET /reports?ids=… (pull), GET /cgi-bin/sendsms (Kannel-style),
and POST /aliyun, POST /tencent: the Alibaba Cloud and Tencent Cloud SMS APIs, signatures
checked (simulator_dialects).
Delivery reports are pushed to the request's dlr_url; a "handset receipt" is posted to the
request's handset_url, as an SMS-forwarding app on a test phone would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import heapq
import itertools
import json
import math
import random
import time
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import h11

from vaudit.audits import toml_text
from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.cards import allocated_key
from vaudit.audits.channel.httpserve import Request, Response, Server, error, json_response
from vaudit.audits.channel.simulator_dialects import Dialects
from vaudit.audits.files import InputFileError, read_input

DLR_PUSH_TIMEOUT_S = 5.0
# Reports and receipts are pushed by this many workers, each with its own kept-alive
# connection. One shared AsyncClient with a task per push collapsed at a few thousand
# messages: httpcore rescans its whole pool and every waiting request on each assignment.
PUSHERS = 8

# A push: the request a vendor makes to the runner's receiver (GET for Kannel's DLR URL).
Push = tuple[str, str, Any]  # method, URL, a JSON body (None: no body)


@dataclass(frozen=True)
class SimProfile:
    seed: int = 0
    delivery_rate: float = 0.98  # share delivered to the handset, per carrier below
    carrier_rates: dict[str, float] = field(default_factory=dict)  # mobile/unicom/telecom/…
    pseudo_success: float = 0.0  # DLR says delivered, the handset never gets it
    silent_drop: float = 0.0  # accepted, then nothing at all: no DLR, no handset
    reject: float = 0.0  # refused at submit
    malformed: float = 0.0  # a submit answered with a body that is not the API's
    no_answer: float = 0.0  # a submit never answered (the client times out)
    no_answer_s: float = 30.0
    dlr_median_s: float = 2.0
    handset_median_s: float = 3.0
    latency_spread: float = 0.5  # sigma of the log-normal latencies
    max_per_second: float = 0.0  # above it: HTTP 429 (0: no throttling)
    retry_after_s: float = 0.0  # Retry-After at least this (else: until the window opens)
    outage_start_s: float | None = None  # after the first submit
    outage_end_s: float | None = None
    sender: str = "10690000001"  # the 106 code a handset shows
    sender_extension: str = "88"  # appended by the channel, as real channels do
    modify_text: float = 0.0  # share of receipts whose text was altered in transit
    api_key_env: str | None = None  # when set, submits need "Authorization: Bearer <key>"

    def rate_for(self, carrier: str | None) -> float:
        return self.carrier_rates.get(carrier or "", self.delivery_rate)


def load_profile(path: Path | None, seed: int | None = None) -> SimProfile:
    profile = SimProfile()
    if path is not None:
        try:
            data = toml_text.loads(read_input(path).decode("utf-8"))
        except InputFileError as exc:
            raise ChannelError(f"simulator profile: {exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ChannelError(f"{path}: not valid TOML: {exc}") from None
        known = {f.name for f in fields(SimProfile)}
        unknown = set(data) - known - {"carriers"}
        if unknown:
            raise ChannelError(f"{path}: unknown setting {sorted(unknown)[0]!r}")
        rates = {k: float(v) for k, v in data.pop("carriers", {}).items()}
        try:
            profile = replace(profile, carrier_rates=rates, **data)
        except TypeError as exc:
            raise ChannelError(f"{path}: {exc}") from None
    if seed is not None:
        profile = replace(profile, seed=seed)
    shares = [
        profile.pseudo_success,
        profile.silent_drop,
        profile.reject,
        profile.malformed,
        profile.no_answer,
        profile.delivery_rate,
        profile.modify_text,
        *profile.carrier_rates.values(),
    ]
    if any(not 0 <= s <= 1 for s in shares):
        raise ChannelError("simulator shares and rates must be between 0 and 1")
    return profile


@dataclass
class Fate:
    """What the simulator decided for one submitted message (the tests' ground truth)."""

    ref: str
    to: str
    carrier: str | None
    outcome: str  # delivered | failed | pseudo | dropped | rejected | malformed | no_answer
    message_id: str | None = None
    dlr_after_s: float = 0.0
    handset_after_s: float = 0.0
    text_modified: bool = False


class _PushConnection:
    """One kept-alive HTTP/1.1 connection a pusher posts reports and receipts on, with h11
    directly: httpx's layers cost more CPU than the simulator's whole answer to a submit."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.CLIENT)

    @classmethod
    async def open(cls, host: str | None, port: int | None) -> _PushConnection:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host or "127.0.0.1", port or 80), DLR_PUSH_TIMEOUT_S
        )
        return cls(reader, writer)

    async def request(self, method: str, url: SplitResult, body: Any) -> None:
        if url.scheme != "http":
            raise ValueError(f"the simulator pushes to http:// only, not {url.scheme}")
        content = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = [("Host", url.netloc), ("Content-Length", str(len(content)))]
        if body is not None:
            headers.append(("Content-Type", "application/json"))
        target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self.writer.write(
            self.h11.send(h11.Request(method=method, target=target, headers=headers))
            + self.h11.send(h11.Data(data=content))
            + self.h11.send(h11.EndOfMessage())
        )
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionResetError("the receiver closed the connection")
                self.h11.receive_data(data)
            elif isinstance(event, h11.EndOfMessage):
                return

    def next_cycle(self) -> bool:
        """Ready the connection for another request; False if it must be closed instead."""
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
            return True
        return False

    def close(self) -> None:
        self.writer.close()


class Simulator:
    def __init__(self, profile: SimProfile, host: str = "127.0.0.1", port: int = 0):
        self.profile = profile
        self.server = Server(self._handle, host, port, max_body=256 * 1024)
        self.ledger: list[Fate] = []
        self.requests = 0
        self.throttled = 0
        self.request_times: list[float] = []
        self._reports: dict[str, list[dict[str, Any]]] = {}
        self._first_submit: float | None = None
        self._window_start = time.monotonic()
        self._window_count = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._due: list[tuple[float, int, Push]] = []  # a heap, soonest first
        self._pushes = itertools.count()
        self._wake = asyncio.Event()
        self._ready: asyncio.Queue[Push] = asyncio.Queue()
        self._counter = 0
        self.dialects = Dialects(self)  # the Alibaba Cloud and Tencent Cloud APIs
        self.pushed = 0  # reports and receipts posted (whatever the receiver answered)

    @property
    def url(self) -> str:
        return self.server.base_url

    async def start(self) -> Simulator:
        await self.server.start()
        for work in (self._dispatch(), *(self._pusher() for _ in range(PUSHERS))):
            task = asyncio.create_task(work)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return self

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.server.close()

    async def __aenter__(self) -> Simulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ fates

    def _rng(self, to: str, ref: str) -> random.Random:
        digest = hashlib.sha256(f"{self.profile.seed}:{to}:{ref}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def _latency(self, rng: random.Random, median: float) -> float:
        return median * math.exp(self.profile.latency_spread * rng.gauss(0, 1))

    def _in_outage(self, now: float) -> bool:
        p = self.profile
        if p.outage_start_s is None or self._first_submit is None:
            return False
        elapsed = now - self._first_submit
        return p.outage_start_s <= elapsed < (p.outage_end_s or math.inf)

    def decide(self, to: str, ref: str) -> Fate:
        p = self.profile
        rng = self._rng(to, ref)
        carrier = allocated_key(to)
        roll = rng.random()
        fate = Fate(ref, to, carrier, "delivered")
        fate.dlr_after_s = self._latency(rng, p.dlr_median_s)
        fate.handset_after_s = self._latency(rng, p.handset_median_s)
        fate.text_modified = rng.random() < p.modify_text
        edges = [
            ("no_answer", p.no_answer),
            ("malformed", p.malformed),
            ("rejected", p.reject),
            ("dropped", p.silent_drop),
            ("pseudo", p.pseudo_success),
        ]
        for outcome, share in edges:
            if roll < share:
                fate.outcome = outcome
                return fate
            roll -= share
        # What is left is delivered at the carrier's rate (scaled to the remaining share).
        rest = 1 - sum(share for _, share in edges)
        fate.outcome = "delivered" if rest > 0 and roll / rest < p.rate_for(carrier) else "failed"
        if self._in_outage(time.monotonic()):
            fate.outcome = "failed"  # the primary channel is down and nothing fails over
        return fate

    def _throttle(self, now: float) -> bool:
        limit = self.profile.max_per_second
        if limit <= 0:
            return False
        if now - self._window_start >= 1.0:
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        return self._window_count > limit

    def _retry_after(self, now: float) -> float:
        """Until the throttling window opens again, or the profile's fixed value if longer."""
        opens = 1.0 - (now - self._window_start)
        return round(max(self.profile.retry_after_s, opens), 2)

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: Request) -> Response:
        now = time.monotonic()
        self.requests += 1
        self.request_times.append(now)
        if request.path == "/send" and request.method == "POST":
            return await self._send_json(request, now)
        if request.path == "/cgi-bin/sendsms" and request.method in ("GET", "POST"):
            return await self._send_kannel(request, now)
        if request.path == "/reports" and request.method == "GET":
            return self._pull(request)
        if Dialects.serves(request.path):
            return await self.dialects.handle(request, now)
        return error(404, "no such endpoint")

    def _refusal(self, request: Request, now: float) -> Response | None:
        key_env = self.profile.api_key_env
        if key_env:
            import os

            expected = os.environ.get(key_env, "")
            if not expected or request.headers.get("authorization") != f"Bearer {expected}":
                return json_response(401, {"code": "UNAUTHORIZED", "message": "bad API key"})
        if self._throttle(now):
            self.throttled += 1
            return json_response(
                429,
                {"code": "THROTTLED", "message": "too many requests"},
                [("retry-after", f"{self._retry_after(now):g}")],
            )
        return None

    async def _send_json(self, request: Request, now: float) -> Response:
        refusal = self._refusal(request, now)
        if refusal is not None:
            return refusal
        try:
            data = request.json()
            to, text = str(data["to"]), str(data["text"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return json_response(400, {"code": "BAD_REQUEST", "message": "need to and text"})
        ref = str(data.get("ref") or text)
        fate = await self._accept(to, ref, now)
        if fate.outcome == "rejected":
            return json_response(200, {"code": "REJECTED", "message": "template not approved"})
        if fate.outcome == "malformed":
            return Response(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        self._schedule(
            fate, text, data.get("dlr_url") or None, data.get("handset_url") or None, kannel=False
        )
        return json_response(200, {"code": "OK", "message_id": fate.message_id})

    async def _send_kannel(self, request: Request, now: float) -> Response:
        params = request.query if request.method == "GET" else request.form()
        if "to" not in params or "text" not in params:
            return Response(400, b"Missing receiver number or text", "text/plain")
        if not params.get("username") or not params.get("password"):
            return Response(403, b"Authorization failed for sendsms", "text/plain")
        if self._throttle(now):
            self.throttled += 1
            return Response(503, b"Throttled", "text/plain", [("retry-after", "1")])
        text = params["text"]
        fate = await self._accept(params["to"], text, now)
        if fate.outcome == "rejected":
            return Response(403, b"Not routable. Do not try again.", "text/plain")
        if fate.outcome == "malformed":
            return Response(200, b"<html>proxy error</html>", "text/html")
        self._schedule(fate, text, params.get("dlr-url"), None, kannel=True)
        return Response(202, b"0: Accepted for delivery", "text/plain")

    async def _accept(self, to: str, ref: str, now: float) -> Fate:
        if self._first_submit is None:
            self._first_submit = now
        fate = self.decide(to, ref)
        self._counter += 1
        fate.message_id = f"SIM{self.profile.seed:04d}{self._counter:08d}"
        self.ledger.append(fate)
        if fate.outcome == "no_answer":
            await asyncio.sleep(self.profile.no_answer_s)
        return fate

    def _pull(self, request: Request) -> Response:
        ids = [i for i in request.query.get("ids", "").split(",") if i]
        now = time.time()
        ready = [
            report for i in ids for report in self._reports.get(i, []) if report["_due"] <= now
        ]
        return json_response(
            200, {"reports": [{k: v for k, v in r.items() if not k.startswith("_")} for r in ready]}
        )

    # ------------------------------------------------------------------ what happens later

    def _later(self, delay: float, push: Push) -> None:
        heapq.heappush(self._due, (time.monotonic() + delay, next(self._pushes), push))
        self._wake.set()

    async def _dispatch(self) -> None:
        """Hand each push to the pushers when it falls due (one timer for all of them)."""
        while True:
            self._wake.clear()
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                self._ready.put_nowait(heapq.heappop(self._due)[2])
            wait = self._due[0][0] - now if self._due else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _pusher(self) -> None:
        connections: dict[str, _PushConnection] = {}
        try:
            while True:
                method, url, body = await self._ready.get()
                target = urlsplit(url)
                connection = connections.pop(target.netloc, None)
                try:
                    if connection is None:
                        connection = await _PushConnection.open(target.hostname, target.port)
                    await asyncio.wait_for(
                        connection.request(method, target, body), DLR_PUSH_TIMEOUT_S
                    )
                except (OSError, TimeoutError, h11.ProtocolError, ValueError):
                    if connection is not None:
                        connection.close()
                else:
                    if connection.next_cycle():
                        connections[target.netloc] = connection
                    else:
                        connection.close()
                self.pushed += 1
        finally:
            for connection in connections.values():
                connection.close()

    def _schedule(
        self, fate: Fate, text: str, dlr_url: str | None, handset_url: str | None, kannel: bool
    ) -> None:
        if fate.outcome in ("no_answer", "dropped"):
            return
        delivered = fate.outcome in ("delivered", "pseudo")
        status = "DELIVRD" if delivered else "UNDELIV"
        due = time.time() + fate.dlr_after_s
        report = {
            "message_id": fate.message_id,
            "ref": fate.ref,
            "status": status,
            "reported_at": dt.datetime.fromtimestamp(due, dt.UTC).isoformat(),
            "_due": due,
        }
        self._reports.setdefault(fate.message_id or "", []).append(report)
        if dlr_url and kannel:
            url = (
                dlr_url.replace("%d", "1" if delivered else "2")
                .replace("%T", str(int(due)))
                .replace("%A", status)
            )
            self._later(fate.dlr_after_s, ("GET", url, None))
        elif dlr_url:
            body = {k: v for k, v in report.items() if not k.startswith("_")}
            self._later(fate.dlr_after_s, ("POST", dlr_url, body))
        if fate.outcome == "delivered" and handset_url:
            shown = text.replace("】", "】 ", 1) if fate.text_modified else text
            arrived = time.time() + fate.handset_after_s
            receipt = {
                "from": self.profile.sender + self.profile.sender_extension,
                "to": fate.to,
                "text": shown,
                "received_at": dt.datetime.fromtimestamp(arrived, dt.UTC).isoformat(),
            }
            self._later(fate.handset_after_s, ("POST", handset_url, receipt))


async def serve_forever(profile: SimProfile, host: str, port: int, ready: Any = None) -> None:
    simulator = await Simulator(profile, host, port).start()
    try:
        if ready is not None:
            ready(simulator)
        await asyncio.Event().wait()
    finally:
        await simulator.close()
