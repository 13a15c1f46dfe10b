"""Compare and the three-step decision, language switching, help, the unsaved-change prompt,
and a stale write refused while another connection edits the same audit."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from tests.tui.helpers import (
    audit_shown,
    header,
    home_ready,
    open_compare,
    open_first_audit,
    open_service,
    settle,
    stored,
    until,
)
from vaudit.audits.models import Answer, Candidate, Vendor
from vaudit.tui.screens.dialogs import ConfirmDialog, StaleDialog, TextDialog
from vaudit.tui.screens.help import HelpScreen
from vaudit.tui.screens.home import HomeScreen
from vaudit.tui.screens.vendor_form import VendorFormScreen


async def test_compare_two_audits_and_move_candidates(demo_db: Path, app_factory) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("c")  # nothing marked: refused with a message, no screen
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        screen = await open_compare(pilot)
        grid = screen.query_one("#grid", DataTable)
        assert len(grid.columns) == 3  # the labels and two vendors
        keys = [k.value for k in grid.rows]
        assert keys[:4] == ["total", "verdict", "stage", "gates"]
        sections = [k for k in keys if k.startswith("section:")]
        assert len(sections) == 7

        # Enter expands a section into its items; "d" hides the rows that are the same.
        grid.move_cursor(row=keys.index("section:qualification"), column=1)
        await pilot.press("enter")
        await settle(pilot)
        expanded = [k.value for k in grid.rows]
        items = [k for k in expanded if k.startswith("item:qualification.")]
        assert len(items) == 24  # the qualification checklist's items (version 4)
        await pilot.press("d")
        await settle(pilot)
        fewer = [k.value for k in grid.rows if k.value.startswith("item:")]
        assert len(fewer) < len(items)

        # Move the vendor in the cursor's column to technical test, then reject the other.
        first, second = screen.views
        grid.move_cursor(row=0, column=1)
        await pilot.press("t")
        await settle(pilot)
        grid.move_cursor(row=0, column=2)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"price far above the others", "enter")
        await settle(pilot)
        stages = {
            c.vendor_id: (c.stage, c.reason)
            for c in stored(demo_db, Candidate)
            if c.selection_id == first.selection.id
        }
        assert stages[first.vendor.id] == ("technical_test", None)
        assert stages[second.vendor.id] == ("rejected", "price far above the others")
        # The stage row on screen follows.
        await until(pilot, lambda: "rejected" in str(grid.get_row("stage")[2]))


async def test_language_switches_at_run_time_and_is_remembered(
    demo_db: Path, app_factory, config_file: Path
) -> None:
    app = app_factory(demo_db, lang=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        table = app.screen.query_one("#rows", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert any("Vendor" in label for label in labels)
        await pilot.press("ctrl+l")
        await settle(pilot)
        labels = [str(c.label) for c in table.columns.values()]
        assert any("服务商" in label for label in labels)
        assert "推荐" in " ".join(str(table.get_row_at(i)[7]) for i in range(table.row_count))
        await pilot.press("enter")
        await audit_shown(pilot)
        assert "总分" in header(app)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#keys", DataTable)
        actions = [str(keys.get_row_at(i)[1]) for i in range(keys.row_count)]
        assert "通过" in actions and "签字确认" in actions
    assert tomllib.loads(config_file.read_text())["lang"] == "zh"

    # A new start (no --lang) opens in the remembered language.
    again = app_factory(demo_db, lang=None)
    async with again.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        assert again.lang == "zh"


async def test_help_lists_the_keys_of_the_screen(demo_db: Path, app_factory) -> None:
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("f1")
        await settle(pilot)
        keys = app.screen.query_one("#keys", DataTable)
        actions = {str(keys.get_row_at(i)[1]) for i in range(keys.row_count)}
        assert {"Filter", "Mark", "Compare", "New audit", "Help", "Language"} <= actions
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_leaving_the_vendor_form_with_changes_asks_first(demo_db: Path, app_factory):
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, VendorFormScreen))
        await settle(pilot)
        name = app.screen.query_one("#field-name", Input)
        original = name.value
        assert original
        name.value = original + " renamed"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # the default button keeps editing
        await settle(pilot)
        assert isinstance(app.screen, VendorFormScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("tab", "enter")  # discard
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert original in {v.name for v in stored(demo_db, Vendor)}


async def test_a_stale_write_is_refused_and_shows_both_values(demo_db: Path, app_factory):
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_audit(pilot)
        screen = app.screen
        item = screen.item_id
        audit_id = screen.audit_id

        # Another auditor, on another connection, answers the item on screen.
        other = open_service(demo_db, actor="colleague")
        other.record_answer(audit_id, item, result="fail", note="seen on site")
        other.store.dispose()

        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, StaleDialog))
        dialog = app.screen
        assert "fail" in str(dialog.query_one("#stored", Static).render())
        assert "pass" in str(dialog.query_one("#attempted", Static).render())
        await pilot.press("enter")
        await settle(pilot)
        [answer] = stored(demo_db, Answer, audit_id=audit_id, item_id=item)
        assert (answer.result, answer.answered_by) == ("fail", "colleague")
        # The screen now shows the colleague's answer.
        await until(
            pilot,
            lambda: screen.answers.get(item) is not None and screen.answers[item].result == "fail",
        )


async def test_a_change_made_elsewhere_shows_on_screen(demo_db: Path, app_factory):
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_audit(pilot)
        screen = app.screen
        target = screen.sync.next_unanswered(screen.item_id)
        other = open_service(demo_db, actor="colleague")
        other.record_answer(screen.audit_id, target, result="partial", note="from the CLI")
        other.store.dispose()
        await pilot.press("f5")
        await until(
            pilot, lambda: target in screen.answers and screen.answers[target].result == "partial"
        )


async def test_the_command_palette_offers_the_main_actions(demo_db: Path, app_factory) -> None:
    from textual.command import CommandPalette

    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("ctrl+l")  # the palette key must survive the translated bindings
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"English")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.lang == "en"


async def test_a_late_reload_never_undoes_own_answers(demo_db: Path, app_factory):
    """A poll that read the audit just before our write must not roll the screen back (which
    would make the next key on that item look stale)."""
    from vaudit.tui.screens.audit import AuditLoaded

    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_audit(pilot)
        screen = app.screen
        item = screen.item_id
        early, stamp = app.service.view_with_stamp(screen.audit_id)  # read before the write
        await pilot.press("p")
        await settle(pilot)
        screen.post_message(AuditLoaded(early, stamp, external=True))  # arrives late
        await settle(pilot)
        assert screen.answers[item].result == "pass"
        screen._go_to(item)
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, StaleDialog)
        [answer] = stored(demo_db, Answer, audit_id=screen.audit_id, item_id=item)
        assert answer.result is None and answer.version == 2


async def test_a_database_that_cannot_open_is_shown_and_the_app_stays_up(
    tmp_path: Path, app_factory
) -> None:
    not_a_database = tmp_path / "notes.sqlite"
    not_a_database.write_text("these are my notes, not a database\n" * 100)
    app = app_factory(not_a_database)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.service_error is not None)
        await settle(pilot)
        status = str(app.screen.query_one("#home-status", Static).render())
        assert "is not a usable database" in status
        await pilot.press("f1")  # still answering keys
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
    assert not_a_database.read_text().startswith("these are my notes")  # left untouched


async def test_vendor_form_warns_about_a_credit_code_to_look_up(tmp_path: Path, app_factory):
    db = tmp_path / "w.sqlite"
    app = app_factory(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press(*"Check Co")
        app.screen.query_one("#field-credit_code", Input).focus()
        await pilot.press(*"91310110666007217A")
        await pilot.pause()
        note = str(app.screen.query_one("#problem-credit_code", Static).render())
        assert "check character does not match" in note
        await pilot.press("ctrl+s")  # a warning, not an error: the vendor is saved
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        [vendor] = stored(db, Vendor)
        assert vendor.credit_code == "91310110666007217A"


async def test_a_fact_proposal_follows_the_vendor_facts_as_they_are_now(
    demo_db: Path, app_factory
) -> None:
    """After a vendor's licence number changes, the screen shows what y will now record."""
    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_audit(pilot)
        screen = app.screen
        item = "qualification.licence.cross_regional"
        assert screen.answers[item].proposed_result == "pass"
        await pilot.press("escape")
        await settle(pilot)
        other = open_service(demo_db, actor="colleague")
        other.edit_vendor(screen.view.vendor.id, {"licence_number": "京ICP备12345678号"})
        other.store.dispose()
        await pilot.press("enter")
        await audit_shown(pilot)
        await settle(pilot)
        screen._go_to(item)
        await settle(pilot)
        shown = str(screen.query_one("#d-proposal", Static).render())
        assert "Fail" in shown and "ICP" in shown and "Facts changed" in shown
        await pilot.press("y")
        await settle(pilot)
        [answer] = stored(demo_db, Answer, audit_id=screen.audit_id, item_id=item)
        assert (answer.result, answer.proposed_result) == ("fail", "fail")


async def test_a_second_audit_of_the_same_pair_asks_first(demo_db: Path, app_factory) -> None:
    from vaudit.audits.models import Audit

    app = app_factory(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await home_ready(pilot)
        before = len(stored(demo_db, Audit))
        await pilot.press("a")  # the cursor's row: an audited vendor in its selection
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # Cancel is the default
        await settle(pilot)
        assert len(stored(demo_db, Audit)) == before
