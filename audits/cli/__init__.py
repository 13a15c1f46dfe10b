"""The `vaudit` command line: the click group (group.py) and the commands, one module per
concern (*_cmds.py), each registering its commands on the group when imported. Importing this
package imports them all, so `cli` here is the whole command line. Heavy modules (SQLModel,
Alembic, Textual) load only in the commands that need them, so `vaudit --help` stays quick."""

from __future__ import annotations

# Each *_cmds module registers its commands on `cli` when imported.
from vaudit.audits.cli import (  # noqa: F401
    audit_cmds,
    channel_cmds,
    channel_runs_cmds,
    check_cmds,
    checklist_cmds,
    cloud_cmds,
    db_cmds,
    evidence_cmds,
    followup_cmds,
    key_cmds,
    party_cmds,
    report_cmds,
    selection_cmds,
)
from vaudit.audits.cli.group import Context, cli, pass_context, user_errors


def main() -> None:
    """The `vaudit` console script."""
    cli(prog_name="vaudit")


__all__ = ["Context", "cli", "main", "pass_context", "user_errors"]
