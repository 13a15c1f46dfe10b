"""The app on a shared PostgreSQL database: answers are saved there, a colleague's change shows,
and a change based on what was on screen before theirs is refused (the other TUI tests use
SQLite only, to keep the suite quick)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Static

from tests.support import pg_server
from tests.tui.helpers import open_first_audit, open_service, settle, until
from vaudit.audits.models import Answer
from vaudit.audits.scenario import Scenario
from vaudit.tui.screens.dialogs import StaleDialog


@pytest.fixture
def team_db(pg: pg_server.Server) -> Iterator[str]:
    with pg.database() as url:
        service = open_service(url, actor="lead")  # type: ignore[arg-type]
        service.add_vendor({"name": "共享供应商"})
        service.add_selection("共享选型", Scenario())
        service.start_audit("共享供应商", "共享选型")
        service.store.dispose()
        yield url


def answer_of(url: str, audit_id: int, item: str) -> Answer | None:
    from sqlmodel import select

    service = open_service(url)  # type: ignore[arg-type]
    with service.store.read() as session:
        found = session.exec(
            select(Answer).where(Answer.audit_id == audit_id, Answer.item_id == item)
        ).first()
    service.store.dispose()
    return found


async def test_two_auditors_on_postgresql(team_db: str, app_factory) -> None:
    app = app_factory(team_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_audit(pilot)
        audit_id, first = screen.audit_id, screen.item_id

        await pilot.press("p")
        await settle(pilot)
        saved = answer_of(team_db, audit_id, first)
        assert saved is not None and (saved.result, saved.answered_by) == ("pass", "tester")

        # A colleague answers the next item from another process; F5 shows it.
        target = screen.sync.next_unanswered(first)
        colleague = open_service(team_db, actor="colleague")  # type: ignore[arg-type]
        colleague.record_answer(audit_id, target, result="partial", note="from the CLI")
        await pilot.press("f5")
        await until(
            pilot, lambda: target in screen.answers and screen.answers[target].result == "partial"
        )

        # They change it again; a key pressed on what the screen showed before is refused.
        assert screen.item_id == target
        colleague.record_answer(audit_id, target, result="fail", note="seen on site")
        colleague.store.dispose()
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, StaleDialog))
        assert "fail" in str(app.screen.query_one("#stored", Static).render())
        await pilot.press("enter")
        await settle(pilot)
        kept = answer_of(team_db, audit_id, target)
        assert kept is not None and (kept.result, kept.answered_by) == ("fail", "colleague")
