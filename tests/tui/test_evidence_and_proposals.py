"""Evidence from the audit screen (a file by path, a link; its hash shown) and accepting a
rule's proposal with one key."""

from __future__ import annotations

import hashlib
from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tests.tui.helpers import open_first_audit, settle, stored
from vaudit.audits.models import Answer, Evidence
from vaudit.tui.screens.audit import AuditScreen
from vaudit.tui.screens.dialogs import EvidenceDialog, TextDialog


async def open_and_settle(pilot) -> AuditScreen:  # type: ignore[no-untyped-def]
    screen = await open_first_audit(pilot)
    await settle(pilot)
    return screen


async def test_attach_a_file_and_a_link_and_see_the_hash(
    demo_db: Path, app_factory, tmp_path: Path
) -> None:
    scan = tmp_path / "licence-scan.pdf"
    scan.write_bytes(b"%PDF-1.4 licence scan\n")
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_and_settle(pilot)
        item = screen.item_id
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        # The path completes as it is typed (→ accepts the suggestion).
        await pilot.press(*str(tmp_path / "licence-"))
        await settle(pilot)
        await pilot.press("right")
        assert app.screen.query_one("#text", Input).value == str(scan)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"https://dxzhgl.miit.gov.cn/", "enter")
        await settle(pilot)
        rows = stored(demo_db, Evidence, audit_id=screen.audit_id, item_id=item)
        assert {(e.kind, e.sha256 or e.url) for e in rows} >= {
            ("file", digest),
            ("url", "https://dxzhgl.miit.gov.cn/"),
        }
        listing = screen.query_one("#evidence", OptionList)
        assert "licence-scan.pdf" in str(
            listing.get_option_at_index(listing.option_count - 2).prompt
        )
        listing.focus()
        listing.highlighted = listing.option_count - 2
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EvidenceDialog)
        assert digest in str(app.screen.query_one("#evidence-detail", Static).render())

        # A file that does not exist: a clear message, nothing stored.
        await pilot.press("escape", "v")
        await settle(pilot)
        await pilot.press(*str(tmp_path / "missing.pdf"), "enter")
        await settle(pilot)
        assert len(stored(demo_db, Evidence, audit_id=screen.audit_id, item_id=item)) == len(rows)


async def test_y_accepts_the_rules_proposal(demo_db: Path, app_factory) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_and_settle(pilot)
        target = next(
            item
            for item in screen.view.checklists.items()
            if item.rule is not None
            and item.rule.kind == "must_be_yes"
            and item.applies_to(screen.view.scenario)
            and item.id not in screen.answers
        )
        screen._go_to(target.id)
        await pilot.press("e", *"yes", "enter")
        await settle(pilot)
        assert "(y)" in str(screen.query_one("#d-proposal", Static).render())
        await pilot.press("y")
        await settle(pilot)
        [answer] = stored(demo_db, Answer, audit_id=screen.audit_id, item_id=target.id)
        assert (answer.result, answer.proposed_result, answer.overridden) == ("pass", "pass", False)
