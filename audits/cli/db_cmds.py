"""`vaudit db …` and `vaudit demo`."""

from __future__ import annotations

import time
from pathlib import Path

import click

from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import say


@cli.group()
def db() -> None:
    """The database: where it is, schema upgrades, backup and restore."""


@db.command("path")
@pass_context
def db_path(ctx: Context) -> None:
    """Print the database in use (file path, or URL without its password)."""
    from vaudit.audits.db import shown_target, sqlite_path, to_url

    path = sqlite_path(to_url(ctx.target))
    say(str(path) if path else shown_target(ctx.target))


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Bring the database schema up to date (SQLite: after a backup copy).

    A PostgreSQL database is not copied first: take a pg_dump before (see docs/team.md).
    """
    from vaudit.audits.db import (
        current_revision,
        head_revision,
        opening_errors,
        shown_target,
        upgrade,
    )

    store = ctx.store(migrate=False)
    with opening_errors(shown_target(ctx.target)):  # a damaged file: one line, no traceback
        before = current_revision(store.engine)
        backup = upgrade(store.engine, store.url)
        after = current_revision(store.engine)
    if before == after:
        say(f"already up to date (schema {after})")
        return
    say(f"upgraded schema {before or 'empty'} → {after} (head {head_revision()})")
    if backup:
        say(f"backup of the previous file: {backup}")
    elif before is not None and store.backend == "postgresql":
        say("no backup copy was made (PostgreSQL: the pg_dump taken before is the way back)")


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def db_backup(ctx: Context, file: Path) -> None:
    """Copy the database to FILE (new file; safe while the app is open).

    SQLite: a consistent copy through SQLite's backup API, checked before it is kept.
    PostgreSQL: `pg_dump --format=custom`, when pg_dump is installed.
    """
    from vaudit.audits.backup import backup

    done = backup(ctx.target, file)
    detail = f"schema {done.revision}, {done.events} events, " if done.revision else ""
    say(f"backed up to {done.path} ({detail}{done.size:,} bytes)")


@db.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even though the database seems open.")
@pass_context
def db_restore(ctx: Context, file: Path, force: bool) -> None:
    """Replace the SQLite database with the backup FILE, keeping a copy of what it replaces.

    Refused while the database is open elsewhere (close the app first), unless --force.
    """
    from vaudit.audits.backup import restore

    done = restore(ctx.target, file, force=force)
    say(f"restored from {done.restored_from} ({done.events} events, schema {done.revision})")
    if done.kept_copy:
        say(f"the database it replaced is kept as {done.kept_copy}")


@cli.command()
@click.option(
    "--reset",
    is_flag=True,
    help="Empty a database that has data first (SQLite: after a backup copy).",
)
@pass_context
def demo(ctx: Context, reset: bool) -> None:
    """Fill the database with a fictional selection of SMS vendors to explore."""
    from vaudit.audits.db import Store, shown_target
    from vaudit.audits.demo import DemoRefused, load_demo_whole, reset_database
    from vaudit.audits.service import count_rows

    started = time.perf_counter()
    store = ctx.store()
    if count_rows(store):
        if not reset:
            raise DemoRefused(
                f"the database at {shown_target(ctx.target)} already has data; use "
                "`vaudit demo --reset` to empty it first (a SQLite file is backed up before; "
                "a PostgreSQL database is not)"
            )
        backup = reset_database(store)
        if backup:
            say(f"backed up the old data to {backup}")
    from vaudit.audits.service import Service

    def service_over(store: Store) -> Service:
        return Service(store, ctx.actor, ctx.checklist_dirs)

    summary = load_demo_whole(store, service_over)
    say(f"demo loaded in {time.perf_counter() - started:.2f}s: {summary}")
    say("try: vaudit audits list")
