"""Snapshots of the three main screens at 120×40, in both languages (Textual pinned in the
test extra, as snapshots are exact renders). Update with `pytest --snapshot-update` after
checking the new SVGs by eye."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.tui.helpers import home_ready, open_first_audit, settle, until
from vaudit.tui.screens.compare import CompareScreen

SIZE = (120, 40)


async def _audit(pilot) -> None:  # type: ignore[no-untyped-def]
    await open_first_audit(pilot)
    await settle(pilot)


async def _compare(pilot) -> None:  # type: ignore[no-untyped-def]
    await home_ready(pilot)
    table = pilot.app.screen.query_one("#rows", DataTable)
    for row in (1, 6):  # two finished audits of the main selection
        table.move_cursor(row=row)
        await pilot.press("space")
    await pilot.press("c")
    await until(
        pilot, lambda: isinstance(pilot.app.screen, CompareScreen) and pilot.app.screen.views
    )
    await settle(pilot)
    grid = pilot.app.screen.query_one("#grid", DataTable)
    grid.move_cursor(row=4, column=1)  # the first section, under the totals
    await pilot.press("enter")
    await settle(pilot)


SCREENS = {"home": home_ready, "audit": _audit, "compare": _compare}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("screen", ["home", "audit", "compare"])
def test_screen_snapshot(snap_compare, demo_db: Path, app_factory, screen: str, lang: str):
    app = app_factory(demo_db, lang=lang)
    assert snap_compare(app, terminal_size=SIZE, run_before=SCREENS[screen])
