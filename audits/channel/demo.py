"""The demo's channel test: five fictional test cards and one small run through the simulator,
so the channel screens, the CLI and the channel rules have real measurements to show."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from vaudit.audits.channel.adapters import SimulatorAdapter, simulator_profile
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.plan import messages, plan_for
from vaudit.audits.channel.runner import ChannelRunner, Progress, RunOptions
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.audits.db import Store

# Numbers from the carriers' allocated ranges (fictional subscribers): the three carriers, an MVNO
# card, and a card ported from Unicom to Mobile.
DEMO_CARDS = [
    ("13800138000", "mobile", False, False, "北京", "测试机 A（示例）"),
    ("18612345678", "unicom", False, False, "北京", "测试机 B（示例）"),
    ("18912345678", "telecom", False, False, "江苏", "测试机 C（示例）"),
    ("17012345678", "telecom", True, False, None, "虚拟运营商卡（示例）"),
    ("13012345678", "mobile", False, True, "重庆", "携号转网卡（示例）"),
]
# Fast, seeded behaviour: most arrive, a few pseudo-successes and failures to look at.
DEMO_SIMULATOR = SimProfile(
    seed=2026,
    delivery_rate=0.95,
    pseudo_success=0.08,
    silent_drop=0.02,
    dlr_median_s=0.03,
    handset_median_s=0.05,
    latency_spread=0.4,
    sender="10690220",
)
DEMO_TIMEOUT_S = 0.6


def _run_coroutine(factory: Callable[[], Coroutine[Any, Any, Progress]]) -> Progress:
    """Run on a fresh event loop, in a thread when the caller already runs one (the TUI)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(factory())
        except BaseException as exc:  # handed to the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="demo-channel-run")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def load_channel_demo(store: Store, actor: str, audit_id: int) -> int:
    """Register the demo cards and make one finished run for the audit; returns the run id."""
    cards = [
        add_card(
            store, actor, number, carrier, mvno=mvno, ported=ported, province=province, label=label
        ).card
        for number, carrier, mvno, ported, province, label in DEMO_CARDS
    ]
    plan = plan_for(
        cards,
        repetitions=1,
        time_slot="weekday_peak",
        rate_per_second=200,
        concurrency=8,
        dlr_timeout_s=DEMO_TIMEOUT_S,
        handset_timeout_s=DEMO_TIMEOUT_S,
        seed=2026,
    )

    async def run() -> Progress:
        async with Simulator(DEMO_SIMULATOR) as simulator:
            runner = ChannelRunner(
                store,
                audit_id=audit_id,
                actor=actor,
                plan=plan,
                planned=messages(plan),
                adapter=SimulatorAdapter(simulator_profile(simulator.url, "push")),
                options=RunOptions(claimed_sender=DEMO_SIMULATOR.sender),
            )
            progress = await runner.run()
            assert runner.run_id is not None
            progress.extra_run_id = runner.run_id  # type: ignore[attr-defined]
            return progress

    progress = _run_coroutine(run)
    return progress.extra_run_id  # type: ignore[attr-defined]
