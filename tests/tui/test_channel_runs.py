"""The channel screen says what a run did: refusals count live, a run in which nothing was
accepted shows as failed and proposes nothing, and the auditor steps through the audit's runs
([ and ]) and chooses the one the channel items propose from (u)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.tui.helpers import until
from tests.tui.test_channel_screen import (
    FAST,
    WAIT,
    channel_db,  # noqa: F401 - the fixture, used by name
    fill,
    open_channel_screen,
    run_ended,
    status,
    stored,
)
from vaudit.audits.channel.models import ChannelRun
from vaudit.audits.channel.simulator import SimProfile, Simulator

TIMEOUTS = {"dlr-timeout": "0.6", "handset-timeout": "0.6"}


async def test_a_failed_run_is_marked_and_the_auditor_chooses_the_proposing_run(
    channel_db: Path,  # noqa: F811 - the fixture imported above
    app_factory,
) -> None:
    good = SimProfile(seed=5, delivery_rate=1.0, **FAST)
    refusing = SimProfile(seed=5, reject=1.0, **FAST)
    app = app_factory(channel_db)
    async with (
        Simulator(good) as ok_sim,
        Simulator(refusing) as bad_sim,
        app.run_test(size=(140, 45)) as pilot,
    ):
        screen = await open_channel_screen(pilot)
        fill(screen, target=ok_sim.url, rate="200", **TIMEOUTS)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: run_ended(screen, "finished"), rounds=WAIT)
        await until(pilot, lambda: screen.proposing == 1, rounds=WAIT)
        assert "The channel items propose from this run." in status(screen)

        fill(screen, target=bad_sim.url, rate="10", **TIMEOUTS)
        await pilot.press("ctrl+r")
        seen: list[str] = []

        def failed() -> bool:
            if screen.running:
                seen.append(status(screen))
            return run_ended(screen, "failed")

        await until(pilot, failed, rounds=WAIT)
        # The refusals were on screen while it sent, not only in the end.
        partial = [m for line in seen if (m := re.search(r"rejected (\d+) ·", line))]
        assert any(0 < int(m.group(1)) < 25 for m in partial), seen
        shown = status(screen)
        assert "nothing was accepted (25 rejected" in shown
        assert "Gateway reasons: rejected: REJECTED (template not approved) ×25" in shown
        assert "A failed run proposes nothing." in shown
        assert "The channel items propose from run 1; u: use this run instead." in shown
        await pilot.press("u")  # a failed run cannot be chosen
        await until(pilot, lambda: "cannot be proposed from" in status(screen), rounds=WAIT)

        fill(screen, target=ok_sim.url, rate="200", **TIMEOUTS)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: run_ended(screen, "finished"), rounds=WAIT)
        await until(pilot, lambda: screen.proposing == 3, rounds=WAIT)
        await pilot.press("left_square_bracket", "left_square_bracket")
        await until(
            pilot,
            lambda: screen.run_id == 1 and "run 1:" in status(screen),
            rounds=WAIT,
        )
        assert "propose from run 3; u: use this run instead" in status(screen)
        await pilot.press("u")
        await until(pilot, lambda: screen.proposing == 1, rounds=WAIT)
        assert "The channel items propose from this run." in status(screen)
    chosen = {run.id: run.chosen_at is not None for run in stored(channel_db, ChannelRun)}
    assert chosen == {1: True, 2: False, 3: False}
