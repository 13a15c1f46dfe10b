"""The fuzz harness over the command line: every command the click group holds (walked, not
listed by hand) is run with generated arguments — hostile text, absurd numbers, bytes that are
not UTF-8, huge strings, odd files (a directory, /dev/zero, a FIFO, a missing path) — against a
database holding one audit. Every run must succeed, or fail with `error: …` (or click's usage
error) and a non-zero exit: never a traceback, never a hang.

In the suite a few hundred examples run; `pytest --hypothesis-profile=fuzz -m fuzz` runs the
long search (tests/support/fuzzing.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import vaudit
from tests.support.fuzzing import (
    ABSURD_NUMBERS,
    Hang,
    budget,
    clean_failure,
    hostile_text,
    time_limit,
)
from vaudit.audits.cli import cli

pytestmark = pytest.mark.fuzz

# Commands that serve until interrupted, or send over the network: not for a fuzz run.
NOT_FUZZED = {("simulate",), ("channel", "run")}
# Commands whose answer is a list of findings (then a non-zero exit): it may run over lines.
REPORTS_FINDINGS = {("checklists", "validate"), ("report", "verify"), ("verify",)}
ITEM = "qualification.licence.validity"


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        elif (*path, name) not in NOT_FUZZED:
            yield (*path, name)


COMMANDS = list(commands(cli))


def command_of(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a database holding a vendor, a selection, an audit with an answer, a note,
    a file, a follow-up; and the odd files the arguments may name."""
    folder = tmp_path_factory.mktemp("cli-fuzz")
    db = folder / "template.sqlite"
    (folder / "evidence.pdf").write_bytes(b"%PDF-1.4 fuzz")
    vaudit(db, "vendors", "add", "V", ok=True)
    vaudit(db, "selections", "add", "S", ok=True)
    vaudit(db, "audits", "start", "V", "S", ok=True)
    vaudit(db, "answer", "1", ITEM, "pass", "--note", "seen", ok=True)
    vaudit(db, "evidence", "add", "1", ITEM, str(folder / "evidence.pdf"), ok=True)
    vaudit(db, "evidence", "note", "1", ITEM, "a note", ok=True)
    vaudit(
        db,
        "followups",
        "add",
        "1",
        ITEM,
        "send the licence",
        "--by",
        "V",
        "--due",
        "2030-01-01",
        ok=True,
    )
    vaudit(db, "export", "1", "-o", str(folder / "report.toml"), ok=True)
    (folder / "folder").mkdir()
    (folder / "empty").write_bytes(b"")
    (folder / "garbage").write_bytes(bytes(range(256)) * 4)
    os.mkfifo(folder / "fifo")
    return folder


def path_values(folder: Path) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            str(folder / "report.toml"),
            str(folder / "evidence.pdf"),
            str(folder / "folder"),
            str(folder / "empty"),
            str(folder / "garbage"),
            str(folder / "fifo"),
            str(folder / "missing" / "x.toml"),
            "/dev/zero",
            "/dev/null",
            "new.toml",
            "out/",
            "name\udcff.toml",
            "x" * 300 + ".toml",
            "示例" * 200 + ".toml",
            "",
            "https://user:pw@example.com/a",
        ]
    )


def value_for(param: click.Parameter, folder: Path) -> st.SearchStrategy[str]:
    kind = param.type
    if isinstance(kind, click.Choice):
        return st.one_of(st.sampled_from([str(c) for c in kind.choices]), hostile_text())
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return st.one_of(
            st.sampled_from(ABSURD_NUMBERS),
            st.integers(-3, 3).map(str),
            st.integers().map(str),
            st.floats().map(str),
        )
    if isinstance(kind, click.Path | click.File) or param.name in {"file_or_url", "output"}:
        return st.one_of(path_values(folder), hostile_text())
    known = {"V", "S", "1", "2", ITEM, "2030-01-01", "pass", "qualification", "10690001"}
    return st.one_of(st.sampled_from(sorted(known)), hostile_text())


@st.composite
def command_lines(draw: st.DrawFn, folder: Path) -> tuple[tuple[str, ...], list[str]]:
    path = draw(st.sampled_from(COMMANDS), label="command")
    args: list[str] = list(path)
    for param in command_of(path).params:
        if isinstance(param, click.Argument):
            count = draw(st.integers(0, 3)) if param.nargs == -1 else 1
            if draw(st.integers(0, 9)) == 0:
                count = 0  # a missing argument
            args += [draw(value_for(param, folder)) for _ in range(count)]
        elif isinstance(param, click.Option) and param.name != "help":
            if draw(st.integers(0, 2)) != 0:
                continue
            flag = param.opts[-1]
            if param.is_flag:
                args.append(flag)
            else:
                args += [flag, draw(value_for(param, folder))]
    if draw(st.integers(0, 9)) == 0:
        args.append(draw(hostile_text()))  # one argument too many
    return path, args


@settings(
    max_examples=budget(250),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_command_succeeds_or_says_error(playground: Path, data: st.DataObject) -> None:
    command, args = data.draw(command_lines(playground), label="args")
    db = playground / "fuzz.sqlite"
    shutil.copyfile(playground / "template.sqlite", db)
    work = playground / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        with contextlib.chdir(work), time_limit(10):
            result = CliRunner().invoke(cli, ["--db", str(db), *args], input="")
    except Hang as hang:
        raise AssertionError(f"vaudit {args!r:.300}: {hang}") from None
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    event(f"{' '.join(command)}: exit {result.exit_code}")
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"vaudit {args!r:.300} raised {result.exception!r:.300}"
    if result.exit_code != 0:
        shown = f"vaudit {args!r:.300}:\n{result.stderr[:2000]}"
        if command in REPORTS_FINDINGS:
            assert result.stderr.strip() and "Traceback" not in result.stderr, shown
        else:
            assert clean_failure(result.stderr), shown
