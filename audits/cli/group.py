"""The `vaudit` click group and what every command shares: the Context (database, auditor,
language, checklist folders), user errors shown as one line, and `vaudit` alone opening the TUI.
Heavy modules (SQLModel, Alembic, Textual) load only where they are used, so `vaudit --help`
stays quick."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vaudit.audits import __version__
from vaudit.audits.present import visible
from vaudit.audits.text import LANGS, Lang, lang_or_default

if TYPE_CHECKING:
    from vaudit.audits.db import Store
    from vaudit.audits.service import Service


def configured_auditor() -> str | None:
    """`auditor` from the config file, if the file exists and names one."""
    import tomllib

    from vaudit.audits.paths import ConfigError, config_file

    path = config_file()
    try:
        settings = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None
    auditor = settings.get("auditor")
    if auditor is not None and (not isinstance(auditor, str) or not auditor.strip()):
        raise ConfigError(f"{path}: auditor should be a name in quotes")
    return auditor.strip() if auditor else None


def default_actor() -> str:
    """Who is writing, when --auditor is not given: VAUDIT_AUDITOR, the config file's
    `auditor`, else the login name."""
    try:
        return os.environ.get("VAUDIT_AUDITOR") or configured_auditor() or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class Context:
    db: str | None
    actor: str
    lang: Lang
    checklist_dirs: list[Path]
    _store: Store | None = field(default=None, init=False)
    _service: Service | None = field(default=None, init=False)

    @property
    def target(self) -> str:
        from vaudit.audits.paths import database_target

        return database_target(self.db)

    def store(self, migrate: bool = True) -> Store:
        if self._store is None:
            from vaudit.audits.db import open_store

            self._store = open_store(self.target, migrate=migrate)
        return self._store

    @property
    def service(self) -> Service:
        if self._service is None:
            from vaudit.audits.service import Service

            self._service = Service(self.store(), self.actor, self.checklist_dirs)
        return self._service

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()


def user_errors() -> tuple[type[Exception], ...]:
    """Exceptions that are the user's to fix: shown as one line on stderr, exit 1."""
    from vaudit.audits.checklist import ChecklistError
    from vaudit.audits.db import DatabaseError
    from vaudit.audits.files import FileExists, InputFileError, NotRegularTarget
    from vaudit.audits.paths import ConfigError
    from vaudit.audits.values import ValueError_
    from vaudit.audits.vendor_fields import FieldError

    errors: list[type[Exception]] = [
        ChecklistError,
        DatabaseError,
        ValueError_,
        FieldError,
        FileExists,
        InputFileError,
        NotRegularTarget,
        ConfigError,
    ]
    if "vaudit.audits.channel" in sys.modules:
        from vaudit.audits.channel import ChannelError

        errors.append(ChannelError)
    if "vaudit.audits.service" in sys.modules:
        from vaudit.audits.service import AuditError

        errors.append(AuditError)
    if "vaudit.audits.report" in sys.modules:
        from vaudit.audits.report import ReportError

        errors.append(ReportError)
    if "vaudit.audits.signing" in sys.modules:
        from vaudit.audits.signing import SignatureError

        errors.append(SignatureError)
    return tuple(errors)


def unusable_text(values: Iterable[object]) -> str | None:
    """The first value no file name, database, report or terminal can take, described for an
    error: bytes that are not UTF-8 (Python keeps them as lone surrogates) or a NUL (which a
    real command line cannot even carry); else None."""
    for value in values:
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            return f"{visible(value)!r} holds a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            byte = os.fsencode(value[exc.start])[0]
            return f"{visible(value)!r} holds byte 0x{byte:02X}, which is not UTF-8 text"
    return None


# The largest whole number a database column holds (64-bit signed): ids, counts, versions.
LARGEST_NUMBER = 2**63 - 1


