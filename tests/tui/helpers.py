"""Driving the real app in tests: waiting for it to settle, opening screens, and reading back
what it stored. The fixtures that build the app are in conftest.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from tests.helpers import TODAY
from vaudit.audits.db import open_store
from vaudit.audits.service import Service
from vaudit.tui.screens.compare import CompareScreen
from vaudit.tui.screens.home import HomeScreen


async def settle(pilot: Pilot[None], rounds: int = 200) -> None:
    """Wait until the writer has saved everything and the workers have finished."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        if app.writer.idle and not any(w.is_running for w in app.workers):  # type: ignore[attr-defined]
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError("the app did not settle")


async def until(pilot: Pilot[None], check: Callable[[], bool], rounds: int = 300) -> None:
    """Poll `check` every 10 ms. Give up after `rounds` polls, but never before 5× that many
    10 ms ticks of wall time: on a loaded CI machine the app runs slower, not wrongly."""
    deadline = time.monotonic() + rounds * 0.05
    polls = 0
    while polls < rounds or time.monotonic() < deadline:
        if check():
            return
        polls += 1
        await pilot.pause(0.01)
    raise AssertionError("condition not met in time")


async def home_ready(pilot: Pilot[None]) -> None:
    await until(pilot, lambda: "home_loaded" in pilot.app.milestones)  # type: ignore[attr-defined]
    await settle(pilot)


def open_service(db: Path, actor: str = "check") -> Service:
    return Service(open_store(str(db)), actor, today=TODAY)


async def audit_shown(pilot: Pilot[None]) -> Any:
    """Wait for the audit screen to show an audit; return the screen."""
    from vaudit.tui.screens.audit import AuditScreen

    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.view is not None)
    return app.screen


async def open_first_audit(pilot: Pilot[None]) -> Any:
    """From a fresh start: wait for home, open the audit on the first row."""
    await home_ready(pilot)
    await pilot.press("enter")
    return await audit_shown(pilot)


def stored(db: Path, model: type[Any], **where: object) -> list[Any]:
    """The rows of `model` in the database at `db` (opened afresh) that match `where`."""
    service = open_service(db)
    with service.store.read() as session:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        rows = list(session.exec(query).all())
    service.store.dispose()
    return rows


def header(app: App[None]) -> str:
    """The audit screen's header line as shown."""
    return str(app.screen.query_one("#audit-header", Static).render())


async def open_compare(pilot: Pilot[None], rows: int = 2) -> CompareScreen:
    """From home: mark the first `rows` audits of selection 1 and open the comparison."""
    app = pilot.app
    home = app.screen
    assert isinstance(home, HomeScreen)
    table = home.query_one("#rows", DataTable)
    # Mark the first audits of the main selection (the rows are sorted by vendor).
    marked = 0
    for index, row in enumerate(home.shown):
        if marked == rows:
            break
        if row.audit_id is not None and row.selection_id == 1 and row.previous_id is None:
            table.move_cursor(row=index)
            await pilot.press("space")
            marked += 1
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.views)
    await settle(pilot)
    compare = app.screen
    assert isinstance(compare, CompareScreen)
    return compare
