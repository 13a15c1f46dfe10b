"""Stored text in the app: a vendor name holding escape sequences, a bidi override or Rich
markup is shown as typed (controls made visible), never acted on or taken as styling."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from tests.tui.helpers import audit_shown, header, home_ready, open_service
from vaudit.audits.scenario import Scenario

NAME = "[bold red]Evil[/]\x1b[2J\u202eCorp\x9b"
SHOWN = "[bold red]Evil[/]␛[2J<U+202E>Corp<U+009B>"


async def test_home_and_the_audit_header_show_a_hostile_name_as_typed(
    tmp_path: Path, app_factory
) -> None:
    db = tmp_path / "hostile.sqlite"
    service = open_service(db)
    service.add_vendor({"name": NAME})
    service.add_selection("S", Scenario())
    service.start_audit(NAME, "S")
    service.store.dispose()
    app = app_factory(db)
    async with app.run_test(size=(160, 40)) as pilot:
        await home_ready(pilot)
        table = app.screen.query_one("#rows", DataTable)
        rendered = table._get_row_renderables(0).cells[1]  # what the table draws
        assert rendered.plain == SHOWN and not rendered.spans
        await pilot.press("enter")
        await audit_shown(pilot)
        assert SHOWN in header(app)
        assert "\x1b" not in header(app)
