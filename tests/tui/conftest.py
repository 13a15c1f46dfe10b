"""Driving the real app: each test builds it with make_app on its own database and config."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from vaudit.audits.db import open_store
from vaudit.audits.demo import load_demo
from vaudit.audits.service import Service
from vaudit.tui.app import VauditApp, make_app

TODAY = dt.date(2026, 11, 24)
FIXED_TIME = "2026-11-24 09:30:00.000000"


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    # Times on screen are local: pin the zone so screens are the same on every machine.
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "tui.toml"


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "demo.sqlite"
    store = open_store(str(path))
    load_demo(Service(store, "demo", today=TODAY))
    # Fixed times, so snapshots do not depend on when the test ran.
    with store.write() as session:
        session.connection().exec_driver_sql(f"UPDATE audit SET updated_at = '{FIXED_TIME}'")
    store.dispose()
    return path


@pytest.fixture
def app_factory(config_file: Path) -> Callable[..., VauditApp]:
    def build(db: Path, lang: str | None = "en", actor: str = "tester") -> VauditApp:
        return make_app(
            db_target=str(db), actor=actor, lang=lang, config_file=config_file, today=TODAY
        )  # type: ignore[arg-type]

    return build


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
    for _ in range(rounds):
        if check():
            return
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
