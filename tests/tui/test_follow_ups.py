"""Follow-ups from the audit screen (F on the item under the cursor, checked inline) and an
evidence expiry date set from the evidence dialog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tests.helpers import TODAY
from tests.tui.helpers import open_first_audit, settle, stored
from vaudit.audits.models import Evidence, FollowUp
from vaudit.tui.screens.dialogs import EvidenceDialog, FollowUpDialog, TextDialog


async def test_f_creates_a_follow_up_on_the_current_item(demo_db: Path, app_factory) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_audit(pilot)
        await settle(pilot)
        item = screen.item_id
        listing = screen.query_one("#follow-ups", OptionList)
        assert "no follow-ups" in str(listing.get_option_at_index(0).prompt)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpDialog)
        dialog = app.screen
        # The due date is checked before the dialog closes: nothing is stored meanwhile.
        await pilot.press(*"Send the signed SLA")
        dialog.query_one("#owed-by", Input).value = "Zhang Wei"
        dialog.query_one("#due", Input).value = "2026-02-30"
        await pilot.click("#ok")
        await settle(pilot)
        assert app.screen is dialog
        assert "not a date" in str(dialog.query_one("#problem", Static).render())
        assert stored(demo_db, FollowUp, audit_id=screen.audit_id, item_id=item) == []
        due = dialog.query_one("#due", Input)
        due.value = (TODAY - dt.timedelta(days=3)).isoformat()
        due.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        [row] = stored(demo_db, FollowUp, audit_id=screen.audit_id, item_id=item)
        assert (row.what, row.owed_by, row.due_on, row.done, row.created_by) == (
            "Send the signed SLA",
            "Zhang Wei",
            TODAY - dt.timedelta(days=3),
            False,
            "tester",
        )
        # Listed in the item's panel, marked overdue (its due date has passed), in red.
        shown = listing.get_option_at_index(0).prompt
        assert "Send the signed SLA" in str(shown) and "overdue" in str(shown)
        assert any("red" in str(span.style) for span in shown.spans)  # type: ignore[union-attr]
        # Enter on it marks it done (then it is no longer overdue); Enter again reopens it.
        listing.focus()
        listing.highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        [row] = stored(demo_db, FollowUp, id=row.id)
        assert (row.done, row.done_by, row.version) == (True, "tester", 2)
        shown = listing.get_option_at_index(0).prompt
        assert "done" in str(shown) and "overdue" not in str(shown)
        listing.highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        [row] = stored(demo_db, FollowUp, id=row.id)
        assert (row.done, row.done_at, row.version) == (False, None, 3)


async def test_the_evidence_dialog_sets_an_expiry_date(demo_db: Path, app_factory) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_audit(pilot)
        await settle(pilot)
        assert not screen.read_only
        with_evidence = next(i for i, rows in screen.evidence.items() if rows)
        screen._go_to(with_evidence)
        await settle(pilot)
        first = screen.evidence[with_evidence][0]
        listing = screen.query_one("#evidence", OptionList)
        listing.focus()
        listing.highlighted = 0
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EvidenceDialog)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"someday", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)  # refused inline
        app.screen.query_one("#text", Input).value = "2027-03-31"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        [row] = stored(demo_db, Evidence, id=first.id)
        assert row.expires_on == dt.date(2027, 3, 31)
        assert "2027-03-31" in str(listing.get_option_at_index(0).prompt)
