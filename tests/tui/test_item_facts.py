"""One source for each fact, in the app: an item that asks for a vendor fact shows the recorded
fact, and a value typed into it (`e`) updates the vendor and the proposal at once."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tests.tui.helpers import open_first_audit, open_service, settle, stored, until
from vaudit.audits.models import Event, Vendor
from vaudit.audits.scenario import Scenario

SCOPE = "qualification.licence.scope"
VALIDITY = "qualification.licence.validity"


async def test_a_value_typed_into_a_fact_item_updates_the_vendor_and_the_proposal(
    tmp_path: Path, app_factory
) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "facts.sqlite"
    service = open_service(db)
    service.add_vendor(
        {"name": "Fact Vendor", "licence_number": "B2-20150210", "licence_expiry": "2029-06-30"}
    )
    service.add_selection("Facts", Scenario())
    service.start_audit("Fact Vendor", "Facts")
    app = app_factory(db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_audit(pilot)
        await settle(pilot)
        # The licence expiry given on the vendor is the item's value, prefilled, and proposed from.
        screen._go_to(VALIDITY)
        await settle(pilot)
        assert screen.query_one("#value", Input).value == "2029-06-30"
        proposal = str(screen.query_one("#d-proposal", Static).render())
        assert "pass" in proposal.lower()

        # No scope recorded yet: the rule says so. Typing the scope gives a proposal from it.
        screen._go_to(SCOPE)
        await settle(pilot)
        assert "no licence scope" in str(screen.query_one("#d-proposal", Static).render())
        await pilot.press("e", *"B25仅限互联网信息服务", "enter")
        await until(
            pilot,
            lambda: "ICP licence" in str(screen.query_one("#d-proposal", Static).render()),
        )
        assert screen.query_one("#value", Input).value == "B25仅限互联网信息服务"
    [vendor] = stored(db, Vendor, name="Fact Vendor")
    assert vendor.licence_scope == "B25仅限互联网信息服务"
    assert any(e.action == "vendor.edit" for e in stored(db, Event, entity="vendor"))
