"""Engines, sessions and schema upgrades, on SQLite (one file) or PostgreSQL (a team's server).

Both backends give the same guarantees. Writes take turns: SQLite takes its database lock up front
(BEGIN IMMEDIATE); PostgreSQL locks the event chain's head row as the first statement of every
write transaction. So a write always reads what the previous one committed (a version check can
never pass on a stale read) and two appends never fork the event chain. Reads see one consistent
snapshot (SQLite's deferred transaction in WAL mode, PostgreSQL's REPEATABLE READ) and never wait
for a writer. A write that waits longer than WRITE_WAIT_MS for the lock, or a lost connection,
becomes a DatabaseError with a one-line message instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from vaudit.audits.migrations import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlmodel import Session

# How long a write waits for another writer's transaction before giving up (both backends).
WRITE_WAIT_MS = 10_000
WRITE_OPTION = "vaudit_write"
# The first statement of every PostgreSQL write: writers queue on the event chain's head row.
PG_WRITE_LOCK = "SELECT last_event_id FROM chain_head WHERE id = 1 FOR UPDATE"
# Two vaudits upgrading one server at once take turns on this advisory lock (any fixed number).
PG_MIGRATION_LOCK_KEY = 7_460_112
# SQLSTATEs meaning another writer was in the way (lock timeout, serialisation, deadlock).
PG_BUSY_STATES = {"55P03", "40001", "40P01"}
PG_NO_PRIVILEGE = "42501"


class DatabaseError(Exception):
    """A database that cannot be opened, upgraded or reached; the message is for the user."""


class DatabaseReadOnly(DatabaseError):
    """The file or the server refuses writes; the transaction was rolled back whole."""


class DatabaseFull(DatabaseError):
    """No room left on the disk (or under the server's quota); rolled back whole."""


# PostgreSQL's SQLSTATEs for a read-only transaction (a standby, default_transaction_read_only)
# and a full disk.
PG_READ_ONLY = "25006"
PG_DISK_FULL = "53100"


class DatabaseBusy(DatabaseError):
    """Another writer held the database longer than WRITE_WAIT_MS; nothing was saved."""


def to_url(target: str) -> str:
    """A --db value is a SQLAlchemy URL if it has a scheme, else a SQLite file path.

    `postgresql://` and `postgres://` (as libpq and most hosting dashboards write them) mean
    psycopg 3, the driver vaudit installs.
    """
    if "://" in target:
        scheme, rest = target.split("://", 1)
        if scheme in ("postgresql", "postgres"):
            return f"postgresql+psycopg://{rest}"
        return target
    return f"sqlite:///{Path(target).expanduser().resolve()}"


def shown_target(target: str) -> str:
    """A --db value fit to print: a URL's password is replaced by ***."""
    if "://" not in target:
        return target
    try:
        return make_url(to_url(target)).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return target.split("://", 1)[0] + "://…"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def read_only_uri(path: Path) -> str | None:
    """A SQLite URI that opens `path` for reading only, when it cannot be written; else None.

    A file that may not be written opens with `mode=ro`: reads work, and a write fails as
    'readonly database' (DatabaseReadOnly, one line). A folder that may not be written (a
    read-only mount, a CD, a locked share) cannot hold the `-shm` and `-wal` files SQLite's
    WAL mode reads through, so the file opens `immutable=1`: SQLite then reads it as it is,
    without locks, which is right for media nobody can change meanwhile.
    """
    if not path.exists():
        return None
    folder_writable = os.access(path.parent, os.W_OK)
    if folder_writable and os.access(path, os.W_OK):
        return None
    mode = "mode=ro" if folder_writable else "mode=ro&immutable=1"
    return f"file:{quote(str(path.resolve()))}?{mode}&uri=true"


def make_engine(url: str) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return _postgresql_engine(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder for {path}: {exc.strerror}") from None
    read_only = read_only_uri(path) if path is not None else None
    if read_only is not None:
        url = f"sqlite:///{read_only}"
    engine = sa.create_engine(url, connect_args={"timeout": WRITE_WAIT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's begin event, not the driver, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if path is not None and read_only is None:  # a read-only file keeps its mode
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


def _postgresql_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # A writer waits this long for the one ahead of it, then gives up with DatabaseBusy;
        # timestamps come back in UTC whatever the server's zone (UTCDateTime converts anyway).
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {WRITE_WAIT_MS}")
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()

    return engine


def driver_message(exc: sa.exc.DBAPIError) -> str:
    """The driver's own words on one line (libpq spreads a refused connection over three)."""
    return " ".join(str(exc.orig).split()) or type(exc.orig).__name__


def busy_or_unreachable(exc: sa.exc.DBAPIError) -> DatabaseError | None:
    """The user-facing error for a lock wait that ran out or a lost server; None for bugs."""
    state = getattr(exc.orig, "sqlstate", None)
    text = driver_message(exc)
    seconds = f"{WRITE_WAIT_MS / 1000:g}"
    if state in PG_BUSY_STATES or (state is None and "database is locked" in text):
        return DatabaseBusy(
            f"the database is busy: another change held it for more than {seconds} s, "
            "so nothing was saved; try again"
        )
    if state == PG_READ_ONLY or "readonly database" in text:
        return DatabaseReadOnly(
            f"the database is read-only, so nothing was saved ({text}); check the file's "
            "permissions, or ask whoever runs the server"
        )
    if state == PG_DISK_FULL or "database or disk is full" in text:
        return DatabaseFull(f"the disk is full, so nothing was saved ({text}); free some space")
    if isinstance(exc, sa.exc.OperationalError):
        return DatabaseError(f"the database could not be reached or used: {text}")
    if isinstance(exc, sa.exc.DataError):
        return DatabaseError(f"the database refused a value: {text}")
    return None


@contextmanager
def _plain_errors() -> Iterator[None]:
    try:
        yield
    except sa.exc.DBAPIError as exc:
        plain = busy_or_unreachable(exc)
        if plain is None:
            raise
        raise plain from None


# ----------------------------------------------------------------------------- migrations


def _alembic_config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "vaudit.audits:migrations")
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
    # A PostgreSQL server gets no copy here (there is no file to copy): docs/team.md says to
    # take a pg_dump first. Its DDL is transactional, so a failed upgrade leaves nothing behind.
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # Two auditors opening the server at once: the second waits, then finds the
                # schema current (Alembic reads the revision again after the lock).
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK_KEY}
                )
            command.upgrade(_alembic_config(connection), revision)
    except sa.exc.ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != PG_NO_PRIVILEGE:
            raise
        raise DatabaseError(
            f"the database schema needs upgrading ({current or 'empty'} → {target}), and this "
            f"role may not change it ({driver_message(exc)}); ask the database's owner to run "
            "`vaudit db upgrade` (see docs/team.md)"
        ) from None
    return backup


# ----------------------------------------------------------------------------- sessions


@dataclass
class Store:
    """One database: read sessions, and write sessions that commit or roll back as a whole."""

    engine: sa.Engine
    url: str

    def __post_init__(self) -> None:
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._read_engine = self.engine
        if self.backend == "postgresql":
            # One snapshot per read, as SQLite gives: `verify` walking the log while others
            # append must not see a head newer than the last row it read.
            self._read_engine = self.engine.execution_options(isolation_level="REPEATABLE READ")

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        from sqlmodel import Session

        with _plain_errors(), Session(self._read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        from sqlmodel import Session

        with (
            _plain_errors(),
            Session(self._write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            if self.backend == "postgresql":
                session.execute(sa.text(PG_WRITE_LOCK))
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _refuse_unasked_upgrade(engine: sa.Engine, shown: str) -> None:
    """A shared server is upgraded on purpose, by `vaudit db upgrade` after a pg_dump: not by
    whichever auditor updates vaudit first (the others' older vaudits would then refuse it).
    An empty database is still set up on first use."""
    stamped = _stamped_revision(engine)
    if stamped is None or stamped == HEAD_REVISION:
        return
    from alembic.script import ScriptDirectory

    known = {
        rev.revision for rev in ScriptDirectory.from_config(_alembic_config()).walk_revisions()
    }
    if stamped in known:  # older; a newer one is refused by upgrade()
        raise DatabaseError(
            f"the database at {shown} is at schema revision {stamped} and this vaudit needs "
            f"{HEAD_REVISION}: whoever looks after it runs `vaudit db upgrade` (after a pg_dump; "
            "see docs/team.md)"
        )


def open_store(target: str, *, migrate: bool = True) -> Store:
    """Open the database a --db value names, creating and upgrading it as needed."""
    url = to_url(target)
    shown = shown_target(target)
    try:
        engine = make_engine(url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseError(f"not a database path or URL: {shown} ({exc})") from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"the driver for {make_url(url).drivername} is not installed: {exc.name}"
        ) from None
    store = Store(engine, url)
    if migrate:
        with opening_errors(shown):
            if store.backend == "postgresql":
                _refuse_unasked_upgrade(engine, shown)
            upgrade(engine, url)
    return store


@contextmanager
def opening_errors(shown: str) -> Iterator[None]:
    """A file that is not a database (or is damaged), or a server that cannot be reached, as
    one line naming it: for opening, and for `db upgrade`, which opens without migrating."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        message = driver_message(exc)
        raise DatabaseError(f"cannot open the database at {shown}: {message}") from None
    except sa.exc.DatabaseError as exc:
        message = driver_message(exc)
        raise DatabaseError(f"{shown} is not a usable database: {message}") from None
