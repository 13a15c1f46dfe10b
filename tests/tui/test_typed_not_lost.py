"""Nothing typed is lost: keys typed in a burst land in order where they were meant to go."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from tests.tui.helpers import home_ready, settle, until
from vaudit.tui.screens.vendor_form import VendorFormScreen


def burst(app, keys: list[str]) -> None:
    """Send keys the way a terminal does during a paste or a macro: all at once, without
    waiting for the app to handle one before the next arrives (unlike `pilot.press`)."""
    for key in keys:
        char = key if len(key) == 1 else None
        app.post_message(events.Key(key, char))


async def test_a_burst_with_tabs_fills_three_fields_in_order(demo_db: Path, app_factory) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("v")  # a new vendor
        await until(pilot, lambda: isinstance(app.screen, VendorFormScreen))
        await settle(pilot)
        form = app.screen
        name = "星河云讯科技有限公司甲"
        credit = "91310110666007217T"
        licence = "B2-20150210"
        keys = [*name, "tab", *credit, "tab", *licence]
        assert len(keys) >= 30
        burst(app, keys)

        def field(field_name: str) -> str:
            return form.query_one(f"#field-{field_name}", Input).value

        await until(pilot, lambda: field("licence_number") == licence)
        assert field("name") == name
        assert field("credit_code") == credit


async def test_a_value_typed_right_after_e_is_not_lost(demo_db: Path, app_factory) -> None:
    from tests.tui.test_audit_flow import open_first_audit

    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_audit(pilot)
        screen = app.screen
        screen._go_to("qualification.security.mlps_level")
        await settle(pilot)
        burst(app, ["e", "1", "2"])
        await until(pilot, lambda: screen.query_one("#value", Input).value.endswith("12"))


async def test_ctrl_q_with_typed_text_asks_and_keeps_it(demo_db: Path, app_factory) -> None:
    from vaudit.tui.screens.dialogs import QuitDialog

    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, VendorFormScreen))
        await settle(pilot)
        form = app.screen
        await pilot.press(*"Half typed")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.press("enter")  # the default button keeps editing
        await until(pilot, lambda: app.screen is form)
        assert form.query_one("#field-name", Input).value == "Half typed"
        assert app.is_running
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.press("ctrl+q")  # asked again: quits
        await until(pilot, lambda: not app.is_running)


async def test_ctrl_q_with_nothing_typed_quits_at_once(demo_db: Path, app_factory) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running)
