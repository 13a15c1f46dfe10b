"""The app on a database that refuses writes: a visible error, the app keeps going."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import TODAY, read_only
from tests.tui.helpers import open_first_audit, settle, stored
from vaudit.audits.models import Answer
from vaudit.tui.app import make_app
from vaudit.tui.screens.home import HomeScreen


def shown_errors(app) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


async def test_a_read_only_database_shows_the_error_and_the_app_keeps_running(
    demo_db: Path, app_factory
) -> None:
    """Injected: the database file read-only before the app starts. Lost: nothing; the
    answer is not stored, the error is on screen, and the auditor can go on working."""
    before = sorted((a.audit_id, a.item_id, a.result) for a in stored(demo_db, Answer))
    with read_only(demo_db):
        app = app_factory(demo_db)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_audit(pilot)
            screen._go_to("qualification.licence.validity")
            await pilot.press("f")  # an override of the rule: it asks why first
            await settle(pilot)
            await pilot.press(*"seen expired", "enter")
            await settle(pilot)
            [error] = shown_errors(app)
            assert error.startswith("the database is read-only, so nothing was saved")
            assert app.is_running and app.screen is screen
            # The row shows what is stored, not the refused result, and keys still work.
            assert screen.answers.get("qualification.licence.validity") is None or (
                screen.answers["qualification.licence.validity"].result != "fail"
            )
            await pilot.press("escape")
            await settle(pilot)
            assert app.is_running and app.screen is not screen
    after = sorted((a.audit_id, a.item_id, a.result) for a in stored(demo_db, Answer))
    assert after == before


async def test_a_broken_user_checklist_names_the_file_and_the_audits_still_open(
    demo_db: Path, config_file: Path, tmp_path: Path
) -> None:
    """Injected: a malformed checklist in the user's checklist folder. Seen: home lists the
    audits, a notice names the file and its error (not a database error), and an audit whose
    checklist the broken file would replace opens from its own snapshot."""
    folder = tmp_path / "user-checklists"
    folder.mkdir()
    (folder / "qualification.toml").write_text("[checklist\nid = 'qualification'\n", "utf-8")
    app = make_app(
        db_target=str(demo_db),
        actor="tester",
        lang="en",
        checklist_dirs=[folder],
        config_file=config_file,
        today=TODAY,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_audit(pilot)
        notices = [(n.title, str(n.message)) for n in app._notifications]
        [(title, message)] = [n for n in notices if "qualification.toml" in n[1]]
        assert title == "Checklist files cannot be used"
        assert str(folder / "qualification.toml") in message and "TOML" in message.upper()
        assert app.service_error is None
        assert "qualification.licence.validity" in {i.id for i in screen.view.checklists.items()}
        await pilot.press("escape")
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert sum(1 for row in home.shown if row.audit_id is not None) >= 5
