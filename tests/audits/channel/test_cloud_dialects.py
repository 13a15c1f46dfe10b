"""The Alibaba Cloud and Tencent Cloud adapters against the simulator's dialects, over real
loopback HTTP: signatures checked by the simulator, the provider's JSON shapes, reports by
callback and by pull, review lists recorded as evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.audits.channel.test_channel import CARDS, FAST, make_plan, rows, run_plan
from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapters import SimulatorAdapter, load_adapter, simulator_profile
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.metrics import summary_of_run
from vaudit.audits.channel.models import ChannelMessage, DeliveryReport
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.audits.db import Store

SIM = SimProfile(
    seed=5, pseudo_success=0.15, silent_drop=0.1, delivery_rate=0.9, reject=0.05, **FAST
)
ALIYUN_PROFILE = """
adapter = "aliyun"
name = "阿里云（模拟）"
endpoint = "{url}/aliyun"
simulator = true
dlr = "{dlr}"
signature = "{signature}"
pull_interval_s = 0.05
[credentials]
access_key_id = "TEST_ALIYUN_ID"
access_key_secret = "TEST_ALIYUN_SECRET"
[templates]
default = "SMS_900000001"
verification = {{ code = "SMS_900000002", params = {{ content = "{{body}}" }} }}
"""
TENCENT_PROFILE = """
adapter = "tencent"
name = "腾讯云（模拟）"
endpoint = "{url}/tencent"
simulator = true
dlr = "{dlr}"
sms_sdk_app_id = "1400000001"
sign_ids = [101]
pull_interval_s = 0.05
[credentials]
secret_id = "TEST_TENCENT_ID"
secret_key = "TEST_TENCENT_KEY"
[templates]
default = "200001"
long = {{ code = "200002", params = ["{{body}}"] }}
"""


@pytest.fixture
def cards(store: Store) -> list[Any]:
    return [add_card(store, "alice", n, c, mvno=m, ported=p).card for n, c, m, p in CARDS]


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TEST_ALIYUN_ID": "vaudit-sim",
        "TEST_ALIYUN_SECRET": "vaudit-sim-secret",
        "TEST_TENCENT_ID": "vaudit-sim",
        "TEST_TENCENT_KEY": "vaudit-sim-secret",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VAUDIT_SIM_CLOUD_KEY", raising=False)


def comparable(summary: dict[str, Any]) -> Any:
    """A summary without the run's identity and the gateway's own words (each dialect words its
    refusals its own way), with each latency reduced to its count: the counts and rates must
    be equal, latencies are wall-clock measurements."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            if "p50" in value:
                return value.get("n")
            return {k: strip(v) for k, v in value.items() if k not in ("run", "reasons")}
        return value

    return strip(summary)


def profile_file(tmp_path: Path, dialect: str, url: str, dlr: str, signature: str = "") -> Path:
    path = tmp_path / f"{dialect}-{dlr}-{signature or 'tc3'}.toml"
    text = ALIYUN_PROFILE if dialect == "aliyun" else TENCENT_PROFILE
    path.write_text(text.format(url=url, dlr=dlr, signature=signature), encoding="utf-8")
    return path


# Eight runs: the dialects are independent of the database, so one backend is enough.
@pytest.mark.parametrize("backend", ["sqlite"])
async def test_every_dialect_gives_the_generic_metrics_by_callback_and_by_pull(
    store: Store, audit_id: int, cards: list[Any], tmp_path: Path
) -> None:
    # Timeouts far above the simulated latencies (tens of ms): on a loaded machine a late
    # receipt must not turn into a miss, so every run counts exactly the simulator's fates.
    plan = make_plan(cards, repetitions=2, dlr_timeout_s=3, handset_timeout_s=3)
    baseline: dict[str, Any] = {}
    for dlr in ("push", "pull"):
        async with Simulator(SIM) as sim:
            runner, _ = await run_plan(
                store, audit_id, plan, SimulatorAdapter(simulator_profile(sim.url, dlr))
            )
        baseline[dlr] = comparable(summary_of_run(store, runner.run_id or 0))
    o = baseline["push"]["overall"]
    # The seed shows every kind of fate the comparison must carry.
    assert o["pseudo_success"] and o["dlr_without_final"] and o["accepted"] < o["sent"]
    assert o["arrived"] < o["dlr_delivered"] < o["accepted"]
    cases = [
        ("aliyun", "push", "acs3"),
        ("aliyun", "pull", "acs3"),
        ("aliyun", "push", "rpc_v1"),
        ("aliyun", "pull", "rpc_v1"),
        ("tencent", "push", ""),
        ("tencent", "pull", ""),
    ]
    for dialect, dlr, signature in cases:
        async with Simulator(SIM) as sim:
            adapter = load_adapter(profile_file(tmp_path, dialect, sim.url, dlr, signature))
            runner, progress = await run_plan(store, audit_id, plan, adapter)
            assert sim.dialects.bad_signatures == 0, (dialect, signature)
        summary = summary_of_run(store, runner.run_id or 0)
        assert summary["run"]["adapter"] == dialect
        assert comparable(summary) == baseline[dlr], (dialect, dlr, signature)
        reports = rows(store, DeliveryReport)
        ours = [r for r in reports if r.message_id in _ids(store, runner.run_id)]
        sources = {r.source for r in ours}
        assert sources == {dlr}, (dialect, dlr)
        # Every report keeps the provider's entry as it came, by callback and by pull.
        assert all(r.raw and r.raw.startswith("{") for r in ours), (dialect, dlr)
        assert progress.phase == "finished"


