from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import pg_server
from vaudit.audits.checklist import ChecklistSet, build_set, sources_in
from vaudit.audits.db import Store, open_store
from vaudit.audits.db_guard import create_guards, guard_names
from vaudit.audits.service import Service

DATA = Path(__file__).parent / "data"
TODAY = dt.date(2026, 11, 24)
BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The database file made read-only: by its mode, or (root ignores modes) `chattr +i`."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("as root a read-only file needs chattr, which is not installed")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not allowed here: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def restore_guards(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        create_guards(connection)
    else:
        for table in ("answer", "evidence", "audit"):
            connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def drop_guards(connection: sa.Connection) -> None:
    """Lift the signed-off guard in this transaction, as anyone with write access can: for
    fixtures that fix timestamps of signed-off audits, and for tests that forge rows."""
    if connection.dialect.name == "sqlite":
        for name in sorted(guard_names(connection)):
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        for table in ("answer", "evidence", "audit"):
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")


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
    return build_set(sources_in(DATA / "mini"))


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
