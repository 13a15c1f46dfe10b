"""Engines, sessions and schema upgrades.

SQLite gets WAL, foreign keys, a busy timeout and FULL sync (an answer acknowledged is on disk).
Writes take the database lock up front (BEGIN IMMEDIATE) so two processes never interleave an
event-chain append; reads stay deferred so they never wait on a writer in WAL mode.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from audits.migrations import HEAD_REVISION

if TYPE_CHECKING:
    from sqlmodel import Session

BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "vaudit_write"


class DatabaseError(Exception):
    """A database that cannot be opened or upgraded; the message is for the user."""


def to_url(target: str) -> str:
    """A --db value is a SQLAlchemy URL if it has a scheme, else a SQLite file path."""
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder for {path}: {exc.strerror}") from None
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's begin event, not the driver, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if path is not None:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


# ----------------------------------------------------------------------------- migrations


def _alembic_config(connection: sa.Connection | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "audits:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _stamped_revision(engine: sa.Engine) -> str | None:
    """The revision in `alembic_version`, read with plain SQL (None when there is no table)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    return rows[0][0] if len(rows) == 1 else None


def _has_tables(engine: sa.Engine) -> bool:
    return bool(sa.inspect(engine).get_table_names())


def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup API (safe while others have it open)."""
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def upgrade(engine: sa.Engine, url: str, revision: str = "head") -> Path | None:
    """Bring the schema to `revision`; SQLite files with data are backed up first.

    Returns the backup's path when one was made.
    """
    if revision == "head" and _stamped_revision(engine) == HEAD_REVISION:
        return None  # the common case, answered without importing Alembic (~0.1 s per command)
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    current = current_revision(engine)
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise DatabaseError(
            f"the database is at schema revision {current}, which this vaudit does not know; "
            "it was written by a newer version: upgrade vaudit"
        )
    target = script.get_current_head() if revision == "head" else revision
    if current == target:
        return None
    backup = None
    path = sqlite_path(url)
    if path is not None and path.exists() and _has_tables(engine):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix or '.sqlite'}")
        backup_sqlite(path, backup)
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)
    return backup


# ----------------------------------------------------------------------------- sessions


@dataclass
class Store:
    """One database: read sessions, and write sessions that commit or roll back as a whole."""

    engine: sa.Engine
    url: str

    def __post_init__(self) -> None:
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        from sqlmodel import Session

        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        from sqlmodel import Session

        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(target: str, *, migrate: bool = True) -> Store:
    """Open the database a --db value names, creating and upgrading it as needed."""
    url = to_url(target)
    try:
        engine = make_engine(url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseError(f"not a database path or URL: {target} ({exc})") from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"the driver for {make_url(url).drivername} is not installed: {exc.name}"
        ) from None
    store = Store(engine, url)
    if migrate:
        try:
            upgrade(engine, url)
        except sa.exc.OperationalError as exc:
            raise DatabaseError(f"cannot open the database at {target}: {exc.orig}") from None
        except sa.exc.DatabaseError as exc:
            raise DatabaseError(f"{target} is not a usable database: {exc.orig}") from None
    return store
