"""The verdict explains itself on screen: a "Why" column on home, the reasons in the audit
header, and a disqualified vendor moved on in compare only with an override note."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable

from tests.tui.helpers import audit_shown, header, home_ready, settle
from vaudit.tui.app import VauditApp
from vaudit.tui.screens.home import COLUMNS, HomeScreen

WHY = [label for label, _, _ in COLUMNS].index("Why")


async def test_home_says_why_and_the_header_lists_the_reasons(
    demo_db: Path, app_factory: Callable[..., VauditApp]
) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await home_ready(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        table = home.query_one("#rows", DataTable)
        whys = {
            (row.vendor_name, row.verdict): str(table.get_row_at(n)[WHY])
            for n, row in enumerate(home.shown)
            if row.audit_id is not None and n < table.row_count
        }
        haichuan = next(v for (name, verdict), v in whys.items() if name.startswith("海川"))
        assert "critical" in haichuan  # a confirmed critical finding holds it down
        jisu = next(v for (name, _), v in whys.items() if name.startswith("极速"))
        assert "gate 3" in jisu
        xinghe = next(v for (name, _), v in whys.items() if name.startswith("星河"))
        assert xinghe == ""  # recommended: nothing holds it down

        index = next(
            n
            for n, row in enumerate(home.shown)
            if row.vendor_name.startswith("海川") and row.audit_id is not None
        )
        table.move_cursor(row=index)
        await pilot.press("enter")
        await audit_shown(pilot)
        await settle(pilot)
        shown = header(app)
        assert "Why: " in shown
        assert "critical finding confirmed: at best not recommended" in shown
        assert "Listed for abnormal operations" in shown
