"""Messages per second through the channel runner against the simulator, next to a bare
httpx.AsyncClient loop posting the same requests to the same simulator in the same run.

The simulator runs in its own process (as a vendor would); delivery reports and handset
receipts are off so both sides measure the submit path: the runner's rate limiter, retries,
state and its database writes (group-committed on a thread) against nothing at all.

    python bench/channel_throughput.py [--messages 2000] [--concurrency 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import multiprocessing
import ssl
import sys
import tempfile
import time
from pathlib import Path

import certifi
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vaudit.audits.channel.adapters import SimulatorAdapter, simulator_profile
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.plan import messages, plan_for
from vaudit.audits.channel.runner import ChannelRunner, RunOptions
from vaudit.audits.channel.simulator import SimProfile, serve_forever
from vaudit.audits.db import open_store
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

PORT = 8797
NUMBERS = ["13800138000", "18612345678", "18912345678", "17012345678", "13012345678"]
CARRIERS = ["mobile", "unicom", "telecom", "telecom", "mobile"]


def _serve() -> None:
    asyncio.run(serve_forever(SimProfile(seed=1, delivery_rate=1.0), "127.0.0.1", PORT))


async def _wait_for_simulator() -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(f"http://127.0.0.1:{PORT}/reports")
                return
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
    raise SystemExit("the simulator did not start")


async def bare(planned: list, concurrency: int) -> float:
    """The same POSTs with nothing around them, laid out as the runner lays them out: one
    worker per unit of concurrency, each on its own kept-alive connection (a single shared
    pool of 32 connections costs httpcore more CPU than the posts themselves)."""
    url = f"http://127.0.0.1:{PORT}/send"
    queue = collections.deque(planned)
    tls = ssl.create_default_context(cafile=certifi.where())  # shared, as the runner does

    async def worker() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(limits=limits, verify=tls, trust_env=False) as client:
            while queue:
                m = queue.popleft()
                body = {
                    "to": m.card.number,
                    "text": m.text,
                    "ref": m.token,
                    "dlr_url": "",
                    "handset_url": "",
                }
                response = await client.post(url, json=body)
                response.json()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def through_runner(store, audit_id: int, plan, planned: list) -> float:  # type: ignore[no-untyped-def]
    adapter = SimulatorAdapter(simulator_profile(f"http://127.0.0.1:{PORT}", "none"))
    runner = ChannelRunner(
        store,
        audit_id=audit_id,
        actor="bench",
        plan=plan,
        planned=planned,
        adapter=adapter,
        options=RunOptions(receiver=False),
    )
    runner.start_run()  # storing the plan is set-up, not sending
    started = time.perf_counter()
    progress = await runner.run()
    took = time.perf_counter() - started
    assert progress.accepted == len(planned), progress
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds after a warm-up")
    args = parser.parse_args()
    simulator = multiprocessing.Process(target=_serve, daemon=True)
    simulator.start()
    try:
        folder = Path(tempfile.mkdtemp(prefix="vaudit-bench-"))
        store = open_store(str(folder / "bench.sqlite"))
        service = Service(store, "bench", today=dt.date.today())
        service.add_vendor({"name": "Bench Vendor"})
        service.add_selection(
            "Bench", Scenario("ecommerce", "national", frozenset({"verification"}), 1)
        )
        audit = service.start_audit("Bench Vendor", "Bench")
        cards = [
            add_card(store, "bench", n, c).card for n, c in zip(NUMBERS, CARRIERS, strict=True)
        ]
        repetitions = max(1, args.messages // (len(cards) * 5))
        plan = plan_for(
            cards,
            repetitions=repetitions,
            rate_per_second=5000,
            concurrency=args.concurrency,
            seed=1,
        )
        asyncio.run(_wait_for_simulator())
        bare_times, runner_times = [], []
        for round_ in range(1 + args.rounds):  # round 0 warms up both sides, then alternate
            planned = messages(plan)
            bare_s = asyncio.run(bare(planned, args.concurrency))
            runner_s = asyncio.run(through_runner(store, audit.id, plan, planned))  # type: ignore[arg-type]
            if round_:
                bare_times.append(bare_s)
                runner_times.append(runner_s)
        # Best of the rounds for each side: on a shared machine the slow rounds measure the
        # neighbours, not the code.
        n = len(planned)
        bare_rate, runner_rate = n / min(bare_times), n / min(runner_times)
        print(
            f"messages per run      {n} (concurrency {args.concurrency}, "
            f"best of {args.rounds} rounds after a warm-up)"
        )
        print(f"bare httpx loop       {bare_rate:8.0f} msg/s")
        print(f"channel runner        {runner_rate:8.0f} msg/s (stored in SQLite, FULL sync)")
        print(
            f"runner / bare         {runner_rate / bare_rate:8.2f}×  (target ≥ 0.8×, ≥ 500 msg/s)"
        )
        store.dispose()
    finally:
        simulator.terminate()
        simulator.join()


if __name__ == "__main__":
    main()
