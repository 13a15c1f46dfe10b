"""`vaudit db backup FILE` and `vaudit db restore FILE`.

SQLite: the online backup API, so a copy taken while the app is open is consistent; the copy is
written under a temporary name, checked, then linked into place (never over an existing file).
Restore checks the file first, keeps a copy of the database it replaces, and writes through the
same API, so the replacement is one transaction. PostgreSQL: `pg_dump` when it is installed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from vaudit.audits.db import DatabaseError, backup_sqlite, sqlite_path, to_url
from vaudit.audits.files import FileExists, regular_file_problem, sync_folder
from vaudit.audits.migrations import HEAD_REVISION


class BackupError(DatabaseError):
    """A backup or restore that cannot be done; the message is for the user."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str | None
    events: int | None  # None for a pg_dump archive (not read back)


def _check_copy(path: Path) -> tuple[str | None, int]:
    """A vaudit SQLite file that passes integrity_check: its schema revision and event count."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be opened: {exc}") from None
    try:
        status = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"{path} is damaged (integrity check: {status})")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not {"alembic_version", "event", "audit"} <= tables:
            raise BackupError(f"{path} is not a vaudit database")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        events = conn.execute("SELECT count(*) FROM event").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a vaudit database ({exc})") from None
    finally:
        conn.close()
    return (revision[0] if revision else None), events


def _temp_beside(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


def backup(target: str, destination: Path) -> BackupResult:
    """Copy the database `target` names into `destination`, which must not exist yet."""
    destination = destination.expanduser()
    if destination.exists():
        raise FileExists(destination)
    if not destination.parent.is_dir():
        raise BackupError(f"no such folder: {destination.parent}")
    url = to_url(target)
    source = sqlite_path(url)
    if make_url(url).get_backend_name() == "postgresql":
        return _pg_dump(url, destination)
    if source is None or not source.exists():
        raise BackupError(f"there is no database file at {source or target}")
    partial = _temp_beside(destination)
    try:
        backup_sqlite(source, partial)
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        revision, events = _check_copy(partial)
        try:
            os.link(partial, destination)  # fails rather than replace a file made meanwhile
        except FileExistsError:
            raise FileExists(destination) from None
        sync_folder(destination.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from None
    finally:
        _remove_with_journals(partial)
    return BackupResult(destination, destination.stat().st_size, revision, events)


def _remove_with_journals(partial: Path) -> None:
    """The temporary copy and whatever SQLite made beside it (the copy is in WAL mode, as its
    source: a failure can leave its -wal and -shm)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)


def _pg_dump(url: str, destination: Path) -> BackupResult:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError(
            "pg_dump is not installed here; install the PostgreSQL client tools, or ask whoever "
            "runs the server for a dump (see docs/team.md)"
        )
    # libpq takes the URL without SQLAlchemy's driver suffix; the password stays in the URL,
    # ~/.pgpass or PGPASSWORD, never on our output.
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    partial = _temp_beside(destination)
    try:
        done = subprocess.run(
            [program, "--format=custom", f"--file={partial}", f"--dbname={libpq_url}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise BackupError(f"pg_dump failed: {first}")
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(partial, destination)
        except FileExistsError:
            raise FileExists(destination) from None
        sync_folder(destination.parent)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(destination, destination.stat().st_size, None, None)


def in_use(path: Path) -> bool:
    """Whether another connection has the file open, as far as SQLite's WAL files tell.

    In WAL mode SQLite keeps `-wal` and `-shm` beside the file while any connection is open and
    removes them when the last one closes cleanly; after a crash they remain (then too, a
    restore must be asked for with --force).
    """
    return any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm"))


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    kept_copy: Path | None  # what the restored database replaced
    revision: str | None
    events: int


def restore(target: str, source: Path, *, force: bool = False) -> RestoreResult:
    """Replace the SQLite database `target` names with the backup `source`."""
    source = source.expanduser()
    url = to_url(target)
    if make_url(url).get_backend_name() == "postgresql":
        raise BackupError(
            "vaudit restores SQLite files only; restore a PostgreSQL dump with pg_restore "
            "(see docs/team.md)"
        )
    path = sqlite_path(url)
    if path is None:
        raise BackupError(f"{target} is not a database file")
    problem = regular_file_problem(source)
    if problem is not None:
        raise BackupError(problem)
    revision, events = _check_copy(source)
    if revision is not None and revision > HEAD_REVISION:
        raise BackupError(
            f"{source} was written by a newer vaudit (schema {revision}); update vaudit first"
        )
    if path.exists() and source.resolve() == path.resolve():
        raise BackupError(f"{source} is the database itself")
    if path.exists() and in_use(path) and not force:
        raise BackupError(
            f"{path} is open in vaudit (or was not closed cleanly); close it first, or restore "
            "with --force"
        )
    kept = None
    if path.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        kept = path.with_name(f"{path.stem}.before-restore-{stamp}{path.suffix or '.sqlite'}")
        backup_sqlite(path, kept)
    # Through the backup API into the live file: one transaction there, and readers that have
    # it open see either the old database or the restored one.
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(str(path), timeout=10)
        try:
            src.backup(dst)
        except sqlite3.OperationalError as exc:
            raise BackupError(f"the restore failed, nothing was replaced: {exc}") from None
        finally:
            with contextlib.suppress(sqlite3.Error):
                dst.close()
    finally:
        src.close()
    return RestoreResult(source, kept, revision, events)
