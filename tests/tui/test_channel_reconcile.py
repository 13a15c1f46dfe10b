"""The channel screen's billing reconciliation, driven through the real app: a run against the
simulator, a vendor statement chosen with `b`, and the audit's billing item proposing from it."""

from __future__ import annotations

import csv
from pathlib import Path

from textual.widgets import Input

from tests.tui.helpers import audit_shown, until
from tests.tui.test_channel_screen import (
    FAST,
    WAIT,
    channel_db,  # noqa: F401  (the fixture)
    fill,
    open_channel_screen,
    run_ended,
    stored,
)
from vaudit.audits.channel.models import ChannelMessage
from vaudit.audits.channel.reconcile_models import ChannelReconciliation
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.tui.screens.dialogs import TextDialog

LONG = "billing.hidden_costs.long_message_split"


def overbilling_statement(db: Path, path: Path) -> int:
    """Every accepted message billed one segment above the rule (Alibaba's columns)."""
    rows = [m for m in stored(db, ChannelMessage) if m.accepted]
    with path.open("w", encoding="utf-8", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["BizId", "短信内容", "计费条数", "发送状态"])
        for m in rows:
            out.writerow([m.vendor_message_id, m.text, m.segments + 1, "发送成功"])
    return len(rows)


async def test_a_statement_chosen_on_the_channel_screen_feeds_the_billing_items(
    channel_db: Path,  # noqa: F811
    app_factory,
    tmp_path: Path,
) -> None:
    app = app_factory(channel_db)
    profile = SimProfile(seed=4, delivery_rate=1.0, **FAST)
    async with Simulator(profile) as sim, app.run_test(size=(140, 45)) as pilot:
        screen = await open_channel_screen(pilot)
        assert not screen.check_action("reconcile", ())  # no run yet
        fill(screen, target=sim.url, rate="200", **{"dlr-timeout": "0.5", "handset-timeout": "2"})
        await pilot.press("ctrl+r")
        await until(pilot, lambda: run_ended(screen, "finished"), rounds=WAIT)
        statement = tmp_path / "对账单.csv"
        billed = overbilling_statement(channel_db, statement)
        assert billed
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, TextDialog))
        dialog = app.screen
        field = dialog.query_one("#text", Input)
        field.value = str(tmp_path / "missing.csv")
        await pilot.press("enter")
        assert isinstance(app.screen, TextDialog)  # refused in place: no such file
        field.value = str(statement)
        await pilot.press("enter")
        await until(pilot, lambda: bool(stored(channel_db, ChannelReconciliation)), rounds=WAIT)
        notes = [n.message for n in app._notifications]
        assert any(f"overbilled messages {billed}" in n for n in notes), notes
        await pilot.press("escape")
        audit = await audit_shown(pilot)
        await until(pilot, lambda: LONG in audit.view.proposals, rounds=WAIT)
        proposal = audit.view.proposals[LONG]
        assert proposal.result.value == "fail"
        assert f"{billed} message(s)" in proposal.reason.en
