"""The fuzz harness over what vaudit reads from files: checklists and reports generated as
arbitrary TOML (wrong types anywhere, nesting far past anything real), and the inputs that
once gave a traceback, each pinned: a report or checklist nested 100,000 levels deep, an
absurd number for a number item, bytes that are not UTF-8 in a name or a file name, and
`db upgrade` on a file that is not a database. Every outcome is a result or a clear error."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import TODAY, vaudit
from tests.support.fuzzing import budget
from vaudit.audits.checklist import ChecklistError, Source, build_set, shipped_sources
from vaudit.audits.cli import user_errors
from vaudit.audits.db import open_store
from vaudit.audits.report import import_report
from vaudit.audits.service import Service

pytestmark = pytest.mark.fuzz

DEEP = 100_000
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.dates(),
)
KEYS = st.one_of(
    st.sampled_from(
        [
            "checklist",
            "id",
            "version",
            "items",
            "title",
            "input",
            "rule",
            "weight",
            "format",
            "audit",
            "vendor",
            "answers",
            "evidence",
            "digest",
            "value",
            "sections",
            "zh",
            "en",
        ]
    ),
    st.text(min_size=1, max_size=8),
)
DOCUMENTS = st.dictionaries(
    KEYS,
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
        max_leaves=20,
    ),
    max_size=6,
)


def nested(depth: int) -> dict[str, Any]:
    document: Any = 1
    for _ in range(depth):
        document = {"a": [document]}
    return {"checklist": document}


@settings(max_examples=budget(200), deadline=None)
@given(document=st.one_of(DOCUMENTS, st.integers(20, 60).map(nested)))
def test_generated_checklists_load_or_name_their_problems(document: dict[str, Any]) -> None:
    source = Source("generated.toml", "generated.toml", tomli_w.dumps(document))
    try:
        build_set([*shipped_sources(), source])
    except ChecklistError as error:
        event("refused")
        assert error.problems and all(str(p).startswith("generated.toml") for p in error.problems)
    else:
        event("accepted")


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("empty") / "empty.sqlite"
    open_store(str(path)).dispose()
    return path


@settings(
    max_examples=budget(200),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=DOCUMENTS, digest=st.booleans())
def test_generated_reports_are_refused_with_nothing_stored(
    empty_database: Path, tmp_path_factory: pytest.TempPathFactory, document, digest: bool
) -> None:
    folder = tmp_path_factory.mktemp("generated")
    report = folder / "report.toml"
    text = tomli_w.dumps(document)
    report.write_text(text + ('\n[digest]\nvalue = "0"\n' if digest else ""), "utf-8")
    target = folder / "target.sqlite"
    shutil.copyfile(empty_database, target)
    store = open_store(str(target))
    try:
        with pytest.raises(user_errors()):
            import_report(Service(store, "fuzz", today=TODAY), report, force=True)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM event").scalar_one() == 0
    finally:
        store.dispose()


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def deep_toml(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


def test_a_report_nested_100000_levels_deep_is_refused_in_one_line(
    db_path: Path, tmp_path: Path
) -> None:
    report = tmp_path / "deep.toml"
    report.write_text(deep_toml(DEEP) + '\n[digest]\nvalue = "0"\n', "utf-8")
    error = one_line_error(vaudit(db_path, "report", "import", str(report), "--force"))
    assert "nested more than 32 levels deep" in error
    verified = vaudit(db_path, "report", "verify", str(report))
    assert verified.exit_code == 1 and "nested more than 32 levels deep" in verified.stderr


def test_a_checklist_nested_100000_levels_deep_is_named_with_its_problem(
    db_path: Path, tmp_path: Path
) -> None:
    checklist = tmp_path / "deep.toml"
    checklist.write_text(deep_toml(DEEP), "utf-8")
    validated = vaudit(db_path, "checklists", "validate", str(checklist))
    assert validated.exit_code == 1
    assert f"{checklist}: TOML syntax error: tables or arrays nested more than 32" in (
        validated.stderr
    )
    user_folder = tmp_path / "mine"
    user_folder.mkdir()
    shutil.copy(checklist, user_folder / "deep.toml")
    listed = vaudit(db_path, "--checklists", str(user_folder), "checklists", "list")
    assert "nested more than 32 levels deep" in one_line_error(listed)


@pytest.mark.parametrize(
    "absurd", ["1e999999999", "9" * 400, "-1e308", "1e-400", "1234567890123456"]
)
def test_an_absurd_number_for_a_number_item_is_refused(db_path: Path, absurd: str) -> None:
    vaudit(db_path, "vendors", "add", "V", ok=True)
    vaudit(db_path, "selections", "add", "S", ok=True)
    vaudit(db_path, "audits", "start", "V", "S", ok=True)
    item = "disaster_recovery.data.recovery_time"
    answered = vaudit(db_path, "answer", "1", item, "auto", "--value", absurd)
    error = one_line_error(answered)
    assert error.startswith(f"error: {item}: ") and (
        "too large" in error or "decimal places" in error
    )
    vaudit(db_path, "answer", "1", item, "auto", "--value", "123456789012345.5", ok=True)


def test_bytes_that_are_not_utf8_in_a_name_or_a_file_name_are_refused(
    db_path: Path, tmp_path: Path
) -> None:
    name = b"\xff\xfeVendor".decode("utf-8", "surrogateescape")  # as argv carries them
    error = one_line_error(vaudit(db_path, "vendors", "add", name))
    assert "byte 0xFF, which is not UTF-8 text" in error
    file_name = str(tmp_path / b"scan\xff.pdf".decode("utf-8", "surrogateescape"))
    error = one_line_error(vaudit(db_path, "evidence", "add", "1", "x.y", file_name))
    assert "not UTF-8 text" in error


def test_db_upgrade_on_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    for name, content in [
        ("garbage.sqlite", b"garbage" * 1000),
        ("damaged.sqlite", b"SQLite format 3\x00" + bytes(range(256)) * 40),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        error = one_line_error(vaudit(path, "db", "upgrade"))
        assert error == f"error: {path} is not a usable database: file is not a database"
