"""Runs that say what happened: a run in which nothing was accepted fails (exit 1) and never
becomes the run the channel items propose from; the items name their run and the auditor can
choose another; the live counters show refusals and refused callbacks; the summary counts the
gateway's reasons."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from tests.audits.channel.test_channel import FAST, ThreadedSimulator, make_plan
from tests.helpers import vaudit
from vaudit.audits.channel.adapters import SimulatorAdapter, simulator_profile
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.models import ChannelMessage, DeliveryReport
from vaudit.audits.channel.plan import messages
from vaudit.audits.channel.runner import ChannelRunner
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.audits.db import Store

ARRIVAL = "channel_testing.delivery.arrival_rate"


def test_a_run_that_reached_no_one_fails_and_never_proposes(db_path: Path) -> None:
    def run(*args: str, ok: bool = True) -> Any:
        return vaudit(db_path, *args, auditor="alice", ok=ok)

    run("vendors", "add", "Runs Vendor")
    run(
        "selections",
        "add",
        "Runs Sel",
        "--industry",
        "ecommerce",
        "--coverage",
        "national",
        "--kinds",
        "verification",
    )
    run("audits", "start", "Runs Vendor", "Runs Sel")
    for number, carrier in (("13800138000", "mobile"), ("18612345678", "unicom")):
        run("cards", "add", number, "--carrier", carrier)
    timeouts = ("--rate", "500", "--dlr-timeout", "5", "--handset-timeout", "5", "--json")
    with ThreadedSimulator(SimProfile(seed=1, delivery_rate=1.0, **FAST)) as sim:
        good = json.loads(run("channel", "run", "1", "--simulator", sim.url, *timeouts).stdout)
    assert good["run"]["status"] == "finished" and good["overall"]["arrived"] == 10
    with ThreadedSimulator(SimProfile(seed=1, reject=1.0, **FAST)) as sim:
        refused = run("channel", "run", "1", "--simulator", sim.url, *timeouts, ok=False)
    assert refused.exit_code == 1
    assert "error: nothing was accepted (10 rejected, 0 errors, 0 not sent)" in refused.stderr
    assert "rejected: REJECTED (template not approved) (10×)" in refused.stderr
    # The last progress line shows the refusals as they were counted.
    assert "accepted 0 · rejected 10 · errors 0" in refused.stderr
    bad = json.loads(refused.stdout)
    assert bad["run"]["status"] == "failed" and bad["run"]["failure"].startswith("nothing was")
    assert bad["reasons"]["submit"] == {"rejected: REJECTED (template not approved)": 10}
    shown = run("channel", "show", "1").output
    assert "failed" in shown and "finished" in shown

    def arrival_reason() -> str:
        run("answer", "1", ARRIVAL, "auto")  # takes the rule's proposal as it stands now
        shown = json.loads(run("audits", "show", "1", "--json").stdout)
        item = next(i for i in shown["items"] if i["id"] == ARRIVAL)
        return str(item["proposal_reason"]["en"])

    # The failed run 2 is newer, but the items still propose from run 1 and say so.
    assert arrival_reason().startswith("channel run 1:")
    refused_choice = run("channel", "use", "2", ok=False)
    assert refused_choice.exit_code == 1
    assert refused_choice.stderr.startswith("error: run 2 cannot be proposed from: nothing was")
    with ThreadedSimulator(SimProfile(seed=2, delivery_rate=0.5, **FAST)) as sim:
        third = json.loads(run("channel", "run", "1", "--simulator", sim.url, *timeouts).stdout)
    assert third["run"]["id"] == 3 and arrival_reason().startswith("channel run 3:")
    assert "run 1" in run("channel", "use", "1").output
    assert arrival_reason().startswith("channel run 1:")
    listed = json.loads(run("channel", "show", "1", "--json").stdout)
    assert [r["chosen"] for r in listed] == [True, False, False]
    assert run("verify").output.startswith("event log intact")


async def test_refused_callbacks_count_while_the_run_goes_on(store: Store, audit_id: int) -> None:
    card = add_card(store, "alice", "13800138000", "mobile").card
    plan = make_plan([card], kinds=["verification"], dlr_timeout_s=3, handset_timeout_s=3)
    profile = SimProfile(
        seed=4, delivery_rate=1.0, dlr_median_s=1, handset_median_s=1.5, latency_spread=0.0
    )
    async with Simulator(profile) as sim:
        runner = ChannelRunner(
            store,
            audit_id=audit_id,
            actor="alice",
            plan=plan,
            planned=messages(plan),
            adapter=SimulatorAdapter(simulator_profile(sim.url)),
        )
        seen: list[int] = []
        runner.on_progress = lambda p: seen.append(p.bad_posts)
        task = asyncio.create_task(runner.run())
        while runner.receipt_url is None or runner.progress.sent < 1:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient() as client:
            for _ in range(3):
                await client.post(runner.receipt_url, json={"text": "no token"})
        while runner.progress.bad_posts < 3 and not task.done():
            await asyncio.sleep(0.01)
        assert runner.progress.phase == "waiting" and runner.progress.bad_posts == 3
        progress = await task
    assert progress.bad_posts == 3 and 3 in seen  # shown live, not only at the end
    assert progress.phase == "finished" and progress.dlr_delivered == 1


async def test_a_retried_message_keeps_its_first_and_last_attempt(
    store: Store, audit_id: int
) -> None:
    cards = [
        add_card(store, "alice", number, carrier).card
        for number, carrier in (("13800138000", "mobile"), ("18612345678", "unicom"))
    ]
    plan = make_plan(cards, kinds=["verification", "notification"], dlr_timeout_s=3)
    profile = SimProfile(seed=3, delivery_rate=1.0, max_per_second=2, **FAST)
    async with Simulator(profile) as sim:
        runner = ChannelRunner(
            store,
            audit_id=audit_id,
            actor="alice",
            plan=plan,
            planned=messages(plan),
            adapter=SimulatorAdapter(simulator_profile(sim.url)),
        )
        progress = await runner.run()
    assert progress.throttled > 0 and progress.reasons["throttled (HTTP 429)"] > 0
    with store.read() as session:
        sent = list(session.exec(select(ChannelMessage)).all())
        reports = list(session.exec(select(DeliveryReport).where(col(DeliveryReport.final))))
    retried = [m for m in sent if m.attempts > 1]
    assert retried
    for m in sent:
        assert m.submitted_at is not None and m.last_submitted_at is not None
        assert (m.last_submitted_at > m.submitted_at) == (m.attempts > 1)
    # Latency counts from the first attempt (the throttled waits are the vendor's delay).
    for report in reports:
        message = next(m for m in sent if m.id == report.message_id)
        assert message.submitted_at is not None and report.latency_s is not None
        from_first = (report.received_at - message.submitted_at).total_seconds()
        assert abs(report.latency_s - from_first) < 0.05
