"""Record lists in the vendor form (one code or port change per line, checked as typed) and
the proposal they produce on the audit screen, with its reason."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static, TextArea

from tests.tui.helpers import audit_shown, home_ready, settle, stored, until
from vaudit.audits.models import Answer, Vendor
from vaudit.tui.screens.home import HomeScreen
from vaudit.tui.screens.vendor_form import VendorFormScreen

ITEM = "qualification.code.port_change_filed"


async def test_an_unfiled_port_change_typed_in_the_form_fails_the_item_with_its_dates(
    demo_db: Path, app_factory
) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("e")  # the vendor on the cursor's row
        await until(pilot, lambda: isinstance(app.screen, VendorFormScreen))
        await settle(pilot)
        form = app.screen
        area = form.query_one("#field-port_changes", TextArea)
        syntax = str(form.query_one("#syntax-port_changes", Static).render())
        assert "DATE OLD -> NEW filed[:FILED ON]|unfiled" in syntax
        area.focus()
        area.move_cursor(area.document.end)
        # A second line without its filing status: the problem names the line.
        await pilot.press("enter", *"2026-11-19 GW1 -> GW2")
        await pilot.pause()
        problem = str(form.query_one("#problem-port_changes", Static).render())
        assert "line 2: say whether the change was filed" in problem
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VendorFormScreen)  # nothing saved
        await pilot.press(*" unfiled")
        await pilot.pause()
        warning = str(form.query_one("#problem-port_changes", Static).render())
        assert "without filing" in warning  # accepted, and the risk is named as typed
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        vendor_id = form.vendor_id
        [vendor] = stored(demo_db, Vendor, id=vendor_id)
        assert "2026-11-19" in vendor.port_changes and '"filed": false' in vendor.port_changes

        # The audit of that vendor: the item's proposal says fail and gives the timeline.
        await pilot.press("enter")
        screen = await audit_shown(pilot)
        await settle(pilot)
        assert screen.view.vendor.id == vendor_id
        screen._go_to(ITEM)
        await settle(pilot)
        shown = str(screen.query_one("#d-proposal", Static).render())
        assert "Fail" in shown and "without filing" in shown
        assert "2026-11-24" in shown and "2026-12-01" in shown and "2026-12-15" in shown
        await pilot.press("y")
        await settle(pilot)
        [answer] = stored(demo_db, Answer, audit_id=screen.audit_id, item_id=ITEM)
        assert (answer.result, answer.proposed_result) == ("fail", "fail")
        assert "2026-12-15" in (answer.proposal_reason_en or "")
