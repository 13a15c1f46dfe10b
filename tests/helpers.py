"""What many test modules share: the fixed day, the data folders, the command line run in
process, and audit factories. Fixtures built from these are in conftest.py."""

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
from click.testing import CliRunner, Result

from vaudit.audits.cli import cli  # the package registers every command
from vaudit.audits.db_guard import create_guards, guard_names
from vaudit.audits.rows import row_id
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

# The day every service, rule and screen in the tests takes as today (a Tuesday).
TODAY = dt.date(2026, 11, 24)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# Three small checklists (alpha, beta and their scoring) whose numbers the tests work out by hand.
MINI = DATA / "mini"

# The scenario where the mini set's finance and marketing items do not apply.
GENERAL = Scenario(
    industry="general", coverage="national", message_kinds=frozenset({"verification"})
)


def vaudit(
    db: str | Path,
    *args: str,
    auditor: str | None = None,
    input: str | None = None,
    ok: bool | None = None,
) -> Result:
    """`vaudit --db DB [--auditor AUDITOR] ARGS…` run in this process. An exception that is not
    a command-line error propagates. `ok=True` asserts the command succeeded, `ok=False` that it
    failed; by default the caller checks the result."""
    command = ["--db", str(db), *(["--auditor", auditor] if auditor else []), *args]
    result = CliRunner().invoke(cli, command, input=input, catch_exceptions=False)
    if ok is not None:
        assert (result.exit_code == 0) is ok, result.output + result.stderr
    return result


def start_audit(
    service: Service,
    vendor: str = "V",
    selection: str = "S",
    scenario: Scenario | None = None,
    **vendor_fields: str,
) -> int:
    """A new vendor and selection, and an audit of the one in the other: the audit's id."""
    service.add_vendor({"name": vendor, **vendor_fields})
    service.add_selection(selection, scenario if scenario is not None else Scenario())
    return row_id(service.start_audit(vendor, selection))


def signed_off_audit(service: Service) -> int:
    """An audit with two answers and an evidence note, signed off by Carol (mini set)."""
    audit = start_audit(service)
    service.record_answer(audit, "beta.misc.review", result="pass")
    service.record_answer(audit, "alpha.core.rate", result="auto", value="99")
    service.add_evidence_note(audit, "beta.misc.review", "seen the contract")
    service.sign_off(audit, "Carol")
    return audit


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