def _ids(store: Store, run_id: int | None) -> set[int]:
    return {m.id for m in rows(store, ChannelMessage) if m.run_id == run_id}


async def test_a_wrong_secret_is_refused_by_the_simulator_as_the_provider_would(
    store: Store,
    audit_id: int,
    cards: list[Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = make_plan(cards[:1], kinds=["verification"])
    monkeypatch.setenv("TEST_ALIYUN_SECRET", "not-the-secret")
    monkeypatch.setenv("TEST_TENCENT_KEY", "not-the-secret")
    for dialect, signature, expected in [
        ("aliyun", "acs3", "SignatureDoesNotMatch"),
        ("aliyun", "rpc_v1", "SignatureDoesNotMatch"),
        ("tencent", "", "AuthFailure.SignatureFailure"),
    ]:
        async with Simulator(SIM) as sim:
            adapter = load_adapter(profile_file(tmp_path, dialect, sim.url, "push", signature))
            runner, progress = await run_plan(store, audit_id, plan, adapter)
            assert sim.dialects.bad_signatures == 1 and not sim.ledger
        assert progress.accepted == 0
        [message] = [m for m in rows(store, ChannelMessage) if m.run_id == runner.run_id]
        assert message.error is not None and expected in message.error
        assert "not-the-secret" not in message.error


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('adapter = "aliyun"\n[credentials]\naccess_key_id = "A"\n', "access_key_secret"),
        (
            'adapter = "aliyun"\n[credentials]\naccess_key_id = "A"\naccess_key_secret = "B"\n',
            "missing [templates]",
        ),
        (
            'adapter = "aliyun"\n[credentials]\naccess_key_id = "A"\naccess_key_secret = "B"\n'
            '[templates]\nverification = "SMS_1"\n',
            "no template for notification",
        ),
        (
            'adapter = "aliyun"\nsignature = "v2"\n[credentials]\naccess_key_id = "A"\n'
            'access_key_secret = "B"\n[templates]\ndefault = "SMS_1"\n',
            "signature must be acs3 or rpc_v1",
        ),
        (
            'adapter = "tencent"\n[credentials]\nsecret_id = "A"\nsecret_key = "B"\n'
            '[templates]\ndefault = "1"\n',
            "sms_sdk_app_id",
        ),
        (
            'adapter = "tencent"\nsms_sdk_app_id = "1"\n[credentials]\nsecret_id = "A"\n'
            'secret_key = "B"\n[templates]\ndefault = { code = "1", params = ["{code}"] }\n',
            "unknown placeholder {code}",
        ),
    ],
)
def test_a_bad_cloud_profile_is_refused_with_the_key_named(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChannelError, match=problem.replace("[", r"\[").replace("{", r"\{")):
        load_adapter(path)


async def test_alibaba_review_lists_name_the_signs_and_templates_used(
    store: Store, audit_id: int, cards: list[Any], tmp_path: Path
) -> None:
    import datetime as dt

    from vaudit.audits.channel.cloud_adapter import CloudAdapter
    from vaudit.audits.channel.cloud_review import (
        SIGN_ITEM,
        TEMPLATE_ITEM,
        fetch_review,
        review_notes,
    )

    plan = make_plan(cards[:1], kinds=["verification", "long"], dlr_timeout_s=0.3)
    async with Simulator(SimProfile(seed=3, delivery_rate=1.0, **FAST)) as sim:
        adapter = load_adapter(profile_file(tmp_path, "aliyun", sim.url, "push", "rpc_v1"))
        assert isinstance(adapter, CloudAdapter)
        await run_plan(store, audit_id, plan, adapter)
        entries = await fetch_review(adapter)
    notes = review_notes(adapter, entries, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    head, sign = notes[SIGN_ITEM].splitlines()[:2]
    assert head == "aliyun QuerySmsSignList, read 2026-12-01T00:00:00Z (profile 阿里云（模拟）):"
    assert sign.startswith(f"- 【{plan.signature}】: approved (AUDIT_STATE_PASS), created ")
    templates = notes[TEMPLATE_ITEM]
    assert "SMS_900000001" in templates and "SMS_900000002" in templates
    assert templates.endswith("2 approved, 0 pending, 0 rejected")


def test_a_callback_secret_fixes_the_receiver_path_for_a_console_set_callback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vaudit.audits.channel.receiver import Receiver

    path = tmp_path / "aliyun.toml"
    text = ALIYUN_PROFILE.format(url="https://dysmsapi.aliyuncs.com", dlr="push", signature="acs3")
    path.write_text(
        text.replace("[templates]", 'callback_secret = "TEST_CALLBACK"\n[templates]'),
        encoding="utf-8",
    )
    monkeypatch.setenv("TEST_CALLBACK", "fixed-path-secret-1")
    first = Receiver(load_adapter(path), lambda _: None, lambda _: None, port=8799)
    second = Receiver(load_adapter(path), lambda _: None, lambda _: None, port=8799)
    assert first.secret == second.secret == "fixed-path-secret-1"
    unfixed = load_adapter(profile_file(tmp_path, "aliyun", "https://x", "push", "acs3"))
    assert Receiver(unfixed, lambda _: None, lambda _: None).secret != first.secret
