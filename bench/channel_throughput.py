"""Messages per second through the channel runner against the simulator, delivery reports and
handset receipts included, beside a bare httpx loop posting the same requests.

    python bench/channel_throughput.py [--messages 10000] [--concurrency 32] [--rounds 2]

The simulator runs in its own process (as a vendor would), every message delivered, with
short latencies (a DLR after ~0.2 s, the handset's receipt after ~0.3 s) so the figures measure
the software, not the waits. Lines, each taken in turn round after round (bare first):
- bare httpx loop: the submits alone, one kept-alive connection per unit of concurrency;
- simulator alone: the same loop asking for a DLR and a receipt per message, pushed back to a
  bare counting server: from the first submit until every push arrived (the simulator's own
  line: it must never be the bottleneck);
- runner, pushed: ChannelRunner with its receiver, DLRs and receipts pushed;
- runner, pulled: DLRs pulled from /reports, receipts pushed.
For the runner: messages per second from the first submit until the run finished (every
message arrived or timed out), how many arrived, and the pseudo-successes (a DLR said
delivered, no receipt came): with every message delivered, any pseudo-success is a collapse
of the bench, not the vendor. Target: 10,000 messages, every one arrived, ≥ 1,000 msg/s.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import multiprocessing
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any

import certifi
import httpx
from benchlib import cores, median

from vaudit.audits.channel.adapters import SimulatorAdapter, simulator_profile
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.httpserve import Request, Response, Server
from vaudit.audits.channel.metrics import summary_of_run
from vaudit.audits.channel.plan import messages, plan_for
from vaudit.audits.channel.runner import ChannelRunner, RunOptions
from vaudit.audits.channel.simulator import SimProfile, serve_forever
from vaudit.audits.db import Store, open_store
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

# Test cards: one prefix per carrier, as many cards as the plan needs (at most 100
# repetitions of the 5 message kinds per card).
PREFIXES = (("138", "mobile"), ("186", "unicom"), ("189", "telecom"))
PROFILE = SimProfile(
    seed=1, delivery_rate=1.0, dlr_median_s=0.2, handset_median_s=0.3, latency_spread=0.3
)
WAIT_S = 60.0  # the plan's DLR and receipt timeouts: far above the latencies above


def _serve(port: int) -> None:
    asyncio.run(serve_forever(PROFILE, "127.0.0.1", port))


async def _wait_for_simulator(url: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(400):
            try:
                await client.get(f"{url}/reports")
                return
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
    raise SystemExit("the simulator did not start")


async def bare(url: str, planned: list[Any], concurrency: int, pushes_to: str = "") -> float:
    """The same POSTs with nothing around them, laid out as the runner lays them out; with
    `pushes_to`, asking for a DLR and a receipt each, timed until all of them arrived there."""
    queue = collections.deque(planned)
    tls = ssl.create_default_context(cafile=certifi.where())  # shared, as the runner does
    arrived = [0]

    async def count(_request: Request) -> Response:
        arrived[0] += 1
        return Response(200, b"ok", "text/plain")

    async def worker(dlr_url: str, handset_url: str) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(limits=limits, verify=tls, trust_env=False) as client:
            while queue:
                m = queue.popleft()
                body = {
                    "to": m.card.number,
                    "text": m.text,
                    "ref": m.token,
                    "dlr_url": dlr_url,
                    "handset_url": handset_url,
                }
                response = await client.post(f"{url}/send", json=body)
                response.json()

    if not pushes_to:
        started = time.perf_counter()
        await asyncio.gather(*(worker("", "") for _ in range(concurrency)))
        return time.perf_counter() - started
    async with Server(count, port=0) as receiver:
        base = receiver.base_url
        started = time.perf_counter()
        await asyncio.gather(*(worker(f"{base}/dlr", f"{base}/r") for _ in range(concurrency)))
        deadline = time.perf_counter() + WAIT_S
        while arrived[0] < 2 * len(planned) and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        took = time.perf_counter() - started
    if arrived[0] < 2 * len(planned):
        print(f"  simulator alone: only {arrived[0]} of {2 * len(planned)} pushes arrived")
    return took


async def through_runner(
    store: Store, audit_id: int, url: str, plan: Any, planned: list[Any], dlr_mode: str
) -> tuple[float, dict[str, Any]]:
    adapter = SimulatorAdapter(simulator_profile(url, dlr_mode))
    runner = ChannelRunner(
        store, audit_id=audit_id, actor="bench", plan=plan, planned=planned, adapter=adapter,
        options=RunOptions(),
    )  # fmt: skip
    runner.start_run()  # storing the plan is set-up, not sending
    started = time.perf_counter()
    await runner.run()
    took = time.perf_counter() - started
    assert runner.run_id is not None
    return took, summary_of_run(store, runner.run_id)["overall"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=8797)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    simulator = multiprocessing.Process(target=_serve, args=(args.port,), daemon=True)
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
        assert audit.id is not None
        count = max(3, -(-args.messages // 500))
        cards = [
            add_card(store, "bench", f"{PREFIXES[k % 3][0]}{k:08d}", PREFIXES[k % 3][1]).card
            for k in range(count)
        ]
        plan = plan_for(
            cards,
            repetitions=max(1, args.messages // (len(cards) * 5)),
            rate_per_second=5000,
            concurrency=args.concurrency,
            seed=1,
            dlr_timeout_s=WAIT_S,
            handset_timeout_s=WAIT_S,
        )
        asyncio.run(_wait_for_simulator(url))
        times: dict[str, list[float]] = collections.defaultdict(list)
        outcomes: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        n = 0
        for _ in range(args.rounds):
            planned = messages(plan)
            n = len(planned)
            times["bare"].append(asyncio.run(bare(url, planned, args.concurrency)))
            times["sim"].append(asyncio.run(bare(url, planned, args.concurrency, "pushes")))
            for mode in ("push", "pull"):
                took, overall = asyncio.run(
                    through_runner(store, audit.id, url, plan, planned, mode)
                )
                times[mode].append(took)
                outcomes[mode].append(overall)
        print(
            f"{cores()} cores; {n} messages per run, concurrency {args.concurrency}, "
            f"medians of {args.rounds} rounds (each line in turn)"
        )
        print(f"bare httpx loop, submits only        {n / median(times['bare']):8.0f} msg/s")
        print(
            f"simulator alone, DLR+receipt pushed  {n / median(times['sim']):8.0f} msg/s "
            "(until every push arrived)"
        )
        for mode, label in (("push", "pushed"), ("pull", "pulled")):
            worst = min(outcomes[mode], key=lambda o: o["arrived"])
            print(
                f"runner, DLR {label}, receipts pushed  {n / median(times[mode]):8.0f} msg/s  "
                f"arrived {worst['arrived']}/{n}, pseudo-success {worst['pseudo_success']}, "
                f"accepted {worst['accepted']}   (target: all arrived, ≥ 1,000 msg/s)"
            )
        store.dispose()
    finally:
        simulator.terminate()
        simulator.join()


if __name__ == "__main__":
    main()
