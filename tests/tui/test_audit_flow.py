"""The whole life of an audit, from the keyboard: vendor → selection → audit → answers →
sign-off → read only → revision. After each step the database is opened afresh and checked."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Static

from tests.tui.helpers import (
    audit_shown,
    header,
    home_ready,
    open_first_audit,
    settle,
    stored,
    until,
)
from vaudit.audits.models import Answer, Audit, Vendor
from vaudit.tui.screens.dialogs import SignOffDialog, TextDialog
from vaudit.tui.screens.home import HomeScreen
from vaudit.tui.screens.vendor_form import VendorFormScreen

VALID_CREDIT_CODE = "91350100M000100Y43"


async def test_vendor_to_revision_from_the_keyboard(tmp_path: Path, app_factory) -> None:
    db = tmp_path / "flow.sqlite"
    app = app_factory(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        assert isinstance(app.screen, HomeScreen)

        # A new vendor: a bad credit code is flagged inline and nothing is saved.
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, VendorFormScreen)
        await pilot.press(*"Acme SMS")
        app.screen.query_one("#field-credit_code", Input).focus()
        await pilot.press(*"12345")
        await pilot.pause()
        problem = str(app.screen.query_one("#problem-credit_code", Static).render())
        assert "18 characters" in problem
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VendorFormScreen)
        assert stored(db, Vendor) == []
        app.screen.query_one("#field-credit_code", Input).value = VALID_CREDIT_CODE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        [vendor] = stored(db, Vendor)
        assert (vendor.name, vendor.credit_code) == ("Acme SMS", VALID_CREDIT_CODE)

        # A selection, then an audit of the vendor in it.
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Round 1", "ctrl+s")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await audit_shown(pilot)
        await settle(pilot)
        [audit] = stored(db, Audit)
        assert "0/" in header(app) and "incomplete" in header(app)

        # First item (licence on MIIT's register, a gate): enter "yes", the rule proposes pass.
        screen = app.screen
        assert screen.item_id == "qualification.licence.live_lookup"
        await pilot.press("e", *"yes", "enter")
        await settle(pilot)
        assert "Rule proposes" in str(screen.query_one("#d-proposal", Static).render())

        # Overriding the proposal asks for a note; the fail on a gate disqualifies.
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"register offline; phoned MIIT", "enter")
        await settle(pilot)
        [answer] = stored(db, Answer, item_id="qualification.licence.live_lookup")
        assert (answer.result, answer.value, answer.overridden) == ("fail", "yes", True)
        assert answer.note == "register offline; phoned MIIT"
        assert "disqualified" in header(app)

        # One key per result moves on to the next unanswered item.
        assert screen.item_id == "qualification.licence.holder_matches"
        await pilot.press("p")
        await settle(pilot)
        # The licence scope is judged from the vendor's facts before anything is typed: none
        # recorded, so the rule proposes partial; y takes it.
        assert screen.item_id == "qualification.licence.scope"
        assert "no licence scope" in str(screen.query_one("#d-proposal", Static).render())
        await pilot.press("y", "a")
        await settle(pilot)
        # Cross-regional licence: the rule has no licence number to read and proposes partial;
        # n/a disagrees with it, so the note is asked for.
        assert screen.item_id == "qualification.licence.cross_regional"
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"licence number still to be collected", "enter")
        await settle(pilot)
        results = {a.item_id: a.result for a in stored(db, Answer, audit_id=audit.id)}
        assert results["qualification.licence.holder_matches"] == "pass"
        assert results["qualification.licence.scope"] == "partial"
        assert list(results.values()).count("partial") == 2 and "na" in results.values()
        assert "Completion 4/" in header(app)  # n/a leaves the count of applicable items

        # Fix the gate with "p" (the note is there already), then sign off.
        screen._go_to("qualification.licence.live_lookup")
        await pilot.press("p")
        await settle(pilot)
        assert "disqualified" not in header(app)
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, SignOffDialog)
        assert "Still unanswered" in str(app.screen.query_one("#unanswered", Static).render())
        await pilot.press("enter")  # with items open, Enter lands on Cancel: nothing signed
        await settle(pilot)
        assert stored(db, Audit)[0].status == "draft"
        await pilot.press("S")
        await settle(pilot)
        await pilot.press("shift+tab", "enter")  # the "Sign off" button, chosen on purpose
        await settle(pilot)
        [audit] = stored(db, Audit)
        assert audit.status == "signed_off" and audit.signed_off_by == "tester"
        banner = screen.query_one("#readonly-banner", Static)
        assert banner.display and "read only" in str(banner.render())

        # Read only: a result key changes nothing.
        before = {a.item_id: a.result for a in stored(db, Answer, audit_id=audit.id)}
        await pilot.press("f")
        await settle(pilot)
        assert {a.item_id: a.result for a in stored(db, Answer, audit_id=audit.id)} == before

        # A revision opens as a new draft carrying the answers.
        await pilot.press("r")
        await until(pilot, lambda: screen.audit_id != audit.id and screen.view is not None)
        audits = stored(db, Audit)
        assert [a.revision for a in audits] == [1, 2]
        assert "r2" in header(app) and "draft" in header(app)
        revised = {a.item_id: a.result for a in stored(db, Answer, audit_id=audits[1].id)}
        assert revised == before


async def test_value_is_validated_inline_and_nothing_bad_is_saved(demo_db: Path, app_factory):
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_audit(pilot)
        screen = app.screen
        screen._go_to("qualification.licence.validity")
        await pilot.press("e")
        box = screen.query_one("#value", Input)
        box.value = ""
        await pilot.press(*"next spring")
        await pilot.pause()
        assert "not a date" in str(screen.query_one("#value-hint", Static).render())
        before = [
            a.value
            for a in stored(
                demo_db, Answer, audit_id=screen.audit_id, item_id="qualification.licence.validity"
            )
        ]
        await pilot.press("enter")
        await settle(pilot)
        after = [
            a.value
            for a in stored(
                demo_db, Answer, audit_id=screen.audit_id, item_id="qualification.licence.validity"
            )
        ]
        assert after == before


async def test_home_filters_as_you_type_and_opens_with_enter(demo_db: Path, app_factory):
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        table = app.screen.query_one("#rows", DataTable)
        everything = table.row_count
        assert everything == 10  # 9 audits and a vendor without one
        expiring = str(app.screen.query_one("#expiring", Static).render())
        assert "Expiring soon" in expiring and "annual report" in expiring
        # Two audits are disqualified; words narrow together: the rejected one of them.
        await pilot.press("slash", *"disqualified rejected")
        await settle(pilot)
        await until(pilot, lambda: table.row_count == 1)
        await pilot.press("enter")  # leaves the filter for the table
        await pilot.press("enter")
        await audit_shown(pilot)
        assert "disqualified" in header(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
