"""What keeps the channel runner fast without changing what it measures or stores:
kept-alive connections bounded by the plan's concurrency, group commits, and a rate limiter
that keeps its long-run rate."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from vaudit.audits.channel.adapters import SimulatorAdapter, simulator_profile
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.models import ChannelMessage
from vaudit.audits.channel.plan import messages, plan_for
from vaudit.audits.channel.runner import RATE_SLACK_S, ChannelRunner, RateLimiter, RunOptions
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.audits.channel.store import COMMIT_WINDOW_S, Recorder, create_run
from vaudit.audits.db import Store, open_store


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """SQLite only: what is measured is the runner's connections and commits, on one backend."""
    opened = open_store(str(db_path))
    yield opened
    opened.dispose()


@pytest.fixture
def cards(store: Store) -> list[Any]:
    numbers = [("13800138000", "mobile"), ("18612345678", "unicom"), ("18912345678", "telecom")]
    return [add_card(store, "alice", n, c).card for n, c in numbers]


def stored_messages(store: Store) -> list[ChannelMessage]:
    with store.read() as session:
        return list(session.exec(select(ChannelMessage)).all())


async def test_senders_keep_their_connections_alive_within_the_concurrency(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    plan = plan_for(cards, repetitions=8, rate_per_second=2000, concurrency=4, seed=3)
    planned = messages(plan)
    async with Simulator(SimProfile(seed=3, delivery_rate=1.0)) as sim:
        runner = ChannelRunner(
            store,
            audit_id=audit_id,
            actor="alice",
            plan=plan,
            planned=planned,
            adapter=SimulatorAdapter(simulator_profile(sim.url, "none")),
            options=RunOptions(receiver=False),
        )
        progress = await runner.run()
        opened = sim.server.connections_opened
    assert len(planned) > 20
    assert progress.accepted == len(planned) and sim.requests == len(planned)
    assert 1 <= opened <= plan.concurrency  # never more in flight, and reused across messages
    assert all(m.submitted_at is not None and m.http_status == 200 for m in stored_messages(store))


async def test_results_are_committed_together_and_without_a_flush(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    plan = plan_for(cards, repetitions=40, rate_per_second=2000, concurrency=4, seed=4)
    planned = messages(plan)
    started = create_run(
        store, audit_id=audit_id, actor="alice", adapter="simulator", profile="x",
        plan=plan, planned=planned,
    )  # fmt: skip
    recorder = Recorder(store)
    try:
        now = dt.datetime.now(dt.UTC)
        for m in planned:
            recorder.submit(
                started.message_ids[m.token], attempts=1, submitted_at=now, http_status=200,
                accepted=True, vendor_message_id=f"V{m.token}", error=None,
            )  # fmt: skip
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if all(m.accepted for m in stored_messages(store)):
                break
            await asyncio.sleep(COMMIT_WINDOW_S)
        assert all(m.vendor_message_id == f"V{m.token}" for m in stored_messages(store))
        # Hundreds of results queued at once go in a few transactions, not one each.
        assert recorder.rows_written == len(planned) > 100
        assert recorder.commits <= 5
    finally:
        recorder.close()
    assert recorder.failure is None


async def test_the_rate_limiter_keeps_its_long_run_rate() -> None:
    limiter = RateLimiter(rate_per_second=500)
    started = time.monotonic()
    for _ in range(101):
        await limiter.wait()
    took = time.monotonic() - started
    # 100 intervals of 2 ms; the slack may only let the last sends go early, not add up.
    assert took >= 0.2 - RATE_SLACK_S - 0.001


async def test_a_pause_shorter_than_the_slack_is_still_waited_out() -> None:
    limiter = RateLimiter(rate_per_second=10_000)
    await limiter.wait()
    pause = RATE_SLACK_S / 2
    limiter.pause(pause)
    started = time.monotonic()
    await limiter.wait()
    assert time.monotonic() - started >= pause * 0.9


async def test_the_simulator_pushes_every_report_and_receipt_through_a_few_connections() -> None:
    """Thousands of pushes falling due together: each arrives, over at most PUSHERS kept-alive
    connections (a task per push on one shared client collapsed at this scale)."""
    from vaudit.audits.channel.httpserve import Request, Response, Server
    from vaudit.audits.channel.simulator import PUSHERS

    arrived: Counter[str] = Counter()

    async def count(request: Request) -> Response:
        arrived[request.path] += 1
        return Response(200, b"ok", "text/plain")

    fast = SimProfile(seed=3, delivery_rate=1.0, dlr_median_s=0.05, handset_median_s=0.05)
    sent = 600
    async with Server(count) as receiver, Simulator(fast) as sim:
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
        async with httpx.AsyncClient(limits=limits, trust_env=False) as client:

            async def submit(n: int) -> None:
                body = {
                    "to": "13800138000",
                    "text": f"code {n}",
                    "ref": f"r{n}",
                    "dlr_url": f"{receiver.base_url}/dlr",
                    "handset_url": f"{receiver.base_url}/receipt",
                }
                assert (await client.post(f"{sim.url}/send", json=body)).json()["code"] == "OK"

            await asyncio.gather(*(submit(n) for n in range(sent)))
        for _ in range(400):
            if sum(arrived.values()) == 2 * sent:
                break
            await asyncio.sleep(0.05)
        assert arrived == Counter({"/dlr": sent, "/receipt": sent})
        assert receiver.connections_opened <= PUSHERS
