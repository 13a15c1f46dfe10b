"""Channel testing over real loopback HTTP: the runner against vaudit's simulator, the receiver,
the adapters, the metrics, the rules that read them, and the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from tests.helpers import vaudit
from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapters import (
    GenericAdapter,
    KannelAdapter,
    SimulatorAdapter,
    generic_profile,
    simulator_profile,
)
from vaudit.audits.channel.cards import add_card, coverage_warnings, import_cards, list_cards
from vaudit.audits.channel.credentials import Credentials
from vaudit.audits.channel.metrics import summary_of_run
from vaudit.audits.channel.models import ChannelMessage, ChannelRun, DeliveryReport, HandsetReceipt
from vaudit.audits.channel.plan import messages, plan_for
from vaudit.audits.channel.runner import ChannelRunner, Progress, RunOptions
from vaudit.audits.channel.segments import count
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.audits.db import Store, open_store
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

FAST = {"dlr_median_s": 0.02, "handset_median_s": 0.03, "latency_spread": 0.3}
CARDS = [
    ("13800138000", "mobile", False, False),
    ("18612345678", "unicom", False, False),
    ("18912345678", "telecom", False, False),
    ("17012345678", "telecom", True, False),
    ("13012345678", "mobile", False, True),  # a Unicom range ported to Mobile
]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def cards(store: Store) -> list[Any]:
    return [add_card(store, "alice", n, c, mvno=m, ported=p).card for n, c, m, p in CARDS]


def count_afresh(store: Store, table: str) -> int:
    """Rows of a table as a new connection sees them (committed, not cached)."""
    other = open_store(store.url)
    try:
        with other.read() as session:
            result = session.connection().exec_driver_sql(f"SELECT count(*) FROM {table}")
            return int(result.scalar_one())
    finally:
        other.dispose()


def everything_stored(store: Store) -> str:
    """Every row of every table as text, on either backend (a database dump for searching)."""
    from sqlmodel import SQLModel

    lines = []
    with store.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in session.connection().execute(table.select()):
                lines.append(repr(tuple(row)))
    return "\n".join(lines)


def make_plan(cards: list[Any], **settings: Any) -> Any:
    defaults = {
        "rate_per_second": 2000,
        "concurrency": 16,
        "dlr_timeout_s": 0.5,
        "handset_timeout_s": 0.5,
        "seed": 11,
    }
    return plan_for(cards, **(defaults | settings))


async def run_plan(
    store: Store,
    audit_id: int,
    plan: Any,
    adapter: Any,
    options: RunOptions | None = None,
) -> tuple[ChannelRunner, Progress]:
    runner = ChannelRunner(
        store,
        audit_id=audit_id,
        actor="alice",
        plan=plan,
        planned=messages(plan),
        adapter=adapter,
        options=options,
    )
    return runner, await runner.run()


def rows(store: Store, model: Any) -> list[Any]:
    with store.read() as session:
        return list(session.exec(select(model)).all())


# ----------------------------------------------------------------------------- segments


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("a" * 160, "gsm7", 1),
        ("a" * 161, "gsm7", 2),
        ("a" * 306, "gsm7", 2),
        ("a" * 307, "gsm7", 3),
        ("€" * 80, "gsm7", 1),  # extension characters take two septets
        ("a" * 159 + "€", "gsm7", 2),
        ("a" * 152 + "€" + "a" * 153, "gsm7", 3),  # an escape pair is never split
        ("【示例】" + "中" * 66, "ucs2", 1),  # the signature counts: 70 characters
        ("【示例】" + "中" * 67, "ucs2", 2),
        ("中" * 134, "ucs2", 2),
        ("中" * 135, "ucs2", 3),
        ("😀" * 35, "ucs2", 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, "ucs2", 2),
        ("Code 1234 [x]", "gsm7", 1),
    ],
)
def test_segments_are_counted_as_carriers_bill(text: str, encoding: str, segments: int) -> None:
    counted = count(text)
    assert (counted.encoding, counted.segments) == (encoding, segments)
    assert counted.characters == len(text)


# ----------------------------------------------------------------------------- cards


def test_cards_show_the_allocated_carrier_and_warn_on_gaps(store: Store) -> None:
    info = add_card(store, "alice", "+86 186 1234 5678", "telecom")
    assert info.card.number == "18612345678"
    assert info.allocated is not None and "may be ported" in info.allocated.en
    assert info.allocated_key == "unicom"
    assert any("mark it ported" in w.en for w in info.warnings)
    ported = add_card(store, "alice", "13012345678", "mobile", ported=True)
    assert any("marked as ported" in w.en for w in ported.warnings)
    mvno = add_card(store, "alice", "17012345678", "telecom")
    assert any("not marked MVNO" in w.en for w in mvno.warnings)
    with pytest.raises(ChannelError, match="already registered"):
        add_card(store, "alice", "18612345678", "unicom")
    with pytest.raises(ChannelError, match="Not recognised"):
        add_card(store, "alice", "12345", "mobile")
    warnings = [w.en for w in coverage_warnings(i.card for i in list_cards(store))]
    assert warnings == [
        "no test card on China Unicom, China Broadnet",
        "no virtual-operator (MVNO) card",
    ]


def test_a_card_file_with_one_bad_line_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    path.write_text(
        "number,carrier,mvno,ported,label\n13800138000,mobile,no,no,A\n1860000,unicom,no,no,B\n",
        encoding="utf-8",
    )
    with pytest.raises(ChannelError, match=r"cards\.csv:3: "):
        import_cards(store, "alice", path)
    assert list_cards(store) == []
    path.write_text("number,carrier,mvno\n13800138000,中国移动,是\n", encoding="utf-8")
    [info] = import_cards(store, "alice", path)
    assert (info.card.carrier, info.card.mvno) == ("mobile", True)


# ----------------------------------------------------------------------------- runs


async def test_metrics_are_exact_against_the_seeded_simulator(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    profile = SimProfile(
        seed=5, pseudo_success=0.15, silent_drop=0.1, delivery_rate=0.9, sender="10690123", **FAST
    )
    # Timeouts well above the simulated latencies: a loaded CI machine must not turn a slow
    # receipt into a miss, so the counts below are exactly the simulator's fates.
    plan = make_plan(cards, repetitions=4, dlr_timeout_s=2, handset_timeout_s=2)
    async with Simulator(profile) as sim:
        runner, progress = await run_plan(
            store,
            audit_id,
            plan,
            SimulatorAdapter(simulator_profile(sim.url)),
            RunOptions(claimed_sender="10690123"),
        )
    fates = Counter(f.outcome for f in sim.ledger)
    assert sum(fates.values()) == plan.size == 100
    assert fates["pseudo"] and fates["dropped"] and fates["failed"]  # the seed shows each
    summary = summary_of_run(store, runner.run_id)  # type: ignore[arg-type]
    o = summary["overall"]
    assert summary["run"]["status"] == "finished" and progress.phase == "finished"
    assert (o["sent"], o["accepted"]) == (100, 100)
    assert o["arrived"] == fates["delivered"]
    assert o["dlr_delivered"] == fates["delivered"] + fates["pseudo"]
    assert o["pseudo_success"] == fates["pseudo"]
    assert o["pseudo_success_rate"] == round(fates["pseudo"] / o["dlr_delivered"], 6)
    assert o["dlr_without_final"] == fates["dropped"]
    assert o["sender_mismatch"] == 0 and o["text_modified"] == 0
    assert o["latency_handset_s"]["n"] == fates["delivered"]
    assert 0 < o["latency_dlr_s"]["p50"] <= o["latency_dlr_s"]["p90"] <= o["latency_dlr_s"]["p99"]
    by_carrier = Counter(f.carrier for f in sim.ledger if f.outcome == "delivered")
    # Split by the declared carrier: the ported 130 card is counted as Mobile, not Unicom.
    assert summary["by_carrier"]["unicom"]["sent"] == 20
    assert summary["by_carrier"]["mobile"]["sent"] == 40
    assert sum(s["arrived"] for s in summary["by_carrier"].values()) == sum(by_carrier.values())
    assert set(summary["by_kind"]) == {"verification", "notification", "link", "marketing", "long"}
    assert o["segments_billed"] == sum(m.length.segments for m in messages(plan))
    # Every measurement was committed: a fresh connection sees the same rows.
    assert count_afresh(store, "handset_receipt") == o["arrived"]


async def test_delivery_reports_pulled_from_the_vendor(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    plan = make_plan(cards[:2], kinds=["verification", "notification"])
    async with Simulator(SimProfile(seed=1, delivery_rate=1.0, **FAST)) as sim:
        adapter = SimulatorAdapter(simulator_profile(sim.url, "pull"))
        _runner, progress = await run_plan(store, audit_id, plan, adapter)
    reports = rows(store, DeliveryReport)
    assert len(reports) == 4 and {r.source for r in reports} == {"pull"}
    assert all(r.delivered and r.final and r.status == "DELIVRD" for r in reports)
    assert progress.dlr_delivered == 4 and progress.receipts == 4


async def test_handset_receipts_show_sender_and_altered_text(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    profile = SimProfile(seed=2, delivery_rate=1.0, modify_text=1.0, sender="10690999", **FAST)
    # Every message arrives, so generous waits cost nothing unless the machine is loaded.
    plan = make_plan(cards[:3], kinds=["link"], dlr_timeout_s=5, handset_timeout_s=5)
    async with Simulator(profile) as sim:
        runner, _ = await run_plan(
            store,
            audit_id,
            plan,
            SimulatorAdapter(simulator_profile(sim.url)),
            RunOptions(claimed_sender="10690123"),
        )
    receipts = rows(store, HandsetReceipt)
    assert len(receipts) == 3 and all(r.sender == "1069099988" for r in receipts)
    o = summary_of_run(store, runner.run_id)["overall"]  # type: ignore[arg-type]
    assert (o["arrived"], o["sender_mismatch"], o["text_modified"]) == (3, 3, 3)


async def test_throttling_is_honoured_and_every_message_goes_through(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    profile = SimProfile(seed=3, delivery_rate=1.0, max_per_second=5, **FAST)
    plan = make_plan(cards, kinds=["verification", "notification"])  # 10 messages
    started = time.monotonic()
    async with Simulator(profile) as sim:
        _, progress = await run_plan(
            store,
            audit_id,
            plan,
            SimulatorAdapter(simulator_profile(sim.url)),
            RunOptions(receiver=False),
        )
    took = time.monotonic() - started
    assert sim.throttled > 0 and progress.throttled == sim.throttled
    sent = rows(store, ChannelMessage)
    assert all(m.accepted for m in sent), [m.error for m in sent]
    assert sum(m.attempts for m in sent) == 10 + sim.throttled
    # 10 messages at 5 per second: the runner waited for the window to open, as told.
    assert took >= 0.9


async def test_timeouts_and_malformed_answers_are_per_message_errors(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    profile = SimProfile(
        seed=4, no_answer=0.2, malformed=0.2, no_answer_s=5, delivery_rate=1.0, **FAST
    )
    plan = make_plan(cards, repetitions=2)
    async with Simulator(profile) as sim:
        adapter = SimulatorAdapter(simulator_profile(sim.url))
        adapter.timeout_s = 0.3
        _runner, progress = await run_plan(store, audit_id, plan, adapter)
    fates = Counter(f.outcome for f in sim.ledger)
    assert fates["no_answer"] and fates["malformed"]
    assert progress.phase == "finished" and progress.sent == plan.size
    stored = rows(store, ChannelMessage)
    timed_out = [m for m in stored if m.error and "no answer within" in m.error]
    malformed = [m for m in stored if m.error and "malformed" in m.error]
    assert len(timed_out) == fates["no_answer"] and len(malformed) == fates["malformed"]
    assert all(m.attempts == 1 for m in timed_out)  # sent once: never retried
    assert len(sim.ledger) == plan.size  # the vendor saw each message exactly once
    accepted = [m for m in stored if m.accepted]
    assert len(accepted) == plan.size - fates["no_answer"] - fates["malformed"]


async def test_a_refused_connection_is_retried_then_recorded(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    with socket_port() as port:
        pass  # the port is free again: nothing listens there
    adapter = SimulatorAdapter(simulator_profile(f"http://127.0.0.1:{port}"))
    plan = make_plan(cards[:1], kinds=["verification"])
    _, progress = await run_plan(store, audit_id, plan, adapter, RunOptions(max_attempts=3))
    [message] = rows(store, ChannelMessage)
    assert progress.errors == 1 and message.attempts == 3
    assert message.error is not None and message.error.startswith("could not connect")


async def test_cancelling_keeps_what_was_measured(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    plan = make_plan(cards, repetitions=4, rate_per_second=40, handset_timeout_s=5)
    async with Simulator(SimProfile(seed=6, delivery_rate=1.0, **FAST)) as sim:
        runner = ChannelRunner(
            store,
            audit_id=audit_id,
            actor="alice",
            plan=plan,
            planned=messages(plan),
            adapter=SimulatorAdapter(simulator_profile(sim.url)),
        )
        task = asyncio.create_task(runner.run())
        while runner.progress.receipts < 5:
            await asyncio.sleep(0.01)
        runner.cancel()
        progress = await task
    assert progress.phase == "cancelled"
    [run] = rows(store, ChannelRun)
    assert run.cancelled_at is not None and run.finished_at is None
    stored = rows(store, ChannelMessage)
    sent = [m for m in stored if m.submitted_at is not None]
    assert 5 <= len(sent) < plan.size and len(stored) == plan.size
    assert len(rows(store, HandsetReceipt)) >= 5
    summary = summary_of_run(store, run.id)  # type: ignore[arg-type]
    assert summary["run"]["status"] == "cancelled" and summary["overall"]["sent"] == len(sent)


async def test_the_receiver_refuses_bad_posts_and_the_run_goes_on(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    plan = make_plan(cards[:2], kinds=["verification"], handset_timeout_s=2, dlr_timeout_s=2)
    profile = SimProfile(
        seed=7, delivery_rate=1.0, dlr_median_s=0.3, handset_median_s=0.6, latency_spread=0.0
    )
    answers: dict[str, int] = {}
    async with Simulator(profile) as sim:
        runner = ChannelRunner(
            store,
            audit_id=audit_id,
            actor="alice",
            plan=plan,
            planned=messages(plan),
            adapter=SimulatorAdapter(simulator_profile(sim.url)),
        )
        task = asyncio.create_task(runner.run())
        while runner.receipt_url is None or runner.progress.sent < 2:
            await asyncio.sleep(0.01)
        base = runner.receipt_url.rsplit("/", 2)[0]
        async with httpx.AsyncClient() as client:
            answers["secret"] = (await client.post(base + "/wrong/receipt", json={})).status_code
            answers["json"] = (
                await client.post(runner.receipt_url, content=b"{not json")
            ).status_code
            answers["big"] = (
                await client.post(runner.receipt_url, content=b"x" * 70_000)
            ).status_code
            answers["token"] = (
                await client.post(runner.receipt_url, json={"text": "nothing known here"})
            ).status_code
            answers["method"] = (await client.get(runner.receipt_url)).status_code
            answers["dlr"] = (
                await client.post(runner.dlr_url, json={"status": "DELIVRD"})  # type: ignore[arg-type]
            ).status_code
        progress = await task
    assert answers == {
        "secret": 404,
        "json": 400,
        "big": 413,
        "token": 422,
        "method": 405,
        "dlr": 400,
    }
    assert (
        progress.phase == "finished" and progress.receipts == 2 and progress.bad_posts == 5
    )  # the oversized body is refused by the server layer


async def test_kannel_gets_ucs2_and_our_token_in_the_dlr_url(
    store: Store, audit_id: int, cards: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("K_USER", "tester")
    monkeypatch.setenv("K_PASS", "pa55-w0rd-secret")
    plan = make_plan(cards[:2], kinds=["verification"])
    async with Simulator(SimProfile(seed=8, delivery_rate=1.0, **FAST)) as sim:
        adapter = KannelAdapter(
            "kannel-test",
            f"{sim.url}/cgi-bin/sendsms",
            "10690123",
            Credentials({"username": "K_USER", "password": "K_PASS"}),
        )
        async with httpx.AsyncClient() as client:
            request = adapter.submit_request(client, messages(plan)[0], "http://h/s/dlr", None)
        assert request.url.params["coding"] == "2" and request.url.params["charset"] == "UTF-8"
        assert "token=" in request.url.params["dlr-url"] and "%d" in request.url.params["dlr-url"]
        _, progress = await run_plan(store, audit_id, plan, adapter)
    assert progress.accepted == 2 and progress.dlr_delivered == 2
    reports = rows(store, DeliveryReport)
    assert {r.status for r in reports} == {"DELIVRD"}


async def test_credentials_never_reach_the_database_or_errors(
    store: Store,
    audit_id: int,
    cards: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "sk-Very/Secret+Key=42"
    monkeypatch.setenv("VENDOR_KEY", secret)
    with socket_port() as port:
        pass
    profile = generic_profile(
        {
            "name": "leaky vendor",
            "credentials": {"key": "VENDOR_KEY"},
            "submit": {
                "method": "GET",
                "url": f"http://127.0.0.1:{port}/send?key={{credentials.key}}&to={{to}}",
                "headers": {"X-Key": "{credentials.key}"},
                "body_format": "query",
                "body": {"text": "{text}"},
                "response": {"accepted_path": "ok", "accepted_values": [True]},
            },
        },
        "leaky.toml",
    )
    adapter = GenericAdapter(profile)
    assert secret not in repr(adapter.credentials)
    plan = make_plan(cards[:1], kinds=["verification"])
    await run_plan(store, audit_id, plan, adapter, RunOptions(max_attempts=1))
    [message] = rows(store, ChannelMessage)
    assert message.error and "could not connect" in message.error
    dump = everything_stored(store)
    for form in (secret, "sk-Very%2FSecret%2BKey%3D42", "Very"):
        assert form not in dump
        assert form not in caplog.text
    monkeypatch.delenv("VENDOR_KEY")
    with pytest.raises(ChannelError, match="VENDOR_KEY") as missing:
        GenericAdapter(profile)
    assert secret not in str(missing.value)


def test_a_generic_profile_with_an_unknown_placeholder_is_refused() -> None:
    data = {
        "submit": {
            "url": "https://api.example/send",
            "body": {"to": "{to}", "sig": "{credentials.nope}"},
            "response": {"accepted_path": "code", "accepted_values": ["OK"]},
        }
    }
    with pytest.raises(ChannelError, match=r"bad\.toml: unknown placeholder \{credentials\.nope"):
        generic_profile(data, "bad.toml")


# ----------------------------------------------------------------------------- rules


async def test_the_checklist_proposes_from_the_latest_run(
    shipped_service: Service, store: Store, cards: list[Any]
) -> None:
    shipped_service.add_vendor({"name": "Rule Vendor"})
    shipped_service.add_selection(
        "Rules",
        Scenario(
            industry="ecommerce",
            coverage="national",
            message_kinds=frozenset({"verification"}),
            monthly_volume=1,
        ),
    )
    audit = shipped_service.start_audit("Rule Vendor", "Rules")
    assert audit.id is not None
    before = shipped_service.view(audit.id).proposals
    assert "channel_testing.delivery.arrival_rate" not in before
    profile = SimProfile(seed=5, pseudo_success=0.15, silent_drop=0.1, delivery_rate=0.9, **FAST)
    async with Simulator(profile) as sim:
        runner, _ = await run_plan(
            store,
            audit.id,
            make_plan(cards, repetitions=2),
            SimulatorAdapter(simulator_profile(sim.url)),
        )
    summary = summary_of_run(store, runner.run_id)  # type: ignore[arg-type]
    arrival = summary["overall"]["arrival_rate"] * 100
    assert arrival < 95  # this seed's run is below the baseline
    proposals = shipped_service.view(audit.id).proposals
    assert proposals["channel_testing.delivery.arrival_rate"].result.value == "fail"
    assert f"{arrival:.1f}%" in proposals["channel_testing.delivery.arrival_rate"].reason.en
    assert proposals["channel_testing.delivery.pseudo_success"].result.value == "fail"
    # The shipped checklist asks for the four basic carriers; these cards cover three.
    carriers = proposals["channel_testing.cards.carriers"]
    assert carriers.result.value == "partial"
    assert "missing China Broadnet" in carriers.reason.en
    assert proposals["channel_testing.cards.mvno"].result.value == "pass"
    assert proposals["channel_testing.cards.ported"].result.value == "pass"
    assert proposals["channel_testing.content.compatibility"].result.value in ("partial", "fail")
    answer = shipped_service.record_answer(
        audit.id, "channel_testing.delivery.arrival_rate", result="auto"
    )
    assert answer.result == "fail" and answer.rule == "channel_arrival"
    # Without a run, the rule judges a typed value as before.
    other = shipped_service.start_audit(
        "Rule Vendor",
        shipped_service.add_selection(
            "Rules 2",
            Scenario(
                industry="ecommerce",
                coverage="national",
                message_kinds=frozenset({"verification"}),
                monthly_volume=1,
            ),
        ).name,
    )
    typed = shipped_service.record_answer(
        other.id,
        "channel_testing.delivery.arrival_rate",
        result="auto",
        value="98",  # type: ignore[arg-type]
    )
    assert typed.result == "pass" and "98 meets the minimum of 97" in typed.proposal_reason_en


async def test_a_declared_fault_run_reports_the_outage_and_recovery(
    store: Store, audit_id: int, cards: list[Any]
) -> None:
    profile = SimProfile(seed=9, delivery_rate=1.0, outage_start_s=0.25, outage_end_s=0.6, **FAST)
    plan = make_plan(
        cards, kinds=["verification", "notification"], repetitions=4, rate_per_second=40
    )
    async with Simulator(profile) as sim:
        runner, _ = await run_plan(
            store,
            audit_id,
            plan,
            SimulatorAdapter(simulator_profile(sim.url)),
            RunOptions(declared_fault=True),
        )
    failed = sum(1 for f in sim.ledger if f.outcome == "failed")
    f = summary_of_run(store, runner.run_id)["failover"]  # type: ignore[arg-type]
    assert failed > 0 and f["messages_lost"] == failed and f["recovered"]
    # The outage is the simulator's 0.25-0.6 s after the first submit. On a loaded machine
    # the runner may send nothing for a while, so the first lost message can come late in
    # the window: judge the reported times against that window, not a fixed duration.
    with store.read() as session:
        submits = session.exec(
            select(ChannelMessage.submitted_at).where(ChannelMessage.run_id == runner.run_id)
        ).all()
    first = min(at for at in submits if at is not None)
    lost_at = (dt.datetime.fromisoformat(f["outage_started_at"]) - first).total_seconds()
    back_at = (dt.datetime.fromisoformat(f["recovered_at"]) - first).total_seconds()
    slack = 0.05  # the runner's and the simulator's clocks read a few ms apart
    assert 0.25 - slack <= lost_at < 0.6 <= back_at + slack
    assert f["time_to_recover_s"] == pytest.approx(back_at - lost_at, abs=0.002)
    assert f["longest_gap_s"] >= 0.25


# ----------------------------------------------------------------------------- CLI


class ThreadedSimulator:
    """A simulator on its own loop and thread, for commands that run their own loop."""

    def __init__(self, profile: SimProfile):
        self.profile = profile
        self.ready = threading.Event()
        self.sim: Simulator | None = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.sim = self.loop.run_until_complete(Simulator(self.profile).start())
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self) -> Simulator:
        self.thread.start()
        self.ready.wait(10)
        assert self.sim is not None
        return self.sim

    def __exit__(self, *exc: object) -> None:
        assert self.sim is not None
        asyncio.run_coroutine_threadsafe(self.sim.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_the_command_line_registers_cards_plans_runs_and_exports(
    db_path: Path, tmp_path: Path
) -> None:
    def run(*args: str, ok: bool = True) -> Any:
        return vaudit(db_path, *args, auditor="alice", ok=ok)

    run("vendors", "add", "CLI Vendor")
    run(
        "selections",
        "add",
        "CLI Sel",
        "--industry",
        "ecommerce",
        "--coverage",
        "national",
        "--kinds",
        "verification",
    )
    run("audits", "start", "CLI Vendor", "CLI Sel")
    added = run("cards", "add", "18612345678", "--carrier", "telecom")
    assert "China Unicom (allocated carrier, may be ported)" in added.output
    assert "mark it ported" in added.stderr
    run("cards", "add", "13800138000", "--carrier", "mobile")
    listed = json.loads(run("cards", "list", "--json").stdout)
    assert [c["allocated_carrier"] for c in listed["cards"]] == ["unicom", "mobile"]
    bad = run("cards", "add", "999", "--carrier", "mobile", ok=False)
    assert bad.exit_code == 1 and bad.stderr.startswith("error: Not recognised")
    plan = json.loads(run("channel", "plan", "1", "--kinds", "verification,long", "--json").stdout)
    assert len(plan["messages"]) == 4 and plan["messages"][1]["segments"] == 1
    assert {m["kind"] for m in plan["messages"] if m["segments"] == 2} == {"long"}
    wrong = run("channel", "plan", "1", "--kinds", "spam", ok=False)
    assert "error: unknown message kind spam" in wrong.stderr
    with ThreadedSimulator(SimProfile(seed=1, delivery_rate=1.0, **FAST)) as sim:
        done = run(
            "channel",
            "run",
            "1",
            "--simulator",
            sim.url,
            "--rate",
            "500",
            # Every message arrives, so the run ends with the last receipt; the long wait only
            # matters on a loaded machine.
            "--dlr-timeout",
            "5",
            "--handset-timeout",
            "5",
            "--json",
        )
    summary = json.loads(done.stdout)
    assert summary["overall"]["arrived"] == 10 and summary["run"]["status"] == "finished"
    shown = run("channel", "show", "1")
    assert "simulator" in shown.output and "finished" in shown.output
    target = tmp_path / "run1.json"
    run("channel", "export", "1", "-o", str(target))
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert len(exported["messages"]) == 10
    assert all(m["handset_receipts"] for m in exported["messages"])
    assert run("verify").output.startswith("event log intact")


class socket_port:
    """A free loopback port number (bound for the block, free after it)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_summaries_are_plain_ordered_data(store: Store, audit_id: int, cards: list[Any]) -> None:
    async def go() -> int:
        async with Simulator(SimProfile(seed=1, **FAST)) as sim:
            runner, _ = await run_plan(
                store,
                audit_id,
                make_plan(cards[:1], kinds=["link"]),
                SimulatorAdapter(simulator_profile(sim.url)),
            )
            return runner.run_id  # type: ignore[return-value]

    run_id = asyncio.run(go())
    summary = summary_of_run(store, run_id)
    text = json.dumps(summary, sort_keys=False)
    assert json.loads(text) == summary and text == json.dumps(summary, sort_keys=True)
    assert time.time() > 0
