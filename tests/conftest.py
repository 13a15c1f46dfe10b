"""Fixtures every test folder shares: isolated home folders, the mini checklist set, both
database backends, a service over them, and an audit to work on. Plain helpers are in
helpers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import GENERAL, MINI, TODAY, start_audit
from tests.support import pg_server
from tests.support.fuzzing import FUZZ_EXAMPLES
from vaudit.audits.checklist import ChecklistSet, build_set, sources_in
from vaudit.audits.db import Store, open_store
from vaudit.audits.service import Service

BACKENDS = ["sqlite", "postgresql"]

# The suite (and so CI) draws the same fuzz examples on every run: a red build then means the
# change broke something, not that this run's random draw found an old bug. A search with fresh
# random examples is `pytest --hypothesis-profile=explore tests/test_fuzz.py`.
# The fuzz harness (tests/test_fuzz*.py, tests/audits/channel/test_receiver_fuzz.py) runs a few
# hundred examples per target here; the long run is
# `pytest -n 2 --hypothesis-profile=fuzz -m fuzz`, which raises each target to FUZZ_EXAMPLES
# fresh random examples (tests/support/fuzzing.py reads the profile).
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.register_profile("fuzz", derandomize=False, max_examples=FUZZ_EXAMPLES, deadline=None)
settings.load_profile("default")


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own data and config folders; nothing touches the real ones."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("VAUDIT_LANG", "en")
    for var in ("VAUDIT_DB", "VAUDIT_AUDITOR"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def mini_set() -> ChecklistSet:
    return build_set(sources_in(MINI))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A SQLite file, for tests that are about SQLite files (paths, backups, PRAGMAs)."""
    return tmp_path / "vaudit.sqlite"


@pytest.fixture(scope="session")
def pg() -> Iterator[pg_server.Server]:
    """The PostgreSQL server of this session (started on first use, stopped at the end)."""
    try:
        with pg_server.server() as server:
            yield server
    except pg_server.NoServer as missing:
        pytest.skip(str(missing))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_target(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """What --db is given: a SQLite file, or the URL of a fresh database at the head revision."""
    if backend == "sqlite":
        yield str(db_path)
        return
    server: pg_server.Server = request.getfixturevalue("pg")
    with server.database() as url:
        yield url


@pytest.fixture
def store(db_target: str) -> Iterator[Store]:
    opened = open_store(db_target)
    yield opened
    opened.dispose()


@pytest.fixture
def service(store: Store, mini_set: ChecklistSet) -> Service:
    return Service(store, "alice", checklists=mini_set, today=TODAY)


@pytest.fixture
def shipped_service(store: Store) -> Service:
    return Service(store, "alice", today=TODAY)


@pytest.fixture
def audit_id(service: Service) -> int:
    """A draft audit of 示例通信 (contact 李娜) in the selection 2026 选型, general scenario."""
    return start_audit(
        service,
        "示例通信",
        "2026 选型",
        GENERAL,
        credit_code="91310110666007217T",
        contact_name="李娜",
    )
