"""The async runner: sends a plan through an adapter and collects what comes back.

- A rate limit (messages per second) and a concurrency limit bound the sending.
- HTTP 429 pauses all sending for Retry-After (or a short back-off) and retries the message.
- Only what cannot have reached the vendor is retried: a refused connection, a connect or pool
  timeout, a 429. A timeout after the request was sent is recorded, never retried: the vendor
  may have sent the SMS, and a retry could put a second one on the test phone.
- Each message's error is recorded and the run goes on.
- Cancelling (Ctrl+C, `cancel()`) stops the in-flight sends; everything measured is kept.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import email.utils
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import certifi
import httpx

from vaudit.audits.channel.adapters import Adapter, DlrUpdate, short
from vaudit.audits.channel.plan import TOKEN_ALPHABET, TOKEN_LENGTH, Plan, PlannedMessage
from vaudit.audits.channel.receiver import Receiver
from vaudit.audits.channel.store import Recorder, create_run, finish_run
from vaudit.audits.db import Store
from vaudit.audits.models import utcnow

MAX_ATTEMPTS = 5
BACKOFF_S = 0.2  # first wait after a refused connection or a 429 without Retry-After
MAX_RETRY_AFTER_S = 300.0
# A send may go this far ahead of its slot instead of sleeping: the event loop's timers tick in
# whole milliseconds, so sub-millisecond sleeps cost a loop pass each and spaced nothing. The
# long-run rate holds; a burst has at most rate × slack extra sends (25 at 5000/s, none at 40/s).
RATE_SLACK_S = 0.005
TOKEN_IN_TEXT = re.compile(rf"[{TOKEN_ALPHABET}]{{{TOKEN_LENGTH}}}")
# How late vaudit may learn of a pushed report (the gateway posts it as it happens) and of a
# forwarded receipt (the forwarding app on the phone may take a second or more): a gateway's or
# handset's own time finer than this is taken instead of vaudit's arrival time.
PUSH_UNCERTAINTY_S = 0.001
FORWARD_UNCERTAINTY_S = 1.0


@dataclass
class Progress:
    planned: int = 0
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: int = 0
    throttled: int = 0  # 429 answers
    dlr_final: int = 0
    dlr_delivered: int = 0
    receipts: int = 0
    bad_posts: int = 0  # callbacks and receipts the receiver refused (4xx), counted live
    phase: str = "starting"  # sending | waiting | finished | cancelled | failed
    failure: str | None = None
    # Why messages were refused or failed, by count (the gateway's words, redacted).
    reasons: collections.Counter[str] = field(default_factory=collections.Counter)


@dataclass
class _State:
    id: int
    message: PlannedMessage
    submitted_mono: float | None = None  # the first attempt: latencies count from it
    submitted_at: dt.datetime | None = None  # the first attempt
    last_submitted_at: dt.datetime | None = None
    accepted: bool = False
    vendor_id: str | None = None
    final_dlr: bool = False
    receipt: bool = False
    seen: set[tuple[Any, ...]] = field(default_factory=set)  # reports already stored


@dataclass
class RunOptions:
    host: str = "127.0.0.1"  # where the receiver listens
    port: int = 0
    public_host: str | None = None  # the address phones and the vendor use to reach it
    receiver: bool = True  # False: no callbacks expected (pull-only, no forwarding app)
    max_attempts: int = MAX_ATTEMPTS
    declared_fault: bool = False
    claimed_sender: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(max(0.0, (when - utcnow()).total_seconds()), MAX_RETRY_AFTER_S)


def nothing_accepted(progress: Progress) -> str:
    """The failure of a run in which the gateway accepted nothing, with its commonest reason."""
    reasons = progress.reasons.most_common(1)
    why = f"; most often: {reasons[0][0]} ({reasons[0][1]}×)" if reasons else ""
    return (
        f"nothing was accepted ({progress.rejected} rejected, {progress.errors} errors, "
        f"{progress.planned - progress.sent} not sent){why}"
    )


class RateLimiter:
    """Spaces sends 1/rate apart; `pause` holds everyone back (a 429 is about the account)."""

    def __init__(self, rate_per_second: float):
        self.interval = 1.0 / rate_per_second
        self.next_at = time.monotonic()
        self.paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    async def wait(self) -> None:
        while True:
            now = time.monotonic()
            at = max(self.next_at, self.paused_until, now)
            self.next_at = at + self.interval
            early = at - now
            if early > RATE_SLACK_S or (early > 0 and at <= self.paused_until):
                await asyncio.sleep(early)  # a pause is always waited out in full
            if time.monotonic() >= self.paused_until:
                return


class ChannelRunner:
    """One run: `await runner.run()`; `runner.progress` for a live view; `cancel()` to stop."""

    def __init__(
        self,
        store: Store,
        *,
        audit_id: int,
        actor: str,
        plan: Plan,
        planned: list[PlannedMessage],
        adapter: Adapter,
        options: RunOptions | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ):
        self.store = store
        self.audit_id = audit_id
        self.actor = actor
        self.plan = plan
        self.planned = planned
        self.adapter = adapter
        self.options = options or RunOptions()
        self.on_progress = on_progress
        self.progress = Progress(planned=len(planned))
        self.run_id: int | None = None
        self._states: dict[str, _State] = {}
        self._by_vendor_id: dict[str, _State] = {}
        # Reports that beat the submit answer, with when and how they came.
        self._early: dict[str, list[tuple[DlrUpdate, float, dt.datetime, str]]] = {}
        self._changed = asyncio.Event()
        self._main: asyncio.Task[None] | None = None
        self._recorder: Recorder | None = None
        self._receiver: Receiver | None = None
        self._limiter = RateLimiter(plan.rate_per_second)
        self._cancelled = False
        self._tls: ssl.SSLContext | None = None

    # -------------------------------------------------------------- life cycle

    def start_run(self) -> int:
        """Store the run and its planned messages (done by `run()` if not called first)."""
        if self.run_id is None:
            started = create_run(
                self.store,
                audit_id=self.audit_id,
                actor=self.actor,
                adapter=self.adapter.kind,
                profile=self.adapter.name,
                plan=self.plan,
                planned=self.planned,
                declared_fault=self.options.declared_fault,
                claimed_sender=self.options.claimed_sender,
            )
            self.run_id = started.run_id
            self._states = {m.token: _State(started.message_ids[m.token], m) for m in self.planned}
        return self.run_id

    def cancel(self) -> None:
        self._cancelled = True
        if self._main is not None:
            self._main.cancel()

    async def run(self) -> Progress:
        run_id = await asyncio.get_running_loop().run_in_executor(None, self.start_run)
        self._recorder = Recorder(self.store)
        try:
            if self.options.receiver:
                self._receiver = Receiver(
                    self.adapter,
                    self._take_dlrs,
                    self._take_receipt,
                    self.options.host,
                    self.options.port,
                    self.options.public_host,
                    on_refused=self._notify,
                )
                await self._receiver.start()
            self._main = asyncio.create_task(self._work())
            if self._cancelled:
                self._main.cancel()
            await self._main
        except asyncio.CancelledError:
            self._cancelled = True
            if self._main is not None and not self._main.done():
                self._main.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._main
        except Exception as exc:
            # Stop, keep what was measured, and let the caller see the error.
            self._cancelled = True
            self.progress.failure = short(self.adapter.redact(f"the run stopped: {exc!r}"))
            raise
        finally:
            if self._receiver is not None:
                self.progress.bad_posts = self._receiver.rejected
                await self._receiver.close()
            recorder = self._recorder
            await asyncio.get_running_loop().run_in_executor(None, recorder.close)
            if recorder.failure and not self.progress.failure:
                self.progress.failure = recorder.failure
            if not self._cancelled and not self.progress.failure and not self.progress.accepted:
                self.progress.failure = nothing_accepted(self.progress)
            failure = self.progress.failure
            await asyncio.get_running_loop().run_in_executor(
                None,
                lambda: finish_run(
                    self.store, run_id, self.actor, cancelled=self._cancelled, failure=failure
                ),
            )
            self.progress.phase = (
                "cancelled"
                if self._cancelled
                else ("failed" if self.progress.failure else "finished")
            )
            self._notify()
        return self.progress

    @property
    def receipt_url(self) -> str | None:
        return self._receiver.receipt_url if self._receiver else None

    @property
    def dlr_url(self) -> str | None:
        return self._receiver.dlr_url if self._receiver else None

    def _notify(self) -> None:
        if self._receiver is not None:
            self.progress.bad_posts = self._receiver.rejected
        self._changed.set()
        if self.on_progress is not None:
            self.on_progress(self.progress)

    def _client(self) -> httpx.AsyncClient:
        if self._tls is None:  # loading the CA bundle takes ~15 ms: once per run, not per client
            self._tls = ssl.create_default_context(cafile=certifi.where())
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        timeout = httpx.Timeout(self.adapter.timeout_s)
        return httpx.AsyncClient(limits=limits, timeout=timeout, verify=self._tls, trust_env=False)

    async def _work(self) -> None:
        # One sender per unit of concurrency, each with its own kept-alive connection: httpcore's
        # shared pool rescans every connection on each request, which at 32 connections cost
        # more CPU than the rest of the runner (see docs/channel-testing.md, Speed).
        queue = collections.deque(self._states[m.token] for m in self.planned)
        async with self._client() as reports_client:
            self.progress.phase = "sending"
            self._notify()
            senders = [
                asyncio.create_task(self._sender(queue))
                for _ in range(min(self.plan.concurrency, len(queue)))
            ]
            try:
                await asyncio.gather(*senders)
            finally:
                for task in senders:
                    task.cancel()
            self.progress.phase = "waiting"
            self._notify()
            await self._wait_for_reports(reports_client)

    async def _sender(self, queue: collections.deque[_State]) -> None:
        async with self._client() as client:
            while queue and not self._cancelled:
                await self._send(client, queue.popleft())

    # -------------------------------------------------------------- sending

    async def _send(self, client: httpx.AsyncClient, s: _State) -> None:
        attempts = 0
        while True:
            if self._recorder is not None and self._recorder.failure:
                self.progress.failure = self._recorder.failure
                self.cancel()
                return
            await self._limiter.wait()
            attempts += 1
            request = self.adapter.submit_request(
                client, s.message, self._pushed_dlr_url(), self.receipt_url
            )
            s.last_submitted_at = utcnow()
            if s.submitted_mono is None:  # the first attempt is when the message was sent
                s.submitted_mono = time.monotonic()
                s.submitted_at = s.last_submitted_at
            try:
                response = await client.send(request)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # The request never reached the vendor: safe to try again.
                if attempts < self.options.max_attempts:
                    await asyncio.sleep(BACKOFF_S * 2 ** (attempts - 1))
                    continue
                return self._failed(s, attempts, None, f"could not connect: {exc}")
            except httpx.TimeoutException:
                return self._failed(
                    s,
                    attempts,
                    None,
                    f"no answer within {self.adapter.timeout_s:g} s; not retried "
                    "(the vendor may have sent it)",
                )
            except httpx.HTTPError as exc:
                return self._failed(s, attempts, None, f"{type(exc).__name__}: {exc}")
            except asyncio.CancelledError:
                self._failed(s, attempts, None, "cancelled while waiting for the vendor's answer")
                raise
            if response.status_code == 429:
                self.progress.throttled += 1
                self.progress.reasons["throttled (HTTP 429)"] += 1
                wait = retry_after(response)
                self._limiter.pause(wait if wait is not None else BACKOFF_S * 2**attempts)
                if attempts < self.options.max_attempts:
                    continue
                return self._failed(s, attempts, 429, f"throttled (HTTP 429) {attempts} times")
            result = self.adapter.read_submit(response)
            s.accepted = result.accepted
            s.vendor_id = result.vendor_id
            self.progress.sent += 1
            if result.accepted:
                self.progress.accepted += 1
                if result.vendor_id:
                    self._by_vendor_id[result.vendor_id] = s
            else:
                self.progress.rejected += 1
                reason = result.error or f"rejected (HTTP {response.status_code})"
                self.progress.reasons[reason] += 1
            self._record_submit(
                s, attempts, result.http_status, result.accepted, result.vendor_id, result.error
            )
            for update, mono, wall, source in self._early.pop(result.vendor_id or "", []):
                self._apply(s, update, source, mono, wall)
            self._notify()
            return

    def _pushed_dlr_url(self) -> str | None:
        return self.dlr_url if self.adapter.pushes_dlr else None

    def _failed(self, s: _State, attempts: int, status: int | None, error: str) -> None:
        self.progress.sent += 1
        self.progress.errors += 1
        text = self.adapter.redact(short(error))
        self.progress.reasons[text] += 1
        self._record_submit(s, attempts, status, False, None, text)
        self._notify()

    def _record_submit(
        self,
        s: _State,
        attempts: int,
        status: int | None,
        accepted: bool,
        vendor_id: str | None,
        error: str | None,
    ) -> None:
        assert self._recorder is not None
        # Whatever the vendor answered may echo a credential: scrubbed (before it is cut
        # short, so no part of one survives) on the way to the database, whichever adapter.
        self._recorder.submit(
            s.id,
            attempts=attempts,
            submitted_at=s.submitted_at,
            last_submitted_at=s.last_submitted_at,
            http_status=status,
            accepted=accepted,
            vendor_message_id=None if vendor_id is None else self.adapter.redact(vendor_id),
            error=None if error is None else short(self.adapter.redact(error)),
        )

    # -------------------------------------------------------------- reports and receipts

    def _take_dlrs(self, updates: list[DlrUpdate], source: str = "push") -> None:
        mono, wall = time.monotonic(), utcnow()  # when the reports reached vaudit
        for update in updates:
            if update.by_token:
                s = self._states.get(update.key.upper())
            else:
                s = self._by_vendor_id.get(update.key)
                if s is None:
                    self._early.setdefault(update.key, []).append((update, mono, wall, source))
                    continue
            if s is not None:
                self._apply(s, update, source, mono, wall)
        self._notify()

    def _latency(
        self,
        s: _State,
        gateway_at: dt.datetime | None,
        resolution_s: float | None,
        uncertainty_s: float,
        arrived_mono: float,
    ) -> tuple[float | None, str | None]:
        """Seconds from the first submission to the report, on vaudit's monotonic clock; the
        gateway's own time only where it is finer than vaudit's arrival time (a pulled report
        arrives up to a poll interval late) and consistent with it."""
        if s.submitted_mono is None or s.submitted_at is None:
            return None, None
        ours = max(0.0, arrived_mono - s.submitted_mono)
        if gateway_at is not None and resolution_s is not None and resolution_s < uncertainty_s:
            theirs = (gateway_at - s.submitted_at).total_seconds()
            if 0.0 <= theirs <= ours:
                return theirs, "gateway"
        return ours, "vaudit"

    def _apply(
        self, s: _State, update: DlrUpdate, source: str, arrived_mono: float, arrived: dt.datetime
    ) -> None:
        assert self._recorder is not None
        # A pushed report's whole text tells its parts apart (a receipt per part has its own
        # id); a polled one comes again at every poll, maybe with fields that change.
        raw = update.raw if source == "push" else None
        key = (update.status, update.code, update.error_code, update.reported_at, raw)
        if key in s.seen:
            return  # the same report again (a repeated push, or every poll): stored once
        s.seen.add(key)
        uncertainty = self.adapter.pull_interval_s if source == "pull" else PUSH_UNCERTAINTY_S
        latency, clock = self._latency(
            s, update.reported_at, update.time_resolution_s, uncertainty, arrived_mono
        )
        self._recorder.dlr(
            s.id,
            status=update.status,
            final=update.final,
            delivered=update.delivered,
            reported_at=update.reported_at,
            received_at=arrived,
            source=source,
            outcome=update.outcome_name,
            code=update.code,
            error_code=update.error_code,
            reason=update.reason,
            raw=update.raw,
            latency_s=latency,
            latency_clock=clock,
        )
        if update.final and not s.final_dlr:
            s.final_dlr = True
            self.progress.dlr_final += 1
            if update.delivered:
                self.progress.dlr_delivered += 1

    def _take_receipt(self, receipt: dict[str, Any]) -> str | None:
        token = receipt.get("token")
        if not token:
            found = TOKEN_IN_TEXT.findall(receipt.get("text") or "")
            known = [t for t in found if t in self._states]
            token = known[0] if known else None
        s = self._states.get(str(token).upper()) if token else None
        if s is None:
            return "no message of this run matches the receipt (no known token in it)"
        assert self._recorder is not None
        latency, clock = self._latency(
            s,
            receipt.get("received_at"),
            receipt.get("time_resolution_s"),
            FORWARD_UNCERTAINTY_S,
            time.monotonic(),
        )
        self._recorder.receipt(
            s.id,
            received_at=receipt.get("received_at") or utcnow(),
            sender=receipt.get("sender"),
            text=receipt.get("text"),
            source="forwarded",
            recorded_by=None,
            latency_s=latency,
            latency_clock="handset" if clock == "gateway" else clock,
        )
        if not s.receipt:
            s.receipt = True
            self.progress.receipts += 1
        self._notify()
        return None

    def note_manual_receipt(self, token: str) -> None:
        """A receipt the auditor ticked by hand (stored by `store.record_manual_receipt`):
        count it live and stop waiting for that message's handset receipt."""
        s = self._states.get(token.strip().upper())
        if s is not None and not s.receipt:
            s.receipt = True
            self.progress.receipts += 1
            self._notify()

    # -------------------------------------------------------------- waiting

    def _pending(self, now: float) -> tuple[list[_State], float | None]:
        """Accepted messages still owed a final DLR or a receipt, and the next deadline."""
        waiting_dlr = []
        next_deadline: float | None = None
        expects_dlr = self.adapter.pushes_dlr or self.adapter.pulls_dlr
        expects_receipt = self._receiver is not None
        for s in self._states.values():
            if not s.accepted or s.submitted_mono is None:
                continue
            deadlines = []
            if expects_dlr and not s.final_dlr:
                at = s.submitted_mono + self.plan.dlr_timeout_s
                if at > now:
                    deadlines.append(at)
                    waiting_dlr.append(s)
            if expects_receipt and not s.receipt:
                at = s.submitted_mono + self.plan.handset_timeout_s
                if at > now:
                    deadlines.append(at)
            for at in deadlines:
                next_deadline = at if next_deadline is None else max(next_deadline, at)
        return waiting_dlr, next_deadline

    async def _wait_for_reports(self, client: httpx.AsyncClient) -> None:
        while True:
            now = time.monotonic()
            waiting_dlr, last_deadline = self._pending(now)
            if last_deadline is None:
                return
            self._changed.clear()
            if self.adapter.pulls_dlr and waiting_dlr:
                await self._pull(client, waiting_dlr)
                wait = self.adapter.pull_interval_s
            else:
                wait = last_deadline - now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=max(0.0, min(wait, 1.0)))

    async def _pull(self, client: httpx.AsyncClient, waiting: list[_State]) -> None:
        ids = [s.vendor_id for s in waiting if s.vendor_id]
        try:
            updates = await self.adapter.pull(client, ids)
        except (httpx.HTTPError, ValueError):
            return  # a failed poll is tried again at the next interval
        if updates:
            self._take_dlrs(updates, source="pull")
