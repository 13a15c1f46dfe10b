"""The app on a database that refuses writes: a visible error, the app keeps going."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import read_only
from tests.tui.helpers import open_first_audit, settle, stored
from vaudit.audits.models import Answer


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
