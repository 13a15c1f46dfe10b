"""Driving the real app: each test builds it with make_app on its own database and config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import TODAY
from vaudit.audits.db import open_store
from vaudit.audits.demo import load_demo
from vaudit.audits.service import Service
from vaudit.tui.app import VauditApp, make_app

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