class Command(click.Command):
    """Every command: a whole number past what a database column holds is refused as a bad
    parameter (the drivers would raise OverflowError deep inside a query)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        for param in self.params:
            value = ctx.params.get(param.name or "")
            values = value if isinstance(value, tuple | list) else (value,)
            for number in values:
                if isinstance(number, int) and abs(number) > LARGEST_NUMBER:
                    raise click.BadParameter(
                        f"a number of {len(str(abs(number)))} digits is out of range "
                        f"(at most {LARGEST_NUMBER:,})",
                        ctx=ctx,
                        param=param,
                    )
        return rest


class Group(click.Group):
    """Turns user mistakes into `error: …` on stderr instead of a traceback."""

    command_class = Command
    group_class = type  # subgroups are Groups too

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Every argument and option, before anything reads or stores it (the top-level group
        # sees the whole command line; the environment's VAUDIT_* values are checked in cli()).
        problem = unusable_text(args)
        if problem is not None:
            click.echo(f"error: {problem}; retype it, or rename the file", err=True)
            ctx.exit(2)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if isinstance(exc, user_errors()):
                # An error may quote stored or typed text: shown, never interpreted.
                lines = [visible(line) for line in str(exc).split("\n")]
                if len(lines) > 1:
                    click.echo("error:", err=True)
                    for line in lines:
                        click.echo(f"  {line}", err=True)
                else:
                    click.echo(f"error: {lines[0]}", err=True)
                ctx.exit(1)
            if isinstance(exc, BrokenPipeError):
                # `vaudit … | head` closed the pipe: stop quietly, as other Unix tools do.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                ctx.exit(1)
            if isinstance(exc, OSError) and exc.strerror:
                shown = visible(f"{exc.strerror}: {exc.filename or ''}".rstrip(": "))
                click.echo(f"error: {shown}", err=True)
                ctx.exit(1)
            raise


@click.group(
    cls=Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--db",
    metavar="PATH_OR_URL",
    envvar="VAUDIT_DB",
    show_envvar=True,
    help="Database file or SQLAlchemy URL (default: a SQLite file in your data folder).",
)
@click.option(
    "--auditor",
    metavar="NAME",
    envvar="VAUDIT_AUDITOR",
    show_envvar=True,
    help="Who is making the changes (default: your login name).",
)
@click.option("--lang", type=click.Choice(LANGS), help="Language for checklist text (zh or en).")
@click.option(
    "--checklists",
    "checklist_dirs",
    metavar="DIR",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Extra checklist folder (repeatable); adds to the user config folder.",
)
@click.version_option(__version__, prog_name="vaudit")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    auditor: str | None,
    lang: str | None,
    checklist_dirs: tuple[Path, ...],
) -> None:
    """vaudit: qualify SMS platform vendors: checklists, evidence, scores and verdicts."""
    from vaudit.audits.paths import user_checklists_dir

    problem = unusable_text([db, auditor])  # VAUDIT_DB and VAUDIT_AUDITOR come from outside too
    if problem is not None:
        raise click.BadParameter(problem)
    dirs = [user_checklists_dir(), *checklist_dirs]
    for directory in checklist_dirs:
        if not directory.is_dir():
            raise click.BadParameter(f"no such folder: {directory}", param_hint="--checklists")
    context = Context(
        db=db,
        actor=(auditor or default_actor()).strip() or "unknown",
        lang=lang_or_default(lang),
        checklist_dirs=dirs,
    )
    ctx.obj = context
    ctx.call_on_close(context.close)
    if ctx.invoked_subcommand is None:
        run_tui(context)


def run_tui(context: Context) -> None:
    """`vaudit` alone opens the Textual app (imported only here: the CLI stays light)."""
    try:
        from vaudit.tui.app import make_app
    except ImportError as error:  # a broken install: say so instead of a traceback
        raise click.ClickException(f"the TUI cannot start: {error}") from None
    explicit = click.get_current_context().params.get("lang")
    app = make_app(
        db_target=context.target,
        actor=context.actor,
        lang=explicit,
        checklist_dirs=context.checklist_dirs,
    )
    app.run()


pass_context = click.make_pass_decorator(Context)
