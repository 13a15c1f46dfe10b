"""China Broadnet (192) as the fourth carrier: its range in carriers.toml, its cards, the
coverage warnings that ask for it, and its own row in the per-carrier metrics."""

from __future__ import annotations

import pytest

from tests.audits.channel.test_channel import FAST, make_plan, run_plan
from vaudit.audits.channel.adapters import SimulatorAdapter, simulator_profile
from vaudit.audits.channel.cards import add_card, allocated_key, coverage_warnings, list_cards
from vaudit.audits.channel.metrics import summary_of_run
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.audits.db import Store


@pytest.mark.parametrize(
    ("number", "carrier"),
    [
        ("19212345678", "broadnet"),
        ("13400138000", "mobile"),
        ("13490123456", None),  # 1349: satellite, no carrier
        ("19712345678", "mobile"),
        ("19612345678", "unicom"),
        ("19012345678", "telecom"),
        ("17405123456", "telecom"),
        ("17406123456", None),
        ("17051234567", "mobile"),  # an MVNO range, by its host network
        ("16112345678", None),  # libphonenumber's 161 → Broadnet is not confirmed
    ],
)
def test_number_ranges_come_from_the_data(number: str, carrier: str | None) -> None:
    assert allocated_key(number) == carrier


async def test_broadnet_cards_warn_and_measure_as_the_fourth_carrier(
    store: Store, audit_id: int
) -> None:
    info = add_card(store, "alice", "19212345678", "广电")
    assert info.card.carrier == "broadnet" and info.allocated_key == "broadnet"
    assert not info.warnings
    add_card(store, "alice", "13800138000", "mobile", mvno=False, ported=True)
    add_card(store, "alice", "18612345678", "unicom")
    add_card(store, "alice", "17012345678", "telecom", mvno=True)
    cards = [i.card for i in list_cards(store)]
    assert coverage_warnings(cards) == []
    without = [c for c in cards if c.carrier != "broadnet"]
    assert [w.en for w in coverage_warnings(without)] == ["no test card on China Broadnet"]
    async with Simulator(SimProfile(seed=3, delivery_rate=1.0, **FAST)) as sim:
        runner, _ = await run_plan(
            store,
            audit_id,
            make_plan(cards, kinds=["verification"], dlr_timeout_s=2, handset_timeout_s=2),
            SimulatorAdapter(simulator_profile(sim.url)),
        )
    summary = summary_of_run(store, runner.start_run())
    assert set(summary["by_carrier"]) == {"mobile", "unicom", "telecom", "broadnet"}
    assert summary["by_carrier"]["broadnet"]["arrived"] == 1
    assert "broadnet" in summary["coverage"]["carriers"]
